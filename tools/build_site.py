"""A static, readable copy of every lab with its outputs: ``make site`` writes ``site/``.

Each lab runs top to bottom in a fresh kernel (nbclient, full mode unless ``--fast``) and
nbconvert's HTML exporter writes it to ``site/<lab>.html``; ``site/index.html`` links every
lab by its title. Open ``site/index.html`` in a browser; no server is needed.

Static HTML cannot run widgets, and the labs' figures are widgets: ``%matplotlib widget``
(ipympl) makes every figure a canvas widget, and the live panels are trees of widgets.
nbconvert would write only a placeholder for them, filled in by JavaScript from a CDN with
the saved widget state, and an ipympl canvas leaves no picture there at all. So, after each
cell, this script asks the kernel for a picture of every widget the cell displayed: an ipympl
canvas is saved with ``figure.savefig``, a panel's PNG image widget (labkit's fallback
without ipympl) is taken as it is, and a panel's status and advice lines are kept as HTML.
A panel is first awaited, so its picture is the finished run, not a half-trained one. The
widget output is then replaced by those pictures: the page shows what a learner saw after
Run All, frozen. The labs themselves are read, never changed.

    .venv/bin/python tools/build_site.py                # full mode, ~10 minutes on one core
    .venv/bin/python tools/build_site.py --fast --out /tmp/site
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
LABS = ROOT / "labs"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# Runs in the lab's kernel after a cell that displayed widgets: prints, as JSON, each widget's
# pictures (base64 PNG) and visible text lines, walking the widget tree from the displayed root.
SNAPSHOT = '''
import base64 as _site_b64, gc as _site_gc, io as _site_io, json as _site_json
import ipywidgets as _site_w
from ipywidgets.widgets.widget import _instances as _site_instances

def _site_parts(root):
    parts, pending = [], [root]
    while pending:
        w = pending.pop(0)
        if getattr(getattr(w, "layout", None), "display", None) == "none":
            continue  # hidden, e.g. the playground's code view
        if isinstance(w, _site_w.Image) and w.format == "png" and w.value:
            parts.append(("png", _site_b64.b64encode(bytes(w.value)).decode()))
        elif hasattr(getattr(w, "figure", None), "savefig"):  # an ipympl canvas
            buffer = _site_io.BytesIO()
            w.figure.savefig(buffer, format="png")
            parts.append(("png", _site_b64.b64encode(buffer.getvalue()).decode()))
        elif isinstance(w, (_site_w.HTML, _site_w.Label)) and w.value.strip():
            parts.append(("html" if isinstance(w, _site_w.HTML) else "text", w.value))
        pending[:0] = list(getattr(w, "children", ()))
    return parts

async def _site_snapshot(model_ids):
    import warnings
    from labkit.panels.base import LivePanel
    with warnings.catch_warnings():  # isinstance on every object wakes torch's deprecated aliases
        warnings.simplefilter("ignore")
        panels = [o for o in _site_gc.get_objects() if isinstance(o, LivePanel)]
    for panel in panels:
        if panel.widget.model_id in model_ids:
            await panel.wait()  # the finished run, not a half-trained frame
    print(_site_json.dumps({m: _site_parts(_site_instances[m]) for m in model_ids if m in _site_instances}))
'''


def lab_title(notebook) -> str:
    """The lab's first heading, e.g. 'Lab 01: Underfitting and overfitting'."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "Untitled"


def static_outputs(parts: list) -> list:
    """Display outputs for a widget's snapshot: each picture, then its text lines."""
    outputs = []
    for kind, value in parts:
        if kind == "png":
            outputs.append(nbformat.v4.new_output("display_data", data={"image/png": value,
                                                                         "text/plain": "<figure>"}))
        else:
            text = value if kind == "html" else html.escape(value)
            data = {"text/html": text, "text/plain": value}
            outputs.append(nbformat.v4.new_output("display_data", data=data))
    return outputs


def execute(path: Path, *, fast: bool, timeout: int = 1800):
    """Run the lab in a fresh kernel, replacing widget outputs with static snapshots as it goes."""
    env = dict(os.environ)
    env.pop("LABKIT_FAST", None)
    if fast:
        env["LABKIT_FAST"] = "1"
    env.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="mpl-"))
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(LABS)}})
    client.km = client.create_kernel_manager()
    with client.setup_kernel(env=env):
        run_aside(client, SNAPSHOT)
        for index, cell in enumerate(list(notebook.cells)):
            client.execute_cell(cell, index)
            if cell.cell_type == "code":
                replace_widgets(client, cell)
    notebook.metadata.pop("widgets", None)  # nothing left for a widget manager to render
    return notebook


def run_aside(client, code: str):
    """Run ``code`` in the lab's kernel as a cell that is not part of the page. (nbclient stores an
    executed cell at its index in the notebook, so it runs at a temporary index past the end.)"""
    cells = client.nb.cells
    cells.append(nbformat.v4.new_code_cell(code))
    try:
        return client.execute_cell(cells[-1], len(cells) - 1, store_history=False)
    finally:
        cells.pop()


def replace_widgets(client, cell) -> None:
    ids = [o.data[WIDGET_VIEW]["model_id"] for o in cell.outputs if WIDGET_VIEW in o.get("data", {})]
    if not ids:
        return
    probe = run_aside(client, f"await _site_snapshot({ids!r})")
    printed = "".join(o.text for o in probe.outputs if o.output_type == "stream" and o.name == "stdout")
    errors = [o for o in probe.outputs if o.output_type == "error"]
    if errors:
        raise RuntimeError(f"snapshot of widgets failed: {errors[0].ename}: {errors[0].evalue}")
    if not printed.strip():
        raise RuntimeError(f"snapshot printed nothing: {probe.outputs}")
    snapshots = json.loads(printed)
    outputs = []
    for output in cell.outputs:
        model_id = output.get("data", {}).get(WIDGET_VIEW, {}).get("model_id")
        outputs.extend(static_outputs(snapshots.get(model_id, [])) if model_id else [output])
    cell.outputs = outputs


INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>DL Practice Lab: the labs with their outputs</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; line-height: 1.5;
padding: 0 1rem; }} li {{ margin: 0.4rem 0; }} .note {{ color: #555; }}</style></head><body>
<h1>DL Practice Lab</h1>
<p>A static copy of every lab, run top to bottom {mode}. The sliders and panels do not move
here: each picture is the state after Run All. To use them, open the labs in JupyterLab.</p>
<ol start="0">
{items}
</ol>
<p class="note">Built {date} by <code>make site</code> (tools/build_site.py).</p>
</body></html>
"""


def build(out: Path, *, fast: bool = False, labs: list[str] | None = None) -> list[dict]:
    """Execute and export each lab into ``out``; one summary per lab: file, title, figures, seconds,
    and the executed notebook itself (``notebook``: its printed outputs, for the tests)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = sorted(LABS.glob("*.ipynb"))
    if labs:
        paths = [p for p in paths if p.name[:2] in labs]
    exporter = HTMLExporter(template_name="lab")
    pages = []
    for path in paths:
        start = time.perf_counter()
        notebook = execute(path, fast=fast)
        title = lab_title(notebook)
        body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
        page = out / f"{path.stem}.html"
        page.write_text(body, encoding="utf-8")
        figures = sum("image/png" in o.get("data", {}) for c in notebook.cells if c.cell_type == "code"
                      for o in c.outputs)
        pages.append({"file": page.name, "title": title, "figures": figures,
                      "seconds": round(time.perf_counter() - start, 1), "notebook": notebook})
        print(f"{page.name}: {figures} figures, {pages[-1]['seconds']} s", flush=True)
    items = "\n".join(f'<li><a href="{p["file"]}">{html.escape(p["title"])}</a></li>' for p in pages)
    mode = "in fast mode (small sizes)" if fast else "at full size"
    (out / "index.html").write_text(INDEX.format(items=items, mode=mode, date=time.strftime("%Y-%m-%d")),
                                    encoding="utf-8")
    return pages


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site")
    parser.add_argument("--fast", action="store_true", help="small sizes (LABKIT_FAST=1), for tests")
    parser.add_argument("--labs", nargs="*", help="lab numbers, e.g. 01 05 (default: all)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    pages = build(args.out, fast=args.fast, labs=args.labs)
    print(f"{len(pages)} pages, {sum(p['figures'] for p in pages)} figures in "
          f"{time.perf_counter() - start:.0f} s: open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
