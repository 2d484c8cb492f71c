"""Float kernels for the elementary functions: stable, overflow-safe, with domain errors that name the op.

Both `Value`'s forward passes and the module-level functions (`autograd.exp(2.0)`) call these,
so a plain number and a `Value` always get the same number and the same error.
"""

import math
import numbers

_INF = math.inf


def as_real(x, what="Value data"):
    """Return `x` as a Python float if it is a real number (int, float, bool, numpy scalar), else raise TypeError."""
    if type(x) is float:
        return x
    if isinstance(x, (int, float, numbers.Real)):
        return float(x)
    # numpy's bool_ is not registered as numbers.Real; accept any 0-d numpy bool/int/float.
    dtype = getattr(x, "dtype", None)
    if getattr(dtype, "kind", None) in ("b", "i", "u", "f") and getattr(x, "shape", None) == ():
        return float(x)
    raise TypeError(f"{what} must be a real number (int, float, bool or numpy scalar), {not_a_number(x)}")


def not_a_number(x):
    """'got Tensor: tensor(2.)', and for a tensor or an array (it has .item) how to pass its number instead."""
    hint = "; pass its number with .item() or float()" if callable(getattr(x, "item", None)) else ""
    return f"got {type(x).__name__}: {x!r:.60}{hint}"


def exp(x):
    """e**x; inf (not OverflowError) past x ≈ 709.78."""
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def log(x):
    """Natural logarithm, defined for x > 0."""
    if x <= 0:
        raise ValueError(f"log: input must be > 0, got {x!r}")
    return math.log(x)


def sqrt(x):
    """Square root, defined for x >= 0."""
    if x < 0:
        raise ValueError(f"sqrt: input must be >= 0, got {x!r}")
    return math.sqrt(x)


def sigmoid(x):
    """1 / (1 + e**-x), evaluated so that e**t is only taken for t <= 0 (no overflow for any x)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def softplus(x):
    """log(1 + e**x) = max(x, 0) + log1p(e**-|x|): no overflow for any x."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def elu(x, alpha):
    """x for x > 0, alpha·(e**x − 1) otherwise."""
    return x if x > 0 else alpha * math.expm1(x)


def sin(x):
    """sin x; NaN (as PyTorch) rather than math's domain error for ±inf."""
    return math.sin(x) if math.isfinite(x) else math.nan


def cos(x):
    """cos x; NaN (as PyTorch) rather than math's domain error for ±inf."""
    return math.cos(x) if math.isfinite(x) else math.nan


def power(base, exponent):
    """base**exponent with clear errors for 0**negative and complex results; ±inf on overflow."""
    if base == 0 and exponent < 0:
        raise ZeroDivisionError(f"pow: 0.0 cannot be raised to the negative power {exponent!r}")
    if base < 0 and math.isfinite(exponent) and not float(exponent).is_integer():
        raise ValueError(f"pow: negative base {base!r} with non-integer exponent {exponent!r} has no real result")
    try:
        return base**exponent
    except OverflowError:
        odd = base < 0 and int(exponent) % 2 == 1
        return -_INF if odd else _INF


def reciprocal(x):
    """1/x, and ±inf at x = ±0: where a derivative is infinite (sqrt at 0) backward gives inf, as in PyTorch."""
    if x == 0:
        return math.copysign(_INF, x)
    return 1.0 / x
