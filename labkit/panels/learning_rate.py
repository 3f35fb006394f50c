"""Lab 06's live panel on the learning rate: three regimes (and a divergence) side by side, and your rate.

:class:`RegimesPanel` trains the playground's default network (sine data, 32 x 2 tanh,
full batch) at four fixed rates, too low, about right, too high and far too high, as one
batched run (:func:`labkit.optimization.lr_sweep.train_regimes`), and draws their loss
curves (log y) and their fits. A log-scale slider moves one more run, "your rate"; moving it
retrains that run alone, the four others stay for comparison (they are retrained only
when the optimizer or the seed changes).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from labkit.arguments import check_choice, check_float, check_int
from labkit.optimization.lr_sweep import default_problem, train_regimes
from labkit.panels.base import LivePanel, new_figure
from labkit.viz.learning_rate import RegimesView

__all__ = ["RegimesPanel", "REGIME_RATES"]

# measured on the default problem (seed 0, 300 epochs): SGD diverges above ~0.33; Adam rarely turns
# NaN (its step is at most about lr), so its "far too high" run ends stuck, with saturated tanh units
REGIME_RATES = {"sgd": {"too low": 0.003, "about right": 0.1, "too high": 0.3, "far too high": 1.0},
                "adam": {"too low": 1e-4, "about right": 0.01, "too high": 1.0, "far too high": 30.0}}
_STYLE = {"description_width": "110px"}


class RegimesPanel(LivePanel):
    """Four fixed rates and your own, trained together; loss curves left, fits right.

    ``result`` holds ``(fixed, yours)``, two :class:`~labkit.optimization.lr_sweep.RegimeRuns`.
    ``trained`` counts the networks trained so far (a slider move adds one).
    """

    def __init__(self, *, lr=0.03, optimizer="sgd", random_state=0, epochs=300):
        lr = check_float("lr", lr, min_value=1e-5, max_value=100.0)
        optimizer = check_choice("optimizer", optimizer, tuple(REGIME_RATES))
        random_state = check_int("random_state", random_state, min_value=0, max_value=2**31 - 1)
        self.epochs = check_int("epochs", epochs, min_value=1)
        self.train, _ = default_problem(random_state=0)
        self.x = np.linspace(-3.2, 3.2, 161)
        self.trained, self._fixed = 0, {}
        self.controls = {
            "lr": widgets.FloatLogSlider(value=lr, base=10, min=-5, max=2, step=0.05, readout_format=".3g",
                                         description="your rate", continuous_update=False, style=_STYLE),
            "optimizer": widgets.Dropdown(options=list(REGIME_RATES), value=optimizer,
                                          description="optimizer", style=_STYLE),
            "random_state": widgets.BoundedIntText(value=random_state, min=0, max=2**31 - 1,
                                                   description="random seed", style=_STYLE),
        }
        self.figure, self._screen = new_figure()
        X, y = self.train
        self.view = RegimesView(self.figure, list(REGIME_RATES["sgd"]), x=self.x, truth=np.sin(self.x),
                                points=(X[:, 0], y))
        self.figure.subplots_adjust(left=0.09, right=0.98, bottom=0.14, top=0.92, wspace=0.28)
        self._start()

    def _runs(self, rates, values):
        runs = train_regimes(self.train, rates, x=self.x, seed=values["random_state"],
                             optimizer=values["optimizer"], epochs=self.epochs)
        self.trained += len(rates)
        return runs

    def _compute(self, values: dict):
        key = (values["optimizer"], values["random_state"])
        if key not in self._fixed:  # the four fixed runs: only when the optimizer or seed changes
            self._fixed = {key: self._runs(list(REGIME_RATES[key[0]].values()), values)}
        return self._fixed[key], self._runs([values["lr"]], values)

    def _show(self, result, values: dict) -> None:
        fixed, yours = result
        names = list(REGIME_RATES[values["optimizer"]])
        labels = [f"{n} ({r:.3g})" for n, r in zip(names, fixed.rates, strict=True)]
        labels.append(f"your rate ({yours.rates[0]:.3g})")
        self.view.update(labels, np.vstack([fixed.curves, yours.curves]),
                         np.vstack([fixed.predictions, yours.predictions]))
        self.view.ax_loss.set_title(f"{values['optimizer']}, {self.epochs} epochs, full batch",
                                    fontsize="small")

    def _describe(self, result) -> str:
        fixed, yours = result
        parts = []
        for rate, loss, dead in zip([*fixed.rates, *yours.rates], [*fixed.final_loss, *yours.final_loss],
                                    [*fixed.diverged, *yours.diverged], strict=True):
            parts.append(f"{rate:.3g}: {'diverged' if dead else f'{loss:.3g}'}")
        return "final training MSE at lr " + "; ".join(parts[:-1]) + f"; yours {parts[-1]}"
