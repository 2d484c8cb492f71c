"""The README's examples run and print what it says they print; no page or notebook calls an article a "seed"."""

import contextlib
import io
import itertools
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
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


# "seed" in the random generator's sense (random.seed, manual_seed, --seed, seed=0, SEED = 1337, "the same seed",
# "seeds the generator") or as backward's starting gradient ("each seed 1.0") is fine. As a name for one of the
# articles the notebooks follow ("seed 004", "the seed's network", "the five seeds") it is not: articles go by
# their titles.
ARTICLE_SEED = re.compile(
    r"(?<!random\.)(?<!manual_)(?<!--)(?<!same )(?<!each )(?<!every )(?<!a )\bseeds?\b"
    r"(?![(=`)]| ?=| (?:0|[1-9]\d*)\b| (?:the|both|its|each)\b)",
    re.I,
)


def article_seeds(text):
    return [m.group() for m in ARTICLE_SEED.finditer(text) if m.group() != "SEED"]  # SEED: the notebooks' constant


@pytest.mark.parametrize(
    "text, found",
    [
        ("the two-layer network of seed 004", ["seed"]),
        ("Seed 003's neuron; the seed's loss; (seed 004: 0.2748)", ["Seed", "seed", "seed"]),
        ("all five seeds agree, and the seed prints it", ["seeds", "seed"]),
        ("random.seed(0); nn.manual_seed(SEED); make_moons(seed=1337); `--seed` seeds both; SEED = 1337", []),
        ("with the same seed; each seed 1.0 by default; every generator gets a seed; seed 0 and seed 1337", []),
    ],
)
def test_the_article_seed_check_tells_the_two_meanings_apart(text, found):
    assert article_seeds(text) == found


def pages():
    """{where: text} for the README, every docs page, and every notebook cell with its outputs."""
    nbformat = pytest.importorskip("nbformat")
    found = {"README.md": README.read_text(encoding="utf-8")}
    found |= {f"docs/{p.name}": p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for k, cell in enumerate(nbformat.read(path, as_version=4).cells):
            outputs = [
                o.get("text", "") + "".join(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])
            ]
            found[f"{path.name} cell {k}"] = "\n".join([cell.source, *outputs])
    return found


def test_no_page_calls_an_article_a_seed():
    offending = {where: article_seeds(text) for where, text in pages().items() if article_seeds(text)}
    assert not offending, f"name the articles by their titles, not 'seed': {offending}"
