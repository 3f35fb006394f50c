"""Lab 06 figures: the U-curve (128 networks batched vs a loop of fit), one range test, and what it suggests.

Run with one core: ``taskset -c 0 .venv/bin/python benchmarks/bench_learning_rate.py``. Prints
figures; asserts nothing (speed goals are not tests).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from labkit.optimization.lr_sweep import default_problem, lr_sweep, make_network
from labkit.optimization.range_test import compare_with_sweep, lr_range_test, range_test_over_seeds
from labkit.train import fit

torch.set_num_threads(1)
RATES = {"sgd": np.logspace(-3, 1, 16), "adam": np.logspace(-4, 0.5, 16)}
SEEDS = range(8)
LOOP_SUBSET = 16  # runs of the Python loop timed, then scaled to 128


def main():
    train, val = default_problem()
    sweeps, cpu_s = {}, {}
    for name, rates in RATES.items():
        lr_sweep(train, rates=rates[:2], seeds=[0], optimizer=name, epochs=5)  # warm-up
        start, cpu = time.perf_counter(), time.process_time()
        sweeps[name] = lr_sweep(train, val, rates=rates, seeds=SEEDS, optimizer=name)
        cpu_s[name] = time.process_time() - cpu
        print(f"U-curve {name}: 16 rates x 8 seeds = 128 networks, 300 epochs: "
              f"{time.perf_counter() - start:.2f} s wall, {cpu_s[name]:.2f} s CPU "
              "(goal <= 2.5 s)")
    start, cpu = time.perf_counter(), time.process_time()
    pairs = [(r, s) for r in RATES["sgd"] for s in SEEDS][::128 // LOOP_SUBSET]
    for rate, seed in pairs:
        fit(make_network(seed), train, epochs=300, lr=float(rate), optimizer="sgd")
    loop_cpu = (time.process_time() - cpu) * 128 / len(pairs)
    print(f"Python loop of labkit.train.fit, {len(pairs)} of the 128 runs timed, scaled to 128: "
          f"{(time.perf_counter() - start) * 128 / len(pairs):.1f} s wall, {loop_cpu:.1f} s CPU; "
          f"speed-up (CPU) {loop_cpu / cpu_s['sgd']:.1f}x (goal >= 8x)")
    lr_range_test(make_network(9), train)  # warm-up
    start = time.perf_counter()
    result = lr_range_test(make_network(0), train)
    print(f"one range test (sgd, 1e-5 to 10, <= 100 steps, full batch): {time.perf_counter() - start:.3f} s "
          f"(goal <= 1 s)\n{result}")
    for name, sweep in sweeps.items():
        print(sweep)
        spread = range_test_over_seeds(train, seeds=SEEDS, optimizer=name)
        print(spread)
        for rule, row in compare_with_sweep(spread, sweep).items():
            print(f"  {name} {rule:<11} {np.median(row['decades_from_best']):+.2f} decades from "
                  f"the U-curve's "
                  f"best {sweep.best_rate:.3g}; in the good region on {row['in_good_region']:.0%} of seeds; "
                  f"U-curve loss there {np.median(row['loss_ratio']):.2f}x the best")


if __name__ == "__main__":
    main()
