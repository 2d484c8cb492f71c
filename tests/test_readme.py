"""The README's examples run, and print what the README says they print."""

import contextlib
import io
import itertools
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def examples():
    """(code, its printed output) for each python block the README follows with a text block of output."""
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    return [(code, out) for (kind, code), (next_kind, out) in itertools.pairwise(blocks)
            if kind == "python" and next_kind == "text" and not out.startswith("$")]  # fmt: skip


def test_the_readme_has_an_example_with_its_output():
    assert examples()


def test_every_example_prints_what_the_readme_shows():
    for code, expected in examples():
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
        assert printed.getvalue() == expected


def test_the_readme_is_short_and_says_no_seed_or_issue():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    assert not re.search(r"\bseed (article|\d)|\bseeds?'|\bthe seed\b|\bissue \d", text, re.I)
    for page in re.findall(r"\]\((docs/[\w./-]+)\)", text):  # every page it links exists
        assert (README.parent / page).exists(), page
