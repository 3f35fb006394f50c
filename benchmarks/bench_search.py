"""Lab 08 figures: all strategies on one budget (batched across repeats), one GP + EI step, the pitfalls.

Run with one core: ``taskset -c 0 .venv/bin/python benchmarks/bench_search.py``. Prints figures;
asserts nothing (speed goals are not tests). CPU time is printed beside wall time: on a shared
machine the wall clock also counts other people's work.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from labkit.models import MLP
from labkit.search.bayes import fooled_case, propose_next
from labkit.search.objective import Dimension, Objective
from labkit.search.pitfalls import compare_scientific, edge_warning, seed_noise, validation_optimism
from labkit.search.strategies import compare_strategies, run_search
from labkit.train import fit

torch.set_num_threads(1)
REPEATS, N_TRIALS, LOOP_SUBSET = 20, 30, 30


def clocks():
    return time.perf_counter(), time.process_time()


def since(start):
    return time.perf_counter() - start[0], time.process_time() - start[1]


def comparison():
    objective = Objective()
    compare_strategies(objective, ["grid", "bayes (GP+EI)"], n_trials=6, repeats=2)  # warm-up
    start = clocks()
    result = compare_strategies(objective, n_trials=N_TRIALS, repeats=REPEATS, random_state=0)
    wall, cpu = since(start)
    print(f"strategy comparison: {len(result.names)} strategies x {REPEATS} repeats x {N_TRIALS} trials: "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU (goal <= 60 s)")
    print(result)
    full_runs = sum(log.spent for logs in result.logs.values() for log in logs) / objective.epochs
    configs = result.logs["log-random"][0].configs[:LOOP_SUBSET]
    start = clocks()
    for config in configs:
        objective.evaluate([config])
    one_wall, one_cpu = (t / len(configs) * full_runs for t in since(start))
    print(f"one by one (objective.evaluate of one config, {len(configs)} timed, scaled to the "
          f"{full_runs:.0f} full-run equivalents): {one_wall:.0f} s wall, {one_cpu:.0f} s CPU; "
          f"speed-up {one_cpu / cpu:.1f}x (CPU, whole comparison incl. GP and TPE)")
    start = clocks()
    for config in configs[:5]:
        torch.manual_seed(0)
        net = MLP(1, 1, width=16, depth=2, activation="tanh")
        fit(net, objective.train, epochs=objective.epochs, optimizer="momentum", momentum=0.9, **config)
    fit_cpu = since(start)[1] / 5 * full_runs
    print(f"one by one with labkit.train.fit (5 timed, scaled): {fit_cpu:.0f} s CPU; "
          f"speed-up {fit_cpu / cpu:.1f}x")
    print("median best-so-far validation MSE after t trials' budget:")
    print(f"  {'strategy':<20}" + "".join(f"{f't={t}':>9}" for t in (1, 3, 5, 10, 20, 30)))
    for name in result.names:
        median = result.median(name)
        print(f"  {name:<20}" + "".join(f"{median[t - 1]:>9.4f}" for t in (1, 3, 5, 10, 20, 30)))
    return objective


def gp_step():
    rng = np.random.default_rng(0)
    objective = Objective()
    configs = [{"lr": float(10 ** rng.uniform(-4, 0)), "weight_decay": float(10 ** rng.uniform(-6, -1))}
               for _ in range(30)]
    errors = objective.evaluate(configs)
    points = np.stack([[d.to_unit(c[d.name]) for d in objective.space] for c in configs])
    log_errors = np.log10(errors)
    _, gp = propose_next(points, log_errors)  # warm-up
    for label, kwargs in (("fit by maximum likelihood, cold", {}),
                          ("fit by maximum likelihood, warm start", {"kernel": gp.kernel_}),
                          ("kernel kept from the last fit", {"kernel": gp.kernel_, "optimize": False})):
        times = []
        for _ in range(10):
            start = clocks()
            propose_next(points, log_errors, random_state=rng, **kwargs)
            times.append(since(start))
        wall, cpu = np.median(times, axis=0)
        print(f"one GP + EI step, 30 observations, 2 hyperparameters, 2,000 candidates ({label}): "
              f"{wall * 1e3:.0f} ms wall, {cpu * 1e3:.0f} ms CPU (median of 10; goal <= 50 ms)")
    print("  bayes_strategy refits the kernel every 5th step and keeps it in between")


def pitfalls(objective):
    start = clocks()
    print(fooled_case())
    narrow = Objective(space=(Dimension("lr", 1e-5, 1e-2), Dimension("weight_decay", 1e-6, 1e-1)))
    log = run_search(narrow, "log-random", n_trials=30)
    print(f"range lr 1e-5 to 1e-2: {log}\n  edge_warning: {edge_warning(log)}")
    print(validation_optimism(objective, n_trials=30, repeats=20))
    print(seed_noise(objective, run_search(objective, "log-random", n_trials=30, random_state=1)))
    print(compare_scientific(objective, [0.0, 1e-4, 1e-3, 1e-2, 3e-2],
                             nuisance_values=np.logspace(-3, -0.5, 11), fixed=0.01))
    print(f"pitfall figures: {since(start)[0]:.1f} s wall")


if __name__ == "__main__":
    objective = comparison()
    gp_step()
    pitfalls(objective)
