"""Where each drawn node goes, for the explorer: Graphviz's `dot` (the layout `draw` uses) when it is installed,
else grandalf's Sugiyama layout in pure Python. Either way: the same graph, the same picture, every run."""

import json

from .dot import to_dot
from .labels import _number, _op_text
from .rendering import GraphvizError, _pipe

POINTS_PER_INCH = 72
GRANDALF_LIMIT = 2000  # drawn nodes; grandalf took 0.4 s for an MLP's 746 and 32 s for 560 with long edges
_ROW, _CHAR, _PAD = 19.0, 6.6, 14.0  # grandalf: a text row's height and a character's width, in points


class Boxes:
    """{drawn node id: its box {x, y (centre), w, h}}, edges as point lists, in points with y growing down."""

    def __init__(self, boxes, edges, width, height, spline):
        self.boxes, self.edges, self.width, self.height, self.spline = boxes, edges, width, height, spline

    def __getitem__(self, node_id):
        return self.boxes[node_id]

    def edge(self, tail, head):
        """The edge's points: a cubic Bézier spline (dot) or its two ends (grandalf), the last at the head."""
        points = self.edges.get((tail, head))
        if points is None:  # an edge dot merged with its twin (x * x): the straight line
            a, b = self.boxes[tail], self.boxes[head]
            points = [[a["x"], a["y"]], [b["x"], b["y"]]]
        return {"spline": self.spline and len(points) > 2, "points": points}

    def around(self, ids, depth):
        """A scope's box: around its members, with room for its name on top; outer scopes a little wider."""
        pad = 10.0 + 6.0 * max(0, 3 - depth)
        xs0 = min(self.boxes[i]["x"] - self.boxes[i]["w"] / 2 for i in ids)
        xs1 = max(self.boxes[i]["x"] + self.boxes[i]["w"] / 2 for i in ids)
        ys0 = min(self.boxes[i]["y"] - self.boxes[i]["h"] / 2 for i in ids)
        ys1 = max(self.boxes[i]["y"] + self.boxes[i]["h"] / 2 for i in ids)
        return {"x": (xs0 + xs1) / 2, "y": (ys0 + ys1) / 2 - 7, "w": xs1 - xs0 + 2 * pad, "h": ys1 - ys0 + 2 * pad + 14}


def collapsed_layout(order, rankdir, precision, grads):
    """The Boxes of the graph drawn with one box per innermost scope (ids s0, s1, …, as to_dot(collapse=True)
    names them), or None if Graphviz cannot lay it out: the explorer then offers the expanded view only."""
    try:
        return _dot_layout(order[-1], rankdir, precision, grads, collapse=True)
    except GraphvizError:
        return None


def layout(order, index, rankdir, precision, grads):
    """The Boxes of the graph `order` (a topological order; its last node the output), each value's box sized
    for its gradient in `grads`."""
    try:
        return _dot_layout(order[-1], rankdir, precision, grads)
    except GraphvizError as error:  # not installed, or it failed or ran out of time on this graph
        drawn = len(order) + sum(1 for node in order if node.parents)
        if drawn > GRANDALF_LIMIT:
            raise GraphvizError(
                f"explore: {error} Without it, this graph of {drawn:,} drawn nodes is too big to lay out in Python "
                f"(grandalf takes minutes past {GRANDALF_LIMIT:,}): install Graphviz, or explore a smaller graph"
            ) from None
        try:
            return _grandalf_layout(order, index, rankdir, precision, grads)
        except ImportError:
            raise GraphvizError(
                f"explore: {error} Without it the explorer lays graphs out with grandalf, which is not installed "
                "either: pip install grandalf (or 'chaingrad[notebooks]'), or install Graphviz"
            ) from None


def _dot_layout(root, rankdir, precision, grads, collapse=False):
    graph = to_dot(root, rankdir=rankdir, precision=precision, max_nodes=None, group_scopes=True, grads=grads,
                   collapse=collapse)  # fmt: skip
    laid = json.loads(_pipe(graph, "json", None))
    x0, y0, x1, y1 = (float(v) for v in laid["bb"].split(","))
    names, boxes = {}, {}
    for k, obj in enumerate(laid.get("objects", [])):
        if "pos" not in obj:
            continue  # a cluster
        x, y = (float(v) for v in obj["pos"].split(","))
        names[k] = obj["name"]
        boxes[obj["name"]] = {
            "x": x - x0,
            "y": y1 - y,
            "w": float(obj["width"]) * POINTS_PER_INCH,
            "h": float(obj["height"]) * POINTS_PER_INCH,
        }
    edges = {}
    for edge in laid.get("edges", []):
        tail, head = names.get(edge["tail"]), names.get(edge["head"])
        if tail is None or head is None or "pos" not in edge:
            continue
        points, tip = [], None
        for part in edge["pos"].split():
            if part.startswith("e,"):
                tip = part[2:]
            elif not part.startswith("s,"):
                points.append(part)
        points = [_point(p, x0, y1) for p in points] + ([_point(tip, x0, y1)] if tip else [])
        edges[(tail, head)] = points
    return Boxes(boxes, edges, x1 - x0, y1 - y0, spline=True)


def _point(text, x0, y1):
    x, y = (float(v) for v in text.split(","))
    return [round(x - x0, 2), round(y1 - y, 2)]


def _grandalf_layout(order, index, rankdir, precision, grads):
    """Sugiyama's layered layout (grandalf), each node sized from its text, layers along `rankdir`."""
    from grandalf.graphs import Edge, Graph, Vertex
    from grandalf.layouts import SugiyamaLayout

    class View:
        def __init__(self, w, h):
            self.w, self.h, self.xy = w, h, (0.0, 0.0)

    sizes, vertices = {}, {}
    for node in order:
        i = index[node]
        rows = [node.label] if node.label else []
        rows += [f"data {_number(node.data, precision)}", f"grad {_number(grads.get(node, 0.0), precision)}"]
        sizes[f"n{i}"] = (max(map(len, rows)) * _CHAR + _PAD, _ROW * len(rows) + 4)
        if node.parents:
            sizes[f"op{i}"] = (len(_op_text(node, precision)) * _CHAR + _PAD + 8, 22.0)
    flip = rankdir in ("LR", "RL")
    for name, (w, h) in sizes.items():
        vertex = Vertex(name)
        vertex.view = View(h, w) if flip else View(w, h)  # layers run down the page; LR turns it on its side
        vertices[name] = vertex
    links = []
    for node in order:
        if node.parents:
            i = index[node]
            links.append((f"op{i}", f"n{i}"))
            links += [(f"n{index[p]}", f"op{i}") for p in dict.fromkeys(node.parents)]
    graph = Graph(list(vertices.values()), [Edge(vertices[a], vertices[b]) for a, b in links])
    boxes, left = {}, 0.0
    for component in graph.C:  # side by side, in the order of their first node
        sugiyama = SugiyamaLayout(component)
        sugiyama.init_all()
        sugiyama.draw()
        placed = [(v.data, v.view) for v in component.sV]
        min_x = min(view.xy[0] - view.w / 2 for _, view in placed)
        max_x = max(view.xy[0] + view.w / 2 for _, view in placed)
        for name, view in placed:
            boxes[name] = (view.xy[0] - min_x + left, view.xy[1], view.w, view.h)
        left += max_x - min_x + 30
    min_y = min(y - h / 2 for _, y, _, h in boxes.values())
    result = {}
    for name, (x, y, w, h) in boxes.items():
        x, y = x, y - min_y + 8
        if flip:  # the layers ran down; LR runs them left to right
            x, y, w, h = y, x, h, w
        result[name] = {"x": x, "y": y, "w": w, "h": h}
    width = max(b["x"] + b["w"] / 2 for b in result.values()) + 8
    height = max(b["y"] + b["h"] / 2 for b in result.values()) + 8
    return Boxes(result, {}, width, height, spline=False)
