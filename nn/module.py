"""`Module`, `Neuron`, `Layer`, `MLP`: micrograd's three classes, with PyTorch's module conveniences.

A module's parameters are the Values (and sub-modules, and lists of either) held in its attributes, found in
definition order, so `named_parameters()` gives stable dotted names such as `layers.0.neurons.3.w.1`.
A parent runs each child's forward inside `autograd.scope(name)` with the child's name ('layers.0', then
'neurons.3'), so the nodes a neuron builds carry the scope 'layers.0/neurons.3' and graph pictures group by layer
and neuron. The top-level model opens no scope of its own.
"""

import math
import numbers
import random
import reprlib
from collections.abc import Iterable, Mapping

import autograd
from autograd import Value
from autograd.modes import scope_path

from .outputs import Outputs


def manual_seed(seed):
    """Seed Python's `random`, which initial weights are drawn from, as micrograd's are: the same seed gives
    identical parameters, and `random.seed(1337)` before `MLP(2, [16, 16, 1])` gives micrograd's own."""
    random.seed(seed)


ACTIVATIONS = {
    "relu": autograd.relu,
    "tanh": autograd.tanh,
    "sigmoid": autograd.sigmoid,
    "leaky_relu": autograd.leaky_relu,  # slope 0.01 below 0, as torch
    "elu": autograd.elu,  # alpha 1, as torch
    "linear": lambda x: x,
}


# The activations a fused neuron computes inside its dot node.
FUSED_ACTIVATIONS = frozenset(autograd.FUSED_ACTIVATIONS)


INITS = ("uniform", "xavier", "he")


def init_weights(init, fan_in, fan_out=1):
    """`fan_in` starting weights drawn from Python's `random`.

    'uniform': U(−1, 1), micrograd's.
    'xavier':  U(−a, a) with a = √(6 / (fan_in + fan_out)) (Glorot & Bengio 2010; torch's xavier_uniform_).
    'he':      N(0, σ²) with σ = √(2 / fan_in) (He et al. 2015; torch's kaiming_normal_ for ReLU).
    """
    if init == "uniform":
        return [random.uniform(-1, 1) for _ in range(fan_in)]
    if init == "xavier":
        a = math.sqrt(6 / (fan_in + fan_out))
        return [random.uniform(-a, a) for _ in range(fan_in)]
    if init == "he":
        return [random.gauss(0.0, math.sqrt(2 / fan_in)) for _ in range(fan_in)]
    raise ValueError(f"unknown init {init!r}; choose one of {', '.join(map(repr, INITS))}")


class Module:
    """Base class: parameters are found in the attributes; subclasses define `forward`."""

    training = True

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def _members(self):
        """(name, item) for each Value or Module held in an attribute or a list attribute, in definition order."""
        for name, attr in vars(self).items():
            items = enumerate(attr) if isinstance(attr, (list, tuple)) else [(None, attr)]
            for i, item in items:
                if isinstance(item, (Value, Module)):
                    yield (name if i is None else f"{name}.{i}"), item

    def named_parameters(self, prefix=""):
        """[(dotted name, Value)] for every parameter, in definition order: 'layers.0.neurons.3.w.1'."""
        named = []
        for name, item in self._members():
            if isinstance(item, Module):
                named += item.named_parameters(f"{prefix}{name}.")
            else:
                named.append((prefix + name, item))
        return named

    def parameters(self):
        """Every parameter Value, in the order of `named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def modules(self):
        """This module and every module inside it, depth first."""
        found = [self]
        for _, item in self._members():
            if isinstance(item, Module):
                found += item.modules()
        return found

    def zero_grad(self):
        """Set every parameter's grad to 0.0 (backward accumulates into it)."""
        for p in self.parameters():
            p.grad = 0.0

    def train(self, mode=True):
        """Set `training` on this module and all inside it; returns self."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """`train(False)`."""
        return self.train(False)

    def state_dict(self):
        """{dotted name: float} for every parameter."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict):
        """Copy the numbers in `state_dict` into the parameters; any missing, extra or non-numeric entry (or one
        too large for a float) raises ValueError naming it, and then nothing is loaded."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict needs a dict of name -> number, got {type(state_dict).__name__}")
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state_dict]
        extra = [_name(name) for name in state_dict if name not in params]
        floats, bad = {}, []
        for name, value in state_dict.items():
            if name in params:
                floats[name], why_not = _as_float(value)
                if why_not is not None:
                    bad.append(f"{name!r} is {_short(value)}{why_not}")
        problems = [
            f"{what}: {', '.join(map(str, items[:10]))}{f' and {len(items) - 10} more' if len(items) > 10 else ''}"
            for what, items in (("missing", missing), ("unexpected", extra), ("not a number", bad))
            if items
        ]
        if problems:
            raise ValueError(f"load_state_dict: {'; '.join(problems)}. Nothing was loaded.")
        before = [p.data for p in params.values()]
        try:
            for name, p in params.items():
                p.data = floats[name]
        except BaseException:  # an interrupt (or a parameter that refuses) part-way: put every parameter back
            for p, data in zip(params.values(), before, strict=True):
                p.data = data
            raise

    def to_torch(self):
        """This Neuron, Layer or MLP as a torch.nn.Sequential of float64 Linear and activation layers, same weights."""
        from .torch_bridge import to_torch

        return to_torch(self)

    def __repr__(self):
        config = getattr(self, "config", None)
        if config is None:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in config.items())})"


def neurons(weights, biases, x, activations, fused, scopes=None):
    """activation(Σᵢ wᵢxᵢ + b) for each neuron's weights w, bias b (or None) and activation, on the inputs x.

    Fused, each weighted sum is one `autograd.dot` node with a relu, tanh or sigmoid inside it (op 'relu∘dot'),
    and all of them read x once (`autograd.linear`). Unfused, micrograd's graph: a `*` node per input, one `sum`
    node and the activation's node. `scopes`, a scope path per neuron, tags the nodes each neuron builds.
    """
    if not fused:
        out = []
        for w, b, activation in zip(weights, biases, activations, strict=True):
            terms = [wi * xi for wi, xi in zip(w, x, strict=True)]
            out.append(ACTIVATIONS[activation](autograd.sum(terms if b is None else [*terms, b])))
        return out
    first = activations[0]
    if first in FUSED_ACTIVATIONS and all(a == first for a in activations):
        out = autograd.linear(weights, x, biases, first)
        nodes = [out]
    else:
        sums = autograd.linear(weights, x, biases)
        out = [ACTIVATIONS[a](total) for a, total in zip(activations, sums, strict=True)]
        nodes = [sums, out]
    if scopes is not None:  # what entering each neuron's scope would tag its nodes with, without the enters
        for layer_nodes in nodes:
            for path, node in zip(scopes, layer_nodes, strict=True):
                node.scope = path
    return out


class Neuron(Module):
    """activation(Σ wᵢxᵢ + b), built by `neurons`. On its own a Neuron builds micrograd's elementary graph (a `*`
    node per input, one `sum`, the activation), so that its picture shows what the code says; `fused=True`
    makes it one `dot` node, as the neurons of a Layer are.

    `nonlin` is micrograd's flag: True means 'relu', False 'linear' (it overrides `activation`).
    `fan_out` only matters to 'xavier'; a Layer passes its width.
    """

    def __init__(self, nin, activation="relu", init="uniform", bias=True, nonlin=None, fan_out=1, fused=False):
        _check_size(nin, "Neuron's nin")
        _check_size(fan_out, "Neuron's fan_out")
        activation = _activation(activation, nonlin)
        self.w = [Value(w, label=f"w.{i}") for i, w in enumerate(init_weights(init, nin, fan_out))]
        self.b = Value(0.0, label="b") if bias else None
        self.activation = activation
        self.fused = bool(fused)
        self.config = {
            "nin": nin,
            "activation": activation,
            "init": init,
            "bias": bias,
            "fan_out": fan_out,
            "fused": self.fused,
        }

    def forward(self, x):
        x = _inputs(x)
        _check_input_count(x, len(self.w))
        return neurons([self.w], [self.b], x, [self.activation], self.fused)[0]


class Layer(Module):
    """`nout` neurons reading the same inputs; returns a list (nn.outputs.Outputs), or one Value when `nout` is 1
    (as micrograd).

    Fused (the default), the layer computes its neurons together with `neurons`, which reads the inputs once
    for all of them. Either way each neuron's nodes carry the scope 'neurons.j' inside the layer's.
    """

    def __init__(self, nin, nout, activation="relu", init="uniform", bias=True, nonlin=None, fused=True):
        _check_size(nout, "Layer's nout")
        activation = _activation(activation, nonlin)
        self.neurons = [Neuron(nin, activation, init, bias, fan_out=nout, fused=fused) for _ in range(nout)]
        self._scopes, self._scope_paths = _named_scopes("neurons", nout), {}
        self.config = {
            "nin": nin,
            "nout": nout,
            "activation": activation,
            "init": init,
            "bias": bias,
            "fused": bool(fused),
        }

    def forward(self, x):
        x = _inputs(x)
        if not self.config["fused"]:
            out = []
            for scope, neuron in zip(self._neuron_scopes(), self.neurons, strict=True):
                with scope:
                    out.append(neuron(x))
        else:
            layer = self.neurons
            _check_input_count(x, len(layer[0].w))
            weights, biases, activations = [n.w for n in layer], [n.b for n in layer], [n.activation for n in layer]
            out = neurons(weights, biases, x, activations, fused=True, scopes=self._neuron_scope_paths())
        return out[0] if len(out) == 1 else Outputs(out)

    def _neuron_scopes(self):
        """A scope per neuron, 'neurons.j', made once (scopes are reusable), again if neurons were added."""
        if len(self._scopes) != len(self.neurons):
            self._scopes, self._scope_paths = _named_scopes("neurons", len(self.neurons)), {}
        return self._scopes

    def _neuron_scope_paths(self):
        """Each neuron's scope path inside the current one: what the fused forward tags its nodes with."""
        scopes, outer = self._neuron_scopes(), autograd.current_scope()
        paths = self._scope_paths.get(outer)
        if paths is None:
            paths = tuple(scope_path(outer, scope.name) for scope in scopes)
            if len(self._scope_paths) < 64:  # a layer is seldom used in more than one or two places
                self._scope_paths[outer] = paths
        return paths


class MLP(Module):
    """Layers of sizes `nouts` on `nin` inputs: `activation` in the hidden layers, `output_activation` last.

    `MLP(2, [16, 16, 1])` is micrograd's: 337 parameters, ReLU hidden layers, a linear output returned as one Value.
    `fused=False` builds each weighted sum from elementary `*` and `sum` nodes (see Neuron).
    """

    def __init__(
        self, nin, nouts, activation="relu", output_activation="linear", init="uniform", bias=True, fused=True
    ):
        if isinstance(nouts, numbers.Integral):
            raise TypeError(
                f"MLP's layer sizes go in a list: nn.MLP({nin!r}, [{nouts!r}]) for one layer of {nouts!r} neurons, "
                "nn.MLP(2, [16, 16, 1]) for micrograd's"
            )
        if isinstance(nouts, str) or not isinstance(nouts, Iterable):
            raise TypeError(f"MLP's nouts must be a list of layer sizes such as [16, 16, 1], got {_short(nouts)}")
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP needs at least one layer size in nouts, e.g. MLP(2, [16, 16, 1])")
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation, init, bias, fused=fused)
            for i in range(len(nouts))
        ]
        self._scopes = _named_scopes("layers", len(nouts))
        self.config = {
            "nin": nin,
            "nouts": nouts,
            "activation": activation,
            "output_activation": output_activation,
            "init": init,
            "bias": bias,
            "fused": bool(fused),
        }

    @classmethod
    def from_torch(cls, module, fused=True):
        """An MLP with the weights of a torch.nn.Sequential of Linear and activation layers (see nn/torch_bridge.py)."""
        from .torch_bridge import from_torch

        return from_torch(module, fused)

    def forward(self, x):
        if len(self._scopes) != len(self.layers):  # layers were added or removed since __init__
            self._scopes = _named_scopes("layers", len(self.layers))
        for scope, layer in zip(self._scopes, self.layers, strict=True):
            with scope:
                x = layer(x)
        return x


def _activation(name, nonlin):
    if nonlin is not None:
        return "relu" if nonlin else "linear"
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(map(repr, ACTIVATIONS))}")
    return name


def _check_size(n, what):
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")


def _named_scopes(name, count):
    return tuple(autograd.scope(f"{name}.{i}") for i in range(count))


def _check_input_count(x, nin):
    if len(x) != nin:
        raise ValueError(f"Neuron has {nin} inputs, got {len(x)}")


def _inputs(x):
    """The inputs as a list: a sequence of numbers or Values, or a single one."""
    if isinstance(x, list):  # a plain list, or the Outputs of the layer before
        return x
    return [x] if isinstance(x, (Value, numbers.Real)) else list(x)


def _as_float(v):
    """(`v` as a float, None), or (None, why not) when it is not a real number (bools are not) or overflows."""
    if not isinstance(v, numbers.Real) or isinstance(v, bool):
        return None, ""
    try:
        return float(v), None
    except (OverflowError, TypeError, ValueError):
        return None, " (too large for a float)"


def _name(name):
    """A state_dict key for an error message: as it is, unless it is not a short string."""
    return name if isinstance(name, str) and len(name) <= 80 else _short(name)


def _short(v):
    """repr(v), cut short: error messages quote what they refuse, which may be huge or deeply nested."""
    return reprlib.repr(v)
