"""`Value`: a scalar that remembers how it was made, and each op's forward beside its local derivative.

Every op builds its output with `_result(data, op, parents, local_grads, params)`. `local_grads(g, out, *inputs)`
returns each parent's share of the gradient, g·∂out/∂input. It is written once and works on plain floats
(ordinary backward) and on Values (`create_graph=True`, higher derivatives), because every function it uses
accepts both. It never captures the node it belongs to, so graphs hold no reference cycles.
"""

import builtins
import math
import operator

from . import scalar
from .modes import anomaly_enabled, current_scope, grad_enabled
from .scalar import as_real

_new = object.__new__


class Value:
    """A scalar node: `data`, `grad`, `label`, `op` ('' for a leaf), `parents`, op `params` and `scope`."""

    __slots__ = ("data", "grad", "label", "op", "parents", "params", "scope", "_local_grads", "__weakref__")
    # numpy scalars and arrays hand `np.float64(2) * v` to our reflected operators instead of wrapping v.
    __array_ufunc__ = None

    def __init__(self, data, label=""):
        if isinstance(data, Value):
            raise TypeError("Value data must be a number, got a Value: use v.detach() for a new leaf or v.data")
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.data = as_real(data)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.parents = ()
        self.params = None
        self.scope = current_scope.get()
        self._local_grads = None

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
        return tuple(self._local_grads(1.0, self.data, *[p.data for p in self.parents]))

    def backward(self, grad=1.0, create_graph=False):
        """Backpropagate from here: leaves' `grad` accumulate (+=); every other node's `grad` is set to this pass's.

        With `create_graph=True` the gradients are Values built from Value ops, so they can be differentiated again.
        """
        from .backward import gradients

        for node, g in gradients(self, grad, create_graph).items():
            node.grad = g if node.parents else node.grad + g

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

    def __add__(self, other):
        return _binary(self, other, "+", operator.add, _add_grads)

    def __radd__(self, other):
        return _binary(other, self, "+", operator.add, _add_grads)

    def __sub__(self, other):
        return _binary(self, other, "-", operator.sub, _sub_grads)

    def __rsub__(self, other):
        return _binary(other, self, "-", operator.sub, _sub_grads)

    def __mul__(self, other):
        return _binary(self, other, "*", operator.mul, _mul_grads)

    def __rmul__(self, other):
        return _binary(other, self, "*", operator.mul, _mul_grads)

    def __truediv__(self, other):
        return _binary(self, other, "/", _divide, _div_grads)

    def __rtruediv__(self, other):
        return _binary(other, self, "/", _divide, _div_grads)

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            return _binary(self, exponent, "**", _value_power, _pow_grads)
        return _power_constant(self, exponent)

    def __rpow__(self, base):
        return _binary(base, self, "**", _value_power, _pow_grads)

    def __neg__(self):
        return neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return abs(self)


def _result(data, op, parents, local_grads, params=None):
    """The output node of an op; under `no_grad` a plain leaf. Raises on NaN/inf under `detect_anomaly`."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.scope = current_scope.get()
    if grad_enabled.get():
        out.op, out.parents, out.params, out._local_grads = op, parents, params, local_grads
    else:
        out.op, out.parents, out.params, out._local_grads = "", (), None, None
    if anomaly_enabled.get() and not math.isfinite(data):
        constants = f" and {params}" if params else ""
        raise FloatingPointError(
            f"detect_anomaly: forward of {op!r} produced {data} from {describe(parents)}{constants}"
        )
    return out


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


def _binary(a, b, op, forward, local_grads):
    """`a op b` with at least one Value; a plain-number side is kept in `params` ('left' or 'right')."""
    if isinstance(a, Value):
        if isinstance(b, Value):
            return _result(forward(a.data, b.data), op, (a, b), local_grads)
        c = _constant(b)
        if c is None:
            return NotImplemented

        def right_constant_grads(g, out, x):
            return (local_grads(g, out, x, c)[0],)

        return _result(forward(a.data, c), op, (a,), right_constant_grads, {"right": c})
    c = _constant(a)
    if c is None:
        return NotImplemented

    def left_constant_grads(g, out, x):
        return (local_grads(g, out, c, x)[1],)

    return _result(forward(c, b.data), op, (b,), left_constant_grads, {"left": c})


def _unary(x, forward, op, local_grads, params=None):
    """Apply an elementary function to a Value (a new node) or to a plain number (a float)."""
    if isinstance(x, Value):
        return _result(forward(x.data), op, (x,), local_grads, params)
    return forward(as_real(x, f"{op}'s input"))


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


def _power_constant(x, p):
    """x ** p for a plain-number exponent: op '**p' with params {'exponent': p}."""
    p = _constant(p)
    if p is None:
        return NotImplemented

    def local_grads(g, out, x):
        return (g * _power_slope(x, p),)

    return _result(scalar.power(x.data, p), f"**{p:g}", (x,), local_grads, {"exponent": p})


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
    return _unary(x, _relu, "relu", _relu_grads)


def _relu(x):
    return x if x > 0 else 0.0


def leaky_relu(x, alpha=0.01):
    """x for x > 0, alpha·x otherwise (the slope at 0 is alpha, as PyTorch)."""
    alpha = as_real(alpha, "leaky_relu's alpha")

    def local_grads(g, out, x):
        return (g if x > 0 else g * alpha,)

    return _unary(x, lambda v: v if v > 0 else alpha * v, "leaky_relu", local_grads, {"alpha": alpha})


def elu(x, alpha=1.0):
    """x for x > 0, alpha·(eˣ − 1) otherwise (Clevert et al. 2015, https://arxiv.org/abs/1511.07289)."""
    alpha = as_real(alpha, "elu's alpha")

    def local_grads(g, out, x):  # 1 for x > 0, alpha·eˣ otherwise (not out + alpha: that cancels for x ≪ 0)
        return (g if x > 0 else g * alpha * exp(x),)

    return _unary(x, lambda v: scalar.elu(v, alpha), "elu", local_grads, {"alpha": alpha})


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


def _sum_grads(g, out, *xs):  # ∂(Σxᵢ)/∂xᵢ = 1
    return (g,) * len(xs)


def sum(values):
    """Σ values as ONE node with a parent per Value; plain numbers fold into params['const']."""
    values = list(values)
    data = 0.0
    for v in values:
        data += v.data if isinstance(v, Value) else as_real(v, "autograd.sum's items")
    parents = tuple(v for v in values if isinstance(v, Value))
    if not parents:
        return data
    const = builtins.sum(as_real(v) for v in values if not isinstance(v, Value))
    return _result(data, "sum", parents, _sum_grads, {"const": const} if const else None)


for _function in (exp, log, sqrt, tanh, sigmoid, relu, leaky_relu, elu, softplus, sin, cos):
    setattr(Value, _function.__name__, _function)
