"""What a Value offers besides its ops: PyTorch's `requires_grad`, `is_leaf` and `register_hook`, micrograd's
names (`_prev`, `_op`, `_backward`), comparisons by data, and how it turns into a number or a string.

A mixin with no slots of its own, so a Value stays as small as its own slots make it.
"""

import functools

from . import hooks
from .backward import CONSTANT, NOT_A_LEAF
from .custom import UserOp
from .fastpath import CONSTANTS_MADE, add_share
from .scalar import as_real


class ValueCompat:
    """PyTorch's names, micrograd's, and `< <= > >=` on data (== and hash stay identity-based)."""

    __slots__ = ()

    def register_hook(self, hook):
        """Call hook(grad) when this node's gradient is computed; a value it returns replaces the gradient.

        For a leaf, grad is what this pass adds. Returns a handle whose `.remove()` removes the hook, as PyTorch's.
        """
        return hooks.register(self, hook)

    @property
    def requires_grad(self):
        """False for a constant (Value(x, requires_grad=False), or an op's output under no_grad); else True."""
        return bool(self._parents) or self._param is None

    @requires_grad.setter
    def requires_grad(self, flag):
        if self._parents:
            raise RuntimeError(NOT_A_LEAF)
        if not _flag(flag):
            CONSTANTS_MADE[0] = True
        self._param = None if flag else CONSTANT

    @property
    def is_leaf(self):
        """True for a node no op made here (no parents): a Value you made, a constant, or a no_grad result."""
        return not self._parents

    @property
    def _prev(self):
        """micrograd's `_prev`: the set of parents."""
        return set(self.parents)

    @property
    def _op(self):
        """micrograd's `_op`: the op's name, as `op`."""
        return self.op

    @property
    def _backward(self):
        """micrograd's `_backward()`: add this node's share of its `grad` into each parent's `grad`, once."""
        if type(self._param) is UserOp:
            return self._param.backward
        return functools.partial(add_shares_to_parents, self)

    @_backward.setter
    def _backward(self, function):
        if not callable(function):
            raise TypeError(f"_backward must be a function of no arguments, got {type(function).__name__}")
        if type(self._param) is UserOp:
            self._param.backward = function
        elif self._parents:
            raise AttributeError(
                f"_backward can only be set on a Value built as Value(data, children, op); this one is op "
                f"{self.op!r}, whose rule chaingrad already has"
            )
        # A leaf (also an op's output built under no_grad) passes no gradient on: there is nothing to keep.

    # Comparisons look at data and return bool, so max(values) and sorting work; == and hash stay identity-based.
    def __lt__(self, other):
        return self.data < _compare_operand(other)

    def __le__(self, other):
        return self.data <= _compare_operand(other)

    def __gt__(self, other):
        return self.data > _compare_operand(other)

    def __ge__(self, other):
        return self.data >= _compare_operand(other)

    # math.exp(v), math.sin(v), … call __float__ and would return a float, dropping the gradient without a word, so
    # it refuses (micrograd's Value has no __float__: TypeError there too). float(v) cannot be told apart from them.
    def __float__(self):
        raise TypeError(
            "math.exp, math.sin and the other math-module functions (and float()) need a plain number, but got a "
            f"Value (data={self.data!r}), whose gradient they would drop; use x.exp(), x.sin(), … or autograd.exp(x), "
            "… to keep the gradient, or x.data (x.item()) for the number"
        )

    def __format__(self, spec):
        """f'{v:.3f}' formats the data, as for a 0-d torch.Tensor; f'{v}' is str(v), the repr."""
        return format(self.data, spec) if spec else str(self)


def add_shares_to_parents(node):
    """One node's step of backward, as micrograd's `_backward` does it: parent.grad += g·∂node/∂parent."""
    for parent, share in zip(node.parents, node.parent_shares(node.grad), strict=True):
        add_share(parent, share)  # += share, or share where grad is None (no gradient yet)


def _compare_operand(x):
    if hasattr(x, "parent_shares"):  # a Value
        return x.data
    return as_real(x, "a Value can only be compared with a Value or a number; the other side")


def _flag(flag):
    if not isinstance(flag, bool):
        raise TypeError(f"requires_grad must be True or False, got {type(flag).__name__}: {flag!r:.60}")
    return flag
