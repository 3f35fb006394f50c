"""Live panels of the hyperparameter-search lab: draws on a log scale, Bayesian optimization by steps.

- :class:`LogScalePanel`: a range of exponents, a sampler (uniform or log-uniform) and a
  number of draws; the histogram of the draws on a log axis and each decade's share follow
  (Lusch's histogram: uniform draws over [1e-4, 1e-1] land 90% in the top decade).
- :class:`BayesPanel`: one Bayesian-optimization step per click over the learning rate of the
  lab's network (Snoek et al. 2012, figure 1): observations, the GP's mean and band, expected
  improvement and its pick; a menu of objectives (smooth, noisy, with a cliff) and a reset.

Both are :class:`labkit.panels.base.LivePanel` s: artists made once (:class:`labkit.viz.search.DecadeView`,
:class:`~labkit.viz.search.BayesStepView`), errors shown in the status line.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from labkit.arguments import check_choice, check_float, check_int
from labkit.panels.base import LivePanel, new_figure
from labkit.search.bayes import bayes_step
from labkit.search.objective import Dimension, Objective, from_unit
from labkit.search.sampling import decade_shares, draw
from labkit.viz.layout import COLUMN_INCHES
from labkit.viz.search import BayesStepView, DecadeView

__all__ = ["LogScalePanel", "SAMPLERS", "BayesPanel", "OBJECTIVES"]

SAMPLERS = (("uniform", "uniform"), ("log-uniform", "log"))  # (menu label, scale of draw)
_EXPONENTS = (-8, 1)  # the range slider's ends, powers of ten
_STYLE = {"description_width": "110px"}


def _decade(name: str, value: float) -> int:
    exponent = math.log10(value)
    if abs(exponent - round(exponent)) > 1e-9:
        raise ValueError(f"{name} must be a power of ten (the range slider moves by whole decades), "
                         f"got {name}={value:g}")
    return round(exponent)


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
        low_exponent, high_exponent = (_decade(name, value) for name, value in (("low", low), ("high", high)))
        scale = check_choice("scale", scale, [s for _, s in SAMPLERS])
        n = check_int("n", n, min_value=10, max_value=100_000)
        self.random_state = random_state
        draw(low, high, 1, random_state=random_state)  # checks random_state now, not in the panel
        self.controls = {
            # whole decades: the readout "-4 – -1" fits (half decades, "-3.5 – -1.0", were cut off)
            "exponents": widgets.IntRangeSlider(
                value=(low_exponent, high_exponent), min=_EXPONENTS[0], max=_EXPONENTS[1], step=1,
                description="range 10^", continuous_update=False, style=_STYLE),
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


# ---------------------------------------------------------------- Bayesian optimization, one step per click

OBJECTIVES = ("smooth", "noisy", "cliff")  # menu values; labels in _OBJECTIVE_LABELS
_OBJECTIVE_LABELS = {"smooth": "smooth (Adam, lr up to 0.3: a valley)",
                     "noisy": "noisy (Adam, a new seed per trial)",
                     "cliff": "with a cliff (SGD, lr up to 1: divergence)"}


def _objective(kind: str, epochs: int):
    """The lab's network over log learning rate: a valley, the valley with seed noise, or a cliff.

    With Adam the error falls from 1e-4 to a floor near 0.03-0.1 and rises again above it (no
    divergence: Adam's steps are bounded), so the best rate lies inside the range; with SGD and
    momentum it falls all the way to the rate where training diverges (about 0.4), a cliff.
    """
    if kind == "cliff":
        return Objective(space=(Dimension("lr", 1e-4, 1.0),), epochs=epochs)
    return Objective(space=(Dimension("lr", 1e-4, 0.3),), optimizer="adam",
                     n_train=20 if kind == "noisy" else 40, epochs=epochs)


class BayesPanel(LivePanel):
    """Bayesian optimization over the learning rate, one step per click of "next step".

    The objective menu picks the landscape (smooth: Adam, rates up to 0.3, a valley with its
    bottom inside the range; noisy: the same with 20 training points and a new initial
    network per trial, so the seed is a nuisance the GP must average over; with a cliff: SGD
    with momentum, rates up to 1, where it diverges and the GP, which assumes a smooth
    function, is fooled); "reset" starts again from ``n_initial`` random trials.
    ``epochs`` trains each pick (fewer for a quicker panel). Each step fits the GP
    (:func:`labkit.search.bayes.bayes_step`) and draws observations, mean and band, expected
    improvement and its pick (:class:`labkit.viz.search.BayesStepView`); "next step" trains that
    pick and adds it.
    ``result`` is the latest :class:`~labkit.search.bayes.BayesStep`.
    """

    _busy_text = "Training the pick and fitting the GP..."

    def __init__(self, *, objective="cliff", n_initial=3, epochs=100, random_state=0):
        objective = check_choice("objective", objective, OBJECTIVES)
        self.epochs = check_int("epochs", epochs, min_value=1, max_value=10_000)
        self.n_initial = check_int("n_initial", n_initial, min_value=2, max_value=20)
        self.random_state = check_int("random_state", random_state, min_value=0)
        menu = [(_OBJECTIVE_LABELS[k], k) for k in OBJECTIVES]
        self.controls = {"objective": widgets.Dropdown(options=menu, value=objective, description="objective",
                                                       style=_STYLE, layout=widgets.Layout(width="440px"))}
        self.step_button = widgets.Button(description="next step", button_style="primary")
        self.reset_button = widgets.Button(description="reset")
        self.step_button.on_click(lambda _: self._guarded(self.next_step))
        self.reset_button.on_click(lambda _: self._guarded(self.reset))
        self._kind, self._advance, self.configs, self.errors = None, False, [], []
        self.figure, self._screen = new_figure((COLUMN_INCHES, 4.2))
        self.figure.subplots_adjust(left=0.13, right=0.98, bottom=0.12, top=0.92, hspace=0.08)
        self.view = BayesStepView(self.figure)
        self._start(extra=(widgets.HBox([self.step_button, self.reset_button]),))

    def next_step(self) -> None:
        """Train the current pick, add it to the observations, and fit the next step."""
        self._advance = True
        self.refresh()

    def reset(self) -> None:
        self._kind = None
        self.refresh()

    def _evaluate(self, configs) -> list:
        seeds = (len(self.errors),) if self._kind == "noisy" else (0,)  # noisy: the seed is a nuisance
        return [float(e) for e in self.objective.evaluate(configs, seeds=seeds)]

    def _compute(self, values: dict):
        if values["objective"] != self._kind:
            self._kind, self._advance = values["objective"], False
            self.objective = _objective(self._kind, self.epochs)
            rng = np.random.default_rng(self.random_state)
            self.configs = from_unit(self.objective.space, rng.uniform(size=(self.n_initial, 1)))
            self.errors = []
            if self._kind == "noisy":  # one seed per trial, as the steps will have
                for config in self.configs:
                    self.errors += self._evaluate([config])
            else:  # trained together, one batched run
                self.errors = [float(e) for e in self.objective.evaluate(self.configs, seeds=(0,))]
        elif self._advance and self.result is not None:
            self._advance = False
            self.errors += self._evaluate([self.result.next_config])
            self.configs.append(self.result.next_config)
        return bayes_step(self.objective.space, self.configs, self.errors, random_state=self.random_state)

    def _show(self, result, values: dict) -> None:
        self.view.show(result, f"{_OBJECTIVE_LABELS[values['objective']]}: {len(result.errors)} trials")

    def _describe(self, result) -> str:
        return repr(result)
