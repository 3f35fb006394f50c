"""Early stopping replayed for any patience: it matches fit(early_stopping=...), and the panel shows it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from labkit.panels.early_stopping import EarlyStoppingPanel  # noqa: E402
from labkit.regularization.early_stopping import patience_outcome  # noqa: E402
from labkit.regularization.setup import overfit_setup, train_run  # noqa: E402

TINY = {"per_class": 4, "n_val": 60, "width": 16, "epochs": 40, "lr": 1e-2}


@pytest.fixture(scope="module")
def setup():
    return overfit_setup(**TINY)


def test_replaying_the_rule_stops_where_fit_stops_and_gives_back_its_weights(setup):
    full = train_run(setup)
    val_loss, val_error = full.history.val_loss, 1 - np.array(full.history.val_metric)
    for patience in (2, 5):
        outcome = patience_outcome(val_loss, val_error, patience)
        stopped = train_run(setup, early_stopping=patience)
        assert stopped.history.epochs_run - 1 == outcome.stopped_epoch and outcome.stopped
        assert stopped.history.best_epoch == outcome.best_epoch
        assert stopped.val_error == pytest.approx(outcome.restored_val_error)  # the weights given back
    never = patience_outcome(val_loss, val_error, len(val_loss))
    assert not never.stopped and never.stopped_epoch == len(val_loss) - 1


def test_the_rule_on_a_written_curve():
    loss = [3.0, 2.0, 2.5, 1.0, 1.5, 1.6, 1.7, 0.5]
    error = np.linspace(0.8, 0.1, 8)
    outcome = patience_outcome(loss, error, 3)  # best 1.0 at epoch 3, three epochs without a better one
    assert (outcome.best_epoch, outcome.stopped_epoch) == (3, 6)
    assert outcome.restored_val_error == error[3] and outcome.last_val_error == error[6]
    assert "stops after epoch 6, gives back epoch 3" in str(outcome)
    with pytest.raises(ValueError, match="patience"):
        patience_outcome(loss, error, 0)
    with pytest.raises(ValueError, match="one non-zero length"):
        patience_outcome(loss, error[:3], 3)
    with pytest.raises(ValueError, match="no finite value"):
        patience_outcome([np.nan, np.nan], [1.0, 1.0], 1)


def test_the_panel_moves_the_stop_with_the_slider_without_training_again(setup):
    panel = EarlyStoppingPanel(setup, patience=3)
    try:
        assert panel.last_error is None
        first = panel.result
        assert panel.unrun.get_x() == first.stopped_epoch
        assert panel.best_marker.get_xdata()[0] == first.best_epoch
        assert f"stops after epoch {first.stopped_epoch}" in panel.status.value
        assert panel.title.get_text().startswith("patience 3: stops after epoch")
        trained = panel.run.history
        panel.controls["patience"].value = setup.epochs  # never stops: nothing greyed out
        assert panel.result.stopped is False and panel.unrun.get_width() == 0
        assert "never stops early" in panel.title.get_text()
        assert panel.run.history is trained  # one recorded run serves every patience
    finally:
        panel.close()
    with pytest.raises(TypeError, match="setup must be an OverfitSetup"):
        EarlyStoppingPanel("digits")
    with pytest.raises(ValueError, match="patience"):
        EarlyStoppingPanel(setup, patience=0)
