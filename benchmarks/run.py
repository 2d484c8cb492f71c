"""`python -m benchmarks.run`: chaingrad side by side with its peers, as issue 6 asks.

Every round of every engine × workload runs in a fresh interpreter (`python -m benchmarks.workloads …`, with a
timeout); this process collects the medians, compares every engine's gradient checksums with micrograd's (relative
1e-9: a mismatch fails the run), and prints a markdown report that it also writes to benchmarks/RESULTS.md.

    python -m benchmarks.run [--rounds 3] [--size full|tiny] [--engines …] [--workloads …] [--out FILE]
                             [--timeout SECONDS] [--check-targets]
"""

import argparse
import contextlib
import datetime
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.workloads import ENGINES, SIZES, WORKLOADS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "RESULTS.md"
DEFAULT_RECURSION_LIMIT = 1000  # CPython's
REL_TOL, ABS_TOL = 1e-9, 1e-12
REFERENCES = ("micrograd", "micrograd_nogc", "numpy", "torch_tensor")  # the first that ran sets the gradients
NOT_APPLICABLE = {
    ("torch_tensor", "deep_chain"): "no batched form: each op needs the previous one",
    ("chaingrad_compiled", "deep_chain"): "no batch: one sample",
    ("chaingrad_compiled", "wide_sum"): "no batch: one sample",
    ("chaingrad_compiled", "expr_mix"): "not adapted",
    ("micrograd_nogc", "moons_10k"): "not run: micrograd's row with GC is minutes already",
    ("torch_scalar", "moons_10k"): "not run: one 0-d tensor op at a time would take minutes",
}
ROUND_LIMITS = {("micrograd", "moons_10k"): 1}  # reduced rounds: one run takes minutes
TIMEOUT_FLOORS = {("micrograd", "moons_10k"): 3600.0}  # seconds at full size: ~5 min alone, far more on a busy machine
COMPILED_REL_TOL = 1e-12  # issue 15: the compiled gradients equal eager chaingrad's to this
ISSUE_NUMBERS = {  # measured in issue 6 on the project's machines (2 cores, CPython 3.11), for engines not installed
    "micrograd_rust": "issue 6 measured micrograd-rust 0.1.0 at 31.4 ms (mlp_step), segfault beyond ~52,000 "
    "(deep_chain), 1.9 s (wide_sum)",
}
WORKLOAD_TITLES = {
    "mlp_step": "micrograd's demo step: MLP(2, [16, 16, 1]), {points} points, hinge loss + 1e-4·Σp², "
    "forward + backward + SGD update (lr 0.1)",
    "deep_chain": "a chain of {chain:,} ops from one leaf (y·1.000001 and y + 0.000001, alternating), then backward",
    "wide_sum": "the sum of {terms:,} products aᵢ·bᵢ of leaves, then backward",
    "expr_mix": "micrograd's test_more_ops expression, {reps:,} independent graphs, each with its backward",
    "moons_10k": "a wider network on more points: MLP(2, [32, 32, 1]), {moons:,} moons points, hinge loss + "
    "1e-4·Σp², one full-batch step: forward + backward + SGD update (lr 0.1)",
}


@dataclass
class Cell:
    """One engine on one workload: the medians of its rounds, or why it did not run."""

    engine: str
    workload: str
    status: str = "ok"  # ok | failed | n/a | not installed
    message: str = ""
    rounds: list = field(default_factory=list)
    gradients: str = ""

    @property
    def ok(self):
        return self.status == "ok"

    def median(self, key):
        return statistics.median(r[key] for r in self.rounds)

    @property
    def seconds(self):
        return self.median("seconds")

    @property
    def net_seconds(self):
        """The time outside the cycle collector."""
        return statistics.median(r["seconds"] - r["gc_seconds"] for r in self.rounds)

    @property
    def first(self):
        return self.rounds[0]


# --- running ------------------------------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per engine × workload (default 3)")
    parser.add_argument("--size", choices=SIZES, default="full", help="'tiny' shrinks every workload (smoke test)")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES), metavar="ENGINE",
                        help=f"default: all of {', '.join(ENGINES)}")
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS), metavar="WORKLOAD",
                        help=f"default: all of {', '.join(WORKLOADS)}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the markdown report (default %(default)s)")
    parser.add_argument("--timeout", type=float, help="seconds per process (default 900, tiny: 120)")
    parser.add_argument("--check-targets", action="store_true",
                        help="exit non-zero if chaingrad misses issue 6's or 15's targets")
    args = parser.parse_args(argv)
    args.argv = list(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.timeout is None:
        args.timeout = 120.0 if args.size == "tiny" else 900.0
    return args


def unavailable(engine):
    """Why `engine` cannot run here ('not installed', …), or None."""
    cls = ENGINES[engine]
    if any(importlib.util.find_spec(module) is None for module in cls.modules):
        return "not installed"
    if not any(hasattr(cls, workload) for workload in WORKLOADS):
        return "installed, but the harness has no adapter for it"
    return None


def run_round(engine, workload, args, count_nodes):
    """One round in a fresh interpreter: the worker's JSON, or {'error': …} on a crash, timeout or bad output."""
    command = [sys.executable, "-m", "benchmarks.workloads", engine, workload, "--size", args.size]
    if count_nodes:
        command.append("--count-nodes")
    timeout = max(args.timeout, TIMEOUT_FLOORS.get((engine, workload), 0.0)) if args.size == "full" else args.timeout
    try:
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:g} s"}
    if proc.returncode < 0:
        return {"error": f"crashed ({signal.Signals(-proc.returncode).name})"}
    lines = proc.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit code {proc.returncode}: {tail}"[:200]}


def run_cell(engine, workload, args):
    """Every round of one engine on one workload (stopping at the first failure)."""
    cell = Cell(engine, workload)
    if reason := unavailable(engine):
        cell.status, cell.message = "not installed", reason
        return cell
    if (engine, workload) in NOT_APPLICABLE or not hasattr(ENGINES[engine], workload):
        cell.status, cell.message = "n/a", NOT_APPLICABLE.get((engine, workload), "no adapter")
        return cell
    rounds = min(args.rounds, ROUND_LIMITS.get((engine, workload), args.rounds))
    for k in range(rounds):
        result = run_round(engine, workload, args, count_nodes=k == 0)
        progress(f"  {workload:<10} {engine:<18} round {k + 1}/{rounds}: "
                 f"{result['error'] if 'error' in result else format_time(result['seconds'])}")
        if "error" in result:
            cell.status, cell.message = "failed", result["error"]
            return cell
        cell.rounds.append(result)
    return cell


def progress(message):
    print(message, file=sys.stderr, flush=True)


# --- checking -----------------------------------------------------------------------------------------------------


def compare(checksums, reference, rel_tol=REL_TOL):
    """The checksums that differ from the reference's beyond relative 1e-9, as 'name: got x, expected y'."""
    problems = []
    for name, expected in reference.items():
        got = checksums.get(name)
        if got is None or not math.isclose(got, expected, rel_tol=rel_tol, abs_tol=ABS_TOL):
            problems.append(f"{name}: got {got!r}, expected {expected!r}")
    return problems


def cross_check(cells):
    """Compare every cell's checksums (every round) with the reference engine's; returns the failures."""
    failures = []
    for workload in WORKLOADS:
        ran = {c.engine: c for c in cells if c.workload == workload and c.ok}
        reference = next((ran[name] for name in REFERENCES if name in ran), None)
        for cell in ran.values():
            if reference is None:
                cell.gradients = "unchecked: no reference ran"
            elif cell is reference:
                cell.gradients = "reference"
            elif problems := [p for r in cell.rounds for p in compare(r["checksums"], reference.first["checksums"])]:
                cell.gradients = f"DIFFER from {reference.engine}: {problems[0]}"
                failures.append(f"{workload} / {cell.engine}: {'; '.join(problems)}")
            else:
                cell.gradients = f"= {reference.engine}"
    return failures


def find(cells, engine, workload):
    return next((c for c in cells if c.engine == engine and c.workload == workload and c.ok), None)


def speedups(cells, cell):
    """(micrograd's time / this cell's, micrograd's GC-excluded time / this cell's), None where not measured."""
    base = find(cells, "micrograd", cell.workload)
    if base is None or not cell.ok:
        return None, None
    return base.seconds / cell.seconds, base.net_seconds / cell.seconds


def targets(cells):
    """Issue 6's targets for chaingrad, then issue 15's for chaingrad compiled: [(target, met, measured)]."""
    mlp, chain, wide = (find(cells, "chaingrad", w) for w in ("mlp_step", "deep_chain", "wide_sum"))
    mlp_gc, mlp_net = speedups(cells, mlp) if mlp else (None, None)
    wide_gc, _ = speedups(cells, wide) if wide else (None, None)
    us, per_node = (per_node_numbers(chain) if chain else (None, None))
    limit = chain.first["recursion_limit"] if chain else None
    return [
        ("mlp_step ≥ 25x faster than micrograd, GC counted", at_least(mlp_gc, 25), format_ratio(mlp_gc)),
        ("mlp_step ≥ 3x faster than micrograd, GC time excluded", at_least(mlp_net, 3), format_ratio(mlp_net)),
        ("deep_chain completes under the default recursion limit", limit == DEFAULT_RECURSION_LIMIT,
         f"recursion limit {limit}" if chain else "did not run"),
        ("deep_chain ≤ 1.5 µs per node", at_most(us, 1.5), f"{us:.2f} µs" if us else "not measured"),
        ("deep_chain ≤ 400 bytes per node", at_most(per_node, 400),
         f"{per_node:.0f} B" if per_node else "not measured"),
        ("wide_sum ≥ 5x faster than micrograd, GC counted", at_least(wide_gc, 5), format_ratio(wide_gc)),
        *compiled_targets(cells),
    ]


def compiled_targets(cells):
    """Issue 15's: compiled mlp_step ≤ 3x hand-written numpy's time, compiled moons_10k ≤ 2x PyTorch tensors',
    and the compiled gradients equal eager chaingrad's to 1e-12."""
    mlp = time_ratio(cells, "chaingrad_compiled", "numpy", "mlp_step")
    moons = time_ratio(cells, "chaingrad_compiled", "torch_tensor", "moons_10k")
    checked, problems = [], []
    for workload in ("mlp_step", "moons_10k"):
        compiled, eager = find(cells, "chaingrad_compiled", workload), find(cells, "chaingrad", workload)
        if compiled and eager:
            checked.append(workload)
            problems += [p for r in compiled.rounds for p in compare(r["checksums"], eager.first["checksums"],
                                                                     COMPILED_REL_TOL)]
    gradients = ("equal" if not problems else f"differ: {problems[0]}") if checked else "not measured"
    return [
        ("compiled mlp_step ≤ 3x hand-written numpy's time", at_most(mlp, 3), ratio_to(mlp, "numpy's")),
        ("compiled moons_10k ≤ 2x PyTorch tensors' time", at_most(moons, 2), ratio_to(moons, "PyTorch's")),
        (f"compiled gradients equal eager chaingrad's to {COMPILED_REL_TOL:g} ({', '.join(checked) or 'none'})",
         bool(checked) and not problems, gradients),
    ]


def time_ratio(cells, engine, other, workload):
    """engine's median time / other's on workload, or None if either did not run."""
    a, b = find(cells, engine, workload), find(cells, other, workload)
    return a.seconds / b.seconds if a and b else None


def ratio_to(ratio, whose):
    return f"{ratio:.2f}x {whose}" if ratio is not None else "not measured"


def at_least(value, bound):
    return value is not None and value >= bound


def at_most(value, bound):
    return value is not None and value <= bound


def per_node_numbers(cell):
    """(µs per node, bytes per node), from the first round's node count; (None, None) without one."""
    nodes = cell.first.get("nodes") if cell.ok else None
    if not nodes:
        return None, None
    return cell.seconds / nodes * 1e6, cell.median("peak_bytes") / nodes


# --- reporting ----------------------------------------------------------------------------------------------------


def format_time(seconds):
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.01:
        return f"{seconds * 1e3:.0f} ms"
    return f"{seconds * 1e3:.3g} ms"


def format_bytes(n):
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


def format_ratio(ratio):
    if ratio is None:
        return "—"
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.2g}x"


def plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def label(engine):
    return ENGINES[engine].label


def load_average():
    """The 1-, 5- and 15-minute load averages: above the number of cores, other processes compete for them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"


def machine(revision_at_start):
    """Lines describing this machine, the Python, and the versions of the engines."""
    cpu = proc_field("/proc/cpuinfo", "model name") or platform.processor() or platform.machine()
    kib = proc_field("/proc/meminfo", "MemTotal")
    memory = f", {int(kib.split()[0]) / 2**20:.0f} GiB RAM" if kib else ""
    return [
        f"Machine: {cpu}, {os.cpu_count()} cores{memory}",
        f"Python: {platform.python_implementation()} {platform.python_version()} on {platform.platform()}",
        f"Engines: chaingrad {engine_revision(revision_at_start)}; " + ", ".join(
            f"{name} {version(name)}" for name in ("micrograd", "torch", "numpy")),
    ]


def proc_field(path, name):
    """The value of the first `name: value` line of a /proc file, or '' where there is none."""
    with contextlib.suppress(OSError), open(path) as f:
        for line in f:
            if line.startswith(name):
                return line.split(":", 1)[1].strip()
    return ""


def version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def engine_revision(at_start):
    """chaingrad's revision, or both if it changed while the benchmark ran."""
    at_end = chaingrad_revision()
    return at_end if at_end == at_start else f"{at_start} at the start, {at_end} at the end (changed during the run)"


def chaingrad_revision():
    """The git commit of the engine, marked when autograd/ or nn/ have uncommitted changes."""
    def git(*arguments):
        result = subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return version("chaingrad")
    dirty = git("status", "--porcelain", "--", "autograd", "nn")
    return f"git {commit}" + (" + uncommitted changes to the engine" if dirty else "")


def summary_table(cells, engines, workloads):
    """Workloads × engines: median times, with micrograd's GC-excluded time beside it."""
    columns = list(engines)
    header = ["workload", *(label(e) for e in columns)]
    if "micrograd" in columns:
        header.insert(columns.index("micrograd") + 2, "micrograd, GC time excluded")
    header.append("chaingrad vs micrograd (GC excluded)")
    rows = [header, ["---"] * len(header)]
    for workload in workloads:
        row = [f"`{workload}`"]
        for engine in columns:
            cell = next(c for c in cells if c.engine == engine and c.workload == workload)
            row.append(short(cell))
            if engine == "micrograd":
                row.append(format_time(cell.net_seconds) if cell.ok else "—")
        chaingrad = find(cells, "chaingrad", workload)
        ratios = speedups(cells, chaingrad) if chaingrad else (None, None)
        row.append(f"{format_ratio(ratios[0])} ({format_ratio(ratios[1])})" if ratios[0] else "—")
        rows.append(row)
    return markdown(rows)


def short(cell):
    if cell.ok:
        return format_time(cell.seconds)
    return "—" if cell.status == "n/a" else cell.message.split(":")[0]


def workload_table(cells, engines, workload):
    """One row per engine: time, GC time, speed-ups, memory, per-node costs, the gradient check, notes."""
    rows = [["engine", "median time", "GC time", "speed-up vs micrograd", "vs micrograd, GC excluded",
             "peak memory", "nodes", "per node", "gradients", "notes"]]
    rows.append(["---"] * len(rows[0]))
    for engine in engines:
        cell = next(c for c in cells if c.engine == engine and c.workload == workload)
        rows.append([label(engine), *(measured_columns(cells, cell) if cell.ok else failed_columns(cell))])
    return markdown(rows)


def measured_columns(cells, cell):
    by_gc, by_net = speedups(cells, cell)
    nodes = cell.first.get("nodes")
    us, per_node = per_node_numbers(cell)
    return [
        format_time(cell.seconds),
        format_time(cell.median("gc_seconds")) if cell.median("gc_seconds") else "0",
        format_ratio(by_gc),
        format_ratio(by_net),
        format_bytes(cell.median("peak_bytes")),
        f"{nodes:,}" if nodes else "—",
        f"{us:.2f} µs, {per_node:.0f} B" if us else "—",
        cell.gradients,
        "; ".join(filter(None, [cell.first.get("note"), repeats_note(cell)])),
    ]


def repeats_note(cell):
    repeats = max(r.get("repeats", 1) for r in cell.rounds)
    return f"each round the median of {repeats} runs" if repeats > 1 else ""


def failed_columns(cell):
    if cell.status == "n/a":
        return ["n/a", *[""] * 7, cell.message]
    return [cell.message, *[""] * 7, ISSUE_NUMBERS.get(cell.engine, "")]


def markdown(rows):
    return "\n".join("| " + " | ".join(str(x).replace("|", "\\|") for x in row) + " |" for row in rows)


def report(cells, args, failures):
    """The whole markdown report."""
    sizes = SIZES[args.size]
    lines = ["# chaingrad benchmarks", "", *[f"- {line}" for line in machine(args.revision_at_start)],
             f"- Command: `{shlex.join(['python', '-m', 'benchmarks.run', *args.argv])}`",
             f"- Load average (1, 5, 15 min): {args.load_at_start} at the start, {load_average()} at the end",
             f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
             f"- Size: {args.size}; medians of {plural(args.rounds, 'round')}, each in a fresh process "
             f"(timeout {args.timeout:g} s) that warms up at tiny size, then times one run; runs shorter than "
             f"0.5 s are repeated on fresh inputs and the round takes their median. PyTorch uses one thread, "
             f"like the other engines",
             "", "## Summary: median time", "", summary_table(cells, args.engines, args.workloads), "",
             "Speed-up = micrograd's time / the engine's (above 1: faster). GC time is the time inside the cycle "
             "collector (gc.callbacks, between 'start' and 'stop'); micrograd's GC-excluded time subtracts it. "
             "Peak memory is the peak resident set above the level just before the timed run "
             "(VmHWM after a reset), so it includes the leaves but not the prepared inputs; per node divides by "
             "the nodes of the engine's own graph (leaves included)."]
    for workload in args.workloads:
        lines += ["", f"## `{workload}`: {WORKLOAD_TITLES[workload].format(**sizes._asdict())}", "",
                  workload_table(cells, args.engines, workload)]
    lines += ["", "## Gradient check", "", gradient_summary(failures), "",
              "## Targets for chaingrad (issue 6) and chaingrad compiled (issue 15)", "",
              targets_table(cells)]
    return "\n".join(lines) + "\n"


def gradient_summary(failures):
    if failures:
        return "FAILED:\n\n" + "\n".join(f"- {f}" for f in failures)
    return (f"Every engine's checksums (the loss or output, and Σ, Σ|·| and the first, middle and last entries of the "
            f"leaf gradients and, for mlp_step, of the updated parameters) equal micrograd's to {REL_TOL:g} relative "
            f"(abs {ABS_TOL:g}).")


def targets_table(cells):
    rows = [["target", "met", "measured"], ["---"] * 3]
    rows += [[name, "yes" if met else "**no**", measured] for name, met, measured in targets(cells)]
    return markdown(rows)


# --- main ---------------------------------------------------------------------------------------------------------


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.load_at_start, args.revision_at_start = load_average(), chaingrad_revision()
    cells = []
    for workload in args.workloads:
        progress(f"{workload} ({args.size}):")
        cells += [run_cell(engine, workload, args) for engine in args.engines]
    failures = cross_check(cells)
    text = report(cells, args, failures)
    print(text)
    args.out.write_text(text, encoding="utf-8")
    progress(f"wrote {args.out}")
    return exit_status(cells, args, failures)


def exit_status(cells, args, failures):
    """1 (with the reasons on stderr) if gradients differ, chaingrad failed, or --check-targets and one is missed."""
    problems = [f"gradient check failed: {f}" for f in failures]
    problems += [f"chaingrad failed on {c.workload}: {c.message}" for c in cells
                 if c.engine == "chaingrad" and c.status == "failed"]
    if args.check_targets:
        problems += [f"target missed: {name} (measured {measured})" for name, met, measured in targets(cells)
                     if not met]
    for problem in problems:
        progress(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
