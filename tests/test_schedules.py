"""labkit.optimization.schedules and its plots: seven schedules on one start, one decaying too early."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from labkit.optim import schedule_factors  # noqa: E402
from labkit.optimization.schedules import (  # noqa: E402
    SCHEDULE_NAMES,
    compare_schedules,
    schedule_that_hurts,
    standard_schedules,
)
from labkit.viz.layout import pixel_width  # noqa: E402
from labkit.viz.schedules import plot_schedules  # noqa: E402

EPOCHS = 24


@pytest.fixture(scope="module")
def comparison():
    return compare_schedules(epochs=EPOCHS, n_samples=64, width=16, random_state=3)


def test_standard_schedules_decay_over_the_run_and_start_near_the_base_rate():
    schedules = standard_schedules(EPOCHS)
    assert tuple(schedules) == SCHEDULE_NAMES
    for name, schedule in schedules.items():
        if name == "plateau":  # decided by the loss: no factors before training
            continue
        factors = schedule_factors(schedule, EPOCHS)
        assert factors.max() == pytest.approx(1.0), name
        if name != "constant":
            assert factors[-1] < 0.2, name  # every decay ends well below the base rate
    lusch = schedule_factors(schedules["linear then exponential"], EPOCHS + 1)
    assert lusch[EPOCHS // 2] == pytest.approx(0.1) and lusch[EPOCHS] == pytest.approx(0.01)
    hurts = schedule_factors(schedule_that_hurts(EPOCHS), EPOCHS)
    assert hurts[EPOCHS // 20] == pytest.approx(0.02)


def test_runs_share_their_start_and_batches_and_record_the_rate_they_used(comparison):
    runs = comparison.runs
    assert list(runs) == [*SCHEDULE_NAMES, "too early"]
    first = {name: run.history.step_loss[0] for name, run in runs.items()}
    assert len(set(first.values())) == 1  # same weights, same first batch
    for run in runs.values():
        np.testing.assert_allclose(run.factors, np.asarray(run.history.lr) / comparison.lr)
    np.testing.assert_allclose(runs["cosine"].factors, schedule_factors("cosine", EPOCHS))
    plateau = runs["plateau"].factors
    assert np.all(np.diff(plateau) <= 0) and plateau[0] == 1.0


def test_a_schedule_that_decays_too_early_ends_above_the_constant_rate(comparison):
    final = comparison.final("train")
    assert final["too early"] > 2 * final["constant"]
    assert comparison.final("val")["too early"] > comparison.final("val")["constant"]
    assert "too early" in comparison.table() and "constant" in repr(comparison)


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"schedules": {}}, TypeError, "schedules must be a non-empty dict"),
    ({"schedules": {"mine": "cosin"}}, ValueError, r"schedules\['mine'\]"),
    ({"epochs": 2}, ValueError, "epochs"),
    ({"optimizer": "adagrad"}, ValueError, "optimizer"),
    ({"lr": 0.0}, ValueError, "lr"),
])
def test_compare_schedules_rejects_bad_arguments_by_name(kwargs, error, words):
    with pytest.raises(error, match=words):
        compare_schedules(**kwargs)


def test_plot_schedules_puts_each_rate_above_its_loss(comparison):
    fig = plot_schedules(comparison, names=["constant", "cosine", "too early"])
    ax_rate, ax_loss = fig.axes
    assert len(ax_rate.lines) == len(ax_loss.lines) == 3 and pixel_width(fig) <= 820
    np.testing.assert_allclose(ax_rate.lines[1].get_ydata(), comparison.runs["cosine"].factors)
    assert ax_rate.get_shared_x_axes().joined(ax_rate, ax_loss)
    assert len(plot_schedules(comparison).axes[0].lines) == len(comparison.runs)
    with pytest.raises(ValueError, match="'linear' is not among"):
        plot_schedules(comparison, names=["linear"])
    plt.close("all")
