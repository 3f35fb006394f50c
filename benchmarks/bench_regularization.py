"""Lab 07's figures: each regularizer on the same overfitting network (gap before/after, seconds).

Run with ``taskset -c 0 .venv/bin/python benchmarks/bench_regularization.py`` (one core).
Prints the shared set-up with noisy labels (the lab's) and with clean labels, then the
live panel's boundary function's time per call.
"""

from __future__ import annotations

import time

import torch

from labkit.data import make_dataset
from labkit.regularization.augmentation import augmentation_gap
from labkit.regularization.batch_norm import variance_shift
from labkit.regularization.boundary import regularized_boundary
from labkit.regularization.comparisons import ablation_table, add_back, data_vs_penalty, stretch_pants
from labkit.regularization.dropout import dropout_modes
from labkit.regularization.early_stopping import early_stopping_demo
from labkit.regularization.penalties import penalty_sweep
from labkit.regularization.setup import overfit_setup, runs_table, train_run


def each_regularizer(setup) -> None:
    runs = [train_run(setup, label="none (the overfitting net)"), train_run(setup, label="L2 1e-2", l2=1e-2),
            train_run(setup, label="L1 1e-4", l1=1e-4), train_run(setup, label="dropout 0.3", dropout=0.3),
            train_run(setup, label="early stopping 20", early_stopping=20),
            train_run(setup, label="batch norm", batch_norm=True),
            train_run(setup, label="more data (750)", n_train=750)]
    print(runs_table(runs))


def main() -> None:
    torch.set_num_threads(1)
    for noise in (0.2, 0.0):
        setup = overfit_setup(label_noise=noise)
        start = time.perf_counter()
        print(f"\n=== {setup!r}\n")
        each_regularizer(setup)
        for report in (penalty_sweep(setup, penalty="l2", strengths=(1e-3, 1e-2, 3e-2, 1e-1)),
                       penalty_sweep(setup, penalty="l1", strengths=(1e-5, 1e-4, 1e-3, 1e-2)),
                       dropout_modes(setup), early_stopping_demo(setup), data_vs_penalty(setup),
                       augmentation_gap(setup), variance_shift(setup)):
            print(f"\n{report!r}")
        print("\n" + runs_table(stretch_pants(setup)))
        print("\n" + ablation_table(add_back(setup)))
        print(f"\n(all of the above: {time.perf_counter() - start:.1f} s)")
    X, y = make_dataset("moons", 300, noise=0.3, random_state=0)
    regularized_boundary(X, y)  # the first call pays torch's start-up
    for options in ({}, {"l2": 1e-2}, {"l1": 1e-3}, {"dropout": 0.3}, {"noise": 0.2}):
        start = time.perf_counter()
        b = regularized_boundary(X, y, n_train=100, **options)
        print(f"regularized_boundary {options}: {time.perf_counter() - start:.3f} s, train error "
              f"{100 * b.train_error:.1f}%, val error {100 * b.val_error:.1f}%")


if __name__ == "__main__":
    main()
