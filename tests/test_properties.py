"""Property tests: random expression graphs (DAGs over 2–3 leaves), checked against SymPy and finite differences.

A drawn `Program` is a straight-line list of steps; each step applies an op to earlier nodes (leaves or steps),
so nodes are reused freely and gradients must accumulate over several paths. The same program is run on three
backends: engine Values, SymPy symbols (exact derivatives) and plain floats (central finite differences).
Every op is safe on all reals (log(softplus(u) + 1), sqrt(u·u + 1), ...), so no draw is filtered for its domain.
"""

import math
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value


def _sympy_piecewise(pos, neg):
    return lambda u: sympy.Piecewise((pos(u), u > 0), (neg(u), True))


ENGINE = autograd  # its module functions take Values
SYMPY = SimpleNamespace(
    exp=sympy.exp,
    log=sympy.log,
    sqrt=sympy.sqrt,
    tanh=sympy.tanh,
    sin=sympy.sin,
    cos=sympy.cos,
    abs=sympy.Abs,
    sigmoid=lambda u: 1 / (1 + sympy.exp(-u)),
    softplus=lambda u: sympy.log(1 + sympy.exp(u)),
    relu=_sympy_piecewise(lambda u: u, lambda u: 0),
    leaky_relu=lambda u, alpha: _sympy_piecewise(lambda u: u, lambda u: alpha * u)(u),
    elu=lambda u, alpha: _sympy_piecewise(lambda u: u, lambda u: alpha * (sympy.exp(u) - 1))(u),
    sum=lambda items: sympy.Add(*items),
)


class Floats(SimpleNamespace):
    """Plain-float math, recording how close any kinked op's input came to its kink and the largest magnitude."""

    def __init__(self):
        super().__init__(
            exp=math.exp,
            log=math.log,
            sqrt=math.sqrt,
            tanh=math.tanh,
            sin=math.sin,
            cos=math.cos,
            sigmoid=lambda u: 1 / (1 + math.exp(-u)) if u >= 0 else math.exp(u) / (1 + math.exp(u)),
            softplus=lambda u: max(u, 0.0) + math.log1p(math.exp(-abs(u))),
            sum=math.fsum,
        )
        self.kink_distance = math.inf

    def _kink(self, u):
        self.kink_distance = min(self.kink_distance, abs(u))
        return u > 0

    def abs(self, u):
        return u if self._kink(u) else -u

    def relu(self, u):
        return u if self._kink(u) else 0.0

    def leaky_relu(self, u, alpha):
        return u if self._kink(u) else alpha * u

    def elu(self, u, alpha):
        return u if self._kink(u) else alpha * math.expm1(u)


# name -> (arity, op). Each op works on every backend B and is defined (and smooth off kinks) for all real inputs.
OPS = {
    "add": (2, lambda B, u, v: u + v),
    "sub": (2, lambda B, u, v: u - v),
    "mul": (2, lambda B, u, v: u * v),
    "div": (2, lambda B, u, v: u / (v * v + 1)),
    "rdiv": (1, lambda B, u: 2.0 / (B.softplus(u) + 0.5)),  # number / Value
    "pow": (2, lambda B, u, v: (B.sigmoid(u) + 0.5) ** B.tanh(v)),  # Value ** Value
    "rpow": (1, lambda B, u: 2.0 ** B.sin(u)),  # number ** Value
    "affine": (1, lambda B, u: 1.5 - 0.5 * u),
    "neg": (1, lambda B, u: -u),
    "square": (1, lambda B, u: u**2),
    "cube": (1, lambda B, u: u**3),
    "inv_pow": (1, lambda B, u: (u * u + 1) ** -1.5),
    "exp": (1, lambda B, u: B.exp(B.tanh(u))),
    "log": (1, lambda B, u: B.log(B.softplus(u) + 1)),
    "sqrt": (1, lambda B, u: B.sqrt(u * u + 1)),
    "tanh": (1, lambda B, u: B.tanh(u)),
    "sigmoid": (1, lambda B, u: B.sigmoid(u)),
    "softplus": (1, lambda B, u: B.softplus(u)),
    "sin": (1, lambda B, u: B.sin(u)),
    "cos": (1, lambda B, u: B.cos(u)),
    "abs": (1, lambda B, u: B.abs(u)),
    "relu": (1, lambda B, u: B.relu(u)),
    "leaky_relu": (1, lambda B, u: B.leaky_relu(u, alpha=0.1)),
    "elu": (1, lambda B, u: B.elu(u, alpha=0.5)),
    "sum": (3, lambda B, u, v, w: B.sum([u, v, 1.25, w])),  # one n-ary node, with a constant folded in
}


@dataclass(frozen=True)
class Program:
    leaves: tuple  # the leaf values x0, x1, (x2)
    steps: tuple  # (op name, indices of earlier nodes); node i < len(leaves) is a leaf

    def run(self, backend, leaves):
        nodes = list(leaves)
        for name, args in self.steps:
            nodes.append(OPS[name][1](backend, *(nodes[i] for i in args)))
        return nodes[-1]


@st.composite
def programs(draw, max_steps=6):
    n = draw(st.integers(2, 3))
    leaves = tuple(draw(st.lists(st.floats(-2, 2), min_size=n, max_size=n)))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from(sorted(OPS)))
        # Operands from anywhere before, biased to the latest node so programs are deep as well as wide.
        args = tuple(draw(st.one_of(st.just(n + k - 1), st.integers(0, n + k - 1))) for _ in range(OPS[name][0]))
        steps.append((name, args))
    return Program(leaves, tuple(steps))


def engine_value_and_grads(program):
    xs = [Value(x) for x in program.leaves]
    out = program.run(ENGINE, xs)
    out.backward()
    return out.data, [x.grad for x in xs]


def float_run(program, leaves):
    floats = Floats()
    return program.run(floats, leaves), floats.kink_distance


FD_STEP = 1e-6


def smooth_and_moderate(program):
    """Skip draws whose value is huge, or that pass within reach of FD's step of a kink (relu, abs, ...)."""
    value, kink_distance = float_run(program, program.leaves)
    return abs(value) < 1e6 and kink_distance > 1e3 * FD_STEP


SETTINGS = settings(max_examples=120, deadline=None)


@SETTINGS
@given(programs())
def test_random_graphs_match_sympy(program):
    """Value and every leaf's gradient equal SymPy's exact derivative, evaluated to 30 digits."""
    assume(smooth_and_moderate(program))
    symbols = sympy.symbols(f"x:{len(program.leaves)}", real=True)
    expr = program.run(SYMPY, symbols)
    point = {s: sympy.Float(x, 30) for s, x in zip(symbols, program.leaves, strict=True)}

    def at(e):
        return float(sympy.sympify(e).subs(point).evalf(30))

    value, grads = engine_value_and_grads(program)
    assert value == pytest.approx(at(expr), rel=1e-9, abs=1e-9), expr
    assert grads == pytest.approx([at(sympy.diff(expr, s)) for s in symbols], rel=1e-9, abs=1e-9), expr


@SETTINGS
@given(programs())
def test_random_graphs_match_finite_differences(program):
    """Every leaf's gradient equals a central difference of the same program run on plain floats."""
    assume(smooth_and_moderate(program))
    value, grads = engine_value_and_grads(program)
    assert value == pytest.approx(float_run(program, program.leaves)[0], rel=1e-12, abs=1e-12)
    scale = max(1.0, abs(value))  # FD's rounding error grows with |f|
    for i, x in enumerate(program.leaves):
        h = FD_STEP * max(1.0, abs(x))
        plus, minus = list(program.leaves), list(program.leaves)
        plus[i] += h
        minus[i] -= h
        numeric = (float_run(program, plus)[0] - float_run(program, minus)[0]) / (2 * h)
        assert grads[i] == pytest.approx(numeric, rel=1e-6, abs=1e-6 * scale), (i, program)


@settings(max_examples=60, deadline=None)
@given(st.floats(-2, 2), st.floats(-2, 2), st.integers(1, 6))
def test_shared_subexpression_contributions_add_up(x, y, copies):
    """f = Σ_k (x·y + sin x) over one shared node, used `copies` times: ∂f/∂x = copies·(y + cos x)."""
    vx, vy = Value(x), Value(y)
    shared = vx * vy + vx.sin()
    out = autograd.sum([shared] * copies) * shared
    out.backward()
    # f = copies · s², s = x·y + sin x: ∂f/∂x = 2·copies·s·(y + cos x), ∂f/∂y = 2·copies·s·x.
    s = x * y + math.sin(x)
    assert vx.grad == pytest.approx(2 * copies * s * (y + math.cos(x)), rel=1e-12, abs=1e-12)
    assert vy.grad == pytest.approx(2 * copies * s * x, rel=1e-12, abs=1e-12)


# --- the order backward walks: random DAGs with chains of one-parent nodes, fan-out, n-ary nodes and many roots


@st.composite
def graph_shapes(draw):
    """A straight-line program of node shapes: ('unary', i), ('binary', i, j) or ('nary', [i, …]) over earlier
    nodes (0 and 1 are leaves), and which nodes are the roots."""
    steps = []
    for k in range(draw(st.integers(1, 40))):
        earlier = st.integers(0, k + 1)
        kind = draw(st.sampled_from(["unary", "unary", "unary", "binary", "nary"]))
        if kind == "unary":
            steps.append((kind, draw(earlier)))
        elif kind == "binary":
            steps.append((kind, draw(earlier), draw(earlier)))
        else:
            steps.append((kind, draw(st.lists(earlier, min_size=1, max_size=5))))
    roots = draw(st.lists(st.integers(0, len(steps) + 1), min_size=1, max_size=3))
    return steps, roots


def _build(shape):
    steps, roots = shape
    nodes = [Value(1.5, label="a"), Value(-0.5, label="b")]
    for step in steps:
        if step[0] == "unary":
            nodes.append(nodes[step[1]] * 0.5)
        elif step[0] == "binary":
            nodes.append(nodes[step[1]] * nodes[step[2]])
        else:
            nodes.append(autograd.sum(nodes[i] for i in step[1]))
    return [nodes[i] for i in roots]


def _reachable(roots):
    seen, stack = set(), list(roots)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(node.parents)
    return seen


@settings(max_examples=300, deadline=None)
@given(graph_shapes())
def test_orders_hold_every_reachable_node_once_after_its_parents(shape):
    roots = _build(shape)
    reachable = _reachable(roots)
    for order, expected in (
        (autograd.topological_order(roots), reachable),
        (autograd.graph.inner_order(roots), {n for n in reachable if n.parents}),
    ):
        assert len(order) == len(set(order)) and set(order) == expected
        position = {node: i for i, node in enumerate(order)}
        assert all(position[p] < position[n] for n in order for p in n.parents if p in position)
    # Backward over this order gives what the dict of gradients gives.
    root = autograd.sum(roots)
    if root.parents:  # the fast path's order is the plain one, node for node
        assert autograd.fastpath.inner_order(root) == autograd.graph.inner_order(root)
    expected_grads = autograd.gradients(root)
    root.backward()
    assert all(node.grad == pytest.approx(g, rel=1e-12) for node, g in expected_grads.items())
