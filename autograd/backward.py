"""Reverse mode: the chain rule applied from the output back to the leaves.

`gradients` is the reference: the whole algorithm, in the spirit of micrograd's `backward`. `backward` sets
`.grad` from it, or from the fast path (fastpath.py), which computes the same numbers on floats.
"""

import math
from contextlib import nullcontext

from . import fastpath
from .graph import describe, is_value, topological_order
from .modes import enable_grad, get_mode


def gradients(root, seed=1.0, create_graph=False):
    """{node: ∂root/∂node · seed} for every node `root` depends on, without touching any `.grad`.

    With `create_graph=True` the gradients are Values (built with Value ops, recorded even under `no_grad`),
    so they can be differentiated again; otherwise they are floats.
    """
    _check_root(root)
    grads = {root: _as_seed(seed, create_graph, type(root))}
    check = get_mode().anomaly
    with enable_grad() if create_graph else nullcontext():
        for node in reversed(topological_order(root)):  # the output first, each node before its parents
            shares = node.parent_shares(grads[node], create_graph)  # g·∂node/∂parent, for each parent
            if check:
                _check_finite(node, shares)
            for parent, share in zip(node.parents, shares, strict=True):
                grads[parent] = grads[parent] + share if parent in grads else share  # a node used twice: add
    return grads


def backward(root, seed=1.0, create_graph=False):
    """Set `.grad` on every node `root` depends on: leaves accumulate (+=), inner nodes get this pass's gradient."""
    _check_root(root)
    if create_graph or get_mode().anomaly:
        for node, g in gradients(root, seed, create_graph).items():
            node.grad = g if node.parents else node.grad + g
    else:
        fastpath.backward(root, _as_seed(seed, False, type(root)))


def _as_seed(seed, create_graph, value_type):
    """The gradient to start from, as a float, or as a Value (of the root's class) for create_graph."""
    if isinstance(seed, value_type):
        return seed if create_graph else seed.data
    seed = float(seed)
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
