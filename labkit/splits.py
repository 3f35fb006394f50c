"""Train/validation/test splits, by rows or by whole groups, and scaling without leakage.

The training part fits the weights, the validation part chooses settings (epochs,
learning rate, model size) and the test part is looked at once, at the end. When rows
come in groups (several measurements of one material, one patient, one site),
:func:`group_split` keeps each group in a single part, so validation asks the question
that matters: how well does the model do on a group it has never seen?

scikit-learn is imported inside the functions that use it, to keep ``import`` cheap.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from labkit.arguments import (
    as_2d_float,
    check_bool,
    check_choice,
    check_float,
    check_random_state,
    check_same_length,
)

__all__ = ["Split", "train_val_test_split", "group_split", "scale"]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Split:
    """The three parts of a data set; ``split.train`` is the pair ``(X_train, y_train)``.

    ``groups_*`` hold each row's group label when :func:`group_split` made the split,
    and are None otherwise. A part that got no rows (test fraction 0) is empty.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    groups_train: np.ndarray | None = None
    groups_val: np.ndarray | None = None
    groups_test: np.ndarray | None = None

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        return self.X_train, self.y_train

    @property
    def val(self) -> tuple[np.ndarray, np.ndarray]:
        return self.X_val, self.y_val

    @property
    def test(self) -> tuple[np.ndarray, np.ndarray]:
        return self.X_test, self.y_test

    def __repr__(self) -> str:
        sizes = f"train={len(self.X_train)}, val={len(self.X_val)}, test={len(self.X_test)}"
        if self.groups_train is None:
            return f"Split({sizes})"
        counts = tuple(len(np.unique(g)) for g in (self.groups_train, self.groups_val, self.groups_test))
        return f"Split({sizes}, groups={counts})"


# ---------------------------------------------------------------- argument checks

def _check_fractions(fractions) -> tuple[float, float, float]:
    parts = tuple(fractions) if np.iterable(fractions) and not isinstance(fractions, str) else ()
    if len(parts) != 3:
        raise TypeError(f"fractions must be three numbers (train, val, test), got {fractions!r}")
    train, val, test = (check_float(f"fractions[{i}]", f, min_value=0.0) for i, f in enumerate(parts))
    if train == 0 or val == 0:
        raise ValueError(f"fractions: train and val must be positive (test may be 0), got {fractions!r}")
    if abs(train + val + test - 1.0) > 1e-6:
        raise ValueError(f"fractions must sum to 1, got {fractions!r} (sum {train + val + test:g})")
    return train, val, test


def _as_target(y) -> np.ndarray:
    """y as an array of shape (n,) or (n, k), keeping its dtype (class labels stay integers)."""
    y = np.asarray(y.detach().cpu() if hasattr(y, "detach") else y)
    if y.ndim not in (1, 2):
        raise ValueError(f"y must have shape (n_samples,) or (n_samples, n_outputs), got shape {y.shape}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("y contains NaN or Inf; remove or impute those rows first")
    return y


def _part_sizes(n: int, fractions, what: str) -> tuple[int, int, int]:
    """Cut ``n`` items (rows or groups) into train/val/test counts, each part getting at least one."""
    _, f_val, f_test = fractions
    n_val, n_test = (int(np.floor(f * n + 0.5)) for f in (f_val, f_test))  # round half up
    n_train = n - n_val - n_test
    if n_train < 1 or n_val < 1 or (f_test > 0 and n_test < 1):
        raise ValueError(
            f"{what}={n} is too few for fractions={fractions}: the parts would get train={n_train}, "
            f"val={n_val}, test={n_test}, and each needs at least 1 (test may be 0 only with fraction 0)"
        )
    return n_train, n_val, n_test


def _take(X, y, groups, train, val, test) -> Split:
    parts = {}
    for name, rows in (("train", train), ("val", val), ("test", test)):
        parts[f"X_{name}"], parts[f"y_{name}"] = X[rows], y[rows]
        if groups is not None:
            parts[f"groups_{name}"] = groups[rows]
    return Split(**parts)


# ---------------------------------------------------------------- splits

def train_val_test_split(X, y, *, fractions=(0.7, 0.2, 0.1), random_state=None, stratify=False) -> Split:
    """Shuffle the rows and cut them into training, validation and test parts (default 70/20/10).

    ``fractions=(0.8, 0.2, 0)`` gives no test part (empty arrays). ``stratify=True``
    keeps each class's share the same in every part (for class labels y).
    """
    from sklearn.model_selection import train_test_split

    X, y = as_2d_float("X", X), _as_target(y)
    n_samples = check_same_length(X=X, y=y)
    fractions = _check_fractions(fractions)
    stratify = check_bool("stratify", stratify)
    rng = check_random_state("random_state", random_state)
    _, n_val, n_test = _part_sizes(n_samples, fractions, "n_samples")
    seed = int(rng.integers(2**31 - 1))  # scikit-learn takes an int seed, not a Generator
    rest, test = np.arange(n_samples), np.arange(0)
    try:
        if n_test:
            rest, test = train_test_split(rest, test_size=n_test, random_state=seed,
                                          stratify=y if stratify else None)
        train, val = train_test_split(rest, test_size=n_val, random_state=seed,
                                      stratify=y[rest] if stratify else None)
    except ValueError as error:  # scikit-learn's complaint about too few rows of some class
        if not stratify:
            raise
        message = f"stratify=True cannot split these labels with fractions={fractions}: {error}"
        raise ValueError(message) from None
    return _take(X, y, None, train, val, test)


def group_split(X, y, groups, *, fractions=(0.7, 0.2, 0.1), random_state=None) -> Split:
    """Split by whole groups: every group's rows land in one part, never in two.

    ``fractions`` are shares of the *groups*, not of the rows: with 6 groups and the
    default 70/20/10, training gets 4 groups, validation 1 and test 1. The returned
    Split also carries each part's group labels (``groups_train``, ...).
    """
    X, y = as_2d_float("X", X), _as_target(y)
    groups = np.asarray(groups)
    if groups.ndim != 1:
        raise ValueError(f"groups must have shape (n_samples,), one label per row; got shape {groups.shape}")
    check_same_length(X=X, y=y, groups=groups)
    _check_no_missing_groups(groups)
    fractions = _check_fractions(fractions)
    rng = check_random_state("random_state", random_state)
    # Shuffle the distinct groups and deal them out. scikit-learn's GroupShuffleSplit
    # holds out one part at a time; dealing gives all three parts in one readable step.
    names = rng.permutation(np.unique(groups))
    n_train, n_val, _ = _part_sizes(len(names), fractions, "n_groups")
    parts = np.split(names, [n_train, n_train + n_val])
    train, val, test = (rng.permutation(np.flatnonzero(np.isin(groups, part))) for part in parts)
    # every row in exactly one part, and no part that should hold rows left empty
    sizes = {"train": len(train), "val": len(val), "test": len(test)}
    if sum(sizes.values()) != len(groups) or not sizes["train"] or not sizes["val"] or (
            fractions[2] > 0 and not sizes["test"]):
        raise ValueError(f"groups could not be dealt into fractions={fractions}: rows per part {sizes} "
                         f"for {len(groups)} rows; check that groups holds one plain label per row")
    return _take(X, y, groups, train, val, test)


def _check_no_missing_groups(groups: np.ndarray) -> None:
    """NaN or None never equals itself, so a row labelled with it would belong to no part."""
    if groups.dtype.kind in "fc":
        missing = np.isnan(groups)
    elif groups.dtype.kind == "O":
        missing = np.array([g is None or (isinstance(g, float) and g != g) for g in groups], dtype=bool)
    else:
        return
    if missing.any():
        rows = np.flatnonzero(missing)
        raise ValueError(f"groups must hold a label for every row, got NaN or None in {len(rows)} row(s) "
                         f"(rows {rows[:5].tolist()}{' ...' if len(rows) > 5 else ''}); "
                         "give those rows a group or drop them first")


# ---------------------------------------------------------------- scaling

def scale(split: Split, *, method: str = "standard"):
    """Fit a scaler on the training part only and apply it to all three: (scaled Split, scaler).

    Why the training part only: validation and test stand in for data the model has
    never seen. Taking their mean and std (or min and max) into the scaler would leak
    information about them into training and make their scores look better than the
    scores on truly new data. ``"standard"`` gives training features mean 0 and std 1
    (StandardScaler), ``"minmax"`` maps them to [0, 1] (MinMaxScaler). Only X is scaled;
    the returned scaler transforms new inputs the same way: ``scaler.transform(X_new)``.
    """
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    if not isinstance(split, Split):
        raise TypeError(f"split must be a Split from train_val_test_split or group_split, "
                        f"got {type(split).__name__}")
    method = check_choice("method", method, ("standard", "minmax"))
    scaler = (StandardScaler() if method == "standard" else MinMaxScaler()).fit(split.X_train)

    def transform(X):
        return scaler.transform(X) if len(X) else X  # scikit-learn refuses an empty part

    scaled = dataclasses.replace(split, X_train=transform(split.X_train), X_val=transform(split.X_val),
                                 X_test=transform(split.X_test))
    return scaled, scaler
