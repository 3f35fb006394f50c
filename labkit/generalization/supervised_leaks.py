"""Preprocessing that looks at the labels, fitted on all rows: a leak that finds signal in pure noise.

Feature selection, target encoding or any supervised step fitted before the split has seen
every validation row's label, so cross-validation afterwards scores a choice that was made
with the answers. :func:`supervised_leak_demo` measures it on random labels, where honest
accuracy can only be chance, with scikit-learn's own ``SelectKBest``, ``TargetEncoder``,
``Pipeline`` and ``cross_val_score``. Case 12 of the project's cases from practice.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from labkit.arguments import check_choice, check_int, check_random_state

__all__ = ["SUPERVISED_STEPS", "PreprocessingLeakResult", "supervised_leak_demo"]

SUPERVISED_STEPS = ("feature_selection", "target_encoding")


@dataclasses.dataclass(repr=False)
class PreprocessingLeakResult:
    """Cross-validated accuracy on random labels, a supervised step fitted outside or inside the folds."""

    step: str  # one of SUPERVISED_STEPS
    leaky_accuracy: np.ndarray  # (R,): the step fitted once on all rows and labels, then cross-validated
    honest_accuracy: np.ndarray  # (R,): the step refitted inside every training fold (a Pipeline)
    chance: float  # the share of the larger class: the labels are random, no model does better on new rows
    n_samples: int
    seconds: float

    @property
    def chance_spread(self) -> float:
        """Binomial standard error of the mean accuracy over all R * n_samples validation rows, at chance."""
        return float(np.sqrt(self.chance * (1 - self.chance) / (self.n_samples * len(self.leaky_accuracy))))

    def __repr__(self) -> str:
        return (f"PreprocessingLeakResult({self.step!r}, {len(self.leaky_accuracy)} repeats, "
                f"{self.seconds:.2f} s)\n  chance {self.chance:.3f} (+- {self.chance_spread:.3f}), "
                f"step fitted on all rows: {self.leaky_accuracy.mean():.3f}, "
                f"inside each training fold: {self.honest_accuracy.mean():.3f}")


def _noise_data(step, n_samples, n_features, n_categories, rng):
    """Random balanced labels and features that know nothing about them."""
    y = rng.permutation(np.arange(n_samples) % 2)  # (n,): half 0, half 1, in random order
    if step == "feature_selection":
        return rng.normal(size=(n_samples, n_features)), y  # (n, n_features)
    return rng.integers(0, n_categories, size=(n_samples, 1)), y  # (n, 1): a category id per row


def _supervised_step(step, n_selected, seed):
    """A fresh, unfitted preprocessing step that looks at the labels."""
    from sklearn.feature_selection import SelectKBest, f_classif

    return SelectKBest(f_classif, k=n_selected) if step == "feature_selection" else _target_encoder(seed)


def _target_encoder(seed):
    """scikit-learn's TargetEncoder with seeded cross fitting (a splitter from 1.9 on, a seed before)."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import TargetEncoder

    if TargetEncoder().get_params()["shuffle"] == "deprecated":  # 1.9 moved shuffling into `cv`
        return TargetEncoder(target_type="binary", cv=StratifiedKFold(5, shuffle=True, random_state=seed))
    return TargetEncoder(target_type="binary", random_state=seed)


def supervised_leak_demo(step="feature_selection", *, n_samples=120, n_features=2000, n_selected=10,
                         n_categories=40, n_repeats=10, n_splits=5,
                         random_state=None) -> PreprocessingLeakResult:
    """Cross-validate a classifier of random labels, its supervised preprocessing fitted on all labels or not.

    The labels are random and balanced, so no model can beat chance (0.5) on new rows.
    Each of ``n_repeats`` data sets is scored by stratified ``n_splits``-fold
    cross-validation of scikit-learn's ``LogisticRegression`` (liblinear), after a preprocessing
    step that looks at the labels (``step``, one of :data:`SUPERVISED_STEPS`):

    - ``"feature_selection"``: ``n_samples`` rows of ``n_features`` Gaussian noise
      features; ``SelectKBest(f_classif)`` keeps the ``n_selected`` features most
      associated with the labels.
    - ``"target_encoding"``: one categorical feature with ``n_categories`` levels;
      ``TargetEncoder`` replaces each level by (a smoothed) mean label of its rows.

    Leaky: the step is fitted once on all rows and labels, then the model is
    cross-validated on its output, so every validation row's own label helped choose
    the features (or set its encoding). Honest: the step and the model form one
    ``Pipeline``, refitted inside every training fold. This is the "wrong and the
    right way to do cross-validation" of Hastie, Tibshirani & Friedman, *The Elements
    of Statistical Learning* (2nd ed., 2009), section 7.10.2; Ambroise & McLachlan
    (PNAS 99(10), 2002) found the same selection bias in published gene-expression studies.

    Defaults (random_state=0, a second or two): feature selection, leaky accuracy 0.79,
    honest 0.49; target encoding (40 levels), leaky 0.71, honest 0.51. Returns the
    accuracy per repeat (a fraction of the ``n_samples`` rows predicted correctly).
    Raises ValueError for sizes that leave a fold without both classes or select more
    features than there are.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    step = check_choice("step", step, SUPERVISED_STEPS)
    n_splits = check_int("n_splits", n_splits, min_value=2)
    n_samples = check_int("n_samples", n_samples, min_value=4 * n_splits)  # both classes in every fold
    n_features = check_int("n_features", n_features, min_value=1)
    n_selected = check_int("n_selected", n_selected, min_value=1, max_value=n_features)
    n_categories = check_int("n_categories", n_categories, min_value=2)
    n_repeats = check_int("n_repeats", n_repeats, min_value=1)
    rng = check_random_state("random_state", random_state)

    start = time.perf_counter()
    accuracy = np.empty((2, n_repeats))
    for r in range(n_repeats):
        X, y = _noise_data(step, n_samples, n_features, n_categories, rng)
        seed = int(rng.integers(2**31))
        folds = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
        leaked = _supervised_step(step, n_selected, seed).fit(X, y).transform(X)  # saw every label
        classifier = LogisticRegression(solver="liblinear")  # the quick solver for a few small features
        accuracy[0, r] = cross_val_score(classifier, leaked, y, cv=folds).mean()
        honest = make_pipeline(_supervised_step(step, n_selected, seed), classifier)  # refitted per fold
        accuracy[1, r] = cross_val_score(honest, X, y, cv=folds).mean()
    chance = float(np.ceil(n_samples / 2) / n_samples)
    seconds = time.perf_counter() - start
    return PreprocessingLeakResult(step, accuracy[0], accuracy[1], chance, n_samples, seconds)
