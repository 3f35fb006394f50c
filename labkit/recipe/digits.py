"""The capstone's data: one fixed split of the 8x8 digits, its normalizer, and shifted copies.

Every step of the recipe (Hincapie-Potes, after Full Stack Deep Learning and Andrew Ng) works
on the same :class:`DigitsSplit`, so the rows of the results table compare. Besides train,
validation and test, the split holds a *train-validation* set: rows drawn from the training
distribution but never trained on (Lab 02's idea, Ng's "train-dev" set). Validation minus
train-validation then measures distribution shift, separately from variance, once the
validation and test sets come from somewhere else (:func:`shifted_split`: thicker or moved
digits, as a new scanner or a new pen would give).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from labkit.arguments import check_choice, check_float, check_int, check_random_state, to_numpy
from labkit.data import load_digits

__all__ = ["DigitsSplit", "split_digits", "Normalizer", "thicken", "shift_pixels", "shifted_split",
           "SHIFTS", "check_images", "RawPixels"]

SHIFTS = ("thicken", "shift")
PARTS = ("train", "train_val", "val", "test")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class DigitsSplit:
    """Four parts of the digits: ``X_*`` of shape (n, 1, 8, 8) in [0, 1], ``y_*`` int64 labels (n,).

    ``split.train`` is the pair ``(X_train, y_train)``, and so on for ``train_val``, ``val``
    and ``test``. ``shift`` is None for the original digits, else the name in :data:`SHIFTS`
    applied to val and test (train and train_val stay as they were).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_train_val: np.ndarray
    y_train_val: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    shift: str | None = None

    def part(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` of the part ``name``, one of "train", "train_val", "val", "test"."""
        name = check_choice("name", name, PARTS)
        return getattr(self, f"X_{name}"), getattr(self, f"y_{name}")

    train = property(lambda self: self.part("train"))
    train_val = property(lambda self: self.part("train_val"))
    val = property(lambda self: self.part("val"))
    test = property(lambda self: self.part("test"))

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(getattr(self, f'y_{name}'))}" for name in PARTS)
        return f"DigitsSplit({sizes}{'' if self.shift is None else f', shift={self.shift!r}'})"


def split_digits(*, fractions=(0.5, 0.1, 0.2, 0.2), n_samples: int | None = None,
                 random_state=0) -> DigitsSplit:
    """scikit-learn's 1797 digits cut into train / train-validation / validation / test, stratified.

    ``fractions``: four positive numbers summing to 1, in that order. ``n_samples`` takes a
    stratified subset first (for quick tests; None keeps all 1797). The same ``random_state``
    gives the same split. Raises ValueError for fractions that do not sum to 1 or leave a part
    with fewer rows than classes.
    """
    from sklearn.model_selection import train_test_split

    parts = _check_fractions(fractions)
    X, y = load_digits(images=True)
    rng = check_random_state("random_state", random_state)
    seeds = [int(s) for s in rng.integers(2**31 - 1, size=4)]
    if n_samples is not None:
        n_samples = check_int("n_samples", n_samples, min_value=40, max_value=len(y))
        if n_samples < len(y):
            X, _, y, _ = train_test_split(X, y, train_size=n_samples, stratify=y, random_state=seeds[3])
    out, rest = {}, (X, y)
    remaining = 1.0
    for i, name in enumerate(PARTS[:-1]):  # peel off one part at a time, each stratified
        share = parts[i] / remaining
        Xa, Xb, ya, yb = train_test_split(*rest, train_size=share, stratify=rest[1], random_state=seeds[i])
        out[f"X_{name}"], out[f"y_{name}"], rest = Xa, ya, (Xb, yb)
        remaining -= parts[i]
    out["X_test"], out["y_test"] = rest
    return DigitsSplit(**out)


def _check_fractions(fractions) -> tuple[float, ...]:
    values = tuple(fractions) if np.iterable(fractions) and not isinstance(fractions, str) else ()
    if len(values) != 4:
        raise TypeError(f"fractions must be four numbers (train, train_val, val, test), got {fractions!r}")
    values = tuple(check_float(f"fractions[{i}]", v, min_value=0.0, strict_min=True)
                   for i, v in enumerate(values))
    if abs(sum(values) - 1.0) > 1e-6:
        raise ValueError(f"fractions must sum to 1, got {fractions!r} (sum {sum(values):g})")
    return values


def check_images(name: str, X) -> np.ndarray:
    """``X`` as a float64 array of shape (n, 1, 8, 8); flat (n, 64) rows are reshaped. Else ValueError."""
    array = to_numpy(name, X)
    if array.ndim == 2 and array.shape[1] == 64:
        array = array.reshape(-1, 1, 8, 8)
    if array.ndim != 4 or array.shape[1:] != (1, 8, 8) or len(array) == 0:
        raise ValueError(f"{name} must be digits of shape (n, 1, 8, 8) or (n, 64) with n >= 1, "
                         f"got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers")
    return array.astype(np.float64, copy=False)


class Normalizer:
    """Standardize inputs with the mean and std of the data it was fitted on (one number each).

    Fit it on the training set only and keep it with the model: a pretrained network expects
    inputs scaled as in pretraining ("initialized your weights from a pretrained checkpoint
    but didn't use the original mean", Hincapie-Potes' list of common bugs). Calling it
    returns float32 (n, 1, 8, 8), ready for torch.
    """

    def __init__(self, X):
        X = check_images("X", X)
        self.mean = float(X.mean())
        self.std = float(X.std())
        if self.std == 0:
            raise ValueError("X has zero standard deviation: every pixel is the same, nothing to scale by")

    def __call__(self, X) -> np.ndarray:
        return ((check_images("X", X) - self.mean) / self.std).astype(np.float32)

    def __repr__(self) -> str:
        return f"Normalizer(mean={self.mean:.3f}, std={self.std:.3f})"


class RawPixels(Normalizer):
    """No scaling at all: pixels in [0, 1] as they come (float32), the "forgot to normalize" case."""

    def __init__(self):
        self.mean, self.std = 0.0, 1.0

    def __repr__(self) -> str:
        return "RawPixels()"


def thicken(X) -> np.ndarray:
    """Thicker strokes: each pixel becomes the maximum of its 3x3 neighbourhood (grey dilation).

    (n, 1, 8, 8) -> (n, 1, 8, 8), values stay in the input's range (scipy.ndimage.maximum_filter).
    """
    from scipy.ndimage import maximum_filter

    X = check_images("X", X)
    return maximum_filter(X, size=(1, 1, 3, 3), mode="constant", cval=0.0)


def shift_pixels(X, *, dx: int = 1, dy: int = 0) -> np.ndarray:
    """Move every digit ``dx`` pixels right and ``dy`` down (negative: left/up); blank pixels enter."""
    X = check_images("X", X)
    dx = check_int("dx", dx, min_value=-7, max_value=7)
    dy = check_int("dy", dy, min_value=-7, max_value=7)
    out = np.zeros_like(X)
    src_y, dst_y = slice(max(0, -dy), 8 - max(0, dy)), slice(max(0, dy), 8 - max(0, -dy))
    src_x, dst_x = slice(max(0, -dx), 8 - max(0, dx)), slice(max(0, dx), 8 - max(0, -dx))
    out[:, :, dst_y, dst_x] = X[:, :, src_y, src_x]
    return out


def shifted_split(split: DigitsSplit, kind: str = "thicken") -> DigitsSplit:
    """The same split with val and test moved to a new distribution (``kind`` in :data:`SHIFTS`).

    Train and train-validation keep the original digits, so train-val minus train stays the
    variance and val minus train-val becomes the distribution shift.
    """
    if not isinstance(split, DigitsSplit):
        raise TypeError(f"split must be a DigitsSplit (from split_digits), got {type(split).__name__}")
    kind = check_choice("kind", kind, SHIFTS)
    move = thicken if kind == "thicken" else shift_pixels
    return dataclasses.replace(split, X_val=move(split.X_val), X_test=move(split.X_test), shift=kind)
