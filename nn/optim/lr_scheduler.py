"""Learning-rate schedules, as torch.optim.lr_scheduler: each sets every param group's 'lr' once per `step()`.

Call `scheduler.step()` after `optimizer.step()`, once per epoch (or per batch, if that is your unit). Creating a
scheduler stores each group's 'initial_lr' (the base lr) and applies epoch 0 straight away.

Each schedule here is the closed form lr = f(base_lr, epoch) (torch's `_get_closed_form_lr`), which gives torch's
sequence up to float rounding. torch's own `step()` instead rescales the current lr, so in torch two schedulers
on one optimizer multiply, and a hand-edited lr is kept; here the last scheduler to step sets the lr. To combine
schedules, multiply their factors in one `LambdaLR`.
"""

import copy
import math
import types
from collections.abc import Mapping

from .optimizer import Optimizer, is_real


def _check(name, what, value, ok, rule):
    """Raise ValueError naming the scheduler and argument unless `value` is a finite number with ok(value)."""
    if not (is_real(value) and ok(value)):
        raise ValueError(f"{name}: {what} must be {rule}, got {value!r}")


def _check_count(name, what, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}: {what} must be > 0 (a whole number of epochs), got {value!r}")


class LRScheduler:
    """Base class: `base_lrs`, `last_epoch` (-1 before the first step), `step()` and `get_last_lr()`."""

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def get_lr(self):
        """The learning rate of each param group at epoch `last_epoch`."""
        raise NotImplementedError

    def step(self):
        """Advance one epoch and write the new lr into every param group (all of them, or on an error none)."""
        self.last_epoch += 1
        try:
            lrs = list(self.get_lr())
        except BaseException:
            self.last_epoch -= 1
            raise
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The lr of each param group set by the latest `step()`."""
        return list(self._last_lr)

    def state_dict(self):
        """The scheduler's state as a dict, every attribute but the optimizer (as torch.optim.lr_scheduler).

        To resume a run, save it with `optimizer.state_dict()` (which holds the current lr), then load both.
        """
        return {key: copy.deepcopy(value) for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore the state saved by `state_dict()`; the next `step()` goes on from the saved epoch."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict needs the dict state_dict() returned, got {type(state_dict).__name__}")
        unknown = sorted(set(state_dict) - set(vars(self)) | {"optimizer"} & set(state_dict))
        if unknown:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: unexpected keys {unknown}; "
                f"was the state saved from another kind of scheduler?"
            )
        vars(self).update(copy.deepcopy(dict(state_dict)))


class LambdaLR(LRScheduler):
    """lr = base_lr · lr_lambda(epoch); `lr_lambda` is one function, or a list with one per param group."""

    def __init__(self, optimizer, lr_lambda):
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        for f in self.lr_lambdas:
            if not callable(f):
                raise TypeError(
                    f"LambdaLR: lr_lambda must be a function of the epoch, such as lambda k: 0.95**k; got {f!r}"
                )
        super().__init__(optimizer)

    def get_lr(self):
        lrs = []
        for f, base in zip(self.lr_lambdas, self.base_lrs, strict=True):
            factor = f(self.last_epoch)
            if not is_real(factor):
                raise ValueError(f"LambdaLR: lr_lambda({self.last_epoch}) returned {factor!r}, not a number")
            lrs.append(base * factor)
        return lrs

    def state_dict(self):
        """As the base class's, with `lr_lambdas` a list holding, as torch, None for each plain function (which
        cannot be saved: the new scheduler keeps its own) and the attributes of each callable object."""
        state = {
            key: copy.deepcopy(value) for key, value in vars(self).items() if key not in ("optimizer", "lr_lambdas")
        }
        state["lr_lambdas"] = [_saved_attributes(f) for f in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        """Restore `state_dict()`'s state; each callable object in `lr_lambdas` gets its saved attributes back."""
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        if len(saved) != len(self.lr_lambdas):
            raise ValueError(
                f"LambdaLR.load_state_dict: {len(saved)} saved lr_lambdas, this one has {len(self.lr_lambdas)}"
            )
        super().load_state_dict(state)
        for f, attributes in zip(self.lr_lambdas, saved, strict=True):
            if attributes is not None:
                vars(f).update(copy.deepcopy(attributes))


class StepLR(LRScheduler):
    """lr = base_lr · gamma^⌊epoch / step_size⌋: multiply by gamma every `step_size` epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        _check_count("StepLR", "step_size", step_size)
        _check("StepLR", "gamma", gamma, lambda v: v >= 0, "a number >= 0")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def get_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = base_lr · gamma^epoch: multiply by gamma every epoch."""

    def __init__(self, optimizer, gamma):
        _check("ExponentialLR", "gamma", gamma, lambda v: v >= 0, "a number >= 0")
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self):
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr − eta_min) · (1 + cos(π · epoch / T_max)) / 2: half a cosine from base_lr to eta_min.

    Past T_max the cosine carries on (back up to base_lr at 2·T_max), as in torch. Loshchilov & Hutter, "SGDR:
    Stochastic Gradient Descent with Warm Restarts", 2016, https://arxiv.org/abs/1608.03983 (without restarts).
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        _check("CosineAnnealingLR", "T_max", T_max, lambda v: v > 0, "> 0 (epochs to reach eta_min)")
        _check("CosineAnnealingLR", "eta_min", eta_min, lambda v: v >= 0, "a number >= 0")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def get_lr(self):
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = base_lr · (start_factor + (end_factor − start_factor) · min(epoch, total_iters) / total_iters).

    The factor moves linearly from start_factor to end_factor over `total_iters` epochs, then stays: with the
    defaults a linear warm-up from base_lr/3 to base_lr in 5 epochs; LinearLR(opt, 1.0, 0.1, 100) is a linear decay.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        if not (is_real(start_factor) and 0 < start_factor <= 1.0):
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        if not (is_real(end_factor) and 0 <= end_factor <= 1.0):
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        _check_count("LinearLR", "total_iters", total_iters)
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer)

    def get_lr(self):
        epochs = min(self.total_iters, self.last_epoch)
        factor = self.start_factor + (self.end_factor - self.start_factor) * epochs / self.total_iters
        return [base * factor for base in self.base_lrs]


def _saved_attributes(f):
    """A copy of a callable object's attributes, its state; None for a function, whose state is its code (as torch)."""
    if isinstance(f, (types.FunctionType, types.BuiltinFunctionType)) or not hasattr(f, "__dict__"):
        return None
    return copy.deepcopy(vars(f))
