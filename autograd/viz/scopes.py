"""Scopes in the picture: the scope each node is drawn in, and the nested labelled clusters of group_scopes."""

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
