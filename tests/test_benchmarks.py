"""Smoke tests of the benchmark harness (benchmarks/): every workload at tiny size, in a subprocess.

They check that the harness runs, that every engine's gradients agree with the reference's and that the report is
written; they time nothing (the benchmark itself is not part of the timed test suite).
"""

import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
WORKLOADS = ("mlp_step", "deep_chain", "wide_sum", "expr_mix", "moons_10k")
FAST_ENGINES = ("chaingrad", "chaingrad_compiled", "micrograd", "micrograd_nogc", "micrograd_rust", "numpy")  # no torch


def run_harness(tmp_path, *options):
    out = tmp_path / "RESULTS.md"
    command = [sys.executable, "-m", "benchmarks.run", "--size", "tiny", "--rounds", "1", "--out", str(out), *options]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout, out.read_text(encoding="utf-8")


def rows(text, engine_label):
    return [line for line in text.splitlines() if line.startswith(f"| {engine_label} |")]


def test_every_workload_runs_and_chaingrad_matches_the_reference(tmp_path):
    stdout, report = run_harness(tmp_path, "--engines", *FAST_ENGINES)
    assert stdout.strip() == report.strip()
    for workload in WORKLOADS:
        assert f"## `{workload}`" in report
    assert "| workload | chaingrad |" in report  # the summary table
    chaingrad_rows = rows(report, "chaingrad")
    assert len(chaingrad_rows) == len(WORKLOADS)
    assert all(re.search(r"\| = (micrograd|numpy) \|", row) for row in chaingrad_rows), chaingrad_rows
    compiled_rows = rows(report, "chaingrad compiled")
    assert len(compiled_rows) == len(WORKLOADS)
    assert sum(bool(re.search(r"\| = micrograd \|", row)) for row in compiled_rows) == 2, compiled_rows  # batches
    assert "| compiled gradients equal eager chaingrad's to 1e-12 (mlp_step, moons_10k) | yes | equal |" in report
    assert "DIFFER" not in report
    assert "micrograd-rust | not installed" in report
    assert "Command: `python -m benchmarks.run --size tiny" in report


def test_pytorch_engines_match_the_reference(tmp_path):
    pytest.importorskip("torch")
    _, report = run_harness(tmp_path, "--engines", "numpy", "torch_scalar", "torch_tensor",
                            "--workloads", "mlp_step", "expr_mix", "moons_10k")
    for engine_label in ("PyTorch, scalar ops", "PyTorch, tensors"):
        assert [row for row in rows(report, engine_label) if "| = numpy |" in row], report
    assert "DIFFER" not in report


def test_a_gradient_difference_is_caught():
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.run import compare
    finally:
        sys.path.remove(str(ROOT))
    reference = {"loss": 1.0, "grad sum": 0.0}
    assert compare({"loss": 1.0 + 1e-12, "grad sum": 1e-13}, reference) == []
    assert compare({"loss": 1.0 + 1e-6, "grad sum": 0.0}, reference) == ["loss: got 1.000001, expected 1.0"]
    assert compare({"loss": 1.0}, reference) == ["grad sum: got None, expected 0.0"]


def test_the_profiler_lists_where_chaingrad_spends_a_workload():
    command = [sys.executable, "-m", "benchmarks.profile", "mlp_step", "--size", "tiny", "--runs", "2", "--top", "5"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("chaingrad, mlp_step (tiny), 2 runs:")
    listed = re.findall(r"^\s+\d+(?:/\d+)?\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+ (.+)$", result.stdout, re.MULTILINE)
    assert len(listed) == 5 and any("autograd" in line for line in listed), result.stdout


def test_each_speed_trick_switched_off_gives_the_same_gradients():
    command = [sys.executable, "-m", "benchmarks.tricks", "--size", "tiny", "--rounds", "1"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    tricks = ("none", "plain_order", "reference_backward", "no_accumulators", "tuple_parents", "plain_operators")
    tricks += ("unfused", "rule_calls")
    assert [line.split()[0] for line in lines[1:]] == list(tricks)
    assert all(re.search(r"\d ms .*\d ms", line) for line in lines[1:])


def test_the_explain_benchmark_runs_and_checks_its_total_against_backward():
    command = [sys.executable, "-m", "benchmarks.explain", "--layers", "200", "--rounds", "2"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.match(r"explain on 801 nodes: median \d+\.\d{3} s of 2 rounds\n", result.stdout)
