"""The update-to-weight ratio per layer against the step, log scale, with CS231n's 1e-3 band.

:class:`UpdateRatioView` makes its artists once and :meth:`~UpdateRatioView.show` changes
only their data, as :class:`labkit.viz.views.LossView` does; a live panel calls it between
epochs. :func:`plot_update_ratios` draws several rates (a :class:`RateWatch`) at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from labkit.viz.layout import subplots
from labkit.viz.learning_rate import check_result
from labkit.viz.palette import PALETTE, series_style
from labkit.viz.scales import check_figure

if TYPE_CHECKING:
    from labkit.optimization.update_ratio import RateWatch, UpdateRatioRun

__all__ = ["UpdateRatioView", "plot_update_ratios"]

RULE, BAND = 1e-3, (10**-3.5, 10**-2.5)  # as labkit.optimization.update_ratio (viz imports no topic)


def _band(ax) -> None:
    ax.axhspan(*BAND, color=PALETTE[2], alpha=0.15, lw=0, label="rule of thumb band")
    ax.axhline(RULE, color=PALETTE[2], lw=1, ls="--")


def _log_limits(values, default=(1e-6, 1e-1), keep=BAND) -> tuple[float, float]:
    """Log-axis limits around the finite positive ``values``, always showing the ``keep`` range.

    Capped at 1e-8 and 10: a ratio above 10 means the weights exploded (the point is made by
    the curve leaving the top), and an axis stretched to 1e10 squashed the band and every useful
    curve into a sliver."""
    values = np.asarray(values, dtype=float).ravel()
    values = values[np.isfinite(values) & (values > 0)]
    if not len(values):
        return default
    return max(min(float(values.min()), keep[0]) / 2, 1e-8), min(max(float(values.max()), keep[1]) * 2, 10.0)


class UpdateRatioView:
    """Two axes on ``fig``: ||dW||/||W|| per layer against the step (log y, 1e-3 band), and the loss.

    ``n_layers`` lines are made once, one :func:`series_style` each; ``show(run)`` sets their
    data from an :class:`UpdateRatioRun` (any number of steps, the same layers).
    """

    def __init__(self, fig, *, layer_names):
        self.figure = fig = check_figure("fig", fig)
        if isinstance(layer_names, str) or not hasattr(layer_names, "__iter__"):
            raise TypeError(f"layer_names must be a list of the layers' names, got {layer_names!r:.60}")
        names = list(layer_names)
        if not names:
            raise ValueError("layer_names must name at least one layer, got none")
        # fixed margins, not constrained layout: a live frame then costs one draw, not a layout pass too
        self.ax_ratio, self.ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": (1.6, 1.0)})
        fig.subplots_adjust(left=0.1, right=0.97, bottom=0.15, top=0.9, wspace=0.3)
        _band(self.ax_ratio)
        self.lines = []
        for i, name in enumerate(names):
            style = series_style(i)
            self.lines.append(self.ax_ratio.plot([], [], color=style["color"], ls=style["linestyle"], lw=1.3,
                                                 label=name)[0])
        self.ax_ratio.set(yscale="log", xlabel="update step", ylabel="||ΔW|| / ||W||", ylim=(1e-6, 1e-1))
        self.ax_ratio.legend(fontsize="small", loc="upper right", ncol=2)
        (self.loss,) = self.ax_loss.plot([], [], color=PALETTE[0], lw=1.3)
        self.ax_loss.set(yscale="log", xlabel="update step", ylabel="batch loss", ylim=(1e-3, 1e1))
        self.title = self.ax_ratio.set_title("", fontsize="medium")

    def show(self, run: UpdateRatioRun) -> None:
        """Put ``run``'s ratios and step losses into the artists; draws nothing."""
        ratios, steps = run.monitor.ratios, np.asarray(run.monitor.steps, dtype=float)
        if ratios.shape[1] != len(self.lines):
            raise ValueError(f"run has {ratios.shape[1]} layers, this view {len(self.lines)}")
        for line, column in zip(self.lines, ratios.T, strict=True):
            line.set_data(steps, np.where(np.isfinite(column) & (column > 0), column, np.nan))
        loss = np.asarray(run.history.step_loss, dtype=float)
        self.loss.set_data(np.arange(len(loss)), np.where(np.isfinite(loss) & (loss > 0), loss, np.nan))
        right = max(float(steps[-1]) + 1 if len(steps) else 1.0, 1.0)
        self.ax_ratio.set_xlim(0, right)
        self.ax_loss.set_xlim(0, right)
        self.ax_ratio.set_ylim(*_log_limits(ratios))
        self.ax_loss.set_ylim(*_log_limits(loss, default=(1e-3, 1e1), keep=(np.inf, 0.0)))
        self.title.set_text(f"{run.optimizer}, lr = {run.lr:.3g}: {run.verdict()}")


def plot_update_ratios(watched: RateWatch):
    """The median ratio over layers against the step, one line per rate, with the 1e-3 band."""
    check_result("watched", watched, "RateWatch", ("runs",))
    fig, ax = subplots(height=3.4)
    _band(ax)
    values = []
    for i, run in enumerate(watched.runs):
        ratios = run.monitor.ratios
        median = np.median(ratios, axis=1) if len(ratios) else np.empty(0)
        median = np.where(np.isfinite(median) & (median > 0), median, np.nan)
        values.append(median)
        style = series_style(i)
        ax.plot(run.monitor.steps, median, color=style["color"], ls=style["linestyle"], lw=1.5,
                label=f"lr = {run.lr:g}" + (" (diverged)" if run.diverged else ""))
    ax.set(yscale="log", xlabel="update step", ylabel="median ||ΔW|| / ||W|| over layers",
           ylim=_log_limits(np.concatenate(values + [np.empty(0)])))
    ax.legend(fontsize="small", ncol=2)
    return fig
