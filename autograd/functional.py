"""Function transforms in the style of JAX and HIPS autograd: `grad`, `value_and_grad`, `jacobian`, `hessian`.

All of them rest on `vjp`. Called with plain numbers they return floats; called with Values (inside another
transform) they return Values that carry their own graph, so transforms nest: `grad(grad(f))` is f''.
"""

import contextvars

from .backward import gradients
from .modes import enable_grad
from .scalar import as_real, number
from .value import Value

# True while a transform runs its function: a transform called in there must return Values even for plain-number
# arguments, or an outer derivative through a closure (grad(lambda x: grad(lambda y: x * y)(2.0))) would be lost.
_inside_transform = contextvars.ContextVar("chaingrad_inside_transform", default=False)


def vjp(f, *args, argnums=None):
    """(f(*args), pullback) where pullback(output) = ∂output/∂args[i] for each i in argnums (default: all).

    `output` is f's result or one item of it. Floats when called with plain numbers from outside any transform;
    Values (differentiable again) when any argument is a Value or when called inside another transform.
    """
    argnums = tuple(range(len(args))) if argnums is None else _positions(argnums, len(args))
    nested = _inside_transform.get() or any(isinstance(a, Value) for a in args)
    args = list(args)
    for i in argnums:
        if not isinstance(args[i], Value):
            args[i] = Value(as_real(args[i], f"argument {i} to differentiate"))
    inputs = [args[i] for i in argnums]
    token = _inside_transform.set(True)
    try:
        with enable_grad():
            out = f(*args)
    finally:
        _inside_transform.reset(token)

    def pullback(output):
        zero = Value(0.0) if nested else 0.0
        if not isinstance(output, Value):
            as_real(output, "the function's output")
            return tuple(zero for _ in inputs)
        grads = gradients(output, 1.0, create_graph=nested)
        return tuple(grads.get(x, zero) for x in inputs)

    return out, pullback


def _positions(argnums, n_args):
    """argnums as a tuple of non-negative positions, or ValueError saying what is wrong."""
    several = isinstance(argnums, tuple)
    positions = argnums if several else (argnums,)
    if not positions or not all(isinstance(i, int) and not isinstance(i, bool) for i in positions):
        raise ValueError(f"argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    for i in positions:
        if not -n_args <= i < n_args:
            raise ValueError(f"argnums={argnums!r}, but the function was called with {n_args} arguments")
    return tuple(i % n_args for i in positions)


def value_and_grad(f, argnums=0):
    """A function returning (f(*args), ∂f/∂args[argnums]); a tuple of derivatives when argnums is a tuple."""

    def value_and_grad_f(*args):
        out, pullback = vjp(f, *args, argnums=argnums)
        if not isinstance(out, (Value, int, float)):
            raise TypeError(
                f"grad needs a function returning one scalar (a Value or a number), got {type(out).__name__}; "
                "use jacobian for several outputs"
            )
        grads = pullback(out)
        value = out if isinstance(grads[0], Value) else number(out)
        return value, grads if isinstance(argnums, tuple) else grads[0]

    return value_and_grad_f


def grad(f, argnums=0):
    """A function returning ∂f/∂args[argnums] (a tuple when argnums is a tuple); nest it for higher derivatives."""
    value_and_grad_f = value_and_grad(f, argnums)

    def grad_f(*args):
        return value_and_grad_f(*args)[1]

    return grad_f


def jacobian(f):
    """A function returning J[i][j] = ∂f(*xs)[i]/∂xs[j] as m × n nested lists (a list of n if f returns a scalar)."""

    def jacobian_f(*args):
        out, pullback = vjp(f, *args)
        if isinstance(out, (Value, int, float)):
            return list(pullback(out))
        return [list(pullback(item)) for item in out]

    return jacobian_f


def hessian(f):
    """A function returning H[i][j] = ∂²f/∂xᵢ∂xⱼ as n × n nested lists: the Jacobian of the gradient."""

    def hessian_f(*args):
        return jacobian(grad(f, argnums=tuple(range(len(args)))))(*args)

    return hessian_f
