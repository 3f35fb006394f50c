"""Lab 07's exercises: each accepts its solution and refuses the usual wrong answers."""

from __future__ import annotations

import numpy as np
import pytest

from labkit.course.regularization import LABEL_BUG, MODES, QUESTIONS, REGIMES, SHIFTS, exercises
from labkit.regularization.batch_norm import variance_shift
from labkit.regularization.comparisons import regime
from labkit.regularization.dropout import dropout_modes
from labkit.regularization.early_stopping import early_stopping_demo
from labkit.regularization.penalties import penalty_sweep
from labkit.regularization.setup import overfit_setup, train_run


@pytest.fixture(scope="module")
def lab():
    """The lab's results on a tiny set-up: the same kinds of object, made in a fraction of a second."""
    setup = overfit_setup(per_class=3, n_val=40, width=16, epochs=15, lr=1e-2)
    runs = [train_run(setup, label="none"), train_run(setup, label="L2 1e-2", l2=1e-2),
            train_run(setup, label="dropout 0.3", dropout=0.3),
            train_run(setup, label="early stop", early_stopping=3)]
    return {"runs": runs, "l1_sweep": penalty_sweep(setup, penalty="l1", strengths=(1e-3, 1e-1)),
            "modes": dropout_modes(setup, p=0.5), "demo": early_stopping_demo(setup, patience=3),
            "shift": variance_shift(setup, p=0.5)}


def test_the_exercises_that_read_a_lab_result_appear_with_it_and_each_has_its_question(lab):
    assert [e.name for e in exercises()] == ["q5", "q7"]
    ex = exercises(**lab)
    assert [e.name for e in ex] == ["q1", "q2", "q3", "q4", "q5", "q6", "q7"] == list(QUESTIONS)
    with pytest.raises(TypeError, match="modes"):
        exercises(modes=lab["demo"])
    with pytest.raises(TypeError, match="l1_sweep"):
        exercises(l1_sweep=penalty_sweep.__name__)
    with pytest.raises(TypeError, match="runs"):
        exercises(runs=lab["runs"][:2])


def test_q1_wants_the_lowest_validation_error_not_the_smallest_gap(lab):
    ex = exercises(runs=lab["runs"])
    tried = lab["runs"][1:]
    best = min(tried, key=lambda r: r.val_error)
    assert ex.q1.check(best.label).ok and ex.q1.check(best.label.upper()).ok
    for run in tried:
        if run is not best:
            assert not ex.q1.check(run.label).ok
    assert "plain run" in ex.q1.check("none").message
    assert not ex.q1.check("weight decay").ok and not ex.q1.check(3).ok


def test_q2_is_the_share_of_weights_near_zero_at_l1_1e_3(lab):
    ex = exercises(l1_sweep=lab["l1_sweep"])
    sweep = lab["l1_sweep"]
    share = float(sweep.zero_fraction[list(sweep.strengths).index(1e-3)])
    assert ex.q2.check(share).ok and ex.q2.check(np.float64(share)).ok
    if share > 0.05:
        assert "fraction" in ex.q2.check(100 * share).message
    assert not ex.q2.check(share + 0.2).ok and not ex.q2.check("0.5").ok
    l2 = penalty_sweep(overfit_setup(per_class=1, width=4, epochs=1), penalty="l2", strengths=(1e-3,))
    with pytest.raises(TypeError, match="'l1'"):
        exercises(l1_sweep=l2)


def test_q3_picks_the_mode_with_the_lower_training_error(lab):
    modes = lab["modes"]
    ex = exercises(modes=modes)
    right = "eval mode" if modes.train_off[1] <= modes.train_on[1] else "train mode"
    wrong = [m for m in MODES if m != right][0]
    assert ex.q3.check(right).ok and not ex.q3.check(wrong).ok
    assert "not here" in ex.q3.check(wrong).message and not ex.q3.check("dropout").ok


def test_q4_is_the_best_epoch_and_says_so_when_given_the_stop(lab):
    demo = lab["demo"]
    ex = exercises(demo=demo)
    assert ex.q4.check(demo.best_epoch).ok and ex.q4.check(float(demo.best_epoch) + 1).ok
    if demo.stopped_epoch - demo.best_epoch > 2:
        assert "stopped" in ex.q4.check(demo.stopped_epoch).message
    assert not ex.q4.check(demo.best_epoch + 10).ok and not ex.q4.check("best").ok


def test_q5_wants_the_repeated_labels_and_names_the_tiled_ones_as_the_bug():
    ex = exercises()
    labels, k = list(LABEL_BUG["labels"]), LABEL_BUG["copies"]
    assert ex.q5.check(list(np.repeat(labels, k))).ok and ex.q5.check(tuple(np.repeat(labels, k))).ok
    assert "bug" in ex.q5.check(list(np.tile(labels, k))).message
    assert "copies" in ex.q5.check(labels).message
    assert not ex.q5.check("3, 3, 1, 1, 4, 4").ok and not ex.q5.check(list(np.repeat(labels, k))[::-1]).ok


def test_q6_reads_the_direction_of_the_measured_variance_shift(lab):
    shift = lab["shift"]
    ex = exercises(shift=shift)
    right = "smaller" if shift.shift < 0.98 else "larger" if shift.shift > 1.02 else "the same"
    assert ex.q6.check(right).ok
    for wrong in set(SHIFTS) - {right}:
        assert not ex.q6.check(wrong).ok


def test_q7_is_the_regime_that_the_topics_rule_gives_a_penalty_set_too_large():
    ex = exercises()
    right = regime(0.887, 0.91, target=0.25)
    assert right == "underfitting" and ex.q7.check(right).ok
    assert "both are high" in ex.q7.check("overfitting").message
    assert not ex.q7.check("good").ok and set(REGIMES) == {"underfitting", "overfitting", "good"}
