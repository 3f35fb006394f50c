"""Early stopping, live: slide the patience, see where training stops and which weights come back.

:class:`EarlyStoppingPanel` trains the regularization lab's overfitting network once, for all its
epochs, and then replays :func:`labkit.train.fit`'s stopping rule for any patience
(:func:`labkit.regularization.early_stopping.patience_outcome`): the validation curve, the best
epoch (the weights a restoring stop gives back), the stop, the epochs never trained, and the
validation error of the restored weights against the last ones. A slider change costs no
training, so it answers at once. Lusch: "use early stopping almost universally"; many tools stop
but keep the last weights unless told to restore the best (Keras' ``restore_best_weights``).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from labkit.arguments import check_int
from labkit.panels.base import LivePanel, new_figure
from labkit.regularization.early_stopping import patience_outcome
from labkit.regularization.setup import OverfitSetup, train_run
from labkit.viz.layout import COLUMN_INCHES, legend_outside
from labkit.viz.palette import PALETTE, TRAIN, VAL

__all__ = ["EarlyStoppingPanel"]


class EarlyStoppingPanel(LivePanel):
    """A patience slider over one recorded run: where the stop falls and what it gives back.

    ``setup``: an :class:`~labkit.regularization.setup.OverfitSetup` (Lab 07's); it trains once
    here, without early stopping, for ``setup.epochs`` epochs. ``patience``: the slider's start.
    ``result`` is the latest :class:`~labkit.regularization.early_stopping.PatienceOutcome`;
    ``run`` the recorded :class:`~labkit.regularization.setup.RegRun`. Raises TypeError for a
    setup of the wrong kind, ValueError for a patience outside 1..setup.epochs.
    """

    _busy_text = "Replaying the stopping rule..."

    def __init__(self, setup: OverfitSetup, *, patience: int = 20):
        if not isinstance(setup, OverfitSetup):
            raise TypeError(f"setup must be an OverfitSetup (from overfit_setup), got {type(setup).__name__}")
        patience = check_int("patience", patience, min_value=1, max_value=setup.epochs)
        self.run = train_run(setup, label="no early stopping")
        history = self.run.history
        self._val_loss, self._val_error = np.array(history.val_loss), 1 - np.array(history.val_metric)
        self.controls = {"patience": widgets.IntSlider(value=patience, min=1, max=setup.epochs,
                                                       description="patience", continuous_update=False,
                                                       style={"description_width": "80px"})}
        self.figure, self._screen = new_figure((COLUMN_INCHES, 3.2))
        self.figure.set_layout_engine("constrained")  # room for the tick labels and the legend outside
        self._build(self.figure.add_subplot(1, 1, 1), np.array(history.train_loss))
        self._start()

    def _build(self, ax, train_loss) -> None:
        epochs = np.arange(len(self._val_loss))
        ax.plot(epochs, train_loss, color=TRAIN, label="train (recorded)")
        ax.plot(epochs, self._val_loss, color=VAL, label="validation")
        # x in epochs, y in axes fractions: the band spans the height without stretching the y range
        self.unrun = Rectangle((0, 0), 0, 1, transform=ax.get_xaxis_transform(), color="0.85", zorder=0,
                               label="never trained")
        ax.add_patch(self.unrun)
        self.best_line = ax.axvline(0, color="k", ls=":", lw=1)
        (self.best_marker,) = ax.plot([], [], "*", ms=13, color=PALETTE[2], mec="k",
                                      label="given back (best)")
        (self.last_marker,) = ax.plot([], [], "X", ms=9, color=PALETTE[3], label="last weights")
        ax.set(yscale="log", xlabel="epoch", ylabel="cross-entropy", xlim=(-1, len(epochs)))  # markers whole
        self.title = ax.set_title("", fontsize="small")  # changes with every patience, even past the end
        legend_outside(ax)

    def _compute(self, values: dict):
        return patience_outcome(self._val_loss, self._val_error, values["patience"])

    def _show(self, outcome, values: dict) -> None:
        end = len(self._val_loss) - 1
        self.unrun.set_x(outcome.stopped_epoch)
        self.unrun.set_width(end - outcome.stopped_epoch if outcome.stopped else 0)
        self.best_line.set_xdata([outcome.best_epoch, outcome.best_epoch])
        self.best_marker.set_data([outcome.best_epoch], [self._val_loss[outcome.best_epoch]])
        self.last_marker.set_data([outcome.stopped_epoch], [self._val_loss[outcome.stopped_epoch]])
        end = f"stops after epoch {outcome.stopped_epoch}" if outcome.stopped else "never stops early"
        self.title.set_text(f"patience {outcome.patience}: {end}, gives back epoch {outcome.best_epoch}")

    def _describe(self, outcome) -> str:
        return str(outcome)
