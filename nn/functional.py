"""Losses and list-level functions, built from Value operations, with torch.nn.functional's names and numbers.

Losses take `(predictions, targets)` like torch's `(input, target)`: equal-length sequences (a batch; rows that are
lists, one per example, are compared element by element) and `reduction='mean' | 'sum' | 'none'`.
"""

import math
import numbers

import autograd
from autograd import Value

from .floats import number as _data

_LOG_FLOOR = -100.0  # bce_loss clamps each log to >= -100, as torch does, so p = 0 or 1 gives a finite loss


def mse_loss(predictions, targets, reduction="mean"):
    """Mean (or sum) of (pᵢ − yᵢ)²."""
    return _reduce([(p - y) ** 2 for p, y in _pairs(predictions, targets, "mse_loss")], reduction)


def bce_loss(probabilities, targets, reduction="mean"):
    """Binary cross-entropy −[y·ln p + (1 − y)·ln(1 − p)] of probabilities p ∈ [0, 1], each ln clamped to >= −100."""
    losses = []
    for p, y in _pairs(probabilities, targets, "bce_loss"):
        if _data(p) < 0 or _data(p) > 1:  # NaN passes, and gives a NaN loss
            raise ValueError(f"bce_loss: probability {_data(p)!r} is outside [0, 1]; for logits use bce_with_logits")
        losses.append(-(y * _clamped_log(p) + (1 - y) * _clamped_log(1 - p)))
    return _reduce(losses, reduction)


def bce_with_logits(logits, targets, reduction="mean"):
    """bce_loss(σ(x), y) computed as y·softplus(−x) + (1 − y)·softplus(x): finite, with gradient σ(x) − y, for any x.

    (Both terms are >= 0, so nothing cancels: exact even where σ(x) rounds to 0 or 1.)
    """
    losses = [
        y * autograd.softplus(-x) + (1 - y) * autograd.softplus(x)
        for x, y in _pairs(logits, targets, "bce_with_logits")
    ]
    return _reduce(losses, reduction)


def hinge_loss(scores, targets, reduction="mean"):
    """micrograd's SVM max-margin loss relu(1 − y·score) for labels y = ±1 (a 0 label counts as −1, so 0/1 work)."""
    losses = []
    for score, y in _pairs(scores, targets, "hinge_loss"):
        if _data(y) not in (-1, 0, 1):
            raise ValueError(f"hinge_loss: labels must be -1/+1 (or 0/1), got {_data(y)!r}")
        losses.append(autograd.relu(1 - (1.0 if _data(y) > 0 else -1.0) * score))
    return _reduce(losses, reduction)


def cross_entropy(logits, target, reduction="mean"):
    """−ln softmax(logits)[target] = logsumexp(logits) − logits[target], for one example (a list of logits and a
    class index) or a batch (a list of such lists and a list of indices; `reduction` applies)."""
    if isinstance(target, numbers.Integral):
        return _cross_entropy(list(logits), target)
    rows, target = list(logits), list(target)
    if len(rows) != len(target):
        raise ValueError(f"cross_entropy: {len(rows)} rows of logits but {len(target)} targets")
    return _reduce([_cross_entropy(list(row), t) for row, t in zip(rows, target, strict=True)], reduction)


def softmax(logits):
    """[e^{xᵢ} / Σⱼ e^{xⱼ}], computed with e^{xᵢ − max x} so no exp overflows."""
    logits = list(logits)
    m = max(map(_data, logits))
    exps = [autograd.exp(x - m) for x in logits]
    total = autograd.sum(exps)
    return [e / total for e in exps]


def log_softmax(logits):
    """[xᵢ − logsumexp(x)], stable for any logits."""
    logits = list(logits)
    lse = _logsumexp(logits)
    return [x - lse for x in logits]


def l1_penalty(params, alpha=1.0):
    """alpha·Σ|p| over `params` (Values, or a Module's parameters): add it to the loss for L1 regularisation."""
    return alpha * autograd.sum(autograd.abs(p) for p in _params(params))


def l2_penalty(params, alpha=1.0):
    """alpha·Σp², micrograd's `reg_loss`; its gradient 2·alpha·p is SGD's weight_decay = 2·alpha."""
    with autograd.scope("l2_penalty"):  # one box in a collapsed picture, not 337 loose products
        return alpha * autograd.sum(p * p for p in _params(params))


def _cross_entropy(logits, target):
    if not isinstance(target, numbers.Integral) or not 0 <= target < len(logits):
        raise ValueError(f"cross_entropy: target {target!r} is not a class index in range({len(logits)})")
    return _logsumexp(logits) - logits[target]


def _logsumexp(xs):
    """ln Σ e^{xᵢ} = m + ln Σ e^{xᵢ − m} with m = max x taken as a constant (it cancels in the derivative)."""
    m = max(map(_data, xs))
    return m + autograd.log(autograd.sum(autograd.exp(x - m) for x in xs))


def _clamped_log(p):
    x = _data(p)
    return _LOG_FLOOR if x <= 0 or math.log(x) <= _LOG_FLOOR else autograd.log(p)  # NaN: log(NaN), NaN


def _reduce(losses, reduction):
    if reduction == "mean":
        return autograd.sum(losses) / len(losses)
    if reduction == "sum":
        return autograd.sum(losses)
    if reduction == "none":
        return losses
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _pairs(predictions, targets, name):
    """[(prediction, target)] after checking the lengths match; rows that are lists are paired element-wise."""
    predictions, targets = _as_list(predictions), _as_list(targets)
    if len(predictions) != len(targets):
        raise ValueError(f"{name}: {len(predictions)} predictions but {len(targets)} targets")
    if not predictions:
        raise ValueError(f"{name}: no predictions")
    pairs = []
    for p, y in zip(predictions, targets, strict=True):
        if isinstance(p, (list, tuple)) or isinstance(y, (list, tuple)):
            pairs += _pairs(p, y, name)
        else:
            pairs.append((p, y))
    return pairs


def _as_list(x):
    return [x] if isinstance(x, (Value, numbers.Real)) else list(x)


def _params(params):
    return params.parameters() if hasattr(params, "parameters") else params


# PyTorch's names: the losses in losses.py (built on the helpers above, so imported last) and the activations.
from .activations import elu, leaky_relu, relu, sigmoid, softplus, tanh  # noqa: E402
from .losses import (  # noqa: E402
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    huber_loss,
    kl_div,
    l1_loss,
    nll_loss,
    smooth_l1_loss,
)

__all__ = [
    "bce_loss",
    "bce_with_logits",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "elu",
    "hinge_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "l1_penalty",
    "l2_penalty",
    "leaky_relu",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
]
