"""The fast path (fastpath.py) against the reference chain rule (`autograd.gradients`), on the whole op table.

Every op registered in ops.py and fused.py is built into a small graph that uses a subexpression twice, with
plain-number operands on either side and fused nodes with each activation. The fast path's `.grad` must equal
the reference's gradients to 1e-12 on every node, and so must second derivatives: the gradient built with
`create_graph=True`, differentiated again by each path.
"""

import contextlib

import pytest

import autograd
from autograd import Value, math_ops, ops
from autograd.custom import user_op_rule
from autograd.value import binary, unary

CLOSE = {"rel": 1e-12, "abs": 1e-12}
POINTS = [(0.7, 1.3), (-0.6, 1.9)]  # x·y changes sign between them: both branches of relu, abs, elu, …
CONSTANT = 1.7
# defined for x > 0 (and 0): they get u = x·y + 2 > 0
POSITIVE_ONLY = {ops.LOG, ops.SQRT, math_ops.LOG1P, math_ops.LOG2, math_ops.LOG10}
INSIDE_ONE = {math_ops.ASIN, math_ops.ACOS, math_ops.ATANH}  # defined for |x| < 1: they get x·y/2 (0.455, −0.57)
PARAMS = {ops.LEAKY_RELU: 0.1, ops.ELU: 1.5, math_ops.CLAMP: (-1.0, 1.0)}  # clamp: x·y is inside, then below


def unary_graph(op):
    def build(x, y):
        u = x * y + 2.0  # used by the op and again below: a shared subexpression
        if op in POSITIVE_ONLY:
            arg = u
        elif op in INSIDE_ONE:
            arg = (u - 2.0) * 0.5
        elif op is math_ops.ACOSH:  # defined for x >= 1
            arg = u + 1.0
        else:
            arg = u - 2.0
        v = unary(arg, op, PARAMS.get(op))
        return v * u + v * x

    return build


def where_graph(op):
    """where(x·y > 0, …): each point takes the other branch, and each branch is a graph of x and y."""

    def build(x, y):
        u = x * y + 2.0
        v = autograd.where(x * y > 0, u * x, u * y)
        return v * u + v * x

    return build


GRAPHS = {math_ops.WHERE: where_graph}  # ops that are not one-input: their own graph
OP_TABLE = {**vars(ops), **vars(math_ops)}  # ops.py and math_ops.py: every op in the table


def binary_graph(op, variant):
    def build(x, y):
        u = x * y + 2.0  # > 0, so a base or divisor
        b = y + 0.5
        if variant == "values":
            out = binary(u, op, b)
        elif variant == "right":
            out = binary(u, op, CONSTANT)
        else:
            out = binary(CONSTANT, op, u)
        return out * u + out

    return build


def power_with_integer_exponent(x, y):
    u = x * y + 2.0
    return u**2 * u + u**-1


def sums(x, y):
    u = x * y
    return autograd.sum([x, u, y, u]) * autograd.sum([u, 2.5, x])


def dot_graph(activation, constants, bias):
    def build(x, y):
        u = x * y - 0.3
        ws = [x, u, y]
        xs = [0.5, -1.5, 2.0] if constants else [u, y, x]
        b = u + 0.2 if bias else None
        n = autograd.dot(ws, xs, b, activation=activation)
        return n * u + autograd.dot([n, u], [1.5, n])

    return build


def layer_graph(activation):
    def build(x, y):
        u = x * y
        rows = [[x, u], [u, y], [y, x]]
        outs = autograd.linear(rows, [u, x], [y, None, u], activation)
        return autograd.sum(outs) * outs[0]

    return build


def user_ops_graph(x, y):
    """Ops the micrograd way, one with a parent listed twice, in a graph with built-in ops."""
    square = Value(x.data * x.data, (x, x), "x·x")

    def square_backward():
        x.grad += x.data * square.grad
        x.grad += x.data * square.grad  # once per listed parent, as micrograd's a * a does

    square._backward = square_backward
    u = square * y + x
    cube = Value(u.data**3, (u,), "**3")

    def cube_backward():
        u.grad += 3 * u.data**2 * cube.grad

    cube._backward = cube_backward
    return cube * u + square


CASES = (
    [pytest.param(GRAPHS.get(op, unary_graph)(op), id=op.name) for op in OP_TABLE.values() if isinstance(op, ops.Op)]
    + [
        pytest.param(binary_graph(op, variant), id=f"{name}-{variant}")
        for name, op in OP_TABLE.items()
        if isinstance(op, ops.BinaryOp)
        for variant in ("values", "right", "left")
    ]
    + [pytest.param(power_with_integer_exponent, id="**2-and-**-1"), pytest.param(sums, id="sum")]
    + [
        pytest.param(dot_graph(activation, constants, bias), id=f"{activation}-dot-{constants=}-{bias=}")
        for activation in (None, *autograd.FUSED_ACTIVATIONS)
        for constants in (False, True)
        for bias in (False, True)
    ]
    + [pytest.param(layer_graph(a), id=f"{a}-linear") for a in (None, *autograd.FUSED_ACTIVATIONS)]
)


def leaves_at(point):
    return [Value(v, label=name) for v, name in zip(point, "xy", strict=True)]


def assert_fast_equals_reference(out):
    """Backward's fast path sets on every node the gradient the reference gives."""
    reference = autograd.gradients(out)
    out.backward()
    for node, g in reference.items():
        assert node.grad == pytest.approx(g, **CLOSE), node.op or node.label


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("build", CASES)
def test_first_derivatives_agree(build, point):
    assert_fast_equals_reference(build(*leaves_at(point)))


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("build", CASES)
def test_second_derivatives_agree(build, point):
    x, y = leaves_at(point)
    first = autograd.gradients(build(x, y), create_graph=True)
    for leaf in (x, y):
        gradient = first[leaf]  # a Value: ∂out/∂leaf, itself a graph
        reference = autograd.gradients(gradient)
        x.grad = y.grad = 0.0
        gradient.backward()
        for other in (x, y):
            assert other.grad == pytest.approx(reference.get(other, 0.0), **CLOSE)


def test_the_cases_cover_every_op_in_the_op_table():
    covered = set()
    for case in CASES:
        for point in POINTS:
            covered |= {node._rule for node in autograd.topological_order(case.values[0](*leaves_at(point)))}
    assert set(ops.BY_RULE) - {user_op_rule} <= covered


@pytest.mark.parametrize("point", POINTS)
def test_micrograd_style_ops_agree_and_refuse_create_graph(point):
    assert_fast_equals_reference(user_ops_graph(*leaves_at(point)))
    x, y = leaves_at(point)
    u = x * x * y + x  # the same function from built-in ops: what the closures must give
    expected = autograd.gradients(u**3 * u + x * x)
    got = autograd.gradients(user_ops_graph(x, y))
    assert got[x] == pytest.approx(expected[x], **CLOSE) and got[y] == pytest.approx(expected[y], **CLOSE)
    with pytest.raises(TypeError, match=r"create_graph=True cannot differentiate through op '\*\*3'.*micrograd way"):
        autograd.gradients(user_ops_graph(x, y), create_graph=True)


@pytest.mark.parametrize("op", [ops.ADD, ops.SUB, ops.MUL, ops.DIV], ids=["+", "-", "*", "/"])
@pytest.mark.parametrize("mode", [None, "scope", "no_grad"])
def test_the_fast_operators_build_the_nodes_binary_builds(op, mode):
    x = Value(1.25, label="x")
    operator_of = {ops.ADD: Value.__add__, ops.SUB: Value.__sub__, ops.MUL: Value.__mul__, ops.DIV: Value.__truediv__}
    context = {None: contextlib.nullcontext(), "scope": autograd.scope("s"), "no_grad": autograd.no_grad()}[mode]
    with context:
        fast = [operator_of[op](x, other) for other in (0.75, 2, Value(0.5))]
        plain = [binary(x, op, other) for other in (0.75, 2, Value(0.5))]
    for a, b in zip(fast, plain, strict=True):
        assert (a.data, a.op, a.params, a.scope, len(a.parents)) == (b.data, b.op, b.params, b.scope, len(b.parents))
        assert a.parents[:1] == b.parents[:1] and a._parents.__class__ is b._parents.__class__
