"""The search lab's panels and pictures, driven headless: set widget values and check what the plots hold."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from labkit.panels.search import BayesPanel, LogScalePanel  # noqa: E402
from labkit.search.sampling import decade_shares, draw, grid_vs_random  # noqa: E402
from labkit.viz.search import (  # noqa: E402
    plot_bayes_contour,
    plot_bayes_step,
    plot_decades,
    plot_grid_vs_random,
    plot_strategies,
)


def heights(view):
    return np.array([bar.get_height() for bar in view.bars])


def artist_counts(ax):
    return len(ax.lines), len(ax.patches), len(ax.collections), len(ax.texts)


def test_log_scale_panel_redraws_in_place_when_the_sampler_and_range_change():
    panel = LogScalePanel(low=1e-4, high=1e-1, scale="uniform", n=2000)
    assert panel.last_error is None and panel.runs == 1
    draws, decades = panel.result
    assert heights(panel.view).sum() == 2000 and decades.shares[-1] > 0.85
    assert [t.get_text() for t in panel.view.labels[:3]][-1] == f"{decades.shares[-1]:.0%}"
    assert "share per decade" in panel.status.value and len(panel._screen.value) > 1000
    counts, bars = artist_counts(panel.view.ax), list(panel.view.bars)
    panel.controls["scale"].value = "log"
    assert panel.runs == 2 and np.allclose(panel.result[1].shares, 1 / 3, atol=0.05)
    panel.controls["exponents"].value = (-6, -1)  # five decades now
    assert panel.runs == 3 and len(panel.result[1].shares) == 5
    assert sum(label.get_visible() for label in panel.view.labels) == 5
    assert panel.view.ax.get_xlim() == pytest.approx((1e-6, 1e-1))
    assert artist_counts(panel.view.ax) == counts and list(panel.view.bars) == bars  # same artists
    panel.close()


def test_log_scale_panel_shows_an_error_in_its_status_line():
    panel = LogScalePanel()
    panel.controls["exponents"].value = (-3, -3)
    assert isinstance(panel.last_error, ValueError) and "Error" in panel.status.value
    panel.controls["exponents"].value = (-3, -1)
    assert panel.last_error is None and panel.runs == 2
    panel.close()


@pytest.mark.parametrize("kwargs, name", [({"low": 1e-2, "high": 1e-4}, "high"),
                                          ({"scale": "logit"}, "scale"),
                                          ({"n": 1}, "n"), ({"low": 1e-12}, "low"),
                                          ({"low": 3e-4}, "low must be a power of ten")])
def test_log_scale_panel_names_bad_arguments(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        LogScalePanel(**kwargs)


def test_pictures_fit_the_column_and_show_the_counts():
    samples = {}
    for title, scale in (("uniform", "uniform"), ("log-uniform", "log")):
        values = draw(1e-4, 1e-1, 500, scale=scale, random_state=0)
        samples[title] = (values, decade_shares(values, 1e-4, 1e-1))
    fig, views = plot_decades(samples)
    assert fig.get_figwidth() * fig.dpi <= 820 and [heights(v).sum() for v in views] == [500, 500]
    plt.close(fig)
    space = {"a": (-4.0, 0.0), "b": (-6.0, -1.0)}
    result = grid_vs_random(lambda p: 10.0 ** (p[:, 0] + 3) ** 2 / 50 + 0.01, space, resolution=5,
                            random_state=1)
    fig, axes = plot_grid_vs_random(result)
    assert fig.get_figwidth() * fig.dpi <= 820
    assert len(axes[0, 0].collections[-1].get_offsets()) == 9  # the grid's trials on the landscape
    assert axes[1, 0].get_title().startswith("3 values") and axes[1, 1].get_title().startswith("9 values")
    plt.close(fig)


def test_bayes_panel_steps_add_one_observation_and_pick_the_ei_argmax():
    panel = BayesPanel(objective="smooth", n_initial=3, epochs=10)
    step = panel.result
    assert panel.last_error is None and len(step.errors) == 3
    assert step.next_point[0] == pytest.approx(step.grid[np.argmax(step.ei), 0])  # 1-D: the EI argmax
    assert panel.view.pick_marker.get_xdata()[0] == pytest.approx(np.log10(step.next_config["lr"]))
    counts, pick = artist_counts(panel.view.ax), step.next_config["lr"]
    panel.step_button.click()
    assert len(panel.result.errors) == 4 and panel.configs[-1]["lr"] == pytest.approx(pick)
    assert np.allclose(panel.view.ei.get_ydata(), panel.result.ei)
    panel.controls["objective"].value = "cliff"  # the menu: a new objective, observations start again
    assert len(panel.result.errors) == 3 and panel.objective.space[0].high == 1.0
    assert artist_counts(panel.view.ax) == counts
    panel.errors[0] = -1.0  # a bad observation: the GP step raises, the status line shows it
    panel.next_step()
    assert isinstance(panel.last_error, ValueError) and "Error" in panel.status.value
    panel.reset_button.click()
    assert panel.last_error is None and len(panel.result.errors) == 3
    panel.close()


@pytest.mark.parametrize("kwargs, name", [({"objective": "wavy"}, "objective"),
                                          ({"n_initial": 1}, "n_initial"), ({"epochs": 0}, "epochs")])
def test_bayes_panel_names_bad_arguments(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        BayesPanel(**kwargs)


def test_strategy_picture_draws_a_median_and_band_per_strategy():
    best = {"grid": np.array([[0.5, 0.2, 0.2], [0.4, 0.3, 0.1]]), "random": np.array([[0.9, 0.1, 0.1]] * 2)}
    comparison = SimpleNamespace(names=list(best), n_trials=3, best=best, quantiles=(0.1, 0.9),
                                 median=lambda n: np.median(best[n], axis=0),
                                 band=lambda n: np.quantile(best[n], (0.1, 0.9), axis=0))
    fig, ax = plot_strategies(comparison)
    assert [line.get_label() for line in ax.lines] == ["grid", "random"]
    assert np.allclose(ax.lines[0].get_ydata(), [0.45, 0.25, 0.15]) and len(ax.collections) == 2
    assert ax.get_yscale() == "log"  # medians span a factor of 9
    plt.close(fig)
    with pytest.raises(ValueError, match="names"):
        plot_strategies(comparison, names=["tpe"])


def test_bayes_step_pictures_mark_the_pick_in_one_and_two_dimensions():
    from labkit.search.bayes import bayes_step
    from labkit.search.objective import DEFAULT_SPACE

    configs = [{"lr": lr, "weight_decay": wd} for lr, wd in [(1e-3, 1e-5), (1e-2, 1e-3), (0.1, 1e-4),
                                                            (0.5, 1e-2), (3e-4, 3e-2)]]
    errors = [0.3, 0.1, 0.06, 1.2, 0.4]  # made up: the pictures need no training
    step = bayes_step(DEFAULT_SPACE[:1], [{"lr": c["lr"]} for c in configs], errors, n_grid=101)
    fig, view = plot_bayes_step(step)
    assert fig.get_figwidth() * fig.dpi <= 820
    assert view.picks[0].get_xdata()[0] == pytest.approx(np.log10(step.next_config["lr"]))
    assert np.allclose(view.observed.get_offsets()[:, 1], errors)
    assert np.allclose(view.mean.get_ydata(), 10.0 ** step.mean)
    plt.close(fig)
    step2 = bayes_step(DEFAULT_SPACE, configs, errors, n_grid=100, n_candidates=200)
    fig, axes = plot_bayes_contour(step2)
    star = axes[1].lines[-1]
    assert star.get_xdata()[0] == pytest.approx(np.log10(step2.next_config["lr"]))
    assert star.get_ydata()[0] == pytest.approx(np.log10(step2.next_config["weight_decay"]))
    plt.close(fig)
