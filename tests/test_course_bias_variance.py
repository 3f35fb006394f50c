"""Lab 01's support: re-running a panel state, learning-curve plots, and the exercises' checks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from labkit.course.bias_variance import exercises  # noqa: E402
from labkit.generalization.biasvar import bias_variance_sweep  # noqa: E402
from labkit.generalization.diagnosis import diagnose  # noqa: E402
from labkit.generalization.playground import Settings, errors, run_settings  # noqa: E402
from labkit.viz.figures import log_axis_suits, plot_learning_curve  # noqa: E402

OVERFIT = {"width": 256, "n_train": 10, "noise": 0.3, "epochs": 2000}


@pytest.fixture(scope="module")
def small_sweep():
    return bias_variance_sweep("width", values=(1, 16), n_models=3, epochs=40, random_state=0)


def test_run_settings_matches_from_dict_and_settings():
    a = run_settings(Settings(width=4, epochs=30))
    b = run_settings({"width": 4, "epochs": 30, "log_scale": True})  # a panel state carries log_scale
    assert a.history.train_loss == pytest.approx(b.history.train_loss)
    assert a.diagnosis.train_error == pytest.approx(errors(a.model, a.problem)[0])
    assert a.history.epochs_run == 30


def test_run_settings_reports_divergence_without_a_diagnosis():
    diverging = {"optimizer": "sgd", "lr": 10**0.5, "width": 64, "activation": "relu", "epochs": 100}
    outcome = run_settings(diverging)
    assert outcome.history.stop_reason == "diverged" and outcome.diagnosis is None


def test_errors_for_classes_are_error_rates():
    outcome = run_settings({"dataset": "moons", "epochs": 100, "n_train": 80, "noise": 0.1})
    train, val = errors(outcome.model, outcome.problem)
    assert 0.0 <= train <= 0.3 and 0.0 <= val <= 1.0
    assert outcome.diagnosis.goal_error == 0.10


@pytest.mark.parametrize(("settings", "error", "words"), [
    ({"widht": 3}, ValueError, "unknown setting"),
    ({"width": 0}, ValueError, "width"),
    ("wide", TypeError, "settings must be"),
])
def test_run_settings_rejects_bad_input(settings, error, words):
    with pytest.raises(error, match=words):
        run_settings(settings)
    with pytest.raises(ValueError, match="goal"):
        run_settings(Settings(epochs=5), goal=-1.0)


def test_learning_curve_plots_the_sweep():
    result = bias_variance_sweep("n_train", values=(5, 40), n_models=3, epochs=30, random_state=0)
    ax = plot_learning_curve(result)
    train, test, noise = ax.lines
    assert np.allclose(train.get_ydata(), result.train_error)
    assert np.allclose(test.get_ydata(), result.test_error)
    assert np.allclose(noise.get_ydata(), result.noise)
    assert ax.get_xscale() == "log"
    plt.close(ax.figure)


def test_learning_curve_needs_an_n_train_sweep(small_sweep):
    with pytest.raises(ValueError, match="n_train"):
        plot_learning_curve(small_sweep)


def test_log_axis_suits_wide_ranges_only():
    assert log_axis_suits([2, 4, 8, 16, 32, 64, 128])
    assert log_axis_suits([0.0, 1e-3, 1e-2, 1.0])
    assert not log_axis_suits([1, 2, 3, 4])


def test_choice_and_set_exercises_accept_only_the_right_answers():
    ex = exercises()
    assert ex.q1.check("Underfitting ").ok and not ex.q1.check("overfitting").ok
    assert not ex.q1.check(...).ok and ex.q1.attempts == 2  # the placeholder is not an attempt
    right = ["more data", "weight decay", "data augmentation", "early stopping"]
    assert ex.q2.check(right).ok
    assert not ex.q2.check(right + ["bigger model"]).ok
    assert not ex.q2.check(right[:3]).ok
    assert "q3" not in dir(ex)  # q3 needs the lab's sweep


def test_q1_answer_is_the_larger_gap_that_diagnose_names():
    d = diagnose(0.20, 0.27, goal_error=0.01)  # q1's numbers
    assert d.regime == "underfitting and overfitting" and d.focus == "bias"
    solution = exercises().q1.solution().text
    assert "larger gap" in solution and "19 points against 7" in solution
    assert "fix the bias first" not in solution


def test_q3_wants_the_sweeps_best_width(small_sweep):
    ex = exercises(small_sweep)
    best = small_sweep.best_value
    other = [v for v in small_sweep.values.tolist() if v != best][0]
    assert ex.q3.check(best).ok and not ex.q3.check(other).ok
    assert not ex.q3.check(7).ok and not ex.q3.check("16").ok and not ex.q3.check(True).ok


def test_q3_accepts_any_width_within_the_stated_tolerance_of_the_lowest_error():
    class Sweep:  # widths 8/16/32 within a few percent of each other, as a real sweep gives
        values = np.array([2, 8, 16, 32, 128])
        test_error = np.array([0.30, 0.105, 0.100, 0.108, 0.16])
        best_value = 16

    ex = exercises(Sweep())
    assert [ex.q3.check(w).ok for w in (2, 8, 16, 32, 128)] == [False, True, True, True, False]
    assert "within 10%" in ex.q3.check(np.int64(8)).message
    assert not ex.q3.check(np.float64(8.5)).ok  # not a swept width


def test_state_exercises_retrain_and_judge_the_regime():
    ex = exercises()
    assert ex.q4.check(OVERFIT).ok
    assert not ex.q4.check({"width": 1}).ok  # underfits instead
    assert ex.q5.check({"width": 128, "weight_decay": 1.0}).ok
    small = ex.q5.check({"width": 1})  # underfits, but the exercise wants a big network
    assert not small.ok and "width" in small.message
    assert not ex.q5.check("wide").ok
    bad = ex.q4.check({"widht": 3})
    assert not bad.ok and "unknown setting" in bad.message
    assert "Solved 2 of 4" in str(ex.progress())
