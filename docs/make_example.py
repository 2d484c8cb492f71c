"""Make docs/example.svg, the README's picture: the neuron of "Backpropagation & Gradient Descent" after
backward, with the chain-rule path to w.

Run from the repository root: `python docs/make_example.py` (needs Graphviz's `dot`).
"""

import pathlib

from autograd import Value
from autograd.viz import draw

x, w, b = Value(2.0, label="x"), Value(3.0, label="w"), Value(1.0, label="b")
wx = w * x
wx.label = "w·x"
z = wx + b
z.label = "z"
a = z.sigmoid()
a.label = "a"
error = a - 1.0
error.label = "a − y"
L = error**2
L.label = "L"
L.backward()

out = pathlib.Path(__file__).with_name("example.svg")
draw(L, out, rankdir="TB", show_local_grads=True, highlight=[L, error, a, z, wx, w])
print(f"wrote {out}: dL/dw = {w.grad:.4g} = the product of the numbers along the highlighted path")
