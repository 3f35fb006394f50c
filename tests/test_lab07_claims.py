"""Numbers Lab 07's prose states, computed with labkit at the lab's full sizes: text and code cannot drift.

The set-up is the lab's (``overfit_setup()``: 150 digits, 20% wrong labels, 200 epochs); each
run is deterministic, so a run here is the lab's run. Sections 5 and 6 (more data, augmentation)
train on five times the digits and are left to the benchmark: the lab's prose states no number
of theirs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from labkit.regularization.batch_norm import variance_shift
from labkit.regularization.comparisons import PIECES, ablation_run
from labkit.regularization.dropout import mode_scores
from labkit.regularization.early_stopping import early_stopping_demo, patience_outcome
from labkit.regularization.penalties import weight_stats
from labkit.regularization.setup import overfit_setup, train_run

LAB = Path(__file__).resolve().parents[1] / "labs" / "07_regularization.ipynb"


def _text() -> str:
    cells = json.loads(LAB.read_text(encoding="utf-8"))["cells"]
    return " ".join(" ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown").split())


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


@pytest.fixture(scope="module")
def setup():
    return overfit_setup()  # the lab's, at full size


@pytest.fixture(scope="module")
def plain(setup):
    return train_run(setup)


def test_section1_the_set_up_has_20_percent_wrong_labels_and_the_plain_net_memorizes_them(setup, plain):
    text = _text()
    assert "One training label in five is wrong on purpose" in text
    assert '"train error" is measured against the noisy labels' in text
    assert setup.label_noise == 0.2 and len(setup.X_train) == 150 and len(setup.X_val) == 600
    memorized = f"{pct(plain.train_error)} training error, wrong labels included, and {pct(plain.val_error)}"
    assert memorized in text
    assert (pct(plain.train_error), pct(plain.val_error)) == ("0.0%", "38.3%")


def test_section2_penalties_close_the_gap_zero_weights_and_underfit_when_too_strong(setup, plain):
    text = _text()
    l2 = train_run(setup, l2=3e-2)
    assert f"L2 = 3e-2 brings the validation error from {pct(plain.val_error)} to {pct(l2.val_error)}" \
        in text and f"(training error {pct(l2.train_error)}" in text
    too_l2, too_l1 = train_run(setup, l2=0.1), train_run(setup, l1=1e-2)
    assert pct(too_l2.train_error) == pct(too_l1.train_error) == "88.7%"
    assert f"{pct(too_l2.train_error)} training error, the network fits nothing" in text
    zero = weight_stats(train_run(setup, l1=1e-3).model).zero_fraction
    assert f"L1 = 1e-3 leaves {pct(zero)} of the weights at |w| < 0.001" in text


def test_section3_dropout_train_and_eval_mode(setup, plain):
    text = _text()
    run = train_run(setup, dropout=0.5)
    train, val = (setup.X_train, setup.y_train), (setup.X_val, setup.y_val)
    on_loss, on = mode_scores(run.model, *train, train_mode=True, seed=setup.seed)
    assert on_loss > run.val_loss and "sits above the validation loss" in text
    off = mode_scores(run.model, *train, train_mode=False)[1]
    val_on = mode_scores(run.model, *val, train_mode=True, seed=setup.seed)[1]
    assert f"the error is {pct(on)} with dropout on but {pct(off)} in eval mode" in text
    assert f"({pct(run.val_error)} there, against {pct(plain.val_error)} without dropout)" in text
    assert f"the validation error rises to {pct(val_on)}" in text
    assert round(100 * (val_on - run.val_error)) == 9 and "the bug costs nine points" in text


def test_section4_early_stopping_gives_back_the_best_epoch(setup):
    text = _text()
    demo = early_stopping_demo(setup, patience=20)
    assert demo.restored_matches_best
    assert f"lowest at epoch {demo.best_epoch}; training stops after epoch {demo.stopped_epoch}." in text
    assert (f"{pct(demo.restored_val_error)} validation error; the last weights score "
            f"{pct(demo.last_val_error)}") in text


def test_section4_the_patience_panel_every_patience_gives_back_the_same_epoch(setup, plain):
    text = _text()
    loss, error = plain.history.val_loss, 1 - np.array(plain.history.val_metric)
    outcomes = {p: patience_outcome(loss, error, p) for p in (1, 2, 5, 20, 80, len(loss))}
    assert {o.best_epoch for o in outcomes.values()} == {61} and "every patience gives back epoch 61" in text
    assert (f"{pct(outcomes[1].last_val_error)} validation error at patience 1, "
            f"{pct(outcomes[20].last_val_error)} at 20, and {pct(outcomes[len(loss)].last_val_error)} "
            "for a run that never stops") in text
    assert not outcomes[len(loss)].stopped


def test_section7_the_variance_shift(setup):
    text = _text()
    shift = variance_shift(setup, p=0.5)
    assert f"the ratio is {shift.shift:.3f}" in text and shift.shift < 1
    assert (f"Dropout with batch norm ({pct(shift.val_error)} validation error) is worse than dropout "
            f"alone ({pct(shift.dropout_only_val_error)})") in text
    assert f"gives {pct(shift.recalibrated_val_error)} here" in text


def test_sections8_and_9_stretch_pants_and_adding_the_pieces_back(setup, plain):
    text = _text()
    right = train_run(setup, width=16)
    assert (f"right-sized network does not memorize ({pct(right.train_error)} training error) but misses "
            f"{pct(right.val_error)}") in text
    rows = [ablation_run(setup, pieces=pieces) for pieces in
            (("l2",), ("l2", "dropout"), ("l2", "dropout", "early_stopping"),
             ("l2", "dropout", "early_stopping", "augmentation"))]
    pants = rows[2].run  # stretch_pants' third run has these pieces: early stopping 20, L2 1e-2, dropout 0.3
    assert PIECES["l2"] == {"l2": 1e-2} and PIECES["dropout"] == {"dropout": 0.3}
    assert f"the big plain one misses {pct(plain.val_error)}; the big one in stretch pants misses " \
           f"{pct(pants.val_error)}" in text
    chain = ", ".join(pct(r.run.val_error) for r in rows[:2])
    assert f"({pct(plain.val_error)}, then {chain} and {pct(pants.val_error)} validation error)" in text
    last = rows[3]
    assert last.regime == "underfitting" and all(r.run.val_error < plain.val_error for r in rows)
    run = last.run
    tipped = f"underfitting ({pct(run.train_error)} training error, {pct(run.val_error)} validation)"
    assert tipped in text
