"""The command's limits and failures: drawings too costly for Graphviz refused up front, every Graphviz failure one
line with exit code 2, special files written through or refused, unwritable --out and oversized --hidden refused
before training, terminals that cannot show a name, and short messages for huge command lines."""

import errno
import io
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import time

import pytest

from autograd import Value
from chaingrad.cli import MAX_DRAWING_COST, _drawing_cost, main
from chaingrad.demo import MAX_PARAMETERS
from chaingrad.expr import parse

ROOT = pathlib.Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, command):
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith(f"chaingrad {command}: error: "), err


def product(factors):
    return "*".join(["x"] * factors)


def fake_graphviz(monkeypatch, tmp_path, script):
    """A PATH whose dot and neato are this shell script."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("dot", "neato"):
        (folder / name).write_text("#!/bin/sh\nwhile read -r _; do :; done\n" + script)
        (folder / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))


# --- grad --svg: bounded drawing


def test_the_drawing_cost_counts_nodes_and_the_ranks_edges_cross():
    def cost(text):
        expression = parse(text)
        return _drawing_cost(expression({name: Value(1.0) for name in expression.variables}))

    assert cost("x") == 1
    assert cost("x * 2") == 3  # x, the op, the result; x sits next to its op
    assert cost("exp(x) + 1") == 5
    assert cost("x * y") == 4  # both leaves next to the op
    # x*x*…*x: x feeds every op, its edge to op k crosses 2(k-1) ranks: n² of them
    assert [cost(product(n)) for n in (2, 3, 10)] == [3, 7, 19 + 2 * sum(range(1, 9))]


def test_a_formula_too_costly_to_draw_is_refused_before_anything_is_printed(capsys, tmp_path):
    svg = tmp_path / "g.svg"
    start = time.monotonic()
    code, out, err = run(capsys, "grad", product(100), "x=1", "--svg", str(svg))
    assert time.monotonic() - start < 5  # dot ran for minutes on this, and crashed at 200 factors
    assert (code, out) == (2, "")
    assert_one_line_error(err, "grad")
    assert err == (
        "chaingrad grad: error: --svg: this formula's graph is too costly to draw (about 9,901 nodes and edge "
        f"crossings for Graphviz to lay out; the limit is {MAX_DRAWING_COST:,}): use a shorter formula, fewer uses "
        "of one variable, or leave out --svg\n"
    )
    assert list(tmp_path.iterdir()) == []
    assert run(capsys, "grad", product(100), "x=1")[0] == 0  # without --svg it is fine


@needs_dot
def test_the_largest_formula_allowed_draws_well_within_the_time_limit(capsys, tmp_path):
    factors = max(n for n in range(2, 100) if _drawing_cost(parse(product(n))(x=Value(1.0))) <= MAX_DRAWING_COST)
    assert factors >= 30
    code, _, err = run(capsys, "grad", product(factors), "x=1", "--svg", str(tmp_path / "g.svg"))
    assert (code, err) == (0, "")  # within dot's default time limit: it would have said so (exit 2) otherwise
    code, _, err = run(capsys, "grad", product(factors + 1), "x=1", "--svg", str(tmp_path / "h.svg"))
    assert code == 2 and "too costly to draw" in err


@needs_dot
def test_grad_svg_out_of_time_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINGRAD_DOT_TIMEOUT", "0.05")
    svg = tmp_path / "g.svg"
    code, out, err = run(capsys, "grad", product(30), "x=1", "--svg", str(svg))
    assert code == 2 and out.startswith("f = 1.0\n")
    assert_one_line_error(err, "grad")
    assert err == (
        f"chaingrad grad: error: cannot draw {svg}: Graphviz's dot did not finish laying out this graph (30 values, "
        "59 drawn nodes) within 0.05 s; allow more time with CHAINGRAD_DOT_TIMEOUT=SECONDS or use a shorter formula\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_grad_svg_when_dot_crashes_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch):
    fake_graphviz(monkeypatch, tmp_path, "kill -SEGV $$\n")
    svg = tmp_path / "g.svg"
    code, out, err = run(capsys, "grad", "x * 2", "x=1", "--svg", str(svg))
    assert code == 2 and out == "f = 2.0\n∂f/∂x = 2.0\n"
    assert err == (
        f"chaingrad grad: error: cannot draw {svg}: Graphviz's dot crashed (SIGSEGV) while laying out this graph "
        "(2 values, 3 drawn nodes); try a shorter formula\n"
    )
    assert not svg.exists()


def test_grad_svg_when_dot_fails_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch):
    fake_graphviz(
        monkeypatch, tmp_path, 'i=0; while [ $i -lt 48 ]; do echo "Error: line $i" >&2; i=$((i+1)); done\nexit 1\n'
    )
    code, _, err = run(capsys, "grad", "x * 2", "x=1", "--svg", str(tmp_path / "g.svg"))
    assert code == 2
    assert_one_line_error(err, "grad")
    assert err.endswith(
        "Graphviz's dot failed on this graph (2 values, 3 drawn nodes): Error: line 0; try a shorter formula\n"
    )


# --- grad --svg: special files


def test_grad_svg_to_dev_full_says_no_space_and_exit_1(capsys):
    code, _, err = run(capsys, "grad", "x * 2", "x=1", "--svg", "/dev/full")
    assert code == 1
    assert err == "chaingrad grad: error: cannot write /dev/full: No space left on device\n"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@needs_dot
def test_grad_svg_to_dev_null_writes_through_it(capsys):
    code, out, _ = run(capsys, "grad", "x * 2", "x=1", "--svg", "/dev/null")
    assert code == 0 and out.endswith("wrote /dev/null: the graph with data, grads and local derivatives\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@needs_dot
def test_grad_svg_to_a_fifo_nobody_reads_is_refused_at_once(capsys, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "grad", "x * 2", "x=1", "--svg", str(fifo))
    assert code == 1
    assert (
        err == f"chaingrad grad: error: cannot write {fifo}: Is a FIFO that no process is reading; start the "
        "reader first\n"
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode)


# --- grad: names a terminal cannot show, huge command lines, flat sums


def test_grad_prints_names_the_terminal_cannot_show_as_escapes(monkeypatch):
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["grad", "é*2", "é=1"]) == 0
    stdout.flush()
    assert stdout.buffer.getvalue() == b"f = 2.0\ndf/d\\xe9 = 2.0\n"


def test_pythonioencoding_ascii_prints_without_a_traceback(tmp_path):
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": path}
    result = subprocess.run(
        [sys.executable, "-m", "chaingrad", "grad", "é*2", "é=1"],
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, b"f = 2.0\ndf/d\\xe9 = 2.0\n", b"")
    result = subprocess.run(
        [sys.executable, "-m", "chaingrad", "grad", "é*2"], capture_output=True, cwd=tmp_path, env=env, timeout=60
    )
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert (
        result.stderr == b"chaingrad grad: error: the expression uses \\xe9 but no value is given: add \\xe9=NUMBER\n"
    )


def test_twenty_thousand_unused_assignments_are_a_short_line(capsys):
    words = [f"v{i}=1" for i in range(20_000)]
    code, out, err = run(capsys, "grad", "x", "x=1", *words)
    assert (code, out) == (2, "")
    assert err == (
        "chaingrad grad: error: 'v0=1', 'v1=1', 'v2=1', 'v3=1', 'v4=1' and 19,995 more: the expression "
        "has no variable v0, v1, v2, v3, v4 and 19,995 more (it uses x)\n"
    )


def test_thousands_of_missing_variables_are_a_short_line(capsys):
    code, _, err = run(capsys, "grad", "+".join(f"v{i}" for i in range(1500)))
    assert code == 2
    assert err == (
        "chaingrad grad: error: the expression uses v0, v1, v2, v3, v4 and 1,495 more but no value is "
        "given: add v0=NUMBER v1=NUMBER v2=NUMBER v3=NUMBER v4=NUMBER and 1,495 more\n"
    )


def test_a_flat_201_term_sum_is_computed(capsys):
    code, out, err = run(capsys, "grad", "+".join(["x"] * 201), "x=1")
    assert (code, out, err) == (0, "f = 201.0\n∂f/∂x = 201.0\n", "")


# --- demo: refused before training


@pytest.mark.parametrize("hidden", ["²", "①", "16,²", "1" * 30])
def test_demo_hidden_with_other_digits_is_a_clear_message(capsys, tmp_path, hidden):
    code, out, err = run(capsys, "demo", "--hidden", hidden, "--out", str(tmp_path / "out"))
    assert (code, out) == (2, "")
    assert err == (
        f"chaingrad demo: error: argument --hidden: {hidden!r} is not a list of positive layer sizes "
        "such as 16,16 or 8 (see chaingrad demo --help)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_demo_refuses_a_network_too_big_to_train(capsys, tmp_path):
    start = time.monotonic()
    code, out, err = run(capsys, "demo", "--hidden", "100000000", "--out", str(tmp_path / "out"))
    assert time.monotonic() - start < 5
    assert (code, out) == (2, "")
    assert err == (
        "chaingrad demo: error: --hidden 100000000: that network has 400,000,001 parameters; the demo "
        f"trains at most {MAX_PARAMETERS:,} in pure Python (for example --hidden 64,64)\n"
    )
    assert list(tmp_path.iterdir()) == []
    assert MAX_PARAMETERS >= (2 + 1) * 64 + (64 + 1) * 64 + 65  # the example given is allowed


def unwritable_folder(tmp_path):
    """A folder that exists but where no file can be made: a read-only one, or for root (who may write any
    folder) /sys, where even root cannot create files."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    try:
        open("/sys/chaingrad-probe", "x").close()
    except OSError:
        return pathlib.Path("/sys")
    os.unlink("/sys/chaingrad-probe")
    pytest.skip("no folder here refuses root's files")


def test_demo_out_that_cannot_be_written_fails_before_training(capsys, tmp_path):
    folder = unwritable_folder(tmp_path)
    start = time.monotonic()
    code, out, err = run(capsys, "demo", "--out", str(folder))
    assert time.monotonic() - start < 5  # 100 epochs of training would take far longer
    assert (code, out) == (1, "")  # nothing trained, nothing printed
    assert err == (
        f"chaingrad demo: error: cannot write files in --out {str(folder)!r}: Permission denied; nothing was trained\n"
    )


def test_demo_out_holding_a_directory_where_a_file_goes_fails_before_training(capsys, tmp_path):
    (tmp_path / "model.json").mkdir()
    code, out, err = run(capsys, "demo", "--out", str(tmp_path))
    assert (code, out) == (1, "")
    assert err == (
        f"chaingrad demo: error: cannot write {str(tmp_path / 'model.json')!r}: it is a directory; move "
        "it or choose another --out\n"
    )
    assert sorted(os.listdir(tmp_path)) == ["model.json"]


# --- demo: Graphviz failures and terminals


def test_demo_when_graphviz_crashes_writes_the_rest_and_is_one_line_with_exit_2(capsys, tmp_path, monkeypatch):
    fake_graphviz(monkeypatch, tmp_path, "kill -SEGV $$\n")
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "demo", "--epochs", "1", "--hidden", "3", "--out", str(out_dir))
    assert code == 2
    assert f"wrote {out_dir / 'model.json'}: " in out
    lines = [line for line in err.splitlines() if "error" in line]
    assert lines == [
        f"chaingrad demo: error: cannot draw {out_dir / 'network.svg'}: Graphviz's neato crashed "
        "(SIGSEGV) while laying out this graph (the network 2-3-1); try a smaller --hidden"
    ]
    assert "Traceback" not in err
    assert "network.svg" not in os.listdir(out_dir)


def test_demo_prints_what_an_ascii_terminal_cannot_show_as_escapes(monkeypatch, tmp_path):
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no Graphviz: a note, and fewer files
    assert main(["demo", "--epochs", "1", "--hidden", "2", "--out", str(tmp_path / "out")]) == 0
    stdout.flush()
    text = stdout.buffer.getvalue().decode("ascii")
    assert "hinge loss + 1e-4\\xb7L2, SGD" in text and "wrote " in text


@needs_dot
def test_a_missing_folder_for_svg_is_one_line_naming_the_file(capsys, tmp_path):
    svg = tmp_path / "no" / "such" / "g.svg"
    code, _, err = run(capsys, "grad", "x", "x=1", "--svg", str(svg))
    assert code == 1
    assert err == f"chaingrad grad: error: cannot write {svg}: {os.strerror(errno.ENOENT)}\n"


def test_demo_when_graphviz_runs_out_of_time_is_one_line_with_exit_2(capsys, tmp_path, monkeypatch):
    fake_graphviz(monkeypatch, tmp_path, "while :; do :; done\n")  # never finishes; killed at the limit
    monkeypatch.setenv("CHAINGRAD_DOT_TIMEOUT", "0.2")
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "demo", "--epochs", "1", "--hidden", "3", "--out", str(out_dir))
    assert code == 2 and f"wrote {out_dir / 'model.json'}: " in out
    assert [line for line in err.splitlines() if "error" in line] == [
        f"chaingrad demo: error: cannot draw {out_dir / 'network.svg'}: Graphviz's neato did not finish laying out "
        "this graph (the network 2-3-1) within 0.2 s; allow more time with CHAINGRAD_DOT_TIMEOUT=SECONDS, or try a "
        "smaller --hidden"
    ]
