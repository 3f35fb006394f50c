"""Step 5 of the recipe: error analysis, from the confusion matrix to the worst mistakes.

Lazzaretti's debugging list (after Goodfellow et al., ch. 11) starts with "visualize the
worst mistakes": the wrong answers given with the highest confidence show what the model
misunderstands, and often what is wrong with the data. Lusch's best practices: "fix errors
and remove outliers". With some training labels flipped on purpose (:func:`flip_labels`),
ranking the training examples by their loss (:func:`rank_by_loss`) puts the flipped ones on
top, and :func:`flag_precision` measures how many of the top k are truly flipped.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from labkit.arguments import check_float, check_int, check_random_state, check_same_length, to_numpy

__all__ = ["confusion", "Mistakes", "worst_mistakes", "flip_labels", "rank_by_loss", "flag_precision"]


def _labels(name: str, y) -> np.ndarray:
    y = to_numpy(name, y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer) or (len(y) and y.min() < 0):
        raise ValueError(f"{name} must be non-negative integer class labels of shape (n,), "
                         f"got dtype {y.dtype} and shape {y.shape}")
    return y


def _probabilities(name: str, p) -> np.ndarray:
    p = to_numpy(name, p).astype(np.float64)
    if p.ndim != 2 or p.shape[1] < 2 or not np.isfinite(p).all() or (p < 0).any():
        raise ValueError(f"{name} must be class probabilities of shape (n, n_classes >= 2), got shape "
                         f"{p.shape}")
    if not np.allclose(p.sum(1), 1.0, atol=1e-4):
        raise ValueError(f"{name} rows must sum to 1 (softmax outputs, not logits)")
    return p


def confusion(y_true, y_pred, *, n_classes: int = 10) -> np.ndarray:
    """Counts (n_classes, n_classes): row = true class, column = predicted (sklearn's confusion_matrix)."""
    from sklearn.metrics import confusion_matrix

    y_true, y_pred = _labels("y_true", y_true), _labels("y_pred", y_pred)
    check_same_length(y_true=y_true, y_pred=y_pred)
    n_classes = check_int("n_classes", n_classes, min_value=2)
    return confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))


@dataclasses.dataclass(frozen=True)
class Mistakes:
    """The worst mistakes, most confident first: row ``index`` of the data, its ``true`` label,
    the ``predicted`` one and the probability given to it (``confidence``), arrays of shape (k,)."""

    index: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray

    def __len__(self) -> int:
        return len(self.index)

    def lines(self) -> list[str]:
        """One line per mistake, e.g. ``#12: a 3 read as 5 (97% sure)``."""
        return [f"#{i}: a {t} read as {p} ({100 * c:.0f}% sure)" for i, t, p, c in
                zip(self.index, self.true, self.predicted, self.confidence, strict=True)]


def worst_mistakes(probabilities, y_true, *, k: int = 12) -> Mistakes:
    """The ``k`` wrong predictions with the highest confidence (fewer if there are fewer mistakes).

    ``probabilities``: (n, n_classes) softmax outputs; ``y_true``: (n,) labels.
    """
    p, y = _probabilities("probabilities", probabilities), _labels("y_true", y_true)
    check_same_length(probabilities=p, y_true=y)
    k = check_int("k", k, min_value=1)
    predicted, confidence = p.argmax(1), p.max(1)
    wrong = np.flatnonzero(predicted != y)
    order = wrong[np.argsort(-confidence[wrong], kind="stable")][:k]
    return Mistakes(order, y[order], predicted[order], confidence[order])


def flip_labels(y, *, fraction: float = 0.05, n_classes: int = 10, random_state=None):
    """A copy of ``y`` with ``fraction`` of its labels changed to another class, at random.

    Returns ``(y_noisy, flipped)``: the labels (n,) and a boolean mask (n,) of the changed rows.
    Each flipped label moves to a different class, uniformly among the other ``n_classes - 1``.
    """
    y = _labels("y", y)
    fraction = check_float("fraction", fraction, min_value=0.0, max_value=1.0)
    n_classes = check_int("n_classes", n_classes, min_value=2)
    if len(y) and y.max() >= n_classes:
        raise ValueError(f"y has label {y.max()}, but n_classes={n_classes}")
    rng = check_random_state("random_state", random_state)
    rows = rng.choice(len(y), size=round(fraction * len(y)), replace=False)
    noisy = y.copy()
    noisy[rows] = (y[rows] + rng.integers(1, n_classes, size=len(rows))) % n_classes  # never the same class
    flipped = np.zeros(len(y), dtype=bool)
    flipped[rows] = True
    return noisy, flipped


def rank_by_loss(probabilities, y) -> np.ndarray:
    """Row indices (n,) ordered by cross-entropy -log p[y], highest first: the suspects first."""
    p, y = _probabilities("probabilities", probabilities), _labels("y", y)
    check_same_length(probabilities=p, y=y)
    if y.max() >= p.shape[1]:
        raise ValueError(f"y has label {y.max()}, but probabilities has {p.shape[1]} classes")
    loss = -np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None))
    return np.argsort(-loss, kind="stable")


def flag_precision(ranking, flipped, *, k: int | None = None) -> float:
    """Share of the first ``k`` rows of ``ranking`` that are truly ``flipped`` (k None: all flipped)."""
    ranking = _labels("ranking", ranking)
    flipped = to_numpy("flipped", flipped).astype(bool)
    k = int(flipped.sum()) if k is None else check_int("k", k, min_value=1, max_value=len(ranking))
    if k == 0:
        raise ValueError("flipped has no True rows, so there is nothing to find; pass k")
    return float(flipped[ranking[:k]].mean())
