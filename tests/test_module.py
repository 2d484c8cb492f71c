"""nn.module: Module's bookkeeping, Neuron/Layer/MLP against PyTorch and by hand, inits, seeds, scopes, and
micrograd's demo run verbatim with only its imports changed."""

import math
import random
import re
import statistics

import pytest

import autograd
from autograd import Value, gradcheck
from nn.module import MLP, Layer, Module, Neuron, init_weights, manual_seed

TORCH_ACTIVATIONS = {
    "relu": lambda F, t: F.relu(t),
    "tanh": lambda F, t: F.tanh(t),
    "sigmoid": lambda F, t: F.sigmoid(t),
    "leaky_relu": lambda F, t: F.leaky_relu(t, 0.01),
    "elu": lambda F, t: F.elu(t, 1.0),
    "linear": lambda F, t: t,
}


# --- micrograd compatibility


def test_micrograd_mlp_has_337_parameters_relu_hidden_and_linear_single_output():
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1 == 337
    assert [layer.neurons[0].activation for layer in model.layers] == ["relu", "relu", "linear"]
    out = model([0.5, -1.5])
    assert isinstance(out, Value)
    many = MLP(2, [3, 2])([0.5, -1.5])
    assert isinstance(many, list) and len(many) == 2 and all(isinstance(v, Value) for v in many)


def test_neuron_nonlin_flag_as_in_micrograd():
    linear = Neuron(2, nonlin=False)
    relu = Neuron(2, nonlin=True)
    for n in (linear, relu):
        n.w[0].data, n.w[1].data, n.b.data = 2.0, -3.0, 0.5
    # 2·1 − 3·1 + 0.5 = −0.5: kept by a linear neuron, cut to 0 by a ReLU one.
    assert linear([1.0, 1.0]).data == -0.5
    assert relu([1.0, 1.0]).data == 0.0
    assert linear.activation == "linear" and relu.activation == "relu"
    assert Layer(3, 2, nonlin=False).neurons[1].activation == "linear"


def test_unfused_weighted_sum_is_one_sum_node():
    n = Neuron(4, activation="linear", fused=False)
    out = n([1.0, 2.0, 3.0, 4.0])
    assert out.op == "sum" and len(out.parents) == 5
    assert out.parents[4] is n.b
    relu_out = Neuron(4, fused=False)([1.0, 2.0, 3.0, 4.0])
    assert relu_out.op == "relu" and relu_out.parents[0].op == "sum"


def test_fused_weighted_sum_and_bias_are_one_dot_node():
    n = Neuron(4, activation="linear", fused=True)
    x = [1.0, 2.0, 3.0, 4.0]
    out = n(x)
    assert out.op == "dot" and out.parents == (*n.w, n.b) and out.params == {"constants": tuple(x)}
    assert out.data == pytest.approx(sum(w.data * xi for w, xi in zip(n.w, x, strict=True)) + n.b.data, rel=1e-15)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_fused_and_elementary_networks_give_the_same_values_and_gradients(activation):
    manual_seed(3)
    fused = MLP(3, [4, 4, 2], activation=activation)
    manual_seed(3)
    elementary = MLP(3, [4, 4, 2], activation=activation, fused=False)
    for model in (fused, elementary):
        out = model([0.5, -1.5, 2.0])
        (out[0] * out[1]).backward()
    for p, q in zip(fused.parameters(), elementary.parameters(), strict=True):
        assert p.data == q.data
        assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-15)


def test_micrograd_demo_runs_verbatim():
    np = pytest.importorskip("numpy")
    # The dataset: two half-moons of 6 points each, no noise (the demo uses sklearn's make_moons).
    t = np.linspace(0, math.pi, 6)
    X = np.concatenate([np.stack([np.cos(t), np.sin(t)], 1), np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)])
    y = np.array([0] * 6 + [1] * 6)
    log = []

    # ---- micrograd's demo.ipynb, verbatim apart from its imports (and print -> log.append, range(100) -> 10)
    from autograd import Value  # was: from micrograd.engine import Value
    from nn.module import MLP  # was: from micrograd.nn import Neuron, Layer, MLP

    np.random.seed(1337)
    random.seed(1337)
    y = y * 2 - 1  # make y be -1 or 1
    model = MLP(2, [16, 16, 1])  # 2-layer neural network
    log.append(model)
    log.append(("number of parameters", len(model.parameters())))

    # loss function
    def loss(batch_size=None):
        # inline DataLoader :)
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]

        # forward the model to get scores
        scores = list(map(model, inputs))

        # svm "max-margin" loss
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss

        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores, strict=True)]
        return total_loss, sum(accuracy) / len(accuracy)

    total_loss, acc = loss()
    log.append((total_loss, acc))

    # optimization
    for k in range(10):
        # forward
        total_loss, acc = loss()

        # backward
        model.zero_grad()
        total_loss.backward()

        # update (sgd)
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad

        if k % 1 == 0:
            log.append(f"step {k} loss {total_loss.data}, accuracy {acc * 100}%")
    # ---- end of the demo

    assert log[1] == ("number of parameters", 337)
    (initial_loss, initial_accuracy), final = log[2], loss()
    assert final[0].data < 0.6 * initial_loss.data  # learning: 0.92 -> 0.36 with this seed
    assert final[1] > initial_accuracy
    assert len(log) == 3 + 10 and log[-1].startswith("step 9 loss ")


# --- forward and backward against PyTorch and by hand


def _torch_forward(torch, model, x):
    """`model`'s forward rebuilt in torch from its parameters; returns (output, [(name, leaf tensor)])."""
    F = torch.nn.functional
    leaves = []
    h = torch.tensor(x, dtype=torch.float64)
    for i, layer in enumerate(model.layers):
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        leaves.append((i, W, b))
        h = TORCH_ACTIVATIONS[layer.neurons[0].activation](F, W @ h + b)
    return h, leaves


@pytest.mark.parametrize("activation", sorted(TORCH_ACTIVATIONS))
@pytest.mark.parametrize("init", ["uniform", "xavier", "he"])
def test_mlp_forward_and_gradients_match_torch(activation, init):
    torch = pytest.importorskip("torch")
    manual_seed(7)
    model = MLP(3, [5, 4, 2], activation=activation, output_activation="tanh", init=init)
    for p in model.parameters():  # non-zero biases, so they matter
        p.data += 0.1
    x = [0.3, -1.2, 0.7]
    out = model(x)
    loss = out[0] * 1.5 - out[1] * 0.5
    loss.backward()

    t_out, leaves = _torch_forward(torch, model, x)
    (t_out[0] * 1.5 - t_out[1] * 0.5).backward()
    assert [v.data for v in out] == pytest.approx(t_out.tolist(), rel=1e-12, abs=1e-14)
    for i, W, b in leaves:
        for j, neuron in enumerate(model.layers[i].neurons):
            assert [w.grad for w in neuron.w] == pytest.approx(W.grad[j].tolist(), rel=1e-10, abs=1e-14)
            assert neuron.b.grad == pytest.approx(b.grad[j].item(), rel=1e-10, abs=1e-14)


def test_mlp_gradient_with_respect_to_inputs_matches_finite_differences():
    manual_seed(3)
    model = MLP(3, [4, 1], activation="tanh")
    assert gradcheck(lambda a, b, c: model([a, b, c]), 0.2, -0.4, 0.9)


def test_neuron_by_hand_for_each_activation():
    x = [0.5, -2.0]
    for activation, f in {
        "relu": lambda s: max(s, 0.0),
        "tanh": math.tanh,
        "sigmoid": lambda s: 1 / (1 + math.exp(-s)),
        "leaky_relu": lambda s: s if s > 0 else 0.01 * s,
        "elu": lambda s: s if s > 0 else math.exp(s) - 1,
        "linear": lambda s: s,
    }.items():
        for w0, w1, b in [(1.0, 0.25, 0.2), (-1.0, 0.5, 0.1)]:  # s = 0.2 > 0 and s = −1.4 < 0
            n = Neuron(2, activation=activation)
            n.w[0].data, n.w[1].data, n.b.data = w0, w1, b
            assert n(x).data == pytest.approx(f(w0 * 0.5 + w1 * -2.0 + b), rel=1e-15), activation


def test_inputs_may_be_values_numbers_or_a_generator_and_bad_lengths_raise():
    manual_seed(0)
    layer = Layer(2, 3)
    numbers = [v.data for v in layer([1.0, 2.0])]
    assert [v.data for v in layer([Value(1.0), Value(2.0)])] == numbers
    assert [v.data for v in layer(iter([1.0, 2.0]))] == numbers
    xs = [Value(1.0), Value(2.0)]
    autograd.sum(layer(xs)).backward()  # ∂/∂x₀ Σ relu(w·x + b) = Σ w₀ over the neurons with w·x + b > 0
    active = [n for n in layer.neurons if n.w[0].data * 1.0 + n.w[1].data * 2.0 + n.b.data > 0]
    assert xs[0].grad == pytest.approx(sum(n.w[0].data for n in active), rel=1e-15)
    with pytest.raises(ValueError, match="Neuron has 2 inputs, got 3"):
        layer([1.0, 2.0, 3.0])
    single = Neuron(1, activation="linear")
    single.w[0].data = 3.0
    assert single(2.0).data == single([2.0]).data == 6.0


def test_bias_false_has_no_bias_parameter():
    n = Neuron(3, bias=False)
    assert n.b is None and len(n.parameters()) == 3
    assert len(MLP(2, [3, 1], bias=False).parameters()) == 2 * 3 + 3 * 1


def test_bad_arguments_raise_valueerror_naming_the_choices():
    with pytest.raises(ValueError, match=r"unknown activation 'swish'.*'relu'.*'tanh'.*'sigmoid'.*'leaky_relu'.*'elu'"):
        MLP(2, [3, 1], activation="swish")
    with pytest.raises(ValueError, match="unknown init 'glorot'; choose one of 'uniform', 'xavier', 'he'"):
        Neuron(2, init="glorot")
    with pytest.raises(ValueError, match="at least one layer"):
        MLP(2, [])
    with pytest.raises(ValueError, match="nout must be a positive int, got 0"):
        MLP(2, [3, 0])
    with pytest.raises(ValueError, match="nin must be a positive int"):
        Neuron(2.5)
    with pytest.raises(ValueError, match=r"^Neuron's fan_out must be a positive int, got -2$"):
        Neuron(2, init="xavier", fan_out=-2)  # was ZeroDivisionError from √(6 / (fan_in + fan_out))


def test_layer_sizes_given_as_one_int_say_they_go_in_a_list():
    message = "MLP's layer sizes go in a list: nn.MLP(2, [16]) for one layer of 16 neurons, nn.MLP(2, [16, 16, 1]) for"
    with pytest.raises(TypeError, match=f"^{re.escape(message)} micrograd's$"):
        MLP(2, 16)  # was "'int' object is not iterable"
    with pytest.raises(TypeError, match=r"^MLP's nouts must be a list of layer sizes such as \[16, 16, 1\], got '16'$"):
        MLP(2, "16")  # was "Layer's nout must be a positive int, got '1'"
    with pytest.raises(TypeError, match="got None"):
        MLP(2, None)
    assert [len(layer.neurons) for layer in MLP(2, (4, 1)).layers] == [4, 1]  # any iterable of sizes will do


# --- initialisation and the seed


def test_inits_follow_their_formulas():
    manual_seed(0)
    uniform = init_weights("uniform", 20000)
    assert all(-1 <= w <= 1 for w in uniform) and max(uniform) > 0.999 and min(uniform) < -0.999
    assert statistics.pvariance(uniform) == pytest.approx(1 / 3, rel=0.03)  # Var U(−a, a) = a²/3

    a = math.sqrt(6 / (200 + 100))
    xavier = [w for n in Layer(200, 100, init="xavier").neurons for w in n.w]
    assert all(-a <= w.data <= a for w in xavier) and max(w.data for w in xavier) > 0.99 * a
    assert statistics.pvariance([w.data for w in xavier]) == pytest.approx(a * a / 3, rel=0.03)
    assert max(abs(w) for w in init_weights("xavier", 10)) <= math.sqrt(6 / 11)  # a lone neuron: fan_out = 1

    he = [w.data for n in Layer(200, 100, init="he").neurons for w in n.w]
    assert statistics.fmean(he) == pytest.approx(0, abs=0.003)
    assert statistics.pstdev(he) == pytest.approx(math.sqrt(2 / 200), rel=0.02)
    assert all(n.b.data == 0.0 for n in Layer(3, 4, init="he").neurons)


def test_manual_seed_gives_identical_parameters():
    manual_seed(42)
    a = MLP(2, [4, 1], init="he").state_dict()
    manual_seed(42)
    b = MLP(2, [4, 1], init="he").state_dict()
    c = MLP(2, [4, 1], init="he").state_dict()
    assert a == b and a != c


def test_random_seed_gives_micrograds_own_weights():
    micrograd_nn = pytest.importorskip("micrograd.nn")
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    # the same draws, written out: each neuron takes nin draws of U(−1, 1) for its weights; its bias starts at 0
    random.seed(1337)
    first = [random.uniform(-1, 1), random.uniform(-1, 1)]
    assert [w.data for w in ours.layers[0].neurons[0].w] == first and ours.layers[0].neurons[0].b.data == 0.0


# --- Module bookkeeping


def test_named_parameters_are_dotted_stable_and_in_definition_order():
    model = MLP(2, [3, 1])
    names = [name for name, _ in model.named_parameters()]
    expected = [f"layers.0.neurons.{j}.{p}" for j in range(3) for p in ("w.0", "w.1", "b")]
    expected += [f"layers.1.neurons.0.{p}" for p in ("w.0", "w.1", "w.2", "b")]
    assert names == expected
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert model.named_parameters()[4][1] is model.layers[0].neurons[1].w[1]


def test_named_parameters_of_a_custom_module_come_from_its_attributes():
    class Net(Module):
        def __init__(self):
            self.scale = Value(2.0)
            self.name = "not a parameter"
            self.blocks = [Neuron(1), Layer(1, 2)]
            self.extra = [Value(1.0), 3.0, Value(4.0)]

        def forward(self, x):
            return self.scale * self.blocks[0](x)

    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale",
        "blocks.0.w.0", "blocks.0.b",
        "blocks.1.neurons.0.w.0", "blocks.1.neurons.0.b", "blocks.1.neurons.1.w.0", "blocks.1.neurons.1.b",
        "extra.0", "extra.2",
    ]
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Neuron", "Layer", "Neuron", "Neuron"]
    net.blocks[0].w[0].data = 1.5
    assert net(3.0).data == 2.0 * max(1.5 * 3.0 + 0.0, 0)


def test_zero_grad_and_train_eval_reach_every_parameter_and_module():
    model = MLP(2, [3, 1])
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 and isinstance(p.grad, float) for p in model.parameters())
    assert model.eval() is model
    assert [m.training for m in model.modules()] == [False] * (1 + 2 + 3 + 1)
    model.train()
    assert all(m.training for m in model.modules())


def test_state_dict_round_trip_into_a_fresh_model():
    manual_seed(1)
    a, b = MLP(2, [3, 1]), MLP(2, [3, 1])
    assert a.state_dict() != b.state_dict()
    state = a.state_dict()
    assert all(type(v) is float for v in state.values()) and list(state) == [n for n, _ in a.named_parameters()]
    b.load_state_dict(state)
    assert b.state_dict() == state
    assert b([0.3, -0.2]).data == a([0.3, -0.2]).data


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.pop("layers.0.neurons.2.b"), r"missing: layers\.0\.neurons\.2\.b"),
        (lambda d: d.update({"layers.9.w": 1.0}), r"unexpected: layers\.9\.w"),
        (lambda d: d.update({"layers.1.neurons.0.w.0": "0.5"}), r"not a number: 'layers\.1\.neurons\.0\.w\.0' is '0"),
        (lambda d: d.update({"layers.0.neurons.0.b": None}), r"not a number: 'layers\.0\.neurons\.0\.b' is None"),
        (lambda d: d.update({"layers.0.neurons.0.b": True}), r"not a number"),
    ],
)
def test_load_state_dict_rejects_bad_entries_and_leaves_the_model_untouched(change, message):
    model = MLP(2, [3, 1])
    before = model.state_dict()
    bad = {name: value + 1.0 for name, value in before.items()}
    change(bad)
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(bad)
    assert model.state_dict() == before


def test_load_state_dict_names_every_problem_at_once():
    model = Neuron(2)
    with pytest.raises(ValueError, match=r"missing: w\.1; unexpected: w\.7; not a number: 'b' is 'x'"):
        model.load_state_dict({"w.0": 1.0, "w.7": 2.0, "b": "x"})
    with pytest.raises(TypeError, match="dict of name -> number"):
        model.load_state_dict([1.0, 2.0, 3.0])


# --- scopes


@pytest.mark.parametrize(("fused", "weighted_sums"), [(False, {"sum"}), (True, {"relu∘dot", "dot"})])
def test_each_forward_runs_in_a_scope_named_like_its_parameters(fused, weighted_sums):
    model = MLP(2, [3, 2], fused=fused)
    x = [Value(1.0), Value(-1.0)]
    out = model(x)
    loss = out[0] + out[1]
    sums = [n for n in autograd.topological_order(loss) if n.op in weighted_sums]
    assert sorted(n.scope for n in sums) == sorted(
        [f"layers.0/neurons.{j}" for j in range(3)] + [f"layers.1/neurons.{j}" for j in range(2)]
    )
    if fused:
        return
    # Every parameter's product lands in the scope of the neuron that owns the parameter.
    for name, p in model.named_parameters():
        if name.endswith(".b"):
            continue
        layer, neuron = name.split(".")[1], name.split(".")[3]
        (product,) = [n for n in autograd.topological_order(loss) if p in n.parents and n.op == "*"]
        assert product.scope == f"layers.{layer}/neurons.{neuron}"
    assert loss.scope == ""  # the top-level model opens no scope of its own
    assert Neuron(2)([1.0, 2.0]).scope == ""


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("activation", "ops"), [("tanh", ["tanh∘dot"]), ("elu", ["elu", "dot"])])
def test_a_fused_layer_builds_what_each_neuron_would_with_the_neuron_scopes_inside_any_outer_scope(
    bias, activation, ops
):
    layer = Layer(3, 4, activation=activation, bias=bias)
    x = [Value(0.5), Value(-1.0), Value(2.0)]
    with autograd.scope("outer"):
        out = layer(x)
        again = layer(x)  # the scope paths are remembered per outer path
    for j, (neuron, node, node_again) in enumerate(zip(layer.neurons, out, again, strict=True)):
        alone = neuron(x)
        built = [n for n in autograd.topological_order(node) if n.parents]  # this neuron's nodes, inputs first
        assert [n.op for n in reversed(built)] == ops and (node.op, node.data) == (alone.op, alone.data)
        assert built[0].parents == next(n for n in autograd.topological_order(alone) if n.parents).parents
        assert {n.scope for n in built} | {node_again.scope} == {f"outer/neurons.{j}"}
    assert layer(x)[0].scope == "neurons.0"


@pytest.mark.parametrize("fused", [True, False])
def test_layers_and_neurons_added_after_construction_get_their_scopes(fused):
    model = MLP(2, [3, 2], fused=fused)
    model.layers.append(Layer(2, 1, activation="linear", fused=fused))
    model.layers[0].neurons.append(Neuron(2, fused=fused))
    model.layers[1].neurons[0].w.append(Value(0.5))  # its input count now matches the four of layer 0
    model.layers[1].neurons[1].w.append(Value(-0.5))
    out = model([1.0, -1.0])
    scopes = {n.scope for n in autograd.topological_order(out) if n.parents}
    assert {"layers.0/neurons.3", "layers.2/neurons.0"} <= scopes


def test_repr_shows_the_constructor_arguments():
    assert repr(MLP(2, [16, 16, 1])) == (
        "MLP(nin=2, nouts=[16, 16, 1], activation='relu', output_activation='linear', init='uniform', bias=True, "
        "fused=True)"
    )
