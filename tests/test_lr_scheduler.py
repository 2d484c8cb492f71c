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


def make_run(optim, params, name, kwargs):
    """SGD with momentum over two param groups, (x,) and (y,), and the schedule `name`."""
    x, y = params
    opt = optim.SGD([{"params": [x], "lr": LRS[0]}, {"params": [y], "lr": LRS[1]}], momentum=0.5)
    return opt, getattr(optim.lr_scheduler, name)(opt, **kwargs)


def train(optim, make_param, name, kwargs):
    """Epoch by epoch: optimizer step, then scheduler step. Returns the lrs seen (from epoch 0) and the parameters."""
    x, y = make_param(0.5), make_param(-0.5)
    opt, scheduler = make_run(optim, (x, y), name, kwargs)
    lrs = [scheduler.get_last_lr()]
    for _ in range(EPOCHS):
        opt.zero_grad()
        loss_fn(x, y).backward()
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        assert lrs[-1] == [group["lr"] for group in opt.param_groups]
    return lrs, [float(x.data), float(y.data)], scheduler


def torch_param(torch):
    return lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)


def assert_same_lrs(ours, theirs):
    assert len(ours) == len(theirs)
    for epoch, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"epoch {epoch}"


@pytest.mark.parametrize("config", SCHEDULES, ids=ids)
def test_same_lr_sequence_and_parameters_as_torch(config):
    torch = pytest.importorskip("torch")
    import nn.optim

    lrs, params, scheduler = train(nn.optim, Value, *config)
    torch_lrs, torch_params, torch_scheduler = train(torch.optim, torch_param(torch), *config)
    assert len(lrs) == EPOCHS + 1
    assert_same_lrs(lrs, torch_lrs)
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


# --- state_dict: stopping and resuming a run gives the same learning rates


class Warmup:
    """A callable lr_lambda with state of its own, which state_dict saves (as torch saves a callable's __dict__)."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)

    def __repr__(self):
        return f"Warmup({self.epochs})"


RESUMABLE = [*SCHEDULES, ("LambdaLR", dict(lr_lambda=Warmup(15)))]


def run_steps(params, opt, scheduler, steps):
    """The lrs each optimizer step used, for `steps` epochs."""
    used = []
    for _ in range(steps):
        used.append([group["lr"] for group in opt.param_groups])
        opt.zero_grad()
        loss_fn(*params).backward()
        opt.step()
        scheduler.step()
    return used


def resumed_run(optim, make_param, name, kwargs):
    """10 epochs, save both state dicts, a new optimizer and scheduler load them, 10 more epochs."""
    params = make_param(0.5), make_param(-0.5)
    opt, scheduler = make_run(optim, params, name, kwargs)
    used = run_steps(params, opt, scheduler, 10)
    saved_opt, saved_scheduler = opt.state_dict(), scheduler.state_dict()
    assert "optimizer" not in saved_scheduler
    if name == "LambdaLR" and isinstance(kwargs["lr_lambda"], Warmup):
        kwargs = dict(lr_lambda=Warmup(3))  # a fresh object whose saved state (epochs=15) the load restores
    opt, scheduler = make_run(optim, params, name, kwargs)  # a new optimizer over the same parameters
    opt.load_state_dict(saved_opt)
    scheduler.load_state_dict(saved_scheduler)
    used += run_steps(params, opt, scheduler, 10)
    return used, [p.item() for p in params], scheduler


@pytest.mark.parametrize("config", RESUMABLE, ids=ids)
def test_resuming_from_state_dict_gives_the_uninterrupted_lrs(config):
    import nn.optim

    params = Value(0.5), Value(-0.5)
    opt, scheduler = make_run(nn.optim, params, *config)
    uninterrupted = run_steps(params, opt, scheduler, 20)
    resumed, resumed_params, resumed_scheduler = resumed_run(nn.optim, Value, *config)
    assert resumed == uninterrupted
    assert resumed_params == [p.data for p in params]  # the momentum buffers came back too
    assert resumed_scheduler.last_epoch == scheduler.last_epoch == 20
    assert resumed_scheduler.get_last_lr() == scheduler.get_last_lr()
    assert len({tuple(lr) for lr in uninterrupted}) > 1  # the schedule changed the lr


@pytest.mark.parametrize("config", RESUMABLE, ids=ids)
def test_resumed_lrs_match_torchs_resumed_lrs(config):
    torch = pytest.importorskip("torch")
    import nn.optim

    ours, params, _ = resumed_run(nn.optim, Value, *config)
    theirs, torch_params, _ = resumed_run(torch.optim, torch_param(torch), *config)
    assert len(ours) == 20
    assert_same_lrs(ours, theirs)
    assert params == pytest.approx(torch_params, abs=1e-9, rel=0)


def test_state_dict_is_a_snapshot():
    opt = SGD([Value(1.0)], lr=0.1)
    scheduler = StepLR(opt, step_size=2, gamma=0.5)
    saved = scheduler.state_dict()
    for _ in range(4):
        scheduler.step()
    assert saved["last_epoch"] == 0
    assert saved["_last_lr"] == [0.1]
    assert scheduler.state_dict()["last_epoch"] == 4


def test_lambda_lr_state_dict_saves_callable_objects_not_functions():
    opt = SGD([{"params": [Value(1.0)]}, {"params": [Value(2.0)]}], lr=0.1)
    saved = LambdaLR(opt, [decay, Warmup(7)]).state_dict()
    assert saved["lr_lambdas"] == [None, {"epochs": 7}]
    torch = pytest.importorskip("torch")
    torch_opt = torch.optim.SGD([{"params": [torch.zeros(1)]}, {"params": [torch.zeros(1)]}], lr=0.1)
    torch_saved = torch.optim.lr_scheduler.LambdaLR(torch_opt, [decay, Warmup(7)]).state_dict()
    assert torch_saved["lr_lambdas"] == saved["lr_lambdas"]


def test_load_state_dict_refuses_another_schedulers_state():
    opt = SGD([Value(1.0)], lr=0.1)
    saved = StepLR(opt, step_size=2).state_dict()
    with pytest.raises(ValueError, match=r"ExponentialLR.load_state_dict: unexpected keys \['step_size'\]; was the"):
        ExponentialLR(opt, gamma=0.5).load_state_dict(saved)
    with pytest.raises(TypeError, match="load_state_dict needs the dict state_dict\\(\\) returned, got list"):
        StepLR(opt, step_size=2).load_state_dict([1, 2])
    with pytest.raises(ValueError, match=r"unexpected keys \['optimizer'\]"):
        StepLR(opt, step_size=2).load_state_dict({"optimizer": None})
