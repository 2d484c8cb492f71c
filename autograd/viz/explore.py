"""`explore(root)`: the graph as an interactive page that steps through forward and backward, node by node.

Python works out everything the page shows, its *scene*: the layout (Graphviz's `dot`, as `draw` uses, or
grandalf's Sugiyama layout without it), every node's data and gradient, and each step of backward: the node,
its gradient, and the share g·∂node/∂parent it passes to each parent. The page replays those shares in order,
so the sums it shows are the engine's own, to the last bit. One JavaScript module, explorer.js, draws the scene
and runs the steps: in Jupyter as an anywidget widget, and in the self-contained page `save()` writes.
"""

import html
import json
import pathlib

from ..backward import gradients
from ..explanation import Explanation
from ..files import atomic_write
from ..graph import as_roots, topological_order
from ..names import Names
from .labels import _op_text
from .layout import collapsed_layout, layout
from .scopes import _home_scopes

ESM = (pathlib.Path(__file__).with_name("explorer.js")).read_text(encoding="utf-8")
MAX_EXPLAINED = 60  # leaves whose derivation the page carries (each is an explain() run)


def explore(root, *, precision=4, rankdir="LR", max_nodes=6000, title=None):
    """An interactive picture of `root`'s graph: step through forward and backward, hover, collapse, search.

    In Jupyter it shows as a widget (it needs anywidget: pip install 'chaingrad[notebooks]'); `.save(path)`
    writes one HTML file that works offline. Gradients are ∂root/∂node, computed without touching `.grad`.
    """
    (root,) = as_roots(root, "explore")  # one output: backward starts from one node
    return Explorer(_scene(root, precision, rankdir, max_nodes, title))


class Explorer:
    """What `explore` returns: `scene` (the JSON the page draws), `html()`, `save(path)`, `widget()`."""

    def __init__(self, scene):
        self.scene, self._widget = scene, None

    def html(self):
        """The whole page as a str: the scene, explorer.js and its styles inline, no network request."""
        scene = json.dumps(self.scene, separators=(",", ":")).replace("</", "<\\/")
        title = html.escape(self.scene["title"])
        return _PAGE.format(title=title, scene=scene, module=ESM)

    def save(self, path):
        """Write the page to `path` (atomically) and return the path; open it in any browser, offline."""
        atomic_write(path, self.html().encode("utf-8"))
        return path

    def widget(self):
        """The Jupyter widget (anywidget) showing this explorer."""
        if self._widget is None:
            self._widget = _widget_class()(scene=self.scene)
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        try:
            return self.widget()._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
        except ImportError:
            text = "explore() shows as a widget with anywidget installed (pip install 'chaingrad[notebooks]')"
            return {"text/plain": f"{self!r}\n{text}; or .save('graph.html') and open that."}

    def __repr__(self):
        scene = self.scene
        return f"<Explorer of {scene['title']!r}: {len(scene['nodes'])} drawn nodes, {len(scene['backward'])} steps>"


def _widget_class():
    import anywidget  # only the widget needs it
    import traitlets

    class ExplorerWidget(anywidget.AnyWidget):
        """The explorer in Jupyter: explorer.js renders the synced `scene`."""

        _esm = ESM
        scene = traitlets.Dict().tag(sync=True)

    return ExplorerWidget


def _scene(root, precision, rankdir, max_nodes, title):
    order = topological_order(root)
    drawn = len(order) + sum(1 for node in order if node.parents)
    if max_nodes is not None and drawn > max_nodes:
        raise ValueError(
            f"explore: this graph has {drawn:,} drawn nodes, more than max_nodes={max_nodes:,}; raise max_nodes, "
            "or explore a smaller part of it (one sample's loss)"
        )
    index = {node: i for i, node in enumerate(order)}
    grads = gradients(root)
    names = Names(precision)
    home = _home_scopes(order)
    boxes = layout(order, index, rankdir, precision, grads)
    nodes, edges = [], []
    for node in order:
        i = index[node]
        value_id = f"n{i}"
        if node.parents:
            op_id = f"op{i}"
            nodes.append({"id": op_id, "kind": "op", "text": _op_text(node, precision), "scope": home[node],
                          **boxes[op_id]})  # fmt: skip
            edges.append({"from": op_id, "to": value_id, "points": boxes.edge(op_id, value_id)})
            derivatives = names.derivatives(node)
            locals_ = _local_grads(node)
            for position, parent in enumerate(node.parents):
                parent_id = f"n{index[parent]}"
                edges.append({
                    "from": parent_id, "to": op_id, "position": position, "local": locals_[position],
                    "formula": _text(derivatives[position], names.partial(node, parent)),
                    "points": boxes.edge(parent_id, op_id),
                })  # fmt: skip
        nodes.append({
            "id": value_id, "kind": "value", "label": node.label, "name": names.text(node), "op": node.op,
            "data": node.data, "grad": grads.get(node, 0.0), "scope": home[node], "leaf": not node.parents,
            **boxes[value_id],
        })  # fmt: skip
    return {
        "title": title or f"∂{names.text(root)}: the graph of {len(order)} values",
        "precision": precision,
        "width": boxes.width,
        "height": boxes.height,
        "output": f"n{index[root]}",
        "nodes": nodes,
        "edges": edges,
        "scopes": _scopes(order, home, boxes, index),
        "collapsed": _collapsed_view(order, home, index, rankdir, precision, grads),
        "forward": [f"n{i}" for i in range(len(order))],
        "backward": _backward_steps(root, order, index, grads),
        "explanations": _explanations(root, order, index, precision),
    }


def _backward_steps(root, order, index, grads):
    """One step per node with parents, output first: its gradient and the share it sends each parent."""
    steps = []
    for node in reversed(order):
        if not node.parents:
            continue
        shares = node.parent_shares(grads[node])
        sends = [[f"n{index[parent]}", share, position] for position, (parent, share) in
                 enumerate(zip(node.parents, shares, strict=True))]  # fmt: skip
        steps.append({"node": f"n{index[node]}", "grad": grads[node], "sends": sends})
    return steps


def _explanations(root, order, index, precision):
    """{leaf id: explain(root, leaf)'s text} for the labelled leaves first, at most MAX_EXPLAINED of them."""
    leaves = [node for node in order if not node.parents and node is not root]
    leaves.sort(key=lambda node: not node.label)
    names = Names(precision)  # one for all: each node is named once
    chosen = leaves[:MAX_EXPLAINED]
    return {f"n{index[leaf]}": str(Explanation(root, leaf, precision, 8, names=names)) for leaf in chosen}


def _scopes(order, home, boxes, index):
    """Each scope path with the ids of the nodes drawn in it (nested scopes included) and its box."""
    members = {}
    for node in order:
        path = home[node]
        while path:
            ids = members.setdefault(path, [])
            ids.append(f"n{index[node]}")
            if node.parents:
                ids.append(f"op{index[node]}")
            path = path.rpartition("/")[0]
    return [{"path": path, "label": path.rpartition("/")[2], "members": ids, **boxes.around(ids, path.count("/"))}
            for path, ids in sorted(members.items(), key=lambda item: item[0].count("/"))]  # fmt: skip


def _collapsed_view(order, home, index, rankdir, precision, grads):
    """The picture with one box per innermost scope (a neuron), for big graphs: where each drawn item goes, the
    edges between them, and for each box its scope path and the values it hands out. None without scopes."""
    paths = list(dict.fromkeys(home[node] for node in order if home[node]))  # as to_dot(collapse=True) numbers them
    if not paths:
        return None
    boxes = collapsed_layout(order, rankdir, precision, grads)
    if boxes is None:
        return None
    box_of = {node: f"s{paths.index(home[node])}" for node in order if home[node]}
    item = {node: box_of.get(node, f"n{index[node]}") for node in order}
    edges = {}
    for node in order:
        if not node.parents:
            continue
        head = box_of.get(node, f"op{index[node]}")
        if node not in box_of:
            edges[(head, f"n{index[node]}")] = None
        for parent in node.parents:
            if item[parent] != head:
                edges[(item[parent], head)] = None
    outputs = {}
    for node in order:
        for parent in node.parents:
            if parent in box_of and item[node] != box_of[parent]:
                outputs.setdefault(box_of[parent], {})[f"n{index[parent]}"] = None
    outputs.setdefault(box_of.get(order[-1]), {})[f"n{len(order) - 1}"] = None
    shown = set(boxes.boxes)
    return {
        "width": boxes.width,
        "height": boxes.height,
        "items": boxes.boxes,
        "edges": [{"from": a, "to": b, "points": boxes.edge(a, b)} for a, b in edges if a in shown and b in shown],
        "boxes": [
            {"id": f"s{k}", "path": path, "outputs": list(outputs.get(f"s{k}", {}))} for k, path in enumerate(paths)
        ],
        "box_of": {f"n{index[node]}": box for node, box in box_of.items()},
    }


def _local_grads(node):
    try:
        return [float(g) for g in node.local_grads()]
    except (ArithmeticError, ValueError):
        return [None] * len(node.parents)


def _text(tree, fallback):
    from .. import formula

    return fallback if tree is None else formula.text(tree)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body {{ margin: 0; padding: 12px; font-family: Helvetica, Arial, sans-serif; }}</style>
</head>
<body>
<div id="explorer"></div>
<script type="application/json" id="scene">{scene}</script>
<script type="module">
{module}
const scene = JSON.parse(document.getElementById("scene").textContent);
const model = {{ get: (key) => (key === "scene" ? scene : undefined), set() {{}}, on() {{}}, save_changes() {{}} }};
render({{ model, el: document.getElementById("explorer") }});
</script>
</body>
</html>
"""
