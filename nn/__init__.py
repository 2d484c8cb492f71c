"""chaingrad's neural networks, built only from `autograd.Value` operations: modules, losses, optimizers."""

from . import functional, optim, utils
from .draw import GraphvizNotFoundError, draw_network
from .module import MLP, Layer, Module, Neuron, manual_seed
from .serialization import load, save

__all__ = [
    "MLP",
    "GraphvizNotFoundError",
    "Layer",
    "Module",
    "Neuron",
    "draw_network",
    "functional",
    "load",
    "manual_seed",
    "optim",
    "save",
    "utils",
]
