"""`python -m benchmarks.profile WORKLOAD`: where chaingrad spends a workload's time, by function (cProfile).

It profiles the very code `benchmarks.workloads` times (the Chaingrad engine's run for WORKLOAD), after the same
warm-up at tiny size, over `--runs` runs each on fresh inputs (a fresh model for `mlp_step`), and prints the
functions with the most time of their own. Profile first, then optimise: this is where to look.
"""

import argparse
import cProfile
import pstats

from .workloads import SIZES, WORKLOADS, Chaingrad, inputs


def main(argv=None):
    parser = argparse.ArgumentParser(description="cProfile of chaingrad on one benchmark workload.")
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("--size", choices=SIZES, default="full")
    parser.add_argument("--runs", type=int, default=5, help="runs profiled together (default 5)")
    parser.add_argument("--top", type=int, default=15, help="functions listed (default 15)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.top < 1:
        parser.error("--runs and --top must be at least 1")
    case_for = getattr(Chaingrad(), args.workload)
    case_for(inputs(args.workload, "tiny")).run()  # the warm-up the benchmark does
    data = inputs(args.workload, args.size)
    cases = [case_for(data) for _ in range(args.runs)]  # set up outside the profile, as outside the timing
    profiler = cProfile.Profile()
    profiler.enable()
    for case in cases:
        case.run()
    profiler.disable()
    print(f"chaingrad, {args.workload} ({args.size}), {args.runs} runs:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
