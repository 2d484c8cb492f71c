"""`chaingrad demo`: train a small MLP on a toy dataset with micrograd's recipe, then write its pictures and the
model. Everything that can be refused is refused before training: a network too big to train in pure Python, and
an --out folder that cannot be written."""

import io
import itertools
import math
import os
import secrets
import sys

import autograd
from autograd.files import atomic_write
from autograd.viz import GraphvizError, GraphvizNotFoundError, GraphvizTimeoutError
from nn import MLP, accuracy, draw_network, fit, make_blobs, make_circles, make_moons, manual_seed, save
from nn import functional as F
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from nn.optim.lr_scheduler import LambdaLR

from .console import GRAPHVIZ_INSTALL, CommandError, say

DEMO_POINTS, DEMO_NOISE, L2_ALPHA = 100, 0.1, 1e-4
# Full-batch training keeps the graph of all 100 points at once: about 3 Values per parameter per point, so
# 10,000 parameters make some 3 million Values (a few hundred MB) per step.
MAX_PARAMETERS = 10_000
FILES = ["loss.png", "decision_boundary.png", "model.json", "network.svg", "loss_graph.svg", "loss_graph.html"]
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


def run(args):
    """Train, print the final loss and accuracy, write the files into args.out; return the exit code 0."""
    sizes = [2, *args.hidden, 1]
    parameters = sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))
    if parameters > MAX_PARAMETERS:
        raise CommandError(
            f"--hidden {','.join(map(str, args.hidden))}: that network has {parameters:,} "
            f"parameters; the demo trains at most {MAX_PARAMETERS:,} in pure Python (for example "
            "--hidden 64,64)"
        )
    out = args.out
    _check_out(out)
    make, default_lr, optimizer_name = OPTIMIZERS[args.optimizer]
    lr = default_lr if args.lr is None else args.lr

    X, labels = DATASETS[args.dataset](args.seed)
    y = [2 * label - 1 for label in labels]  # ±1 for the hinge loss
    manual_seed(args.seed)
    model = MLP(2, [*args.hidden, 1])
    optimizer = make(model.parameters(), lr)
    epochs = args.epochs
    scheduler = LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / epochs)  # micrograd's decay: lr -> lr/10

    def loss(scores, targets):
        return F.hinge_loss(scores, targets) + F.l2_penalty(model.parameters(), alpha=L2_ALPHA)

    alpha = f"{L2_ALPHA:.0e}".replace("e-0", "e-")  # 1e-4
    steps = f"{epochs} epoch{'s' * (epochs != 1)}"
    say(
        f"training an MLP {'-'.join(map(str, sizes))} ({len(model.parameters())} parameters) on {args.dataset} "
        f"({len(X)} points): hinge loss + {alpha}·L2, {optimizer_name}, lr {lr:g} -> {lr / 10:g} over {steps}",
        flush=True,
    )
    try:
        history = fit(
            model,
            X,
            y,
            loss=loss,
            optimizer=optimizer,
            epochs=epochs,
            scheduler=scheduler,
            metrics=[accuracy],
            progress=True,
            compile=args.compile,
        )
    except FloatingPointError as error:  # fit stops when the loss is nan or inf: nothing worth writing
        raise CommandError(
            f"training diverged: the loss became nan or inf in epoch {error.history.epochs + 1}; "
            f"try a smaller --lr than {lr:g}",
            status=1,
        ) from None
    with autograd.no_grad():
        scores = [model(x).data for x in X]
        final_loss = loss(scores, y).data
    correct = sum((score > 0) == (target > 0) for score, target in zip(scores, y, strict=True))
    say(f"final loss {final_loss:.4g}, accuracy {correct / len(y):.0%} ({correct}/{len(y)} points)")
    if not math.isfinite(final_loss):
        say(f"note: training diverged (loss {final_loss}); try a smaller --lr than {lr:g}", file=sys.stderr)

    _write_plots(out, history, model, X, y)
    _write(out / "model.json", "the trained model (nn.load reads it back)", lambda path: save(model, path))
    sample, sample_loss = _sample_loss(model, X, y, scores)
    _write_drawings(out, model, sample, sample_loss, y[sample] * scores[sample])
    _write_explorer(out, sample, sample_loss)
    return 0


def _check_out(out):
    """Make --out and make sure files can be written in it, before any training."""
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {str(out)!r} is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(f"cannot create {str(out)!r}: {error.strerror or error}", status=1) from None
    for name in FILES:
        if (out / name).is_dir():
            raise CommandError(
                f"cannot write {str(out / name)!r}: it is a directory; move it or choose another --out", status=1
            )
    probe = out / f".chaingrad-write-test.{secrets.token_hex(6)}"  # the truth, whatever access() would say
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as error:
        raise CommandError(
            f"cannot write files in --out {str(out)!r}: {error.strerror or error}; nothing was trained", status=1
        ) from None


def _write(path, what, write):
    """write(path), then say so; a file that cannot be written is one line and exit code 1."""
    try:
        write(path)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}", status=1) from None
    say(f"wrote {path}: {what}")


def _write_plots(out, history, model, X, y):
    """loss.png and decision_boundary.png with matplotlib (no pyplot, so no GUI backend), or a note without it."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        say(
            "note: matplotlib is not installed, so loss.png and decision_boundary.png are skipped "
            "(pip install 'chaingrad[notebooks]')",
            file=sys.stderr,
        )
        return
    epochs = range(1, history.epochs + 1)
    figure = Figure(figsize=(9, 3.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    left.plot(epochs, history.loss)
    left.set(title="training loss", xlabel="epoch", yscale="log")
    right.plot(epochs, history.metrics["accuracy"])
    right.set(title="training accuracy", xlabel="epoch", ylim=(0, 1.05))
    _write(out / "loss.png", "loss and accuracy per epoch", lambda path: _save_figure(figure, path))

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
        ax.scatter(
            [p[0] for p in points],
            [p[1] for p in points],
            c=colour,
            s=18,
            edgecolors="white",
            linewidths=0.5,
            label=f"label {label:+d}",
        )
    ax.set(title="decision boundary (score = 0)", xlabel="x₀", ylabel="x₁")
    ax.legend(loc="best", fontsize=8)
    _write(
        out / "decision_boundary.png",
        "the points and where the model's score changes sign",
        lambda path: _save_figure(figure, path),
    )


def _save_figure(figure, path):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    atomic_write(path, buffer.getvalue())


def _sample_loss(model, X, y, scores):
    """(i, the hinge loss of sample i after backward) for the sample closest to the boundary (smallest margin
    y·score): the most telling one's gradients."""
    i = min(range(len(X)), key=lambda k: y[k] * scores[k])
    score = model(X[i])
    score.label = "score"
    sample_loss = F.hinge_loss([score], [y[i]])
    sample_loss.label = "loss"
    model.zero_grad()
    sample_loss.backward()
    return i, sample_loss


def _write_explorer(out, i, sample_loss):
    """loss_graph.html: the same sample's loss in the explorer, to step through backward in a browser."""
    what = f"sample {i}'s loss in the explorer: open it in a browser and step through backward"
    try:
        _write(out / "loss_graph.html", what, lambda path: autograd.explore(sample_loss).save(path))
    except (GraphvizError, ValueError) as error:  # no layout in time, or a graph too big to explore
        say(f"note: loss_graph.html is skipped: {error}", file=sys.stderr)


def _write_drawings(out, model, i, sample_loss, margin):
    """network.svg and loss_graph.svg with Graphviz, or one note without it; any other Graphviz failure is one
    error line and exit code 2."""
    network_svg, graph_svg = out / "network.svg", out / "loss_graph.svg"
    try:
        _write(
            network_svg,
            "the network, each weight an edge (blue > 0, red < 0, width |w|)",
            lambda path: draw_network(model, path),
        )
    except GraphvizNotFoundError:
        say(
            f"note: Graphviz's dot is not installed, so network.svg and loss_graph.svg are skipped "
            f"({GRAPHVIZ_INSTALL})",
            file=sys.stderr,
        )
        return
    except GraphvizError as error:
        raise CommandError(_cannot_draw(network_svg, error)) from None
    what = f"the hinge loss of sample {i} (margin {margin:.3g}) with one box per neuron, after backward"
    try:
        _write(graph_svg, what, lambda path: autograd.draw(sample_loss, path, collapse=True, group_scopes=True))
    except GraphvizError as error:
        raise CommandError(_cannot_draw(graph_svg, error)) from None
    except ValueError as error:  # too many drawn nodes for a very wide network
        say(f"note: loss_graph.svg is skipped: {error}", file=sys.stderr)


def _cannot_draw(path, error):
    timed_out = isinstance(error, GraphvizTimeoutError)
    more_time = " allow more time with CHAINGRAD_DOT_TIMEOUT=SECONDS, or" if timed_out else ""
    return f"cannot draw {path}: {error.reason};{more_time} try a smaller --hidden"
