"""PyTorch's autograd surface on scalars: retain_graph, autograd.backward, requires_grad, is_leaf, register_hook
and autograd.Function, each against torch float64."""

import gc
import math
import re

import pytest

import autograd
import nn
from autograd import Function, Value
from autograd.hooks import LIVE
from autograd.scalar import number

torch = pytest.importorskip("torch")


def leaf(x, requires_grad=True):
    return torch.tensor(x, dtype=torch.float64, requires_grad=requires_grad)


# --- retain_graph and autograd.backward


def test_backward_accepts_retain_graph_and_a_graph_runs_again():
    t = leaf(0.7)
    ty = (t * t).sin()
    ty.backward(retain_graph=True)
    ty.backward()
    x = Value(0.7)
    y = (x * x).sin()
    y.backward(retain_graph=True)
    y.backward(retain_graph=False)
    y.backward(1.0, None, False)  # torch's positional order: gradient, retain_graph, create_graph
    assert x.grad == pytest.approx(1.5 * t.grad.item(), rel=1e-15)


@pytest.mark.parametrize("create_graph", [False, True])
def test_autograd_backward_of_several_roots_is_one_pass_of_their_seeded_sum(create_graph):
    ta, tb = leaf(1.5), leaf(-0.5)
    t_inner = ta * tb
    t_roots = [t_inner, t_inner.tanh() + ta, ta]  # a root inside another's graph, and a leaf root
    torch.autograd.backward(t_roots, [leaf(2.0, False), leaf(-1.0, False), leaf(0.25, False)])
    a, b = Value(1.5), Value(-0.5)
    inner = a * b
    autograd.backward([inner, inner.tanh() + a, a], [2.0, Value(-1.0), 0.25], create_graph=create_graph)
    assert number(a.grad) == pytest.approx(ta.grad.item(), rel=1e-14)
    assert number(b.grad) == pytest.approx(tb.grad.item(), rel=1e-14)
    assert inner.grad == pytest.approx(2.0 - (1 - math.tanh(-0.75) ** 2), rel=1e-14)  # this pass's, as an inner node
    assert isinstance(a.grad, Value) is create_graph


def test_autograd_backward_of_predictions_seeds_each_with_one_as_torch():
    """issue 13: autograd.backward(preds) as torch.autograd.backward(preds) for scalar outputs."""
    nn.manual_seed(0)
    model = nn.MLP(2, [3, 1], activation="tanh")
    preds = [model([0.5, -1.0]), model([1.0, 2.0]), model([-0.3, 0.1])]
    autograd.backward(preds)
    module = model.to_torch()
    inputs = torch.tensor([[0.5, -1.0], [1.0, 2.0], [-0.3, 0.1]], dtype=torch.float64)
    torch.autograd.backward(list(module(inputs).reshape(-1)))
    theirs = [g for p in module.parameters() for g in p.grad.reshape(-1).tolist()]
    ours = [g for layer in model.layers for n in layer.neurons for g in [*(w.grad for w in n.w), n.b.grad]]
    order = []  # torch: each Linear's weight rows, then its biases; ours: each neuron's weights then its bias
    start = 0
    for layer in model.layers:
        n_out, n_in = len(layer.neurons), len(layer.neurons[0].w)
        weights = [start + j * (n_in + 1) + i for j in range(n_out) for i in range(n_in)]
        biases = [start + j * (n_in + 1) + n_in for j in range(n_out)]
        order += weights + biases
        start += n_out * (n_in + 1)
    assert [ours[i] for i in order] == pytest.approx(theirs, rel=1e-12)


def test_autograd_backward_of_one_value_and_a_root_listed_twice():
    tz = leaf(2.0)
    tzz = tz * tz
    torch.autograd.backward([tzz, tzz], [leaf(1.0, False), leaf(2.0, False)])
    z = Value(2.0)
    zz = z * z
    autograd.backward([zz, zz], [1.0, 2.0])
    assert z.grad == tz.grad.item() == 12.0
    w = Value(3.0)
    autograd.backward(w * w, 0.5)
    assert w.grad == 3.0


def test_autograd_backward_refuses_mismatched_seeds_and_non_values():
    a = Value(1.0)
    with pytest.raises(ValueError) as mismatch:
        autograd.backward([a * 2.0, a * 3.0], [1.0])
    assert str(mismatch.value) == (
        "backward: 2 tensors but 1 grad_tensors; give one gradient per Value, or None for 1.0"
    )
    with pytest.raises(TypeError, match="backward needs a Value or a non-empty sequence of Values"):
        autograd.backward([])
    with pytest.raises(TypeError, match="backward needs a Value"):
        autograd.backward([a, 2.0])


# --- requires_grad and is_leaf

NOT_REQUIRING_GRAD = (
    "backward: this Value does not require grad: it was made with requires_grad=False, or computed from such "
    "constants only, so it has no graph and no gradient to compute; make the Values to differentiate with "
    "requires_grad=True (the default)"
)


def test_requires_grad_and_is_leaf_match_torch_for_leaves_ops_and_constants():
    tx, tc = leaf(1.5), leaf(0.5, requires_grad=False)
    x, c = Value(1.5), Value(0.5, requires_grad=False)
    cases = {
        "leaf": (x, tx),
        "constant": (c, tc),
        "op": (x * c, tx * tc),
        "constants only": ((c * c + 1.0).exp(), (tc * tc + 1.0).exp()),
        "number and constant": (2.0 - c, 2.0 - tc),
        "constant op number": (c * 3.0, tc * 3.0),
        "constant op leaf": (c / x, tc / tx),
    }
    for name, (ours, theirs) in cases.items():
        assert (ours.requires_grad, ours.is_leaf) == (theirs.requires_grad, theirs.is_leaf), name
        assert ours.data == pytest.approx(theirs.item(), rel=1e-15), name


def test_a_constant_is_a_number_to_every_op_and_backward_never_writes_its_grad():
    tx, tc = leaf(0.8), leaf(-1.25, requires_grad=False)
    x, c = Value(0.8), Value(-1.25, requires_grad=False)

    def build(x, c, exp):
        return x * c + c * x + x / c + c / x + c**2 * x + x ** abs(c) + exp(c) * x - c + (c - x) ** 2

    build(tx, tc, torch.exp).backward()
    y = build(x, c, autograd.exp)
    y.backward()
    assert tc.grad is None and c.grad == 0.0  # torch leaves it None; ours stays at its initial 0.0
    assert x.grad == pytest.approx(tx.grad.item(), rel=1e-13)
    assert c not in autograd.topological_order(y)  # constants never become nodes


def test_frozen_weights_in_fused_dot_nodes_get_no_gradient_as_in_torch():
    tw, tx, tb = leaf([0.3, -0.7]), leaf([1.5, 2.0]), leaf(0.1)
    tw_frozen = tw.detach()  # the first weight frozen, as requires_grad=False in torch
    t_out = torch.tanh(tw_frozen[0] * tx[0] + tw[1] * tx[1] + tb)
    t_out.backward()
    w = [Value(0.3, requires_grad=False), Value(-0.7)]
    xs, b = [Value(1.5), Value(2.0)], Value(0.1)
    out = autograd.dot(w, xs, b, activation="tanh")
    out.backward()
    assert out.data == pytest.approx(t_out.item(), rel=1e-15)
    assert w[0].grad == 0.0
    assert w[1].grad == pytest.approx(tw.grad[1].item(), rel=1e-14)
    assert [v.grad for v in xs] == pytest.approx(tx.grad.tolist(), rel=1e-14)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-14)
    allconst = autograd.dot([Value(1.0, requires_grad=False)] * 2, [Value(2.0, requires_grad=False)] * 2)
    assert (allconst.data, allconst.requires_grad) == (4.0, False)


def test_a_frozen_layer_trains_nothing_as_torch_freezing():
    nn.manual_seed(1)
    model = nn.MLP(2, [3, 1])
    frozen = model.layers[0].parameters()
    for p in frozen:
        p.requires_grad = False
    model([0.5, -0.25]).backward()
    assert all(p.grad == 0.0 for p in frozen)
    assert any(p.grad != 0.0 for p in model.layers[1].parameters())


def test_setting_requires_grad_follows_torch():
    x = Value(2.0)
    x.requires_grad = False
    assert not (x * 3.0).requires_grad
    x.requires_grad = True
    assert (x * 3.0).requires_grad
    t = leaf(2.0) * 3
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        t.requires_grad = False
    with pytest.raises(RuntimeError) as refused:
        (x * 3.0).requires_grad = False
    assert str(refused.value) == (
        "requires_grad: only a leaf's flag can be changed, as in PyTorch (this Value is an op's output, which "
        "requires grad because its inputs do); to use its number as a constant, write Value(v.data, "
        "requires_grad=False)"
    )
    with pytest.raises(TypeError, match=re.escape("requires_grad must be True or False, got str: 'no'")):
        x.requires_grad = "no"


def test_results_under_no_grad_do_not_require_grad_as_in_torch():
    x = Value(2.0)
    with autograd.no_grad():
        y = x * 3.0
    with torch.no_grad():
        ty = leaf(2.0) * 3.0
    assert (y.requires_grad, y.is_leaf) == (ty.requires_grad, ty.is_leaf) == (False, True)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Value(3.0, requires_grad=False),
        lambda: Value(3.0, requires_grad=False) * 2.0,
        lambda: Value(3.0, requires_grad=False).tanh() + Value(1.0, requires_grad=False),
    ],
)
def test_backward_from_a_constant_is_refused_as_in_torch(build):
    with pytest.raises(RuntimeError, match="does not require grad"):
        (leaf(3.0, requires_grad=False) * 2.0).backward()
    c = build()
    with pytest.raises(RuntimeError) as refused:
        c.backward()
    assert str(refused.value) == NOT_REQUIRING_GRAD
    with pytest.raises(RuntimeError, match=re.escape("backward: element 1 of tensors does not require grad")):
        autograd.backward([Value(1.0) * 2.0, c])


def test_a_value_keeps_its_size_without_requires_grad_set():
    """requires_grad lives in a leaf's unused _param slot: no node gets a __dict__ for it."""
    x = Value(1.0)
    y = x * 2.0 + x
    assert x.requires_grad and y.requires_grad
    assert not any(isinstance(r, dict) for node in (x, y) for r in gc.get_referents(node))


def cube(x):
    out = Value(x.data**3, (x,), "**3")

    def _backward():
        x.grad += 3 * x.data**2 * out.grad

    out._backward = _backward
    return out


@pytest.mark.parametrize("anomaly", [False, True])
def test_micrograd_style_ops_leave_constants_alone(anomaly):
    """The closure adds into every child's grad; a constant's is put back, and an op of constants is a constant."""
    c, x = Value(2.0, requires_grad=False), Value(0.5)
    assert not cube(c).requires_grad
    y = Value(c.data * x.data, (c, x), "times")

    def _backward():
        c.grad += x.data * y.grad
        x.grad += c.data * y.grad

    y._backward = _backward
    with autograd.detect_anomaly() if anomaly else autograd.enable_grad():  # anomaly: the reference path
        (y * 3.0).backward()
    assert (c.grad, x.grad) == (0.0, 6.0)


# --- register_hook


def test_hooks_on_leaves_and_inner_nodes_replace_gradients_as_in_torch():
    seen, t_seen = [], []

    def run(x, y, record):
        z = x * y
        z.register_hook(lambda g: record.append(("z", float(g))) or g * 3)
        x.register_hook(lambda g: record.append(("x", float(g))) or g + 1)
        x.register_hook(lambda g: record.append(("x2", float(g))))  # returns None: keeps the replaced gradient
        out = (z.sin() + x * x) * y
        out.register_hook(lambda g: record.append(("out", float(g))))
        out.backward()
        return out

    tx, ty = leaf(0.6), leaf(-1.3)
    run(tx, ty, t_seen)
    x, y = Value(0.6), Value(-1.3)
    run(x, y, seen)
    assert [name for name, _ in seen] == [name for name, _ in t_seen]
    assert [g for _, g in seen] == pytest.approx([g for _, g in t_seen], rel=1e-14)
    assert (x.grad, y.grad) == pytest.approx((tx.grad.item(), ty.grad.item()), rel=1e-14)


def test_a_leaf_hook_sees_what_this_pass_adds_and_runs_every_pass():
    tx, x = leaf(2.0), Value(2.0)
    t_seen, seen = [], []
    tx.register_hook(t_seen.append)
    x.register_hook(seen.append)
    for _ in range(2):
        (tx * tx).backward()
        (x * x).backward()
    assert seen == [g.item() for g in t_seen] == [4.0, 4.0]
    assert x.grad == tx.grad.item() == 8.0


def test_hooks_with_create_graph_give_torch_second_derivatives():
    tx = leaf(0.9)
    tz = tx.tanh()
    tz.register_hook(lambda g: g * tx)  # a replacement that depends on x: it is differentiated too
    (tz * tz).backward(create_graph=True)
    (t_second,) = torch.autograd.grad(tx.grad, tx)
    x = Value(0.9)
    z = x.tanh()
    z.register_hook(lambda g: g * x)
    (z * z).backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value)
    assert first.data == pytest.approx(tx.grad.item(), rel=1e-14)
    assert autograd.gradients(first)[x] == pytest.approx(t_second.item(), rel=1e-13)


def test_hooks_in_gradients_and_grad_too():
    x = Value(1.5)
    y = x * x
    y.register_hook(lambda g: g * 10)
    assert autograd.gradients(y * 1.0)[x] == 30.0
    tx = leaf(1.5)
    ty = tx * tx
    ty.register_hook(lambda g: g * 10)
    assert torch.autograd.grad(ty * 1.0, tx)[0].item() == 30.0


def test_a_removed_hook_no_longer_runs_and_the_fast_path_returns():
    gc.collect()
    live = LIVE[0]
    x = Value(2.0)
    calls = []
    handle = x.register_hook(lambda g: calls.append(g) or g * 100)
    assert LIVE[0] == live + 1
    (x * 3.0).backward()
    handle.remove()
    handle.remove()  # twice: nothing
    (x * 3.0).backward()
    assert calls == [3.0] and x.grad == 303.0 and LIVE[0] == live
    kept = Value(1.0)
    with kept.register_hook(lambda g: g) as scoped:
        assert LIVE[0] == live + 1
    assert isinstance(scoped, autograd.RemovableHandle) and LIVE[0] == live


def test_hooks_are_uncounted_when_their_node_is_dropped():
    gc.collect()
    live = LIVE[0]
    x = Value(2.0)
    handle = x.register_hook(lambda g: g)
    assert LIVE[0] == live + 1
    del x
    assert LIVE[0] == live  # the node and its hooks are freed at once: there is no cycle
    handle.remove()  # after its node is gone: nothing
    assert LIVE[0] == live


def test_register_hook_refuses_constants_and_non_functions_as_torch():
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        leaf(1.0, requires_grad=False).register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="register_hook: cannot register a hook on a Value that does not"):
        Value(1.0, requires_grad=False).register_hook(lambda g: g)
    with pytest.raises(TypeError, match=re.escape("register_hook needs a function of the gradient, got float: 2.0")):
        Value(1.0).register_hook(2.0)


# --- autograd.Function


class Sin(Function):
    derivatives = ("cos(x)",)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return math.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * autograd.cos(x)  # a float, or a Value under create_graph


class ScaledProduct(Function):
    """k·a·b, with k a plain number kept on ctx; saves its output too."""

    derivatives = ("out/a", "out/b", None)

    @staticmethod
    def forward(ctx, a, b, k):
        out = k * a * b
        ctx.save_for_backward(a, b, out)
        ctx.k = k
        return out

    @staticmethod
    def backward(ctx, grad):
        _, b, out = ctx.saved_tensors
        return grad * ctx.k * b, grad * out / b, None


class TorchSin(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * torch.cos(x)


class TorchScaledProduct(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, k):
        out = k * a * b
        ctx.save_for_backward(a, b, out)
        ctx.k = k
        return out

    @staticmethod
    def backward(ctx, grad):
        _, b, out = ctx.saved_tensors
        return grad * ctx.k * b, grad * out / b, None


def test_function_first_and_second_derivatives_match_torch():
    ta, tb = leaf(0.7), leaf(-1.1)
    t_out = TorchSin.apply(ta) * TorchScaledProduct.apply(ta, tb, 2.5)
    t_grads = torch.autograd.grad(t_out, (ta, tb), create_graph=True)
    t_second = [torch.autograd.grad(g, (ta, tb), retain_graph=True) for g in t_grads]
    a, b = Value(0.7), Value(-1.1)
    out = Sin.apply(a) * ScaledProduct.apply(a, b, 2.5)
    assert out.data == pytest.approx(t_out.item(), rel=1e-15)
    out.backward(create_graph=True)
    grads = [a.grad, b.grad]
    assert [g.data for g in grads] == pytest.approx([g.item() for g in t_grads], rel=1e-14)
    for g, t_row in zip(grads, t_second, strict=True):
        second = autograd.gradients(g)
        assert [second.get(a, 0.0), second.get(b, 0.0)] == pytest.approx([t.item() for t in t_row], rel=1e-13)
    fresh_a, fresh_b = Value(0.7), Value(-1.1)
    (Sin.apply(fresh_a) * ScaledProduct.apply(fresh_a, fresh_b, 2.5)).backward()  # the fast path
    assert (fresh_a.grad, fresh_b.grad) == pytest.approx((grads[0].data, grads[1].data), rel=1e-15)


def test_function_in_nested_transforms_and_hessian():
    f = lambda x: Sin.apply(x * x)  # noqa: E731
    assert autograd.grad(autograd.grad(f))(0.8) == pytest.approx(
        2 * math.cos(0.64) - 4 * 0.64 * math.sin(0.64), rel=1e-13
    )


def test_function_ctx_needs_input_grad_and_constant_inputs_as_torch():
    flags = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b):
            flags["ours"] = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    class TorchProbe(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            flags["torch"] = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    TorchProbe.apply(leaf(2.0), leaf(3.0, requires_grad=False))
    node = Probe.apply(Value(2.0), Value(3.0, requires_grad=False))
    assert flags["ours"] == flags["torch"] == (True, False)
    assert len(node.parents) == 1 and node.requires_grad
    const = Probe.apply(2.0, Value(3.0, requires_grad=False))
    assert (const.data, const.requires_grad, const.is_leaf) == (6.0, False, True)


def test_function_is_drawn_and_explained_by_its_name_and_formulas():
    x = Value(0.5, label="x")
    y = Sin.apply(x)
    assert y.op == "Sin" and y.params is None
    assert "Sin" in autograd.to_dot(y).source
    text = str(autograd.explain(y, x))
    assert "∂y/∂x = cos(x)\n      = 0.8776" in text
    assert y.local_grads() == (math.cos(0.5),)
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    # an input given as a plain number has no symbol: no formula then, only the number (k·b = 1.5·3)
    assert str(autograd.explain(ScaledProduct.apply(a, b, 1.5), a)).endswith("= 4.5")

    class Mul(Function):
        derivatives = ("b", "a")

        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b, grad * a

    product = Mul.apply(a, b)
    assert str(autograd.explain(product, b)) == "∂product/∂b = a\n            = 2"


def test_function_under_no_grad_and_anomaly():
    x = Value(0.5)
    with autograd.no_grad():
        y = Sin.apply(x)
    assert y.is_leaf and not y.requires_grad

    class Inf(Function):
        @staticmethod
        def forward(ctx, x):
            return math.inf

        @staticmethod
        def backward(ctx, grad):
            return grad

    with autograd.detect_anomaly(), pytest.raises(FloatingPointError, match="forward of 'Inf' produced inf"):
        Inf.apply(x)


def test_function_mistakes_get_clear_errors():
    class TwoGrads(Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    class ReturnsValue(Function):
        @staticmethod
        def forward(ctx, x):
            return Value(x)

    with pytest.raises(TypeError) as wrong_count:
        TwoGrads.apply(Value(1.0)).backward()
    assert str(wrong_count.value) == (
        "TwoGrads.backward returned 2 gradients, but forward took 1 inputs: return one per input "
        "(None for an input that needs none)"
    )
    with pytest.raises(TypeError, match=re.escape("ReturnsValue.forward must return one number (it gets floats")):
        ReturnsValue.apply(Value(1.0))
    with pytest.raises(TypeError, match=re.escape("TwoGrads.apply's input 0")):
        TwoGrads.apply("1.0")
    with pytest.raises(NotImplementedError, match=re.escape("a Function needs a forward(ctx, *inputs)")):
        Function.apply(1.0)
