"""The playground panel, driven headless: set widget values and check what the plots hold.

Frames are paced by the panel's clock. Tests that count frames install a fake one (the
``fake_clock`` fixture in conftest.py), so the counts are exact on a fast machine and on a
busy one: with real time, an epoch of a few hundred microseconds made "a frame every epoch
at max_fps=1000" untrue.
"""

from __future__ import annotations

import asyncio
import copy
import html
import io
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from labkit.panels import playground as widgets  # noqa: E402
from labkit.panels.base import YIELD_EVERY_S  # noqa: E402
from labkit.panels.playground import Playground  # noqa: E402
from labkit.viz.views import LossView  # noqa: E402

FAST = {"epochs": 50, "n_train": 20}


def prediction(panel):
    return np.asarray(panel.fit_view.artists[2].get_ydata(), dtype=float).copy()


def count_artists(panel):
    axes = (panel._ax_fit, panel._ax_boundary, panel.loss_view.ax)
    return [(len(ax.lines), len(ax.collections), len(ax.images), len(ax.texts)) for ax in axes]


def test_panel_trains_on_creation_and_a_slider_changes_the_fit():
    panel = Playground(**FAST)
    assert panel.history is not None and panel.history.epochs_run == 50
    assert panel.history.stop_reason == "completed" and panel.last_error is None
    before = prediction(panel)
    assert np.isfinite(before).all()
    panel.controls["width"].value = 2
    assert panel.model.hidden[0].out_features == 2
    after = prediction(panel)
    assert not np.allclose(before, after)
    assert "Done" in panel.status.value and panel.diagnosis is not None
    assert len(panel._screen.value) > 1000  # a PNG frame was rendered (no ipympl here)


def test_loss_curves_hold_the_history():
    panel = Playground(**FAST)
    train_line, val_line = panel.loss_view.ax.lines[:2]
    assert np.allclose(train_line.get_ydata(), panel.history.train_loss)
    assert np.allclose(val_line.get_ydata(), panel.history.val_loss)


def test_storm_of_changes_ends_in_the_last_values(fake_clock):
    fake_clock(1e-3)  # the same yields on every machine: loop turns, not seconds, decide what runs
    figures_before = len(plt.get_fignums())

    async def storm():
        panel = Playground(epochs=300, n_train=40)
        artists = count_artists(panel)
        widths = [1, 2, 4, 8, 16, 32, 64]
        for i in range(50):
            panel.controls["width"].value = widths[i % len(widths)]
            panel.controls["lr"].value = [1e-3, 1e-2, 3e-2][i % 3]
            if i % 5 == 0:
                await asyncio.sleep(0)  # let some runs start before being superseded
        panel.controls["width"].value = 8
        await panel.wait()
        return panel, artists

    panel, artists = asyncio.run(storm())
    assert panel.last_error is None
    assert not panel.running
    assert panel.settings().width == 8 and panel.model.hidden[0].out_features == 8
    assert panel.history.epochs_run == 300 and panel.history.stop_reason == "completed"
    assert count_artists(panel) == artists
    assert len(plt.get_fignums()) == figures_before
    panel.close()


def test_stop_button_stops_a_running_run(fake_clock):
    fake_clock(1.0)  # a second a reading: the run yields after every epoch, so it can stop at any

    async def scenario():
        panel = Playground(epochs=2000)
        for _ in range(1000):  # loop turns, not seconds: each lets the run train one more epoch
            await asyncio.sleep(0)
            if panel.history is not None and panel.history.epochs_run == 5:
                break
        panel.stop_button.click()
        for _ in range(20):  # a run that did not stop would train on in these turns
            await asyncio.sleep(0)
        return panel

    panel = asyncio.run(scenario())
    assert not panel.running
    assert panel.history.epochs_run == 5 and panel.history.stop_reason == "running"
    assert panel.status.value == "Stopped at epoch 5."


def test_diverging_learning_rate_is_reported():
    panel = Playground(optimizer="sgd", lr=0.01, width=64, activation="relu", epochs=100)
    assert panel.history.stop_reason == "completed"
    panel.controls["lr"].value = 10**0.5  # plain SGD with a step this large blows up
    assert panel.history.stop_reason == "diverged" and panel.diagnosis is None
    assert f"Diverged at epoch {panel.history.diverged_at}" in panel.status.value
    assert panel.banner.text.get_text().startswith("Diverged")


def test_exception_in_a_callback_is_shown_not_swallowed(monkeypatch):
    panel = Playground(**FAST)

    def broken(*args, **kwargs):
        raise RuntimeError("boom from the view")

    monkeypatch.setattr(panel.fit_view, "set_prediction", broken)
    panel.controls["random_state"].value = 3  # must not raise out of the observer
    assert isinstance(panel.last_error, RuntimeError)
    assert "boom from the view" in panel.status.value and "RuntimeError" in panel.status.value


def test_state_round_trip_and_code_reproduces_the_run():
    panel = Playground(**FAST)
    panel.set_state({"width": 16, "depth": 3, "lr": 0.03, "random_state": 5, "dataset": "cubic",
                     "log_scale": False})
    state = panel.state()
    assert state["width"] == 16 and state["depth"] == 3 and state["dataset"] == "cubic"
    assert state["log_scale"] is False and panel.loss_view.ax.get_yscale() == "linear"
    other = Playground(**FAST)
    other.set_state(state)
    assert other.history.train_loss == pytest.approx(panel.history.train_loss)

    namespace = {}
    exec(panel.code(), namespace)  # the "Show code" text is runnable and gives the same run
    assert namespace["history"].train_loss == pytest.approx(panel.history.train_loss, rel=1e-5)
    panel.code_button.click()
    assert "make_dataset(&#x27;cubic&#x27;" in panel.code_view.value
    assert panel.code_view.layout.display == "block"


def test_set_state_rejects_unknown_or_bad_values():
    panel = Playground(**FAST)
    with pytest.raises(ValueError, match="unknown setting"):
        panel.set_state({"widht": 3})
    with pytest.raises(ValueError, match="width"):
        panel.set_state({"width": 0})
    assert panel.settings().width == 32  # nothing changed


def test_unlisted_but_valid_settings_are_shown_exactly():
    panel = Playground(width=48, n_train=25, epochs=70, batch_size=10, lr=5.0)
    s = panel.settings()
    assert (s.width, s.n_train, s.epochs, s.batch_size, s.lr) == (48, 25, 70, 10, 5.0)


def test_own_data_classification_shows_a_boundary():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    panel = Playground(data=(X.tolist(), torch.tensor(y)), epochs=60)
    assert panel._ax_boundary.get_visible() and not panel._ax_fit.get_visible()
    assert panel.problem.n_classes == 2 and panel.last_error is None
    assert panel.controls["dataset"].disabled
    assert "your data" in panel.code()
    compile(panel.code(), "panel.code()", "exec")  # a template, but valid Python (a comment ate a bracket)


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        ((np.zeros((20, 1)), np.zeros(19)), ValueError, "lengths differ"),
        ((np.full((20, 1), np.nan), np.zeros(20)), ValueError, "NaN"),
        ((np.zeros((20, 3)), np.zeros(20)), ValueError, "1 or 2 features"),
        ((np.zeros((5, 1)), np.zeros(5)), ValueError, "too few samples"),
        ((np.zeros((20, 2)), np.array(["a", "b"] * 10)), TypeError, "numeric"),
        ((np.zeros((20, 1)),), TypeError, "pair"),
    ],
)
def test_bad_data_gets_a_clear_message_at_construction(data, error, words):
    with pytest.raises(error, match=words):
        Playground(data=data)


def _plane(n=42, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 2))


@pytest.mark.parametrize(("data", "words"), [
    ((_plane(), np.arange(42) % 21), "y holds 21 integer values up to 20, read as 21 classes"),
    ((_plane(), np.linspace(0, 1, 42)), "float y are numbers to fit, which need X with 1 feature"),
    ((_plane(), np.arange(42) % 3 - 1), "class labels y must be integers 0..C-1"),
    ((np.zeros((20, 4)), np.zeros(20)), "got 4"),
])
def test_data_the_playground_cannot_draw_is_rejected_naming_y_or_x(data, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(".", r"\.")):
        Playground(data=data)


def test_integer_y_is_read_as_classes_or_values_and_the_panel_says_which():
    x = np.linspace(-2, 2, 42)
    counts = Playground(data=(x[:, None], np.arange(42) % 21), epochs=20)  # 21 integers, 1 feature
    assert counts.last_error is None and counts.problem.task == "regression"
    assert "21 whole-number values, read as numbers to fit" in counts.advice.value
    assert "n_train 30, n_val 8" in counts.advice.value and "split 70/20/10" in counts.advice.value
    classes = Playground(data=(_plane(), (np.arange(42) % 3).astype(np.int32)), epochs=20)
    assert classes.last_error is None and classes.problem.n_classes == 3
    assert "3 integer values, read as 3 classes" in classes.advice.value
    assert classes._ax_boundary.get_title(loc="left") == "n_train 30, n_val 8"


@pytest.mark.parametrize(
    ("name", "value"),
    [("width", 0), ("activation", "swish"), ("lr", -1.0), ("epochs", 0), ("optimizer", "rmsprob"),
     ("max_fps", 0), ("goal", -0.1)],
)
def test_bad_settings_are_named(name, value):
    with pytest.raises((ValueError, TypeError), match=name):
        Playground(**{name: value})


# ---------------------------------------------------------------- frames: blitted or drawn in full

def shown(panel):
    """The pixels (rows, cols, 3) of the PNG the panel shows."""
    return np.asarray(PIL.Image.open(io.BytesIO(panel._screen.value)))[..., :3]


def drawn_in_full(panel):
    panel.figure.canvas.draw()
    return np.asarray(panel.figure.canvas.buffer_rgba())[..., :3].copy()


def other_state(panel, scale=1.3):
    """A model with a visibly different curve, and the run's history: the next frame of a run."""
    model = copy.deepcopy(panel.model)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(scale)
    return model, panel.history


def loss_limit_changes(panel):
    """How often the loss axis's limits changed from one epoch's frame to the next (each a full draw)."""
    history, view = panel.history, LossView(plt.figure().add_subplot(), log_scale=True)
    view.reset(epochs=history.epochs_run)
    view.set_goal(panel.loss_view.goal.get_ydata()[0] if panel.loss_view.goal.get_visible() else None)
    limits = []
    for epoch in range(1, history.epochs_run + 1):
        view.update(history.train_loss[:epoch], history.val_loss[:epoch])
        limits.append(view.ax.get_ylim())
    plt.close(view.ax.figure)
    return sum(a != b for a, b in zip(limits, limits[1:], strict=False))


def test_training_frames_are_blitted_and_show_what_a_full_draw_shows(fake_clock):
    fake_clock(1e-3)  # a millisecond a reading: at max_fps=1000 and draw_share=1.0 every epoch is a frame
    panel = Playground(epochs=30, n_train=20, max_fps=1000, draw_share=1.0)
    stats = panel.stats
    assert stats["frames"] == 31  # 30 epochs and the final picture
    # full draws: the first frame, the final one, and one per change of the loss axis's limits
    assert stats["blitted"] == 31 - 2 - loss_limit_changes(panel)
    before, blitted = shown(panel), stats["blitted"]
    assert before.shape == (304, 656, 3)  # the 80-dpi PNG of the column-wide figure (8.2 in)
    model, history = other_state(panel)
    panel._frame(model, panel.problem, history, 30)
    assert stats["blitted"] == blitted + 1
    after = shown(panel)
    assert (after != before).any(axis=2).sum() > 100  # the new curve is in the picture
    np.testing.assert_array_equal(after, drawn_in_full(panel))


def test_classification_frames_are_blitted_too(fake_clock):
    fake_clock(1e-3)
    panel = Playground(dataset="moons", epochs=20, n_train=40, max_fps=1000, draw_share=1.0)
    assert panel.last_error is None and panel.stats["frames"] == 21
    assert panel.stats["blitted"] == 21 - 2 - loss_limit_changes(panel)
    before = shown(panel)
    model, history = other_state(panel, scale=0.5)
    panel._frame(model, panel.problem, history, 20)
    after = shown(panel)
    assert (after != before).any(axis=2).sum() > 1000  # the probability field changed
    np.testing.assert_array_equal(after, drawn_in_full(panel))


def test_frames_follow_max_fps_on_the_panels_clock(fake_clock, monkeypatch):
    clock = fake_clock(0.0)  # time moves only as training does: 1/64 s an epoch (exact in binary)
    run = widgets.iter_run
    monkeypatch.setattr(widgets, "iter_run", lambda *a, **k: clock.advancing(run(*a, **k), 1 / 64))
    framed, frame = [], Playground._frame

    def recorded_frame(self, model, problem, history, epochs):
        framed.append(history.epochs_run)
        frame(self, model, problem, history, epochs)

    monkeypatch.setattr(Playground, "_frame", recorded_frame)
    panel = Playground(epochs=30, n_train=20, max_fps=16)  # a frame at most every 4/64 s: every 4th epoch
    assert framed == [1, 5, 9, 13, 17, 21, 25, 29]
    assert panel.stats["frames"] == len(framed) + 1  # and the final picture
    # Between frames the run still yields every YIELD_EVERY_S (0.02 s: every second epoch here), so a
    # slider's message gets in: after epochs 1, 3, 5, ..., 29, by hand this time.
    panel._generation += 1
    assert sum(1 for _ in panel._run(panel._generation)) == 15
    assert 2 / 64 >= YIELD_EVERY_S > 1 / 64  # what that count relies on


def test_a_clock_that_barely_moves_shows_the_first_frame_and_the_last_only(fake_clock):
    fake_clock(1e-6)  # a whole run in microseconds: max_fps=15 leaves no room for frames in between
    panel = Playground(epochs=30, n_train=20)
    assert panel.stats["frames"] == 2 and panel.history.epochs_run == 30
    assert panel.status.value.startswith("Done: 30 epochs")


def test_a_limit_change_or_the_log_toggle_draws_everything():
    panel = Playground(**FAST)
    stats, ax = panel.stats, panel.loss_view.ax
    blitted = stats["blitted"]
    panel._frame(panel.model, panel.problem, panel.history, 50)
    assert stats["blitted"] == blitted + 1
    low = ax.get_ylim()[0]
    lower = SimpleNamespace(train_loss=[*panel.history.train_loss, low / 20], val_loss=panel.history.val_loss,
                            epochs_run=51)
    panel._frame(panel.model, panel.problem, lower, 50)  # the loss falls below the axis: new limits
    assert stats["blitted"] == blitted + 1 and ax.get_ylim()[0] < low
    np.testing.assert_array_equal(shown(panel), drawn_in_full(panel))
    panel._frame(panel.model, panel.problem, lower, 50)
    assert stats["blitted"] == blitted + 2
    panel.log_scale.value = False
    assert stats["blitted"] == blitted + 2 and ax.get_yscale() == "linear"
    np.testing.assert_array_equal(shown(panel), drawn_in_full(panel))


IPYMPL_TOOLBAR = "ignore:Passing unrecognized arguments to super\\(Toolbar\\):DeprecationWarning"  # in ipympl


@pytest.fixture
def ipympl_canvas(monkeypatch):
    """Panels built in this test get an ipympl canvas, as under %matplotlib widget; sent PNGs are recorded."""
    backend = matplotlib.get_backend()
    from ipympl.backend_nbagg import Canvas, FigureManager  # importing it makes ipympl pyplot's backend
    from matplotlib.figure import Figure

    matplotlib.use(backend)  # ... which the other tests in this process must not inherit

    def new_figure():
        fig = Figure(figsize=(9.5, 3.8))
        FigureManager(Canvas(fig), 0)
        return fig, fig.canvas

    sent = []
    monkeypatch.setattr(widgets, "new_figure", new_figure)
    monkeypatch.setattr(Canvas, "send_binary", lambda canvas, data: sent.append(data))
    return sent


@pytest.mark.filterwarnings(IPYMPL_TOOLBAR)
def test_with_ipympl_and_no_browser_frames_cost_no_drawing(ipympl_canvas, monkeypatch, fake_clock):
    fake_clock(1e-3)  # at max_fps=1000 and draw_share=1.0, every epoch is a frame
    asked = []
    monkeypatch.setattr(widgets, "request_draw", asked.append)
    panel = Playground(epochs=30, n_train=20, max_fps=1000, draw_share=1.0)
    assert panel.stats["frames"] == 31 and len(asked) == 31  # every frame asks the browser for a picture
    assert panel.stats["blitted"] == 0 and ipympl_canvas == []  # nobody asked back: nothing drawn or sent


@pytest.mark.filterwarnings(IPYMPL_TOOLBAR)
def test_with_ipympl_frames_are_blitted_when_the_browser_asks(ipympl_canvas, monkeypatch, fake_clock):
    fake_clock(1e-3)  # at max_fps=1000 and draw_share=1.0, every epoch is a frame

    def browser_pulls(fig):  # the front-end answers draw_idle at once with webagg's "draw" message
        fig.canvas.handle_event({"type": "draw"})

    monkeypatch.setattr(widgets, "request_draw", browser_pulls)
    panel = Playground(epochs=30, n_train=20, max_fps=1000, draw_share=1.0)
    canvas, stats = panel.figure.canvas, panel.stats
    assert stats["frames"] == 31 and stats["blitted"] == 31 - 2 - loss_limit_changes(panel)
    assert len(ipympl_canvas) == 31  # one PNG per frame, full or blitted
    blitted = stats["blitted"]
    model, history = other_state(panel)
    panel._frame(model, panel.problem, history, 30)
    assert stats["blitted"] == blitted + 1 and len(ipympl_canvas) == 32
    assert canvas._current_image_mode == "diff"  # only the changed pixels travel
    last_sent = canvas._last_buff.copy()
    canvas.draw()
    np.testing.assert_array_equal(canvas._last_buff, last_sent)  # the browser holds a full draw's picture


# ---------------------------------------------------------------- closing and the bias-variance panel

def test_close_closes_every_widget_and_stops_listening():
    panel = Playground(**FAST)
    runs = panel.history
    panel.close()
    assert all(control.comm is None for control in panel.controls.values())
    assert panel.widget.comm is None and panel.status.comm is None
    panel.controls["width"].value = 2  # closed: nothing retrains
    assert panel.history is runs and panel.model.hidden[0].out_features == 32


def test_a_model_setting_change_blits_even_the_first_frame(fake_clock):
    fake_clock(1e-3)  # at max_fps=1000 and draw_share=1.0, every epoch is a frame
    panel = Playground(epochs=30, n_train=20, max_fps=1000, draw_share=1.0)
    panel.controls["width"].value = 8  # same data, same run length: the picture's background still fits
    stats = dict(panel.stats)
    assert loss_limit_changes(panel) == 0  # (else those frames would be drawn in full too)
    assert stats["frames"] == 31 and stats["blitted"] == 30  # all but the final picture
    panel.controls["noise"].value = 0.1  # a new, calmer sample: the limits still cover it
    assert panel.stats["blitted"] == panel.stats["frames"] - 1
    np.testing.assert_array_equal(shown(panel), drawn_in_full(panel))
    before = panel.fit_view.train.get_offsets().copy()
    panel.controls["random_state"].value = 4  # new points: blitted or not, the picture must show them
    assert not np.allclose(before, panel.fit_view.train.get_offsets())
    np.testing.assert_array_equal(shown(panel), drawn_in_full(panel))
    panel.controls["noise"].value = 0.9  # wider than the limits: a full draw first
    low, high = panel._ax_fit.get_ylim()
    y = panel.fit_view.train.get_offsets()[:, 1]
    assert low <= y.min() and y.max() <= high  # the limits grew to show every point
    panel.controls["dataset"].value = "cubic"  # another data set: everything is drawn anew
    stats = dict(panel.stats)
    # neither the first nor the final picture, nor a frame whose loss limits grew (a decade crossed)
    assert stats["blitted"] == stats["frames"] - 2 - loss_limit_changes(panel)
    np.testing.assert_array_equal(shown(panel), drawn_in_full(panel))
    panel.close()


def test_the_banner_fits_the_figure_and_the_full_headline_sits_below():
    panel = Playground(optimizer="adam", lr=10**0.5, epochs=50)  # a staircase: both gaps miss the goal
    d = panel.diagnosis
    assert d.regime == "underfitting and overfitting"
    assert panel.banner.text.get_text() == d.brief and f"attack the {d.focus} gap" in d.brief
    panel.figure.canvas.draw()
    assert panel.banner.text.get_window_extent().x1 <= panel.figure.bbox.width  # not cut off
    assert html.escape(d.headline) in panel.advice.value and "n_val 300" in panel.advice.value


# ---------------------------------------------------------------- controls a learner reads

def test_batch_size_shows_full_batch_at_its_default_and_round_trips():
    panel = Playground(**FAST)
    control = panel.controls["batch_size"]
    assert control.label == "full batch" and panel.settings().batch_size is None  # not a blank box
    assert panel.state()["batch_size"] is None
    panel.set_state({"batch_size": 8})
    assert control.label == "8" and panel.settings().batch_size == 8
    panel.set_state({"batch_size": None})
    assert control.label == "full batch" and panel.state()["batch_size"] is None
    control.value = 16  # the learner picks from the list
    assert panel.state()["batch_size"] == 16 and panel.history.epochs_run == FAST["epochs"]
    assert Playground(batch_size=None, **FAST).controls["batch_size"].label == "full batch"
    panel.close()


def test_open_code_view_follows_every_change():
    from labkit.generalization.playground import settings_code

    panel = Playground(**FAST)
    panel.code_button.click()
    for change in ({"width": 8}, {"lr": 0.1}, {"batch_size": 16}, {"batch_size": None}):
        name, value = next(iter(change.items()))
        panel.controls[name].value = widgets._widget_value(name, value)
        expected = html.escape(settings_code(panel.settings()))
        assert expected in panel.code_view.value and f"width={panel.settings().width}" in expected
    panel.set_state({"depth": 3})
    assert html.escape(settings_code(panel.settings())) in panel.code_view.value
    panel.code_button.click()  # closed: hidden, and opened again it shows the current settings
    panel.controls["width"].value = 4
    assert panel.code_view.layout.display == "none"
    panel.code_button.click()
    assert html.escape(settings_code(panel.settings())) in panel.code_view.value
    panel.close()


def test_labels_and_readouts_are_not_clipped_whatever_is_open():
    from labels import clipped_labels

    panel = Playground(**FAST)
    assert clipped_labels(panel.controls.values()) == []
    # three columns of controls fit the 848 px notebook column (JupyterLab at 1280 px, file browser
    # open) with ipywidgets' 2 px margins; a squeezed column would clip its readouts
    widths = [float(c.layout.width[:-2]) + 4 for c in panel.controls.values()]
    assert 3 * max(widths) <= 848
    columns = panel.widget.children[0]
    assert columns.layout.flex_flow == "row wrap"
    assert all(column.layout.flex == "0 0 auto" for column in columns.children)
    panel.code_button.click()  # the code's long lines wrap inside the panel instead of widening it
    assert "pre-wrap" in panel.code_view.value and panel.code_view.layout.max_width == "100%"
    assert len(panel.code().splitlines()[-2]) > 100  # (a line that would have widened it)
    panel.close()


def test_after_stop_the_banner_says_stopped_and_shows_the_model_then(fake_clock):
    fake_clock(1.0)  # a second a reading: the run yields after every epoch

    async def scenario():
        panel = Playground(epochs=2000)
        for _ in range(1000):
            await asyncio.sleep(0)
            if panel.history is not None and panel.history.epochs_run == 7:
                break
        panel.stop_button.click()
        return panel

    panel = asyncio.run(scenario())
    banner = panel.banner.text.get_text()
    assert banner.startswith("Stopped at epoch 7 of 2000") and "Training" not in banner
    assert panel.banner.level == "warning"
    model_now = widgets.predict(panel.model, panel.fit_view.x_grid[:, None])[:, 0]
    np.testing.assert_allclose(prediction(panel), model_now)
    np.testing.assert_array_equal(shown(panel), drawn_in_full(panel))  # and the picture shows it
    finished = Playground(**FAST)
    verdict = finished.banner.text.get_text()
    finished.stop_button.click()  # nothing running: the verdict stays
    assert finished.banner.text.get_text() == verdict and finished.status.value.startswith("Done")


def test_drawing_takes_at_most_draw_share_of_a_run(fake_clock, monkeypatch):
    """Mini-batches make epochs short; frames (40 ms each in a browser) must not crowd out training."""
    clock = fake_clock(0.0)
    frame = Playground._frame

    def slow_frame(self, *args):  # a frame costs 40 ms, an epoch 4 ms
        clock.advance(0.040)
        frame(self, *args)

    run = widgets.iter_run
    monkeypatch.setattr(Playground, "_frame", slow_frame)
    monkeypatch.setattr(widgets, "iter_run", lambda *a, **k: clock.advancing(run(*a, **k), 0.004))
    panel = Playground(epochs=300, n_train=20, max_fps=15, draw_share=0.25)
    stats = panel.stats
    epochs_s = 300 * 0.004
    # at 15 frames a second, 40 ms frames would take 0.6 of the time; the share holds them to a quarter
    assert stats["drawing_s"] <= 0.25 * (epochs_s + stats["drawing_s"]) + 0.040
    assert stats["frames"] >= 8  # and still some frames: the curve is seen to move


def test_finish_completes_a_scheduled_run_inside_the_cell_without_awaiting():
    """A notebook cell calls panel.finish() instead of awaiting: Run All never leaves it marked running."""

    async def cell():
        panel = Playground(epochs=30, n_train=20)  # construction schedules a run on the loop
        assert panel.running
        panel.set_state({"width": 4})
        panel.finish()  # no await: the run happens here
        assert not panel.running and panel.last_error is None
        assert panel.model.hidden[0].out_features == 4 and panel.history.epochs_run == 30
        await asyncio.sleep(0)  # the superseded task, if it wakes, must not redo or undo anything
        return panel

    panel = asyncio.run(cell())
    assert panel.history.stop_reason == "completed" and panel.settings().width == 4
    panel.finish()  # nothing pending: a no-op
    panel.close()
