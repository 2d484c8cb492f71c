"""`chaingrad`, the command line: `demo` trains a small network and writes its pictures; `grad` differentiates a
formula typed as text.

    chaingrad demo [--dataset moons|circles|blobs] [--epochs N] [--hidden 16,16] [--optimizer sgd|...] [--lr LR]
                   [--seed S] [--out DIR] [--compile]
    chaingrad grad "EXPR" x=1 y=2 [--svg FILE] [--html FILE] [--explain NAME]

Exit codes: 0 done; 2 the command line was refused (an unknown option, a bad value, an expression outside the
whitelist or too costly to draw, a missing or malformed assignment), with nothing written, or Graphviz could not
draw (missing, failed, crashed, out of time); 1 the work itself failed (a math domain error such as log(0), a file
that cannot be written). Errors are one line on stderr, `chaingrad <command>: error: ...`, never a traceback.
What the terminal's encoding cannot show is printed as escapes (\\xe9).

`demo` lives in chaingrad/demo.py, what the command prints in chaingrad/console.py.
"""

import argparse
import keyword
import math
import pathlib
import sys
import textwrap
import unicodedata

import autograd
from autograd.graph import topological_order
from autograd.viz import GraphvizError, GraphvizNotFoundError, GraphvizTimeoutError

from . import demo as demo_command
from .console import GRAPHVIZ_INSTALL, CommandError, can_print, listing, say
from .demo import DATASETS, OPTIMIZERS
from .expr import FUNCTIONS, EvaluationError, ExpressionError, parse

__all__ = ["main"]

# What --svg may cost Graphviz: drawn nodes plus the ranks the edges cross (see _drawing_cost). Measured with dot
# 2.43 on x*x*…*x: 30 factors cost 929 and take 0.3-0.6 s; 35 cost 1,191 and take 1.1-1.4 s; 40 cost 1,561 and
# take 3-4 s; 50 cost 2,451 and take 23 s to minutes; at 200 dot crashed.
MAX_DRAWING_COST = 1_000

class _Parser(argparse.ArgumentParser):
    """argparse, but a refused command line is one line on stderr (no usage block) and exit code 2 via main."""

    def error(self, message):
        raise CommandError(f"{message} (see {self.prog} --help)", prog=self.prog)


def main(argv=None):
    """Run `chaingrad` with `argv` (default: sys.argv[1:]) and return the exit code (0, 1 or 2)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    prog = parser.prog
    try:
        if argv and argv[0] == "grad":
            argv = ["grad", *_grad_argv(argv[1:])]
        args, extra = parser.parse_known_args(argv)
        prog = f"{parser.prog} {args.command}"
        if extra:
            raise CommandError(f"unrecognized arguments: {' '.join(extra)} (see {prog} --help)")
        return args.run(args)
    except CommandError as error:
        message = " ".join(str(error).split())  # one line, whatever the message holds
        say(f"{error.prog or prog}: error: {message}", file=sys.stderr)
        return error.status
    except SystemExit as exit:  # --help
        return exit.code if isinstance(exit.code, int) else 0
    except KeyboardInterrupt:
        say(f"{prog}: interrupted", file=sys.stderr)
        return 130


def _parser():
    parser = _Parser(
        prog="chaingrad",
        description="chaingrad: a scalar autodiff engine for learning backpropagation.",
        epilog='examples:\n  chaingrad demo\n  chaingrad grad "x * y + exp(x)" x=1 y=2 --svg graph.svg',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="{demo,grad}", required=True)

    demo = commands.add_parser(
        "demo",
        help="train a small network on a toy dataset and write its pictures",
        description="Train an MLP (ReLU hidden layers, one linear output) on 100 points of a toy dataset with "
        "micrograd's recipe: hinge loss on ±1 labels plus 1e-4·L2, full-batch steps, the learning rate "
        "falling linearly to a tenth of its start. Prints the final loss and accuracy and writes to DIR: "
        "loss.png, decision_boundary.png (with matplotlib), model.json (nn.save), network.svg and "
        "loss_graph.svg (with Graphviz).",
    )
    demo.add_argument("--dataset", choices=DATASETS, default="moons", help="the toy dataset (default: moons)")
    demo.add_argument("--epochs", type=_positive_int, default=100, metavar="N",
                      help="full-batch training steps (default: 100)")
    demo.add_argument("--hidden", type=_layer_sizes, default=[16, 16], metavar="SIZES",
                      help="hidden layer sizes separated by commas (default: 16,16)")
    demo.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd", help="(default: sgd)")
    demo.add_argument("--lr", type=_positive_float, default=None, metavar="LR",
                      help="the starting learning rate (default: " + ", ".join(
                          f"{name} {lr:g}" for name, (_, lr, _) in OPTIMIZERS.items()) + ")")
    demo.add_argument("--seed", type=int, default=1337, metavar="S",
                      help="seeds the data and the initial weights (default: 1337)")
    demo.add_argument("--out", type=pathlib.Path, default=pathlib.Path("chaingrad-demo"), metavar="DIR",
                      help="where to write the files (default: chaingrad-demo)")
    demo.add_argument("--compile", action="store_true",
                      help="train with autograd.compile: the same losses, far faster (needs numpy)")
    demo.set_defaults(run=demo_command.run)

    grad = commands.add_parser(
        "grad",
        help="evaluate a formula and its partial derivatives",
        description=textwrap.fill(
            "Evaluate EXPR at the given point and print its value f and ∂f/∂ each variable, in the order the "
            "variables are given. EXPR may use numbers, variables, + - * / **, parentheses and the functions "
            + ", ".join(FUNCTIONS) + " (leaky_relu and elu take alpha as a second argument). Every variable needs "
            "one NAME=NUMBER. An EXPR that starts with '-' is fine.", width=100),
        epilog='example:\n  chaingrad grad "x * y + exp(x)" x=1 y=2 --svg graph.svg\n\n'
        "exit codes: 0 done; 2 the expression or an assignment was refused;\n"
        "            or the graph is too costly to draw, or Graphviz could not draw it;\n"
        "            1 a math domain error (log(0), 1/0, sqrt(-1), ...) or the SVG could not be written",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grad.add_argument("expression", metavar="EXPR", help='the formula, quoted: "x * y + exp(x)"')
    grad.add_argument("assignments", nargs="*", default=[], metavar="NAME=NUMBER", help="the point: x=1 y=-2.5")
    grad.add_argument("--svg", type=pathlib.Path, metavar="FILE",
                      help="also write the computation graph, with data, gradients and local derivatives")
    grad.add_argument("--html", type=pathlib.Path, metavar="FILE",
                      help="also write the graph as an interactive page: step through forward and backward")
    grad.add_argument("--explain", action="append", default=[], metavar="NAME",
                      help="also print ∂f/∂NAME written out as the chain rule, path by path (may be repeated)")
    grad.set_defaults(run=_grad)
    return parser


# --- Option values


def _positive_int(text):
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _positive_float(text):
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < number < math.inf:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return number


def _layer_sizes(text):
    sizes = [part.strip() for part in text.split(",")]
    # isdigit() alone takes '²' and '①', which int() refuses; 19 digits is far past any size the demo takes.
    if not all(size.isascii() and size.isdigit() and len(size) < 20 and int(size) > 0 for size in sizes):
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of positive layer sizes such as 16,16 or 8")
    return [int(size) for size in sizes]


# --- chaingrad grad


def _grad_argv(words):
    """grad's words with its options first, then '--', then EXPR and the assignments: so an EXPR that starts with
    '-' (such as "-x**2") is not taken for an option, and --svg may come anywhere."""
    options, positional = [], []
    words = list(words)
    while words:
        word = words.pop(0)
        if word == "--":
            positional += words
            break
        if word in ("-h", "--help") or word.startswith(("--svg=", "--explain=", "--html=")):
            options.append(word)
        elif word in ("--svg", "--explain", "--html"):
            options += [word, *words[:1]]  # argparse reports a --svg without a file name
            words = words[1:]
        else:
            positional.append(word)
    return [*options, "--", *positional] if positional else options


def _grad(args):
    expression = _parse_expression(args.expression)
    point = _assignments(args.assignments, expression.variables)
    svg = _svg_path(args.svg) if args.svg is not None else None
    leaves = {name: autograd.Value(number, label=name) for name, number in point.items()}
    try:
        f = expression(leaves)
        if isinstance(f, autograd.Value):
            f.backward()
    except EvaluationError as error:
        raise CommandError(str(error), status=1) from None
    except (ArithmeticError, ValueError) as error:  # in backward
        raise CommandError(f"while differentiating: {error}", status=1) from None
    root = f if isinstance(f, autograd.Value) else autograd.Value(f)
    if svg is not None or args.html is not None:
        _check_drawing_cost(root)
    d = "∂" if can_print("∂") else "d"
    say(f"f = {root.data!r}")
    for name, leaf in leaves.items():
        say(f"{d}f/{d}{name} = {leaf.grad!r}")
    for name in args.explain:
        _print_explanation(f, leaves, name)
    if svg is not None:
        _write_graph(root, svg)
    if args.html is not None:
        _write_explorer(root, args.html)
    return 0


def _print_explanation(f, leaves, name):
    """`--explain NAME`: the derivation of ∂f/∂NAME, the intermediate values named by their text in EXPR."""
    if name not in leaves:
        known = listing(leaves) or "none"
        raise CommandError(f"--explain {name!r}: the expression has no variable {name!r} (its variables: {known})")
    if not isinstance(f, autograd.Value):
        text = f"∂f/∂{name} = 0: the expression does not depend on its variables"
    else:
        f.label = "f"
        text = str(autograd.explain(f, leaves[name]))
    say("")
    say(text)


def _parse_expression(text):
    try:
        return parse(text)
    except ExpressionError as error:
        raise CommandError(str(error)) from None


def _assignments(words, variables):
    """{name: number} from NAME=NUMBER words, in their order, after checking each is well formed, none is repeated,
    and they assign exactly the expression's variables."""
    point, given = {}, {}
    for word in words:
        name, equals, number = word.partition("=")
        name = unicodedata.normalize("NFKC", name.strip())  # as Python reads identifiers: "ﬁ" is "fi"
        if not equals or not name.isidentifier() or keyword.iskeyword(name):
            raise CommandError(f"{word!r} is not an assignment NAME=NUMBER, such as x=1.5")
        if name in FUNCTIONS or (name.startswith("__") and name.endswith("__")):
            raise CommandError(f"{word!r}: {name!r} cannot be a variable name")
        try:
            value = float(number)
        except ValueError:
            raise CommandError(f"{word!r}: {number.strip()!r} is not a number") from None
        if name in point:
            raise CommandError(f"{name} is assigned twice: {given[name]!r} and {word!r}")
        point[name], given[name] = value, word
    missing = [name for name in variables if name not in point]
    if missing:
        needed = listing(f"{name}=NUMBER" for name in missing).replace(", ", " ")
        raise CommandError(f"the expression uses {listing(missing)} but no value is given: add {needed}")
    unused = [name for name in point if name not in variables]
    if unused:
        uses = f"it uses {listing(variables)}" if variables else "it has none"
        raise CommandError(f"{listing(repr(given[name]) for name in unused)}: the expression has no variable "
                           f"{listing(unused)} ({uses})")
    return point


def _svg_path(path):
    extension = path.suffix[1:].lower()
    if extension and extension != "svg" and extension in _graphviz_formats():
        raise CommandError(f"--svg {str(path)!r}: the file name says {extension!r}; give it .svg (or no extension)")
    if path.is_dir():
        raise CommandError(f"--svg {str(path)!r} is a directory; give a file name such as graph.svg")
    return path


def _graphviz_formats():
    import graphviz

    return graphviz.FORMATS


def _drawing_cost(root):
    """Roughly what Graphviz's layout of `root`'s graph costs: its drawn nodes (values and ops) plus the ranks its
    edges cross. dot puts a virtual node on every rank an edge crosses and orders all of them, so a value that
    feeds every op of a long formula (x*x*…*x) costs the square of its length, and that is what runs away."""
    order = topological_order(root)
    rank = {}
    for node in order:  # each op one rank after its inputs, its value one rank after it
        rank[node] = max((rank[parent] for parent in node.parents), default=-2) + 2
    first_use = {}
    for node in order:
        for parent in node.parents:
            if not parent.parents:
                first_use[parent] = min(first_use.get(parent, rank[node]), rank[node])
    for leaf, user in first_use.items():  # dot moves a leaf up to its first use
        rank[leaf] = user - 2
    crossed = sum(rank[node] - 2 - rank[parent] for node in order for parent in node.parents)
    return sum(2 if node.parents else 1 for node in order) + crossed


def _check_drawing_cost(root):
    cost = _drawing_cost(root)
    if cost > MAX_DRAWING_COST:
        raise CommandError(f"--svg: this formula's graph is too costly to draw (about {cost:,} nodes and edge "
                           f"crossings for Graphviz to lay out; the limit is {MAX_DRAWING_COST:,}): use a shorter "
                           "formula, fewer uses of one variable, or leave out --svg")


def _write_explorer(root, path):
    """`--html FILE`: the explorer's page, which works offline in any browser."""
    if root.parents:
        root.label = "f"
    if path.is_dir():
        raise CommandError(f"--html {str(path)!r} is a directory; give a file name such as graph.html")
    try:
        autograd.explore(root).save(path)
    except (GraphvizError, ValueError) as error:
        raise CommandError(f"cannot lay out {path}: {error}") from None
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}", status=1) from None
    say(f"wrote {path}: open it in a browser to step through forward and backward")


def _write_graph(root, path):
    if root.parents:
        root.label = "f"
    try:
        autograd.draw(root, path, format="svg", show_local_grads=True)
    except GraphvizNotFoundError:
        raise CommandError(f"cannot write {path}: Graphviz's dot is not installed ({GRAPHVIZ_INSTALL})") from None
    except GraphvizTimeoutError as error:
        raise CommandError(f"cannot draw {path}: {error.reason}; allow more time with CHAINGRAD_DOT_TIMEOUT=SECONDS "
                           "or use a shorter formula") from None
    except GraphvizError as error:
        raise CommandError(f"cannot draw {path}: {error.reason}; try a shorter formula") from None
    except ValueError as error:  # a graph over to_dot's max_nodes
        raise CommandError(f"cannot draw the graph: {error}") from None
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}", status=1) from None
    say(f"wrote {path}: the graph with data, grads and local derivatives")


if __name__ == "__main__":
    sys.exit(main())
