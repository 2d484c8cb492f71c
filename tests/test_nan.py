"""NaN stays NaN: every op, fused neuron and loss gives NaN for a NaN input, with PyTorch's (float64) gradient.

PyTorch's gradients at NaN follow from its kernels: relu passes the gradient where its output is not <= 0 (so
relu'(NaN) = 1), leaky_relu takes the negative slope where its input is not > 0 (alpha), elu the identity's slope
where its input is not <= 0 (1), and abs' = sgn(NaN) = 0. chaingrad's first and second derivatives equal them.
"""

import math
import operator

import pytest

import autograd
import nn
from autograd import Value, math_ops, ops
from nn import functional as F

torch = pytest.importorskip("torch")
tf = torch.nn.functional
NAN = math.nan
OTHER = 0.7  # the other operand of a binary op, a plain number in its domain


def same(a, b):
    """Equal (to 1e-12), with NaN equal to NaN and inf to inf."""
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12, abs=1e-15)


def tensor(x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


# (id, the op on Values or numbers, the same in torch); each applies to (x,) or (a, b).
UNARY = [
    ("neg", operator.neg, operator.neg),
    ("abs", abs, torch.abs),
    ("exp", autograd.exp, torch.exp),
    ("log", autograd.log, torch.log),
    ("sqrt", autograd.sqrt, torch.sqrt),
    ("reciprocal", lambda v: v.reciprocal(), torch.reciprocal),
    ("tanh", autograd.tanh, torch.tanh),
    ("sigmoid", autograd.sigmoid, torch.sigmoid),
    ("relu", autograd.relu, torch.relu),
    ("leaky_relu", autograd.leaky_relu, tf.leaky_relu),
    ("leaky_relu(0.2)", lambda v: autograd.leaky_relu(v, 0.2), lambda t: tf.leaky_relu(t, 0.2)),
    ("elu", autograd.elu, tf.elu),
    ("elu(0.5)", lambda v: autograd.elu(v, 0.5), lambda t: tf.elu(t, alpha=0.5)),
    ("softplus", autograd.softplus, tf.softplus),
    ("sin", autograd.sin, torch.sin),
    ("cos", autograd.cos, torch.cos),
    ("**2", lambda v: v**2, lambda t: t**2),
    ("**0.5", lambda v: v**0.5, lambda t: t**0.5),
    ("**-1", lambda v: v**-1, lambda t: t**-1),
    ("tan", autograd.tan, torch.tan),
    ("sinh", autograd.sinh, torch.sinh),
    ("cosh", autograd.cosh, torch.cosh),
    ("asin", autograd.asin, torch.asin),
    ("acos", autograd.acos, torch.acos),
    ("atan", autograd.atan, torch.atan),
    ("asinh", autograd.asinh, torch.asinh),
    ("acosh", autograd.acosh, torch.acosh),
    ("atanh", autograd.atanh, torch.atanh),
    ("log1p", autograd.log1p, torch.log1p),
    ("expm1", autograd.expm1, torch.expm1),
    ("log2", autograd.log2, torch.log2),
    ("log10", autograd.log10, torch.log10),
    ("exp2", autograd.exp2, torch.exp2),
    ("floor", autograd.floor, torch.floor),
    ("ceil", autograd.ceil, torch.ceil),
    ("round", autograd.round, torch.round),
    ("clamp", lambda v: autograd.clamp(v, -1.0, 1.0), lambda t: torch.clamp(t, -1.0, 1.0)),
    ("clamp(max)", lambda v: v.clamp(max=1.0), lambda t: torch.clamp(t, max=1.0)),
    ("where", lambda v: autograd.where(True, v, OTHER), lambda t: torch.where(torch.tensor(True), t, OTHER)),
    ("where-other", lambda v: autograd.where(False, OTHER, v), lambda t: torch.where(torch.tensor(False), OTHER, t)),
    ("sign", autograd.sign, torch.sign),
    ("**0", lambda v: v**0, lambda t: t**0),
]
NUMBER_AT_NAN = {UNARY[-1][1], UNARY[-2][1]}  # NaN ** 0 is 1, in IEEE 754 and in torch; sign(NaN) is 0 in torch


def torch_pair(function):
    """A torch function of two tensors, applied to a tensor and a plain number (made a tensor) too."""

    def apply(a, b):
        a, b = (t if isinstance(t, torch.Tensor) else torch.tensor(t, dtype=torch.float64) for t in (a, b))
        return function(a, b)

    return apply


ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}
ARITHMETIC |= {"%": operator.mod, "//": operator.floordiv, "maximum": autograd.maximum, "minimum": autograd.minimum}
ARITHMETIC |= {"atan2": autograd.atan2, "hypot": autograd.hypot, "logaddexp": autograd.logaddexp}
TORCH = {
    "//": lambda a, b: torch.div(a, b, rounding_mode="floor"),  # torch's floor_divide has no derivative
    "%": torch_pair(torch.remainder),  # number % tensor has none either: the number as a tensor
    **{name: torch_pair(getattr(torch, name)) for name in ("maximum", "minimum", "atan2", "hypot", "logaddexp")},
}
# NaN in each place of a binary op, with a Value or a plain number (OTHER) in the other.
BINARY = [
    (f"{name}:{place}", op, place)
    for name, op in ARITHMETIC.items()
    for place in ("nan-Value", "Value-nan", "nan-number", "number-nan")
]
THEIRS = {op: TORCH.get(name, op) for name, op in ARITHMETIC.items()}


def engine_grads(build, leaves, order=1):
    """The output's data and ∂/∂leaf for each leaf (order 2: the derivative of ∂out/∂leaves[0] instead)."""
    out = build(*leaves)
    if order == 1:
        out.backward()
        return out.data, [leaf.grad for leaf in leaves]
    first = autograd.gradients(out, create_graph=True)[leaves[0]]
    second = autograd.gradients(first)
    return first.data, [second.get(leaf, 0.0) for leaf in leaves]


def torch_grads(build, tensors, order=1):
    out = build(*tensors)
    if order == 1:
        grads = torch.autograd.grad(out, tensors, allow_unused=True)
        return out.item(), [0.0 if g is None else g.item() for g in grads]
    (first,) = torch.autograd.grad(out, tensors[0], create_graph=True)
    if not first.requires_grad:  # a constant first derivative: every second derivative is 0
        return first.item(), [0.0] * len(tensors)
    grads = torch.autograd.grad(first, tensors, allow_unused=True)
    return first.item(), [0.0 if g is None else g.item() for g in grads]


def assert_same(ours, theirs):
    (value, grads), (t_value, t_grads) = ours, theirs
    assert same(value, t_value), (value, t_value)
    assert all(same(g, t) for g, t in zip(grads, t_grads, strict=True)), (grads, t_grads)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize(("fn", "torch_fn"), [pytest.param(f, t, id=name) for name, f, t in UNARY])
def test_every_unary_op_gives_nan_and_torchs_gradient(fn, torch_fn, order):
    ours = engine_grads(fn, [Value(NAN)], order)
    assert math.isnan(fn(Value(NAN)).data) or fn in NUMBER_AT_NAN
    assert_same(ours, torch_grads(torch_fn, [tensor(NAN)], order))


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize(("op", "place"), [pytest.param(op, place, id=name) for name, op, place in BINARY])
def test_every_binary_op_gives_nan_and_torchs_gradients(op, place, order):
    a, b = (NAN, OTHER) if place.startswith("nan") else (OTHER, NAN)
    both_values = place in ("nan-Value", "Value-nan")
    theirs = THEIRS[op]
    if both_values:
        build, leaves, tensors = op, [Value(a), Value(b)], [tensor(a), tensor(b)]
        t_build = theirs
    elif place == "nan-number":  # the NaN is a Value, the other a plain number on the right
        build, leaves, tensors = (lambda x: op(x, OTHER)), [Value(NAN)], [tensor(NAN)]
        t_build = lambda t: theirs(t, OTHER)  # noqa: E731
    else:  # a plain number on the left
        build, leaves, tensors = (lambda x: op(OTHER, x)), [Value(NAN)], [tensor(NAN)]
        t_build = lambda t: theirs(OTHER, t)  # noqa: E731
    assert math.isnan(build(*leaves).data)
    assert_same(engine_grads(build, leaves, order), torch_grads(t_build, tensors, order))


@pytest.mark.parametrize("constants", [False, True])
@pytest.mark.parametrize("activation", [None, *autograd.FUSED_ACTIVATIONS])
@pytest.mark.parametrize("where", ["weight", "input", "bias"])
def test_a_fused_neuron_gives_nan_and_torchs_gradients(activation, constants, where):
    ws, xs, b = [0.5, -1.5, 2.0], [1.0, 0.25, -0.5], -0.25
    if where == "weight":
        ws[1] = NAN
    elif where == "input":
        xs[1] = NAN
    else:
        b = NAN
    w_leaves, b_leaf = [Value(w) for w in ws], Value(b)
    x_leaves = xs if constants else [Value(x) for x in xs]
    out = autograd.dot(w_leaves, x_leaves, b_leaf, activation=activation)
    assert out.op == ("dot" if activation is None else f"{activation}∘dot")
    out.backward()
    tw, tx, tb = tensor(ws), tensor(xs), tensor(b)
    t_out = torch.dot(tw, tx) + tb
    if activation is not None:
        t_out = getattr(torch, activation)(t_out)
    t_out.backward()
    assert math.isnan(out.data) and math.isnan(t_out.item())
    pairs = [(w.grad, t) for w, t in zip(w_leaves, tw.grad.tolist(), strict=True)] + [(b_leaf.grad, tb.grad.item())]
    if not constants:
        pairs += [(x.grad, t) for x, t in zip(x_leaves, tx.grad.tolist(), strict=True)]
    assert all(same(g, t) for g, t in pairs), pairs


def test_a_fused_layer_gives_nan_where_its_input_is():
    rows = [[Value(0.5), Value(-1.0)], [Value(2.0), Value(0.25)]]
    outs = autograd.linear(rows, [NAN, 1.0], [Value(0.1), Value(-0.2)], activation="relu")
    assert [o.op for o in outs] == ["relu∘dot", "relu∘dot"] and all(math.isnan(o.data) for o in outs)


def test_the_op_table_is_covered():
    """Every op registered in ops.py and math_ops.py is exercised above with a NaN: a new op needs a NaN case here."""
    covered = set()
    for _, fn, _ in UNARY:
        covered.add(fn(Value(NAN))._rule)
    for _, op, _ in BINARY:
        covered |= {op(Value(NAN), Value(OTHER))._rule, op(Value(NAN), OTHER)._rule, op(OTHER, Value(NAN))._rule}
    entries = [*vars(ops).values(), *vars(math_ops).values()]
    table = {op.rule for op in entries if isinstance(op, ops.Op)}
    table |= {o.rule for op in entries if isinstance(op, ops.BinaryOp) for o in op}
    missing = table - covered
    assert not missing, [ops.BY_RULE[rule].name for rule in missing]


@pytest.mark.parametrize("x", [NAN, 0.0, -0.0, -2.0, 3.0])
def test_relu_and_its_kinks_follow_pytorch_at_nan_and_zero(x):
    """Value and gradient of relu, leaky_relu, elu, abs, as torch.relu, F.leaky_relu, F.elu, torch.abs."""
    pairs = [
        (autograd.relu, torch.relu),
        (autograd.leaky_relu, tf.leaky_relu),
        (lambda v: autograd.elu(v, 2.0), lambda t: tf.elu(t, alpha=2.0)),
        (abs, torch.abs),
    ]
    for fn, torch_fn in pairs:
        assert_same(engine_grads(fn, [Value(x)]), torch_grads(torch_fn, [tensor(x)]))


def test_the_module_functions_on_plain_numbers_keep_nan():
    assert all(math.isnan(f(NAN)) for f in (autograd.relu, autograd.leaky_relu, autograd.elu, autograd.abs))


# --- Losses: NaN in, NaN out, with torch's gradients (torch's own loss, or its formula where torch refuses NaN).


def torch_bce(p, y):  # torch.nn.functional.binary_cross_entropy refuses NaN; this is its formula
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


LOSSES = [
    ("mse_loss", F.mse_loss, lambda p, y: tf.mse_loss(p, y)),
    ("bce_loss", F.bce_loss, torch_bce),
    ("bce_with_logits", F.bce_with_logits, lambda p, y: tf.binary_cross_entropy_with_logits(p, y)),
    ("hinge_loss", F.hinge_loss, lambda s, y: torch.relu(1 - y * s).mean()),
]


@pytest.mark.parametrize(("ours", "theirs"), [pytest.param(o, t, id=name) for name, o, t in LOSSES])
@pytest.mark.parametrize("where", [0, 2])
def test_every_loss_is_nan_for_a_nan_prediction(ours, theirs, where):
    predictions, targets = [0.25, 0.75, 0.5], [1.0, -1.0 if ours is F.hinge_loss else 0.0, 1.0]
    predictions[where] = NAN
    xs = [Value(p) for p in predictions]
    loss = ours(xs, targets)
    loss.backward()
    tx = tensor(predictions)
    t_loss = theirs(tx, torch.tensor(targets, dtype=torch.float64))
    t_loss.backward()
    assert math.isnan(loss.data) and math.isnan(t_loss.item())
    assert all(same(x.grad, t) for x, t in zip(xs, tx.grad.tolist(), strict=True)), [x.grad for x in xs]


@pytest.mark.parametrize("ours", [F.mse_loss, F.bce_loss, F.bce_with_logits])
def test_a_nan_target_gives_a_nan_loss(ours):
    assert math.isnan(ours([Value(0.25), Value(0.5)], [NAN, 1.0]).data)


def test_hinge_loss_refuses_a_nan_label():
    """A label is −1/+1 (or 0/1): NaN is no label, so it is refused like any other, not turned into a loss."""
    with pytest.raises(ValueError, match=r"hinge_loss: labels must be -1/\+1 \(or 0/1\), got nan"):
        F.hinge_loss([Value(0.5)], [NAN])


@pytest.mark.parametrize("where", [0, 1, 2])
def test_cross_entropy_and_softmax_are_nan_everywhere_for_one_nan_logit(where):
    logits = [0.5, -1.0, 2.0]
    logits[where] = NAN
    xs = [Value(v) for v in logits]
    loss = F.cross_entropy(xs, 1)
    loss.backward()
    tx = tensor(logits)
    t_loss = tf.cross_entropy(tx.reshape(1, 3), torch.tensor([1]))
    t_loss.backward()
    assert math.isnan(loss.data) and all(math.isnan(x.grad) for x in xs) and all(tx.grad.isnan().tolist())
    assert all(math.isnan(p.data) for p in F.softmax(xs)) and all(math.isnan(p.data) for p in F.log_softmax(xs))


def test_penalties_are_nan_for_a_nan_parameter():
    params = [Value(0.5), Value(NAN)]
    l1, l2 = F.l1_penalty(params), F.l2_penalty(params)
    assert math.isnan(l1.data) and math.isnan(l2.data)
    l1.backward()
    tp = tensor([0.5, NAN])
    tp.abs().sum().backward()
    assert [p.grad for p in params] == tp.grad.tolist() == [1.0, 0.0]  # sgn(NaN) = 0, as abs' at NaN


# --- A whole network


@pytest.mark.parametrize("fused", [True, False])
def test_a_nan_input_gives_a_nan_prediction_and_an_all_nan_mlp_a_nan_loss(fused):
    nn.manual_seed(0)
    model = nn.MLP(2, [4, 4, 1], fused=fused)
    assert math.isnan(model([NAN, 1.0]).data)
    for p in model.parameters():
        p.data = NAN
    scores = [model([0.5, 1.0]), model([-1.0, 2.0])]
    loss = F.hinge_loss(scores, [1, -1])
    assert all(math.isnan(s.data) for s in scores) and math.isnan(loss.data)
