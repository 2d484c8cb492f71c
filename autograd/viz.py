"""Pictures of the graph: `to_dot` builds Graphviz DOT (no executable needed), `draw` renders it with `dot`.

Value nodes are records (label | data | grad); each op is its own small node; edges go parent -> op -> result.
Node names come from topological order (n0, n1, …; op3 is the op that made n3), never from id(), so the same
graph gives byte-identical DOT in every run and process.
"""

import math
import os
import re

import graphviz
from graphviz import nohtml

from .backward import as_roots, topological_order
from .files import atomic_write
from .value import Value

INSTALL_HINT = (
    "Graphviz's `dot` executable was not found on PATH, so the graph cannot be rendered. Install Graphviz:\n"
    "  sudo apt-get install graphviz   |   brew install graphviz   |   conda install -c conda-forge graphviz\n"
    "Without it, autograd.to_dot(...).source still gives the DOT text."
)

_FONT = "Helvetica,Arial,sans-serif"
_INK, _EDGE, _HIGHLIGHT = "#374151", "#6b7280", "#ea580c"
_FILL = {"leaf": "#dbeafe", "param": "#dcfce7", "interior": "#ffffff", "output": "#fef3c7", "scope": "#ede9fe"}
_OP_FILL = {"arithmetic": "#f3f4f6", "function": "#e0e7ff", "activation": "#fce7f3"}
_ARITHMETIC = {"+", "-", "*", "/", "neg", "sum"}
_ACTIVATIONS = {"tanh", "sigmoid", "relu", "leaky_relu", "elu", "softplus"}
# Which operand is which, for ops whose two Value inputs cannot be swapped: the second input's edge says it.
_SECOND_OPERAND = {"-": "subtracted", "/": "divisor", "**": "exponent"}
# Above this many drawn nodes, cap dot's network-simplex and crossing-minimisation passes. Measured with dot
# 2.43 on a 1,327-node loss graph: 7.8-8.8 s by default, 1.6 s capped. Small pictures keep the default passes,
# which are fast there and place nodes a little more evenly.
_LARGE = 300
_LARGE_LAYOUT = {"nslimit": "2", "nslimit1": "2", "mclimit": "0.1"}
_CAPTION = "Numbers on edges: the local derivative ∂(op output)/∂(input). Multiply them along a path: the chain rule."
# |grad| is coloured on a log scale centred at 1: blue fades in over 6 decades below it (vanishing), red over 6
# decades above it (exploding).
_DECADES = 6
_VANISHING, _EXPLODING, _NO_GRAD, _NAN = (37, 99, 235), (220, 38, 38), "#e5e7eb", "#a21caf"


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's `dot` is not installed: rendering needs it, `to_dot(...).source` does not."""


def to_dot(
    root,
    *,
    rankdir="LR",
    show_data=True,
    show_grad=True,
    show_local_grads=False,
    color_by=None,
    precision=4,
    max_nodes=1000,
    group_scopes=False,
    collapse=False,
    highlight=(),
):
    """The graph that made `root` (a Value or a sequence of outputs) as a `graphviz.Digraph`; `.source` is DOT text."""
    roots = _roots(root)
    _check_options(rankdir, color_by, precision, max_nodes)
    order = topological_order(roots)
    picture = _Picture(order, roots, _highlighted(highlight, order), collapse)
    picture.check_size(max_nodes)
    return picture.build(
        rankdir=rankdir,
        show_data=show_data,
        show_grad=show_grad,
        show_local_grads=show_local_grads,
        color_by=color_by,
        precision=precision,
        group_scopes=group_scopes,
    )


def draw(root, filename=None, format=None, **to_dot_options):
    """Draw `root`'s graph: an object Jupyter shows inline as SVG; with `filename`, also render that file now.

    `filename` is written exactly as given (no extension is appended), atomically. `format` is 'svg' unless the
    filename's extension names another Graphviz format ('graph.png' -> PNG). The result's `path` is the file
    written (None without `filename`). Raises GraphvizNotFoundError if a file is asked for and `dot` is missing.
    """
    graph = to_dot(root, **to_dot_options)
    drawing = Drawing(graph, format=_output_format(filename, format))
    if filename is not None:
        drawing.path = render(graph, filename, drawing.format)
    return drawing


class Drawing:
    """A drawn graph: `graph` (the Digraph), `source` (DOT), `path` (file written, or None); Jupyter shows SVG."""

    def __init__(self, graph, format="svg", path=None):
        self.graph, self.format, self.path = graph, format, path

    @property
    def source(self):
        """The DOT text."""
        return self.graph.source

    def svg(self):
        """The picture as SVG text (runs `dot`)."""
        return _pipe(self.graph, "svg").decode("utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        # Jupyter calls this with no arguments; it must never raise, or the notebook shows a traceback.
        try:
            return {"image/svg+xml": self.svg()}
        except GraphvizNotFoundError as error:
            return {"text/plain": f"{error}\n\n{self.source}"}
        except graphviz.CalledProcessError as error:
            return {"text/plain": f"Graphviz failed to render this graph: {error}\n\n{self.source}"}

    def __repr__(self):
        where = f"path={self.path!r}" if self.path else "display it in Jupyter, or .svg() for the SVG text"
        return f"<Drawing of {self.graph.comment}; {where}>"


# --- Options and inputs


def _roots(root):
    return list(dict.fromkeys(as_roots(root, "to_dot")))


def _check_options(rankdir, color_by, precision, max_nodes):
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"to_dot: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if color_by not in (None, "grad", "kind"):
        raise ValueError(f"to_dot: color_by must be None, 'grad' or 'kind', got {color_by!r}")
    if not isinstance(precision, int) or isinstance(precision, bool) or not 0 <= precision <= 17:
        raise ValueError(f"to_dot: precision must be an int from 0 to 17 (digits after the point), got {precision!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"to_dot: max_nodes must be a positive int or None (no limit), got {max_nodes!r}")


def _highlighted(highlight, order):
    nodes = [highlight] if isinstance(highlight, Value) else list(highlight)
    in_graph = set(order)
    for node in nodes:
        if not isinstance(node, Value):
            raise TypeError(f"to_dot: highlight takes Values, got {node!r}")
        if node not in in_graph:
            raise ValueError(f"to_dot: cannot highlight {node!r}: it is not in the graph being drawn")
    return set(nodes)


def _output_format(filename, format):
    extension = os.path.splitext(os.fspath(filename))[1][1:].lower() if filename is not None else ""
    if extension not in graphviz.FORMATS:
        extension = ""
    if format is None:
        return extension or "svg"
    if format not in graphviz.FORMATS:
        raise ValueError(f"draw: unknown format {format!r}; Graphviz formats include 'svg', 'png' and 'pdf'")
    if extension and extension != format:
        raise ValueError(f"draw: filename {filename!r} says {extension!r} but format={format!r}; make them agree")
    return format


# --- Building the picture


class _Picture:
    """Decides what is drawn (value, op and collapsed-scope nodes, and edges), then writes it into a Digraph."""

    def __init__(self, order, roots, marked, collapse):
        self.order, self.outputs, self.marked = order, set(roots), marked
        self.index = {node: i for i, node in enumerate(order)}
        self.home = _home_scopes(order)
        # collapse: every node at home in a scope disappears into one box per innermost scope path.
        scopes = dict.fromkeys(self.home[node] for node in order if collapse and self.home[node])
        self.box_names = {path: f"s{k}" for k, path in enumerate(scopes)}
        self.boxes = set(self.box_names.values())
        self.box_of, self.members = {}, {path: [] for path in self.box_names}
        for node in order:
            if self.home[node] in self.box_names:
                self.box_of[node] = self.box_names[self.home[node]]
                self.members[self.home[node]].append(node)
        # The values a box hands out: used by a node outside it (the box's record shows them).
        self.used_outside = {
            p for node in order for p in node.parents if self.box_of.get(p, self.item(node)) != self.item(node)
        }

    def item(self, node):
        """The drawn node that stands for `node`: its own record or its scope's box."""
        return self.box_of.get(node) or f"n{self.index[node]}"

    def drawn_values(self):
        return [node for node in self.order if node not in self.box_of]

    def check_size(self, max_nodes):
        values = self.drawn_values()
        ops = sum(1 for node in values if node.parents)
        total = len(values) + ops + len(self.box_names)
        if max_nodes is not None and total > max_nodes:
            raise ValueError(
                f"to_dot: this graph needs {total:,} drawn nodes ({len(values):,} values, {ops:,} ops, "
                f"{len(self.box_names):,} collapsed scopes), more than max_nodes={max_nodes:,}. Either raise the "
                f"limit (max_nodes={total}; Graphviz may take a while), or build parts of the graph inside "
                "`with autograd.scope('name'):` and pass collapse=True to draw each scope as one box."
            )
        self.total = total

    def build(self, *, rankdir, show_data, show_grad, show_local_grads, color_by, precision, group_scopes):
        values = self.drawn_values()
        graph = graphviz.Digraph("chaingrad", comment=f"{len(self.order)} values, {self.total} drawn nodes")
        graph.attr(rankdir=rankdir, fontname=_FONT, fontsize="11", nodesep="0.25", ranksep="0.3")
        if self.total > _LARGE:
            graph.attr(**_LARGE_LAYOUT)
        if show_local_grads:
            graph.attr(label=_CAPTION, labelloc="b", labeljust="l", fontcolor="#1d4ed8", fontsize="10")
        graph.attr("node", shape="record", style="filled", fontname=_FONT, fontsize="11", color=_INK, height="0.3")
        graph.attr("edge", color=_EDGE, arrowsize="0.7", fontname=_FONT, fontsize="9", fontcolor="#1d4ed8")
        containers = _Clusters(graph, group_scopes, self.box_names)
        lit = self._lit_items()
        # Fields stacked label over data over grad: records lay fields across the rank direction, so flip in TB.
        flip = rankdir in ("TB", "BT")
        for node in values:
            i, where = self.index[node], containers.of(self.home[node])
            if node.parents:
                where.node(f"op{i}", nohtml(_plain(_op_text(node, precision))), **self._op_style(node, color_by, lit))
            label = _record(node, show_data, show_grad, precision, flip)
            where.node(f"n{i}", nohtml(label), **self._value_style(node, color_by, lit))
        for path, name in self.box_names.items():
            label = _record_box(path, self.members[path], self, precision, flip)
            style = {"shape": "Mrecord", "fillcolor": _FILL["scope"]}
            if name in lit:
                style.update(color=_HIGHLIGHT, penwidth="2.5")
            containers.of(path, box=True).node(name, nohtml(label), **style)
        if color_by:
            graph.node("legend", _legend(color_by), shape="plaintext", style="")
        containers.close()
        for tail, head, attrs in self._edges(show_local_grads, precision, lit):
            graph.edge(tail, head, **attrs)
        return graph

    def _lit_items(self):
        """Names of the drawn nodes to emphasise: marked values, their boxes, and ops between two marked nodes."""
        lit = {self.item(node) for node in self.marked}
        for node in self.marked:
            if node not in self.box_of and any(self.item(p) in lit for p in node.parents):
                lit.add(f"op{self.index[node]}")
        return lit

    def _value_style(self, node, color_by, lit):
        kind = "output" if node in self.outputs else "interior" if node.parents else "leaf"
        if kind == "leaf" and color_by == "kind" and self.home[node]:
            kind = "param"
        style = {"fillcolor": _FILL[kind]}
        if color_by == "grad":
            style["fillcolor"], ink = _grad_colors(node.grad)
            if ink:
                style["fontcolor"] = ink
        if kind == "output":
            style["penwidth"] = "2"
        if f"n{self.index[node]}" in lit:
            style.update(color=_HIGHLIGHT, penwidth="2.5")
        return style

    def _op_style(self, node, color_by, lit):
        family = _op_family(node.op) if color_by == "kind" else "arithmetic"
        style = {"shape": "ellipse", "fillcolor": _OP_FILL[family], "width": "0.4", "margin": "0.04,0.02"}
        if f"op{self.index[node]}" in lit:
            style.update(color=_HIGHLIGHT, penwidth="2.5")
        return style

    def _edges(self, show_local_grads, precision, lit):
        """(tail, head, attrs) in topological order; edges into a box, or out of one into an op, appear once."""
        edges, seen = [], set()
        for node in self.order:
            i, parents = self.index[node], node.parents
            head = self.box_of.get(node) or f"op{i}"
            factors = _local_grads(node) if show_local_grads and node not in self.box_of else None
            for j, parent in enumerate(parents):
                tail = self.item(parent)
                if tail == head:
                    continue
                if tail in self.boxes or head in self.boxes:
                    if (tail, head) in seen:
                        continue
                    seen.add((tail, head))
                    edges.append((tail, head, _lit_edge({}, tail, head, lit)))
                    continue
                notes = []
                if j == 1 and len(parents) == 2 and node.op in _SECOND_OPERAND:
                    notes.append(_SECOND_OPERAND[node.op])
                if factors is not None:
                    notes.append(_number(factors[j], precision) if factors[j] is not None else "?")
                attrs = {"label": nohtml(_plain("\n".join(notes)))} if notes else {}
                edges.append((tail, head, _lit_edge(attrs, tail, head, lit)))
            if parents and node not in self.box_of:
                edges.append((f"op{i}", f"n{i}", _lit_edge({}, f"op{i}", f"n{i}", lit)))
        return edges


def _home_scopes(order):
    """{node: the scope it is drawn in}: its own, or for an unscoped leaf used only inside one scope, that scope.

    Modules make their weights outside any scope and use them inside theirs (nn opens scopes in forward), so a
    leaf whose every use lies in one scope is taken for that scope's parameter: it is grouped and collapsed with
    it, and color_by='kind' calls it a param. Data fed to several scopes stays outside them.
    """
    users = {}
    for node in order:
        for parent in node.parents:
            users.setdefault(parent, set()).add(node.scope)
    home = {}
    for node in order:
        home[node] = node.scope
        if not node.scope and not node.parents and len(users.get(node, ())) == 1:
            home[node] = next(iter(users[node]))
    return home


def _lit_edge(attrs, tail, head, lit):
    if tail in lit and head in lit:
        attrs.update(color=_HIGHLIGHT, penwidth="2.5")
    return attrs


class _Clusters:
    """With group_scopes, one nested labelled cluster per scope path; otherwise everything goes in the graph."""

    def __init__(self, graph, enabled, box_names):
        self.graph, self.enabled, self.clusters = graph, enabled, {}
        # With collapse, a scope that has scopes inside it is a cluster; its own nodes' box sits inside it too.
        self.nesting = {path.rpartition("/")[0] for path in box_names}

    def of(self, path, box=False):
        if not self.enabled or not path:
            return self.graph
        if box and path not in self.nesting:
            path = path.rpartition("/")[0]  # an innermost scope's box needs no cluster of its own
            if not path:
                return self.graph
        if path not in self.clusters:
            parent = path.rpartition("/")[0]
            if parent:
                self.of(parent)  # create ancestors first so clusters are numbered outside-in
            name = path.rpartition("/")[2]
            cluster = graphviz.Digraph(name=f"cluster_{len(self.clusters)}")
            cluster.attr(
                label=nohtml(_plain(name)),
                labeljust="l",
                style="rounded,filled",
                fillcolor="#f9fafb",
                color="#9ca3af",
                fontcolor="#4b5563",
            )
            self.clusters[path] = cluster
        return self.clusters[path]

    def close(self):
        """Nest the clusters, innermost first, so each is complete before it is copied into its parent."""
        paths = sorted(self.clusters, key=lambda p: -p.count("/"))  # stable: siblings keep first-seen order
        for path in paths:
            parent = path.rpartition("/")[0]
            (self.clusters[parent] if parent else self.graph).subgraph(self.clusters[path])


# --- Labels


def _record(node, show_data, show_grad, precision, flip):
    fields = [_record_text(node.label)] if node.label else []
    if show_data:
        fields.append(f"data {_number(node.data, precision)}")
    if show_grad:
        fields.append(f"grad {_number(node.grad, precision)}")
    body = "|".join(fields) or " "
    return f"{{{body}}}" if flip else body


def _record_box(path, members, picture, precision, flip):
    """A collapsed scope: its path, its size, and data/grad of the values it hands out (a few of them)."""
    ops = sum(1 for n in members if n.parents)
    outs = [n for n in members if n in picture.outputs or n in picture.used_outside]
    fields = [_record_text(path), f"{len(members)} values, {ops} ops"]
    shown = outs if len(outs) <= 4 else outs[:3]  # a batch of samples gives one output each: list a few
    for n in shown:
        name = f"{_record_text(n.label)}: " if n.label else "out: "
        fields.append(f"{name}data {_number(n.data, precision)} grad {_number(n.grad, precision)}")
    if len(outs) > len(shown):
        fields.append(f"… and {len(outs) - len(shown)} more outputs")
    body = "|".join(fields)
    return f"{{{body}}}" if flip else body


def _op_text(node, precision):
    """The op's name, with any plain-number operand or parameter: '* 3', '1 -', 'leaky_relu α=0.01'."""
    op, params, digits = node.op, node.params or {}, max(precision, 1)
    parts = [op]
    for key, value in params.items():
        if isinstance(value, tuple):  # dot's plain-number side: '· (2, 3)', at most four shown
            shown = ", ".join(format(v, f".{digits}g") for v in value[:4]) + (", …" if len(value) > 4 else "")
            parts.append(f"· ({shown})")
            continue
        number = format(value, f".{digits}g")
        if key == "right":
            parts.append(f"({number})" if value < 0 else number)  # '- (-1)', not '- -1'
        elif key == "left":
            parts.insert(0, number)
        elif key == "const":
            parts.append(f"+ {number}" if value >= 0 else f"- {format(-value, f'.{digits}g')}")
        elif key == "alpha":
            parts.append(f"α={number}")
        elif key != "exponent":  # '**2' already shows its exponent
            parts.append(f"{key}={number}")
    return " ".join(parts)


def _op_family(op):
    if op in _ARITHMETIC:
        return "arithmetic"
    return "activation" if op.partition("∘")[0] in _ACTIVATIONS else "function"  # a fused neuron: 'relu∘dot'



def _local_grads(node):
    try:
        return node.local_grads()
    except (ArithmeticError, ValueError):
        return (None,) * len(node.parents)


def _number(x, precision):
    """`precision` digits after the point; scientific where that would hide the digits (tiny or huge values)."""
    x = float(x.data if isinstance(x, Value) else x) + 0.0  # + 0.0 turns -0.0 into 0.0
    if not math.isfinite(x):
        return str(x)
    if x and not 10 ** -(precision // 2) <= abs(x) < 1e6:
        return f"{x:.{precision}e}"
    return f"{x:.{precision}f}"


_SPACE_RUNS = re.compile(r"(?<=\S)  +(?=\S)")


def _plain(text):
    """Escape text for an ordinary DOT label: backslashes stay literal, newlines break lines."""
    text = text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return text.replace("\n", "\\n")  # quotes are escaped by graphviz's quoting


def _record_text(text):
    """Escape text for a record field: also { } | < > and runs of spaces (which records would squeeze to one)."""
    text = re.sub(r"([{}|<>])", r"\\\1", _plain(text))
    return _SPACE_RUNS.sub(lambda m: " " + "\\ " * (len(m.group()) - 1), text)


def _grad_colors(grad):
    """(fill, text colour or None) for |grad| on a log scale: white at 1, blue when vanishing, red when exploding."""
    g = abs(float(grad.data if isinstance(grad, Value) else grad))
    if math.isnan(g):
        return _NAN, "white"
    if g == 0:
        return _NO_GRAD, None
    t = max(-1.0, min(1.0, math.log10(g) / _DECADES))
    end = _EXPLODING if t > 0 else _VANISHING
    rgb = [round(255 + (c - 255) * abs(t)) for c in end]
    return "#{:02x}{:02x}{:02x}".format(*rgb), "white" if abs(t) > 0.6 else None


def _legend(color_by):
    """An HTML-like table explaining the fill colours."""
    if color_by == "grad":
        steps = [10.0**k for k in range(-_DECADES, _DECADES + 1, 2)]
        cells = [(_grad_colors(s)[0], f"1e{round(math.log10(s)):+d}") for s in steps]
        cells += [(_NO_GRAD, "0"), (_NAN, "nan")]
        title = "|grad|"
    else:
        cells = [(_FILL[k], k) for k in ("leaf", "param", "interior", "output")]
        cells += [(fill, f"{family} op") for family, fill in _OP_FILL.items()]
        title = "kind"
    row = "".join(f'<TD BGCOLOR="{fill}"><FONT POINT-SIZE="9">{text}</FONT></TD>' for fill, text in cells)
    return f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0"><TR><TD>{title}</TD>{row}</TR></TABLE>>'


# --- Rendering


def _pipe(graph, format):
    try:
        return graph.pipe(format=format)
    except graphviz.ExecutableNotFound as error:
        raise GraphvizNotFoundError(INSTALL_HINT) from error


def render(graph, filename, format=None):
    """Render a graphviz graph into `filename` (written as given, atomically); the format follows the extension
    ('svg' without one) unless `format` is given. Returns the path. Raises GraphvizNotFoundError without `dot`."""
    path = os.fspath(filename)
    atomic_write(path, _pipe(graph, _output_format(path, format)))
    return path
