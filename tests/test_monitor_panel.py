"""The gradient-flow panel, driven headless: set widget values and check what the plots hold.

No test here depends on how fast the machine is: frames follow the panel's clock (a fake one
where a test counts them), and the storm gives its runs loop turns, not milliseconds.
"""

from __future__ import annotations

import asyncio

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from labkit.gradients.gradient_flow import NetSettings, measure  # noqa: E402
from labkit.panels import gradient_flow as monitor_panel  # noqa: E402
from labkit.panels.gradient_flow import MonitorPanel  # noqa: E402
from labkit.viz.gradient_flow import GradientFlowView  # noqa: E402

FAST = {"steps": 10}


def plotted(panel):
    """What the three axes show: gradient norms at init, the histogram image, the loss curve."""
    return (np.asarray(panel.view.grad_init.get_ydata(), dtype=float).copy(),
            np.asarray(panel.view.image.get_array()).copy(),
            np.asarray(panel.view.loss.get_ydata(), dtype=float).copy())


def count_artists(panel):
    return [(len(ax.lines), len(ax.images), len(ax.collections), len(ax.texts))
            for ax in (panel.view.ax_grad, panel.view.ax_act, panel.view.ax_loss)]


def hooks_left(model):
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


# ---------------------------------------------------------------- measuring, no widgets

def test_sigmoid_gradients_vanish_and_the_fixes_bring_them_back():
    sigmoid = measure(activation="sigmoid", depth=15, steps=0)
    relu = measure(activation="relu", init="he", depth=15, steps=0)
    assert sigmoid.first_to_last < 1e-8 < 1e-2 < relu.first_to_last
    for fix in ({"batch_norm": True}, {"residual": True}):
        assert measure(activation="sigmoid", depth=15, steps=0, **fix).first_to_last > 1e-3, fix


def test_a_bad_scale_explodes_or_vanishes_against_he():
    he = measure(activation="relu", init="he", depth=10, steps=0).grad_init
    large = measure(activation="relu", init="large", depth=10, steps=0).grad_init
    small = measure(activation="relu", init="small", depth=10, steps=0).grad_init
    assert large.min() > 1e6 * he.max() and small.max() < 1e-6 * he.min()


def test_measure_is_repeatable_and_trains():
    a = measure(activation="relu", init="he", depth=4, steps=30)
    b = measure(NetSettings("relu", "he", depth=4), steps=30)
    assert np.array_equal(a.grad_init, b.grad_init) and a.losses == b.losses
    assert len(a.losses) == 30 and a.losses[-1] < a.losses[0] and a.done
    assert a.act_hist.shape == (4, len(a.act_edges) - 1) and np.allclose(a.act_hist.sum(1), 1.0)
    assert hooks_left(a.model) == 0  # the probes' hooks are gone
    assert "depth 4" in repr(a)


@pytest.mark.parametrize(("options", "error", "words"), [
    ({"activation": "softmax"}, ValueError, "activation"),
    ({"init": "huge"}, ValueError, "init"),
    ({"depth": 0}, ValueError, "depth"),
    ({"depth": 100}, ValueError, "depth"),
    ({"batch_norm": "yes"}, TypeError, "batch_norm"),
    ({"random_state": -1}, ValueError, "random_state"),
])
def test_bad_settings_are_named(options, error, words):
    with pytest.raises(error, match=words):
        NetSettings(**options)
    with pytest.raises(error, match=words):
        MonitorPanel(**options, **FAST)


@pytest.mark.parametrize(("options", "error", "words"), [
    ({"steps": -1}, ValueError, "steps"), ({"lr": 0.0}, ValueError, "lr"),
    ({"width": 0}, ValueError, "width"), ({"steps": "many"}, TypeError, "steps"),
])
def test_bad_panel_options_are_named(options, error, words):
    with pytest.raises(error, match=words):
        MonitorPanel(**options)


def test_settings_from_a_dict_reject_unknown_names():
    with pytest.raises(ValueError, match="unknown setting"):
        NetSettings.from_dict({"dept": 3})
    with pytest.raises(TypeError, match="NetSettings, a dict"):
        measure("relu")


# ---------------------------------------------------------------- the panel, no event loop

def test_panel_measures_on_creation_and_plots_the_result():
    panel = MonitorPanel(depth=6, **FAST)
    result = panel.result
    assert panel.last_error is None and panel.runs == 1 and result.done
    grad, image, loss = plotted(panel)
    assert np.allclose(grad, result.grad_init)
    assert np.allclose(panel.view.grad_trained.get_ydata(), result.grad_trained)
    assert image.shape == (6, len(result.act_edges) - 1)
    assert np.allclose(loss, result.losses) and len(loss) == 10
    assert len(panel._screen.value) > 1000  # a PNG frame (no ipympl here)
    assert "depth 6" in panel.status.value
    panel.close()


def test_a_control_change_updates_the_plots_in_place():
    panel = MonitorPanel(activation="sigmoid", depth=8, **FAST)
    artists = count_artists(panel)
    lines = (panel.view.grad_init, panel.view.loss, panel.view.image)
    before = plotted(panel)
    panel.controls["activation"].value = "relu"
    after = plotted(panel)
    assert not np.allclose(before[0], after[0]) and not np.allclose(before[2], after[2])
    assert after[0][0] / after[0][-2] > 1e3 * before[0][0] / before[0][-2]  # relu: far less vanishing
    panel.controls["depth"].value = 3
    grad, image, _ = plotted(panel)
    assert len(grad) == 4 and image.shape[0] == 3
    assert panel.view.ax_grad.get_xlim() == (0.5, 4.5)
    panel.controls["batch_norm"].value = True
    assert panel.result.settings == NetSettings("relu", "default", True, False, 3, 0)
    assert count_artists(panel) == artists
    assert (panel.view.grad_init, panel.view.loss, panel.view.image) == lines  # the same artists
    assert panel.runs == 4
    panel.close()


def test_set_state_sets_several_controls_and_runs_once():
    panel = MonitorPanel(depth=4, **FAST)
    panel.set_state({"activation": "tanh", "init": "glorot", "residual": True})
    assert panel.runs == 2 and panel.state()["init"] == "glorot"
    assert panel.result.settings == NetSettings("tanh", "glorot", False, True, 4, 0)
    with pytest.raises(ValueError, match="unknown setting"):
        panel.set_state({"widht": 3})
    with pytest.raises(ValueError, match="depth"):
        panel.set_state({"depth": 0})
    assert panel.runs == 2 and panel.state()["depth"] == 4
    panel.close()


def test_an_overflowing_net_is_reported_not_raised():
    panel = MonitorPanel(activation="relu", init="large", depth=40, **FAST)
    assert panel.last_error is None and "not finite" in panel.status.value
    panel.close()


def test_an_exception_in_a_callback_is_shown_not_swallowed(monkeypatch):
    panel = MonitorPanel(depth=3, **FAST)

    def broken(*args, **kwargs):
        raise RuntimeError("boom from the view")

    monkeypatch.setattr(panel.view, "show", broken)
    panel.controls["random_state"].value = 3  # must not raise out of the observer
    assert isinstance(panel.last_error, RuntimeError)
    assert "boom from the view" in panel.status.value and "traceback" in panel.status.value
    monkeypatch.undo()
    panel.controls["random_state"].value = 4
    assert panel.last_error is None and "boom" not in panel.status.value
    panel.close()


def test_close_frees_the_figure_removes_hooks_and_stops_listening(monkeypatch):
    def pyplot_figure(size=(9.5, 3.8)):  # as under ipympl, where the figure is one of pyplot's
        return plt.figure(figsize=size), ipywidgets.Image(format="png")

    monkeypatch.setattr(monitor_panel, "new_figure", pyplot_figure)
    figures = len(plt.get_fignums())
    panel = MonitorPanel(depth=3, **FAST)
    assert len(plt.get_fignums()) == figures + 1
    panel.close()
    assert len(plt.get_fignums()) == figures
    assert hooks_left(panel.result.model) == 0
    panel.controls["depth"].value = 5  # closed: nothing runs
    assert panel.runs == 1 and panel.result.settings.depth == 3


def test_frames_follow_the_panels_clock(fake_clock, monkeypatch):
    clock = fake_clock(0.0)  # time moves only as training does: 0.1 s a step
    measuring = monitor_panel.iter_measure
    monkeypatch.setattr(monitor_panel, "iter_measure",
                        lambda *a, **k: clock.advancing(measuring(*a, **k), 0.1))
    drawn, render = [], MonitorPanel._render

    def recorded_render(self):
        drawn.append(len(self.result.losses))
        render(self)

    monkeypatch.setattr(MonitorPanel, "_render", recorded_render)
    panel = MonitorPanel(depth=3, **FAST)
    # a frame at the probe (no step yet), then whenever _FRAME_EVERY_S = 0.25 s have passed (every
    # third step), and the finished result
    assert drawn == [0, 3, 6, 9, 10] and panel.result.done
    panel.close()


def test_view_takes_any_result_without_new_artists():
    fig = plt.figure()
    view = GradientFlowView(fig)
    counts = [len(ax.get_children()) for ax in fig.axes]
    for depth in (2, 12):
        view.show(measure(depth=depth, steps=3), reference=np.ones(depth + 1))
        assert len(view.reference.get_ydata()) == depth + 1
    assert [len(ax.get_children()) for ax in fig.axes] == counts
    plt.close(fig)


# ---------------------------------------------------------------- the panel under an event loop

def test_a_storm_of_changes_ends_with_the_last_values(monkeypatch):
    figures = len(plt.get_fignums())
    taken = []  # per run started: how many results of iter_measure it took (a finished run: 42)
    measuring = monitor_panel.iter_measure

    def counted(*args, **kwargs):
        taken.append(0)
        for result in measuring(*args, **kwargs):
            taken[-1] += 1
            yield result

    monkeypatch.setattr(monitor_panel, "iter_measure", counted)

    async def storm():
        panel = MonitorPanel(depth=6, steps=40)
        artists = count_artists(panel)
        runs_before = panel.runs  # the first run is scheduled, not yet done
        for i in range(60):
            panel.controls["depth"].value = 2 + i % 15
            panel.controls["activation"].value = ("relu", "tanh", "sigmoid")[i % 3]
            if i % 9 == 0:
                for _ in range(4):  # loop turns, not milliseconds: the newest run starts, trains a step
                    await asyncio.sleep(0)
        panel.controls["depth"].value = 7
        panel.controls["activation"].value = "tanh"
        panel.controls["init"].value = "he"
        assert panel.running
        await panel.wait()
        return panel, artists, runs_before

    panel, artists, runs_before = asyncio.run(storm())
    assert runs_before == 0
    assert not panel.running and panel.last_error is None
    final = NetSettings("tanh", "he", False, False, 7, 0)
    assert panel.settings() == final and panel.result.settings == final and panel.result.done
    assert panel.runs == 1  # superseded runs stop early instead of finishing
    assert len(taken) == 8 and all(0 < n < 42 for n in taken[:-1]) and taken[-1] == 42  # 7 started, stopped
    grad, image, loss = plotted(panel)
    expected = measure(final, steps=40)
    assert np.allclose(grad, expected.grad_init) and np.allclose(loss, expected.losses)
    assert image.shape[0] == 7 and count_artists(panel) == artists
    panel.close()
    assert len(plt.get_fignums()) == figures


def test_an_error_in_an_async_run_is_shown(monkeypatch):
    async def scenario():
        panel = MonitorPanel(depth=3, **FAST)
        await panel.wait()
        monkeypatch.setattr(monitor_panel, "iter_measure", lambda *a, **k: iter([1 / 0]))
        panel.controls["depth"].value = 4
        await panel.wait()
        return panel

    panel = asyncio.run(scenario())
    assert isinstance(panel.last_error, ZeroDivisionError) and "ZeroDivisionError" in panel.status.value
    assert not panel.running
    panel.close()


def test_a_change_shows_measuring_at_once_and_the_bar_follows_the_steps(fake_clock):
    from labels import clipped_labels

    fake_clock(0.1)  # a tenth of a second a reading: a frame, and a progress report, every few steps

    async def scenario():
        panel = MonitorPanel(steps=30)
        await panel.wait()
        panel.controls["depth"].value = 6
        at_once = (panel.status.value, panel.progress.layout.visibility, panel.result.settings.depth)
        fractions = []
        while panel.running:
            await asyncio.sleep(0)
            fractions.append(panel.progress.value)
        return panel, at_once, fractions

    panel, (status, visibility, depth), fractions = asyncio.run(scenario())
    assert status == "Measuring..." and visibility == "visible" and depth == 10  # before any work
    assert 0 < max(f for f in fractions if f < 1) < 1 and fractions == sorted(fractions)
    assert panel.progress.layout.visibility == "hidden" and "depth 6" in panel.status.value
    assert clipped_labels(panel.controls.values()) == []
    panel.close()
