"""Stochastic gradient descent, with optional momentum, Nesterov momentum, weight decay and maximize."""

from .optimizer import Optimizer, invalid, is_real


class SGD(Optimizer):
    """SGD, as torch.optim.SGD. Per parameter θ with gradient g, learning rate γ, momentum μ, dampening τ, decay λ:

        g ← g + λθ                                        (weight decay, when λ ≠ 0)
        b ← g on the first step, else b ← μb + (1 − τ)g   (momentum buffer, when μ ≠ 0)
        g ← g + μb with nesterov, else g ← b
        θ ← θ − γg

    With `maximize`, g is −∇f (gradient ascent). Nesterov momentum: Sutskever, Martens, Dahl & Hinton, "On the
    importance of initialization and momentum in deep learning", ICML 2013.
    """

    nonnegative = ("lr", "momentum", "weight_decay")
    flags = ("nesterov", "maximize")

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, nesterov=False, weight_decay=0, *, maximize=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay)
        super().__init__(params, dict(defaults, maximize=maximize))

    def check(self, group):
        super().check(group)
        if not is_real(group["dampening"]):
            raise invalid("dampening", group["dampening"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def update(self, theta, g, group, state):
        momentum = group["momentum"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * theta
        if momentum != 0:
            buf = state.get("momentum_buffer")
            buf = g if buf is None else momentum * buf + (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + momentum * buf if group["nesterov"] else buf
        return theta - group["lr"] * g
