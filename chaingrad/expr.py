"""Formulas typed as text, such as "exp(x) * y + 1", turned into Value computations without running any code.

`parse(text)` reads the text with Python's `ast` and accepts only a whitelist: numbers, variable names,
`+ - * / **`, unary `-` and `+`, parentheses, and calls by name of the engine's functions (`FUNCTIONS`). Anything
else raises `ExpressionError` (a ValueError) naming the piece and its column. `eval`, `exec` and `compile` are never
used: the tree is walked node by node, and every number and operator it computes with comes from this whitelist.

    >>> f = parse("x * y + exp(x)")
    >>> f.variables
    ('x', 'y')
    >>> out = f(x=Value(1.0, label="x"), y=2.0)
    >>> out.backward()
"""

import ast
import warnings

import autograd
from autograd import Value
from autograd.scalar import as_real

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "EvaluationError", "Expression", "ExpressionError", "parse"]

MAX_LENGTH = 10_000  # characters of text
MAX_DEPTH = 200  # nested operations (each of +, -, *, /, **, a call, a unary sign counts one level; a chain
# a + b - c + … or a * b / c * … counts one level, however long, as it nests nothing: MAX_LENGTH bounds it)

FUNCTIONS = {
    "exp": autograd.exp, "log": autograd.log, "sqrt": autograd.sqrt, "tanh": autograd.tanh,
    "sigmoid": autograd.sigmoid, "relu": autograd.relu, "leaky_relu": autograd.leaky_relu, "elu": autograd.elu,
    "softplus": autograd.softplus, "sin": autograd.sin, "cos": autograd.cos, "abs": autograd.abs,
    "tan": autograd.tan, "sinh": autograd.sinh, "cosh": autograd.cosh, "asin": autograd.asin,
    "acos": autograd.acos, "atan": autograd.atan, "asinh": autograd.asinh, "acosh": autograd.acosh,
    "atanh": autograd.atanh, "log1p": autograd.log1p, "expm1": autograd.expm1, "log2": autograd.log2,
    "log10": autograd.log10, "exp2": autograd.exp2, "sign": autograd.sign, "floor": autograd.floor,
    "ceil": autograd.ceil, "round": autograd.round,
}
# leaky_relu and elu take their alpha as an optional second argument: a number, written by position.
_OPTIONAL_ALPHA = {"leaky_relu", "elu"}

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
# Operators of one precedence that read left to right: `a + b - c` is a chain, ((a + b) - c) to the parser.
_CHAINS = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
_OTHER_OPERATORS = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
    ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~", ast.And: "and", ast.Or: "or",
}
# What to call each construct outside the whitelist, in an error message.
_KINDS = {
    ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.Lambda: "lambda",
    ast.ListComp: "comprehension", ast.SetComp: "comprehension", ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension", ast.JoinedStr: "f-string", ast.Compare: "comparison",
    ast.BoolOp: "boolean operator", ast.IfExp: "conditional expression", ast.NamedExpr: "assignment (:=)",
    ast.Tuple: "tuple", ast.List: "list", ast.Set: "set", ast.Dict: "dict", ast.Starred: "starred argument",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
}
# (a few of the functions: a refusal stays one short line; --help and the unknown-function error list them all)
_ALLOWED = (
    f"numbers, variables, + - * / **, parentheses and the functions {', '.join(list(FUNCTIONS)[:6])}, … "
    f"({len(FUNCTIONS)} in all: chaingrad grad --help lists them)"
)


class ExpressionError(ValueError):
    """Text that `parse` does not accept. The message is one line, such as "unknown function 'foo' at column 5: the
    functions are exp, log, …"; `piece` is the offending text and `column` (from 1) where it starts, when known."""

    def __init__(self, message, piece=None, column=None, line=None):
        super().__init__(message)
        self.piece, self.column, self.line = piece, column, line


class EvaluationError(ValueError):
    """The engine refused a value while evaluating (log(0), 1/0, sqrt(-1)): names the piece, its column and why."""


class Expression:
    """A parsed expression: `text`, `variables` (names in order of first appearance); call it to compute it."""

    __slots__ = ("_text", "_tree", "text", "variables")

    def __init__(self, text, tree, variables):
        self.text, self._text, self._tree, self.variables = text.text, text, tree, variables

    def __call__(self, values=None, /, **named):
        """The expression's value for `values` ({name: Value or number}, or keywords): a Value if any variable is
        a Value, else a float. Missing variables raise ExpressionError; the engine's domain errors (log(0), 1/0)
        raise EvaluationError naming the piece that failed."""
        values = {**(values or {}), **named}
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise ExpressionError(f"no value given for {', '.join(missing)} (the variables are "
                                  f"{', '.join(self.variables)})")
        for name in self.variables:
            if not isinstance(values[name], Value):
                values[name] = as_real(values[name], f"the value of {name}")
        return _Evaluator(self._text, values).run(self._tree)

    def __repr__(self):
        return f"Expression({self.text!r}, variables={self.variables!r})"


def parse(text):
    """Parse `text` against the whitelist (module docstring) and return an `Expression`; raise ExpressionError."""
    if not isinstance(text, str):
        raise TypeError(f"parse needs the expression as a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    text = _Text(text)
    tree = _syntax_tree(text)
    _check_depth(text, tree)
    names = []
    _Checker(text, names).check(tree)
    names.sort(key=lambda node: (node.lineno, node.col_offset))
    return Expression(text, tree, tuple(dict.fromkeys(node.id for node in names)))


class _Text:
    """The text to parse without its leading whitespace (which Python's parser would call an indent), and where a
    piece of it is in the text as typed: columns and lines count from 1; the line is None for one-line text."""

    def __init__(self, text):
        normal = text.replace("\r\n", "\n").replace("\r", "\n")
        self.text, self.body = text, normal.lstrip()
        skipped = normal[: len(normal) - len(self.body)]
        self.lines = self.body.split("\n")
        self.skipped_lines, self.skipped_columns = skipped.count("\n"), len(skipped) - skipped.rfind("\n") - 1
        self.one_line = "\n" not in normal.strip()

    def place(self, line, column):
        """(column, line or None) in the text as typed, for a line and column of `body`."""
        if line == 1:
            column += self.skipped_columns
        return column, None if self.one_line else line + self.skipped_lines

    def where(self, node):
        """(piece of text, column, line or None) of an ast node."""
        line_text = self.lines[node.lineno - 1]
        column = len(line_text.encode("utf-8")[: node.col_offset].decode("utf-8", errors="replace")) + 1
        piece = ast.get_source_segment(self.body, node) or line_text[column - 1 :]
        return (piece, *self.place(node.lineno, column))


def _syntax_tree(text):
    """ast.parse in 'eval' mode (one expression, no statements), with the parser's own limits as ExpressionError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for "\d" in a string: the string is refused anyway
            return ast.parse(text.body, mode="eval").body
    except SyntaxError as error:
        if "too many nested parentheses" in str(error.msg):
            raise ExpressionError(f"the expression nests parentheses too deeply (the limit is {MAX_DEPTH})") from None
        if "integer string conversion" in str(error.msg):
            raise ExpressionError("a number in the expression has too many digits (the limit is 4,300)") from None
        line = error.lineno if error.lineno and 0 < error.lineno <= len(text.lines) else None
        column = None
        if line:  # offset 0 means the end of the text
            column = error.offset if error.offset and error.offset > 0 else len(text.lines[line - 1]) + 1
        piece = text.lines[line - 1][column - 1 : column + 19].strip() if column else ""
        message = error.msg[:1].lower() + error.msg[1:]
        if column:
            column, line = text.place(line, column)
            message += f" {_at(column, line)}"
            message += f": {_quote(piece)}" if piece else ", the end of the expression"
        raise ExpressionError(message, piece or None, column, line) from None
    except (RecursionError, MemoryError):  # Python's parser recurses down a chain too: ~3,000 terms at most
        raise ExpressionError(
            f"the expression nests too deeply for Python's parser (the limit is {MAX_DEPTH} levels), or chains "
            "too many operations in a row for it (split a very long x + x + … + x with parentheses)"
        ) from None
    except ValueError as error:  # null bytes, on some Python versions
        raise ExpressionError(f"the expression cannot be read: {error}") from None


def _check_depth(text, tree):
    """Refuse more than MAX_DEPTH nested operations, walking without recursion (the tree may be ~3,000 deep); the
    next link of a chain (a + b + c is ((a + b) + c)) is no deeper than the link that holds it."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _error(text, node, "the expression nests more than {limit} operations deep {at}: {piece}",
                         limit=MAX_DEPTH)
        children = list(ast.iter_child_nodes(node))
        stack += [(child, depth + (isinstance(child, ast.expr) and _next_link(node) is not child))
                  for child in reversed(children)]  # leftmost first


def _next_link(node):
    """The left operand of a chain's link when it continues the chain (a + b in (a + b) - c), else None."""
    if isinstance(node, ast.BinOp) and isinstance(node.left, ast.BinOp):
        group = _CHAINS.get(type(node.op))
        if group is not None and _CHAINS.get(type(node.left.op)) == group:
            return node.left
    return None


def _chain(node):
    """The links of the chain that `node` ends, outermost first: [c - d, b + c, a + b] for a + b + c - d."""
    links = [node]
    while (link := _next_link(links[-1])) is not None:
        links.append(link)
    return links


class _Checker:
    """Walks the tree (at most MAX_DEPTH levels, chains in a loop) and raises ExpressionError at the first piece off
    the whitelist."""

    def __init__(self, text, names):
        self.text, self.names = text, names

    def fail(self, node, template, **details):
        raise _error(self.text, node, template, **details)

    def check(self, node):
        if isinstance(node, ast.Constant):
            self.check_number(node)
        elif isinstance(node, ast.Name):
            self.check_name(node)
        elif isinstance(node, ast.BinOp):  # a chain's links in a loop: a long sum must not recurse per term
            links = _chain(node)
            if type(node.op) not in _BINARY:
                self.fail(node, "operator {op!r} in {piece} {at} is not allowed: use + - * / **",
                          op=_OTHER_OPERATORS.get(type(node.op), "?"))
            self.check(links[-1].left)
            for link in reversed(links):
                self.check(link.right)
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                self.fail(node, "operator {op!r} in {piece} {at} is not allowed: only - and + go before a value",
                          op=_OTHER_OPERATORS.get(type(node.op), "?"))
            self.check(node.operand)
        elif isinstance(node, ast.Call):
            self.check_call(node)
        else:
            kind = _KINDS.get(type(node), type(node).__name__)
            self.fail(node, "{kind} {piece} {at} is not allowed: expressions may use {allowed}", kind=kind,
                      allowed=_ALLOWED)

    def check_number(self, node):
        number = node.value
        if isinstance(number, str | bytes):
            self.fail(node, "string {piece} {at} is not allowed: expressions may use {allowed}", allowed=_ALLOWED)
        if isinstance(number, complex):
            self.fail(node, "complex number {piece} {at} is not allowed: the engine computes with real numbers")
        if isinstance(number, bool) or not isinstance(number, int | float):
            self.fail(node, "{piece} {at} is not a number: expressions may use {allowed}", allowed=_ALLOWED)
        if isinstance(number, int):
            try:
                float(number)
            except OverflowError:
                self.fail(node, "number {piece} {at} is too large for a float")

    def check_name(self, node):
        name = node.id
        if name.startswith("__") and name.endswith("__"):
            self.fail(node, "dunder name {piece} {at} is not allowed: names must not start and end with __")
        if name in FUNCTIONS:
            self.fail(node, "{piece} {at} is a function: call it, as in {name}(x)", name=name)
        self.names.append(node)

    def check_call(self, node):
        function, functions = node.func, ", ".join(FUNCTIONS)
        if not isinstance(function, ast.Name):
            self.check(function)  # first name what is wrong inside it: an attribute, a lambda, ...
            self.fail(function, "{piece} {at} cannot be called: only the functions {functions} can",
                      functions=functions)
        name = function.id
        if name.startswith("__") and name.endswith("__"):
            self.fail(function, "dunder name {piece} {at} is not allowed: names must not start and end with __")
        if name not in FUNCTIONS:
            self.fail(function, "unknown function {piece} {at}: the functions are {functions}", functions=functions)
        if node.keywords:
            self.fail(node.keywords[0], "keyword argument {piece} {at} is not allowed: give {name}'s arguments "
                      "by position", name=name)
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                self.fail(argument, "starred argument {piece} {at} is not allowed")
        most = 2 if name in _OPTIONAL_ALPHA else 1
        if not 1 <= len(node.args) <= most:
            self.fail(node, "{name} takes {takes}, got {count}: {piece} {at}", name=name, count=len(node.args),
                      takes="1 or 2 arguments (x, alpha)" if most == 2 else "1 argument")
        for argument in node.args:
            self.check(argument)
        if len(node.args) == 2 and any(isinstance(n, ast.Name) for n in ast.walk(node.args[1])):
            self.fail(node.args[1], "{name}'s alpha must be a number, not depend on variables: {piece} {at}",
                      name=name)


class _Evaluator:
    """Computes a checked tree with Value operations; at most MAX_DEPTH levels (a chain is computed in a loop), so
    recursion is safe here."""

    def __init__(self, text, values):
        self.text, self.values = text, values

    def run(self, node):
        """The node's value; a Value computed here is labelled with its text, `w*x + b`, for drawings and
        `explain` (a variable's Value keeps its own label)."""
        try:
            return self.labelled(node, self.evaluate(node))
        except EvaluationError:
            raise
        except (ArithmeticError, ValueError) as error:  # the engine's domain errors: log(0), 1/0, sqrt(-1), ...
            raise self.failure(node, error) from error

    def labelled(self, node, result):
        if isinstance(result, Value) and not result.label and not isinstance(node, ast.Name):
            result.label = " ".join(self.text.where(node)[0].split())
        return result

    def failure(self, node, error):
        piece, column, line = self.text.where(node)
        return EvaluationError(f"{error} (in {_quote(piece)} {_at(column, line)})")

    def evaluate(self, node):
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return self.values[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self.run(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            links = _chain(node)
            result = self.run(links[-1].left)
            for link in reversed(links):
                right = self.run(link.right)
                if link is node:
                    return _arithmetic(_BINARY[type(node.op)], result, right)  # run() names node on error
                try:
                    result = self.labelled(link, _arithmetic(_BINARY[type(link.op)], result, right))
                except (ArithmeticError, ValueError) as error:
                    raise self.failure(link, error) from error
        if isinstance(node, ast.Call):
            arguments = [self.run(argument) for argument in node.args]
            return FUNCTIONS[node.func.id](*arguments)
        raise AssertionError(f"unchecked node {ast.dump(node)}")  # parse() lets nothing else through


def _arithmetic(op, left, right):
    """left op right; two plain numbers are computed as the engine would (1/0 raises, overflow gives inf)."""
    if not isinstance(left, Value) and not isinstance(right, Value):
        return _arithmetic(op, Value(left), right).data
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        return left / right
    return left**right


def _error(text, node, template, **details):
    """An ExpressionError whose message is `template` with {piece} and {at} (and `details`) filled in for `node`."""
    piece, column, line = text.where(node)
    return ExpressionError(template.format(piece=_quote(piece), at=_at(column, line), **details), piece, column, line)


def _at(column, line=None):
    return f"at column {column}" if line is None else f"at line {line}, column {column}"


def _quote(piece, limit=40):
    """A piece of the expression for a one-line message: whitespace runs made single spaces, long ones shortened."""
    text = " ".join(piece.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)
