"""nn.draw_network: rendered to SVG by Graphviz and read back as XML — nodes, edges, colours, widths, layout."""

import os
import shutil
import xml.etree.ElementTree as ET

import graphviz
import pytest

from nn import GraphvizNotFoundError
from nn.draw import MAX_PENWIDTH, NEGATIVE, POSITIVE, ZERO, draw_network
from nn.module import MLP, Layer, Neuron, manual_seed

SVG = "{http://www.w3.org/2000/svg}"
needs_graphviz = pytest.mark.skipif(shutil.which("neato") is None, reason="Graphviz is not installed")


def _read_svg(path):
    """({node title: (cx, cy)}, {(source, target): (stroke, stroke-width)}) for the circles and edges in the SVG."""
    root = ET.parse(path).getroot()
    nodes, edges = {}, {}
    for g in root.iter(f"{SVG}g"):
        title = g.findtext(f"{SVG}title")
        if g.get("class") == "node":
            ellipse = next(g.iter(f"{SVG}ellipse"), None)
            if ellipse is not None:
                assert ellipse.get("rx") == ellipse.get("ry")  # a circle
                nodes[title] = (float(ellipse.get("cx")), float(ellipse.get("cy")))
        elif g.get("class") == "edge":
            path = next(g.iter(f"{SVG}path"))
            edges[tuple(title.split("->"))] = (path.get("stroke"), float(path.get("stroke-width", "1")))
    return nodes, edges


def _example():
    manual_seed(2)
    model = MLP(3, [4, 2])
    model.layers[0].neurons[1].w[2].data = 0.0  # one zero weight: grey
    return model


@needs_graphviz
def test_svg_has_a_circle_per_input_and_neuron_and_an_edge_per_weight_coloured_by_sign(tmp_path):
    model = _example()
    dot = draw_network(model, tmp_path / "net.svg")
    assert isinstance(dot.graph, graphviz.Digraph) and "rankdir=LR" in dot.source
    assert repr(dot).startswith("<Drawing of the network 3-4-2") and dot.path == str(tmp_path / "net.svg")
    nodes, edges = _read_svg(tmp_path / "net.svg")
    assert len(nodes) == 3 + 4 + 2
    assert len(edges) == 3 * 4 + 4 * 2
    weights = {}
    for i, layer in enumerate(model.layers):
        sources = [f"x{k}" for k in range(3)] if i == 0 else [f"layers.0.neurons.{k}" for k in range(4)]
        for j, neuron in enumerate(layer.neurons):
            for source, w in zip(sources, neuron.w, strict=True):
                weights[(source, f"layers.{i}.neurons.{j}")] = w.data
    assert set(edges) == set(weights)
    largest = max(abs(w) for w in weights.values())
    for edge, w in weights.items():
        colour, width = edges[edge]
        assert colour == (POSITIVE if w > 0 else NEGATIVE if w < 0 else ZERO), edge
        assert width == pytest.approx(max(MAX_PENWIDTH * abs(w) / largest, 0.1), abs=0.01), edge
    assert {c for c, _ in edges.values()} == {POSITIVE, NEGATIVE, ZERO}


@needs_graphviz
def test_layers_are_columns_left_to_right_with_neuron_0_on_top(tmp_path):
    draw_network(_example(), tmp_path / "net.svg")
    nodes, _ = _read_svg(tmp_path / "net.svg")
    columns = [[f"x{k}" for k in range(3)], [f"layers.0.neurons.{k}" for k in range(4)],
               [f"layers.1.neurons.{k}" for k in range(2)]]
    xs = [{nodes[name][0] for name in column} for column in columns]
    assert all(len(x) == 1 for x in xs)  # each layer is one column
    assert xs[0].pop() < xs[1].pop() < xs[2].pop()  # inputs on the left
    for column in columns:  # SVG's y grows downwards
        ys = [nodes[name][1] for name in column]
        assert ys == sorted(ys)


@needs_graphviz
@pytest.mark.parametrize("model, n_nodes, n_edges", [(Layer(2, 3), 2 + 3, 6), (Neuron(4), 4 + 1, 4)])
def test_a_layer_or_a_neuron_can_be_drawn(tmp_path, model, n_nodes, n_edges):
    draw_network(model, tmp_path / "net.svg")
    nodes, edges = _read_svg(tmp_path / "net.svg")
    assert (len(nodes), len(edges)) == (n_nodes, n_edges)


def test_without_a_filename_nothing_is_rendered_and_gv_writes_the_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dot = draw_network(_example())
    assert os.listdir(tmp_path) == []
    assert dot.source.count(" -> ") == 3 * 4 + 4 * 2
    draw_network(_example(), "net.gv")
    assert (tmp_path / "net.gv").read_text() == dot.source


def test_missing_graphviz_raises_with_install_instructions_and_keeps_the_old_file(tmp_path, monkeypatch):
    old = tmp_path / "net.svg"
    old.write_text("old picture")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GraphvizNotFoundError) as info:
        draw_network(_example(), old)
    assert isinstance(info.value, RuntimeError)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install -c conda-forge graphviz"):
        assert hint in str(info.value)
    assert old.read_text() == "old picture" and os.listdir(tmp_path) == ["net.svg"]


def test_bad_arguments():
    with pytest.raises(TypeError, match="draws an MLP, Layer or Neuron, got str"):
        draw_network("model")
    with pytest.raises(ValueError, match="needs an extension"):
        draw_network(_example(), "net")


@needs_graphviz
def test_a_bytes_filename_is_rendered_in_the_format_it_names(tmp_path):
    draw_network(_example(), os.fsencode(tmp_path / "net.PNG"))
    assert (tmp_path / "net.PNG").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    draw_network(_example(), os.fsencode(tmp_path / "net.gv"))
    assert (tmp_path / "net.gv").read_text() == draw_network(_example()).source
    assert sorted(os.listdir(tmp_path)) == ["net.PNG", "net.gv"]


@needs_graphviz
def test_neurons_show_their_bias_a_legend_says_what_the_picture_means_and_grads_can_colour_it(tmp_path):
    model = _example()
    bias = model.layers[0].neurons[0].b
    bias.data = 0.25
    loss = sum(model([1.0, -2.0, 0.5]))
    loss.backward()
    by_weight = draw_network(model).source
    assert f"label={bias.data:.2g} " in by_weight and "edges: weight w, blue > 0, red < 0" in by_weight
    assert 'fontname="Helvetica,Arial,sans-serif"' in by_weight  # draw()'s font
    draw_network(model, tmp_path / "grad.svg", color_by="grad")
    _, edges = _read_svg(tmp_path / "grad.svg")
    w = model.layers[1].neurons[0].w[1]
    stroke = edges[("layers.0.neurons.1", "layers.1.neurons.0")][0]
    assert stroke == (POSITIVE if w.grad > 0 else NEGATIVE if w.grad < 0 else ZERO)
    assert "∂loss/∂w (after backward)" in draw_network(model, color_by="grad").source
    with pytest.raises(ValueError, match="color_by must be one of"):
        draw_network(model, color_by="sign")
