"""Lab 09's RecipePanel: seconds per change (a new combination trains once; a repeat is cached).

Run on one core: ``taskset -c 0 .venv/bin/python benchmarks/bench_recipe_panel.py``. Prints the
recompute time of each change on the lab's path, at full size (all 1797 digits), at the panel's
default (900) and at the lab's fast size (400), and the time of a change back to a combination already tried.
"""

from __future__ import annotations

import time

import matplotlib
import torch

matplotlib.use("Agg")

from labkit.panels.recipe import RecipePanel  # noqa: E402

PATH = (("normalize", True), ("bigger", True), ("shift", "shift"), ("augment", True), ("more epochs", True),
        ("augment", False), ("cnn", True))


def measure(n_samples) -> None:
    start = time.perf_counter()
    panel = RecipePanel(n_samples=n_samples)
    print(f"n_samples={n_samples}: first draw {time.perf_counter() - start:.2f} s ({panel.result.name})")
    for name, value in PATH:
        start = time.perf_counter()
        panel.controls[name].value = value
        print(f"  {name} -> {value!s:<6} {time.perf_counter() - start:5.2f} s  {panel.result.name:<22} "
              f"attack {panel.result.gaps.attack}")
    start = time.perf_counter()
    panel.controls["cnn"].value = False  # back to a combination already trained
    print(f"  back to a cached combination: {1000 * (time.perf_counter() - start):.0f} ms")
    print(panel.table)
    panel.close()


if __name__ == "__main__":
    torch.set_num_threads(1)
    for n_samples in (None, 900, 400):  # all digits, the panel's default, the lab's fast mode
        measure(n_samples)
