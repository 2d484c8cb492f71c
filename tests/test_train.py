"""nn.train: fit's loop against the same loop written out by hand, History, EarlyStopping, accuracy."""

import math
import sys

import pytest

import autograd
from autograd import Value
from nn.functional import hinge_loss, mse_loss
from nn.module import Module, Neuron
from nn.optim import SGD
from nn.optim.lr_scheduler import StepLR
from nn.train import EarlyStopping, History, accuracy, fit

X = [[1.0], [2.0], [3.0], [4.0], [5.0]]
Y = [3.0, 5.0, 7.0, 9.0, 11.0]  # the line y = 2x + 1 of the article on stochastic gradient descent and its variants


def line(w=0.0, b=0.0):
    """ŷ = w·x + b as a Neuron with given starting parameters."""
    neuron = Neuron(1, activation="linear")
    neuron.w[0].data, neuron.b.data = w, b
    return neuron


def by_hand(batches, epochs, lr, w=0.0, b=0.0):
    """Gradient descent on mean squared error with the derivatives written out:
    ∂L/∂w = mean 2(ŷ − y)·x, ∂L/∂b = mean 2(ŷ − y). Returns (w, b, per-epoch loss weighted by batch size)."""
    losses = []
    for _ in range(epochs):
        total = 0.0
        for batch in batches:
            errors = [(w * X[i][0] + b - Y[i], X[i][0]) for i in batch]
            total += sum(e * e for e, _ in errors)
            grad_w = sum(2 * e * x for e, x in errors) / len(batch)
            grad_b = sum(2 * e for e, _ in errors) / len(batch)
            w, b = w - lr * grad_w, b - lr * grad_b
        losses.append(total / len(X))
    return w, b, losses


@pytest.mark.parametrize(
    "batch_size, batches",
    [(None, [[0, 1, 2, 3, 4]]), (2, [[0, 1], [2, 3], [4]]), (1, [[0], [1], [2], [3], [4]])],
)
def test_fit_does_the_gradient_descent_written_out_by_hand(batch_size, batches):
    model = line()
    history = fit(
        model,
        X,
        Y,
        loss=mse_loss,
        optimizer=SGD(model.parameters(), lr=0.02),
        epochs=4,
        batch_size=batch_size,
        shuffle=False,
        progress=False,
    )
    w, b, losses = by_hand(batches, epochs=4, lr=0.02)
    assert model.w[0].data == pytest.approx(w, rel=1e-12)
    assert model.b.data == pytest.approx(b, rel=1e-12)
    assert history.loss == pytest.approx(losses, rel=1e-12)  # batch means weighted by batch size
    assert history.epochs == 4


def loss_that_turns(value, at_call):
    """mse_loss plus `value` (nan or ±inf) on its `at_call`-th call (1-based), as a diverging loss would be."""
    calls = [0]

    def loss(predictions, targets):
        calls[0] += 1
        return mse_loss(predictions, targets) + (value if calls[0] == at_call else 0.0)

    return loss


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_fit_stops_when_the_loss_is_not_finite_naming_the_epoch_and_batch(value):
    model = line()
    with pytest.raises(FloatingPointError) as caught:
        fit(model, X, Y, loss=loss_that_turns(value, 6), optimizer=SGD(model.parameters(), lr=0.02), epochs=4,
            batch_size=2, shuffle=False, progress=False)  # fmt: skip
    assert str(caught.value) == (
        f"fit: the loss is {value} at epoch 2, batch 3 of 3; stopped before its backward and step, so the "
        "parameters are those after the batch before. Try a smaller lr, clip_grad_norm=, or look for nan in the data"
    )
    w, b, losses = by_hand([[0, 1], [2, 3], [4]], epochs=1, lr=0.02)
    w, b, _ = by_hand([[0, 1], [2, 3]], epochs=1, lr=0.02, w=w, b=b)  # epoch 2's first two batches
    assert (model.w[0].data, model.b.data) == (pytest.approx(w, rel=1e-12), pytest.approx(b, rel=1e-12))
    history = caught.value.history  # the completed epoch is not lost
    assert history.epochs == 1 and history.loss == pytest.approx(losses, rel=1e-12) and history.lr == [0.02]


def test_fit_records_the_lr_of_each_epoch_and_steps_the_scheduler_once_per_epoch():
    model = line()
    optimizer = SGD(model.parameters(), lr=0.01)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    history = fit(
        model, X, Y, loss=mse_loss, optimizer=optimizer, epochs=5, batch_size=2, scheduler=scheduler, progress=False
    )
    assert history.lr == [0.01, 0.01, 0.005, 0.005, 0.0025]
    assert scheduler.last_epoch == 5  # once per epoch, not once per batch (3 batches an epoch here)


def test_fit_without_a_seed_still_covers_every_sample_and_with_a_seed_repeats_itself():
    runs = []
    for seed in (3, 3, 4):
        model = line()
        fit(model, X, Y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.01), epochs=3, batch_size=2, seed=seed,
            progress=False)  # fmt: skip
        runs.append((model.w[0].data, model.b.data))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]  # another shuffle gives other batches, so other steps


class Spy(Module):
    """ŷ = w·x, noting for every call whether it ran in training mode and whether a graph was recorded."""

    def __init__(self, w):
        self.w = Value(w)
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, autograd.is_grad_enabled()))
        return self.w * x[0]


def test_validation_runs_in_eval_mode_without_graphs():
    model = Spy(1.0)
    X_val, y_val = [[1.0], [-2.0]], [2.0, 0.0]
    history = fit(
        model,
        X,
        Y,
        loss=mse_loss,
        optimizer=SGD(model.parameters(), lr=0.0),  # lr 0: w stays 1, so the losses are known
        epochs=2,
        val=(X_val, y_val),
        progress=False,
    )
    train_calls, val_calls = (True, True), (False, False)
    assert model.calls == ([train_calls] * 5 + [val_calls] * 2) * 2
    assert model.training  # back in training mode afterwards
    assert history.val_loss == [pytest.approx(((1 - 2) ** 2 + (-2 - 0) ** 2) / 2)] * 2
    assert history.loss == [pytest.approx(sum((x[0] - t) ** 2 for x, t in zip(X, Y, strict=True)) / 5)] * 2


def test_metrics_are_recorded_for_training_and_validation():
    model = line(w=1.0)  # ŷ = x with lr 0
    X_train, y_train = [[-2.0], [-1.0], [1.0], [3.0]], [-1, 1, 1, -1]  # signs right for -2 and 1 only
    X_val, y_val = [[5.0], [-5.0], [0.5]], [1, -1, 1]  # all three right

    def share_positive(predictions, targets):
        return sum(p > 0 for p in predictions) / len(predictions)

    history = fit(
        model,
        X_train,
        y_train,
        loss=hinge_loss,
        optimizer=SGD(model.parameters(), lr=0.0),
        epochs=2,
        batch_size=3,
        val=(X_val, y_val),
        metrics=[accuracy, share_positive],
        progress=False,
    )
    assert history.metrics == {"accuracy": [0.5, 0.5], "share_positive": [0.5, 0.5]}
    assert history.val_metrics == {"accuracy": [1.0, 1.0], "share_positive": [2 / 3, 2 / 3]}
    assert "val_accuracy=1" in repr(history)


def test_metrics_may_be_a_dict_and_need_names():
    model = line(w=1.0)
    history = fit(model, [[1.0]], [1], loss=hinge_loss, optimizer=SGD(model.parameters(), lr=0.0), epochs=1,
                  metrics={"positive": lambda p, t: float(p[0] > 0)}, progress=False)  # fmt: skip
    assert history.metrics == {"positive": [1.0]}
    with pytest.raises(ValueError, match="no name"):
        fit(model, [[1.0]], [1], loss=hinge_loss, optimizer=SGD(model.parameters(), lr=0.0), epochs=1,
            metrics=[lambda p, t: 0.0], progress=False)  # fmt: skip


# --- early stopping


def diverging_run(early_stopping, epochs=20):
    """Train ŷ = w·x on y = x while validating on y = −x: from w = 0, every step makes the validation loss worse."""
    model = line()
    X_train = [[1.0], [2.0], [-1.0]]
    history = fit(
        model,
        X_train,
        [1.0, 2.0, -1.0],
        loss=mse_loss,
        optimizer=SGD(model.parameters(), lr=0.05),
        epochs=epochs,
        val=(X_train, [-1.0, -2.0, 1.0]),
        early_stopping=early_stopping,
        shuffle=False,  # the same order of summation in every run, so runs compare exactly
        progress=False,
    )
    return model, history


def test_early_stopping_stops_after_patience_and_restores_the_best_epoch():
    model, history = diverging_run(EarlyStopping(patience=3))
    assert history.stopped_early
    assert history.epochs == 4  # the best epoch (the first) and then 3 without improvement
    assert history.best_epoch == 0
    assert all(a < b for a, b in zip(history.val_loss, history.val_loss[1:], strict=False))
    after_one_epoch, _ = diverging_run(None, epochs=1)
    assert model.w[0].data == after_one_epoch.w[0].data
    assert model.b.data == after_one_epoch.b.data


def test_early_stopping_without_restore_keeps_the_last_parameters():
    model, history = diverging_run(EarlyStopping(patience=2, restore_best=False))
    assert history.epochs == 3
    after_three_epochs, _ = diverging_run(None, epochs=3)
    assert model.w[0].data == after_three_epochs.w[0].data


def test_an_int_patience_monitors_val_loss_with_validation_and_loss_without():
    _, history = diverging_run(2)
    assert history.epochs == 3 and history.stopped_early
    model = line()  # without val, the training loss keeps falling, so it never stops
    history = fit(model, X, Y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.01), epochs=10,
                  early_stopping=2, progress=False)  # fmt: skip
    assert history.epochs == 10 and not history.stopped_early and history.best_epoch == 9


def test_early_stopping_min_delta_and_mode():
    stopper = EarlyStopping(patience=2, min_delta=0.05, monitor="loss")
    assert stopper.mode == "min"
    assert [stopper.update(v, i, []) for i, v in enumerate([1.0, 0.97, 0.96])] == [False, False, True]
    assert stopper.best == 1.0  # 0.97 and 0.96 are better, but not by more than min_delta
    stopper.reset()
    assert [stopper.update(v, i, []) for i, v in enumerate([1.0, 0.97, 0.94])] == [False, False, False]
    assert (stopper.best, stopper.best_epoch) == (0.94, 2)
    stopper = EarlyStopping(patience=1, monitor="val_accuracy")
    assert stopper.mode == "max"
    assert [stopper.update(v, i, []) for i, v in enumerate([0.5, 0.75, 0.75])] == [False, False, True]


def test_early_stopping_must_monitor_something_fit_records():
    model = line()
    with pytest.raises(ValueError, match=r"val_loss.*val=\(X_val, y_val\)"):
        fit(model, X, Y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.01), epochs=2,
            early_stopping=EarlyStopping(), progress=False)  # fmt: skip
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)


# --- clipping, progress, errors


def test_clip_grad_norm_limits_each_step():
    model = line()
    fit(model, [[10.0]], [100.0], loss=mse_loss, optimizer=SGD(model.parameters(), lr=1.0), epochs=1,
        clip_grad_norm=0.5, progress=False)  # fmt: skip
    # The gradient is (∂w, ∂b) = (2·(0 − 100)·10, 2·(0 − 100)) = (−2000, −200): clipped to length 0.5, same direction.
    dw, db = model.w[0].data, model.b.data
    assert (dw**2 + db**2) ** 0.5 == pytest.approx(0.5, rel=1e-6)
    assert dw / db == pytest.approx(10.0)


def test_progress_bar_goes_to_stderr_unless_disabled(capsys):
    model = line()
    fit(model, X, Y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.01), epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss=" in err
    fit(model, X, Y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.01), epochs=3, progress=False)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"loss": lambda p, t: 0.5}, TypeError, "must return a Value"),
        ({"val": ([[1.0]],)}, ValueError, "val must be a pair"),
        ({"val": ([[1.0]], [1.0, 2.0])}, ValueError, "same length"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"early_stopping": "yes"}, ValueError, "early_stopping"),
    ],
)
def test_fit_rejects_bad_arguments(kwargs, error, message):
    model = line()
    arguments = {"loss": mse_loss, "optimizer": SGD(model.parameters(), lr=0.01), "epochs": 2, "progress": False}
    with pytest.raises(error, match=message):
        fit(model, X, Y, **{**arguments, **kwargs})


# --- History


def test_history_repr_and_epochs():
    assert repr(History()) == "History(epochs=0)"
    history = History(loss=[2.0, 1.0], lr=[0.1, 0.05], val_loss=[3.0, 2.5], metrics={"accuracy": [0.5, 0.75]})
    assert history.epochs == 2
    assert repr(history) == "History(epochs=2, loss=1, lr=0.05, val_loss=2.5, accuracy=0.75)"


def test_history_plot_draws_loss_metrics_and_lr():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    history = History(loss=[2.0, 1.0], lr=[0.1, 0.05], val_loss=[3.0, 2.5], metrics={"accuracy": [0.5, 0.75]},
                      val_metrics={"accuracy": [0.4, 0.6]})  # fmt: skip
    fig = history.plot()
    try:
        titles = [ax.get_title() for ax in fig.axes]
        assert titles == ["loss", "metrics", "learning rate"]
        loss_lines = fig.axes[0].get_lines()
        assert [list(line.get_ydata()) for line in loss_lines] == [[2.0, 1.0], [3.0, 2.5]]
        assert list(fig.axes[2].get_lines()[0].get_ydata()) == [0.1, 0.05]
    finally:
        plt.close(fig)


def test_history_plot_without_matplotlib_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'chaingrad\[notebooks\]'"):
        History(loss=[1.0], lr=[0.1]).plot()


# --- accuracy


def test_accuracy_for_scores_labels_and_classes():
    assert accuracy([2.0, -0.5, 0.1, -3.0], [1, -1, -1, 1]) == 0.5  # ±1 labels, sign of the score
    assert accuracy([2.0, -0.5, 0.1, -3.0], [1, 0, 0, 1]) == 0.5  # 0/1 labels, the same predictions
    assert accuracy([Value(0.9), Value(0.2)], [1, 0], threshold=0.5) == 1.0  # probabilities
    assert accuracy([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0], [0.0, 0.0, 1.0]], [1, 0, 0]) == pytest.approx(2 / 3)  # argmax
    with pytest.raises(ValueError, match="2 predictions for 3 targets"):
        accuracy([1.0, 2.0], [1, 1, 1])


def test_history_plot_shows_exactly_one_image_in_a_notebook(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    source = (
        "import nn\n"
        "from nn import functional as F\n"
        "from nn.optim import SGD\n"
        "nn.manual_seed(0)\n"
        "model = nn.MLP(1, [2, 1])\n"
        "X, y = [[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0]\n"
        "history = nn.fit(model, X, y, loss=F.mse_loss, optimizer=SGD(model.parameters(), lr=0.01), epochs=3,\n"
        "                 progress=False)\n"
        "history.plot()"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()  # fmt: skip
    outputs = notebook.cells[0].outputs
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, [o.get("output_type") for o in outputs]
