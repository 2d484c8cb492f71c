"""RMSprop: divide each gradient by a running root-mean-square of its recent values."""

import math

from .optimizer import Optimizer, invalid


class RMSprop(Optimizer):
    """RMSprop, as torch.optim.RMSprop. Per parameter θ with gradient g, lr γ, smoothing α, momentum μ, decay λ:

        g ← g + λθ                                  (when λ ≠ 0)
        v ← αv + (1 − α)g²                          (running mean of g², v starts at 0)
        centered: ḡ ← αḡ + (1 − α)g,  d = √(v − ḡ²) + ε   (divide by an estimate of the variance)
        else:     d = √v + ε
        momentum: b ← μb + g/d,  θ ← θ − γb          (b starts at 0)
        else:     θ ← θ − γ · g/d

    With `maximize`, g is −∇f. Hinton, Srivastava & Swersky, "Neural Networks for Machine Learning", lecture 6e
    (Coursera, 2012); centered version: Graves, "Generating Sequences With Recurrent Neural Networks", 2013.
    """

    nonnegative = ("lr", "eps", "momentum", "weight_decay", "alpha")
    flags = ("centered", "maximize")

    def __init__(
        self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *, maximize=False
    ):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered)
        super().__init__(params, dict(defaults, maximize=maximize))

    def check(self, group):
        super().check(group)
        if group["alpha"] > 1:  # then v = αv + (1 − α)g² goes negative, and √v fails
            raise invalid("alpha", group["alpha"], " (alpha smooths the mean of g²: use 0 <= alpha <= 1)")

    def update(self, theta, g, group, state):
        alpha, momentum = group["alpha"], group["momentum"]
        state["step"] = state.get("step", 0) + 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * theta
        state["square_avg"] = v = alpha * state.get("square_avg", 0.0) + (1 - alpha) * g * g
        if group["centered"]:
            mean = state.get("grad_avg", 0.0)
            state["grad_avg"] = mean = mean + (1 - alpha) * (g - mean)
            # max(·, 0): rounding can leave v − ḡ² a hair below zero, where torch would give NaN.
            d = math.sqrt(max(v - mean * mean, 0.0)) + group["eps"]
        else:
            d = math.sqrt(v) + group["eps"]
        if momentum > 0:
            state["momentum_buffer"] = b = momentum * state.get("momentum_buffer", 0.0) + g / d
            return theta - group["lr"] * b
        return theta - group["lr"] * (g / d)
