"""Without ipympl (Colab without its custom widget manager, a bare Jupyter), the panels fall back to a PNG
in a core ``ipywidgets.Image`` (labkit.panels.base: ``ipympl_active`` false, an Agg canvas).

The kernel here cannot import ipympl: a folder first on its PYTHONPATH holds an ``ipympl`` package
that raises ImportError, as a missing install would (matplotlib then cannot resolve the ``widget``
backend either). The labs call ``labkit.viz.use_live_figures()`` instead of ``%matplotlib widget``
(which raised "'widget' is not a recognised GUI loop or backend name" and stopped the first cell):
as stored, each lab runs without an error, says once at the top what it means, and every panel
shows its figure as PNG bytes in an Image widget. Lab 00 still checks its callbacks.
"""

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from labkit.viz import NO_IPYMPL

LABS = Path(__file__).resolve().parent.parent / "labs"
# Two labs cover both kinds of panel (a training panel and its sweep; a measuring panel); the
# PNG path of every panel class is unit-tested in test_widgets / test_explorers / test_monitor_panel.
WITH_PANELS = ["01_underfitting_overfitting", "05_debugging_training"]
PNG = "89504e470d0a1a0a"  # the eight bytes every PNG file starts with, in hex

# Runs in the kernel after the lab: which backend, and what each panel's picture widget holds.
INSPECT = '''
import gc, json, sys, warnings
import ipywidgets
from labkit.panels.base import LivePanel, ipympl_active

def _images(root):
    found, pending = [], [root]
    while pending:
        w = pending.pop()
        if isinstance(w, ipywidgets.Image):
            found.append(bytes(w.value[:8]).hex())
        pending.extend(getattr(w, "children", ()))
    return found

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    panels = [o for o in gc.get_objects() if isinstance(o, LivePanel)]
for p in panels:
    await p.wait()
print(json.dumps({"ipympl_imported": "ipympl" in sys.modules, "ipympl_active": ipympl_active(),
                  "panels": {type(p).__name__: {"images": _images(p.widget),
                                                "error": repr(p.last_error) if p.last_error else None}
                             for p in panels}}))
'''


@pytest.fixture
def no_ipympl(tmp_path, monkeypatch):
    """Environment for a kernel that cannot import ipympl; fast sizes; matplotlib's cache in tmp."""
    stub = tmp_path / "stub" / "ipympl"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('raise ImportError("ipympl is made unavailable for this test")\n')
    monkeypatch.setenv("PYTHONPATH", str(stub.parent))
    monkeypatch.setenv("LABKIT_FAST", "1")
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own default, as in a learner's Jupyter


def outputs(notebook, cells=None):
    return [o for c in (cells or notebook.cells) if c.cell_type == "code" for o in c.outputs]


def run(notebook):
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(LABS)}})
    client.execute()
    return notebook


def test_the_setup_check_runs_without_ipympl_and_says_what_it_means(no_ipympl):
    notebook = run(nbformat.read(LABS / "00_setup_check.ipynb", as_version=4))
    assert not [o for o in outputs(notebook) if o.output_type == "error"]
    printed = "".join(o.text for o in outputs(notebook) if o.output_type == "stream")
    assert NO_IPYMPL in printed and "Widget callbacks ran on" in printed


@pytest.mark.parametrize("name", WITH_PANELS)
def test_panels_fall_back_to_png_images(no_ipympl, name):
    notebook = nbformat.read(LABS / f"{name}.ipynb", as_version=4)  # as stored: use_live_figures falls back
    notebook.cells.append(nbformat.v4.new_code_cell(INSPECT))
    run(notebook)
    first = "".join(o.text for o in outputs(notebook, notebook.cells[:3]) if o.output_type == "stream")
    assert NO_IPYMPL in first  # the learner is told once, at the top

    assert not [o for o in outputs(notebook) if o.output_type == "error"]
    printed = "".join(o.text for o in outputs(notebook, notebook.cells[-1:])
                      if o.output_type == "stream" and o.name == "stdout")
    state = json.loads(printed)
    assert not state["ipympl_imported"] and not state["ipympl_active"]
    assert state["panels"], f"{name}: no live panel was made"
    for panel, seen in state["panels"].items():
        assert seen["error"] is None, f"{panel}: {seen['error']}"
        assert seen["images"] and all(head == PNG for head in seen["images"]), f"{panel}: {seen['images']}"
    # the lab's plain figures (plt.show) come out as inline PNGs
    assert any("image/png" in o.get("data", {}) for o in outputs(notebook))
