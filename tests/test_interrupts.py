"""Ctrl-C (and other exceptions) part-way: fit returns the History of its completed epochs, and an optimizer step,
a scheduler step or a load_state_dict is applied to every parameter or to none."""

import copy

import pytest

from autograd import Value
from nn.functional import mse_loss
from nn.module import MLP, Module, Neuron, manual_seed
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from nn.optim.lr_scheduler import LambdaLR
from nn.train import EarlyStopping, fit


class Refusing(Value):
    """A parameter whose data setter raises `error` on its `fail_at`-th assignment after construction (0 = first)."""

    __slots__ = ("sets", "fail_at", "error")

    def __init__(self, data, fail_at, error=KeyboardInterrupt):
        Value.data.__set__(self, 0.0)
        self.sets, self.fail_at, self.error = -2, fail_at, error
        super().__init__(data)  # assignment -1: Value.__init__ sets data

    @property
    def data(self):
        return Value.data.__get__(self)

    @data.setter
    def data(self, value):
        if not hasattr(self, "fail_at"):  # a node an op built from this one, as type(self).__new__: ordinary
            Value.data.__set__(self, value)
            return
        self.sets += 1
        if self.sets == self.fail_at:
            raise self.error
        Value.data.__set__(self, value)


class Row(Module):
    """17 parameters, as the issue's MLP(2, [4, 1]); the one at `refusing` (if any) is a Refusing."""

    def __init__(self, refusing=None, fail_at=0):
        self.p = [Value(0.1 * i - 0.8) for i in range(17)]
        if refusing is not None:
            self.p[refusing] = Refusing(self.p[refusing].data, fail_at)

    def forward(self, x):
        return sum((p * (x + i)) ** 2 for i, p in enumerate(self.p))


def set_grads(model, x=0.3):
    model.zero_grad()
    model(x).backward()


# Every optimizer, with the options that keep per-parameter state.
STEP_CONFIGS = [
    (SGD, dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (Adagrad, dict(lr=0.1, lr_decay=0.1, weight_decay=0.2)),
    (RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
    (Adam, dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    (AdamW, dict(lr=0.05, weight_decay=0.5)),
]


def _ids(v):
    return v.__name__ if isinstance(v, type) else ""


@pytest.mark.parametrize(("cls", "kwargs"), STEP_CONFIGS, ids=_ids)
@pytest.mark.parametrize("fail_at", [4, 16])
def test_an_interrupt_in_an_update_rule_leaves_every_parameter_and_its_state_as_before(
    cls, kwargs, fail_at, monkeypatch
):
    model, twin = Row(), Row()
    opt, twin_opt = cls(model.parameters(), **kwargs), cls(twin.parameters(), **kwargs)
    for m, o in ((model, opt), (twin, twin_opt)):  # a first step, so that there is state to keep
        set_grads(m)
        o.step()
        set_grads(m, x=-0.7)
    before, state_before = model.state_dict(), copy.deepcopy(opt.state_dict())
    calls, update = [0], cls.update

    def interrupted(self, *args):
        calls[0] += 1
        if calls[0] > fail_at:
            raise KeyboardInterrupt
        return update(self, *args)

    monkeypatch.setattr(cls, "update", interrupted)
    with pytest.raises(KeyboardInterrupt):
        opt.step()
    monkeypatch.undo()
    assert model.state_dict() == before  # it used to leave the first `fail_at` parameters stepped
    assert opt.state_dict() == state_before
    opt.step()  # tried again, the step is exactly the one never interrupted
    twin_opt.step()
    assert model.state_dict() == twin.state_dict() and opt.state_dict() == twin_opt.state_dict()


@pytest.mark.parametrize(("cls", "kwargs"), STEP_CONFIGS, ids=_ids)
@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError("disk on fire")], ids=["Ctrl-C", "error"])
def test_an_interrupt_while_writing_the_new_values_puts_every_parameter_back(cls, kwargs, error):
    model, twin = Row(refusing=8, fail_at=1), Row()  # the first step writes it; the second step's write fails
    opt, twin_opt = cls(model.parameters(), **kwargs), cls(twin.parameters(), **kwargs)
    for m, o in ((model, opt), (twin, twin_opt)):
        set_grads(m)
        o.step()
        set_grads(m, x=-0.7)
    model.p[8].error = error
    before, state_before = model.state_dict(), copy.deepcopy(opt.state_dict())
    with pytest.raises(type(error) if isinstance(error, Exception) else error):
        opt.step()
    assert model.state_dict() == before and opt.state_dict() == state_before
    opt.step()
    twin_opt.step()
    assert model.state_dict() == twin.state_dict()


def test_a_duplicated_parameter_is_still_stepped_twice():
    x, y = Value(1.0), Value(1.0)
    with pytest.warns(UserWarning, match="duplicate"):
        opt = SGD([x, x], lr=0.1, momentum=0.5)
    twin = SGD([y], lr=0.1, momentum=0.5)
    x.grad = y.grad = 2.0
    opt.step()
    twin.step()
    twin.step()
    assert x.data == y.data and opt.state[x] == twin.state[y]


def test_a_scheduler_step_that_fails_changes_no_lr_and_no_epoch():
    opt = SGD([{"params": [Value(1.0)]}, {"params": [Value(2.0)], "lr": 0.5}], lr=0.1)

    def second(epoch):
        if epoch == 2:
            raise KeyboardInterrupt
        return 0.5**epoch

    scheduler = LambdaLR(opt, [lambda epoch: 0.9**epoch, second])
    scheduler.step()
    with pytest.raises(KeyboardInterrupt):
        scheduler.step()
    assert scheduler.last_epoch == 1  # it used to count the epoch that failed
    assert [g["lr"] for g in opt.param_groups] == scheduler.get_last_lr() == [0.1 * 0.9, 0.5 * 0.5]


def test_an_interrupt_during_load_state_dict_puts_every_parameter_back():
    model = Row(refusing=1, fail_at=0)
    before = model.state_dict()
    with pytest.raises(KeyboardInterrupt):
        model.load_state_dict({name: 5.0 for name in before})
    assert model.state_dict() == before


# --- fit

X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, -0.5], [-1.0, 0.25]]
Y = [1.0, -1.0, 0.5, 0.0, 2.0]


def _model():
    manual_seed(5)
    return MLP(2, [3, 1], activation="tanh")


def _fit(model, epochs, **kwargs):
    kwargs = dict(loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.05, momentum=0.5), batch_size=2) | kwargs
    return fit(model, X, Y, epochs=epochs, shuffle=False, progress=False, **kwargs)


def interrupting(at_call, error=KeyboardInterrupt):
    """mse_loss that raises `error` on its `at_call`-th call (1-based): fit calls it once per batch (3 an epoch
    here), and once more per epoch to validate."""
    calls = [0]

    def loss(predictions, targets):
        calls[0] += 1
        if calls[0] == at_call:
            raise error
        return mse_loss(predictions, targets)

    return loss


# With val, fit calls the loss 4 times an epoch: 3 batches, then validation. So: epoch 1 batch 1, epoch 2's
# validation, epoch 3 batch 3.
@pytest.mark.parametrize("at_call", [1, 8, 11])
def test_ctrl_c_in_fit_returns_the_history_of_the_completed_epochs(capsys, at_call):
    whole = _fit(_model(), 4, metrics={"zero": lambda p, t: 0.0}, val=(X[:2], Y[:2]))
    model = _model()
    history = _fit(model, 4, loss=interrupting(at_call), metrics={"zero": lambda p, t: 0.0}, val=(X[:2], Y[:2]))
    done = (at_call - 1) // 4
    assert history.interrupted and history.epochs == done
    assert history.loss == whole.loss[:done] and history.val_loss == whole.val_loss[:done]
    assert history.lr == whole.lr[:done] and history.metrics == {"zero": [0.0] * done}
    assert history.val_metrics == {"zero": [0.0] * done}
    assert "interrupted=True" in repr(history)
    assert capsys.readouterr().err == f"fit: interrupted after epoch {done} of 4; returning the History so far\n"
    assert model.training  # an interrupt during validation still ends in training mode


def test_after_ctrl_c_the_model_holds_every_whole_step_taken():
    model, twin = _model(), _model()
    optimizer = SGD(twin.parameters(), lr=0.05)
    _fit(model, 3, loss=interrupting(8), optimizer=SGD(model.parameters(), lr=0.05))  # epoch 3, batch 2
    _fit(twin, 2, optimizer=optimizer)
    fit(twin, X[:2], Y[:2], loss=mse_loss, optimizer=optimizer, epochs=1, progress=False)  # epoch 3, batch 1
    assert model.state_dict() == twin.state_dict()


def test_ctrl_c_inside_the_optimizer_step_leaves_no_half_step(monkeypatch):
    model, twin = _model(), _model()
    calls, update = [0], SGD.update

    def interrupted(self, *args):
        calls[0] += 1
        if calls[0] == 13 * 4 + 5:  # the 5th of 13 parameters in the 5th step: epoch 2, batch 2
            raise KeyboardInterrupt
        return update(self, *args)

    monkeypatch.setattr(SGD, "update", interrupted)
    history = _fit(model, 3, optimizer=SGD(model.parameters(), lr=0.05))
    monkeypatch.undo()
    assert history.interrupted and history.epochs == 1
    optimizer = SGD(twin.parameters(), lr=0.05)
    _fit(twin, 1, optimizer=optimizer)
    fit(twin, X[:2], Y[:2], loss=mse_loss, optimizer=optimizer, epochs=1, progress=False)  # epoch 2, batch 1 only
    assert model.state_dict() == twin.state_dict()


def test_ctrl_c_with_early_stopping_restores_the_best_epoch():
    model = _model()  # lr 0.6 diverges: the first epoch is the best
    stopper = EarlyStopping(patience=5, monitor="loss")
    history = _fit(model, 6, optimizer=SGD(model.parameters(), lr=0.6), loss=interrupting(13), early_stopping=stopper)
    assert history.interrupted and history.epochs == 4 and history.best_epoch == 0
    assert history.loss[0] < min(history.loss[1:])
    best = _model()
    _fit(best, 1, optimizer=SGD(best.parameters(), lr=0.6))
    assert model.state_dict() == best.state_dict()


def test_another_exception_in_fit_carries_the_history_of_the_completed_epochs():
    with pytest.raises(RuntimeError, match="out of coffee") as caught:
        _fit(_model(), 4, loss=interrupting(7, RuntimeError("out of coffee")))
    history = caught.value.history
    assert history.epochs == 2 and not history.interrupted
    assert history.loss == _fit(_model(), 2).loss and len(history.lr) == 2


def test_a_neuron_fit_interrupted_before_the_first_epoch_returns_an_empty_history(capsys):
    history = _fit(Neuron(2), 2, loss=interrupting(1))
    assert history.epochs == 0 and history.lr == [] and history.interrupted
    assert "interrupted after epoch 0 of 2" in capsys.readouterr().err
