"""The playground's run is written once: iter_run feeds the panel, run_settings drains it, and they agree."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from labkit.generalization.playground import (  # noqa: E402
    VAL_POOL,
    Settings,
    errors,
    iter_run,
    make_problem,
    run_settings,
)
from labkit.generalization.problem import excess_error  # noqa: E402
from labkit.panels.playground import Playground  # noqa: E402

SMALL = {"epochs": 30, "n_train": 20}


def test_iter_run_yields_the_setup_every_epoch_and_then_the_outcome():
    runs = list(iter_run(Settings(**SMALL)))
    first, last = runs[0], runs[-1]
    assert first is last  # one Run, updated in place
    assert len(runs) == 1 + 30 + 1  # set-up, each epoch, the diagnosis
    assert last.outcome is not None and last.outcome.history is last.history
    assert last.outcome.diagnosis is not None and last.goal == pytest.approx(1.25 * 0.2**2 + 0.005)


def test_iter_run_checks_its_arguments_before_the_first_yield():
    with pytest.raises(ValueError, match="goal"):
        iter_run(Settings(), goal=-1.0)
    with pytest.raises(TypeError, match="settings must be"):
        iter_run(["width", 8])
    with pytest.raises(ValueError, match="unknown setting"):
        iter_run({"widht": 8})


@pytest.mark.parametrize("settings", [
    {},
    {"dropout": 0.3, "batch_size": 8},  # dropout and shuffling draw random numbers every step
    {"dataset": "moons", "n_train": 40, "optimizer": "sgd", "lr": 0.1},
])
def test_the_panel_and_run_settings_train_the_same_run(settings):
    panel = Playground(**{**SMALL, **settings})
    outcome = run_settings(panel.state())
    assert outcome.history.train_loss == panel.history.train_loss
    assert outcome.history.val_loss == panel.history.val_loss
    assert outcome.diagnosis.regime == panel.diagnosis.regime
    assert outcome.diagnosis.val_error == pytest.approx(panel.diagnosis.val_error)


def test_a_run_leaves_torchs_global_random_state_alone():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    run_settings(Settings(**SMALL, dropout=0.2, batch_size=8))
    assert torch.equal(torch.get_rng_state(), before)


def test_a_goal_given_to_the_panel_reaches_the_diagnosis():
    panel = Playground(**SMALL, goal=10.0)  # so loose that any finished run is about right
    assert panel.diagnosis.regime == "about right"
    assert run_settings(panel.state(), goal=10.0).diagnosis.regime == "about right"


def test_generated_data_validate_on_a_fixed_pool_whatever_the_training_size():
    small, large = (make_problem(Settings(n_train=n)) for n in (10, 160))
    assert (small.n_train, small.n_val, large.n_train, large.n_val) == (10, VAL_POOL, 160, VAL_POOL)
    assert np.array_equal(small.split.X_val, large.split.X_val)  # the same pool: runs compare fairly
    assert not np.array_equal(small.split.X_val, make_problem(Settings(random_state=1)).split.X_val)
    assert small.noise == 0.2 and small.true_function is not None


def test_user_data_keep_a_70_20_10_split_of_their_rows():
    X = np.linspace(-1, 1, 50)[:, None]
    problem = make_problem(Settings(), data=(X, np.sin(3 * X[:, 0])))
    assert (problem.n_train, problem.n_val, len(problem.split.y_test)) == (35, 10, 5)
    assert problem.noise is None and problem.true_function is None and "read as" in problem.note


def test_the_verdict_on_a_curve_uses_the_true_function():
    outcome = run_settings(Settings(**SMALL))
    train, val = errors(outcome.model, outcome.problem)
    excess = excess_error(outcome.model, outcome.problem)
    assert outcome.excess == pytest.approx(excess) and excess > 0
    assert outcome.diagnosis.train_error == pytest.approx(train)
    assert outcome.diagnosis.val_error == pytest.approx(0.2**2 + excess)  # noise floor + distance from truth
    assert outcome.diagnosis.val_error != pytest.approx(val)  # not the measured, noisy number
    assert "n_train 20, n_val 300" in outcome.readout and f"excess {excess:.3g}" in outcome.readout


def test_a_staircase_at_learning_rate_3_2_is_not_about_right():
    """Adam at lr 3.2 on noise 1.0 fits a staircase with a spike; the old 70/20/10 split's 11
    validation points called it "About right" (excess over the noise floor 0.42 > the goal's 0.25)."""
    outcome = run_settings(Settings(optimizer="adam", lr=3.2, noise=1.0))
    assert outcome.diagnosis.regime != "about right"
    assert outcome.excess > 0.25 * 1.0**2 + 0.005  # farther from the truth than the goal's margin


def test_case03_dropout_training_curve_is_labelled_and_the_eval_mode_error_marked():
    """Case 03: with dropout 0.5 the running training loss (train mode) sits above validation and
    above the goal, while the banner's eval-mode training error meets it. The plot marks that error."""
    panel = Playground(n_train=200, width=128, dropout=0.5, epochs=300)  # the case's settings
    history, diagnosis = panel.history, panel.diagnosis
    assert history.train_loss[-1] > history.val_loss[-1]  # validation below training ...
    assert history.train_loss[-1] > diagnosis.goal_error > diagnosis.train_error  # the curve misses the goal
    marker = panel.loss_view.final_train
    assert marker.get_visible() and marker.get_ydata()[0] == pytest.approx(diagnosis.train_error)
    assert marker.get_xdata()[0] == len(history.train_loss) - 1
    labels = [t.get_text() for t in panel.loss_view.ax.get_legend().get_texts()]
    assert "train (running, train mode)" in labels and "train, after training (eval mode)" in labels
    assert "eval mode (dropout off)" in panel.advice.value


def test_a_run_recorded_in_the_logbook_trains_again_from_its_entry(tmp_path):
    from labkit.logbook import Logbook

    with Logbook(tmp_path / "runs.db") as book:
        outcome = run_settings(Settings(**SMALL, dropout=0.2), logbook=book, note="dropout on")
        entry = book.entries("playground")[0]
        assert entry.note == "dropout on" and entry.config == Settings(**SMALL, dropout=0.2).as_dict()
        assert entry.curves["val_loss"] == outcome.history.val_loss
        assert entry.metrics["val_error"] == outcome.diagnosis.val_error
        assert entry.metrics["regime"] == outcome.diagnosis.regime
        again = run_settings(entry.config)
        assert again.history.val_loss == entry.curves["val_loss"]  # the configuration is the run


def test_the_panel_records_its_last_finished_run_only_on_request(tmp_path):
    from labkit.logbook import Logbook

    X = np.linspace(-1, 1, 30)[:, None]
    with Logbook(tmp_path / "runs.db") as book:
        panel = Playground(data=(X, np.sin(3 * X[:, 0])), **SMALL)
        assert len(book) == 0  # training records nothing by itself
        entry = panel.record(book, note="my data")
        assert f"#{entry.id}" in panel.status.value and entry.data["shapes"][0] == [panel.problem.n_train, 1]
        assert entry.metrics["val_error"] == panel.diagnosis.val_error
        panel.outcome = None  # as while a new run trains
        with pytest.raises(RuntimeError, match="no finished run to record yet"):
            panel.record(book)
        with pytest.raises(TypeError, match="logbook must be a labkit.logbook.Logbook"):
            run_settings(Settings(**SMALL), logbook=str(tmp_path / "runs.db"))
        assert len(book) == 1
        panel.close()
