"""The recipe, end to end (Lab 09): from a metric and a baseline to a tuned network on the digits.

A fixed split with a train-validation part and shifted copies (``digits``); a metric and a
target chosen first, and the rare-class trap (``goals``); the results table that grows row by
row (``table``); which gap to attack first (``diagnosis``); dumb and shallow baselines
(``baselines``); the MLP and the CNN with sensible defaults (``networks``); error analysis and
label noise (``errors``, ``label_noise``); cleaning a structured corruption against tuning
(``cleaning``); transfer learning four ways (``transfer``); and the menu of fixes the lab's panel
applies (``fixes``).

The public face of the topic: notebooks import from here; labkit's own code imports from the
defining modules.
"""

from __future__ import annotations

from labkit.recipe.baselines import BASELINES, fit_baseline, flat, make_baseline, score_baselines
from labkit.recipe.cleaning import (
    DEFAULT_GRID,
    HUM_PERIODS,
    CleaningResult,
    add_hum,
    clean_split,
    cleaning_vs_tuning,
    hum_patterns,
    hum_split,
    remove_hum,
)
from labkit.recipe.diagnosis import GAPS, REMEDIES, Gaps, prioritize, prioritize_row
from labkit.recipe.digits import (
    SHIFTS,
    DigitsSplit,
    Normalizer,
    RawPixels,
    check_images,
    shift_pixels,
    shifted_split,
    split_digits,
    thicken,
)
from labkit.recipe.errors import (
    Mistakes,
    confusion,
    flag_precision,
    flip_labels,
    rank_by_loss,
    worst_mistakes,
)
from labkit.recipe.fixes import (
    FIX_LABELS,
    FIXES,
    REMEDY_FIXES,
    START,
    apply_fixes,
    fixed_settings,
    fixes_name,
    remedies_to_try,
    shift_augment,
)
from labkit.recipe.goals import (
    BinaryScores,
    PRCurve,
    always_healthy,
    binary_scores,
    choose_threshold,
    precision_recall,
    rare_class_task,
    shortcut_loss,
)
from labkit.recipe.label_noise import LabelNoiseResult, find_flipped_labels
from labkit.recipe.networks import (
    DEFAULTS,
    NETWORKS,
    NetworkRun,
    OverfitCheck,
    make_network,
    overfit_one_batch,
    train_network,
)
from labkit.recipe.table import COLUMNS, ResultsTable, Row
from labkit.recipe.transfer import (
    MODES,
    NORMALIZATIONS,
    SOURCE_DIGITS,
    TARGET_DIGITS,
    TransferCurve,
    digits_subset,
    few_shot,
    normalization_bug,
    pretrain,
    transfer,
    transfer_curve,
)

__all__ = [
    "add_hum", "always_healthy", "apply_fixes", "BASELINES", "binary_scores", "BinaryScores",
    "check_images", "choose_threshold", "clean_split", "cleaning_vs_tuning", "CleaningResult", "COLUMNS",
    "confusion", "DEFAULT_GRID", "DEFAULTS", "digits_subset", "DigitsSplit", "few_shot",
    "find_flipped_labels", "fit_baseline", "FIX_LABELS", "fixed_settings", "FIXES", "fixes_name",
    "flag_precision", "flat", "flip_labels", "GAPS", "Gaps", "hum_patterns", "HUM_PERIODS", "hum_split",
    "LabelNoiseResult", "make_baseline", "make_network", "Mistakes", "MODES", "NetworkRun", "NETWORKS",
    "normalization_bug", "NORMALIZATIONS", "Normalizer", "overfit_one_batch", "OverfitCheck", "PRCurve",
    "precision_recall", "pretrain", "prioritize", "prioritize_row", "rank_by_loss", "rare_class_task",
    "RawPixels", "REMEDIES", "remedies_to_try", "REMEDY_FIXES", "remove_hum", "ResultsTable", "Row",
    "score_baselines", "shift_augment", "shift_pixels", "shifted_split", "SHIFTS", "shortcut_loss",
    "SOURCE_DIGITS", "split_digits", "START", "TARGET_DIGITS", "thicken", "train_network", "transfer",
    "transfer_curve", "TransferCurve", "worst_mistakes",
]
