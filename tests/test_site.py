"""``make site``: tools/build_site.py runs every lab and writes a static HTML page per lab plus an index.

Built once in fast mode into a temp folder (a few minutes: every lab runs). Each lab page must
exist, be linked from the index under the lab's title, and show at least one picture when the
lab draws figures: ipympl canvases and live panels are widgets, which static HTML cannot show,
so the build replaces them with PNG snapshots and no widget placeholder may remain.
"""

import html
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LABS = sorted((ROOT / "labs").glob("*.ipynb"))
DRAWS = ("plt.show()", "plt.subplots", "Panel(", "Explorer(", "Playground(", "fig.canvas")


def load_builder():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    pages = load_builder().build(out, fast=True)
    return out, pages


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
