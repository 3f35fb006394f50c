"""Plots that update in place: fits, decision boundaries, loss curves, a diagnosis banner.

The rule: a view creates its artists once, in ``__init__``; afterwards only their data
changes (``set_data``, ``set_offsets``, colours, an image's ``set_data``, ``set_text``).
Nothing here clears an axes or plots again. Why: redrawing by ``clear_output`` +
``display`` lays everything out again and costs some twenty times a blitted in-place
frame (``benchmarks/bench_live.py``), flickers, and wipes the cell's other output.

Views only mutate artists and never draw: a panel updates its views, then shows the
figure once, either with a full draw (:func:`request_draw`) or, where only a model's curve
and the losses changed, with a :class:`labkit.blitting.Blitter`, which redraws just those artists over a
saved picture of the rest. How frames reach the browser is the panel's business: an
ipympl canvas in JupyterLab, or a PNG in a core ``ipywidgets.Image`` where ipympl's
front-end extension is missing (e.g. Colab). Nothing here knows about widgets.

Views take an ``ax`` and leave pyplot's state alone. The one-call ``plot_*`` functions,
for use without a panel, live in :mod:`labkit.figures` and can be imported from here too.
Colours are Okabe and Ito's, distinct under the common colour-vision deficiencies;
train and validation points also differ by marker, and the banner's levels by weight.
"""

from __future__ import annotations

import importlib
import numbers

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, NullFormatter

from labkit._checks import _to_numpy, as_2d_float, check_bool, check_choice, check_float, check_int

_FIGURES = ("plot_fit", "plot_boundary", "plot_history", "plot_bias_variance",  # from labkit.figures
            "plot_learning_curve")

__all__ = ["FitView", "BoundaryView", "LossView", "Banner", "BiasVarianceView", "EnsembleView",
           "request_draw",
           "PALETTE", *_FIGURES]

# Okabe & Ito: blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow, black
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
TRAIN, VAL, MODEL, TRUTH = PALETTE[0], PALETTE[1], PALETTE[3], "0.35"
# banner (colour, weight): darker shades of the palette, as text must read on white
LEVELS = {"info": ("0.15", "normal"), "good": ("#00755A", "normal"), "warning": ("#A65F00", "bold"),
          "error": ("#B83D00", "bold")}
_EMPTY = np.empty((0, 2))


def __getattr__(name: str):
    # the one-call plots build on the views below, so they live in labkit.figures; loaded on first use
    if name in _FIGURES:
        return getattr(importlib.import_module("labkit.figures"), name)
    raise AttributeError(f"module 'labkit.plots' has no attribute {name!r}")


def request_draw(fig) -> None:
    """Ask ``fig``'s canvas to redraw when idle: the one call a panel may replace to pace its frames."""
    fig.canvas.draw_idle()


# ---------------------------------------------------------------- checking inputs

def _values(name: str, value, length: int | None = None, per: str = "") -> np.ndarray:
    """``value`` as a float array (n,) from (n,) or (n, 1); NaN and Inf are kept for the caller."""
    array = _to_numpy(name, value)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numbers of shape (n,) or (n, 1), got shape {array.shape} "
                         f"of dtype {array.dtype}")
    if length is not None and len(array) != length:
        raise ValueError(f"{name} must have {length} values ({per}), got {len(array)}")
    return array.astype(np.float64)


def _points(X, y, names: tuple[str, str], n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """Checked X (n, n_features) and y (n,), finite floats."""
    X, y = as_2d_float(names[0], X), as_2d_float(names[1], y)
    if X.shape[1] != n_features:
        raise ValueError(f"{names[0]} must have {n_features} feature column(s), got shape {X.shape}")
    if y.shape[1] != 1 or len(y) != len(X):
        raise ValueError(f"{names[1]} must hold one value per row of {names[0]} ({len(X)}), "
                         f"got shape {y.shape}")
    return X, y[:, 0]


def _splits(X_train, y_train, X_val, y_val, n_features: int) -> list:
    """[(X, y) of train, (X, y) of val or None], checked."""
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val go together: pass both or neither")
    val = None if X_val is None else _points(X_val, y_val, ("X_val", "y_val"), n_features)
    return [_points(X_train, y_train, ("X_train", "y_train"), n_features), val]


def _plottable(arrays, log: bool) -> np.ndarray:
    """The values of ``arrays`` in one flat array: the finite ones, only the positive ones on a log axis."""
    v = np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.empty(0)
    return v[np.isfinite(v) & (v > 0)] if log else v[np.isfinite(v)]


def _span(arrays, *, log: bool = False, margin: float = 0.08):
    """(low, high) covering the finite values (the positive ones on a log axis) plus a margin, or None."""
    v = _plottable(arrays, log)
    if v.size == 0:
        return None
    v = np.log10(v) if log else v
    lo, hi = float(v.min()), float(v.max())
    pad = margin * (hi - lo) if hi > lo else max(0.1 * abs(lo), 0.5)
    lo, hi = lo - pad, hi + pad
    return (10**lo, 10**hi) if log else (lo, hi)


def _steady_span(arrays, *, log: bool = False):
    """(low, high) covering the finite values in whole steps, so that a growing curve rarely moves them.

    On a log axis whole decades; on a linear one from 0 (or a step below the lowest value) up to
    1, 2 or 5 x 10^k. Why: a live view whose limits change redraws everything (see Blitter).
    """
    v = _plottable(arrays, log)
    if v.size == 0:
        return None
    if log:
        lo, hi = np.floor(np.log10(v.min())), np.ceil(np.log10(v.max()))
        return 10.0**lo, 10.0 ** max(hi, lo + 1)
    lo, hi = float(v.min()), float(v.max())
    lo = -_step_above(-lo) if lo < 0 else 0.0
    hi = _step_above(hi) if hi > 0 else 0.0
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def _step_above(x: float) -> float:
    """The smallest 1, 2 or 5 x 10^k that is >= x > 0."""
    power = 10.0 ** np.floor(np.log10(x))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= x * (1 - 1e-12))


def _sync_legend(view, handles, **kwargs) -> None:
    """Rebuild the legend only when which artists are shown changes, not on every update."""
    shown = tuple(h for h in handles if h.get_visible())
    if shown != getattr(view, "_legend_for", None):
        view._legend_for = shown
        view.ax.legend(handles=list(shown), fontsize="small", **kwargs)


def _finite_or_nan(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), values, np.nan)  # NaN leaves a gap in a line; Inf may not


# ---------------------------------------------------------------- views

class FitView:
    """1-D regression: train points, validation points, the model's curve over ``x_grid`` and the truth."""

    def __init__(self, ax, *, x_grid, true_function=None):
        self.ax, self.true_function = ax, None
        self.train = ax.scatter([], [], s=22, color=TRAIN, label="train", zorder=3)
        self.val = ax.scatter([], [], s=30, marker="x", color=VAL, label="validation", zorder=3)
        self.val.set_visible(False)  # until there are validation points
        (self.prediction,) = ax.plot([], [], color=MODEL, lw=2, label="model")
        (self.truth,) = ax.plot([], [], color=TRUTH, ls="--", lw=1.5, label="true function")
        self.artists = [self.train, self.val, self.prediction, self.truth]
        self._y = []  # the y values shown, which set the y-limits
        self._hold = False  # keep y-limits that already cover the points (see set_data)
        ax.set(xlabel="x", ylabel="y")
        self.set_x_grid(x_grid)
        self.set_true_function(true_function)

    def set_x_grid(self, x_grid) -> None:
        """Predict over new x values (G,): the model's line is empty until the next set_prediction."""
        grid = _values("x_grid", x_grid)
        if len(grid) < 2 or not np.isfinite(grid).all():
            raise ValueError(f"x_grid must hold at least 2 values, all finite, got {grid.tolist()[:6]}")
        self.x_grid = grid
        self.prediction.set_data(grid, np.full_like(grid, np.nan))
        self.truth.set_xdata(grid)
        self.ax.set_xlim(grid.min(), grid.max())
        self.set_true_function(self.true_function)

    def set_data(self, X_train, y_train, X_val=None, y_val=None, *, keep_limits=False) -> None:
        """Show new points, X (n, 1) or (n,); the y-limits follow the points and the truth, not the model.

        ``keep_limits=True`` keeps y-limits that already cover the new points, so that a live
        panel showing a new sample of the same data can blit instead of redrawing everything.
        """
        self._hold = check_bool("keep_limits", keep_limits)
        splits = _splits(X_train, y_train, X_val, y_val, 1)
        for scatter, split in zip((self.train, self.val), splits, strict=True):
            scatter.set_offsets(_EMPTY if split is None else np.column_stack([split[0][:, 0], split[1]]))
            scatter.set_visible(split is not None)
        self._y = [split[1] for split in splits if split is not None]
        self._rescale()

    def set_prediction(self, y_pred) -> None:
        """Show the model's values at ``x_grid``; NaN or Inf (a diverged model) leave gaps in the line."""
        y_pred = _values("y_pred", y_pred, len(self.x_grid), "one per x_grid point")
        self.prediction.set_ydata(_finite_or_nan(y_pred))

    def set_true_function(self, true_function) -> None:
        """Draw ``true_function`` (x (G,) -> y (G,)) as a dashed line, or hide it with None."""
        if true_function is not None and not callable(true_function):
            raise TypeError(f"true_function must be a function x -> y or None, got {true_function!r}")
        values = np.nan if true_function is None else _values(
            "true_function(x_grid)", true_function(self.x_grid), len(self.x_grid), "one per x_grid point")
        self.truth.set_ydata(_finite_or_nan(np.broadcast_to(values, self.x_grid.shape)))
        self.truth.set_visible(true_function is not None)
        self.true_function = true_function
        self._rescale()

    def _rescale(self) -> None:
        shown = self._y + ([self.truth.get_ydata()] if self.truth.get_visible() else [])
        span = _span(shown, margin=0.1)
        if span is not None:
            low, high = self.ax.get_ylim()
            if not (self._hold and low <= span[0] and span[1] <= high):
                self.ax.set_ylim(span)
        _sync_legend(self, self.artists, loc="best")


class BoundaryView:
    """2-D classification: the class-probability field, train (filled) and validation (hollow) points."""

    def __init__(self, ax, *, n_classes, extent=(-2, 2, -2, 2), resolution=60):
        self.ax = ax
        self.resolution = r = check_int("resolution", resolution, min_value=10, max_value=400)
        if not isinstance(extent, (tuple, list, np.ndarray)) or len(extent) != 4:
            raise TypeError(f"extent must be (x_min, x_max, y_min, y_max), got {extent!r}")
        extent = [check_float(f"extent[{i}]", e) for i, e in enumerate(extent)]
        if extent[0] >= extent[1] or extent[2] >= extent[3]:
            raise ValueError(f"extent must be (x_min, x_max, y_min, y_max) with min < max, got {extent!r}")
        # alpha lightens the field so the points stand out, while the image data keeps pure class colours
        self.image = ax.imshow(np.ones((r, r, 3)), origin="lower", extent=extent, aspect="auto", alpha=0.45,
                               interpolation="bilinear", zorder=0)
        self.train = ax.scatter([], [], s=26, edgecolors="white", linewidths=0.6, zorder=3)
        self.val = ax.scatter([], [], s=30, facecolors="none", linewidths=1.4, zorder=3)
        self.artists = [self.image, self.train, self.val]
        proxies = [Line2D([], [], ls="", marker="o", color="0.3", label="train"),
                   Line2D([], [], ls="", marker="o", mfc="none", color="0.3", label="validation")]
        ax.legend(handles=proxies, loc="upper right", fontsize="small")
        ax.set(xlabel="x1", ylabel="x2")
        self.set_n_classes(n_classes)
        self._set_extent(extent)

    def grid_points(self) -> np.ndarray:
        """The (resolution**2, 2) points to predict on, row by row from the bottom (the image's order)."""
        return self._grid.copy()

    def set_n_classes(self, n_classes) -> None:
        """Switch task; the points and field are emptied: call set_data and set_probabilities next."""
        self.n_classes = check_int("n_classes", n_classes, min_value=2, max_value=len(PALETTE))
        self.colours = np.array([to_rgb(c) for c in PALETTE[:self.n_classes]])  # (C, 3)
        self.train.set_offsets(_EMPTY)
        self.val.set_offsets(_EMPTY)
        self.image.set_data(np.ones((self.resolution, self.resolution, 3)))

    def set_data(self, X_train, y_train, X_val=None, y_val=None) -> None:
        """Show points X (n, 2) coloured by label; the extent follows them, so call grid_points() after."""
        (X, y), val = _splits(X_train, y_train, X_val, y_val, 2)
        self.train.set_offsets(X)
        self.train.set_facecolor(self.colours[self._labels("y_train", y)])
        self.val.set_offsets(_EMPTY if val is None else val[0])
        if val is not None:  # hollow: the class is the edge's colour
            self.val.set_edgecolor(self.colours[self._labels("y_val", val[1])])
        shown = [X] if val is None else [X, val[0]]
        x_span, y_span = (_span([a[:, i] for a in shown], margin=0.1) for i in (0, 1))
        self._set_extent((*x_span, *y_span))

    def set_probabilities(self, probs) -> None:
        """Colour the field by ``probs`` (resolution**2, n_classes); rows with NaN or Inf show as uniform."""
        n, k = self.resolution**2, self.n_classes
        p = _to_numpy("probs", probs)
        if k == 2 and p.shape in ((n,), (n, 1)):  # binary: the probability of class 1
            p = np.column_stack([1 - p.reshape(n), p.reshape(n)])
        if p.shape != (n, k) or p.dtype.kind not in "biuf":
            raise ValueError(f"probs must be numbers of shape ({n}, {k}): one row per grid_points() row "
                             f"and one column per class, got shape {p.shape} of dtype {p.dtype}")
        p = p.astype(np.float64)  # a copy: the caller's array is not changed
        p[~np.isfinite(p).all(axis=1)] = 1.0 / k
        rgb = np.clip(np.clip(p, 0.0, 1.0) @ self.colours, 0.0, 1.0)  # (n, 3): probability-weighted colours
        self.image.set_data(rgb.reshape(self.resolution, self.resolution, 3))

    def _labels(self, name: str, y: np.ndarray) -> np.ndarray:
        if (y != np.round(y)).any() or y.min() < 0 or y.max() >= self.n_classes:
            raise ValueError(f"{name} must hold class labels 0..{self.n_classes - 1} (n_classes="
                             f"{self.n_classes}), got values like {np.unique(y)[:5].tolist()}")
        return y.astype(np.int64)

    def _set_extent(self, extent) -> None:
        self.extent = x0, x1, y0, y1 = tuple(float(e) for e in extent)
        self.image.set_extent(self.extent)
        self.ax.set(xlim=(x0, x1), ylim=(y0, y1))
        r = self.resolution
        xs, ys = x0 + (np.arange(r) + 0.5) * (x1 - x0) / r, y0 + (np.arange(r) + 0.5) * (y1 - y0) / r
        gx, gy = np.meshgrid(xs, ys)  # (r, r): row i at ys[i], the image's row i with origin="lower"
        self._grid = np.column_stack([gx.ravel(), gy.ravel()])


class LossView:
    """Train (solid) and validation (dashed) loss per epoch, and a goal line hidden until set.

    The y-limits grow in whole steps (decades on the log scale) and ``reset(epochs=n)`` fixes
    the x-axis to a run's length, so the limits stay put while a run draws its curves.
    """

    def __init__(self, ax, *, log_scale=True, ylabel="loss"):
        if not isinstance(ylabel, str):
            raise TypeError(f"ylabel must be a string, got {ylabel!r}")
        self.ax, self.ylabel, self.epochs = ax, ylabel, None
        (self.train,) = ax.plot([], [], color=TRAIN, lw=2, label="train")
        (self.val,) = ax.plot([], [], color=VAL, lw=2, ls="--", label="validation", visible=False)
        self.goal = ax.axhline(1.0, color="0.3", lw=1, ls=":", label="goal", visible=False)
        self.artists = [self.train, self.val, self.goal]
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator("auto", steps=[1, 2, 5, 10], integer=True))  # no epoch 2.5
        self.set_log_scale(log_scale)

    def update(self, train_loss, val_loss=None) -> None:
        """Show the losses so far (epoch 0 first); NaN or Inf leave a gap, limits follow the finite values."""
        train = _values("train_loss", train_loss)
        self.train.set_data(np.arange(len(train)), _finite_or_nan(train))
        val = np.empty(0) if val_loss is None else _values("val_loss", val_loss)
        self.val.set_data(np.arange(len(val)), _finite_or_nan(val))
        self.val.set_visible(len(val) > 0)  # History.val_loss is [] when there is no validation set
        self._rescale()

    def set_log_scale(self, flag) -> None:
        self.log_scale = check_bool("log_scale", flag)
        self._kept = None  # limits of the other scale mean nothing here
        # "mask": a zero or negative loss is left out on a log axis, not drawn as a plunge to the bottom
        if self.log_scale:
            self.ax.set_yscale("log", nonpositive="mask")
        else:
            self.ax.set_yscale("linear")
        self.ax.set_ylabel(f"{self.ylabel} (log scale)" if self.log_scale else self.ylabel)
        self._rescale()

    def set_goal(self, value) -> None:
        """Draw a horizontal goal at ``value``, or hide it with None."""
        if value is not None:
            self.goal.set_ydata([check_float("goal", value)] * 2)
        self.goal.set_visible(value is not None)
        self._rescale()

    def reset(self, epochs=None, *, keep_limits=False) -> None:
        """Empty both curves (the goal stays) for a new run; ``epochs``, its length, fixes the x-axis.

        ``keep_limits=True`` keeps the y-limits (they only grow during the run) and the legend, so
        that a run like the last one can start without a full redraw (see Blitter).
        """
        self.epochs = None if epochs is None else check_int("epochs", epochs, min_value=1)
        self._kept = self.ax.get_ylim() if check_bool("keep_limits", keep_limits) else None
        if keep_limits:
            self.train.set_data([], [])
            self.val.set_data([], [])
            self._rescale()
        else:
            self.update([], None)

    def _rescale(self) -> None:
        shown_epochs = max(len(self.train.get_xdata()), len(self.val.get_xdata()))
        self.ax.set_xlim(0, max(shown_epochs, self.epochs or 1))
        shown = [line.get_ydata() for line in self.artists if line.get_visible()]
        span = _steady_span(shown, log=self.log_scale)
        kept = getattr(self, "_kept", None)
        if kept is not None:
            span = kept if span is None else (min(span[0], kept[0]), max(span[1], kept[1]))
        if span is not None:
            self.ax.set_ylim(span)
        _sync_legend(self, self.artists, loc="upper right")


class Banner:
    """One line of diagnosis text, on a figure (top left) or an axes (its left title)."""

    def __init__(self, fig_or_ax):
        if isinstance(fig_or_ax, Axes):
            self.text = fig_or_ax.set_title("", loc="left", fontsize=11)
        elif isinstance(fig_or_ax, FigureBase):  # suptitle: constrained layout leaves room for it
            self.text = fig_or_ax.suptitle("", x=0.01, ha="left", fontsize=11)
        else:
            raise TypeError(f"fig_or_ax must be a matplotlib Figure or Axes, got {type(fig_or_ax).__name__}")
        self.level = "info"

    def set(self, text, *, level="info") -> None:
        """Show ``text`` in the colour and weight of ``level``: "info", "good", "warning" or "error"."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, got {text!r}")
        self.level = check_choice("level", level, LEVELS)
        colour, weight = LEVELS[self.level]
        self.text.set_text(text)
        self.text.set(color=colour, fontweight=weight)


class BiasVarianceView:
    """A capacity sweep: bias², variance, noise and test error against the swept value."""

    def __init__(self, ax):
        self.ax = ax
        style = {"lw": 2, "marker": "o", "ms": 4}
        (self.bias_squared,) = ax.plot([], [], color=PALETTE[0], label="bias²", **style)
        (self.variance,) = ax.plot([], [], color=PALETTE[1], label="variance", **style)
        (self.noise,) = ax.plot([], [], color="0.45", ls=":", lw=1.5, label="noise")
        (self.test_error,) = ax.plot([], [], color="black", label="test error", **style)
        self.artists = [self.bias_squared, self.variance, self.noise, self.test_error]
        ax.set_ylabel("squared error")
        ax.legend(handles=self.artists, fontsize="small", loc="upper center")

    def update(self, values, bias_squared, variance, noise, test_error, *, xlabel="value", log_x=False):
        """One entry per value (``noise`` may be one number); NaN (diverged) leaves a gap.

        ``log_x`` puts values on a log axis, symmetric-log when 0 is among them (weight_decay=0).
        """
        x, log_x = _values("values", values), check_bool("log_x", log_x)
        if not np.isfinite(x).all() or (log_x and not (x != 0).any()):
            raise ValueError(f"values must be finite{' and not all 0 (log_x=True)' if log_x else ''}, "
                             f"got {x.tolist()}")
        if isinstance(noise, numbers.Real):
            noise = np.full(len(x), check_float("noise", noise))
        parts = {"bias_squared": bias_squared, "variance": variance, "noise": noise, "test_error": test_error}
        for line, (name, part) in zip(self.artists, parts.items(), strict=True):
            line.set_data(x, _values(name, part, len(x), "one per value in values"))
        if not log_x:
            self.ax.set_xscale("linear")
        elif (x > 0).all():
            self.ax.set_xscale("log")
        else:  # linear within the smallest non-zero |value| of 0, logarithmic beyond
            self.ax.set_xscale("symlog", linthresh=float(np.abs(x[x != 0]).min()))
        if log_x:  # labels at 1, 10, 100 only: "2x10^0 3x10^0 ..." crowds the axis
            self.ax.xaxis.set_minor_formatter(NullFormatter())
        self.ax.set_xlabel(str(xlabel))
        self.ax.relim()
        self.ax.autoscale_view()


# ---------------------------------------------------------------- drawing a frame

class EnsembleView:
    """K models' curves over a 1-D input, with the truth and the models' mean: bias and variance to see.

    The K thin lines are created once; :meth:`update` changes their data. Where the
    thin lines fan out, the models disagree (variance); where their mean (thick) leaves
    the truth (dashed), they agree on the wrong answer (bias).
    """

    def __init__(self, ax, *, n_models):
        self.ax = ax
        self.n_models = check_int("n_models", n_models, min_value=1)
        self.models = [ax.plot([], [], color=PALETTE[5], lw=0.8, alpha=0.6)[0] for _ in range(self.n_models)]
        (self.mean,) = ax.plot([], [], color=MODEL, lw=2.2, label="mean of the models")
        (self.truth,) = ax.plot([], [], color=TRUTH, lw=1.5, ls="--", label="true function")
        handles = [Line2D([], [], color=PALETTE[5], lw=0.8, label=f"{self.n_models} models"), self.mean,
                   self.truth]
        ax.legend(handles=handles, fontsize="small", loc="upper right")
        self.artists = [*self.models, self.mean, self.truth]

    def update(self, x, predictions, truth=None, *, title="") -> None:
        """``predictions`` (K, len(x)): one curve per model; ``truth`` the noise-free f(x), if known."""
        x = _values("x", x)
        curves = np.asarray(_to_numpy("predictions", predictions), dtype=float)
        if curves.shape != (self.n_models, len(x)):
            raise ValueError(f"predictions must have shape (n_models, len(x)) = ({self.n_models}, {len(x)}), "
                             f"got {curves.shape}")
        for line, curve in zip(self.models, curves, strict=True):
            line.set_data(x, _finite_or_nan(curve))
        self.mean.set_data(x, _finite_or_nan(curves.mean(axis=0)))
        if truth is None:
            self.truth.set_data([], [])
        else:
            self.truth.set_data(x, _values("truth", truth, len(x)))
        self.ax.set_title(str(title), fontsize="medium")
        self.ax.relim()
        self.ax.autoscale_view()
