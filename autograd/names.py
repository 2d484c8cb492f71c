"""What a derivation calls each node, and each op's local derivatives as formulas in those names.

A node is called by its label where it has one; a leaf without one by its number; any other node by its op's
expression of its inputs' names (`w·x + b`, `σ(w·x + b)`), shortened to `σ(…)` where that grows long.
"""

from . import formula, ops
from .custom import user_op_rule

MAX_NAME = 32  # characters: a longer name shows its inputs as …
MAX_DEPTH = 8  # levels of inputs a name is worked out from (names are cut to MAX_NAME long before that)
_WIDE = 6  # an op with more inputs than this is called by its op alone: relu∘dot(…)

ELLIPSIS = formula.name("…")


class Names:
    """Names of nodes (as formulas) and formulas of their ops' local derivatives, each worked out once."""

    def __init__(self, precision=4, variables=None):
        self.precision = precision
        self.variables = variables or {}  # {node: the name of a variable holding it}, for nodes without a label
        self._names, self._derivatives = {}, {}

    def of(self, node):
        """The node's name, as a formula (see the module's docstring)."""
        return self._name(node, MAX_DEPTH)

    def text(self, node):
        return formula.text(self.of(node), self.precision)

    def latex(self, node):
        return formula.latex(self.of(node), self.precision)

    def given(self, node):
        """The name the user gave the node: its label, else the variable holding it, else ''."""
        return node.label or self.variables.get(node, "")

    def rank(self, node):
        """2 for a node called by a plain name (a, w1, loss), 1 for another label (a − y), 0 for an unnamed one."""
        given = self.given(node)
        return 0 if not given else 2 if formula.precedence(formula.name(given)) == formula.ATOM else 1

    def _name(self, node, depth):
        """The node's name, its inputs' names worked out (and kept) first, at most `depth` levels down."""
        if self.given(node):
            return formula.name(self.given(node))
        if not node.parents:
            return formula.number(node.data)
        if node in self._names:
            return self._names[node]
        if depth == 0:
            return ELLIPSIS  # not kept: asked for directly, the node gets its own levels
        expression, _, bindings = op_formulas(node)
        if expression is None or len(node.parents) > _WIDE:  # a neuron of 16 inputs: relu∘dot(…)
            name = formula.name(f"{node.op or '…'}(…)")
        else:
            tree = formula.parse(expression)
            inputs = {s: self._name(p, depth - 1) for s, p in bindings}
            name = formula.bind(tree, {**inputs, **_parameter(node)})
            if len(formula.text(name, self.precision)) > MAX_NAME:  # too long: the inputs as …, 2 or w
                name = formula.bind(tree, {**{s: self._short(p) for s, p in bindings}, **_parameter(node)})
        self._names[node] = name
        return name

    def derivatives(self, node):
        """∂node/∂parent for each parent, as a formula in the names (None where the op gives no formula)."""
        if node not in self._derivatives:
            _, derivatives, bindings = op_formulas(node)
            names = {symbol: self.of(parent) for symbol, parent in bindings}
            names.update(_parameter(node), out=self.of(node))
            shown = [formula.bind(formula.parse(d), names) if d else None for d in derivatives]
            self._derivatives[node] = shown + [None] * (len(node.parents) - len(shown))
        return self._derivatives[node]

    def _short(self, node):
        """An input's name at the last level: the name given to it or its number, else …."""
        if self.given(node):
            return formula.name(self.given(node))
        return formula.number(node.data) if not node.parents else ELLIPSIS

    def partial(self, upper, lower, latex=False):
        """∂upper/∂lower, in the nodes' names: ∂L/∂w, ∂L/∂(a − y); in LaTeX \\frac{\\partial L}{\\partial w}."""
        if latex:
            return rf"\frac{{\partial {self._atom(upper, True)}}}{{\partial {self._atom(lower, True)}}}"
        return f"∂{self._atom(upper, False)}/∂{self._atom(lower, False)}"

    def _atom(self, node, latex):
        name = self.of(node)
        shown = formula.latex(name, self.precision) if latex else formula.text(name, self.precision)
        if formula.precedence(name) < formula.ATOM:
            return rf"\left({shown}\right)" if latex else f"({shown})"
        return shown


def op_formulas(node):
    """(expression, derivatives, [(symbol, parent)]) of the op that made `node`, as formula strings.

    An op built the micrograd way gives its derivatives as `out.derivatives = ('1 - out**2',)`, an
    autograd.Function as its class attribute `derivatives`: in the symbols x for one input, a and b for two, else
    x0, x1, …; and `out`.
    """
    parents = node.parents
    if node._rule is user_op_rule:
        symbols = _symbols(len(parents))
        derivatives = tuple(node.__dict__.get("derivatives", ())) or getattr(node._param, "derivatives", ())
        name = node._param.name
        expression = f"{name}({', '.join(symbols)})" if name.isidentifier() else None
        return expression, derivatives, list(zip(symbols, parents, strict=True))
    op = ops.BY_RULE[node._rule]
    if callable(op.expression):
        expression, derivatives = op.expression(len(parents), node._param)
        symbols = [f"x{i}" for i in range(len(parents))]
    else:
        expression, derivatives, symbols = op.expression, op.derivatives, op.symbols
    return expression, derivatives, list(zip(symbols, parents, strict=False))


def _symbols(count):
    return ("x",) if count == 1 else ("a", "b") if count == 2 else tuple(f"x{i}" for i in range(count))


def _parameter(node):
    """{symbol: number} for the op's plain-number parameter (x * 3's 3, leaky_relu's alpha), if it has one."""
    if node._rule is user_op_rule or node._param is None or isinstance(node._param, tuple):
        return {}
    op = ops.BY_RULE[node._rule]
    if callable(op.expression) or len(op.symbols) <= len(node.parents):
        return {}
    return {op.symbols[len(node.parents)]: formula.number(node._param)}
