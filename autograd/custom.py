"""Ops a user adds the micrograd way: `out = Value(data, (x,), 'name')`, then `out._backward = closure`.

Such a node records `user_op_rule` and, as its parameter, a `UserOp`: the op's name and the closure. The closure
adds float shares into the parents' `.grad`, as micrograd's do, so backward calls it, and `gradients()` runs it
on zeroed grads to read the shares off. It builds no graph of its gradient, so `create_graph=True` cannot go
through it: build the op from chaingrad's own ops to take higher derivatives.
"""

from . import fastpath, ops
from .backward import GRAD_LOCK


def user_op_rule(g, out, *inputs):
    """The rule recorded by a node built as Value(data, children, op): its `_backward` closure does the work."""
    raise TypeError("a micrograd-style op's gradient comes from its _backward closure, not from a rule")


ops.define(lambda user_op: user_op.name, None, user_op_rule)


class UserOp:
    """What a node built the micrograd way records as its parameter: its op string and its `_backward` closure."""

    __slots__ = ("name", "backward")

    def __init__(self, name):
        self.name, self.backward = name, _nothing

    def accumulate(self, node, g):
        """The fast path's step: the closure, which reads node.grad (the fast path has set it to g); a constant
        child's grad is put back after it, since the closure adds into every child's."""
        constants = [(child, child.grad) for child in node._parents if child._param is fastpath.CONSTANT]
        for child in node._parents:
            if child.grad is None:  # no gradient yet (p.grad = None): the closure's += starts from 0
                child.grad = 0.0
        self.backward()
        for child, grad in constants:
            child.grad = grad

    def shares(self, node, g, create_graph):
        """Each parent's share of g, found by running the closure on zeroed grads, then putting every grad back."""
        if create_graph:
            raise TypeError(
                f"create_graph=True cannot differentiate through op {self.name!r}: it was built the micrograd way, "
                "and its _backward closure adds floats into .grad, so its gradient records no graph. Build it from "
                "chaingrad's ops (a Value's methods and operators) to take higher derivatives"
            )
        parents = node.parents
        with GRAD_LOCK:  # no backward in another thread may add into these grads while they are borrowed
            saved = node.grad, [parent.grad for parent in parents]
            try:
                node.grad = g
                for parent in parents:
                    parent.grad = 0.0
                self.backward()
                seen, shares = set(), []
                for parent in parents:  # a parent listed twice (a + a) gets the closure's whole share once
                    shares.append(0.0 if parent in seen else parent.grad)
                    seen.add(parent)
            finally:
                node.grad = saved[0]
                for parent, grad in zip(parents, saved[1], strict=True):
                    parent.grad = grad
        return shares


def _nothing():
    """micrograd's default `_backward`: nothing to add."""


@fastpath.accumulates(user_op_rule)
def _run_closure(node, g):
    node._param.accumulate(node, g)  # a UserOp's closure, or an autograd.Function's backward (function.py)
