"""Optuna's analysis plots, sized for the notebook column and drawn in the lab's colours.

``optuna.visualization.matplotlib`` draws with plain matplotlib, so nothing new is needed in
the browser; but each of its functions makes its own figure (640 px, or wider for a slice of
many parameters) and calls ``plt.style.use("ggplot")``, which would restyle every later
figure of the lab. The wrappers here run it inside ``matplotlib.rc_context`` (the style is
undone on exit), resize the figure to the column (:mod:`labkit.viz.layout`), and recolour it
from :mod:`labkit.viz.palette`. :func:`plot_importance_spread` draws
:class:`labkit.search.study_analysis.ImportanceSpread`: each parameter's importance over seeds.
"""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np

from labkit.viz.layout import DPI, figure_size, legend_outside, subplots, tidy_canvas
from labkit.viz.palette import CYCLE, HEATMAP, VAL

__all__ = ["plot_study_history", "plot_study_importances", "plot_study_contour", "plot_study_slice",
           "plot_importance_spread"]


def _optuna_figure(draw, height):
    """Run one of Optuna's matplotlib plots without its global style change; fit it to the column."""
    import optuna

    with matplotlib.rc_context(), warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        axes = draw(optuna.visualization.matplotlib)
    first = np.ravel(axes)[0]
    fig = first.figure
    fig.set_dpi(DPI)
    fig.set_size_inches(*figure_size(height))
    if fig.get_layout_engine() is None:  # constrained layout breaks on Optuna's colour bars; tight does not
        fig.set_layout_engine("tight")
    for ax in fig.axes:
        for collection in ax.collections:
            if collection.get_array() is not None:  # a value-coloured scatter or contour
                collection.set_cmap(HEATMAP)
        for image in ax.images:
            image.set_cmap(HEATMAP)
    tidy_canvas(fig)
    return fig


def plot_study_history(studies, *, height=3.4):
    """Each trial's value and the best so far against trial number, for one study or a list of them."""
    fig = _optuna_figure(lambda vis: vis.plot_optimization_history(studies), height)
    ax = fig.axes[0]
    shift = 1 if len(ax.collections) == 1 else 0  # one study: its best-so-far line in a second colour
    for i, dots in enumerate(ax.collections):  # Optuna's order: one scatter and one line per study
        dots.set_color(CYCLE[i % len(CYCLE)])
    for i, line in enumerate(ax.lines):
        line.set_color(CYCLE[(i + shift) % len(CYCLE)])
    values = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections] or [np.empty(0)])
    if len(values) and np.all(values > 0) and values.max() > 10 * values.min():
        ax.set_yscale("log")  # diverged trials stretched a linear axis and hid the best-so-far lines
    if ax.get_legend() is not None:
        ax.legend(fontsize="small")
    return fig


def plot_study_importances(study, *, seed=0, height=2.6):
    """Optuna's bars of each parameter's importance: one run of the mean-decrease-in-impurity forest.

    Not Optuna's default fANOVA, which took about 5 s on 30 trials here against 0.3 s; both move
    with ``seed`` (see :func:`labkit.search.study_analysis.importance_spread`).
    """
    import optuna

    evaluator = optuna.importance.MeanDecreaseImpurityImportanceEvaluator(seed=seed)
    fig = _optuna_figure(lambda vis: vis.plot_param_importances(study, evaluator=evaluator), height)
    for patch in fig.axes[0].patches:
        patch.set_color(CYCLE[0])
    return fig


def plot_study_contour(study, params=None, *, height=3.6):
    """The objective over two parameters, interpolated between the trials (dots)."""
    return _optuna_figure(lambda vis: vis.plot_contour(study, params=params), height)


def plot_study_slice(study, params=None, *, height=3.0):
    """The objective against each parameter separately, dots coloured by trial number."""
    return _optuna_figure(lambda vis: vis.plot_slice(study, params=params), height)


def plot_importance_spread(spread, *, direct=None, ax=None):
    """Each parameter's importance over the evaluator's seeds: mean bar, every seed a dot.

    ``direct``, optional ``{name: share}``, marks the importance measured directly (e.g. by the
    lab's sweeps) as a diamond beside each bar.
    """
    if ax is None:
        fig, ax = subplots(height=0.6 + 0.5 * len(spread.names))
    rows = np.arange(len(spread.names))
    ax.barh(rows, spread.mean, color=CYCLE[0], alpha=0.5, label=f"{spread.evaluator}, mean")
    for k in range(len(spread.seeds)):
        ax.plot(spread.values[k], rows, "o", color=CYCLE[0], markersize=4,
                label="one seed" if k == 0 else None)
    if direct is not None:
        measured = [direct.get(n, np.nan) for n in spread.names]
        ax.plot(measured, rows, "D", color=VAL, label="measured directly")
    ax.set(yticks=rows, yticklabels=spread.names, xlabel="importance (share of the total)", xlim=(0, 1))
    ax.invert_yaxis()
    legend_outside(ax)
    return ax.figure
