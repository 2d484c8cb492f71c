"""`python -m benchmarks.explain`: how long `autograd.explain` takes on a big graph with exponentially many paths.

The graph is `x = x·x·0.5 + x·0.5`, repeated: four nodes a layer, x used three times in each, so the paths from
the output back to the first x number 3ⁿ and are merged where they meet. Each round builds a fresh graph and
times `str(explain(out, x0))` (wall clock); the gradient must equal backward's. With `--check-target` the run
fails unless the median is under a second at the full size (25,000 layers, 100,001 nodes).

    python -m benchmarks.explain [--layers 25000] [--rounds 5] [--check-target]
"""

import argparse
import statistics
import sys
import time

import autograd
from autograd import Value

TARGET_SECONDS = 1.0  # for 1e5 nodes


def layered_graph(layers):
    """x0 and the output of `layers` layers of x·x·0.5 + x·0.5 on it."""
    x0 = x = Value(0.3, label="x")
    for _ in range(layers):
        x = x * x * 0.5 + x * 0.5
    return x0, x


def time_explain(layers):
    """Seconds for str(explain(out, x0)) on a fresh graph; checks the total against backward's gradient."""
    x0, out = layered_graph(layers)
    start = time.perf_counter()
    explanation = autograd.explain(out, x0)
    str(explanation)
    seconds = time.perf_counter() - start
    out.backward()
    if explanation.total != x0.grad:
        raise SystemExit(f"explain's total {explanation.total!r} differs from backward's {x0.grad!r}")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.explain", description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=25_000, help="layers of x·x·0.5 + x·0.5 (4 nodes each)")
    parser.add_argument("--rounds", type=int, default=5)
    target_help = f"fail unless the median is under {TARGET_SECONDS} s"
    parser.add_argument("--check-target", action="store_true", help=target_help)
    args = parser.parse_args(argv)
    rounds = [time_explain(args.layers) for _ in range(args.rounds)]
    median = statistics.median(rounds)
    print(f"explain on {4 * args.layers + 1:,} nodes: median {median:.3f} s of {args.rounds} rounds")
    print("rounds: " + ", ".join(f"{s:.3f}" for s in rounds))
    if args.check_target:
        met = median < TARGET_SECONDS
        print(f"target: under {TARGET_SECONDS} s: {'met' if met else 'MISSED'}")
        return 0 if met else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
