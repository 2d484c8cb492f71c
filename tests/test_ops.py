"""Every op's value and derivative, checked against PyTorch (float64), SymPy and central finite differences."""

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import sympy

import autograd
from autograd import Value

TIGHT = {"rel": 1e-12, "abs": 1e-12}  # vs PyTorch and SymPy: both sides are (near) correctly rounded
FD = {"rel": 1e-6, "abs": 1e-8}  # vs central finite differences


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


# --- The op table: the engine's op, and the same function in torch, in SymPy and in plain floats (math module).


@dataclass(frozen=True)
class Op:
    name: str
    engine: Callable  # Value -> Value (a module function or an operator)
    torch: Callable  # (torch, tensor) -> tensor
    sym: Callable  # sympy expression -> sympy expression
    ref: Callable  # float -> float, from the math module
    points: tuple
    method: Callable | None = None  # the same op as a Value method, if there is one

    def __str__(self):
        return self.name


def function(name, torch_fn, sym, ref, points, **kwargs):
    """An elementary function: `autograd.<name>(v, **kwargs)`, also callable as `v.<name>(**kwargs)`."""
    label = name + (f"({', '.join(map(str, kwargs.values()))})" if kwargs else "")
    return Op(
        label,
        lambda v: getattr(autograd, name)(v, **kwargs),
        torch_fn,
        sym,
        ref,
        points,
        (lambda v: getattr(v, name)(**kwargs)) if hasattr(Value, name) else None,
    )


def power(p, points):
    """`v ** p` with a plain-number exponent."""
    return Op(f"**{p}", lambda v: v**p, lambda T, t: t**p, lambda s: s ** sympy.Float(p), lambda x: x**p, points)


def piecewise(pos, neg):
    """SymPy's `pos(s)` for s > 0, `neg(s)` otherwise."""
    return lambda s: sympy.Piecewise((pos(s), s > 0), (neg(s), True))


def F(T):
    return T.nn.functional


SIGNED = (-2.5, -0.3, 0.0, 0.7, 3.0)
OFF_KINK = (-2.0, -0.1, 0.1, 3.0)  # 0 is a kink: see test_kinks_follow_pytorch

UNARY = [
    Op("neg", operator.neg, lambda T, t: -t, operator.neg, operator.neg, SIGNED),
    # |x| at 0: sign(0) = 0, FD is 0 by symmetry and torch's convention is 0, so 0 is included.
    Op("abs", operator.abs, lambda T, t: T.abs(t), sympy.Abs, abs, SIGNED),
    function("exp", lambda T, t: T.exp(t), sympy.exp, math.exp, (-3.0, -0.5, 0.0, 1.2, 5.0)),
    function("log", lambda T, t: T.log(t), sympy.log, math.log, (0.01, 0.5, 1.0, 2.5, 100.0)),
    function("sqrt", lambda T, t: T.sqrt(t), sympy.sqrt, math.sqrt, (0.01, 0.25, 1.0, 2.0, 50.0)),
    function("tanh", lambda T, t: T.tanh(t), sympy.tanh, math.tanh, (-3.0, -0.5, 0.0, 0.8, 4.0)),
    function(
        "sigmoid",
        lambda T, t: T.sigmoid(t),
        lambda s: 1 / (1 + sympy.exp(-s)),
        lambda x: 1 / (1 + math.exp(-x)),
        (-6.0, -1.0, 0.0, 0.5, 7.0),
    ),
    function("relu", lambda T, t: T.relu(t), piecewise(lambda s: s, lambda s: 0), lambda x: max(x, 0.0), OFF_KINK),
    function(
        "leaky_relu",
        lambda T, t: F(T).leaky_relu(t),
        piecewise(lambda s: s, lambda s: sympy.Float(0.01) * s),
        lambda x: x if x > 0 else 0.01 * x,
        OFF_KINK,
    ),
    function(
        "leaky_relu",
        lambda T, t: F(T).leaky_relu(t, negative_slope=0.2),
        piecewise(lambda s: s, lambda s: sympy.Float(0.2) * s),
        lambda x: x if x > 0 else 0.2 * x,
        OFF_KINK,
        alpha=0.2,
    ),
    function(
        "elu",
        lambda T, t: F(T).elu(t),
        piecewise(lambda s: s, lambda s: sympy.exp(s) - 1),
        lambda x: x if x > 0 else math.exp(x) - 1,
        (-3.0, -0.2, 0.2, 2.0),
    ),
    function(
        "elu",
        lambda T, t: F(T).elu(t, alpha=0.5),
        piecewise(lambda s: s, lambda s: sympy.Float(0.5) * (sympy.exp(s) - 1)),
        lambda x: x if x > 0 else 0.5 * (math.exp(x) - 1),
        (-3.0, -0.2, 0.2, 2.0),
        alpha=0.5,
    ),
    # torch's softplus switches to the identity past x = 20: keep |x| < 15 here.
    function(
        "softplus",
        lambda T, t: F(T).softplus(t),
        lambda s: sympy.log(1 + sympy.exp(s)),
        lambda x: math.log(1 + math.exp(x)),
        (-10.0, -1.0, 0.0, 1.0, 10.0),
    ),
    function("sin", lambda T, t: T.sin(t), sympy.sin, math.sin, (-2.0, 0.0, 0.5, 3.0)),
    function("cos", lambda T, t: T.cos(t), sympy.cos, math.cos, (-2.0, 0.0, 0.5, 3.0)),
    power(2, (-1.5, 0.0, 0.5, 3.0)),
    power(3, (-1.5, 0.0, 0.5, 3.0)),
    power(-1, (-2.0, -0.5, 0.25, 3.0)),
    power(0.5, (0.01, 0.5, 4.0)),
    power(-2.5, (0.3, 1.0, 2.5)),
    power(0, (-2.0, 0.0, 1.5)),
    power(1, (-2.0, 0.0, 1.5)),
]
UNARY_CASES = [pytest.param(op, x, id=f"{op}@{x}") for op in UNARY for x in op.points]

BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}
ARITHMETIC_POINTS = [(2.0, 3.0), (-1.5, 0.5), (0.7, -4.0), (0.0, -2.0)]
POWER_POINTS = [(2.0, 3.0), (0.5, -1.5), (3.7, 0.5), (1.3, 0.0), (5.0, 2.0), (0.8, 1.0)]
MODES = ("Value-Value", "Value-number", "number-Value")
BINARY_CASES = [
    pytest.param(op, a, b, mode, id=f"{mode}:{a}{op}{b}")
    for op in BINARY
    for a, b in (POWER_POINTS if op == "**" else ARITHMETIC_POINTS)
    for mode in MODES
]


# --- Helpers: the engine, and each reference, give (value, gradient).


def engine_unary(fn, x):
    v = Value(x)
    out = fn(v)
    out.backward()
    return out, v.grad


def engine_binary(op, a, b, mode):
    """(output node, {operand index: grad}) with plain numbers on the side `mode` says."""
    left = a if mode == "number-Value" else Value(a)
    right = b if mode == "Value-number" else Value(b)
    out = BINARY[op](left, right)
    out.backward()
    return out, {i: v.grad for i, v in enumerate((left, right)) if isinstance(v, Value)}


def torch_eval(torch, fn, *xs):
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    y = fn(*ts)
    y.backward()
    return y.item(), [t.grad.item() for t in ts]


SYMBOLS = sympy.symbols("a b", real=True)


def sympy_eval(expr, *xs):
    """The value of `expr` in the symbols a, b at xs, and its partial derivatives, to 30 digits."""
    point = {s: sympy.Float(x, 30) for s, x in zip(SYMBOLS[: len(xs)], xs, strict=True)}

    def at(e):
        return float(e.subs(point).evalf(30))

    return at(expr), [at(sympy.diff(expr, s)) for s in SYMBOLS[: len(xs)]]


def central_difference(f, xs, i, h=1e-6):
    h *= max(1.0, abs(xs[i]))
    plus, minus = list(xs), list(xs)
    plus[i] += h
    minus[i] -= h
    return (f(*plus) - f(*minus)) / (2 * h)


# --- a. PyTorch


@pytest.mark.parametrize(("op", "x"), UNARY_CASES)
def test_unary_matches_torch(torch, op, x):
    value, grad = torch_eval(torch, lambda t: op.torch(torch, t), x)
    for fn in filter(None, (op.engine, op.method)):
        out, g = engine_unary(fn, x)
        assert out.data == pytest.approx(value, **TIGHT)
        assert g == pytest.approx(grad[0], **TIGHT)


@pytest.mark.parametrize(("op", "a", "b", "mode"), BINARY_CASES)
def test_binary_matches_torch(torch, op, a, b, mode):
    value, grads = torch_eval(torch, BINARY[op], a, b)
    out, g = engine_binary(op, a, b, mode)
    assert out.data == pytest.approx(value, **TIGHT)
    for i, gi in g.items():
        assert gi == pytest.approx(grads[i], **TIGHT)


# --- b. SymPy


@pytest.mark.parametrize(("op", "x"), UNARY_CASES)
def test_unary_matches_sympy(op, x):
    value, (grad,) = sympy_eval(op.sym(SYMBOLS[0]), x)
    out, g = engine_unary(op.engine, x)
    assert out.data == pytest.approx(value, **TIGHT)
    assert g == pytest.approx(grad, **TIGHT)
    assert out.local_grads() == pytest.approx((grad,), **TIGHT)


@pytest.mark.parametrize(("op", "a", "b", "mode"), BINARY_CASES)
def test_binary_matches_sympy(op, a, b, mode):
    value, grads = sympy_eval(BINARY[op](*SYMBOLS), a, b)
    out, g = engine_binary(op, a, b, mode)
    assert out.data == pytest.approx(value, **TIGHT)
    assert g == pytest.approx({i: grads[i] for i in g}, **TIGHT)
    assert out.local_grads() == pytest.approx(tuple(grads[i] for i in g), **TIGHT)


# --- c. Central finite differences of a plain-float (math module) implementation


@pytest.mark.parametrize(("op", "x"), UNARY_CASES)
def test_unary_matches_finite_differences(op, x):
    out, g = engine_unary(op.engine, x)
    assert out.data == pytest.approx(op.ref(x), **TIGHT)
    assert g == pytest.approx(central_difference(op.ref, [x], 0), **FD)


@pytest.mark.parametrize(("op", "a", "b", "mode"), BINARY_CASES)
def test_binary_matches_finite_differences(op, a, b, mode):
    out, g = engine_binary(op, a, b, mode)
    assert out.data == pytest.approx(BINARY[op](a, b), **TIGHT)
    for i, gi in g.items():
        assert gi == pytest.approx(central_difference(BINARY[op], [a, b], i), **FD)


# --- Kinks, zeros and extremes follow PyTorch


KINKS = [
    pytest.param(lambda v: v.relu(), lambda T, t: T.relu(t), 0.0, id="relu"),
    pytest.param(abs, lambda T, t: T.abs(t), 0.0, id="abs"),
    pytest.param(lambda v: v.leaky_relu(), lambda T, t: F(T).leaky_relu(t), 0.01, id="leaky_relu"),
    pytest.param(lambda v: v.leaky_relu(alpha=0.2), lambda T, t: F(T).leaky_relu(t, 0.2), 0.2, id="leaky_relu(0.2)"),
    pytest.param(lambda v: v.elu(alpha=0.5), lambda T, t: F(T).elu(t, alpha=0.5), 0.5, id="elu(0.5)"),
    pytest.param(lambda v: v.sqrt(), lambda T, t: T.sqrt(t), math.inf, id="sqrt"),
    pytest.param(lambda v: v**0.5, lambda T, t: t**0.5, math.inf, id="**0.5"),
    pytest.param(lambda v: v**1.5, lambda T, t: t**1.5, 0.0, id="**1.5"),
]


@pytest.mark.parametrize(("fn", "torch_fn", "slope"), KINKS)
def test_kinks_follow_pytorch(torch, fn, torch_fn, slope):
    """At x = 0: relu' = abs' = 0, leaky_relu' = elu' = alpha, sqrt' = inf — as PyTorch."""
    value, (grad,) = torch_eval(torch, lambda t: torch_fn(torch, t), 0.0)
    out, g = engine_unary(fn, 0.0)
    assert out.data == value == 0.0
    assert g == grad == slope


@pytest.mark.parametrize(("base", "exponent"), [(0.0, 2.0), (0.0, 0.5), (0.0, 0.0)])
@pytest.mark.parametrize("mode", ["Value-Value", "number-Value"])
def test_power_at_zero_base_follows_pytorch(torch, base, exponent, mode):
    """0 ** p: ∂/∂p is 0 (not nan from 0·ln 0) and ∂/∂base is p·0^(p−1), as PyTorch."""
    value, grads = torch_eval(torch, operator.pow, base, exponent)
    out, g = engine_binary("**", base, exponent, mode)
    assert out.data == value
    assert g == {i: grads[i] for i in g}


@pytest.mark.parametrize("name", ["sigmoid", "softplus"])
@pytest.mark.parametrize("x", [1e4, -1e4, 800.0, -800.0, 50.0, -50.0])
def test_sigmoid_and_softplus_are_stable(torch, name, x):
    """No OverflowError or NaN far from 0; value and gradient equal PyTorch's."""
    value, (grad,) = torch_eval(torch, getattr(torch.nn.functional, name), x)
    out, g = engine_unary(getattr(autograd, name), x)
    assert math.isfinite(out.data) and math.isfinite(g)
    assert out.data == pytest.approx(value, **TIGHT)
    assert g == pytest.approx(grad, **TIGHT)


def test_exp_overflows_to_inf(torch):
    """exp(1000) is inf (value and gradient), not an OverflowError, as in PyTorch."""
    value, (grad,) = torch_eval(torch, torch.exp, 1000.0)
    out, g = engine_unary(autograd.exp, 1000.0)
    assert out.data == value == math.inf
    assert g == grad == math.inf
    assert autograd.exp(1000.0) == math.inf


# --- Module functions on plain numbers

PLAIN = [
    ("exp", math.exp, 2.0),
    ("log", math.log, 2.0),
    ("sqrt", math.sqrt, 2.0),
    ("tanh", math.tanh, -0.7),
    ("sin", math.sin, 2.0),
    ("cos", math.cos, 2.0),
    ("abs", abs, -2.5),
    ("neg", operator.neg, 2.5),
    ("relu", lambda x: max(x, 0.0), -1.5),
    ("sigmoid", lambda x: 1 / (1 + math.exp(-x)), 0.3),
    ("softplus", lambda x: math.log1p(math.exp(x)), 0.3),
    ("elu", math.expm1, -0.5),
    ("leaky_relu", lambda x: 0.01 * x, -0.5),
]


@pytest.mark.parametrize(("name", "ref", "x"), PLAIN)
def test_module_functions_take_plain_numbers(name, ref, x):
    """autograd.exp(2.0) is a float equal to math.exp(2.0); numpy scalars are accepted too."""
    for arg in (x, np.float64(x), np.float32(x)):
        out = getattr(autograd, name)(arg)
        assert type(out) is float
        assert out == pytest.approx(ref(float(arg)), rel=1e-15, abs=0)


def test_module_functions_take_numpy_integers():
    assert autograd.sqrt(np.int64(9)) == 3.0
    assert autograd.exp(np.int32(0)) == 1.0


# --- Domain errors name the op and the offending value

DOMAIN_ERRORS = [
    pytest.param(lambda: Value(0.0).log(), r"log.*0\.0", id="log(0)"),
    pytest.param(lambda: Value(-1.0).log(), r"log.*-1\.0", id="log(-1)"),
    pytest.param(lambda: autograd.log(0), r"log.*0\.0", id="log(0) plain"),
    pytest.param(lambda: Value(-1.0).sqrt(), r"sqrt.*-1\.0", id="sqrt(-1)"),
    pytest.param(lambda: autograd.sqrt(-1), r"sqrt.*-1\.0", id="sqrt(-1) plain"),
    pytest.param(lambda: Value(1.0) / 0, r"division.*1\.0.*zero", id="Value(1)/0"),
    pytest.param(lambda: 1 / Value(0.0), r"division.*1\.0.*zero", id="1/Value(0)"),
    pytest.param(lambda: Value(1.0) / Value(0.0), r"division.*1\.0.*zero", id="Value(1)/Value(0)"),
    pytest.param(lambda: Value(0.0) ** -1, r"pow.*0\.0.*-1\.0", id="Value(0)**-1"),
    # (a negative base with a Value exponent gives NaN, as PyTorch: tests/test_functions.py)
    pytest.param(lambda: Value(-8.0) ** (1 / 3), r"pow.*-8\.0", id="Value(-8)**(1/3)"),
]


@pytest.mark.parametrize(("thunk", "match"), DOMAIN_ERRORS)
def test_domain_errors_name_op_and_value(thunk, match):
    with pytest.raises((ValueError, ZeroDivisionError), match=match) as info:
        thunk()
    assert "math domain error" not in str(info.value)


# --- autograd.sum: one node with n parents


def test_sum_is_one_node_matching_torch_sum(torch):
    x, y, z = Value(1.5), Value(-2.0), Value(0.25)
    out = autograd.sum([x, 2, y, 0.5, z, x])
    out.backward()
    assert out.op == "sum"
    assert out.parents == (x, y, z, x)
    assert out.params == {"const": 2.5}

    tx, ty, tz = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (1.5, -2.0, 0.25))
    const = torch.tensor(2.0, dtype=torch.float64), torch.tensor(0.5, dtype=torch.float64)
    reference = torch.sum(torch.stack([tx, const[0], ty, const[1], tz, tx]))
    reference.backward()
    assert out.data == pytest.approx(reference.item(), **TIGHT)
    assert (x.grad, y.grad, z.grad) == pytest.approx((tx.grad.item(), ty.grad.item(), tz.grad.item()), **TIGHT)


def test_sum_of_many_values_matches_math_fsum():
    values = [Value(0.1 * i - 3) for i in range(50)]
    out = autograd.sum(values)
    out.backward()
    assert len(out.parents) == 50
    assert out.data == pytest.approx(math.fsum(0.1 * i - 3 for i in range(50)), rel=1e-12, abs=1e-12)
    assert [v.grad for v in values] == [1.0] * 50


# --- Op names and params


def _x_and_y():
    return Value(2.0, label="x"), Value(3.0, label="y")


NAMING = [
    pytest.param(lambda x, y: x + 3, "+", "x", {"right": 3.0}, id="x+3"),
    pytest.param(lambda x, y: 3 + x, "+", "x", {"left": 3.0}, id="3+x"),
    pytest.param(lambda x, y: x - 3, "-", "x", {"right": 3.0}, id="x-3"),
    pytest.param(lambda x, y: 3 - x, "-", "x", {"left": 3.0}, id="3-x"),
    pytest.param(lambda x, y: 2 / x, "/", "x", {"left": 2.0}, id="2/x"),
    pytest.param(lambda x, y: x * y, "*", "xy", None, id="x*y"),
    pytest.param(lambda x, y: x / y, "/", "xy", None, id="x/y"),
    pytest.param(lambda x, y: x**2, "**2", "x", {"exponent": 2.0}, id="x**2"),
    pytest.param(lambda x, y: x**0.5, "**0.5", "x", {"exponent": 0.5}, id="x**0.5"),
    pytest.param(lambda x, y: x**y, "**", "xy", None, id="x**y"),
    pytest.param(lambda x, y: 2**x, "**", "x", {"left": 2.0}, id="2**x"),
    pytest.param(lambda x, y: -x, "neg", "x", None, id="-x"),
    pytest.param(lambda x, y: abs(x), "abs", "x", None, id="abs"),
    pytest.param(lambda x, y: x.leaky_relu(), "leaky_relu", "x", {"alpha": 0.01}, id="leaky_relu"),
    pytest.param(lambda x, y: x.leaky_relu(alpha=0.2), "leaky_relu", "x", {"alpha": 0.2}, id="leaky_relu(0.2)"),
    pytest.param(lambda x, y: autograd.elu(x, alpha=0.5), "elu", "x", {"alpha": 0.5}, id="elu(0.5)"),
] + [
    pytest.param(lambda x, y, name=name: getattr(x, name)(), name, "x", None, id=name)
    for name in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "softplus", "sin", "cos")
]


@pytest.mark.parametrize(("build", "op", "parents", "params"), NAMING)
def test_op_name_parents_and_params(build, op, parents, params):
    x, y = _x_and_y()
    out = build(x, y)
    assert out.op == op
    assert out.parents == tuple({"x": x, "y": y}[p] for p in parents)
    assert out.params == params if params else not out.params


# --- Overflow and cancellation at the edges of the float range.

POWER_OVERFLOW = [
    pytest.param(1e200, 3.0, "Value-number", id="Value(1e200)**3"),
    pytest.param(1e-200, -1.0, "Value-number", id="Value(1e-200)**-1"),
    pytest.param(2.0, 2000.0, "number-Value", id="2**Value(2000)"),
    pytest.param(2.0, 2000.0, "Value-Value", id="Value(2)**Value(2000)"),
]


@pytest.mark.parametrize(("a", "b", "mode"), POWER_OVERFLOW)
def test_power_backward_overflows_to_inf_like_torch(torch, a, b, mode):
    value, grads = torch_eval(torch, operator.pow, a, b)
    out, g = engine_binary("**", a, b, mode)
    assert out.data == value
    assert g == {i: grads[i] for i in g}


@pytest.mark.parametrize("x", [-20.0, -30.0, -40.0])
def test_elu_slope_keeps_relative_precision_far_left(torch, x):
    _, (grad,) = torch_eval(torch, torch.nn.functional.elu, x)
    assert engine_unary(autograd.elu, x)[1] == pytest.approx(grad, rel=1e-12, abs=0)
    assert grad == pytest.approx(math.exp(x), rel=1e-12, abs=0)


@pytest.mark.parametrize("op", [autograd.sin, autograd.cos])
@pytest.mark.parametrize("x", [math.inf, -math.inf])
def test_sin_and_cos_of_infinity_are_nan_like_torch(torch, op, x):
    value, _ = torch_eval(torch, getattr(torch, op.__name__), x)
    assert math.isnan(value) and math.isnan(op(x)) and math.isnan(op(Value(x)).data)


# --- dot: one node for Σ wᵢxᵢ (+ bias), in each of its forms


DOT_W, DOT_X, DOT_B = [0.5, -1.25, 2.0], [1.5, 0.25, -3.0], 0.75


@pytest.mark.parametrize("values", ["both", "ws", "xs"])
@pytest.mark.parametrize("with_bias", [False, True])
def test_dot_matches_torch(torch, values, with_bias):
    tw, tx = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (DOT_W, DOT_X))
    tb = torch.tensor(DOT_B, dtype=torch.float64, requires_grad=True)
    expected = torch.dot(tw, tx) + (tb if with_bias else 0)
    expected.backward()
    ws = [Value(w) for w in DOT_W] if values in ("both", "ws") else DOT_W
    xs = [Value(x) for x in DOT_X] if values in ("both", "xs") else DOT_X
    b = Value(DOT_B) if with_bias else None
    out = autograd.dot(ws, xs, b)
    assert out.op == "dot" and len(out.parents) == (6 if values == "both" else 3) + with_bias
    out.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-15)
    if values in ("both", "ws"):
        assert [w.grad for w in ws] == pytest.approx(tw.grad.tolist(), rel=1e-15)
    if values in ("both", "xs"):
        assert [x.grad for x in xs] == pytest.approx(tx.grad.tolist(), rel=1e-15)
    if with_bias:
        assert b.grad == tb.grad.item()


def test_dot_second_derivatives_match_sympy():
    a, b, c = sympy.symbols("a b c")
    expr = a * b**2 + b * 3 * a + c**2
    f = lambda x, y, z: autograd.dot([x, y], [y * y, 3.0 * x], z * z)  # noqa: E731
    point = {a: 1.5, b: -0.5, c: 2.0}
    expected = [[float(sympy.diff(expr, u, v).subs(point)) for v in (a, b, c)] for u in (a, b, c)]
    assert autograd.hessian(f)(1.5, -0.5, 2.0) == expected


def test_dot_with_mixed_sides_or_no_items_falls_back_to_elementary_ops():
    x = Value(2.0)
    mixed = autograd.dot([x, 3.0], [x, x])
    assert mixed.op == "sum" and mixed.data == 10.0
    assert autograd.dot([], []) == 0.0
    with pytest.raises(ValueError, match="different lengths"):
        autograd.dot([x], [1.0, 2.0])


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("values", ["both", "ws"])
@pytest.mark.parametrize("bias", [DOT_B, -DOT_B - 3.0])  # relu active, and relu dead (the sum is 0.75 - 7.75 < 0)
def test_dot_with_an_activation_is_one_node_that_matches_torch(torch, activation, values, bias):
    tw, tx = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (DOT_W, DOT_X))
    tb = torch.tensor(bias, dtype=torch.float64, requires_grad=True)
    expected = getattr(torch, activation)(torch.dot(tw, tx) + tb)
    expected.backward()
    ws = [Value(w) for w in DOT_W]
    xs = [Value(x) for x in DOT_X] if values == "both" else DOT_X
    b = Value(bias)
    out = autograd.dot(ws, xs, b, activation=activation)
    assert out.op == f"{activation}∘dot" and len(out.parents) == (7 if values == "both" else 4)
    out.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-15)
    assert [w.grad for w in ws] == pytest.approx(tw.grad.tolist(), rel=1e-14, abs=1e-300)
    if values == "both":
        assert [x.grad for x in xs] == pytest.approx(tx.grad.tolist(), rel=1e-14, abs=1e-300)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-14, abs=1e-300)


@pytest.mark.parametrize(("activation", "sympy_activation"), [
    ("tanh", sympy.tanh), ("sigmoid", lambda u: 1 / (1 + sympy.exp(-u))),
])
def test_dot_with_an_activation_second_derivatives_match_sympy(activation, sympy_activation):
    a, b, c = sympy.symbols("a b c")
    expr = sympy_activation(a * b**2 + b * 3 * a + c**2)
    f = lambda x, y, z: autograd.dot([x, y], [y * y, 3.0 * x], z * z, activation=activation)  # noqa: E731
    point = {a: 0.5, b: -0.25, c: 0.75}
    expected = [[float(sympy.diff(expr, u, v).subs(point)) for v in (a, b, c)] for u in (a, b, c)]
    got = autograd.hessian(f)(0.5, -0.25, 0.75)
    assert [g for row in got for g in row] == pytest.approx([e for row in expected for e in row], rel=1e-12)


def test_dot_with_an_activation_names_the_choices_and_falls_back_for_mixed_sides():
    x = Value(-2.0)
    with pytest.raises(ValueError, match="unknown activation 'elu' for a dot node: it fuses 'relu', 'tanh' or 'sig"):
        autograd.dot([x], [1.0], activation="elu")
    mixed = autograd.dot([x, 3.0], [x, x], activation="tanh")  # x·x + 3x = -2: elementary ops, then tanh
    assert mixed.op == "tanh" and mixed.parents[0].op == "sum" and mixed.data == pytest.approx(math.tanh(-2.0))


# --- linear: a layer's dots, the inputs read once


LIN_W = [[0.5, -1.25, 2.0], [-0.75, 0.0, 1.5]]
LIN_B = [0.25, -2.0]


@pytest.mark.parametrize("inputs", ["values", "numbers"])
@pytest.mark.parametrize("with_bias", [False, True])
def test_linear_matches_torch(torch, inputs, with_bias):
    tw = torch.tensor(LIN_W, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(LIN_B, dtype=torch.float64, requires_grad=True)
    tx = torch.tensor(DOT_X, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.linear(tx, tw, tb if with_bias else None)
    (expected * torch.tensor([1.0, -3.0], dtype=torch.float64)).sum().backward()
    rows = [[Value(w) for w in row] for row in LIN_W]
    biases = [Value(b) for b in LIN_B] if with_bias else None
    xs = [Value(x) for x in DOT_X] if inputs == "values" else DOT_X
    out = autograd.linear(rows, xs, biases)
    assert [o.op for o in out] == ["dot", "dot"]
    assert [o.data for o in out] == pytest.approx(expected.tolist(), rel=1e-15)
    (out[0] - 3.0 * out[1]).backward()
    assert [w.grad for row in rows for w in row] == pytest.approx(tw.grad.flatten().tolist(), rel=1e-15)
    if with_bias:
        assert [b.grad for b in biases] == pytest.approx(tb.grad.tolist(), rel=1e-15)
    if inputs == "values":
        assert [x.grad for x in xs] == pytest.approx(tx.grad.tolist(), rel=1e-15)


@pytest.mark.parametrize("xs", [[Value(1.0), Value(2.0)], [1, 2.5], [1.0, Value(2.0)]])
def test_linear_builds_the_nodes_dot_builds(xs):
    rows = [[Value(0.5), Value(-2.0)], [Value(3.0), 1.5]]  # the second row mixes numbers in: elementary ops
    biases = [Value(0.25), 4.0]  # a plain-number bias is added after the node
    for row, bias, node in zip(rows, biases, autograd.linear(rows, xs, biases), strict=True):
        alone = autograd.dot(row, xs, bias)
        assert (node.op, node.data, node.params) == (alone.op, alone.data, alone.params)
        assert [(p.op, p.data) for p in node.parents] == [(p.op, p.data) for p in alone.parents]
    assert autograd.linear([[], []], []) == [0.0, 0.0]
    relu_nodes = autograd.linear(rows, xs, biases, activation="relu")
    assert [n.data for n in relu_nodes] == [max(n.data, 0.0) for n in autograd.linear(rows, xs, biases)]


def test_linear_names_a_row_or_bias_count_that_does_not_fit():
    x = [Value(1.0), Value(2.0)]
    with pytest.raises(TypeError, match=r"weights must be a list of rows.*linear\(weights, xs, biases\)"):
        autograd.linear(x, [[Value(1.0), Value(1.0)]])  # torch's order, inputs first
    with pytest.raises(ValueError, match="linear: row 1 has 3 weights but there are 2 inputs"):
        autograd.linear([[Value(1.0), Value(1.0)], [Value(1.0)] * 3], x)
    with pytest.raises(ValueError, match="linear: 1 rows of weights but 2 biases"):
        autograd.linear([[Value(1.0), Value(1.0)]], x, [Value(0.0), Value(0.0)])


def test_a_lone_parent_is_held_without_a_tuple_but_parents_is_always_a_tuple():
    x = Value(2.0)
    for node in (x * 3.0, 3.0 - x, x.relu(), x**2, autograd.sum([x, 1.0]), autograd.dot([x], [2.0])):
        assert node.parents == (x,) and node._parents is x
    assert (x * x).parents == (x, x) and x.parents == ()
