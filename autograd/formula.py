"""Formulas as ops.py writes them, 'b*a**(b - 1)' or 'out*(1 - out)', printed as a person writes them.

A formula is a Python expression over the op's symbols (its inputs, `out` and its parameter). `parse` reads it
with Python's `ast`; `bind` puts in what each symbol stands for (a node's name, or a number); `simplify` folds
the numbers that binding brings in (`2*x**(2 - 1)` is `2·x`); `text` and `latex` print it:

    >>> text(bind(parse("out*(1 - out)"), {"out": name("a")}))
    'a(1 − a)'
    >>> latex(bind(parse("b*a**(b - 1)"), {"a": name("x"), "b": number(2.0)}))
    '2 \\\\cdot x'

Formulas are a handful of ast nodes, so the functions here recurse over a formula, never over a graph.
"""

import ast
import functools
import math
import re

# How tightly each kind of expression binds: a part binding less tightly than its place needs gets parentheses.
CHOICE, COMPARE, SUM, PRODUCT, SIGN, POWER, ATOM = range(7)
_IDENTIFIER = re.compile(r"[^\W\d]\w*|\d+(\.\d+)?|…|∂\S*", re.UNICODE)  # a name, a number, …, or ∂L/∂w
_SUBSCRIPTED = re.compile(r"([A-Za-z])_?(\d+)")  # w1 or w_1, typeset w_{1}
_GREEK = {"alpha": ("α", r"\alpha"), "sigma": ("σ", r"\sigma")}
_FUNCTIONS = {  # name in a formula: (text, LaTeX)
    "sigmoid": ("σ", r"\sigma"),
    "exp": ("exp", r"\exp"),
    "log": ("log", r"\log"),
    "tanh": ("tanh", r"\tanh"),
    "sin": ("sin", r"\sin"),
    "cos": ("cos", r"\cos"),
    "sign": ("sign", r"\operatorname{sign}"),
}
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@functools.lru_cache(maxsize=512)
def parse(formula):
    """The formula's syntax tree (a fresh copy is made by `bind`, so the cached tree is never changed)."""
    return ast.parse(formula, mode="eval").body


def name(label):
    """A symbol standing for a node's name, `label`: printed as is, in parentheses where its text needs them."""
    return ast.Name(id=label)


def number(x):
    """A number in a formula."""
    return ast.Constant(value=float(x))


class Bound(ast.expr):
    """A formula put in for a symbol: printed as it is, never taken apart (or changed) by `simplify`."""

    _fields = ("tree",)


def bind(tree, bindings):
    """`tree` with each symbol in `bindings` replaced by its formula (a `name`, a `number` or any formula)."""

    class Bind(ast.NodeTransformer):
        def visit_Name(self, node):
            value = bindings.get(node.id, node)
            return value if isinstance(value, (ast.Name, ast.Constant, Bound)) else Bound(tree=value)

    return _simplify(Bind().visit(_copy(tree)))


def simplify(tree):
    """Fold what binding numbers in leaves behind: 2 - 1 → 1, x**1 → x, 1·x → x, x + 0 → x, a − (−2) → a + 2."""
    return _simplify(_copy(tree))


def _simplify(tree):
    """`simplify`, changing `tree` in place."""
    for child in ("left", "right", "operand", "body", "orelse", "test"):
        if hasattr(tree, child):
            setattr(tree, child, _simplify(getattr(tree, child)))
    if isinstance(tree, ast.Call):
        tree.args = [_simplify(arg) for arg in tree.args]
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.USub) and _is_number(tree.operand):
        return number(-tree.operand.value)
    if not isinstance(tree, ast.BinOp):
        return tree
    left, op, right = tree.left, tree.op, tree.right
    if _is_number(left) and _is_number(right):
        folded = _fold(op, left.value, right.value)
        if folded is not None:
            return number(folded)
    if isinstance(op, ast.Mult):
        if _is_number(left, 1):
            return right
        if _is_number(right, 1):
            return left
    if isinstance(op, ast.Pow) and _is_number(right, 1):
        return left
    if isinstance(op, ast.Div) and _is_number(right, 1):
        return left
    if isinstance(op, (ast.Add, ast.Sub)) and _is_number(right, 0):
        return left
    if isinstance(op, ast.Add) and _is_number(left, 0):
        return right
    if isinstance(op, (ast.Add, ast.Sub)) and _is_number(right) and right.value < 0:
        flipped = ast.Sub() if isinstance(op, ast.Add) else ast.Add()
        return ast.BinOp(left=left, op=flipped, right=number(-right.value))
    negative_factor = isinstance(right, ast.BinOp) and isinstance(right.op, ast.Mult) and _is_number(right.left)
    if isinstance(op, (ast.Add, ast.Sub)) and negative_factor and right.left.value < 0:  # a + (−0.3)·b → a − 0.3·b
        flipped = ast.Sub() if isinstance(op, ast.Add) else ast.Add()
        return ast.BinOp(
            left=left, op=flipped, right=ast.BinOp(left=number(-right.left.value), op=ast.Mult(), right=right.right)
        )
    return tree


def is_one(tree):
    """True if the formula is the number 1: a factor the chain rule can leave out."""
    return _is_number(tree, 1)


def text(tree, precision=4):
    """The formula as plain text: 2(a − y), σ(z)(1 − σ(z)), 1 − tanh²(z), [x > 0]."""
    return _Printer(precision, latex=False).show(tree)[0]


def latex(tree, precision=4):
    """The formula as LaTeX that MathJax and matplotlib's mathtext both typeset."""
    return _Printer(precision, latex=True).show(tree)[0]


def precedence(tree):
    """How tightly the printed formula binds (ATOM: never needs parentheses)."""
    return _Printer(4, latex=False).show(tree)[1]


def format_number(x, precision=4, latex=False):
    """`precision` significant digits; −3.317e−06 in text, −3.317 \\times 10^{-6} in LaTeX."""
    shown = format(float(x) + 0.0, f".{precision}g")  # + 0.0: no −0
    if latex:
        mantissa, _, exponent = shown.partition("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa
    return shown.replace("-", "−")


def label_latex(label):
    """A node's label in LaTeX: w1 as w_{1}, one letter as itself, anything else as upright text."""
    if re.fullmatch(r"[A-Za-z]", label):
        return label
    if match := _SUBSCRIPTED.fullmatch(label):
        return f"{match[1]}_{{{match[2]}}}"
    if match := re.fullmatch(r"([A-Za-z]+)_([A-Za-z0-9]+)", label):  # i_o1, typeset i_{\mathrm{o1}}
        return rf"{match[1]}_{{\mathrm{{{match[2]}}}}}"
    if label in _GREEK:
        return _GREEK[label][1]
    escaped = re.sub(r"([\\{}_^%$#&])", r"\\\1", label)
    return rf"\text{{{escaped}}}"


@functools.lru_cache(maxsize=1024)
def _label_precedence(label):
    """How tightly a label binds: a name binds fully; a label written as a formula ('sigmoid(w*x + b)', from
    the command's text) as that formula does; any other text ('a − y') as a sum, to be safe."""
    if "·" in label:  # w·x: Python takes the middle dot for a letter of a name
        return PRODUCT
    if _IDENTIFIER.fullmatch(label):
        return ATOM
    try:
        tree = ast.parse(label, mode="eval").body
    except SyntaxError:
        return SUM
    kinds = {ast.Call: ATOM, ast.Name: ATOM, ast.Constant: ATOM, ast.UnaryOp: SIGN}
    if isinstance(tree, ast.BinOp):
        return {ast.Add: SUM, ast.Sub: SUM, ast.Pow: POWER}.get(type(tree.op), PRODUCT)
    return kinds.get(type(tree), SUM)


def _copy(tree):
    """A copy of the formula's own nodes; a Bound formula inside is shared, not copied (nothing changes it)."""
    if isinstance(tree, list):
        return [_copy(item) for item in tree]
    if not isinstance(tree, ast.AST) or isinstance(tree, (Bound, ast.expr_context, ast.operator, ast.cmpop)):
        return tree
    return type(tree)(**{field: _copy(getattr(tree, field)) for field in tree._fields if hasattr(tree, field)})


def _is_number(tree, value=None):
    return isinstance(tree, ast.Constant) and (value is None or tree.value == value)


def _fold(op, a, b):
    try:
        if isinstance(op, ast.Add):
            return a + b
        if isinstance(op, ast.Sub):
            return a - b
        if isinstance(op, ast.Mult):
            return a * b
        if isinstance(op, ast.Div):
            return a / b
        if isinstance(op, ast.Pow):
            return math.pow(a, b)
    except (ZeroDivisionError, OverflowError, ValueError):
        return None
    return None


class _Printer:
    """Prints a formula; `show` returns (printed text, how tightly it binds)."""

    def __init__(self, precision, latex):
        self.precision, self.latex = precision, latex

    def show(self, tree):
        method = getattr(self, f"show_{type(tree).__name__}", None)
        if method is None:
            raise ValueError(f"formula: cannot print {ast.unparse(tree)!r}")
        return method(tree)

    def part(self, tree, tightness):
        """The printed part, in parentheses if it binds less tightly than `tightness`."""
        shown, binds = self.show(tree)
        return (self.parens(shown), True) if binds < tightness else (shown, False)

    def parens(self, shown):
        return rf"\left({shown}\right)" if self.latex else f"({shown})"

    def show_Bound(self, tree):
        return self.show(tree.tree)

    def show_Constant(self, tree):
        value = tree.value
        shown = format_number(value, self.precision, self.latex)
        return shown, (SIGN if value < 0 else ATOM)

    def show_Name(self, tree):
        label = tree.id
        if label in _GREEK:
            return _GREEK[label][self.latex], ATOM
        return (label_latex(label) if self.latex else label), _label_precedence(label)

    def show_UnaryOp(self, tree):
        shown, _ = self.part(tree.operand, PRODUCT)
        return f"-{shown}" if self.latex else f"−{shown}", SIGN

    def show_BinOp(self, tree):
        op = type(tree.op)
        if op is ast.Add or op is ast.Sub:
            left, _ = self.part(tree.left, SUM)
            right, _ = self.part(tree.right, SUM + (op is ast.Sub))
            sign = "+" if op is ast.Add else ("-" if self.latex else "−")
            return f"{left} {sign} {right}", SUM
        if op is ast.Mult:
            left, _ = self.part(tree.left, PRODUCT)
            right, bracketed = self.part(tree.right, POWER)
            if bracketed:  # 2(a − y), a(1 − a): the article's way, no dot before a parenthesis
                return f"{left}{right}", PRODUCT
            return f"{left} \\cdot {right}" if self.latex else f"{left}·{right}", PRODUCT
        if op is ast.Div:
            if self.latex:
                return rf"\frac{{{self.show(tree.left)[0]}}}{{{self.show(tree.right)[0]}}}", ATOM
            left, _ = self.part(tree.left, PRODUCT)
            right, _ = self.part(tree.right, POWER)
            return f"{left}/{right}", PRODUCT
        if op is ast.Pow:
            return self.power(tree.left, tree.right)
        raise ValueError(f"formula: cannot print the operator in {ast.unparse(tree)!r}")

    def power(self, base, exponent):
        while isinstance(base, Bound):
            base = base.tree
        small = _is_number(exponent) and exponent.value == int(exponent.value) and abs(exponent.value) < 10
        if isinstance(base, ast.Call) and base.func.id in _FUNCTIONS and small:  # tanh²(z), as books write it
            function, argument = self.function(base)
            power = f"^{{{int(exponent.value)}}}" if self.latex else str(int(exponent.value)).translate(_SUPERSCRIPTS)
            return f"{function}{power}{self.parens(argument)}", ATOM
        shown, _ = self.part(base, ATOM)
        if self.latex:
            return f"{{{shown}}}^{{{self.show(exponent)[0]}}}", POWER
        if small:
            return shown + str(int(exponent.value)).translate(_SUPERSCRIPTS), POWER
        return f"{shown}^{self.part(exponent, ATOM)[0]}", POWER

    def function(self, call):
        """(the function's printed name, its printed argument)."""
        return _FUNCTIONS[call.func.id][self.latex], self.show(call.args[0])[0]

    def show_Call(self, tree):
        function = tree.func.id
        argument = self.show(tree.args[0])[0] if tree.args else ""
        if function == "sqrt":
            return (rf"\sqrt{{{argument}}}", ATOM) if self.latex else (f"√{self.part(tree.args[0], ATOM)[0]}", ATOM)
        if function == "abs":
            return f"|{argument}|", ATOM
        if function == "step":  # 1 where the argument is positive, else 0: Iverson's bracket
            return f"[{argument} > 0]", ATOM
        if function in _FUNCTIONS:
            name, argument = self.function(tree)
            return f"{name}{self.parens(argument)}", ATOM
        arguments = ", ".join(self.show(arg)[0] for arg in tree.args)
        shown = rf"\operatorname{{{function}}}" if self.latex else function
        return f"{shown}{self.parens(arguments)}", ATOM

    def show_Compare(self, tree):
        (op,), (right,) = tree.ops, tree.comparators
        symbols = {ast.Gt: ">", ast.Lt: "<", ast.GtE: ("≥", r"\geq"), ast.LtE: ("≤", r"\leq")}
        symbol = symbols[type(op)]
        symbol = symbol[self.latex] if isinstance(symbol, tuple) else symbol
        return f"{self.show(tree.left)[0]} {symbol} {self.show(right)[0]}", COMPARE

    def show_IfExp(self, tree):
        body, test, other = (self.show(part)[0] for part in (tree.body, tree.test, tree.orelse))
        if self.latex:
            return rf"{body} \;\text{{if}}\; {test} \;\text{{else}}\; {other}", CHOICE
        return f"{body} if {test} else {other}", CHOICE
