"""The way out to PyTorch and back: a Neuron, Layer or MLP as a torch.nn.Sequential of Linear and activation
layers in float64 with the same weights, and an MLP from such a Sequential.

torch stays optional: it is imported only inside these functions.
"""

import random

from .module import MLP, Layer, Neuron

# chaingrad's activation name -> (torch.nn class name, its arguments); 'linear' adds no layer.
TORCH_ACTIVATIONS = {
    "relu": ("ReLU", {}),
    "tanh": ("Tanh", {}),
    "sigmoid": ("Sigmoid", {}),
    "leaky_relu": ("LeakyReLU", {"negative_slope": 0.01}),
    "elu": ("ELU", {"alpha": 1.0}),
}


def to_torch(model):
    """`model` (a Neuron, Layer or MLP) as a torch.nn.Sequential of Linear (float64) and activation layers."""
    torch = _import_torch("to_torch")
    layers = []
    for weights, biases, activation in _linear_layers(model):
        linear = torch.nn.Linear(len(weights[0]), len(weights), bias=biases is not None, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in row] for row in weights], dtype=torch.float64))
            if biases is not None:
                linear.bias.copy_(torch.tensor([b.data for b in biases], dtype=torch.float64))
        layers.append(linear)
        if activation != "linear":
            name, kwargs = TORCH_ACTIVATIONS[activation]
            layers.append(getattr(torch.nn, name)(**kwargs))
    return torch.nn.Sequential(*layers)


def from_torch(module, fused=True):
    """An MLP with the weights of `module`: a torch.nn.Sequential (or one Linear) of Linear layers, each followed
    by at most one supported activation (ReLU, Tanh, Sigmoid, LeakyReLU(0.01), ELU(1.0)); the hidden layers must
    share one activation. Anything else raises ValueError naming the layer."""
    torch = _import_torch("from_torch")
    modules = [module] if type(module) is torch.nn.Linear else _children(module, torch)
    linears, activations = [], []
    for i, layer in enumerate(modules):
        if type(layer) is torch.nn.Linear:
            if linears and layer.in_features != linears[-1].out_features:
                raise ValueError(
                    f"from_torch: layer {i} ({_describe(layer)}) takes {layer.in_features} inputs, but the layer "
                    f"before it gives {linears[-1].out_features}"
                )
            linears.append(layer)
            activations.append("linear")
            continue
        name = _activation_name(layer, i, torch)
        if not linears:
            raise ValueError(f"from_torch: layer {i} ({_describe(layer)}) comes before any Linear; start with a Linear")
        if activations[-1] != "linear":
            raise ValueError(
                f"from_torch: layer {i} ({_describe(layer)}) follows another activation; use one per Linear"
            )
        activations[-1] = name
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(
            f"from_torch: an MLP has one hidden activation, but this module's hidden layers use {sorted(hidden)}"
        )
    if len({linear.bias is None for linear in linears}) > 1:
        raise ValueError(
            "from_torch: some Linear layers have a bias and some do not; an MLP's all have or all lack one"
        )
    state = random.getstate()  # the weights MLP draws are overwritten: leave the seeded sequence as it was
    try:
        mlp = MLP(
            linears[0].in_features,
            [linear.out_features for linear in linears],
            activation=hidden.pop() if hidden else "relu",
            output_activation=activations[-1],
            bias=linears[0].bias is not None,
            fused=fused,
        )
    finally:
        random.setstate(state)
    for layer, linear in zip(mlp.layers, linears, strict=True):
        weight = linear.weight.detach().double().tolist()
        bias = linear.bias.detach().double().tolist() if linear.bias is not None else None
        for j, neuron in enumerate(layer.neurons):
            for w, number in zip(neuron.w, weight[j], strict=True):
                w.data = number
            if bias is not None:
                neuron.b.data = bias[j]
    return mlp


def _linear_layers(model):
    """[(weights: rows of Values, biases: Values or None, activation)] for each layer of a Neuron, Layer or MLP."""
    if isinstance(model, MLP):
        return [_layer(layer, f"layers.{i}") for i, layer in enumerate(model.layers)]
    if isinstance(model, Layer):
        return [_layer(model, "the layer")]
    if isinstance(model, Neuron):
        return [([model.w], None if model.b is None else [model.b], model.activation)]
    raise TypeError(f"to_torch converts a Neuron, Layer or MLP, got {type(model).__name__}")


def _layer(layer, where):
    neurons = layer.neurons
    activations = {n.activation for n in neurons}
    if len(activations) > 1:
        raise ValueError(f"to_torch: the neurons of {where} have different activations {sorted(activations)}")
    if len({n.b is None for n in neurons}) > 1:
        raise ValueError(f"to_torch: some neurons of {where} have a bias and some do not")
    if len({len(n.w) for n in neurons}) > 1:
        raise ValueError(f"to_torch: the neurons of {where} have different numbers of inputs")
    biases = None if neurons[0].b is None else [n.b for n in neurons]
    return [n.w for n in neurons], biases, activations.pop()


def _children(module, torch):
    if not isinstance(module, torch.nn.Sequential):
        raise ValueError(
            f"from_torch converts a torch.nn.Sequential of Linear and activation layers, got {type(module).__name__}"
        )
    children = list(module)
    if not children:
        raise ValueError("from_torch: the Sequential is empty")
    return children


def _activation_name(layer, i, torch):
    """chaingrad's name for a torch activation layer, or ValueError naming the layer and what is supported."""
    for name, (class_name, kwargs) in TORCH_ACTIVATIONS.items():
        if type(layer) is getattr(torch.nn, class_name):
            settings = {key: getattr(layer, key) for key in kwargs}
            if settings != kwargs:
                raise ValueError(
                    f"from_torch: layer {i} ({_describe(layer)}) is not supported: chaingrad's {name} has "
                    f"{', '.join(f'{k}={v}' for k, v in kwargs.items())}"
                )
            return name
    supported = ", ".join(
        ["Linear", *(f"{c}({', '.join(map(str, k.values()))})" for c, k in TORCH_ACTIVATIONS.values())]
    )
    raise ValueError(f"from_torch: layer {i} ({_describe(layer)}) is not supported; an MLP is built from {supported}")


def _describe(layer):
    """A torch layer on one line, as its repr without the children: 'Linear(in_features=2, out_features=3, ...)'."""
    return f"{type(layer).__name__}({layer.extra_repr()})"


def _import_torch(what):
    try:
        import torch
    except ImportError:
        raise ImportError(f"{what} needs PyTorch, which is not installed: pip install torch") from None
    return torch
