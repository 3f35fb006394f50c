"""Validate carefully: how choosing, splitting and shifting data make a validation score flatter.

Bethany Lusch's rule #1 for deep learning in science is "think carefully about
validation". Each demo here measures one way a validation score can flatter a model:

- :func:`validation_optimism`: the best of many configurations looks better on the
  validation set than it is;
- :func:`mismatch_demo`: train / train-validation / validation errors separate
  overfitting from a mismatch between training and application data.

Three more live in their own modules: :mod:`labkit.generalization.group_splits` (a
random split of grouped data hides how badly a model does on a new group; group k-fold);
:class:`~labkit.generalization.lockbox.Lockbox` counts how often the test set was used and
warns from the second time; :func:`~labkit.generalization.leakage.leakage_demo` switches
three leaks (scaling statistics, duplicated rows, time order) on and off.

Every demo trains small MLPs with :mod:`labkit.batched` (many seeds at once, so the
numbers are averages, not one lucky run) and reports mean squared errors (MSE).
Nothing here draws: the results are dataclasses of numbers for a notebook to plot.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from labkit.arguments import check_float, check_int, check_random_state
from labkit.batched import mse_per_model, predict_batched, train_mlps
from labkit.data import make_sine

__all__ = [
    "OptimismResult", "validation_optimism", "MismatchResult", "mismatch_demo",
]


# ---------------------------------------------------------------- optimism of the best configuration

@dataclasses.dataclass(repr=False)
class OptimismResult:
    """Best-of-n selection by validation score: rows are values of n, columns repeats."""

    n_configs: np.ndarray  # (M,)
    noise_floor: float  # noise**2: no model can do better on new data
    val_error: np.ndarray  # (M, R): validation MSE of the chosen configuration
    holdout_error: np.ndarray  # (M, R): the same configuration's MSE on a large fresh hold-out
    pool_holdout_error: np.ndarray  # (K,): every configuration's hold-out MSE
    seconds: float

    @property
    def mean_val_error(self) -> np.ndarray:
        return self.val_error.mean(axis=1)

    @property
    def mean_holdout_error(self) -> np.ndarray:
        return self.holdout_error.mean(axis=1)

    @property
    def optimism(self) -> np.ndarray:
        """Mean hold-out error minus mean validation error of the chosen configuration, per n."""
        return self.mean_holdout_error - self.mean_val_error

    def __repr__(self) -> str:
        lines = [f"OptimismResult({self.val_error.shape[1]} repeats, noise floor {self.noise_floor:.4f}, "
                 f"{self.seconds:.2f} s)",
                 "  n_configs   val MSE   hold-out MSE   optimism"]
        for i, n in enumerate(self.n_configs):
            lines.append(f"  {n:9d} {self.mean_val_error[i]:9.4f} {self.mean_holdout_error[i]:14.4f} "
                         f"{self.optimism[i]:10.4f}")
        return "\n".join(lines)


def _check_counts(n_configs_list) -> np.ndarray:
    if isinstance(n_configs_list, (str, bytes)) or not np.iterable(n_configs_list) or not len(n_configs_list):
        raise TypeError(f"n_configs_list must be a non-empty list of integers, got {n_configs_list!r}")
    return np.array([check_int(f"n_configs_list[{i}]", n, min_value=1) for i, n in enumerate(n_configs_list)])


def validation_optimism(n_configs_list=(1, 3, 10, 30, 100), *, n_pool=100, n_repeats=200, n_train=40,
                        n_val=10, n_holdout=2000, noise=0.3, width=16, epochs=300,
                        random_state=None) -> OptimismResult:
    """Try n configurations, keep the one with the best validation score: how optimistic is it?

    A pool of ``n_pool`` MLPs (1-``width``-``width``-1, tanh) is trained on one sample
    of :func:`labkit.data.make_sine` (``n_train`` points, noise std ``noise``), each
    with its own random learning rate (log-uniform in [1e-3, 3e-2]), weight decay
    (log-uniform in [1e-4, 1e-1]) and initial weights. Then, ``n_repeats`` times: draw a
    fresh validation set of ``n_val`` points and, for each n in ``n_configs_list``, n
    configurations from the pool; keep the one with the lowest validation MSE and
    record its validation MSE and its MSE on a large hold-out set (``n_holdout`` points).

    With n = 1 the two agree on average: an untouched validation set is unbiased. The
    more configurations compete, the more the winner is the one whose validation set
    happened to suit it, and the further its validation error falls below its
    hold-out error. Defaults (random_state=0, about 0.7 s on one CPU thread): n = 1,
    3, 10, 30, 100 give validation MSE 0.133, 0.113, 0.106, 0.102, 0.099 but hold-out
    MSE 0.128, 0.115, 0.114, 0.114, 0.115. Above the noise floor (0.09), the winner of
    100 claims an excess error of 0.009 and has 0.025. A larger ``n_val`` shrinks the
    optimism; the models being alike (same data, same architecture) keeps it modest.
    """
    counts = _check_counts(n_configs_list)
    n_pool = check_int("n_pool", n_pool, min_value=1)
    if counts.max() > n_pool:
        raise ValueError(f"n_configs_list asks for {counts.max()} configurations but n_pool={n_pool}; "
                         "n_pool must be at least the largest count")
    n_repeats = check_int("n_repeats", n_repeats, min_value=1)
    n_train, n_val = check_int("n_train", n_train, min_value=2), check_int("n_val", n_val, min_value=1)
    n_holdout = check_int("n_holdout", n_holdout, min_value=1)
    noise = check_float("noise", noise, min_value=0.0)
    width, epochs = check_int("width", width, min_value=1), check_int("epochs", epochs, min_value=1)
    rng = check_random_state("random_state", random_state)

    start = time.perf_counter()
    X, y = make_sine(n_train, noise=noise, random_state=rng)
    lr = np.exp(rng.uniform(np.log(1e-3), np.log(3e-2), size=n_pool))
    decay = np.exp(rng.uniform(np.log(1e-4), np.log(1e-1), size=n_pool))
    model = train_mlps(X, y, n_models=n_pool, width=width, depth=2, epochs=epochs, lr=lr, weight_decay=decay,
                       activation="tanh", random_state=int(rng.integers(2**31)))
    pool_holdout = mse_per_model(model, *make_sine(n_holdout, noise=noise, random_state=rng))  # (K,)
    # All validation sets at once: (R * n_val) points, then one (K, R) table of MSEs.
    X_val, y_val = make_sine(n_repeats * n_val, noise=noise, random_state=rng)
    squared = (predict_batched(model, X_val)[..., 0] - y_val) ** 2  # (K, R * n_val)
    val_table = squared.reshape(n_pool, n_repeats, n_val).mean(axis=2).T  # (R, K)

    val_error = np.empty((len(counts), n_repeats))
    holdout_error = np.empty_like(val_error)
    for r in range(n_repeats):
        for i, n in enumerate(counts):
            tried = rng.choice(n_pool, size=n, replace=False)
            best = tried[np.argmin(val_table[r, tried])]
            val_error[i, r], holdout_error[i, r] = val_table[r, best], pool_holdout[best]
    seconds = time.perf_counter() - start
    return OptimismResult(counts, noise**2, val_error, holdout_error, pool_holdout, seconds)


# ---------------------------------------------------------------- train / train-val / val

@dataclasses.dataclass(repr=False)
class MismatchResult:
    """Andrew Ng's error table: what each gap says (MSE, averaged over the models)."""

    shift: float
    noise_floor: float  # noise**2: the error of the true function itself
    train_error: float
    train_val_error: float  # held-out data from the training distribution
    val_error: float  # data from the (shifted) application distribution
    seconds: float

    @property
    def avoidable_bias(self) -> float:
        return self.train_error - self.noise_floor

    @property
    def overfitting(self) -> float:
        """train-val minus train: the gap more data or regularization would close."""
        return self.train_val_error - self.train_error

    @property
    def mismatch(self) -> float:
        """val minus train-val: the gap only data like the application's would close."""
        return self.val_error - self.train_val_error

    def __repr__(self) -> str:
        return (f"MismatchResult(shift={self.shift:g}, {self.seconds:.2f} s)\n"
                f"  noise floor {self.noise_floor:.4f} | train {self.train_error:.4f} | "
                f"train-val {self.train_val_error:.4f} | val {self.val_error:.4f}\n"
                f"  avoidable bias {self.avoidable_bias:+.4f}, overfitting {self.overfitting:+.4f}, "
                f"data mismatch {self.mismatch:+.4f}")


def mismatch_demo(shift=1.5, *, n_train=40, n_val=500, noise=0.2, width=64, epochs=1000, n_models=4,
                  random_state=None) -> MismatchResult:
    """Train, train-validation and validation errors, when the application's data differ from training's.

    Training data: ``n_train`` points of :func:`labkit.data.make_sine` with x uniform
    in [-3, 3]. The train-validation set (``n_val`` points) comes from the same
    distribution, held out; the validation set (``n_val`` points) from the application,
    where x is uniform in [-3 + shift, 3 + shift]. A big MLP (1-``width``-``width``-1,
    ReLU, ``epochs`` of full-batch Adam) overfits the few training points.

    train -> train-val is overfitting; train-val -> val is data mismatch: with only
    one validation set from the application, you could not tell the two apart.
    ``shift=0`` removes the mismatch. Defaults (random_state=0, about 0.6 s on one CPU
    thread): noise floor 0.040, train 0.018, train-val 0.070, val 0.207: overfitting
    +0.052, data mismatch +0.138. With ``shift=0``, val 0.079: mismatch +0.010.
    """
    shift = check_float("shift", shift)
    n_train, n_val = check_int("n_train", n_train, min_value=2), check_int("n_val", n_val, min_value=1)
    noise = check_float("noise", noise, min_value=0.0)
    width, epochs = check_int("width", width, min_value=1), check_int("epochs", epochs, min_value=1)
    n_models = check_int("n_models", n_models, min_value=1)
    rng = check_random_state("random_state", random_state)
    start = time.perf_counter()
    train = make_sine(n_train, noise=noise, random_state=rng)
    train_val = make_sine(n_val, noise=noise, random_state=rng)
    val = make_sine(n_val, noise=noise, domain=(-3.0 + shift, 3.0 + shift), random_state=rng)
    model = train_mlps(*train, n_models=n_models, width=width, depth=2, epochs=epochs, lr=1e-2,
                   random_state=int(rng.integers(2**31)))
    errors = [float(mse_per_model(model, *part).mean()) for part in (train, train_val, val)]
    return MismatchResult(shift, noise**2, *errors, seconds=time.perf_counter() - start)
