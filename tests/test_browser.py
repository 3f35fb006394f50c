"""What only a real browser shows: the labs run in JupyterLab and their widgets respond."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ERROR_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"


def open_and_run_all(page, jupyterlab, notebook):
    page.goto(f"{jupyterlab['base']}/lab/tree/{notebook}?reset&token={jupyterlab['token']}")
    # The toolbar says "idle" while the kernel still starts; a Run All clicked then
    # is dropped. The status bar's "(ipykernel) | Idle" means the kernel is ready.
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=60_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()


def canvas_image(page):
    return page.locator(".jupyter-matplotlib-canvas-div canvas").first.evaluate("c => c.toDataURL()")


def test_setup_check_runs_and_its_slider_moves_the_plot(jupyterlab, browser_page):
    page = browser_page
    open_and_run_all(page, jupyterlab, "00_setup_check.ipynb")
    label = page.locator(".widget-label", has_text="frequency = 2.0")  # set by the notebook's last check
    label.wait_for(timeout=120_000)
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=60_000)
    assert page.locator(ERROR_OUTPUT).count() == 0

    before = canvas_image(page)
    handle = page.locator(".widget-hslider .noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")  # one step: frequency 2.0 -> 2.5
    page.locator(".widget-label", has_text="frequency = 2.5").wait_for(timeout=10_000)
    page.wait_for_function(
        "before => document.querySelector('.jupyter-matplotlib-canvas-div canvas').toDataURL() !== before",
        arg=before, timeout=10_000,
    )
    assert canvas_image(page) != before
    assert page.locator(ERROR_OUTPUT).count() == 0


def test_underfitting_lab_runs_and_a_playground_slider_retrains(jupyterlab, browser_page):
    page = browser_page
    open_and_run_all(page, jupyterlab, "01_underfitting_overfitting.ipynb")
    # the last cell's output ("Solved ...") appears once every cell above has run
    page.locator(".jp-OutputArea-output", has_text="Solved 0 of 5").wait_for(timeout=240_000)
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=60_000)
    assert page.locator(ERROR_OUTPUT).count() == 0

    panel = page.locator(".jp-OutputArea-output", has=page.locator(".widget-label", has_text="learning rate"))
    panel.first.scroll_into_view_if_needed()
    status = panel.first.locator(".widget-html", has_text="Done")
    status.first.wait_for(timeout=60_000)
    canvas = panel.first.locator(".jupyter-matplotlib-canvas-div canvas").first
    before = canvas.evaluate("c => c.toDataURL()")
    width = panel.first.locator(".widget-hslider", has=page.locator(".widget-label", has_text="width"))
    handle = width.first.locator(".noUi-handle").first
    handle.focus()
    handle.press("ArrowLeft")  # width 32 -> 16: a new run, new frames
    page.wait_for_function("([c, before]) => c.toDataURL() !== before", arg=[canvas.element_handle(), before],
                           timeout=20_000)
    panel.first.locator(".widget-html", has_text="Done").first.wait_for(timeout=60_000)
    assert "Error" not in panel.first.inner_text()
    assert page.locator(ERROR_OUTPUT).count() == 0


def test_extrapolation_lab_runs_and_its_explorer_redraws(jupyterlab, browser_page):
    page = browser_page
    open_and_run_all(page, jupyterlab, "03_neural_nets_dont_extrapolate.ipynb")
    page.locator(".jp-OutputArea-output", has_text="Solved 0 of").wait_for(timeout=240_000)
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=60_000)
    assert page.locator(ERROR_OUTPUT).count() == 0

    panel = page.locator(".jp-OutputArea-output",
                         has=page.locator(".widget-label", has_text="domain width")).first
    panel.scroll_into_view_if_needed()
    panel.locator(".widget-html", has_text="MSE inside the domain").first.wait_for(timeout=60_000)
    canvas = panel.locator(".jupyter-matplotlib-canvas-div canvas").first
    before = canvas.evaluate("c => c.toDataURL()")
    panel.locator(".widget-dropdown select").first.select_option("tanh")  # retrain with another activation
    page.wait_for_function("([c, before]) => c.toDataURL() !== before", arg=[canvas.element_handle(), before],
                           timeout=30_000)
    panel.locator(".widget-html", has_text="MSE inside the domain").first.wait_for(timeout=60_000)
    assert "Error" not in panel.inner_text()
    assert page.locator(ERROR_OUTPUT).count() == 0
