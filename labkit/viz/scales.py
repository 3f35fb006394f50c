"""Checked inputs and axis limits shared by the views and the one-call plots.

``span`` fits limits to the data with a margin; ``steady_span`` rounds them out to whole
steps so that a growing curve rarely moves them (a live view whose limits change must
redraw everything, see :class:`labkit.viz.blitting.Blitter`). NaN and Inf are never
plotted: ``finite_or_nan`` turns Inf into a gap.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from labkit.arguments import as_2d_float, to_numpy

__all__ = ["as_values", "as_points", "as_splits", "plottable", "span", "steady_span", "step_above",
           "finite_or_nan", "log_axis_suits", "check_axes", "check_figure"]


def as_values(name: str, value, length: int | None = None, per: str = "") -> np.ndarray:
    """``value`` as a float array (n,) from (n,) or (n, 1); NaN and Inf are kept for the caller."""
    array = to_numpy(name, value)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numbers of shape (n,) or (n, 1), got shape {array.shape} "
                         f"of dtype {array.dtype}")
    if length is not None and len(array) != length:
        raise ValueError(f"{name} must have {length} values ({per}), got {len(array)}")
    return array.astype(np.float64)


def as_points(X, y, names: tuple[str, str], n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """Checked X (n, n_features) and y (n,), finite floats."""
    X, y = as_2d_float(names[0], X), as_2d_float(names[1], y)
    if X.shape[1] != n_features:
        raise ValueError(f"{names[0]} must have {n_features} feature column(s), got shape {X.shape}")
    if y.shape[1] != 1 or len(y) != len(X):
        raise ValueError(f"{names[1]} must hold one value per row of {names[0]} ({len(X)}), "
                         f"got shape {y.shape}")
    return X, y[:, 0]


def as_splits(X_train, y_train, X_val, y_val, n_features: int) -> list:
    """[(X, y) of train, (X, y) of val or None], checked."""
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val go together: pass both or neither")
    val = None if X_val is None else as_points(X_val, y_val, ("X_val", "y_val"), n_features)
    return [as_points(X_train, y_train, ("X_train", "y_train"), n_features), val]


def plottable(arrays, log: bool) -> np.ndarray:
    """The values of ``arrays`` in one flat array: the finite ones, only the positive ones on a log axis."""
    v = np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.empty(0)
    return v[np.isfinite(v) & (v > 0)] if log else v[np.isfinite(v)]


def span(arrays, *, log: bool = False, margin: float = 0.08):
    """(low, high) covering the finite values (the positive ones on a log axis) plus a margin, or None."""
    v = plottable(arrays, log)
    if v.size == 0:
        return None
    v = np.log10(v) if log else v
    lo, hi = float(v.min()), float(v.max())
    pad = margin * (hi - lo) if hi > lo else max(0.1 * abs(lo), 0.5)
    lo, hi = lo - pad, hi + pad
    return (10**lo, 10**hi) if log else (lo, hi)


def steady_span(arrays, *, log: bool = False):
    """(low, high) covering the finite values in whole steps, so that a growing curve rarely moves them.

    On a log axis whole decades; on a linear one from 0 (or a step below the lowest value) up to
    1, 2 or 5 x 10^k. Why: a live view whose limits change redraws everything (see Blitter).
    """
    v = plottable(arrays, log)
    if v.size == 0:
        return None
    if log:
        lo, hi = np.floor(np.log10(v.min())), np.ceil(np.log10(v.max()))
        return 10.0**lo, 10.0 ** max(hi, lo + 1)
    lo, hi = float(v.min()), float(v.max())
    lo = -step_above(-lo) if lo < 0 else 0.0
    hi = step_above(hi) if hi > 0 else 0.0
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def step_above(x: float) -> float:
    """The smallest 1, 2 or 5 x 10^k that is >= x > 0."""
    power = 10.0 ** np.floor(np.log10(x))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= x * (1 - 1e-12))


def finite_or_nan(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), values, np.nan)  # NaN leaves a gap in a line; Inf may not


def log_axis_suits(values) -> bool:
    """Whether swept ``values`` read best on a log axis: widths 2..256, decays 0, 1e-3..1 do."""
    values = as_values("values", values)
    nonzero = np.abs(values[values != 0])
    return bool(len(nonzero) > 1 and (values >= 0).all() and nonzero.max() / nonzero.min() >= 50)


def check_axes(name: str, ax) -> Axes:
    """Return ``ax`` if it is a matplotlib Axes (``plt.subplots()[1]``), else raise naming ``name``."""
    if not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes (fig, ax = plt.subplots()), got {ax!r:.60} "
                        f"({type(ax).__name__})")
    return ax


def check_figure(name: str, fig) -> Figure | SubFigure:
    """Return ``fig`` if it is a matplotlib Figure (such as ``plt.figure()``), else raise naming ``name``."""
    if not isinstance(fig, (Figure, SubFigure)):
        raise TypeError(f"{name} must be a matplotlib Figure (fig = plt.figure()), got {fig!r:.60} "
                        f"({type(fig).__name__})")
    return fig
