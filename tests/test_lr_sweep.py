"""The learning-rate sweep (U-curve), its regions, its pictures and the regimes panel."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from labkit.optimization.lr_sweep import (  # noqa: E402
    LRSweepResult,
    classify_rates,
    default_problem,
    lr_sweep,
    make_network,
    train_regimes,
)
from labkit.train import fit  # noqa: E402

TRAIN, VAL = default_problem(n_train=20, n_val=50, random_state=3)
SMALL = {"width": 8, "depth": 1, "epochs": 30}


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_batched_sweep_agrees_with_separate_fit_runs(optimizer):
    rates = [0.01, 0.1]
    result = lr_sweep(TRAIN, VAL, rates=rates, seeds=[4, 7], optimizer=optimizer, **SMALL)
    for i, j in [(0, 1), (1, 0)]:
        net = make_network(int(result.seeds[j]), width=8, depth=1)
        history = fit(net, TRAIN, VAL, epochs=30, lr=rates[i], optimizer=optimizer)
        assert np.allclose(result.curves[i, j], history.train_loss, rtol=1e-4, atol=1e-6)
        assert result.val_loss[i, j] == pytest.approx(history.val_loss[-1], rel=1e-4)


def test_same_seed_same_start_at_every_rate_and_a_huge_rate_diverges():
    result = lr_sweep(TRAIN, rates=[1e-3, 0.05, 1e3], seeds=[0, 1, 2], **SMALL)
    assert np.allclose(result.curves[:, :, 0], result.start_loss)  # paired: one initial network per seed
    assert result.diverged[2].all() and np.isinf(result.train_loss[2]).all()
    assert result.regions[2] == "diverged" and result.best_rate == 0.05
    assert "diverged" in repr(result) and all(len(line) <= 100 for line in repr(result).splitlines())


def test_regions_are_ordered_on_a_constructed_curve():
    median = np.array([1.0, 0.5, 0.2, 0.1, 0.15, 0.5, np.inf, np.inf])
    regions, best = classify_rates(median, [0, 0, 0, 0, 0, 0.25, 1.0, 0.75], good_factor=2.0)
    assert best == 3
    assert regions == ("too low", "too low", "good", "good", "good", "too high", "diverged", "diverged")
    assert classify_rates([np.inf, np.inf], [1, 1]) == (("diverged", "diverged"), -1)
    strict, _ = classify_rates(median, np.zeros(8), good_factor=1.0)
    assert strict.count("good") == 1


def test_result_band_brackets_the_median_and_good_span():
    result = lr_sweep(TRAIN, rates=[1e-3, 1e-2, 0.1], seeds=[0, 1, 2, 3], **SMALL)
    assert isinstance(result, LRSweepResult) and result.train_loss.shape == (3, 4)
    assert np.all(result.band_train[0] <= result.median_train + 1e-12)
    assert np.all(result.median_train <= result.band_train[1] + 1e-12)
    low, high = result.region_span("good")
    assert low <= result.best_rate <= high


@pytest.mark.parametrize("kwargs, name", [
    ({"rates": [0.1, 0.01]}, "rates"), ({"rates": [-1.0]}, "rates"), ({"seeds": "ab"}, "seeds"),
    ({"seeds": [-1]}, "seeds[0]"), ({"optimizer": "rmsprop"}, "optimizer"), ({"epochs": 0}, "epochs"),
    ({"good_factor": 0.5}, "good_factor"), ({"quantiles": (0.9, 0.1)}, "quantiles"),
])
def test_bad_arguments_name_themselves(kwargs, name):
    arguments = {"rates": [0.01], "seeds": [0], **SMALL, **kwargs}
    with pytest.raises((ValueError, TypeError), match=name.replace("[", r"\[")):
        lr_sweep(TRAIN, **arguments)


def test_train_regimes_keeps_the_callers_order():
    x = np.linspace(-3, 3, 7)
    runs = train_regimes(TRAIN, [0.1, 1e-3], x=x, **SMALL)
    assert runs.rates.tolist() == [0.1, 1e-3] and runs.predictions.shape == (2, 7)
    assert runs.final_loss[0] < runs.final_loss[1]  # 100x the rate learns more in 30 epochs


def test_plots_draw_regions_and_several_optimizers():
    from labkit.viz.learning_rate import plot_u_curve

    sgd = lr_sweep(TRAIN, VAL, rates=[1e-3, 0.05, 1e3], seeds=[0, 1], **SMALL)
    adam = lr_sweep(TRAIN, VAL, rates=[1e-3, 0.05, 1e3], seeds=[0, 1], optimizer="adam", **SMALL)
    ax = plot_u_curve([sgd, adam], val=True)
    texts = {t.get_text() for t in ax.texts}
    assert {"too low", "diverged"} <= texts or {"good", "diverged"} <= texts
    labels = [line.get_label() for line in ax.lines]
    assert "sgd: train" in labels and "adam: validation" in labels
    assert ax.get_xscale() == "log"
    matplotlib.pyplot.close("all")


def test_regimes_panel_builds_and_a_slider_move_retrains_one_run():
    from labkit.panels.learning_rate import RegimesPanel

    panel = RegimesPanel(epochs=20)
    assert panel.last_error is None and panel.trained == 5 and panel.runs == 1
    assert "final training MSE" in panel.status.value
    fixed_before = [line.get_ydata().copy() for line in panel.view.curves[:4]]
    yours_before = panel.view.curves[4].get_ydata().copy()
    panel.controls["lr"].value = 0.5
    assert panel.trained == 6 and panel.runs == 2  # only "your rate" retrained
    for line, before in zip(panel.view.curves[:4], fixed_before, strict=True):
        assert np.array_equal(line.get_ydata(), before, equal_nan=True)
    assert not np.array_equal(panel.view.curves[4].get_ydata(), yours_before, equal_nan=True)
    panel.controls["optimizer"].value = "adam"
    assert panel.trained == 11 and "adam" in panel.view.ax_loss.get_title()
    panel.close()
