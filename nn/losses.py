"""PyTorch's loss names, with torch.nn.functional's arguments, reductions and numbers (nn.functional re-exports them).

Inputs are Values or numbers in a flat list (a batch), or in rows (one list per example), as the losses of
functional.py take them; `reduction='none'` gives one loss per element, as a flat list.
"""

import math
import numbers
import warnings

import autograd
from autograd import Value

from .functional import _data, _pairs, _reduce, bce_loss, bce_with_logits


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """−weight·[y·ln p + (1 − y)·ln(1 − p)] for probabilities p, each ln clamped to >= −100 (torch's name for
    `bce_loss`). `weight` is a number, one per element, or one per column of rows."""
    losses = _weighted(bce_loss(input, target, reduction="none"), weight, input, "binary_cross_entropy")
    return _reduce(losses, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean"):
    """binary_cross_entropy(σ(x), y), computed as y·softplus(−x) + (1 − y)·softplus(x): finite for any logit x,
    with gradient weight·(σ(x) − y) (torch's name for `bce_with_logits`)."""
    losses = bce_with_logits(input, target, reduction="none")
    return _reduce(_weighted(losses, weight, input, "binary_cross_entropy_with_logits"), reduction)


def l1_loss(input, target, reduction="mean"):
    """|x − y| per element; its derivative at x = y is 0, as torch's."""
    return _reduce([autograd.abs(x - y) for x, y in _pairs(input, target, "l1_loss")], reduction)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5·d²/beta where |d| < beta, else |d| − 0.5·beta, for d = x − y (Girshick 2015, Fast R-CNN,
    https://arxiv.org/abs/1504.08083); beta = 0 is l1_loss."""
    if not beta >= 0:
        raise ValueError(f"smooth_l1_loss does not support negative values for beta, got {beta!r}; use beta >= 0")
    losses = []
    for x, y in _pairs(input, target, "smooth_l1_loss"):
        d = x - y
        losses.append(0.5 * d * d / beta if abs(_data(d)) < beta else autograd.abs(d) - 0.5 * beta)
    return _reduce(losses, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5·d² where |d| < delta, else delta·(|d| − 0.5·delta), for d = x − y (Huber 1964): delta·smooth_l1_loss
    with beta = delta."""
    if not delta > 0:
        raise ValueError(f"huber_loss does not support non-positive values for delta, got {delta!r}; use delta > 0")
    losses = []
    for x, y in _pairs(input, target, "huber_loss"):
        d = x - y
        losses.append(0.5 * d * d if abs(_data(d)) < delta else delta * (autograd.abs(d) - 0.5 * delta))
    return _reduce(losses, reduction)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """−weight[t]·input[t] per example, for a row of per-class log-probabilities (log_softmax's) and a class index t.

    `input` is one row and `target` one index, or rows and a list of indices. Targets equal to `ignore_index`
    count for nothing. 'mean' divides by the total weight of the counted targets, as torch (nan if there are none).
    """
    rows, targets = ([input], [target]) if isinstance(target, numbers.Integral) else (list(input), list(target))
    if len(rows) != len(targets):
        raise ValueError(f"nll_loss: {len(rows)} rows of log-probabilities but {len(targets)} targets")
    if not rows:
        raise ValueError("nll_loss: no predictions")
    rows = [list(row) for row in rows]
    n_classes = len(rows[0])
    weights = [1.0] * n_classes if weight is None else [_data(w) for w in weight]
    if len(weights) != n_classes:
        raise ValueError(f"nll_loss: weight has {len(weights)} entries but there are {n_classes} classes")
    losses, counted = [], []
    for i, (row, t) in enumerate(zip(rows, targets, strict=True)):
        if len(row) != n_classes:
            raise ValueError(f"nll_loss: row {i} has {len(row)} log-probabilities, row 0 has {n_classes}")
        if not isinstance(t, numbers.Integral) or isinstance(t, bool):
            raise TypeError(f"nll_loss: target {t!r} must be a class index (an int)")
        if t == ignore_index:
            losses.append(Value(0.0) if isinstance(row[0], Value) else 0.0)
            continue
        if not 0 <= t < n_classes:
            raise ValueError(f"nll_loss: target {t} is not a class index in range({n_classes})")
        losses.append(-weights[t] * row[t])
        counted.append(weights[t])
    if reduction == "mean":
        total_weight = math.fsum(counted)
        return autograd.sum(losses) / total_weight if total_weight else autograd.sum(losses) * math.nan
    if isinstance(target, numbers.Integral) and reduction == "none":
        return losses[0]  # one example: one loss, as torch's 0-d tensor
    return _reduce(losses, reduction)


def kl_div(input, target, reduction="mean", log_target=False):
    """KL(target ‖ q) for input ln q, per element target·(ln target − input), or with `log_target=True` (target
    given as ln p) e^target·(target − input), as torch. A target of 0 adds 0 (0·ln 0 = 0).

    reduction 'batchmean' (the true KL divergence of each row, averaged) divides the sum by the number of rows;
    'mean' divides by the number of elements, and warns as torch does.
    """
    if reduction not in ("mean", "batchmean", "sum", "none"):
        raise ValueError(f"kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got {reduction!r}")
    losses = []
    for x, t in _pairs(input, target, "kl_div"):
        if log_target:
            losses.append(autograd.exp(t) * (t - x))
        elif _data(t) < 0:
            raise ValueError(
                f"kl_div: target {_data(t)!r} is negative; targets are probabilities "
                "(pass log-probabilities with log_target=True)"
            )
        else:
            losses.append((0.0 if _data(t) == 0 else t * autograd.log(t)) - t * x)
    if reduction == "batchmean":
        return autograd.sum(losses) / len(_batch(input))
    if reduction == "mean":
        warnings.warn(
            "kl_div: reduction 'mean' divides the total loss by both the batch size and the support size; "
            "'batchmean' divides only by the batch size, and aligns with the KL divergence's definition",
            stacklevel=2,
        )
    return _reduce(losses, reduction)


def _weighted(losses, weight, input, name):
    """Each loss times its weight: one number for all, one per element, or, for rows, one per column."""
    if weight is None:
        return losses
    if isinstance(weight, (Value, numbers.Real)):
        return [weight * loss for loss in losses]
    weight, rows = list(weight), _batch(input)
    if rows and isinstance(rows[0], (list, tuple)) and weight and not isinstance(weight[0], (list, tuple)):
        if not all(len(row) == len(weight) for row in rows):
            raise ValueError(f"{name}: weight has {len(weight)} entries per row, the rows have other lengths")
        weight = [weight] * len(rows)
    if len(weight) != len(rows):
        raise ValueError(f"{name}: weight has {len(weight)} entries for {len(rows)} predictions")
    return [w * loss for (_, w), loss in zip(_pairs(input, weight, name), losses, strict=True)]


def _batch(input):
    return [input] if isinstance(input, (Value, numbers.Real)) else list(input)
