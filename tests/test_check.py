"""`gradcheck`: backward's derivatives against central finite differences.

Wrong derivatives are built honestly, as custom ops whose hand-written local gradient is wrong, the way micrograd
and its lecture add an op: `Value(data, (inputs,), 'name')` with a `_backward` closure. Expected numbers come from
math, never from the engine.
"""

import math
import re

import pytest

import autograd as ag
from autograd import GradcheckError, Value, gradcheck


def custom_op(name, data, inputs, local_grads):
    """An op the micrograd way: `local_grads()` gives ∂out/∂input for each input, from their data."""
    out = Value(data, tuple(inputs), name)

    def _backward():
        for x, local in zip(inputs, local_grads(), strict=True):
            x.grad += local * out.grad

    out._backward = _backward
    return out


def bad_sin(x):
    """sin x whose backward claims ∂/∂x = 2 (the true derivative is cos x)."""
    return custom_op("bad_sin", math.sin(x.data), [x], lambda: [2.0])


def bad_mul(a, b):
    """a·b whose backward is right for a but claims ∂/∂b = a + 1 (the true derivative is a)."""
    return custom_op("bad_mul", a.data * b.data, [a, b], lambda: [b.data, a.data + 1.0])


def sin_with_offset(offset):
    """sin x whose backward is cos x + offset: an error of exactly `offset`."""
    return lambda x: custom_op("sin_offset", math.sin(x.data), [x], lambda: [math.cos(x.data) + offset])


def sin_with_scale(scale):
    """sin x whose backward is scale·cos x: a relative error of scale − 1."""
    return lambda x: custom_op("sin_scale", math.sin(x.data), [x], lambda: [scale * math.cos(x.data)])


MISMATCH = re.compile(r"argument (\d+)(?:, output (\d+))?: analytic (\S+), numeric (\S+)")


def mismatches(message):
    """{(argument, output or None): (analytic, numeric)} parsed from a GradcheckError message."""
    return {(int(arg), int(out) if out else None): (float(a), float(n)) for arg, out, a, n in MISMATCH.findall(message)}


# --- correct functions pass

CORRECT = [
    pytest.param(lambda x: x.exp(), (0.3,), id="exp"),
    pytest.param(lambda x: x.log(), (2.5,), id="log"),
    pytest.param(lambda x: x.sqrt(), (1.7,), id="sqrt"),
    pytest.param(lambda x: x.tanh(), (-0.4,), id="tanh"),
    pytest.param(lambda x: x.sigmoid(), (1.2,), id="sigmoid"),
    pytest.param(lambda x: x.softplus(), (-2.0,), id="softplus"),
    pytest.param(lambda x: x.sin() * x.cos(), (0.8,), id="sin_cos"),
    pytest.param(lambda x: x.relu() + ag.abs(x), (0.6,), id="relu_abs"),
    pytest.param(lambda x: x.elu() + x.leaky_relu(), (-0.5,), id="elu_leaky"),
    pytest.param(lambda x: x**3 - 2 / x, (1.4,), id="power_reciprocal"),
    pytest.param(lambda x, y: x * y + x / y - y**x, (0.9, 1.6), id="two_args"),
    pytest.param(lambda x, y, z: ag.sum([x, y * z, 3.0]) * (x - z).exp(), (0.2, -1.0, 0.5), id="three_args"),
    pytest.param(lambda x, y: [x * y, x.sin() + y, (x - y).tanh()], (0.7, 0.1), id="list_output"),
    pytest.param(lambda x, y: (x**2, y.exp() / x), (1.1, -0.3), id="tuple_output"),
    pytest.param(lambda x, y: [x * 2.0, 5.0], (1, 2), id="int_args_constant_output"),
]


@pytest.mark.parametrize(("f", "args"), CORRECT)
def test_gradcheck_passes_correct_functions(f, args):
    assert gradcheck(f, *args) is True


def test_gradcheck_error_is_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)


# --- a wrong derivative is caught and reported


@pytest.mark.parametrize("x", [0.3, -1.2, 2.0])
def test_gradcheck_catches_wrong_derivative(x):
    with pytest.raises(GradcheckError) as info:
        gradcheck(bad_sin, x)
    found = mismatches(str(info.value))
    assert set(found) == {(0, None)}
    analytic, numeric = found[(0, None)]
    assert analytic == 2.0
    assert numeric == pytest.approx(math.cos(x), abs=1e-7)
    assert f"analytic {2.0!r}" in str(info.value)


def test_gradcheck_names_only_the_wrong_argument():
    x, y = 0.5, 1.5
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: bad_sin(a) * b, x, y)
    message = str(info.value)
    found = mismatches(message)
    assert set(found) == {(0, None)}
    assert "argument 1" not in message
    analytic, numeric = found[(0, None)]
    assert analytic == pytest.approx(2.0 * y, rel=1e-12)
    assert numeric == pytest.approx(math.cos(x) * y, abs=1e-7)


def test_gradcheck_wrong_second_argument():
    a, b = 1.25, -0.75
    with pytest.raises(GradcheckError) as info:
        gradcheck(bad_mul, a, b)
    message = str(info.value)
    assert "argument 0" not in message
    found = mismatches(message)
    assert set(found) == {(1, None)}
    analytic, numeric = found[(1, None)]
    assert analytic == pytest.approx(a + 1.0, rel=1e-12)
    assert numeric == pytest.approx(a, abs=1e-7)


def test_gradcheck_names_argument_and_output_for_sequence_output():
    x, y = 0.4, 2.0
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: [a * b, bad_sin(a) + b, b.exp()], x, y)
    message = str(info.value)
    found = mismatches(message)
    assert set(found) == {(0, 1)}
    assert "output 0" not in message
    assert "output 2" not in message
    analytic, numeric = found[(0, 1)]
    assert analytic == 2.0
    assert numeric == pytest.approx(math.cos(x), abs=1e-7)


def test_gradcheck_lists_every_mismatch():
    x, y = 0.9, -0.2
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: bad_sin(a) + bad_sin(b), x, y)
    found = mismatches(str(info.value))
    assert set(found) == {(0, None), (1, None)}
    assert found[(0, None)][1] == pytest.approx(math.cos(x), abs=1e-7)
    assert found[(1, None)][1] == pytest.approx(math.cos(y), abs=1e-7)


# --- tolerances and step size are honoured


@pytest.mark.parametrize(("atol", "passes"), [(1e-5, False), (1e-3, True)])
def test_gradcheck_atol(atol, passes):
    # At x = π/2 the true derivative cos x is ~0, so rtol·|numeric| adds nothing: only atol decides.
    f = sin_with_offset(1e-4)
    if passes:
        assert gradcheck(f, math.pi / 2, atol=atol) is True
    else:
        with pytest.raises(GradcheckError):
            gradcheck(f, math.pi / 2, atol=atol)


@pytest.mark.parametrize(("rtol", "passes"), [(1e-3, False), (1e-1, True)])
def test_gradcheck_rtol(rtol, passes):
    f = sin_with_scale(1.01)  # 1 % too big; at x = 0.2, cos x ≈ 0.98, far above atol
    if passes:
        assert gradcheck(f, 0.2, rtol=rtol) is True
    else:
        with pytest.raises(GradcheckError):
            gradcheck(f, 0.2, rtol=rtol)


def test_gradcheck_uses_eps():
    # For x³ the central difference is exactly 3x² + eps²: with eps = 0.1 at x = 1 it is 3.01, off by 0.01.
    assert gradcheck(lambda x: x**3, 1.0) is True
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x**3, 1.0, eps=0.1)
    analytic, numeric = mismatches(str(info.value))[(0, None)]
    assert analytic == 3.0
    assert numeric == pytest.approx((1.1**3 - 0.9**3) / 0.2, rel=1e-12)
    assert "eps=0.1" in str(info.value)


def test_gradcheck_rejects_non_numbers():
    with pytest.raises(TypeError, match="gradcheck argument 1"):
        gradcheck(lambda x, y: x * y, 1.0, "2.0")
