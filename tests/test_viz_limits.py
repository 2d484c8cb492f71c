"""Drawing within bounds: max_nodes refused while walking, Graphviz run with a time limit, every Graphviz failure
one GraphvizError line, labels that dot or SVG cannot hold escaped, and file names and formats read as given."""

import math
import os
import pathlib
import random
import shutil
import stat
import time
import tracemalloc
import xml.etree.ElementTree as ET

import pytest

import autograd
import autograd.viz.dot
from autograd import Value
from autograd.viz import DEFAULT_TIMEOUT, GraphvizError, GraphvizNotFoundError, draw, render, to_dot

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"), reason="Graphviz's dot is not installed"
)
SVG = "{http://www.w3.org/2000/svg}"


def power_chain(factors):
    """x·x·…·x: x feeds every op, so its edges stretch across the picture and dot's layout time explodes."""
    x = Value(1.0, label="x")
    f = x
    for _ in range(factors - 1):
        f = f * x
    f.backward()
    return f


def svg_texts(svg_bytes):
    root = ET.fromstring(svg_bytes)
    return [t.text.replace("\xa0", " ") for t in root.iter(f"{SVG}text") if t.text]


# --- max_nodes, checked while walking


def test_refusing_a_200k_value_chain_walks_only_about_max_nodes_of_it(monkeypatch):
    x = Value(1.0)
    f = x
    for _ in range(200_000):
        f = f + 1.0

    def never(*args, **kwargs):
        raise AssertionError("the whole graph was ordered before refusing it")

    monkeypatch.setattr(autograd.viz.dot, "topological_order", never)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as raised:
            to_dot(f, max_nodes=100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 500_000  # bytes; ordering and indexing the whole chain took 87 MB (and 4.6 s)
    assert str(raised.value).startswith(
        "to_dot: this graph needs more than 1,000 drawn nodes (counting stopped there, after 502 values), "
        "far more than max_nodes=100. Either raise the limit (max_nodes=None"
    )


def random_scoped_graph(rng):
    """Values built in and out of nested scopes, with leaves shared between scopes, used twice, or left alone."""
    leaves = [Value(rng.uniform(-1, 1), label=f"w{i}") for i in range(rng.randint(1, 6))]
    pool = list(leaves)
    for _ in range(rng.randint(0, 25)):
        path = rng.choice(["", "a", "b", "a/inner"])
        a, b = rng.choice(pool), rng.choice(pool)
        op = rng.choice(["add", "mul", "tanh", "const"])
        scope = autograd.scope(path.split("/")[0]) if path else None
        if scope is None:
            pool.append(a + b if op == "add" else a * b if op == "mul" else a.tanh() if op == "tanh" else a * 2.0)
            continue
        with scope:
            if "/" in path:
                with autograd.scope("inner"):
                    pool.append(a * b if op == "mul" else a + b)
            else:
                pool.append(a + b if op == "add" else a * b if op == "mul" else a.tanh())
    roots = rng.sample(pool, rng.randint(1, min(3, len(pool))))
    return roots


@pytest.mark.parametrize("collapse", [False, True])
def test_the_early_count_never_refuses_a_graph_within_max_nodes(collapse):
    rng = random.Random(16)
    for _ in range(300):
        roots = random_scoped_graph(rng)
        exact = int(to_dot(roots, collapse=collapse, max_nodes=None).comment.split(", ")[1].split()[0])
        to_dot(roots, collapse=collapse, max_nodes=exact)  # exactly at the limit: drawn
        if exact > 1:
            with pytest.raises(ValueError, match=f"needs {exact:,} drawn nodes"):
                to_dot(roots, collapse=collapse, max_nodes=exact - 1)


# --- Graphviz's time limit and failures


@needs_dot
def test_a_layout_that_runs_out_of_time_is_one_clear_error():
    f = power_chain(60)  # dot ran for minutes on this (and crashed at 200 factors)
    start = time.monotonic()
    with pytest.raises(GraphvizError) as raised:
        draw(f, timeout=0.5).svg()
    assert time.monotonic() - start < 5
    message = str(raised.value)
    assert message == (
        "Graphviz's dot did not finish laying out this graph (60 values, 119 drawn nodes) within 0.5 s. Allow more "
        "time with timeout= (or $CHAINGRAD_DOT_TIMEOUT), or draw less: build parts of the graph inside `with "
        "autograd.scope('name'):` and pass collapse=True, lower max_nodes to find out how big it is, or draw a "
        "part of it (to_dot(...).source still gives the DOT text)"
    )


@needs_dot
def test_the_time_limit_comes_from_the_environment_and_a_file_is_left_alone(monkeypatch, tmp_path):
    target = tmp_path / "keep.svg"
    target.write_text("old")
    monkeypatch.setenv("CHAINGRAD_DOT_TIMEOUT", "0.5")
    with pytest.raises(GraphvizError, match=r"within 0\.5 s"):
        draw(power_chain(60), target)
    assert target.read_text() == "old" and sorted(os.listdir(tmp_path)) == ["keep.svg"]
    assert draw(Value(1.0)).svg().startswith("<?xml")  # a small graph is well within it


def test_the_default_time_limit_is_a_few_seconds():
    assert 1 <= DEFAULT_TIMEOUT <= 10


@pytest.mark.parametrize("timeout", [0, -1, math.nan, "5", True])
def test_a_bad_timeout_is_named(timeout):
    with pytest.raises(ValueError, match="timeout must be a number of seconds more than 0"):
        draw(Value(1.0), timeout=timeout)


@pytest.mark.parametrize("text", ["soon", "0", "-3"])
def test_a_bad_timeout_in_the_environment_is_named(monkeypatch, text):
    monkeypatch.setenv("CHAINGRAD_DOT_TIMEOUT", text)
    with pytest.raises(ValueError, match=r"\$CHAINGRAD_DOT_TIMEOUT="):
        draw(Value(1.0))


def fake_dot(monkeypatch, tmp_path, script):
    """A PATH whose only `dot` is this shell script."""
    folder = tmp_path / "bin"
    folder.mkdir()
    dot = folder / "dot"
    dot.write_text("#!/bin/sh\n" + script)
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))


def test_a_crash_of_dot_is_one_clear_error(monkeypatch, tmp_path):
    fake_dot(monkeypatch, tmp_path, "while read -r _; do :; done\nkill -SEGV $$\n")
    with pytest.raises(GraphvizError) as raised:
        draw(power_chain(3), tmp_path / "g.svg")
    assert str(raised.value).startswith(
        "Graphviz's dot crashed (SIGSEGV) while laying out this graph (3 values, 5 drawn nodes); draw less: "
    )
    assert not (tmp_path / "g.svg").exists()


def test_a_failure_of_dot_is_its_first_error_line(monkeypatch, tmp_path):
    complaint = "Warning: something minor\\nError: <stdin>: syntax error in line 3\\n" + "context\\n" * 48
    fake_dot(monkeypatch, tmp_path, f"while read -r _; do :; done\nprintf '{complaint}' >&2\nexit 1\n")
    with pytest.raises(GraphvizError) as raised:
        draw(Value(2.0)).svg()
    assert str(raised.value) == (
        "Graphviz's dot failed on this graph (1 values, 1 drawn nodes): Error: <stdin>: syntax error in line 3"
    )
    drawing = draw(Value(2.0))
    bundle = drawing._repr_mimebundle_()  # Jupyter shows the error and the DOT text, never a traceback
    assert list(bundle) == ["text/plain"] and bundle["text/plain"].startswith("Graphviz's dot failed")


@needs_dot
def test_real_dot_rejecting_a_graph_is_one_line(tmp_path):
    graph = to_dot(Value(1.0))
    graph.body.append("  n0 -> \n")  # DOT that dot cannot parse
    with pytest.raises(GraphvizError) as raised:
        render(graph, tmp_path / "broken.svg")
    message = str(raised.value)
    assert message.startswith("Graphviz's dot failed on this graph (1 values, 1 drawn nodes): Error: ")
    assert "\n" not in message and "syntax error" in message


def test_missing_dot_is_a_graphviz_error_too(monkeypatch, tmp_path):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GraphvizError) as raised:
        draw(Value(1.0)).svg()
    assert isinstance(raised.value, GraphvizNotFoundError) and "apt-get install graphviz" in str(raised.value)


# --- Labels dot or SVG cannot hold


@needs_dot
def test_labels_with_nul_and_control_characters_are_drawn_as_escapes():
    with autograd.scope("bad\x07scope"):
        x = Value(2.0, label="a\x00b")
        y = x * Value(3.0, label="tab\there\x1b\ud800")
    y.label = "end\ufffe"
    y.backward()
    svg = draw(y, group_scopes=True).svg().encode()
    texts = svg_texts(svg)  # the SVG is well-formed XML
    assert "a\\x00b" in texts and "tab here\\x1b\\ud800" in texts and "end\\ufffe" in texts
    assert "bad\\x07scope" in texts


# --- File names and formats


@needs_dot
def test_a_bytes_filename_writes_the_format_its_extension_names(tmp_path):
    path = os.fsencode(tmp_path / "graph.png")
    drawing = draw(power_chain(2), path)
    assert drawing.format == "png" and drawing.path == path
    assert (tmp_path / "graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_dot
@pytest.mark.parametrize("format", ["SVG", "Svg", "svg"])
def test_format_is_case_insensitive(tmp_path, format):
    drawing = draw(power_chain(2), tmp_path / "graph.SVG", format=format)
    assert drawing.format == "svg" and pathlib.Path(drawing.path).read_bytes().startswith(b"<?xml")


@needs_dot
def test_drawing_to_dev_null_writes_through_it():
    draw(power_chain(2), "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@needs_dot
def test_drawing_through_a_symlink_writes_its_target(tmp_path):
    (tmp_path / "real.svg").write_text("old")
    (tmp_path / "link.svg").symlink_to(tmp_path / "real.svg")
    draw(power_chain(2), tmp_path / "link.svg")
    assert (tmp_path / "link.svg").is_symlink() and (tmp_path / "real.svg").read_bytes().startswith(b"<?xml")
