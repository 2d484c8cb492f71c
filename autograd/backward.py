"""Reverse mode: order the graph without recursion, then apply the chain rule from the output back to the leaves."""

import math
import operator
from contextlib import nullcontext

from .fused import ADD_GRADS
from .modes import enable_grad, get_mode
from .value import Value, describe, shares

_data = operator.attrgetter("data")


def topological_order(roots):
    """Every node reachable from `roots` (a Value or a sequence of Values), each after all of its parents.

    The inner nodes come in `inner_order`'s order, each leaf just before the first node that uses it.
    """
    roots = as_roots(roots, "topological_order")
    order, placed = [], set()
    for node in inner_order(roots):
        for parent in node.parents:
            if not parent._parents and parent not in placed:
                placed.add(parent)
                order.append(parent)
        order.append(node)
    order += [root for root in dict.fromkeys(roots) if not root._parents and root not in placed]
    return order


def as_roots(roots, caller):
    """`roots` (a Value or a non-empty sequence of Values) as a list; anything else is a TypeError naming `caller`."""
    if isinstance(roots, Value):
        return [roots]
    items = list(roots) if not isinstance(roots, (str, bytes)) and hasattr(roots, "__iter__") else None
    if not items or not all(isinstance(item, Value) for item in items):
        raise TypeError(f"{caller} needs a Value or a non-empty sequence of Values, got {roots!r}")
    return items


def inner_order(roots):
    """The nodes with parents reachable from `roots`, each after its parents: all that backward walks.

    Depth first with an explicit stack instead of recursion, so a chain of a million ops needs no raised
    recursion limit. Opening a node also opens the chain of one-parent nodes above it; when the chain ends at a
    leaf or a placed node it is placed at once, deepest first, and otherwise a marker goes on top of it (None for
    a single node, else the chain's start index) to place it once the parents pushed above are placed. The stack
    holds only nodes and markers, so a deep graph allocates nothing per node for the collector to chase. Leaves,
    a network's weights and inputs, are never pushed at all.
    """
    roots = [roots] if isinstance(roots, Value) else as_roots(roots, "inner_order")
    order, visited, stack = [], set(), [root for root in reversed(roots) if root._parents]
    place, place_all, visit, push, pop = order.append, order.extend, visited.add, stack.append, stack.pop
    while stack:
        node = pop()
        if node is None:  # the node under it has all its parents placed
            place(pop())
        elif node.__class__ is int:  # the same for a chain of nodes, stack[node:], the last opened deepest
            place_all(reversed(stack[node:]))
            del stack[node:]
        elif node not in visited:
            # Open the node and the chain of one-parent nodes above it (one parent is held directly, not in a tuple).
            start = len(stack)
            visit(node)
            push(node)
            parents = node._parents
            while parents.__class__ is not tuple and parents._parents and parents not in visited:
                visit(parents)
                push(parents)
                parents = parents._parents
            if parents.__class__ is not tuple:  # the chain ends at a leaf or a placed node
                place_all(reversed(stack[start:]))
                del stack[start:]
                continue
            push(None if len(stack) == start + 1 else start)
            for parent in reversed(parents):  # so the first parent is ordered first
                if parent._parents and parent not in visited:
                    push(parent)
    return order


def backward(root, seed=1.0, create_graph=False):
    """Set `.grad` on every node `root` depends on: leaves accumulate (+=), inner nodes get this pass's gradient."""
    if create_graph or get_mode().anomaly:
        for node, g in gradients(root, seed, create_graph).items():
            node.grad = g if node._parents else node.grad + g
        return
    seed = seed.data if isinstance(seed, Value) else float(seed)
    if not root._parents:
        root.grad += seed
        return
    order = inner_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = seed
    # The chain rule, as in `gradients` below but on floats straight into .grad: the hot loop of every training step.
    for node in reversed(order):
        parents = node._parents
        if parents.__class__ is not tuple:
            if node._param is None:
                parents.grad += node._rule(node.grad, node.data, parents.data)[0]
            else:
                parents.grad += node._rule(node.grad, node.data, parents.data, node._param)[0]
        elif node._rule in ADD_GRADS:
            ADD_GRADS[node._rule](node, node.grad)
        else:
            inputs = list(map(_data, parents))
            if node._param is not None:
                inputs.append(node._param)
            for parent, share in zip(parents, node._rule(node.grad, node.data, *inputs), strict=True):
                parent.grad += share


def gradients(root, seed=1.0, create_graph=False):
    """{node: ∂root/∂node · seed} for every node `root` depends on, without touching any `.grad`.

    With `create_graph=True` the gradients are Values (built with Value ops, recorded even under `no_grad`),
    so they can be differentiated again; otherwise they are floats.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value to start from, got {type(root).__name__}")
    if create_graph and not isinstance(seed, Value):
        seed = Value(seed)
    elif not create_graph and isinstance(seed, Value):
        seed = seed.data
    grads = {root: seed}
    check = get_mode().anomaly
    with enable_grad() if create_graph else nullcontext():
        for node in reversed(inner_order(root)):
            parents = node.parents
            g = grads[node]
            if create_graph:
                node_shares = shares(node, g, node, parents)
            else:
                node_shares = shares(node, g, node.data, [parent.data for parent in parents])
            if check:
                _check_finite(node, node_shares)
            for parent, share in zip(parents, node_shares, strict=True):
                grads[parent] = grads[parent] + share if parent in grads else share
    return grads


def _check_finite(node, node_shares):
    for i, share in enumerate(node_shares):
        number = share.data if isinstance(share, Value) else share
        if not math.isfinite(number):
            raise FloatingPointError(
                f"detect_anomaly: backward of {node.op!r} produced {number} for its input #{i} "
                f"(inputs: {describe(node.parents)})"
            )
