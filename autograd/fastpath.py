"""The fast path of backward: the same chain rule as `backward.gradients`, on floats, straight into `.grad`.

tests/test_fastpath.py runs every op of the op table, with constants on either side, fused nodes and shared
subexpressions, through both, and requires the same first and second derivatives to 1e-12.

Every speed trick of the engine, where it lives, and what it buys: how much slower `mlp_step` (micrograd's demo
step) and `deep_chain` (1e6 ops, then backward) run with the trick switched off, medians of 5 rounds of
`python -m benchmarks.tricks --rounds 5` on this project's 2-core machine (GC counted; one round varies by up to
a fifth, so a figure near 1.0x means "no measurable effect"):

1. `inner_order` below opens a chain of one-parent nodes in one go, marks it with an int, not a tuple per node,
   and zeroes each grad while the node is at hand: a deep graph's order allocates nothing for the collector to
   chase. Without (graph.inner_order, then a pass to zero): mlp_step 1.22x, deep_chain 2.13x. It marks a
   node visited by putting a 0.0 made for the pass in its grad, not by a set of a million nodes: deep_chain
   2.29 → 2.18 s and 201 → 184 MB peak (medians of 4 alternating runs of `python -m benchmarks.workloads
   chaingrad deep_chain --size full`, before and after).
2. Backward walks only the nodes with parents and writes floats straight into `.grad`, a node with one parent
   without building an input list (`backward` below). Through `gradients()` instead: 2.36x, 3.02x.
3. A lone parent is held by itself, not in a 1-tuple (value.py `make_node`, `inline_operator` below): one object and 56
   bytes less a node of a chain. With 1-tuples (and plain operators, against plain operators alone): deep_chain
   2175 → 3913 ms, 1.80x.
4. `v op float` outside every mode builds its node inside the operator (`inline_operator` below), one call
   instead of three. Through `binary` and `make_node`: deep_chain 1.20x. It reads the mode with the ContextVar's
   `get` bound once, not looked up on every op: building the 1e6-op chain took 0.39 s of CPU instead of 0.45 s,
   then 0.49 instead of 0.59 s (medians of 7 interleaved rounds in one process, collector off, two runs).
5. `sum`, `dot` and `linear` nodes add every parent's share in one pass, with an accumulator registered beside
   their rule (fused.py). Through their rules: mlp_step 1.11x.
6. A neuron is one `dot` node with its activation inside, and a layer reads its inputs once (fused.py `linear`,
   nn's fused Layer). With elementary `*` and `sum` nodes (`nn.MLP(fused=False)`): mlp_step 5.06x.
7. No node holds a closure of its own, so a graph has no reference cycles and is freed the moment it is dropped
   (value.py, ops.py). micrograd's nodes do, and most of its `mlp_step` is its cycle collector (benchmarks/RESULTS.md:
   micrograd with GC counted and with it excluded).
8. `explain` walks its graph with the cyclic collector paused (`collector_paused` below). The walk makes a few
   containers per node, and each time they add up to a collection of the older generations, the collector
   chases every live Value again. explain plus str() on a 100,001-node graph (`x = x·x·0.5 + x·0.5` ×25,000),
   CPU time, medians of 6 interleaved rounds in one process on a loaded machine: 0.67 s with it on, 0.46 s paused.
9. For the one-parent nodes of `x·c`, `c·x`, `x + c`, `c + x` and `x − c`, backward adds g·c or g into the
   parent itself instead of calling the rule for a 1-tuple (`SHARE_IS_G_TIMES_PARAM`, `SHARE_IS_G` below).
   Without (`--tricks rule_calls --rounds 15`): mlp_step 0.98x, deep_chain 1.12x. backward() alone over the
   1e6-op chain, in one process, 7 interleaved rounds of CPU time: 0.47 s through the rules, 0.30 s with the
   trick. A node without a plain-number operand (relu, tanh) is tested for that first, and never looked up.

Not a trick but a cost: constants (`requires_grad=False`) never become nodes, so every operator reads one slot
of its Value operands (`_param is CONSTANT`), and `make_node` looks among an n-ary node's parents for constants
only once one has been made (`CONSTANTS_MADE` below; scanning every dot node's parents made mlp_step 1.18x
slower). With these checks against without, in one process, 10 interleaved rounds of CPU time: a 300,000-op
chain 1.03x and 1.08x in two runs, mlp_step 0.89x and 1.07x (noise either way); 4 alternating pairs of fresh
processes, CPU time: deep_chain (1e6 ops) 2.24 → 2.15 s, mlp_step 34.4 → 31.9 ms (medians). While any hook is
registered on a live node (hooks.py), backward takes the reference path: trick 2's factor.

Not a trick but a cost either: backward holds backward.GRAD_LOCK (an RLock) for each whole pass, so threads that
backpropagate into shared leaves lose no update. It is one acquire and release a pass, below what this machine
resolves: deep_chain 4.61 s without it, 4.15 s with it, mlp_step 53.3 and 56.4 ms (medians of 6 alternating
runs of `python -m benchmarks.workloads chaingrad ... --size full` on a loaded machine, each varying by ±30%);
in one process, 40 interleaved rounds with the lock and with a no-op in its place gave (w * 2.0).backward()
3.42 and 3.80 µs of CPU, then 3.76 and 3.54 µs in a second run. Threads that contend for it queue: 4 threads ×
150,000 of those passes took 5.1 s where one thread does the 600,000 in 3.5 s.

Not a trick but a cost, and the largest: the `__dict__` slot of `Value`, so that any attribute can be set on any
node (`p.m = 0.0`, as micrograd's forks do). On CPython 3.11 every instance of a class with one carries a pointer
pair before its header and a small array for the attributes' values, made with the object: a node and its data
take 128 bytes instead of 96 (tracemalloc over a 100,000-op chain), and the node moves from pymalloc's 80-byte
class to the 96-byte one, which is more memory for the collector to walk each time. deep_chain with it against
without it (`__dict__` taken out of `Value.__slots__`), 8 alternating runs each of `python -m benchmarks.workloads
chaingrad deep_chain --size full`, medians: 2.26 against 1.97 s, GC 1.05 against 0.89 s, peak 184 against 152 MB.
Four slots and the dict would fit the 80-byte class again, but only with the rule on a class of its own for each
op, and then `type(a * b)` would no longer be `Value`.

Not a cost: a leaf's grad of None (PyTorch's "no gradient yet", after `p.grad = None`) is met by a `try` around
each `+=` into a grad here and in fused.py, which Python 3.11+ runs for one no-op instruction and a jump until
it catches (`add_share`). Against the same loops without it, in one process, alternating, CPU time: mlp_step
1.04x, 0.99x, 0.98x (medians of 41 rounds), deep_chain 1.03x, 0.96x, 0.93x (7-9 rounds); the dot accumulator's
loop alone, 16 weights, 1.81 → 1.86 µs a call.
"""

import gc
from contextlib import contextmanager

from . import ops
from .modes import current as current_mode

# What a leaf that does not require grad (Value(x, requires_grad=False), an op of such constants) records as
# its _param: the operator below hands `constant op float` to `binary`, which makes a constant of it.
CONSTANT = "requires_grad=False"
# True once any constant has been made: only then does make_node look for constants among an n-ary node's parents.
# Scanning every dot node's parents for them made mlp_step 1.18x slower (in-process A/B, medians of 10 rounds).
CONSTANTS_MADE = [False]

_new = object.__new__
_ACCUMULATORS = {}  # rule -> add(node, g): adds every parent's share of g straight into its .grad
# Trick 9: one-parent ops whose share of g needs no call of their rule.
SHARE_IS_G_TIMES_PARAM = frozenset((ops.MUL.right.rule, ops.MUL.left.rule))  # x·c and c·x: g·c
SHARE_IS_G = frozenset((ops.ADD.right.rule, ops.ADD.left.rule, ops.SUB.right.rule))  # x + c, c + x, x − c: g


def accumulates(rule):
    """Decorator: register `add(node, g)`, which does what `rule` says, adding into the parents' `.grad` directly."""

    def register(add):
        _ACCUMULATORS[rule] = add
        return add

    return register


def backward(root, seed):
    """Set `.grad` on every node `root` depends on: leaves accumulate (+=), inner nodes get this pass's gradient."""
    if not root._parents:
        try:
            root.grad += seed
        except TypeError:
            add_share(root, seed)
        return
    order = inner_order(root)  # which also sets every node's grad to 0.0
    root.grad = seed
    accumulators, times_param, as_is = _ACCUMULATORS, SHARE_IS_G_TIMES_PARAM, SHARE_IS_G
    for node in reversed(order):
        parents = node._parents
        if parents.__class__ is not tuple:  # one parent: its rule returns one share
            rule = node._rule
            try:
                if node._param is None:  # relu, tanh, exp, …: no op with a plain-number operand
                    parents.grad += rule(node.grad, node.data, parents.data)[0]
                elif rule in times_param:
                    parents.grad += node.grad * node._param
                elif rule in as_is:
                    parents.grad += node.grad
                else:
                    parents.grad += rule(node.grad, node.data, parents.data, node._param)[0]
            except TypeError:
                if parents.grad is not None:  # the rule's own error
                    raise
                parents.grad = node.parent_shares(node.grad)[0]  # a leaf's first gradient (add_share)
        elif node._rule in accumulators:
            accumulators[node._rule](node, node.grad)
        else:
            inputs = [parent.data for parent in parents]
            if node._param is not None:
                inputs.append(node._param)
            for parent, share in zip(parents, node._rule(node.grad, node.data, *inputs), strict=True):
                try:
                    parent.grad += share
                except TypeError:
                    add_share(parent, share)


def add_share(node, share):
    """`node.grad += share` where grad may be None, PyTorch's "no gradient yet" (after `p.grad = None`): it becomes
    the share. The loops here and in fused.py call it only once their own `+=` has raised TypeError, as a `try`
    costs nothing until it catches (Python 3.11+); a TypeError from any other grad is raised again."""
    grad = node.grad
    node.grad = share if grad is None else grad + share


def inner_order(root):
    """`graph.inner_order(root)`, the same order, built faster for long chains.

    Opening a node also opens the chain of one-parent nodes above it. When the chain ends at a leaf or at a
    placed node it is placed at once, deepest first; otherwise a marker goes on top of it (None for a single
    node, else the chain's start index) to place it once the parents pushed above it are placed. The stack
    holds only nodes and markers, so a deep graph allocates nothing per node for the collector to chase, and
    leaves (a network's weights and inputs) are never pushed at all.

    A node is marked as visited by setting its grad to `zero`, a 0.0 made for this pass alone: `grad is zero`
    is the test, so no set of visited nodes is built. Only inner nodes are marked, whose grad this pass
    resets anyway; `zero` stays alive while the pass runs, so no other float can share its identity.
    """
    order, stack, zero = [], [root], float("0")  # float("0") is a new object each call, unlike the literal 0.0
    place, place_all, push, pop = order.append, order.extend, stack.append, stack.pop
    while stack:
        node = pop()
        if node is None:  # the node under it has all its parents placed
            place(pop())
        elif node.__class__ is int:  # the same for a chain of nodes, stack[node:], the last opened deepest
            place_all(reversed(stack[node:]))
            del stack[node:]
        elif node.grad is not zero:
            start = len(stack)
            node.grad = zero
            push(node)
            parents = node._parents
            while parents.__class__ is not tuple and parents._parents and parents.grad is not zero:
                parents.grad = zero
                push(parents)
                parents = parents._parents
            if parents.__class__ is not tuple:  # the chain ends at a leaf or a placed node
                place_all(reversed(stack[start:]))
                del stack[start:]
                continue
            push(None if len(stack) == start + 1 else start)
            for parent in reversed(parents):  # so the first parent is ordered first
                if parent._parents and parent.grad is not zero:
                    push(parent)
    return order


def inline_operator(op, binary):
    """Value's method for `self op other`, as `binary(self, op, other)` computes it, with `self op float` outside
    every mode built right here: the node `make_node` would build, without calling `binary` and `make_node`."""
    forward, rule, constant, mode = op.right.forward, op.right.rule, CONSTANT, current_mode.get

    def method(self, other):
        if other.__class__ is float and mode() is None and self._param is not constant:
            node = _new(self.__class__)
            node.data, node.grad = forward(self.data, other), 0.0
            node._parents, node._rule, node._param = self, rule, other
            return node
        return binary(self, op, other)

    return method


@contextmanager
def collector_paused():
    """Run the block with Python's cyclic garbage collector off (trick 8), and turn it back on if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
