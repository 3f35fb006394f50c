"""Search (Lab 08): hyperparameter search, from log scales and grids to Bayesian optimization and Optuna.

A real objective of the lab's networks trained batched (``objective``), uniform and log-uniform
draws, grids and random points (``sampling``), strategies on one budget (``strategies``), a
Gaussian-process surrogate with expected improvement step by step (``bayes``), what a search
gets wrong (``pitfalls``), Optuna studies in storages many workers share (``studies``) and what
they hold (``study_analysis``), and every trial as a logbook entry (``tracking``).

The public face of the topic: notebooks import from here; labkit's own code imports from the
defining modules.
"""

from __future__ import annotations

from labkit.search.bayes import (
    BayesStep,
    FooledCase,
    bayes_search,
    bayes_step,
    expected_improvement,
    fit_surrogate,
    fooled_case,
    propose_next,
)
from labkit.search.objective import DEFAULT_SPACE, Dimension, Objective, from_unit, to_unit
from labkit.search.pitfalls import (
    Optimism,
    ScientificComparison,
    SeedNoise,
    compare_scientific,
    edge_warning,
    seed_noise,
    validation_optimism,
)
from labkit.search.sampling import (
    SCALES,
    Decades,
    GridVsRandom,
    check_space,
    decade_edges,
    decade_shares,
    draw,
    grid_points,
    grid_vs_random,
    random_points,
)
from labkit.search.strategies import (
    STRATEGIES,
    Comparison,
    SearchLog,
    bayes_strategy,
    coarse_to_fine,
    compare_strategies,
    grid_counts,
    grid_search,
    halving_rungs,
    log_random_search,
    manual_search,
    random_search,
    run_search,
    successive_halving,
    tpe_strategy,
)
from labkit.search.studies import (
    BOWL_SPACE,
    PRUNERS,
    SAMPLERS,
    as_study_objective,
    bowl,
    check_study_space,
    make_pruner,
    make_sampler,
    make_storage,
    open_study,
    quiet,
    run_study,
    suggest,
)
from labkit.search.study_analysis import (
    IMPORTANCE_EVALUATORS,
    ImportanceSpread,
    TrialCount,
    count_trials,
    fail_stale,
    importance_spread,
    trials_table,
)
from labkit.search.tracking import LogbookCallback, log_search, trial_config

__all__ = [
    "as_study_objective", "bayes_search", "bayes_step", "bayes_strategy", "BayesStep", "bowl", "BOWL_SPACE",
    "check_space", "check_study_space", "coarse_to_fine", "compare_scientific", "compare_strategies",
    "Comparison", "count_trials", "decade_edges", "decade_shares", "Decades", "DEFAULT_SPACE", "Dimension",
    "draw", "edge_warning", "expected_improvement", "fail_stale", "fit_surrogate", "fooled_case",
    "FooledCase", "from_unit", "grid_counts", "grid_points", "grid_search", "grid_vs_random",
    "GridVsRandom", "halving_rungs", "IMPORTANCE_EVALUATORS", "importance_spread", "ImportanceSpread",
    "log_random_search", "log_search", "LogbookCallback", "make_pruner", "make_sampler", "make_storage",
    "manual_search", "Objective", "open_study", "Optimism", "propose_next", "PRUNERS", "quiet",
    "random_points", "random_search", "run_search", "run_study", "SAMPLERS", "SCALES",
    "ScientificComparison", "SearchLog", "seed_noise", "SeedNoise", "STRATEGIES", "successive_halving",
    "suggest", "to_unit", "tpe_strategy", "trial_config", "TrialCount", "trials_table",
    "validation_optimism",
]
