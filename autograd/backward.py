"""Reverse mode: the chain rule applied from the output back to the leaves.

`gradients` is the reference: the whole algorithm, in the spirit of micrograd's `backward`. `backward` sets
`.grad` from it, or from the fast path (fastpath.py), which computes the same numbers on floats.
"""

import math
import threading
from contextlib import nullcontext

from . import fastpath
from .graph import describe, is_value, topological_order
from .modes import enable_grad, get_mode
from .scalar import as_real

# One pass at a time, across threads. `leaf.grad += share` is a read, an add and a write: two threads adding into
# a shared weight would lose updates, and two passes over shared nodes would mix their marks (fastpath.py).
# Re-entrant: backward(create_graph=True) runs gradients(), which may read a micrograd-style op's shares (custom.py).
GRAD_LOCK = threading.RLock()

# What an op's output computed under no_grad records in place of its op: it is a leaf, but not one you made.
NO_GRAPH = "computed under no_grad"


def gradients(root, seed=1.0, create_graph=False):
    """{node: ∂root/∂node · seed} for every node `root` depends on, without touching any `.grad`.

    With `create_graph=True` the gradients are Values (built with Value ops, recorded even under `no_grad`),
    so they can be differentiated again; otherwise they are floats.
    """
    _check_root(root)
    grads = {root: _as_seed(seed, create_graph, type(root))}
    check = get_mode().anomaly
    with GRAD_LOCK, enable_grad() if create_graph else nullcontext():
        for node in reversed(topological_order(root)):  # the output first, each node before its parents
            shares = node.parent_shares(grads[node], create_graph)  # g·∂node/∂parent, for each parent
            if check:
                _check_finite(node, shares)
            for parent, share in zip(node.parents, shares, strict=True):
                grads[parent] = grads[parent] + share if parent in grads else share  # a node used twice: add
    return grads


def backward(root, seed=1.0, create_graph=False):
    """Set `.grad` on every node `root` depends on: leaves accumulate (+=), inner nodes get this pass's gradient.

    With `create_graph=True` a leaf's gradient is a Value and an inner node's is its number: a Value there would
    be a graph that refers back to the node, a reference cycle.
    """
    _check_root(root)
    if root._param is NO_GRAPH:
        raise RuntimeError(
            "backward: this Value was computed under no_grad, so it recorded no graph and no gradient can reach "
            "the values it came from; compute it outside no_grad (or inside enable_grad) to backpropagate"
        )
    if create_graph or get_mode().anomaly:
        with GRAD_LOCK:
            for node, g in gradients(root, seed, create_graph).items():
                node.grad = float(g) if node.parents else node.grad + g
    else:
        seed = _as_seed(seed, False, type(root))
        with GRAD_LOCK:
            fastpath.backward(root, seed)


def _as_seed(seed, create_graph, value_type):
    """The gradient to start from, as a float, or as a Value (of the root's class) for create_graph."""
    if isinstance(seed, value_type):
        return seed if create_graph else seed.data
    seed = 1.0 if seed is None else as_real(seed, "backward's grad (the gradient to start from, 1.0 by default)")
    return value_type(seed) if create_graph else seed


def _check_root(root):
    if not is_value(root):
        raise TypeError(f"backward needs a Value to start from, got {type(root).__name__}")


def _check_finite(node, shares):
    for i, share in enumerate(shares):
        number = share if isinstance(share, float) else float(share)
        if not math.isfinite(number):
            raise FloatingPointError(
                f"detect_anomaly: backward of {node.op!r} produced {number} for its input #{i} "
                f"(inputs: {describe(node.parents)})"
            )
