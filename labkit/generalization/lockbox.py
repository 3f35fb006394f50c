"""A sealed test set: :class:`Lockbox` scores models on it and counts how often it was opened.

Bethany Lusch's rule #1 for deep learning in science is "think carefully about
validation", and the first care is for the test set: its first score is an unbiased
estimate of the error on new data, every later one is not. The validation demos
(:mod:`~labkit.generalization.validation`, :mod:`~labkit.generalization.leakage`) show the
other ways a score can flatter.
"""

from __future__ import annotations

import warnings

import numpy as np
from torch import nn

from labkit.arguments import as_2d_float, check_choice, to_numpy
from labkit.text import fit

__all__ = ["Lockbox", "METRICS"]

METRICS = ("mse", "rmse", "mae", "accuracy")


class Lockbox:
    """The test set, sealed: ``evaluate`` scores a model on it and counts every opening.

    The first score is an unbiased estimate of the error on new data. Every later one
    is not: whatever you changed after seeing the first, you changed *because of the
    test set*, which has become a second validation set. From the second opening on,
    ``evaluate`` warns (``UserWarning``). ``unlock()`` hands out copies of the data and
    counts as an opening too; there is no attribute that returns the data uncounted.

    ``metric`` None picks accuracy for integer labels and MSE otherwise.
    """

    def __init__(self, X, y, *, metric=None):
        y_array = to_numpy("y", y)
        if y_array.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D (n_samples,) or 2-D (n_samples, n_targets), "
                             f"got shape {y_array.shape}")
        if metric is None:
            metric = "accuracy" if y_array.dtype.kind in "iub" else "mse"
        self._metric = check_choice("metric", metric, METRICS)
        self._X = as_2d_float("X", X)
        self._y = y_array.copy()
        if self._y.dtype.kind == "f" and not np.isfinite(self._y).all():
            raise ValueError("y contains NaN or Inf; a test set needs a finite target for every row")
        if len(self._y) != len(self._X):
            raise ValueError(f"X has {len(self._X)} rows but y has {len(self._y)}; each sample needs both")
        self._opened = 0
        self._scores: list[float] = []

    @property
    def opened(self) -> int:
        """How many times the test set was used (``evaluate`` or ``unlock``)."""
        return self._opened

    @property
    def scores(self) -> tuple[float, ...]:
        """Every score ``evaluate`` returned, in order."""
        return tuple(self._scores)

    @property
    def metric(self) -> str:
        return self._metric

    def __len__(self) -> int:
        return len(self._X)

    def _open(self) -> None:
        self._opened += 1
        if self._opened > 1:
            warnings.warn(fit(
                f"The test set has been used {self._opened} times; its score is no longer an unbiased "
                "estimate of the error on new data (choices made after the first look were fitted to it)"),
                UserWarning, stacklevel=3)

    def unlock(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of (X, y); counts as one opening."""
        self._open()
        return self._X.copy(), self._y.copy()

    def evaluate(self, model) -> float:
        """Score ``model`` (an ``nn.Module``, an object with ``.predict`` or a function X -> y) once."""
        predictions = self._predict(model)
        self._open()
        score = _score(self._metric, predictions, self._y)
        self._scores.append(score)
        return score

    def _predict(self, model) -> np.ndarray:
        if isinstance(model, nn.Module):
            from labkit.train import predict

            return predict(model, self._X)
        if hasattr(model, "predict"):
            return to_numpy("model.predict(X)", model.predict(self._X))
        if callable(model):
            return to_numpy("model(X)", model(self._X))
        raise TypeError(f"model must be a torch.nn.Module, an object with .predict(X) or a function "
                        f"X -> predictions, got {type(model).__name__}")

    def __repr__(self) -> str:
        last = f", last {self._metric}={self._scores[-1]:.4g}" if self._scores else ""
        return f"Lockbox({len(self)} samples, metric={self._metric!r}, opened {self._opened} times{last})"


def _score(metric: str, predictions, y) -> float:
    predictions = np.asarray(predictions)
    if metric == "accuracy":
        if predictions.ndim == 2 and predictions.shape[1] > 1:
            predictions = predictions.argmax(axis=1)  # class scores -> labels
        predictions = predictions.reshape(len(y))
        return float(np.mean(predictions == y))
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    if predictions.size != y.size:
        raise ValueError(f"the model gave predictions of shape {predictions.shape} for targets of "
                         f"shape {y.shape}")
    error = predictions.reshape(y.shape) - y
    if metric == "mae":
        return float(np.mean(np.abs(error)))
    mse = float(np.mean(error**2))
    return float(np.sqrt(mse)) if metric == "rmse" else mse
