"""The op table's entries for the functions beyond micrograd's: trigonometric and hyperbolic functions and their
inverses, logarithms and exponentials of other bases, rounding, clamp, minimum/maximum, where, atan2, hypot and
logaddexp. Each block is written as ops.py's are (read its docstring): a float kernel, a rule, formulas.

Where a function is flat (sign, floor, ceil, round) or picks one input (clamp, minimum, maximum, where), its
derivatives follow PyTorch's, kinks and ties included; tests/test_functions.py checks each against torch.
"""

import math

from . import scalar
from .ops import binary, define, exp, one_minus_square, reciprocal, sigmoid, zero
from .scalar import number


def sqrt(x):
    return scalar.sqrt(x) if type(x) is float else x.sqrt()


def sinh(x):
    return scalar.sinh(x) if type(x) is float else x.sinh()


def cosh(x):
    return scalar.cosh(x) if type(x) is float else x.cosh()


_LN2, _LN10 = math.log(2.0), math.log(10.0)

# tan x: ∂/∂x = 1 + tan²x = 1 + out²
TAN = define("tan", scalar.tan, lambda g, out, x: (g * (1 + out * out),), derivatives=("1 + out**2",))

# sinh x: ∂/∂x = cosh x
SINH = define("sinh", scalar.sinh, lambda g, out, x: (g * cosh(x),), derivatives=("cosh(x)",))

# cosh x: ∂/∂x = sinh x
COSH = define("cosh", scalar.cosh, lambda g, out, x: (g * sinh(x),), derivatives=("sinh(x)",))


def arcsin_slope(x):
    """1/√(1 − x²), inf at ±1: the derivative of arcsin, and minus that of arccos."""
    return reciprocal(sqrt(one_minus_square(x)))


# arcsin x: ∂/∂x = 1/√(1 − x²), inf at ±1
ASIN = define("asin", scalar.asin, lambda g, out, x: (g * arcsin_slope(x),), derivatives=("1/sqrt(1 - x**2)",))

# arccos x: ∂/∂x = −1/√(1 − x²), −inf at ±1
ACOS = define("acos", scalar.acos, lambda g, out, x: (-g * arcsin_slope(x),), derivatives=("-1/sqrt(1 - x**2)",))

# arctan x: ∂/∂x = 1/(1 + x²)
ATAN = define("atan", math.atan, lambda g, out, x: (g / (1 + x * x),), derivatives=("1/(1 + x**2)",))

# arsinh x: ∂/∂x = 1/√(x² + 1)
ASINH = define("asinh", math.asinh, lambda g, out, x: (g / sqrt(x * x + 1),), derivatives=("1/sqrt(x**2 + 1)",))


def square_minus_one(x):
    """x² − 1: as (x − 1)(x + 1) for a float, exact near x = 1; as x·x − 1 for a Value, whose derivative 2x is then
    one node (from (x − 1)(x + 1) it would be a sum of two, inf·0 = NaN at x = 1: acosh''(1) is −inf, as PyTorch)."""
    return (x - 1) * (x + 1) if type(x) is float else x * x - 1


# arcosh x: ∂/∂x = 1/√(x² − 1), inf at 1
ACOSH = define(
    "acosh",
    scalar.acosh,
    lambda g, out, x: (g * reciprocal(sqrt(square_minus_one(x))),),
    derivatives=("1/sqrt(x**2 - 1)",),
)

# artanh x: ∂/∂x = 1/(1 − x²)
ATANH = define(
    "atanh", scalar.atanh, lambda g, out, x: (g * reciprocal(one_minus_square(x)),), derivatives=("1/(1 - x**2)",)
)

# ln(1 + x): ∂/∂x = 1/(1 + x)
LOG1P = define("log1p", scalar.log1p, lambda g, out, x: (g / (1 + x),), derivatives=("1/(1 + x)",))

# eˣ − 1: ∂/∂x = eˣ (not out + 1, as PyTorch has it: that cancels for x ≪ 0)
EXPM1 = define("expm1", scalar.expm1, lambda g, out, x: (g * exp(x),), derivatives=("exp(x)",))

# log₂ x: ∂/∂x = 1/(x ln 2)
LOG2 = define("log2", scalar.log2, lambda g, out, x: (g / (x * _LN2),), derivatives=("1/(x*log(2))",))

# log₁₀ x: ∂/∂x = 1/(x ln 10)
LOG10 = define("log10", scalar.log10, lambda g, out, x: (g / (x * _LN10),), derivatives=("1/(x*log(10))",))

# 2ˣ: ∂/∂x = 2ˣ ln 2 = out·ln 2
EXP2 = define("exp2", scalar.exp2, lambda g, out, x: (g * out * _LN2,), derivatives=("out*log(2)",))

# Flat pieces: ∂/∂x = 0 everywhere, at the jumps too (as PyTorch)
SIGN = define("sign", scalar.sign, lambda g, out, x: (zero(g),), derivatives=("0",))
FLOOR = define("floor", scalar.floor, lambda g, out, x: (zero(g),), derivatives=("0",))
CEIL = define("ceil", scalar.ceil, lambda g, out, x: (zero(g),), derivatives=("0",))
ROUND = define("round", scalar.round_half_even, lambda g, out, x: (zero(g),), derivatives=("0",))


def clamp_rule(g, out, x, bounds):
    """∂/∂x = 1 where min <= x <= max (at the bounds too), else 0 (NaN: 0), as torch.clamp."""
    low, high = bounds
    inside = (low is None or x >= low) and (high is None or x <= high)
    return (g if inside else zero(g),)


def clamp_formulas(count, bounds):
    """clamp's expression and derivative with its bounds written in: 'clamp(x0, 0.0, inf)', '0 if x0 < 0.0 else 1'."""
    low, high = bounds
    slope = "1" if high is None else f"1 if x0 <= {high!r} else 0"
    if low is not None:
        slope = f"0 if x0 < {low!r} else {slope}"
    shown = ("-inf" if low is None else repr(low), "inf" if high is None else repr(high))
    return f"clamp(x0, {shown[0]}, {shown[1]})", (slope,)


# x limited to [min, max]; the parameter is the pair (min, max), either of them None
CLAMP = define("clamp", scalar.clamp, clamp_rule, "bounds", expression=clamp_formulas)


def choice_rule(larger):
    """The rule of maximum (larger=True) or minimum for two Values: the chosen input gets g, a tie g/2 each."""

    def rule(g, out, a, b):
        a, b = number(a), number(b)  # under create_graph they are Values, whose == is identity
        if a == b:
            return g * 0.5, g * 0.5
        if not (a < b or a > b):  # NaN on either side: torch passes g to both
            return g, g
        return (g, zero(g)) if (a > b) == larger else (zero(g), g)

    return rule


def choice_share(larger):
    """maximum or minimum with a plain number c: the Value x gets g where chosen, g/2 at a tie, else 0."""

    def rule(g, out, x, c):
        x = number(x)
        if x == c:
            return (g * 0.5,)
        return (zero(g),) if (x < c if larger else x > c) else (g,)

    return rule


# max(a, b): ∂/∂a = 1 where a > b, ½ at a tie, 0 where a < b (and the same for b), as torch.maximum
MAXIMUM = binary(
    "maximum",
    scalar.maximum,
    rule=choice_rule(True),
    right=choice_share(True),
    left=choice_share(True),
    expression="maximum(a, b)",
    derivatives=("1 if a > b else (0 if a < b else 0.5)", "1 if b > a else (0 if b < a else 0.5)"),
)

# min(a, b): ∂/∂a = 1 where a < b, ½ at a tie, 0 where a > b, as torch.minimum
MINIMUM = binary(
    "minimum",
    scalar.minimum,
    rule=choice_rule(False),
    right=choice_share(False),
    left=choice_share(False),
    expression="minimum(a, b)",
    derivatives=("1 if a < b else (0 if a > b else 0.5)", "1 if b < a else (0 if b > a else 0.5)"),
)


def where_rule(g, out, a, b, condition):
    """The gradient goes to the input the condition chose; the other gets 0."""
    return (g, zero(g)) if condition else (zero(g), g)


def where_formulas(count, condition):
    """'where(true, x0, x1)': the condition as it was when the node was built."""
    return f"where({str(condition).lower()}, x0, x1)", (("1", "0") if condition else ("0", "1"))


# a if condition else b, for a condition that is a bool: ∂/∂a = 1 and ∂/∂b = 0 if it holds, else the other way
WHERE = define(
    "where", lambda a, b, condition: a if condition else b, where_rule, "condition", expression=where_formulas
)


def inverse_square_norm(a, b):
    """1/(a² + b²), and 0 at a = b = 0: atan2's derivatives are 0 at the origin, as PyTorch's."""
    square = a * a + b * b
    return 0.0 if number(square) == 0 else 1 / square


# atan2(a, b), the angle of the point (b, a): ∂/∂a = b/(a² + b²), ∂/∂b = −a/(a² + b²)
ATAN2 = binary(
    "atan2",
    math.atan2,
    rule=lambda g, out, a, b: (g * b * inverse_square_norm(a, b), -g * a * inverse_square_norm(a, b)),
    right=lambda g, out, x, c: (g * c * inverse_square_norm(x, c),),  # atan2(x, c)
    left=lambda g, out, x, c: (-g * c * inverse_square_norm(c, x),),  # atan2(c, x)
    expression="atan2(a, b)",
    derivatives=("b/(a**2 + b**2)", "-a/(a**2 + b**2)"),
)


def over_hypot(x, out):
    """x/out, and NaN at out = 0 (where x is 0 too: 0/0, as PyTorch), not a ZeroDivisionError.

    A division, not x·(1/out): 1/out overflows to inf for a subnormal out, and 0·inf would be NaN."""
    return x / out if number(out) != 0 else x * reciprocal(out)


# √(a² + b²): ∂/∂a = a/out, ∂/∂b = b/out; NaN at a = b = 0 (0/0), as PyTorch
HYPOT = binary(
    "hypot",
    math.hypot,
    rule=lambda g, out, a, b: (g * over_hypot(a, out), g * over_hypot(b, out)),
    right=lambda g, out, x, c: (g * over_hypot(x, out),),
    left=lambda g, out, x, c: (g * over_hypot(x, out),),
    expression="hypot(a, b)",
    derivatives=("a/out", "b/out"),
)

# ln(eᵃ + eᵇ): ∂/∂a = eᵃ/(eᵃ + eᵇ) = σ(a − b), ∂/∂b = σ(b − a): the softmax of the pair, stable for any a and b
# (1 at a = inf, where eᵃ⁻ᵒᵘᵗ would be NaN; and exactly 0, with second derivative 0, where b − a is large)
LOGADDEXP = binary(
    "logaddexp",
    scalar.logaddexp,
    rule=lambda g, out, a, b: (g * sigmoid(a - b), g * sigmoid(b - a)),
    right=lambda g, out, x, c: (g * sigmoid(x - c),),
    left=lambda g, out, x, c: (g * sigmoid(x - c),),
    expression="logaddexp(a, b)",
    derivatives=("sigmoid(a - b)", "sigmoid(b - a)"),
)
