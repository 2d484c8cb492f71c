"""`python -m benchmarks.tricks`: what each of the engine's speed tricks buys, one trick switched off at a time.

Each trick listed in autograd/fastpath.py is switched off by swapping in the plain version (the reference order,
the reference chain rule, no accumulators, a 1-tuple for a lone parent, plain operators, unfused neurons, a rule
call for every share), and `mlp_step` and `deep_chain` are timed as `benchmarks.workloads` times them, GC
counted, each round in a fresh process, the tricks taking turns round by round. It prints the median of each
and the slow-down without the trick, and fails if switching a trick off changes any gradient (the checksums
`benchmarks.run` compares).
"""

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRICKS = {
    "none": "every trick on: the engine as it is",
    "plain_order": "graph.inner_order instead of the fast path's chain-opening order",
    "reference_backward": "backward through gradients() (dict, lists, zip per node) instead of the float loop",
    "no_accumulators": "sum, dot and linear nodes through their rules instead of their accumulators",
    "tuple_parents": "plain operators, and a lone parent kept in a 1-tuple: compare with plain_operators",
    "plain_operators": "every operator through binary() and make_node(), without the inline build of `v op float`",
    "unfused": "nn.MLP(fused=False): elementary * and sum nodes instead of one dot node per neuron",
    "rule_calls": "every one-parent node's share through its rule, x·c and x + c included",
}


@contextlib.contextmanager
def switched_off(trick):
    """Inside: the engine with `trick` replaced by its plain version."""
    import autograd
    from autograd import fastpath, graph, ops, value

    saved = []

    def patch(owner, name, new):
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, new)

    if trick == "plain_order":

        def plain_order(root):
            order = graph.inner_order(root)
            for node in order:
                node.grad = 0.0
            return order

        patch(fastpath, "inner_order", plain_order)
    elif trick == "reference_backward":

        def reference(root, seed):
            for node, g in autograd.gradients(root, seed).items():
                node.grad = g if node.parents else node.grad + g

        patch(fastpath, "backward", reference)
    elif trick == "no_accumulators":
        patch(fastpath, "_ACCUMULATORS", {})
    elif trick == "tuple_parents":
        plain_operators(patch, value, ops)  # so that every node is built by make_node
        node = value._node  # what every op's node is built by, make_node's (and so fused.py's) included

        def with_tuple(data, parents, rule, param=None):
            return node(data, parents if parents.__class__ is tuple else (parents,), rule, param)

        patch(value, "_node", with_tuple)
    elif trick == "plain_operators":
        plain_operators(patch, value, ops)
    elif trick == "rule_calls":
        patch(fastpath, "SHARE_IS_G_TIMES_PARAM", frozenset())
        patch(fastpath, "SHARE_IS_G", frozenset())
    elif trick == "unfused":
        import nn

        mlp = nn.MLP
        patch(nn, "MLP", lambda *args, **kwargs: mlp(*args, **kwargs, fused=False))
    try:
        yield
    finally:
        for owner, name, old in reversed(saved):
            setattr(owner, name, old)


def plain_operators(patch, value, ops):
    """Value's + - * / through binary() and make_node(), as `def __mul__(self, other): return binary(...)`."""
    for name, op in (("add", ops.ADD), ("sub", ops.SUB), ("mul", ops.MUL), ("truediv", ops.DIV)):
        patch(value.Value, f"__{name}__", lambda self, other, op=op: value.binary(self, op, other))


def worker(trick, workload, size):
    """One round in this process: the workload with `trick` off, as the benchmark measures it, as JSON."""
    from .workloads import measure

    with switched_off(trick):
        print(json.dumps(measure("chaingrad", workload, size)))


def one_round(trick, workload, size):
    """(seconds, checksums) of one round in a fresh process."""
    command = [sys.executable, "-m", "benchmarks.tricks", "--worker", trick, workload, size]
    result = json.loads(subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    return result["seconds"], result["checksums"]


def main(argv=None):
    parser = argparse.ArgumentParser(description="What each speed trick of chaingrad's engine buys.")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per trick and workload (default 3)")
    parser.add_argument("--tricks", nargs="+", choices=TRICKS, default=list(TRICKS))
    parser.add_argument("--size", choices=("full", "tiny"), default="full", help="'tiny': the smoke test's sizes")
    parser.add_argument("--worker", nargs=3, metavar=("TRICK", "WORKLOAD", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return
    tricks = ["none", *(t for t in args.tricks if t != "none")]
    workloads = ("mlp_step", "deep_chain")
    # Round by round, every trick in turn, so that a machine that speeds up or slows down meanwhile touches all alike.
    seconds = {(t, w): [] for t in tricks for w in workloads}
    checksums, changed = {}, set()
    for _ in range(args.rounds):
        for trick in tricks:
            for workload in workloads:
                took, sums = one_round(trick, workload, args.size)
                seconds[trick, workload].append(took)
                if checksums.setdefault(workload, sums) != sums:
                    changed.add(f"{trick} on {workload}")
    print(f"{'switched off':<20} {'mlp_step':>16} {'deep_chain':>17}   what replaces the trick")
    for trick in tricks:
        cells = []
        for workload in workloads:
            median = statistics.median(seconds[trick, workload])
            slower = median / statistics.median(seconds["none", workload])
            cells.append(f"{median * 1e3:.1f} ms" + ("" if trick == "none" else f" {slower:.2f}x"))
        print(f"{trick:<20} {cells[0]:>16} {cells[1]:>17}   {TRICKS[trick]}")
    if changed:
        sys.exit(f"switching a trick off changed the gradients: {', '.join(sorted(changed))}")


if __name__ == "__main__":
    main()
