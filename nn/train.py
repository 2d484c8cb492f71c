"""`fit`: the training loop (forward, loss, backward, step; once per batch, for each epoch), its `History`,
`EarlyStopping`, and the `accuracy` metric.

Each step of the loop is one line of `fit`, in the order a PyTorch training loop writes them:

    for X_batch, y_batch in DataLoader(X, y, batch_size):
        predictions = [model(x) for x in X_batch]
        batch_loss = loss(predictions, y_batch)
        optimizer.zero_grad()
        batch_loss.backward()
        optimizer.step()
"""

import contextlib
import math
import sys
from dataclasses import dataclass, field

from autograd import Value, no_grad

from .compiled import CompiledLoss
from .data import DataLoader, _check_xy
from .floats import number as _number

__all__ = ["EarlyStopping", "History", "accuracy", "fit"]


def accuracy(predictions, targets, threshold=0.0):
    """The fraction of correct predictions, for scores (Values or floats) against labels.

    A single score predicts the positive class when score > threshold, and the target is positive when it is > 0:
    so labels may be ±1 (hinge loss) or 0/1 (logits; use threshold=0.5 for probabilities). A list of scores
    predicts the index of its largest, compared with an integer class target.
    """
    predictions, targets = list(predictions), list(targets)
    if len(predictions) != len(targets):
        raise ValueError(f"accuracy: got {len(predictions)} predictions for {len(targets)} targets")
    if not predictions:
        raise ValueError("accuracy: no predictions")
    correct = 0
    for prediction, target in zip(predictions, targets, strict=True):
        if isinstance(prediction, (list, tuple)):
            scores = [_number(s) for s in prediction]
            correct += scores.index(max(scores)) == target
        else:
            correct += (_number(prediction) > threshold) == (_number(target) > 0)
    return correct / len(predictions)


class EarlyStopping:
    """Stop `fit` once `monitor` has not improved by more than `min_delta` for `patience` epochs in a row.

    monitor is 'loss', 'val_loss', a metric's name or 'val_' + a metric's name; mode 'min' or 'max' says which
    way is better ('auto': 'min' for names with 'loss' in them, else 'max'). With restore_best=True, the model
    gets back the parameters of its best epoch when `fit` ends, as Keras' restore_best_weights.
    """

    def __init__(self, patience=5, min_delta=0.0, monitor="val_loss", restore_best=True, mode="auto"):
        if not isinstance(patience, int) or isinstance(patience, bool) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be an int >= 1 (epochs to wait), got {patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}")
        if mode == "auto":
            mode = "min" if "loss" in monitor else "max"
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min', 'max' or 'auto', got {mode!r}")
        self.patience, self.min_delta, self.monitor = patience, min_delta, monitor
        self.restore_best, self.mode = restore_best, mode
        self.reset()

    def reset(self):
        """Forget the best value seen: `fit` calls this first, so one EarlyStopping can serve several runs."""
        self.best, self.best_epoch, self.best_parameters, self.wait = None, None, None, 0

    def update(self, value, epoch, parameters):
        """Record this epoch's monitored value; True when training should stop."""
        if self.best is None or (
            value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        ):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_parameters = [p.data for p in parameters]
            return False
        self.wait += 1
        return self.wait >= self.patience

    def __repr__(self):
        return (
            f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, monitor={self.monitor!r}, "
            f"restore_best={self.restore_best}, mode={self.mode!r})"
        )


@dataclass(repr=False)
class History:
    """What `fit` measured, one entry per completed epoch: `loss` (training), `lr` (the learning rate used),
    `val_loss`, `metrics` and `val_metrics` ({name: [value per epoch]}). `best_epoch` indexes these lists (with
    early stopping); `interrupted` is True when Ctrl-C stopped the run.
    """

    loss: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    val_metrics: dict = field(default_factory=dict)
    best_epoch: int | None = None
    stopped_early: bool = False
    interrupted: bool = False

    @property
    def epochs(self):
        """The number of epochs trained."""
        return len(self.loss)

    def last(self):
        """{name: value} of the last epoch: loss, lr, val_loss and every metric (val_ names for validation)."""
        if not self.loss:
            return {}
        numbers = {"loss": self.loss[-1], "lr": self.lr[-1]}
        if self.val_loss:
            numbers["val_loss"] = self.val_loss[-1]
        numbers.update((name, values[-1]) for name, values in self.metrics.items() if values)
        numbers.update((f"val_{name}", values[-1]) for name, values in self.val_metrics.items() if values)
        return numbers

    def __repr__(self):
        parts = [f"epochs={self.epochs}"] + [f"{name}={value:.4g}" for name, value in self.last().items()]
        if self.best_epoch is not None:
            parts.append(f"best_epoch={self.best_epoch}")
        if self.stopped_early:
            parts.append("stopped_early=True")
        if self.interrupted:
            parts.append("interrupted=True")
        return f"History({', '.join(parts)})"

    def plot(self):
        """Draw the loss (training and validation), the metrics and the learning rate per epoch; returns the Figure.

        In Jupyter it shows once, as the cell's value. In a script it is a pyplot figure: `plt.show()` shows it.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as error:
            raise ImportError("History.plot needs matplotlib: pip install 'chaingrad[notebooks]'") from error
        panels = 3 if self.metrics else 2
        fig, axes = plt.subplots(1, panels, figsize=(4.5 * panels, 3.5), layout="constrained")
        epochs = range(1, self.epochs + 1)
        ax = axes[0]
        ax.plot(epochs, self.loss, label="train")
        if self.val_loss:
            ax.plot(epochs, self.val_loss, label="validation")
        if self.best_epoch is not None:
            ax.axvline(self.best_epoch + 1, color="gray", linestyle=":", label="best epoch")
        ax.set(title="loss", xlabel="epoch")
        ax.legend()
        if self.metrics:
            ax = axes[1]
            for name, values in self.metrics.items():
                (line,) = ax.plot(epochs, values, label=name)
                if self.val_metrics.get(name):
                    ax.plot(epochs, self.val_metrics[name], linestyle="--", color=line.get_color(), label=f"val_{name}")
            ax.set(title="metrics", xlabel="epoch")
            ax.legend()
        ax = axes[-1]
        ax.plot(epochs, self.lr)
        ax.set(title="learning rate", xlabel="epoch")
        if _in_jupyter():  # pyplot would show it at the cell's end, and the returned Figure again
            plt.close(fig)
        return fig


def fit(
    model,
    X,
    y,
    *,
    loss,
    optimizer,
    epochs,
    batch_size=None,
    scheduler=None,
    val=None,
    metrics=(),
    early_stopping=None,
    clip_grad_norm=None,
    progress=True,
    shuffle=True,
    seed=None,
    compile=False,
):
    """Train `model` on (X, y) for `epochs` epochs and return its `History`.

    Per batch (batch_size=None: the whole set, 1: stochastic GD, else mini-batches drawn by `DataLoader` with
    `shuffle` and `seed`): predictions = [model(x) for x in X_batch], batch_loss = loss(predictions, y_batch),
    optimizer.zero_grad(), batch_loss.backward(), nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
    when given, optimizer.step().
    Per epoch: history.loss is the mean of the batch losses weighted by batch size, and history.lr the learning
    rate of optimizer.param_groups[0] during the epoch. Each metric (a callable (predictions, targets) -> float,
    named by its __name__, or a {name: callable} dict) is computed on the predictions made during the epoch.
    With val=(X_val, y_val), the model is then evaluated in eval() mode under no_grad: history.val_loss and
    history.val_metrics. Then scheduler.step() is called once (PyTorch's convention: schedules count epochs).
    early_stopping is an `EarlyStopping` or a patience (an int: monitor val_loss with val, else loss); with its
    restore_best, the model ends with the parameters of its best epoch (history.best_epoch).
    A tqdm progress bar over epochs shows the latest numbers unless progress=False.
    compile=True runs each batch with `autograd.compile`: loss([model(x)], [y]) traced for one sample and run
    over the batch with numpy (same numbers, far faster); the loss must be the mean of the samples' losses
    (plus terms such as a penalty that do not depend on them), which fit checks on two samples.

    A batch loss that is nan or infinite stops training with FloatingPointError naming the epoch and batch, before
    that batch's backward and step. Ctrl-C (KeyboardInterrupt) stops it gracefully, as PyTorch Lightning does: fit
    prints one line and returns the History of the completed epochs with history.interrupted = True (the model
    keeps the steps taken, each applied whole; with early stopping's restore_best, its best epoch's parameters).
    Any other exception inside the loop is raised carrying that History as `error.history`.
    """
    loader = DataLoader(X, y, batch_size=batch_size, shuffle=shuffle, seed=seed)
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    metrics = _named_metrics(metrics)
    if val is not None:
        if not isinstance(val, (tuple, list)) or len(val) != 2:
            raise ValueError("fit: val must be a pair (X_val, y_val)")
        val = _check_xy(*val, "fit's val")
    stopper = _early_stopper(early_stopping, val is not None, metrics)
    history = History(metrics={name: [] for name in metrics}, val_metrics={name: [] for name in metrics} if val else {})
    bar = _progress_bar(epochs) if progress else None
    completed = 0  # epochs whose numbers are all in the history
    compiled = CompiledLoss(model, loss, loader.X, loader.y) if compile else None
    try:
        for epoch in range(epochs):
            model.train()
            history.lr.append(optimizer.param_groups[0]["lr"])
            total, seen_predictions, seen_targets = 0.0, [], []
            for batch, (X_batch, y_batch) in enumerate(loader):
                if compiled is not None:  # zero_grad, then the batch's loss and its gradient, at once
                    batch_loss, predictions = compiled(optimizer, X_batch, y_batch)
                else:
                    predictions = [model(x) for x in X_batch]
                    batch_loss = loss(predictions, y_batch)
                    if not isinstance(batch_loss, Value):
                        raise TypeError(f"fit: loss must return a Value to backpropagate from, got {batch_loss!r}")
                if not math.isfinite(_number(batch_loss)):
                    raise FloatingPointError(
                        f"fit: the loss is {_number(batch_loss)} at epoch {epoch + 1}, batch {batch + 1} of "
                        f"{len(loader)}; stopped before its backward and step, so the parameters are those after "
                        "the batch before. Try a smaller lr, clip_grad_norm=, or look for nan in the data"
                    )
                if compiled is None:
                    optimizer.zero_grad()
                    batch_loss.backward()
                if clip_grad_norm is not None:
                    from .utils import clip_grad_norm_

                    clip_grad_norm_(model.parameters(), clip_grad_norm)
                optimizer.step()
                total += _number(batch_loss) * len(X_batch)
                if metrics:
                    seen_predictions += [_numbers(p) for p in predictions]
                    seen_targets += y_batch
            history.loss.append(total / len(loader.X))
            for name, metric in metrics.items():
                history.metrics[name].append(_number(metric(seen_predictions, seen_targets)))
            if val is not None:
                _validate(model, *val, loss, metrics, history)
            completed = epoch + 1
            if scheduler is not None:
                scheduler.step()
            if bar is not None:
                bar.set_postfix({name: f"{value:.4g}" for name, value in history.last().items()}, refresh=False)
                bar.update()
            if stopper is not None and stopper.update(_monitored(history, stopper.monitor), epoch, model.parameters()):
                history.stopped_early = True
                break
    except KeyboardInterrupt:
        history.interrupted = True
    except Exception as error:
        _keep_epochs(history, completed)
        with contextlib.suppress(AttributeError):  # an exception type that takes no attributes
            error.history = history
        raise
    finally:
        if bar is not None:
            bar.close()
    if history.interrupted:
        _keep_epochs(history, completed)
        print(f"fit: interrupted after epoch {completed} of {epochs}; returning the History so far", file=sys.stderr)
    if stopper is not None:
        history.best_epoch = stopper.best_epoch
        if stopper.best_parameters is not None:
            for p, data in zip(model.parameters(), stopper.best_parameters, strict=True):
                p.data = data
    return history


def _keep_epochs(history, n):
    """Cut every per-epoch list of `history` to its first `n` entries: those of the completed epochs."""
    lists = [history.loss, history.lr, history.val_loss, *history.metrics.values(), *history.val_metrics.values()]
    for values in lists:
        del values[n:]


def _validate(model, X, y, loss, metrics, history):
    """Evaluate on the validation set in eval mode, without building graphs, and record the numbers."""
    model.eval()
    try:
        with no_grad():
            predictions = [model(x) for x in X]
            history.val_loss.append(_number(loss(predictions, y)))
        predictions = [_numbers(p) for p in predictions]
        for name, metric in metrics.items():
            history.val_metrics[name].append(_number(metric(predictions, y)))
    finally:
        model.train()


def _named_metrics(metrics):
    if isinstance(metrics, dict):
        named = dict(metrics)
    else:
        named = {}
        for metric in metrics:
            name = getattr(metric, "__name__", None) or getattr(getattr(metric, "func", None), "__name__", None)
            if not name or name == "<lambda>":
                raise ValueError(f"fit: metric {metric!r} has no name; pass metrics as a dict {{name: metric}}")
            if name in named:
                raise ValueError(f"fit: two metrics are named {name!r}; pass metrics as a dict {{name: metric}}")
            named[name] = metric
    for name, metric in named.items():
        if not callable(metric):
            raise ValueError(f"fit: metric {name!r} is not callable (predictions, targets) -> float")
        if name in ("loss", "lr") or name.startswith("val_"):
            raise ValueError(f"fit: a metric cannot be named {name!r} (taken by the history's own entries)")
    return named


def _early_stopper(early_stopping, has_val, metrics):
    if early_stopping is None:
        return None
    if isinstance(early_stopping, int) and not isinstance(early_stopping, bool):
        early_stopping = EarlyStopping(early_stopping, monitor="val_loss" if has_val else "loss")
    if not isinstance(early_stopping, EarlyStopping):
        raise ValueError(f"fit: early_stopping must be an EarlyStopping or a patience (int), got {early_stopping!r}")
    names = ["loss", *metrics]
    if has_val:
        names += [f"val_{name}" for name in names]
    if early_stopping.monitor not in names:
        hint = "" if has_val or not early_stopping.monitor.startswith("val_") else " (pass val=(X_val, y_val))"
        raise ValueError(
            f"fit: early_stopping monitors {early_stopping.monitor!r}, which fit does not record{hint}; "
            f"it records {names}"
        )
    early_stopping.reset()
    return early_stopping


def _monitored(history, name):
    if name == "loss":
        return history.loss[-1]
    if name == "val_loss":
        return history.val_loss[-1]
    if name.startswith("val_") and name[4:] in history.val_metrics:
        return history.val_metrics[name[4:]][-1]
    return history.metrics[name][-1]


def _in_jupyter():
    """True inside a Jupyter kernel, where a returned Figure is shown as the cell's value."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _progress_bar(epochs):
    from tqdm.auto import tqdm  # a widget in Jupyter, text in a terminal

    return tqdm(total=epochs, desc="fit", unit="epoch")


def _numbers(prediction):
    """A model output as plain floats: a float, or a list of floats for a model with several outputs."""
    if isinstance(prediction, (list, tuple)):
        return [_number(p) for p in prediction]
    return _number(prediction)
