"""labkit.optimization.clipping and its plots: spikes, what a threshold clips, and what it buys."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from labkit.optimization.clipping import compare_thresholds, spike_steps, spiky_data  # noqa: E402
from labkit.viz.layout import pixel_width  # noqa: E402
from labkit.viz.schedules import plot_clipping, plot_thresholds  # noqa: E402


@pytest.fixture(scope="module")
def comparison():
    return compare_thresholds((None, 1.0, 1e-3), epochs=12, random_state=1)


def test_spiky_data_has_the_outliers_asked_for_and_a_clean_val_set():
    (X, y), (X_val, y_val) = spiky_data(50, n_outliers=3, outlier_value=20.0, random_state=0)
    assert X.shape == X_val.shape == (50, 1) and y.shape == y_val.shape == (50,)
    assert np.sum(np.abs(y) == 20.0) == 3 and np.abs(y_val).max() < 5
    (_, again), _ = spiky_data(50, n_outliers=3, outlier_value=20.0, random_state=0)
    np.testing.assert_array_equal(y, again)


def test_runs_differ_only_by_clipping_and_the_threshold_sets_the_share_clipped(comparison):
    runs = comparison.runs
    first = {t: (run.grad_norm[0], run.history.step_loss[0]) for t, run in runs.items()}
    assert len(set(first.values())) == 1  # same start, same first batch
    assert runs[None].fraction_clipped == 0.0 and runs[1e-3].fraction_clipped == 1.0
    assert 0 < runs[1.0].fraction_clipped < 1
    assert runs[1.0].fraction_clipped == np.mean(runs[1.0].grad_norm > 1.0)
    assert len(spike_steps(runs[None])) > 0  # the outliers' batches are spikes


def test_clipping_at_a_moderate_threshold_learns_what_plain_sgd_does_not(comparison):
    runs = comparison.runs
    assert runs[1.0].final_val_loss < 0.5 * runs[None].final_val_loss
    assert "none" in comparison.table() and "threshold=1.0" in repr(runs[1.0])


@pytest.mark.parametrize(("thresholds", "error", "words"), [
    ([], ValueError, "thresholds must hold at least one"),
    ([None, 0.0], ValueError, "thresholds must be greater than 0"),
    ("1.0", TypeError, "thresholds must be a list"),
])
def test_bad_thresholds_are_named(thresholds, error, words):
    with pytest.raises(error, match=words):
        compare_thresholds(thresholds, epochs=1)


def test_bad_data_arguments_are_named():
    with pytest.raises(ValueError, match="n_outliers"):
        spiky_data(10, n_outliers=11)
    with pytest.raises(ValueError, match="factor"):
        spike_steps(compare_thresholds([None], epochs=1).runs[None], factor=0.5)


def test_the_clipping_plots_show_the_norms_the_threshold_and_the_losses(comparison):
    fig = plot_clipping(comparison)
    ax_norm, ax_loss = fig.axes
    np.testing.assert_allclose(ax_norm.lines[0].get_ydata(), comparison.runs[None].grad_norm)
    assert [line.get_ydata()[0] for line in ax_norm.lines[2:]] == [1.0]  # the best run's threshold
    assert len(ax_loss.lines) == 2 and pixel_width(fig) <= 820
    assert len(plot_thresholds(comparison).axes) == 2
    with pytest.raises(ValueError, match="no clipped run"):
        plot_thresholds(compare_thresholds([None], epochs=1))
    plt.close("all")
