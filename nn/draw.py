"""`draw_network`: an MLP's architecture as a graphviz picture, every weight an edge coloured by its sign (or
its gradient's), each neuron labelled with its bias, and a legend saying so."""

import os

import graphviz

from autograd.files import atomic_write
from autograd.viz import Drawing, render

from .module import MLP, Layer, Neuron

POSITIVE, NEGATIVE, ZERO = "#1f77b4", "#d62728", "#999999"  # blue, red, grey
MAX_PENWIDTH = 3.0
# neato with pinned positions (see _column) keeps each layer's neurons in index order, top to bottom.
FONT = "Helvetica,Arial,sans-serif"  # as autograd.draw's pictures
GRAPH = {"rankdir": "LR", "splines": "false", "pad": "0.2", "outputorder": "edgesfirst", "fontname": FONT}
NODE = {
    "shape": "circle",
    "fixedsize": "true",
    "width": "0.5",
    "fontsize": "8",
    "fontname": FONT,
    "style": "filled",
    "fillcolor": "white",
}
COLOR_BY = ("weight", "grad")


def draw_network(model, filename=None, color_by="weight"):
    """A drawing of `model` (an MLP, Layer or Neuron): inputs, then each layer's neurons as circles labelled with
    their bias, left to right; the edge of weight w is blue if w > 0, red if w < 0, and MAX_PENWIDTH·|w|/max|w|
    points wide. color_by='grad' shows ∂loss/∂w instead, after a backward(). A legend says which.

    Jupyter shows it as autograd.draw's pictures show (`.graph` is the graphviz.Digraph, `.source` its DOT).
    With `filename` ('net.svg', '.png', '.pdf', ...; '.gv' or '.dot' for the DOT text) it is also written there,
    atomically.
    """
    if color_by not in COLOR_BY:
        raise ValueError(f"draw_network: color_by must be one of {COLOR_BY}, got {color_by!r}")
    layers = _layers(model)
    shown = (lambda v: 0.0 if v.grad is None else v.grad) if color_by == "grad" else (lambda v: v.data)
    largest = max((abs(shown(w)) for _, named in layers for _, n in named for w in n.w), default=0.0) or 1.0
    sizes = "-".join(str(n) for n in [len(layers[0][1][0][1].w)] + [len(named) for _, named in layers])
    dot = graphviz.Digraph("network", comment=f"the network {sizes}", engine="neato", graph_attr=GRAPH,
                           node_attr=NODE)  # fmt: skip
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
                    {
                        "label": f"{shown(n.b):.2g}" if n.b is not None else "",
                        "tooltip": f"{name}: " + (f"b = {n.b.data:.4g}, ∂/∂b = {_grad(n.b)}" if n.b is not None
                                                  else "no bias"),
                    },
                )
                for name, n in named
            ],
        )
        for name, neuron in named:
            for i, (source, w) in enumerate(zip(previous, neuron.w, strict=True)):
                value = shown(w)
                colour = POSITIVE if value > 0 else NEGATIVE if value < 0 else ZERO
                dot.edge(
                    source,
                    name,
                    color=colour,
                    arrowhead="none",
                    tooltip=f"{name}.w.{i} = {w.data:.4g}, ∂/∂w = {_grad(w)}",
                    penwidth=f"{max(MAX_PENWIDTH * abs(value) / largest, 0.1):.3f}",
                )
        previous = [name for name, _ in named]
    _legend(dot, len(layers), tallest, color_by)
    drawing = Drawing(dot, format="svg")
    if filename is not None:
        drawing.path = _render(dot, filename)
    return drawing


def _legend(dot, columns, tallest, color_by):
    """What the colours, widths and numbers mean, under the picture."""
    what = "∂loss/∂w (after backward)" if color_by == "grad" else "weight w"
    text = (f"edges: {what}, blue > 0, red < 0, width ∝ |value|\\lcircles: each neuron's "
            f"{'∂loss/∂b' if color_by == 'grad' else 'bias b'}\\l")
    dot.node("legend", text, shape="plaintext", fixedsize="false", fontsize="10",
             pos=f"{0.9 * columns},{-0.35 * tallest - 0.5}!")  # fmt: skip


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
        return filename
    return render(dot, filename, fmt)


def _grad(parameter):
    """Its gradient to 4 digits, or None where it has none yet (after `p.grad = None`)."""
    return "None" if parameter.grad is None else f"{parameter.grad:.4g}"
