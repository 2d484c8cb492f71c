"""Function transforms (`grad`, `value_and_grad`, `jacobian`, `hessian`) and `backward(create_graph=True)`.

Every expected number comes from SymPy's symbolic derivatives or from PyTorch (float64), never from chaingrad.
Each test function is written once against a namespace `m` of elementary functions, so the same formula is
evaluated by chaingrad (AG), differentiated symbolically by SymPy (SP) and run through torch (torch_ns()).
"""

import functools
import math
from types import SimpleNamespace

import pytest
import sympy as sp

import autograd as ag
from autograd import Value, grad, hessian, jacobian, value_and_grad

AG = SimpleNamespace(
    exp=ag.exp,
    log=ag.log,
    sqrt=ag.sqrt,
    sin=ag.sin,
    cos=ag.cos,
    tanh=ag.tanh,
    sigmoid=ag.sigmoid,
    softplus=ag.softplus,
)
SP = SimpleNamespace(
    exp=sp.exp,
    log=sp.log,
    sqrt=sp.sqrt,
    sin=sp.sin,
    cos=sp.cos,
    tanh=sp.tanh,
    sigmoid=lambda t: 1 / (1 + sp.exp(-t)),
    softplus=lambda t: sp.log(1 + sp.exp(t)),
)


def torch_ns(torch):
    return SimpleNamespace(
        exp=torch.exp,
        log=torch.log,
        sqrt=torch.sqrt,
        sin=torch.sin,
        cos=torch.cos,
        tanh=torch.tanh,
        sigmoid=torch.sigmoid,
        softplus=torch.nn.functional.softplus,
    )


X, Y, Z = SYMBOLS = sp.symbols("x y z", real=True)

UNARY = {
    "poly": lambda x, m: 3 * x**4 - 2 * x**3 + x / 2 - 5,
    "exp": lambda x, m: m.exp(x * x / 2) - x,
    "tanh": lambda x, m: m.tanh(x),
    "x_sin": lambda x, m: m.sin(x) * x,
    "sigmoid": lambda x, m: m.sigmoid(x),
    "log": lambda x, m: m.log(1 + x * x),
    "quotient": lambda x, m: m.sqrt(x * x + 1) / (x + 3),
    "softplus": lambda x, m: m.softplus(2 * x),
    "cos_squared": lambda x, m: m.cos(x) ** 2,
}
UNARY_POINTS = [-1.3, 0.4, 2.1]

BINARY = {
    "pow": lambda x, y, m: x**y,
    "sin_xy": lambda x, y, m: m.sin(x * y) + x**2 * y,
    "tanh_sigmoid": lambda x, y, m: m.tanh(x) * m.sigmoid(y) / (1 + x * x),
    "exp_quotient": lambda x, y, m: m.exp(x - y) / (x + y * y),
}
BINARY_POINTS = [(1.5, 2.2), (0.7, -0.8)]

TOL = {"rel": 1e-9, "abs": 1e-12}


def approx(expected):
    return pytest.approx(expected, **TOL)


def num(expr, *point):
    """A SymPy expression in x, y, z evaluated at `point` (exact binary floats) with 40 digits, as a float."""
    subs = {s: sp.Float(v, 40) for s, v in zip(SYMBOLS, point, strict=False)}
    return float(sp.sympify(expr).evalf(40, subs=subs))


@functools.cache
def unary_derivative(name, order):
    return sp.diff(UNARY[name](X, SP), X, order)


@functools.cache
def binary_expr(name):
    return BINARY[name](X, Y, SP)


# --- grad


@pytest.mark.parametrize("point", UNARY_POINTS)
@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("order", [1, 2, 3])
def test_nested_grad_matches_sympy(name, order, point):
    f = functools.partial(UNARY[name], m=AG)
    for _ in range(order):
        f = grad(f)
    result = f(point)
    assert type(result) is float
    assert result == approx(num(unary_derivative(name, order), point))


@pytest.mark.parametrize("argnums", [0, 1, -1, -2])
@pytest.mark.parametrize("point", BINARY_POINTS)
@pytest.mark.parametrize("name", BINARY)
def test_grad_argnums_int(name, point, argnums):
    result = grad(functools.partial(BINARY[name], m=AG), argnums=argnums)(*point)
    assert type(result) is float
    assert result == approx(num(sp.diff(binary_expr(name), SYMBOLS[argnums % 2]), *point))


@pytest.mark.parametrize("argnums", [(0, 1), (1, 0), (-1, 0), (1,)])
@pytest.mark.parametrize("name", BINARY)
def test_grad_argnums_tuple(name, argnums):
    point = BINARY_POINTS[0]
    result = grad(functools.partial(BINARY[name], m=AG), argnums=argnums)(*point)
    assert type(result) is tuple
    assert len(result) == len(argnums)
    for i, r in zip(argnums, result, strict=True):
        assert type(r) is float
        assert r == approx(num(sp.diff(binary_expr(name), SYMBOLS[i % 2]), *point))


@pytest.mark.parametrize("argnums", [2, 5, -3, (0, 2), (-3,), (1, -3), [0], 0.0, True, ("0",)])
def test_grad_bad_argnums_raises_value_error(argnums):
    with pytest.raises(ValueError, match="argnums"):
        grad(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)


def test_grad_empty_argnums_raises_value_error():
    with pytest.raises(ValueError, match="argnums"):
        grad(lambda x, y: x * y, argnums=())(1.0, 2.0)


@pytest.mark.parametrize("make_output", [lambda x: [x, x * x], lambda x: (x.exp(),), lambda x: []])
def test_grad_of_sequence_output_points_to_jacobian(make_output):
    with pytest.raises(TypeError, match="jacobian"):
        grad(make_output)(1.5)
    with pytest.raises(TypeError, match="jacobian"):
        value_and_grad(make_output)(1.5)


MIXED = [
    pytest.param(0, 0, id="xx"),
    pytest.param(1, 1, id="yy"),
    pytest.param(0, (0, 1), id="x_then_xy"),
    pytest.param(1, (0, 1), id="y_then_xy"),
    # The inner grad differentiates an argument the outer one does not: it must still return Values.
    pytest.param(0, 1, id="xy"),
    pytest.param(1, 0, id="yx"),
]


@pytest.mark.parametrize(("inner", "outer"), MIXED)
@pytest.mark.parametrize("point", BINARY_POINTS)
@pytest.mark.parametrize("name", BINARY)
def test_nested_grad_mixed_partials(name, point, inner, outer):
    result = grad(grad(functools.partial(BINARY[name], m=AG), argnums=inner), argnums=outer)(*point)
    first = sp.diff(binary_expr(name), SYMBOLS[inner])
    if isinstance(outer, tuple):
        expected = tuple(num(sp.diff(first, SYMBOLS[o]), *point) for o in outer)
        assert all(type(r) is float for r in result)
        assert result == pytest.approx(expected, **TOL)
    else:
        assert type(result) is float
        assert result == approx(num(sp.diff(first, SYMBOLS[outer]), *point))


@pytest.mark.parametrize("name", ["poly", "tanh", "x_sin", "sigmoid"])
def test_grad_called_with_values_returns_differentiable_values(name):
    point = 0.4
    x = Value(point, label="x")
    d = grad(functools.partial(UNARY[name], m=AG))(x)
    assert isinstance(d, Value)
    assert d.data == approx(num(unary_derivative(name, 1), point))
    assert x.grad == 0.0
    d.backward()
    assert x.grad == approx(num(unary_derivative(name, 2), point))


def test_grad_inside_another_transform_returns_values():
    seen = []

    def df(x, y):
        d = grad(lambda a, b: a**3 * b.sin(), argnums=(0, 1))(x, y)
        seen.append(d)
        return d[0] + d[1]

    point = (0.9, 0.3)
    result = grad(df, argnums=(0, 1))(*point)
    assert len(seen) == 1
    assert all(isinstance(d, Value) for d in seen[0])
    inner = X**3 * sp.sin(Y)
    g = sp.diff(inner, X) + sp.diff(inner, Y)
    assert result == pytest.approx((num(sp.diff(g, X), *point), num(sp.diff(g, Y), *point)), **TOL)


def test_nested_grad_through_closure():
    # d/dx [ d/dy (x·y) ] = d/dx x = 1
    assert grad(lambda x: grad(lambda y: x * y)(2.0))(3.0) == 1.0


# --- value_and_grad


@pytest.mark.parametrize("point", UNARY_POINTS)
@pytest.mark.parametrize("name", UNARY)
def test_value_and_grad_numbers(name, point):
    value, slope = value_and_grad(functools.partial(UNARY[name], m=AG))(point)
    assert type(value) is float
    assert type(slope) is float
    assert value == approx(num(unary_derivative(name, 0), point))
    assert slope == approx(num(unary_derivative(name, 1), point))


@pytest.mark.parametrize("argnums", [(0, 1), (1,), -1])
def test_value_and_grad_argnums(argnums):
    point = BINARY_POINTS[1]
    value, grads = value_and_grad(functools.partial(BINARY["exp_quotient"], m=AG), argnums=argnums)(*point)
    expr = binary_expr("exp_quotient")
    assert value == approx(num(expr, *point))
    if isinstance(argnums, tuple):
        assert grads == pytest.approx(tuple(num(sp.diff(expr, SYMBOLS[i]), *point) for i in argnums), **TOL)
    else:
        assert grads == approx(num(sp.diff(expr, SYMBOLS[argnums % 2]), *point))


def test_value_and_grad_with_values_returns_values():
    x = Value(0.6, label="x")
    value, slope = value_and_grad(lambda t: t.tanh() * t)(x)
    assert isinstance(value, Value)
    assert isinstance(slope, Value)
    assert value.data == approx(math.tanh(0.6) * 0.6)
    assert slope.data == approx(num(sp.diff(sp.tanh(X) * X, X), 0.6))


# --- functions that do not depend on the argument


@pytest.mark.parametrize(
    "f",
    [
        pytest.param(lambda x: 3.0, id="float"),
        pytest.param(lambda x: 7, id="int"),
        pytest.param(lambda x: Value(2.0) * Value(4.0), id="other_values"),
        pytest.param(lambda x: x.detach() * 2, id="detached"),
        pytest.param(grad(lambda x: 2 * x + 1), id="grad_of_linear"),
        pytest.param(grad(grad(lambda x: x)), id="second_derivative_of_identity"),
    ],
)
def test_grad_of_constant_function_is_zero(f):
    result = grad(f)(1.25)
    assert type(result) is float
    assert result == 0.0


def test_grad_wrt_unused_argument_is_zero():
    assert grad(lambda x, y: y * y, argnums=0)(1.0, 2.0) == 0.0
    assert grad(lambda x, y: y * y, argnums=(0, 1))(1.0, 2.0) == (0.0, 4.0)
    assert value_and_grad(lambda x: 7)(1.0) == (7.0, 0.0)


# --- transforms leave user-owned .grad alone

W0 = 1.7


def _transforms(w, h):
    f = lambda x, y: x * w + h * ag.sin(y) + w**2  # noqa: E731
    return {
        "grad": (lambda: grad(f)(2.0, 0.5), W0),
        "grad_tuple": (lambda: grad(f, (0, 1))(2.0, 0.5), (W0, 3 * W0 * math.cos(0.5))),
        "value_and_grad": (lambda: value_and_grad(f)(2.0, 0.5)[1], W0),
        "jacobian": (lambda: jacobian(f)(2.0, 0.5), [W0, 3 * W0 * math.cos(0.5)]),
        "hessian": (lambda: hessian(f)(2.0, 0.5), [[0.0, 0.0], [0.0, -3 * W0 * math.sin(0.5)]]),
        "grad_grad": (lambda: grad(grad(f, 1), 1)(2.0, 0.5), -3 * W0 * math.sin(0.5)),
        "grad_of_value": (lambda: grad(f)(Value(2.0), Value(0.5)).data, W0),
    }


@pytest.mark.parametrize("transform", list(_transforms(None, None)))
@pytest.mark.parametrize("prior_grad", [0.0, 0.25])
def test_transforms_do_not_touch_user_grads(transform, prior_grad):
    w = Value(W0, label="w")
    h = w * 3  # a user-owned intermediate node
    w.grad = h.grad = prior_grad
    call, expected = _transforms(w, h)[transform]
    result = call()
    if transform == "hessian":  # pytest.approx does not take nested lists
        for row, expected_row in zip(result, expected, strict=True):
            assert row == pytest.approx(expected_row, **TOL)
    else:
        assert result == pytest.approx(expected, **TOL)
    assert w.grad == prior_grad
    assert h.grad == prior_grad


def test_grad_does_not_touch_grad_of_value_arguments():
    x = Value(0.3, label="x")
    x.grad = 0.5
    assert grad(lambda t: t.exp())(x).data == approx(math.exp(0.3))
    assert x.grad == 0.5


# --- jacobian

VECTOR = {
    "polar": (lambda r, t, m: [r * m.cos(t), r * m.sin(t)], (1.3, 0.7)),
    "three_by_two": (lambda x, y, m: (x * y, m.sin(x) + y, m.exp(x * y) / (1 + y * y)), (0.4, -1.1)),
    "two_by_three": (lambda x, y, z, m: [x * y * z, m.tanh(x - z) + y**2], (0.5, 1.5, -0.3)),
    "one_by_two": (lambda x, y, m: [m.sigmoid(x * y)], (0.2, 2.0)),
    "unused_input": (lambda x, y, z, m: [x**3, m.log(x) * z], (1.2, 9.0, 0.8)),
}


def _vector_case(name, m):
    f, point = VECTOR[name]
    return functools.partial(f, m=m), point


@pytest.mark.parametrize("name", VECTOR)
def test_jacobian_matches_sympy(name):
    f, point = _vector_case(name, AG)
    n = len(point)
    exprs = VECTOR[name][0](*SYMBOLS[:n], m=SP)
    expected = sp.Matrix(list(exprs)).jacobian(list(SYMBOLS[:n]))
    jac = jacobian(f)(*point)
    assert type(jac) is list
    assert len(jac) == len(exprs)
    for i, row in enumerate(jac):
        assert type(row) is list
        assert len(row) == n
        assert all(type(entry) is float for entry in row)
        assert row == pytest.approx([num(expected[i, j], *point) for j in range(n)], **TOL)


def test_jacobian_of_constant_output_row_is_zero():
    jac = jacobian(lambda x, y: [x * y, 2.5, 4])(2.0, 3.0)
    assert jac == [[3.0, 2.0], [0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("name", BINARY)
def test_jacobian_of_scalar_function_is_gradient_list(name):
    point = BINARY_POINTS[0]
    jac = jacobian(functools.partial(BINARY[name], m=AG))(*point)
    assert type(jac) is list
    assert all(type(entry) is float for entry in jac)
    assert jac == pytest.approx([num(sp.diff(binary_expr(name), s), *point) for s in (X, Y)], **TOL)


@pytest.mark.parametrize("name", VECTOR)
def test_jacobian_matches_torch(name):
    torch = pytest.importorskip("torch")
    f, point = _vector_case(name, AG)
    tf, _ = _vector_case(name, torch_ns(torch))
    inputs = tuple(torch.tensor(p, dtype=torch.float64) for p in point)
    expected = torch.autograd.functional.jacobian(lambda *xs: tuple(tf(*xs)), inputs)
    jac = jacobian(f)(*point)
    for row, torch_row in zip(jac, expected, strict=True):
        assert row == pytest.approx([t.item() for t in torch_row], **TOL)


# --- hessian

SCALAR = {
    **{name: (f, BINARY_POINTS[0]) for name, f in BINARY.items()},
    "three_vars": (lambda x, y, z, m: x * y * z + m.sin(x) * m.exp(y) - z**3 / (1 + x * x), (0.3, -0.4, 1.1)),
    "constant_gradient_entry": (lambda x, y, m: x + y * y, (0.5, -2.0)),
    "unused_argument": (lambda x, y, m: y**3, (4.0, 1.5)),
    "softplus_cos": (lambda x, y, m: m.softplus(x) * m.cos(y - x), (-0.6, 0.9)),
}


@pytest.mark.parametrize("name", SCALAR)
def test_hessian_matches_sympy(name):
    f, point = SCALAR[name]
    n = len(point)
    expected = sp.hessian(f(*SYMBOLS[:n], m=SP), SYMBOLS[:n])
    hess = hessian(functools.partial(f, m=AG))(*point)
    assert len(hess) == n
    for i, row in enumerate(hess):
        assert type(row) is list
        assert all(type(entry) is float for entry in row)
        assert row == pytest.approx([num(expected[i, j], *point) for j in range(n)], **TOL)


@pytest.mark.parametrize("name", SCALAR)
def test_hessian_matches_torch(name):
    torch = pytest.importorskip("torch")
    f, point = SCALAR[name]
    ns = torch_ns(torch)
    inputs = tuple(torch.tensor(p, dtype=torch.float64) for p in point)
    expected = torch.autograd.functional.hessian(lambda *xs: f(*xs, m=ns), inputs)
    hess = hessian(functools.partial(f, m=AG))(*point)
    for row, torch_row in zip(hess, expected, strict=True):
        assert row == pytest.approx([t.item() for t in torch_row], **TOL)


# --- Value.backward(create_graph=True)


@pytest.mark.parametrize("point", UNARY_POINTS)
@pytest.mark.parametrize("name", UNARY)
def test_backward_create_graph_higher_derivatives(name, point):
    x = Value(point, label="x")
    UNARY[name](x, AG).backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value)
    assert first.data == approx(num(unary_derivative(name, 1), point))

    x.grad = 0.0
    first.backward(create_graph=True)
    second = x.grad
    assert isinstance(second, Value)
    assert second.data == approx(num(unary_derivative(name, 2), point))

    x.grad = 0.0
    second.backward()
    assert type(x.grad) is float
    assert x.grad == approx(num(unary_derivative(name, 3), point))


@pytest.mark.parametrize("point", BINARY_POINTS)
@pytest.mark.parametrize("name", BINARY)
def test_backward_create_graph_mixed_partials(name, point):
    x, y = Value(point[0], label="x"), Value(point[1], label="y")
    BINARY[name](x, y, AG).backward(create_graph=True)
    gx, gy = x.grad, y.grad
    expr = binary_expr(name)
    assert gx.data == approx(num(sp.diff(expr, X), *point))
    assert gy.data == approx(num(sp.diff(expr, Y), *point))
    for g, wrt in ((gx, X), (gy, Y)):
        x.grad = y.grad = 0.0
        g.backward()
        assert x.grad == approx(num(sp.diff(expr, wrt, X), *point))
        assert y.grad == approx(num(sp.diff(expr, wrt, Y), *point))


@pytest.mark.parametrize("point", UNARY_POINTS)
@pytest.mark.parametrize("name", UNARY)
def test_backward_create_graph_matches_torch_autograd_grad(name, point):
    torch = pytest.importorskip("torch")
    t = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    (t_first,) = torch.autograd.grad(UNARY[name](t, torch_ns(torch)), t, create_graph=True)
    (t_second,) = torch.autograd.grad(t_first, t)

    x = Value(point)
    UNARY[name](x, AG).backward(create_graph=True)
    first = x.grad
    x.grad = 0.0
    first.backward()
    assert first.data == approx(t_first.item())
    assert x.grad == approx(t_second.item())


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("name", ["poly", "x_sin", "quotient"])
def test_backward_create_graph_accumulates_like_torch(name):
    # Without zeroing, the second backward adds f'' to the leaf's grad (which holds f'), as in PyTorch.
    torch = pytest.importorskip("torch")
    t = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)
    UNARY[name](t, torch_ns(torch)).backward(create_graph=True)
    t.grad.backward()

    x = Value(0.4)
    UNARY[name](x, AG).backward(create_graph=True)
    x.grad.backward()
    assert isinstance(x.grad, Value)
    assert x.grad.data == approx(t.grad.item())
    assert x.grad.data == approx(num(unary_derivative(name, 1) + unary_derivative(name, 2), 0.4))
