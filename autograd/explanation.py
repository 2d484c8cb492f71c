"""`explain(L, w)`: ∂L/∂w written out as the chain rule, path by path, with the formulas and the numbers.

Each path from L back to w is a product of local derivatives, one per edge, ∂child/∂parent (the factor the
op's rule multiplies by). Where w reaches L along several paths, ∂L/∂w is the sum of their products: that is
why backward adds into `.grad` with `+=`. Past `max_paths` paths (there can be exponentially many), the paths
are merged where they meet, and each meeting node gets one line: the sum over its uses, as backward computes it.

    >>> x, w, b = Value(2.0, label="x"), Value(3.0, label="w"), Value(1.0, label="b")
    >>> z = w * x + b; z.label = "z"
    >>> a = z.sigmoid(); a.label = "a"
    >>> L = (a - 1.0) ** 2; L.label = "L"
    >>> print(explain(L, w))
    ∂L/∂w = ∂L/∂a · ∂a/∂z · ∂z/∂w
          = 2(a − 1) · a(1 − a) · x
          = (−0.001822) × 0.0009102 × 2
          = −3.317e−06
"""

import math
import sys
from typing import NamedTuple

from . import formula
from .fastpath import collector_paused
from .graph import is_value
from .names import Names

PATH_COUNT_LIMIT = 2**64  # paths are counted exactly up to here; past it, "more than …"


class Step(NamedTuple):
    """One edge of a path: ∂child/∂parent (`parent` is the child's input number `position`) as a number and formula."""

    child: object
    parent: object
    position: int
    derivative: float
    formula: object  # an ast formula, or None where the op gives none

    @property
    def text(self):
        """The formula as plain text ('a(1 − a)'), or ∂child/∂parent where the op gives none."""
        if self.formula is None:
            return Names().partial(self.child, self.parent)
        return formula.text(self.formula)


class Factor(NamedTuple):
    """One factor of a written-out path: ∂upper/∂lower, the product of the steps between two named nodes."""

    upper: object
    lower: object
    steps: tuple
    derivative: float


class Path(NamedTuple):
    """A path from the output to `wrt`: its `steps` (output first), the `factors` they are written as, the product."""

    steps: tuple
    factors: tuple
    product: float

    @property
    def nodes(self):
        """The nodes along the path, from the output to `wrt`."""
        return (self.steps[0].child, *(step.parent for step in self.steps))


class Merge(NamedTuple):
    """Where paths meet: `node`'s gradient, Σ over its uses of the child's gradient × ∂child/∂node."""

    node: object
    uses: tuple  # (child, position, child's gradient, local derivative) for each edge into a child
    gradient: float


def explain(output, wrt, *, precision=4, max_paths=20):
    """∂output/∂wrt as the chain rule writes it: `.total`, `.paths`, and `str()`, the derivation.

    `.total` is the gradient backward would give `wrt` from a fresh pass; no `.grad` is changed. Numbers are
    shown to `precision` significant digits. Past `max_paths` paths, paths are merged where they meet (`.merges`).
    A node without a label is called by the name of the caller's variable that holds it, if there is one.
    """
    if not is_value(output) or not is_value(wrt):
        raise TypeError(f"explain(output, wrt) needs two Values, got {type(output).__name__} and {type(wrt).__name__}")
    if not isinstance(precision, int) or isinstance(precision, bool) or not 1 <= precision <= 17:
        raise ValueError(f"explain: precision must be a whole number of digits from 1 to 17, got {precision!r}")
    if not isinstance(max_paths, int) or isinstance(max_paths, bool) or max_paths < 1:
        raise ValueError(f"explain: max_paths must be a positive whole number, got {max_paths!r}")
    return Explanation(output, wrt, precision, max_paths, _variables(sys._getframe(1)))


class Explanation:
    """∂output/∂wrt, written out. `total`, `path_count`, `paths` (None when merged) and `merges` (when merged)."""

    def __init__(self, output, wrt, precision=4, max_paths=20, variables=None, names=None):
        self.output, self.wrt, self.precision, self.max_paths = output, wrt, precision, max_paths
        self.names, self._local = names or Names(precision, variables), {}
        with collector_paused():
            order, self._inputs, self._uses = _between(output, wrt)  # the nodes on the paths, parents first
            self.total, self.path_count, uses = self._backward(order)
        if self.path_count <= max_paths:
            self.paths, self._met = self._paths(), None
        else:
            self.paths, self._met = None, [(node, u, gradient) for node, (u, gradient) in uses.items()]
        self._merges = None

    @property
    def merges(self):
        """Past max_paths, each node where paths meet, output side first, wrt last (None when paths are listed)."""
        if self._met is None:
            return None
        if self._merges is None:
            self._merges = [self._merge(k) for k in range(len(self._met))]
        return self._merges

    def _merge(self, k):
        """The k-th meeting node's Merge, its local derivatives worked out only now (a big graph shows a few)."""
        node, uses, gradient = self._met[k]
        return Merge(node, tuple((c, p, g, self._local_grads(c)[p]) for c, p, g in uses), gradient)

    @property
    def nodes(self):
        """Every node on a path from the output to wrt (empty if there is none)."""
        return set(self._inputs)

    def _edges(self, node):
        """(position, parent) for each input of `node` that lies on a path to wrt."""
        return self._inputs[node]

    def _backward(self, order):
        """One pass from the output back: (∂output/∂wrt, the number of paths, the uses of each meeting node).

        The gradients are backward's own sums (the same shares in the same order). A path count stops at
        PATH_COUNT_LIMIT. A meeting node is one with several uses on the paths, and wrt; each of its uses is
        (the node using it, the input position, that node's gradient, the local derivative).
        """
        if not order:
            return 0.0, 0, {}
        uses_count = self._uses
        met = {node: [] for node in reversed(order) if uses_count.get(node, 0) > 1 or node is self.wrt}
        gradients, counts = dict.fromkeys(order, 0.0), dict.fromkeys(order, 0)
        gradients[self.output], counts[self.output] = 1.0, 1
        for node in reversed(order):
            edges = self._inputs[node]
            if not edges:
                continue
            g, count = gradients[node], min(counts[node], PATH_COUNT_LIMIT)
            shares = node.parent_shares(g)
            for position, parent in edges:
                gradients[parent] += shares[position]
                counts[parent] += count
                if parent in met:
                    met[parent].append((node, position, g))
        merges = {node: (node_uses, gradients[node]) for node, node_uses in met.items() if node_uses}
        return gradients[self.wrt], min(counts[self.wrt], PATH_COUNT_LIMIT), merges

    def _step(self, child, position, parent):
        formula_ = self.names.derivatives(child)[position]
        return Step(child, parent, position, self._local_grads(child)[position], formula_)

    def _local_grads(self, node):
        if node not in self._local:
            self._local[node] = node.local_grads()
        return self._local[node]

    def _paths(self):
        paths, stack = [], [(self.output, ())] if self._inputs else []
        while stack:  # depth first, first input first, so paths come in the order of the graph's inputs
            node, steps = stack.pop()
            if node is self.wrt:
                product = math.prod(step.derivative for step in steps) if steps else 1.0
                paths.append(Path(steps, self._factors(steps), product))
                continue
            for position, parent in reversed(self._edges(node)):
                stack.append((parent, (*steps, self._step(node, position, parent))))
        return paths

    def _factors(self, steps):
        """The path written as the articles write it: a factor between named nodes, steps of 1 folded into it.

        A step whose derivative is the formula 1 (a sum; `a − y` for a) joins its two ends into one factor when
        one of them has no plain name: the one with the less plain name goes (an unnamed node before `a − y`),
        the upper one if they tie. The output, wrt and nodes named like `z` or `w1` always stay.
        """
        kept = [True] * (len(steps) + 1)  # one per node along the path

        def rank(node):
            return 3 if node is self.output or node is self.wrt else self.names.rank(node)

        for i, step in enumerate(steps):
            if step.formula is not None and formula.is_one(step.formula) and kept[i] and kept[i + 1]:
                upper, lower = rank(step.child), rank(step.parent)
                if min(upper, lower) < 2:
                    kept[i if upper <= lower else i + 1] = False
        factors, start = [], 0
        for i in range(1, len(steps) + 1):
            if kept[i]:
                chunk = steps[start:i]
                product = math.prod(step.derivative for step in chunk)
                factors.append(Factor(chunk[0].child, chunk[-1].parent, chunk, product))
                start = i
        return tuple(factors)

    # --- Writing it out

    def __str__(self):
        from .explanation_text import plain

        return plain(self)

    __repr__ = __str__

    def _repr_markdown_(self):
        from .explanation_text import markdown

        return markdown(self)

    def _repr_latex_(self):
        from .explanation_text import latex

        return latex(self)


def _between(output, wrt):
    """The nodes on a path from `output` down to `wrt` (both included), each after its parents, and for each
    of them {node: [(position, parent)]}, its inputs on those paths (none for wrt: its paths end there), and
    {node: how many edges on those paths leave it}.

    One depth-first walk from `output`, as graph.inner_order's, that stops at `wrt` and at leaves: a node is
    placed once its parents are, and it is on a path if one of its parents is.
    """
    inputs, order, uses = {wrt: []}, [wrt], {}
    visited, stack = {wrt}, [(output, output.parents, False)] if output is not wrt else []
    while stack:
        node, parents, parents_placed = stack.pop()
        if parents_placed:
            edges = [(i, parent) for i, parent in enumerate(parents) if parent in inputs]
            if edges:
                inputs[node] = edges
                order.append(node)
                for _, parent in edges:
                    uses[parent] = uses.get(parent, 0) + 1
        elif node not in visited:
            visited.add(node)
            stack.append((node, parents, True))
            for parent in reversed(parents):
                if parent not in visited and (grandparents := parent.parents):
                    stack.append((parent, grandparents, False))
    if output not in inputs:
        return [], {}, {}
    return order, inputs, uses


def _variables(frame):
    """{Value: variable name} for the Values the calling code holds in variables (a notebook's are its globals)."""
    names = {}
    for name, x in frame.f_locals.items():
        if is_value(x) and not name.startswith("_") and x not in names:
            names[x] = name
    return names
