"""`Value`: a number that remembers how it was made, so that `backward()` can apply the chain rule to it.

A Value is a node of a graph. It holds its `data`, its `grad` (∂output/∂self, once backward has run), its
`parents` (the inputs of the op that made it) and that op's rule from `ops.py`. Each operator below builds a new
node with `make_node`; `backward.py` walks the nodes from the output back and applies their rules.
"""

import math
import operator

from . import fastpath, ops
from .backward import CONSTANT, NO_GRAPH
from .backward import backward_from as backpropagate
from .compat import ValueCompat
from .custom import UserOp, user_op_rule
from .fastpath import CONSTANTS_MADE
from .graph import describe
from .modes import current as current_mode
from .modes import get_mode
from .scalar import as_real, not_a_number

_new = object.__new__  # builds a node without running __init__'s checks: an op's data is already a float
_PARAM = operator.attrgetter("_param")  # a leaf's _param is CONSTANT when it does not require grad (compat.py)


class Value(ValueCompat):
    """A scalar node: `data`, `grad`, `label`, `op` ('' for a leaf), `parents`, op `params` and `scope`."""

    # Slots keep a node small, and the cycle collector reads every node of a growing graph again and again.
    # Any other attribute you set (p.m = 0.0, as micrograd's forks do) goes in __dict__. That slot is not free:
    # on CPython 3.11 it adds 32 bytes to every node, set or not (fastpath.py, the costs after the tricks).
    __slots__ = ("data", "grad", "_parents", "_rule", "_param", "__dict__")
    label = ""  # a name for drawings and repr; set on a node, it goes in the node's __dict__
    scope = ""  # the path of the `autograd.scope`s the node was built in, 'outer/inner'; likewise
    __array_ufunc__ = None  # numpy then hands `np.float64(2) * v` to our reflected operators

    def __init__(self, data, _children=(), _op="", label="", requires_grad=True):
        if type(data) is not float:  # floats, the usual data, need no check
            if isinstance(data, Value):
                raise TypeError("Value data must be a number, got a Value: use v.detach() for a new leaf, or v.data")
            data = as_real(data)
        self.data, self.grad = data, 0.0
        self._parents, self._rule, self._param = (), None, None
        if label:
            self.label = _text(label, "label")
        if not requires_grad:  # a constant: ops treat it as a plain number, backward never writes its grad
            self._param, CONSTANTS_MADE[0] = CONSTANT, True
            return
        if current_mode.get() is None and not _children:  # a plain leaf outside every mode: nothing more to do
            return
        mode = get_mode()
        if mode.scope:
            self.scope = mode.scope
        if _children:  # an op's output built the micrograd way: Value(t, (self,), 'tanh'), then out._backward = ...
            parents, user_op = _children_tuple(data, _children), UserOp(_text(_op, "_op"))
            if not mode.grad_enabled:
                self._param = NO_GRAPH
            elif all(parent._param is CONSTANT for parent in parents):  # an op of constants only is a constant
                self._param = CONSTANT
            else:
                self._parents, self._rule, self._param = parents, user_op_rule, user_op
            if mode.anomaly:
                _check_forward(self.data, user_op_rule, user_op, parents)

    # --- Operators. Each builds a node with an op of ops.py; Python calls __radd__ for `2 + v`, and so on.

    def __add__(self, other):
        return binary(self, ops.ADD, other)

    def __radd__(self, other):
        return binary(other, ops.ADD, self)

    def __sub__(self, other):
        return binary(self, ops.SUB, other)

    def __rsub__(self, other):
        return binary(other, ops.SUB, self)

    def __mul__(self, other):
        return binary(self, ops.MUL, other)

    def __rmul__(self, other):
        return binary(other, ops.MUL, self)

    def __truediv__(self, other):
        return binary(self, ops.DIV, other)

    def __rtruediv__(self, other):
        return binary(other, ops.DIV, self)

    def __pow__(self, exponent):
        return binary(self, ops.POW, exponent)

    def __rpow__(self, base):
        return binary(base, ops.POW, self)

    def __mod__(self, other):
        return binary(self, ops.MOD, other)

    def __rmod__(self, other):
        return binary(other, ops.MOD, self)

    def __floordiv__(self, other):
        return binary(self, ops.FLOORDIV, other)

    def __rfloordiv__(self, other):
        return binary(other, ops.FLOORDIV, self)

    def __neg__(self):
        """−x of a Value or a number."""
        return unary(self, ops.NEG)

    def __pos__(self):
        return self

    def __abs__(self):
        """|x| of a Value or a number; the derivative at 0 is 0 (PyTorch's convention)."""
        return unary(self, ops.ABS)

    # --- micrograd's functions; functions.py adds the others (tan, clamp, maximum, …). Each is also
    # `autograd.<name>`, which takes plain numbers too: autograd.exp(2.0) is a float.

    def exp(self):
        """eˣ; inf past x ≈ 709.78."""
        return unary(self, ops.EXP)

    def log(self):
        """Natural logarithm ln x, for x > 0."""
        return unary(self, ops.LOG)

    def sqrt(self):
        """√x, for x >= 0."""
        return unary(self, ops.SQRT)

    def reciprocal(self):
        """1/x; ±inf at 0, as torch.reciprocal (1 / x raises ZeroDivisionError there)."""
        return unary(self, ops.RECIPROCAL)

    def tanh(self):
        """tanh x = (e²ˣ − 1)/(e²ˣ + 1)."""
        return unary(self, ops.TANH)

    def sigmoid(self):
        """σ(x) = 1/(1 + e⁻ˣ), stable for any x."""
        return unary(self, ops.SIGMOID)

    def relu(self):
        """max(0, x); relu'(0) = 0."""
        return unary(self, ops.RELU)

    def leaky_relu(self, alpha=0.01):
        """x for x > 0, alpha·x otherwise (the slope at 0 is alpha, as PyTorch)."""
        return unary(self, ops.LEAKY_RELU, as_real(alpha, "leaky_relu's alpha"))

    def elu(self, alpha=1.0):
        """x for x > 0, alpha·(eˣ − 1) otherwise (Clevert et al. 2015, https://arxiv.org/abs/1511.07289)."""
        return unary(self, ops.ELU, as_real(alpha, "elu's alpha"))

    def softplus(self):
        """ln(1 + eˣ), stable for any x."""
        return unary(self, ops.SOFTPLUS)

    def sin(self):
        """sin x; ∂/∂x = cos x."""
        return unary(self, ops.SIN)

    def cos(self):
        """cos x; ∂/∂x = −sin x."""
        return unary(self, ops.COS)

    # --- Backpropagation

    def backward(self, grad=1.0, retain_graph=None, create_graph=False):
        """Backpropagate from here: leaves' `grad` accumulate (+=); every other node's `grad` is set to this pass's.

        With `create_graph=True` the gradients are Values built from Value ops, so they can be differentiated again.
        `retain_graph` is PyTorch's, accepted and ignored: backward never frees a graph here, so any may run again.
        """
        backpropagate(self, grad, create_graph)

    def parent_shares(self, g, create_graph=False):
        """g·∂self/∂parent for each parent: one step of the chain rule, for the gradient g that reached this node.

        Floats; with `create_graph=True`, Values that record how they were computed.
        """
        if not self._parents:
            return ()
        if self._rule is user_op_rule:
            return self._param.shares(self, g, create_graph)
        if create_graph:
            out, inputs = self, self.parents
        else:
            out, inputs = self.data, [parent.data for parent in self.parents]
        if self._param is None:
            return self._rule(g, out, *inputs)
        return self._rule(g, out, *inputs, self._param)

    def local_grads(self):
        """∂self/∂parent for each parent, as floats: the chain-rule factors on the edges into this node."""
        return tuple(self.parent_shares(1.0))

    # --- What the node records

    @property
    def op(self):
        """The op that made this node: '+', '*', 'relu', '**2', 'dot', … ('' for a leaf)."""
        return op_name(self._rule, self._param)

    @property
    def parents(self):
        """The inputs this node was computed from, as a tuple: () for a leaf."""
        parents = self._parents
        return parents if parents.__class__ is tuple else (parents,)

    @property
    def params(self):
        """The op's parameter as a dict, {'exponent': 2.0} or {'right': 3.0} for x * 3 ({'left': …}: 3 - x), or None."""
        if self._rule is None or self._param is None or ops.BY_RULE[self._rule].param_name is None:
            return None
        return {ops.BY_RULE[self._rule].param_name: self._param}

    # --- Conveniences

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def item(self):
        """The data as a Python float (as `torch.Tensor.item`)."""
        return self.data

    def detach(self):
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self.data, label=self.label)

    __hash__ = object.__hash__


def make_node(data, parents, rule, param=None):
    """The output of an op: `data`, with its parents, rule and parameter recorded (under `no_grad`, a leaf).

    `parents` is the one parent Value itself, or a tuple of two or more (see fastpath.py for why). A constant
    parent (requires_grad=False) gets no gradient: its place goes to a stand-in leaf of its data, and an op of
    constants only is a constant.
    """
    if parents.__class__ is tuple:
        if CONSTANTS_MADE[0] and CONSTANT in map(_PARAM, parents):
            if all(p._param is CONSTANT for p in parents):
                return constant(data)
            parents = tuple(Value(p.data) if p._param is CONSTANT else p for p in parents)
    elif parents._param is CONSTANT:
        return constant(data)
    return _node(data, parents, rule, param)


def _node(data, parents, rule, param=None):
    """make_node for parents known to require grad (binary and unary have checked)."""
    node = _new(Value)
    node.data, node.grad = data, 0.0
    mode = current_mode.get()
    if mode is None:  # no mode entered: the usual case
        node._parents, node._rule, node._param = parents, rule, param
        return node
    if mode.scope:
        node.scope = mode.scope
    if mode.grad_enabled:
        node._parents, node._rule, node._param = parents, rule, param
    else:  # a leaf, marked so that backward() from it can say why no gradient goes anywhere
        node._parents, node._rule, node._param = (), None, NO_GRAPH
    if mode.anomaly:
        _check_forward(data, rule, param, parents if parents.__class__ is tuple else (parents,))
    return node


def binary(a, op, b):
    """`a op b` when a or b is a Value: a node with both as parents, or with the plain-number side as its parameter
    (NotImplemented when the other side is not a number, so that Python raises its usual TypeError)."""
    if isinstance(a, Value):
        if a._param is CONSTANT:
            a = a.data  # a constant is a plain number to an op
        elif isinstance(b, Value) and b._param is not CONSTANT:
            return _node(op.values.forward(a.data, b.data), (a, b), op.values.rule)
    if isinstance(b, Value) and b._param is CONSTANT:
        b = b.data
    if isinstance(a, Value):
        c = _constant(b, op)
        return NotImplemented if c is None else _node(op.right.forward(a.data, c), a, op.right.rule, c)
    c = _constant(a, op)
    if c is None:
        return NotImplemented
    if isinstance(b, Value):
        return _node(op.left.forward(c, b.data), b, op.left.rule, c)
    other = _constant(b, op)  # both sides constants: so is the result
    return NotImplemented if other is None else constant(op.right.forward(c, other))


def unary(x, op, param=None):
    """`op` applied to a Value (a new node) or to a plain number (a float)."""
    if isinstance(x, Value):
        data = op.forward(x.data) if param is None else op.forward(x.data, param)
        return constant(data) if x._param is CONSTANT else _node(data, x, op.rule, param)
    number = as_real(x, f"{op.name}'s input")
    return op.forward(number) if param is None else op.forward(number, param)


def constant(data):
    """A leaf that does not require grad: what an op of constants gives."""
    node = _new(Value)
    node.data, node.grad = data, 0.0
    node._parents, node._rule, node._param = (), None, CONSTANT
    CONSTANTS_MADE[0] = True
    return node


def op_name(rule, param=None):
    """The name of the op with this rule and parameter: '*', 'relu', '**2'; '' for a leaf (no rule)."""
    if rule is None:
        return ""
    name = ops.BY_RULE[rule].name
    return name if isinstance(name, str) else name(param)


# --- Checks


def _text(text, what):
    if not isinstance(text, str):
        raise TypeError(f"Value {what} must be a str, got {type(text).__name__}: {text!r:.60}")
    return text


def _children_tuple(data, children):
    """micrograd's `_children` as a tuple of Values, or a TypeError that says what was passed instead."""
    if isinstance(children, str):
        raise TypeError(
            f"Value({data!r}, {children!r}): the second argument is micrograd's _children, the Values an op's "
            f"output is made from. To name a Value, write Value({data!r}, label={children!r})"
        )
    try:
        parents = tuple(children)
    except TypeError:
        raise TypeError(f"Value's _children must be a tuple of Values, got {type(children).__name__}") from None
    if not all(isinstance(parent, Value) for parent in parents):
        raise TypeError(f"Value's _children must all be Values, got {parents!r:.120}")
    return parents


def _check_forward(data, rule, param, parents):
    """Under detect_anomaly: a FloatingPointError naming the op and its inputs if it made a NaN or an inf."""
    if not math.isfinite(data):
        op = ops.BY_RULE[rule]
        constant = f" and {op.param_name}={param!r}" if op.param_name and param is not None else ""
        raise FloatingPointError(
            f"detect_anomaly: forward of {op_name(rule, param)!r} produced {data} from {describe(parents)}{constant}"
        )


def _constant(x, op):
    """A plain-number operand as a float, or None if `x` is not a real number (Python then raises its TypeError);
    a tensor or an array (anything with .item) gets our TypeError instead, which says how to pass its number."""
    if type(x) is float:
        return x
    try:
        return as_real(x)
    except TypeError:
        if callable(getattr(x, "item", None)):
            raise TypeError(
                f"{op.values.name!r} between a Value and a {type(x).__name__}: a Value works with Values and real "
                f"numbers (int, float, bool, numpy scalar), {not_a_number(x)}"
            ) from None
        return None


# The fast path's + - * /: `v op float` outside every mode, as `y = y * 1.01` in a loop, builds its node inside the
# operator, one call instead of three (fastpath.py, trick 4); every other case goes to the method above.
Value.__add__ = fastpath.inline_operator(ops.ADD, binary)
Value.__sub__ = fastpath.inline_operator(ops.SUB, binary)
Value.__mul__ = fastpath.inline_operator(ops.MUL, binary)
Value.__truediv__ = fastpath.inline_operator(ops.DIV, binary)
