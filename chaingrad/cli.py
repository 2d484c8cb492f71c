"""`chaingrad`, the command line: `demo` trains a small network and writes its pictures; `grad` differentiates a
formula typed as text.

    chaingrad demo [--dataset moons|circles|blobs] [--epochs N] [--hidden 16,16] [--optimizer sgd|...] [--lr LR]
                   [--seed S] [--out DIR] [--compile]
    chaingrad grad "EXPR" x=1 y=2 [--svg FILE]

Exit codes: 0 done; 2 the command line was refused (an unknown option, a bad value, an expression outside the
whitelist, a missing or malformed assignment), with nothing written; 1 the work itself failed (a math domain
error such as log(0), Graphviz missing for `grad --svg`, a file that cannot be written). Errors are one line on
stderr, `chaingrad <command>: error: ...`, never a traceback.
"""

import argparse
import io
import keyword
import math
import pathlib
import sys
import textwrap
import unicodedata

import autograd
from autograd import GraphvizNotFoundError
from autograd.files import atomic_write
from nn import MLP, accuracy, draw_network, fit, make_blobs, make_circles, make_moons, manual_seed, save
from nn import functional as F
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from nn.optim.lr_scheduler import LambdaLR

from .expr import FUNCTIONS, EvaluationError, ExpressionError, parse

__all__ = ["main"]

DEMO_POINTS, DEMO_NOISE, L2_ALPHA = 100, 0.1, 1e-4
DATASETS = {
    "moons": lambda seed: make_moons(DEMO_POINTS, noise=DEMO_NOISE, seed=seed),
    "circles": lambda seed: make_circles(DEMO_POINTS, noise=DEMO_NOISE / 2, factor=0.5, seed=seed),
    "blobs": lambda seed: make_blobs(DEMO_POINTS, centers=[[-1.0, -0.5], [1.0, 0.5]], cluster_std=0.5, seed=seed),
}
# name: (make the optimizer from (params, lr), default lr, how to describe it)
OPTIMIZERS = {
    "sgd": (lambda params, lr: SGD(params, lr=lr), 1.0, "SGD"),
    "momentum": (lambda params, lr: SGD(params, lr=lr, momentum=0.9), 0.1, "SGD with momentum 0.9"),
    "nesterov": (lambda params, lr: SGD(params, lr=lr, momentum=0.9, nesterov=True), 0.1, "SGD with Nesterov momentum"),
    "adagrad": (lambda params, lr: Adagrad(params, lr=lr), 0.1, "Adagrad"),
    "rmsprop": (lambda params, lr: RMSprop(params, lr=lr), 0.01, "RMSprop"),
    "adam": (lambda params, lr: Adam(params, lr=lr), 0.02, "Adam"),
    "adamw": (lambda params, lr: AdamW(params, lr=lr), 0.02, "AdamW"),
}
GRAPHVIZ_INSTALL = "sudo apt-get install graphviz | brew install graphviz | conda install -c conda-forge graphviz"


class CommandError(Exception):
    """A one-line error for the user: `main` prints it as 'chaingrad <command>: error: <message>' and returns
    `status` (2: the command line was refused, nothing was done; 1: the work failed)."""

    def __init__(self, message, status=2, prog=None):
        super().__init__(message)
        self.status, self.prog = status, prog


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
        print(f"{error.prog or prog}: error: {message}", file=sys.stderr)
        return error.status
    except SystemExit as exit:  # --help
        return exit.code if isinstance(exit.code, int) else 0
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
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
    demo.set_defaults(run=_demo)

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
        "            1 a math domain error (log(0), 1/0, sqrt(-1), ...) or the SVG could not be written",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grad.add_argument("expression", metavar="EXPR", help='the formula, quoted: "x * y + exp(x)"')
    grad.add_argument("assignments", nargs="*", default=[], metavar="NAME=NUMBER", help="the point: x=1 y=-2.5")
    grad.add_argument("--svg", type=pathlib.Path, metavar="FILE",
                      help="also write the computation graph, with data, gradients and local derivatives")
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
    if not all(size.isdigit() and int(size) > 0 for size in sizes):
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
        if word in ("-h", "--help") or word.startswith("--svg="):
            options.append(word)
        elif word == "--svg":
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
    d = "∂" if _can_print("∂") else "d"
    print(f"f = {float(f)!r}")
    for name, leaf in leaves.items():
        print(f"{d}f/{d}{name} = {leaf.grad!r}")
    if svg is not None:
        _write_graph(f, svg)
    return 0


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
        needed = " ".join(f"{name}=NUMBER" for name in missing)
        raise CommandError(f"the expression uses {', '.join(missing)} but no value is given: add {needed}")
    unused = [name for name in point if name not in variables]
    if unused:
        uses = f"it uses {', '.join(variables)}" if variables else "it has none"
        raise CommandError(f"{', '.join(repr(given[name]) for name in unused)}: the expression has no variable "
                           f"{', '.join(unused)} ({uses})")
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


def _write_graph(f, path):
    root = f if isinstance(f, autograd.Value) else autograd.Value(f)
    if root.parents:
        root.label = "f"
    try:
        autograd.draw(root, path, format="svg", show_local_grads=True)
    except GraphvizNotFoundError:
        raise CommandError(f"cannot write {path}: Graphviz's dot is not installed ({GRAPHVIZ_INSTALL})", 1) from None
    except ValueError as error:  # a graph over to_dot's max_nodes
        raise CommandError(f"cannot draw the graph: {error}", status=1) from None
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}", status=1) from None
    print(f"wrote {path}: the graph with data, grads and local derivatives")


def _can_print(text):
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


# --- chaingrad demo


def _demo(args):
    out = args.out
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {str(out)!r} is a file, not a directory")
    make, default_lr, optimizer_name = OPTIMIZERS[args.optimizer]
    lr = default_lr if args.lr is None else args.lr
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(f"cannot create {str(out)!r}: {error.strerror or error}", status=1) from None

    X, labels = DATASETS[args.dataset](args.seed)
    y = [2 * label - 1 for label in labels]  # ±1 for the hinge loss
    manual_seed(args.seed)
    model = MLP(2, [*args.hidden, 1])
    optimizer = make(model.parameters(), lr)
    epochs = args.epochs
    scheduler = LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / epochs)  # micrograd's decay: lr -> lr/10

    def loss(scores, targets):
        return F.hinge_loss(scores, targets) + F.l2_penalty(model.parameters(), alpha=L2_ALPHA)

    sizes = "-".join(map(str, [2, *args.hidden, 1]))
    alpha = f"{L2_ALPHA:.0e}".replace("e-0", "e-")  # 1e-4
    steps = f"{epochs} epoch{'s' * (epochs != 1)}"
    print(f"training an MLP {sizes} ({len(model.parameters())} parameters) on {args.dataset} ({len(X)} points): "
          f"hinge loss + {alpha}·L2, {optimizer_name}, lr {lr:g} -> {lr / 10:g} over {steps}", flush=True)
    history = fit(model, X, y, loss=loss, optimizer=optimizer, epochs=epochs, scheduler=scheduler,
                  metrics=[accuracy], progress=True, compile=args.compile)
    with autograd.no_grad():
        scores = [model(x).data for x in X]
        final_loss = loss(scores, y).data
    correct = sum((score > 0) == (target > 0) for score, target in zip(scores, y, strict=True))
    print(f"final loss {final_loss:.4g}, accuracy {correct / len(y):.0%} ({correct}/{len(y)} points)")
    if not math.isfinite(final_loss):
        print(f"note: training diverged (loss {final_loss}); try a smaller --lr than {lr:g}", file=sys.stderr)

    written = []
    written += _write_plots(out, history, model, X, y)
    path = out / "model.json"
    save(model, path)
    written.append((path, "the trained model (nn.load reads it back)"))
    written += _write_drawings(out, model, X, y, scores)
    for path, what in written:
        print(f"wrote {path}: {what}")
    return 0


def _write_plots(out, history, model, X, y):
    """loss.png and decision_boundary.png with matplotlib (no pyplot, so no GUI backend), or a note without it."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        print("note: matplotlib is not installed, so loss.png and decision_boundary.png are skipped "
              "(pip install 'chaingrad[notebooks]')", file=sys.stderr)
        return []
    epochs = range(1, history.epochs + 1)
    figure = Figure(figsize=(9, 3.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    left.plot(epochs, history.loss)
    left.set(title="training loss", xlabel="epoch", yscale="log")
    right.plot(epochs, history.metrics["accuracy"])
    right.set(title="training accuracy", xlabel="epoch", ylim=(0, 1.05))
    loss_png = out / "loss.png"
    _save_figure(figure, loss_png)

    xs, ys = [x for x, _ in X], [x for _, x in X]
    steps = 50
    x_low, x_high, y_low, y_high = min(xs) - 0.5, max(xs) + 0.5, min(ys) - 0.5, max(ys) + 0.5
    grid_x = [x_low + (x_high - x_low) * i / (steps - 1) for i in range(steps)]
    grid_y = [y_low + (y_high - y_low) * j / (steps - 1) for j in range(steps)]
    with autograd.no_grad():
        scores = [[model([gx, gy]).data for gx in grid_x] for gy in grid_y]
    figure = Figure(figsize=(5, 4.5), layout="constrained")
    ax = figure.subplots()
    ax.contourf(grid_x, grid_y, scores, levels=[-math.inf, 0, math.inf], colors=["#fecaca", "#bfdbfe"])
    ax.contour(grid_x, grid_y, scores, levels=[0], colors="#374151", linewidths=1)
    for label, colour in ((-1, "#dc2626"), (1, "#2563eb")):
        points = [x for x, t in zip(X, y, strict=True) if t == label]
        ax.scatter([p[0] for p in points], [p[1] for p in points], c=colour, s=18, edgecolors="white",
                   linewidths=0.5, label=f"label {label:+d}")
    ax.set(title="decision boundary (score = 0)", xlabel="x₀", ylabel="x₁")
    ax.legend(loc="best", fontsize=8)
    boundary_png = out / "decision_boundary.png"
    _save_figure(figure, boundary_png)
    return [(loss_png, "loss and accuracy per epoch"),
            (boundary_png, "the points and where the model's score changes sign")]


def _save_figure(figure, path):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    atomic_write(path, buffer.getvalue())


def _write_drawings(out, model, X, y, scores):
    """network.svg and loss_graph.svg with Graphviz, or one note without it."""
    network_svg, graph_svg = out / "network.svg", out / "loss_graph.svg"
    try:
        draw_network(model, network_svg)
    except GraphvizNotFoundError:
        print(f"note: Graphviz's dot is not installed, so network.svg and loss_graph.svg are skipped "
              f"({GRAPHVIZ_INSTALL})", file=sys.stderr)
        return []
    written = [(network_svg, "the network, each weight an edge (blue > 0, red < 0, width |w|)")]
    # The sample closest to the boundary (smallest margin y·score): the most telling one's gradients.
    i = min(range(len(X)), key=lambda k: y[k] * scores[k])
    score = model(X[i])
    score.label = "score"
    sample_loss = F.hinge_loss([score], [y[i]])
    sample_loss.label = "loss"
    model.zero_grad()
    sample_loss.backward()
    try:
        autograd.draw(sample_loss, graph_svg, collapse=True, group_scopes=True)
    except ValueError as error:  # too many drawn nodes for a very wide network
        print(f"note: loss_graph.svg is skipped: {error}", file=sys.stderr)
        return written
    written.append((graph_svg, f"the hinge loss of sample {i} (margin {y[i] * scores[i]:.3g}) with one box per "
                               "neuron, after backward"))
    return written


if __name__ == "__main__":
    sys.exit(main())
