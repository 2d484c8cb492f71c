"""The order of a graph: every node after the nodes it was computed from, found without recursion.

micrograd sorts the graph with a recursive `build_topo`, which fails past about a thousand nested ops; here the
same depth-first walk keeps its own stack, so a chain of a million ops is fine.
"""


def topological_order(roots):
    """Every node reachable from `roots` (a Value or a sequence of Values), each after all of its parents.

    The nodes with parents come in `inner_order`; each leaf comes just before the first node that uses it.
    """
    roots = as_roots(roots, "topological_order")
    order, placed = [], set()
    for node in inner_order(roots):
        for parent in node.parents:
            if not parent.parents and parent not in placed:
                placed.add(parent)
                order.append(parent)
        order.append(node)
    order += [root for root in dict.fromkeys(roots) if not root.parents and root not in placed]
    return order


def inner_order(roots):
    """The nodes with parents reachable from `roots`, each after its parents: the nodes backward walks.

    Depth first, the first parent first, as micrograd's build_topo: a node goes on the stack twice, first to
    push its parents above it, then, once they are placed, to be placed itself.
    """
    order, visited = [], set()
    stack = [(root, False) for root in reversed(as_roots(roots, "inner_order"))]
    while stack:
        node, parents_placed = stack.pop()
        if parents_placed:
            order.append(node)
        elif node.parents and node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack += [(parent, False) for parent in reversed(node.parents) if parent not in visited]
    return order


def as_roots(roots, caller):
    """`roots` (a Value or a non-empty sequence of Values) as a list; anything else is a TypeError naming `caller`."""
    if is_value(roots):
        return [roots]
    items = list(roots) if not isinstance(roots, (str, bytes)) and hasattr(roots, "__iter__") else None
    if not items or not all(is_value(item) for item in items):
        raise TypeError(f"{caller} needs a Value or a non-empty sequence of Values, got {roots!r:.200}")
    return items


def describe(nodes):
    """'x=2.0, 3.5' — the inputs of an op for an error message, with labels where set."""
    return ", ".join(f"{n.label}={n.data!r}" if n.label else repr(n.data) for n in nodes) or "constants"


def is_value(x):
    """True for a Value. value.py imports this module (through backward), so a Value is recognised by what it has,
    not by its class."""
    return hasattr(x, "parents") and hasattr(x, "parent_shares")
