"""A traced per-sample graph as a numpy program: like nodes grouped, each group one array op over the batch.

Every node of the trace gets a row in one of two arrays: `batched` (one column per sample) for the inputs and
every node that depends on them, `shared` (one column) for the parameters and the nodes computed from
parameters and constants alone, which are the same for every sample and so are computed once per call.
Nodes of the same op at the same depth form a group: one numpy call computes all their rows for all samples.
A group of `dot` nodes that read the same inputs (a layer) is one matrix product with its weights read into a
matrix; the gradient reaching a shared row is summed over the batch, as the eager loop's `+=` would sum it.

What else makes it fast, each found with cProfile on benchmarks' moons_10k (10,000 points, MLP(2, [32, 32, 1]))
and mlp_step (100 points, MLP(2, [16, 16, 1])): the layers' gradients of their inputs are written straight into
their rows when no one else reads them (the adds were 12 of 52 ms a step); the arrays are kept for the next call
of the same size (a page fault per 4 kB otherwise); x·1, x/1, x + 0, x**1 and sums of one are folded away (2 of
12 groups in mlp_step). Together with the static-value grouping in compiler.py: moons_10k 119 → 16 ms a step,
mlp_step 1.08 → 0.44 ms (medians of 3 alternating runs, one BLAS thread, a loaded 2-core machine).
"""

import operator

import numpy as np

from . import fastpath, fused, ops
from .compiler_kernels import ACTIVATIONS, DOT_RULES, ELEMENTWISE, SUM_RULES, TAKES_PARAM

SHARED, BATCHED = 0, 1  # which array a row lives in
_data = operator.attrgetter("data")


class Program:
    """The per-sample graph compiled for a batch; `run` computes it.

    `variants` are traces of the same graph that differ only in constants (one per value of the static inputs,
    as a hinge loss's ±1 label): each is a list of slots in topological order, ("input", row), ("param", Value)
    or (rule, param, parent slot indices). A node whose constant differs between variants is computed per
    sample, with the constant of each sample's variant.
    """

    def __init__(self, variants, input_rows, outputs):
        slots, same = [], list(range(len(variants[0])))  # same[i]: the slot node i equals (itself, or an input)
        for i, slot in enumerate(variants[0]):
            if slot[0] not in ("input", "param"):
                parents = tuple(same[p] for p in slot[2])
                slot = (slot[0], slot[1], parents)
                if IDENTITY.get(slot[0], _never)(parents, *(v[i][1] for v in variants)):
                    same[i], slot = parents[0], None  # x * 1, x / 1, x + 0, a sum of one: folded away
            slots.append(slot)
        outputs = [same[i] for i in outputs]
        pool, level, needs_grad, self.params = [], [], [], []
        for i, slot in enumerate(slots):
            if slot is None:
                pool.append(None), level.append(None), needs_grad.append(None)
            elif slot[0] == "input":
                pool.append(BATCHED), level.append(0), needs_grad.append(False)
            elif slot[0] == "param":
                self.params.append(slot[1])
                pool.append(SHARED), level.append(0), needs_grad.append(True)
            else:
                parents = slot[2]
                varies = any(v[i][1] != slot[1] for v in variants[1:])
                pool.append(BATCHED if varies else max(pool[p] for p in parents))
                level.append(1 + max(level[p] for p in parents))
                needs_grad.append(any(needs_grad[p] for p in parents))
        groups, readers = {}, [set() for _ in slots]  # readers: the groups that read each slot
        for i, slot in enumerate(slots):
            if slot is not None and slot[0] not in ("input", "param"):
                rule, param, parents = slot
                width = len(param) if type(param) is tuple else None
                key = (level[i], rule, len(parents), width, tuple(pool[p] for p in parents), pool[i])
                groups.setdefault(key, []).append(i)
                for p in parents:
                    readers[p].add(key)
        row = [0] * len(slots)
        sizes = [0, input_rows]
        for i, slot in enumerate(slots):
            if slot is None:
                continue
            if slot[0] == "input":
                row[i] = slot[1]
            elif slot[0] == "param":
                row[i] = sizes[SHARED]
                sizes[SHARED] += 1
        self.groups = []
        for key in sorted(groups, key=lambda key: key[0]):  # by depth; dict order within one
            members = groups[key]
            start = sizes[key[-1]]
            for i in members:
                row[i] = sizes[key[-1]]
                sizes[key[-1]] += 1
            out = (key[-1], slice(start, sizes[key[-1]]))
            table = [[v[i][1] for v in variants] for i in members]
            group = _group(slots, members, table, out, pool, row, needs_grad)
            if isinstance(group, _Dot):
                group.sole_reader = group.matrix and _sole_reader(group, slots, members, readers, key, outputs[0])
            self.groups.append(group)
        self.sizes, self.input_rows, self._kept = sizes, input_rows, None
        self.outputs = [(pool[i], row[i]) for i in outputs]

    def run(self, inputs, seed=None, variant=None):
        """The outputs' values for the batch `inputs` (rows × samples), each a 1-D array over the samples, or of one
        entry for an output the same for every sample (valid until the next run). With `seed` (a weight per sample
        for the first output), also add the gradient of Σ seed·output to the params' `.grad`. `variant` gives each
        sample's variant (None: all the first)."""
        count = inputs.shape[1]
        shared, batched, shared_grads, batched_grads = self._arrays(count)
        shared[: len(self.params), 0] = np.fromiter(map(_data, self.params), float, len(self.params))
        batched[: self.input_rows] = inputs
        arrays = (shared, batched, variant)
        saved = [group.forward(arrays) for group in self.groups]
        values = [arrays[p][r] for p, r in self.outputs]  # one entry for a shared output
        if seed is not None:
            shared_grads.fill(0.0)
            batched_grads[self.input_rows :].fill(0.0)  # the inputs' rows get no gradient
            grads = (shared_grads, batched_grads)
            p, r = self.outputs[0]
            grads[p][r] = seed if p == BATCHED else seed.sum()
            for group, state in zip(reversed(self.groups), reversed(saved), strict=True):
                group.backward(arrays, grads, state)
            for param, grad in zip(self.params, shared_grads[: len(self.params), 0].tolist(), strict=True):
                fastpath.add_share(param, grad)  # += grad, or grad where it is None (no gradient yet)
        return values

    def _arrays(self, count):
        """The values' and gradients' arrays for a batch of `count`, kept for the next call of the same size:
        fresh ones each call cost a page fault per 4 kB touched, 10% of moons_10k's step."""
        if self._kept is None or self._kept[0] != count:
            sizes = ((self.sizes[SHARED], 1), (self.sizes[BATCHED], count))
            self._kept = (count, *(np.zeros(size) for size in sizes * 2))
        return self._kept[1:]


def _sole_reader(group, slots, members, readers, key, root):
    """True if a dot group's inputs are read by this group alone, and only as its inputs: their gradient is then
    this group's matrix product, which can be written straight into their rows."""
    right = group.right
    if not isinstance(right.first.rows, slice):  # consecutive rows: each input once
        return False
    inputs = set(right.slots[0].tolist())
    if root in inputs:
        return False  # its row holds the seed
    for i in members:
        if inputs & {p for k, p in enumerate(slots[i][2]) if k not in right.positions}:
            return False  # also read on the weights' side, or as a bias
    return all(readers[p] == {key} for p in inputs)


def _never(*args):
    return False


def _constant_is(value):
    return lambda parents, *constants: all(c == value for c in constants)


# rule -> test(parents, constant of each variant): True when the node's output is its one parent, unchanged.
IDENTITY = {
    fused._sum_rule: lambda parents, *constants: len(parents) == 1,
    ops.MUL.right.rule: _constant_is(1.0),
    ops.MUL.left.rule: _constant_is(1.0),
    ops.DIV.right.rule: _constant_is(1.0),
    ops.ADD.right.rule: _constant_is(0.0),
    ops.ADD.left.rule: _constant_is(0.0),
    ops.SUB.right.rule: _constant_is(0.0),
    ops.POW.right.rule: _constant_is(1.0),
}


class _Constants:
    """The constants of a group's nodes, one per variant: a column, or a column per sample when they vary."""

    def __init__(self, table):
        self.table = np.array(table, dtype=float)  # nodes × variants
        self.varies = bool((self.table != self.table[:, :1]).any())
        if not self.varies:
            self.table = self.table[:, :1]

    def column(self, variant):
        return self.table[:, variant] if self.varies else self.table


class _Rows:
    """Where a group reads one of its inputs: an array, and rows in it (a slice when they are consecutive)."""

    def __init__(self, pool, rows, needs_grad=True):
        rows = np.asarray(rows, dtype=np.intp)
        self.pool, self.needs_grad = pool, needs_grad
        self.unique = len(np.unique(rows)) == rows.size
        flat = rows.ravel()
        consecutive = rows.ndim == 1 and flat.size and (np.diff(flat) == 1).all()
        self.rows = slice(int(flat[0]), int(flat[-1]) + 1) if consecutive else rows

    def read(self, arrays):
        return arrays[self.pool][self.rows]

    def add(self, grads, share):
        """grads[rows] += share, summed over the batch for a shared row, and over rows listed twice."""
        if self.pool == SHARED and share.shape[-1] != 1:
            share = share.sum(axis=-1, keepdims=True)
        target = grads[self.pool]
        if self.unique:
            target[self.rows] += share
        else:
            np.add.at(target, self.rows, share)


def _group(slots, members, table, out, pool, row, needs_grad):
    rule = slots[members[0]][0]
    parents = [slots[i][2] for i in members]
    params = [slots[i][1] for i in members]

    def rows(position):
        column = [p[position] for p in parents]
        return _Rows(pool[column[0]], [row[c] for c in column], any(needs_grad[c] for c in column))

    if rule in ELEMENTWISE:
        constants = _Constants(table) if rule in TAKES_PARAM else None
        return _Elementwise(ELEMENTWISE[rule], [rows(k) for k in range(len(parents[0]))], constants, out)
    if rule in SUM_RULES:
        constant = _Constants(table) if SUM_RULES[rule] else None
        return _Sum(_Side(parents, range(len(parents[0])), pool, row, needs_grad), constant, out)
    activation, with_constants = DOT_RULES[rule]
    n = len(params[0]) if with_constants else len(parents[0]) // 2
    has_bias = len(parents[0]) > (n if with_constants else 2 * n)
    bias = rows(len(parents[0]) - 1) if has_bias else None
    if with_constants:
        left = np.array(params, dtype=float)
        right = _Side(parents, range(n), pool, row, needs_grad)
    else:
        left = _Side(parents, range(n), pool, row, needs_grad)
        right = _Side(parents, range(n, 2 * n), pool, row, needs_grad)
        if right.pool == SHARED and left.shared_input:  # the matrix goes left: rows of weights times shared inputs
            left, right = right, left
    return _Dot(left, right, bias, ACTIVATIONS.get(activation), out)


class _Elementwise:
    """One elementwise op over a group: a numpy expression on (nodes × samples) arrays."""

    def __init__(self, kernel, inputs, param, out):
        (self.forward_kernel, self.backward_kernel), self.inputs, self.param, self.out = kernel, inputs, param, out

    def forward(self, arrays):
        inputs = [i.read(arrays) for i in self.inputs]
        param = None if self.param is None else self.param.column(arrays[2])
        pool, rows = self.out
        arrays[pool][rows] = result = self.forward_kernel(*inputs, param)
        return inputs, result, param

    def backward(self, arrays, grads, state):
        inputs, result, param = state
        pool, rows = self.out
        shares = self.backward_kernel(grads[pool][rows], result, *inputs, param)
        for source, share in zip(self.inputs, shares, strict=True):
            if source.needs_grad:
                source.add(grads, share)


class _Side:
    """One side of a group of n-ary nodes: input `positions` of each node, as (nodes × n × samples) arrays.

    `pool` is None when the positions mix shared and batched rows; `shared_input` is true when every node reads
    the same batched rows (a layer's inputs), which makes the group a matrix product.
    """

    def __init__(self, parents, positions, pool, row, needs_grad):
        positions = list(positions)
        slots = np.array([[p[k] for k in positions] for p in parents], dtype=np.intp).reshape(len(parents), -1)
        pools = {pool[s] for s in slots.ravel()}
        self.pool = pools.pop() if len(pools) == 1 else None
        self.needs_grad = any(needs_grad[s] for s in slots.ravel())
        rows = np.vectorize(row.__getitem__, otypes=[np.intp])(slots) if slots.size else slots
        self.shared_input = self.pool == BATCHED and bool((rows == rows[0]).all())
        self.first = _Rows(BATCHED, rows[0]) if self.shared_input else None
        self.slots, self.positions = slots, set(positions)
        self.parts = [  # (pool, the columns of this side in that pool, their rows)
            (p, columns, _Rows(p, rows[:, columns]))
            for p in (SHARED, BATCHED)
            if (columns := np.array([k for k in range(len(positions)) if pool[slots[0, k]] == p], dtype=np.intp)).size
        ]

    def read(self, arrays, count):
        """(nodes × n × samples); a shared side has one sample column."""
        if self.pool is not None:
            return self.parts[0][2].read(arrays)
        whole = np.empty((self.parts[0][2].rows.shape[0], sum(len(c) for _, c, _ in self.parts), count))
        for _, columns, rows in self.parts:
            whole[:, columns] = rows.read(arrays)
        return whole

    def add(self, grads, share):
        for _, columns, rows in self.parts:
            rows.add(grads, share if self.pool is not None or share.shape[1] == 1 else share[:, columns])


class _Sum:
    """Σ parents (+ a constant) for each node of the group."""

    def __init__(self, side, constant, out):
        self.side, self.constant, self.out = side, constant, out

    def forward(self, arrays):
        pool, rows = self.out
        total = self.side.read(arrays, arrays[BATCHED].shape[1]).sum(axis=1)
        arrays[pool][rows] = total if self.constant is None else total + self.constant.column(arrays[2])
        return None

    def backward(self, arrays, grads, state):
        if self.side.needs_grad:
            pool, rows = self.out
            self.side.add(grads, grads[pool][rows][:, None, :])


class _Dot:
    """activation(Σᵢ left[i]·right[i] + bias) for each node: a matrix product when `right` is a layer's inputs
    and `left` is shared (weights, or constants given as a matrix); else elementwise products, summed."""

    def __init__(self, left, right, bias, activation, out):
        self.left, self.right, self.bias, self.activation, self.out = left, right, bias, activation, out
        self.constants = isinstance(left, np.ndarray)
        self.matrix = right.shared_input and (self.constants or left.pool == SHARED)
        self.sole_reader = False  # set by Program: the inputs' gradient can be written, not added

    def forward(self, arrays):
        count = arrays[BATCHED].shape[1]
        pool, rows = self.out
        total = arrays[pool][rows]  # the group's rows: computed in place
        left = self.left if self.constants else self.left.read(arrays, count)
        if self.matrix:
            left = left if self.constants else left[:, :, 0]
            right = self.right.first.read(arrays)
            np.matmul(left, right, out=total)
        else:
            right = self.right.read(arrays, count)
            np.sum((left[:, :, None] if self.constants else left) * right, axis=1, out=total)
        if self.bias is not None:
            total += self.bias.read(arrays)
        if self.activation is not None:
            self.activation[0](total)
        return left, right, total

    def backward(self, arrays, grads, state):
        left, right, result = state
        pool, rows = self.out
        g = grads[pool][rows]
        if self.activation is not None:
            g = self.activation[1](g, result)
        if self.matrix:
            if not self.constants and self.left.needs_grad:
                self.left.add(grads, (g @ right.T)[:, :, None])
            if self.right.needs_grad and self.sole_reader:
                np.matmul(left.T, g, out=grads[BATCHED][self.right.first.rows])
            elif self.right.needs_grad:
                self.right.first.add(grads, left.T @ g)
        else:
            g3 = g[:, None, :]
            if not self.constants and self.left.needs_grad:
                self.left.add(grads, g3 * right)
            if self.right.needs_grad:
                self.right.add(grads, g3 * (left[:, :, None] if self.constants else left))
        if self.bias is not None and self.bias.needs_grad:
            self.bias.add(grads, g)
