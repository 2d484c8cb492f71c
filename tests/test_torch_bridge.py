"""nn/torch_bridge.py: a Neuron, Layer or MLP to a torch.nn.Sequential and an MLP back, with the same outputs (to
1e-12) and the same gradients after a backward, the round trips exact, and anything else refused by name."""

import random
import sys

import pytest

import nn
from autograd import Value

torch = pytest.importorskip("torch")
POINTS = [[0.3, -0.7], [1.5, 0.2], [-2.0, -1.1], [0.0, 0.0]]


def torch_params(linear_layers):
    """[(weight rows, bias)] as float lists, for each Linear."""
    return [(lin.weight.tolist(), None if lin.bias is None else lin.bias.tolist()) for lin in linear_layers]


def linears(sequential):
    return [m for m in sequential if isinstance(m, torch.nn.Linear)]


def our_params(model):
    layers = model.layers if isinstance(model, nn.MLP) else [model]
    return [
        (
            [[w.data for w in n.w] for n in layer.neurons],
            None if layer.neurons[0].b is None else [n.b.data for n in layer.neurons],
        )
        for layer in layers
    ]


def outputs(model, points):
    """The model's outputs per point, as lists of floats (one Value becomes a list of one)."""
    result = []
    for x in points:
        out = model(x)
        result.append([o.data for o in out] if isinstance(out, list) else [out.data])
    return result


def check_same_function(model, module, points=POINTS):
    """Same outputs to 1e-12, and the same gradients of a loss over the points, for every parameter."""
    model.zero_grad()
    loss = Value(0.0)
    for i, x in enumerate(points):
        out = model(x)
        for j, o in enumerate(out if isinstance(out, list) else [out]):
            loss = loss + (1.0 + i + 0.5 * j) * o.tanh()
    loss.backward()
    t_out = module(torch.tensor(points, dtype=torch.float64))
    assert t_out.dtype == torch.float64
    assert outputs(model, points) == [pytest.approx(row, abs=1e-12, rel=0) for row in t_out.tolist()]
    scale = torch.tensor([[1.0 + i + 0.5 * j for j in range(t_out.shape[1])] for i in range(len(points))])
    module.zero_grad()
    (scale.double() * t_out.tanh()).sum().backward()
    layers = model.layers if isinstance(model, nn.MLP) else [model]
    for layer, lin in zip(layers, linears(module), strict=True):
        neurons = layer.neurons if isinstance(layer, nn.Layer) else [layer]
        for j, neuron in enumerate(neurons):
            assert [w.grad for w in neuron.w] == pytest.approx(lin.weight.grad[j].tolist(), abs=1e-12, rel=1e-12)
            if neuron.b is not None:
                assert neuron.b.grad == pytest.approx(lin.bias.grad[j].item(), abs=1e-12, rel=1e-12)


MODELS = [
    pytest.param(lambda: nn.MLP(2, [16, 16, 1]), id="micrograd_mlp"),
    pytest.param(lambda: nn.MLP(2, [5, 3], activation="tanh", output_activation="sigmoid"), id="tanh_sigmoid"),
    pytest.param(lambda: nn.MLP(2, [4, 4, 2], activation="leaky_relu", init="he"), id="leaky_relu"),
    pytest.param(lambda: nn.MLP(2, [3, 2], activation="elu", output_activation="elu", bias=False), id="elu_no_bias"),
    pytest.param(lambda: nn.MLP(2, [6, 1], init="xavier", fused=False), id="unfused"),
]


@pytest.mark.parametrize("make", MODELS)
def test_mlp_to_torch_has_the_same_outputs_and_gradients(make):
    nn.manual_seed(3)
    model = make()
    for p in model.parameters():  # biases away from 0, so they matter
        p.data += random.uniform(-0.5, 0.5)
    module = model.to_torch()
    assert isinstance(module, torch.nn.Sequential)
    assert torch_params(linears(module)) == our_params(model)  # the same numbers, exactly
    check_same_function(model, module)


def test_mlp_to_torch_layers_are_linear_and_activation_modules():
    module = nn.MLP(2, [3, 4, 1], activation="tanh").to_torch()
    assert [type(m).__name__ for m in module] == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert [(m.in_features, m.out_features) for m in linears(module)] == [(2, 3), (3, 4), (4, 1)]
    assert all(p.dtype == torch.float64 for p in module.parameters())
    leaky, elu = (
        nn.MLP(2, [3, 1], activation="leaky_relu").to_torch()[1],
        nn.MLP(2, [3, 1], activation="elu").to_torch()[1],
    )
    assert (leaky.negative_slope, elu.alpha) == (0.01, 1.0)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("bias", [True, False])
def test_layer_and_neuron_to_torch(activation, bias):
    nn.manual_seed(5)
    layer = nn.Layer(2, 3, activation=activation, bias=bias)
    neuron = nn.Neuron(2, activation=activation, bias=bias)
    for p in [*layer.parameters(), *neuron.parameters()]:
        p.data += 0.25
    for model in (layer, neuron):
        module = model.to_torch()
        expected = {"relu": ["ReLU"], "tanh": ["Tanh"], "sigmoid": ["Sigmoid"], "linear": []}[activation]
        assert [type(m).__name__ for m in module] == ["Linear", *expected]
        check_same_function(model, module)


def test_to_torch_copies_the_weights():
    model = nn.MLP(2, [2, 1])
    module = model.to_torch()
    with torch.no_grad():
        module[0].weight.add_(1.0)
    model.parameters()[0].data = 42.0
    assert module[0].weight[0, 0].item() != 42.0
    assert model.to_torch()[0].weight[0, 0].item() == 42.0


def test_from_torch_has_the_same_outputs_and_gradients():
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)
    ).double()
    model = nn.MLP.from_torch(module)
    assert model.config["nouts"] == [8, 8, 3]
    assert (model.config["activation"], model.config["output_activation"]) == ("relu", "linear")
    assert our_params(model) == torch_params(linears(module))
    check_same_function(model, module)


@pytest.mark.parametrize(
    ("layers", "activation", "output_activation"),
    [
        (
            lambda: [torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1), torch.nn.Sigmoid()],
            "tanh",
            "sigmoid",
        ),
        (lambda: [torch.nn.Linear(2, 4), torch.nn.LeakyReLU(), torch.nn.Linear(4, 2)], "leaky_relu", "linear"),
        (
            lambda: [
                torch.nn.Linear(2, 3, bias=False),
                torch.nn.ELU(),
                torch.nn.Linear(3, 3, bias=False),
                torch.nn.ELU(),
            ],
            "elu",
            "elu",
        ),
        (lambda: [torch.nn.Linear(2, 2)], "relu", "linear"),
    ],
)
def test_from_torch_reads_every_supported_activation(layers, activation, output_activation):
    torch.manual_seed(1)
    module = torch.nn.Sequential(*layers()).double()
    model = nn.MLP.from_torch(module)
    assert (model.config["output_activation"], model.config["bias"]) == (output_activation, module[0].bias is not None)
    if len(linears(module)) > 1:
        assert model.config["activation"] == activation
    check_same_function(model, module)


def test_from_torch_of_a_float32_module_and_of_a_lone_linear():
    torch.manual_seed(2)
    module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))  # float32
    model = nn.MLP.from_torch(module)
    assert our_params(model) == torch_params(linears(module.double()))  # float32 numbers are exact in float64
    lone = torch.nn.Linear(2, 2).double()
    assert our_params(nn.MLP.from_torch(lone)) == torch_params([lone])


@pytest.mark.parametrize("make", MODELS)
def test_round_trips_are_exact(make):
    nn.manual_seed(7)
    model = make()
    back = nn.MLP.from_torch(model.to_torch(), fused=model.config["fused"])
    assert back.state_dict() == model.state_dict()
    assert {k: v for k, v in back.config.items() if k != "init"} == {
        k: v for k, v in model.config.items() if k != "init"
    }
    assert outputs(back, POINTS) == outputs(model, POINTS)
    module = model.to_torch()
    again = nn.MLP.from_torch(module).to_torch()
    assert [type(m) for m in again] == [type(m) for m in module]
    assert all(
        torch.equal(a, b) for a, b in zip(module.state_dict().values(), again.state_dict().values(), strict=True)
    )


def test_from_torch_leaves_the_random_sequence_alone():
    nn.manual_seed(11)
    expected = random.random()
    nn.manual_seed(11)
    nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1)))
    assert random.random() == expected


class Custom(torch.nn.Module):
    def forward(self, x):
        return x


@pytest.mark.parametrize(
    ("module", "message"),
    [
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.GELU(), torch.nn.Linear(3, 1)),
            r"layer 1 \(GELU\(approximate='none'\)\) is not supported; an MLP is built from Linear, ReLU\(\), "
            r"Tanh\(\), Sigmoid\(\), LeakyReLU\(0.01\), ELU\(1.0\)$",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(0.1)),
            r"layer 1 \(Dropout\(p=0.1, inplace=False\)\) is not supported",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.2)),
            r"layer 1 \(LeakyReLU\(negative_slope=0.2\)\) is not supported: "
            r"chaingrad's leaky_relu has negative_slope=0.01",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ELU(0.5)),
            r"layer 1 \(ELU\(alpha=0.5\)\) is not supported: chaingrad's elu has alpha=1.0",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 3)),
            r"layer 0 \(ReLU\(\)\) comes before any Linear; start with a Linear",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Tanh()),
            r"layer 2 \(Tanh\(\)\) follows another activation; use one per Linear",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)),
            r"layer 1 \(Linear\(in_features=4, out_features=1, bias=True\)\) takes 4 inputs, "
            r"but the layer before it gives 3",
        ),
        (
            lambda: torch.nn.Sequential(
                torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)
            ),
            r"an MLP has one hidden activation, but this module's hidden layers use \['relu', 'tanh'\]",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1, bias=False)),
            "some Linear layers have a bias and some do not",
        ),
        (lambda: torch.nn.Sequential(), "the Sequential is empty"),
        (lambda: Custom(), "from_torch converts a torch.nn.Sequential of Linear and activation layers, got Custom"),
        (
            lambda: torch.nn.Sequential(torch.nn.Sequential(torch.nn.Linear(2, 1))),
            r"layer 0 \(Sequential\(\)\) is not supported; an MLP is built from Linear, ReLU",
        ),
    ],
)
def test_from_torch_refuses_anything_else_naming_the_layer(module, message):
    with pytest.raises(ValueError, match="from_torch: " + message if not message.startswith("from_torch") else message):
        nn.MLP.from_torch(module())


def test_to_torch_refuses_what_it_cannot_convert():
    class Affine(nn.Module):
        def __init__(self):
            self.a = Value(2.0)

        def forward(self, x):
            return self.a * x

    with pytest.raises(TypeError, match="to_torch converts a Neuron, Layer or MLP, got Affine"):
        Affine().to_torch()
    model = nn.MLP(2, [3, 1])
    model.layers[0].neurons[1].activation = "tanh"
    with pytest.raises(
        ValueError, match=r"to_torch: the neurons of layers.0 have different activations \['relu', 'tanh'\]"
    ):
        model.to_torch()


def test_without_torch_the_error_says_pip_install_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ImportError, match=r"^to_torch needs PyTorch, which is not installed: pip install torch$"):
        nn.MLP(2, [1]).to_torch()
    with pytest.raises(ImportError, match=r"^from_torch needs PyTorch, which is not installed: pip install torch$"):
        nn.MLP.from_torch(None)


def test_importing_nn_does_not_import_torch():
    import os
    import pathlib
    import subprocess

    root = str(pathlib.Path(__file__).resolve().parents[1])  # this checkout's nn, not an installed one
    code = "import sys, nn, nn.torch_bridge; print('torch' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": root}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=root)
    assert result.stdout.strip() == "False"
