"""Live panels of the hyperparameter-search lab: where draws land on a log scale.

- :class:`LogScalePanel`: a range of exponents, a sampler (uniform or log-uniform) and a
  number of draws; the histogram of the draws on a log axis and each decade's share follow
  (Lusch's histogram: uniform draws over [1e-4, 1e-1] land 90% in the top decade).

A :class:`labkit.panels.base.LivePanel`: artists made once (:class:`labkit.viz.search.DecadeView`),
errors shown in the status line.
"""

from __future__ import annotations

import math

import ipywidgets as widgets

from labkit.arguments import check_choice, check_float, check_int
from labkit.panels.base import LivePanel, new_figure
from labkit.search.sampling import decade_shares, draw
from labkit.viz.layout import COLUMN_INCHES
from labkit.viz.search import DecadeView

__all__ = ["LogScalePanel", "SAMPLERS"]

SAMPLERS = (("uniform", "uniform"), ("log-uniform", "log"))  # (menu label, scale of draw)
_EXPONENTS = (-8.0, 1.0)  # the range slider's ends, powers of ten
_STYLE = {"description_width": "110px"}


class LogScalePanel(LivePanel):
    """Pick a range (powers of ten), a sampler and a number of draws; see which decades get tried.

    ``LogScalePanel(low=1e-4, high=1e-1, scale="uniform", n=1000)`` starts there; ``result`` holds
    ``(values, decades)``: the draws (n,) and their :class:`labkit.search.sampling.Decades`.
    """

    _busy_text = "Drawing..."

    def __init__(self, *, low=1e-4, high=1e-1, scale="uniform", n=1000, random_state=0):
        low = check_float("low", low, min_value=10 ** _EXPONENTS[0], max_value=10 ** _EXPONENTS[1])
        high = check_float("high", high, min_value=10 ** _EXPONENTS[0], max_value=10 ** _EXPONENTS[1])
        if high <= low:
            raise ValueError(f"high must be greater than low, got low={low:g}, high={high:g}")
        scale = check_choice("scale", scale, [s for _, s in SAMPLERS])
        n = check_int("n", n, min_value=10, max_value=100_000)
        self.random_state = random_state
        draw(low, high, 1, random_state=random_state)  # checks random_state now, not in the panel
        self.controls = {
            "exponents": widgets.FloatRangeSlider(
                value=(math.log10(low), math.log10(high)), min=_EXPONENTS[0], max=_EXPONENTS[1], step=0.5,
                description="range 10^", continuous_update=False, readout_format=".1f", style=_STYLE),
            "scale": widgets.Dropdown(options=list(SAMPLERS), value=scale, description="sampler",
                                      style=_STYLE, layout=widgets.Layout(width="240px")),
            "n": widgets.IntSlider(value=n, min=10, max=10_000, step=10, description="draws",
                                   continuous_update=False, style=_STYLE),
        }
        self.figure, self._screen = new_figure((COLUMN_INCHES, 3.0))
        ax = self.figure.add_subplot(1, 1, 1)
        self.figure.subplots_adjust(left=0.09, right=0.98, bottom=0.17, top=0.88)
        self.view = DecadeView(ax)
        self._start()

    def _compute(self, values: dict):
        low, high = (10.0 ** e for e in values["exponents"])
        if high <= low:
            raise ValueError(f"the range must span more than one point, got 10^{values['exponents'][0]:g} "
                             f"to 10^{values['exponents'][1]:g}")
        draws = draw(low, high, values["n"], scale=values["scale"], random_state=self.random_state)
        return draws, decade_shares(draws, low, high)

    def _show(self, result, values: dict) -> None:
        draws, decades = result
        label = dict((s, name) for name, s in SAMPLERS)[values["scale"]]
        self.view.show(draws, decades, f"{len(draws)} draws, {label}, from {decades.edges[0]:.0e} "
                                       f"to {decades.edges[-1]:.0e}")

    def _describe(self, result) -> str:
        draws, decades = result
        return f"share per decade: {decades}"
