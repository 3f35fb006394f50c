"""Schedules next to the losses they produced, and the clipping trace: matplotlib only.

:func:`plot_schedules` draws a :class:`~labkit.optimization.schedules.ScheduleComparison`:
the rate factor per epoch above, the loss per epoch below, on a shared x axis, one colour
and line style per schedule. :func:`plot_clipping` draws a
:class:`~labkit.optimization.clipping.ClippingComparison`: the gradient norm per step
(before clipping, log scale) with the threshold, above the val loss of the same runs;
:func:`plot_thresholds` the share of steps clipped and the final val loss per threshold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from labkit.arguments import check_choice
from labkit.viz.layout import subplots
from labkit.viz.learning_rate import check_result
from labkit.viz.palette import CYCLE, PALETTE, series_style

if TYPE_CHECKING:
    from labkit.optimization.clipping import ClippingComparison
    from labkit.optimization.schedules import ScheduleComparison

__all__ = ["plot_schedules", "plot_clipping", "plot_thresholds"]


def _positive(values) -> np.ndarray:
    """``values`` as floats with what a log axis cannot show (<= 0, NaN, inf) as NaN."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


def _pick(runs: dict, names, argument: str) -> list:
    """The keys ``names`` of ``runs`` (None: all); errors name ``argument``."""
    if names is None:
        return list(runs)
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise TypeError(f"{argument} must be None or a list of the comparison's keys {list(runs)}, "
                        f"got {names!r:.60}")
    names = list(names)
    for i, name in enumerate(names):
        if name not in runs:
            raise ValueError(f"{argument}[{i}] = {name!r} is not among the comparison's: {list(runs)}")
    return names


def _comparison(comparison, kind: str):
    return check_result("comparison", comparison, kind, ("runs",))


def plot_schedules(comparison: ScheduleComparison, *, names=None, split: str = "val"):
    """Rate factor (top, log y) and ``split`` loss (bottom, log y) per epoch, one line per schedule.

    ``names`` picks some of ``comparison.runs`` (None: all). Returns the figure.
    """
    split = check_choice("split", split, ("train", "val"))
    names = _pick(_comparison(comparison, "ScheduleComparison").runs, names, "names")
    fig, (ax_rate, ax_loss) = subplots(2, 1, sharex=True, height=5.6)
    for i, name in enumerate(names):
        run, style = comparison.runs[name], series_style(i)
        epochs = np.arange(len(run.factors))
        look = {"color": style["color"], "ls": style["linestyle"], "markersize": 4,
                "marker": style["marker"] if i >= len(CYCLE) else None,  # repeated styles get markers
                "markevery": max(1, len(epochs) // 8)}
        ax_rate.plot(epochs, _positive(run.factors), lw=1.5, label=name, **look)
        ax_loss.plot(epochs, _positive(getattr(run.history, f"{split}_loss")), lw=1.3, **look)
    c = comparison
    ax_rate.set(yscale="log", ylabel="rate / base rate",
                title=f"{c.optimizer}, base rate {c.lr:g}, batch size {c.batch_size}")
    ax_loss.set(yscale="log", xlabel="epoch", ylabel=f"{split} loss")
    ax_rate.legend(fontsize="small", ncol=2)
    return fig


def _threshold_label(threshold) -> str:
    return "no clipping" if threshold is None else f"clip at {threshold:g}"


def plot_clipping(comparison: ClippingComparison, *, thresholds=None):
    """Gradient norm per step (top, log y, before clipping; dashed: the threshold) and val loss (bottom).

    ``thresholds`` picks runs (None: the run without clipping, if any, and the clipped run
    with the lowest final val loss). The val loss, measured after each epoch, is drawn at
    the epoch's last step, so both axes count steps.
    """
    runs = _comparison(comparison, "ClippingComparison").runs
    if thresholds is None:
        clipped = [t for t in runs if t is not None]
        best = min(clipped, key=lambda t: runs[t].final_val_loss) if clipped else None
        thresholds = ([None] if None in runs else []) + ([best] if best is not None else [])
    thresholds = _pick(runs, thresholds, "thresholds")
    fig, (ax_norm, ax_loss) = subplots(2, 1, sharex=True, height=5.6)
    for i, threshold in enumerate(thresholds):
        run, style = runs[threshold], series_style(i)
        ax_norm.plot(np.arange(len(run.grad_norm)), _positive(run.grad_norm), color=style["color"], lw=0.8,
                     alpha=0.8, zorder=3 - i / len(thresholds), label=_threshold_label(threshold))
        if threshold is not None:
            ax_norm.axhline(threshold, color=style["color"], ls="--", lw=1.2)
        per_epoch = len(run.grad_norm) / max(1, run.history.epochs_run)
        ends = per_epoch * np.arange(1, run.history.epochs_run + 1) - 1
        ax_loss.plot(ends, _positive(run.history.val_loss), color=style["color"], ls=style["linestyle"],
                     lw=1.5, label=_threshold_label(threshold))
    ax_norm.set(yscale="log", ylabel="gradient norm (before clipping)",
                title=f"SGD, lr {comparison.lr:g}, batch size {comparison.batch_size}: dashed = threshold")
    ax_loss.set(yscale="log", xlabel="update step", ylabel="val loss (clean data)")
    ax_norm.legend(fontsize="small")
    return fig


def plot_thresholds(comparison: ClippingComparison):
    """Per clipping threshold (log x): the share of steps clipped and the final val loss (dotted: none)."""
    runs = _comparison(comparison, "ClippingComparison").runs
    thresholds = sorted(t for t in runs if t is not None)
    if not thresholds:
        raise ValueError("comparison has no clipped run to plot (thresholds were all None)")
    fig, (ax_share, ax_loss) = subplots(1, 2, height=3.2)
    ax_share.plot(thresholds, [100 * runs[t].fraction_clipped for t in thresholds], "o-", color=PALETTE[0])
    ax_share.set(xscale="log", xlabel="threshold", ylabel="steps clipped (%)", ylim=(-3, 103))
    ax_loss.plot(thresholds, [runs[t].final_val_loss for t in thresholds], "s-", color=PALETTE[3],
                 label="clipped")
    if None in runs:
        ax_loss.axhline(runs[None].final_val_loss, color="0.35", ls=":", label="no clipping")
    ax_loss.set(xscale="log", yscale="log", xlabel="threshold", ylabel="final val loss")
    ax_loss.legend(fontsize="small")
    return fig
