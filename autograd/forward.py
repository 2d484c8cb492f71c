"""Forward mode: `jvp`, tangents pushed from the inputs to the outputs through the recorded graph.

Reverse mode (backward.py) walks the graph once from an output and gives ∂output/∂input for every input; forward
mode walks it once from a direction of the inputs and gives d output/dt for every output. Each node's tangent is
Σ ∂node/∂parent · tangent(parent), with the same local derivatives backward uses (`Value.local_grads`, from the
op table), taken in topological order: a node after its parents.
"""

from .graph import topological_order
from .modes import enable_grad
from .scalar import as_real, number
from .value import Value


def jvp(f, primals, tangents):
    """(f(*primals), J·tangents): f's outputs and their directional derivatives along `tangents`, as
    torch.autograd.functional.jvp. `primals` and `tangents` are a number each or tuples of the same length; the
    outputs have f's structure (a number, or a tuple of them). Floats, in one forward pass."""
    several = isinstance(primals, (tuple, list))
    primals = tuple(primals) if several else (primals,)
    tangents = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
    if len(tangents) != len(primals):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents; give one tangent per primal")
    inputs = [Value(as_real(x, f"jvp's primal {i}")) for i, x in enumerate(primals)]
    with enable_grad():
        out = f(*inputs)
    outputs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    tangent = {x: as_real(t, f"jvp's tangent {i}") for i, (x, t) in enumerate(zip(inputs, tangents, strict=True))}
    nodes = [y for y in outputs if isinstance(y, Value)]
    for node in topological_order(nodes) if nodes else ():
        if node.parents:
            dots = zip(node.local_grads(), node.parents, strict=True)
            tangent[node] = sum((d * tangent[p] for d, p in dots if p in tangent), 0.0)  # others: constants
    values = tuple(number(y) for y in outputs)
    derivatives = tuple(tangent.get(y, 0.0) if isinstance(y, Value) else 0.0 for y in outputs)
    if isinstance(out, (tuple, list)):
        return values, derivatives
    return values[0], derivatives[0]
