"""Graph pictures: DOT from `to_dot`, SVG rendered by Graphviz's real `dot` and read back as XML, and `draw`."""

import contextlib
import math
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import autograd
from autograd import Value
from autograd.viz import GraphvizNotFoundError, draw, to_dot

GOLDEN = pathlib.Path(__file__).parent / "golden"
ROOT = pathlib.Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
HIGHLIGHT = "#ea580c"
# CI installs Graphviz, so there a missing `dot` fails these tests instead of skipping them.
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"), reason="Graphviz's dot is not installed"
)


# --- Reading rendered SVG


def render(graph):
    return ET.fromstring(graph.pipe(format="svg"))


def groups(svg, kind):
    """[(title, <g>)] for graphviz's node, edge or cluster groups, in document order."""
    return [(g.find(f"{SVG}title").text, g) for g in svg.iter(f"{SVG}g") if g.get("class") == kind]


def nodes(svg):
    return dict(groups(svg, "node"))


def texts(group):
    return [t.text.replace("\xa0", " ") for t in group.iter(f"{SVG}text")]


def shape(group):
    """The first drawn outline of a node or cluster (polygon, ellipse or path)."""
    return next(el for el in group.iter() if el.tag in (f"{SVG}polygon", f"{SVG}ellipse", f"{SVG}path"))


def bbox(group):
    """(x0, y0, x1, y1) around every outline and text anchor in a group."""
    xs, ys = [], []
    for el in group.iter():  # a node with a tooltip has its outline inside an <a>
        if el.tag == f"{SVG}ellipse":
            cx, cy, rx, ry = (float(el.get(k)) for k in ("cx", "cy", "rx", "ry"))
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
        elif el.tag in (f"{SVG}polygon", f"{SVG}polyline", f"{SVG}path"):
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", el.get("points") or el.get("d"))]
            xs += numbers[0::2]
            ys += numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def inside(inner, outer):
    a, b = bbox(inner), bbox(outer)
    return b[0] <= a[0] and b[1] <= a[1] and a[2] <= b[2] and a[3] <= b[3]


def names(root):
    """{Value: its DOT node name}: the documented naming, n<position in topological order>."""
    return {node: f"n{i}" for i, node in enumerate(autograd.topological_order(root))}


# --- Graphs to draw


def neuron():
    """The "Backpropagation & Gradient Descent" neuron after backward: x=2, w=3, b=1, a = σ(w·x + b), L = (a − 1)²."""
    x, w, b = Value(2.0, label="x"), Value(3.0, label="w"), Value(1.0, label="b")
    wx = w * x
    z = wx + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    e = a - 1.0
    L = e**2
    L.label = "L"
    L.backward()
    return dict(x=x, w=w, b=b, wx=wx, z=z, a=a, e=e, L=L)


def neuron_by_hand():
    """a, a − 1 and every ∂L/∂node from the formulas, independent of the engine."""
    a = 1 / (1 + math.exp(-7.0))
    e = a - 1
    dz = 2 * e * a * (1 - a)
    grad = dict(x=dz * 3, w=dz * 2, b=dz, wx=dz, z=dz, a=2 * e, e=2 * e, L=1.0)
    return a, e, grad


def mlp_loss(samples, n_in=4, widths=(8, 8, 8, 1), scoped=False):
    """A tanh MLP's squared-error loss over `samples` inputs, built from Values; weights are made outside scopes."""
    rng = random.Random(0)
    layers, fan_in = [], n_in
    for width in widths:
        layers.append(
            [
                ([Value(rng.uniform(-1, 1), label="w") for _ in range(fan_in)], Value(0.0, label="b"))
                for _ in range(width)
            ]
        )
        fan_in = width

    def scope(name):
        return autograd.scope(name) if scoped else contextlib.nullcontext()

    terms = []
    for _ in range(samples):
        h = [rng.uniform(-1, 1) for _ in range(n_in)]
        for i, layer in enumerate(layers):
            with scope(f"layer{i}"):
                out = []
                for j, (ws, b) in enumerate(layer):
                    with scope(f"neuron{j}"):
                        out.append(autograd.tanh(autograd.sum([w * x for w, x in zip(ws, h, strict=True)]) + b))
            h = out
        terms.append((h[0] - 0.5) ** 2)
    loss = autograd.sum(terms)
    loss.backward()
    return loss


# --- What a picture shows


@needs_dot
def test_value_records_show_label_data_and_grad_in_that_order():
    g = neuron()
    a, e, grad = neuron_by_hand()
    svg, name = render(to_dot(g["L"])), names(g["L"])
    drawn = nodes(svg)

    def shown(key):
        return texts(drawn[name[g[key]]])

    assert shown("x") == ["x", "data 2.0000", f"grad {grad['x']:.4e}"]
    assert shown("w") == ["w", "data 3.0000", f"grad {grad['w']:.4e}"]
    assert shown("b") == ["b", "data 1.0000", f"grad {grad['b']:.4e}"]
    assert shown("wx") == ["data 6.0000", f"grad {grad['wx']:.4e}"]  # no label: no empty field
    assert shown("z") == ["z", "data 7.0000", f"grad {grad['z']:.4e}"]
    assert shown("a") == ["a", f"data {a:.4f}", f"grad {2 * e:.4e}"]
    assert shown("e") == [f"data {e:.4e}", f"grad {2 * e:.4e}"]
    assert shown("L") == ["L", f"data {e * e:.4e}", "grad 1.0000"]
    # The article's own rounding: a ≈ 0.999089, dL/dw ≈ −3.316e-6.
    assert abs(a - 0.999089) < 5e-7 and abs(grad["w"] + 3.316e-6) < 1e-8
    # Stacked: label above data above grad, all centred on one x.
    record = drawn[name[g["z"]]]
    anchors = [(float(t.get("x")), float(t.get("y"))) for t in record.iter(f"{SVG}text")]
    assert len({x for x, _ in anchors}) == 1 and [y for _, y in anchors] == sorted(y for _, y in anchors)


@needs_dot
def test_counts_of_value_nodes_op_nodes_and_edges():
    g = neuron()
    svg = render(to_dot(g["L"]))
    drawn = nodes(svg)
    values = [t for t in drawn if re.fullmatch(r"n\d+", t)]
    ops = [t for t in drawn if re.fullmatch(r"op\d+", t)]
    assert len(values) == 8 and len(ops) == 5 and len(drawn) == 13
    # Edges into the ops: * 2, + 2, sigmoid 1, "- 1" 1, **2 1; plus one op -> result edge per op.
    edges = [t for t, _ in groups(svg, "edge")]
    assert len(edges) == 7 + 5
    name = names(g["L"])
    for child in ("wx", "z", "a", "e", "L"):
        i = name[g[child]][1:]
        assert f"op{i}->n{i}" in edges
        for parent in g[child].parents:
            assert f"{name[parent]}->op{i}" in edges


@needs_dot
def test_op_nodes_are_named_by_the_op_with_their_constants():
    x = Value(2.0, label="x")
    outputs = [
        x * 3,
        1 - x,
        x - (-1),
        x**2,
        2**x,
        x / 4,
        autograd.leaky_relu(x, 0.1),
        autograd.elu(x),
        autograd.sum([x, x, 2.5]),
        autograd.tanh(x),
        -x,
    ]
    drawn = nodes(render(to_dot(outputs)))
    ops = sorted(texts(g)[0] for t, g in drawn.items() if t.startswith("op"))
    expected = ["* 3", "1 -", "- (-1)", "**2", "2 **", "/ 4", "leaky_relu α=0.1", "elu α=1", "sum + 2.5", "tanh", "neg"]
    assert ops == sorted(expected)


@needs_dot
def test_the_second_operand_of_minus_divide_and_power_is_marked_on_its_edge():
    a, b = Value(3.0, label="a"), Value(2.0, label="b")
    outputs = [a - b, a / b, a**b]
    svg, name = render(to_dot(outputs)), names(outputs)
    edges = {t: texts(g) for t, g in groups(svg, "edge")}
    for out, word in zip(outputs, ["subtracted", "divisor", "exponent"], strict=True):
        i = name[out][1:]
        assert edges[f"{name[b]}->op{i}"] == [word]
        assert edges[f"{name[a]}->op{i}"] == []


@needs_dot
def test_local_gradients_label_each_parent_to_op_edge():
    g = neuron()
    a, e, _ = neuron_by_hand()
    svg, name = render(to_dot(g["L"], show_local_grads=True)), names(g["L"])
    edges = {t: texts(el) for t, el in groups(svg, "edge")}

    def label(parent, child):
        return edges[f"{name[g[parent]]}->op{name[g[child]][1:]}"]

    # ∂(wx)/∂w = x, ∂(wx)/∂x = w, ∂z/∂wx = ∂z/∂b = 1, ∂a/∂z = a(1 − a), ∂e/∂a = 1, ∂L/∂e = 2e.
    assert label("w", "wx") == ["2.0000"] and label("x", "wx") == ["3.0000"]
    assert label("wx", "z") == ["1.0000"] and label("b", "z") == ["1.0000"]
    assert label("z", "a") == [f"{a * (1 - a):.4e}"]
    assert label("a", "e") == ["1.0000"] and label("e", "L") == [f"{2 * e:.4e}"]
    # Multiplying the factors along the path L <- e <- a <- z <- wx <- w gives w.grad.
    product = 2 * e * 1 * a * (1 - a) * 1 * 2.0
    assert math.isclose(product, g["w"].grad, rel_tol=1e-12)
    # Op -> result edges carry nothing.
    assert all(edges[f"op{i}->n{i}"] == [] for i in range(8) if f"op{i}->n{i}" in edges)


@needs_dot
def test_a_value_used_twice_gets_two_edges_whose_factors_add_up():
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    svg, name = render(to_dot(y, show_local_grads=True)), names(y)
    into = [texts(el) for t, el in groups(svg, "edge") if t == f"{name[x]}->op{name[y][1:]}"]
    assert into == [["2.0000"], ["2.0000"]] and x.grad == 4.0


@needs_dot
def test_leaves_interior_nodes_and_outputs_look_different():
    g = neuron()
    drawn, name = nodes(render(to_dot(g["L"]))), names(g["L"])
    leaf, interior, output = (shape(drawn[name[g[k]]]) for k in ("w", "z", "L"))
    assert leaf.get("fill") != interior.get("fill") != output.get("fill") != leaf.get("fill")
    assert shape(drawn[name[g["x"]]]).get("fill") == leaf.get("fill")
    assert output.get("stroke-width") == "2" and interior.get("stroke-width") is None
    op = shape(drawn["op" + name[g["z"]][1:]])
    assert op.tag == f"{SVG}ellipse"


@needs_dot
def test_several_outputs_are_all_drawn_as_outputs():
    x = Value(1.5, label="x")
    y, z = x * 2, x + 1
    drawn, name = nodes(render(to_dot([y, z]))), names([y, z])
    assert shape(drawn[name[y]]).get("stroke-width") == shape(drawn[name[z]]).get("stroke-width") == "2"


def rgb(fill):
    return tuple(int(fill[i : i + 2], 16) for i in (1, 3, 5))


@needs_dot
def test_color_by_grad_is_blue_for_vanishing_white_near_one_red_for_exploding():
    leaves = [Value(float(i), label=f"v{i}") for i in range(6)]
    for leaf, g in zip(leaves, [1e-6, 1e-3, 1.0, 1e3, 1e6, 0.0], strict=True):
        leaf.grad = g
    out = autograd.sum(leaves)
    out.grad = 1.0
    drawn, name = nodes(render(to_dot(out, color_by="grad"))), names(out)
    fills = [rgb(shape(drawn[name[leaf]]).get("fill")) for leaf in leaves]
    tiny, small, one, big, huge, zero = fills
    assert one == (255, 255, 255)
    assert tiny[2] > tiny[0] and small[2] > small[0]  # blue
    assert huge[0] > huge[2] and big[0] > big[2]  # red
    assert tiny[0] < small[0] and huge[2] < big[2]  # further from 1, deeper colour
    assert zero not in (tiny, small, one, big, huge)
    # The legend names the scale.
    assert "|grad|" in texts(drawn["legend"]) and "1e-06" not in texts(drawn["legend"])


@needs_dot
def test_color_by_grad_reads_a_higher_order_grad_value():
    x = Value(0.5, label="x")
    y = x**3
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    drawn = nodes(render(to_dot(y, color_by="grad")))
    assert texts(drawn[names(y)[x]]) == ["x", "data 0.5000", f"grad {3 * 0.25:.4f}"]


@needs_dot
def test_color_by_kind_tells_inputs_params_and_op_families_apart():
    xs = [Value(1.0, label="x0"), Value(-2.0, label="x1")]
    with autograd.scope("neuron0"):
        w0 = Value(0.5, label="w0")
        a0 = autograd.tanh(w0 * xs[0] + xs[1])
    w1 = Value(0.3, label="w1")  # made outside, used only inside neuron1: a parameter of it
    with autograd.scope("neuron1"):
        a1 = autograd.sigmoid(w1 * xs[0] * xs[1])
    out = (a0 + a1).exp()
    drawn, name = nodes(render(to_dot(out, color_by="kind"))), names(out)
    fill = {k: shape(drawn[name[v]]).get("fill") for k, v in dict(x0=xs[0], x1=xs[1], w0=w0, w1=w1).items()}
    assert fill["x0"] == fill["x1"] and fill["w0"] == fill["w1"] and fill["x0"] != fill["w0"]
    op_fill = {texts(g)[0]: shape(g).get("fill") for t, g in drawn.items() if t.startswith("op")}
    assert op_fill["tanh"] == op_fill["sigmoid"] != op_fill["+"] == op_fill["*"] != op_fill["exp"] != op_fill["tanh"]
    assert {"leaf", "param", "output", "activation op"} <= set(texts(drawn["legend"]))


def test_a_fused_neuron_is_coloured_as_its_activation():
    x = Value(1.0)
    fused, plain = autograd.dot([x], [x], activation="tanh"), autograd.dot([x], [x])
    source = to_dot([fused, x.tanh(), plain, x.exp()], color_by="kind").source
    ops = ("tanh∘dot", "tanh", "dot")
    fill = {op: re.search(rf'label="?{op}"? fillcolor="([^"]+)"', source).group(1) for op in ops}
    assert fill["tanh∘dot"] == fill["tanh"] != fill["dot"]


@needs_dot
def test_highlight_emphasises_a_chain_rule_path_and_nothing_else():
    g = neuron()
    path = [g[k] for k in ("L", "e", "a", "z", "wx", "w")]
    svg, name = render(to_dot(g["L"], highlight=path)), names(g["L"])
    lit_nodes = {t for t, el in nodes(svg).items() if shape(el).get("stroke") == HIGHLIGHT}
    expected = {name[v] for v in path} | {"op" + name[v][1:] for v in path[:-1]}
    assert lit_nodes == expected
    lit_edges = {t for t, el in groups(svg, "edge") if el.find(f".//{SVG}path").get("stroke") == HIGHLIGHT}
    steps = list(zip(path[1:], path[:-1], strict=True))  # (parent, child) pairs along the path
    into_ops = {f"{name[p]}->op{name[c][1:]}" for p, c in steps}
    assert lit_edges == into_ops | {f"op{name[c][1:]}->{name[c]}" for _, c in steps}
    # x and b feed the path but are not on it.
    assert f"{name[g['x']]}->op{name[g['wx']][1:]}" not in lit_edges


def test_highlight_rejects_values_outside_the_graph():
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match="not in the graph"):
        to_dot(x * 2, highlight=[Value(3.0, label="stranger")])
    with pytest.raises(TypeError, match="highlight takes Values"):
        to_dot(x * 2, highlight=["x"])


@needs_dot
def test_show_data_and_show_grad_can_be_turned_off():
    g = neuron()
    drawn = nodes(render(to_dot(g["L"], show_data=False, show_grad=False)))
    assert texts(drawn[names(g["L"])[g["w"]]]) == ["w"]
    drawn = nodes(render(to_dot(g["L"], show_grad=False, precision=2)))
    assert texts(drawn[names(g["L"])[g["w"]]]) == ["w", "data 3.00"]


@needs_dot
def test_top_to_bottom_keeps_fields_stacked():
    g = neuron()
    drawn = nodes(render(to_dot(g["L"], rankdir="TB")))
    record = drawn[names(g["L"])[g["z"]]]
    anchors = [(float(t.get("x")), float(t.get("y"))) for t in record.iter(f"{SVG}text")]
    assert len({x for x, _ in anchors}) == 1 and len({y for _, y in anchors}) == 3
    # And the graph runs downwards: the loss sits below the leaves.
    assert bbox(drawn[names(g["L"])[g["L"]]])[1] > bbox(drawn[names(g["L"])[g["w"]]])[3]


@pytest.mark.parametrize(
    "number, precision, shown",
    [
        (2.0, 4, "2.0000"),
        (-0.0, 4, "0.0000"),
        (0.5, 2, "0.50"),
        (0.012, 4, "0.0120"),
        (0.00912, 4, "9.1200e-03"),  # fixed point would hide all but one digit
        (-3.317e-6, 4, "-3.3170e-06"),
        (2.5e7, 4, "2.5000e+07"),
        (math.inf, 4, "inf"),
        (math.nan, 4, "nan"),
    ],
)
def test_numbers_keep_their_digits(number, precision, shown):
    source = to_dot(Value(number, label="v"), precision=precision, show_grad=False).source
    assert f'"v|data {shown}"' in source


# --- Scopes


def scoped_graph():
    xs = [Value(1.0, label="x0"), Value(-1.0, label="x1")]
    outs = []
    with autograd.scope("layer1"):
        for j in range(2):
            with autograd.scope(f"neuron{j}"):
                w = Value(0.3 + 0.4 * j, label=f"w{j}")
                outs.append(autograd.tanh(w * xs[0] + xs[1]))
    loss = autograd.sum([(o - 1) ** 2 for o in outs])
    loss.label = "loss"
    loss.backward()
    return xs, outs, loss


@needs_dot
def test_group_scopes_draws_nested_labelled_clusters_around_their_nodes():
    xs, outs, loss = scoped_graph()
    svg, name = render(to_dot(loss, group_scopes=True)), names(loss)
    clusters = {texts(g)[0]: g for _, g in groups(svg, "cluster")}
    assert sorted(clusters) == ["layer1", "neuron0", "neuron1"]
    drawn = nodes(svg)
    for j, out in enumerate(outs):
        box = clusters[f"neuron{j}"]
        assert inside(drawn[name[out]], box) and inside(drawn["op" + name[out][1:]], box)
        assert inside(box, clusters["layer1"])
        w = out.parents[0].parents[0].parents[0]
        assert w.label == f"w{j}" and inside(drawn[name[w]], box)
    for outside in (*xs, loss):  # data fed to both neurons, and the loss, stay out
        assert not inside(drawn[name[outside]], clusters["layer1"])


@needs_dot
def test_collapse_draws_each_innermost_scope_as_one_box_with_its_inputs_and_outputs():
    xs, outs, loss = scoped_graph()
    svg, name = render(to_dot(loss, collapse=True)), names(loss)
    drawn = nodes(svg)
    boxes = {texts(g)[0]: (t, g) for t, g in drawn.items() if t.startswith("s")}
    assert sorted(boxes) == ["layer1/neuron0", "layer1/neuron1"]
    for j, out in enumerate(outs):
        title, box = boxes[f"layer1/neuron{j}"]
        # The weight w, w·x0, + x1 and tanh: 4 values, 3 ops.
        assert min(abs(out.data), abs(out.grad)) > 0.01  # so both show in fixed point
        assert texts(box)[1:] == ["4 values, 3 ops", f"out: data {out.data:.4f} grad {out.grad:.4f}"]
        assert name[out] not in drawn  # swallowed by the box
        edges = [t for t, _ in groups(svg, "edge")]
        assert f"{name[xs[0]]}->{title}" in edges and f"{name[xs[1]]}->{title}" in edges
        consumer = next(n for n in autograd.topological_order(loss) if out in n.parents)
        assert f"{title}->op{name[consumer][1:]}" in edges
    # The rest is drawn as usual: x0, x1, two "- 1", two "**2" and the sum, with their results.
    assert len(drawn) == 2 + 2 + 2 * 2 + 2 * 2 + 2


def test_collapse_joins_repeated_uses_into_one_edge_each_way():
    x = Value(2.0, label="x")
    with autograd.scope("block"):
        y = x * x + x  # x enters the box three times
    z = y * y + x  # y leaves it twice, into one op; x is used outside too, so it is data, not the box's own
    source = to_dot(z, collapse=True).source
    # x is n0; x*x and y (n1, n2) are in box s0; y*y is n3, z is n4.
    edges = re.findall(r"^\t(\S+ -> \S+)", source, flags=re.M)
    assert edges == ["n0 -> s0", "s0 -> op3", "op3 -> n3", "n3 -> op4", "n0 -> op4", "op4 -> n4"]


@needs_dot
def test_collapse_with_group_scopes_puts_boxes_in_their_parent_scope():
    _, _, loss = scoped_graph()
    svg = render(to_dot(loss, collapse=True, group_scopes=True))
    clusters = {texts(g)[0]: g for _, g in groups(svg, "cluster")}
    assert list(clusters) == ["layer1"]
    boxes = [g for t, g in nodes(svg).items() if t.startswith("s")]
    assert len(boxes) == 2 and all(inside(box, clusters["layer1"]) for box in boxes)


def test_too_many_nodes_says_how_many_and_what_to_do():
    x = Value(0.1, label="x")
    for _ in range(600):
        x = x * 1.01  # 601 values and 600 ops
    with pytest.raises(ValueError) as raised:
        to_dot(x)
    message = str(raised.value)
    assert "1,201 drawn nodes" in message and "max_nodes=1,000" in message
    assert "max_nodes=1201" in message and "collapse=True" in message and "autograd.scope" in message
    assert len(to_dot(x, max_nodes=1201).body) > 1201


@needs_dot
def test_a_2000_value_mlp_loss_graph_renders_to_svg():
    loss = mlp_loss(samples=8)
    order = autograd.topological_order(loss)
    assert len(order) >= 2000
    with pytest.raises(ValueError, match="max_nodes"):
        to_dot(loss)
    graph = to_dot(loss, max_nodes=None)
    assert "nslimit=2" in graph.source and "mclimit=0.1" in graph.source
    svg = render(graph)
    drawn = nodes(svg)
    ops = sum(1 for v in order if v.parents)
    assert sum(1 for t in drawn if t.startswith("n")) == len(order)
    assert sum(1 for t in drawn if t.startswith("op")) == ops
    assert len(groups(svg, "edge")) == ops + sum(len(v.parents) for v in order)


@needs_dot
def test_the_scoped_mlp_collapses_under_the_default_limit():
    loss = mlp_loss(samples=8, scoped=True)
    svg = render(to_dot(loss, collapse=True, group_scopes=True))
    boxes = [t for t in nodes(svg) if t.startswith("s")]
    assert len(boxes) == 8 + 8 + 8 + 1
    assert sorted(texts(g)[0] for _, g in groups(svg, "cluster")) == ["layer0", "layer1", "layer2", "layer3"]


def test_a_long_chain_needs_no_recursion():
    x = Value(1.0, label="x")
    for _ in range(5000):
        x = x + 1.0
    assert to_dot(x, max_nodes=None).source.count("->") == 2 * 5000


# --- Escaping and determinism


def tricky_graph():
    """Labels and a scope name with every character that DOT or record labels treat specially."""
    with autograd.scope('we"ird {scope} \\ <b>'):
        v = Value(1.0, label='a{b}|c<d>"e"\\f\nsecond  line')
        u = v * 2
    u.label = "node"  # a DOT keyword
    w = u + Value(0.5, label="<html-ish>")
    w.label = "\\N"  # Graphviz would expand an unescaped \N to the node's name
    return v, u, w


def test_escaping_golden_dot():
    *_, w = tricky_graph()
    source = to_dot(w, group_scopes=True).source
    golden = GOLDEN / "escaping.dot"
    if os.environ.get("CHAINGRAD_UPDATE_GOLDEN"):
        golden.write_text(source)
    assert source == golden.read_text()


@needs_dot
def test_special_characters_render_literally():
    v, u, w = tricky_graph()
    svg, name = render(to_dot(w, group_scopes=True)), names(w)
    drawn = nodes(svg)
    assert texts(drawn[name[v]])[:2] == ['a{b}|c<d>"e"\\f', "second  line"]
    assert texts(drawn[name[u]])[0] == "node" and texts(drawn[name[w]])[0] == "\\N"
    assert texts(drawn[name[w.parents[1]]])[0] == "<html-ish>"
    assert [texts(g)[0] for _, g in groups(svg, "cluster")] == ['we"ird {scope} \\ <b>']


def test_neuron_golden_dot():
    g = neuron()
    source = to_dot(g["L"], show_local_grads=True, highlight=[g["L"], g["e"], g["a"]], color_by="kind").source
    golden = GOLDEN / "neuron.dot"
    if os.environ.get("CHAINGRAD_UPDATE_GOLDEN"):
        golden.write_text(source)
    assert source == golden.read_text()


BUILD = """
import autograd
from autograd import Value
from autograd.viz import to_dot
xs = [Value(0.5 * i, label=f"x{i}") for i in range(4)]
outs = []
for j in range(3):
    with autograd.scope("layer"), autograd.scope(f"n{j}"):
        outs.append(autograd.tanh(autograd.sum([x * (j + 1) for x in xs]) - xs[j] / 3))
loss = autograd.sum([(o - 1) ** 2 for o in outs])
loss.backward()
sources = [
    to_dot(loss, group_scopes=True, show_local_grads=True, color_by="grad").source,
    to_dot([loss, *outs], collapse=True, group_scopes=True, highlight=[loss, outs[1]]).source,
    to_dot(loss, color_by="kind", rankdir="TB").source,
]
"""


def test_dot_source_is_identical_across_processes():
    scope = {}
    exec(BUILD, scope)
    here = "\n\f\n".join(scope["sources"])
    assert "id(" not in here and "0x" not in here
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        program = BUILD + "\nimport sys\nsys.stdout.write('\\n\\f\\n'.join(sources))\n"
        there = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=ROOT, check=True
        ).stdout
        assert there == here


def test_the_readme_picture_shows_the_articles_neuron_with_its_chain_rule_path():
    svg = ET.parse(ROOT / "docs" / "example.svg").getroot()
    drawn = {texts(g)[0]: g for _, g in groups(svg, "node")}
    a, e, grad = neuron_by_hand()
    assert texts(drawn["w"]) == ["w", "data 3.0000", f"grad {grad['w']:.4e}"]
    assert texts(drawn["a − y"]) == ["a − y", f"data {e:.4e}", f"grad {2 * e:.4e}"]
    lit = {label for label, g in drawn.items() if shape(g).get("stroke") == HIGHLIGHT}
    assert lit == {"L", "**2", "a − y", "- 1", "a", "sigmoid", "z", "+", "w·x", "*", "w"}
    edge_labels = sorted(t for _, g in groups(svg, "edge") for t in texts(g))
    assert edge_labels == sorted(
        ["2.0000", "3.0000", "1.0000", "1.0000", f"{a * (1 - a):.4e}", "1.0000", f"{2 * e:.4e}"]
    )


# --- draw: files, Jupyter, and no Graphviz


@needs_dot
def test_draw_writes_the_file_named_exactly_and_reports_its_path(tmp_path):
    g = neuron()
    target = tmp_path / "neuron.svg"
    target.write_text("old")
    drawing = draw(g["L"], target)
    assert drawing.path == str(target) and drawing.format == "svg"
    root = ET.parse(target).getroot()
    assert len([t for t, _ in groups(root, "node")]) == 13
    png = draw(g["L"], tmp_path / "neuron.png", show_local_grads=True)
    assert pathlib.Path(png.path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bare = draw(g["L"], tmp_path / "picture", format="pdf")  # no extension is appended
    assert pathlib.Path(bare.path).read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neuron.png", "neuron.svg", "picture"]  # no temp files
    mode = os.stat(target).st_mode & 0o777
    assert mode & 0o044 == 0o044 & ~_umask()  # readable by others, as a plain open() would make it


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_draw_rejects_a_format_that_contradicts_the_filename(tmp_path):
    with pytest.raises(ValueError, match="make them agree"):
        draw(Value(1.0), tmp_path / "x.png", format="svg")
    with pytest.raises(ValueError, match="unknown format"):
        draw(Value(1.0), format="svgg")


@needs_dot
def test_jupyter_display_is_a_png_and_an_svg_both_at_the_pictures_true_size():
    x = Value(2.0, label="x")
    y = (x * x).tanh()
    y.backward()
    drawing = draw(y)
    assert drawing.path is None
    bundle, metadata = drawing._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml", "image/png", "text/plain"]
    png = bundle["image/png"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert metadata == {"image/png": {"width": int.from_bytes(png[16:20], "big") // 2}}  # 144 dpi shown at 72
    svg = ET.fromstring(bundle["image/svg+xml"])
    width = float(svg.get("viewBox").split()[2])  # in pt, as dot lays it out
    assert abs(metadata["image/png"]["width"] - width) <= 2
    assert svg.get("width").endswith("px") and abs(float(svg.get("width")[:-2]) - width) <= 1  # px, not pt
    assert svg.get("height").endswith("px")  # in pt it would show a third larger than the PNG
    formatters = pytest.importorskip("IPython.core.formatters")
    data, shown = formatters.DisplayFormatter().format(drawing)
    assert data["image/png"] == png and data["image/svg+xml"] == bundle["image/svg+xml"] and shown == metadata


def test_a_picture_wider_than_a_notebook_column_is_shown_as_a_png_alone():
    # JupyterLab prefers the SVG in a trusted notebook and draws it as an <img> that a double-click cannot show
    # full size; a PNG alone is scaled to the cell and shown full size on a double-click.
    from autograd.viz.rendering import COLUMN_WIDTH

    x = Value(1.0, label="x")
    wide = autograd.sum([(x * float(k)).tanh() for k in range(1, 13)])
    bundle, metadata = draw(wide, rankdir="TB")._repr_mimebundle_()
    assert metadata["image/png"]["width"] > COLUMN_WIDTH
    assert list(bundle) == ["image/png", "text/plain"]


def test_print_gives_a_text_picture_and_the_svg_has_tooltips():
    g = neuron()  # after backward
    drawing = draw(g["L"])
    lines = str(drawing).splitlines()
    assert lines[0] == "L  data 8.3001e-07  grad 1.0000  ← **2"
    assert lines[-3:] == [
        "            │   ├── w  data 3.0000  grad -3.3170e-06",
        "            │   └── x  data 2.0000  grad -4.9755e-06",
        "            └── b  data 1.0000  grad -1.6585e-06",
    ]
    source = drawing.source
    assert 'tooltip="w: leaf, data 3.0, grad -3.3170323732747103e-06"' in source
    assert 'tooltip="∂(a)/∂(z) = 0.000910221180121784"' in source
    assert "print() it for a text picture, .view() to open it" in repr(drawing)


def test_a_graph_never_backpropagated_says_why_its_gradients_are_zero():
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    y = (w * x).tanh()
    assert "the gradients are computed by backward()" in to_dot(y).source
    y.backward()
    assert "the gradients are computed by backward()" not in to_dot(y).source


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH with no Graphviz on it (the empty directory holds nothing)."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None


def test_without_dot_to_dot_still_gives_dot_text(no_dot):
    g = neuron()
    source = to_dot(g["L"], group_scopes=True, show_local_grads=True).source
    assert source.startswith("// ") and "digraph chaingrad {" in source


def test_without_dot_draw_to_a_file_raises_with_install_hints(no_dot, tmp_path):
    g = neuron()
    target = tmp_path / "keep.svg"
    target.write_text("old")
    with pytest.raises(GraphvizNotFoundError) as raised:
        draw(g["L"], target)
    assert isinstance(raised.value, RuntimeError)
    message = str(raised.value)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install -c conda-forge graphviz"):
        assert hint in message
    assert "to_dot(...).source" in message
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["bin", "keep.svg"]


def test_without_dot_jupyter_shows_the_hint_and_the_dot_text(no_dot):
    g = neuron()
    drawing = draw(g["L"])  # no filename: must not raise
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    text = bundle["text/plain"]
    assert "brew install graphviz" in text and "print() it for a text picture" in text
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(drawing)
    assert data == {"text/plain": text}
    with pytest.raises(GraphvizNotFoundError):
        drawing.svg()
    assert str(drawing).startswith("L  data 8.3001e-07  grad 1.0000  ← **2\n")  # the text picture needs no dot


@pytest.mark.parametrize(
    "options, message",
    [
        ({"rankdir": "XY"}, "rankdir"),
        ({"color_by": "size"}, "color_by"),
        ({"precision": -1}, "precision"),
        ({"max_nodes": 0}, "max_nodes"),
    ],
)
def test_bad_options_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        to_dot(Value(1.0), **options)


@pytest.mark.parametrize("root", [[], 3.0, "x", [Value(1.0), 2.0]])
def test_root_must_be_values(root):
    with pytest.raises(TypeError, match="Value or a non-empty sequence"):
        to_dot(root)


def _scope_centres(svg, collapsed):
    """{(layer, neuron): (x, y)} read from the rendered SVG: the centre of each neuron's collapsed box, or of its
    parameters' records (labelled layers.L.neurons.K.w.0 and so on) when it is drawn expanded."""
    points = {}
    for _, group in groups(svg, "node"):
        words = texts(group)
        found = re.fullmatch(r"layers\.(\d+)/neurons\.(\d+)", words[0]) if collapsed and words else None
        if not collapsed and words:
            found = re.match(r"layers\.(\d+)\.neurons\.(\d+)\.", words[0])
        if found:
            x0, y0, x1, y1 = bbox(group)
            points.setdefault((int(found[1]), int(found[2])), []).append(((x0 + x1) / 2, (y0 + y1) / 2))
    return {key: tuple(sum(c) / len(c) for c in zip(*pts, strict=True)) for key, pts in points.items()}


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB", "RL", "BT"])
@pytest.mark.parametrize(
    "view",
    [{"collapse": True}, {"collapse": True, "group_scopes": True}, {"group_scopes": True}],
    ids=["collapse", "collapse+group_scopes", "group_scopes"],
)
def test_layers_and_neurons_come_in_index_order_in_every_direction(rankdir, view):
    import random

    import nn

    random.seed(1337)
    width = 16 if view.get("collapse") else 4  # 16-wide layers drawn expanded would be a 2,000-node picture
    model = nn.MLP(2, [width, width, 1])
    loss = (1 + -1.0 * model([0.5, -0.3])).relu()
    loss.backward()
    centres = _scope_centres(render(to_dot(loss, rankdir=rankdir, **view)), view.get("collapse", False))
    assert set(centres) == {(layer, k) for layer in (0, 1) for k in range(width)} | {(2, 0)}
    # SVG x grows rightwards and y downwards. Layers follow the rank direction (TB: layer 0 on top; BT and RL
    # mirror TB and LR); across it, neuron 0 comes first in reading order (top in LR and RL, left in TB and BT).
    along, across = (1, 0) if rankdir in ("TB", "BT") else (0, 1)
    layers = [sum(centres[layer, k][along] for k in range(width)) / width for layer in (0, 1)] + [centres[2, 0][along]]
    assert layers == sorted(layers, reverse=rankdir in ("RL", "BT")), layers
    for layer in (0, 1):
        positions = [centres[layer, k][across] for k in range(width)]
        assert positions == sorted(positions), (layer, positions)


@needs_dot
def test_collapsed_neurons_say_what_they_compute():
    import random

    import nn

    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    loss = (1 + -1.0 * model([0.5, -0.3])).relu()
    svg = render(to_dot(loss, collapse=True))
    boxes = {texts(g)[0]: g for _, g in groups(svg, "node") if texts(g) and texts(g)[0].startswith("layers.")}
    assert texts(boxes["layers.0/neurons.3"])[1] == "relu(w·x + b)"
    assert texts(boxes["layers.2/neurons.0"])[1] == "w·x + b"


def test_labels_drawn_more_than_once_get_their_full_parameter_name():
    import random

    import nn

    random.seed(0)
    model = nn.MLP(2, [2, 1], fused=False)
    loss = (1 - model([0.5, -1.0])).relu()
    source = to_dot(loss).source
    names = dict(model.named_parameters()) if hasattr(model, "named_parameters") else None
    drawn = set(re.findall(r'label="(layers[^|"]*)', source))
    assert drawn == {"layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
                     "layers.0.neurons.1.w.0", "layers.0.neurons.1.w.1", "layers.0.neurons.1.b",
                     "layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1", "layers.1.neurons.0.b"}  # fmt: skip
    if names is not None:
        assert drawn <= set(names)  # the names state_dict() uses
    x = Value(1.0, label="x")
    assert 'label="x|' in to_dot(x * 2).source  # a label drawn once stays as it is


def test_a_grad_of_none_is_drawn_as_none_and_backward_then_fills_it_in():
    x = Value(2.0, label="x")
    y = x * 3.0
    x.grad = None  # PyTorch's "no gradient yet"
    assert str(draw(y)).splitlines() == ["x·3  data 6.0000  grad 0.0000  ← * 3", "└── x  data 2.0000  grad None"]
    assert "grad None" in to_dot(y).source and "grad 0.0000" in to_dot(y).source
    assert "call output.backward() first" in to_dot(y).source  # the caption of a graph never backpropagated
    y.backward()
    assert str(draw(y)).splitlines()[1] == "└── x  data 2.0000  grad 3.0000"


def test_draw_network_with_grads_of_none_says_none_in_its_tooltips():
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [2, 1])
    for p in model.parameters():
        p.grad = None
    source = nn.draw_network(model, color_by="grad").source
    assert "∂/∂w = None" in source and "∂/∂b = None" in source
