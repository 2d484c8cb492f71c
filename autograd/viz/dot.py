"""`to_dot`: the graph that made a Value, as a graphviz.Digraph; building it needs no Graphviz executable.

Value nodes are records (label | data | grad); each op is its own small node; edges go parent -> op -> result.
Node names come from topological order (n0, n1, …; op3 is the op that made n3), never from id(), so the same
graph gives byte-identical DOT in every run and process.
"""

import graphviz
from graphviz import nohtml

from ..graph import as_roots, topological_order
from ..value import Value
from .labels import _number, _op_text, _plain, _record, _record_box
from .scopes import _Clusters, _home_scopes, _order_siblings
from .style import _EDGE, _FILL, _FONT, _HIGHLIGHT, _INK, _OP_FILL, _grad_colors, _legend, _op_family

# Which operand is which, for ops whose two Value inputs cannot be swapped: the second input's edge says it.
_SECOND_OPERAND = {"-": "subtracted", "/": "divisor", "**": "exponent"}
# Above this many drawn nodes, cap dot's network-simplex and crossing-minimisation passes. Measured with dot
# 2.43 on a 1,327-node loss graph: 7.8-8.8 s by default, 1.6 s capped. Small pictures keep the default passes,
# which are fast there and place nodes a little more evenly.
_LARGE = 300
_LARGE_LAYOUT = {"nslimit": "2", "nslimit1": "2", "mclimit": "0.1"}
_MANY_EDGES = 40  # edges between collapsed boxes; past this many they are drawn faint
_FAINT_EDGE = {"color": "#6b728059", "penwidth": "0.6", "arrowsize": "0.4"}
_NO_BACKWARD_YET = "Every grad is 0: the gradients are computed by backward(); call output.backward() first."
_MONOSPACE = "DejaVu Sans Mono,Menlo,Consolas,monospace"  # the derivation's = signs line up
_CAPTION = "Numbers on edges: the local derivative ∂(op output)/∂(input). Multiply them along a path: the chain rule."


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
    explain=None,
    grads=None,
):
    """The graph that made `root` (a Value or a sequence of outputs) as a `graphviz.Digraph`; `.source` is DOT text.

    `explain=w` (or a pair `(upper, lower)`) highlights every path from `root` (or `upper`) down to `w`, writes
    the local derivative on the edges along them, and captions the picture with `autograd.explain`'s derivation.
    `grads` ({node: gradient}) shows those gradients instead of each node's `.grad`.
    """
    roots = _roots(root)
    _check_options(rankdir, color_by, precision, max_nodes)
    if max_nodes is not None:
        _refuse_early(roots, max_nodes, collapse)  # before the whole graph is ordered and indexed
    order = topological_order(roots)
    explanation = _explanation(explain, roots, order, precision)
    marked = _highlighted(highlight, order) | (explanation.nodes if explanation else set())
    picture = _Picture(order, roots, marked, collapse, explanation)
    picture.grads = grads or {}
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


def _refuse_early(roots, max_nodes, collapse):
    """Walk the graph from `roots`, counting nodes that will surely be drawn, and refuse it once there are more
    than 10·max_nodes: refusing a graph of a million values costs about 10·max_nodes steps, not a million.

    The count is a lower bound of _Picture.check_size's exact total, which then runs on the graphs this lets
    through and gives the exact number to a graph up to ten times too big. With collapse, a scoped node counts
    once per scope (its box); an unscoped leaf counts once a node outside any scope uses it, or uses from two
    scopes show that it is not one scope's parameter (see _home_scopes).
    """
    budget = 10 * max_nodes
    seen, boxes, first_user_scope, count = set(roots), set(), {}, 0
    stack = list(roots)
    while stack:
        node = stack.pop()
        if not collapse:
            count += 2 if node.parents else 1
        elif node.scope:
            count += node.scope not in boxes
            boxes.add(node.scope)
        elif node.parents:
            count += 2
        for parent in node.parents:
            if collapse and not parent.scope and not parent.parents:
                shown = first_user_scope.setdefault(parent, node.scope)
                if shown is not None and (not node.scope or shown != node.scope):
                    first_user_scope[parent] = None  # drawn on its own: count it once
                    count += 1
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
        if count > budget:
            raise ValueError(
                f"to_dot: this graph needs more than {budget:,} drawn nodes (counting stopped there, after "
                f"{len(seen):,} values), far more than max_nodes={max_nodes:,}. Either raise the limit "
                "(max_nodes=None draws any size; Graphviz may take very long), or build parts of the graph inside "
                "`with autograd.scope('name'):` and pass collapse=True to draw each scope as one box."
            )


def _explanation(explain, roots, order, precision):
    """The Explanation `to_dot(explain=...)` asks for: of the one root by a Value, or of upper by lower."""
    if explain is None:
        return None
    from ..explanation import Explanation  # drawing needs it only when asked

    pair = explain if isinstance(explain, (tuple, list)) else (None, explain)
    if (
        len(pair) != 2
        or not all(isinstance(v, Value) for v in pair[1:])
        or not (pair[0] is None or isinstance(pair[0], Value))
    ):
        raise TypeError(f"to_dot: explain takes a Value, or two Values (upper, lower), got {explain!r:.100}")
    upper, lower = pair
    if upper is None:
        if len(roots) != 1:
            raise ValueError("to_dot: with several outputs, explain takes a pair (output, value) to say which output")
        upper = roots[0]
    in_graph = set(order)
    for node in (upper, lower):
        if node not in in_graph:
            raise ValueError(f"to_dot: cannot explain through {node!r}: it is not in the graph being drawn")
    return Explanation(upper, lower, precision)


# --- Building the picture


class _Picture:
    """Decides what is drawn (value, op and collapsed-scope nodes, and edges), then writes it into a Digraph."""

    def __init__(self, order, roots, marked, collapse, explanation=None):
        self.order, self.outputs, self.marked, self.explanation = order, set(roots), marked, explanation
        self.explained = explanation.nodes if explanation is not None else set()
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
        if self.explanation is not None:
            graph.attr(label=_derivation(self.explanation), labelloc="b", labeljust="l", fontcolor="#9a3412",
                       fontsize="11", fontname=_MONOSPACE)  # fmt: skip
        elif show_local_grads or (show_grad and self._never_backpropagated()):
            caption = [_CAPTION] if show_local_grads else []
            if show_grad and self._never_backpropagated():
                caption.append(_NO_BACKWARD_YET)
            graph.attr(label="\n".join(caption), labelloc="b", labeljust="l", fontcolor="#1d4ed8", fontsize="10")
        graph.attr("node", shape="record", style="filled", fontname=_FONT, fontsize="11", color=_INK, height="0.3")
        graph.attr("edge", color=_EDGE, arrowsize="0.7", fontname=_FONT, fontsize="9", fontcolor="#1d4ed8")
        containers = _Clusters(graph, group_scopes, self.box_names, rankdir)
        self.full_labels = _full_labels(values, self.home)
        lit = self._lit_items()
        # Fields stacked label over data over grad: records lay fields across the rank direction, so flip in TB.
        flip = rankdir in ("TB", "BT")
        for node in values:
            i, home = self.index[node], self.home[node]
            if node.parents:
                op_style = {**self._op_style(node, color_by, lit), "tooltip": _plain(f"op {node.op}")}
                containers.node(home, f"op{i}", nohtml(_plain(_op_text(node, precision))), **op_style)
            grad = self.grads.get(node, node.grad)
            label = _record(node, show_data, show_grad, precision, flip, grad, self.full_labels.get(node))
            made = f"op {node.op}" if node.op else "leaf"
            tooltip = f"{node.label or 'value'}: {made}, data {node.data!r}, grad {grad!r}"
            style = {**self._value_style(node, color_by, lit), "tooltip": _plain(tooltip)}
            containers.node(home, f"n{i}", nohtml(label), **style)
        for path, name in self.box_names.items():
            label = _record_box(path, self.members[path], self, precision, flip)
            style = {"shape": "Mrecord", "fillcolor": _FILL["scope"]}
            if name in lit:
                style.update(color=_HIGHLIGHT, penwidth="2.5")
            containers.node(path, name, nohtml(label), box=True, **style)
        if color_by:
            graph.node("legend", _legend(color_by), shape="plaintext", style="")
        containers.close()
        _order_siblings(graph, self._sibling_members(group_scopes), group_scopes)
        edges = self._edges(show_local_grads, precision, lit)
        between_boxes = sum(1 for tail, head, _ in edges if tail in self.boxes and head in self.boxes)
        if between_boxes > _MANY_EDGES:
            graph.attr(ranksep="1.6")  # room between layers, so the edges fan out instead of piling up
        for tail, head, attrs in edges:
            if between_boxes > _MANY_EDGES and tail in self.boxes and head in self.boxes and "color" not in attrs:
                attrs = {**attrs, **_FAINT_EDGE}  # 256 edges from layer to layer: thin and see-through, not a bar
            graph.edge(tail, head, **attrs)
        return graph

    def _sibling_members(self, clustered):
        """{scope path: the drawn node that places it}: its collapsed box, or with group_scopes and no collapse,
        the last value drawn in its cluster (a neuron's output)."""
        if self.box_names or not clustered:
            return dict(self.box_names)
        return {self.home[node]: f"n{self.index[node]}" for node in self.drawn_values() if self.home[node]}

    def _never_backpropagated(self):
        """True if no gradient has been computed yet: every drawn grad is 0 (as before backward()) or None."""
        untouched = all(node.grad is None or node.grad == 0 for node in self.order)
        return not self.grads and untouched and any(n.parents for n in self.order)

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
            explained = node in self.explained
            factors = _local_grads(node) if parents and node not in self.box_of else None
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
                on_path = not explained or parent in self.explained
                if factors is not None and (show_local_grads or (explained and on_path)):
                    notes.append(_number(factors[j], precision) if factors[j] is not None else "?")
                attrs = {"label": nohtml(_plain("\n".join(notes)))} if notes else {}
                if factors is not None:  # hovering the edge: ∂(output)/∂(input) = the local derivative
                    local = "?" if factors[j] is None else repr(factors[j])
                    attrs["tooltip"] = _plain(f"∂({node.label or node.op})/∂({parent.label or 'input'}) = {local}")
                edges.append((tail, head, _lit_edge(attrs, tail, head, lit)))
            if parents and node not in self.box_of:
                edges.append((f"op{i}", f"n{i}", _lit_edge({}, f"op{i}", f"n{i}", lit)))
        return edges


def _full_labels(values, home):
    """{node: its full name} for labels drawn more than once (five weights all 'w.0'): its scope's path, then
    the label, as named_parameters() names it: layers.0.neurons.3.w.0."""
    counts = {}
    for node in values:
        if node.label:
            counts[node.label] = counts.get(node.label, 0) + 1
    return {node: f"{home[node].replace('/', '.')}.{node.label}" for node in values
            if node.label and counts[node.label] > 1 and home[node]}  # fmt: skip


def _derivation(explanation, max_lines=16):
    """The derivation as a left-justified DOT caption, cut to `max_lines` lines."""
    lines = str(explanation).splitlines()
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], f"… ({len(lines) - max_lines + 1} more lines: print autograd.explain(...))"]
    return "".join(_plain(line) + "\\l" for line in lines)


def _lit_edge(attrs, tail, head, lit):
    if tail in lit and head in lit:
        attrs.update(color=_HIGHLIGHT, penwidth="2.5")
    return attrs


def _local_grads(node):
    try:
        return node.local_grads()
    except (ArithmeticError, ValueError):
        return (None,) * len(node.parents)
