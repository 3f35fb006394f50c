"""Plots that update in place: fits, decision boundaries, loss curves, a diagnosis banner.

The rule: a view creates its artists once, in ``__init__``; afterwards only their data
changes (``set_data``, ``set_offsets``, colours, an image's ``set_data``, ``set_text``).
Nothing here clears an axes or plots again. Why: redrawing by ``clear_output`` +
``display`` lays everything out again and costs some twenty times a blitted in-place
frame (``benchmarks/bench_live.py``), flickers, and wipes the cell's other output.

Views only mutate artists and never draw: a panel updates its views, then shows the
figure once, either with a full draw (:func:`request_draw`) or, where only a model's curve
and the losses changed, with a :class:`labkit.viz.blitting.Blitter`, which redraws just those artists over a
saved picture of the rest. How frames reach the browser is the panel's business: an
ipympl canvas in JupyterLab, or a PNG in a core ``ipywidgets.Image`` where ipympl's
front-end extension is missing (e.g. Colab). Nothing here knows about widgets.

Views take an ``ax`` and leave pyplot's state alone. The one-call ``plot_*`` functions,
for use without a panel, live in :mod:`labkit.viz.figures`; the sweep views in
:mod:`labkit.viz.sweeps`.
Colours are Okabe and Ito's, distinct under the common colour-vision deficiencies;
train and validation points also differ by marker, and the banner's levels by weight.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import FigureBase
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from labkit.arguments import check_bool, check_choice, check_float, check_int, to_numpy
from labkit.viz.palette import LEVELS, MODEL, PALETTE, TRAIN, TRUTH, VAL
from labkit.viz.scales import as_splits, as_values, check_axes, check_figure, finite_or_nan, span, steady_span

__all__ = ["FitView", "BoundaryView", "LossView", "Banner", "request_draw"]

_EMPTY = np.empty((0, 2))


def request_draw(fig) -> None:
    """Ask ``fig``'s canvas to redraw when idle: the one call a panel may replace to pace its frames."""
    check_figure("fig", fig).canvas.draw_idle()


def _sync_legend(view, handles, **kwargs) -> None:
    """Rebuild the legend only when which artists are shown changes, not on every update."""
    shown = tuple(h for h in handles if h.get_visible())
    if shown != getattr(view, "_legend_for", None):
        view._legend_for = shown
        view.ax.legend(handles=list(shown), fontsize="small", **kwargs)


# ---------------------------------------------------------------- views

class FitView:
    """1-D regression: train points, validation points, the model's curve over ``x_grid`` and the truth."""

    def __init__(self, ax, *, x_grid, true_function=None):
        ax = check_axes("ax", ax)
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
        grid = as_values("x_grid", x_grid)
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
        splits = as_splits(X_train, y_train, X_val, y_val, 1)
        for scatter, split in zip((self.train, self.val), splits, strict=True):
            scatter.set_offsets(_EMPTY if split is None else np.column_stack([split[0][:, 0], split[1]]))
            scatter.set_visible(split is not None)
        self._y = [split[1] for split in splits if split is not None]
        self._rescale()

    def set_prediction(self, y_pred) -> None:
        """Show the model's values at ``x_grid``; NaN or Inf (a diverged model) leave gaps in the line."""
        y_pred = as_values("y_pred", y_pred, len(self.x_grid), "one per x_grid point")
        self.prediction.set_ydata(finite_or_nan(y_pred))

    def set_true_function(self, true_function) -> None:
        """Draw ``true_function`` (x (G,) -> y (G,)) as a dashed line, or hide it with None."""
        if true_function is not None and not callable(true_function):
            raise TypeError(f"true_function must be a function x -> y or None, got {true_function!r}")
        values = np.nan if true_function is None else as_values(
            "true_function(x_grid)", true_function(self.x_grid), len(self.x_grid), "one per x_grid point")
        self.truth.set_ydata(finite_or_nan(np.broadcast_to(values, self.x_grid.shape)))
        self.truth.set_visible(true_function is not None)
        self.true_function = true_function
        self._rescale()

    def _rescale(self) -> None:
        shown = self._y + ([self.truth.get_ydata()] if self.truth.get_visible() else [])
        limits = span(shown, margin=0.1)
        if limits is not None:
            low, high = self.ax.get_ylim()
            if not (self._hold and low <= limits[0] and limits[1] <= high):
                self.ax.set_ylim(limits)
        # two short rows rather than four tall ones, in a fixed corner: "best" moved the legend as the
        # model's curve moved, so a blitted frame (legend in the saved background) differed from a full
        # draw. A figure of several fits shows one legend for all (Lab 01); above the axes it collided
        # with the playground's title
        _sync_legend(self, self.artists, loc="upper left", ncol=2, columnspacing=1.0)


class BoundaryView:
    """2-D classification: the class-probability field, train (filled) and validation (hollow) points."""

    def __init__(self, ax, *, n_classes, extent=(-2, 2, -2, 2), resolution=60):
        self.ax = ax = check_axes("ax", ax)
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
        (X, y), val = as_splits(X_train, y_train, X_val, y_val, 2)
        self.train.set_offsets(X)
        self.train.set_facecolor(self.colours[self._labels("y_train", y)])
        self.val.set_offsets(_EMPTY if val is None else val[0])
        if val is not None:  # hollow: the class is the edge's colour
            self.val.set_edgecolor(self.colours[self._labels("y_val", val[1])])
        shown = [X] if val is None else [X, val[0]]
        x_span, y_span = (span([a[:, i] for a in shown], margin=0.1) for i in (0, 1))
        self._set_extent((*x_span, *y_span))

    def set_probabilities(self, probs) -> None:
        """Colour the field by ``probs`` (resolution**2, n_classes); rows with NaN or Inf show as uniform."""
        n, k = self.resolution**2, self.n_classes
        p = to_numpy("probs", probs)
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
    ``train_label`` names the training curve: a training loop's curve is usually the loss
    averaged over each epoch in training mode (dropout on, weights still moving), which
    can sit above the validation curve. With ``mark_final_train=True`` the legend lists a
    marker that :meth:`set_final_train` places at the training loss measured after training,
    in eval mode, so both can be seen side by side. The entry is listed from the start, so
    that the legend, and a blitted picture's background, do not change when it appears.
    """

    def __init__(self, ax, *, log_scale=True, ylabel="loss", train_label="train", mark_final_train=False):
        if not isinstance(ylabel, str):
            raise TypeError(f"ylabel must be a string, got {ylabel!r}")
        if not isinstance(train_label, str):
            raise TypeError(f"train_label must be a string, got {train_label!r}")
        ax = check_axes("ax", ax)
        self.ax, self.ylabel, self.epochs = ax, ylabel, None
        (self.train,) = ax.plot([], [], color=TRAIN, lw=2, label=train_label)
        (self.val,) = ax.plot([], [], color=VAL, lw=2, ls="--", label="validation", visible=False)
        self.goal = ax.axhline(1.0, color="0.3", lw=1, ls=":", label="goal", visible=False)
        (self.final_train,) = ax.plot([], [], ls="", marker="D", ms=7, color=TRAIN, markeredgecolor="white",
                                      label="train, after training (eval mode)", zorder=4,
                                      visible=check_bool("mark_final_train", mark_final_train))
        self.artists = [self.train, self.val, self.goal, self.final_train]
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator("auto", steps=[1, 2, 5, 10], integer=True))  # no epoch 2.5
        self.set_log_scale(log_scale)

    def update(self, train_loss, val_loss=None) -> None:
        """Show the losses so far (epoch 0 first); NaN or Inf leave a gap, limits follow the finite values."""
        train = as_values("train_loss", train_loss)
        self.train.set_data(np.arange(len(train)), finite_or_nan(train))
        val = np.empty(0) if val_loss is None else as_values("val_loss", val_loss)
        self.val.set_data(np.arange(len(val)), finite_or_nan(val))
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

    def set_final_train(self, loss) -> None:
        """Mark ``loss``, the training loss in eval mode after the run, at the last epoch; None hides it."""
        if loss is None:
            self.final_train.set_data([], [])
        else:
            self.final_train.set_data([max(len(self.train.get_xdata()) - 1, 0)], [check_float("loss", loss)])
        self._rescale()

    def reset(self, epochs=None, *, keep_limits=False) -> None:
        """Empty both curves (the goal stays) for a new run; ``epochs``, its length, fixes the x-axis.

        ``keep_limits=True`` keeps the y-limits (they only grow during the run) and the legend, so
        that a run like the last one can start without a full redraw (see Blitter).
        """
        self.epochs = None if epochs is None else check_int("epochs", epochs, min_value=1)
        self._kept = self.ax.get_ylim() if check_bool("keep_limits", keep_limits) else None
        self.final_train.set_data([], [])
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
        span = steady_span(shown, log=self.log_scale)
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
