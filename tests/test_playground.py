"""The playground's run is written once: iter_run feeds the panel, run_settings drains it, and they agree."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

from labkit.generalization.playground import Settings, iter_run, run_settings  # noqa: E402
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
