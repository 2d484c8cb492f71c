"""`Value`: a scalar that remembers how it was made, and each op's forward beside its local derivative.

Every op builds its output with `_result(data, parents, rule, param)`. The rule, a module-level function beside
the op and named by `define_op`, maps the output's gradient to each parent's share, g·∂out/∂input:
`rule(g, out, *inputs)`, plus the op's parameter (an exponent, alpha, a plain-number operand) as a last argument
when it has one. It is written once and works on plain floats (ordinary backward) and on Values
(`create_graph=True`, higher derivatives), because every function it uses accepts both. No node refers to a
function that refers back to it, so graphs hold no reference cycles, and no node carries a closure of its own.

A node stores only what backward needs: data, grad, parents (held directly when there is one, as most ops have,
and as a tuple when there are more), rule and parameter. Its op name comes from the rule; a label or scope is
stored only when there is one. So a chain of ops is one small object per node, and the cycle collector, which
scans every node of a growing graph, has the least to read.
"""

import builtins
import math
import operator

from . import scalar
from .modes import current as current_mode
from .scalar import as_real

_new = object.__new__


class _Name:
    """Value's `label` (index 0) or `scope` (index 1). Most nodes have neither, so both live in one slot, `_names`,
    set only when one is: absent for neither, the scope path alone when there is no label (as every node nn
    builds), else (label, scope). Every slot a node does not have keeps it smaller for the cycle collector,
    which reads every node of a growing graph again and again."""

    def __init__(self, index, doc):
        self.index, self.__doc__ = index, doc

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, node, owner=None):
        if node is None:
            return self
        return _label_and_scope(node)[self.index]

    def __set__(self, node, text):
        if not isinstance(text, str):
            raise TypeError(f"Value {self.name} must be a str, got {type(text).__name__}")
        label, scope = _label_and_scope(node)
        if self.index:
            scope = text
        else:
            label = text
        _NAMES_SLOT.__set__(node, (label, scope) if label else scope)


def _label_and_scope(node):
    """(label, scope) of a node."""
    try:
        names = _NAMES_SLOT.__get__(node)
    except AttributeError:
        return ("", "")
    return names if names.__class__ is tuple else ("", names)


class Value:
    """A scalar node: `data`, `grad`, `label`, `op` ('' for a leaf), `parents`, op `params` and `scope`."""

    # No __weakref__ slot either: 16 bytes less a node (80, not 96) and a tenth off a long chain's time.
    __slots__ = ("data", "grad", "_parents", "_param", "_rule", "_names")
    # numpy scalars and arrays hand `np.float64(2) * v` to our reflected operators instead of wrapping v.
    __array_ufunc__ = None

    def __init__(self, data, label=""):
        if type(data) is not float:  # floats, the usual case, need no check
            if isinstance(data, Value):
                raise TypeError("Value data must be a number, got a Value: use v.detach() for a new leaf or v.data")
            data = as_real(data)
        self.data = data
        self.grad = 0.0
        self._parents = ()
        self._param = None
        self._rule = None
        if label != "":
            self.label = label
        mode = current_mode.get()
        if mode is not None and mode[2]:
            self.scope = mode[2]

    label = _Name(0, "A name for drawings and repr ('' if none).")
    scope = _Name(1, "The path of the `autograd.scope`s the node was built in, 'outer/inner' ('' if none).")

    @property
    def op(self):
        """The op that made this node: '+', '*', 'relu', '**2', 'dot', … ('' for a leaf)."""
        return op_name(self._rule, self._param)

    @property
    def parents(self):
        """The inputs this node was computed from, as a tuple: () for a leaf."""
        return _parent_tuple(self._parents)

    @property
    def params(self):
        """The op's parameter as a dict — {'exponent': 2.0}, {'alpha': 0.01}, {'right': 3.0} for x * 3,
        {'left': 3.0} for 3 - x — or None."""
        if self._param is None:
            return None
        return {_OPS[self._rule][1]: self._param}

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self):
        return self.data

    def item(self):
        """The data as a Python float (as `torch.Tensor.item`)."""
        return self.data

    def detach(self):
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self.data, self.label)

    def local_grads(self):
        """∂self/∂parent for each parent, as floats: the chain-rule factors on the edges into this node."""
        if not self.parents:
            return ()
        return tuple(shares(self, 1.0, self.data, [p.data for p in self.parents]))

    def backward(self, grad=1.0, create_graph=False):
        """Backpropagate from here: leaves' `grad` accumulate (+=); every other node's `grad` is set to this pass's.

        With `create_graph=True` the gradients are Values built from Value ops, so they can be differentiated again.
        """
        _engine.backward(self, grad, create_graph)

    # Comparisons look at data and return bool, so max(values) and sorting work; == and hash stay identity-based.
    def __lt__(self, other):
        return self.data < _compare_operand(other)

    def __le__(self, other):
        return self.data <= _compare_operand(other)

    def __gt__(self, other):
        return self.data > _compare_operand(other)

    def __ge__(self, other):
        return self.data >= _compare_operand(other)

    __hash__ = object.__hash__

    # +, -, * and / are bound below, once their ops exist: see _BinaryOp.methods.

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            return _binary(self, exponent, _POW)
        return _power_constant(self, exponent)

    def __rpow__(self, base):
        return _binary(base, self, _POW)

    def __neg__(self):
        return neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return abs(self)


def _result(data, parents, rule, param=None):
    """The output node of an op: records parents (one Value, or a tuple of two or more), rule and parameter
    (under `no_grad`, a plain leaf)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    mode = current_mode.get()
    if mode is None:  # the usual case: every mode at its default
        out._parents, out._param, out._rule = parents, param, rule
        return out
    if mode[0] and not mode[1]:  # recording, no anomaly checks, inside a scope: every node nn builds
        out._parents, out._param, out._rule, out._names = parents, param, rule, mode[2]  # a scope, no label
        return out
    if mode.scope:
        out._names = mode.scope
    if mode.grad_enabled:
        out._parents, out._param, out._rule = parents, param, rule
    else:
        out._parents, out._param, out._rule = (), None, None
    if mode.anomaly and not math.isfinite(data):
        constant = f" and {_OPS[rule][1]}={param!r}" if param is not None else ""
        inputs = describe(_parent_tuple(parents))
        raise FloatingPointError(
            f"detect_anomaly: forward of {op_name(rule, param)!r} produced {data} from {inputs}{constant}"
        )
    return out


def _parent_tuple(parents):
    """A node's stored parents (a lone Value, or a tuple) as a tuple."""
    return parents if parents.__class__ is tuple else (parents,)


def shares(node, g, out, inputs):
    """node's rule applied: each parent's share of the gradient g, from the output and inputs (floats or Values)."""
    if node._param is None:
        return node._rule(g, out, *inputs)
    return node._rule(g, out, *inputs, node._param)


def describe(nodes):
    """'x=2.0, 3.5' — the inputs of an op for an error message, with labels where set."""
    return ", ".join(f"{n.label}={n.data!r}" if n.label else repr(n.data) for n in nodes) or "constants"


def _constant(x):
    """A plain-number operand as a float, or None if `x` is not a real number."""
    if type(x) is float:
        return x
    try:
        return as_real(x)
    except TypeError:
        return None


def _compare_operand(x):
    if isinstance(x, Value):
        return x.data
    return as_real(x, "a Value can only be compared with a Value or a number; the other side")


# rule -> (the op's name, or a function of its parameter giving it; the parameter's name in Value.params)
_OPS = {None: ("", None)}


def define_op(name, param_name="param"):
    """Decorator: name the op whose local-derivative rule it decorates, for `Value.op` and `Value.params`."""

    def define(rule):
        _OPS[rule] = (name, param_name)
        return rule

    return define


def op_name(rule, param=None):
    """The name of the op with this rule (and parameter): '*', 'relu', '**2'; '' for a leaf (no rule)."""
    name = _OPS[rule][0]
    return name if name.__class__ is str else name(param)


class _BinaryOp:
    """A binary op's float forward and rule, named `name`, and the rules for a plain-number right or left operand
    (`rule(g, out, x, c)` with the Value x and the number c; by default the two-Value rule's share for x)."""

    def __init__(self, name, forward, rule, right=None, left=None):
        self.forward, self.rule = forward, rule

        def right_constant_rule(g, out, x, c):
            return (rule(g, out, x, c)[0],)

        def left_constant_rule(g, out, x, c):
            return (rule(g, out, c, x)[1],)

        # Written out for the arithmetic ops: a chain like y * 1.01 + 0.5 spends half its backward in these.
        self.right = define_op(name, "right")(right or right_constant_rule)
        self.left = define_op(name, "left")(left or left_constant_rule)
        define_op(name)(rule)

    def methods(self):
        """Value's `__op__` and `__rop__`: a float or Value other side goes straight to `_result` (the hot path of
        every chain of ops), anything else through `_binary`."""
        forward, rule, right, left = self.forward, self.rule, self.right, self.left

        def method(value, other):
            if other.__class__ is float:
                if current_mode.get() is None:  # _result's usual case, inlined: `y = y * 1.01` in a loop
                    out = _new(Value)
                    out.data, out.grad = forward(value.data, other), 0.0
                    out._parents, out._param, out._rule = value, other, right
                    return out
                return _result(forward(value.data, other), value, right, other)
            if isinstance(other, Value):
                return _result(forward(value.data, other.data), (value, other), rule)
            return _binary(value, other, self)

        def reflected(value, other):  # `other op value`, where other is not a Value
            if other.__class__ is float:
                return _result(forward(other, value.data), value, left, other)
            return _binary(other, value, self)

        return method, reflected


def _binary(a, b, op):
    """`a op b` with at least one Value; a plain-number side is the node's parameter ('left' or 'right')."""
    if isinstance(a, Value):
        if isinstance(b, Value):
            return _result(op.forward(a.data, b.data), (a, b), op.rule)
        c = _constant(b)
        if c is None:
            return NotImplemented
        return _result(op.forward(a.data, c), a, op.right, c)
    c = _constant(a)
    if c is None:
        return NotImplemented
    return _result(op.forward(c, b.data), b, op.left, c)


def _unary(x, forward, rule, param=None):
    """Apply an elementary function to a Value (a new node) or to a plain number (a float)."""
    if isinstance(x, Value):
        return _result(forward(x.data), x, rule, param)
    return forward(as_real(x, f"{op_name(rule, param)}'s input"))


# --- Arithmetic. Each rule: (g, out, a, b) -> (g·∂out/∂a, g·∂out/∂b).


def _add_grads(g, out, a, b):  # ∂(a+b)/∂a = ∂(a+b)/∂b = 1
    return g, g


def _sub_grads(g, out, a, b):  # ∂(a−b)/∂a = 1, ∂(a−b)/∂b = −1
    return g, -g


def _mul_grads(g, out, a, b):  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
    return g * b, g * a


def _divide(a, b):
    if b == 0:
        raise ZeroDivisionError(f"division: cannot divide {a!r} by zero")
    return a / b


def _div_grads(g, out, a, b):  # ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b² = −out/b
    return g / b, -g * out / b


# The constant-operand rules, (g, out, x, c) -> (g·∂out/∂x,), for x + c, c + x, x - c, c - x, x·c, c·x, x/c, c/x.
_ADD = _BinaryOp("+", operator.add, _add_grads, right=lambda g, out, x, c: (g,), left=lambda g, out, x, c: (g,))
_SUB = _BinaryOp("-", operator.sub, _sub_grads, right=lambda g, out, x, c: (g,), left=lambda g, out, x, c: (-g,))
_MUL = _BinaryOp(
    "*", operator.mul, _mul_grads, right=lambda g, out, x, c: (g * c,), left=lambda g, out, x, c: (g * c,)
)
_DIV = _BinaryOp(
    "/", _divide, _div_grads, right=lambda g, out, x, c: (g / c,), left=lambda g, out, x, c: (-g * out / x,)
)
Value.__add__, Value.__radd__ = _ADD.methods()
Value.__sub__, Value.__rsub__ = _SUB.methods()
Value.__mul__, Value.__rmul__ = _MUL.methods()
Value.__truediv__, Value.__rtruediv__ = _DIV.methods()


def _value_power(base, exponent):
    if base < 0:
        raise ValueError(
            f"pow: negative base {base!r} with a Value exponent: ∂/∂exponent = out·ln(base) needs base >= 0; "
            "use a plain-number exponent to differentiate through the base only"
        )
    return scalar.power(base, exponent)


def _pow_grads(g, out, base, exponent):  # ∂/∂base = p·base^(p−1); ∂/∂p = out·ln(base), 0 where base = 0
    d_exponent = g * out * log(base) if base > 0 else g * 0.0
    return g * _power_slope(base, exponent), d_exponent


def _power_slope(x, p):
    """d(x**p)/dx = p·x**(p−1): 0 for p = 0, and +inf (not ZeroDivisionError) at x = 0 for 0 < p < 1, as PyTorch."""
    if p == 0:
        return 0.0
    if float(x) == 0 and p < 1:
        return math.inf
    if isinstance(x, Value) or isinstance(p, Value):
        return p * x ** (p - 1)
    return p * scalar.power(x, p - 1)  # ±inf, not OverflowError, past the float range (as forward)


_POW = _BinaryOp("**", _value_power, _pow_grads)  # Value ** Value and number ** Value: see Value.__pow__


@define_op(lambda p: f"**{p:g}", "exponent")  # op '**2' for x ** 2
def _power_constant_grads(g, out, x, p):  # ∂xᵖ/∂x = p·xᵖ⁻¹
    return (g * _power_slope(x, p),)


def _power_constant(x, p):
    """x ** p for a plain-number exponent: op '**p' with params {'exponent': p}."""
    p = _constant(p)
    if p is None:
        return NotImplemented
    return _result(scalar.power(x.data, p), x, _power_constant_grads, p)


# --- Elementary functions: module functions that take Values or plain numbers, also bound as Value methods.


@define_op("neg")
def _neg_grads(g, out, x):  # ∂(−x)/∂x = −1
    return (-g,)


def neg(x):
    """−x."""
    return _unary(x, operator.neg, _neg_grads)


@define_op("abs")
def _abs_grads(g, out, x):  # ∂|x|/∂x = sign(x), 0 at x = 0 as in PyTorch
    return (g * ((x > 0) - (x < 0)),)


def abs(x):
    """|x|; the derivative at 0 is 0 (PyTorch's convention)."""
    return _unary(x, builtins.abs, _abs_grads)


@define_op("exp")
def _exp_grads(g, out, x):  # ∂eˣ/∂x = eˣ
    return (g * out,)


def exp(x):
    """eˣ; inf past x ≈ 709.78."""
    return _unary(x, scalar.exp, _exp_grads)


@define_op("log")
def _log_grads(g, out, x):  # ∂ln x/∂x = 1/x
    return (g / x,)


def log(x):
    """Natural logarithm ln x, for x > 0."""
    return _unary(x, scalar.log, _log_grads)


@define_op("sqrt")
def _sqrt_grads(g, out, x):  # ∂√x/∂x = 1/(2√x), inf at 0
    return (g * 0.5 * _reciprocal(out),)


def sqrt(x):
    """√x, for x >= 0."""
    return _unary(x, scalar.sqrt, _sqrt_grads)


def _reciprocal(x):
    """1/x, but ±inf at 0 for floats and Values alike: an infinite derivative, not a division error."""
    if float(x) == 0:
        return scalar.reciprocal(float(x))
    return 1 / x


@define_op("tanh")
def _tanh_grads(g, out, x):  # ∂tanh x/∂x = 1 − tanh²x, as (1 − out)(1 + out): exact 1 + out where out ≈ −1
    return (g * ((1 - out) * (1 + out)),)


def tanh(x):
    """tanh x = (e²ˣ − 1)/(e²ˣ + 1)."""
    return _unary(x, math.tanh, _tanh_grads)


@define_op("sigmoid")
def _sigmoid_grads(g, out, x):  # σ'(x) = σ(x)(1 − σ(x))
    return (g * out * (1 - out),)


def sigmoid(x):
    """σ(x) = 1/(1 + e⁻ˣ), stable for any x."""
    return _unary(x, scalar.sigmoid, _sigmoid_grads)


@define_op("relu")
def _relu_grads(g, out, x):  # 1 for x > 0, else 0 (0 at the kink, as PyTorch)
    return (g * (x > 0),)


def relu(x):
    """max(0, x); relu'(0) = 0."""
    if isinstance(x, Value):  # inline: a network applies relu to nearly every neuron
        return _result(x.data if x.data > 0 else 0.0, x, _relu_grads)
    return _unary(x, _relu, _relu_grads)


def _relu(x):
    return x if x > 0 else 0.0


@define_op("leaky_relu", "alpha")
def _leaky_relu_grads(g, out, x, alpha):  # 1 for x > 0, else alpha
    return (g if x > 0 else g * alpha,)


def leaky_relu(x, alpha=0.01):
    """x for x > 0, alpha·x otherwise (the slope at 0 is alpha, as PyTorch)."""
    alpha = as_real(alpha, "leaky_relu's alpha")
    return _unary(x, lambda v: v if v > 0 else alpha * v, _leaky_relu_grads, alpha)


@define_op("elu", "alpha")
def _elu_grads(g, out, x, alpha):  # 1 for x > 0, alpha·eˣ otherwise (not out + alpha: that cancels for x ≪ 0)
    return (g if x > 0 else g * alpha * exp(x),)


def elu(x, alpha=1.0):
    """x for x > 0, alpha·(eˣ − 1) otherwise (Clevert et al. 2015, https://arxiv.org/abs/1511.07289)."""
    alpha = as_real(alpha, "elu's alpha")
    return _unary(x, lambda v: scalar.elu(v, alpha), _elu_grads, alpha)




@define_op("softplus")
def _softplus_grads(g, out, x):  # ∂ln(1 + eˣ)/∂x = σ(x)
    return (g * sigmoid(x),)


def softplus(x):
    """ln(1 + eˣ), stable for any x."""
    return _unary(x, scalar.softplus, _softplus_grads)


@define_op("sin")
def _sin_grads(g, out, x):
    return (g * cos(x),)


def sin(x):
    """sin x; ∂/∂x = cos x."""
    return _unary(x, scalar.sin, _sin_grads)


@define_op("cos")
def _cos_grads(g, out, x):
    return (-g * sin(x),)


def cos(x):
    """cos x; ∂/∂x = −sin x."""
    return _unary(x, scalar.cos, _cos_grads)


_NAMES_SLOT = Value._names  # the slot's descriptor, for _Name

for _function in (exp, log, sqrt, tanh, sigmoid, relu, leaky_relu, elu, softplus, sin, cos):
    setattr(Value, _function.__name__, _function)

# backward.py imports this module, so it is bound last; Value.backward looks it up when called.
from . import backward as _engine  # noqa: E402
