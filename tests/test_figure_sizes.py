"""Every figure fits the notebook column (about 848 px at 1280 px with the file browser open).

With ipympl a figure is ``width_inches * dpi`` CSS pixels wide; 15 of 27 figure outputs were
wider and cut off. Here: every labkit panel and one-call plot is built and measured, nothing
of its text falls outside its figure, and no lab asks for a figure wider than the column.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from labkit import viz  # noqa: E402
from labkit.history import History  # noqa: E402
from labkit.viz.layout import COLUMN_INCHES, COLUMN_PX, DPI, MIN_PANEL_INCHES  # noqa: E402

LABS = sorted((Path(__file__).resolve().parent.parent / "labs").glob("*.ipynb"))


def check_fits(fig) -> None:
    """As shown by ipympl (DPI), at most the column; everything drawn inside the figure, text >= 8 pt."""
    width = fig.get_figwidth() * DPI
    assert width <= COLUMN_PX + 1e-6, f"{width:.0f} px > {COLUMN_PX}"
    fig.canvas.draw()
    renderer, box = fig.canvas.get_renderer(), fig.bbox
    shown = [a for a in [*fig.axes, *fig.texts, *fig.legends] if a.get_visible()]
    for artist in shown:
        extent = artist.get_tightbbox(renderer) if hasattr(artist, "get_tightbbox") else None
        extent = extent if extent is not None else artist.get_window_extent(renderer)
        assert extent.x0 >= box.x0 - 2 and extent.x1 <= box.x1 + 2, f"{artist} is cut off at the side"
        assert extent.y0 >= box.y0 - 2 and extent.y1 <= box.y1 + 2, f"{artist} is cut off above or below"
    texts = [t for ax in fig.axes for t in (ax.title, ax._left_title, ax.xaxis.label, ax.yaxis.label,
                                            *ax.get_xticklabels(), *ax.get_yticklabels())]
    texts += [t for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)] if legend
              for t in legend.get_texts()]
    for text in texts:
        if text.get_visible() and text.get_text():
            assert text.get_fontsize() >= 8, f"{text!r} is set in {text.get_fontsize():.1f} pt, below 8"


# ---------------------------------------------------------------- the helpers

def test_figure_size_is_the_column_and_refuses_wider():
    assert viz.figure_size(3.0) == (COLUMN_INCHES, 3.0) and COLUMN_PX <= 830
    assert viz.figure_size(3.0, width=6.5) == (6.5, 3.0)
    with pytest.raises(ValueError, match=r"width must be at most 8.2 inches \(820 px"):
        viz.figure_size(3.0, width=9.5)


@pytest.mark.parametrize(("n", "shape"), [(1, (1, 1)), (2, (1, 2)), (3, (1, 3)), (5, (2, 3)), (6, (2, 3))])
def test_grid_shape_wraps_rather_than_shrinks(n, shape):
    rows, columns = viz.grid_shape(n)
    assert (rows, columns) == shape and COLUMN_INCHES / columns >= MIN_PANEL_INCHES


def test_subplots_fits_hides_nothing_and_uses_the_palette():
    fig, axes = viz.subplots(1, 3, height=3.0)
    lines = [axes[0].plot([0, 1], [i, i])[0] for i in range(3)]
    drawn = [matplotlib.colors.to_hex(line.get_color()) for line in lines]
    assert drawn == [c.lower() for c in viz.CYCLE[:3]]
    assert viz.pixel_width(fig) == pytest.approx(COLUMN_PX) and fig.get_layout_engine() is not None
    check_fits(fig)
    plt.close(fig)
    with pytest.raises(ValueError, match="ncols=4 .* less than 2.6"):
        viz.subplots(1, 4)


def test_tidy_canvas_hides_ipympls_header_and_moves_its_toolbar():
    fig = plt.figure(figsize=(6, 3), layout="constrained")
    fig.canvas = SimpleNamespace(header_visible=True, footer_visible=True, toolbar_position="left",
                                 figure=fig)
    viz.tidy_canvas(fig)
    assert not fig.canvas.header_visible and fig.canvas.toolbar_position == "right"
    assert fig.get_layout_engine().get()["rect"][2] == pytest.approx(1 - viz.TOOLBAR_PX / 600)
    plt.close(fig)


# ---------------------------------------------------------------- labkit's figures

def test_one_call_plots_fit_the_column():
    x = np.linspace(-1, 1, 20)[:, None]
    sweep = SimpleNamespace(param="width", values=[2, 8, 32], bias_squared=[0.5, 0.2, 0.1],
                            variance=[0.0, 0.1, 0.3], noise=0.05, test_error=[0.6, 0.35, 0.45])
    curve = SimpleNamespace(param="n_train", values=[5, 10, 40], train_error=[0.0, 0.1, 0.2], noise=[0.1] * 3,
                            test_error=[0.9, 0.5, 0.3])
    axes = [viz.plot_fit(lambda X: X[:, 0], x, x[:, 0], true_function=lambda v: v),
            viz.plot_history(History(train_loss=[1.0, 0.5, 0.3], val_loss=[1.1, 0.7, 0.6], epochs_run=3)),
            viz.plot_bias_variance(sweep), viz.plot_learning_curve(curve),
            viz.plot_boundary(lambda X: (X[:, 0] > 0).astype(float),
                              np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 2)]
    for ax in axes:
        check_fits(ax.figure)
        plt.close(ax.figure)


def panels():
    from labkit.panels import (
        BiasVariancePanel,
        ExtrapolationExplorer,
        LeakageExplorer,
        MonitorPanel,
        Playground,
    )

    yield "Playground", lambda: Playground(epochs=3)
    yield "ExtrapolationExplorer", lambda: ExtrapolationExplorer(epochs=3, n_models=1)
    yield "LeakageExplorer", lambda: LeakageExplorer(epochs=3, n_models=1)
    yield "BiasVariancePanel", lambda: BiasVariancePanel("depth", n_models=2, epochs=3)
    yield "MonitorPanel", lambda: MonitorPanel(depth=3, steps=2)
    from labkit.panels.recipe import RecipePanel

    yield "RecipePanel", lambda: RecipePanel(epochs=1, n_samples=200)
    from labkit.panels.early_stopping import EarlyStoppingPanel
    from labkit.panels.regularization import AddBackPanel, RegularizedBoundaryPanel
    from labkit.regularization.setup import overfit_setup

    tiny = {"per_class": 2, "n_val": 20, "width": 8}
    yield "RegularizedBoundaryPanel", lambda: RegularizedBoundaryPanel(n_samples=60, n_train=30, epochs=3,
                                                                       grid=10)
    yield "AddBackPanel", lambda: AddBackPanel(overfit_setup(**tiny, epochs=2))
    yield "EarlyStoppingPanel", lambda: EarlyStoppingPanel(overfit_setup(**tiny, epochs=4), patience=2)


@pytest.mark.parametrize(("name", "make"), list(panels()), ids=[name for name, _ in panels()])
def test_every_panel_fits_the_column(name, make):
    panel = make()
    try:
        assert panel.last_error is None, panel.last_error
        check_fits(panel.figure)
    finally:
        panel.close()


# ---------------------------------------------------------------- the labs' own figures

def code_cells(path):
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] == "code":
            yield index, "".join(cell["source"])


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.name)
def test_no_lab_asks_for_a_figure_wider_than_the_column(path):
    for index, source in code_cells(path):
        code = "\n".join(line for line in source.splitlines() if not line.startswith(("%", "!")))
        for node in ast.walk(ast.parse(code)):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "figsize" and isinstance(keyword.value, ast.Tuple):
                    width = ast.literal_eval(keyword.value.elts[0])
                    assert width * DPI <= COLUMN_PX, f"{path.name} cell {index}: figsize width {width} in"
                if keyword.arg == "width" and getattr(node.func, "attr", "") == "subplots":
                    assert ast.literal_eval(keyword.value) <= COLUMN_INCHES, f"{path.name} cell {index}"


@pytest.mark.parametrize("path", [p for p in LABS if not p.name.startswith("00_")], ids=lambda p: p.name)
def test_labs_make_their_figures_through_labkit(path):
    """Lab 00 shows bare ipympl on purpose; the others get the column's width, palette and tidy canvas."""
    for index, source in code_cells(path):
        assert not re.search(r"plt\.(subplots|figure)\(", source), (
            f"{path.name} cell {index}: make figures with labkit.viz.subplots, not plt.subplots")
