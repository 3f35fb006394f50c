"""The live panels of Labs 02 and 03, driven headless: set widget values and check what the plots hold."""

from __future__ import annotations

import asyncio

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from labkit.generalization.extrapolation import fit_identity  # noqa: E402
from labkit.panels import explorers  # noqa: E402
from labkit.panels.explorers import BiasVariancePanel, ExtrapolationExplorer, LeakageExplorer  # noqa: E402

QUICK = {"epochs": 60}
QUICK_LEAK = {"epochs": 20, "n_models": 1}


def curves(panel):
    return np.array([line.get_ydata() for line in panel.model_lines], dtype=float)


def artist_counts(ax):
    return len(ax.lines), len(ax.patches), len(ax.collections), len(ax.texts)


# ---------------------------------------------------------------- the extrapolation explorer

def test_fit_identity_trains_on_the_domain_and_predicts_beyond():
    result = fit_identity(2.0, n_models=2, epochs=100, x_range=3.0, n_grid=61, random_state=1)
    assert result.domain == (-1.0, 1.0) and result.predictions.shape == (2, 61)
    assert result.x[0] == -3.0 and result.x[-1] == 3.0 and np.allclose(result.truth, result.x)
    s = result.summary()
    assert s["error_inside"] < 0.01 < s["error_outside"]
    again = fit_identity(2.0, n_models=2, epochs=100, x_range=3.0, n_grid=61, random_state=1)
    assert np.array_equal(result.predictions, again.predictions)  # the seed fixes everything


def test_explorer_draws_its_result_and_a_control_changes_it():
    panel = ExtrapolationExplorer(**QUICK)
    assert panel.last_error is None and panel.runs == 1
    assert np.allclose(curves(panel), panel.result.predictions)
    assert np.allclose(panel.model_lines[0].get_xdata(), panel.result.x)
    assert "MSE inside the domain" in panel.status.value
    assert len(panel._screen.value) > 1000  # a PNG frame (no ipympl here)
    counts = artist_counts(panel.ax)
    before = curves(panel)
    panel.controls["activation"].value = "tanh"
    assert panel.runs == 2 and not np.allclose(before, curves(panel))
    assert "tanh" in panel.title.get_text()
    panel.controls["depth"].value = 1
    panel.controls["random_state"].value = 3
    assert artist_counts(panel.ax) == counts  # updated in place, nothing added
    panel.close()


def test_domain_width_moves_the_shading_and_the_points():
    panel = ExtrapolationExplorer(**QUICK)
    assert panel.domain_patch.get_x() == pytest.approx(-0.5) and panel.domain_patch.get_width() == 1.0
    panel.controls["domain_width"].value = 3.0
    assert panel.domain_patch.get_x() == pytest.approx(-1.5) and panel.domain_patch.get_width() == 3.0
    points = panel.points.get_offsets()
    assert len(points) == 50 and np.abs(points[:, 0]).max() <= 1.5 and np.abs(points[:, 0]).max() > 1.0
    assert panel.result.domain == (-1.5, 1.5)
    panel.close()


def test_a_storm_of_changes_ends_in_the_last_values_with_nothing_running():
    async def storm():
        panel = ExtrapolationExplorer(**QUICK)  # in a running loop: the first run is scheduled, not done
        assert panel.result is None
        activations = ["relu", "tanh", "sigmoid", "elu", "silu"]
        for i in range(40):
            panel.controls["activation"].value = activations[i % 5]
            panel.controls["width"].value = [4, 8, 16, 32][i % 4]
            if i % 10 == 0:
                await asyncio.sleep(0)  # let a run start now and then, to be superseded mid-way
        panel.controls["activation"].value = "sigmoid"
        panel.controls["width"].value = 8
        panel.controls["domain_width"].value = 2.0
        await panel.wait()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        return panel, others

    panel, others = asyncio.run(storm())
    assert not panel.running and not others
    assert panel.runs <= 6  # a few runs got to start between yields; the rest were skipped
    assert panel.state()["activation"] == "sigmoid" and panel.state()["width"] == 8
    assert "sigmoid, width 8" in panel.title.get_text() and panel.result.domain == (-1.0, 1.0)
    expected = fit_identity(2.0, activation="sigmoid", width=8, epochs=QUICK["epochs"], x_range=4.0)
    assert np.allclose(curves(panel), expected.predictions)  # what is shown belongs to the last values
    panel.close()


def test_an_error_in_a_callback_is_shown_in_the_panel_and_cleared_by_the_next_run():
    panel = ExtrapolationExplorer(**QUICK)
    working = panel._compute

    def broken(values):
        raise RuntimeError("the training data went missing")

    panel._compute = broken
    panel.controls["width"].value = 4
    assert isinstance(panel.last_error, RuntimeError)
    assert "RuntimeError" in panel.status.value and "went missing" in panel.status.value
    panel._compute = working
    panel.controls["width"].value = 8
    assert panel.last_error is None and "MSE inside" in panel.status.value
    panel.close()


def test_an_error_in_a_scheduled_run_is_shown_too():
    async def scenario():
        panel = LeakageExplorer(**QUICK_LEAK)
        await panel.wait()
        panel._compute = lambda values: 1 / 0
        panel.controls["leak"].value = False
        await panel.wait()
        return panel

    panel = asyncio.run(scenario())
    assert isinstance(panel.last_error, ZeroDivisionError) and "ZeroDivisionError" in panel.status.value
    panel.close()


def test_close_stops_listening_and_frees_the_figure():
    figures = len(plt.get_fignums())
    panel = ExtrapolationExplorer(**QUICK)
    panel.close()
    runs = panel.runs
    panel.controls["width"].value = 32
    assert panel.runs == runs and len(plt.get_fignums()) == figures
    assert panel.widget.comm is None  # the widget is closed


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"activation": "softmax"}, ValueError, "activation"),
    ({"activation": 3}, ValueError, "activation"),
    ({"width": 0}, ValueError, "width"),
    ({"width": "8"}, TypeError, "width"),
    ({"depth": 0}, ValueError, "depth"),
    ({"depth": 2.0}, TypeError, "depth"),
    ({"domain_width": -1.0}, ValueError, "domain_width"),
    ({"domain_width": 8.0}, ValueError, "domain_width"),
    ({"domain_width": "wide"}, TypeError, "domain_width"),
    ({"random_state": -1}, ValueError, "random_state"),
    ({"n_models": 0}, ValueError, "n_models"),
    ({"epochs": 1.5}, TypeError, "epochs"),
    ({"x_range": 0.0}, ValueError, "x_range"),
])
def test_extrapolation_explorer_rejects_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        ExtrapolationExplorer(**kwargs)


def test_an_unusual_but_valid_value_is_added_to_the_slider():
    panel = ExtrapolationExplorer(width=12, domain_width=1.5, **QUICK)
    assert 12 in panel.controls["width"].options and panel.state()["width"] == 12
    assert panel.result.domain == (-0.75, 0.75)
    panel.close()


# ---------------------------------------------------------------- the leakage explorer

def test_leakage_bars_show_the_result_and_the_toggle_changes_them():
    panel = LeakageExplorer("duplicates", **QUICK_LEAK)
    r = panel.result
    heights = [bar.get_height() for bar in panel.bars]
    assert heights == pytest.approx([r.train_error, r.val_error, r.holdout_error])
    assert panel.labels[1].get_text() == f"{r.val_error:.3f}"
    assert "duplicates" not in panel.title.get_text() and "duplicated rows" in panel.title.get_text()
    counts = artist_counts(panel.ax)
    panel.controls["leak"].value = False
    honest = panel.result
    assert not honest.leak and [bar.get_height() for bar in panel.bars][1] == pytest.approx(honest.val_error)
    assert honest.val_error > r.val_error  # without the leak validation stops flattering
    assert "no leak" in panel.title.get_text() and "times the error" in panel.status.value
    panel.controls["kind"].value = "time_order"
    assert panel.result.kind == "time_order" and "time order" in panel.title.get_text()
    assert panel.ax.get_ylim()[1] == pytest.approx(1.2 * max(b.get_height() for b in panel.bars))
    assert artist_counts(panel.ax) == counts
    panel.close()


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"kind": "labels"}, ValueError, "kind"),
    ({"leak": "yes"}, TypeError, "leak"),
    ({"random_state": -3}, ValueError, "random_state"),
    ({"n_models": 0}, ValueError, "n_models"),
    ({"epochs": 0}, ValueError, "epochs"),
])
def test_leakage_explorer_rejects_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        LeakageExplorer(**kwargs)


# ---------------------------------------------------------------- the bias-variance panel

SWEEP = {"n_models": 3, "epochs": 30}


def test_bias_variance_panel_sweeps_and_shows_the_models():
    panel = BiasVariancePanel(**SWEEP)
    result = panel.result
    assert panel.last_error is None and "lowest test error at width" in panel.status.value
    assert np.allclose(panel.view.test_error.get_ydata(), result.test_error)
    assert panel.show.value == result.best_value
    index = result.values.tolist().index(panel.show.value)
    assert np.allclose(panel.ensemble.models[0].get_ydata(), result.predictions[index, 0])

    runs = panel.runs
    panel.show.value = result.values[0].item()  # moves lines only: no new sweep
    assert panel.runs == runs and np.allclose(panel.ensemble.models[0].get_ydata(), result.predictions[0, 0])
    panel.controls["param"].value = "weight_decay"
    assert panel.runs == runs + 1 and panel.result.param == "weight_decay"
    assert panel.controls["n_train"].disabled is False
    panel.controls["param"].value = "n_train"
    assert panel.controls["n_train"].disabled is True
    assert list(panel.show.options) == panel.result.values.tolist()
    panel.close()


def test_bias_variance_panel_storm_runs_only_the_last_values():
    async def storm():
        panel = BiasVariancePanel(**SWEEP)
        await panel.wait()
        for i in range(20):
            panel.controls["noise"].value = [0.1, 0.2, 0.4][i % 3]
            panel.controls["param"].value = ["width", "depth"][i % 2]
        panel.controls["noise"].value = 0.5
        await panel.wait()
        return panel

    panel = asyncio.run(storm())
    assert not panel.running and panel.last_error is None
    assert panel.runs <= 3  # the first, then at most one per loop turn, not one per change
    assert panel.result.param == "depth" and panel.result.noise[0] == pytest.approx(0.25)
    panel.close()


def test_bias_variance_panel_says_how_far_the_sweep_got():
    panel = BiasVariancePanel(**SWEEP)
    shown, n = panel.result, len(panel.result.values)  # the 7 default widths
    seen = []
    for _ in panel._run(panel._generation):  # by hand: the status at every point where the kernel gets in
        seen.append((panel.status.value, panel.result is shown))
        shown = panel.result
    assert seen[:-1] == [(f"Computing {i} of {n} values...", True) for i in range(1, n + 1)]
    assert "lowest test error at width" in seen[-1][0] and not seen[-1][1]  # then the new result, drawn
    panel.controls["param"].value = "weight_decay"  # trained in one batched run: one step to report
    seen = [panel.status.value for _ in panel._run(panel._generation)]
    assert seen[0] == "Computing every value at once (one batched run)..." and len(seen) == 2
    panel.close()


def test_a_change_between_values_takes_over_the_sweep():
    async def scenario():
        panel = BiasVariancePanel(**SWEEP)
        await panel.wait()
        panel.controls["noise"].value = 0.1
        for _ in range(1000):  # loop turns, not seconds: each trains one more value
            await asyncio.sleep(0)
            if panel.status.value == "Computing 3 of 7 values...":
                break
        assert panel.running and panel.runs == 1  # suspended between values, nothing drawn yet
        panel.controls["noise"].value = 0.4
        await panel.wait()
        return panel

    panel = asyncio.run(scenario())
    assert panel.runs == 2 and panel.last_error is None  # the first sweep and the last: none in between
    assert panel.result.noise[0] == pytest.approx(0.16)
    panel.close()


def test_bias_variance_panel_shows_errors_and_checks_arguments(monkeypatch):
    panel = BiasVariancePanel(**SWEEP)
    monkeypatch.setattr(explorers, "iter_bias_variance_sweep", lambda *a, **k: 1 / 0)
    panel.controls["random_state"].value = 1  # must not raise out of the observer
    assert isinstance(panel.last_error, ZeroDivisionError) and "ZeroDivisionError" in panel.status.value
    panel.close()
    with pytest.raises(ValueError, match="param"):
        BiasVariancePanel("height")
    with pytest.raises(ValueError, match="n_models"):
        BiasVariancePanel(n_models=1)
    with pytest.raises(TypeError, match="unknown sweep option"):
        BiasVariancePanel(widht=3)


# ---------------------------------------------------------------- feedback the moment a control changes

def test_a_change_shows_the_busy_line_and_bar_before_the_sweep_starts(monkeypatch):
    panel = BiasVariancePanel(**SWEEP)
    assert panel.progress.layout.visibility == "hidden"  # idle: no bar
    sweep, seen = explorers.iter_bias_variance_sweep, []

    def watched_sweep(*args, **kwargs):  # what the learner sees when the work begins
        seen.append((panel.status.value, panel.progress.layout.visibility, panel.progress.value))
        yield from sweep(*args, **kwargs)

    monkeypatch.setattr(explorers, "iter_bias_variance_sweep", watched_sweep)

    async def scenario():
        panel.controls["noise"].value = 0.1
        # no loop turn yet: nothing computed, yet the change shows as taken
        shown_at_once = (panel.status.value, panel.progress.layout.visibility, panel.result.noise[0])
        fractions = []
        while panel.running:
            await asyncio.sleep(0)
            fractions.append(panel.progress.value)
        return shown_at_once, fractions

    (status, visibility, noise), fractions = asyncio.run(scenario())
    assert status == "Sweeping: training the models..." and visibility == "visible"
    assert noise == pytest.approx(0.09)  # the old result, still shown
    assert seen == [("Sweeping: training the models...", "visible", 0.0)]
    n = len(panel.result.values)
    assert [f for f in dict.fromkeys(fractions)] == [i / n for i in range(n)]  # the bar fills value by value
    assert panel.progress.layout.visibility == "hidden" and "lowest test error" in panel.status.value
    panel.close()


def test_explorer_shows_busy_before_computing_and_labels_fit(monkeypatch):
    from labels import clipped_labels

    panel = LeakageExplorer(**QUICK_LEAK)
    seen = []
    compute = LeakageExplorer._compute
    monkeypatch.setattr(LeakageExplorer, "_compute",
                        lambda self, values: (seen.append(self.status.value), compute(self, values))[1])
    panel.controls["leak"].value = False  # without an event loop the run follows at once
    assert seen == ["Training..."] and "times the error" in panel.status.value
    for explorer in (panel, BiasVariancePanel(**SWEEP)):
        assert clipped_labels([*explorer.controls.values(), getattr(explorer, "show", None)]) == []
        explorer.close()
