"""Pictures of batch size and noise: loss curves per batch size, gradient noise, the rate each size takes.

Each ``plot_*`` takes a result of :mod:`labkit.optimization.batch_size` and draws it; nothing
here trains. Figures come from :func:`labkit.viz.layout.subplots`, colours from the palette
(one :func:`~labkit.viz.palette.series_style` per batch size, so no two rely on colour alone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from labkit.viz.layout import subplots
from labkit.viz.learning_rate import check_result
from labkit.viz.palette import MODEL, PALETTE, TRUTH, series_style
from labkit.viz.scales import check_axes, finite_or_nan

if TYPE_CHECKING:  # drawing needs no torch: the results' arrays say everything
    from labkit.optimization.batch_size import BatchSizeCurves, GradientNoise, RateBatchSize

__all__ = ["plot_batch_size_curves", "plot_batch_sizes", "plot_gradient_noise", "plot_rate_vs_batch_size"]


_CURVES = ("budget", "batch_sizes", "n_samples", "loss", "steps", "amount", "epochs_at")


def _label(curves, i: int) -> str:
    b = curves.batch_sizes[i]
    return f"B = {b} (full)" if b == curves.n_samples else f"B = {b}"


def plot_batch_size_curves(curves: BatchSizeCurves, *, ax=None):
    """Training loss against epochs (an epoch budget) or update steps (a step budget), one line per size."""
    check_result("curves", curves, "BatchSizeCurves", _CURVES)
    if ax is None:
        ax = subplots(height=3.2)[1]
    ax = check_axes("ax", ax)
    by_epoch = curves.budget == "epochs"
    for i in range(len(curves.batch_sizes)):
        x = curves.epochs_at(i) if by_epoch else curves.steps[i]
        style = series_style(i)
        ax.plot(x, finite_or_nan(curves.loss[i]), color=style["color"], ls=style["linestyle"], lw=1.6,
                label=_label(curves, i))
    ax.set(yscale="log", xlabel="epoch" if by_epoch else "update step", ylabel="training loss (MSE)",
           title=f"the same {curves.amount} {curves.budget} for every batch size")
    ax.title.set_fontsize("medium")
    ax.legend(fontsize="small", ncol=2)
    return ax


def plot_batch_sizes(by_epochs: BatchSizeCurves, by_steps: BatchSizeCurves):
    """The two budgets side by side: per epoch small batches lead, per step large ones do."""
    check_result("by_epochs", by_epochs, "BatchSizeCurves", _CURVES)
    check_result("by_steps", by_steps, "BatchSizeCurves", _CURVES)
    fig, (left, right) = subplots(1, 2, height=3.4, sharey=True)
    plot_batch_size_curves(by_epochs, ax=left)
    plot_batch_size_curves(by_steps, ax=right)
    right.set_ylabel("")
    right.get_legend().remove()
    return fig


def plot_gradient_noise(noise: GradientNoise):
    """Left: E||g_B - g||^2 against B, log-log, with S^2/B and S^2/B (1 - B/N). Right: cos(g_B, g)."""
    check_result("noise", noise, "GradientNoise",
                 ("batch_sizes", "mean_sq_error", "variance", "expected", "slope", "cosine"))
    fig, (left, right) = subplots(1, 2, height=3.2)
    b = noise.batch_sizes
    grid = np.geomspace(b.min(), b.max(), 100)
    left.plot(b, noise.mean_sq_error, "o", color=PALETTE[0], ms=5, label="measured")
    left.plot(grid, noise.variance / grid, "--", color=TRUTH, lw=1.3, label="S²/B")
    left.plot(grid, noise.expected(grid), ":", color=MODEL, lw=1.6, label="S²/B (1 − B/N)")
    left.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="E ||g_B − g||²",
             title=f"noise falls as 1/B (slope {noise.slope:.2f})")
    left.legend(fontsize="small")
    right.plot(b, noise.cosine, "o-", color=PALETTE[2], ms=5)
    right.set(xscale="log", ylim=(min(0.0, float(noise.cosine.min())), 1.02), xlabel="batch size B",
              ylabel="mean cos(g_B, g)", title="direction: closer to the full gradient")
    for ax in (left, right):
        ax.title.set_fontsize("medium")
    return fig


def plot_rate_vs_batch_size(result: RateBatchSize, *, ax=None):
    """Best and largest stable rate per batch size, log-log, with the linear scaling rule's line."""
    check_result("result", result, "RateBatchSize",
                 ("batch_sizes", "best_rate", "largest_stable", "linear_rule", "breaks_at", "rates"))
    if ax is None:
        ax = subplots(height=3.4)[1]
    ax = check_axes("ax", ax)
    b = result.batch_sizes
    ax.plot(b, result.best_rate, "o-", color=PALETTE[0], lw=1.8, label="best rate (median over seeds)")
    ax.plot(b, result.largest_stable, "s--", color=PALETTE[3], lw=1.4, label="largest stable rate")
    ax.plot(b, result.linear_rule, ":", color=TRUTH, lw=1.5, label="linear scaling rule (Goyal et al.)")
    at = result.breaks_at()
    if at is not None:
        ax.axvline(at, color="0.6", lw=1, ls="-.")
        ax.annotate("rule breaks", (at, result.rates.min()), xytext=(4, 4), textcoords="offset points",
                    fontsize="small", color="0.35")
    ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="learning rate",
           ylim=(result.rates.min() / 1.5, result.rates.max() * 1.5),
           title=f"{result.optimizer}, {result.epochs} epochs each")
    ax.title.set_fontsize("medium")
    ax.legend(fontsize="small", loc="upper left")
    return ax
