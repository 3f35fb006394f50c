"""``make site``: tools/build_site.py runs every lab and writes a static HTML page per lab plus an index.

Built once in fast mode into a temp folder, for two labs: Lab 00, and Lab 01, whose panels are
the richest (a training playground streaming frames, a sweep panel, ipympl canvases). Every lab
runs top to bottom in the browser test (tests/test_browser_labs.py: no error, nothing wider than
the column, printed lines included), so building all of them here only ran each lab twice (about
270 s of the suite's CPU for eight labs). Each page built must be linked from the index under the
lab's title and show at least one picture when the lab draws figures: ipympl canvases and live
panels are widgets, which static HTML cannot show, so the build replaces them with PNG
snapshots and no widget placeholder may remain.
"""

import html
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

from labkit.text import COLUMNS

# One worker runs them all, so the build (every lab, a few minutes) happens once, not once per worker.
pytestmark = pytest.mark.xdist_group("site")

ROOT = Path(__file__).resolve().parent.parent
SITE_LABS = ("00", "01")
LABS = [path for path in sorted((ROOT / "labs").glob("*.ipynb")) if path.name[:2] in SITE_LABS]
DRAWS = ("plt.show()", "plt.subplots", "Panel(", "Explorer(", "Playground(", "fig.canvas")


def load_builder():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_BUILT = {}  # the build, kept for the worker's life: see site()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # pytest-xdist tears module fixtures down whenever a worker does not yet know its next test, so
    # a module-scoped build still ran twice on one worker (150 s each, seen in --durations); the
    # worker keeps the first one instead.
    if "site" not in _BUILT:
        out = tmp_path_factory.mktemp("site")
        _BUILT["site"] = out, load_builder().build(out, fast=True, labs=list(SITE_LABS))
    return _BUILT["site"]


def draws_figures(path: Path) -> bool:
    notebook = nbformat.read(path, as_version=4)
    return any(word in cell.source for cell in notebook.cells if cell.cell_type == "code" for word in DRAWS)


def test_index_links_every_lab_by_title(site):
    out, pages = site
    index = (out / "index.html").read_text()
    assert [p["file"] for p in pages] == [f"{path.stem}.html" for path in LABS]
    for page in pages:
        assert page["title"].startswith("Lab "), page
        assert f'<a href="{page["file"]}">{html.escape(page["title"])}</a>' in index


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_every_lab_page_shows_its_figures(site, path):
    out, pages = site
    page = (out / f"{path.stem}.html").read_text()
    title = next(p["title"] for p in pages if p["file"] == f"{path.stem}.html")
    assert f"<title>{title}</title>" in page
    assert "application/vnd.jupyter.widget-view+json" not in page, "a widget placeholder was left"
    assert "jp-OutputArea-output" in page, "no outputs: the lab did not run"
    images = re.findall(r'<img[^>]+src="data:image/png;base64,', page)
    if draws_figures(path):
        assert images, f"{path.name} draws figures but its page has no <img>"


def _printed(output) -> str:
    """The text a notebook shows as plain monospace: streams, and results with no richer form."""
    if output.output_type == "stream":
        return output.text
    data = output.get("data", {})
    if "text/plain" in data and not set(data) - {"text/plain"}:
        return data["text/plain"]
    return ""


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.stem)
def test_every_lab_ran_without_errors_and_prints_within_the_column(site, path):
    _, pages = site
    notebook = next(p["notebook"] for p in pages if p["file"] == f"{path.stem}.html")
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert cells and all(c.execution_count for c in cells), "a code cell did not run"
    errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[0]
    # JupyterLab breaks a printed line wider than the column anywhere, mid-number included
    wide = [(index, line) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            for output in cell.outputs for line in _printed(output).splitlines() if len(line) > COLUMNS + 5]
    assert not wide, f"printed lines wider than the notebook column ({COLUMNS + 5} characters): {wide}"
