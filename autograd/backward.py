"""Reverse mode: order the graph without recursion, then apply the chain rule from the output back to the leaves."""

import math
from contextlib import nullcontext

from .modes import anomaly_enabled, enable_grad
from .value import Value, describe


def topological_order(roots):
    """Every node reachable from `roots` (a Value or a sequence of Values), each after all of its parents.

    An explicit stack instead of recursion, so a chain of a million ops needs no raised recursion limit.
    """
    roots = [roots] if isinstance(roots, Value) else list(roots)
    order, visited = [], set()
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent in reversed(node.parents) if parent not in visited)
    return order


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
    check = anomaly_enabled.get()
    with enable_grad() if create_graph else nullcontext():
        for node in reversed(topological_order(root)):
            parents = node.parents
            if not parents:
                continue
            g = grads[node]
            if create_graph:
                shares = node._local_grads(g, node, *parents)
            else:
                shares = node._local_grads(g, node.data, *[parent.data for parent in parents])
            if check:
                _check_finite(node, shares)
            for parent, share in zip(parents, shares, strict=True):
                grads[parent] = grads[parent] + share if parent in grads else share
    return grads


def _check_finite(node, shares):
    for i, share in enumerate(shares):
        number = share.data if isinstance(share, Value) else share
        if not math.isfinite(number):
            raise FloatingPointError(
                f"detect_anomaly: backward of {node.op!r} produced {number} for its input #{i} "
                f"(inputs: {describe(node.parents)})"
            )
