"""Generalization (Labs 01-03): under- and overfitting, bias and variance, validation done right,
leakage, and why neural networks do not extrapolate.

The public face of the topic: notebooks import from here
(``from labkit.generalization import diagnose``); labkit's own code imports from the
defining modules, so this face never makes an import cycle.
"""

from __future__ import annotations

from labkit.generalization.biasvar import (
    DEFAULT_VALUES,
    PARAMS,
    REGRESSION_DATASETS,
    BiasVariance,
    BiasVarianceResult,
    SweepStep,
    bias_variance,
    bias_variance_sweep,
    iter_bias_variance_sweep,
)
from labkit.generalization.diagnosis import (
    ABOUT_RIGHT_REMEDIES,
    BIAS_VARIANCE_TABLE,
    DIVERGED_REMEDIES,
    OVERFITTING_REMEDIES,
    REGIMES,
    SOURCES,
    UNDERFITTING_REMEDIES,
    Diagnosis,
    diagnose,
    larger_gap,
)
from labkit.generalization.dynamics import (
    DynamicsComparison,
    RolloutError,
    StepModel,
    compare_horizons,
    fit_dynamics,
    one_step_pairs,
    rollout,
    rollout_error,
    simulate_pendulum,
    windows,
)
from labkit.generalization.extrapolation import (
    SPREAD_DATASETS,
    DiscrepancyResult,
    Residual,
    ResidualComparison,
    SpreadResult,
    SymmetryResult,
    compare_residual,
    discrepancy_demo,
    ensemble_spread,
    fit_identity,
    small_angle_period,
    symmetry_demo,
)
from labkit.generalization.group_splits import (
    GroupKFoldResult,
    SplitComparison,
    compare_group_kfold,
    compare_splits,
)
from labkit.generalization.leakage import (
    LEAKS,
    SCALERS,
    LeakageResult,
    ScalerComparison,
    compare_scalers,
    leakage_demo,
)
from labkit.generalization.lockbox import METRICS, Lockbox
from labkit.generalization.playground import (
    TRAIN_FRACTION,
    VAL_POOL,
    Outcome,
    Problem,
    Run,
    Settings,
    build_model,
    check_data,
    errors,
    fit_options,
    goal_error,
    iter_run,
    judged_errors,
    make_problem,
    readout,
    record_outcome,
    run_settings,
    settings_code,
    sizes_text,
)
from labkit.generalization.problem import MAX_CLASSES, TEST_POOL, describe_data, excess_error
from labkit.generalization.supervised_leaks import (
    SUPERVISED_STEPS,
    PreprocessingLeakResult,
    supervised_leak_demo,
)
from labkit.generalization.validation import (
    MismatchResult,
    OptimismResult,
    mismatch_demo,
    validation_optimism,
)

__all__ = [
    "GroupKFoldResult", "PreprocessingLeakResult", "SCALERS", "SUPERVISED_STEPS", "ScalerComparison",
    "compare_group_kfold", "compare_scalers", "supervised_leak_demo",
    "ABOUT_RIGHT_REMEDIES", "BIAS_VARIANCE_TABLE", "BiasVariance", "BiasVarianceResult", "DEFAULT_VALUES",
    "DIVERGED_REMEDIES", "Diagnosis", "DiscrepancyResult", "DynamicsComparison", "LEAKS",
    "LeakageResult", "Lockbox", "METRICS", "MismatchResult", "OVERFITTING_REMEDIES", "OptimismResult",
    "Outcome", "PARAMS", "Problem", "Run", "REGIMES", "REGRESSION_DATASETS", "Residual", "ResidualComparison",
    "RolloutError", "SOURCES", "SPREAD_DATASETS", "Settings", "SplitComparison", "SpreadResult",
    "StepModel", "SweepStep", "SymmetryResult", "TRAIN_FRACTION", "UNDERFITTING_REMEDIES", "VAL_POOL",
    "MAX_CLASSES", "TEST_POOL", "sizes_text",
    "bias_variance", "bias_variance_sweep",
    "build_model", "check_data", "describe_data", "excess_error", "judged_errors", "larger_gap", "readout",
    "compare_horizons", "compare_residual", "compare_splits", "diagnose",
    "discrepancy_demo", "ensemble_spread", "errors", "fit_dynamics", "fit_identity", "fit_options",
    "goal_error", "iter_bias_variance_sweep", "iter_run", "leakage_demo", "make_problem", "mismatch_demo",
    "one_step_pairs", "rollout",
    "rollout_error", "record_outcome", "run_settings", "settings_code", "simulate_pendulum",
    "small_angle_period",
    "symmetry_demo", "validation_optimism", "windows",
]
