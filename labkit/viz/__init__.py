"""Drawing, with matplotlib only: views that update their artists in place, one-call plots, blitting,
the palette and the scales.

Nothing here knows about widgets (that is :mod:`labkit.panels`) or trains anything.
"""

from __future__ import annotations

from labkit.viz.blitting import Blitter
from labkit.viz.figures import plot_bias_variance, plot_boundary, plot_fit, plot_history, plot_learning_curve
from labkit.viz.gradient_flow import GradientFlowView
from labkit.viz.palette import LEVELS, MODEL, PALETTE, TRAIN, TRUTH, VAL
from labkit.viz.scales import log_axis_suits
from labkit.viz.sweeps import BiasVarianceView, EnsembleView
from labkit.viz.views import Banner, BoundaryView, FitView, LossView, request_draw

__all__ = [
    "Banner", "BiasVarianceView", "Blitter", "BoundaryView", "EnsembleView", "FitView",
    "GradientFlowView", "LEVELS", "LossView", "MODEL", "PALETTE", "TRAIN", "TRUTH", "VAL",
    "log_axis_suits", "plot_bias_variance", "plot_boundary", "plot_fit", "plot_history",
    "plot_learning_curve", "request_draw",
]
