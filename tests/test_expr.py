"""chaingrad.expr: formulas parsed against a whitelist and computed with Values, never with eval."""

import ast
import builtins
import math
import pathlib
import re

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import chaingrad.expr
from autograd import Value
from chaingrad.expr import MAX_DEPTH, MAX_LENGTH, EvaluationError, ExpressionError, parse

# (expression, the same computation written with the engine, point). Constant parts fold the way Python folds them.
SAME_AS_ENGINE = [
    ("x * y + exp(x)", lambda x, y: x * y + autograd.exp(x), {"x": 1.0, "y": 2.0}),
    ("-x ** 2 + 3 * x - 1 / y", lambda x, y: -(x**2) + 3 * x - 1 / y, {"x": 0.7, "y": -1.5}),
    ("tanh(x) * sigmoid(y) - relu(x - y)", lambda x, y: autograd.tanh(x) * autograd.sigmoid(y) - autograd.relu(x - y),
     {"x": 2.0, "y": 0.5}),
    ("log(sqrt(x) + 1) / softplus(-y)", lambda x, y: autograd.log(autograd.sqrt(x) + 1) / autograd.softplus(-y),
     {"x": 4.0, "y": 0.3}),
    ("leaky_relu(x, 0.1) + elu(y, 2) + elu(y) + leaky_relu(-x)",
     lambda x, y: autograd.leaky_relu(x, 0.1) + autograd.elu(y, 2) + autograd.elu(y) + autograd.leaky_relu(-x),
     {"x": -3.0, "y": -0.25}),
    ("sin(x) ** 2 + cos(x) ** 2 + abs(y) * 2 ** 3 / 4", lambda x, y: autograd.sin(x) ** 2 + autograd.cos(x) ** 2
     + abs(y) * 2**3 / 4, {"x": 0.3, "y": -2.0}),
    ("x ** y + 2 ** x + x * x", lambda x, y: x**y + 2**x + x * x, {"x": 1.5, "y": 2.5}),
    ("+x - -y", lambda x, y: +x - -y, {"x": 1.0, "y": 2.0}),
]


@pytest.mark.parametrize(("text", "direct", "point"), SAME_AS_ENGINE, ids=[case[0] for case in SAME_AS_ENGINE])
def test_an_expression_computes_what_the_same_engine_calls_compute(text, direct, point):
    leaves = {name: Value(number, label=name) for name, number in point.items()}
    out = parse(text)(leaves)
    out.backward()
    mine = {name: leaf.grad for name, leaf in leaves.items()}
    leaves = {name: Value(number, label=name) for name, number in point.items()}
    expected = direct(**leaves)
    expected.backward()
    assert out.data == expected.data
    assert mine == {name: leaf.grad for name, leaf in leaves.items()}
    assert [node.op for node in autograd.topological_order(out)] == [
        node.op for node in autograd.topological_order(expected)
    ]


def _sympy_functions():
    def leaky_relu(x, alpha=0.01):
        return sympy.Piecewise((x, x > 0), (alpha * x, True))

    def elu(x, alpha=1):
        return sympy.Piecewise((x, x > 0), (alpha * (sympy.exp(x) - 1), True))

    return {
        "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "tanh": sympy.tanh, "sin": sympy.sin,
        "cos": sympy.cos, "abs": sympy.Abs, "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)),
        "softplus": lambda x: sympy.log(1 + sympy.exp(x)), "relu": lambda x: sympy.Max(0, x),
        "leaky_relu": leaky_relu, "elu": elu,
    }


# Points away from every kink, so SymPy's derivative exists there.
AGAINST_SYMPY = [
    ("x * y + exp(x)", {"x": 1.0, "y": 2.0}),
    ("sin(x * y) / (1 + x ** 2) - log(y) * sqrt(x)", {"x": 0.8, "y": 1.7}),
    ("tanh(x) ** 3 + sigmoid(x * y - 1) * softplus(y)", {"x": -0.4, "y": 2.2}),
    ("x ** y * cos(y) + abs(x - y) / y", {"x": 1.3, "y": -0.6}),
    ("relu(x) * leaky_relu(y - x, 0.2) + elu(x - 2, 1.5)", {"x": 0.9, "y": -0.7}),
    ("exp(-(x ** 2 + y ** 2) / 2) * z - 3 * z ** -2", {"x": 0.5, "y": -1.1, "z": 2.5}),
]


@pytest.mark.parametrize(("text", "point"), AGAINST_SYMPY, ids=[case[0] for case in AGAINST_SYMPY])
def test_value_and_partial_derivatives_match_sympy(text, point):
    symbols = {name: sympy.Symbol(name, real=True) for name in point}
    symbolic = sympy.parse_expr(text, local_dict={**symbols, **_sympy_functions()})
    at = {symbols[name]: number for name, number in point.items()}
    leaves = {name: Value(number, label=name) for name, number in point.items()}
    out = parse(text)(leaves)
    out.backward()
    assert out.data == pytest.approx(float(symbolic.subs(at).evalf(30)), rel=1e-12)
    for name, leaf in leaves.items():
        expected = float(sympy.diff(symbolic, symbols[name]).subs(at).evalf(30))
        assert leaf.grad == pytest.approx(expected, rel=1e-11, abs=1e-14), name


def test_variables_are_listed_once_in_order_of_first_appearance():
    assert parse("b * a + exp(b) - c / a").variables == ("b", "a", "c")
    assert parse("3 * 4 + exp(1)").variables == ()
    assert parse("θ ** 2 + λ").variables == ("θ", "λ")


def test_numbers_and_values_can_be_mixed_and_keywords_work():
    f = parse("x * y + 1")
    assert f(x=2, y=3.5) == 8.0  # plain numbers give a float
    x = Value(2.0, label="x")
    out = f({"x": x}, y=3.5)
    out.backward()
    assert isinstance(out, Value) and x.grad == 3.5
    assert parse("2 ** 3 / 4 - -1")() == 3.0
    assert parse("9 ** 9 ** 9")() == math.inf  # overflow gives inf, as the engine's power, not a huge int


def test_a_missing_value_is_an_error_naming_it():
    with pytest.raises(ExpressionError, match="no value given for y"):
        parse("x + y")(x=1.0)


# (text, words the one-line message must contain, column of the offending piece)
REJECTED = [
    ("foo(x)", ["unknown function 'foo'"], 1),
    ("x + open('PWNED', 'w')", ["unknown function 'open'"], 5),
    ("print", None, None),  # a name is a variable: this one is accepted (see below)
    ("x.real", ["attribute access 'x.real'"], 1),
    ("exp(x).__class__", ["attribute access"], 1),
    ("__import__('os').system('touch PWNED')", ["attribute access", "__import__"], 1),
    ("x[0]", ["subscript 'x[0]'"], 1),
    ("2 * (lambda: 0)()", ["lambda 'lambda: 0'"], 6),
    ("[t for t in x]", ["comprehension"], 1),
    ("sum(t for t in x)", ["unknown function 'sum'"], 1),
    ("exp(x for x in y)", ["comprehension '(x for x in y)'"], 4),
    ("{t: 1 for t in x}", ["comprehension"], 1),
    ("leaky_relu(x, alpha=0.1)", ["keyword argument 'alpha=0.1'"], 15),
    ("exp(**x)", ["keyword argument"], 5),
    ("exp(*x)", ["starred argument '*x'"], 5),
    ("x + 'a'", ["string \"'a'\""], 5),
    ("b'a'", ["string"], 1),
    ("f'{x}'", ["f-string"], 1),
    ("__builtins__", ["dunder name '__builtins__'"], 1),
    ("x + __class__", ["dunder name '__class__'"], 5),
    ("__import__('os')", ["dunder name '__import__'"], 1),
    ("x // 2", ["operator '//'"], 1),
    ("x % 2", ["operator '%'"], 1),
    ("x @ y", ["operator '@'"], 1),
    ("x ^ y", ["operator '^'"], 1),
    ("~x", ["operator '~'"], 1),
    ("not x", ["operator 'not'"], 1),
    ("x and y", ["boolean operator"], 1),
    ("x < y", ["comparison"], 1),
    ("x if y else 1", ["conditional expression"], 1),
    ("(y := 2)", ["assignment (:=)"], 2),
    ("(x, y)", ["tuple '(x, y)'"], 1),
    ("[x]", ["list"], 1),
    ("{x}", ["set"], 1),
    ("{x: y}", ["dict"], 1),
    ("True + x", ["'True' at column 1 is not a number"], 1),
    ("None", ["is not a number"], 1),
    ("...", ["is not a number"], 1),
    ("2j * x", ["complex number '2j'"], 1),
    ("exp", ["'exp' at column 1 is a function"], 1),
    ("exp(x, y)", ["exp takes 1 argument, got 2"], 1),
    ("tanh()", ["tanh takes 1 argument, got 0"], 1),
    ("leaky_relu(x, y)", ["leaky_relu's alpha must be a number"], 15),
    ("(x + 1)(2)", ["'x + 1' at column 2 cannot be called"], 2),
    ("x +* y", ["invalid syntax at column 4"], 4),
    ("exp(x", ["was never closed"], 4),
    ("x = 1", ["at column"], None),
    ("import os", ["invalid syntax at column 1"], 1),
    ("x; y", ["at column 2"], 2),
    ("", ["empty"], None),
    ("  \n ", ["empty"], None),
    ("x\0", ["null bytes"], None),
    ("x " + "y" * MAX_LENGTH, ["10,002 characters long; the limit is 10,000"], None),
    ("-" * MAX_DEPTH + "x", [f"nests more than {MAX_DEPTH} operations deep"], MAX_DEPTH + 1),
    ("x**" * (MAX_DEPTH + 50) + "x", [f"nests more than {MAX_DEPTH} operations deep"], 3 * MAX_DEPTH - 2),
    ("(" * 300 + "x" + ")" * 300, ["nests parentheses too deeply"], None),
    ("exp(" * 1000 + "x" + ")" * 1000, ["too deeply"], None),
    ("-" * (MAX_LENGTH - 1) + "x", ["nests too deeply"], None),  # beyond the parser's own stack
    ("1" * 5000, ["too many digits"], None),
    ("1" + "0" * 400, ["too large for a float"], 1),
]
REJECTED = [case for case in REJECTED if case[1] is not None]


@pytest.mark.parametrize(("text", "words", "column"), REJECTED, ids=[repr(case[0][:30]) for case in REJECTED])
def test_anything_off_the_whitelist_is_one_line_naming_the_piece_and_column(text, words, column):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert "\n" not in message and len(message) < 300, message
    for word in words:
        assert word in message, message
    if column is not None:
        assert caught.value.column == column
        assert f"column {column}" in message


def test_any_name_that_is_not_a_function_or_dunder_is_just_a_variable():
    assert parse("print + open * eval")(print=1, open=2, eval=3) == 7.0


def test_exactly_max_length_characters_are_accepted_and_max_depth_levels():
    assert parse("x" + " " * (MAX_LENGTH - 1)).variables == ("x",)
    assert parse("-" * (MAX_DEPTH - 1) + "x")(x=2.0) == (-2.0 if MAX_DEPTH % 2 == 0 else 2.0)


def test_a_long_flat_sum_or_product_is_one_level_not_one_per_term():
    terms = MAX_DEPTH + 1  # refused as "nests more than 200 operations deep" before
    x = Value(2.0, label="x")
    total = parse(" + ".join(["x"] * terms))(x=x)
    total.backward()
    assert (total.data, x.grad) == (2.0 * terms, float(terms))
    x = Value(1.001, label="x")
    product = parse("*".join(["x"] * 500))(x=x)
    product.backward()
    assert product.data == pytest.approx(1.001**500, rel=1e-12)
    assert x.grad == pytest.approx(500 * 1.001**499, rel=1e-12)
    mixed = parse("x - y + " * 1000 + "x / y * 2")(x=3.0, y=0.5)  # a sum chain of 2,001 links, no recursion
    assert mixed == pytest.approx(1000 * 2.5 + 12.0, rel=1e-12)


def test_each_link_of_a_chain_is_labelled_with_its_text():
    x, y, z = Value(1.0, label="x"), Value(2.0, label="y"), Value(3.0, label="z")
    out = parse("x + y*2 - z + 1")(x=x, y=y, z=z)
    labels, node = [], out
    while node.parents and node.parents[0].parents:
        labels.append(node.label)
        node = node.parents[0]
    labels.append(node.label)
    assert labels == ["x + y*2 - z + 1", "x + y*2 - z", "x + y*2"]
    assert node.parents[0] is x and node.parents[1].label == "y*2"


def test_a_chain_too_long_for_pythons_parser_says_so():
    with pytest.raises(ExpressionError) as caught:
        parse("x+" * 4999 + "x")
    assert "chains too many operations in a row" in str(caught.value)


def test_an_error_inside_a_chain_names_its_link():
    for text, piece in [("x + 1 / (x - x) * 2 + x", "'1 / (x - x)'"), ("1 / (x - x) * 2 * x", "'1 / (x - x)'"),
                        ("x + x + log(x - x) + x", "'log(x - x)'"), ("x - x + 1 / (x - x)", "'1 / (x - x)'")]:
        with pytest.raises(EvaluationError, match=re.escape(f"(in {piece} at column ")):
            parse(text)(x=Value(1.0))


def test_columns_count_characters_in_the_text_as_typed():
    for text, column in [("θθ + foo(x)", 6), ("  x + foo(x)", 7), ("x +\t foo(1)", 6)]:
        with pytest.raises(ExpressionError) as caught:
            parse(text)
        assert caught.value.column == column, text
        assert f"at column {column}" in str(caught.value)
    with pytest.raises(ExpressionError, match=r"'y\.z' at line 2, column 3 ") as caught:
        parse("(x +\n  y.z)")
    assert (caught.value.line, caught.value.column) == (2, 3)


def test_leading_whitespace_and_line_breaks_inside_parentheses_are_fine():
    assert parse("  -x")(x=3) == -3.0
    assert parse("(x +\n y)\n")(x=1, y=2) == 3.0


@pytest.mark.parametrize(
    ("text", "point", "words"),
    [
        ("log(x)", {"x": 0.0}, ["log: input must be > 0", "in 'log(x)' at column 1"]),
        ("1 + sqrt(x - 2)", {"x": 1.0}, ["sqrt: input must be >= 0", "in 'sqrt(x - 2)' at column 5"]),
        ("y / (x - 1)", {"x": 1.0, "y": 2.0}, ["cannot divide 2.0 by zero", "at column 1"]),
        ("1 / 0 + x", {"x": 1.0}, ["cannot divide 1.0 by zero", "in '1 / 0'"]),
        ("x ** 0.5", {"x": -4.0}, ["negative base", "in 'x ** 0.5'"]),
    ],
)
def test_domain_errors_name_the_piece_that_failed(text, point, words):
    with pytest.raises(EvaluationError) as caught:
        parse(text)({name: Value(number, label=name) for name, number in point.items()})
    for word in words:
        assert word in str(caught.value)
    assert isinstance(caught.value.__cause__, (ValueError, ArithmeticError))


def test_nothing_is_ever_evaluated_or_compiled_to_code(monkeypatch):
    """eval/exec must not be called, and compile (ast.parse) must only ever build a syntax tree."""
    real_compile = builtins.compile

    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec called")

    def only_ast(source, filename, mode, flags=0, *args, **kwargs):
        assert flags & ast.PyCF_ONLY_AST, "compile() asked for code, not a syntax tree"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    monkeypatch.setattr(builtins, "compile", only_ast)
    assert parse("x * exp(y) - 2 ** 3")(x=2.0, y=0.0) == -6.0
    with pytest.raises(ExpressionError):
        parse("__import__('os').system('true')")


def test_the_module_calls_no_eval_exec_compile_or_import():
    source = pathlib.Path(chaingrad.expr.__file__).read_text(encoding="utf-8")
    called = {node.func.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
              and isinstance(node.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__", "getattr", "globals", "locals", "vars", "open"}


SAFE_ALPHABET = "xy0123456789.e+-*/() ,_'\"[]{}:=<>!%@&|^~\\\n\tλ#;`$" + "".join(
    sorted(set("".join(chaingrad.expr.FUNCTIONS))))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=SAFE_ALPHABET, max_size=40) | st.from_regex(r"[xy0-9.+\-*/() ]{1,30}", fullmatch=True))
def test_any_text_is_either_an_expression_or_one_line_error(text):
    try:
        expression = parse(text)
    except ExpressionError as error:
        assert "\n" not in str(error) and str(error)
        return
    values = dict.fromkeys(expression.variables, 0.5)
    try:
        result = expression(values)
    except EvaluationError as error:
        assert "\n" not in str(error)
        return
    assert isinstance(result, float)
