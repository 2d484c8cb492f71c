"""autograd.compile: a per-sample function traced once and run over a batch gives the eager loop's loss and
gradients, to 1e-12, over the op table, networks, losses and random graphs; and refuses what it cannot run."""

import functools
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings

import autograd
import nn
from autograd import Value
from nn import functional as F
from tests.test_properties import ENGINE, programs

np = pytest.importorskip("numpy")

TOL = {"rel": 1e-12, "abs": 1e-12}


def eager(f, params, *batch, reduction="mean"):
    """The eager loop: the loss of every sample, reduced, and backward: (loss, [p.grad for p in params])."""
    for p in params:
        p.grad = 0.0
    losses = [f(*sample) for sample in zip(*batch, strict=True)]
    total = autograd.sum(losses)
    loss = total / len(losses) if reduction == "mean" else total
    loss.backward()
    return loss.data, [p.grad for p in params]


def compiled(f, params, *batch, reduction="mean", **options):
    for p in params:
        p.grad = 0.0
    loss = autograd.compile(f, **options)(*batch, reduction=reduction)
    return loss, [p.grad for p in params]


def assert_same(f, params, *batch, reduction="mean", **options):
    want_loss, want_grads = eager(f, params, *batch, reduction=reduction)
    loss, grads = compiled(f, params, *batch, reduction=reduction, **options)
    assert loss == pytest.approx(want_loss, **TOL)
    assert grads == pytest.approx(want_grads, **TOL)
    assert any(g != 0 for g in grads)  # the comparison is not of zeros


def batch(n=7, width=2, low=-1.5, high=1.5, seed=0):
    rng = random.Random(seed)
    return [[rng.uniform(low, high) for _ in range(width)] for _ in range(n)]


# --- the op table: each op on Values made from an input and a parameter, constants on both sides -----------------

W = [Value(0.7, label="w0"), Value(0.4, label="w1"), Value(-0.3, label="w2")]


def fused_dot(activation, a, b):
    return autograd.dot([a, b], [b, W[2]], bias=W[0], activation=activation)


def fused_dot_constants(activation, a, b):
    return autograd.dot([a, b], [1.0, -0.5], activation=activation)


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "add_right": lambda a, b: a + 2.5,
    "add_left": lambda a, b: 2.5 + a,
    "sub_right": lambda a, b: a - 2.5,
    "sub_left": lambda a, b: 2.5 - a,
    "mul_right": lambda a, b: a * -1.5,
    "mul_left": lambda a, b: -1.5 * a,
    "div_right": lambda a, b: a / 4.0,
    "div_left": lambda a, b: 3.0 / a,
    "square": lambda a, b: a**2,
    "cube": lambda a, b: b**3,
    "root": lambda a, b: a**0.5,
    "inv_pow": lambda a, b: a**-1.5,
    "pow_left": lambda a, b: 2.0**a,
    "neg": lambda a, b: -a,
    "exp": lambda a, b: a.exp(),
    "log": lambda a, b: a.log(),
    "sqrt": lambda a, b: a.sqrt(),
    "reciprocal": lambda a, b: a.reciprocal(),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "softplus": lambda a, b: a.softplus(),
    "sin": lambda a, b: a.sin(),
    "cos": lambda a, b: a.cos(),
    "sum": lambda a, b: autograd.sum([a, b, 1.25, a]),
    "sum_of_one": lambda a, b: autograd.sum([a]),
    "identities": lambda a, b: ((a * 1.0) / 1 + 0.0) ** 1 - 0.0 + 1.0 * b,  # folded away by the compiler
    "dot": lambda a, b: autograd.dot([a, b], [b, a * 2]),
    "dot_bias": lambda a, b: autograd.dot([a, b], [b, a], bias=W[2]),
    "dot_constants_left": lambda a, b: autograd.dot([1.5, -2.0], [a, b]),
    "dot_constants_right": lambda a, b: autograd.dot([a, b], [1.5, -2.0], bias=W[2]),
    **{f"dot_{act}": functools.partial(fused_dot, act) for act in autograd.FUSED_ACTIVATIONS},
    **{f"dot_constants_{act}": functools.partial(fused_dot_constants, act) for act in autograd.FUSED_ACTIVATIONS},
    "linear": lambda a, b: autograd.sum(autograd.linear([[a, b], [b, W[1]]], [W[0], a], [W[2], b], "tanh")),
}
# Ops with a kink, run on inputs on both sides of it.
KINKED = {
    "abs": lambda a, b: abs(a),
    "relu": lambda a, b: a.relu(),
    "leaky_relu": lambda a, b: a.leaky_relu(0.1),
    "elu": lambda a, b: a.elu(0.5),
    "relu_of_sum": lambda a, b: (a - b).relu() * b,
}


def op_sample(op, shift):
    def f(x):
        a = x[0] * W[0] + W[1] + shift  # each side depends on an input and on parameters
        b = x[1] - W[2]
        return op(a, b) * (1 + b)

    return f


@pytest.mark.parametrize("name", sorted(BINARY))
def test_every_op_matches_eager(name):
    X = batch(low=0.5, high=1.5)  # a and b positive: inside every op's domain
    assert_same(op_sample(BINARY[name], 0.0), W, X)


@pytest.mark.parametrize("name", sorted(KINKED))
def test_kinked_ops_match_eager_on_both_sides_of_the_kink(name):
    X = batch(n=20, low=-1.5, high=1.5)
    assert_same(op_sample(KINKED[name], -0.8), W, X)


def test_nan_goes_through_the_kinks_as_eager():
    def f(x):
        a = x[0] * W[0]
        return a.relu() + a.elu(0.5) + autograd.dot([a, W[1]], [W[2], W[0]], activation="relu")

    X = [[1.0], [float("nan")], [-1.0]]
    want = [f(x).data for x in X]
    got = autograd.compile(f)(X, reduction="none").tolist()
    assert got == pytest.approx(want, nan_ok=True) and got[1] != got[1]  # the NaN sample's loss stays NaN
    for p in W:
        p.grad = 0.0
    f(X[1]).backward()
    want_grads = [p.grad for p in W]
    for p in W:
        p.grad = 0.0
    autograd.compile(f)([X[1]], reduction="sum")
    assert [p.grad for p in W] == pytest.approx(want_grads, nan_ok=True)


def test_a_shared_subexpression_and_a_parameter_used_twice_accumulate():
    def f(x):
        s = x[0] * W[0] + W[0] * W[0]
        return s * s + s.tanh() * W[0]

    assert_same(f, W[:1], batch())


def test_a_layer_read_by_two_others_and_a_dot_of_an_input_with_itself():
    nn.manual_seed(4)
    first, second, third = nn.Layer(2, 4, "tanh"), nn.Layer(4, 3, "relu"), nn.Layer(4, 2, "sigmoid")
    params = first.parameters() + second.parameters() + third.parameters()

    def f(x):
        h = first(x)  # read by both layers below, and by a dot with itself
        return autograd.sum(second(h)) * autograd.sum(third(h)) + autograd.dot(h, h) + h[0]

    assert_same(f, params, batch(n=8))


def test_aux_with_several_outputs_gives_a_row_per_sample():
    model = two_outputs()
    cf = autograd.compile(lambda x: (autograd.sum(model(x)), model(x)), has_aux=True)
    X = batch()
    loss, outputs = cf(X, reduction="sum")
    assert outputs.shape == (7, 2)
    assert outputs.ravel().tolist() == pytest.approx([v.data for x in X for v in model(x)], **TOL)
    assert loss == pytest.approx(float(outputs.sum()), **TOL)


def test_the_loss_may_not_depend_on_the_inputs_at_all():
    assert_same(lambda x: W[0] * W[1] + 1.0, W[:2], batch(), reduction="sum")


# --- networks and losses ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "elu", "linear"])
def test_networks_match_eager(activation, fused):
    nn.manual_seed(1)
    model = nn.MLP(3, [5, 4, 1], activation=activation, fused=fused)

    def f(x, t):
        return F.mse_loss([model(x)], [t]) + F.l2_penalty(model.parameters(), alpha=1e-3)

    X = batch(n=9, width=3)
    y = [x[0] - 2 * x[1] * x[2] for x in X]
    assert_same(f, model.parameters(), X, y)


def two_outputs():
    nn.manual_seed(2)
    return nn.MLP(2, [6, 2], activation="tanh")


LOSSES = {  # name -> (per-sample loss of a model's output and a target, targets, static_argnums)
    "mse_loss": (lambda out, t: F.mse_loss([out[0]], [t]), lambda X: [x[0] * x[1] for x in X], ()),
    "mse_loss_rows": (lambda out, t: F.mse_loss([out], [t]), lambda X: [[x[0], -x[1]] for x in X], ()),
    "bce_loss": (lambda out, t: F.bce_loss([autograd.sigmoid(out[0])], [t]), lambda X: [x[0] > 0 for x in X], ()),
    "bce_with_logits": (lambda out, t: F.bce_with_logits([out[1]], [t]), lambda X: [x[1] > 0 for x in X], ()),
    "hinge_loss": (lambda out, t: F.hinge_loss([out[0]], [t]), lambda X: [1 if x[0] > 0 else -1 for x in X], (1,)),
}
# softmax, log_softmax and cross_entropy subtract max(logits' data) as a constant (for a finite exp): a number
# computed from the data in Python, different for each sample, which a trace cannot follow.
SOFTMAX_LOSSES = {
    "cross_entropy": (lambda out, t: F.cross_entropy(out, t), lambda X: [int(x[0] > x[1]) for x in X], (1,)),
    "softmax": (lambda out, t: F.softmax(out)[0] * t, lambda X: [x[0] for x in X], ()),
    "log_softmax": (lambda out, t: F.log_softmax(out)[1] * t, lambda X: [x[1] for x in X], ()),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_of_nn_functional_matches_eager(name):
    model = two_outputs()
    loss, targets, static = LOSSES[name]
    params = model.parameters()

    def f(x, t):
        return loss(model(x), t) + F.l1_penalty(params, 1e-3) + F.l2_penalty(params, 1e-3)

    X = batch(n=12)
    assert_same(f, params, X, targets(X), static_argnums=static)


@pytest.mark.parametrize("name", sorted(SOFTMAX_LOSSES))
def test_softmax_losses_are_refused_as_data_dependent(name):
    model = two_outputs()
    loss, targets, static = SOFTMAX_LOSSES[name]
    X = batch(n=12)
    with pytest.raises(ValueError, match=r"op '-' has the constant .* f computes a number from an input's data"):
        autograd.compile(lambda x, t: loss(model(x), t), static_argnums=static)(X, targets(X))


def test_micrograd_demo_trains_to_the_same_numbers_over_ten_steps():
    X, labels = nn.data.make_moons(100, noise=0.1, seed=1337)
    y = [2 * label - 1 for label in labels]
    runs = []
    for use_compile in (False, True):
        nn.manual_seed(1337)
        model = nn.MLP(2, [16, 16, 1])
        params = model.parameters()

        def f(x, t, model=model, params=params):
            return F.hinge_loss([model(x)], [t]) + F.l2_penalty(params, alpha=1e-4)

        cf = autograd.compile(f, static_argnums=(1,))
        losses = []
        for k in range(10):
            model.zero_grad()
            if use_compile:
                losses.append(cf(X, y))
            else:
                loss = F.hinge_loss([model(x) for x in X], y) + F.l2_penalty(params, alpha=1e-4)
                loss.backward()
                losses.append(loss.data)
            lr = 1.0 - 0.9 * k / 100
            for p in params:
                p.data -= lr * p.grad
        runs.append((losses, [p.data for p in params]))
    assert runs[1][0] == pytest.approx(runs[0][0], **TOL)
    assert runs[1][1] == pytest.approx(runs[0][1], **TOL)


@settings(max_examples=60, deadline=None)
@given(programs())
def test_random_graphs_match_eager(program):
    """The property tests' random graphs, each leaf an input plus a parameter, over a batch near the drawn point."""
    params = [Value(0.1 * (k + 1)) for k in range(len(program.leaves))]

    def f(x):
        return program.run(ENGINE, [xi + p for xi, p in zip(x, params, strict=True)])

    X = [[v + 0.05 * k for v in program.leaves] for k in range(4)]
    want_loss, want_grads = eager(f, params, X)
    loss, grads = compiled(f, params, X)
    scale = max(1.0, abs(want_loss))
    assert loss == pytest.approx(want_loss, rel=1e-12, abs=1e-12 * scale)
    assert grads == pytest.approx(want_grads, rel=1e-12, abs=1e-12 * max([scale, *map(abs, want_grads)]))


# --- calling conventions ------------------------------------------------------------------------------------------


def small_model():
    nn.manual_seed(3)
    model = nn.MLP(2, [4, 1])
    return model, lambda x, t: (model(x) - t) ** 2


def test_parameters_updated_between_calls_are_used_without_a_new_trace():
    model, f = small_model()
    cf = autograd.compile(f)
    X, y = batch(), [1.0] * 7
    cf(X, y)
    for p in model.parameters():
        p.data += 0.25
    model.zero_grad()
    loss = cf(X, y)
    grads = [p.grad for p in model.parameters()]
    want_loss, want_grads = eager(f, model.parameters(), X, y)
    assert loss == pytest.approx(want_loss, **TOL)
    assert grads == pytest.approx(want_grads, **TOL)
    assert len(cf.programs) == 1


def test_reduction_none_returns_each_sample_loss_and_no_gradient():
    model, f = small_model()
    X, y = batch(), [0.5] * 7
    model.zero_grad()
    losses = autograd.compile(f)(X, y, reduction="none")
    assert isinstance(losses, np.ndarray)
    assert losses.tolist() == pytest.approx([f(x, t).data for x, t in zip(X, y, strict=True)], **TOL)
    assert all(p.grad == 0.0 for p in model.parameters())


def test_reduction_sum_and_a_batch_of_one_sample():
    model, f = small_model()
    assert_same(f, model.parameters(), batch(), [2.0] * 7, reduction="sum")
    assert_same(f, model.parameters(), batch(n=1), [2.0])


def test_gradients_add_into_grad_as_backward_does():
    model, f = small_model()
    cf = autograd.compile(f)
    model.zero_grad()
    cf(batch(), [1.0] * 7)
    once = [p.grad for p in model.parameters()]
    cf(batch(), [1.0] * 7)
    assert [p.grad for p in model.parameters()] == pytest.approx([2 * g for g in once], **TOL)


def test_has_aux_returns_the_model_outputs_per_sample():
    model, _ = small_model()
    cf = autograd.compile(lambda x, t: ((model(x) - t) ** 2, model(x)), has_aux=True)
    X = batch()
    loss, scores = cf(X, [0.0] * 7)
    assert scores.tolist() == pytest.approx([model(x).data for x in X], **TOL)
    assert loss == pytest.approx(float(np.mean(scores**2)), **TOL)


def test_a_new_input_shape_is_traced_again():
    w = Value(1.5)
    cf = autograd.compile(lambda x: autograd.sum(x) * w)
    assert cf([[1.0, 2.0], [3.0, 4.0]], reduction="sum") == pytest.approx(15.0)
    assert cf([[1.0, 2.0, 3.0]], reduction="sum") == pytest.approx(9.0)
    assert len(cf.programs) == 2


def test_static_values_that_change_only_constants_share_one_program():
    model, _ = small_model()
    cf = autograd.compile(lambda x, t: F.hinge_loss([model(x)], [t]), static_argnums=(1,))
    X, y = batch(n=9), [1, -1, 1, 1, -1, -1, 1, -1, 1]
    assert_same(lambda x, t: F.hinge_loss([model(x)], [t]), model.parameters(), X, y, static_argnums=(1,))
    cf(X, y)
    (family,) = cf.programs[((2,),)]
    assert sorted(family.keys) == [(-1.0,), (1.0,)]
    for labels in ([-1] * 9, [1] * 9):  # a batch with one of the labels: its variant of the same program
        model.zero_grad()
        loss = cf(X, labels)
        want_loss, want_grads = eager(lambda x, t: F.hinge_loss([model(x)], [t]), model.parameters(), X, labels)
        assert loss == pytest.approx(want_loss, **TOL)
        assert [p.grad for p in model.parameters()] == pytest.approx(want_grads, **TOL)
    assert len(cf.programs[((2,),)]) == 1
    labels = np.array(y, dtype=float)
    cf(X, labels)
    labels[:4] *= -1  # changed in place: grouped again, not taken from the last call
    model.zero_grad()
    loss = cf(X, labels)
    want_loss, _ = eager(lambda x, t: F.hinge_loss([model(x)], [t]), model.parameters(), X, labels.tolist())
    assert loss == pytest.approx(want_loss, **TOL)


def test_static_values_that_change_the_graph_get_a_program_each():
    w = Value(0.5)

    def f(x, kind):
        return x[0] * w if kind == "linear" else (x[0] * w).tanh()

    X, kinds = batch(n=6), ["linear", "tanh", "tanh", "linear", "tanh", "linear"]
    assert_same(f, [w], X, kinds, static_argnums=(1,))
    cf = autograd.compile(f, static_argnums=1)
    cf(X, kinds)
    assert len(cf.programs[((2,),)]) == 2


def test_graph_is_the_traced_per_sample_graph_for_draw_and_explain():
    model, f = small_model()
    cf = autograd.compile(f)
    cf(batch(), [1.0] * 7)
    loss = cf.graph([0.5, -0.25], 1.0)
    assert loss.data == pytest.approx(f([0.5, -0.25], 1.0).data, **TOL)
    ((family,),) = cf.programs.values()
    traced_ops = [slot[0] for slot in family.traces[0][0] if slot[0] not in ("input", "param")]
    assert [node._rule for node in autograd.topological_order(loss) if node.parents] == traced_ops
    assert "x0[1]" in autograd.to_dot(loss).source
    w = model.parameters()[0]
    assert autograd.explain(loss, w).total == pytest.approx(_fresh_grad(loss, w), **TOL)


def _fresh_grad(loss, w):
    saved = w.grad
    w.grad = 0.0
    loss.backward()
    grad, w.grad = w.grad, saved
    return grad


# --- where it is used: nn.fit and chaingrad demo -----------------------------------------------------------------


def fit_twice(make_loss, X, y, **options):
    """fit eagerly, then with compile=True, from the same start: the two histories and final parameters."""
    runs = []
    for use_compile in (False, True):
        nn.manual_seed(5)
        model = nn.MLP(2, [8, 8, 1])
        optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
        history = nn.fit(
            model,
            X,
            y,
            loss=make_loss(model),
            optimizer=optimizer,
            progress=False,
            seed=3,
            compile=use_compile,
            **options,
        )
        runs.append((history, [p.data for p in model.parameters()]))
    return runs


def test_fit_with_compile_gives_the_eager_numbers():
    X, labels = nn.data.make_moons(60, noise=0.1, seed=2)
    y = [2 * label - 1 for label in labels]

    def make_loss(model):
        return lambda scores, targets: F.hinge_loss(scores, targets) + F.l2_penalty(model.parameters(), 1e-4)

    (eager_run, eager_params), (compiled_run, params) = fit_twice(
        make_loss, X, y, epochs=4, batch_size=16, metrics=[nn.accuracy], clip_grad_norm=1.0
    )
    assert compiled_run.loss == pytest.approx(eager_run.loss, rel=1e-9)
    assert compiled_run.metrics == eager_run.metrics
    assert params == pytest.approx(eager_params, rel=1e-9, abs=1e-12)


def test_fit_with_compile_traces_regression_targets_as_values():
    X = batch(n=40)
    y = [x[0] * x[1] + 0.5 for x in X]
    (eager_run, eager_params), (compiled_run, params) = fit_twice(
        lambda model: F.mse_loss, X, y, epochs=3, batch_size=10
    )
    assert compiled_run.loss == pytest.approx(eager_run.loss, rel=1e-9)
    assert params == pytest.approx(eager_params, rel=1e-9, abs=1e-12)


def test_fit_with_compile_refuses_a_loss_that_is_not_a_mean():
    model = nn.MLP(2, [3, 1])
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    loss = functools.partial(F.mse_loss, reduction="sum")
    with pytest.raises(ValueError, match=r"fit\(compile=True\): the loss of a batch .* is not the mean"):
        nn.fit(model, batch(), [1.0] * 7, loss=loss, optimizer=optimizer, epochs=1, progress=False, compile=True)


def test_chaingrad_demo_compile_trains_the_same_model(tmp_path, capsys):
    from chaingrad.cli import main

    models = []
    for flags in ([], ["--compile"]):
        out = tmp_path / ("compiled" if flags else "eager")
        assert main(["demo", "--epochs", "10", "--out", str(out), *flags]) == 0
        models.append(nn.load(out / "model.json"))
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("final loss")]
    assert len(printed) == 2 and printed[0] == printed[1]
    eager_params, compiled_params = ([p.data for p in m.parameters()] for m in models)
    assert compiled_params == pytest.approx(eager_params, rel=1e-9, abs=1e-12)
    X, labels = nn.make_moons(100, noise=0.1, seed=1337)
    y = [2 * t - 1 for t in labels]
    losses = [(F.hinge_loss([m(x) for x in X], y) + F.l2_penalty(m.parameters(), 1e-4)).data for m in models]
    assert losses[1] == pytest.approx(losses[0], rel=1e-9)


# --- what it refuses ----------------------------------------------------------------------------------------------


def test_data_dependent_control_flow_is_refused_with_its_fix():
    w = Value(2.0)

    def f(x):
        return x[0] * w if x[0].data > 0 else (x[0] * w).tanh()

    with pytest.raises(
        ValueError,
        match=r"builds a different graph for sample 0 and sample 1 .*"
        r"Python control flow in f depends on the data .*write the branch with elementwise ops",
    ):
        autograd.compile(f)([[1.0], [-1.0]])


def test_a_constant_computed_from_an_input_is_refused_with_static_argnums_as_the_fix():
    model, _ = small_model()

    def f(x, t):
        return F.hinge_loss([model(x)], [t])

    with pytest.raises(
        ValueError,
        match=r"op '\*' has the constant -1.0 for sample 0 and 1.0 for sample 2: .*"
        r"static_argnums=\(k,\)",
    ):
        autograd.compile(f)(batch(n=3), [-1, -1, 1])


def test_inputs_of_the_wrong_shape_get_clear_errors():
    _, f = small_model()
    cf = autograd.compile(f)
    with pytest.raises(ValueError, match=r"the inputs hold different numbers of samples: \[7, 3\]"):
        cf(batch(), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="input 0 is not a batch of numbers of one shape"):
        cf([[1.0, 2.0], [3.0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="input 1 is a single number; pass one entry per sample"):
        cf(batch(), 1.0)
    with pytest.raises(ValueError, match="Neuron has 2 inputs, got 3"):
        cf(batch(width=3), [1.0] * 7)
    with pytest.raises(ValueError, match="the batch is empty"):
        cf([], [])
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'max'"):
        cf(batch(), [1.0] * 7, reduction="max")


def test_f_must_return_a_scalar_value():
    with pytest.raises(TypeError, match=r"f must return a scalar Value .*got float"):
        autograd.compile(lambda x: 1.0)([[1.0]])


def test_an_op_without_a_numpy_kernel_is_refused_by_name():
    def cube(x):
        out = Value(x.data**3, (x,), "cube")

        def _backward():
            x.grad += 3 * x.data**2 * out.grad

        out._backward = _backward
        return out

    with pytest.raises(NotImplementedError, match="no numpy kernel for op 'cube'"):
        autograd.compile(lambda x: cube(x[0] * W[0]))([[1.0], [2.0]])


def test_a_domain_error_after_the_trace_names_the_op():
    cf = autograd.compile(lambda x: (x[0] * W[0]).log())
    cf([[1.0], [2.0]])
    with pytest.raises(ValueError, match=r"log: input must be > 0 \(in autograd.compile\)"):
        cf([[1.0], [-1.0]])


def test_importing_autograd_and_nn_does_not_import_numpy():
    code = "import sys, autograd, nn; print('numpy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
