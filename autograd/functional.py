"""Function transforms in the style of JAX and HIPS autograd: `grad`, `value_and_grad`, `jacobian`, `hessian`.

All of them rest on `vjp`. Called with plain numbers they return floats; called with Values (inside another
transform) they return Values that carry their own graph, so transforms nest: `grad(grad(f))` is f''.
"""

from .backward import gradients
from .modes import enable_grad
from .scalar import as_real
from .value import Value


def vjp(f, *args, argnums=None):
    """(f(*args), pullback) where pullback(output) = ∂output/∂args[i] for each i in argnums (default: all).

    `output` is f's result or one item of it. Floats when every differentiated arg is a plain number; Values
    (differentiable again) when any is a Value.
    """
    argnums = tuple(range(len(args))) if argnums is None else argnums
    nested = any(isinstance(args[i], Value) for i in argnums)
    args = list(args)
    for i in argnums:
        if not isinstance(args[i], Value):
            args[i] = Value(as_real(args[i], f"argument {i} to differentiate"))
    inputs = [args[i] for i in argnums]
    with enable_grad():
        out = f(*args)

    def pullback(output):
        zero = Value(0.0) if nested else 0.0
        if not isinstance(output, Value):
            as_real(output, "the function's output")
            return tuple(zero for _ in inputs)
        grads = gradients(output, 1.0, create_graph=nested)
        return tuple(grads.get(x, zero) for x in inputs)

    return out, pullback


def value_and_grad(f, argnums=0):
    """A function returning (f(*args), ∂f/∂args[argnums]); a tuple of derivatives when argnums is a tuple."""

    def value_and_grad_f(*args):
        several = isinstance(argnums, tuple)
        positions = argnums if several else (argnums,)
        for i in positions:
            if not -len(args) <= i < len(args):
                raise ValueError(f"argnums={argnums!r}, but the function was called with {len(args)} arguments")
        out, pullback = vjp(f, *args, argnums=tuple(i % len(args) for i in positions))
        if not isinstance(out, (Value, int, float)):
            raise TypeError(
                f"grad needs a function returning one scalar (a Value or a number), got {type(out).__name__}; "
                "use jacobian for several outputs"
            )
        grads = pullback(out)
        value = out if isinstance(grads[0], Value) else float(out)
        return value, grads if several else grads[0]

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
