"""nn.utils: clip_grad_norm_ and clip_grad_value_ against torch.nn.utils."""

import math

import pytest

from autograd import Value
from nn.utils import clip_grad_norm_, clip_grad_value_

GRADS = [3.0, -4.0, 0.5, 0.0, 12.0, -1e-3]  # 2-norm ≈ 13.3510, 1-norm 19.501, max 12


def with_grads(grads):
    params = [Value(1.0) for _ in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    return params


def torch_with_grads(torch, grads):
    params = [torch.tensor(1.0, dtype=torch.float64, requires_grad=True) for _ in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.tensor(g, dtype=torch.float64)
    return params


def same(a, b):
    return a == pytest.approx(b, rel=1e-12, abs=1e-15, nan_ok=True)


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, 0.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [1.0, 5.0, 13.0, 20.0, 100.0])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    torch = pytest.importorskip("torch")
    params, tparams = with_grads(GRADS), torch_with_grads(torch, GRADS)
    total = clip_grad_norm_(params, max_norm, norm_type)
    torch_total = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type)
    assert type(total) is float
    assert same(total, torch_total.item())
    assert same([p.grad for p in params], [p.grad.item() for p in tparams])


@pytest.mark.parametrize("grads", [[1.0, math.nan, 2.0], [1.0, math.inf, -2.0], [0.0, 0.0]], ids=str)
def test_clip_grad_norm_non_finite_and_zero_grads_match_torch(grads):
    torch = pytest.importorskip("torch")
    params, tparams = with_grads(grads), torch_with_grads(torch, grads)
    total = clip_grad_norm_(params, 1.0)
    assert same(total, torch.nn.utils.clip_grad_norm_(tparams, 1.0).item())
    assert same([p.grad for p in params], [p.grad.item() for p in tparams])


def test_clip_grad_norm_by_hand():
    x, y = with_grads([3.0, 4.0])
    assert clip_grad_norm_([x, y], max_norm=1.0) == 5.0
    assert (x.grad, y.grad) == pytest.approx((0.6, 0.8), abs=1e-6)
    assert math.hypot(x.grad, y.grad) < 1.0
    # under max_norm: unchanged
    assert clip_grad_norm_([x, y], max_norm=2.0) == pytest.approx(1.0, abs=1e-6)
    assert (x.grad, y.grad) == pytest.approx((0.6, 0.8), abs=1e-6)


def test_clip_grad_norm_with_grads_from_backward():
    x, y = Value(2.0), Value(-3.0)
    (x * x * y).backward()  # grads: 2xy = -12, x² = 4
    total = clip_grad_norm_([x, y], max_norm=1.0, norm_type=math.inf)
    assert total == 12.0
    assert (x.grad, y.grad) == pytest.approx((-1.0, 1 / 3), rel=1e-6)


def test_clip_grad_norm_does_not_overflow():
    params = with_grads([1e200, -1e200])
    assert clip_grad_norm_(params, 1.0) == pytest.approx(math.sqrt(2) * 1e200, rel=1e-15)
    assert [p.grad for p in params] == pytest.approx([math.sqrt(0.5), -math.sqrt(0.5)], rel=1e-12)
    assert clip_grad_norm_(with_grads([1e200, 1e200]), 1.0, norm_type=3) == pytest.approx(2 ** (1 / 3) * 1e200)


def test_clip_grad_norm_accepts_one_value_a_generator_and_nothing():
    x = with_grads([-7.0])[0]
    assert clip_grad_norm_(x, 1.0) == 7.0
    assert x.grad == pytest.approx(-1.0, abs=1e-6)
    assert clip_grad_norm_((p for p in with_grads([6.0, 8.0])), 100.0) == 10.0
    assert clip_grad_norm_([], 1.0) == 0.0


def test_clip_grad_norm_errors():
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(with_grads([1.0, math.nan]), 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="norm_type must be > 0"):
        clip_grad_norm_(with_grads([1.0]), 1.0, norm_type=0)


@pytest.mark.parametrize("clip_value", [0.0, 0.5, 3.5, 100.0])
def test_clip_grad_value_matches_torch(clip_value):
    torch = pytest.importorskip("torch")
    grads = [*GRADS, math.nan, -math.inf]
    params, tparams = with_grads(grads), torch_with_grads(torch, grads)
    assert clip_grad_value_(params, clip_value) is None
    torch.nn.utils.clip_grad_value_(tparams, clip_value)
    assert same([p.grad for p in params], [p.grad.item() for p in tparams])


def test_clip_grad_value_by_hand():
    params = with_grads([-3.0, 0.25, 2.0, math.nan])
    clip_grad_value_(params, 1)
    assert [p.grad for p in params[:3]] == [-1.0, 0.25, 1.0]
    assert math.isnan(params[3].grad)
    x = with_grads([5.0])[0]
    clip_grad_value_(x, 2.0)
    assert x.grad == 2.0
    with pytest.raises(ValueError, match="clip_value must be >= 0"):
        clip_grad_value_(params, -1.0)
