"""Every elementary op in one block: its name, its float forward, its local-derivative rule and its formula.

A rule turns the gradient `g` that reaches an op's output into each input's share of it, g·∂out/∂input:
`rule(g, out, *inputs)`, with the op's parameter (an exponent, alpha, a plain-number operand) as a last argument
when it has one. Ordinary backward calls it with floats. `backward(create_graph=True)` calls it with Values, so
that each share is itself a graph and can be differentiated again: that is why rules are written with operators
and with the functions just below, which take a float or a Value.

Each op also writes itself and its local derivatives as formulas, Python expressions over its inputs' names,
`out` and its parameter: `autograd.explain` prints them ('b' for ∂(a·b)/∂a, 'out*(1 - out)' for the sigmoid,
σ(z)(1 − σ(z)) once the names are in), and tests/test_explain.py checks each one against SymPy and the rule.

Adding an op is one block here (or in math_ops.py, for the functions beyond micrograd's), one line in `value.py` or
`functions.py` (a Value method) and its tests.
"""

import builtins
import math
import operator
from typing import NamedTuple

from . import scalar
from .modes import get_mode
from .scalar import number


class Op(NamedTuple):
    """An op a node can record: its name for `Value.op`, its float forward, its rule, its parameter's name."""

    name: object  # a str, or a function of the parameter (x ** 2 is op '**2')
    forward: object
    rule: object
    param_name: str | None = None  # the key of the parameter in `Value.params`
    # The output as a formula of the symbols: 'a*b', 'sigmoid(x)'. An op of any number of inputs (sum, dot) gives
    # instead a function of (number of inputs, parameter) returning (expression, derivatives) in x0, x1, ….
    expression: object = None
    derivatives: tuple = ()  # ∂out/∂input for each input, as formulas of the symbols and `out`: ('b', 'a')
    symbols: tuple = ("x",)  # the inputs' names in those formulas, then the parameter's


class BinaryOp(NamedTuple):
    """A two-input op, as three Ops: both inputs Values (`a op b`), or a plain number on the right or the left."""

    values: Op
    right: Op  # x op c: the node's one parent is x, its parameter c
    left: Op  # c op x


BY_RULE = {}  # rule -> Op: the node stores only its rule; its name and parameter's name are found here


def define(name, forward, rule, param_name=None, *, expression=None, derivatives=(), symbols=None):
    """Register an op, so a node that records `rule` has a name, params and formulas; returns the Op.

    A one-input op is `name(x)` unless `expression` says otherwise, and its parameter is named `param_name`.
    """
    if symbols is None:
        symbols = ("x", param_name) if param_name else ("x",)
    if expression is None and isinstance(name, str):
        expression = f"{name}(x)"
    op = Op(name, forward, rule, param_name, expression, tuple(derivatives), symbols)
    BY_RULE[rule] = op
    return op


def binary(name, forward, rule, right, left, *, expression, derivatives):
    """Register a two-input op with its rule for two Values and its rules for a plain number on either side.

    `expression` and `derivatives` use `a` and `b`; with a plain number, that side's symbol is its value.
    """
    da, db = derivatives
    both = {"expression": expression, "symbols": ("a", "b")}
    return BinaryOp(
        define(name, forward, rule, derivatives=(da, db), **both),
        define(name, forward, right, "right", derivatives=(da,), **both),  # x op c: x is a, c is b
        define(name, forward, left, "left", derivatives=(db,), expression=expression, symbols=("b", "a")),
    )


# --- The functions rules need, for a float (ordinary backward) or a Value (create_graph: a new node).


def exp(x):
    return scalar.exp(x) if type(x) is float else x.exp()


def log(x):
    return scalar.log(x) if type(x) is float else x.log()


def sin(x):
    return scalar.sin(x) if type(x) is float else x.sin()


def cos(x):
    return scalar.cos(x) if type(x) is float else x.cos()


def sigmoid(x):
    return scalar.sigmoid(x) if type(x) is float else x.sigmoid()


def one_minus_square(t):
    """1 − t²: as (1 − t)(1 + t) for a float, correctly rounded where t ≈ ±1 (as PyTorch's fused multiply-add);
    as 1 − t·t for a Value, whose derivative −2t then has no cancellation near 0 (from (1 − t)(1 + t) it would be
    (1 − t) − (1 + t): tanh''(1e-12) off by 3e-5)."""
    return (1 - t) * (1 + t) if type(t) is float else 1 - t * t


def reciprocal(x):
    """1/x, but ±inf at 0 for floats and Values alike: an infinite derivative, not a division error.

    For a Value it is a node, so that differentiating again gives −1/x², −inf at 0 (sqrt''(0), as PyTorch)."""
    return scalar.reciprocal(x) if type(x) is float else x.reciprocal()


# --- Arithmetic. x is the Value and c the plain number when one side is a number.

# a + b: ∂/∂a = 1, ∂/∂b = 1
ADD = binary(
    "+",
    operator.add,
    rule=lambda g, out, a, b: (g, g),
    right=lambda g, out, x, c: (g,),  # x + c
    left=lambda g, out, x, c: (g,),  # c + x
    expression="a + b",
    derivatives=("1", "1"),
)

# a − b: ∂/∂a = 1, ∂/∂b = −1
SUB = binary(
    "-",
    operator.sub,
    rule=lambda g, out, a, b: (g, -g),
    right=lambda g, out, x, c: (g,),  # x − c
    left=lambda g, out, x, c: (-g,),  # c − x
    expression="a - b",
    derivatives=("1", "-1"),
)

# a · b: ∂/∂a = b, ∂/∂b = a
MUL = binary(
    "*",
    operator.mul,
    rule=lambda g, out, a, b: (g * b, g * a),
    right=lambda g, out, x, c: (g * c,),  # x · c
    left=lambda g, out, x, c: (g * c,),  # c · x
    expression="a*b",
    derivatives=("b", "a"),
)


def divide(a, b):
    if b == 0:
        raise ZeroDivisionError(f"division: cannot divide {a!r} by zero")
    return a / b


# a / b: ∂/∂a = 1/b, ∂/∂b = −a/b² = −out/b
DIV = binary(
    "/",
    divide,
    rule=lambda g, out, a, b: (g / b, -g * out / b),
    right=lambda g, out, x, c: (g / c,),  # x / c
    left=lambda g, out, x, c: (-g * out / x,),  # c / x
    expression="a/b",
    derivatives=("1/b", "-a/b**2"),
)


def value_power(base, exponent):
    """base ** exponent when the exponent is a Value: NaN, as PyTorch, for a negative base and a fractional exponent.

    (With an integer exponent the power is real, but its derivative out·ln(base) is NaN: see power_exponent_share.)
    Under detect_anomaly the NaN raises, saying why.
    """
    if base < 0 and math.isfinite(exponent) and not float(exponent).is_integer():
        if get_mode().anomaly:
            raise FloatingPointError(
                f"detect_anomaly: pow: negative base {base!r} with the Value exponent {exponent!r} has no real "
                "result (nan); use a base >= 0, or a plain-number exponent to differentiate through the base only"
            )
        return math.nan
    return scalar.power(base, exponent)


def power_slope(x, p):
    """∂(xᵖ)/∂x = p·xᵖ⁻¹: 0 for p = 0, and +inf (not ZeroDivisionError) at x = 0 for 0 < p < 1, as PyTorch.

    Under create_graph x and p may be Values, whose `==` is identity: hence number(p) == 0, not p == 0.
    """
    if number(p) == 0 and (type(p) is float or number(x) == 0):
        return 0.0  # (a Value p = 0 at x ≠ 0 goes on below: the slope 0 still has ∂/∂p = 1/x)
    if number(x) == 0 and p < 1:
        # x^(p−1) = 1/x^(1−p), inf at 0, written so that a Value's inf differentiates again: −inf for 0 < p < 1
        return math.inf if type(x) is float else p * reciprocal(x ** (1 - p))
    if type(x) is float and type(p) is float:
        return p * scalar.power(x, p - 1)  # ±inf, not OverflowError, past the float range (as forward)
    return p * x ** (p - 1)


def power_exponent_share(g, out, base):
    """g·∂(baseᵖ)/∂p = g·out·ln(base), 0 where base = 0 (as PyTorch); NaN for a NaN or a negative base."""
    if number(base) < 0:
        return g * out * math.nan  # ln of a negative number: NaN, as PyTorch (even where baseᵖ is real)
    return g * 0.0 if number(base) == 0 else g * out * log(base)


def power_rule(g, out, base, p):
    """∂(baseᵖ)/∂base = p·baseᵖ⁻¹; ∂(baseᵖ)/∂p = out·ln(base), 0 where base = 0."""
    if number(base) < 0 and math.isfinite(number(p)) and not number(p).is_integer():
        # (−2)^0.5 is NaN: so is its slope
        return g * out * math.nan, g * out * math.nan
    return g * power_slope(base, p), power_exponent_share(g, out, base)


# base ** p. With a plain-number exponent the op is named by it: x ** 2 is op '**2', params {'exponent': 2.0}.
_POWER = {"expression": "a**b", "symbols": ("a", "b")}
POW = BinaryOp(
    define("**", value_power, power_rule, derivatives=("b*a**(b - 1)", "out*log(a)"), **_POWER),
    define(
        lambda p: f"**{p:g}",
        scalar.power,
        lambda g, out, x, p: (g * power_slope(x, p),),
        "exponent",
        derivatives=("b*a**(b - 1)",),
        **_POWER,
    ),
    define(  # c ** x
        "**",
        value_power,
        lambda g, out, x, c: (power_exponent_share(g, out, c),),
        "left",
        derivatives=("out*log(a)",),
        expression="a**b",
        symbols=("b", "a"),
    ),
)


def zero(g):
    """A share of 0 for a flat op: 0.0 even where g is inf (as PyTorch's zeros_like), a Value under create_graph."""
    return 0.0 if type(g) is float else g * 0.0


# a % b = a − b·floor(a/b): ∂/∂a = 1, ∂/∂b = −floor(a/b), as torch.remainder (a // b is a float or a Value)
MOD = binary(
    "%",
    scalar.remainder,
    rule=lambda g, out, a, b: (g, -g * (a // b)),
    right=lambda g, out, x, c: (g,),  # x % c
    left=lambda g, out, x, c: (-g * (c // x),),  # c % x
    expression="a - b*floor(a/b)",
    derivatives=("1", "-floor(a/b)"),
)

# a // b = floor(a/b): flat, ∂/∂a = ∂/∂b = 0, as torch.div(rounding_mode='floor')
FLOORDIV = binary(
    "//",
    scalar.floor_divide,
    rule=lambda g, out, a, b: (zero(g), zero(g)),
    right=lambda g, out, x, c: (zero(g),),
    left=lambda g, out, x, c: (zero(g),),
    expression="floor(a/b)",
    derivatives=("0", "0"),
)

# −x: ∂/∂x = −1
NEG = define("neg", operator.neg, lambda g, out, x: (-g,), expression="-x", derivatives=("-1",))

# --- Elementary functions

# |x|: ∂/∂x = sign(x), 0 at x = 0 as in PyTorch
ABS = define("abs", builtins.abs, lambda g, out, x: (g * ((x > 0) - (x < 0)),), derivatives=("sign(x)",))

# eˣ: ∂/∂x = eˣ, the output itself
EXP = define("exp", scalar.exp, lambda g, out, x: (g * out,), derivatives=("exp(x)",))

# ln x: ∂/∂x = 1/x
LOG = define("log", scalar.log, lambda g, out, x: (g / x,), derivatives=("1/x",))

# √x: ∂/∂x = 1/(2√x), inf at 0
SQRT = define("sqrt", scalar.sqrt, lambda g, out, x: (g * 0.5 * reciprocal(out),), derivatives=("1/(2*sqrt(x))",))

# 1/x: ∂/∂x = −1/x² = −out²; ±inf at 0 as torch.reciprocal (where 1 / x raises): sqrt's and pow's rules use it
RECIPROCAL = define(
    "reciprocal",
    scalar.reciprocal,
    lambda g, out, x: (-g * out * out,),
    expression="1/x",
    derivatives=("-1/x**2",),
)

# tanh x: ∂/∂x = 1 − tanh²x = 1 − out²
TANH = define("tanh", math.tanh, lambda g, out, x: (g * one_minus_square(out),), derivatives=("1 - out**2",))

# σ(x) = 1/(1 + e⁻ˣ): ∂/∂x = σ(x)(1 − σ(x))
SIGMOID = define("sigmoid", scalar.sigmoid, lambda g, out, x: (g * out * (1 - out),), derivatives=("out*(1 - out)",))


def relu_forward(x):
    return 0.0 if x <= 0 else x  # NaN is not <= 0: it stays NaN, as in PyTorch


# max(0, x): ∂/∂x = 1 for x > 0, else 0 (0 at the kink, as PyTorch); 1 for NaN, as PyTorch (not x <= 0)
RELU = define("relu", relu_forward, lambda g, out, x: (g * (not x <= 0),), derivatives=("step(x)",))


def leaky_relu_forward(x, alpha):
    return x if x > 0 else alpha * x


# x for x > 0, else alpha·x: ∂/∂x = 1 for x > 0, else alpha
LEAKY_RELU = define(
    "leaky_relu",
    leaky_relu_forward,
    lambda g, out, x, alpha: (g if x > 0 else g * alpha,),
    "alpha",
    derivatives=("1 if x > 0 else alpha",),
)

# x for x > 0, else alpha·(eˣ − 1): ∂/∂x = 1 for x > 0, else alpha·eˣ (not out + alpha: that cancels for x ≪ 0);
# 1 for NaN, as PyTorch
ELU = define(
    "elu",
    scalar.elu,
    lambda g, out, x, alpha: (g * alpha * exp(x) if x <= 0 else g,),
    "alpha",
    derivatives=("1 if x > 0 else alpha*exp(x)",),
)

# ln(1 + eˣ): ∂/∂x = σ(x)
SOFTPLUS = define("softplus", scalar.softplus, lambda g, out, x: (g * sigmoid(x),), derivatives=("sigmoid(x)",))

# sin x: ∂/∂x = cos x
SIN = define("sin", scalar.sin, lambda g, out, x: (g * cos(x),), derivatives=("cos(x)",))

# cos x: ∂/∂x = −sin x
COS = define("cos", scalar.cos, lambda g, out, x: (-g * sin(x),), derivatives=("-sin(x)",))
