"""What every live panel shares: its figure and screen, showing a frame, errors, closing, scheduling.

:func:`new_figure` chooses how a panel's picture reaches the browser (see
:mod:`labkit.panels.playground` for the two paths, ipympl or a PNG in a core ``ipywidgets.Image``);
:func:`show_figure` shows the figure's current state that way. :class:`LivePanel` is
the base of the panels that recompute when a control changes (the explorers, the
bias-variance panel, the gradient-flow monitor). It is a base class and not a
framework: three panels had the same eighty lines of scheduling, error display and
closing, and a fix to one (say, closing every child widget) belongs to all.
"""

from __future__ import annotations

import asyncio
import html
import io
import time
import traceback

import ipywidgets as widgets
import matplotlib
import numpy as np
import PIL.Image

from labkit.viz.layout import DPI, figure_size
from labkit.viz.views import request_draw

__all__ = ["LivePanel", "new_figure", "show_figure", "error_html", "close_figure_and_widgets", "png_bytes",
           "ipympl_active", "options_with", "YIELD_EVERY_S"]

YIELD_EVERY_S = 0.02  # how often a running panel hands control back to the kernel (LivePanel.clock seconds)


def options_with(values, current) -> list:
    """A slider's options with ``current`` added, so any valid setting can be shown exactly."""
    return sorted(set(values) | {current})


def ipympl_active() -> bool:
    backend = matplotlib.get_backend().lower()
    return "ipympl" in backend or backend == "widget"


def png_bytes(canvas) -> bytes:
    """The Agg canvas's pixels as PNG bytes; the fastest compression, as each frame is shown once."""
    buffer = io.BytesIO()
    PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def new_figure(size=None):
    """A panel's figure and the widget that shows it (see the module docstring).

    ``size`` (width, height) in inches defaults to the notebook column's width by 3.8 inches;
    a width beyond the column (:data:`labkit.viz.layout.COLUMN_INCHES`) raises, as the learner
    on a laptop would see it cut off.
    """
    size = figure_size(3.8) if size is None else figure_size(size[1], width=size[0])
    if ipympl_active():
        import matplotlib.pyplot as plt

        with plt.ioff():  # shown inside the panel, not a second time below the cell
            fig = plt.figure(figsize=size, dpi=DPI)  # CSS width = inches * dpi: the column's at most
        fig.canvas.header_visible = False
        fig.canvas.footer_visible = False
        fig.canvas.toolbar_visible = False
        return fig, fig.canvas
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=80)  # a PNG of at most 656 px: smaller frames to encode and send
    FigureCanvasAgg(fig)
    return fig, widgets.Image(format="png")


def show_figure(figure, screen) -> None:
    """Show ``figure``'s current state: a PNG in a core Image widget, or ipympl's pull-on-request draw."""
    if isinstance(screen, widgets.Image):
        figure.canvas.draw()
        screen.value = png_bytes(figure.canvas)
    else:
        request_draw(figure)  # ipympl: the browser asks for the picture when it is ready


def error_html(error: BaseException) -> str:
    """A panel's status line for an exception: type and message in red, the traceback folded away."""
    details = html.escape("".join(traceback.format_exception(error)))
    return (f"<b style='color:#b00020'>Error: {html.escape(type(error).__name__)}: "
            f"{html.escape(str(error))}</b><details><summary>traceback</summary><pre>{details}</pre></details>")


def close_figure_and_widgets(figure, root: widgets.Widget) -> None:
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
    (``self.figure, self._screen = new_figure(size)``) with its artists, then calls
    :meth:`_start` (with ``layout``, a function making its own widget tree, if the default
    row of controls, status line and picture does not suit). It either provides
    ``_compute(values) -> result``, ``_show(result, values)`` (update artists in place) and
    ``_describe(result) -> str``, or overrides :meth:`_run`, a generator whose every
    ``yield`` is a point where a newer run may take over. A computation long enough to
    want a progress line overrides :meth:`_computing` instead of ``_compute``.

    Every pacing decision (frames per second, how often to yield) and every time shown
    reads :attr:`clock`, ``time.perf_counter`` unless replaced: a test installs a fake
    clock that advances a fixed amount per call, so frame counts do not depend on how
    fast the machine runs.
    """

    _busy_text = "Training..."
    clock = staticmethod(time.perf_counter)  # seconds; the one clock of every panel (see above)

    def _start(self, extra: tuple = (), layout=None) -> None:
        self.status = widgets.HTML()
        # the busy indicator: shown the moment a control changes, before any work starts (a sweep of
        # seconds with nothing changing read as a change not taken), filled as the run reports progress
        self.progress = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, bar_style="info",
                                              description="working", style={"description_width": "64px"},
                                              layout=widgets.Layout(width="200px", visibility="hidden"))
        self.result = self.last_error = None
        self.runs = 0  # finished recomputes (a storm of changes should add few)
        self._generation, self._task, self._quiet = 0, None, False
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        if layout is None:
            row = widgets.HBox([*self.controls.values(), self.progress],  # hidden, it keeps its place
                               layout=widgets.Layout(flex_flow="row wrap"))
            self.widget = widgets.VBox([row, self.status, self._screen, *extra])
        else:
            self.widget = layout()
        self.refresh()

    # ------------------------------------------------------------ public API
    def state(self) -> dict:
        """The controls' current values."""
        return {name: control.value for name, control in self.controls.items()}

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def wait(self) -> None:
        """Await the scheduled or running recompute, if any (for tests and async code)."""
        while self.running:
            await asyncio.wait({self._task})

    def finish(self) -> None:
        """Finish the pending recompute now, in the calling cell, so ``result`` is ready on return.

        For a notebook cell that reads the panel's result after creating it or calling
        ``set_state``. A cell that *awaits* the panel instead (``await panel.wait()``) can stay
        marked as running in JupyterLab after Run All: the kernel runs the following cells while
        it awaits. This runs the same recompute without the event loop (the scheduled one is
        superseded), and does nothing when no recompute is pending.
        """
        if self.running:
            self._supersede()
            self._task = None  # cancelled: it ends at its first await, a generation behind
            self._show_busy()
            self._drive_sync(self._generation)

    def refresh(self) -> None:
        """Recompute with the current values: now without an event loop, else one loop turn later."""
        self._supersede()
        self._show_busy()  # now, in the change's own handler: the learner sees at once that it was taken
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
        self._supersede()
        for control in self.controls.values():
            control.unobserve(self._on_change, names="value")
        close_figure_and_widgets(self.figure, self.widget)
        self.progress.close()  # (in a subclass's own layout it may be outside self.widget)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------ running
    def _show_busy(self) -> None:
        """The status line's busy text and an empty progress bar, until the run reports or ends."""
        self.status.value = html.escape(self._busy_text)
        self.progress.value = 0.0
        self.progress.layout.visibility = "visible"

    def _show_progress(self, fraction: float) -> None:
        """Fill the progress bar to ``fraction`` (0 to 1) of the run; a subclass's run calls it as it goes."""
        self.progress.value = min(max(float(fraction), 0.0), 1.0)

    def _show_idle(self, generation: int) -> None:
        if generation == self._generation:  # a superseded run leaves the bar to the newer one
            self.progress.layout.visibility = "hidden"

    def _supersede(self) -> None:
        """Make the current run, if any, stale: it stops at its next check."""
        self._generation += 1
        if self.running:
            self._task.cancel()

    def _run(self, generation: int):
        """One recompute: compute, then (if still current) show, describe and render."""
        start = self.clock()
        values = self.state()
        result = yield from self._computing(values)
        if generation != self._generation:
            return  # superseded while computing: the newer run will draw
        self.result, self.last_error = result, None
        self._show(result, values)
        self.runs += 1
        self.status.value = html.escape(f"{self._describe(result)} ({self.clock() - start:.2f} s)")
        self._render()
        yield

    def _computing(self, values: dict):
        """The computation as a generator that returns its result. A subclass whose work takes
        seconds overrides it to set the status line ("Computing 3 of 7 values...") and
        ``yield``: the kernel then sends that line to the browser and a newer run may take
        over. By default, one uninterrupted call of ``_compute``."""
        yield from ()  # a generator that never yields
        return self._compute(values)

    def _drive_sync(self, generation: int) -> None:
        try:
            for _ in self._run(generation):
                pass
        except Exception as error:  # shown in the panel, never lost
            self._show_error(error)
        finally:
            self._show_idle(generation)

    async def _drive_async(self, generation: int) -> None:
        await asyncio.sleep(0)  # the rest of a burst of changes arrives first and supersedes this run
        if generation != self._generation:
            return
        try:
            for _ in self._run(generation):  # _run yields every YIELD_EVERY_S or so, and after a frame
                await asyncio.sleep(0)  # let widget messages and the browser's requests for pictures in
                if generation != self._generation:
                    return
        except Exception as error:  # shown in the panel; a cancelled run's CancelledError is no Exception
            self._show_error(error)
        finally:
            self._show_idle(generation)

    def _render(self) -> None:
        show_figure(self.figure, self._screen)

    def _on_change(self, change) -> None:
        if not self._quiet:
            self._guarded(self.refresh)

    def _guarded(self, action) -> None:
        """Run a callback's ``action``; an exception is shown in the panel, never lost."""
        try:
            action()
        except Exception as error:
            self._show_error(error)

    def _show_error(self, error: BaseException) -> None:
        self.last_error = error
        self.status.value = error_html(error)
