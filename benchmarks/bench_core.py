"""Core speed and memory figures for labkit. Prints them; asserts nothing.

Run with ``make benchmark`` (or ``.venv/bin/python benchmarks/bench_core.py``).
Each timing is the best of ``REPEATS`` runs in this process, so ratios compare
like with like on the same machine at the same moment.

Goals (from the foundation issue):
  1. default model vs scikit-learn's MLPRegressor doing the same work: ratio <= 1.0
  2. K=32 batched models vs a Python loop over the same 32 runs: >= 10x faster
  3. ms per step with the other core busy vs idle: <= 1.5x
  4. import time of labkit and resident memory of a kernel after importing it
"""

from __future__ import annotations

import subprocess
import sys
import time
import warnings

import numpy as np
import torch

from labkit.batched import BatchedMLP, fit_batched
from labkit.data import make_sine
from labkit.models import MLP
from labkit.runtime import setup
from labkit.train import fit

REPEATS = 3
STEPS = 500
K = 32


def best_of(function, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def default_model_vs_sklearn(X, y):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor
    from threadpoolctl import threadpool_limits

    def ours():
        fit(MLP(1, 1, width=64, depth=2), (X, y), epochs=STEPS, lr=1e-2)

    def sklearn():
        model = MLPRegressor(hidden_layer_sizes=(64, 64), solver="adam", batch_size=len(X),
                             max_iter=STEPS, tol=0.0, n_iter_no_change=10**6, learning_rate_init=1e-2)
        # one BLAS thread, like labkit's one torch thread: the same resources for both
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        assert model.n_iter_ == STEPS

    ours()  # first-call costs out of the way for both, then alternate so drift hits both alike
    sklearn()
    pairs = [(best_of(ours, 1), best_of(sklearn, 1)) for _ in range(5)]
    t_ours, t_sklearn = min(p[0] for p in pairs), min(p[1] for p in pairs)
    print(f"1. MLP 1-64-64-1, {len(X)} points, {STEPS} full-batch Adam steps")
    print(f"   labkit.fit {t_ours:.3f} s   sklearn MLPRegressor {t_sklearn:.3f} s   "
          f"ratio {t_ours / t_sklearn:.2f} (goal <= 1.0)")


def batched_vs_loop(X, y):
    def loop():
        for seed in range(K):
            torch.manual_seed(seed)
            fit(MLP(1, 1, width=64, depth=2), (X, y), epochs=STEPS, lr=1e-2)

    def batched():
        fit_batched(BatchedMLP(K, 1, 1, width=64, depth=2, random_state=0), (X, y), epochs=STEPS, lr=1e-2)

    t_loop, t_batched = best_of(loop, 1), best_of(batched)
    print(f"2. K={K} models, {STEPS} steps each")
    print(f"   Python loop of fit {t_loop:.2f} s   fit_batched {t_batched:.2f} s   "
          f"speed-up {t_loop / t_batched:.1f}x (goal >= 10x)")


def busy_vs_idle(X, y):
    def ms_per_step():
        return 1000 * best_of(lambda: fit(MLP(1, 1), (X, y), epochs=STEPS, lr=1e-2)) / STEPS

    idle = ms_per_step()
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        busy = ms_per_step()
        torch.set_num_threads(2)
        busy_two_threads = ms_per_step()
    finally:
        burner.kill()
        burner.wait()
        torch.set_num_threads(1)
    print("3. ms per step, labkit's thread policy (1 thread)")
    print(f"   idle {idle:.3f} ms   other core busy {busy:.3f} ms   ratio {busy / idle:.2f} (goal <= 1.5)")
    print(f"   for contrast, PyTorch's 2 threads with the other core busy: {busy_two_threads:.3f} ms")


def import_time_and_kernel_memory():
    code = ("import time; t = time.perf_counter(); import labkit; t1 = time.perf_counter();"
            "import labkit.train, labkit.data, labkit.models, labkit.batched; t2 = time.perf_counter();"
            "print(t1 - t, t2 - t)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            for _ in range(REPEATS)]
    bare, full = np.min([[float(v) for v in r.stdout.split()] for r in runs], axis=0)
    print("4. import time (best of 3, fresh interpreters)")
    print(f"   import labkit {1000 * bare:.1f} ms   "
          f"with train/data/models/batched (loads torch) {full:.2f} s")
    print(f"   kernel resident memory after importing labkit: {kernel_rss_mib():.0f} MiB")


def kernel_rss_mib() -> float:
    import psutil
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
    try:
        client.execute_interactive(
            "import labkit, labkit.train, labkit.data, labkit.models, labkit.batched\nlabkit.setup(0)",
            timeout=60,
        )
        return psutil.Process(manager.provisioner.pid).memory_info().rss / 2**20
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main():
    print(setup(random_state=0))
    X, y = make_sine(100, noise=0.1, random_state=0)
    default_model_vs_sklearn(X, y)
    batched_vs_loop(X, y)
    busy_vs_idle(X, y)
    import_time_and_kernel_memory()


if __name__ == "__main__":
    main()
