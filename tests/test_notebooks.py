"""Every lab runs top to bottom from a fresh kernel, and none is stored with outputs."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from labkit.text import COLUMNS

LABS = Path(__file__).resolve().parent.parent / "labs"
NOTEBOOKS = sorted(LABS.glob("*.ipynb"))


def test_there_are_labs():
    assert any(p.name.startswith("00_") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name} cell {index} has outputs: clear them"
            assert cell.execution_count is None, f"{path.name} cell {index} has an execution count"
    assert "widgets" not in notebook.metadata, f"{path.name} carries saved widget state: clear it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_in_fast_mode(path, monkeypatch, tmp_path):
    # The kernel inherits this process's environment: fast sizes, no GUI backend,
    # matplotlib's cache in a temp folder.
    monkeypatch.setenv("LABKIT_FAST", "1")
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path))
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(LABS)}}
    )
    client.execute()
    errors = [
        output for cell in notebook.cells if cell.cell_type == "code"
        for output in cell.outputs if output.output_type == "error"
    ]
    assert not errors
    # JupyterLab breaks a printed line wider than the column anywhere, mid-number included
    wide = [(index, line) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            for output in cell.outputs for line in _printed(output).splitlines() if len(line) > COLUMNS + 5]
    assert not wide, f"printed lines wider than the notebook column ({COLUMNS + 5} characters): {wide}"


def _printed(output) -> str:
    """The text a notebook shows as plain monospace: streams, and results with no richer form."""
    if output.output_type == "stream":
        return output.text
    data = output.get("data", {})
    if "text/plain" in data and not set(data) - {"text/plain"}:
        return data["text/plain"]
    return ""
