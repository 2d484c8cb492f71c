"""numpy kernels for `autograd.compile`: each op of ops.py as a forward and a backward over a batch.

A kernel works on 2-D arrays, one row per node of a group of like nodes and one column per sample (a single
column, broadcast, for a node that does not depend on the inputs). `forward(*inputs, param)` gives the outputs;
`backward(g, out, *inputs, param)` gives each input's share of g, written as the rule in ops.py writes it, so the
compiled gradients are the eager ones. The parameter is a column of the nodes' constants (None when the op has
none). An op missing here is refused when a function is compiled, by name.
"""

import numpy as np

from . import fused, ops


def _sigmoid(x):
    e = np.exp(-np.abs(x))  # e**t only for t <= 0, as scalar.sigmoid: no overflow for any x
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _power_slope(x, p):
    """p·xᵖ⁻¹, with ops.power_slope's cases: 0 for p = 0, +inf at x = 0 for 0 < p < 1."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        slope = p * np.power(x, p - 1)
    slope = np.where((x == 0) & (p < 1), np.inf, slope)
    return np.where(p == 0, 0.0, slope)


def _power_log_share(g, out, base):
    """g·out·ln(base), 0 where base = 0 (ops.power_exponent_share); NaN for a NaN base."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(base == 0, g * 0.0, g * out * np.log(np.where(base == 0, 1.0, base)))


def _checked_power(base, exponent):
    bad = (base < 0) & (exponent != np.floor(exponent)) & np.isfinite(exponent)
    if bad.any():
        raise ValueError("pow: negative base with a non-integer exponent has no real result (in autograd.compile)")
    if ((base == 0) & (exponent < 0)).any():
        raise ZeroDivisionError("pow: 0.0 cannot be raised to a negative power (in autograd.compile)")
    with np.errstate(over="ignore"):
        return np.power(base, exponent)


def _value_power(base, exponent):
    if (base < 0).any():
        raise ValueError(
            "pow: negative base with a Value exponent (in autograd.compile): ∂/∂exponent = out·ln(base) needs base >= 0"
        )
    return _checked_power(base, exponent)


def _divide(a, b):
    if (b == 0).any():
        raise ZeroDivisionError("division: cannot divide by zero (in autograd.compile)")
    return a / b


def _domain(name, bad, message):
    def check(x):
        if bad(x).any():
            raise ValueError(f"{name}: input must be {message} (in autograd.compile)")
        return x

    return check


_log_input = _domain("log", lambda x: x <= 0, "> 0")
_sqrt_input = _domain("sqrt", lambda x: x < 0, ">= 0")


def _exp(x):
    with np.errstate(over="ignore"):
        return np.exp(x)


def _elu(x, alpha):
    with np.errstate(over="ignore"):
        return np.where(x > 0, x, alpha * np.expm1(x))


def _elu_share(g, x, alpha):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x <= 0, g * alpha * np.exp(x), g)  # 1 for NaN, as ops.ELU


def _softplus(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _sqrt_share(g, out):
    with np.errstate(divide="ignore"):
        return g * 0.5 * (1.0 / out)  # 1/0 = inf: an infinite derivative, as ops.reciprocal


def _reciprocal(x, p):
    with np.errstate(divide="ignore"):
        return 1.0 / x  # ±inf at ±0, as scalar.reciprocal


def _relu(x):
    return np.maximum(x, 0.0)  # 5x faster than np.where here; unlike eager's relu, NaN stays NaN


def _with_errstate(function):
    def run(*args):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return function(*args)

    return run


# rule -> (forward(*inputs, param), backward(g, out, *inputs, param)); `param` is None for an op without one.
ELEMENTWISE = {
    ops.ADD.values.rule: (lambda a, b, p: a + b, lambda g, out, a, b, p: (g, g)),
    ops.ADD.right.rule: (lambda x, c: x + c, lambda g, out, x, c: (g,)),
    ops.ADD.left.rule: (lambda x, c: c + x, lambda g, out, x, c: (g,)),
    ops.SUB.values.rule: (lambda a, b, p: a - b, lambda g, out, a, b, p: (g, -g)),
    ops.SUB.right.rule: (lambda x, c: x - c, lambda g, out, x, c: (g,)),
    ops.SUB.left.rule: (lambda x, c: c - x, lambda g, out, x, c: (-g,)),
    ops.MUL.values.rule: (lambda a, b, p: a * b, lambda g, out, a, b, p: (g * b, g * a)),
    ops.MUL.right.rule: (lambda x, c: x * c, lambda g, out, x, c: (g * c,)),
    ops.MUL.left.rule: (lambda x, c: c * x, lambda g, out, x, c: (g * c,)),
    ops.DIV.values.rule: (lambda a, b, p: _divide(a, b), lambda g, out, a, b, p: (g / b, -g * out / b)),
    ops.DIV.right.rule: (lambda x, c: x / c, lambda g, out, x, c: (g / c,)),
    ops.DIV.left.rule: (lambda x, c: _divide(c, x), lambda g, out, x, c: (-g * out / x,)),
    ops.POW.values.rule: (
        lambda base, p, _: _value_power(base, p),
        lambda g, out, base, p, _: (g * _power_slope(base, p), _power_log_share(g, out, base)),
    ),
    ops.POW.right.rule: (_checked_power, lambda g, out, x, p: (g * _power_slope(x, p),)),
    ops.POW.left.rule: (lambda x, c: _value_power(c, x), lambda g, out, x, c: (_power_log_share(g, out, c),)),
    ops.NEG.rule: (lambda x, p: -x, lambda g, out, x, p: (-g,)),
    ops.ABS.rule: (lambda x, p: np.abs(x), lambda g, out, x, p: (g * np.sign(x),)),
    ops.EXP.rule: (lambda x, p: _exp(x), lambda g, out, x, p: (g * out,)),
    ops.LOG.rule: (lambda x, p: np.log(_log_input(x)), lambda g, out, x, p: (g / x,)),
    ops.SQRT.rule: (lambda x, p: np.sqrt(_sqrt_input(x)), lambda g, out, x, p: (_sqrt_share(g, out),)),
    ops.RECIPROCAL.rule: (_reciprocal, lambda g, out, x, p: (-g * out * out,)),
    ops.TANH.rule: (lambda x, p: np.tanh(x), lambda g, out, x, p: (g * ((1 - out) * (1 + out)),)),
    ops.SIGMOID.rule: (lambda x, p: _sigmoid(x), lambda g, out, x, p: (g * out * (1 - out),)),
    ops.RELU.rule: (lambda x, p: _relu(x), lambda g, out, x, p: (g * ~(x <= 0),)),  # 1 for NaN, as ops.RELU
    ops.LEAKY_RELU.rule: (
        lambda x, alpha: np.where(x > 0, x, alpha * x),
        lambda g, out, x, alpha: (np.where(x > 0, g, g * alpha),),
    ),
    ops.ELU.rule: (_elu, lambda g, out, x, alpha: (_elu_share(g, x, alpha),)),
    ops.SOFTPLUS.rule: (lambda x, p: _softplus(x), lambda g, out, x, p: (g * _sigmoid(x),)),
    ops.SIN.rule: (_with_errstate(lambda x, p: np.sin(x)), _with_errstate(lambda g, out, x, p: (g * np.cos(x),))),
    ops.COS.rule: (_with_errstate(lambda x, p: np.cos(x)), _with_errstate(lambda g, out, x, p: (-g * np.sin(x),))),
}

# Which elementwise rules take a parameter (a binary op with a number on one side, x ** 2, leaky_relu, elu).
TAKES_PARAM = {rule for rule in ELEMENTWISE if ops.BY_RULE[rule].param_name is not None}

SUM_RULES = {fused._sum_rule: False, fused._sum_with_constant_rule: True}  # rule -> has a constant


# A dot node's activation, applied in place to its weighted sums z; and the gradient of z from the gradient g
# of the output, also in place (g is the group's own rows of the gradient, read by no one after).
def _sigmoid_in_place(z):
    z[...] = _sigmoid(z)
    return z


ACTIVATIONS = {
    "relu": (lambda z: np.maximum(z, 0.0, out=z), lambda g, out: np.multiply(g, ~(out <= 0), out=g)),
    "tanh": (lambda z: np.tanh(z, out=z), lambda g, out: np.multiply(g, (1 - out) * (1 + out), out=g)),
    "sigmoid": (_sigmoid_in_place, lambda g, out: np.multiply(g, out * (1 - out), out=g)),
}
DOT_RULES = {fused._dot_rule: (None, False), fused._dot_constants_rule: (None, True)}  # rule -> (activation, consts)
for _name, _fused in fused.ACTIVATIONS.items():
    DOT_RULES[_fused.rule] = (_name, False)
    DOT_RULES[_fused.constants_rule] = (_name, True)


def has_kernel(rule):
    """True if `autograd.compile` can run nodes that record this rule."""
    return rule in ELEMENTWISE or rule in SUM_RULES or rule in DOT_RULES
