"""Optimization (Lab 06): the learning rate and the optimizer, made visible.

The learning rate's regimes and its U-curve over many networks at once (``lr_sweep``), the LR
range test and how well it predicts full training (``range_test``), optimizers written out on
2-D loss surfaces (``surfaces``), input scaling as conditioning (``conditioning``), schedules
(``schedules``), batch size and gradient noise (``batch_size``), clipping (``clipping``) and the
update-to-weight ratio to watch while training (``update_ratio``).

The public face of the topic: notebooks import from here; labkit's own code imports from the
defining modules.
"""

from __future__ import annotations

from labkit.optimization.batch_size import (
    BATCH_SIZES,
    BatchSizeCurves,
    GradientNoise,
    RateBatchSize,
    batch_size_curves,
    gradient_noise,
    rate_vs_batch_size,
)
from labkit.optimization.clipping import (
    ClippingComparison,
    ClipRun,
    compare_thresholds,
    spike_steps,
    spiky_data,
)
from labkit.optimization.conditioning import (
    HIKE_FEATURES,
    Conditioning,
    ScalingRun,
    ScalingStudy,
    compare_input_scaling,
    compare_target_scaling,
    conditioning,
    linear_surface,
    make_hike,
    standardize,
)
from labkit.optimization.lr_sweep import (
    REGIONS,
    LRSweepResult,
    RegimeRuns,
    classify_rates,
    default_problem,
    lr_sweep,
    make_network,
    train_regimes,
)
from labkit.optimization.range_test import (
    SUGGESTIONS,
    RangeTestResult,
    RangeTestSpread,
    compare_with_sweep,
    lr_range_test,
    minimum_rate,
    range_test_over_seeds,
    steepest_rate,
    suggest_rates,
    valley_rate,
)
from labkit.optimization.schedules import (
    SCHEDULE_NAMES,
    ScheduleComparison,
    ScheduleRun,
    compare_schedules,
    schedule_that_hurts,
    standard_schedules,
)
from labkit.optimization.surfaces import (
    RULE_LABELS,
    RULES,
    StableRate,
    Surface,
    Trajectory,
    adam_step,
    largest_stable_lr,
    momentum_step,
    nesterov_step,
    quadratic,
    rmsprop_step,
    rosenbrock,
    sgd_step,
    stability_threshold,
    trajectories,
    trajectory,
    two_weight_network,
)
from labkit.optimization.update_ratio import (
    BAND,
    RULE_OF_THUMB,
    RateWatch,
    UpdateRatioMonitor,
    UpdateRatioRun,
    iter_watch,
    judge_ratio,
    watch,
    watch_rates,
)

__all__ = [
    "adam_step", "BAND", "batch_size_curves", "BATCH_SIZES", "BatchSizeCurves", "classify_rates",
    "ClippingComparison", "ClipRun", "compare_input_scaling", "compare_schedules", "compare_target_scaling",
    "compare_thresholds", "compare_with_sweep", "Conditioning", "conditioning", "default_problem",
    "gradient_noise", "GradientNoise", "HIKE_FEATURES", "iter_watch", "judge_ratio", "largest_stable_lr",
    "linear_surface", "lr_range_test", "lr_sweep", "LRSweepResult", "make_hike", "make_network",
    "minimum_rate", "momentum_step", "nesterov_step", "quadratic", "range_test_over_seeds",
    "RangeTestResult", "RangeTestSpread", "rate_vs_batch_size", "RateBatchSize", "RateWatch", "RegimeRuns",
    "REGIONS", "rmsprop_step", "rosenbrock", "RULE_LABELS", "RULE_OF_THUMB", "RULES", "ScalingRun",
    "ScalingStudy", "SCHEDULE_NAMES", "schedule_that_hurts", "ScheduleComparison", "ScheduleRun",
    "sgd_step", "spike_steps", "spiky_data", "stability_threshold", "StableRate", "standard_schedules",
    "standardize", "steepest_rate", "suggest_rates", "SUGGESTIONS", "Surface", "train_regimes",
    "trajectories", "Trajectory", "trajectory", "two_weight_network", "UpdateRatioMonitor",
    "UpdateRatioRun", "valley_rate", "watch", "watch_rates",
]
