"""Higher derivatives in the corners: b**e at b = e = 0, tanh'' near 0, sqrt'' at 0, and create_graph without cycles.

Expected numbers come from PyTorch (float64), SymPy, or mpmath at 50 digits; never from chaingrad.
"""

import gc
import math

import mpmath
import pytest
import sympy

import autograd
import nn
from autograd import Value, grad, hessian
from autograd.scalar import number

torch = pytest.importorskip("torch")


def tensor(x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


# --- b ** e at b = e = 0


def test_power_at_zero_zero_gives_torchs_zero_gradients_with_create_graph():
    """∂(bᵉ)/∂b = e·bᵉ⁻¹ is 0 at e = 0, b = 0, in plain backward, with create_graph and through grad."""
    tb, te = tensor(0.0), tensor(0.0)
    expected = [g.item() for g in torch.autograd.grad(tb**te, (tb, te), create_graph=True)]
    b, e = sympy.symbols("b e", nonnegative=True)
    assert expected == [0.0, 0.0] and sympy.limit(sympy.diff(b**e, b).subs(e, 0), b, 0, "+") == 0
    for create_graph in (False, True):
        b, e = Value(0.0), Value(0.0)
        (b**e).backward(create_graph=create_graph)
        assert [number(b.grad), number(e.grad)] == expected
    assert number(grad(lambda b, e: b**e)(Value(0.0), Value(0.0))) == 0.0
    assert number(grad(lambda b, e: b**e, argnums=1)(Value(0.0), Value(0.0))) == 0.0
    assert grad(lambda b, e: b**e)(0.0, 0.0) == 0.0


@pytest.mark.parametrize("point", [(2.0, 0.0), (0.5, 0.0), (1.5, 2.0)])
def test_the_hessian_of_power_at_a_zero_exponent_matches_sympy(point):
    """At e = 0 the slope e·bᵉ⁻¹ is 0 but still moves with e: ∂²(bᵉ)/∂b∂e = 1/b there. (PyTorch gives 0 for
    it when differentiating ∂/∂b and 1/b when differentiating ∂/∂e; SymPy and chaingrad give 1/b both ways.)"""
    b, e = sympy.symbols("b e", positive=True)
    at = {b: point[0], e: point[1]}
    expected = [[float(sympy.diff(b**e, u, v).subs(at)) for v in (b, e)] for u in (b, e)]
    got = hessian(lambda b, e: b**e)(*point)
    assert [g for row in got for g in row] == pytest.approx([x for row in expected for x in row], rel=1e-13, abs=0)


# --- tanh'' and tanh''' near 0, against the series and mpmath


def tanh_derivative(x, order):
    """d^order/dx^order tanh at x, to 50 digits (mpmath), as a float."""
    mpmath.mp.dps = 50
    return float(mpmath.diff(mpmath.tanh, mpmath.mpf(x), order))


@pytest.mark.parametrize("x", [1e-12, -3e-9, 1e-6, 1e-3, 0.3, -2.0, 5.0])
def test_tanh_second_and_third_derivatives_are_accurate_near_zero(x):
    """tanh'' = −2 tanh (1 − tanh²): near 0 that is −2x + 8x³/3 − …, with no digits lost to cancellation."""
    second, third = grad(grad(autograd.tanh)), grad(grad(grad(autograd.tanh)))
    # Far from 0 tanh x rounds near ±1, and 1 − tanh² read off it keeps ~1e-16/(1 − |tanh x|) (PyTorch alike)
    rel = 1e-14 if abs(x) < 1 else 1e-12
    assert second(x) == pytest.approx(tanh_derivative(x, 2), rel=rel, abs=0)
    assert third(x) == pytest.approx(tanh_derivative(x, 3), rel=10 * rel, abs=0)
    t = sympy.Symbol("t")
    series = sympy.series(sympy.diff(sympy.tanh(t), t, 2), t, 0, 6).removeO()
    if abs(x) < 1e-3:  # the series' next term is below a part in 1e16 there
        assert second(x) == pytest.approx(float(series.subs(t, x)), rel=1e-14, abs=0)
    tx = tensor(x)
    (first,) = torch.autograd.grad(torch.tanh(tx), tx, create_graph=True)
    (t_second,) = torch.autograd.grad(first, tx)
    assert second(x) == pytest.approx(t_second.item(), rel=1e-12, abs=0)


def test_the_fused_tanh_neuron_has_the_same_accurate_second_derivative():
    x = 1e-12
    neuron = grad(grad(lambda v: autograd.dot([v], [1.0], activation="tanh")))
    assert neuron(x) == pytest.approx(tanh_derivative(x, 2), rel=1e-14, abs=0)


# --- sqrt'' and (x**0.5)'' at 0 are −inf, as in PyTorch


@pytest.mark.parametrize(
    ("fn", "torch_fn", "sym"),
    [
        pytest.param(autograd.sqrt, torch.sqrt, sympy.sqrt, id="sqrt"),
        pytest.param(lambda v: v**0.5, lambda t: t**0.5, lambda s: s ** sympy.Rational(1, 2), id="**0.5"),
        pytest.param(lambda v: v**0.25, lambda t: t**0.25, lambda s: s ** sympy.Rational(1, 4), id="**0.25"),
    ],
)
@pytest.mark.parametrize("how", ["backward", "grad"])
def test_sqrt_second_derivative_at_zero_is_minus_inf(fn, torch_fn, sym, how):
    tx = tensor(0.0)
    (t_first,) = torch.autograd.grad(torch_fn(tx), tx, create_graph=True)
    (t_second,) = torch.autograd.grad(t_first, tx)
    assert (t_first.item(), t_second.item()) == (math.inf, -math.inf)
    s = sympy.Symbol("s", positive=True)
    assert sympy.limit(sympy.diff(sym(s), s, 2), s, 0, "+") == -sympy.oo  # the mathematical limit too
    if how == "grad":
        first, second = grad(fn)(0.0), grad(grad(fn))(0.0)
    else:
        x = Value(0.0)
        fn(x).backward(create_graph=True)
        first = x.grad
        x.grad = 0.0
        first.backward()
        first, second = number(first), x.grad
    assert (first, second) == (t_first.item(), t_second.item())


@pytest.mark.parametrize("x", [0.0, -0.0, 0.5, -4.0, 1e-300])
def test_reciprocal_matches_torch(x):
    """Value.reciprocal, which sqrt's and pow's rules use where their derivative is infinite: 1/x, ±inf at ±0."""
    v, tx = Value(x), tensor(x)
    out, t_out = v.reciprocal(), torch.reciprocal(tx)
    out.backward(create_graph=True)
    (t_first,) = torch.autograd.grad(t_out, tx, create_graph=True)
    (t_second,) = torch.autograd.grad(t_first, tx)
    first = v.grad
    v.grad = 0.0
    first.backward()
    assert (out.data, number(first), v.grad) == (t_out.item(), t_first.item(), t_second.item())
    assert out.op == "reciprocal" and autograd.Value(2.0).reciprocal().data == 0.5


# --- create_graph leaves no reference cycle behind


@pytest.fixture
def collector_off():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def live_values():
    """How many Values exist: every Value is tracked by the cycle collector, so gc.get_objects() lists it."""
    return sum(1 for o in gc.get_objects() if type(o) is Value)


def mlp_loss(model):
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
    return nn.functional.hinge_loss([model(x) for x in xs], [1, -1, 1]) + nn.functional.l2_penalty(model, 1e-4)


@pytest.mark.parametrize("fused", [True, False])
def test_backward_with_create_graph_leaves_nothing_for_the_collector(collector_off, fused):
    """After zero_grad (which drops the leaves' graph-valued grads) the whole graph is freed by reference
    counting alone: the collector finds nothing, and the nodes are gone."""
    nn.manual_seed(0)
    model = nn.MLP(2, [8, 8, 1], fused=fused)
    before = live_values()
    loss = mlp_loss(model)
    loss.backward(create_graph=True)
    assert all(isinstance(p.grad, Value) for p in model.parameters())
    inner = [node for node in autograd.topological_order(loss) if node.parents]
    assert all(isinstance(node.grad, float) for node in inner)  # the inner nodes hold this pass's numbers
    penalty = autograd.sum(p.grad * p.grad for p in model.parameters())  # a gradient penalty, differentiated
    penalty.backward()
    assert live_values() > before + 1000
    del loss, penalty, inner
    model.zero_grad()
    assert live_values() == before
    assert gc.collect() == 0


def test_grad_and_hessian_leave_nothing_for_the_collector(collector_off):
    def f(x, y):
        return (x * y).tanh() * x.exp() + (x / y).sqrt()

    expected = float(sympy_hessian_entry())
    gc.collect()  # SymPy's own cycles
    assert hessian(f)(0.5, 2.0)[0][1] == pytest.approx(expected, rel=1e-12)
    grad(grad(f))(Value(0.5), Value(2.0))
    assert gc.collect() == 0


def sympy_hessian_entry():
    x, y = sympy.symbols("x y", positive=True)
    return sympy.diff(sympy.tanh(x * y) * sympy.exp(x) + sympy.sqrt(x / y), x, y).subs({x: 0.5, y: 2.0})


def test_a_leafs_create_graph_gradient_is_its_only_cycle_as_in_pytorch(collector_off):
    """x.grad = 2x refers to x, so x and its gradient's graph hold each other (PyTorch warns about the same
    cycle); setting x.grad to a number frees it."""
    x = Value(3.0)
    before = live_values()
    (x * x).backward(create_graph=True)
    assert number(x.grad) == 6.0 and live_values() > before
    x.grad = 0.0
    assert live_values() == before and gc.collect() == 0
