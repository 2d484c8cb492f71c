"""The worked examples of the articles the notebooks follow, reproduced with the engine to the digits they print."""

import math

import pytest

from autograd import Value


def test_the_single_sigmoid_neuron_of_backpropagation_and_gradient_descent():
    """The neuron of "Backpropagation & Gradient Descent": x = 2, w = 3, b = 1, y = 1, a = σ(wx + b), L = (a − y)²."""
    x, w, b, y = Value(2.0, label="x"), Value(3.0, label="w"), Value(1.0, label="b"), 1.0
    z = w * x + b
    a = z.sigmoid()
    loss = (a - y) ** 2
    loss.backward()
    # The printed numbers.
    assert z.data == 7.0
    assert a.data == pytest.approx(0.999089, abs=5e-7)
    assert loss.data == pytest.approx(8.3e-7, abs=5e-9)
    assert w.grad == pytest.approx(-3.317e-6, abs=5e-10)
    assert b.grad == pytest.approx(-1.659e-6, abs=5e-10)
    # The article's hand-derived chain rule, ∂L/∂a · ∂a/∂z · ∂z/∂w, from the exact σ(7).
    s = 1 / (1 + math.exp(-7))
    assert w.grad == pytest.approx(2 * (s - y) * s * (1 - s) * 2.0, rel=1e-12)
    assert b.grad == pytest.approx(2 * (s - y) * s * (1 - s), rel=1e-12)
    # Each local factor the article multiplies along the path.
    assert loss.local_grads()[0] == pytest.approx(-0.001822, abs=5e-7)  # ∂L/∂a = 2(a − y)
    assert a.local_grads()[0] == pytest.approx(0.000910, abs=5e-7)  # ∂a/∂z = a(1 − a)
