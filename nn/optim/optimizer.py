"""`Optimizer`: the torch.optim base class: parameter groups, per-parameter state, `step()` and `zero_grad()`.

Optimizers work on floats, not on graphs: `step()` reads each parameter's `p.data` and `p.grad` and writes a new
`p.data`. A subclass states its update rule once, in `update(theta, g, group, state)`, for one parameter.

A step is applied to every parameter or to none: all the new values are computed first, then written, and an
exception (Ctrl-C included) while writing them puts the old values and state back.
"""

import math
import numbers
import warnings

from autograd import Value

from ..floats import number

# How torch's ValueErrors name each hyperparameter ("Invalid learning rate: -1"); others are "Invalid <key> value".
_NAMES = {"lr": "learning rate", "eps": "epsilon value"}


def is_real(value):
    """A finite real number, not a bool: what every numeric hyperparameter must be."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def invalid(key, value, hint="", name=None):
    """torch's message for an out-of-range hyperparameter, "Invalid learning rate: -1", plus an optional hint."""
    shown = value if isinstance(value, numbers.Real) and not isinstance(value, bool) else repr(value)
    return ValueError(f"Invalid {name or _NAMES.get(key, key + ' value')}: {shown}{hint}")


class Optimizer:
    """Base class: `param_groups` (list of dicts: 'params' and every hyperparameter), `state` (Value -> dict).

    `params` is an iterable of Values, or of dicts ({'params': [...], 'lr': ...}) whose missing hyperparameters are
    filled from `defaults`. `state[p]` is created on the first `step()`.

    As in torch, a parameter whose `.grad` is None (no gradient yet: `p.grad = None`) is skipped, its data and
    state left as they are; a grad of 0.0 still moves a parameter under momentum or weight decay.
    """

    # The hyperparameters that must be finite numbers >= 0, and those that must be True or False; subclasses list
    # theirs and may extend `check`.
    nonnegative = ()
    flags = ()

    def __init__(self, params, defaults):
        name = type(self).__name__
        if callable(getattr(params, "parameters", None)):  # the model itself, a common slip
            raise TypeError(
                f"{name} got the {type(params).__name__} itself; pass its parameters: {name}(model.parameters(), ...)"
            )
        if isinstance(params, (Value, dict, str)) or not hasattr(params, "__iter__"):
            raise TypeError(f"params must be an iterable of Values or of dicts, got a {type(params).__name__}")
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a dict {'params': [...], hyperparameter: value, ...}; hyperparameters it omits take the defaults."""
        if not isinstance(group, dict):
            raise TypeError(f"param_group must be a dict, got {type(group).__name__}")
        if "params" not in group:
            raise TypeError("param_group must have a 'params' entry: {'params': [...], 'lr': ...}")
        params = group["params"]
        if isinstance(params, set):
            raise TypeError("optimizer parameters must be in an ordered collection (a list), not a set")
        params = [params] if isinstance(params, Value) else list(params)
        for p in params:
            if not isinstance(p, Value):
                raise TypeError(f"optimizer can only optimize Values, but one of the params is a {type(p).__name__}")
            if p.parents:
                raise ValueError(f"can't optimize a non-leaf Value (made by {p.op!r}): optimize its leaves")
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters", stacklevel=3)
        seen = {p for g in self.param_groups for p in g["params"]}
        if not seen.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {**self.defaults, **group, "params": params}
        self.check(group)
        self.param_groups.append(group)

    def check(self, group):
        """Raise ValueError, worded as torch's, if a hyperparameter of `group` is out of range."""
        for key in self.nonnegative:
            if not (is_real(group[key]) and group[key] >= 0.0):
                raise invalid(key, group[key])
        for key in self.flags:
            if type(group[key]) not in (bool, int) or group[key] not in (0, 1):
                raise invalid(key, group[key], "; use True or False")

    def zero_grad(self, set_to_none=True):
        """Set every parameter's grad to 0.0 (backward accumulates into .grad with +=).

        `set_to_none` is accepted for torch compatibility and ignored: grads become 0.0, micrograd's habit (a grad
        you set to None yourself also works: the next backward starts it, and step() skips it until then).
        """
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = 0.0

    def step(self, closure=None):
        """Update every parameter once from its grad; `closure`, if given, recomputes the loss first and is returned."""
        loss = closure() if closure is not None else None
        new = {}  # parameter -> (new data, new state); `update` works on a copy of the state
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:  # no gradient yet: torch skips the parameter
                    continue
                g = number(g)  # a Value after backward(create_graph=True)
                if group.get("maximize", False):
                    g = -g
                data, state = new[p] if p in new else (p.data, dict(self.state.get(p, ())))
                new[p] = self.update(data, g, group, state), state
        old = [(p, p.data, self.state.get(p)) for p in new]
        try:
            for p, (data, state) in new.items():
                p.data, self.state[p] = data, state
        except BaseException:  # interrupted part-way through writing: put every parameter back
            for p, data, state in old:
                p.data = data
                if state is None:
                    self.state.pop(p, None)
                else:
                    self.state[p] = state
            raise
        return loss

    def update(self, theta, g, group, state):
        """The new value of one parameter `theta` (a float) with gradient `g`; reads and writes its `state` dict."""
        raise NotImplementedError

    def state_dict(self):
        """{'state': {index: dict}, 'param_groups': [...]}, parameters replaced by their index (as torch)."""
        index = {p: i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        groups = [{**g, "params": [index[p] for p in g["params"]]} for g in self.param_groups]
        return {"state": {index[p]: dict(s) for p, s in self.state.items()}, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and state saved by `state_dict()` from an optimizer over the same parameters."""
        groups = state_dict["param_groups"]
        sizes, saved_sizes = [len(g["params"]) for g in self.param_groups], [len(g["params"]) for g in groups]
        if saved_sizes != sizes:
            raise ValueError(f"loaded state dict has param groups of sizes {saved_sizes}, this optimizer {sizes}")
        params = [p for g in self.param_groups for p in g["params"]]
        self.state = {params[int(i)]: dict(s) for i, s in state_dict["state"].items()}
        for ours, saved in zip(self.param_groups, groups, strict=True):
            ours.update({k: v for k, v in saved.items() if k != "params"})

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join([*lines, ")"])
