"""nn.optim.lr_scheduler: each schedule's lr sequence against torch's, driving an optimizer with two param groups."""

import math

import pytest

from autograd import Value
from nn.optim import SGD
from nn.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, StepLR

EPOCHS = 40
LRS = (0.1, 0.02)  # the two param groups' base learning rates


def decay(epoch):
    return 1 / (1 + 0.3 * epoch)


def wiggle(epoch):
    return 0.5 + 0.5 * math.cos(epoch / 3)


# (class name, kwargs): 40 epochs run past every step_size, T_max and total_iters below.
SCHEDULES = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("StepLR", dict(step_size=3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=12, eta_min=0.005)),
    ("LambdaLR", dict(lr_lambda=decay)),
    ("LambdaLR", dict(lr_lambda=[decay, wiggle])),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.25, total_iters=8)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=30)),
]
OURS = {cls.__name__: cls for cls in (StepLR, ExponentialLR, CosineAnnealingLR, LambdaLR, LinearLR)}


def ids(config):
    name, kwargs = config

    def show(v):
        return "[" + ", ".join(map(show, v)) + "]" if isinstance(v, list) else getattr(v, "__name__", repr(v))

    return f"{name}({', '.join(f'{k}={show(v)}' for k, v in kwargs.items())})"


def loss_fn(x, y):
    return (x - 1) ** 2 + (x * y - 2) ** 2


def train(optim, make_param, name, kwargs):
    """Epoch by epoch: optimizer step, then scheduler step. Returns the lrs seen (from epoch 0) and the parameters."""
    x, y = make_param(0.5), make_param(-0.5)
    opt = optim.SGD([{"params": [x], "lr": LRS[0]}, {"params": [y], "lr": LRS[1]}], momentum=0.5)
    scheduler = getattr(optim.lr_scheduler, name)(opt, **kwargs)
    lrs = [scheduler.get_last_lr()]
    for _ in range(EPOCHS):
        opt.zero_grad()
        loss_fn(x, y).backward()
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        assert lrs[-1] == [group["lr"] for group in opt.param_groups]
    return lrs, [float(x.data), float(y.data)], scheduler


@pytest.mark.parametrize("config", SCHEDULES, ids=ids)
def test_same_lr_sequence_and_parameters_as_torch(config):
    torch = pytest.importorskip("torch")
    import nn.optim

    lrs, params, scheduler = train(nn.optim, Value, *config)
    torch_lrs, torch_params, torch_scheduler = train(
        torch.optim, lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True), *config
    )
    assert len(lrs) == EPOCHS + 1
    for epoch, (ours, theirs) in enumerate(zip(lrs, torch_lrs, strict=True)):
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15), f"epoch {epoch}"
    assert params == pytest.approx(torch_params, abs=1e-9, rel=0)
    assert scheduler.last_epoch == torch_scheduler.last_epoch == EPOCHS
    assert scheduler.base_lrs == torch_scheduler.base_lrs == list(LRS)
    assert len({tuple(lr) for lr in lrs}) > 1  # the schedule changed the lr


def test_construction_applies_epoch_zero_and_stores_initial_lr():
    opt = SGD([Value(1.0)], lr=0.3)
    scheduler = LinearLR(opt, start_factor=0.5)
    assert scheduler.last_epoch == 0
    assert opt.param_groups[0]["initial_lr"] == 0.3
    assert opt.param_groups[0]["lr"] == scheduler.get_last_lr()[0] == 0.15


def test_micrograd_demo_schedule():
    # micrograd's demo: learning_rate = 1.0 - 0.9 * k / 100 for k in range(100).
    opt = SGD([Value(1.0)], lr=1.0)
    scheduler = LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)
    for k in range(100):
        assert opt.param_groups[0]["lr"] == pytest.approx(1.0 - 0.9 * k / 100, abs=1e-15)
        scheduler.step()
    assert scheduler.get_last_lr() == pytest.approx([0.1], abs=1e-15)


def test_cosine_reaches_eta_min_at_t_max_and_comes_back():
    opt = SGD([Value(1.0)], lr=0.1)
    scheduler = CosineAnnealingLR(opt, T_max=4, eta_min=0.01)
    seen = [scheduler.get_last_lr()[0]]
    for _ in range(8):
        scheduler.step()
        seen.append(scheduler.get_last_lr()[0])
    assert seen[0] == 0.1
    assert seen[2] == pytest.approx(0.055, abs=1e-15)
    assert seen[4] == pytest.approx(0.01, abs=1e-15)
    assert seen[8] == pytest.approx(0.1, abs=1e-15)


def test_get_last_lr_is_a_copy():
    opt = SGD([Value(1.0)], lr=0.1)
    scheduler = StepLR(opt, step_size=2)
    scheduler.get_last_lr()[0] = 5.0
    assert scheduler.get_last_lr() == [0.1]


def test_a_second_scheduler_starts_from_initial_lr():
    opt = SGD([Value(1.0)], lr=0.1)
    ExponentialLR(opt, gamma=0.5).step()
    assert opt.param_groups[0]["lr"] == 0.05
    assert StepLR(opt, step_size=1, gamma=0.1).base_lrs == [0.1]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda opt: LinearLR(opt, start_factor=0), ValueError, "Starting multiplicative factor"),
        (lambda opt: LinearLR(opt, start_factor=1.5), ValueError, "Starting multiplicative factor"),
        (lambda opt: LinearLR(opt, end_factor=1.5), ValueError, "Ending multiplicative factor"),
        (lambda opt: LinearLR(opt, end_factor=-0.1), ValueError, "Ending multiplicative factor"),
        (lambda opt: LinearLR(opt, total_iters=0), ValueError, "total_iters must be > 0"),
        (lambda opt: StepLR(opt, step_size=0), ValueError, "step_size must be > 0"),
        (lambda opt: CosineAnnealingLR(opt, T_max=0), ValueError, "T_max must be > 0"),
        (lambda opt: LambdaLR(opt, [decay, decay]), ValueError, "Expected 1 lr_lambdas, but got 2"),
        (lambda opt: StepLR([Value(1.0)], step_size=1), TypeError, "list is not an Optimizer"),
        # accepted before, and failing or training on nonsense at the first step:
        (lambda opt: LinearLR(opt, start_factor=math.nan), ValueError, "Starting multiplicative factor"),
        (lambda opt: LinearLR(opt, end_factor="1"), ValueError, "Ending multiplicative factor"),
        (lambda opt: LinearLR(opt, total_iters=2.5), ValueError, r"total_iters must be > 0 \(a whole number"),
        (lambda opt: StepLR(opt, step_size=0.5), ValueError, r"StepLR: step_size must be > 0 \(a whole number of "
         r"epochs\), got 0\.5"),
        (lambda opt: StepLR(opt, step_size=2, gamma=-0.5), ValueError, "StepLR: gamma must be a number >= 0, got -0.5"),
        (lambda opt: ExponentialLR(opt, gamma=math.inf), ValueError, "ExponentialLR: gamma must be a number >= 0, "
         "got inf"),
        (lambda opt: ExponentialLR(opt, gamma="0.9"), ValueError, "ExponentialLR: gamma must be a number >= 0"),
        (lambda opt: CosineAnnealingLR(opt, T_max=math.nan), ValueError, "CosineAnnealingLR: T_max must be > 0"),
        (lambda opt: CosineAnnealingLR(opt, T_max=10, eta_min=-1), ValueError, "eta_min must be a number >= 0"),
        (lambda opt: LambdaLR(opt, 0.5), TypeError, "LambdaLR: lr_lambda must be a function of the epoch"),
        (lambda opt: LambdaLR(opt, lambda k: "fast"), ValueError, r"LambdaLR: lr_lambda\(0\) returned 'fast', "
         "not a number"),
    ],
)
def test_invalid_arguments_raise(make, error, message):
    with pytest.raises(error, match=message):
        make(SGD([Value(1.0)], lr=0.1))
