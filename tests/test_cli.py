"""The `chaingrad` command (chaingrad/cli.py; `python -m chaingrad` is the same program): `grad` and `demo`, what
they print and write, and what they refuse."""

import io
import json
import math
import os
import pathlib
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import nn
from autograd import Value
from chaingrad.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
SVG = "{http://www.w3.org/2000/svg}"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def svg_texts(path):
    return [t.text for t in ET.parse(path).getroot().iter(f"{SVG}text")]


def assert_one_line_error(err, command):
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith(f"chaingrad {command}: error: "), err


# --- chaingrad grad


def test_grad_prints_the_value_and_each_partial_in_the_order_given(capsys):
    code, out, err = run(capsys, "grad", "x * y + exp(x)", "y=2", "x=1")
    assert (code, err) == (0, "")
    x, y = Value(1.0), Value(2.0)
    f = x * y + x.exp()
    f.backward()
    assert out == f"f = {f.data!r}\n∂f/∂y = {y.grad!r}\n∂f/∂x = {x.grad!r}\n"
    assert out == "f = 4.718281828459045\n∂f/∂y = 1.0\n∂f/∂x = 4.718281828459045\n"


def test_grad_takes_an_expression_starting_with_minus_and_svg_anywhere(capsys, tmp_path):
    svg = tmp_path / "g.svg"
    code, out, _ = run(capsys, "grad", "--svg", str(svg), "-x**2 + 1", "x=3")
    assert code == 0
    assert out.startswith("f = -8.0\n∂f/∂x = -6.0\n")
    code, out, _ = run(capsys, "grad", "-x", "x=-2.5")
    assert (code, out) == (0, "f = 2.5\n∂f/∂x = -1.0\n")
    code, out, _ = run(capsys, "grad", "--", "-x", "x=1")
    assert (code, out) == (0, "f = -1.0\n∂f/∂x = -1.0\n")


def test_grad_writes_d_for_the_partial_sign_where_the_terminal_cannot_show_it(monkeypatch):
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["grad", "--svg=", "3 * x", "x=1"]) == 2  # an empty file name is refused like any bad option
    assert main(["grad", "3 * x", "x=1"]) == 0
    stdout.flush()
    assert stdout.buffer.getvalue() == b"f = 3.0\ndf/dx = 3.0\n"


def test_grad_without_variables_prints_the_value(capsys):
    assert run(capsys, "grad", "exp(1) * 2 ** 3") == (0, f"f = {math.e * 8!r}\n", "")


@needs_dot
def test_grad_svg_is_the_graph_with_names_data_grads_and_local_derivatives(capsys, tmp_path):
    svg = tmp_path / "graph.svg"
    code, out, err = run(capsys, "grad", "x * y + exp(x)", "x=1", "y=2", "--svg", str(svg))
    assert (code, err) == (0, "")
    assert out.endswith(f"wrote {svg}: the graph with data, grads and local derivatives\n")
    texts = svg_texts(svg)
    assert {"x", "y", "f", "exp", "*", "+", "data 4.7183", "grad 4.7183"} <= set(texts), texts
    assert any(t and t.startswith("Numbers on edges: the local derivative") for t in texts)
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]  # no temporary file left behind


# Each rejected command line: exit code 2, one line on stderr, no file written, no code run. Several would create
# PWNED if any of it were executed (test_the_payloads_do_write_when_run_by_python shows they would).
PAYLOADS = [
    "__import__('os').system('touch PWNED')",
    "(lambda: open('PWNED', 'w'))()",
    "open('PWNED', 'w')",
    "[open('PWNED', 'w') for _ in 'a']",
    "exp.__globals__['__builtins__']['open']('PWNED', 'w')",
    "x + __import__('pathlib').Path('PWNED').touch()",
]
REFUSED = [
    *[[payload] for payload in PAYLOADS],
    ["foo(x)", "x=1"],  # unknown function
    ["x.real", "x=1"],  # attribute
    ["x[0]", "x=1"],  # subscript
    ["(lambda: 0)()"],
    ["[t for t in x]", "x=1"],  # comprehension
    ["leaky_relu(x, alpha=0.1)", "x=1"],  # keyword argument
    ["x + 'a'", "x=1"],  # string
    ["__class__ * 2"],  # dunder
    ["x // 2", "x=1"],  # operator off the list
    ["x +", "x=1"],  # syntax
    ["x " + "x" * 10_000, "x=1"],  # over 10,000 characters
    ["-" * 300 + "x", "x=1"],  # too deep
    ["(" * 300 + "x" + ")" * 300, "x=1"],  # too deep for the parser
    ["x * y", "x=1"],  # y not assigned
    ["x * y"],  # none assigned
    ["x", "x=1", "x=2"],  # duplicate
    ["x", "x=1", "y=2"],  # unused
    ["2 * 3", "x=1"],  # unused: no variables at all
    ["x", "x"],  # malformed: no '='
    ["x", "x=abc"],  # malformed: not a number
    ["x", "x="],  # malformed: no number
    ["x", "=1"],  # malformed: no name
    ["x", "x y=1"],  # malformed: not an identifier
    ["x", "if=1"],  # malformed: a keyword
    ["x", "exp=1"],  # a function's name
    ["x", "__x__=1"],  # dunder
    ["x", "x==1"],
]


@pytest.mark.parametrize("words", REFUSED, ids=[repr(w[0][:24]) + (f" {w[1:]}" if w[1:] else "") for w in REFUSED])
def test_grad_refuses_with_exit_2_one_line_no_file_and_no_code_run(words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    svg = tmp_path / "out.svg"
    code, out, err = run(capsys, "grad", *words, "--svg", str(svg))
    assert code == 2
    assert out == ""
    assert_one_line_error(err, "grad")
    assert list(tmp_path.iterdir()) == []  # neither out.svg nor PWNED nor a temporary file


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["foo(x)", "x=1"], "unknown function 'foo' at column 1: the functions are exp, log"),
        (["x * y", "x=1"], "the expression uses y but no value is given: add y=NUMBER"),
        (["x", "x=1", "x=2"], "x is assigned twice: 'x=1' and 'x=2'"),
        (["x", "x=1", "y=2"], "'y=2': the expression has no variable y (it uses x)"),
        (["x", "x=abc"], "'x=abc': 'abc' is not a number"),
        (["x", "x"], "'x' is not an assignment NAME=NUMBER, such as x=1.5"),
        (["x +* 2", "x=1"], "invalid syntax at column 4: '* 2'"),
    ],
)
def test_grad_error_messages_say_what_is_wrong(words, message, capsys):
    code, _, err = run(capsys, "grad", *words)
    assert code == 2
    assert err.startswith(f"chaingrad grad: error: {message}"), err


def test_the_payloads_do_write_when_run_by_python(tmp_path, monkeypatch):
    """The control for the test above: were an expression executed, PWNED would exist, so its absence means
    nothing ran. (Only the payloads that need no shell are run here.)"""
    monkeypatch.chdir(tmp_path)
    for payload in PAYLOADS[1:4]:
        eval(payload)  # the real thing, on purpose, in an empty temporary directory
        assert (tmp_path / "PWNED").exists(), payload
        (tmp_path / "PWNED").unlink()


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["log(x)", "x=0"], "log: input must be > 0, got 0.0 (in 'log(x)' at column 1)"),
        (["1 / (x - y)", "x=2", "y=2"], "division: cannot divide 1.0 by zero (in '1 / (x - y)' at column 1)"),
        (["sqrt(x)", "x=-1"], "sqrt: input must be >= 0, got -1.0"),
    ],
)
def test_grad_math_domain_errors_exit_1_with_one_line_and_no_file(words, message, capsys, tmp_path):
    svg = tmp_path / "out.svg"
    code, out, err = run(capsys, "grad", *words, "--svg", str(svg))
    assert (code, out) == (1, "")
    assert_one_line_error(err, "grad")
    assert message in err
    assert not svg.exists()


def test_grad_svg_without_graphviz_prints_the_numbers_then_one_line_and_exit_2(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    svg = tmp_path / "out.svg"
    code, out, err = run(capsys, "grad", "x * 2", "x=1", "--svg", str(svg))
    assert code == 2  # every Graphviz failure is 2
    assert out == "f = 2.0\n∂f/∂x = 2.0\n"
    assert_one_line_error(err, "grad")
    assert "Graphviz's dot is not installed" in err and "apt-get install graphviz" in err
    assert not svg.exists()


@pytest.mark.parametrize("svg", ["graph.png", "."])
def test_grad_svg_must_name_an_svg_file(svg, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "grad", "x", "x=1", "--svg", svg)
    assert (code, out) == (2, "")
    assert_one_line_error(err, "grad")
    assert list(tmp_path.iterdir()) == []


def _python_m_chaingrad(*words, cwd=ROOT):
    """`python -m chaingrad WORDS` in a subprocess, importing this checkout's code (PYTHONPATH is its root)."""
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": path}
    return subprocess.run([sys.executable, "-m", "chaingrad", *words], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=env, timeout=60)


def test_python_m_chaingrad_grad_works_and_refuses_code(tmp_path):
    result = _python_m_chaingrad("grad", "exp(x)", "x=2", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"f = {math.exp(2)!r}\n∂f/∂x = {math.exp(2)!r}\n"
    for payload in (PAYLOADS[0], PAYLOADS[1]):
        result = _python_m_chaingrad("grad", payload, "--svg", "out.svg", cwd=tmp_path)
        assert result.returncode == 2
        assert result.stdout == ""
        assert_one_line_error(result.stderr, "grad")
        assert list(tmp_path.iterdir()) == []


def test_python_m_chaingrad_prints_what_main_prints(capsys):
    words = ["grad", "x*y", "x=2", "y=3"]
    code, out, err = run(capsys, *words)
    x, y = Value(2.0), Value(3.0)
    f = x * y
    f.backward()
    assert (code, out, err) == (0, f"f = {f.data!r}\n∂f/∂x = {x.grad!r}\n∂f/∂y = {y.grad!r}\n", "")
    result = _python_m_chaingrad(*words)
    assert (result.returncode, result.stdout, result.stderr) == (code, out, err)


@pytest.mark.parametrize(
    ("words", "status"),
    [
        (["grad", "x +* y", "x=2", "y=3"], 2),  # refused: syntax
        (["grad", "foo(x)", "x=2"], 2),  # refused: off the whitelist
        (["grad", "log(x)", "x=0"], 1),  # the work failed: a math domain error
    ],
)
def test_python_m_chaingrad_exits_with_mains_code_and_error_for_a_bad_formula(words, status, capsys):
    code, out, err = run(capsys, *words)
    assert (code, out) == (status, "")
    assert_one_line_error(err, "grad")
    result = _python_m_chaingrad(*words)
    assert (result.returncode, result.stdout, result.stderr) == (code, out, err)


def test_usage_errors_and_help(capsys):
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert err == "chaingrad: error: the following arguments are required: {demo,grad} (see chaingrad --help)\n"
    code, out, err = run(capsys, "frobnicate")
    assert code == 2 and err.count("\n") == 1 and "invalid choice: 'frobnicate'" in err
    code, out, _ = run(capsys, "grad", "--help")
    assert code == 0 and "NAME=NUMBER" in out and "exit codes" in out
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "demo" in out and "grad" in out


def test_pyproject_declares_the_chaingrad_console_script():
    tomllib = pytest.importorskip("tomllib")
    with open(ROOT / "pyproject.toml", "rb") as f:
        scripts = tomllib.load(f)["project"].get("scripts", {})
    assert scripts.get("chaingrad") == "chaingrad.cli:main"


# --- chaingrad demo


@needs_dot
def test_demo_trains_prints_and_writes_every_file(capsys, tmp_path):
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "demo", "--epochs", "3", "--out", str(out_dir))
    assert code == 0, err
    assert "Traceback" not in err and "fit" in err  # the progress bar is on stderr
    assert out.startswith("training an MLP 2-16-16-1 (337 parameters) on moons (100 points): hinge loss + 1e-4·L2, "
                          "SGD, lr 1 -> 0.1 over 3 epochs\n")
    found = re.search(r"^final loss (\S+), accuracy (\d+)% \((\d+)/100 points\)$", out, re.M)
    assert found, out
    names = ["loss.png", "decision_boundary.png", "model.json", "network.svg", "loss_graph.svg", "loss_graph.html"]
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(names)
    page = (out_dir / "loss_graph.html").read_text(encoding="utf-8")
    assert "export default { render }" in page and '"output":' in page  # the explorer, with its scene
    for name in names:
        assert f"wrote {out_dir / name}: " in out

    for name in ("loss.png", "decision_boundary.png"):
        assert (out_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The saved model is the trained one: it reproduces the printed loss and accuracy on the same data.
    model = nn.load(out_dir / "model.json")
    X, labels = nn.make_moons(100, noise=0.1, seed=1337)
    y = [2 * t - 1 for t in labels]
    scores = [model(x).data for x in X]
    correct = sum((s > 0) == (t > 0) for s, t in zip(scores, y, strict=True))
    loss = nn.functional.hinge_loss(scores, y) + nn.functional.l2_penalty(model.parameters(), 1e-4)
    assert (found.group(1), int(found.group(3))) == (f"{loss.data:.4g}", correct)
    assert int(found.group(2)) == round(100 * correct / 100)
    assert json.loads((out_dir / "model.json").read_text())["config"]["nouts"] == [16, 16, 1]

    # network.svg draws those weights (each edge's tooltip) ...
    network = (out_dir / "network.svg").read_text()
    ET.fromstring(network)
    w = model.layers[0].neurons[0].w[1].data
    assert f"layers.0.neurons.0.w.1 = {w:.4g}" in network
    # ... and loss_graph.svg one sample's loss, one box per neuron.
    texts = svg_texts(out_dir / "loss_graph.svg")
    assert {"layers.0/neurons.0", "layers.1/neurons.15", "layers.2/neurons.0", "loss", "relu"} <= set(texts)


def test_demo_without_matplotlib_or_graphviz_writes_the_model_and_says_what_it_skipped(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no dot
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "demo", "--epochs", "1", "--dataset", "circles", "--optimizer", "adam",
                         "--hidden", "4", "--out", str(out_dir))
    assert code == 0, err
    # The explorer needs no Graphviz: grandalf lays its page out (straight edges, not dot's splines).
    assert sorted(p.name for p in out_dir.iterdir()) == ["loss_graph.html", "model.json"]
    assert '"spline":true' not in (out_dir / "loss_graph.html").read_text(encoding="utf-8")
    notes = [line for line in err.splitlines() if line.startswith("note: ")]
    assert notes == [
        "note: matplotlib is not installed, so loss.png and decision_boundary.png are skipped "
        "(pip install 'chaingrad[notebooks]')",
        "note: Graphviz's dot is not installed, so network.svg and loss_graph.svg are skipped "
        "(sudo apt-get install graphviz | brew install graphviz | conda install -c conda-forge graphviz)",
    ]
    assert "MLP 2-4-1 (17 parameters) on circles" in out and "Adam, lr 0.02 -> 0.002 over 1 epoch\n" in out
    assert nn.load(out_dir / "model.json").config["nouts"] == [4, 1]


BAD_DEMO_OPTIONS = [
    ["--epochs", "0"], ["--epochs", "-3"], ["--epochs", "2.5"], ["--epochs", "many"],
    ["--hidden", ""], ["--hidden", "16,,16"], ["--hidden", "16,0"], ["--hidden", "16.5"], ["--hidden", "-4"],
    ["--hidden", "a,b"], ["--dataset", "spirals"], ["--optimizer", "lbfgs"], ["--lr", "0"], ["--lr", "-0.1"],
    ["--lr", "nan"], ["--lr", "inf"], ["--lr", "fast"], ["--seed", "x"], ["--bogus"], ["extra"],
]


@pytest.mark.parametrize("words", BAD_DEMO_OPTIONS, ids=" ".join)
def test_demo_refuses_bad_options_with_exit_2_one_line_and_nothing_written(words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "demo", *words, "--out", str(tmp_path / "out"))
    assert (code, out) == (2, "")
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith("chaingrad demo: error: ") and err.endswith("(see chaingrad demo --help)\n"), err
    assert list(tmp_path.iterdir()) == []


def test_demo_refuses_an_out_that_is_a_file(capsys, tmp_path):
    target = tmp_path / "taken"
    target.write_text("keep me")
    code, out, err = run(capsys, "demo", "--epochs", "1", "--out", str(target))
    assert (code, out) == (2, "")
    assert_one_line_error(err, "demo")
    assert target.read_text() == "keep me"
