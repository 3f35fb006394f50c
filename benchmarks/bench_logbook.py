"""Logbook speed: 1,000 entries written (goal <= 2 s), a table of 1,000 runs (goal <= 0.5 s),
two writer processes on one file (no entry lost). Run with ``taskset -c 0`` for one core.

Each entry is the size of a lab's run: a nested config of ~15 keys, 6 final metrics and
5 curves of 100 epochs. Writing includes the git commit and dirty flag (asked of git at
most every 2 s) and one transaction per entry, as in a lab.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

from labkit.logbook import Logbook

ROOT = pathlib.Path(__file__).resolve().parents[1]
N_ENTRIES, N_EPOCHS, PER_WRITER = 1000, 100, 200
WRITER = """
import sys
from labkit.logbook import Logbook
book = Logbook(sys.argv[1])
for i in range(int(sys.argv[3])):
    book.record("test", {"writer": int(sys.argv[2]), "i": i}, metrics={"loss": i / 200})
"""


def _run_like(i: int, rng) -> dict:
    curves = {name: rng.random(N_EPOCHS).tolist() for name in
              ("train_loss", "val_loss", "train_metric", "val_metric", "lr")}
    config = {"model": {"kind": "mlp", "width": int(rng.integers(8, 128)), "depth": 2, "activation": "relu"},
              "data": {"name": "sine", "n_samples": 200, "noise": 0.1, "random_state": i},
              "fit": {"epochs": N_EPOCHS, "lr": float(10 ** rng.uniform(-4, -1)), "optimizer": "adam",
                      "batch_size": 32, "weight_decay": 0.0}, "random_state": i}
    metrics = {name: values[-1] for name, values in curves.items()} | {"epochs_run": N_EPOCHS}
    return {"config": config, "metrics": metrics, "curves": curves}


def bench_write_and_table(folder: pathlib.Path) -> None:
    rng = np.random.default_rng(0)
    runs = [_run_like(i, rng) for i in range(N_ENTRIES)]
    with Logbook(folder / "bench.db") as book:
        start = time.perf_counter()
        for run in runs:
            book.record("fit", run["config"], metrics=run["metrics"], curves=run["curves"], note="bench")
        written = time.perf_counter() - start
        start = time.perf_counter()
        import pandas  # noqa: F401 (its first import, once per kernel, is not the table's cost)

        imported = time.perf_counter() - start
        start = time.perf_counter()
        table = book.table()
        tabled = time.perf_counter() - start
        size = book.path.stat().st_size / 1e6
    print(f"write {N_ENTRIES} entries ({N_EPOCHS}-epoch curves): {written:.2f} s "
          f"({1e3 * written / N_ENTRIES:.2f} ms each; goal <= 2 s), file {size:.1f} MB")
    print(f"table of {len(table)} runs x {table.shape[1]} columns: {tabled:.3f} s (goal <= 0.5 s); "
          f"importing pandas first, once per kernel: {imported:.2f} s")


def bench_two_writers(folder: pathlib.Path) -> None:
    path = folder / "shared.db"
    Logbook(path).close()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(w), str(PER_WRITER)], env=env)
               for w in (0, 1)]
    codes = [writer.wait(timeout=300) for writer in writers]
    seconds = time.perf_counter() - start
    with Logbook(path) as book:
        entries = book.entries()
    lost = [(w, i) for w in (0, 1) for i in sorted(set(range(PER_WRITER)) - {e.config["i"] for e in entries
                                                                               if e.config["writer"] == w})]
    ids = {entry.id for entry in entries}
    print(f"two writer processes x {PER_WRITER} entries: exit codes {codes}, {len(entries)} entries "
          f"(expected {2 * PER_WRITER}), {len(ids)} distinct ids, lost {len(lost)}, "
          f"{seconds:.2f} s with process start-up")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as name:
        bench_write_and_table(pathlib.Path(name))
        bench_two_writers(pathlib.Path(name))
