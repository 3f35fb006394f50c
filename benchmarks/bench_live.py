"""Speed and memory figures of the live playground (labkit.panels.Playground). Prints them; asserts nothing.

Run with ``.venv/bin/python benchmarks/bench_live.py`` (about three minutes), or name sections:
``benchmarks/bench_live.py fg``. The machine's
other work makes timings noisy: compare figures from one run, and run it twice before quoting.

Goals (from the live-playground issue):
  a. a control's new value to the first updated frame, measured in the kernel: <= 150 ms
  b. frames per second while training (epochs=2000): >= 10
  c. one in-place frame vs clearing and re-displaying the same figure the way d2l's
     Animator and livelossplot do: in-place at most one third of the redisplay's cost
  d. the default bias-variance sweep, ``labkit.generalization.biasvar.bias_variance_sweep()``: reported
  e. kernel resident memory after 100 retrains: under 700 MB and not growing
  f. batch size 8 (3000 small steps): the panel's run near run_settings' and a plain loop's time
  g. the slow panels (bias-variance, gradient flow): the busy line the moment a control changes

Two ways a frame reaches the screen are measured (see labkit.panels.playground):
  - "ipympl" (``%matplotlib widget``, JupyterLab): the kernel renders with Agg and sends a
    PNG over the widget's comm. No browser is attached here, so this benchmark plays its
    part: when a frame calls ``request_draw`` (draw_idle), the "browser" asks back at
    once, and the kernel blits or draws and encodes the PNG it would send. Every number for
    this path includes that PNG.
  - "png widget" (no ipympl, e.g. Colab): Agg renders into PNG bytes for an ipywidgets.Image.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import statistics
import subprocess
import time
from types import SimpleNamespace

import matplotlib
import torch

import labkit
from labkit.panels import base as panel_base
from labkit.panels import playground as live
from labkit.viz import palette

IPYMPL = "module://ipympl.backend_nbagg"
CHANGES = [("width", 16), ("lr", 0.03), ("noise", 0.3), ("seed", 1), ("depth", 3),
           ("width", 64), ("lr", 0.003), ("noise", 0.1), ("seed", 2), ("depth", 1)]


@contextlib.contextmanager
def rendering(path: str):
    """Select a rendering path for the panels built inside; for ipympl, stand in for the browser."""
    matplotlib.use(IPYMPL if path == "ipympl" else "Agg")
    if path != "ipympl":
        yield
        return
    asks = live.request_draw, panel_base.request_draw

    def browser_pulls(fig):
        # the front-end answers draw_idle with a "draw" message; the kernel then draws and sends a PNG
        fig.canvas.syncing_data_url = False  # as the front-end's "initialized" message sets it
        fig.canvas.handle_event({"type": "draw"})

    live.request_draw = panel_base.request_draw = browser_pulls  # both modules that ask for pictures
    try:
        yield
    finally:
        live.request_draw, panel_base.request_draw = asks


def new_panel(**settings):
    from labkit.panels.playground import Playground

    panel = Playground(**settings)
    if hasattr(panel.figure.canvas, "syncing_data_url"):
        panel.figure.canvas.syncing_data_url = False  # see browser_pulls
    return panel


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.0f} ms"


# ---------------------------------------------------------------- a. value change to first frame

async def first_frames(epochs: int) -> list[float]:
    panel = new_panel(epochs=epochs)
    await panel.wait()
    seconds = []
    for name, value in CHANGES:
        panel.controls[name].value = value  # the observer starts a new run, as a slider does
        while panel.stats["first_frame_s"] is None:
            await asyncio.sleep(0)
        seconds.append(panel.stats["first_frame_s"])
        await panel.wait()
    panel.close()
    return seconds


def value_change_to_first_frame():
    print(f"a. value change -> first updated frame, {len(CHANGES)} changes of "
          f"{', '.join(dict.fromkeys(n for n, _ in CHANGES))} (goal <= 150 ms)")
    for path in ("ipympl", "png widget"):
        with rendering(path):
            seconds = asyncio.run(first_frames(epochs=100))
        print(f"   {path:<10}  median {ms(statistics.median(seconds))}   max {ms(max(seconds))}")


# ---------------------------------------------------------------- b. frames per second

async def one_long_run(epochs: int):
    panel = new_panel(epochs=epochs)
    frame, starts, costs = panel._frame, [], []

    def timed_frame(*args):
        starts.append(time.perf_counter())
        frame(*args)
        costs.append(time.perf_counter() - starts[-1])

    panel._frame = timed_frame
    panel.retrain()  # supersedes the run the constructor started, now with timed frames
    start = time.perf_counter()
    await panel.wait()
    wall = time.perf_counter() - start
    blitted = panel.stats.get("blitted")
    panel.close()
    return wall, starts, costs, blitted


def frames_per_second():
    epochs = 2000
    print(f"b. frames per second while training, epochs={epochs} (goal >= 10; the panel caps at 15)")
    for path in ("ipympl", "png widget"):
        with rendering(path):
            wall, starts, costs, blitted = asyncio.run(one_long_run(epochs))
        # steady: from the first frame (a full draw of a new figure) to the last, leaving out the run's
        # set-up before it and the diagnosis and final full draw after it
        steady = (len(starts) - 1) / (starts[-1] - starts[0])
        print(f"   {path:<10}  {len(costs)} frames in {wall:.2f} s = {len(costs) / wall:.1f} fps over the "
              f"whole run, {steady:.1f} fps steady; per frame: median {1000 * statistics.median(costs):.1f} "
              f"ms, max {ms(max(costs))}; {blitted} blitted; frames: {100 * sum(costs) / wall:.0f}% of it")


# ---------------------------------------------------------------- c. in place vs redisplay

def trained_panel(epochs: int):
    """A panel after a full run, and two (model, history) states a frame alternates between."""
    panel = new_panel(epochs=epochs)  # no event loop: trains at once
    other = copy.deepcopy(panel.model)
    with torch.no_grad():
        for p in other.parameters():
            p.mul_(1.02)  # a slightly different prediction, as the next frame of a run shows
    h = panel.history
    states = [(panel.model, h), (other, SimpleNamespace(train_loss=h.train_loss[:-1],
                                                        val_loss=h.val_loss[:-1], epochs_run=epochs - 1))]
    return panel, states


def redisplay_figure(panel):
    """A plain Agg figure of the panel's size and dpi, as the inline backend would make."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=panel.figure.get_size_inches(), dpi=panel.figure.dpi)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(1, 2, left=0.07, right=0.98, bottom=0.14, top=0.86, wspace=0.25)
    return fig, (fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]))


def redisplay(fig, axes, panel, model, history):
    """One frame d2l's Animator way: clear the axes, plot everything again, display a PNG, clear_output."""
    from IPython.core.pylabtools import print_figure
    from IPython.display import clear_output

    from labkit.train import predict

    fit, loss = panel.fit_view, panel.loss_view
    fit_ax, loss_ax = axes
    for ax in axes:
        ax.cla()
    grid = fit.x_grid
    fit_ax.scatter(*fit.train.get_offsets().T, s=22, color=palette.TRAIN, label="train", zorder=3)
    fit_ax.scatter(*fit.val.get_offsets().T, s=30, marker="x", color=palette.VAL, label="validation",
                   zorder=3)
    fit_ax.plot(grid, predict(model, grid[:, None])[:, 0], color=palette.MODEL, lw=2, label="model")
    fit_ax.plot(grid, fit.truth.get_ydata(), color=palette.TRUTH, ls="--", lw=1.5, label="true function")
    fit_ax.set(xlabel="x", ylabel="y", xlim=fit.ax.get_xlim(), ylim=fit.ax.get_ylim())
    fit_ax.legend(fontsize="small", loc="best")
    loss_ax.plot(history.train_loss, color=palette.TRAIN, lw=2, label="train")
    loss_ax.plot(history.val_loss, color=palette.VAL, lw=2, ls="--", label="validation")
    loss_ax.axhline(loss.goal.get_ydata()[0], color="0.3", lw=1, ls=":", label="goal")
    loss_ax.set_yscale("log")
    loss_ax.set(xlabel="epoch", ylabel="loss (log scale)")
    loss_ax.legend(fontsize="small", loc="upper right")
    fig.suptitle(panel.banner.text.get_text(), x=0.01, ha="left", fontsize=11)
    print_figure(fig, "png")  # what IPython's inline display renders (bbox_inches="tight")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        clear_output(wait=True)  # outside a kernel this only prints escape codes


def best_and_median(function, states, repeats: int):
    seconds = []
    for i in range(repeats):
        start = time.perf_counter()
        function(*states[i % len(states)])
        seconds.append(time.perf_counter() - start)
    return min(seconds), statistics.median(seconds)


def frame_costs(epochs: int, repeats: int):
    """(best, median) seconds of one in-place frame and of one redisplayed frame, and the picture's size."""
    panel, states = trained_panel(epochs)
    size = "x".join(str(int(v)) for v in panel.figure.bbox.size)
    in_place = best_and_median(lambda m, h: panel._frame(m, panel.problem, h, epochs), states, repeats)
    fig, axes = redisplay_figure(panel)
    again = best_and_median(lambda m, h: redisplay(fig, axes, panel, m, h), states, repeats)
    panel.close()
    return in_place, again, size


def in_place_vs_redisplay():
    epochs, repeats = 300, 16
    print(f"c. one frame of the fit + loss views with {epochs} epochs of curves, same figure size and dpi "
          f"(goal: in-place <= 1/3 of redisplay)")
    for path in ("ipympl", "png widget"):
        with rendering(path):
            in_place, again, size = frame_costs(epochs, repeats)
        print(f"   {path:<10} {size} px   in place: best {ms(in_place[0])}, median {ms(in_place[1])}   "
              f"clear + re-plot + PNG: best {ms(again[0])}, median {ms(again[1])}   "
              f"ratio {in_place[0] / again[0]:.2f} (medians {in_place[1] / again[1]:.2f})")


# ---------------------------------------------------------------- d. bias-variance sweep

def bias_variance_time():
    from labkit.generalization.biasvar import bias_variance_sweep

    bias_variance_sweep()  # warm-up
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        bias_variance_sweep()
        seconds.append(time.perf_counter() - start)
    print(f"d. bias_variance_sweep() with its defaults: best of 3 {min(seconds):.2f} s "
          f"(median {statistics.median(seconds):.2f} s)")


# ---------------------------------------------------------------- e. kernel memory

KERNEL_SETUP = """\
%matplotlib widget
import labkit
labkit.setup(random_state=0)
from labkit.panels import base as panel_base, playground as live
from labkit.panels.playground import Playground

def browser_pulls(fig):  # stands in for the front-end, so every frame is really rendered
    fig.canvas.syncing_data_url = False
    fig.canvas.handle_event({"type": "draw"})

live.request_draw = panel_base.request_draw = browser_pulls
panel = Playground(epochs=40)
await panel.wait()
"""

KERNEL_RETRAINS = """\
for i in range({start}, {stop}):
    panel.controls["random_state"].value = i
    await panel.wait()
assert panel.last_error is None, panel.last_error
"""


def kernel_memory():
    import psutil
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
    try:
        process = psutil.Process(manager.provisioner.pid)

        def run(code):
            reply = client.execute_interactive(code, timeout=300, output_hook=lambda msg: None)
            if reply["content"]["status"] != "ok":
                content = reply["content"]
                raise RuntimeError(f"kernel: {content.get('ename')}: {content.get('evalue')}")

        run(KERNEL_SETUP)
        rss, done = {}, 0
        for upto in (10, 50, 100):
            run(KERNEL_RETRAINS.format(start=done + 1, stop=upto + 1))
            rss[upto], done = process.memory_info().rss / 2**20, upto
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    readings = "   ".join(f"after {n}: {mib:.0f} MiB" for n, mib in rss.items())
    print("e. kernel resident memory, %matplotlib widget, Playground(epochs=40), 100 retrains "
          "(goal < 700 MB, flat)")
    print(f"   {readings}   growth 10 -> 100: {rss[100] - rss[10]:+.0f} MiB")


# ---------------------------------------------------------------- f. mini-batches of 8 in the playground

MINI_BATCH = {"batch_size": 8, "n_train": 80, "epochs": 300}  # 10 steps an epoch: 3000 steps


def plain_torch_loop() -> float:
    """The same 3000 steps written as a plain PyTorch loop: the floor for the training alone."""
    import torch.nn.functional as F

    from labkit.generalization.playground import Settings, build_model, fit_options, make_problem

    settings = Settings(**MINI_BATCH)
    problem = make_problem(settings)
    model, split = build_model(settings, problem), problem.split
    def tensor(a):
        return torch.as_tensor(a, dtype=torch.float32).reshape(len(a), -1)

    X, y, X_val, y_val = map(tensor, (split.X_train, split.y_train, split.X_val, split.y_val))
    optimizer = torch.optim.Adam(model.parameters(), lr=fit_options(settings)["lr"])
    start = time.perf_counter()
    for _ in range(settings.epochs):
        for batch in torch.randperm(len(X)).split(settings.batch_size):
            loss = F.mse_loss(model(X[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            F.mse_loss(model(X_val), y_val).item()  # the validation loss, every epoch, as the panel shows
    return time.perf_counter() - start


async def panel_run(**options) -> tuple[float, dict]:
    panel = new_panel(**MINI_BATCH, **options)
    await panel.wait()
    start = time.perf_counter()
    panel.refresh()
    await panel.wait()
    seconds, stats = time.perf_counter() - start, dict(panel.stats)
    panel.close()
    return seconds, stats


def mini_batch_run():
    from labkit.generalization.playground import Settings, run_settings

    print("f. batch size 8, n_train 80, 300 epochs (3000 steps), change -> run done")
    print(f"   plain PyTorch loop {plain_torch_loop():.2f} s   labkit run_settings "
          f"{min(_timed(run_settings, Settings(**MINI_BATCH)) for _ in range(2)):.2f} s")
    for path in ("ipympl", "png widget"):
        with rendering(path):
            # draw_share=1.0: frames paced by max_fps alone, as before; 40 ms frames at 15 a second
            # then left training a third of the time
            for label, share in (("before (15 fps, no share)", 1.0), ("now (draw_share 0.25)", 0.25)):
                seconds, stats = asyncio.run(panel_run(draw_share=share))
                print(f"   {path:10s} panel {label:26s} {seconds:.2f} s, {stats['frames']} frames, "
                      f"drawing {stats['drawing_s']:.2f} s")


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


# ---------------------------------------------------------------- g. the slow panels' first feedback

async def feedback(panel, name, value) -> tuple[float, float]:
    """Seconds from a control's change to its busy line, and to the finished run."""
    await panel.wait()
    start = time.perf_counter()
    panel.controls[name].value = value
    busy = time.perf_counter() - start if panel.progress.layout.visibility == "visible" else float("nan")
    await panel.wait()
    return busy, time.perf_counter() - start


def slow_panels_feedback():
    from labkit.panels.explorers import BiasVariancePanel
    from labkit.panels.gradient_flow import MonitorPanel

    print("g. slow panels: a control's change -> busy line and bar shown (was: nothing until the first "
          "result) -> run done")
    with rendering("ipympl"):
        for make, name, value in ((BiasVariancePanel, "noise", 0.2), (MonitorPanel, "depth", 20)):
            panel = make()
            busy, done = asyncio.run(feedback(panel, name, value))
            print(f"   {make.__name__:17s} {name} -> {value}: busy shown after {ms(busy)}, "
                  f"done after {done:.2f} s")
            panel.close()


SECTIONS = {"a": value_change_to_first_frame, "b": frames_per_second, "c": in_place_vs_redisplay,
            "d": bias_variance_time, "e": kernel_memory, "f": mini_batch_run, "g": slow_panels_feedback}


def main(letters: str = "abcdefg"):
    start = time.perf_counter()
    print(labkit.setup(0))
    for letter in letters:
        SECTIONS[letter]()
    print(f"(benchmark ran {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    import sys

    main(*sys.argv[1:2])  # e.g. "fg": only those sections
