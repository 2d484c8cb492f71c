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
from .fused import FUSED_ACTIVATIONS, dot, linear, sum
from .graph import topological_order
from .hooks import RemovableHandle
from .modes import current_scope, detect_anomaly, enable_grad, is_grad_enabled, no_grad, scope
from .value import (
    Value,
    abs,
    cos,
    elu,
    exp,
    leaky_relu,
    log,
    neg,
    relu,
    sigmoid,
    sin,
    softplus,
    sqrt,
    tanh,
)
from .viz import Explorer, GraphvizError, GraphvizNotFoundError, draw, explore, to_dot

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
    "backward",
    "cos",
    "current_scope",
    "detect_anomaly",
    "dot",
    "draw",
    "elu",
    "enable_grad",
    "exp",
    "explain",
    "explore",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradients",
    "hessian",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "leaky_relu",
    "linear",
    "log",
    "neg",
    "no_grad",
    "relu",
    "scope",
    "sigmoid",
    "sin",
    "softplus",
    "sqrt",
    "sum",
    "tanh",
    "to_dot",
    "topological_order",
    "value_and_grad",
    "vjp",
]
