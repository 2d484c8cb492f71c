"""chaingrad's engine: scalar reverse-mode automatic differentiation.

`Value` records how each number was made; `Value.backward()` applies the chain rule back through the graph.
Read value.py, ops.py and backward.py for the whole idea; fastpath.py holds what makes it fast.
"""

from .backward import backward, gradients
from .check import GradcheckError, gradcheck, gradgradcheck
from .explanation import Explanation, explain
from .forward import jvp
from .function import Function, FunctionCtx
from .functional import grad, hessian, jacobian, value_and_grad, vjp
from .functions import (
    abs,
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    ceil,
    clamp,
    cos,
    cosh,
    elu,
    exp,
    exp2,
    expm1,
    floor,
    floor_divide,
    hypot,
    leaky_relu,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    maximum,
    minimum,
    neg,
    relu,
    remainder,
    round,
    sigmoid,
    sign,
    sin,
    sinh,
    softplus,
    sqrt,
    tan,
    tanh,
    where,
)
from .fused import FUSED_ACTIVATIONS, dot, linear, sum
from .graph import topological_order
from .hooks import RemovableHandle
from .modes import current_scope, detect_anomaly, enable_grad, is_grad_enabled, no_grad, scope
from .value import Value
from .viz import Explorer, GraphvizError, GraphvizNotFoundError, draw, explore, to_dot


def compile(f, static_argnums=(), has_aux=False):
    """f(*sample_inputs) -> scalar Value for ONE sample, compiled to run over a batch with numpy.

    `cf = autograd.compile(f)`; `cf(*batch_inputs, reduction='mean')` returns the reduced loss as a float and adds
    its gradient into `.grad` of every Value f closes over (a model's parameters), as the eager loop over the
    samples would; reduction='none' returns the per-sample losses and computes no gradient. f is traced once per
    input shape; inputs in `static_argnums` reach f as plain Python values (labels a loss branches on), traced
    once per distinct value. With has_aux, f returns (loss, aux) and cf returns (loss, aux per sample). Needs numpy.
    """
    try:
        from .compiler import compile as compile_batched  # numpy is imported only on this path
    except ImportError as error:
        raise ImportError(f"autograd.compile needs numpy: pip install numpy ({error})") from error
    return compile_batched(f, static_argnums, has_aux)


__all__ = [
    "FUSED_ACTIVATIONS",
    "Explanation",
    "Explorer",
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "GraphvizError",
    "GraphvizNotFoundError",
    "RemovableHandle",
    "Value",
    "abs",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "backward",
    "ceil",
    "clamp",
    "compile",
    "cos",
    "cosh",
    "current_scope",
    "detect_anomaly",
    "dot",
    "draw",
    "elu",
    "enable_grad",
    "exp",
    "exp2",
    "explain",
    "explore",
    "expm1",
    "floor",
    "floor_divide",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "hessian",
    "hypot",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "leaky_relu",
    "linear",
    "log",
    "log1p",
    "log2",
    "log10",
    "logaddexp",
    "maximum",
    "minimum",
    "neg",
    "no_grad",
    "relu",
    "remainder",
    "round",
    "scope",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "softplus",
    "sqrt",
    "sum",
    "tan",
    "tanh",
    "to_dot",
    "topological_order",
    "value_and_grad",
    "vjp",
    "where",
]
