"""Data leaks, switched on and off: how a leak makes validation promise what new data will not give.

:func:`leakage_demo` trains the same small MLPs with one of three leaks (:data:`LEAKS`)
and without it, and compares the validation MSE with the MSE on honest new data:

- ``"scaling"``: every run, validation runs included, standardised with its own statistics;
- ``"duplicates"``: copies of one sample on both sides of a random split;
- ``"time_order"``: a forecast validated on days that sit between training days.

The models train with :mod:`labkit.batched` (``n_models`` seeds at once, so the
numbers are averages). Nothing here draws: :class:`LeakageResult` holds numbers, and
:class:`labkit.panels.explorers.LeakageExplorer` puts a toggle on them.

:func:`compare_scalers` fits one input scaler three ways (:data:`SCALERS`). Leaks through
steps that look at the labels are in :mod:`labkit.generalization.supervised_leaks`.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from labkit.arguments import check_bool, check_choice, check_float, check_int, check_random_state
from labkit.batched import mse_per_model, predict_batched, train_mlps
from labkit.data import make_sine
from labkit.splits import group_split, train_val_test_split

__all__ = [
    "LEAKS", "LeakageResult", "leakage_demo", "SCALERS", "ScalerComparison", "compare_scalers",
]

LEAKS = ("scaling", "duplicates", "time_order")


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
    model = train_mlps(xs.reshape(-1, 1), ys.ravel(), **train_kw)

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
    model = train_mlps(*split.train, **train_kw)
    description = ("rows split at random: most validation rows have a copy in the training part" if leak else
                   "split by sample (group_split on the sample id): all copies of a sample in one part")
    errors = (mse_per_model(model, *part).mean() for part in (split.train, split.val, (X_new, y_new)))
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
    model = train_mlps(X[train], y[train], **train_kw)
    description = ("random split of the past: every validation day sits between training days" if leak else
                   "chronological split: validate on the period after the training period")
    errors = (mse_per_model(model, X[rows], y[rows]).mean() for rows in (train, val, np.arange(n_past, n)))
    return (*errors, description)


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
    settings["random_state"] = int(rng.integers(2**31))
    train, val, holdout, description = _LEAKS[kind](leak, rng, settings)
    return LeakageResult(kind, leak, float(val), float(holdout), float(train), description,
                         time.perf_counter() - start)


# ---------------------------------------------------------------- which scaler

SCALERS = ("training part", "training + validation", "each part its own")


@dataclasses.dataclass(repr=False)
class ScalerComparison:
    """The same kind of network, its input scaled three ways: validation and new-data MSE per way."""

    fitted_on: tuple[str, ...]  # SCALERS: where each scaler's mean and std come from
    val_error: np.ndarray  # (3,): validation MSE, mean over the networks
    new_error: np.ndarray  # (3,): MSE on new data scaled the same way
    noise_floor: float
    seconds: float

    def __repr__(self) -> str:
        lines = [f"ScalerComparison(noise floor {self.noise_floor:.4f}, {self.seconds:.2f} s)",
                 "  scaler fitted on        validation MSE   new data MSE"]
        lines += [f"  {name:<23} {val:14.4f} {new:14.4f}"
                  for name, val, new in zip(self.fitted_on, self.val_error, self.new_error, strict=True)]
        return "\n".join(lines)


def _scaled(X_part, fit_rows):
    """X_part standardised by scikit-learn's StandardScaler fitted on fit_rows (None: on X_part itself)."""
    from sklearn.preprocessing import StandardScaler

    return StandardScaler().fit(X_part if fit_rows is None else fit_rows).transform(X_part)


def compare_scalers(*, n_samples=300, n_new=2000, noise=0.3, n_models=8, width=32, epochs=500,
                    random_state=None) -> ScalerComparison:
    """Standardise one input three ways (:data:`SCALERS`) and compare validation with new-data MSE.

    Data: ``n_samples`` points of :func:`labkit.data.make_sine` with the input in awkward
    units (20 + 5x, so it needs scaling), split 70/30 into training and validation,
    and ``n_new`` new points. scikit-learn's ``StandardScaler`` is fitted on

    - ``"training part"``: the training rows; every part is scaled with it (the rule);
    - ``"training + validation"``: both parts together, one scaler for everything;
    - ``"each part its own"``: every part with its own mean and std, the validation part
      and each batch of new data (``n_new`` points arrive in batches the size of the
      validation part) included: the bug of "scaling the testing data using the
      statistics of the test partition" (Cross Validated, post 352037).

    ``n_models`` networks (1-``width``-``width``-1, tanh) train on each scaled training
    part; the errors are means over the networks (and over the new batches). On data
    drawn like the training data, the second way changes the errors by little. The
    third shifts every part by the difference between its mean and the training
    mean, so the network answers for the wrong x: new batches get a larger error, and
    the one validation part's score moves by chance, up or down (Lab 02 shows the
    numbers; ``tests/test_lab_claims.py`` checks what it says).
    """
    n_samples = check_int("n_samples", n_samples, min_value=10)
    n_new = check_int("n_new", n_new, min_value=2)
    noise = check_float("noise", noise, min_value=0.0)
    n_models = check_int("n_models", n_models, min_value=1)
    width, epochs = check_int("width", width, min_value=1), check_int("epochs", epochs, min_value=1)
    rng = check_random_state("random_state", random_state)

    start = time.perf_counter()
    X, y = make_sine(n_samples, noise=noise, random_state=rng)
    part = train_val_test_split(20 + 5 * X, y, fractions=(0.7, 0.3, 0.0), random_state=rng)
    n_batches = max(n_new // len(part.y_val), 1)  # batches the size of the validation part
    X_new, y_new = make_sine(n_batches * len(part.y_val), noise=noise, random_state=rng)
    X_new, y_new = (20 + 5 * X_new).reshape(n_batches, -1, 1), y_new.reshape(n_batches, -1)  # (B, n_val, 1)
    seed = int(rng.integers(2**31))  # the same initial weights for every scaler
    errors = np.empty((2, len(SCALERS)))
    fit_rows = {"training part": part.X_train, "training + validation": np.vstack([part.X_train, part.X_val]),
                "each part its own": None}  # None: every part is its own scaler's data
    for i, fitted_on in enumerate(SCALERS):
        rows = fit_rows[fitted_on]
        model = train_mlps(_scaled(part.X_train, rows), part.y_train, n_models=n_models, width=width, depth=2,
                           epochs=epochs, lr=1e-2, activation="tanh", random_state=seed)
        batches = np.vstack([_scaled(batch, rows) for batch in X_new])  # new data come in batches
        errors[:, i] = (mse_per_model(model, _scaled(part.X_val, rows), part.y_val).mean(),
                        mse_per_model(model, batches, y_new.ravel()).mean())
    return ScalerComparison(SCALERS, errors[0], errors[1], noise**2, time.perf_counter() - start)
