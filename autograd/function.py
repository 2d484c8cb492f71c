"""Custom ops as PyTorch writes them: subclass `autograd.Function`, define `forward` and `backward`, call `apply`.

```python
class Cube(autograd.Function):
    derivatives = ("3*x**2",)  # optional: ∂out/∂input as formulas, for autograd.explain

    @staticmethod
    def forward(ctx, x):  # x is a float
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):  # one gradient per input of forward
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2
```

`Cube.apply(v)` is a node of op 'Cube'. Its node records `custom.user_op_rule`, as an op built the micrograd
way does, with a `FunctionOp` as its parameter: backward, `gradients` and the drawings ask that for the shares.
Under `create_graph=True` backward gets Values: `grad`, and each saved input or output as its node, so a
backward written with Value ops (x.cos(), autograd.exp, operators) can be differentiated again.
"""

from .custom import user_op_rule
from .fastpath import add_share
from .scalar import as_real, number
from .value import CONSTANT, Value, constant, make_node


class FunctionCtx:
    """What forward hands to backward: `save_for_backward(*values)`, `saved_tensors`, any attribute you set, and
    `needs_input_grad` (a bool per input: is it a Value that requires grad)."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self._saved, self._nodes = (), None

    def save_for_backward(self, *values):
        """Keep `values` (forward's inputs, its output, or other numbers) for backward, as `saved_tensors`."""
        self._saved = values

    @property
    def saved_tensors(self):
        """What save_for_backward kept; under create_graph, forward's inputs and output as their nodes."""
        nodes = self._nodes
        return self._saved if nodes is None else tuple(nodes.get(id(value), value) for value in self._saved)


class FunctionOp:
    """A Function node's parameter: the Function, its ctx, forward's inputs, and which of them are the parents."""

    __slots__ = ("function", "ctx", "inputs", "positions")

    def __init__(self, function, ctx, inputs, positions):
        self.function, self.ctx, self.inputs, self.positions = function, ctx, inputs, positions

    @property
    def name(self):
        return self.function.__name__

    @property
    def derivatives(self):
        """The Function's `derivatives` formulas, when every input is a parent (their symbols are the parents')."""
        all_parents = len(self.positions) == len(self.inputs)
        return tuple(getattr(self.function, "derivatives", ())) if all_parents else ()

    def shares(self, node, g, create_graph):
        """g·∂node/∂parent for each parent, from the Function's backward (called with Values under create_graph)."""
        ctx = self.ctx
        if create_graph:
            ctx._nodes = {id(self.inputs[i]): parent for i, parent in zip(self.positions, node.parents, strict=True)}
            ctx._nodes[id(node.data)] = node
        try:
            grads = self.function.backward(ctx, g)
        finally:
            ctx._nodes = None
        grads = grads if isinstance(grads, (tuple, list)) else (grads,)
        if len(grads) != len(self.inputs):
            raise TypeError(
                f"{self.name}.backward returned {len(grads)} gradients, but forward took {len(self.inputs)} inputs: "
                "return one per input (None for an input that needs none)"
            )
        shares = [0.0 if grads[i] is None else grads[i] for i in self.positions]
        return shares if create_graph else [number(s) for s in shares]

    def accumulate(self, node, g):
        """The fast path's step: add each parent's share into its `.grad`."""
        for parent, share in zip(node.parents, self.shares(node, g, False), strict=True):
            add_share(parent, share)  # += share, or share where grad is None (no gradient yet)

    def __repr__(self):
        return f"<{self.name} node's Function>"


class Function:
    """A custom op, as torch.autograd.Function: `forward(ctx, *inputs)` on floats returns a float,
    `backward(ctx, grad)` returns one gradient per input; `Function.apply(*inputs)` builds the node."""

    derivatives = ()  # optional: ∂out/∂input as formulas in x (a, b for two inputs; x0, x1, … for more) and out

    @staticmethod
    def forward(ctx, *inputs):
        """The op's value from its inputs' floats; keep what backward needs with ctx.save_for_backward."""
        raise NotImplementedError("a Function needs a forward(ctx, *inputs) staticmethod")

    @staticmethod
    def backward(ctx, grad):
        """grad·∂out/∂input for each input of forward (None for an input that needs none)."""
        raise NotImplementedError("a Function needs a backward(ctx, grad) staticmethod")

    @classmethod
    def apply(cls, *inputs):
        """The op's node: its parents are the inputs that are Values requiring grad; numbers are constants."""
        needs = tuple(isinstance(x, Value) and x._param is not CONSTANT for x in inputs)
        floats = tuple(
            x.data if isinstance(x, Value) else as_real(x, f"{cls.__name__}.apply's input {i}")
            for i, x in enumerate(inputs)
        )
        ctx = FunctionCtx(needs)
        out = cls.forward(ctx, *floats)
        if isinstance(out, (Value, tuple, list)):
            raise TypeError(
                f"{cls.__name__}.forward must return one number (it gets floats, not Values), got {type(out).__name__}"
            )
        out = as_real(out, f"{cls.__name__}.forward's result")
        positions = tuple(i for i, need in enumerate(needs) if need)
        if not positions:
            return constant(out)
        # Always a tuple, even of one: the fast path then asks the op's accumulator (custom.py), not its rule.
        parents = tuple(inputs[i] for i in positions)
        return make_node(out, parents, user_op_rule, FunctionOp(cls, ctx, floats, positions))
