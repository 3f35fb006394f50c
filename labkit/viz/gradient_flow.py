"""The gradient-flow picture: gradient norm per layer, activation histograms, and the training loss."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from labkit.viz.palette import HEATMAP, PALETTE
from labkit.viz.scales import check_figure

if TYPE_CHECKING:  # drawing needs no torch: the result's arrays say everything
    from labkit.gradients.gradient_flow import GradientFlow

__all__ = ["GradientFlowView"]


def _log_limits(*arrays, floor=1e-30) -> tuple[float, float]:
    values = np.concatenate([np.ravel(a) for a in arrays if a is not None] + [np.empty(0)])
    values = values[np.isfinite(values) & (values > floor)]
    if not len(values):
        return 1e-3, 1e1
    return float(values.min()) / 3, float(values.max()) * 3


class GradientFlowView:
    """Three axes, their artists made once: gradient norm per layer, activation histograms, training loss.

    Two rows (gradients and activations above, the loss below, full width): three side by side
    in the notebook column left each under 2.3 inches, too narrow for their titles.
    """

    def __init__(self, fig):
        self.figure = fig = check_figure("fig", fig)
        grid = fig.add_gridspec(2, 2, left=0.11, right=0.92, bottom=0.09, top=0.86, wspace=0.4, hspace=0.55,
                                height_ratios=(1.2, 1.0))
        self.ax_grad, self.ax_act = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
        self.ax_loss = fig.add_subplot(grid[1, :])
        ax = self.ax_grad
        (self.reference,) = ax.plot([], [], "--", color="0.6", lw=1.2, label="ReLU + He, plain")
        (self.grad_init,) = ax.plot([], [], "o-", color=PALETTE[0], ms=3, lw=1.5, label="this net, at init")
        (self.grad_trained,) = ax.plot([], [], "s:", color=PALETTE[3], ms=3, lw=1.2, label="after training")
        ax.set(yscale="log", xlabel="layer (1 = first, last = output)", ylabel="weight-gradient norm")
        fig.legend(handles=[self.grad_init, self.grad_trained, self.reference], loc="upper left", ncol=3,
                   fontsize="small", frameon=False, bbox_to_anchor=(0.02, 1.0))
        self.ax_grad_title = ax.set_title("", fontsize="medium")
        self.image = self.ax_act.imshow(np.zeros((1, 2)), aspect="auto", origin="lower", cmap=HEATMAP,
                                        vmin=0.0, vmax=1.0, extent=(-1.0, 1.0, 0.5, 1.5),
                                        interpolation="nearest")
        self.ax_act.set(xlabel="activation value (at init)", ylabel="hidden layer")
        bar = fig.colorbar(self.image, ax=self.ax_act, pad=0.03, fraction=0.08)
        bar.set_label("share of units (peak 1)", fontsize="small")
        bar.ax.tick_params(labelsize="small")
        self.ax_act_title = self.ax_act.set_title("", fontsize="medium")
        (self.loss,) = self.ax_loss.plot([], [], color=PALETTE[2], lw=1.5)
        self.ax_loss.set(yscale="log", xlabel="training step", ylabel="loss (MSE)")
        self.ax_loss_title = self.ax_loss.set_title("", fontsize="medium")

    def show(self, result: GradientFlow, reference: np.ndarray | None = None) -> None:
        """Put ``result`` (and the healthy ``reference`` gradient norms) into the artists; draws nothing."""
        depth = result.settings.depth
        layers = np.arange(1, depth + 2)
        positive = lambda a: np.where(a > 0, a, np.nan)  # noqa: E731 (log axis: a zero gradient is a gap)
        self.grad_init.set_data(layers, positive(result.grad_init))
        trained = result.grad_trained if result.grad_trained is not None else np.full(depth + 1, np.nan)
        self.grad_trained.set_data(layers, positive(trained))
        self.reference.set_data(layers, reference if reference is not None else np.full(depth + 1, np.nan))
        self.ax_grad.set_xlim(0.5, depth + 1.5)
        self.ax_grad.set_ylim(*_log_limits(result.grad_init, result.grad_trained, reference))
        self.ax_grad_title.set_text(f"first / last hidden at init: {result.first_to_last:.1e}")
        self.image.set_data(result.act_hist / np.maximum(result.act_hist.max(1, keepdims=True), 1e-12))
        self.image.set_extent((result.act_edges[0], result.act_edges[-1], 0.5, depth + 0.5))
        self.ax_act_title.set_text(f"dead units {result.dead.mean():.0%}, std last {result.act_std[-1]:.2g}")
        losses = np.asarray(result.losses, dtype=float)
        self.loss.set_data(np.arange(1, len(losses) + 1), np.where(np.isfinite(losses), losses, np.nan))
        self.ax_loss.set_xlim(0.5, max(result.steps, len(losses), 1) + 0.5)
        self.ax_loss.set_ylim(*_log_limits(losses, floor=0.0))
        final = f"{losses[-1]:.3g}" if len(losses) else "-"
        self.ax_loss_title.set_text(f"loss after {len(losses)} steps: {final}")
