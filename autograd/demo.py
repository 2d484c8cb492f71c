"""The engine demo (`bash dev.sh demo`): one sigmoid neuron forward and backward, its graph, a second derivative."""

import pathlib

from autograd import GraphvizNotFoundError, Value, draw, grad


def main():
    """Print seed 003's single neuron (x=2, w=3, b=1, target 1) forward and backward, and d²/dx² tanh."""
    x, w, b = Value(2.0, "x"), Value(3.0, "w"), Value(1.0, "b")
    z = w * x + b
    a = z.sigmoid()
    loss = (a - 1.0) ** 2
    loss.backward()
    print(f"z = w·x + b   = {z.data:.6g}")
    print(f"a = σ(z)      = {a.data:.6f}")
    print(f"L = (a − 1)²  = {loss.data:.4g}")
    print(f"dL/dw = {w.grad:.4g}   dL/db = {b.grad:.4g}   dL/dx = {x.grad:.4g}")
    d2 = grad(grad(lambda t: t.tanh()))(0.5)
    print(f"d²/dx² tanh(x) at 0.5 = {d2:.6f}")
    out = pathlib.Path("chaingrad-demo")
    out.mkdir(exist_ok=True)
    try:
        path = draw(loss, out / "neuron.svg", show_local_grads=True).path
        print(f"wrote {path}: the graph with data, grads and local derivatives")
    except GraphvizNotFoundError as error:
        print(error)


if __name__ == "__main__":
    main()
