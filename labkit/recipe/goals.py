"""Step 1 of the recipe: choose the metric and its target before training, on a rare class.

Langseth (*Practical methodology*) asks which metric says "success": accuracy, coverage,
precision or recall, and warns that "the system will try to cheat during learning": if a
short cut lowers the loss, the optimizer finds it. His example is a rare disease. Here one
digit plays the disease, about 1 in 20 samples: a model that always answers "healthy" is
95% accurate and finds no one (recall 0). Lazzaretti (after Goodfellow et al., ch. 11):
decide the metric and its target value first. The numbers come from ``sklearn.metrics``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from labkit.arguments import check_float, check_int, check_random_state, check_same_length, to_numpy
from labkit.recipe.digits import check_images

__all__ = ["rare_class_task", "BinaryScores", "binary_scores", "always_healthy", "PRCurve",
           "precision_recall", "choose_threshold", "shortcut_loss"]


def rare_class_task(X, y, *, disease: int = 3, positive_rate: float = 0.05, random_state=None):
    """Keep every non-``disease`` digit and just enough ``disease`` digits that they are ``positive_rate``.

    Returns ``(X_rare, y_rare)``: the kept images (m, 1, 8, 8) and labels (m,) with 1 for the
    disease digit and 0 ("healthy") for the rest, rows shuffled. Raises ValueError if ``y`` has
    no ``disease`` digit or too few for the rate.
    """
    X = check_images("X", X)
    y = to_numpy("y", y)
    check_same_length(X=X, y=y)
    disease = check_int("disease", disease, min_value=0, max_value=9)
    rate = check_float("positive_rate", positive_rate, min_value=0.0, max_value=0.5, strict_min=True)
    rng = check_random_state("random_state", random_state)
    sick, healthy = np.flatnonzero(y == disease), np.flatnonzero(y != disease)
    n_sick = max(1, round(rate * len(healthy) / (1 - rate)))
    if len(sick) < n_sick:
        raise ValueError(f"y has {len(sick)} samples of disease={disease}; positive_rate={rate:g} needs "
                         f"{n_sick} beside {len(healthy)} healthy ones")
    rows = rng.permutation(np.concatenate([healthy, rng.choice(sick, n_sick, replace=False)]))
    return X[rows], (y[rows] == disease).astype(np.int64)


@dataclasses.dataclass(frozen=True)
class BinaryScores:
    """Accuracy, precision (share of alarms right), recall (share of the sick found), at a threshold."""

    accuracy: float
    precision: float
    recall: float
    threshold: float
    n_positive: int
    n_alarms: int


def _binary(name: str, y) -> np.ndarray:
    y = to_numpy(name, y).astype(np.int64, copy=False).ravel()
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{name} must hold 0 (healthy) and 1 (disease) only, got values {np.unique(y)[:6]}")
    return y


def binary_scores(y_true, scores, *, threshold: float = 0.5) -> BinaryScores:
    """Score the alarms ``scores >= threshold`` against ``y_true`` (0/1, shape (n,)).

    Precision is 0 when there are no alarms (sklearn's ``zero_division=0``): a silent model
    is not a precise one.
    """
    from sklearn.metrics import accuracy_score, precision_score, recall_score

    y_true = _binary("y_true", y_true)
    scores = to_numpy("scores", scores).astype(np.float64).ravel()
    check_same_length(y_true=y_true, scores=scores)
    threshold = check_float("threshold", threshold)
    alarms = (scores >= threshold).astype(np.int64)
    return BinaryScores(
        accuracy=float(accuracy_score(y_true, alarms)),
        precision=float(precision_score(y_true, alarms, zero_division=0)),
        recall=float(recall_score(y_true, alarms, zero_division=0)),
        threshold=threshold, n_positive=int(y_true.sum()), n_alarms=int(alarms.sum()))


def always_healthy(y_true) -> BinaryScores:
    """The model that never raises an alarm: its accuracy is the healthy share, its recall 0."""
    y_true = _binary("y_true", y_true)
    return binary_scores(y_true, np.zeros(len(y_true)), threshold=0.5)


@dataclasses.dataclass(frozen=True, repr=False)
class PRCurve:
    """Precision and recall at every threshold (``sklearn.metrics.precision_recall_curve``).

    ``precision`` and ``recall`` have one more entry than ``thresholds`` (the last point is
    recall 0, precision 1); ``average_precision`` is the area sklearn reports; ``base_rate`` the
    share of positives (a random ranking's precision).
    """

    precision: np.ndarray
    recall: np.ndarray
    thresholds: np.ndarray
    average_precision: float
    base_rate: float

    def __repr__(self) -> str:
        return (f"PRCurve({len(self.thresholds)} thresholds, average_precision={self.average_precision:.3f}, "
                f"base_rate={self.base_rate:.3f})")


def precision_recall(y_true, scores) -> PRCurve:
    """The precision-recall curve of ``scores`` (n,) for ``y_true`` (n,) of 0/1; needs both classes."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    y_true = _binary("y_true", y_true)
    scores = to_numpy("scores", scores).astype(np.float64).ravel()
    check_same_length(y_true=y_true, scores=scores)
    if y_true.min() == y_true.max():
        raise ValueError("y_true must contain both classes (0 and 1) for a precision-recall curve")
    precision, recall, thresholds = precision_recall_curve(y_true, scores)
    return PRCurve(precision, recall, thresholds, float(average_precision_score(y_true, scores)),
                   float(y_true.mean()))


def choose_threshold(curve: PRCurve, *, min_recall: float = 0.9) -> float:
    """The highest threshold whose recall is at least ``min_recall``: the most precise one that finds enough.

    Choose it on validation data and keep it for the test, like any other setting.
    """
    if not isinstance(curve, PRCurve):
        raise TypeError(f"curve must be a PRCurve (from precision_recall), got {type(curve).__name__}")
    min_recall = check_float("min_recall", min_recall, min_value=0.0, max_value=1.0)
    ok = np.flatnonzero(curve.recall[:-1] >= min_recall)  # recall falls as the threshold rises
    if len(ok) == 0:
        raise ValueError(f"no threshold reaches recall {min_recall:g}")
    return float(curve.thresholds[ok[-1]])


def shortcut_loss(positive_rate: float) -> float:
    """Cross-entropy (nats per sample) of ignoring the input and predicting the base rate.

    This is the short cut the optimizer can take (Langseth): with 5% positives it is 0.199,
    far below the 0.693 of a coin flip, so a falling loss can still mean a useless model.
    """
    p = check_float("positive_rate", positive_rate, min_value=0.0, max_value=1.0)
    return 0.0 if p in (0.0, 1.0) else -(p * math.log(p) + (1 - p) * math.log(1 - p))
