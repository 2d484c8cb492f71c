"""Learners' traps that must give an answer that teaches, not a wrong number or a traceback from deep inside.

Each test asserts the exact message, or compares the behaviour with PyTorch's (float64).
"""

import math
import random

import numpy as np
import pytest

import autograd
import nn
from autograd import Value
from tests.test_jvp import Cube  # x³ as an autograd.Function

torch = pytest.importorskip("torch")


def tensor(x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


# --- float(v) and the math module: a float would drop the gradient, so they refuse


def refused(data):
    return (
        "math.exp, math.sin and the other math-module functions (and float()) need a plain number, but got a Value "
        f"(data={data!r}), whose gradient they would drop; use x.exp(), x.sin(), … or autograd.exp(x), … to keep the "
        "gradient, or x.data (x.item()) for the number"
    )


# Everything that takes a Value's number through float(): each would return a float with no graph behind it.
THROUGH_FLOAT = {
    "math.exp": math.exp,
    "math.sin": math.sin,
    "math.log": math.log,
    "math.sqrt": math.sqrt,
    "math.tanh": math.tanh,
    "math.floor": math.floor,
    "math.isfinite": math.isfinite,
    "float": float,
    "complex": complex,
    "np.float64": np.float64,
    "np.array(dtype=float)": lambda v: np.array([v], dtype=float),
    "'%f' %": lambda v: "%f" % v,  # noqa: UP031 (the old-style formatting that calls float())
}


@pytest.mark.parametrize("name", THROUGH_FLOAT)
def test_math_functions_and_float_refuse_a_value_saying_what_to_use(name):
    x = Value(2.5)
    with pytest.raises(TypeError) as caught:
        THROUGH_FLOAT[name](x)
    assert str(caught.value) == refused(2.5)
    assert x.grad == 0.0


def test_the_fix_the_message_names_keeps_the_gradient_as_torch():
    x, t = Value(0.5), tensor(0.5)
    (x.exp() * x.sin()).backward()
    (t.exp() * t.sin()).backward()
    assert x.grad == pytest.approx(t.grad.item(), rel=1e-15) and x.grad != 0.0
    assert (x.data, x.item()) == (0.5, 0.5) and math.exp(x.item()) == math.exp(0.5)


def test_int_round_and_trunc_of_a_value_stay_pythons_type_errors():
    """No __int__, __round__ or __trunc__: as in micrograd, these refuse rather than drop the gradient;
    autograd.round and autograd.floor keep the graph, with torch's zero gradient."""
    import autograd

    x = Value(2.7)
    for convert in (int, round, math.trunc):
        with pytest.raises(TypeError, match="Value"):
            convert(x)
    t = tensor(2.7)
    (torch.round(t) + torch.floor(t)).backward()
    out = autograd.round(x) + autograd.floor(x)
    out.backward()
    assert (out.data, x.grad) == (3.0 + 2.0, t.grad.item())


def test_a_format_spec_formats_the_data_as_torch_formats_a_0d_tensor():
    x = Value(2.0 / 3.0, label="x")
    t = torch.tensor(2.0 / 3.0, dtype=torch.float64)
    for spec in (".3f", ".4e", "+.2g", "10.5f", ".1%"):
        assert format(x, spec) == format(t, spec) == format(2.0 / 3.0, spec)
    assert f"{x:.3f}" == "0.667"
    assert f"{x}" == str(x) == repr(x) == "Value(data=0.6666666666666666, grad=0.0, label='x')"


def test_a_value_exponent_on_a_negative_base_differentiates_twice_as_torch():
    """pow's rule looked at its Value exponent with math.isfinite, which used float(): now it reads .data."""
    for base, exponent in ((-2.0, 2.0), (-2.0, 0.5), (-3.0, 3.0)):
        b, e = Value(base), Value(exponent)
        (b**e).backward(create_graph=True)
        tb, te = tensor(base), tensor(exponent)
        t_db, t_de = torch.autograd.grad(tb**te, (tb, te), create_graph=True)
        (t_dbb,) = torch.autograd.grad(t_db, tb)
        db, de = b.grad, e.grad
        b.grad = e.grad = 0.0
        db.backward()
        ours, theirs = [db.data, de.data, b.grad], [t_db.item(), t_de.item(), t_dbb.item()]
        assert np.allclose(ours, theirs, rtol=1e-14, equal_nan=True), (ours, theirs)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_an_optimizer_step_and_clipping_after_create_graph_read_the_grads_data():
    """After backward(create_graph=True) a leaf's grad is a Value; step() and clip_grad_norm_ use its number."""
    w, tw = Value(1.5), tensor(1.5)
    (w**3).backward(create_graph=True)
    (tw**3).backward(create_graph=True)
    norm = nn.utils.clip_grad_norm_([w], 5.0)
    t_norm = torch.nn.utils.clip_grad_norm_([tw], 5.0)
    nn.optim.SGD([w], lr=0.1).step()
    torch.optim.SGD([tw], lr=0.1).step()
    assert norm == pytest.approx(t_norm.item(), rel=1e-15)
    assert w.data == pytest.approx(tw.item(), rel=1e-15)


# --- p.grad = None: "no gradient yet", as in PyTorch; the next backward starts it from its share

# f(x, y) in chaingrad and in torch, each reaching x and y through another kind of node: one-parent ops, two-parent
# ops, an n-ary sum, a dot of two Values with a bias, a dot with constants, a fused neuron.
GRAPHS = {
    "chain": (
        lambda x, y: ((x * 2.0 + 1.0).tanh() * 3.0).exp() - y.sin(),
        lambda x, y: ((x * 2 + 1).tanh() * 3).exp() - y.sin(),
    ),
    "two parents": (lambda x, y: x * y + y / x, lambda x, y: x * y + y / x),
    "sum": (lambda x, y: autograd.sum([x, y, x]), lambda x, y: x + y + x),
    "dot": (lambda x, y: autograd.dot([x, y], [y, x], bias=x), lambda x, y: x * y + y * x + x),
    "dot of constants": (lambda x, y: autograd.dot([x, y], [2.0, -1.0], bias=y), lambda x, y: 2 * x - y + y),
    "neuron": (lambda x, y: autograd.dot([x, y], [y, 3.0], activation="tanh"), lambda x, y: (x * y + 3 * y).tanh()),
}
PATHS = ("fast", "create_graph", "hooks", "detect_anomaly", "autograd.backward")


def backpropagate(out, path, other_root):
    """out.backward() along one of backward's paths (see autograd/backward.py)."""
    if path == "fast":
        out.backward()
    elif path == "create_graph":
        out.backward(create_graph=True)
    elif path == "hooks":  # a live hook anywhere sends backward through the reference path
        handle = other_root.register_hook(lambda g: None)
        out.backward()
        handle.remove()
    elif path == "detect_anomaly":
        with autograd.detect_anomaly():
            out.backward()
    else:
        autograd.backward([out, other_root], [1.0, 0.0])


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("graph", GRAPHS)
def test_a_grad_of_none_is_started_by_backward_as_in_torch(graph, path):
    ours, theirs = GRAPHS[graph]
    x, y = Value(0.3), Value(-1.2)
    x.grad = y.grad = None
    backpropagate(ours(x, y), path, Value(1.0) * 2.0)
    tx, ty = tensor(0.3), tensor(-1.2)
    assert tx.grad is None
    theirs(tx, ty).backward()
    got = [g.data if isinstance(g, Value) else g for g in (x.grad, y.grad)]
    assert got == pytest.approx([tx.grad.item(), ty.grad.item()], rel=1e-12)
    # and the next pass accumulates into it, as torch's does
    backpropagate(ours(x, y), "fast", None)
    theirs(tx, ty).backward()
    got = [g.data if isinstance(g, Value) else g for g in (x.grad, y.grad)]
    assert got == pytest.approx([tx.grad.item(), ty.grad.item()], rel=1e-12)


def test_a_leaf_root_a_micrograd_op_a_function_and_manual_backward_start_a_grad_of_none():
    x = Value(2.0)
    x.grad = None
    x.backward(3.0)  # backward from a leaf adds the seed to it
    assert x.grad == 3.0

    x.grad = None
    out = Value(x.data**2, (x,), "square")  # an op written the micrograd way: its closure adds with +=

    def closure():
        x.grad += 2 * x.data * out.grad

    out._backward = closure
    out.backward()
    assert x.grad == 4.0

    x.grad = None
    Cube.apply(x).backward()
    assert x.grad == 12.0

    x.grad = None
    product = x * 5.0
    product.grad = 1.0
    product._backward()  # micrograd's one step of the chain rule, by hand
    assert x.grad == 5.0


def test_compile_adds_into_a_grad_of_none():
    w = Value(0.5)
    f = autograd.compile(lambda x: (w * x - 1.0) ** 2)
    w.grad = None
    loss = f(np.array([1.0, 2.0, 3.0]), reduction="sum")
    tw = tensor(0.5)
    t_loss = sum((tw * x - 1.0) ** 2 for x in (1.0, 2.0, 3.0))
    t_loss.backward()
    assert (loss, w.grad) == pytest.approx((t_loss.item(), tw.grad.item()), rel=1e-14)


def test_a_grad_that_is_not_a_number_still_raises_its_type_error():
    """Only None means "no gradient yet": any other grad that cannot be added to is the error it always was."""
    x = Value(1.0)
    x.grad = "0"
    for backward in (lambda: (x * 2.0).backward(), lambda: autograd.dot([x], [x]).backward()):
        with pytest.raises(TypeError, match='can only concatenate str \\(not "float"\\) to str'):
            backward()
    assert x.grad == "0"


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_an_optimizer_step_skips_a_parameter_whose_grad_is_none_as_torch(name):
    kwargs = {"lr": 0.1, "weight_decay": 0.01} | ({"momentum": 0.9} if name in ("SGD", "RMSprop") else {})
    a, b = Value(1.0), Value(-2.0)
    ta, tb = tensor(1.0), tensor(-2.0)
    ours, theirs = getattr(nn.optim, name)([a, b], **kwargs), getattr(torch.optim, name)([ta, tb], **kwargs)
    for step in range(3):
        a.grad, b.grad = None, None
        (a * a * 3.0).backward()  # b gets no gradient: it stays None in both
        ta.grad, tb.grad = None, None
        (ta * ta * 3).backward()
        assert b.grad is None and tb.grad is None
        ours.step()
        theirs.step()
        assert (a.data, b.data) == pytest.approx((ta.item(), tb.item()), rel=1e-14), step
    assert b not in ours.state and b.data == -2.0


def test_zero_grad_and_clipping_with_grads_of_none():
    model = nn.MLP(2, [3, 1])
    params = model.parameters()
    optimizer = nn.optim.SGD(params, lr=0.1)
    model([1.0, 2.0]).backward()
    optimizer.zero_grad()
    assert all(p.grad == 0.0 for p in params)
    model([1.0, 2.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in params)
    # clipping, as torch's, leaves a grad of None alone and leaves it out of the norm
    a, b, ta, tb = Value(3.0), Value(1.0), tensor(3.0), tensor(1.0)
    (a * 4.0).backward()
    (ta * 4).backward()
    b.grad = None
    norm = nn.utils.clip_grad_norm_([a, b], 1.0)
    t_norm = torch.nn.utils.clip_grad_norm_([ta, tb], 1.0)
    assert (norm, a.grad, b.grad) == (pytest.approx(t_norm.item()), pytest.approx(ta.grad.item()), None)
    nn.utils.clip_grad_value_([a, b], 0.5)
    torch.nn.utils.clip_grad_value_([ta, tb], 0.5)
    assert (a.grad, b.grad) == (pytest.approx(ta.grad.item()), None)


def test_setting_every_grad_to_none_trains_an_mlp_as_zero_grad_does():
    """p.grad = None before each backward (torch's zero_grad(set_to_none=True)) gives the same training."""
    runs = []
    for set_to_none in (False, True):
        random.seed(1)
        model = nn.MLP(2, [4, 1])
        optimizer = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        for _ in range(5):
            for p in model.parameters():
                p.grad = None if set_to_none else 0.0
            loss = sum((model(x) - t) ** 2 for x, t in (([1.0, 2.0], 1.0), ([-1.0, 0.5], -1.0)))
            loss.backward()
            optimizer.step()
        runs.append([p.data for p in model.parameters()])
    assert runs[0] == runs[1]


# --- .backward() on a network's several outputs: a list that says how to get one scalar


def several_outputs(count):
    return (
        f"backward() needs one scalar Value, but this is a list of {count} outputs: sum them first "
        "(sum(outputs).backward()) or call autograd.backward(outputs)"
    )


@pytest.mark.parametrize("fused", [True, False])
def test_backward_on_a_networks_list_of_outputs_says_to_sum_them(fused):
    for model, count in ((nn.MLP(2, [3, 2], fused=fused), 2), (nn.Layer(2, 3, fused=fused), 3)):
        out = model([1.0, 2.0])
        with pytest.raises(TypeError) as caught:
            out.backward()
        assert str(caught.value) == several_outputs(count)
        assert all(p.grad == 0.0 for p in model.parameters())


def test_a_networks_outputs_are_a_list_in_every_way_micrograd_code_uses():
    random.seed(3)
    model = nn.MLP(2, [4, 3])
    out = model([0.5, -1.0])
    values = list(out)
    assert isinstance(out, list) and out == values and len(out) == 3 and repr(out) == repr(values)
    assert [v for v in out] == values and out[0] is values[0] and out[-1] is values[2] and out[1:] == values[1:]
    assert sum(out).data == pytest.approx(sum(v.data for v in values), rel=1e-15)
    assert max(out) in values and out.index(values[1]) == 1
    assert model([1.0, 2.0]) != out  # Values compare by identity, as ever


def in_our_order(linears):
    """Torch's Linear gradients in nn's parameter order: each neuron's weights, then its bias, layer by layer."""
    return [
        g for m in linears for w, b in zip(m.weight.grad.tolist(), m.bias.grad.tolist(), strict=True) for g in (*w, b)
    ]


def test_the_two_fixes_the_message_names_give_torchs_gradients():
    random.seed(4)
    model = nn.MLP(2, [3, 2], activation="tanh")
    module = model.to_torch()
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    x = [0.3, -0.7]
    for ours, theirs in (
        (lambda out: sum(out).backward(), lambda out: out.sum().backward()),
        (autograd.backward, lambda out: out.sum().backward()),
        (lambda out: out[0].backward(), lambda out: out[0].backward()),
    ):
        model.zero_grad()
        module.zero_grad()
        ours(model(x))
        theirs(module(torch.tensor(x, dtype=torch.float64)))
        assert [p.grad for p in model.parameters()] == pytest.approx(in_our_order(linears), rel=1e-12, abs=1e-300)
