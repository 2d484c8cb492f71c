"""`chaingrad demo` with a learning rate that makes training diverge: fit stops on the non-finite loss, and the
command says so in one line, exit status 1, instead of a FloatingPointError traceback."""

import re

from chaingrad.cli import main


def test_a_diverging_demo_says_so_in_one_line_and_writes_no_model(capsys, tmp_path):
    code = main(["demo", "--lr", "1e6", "--epochs", "10", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    last = err.strip().splitlines()[-1]  # above it, only the progress bar
    # Which epoch depends on where nan first appears (the engine's nan handling); lr 1e6 diverges within 10.
    expected = r"training diverged: the loss became nan or inf in epoch ([0-9]+); try a smaller --lr than 1e\+06"
    match = re.fullmatch(f"chaingrad demo: error: {expected}", last)
    assert match and 2 <= int(match[1]) <= 10, last
    assert "Traceback" not in err and not (tmp_path / "model.json").exists()
