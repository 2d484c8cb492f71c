"""Scopes in the picture: the scope each node is drawn in, and the nested labelled clusters of group_scopes."""

import itertools
import re

import graphviz
from graphviz import nohtml

from .labels import _plain


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


class _Clusters:
    """With group_scopes, one nested labelled cluster per scope path; otherwise everything goes in the graph.

    Siblings come out in index order (neuron 0 above neuron 1 in LR and RL, left of it in TB and BT). dot 2.43
    lays out a cluster's nodes and subclusters in the order written, but turns LR pictures by reversing the
    ranks of the root graph only: in TB and BT each cluster's contents are written last first.
    """

    def __init__(self, graph, enabled, box_names, rankdir="LR"):
        self.graph, self.enabled, self.clusters = graph, enabled, {}
        self.backwards = rankdir in ("TB", "BT")
        self.nodes = {}  # {path: [(name, label, attrs)]}, written into each cluster when it is closed
        # With collapse, a scope that has scopes inside it is a cluster; its own nodes' box sits inside it too.
        self.nesting = {path.rpartition("/")[0] for path in box_names}

    def node(self, path, name, label, box=False, **attrs):
        """Declare a node in the cluster of `path` (its innermost scope's box goes in the enclosing cluster)."""
        where = self.of(path, box)
        if where is self.graph:
            self.graph.node(name, label, **attrs)
        else:
            self.nodes.setdefault(where.name, []).append((name, label, attrs))

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
        """Write each cluster's nodes, then nest the clusters, innermost first, so each is complete before it is
        copied into its parent; siblings in index order (neurons.2 before neurons.10)."""
        for cluster in self.clusters.values():
            nodes = self.nodes.get(cluster.name, [])
            for name, label, attrs in reversed(nodes) if self.backwards else nodes:
                cluster.node(name, label, **attrs)
        paths = sorted(self.clusters, key=_natural, reverse=self.backwards)
        for path in sorted(paths, key=lambda p: -p.count("/")):  # stable: siblings keep the order above
            parent = path.rpartition("/")[0]
            (self.clusters[parent] if parent else self.graph).subgraph(self.clusters[path])


def _order_siblings(graph, members, clustered):
    """Keep sibling scopes (neurons 0, 1, 2, … of a layer; `members` maps each path to the drawn node that
    places it) in index order in every rankdir: neuron 0 on top in LR and RL, on the left in TB and BT (RL and
    BT mirror only the direction the layers go in).

    With ordering=out, dot keeps the out-edges of a node in the order written; an invisible point with an
    edge to each sibling, in index order, then orders the siblings (flat edges would too, but dot 2.43 loses
    flat edges between records). Measured on a 2-16-16-1 MLP: without it, layer 0 came out 10…15, 0…9.
    dot 2.43 ignores ordering inside clusters and on edges into them, so with group_scopes each sibling gets an
    invisible point of its own outside the clusters instead, the points chained in index order by invisible flat
    edges (points are no records): any other order of the siblings would cross the edges from the points.
    Without them a 2-4-4-1 MLP came out 3, 2, 1, 0 in TB, and a 2-16-16-1 MLP's collapsed layers 8…15, 0…7.
    """
    siblings = {}
    for path, name in members.items():
        siblings.setdefault(path.rpartition("/")[0], []).append((_natural(path), name))
    groups = [sorted(group) for group in siblings.values() if len(group) > 1]
    if not groups:
        return
    invisible = {"shape": "point", "style": "invis", "width": "0", "height": "0"}
    if not clustered:
        graph.attr(ordering="out")
    for k, group in enumerate(groups):
        if not clustered:
            graph.node(f"order{k}", "", **invisible)
            for _, name in group:
                graph.edge(f"order{k}", name, style="invis")
            continue
        points = [f"order{k}_{j}" for j in range(len(group))]
        with graph.subgraph() as row:
            row.attr(rank="same")
            for point in points:
                row.node(point, "", **invisible)
            for left, right in itertools.pairwise(points):
                row.edge(left, right, style="invis")
        for point, (_, name) in zip(points, group, strict=True):
            graph.edge(point, name, style="invis")


def _natural(path):
    """A sort key for scope paths that puts neurons.2 before neurons.10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]
