"""The hyperparameter-search lab's pictures: decades of draws, grid against random, strategies, a BO step.

- :class:`DecadeView` / :func:`plot_decades`: a histogram of draws on a log axis, the decade
  boundaries and each decade's share written in it (Lusch's histogram).
- :func:`plot_grid_vs_random`: the objective's landscape over two parameters with the grid's
  and the random search's trials on it, and below each the best error at each value of the
  parameter that matters, with the values each search tried (Goodfellow et al. figure 11.2).
- :func:`plot_strategies`: best-so-far validation error against trials, median and band.
- :class:`BayesStepView` / :func:`plot_bayes_step`: one step of Bayesian optimization as in
  Snoek et al. (2012) figure 1: observations, the GP's mean and band, expected improvement
  below and its pick; :func:`plot_bayes_contour` the two-parameter version.

Views make their artists once and ``show`` changes their data (a live panel calls it); the
``plot_*`` functions make a figure with :func:`labkit.viz.layout.subplots`. viz imports no
topic: results arrive as objects with the documented attributes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import LogNorm
from matplotlib.patches import Polygon

from labkit.viz.layout import legend_outside, subplots
from labkit.viz.palette import CYCLE, HEATMAP, PALETTE, TRUTH, series_style

__all__ = ["DecadeView", "plot_decades", "plot_grid_vs_random", "MAX_DECADES", "BayesStepView",
           "plot_bayes_step", "plot_bayes_contour", "plot_strategies"]

MAX_DECADES = 12  # share labels made once: a range of up to 12 decades shows every share
_BINS = 40  # histogram bars, log-spaced over the range


class DecadeView:
    """A histogram of positive draws on a log x-axis, decade boundaries dashed, each decade's share above.

    ``show(values, decades, title)`` takes the draws (n,) and an object with ``edges`` (m + 1,)
    and ``shares`` (m,) (:class:`labkit.search.sampling.Decades`); the bars, lines and labels
    are made here once and only their data change.
    """

    def __init__(self, ax, *, color=PALETTE[0]):
        self.ax = ax
        self.bars = ax.bar(np.arange(_BINS), np.zeros(_BINS), width=1.0, align="edge", color=color,
                           alpha=0.8, edgecolor="white", linewidth=0.3)
        self.lines = LineCollection([], colors=TRUTH, linestyles="--", linewidths=1.0,
                                    transform=ax.get_xaxis_transform())  # y from 0 to 1 of the axes
        ax.add_collection(self.lines)
        # x in data, y in axes fraction: the shares sit in a strip above the tallest bar
        self.labels = [ax.text(1, 0.9, "", ha="center", va="bottom", fontsize="small", fontweight="bold",
                               color="0.15", transform=ax.get_xaxis_transform()) for _ in range(MAX_DECADES)]
        ax.set_xscale("log")
        ax.set_xlabel("value drawn (log scale)")
        ax.set_ylabel("draws")
        self.title = ax.set_title("", fontsize="medium")

    def show(self, values, decades, title: str = "") -> None:
        edges = np.asarray(decades.edges, dtype=float)
        bins = np.geomspace(edges[0], edges[-1], _BINS + 1)
        counts = np.histogram(np.asarray(values, dtype=float), bins=bins)[0]
        for bar, left, right, count in zip(self.bars, bins[:-1], bins[1:], counts, strict=True):
            bar.set_x(left)
            bar.set_width(right - left)
            bar.set_height(count)
        top = max(counts.max(), 1) * 1.2 / 0.9  # the bars end below the labels' strip
        self.ax.set_xlim(edges[0], edges[-1])
        self.ax.set_ylim(0, top)
        self.lines.set_segments([[(x, 0), (x, 1)] for x in edges[1:-1]])
        for i, label in enumerate(self.labels):
            if i < len(decades.shares):
                label.set_x(np.sqrt(edges[i] * edges[i + 1]))
                label.set_text(f"{decades.shares[i]:.0%}" if decades.shares[i] >= 0.01
                               else f"{decades.shares[i]:.1%}")
            label.set_visible(i < len(decades.shares))
        self.title.set_text(title)


def plot_decades(samples: dict, *, height: float = 3.0):
    """Side-by-side decade histograms: ``samples`` maps a title to ``(values, decades)``.

    ``plot_decades({"uniform": (u, decade_shares(u, lo, hi)), "log-uniform": (g, ...)})``.
    Returns ``(fig, views)``.
    """
    if not isinstance(samples, dict) or not samples:
        raise TypeError(f"samples must be a non-empty dict {{title: (values, decades)}}, got {samples!r:.60}")
    fig, axes = subplots(1, len(samples), height=height, sharey=True, squeeze=False)
    views = []
    for i, (ax, (title, (values, decades))) in enumerate(zip(axes[0], samples.items(), strict=True)):
        view = DecadeView(ax, color=series_style(i)["color"])
        view.show(values, decades, f"{title}: {len(values)} draws")
        views.append(view)
    for ax in axes[0][1:]:
        ax.set_ylabel("")
    top = max(bar.get_height() for view in views for bar in view.bars)
    axes[0][0].set_ylim(0, max(top, 1) * 1.2 / 0.9)  # one y scale (shared), the labels above every bar
    return fig, views


def _landscape(ax, result, points, errors, color, marker, title):
    """One contour panel: the landscape, the trials, the important parameter's tried values as a rug."""
    x_axis, y_axis = result.axes
    low, high = np.nanmin(result.landscape), np.nanmax(result.landscape)
    if low > 0 and high / low > 10:  # a cliff (divergence) would take every colour but one: log levels
        contour = ax.contourf(x_axis, y_axis, result.landscape.T, levels=np.geomspace(low, high, 13),
                              cmap=HEATMAP, norm=LogNorm(low, high))
    else:
        contour = ax.contourf(x_axis, y_axis, result.landscape.T, levels=12, cmap=HEATMAP)
    ax.scatter(points[:, 0], points[:, 1], s=46, c=color, marker=marker, edgecolors="white", linewidths=1.0,
               zorder=3)
    ax.set_xlabel(result.names[0])
    ax.set_ylabel(result.names[1])
    ax.set_title(f"{title}: {len(points)} trials, best {np.min(errors):.3g}", fontsize="medium")
    return contour


def _marginal(ax, result, points, errors, color, marker, which):
    """Best error at each value of the important parameter, and the trials at the values they tried."""
    k = result.important
    ax.plot(result.axes[k], result.marginal, color=TRUTH, lw=1.5, label="best over the other parameter")
    ax.scatter(points[:, k], errors, s=30, c=color, marker=marker, zorder=3, label=f"{which}'s trials")
    for x in np.unique(np.round(points[:, k], 9)):
        ax.axvline(x, color=color, lw=0.8, alpha=0.5)
    if np.nanmin(result.marginal) > 0 and np.nanmax(result.landscape) / np.nanmin(result.marginal) > 10:
        ax.set_yscale("log")
    ax.set_xlabel(f"{result.names[k]} (the one that matters)")
    ax.set_ylabel("validation error")
    n = len(np.unique(np.round(points[:, k], 9)))
    ax.set_title(f"{n} values of {result.names[k]} tried", fontsize="small")


def plot_grid_vs_random(result, *, height: float = 5.6):
    """Grid (left) and random (right) trials on the landscape, and the marginal over the important parameter.

    ``result`` is a :class:`labkit.search.sampling.GridVsRandom`. Top: the validation error
    over both parameters (darker is lower) with the trials; bottom: the lowest error reachable
    at each value of the parameter that matters, the trials' errors at the values they tried
    (a vertical line per distinct value). Bergstra and Bengio (2012); Goodfellow et al. figure
    11.2. Returns ``(fig, axes)``, axes (2, 2).
    """
    fig, axes = subplots(2, 2, height=height, squeeze=False)
    sets = (("grid", result.grid, result.grid_errors, series_style(0)), ("random", result.random,
                                                                       result.random_errors, series_style(1)))
    for column, (which, points, errors, style) in enumerate(sets):
        contour = _landscape(axes[0, column], result, points, errors, style["color"], style["marker"],
                             f"{which} search")
        _marginal(axes[1, column], result, points, errors, style["color"], style["marker"], which)
        if column == 1:
            axes[1, 1].sharey(axes[1, 0])
    bar = fig.colorbar(contour, ax=axes[0, :].tolist(), label="validation error", shrink=0.9)
    bar.set_ticks(contour.levels[::3], labels=[f"{v:.2g}" for v in contour.levels[::3]])
    return fig, axes


def _axis_values(dim, u) -> np.ndarray:
    """Unit-cube positions of a search dimension (``.low``, ``.high``, ``.log``) -> its axis values
    (log10 of the value for a log dimension)."""
    u = np.asarray(u, dtype=float)
    if dim.log:
        return np.log10(dim.low) + u * (np.log10(dim.high) - np.log10(dim.low))
    return dim.low + u * (dim.high - dim.low)


class BayesStepView:
    """One Bayesian-optimization step over one parameter, as Snoek et al. (2012) figure 1 draws it.

    Top: the observations, the Gaussian process's posterior mean and its band (mean +- 2 std),
    validation error on a log axis; bottom: expected improvement, its maximum marked, a dashed
    line at the next point through both. ``show(step)`` takes a
    :class:`labkit.search.bayes.BayesStep` over one dimension (``space``, ``points``, ``errors``,
    ``grid``, ``mean``/``std`` of log10 error, ``ei``, ``next_point``); artists are made once.
    """

    def __init__(self, fig):
        self.figure = fig
        self.ax, self.ax_ei = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (2.0, 1.0)})
        self.band = Polygon(np.zeros((3, 2)), closed=True, color=PALETTE[0], alpha=0.2, lw=0,
                            label="mean +- 2 std")
        self.ax.add_patch(self.band)
        (self.mean,) = self.ax.plot([], [], color=PALETTE[0], lw=1.8, label="GP posterior mean")
        self.observed = self.ax.scatter([], [], s=36, color="0.1", zorder=3, label="observations")
        (self.ei,) = self.ax_ei.plot([], [], color=PALETTE[2], lw=1.6)
        self.ei_fill = Polygon(np.zeros((3, 2)), closed=True, color=PALETTE[2], alpha=0.25, lw=0)
        self.ax_ei.add_patch(self.ei_fill)
        self.picks = [ax.axvline(0, color=PALETTE[3], ls="--", lw=1.2) for ax in (self.ax, self.ax_ei)]
        (self.pick_marker,) = self.ax_ei.plot([], [], "v", color=PALETTE[3], ms=9, label="next trial")
        self.ax.set_ylim(1e-3, 1.0)  # positive limits before the log scale (no data yet)
        self.ax.set_yscale("log")
        self.ax.set_ylabel("validation error")
        self.ax_ei.set_ylabel("expected\nimprovement")
        self.ax.legend(loc="upper left", fontsize="small", frameon=False, ncol=3)
        self.title = self.ax.set_title("", fontsize="medium")

    def show(self, step, title: str = "") -> None:
        dim = step.space[0]
        x = _axis_values(dim, step.grid[:, 0])
        mean, std = np.asarray(step.mean), np.asarray(step.std)
        self.mean.set_data(x, 10.0 ** mean)
        self.band.set_xy(np.column_stack([np.r_[x, x[::-1]],
                                          10.0 ** np.r_[mean - 2 * std, (mean + 2 * std)[::-1]]]))
        self.observed.set_offsets(np.column_stack([_axis_values(dim, step.points[:, 0]), step.errors]))
        ei = np.asarray(step.ei)
        self.ei.set_data(x, ei)
        self.ei_fill.set_xy(np.column_stack([np.r_[x, x[::-1]], np.r_[ei, np.zeros_like(ei)]]))
        pick = float(_axis_values(dim, step.next_point[0]))
        for line in self.picks:
            line.set_xdata([pick, pick])
        self.pick_marker.set_data([pick], [float(ei.max())])
        low = min(np.min(10.0 ** (mean - 2 * std)), np.min(step.errors))
        high = max(np.max(10.0 ** (mean + 2 * std)), np.max(step.errors))
        self.ax.set_ylim(low / 1.5, high * 3.0)  # room above for the legend
        pad = 0.03 * (x[-1] - x[0])  # a pick at the range's edge stays visible
        self.ax.set_xlim(x[0] - pad, x[-1] + pad)
        self.ax_ei.set_ylim(0, max(float(ei.max()), 1e-12) * 1.25)
        self.ax_ei.set_xlabel(f"log10 {dim.name}" if dim.log else dim.name)
        self.title.set_text(title)


def plot_bayes_step(step, *, height: float = 4.2):
    """A figure of one step (:class:`BayesStepView`); returns ``(fig, view)``."""
    fig, _ = subplots(1, 1, height=height)
    fig.clear()
    view = BayesStepView(fig)
    pick = ", ".join(f"{k} = {v:.3g}" for k, v in getattr(step, "next_config", {}).items())
    view.show(step, f"{len(step.errors)} observations; next trial: {pick}")
    return fig, view


def plot_bayes_contour(step, *, height: float = 3.6):
    """A two-parameter step: posterior mean (left) and expected improvement (right) as contours, the
    observations and the next point marked. ``step`` is a 2-D :class:`labkit.search.bayes.BayesStep`."""
    fig, axes = subplots(1, 2, height=height)
    side = int(round(len(step.grid) ** 0.5))
    x = _axis_values(step.space[0], step.grid[::side, 0])
    y = _axis_values(step.space[1], step.grid[:side, 1])
    observed = [_axis_values(d, step.points[:, j]) for j, d in enumerate(step.space)]
    pick = [float(_axis_values(d, step.next_point[j])) for j, d in enumerate(step.space)]
    for ax, values, label in ((axes[0], 10.0 ** np.asarray(step.mean), "GP mean of the error"),
                              (axes[1], np.asarray(step.ei), "expected improvement")):
        filled = ax.contourf(x, y, values.reshape(side, side).T, levels=12, cmap=HEATMAP)
        fig.colorbar(filled, ax=ax, format="%.2g")
        ax.scatter(*observed, s=26, color="white", edgecolors="0.1", zorder=3)
        ax.plot(*pick, "*", color=PALETTE[5], ms=14, mec="white", zorder=4)
        ax.set_xlabel(f"log10 {step.space[0].name}")
        ax.set_ylabel(f"log10 {step.space[1].name}")
        ax.set_title(label, fontsize="medium")
    return fig, axes


def plot_strategies(comparison, *, names=None, log_y="auto", height: float = 3.8):
    """Best-so-far validation error against the budget, per strategy: the median over repeats and a band.

    ``comparison`` is a :class:`labkit.search.strategies.Comparison` (``best[name]`` (repeats,
    n_trials), ``median(name)``, ``band(name)`` (2, n_trials), ``quantiles``); ``names`` picks
    strategies (default all). The x-axis is the budget in full trainings (trials, or epochs spent
    / epochs for early-stopping strategies). ``log_y`` is True, False or "auto" (log when the
    medians span more than a factor of 3). Returns ``(fig, ax)``.
    """
    names = list(comparison.names if names is None else names)
    unknown = [n for n in names if n not in comparison.best]
    if unknown or not names:
        raise ValueError(f"names must be among {list(comparison.best)}, got {names!r}")
    if log_y not in (True, False, "auto"):
        raise ValueError(f"log_y must be True, False or 'auto', got {log_y!r}")
    fig, ax = subplots(1, 1, height=height)
    budget = np.arange(1, comparison.n_trials + 1)
    every = max(1, comparison.n_trials // 6)
    for i, name in enumerate(names):
        style = series_style(i)
        low, high = comparison.band(name)
        hollow = {"mfc": "white"} if i >= len(CYCLE) else {}  # the cycle wrapped: a series of its own still
        ax.fill_between(budget, low, high, color=style["color"], alpha=0.1, lw=0)
        ax.plot(budget, comparison.median(name), color=style["color"], ls=style["linestyle"],
                marker=style["marker"], markevery=(i % every, every), ms=5, lw=1.6, label=name, **hollow)
    medians = np.concatenate([comparison.median(n) for n in names])
    medians = medians[np.isfinite(medians) & (medians > 0)]
    if log_y is True or (log_y == "auto" and len(medians) and medians.max() / medians.min() > 3):
        ax.set_yscale("log")
    q = comparison.quantiles
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("budget (full trainings spent)")
    ax.set_ylabel("best validation error so far")
    repeats = len(next(iter(comparison.best.values())))
    ax.set_title(f"median over {repeats} repeats, band {q[0]:.0%} to {q[1]:.0%}", fontsize="medium")
    legend_outside(ax)
    return fig, ax
