"""Adagrad: per-parameter step sizes that shrink with the sum of past squared gradients."""

import math

from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad, as torch.optim.Adagrad. Per parameter θ with gradient g at step t, lr γ, decay η, weight decay λ:

        g ← g + λθ                        (when λ ≠ 0)
        γ_t = γ / (1 + (t − 1)η)          (learning-rate decay)
        s ← s + g²                        (s starts at initial_accumulator_value)
        θ ← θ − γ_t · g / (√s + ε)

    With `maximize`, g is −∇f. Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization", JMLR 12, 2011.
    """

    nonnegative = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")
    flags = ("maximize",)

    def __init__(
        self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *, maximize=False
    ):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps, maximize=maximize)
        super().__init__(params, dict(defaults, initial_accumulator_value=initial_accumulator_value))

    def update(self, theta, g, group, state):
        state["step"] = t = state.get("step", 0) + 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * theta
        lr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        state["sum"] = s = state.get("sum", group["initial_accumulator_value"]) + g * g
        return theta - lr * (g / (math.sqrt(s) + group["eps"]))
