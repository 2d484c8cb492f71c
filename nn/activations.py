"""Activations under torch.nn.functional's names (nn.functional re-exports them): autograd's ops, applied to a
Value, a number (giving a float) or, element by element, a list of them (a layer's output)."""

import autograd
from autograd import Value


def relu(input):
    """max(0, x); relu'(0) = 0, as torch."""
    return _each(autograd.relu, input)


def sigmoid(input):
    """σ(x) = 1/(1 + e⁻ˣ), stable for any x."""
    return _each(autograd.sigmoid, input)


def tanh(input):
    """tanh x."""
    return _each(autograd.tanh, input)


def softplus(input, beta=1.0, threshold=20.0):
    """ln(1 + e^(beta·x)) / beta, and x itself where beta·x > threshold, as torch."""
    if not beta:
        raise ValueError("softplus: beta must not be 0 (it divides by beta)")

    def one(x):
        if beta * (x.data if isinstance(x, Value) else x) > threshold:
            return x
        return autograd.softplus(x) if beta == 1 else autograd.softplus(beta * x) / beta

    return _each(one, input)


def leaky_relu(input, negative_slope=0.01):
    """x for x > 0, negative_slope·x otherwise."""
    return _each(lambda x: autograd.leaky_relu(x, negative_slope), input)


def elu(input, alpha=1.0):
    """x for x > 0, alpha·(eˣ − 1) otherwise (Clevert et al. 2015, https://arxiv.org/abs/1511.07289)."""
    return _each(lambda x: autograd.elu(x, alpha), input)


def _each(function, input):
    """function(input), or a list of function(item) for each item of a list or tuple (rows too)."""
    if isinstance(input, (list, tuple)):
        return [_each(function, item) for item in input]
    return function(input)
