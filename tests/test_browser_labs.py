"""Every lab as a workshop attendee sees it: a 1280x800 laptop, JupyterLab's file browser open.

For each lab: Run All in a real JupyterLab (headless Chromium), then no error output; no
figure, canvas or panel wider than the notebook column, and no printed line either; every live
panel repaints after one key press on its first slider (or the next option of its menu), and the control shows
the value the kernel holds. Lab 01 is then saved, its kernel shut down and the notebook reopened: the saved
widget state must show pictures, not "Error displaying widget: model not found". These
tests replace the earlier per-lab browser tests (Labs 00, 01, 03), which they cover.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from conftest import CHROMIUM_FLAGS, chromium_path

from labkit.text import COLUMNS

pytestmark = pytest.mark.browser  # spread over the workers: each starts its own JupyterLab

LABS = sorted(p.name for p in (Path(__file__).resolve().parents[1] / "labs").glob("*.ipynb"))
ERROR_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
LAPTOP = {"width": 1280, "height": 800}
PICTURES = ".jupyter-matplotlib-canvas-div canvas, .widget-image, .jp-OutputArea-output img"

ALL_RUN = """() => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""

# Outputs (and what they hold) wider than the notebook column: [cell index, px wide, px allowed].
OVERFLOWS = """() => {
    const column = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
    const right = column.getBoundingClientRect().right;
    const found = [];
    document.querySelectorAll('.jp-Notebook .jp-CodeCell').forEach((cell, index) => {
        cell.querySelectorAll('.jp-OutputArea-output').forEach(out => {
            const wide = out.scrollWidth > out.clientWidth + 2;
            let widest = out.getBoundingClientRect().right;
            out.querySelectorAll('canvas, img, .jupyter-widgets').forEach(el => {
                widest = Math.max(widest, el.getBoundingClientRect().right);
            });
            if (wide || widest > right + 2) {
                found.push([index, Math.round(out.scrollWidth), Math.round(out.clientWidth)]);
            }
        });
    });
    return found;
}"""

# Printed lines (streams and plain-text results) longer than the limit: [cell index, line]. JupyterLab
# wraps such a line anywhere, mid-number included, so the labs keep them within labkit.text.COLUMNS.
WIDE_PRINTS = """limit => {
    const found = [];
    document.querySelectorAll('.jp-Notebook .jp-CodeCell').forEach((cell, index) => {
        const selector = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"],'
            + ' .jp-OutputArea-output[data-mime-type="text/plain"]';
        cell.querySelectorAll(selector).forEach(out => {
            const long = out.innerText.split('\\n').filter(line => line.length > limit);
            long.forEach(line => found.push([index, line]));
        });
    });
    return found;
}"""

# Run code in the page's kernel and return what it printed (JupyterLab exposes its app).
KERNEL_PRINT = """async code => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    const future = kernel.requestExecute({code, store_history: false});
    let text = '';
    future.onIOPub = msg => {
        if (msg.header.msg_type === 'stream' && msg.content.name === 'stdout') text += msg.content.text;
    };
    await future.done;
    return text;
}"""

CONTROL_VALUES = """
import json, ipywidgets
from ipywidgets.widgets.widget import _instances
W = ipywidgets
sliders = (W.FloatSlider, W.IntSlider, W.FloatLogSlider, W.SelectionSlider, W.Dropdown, W.FloatRangeSlider,
           W.IntRangeSlider)
print(json.dumps([[w.description, w.label if isinstance(w, (W.SelectionSlider, W.Dropdown)) else w.value]
                  for w in list(_instances.values()) if isinstance(w, sliders)], default=str))
"""


@pytest.fixture(scope="module")
def laptop(jupyterlab):
    """One headless Chromium at 1280x800 for the module (its profile persists across labs)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                             args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def _open(browser, jupyterlab, notebook):
    page = browser.new_page(viewport=LAPTOP)
    page.goto(f"{jupyterlab['base']}/lab/tree/{notebook}?reset&token={jupyterlab['token']}")
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=90_000)
    return page


def _run_all(page):
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    page.wait_for_function(ALL_RUN, timeout=300_000, polling=500)
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=120_000)


def _picture(panel):
    """What the panel shows now: its ipympl canvas, or the PNG of its core Image widget."""
    canvas = panel.locator(".jupyter-matplotlib-canvas-div canvas")
    if canvas.count():
        return canvas.first.evaluate("c => c.toDataURL()")
    return panel.locator(".widget-image").first.get_attribute("src")


def _same(shown: str, held) -> bool:
    """A readout and a kernel value agree: as numbers to the readout's precision, else as text.

    A range slider's readout ("−3.5 – −1.0": a minus sign and an en dash) holds two numbers."""
    if isinstance(held, (list, tuple)):
        numbers = re.findall(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", shown.replace("\u2212", "-"))
        return len(numbers) == len(held) and all(_same(n, h) for n, h in zip(numbers, held, strict=True))
    try:
        number = float(re.sub(r"[^0-9eE.+-]", "", shown))
        return abs(number - float(held)) <= 0.02 * abs(float(held)) + 1e-12
    except ValueError:
        return shown.split() == str(held).split()  # the browser shows spaces as no-break spaces


def _check_panels(page):
    """Each panel (an output with a picture and a control): one key press on its first slider,
    or the next option of its first menu where it has no slider; then repaint and values."""
    panels = page.locator(".jp-OutputArea-output",
                          has=page.locator(".widget-hslider, .widget-dropdown select"))
    for i in range(panels.count()):
        panel = panels.nth(i)
        if not panel.locator(".jupyter-matplotlib-canvas-div canvas, .widget-image").count():
            continue  # a control without a picture (an exercise's control): nothing to repaint
        panel.scroll_into_view_if_needed()
        before = _picture(panel)
        if panel.locator(".widget-hslider").count():
            control = panel.locator(".widget-hslider").first
            handle = control.locator(".noUi-handle").first
            handle.focus()
            handle.press("ArrowRight")
            readout = control.locator(".widget-readout").first
        else:
            control = panel.locator(".widget-dropdown").first
            menu = control.locator("select").first
            options = menu.locator("option").all_inner_texts()
            menu.select_option(label=options[(options.index(menu.evaluate(
                "s => s.options[s.selectedIndex].text")) + 1) % len(options)])
            readout = None
        label = control.locator(".widget-label").first.inner_text().strip()
        page.wait_for_function(
            """([panel, before]) => {
                const c = panel.querySelector('.jupyter-matplotlib-canvas-div canvas');
                return (c ? c.toDataURL() : panel.querySelector('.widget-image').src) !== before;
            }""", arg=[panel.element_handle(), before], timeout=60_000, polling=200)
        page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=120_000)
        shown = readout.inner_text() if readout is not None else control.locator("select").first.evaluate(
            "s => s.options[s.selectedIndex].text")
        held = [value for name, value in json.loads(page.evaluate(KERNEL_PRINT, CONTROL_VALUES))
                if name.strip() == label or not label]  # a label kept beside the slider: match values
        assert any(_same(shown, value) for value in held), (
            f"control {label!r} reads {shown!r} in the browser; the kernel holds {held}")


REOPENED = "01_underfitting_overfitting.ipynb"  # saved, its kernel shut down, reopened


@pytest.mark.parametrize("notebook", LABS)
def test_a_lab_runs_fits_the_column_and_its_panels_respond(jupyterlab, laptop, notebook):
    page = _open(laptop, jupyterlab, notebook)
    try:
        assert page.locator(".jp-DirListing").first.is_visible(), "the file browser should be open"
        _run_all(page)
        assert page.locator(ERROR_OUTPUT).count() == 0, page.locator(ERROR_OUTPUT).first.inner_text()
        assert page.evaluate(OVERFLOWS) == [], "outputs wider than the column: [cell, px wide, px column]"
        assert page.evaluate(WIDE_PRINTS, COLUMNS + 5) == [], f"printed lines over {COLUMNS + 5} characters"
        _check_panels(page)
        assert page.locator(ERROR_OUTPUT).count() == 0
        if notebook == REOPENED:
            page.locator(".jp-Notebook").first.click()
            page.keyboard.press("Control+s")
            page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')", timeout=30_000)
    finally:
        page.close()
    if notebook == REOPENED:
        _reopens_with_pictures(laptop, jupyterlab, notebook)


def _reopens_with_pictures(laptop, jupyterlab, notebook):
    """The saved widget state shows the pictures, not 'Error displaying widget: model not found'."""
    _shut_down_kernels(jupyterlab)
    page = _open(laptop, jupyterlab, notebook)
    try:
        # widget views render after the notebook loads: wait for a picture or for the error
        page.wait_for_function(f"""() => document.querySelector({PICTURES!r})
            || document.querySelector('.jp-Notebook').innerText.includes('model not found')""",
                               timeout=60_000)
        assert "model not found" not in page.locator(".jp-Notebook").first.inner_text()
        assert page.locator(PICTURES).count() > 0
    finally:
        page.close()


def _shut_down_kernels(jupyterlab):
    base, token = jupyterlab["base"], jupyterlab["token"]
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}") as response:
        sessions = json.load(response)
    for session in sessions:
        url = f"{base}/api/sessions/{session['id']}?token={token}"
        urllib.request.urlopen(urllib.request.Request(url, method="DELETE")).close()
