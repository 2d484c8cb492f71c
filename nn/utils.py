"""Gradient clipping, as torch.nn.utils: rescale or clamp the `.grad` of parameters in place before `step()`."""

import math

from autograd import Value

from .floats import number


def _with_grads(parameters):
    """The parameters whose grad is not None (torch's clipping skips the others: they have no gradient yet)."""
    params = [parameters] if isinstance(parameters, Value) else list(parameters)
    return [p for p in params if p.grad is not None]


def _grad(p):
    """p.grad as a float: after backward(create_graph=True) it is a Value, whose number is its data."""
    return number(p.grad)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all grads by min(1, max_norm / (‖g‖ + 1e-6)), ‖g‖ the p-norm of all grads as one vector; return ‖g‖.

    ‖g‖ = (Σ|gᵢ|ᵖ)^(1/p) for `norm_type` p > 0, or max |gᵢ| for p = inf (or 'inf'). Gradients whose norm is at most
    max_norm pass unchanged. Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks",
    ICML 2013, https://arxiv.org/abs/1211.5063.
    """
    params = _with_grads(parameters)
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
    grads = [abs(_grad(p)) for p in params]
    largest = max(grads, default=0.0)
    if any(math.isnan(g) for g in grads):
        total = math.nan
    elif norm_type == math.inf or largest in (0.0, math.inf):
        total = largest
    else:  # scaled by the largest so that |g|**p cannot overflow
        total = largest * sum((g / largest) ** norm_type for g in grads) ** (1 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients is non-finite ({total}), so it cannot be clipped. "
            "Pass error_if_nonfinite=False to clip anyway (the grads become NaN or 0)."
        )
    coef = max_norm / (total + 1e-6)
    if coef > 1.0:  # as torch.clamp(coef, max=1.0): a NaN coefficient stays NaN
        coef = 1.0
    for p in params:
        p.grad = _grad(p) * coef
    return total


def clip_grad_value_(parameters, clip_value):
    """Clamp every grad into [−clip_value, clip_value] (a NaN grad stays NaN)."""
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in _with_grads(parameters):
        g = _grad(p)
        if g > clip_value:
            p.grad = clip_value
        elif g < -clip_value:
            p.grad = -clip_value
