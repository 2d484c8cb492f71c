"""autograd.explore's scene and page, checked in Python (tests/test_explorer_browser.py drives the page)."""

import json
import math
import re
import shutil

import pytest

import autograd
from autograd import Value
from tests.test_explain import single_neuron

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def used_twice():
    x = Value(1.5, label="x")
    v = x * x + x
    v.label = "v"
    return v, x


def replay(scene):
    """Each value's gradient from the scene's steps, added in step order, as the page adds them."""
    grads = {scene["output"]: 1.0}
    for step in scene["backward"]:
        assert grads[step["node"]] == step["grad"]  # every user of the node has sent its share by now
        for parent, share, _ in step["sends"]:
            grads[parent] = grads[parent] + share if parent in grads else share
    return grads


@pytest.mark.parametrize("build", [single_neuron, used_twice])
def test_the_steps_replay_to_the_engines_gradients_bit_for_bit(build):
    root = build()[0]
    scene = autograd.explore(root).scene
    order = autograd.topological_order(root)
    root.backward()
    grads = replay(scene)
    for i, node in enumerate(order):
        assert grads.get(f"n{i}", 0.0) == node.grad, node.label
    # One step per node with parents, output first, in reverse topological order.
    inner = [f"n{i}" for i in reversed(range(len(order))) if order[i].parents]
    assert [step["node"] for step in scene["backward"]] == inner
    assert scene["forward"] == [f"n{i}" for i in range(len(order))]


def test_exploring_changes_no_grad():
    L, *_ = single_neuron()
    nodes = autograd.topological_order(L)
    autograd.explore(L)
    assert all(node.grad == 0.0 for node in nodes)


def test_edges_carry_each_local_derivative_as_formula_and_number():
    L, _x, _w, _b = single_neuron()
    scene = autograd.explore(L).scene
    by_label = {n["label"]: n["id"] for n in scene["nodes"] if n["kind"] == "value"}
    into_sigmoid = [e for e in scene["edges"] if e["from"] == by_label["z"]]
    (edge,) = into_sigmoid
    assert edge["formula"] == "a(1 − a)"
    assert edge["local"] == pytest.approx(0.00091022, rel=1e-4)
    assert "∂L/∂w = ∂L/∂a · ∂a/∂z · ∂z/∂w" in scene["explanations"][by_label["w"]]


def test_the_saved_page_is_self_contained_and_small(tmp_path):
    L, *_ = single_neuron()
    path = autograd.explore(L).save(tmp_path / "neuron.html")
    page = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 300_000
    assert "export default { render }" in page and "Content-Security-Policy" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # no script, style or image fetched
    assert not re.search(r"\bimport\s*\(|\bfrom\s+['\"]", page)  # the module imports nothing
    scene = json.loads(re.search(r'<script type="application/json" id="scene">(.*?)</script>', page, re.S)[1])
    assert scene["output"] == "n7" and len(scene["backward"]) == 5


def test_a_label_cannot_close_the_pages_script(tmp_path):
    x = Value(2.0, label="</script><script>alert(1)</script>")
    page = autograd.explore(x * 3).html()
    assert "</script><script>alert(1)" not in page


@needs_dot
def test_dot_and_grandalf_layouts_place_every_drawn_node(monkeypatch):
    L, *_ = single_neuron()
    with_dot = autograd.explore(L).scene
    monkeypatch.setattr(shutil, "which", lambda name: None)  # as on a machine without Graphviz
    without = autograd.explore(L).scene
    for scene in (with_dot, without):
        assert {n["id"] for n in scene["nodes"]} == {n["id"] for n in with_dot["nodes"]}
        for n in scene["nodes"]:
            assert n["x"] - n["w"] / 2 >= -1 and n["x"] + n["w"] / 2 <= scene["width"] + 1
            assert n["y"] - n["h"] / 2 >= -1 and n["y"] + n["h"] / 2 <= scene["height"] + 1
    assert without == autograd.explore(L).scene  # the same graph, the same picture, every run
    assert with_dot["edges"][1]["points"]["spline"] and not without["edges"][1]["points"]["spline"]


def test_scopes_list_their_members_around_which_their_box_is_drawn():
    nn = pytest.importorskip("nn")
    import random

    random.seed(0)
    model = nn.MLP(2, [3, 1])
    loss = (1 - model([0.5, -1.0])).relu()
    scene = autograd.explore(loss).scene
    boxes = {n["id"]: n for n in scene["nodes"]}
    paths = [s["path"] for s in scene["scopes"]]
    assert "layers.0" in paths and "layers.0/neurons.2" in paths
    for scope in scene["scopes"]:
        for member in scope["members"]:
            box = boxes[member]
            assert abs(box["x"] - scope["x"]) <= scope["w"] / 2 and abs(box["y"] - scope["y"]) <= scope["h"] / 2


def test_bad_input_is_refused_clearly():
    with pytest.raises(TypeError, match="explore needs a Value"):
        autograd.explore(2.0)
    x = Value(1.0)
    y = x
    for _ in range(50):
        y = y * 1.5
    with pytest.raises(ValueError, match="max_nodes=20"):
        autograd.explore(y, max_nodes=20)


def test_in_jupyter_it_is_an_anywidget_with_the_scene():
    pytest.importorskip("anywidget")
    L, *_ = single_neuron()
    explorer = autograd.explore(L)
    widget = explorer.widget()
    assert widget.scene == explorer.scene and "export default { render }" in widget._esm
    bundle = explorer._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert math.isclose(explorer.scene["nodes"][0]["data"], 3.0)


def test_the_command_writes_the_explorer_page(tmp_path, capsys):
    from chaingrad.cli import main

    path = tmp_path / "graph.html"
    assert main(["grad", "(sigmoid(w*x + b) - 1)**2", "x=2", "w=3", "b=1", "--html", str(path)]) == 0
    assert f"wrote {path}: open it in a browser" in capsys.readouterr().out
    page = path.read_text(encoding="utf-8")
    scene = json.loads(re.search(r'<script type="application/json" id="scene">(.*?)</script>', page, re.S)[1])
    labels = {n["label"] for n in scene["nodes"] if n["kind"] == "value"}
    assert {"f", "w", "x", "b", "w*x", "w*x + b", "sigmoid(w*x + b)"} <= labels  # named by the formula's text
    assert main(["grad", "x*2", "x=1", "--html", str(tmp_path)]) == 2


def test_without_graphviz_or_grandalf_the_error_says_what_to_install(monkeypatch):
    import sys

    L, *_ = single_neuron()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "grandalf", None)
    monkeypatch.setitem(sys.modules, "grandalf.graphs", None)
    with pytest.raises(autograd.GraphvizError, match="pip install grandalf"):
        autograd.explore(L)


@needs_dot
def test_a_scoped_graph_also_gets_a_view_with_one_box_per_neuron():
    nn = pytest.importorskip("nn")
    import random

    random.seed(0)
    model = nn.MLP(2, [3, 1])
    loss = (1 - model([0.5, -1.0])).relu()
    scene = autograd.explore(loss).scene
    view = scene["collapsed"]
    paths = [box["path"] for box in view["boxes"]]
    assert paths == ["layers.0/neurons.0", "layers.0/neurons.1", "layers.0/neurons.2", "layers.1/neurons.0"]
    order = autograd.topological_order(loss)
    for i, node in enumerate(order):  # a neuron's weights, bias and output are in its box; the rest are drawn
        inside = f"n{i}" in view["box_of"]
        assert inside == bool(node.scope or (not node.parents and node.label in ("w.0", "w.1", "w.2", "b")))
        assert inside or f"n{i}" in view["items"]
    # Each hidden neuron hands out its output to the next layer; the last box hands out the score.
    assert all(len(box["outputs"]) == 1 for box in view["boxes"])
    assert {e["from"] for e in view["edges"]} >= {"s0", "s1", "s2", "s3"}
    assert view["width"] < scene["width"] or view["height"] < scene["height"]
