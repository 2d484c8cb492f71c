"""nn.optim: every optimizer and option against torch.optim on one tiny problem, param groups, state and errors."""

import functools
import math
import re
import warnings

import pytest

from autograd import Value
from nn.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

INIT = (-1.2, 1.0, 0.4)
STEPS = 30


def loss_fn(x, y, z):
    """A small non-convex loss (a Rosenbrock valley plus a coupling term); works on Values and on torch tensors."""
    return (1 - x) ** 2 + 3 * (y - x**2) ** 2 + (x * z + y - 0.5) ** 2


# (class name, kwargs): every option, and a few combinations, of every optimizer. With maximize, the objective is
# -loss (so that ascent stays bounded); an optimizer that ignored maximize would run away instead.
CONFIGS = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9)),
    ("SGD", dict(lr=0.01, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.01, weight_decay=0.3)),
    ("SGD", dict(lr=0.01, maximize=True)),
    ("SGD", dict(lr=0.01, momentum=0.8, nesterov=True, weight_decay=0.3, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.2)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.3)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, eps=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.2, initial_accumulator_value=0.3, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.8)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.7)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.3)),
    ("RMSprop", dict(lr=0.01, eps=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99))),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.3)),
    ("Adam", dict(lr=0.05, eps=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.5, 0.9), weight_decay=0.2, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.5)),
    ("AdamW", dict(lr=0.05, weight_decay=0.5, amsgrad=True)),
    ("AdamW", dict(lr=0.05, betas=(0.7, 0.95), weight_decay=0.2, maximize=True)),
]
OURS = {"SGD": SGD, "Adagrad": Adagrad, "RMSprop": RMSprop, "Adam": Adam, "AdamW": AdamW}


def ids(config):
    name, kwargs = config
    return f"{name}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"


def run_ours(name, kwargs):
    params = [Value(v) for v in INIT]
    sign = -1 if kwargs.get("maximize") else 1
    opt = OURS[name](params, **kwargs)
    for _ in range(STEPS):
        opt.zero_grad()
        (sign * loss_fn(*params)).backward()
        opt.step()
    return [p.data for p in params]


def run_torch(name, kwargs, sign=None):
    return list(_run_torch(name, tuple(kwargs.items()), sign or (-1 if kwargs.get("maximize") else 1)))


@functools.cache
def _run_torch(name, items, sign):
    import torch

    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in INIT]
    opt = getattr(torch.optim, name)(params, foreach=False, **dict(items))
    for _ in range(STEPS):
        opt.zero_grad()
        (sign * loss_fn(*params)).backward()
        opt.step()
    return tuple(p.item() for p in params)


@pytest.mark.parametrize("config", CONFIGS, ids=ids)
def test_same_parameters_as_torch(config):
    pytest.importorskip("torch")
    ours, theirs = run_ours(*config), run_torch(*config)
    assert ours == pytest.approx(theirs, abs=1e-9, rel=0)
    assert all(math.isfinite(v) for v in ours)
    assert ours != pytest.approx(list(INIT), abs=1e-3)  # the parameters moved


@pytest.mark.parametrize("config", [c for c in CONFIGS if len(c[1]) > 1], ids=ids)
def test_each_option_changes_the_trajectory(config):
    """Guards the parity test: on this problem every option matters, so an optimizer ignoring it would fail."""
    pytest.importorskip("torch")
    name, kwargs = config
    plain = run_torch(name, {"lr": kwargs["lr"]}, sign=-1 if kwargs.get("maximize") else 1)
    assert run_torch(*config) != pytest.approx(plain, abs=1e-6)


def test_sgd_step_by_hand():
    # One step: x ← x − lr·(∂f/∂x + λx) for f = x², x = 3: 3 − 0.1·(6 + 0.5·3) = 2.25.
    x = Value(3.0)
    opt = SGD([x], lr=0.1, weight_decay=0.5)
    (x * x).backward()
    opt.step()
    assert x.data == pytest.approx(2.25, abs=1e-15)


def test_defaults_match_torch():
    torch = pytest.importorskip("torch")
    for name, cls in OURS.items():
        ours = cls([Value(1.0)]).defaults
        theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
        for key, value in ours.items():
            assert theirs[key] == value, (name, key)


# Two param groups per optimizer, each overriding some of the defaults (lr=0.01): x in the first, y and z in the second.
GROUPS = [
    ("SGD", [{"lr": 0.05}, {"momentum": 0.5, "nesterov": True}]),
    ("RMSprop", [{"lr": 0.05, "centered": True}, {"momentum": 0.5}]),
    ("Adam", [{"lr": 0.05, "betas": (0.8, 0.9)}, {"amsgrad": True}]),
]


@pytest.mark.parametrize(("name", "overrides"), GROUPS, ids=[name for name, _ in GROUPS])
def test_param_groups_with_their_own_hyperparameters_match_torch(name, overrides):
    torch = pytest.importorskip("torch")
    params = [Value(v) for v in INIT]
    tparams = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in INIT]
    opt = OURS[name]([{"params": params[:1], **overrides[0]}, {"params": params[1:], **overrides[1]}], lr=0.01)
    topt = getattr(torch.optim, name)(
        [{"params": tparams[:1], **overrides[0]}, {"params": tparams[1:], **overrides[1]}], lr=0.01, foreach=False
    )
    for _ in range(STEPS):
        for p, o in ((params, opt), (tparams, topt)):
            o.zero_grad()
            loss_fn(*p).backward()
            o.step()
    assert [p.data for p in params] == pytest.approx([p.item() for p in tparams], abs=1e-9, rel=0)
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.01]


def test_param_groups_hold_every_hyperparameter():
    x, y = Value(1.0), Value(2.0)
    opt = SGD([{"params": [x], "lr": 0.5}, {"params": y}], lr=0.1, momentum=0.9)
    rest = {"momentum": 0.9, "dampening": 0, "nesterov": False, "weight_decay": 0, "maximize": False}
    assert opt.param_groups == [{"params": [x], "lr": 0.5, **rest}, {"params": [y], "lr": 0.1, **rest}]


def test_add_param_group():
    x, y = Value(1.0), Value(2.0)
    opt = Adam([x], lr=0.1)
    opt.add_param_group({"params": [y], "lr": 0.2})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.2]
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)


def test_state_is_created_on_the_first_step():
    x = Value(1.0)
    opt = Adam([x], amsgrad=True)
    assert opt.state == {}
    (x * x).backward()
    opt.step()
    assert set(opt.state[x]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert opt.state[x]["step"] == 1


def test_zero_grad_sets_grads_to_zero():
    x, y = Value(1.0), Value(2.0)
    (x * y).backward()
    opt = SGD([x, y], lr=0.1)
    opt.zero_grad()
    assert (x.grad, y.grad) == (0.0, 0.0)
    assert type(x.grad) is float


def test_a_zero_grad_still_moves_a_parameter_under_weight_decay():
    # torch skips parameters whose grad is None; a Value's grad is always a float, so every parameter is updated.
    x = Value(1.0)
    SGD([x], lr=0.1, weight_decay=0.1).step()
    assert x.data == pytest.approx(0.99, abs=1e-15)


def test_step_calls_the_closure_and_returns_its_loss():
    x = Value(3.0)
    opt = SGD([x], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = x * x
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.data == 9.0
    assert x.data == pytest.approx(2.4, abs=1e-15)


def test_state_dict_round_trip_continues_the_same_trajectory():
    a = [Value(v) for v in INIT]
    opt_a = Adam(a, lr=0.05, amsgrad=True)
    for _ in range(10):
        opt_a.zero_grad()
        loss_fn(*a).backward()
        opt_a.step()
    b = [Value(p.data) for p in a]
    opt_b = Adam(b, lr=0.5)
    opt_b.load_state_dict(opt_a.state_dict())
    assert opt_b.param_groups[0]["lr"] == 0.05
    for params, opt in ((a, opt_a), (b, opt_b)):
        for _ in range(10):
            opt.zero_grad()
            loss_fn(*params).backward()
            opt.step()
    assert [p.data for p in b] == [p.data for p in a]


def test_load_state_dict_of_another_shape_raises():
    opt = SGD([Value(1.0), Value(2.0)], lr=0.1)
    with pytest.raises(ValueError, match="sizes"):
        opt.load_state_dict(SGD([Value(1.0)], lr=0.1).state_dict())


def test_repr_lists_the_groups():
    text = repr(SGD([Value(1.0)], lr=0.1))
    assert text.startswith("SGD (\nParameter Group 0\n")
    assert "    lr: 0.1\n" in text


INVALID = [
    (SGD, dict(lr=-1), "Invalid learning rate: -1"),
    (SGD, dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    (SGD, dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (SGD, dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov momentum requires a momentum and zero dampening"),
    (Adagrad, dict(lr=-1), "Invalid learning rate: -1"),
    (Adagrad, dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    (Adagrad, dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (Adagrad, dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    (Adagrad, dict(eps=-1), "Invalid epsilon value: -1"),
    (RMSprop, dict(lr=-1), "Invalid learning rate: -1"),
    (RMSprop, dict(eps=-1), "Invalid epsilon value: -1"),
    (RMSprop, dict(momentum=-1), "Invalid momentum value: -1"),
    (RMSprop, dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (RMSprop, dict(alpha=-1), "Invalid alpha value: -1"),
    (Adam, dict(lr=-1), "Invalid learning rate: -1"),
    (Adam, dict(eps=-1), "Invalid epsilon value: -1"),
    (Adam, dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (Adam, dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (Adam, dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (AdamW, dict(lr=-1), "Invalid learning rate: -1"),
    (AdamW, dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    (AdamW, dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
]


# torch 2.13's SGD lets a NaN lr through (`if lr < 0.0`); ours checks `not lr >= 0`.
@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [*INVALID, (SGD, dict(lr=float("nan")), "Invalid learning rate: nan")],
    ids=lambda v: str(v) if isinstance(v, dict) else None,
)
def test_invalid_hyperparameters_raise_value_error(cls, kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        cls([Value(1.0)], **kwargs)
    # ...in a param group too (torch checks only the constructor's arguments).
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        cls([{"params": [Value(1.0)], **kwargs}])


@pytest.mark.parametrize(("cls", "kwargs", "message"), INVALID, ids=lambda v: str(v) if isinstance(v, dict) else None)
def test_invalid_hyperparameter_messages_match_torch(cls, kwargs, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        getattr(torch.optim, cls.__name__)([torch.zeros(1, requires_grad=True)], **kwargs)


# What torch accepts and then fails on at the first step (RMSprop's alpha=2 takes √ of a negative number, one
# beta can't be unpacked), or trains on silently (an infinite lr, a string flag that is always true).
INVALID_BEYOND_TORCH = [
    (RMSprop, dict(alpha=2), "Invalid alpha value: 2 (alpha smooths the mean of g²: use 0 <= alpha <= 1)"),
    (Adam, dict(betas=(0.9,)), "Invalid betas: (0.9,); pass two, betas=(beta1, beta2), such as (0.9, 0.999)"),
    (AdamW, dict(betas=0.9), "Invalid betas: 0.9; pass two, betas=(beta1, beta2), such as (0.9, 0.999)"),
    (Adam, dict(betas=(0.9, 0.99, 0.999)), "Invalid betas: (0.9, 0.99, 0.999); pass two, betas=(beta1, beta2), "
     "such as (0.9, 0.999)"),
    (Adam, dict(betas=(0.9, "0.999")), "Invalid beta parameter at index 1: '0.999'"),
    (Adam, dict(betas=(math.nan, 0.999)), "Invalid beta parameter at index 0: nan"),
    (SGD, dict(lr="0.1"), "Invalid learning rate: '0.1'"),
    (SGD, dict(lr=math.inf), "Invalid learning rate: inf"),
    (Adam, dict(lr=None), "Invalid learning rate: None"),
    (Adagrad, dict(eps=math.inf), "Invalid epsilon value: inf"),
    (RMSprop, dict(momentum=True), "Invalid momentum value: True"),
    (SGD, dict(dampening=math.nan), "Invalid dampening value: nan"),
    (SGD, dict(nesterov="yes", momentum=0.9), "Invalid nesterov value: 'yes'; use True or False"),
    (RMSprop, dict(centered=None), "Invalid centered value: None; use True or False"),
    (Adam, dict(amsgrad=2), "Invalid amsgrad value: 2; use True or False"),
    (Adagrad, dict(maximize="no"), "Invalid maximize value: 'no'; use True or False"),
]


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"), INVALID_BEYOND_TORCH, ids=lambda v: str(v) if isinstance(v, dict) else None
)
def test_every_hyperparameter_is_checked_when_the_optimizer_is_made(cls, kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        cls([Value(1.0)], **kwargs)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        cls([{"params": [Value(1.0)], **kwargs}])  # in a param group too


def test_the_edges_of_each_range_are_accepted():
    x = Value(1.0)
    assert RMSprop([x], alpha=1.0).param_groups[0]["alpha"] == 1.0
    assert RMSprop([x], alpha=0).param_groups[0]["alpha"] == 0
    assert Adam([x], betas=[0.0, 0.5]).param_groups[0]["betas"] == (0.0, 0.5)  # a list is kept as torch's tuple
    assert SGD([x], lr=0, nesterov=1, momentum=0.5).param_groups[0]["nesterov"] == 1


@pytest.mark.parametrize("cls", list(OURS.values()))
def test_passing_the_model_says_to_pass_its_parameters(cls):
    from nn.module import MLP

    name = cls.__name__
    message = f"{name} got the MLP itself; pass its parameters: {name}(model.parameters(), ...)"
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        cls(MLP(2, [1]))


def test_params_that_are_not_a_collection_raise_type_error():
    for params, name in ((0.1, "float"), ("abc", "str"), (None, "NoneType")):
        with pytest.raises(TypeError, match=f"^params must be an iterable of Values or of dicts, got a {name}$"):
            SGD(params, lr=0.1)
    with pytest.raises(TypeError, match=re.escape("param_group must have a 'params' entry: {'params': [...], 'lr'")):
        SGD([{"lr": 0.1}])


@pytest.mark.parametrize("cls", list(OURS.values()))
def test_empty_parameter_list_raises(cls):
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([])
    with pytest.raises(ValueError, match="empty parameter list"):
        cls(iter([]))


def test_bad_params_raise():
    x = Value(1.0)
    with pytest.raises(TypeError, match="iterable of Values"):
        SGD(x, lr=0.1)
    with pytest.raises(TypeError, match="only optimize Values, but one of the params is a float"):
        SGD([x, 2.0], lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        SGD([{"params": {x}}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf Value"):
        SGD([x * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [x]}, {"params": [x]}], lr=0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SGD([x, x], lr=0.1)
    assert "duplicate parameters" in str(caught[0].message)


def test_base_class_needs_an_update_rule():
    opt = Optimizer([Value(1.0)], {"lr": 0.1})
    with pytest.raises(NotImplementedError):
        opt.step()
