"""chaingrad's neural networks, built only from `autograd.Value` operations: modules, losses, optimizers."""

from autograd.viz import GraphvizNotFoundError

from . import functional, optim, utils
from .data import DataLoader, make_blobs, make_circles, make_linear, make_moons, train_test_split
from .draw import draw_network
from .module import MLP, Layer, Module, Neuron, manual_seed
from .serialization import load, save
from .train import EarlyStopping, History, accuracy, fit

__all__ = [
    "MLP",
    "DataLoader",
    "EarlyStopping",
    "GraphvizNotFoundError",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "accuracy",
    "draw_network",
    "fit",
    "functional",
    "load",
    "make_blobs",
    "make_circles",
    "make_linear",
    "make_moons",
    "manual_seed",
    "optim",
    "save",
    "train_test_split",
    "utils",
]
