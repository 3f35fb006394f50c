"""The playground: ipywidgets controls wired to training (labkit.train) and live views (labkit.viz.views).

How a frame reaches the screen
------------------------------
A frame changes artists' data in place, then the figure is shown. While training, only
the model's curve (or probability image) and the loss curves change, and the loss
view's limits stay put, so most pictures are *blitted* (:class:`labkit.viz.blitting.Blitter`):
those artists are redrawn over a background saved at the last full draw, for a tenth
of a full draw's cost, which is mostly laying out text. A new problem or banner, the
log-scale toggle, a loss crossing a decade or a resized figure need a full draw, which
saves a new background.

- With ipympl active (``%matplotlib widget``: JupyterLab, Notebook 7, VS Code) the
  figure's canvas is itself a widget showing PNGs that Agg renders in the kernel. A
  frame only calls ``draw_idle``; the browser asks for a picture when it is ready for
  one, so frames throttle themselves, and :meth:`Playground._send_picture` answers with
  a blitted picture where it can, else a full draw. Either way only the changed pixels
  travel. Without a browser (a notebook run headless) nobody asks: no drawing at all.
- Anywhere else (Colab without ipympl's front-end extension, a plain script, the
  headless tests on Agg) each frame is drawn, blitted or in full, on an Agg canvas
  whose pixels become the PNG bytes of a core ``ipywidgets.Image``.

Why the training is a cooperative asyncio task
----------------------------------------------
matplotlib is not thread-safe, so all drawing stays on the kernel's main thread (the
project's JupyterLab settings turn off "comms over subshells" for the same reason).
Training runs as an asyncio task that hands control back to the kernel every ~20 ms
and after each frame, so slider messages keep arriving while it trains. Each new
control value bumps a generation counter and cancels the running task: the old run
stops at its next check, nothing stacks up, and the last run always belongs to the
last values. With no running event loop (a plain script) a change trains at once.
"""

from __future__ import annotations

import functools
import html

import ipywidgets as widgets
import numpy as np
import torch

from labkit.arguments import check_float
from labkit.data import DATASETS
from labkit.generalization.playground import (
    Run,
    Settings,
    check_data,
    iter_run,
    record_outcome,
    settings_code,
    sizes_text,
)
from labkit.models import ACTIVATIONS
from labkit.optim import OPTIMIZERS
from labkit.panels.base import (
    YIELD_EVERY_S,
    LivePanel,
    new_figure,
    options_with,
    png_bytes,
)
from labkit.train import evaluate, predict
from labkit.viz.blitting import Blitter
from labkit.viz.views import Banner, BoundaryView, FitView, LossView, request_draw

__all__ = ["Playground"]

DRAWN_VAL = 60  # validation points drawn on the fit: all 300 of the pool would hide the model's curve
DRAW_SHARE = 0.25  # at most this share of a run's time goes to drawing frames; training gets the rest
# ipywidgets reads a Dropdown value of None as "nothing selected" and shows a blank box, so the
# "full batch" option carries this string on the widget; settings() turns it back into None.
FULL_BATCH = "full batch"
# Controls sized so that three columns fit the 848 px notebook column with the file browser open
# (three of ipywidgets' default 300 px did not: the columns were squeezed and clipped their readouts),
# and labels wide enough for the longest one, "learning rate", in a wide sans-serif at 13 px.
CONTROL_WIDTH = "276px"
LABEL_WIDTH = "96px"


def _widget_value(name: str, value):
    """A setting as its control holds it (the one that differs: batch size None is "full batch")."""
    return FULL_BATCH if name == "batch_size" and value is None else value


def _setting_value(name: str, value):
    """A control's value as the setting it stands for (the inverse of :func:`_widget_value`)."""
    return None if name == "batch_size" and value == FULL_BATCH else value


def _ensure_value(control, value) -> None:
    """Widen a control's options or range so it can show ``value`` (any valid setting)."""
    if isinstance(control, widgets.Dropdown) and value not in _option_values(control):
        control.options = [*control.options, (str(value), value)]
    elif isinstance(control, widgets.SelectionSlider) and value not in control.options:
        control.options = options_with(control.options, value)
    elif isinstance(control, widgets.FloatLogSlider):
        exponent = float(np.log10(value))
        control.min, control.max = min(control.min, exponent), max(control.max, exponent)
    elif isinstance(control, (widgets.FloatSlider, widgets.IntSlider)):
        control.min, control.max = min(control.min, value), max(control.max, value)


def _make_controls(s: Settings) -> dict[str, widgets.Widget]:
    defaults = Settings()
    controls = _control_widgets(defaults)
    for name, value in s.as_dict().items():
        value = _widget_value(name, value)
        _ensure_value(controls[name], value)
        controls[name].value = value
    return controls


def _control_widgets(s: Settings) -> dict[str, widgets.Widget]:
    """One control per setting, on the scales the source material recommends searching:
    widths on a log2 scale, learning rate and L2 on a log10 scale."""
    style = {"description_width": LABEL_WIDTH}
    slider = {"continuous_update": False, "style": style}
    W = widgets
    controls = {
        "dataset": W.Dropdown(options=list(DATASETS), value=s.dataset, description="data set", style=style),
        "n_train": W.SelectionSlider(options=[10, 20, 40, 80, 160, 320], value=s.n_train,
                                     description="train size", **slider),
        "noise": W.FloatSlider(value=s.noise, min=0.0, max=1.0, step=0.05, description="noise", **slider),
        "width": W.SelectionSlider(options=[1, 2, 4, 8, 16, 32, 64, 128, 256], value=s.width,
                                   description="width", **slider),
        "depth": W.IntSlider(value=s.depth, min=1, max=6, description="depth", **slider),
        "activation": W.Dropdown(options=list(ACTIVATIONS), value=s.activation, description="activation",
                                 style=style),
        "optimizer": W.Dropdown(options=list(OPTIMIZERS), value=s.optimizer, description="optimizer",
                                style=style),
        "lr": W.FloatLogSlider(value=s.lr, base=10, min=-4, max=0.5, step=0.25, description="learning rate",
                               readout_format=".1e", **slider),
        "weight_decay": W.SelectionSlider(options=[0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0],
                                          value=s.weight_decay, description="L2", **slider),
        "dropout": W.FloatSlider(value=s.dropout, min=0.0, max=0.5, step=0.05, description="dropout",
                                 **slider),
        "batch_size": W.Dropdown(options=[(FULL_BATCH, FULL_BATCH), *((str(n), n) for n in (8, 16, 32, 64))],
                                 value=_widget_value("batch_size", s.batch_size), description="batch size",
                                 style=style),
        "epochs": W.SelectionSlider(options=[50, 100, 200, 300, 500, 1000, 2000], value=s.epochs,
                                    description="epochs", **slider),
        "random_state": W.BoundedIntText(value=s.random_state, min=0, max=2**31 - 1,
                                         description="random seed", style=style),
    }
    for control in controls.values():
        control.layout.width = CONTROL_WIDTH
    return controls


class Playground(LivePanel):
    """Sliders that retrain a small network, with the fit and the loss curves updating live.

    ``Playground(width=8, lr=0.1)`` starts from those settings (see
    :class:`labkit.generalization.playground.Settings`); ``Playground(data=(X, y))`` trains on your
    own data (1 feature for a curve, 2 for classes). Display it as a notebook cell's
    last expression. ``state()`` / ``set_state()`` save and restore it, and
    ``code()`` gives plain labkit calls that reproduce the current run. Scheduling,
    ``wait()``, error display and closing come from :class:`labkit.panels.base.LivePanel`; the
    layout, the streaming of frames while training and the Stop button are its own.
    """

    def __init__(self, data=None, *, goal: float | None = None, max_fps: float = 15.0,
                 draw_share: float = DRAW_SHARE, **settings):
        if data is not None:
            if not isinstance(data, (tuple, list)) or len(data) != 2:
                raise TypeError("data must be a pair (X, y) of arrays, tensors or lists")
            check_data(*data)  # fail here, with a clear message, not inside a callback
        self._data = data
        self._goal = None if goal is None else check_float("goal", goal, min_value=0.0)
        # 15 frames a second looks smooth and leaves the training about two thirds of the time
        self._frame_interval = 1.0 / check_float("max_fps", max_fps, min_value=1.0, max_value=1000.0)
        # ... unless drawing would take more than draw_share of the time: with mini-batches of 8 an
        # epoch takes ~1 ms, a frame ~40 ms, and 15 frames a second left training a third of the time
        self._draw_share = check_float("draw_share", draw_share, min_value=0.0, max_value=1.0,
                                       strict_min=True)
        self.controls = _make_controls(Settings(**settings))
        if data is not None:
            for name in ("dataset", "n_train", "noise"):
                self.controls[name].disabled = True
        self.log_scale = widgets.Checkbox(value=True, description="log-scale loss")
        self.train_button = widgets.Button(description="Train", icon="play", button_style="primary")
        self.stop_button = widgets.Button(description="Stop", icon="stop")
        self.code_button = widgets.Button(description="Show code", icon="code")
        self.advice = widgets.HTML()
        # never wider than the panel: a long line would widen it, and scrolling sideways to read the
        # code moved the controls too ("learning rate" showed as "arning rate")
        self.code_view = widgets.HTML(layout=widgets.Layout(display="none", max_width="100%",
                                                            overflow="auto"))
        self.figure, self._screen = new_figure()
        self._build_views()
        self.history = self.model = self.problem = self.diagnosis = self.outcome = None
        self.stats = {"frames": 0, "blitted": 0, "first_frame_s": None, "started": None, "drawing_s": 0.0}
        self._in_frame = False  # while _frame runs, a picture sent from inside it is timed as part of it
        self.log_scale.observe(self._on_log_scale, names="value")
        self.train_button.on_click(lambda _: self._guarded(self.retrain))
        self.stop_button.on_click(lambda _: self._guarded(self.stop))
        self.code_button.on_click(lambda _: self._guarded(self._toggle_code))
        self._start(layout=self._layout)  # the status line, listening to the controls, the first run

    # ------------------------------------------------------------ public API
    def settings(self) -> Settings:
        return Settings(**{name: _setting_value(name, c.value) for name, c in self.controls.items()})

    def state(self) -> dict:
        """The panel's settings as a plain dict (JSON-friendly), for saving or sharing."""
        return {**self.settings().as_dict(), "log_scale": self.log_scale.value}

    def set_state(self, state: dict) -> None:
        """Restore settings from :meth:`state`'s dict and retrain once."""
        state = dict(state)
        log_scale = state.pop("log_scale", self.log_scale.value)
        new = Settings.from_dict({**self.settings().as_dict(), **state})  # validates every value
        self._quiet = True
        try:
            for name, value in new.as_dict().items():
                value = _widget_value(name, value)
                _ensure_value(self.controls[name], value)
                self.controls[name].value = value
            self.log_scale.value = bool(log_scale)
        finally:
            self._quiet = False
        self.retrain()

    def code(self) -> str:
        return settings_code(self.settings(), user_data=self._data is not None)

    def record(self, logbook, *, note: str = ""):
        """Write the last finished run to ``logbook`` (a :class:`labkit.logbook.Logbook`); return the entry.

        Raises RuntimeError while a run is still training or after a stopped (partial) run.
        """
        if self.outcome is None:
            raise RuntimeError("no finished run to record yet: wait for training to end "
                               "(panel.wait()), or press Train after a stopped run")
        entry = record_outcome(logbook, self.outcome, note=note)
        self.status.value = f"Recorded as entry #{entry.id} in {html.escape(str(logbook.path))}."
        return entry

    def refresh(self) -> None:
        """Start a new run with the current values; a running one is superseded."""
        self.stats.update(frames=0, blitted=0, first_frame_s=None, started=self.clock(), drawing_s=0.0)
        self._update_code()  # an open code view follows every change
        super().refresh()

    retrain = refresh

    def stop(self) -> None:
        """Stop a running run; the figure shows the model as it was then, and says it was stopped."""
        self._supersede()
        history = self.history
        if history is None or history.stop_reason != "running":
            return  # nothing running: a finished run keeps its verdict
        epochs = self.settings().epochs
        self.status.value = f"Stopped at epoch {history.epochs_run}."
        self._show_model(self.model, self.problem, history)  # the model at the stop, not at the last frame
        self.banner.set(f"Stopped at epoch {history.epochs_run} of {epochs}: a partial run, no verdict. "
                        "Train to run it again.", level="warning")
        self._render()

    def close(self) -> None:
        """Stop training, free the figure and close every widget (a closed panel keeps no memory)."""
        self.log_scale.unobserve(self._on_log_scale, names="value")
        super().close()

    # ------------------------------------------------------------ training

    def _run(self, generation: int):
        """One training run as a generator: each ``yield`` is a point where another run may take over."""
        self.outcome = None  # until this run finishes: record() refuses a partial one
        steps = iter_run(self.settings(), self._data, goal=self._goal)  # the same run as run_settings
        run = next(steps)
        self.problem, self.model = run.problem, run.model
        self._show_problem(run)
        self.status.value = "Training..."
        last_frame = last_yield = -np.inf
        started = self.clock()
        for run in steps:
            self.history = run.history
            if run.outcome is not None:
                break
            now = self.clock()  # LivePanel's clock: a test's fake one makes the frame count exact
            drawing_allowed = self.stats["drawing_s"] <= self._draw_share * (now - started)
            if run.history.epochs_run == 1 or (now - last_frame >= self._frame_interval and drawing_allowed):
                self._in_frame = True
                try:
                    self._frame(run.model, run.problem, run.history, run.settings.epochs)
                finally:
                    self._in_frame = False
                last_frame, last_yield = now, self.clock()  # max_fps counts from a frame's start
                self.stats["drawing_s"] += last_yield - now
                yield
            elif now - last_yield >= YIELD_EVERY_S:
                last_yield = now
                yield
            if generation != self._generation:
                return
        self._finish(run)

    # ------------------------------------------------------------ drawing
    def _build_views(self) -> None:
        fig = self.figure
        grid = fig.add_gridspec(1, 2, left=0.085, right=0.98, bottom=0.14, top=0.86, wspace=0.25)
        self._ax_fit = fig.add_subplot(grid[0, 0])
        self._ax_boundary = fig.add_subplot(grid[0, 0])
        loss_ax = fig.add_subplot(grid[0, 1])
        self.fit_view = FitView(self._ax_fit, x_grid=np.linspace(-3.6, 3.6, 200))
        self.boundary_view = BoundaryView(self._ax_boundary, n_classes=2)
        self.loss_view = LossView(loss_ax, log_scale=True, train_label="train (running, train mode)",
                                  mark_final_train=True)
        self.banner = Banner(fig)
        # what a training frame changes: blitted over a saved background (see the module docstring)
        self._blitter = Blitter(fig, [self.fit_view.prediction, self.boundary_view.image,
                                      self.loss_view.train, self.loss_view.val, self.loss_view.final_train,
                                      self.banner.text])
        self._scene = None  # what the last full picture showed besides the model: data and run length
        if fig.canvas is self._screen:  # ipympl
            fig.canvas.handle_draw = functools.partial(self._send_picture, fig.canvas.handle_draw)

    def _show_problem(self, run: Run) -> None:
        """Show the new run's data. When the data set and run length are the last run's, the limits
        stay wherever they still fit, so that the first frame can be blitted, not drawn in full."""
        settings, problem = run.settings, run.problem
        scene = (settings.dataset, settings.epochs)
        steady = scene == self._scene and self.history is not None and self.history.stop_reason != "diverged"
        self._scene = scene
        split = problem.split
        X_val, y_val = split.X_val[:DRAWN_VAL], split.y_val[:DRAWN_VAL]
        regression = problem.task == "regression"
        title = f"n_train {problem.n_train}, n_val {problem.n_val}" + (
            f" ({DRAWN_VAL} drawn)" if problem.n_val > DRAWN_VAL else "")
        if title != self._ax_fit.get_title(loc="left"):
            steady = False  # a title is not among the blitted artists: draw everything once
            for ax in (self._ax_fit, self._ax_boundary):
                ax.set_title(title, loc="left", fontsize="small")
        self._ax_fit.set_visible(regression)
        self._ax_boundary.set_visible(not regression)
        if regression:
            low, high = float(split.X_train.min()), float(split.X_train.max())
            grid = self.fit_view.x_grid
            if not (steady and grid.min() <= low and high <= grid.max()):
                margin = 0.2 * (high - low) + 1e-6  # a little beyond the data: extrapolation shows
                self.fit_view.set_x_grid(np.linspace(low - margin, high + margin, 200))
            self.fit_view.set_true_function(problem.true_function)
            self.fit_view.set_data(split.X_train, split.y_train, X_val, y_val, keep_limits=steady)
        else:
            self.boundary_view.set_n_classes(problem.n_classes)
            self.boundary_view.set_data(split.X_train, split.y_train, X_val, y_val)
        self.loss_view.reset(epochs=settings.epochs, keep_limits=steady)  # x spans the run from the start
        self.loss_view.set_goal(run.goal if regression else None)
        self.banner.set("Training...", level="info")  # the banner is redrawn with every frame
        self.advice.value = f"<i>{html.escape(sizes_text(problem))}. {html.escape(problem.note)}</i>"
        if not steady:
            self._blitter.invalidate()  # a new kind of data: the next frame draws everything
        # Otherwise the blitter itself sees any limit, scale or legend change; points, curves and
        # the goal line are among the artists every frame redraws.

    def _frame(self, model, problem, history, epochs: int) -> None:
        self._show_model(model, problem, history)
        self.status.value = f"Training: epoch {history.epochs_run} of {epochs}"
        self._render(full=False)

    def _show_model(self, model, problem, history) -> None:
        """Put the model's predictions and the losses so far into the views (drawing is _render's job)."""
        if problem.task == "regression":
            x = self.fit_view.x_grid[:, None]
            self.fit_view.set_prediction(predict(model, x)[:, 0])
        else:
            logits = torch.as_tensor(predict(model, self.boundary_view.grid_points()))
            self.boundary_view.set_probabilities(torch.softmax(logits, dim=1).numpy())
        self.loss_view.update(history.train_loss, history.val_loss)

    def _render(self, *, full: bool = True) -> None:
        """Show the figure; ``full=False`` (only the model and losses changed) lets it be blitted."""
        if full:
            self._blitter.invalidate()
        if isinstance(self._screen, widgets.Image):
            if self._blitter.frame():
                self.stats["blitted"] += 1
            else:
                self.figure.canvas.draw()  # which saves the background for the next frames
            self._screen.value = png_bytes(self.figure.canvas)
        else:  # ipympl: the browser asks for the picture when ready, and _send_picture answers
            request_draw(self.figure)
        self.stats["frames"] += 1
        if self.stats["first_frame_s"] is None:
            self.stats["first_frame_s"] = self.clock() - self.stats["started"]

    def _send_picture(self, full_draw, event) -> None:
        """ipympl: answer the browser's request for a picture, blitted when only the changing artists changed.

        Installed as the canvas's handler of webagg's "draw" message, which the browser sends
        after a draw_idle, once it is ready for a picture. Pushing each frame at once with
        ``canvas.blit()`` instead would outrun a busy browser: ipympl drops a picture still
        loading when the next arrives, and the next diff then paints over the wrong one.
        """
        start = self.clock()
        if self._blitter.frame():
            self.figure.canvas.blit()  # webagg: a PNG of the pixels changed since the last picture sent
            self.stats["blitted"] += 1
        else:
            full_draw(event)  # draws everything, saves the background and sends the picture
        if not self._in_frame:  # asked for between frames: drawing all the same, which the pacing counts
            self.stats["drawing_s"] += self.clock() - start

    def _finish(self, run: Run) -> None:
        history, self.diagnosis, self.outcome = run.history, run.outcome.diagnosis, run.outcome
        self._show_model(run.model, run.problem, history)
        if self.diagnosis is None:  # diverged: its errors mean nothing
            message = (f"Diverged at epoch {history.diverged_at}: the loss became NaN or infinite. "
                       f"The learning rate {run.settings.lr:.2g} is too high for this model; lower it.")
            self.banner.set(message, level="error")
            self.status.value = f"<b style='color:#b00020'>{html.escape(message)}</b>"
        else:
            self.banner.set(self.diagnosis.brief, level=self.diagnosis.level)  # one line that fits the figure
            # the diagnosis's training error is measured in eval mode: mark it in the loss's units
            train_loss = evaluate(run.model, run.problem.split.train, task=run.problem.task)[0]
            self.loss_view.set_final_train(train_loss)
            self.status.value = f"Done: {history.epochs_run} epochs in {history.seconds:.2f} s."
            items = "".join(f"<li>{html.escape(r)}</li>" for r in self.diagnosis.remedies)
            self.advice.value = (f"<b>{html.escape(self.diagnosis.headline)}</b><ul>{items}</ul>"
                                 f"<i>{html.escape(run.outcome.readout)}</i>")
        self._render()

    # ------------------------------------------------------------ events
    def _on_log_scale(self, change) -> None:
        self._guarded(lambda: (self.loss_view.set_log_scale(change["new"]), self._render()))

    def _toggle_code(self) -> None:
        showing = self.code_view.layout.display != "none"
        self.code_view.layout.display = "none" if showing else "block"
        self.code_button.description = "Show code" if showing else "Hide code"
        self._update_code()

    def _update_code(self) -> None:
        """Put the current settings' code in the code view, if it is open (closed, it waits to be opened)."""
        if self.code_view.layout.display != "none":
            # wrapped, not scrolled sideways: the panel keeps its width (see code_view in __init__)
            self.code_view.value = ("<pre style='white-space: pre-wrap; overflow-wrap: anywhere'>"
                                    f"{html.escape(self.code())}</pre>")

    def _show_error(self, error: BaseException) -> None:
        super()._show_error(error)
        self.banner.set(f"Error: {error}", level="error")
        try:
            self._render()
        except Exception as render_error:  # the status line above already tells the learner
            self.status.value += f"<br>(and the plot could not be redrawn: {html.escape(str(render_error))})"

    def _layout(self) -> widgets.Widget:
        names = list(self.controls)
        # columns that keep their width (a squeezed box clips its children) and wrap below each other
        # where three do not fit, rather than clip
        keep_width = widgets.Layout(flex="0 0 auto")
        column = [widgets.VBox([self.controls[n] for n in names[i::3]], layout=keep_width) for i in range(3)]
        buttons = widgets.HBox([self.train_button, self.stop_button, self.code_button, self.log_scale],
                               layout=widgets.Layout(flex_flow="row wrap"))
        return widgets.VBox([widgets.HBox(column, layout=widgets.Layout(flex_flow="row wrap")), buttons,
                             self.status, self._screen, self.advice, self.code_view])


def _option_values(control) -> list:
    return [o[1] if isinstance(o, tuple) else o for o in control.options]
