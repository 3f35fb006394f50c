"""Pictures of Lab 09's recipe: the results table, the confusion matrix, the worst mistakes,
the precision-recall curve with its threshold, and the transfer-learning curves.

Takes the result objects of :mod:`labkit.recipe` (it reads their fields and imports none of
them: viz does not import topics) and draws with matplotlib only. Every function takes
``ax=None`` (a new column-wide figure, :func:`labkit.viz.layout.subplots`) or, for image grids,
``fig=None``, and returns what it drew on.
"""

from __future__ import annotations

import numpy as np

from labkit.arguments import check_int, to_numpy
from labkit.viz.layout import legend_outside, subplots
from labkit.viz.palette import HEATMAP, PALETTE, TRAIN, VAL, series_style
from labkit.viz.scales import check_axes

__all__ = ["plot_results_table", "plot_confusion", "plot_mistakes", "plot_pr_curve", "plot_transfer_curves"]


def _axes(ax, height=3.4, width=None):
    if ax is None:
        return subplots(height=height, width=width)[1]
    return check_axes("ax", ax)


def _needs(name: str, value, kind: str, attributes: tuple):
    missing = [a for a in attributes if not hasattr(value, a)]
    if missing:
        raise TypeError(f"{name} must be a {kind} (from labkit.recipe), got {type(value).__name__} "
                        f"without {', '.join(missing)}")
    return value


def plot_results_table(table, ax=None, *, errors: bool = False):
    """Grouped bars: one group per row of a ResultsTable (train ... shifted), the goal dashed."""
    _needs("table", table, "ResultsTable", ("rows", "goal", "to_frame"))
    frame = table.to_frame(errors=errors).drop(columns=["goal", "seconds"], errors="ignore")
    if frame.empty:
        raise ValueError("table has no rows to draw; add some with table.add(...)")
    ax = _axes(ax)
    colours = {"train": TRAIN, "train_val": PALETTE[5], "val": VAL, "test": PALETTE[2], "shifted": PALETTE[3]}
    width = 0.8 / len(frame.columns)
    x = np.arange(len(frame))
    for i, column in enumerate(frame.columns):
        ax.bar(x + (i - (len(frame.columns) - 1) / 2) * width, 100 * frame[column].to_numpy(dtype=float),
               width, label=column.replace("_", "-"), color=colours[column])
    goal = 100 * ((1 - table.goal) if errors else table.goal)
    ax.axhline(goal, color="0.2", ls="--", lw=1, label="goal")
    ax.set_xticks(x, frame.index, rotation=20, ha="right")
    ax.set_ylabel("error (%)" if errors else "accuracy (%)")
    legend_outside(ax)
    return ax


def plot_confusion(matrix, ax=None, *, labels=None):
    """A confusion matrix (n, n) as counts: rows true, columns predicted, each cell numbered."""
    matrix = to_numpy("matrix", matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix must be square (n_classes, n_classes), got shape {matrix.shape}")
    ax = _axes(ax, height=4.0, width=4.6)
    n = len(matrix)
    labels = list(range(n)) if labels is None else list(labels)
    image = ax.imshow(np.log1p(matrix), cmap=HEATMAP)
    for i in range(n):
        for j in range(n):
            if matrix[i, j]:
                bright = np.log1p(matrix[i, j]) > 0.6 * np.log1p(matrix.max())
                ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize="x-small",
                        color="black" if bright else "white")
    ax.set_xticks(range(n), labels)
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    image.set_clim(0, np.log1p(max(matrix.max(), 1)))
    return ax


def plot_mistakes(images, mistakes, *, columns: int = 6, fig=None):
    """The worst mistakes as 8x8 images titled "true -> predicted (confidence)"; returns the figure.

    ``images``: the (n, 1, 8, 8) or (n, 64) data the mistakes index; ``mistakes``: a Mistakes.
    """
    _needs("mistakes", mistakes, "Mistakes", ("index", "true", "predicted", "confidence"))
    images = to_numpy("images", images).reshape(-1, 8, 8)
    columns = check_int("columns", columns, min_value=1, max_value=8)
    if len(mistakes.index) == 0:
        raise ValueError("mistakes is empty: the model made no mistake on these images")
    rows = -(-len(mistakes.index) // columns)
    if fig is None:  # small image panels: one column-safe figure, its single axes swapped for a grid
        fig, placeholder = subplots(height=1.45 * rows + 0.2, width=min(1.3 * columns + 0.3, 8.2))
        placeholder.remove()
    axes = np.array(fig.subplots(rows, columns, squeeze=False))
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, i, t, p, c in zip(axes.ravel(), mistakes.index, mistakes.true, mistakes.predicted,
                              mistakes.confidence, strict=False):
        ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{t} -> {p} ({100 * c:.0f}%)", fontsize="small", color=PALETTE[3])
    return fig


def plot_pr_curve(curve, ax=None, *, threshold: float | None = None, label: str = "model"):
    """Precision against recall (a PRCurve), the base rate dotted, and the chosen ``threshold`` marked."""
    _needs("curve", curve, "PRCurve", ("precision", "recall", "thresholds", "base_rate"))
    ax = _axes(ax, height=3.4, width=5.6)
    ax.step(curve.recall, curve.precision, where="post", color=PALETTE[0],
            label=f"{label} (AP {curve.average_precision:.2f})")
    ax.axhline(curve.base_rate, color="0.4", ls=":",
               label=f"no skill ({100 * curve.base_rate:.0f}% positive)")
    if threshold is not None:
        i = min(np.searchsorted(curve.thresholds, threshold), len(curve.thresholds) - 1)
        ax.plot(curve.recall[i], curve.precision[i], "o", color=PALETTE[3],
                label=f"threshold {threshold:.2g}")
    ax.set_xlabel("recall (share of the sick found)")
    ax.set_ylabel("precision (share of alarms right)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.05)
    ax.legend(loc="lower left", fontsize="small", frameon=False)  # the curve's low left is empty
    return ax


def plot_transfer_curves(curve, ax=None):
    """Target-test accuracy against examples per class (log x), one line per way of transferring."""
    _needs("curve", curve, "TransferCurve", ("ks", "modes", "accuracy"))
    ax = _axes(ax)
    for i, (mode, accuracy) in enumerate(zip(curve.modes, curve.accuracy, strict=True)):
        ax.plot(curve.ks, 100 * np.asarray(accuracy), label=mode, **series_style(i))
    ax.set_xscale("log")
    ax.set_xticks(curve.ks, [str(k) for k in curve.ks])
    ax.set_xlabel("examples per class")
    ax.set_ylabel("test accuracy (%)")
    legend_outside(ax)
    return ax
