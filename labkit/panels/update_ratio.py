"""A live panel on what to watch while training: the update-to-weight ratio per layer (CS231n's ~1e-3).

A log-scale learning-rate slider and an optimizer menu over
:func:`labkit.optimization.update_ratio.iter_watch`, drawn by
:class:`labkit.viz.update_ratio.UpdateRatioView`. It follows
:class:`labkit.panels.gradient_flow.MonitorPanel`: the run is a generator that yields after
every epoch, so a newer setting takes over at once; frames follow :attr:`LivePanel.clock`;
the status line ends with the run's verdict ("update/weight about 3e-4: the rate looks low").
"""

from __future__ import annotations

import html
import math

import ipywidgets as widgets
import numpy as np

from labkit.arguments import check_choice, check_float, check_int
from labkit.data import make_sine
from labkit.optimization.update_ratio import iter_watch
from labkit.panels.base import LivePanel, new_figure
from labkit.viz.layout import COLUMN_INCHES
from labkit.viz.update_ratio import UpdateRatioView

__all__ = ["UpdateRatioPanel", "PANEL_OPTIMIZERS"]

PANEL_OPTIMIZERS = ("sgd", "momentum", "adam")
_FRAME_EVERY_S = 0.25  # seconds of LivePanel.clock between frames while training
_LR_RANGE = (1e-4, 3.0)


class UpdateRatioPanel(LivePanel):
    """A learning-rate slider (log scale) and an optimizer menu; each change trains an MLP on a noisy sine
    and draws ||dW|| / ||W|| per layer per step, live, against the 1e-3 band.

    ``UpdateRatioPanel(lr=0.01, optimizer="adam")`` starts there; ``panel.result`` is the
    :class:`UpdateRatioRun` of the latest finished run. ``data`` = (X, y) replaces the sine.
    """

    _busy_text = "Training..."

    def __init__(self, *, lr=0.05, optimizer="sgd", epochs=20, batch_size=32, width=32, depth=2,
                 data=None, random_state=0):
        lr = check_float("lr", lr, min_value=_LR_RANGE[0], max_value=_LR_RANGE[1])
        optimizer = check_choice("optimizer", optimizer, PANEL_OPTIMIZERS)
        self.options = {"epochs": check_int("epochs", epochs, min_value=1, max_value=1000),
                        "batch_size": check_int("batch_size", batch_size, min_value=1),
                        "width": check_int("width", width, min_value=1, max_value=512),
                        "depth": check_int("depth", depth, min_value=1, max_value=8),
                        "random_state": random_state}
        self.data = make_sine(200, noise=0.1, random_state=0) if data is None else data
        iter_watch(self.data, lr=lr, optimizer=optimizer, **self.options)  # checks data and the rest now
        self.controls = {
            "lr": widgets.FloatLogSlider(value=lr, base=10, min=math.log10(_LR_RANGE[0]),
                                         max=math.log10(_LR_RANGE[1]), step=0.25, description="learning rate",
                                         readout_format=".2g", continuous_update=False,
                                         style={"description_width": "96px"}),
            "optimizer": widgets.Dropdown(options=list(PANEL_OPTIMIZERS), value=optimizer,
                                          description="optimizer", layout=widgets.Layout(width="200px")),
        }
        self.figure, self._screen = new_figure((COLUMN_INCHES, 3.6))
        self.view = UpdateRatioView(self.figure, layer_names=[f"layer {i + 1}" for i in range(depth + 1)])
        self._start()

    def _run(self, generation: int):
        """One run as a generator: each ``yield`` (after an epoch) is where a newer run may take over."""
        values = self.state()
        last_frame, run = -np.inf, None
        for run in iter_watch(self.data, lr=values["lr"], optimizer=values["optimizer"], **self.options):
            if generation != self._generation:
                return
            if run.done or self.clock() - last_frame >= _FRAME_EVERY_S:
                self.view.show(run)
                self._render()
                last_frame = self.clock()
                if not run.done:
                    done = run.history.epochs_run
                    self.status.value = html.escape(f"Training: epoch {done} of {run.epochs}")
                    self._show_progress(done / run.epochs)
            yield
        self.result, self.last_error = run, None
        self.runs += 1
        self.status.value = html.escape(f"{run.summary()} ({run.history.seconds:.2f} s)")
