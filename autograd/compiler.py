"""`autograd.compile(f)`: trace a per-sample function once, then run its forward and backward over a whole batch.

`f(*sample_inputs)` is ordinary chaingrad code for ONE sample that returns a scalar Value, its loss. The first
call with a new input shape runs `f` on one sample, with a leaf Value per input number, and records the graph it
builds; a second sample's graph must come out the same, or Python control flow depends on the data and the call
is refused. The graph then runs on numpy arrays, one row per node and one column per sample (compiler_program.py),
and the gradient of the reduced loss goes into `.grad` of every Value `f` closes over: a model's parameters.
"""

import numpy as np

from .compiler_kernels import has_kernel
from .compiler_program import Program
from .graph import topological_order
from .modes import enable_grad
from .value import Value, op_name

REDUCTIONS = ("mean", "sum", "none")


def compile(f, static_argnums=(), has_aux=False):
    """f(*sample_inputs) -> scalar Value for one sample, run over a batch: cf(*batch_inputs, reduction='mean')."""
    return Compiled(f, static_argnums, has_aux)


class Compiled:
    """`f` compiled for batches: call it with one entry per sample in each input (see `autograd.compile`)."""

    def __init__(self, f, static_argnums=(), has_aux=False):
        if not callable(f):
            raise TypeError(f"autograd.compile needs a function f(*sample_inputs) -> Value, got {f!r:.80}")
        static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
        if not all(isinstance(k, int) and k >= 0 for k in static):
            raise ValueError(f"autograd.compile: static_argnums must be input positions (ints >= 0), got {static!r}")
        self.f, self.static, self.has_aux = f, frozenset(static), bool(has_aux)
        self.programs = {}  # input shapes -> [_Family of traces]
        self._last_static = None  # (the static inputs as numbers, their distinct rows, each sample's row)

    def __call__(self, *batch, reduction="mean"):
        """The loss over the batch, reduced ('mean', 'sum'; a float), or per sample ('none'; an array, no gradient).

        'mean' and 'sum' add the reduced loss's gradient into `.grad` of f's parameters. With has_aux, returns
        (loss, aux), aux an array with a row per sample.
        """
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        inputs, count = self._batch(batch)
        shapes = tuple(x.shape[1:] for k, x in enumerate(inputs) if k not in self.static)
        families = self.programs.setdefault(shapes, [])
        keys, group = self._static_groups(inputs, count)
        placed = [self._variant(families, key, inputs, group, j) for j, key in enumerate(keys)]
        losses, aux = np.empty(count), None
        scale = 1.0 / count if reduction == "mean" else 1.0
        for family in dict.fromkeys(family for family, _ in placed):
            variants = np.array([v if f is family else -1 for f, v in placed])
            indices = None if len(placed) == 1 or (variants >= 0).all() else np.flatnonzero(variants[group] >= 0)
            if len(family.traces) == 1:
                variant = None
            elif group is None:  # one static value in this batch, a later variant of the family
                variant = np.full(count, variants[0])
            else:
                variant = variants[group if indices is None else group[indices]]
            part = [x if indices is None else x[indices] for k, x in enumerate(inputs) if k not in self.static]
            n = count if indices is None else len(indices)
            rows = [x.reshape(n, -1) for x in part]
            matrix = (rows[0] if len(rows) == 1 else np.concatenate(rows, axis=1)).T if rows else np.empty((0, n))
            seed = None if reduction == "none" else np.full(n, scale)
            values = family.program().run(matrix, seed, variant)
            losses[slice(None) if indices is None else indices] = values[0]
            if self.has_aux:
                aux = np.empty((count, len(values) - 1)) if aux is None else aux
                if len(values) > 1:
                    columns = [np.broadcast_to(v, (n,)) for v in values[1:]]  # a shared output: one entry
                    aux[slice(None) if indices is None else indices] = np.stack(columns, axis=1)
        loss = losses if reduction == "none" else float(losses.sum() * scale)
        if not self.has_aux:
            return loss
        return loss, aux[:, 0] if family.aux_single else aux

    def graph(self, *sample_inputs):
        """The graph f builds for one sample, the one the compiled function runs over a batch: its loss Value, for
        `autograd.draw`, `explain` and `explore`; the inputs' leaves are labelled x0[0], x0[1], ... (input, index)."""
        args = []
        for k, x in enumerate(sample_inputs):
            if k in self.static:
                args.append(x)
                continue
            sample = np.asarray(x, dtype=float)
            values = [Value(v, label=f"x{k}[{j}]" if sample.ndim else f"x{k}") for j, v in enumerate(sample.ravel())]
            args.append(
                values[0] if sample.ndim == 0 else np.array(values, dtype=object).reshape(sample.shape).tolist()
            )
        with enable_grad():
            out = self.f(*args)
        return out[0] if self.has_aux else out

    def _batch(self, batch):
        inputs, counts = [], []
        for k, x in enumerate(batch):
            if k in self.static:
                x = x if isinstance(x, np.ndarray) and x.ndim else list(x)
            else:
                try:
                    x = np.asarray(x, dtype=float)
                except (ValueError, TypeError) as error:
                    raise ValueError(
                        f"autograd.compile: input {k} is not a batch of numbers of one shape (one entry per sample, "
                        f"each a number or an equal-length list): {error}"
                    ) from None
                if x.ndim == 0:
                    raise ValueError(
                        f"autograd.compile: input {k} is a single number; pass one entry per sample (a list or array "
                        "whose first axis is the batch), or close over it in f if it is the same for every sample"
                    )
            inputs.append(x)
            counts.append(len(x))
        if not inputs:
            raise ValueError("autograd.compile: no inputs; call the compiled function with one batch per input of f")
        if len(set(counts)) != 1:
            raise ValueError(f"autograd.compile: the inputs hold different numbers of samples: {counts}")
        if not counts[0]:
            raise ValueError("autograd.compile: the batch is empty")
        return inputs, counts[0]

    def _static_groups(self, inputs, count):
        """(the distinct tuples of static values, each sample's index among them, or None with one): a sample's
        static inputs are plain Python values in f, so each distinct tuple of them gets its own trace."""
        if not self.static:
            return [()], None
        positions = [k for k in sorted(self.static) if k < len(inputs)]
        columns = [_numbers(inputs[k], count) for k in positions]
        if any(column is None for column in columns):  # not all numbers: hashed one by one
            found, group = {}, np.empty(count, dtype=np.intp)
            for i in range(count):
                group[i] = found.setdefault(tuple(_hashable(inputs[k][i]) for k in positions), len(found))
            return list(found), group
        table = columns[0] if len(columns) == 1 else np.concatenate(columns, axis=1)
        last = self._last_static  # the same labels as the last call (as a training loop passes): no grouping again
        if last is not None and last[0].shape == table.shape and np.array_equal(last[0], table):
            return last[1], last[2]
        keys, group = _distinct_rows(table)
        self._last_static = (table.copy(), keys, group)
        return keys, group

    def _variant(self, families, key, inputs, group, j):
        """(the family of traces for static values `key`, their variant in it), tracing them if new: on the
        first sample with them, checked against a second; a trace that differs from a family's only in
        constants joins it."""
        for family in families:
            if key in family.keys:
                return family, family.keys[key]
        indices = np.arange(len(inputs[0])) if group is None else np.flatnonzero(group == j)
        part = [[x[i] for i in indices] if k in self.static else x[indices] for k, x in enumerate(inputs)]
        trace = self._trace(part, 0)
        if len(indices) > 1:
            other = self._most_different_sample(part)
            _check_same_graph(trace, self._trace(part, other), other, self.static)
        for family in families:
            if _difference(family.traces[0], trace, constants=False) is None:
                family.add(key, trace)
                return family, family.keys[key]
        families.append(_Family(key, trace))
        return families[-1], 0

    def _most_different_sample(self, inputs):
        """The sample whose numbers differ most from sample 0's in sign (then in value): the likeliest to take
        another branch if f branches on the data."""
        rows = [x.reshape(len(x), -1) for k, x in enumerate(inputs) if k not in self.static]
        if not rows:
            return len(inputs[0]) - 1
        matrix = np.concatenate(rows, axis=1)
        score = 2 * (np.sign(matrix) != np.sign(matrix[0])).sum(axis=1) + (matrix != matrix[0]).sum(axis=1)
        return int(np.argmax(score[1:])) + 1

    def _trace(self, inputs, i):
        """Run f on sample i with a leaf Value per input number: (slots in topological order, input rows, the
        output slots, whether aux is one Value)."""
        leaves, args, rows = {}, [], 0
        for k, x in enumerate(inputs):
            if k in self.static:
                args.append(x[i])
                continue
            sample = x[i]
            values = [Value(v) for v in sample.ravel().tolist()]
            for j, v in enumerate(values):
                leaves[id(v)] = rows + j
            rows += len(values)
            args.append(
                values[0] if sample.ndim == 0 else np.array(values, dtype=object).reshape(sample.shape).tolist()
            )
        with enable_grad():
            out = self.f(*args)
        loss, aux = out if self.has_aux and isinstance(out, tuple) and len(out) == 2 else (out, None)
        if self.has_aux and aux is None:
            raise TypeError(f"autograd.compile(has_aux=True): f must return (loss, aux), got {out!r:.100}")
        if not isinstance(loss, Value):
            raise TypeError(
                f"autograd.compile: f must return a scalar Value (the sample's loss), got {type(loss).__name__}: "
                f"{loss!r:.80}"
            )
        aux_single = isinstance(aux, Value)
        aux = [] if aux is None else [aux] if aux_single else list(aux)
        if not all(isinstance(a, Value) for a in aux):
            raise TypeError("autograd.compile(has_aux=True): aux must be a Value or a list of Values")
        order = topological_order([loss, *aux])
        index = {id(node): n for n, node in enumerate(order)}
        slots = []
        for node in order:
            if not node._parents:
                slots.append(("input", leaves[id(node)]) if id(node) in leaves else ("param", node))
                continue
            if not has_kernel(node._rule):
                scope = f" in scope {node.scope!r}" if node.scope else ""
                raise NotImplementedError(
                    f"autograd.compile has no numpy kernel for op {node.op!r}{scope}; build f from chaingrad's own "
                    "ops (Value operators and methods, autograd.sum/dot/linear), or run it eagerly"
                )
            slots.append((node._rule, node._param, tuple(index[id(p)] for p in node.parents)))
        return slots, rows, [index[id(loss)], *(index[id(a)] for a in aux)], aux_single


class _Family:
    """Traces of one graph for several values of the static inputs, differing only in constants, and the Program
    that runs them all at once (built again when a trace joins)."""

    def __init__(self, key, trace):
        self.keys, self.traces, self.aux_single, self._program = {key: 0}, [trace], trace[3], None

    def add(self, key, trace):
        self.keys[key] = len(self.traces)
        self.traces.append(trace)
        self._program = None

    def program(self):
        if self._program is None:
            first = self.traces[0]
            self._program = Program([t[0] for t in self.traces], first[1], first[2])
        return self._program


def _difference(first, second, constants=True):
    """Where two traces part, as (slot index, what): None if they are the same graph with the same constants;
    with constants=False, numeric constants may differ (not a dot's tuple of them, which is its structure)."""
    (a, _, outputs_a, _), (b, _, outputs_b, _) = first, second
    for n in range(min(len(a), len(b))):
        x, y = a[n], b[n]
        if x[0] == "param" and y[0] == "param":
            if x[1] is not y[1] and not (constants and x[1].data == y[1].data):
                return n, "leaf"
        elif x[0] in ("input", "param") or y[0] in ("input", "param"):
            if x != y:
                return n, "structure"
        elif x[0] is not y[0] or x[2] != y[2]:
            return n, "structure"
        elif not _same_constant(x[1], y[1]) and (constants or type(x[1]) is tuple):
            return n, "constant"
    if len(a) == len(b) and outputs_a == outputs_b:
        return None
    return min(len(a), len(b)), "structure"


def _check_same_graph(first, second, i, static):
    """Raise if sample i's graph differs from sample 0's: in its structure, or in a constant."""
    difference = _difference(first, second)
    if difference is None:
        return
    n, what = difference
    a, b = first[0], second[0]
    if what == "leaf":
        raise _data_dependent(
            f"a Value made inside f has data {a[n][1].data!r} for sample 0 and {b[n][1].data!r} for sample {i}", static
        )
    if what == "constant":
        raise _data_dependent(
            f"op {op_name(a[n][0], a[n][1])!r} has the constant {a[n][1]!r} for sample 0 and {b[n][1]!r} "
            f"for sample {i}",
            static,
        )
    raise ValueError(
        f"autograd.compile: f builds a different graph for sample 0 and sample {i} (at node {n}, sample 0 has "
        f"{_describe(a, n)} and sample {i} {_describe(b, n)}): Python control flow in f depends on the data (an `if` "
        "or max() on a Value, a loop whose length depends on it). A compiled function needs the same graph for "
        "every sample: write the branch with elementwise ops (relu, abs, ...), or train eagerly"
    )


def _data_dependent(what, static):
    hint = "" if static else " (as F.hinge_loss reads a label's sign)"
    return ValueError(
        f"autograd.compile: {what}: f computes a number from an input's data in Python{hint}. Pass that input "
        "as static, autograd.compile(f, static_argnums=(k,)) for input k, to trace once per distinct value; "
        "or compute it with Value ops"
    )


def _same_constant(x, y):
    return x == y or (x != x and y != y)  # NaN equals NaN here


def _describe(slots, n):
    if n >= len(slots):
        return "the end of the graph"
    slot = slots[n]
    if slot[0] == "input":
        return f"input number {slot[1]}"
    if slot[0] == "param":
        return f"the Value {slot[1]!r:.60}"
    return f"op {op_name(slot[0], slot[1])!r}"


def _distinct_rows(table):
    """(the distinct rows of a samples × numbers table as tuples, each sample's index among them, or None)."""
    first = table[0]
    other = (table != first).any(axis=1)
    if not other.any():
        return [tuple(first.tolist())], None
    second = table[other.argmax()]
    if ((table == second).all(axis=1) | ~other).all():  # two values, as ±1 labels: no sort needed
        return [tuple(first.tolist()), tuple(second.tolist())], other.astype(np.intp)
    values, group = np.unique(table, axis=0, return_inverse=True)
    return [tuple(v) for v in values.tolist()], group.ravel()


def _numbers(items, count):
    """A static input as a (samples × numbers) float array, or None if it holds anything but numbers."""
    try:
        array = np.asarray(items)
    except ValueError:
        return None
    if array.dtype.kind not in "biuf" or array.size % count:
        return None
    return array.reshape(count, -1).astype(float, copy=False)


def _hashable(x):
    if isinstance(x, np.ndarray):
        return ("array", x.shape, tuple(x.ravel().tolist()))
    if isinstance(x, (list, tuple)):
        return tuple(_hashable(item) for item in x)
    return x
