"""Reverse mode: the chain rule applied from the output back to the leaves.

`gradients` is the reference: the whole algorithm, in the spirit of micrograd's `backward`. `backward` sets
`.grad` from it, or from the fast path (fastpath.py), which computes the same numbers on floats.
"""

import math
import threading
from contextlib import nullcontext

from . import fastpath, hooks
from .graph import as_roots, describe, is_value, topological_order
from .modes import enable_grad, get_mode
from .scalar import as_real, number

# One pass at a time, across threads. `leaf.grad += share` is a read, an add and a write: two threads adding into
# a shared weight would lose updates, and two passes over shared nodes would mix their marks (fastpath.py).
# Re-entrant: backward(create_graph=True) runs gradients(), which may read a micrograd-style op's shares (custom.py).
GRAD_LOCK = threading.RLock()

# What an op's output computed under no_grad records in place of its op: it is a leaf, but not one you made.
NO_GRAPH = "computed under no_grad"
# What a leaf that does not require grad (Value(x, requires_grad=False), an op of such constants) records.
CONSTANT = fastpath.CONSTANT

NOT_A_LEAF = (
    "requires_grad: only a leaf's flag can be changed, as in PyTorch (this Value is an op's output, which requires "
    "grad because its inputs do); to use its number as a constant, write Value(v.data, requires_grad=False)"
)


def gradients(root, seed=1.0, create_graph=False):
    """{node: ∂root/∂node · seed} for every node `root` depends on, without touching any `.grad`.

    With `create_graph=True` the gradients are Values (built with Value ops, recorded even under `no_grad`),
    so they can be differentiated again; otherwise they are floats.
    """
    _check_root(root)
    return _gradients({root: _as_seed(seed, create_graph, type(root))}, create_graph)


def _gradients(grads, create_graph):
    """gradients() from the roots in `grads`, {root: its seed}, in one pass."""
    check, hooked = get_mode().anomaly, hooks.LIVE[0]
    with GRAD_LOCK, enable_grad() if create_graph else nullcontext():
        for node in reversed(topological_order(list(grads))):  # the outputs first, each node before its parents
            if hooked:  # every share of this node's gradient is in: its hooks may replace it
                grads[node] = _hooked(node, grads[node], create_graph)
            shares = node.parent_shares(grads[node], create_graph)  # g·∂node/∂parent, for each parent
            if check:
                _check_finite(node, shares)
            for parent, share in zip(node.parents, shares, strict=True):
                grads[parent] = grads[parent] + share if parent in grads else share  # a node used twice: add
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Set `.grad` from `tensors` (a Value or a list of them), each seeded with its grad_tensor (default 1.0).

    torch.autograd.backward: a list is one pass of the sum of their gradients. `retain_graph` is accepted and
    changes nothing: no graph is ever freed here. See `backward_from` for what each node's `.grad` gets.
    """
    if is_value(tensors):
        return backward_from(tensors, 1.0 if grad_tensors is None else grad_tensors, create_graph)
    roots, seeds = _roots_and_seeds(tensors, grad_tensors)
    for i, root in enumerate(roots):
        _check_requires_grad(root, f"element {i} of tensors")
    seeds = [_as_seed(s, create_graph, type(r)) for r, s in zip(roots, seeds, strict=True)]
    if create_graph or get_mode().anomaly or hooks.LIVE[0]:
        grads = {}
        for root, seed in zip(roots, seeds, strict=True):  # a root listed twice: both seeds
            grads[root] = grads[root] + seed if root in grads else seed
        return _set_grads(grads, create_graph)
    root = object.__new__(type(roots[0]))  # one pass from a node whose parents are the roots, handing each its seed
    root.data, root.grad, root._parents, root._rule, root._param = 0.0, 0.0, tuple(roots), _seeds, seeds
    with GRAD_LOCK:
        fastpath.backward(root, 1.0)


def backward_from(root, seed=1.0, create_graph=False):
    """Value.backward: set `.grad` on every node `root` depends on: leaves accumulate (+=), inner nodes get this
    pass's gradient.

    With `create_graph=True` a leaf's gradient is a Value and an inner node's is its number: a Value there would
    be a graph that refers back to the node, a reference cycle. Hooks and detect_anomaly take the reference path.
    """
    _check_root(root)
    _check_requires_grad(root, "this Value")
    if create_graph or get_mode().anomaly or hooks.LIVE[0]:
        _set_grads({root: _as_seed(seed, create_graph, type(root))}, create_graph)
    else:
        seed = _as_seed(seed, False, type(root))
        with GRAD_LOCK:
            fastpath.backward(root, seed)


def _set_grads(seeds, create_graph):
    with GRAD_LOCK:
        for node, g in _gradients(seeds, create_graph).items():
            if node._param is CONSTANT:  # a constant only meets backward as a micrograd-style op's child
                continue
            if node.parents:
                node.grad = number(g)
            else:
                fastpath.add_share(node, g)  # += g, or g where grad is None (no gradient yet)


def _seeds(node, g):
    """The fast path's step from backward's node over several roots: each root gets its seed."""
    for root, seed in zip(node._parents, node._param, strict=True):
        fastpath.add_share(root, g * seed)


fastpath.accumulates(_seeds)(_seeds)  # the node's rule and its accumulator: only the fast path ever meets it


def _roots_and_seeds(tensors, grad_tensors):
    """The roots as a list, and a seed (1.0 for None) for each, or an error saying what is wrong."""
    several = not is_value(tensors)
    roots = as_roots(tensors, "backward")
    if grad_tensors is None:
        return roots, (1.0,) * len(roots)
    if not several:
        return roots, (grad_tensors,)
    seeds = grad_tensors if is_value(grad_tensors) or not hasattr(grad_tensors, "__len__") else list(grad_tensors)
    if not isinstance(seeds, list) or len(seeds) != len(roots):
        count = len(seeds) if isinstance(seeds, list) else "not a list of"
        raise ValueError(
            f"backward: {len(roots)} tensors but {count} grad_tensors; give one gradient per Value, or None for 1.0"
        )
    return roots, tuple(1.0 if s is None else s for s in seeds)


def _check_requires_grad(root, which):
    """The RuntimeError PyTorch raises for backward from a Value that has no graph, saying why it has none."""
    if root._parents or root._param is None:  # an op's output, or a leaf you made: it requires grad
        return
    if root._param is NO_GRAPH:
        raise RuntimeError(
            f"backward: {which} was computed under no_grad, so it recorded no graph and no gradient can reach "
            "the values it came from; compute it outside no_grad (or inside enable_grad) to backpropagate"
        )
    if root._param is CONSTANT:
        raise RuntimeError(
            f"backward: {which} does not require grad: it was made with requires_grad=False, or computed from such "
            "constants only, so it has no graph and no gradient to compute; make the Values to differentiate "
            "with requires_grad=True (the default)"
        )


def _hooked(node, grad, create_graph):
    grad = hooks.run(node, grad)
    return grad if create_graph else number(grad)


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
        share = number(share)
        if not math.isfinite(share):
            raise FloatingPointError(
                f"detect_anomaly: backward of {node.op!r} produced {share} for its input #{i} "
                f"(inputs: {describe(node.parents)})"
            )
