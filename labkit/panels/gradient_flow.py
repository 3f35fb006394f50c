"""A live panel on gradient flow: controls for activation, initialization, batch norm, residual links and
depth over :func:`labkit.gradients.gradient_flow.iter_measure`, drawn by
:class:`labkit.viz.gradient_flow.GradientFlowView`.

The panel follows the rules of :class:`labkit.panels.playground.Playground` (see that module's
docstring): all matplotlib work on the kernel's main thread; a change bumps a generation
counter and schedules the work as an asyncio task one loop turn later, so a burst of
changes runs only the last one, and a superseded run stops at its next training step
(without a running loop, as in a script or a test, it runs at once); an exception in a
callback is shown in the status line and kept in ``last_error``; ``close()`` removes the
hooks and frees the figure.
"""

from __future__ import annotations

import dataclasses
import html

import ipywidgets as widgets
import numpy as np

from labkit.arguments import check_float, check_int
from labkit.gradients.gradient_flow import (
    ACTIVATION_CHOICES,
    INIT_CHOICES,
    MAX_DEPTH,
    NetSettings,
    iter_measure,
    reference_norms,
)
from labkit.panels.base import LivePanel, new_figure
from labkit.viz.gradient_flow import GradientFlowView
from labkit.viz.layout import COLUMN_INCHES

__all__ = ["MonitorPanel"]

_FRAME_EVERY_S = 0.25  # seconds of LivePanel.clock between frames while training


class MonitorPanel(LivePanel):
    """Controls for activation, initialization, batch norm, residual links, depth and random seed; each change
    re-measures the gradient flow and trains ``steps`` steps, and the three plots follow in place.

    ``MonitorPanel(activation="sigmoid", depth=20)`` starts from those settings (see
    :class:`NetSettings`). Display it as a cell's last expression; ``await panel.wait()``
    waits for the current run; ``panel.result`` is its :class:`GradientFlow`.
    The dashed grey line is a plain ReLU net with He initialization of the same depth: a
    healthy reference. Hooks live only during a probe's one pass, so a superseded run
    leaves none behind.
    """

    _busy_text = "Measuring..."

    def __init__(self, *, activation="sigmoid", init="default", batch_norm=False, residual=False, depth=10,
                 random_state=0, steps=100, lr=1e-3, width=64):
        settings = NetSettings(activation, init, batch_norm, residual, depth, random_state)
        self.steps = check_int("steps", steps, min_value=0, max_value=10_000)
        self.lr = check_float("lr", lr, min_value=0.0, strict_min=True)
        self.width = check_int("width", width, min_value=1, max_value=1024)
        self.controls = _controls(settings)
        self.figure, self._screen = new_figure((COLUMN_INCHES, 5.4))  # two rows
        self.view = GradientFlowView(self.figure)
        self._references: dict[tuple[int, int], np.ndarray] = {}
        self._start()

    # ------------------------------------------------------------ public API
    def settings(self) -> NetSettings:
        return NetSettings(**self.state())

    def set_state(self, state: dict) -> None:
        """Set several controls at once (checked first) and run once."""
        new = NetSettings.from_dict({**self.state(), **state})
        self._quiet = True
        try:
            for name, value in dataclasses.asdict(new).items():
                self.controls[name].value = value
        finally:
            self._quiet = False
        self.refresh()

    # ------------------------------------------------------------ running
    def _run(self, generation: int):
        """One run as a generator: each ``yield`` is a point where a newer run may take over."""
        settings = self.settings()
        reference = self._reference(settings)
        last_frame = -np.inf
        for result in iter_measure(settings, steps=self.steps, lr=self.lr, width=self.width):
            if generation != self._generation:
                return
            self.result = result
            if result.done or self.clock() - last_frame >= _FRAME_EVERY_S:
                self.view.show(result, reference)
                self._render()
                last_frame = self.clock()
                if not result.done:
                    self.status.value = f"Training: step {len(result.losses)} of {result.steps}"
                    self._show_progress(len(result.losses) / max(result.steps, 1))
            yield
        self.last_error = None
        self.runs += 1
        diverged = " The loss is not finite: the signal overflowed." if not np.isfinite(
            self.result.losses[-1] if self.result.losses else 0.0) else ""
        self.status.value = html.escape(f"{self.result.summary()} ({self.result.seconds:.2f} s).{diverged}")

    def _reference(self, settings: NetSettings) -> np.ndarray:
        """Gradient norms at init of a plain ReLU + He net of the same depth and seed (cached)."""
        key = (settings.depth, settings.random_state)
        if key not in self._references:
            self._references[key] = reference_norms(settings.depth, random_state=settings.random_state,
                                                    width=self.width)
        return self._references[key]


def _controls(s: NetSettings) -> dict[str, widgets.Widget]:
    style = {"description_width": "96px"}  # "random seed" in full
    return {
        "activation": widgets.Dropdown(options=list(ACTIVATION_CHOICES), value=s.activation,
                                       description="activation", style=style),
        "init": widgets.Dropdown(options=[(label, key) for key, label in INIT_CHOICES.items()], value=s.init,
                                 description="init", style=style),
        "batch_norm": widgets.Checkbox(value=s.batch_norm, description="batch norm"),
        "residual": widgets.Checkbox(value=s.residual, description="residual"),
        "depth": widgets.IntSlider(value=s.depth, min=1, max=MAX_DEPTH, description="depth",
                                   continuous_update=False, style=style),
        "random_state": widgets.BoundedIntText(value=s.random_state, min=0, max=2**31 - 1,
                                               description="random seed", style=style,
                                       layout=widgets.Layout(width="200px")),
    }
