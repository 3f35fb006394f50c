"""Lab 09's RecipePanel: a row per new combination, a cache for old ones, the gaps drawn, errors shown."""

from __future__ import annotations

import numpy as np
import pytest

from labkit.panels.recipe import RecipePanel
from labkit.recipe.diagnosis import prioritize_row


@pytest.fixture
def panel():
    made = RecipePanel(fixes=("normalize",), epochs=1, n_samples=200)
    yield made
    made.close()


def test_a_new_combination_adds_a_row_and_an_old_one_comes_from_the_cache(panel):
    assert panel.last_error is None and panel.table.names == ["norm"]
    first = panel.result
    panel.controls["bigger"].value = True
    assert panel.table.names == ["norm", "norm+big"] and panel.result.name == "norm+big"
    panel.controls["bigger"].value = False
    assert panel.table.names == ["norm", "norm+big"] and panel.result is first
    panel.controls["shift"].value = "shift"
    assert panel.table.names[-1] == "norm @moved"
    row = panel.table.row("norm @moved")
    assert row.train == panel.table.row("norm").train  # same training run; only val/test moved
    assert row.val != panel.table.row("norm").val
    assert "norm @moved" in panel.table_view.value
    panel.controls["shift"].value = "none"  # back: the menu shows "none", not a blank
    assert panel.controls["shift"].label == "none" and panel.result is first


def test_the_advice_leaves_out_remedies_the_ticked_boxes_already_apply(panel):
    assert panel.result.gaps.attack == "bias" and "make the model bigger" in panel.status.value  # 1 epoch
    panel.controls["bigger"].value = True
    assert panel.result.gaps.attack == "bias" and "make the model bigger" not in panel.status.value
    assert "use pre-trained weights" in panel.status.value
    assert "reduce regularization" not in panel.status.value  # none is ticked
    for shift in (None, "none"):
        made = RecipePanel(shift=shift, epochs=1, n_samples=200)
        assert made.controls["shift"].label == "none" and made.result.name == "start"
        made.close()


def test_the_figure_shows_the_steps_confusion_and_gaps(panel):
    step = panel.result
    assert step.matrix.sum() == len(panel.split.y_val)
    assert np.allclose(panel.image.get_array(), np.log1p(step.matrix) / np.log1p(step.matrix.max()))
    gaps = prioritize_row(panel.table, step.name)
    assert [bar.get_width() for bar in panel.bars] == pytest.approx(
        [100 * gaps.bias, 100 * gaps.variance, 0.0, 100 * gaps.val_overfitting])  # no shift column yet
    assert f"attack {gaps.attack}" in panel.gap_title.get_text() and step.name in panel.status.value


def test_each_new_combination_is_recorded_once_in_the_logbook(tmp_path):
    from labkit.logbook import Logbook

    with Logbook(tmp_path / "runs.db") as book:
        made = RecipePanel(epochs=1, n_samples=200, logbook=book)
        made.controls["normalize"].value = True
        made.controls["normalize"].value = False  # cached: no new entry
        made.close()
        assert [e.note for e in book.entries("recipe")] == ["network: start", "network: norm"]


def test_bad_settings_raise_and_a_failing_run_is_shown_not_lost(panel):
    with pytest.raises(ValueError, match="fixes"):
        RecipePanel(fixes=("batch norm",))
    with pytest.raises(ValueError, match="shift"):
        RecipePanel(shift="rotate")
    panel.table.add("norm+3x", train=0.5, val=0.5)  # the name the next run would take
    panel.controls["more epochs"].value = True
    assert isinstance(panel.last_error, ValueError) and "already a row" in panel.status.value


def test_a_wrong_logbook_is_refused_before_anything_trains():
    from labkit.recipe.digits import split_digits
    from labkit.recipe.networks import train_network

    with pytest.raises(TypeError, match="logbook must be a labkit.logbook.Logbook or None, got str"):
        RecipePanel(epochs=1, n_samples=200, logbook="runs.db")
    with pytest.raises(TypeError, match="logbook must be"):
        train_network("mlp", split_digits(n_samples=200), epochs=1, logbook="runs.db")
