"""Step 6 of the recipe: data beats tuning, when the data carries a structured corruption.

Tapson's rules of machine learning (quoted in Lusch's talk): the data matter more than the
model, and his extreme example, "a Top 10 result in Kaggle using linear regression, as the
only team that cleaned 50/60 Hz noise first". Here every digit gets a "mains hum": stripes at
a few fixed spatial frequencies (a fundamental and harmonics, like 50 Hz and its overtones)
with a random amplitude and phase per image. One cleaning step removes it: subtract each
image's projection on the hum's known patterns (a notch filter, in effect).
:func:`cleaning_vs_tuning` then compares a hyperparameter search on the raw inputs with the
default network on the cleaned ones, both scored on the same (hummed) test images.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from labkit.arguments import check_float, check_random_state
from labkit.recipe.digits import PARTS, DigitsSplit, check_images
from labkit.recipe.networks import train_network
from labkit.runtime import torch_seed

__all__ = ["HUM_PERIODS", "hum_patterns", "add_hum", "remove_hum", "hum_split", "clean_split",
           "CleaningResult", "cleaning_vs_tuning", "DEFAULT_GRID"]

HUM_PERIODS = (8.0, 4.0, 8.0 / 3.0)  # pixels along the diagonal: the fundamental and two harmonics
DEFAULT_GRID = tuple({"lr": lr, "weight_decay": wd} for lr in (3e-4, 1e-3, 3e-3, 1e-2) for wd in (0.0, 1e-3))


def hum_patterns(periods=HUM_PERIODS) -> np.ndarray:
    """Orthonormal hum patterns (2 * len(periods), 64): a cosine and a sine stripe per period (pixels)."""
    periods = [check_float(f"periods[{i}]", p, min_value=2.0) for i, p in enumerate(periods)]
    if not periods:
        raise ValueError("periods must name at least one period (pixels, at least 2)")
    rows, cols = np.mgrid[0:8, 0:8]
    phase = [2 * np.pi * (rows + cols) / p for p in periods]  # diagonal stripes
    waves = np.stack([f(a).ravel() for a in phase for f in (np.cos, np.sin)])  # (2k, 64)
    q, r = np.linalg.qr(waves.T)
    keep = np.abs(np.diag(r)) > 1e-8  # a sine at period 2 is zero on the grid: drop such patterns
    return q.T[keep]


def add_hum(X, *, amplitude: float = 5.0, periods=HUM_PERIODS, random_state=None) -> np.ndarray:
    """``X`` (n, 1, 8, 8) plus hum: each pattern with a N(0, amplitude^2) weight, drawn per image.

    ``amplitude`` is in pixel units (the digits span [0, 1]), so 5 means the hum is much
    louder than the digit, as mains pickup often is in a raw electrode recording.
    """
    X = check_images("X", X)
    amplitude = check_float("amplitude", amplitude, min_value=0.0)
    patterns = hum_patterns(periods)
    rng = check_random_state("random_state", random_state)
    weights = rng.normal(0.0, amplitude, size=(len(X), len(patterns)))  # (n, 2k)
    return X + (weights @ patterns).reshape(X.shape)


def remove_hum(X, *, periods=HUM_PERIODS) -> np.ndarray:
    """``X`` (n, 1, 8, 8) minus its projection on the hum patterns: the one cleaning step.

    It also removes the (small) part of each digit that lies along the patterns, the price
    of any notch filter.
    """
    X = check_images("X", X)
    patterns = hum_patterns(periods)  # (2k, 64), orthonormal rows
    flat = X.reshape(len(X), -1)
    return (flat - (flat @ patterns.T) @ patterns).reshape(X.shape)


def hum_split(split: DigitsSplit, *, amplitude: float = 5.0, random_state=0) -> DigitsSplit:
    """Every part of ``split`` with hum added (:func:`add_hum`), each part with its own draws."""
    if not isinstance(split, DigitsSplit):
        raise TypeError(f"split must be a DigitsSplit (from split_digits), got {type(split).__name__}")
    rng = check_random_state("random_state", random_state)
    return dataclasses.replace(split, **{f"X_{part}": add_hum(split.part(part)[0], amplitude=amplitude,
                                                                random_state=rng) for part in PARTS})


def clean_split(split: DigitsSplit) -> DigitsSplit:
    """Every part of ``split`` cleaned by :func:`remove_hum` (the labels are untouched)."""
    if not isinstance(split, DigitsSplit):
        raise TypeError(f"split must be a DigitsSplit (from split_digits), got {type(split).__name__}")
    return dataclasses.replace(split, **{f"X_{part}": remove_hum(split.part(part)[0]) for part in PARTS})


@dataclasses.dataclass(frozen=True)
class CleaningResult:
    """The search on raw inputs (one (settings, val accuracy, test accuracy) per grid point), its
    best point by validation accuracy, and the default network on cleaned inputs."""

    raw: list
    best_raw: dict
    best_raw_val: float
    best_raw_test: float
    cleaned_val: float
    cleaned_test: float

    def __str__(self) -> str:
        return (f"tuned on raw ({len(self.raw)} settings, best {self.best_raw}): test "
                f"{100 * self.best_raw_test:.1f}%; default on cleaned: test {100 * self.cleaned_test:.1f}%")


def cleaning_vs_tuning(split: DigitsSplit, *, grid=DEFAULT_GRID, amplitude: float = 5.0, epochs: int = 20,
                       kind: str = "mlp", random_state=0, logbook=None) -> CleaningResult:
    """Tune ``kind`` over ``grid`` (dicts of lr / weight_decay / batch_size) on hummed data, against
    one default run (Adam 3e-4) on the same data cleaned; test accuracy on the hummed test set.

    The grid's best is chosen on validation accuracy, as any search must. Runs go to ``logbook``
    (kind "recipe") when one is given.
    """
    grid = list(grid)
    allowed = {"lr", "weight_decay", "batch_size"}
    for i, point in enumerate(grid):
        if not isinstance(point, dict) or not set(point) <= allowed:
            raise ValueError(f"grid[{i}] must be a dict with keys among {sorted(allowed)}, got {point!r}")
    if not grid:
        raise ValueError("grid must hold at least one setting")
    seed = torch_seed(random_state)
    hummed = hum_split(split, amplitude=amplitude, random_state=seed)
    raw = []
    for point in grid:
        run = train_network(kind, hummed, name=f"raw {point}", epochs=epochs, random_state=seed,
                            logbook=logbook, **point)
        raw.append((point, run.scores["val"], run.scores["test"]))
    best = max(raw, key=lambda r: r[1])
    cleaned = train_network(kind, clean_split(hummed), name="cleaned", epochs=epochs, random_state=seed,
                            logbook=logbook)
    return CleaningResult(raw, best[0], best[1], best[2], cleaned.scores["val"], cleaned.scores["test"])
