"""Every notebook in notebooks/ runs from scratch without an error; their assert cells check the articles' numbers."""

import pathlib

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_from_scratch(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    # Run in an empty directory, so files a notebook writes land there and nothing it reads is left over.
    client = nbclient.NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_with_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]
    assert code, f"{path.name} has no code"
    assert all(cell.execution_count for cell in code), f"{path.name} has cells that were never run"
    assert notebook.cells[0].cell_type == "markdown", f"{path.name} should open with a paragraph on what it shows"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_committed_picture_shows_without_trust_and_no_progress_bar_is_frozen(path):
    notebook = nbformat.read(path, as_version=4)
    for k, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/svg+xml" in data:  # JupyterLab shows no SVG from an untrusted notebook, GitHub none at all
                assert "image/png" in data, f"{path.name} cell {k}: an SVG with no PNG beside it"
            text = output.get("text", "") + "".join(data.get("text/plain", ""))
            assert "%|" not in text, f"{path.name} cell {k}: a progress bar saved as text"
