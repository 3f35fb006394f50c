"""Lab 07's live panels: seconds per recompute on one core (a slider moved, a box ticked).

Run with ``taskset -c 0 .venv/bin/python benchmarks/bench_regularization_panels.py``. Prints the
2-D playground's time per slider change (its default sizes: 60 training points of two moons,
a 32-wide MLP, 150 full-batch epochs, a 40 x 40 grid) and the add-back panel's time per new set
of pieces on its light set-up (and per set tried before: from the cache).
"""

from __future__ import annotations

import time

import matplotlib
import torch

matplotlib.use("Agg")

from labkit.panels.regularization import AddBackPanel, RegularizedBoundaryPanel  # noqa: E402


def timed(panel, name, value) -> float:
    start = time.perf_counter()
    panel.controls[name].value = value
    if panel.last_error is not None:
        raise panel.last_error
    return time.perf_counter() - start


def main() -> None:
    torch.set_num_threads(1)
    start = time.perf_counter()
    playground = RegularizedBoundaryPanel()
    print(f"RegularizedBoundaryPanel: first draw {time.perf_counter() - start:.2f} s (with torch start-up)")
    for name, value in (("l2", 1e-2), ("l1", 1e-3), ("dropout", 0.3), ("noise", 0.2), ("l2", 1.0),
                        ("n_train", 200)):
        print(f"  {name} -> {value:g}: {timed(playground, name, value):.2f} s per recompute")
    playground.close()
    start = time.perf_counter()
    pieces = AddBackPanel()
    print(f"AddBackPanel: first run {time.perf_counter() - start:.2f} s ({pieces.setup!r})")
    for name in ("l2", "dropout", "early_stopping", "augmentation"):
        print(f"  + {name}: {timed(pieces, name, True):.2f} s (new set of pieces, trained)")
    print(f"  - augmentation: {timed(pieces, 'augmentation', False):.3f} s (a set tried before: cached)")
    print(pieces.table.value.removeprefix("<pre>").removesuffix("</pre>"))
    pieces.close()


if __name__ == "__main__":
    main()
