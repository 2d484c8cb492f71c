"""The elementary functions beyond micrograd's, each a Value method and an `autograd.` function of plain numbers too.

`autograd.tan(0.5)` is a float and `autograd.tan(v)` (or `v.tan()`) a node of op 'tan'; each function is one op
of the op table (math_ops.py; % and // in ops.py), whose block has its float kernel, its derivative and its
formulas. value.py keeps the operators and micrograd's functions (exp, log, tanh, relu, …); the rest are written
here and attached to Value at the end, so that value.py stays the short core a learner reads first.
"""

from . import math_ops, ops
from .scalar import as_real
from .value import Value, binary, make_node, unary


def tan(x):
    """tan x; ∂/∂x = 1 + tan²x."""
    return unary(x, math_ops.TAN)


def sinh(x):
    """sinh x = (eˣ − e⁻ˣ)/2; ∂/∂x = cosh x."""
    return unary(x, math_ops.SINH)


def cosh(x):
    """cosh x = (eˣ + e⁻ˣ)/2; ∂/∂x = sinh x."""
    return unary(x, math_ops.COSH)


def asin(x):
    """arcsin x, for −1 <= x <= 1; ∂/∂x = 1/√(1 − x²), inf at ±1."""
    return unary(x, math_ops.ASIN)


def acos(x):
    """arccos x, for −1 <= x <= 1; ∂/∂x = −1/√(1 − x²), −inf at ±1."""
    return unary(x, math_ops.ACOS)


def atan(x):
    """arctan x; ∂/∂x = 1/(1 + x²)."""
    return unary(x, math_ops.ATAN)


def asinh(x):
    """arsinh x = ln(x + √(x² + 1)); ∂/∂x = 1/√(x² + 1)."""
    return unary(x, math_ops.ASINH)


def acosh(x):
    """arcosh x, for x >= 1; ∂/∂x = 1/√(x² − 1), inf at 1."""
    return unary(x, math_ops.ACOSH)


def atanh(x):
    """artanh x, for −1 < x < 1; ∂/∂x = 1/(1 − x²)."""
    return unary(x, math_ops.ATANH)


def log1p(x):
    """ln(1 + x), exact for x near 0; for x > −1."""
    return unary(x, math_ops.LOG1P)


def expm1(x):
    """eˣ − 1, exact for x near 0."""
    return unary(x, math_ops.EXPM1)


def log2(x):
    """Base-2 logarithm, for x > 0."""
    return unary(x, math_ops.LOG2)


def log10(x):
    """Base-10 logarithm, for x > 0."""
    return unary(x, math_ops.LOG10)


def exp2(x):
    """2ˣ; ∂/∂x = 2ˣ·ln 2."""
    return unary(x, math_ops.EXP2)


def sign(x):
    """−1, 0 or 1 (0 for ±0 and NaN, as torch.sign); the derivative is 0."""
    return unary(x, math_ops.SIGN)


def floor(x):
    """The largest integer <= x, as a float; the derivative is 0 (at the jumps too, as PyTorch)."""
    return unary(x, math_ops.FLOOR)


def ceil(x):
    """The smallest integer >= x, as a float; the derivative is 0."""
    return unary(x, math_ops.CEIL)


def round(x):
    """x rounded to the nearest integer, halves to even (round(2.5) = 2.0, as torch.round); the derivative is 0."""
    return unary(x, math_ops.ROUND)


def clamp(x, min=None, max=None):
    """x limited to [min, max] (either may be None); ∂/∂x = 1 inside and at the bounds, 0 outside, as torch.clamp."""
    if min is None and max is None:
        raise ValueError("clamp: give min or max (or both), e.g. clamp(x, min=0.0); with neither it changes nothing")
    bounds = tuple(None if b is None else as_real(b, f"clamp's {name}") for b, name in ((min, "min"), (max, "max")))
    return unary(x, math_ops.CLAMP, bounds)


def _binary(name, op, a, b):
    """`op` of a and b: a node if either is a Value, else a float; a TypeError naming `name` for anything else."""
    if not isinstance(a, Value) and not isinstance(b, Value):
        return op.values.forward(as_real(a, f"{name}'s first input"), as_real(b, f"{name}'s second input"))
    out = binary(a, op, b)
    if out is NotImplemented:
        other = b if isinstance(a, Value) else a
        raise TypeError(f"{name}: inputs must be Values or real numbers, got {type(other).__name__}: {other!r:.60}")
    return out


def maximum(a, b):
    """The larger of a and b (NaN if either is); at a tie each gets half the gradient, as torch.maximum."""
    return _binary("maximum", math_ops.MAXIMUM, a, b)


def minimum(a, b):
    """The smaller of a and b (NaN if either is); at a tie each gets half the gradient, as torch.minimum."""
    return _binary("minimum", math_ops.MINIMUM, a, b)


def atan2(a, b):
    """The angle of the point (b, a), in (−π, π]; ∂/∂a = b/(a² + b²), ∂/∂b = −a/(a² + b²), 0 at the origin."""
    return _binary("atan2", math_ops.ATAN2, a, b)


def hypot(a, b):
    """√(a² + b²) without overflow; ∂/∂a = a/out, NaN at a = b = 0 (as PyTorch)."""
    return _binary("hypot", math_ops.HYPOT, a, b)


def logaddexp(a, b):
    """ln(eᵃ + eᵇ), stable for large inputs; ∂/∂a = eᵃ⁻ᵒᵘᵗ."""
    return _binary("logaddexp", math_ops.LOGADDEXP, a, b)


def remainder(a, b):
    """a % b = a − b·floor(a/b), with the sign of b (as torch.remainder); ∂/∂a = 1, ∂/∂b = −floor(a/b)."""
    return _binary("remainder", ops.MOD, a, b)


def floor_divide(a, b):
    """a // b = floor(a/b), as torch.floor_divide; the derivative is 0."""
    return _binary("floor_divide", ops.FLOORDIV, a, b)


def where(condition, a, b):
    """a if condition else b, for a bool condition (x > 0 is one): the gradient goes to the chosen input only.

    A plain number on one side becomes a constant leaf, as torch.where makes a tensor of it.
    """
    if isinstance(condition, Value):
        raise TypeError(
            f"where: the condition must be a bool, got a Value ({condition!r:.60}); compare it to get one: "
            "where(x > 0, a, b)"
        )
    as_real(condition, "where's condition (a bool: x > 0 is one)")
    condition = bool(condition)
    if not isinstance(a, Value) and not isinstance(b, Value):
        return as_real(a, "where's a") if condition else as_real(b, "where's b")
    a, b = (v if isinstance(v, Value) else Value(as_real(v, f"where's {n}")) for v, n in ((a, "a"), (b, "b")))
    return make_node(math_ops.WHERE.forward(a.data, b.data, condition), (a, b), math_ops.WHERE.rule, condition)


# micrograd's functions, from value.py, as autograd.exp(x) and friends: the same functions, for a number too.
neg, abs, exp, log, sqrt = Value.__neg__, Value.__abs__, Value.exp, Value.log, Value.sqrt
tanh, sigmoid, relu, leaky_relu, elu = Value.tanh, Value.sigmoid, Value.relu, Value.leaky_relu, Value.elu
softplus, sin, cos = Value.softplus, Value.sin, Value.cos

# The functions above as Value methods, attached in this one place: v.tan() is tan(v), v.clamp(0, 1) is
# clamp(v, 0, 1), v.maximum(w) is maximum(v, w). (where's first argument is its condition: not a method.)
FUNCTIONS = (
    *(tan, sinh, cosh, asin, acos, atan, asinh, acosh, atanh, log1p, expm1, log2, log10, exp2),
    *(sign, floor, ceil, round, clamp, maximum, minimum, atan2, hypot, logaddexp, remainder, floor_divide),
)
for _function in FUNCTIONS:
    setattr(Value, _function.__name__, _function)
