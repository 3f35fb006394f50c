"""Panels: ipywidgets controls wired to training (labkit.train) and live views (labkit.plots).

How a frame reaches the screen
------------------------------
A frame changes artists' data in place, then the figure is shown. While training, only
the model's curve (or probability image) and the loss curves change, and the loss
view's limits stay put, so most pictures are *blitted* (:class:`labkit.plots.Blitter`):
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

import asyncio
import functools
import html
import io
import time
import traceback

import ipywidgets as widgets
import matplotlib
import numpy as np
import PIL.Image
import torch

from labkit import plots
from labkit._checks import check_choice, check_float, check_int
from labkit.biasvar import PARAMS, bias_variance_sweep
from labkit.data import DATASETS
from labkit.diagnosis import diagnose
from labkit.figures import log_axis_suits
from labkit.models import ACTIVATIONS
from labkit.playground import (
    Settings,
    build_model,
    check_data,
    errors,
    fit_options,
    goal_error,
    make_problem,
    settings_code,
)
from labkit.train import OPTIMIZERS, iter_fit, predict

__all__ = ["Playground", "BiasVariancePanel", "LivePanel", "show_figure", "error_html"]

_YIELD_EVERY_S = 0.02  # hand control back to the kernel this often while training
_TRAINING_KEYS = [name for name in Settings.__dataclass_fields__]


def _options(values, current):
    """Slider options with ``current`` included."""
    return sorted(set(values) | {current})


def _ensure_value(control, value) -> None:
    """Widen a control's options or range so it can show ``value`` (any valid setting)."""
    if isinstance(control, widgets.Dropdown) and value not in _option_values(control):
        control.options = [*control.options, (str(value), value)]
    elif isinstance(control, widgets.SelectionSlider) and value not in control.options:
        control.options = _options(control.options, value)
    elif isinstance(control, widgets.FloatLogSlider):
        exponent = float(np.log10(value))
        control.min, control.max = min(control.min, exponent), max(control.max, exponent)
    elif isinstance(control, (widgets.FloatSlider, widgets.IntSlider)):
        control.min, control.max = min(control.min, value), max(control.max, value)


def _make_controls(s: Settings) -> dict[str, widgets.Widget]:
    defaults = Settings()
    controls = _control_widgets(defaults)
    for name, value in s.as_dict().items():
        _ensure_value(controls[name], value)
        controls[name].value = value
    return controls


def _control_widgets(s: Settings) -> dict[str, widgets.Widget]:
    """One control per setting, on the scales the source material recommends searching:
    widths on a log2 scale, learning rate and L2 on a log10 scale."""
    style = {"description_width": "90px"}
    slider = {"continuous_update": False, "style": style}
    W = widgets
    return {
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
        "batch_size": W.Dropdown(options=[("full batch", None), ("8", 8), ("16", 16), ("32", 32), ("64", 64)],
                                 value=s.batch_size, description="batch size", style=style),
        "epochs": W.SelectionSlider(options=[50, 100, 200, 300, 500, 1000, 2000], value=s.epochs,
                                    description="epochs", **slider),
        "seed": W.BoundedIntText(value=s.seed, min=0, max=2**31 - 1, description="seed", style=style),
    }


class Playground:
    """Sliders that retrain a small network, with the fit and the loss curves updating live.

    ``Playground(width=8, lr=0.1)`` starts from those settings (see
    :class:`labkit.playground.Settings`); ``Playground(data=(X, y))`` trains on your
    own data (1 feature for a curve, 2 for classes). Display it as a notebook cell's
    last expression. ``state()`` / ``set_state()`` save and restore it, and
    ``code()`` gives plain labkit calls that reproduce the current run.
    """

    def __init__(self, data=None, *, goal: float | None = None, max_fps: float = 12.0, **settings):
        if data is not None:
            if not isinstance(data, (tuple, list)) or len(data) != 2:
                raise TypeError("data must be a pair (X, y) of arrays, tensors or lists")
            check_data(*data)  # fail here, with a clear message, not inside a callback
        self._data = data
        self._goal = goal
        self._frame_interval = 1.0 / max_fps
        self.controls = _make_controls(Settings(**settings))
        if data is not None:
            for name in ("dataset", "n_train", "noise"):
                self.controls[name].disabled = True
        self.log_scale = widgets.Checkbox(value=True, description="log-scale loss")
        self.train_button = widgets.Button(description="Train", icon="play", button_style="primary")
        self.stop_button = widgets.Button(description="Stop", icon="stop")
        self.code_button = widgets.Button(description="Show code", icon="code")
        self.status = widgets.HTML()
        self.advice = widgets.HTML()
        self.code_view = widgets.HTML(layout=widgets.Layout(display="none"))
        self.figure, self._screen = _new_figure()
        self._build_views()
        self.history = self.model = self.problem = self.diagnosis = self.last_error = None
        self.stats = {"frames": 0, "blitted": 0, "first_frame_s": None, "started": None}
        self._generation, self._task, self._quiet = 0, None, False
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.log_scale.observe(self._on_log_scale, names="value")
        self.train_button.on_click(lambda _: self._guarded(self.retrain))
        self.stop_button.on_click(lambda _: self._guarded(self.stop))
        self.code_button.on_click(lambda _: self._guarded(self._toggle_code))
        self.widget = self._layout()
        self.retrain()

    # ------------------------------------------------------------ public API
    def settings(self) -> Settings:
        return Settings(**{name: c.value for name, c in self.controls.items()})

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
                _ensure_value(self.controls[name], value)
                self.controls[name].value = value
            self.log_scale.value = bool(log_scale)
        finally:
            self._quiet = False
        self.retrain()

    def code(self) -> str:
        return settings_code(self.settings(), user_data=self._data is not None)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def wait(self) -> None:
        """Await the current training run (for notebooks and tests)."""
        while self.running:
            await asyncio.wait({self._task})

    def retrain(self) -> None:
        """Start a new run with the current values; a running one is superseded."""
        self._generation += 1
        self.stats.update(frames=0, blitted=0, first_frame_s=None, started=time.perf_counter())
        if self.running:
            self._task.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            self._drive_sync(self._generation)
        else:
            self._task = loop.create_task(self._drive_async(self._generation))

    def stop(self) -> None:
        self._generation += 1
        if self.running:
            self._task.cancel()
        if self.history is not None:
            self.status.value = f"Stopped at epoch {self.history.epochs_run}."

    def close(self) -> None:
        """Stop training, free the figure and close every widget (a closed panel keeps no memory)."""
        self.stop()
        for control in self.controls.values():
            control.unobserve(self._on_change, names="value")
        self.log_scale.unobserve(self._on_log_scale, names="value")
        _close_figure_and_widgets(self.figure, self.widget)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------ training
    def _drive_sync(self, generation: int) -> None:
        try:
            for _ in self._run(generation):
                pass
        except Exception as error:  # shown in the panel, never lost
            self._show_error(error)

    async def _drive_async(self, generation: int) -> None:
        try:
            for _ in self._run(generation):
                await asyncio.sleep(0)  # let widget messages and frame requests in
                if generation != self._generation:
                    return
        except asyncio.CancelledError:
            raise
        except Exception as error:  # shown in the panel, never lost
            self._show_error(error)

    def _run(self, generation: int):
        """One training run as a generator: each ``yield`` is a point where another run may take over."""
        settings = self.settings()
        self.problem = problem = make_problem(settings, self._data)
        self.model = model = build_model(settings, problem)
        self._show_problem(settings, problem)
        self.status.value = "Training..."
        last_frame = last_yield = -np.inf
        history = None
        for history in iter_fit(model, problem.split.train, problem.split.val, task=problem.task,
                                **fit_options(settings)):
            self.history = history
            now = time.perf_counter()
            if history.epochs_run == 1 or now - last_frame >= self._frame_interval:
                self._frame(model, problem, history, settings.epochs)
                last_frame, last_yield = now, time.perf_counter()  # max_fps counts from a frame's start
                yield
            elif now - last_yield >= _YIELD_EVERY_S:
                last_yield = now
                yield
            if generation != self._generation:
                return
        self._finish(model, problem, history, settings)

    # ------------------------------------------------------------ drawing
    def _build_views(self) -> None:
        fig = self.figure
        grid = fig.add_gridspec(1, 2, left=0.07, right=0.98, bottom=0.14, top=0.86, wspace=0.25)
        self._ax_fit = fig.add_subplot(grid[0, 0])
        self._ax_boundary = fig.add_subplot(grid[0, 0])
        loss_ax = fig.add_subplot(grid[0, 1])
        self.fit_view = plots.FitView(self._ax_fit, x_grid=np.linspace(-3.6, 3.6, 200))
        self.boundary_view = plots.BoundaryView(self._ax_boundary, n_classes=2)
        self.loss_view = plots.LossView(loss_ax, log_scale=True)
        self.banner = plots.Banner(fig)
        # what a training frame changes: blitted over a saved background (see the module docstring)
        self._blitter = plots.Blitter(fig, [self.fit_view.prediction, self.boundary_view.image,
                                            self.loss_view.train, self.loss_view.val, self.banner.text])
        self._scene = None  # what the last full picture showed besides the model: data and run length
        if fig.canvas is self._screen:  # ipympl
            fig.canvas.handle_draw = functools.partial(self._send_picture, fig.canvas.handle_draw)

    def _show_problem(self, settings: Settings, problem) -> None:
        """Show the new run's data; when they are the last run's (a model setting changed), keep the
        picture, so that the first frame can be blitted instead of drawn in full."""
        scene = (settings.dataset, settings.n_train, settings.noise, settings.seed, settings.epochs)
        same = scene == self._scene and self.history is not None and self.history.stop_reason != "diverged"
        self._scene = scene
        split = problem.split
        regression = problem.task == "regression"
        if not same:
            self._ax_fit.set_visible(regression)
            self._ax_boundary.set_visible(not regression)
            if regression:
                low, high = float(split.X_train.min()), float(split.X_train.max())
                margin = 0.2 * (high - low) + 1e-6  # a little beyond the data: extrapolation shows
                self.fit_view.set_x_grid(np.linspace(low - margin, high + margin, 200))
                self.fit_view.set_true_function(problem.true_function)
                self.fit_view.set_data(split.X_train, split.y_train, split.X_val, split.y_val)
            else:
                self.boundary_view.set_n_classes(problem.n_classes)
                self.boundary_view.set_data(split.X_train, split.y_train, split.X_val, split.y_val)
        self.loss_view.reset(epochs=settings.epochs, keep_limits=same)  # x spans the run from the start
        self.loss_view.set_goal(self._goal_for(settings, problem) if regression else None)
        self.banner.set("Training...", level="info")  # the banner is redrawn with every frame
        self.advice.value = ""
        if not same:
            self._blitter.invalidate()  # new points and limits: the next frame draws everything

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
            self._screen.value = _png(self.figure.canvas)
        else:  # ipympl: the browser asks for the picture when ready, and _send_picture answers
            plots.request_draw(self.figure)
        self.stats["frames"] += 1
        if self.stats["first_frame_s"] is None:
            self.stats["first_frame_s"] = time.perf_counter() - self.stats["started"]

    def _send_picture(self, full_draw, event) -> None:
        """ipympl: answer the browser's request for a picture, blitted when only the changing artists changed.

        Installed as the canvas's handler of webagg's "draw" message, which the browser sends
        after a draw_idle, once it is ready for a picture. Pushing each frame at once with
        ``canvas.blit()`` instead would outrun a busy browser: ipympl drops a picture still
        loading when the next arrives, and the next diff then paints over the wrong one.
        """
        if self._blitter.frame():
            self.figure.canvas.blit()  # webagg: a PNG of the pixels changed since the last picture sent
            self.stats["blitted"] += 1
        else:
            full_draw(event)  # draws everything, saves the background and sends the picture

    def _finish(self, model, problem, history, settings: Settings) -> None:
        self._show_model(model, problem, history)
        if history.stop_reason == "diverged":
            self.diagnosis = None
            message = (f"Diverged at epoch {history.diverged_at}: the loss became NaN or infinite. "
                       f"The learning rate {settings.lr:.2g} is too high for this model; lower it.")
            self.banner.set(message, level="error")
            self.status.value = f"<b style='color:#b00020'>{html.escape(message)}</b>"
        else:
            train_error, val_error = errors(model, problem)
            self.diagnosis = diagnose(train_error, val_error, goal_error=self._goal_for(settings, problem))
            self.banner.set(self.diagnosis.headline, level=self.diagnosis.level)
            self.status.value = f"Done: {history.epochs_run} epochs in {history.seconds:.2f} s."
            items = "".join(f"<li>{html.escape(r)}</li>" for r in self.diagnosis.remedies)
            self.advice.value = f"<b>{html.escape(self.diagnosis.regime.capitalize())}</b><ul>{items}</ul>"
        self._render()

    def _goal_for(self, settings: Settings, problem) -> float:
        return self._goal if self._goal is not None else goal_error(settings, problem)

    # ------------------------------------------------------------ events
    def _on_change(self, change) -> None:
        if not self._quiet:
            self._guarded(self.retrain)

    def _on_log_scale(self, change) -> None:
        self._guarded(lambda: (self.loss_view.set_log_scale(change["new"]), self._render()))

    def _toggle_code(self) -> None:
        showing = self.code_view.layout.display != "none"
        self.code_view.value = f"<pre>{html.escape(self.code())}</pre>"
        self.code_view.layout.display = "none" if showing else "block"
        self.code_button.description = "Show code" if showing else "Hide code"

    def _guarded(self, action) -> None:
        try:
            action()
        except Exception as error:  # shown in the panel, never lost
            self._show_error(error)

    def _show_error(self, error: BaseException) -> None:
        self.last_error = error
        self.status.value = error_html(error)
        self.banner.set(f"Error: {error}", level="error")
        try:
            self._render()
        except Exception as render_error:  # the status line above already tells the learner
            self.status.value += f"<br>(and the plot could not be redrawn: {html.escape(str(render_error))})"

    def _layout(self) -> widgets.Widget:
        names = list(self.controls)
        column = [widgets.VBox([self.controls[n] for n in names[i::3]]) for i in range(3)]
        buttons = widgets.HBox([self.train_button, self.stop_button, self.code_button, self.log_scale])
        return widgets.VBox([widgets.HBox(column), buttons, self.status, self._screen, self.advice,
                             self.code_view])


def _option_values(control) -> list:
    return [o[1] if isinstance(o, tuple) else o for o in control.options]


def _ipympl_active() -> bool:
    backend = matplotlib.get_backend().lower()
    return "ipympl" in backend or backend == "widget"


def _png(canvas) -> bytes:
    """The Agg canvas's pixels as PNG bytes; the fastest compression, as each frame is shown once."""
    buffer = io.BytesIO()
    PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def _new_figure(size=(9.5, 3.8)):
    """A panel's figure and the widget that shows it (see the module docstring)."""
    if _ipympl_active():
        import matplotlib.pyplot as plt

        with plt.ioff():  # shown inside the panel, not a second time below the cell
            fig = plt.figure(figsize=size)
        fig.canvas.header_visible = False
        fig.canvas.footer_visible = False
        fig.canvas.toolbar_visible = False
        return fig, fig.canvas
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=80)  # 9.5 in: a 760 px PNG, the width of the controls above it
    FigureCanvasAgg(fig)
    return fig, widgets.Image(format="png")


def show_figure(figure, screen) -> None:
    """Show ``figure``'s current state: a PNG in a core Image widget, or ipympl's pull-on-request draw."""
    if isinstance(screen, widgets.Image):
        figure.canvas.draw()
        screen.value = _png(figure.canvas)
    else:
        plots.request_draw(figure)  # ipympl: the browser asks for the picture when it is ready


def error_html(error: BaseException) -> str:
    """A panel's status line for an exception: type and message in red, the traceback folded away."""
    details = html.escape("".join(traceback.format_exception(error)))
    return (f"<b style='color:#b00020'>Error: {html.escape(type(error).__name__)}: "
            f"{html.escape(str(error))}</b><details><summary>traceback</summary><pre>{details}</pre></details>")


def _close_figure_and_widgets(figure, root: widgets.Widget) -> None:
    """Free a panel's figure and close its widget tree (closing the root alone leaves its children alive)."""
    import matplotlib.pyplot as plt

    plt.close(figure)
    pending = [root]
    while pending:
        widget = pending.pop()
        pending.extend(getattr(widget, "children", ()))
        widget.close()


class LivePanel:
    """The base of the panels that recompute on a change: a few controls, one figure, a status line.

    Rules shared with :class:`Playground` (see the module docstring): artists are made
    once and only their data change; all matplotlib work stays on the kernel's main
    thread; a change schedules the recompute as an asyncio task one loop turn later and
    bumps a generation counter, so a burst of changes runs only the last one (without a
    running loop, as in a script, it runs at once); an exception is shown in the status
    line and kept in ``last_error``.

    A subclass makes ``self.controls`` (name -> widget) and its figure
    (``self.figure, self._screen = _new_figure(size)``) with its artists, then calls
    :meth:`_start`. It either provides ``_compute(values) -> result``, ``_show(result,
    values)`` (update artists in place) and ``_describe(result) -> str``, or overrides
    :meth:`_run`, a generator whose every ``yield`` is a point where a newer run may take over.
    """

    _busy_text = "Training..."

    def _start(self, extra: tuple = ()) -> None:
        self.status = widgets.HTML()
        self.result = self.last_error = None
        self.runs = 0  # finished recomputes (a storm of changes should add few)
        self._generation, self._task, self._quiet = 0, None, False
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        row = widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        self.widget = widgets.VBox([row, self.status, self._screen, *extra])
        self.refresh()

    # ------------------------------------------------------------ public API
    def state(self) -> dict:
        """The controls' current values."""
        return {name: control.value for name, control in self.controls.items()}

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def wait(self) -> None:
        """Await the scheduled or running recompute, if any (for notebooks and tests)."""
        while self.running:
            await asyncio.wait({self._task})

    def refresh(self) -> None:
        """Recompute with the current values: now without an event loop, else one loop turn later."""
        self._generation += 1
        if self.running:
            self._task.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            self._drive_sync(self._generation)
        else:
            self._task = loop.create_task(self._drive_async(self._generation))

    def close(self) -> None:
        """Stop listening, cancel a pending recompute, free the figure and close the widgets."""
        self._generation += 1
        if self.running:
            self._task.cancel()
        for control in self.controls.values():
            control.unobserve(self._on_change, names="value")
        _close_figure_and_widgets(self.figure, self.widget)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------ running
    def _run(self, generation: int):
        """One recompute: compute, then (if still current) show, describe and render."""
        self.status.value = self._busy_text
        start = time.perf_counter()
        values = self.state()
        result = self._compute(values)
        if generation != self._generation:
            return  # superseded while computing: the newer run will draw
        self.result, self.last_error = result, None
        self._show(result, values)
        self.runs += 1
        self.status.value = html.escape(f"{self._describe(result)} ({time.perf_counter() - start:.2f} s)")
        self._render()
        yield

    def _drive_sync(self, generation: int) -> None:
        try:
            for _ in self._run(generation):
                pass
        except Exception as error:  # shown in the panel, never lost
            self._show_error(error)

    async def _drive_async(self, generation: int) -> None:
        await asyncio.sleep(0)  # the rest of a burst of changes arrives first and supersedes this run
        if generation != self._generation:
            return
        try:
            last_yield = time.perf_counter()
            for _ in self._run(generation):
                if time.perf_counter() - last_yield >= _YIELD_EVERY_S:
                    await asyncio.sleep(0)  # let widget messages in
                    last_yield = time.perf_counter()
                if generation != self._generation:
                    return
        except asyncio.CancelledError:
            raise
        except Exception as error:  # shown in the panel, never lost
            self._show_error(error)

    def _render(self) -> None:
        show_figure(self.figure, self._screen)

    def _on_change(self, change) -> None:
        if self._quiet:
            return
        try:
            self.refresh()
        except Exception as error:  # shown in the panel, never lost
            self._show_error(error)

    def _show_error(self, error: BaseException) -> None:
        self.last_error = error
        self.status.value = error_html(error)


class BiasVariancePanel(LivePanel):
    """Bias and variance, measured live: choose what to sweep and see the test error split into parts.

    Each change reruns :func:`labkit.biasvar.bias_variance_sweep` (``n_models`` models
    per value, trained at once by :mod:`labkit.batched`; a second or two on one CPU
    thread). Left: bias², variance, noise and test error against the swept value.
    Right: the K models' curves at one value ("show models at"), which moves lines
    and retrains nothing. ``result`` holds the last
    :class:`~labkit.biasvar.BiasVarianceResult`; other keywords go to the sweep.
    """

    _PARAMS = (("width", "width"), ("L2 weight decay", "weight_decay"), ("training-set size", "n_train"),
               ("depth", "depth"), ("epochs", "epochs"))
    _busy_text = "Sweeping: training the models..."

    def __init__(self, param: str = "width", *, noise: float = 0.3, n_train: int = 30, n_models: int = 16,
                 seed: int = 0, **sweep_options):
        unknown = sorted(set(sweep_options) - {"width", "depth", "weight_decay", "epochs", "lr", "activation",
                                                "dataset", "n_test"})
        if unknown:
            raise TypeError(f"unknown sweep option(s) {unknown}; see labkit.biasvar.bias_variance_sweep")
        self.n_models = check_int("n_models", n_models, min_value=2, max_value=64)
        self._options = sweep_options
        style = {"description_width": "90px"}
        slider = {"continuous_update": False, "style": style}
        self.controls = {
            "param": widgets.Dropdown(options=self._PARAMS, value=check_choice("param", param, PARAMS),
                                      description="sweep", style=style),
            "noise": widgets.FloatSlider(value=check_float("noise", noise, min_value=0.0, max_value=1.0),
                                         min=0.0, max=1.0, step=0.05, description="noise", **slider),
            "n_train": widgets.SelectionSlider(
                options=_options([10, 20, 30, 40, 80, 160], check_int("n_train", n_train, min_value=2)),
                value=n_train, description="train size", **slider),
            "seed": widgets.BoundedIntText(value=check_int("seed", seed, min_value=0, max_value=2**31 - 1),
                                           min=0, max=2**31 - 1, description="seed", style=style,
                                           layout=widgets.Layout(width="180px")),
        }
        self.show = widgets.SelectionSlider(options=[0], description="show models at", **slider)
        self.figure, self._screen = _new_figure((9.5, 3.6))
        grid = self.figure.add_gridspec(1, 2, left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.22)
        self.view = plots.BiasVarianceView(self.figure.add_subplot(grid[0, 0]))
        self.ensemble = plots.EnsembleView(self.figure.add_subplot(grid[0, 1]), n_models=self.n_models)
        self.show.observe(self._on_show, names="value")
        self._start(extra=(self.show,))

    def close(self) -> None:
        self.show.unobserve(self._on_show, names="value")
        super().close()

    def _compute(self, values: dict):
        param = values["param"]
        self.controls["n_train"].disabled = param == "n_train"  # the sweep sets it
        return bias_variance_sweep(param, noise=values["noise"], n_train=values["n_train"],
                                   n_models=self.n_models, random_state=values["seed"], **self._options)

    def _show(self, result, values: dict) -> None:
        self.view.update(result.values, result.bias_squared, result.variance, result.noise, result.test_error,
                         xlabel=result.param, log_x=log_axis_suits(result.values))
        best = result.best_value
        options = result.values.tolist()
        self._quiet_show = True
        try:
            self.show.options = options
            self.show.value = best if best is not None else options[0]
        finally:
            self._quiet_show = False
        self._show_models()

    def _describe(self, result) -> str:
        text = (f"{len(result.values)} values x {self.n_models} models; lowest test error at "
                f"{result.param} = {result.best_value}")
        if result.n_diverged.any():
            text += f"; {int(result.n_diverged.sum())} model(s) diverged"
        return text

    def _on_show(self, change) -> None:
        if getattr(self, "_quiet_show", False):
            return
        try:
            self._show_models()
            self._render()
        except Exception as error:  # shown in the panel, never lost
            self._show_error(error)

    def _show_models(self) -> None:
        result = self.result
        if result is None:
            return
        index = result.values.tolist().index(self.show.value)
        self.ensemble.update(result.x_test, result.predictions[index], result.truth,
                             title=f"{result.param} = {self.show.value}: {self.n_models} models")
