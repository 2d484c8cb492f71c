"""Learners' traps that must give an answer that teaches, not a wrong number or a traceback from deep inside.

Each test asserts the exact message, or compares the behaviour with PyTorch's (float64).
"""

import math

import numpy as np
import pytest

import nn
from autograd import Value

torch = pytest.importorskip("torch")


def tensor(x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


# --- float(v) and the math module: a float would drop the gradient, so they refuse


def refused(data):
    return (
        "math.exp, math.sin and the other math-module functions (and float()) need a plain number, but got a Value "
        f"(data={data!r}), whose gradient they would drop; use x.exp(), x.sin(), … or autograd.exp(x), … to keep the "
        "gradient, or x.data (x.item()) for the number"
    )


# Everything that takes a Value's number through float(): each would return a float with no graph behind it.
THROUGH_FLOAT = {
    "math.exp": math.exp,
    "math.sin": math.sin,
    "math.log": math.log,
    "math.sqrt": math.sqrt,
    "math.tanh": math.tanh,
    "math.floor": math.floor,
    "math.isfinite": math.isfinite,
    "float": float,
    "complex": complex,
    "np.float64": np.float64,
    "np.array(dtype=float)": lambda v: np.array([v], dtype=float),
    "'%f' %": lambda v: "%f" % v,  # noqa: UP031 (the old-style formatting that calls float())
}


@pytest.mark.parametrize("name", THROUGH_FLOAT)
def test_math_functions_and_float_refuse_a_value_saying_what_to_use(name):
    x = Value(2.5)
    with pytest.raises(TypeError) as caught:
        THROUGH_FLOAT[name](x)
    assert str(caught.value) == refused(2.5)
    assert x.grad == 0.0


def test_the_fix_the_message_names_keeps_the_gradient_as_torch():
    x, t = Value(0.5), tensor(0.5)
    (x.exp() * x.sin()).backward()
    (t.exp() * t.sin()).backward()
    assert x.grad == pytest.approx(t.grad.item(), rel=1e-15) and x.grad != 0.0
    assert (x.data, x.item()) == (0.5, 0.5) and math.exp(x.item()) == math.exp(0.5)


def test_int_round_and_trunc_of_a_value_stay_pythons_type_errors():
    """No __int__, __round__ or __trunc__: as in micrograd, these refuse rather than drop the gradient;
    autograd.round and autograd.floor keep the graph, with torch's zero gradient."""
    import autograd

    x = Value(2.7)
    for convert in (int, round, math.trunc):
        with pytest.raises(TypeError, match="Value"):
            convert(x)
    t = tensor(2.7)
    (torch.round(t) + torch.floor(t)).backward()
    out = autograd.round(x) + autograd.floor(x)
    out.backward()
    assert (out.data, x.grad) == (3.0 + 2.0, t.grad.item())


def test_a_format_spec_formats_the_data_as_torch_formats_a_0d_tensor():
    x = Value(2.0 / 3.0, label="x")
    t = torch.tensor(2.0 / 3.0, dtype=torch.float64)
    for spec in (".3f", ".4e", "+.2g", "10.5f", ".1%"):
        assert format(x, spec) == format(t, spec) == format(2.0 / 3.0, spec)
    assert f"{x:.3f}" == "0.667"
    assert f"{x}" == str(x) == repr(x) == "Value(data=0.6666666666666666, grad=0.0, label='x')"


def test_a_value_exponent_on_a_negative_base_differentiates_twice_as_torch():
    """pow's rule looked at its Value exponent with math.isfinite, which used float(): now it reads .data."""
    for base, exponent in ((-2.0, 2.0), (-2.0, 0.5), (-3.0, 3.0)):
        b, e = Value(base), Value(exponent)
        (b**e).backward(create_graph=True)
        tb, te = tensor(base), tensor(exponent)
        t_db, t_de = torch.autograd.grad(tb**te, (tb, te), create_graph=True)
        (t_dbb,) = torch.autograd.grad(t_db, tb)
        db, de = b.grad, e.grad
        b.grad = e.grad = 0.0
        db.backward()
        ours, theirs = [db.data, de.data, b.grad], [t_db.item(), t_de.item(), t_dbb.item()]
        assert np.allclose(ours, theirs, rtol=1e-14, equal_nan=True), (ours, theirs)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_an_optimizer_step_and_clipping_after_create_graph_read_the_grads_data():
    """After backward(create_graph=True) a leaf's grad is a Value; step() and clip_grad_norm_ use its number."""
    w, tw = Value(1.5), tensor(1.5)
    (w**3).backward(create_graph=True)
    (tw**3).backward(create_graph=True)
    norm = nn.utils.clip_grad_norm_([w], 5.0)
    t_norm = torch.nn.utils.clip_grad_norm_([tw], 5.0)
    nn.optim.SGD([w], lr=0.1).step()
    torch.optim.SGD([tw], lr=0.1).step()
    assert norm == pytest.approx(t_norm.item(), rel=1e-15)
    assert w.data == pytest.approx(tw.item(), rel=1e-15)
