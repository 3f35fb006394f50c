"""Figure sizes that fit the notebook column, and the one place every labkit and lab figure is made.

With ipympl (and in a saved PNG) a figure's width on screen is ``width_inches * dpi`` CSS
pixels. At 1280 px with JupyterLab's file browser open, the notebook column is about 848 px;
a wider figure is cut off and the learner must scroll sideways inside the output (the
playground's loss legend, Lab 03's silu column and most of Lab 05 were). So every figure is
at most :data:`COLUMN_PX` wide, by construction: :func:`subplots` and :func:`figure_size`
refuse anything wider, and a multi-panel figure that would squeeze its panels below
:data:`MIN_PANEL_INCHES` wraps onto more rows (:func:`grid_shape`) rather than shrink its text.

:func:`subplots` also gives the axes the colour-blind-safe cycle of :mod:`labkit.viz.palette`
and tidies an ipympl canvas (:func:`tidy_canvas`): no "Figure N" header, and the hover
toolbar on the right, over a strip kept free for it, not over the y-axis labels.
"""

from __future__ import annotations

import math

import matplotlib
from matplotlib.figure import FigureBase

from labkit.arguments import check_float, check_int
from labkit.viz.palette import prop_cycle

__all__ = ["COLUMN_PX", "DPI", "COLUMN_INCHES", "MIN_PANEL_INCHES", "TOOLBAR_PX", "figure_size", "grid_shape",
           "subplots", "tidy_canvas", "pixel_width", "legend_outside"]

COLUMN_PX = 820  # the column is ~848 px at 1280 px with the file browser open; the rest is margin
DPI = 100  # matplotlib's and ipympl's default: CSS pixels = inches * DPI
COLUMN_INCHES = COLUMN_PX / DPI
MIN_PANEL_INCHES = 2.6  # narrower, and tick labels at 10 pt collide: wrap to another row instead
TOOLBAR_PX = 36  # ipympl's vertical toolbar, kept clear on the right of a lab's figure


def figure_size(height: float = 3.6, *, width: float | None = None) -> tuple[float, float]:
    """(width, height) in inches: the column's width unless ``width`` is given, never wider."""
    height = check_float("height", height, min_value=0.5, max_value=20.0)
    if width is None:
        return COLUMN_INCHES, height
    width = check_float("width", width, min_value=0.5)
    if width > COLUMN_INCHES + 1e-9:
        raise ValueError(f"width must be at most {COLUMN_INCHES:g} inches ({COLUMN_PX} px at {DPI} dpi, the "
                         f"notebook column at 1280 px), got {width:g}; wrap panels onto more rows instead")
    return width, height


def grid_shape(n_panels: int, *, max_columns: int | None = None) -> tuple[int, int]:
    """(rows, columns) for ``n_panels`` side by side in the column, wrapping when one would be too narrow."""
    n = check_int("n_panels", n_panels, min_value=1)
    fit = max(1, int(COLUMN_INCHES // MIN_PANEL_INCHES))  # 3 panels of 2.7 in
    columns = min(n, fit if max_columns is None else min(fit, check_int("max_columns", max_columns,
                                                                         min_value=1)))
    return math.ceil(n / columns), columns


def subplots(nrows: int = 1, ncols: int = 1, *, height: float | None = None, width: float | None = None,
             sharex=False, sharey=False, squeeze: bool = True):
    """``plt.subplots`` for a lab: fits the column, constrained layout, the palette's cycle, a tidy canvas.

    ``height`` is the whole figure's (default 3.4 in per row); ``width`` the column's unless
    given. Columns narrower than :data:`MIN_PANEL_INCHES` raise: use :func:`grid_shape`.
    """
    nrows, ncols = check_int("nrows", nrows, min_value=1), check_int("ncols", ncols, min_value=1)
    size = figure_size(3.4 * nrows if height is None else height, width=width)
    if size[0] / ncols < MIN_PANEL_INCHES - 1e-9:
        raise ValueError(f"ncols={ncols} in {size[0]:g} inches leaves {size[0] / ncols:.2f} in per panel, "
                         f"less than {MIN_PANEL_INCHES} (text would shrink): wrap onto more rows "
                         f"with grid_shape({ncols * nrows})")
    import matplotlib.pyplot as plt  # only here: importing labkit.viz loads no pyplot

    with matplotlib.rc_context({"axes.prop_cycle": prop_cycle()}):  # axes keep the cycle they were made with
        fig, axes = plt.subplots(nrows, ncols, figsize=size, dpi=DPI, layout="constrained", sharex=sharex,
                                 sharey=sharey, squeeze=squeeze)
    tidy_canvas(fig)
    return fig, axes


def tidy_canvas(fig) -> None:
    """On an ipympl canvas: hide the "Figure N" header and put the toolbar on the right, over a free strip."""
    if not isinstance(fig, FigureBase):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    canvas = fig.canvas
    if not hasattr(canvas, "header_visible"):  # Agg, a PNG: nothing drawn around the figure
        return
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.toolbar_position = "right"
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):  # constrained layout: leave the toolbar its strip
        engine.set(rect=(0, 0, 1 - TOOLBAR_PX / pixel_width(fig), 1))


def pixel_width(fig) -> float:
    """The figure's width on screen in CSS pixels: inches times dpi (ipympl shows it at that size)."""
    # ipympl multiplies dpi by the screen's pixel ratio and keeps the CSS size at the original dpi
    return float(fig.get_figwidth() * getattr(fig, "_original_dpi", fig.dpi))


def legend_outside(ax, handles=None, *, where: str = "right", **kwargs):
    """A legend beside the axes (``where="right"``) or above them (``"top"``), where it covers no data.

    ``loc="best"`` still lands on what matters (the bias-variance minimum, the fit's points):
    outside, constrained layout makes room for it. Other keywords go to ``ax.legend``.
    """
    if where not in ("right", "top"):
        raise ValueError(f"where must be 'right' or 'top', got {where!r}")
    options = {"fontsize": "small", "frameon": False, **kwargs}
    if where == "right":
        options = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0, **options}
    else:
        options = {"loc": "lower left", "bbox_to_anchor": (0.0, 1.01), "borderaxespad": 0.0,
                   "ncol": 4, **options}
    return ax.legend(handles=handles, **options) if handles is not None else ax.legend(**options)
