"""The fused n-ary nodes: `sum`, `dot` (a neuron's weighted sum) and `linear` (a layer's), one node each.

Their rules work on floats and on Values like every other op's. Backward's float path uses `ADD_GRADS` instead:
for each rule, a function that adds every parent's share of the gradient straight into its `.grad`.
"""

import builtins
import itertools
import math
import operator

from . import scalar
from . import value as elementary
from .scalar import as_real
from .value import Value, _result, define_op

_data = operator.attrgetter("data")
_ALWAYS_VALUE = itertools.repeat(Value)  # an endless iterator, so map(isinstance, items, ...) runs in C


@define_op("sum")
def _sum_grads(g, out, *xs):  # ∂(Σxᵢ)/∂xᵢ = 1
    return (g,) * len(xs)


@define_op("sum", "const")
def _sum_with_constant_grads(g, out, *xs_and_constant):
    return (g,) * (len(xs_and_constant) - 1)


def _sum_add_grads(node, g):
    for parent in node._parents:
        parent.grad += g


def sum(values):
    """Σ values as ONE node with a parent per Value; plain numbers fold into its parameter, params['const']."""
    values = list(values)
    data = 0.0
    for v in values:
        data += v.data if isinstance(v, Value) else as_real(v, "autograd.sum's items")
    parents = tuple(v for v in values if isinstance(v, Value))
    parents = parents[0] if len(parents) == 1 else parents  # a lone parent is held by itself, as unary ops do
    if not parents:
        return data
    const = builtins.sum(as_real(v) for v in values if not isinstance(v, Value))
    if const:
        return _result(data, parents, _sum_with_constant_grads, const)
    return _result(data, parents, _sum_grads)


@define_op("dot")
def _dot_grads(g, out, *args):  # args: ws, xs, then the bias if any. ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂bias = 1
    n = len(args) // 2
    shares = [g * x for x in args[n : 2 * n]] + [g * w for w in args[:n]]
    if len(args) % 2:
        shares.append(g)
    return shares


@define_op("dot", "constants")
def _dot_constant_grads(g, out, *args):  # args: the Values, the bias if any, then the constants. ∂/∂vᵢ = cᵢ
    constants = args[-1]
    shares = [g * c for c in constants]
    if len(args) - 1 > len(constants):
        shares.append(g)
    return shares


def _dot_add_grads(node, g):  # _dot_grads in one pass over the parents (ws, xs, then the bias if any)
    parents = node._parents
    n = len(parents) // 2
    for w, x in zip(parents[:n], parents[n:], strict=False):  # stops after the xs: the bias is added below
        w.grad += g * x.data
        x.grad += g * w.data
    if len(parents) % 2:
        parents[-1].grad += g


def _dot_constant_add_grads(node, g):  # _dot_constant_grads in one pass (the Values, then the bias if any)
    parents, constants = node._parents, node._param
    for value, c in zip(parents, constants, strict=False):
        value.grad += g * c
    if len(parents) > len(constants):
        parents[-1].grad += g


# --- A neuron in one node: an activation whose derivative can be read off its output, fused into the dot.
# Its rule is the dot's with g·activation'(out), the activation's own rule evaluated at the output: relu'(z) is
# 1 where relu(z) > 0, tanh' = 1 − out², σ' = out(1 − out).


def _fuse(function, forward, activation_rule):
    """(forward, rule, constants rule, function) of activation∘dot, from the activation's function, its float
    forward and its rule; the rules' add_grads go into ADD_GRADS."""
    op = f"{function.__name__}∘dot"

    def fused(dot_rule, dot_add_grads, param_name):
        def rule(g, out, *args):
            return dot_rule(activation_rule(g, out, out)[0], out, *args)

        def add_grads(node, g):
            dot_add_grads(node, activation_rule(g, node.data, node.data)[0])

        ADD_GRADS[define_op(op, param_name)(rule)] = add_grads
        return rule

    plain = fused(_dot_grads, _dot_add_grads, "param")
    return forward, plain, fused(_dot_constant_grads, _dot_constant_add_grads, "constants"), function


# Backward's float path for the n-ary nodes: rule -> add_grads(node, g). A neuron's node has 2n + 1 parents, and
# one pass over them costs less than a list of their data, a list of shares and a pass to add those.
ADD_GRADS = {
    _sum_grads: _sum_add_grads,
    _sum_with_constant_grads: _sum_add_grads,
    _dot_grads: _dot_add_grads,
    _dot_constant_grads: _dot_constant_add_grads,
}

# activation name -> (float forward, rule, constants rule, the function on Values); None: the weighted sum alone
ACTIVATIONS = {
    None: (None, _dot_grads, _dot_constant_grads, None),
    "relu": _fuse(elementary.relu, elementary._relu, elementary._relu_grads),
    "tanh": _fuse(elementary.tanh, math.tanh, elementary._tanh_grads),
    "sigmoid": _fuse(elementary.sigmoid, scalar.sigmoid, elementary._sigmoid_grads),
}


def dot(ws, xs, bias=None, activation=None):
    """Σ wᵢ·xᵢ (+ bias) as ONE node, a neuron's weighted sum: ∂/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ, the other side's data.

    When one side is all plain numbers (a network's inputs) it is the node's parameter, params['constants'], and
    only the other side are parents; when both are Values the parents are ws then xs. A Value bias is the last
    parent. `activation` ('relu', 'tanh' or 'sigmoid') applies it in the same node, op 'relu∘dot': a whole
    neuron in one node.
    """
    ws = ws if type(ws) is list else list(ws)
    xs = xs if type(xs) is list else list(xs)
    if len(ws) != len(xs):
        raise ValueError(f"dot: the two sides have different lengths, {len(ws)} and {len(xs)}")
    if ws and not _count_values(ws) and _count_values(xs) == len(xs):  # numbers on the left, Values on the right
        return _Inputs(ws).dots([xs], [bias], activation)[0]
    return _Inputs(xs).dots([ws], [bias], activation)[0]


def linear(weights, xs, biases=None, activation=None):
    """[Σᵢ W[j][i]·xᵢ + b[j] for each row j]: a layer of neurons, each row's weighted sum one `dot` node.

    The same nodes as `[dot(row, xs, b, activation) for row, b in zip(weights, biases)]`, built faster: the
    inputs are checked and read once for all the rows. It is torch.nn.functional.linear(xs, weights, biases) on
    lists of scalars, with the arguments in dot's order: weights first.
    """
    try:
        rows = [row if type(row) is list else list(row) for row in weights]
    except TypeError:
        raise TypeError(
            "linear: weights must be a list of rows, one list of weights per output: linear(weights, xs, biases)"
        ) from None
    inputs = _Inputs(xs if type(xs) is list else list(xs))
    for j, row in enumerate(rows):
        if len(row) != len(inputs.items):
            raise ValueError(f"linear: row {j} has {len(row)} weights but there are {len(inputs.items)} inputs")
    biases = [None] * len(rows) if biases is None else biases if type(biases) is list else list(biases)
    if len(biases) != len(rows):
        raise ValueError(f"linear: {len(rows)} rows of weights but {len(biases)} biases")
    return inputs.dots(rows, biases, activation)


class _Inputs:
    """One side of a dot product, classified and read once: all Values, all plain numbers, or mixed (or empty)."""

    __slots__ = ("items", "values", "data")

    def __init__(self, items):
        self.items = items
        count = _count_values(items)
        if count == len(items) and items:
            self.values, self.data = tuple(items), list(map(_data, items))
        elif not count and items:
            self.values, self.data = (), tuple([x if type(x) is float else as_real(x, "dot's items") for x in items])
        else:
            self.values, self.data = None, None

    def dots(self, rows, biases, activation=None):
        """[activation(Σᵢ row[i]·xᵢ + bias)] with these as the xs, for rows (lists as long as the xs) and biases
        (or None): one node per row when the row is all Values, else elementary ops."""
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r} for a dot node: it fuses 'relu', 'tanh' or 'sigmoid' (or None); "
                "apply any other function to the node it returns"
            )
        forward, rule, constants_rule, _ = ACTIVATIONS[activation]
        values, data, n = self.values, self.data, len(self.items)
        rule, param = (rule, None) if values else (constants_rule, data)
        out = []
        for row, bias in zip(rows, biases, strict=True):
            if data is None or _count_values(row) != n or not (bias is None or isinstance(bias, Value)):
                out.append(self._unfused_dot(row, bias, activation))
                continue
            total = builtins.sum(map(operator.mul, map(_data, row), data))
            if bias is None:
                parents = (*row, *values)
            else:
                total += bias.data
                parents = (*row, *values, bias)
            if forward is not None:
                total = forward(total)
            out.append(_result(total, parents if len(parents) > 1 else parents[0], rule, param))
        return out

    def _unfused_dot(self, row, bias, activation):
        if bias is not None and not isinstance(bias, Value):  # a plain-number bias: the node for the rest, + bias
            total = self.dots([row], [None])[0] + bias
        else:
            total = _elementary_dot(row, self.items, bias)
        function = ACTIVATIONS[activation][3]
        return total if function is None else function(total)


def _elementary_dot(ws, xs, bias):
    """dot when one node can't hold it: no items, or numbers and Values mixed on one side (no single parameter
    can hold those): a `*` per pair and one `sum`."""
    return sum([w * x for w, x in zip(ws, xs, strict=True)] + ([] if bias is None else [bias]))


def _count_values(items):
    return builtins.sum(map(isinstance, items, _ALWAYS_VALUE))
