"""The n-ary nodes: `sum`, `dot` (a neuron's weighted sum) and `linear` (a layer's), one node each.

Each rule works on floats and on Values like every rule in ops.py. Beside it, `@fastpath.accumulates` registers
the fast path's version: the same shares, added straight into the parents' `.grad` in one pass.
"""

import builtins
import itertools
import operator
from typing import NamedTuple

from . import fastpath, ops
from .scalar import as_real
from .value import Value, make_node

_data = operator.attrgetter("data")
_ALWAYS_VALUE = itertools.repeat(Value)  # an endless iterator, so map(isinstance, items, ...) runs in C


# --- Σ xᵢ: ∂/∂xᵢ = 1. Plain numbers fold into the parameter, params['const'].


def _sum_rule(g, out, *xs):
    return (g,) * len(xs)


def _sum_with_constant_rule(g, out, *xs_and_constant):
    return (g,) * (len(xs_and_constant) - 1)


def _sum_formulas(count, const=None):
    terms = [f"x{i}" for i in range(count)] + ([repr(const)] if const else [])
    return " + ".join(terms), ("1",) * count


ops.define("sum", None, _sum_rule, expression=_sum_formulas)
ops.define("sum", None, _sum_with_constant_rule, "const", expression=_sum_formulas)


@fastpath.accumulates(_sum_rule)
@fastpath.accumulates(_sum_with_constant_rule)
def _sum_accumulate(node, g):
    for parent in node._parents:
        try:
            parent.grad += g
        except TypeError:  # a grad of None: no gradient yet (fastpath.add_share)
            fastpath.add_share(parent, g)


def sum(values):
    """Σ values as ONE node with a parent per Value; plain numbers fold into its parameter, params['const']."""
    values = list(values)
    data = 0.0
    for v in values:
        data += v.data if isinstance(v, Value) else as_real(v, "autograd.sum's items")
    parents = tuple(v for v in values if isinstance(v, Value))
    if not parents:
        return data
    parents = parents[0] if len(parents) == 1 else parents  # a lone parent is held by itself, as unary ops do
    const = builtins.sum(as_real(v) for v in values if not isinstance(v, Value))
    if const:
        return make_node(data, parents, _sum_with_constant_rule, const)
    return make_node(data, parents, _sum_rule)


# --- Σ wᵢ·xᵢ (+ bias): ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂bias = 1. The parents are ws, xs, then the bias if any; or,
# when one side is all plain numbers, the other side's Values (and the bias), the numbers being the parameter.


def _dot_rule(g, out, *args):
    n = len(args) // 2
    shares = [g * x for x in args[n : 2 * n]] + [g * w for w in args[:n]]
    if len(args) % 2:
        shares.append(g)
    return shares


def _dot_constants_rule(g, out, *args):  # args: the Values, the bias if any, then the tuple of constants
    constants = args[-1]
    shares = [g * c for c in constants]
    if len(args) - 1 > len(constants):
        shares.append(g)
    return shares


@fastpath.accumulates(_dot_rule)
def _dot_accumulate(node, g):
    parents = node._parents
    n = len(parents) // 2
    for w, x in zip(parents[:n], parents[n:], strict=False):  # stops after the xs: the bias is added below
        try:
            w.grad += g * x.data
        except TypeError:  # a grad of None: no gradient yet (fastpath.add_share)
            fastpath.add_share(w, g * x.data)
        try:
            x.grad += g * w.data
        except TypeError:
            fastpath.add_share(x, g * w.data)
    if len(parents) % 2:
        try:
            parents[-1].grad += g
        except TypeError:
            fastpath.add_share(parents[-1], g)


@fastpath.accumulates(_dot_constants_rule)
def _dot_constants_accumulate(node, g):
    parents, constants = node._parents, node._param
    for value, c in zip(parents, constants, strict=False):
        try:
            value.grad += g * c
        except TypeError:  # a grad of None: no gradient yet (fastpath.add_share)
            fastpath.add_share(value, g * c)
    if len(parents) > len(constants):
        try:
            parents[-1].grad += g
        except TypeError:
            fastpath.add_share(parents[-1], g)


def _dot_formulas(count, constants=None):
    """Σ wᵢ·xᵢ (+ b) over the parents x0, x1, …: ws then xs (then the bias), or the Values times the constants."""
    if constants is None:
        n = count // 2
        terms = [f"x{i}*x{n + i}" for i in range(n)]
        derivatives = [f"x{n + i}" for i in range(n)] + [f"x{i}" for i in range(n)]
    else:
        n = len(constants)
        terms = [f"{c!r}*x{i}" for i, c in enumerate(constants)]
        derivatives = [repr(c) for c in constants]
    if count > len(derivatives):  # the bias
        terms.append(f"x{count - 1}")
        derivatives.append("1")
    return " + ".join(terms), tuple(derivatives)


ops.define("dot", None, _dot_rule, expression=_dot_formulas)
ops.define("dot", None, _dot_constants_rule, "constants", expression=_dot_formulas)


# --- A neuron in one node: activation(Σ wᵢ·xᵢ + b), op 'relu∘dot'. Its rule is the dot's, for the gradient
# g·activation'(z); the activations fused here have a derivative that can be read off their output, so it is
# the activation's own rule evaluated at the output: relu' is 1 where out > 0, tanh' = 1 − out², σ' = out(1 − out).


class Fused(NamedTuple):
    """A dot node's activation: its float function and function on Values (None: none), and the node's rules."""

    forward: object
    function: object
    rule: object  # both sides Values
    constants_rule: object  # one side plain numbers


def _fuse(op, function):
    """The rules of `op`∘dot, registered as ops with their accumulators."""

    activation_rule = op.rule
    slope = "step(out)" if op is ops.RELU else op.derivatives[0]  # the activation's slope, read off its output

    def formulas(count, param=None):
        dot_expression, dot_derivatives = _dot_formulas(count, param)
        return f"{op.name}({dot_expression})", tuple(f"({slope})*{d}" for d in dot_derivatives)

    def fused(dot_rule, dot_accumulate, param_name):
        def rule(g, out, *args):
            return dot_rule(activation_rule(g, out, out)[0], out, *args)

        @fastpath.accumulates(rule)
        def accumulate(node, g):
            dot_accumulate(node, activation_rule(g, node.data, node.data)[0])

        ops.define(f"{op.name}∘dot", None, rule, param_name, expression=formulas)
        return rule

    return Fused(
        op.forward,
        function,
        fused(_dot_rule, _dot_accumulate, "param"),
        fused(_dot_constants_rule, _dot_constants_accumulate, "constants"),
    )


_PLAIN = Fused(None, None, _dot_rule, _dot_constants_rule)
ACTIVATIONS = {
    "relu": _fuse(ops.RELU, Value.relu),
    "tanh": _fuse(ops.TANH, Value.tanh),
    "sigmoid": _fuse(ops.SIGMOID, Value.sigmoid),
}
FUSED_ACTIVATIONS = tuple(ACTIVATIONS)  # what dot(..., activation=) and linear(..., activation=) accept


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
        fused = _activation(activation)
        forward = fused.forward
        values, data, n = self.values, self.data, len(self.items)
        rule, param = (fused.rule, None) if values else (fused.constants_rule, data)
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
            out.append(make_node(total, parents if len(parents) > 1 else parents[0], rule, param))
        return out

    def _unfused_dot(self, row, bias, activation):
        if bias is not None and not isinstance(bias, Value):  # a plain-number bias: the node for the rest, + bias
            total = self.dots([row], [None])[0] + bias
        else:
            total = _elementary_dot(row, self.items, bias)
        function = _activation(activation).function
        return total if function is None else function(total)


def _activation(name):
    if name is None:
        return _PLAIN
    if name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r} for a dot node: it fuses 'relu', 'tanh' or 'sigmoid' (or None); "
            "apply any other function to the node it returns"
        )
    return ACTIVATIONS[name]


def _elementary_dot(ws, xs, bias):
    """dot when one node can't hold it: no items, or numbers and Values mixed on one side (no single parameter
    can hold those): a `*` per pair and one `sum`."""
    return sum([w * x for w, x in zip(ws, xs, strict=True)] + ([] if bias is None else [bias]))


def _count_values(items):
    return builtins.sum(map(isinstance, items, _ALWAYS_VALUE))
