"""Forward mode: autograd.jvp against torch.autograd.functional.jvp, and against reverse mode's Jacobian."""

import math
import sys

import pytest

import autograd
from autograd import Function, Value

torch = pytest.importorskip("torch")


def t(x):
    return torch.tensor(x, dtype=torch.float64)


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2


# (our f, torch's f, primals, tangents): one input, several inputs, several outputs, fused nodes, a Function
CASES = {
    "one input": (lambda x: (x * x).tanh() + x.exp(), lambda x: (x * x).tanh() + x.exp(), 0.4, 1.0),
    "two inputs": (
        lambda x, y: x * y.sin() + (x / y).log(),
        lambda x, y: x * y.sin() + (x / y).log(),
        (0.5, 1.2),
        (1.0, -2.0),
    ),
    "several outputs": (
        lambda x, y: (x * y, (x - y) ** 2, x.sigmoid(), 3.0 * y),
        lambda x, y: (x * y, (x - y) ** 2, x.sigmoid(), 3.0 * y),
        (0.3, -0.8),
        (0.5, 2.0),
    ),
    "power and relu": (
        lambda x, y: (x**y + (x - 1.0).relu(), y**2.5),
        lambda x, y: (x**y + (x - 1.0).relu(), y**2.5),
        (1.7, 0.6),
        (-1.0, 0.25),
    ),
    "fused neuron": (
        lambda w0, w1, x: autograd.dot([w0, w1], [x, 2.0 * x], 0.5, activation="tanh"),
        lambda w0, w1, x: torch.tanh(w0 * x + w1 * 2.0 * x + 0.5),
        (0.2, -0.4, 1.1),
        (1.0, 0.5, -1.5),
    ),
    "Function": (lambda x: Cube.apply(x.sin()), lambda x: torch.sin(x) ** 3, 0.9, 2.0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_jvp_matches_torch(name):
    ours_f, torch_f, primals, tangents = CASES[name]
    several = isinstance(primals, tuple)
    t_primals = tuple(map(t, primals)) if several else t(primals)
    t_tangents = tuple(map(t, tangents)) if several else t(tangents)
    t_out, t_jvp = torch.autograd.functional.jvp(torch_f, t_primals, t_tangents)
    out, jvp = autograd.jvp(ours_f, primals, tangents)
    if isinstance(t_out, tuple):
        assert isinstance(out, tuple) and isinstance(jvp, tuple)
        assert out == pytest.approx([v.item() for v in t_out], rel=1e-14)
        assert jvp == pytest.approx([v.item() for v in t_jvp], rel=1e-13)
    else:
        assert type(out) is float and type(jvp) is float
        assert out == pytest.approx(t_out.item(), rel=1e-14)
        assert jvp == pytest.approx(t_jvp.item(), rel=1e-13)


@pytest.mark.parametrize("name", list(CASES))
def test_jvp_is_the_jacobian_times_the_tangents(name):
    ours_f, _, primals, tangents = CASES[name]
    primals = primals if isinstance(primals, tuple) else (primals,)
    tangents = tangents if isinstance(tangents, tuple) else (tangents,)
    jac = autograd.jacobian(ours_f)(*primals)
    rows = jac if isinstance(jac[0], list) else [jac]
    _, jvp = autograd.jvp(ours_f, primals, tangents)
    jvp = jvp if isinstance(jvp, tuple) else (jvp,)
    expected = [math.fsum(d * v for d, v in zip(row, tangents, strict=True)) for row in rows]
    assert list(jvp) == pytest.approx(expected, rel=1e-13)


def test_jvp_pushes_tangents_forward_without_any_reverse_pass(monkeypatch):
    """One forward walk: neither gradients() nor backward runs, and each node's local derivatives are read once."""
    reverse = sys.modules["autograd.backward"]  # the module: autograd.backward is the function, as torch's

    def refuse(*args, **kwargs):
        raise AssertionError("jvp ran a reverse pass")

    monkeypatch.setattr(reverse, "gradients", refuse)
    monkeypatch.setattr(reverse, "_gradients", refuse)
    monkeypatch.setattr(reverse.fastpath, "backward", refuse)
    reads = []
    local_grads = Value.local_grads
    monkeypatch.setattr(Value, "local_grads", lambda node: reads.append(node) or local_grads(node))
    out, jvp = autograd.jvp(lambda x: [x * k for k in (1.0, 2.0, 3.0, 4.0)], 0.5, 1.0)
    assert out == (0.5, 1.0, 1.5, 2.0) and jvp == (1.0, 2.0, 3.0, 4.0)  # four outputs, one forward pass
    assert len(reads) == len(set(reads)) == 4


def test_jvp_of_outputs_that_do_not_depend_on_the_inputs():
    _, t_jvp = torch.autograd.functional.jvp(lambda x, y: (x * 0 + 2.0, y), (t(1.0), t(2.0)), (t(1.0), t(0.0)))
    out, jvp = autograd.jvp(lambda x, y: (2.0, y), (1.0, 2.0), (1.0, 0.0))
    assert out == (2.0, 2.0) and jvp == (0.0, 0.0) == tuple(v.item() for v in t_jvp)
    constant = Value(3.0, requires_grad=False)
    assert autograd.jvp(lambda x: x * constant + constant.exp(), 1.0, 2.0) == (3.0 + math.exp(3.0), 6.0)


def test_jvp_refuses_mismatched_tangents_and_non_numbers():
    with pytest.raises(ValueError) as mismatch:
        autograd.jvp(lambda x, y: x * y, (1.0, 2.0), (1.0,))
    assert str(mismatch.value) == "jvp: 2 primals but 1 tangents; give one tangent per primal"
    with pytest.raises(TypeError, match="jvp's tangent 0"):
        autograd.jvp(lambda x: x, 1.0, "1")
    with pytest.raises(TypeError, match="jvp's primal 0"):
        autograd.jvp(lambda x: x, "1", 1.0)
