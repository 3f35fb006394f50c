"""Regularization (Lab 07): what the source talks say to do against overfitting, on one network.

One shared overfitting set-up (``setup``: a wide MLP on 150 digits, a fifth of their labels
wrong), and on it: L2 and L1 penalties and the weights they leave (``penalties``), dropout in
train and eval mode (``dropout``), early stopping that restores the best weights
(``early_stopping``), data augmentation and the bug of forgetting the labels
(``augmentation``), batch norm and its variance shift under dropout (``batch_norm``), more data
against a penalty, "stretch pants" and adding regularizers back one at a time
(``comparisons``), and the fast 2-D fit behind the lab's live panel (``boundary``).

The public face of the topic: notebooks import from here; labkit's own code imports from the
defining modules.
"""

from __future__ import annotations

from labkit.regularization.augmentation import (
    AugmentationGap,
    AugmentationPreview,
    DigitAugmenter,
    augmentation_gap,
    augmentation_preview,
    augmented_copies,
)
from labkit.regularization.batch_norm import VarianceShift, recalibrate_batch_norm, variance_shift
from labkit.regularization.boundary import Boundary, input_noise, regularized_boundary
from labkit.regularization.comparisons import (
    PIECES,
    SHORT_NAMES,
    AblationRow,
    LearningCurves,
    ablation_run,
    ablation_table,
    add_back,
    data_vs_penalty,
    regime,
    stretch_pants,
)
from labkit.regularization.dropout import DropoutModes, dropout_modes, mode_scores
from labkit.regularization.early_stopping import (
    EarlyStoppingDemo,
    PatienceOutcome,
    early_stopping_demo,
    patience_outcome,
)
from labkit.regularization.penalties import PENALTIES, PenaltySweep, WeightStats, penalty_sweep, weight_stats
from labkit.regularization.setup import (
    OverfitSetup,
    RegRun,
    build_model,
    overfit_setup,
    runs_table,
    train_run,
)

__all__ = [
    "ablation_run", "ablation_table", "AblationRow", "add_back", "augmentation_gap", "augmentation_preview",
    "AugmentationGap", "AugmentationPreview", "augmented_copies", "Boundary", "build_model",
    "data_vs_penalty", "DigitAugmenter", "dropout_modes", "DropoutModes", "early_stopping_demo",
    "EarlyStoppingDemo", "input_noise", "LearningCurves", "mode_scores", "overfit_setup", "OverfitSetup",
    "patience_outcome", "PatienceOutcome", "PENALTIES", "penalty_sweep", "PenaltySweep", "PIECES",
    "recalibrate_batch_norm", "regime", "RegRun", "regularized_boundary", "runs_table", "SHORT_NAMES",
    "stretch_pants", "train_run", "variance_shift", "VarianceShift", "weight_stats", "WeightStats",
]
