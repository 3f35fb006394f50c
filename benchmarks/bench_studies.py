"""Optuna workers sharing one study: trials per second, and the count check. Prints; asserts nothing.

Run on one core, as the lab's figures are: ``taskset -c 0 .venv/bin/python benchmarks/bench_studies.py``.

Figures (issue 12, "two Optuna workers on SQLite: trials per second, and the count check"):
  1. one process, in memory: trials per second of Optuna itself (TPE on the cheap bowl objective);
  2. one worker process on a SQLite file, then two at once, then two on a journal file: wall time
     from start to both finished (process start and imports included), trials per second over
     all trials, and the count check (2N finished, no trial number or configuration twice).
The objective costs microseconds, so these are the storage's and sampler's own costs: the
overhead each trial of a real search pays on top of its training.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna

from labkit.search.studies import BOWL_SPACE, bowl, make_storage, run_study
from labkit.search.study_analysis import count_trials

N = 40  # trials per worker


def workers(storage, n_workers, n_trials):
    """Start ``n_workers`` worker processes at once; return (wall seconds, their JSON reports)."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "labkit.search.study_worker", "--storage", str(storage),
               "--study-name", "bench", "--trials", str(n_trials)]
    processes = [subprocess.Popen([*command, "--seed", str(seed)], stdout=subprocess.PIPE, text=True)
                 for seed in range(1, n_workers + 1)]
    reports = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in processes]
    return time.perf_counter() - start, reports


def report(label, storage, n_workers, n_trials):
    seconds, reports = workers(storage, n_workers, n_trials)
    study = optuna.load_study(study_name="bench", storage=make_storage(storage))
    count = count_trials(study)
    total = n_workers * n_trials
    mine = sorted(n for r in reports for n in r["complete"])
    ok = count.holds(total) and mine == sorted(count.numbers)
    print(f"{label:<34} {seconds:6.2f} s  {total / seconds:6.1f} trials/s   count check: "
          f"{'ok' if ok else 'FAILED'} ({count})")


def main():
    start = time.perf_counter()
    run_study(bowl, space=BOWL_SPACE, n_trials=2 * N, random_state=0)
    seconds = time.perf_counter() - start
    print(f"{'1 process, in memory':<34} {seconds:6.2f} s  {2 * N / seconds:6.1f} trials/s")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        report(f"1 worker x {2 * N}, SQLite", folder / "one.db", 1, 2 * N)
        report(f"2 workers x {N}, SQLite", folder / "two.db", 2, N)
        report(f"2 workers x {N}, journal file", folder / "two.log", 2, N)


if __name__ == "__main__":
    main()
