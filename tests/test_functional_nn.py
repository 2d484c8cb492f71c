"""nn.functional: every loss and function against torch.nn.functional (float64), values and gradients, plus
finite-difference checks and the error cases."""

import math

import pytest

from autograd import Value, gradcheck
from nn import functional as F
from nn.module import MLP, manual_seed

P = [0.9, 0.2, 0.65, 0.01, 0.5]  # probabilities
Y = [1.0, 0.0, 1.0, 0.3, 0.0]  # targets (one soft)
X = [2.5, -1.0, 0.3, -4.0, 1.2]  # logits / scores / predictions


def _compare(torch, ours, theirs, inputs, reduction, targets=None):
    """Run `ours` on Values and `theirs` on float64 tensors; compare outputs and ∂(weighted sum)/∂inputs, targets."""
    xs = [Value(v) for v in inputs]
    ys = [Value(v) for v in targets] if targets is not None else None
    tx = torch.tensor(inputs, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(targets, dtype=torch.float64, requires_grad=True) if targets is not None else None
    out = ours(xs, ys, reduction)
    t_out = theirs(tx, ty, reduction)
    if reduction == "none":
        assert [o.data for o in out] == pytest.approx(t_out.tolist(), rel=1e-12, abs=1e-15)
        weights = [1.0 + 0.5 * i for i in range(len(out))]
        loss = sum(w * o for w, o in zip(weights, out, strict=True))
        t_loss = (t_out * torch.tensor(weights, dtype=torch.float64)).sum()
    else:
        assert out.data == pytest.approx(t_out.item(), rel=1e-12, abs=1e-15)
        loss, t_loss = out, t_out
    loss.backward()
    t_loss.backward()
    assert [x.grad for x in xs] == pytest.approx(tx.grad.tolist(), rel=1e-10, abs=1e-14)
    if ys is not None:
        assert [y.grad for y in ys] == pytest.approx(ty.grad.tolist(), rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_torch(reduction):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    _compare(torch, F.mse_loss, lambda x, y, r: tf.mse_loss(x, y, reduction=r), X, reduction, Y)
    _compare(torch, F.bce_loss, lambda x, y, r: tf.binary_cross_entropy(x, y, reduction=r), P, reduction, Y)
    _compare(torch, F.bce_with_logits, lambda x, y, r: tf.binary_cross_entropy_with_logits(x, y, reduction=r),
             X, reduction, Y)
    labels = [1, -1, -1, 1, 1]
    _compare(torch, lambda s, _, r: F.hinge_loss(s, labels, r),
             lambda s, _, r: _torch_reduce(torch.relu(1 - torch.tensor(labels, dtype=torch.float64) * s), r),
             X, reduction)


def _torch_reduce(t, reduction):
    return {"mean": t.mean, "sum": t.sum, "none": lambda: t}[reduction]()


def test_mse_loss_of_multi_output_rows_matches_torch_on_a_matrix():
    torch = pytest.importorskip("torch")
    rows, targets = [[1.0, 2.0], [-0.5, 3.0], [0.0, 0.25]], [[0.5, 2.5], [0.0, 1.0], [1.0, -1.0]]
    xs = [[Value(v) for v in row] for row in rows]
    out = F.mse_loss(xs, targets)
    tx = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    t_out = torch.nn.functional.mse_loss(tx, torch.tensor(targets, dtype=torch.float64))
    out.backward()
    t_out.backward()
    assert out.data == pytest.approx(t_out.item(), rel=1e-14)
    assert [x.grad for row in xs for x in row] == pytest.approx(tx.grad.flatten().tolist(), rel=1e-12)


def test_bce_loss_clamps_its_logs_at_minus_100_like_torch():
    torch = pytest.importorskip("torch")
    p, y = [0.0, 1.0, 1e-50, 1.0 - 1e-17], [1.0, 0.0, 1.0, 1.0]
    ours = F.bce_loss([Value(v) for v in p], y, reduction="none")
    theirs = torch.nn.functional.binary_cross_entropy(
        torch.tensor(p, dtype=torch.float64), torch.tensor(y, dtype=torch.float64), reduction="none"
    )
    assert [o.data for o in ours] == pytest.approx(theirs.tolist(), rel=1e-12)
    assert [o.data for o in ours][:2] == [100.0, 100.0]


@pytest.mark.parametrize("x", [1e4, -1e4, 800.0, -800.0, 40.0, -40.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.25])
def test_bce_with_logits_is_finite_and_exact_for_huge_logits(x, y):
    torch = pytest.importorskip("torch")
    v = Value(x)
    loss = F.bce_with_logits([v], [y])
    loss.backward()
    t = torch.tensor([x], dtype=torch.float64, requires_grad=True)
    t_loss = torch.nn.functional.binary_cross_entropy_with_logits(t, torch.tensor([y], dtype=torch.float64))
    t_loss.backward()
    assert math.isfinite(loss.data) and math.isfinite(v.grad)
    # Exact by hand: y·ln(1 + e^−x) + (1 − y)·ln(1 + e^x), each term written with log1p of a tiny exponential.

    def softplus(z):
        return max(z, 0.0) + math.log1p(math.exp(-abs(z)))

    assert loss.data == pytest.approx(y * softplus(-x) + (1 - y) * softplus(x), rel=1e-15, abs=1e-300)
    assert loss.data == pytest.approx(t_loss.item(), rel=1e-9, abs=1e-12)
    def sigmoid(z):
        return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))

    # σ(x) − y = (1 − y)·σ(x) − y·σ(−x): exact even where torch's σ(x) − y rounds to 0.
    assert v.grad == pytest.approx((1 - y) * sigmoid(x) - y * sigmoid(-x), rel=1e-15, abs=1e-300)
    assert v.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_matches_torch_for_a_batch(reduction):
    torch = pytest.importorskip("torch")
    logits = [[2.0, -1.0, 0.5], [0.1, 0.2, 0.3], [1000.0, 0.0, -1000.0], [-3.0, 4.0, 4.0]]
    target = [0, 2, 1, 1]
    xs = [[Value(v) for v in row] for row in logits]
    out = F.cross_entropy(xs, target, reduction=reduction)
    tx = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    t_out = torch.nn.functional.cross_entropy(tx, torch.tensor(target), reduction=reduction)
    if reduction == "none":
        assert [o.data for o in out] == pytest.approx(t_out.tolist(), rel=1e-12)
        out = out[0] + 2 * out[1] + 3 * out[2] + 4 * out[3]
        t_out = (t_out * torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)).sum()
    assert out.data == pytest.approx(t_out.item(), rel=1e-12)
    out.backward()
    t_out.backward()
    assert [x.grad for row in xs for x in row] == pytest.approx(tx.grad.flatten().tolist(), rel=1e-10, abs=1e-15)


def test_cross_entropy_of_one_example_matches_torch_and_the_formula():
    torch = pytest.importorskip("torch")
    logits = [0.5, -2.0, 3.0, 1.0]
    xs = [Value(v) for v in logits]
    loss = F.cross_entropy(xs, 2)
    loss.backward()
    t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    t_loss = torch.nn.functional.cross_entropy(t, torch.tensor(2))
    t_loss.backward()
    assert loss.data == pytest.approx(t_loss.item(), rel=1e-14)
    assert loss.data == pytest.approx(math.log(sum(math.exp(v) for v in logits)) - 3.0, rel=1e-14)
    assert [x.grad for x in xs] == pytest.approx(t.grad.tolist(), rel=1e-12)


def test_softmax_and_log_softmax_match_torch_even_for_huge_logits():
    torch = pytest.importorskip("torch")
    for logits in ([1.0, 2.0, 3.0, -1.0], [1000.0, 999.0, -1000.0]):
        for ours, theirs in ((F.softmax, torch.softmax), (F.log_softmax, torch.log_softmax)):
            xs = [Value(v) for v in logits]
            out = ours(xs)
            t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
            t_out = theirs(t, dim=0)
            assert [o.data for o in out] == pytest.approx(t_out.tolist(), rel=1e-12, abs=1e-300)
            weights = [0.5, -1.0, 2.0, 1.5][: len(logits)]
            sum(w * o for w, o in zip(weights, out, strict=True)).backward()
            (t_out * torch.tensor(weights, dtype=torch.float64)).sum().backward()
            assert [x.grad for x in xs] == pytest.approx(t.grad.tolist(), rel=1e-10, abs=1e-14)
    assert sum(F.softmax([0.3, 0.1, 5.0])) == pytest.approx(1.0, rel=1e-15)


def test_penalties_match_torch_and_micrograds_reg_loss():
    torch = pytest.importorskip("torch")
    manual_seed(5)
    model = MLP(2, [3, 1])
    params = model.parameters()
    for p in params:
        p.data += 0.05  # non-zero biases
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())  # micrograd's demo, written out
    assert F.l2_penalty(model, alpha).data == pytest.approx(reg_loss.data, rel=1e-14)
    (F.l2_penalty(params, alpha) + F.l1_penalty(params, 0.01)).backward()
    t = torch.tensor([p.data for p in params], dtype=torch.float64, requires_grad=True)
    (alpha * (t * t).sum() + 0.01 * t.abs().sum()).backward()
    assert [p.grad for p in params] == pytest.approx(t.grad.tolist(), rel=1e-12)
    assert F.l1_penalty([Value(-2.0), Value(3.0)]).data == 5.0
    assert F.l2_penalty([]) == 0.0


def test_hinge_loss_reads_0_labels_as_minus_1_and_rejects_others():
    scores = [0.5, -0.25, 2.0]
    by_hand = (max(0, 1 - 0.5) + max(0, 1 - 0.25) + max(0, 1 + 2.0)) / 3  # labels +1, −1, −1
    assert F.hinge_loss(scores, [1, -1, -1]) == pytest.approx(by_hand, rel=1e-15)
    assert F.hinge_loss(scores, [1, 0, 0]) == pytest.approx(by_hand, rel=1e-15)
    with pytest.raises(ValueError, match=r"labels must be -1/\+1 \(or 0/1\), got 2.0"):
        F.hinge_loss(scores, [1, 2, 0])


@pytest.mark.parametrize("name", ["mse", "bce", "bce_logits", "hinge", "ce", "softmax", "log_softmax", "l1", "l2"])
def test_gradients_match_finite_differences(name):
    f = {
        "mse": lambda a, b, c: F.mse_loss([a, b, c], [0.5, -1.0, 2.0]),
        "bce": lambda a, b, c: F.bce_loss([a, b, c], [1.0, 0.0, 0.7]),
        "bce_logits": lambda a, b, c: F.bce_with_logits([a, b, c], [1.0, 0.0, 0.7], reduction="sum"),
        "hinge": lambda a, b, c: F.hinge_loss([a, b, c], [1, -1, 1]),
        "ce": lambda a, b, c: F.cross_entropy([a, b, c], 1),
        "softmax": lambda a, b, c: F.softmax([a, b, c]),
        "log_softmax": lambda a, b, c: F.log_softmax([a, b, c]),
        "l1": lambda a, b, c: F.l1_penalty([a, b, c], 0.5),
        "l2": lambda a, b, c: F.l2_penalty([a, b, c], 0.5),
    }[name]
    args = (0.3, 0.6, 0.8) if name == "bce" else (0.3, -0.6, 1.7)
    assert gradcheck(f, *args)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="mse_loss: 3 predictions but 2 targets"):
        F.mse_loss([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="bce_with_logits: 1 predictions but 2 targets"):
        F.bce_with_logits([[1.0, 2.0], [3.0]], [[1.0, 0.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="hinge_loss: no predictions"):
        F.hinge_loss([], [])
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.mse_loss([1.0], [2.0], reduction="avg")
    with pytest.raises(ValueError, match=r"probability 1.5 is outside \[0, 1\]; for logits use bce_with_logits"):
        F.bce_loss([Value(1.5)], [1.0])
    with pytest.raises(ValueError, match=r"target 3 is not a class index in range\(3\)"):
        F.cross_entropy([1.0, 2.0, 3.0], 3)
    with pytest.raises(ValueError, match="cross_entropy: 2 rows of logits but 1 targets"):
        F.cross_entropy([[1.0, 2.0], [3.0, 4.0]], [0])


def test_a_single_prediction_is_a_batch_of_one():
    v = Value(3.0)
    loss = F.mse_loss(v, 1.0)
    loss.backward()
    assert loss.data == 4.0 and v.grad == 4.0  # (3 − 1)², 2·(3 − 1)


# --- activations under torch.nn.functional's names

ACTIVATION_POINTS = [-800.0, -30.0, -2.5, -1e-3, 0.0, 1e-3, 0.7, 9.99, 10.0, 10.01, 19.99, 20.0, 20.5, 40.0, 800.0]
ACTIVATIONS = [
    ("relu", {}),
    ("sigmoid", {}),
    ("tanh", {}),
    ("softplus", {}),
    ("softplus", {"beta": 2.0}),  # linear past x = 10
    ("softplus", {"beta": 0.5, "threshold": 5.0}),  # linear past x = 10
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {}),
    ("elu", {"alpha": 0.5}),
]


@pytest.mark.parametrize(("name", "kwargs"), ACTIVATIONS, ids=lambda v: v if isinstance(v, str) else repr(v))
def test_activations_match_torch_values_and_gradients(name, kwargs):
    torch = pytest.importorskip("torch")
    xs = [Value(v) for v in ACTIVATION_POINTS]
    out = getattr(F, name)(xs, **kwargs)
    tx = torch.tensor(ACTIVATION_POINTS, dtype=torch.float64, requires_grad=True)
    t_out = getattr(torch.nn.functional, name)(tx, **kwargs)
    assert [o.data for o in out] == pytest.approx(t_out.tolist(), rel=1e-14, abs=1e-300)
    sum((1.0 + i) * o for i, o in enumerate(out)).backward()
    (t_out * torch.arange(1.0, len(xs) + 1, dtype=torch.float64)).sum().backward()
    assert [x.grad for x in xs] == pytest.approx(tx.grad.tolist(), rel=1e-12, abs=1e-300)


def test_activations_take_a_value_a_number_or_rows():
    x = Value(-0.5)
    assert F.relu(x).op == "relu" and F.leaky_relu(x, 0.1).data == pytest.approx(-0.05, rel=1e-15)
    assert F.tanh(0.5) == math.tanh(0.5) and isinstance(F.sigmoid(0), float)
    rows = F.elu([[-1.0, 2.0], (Value(0.5),)])
    assert rows[0] == [pytest.approx(math.exp(-1) - 1, rel=1e-15), 2.0] and rows[1][0].data == 0.5
    with pytest.raises(ValueError, match="softplus: beta must not be 0"):
        F.softplus(1.0, beta=0)
