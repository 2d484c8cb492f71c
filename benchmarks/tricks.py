"""`python -m benchmarks.tricks`: what each of the engine's speed tricks buys, one trick switched off at a time.

Each trick listed in autograd/fastpath.py is switched off by swapping in the plain version (the reference order,
the reference chain rule, no accumulators, a 1-tuple for a lone parent, unfused neurons), and `mlp_step` and
`deep_chain` are timed as `benchmarks.workloads` times them, GC counted, with the trick on and off in turn, in
fresh processes. It prints the median of each and the slow-down without the trick, and fails if switching a
trick off changes any gradient (the checksums `benchmarks.run` compares).
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
    "tuple_parents": "a lone parent kept in a 1-tuple like several parents",
    "unfused": "nn.MLP(fused=False): elementary * and sum nodes instead of one dot node per neuron",
}


@contextlib.contextmanager
def switched_off(trick):
    """Inside: the engine with `trick` replaced by its plain version."""
    import autograd
    from autograd import backward, fastpath, fused, graph, value

    saved = []

    def patch(owner, name, new):
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, new)

    if trick == "plain_order":
        patch(fastpath, "inner_order", graph.inner_order)
    elif trick == "reference_backward":

        def reference(root, seed):
            for node, g in autograd.gradients(root, seed).items():
                node.grad = g if node.parents else node.grad + g

        patch(backward.fastpath, "backward", reference)
    elif trick == "no_accumulators":
        patch(fastpath, "_ACCUMULATORS", {})
    elif trick == "tuple_parents":
        make_node = value.make_node

        def with_tuple(data, parents, rule, param=None):
            return make_node(data, parents if parents.__class__ is tuple else (parents,), rule, param)

        patch(value, "make_node", with_tuple)
        patch(fused, "make_node", with_tuple)
    elif trick == "unfused":
        import nn

        mlp = nn.MLP
        patch(nn, "MLP", lambda *args, **kwargs: mlp(*args, **kwargs, fused=False))
    try:
        yield
    finally:
        for owner, name, old in reversed(saved):
            setattr(owner, name, old)


def worker(trick, workload, size):
    """One round in this process: the workload with `trick` off, as the benchmark measures it, as JSON."""
    from .workloads import measure

    with switched_off(trick):
        print(json.dumps(measure("chaingrad", workload, size)))


def rounds(trick, workload, size, count):
    """(median seconds, checksums) of `count` rounds, each in a fresh process."""
    command = [sys.executable, "-m", "benchmarks.tricks", "--worker", trick, workload, size]
    results = [
        json.loads(subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout)
        for _ in range(count)
    ]
    return statistics.median(r["seconds"] for r in results), results[0]["checksums"]


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
    print(f"{'switched off':<20} {'mlp_step':>16} {'deep_chain':>17}   what replaces the trick")
    baseline, changed = {}, []
    for trick in tricks:
        cells = []
        for workload in ("mlp_step", "deep_chain"):
            seconds, checksums = rounds(trick, workload, args.size, args.rounds)
            base_seconds, base_checksums = baseline.setdefault(workload, (seconds, checksums))
            if checksums != base_checksums:
                changed.append(f"{trick} on {workload}")
            slower = "" if trick == "none" else f" {seconds / base_seconds:.2f}x"
            cells.append(f"{seconds * 1e3:.1f} ms{slower}")
        print(f"{trick:<20} {cells[0]:>16} {cells[1]:>17}   {TRICKS[trick]}", flush=True)
    if changed:
        sys.exit(f"switching a trick off changed the gradients: {', '.join(changed)}")


if __name__ == "__main__":
    main()
