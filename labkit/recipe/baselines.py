"""Step 2 of the recipe: baselines first, dumb ones and shallow ones, before any network.

Langseth asks "deep or not?": with little noise and complex structure, deep; otherwise a
good shallow model ("logistic regression, SVM, boosted tree are all good"). The dumb
baselines say what no learning at all scores: the majority class, and a guess drawn from
the class shares without looking at the input. Every baseline here is a scikit-learn
estimator on flattened pixels (n, 64); :func:`score_baselines` writes one table row each.
"""

from __future__ import annotations

import time

import numpy as np

from labkit.arguments import check_choice, check_random_state
from labkit.logbook import check_logbook
from labkit.recipe.digits import DigitsSplit, check_images
from labkit.recipe.table import ResultsTable

__all__ = ["BASELINES", "make_baseline", "fit_baseline", "score_baselines", "flat"]

BASELINES = ("majority", "input-independent", "logistic", "boosted tree")


def flat(X) -> np.ndarray:
    """Images (n, 1, 8, 8) as rows of pixels (n, 64), what the shallow models take."""
    X = check_images("X", X)
    return X.reshape(len(X), -1)


def make_baseline(kind: str, *, random_state=None):
    """An unfitted scikit-learn classifier for ``kind`` in :data:`BASELINES`.

    "majority": always the most frequent training class (DummyClassifier "most_frequent");
    "input-independent": a random class drawn with the training shares (DummyClassifier
    "stratified"); "logistic": LogisticRegression; "boosted tree": HistGradientBoostingClassifier.
    """
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    kind = check_choice("kind", kind, BASELINES)
    seed = int(check_random_state("random_state", random_state).integers(2**31 - 1))
    if kind == "majority":
        return DummyClassifier(strategy="most_frequent")
    if kind == "input-independent":
        return DummyClassifier(strategy="stratified", random_state=seed)
    if kind == "logistic":
        return LogisticRegression(max_iter=2000)
    return HistGradientBoostingClassifier(max_iter=100, random_state=seed)


def fit_baseline(kind: str, X, y, *, random_state=None):
    """``make_baseline(kind)`` fitted on images ``X`` (n, 1, 8, 8) and labels ``y`` (n,)."""
    return make_baseline(kind, random_state=random_state).fit(flat(X), np.asarray(y))


def score_baselines(split: DigitsSplit, table: ResultsTable | None = None, *, kinds=BASELINES,
                    random_state=0, logbook=None) -> ResultsTable:
    """Fit each baseline in ``kinds`` on ``split.train`` and add its accuracies as a table row.

    Rows get train, train_val, val and test accuracy and the fitting seconds; a new
    :class:`ResultsTable` is made when ``table`` is None. With a ``logbook``
    (:class:`labkit.logbook.Logbook`), each fit is also recorded there (kind "recipe").
    """
    if not isinstance(split, DigitsSplit):
        raise TypeError(f"split must be a DigitsSplit (from split_digits), got {type(split).__name__}")
    table = ResultsTable() if table is None else table
    if not isinstance(table, ResultsTable):
        raise TypeError(f"table must be a ResultsTable or None, got {type(table).__name__}")
    kinds = [check_choice("kinds", kind, BASELINES) for kind in kinds]
    check_logbook("logbook", logbook, optional=True)
    for kind in kinds:
        start = time.perf_counter()
        model = fit_baseline(kind, *split.train, random_state=random_state)
        seconds = time.perf_counter() - start
        scores = {part: float(model.score(flat(split.part(part)[0]), split.part(part)[1]))
                  for part in ("train", "train_val", "val", "test")}
        table.add(kind, seconds=seconds, **scores)
        if logbook is not None:
            logbook.record("recipe", {"model": kind, "split": repr(split)}, metrics=scores,
                           note=f"baseline: {kind}", random_state=random_state)
    return table
