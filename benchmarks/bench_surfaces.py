"""Speed of the optimizer-surface panel (Lab 06, item 4) and the measured divergence threshold.

Prints figures; asserts nothing.

Run on one core: ``taskset -c 0 .venv/bin/python benchmarks/bench_surfaces.py``.

Goal (issue 11): one panel frame, four trajectories of 200 steps computed and drawn to an Agg
canvas, <= 50 ms (median of 20 frames). Printed per surface:
  - compute: :func:`labkit.optimization.surfaces.trajectories` alone;
  - compute + full draw: the view updated in place and the whole Agg canvas drawn (contours kept);
  - panel frame: a change of the learning-rate slider to the PNG shown (what a learner waits for;
    the panel blits: only the paths are redrawn over a saved picture of the rest).
Then the largest stable SGD (and heavy-ball) rate measured by bisection against theory's 2/L
(and 2(1 + mu)/L) for the quadratic at a few condition numbers.
"""

from __future__ import annotations

import statistics
import time

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from labkit.optimization.surfaces import (  # noqa: E402
    largest_stable_lr,
    quadratic,
    rosenbrock,
    trajectories,
    two_weight_network,
)
from labkit.panels.surfaces import SurfacePanel  # noqa: E402
from labkit.viz.surfaces import SurfaceView  # noqa: E402

FRAMES = 20
SURFACES = {"quadratic": (quadratic, 0.1), "rosenbrock": (rosenbrock, 0.001),
            "network": (two_weight_network, 0.2)}


def median_ms(action, frames: int = FRAMES) -> tuple[float, float]:
    """(median, fastest) of ``frames`` calls in ms; the fastest shows the cost with the least other work."""
    action()  # warm up: contours, first draw
    times = []
    for i in range(frames):
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times), 1000 * min(times)


def frame_costs(name: str) -> tuple:
    make, lr = SURFACES[name]
    surface = make()
    rates = [lr * (0.8 + 0.02 * i) for i in range(FRAMES)]
    compute = median_ms(lambda i=0: trajectories(surface, lr=rates[i], steps=200))
    fig = Figure(figsize=(8.2, 4.2), dpi=80)
    FigureCanvasAgg(fig)
    view = SurfaceView(fig.add_subplot(1, 1, 1), n_lines=5)

    def draw(i=0):
        view.update(surface, trajectories(surface, lr=rates[i], steps=200), note="2/L")
        fig.canvas.draw()

    drawn = median_ms(draw)
    panel = SurfacePanel(name)

    def slide(i=0):
        panel.controls["lr"].value = rates[i] * (1.001 if panel.controls["lr"].value == rates[i] else 1.0)

    panel_ms = median_ms(slide)
    assert panel.last_error is None, panel.last_error
    panel.close()
    return compute, drawn, panel_ms


def main() -> None:
    print(f"one frame = 4 trajectories x 200 steps; median of {FRAMES} frames (goal <= 50 ms)")
    print("ms, median / fastest")
    print(f"{'surface':12} {'compute':>13} {'+ full draw':>13} {'panel frame':>13}")
    for name in SURFACES:
        print(f"{name:12} " + " ".join(f"{m:6.1f} /{f:5.1f}" for m, f in frame_costs(name)))
    print("\nlargest stable rate over 200 steps (bisection) vs theory; quadratic, eigenvalues 1 and kappa")
    print(f"{'kappa':>7} {'SGD measured':>13} {'2/L':>9} {'ratio':>6}   {'momentum 0.9':>13} "
          f"{'2(1+mu)/L':>10} {'ratio':>6}")
    for kappa in (1.0, 10.0, 100.0, 1000.0):
        sgd = largest_stable_lr(quadratic(kappa), "sgd")
        heavy = largest_stable_lr(quadratic(kappa), "momentum", momentum=0.9)
        print(f"{kappa:7g} {sgd.lr:13.4g} {sgd.threshold:9.4g} {sgd.lr / sgd.threshold:6.3f}   "
              f"{heavy.lr:13.4g} {heavy.threshold:10.4g} {heavy.lr / heavy.threshold:6.3f}")


if __name__ == "__main__":
    main()
