"""`draw_network`: an MLP's architecture as a graphviz picture, every weight an edge coloured by its sign."""

import os

import graphviz

from autograd.files import atomic_write
from autograd.viz import render

from .module import MLP, Layer, Neuron

POSITIVE, NEGATIVE, ZERO = "#1f77b4", "#d62728", "#999999"  # blue, red, grey
MAX_PENWIDTH = 3.0
# neato with pinned positions (see _column) keeps each layer's neurons in index order, top to bottom.
GRAPH = {"rankdir": "LR", "splines": "false", "pad": "0.2", "outputorder": "edgesfirst"}
NODE = {
    "shape": "circle",
    "fixedsize": "true",
    "width": "0.45",
    "fontsize": "10",
    "style": "filled",
    "fillcolor": "white",
}


def draw_network(model, filename=None):
    """A graphviz.Digraph of `model` (an MLP, Layer or Neuron): inputs, then each layer's neurons as circles, left to
    right; the edge for weight w is blue if w > 0, red if w < 0, and MAX_PENWIDTH·|w|/max|w| points wide.

    Jupyter displays the Digraph. With `filename` ('net.svg', '.png', '.pdf', ...; '.gv' or '.dot' for the DOT
    text) it is also rendered there, atomically.
    """
    layers = _layers(model)
    largest = max((abs(w.data) for _, named in layers for _, n in named for w in n.w), default=0.0) or 1.0
    dot = graphviz.Digraph("network", engine="neato", graph_attr=GRAPH, node_attr=NODE)
    previous = [f"x{i}" for i in range(len(layers[0][1][0][1].w))]
    tallest = max(len(previous), *(len(named) for _, named in layers))
    _column(dot, 0, tallest, "input", [(name, {}) for name in previous])
    for column, (label, named) in enumerate(layers, start=1):
        _column(
            dot,
            column,
            tallest,
            f"{label}: {named[0][1].activation}",
            [
                (
                    name,
                    {"label": "", "tooltip": f"{name}: " + (f"b = {n.b.data:.4g}" if n.b is not None else "no bias")},
                )
                for name, n in named
            ],
        )
        for name, neuron in named:
            for i, (source, w) in enumerate(zip(previous, neuron.w, strict=True)):
                colour = POSITIVE if w.data > 0 else NEGATIVE if w.data < 0 else ZERO
                dot.edge(
                    source,
                    name,
                    color=colour,
                    arrowhead="none",
                    tooltip=f"{name}.w.{i} = {w.data:.4g}",
                    penwidth=f"{max(MAX_PENWIDTH * abs(w.data) / largest, 0.1):.3f}",
                )
        previous = [name for name, _ in named]
    if filename is not None:
        _render(dot, filename)
    return dot


def _column(dot, column, tallest, title, nodes):
    """One layer's nodes pinned in a column, index 0 at the top, under a plain-text title."""
    x = 1.8 * column
    dot.node(f"title {column}", title, shape="plaintext", fixedsize="false", pos=f"{x},{0.35 * tallest + 0.3}!")
    for j, (name, attrs) in enumerate(nodes):
        dot.node(name, pos=f"{x},{0.7 * ((len(nodes) - 1) / 2 - j)}!", **attrs)


def _layers(model):
    """[(layer label, [(node name, neuron)])] for each layer; node names are the neurons' parameter prefixes."""
    if isinstance(model, MLP):
        return [
            (f"layers.{i}", [(f"layers.{i}.neurons.{j}", n) for j, n in enumerate(layer.neurons)])
            for i, layer in enumerate(model.layers)
        ]
    if isinstance(model, Layer):
        return [("layer", [(f"neurons.{j}", n) for j, n in enumerate(model.neurons)])]
    if isinstance(model, Neuron):
        return [("neuron", [("neuron", model)])]
    raise TypeError(f"draw_network draws an MLP, Layer or Neuron, got {type(model).__name__}")


def _render(dot, filename):
    fmt = os.path.splitext(os.fsdecode(filename))[1].lstrip(".").lower()
    if not fmt:
        raise ValueError(f"draw_network: {filename!r} needs an extension naming the format, such as .svg or .png")
    if fmt in ("gv", "dot"):  # the DOT text itself, no Graphviz needed
        atomic_write(filename, dot.source.encode())
    else:
        render(dot, filename, fmt)
