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


def number(x):
    """x as a float: x itself, a Value's data (float() refuses a Value, see compat.py), float(x) for another real."""
    if type(x) is float:
        return x
    return x.data if hasattr(x, "parent_shares") else float(x)


def not_a_number(x):
    """'got Tensor: tensor(2.)', and for a tensor or an array what to pass instead: its number, or one per element."""
    numel = getattr(x, "numel", None)  # a torch tensor's element count; numpy's is .size
    size = numel() if callable(numel) else getattr(x, "size", None)
    if isinstance(size, int) and size != 1 and hasattr(x, "shape"):
        hint = (
            f"; a Value is one number and this holds {size}: combine element by element "
            "([v * a for a in array]), or make an array of Values (numpy.array(values, dtype=object))"
        )
    elif callable(getattr(x, "item", None)):
        hint = "; pass its number with .item()"
    else:
        hint = ""
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


# --- The functions of autograd/functions.py. Outside its domain a function raises, as log and sqrt do; a NaN
# input gives NaN; past the float range the result is ±inf, not OverflowError (as PyTorch's float64).


def _overflow_safe(function, x, sign=1.0):
    try:
        return function(x)
    except OverflowError:
        return math.copysign(_INF, sign)


def tan(x):
    """tan x; NaN for ±inf (as PyTorch)."""
    return math.tan(x) if math.isfinite(x) else math.nan


def sinh(x):
    """sinh x; ±inf past |x| ≈ 710."""
    return _overflow_safe(math.sinh, x, x)


def cosh(x):
    """cosh x; inf past |x| ≈ 710."""
    return _overflow_safe(math.cosh, x)


def _check_domain(name, x, low, high, closed=True):
    """ValueError naming the function unless low <= x <= high (low < x < high if not closed); NaN passes."""
    outside = (x < low or x > high) if closed else (x <= low or x >= high)
    if outside:
        interval = f"[{low:g}, {high:g}]" if closed else f"({low:g}, {high:g})"
        raise ValueError(f"{name}: input must be in {interval}, got {x!r}")


def asin(x):
    """arcsin x, for -1 <= x <= 1."""
    _check_domain("asin", x, -1.0, 1.0)
    return math.asin(x)


def acos(x):
    """arccos x, for -1 <= x <= 1."""
    _check_domain("acos", x, -1.0, 1.0)
    return math.acos(x)


def acosh(x):
    """arcosh x, for x >= 1."""
    if x < 1:
        raise ValueError(f"acosh: input must be >= 1, got {x!r}")
    return math.acosh(x)


def atanh(x):
    """artanh x, for -1 < x < 1 (±inf at ±1, which log(0) would need)."""
    _check_domain("atanh", x, -1.0, 1.0, closed=False)
    return math.atanh(x)


def log1p(x):
    """ln(1 + x), exact to the last bit near x = 0 (where 1 + x would round x away); for x > -1."""
    if x <= -1:
        raise ValueError(f"log1p: input must be > -1, got {x!r}")
    return math.log1p(x)


def log2(x):
    """Base-2 logarithm, for x > 0."""
    if x <= 0:
        raise ValueError(f"log2: input must be > 0, got {x!r}")
    return math.log2(x)


def log10(x):
    """Base-10 logarithm, for x > 0."""
    if x <= 0:
        raise ValueError(f"log10: input must be > 0, got {x!r}")
    return math.log10(x)


def expm1(x):
    """eˣ − 1, exact near x = 0 (where eˣ − 1 cancels); inf past x ≈ 709.78."""
    return _overflow_safe(math.expm1, x)


def exp2(x):
    """2ˣ; inf past x = 1024."""
    return _overflow_safe(lambda t: 2.0**t, x)


def sign(x):
    """-1, 0 or 1; 0 for ±0 and for NaN, as torch.sign."""
    return float((x > 0) - (x < 0))


def _integral(function, x):
    """floor or ceil of x as a float, keeping the sign of a zero (ceil(-0.5) is -0.0, as PyTorch); NaN, ±inf stay."""
    if not math.isfinite(x):
        return x
    result = float(function(x))
    return math.copysign(result, x) if result == 0 else result


def floor(x):
    """The largest integer <= x, as a float."""
    return _integral(math.floor, x)


def ceil(x):
    """The smallest integer >= x, as a float."""
    return _integral(math.ceil, x)


def round_half_even(x):
    """x rounded to the nearest integer, halves to the even one (round(2.5) = 2.0), as torch.round."""
    return round(x, 0)


def clamp(x, bounds):
    """x limited to bounds = (min, max), either of them None; max wins where min > max, NaN stays, as torch.clamp."""
    low, high = bounds
    if math.isnan(x) or (low is not None and math.isnan(low)) or (high is not None and math.isnan(high)):
        return math.nan
    if low is not None and x < low:
        x = low
    return high if high is not None and x > high else x


def maximum(a, b):
    """The larger of a and b; NaN if either is NaN (Python's max would keep whichever came first)."""
    return math.nan if math.isnan(a) or math.isnan(b) else (a if a >= b else b)


def minimum(a, b):
    """The smaller of a and b; NaN if either is NaN."""
    return math.nan if math.isnan(a) or math.isnan(b) else (a if a <= b else b)


_LN2 = math.log(2.0)


def logaddexp(a, b):
    """ln(eᵃ + eᵇ) = max + log1p(e^−|a − b|): no overflow for large inputs, exact where one term is tiny."""
    if a == b:  # also ±inf: a − b would be NaN
        return a + _LN2
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


def remainder(a, b):
    """a − b·floor(a/b), with the sign of b, as torch.remainder (and Python's %, but for the sign of a zero:
    torch's −0.0 % 2 is −0.0, Python's 0.0); b must not be 0."""
    if b == 0:
        raise ZeroDivisionError(f"remainder: cannot take {a!r} % 0 (modulo by zero)")
    if math.isinf(a):
        return math.nan
    r = math.fmod(a, b)  # exact, with the sign of a
    return r + b if r != 0 and (r < 0) != (b < 0) else r


def floor_divide(a, b):
    """floor(a/b) as a float (Python's // and torch.floor_divide); b must not be 0."""
    if b == 0:
        raise ZeroDivisionError(f"floor_divide: cannot take {a!r} // 0 (division by zero)")
    return a // b
