"""Live panels of the regularization lab: a 2-D playground of regularizers, and adding them back one by one.

- :class:`RegularizedBoundaryPanel`: TensorFlow-Playground style, on 2-D classification
  (two moons): sliders for L1 and L2 strength (log scale), dropout, input noise and training
  size; the decision boundary and each layer's mean weight magnitude move as you slide,
  train and validation error in the status line (:func:`labkit.regularization.boundary.
  regularized_boundary`). Smilkov and Carter's TensorFlow Playground showed the same
  controls; the point here is to watch the weights shrink as the boundary smooths.
- :class:`AddBackPanel`: the Cross Validated answer's advice, "switch all regularization
  off, then add it back one piece at a time": a checkbox per regularizer of
  :data:`labkit.regularization.comparisons.PIECES`, the run's loss curves, its regime as a
  banner, and the table of every combination tried so far (runs are cached by their set of
  pieces, so going back to one costs nothing).

Both are :class:`labkit.panels.base.LivePanel` s: artists made once and updated in place,
errors shown in the status line.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from labkit.arguments import check_float, check_int
from labkit.data import make_dataset
from labkit.panels.base import LivePanel, new_figure, options_with
from labkit.regularization.boundary import regularized_boundary
from labkit.regularization.comparisons import PIECES, ablation_run, ablation_table
from labkit.regularization.setup import OverfitSetup, overfit_setup
from labkit.viz.layout import COLUMN_INCHES
from labkit.viz.palette import PALETTE, TRAIN, VAL
from labkit.viz.views import Banner, BoundaryView, LossView

__all__ = ["RegularizedBoundaryPanel", "AddBackPanel", "L1_STRENGTHS", "L2_STRENGTHS", "PIECE_LABELS",
           "panel_setup"]

L1_STRENGTHS = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 3e-2, 1e-1)  # slider stops: 0 (off), then a log scale
L2_STRENGTHS = (0.0, 1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
_STYLE = {"description_width": "80px"}
_LAYER_NAMES = ("input", "hidden", "output")


def _strength_slider(name: str, stops, value) -> widgets.SelectionSlider:
    stops = options_with(stops, value)
    return widgets.SelectionSlider(options=[("0" if s == 0 else f"{s:.0e}", s) for s in stops], value=value,
                                   description=name, continuous_update=False, style=_STYLE)


class RegularizedBoundaryPanel(LivePanel):
    """Slide L1, L2, dropout, input noise and training size; see the boundary and the weights follow.

    The data: ``n_samples`` two-moons points with ``noise`` (:func:`labkit.data.make_dataset`);
    the first ``n_train`` train the network, the rest validate. ``epochs``, ``width`` and
    ``grid`` size each fit (the defaults recompute in about half a second on one core).
    ``result`` holds the latest :class:`labkit.regularization.boundary.Boundary`.
    Raises ValueError/TypeError naming a bad argument.
    """

    _busy_text = "Training..."

    def __init__(self, *, l1=0.0, l2=0.0, dropout=0.0, input_noise=0.0, n_train=60, n_samples=300,
                 noise=0.3, width=32, epochs=150, grid=40, random_state=0):
        self.n_samples = check_int("n_samples", n_samples, min_value=40, max_value=5000)
        most = 10 * (2 * self.n_samples // 30)  # a third or more of the points stay for validation
        n_train = check_int("n_train", n_train, min_value=10, max_value=most)
        self.options = {"width": check_int("width", width, min_value=1, max_value=512),
                        "epochs": check_int("epochs", epochs, min_value=1, max_value=5000),
                        "grid": check_int("grid", grid, min_value=10, max_value=200),
                        "random_state": random_state}
        noise = check_float("noise", noise, min_value=0.0)
        dropout = check_float("dropout", dropout, min_value=0.0, max_value=0.9)
        input_noise = check_float("input_noise", input_noise, min_value=0.0, max_value=1.0)
        self.X, self.y = make_dataset("moons", self.n_samples, noise=noise, random_state=random_state)
        self.controls = {
            "l1": _strength_slider("L1", L1_STRENGTHS, check_float("l1", l1, min_value=0.0)),
            "l2": _strength_slider("L2", L2_STRENGTHS, check_float("l2", l2, min_value=0.0)),
            "dropout": widgets.FloatSlider(value=dropout, min=0.0, max=0.9, step=0.1, description="dropout",
                                           continuous_update=False, style=_STYLE),
            "noise": widgets.FloatSlider(value=input_noise, min=0.0, max=1.0, step=0.05,
                                         description="input noise", continuous_update=False, style=_STYLE),
            "n_train": widgets.IntSlider(value=n_train, min=10, max=most, step=10,
                                         description="train size", continuous_update=False, style=_STYLE),
        }
        self.figure, self._screen = new_figure((COLUMN_INCHES, 3.6))
        left, right = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1.0]})
        self.figure.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.35)
        self.view = BoundaryView(left, n_classes=2, resolution=self.options["grid"])
        self._build_weights(right)
        self._start()

    def _build_weights(self, ax) -> None:
        """Bars of each layer's mean |w| on a fixed log axis, and the share of |w| < 1e-3 above each."""
        self.weights_ax = ax
        self.bars = ax.bar(range(3), [1e-4] * 3, color=[PALETTE[0], PALETTE[2], PALETTE[4]])
        self.zero_labels = [ax.text(i, 1.0, "", ha="center", va="bottom", fontsize="small") for i in range(3)]
        ax.set(yscale="log", ylim=(1e-5, 3.0), ylabel="mean |w| of the layer", title="weights")
        ax.set_xticks(range(3), _LAYER_NAMES)

    def _compute(self, values: dict):
        return regularized_boundary(self.X, self.y, **values, **self.options)

    def _show(self, result, values: dict) -> None:
        n = result.n_train
        self.view.set_data(self.X[:n], self.y[:n], self.X[n:], self.y[n:])
        self.view.image.set_extent((result.xs[0], result.xs[-1], result.ys[0], result.ys[-1]))
        self.view.ax.set(xlim=(result.xs[0], result.xs[-1]), ylim=(result.ys[0], result.ys[-1]))
        self.view.set_probabilities(result.proba.reshape(-1))  # (G*G,): P(class 1), row i at ys[i]
        for bar, magnitude in zip(self.bars, result.layer_magnitude, strict=True):
            bar.set_height(max(float(magnitude), 1.1e-5))  # a zeroed layer stays visible at the floor
        for label, w, bar in zip(self.zero_labels, result.weights, self.bars, strict=True):
            label.set_text(f"{100 * (w < 1e-3).mean():.0f}% ~0")
            label.set_y(bar.get_height() * 1.15)
        errors = f"train {100 * result.train_error:.0f}% / val {100 * result.val_error:.0f}% error"
        self.view.ax.set_title(errors, loc="left", fontsize="medium")

    def _describe(self, result) -> str:
        layers = ", ".join(f"{n} {m:.3g}" for n, m in zip(_LAYER_NAMES, result.layer_magnitude, strict=True))
        return (f"train error {100 * result.train_error:.1f}% on {result.n_train} points, val error "
                f"{100 * result.val_error:.1f}% on {self.n_samples - result.n_train}; mean |w|: {layers}")


# ---------------------------------------------------------------- add it back, one piece at a time

PIECE_LABELS = {"l2": "L2 1e-2", "l1": "L1 1e-4", "dropout": "dropout 0.3", "early_stopping": "early stop 20",
                "augmentation": "augmentation", "batch_norm": "batch norm"}
_REGIME_LEVELS = {"good": "good", "overfitting": "warning", "underfitting": "error"}


def panel_setup(*, random_state=0) -> OverfitSetup:
    """The add-back panel's quick set-up: Lab 07's 150 digits with 20% wrong labels, a 64-wide MLP,
    80 epochs at Adam's rate 5e-3 (about a second a run on one core), 300 validation digits."""
    return overfit_setup(n_val=300, width=64, epochs=80, lr=5e-3, label_noise=0.2, random_state=random_state)


class AddBackPanel(LivePanel):
    """A checkbox per regularizer; each combination trains once (cached), its curves and regime shown.

    ``setup`` is an :class:`~labkit.regularization.setup.OverfitSetup` (default
    :func:`panel_setup`); ``pieces`` the regularizers on at the start (keys of ``PIECES``).
    ``result`` is the latest :class:`~labkit.regularization.comparisons.AblationRow`;
    ``tried`` lists every row so far, in the order first tried. The regime rule is
    :func:`labkit.regularization.comparisons.regime` with the training-error target at the
    label noise + 5 points: wrong labels cannot be fitted without memorizing them.
    """

    _busy_text = "Training with these pieces..."

    def __init__(self, setup: OverfitSetup | None = None, *, pieces=()):
        if setup is not None and not isinstance(setup, OverfitSetup):
            raise TypeError(f"setup must be an OverfitSetup (from overfit_setup) or None, got "
                            f"{type(setup).__name__}")
        self.setup = panel_setup() if setup is None else setup
        pieces = (pieces,) if isinstance(pieces, str) else tuple(pieces)
        unknown = [p for p in pieces if p not in PIECES]
        if unknown:
            raise ValueError(f"pieces must name regularizers among {', '.join(map(repr, PIECES))}; got "
                             f"{unknown[0]!r}")
        self.cache, self.tried = {}, []
        self.controls = {name: widgets.Checkbox(value=name in pieces, description=PIECE_LABELS[name],
                                                indent=False, layout=widgets.Layout(width="130px"))
                         for name in PIECES}
        self.table = widgets.HTML()
        self.figure, self._screen = new_figure((COLUMN_INCHES, 3.2))
        ax = self.figure.add_subplot(1, 1, 1)
        self.figure.subplots_adjust(left=0.1, right=0.98, bottom=0.15, top=0.86)
        self.curves = LossView(ax, ylabel="cross-entropy", train_label="train (recorded, noisy labels)")
        self.banner = Banner(ax)
        self._start(extra=(self.table,))

    def run_for(self, pieces) -> object:
        """The :class:`AblationRow` for ``pieces`` (any order), trained once and then cached."""
        key = tuple(name for name in PIECES if name in set(pieces))  # PIECES' order: one key per set
        if key not in self.cache:
            self.cache[key] = ablation_run(self.setup, pieces=key)
            self.tried.append(self.cache[key])
        return self.cache[key]

    def _compute(self, values: dict):
        return self.run_for([name for name, on in values.items() if on])

    def _show(self, row, values: dict) -> None:
        history = row.run.history
        self.curves.reset(epochs=self.setup.epochs)
        self.curves.update(history.train_loss, history.val_loss)
        self.curves.train.set_color(TRAIN)
        self.curves.val.set_color(VAL)
        self.banner.set(f"{row.regime}: train {100 * row.run.train_error:.1f}%, val "
                        f"{100 * row.run.val_error:.1f}% error ({row.run.label})",
                        level=_REGIME_LEVELS.get(row.regime, "info"))
        self.table.value = f"<pre>{html.escape(ablation_table(self.tried))}</pre>"

    def _describe(self, row) -> str:
        return (f"{len(self.tried)} combinations tried; this one: {row.run.label} "
                f"(train error on noisy labels, val on clean ones)")

