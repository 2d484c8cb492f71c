"""`Value`: a scalar that remembers how it was made, and each op's forward beside its local derivative.

Every op builds its output with `_result(data, op, parents, rule, param)`. The rule, a module-level function
beside the op, maps the output's gradient to each parent's share, g·∂out/∂input: `rule(g, out, *inputs)`, plus
the op's parameter (an exponent, alpha, a plain-number operand) as a last argument when it has one. It is written
once and works on plain floats (ordinary backward) and on Values (`create_graph=True`, higher derivatives), because
every function it uses accepts both. No node refers to a function that refers back to it, so graphs hold no
reference cycles, and no node carries a closure of its own: a node is a Value and its parents, held directly
when there is one (most ops) and as a tuple when there are more, so a chain of unary ops is one object per node
for the cycle collector to scan.
"""

import builtins
import math
import operator

from . import scalar
from .modes import current as current_mode
from .scalar import as_real

_new = object.__new__


class Value:
    """A scalar node: `data`, `grad`, `label`, `op` ('' for a leaf), `parents`, op `params` and `scope`."""

    __slots__ = ("data", "grad", "label", "op", "_parents", "scope", "_param", "_rule", "__weakref__")
    # numpy scalars and arrays hand `np.float64(2) * v` to our reflected operators instead of wrapping v.
    __array_ufunc__ = None

    def __init__(self, data, label=""):
        if type(data) is not float:  # floats, the usual case, need no check
            if isinstance(data, Value):
                raise TypeError("Value data must be a number, got a Value: use v.detach() for a new leaf or v.data")
            data = as_real(data)
        if type(label) is not str and not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._parents = ()
        mode = current_mode.get()
        self.scope = "" if mode is None else mode[2]
        self._param = None
        self._rule = None

    @property
    def parents(self):
        """The inputs this node was computed from, as a tuple: () for a leaf."""
        parents = self._parents
        return parents if parents.__class__ is tuple else (parents,)

    @property
    def params(self):
        """The op's parameter as a dict — {'exponent': 2.0}, {'alpha': 0.01}, {'right': 3.0} for x * 3,
        {'left': 3.0} for 3 - x — or None."""
        if self._param is None:
            return None
        return {op_param_name(self._rule): self._param}

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


def _result(data, op, parents, rule, param=None):
    """The output node of an op: records parents (one Value, or a tuple of two or more), rule and parameter
    (under `no_grad`, a plain leaf)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    mode = current_mode.get()
    if mode is None:  # the usual case: every mode at its default
        out.op, out._parents, out.scope, out._param, out._rule = op, parents, "", param, rule
        return out
    if mode[0] and not mode[1]:  # recording, no anomaly checks, inside a scope: every node nn builds
        out.op, out._parents, out.scope, out._param, out._rule = op, parents, mode[2], param, rule
        return out
    out.scope = mode.scope
    if mode.grad_enabled:
        out.op, out._parents, out._param, out._rule = op, parents, param, rule
    else:
        out.op, out._parents, out._param, out._rule = "", (), None, None
    if mode.anomaly and not math.isfinite(data):
        constant = f" and {op_param_name(rule)}={param!r}" if param is not None else ""
        inputs = describe(parents if parents.__class__ is tuple else (parents,))
        raise FloatingPointError(f"detect_anomaly: forward of {op!r} produced {data} from {inputs}{constant}")
    return out


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


class _BinaryOp:
    """A binary op's name, float forward and rule, and the rules for a plain-number right or left operand."""

    def __init__(self, name, forward, rule):
        self.name, self.forward, self.rule = name, forward, rule

        def right_constant_rule(g, out, x, c):
            return (rule(g, out, x, c)[0],)

        def left_constant_rule(g, out, x, c):
            return (rule(g, out, c, x)[1],)

        self.right, self.left = right_constant_rule, left_constant_rule
        PARAM_NAMES[right_constant_rule], PARAM_NAMES[left_constant_rule] = "right", "left"

    def methods(self):
        """Value's `__op__` and `__rop__`: a float or Value other side goes straight to `_result` (the hot path of
        every chain of ops), anything else through `_binary`."""
        forward, name, rule, right, left = self.forward, self.name, self.rule, self.right, self.left

        def method(value, other):
            if other.__class__ is float:
                return _result(forward(value.data, other), name, value, right, other)
            if isinstance(other, Value):
                return _result(forward(value.data, other.data), name, (value, other), rule)
            return _binary(value, other, self)

        def reflected(value, other):  # `other op value`, where other is not a Value
            if other.__class__ is float:
                return _result(forward(other, value.data), name, value, left, other)
            return _binary(other, value, self)

        return method, reflected


def _binary(a, b, op):
    """`a op b` with at least one Value; a plain-number side is the node's parameter ('left' or 'right')."""
    if isinstance(a, Value):
        if isinstance(b, Value):
            return _result(op.forward(a.data, b.data), op.name, (a, b), op.rule)
        c = _constant(b)
        if c is None:
            return NotImplemented
        return _result(op.forward(a.data, c), op.name, a, op.right, c)
    c = _constant(a)
    if c is None:
        return NotImplemented
    return _result(op.forward(c, b.data), op.name, b, op.left, c)


def _unary(x, forward, op, rule, param=None):
    """Apply an elementary function to a Value (a new node) or to a plain number (a float)."""
    if isinstance(x, Value):
        return _result(forward(x.data), op, x, rule, param)
    return forward(as_real(x, f"{op}'s input"))


# The name under which `Value.params` shows each rule's parameter.
PARAM_NAMES = {}


def op_param_name(rule):
    """The name of the parameter a rule takes ('exponent', 'alpha', 'right', …)."""
    return PARAM_NAMES.get(rule, "param")


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


_ADD = _BinaryOp("+", operator.add, _add_grads)
_SUB = _BinaryOp("-", operator.sub, _sub_grads)
_MUL = _BinaryOp("*", operator.mul, _mul_grads)
_DIV = _BinaryOp("/", _divide, _div_grads)
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


def _power_constant_grads(g, out, x, p):  # ∂xᵖ/∂x = p·xᵖ⁻¹
    return (g * _power_slope(x, p),)


PARAM_NAMES[_power_constant_grads] = "exponent"
_POWER_NAMES = {}  # exponent -> op name ('**2'), so the common exponents are formatted once


def _power_constant(x, p):
    """x ** p for a plain-number exponent: op '**p' with params {'exponent': p}."""
    p = _constant(p)
    if p is None:
        return NotImplemented
    name = _POWER_NAMES.get(p)
    if name is None:
        name = _POWER_NAMES.setdefault(p, f"**{p:g}") if len(_POWER_NAMES) < 256 else f"**{p:g}"
    return _result(scalar.power(x.data, p), name, x, _power_constant_grads, p)


# --- Elementary functions: module functions that take Values or plain numbers, also bound as Value methods.


def _neg_grads(g, out, x):  # ∂(−x)/∂x = −1
    return (-g,)


def neg(x):
    """−x."""
    return _unary(x, operator.neg, "neg", _neg_grads)


def _abs_grads(g, out, x):  # ∂|x|/∂x = sign(x), 0 at x = 0 as in PyTorch
    return (g * ((x > 0) - (x < 0)),)


def abs(x):
    """|x|; the derivative at 0 is 0 (PyTorch's convention)."""
    return _unary(x, builtins.abs, "abs", _abs_grads)


def _exp_grads(g, out, x):  # ∂eˣ/∂x = eˣ
    return (g * out,)


def exp(x):
    """eˣ; inf past x ≈ 709.78."""
    return _unary(x, scalar.exp, "exp", _exp_grads)


def _log_grads(g, out, x):  # ∂ln x/∂x = 1/x
    return (g / x,)


def log(x):
    """Natural logarithm ln x, for x > 0."""
    return _unary(x, scalar.log, "log", _log_grads)


def _sqrt_grads(g, out, x):  # ∂√x/∂x = 1/(2√x), inf at 0
    return (g * 0.5 * _reciprocal(out),)


def sqrt(x):
    """√x, for x >= 0."""
    return _unary(x, scalar.sqrt, "sqrt", _sqrt_grads)


def _reciprocal(x):
    """1/x, but ±inf at 0 for floats and Values alike: an infinite derivative, not a division error."""
    if float(x) == 0:
        return scalar.reciprocal(float(x))
    return 1 / x


def _tanh_grads(g, out, x):  # ∂tanh x/∂x = 1 − tanh²x
    return (g * (1 - out * out),)


def tanh(x):
    """tanh x = (e²ˣ − 1)/(e²ˣ + 1)."""
    return _unary(x, math.tanh, "tanh", _tanh_grads)


def _sigmoid_grads(g, out, x):  # σ'(x) = σ(x)(1 − σ(x))
    return (g * out * (1 - out),)


def sigmoid(x):
    """σ(x) = 1/(1 + e⁻ˣ), stable for any x."""
    return _unary(x, scalar.sigmoid, "sigmoid", _sigmoid_grads)


def _relu_grads(g, out, x):  # 1 for x > 0, else 0 (0 at the kink, as PyTorch)
    return (g * (x > 0),)


def relu(x):
    """max(0, x); relu'(0) = 0."""
    if isinstance(x, Value):  # inline: a network applies relu to nearly every neuron
        return _result(x.data if x.data > 0 else 0.0, "relu", x, _relu_grads)
    return _unary(x, _relu, "relu", _relu_grads)


def _relu(x):
    return x if x > 0 else 0.0


def _leaky_relu_grads(g, out, x, alpha):  # 1 for x > 0, else alpha
    return (g if x > 0 else g * alpha,)


def leaky_relu(x, alpha=0.01):
    """x for x > 0, alpha·x otherwise (the slope at 0 is alpha, as PyTorch)."""
    alpha = as_real(alpha, "leaky_relu's alpha")
    return _unary(x, lambda v: v if v > 0 else alpha * v, "leaky_relu", _leaky_relu_grads, alpha)


def _elu_grads(g, out, x, alpha):  # 1 for x > 0, alpha·eˣ otherwise (not out + alpha: that cancels for x ≪ 0)
    return (g if x > 0 else g * alpha * exp(x),)


def elu(x, alpha=1.0):
    """x for x > 0, alpha·(eˣ − 1) otherwise (Clevert et al. 2015, https://arxiv.org/abs/1511.07289)."""
    alpha = as_real(alpha, "elu's alpha")
    return _unary(x, lambda v: scalar.elu(v, alpha), "elu", _elu_grads, alpha)


PARAM_NAMES[_leaky_relu_grads] = PARAM_NAMES[_elu_grads] = "alpha"


def _softplus_grads(g, out, x):  # ∂ln(1 + eˣ)/∂x = σ(x)
    return (g * sigmoid(x),)


def softplus(x):
    """ln(1 + eˣ), stable for any x."""
    return _unary(x, scalar.softplus, "softplus", _softplus_grads)


def _sin_grads(g, out, x):
    return (g * cos(x),)


def sin(x):
    """sin x; ∂/∂x = cos x."""
    return _unary(x, scalar.sin, "sin", _sin_grads)


def _cos_grads(g, out, x):
    return (-g * sin(x),)


def cos(x):
    """cos x; ∂/∂x = −sin x."""
    return _unary(x, scalar.cos, "cos", _cos_grads)


for _function in (exp, log, sqrt, tanh, sigmoid, relu, leaky_relu, elu, softplus, sin, cos):
    setattr(Value, _function.__name__, _function)

# backward.py imports this module, so it is bound last; Value.backward looks it up when called.
from . import backward as _engine  # noqa: E402
