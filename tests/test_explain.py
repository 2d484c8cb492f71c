"""autograd.explain: the chain rule written out, checked against the articles' numbers, the engine and SymPy."""

import ast
import math
import random

import pytest
from hypothesis import given, settings

import autograd
from autograd import Value, explain, formula, ops
from autograd.custom import user_op_rule
from autograd.names import op_formulas
from tests.test_fastpath import CASES, POINTS, leaves_at
from tests.test_properties import ENGINE, programs

sympy = pytest.importorskip("sympy")


def single_neuron():
    """The single neuron of the article "Backpropagation & Gradient Descent": x = 2, w = 3, b = 1, target 1."""
    x, w, b = Value(2.0, label="x"), Value(3.0, label="w"), Value(1.0, label="b")
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    error = a - 1.0
    error.label = "a − y"
    L = error**2
    L.label = "L"
    return L, x, w, b


def test_single_neuron_is_written_as_the_article_writes_it():
    L, _x, w, _b = single_neuron()
    e = explain(L, w)
    assert str(e) == (
        "∂L/∂w = ∂L/∂a · ∂a/∂z · ∂z/∂w\n"
        "      = 2(a − y) · a(1 − a) · x\n"
        "      = (−0.001822) × 0.0009102 × 2\n"
        "      = −3.317e−06"
    )
    (path,) = e.paths
    factors = [f.derivative for f in path.factors]
    # The article's printed factors: ∂L/∂a = −0.001822, ∂a/∂z ≈ 0.000910, ∂z/∂w = x = 2.
    assert factors[0] == pytest.approx(-0.001822, abs=5e-7)
    assert factors[1] == pytest.approx(0.000910, abs=5e-7)
    assert factors[2] == 2.0
    assert [step.text for step in path.steps] == ["2(a − y)", "1", "a(1 − a)", "1", "x"]
    assert e.total == pytest.approx(-3.317e-6, abs=5e-10)  # the article rounds its factors first: −3.316e−6
    assert [(f.upper.label, f.lower.label) for f in path.factors] == [("L", "a"), ("a", "z"), ("z", "w")]


def test_total_is_what_a_fresh_backward_gives_and_no_grad_changes():
    L, x, w, b = single_neuron()
    nodes = autograd.topological_order(L)
    for node in nodes:
        node.grad = 0.25  # whatever was there before must stay
    totals = {leaf: explain(L, leaf).total for leaf in (x, w, b)}
    assert all(node.grad == 0.25 for node in nodes)
    for node in nodes:
        node.grad = 0.0
    L.backward()
    assert all(totals[leaf] == leaf.grad for leaf in (x, w, b))


def test_the_bias_keeps_its_factor_of_one():
    L, _x, _w, b = single_neuron()
    text = str(explain(L, b))
    assert text.splitlines()[:2] == ["∂L/∂b = ∂L/∂a · ∂a/∂z · ∂z/∂b", "      = 2(a − y) · a(1 − a) · 1"]
    assert text.endswith("= −1.659e−06")


def two_layer_network():
    """The 2-2-2 sigmoid network of the article "Part 2 – Gradient descent and backpropagation"."""
    start = {"w1": 0.3, "w2": 0.2, "w3": -0.4, "w4": 0.6, "w5": 0.7, "w6": -0.3, "w7": 0.5, "w8": -0.1,
             "b1": 0.25, "b2": 0.45, "b3": 0.15, "b4": 0.35}  # fmt: skip
    p = {name: Value(v, label=name) for name, v in start.items()}
    x1, x2 = Value(2.0, label="x1"), Value(3.0, label="x2")

    def neuron(name, wa, ia, wb, ib, bias):
        i = autograd.sum([wa * ia, wb * ib, bias])
        i.label = f"i_{name}"
        out = i.sigmoid()
        out.label = name
        return out

    h1, h2 = neuron("h1", p["w1"], x1, p["w3"], x2, p["b1"]), neuron("h2", p["w2"], x1, p["w4"], x2, p["b2"])
    o1, o2 = neuron("o1", p["w5"], h1, p["w7"], h2, p["b3"]), neuron("o2", p["w6"], h1, p["w8"], h2, p["b4"])
    cost = (1.0 - o1) ** 2 + (0.2 - o2) ** 2
    cost.label = "C"
    return cost, p


def test_two_layer_networks_w1_has_two_paths_that_add_up():
    cost, p = two_layer_network()
    e = explain(cost, p["w1"])
    assert e.path_count == 2 and len(e.paths) == 2
    assert [[n.label for n in path.nodes if n.label] for path in e.paths] == [
        ["C", "o1", "i_o1", "h1", "i_h1", "w1"],
        ["C", "o2", "i_o2", "h1", "i_h1", "w1"],
    ]
    assert sum(path.product for path in e.paths) == pytest.approx(e.total, rel=1e-12)
    assert e.total == pytest.approx(-0.0641679049644533, abs=1e-15)  # the engine's ∂C/∂w1, as the article's reader
    cost.backward()
    assert e.total == p["w1"].grad
    text = str(e)
    assert "w1 reaches C along 2 paths" in text
    assert "= 2(t1 − o1)" not in text  # an unlabeled node is named by its expression…
    assert "= 2(1 − o1) · (−1) · o1(1 − o1) · w5 · h1(1 − h1) · x1" in text  # …with its numbers and labels
    assert "∂C/∂w1 = −0.04004 − 0.02413\n       = −0.06417" in text
    assert "+=" in text.splitlines()[-1]


def test_a_value_used_twice_in_one_node_gives_two_paths():
    x = Value(1.5, label="x")
    v = x * x
    v.label = "v"
    e = explain(v, x)
    assert [path.steps[0].position for path in e.paths] == [0, 1]
    assert [path.product for path in e.paths] == [1.5, 1.5]
    assert e.total == 3.0
    assert "path 1 (through input 1 of v)" in str(e) and "path 2 (through input 2 of v)" in str(e)


def test_unlabeled_nodes_are_named_by_the_callers_variables_and_their_expressions():
    x, w, b = Value(2.0), Value(3.0), Value(1.0)
    f = ((w * x + b).sigmoid() - 1) ** 2
    text = str(explain(f, w))
    assert text.splitlines()[:2] == [
        "∂f/∂w = ∂f/∂σ(w·x + b) · ∂σ(w·x + b)/∂(w·x) · ∂(w·x)/∂w",
        "      = 2(σ(w·x + b) − 1) · σ(w·x + b)(1 − σ(w·x + b)) · x",
    ]


def test_a_graph_that_does_not_depend_on_wrt():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    e = explain(x * 3, y)
    assert e.total == 0.0 and e.path_count == 0 and e.paths == []
    assert "does not depend on y" in str(e)
    assert explain(x, x).total == 1.0


def test_precision_sets_the_digits_and_total_keeps_them_all():
    L, _x, w, _b = single_neuron()
    e = explain(L, w, precision=6)
    assert str(e).splitlines()[-2:] == ["      = (−0.0018221) × 0.000910221 × 2", "      = −3.31703e−06"]
    assert e.total == -3.3170323732747103e-06


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"precision": 0}, "precision"), ({"precision": 2.5}, "precision"), ({"max_paths": 0}, "max_paths")],
)
def test_bad_arguments_say_what_is_wrong(kwargs, message):
    L, _x, w, _b = single_neuron()
    with pytest.raises(ValueError, match=message):
        explain(L, w, **kwargs)
    with pytest.raises(TypeError, match="two Values"):
        explain(L, 2.0)


def test_many_paths_are_merged_where_they_meet():
    x0 = Value(0.001, label="x")
    x = x0
    for _ in range(40):
        x = x * x + x  # 3 paths a step: 3**40 in all
    e = explain(x, x0)
    assert e.path_count == 3**40 and e.paths is None
    x.backward()
    assert e.total == pytest.approx(x0.grad, rel=1e-12)
    assert len(e.merges) == 40  # each x_k (and x itself) is where the paths of the next step meet
    assert e.merges[-1].node is x0 and e.merges[-1].gradient == e.total
    for merge in e.merges:
        assert merge.gradient == pytest.approx(sum(g * local for _, _, g, local in merge.uses), rel=1e-12)
    text = str(e)
    assert "12,157,665,459,056,928,801 paths lead from" in text and "merged where they meet" in text
    assert len(text.splitlines()) < 80


def test_a_long_chain_writes_its_first_and_last_factors():
    x = Value(0.5, label="x")
    y = x
    for _ in range(1000):
        y = y * 1.001
    e = explain(y, x)
    assert e.total == pytest.approx(1.001**1000, rel=1e-12)
    assert "(990 more factors)" in str(e)


@settings(max_examples=200, deadline=None)
@given(programs())
def test_random_graphs_total_and_paths_equal_backward(program):
    leaves = [Value(v) for v in program.leaves]
    out = program.run(ENGINE, leaves)
    if not isinstance(out, Value):
        return
    out.backward()
    for leaf in leaves:
        e = explain(out, leaf, max_paths=50)
        assert e.total == pytest.approx(leaf.grad, rel=1e-12, abs=1e-12)
        if e.paths is not None:
            assert math.fsum(p.product for p in e.paths) == pytest.approx(e.total, rel=1e-12, abs=1e-12)


# --- Every op's formula is right


class FlatFloor(sympy.floor):
    """floor, with the derivative 0 that it has wherever it has one (SymPy leaves it unevaluated)."""

    def fdiff(self, argindex=1):
        return sympy.S.Zero


class FlatCeiling(sympy.ceiling):
    def fdiff(self, argindex=1):
        return sympy.S.Zero


class FlatRound(sympy.Function):
    """Rounding half to even, as torch.round: a number where its argument is one; the derivative 0."""

    @classmethod
    def eval(cls, u):
        if u.is_Number:
            return sympy.Float(round(float(u), 0))
        return None

    def fdiff(self, argindex=1):
        return sympy.S.Zero


def clamp(u, low, high):
    """torch.clamp as SymPy: Max then Min (a missing bound is written ±inf)."""
    return sympy.Min(sympy.Max(u, low), high)


CONSTANTS = {"inf": sympy.oo, "true": sympy.true, "false": sympy.false}  # names formulas use for constants


def to_sympy(tree, symbols):
    """A formula's ast as SymPy, its functions as SymPy's (relu and its kin as Piecewise)."""
    x = sympy
    functions = {
        "sigmoid": lambda u: 1 / (1 + x.exp(-u)), "step": lambda u: x.Heaviside(u, 0), "sign": x.sign,
        "exp": x.exp, "log": x.log, "sqrt": x.sqrt, "tanh": x.tanh, "sin": x.sin, "cos": x.cos, "abs": x.Abs,
        "relu": lambda u: x.Piecewise((u, u > 0), (0, True)), "softplus": lambda u: x.log(1 + x.exp(u)),
        "neg": lambda u: -u,
        "leaky_relu": lambda u: x.Piecewise((u, u > 0), (symbols["alpha"] * u, True)),
        "elu": lambda u: x.Piecewise((u, u > 0), (symbols["alpha"] * (x.exp(u) - 1), True)),
        "tan": x.tan, "sinh": x.sinh, "cosh": x.cosh, "asin": x.asin, "acos": x.acos, "atan": x.atan,
        "asinh": x.asinh, "acosh": x.acosh, "atanh": x.atanh, "log1p": lambda u: x.log(1 + u),
        "expm1": lambda u: x.exp(u) - 1, "log2": lambda u: x.log(u, 2), "log10": lambda u: x.log(u, 10),
        "exp2": lambda u: 2**u, "floor": FlatFloor, "ceil": FlatCeiling, "round": FlatRound,
        "clamp": clamp, "maximum": x.Max, "minimum": x.Min, "atan2": x.atan2,
        "hypot": lambda a, b: x.sqrt(a**2 + b**2), "logaddexp": lambda a, b: x.log(x.exp(a) + x.exp(b)),
        "where": lambda condition, a, b: a if condition is sympy.true else b,
    }  # fmt: skip
    binary = {ast.Add: x.Add, ast.Sub: lambda a, b: a - b, ast.Mult: x.Mul, ast.Div: lambda a, b: a / b,
              ast.Pow: x.Pow}  # fmt: skip

    def convert(t):
        if isinstance(t, ast.Constant):
            return x.Float(t.value) if isinstance(t.value, float) else x.Integer(t.value)
        if isinstance(t, ast.Name):
            return CONSTANTS[t.id] if t.id in CONSTANTS else symbols[t.id]
        if isinstance(t, ast.BinOp):
            return binary[type(t.op)](convert(t.left), convert(t.right))
        if isinstance(t, ast.UnaryOp):
            return -convert(t.operand)
        if isinstance(t, ast.Call):
            return functions[t.func.id](*map(convert, t.args))
        if isinstance(t, ast.IfExp):
            return x.Piecewise((convert(t.body), convert(t.test)), (convert(t.orelse), True))
        if isinstance(t, ast.Compare):
            relations = {ast.Gt: x.Gt, ast.GtE: x.Ge, ast.Lt: x.Lt, ast.LtE: x.Le}
            return relations[type(t.ops[0])](convert(t.left), convert(t.comparators[0]))
        raise AssertionError(ast.dump(t))

    return convert(tree)


def nodes_of_every_op():
    for case in CASES:
        for point in POINTS:
            for node in autograd.topological_order(case.values[0](*leaves_at(point))):
                if node.parents and node._rule is not user_op_rule:
                    yield node


def formula_symbols(node):
    """{symbol: SymPy symbol} and {SymPy symbol: number} for a node's op formulas."""
    _, _, bindings = op_formulas(node)
    names = [s for s, _ in bindings] + ["out"]
    op = ops.BY_RULE[node._rule]
    param = None if callable(op.expression) else (op.symbols[len(node.parents) :] or [None])[0]
    if param:
        names.append(param)
    symbols = {name: sympy.Symbol(name, real=True) for name in names}
    values = {symbols[s]: parent.data for s, parent in bindings}
    values[symbols["out"]] = node.data
    if param:
        values[symbols[param]] = node._param
    return symbols, values, bindings


def test_each_ops_formula_evaluates_to_its_local_derivative():
    checked = set()
    for node in nodes_of_every_op():
        _, derivatives, _ = op_formulas(node)
        symbols, values, _bindings = formula_symbols(node)
        assert len(derivatives) == len(node.parents), node.op
        for d, local in zip(derivatives, node.local_grads(), strict=True):
            got = float(to_sympy(formula.parse(d), symbols).subs(values))
            assert got == pytest.approx(local, rel=1e-12, abs=1e-12), (node.op, d)
        checked.add(node._rule)
    assert set(ops.BY_RULE) - {user_op_rule} <= checked


def test_each_ops_derivative_formulas_differentiate_its_expression():
    for node in nodes_of_every_op():
        expression, derivatives, bindings = op_formulas(node)
        symbols, values, _ = formula_symbols(node)
        out = to_sympy(formula.parse(expression), symbols)
        assert float(out.subs(values)) == pytest.approx(node.data, rel=1e-12, abs=1e-12), (node.op, expression)
        for (symbol, _), d in zip(bindings, derivatives, strict=True):
            exact = sympy.diff(out, symbols[symbol])
            written = to_sympy(formula.parse(d), symbols).subs(symbols["out"], out)
            at = float(exact.subs(values)), float(written.subs(values))
            assert at[0] == pytest.approx(at[1], rel=1e-12, abs=1e-12), (node.op, symbol, d)


def test_formulas_print_as_books_write_them():
    def show(text, **names):
        bound = {k: formula.number(v) if isinstance(v, float) else formula.parse(v) for k, v in names.items()}
        tree = formula.bind(formula.parse(text), bound)
        return formula.text(tree), formula.latex(tree)

    assert show("b*a**(b - 1)", a="x", b=2.0) == ("2·x", r"2 \cdot x")
    sigmoid_slope = r"\sigma\left(z\right)\left(1 - \sigma\left(z\right)\right)"
    assert show("out*(1 - out)", out="sigmoid(z)") == ("σ(z)(1 − σ(z))", sigmoid_slope)
    assert show("1 - out**2", out="tanh(z)")[0] == "1 − tanh²(z)"
    assert show("1/x")[0] == "1/x" and show("-a/b**2")[0] == "−a/b²"
    assert show("1 if x > 0 else alpha")[0] == "1 if x > 0 else α"


def test_latex_rows_typeset_in_matplotlibs_mathtext():
    mathtext = pytest.importorskip("matplotlib.mathtext")
    parser = mathtext.MathTextParser("path")
    L, _x, w, _b = single_neuron()
    cost, p = two_layer_network()
    x0 = Value(0.5, label="x")
    many = x0
    for _ in range(6):
        many = many * many + many
    for e in (explain(L, w), explain(cost, p["w1"]), explain(many, x0, max_paths=5), explain(x0 * 2, w)):
        for text in (e._repr_latex_(), e._repr_markdown_()):
            for block in text.split("$$")[1::2]:
                body = block.replace(r"\begin{aligned}", "").replace(r"\end{aligned}", "")
                for row in body.split(r"\\"):
                    parser.parse(f"${row.replace('&', '')}$")
    latex = explain(L, w)._repr_latex_()
    assert latex.startswith(r"$$\begin{aligned} \frac{\partial L}{\partial w} &=")


def test_a_micrograd_style_op_explains_with_its_formula_or_without_one():
    x = Value(0.5, label="x")
    t = math.tanh(x.data)
    out = Value(t, (x,), "tanh")
    out.label = "o"

    def backward():
        x.grad += (1 - t**2) * out.grad

    out._backward = backward
    loss = out * 3.0
    loss.label = "L"
    assert str(explain(loss, x)).splitlines()[1] == "      = 3 · ∂o/∂x"  # no formula: the ∂ and the number
    out.derivatives = ("1 - out**2",)
    e = explain(loss, x)
    assert str(e).splitlines()[1] == "      = 3 · (1 − o²)"
    assert e.total == pytest.approx(3 * (1 - t**2), rel=1e-15)


def test_fused_neurons_explain_through_one_node():
    random.seed(0)
    w, x = [Value(0.5, label="w0"), Value(-1.5, label="w1")], [Value(2.0, label="x0"), Value(1.0, label="x1")]
    b = Value(0.25, label="b")
    n = autograd.dot(w, x, b, activation="tanh")
    n.label = "n"
    e = explain(n, w[1])
    assert str(e).splitlines()[0] == "∂n/∂w1 = (1 − n²)·x1"
    n.backward()
    assert e.total == w[1].grad


# --- On the picture and on the command line


def test_draw_explain_highlights_every_path_labels_its_edges_and_captions_the_derivation():
    cost, p = two_layer_network()
    cost.backward()
    source = autograd.to_dot(cost, explain=p["w1"]).source
    on_paths = explain(cost, p["w1"]).nodes
    order = autograd.topological_order(cost)
    lit = {f"n{i}" for i, node in enumerate(order) if node in on_paths}
    assert len(lit) == len(on_paths) == 15
    for line in source.splitlines():
        name = line.strip().split(" ")[0]
        if name in {f"n{i}" for i in range(len(order))}:
            assert ("#ea580c" in line) == (name in lit), line
    assert "w1 reaches C along 2 paths:\\l" in source and "= −0.06417\\l" in source
    assert source.count("label=-0.3000") == 1  # w6, on path 2, carries its local derivative; w8's edge does not
    # Two endpoints: the paths from o1 down to w1 only, captioned ∂o1/∂w1.
    source = autograd.to_dot(cost, explain=(cost.parents[0].parents[0].parents[0], p["w1"])).source
    assert "∂o1/∂w1 = ∂o1/∂i_o1 · ∂i_o1/∂h1 · ∂h1/∂i_h1 · ∂i_h1/∂w1\\l" in source
    with pytest.raises(ValueError, match="not in the graph"):
        autograd.to_dot(cost, explain=Value(1.0))
    with pytest.raises(TypeError, match="explain takes a Value"):
        autograd.to_dot(cost, explain="w1")


def test_the_command_prints_the_derivation_with_names_from_the_formulas_text(capsys):
    from chaingrad.cli import main

    assert main(["grad", "(sigmoid(w*x + b) - 1)**2", "x=2", "w=3", "b=1", "--explain", "w"]) == 0
    out = capsys.readouterr().out
    assert out.split("\n\n")[1] == (
        "∂f/∂w = ∂f/∂sigmoid(w*x + b) · ∂sigmoid(w*x + b)/∂(w*x) · ∂(w*x)/∂w\n"
        "      = 2(sigmoid(w*x + b) - 1) · sigmoid(w*x + b)(1 − sigmoid(w*x + b)) · x\n"
        "      = (−0.001822) × 0.0009102 × 2\n"
        "      = −3.317e−06\n"
    )
    assert main(["grad", "x*2", "x=1", "--explain", "y"]) == 2
    assert "no variable 'y'" in capsys.readouterr().err
