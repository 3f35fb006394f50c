"""Pictures of the learning rate: the U-curve with its regions, the range test, and the two side by side.

Takes the result objects of :mod:`labkit.optimization.lr_sweep` and
:mod:`labkit.optimization.range_test` (it reads their fields and imports neither) and draws
with matplotlib only. Every function takes ``ax=None`` (a new column-wide figure) and returns
the axes; :class:`RegimesView` is the live view of the regimes panel, updated in place.
"""

from __future__ import annotations

import numpy as np

from labkit.arguments import as_2d_float, check_bool
from labkit.viz.layout import legend_outside, subplots
from labkit.viz.palette import PALETTE, TRAIN, VAL, series_style
from labkit.viz.scales import check_axes, check_figure

__all__ = ["plot_u_curve", "plot_range_test", "plot_range_test_beside_u_curve", "RegimesView",
           "REGION_COLOURS"]

REGION_COLOURS = {"too low": PALETTE[5], "good": PALETTE[2], "too high": PALETTE[1], "diverged": PALETTE[3]}
_MARKERS = {"steepest": "v", "minimum/10": "s", "valley": "o"}


def _axes(ax, height=3.4):
    if ax is None:
        return subplots(height=height)[1]
    return check_axes("ax", ax)


def check_result(name: str, value, kind: str, attributes: tuple):
    """``value`` if it has ``attributes`` (a ``kind`` that labkit.optimization returns); else TypeError.

    Duck-typed, as :func:`labkit.viz.figures.plot_bias_variance` is: viz does not import topics.
    """
    missing = [a for a in attributes if not hasattr(value, a)]
    if missing:
        raise TypeError(f"{name} must be a {kind} (from labkit.optimization), got {value!r:.60} "
                        f"({type(value).__name__}, without {', '.join(missing)})")
    return value


_SWEEP = ("rates", "regions", "median_train", "band_train", "best_rate", "epochs")


def _edges(rates):
    """Region boundaries halfway (in log lr) between neighbouring rates: (n_rates + 1,)."""
    logs = np.log10(rates)
    step = np.diff(logs).mean() if len(logs) > 1 else 0.5
    return 10 ** np.concatenate([[logs[0] - step / 2], (logs[:-1] + logs[1:]) / 2, [logs[-1] + step / 2]])


def shade_regions(ax, result, *, alpha=0.12):
    """Shade each rate's region (too low / good / too high / diverged) and name each stretch once."""
    edges = _edges(result.rates)
    start = 0
    for i in range(1, len(result.regions) + 1):
        if i == len(result.regions) or result.regions[i] != result.regions[start]:
            region = result.regions[start]
            ax.axvspan(edges[start], edges[i], color=REGION_COLOURS[region], alpha=alpha, lw=0)
            ax.text(np.sqrt(edges[start] * edges[i]), 0.98, region, transform=ax.get_xaxis_transform(),
                    ha="center", va="top", fontsize="x-small", color="0.25")
            start = i


def plot_u_curve(results, ax=None, *, val=False, regions=True, labels=None):
    """Median final loss against learning rate (log-log), a band over seeds, regions shaded.

    ``results`` is one :class:`~labkit.optimization.lr_sweep.LRSweepResult` or a list (e.g. SGD
    and Adam) drawn on the same axes; regions are shaded for the first. ``val=True`` adds the
    validation loss (dashed). Diverged rates have no point; a cross on the top edge marks them.
    """
    if isinstance(results, (list, tuple)):
        results = [check_result(f"results[{i}]", r, "LRSweepResult", _SWEEP) for i, r in enumerate(results)]
    else:
        results = [check_result("results", results, "LRSweepResult", _SWEEP)]
    val, regions = check_bool("val", val), check_bool("regions", regions)
    if labels is not None and (isinstance(labels, str) or not hasattr(labels, "__len__")
                               or len(labels) != len(results)):
        raise ValueError(f"labels must be None or one label per result ({len(results)}), got {labels!r:.60}")
    ax = _axes(ax)
    if regions:
        shade_regions(ax, results[0])
    for i, result in enumerate(results):
        name = result.optimizer if labels is None else labels[i]
        style = series_style(i)
        median = np.where(np.isfinite(result.median_train), result.median_train, np.nan)
        ax.plot(result.rates, median, color=style["color"], marker=style["marker"], ms=4,
                label=f"{name}: train")
        ax.fill_between(result.rates, *result.band_train, color=style["color"], alpha=0.2, lw=0)
        if val and result.median_val is not None:
            ax.plot(result.rates, np.where(np.isfinite(result.median_val), result.median_val, np.nan), "--",
                    color=style["color"], label=f"{name}: validation")
        dead = result.rates[np.array(result.regions) == "diverged"]
        ax.plot(dead, np.ones(len(dead)), "x", color=style["color"], transform=ax.get_xaxis_transform(),
                clip_on=False)
        if result.best_index >= 0:
            ax.plot([result.best_rate], [result.median_train[result.best_index]], "*", ms=12,
                    color=style["color"], mec="k", zorder=4)
    ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel=f"MSE after {results[0].epochs} epochs")
    legend_outside(ax)
    return ax


def plot_range_test(result, ax=None, *, raw=True, suggestions=True):
    """A range test's smoothed loss (and the raw one, faint) against lr, the suggestions marked."""
    check_result("result", result, "RangeTestResult", ("lrs", "losses", "smoothed", "suggestions"))
    raw, suggestions = check_bool("raw", raw), check_bool("suggestions", suggestions)
    ax = _axes(ax)
    if raw:
        ax.plot(result.lrs, result.losses, color=TRAIN, alpha=0.3, lw=1, label="loss per step")
    ax.plot(result.lrs, result.smoothed, color=TRAIN, lw=2, label="smoothed")
    if suggestions:
        _mark_suggestions(ax, result.lrs, result.smoothed, result.suggestions)
    ax.set(xscale="log", yscale="log", xlabel="learning rate (rises every step)", ylabel="training loss")
    legend_outside(ax)
    return ax


def _mark_suggestions(ax, lrs, losses, suggestions):
    for name, lr in suggestions.items():
        y = np.interp(np.log(lr), np.log(lrs), np.where(np.isfinite(losses), losses, np.nanmax(losses)))
        ax.plot([lr], [y], _MARKERS.get(name, "D"), color=VAL, mec="k", ms=7, zorder=5, label=name)


def plot_range_test_beside_u_curve(spread, sweep, axes=None):
    """The range test over seeds (median, band, each seed's suggestions) above the U-curve, one log-lr axis.

    ``spread`` is a :class:`~labkit.optimization.range_test.RangeTestSpread`, ``sweep`` an
    :class:`~labkit.optimization.lr_sweep.LRSweepResult`; ``axes`` a pair (top, bottom) sharing x.
    Each suggestion rule is a row of short ticks on both panels, one per seed.
    """
    check_result("spread", spread, "RangeTestSpread", ("lrs", "band", "seeds", "suggestions"))
    check_result("sweep", sweep, "LRSweepResult", _SWEEP)
    if axes is None:
        axes = subplots(2, 1, height=5.6, sharex=True)[1]
    if isinstance(axes, str) or not hasattr(axes, "__len__") or len(axes) != 2:
        raise TypeError(f"axes must be None or a pair (top, bottom) of matplotlib Axes, got {axes!r:.60}")
    top, bottom = (check_axes("axes[0]", axes[0]), check_axes("axes[1]", axes[1]))
    low, median, high = spread.band()
    top.fill_between(spread.lrs, low, high, color=TRAIN, alpha=0.25, lw=0, label="seed band (25-75%)")
    top.plot(spread.lrs, median, color=TRAIN, lw=2, label=f"range test, median of {len(spread.seeds)} seeds")
    top.set(yscale="log", ylabel="smoothed loss")
    plot_u_curve(sweep, bottom)
    for row, (name, rates) in enumerate(spread.suggestions.items()):
        for ax in (top, bottom):
            ax.plot(rates, np.full(len(rates), 0.06 + 0.07 * row), "|", ms=9, mew=1.5,
                    color=series_style(row + 2)["color"], transform=ax.get_xaxis_transform(),
                    label=f"{name} (one per seed)" if ax is top else None)
    top.axvline(sweep.best_rate, color="k", lw=1, ls=":", label="U-curve's best rate")
    bottom.axvline(sweep.best_rate, color="k", lw=1, ls=":")
    top.set_xlim(min(spread.lrs[0], sweep.rates[0]), max(spread.lrs[-1], sweep.rates[-1]))
    legend_outside(top)
    return top, bottom


class RegimesView:
    """Loss curves (log y) on the left and fits on the right for a few runs, updated in place.

    ``names`` label the fixed runs; one more series, "your rate", is drawn last and thicker.
    """

    def __init__(self, fig, names, *, x, truth, points):
        fig = check_figure("fig", fig)
        if isinstance(names, str) or not hasattr(names, "__len__"):
            raise TypeError(f"names must be a list of the fixed runs' labels, got {names!r:.60}")
        x, truth = as_2d_float("x", x)[:, 0], as_2d_float("truth", truth)[:, 0]
        if len(truth) != len(x):
            raise ValueError(f"truth must hold one value per x ({len(x)}), got {len(truth)}")
        if isinstance(points, str) or not hasattr(points, "__len__") or len(points) != 2:
            raise TypeError(f"points must be an (x, y) pair of arrays, got {points!r:.60}")
        self.ax_loss, self.ax_fit = fig.subplots(1, 2)
        n = len(names) + 1
        styles = [dict(color=series_style(i)["color"], ls=series_style(i)["linestyle"]) for i in range(n)]
        self.curves = [self.ax_loss.plot([], [], lw=1.5, **s)[0] for s in styles]
        self.fits = [self.ax_fit.plot([], [], lw=1.5, **s)[0] for s in styles]
        for line in (self.curves[-1], self.fits[-1]):
            line.set(lw=2.8, color="k", ls="-")
        truth_line = self.ax_fit.plot(x, truth, ":", color="0.35", lw=1, label="true function")[0]
        dots = self.ax_fit.plot(*points, "o", ms=3, color="0.35", label="training points")[0]
        self.ax_fit.legend(handles=[truth_line, dots], loc="lower right", fontsize="x-small", framealpha=0.85)
        self.ax_loss.set(yscale="log", xlabel="epoch", ylabel="training MSE")
        self.ax_fit.set(xlabel="x", ylabel="prediction", ylim=(-2.0, 2.0))
        self.x = x

    def update(self, labels, curves, fits):
        """``labels`` (n,), ``curves`` (n, epochs) with NaN after divergence, ``fits`` (n, len(x))."""
        for line, fit, label, curve, pred in zip(self.curves, self.fits, labels, curves, fits, strict=True):
            line.set_data(np.arange(1, len(curve) + 1), curve)
            line.set_label(label)
            # a diverged run's weights were frozen mid-explosion: its "fit" is a wall, not a curve
            diverged = np.isnan(curve).any()
            fit.set_data(self.x, np.full_like(self.x, np.nan) if diverged else np.clip(pred, -10, 10))
        finite = curves[np.isfinite(curves) & (curves > 0)]
        self.ax_loss.set_xlim(1, curves.shape[1])
        if finite.size:
            self.ax_loss.set_ylim(finite.min() * 0.7, min(finite.max(), 1e3) * 1.5)
        self.ax_loss.legend(loc="upper right", fontsize="x-small", framealpha=0.85)  # falling curves: free
