"""The five workloads for every engine, and the worker that times one of them in a fresh interpreter.

`python -m benchmarks.workloads ENGINE WORKLOAD [--size full|tiny] [--count-nodes]` runs ONE round: it prepares
the inputs (untimed), runs the workload once at tiny size to warm up, then times a run (runs shorter than half a
second are repeated on fresh inputs, and the round takes their median) and prints one JSON line: the seconds, the
seconds the cycle collector ran inside them, the peak memory above the baseline taken just before, optionally the
number of nodes in the graph, and checksums of the results (loss, gradients, updated parameters) that
`benchmarks.run` compares across engines.

The timed run is the whole step: making the leaves, building the graph, backward and, for `mlp_step`, zeroing the
grads and the SGD update. Freeing the graph afterwards is not timed (the worker exits without tearing it down).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy's BLAS on one thread, as PyTorch here (before any import)

import argparse
import contextlib
import gc
import itertools
import json
import math
import random
import resource
import sys
import time
from collections import namedtuple

# --- sizes and inputs: plain Python numbers, the same for every engine ----------------------------------------------

Sizes = namedtuple("Sizes", "points chain terms reps moons")
SIZES = {
    "full": Sizes(points=100, chain=1_000_000, terms=1_000_000, reps=10_000, moons=10_000),
    "tiny": Sizes(points=5, chain=1_000, terms=1_000, reps=10, moons=12),
}
WORKLOADS = ("mlp_step", "deep_chain", "wide_sum", "expr_mix", "moons_10k")

SEED = 1337
NIN, NOUTS = 2, (16, 16, 1)  # micrograd's demo network: 337 parameters
MOONS_NOUTS = (32, 32, 1)  # moons_10k's wider network: 1,185 parameters
MICROGRAD_CHUNK = 250  # moons_10k on micrograd: points per graph (a graph of all 10,000 would need ~30 GB)
ALPHA = 1e-4  # L2 weight of micrograd's demo loss
LR = 0.1  # SGD learning rate
X0, MUL, ADD = 0.5, 1.000001, 0.000001  # deep_chain: y = x0, then y = y * MUL, y = y + ADD, alternating

MLPData = namedtuple("MLPData", "X y weights nouts", defaults=(NOUTS,))
SumData = namedtuple("SumData", "A B")


def moons(n, noise=0.1, seed=SEED):
    """n points of two interleaving half circles, alternating labels +1 (upper arc) and -1 (lower arc)."""
    rng = random.Random(seed)
    X, y = [], []
    for i in range(n):
        t = math.pi * rng.random()
        upper = i % 2 == 0
        cx, cy = (math.cos(t), math.sin(t)) if upper else (1.0 - math.cos(t), 0.5 - math.sin(t))
        X.append([cx + noise * rng.gauss(0.0, 1.0), cy + noise * rng.gauss(0.0, 1.0)])
        y.append(1.0 if upper else -1.0)
    return X, y


def mlp_weights(seed=SEED, nouts=NOUTS):
    """One fixed set of U(−1, 1) parameters in micrograd's order: layer by layer, neuron by neuron, w₀ … wₙ₋₁, b."""
    rng = random.Random(seed + 1)
    sizes = [NIN, *nouts]
    count = sum((nin + 1) * nout for nin, nout in itertools.pairwise(sizes))
    return [rng.uniform(-1.0, 1.0) for _ in range(count)]


def layer_rows(flat, nouts=NOUTS):
    """The flat parameters as [[row, …] per layer], a row being one neuron's [w₀ … wₙ₋₁, b]."""
    sizes, layers, k = [NIN, *nouts], [], 0
    for nin, nout in itertools.pairwise(sizes):
        layers.append([flat[k + j * (nin + 1): k + (j + 1) * (nin + 1)] for j in range(nout)])
        k += (nin + 1) * nout
    return layers


def inputs(workload, size):
    """The workload's inputs at `size` ('full' or 'tiny')."""
    sizes = SIZES[size]
    if workload == "mlp_step":
        return MLPData(*moons(sizes.points), mlp_weights())
    if workload == "deep_chain":
        return sizes.chain
    if workload == "wide_sum":
        rng = random.Random(SEED + 2)
        return SumData(*([rng.uniform(-1.0, 1.0) for _ in range(sizes.terms)] for _ in range(2)))
    if workload == "expr_mix":
        return sizes.reps
    if workload == "moons_10k":
        return MLPData(*moons(sizes.moons), mlp_weights(nouts=MOONS_NOUTS), MOONS_NOUTS)
    raise ValueError(f"unknown workload {workload!r}; choose from {', '.join(WORKLOADS)}")


# --- the computations, written once for every engine whose numbers have +, *, ** and .relu() ----------------------


def scalar_mlp(layers, x):
    """micrograd's MLP forward: each neuron b + w₀x₀ + w₁x₁ + …, left to right; relu except in the last layer."""
    for k, layer in enumerate(layers):
        out = []
        for *w, b in layer:
            act = b
            for wi, xi in zip(w, x, strict=True):
                act = act + wi * xi
            out.append(act if k == len(layers) - 1 else act.relu())
        x = out
    return x[0]


def demo_loss(scores, y, params):
    """micrograd's demo loss: mean(relu(1 − y·score)) + α·Σp², written as its demo writes it."""
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in params)
    return data_loss + reg_loss


def chain(y, n):
    """n ops from y: y * MUL and y + ADD, alternating."""
    for _ in range(n // 2):
        y = y * MUL
        y = y + ADD
    return y


def more_ops(a, b):
    """micrograd's test_more_ops expression (test/test_engine.py), with each `x += …` written as `x = x + (…)`."""
    c = a + b
    d = a * b + b**3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + (b + a).relu())
    d = d + (3 * d + (b - a).relu())
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return g


def sgd(params):
    """p ← p − lr·∂L/∂p on Values (chaingrad, micrograd)."""
    for p in params:
        p.data -= LR * p.grad


# --- checksums: a few numbers per result, compared across engines ----------------------------------------------


def summary(name, values):
    """Σ, Σ|·| and the first, middle and last entries of a list of floats."""
    values = [float(v) for v in values]
    mid = len(values) // 2
    return {
        f"{name} sum": math.fsum(values),
        f"{name} abs sum": math.fsum(map(abs, values)),
        f"{name}[0]": values[0],
        f"{name}[{mid}]": values[mid],
        f"{name}[-1]": values[-1],
    }


def mlp_checksums(loss, grads, params):
    return {"loss": float(loss), **summary("grad", grads), **summary("param", params)}


def chain_checksums(y, x_grad):
    return {"y": float(y), "x.grad": float(x_grad)}


def sum_checksums(out, a_grads, b_grads):
    return {"sum": float(out), **summary("a.grad", a_grads), **summary("b.grad", b_grads)}


def expr_checksums(gs, a_grads, b_grads):
    return {**summary("g", gs), **summary("a.grad", a_grads), **summary("b.grad", b_grads)}


# --- engines ------------------------------------------------------------------------------------------------------
# Each engine has a method per workload it supports: given the inputs it does the untimed setup and returns a
# Case: `run()` is what gets timed, `read(out)` gives the checksums, `count(out)` the number of graph nodes
# (None when the engine has no scalar graph), `note` what the table should say about how it ran.

Case = namedtuple("Case", "run read count note", defaults=(None, ""))


class Chaingrad:
    """This project's `autograd` and `nn`, each workload written the fastest way its README shows."""

    label = "chaingrad"
    modules = ("autograd", "nn")
    disable_gc = False

    def mlp_step(self, data):
        import nn
        from nn import functional as F

        model = nn.MLP(NIN, list(data.nouts))
        params = model.parameters()
        for p, w in zip(params, data.weights, strict=True):
            p.data = w

        def run():
            scores = [model(x) for x in data.X]
            loss = F.hinge_loss(scores, data.y) + F.l2_penalty(params, alpha=ALPHA)
            model.zero_grad()
            loss.backward()
            sgd(params)
            return loss

        def read(loss):
            return mlp_checksums(loss.data, [p.grad for p in params], [p.data for p in params])

        return Case(run, read, self.count, "nn.MLP, F.hinge_loss + F.l2_penalty")

    moons_10k = mlp_step

    def deep_chain(self, n):
        from autograd import Value

        def run():
            x = Value(X0)
            y = chain(x, n)
            y.backward()
            return x, y

        return Case(run, lambda out: chain_checksums(out[1].data, out[0].grad), lambda out: self.count(out[1]))

    def wide_sum(self, data):
        import autograd
        from autograd import Value

        dot = getattr(autograd, "dot", None)

        def run():
            a = [Value(v) for v in data.A]
            b = [Value(v) for v in data.B]
            out = dot(a, b) if dot else autograd.sum([x * y for x, y in zip(a, b, strict=True)])
            out.backward()
            return a, b, out

        def read(out):
            a, b, total = out
            return sum_checksums(total.data, [v.grad for v in a], [v.grad for v in b])

        note = "autograd.dot(a, b)" if dot else "autograd.sum([a*b …]) (no autograd.dot yet)"
        return Case(run, read, lambda out: self.count(out[2]), note)

    def expr_mix(self, reps):
        from autograd import Value

        return values_expr_mix(Value, reps, self.count)

    @staticmethod
    def count(root):
        import autograd

        return len(autograd.topological_order(root))


class ChaingradCompiled:
    """chaingrad's own per-sample code, run over the batch by autograd.compile (traced in the untimed setup)."""

    label = "chaingrad compiled"
    modules = ("autograd", "nn", "numpy")
    disable_gc = False

    def mlp_step(self, data):
        import numpy as np

        import autograd
        import nn
        from nn import functional as F

        model = nn.MLP(NIN, list(data.nouts))
        params = model.parameters()
        for p, w in zip(params, data.weights, strict=True):
            p.data = w

        def sample_loss(x, label):
            return F.hinge_loss([model(x)], [label]) + F.l2_penalty(params, alpha=ALPHA)

        step = autograd.compile(sample_loss, static_argnums=(1,))  # the label, whose sign hinge_loss reads
        X, y = np.array(data.X), np.array(data.y)
        step(X[:2], y[:2], reduction="none")  # the trace, for both labels (moons alternates them)

        def run():
            for p in params:  # model.zero_grad(), without walking the modules for the parameters again
                p.grad = 0.0
            loss = step(X, y)
            sgd(params)
            return loss

        def read(loss):
            return mlp_checksums(loss, [p.grad for p in params], [p.data for p in params])

        return Case(run, read, note="autograd.compile(per-sample F.hinge_loss + F.l2_penalty), label static")

    moons_10k = mlp_step


def values_expr_mix(Value, reps, count):
    """expr_mix for micrograd-style Values: `reps` independent graphs, each from fresh leaves a = −4, b = 2."""

    def run():
        out = []
        for _ in range(reps):
            a, b = Value(-4.0), Value(2.0)
            g = more_ops(a, b)
            g.backward()
            out.append((g.data, a.grad, b.grad))
        return out

    def read(out):
        return expr_checksums(*zip(*out, strict=True))

    return Case(run, read, lambda out: reps * count(more_ops(Value(-4.0), Value(2.0))), "independent graphs")


class Micrograd:
    """micrograd 0.1.0 from PyPI, used as its README and demo use it."""

    label = "micrograd 0.1.0"
    modules = ("micrograd",)
    disable_gc = False

    def mlp_step(self, data):
        from micrograd.engine import Value
        from micrograd.nn import MLP

        model = MLP(NIN, list(NOUTS))
        params = model.parameters()
        for p, w in zip(params, data.weights, strict=True):
            p.data = w

        def run():
            scores = [model(list(map(Value, x))) for x in data.X]
            loss = demo_loss(scores, data.y, params)
            model.zero_grad()
            loss.backward()
            sgd(params)
            return loss

        def read(loss):
            return mlp_checksums(loss.data, [p.grad for p in params], [p.data for p in params])

        return Case(run, read, self.count)

    def moons_10k(self, data):
        """mlp_step's loss, its graph built and back-propagated MICROGRAD_CHUNK points at a time (the mean's
        gradient is the sum of the chunks'), so that it fits in memory; the L2 term with the last chunk."""
        from micrograd.engine import Value
        from micrograd.nn import MLP

        model = MLP(NIN, list(data.nouts))
        params = model.parameters()
        for p, w in zip(params, data.weights, strict=True):
            p.data = w
        n = len(data.X)
        note = self.raise_recursion_limit(2 * (MICROGRAD_CHUNK + len(params)))  # the sums are chains of adds

        def run():
            model.zero_grad()
            total = 0.0
            for start in range(0, n, MICROGRAD_CHUNK):
                X, y = data.X[start : start + MICROGRAD_CHUNK], data.y[start : start + MICROGRAD_CHUNK]
                scores = [model(list(map(Value, x))) for x in X]
                losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
                loss = sum(losses) * (1.0 / n)
                if start + MICROGRAD_CHUNK >= n:
                    loss = loss + ALPHA * sum(p * p for p in params)
                loss.backward()
                total += loss.data
            sgd(params)
            return total

        def read(loss):
            return mlp_checksums(loss, [p.grad for p in params], [p.data for p in params])

        return Case(run, read, note=f"graphs of {MICROGRAD_CHUNK} points at a time, their gradients summed; {note}")

    def deep_chain(self, n):
        from micrograd.engine import Value

        note = self.raise_recursion_limit(2 * n)

        def run():
            x = Value(X0)
            y = chain(x, n)
            y.backward()
            return x, y

        return Case(run, lambda out: chain_checksums(out[1].data, out[0].grad), lambda out: self.count(out[1]), note)

    def wide_sum(self, data):
        from micrograd.engine import Value

        note = self.raise_recursion_limit(2 * len(data.A))

        def run():
            a = [Value(v) for v in data.A]
            b = [Value(v) for v in data.B]
            out = sum(x * y for x, y in zip(a, b, strict=True))
            out.backward()
            return a, b, out

        def read(out):
            a, b, total = out
            return sum_checksums(total.data, [v.grad for v in a], [v.grad for v in b])

        return Case(run, read, lambda out: self.count(out[2]), f"builtin sum; {note}")

    def expr_mix(self, reps):
        from micrograd.engine import Value

        return values_expr_mix(Value, reps, self.count)

    @staticmethod
    def raise_recursion_limit(depth):
        """micrograd's topological sort recurses once per node along the longest path."""
        limit = max(sys.getrecursionlimit(), depth + 10_000)
        sys.setrecursionlimit(limit)
        return f"recursion limit {limit:,}"

    @staticmethod
    def count(root):
        seen, stack = set(), [root]
        while stack:
            v = stack.pop()
            if v not in seen:
                seen.add(v)
                stack.extend(v._prev)
        return len(seen)


class MicrogradGCDisabled(Micrograd):
    """micrograd 0.1.0 with the cycle collector switched off (gc.disable()) for the timed run."""

    label = "micrograd 0.1.0, gc disabled"
    disable_gc = True


class MicrogradRust:
    """micrograd-rust (Rust/PyO3): listed so the table says it was not measured; there is no adapter."""

    label = "micrograd-rust"
    modules = ("micrograd_rust",)
    disable_gc = False


def import_torch():
    """torch, on one thread: these workloads are too small to gain from more, and the other engines use one."""
    import torch

    torch.set_num_threads(1)
    return torch


class TorchScalar:
    """PyTorch, one op at a time on 0-d float64 tensors (requires_grad leaves), written as micrograd's code."""

    label = "PyTorch, scalar ops"
    modules = ("torch",)
    disable_gc = False

    def mlp_step(self, data):
        torch = import_torch()

        params = [self.leaf(w) for w in data.weights]
        layers = layer_rows(params)

        def run():
            scores = [scalar_mlp(layers, x) for x in data.X]
            loss = demo_loss(scores, data.y, params)
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= LR * p.grad
            return loss

        def read(loss):
            return mlp_checksums(loss.item(), [p.grad.item() for p in params], [p.item() for p in params])

        return Case(run, read, self.count, "micrograd's MLP written out on 0-d tensors")

    def deep_chain(self, n):
        def run():
            x = self.leaf(X0)
            y = chain(x, n)
            y.backward()
            return x, y

        return Case(run, lambda out: chain_checksums(out[1].item(), out[0].grad.item()), lambda out: self.count(out[1]))

    def wide_sum(self, data):
        torch = import_torch()

        def run():
            a = [self.leaf(v) for v in data.A]
            b = [self.leaf(v) for v in data.B]
            out = sum(x * y for x, y in zip(a, b, strict=True))
            out.backward()
            return a, b, out

        def read(out):
            a, b, total = out
            grads = (torch.stack([v.grad for v in leaves]).tolist() for leaves in (a, b))
            return sum_checksums(total.item(), *grads)

        return Case(run, read, lambda out: self.count(out[2]), "builtin sum")

    def expr_mix(self, reps):
        def run():
            out = []
            for _ in range(reps):
                a, b = self.leaf(-4.0), self.leaf(2.0)
                g = more_ops(a, b)
                g.backward()
                out.append((g.item(), a.grad.item(), b.grad.item()))
            return out

        def read(out):
            return expr_checksums(*zip(*out, strict=True))

        def count(out):
            return reps * self.count(more_ops(self.leaf(-4.0), self.leaf(2.0)))

        return Case(run, read, count, "independent graphs")

    @staticmethod
    def leaf(x):
        torch = import_torch()

        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    @staticmethod
    def count(root):
        """Autograd nodes reachable from root.grad_fn, leaves' AccumulateGrad nodes included."""
        seen, stack = set(), [root.grad_fn]
        while stack:
            fn = stack.pop()
            if fn is not None and fn not in seen:
                seen.add(fn)
                stack.extend(next_fn for next_fn, _ in fn.next_functions)
        return len(seen)


class TorchTensor:
    """PyTorch, the natural batched version: float64 tensors, matrix products, one backward."""

    label = "PyTorch, tensors"
    modules = ("torch",)
    disable_gc = False

    def mlp_step(self, data):
        torch = import_torch()

        blocks = [torch.tensor(rows, dtype=torch.float64) for rows in layer_rows(data.weights, data.nouts)]
        params = [t for block in blocks for t in (block[:, :-1].clone(), block[:, -1].clone())]
        for p in params:
            p.requires_grad_()
        X = torch.tensor(data.X, dtype=torch.float64)
        y = torch.tensor(data.y, dtype=torch.float64)

        def run():
            h = X
            for k in range(0, len(params), 2):
                h = h @ params[k].T + params[k + 1]
                h = h.relu() if k < len(params) - 2 else h[:, 0]
            loss = (1 - y * h).relu().mean() + ALPHA * sum((p * p).sum() for p in params)
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= LR * p.grad
            return loss

        def flat(tensors):
            pairs = zip(tensors[::2], tensors[1::2], strict=True)
            return torch.cat([torch.cat([w, b[:, None]], 1).reshape(-1) for w, b in pairs])

        def read(loss):
            return mlp_checksums(loss.item(), flat([p.grad for p in params]).tolist(), flat(params).tolist())

        return Case(run, read)

    moons_10k = mlp_step

    def wide_sum(self, data):
        torch = import_torch()

        A, B = (torch.tensor(v, dtype=torch.float64) for v in data)

        def run():
            a, b = A.clone().requires_grad_(), B.clone().requires_grad_()
            out = torch.dot(a, b)
            out.backward()
            return a, b, out

        def read(out):
            a, b, total = out
            return sum_checksums(total.item(), a.grad.tolist(), b.grad.tolist())

        return Case(run, read, note="torch.dot")

    def expr_mix(self, reps):
        torch = import_torch()

        def run():
            a = torch.full((reps,), -4.0, dtype=torch.float64, requires_grad=True)
            b = torch.full((reps,), 2.0, dtype=torch.float64, requires_grad=True)
            g = more_ops(a, b)
            g.sum().backward()
            return g, a, b

        def read(out):
            g, a, b = out
            return expr_checksums(g.tolist(), a.grad.tolist(), b.grad.tolist())

        return Case(run, read, note="one graph on vectors of length reps")


class Numpy:
    """Hand-written forward and hand-derived backward in numpy: the near-limit reference."""

    label = "hand-written numpy"
    modules = ("numpy",)
    disable_gc = False

    def mlp_step(self, data):
        import numpy as np

        blocks = [np.array(rows) for rows in layer_rows(data.weights, data.nouts)]
        params = [t for block in blocks for t in (block[:, :-1].copy(), block[:, -1].copy())]
        X, y = np.array(data.X), np.array(data.y)

        def run():
            loss, grads = numpy_mlp_loss_and_grads(params, X, y)
            for p, g in zip(params, grads, strict=True):
                p -= LR * g
            return loss, grads

        def flat(arrays):
            pairs = zip(arrays[::2], arrays[1::2], strict=True)
            return np.concatenate([np.c_[w, b].ravel() for w, b in pairs])

        def read(out):
            loss, grads = out
            return mlp_checksums(loss, flat(grads).tolist(), flat(params).tolist())

        return Case(run, read)

    moons_10k = mlp_step

    def deep_chain(self, n):
        def run():
            y = X0
            for _ in range(n // 2):
                y = y * MUL
                y = y + ADD
            x_grad = 1.0
            for _ in range(n // 2):
                x_grad = x_grad * MUL  # the adds pass the gradient on; each multiply scales it
            return y, x_grad

        return Case(run, lambda out: chain_checksums(*out), note="plain floats: a chain has no vectorised form")

    def wide_sum(self, data):
        import numpy as np

        A, B = np.array(data.A), np.array(data.B)

        def run():
            return A @ B, B.copy(), A.copy()  # ∂(a·b)/∂a = b, ∂(a·b)/∂b = a

        def read(out):
            total, a_grad, b_grad = out
            return sum_checksums(total, a_grad.tolist(), b_grad.tolist())

        return Case(run, read)

    def expr_mix(self, reps):
        import numpy as np

        def run():
            return numpy_more_ops(np.full(reps, -4.0), np.full(reps, 2.0))

        def read(out):
            return expr_checksums(*(v.tolist() for v in out))

        return Case(run, read, note="vectors of length reps")


def numpy_mlp_loss_and_grads(params, X, y):
    """The demo loss of the MLP on X (rows) and its gradients, back-propagated by hand (relu′(0) = 0)."""
    import numpy as np

    W1, b1, W2, b2, W3, b3 = params
    z1 = X @ W1.T + b1
    h1 = np.maximum(z1, 0.0)
    z2 = h1 @ W2.T + b2
    h2 = np.maximum(z2, 0.0)
    s = (h2 @ W3.T + b3)[:, 0]
    margin = 1.0 - y * s
    loss = np.maximum(margin, 0.0).mean() + ALPHA * sum((p * p).sum() for p in params)
    ds = (-y * (margin > 0) / len(y))[:, None]
    dz2 = (ds @ W3) * (z2 > 0)
    dz1 = (dz2 @ W2) * (z1 > 0)
    grads = [dz1.T @ X, dz1.sum(0), dz2.T @ h1, dz2.sum(0), ds.T @ h2, ds.sum(0)]
    return float(loss), [g + 2 * ALPHA * p for g, p in zip(grads, params, strict=True)]


def numpy_more_ops(a, b):
    """more_ops on arrays, and its gradients derived by hand: (g, ∂g/∂a, ∂g/∂b)."""
    import numpy as np

    c = a + b
    d = a * b + b**3
    c2 = c + (c + 1)
    c3 = c2 + (1 + c2 + (-a))
    s1, s2 = b + a, b - a
    d2 = d + (d * 2 + np.maximum(s1, 0.0))
    d3 = d2 + (3 * d2 + np.maximum(s2, 0.0))
    e = c3 - d3
    f = e**2
    g = f / 2.0 + 10.0 / f
    de = (0.5 - 10.0 / f**2) * 2 * e  # ∂g/∂f · ∂f/∂e; then e = c3 − d3
    dd2 = -de * 4  # d3 = 4·d2 + relu(b − a)
    dd = dd2 * 3  # d2 = 3·d + relu(b + a)
    dc = de * 2 * 2  # c3 = 2·c2 + 1 − a, c2 = 2·c + 1
    ds1, ds2 = dd2 * (s1 > 0), -de * (s2 > 0)
    da = dc + dd * b + ds1 - ds2 - de
    db = dc + dd * (a + 3 * b**2) + ds1 + ds2
    return g, da, db


ENGINES = {
    "chaingrad": Chaingrad,
    "chaingrad_compiled": ChaingradCompiled,
    "micrograd": Micrograd,
    "micrograd_nogc": MicrogradGCDisabled,
    "micrograd_rust": MicrogradRust,
    "torch_scalar": TorchScalar,
    "torch_tensor": TorchTensor,
    "numpy": Numpy,
}


# --- measuring one round ------------------------------------------------------------------------------------------


class GCTimer:
    """Seconds the cycle collector runs while installed: the time between its 'start' and 'stop' callbacks."""

    def __init__(self):
        self.seconds, self.collections, self._started = 0.0, 0, 0.0

    def __call__(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections += 1

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self)


class PeakMemory:
    """Peak resident memory above the level at creation: Linux's VmHWM after resetting it (/proc/self/clear_refs),
    else the growth of getrusage's ru_maxrss (which only shows peaks above the process's earlier ones)."""

    def __init__(self):
        self.reset = self._reset_peak()
        self.baseline = self._status_kib("VmRSS") if self.reset else self._maxrss_kib()

    def bytes(self):
        peak = self._status_kib("VmHWM") if self.reset else self._maxrss_kib()
        return max(peak - self.baseline, 0) * 1024

    @staticmethod
    def _reset_peak():
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    @staticmethod
    def _status_kib(field):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise RuntimeError(f"no {field} in /proc/self/status")

    @staticmethod
    def _maxrss_kib():
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return maxrss // 1024 if sys.platform == "darwin" else maxrss


KEEP_ALIVE = []  # the measured graph, left for os._exit: tearing down a 1e6-deep torch graph whose nodes have
# Python wrappers (made by TorchScalar.count) overflows the C stack, and micrograd's would need the cycle collector
REPEAT_UNTIL = 0.5  # seconds: shorter runs are repeated on fresh inputs, and the round takes their median
MAX_REPEATS = 25


def measure(engine_name, workload, size, count_nodes=False):
    """One round of `workload` on `engine_name`, as a dict for JSON: after a warm-up at tiny size, timed runs on
    fresh inputs until they add up to REPEAT_UNTIL seconds (at most MAX_REPEATS); the median run's times, the
    first run's peak memory, nodes and checksums."""
    engine = ENGINES[engine_name]()
    case_for = getattr(engine, workload, None)
    if case_for is None:
        raise ValueError(f"{engine_name} has no {workload}")
    timed_run(engine, case_for(inputs(workload, "tiny")))
    data = inputs(workload, size)
    case = case_for(data)
    first, out = timed_run(engine, case)
    KEEP_ALIVE.append(out)
    runs = [first]
    repeat_until = REPEAT_UNTIL if size == "full" else 0.0  # tiny is the smoke test's size: one run is enough
    while math.fsum(run["seconds"] for run in runs) < repeat_until and len(runs) < MAX_REPEATS:
        runs.append(timed_run(engine, case_for(data))[0])
    median = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
    return {
        **median,
        "repeats": len(runs),
        "peak_bytes": first["peak_bytes"],
        "nodes": case.count(out) if count_nodes and case.count else None,
        "recursion_limit": sys.getrecursionlimit(),
        "note": case.note,
        "checksums": case.read(out),
    }


def timed_run(engine, case):
    """Run `case` once after a full collection: ({seconds, gc_seconds, gc_collections, peak_bytes}, its output)."""
    gc.collect()
    memory = PeakMemory()
    with gc_disabled(engine.disable_gc), GCTimer() as collector:
        start = time.perf_counter()
        out = case.run()
        seconds = time.perf_counter() - start
    times = {"seconds": seconds, "gc_seconds": collector.seconds, "gc_collections": collector.collections}
    return {**times, "peak_bytes": memory.bytes()}, out


@contextlib.contextmanager
def gc_disabled(disable):
    """Switch the cycle collector off inside, if `disable`."""
    if disable:
        gc.disable()
    try:
        yield
    finally:
        gc.enable()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Time one round of one workload on one engine; print JSON.")
    parser.add_argument("engine", choices=ENGINES)
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("--size", choices=SIZES, default="full")
    parser.add_argument("--count-nodes", action="store_true", help="also count the graph's nodes (untimed)")
    args = parser.parse_args(argv)
    try:
        result = measure(args.engine, args.workload, args.size, args.count_nodes)
    except Exception as error:  # RecursionError, MemoryError, …: reported in the table, not raised
        result = {"error": f"{type(error).__name__}: {error}"[:200]}
    print(json.dumps(result), flush=True)
    sys.stderr.flush()
    os._exit(0)  # leave without tearing down the graph in KEEP_ALIVE


if __name__ == "__main__":
    main()
