"""The README's main job, `python -m autograd.demo`, prints seed 003's numbers and writes the graph."""

import math
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest


def test_demo_prints_the_neuron_and_writes_its_graph(tmp_path):
    result = subprocess.run([sys.executable, "-m", "autograd.demo"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    s = 1 / (1 + math.exp(-7))
    assert f"a = σ(z)      = {s:.6f}" in result.stdout
    assert f"dL/dw = {2 * (s - 1) * s * (1 - s) * 2:.4g}" in result.stdout
    assert f"d²/dx² tanh(x) at 0.5 = {-2 * math.tanh(0.5) / math.cosh(0.5) ** 2:.6f}" in result.stdout
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    svg = ET.parse(tmp_path / "chaingrad-demo" / "neuron.svg").getroot()
    texts = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"sigmoid", "**2", "data 7.0000"} <= texts
