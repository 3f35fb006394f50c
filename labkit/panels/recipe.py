"""Live panel of the recipe lab (Lab 09): apply fixes, and the table, confusion matrix and diagnosis follow.

:class:`RecipePanel` starts from a deliberately poor network (a narrow MLP on raw pixels, a few
epochs; :data:`labkit.recipe.fixes.START`) and offers the fixes of Hincapie-Potes' talk as
check boxes (:data:`labkit.recipe.fixes.FIXES`) and a distribution shift for the validation and
test sets. Each new combination trains once (:func:`labkit.recipe.fixes.apply_fixes`) and adds
a row to the results table; the confusion matrix on the validation set and the bars of the
four gaps (bias, variance, distribution shift, validation overfitting) update in place, and the
status line says which gap to attack first (:func:`labkit.recipe.diagnosis.prioritize_row`).
Runs are cached by settings: going back to a combination already tried costs nothing.
"""

from __future__ import annotations

import dataclasses
import html

import ipywidgets as widgets
import numpy as np

from labkit.arguments import check_choice, check_int
from labkit.logbook import check_logbook
from labkit.panels.base import LivePanel, new_figure
from labkit.recipe.diagnosis import GAPS, Gaps, prioritize_row
from labkit.recipe.digits import SHIFTS, shifted_split, split_digits
from labkit.recipe.errors import confusion
from labkit.recipe.fixes import FIX_LABELS, FIXES, apply_fixes, fixes_name, remedies_to_try
from labkit.recipe.networks import NetworkRun
from labkit.recipe.table import ResultsTable
from labkit.viz.layout import COLUMN_INCHES
from labkit.viz.palette import HEATMAP, PALETTE

__all__ = ["RecipePanel", "RecipeStep", "SHIFT_CHOICES"]

# menu values are strings: an ipywidgets Dropdown whose value is None shows nothing selected
SHIFT_CHOICES = (("none", "none"), ("moved one pixel right", "shift"), ("thicker strokes", "thicken"))
_SHIFT_TAGS = {"none": "", "shift": " @moved", "thicken": " @thick"}
@dataclasses.dataclass(frozen=True, eq=False)
class RecipeStep:
    """One combination of fixes as trained: its table row name, run, gaps and val confusion (10, 10)."""

    name: str
    run: NetworkRun
    gaps: Gaps
    matrix: np.ndarray


class RecipePanel(LivePanel):
    """Tick fixes and pick a shift; each new combination trains once and adds a table row.

    ``RecipePanel(fixes=("normalize",), shift=None, goal=0.97, epochs=8, n_samples=900)``:
    ``epochs`` is the starting network's (the "3x the epochs" fix triples it), ``n_samples`` a
    stratified subset of the digits (None: all 1797). ``table`` is the
    :class:`~labkit.recipe.table.ResultsTable` of every combination tried, in order; ``result``
    the latest :class:`RecipeStep`. At the default half of the digits an MLP change recomputes
    in about half a second on one core and a CNN in a few seconds
    (benchmarks/bench_recipe_panel.py); all the digits take about three times as long. With a
    ``logbook`` (:class:`labkit.logbook.Logbook`) every new combination is recorded there.
    """

    _busy_text = "Training the network with these fixes..."

    def __init__(self, *, fixes=(), shift=None, goal=0.97, epochs=8, n_samples=900, random_state=0,
                 logbook=None):
        fixes = {check_choice("fixes", fix, FIXES) for fix in ((fixes,) if isinstance(fixes, str) else fixes)}
        shift = "none" if shift in (None, "none") else check_choice("shift", shift, SHIFTS)
        self.epochs = check_int("epochs", epochs, min_value=1, max_value=200)
        self.random_state = check_int("random_state", random_state, min_value=0)
        self.logbook = check_logbook("logbook", logbook, optional=True)  # each new combination goes there
        self.split = split_digits(n_samples=n_samples, random_state=self.random_state)
        self.table = ResultsTable(goal=goal)
        self._cache: dict = {}
        self.controls = {fix: widgets.Checkbox(value=fix in fixes, description=FIX_LABELS[fix], indent=False,
                                               layout=widgets.Layout(width="190px")) for fix in FIXES}
        self.controls["shift"] = widgets.Dropdown(options=list(SHIFT_CHOICES), value=shift,
                                                  description="val/test shift",
                                                  style={"description_width": "100px"},
                                                  layout=widgets.Layout(width="300px"))
        self.table_view = widgets.HTML()
        self.figure, self._screen = new_figure((COLUMN_INCHES, 3.6))
        self._make_artists()
        self._start(extra=(self.table_view,))

    def _make_artists(self) -> None:
        fig = self.figure
        fig.subplots_adjust(left=0.07, right=0.97, bottom=0.16, top=0.9, wspace=0.55)
        self.ax_matrix, self.ax_gaps = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        ax = self.ax_matrix
        self.image = ax.imshow(np.zeros((10, 10)), cmap=HEATMAP, vmin=0, vmax=1)
        self.cells = [[ax.text(j, i, "", ha="center", va="center", fontsize="x-small") for j in range(10)]
                      for i in range(10)]
        ax.set_xticks(range(10))
        ax.set_yticks(range(10))
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title("validation confusion", fontsize="small")
        ax = self.ax_gaps
        self.bars = ax.barh(range(len(GAPS)), np.zeros(len(GAPS)), color="0.6")
        ax.set_yticks(range(len(GAPS)), [g.replace("validation ", "val. ").replace("distribution ", "")
                                         for g in GAPS])
        ax.invert_yaxis()
        ax.axvline(0, color="0.2", lw=0.8)
        self.tolerance_line = ax.axvline(1, color="0.4", ls=":", lw=1)
        ax.set_xlabel("gap (points of error)")
        self.gap_title = ax.set_title("", fontsize="small")

    def _compute(self, values: dict) -> RecipeStep:
        fixes = tuple(fix for fix in FIXES if values[fix])
        shift = values["shift"]
        key = (fixes, shift)
        if key not in self._cache:
            split = self.split if shift == "none" else shifted_split(self.split, shift)
            name = fixes_name(fixes) + _SHIFT_TAGS[shift]
            run = apply_fixes(split, fixes, table=self.table, name=name, epochs=self.epochs,
                              random_state=self.random_state, logbook=self.logbook)
            matrix = confusion(split.y_val, run.probabilities(split.X_val).argmax(1))
            self._cache[key] = RecipeStep(name, run, prioritize_row(self.table, name), matrix)
        return self._cache[key]

    def _show(self, result: RecipeStep, values: dict) -> None:
        matrix = result.matrix
        scaled = np.log1p(matrix) / np.log1p(max(matrix.max(), 1))
        self.image.set_data(scaled)
        for i in range(10):
            for j in range(10):
                self.cells[i][j].set_text(str(matrix[i, j]) if matrix[i, j] else "")
                self.cells[i][j].set_color("black" if scaled[i, j] > 0.6 else "white")
        gaps = result.gaps
        values_ = [gaps.bias, gaps.variance, gaps.shift, gaps.val_overfitting]
        for name, bar, value in zip(GAPS, self.bars, values_, strict=True):
            bar.set_width(0.0 if value is None else 100 * value)
            bar.set_color(PALETTE[3] if name == gaps.attack else "0.6")
        self.tolerance_line.set_xdata([100 * gaps.tolerance] * 2)
        widths = [abs(100 * v) for v in values_ if v is not None]
        self.ax_gaps.set_xlim(-max(widths + [5]) * 0.3, max(widths + [5]) * 1.1)
        self.gap_title.set_text(f"{result.name}: attack {gaps.attack or 'nothing'}")
        self.table_view.value = f"<pre style='line-height:1.25'>{html.escape(self.table.to_text())}</pre>"

    def _describe(self, result: RecipeStep) -> str:
        gaps, ticked = result.gaps, {fix for fix in FIXES if self.controls[fix].value}
        untried = remedies_to_try(gaps.remedies, ticked)
        advice = f"; try: {', '.join(untried[:3])}" if gaps.attack and untried else ""
        return f"{result.name}: {gaps}{advice}"
