"""micrograd's API on chaingrad's Value, exercised the way micrograd, its lecture and its forks write code.

The code here is our own, in their style: a hand-written `draw_dot`, manual `_backward()` steps, ops added with
`Value(data, (self,), 'op')` and a `_backward` closure, state kept on Values. Expected numbers come from calculus,
finite differences, and micrograd 0.1.0 itself where it is installed (it is in the dev extras).
"""

import math
import random

import pytest

import autograd
from autograd import Value
from nn import MLP, Neuron

CLOSE = {"rel": 1e-12, "abs": 1e-15}


# --- The constructor


def test_the_constructor_takes_micrograds_arguments_in_its_order():
    a = Value(2.0, label="a")
    b = Value(-1.5, (), "", "b")  # data, _children, _op, label: the lecture's positional order
    c = a * b
    assert (a.label, b.label, a._op, a._prev) == ("a", "b", "", set())
    assert (c._op, c._prev, c.label) == ("*", {a, b}, "")


def test_a_label_passed_where_the_children_go_says_how_to_name_a_value():
    with pytest.raises(TypeError, match=r"micrograd's _children.*Value\(2\.0, label='x'\)"):
        Value(2.0, "x")
    with pytest.raises(TypeError, match="_children must all be Values"):
        Value(2.0, (1.0, 2.0), "+")


def test_prev_is_the_set_of_parents_and_op_is_the_op_string():
    a = Value(3.0, label="a")
    b = a + a
    c = (b * 2).tanh() ** 2
    assert b._prev == {a} and b.parents == (a, a)
    assert [n._op for n in (a, b, c, c.parents[0])] == ["", "+", "**2", "tanh"]


# --- Drawing the graph by hand, through _prev and _op, as the lecture's draw_dot does


def trace(root):
    """All nodes and edges reachable from root, following _prev."""
    nodes, edges, stack = set(), set(), [root]
    while stack:
        v = stack.pop()
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                stack.append(child)
    return nodes, edges


def test_a_hand_written_trace_sees_micrograds_graph_of_a_neuron():
    random.seed(7)
    neuron = Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    out = neuron(x)
    out.backward()
    nodes, edges = trace(out)
    ops = sorted(n._op for n in nodes if n._op)
    # micrograd's own Neuron(2): two products, the sum with the bias, the ReLU (micrograd chains two '+' nodes)
    assert ops == ["*", "*", "relu", "sum"]
    assert len(nodes) == 9 and len(edges) == 8
    w1, w2 = neuron.w
    z = w1.data * 1.0 + w2.data * -2.0
    assert out.data == max(z, 0.0) and w2.grad == (-2.0 if z > 0 else 0.0)


def test_the_lecture_style_draw_dot_runs_on_chaingrad_values():
    graphviz = pytest.importorskip("graphviz")
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    L = (a * b + 1.0) * a
    L.label = "L"
    L.backward()
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(L)
    for n in nodes:
        uid = str(id(n))
        label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad)  # noqa: UP031 (the lecture's format)
        dot.node(name=uid, label=label, shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    # dL/da = 2ab + 1 = −11, dL/db = a² = 4
    assert "data -10.0000 | grad 1.0000" in dot.source and "{ a | data 2.0000 | grad -11.0000 }" in dot.source
    assert "{ b | data -3.0000 | grad 4.0000 }" in dot.source


# --- Stepping backward by hand with _backward, as the lecture does before writing backward()


def neuron_graph():
    x1, x2 = Value(1.5, label="x1"), Value(-0.5, label="x2")
    w1, w2 = Value(-1.0, label="w1"), Value(2.0, label="w2")
    b = Value(2.25, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    s = x1w1 + x2w2
    n = s + b
    o = n.tanh()
    return o, n, s, x1w1, x2w2, (x1, x2, w1, w2, b)


def test_calling_backward_by_hand_in_reverse_order_is_the_chain_rule():
    o, n, s, x1w1, x2w2, (x1, x2, w1, w2, b) = neuron_graph()
    o.grad = 1.0
    o._backward()
    assert n.grad == pytest.approx(1 - o.data**2, **CLOSE)  # do/dn = 1 − tanh²(n)
    n._backward()
    b._backward()  # a leaf: nothing to pass on
    s._backward()
    x2w2._backward()
    x1w1._backward()
    local = 1 - math.tanh(1.5 * -1.0 + -0.5 * 2.0 + 2.25) ** 2
    assert b.grad == pytest.approx(local, **CLOSE) and s.grad == pytest.approx(local, **CLOSE)
    assert (w1.grad, x1.grad) == (pytest.approx(1.5 * local, **CLOSE), pytest.approx(-1.0 * local, **CLOSE))
    assert (w2.grad, x2.grad) == (pytest.approx(-0.5 * local, **CLOSE), pytest.approx(2.0 * local, **CLOSE))
    by_hand = [v.grad for v in (o, n, s, x1w1, x2w2, x1, x2, w1, w2, b)]
    o, n, s, x1w1, x2w2, leaves = neuron_graph()
    o.backward()
    assert by_hand == [v.grad for v in (o, n, s, x1w1, x2w2, *leaves)]


def test_backward_by_hand_adds_a_second_time_as_micrograd_does():
    a = Value(3.0, label="a")
    b = a * a
    b.grad = 1.0
    b._backward()
    assert a.grad == 6.0  # both uses of a add: 3 + 3
    b._backward()
    assert a.grad == 12.0


# --- An op added the micrograd way: Value(data, children, op) and a _backward closure


def cube(self):
    out = Value(self.data**3, (self,), "**3")

    def _backward():
        self.grad += 3 * self.data**2 * out.grad

    out._backward = _backward
    return out


def hypot(a, b):
    out = Value(math.hypot(a.data, b.data), (a, b), "hypot")

    def _backward():
        a.grad += a.data / out.data * out.grad
        b.grad += b.data / out.data * out.grad

    out._backward = _backward
    return out


def test_a_user_op_backpropagates_with_the_built_in_ops():
    x, y = Value(0.8, label="x"), Value(-1.1, label="y")
    h = hypot(x, y)
    loss = cube(h * x + y) + h
    loss.backward()

    def f(a, b):
        r = math.hypot(a, b)
        return (r * a + b) ** 3 + r

    step = 1e-6
    assert x.grad == pytest.approx((f(0.8 + step, -1.1) - f(0.8 - step, -1.1)) / (2 * step), rel=1e-7)
    assert y.grad == pytest.approx((f(0.8, -1.1 + step) - f(0.8, -1.1 - step)) / (2 * step), rel=1e-7)
    assert (loss.op, loss.parents[0].op, h._prev) == ("+", "**3", {x, y})


def test_gradients_runs_a_user_op_without_touching_any_grad():
    x = Value(0.6, label="x")
    y = cube(x) * x + cube(x)  # the op's output is used twice
    x.grad = 5.0
    grads = autograd.gradients(y)
    assert grads[x] == pytest.approx(4 * 0.6**3 + 3 * 0.6**2, **CLOSE)
    assert x.grad == 5.0 and all(n.grad == 0.0 for n in autograd.topological_order(y) if n is not x)
    assert x.local_grads() == () and y.parents[1].local_grads() == (pytest.approx(3 * 0.6**2, **CLOSE),)


def test_create_graph_says_why_it_cannot_go_through_a_user_op():
    x = Value(0.6)
    with pytest.raises(TypeError, match=r"op '\*\*3'.*_backward closure adds floats.*chaingrad's ops"):
        cube(x).backward(create_graph=True)
    assert autograd.grad(lambda v: v**3)(0.6) == pytest.approx(3 * 0.6**2, **CLOSE)  # the built-in way works


def test_a_user_op_follows_no_grad_scope_and_detect_anomaly():
    x = Value(2.0)
    with autograd.no_grad():
        out = cube(x)
    assert (out.data, out.parents, out.op) == (8.0, (), "")
    with autograd.scope("mine"):
        assert cube(x).scope == "mine"
    with autograd.detect_anomaly(), pytest.raises(FloatingPointError, match="'blow-up' produced inf"):
        Value(math.inf, (x,), "blow-up")


def test_a_user_op_is_drawn_with_its_name_and_local_derivative():
    x = Value(0.5, label="x")
    y = cube(x)
    y.label = "y"
    y.backward()
    source = autograd.to_dot(y, show_local_grads=True).source
    assert 'label="**3"' in source and "0.7500" in source  # ∂y/∂x = 3·0.5² on the edge


def test_backward_refuses_to_replace_a_built_in_rule():
    y = Value(1.0) * 2
    with pytest.raises(AttributeError, match="op '\\*', whose rule chaingrad already has"):
        y._backward = lambda: None


# --- State on Values, as micrograd's forks keep it


def test_any_attribute_can_be_kept_on_a_value():
    p = Value(0.5)
    p.m, p.v, p._vis_color = 0.0, 0.0, "red"
    data, m, v = 0.5, 0.0, 0.0  # the same updates on plain floats: what the Value must end up holding
    for _ in range(3):  # an Adam-like update that keeps its moments on the parameter
        loss = p * p
        p.grad = 0.0
        loss.backward()
        p.m = 0.9 * p.m + 0.1 * p.grad
        p.v = 0.999 * p.v + 0.001 * p.grad**2
        p.data -= 0.1 * p.m / (math.sqrt(p.v) + 1e-8)
        g = 2 * data
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g**2
        data -= 0.1 * m / (math.sqrt(v) + 1e-8)
    assert (p.data, p.m, p.v, p._vis_color) == (pytest.approx(data, **CLOSE), pytest.approx(m), pytest.approx(v), "red")
    assert set(vars(p)) == {"m", "v", "_vis_color"} and (p * 2).__dict__ == {}


# --- micrograd's nn, seeded as micrograd's demo seeds it


def demo_losses(X, y, Value, MLP, steps):
    """The loss at each step of micrograd's demo loop (hinge loss + 1e-4·L2, SGD with a falling rate), seed 1337."""
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    losses = []
    for k in range(steps):
        scores = list(map(model, [list(map(Value, row)) for row in X]))
        data_loss = sum((1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)) * (1.0 / len(scores))
        total_loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        losses.append(total_loss.data)
    return losses


def test_micrograds_demo_step_gives_micrograds_numbers():
    micrograd_engine = pytest.importorskip("micrograd.engine")
    micrograd_nn = pytest.importorskip("micrograd.nn")
    X = [[math.cos(t / 5), math.sin(t / 5) - 0.25 * (t % 2)] for t in range(16)]
    y = [1 if t % 2 else -1 for t in range(16)]
    ours = demo_losses(X, y, Value, MLP, steps=5)
    theirs = demo_losses(X, y, micrograd_engine.Value, micrograd_nn.MLP, steps=5)
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_micrograds_published_demo_numbers():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    np = pytest.importorskip("numpy")
    np.random.seed(1337)  # micrograd's demo seeds both generators; make_moons draws from numpy's
    X, y = sklearn_datasets.make_moons(n_samples=100, noise=0.1)
    # what micrograd's demo.ipynb prints for steps 0, 1 and 2
    expected = [0.8958441028683222, 1.7235905336972022, 0.7429006313851131]
    assert demo_losses(X, y * 2 - 1, Value, MLP, steps=3) == pytest.approx(expected, rel=1e-12)
