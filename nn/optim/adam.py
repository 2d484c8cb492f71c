"""Adam and AdamW: momentum on the gradient, scaled by a running root-mean-square, with bias correction."""

import math

from .optimizer import Optimizer, invalid, is_real


class Adam(Optimizer):
    """Adam, as torch.optim.Adam. Per parameter θ with gradient g at step t, lr γ, betas β₁, β₂, weight decay λ:

        g ← g + λθ                          (L2 penalty, when λ ≠ 0; AdamW decays θ instead, see below)
        m ← β₁m + (1 − β₁)g                 (first moment, m starts at 0)
        v ← β₂v + (1 − β₂)g²                (second moment, v starts at 0)
        amsgrad: v̂ ← max(v̂, v), else v̂ = v
        θ ← θ − γ/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)   (bias-corrected m and v)

    With `maximize`, g is −∇f. Kingma & Ba, "Adam: A Method for Stochastic Optimization", 2014,
    https://arxiv.org/abs/1412.6980; amsgrad: Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", 2018.
    """

    nonnegative = ("lr", "eps", "weight_decay")
    flags = ("amsgrad", "maximize", "decoupled_weight_decay")

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        maximize=False,
        decoupled_weight_decay=False,
    ):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        super().__init__(params, dict(defaults, maximize=maximize, decoupled_weight_decay=decoupled_weight_decay))

    def check(self, group):
        super().check(group)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Invalid betas: {betas!r}; pass two, betas=(beta1, beta2), such as (0.9, 0.999)")
        for i, beta in enumerate(betas):
            if not (is_real(beta) and 0.0 <= beta < 1.0):
                raise invalid("betas", beta, name=f"beta parameter at index {i}")
        group["betas"] = tuple(betas)

    def update(self, theta, g, group, state):
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        state["step"] = t = state.get("step", 0) + 1
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                theta = theta * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * theta
        m = state.get("exp_avg", 0.0)
        state["exp_avg"] = m = m + (1 - beta1) * (g - m)  # = β₁m + (1 − β₁)g, written as torch's lerp
        state["exp_avg_sq"] = v = beta2 * state.get("exp_avg_sq", 0.0) + (1 - beta2) * g * g
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = v = max(state.get("max_exp_avg_sq", 0.0), v)
        step_size = lr / (1 - beta1**t)
        denom = math.sqrt(v) / (1 - beta2**t) ** 0.5 + group["eps"]
        return theta - step_size * (m / denom)


class AdamW(Adam):
    """AdamW, as torch.optim.AdamW: Adam with decoupled weight decay, θ ← θ(1 − γλ) before the Adam step.

    The decay no longer passes through m and v, so it is not rescaled by √v̂. Loshchilov & Hutter, "Decoupled
    Weight Decay Regularization", ICLR 2019, https://arxiv.org/abs/1711.05101.
    """

    def __init__(
        self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True)
