"""Validate carefully: a sealed test set, selection optimism, honest splits, leaks and mismatch.

Bethany Lusch's rule #1 for deep learning in science is "think carefully about
validation". Each tool here measures one way a validation score can flatter a model:

- :class:`Lockbox` counts how often the test set was used and warns from the second time;
- :func:`validation_optimism`: the best of many configurations looks better on the
  validation set than it is;
- :func:`compare_splits`: a random split of grouped data hides how badly a model does
  on a new group (a new material);
- :func:`leakage_demo`: three leaks (scaling statistics, duplicated rows, time order),
  each with and without the leak;
- :func:`mismatch_demo`: train / train-validation / validation errors separate
  overfitting from a mismatch between training and application data.

Every demo trains small MLPs with :mod:`labkit.batched` (many seeds at once, so the
numbers are averages, not one lucky run) and reports mean squared errors (MSE).
Nothing here draws: the results are dataclasses of numbers for a notebook to plot.
"""

from __future__ import annotations

import dataclasses
import time
import warnings

import numpy as np
from torch import nn

from labkit._checks import (
    _to_numpy,
    as_2d_float,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_random_state,
)
from labkit.batched import BatchedMLP, fit_batched, predict_batched
from labkit.data import make_materials, make_sine
from labkit.splits import group_split, train_val_test_split

__all__ = [
    "Lockbox", "METRICS", "OptimismResult", "validation_optimism", "SplitComparison", "compare_splits",
    "LEAKS", "LeakageResult", "leakage_demo", "MismatchResult", "mismatch_demo",
]

METRICS = ("mse", "rmse", "mae", "accuracy")
LEAKS = ("scaling", "duplicates", "time_order")


# ---------------------------------------------------------------- the lockbox

class Lockbox:
    """The test set, sealed: ``evaluate`` scores a model on it and counts every opening.

    The first score is an unbiased estimate of the error on new data. Every later one
    is not: whatever you changed after seeing the first, you changed *because of the
    test set*, which has become a second validation set. From the second opening on,
    ``evaluate`` warns (``UserWarning``). ``unlock()`` hands out copies of the data and
    counts as an opening too; there is no attribute that returns the data uncounted.

    ``metric`` None picks accuracy for integer labels and MSE otherwise.
    """

    def __init__(self, X, y, *, metric=None):
        y_array = _to_numpy("y", y)
        if metric is None:
            metric = "accuracy" if y_array.dtype.kind in "iub" else "mse"
        self._metric = check_choice("metric", metric, METRICS)
        self._X = as_2d_float("X", X)
        self._y = y_array.copy()
        if self._y.dtype.kind == "f" and not np.isfinite(self._y).all():
            raise ValueError("y contains NaN or Inf; a test set needs a finite target for every row")
        if len(self._y) != len(self._X):
            raise ValueError(f"X has {len(self._X)} rows but y has {len(self._y)}; each sample needs both")
        self._opened = 0
        self._scores: list[float] = []

    @property
    def opened(self) -> int:
        """How many times the test set was used (``evaluate`` or ``unlock``)."""
        return self._opened

    @property
    def scores(self) -> tuple[float, ...]:
        """Every score ``evaluate`` returned, in order."""
        return tuple(self._scores)

    @property
    def metric(self) -> str:
        return self._metric

    def __len__(self) -> int:
        return len(self._X)

    def _open(self) -> None:
        self._opened += 1
        if self._opened > 1:
            warnings.warn(
                f"The test set has been used {self._opened} times; its score is no longer an unbiased "
                "estimate of the error on new data (choices made after the first look were fitted to it)",
                UserWarning, stacklevel=3)

    def unlock(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of (X, y); counts as one opening."""
        self._open()
        return self._X.copy(), self._y.copy()

    def evaluate(self, model) -> float:
        """Score ``model`` (an ``nn.Module``, an object with ``.predict`` or a function X -> y) once."""
        predictions = self._predict(model)
        self._open()
        score = _score(self._metric, predictions, self._y)
        self._scores.append(score)
        return score

    def _predict(self, model) -> np.ndarray:
        if isinstance(model, nn.Module):
            from labkit.train import predict

            return predict(model, self._X)
        if hasattr(model, "predict"):
            return _to_numpy("model.predict(X)", model.predict(self._X))
        if callable(model):
            return _to_numpy("model(X)", model(self._X))
        raise TypeError(f"model must be a torch.nn.Module, an object with .predict(X) or a function "
                        f"X -> predictions, got {type(model).__name__}")

    def __repr__(self) -> str:
        last = f", last {self._metric}={self._scores[-1]:.4g}" if self._scores else ""
        return f"Lockbox({len(self)} samples, metric={self._metric!r}, opened {self._opened} times{last})"


def _score(metric: str, predictions, y) -> float:
    predictions = np.asarray(predictions)
    if metric == "accuracy":
        if predictions.ndim == 2 and predictions.shape[1] > 1:
            predictions = predictions.argmax(axis=1)  # class scores -> labels
        predictions = predictions.reshape(len(y))
        return float(np.mean(predictions == y))
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    if predictions.size != y.size:
        raise ValueError(f"the model gave predictions of shape {predictions.shape} for targets of "
                         f"shape {y.shape}")
    error = predictions.reshape(y.shape) - y
    if metric == "mae":
        return float(np.mean(np.abs(error)))
    mse = float(np.mean(error**2))
    return float(np.sqrt(mse)) if metric == "rmse" else mse


# ---------------------------------------------------------------- shared training

def _train(X, y, *, n_models, width, depth, epochs, lr, seed, activation="relu", weight_decay=0.0):
    """K MLPs trained together (full-batch Adam on MSE); X (n, d) or (K, n, d), y (n,) or (K, n)."""
    d = np.shape(X)[-1]
    model = BatchedMLP(n_models, d, 1, width=width, depth=depth, activation=activation, random_state=seed)
    fit_batched(model, (X, y), epochs=epochs, lr=lr, weight_decay=weight_decay, random_state=seed)
    return model


def _mse(model, X, y) -> np.ndarray:
    """Each model's MSE on (X, y): shape (K,)."""
    predictions = predict_batched(model, X)[..., 0]  # (K, n)
    return np.mean((predictions - np.asarray(y)) ** 2, axis=-1)


def _seconds_since(start: float) -> float:
    return time.perf_counter() - start


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
    model = BatchedMLP(n_pool, 1, 1, width=width, depth=2, activation="tanh",
                       random_state=int(rng.integers(2**31)))
    fit_batched(model, (X, y), epochs=epochs, lr=lr, weight_decay=decay)
    pool_holdout = _mse(model, *make_sine(n_holdout, noise=noise, random_state=rng))  # (K,)
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
    return OptimismResult(counts, noise**2, val_error, holdout_error, pool_holdout, _seconds_since(start))


# ---------------------------------------------------------------- random vs group split

@dataclasses.dataclass(repr=False)
class SplitComparison:
    """One model trained on a random split and on a group split; arrays hold one entry per repeat."""

    random_val_error: np.ndarray  # (R,): validation MSE, rows split at random
    group_val_error: np.ndarray  # (R,): validation MSE, whole materials held out
    random_unseen_error: np.ndarray  # (R,): MSE on materials neither split saw, of the random-split model
    group_unseen_error: np.ndarray  # (R,): the same, for the group-split model
    seconds: float

    def summary(self) -> dict[str, float]:
        """Means over the repeats, keyed like the fields."""
        names = ("random_val_error", "group_val_error", "random_unseen_error", "group_unseen_error")
        return {name: float(getattr(self, name).mean()) for name in names}

    def __repr__(self) -> str:
        s = self.summary()
        return (f"SplitComparison({len(self.random_val_error)} repeats, {self.seconds:.2f} s)\n"
                f"  random split: val MSE {s['random_val_error']:.4f}, "
                f"unseen materials MSE {s['random_unseen_error']:.4f}\n"
                f"  group split:  val MSE {s['group_val_error']:.4f}, "
                f"unseen materials MSE {s['group_unseen_error']:.4f}")


def compare_splits(*, n_samples=320, n_groups=8, n_unseen=40, noise=0.05, n_repeats=4, n_models=1,
                   width=64, epochs=400, lr=1e-2, random_state=None) -> SplitComparison:
    """Validate a model of :func:`labkit.data.make_materials` by random rows and by whole materials.

    Each repeat draws ``n_samples`` rows of ``n_groups`` materials and splits them
    80/20 twice: at random (a material's rows land in both parts) and by material
    (:func:`labkit.splits.group_split`). The same MLP (2-``width``-``width``-1, ReLU,
    ``n_models`` seeds averaged) is trained on each training part and scored on its
    validation part and on ``n_unseen`` brand-new materials (20 rows each) from the
    same process: the error that matters when the model meets a new material.

    The random split's validation score is far better than what the model does on
    new materials; the group split's does not flatter, but it is noisy: its validation
    part holds only two materials (group k-fold would average several such splits).
    Defaults (random_state=0, about 3 s on one CPU thread): random split val MSE 0.012
    against 0.032 on new materials (2.6 times too rosy); group split val MSE 0.099
    against 0.045 on new materials (pessimistic this time; over seeds 0-3 it ranged
    from 0.021 to 0.099 while new materials gave 0.042-0.055).
    """
    n_groups = check_int("n_groups", n_groups, min_value=3)
    n_samples = check_int("n_samples", n_samples, min_value=2 * n_groups)
    n_unseen = check_int("n_unseen", n_unseen, min_value=2)
    noise = check_float("noise", noise, min_value=0.0)
    n_repeats = check_int("n_repeats", n_repeats, min_value=1)
    n_models = check_int("n_models", n_models, min_value=1)
    width, epochs = check_int("width", width, min_value=1), check_int("epochs", epochs, min_value=1)
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    rng = check_random_state("random_state", random_state)

    start = time.perf_counter()
    X_new, y_new, _ = make_materials(20 * n_unseen, n_groups=n_unseen, noise=noise, random_state=rng)
    errors = np.empty((4, n_repeats))
    for r in range(n_repeats):
        X, y, groups = make_materials(n_samples, n_groups=n_groups, noise=noise, random_state=rng)
        splits = (train_val_test_split(X, y, fractions=(0.8, 0.2, 0.0), random_state=rng),
                  group_split(X, y, groups, fractions=(0.8, 0.2, 0.0), random_state=rng))
        seed = int(rng.integers(2**31))  # the same initial weights for both splits
        for i, split in enumerate(splits):
            model = _train(*split.train, n_models=n_models, width=width, depth=2, epochs=epochs, lr=lr,
                           seed=seed)
            errors[i, r] = _mse(model, *split.val).mean()
            errors[2 + i, r] = _mse(model, X_new, y_new).mean()
    return SplitComparison(*errors, seconds=_seconds_since(start))


# ---------------------------------------------------------------- leaks

@dataclasses.dataclass(repr=False)
class LeakageResult:
    """One leak, switched on or off: the validation MSE and the MSE on honest new data."""

    kind: str
    leak: bool
    val_error: float  # what the (leaky or honest) validation says
    holdout_error: float  # the truth: new data, prepared only with what is known before seeing it
    train_error: float
    description: str
    seconds: float

    @property
    def optimism(self) -> float:
        """How many times lower the validation MSE is than the hold-out MSE (1 means honest)."""
        return self.holdout_error / self.val_error

    def __repr__(self) -> str:
        state = "leak" if self.leak else "no leak"
        return (f"LeakageResult({self.kind!r}, {state}, {self.seconds:.2f} s)\n"
                f"  train MSE {self.train_error:.4f}, val MSE {self.val_error:.4f}, "
                f"hold-out MSE {self.holdout_error:.4f} ({self.optimism:.1f}x)\n  {self.description}")


def _runs(n_runs, per_run, rng, *, offset=0.5, noise=0.1):
    """Measurement runs: y = sin(x) + b_run + noise, b_run ~ Normal(0, offset) unseen in x."""
    x = rng.uniform(-3, 3, size=(n_runs, per_run))
    y = np.sin(x) + rng.normal(0, offset, size=(n_runs, 1)) + rng.normal(0, noise, size=x.shape)
    return x, y  # (runs, per_run) each


def _standardise(a, axis=None):
    mean, std = a.mean(axis=axis, keepdims=True), a.std(axis=axis, keepdims=True)
    return (a - mean) / std, mean, std


def _leak_scaling(leak, rng, train_kw):
    x, y = _runs(20, 30, rng)  # 8 training runs, 6 validation runs, 6 hold-out runs
    (x_tr, y_tr), (x_val, y_val), (x_new, y_new) = ((x[s], y[s]) for s in (slice(8), slice(8, 14), slice(14)))
    axis = 1 if leak else None  # leak: every run standardised with its own mean and std
    xs, _, _ = _standardise(x_tr, axis)
    ys, y_mean, y_std = _standardise(y_tr, axis)
    model = _train(xs.reshape(-1, 1), ys.ravel(), **train_kw)

    def error(x_part, y_part, own_stats):
        x_mean, x_std = (x_part.mean(1, keepdims=True), x_part.std(1, keepdims=True)) if own_stats else (
            x_tr.mean(), x_tr.std())
        m, s = (y_part.mean(1, keepdims=True), y_part.std(1, keepdims=True)) if own_stats else (
            y_mean.mean(), y_std.mean())
        out = predict_batched(model, ((x_part - x_mean) / x_std).reshape(-1, 1))[..., 0]
        return float(np.mean((out.reshape(-1, *x_part.shape) * s + m - y_part) ** 2))

    description = ("every run (validation included) standardised with its own mean and std: the validation "
                   "run's targets told the model its offset" if leak else
                   "one scaler, fitted on the training runs, for every run")
    return error(x_tr, y_tr, leak), error(x_val, y_val, leak), error(x_new, y_new, False), description


def _leak_duplicates(leak, rng, train_kw):
    n, d, copies = 120, 4, 3
    X = rng.normal(size=(2 * n, d))
    y = np.sin(X).sum(axis=1) + rng.normal(0, 0.5, size=2 * n)
    X_new, y_new = X[n:], y[n:]  # fresh samples, never copied
    X, y = np.repeat(X[:n], copies, axis=0), np.repeat(y[:n], copies)  # every sample logged 3 times
    ids = np.repeat(np.arange(n), copies)
    if leak:
        split = train_val_test_split(X, y, fractions=(0.75, 0.25, 0.0), random_state=rng)
    else:
        split = group_split(X, y, ids, fractions=(0.75, 0.25, 0.0), random_state=rng)
    model = _train(*split.train, **train_kw)
    description = ("rows split at random: most validation rows have a copy in the training part" if leak else
                   "split by sample (group_split on the sample id): all copies of a sample in one part")
    errors = (_mse(model, *part).mean() for part in (split.train, split.val, (X_new, y_new)))
    return (*errors, description)


def _leak_time_order(leak, rng, train_kw):
    n, period = 400, 25
    t = np.arange(n)
    level = 0.005 * t + np.cumsum(rng.normal(0, 0.05, size=n))  # a trend that wanders
    y = level + np.sin(2 * np.pi * t / period) + rng.normal(0, 0.1, size=n)
    X = np.column_stack([t / n, np.sin(2 * np.pi * t / period), np.cos(2 * np.pi * t / period)])
    n_past = int(0.8 * n)  # the last 20% is the future: the honest hold-out
    past = rng.permutation(n_past) if leak else np.arange(n_past)
    train, val = past[: int(0.75 * n_past)], past[int(0.75 * n_past):]
    model = _train(X[train], y[train], **train_kw)
    description = ("random split of the past: every validation day sits between training days" if leak else
                   "chronological split: validate on the period after the training period")
    return tuple(_mse(model, X[rows], y[rows]).mean() for rows in (train, val, np.arange(n_past, n))) + (
        description,)


_LEAKS = {"scaling": _leak_scaling, "duplicates": _leak_duplicates, "time_order": _leak_time_order}
_LEAK_MODELS = {  # a model that can exploit each leak; sizes keep each call about a second or two
    "scaling": dict(width=32, depth=2, epochs=300, lr=1e-2, activation="tanh"),
    "duplicates": dict(width=64, depth=2, epochs=600, lr=1e-2, activation="relu"),
    "time_order": dict(width=32, depth=2, epochs=400, lr=1e-2, activation="relu"),
}


def leakage_demo(kind, leak=True, *, n_models=4, epochs=None, random_state=None) -> LeakageResult:
    """Train with one kind of data leak switched on or off; compare validation and honest hold-out MSE.

    ``kind`` is one of :data:`LEAKS`:

    - ``"scaling"``: measurement runs of y = sin(x) + offset + noise (8 training, 6
      validation and 6 hold-out runs of 30 points), each run with its own unknown
      offset (std 0.5). The leak standardises every run, validation runs included, with
      that run's own mean and std (statistics fitted on all the data, run by run), so
      the validation run's own targets fix its offset. Honest scaling uses training
      statistics only, and so must the hold-out: nobody knows a new run's targets before
      predicting them. (One scaler fitted on train + validation together leaks almost
      nothing to a network, as it moves every part alike: over six seeds of this data
      it changed the validation MSE from 0.3858 to 0.3856.)
    - ``"duplicates"``: 120 samples (4 features, noise std 0.5), each logged three
      times; a wide MLP memorises its training rows. The leak splits rows at random,
      so copies of a validation row sit in the training part; the fix splits by sample.
    - ``"time_order"``: a quantity with a wandering trend and a season, predicted from
      the date (time, and the season's phase as sin and cos). The leak validates on
      days picked at random from the past, each between training days; the fix
      validates on the period right after the training period. The hold-out is the
      last 20% of the series: the future.

    ``n_models`` seeds are averaged; ``epochs`` None keeps each kind's default.
    Defaults (random_state=0; each call 0.3-0.7 s on one CPU thread), MSE:

    ============  ==========================  ==========================
    kind          leak: val / hold-out        no leak: val / hold-out
    ============  ==========================  ==========================
    scaling       0.053 / 0.173               0.215 / 0.162
    duplicates    0.033 / 0.589               0.764 / 0.512
    time_order    0.030 / 0.131               0.068 / 0.109
    ============  ==========================  ==========================

    With the leak, validation promises 3-18 times less error than new data give;
    without it, validation and hold-out agree up to the noise of small sets.
    """
    kind = check_choice("kind", kind, LEAKS)
    leak = check_bool("leak", leak)
    n_models = check_int("n_models", n_models, min_value=1)
    settings = dict(_LEAK_MODELS[kind], n_models=n_models)
    if epochs is not None:
        settings["epochs"] = check_int("epochs", epochs, min_value=1)
    rng = check_random_state("random_state", random_state)
    start = time.perf_counter()
    settings["seed"] = int(rng.integers(2**31))
    train, val, holdout, description = _LEAKS[kind](leak, rng, settings)
    return LeakageResult(kind, leak, float(val), float(holdout), float(train), description,
                         _seconds_since(start))


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
    model = _train(*train, n_models=n_models, width=width, depth=2, epochs=epochs, lr=1e-2,
                   seed=int(rng.integers(2**31)))
    errors = [float(_mse(model, *part).mean()) for part in (train, train_val, val)]
    return MismatchResult(shift, noise**2, *errors, seconds=_seconds_since(start))
