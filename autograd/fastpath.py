"""The fast path of backward: the same chain rule as `backward.gradients`, on floats, straight into `.grad`.

tests/test_fastpath.py runs every op of the op table, with constants on either side, fused nodes and shared
subexpressions, through both, and requires the same first and second derivatives to 1e-12.

Every speed trick of the engine, where it lives, and what it buys. Measured on this project's 2-core machine
with `python -m benchmarks.run --engines chaingrad --workloads mlp_step deep_chain --rounds 3`, trick off → on:

1. No node holds a closure of its own, so a graph has no reference cycles and is freed the moment it is
   dropped (value.py, ops.py). micrograd spends most of `mlp_step` in the cycle collector for this reason.
2. `inner_order` below opens a chain of one-parent nodes in one go and marks it with an int, not a tuple per
   node, so a deep graph's order allocates nothing for the collector to chase (`deep_chain` backward).
3. A lone parent is held by itself, not in a 1-tuple (value.py `make_node`): one object and 56 bytes less a node
   of a chain, and the single-parent branch below needs no unpacking.
4. Backward walks only the nodes with parents and writes floats straight into `.grad`; a node with one parent
   is applied without building an input list (`backward` below).
5. `sum`, `dot` and `linear` nodes add every parent's share in one pass, with an accumulator registered beside
   their rule (fused.py): no list of the parents' data, list of shares and zip for a 33-parent neuron.
6. A neuron is one `dot` node with its activation inside, and a layer reads its inputs once (fused.py `linear`,
   nn's fused Layer).
"""

_ACCUMULATORS = {}  # rule -> add(node, g): adds every parent's share of g straight into its .grad


def accumulates(rule):
    """Decorator: register `add(node, g)`, which does what `rule` says, adding into the parents' `.grad` directly."""

    def register(add):
        _ACCUMULATORS[rule] = add
        return add

    return register


def backward(root, seed):
    """Set `.grad` on every node `root` depends on: leaves accumulate (+=), inner nodes get this pass's gradient."""
    if not root._parents:
        root.grad += seed
        return
    order = inner_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = seed
    accumulators = _ACCUMULATORS
    for node in reversed(order):
        parents = node._parents
        if parents.__class__ is not tuple:  # one parent: its rule returns one share
            if node._param is None:
                parents.grad += node._rule(node.grad, node.data, parents.data)[0]
            else:
                parents.grad += node._rule(node.grad, node.data, parents.data, node._param)[0]
        elif node._rule in accumulators:
            accumulators[node._rule](node, node.grad)
        else:
            inputs = [parent.data for parent in parents]
            if node._param is not None:
                inputs.append(node._param)
            for parent, share in zip(parents, node._rule(node.grad, node.data, *inputs), strict=True):
                parent.grad += share


def inner_order(root):
    """`graph.inner_order(root)`, the same order, built faster for long chains.

    Opening a node also opens the chain of one-parent nodes above it. When the chain ends at a leaf or at a
    placed node it is placed at once, deepest first; otherwise a marker goes on top of it (None for a single
    node, else the chain's start index) to place it once the parents pushed above it are placed. The stack
    holds only nodes and markers, so a deep graph allocates nothing per node for the collector to chase, and
    leaves (a network's weights and inputs) are never pushed at all.
    """
    order, visited, stack = [], set(), [root]
    place, place_all, visit, push, pop = order.append, order.extend, visited.add, stack.append, stack.pop
    while stack:
        node = pop()
        if node is None:  # the node under it has all its parents placed
            place(pop())
        elif node.__class__ is int:  # the same for a chain of nodes, stack[node:], the last opened deepest
            place_all(reversed(stack[node:]))
            del stack[node:]
        elif node not in visited:
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
