"""Drawing, with matplotlib only: views that update their artists in place, one-call plots, blitting,
the palette, figure sizes that fit the notebook column, and the scales.

Nothing here knows about widgets (that is :mod:`labkit.panels`) or trains anything.
"""

from __future__ import annotations

from labkit.viz.backend import NO_IPYMPL, use_live_figures
from labkit.viz.batch_size import (
    plot_batch_size_curves,
    plot_batch_sizes,
    plot_gradient_noise,
    plot_rate_vs_batch_size,
)
from labkit.viz.blitting import Blitter
from labkit.viz.figures import plot_bias_variance, plot_boundary, plot_fit, plot_history, plot_learning_curve
from labkit.viz.gradient_flow import GradientFlowView
from labkit.viz.layout import (
    COLUMN_INCHES,
    COLUMN_PX,
    DPI,
    MIN_PANEL_INCHES,
    TOOLBAR_PX,
    figure_size,
    grid_shape,
    legend_outside,
    pixel_width,
    subplots,
    tidy_canvas,
)
from labkit.viz.learning_rate import (
    REGION_COLOURS,
    RegimesView,
    plot_range_test,
    plot_range_test_beside_u_curve,
    plot_u_curve,
)
from labkit.viz.logbook import plot_runs
from labkit.viz.palette import (
    CVD_MATRICES,
    CYCLE,
    HEATMAP,
    LEVELS,
    LINESTYLES,
    MARKERS,
    MODEL,
    PALETTE,
    TRAIN,
    TRUTH,
    VAL,
    prop_cycle,
    series_style,
    simulate_cvd,
)
from labkit.viz.recipe import (
    plot_confusion,
    plot_mistakes,
    plot_pr_curve,
    plot_results_table,
    plot_transfer_curves,
)
from labkit.viz.regularization import (
    plot_augmentation_preview,
    plot_data_vs_penalty,
    plot_early_stopping,
    plot_penalty_sweep,
    plot_regularization_runs,
    plot_regularized_boundary,
    plot_weight_histograms,
)
from labkit.viz.scales import log_axis_suits
from labkit.viz.schedules import plot_clipping, plot_schedules, plot_thresholds
from labkit.viz.search import (
    MAX_DECADES,
    BayesStepView,
    DecadeView,
    plot_bayes_contour,
    plot_bayes_step,
    plot_decades,
    plot_grid_vs_random,
    plot_strategies,
)
from labkit.viz.studies import (
    plot_importance_spread,
    plot_study_contour,
    plot_study_history,
    plot_study_importances,
    plot_study_slice,
)
from labkit.viz.surfaces import SurfaceView, contour_levels, plot_surface
from labkit.viz.sweeps import BiasVarianceView, EnsembleView
from labkit.viz.update_ratio import UpdateRatioView, plot_update_ratios
from labkit.viz.views import Banner, BoundaryView, FitView, LossView, request_draw

__all__ = [
    "NO_IPYMPL", "use_live_figures",
    "Banner", "BiasVarianceView", "Blitter", "BoundaryView", "COLUMN_INCHES", "COLUMN_PX", "CVD_MATRICES",
    "CYCLE", "DPI", "EnsembleView", "FitView", "GradientFlowView", "HEATMAP", "LEVELS", "LINESTYLES",
    "LossView", "MARKERS", "MIN_PANEL_INCHES", "MODEL", "PALETTE", "TOOLBAR_PX", "TRAIN", "TRUTH", "VAL",
    "figure_size", "grid_shape", "legend_outside", "log_axis_suits", "pixel_width", "plot_bias_variance",
    "plot_boundary", "plot_fit", "plot_history", "plot_learning_curve", "prop_cycle", "request_draw",
    "series_style", "simulate_cvd", "subplots", "tidy_canvas",
    "plot_batch_size_curves", "plot_batch_sizes", "plot_gradient_noise", "plot_rate_vs_batch_size",
    "REGION_COLOURS", "RegimesView", "plot_range_test", "plot_range_test_beside_u_curve",
    "plot_u_curve", "plot_clipping", "plot_schedules", "plot_thresholds", "SurfaceView",
    "contour_levels", "plot_surface", "UpdateRatioView", "plot_update_ratios",
    "plot_runs", "MAX_DECADES", "BayesStepView", "DecadeView", "plot_bayes_contour", "plot_bayes_step",
    "plot_decades", "plot_grid_vs_random", "plot_strategies", "plot_importance_spread",
    "plot_study_contour", "plot_study_history", "plot_study_importances", "plot_study_slice",
    "plot_confusion", "plot_mistakes", "plot_pr_curve", "plot_results_table", "plot_transfer_curves",
    "plot_augmentation_preview", "plot_data_vs_penalty", "plot_early_stopping", "plot_penalty_sweep",
    "plot_regularization_runs",
    "plot_regularized_boundary", "plot_weight_histograms",
]
