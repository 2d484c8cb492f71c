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
from autograd.scalar import number


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


def test_gradcheck_raise_exception_false_returns_false():
    assert gradcheck(bad_sin, 0.3, raise_exception=False) is False
    assert gradcheck(lambda x: x.sin(), 0.3, raise_exception=False) is True


def test_gradcheck_raise_exception_false_still_rejects_bad_arguments():
    with pytest.raises(TypeError, match="gradcheck argument 0"):
        gradcheck(lambda x: x, "1", raise_exception=False)


# --- gradgradcheck: second derivatives against finite differences of the first


def with_sin_rule(monkeypatch, rule):
    """Make Value.sin record `rule` for the rest of the test (ops.SIN and its entry in the op table, undone after)."""
    from autograd import ops, scalar

    op = ops.Op("sin", scalar.sin, rule)
    monkeypatch.setattr(ops, "SIN", op)
    monkeypatch.setitem(ops.BY_RULE, rule, op)


# Rules for sin whose first derivative g·cos x is right at every x, and whose own derivative is wrong:
WRONG_SECOND = {
    # cos of the data, a plain number: create_graph records nothing, so ∂/∂x of it is 0 instead of −g·sin x.
    "cos_of_data": lambda g, out, x: (g * math.cos(number(x)),),
    # cos x + (x − x.data): the extra term is 0 at every x, but adds g to the second derivative.
    "zero_term_with_slope": lambda g, out, x: (g * (_cos(x) + (x - number(x))),),
}
EXPECTED_SECOND = {  # ∂²/∂x² of sin x as each wrong rule computes it, from calculus
    "cos_of_data": lambda x: 0.0,
    "zero_term_with_slope": lambda x: -math.sin(x) + 1.0,
}


def _cos(x):
    return math.cos(x) if isinstance(x, float) else x.cos()


@pytest.mark.parametrize("name", WRONG_SECOND)
@pytest.mark.parametrize("x", [0.7, -1.3])
def test_gradgradcheck_catches_a_wrong_second_derivative(monkeypatch, name, x):
    with_sin_rule(monkeypatch, WRONG_SECOND[name])
    assert ag.grad(lambda v: v.sin())(x) == pytest.approx(math.cos(x), rel=1e-15)  # the first derivative is right
    assert gradcheck(lambda v: v.sin(), x) is True
    assert ag.gradgradcheck(lambda v: v.sin(), x, raise_exception=False) is False
    with pytest.raises(GradcheckError) as info:
        ag.gradgradcheck(lambda v: v.sin(), x)
    message = str(info.value)
    assert message.startswith("gradgradcheck failed (eps=1e-06, atol=1e-05, rtol=0.001):")
    found = re.findall(r"∂/∂\(argument (\d)\) of ∂f/∂\(argument (\d)\): analytic (\S+), numeric (\S+)", message)
    assert [(k, j) for k, j, _, _ in found] == [("0", "0")]
    analytic, numeric = float(found[0][2]), float(found[0][3])
    assert analytic == pytest.approx(EXPECTED_SECOND[name](x), abs=1e-12)
    assert numeric == pytest.approx(-math.sin(x), abs=1e-5)


def test_gradgradcheck_names_output_and_both_arguments(monkeypatch):
    with_sin_rule(monkeypatch, WRONG_SECOND["cos_of_data"])
    x, y = 0.4, 2.0
    with pytest.raises(GradcheckError) as info:
        ag.gradgradcheck(lambda a, b: [a * b, a.sin() * b], x, y)
    lines = str(info.value).splitlines()[1:]
    # Only ∂²(a.sin()·b)/∂a² is wrong (its cross derivative cos a is the first derivative's value, which is right).
    assert len(lines) == 1
    assert lines[0].startswith("  ∂/∂(argument 0) of ∂(output 1)/∂(argument 0): analytic 0.0, numeric ")
    assert float(lines[0].rsplit(" ", 1)[1]) == pytest.approx(-math.sin(x) * y, abs=1e-5)


def test_gradgradcheck_refuses_a_micrograd_style_op_with_the_reason():
    with pytest.raises(TypeError, match="create_graph=True cannot differentiate through op 'bad_sin'"):
        ag.gradgradcheck(bad_sin, 0.3)


def test_gradgradcheck_rejects_non_numbers():
    with pytest.raises(TypeError, match="gradgradcheck argument 1"):
        ag.gradgradcheck(lambda x, y: x * y, 1.0, None)


def test_gradgradcheck_uses_eps():
    # For x⁴, f' = 4x³ and the central difference of f' is 12x² + 4·eps²: at x = 1, eps = 0.1 it is off by 0.04.
    assert ag.gradgradcheck(lambda x: x**4, 1.0) is True
    with pytest.raises(GradcheckError, match=r"analytic 12\.0, numeric 12\.04"):
        ag.gradgradcheck(lambda x: x**4, 1.0, eps=0.1)


# The same code runs on Values and on torch tensors, so both checkers judge the same function.
SECOND_ORDER = [
    pytest.param(lambda x: x.exp() * x.sin(), (0.3,), id="exp_sin"),
    pytest.param(lambda x: x.log() / x.sqrt(), (2.5,), id="log_sqrt"),
    pytest.param(lambda x: x.tanh() * x.sigmoid(), (-0.4,), id="tanh_sigmoid"),
    pytest.param(lambda x: x**3 - 2 / x, (1.4,), id="power_reciprocal"),
    pytest.param(lambda x, y: x * y + x / y - y**x, (0.9, 1.6), id="two_args"),
    pytest.param(lambda x, y: (x - y).cos() * (x * y).exp(), (0.2, -0.7), id="cos_exp"),
    pytest.param(lambda x, y: x.relu() * y + abs(x) * y * y, (0.6, -1.1), id="relu_abs"),
]


@pytest.mark.parametrize(("f", "args"), SECOND_ORDER)
def test_gradgradcheck_agrees_with_torch_on_correct_functions(f, args):
    torch = pytest.importorskip("torch")
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    assert torch.autograd.gradgradcheck(f, tensors, raise_exception=False) is True
    assert ag.gradgradcheck(f, *args) is True


def test_gradgradcheck_agrees_with_torch_on_wrong_second_derivatives(monkeypatch):
    torch = pytest.importorskip("torch")
    verdicts = {}
    for name, rule in WRONG_SECOND.items():

        class TorchSin(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return torch.sin(x)

            @staticmethod
            def backward(ctx, g, name=name):
                (x,) = ctx.saved_tensors
                if name == "cos_of_data":
                    return g * torch.cos(x.detach())
                return g * (torch.cos(x) + (x - x.detach()))

        x = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
        torch_first = torch.autograd.gradcheck(TorchSin.apply, (x,), raise_exception=False)
        torch_second = torch.autograd.gradgradcheck(TorchSin.apply, (x,), raise_exception=False)
        with monkeypatch.context() as patch:
            with_sin_rule(patch, rule)
            ours = (gradcheck(lambda v: v.sin(), 0.7), ag.gradgradcheck(lambda v: v.sin(), 0.7, raise_exception=False))
        verdicts[name] = ((torch_first, torch_second), ours)
    assert verdicts == {name: ((True, False), (True, False)) for name in WRONG_SECOND}
