"""Pictures of Lab 07: weight histograms, penalty sweeps, early stopping, augmentation, boundaries.

Takes the result objects of :mod:`labkit.regularization` (it reads their fields and imports
no topic) and draws with matplotlib only. Every function takes ``ax=None`` (a new
column-wide figure) or ``axes``, and returns what it drew on.
"""

from __future__ import annotations

import numpy as np

from labkit.viz.layout import legend_outside, subplots
from labkit.viz.learning_rate import check_result
from labkit.viz.palette import HEATMAP, PALETTE, TRAIN, VAL, series_style
from labkit.viz.scales import check_axes

__all__ = ["plot_weight_histograms", "plot_penalty_sweep", "plot_early_stopping", "plot_augmentation_preview",
           "plot_regularization_runs", "plot_regularized_boundary", "plot_data_vs_penalty"]


def _axes(ax, height=3.2):
    return subplots(height=height)[1] if ax is None else check_axes("ax", ax)


def plot_weight_histograms(stats, labels, ax=None, *, bins=60):
    """Histograms of the weights of several networks (:class:`WeightStats`), log count, one per label."""
    if len(stats) != len(labels):
        raise ValueError(f"labels must hold one label per WeightStats ({len(stats)}), got {len(labels)}")
    stats = [check_result(f"stats[{i}]", s, "WeightStats", ("weights", "zero_fraction"))
             for i, s in enumerate(stats)]
    ax = _axes(ax)
    top = max(np.abs(s.weights).max() for s in stats)
    edges = np.linspace(-top, top, bins + 1)
    for i, (s, label) in enumerate(zip(stats, labels, strict=True)):
        ax.hist(s.weights, bins=edges, histtype="step", lw=1.6, color=series_style(i)["color"],
                label=f"{label} ({100 * s.zero_fraction:.0f}% ~0)")
    ax.set(yscale="log", xlabel="weight", ylabel="count")
    legend_outside(ax)
    return ax


def plot_penalty_sweep(sweep, ax=None):
    """Train and val error (%) against the penalty's strength, underfitting strengths marked."""
    check_result("sweep", sweep, "PenaltySweep", ("strengths", "train_error", "val_error", "underfits"))
    ax = _axes(ax)
    x = np.where(sweep.strengths > 0, sweep.strengths, sweep.strengths[sweep.strengths > 0].min() / 10)
    ax.plot(x, 100 * sweep.train_error, "o-", color=TRAIN, label="train")
    ax.plot(x, 100 * sweep.val_error, "s--", color=VAL, label="validation")
    ax.plot(x[sweep.underfits], 100 * sweep.train_error[sweep.underfits], "x", ms=10, color=PALETTE[3],
            label="underfits: the weights can't move")
    ax.set(xscale="log", xlabel=f"{sweep.penalty} strength (leftmost point: 0)", ylabel="error %")
    legend_outside(ax)
    return ax


def plot_early_stopping(demo, ax=None):
    """Train and val loss per epoch, the best epoch, and the restored vs last weights' val loss."""
    check_result("demo", demo, "EarlyStoppingDemo", ("train_loss", "val_loss", "best_epoch", "last_val_loss"))
    ax = _axes(ax)
    epochs = np.arange(len(demo.val_loss))
    ax.plot(epochs, demo.train_loss, color=TRAIN, label="train (recorded)")
    ax.plot(epochs, demo.val_loss, color=VAL, label="validation")
    ax.axvline(demo.best_epoch, color="k", ls=":", lw=1, label=f"best epoch {demo.best_epoch}")
    ax.plot([demo.best_epoch], [demo.restored_val_loss], "*", ms=13, color=PALETTE[2], mec="k",
            label="restored model")
    ax.plot([demo.stopped_epoch], [demo.last_val_loss], "X", ms=9, color=PALETTE[3], label="last weights")
    ax.set(yscale="log", xlabel="epoch", ylabel="cross-entropy")
    legend_outside(ax)
    return ax


def plot_augmentation_preview(preview, fig=None):
    """Each original digit (first column) and its augmented copies, label above; returns the figure."""
    check_result("preview", preview, "AugmentationPreview", ("originals", "augmented", "labels"))
    n, k = preview.augmented.shape[:2]
    if fig is None:
        fig = subplots(height=min(0.8 * n, 8.0))[0]
        fig.clf()
    grid = fig.subplots(n, k + 1, squeeze=False)
    for i in range(n):
        for j in range(k + 1):
            image = preview.originals[i] if j == 0 else preview.augmented[i, j - 1]
            grid[i, j].imshow(image, cmap="gray_r", vmin=0, vmax=1)
            grid[i, j].set_axis_off()
        grid[i, 0].set_title(f"label {preview.labels[i]}", fontsize="small")
    return fig


def plot_regularization_runs(runs, ax=None):
    """Train and val error (%) of several runs (:class:`RegRun`), as paired horizontal bars."""
    runs = [check_result(f"runs[{i}]", r, "RegRun", ("label", "train_error", "val_error")) for i, r in
            enumerate(runs)]
    ax = _axes(ax, height=0.45 * len(runs) + 1.2)
    y = np.arange(len(runs))
    ax.barh(y - 0.2, [100 * r.train_error for r in runs], height=0.4, color=TRAIN, label="train")
    ax.barh(y + 0.2, [100 * r.val_error for r in runs], height=0.4, color=VAL, label="validation")
    ax.set_yticks(y, [r.label for r in runs])
    ax.invert_yaxis()
    ax.set(xlabel="error %")
    legend_outside(ax)
    return ax


def plot_regularized_boundary(boundary, X, y, ax=None):
    """The boundary's probability as a filled contour, the 0.5 line, and the points (X (N, 2), y (N,))."""
    check_result("boundary", boundary, "Boundary", ("xs", "ys", "proba", "n_train"))
    ax = _axes(ax, height=3.6)
    ax.contourf(boundary.xs, boundary.ys, boundary.proba, levels=np.linspace(0, 1, 11), cmap=HEATMAP,
                alpha=0.6)
    ax.contour(boundary.xs, boundary.ys, boundary.proba, levels=[0.5], colors="k", linewidths=1.2)
    X, y = np.asarray(X), np.asarray(y)
    n = boundary.n_train
    colours = np.array([PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[4], PALETTE[5]])[y % 5]  # per class
    ax.scatter(X[:n, 0], X[:n, 1], c=colours[:n], s=14, edgecolors="k", linewidths=0.4, label="train")
    ax.scatter(X[n:, 0], X[n:, 1], c=colours[n:], s=12, marker="^", alpha=0.5, label="validation")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    legend_outside(ax)
    return ax


def plot_data_vs_penalty(curves, ax=None):
    """Learning curves (error % against training size, log x) without and with the L2 penalty.

    ``curves``: a :class:`labkit.regularization.comparisons.LearningCurves`; train in the
    training colour, validation in the validation colour, solid without the penalty and dashed
    with it, so the gap each closes reads at one glance (Lab 01's learning curves).
    """
    check_result("curves", curves, "LearningCurves", ("sizes", "plain_train", "penalized_val"))
    ax = _axes(ax, height=3.0)
    rows = [("no penalty", curves.plain_train, curves.plain_val, "-"),
            (f"L2 {curves.l2:g}", curves.penalized_train, curves.penalized_val, "--")]
    for name, train, val, style in rows:
        ax.plot(curves.sizes, 100 * np.asarray(train), "o" + style, color=TRAIN, label=f"train, {name}")
        ax.plot(curves.sizes, 100 * np.asarray(val), "s" + style, color=VAL, label=f"validation, {name}")
    ax.set(xlabel="training digits", ylabel="error %", xscale="log")
    legend_outside(ax)
    return ax
