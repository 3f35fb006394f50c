"""Measure the bias and variance of neural networks, fast enough to move a slider.

Bias and variance are properties of a *training procedure*, not of one trained model:
train the same network on K fresh samples of the data, then ask how far the models'
average is from the truth (bias²) and how much the models disagree (variance).
:func:`bias_variance_sweep` does this for each value of one hyperparameter, training
the K models of a value at once with :mod:`labkit.batched`; :func:`bias_variance` splits
the error of such a family into bias², variance and noise.

Every value sees the same K training samples, the same initial seeds and the same
test points ("common random numbers"), so a change along the sweep comes from the
hyperparameter, not from a luckier draw.

A default sweep takes a few seconds: :func:`bias_variance_sweep` shows a progress bar
once it has run two seconds (see :mod:`labkit.progress`), and a panel walks the same
sweep step by step with :func:`iter_bias_variance_sweep`, writing "Computing 3 of 7
values..." in its status line instead.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np
import torch

from labkit.arguments import as_2d_float, check_choice, check_float, check_int, check_random_state, to_numpy
from labkit.batched import BatchedMLP, fit_batched, predict_batched
from labkit.data import DATASETS
from labkit.models import ACTIVATIONS
from labkit.progress import check_progress, steps

__all__ = ["BiasVariance", "bias_variance", "BiasVarianceResult", "SweepStep", "bias_variance_sweep",
           "iter_bias_variance_sweep", "PARAMS", "DEFAULT_VALUES", "REGRESSION_DATASETS"]

PARAMS = ("width", "weight_decay", "n_train", "depth", "epochs")
REGRESSION_DATASETS = ("sine", "cubic", "identity")  # 1-D generators that can return the truth f
# Sizes chosen so that each default sweep runs in a few seconds or less on one CPU thread.
DEFAULT_VALUES = {
    "width": (2, 4, 8, 16, 32, 64, 128),  # width 1 sometimes sticks in a poor fit: variance from optimization
    "weight_decay": (0.0, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0),
    "n_train": (5, 10, 20, 40, 80),
    "depth": (1, 2, 3, 4),
    "epochs": (10, 30, 100, 300, 1000),
}


@dataclasses.dataclass(repr=False)
class BiasVarianceResult:
    """One sweep: per value of ``param``, the parts of the expected test error (arrays of equal length)."""

    param: str
    values: np.ndarray
    bias_squared: np.ndarray  # mean over test x of (mean_k f_k(x) - f(x))^2
    variance: np.ndarray  # mean over test x of var_k f_k(x)
    noise: np.ndarray  # noise**2, the error even the true function makes
    test_error: np.ndarray  # mean over models and test points of (f_k(x) - noisy y)^2
    train_error: np.ndarray  # final training MSE, averaged over the K models
    n_diverged: np.ndarray  # models whose training blew up; their value's parts are NaN
    seconds: float
    x_test: np.ndarray  # (n_test,) sorted test inputs, for drawing the models' curves
    truth: np.ndarray  # (n_test,) the noise-free f(x_test)
    predictions: np.ndarray  # (len(values), K, n_test): each model's curve, per value

    @property
    def best_value(self):
        """The value with the lowest test error (None if every value diverged)."""
        if np.isnan(self.test_error).all():
            return None
        return self.values[int(np.nanargmin(self.test_error))].item()

    def as_dict(self) -> dict:
        """The per-value table as plain lists, keyed by column, e.g. for ``pandas.DataFrame`` or JSON.

        The first key is the swept parameter's name; the curves (``predictions``) stay out."""
        columns = ("bias_squared", "variance", "noise", "test_error", "train_error", "n_diverged")
        return {self.param: self.values.tolist(), **{c: getattr(self, c).tolist() for c in columns}}

    def __repr__(self) -> str:
        columns = ("bias^2", "variance", "noise", "test err", "train err")
        header = f"{self.param:>12} " + " ".join(f"{c:>9}" for c in columns)
        lines = [f"BiasVarianceResult({self.param}, {len(self.values)} values, {self.seconds:.2f} s, "
                 f"best {self.param}={self.best_value})", header]
        for i, value in enumerate(self.values):
            parts = (self.bias_squared, self.variance, self.noise, self.test_error, self.train_error)
            row = " ".join(f"{p[i]:9.4g}" for p in parts)
            lines.append(f"{value:>12.4g} {row}" + (f"  ({self.n_diverged[i]} diverged)"
                                                     if self.n_diverged[i] else ""))
        return "\n".join(lines)


# ---------------------------------------------------------------- the decomposition

@dataclasses.dataclass(frozen=True)
class BiasVariance:
    """The expected squared error of a family of models at fixed inputs, in parts."""

    bias_squared: float  # mean over x of (mean_k f_k(x) - f(x))^2
    variance: float  # mean over x of var_k f_k(x)
    noise: float  # the noise_var given, else 0.0
    expected_error: float  # bias_squared + variance + noise

    def __repr__(self) -> str:
        return (f"BiasVariance(bias^2={self.bias_squared:.4g}, variance={self.variance:.4g}, "
                f"noise={self.noise:.4g}, expected error={self.expected_error:.4g})")


def bias_variance(predictions, y_true, noise_var=None):
    """Split the error of K models trained on resampled data, predicting at the same N inputs.

    ``predictions`` is (K, N) (or (K, N, 1)); ``y_true`` the noise-free truth (N,).
    With ``noise_var`` (the variance of the targets' noise), ``expected_error`` estimates
    the test error against noisy targets: bias^2 + variance + noise.
    """
    preds = to_numpy("predictions", predictions)
    if preds.ndim == 3 and preds.shape[2] == 1:
        preds = preds[..., 0]
    if preds.ndim != 2:
        raise ValueError(f"predictions must have shape (K models, N points), got {preds.shape}")
    if 0 in preds.shape:
        raise ValueError(f"predictions must hold at least one model and one point, got shape {preds.shape}")
    preds = as_2d_float("predictions", preds.T).T  # checks finite numbers; keeps (K, N)
    truth = as_2d_float("y_true", y_true)
    if truth.shape != (preds.shape[1], 1):
        raise ValueError(f"y_true must have shape ({preds.shape[1]},), one value per point of "
                         f"predictions; got {truth.shape}")
    noise = 0.0 if noise_var is None else check_float("noise_var", noise_var, min_value=0.0)
    bias_squared = float(np.mean((preds.mean(axis=0) - truth[:, 0]) ** 2))
    variance = float(np.mean(preds.var(axis=0)))
    return BiasVariance(bias_squared, variance, noise, bias_squared + variance + noise)


# ---------------------------------------------------------------- sweeps

def _check_values(param: str, values) -> np.ndarray:
    """Values as a 1-D array: ints >= 1 (>= 2 for n_train), or floats >= 0 for weight_decay."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray, range)):
        raise TypeError(f"values must be a list of numbers for {param}, got {type(values).__name__}")
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise ValueError(f"values must be 1-D (one {param} per entry), got shape {values.shape}")
    if len(values) == 0:
        raise ValueError(f"values must hold at least one {param} to try, got {values!r}")
    low = 2 if param == "n_train" else 1
    checked = []
    for i, v in enumerate(values):
        name = f"values[{i}] ({param})"
        if param == "weight_decay":
            checked.append(check_float(name, v, min_value=0.0))
            continue
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)  # 8.0 from np.logspace is a fine width
        checked.append(check_int(name, v, min_value=low))
    return np.array(checked)


def _samples(make, n_models, n_train, noise, rng):
    """K independent training samples from the generator: X (K, n, 1), y (K, n)."""
    seeds = rng.integers(2**31 - 1, size=n_models)
    pairs = [make(n_train, noise=noise, random_state=int(s)) for s in seeds]
    return np.stack([X for X, _ in pairs]), np.stack([y for _, y in pairs])


class SweepStep(NamedTuple):
    """Where a sweep stands: ``done`` of its ``total`` training runs have finished; ``result`` comes last."""

    done: int
    total: int  # one run per value; a weight-decay sweep trains all its values in one run
    result: BiasVarianceResult | None = None


def bias_variance_sweep(param="width", values=None, *, n_models=16, n_train=30, noise=0.3, width=32, depth=2,
                        weight_decay=0.0, epochs=300, lr=1e-2, activation="tanh", dataset="sine",
                        n_test=200, random_state=None, progress=None) -> BiasVarianceResult:
    """Train ``n_models`` MLPs per value of ``param`` on fresh samples; split their test error.

    ``param`` is one of :data:`PARAMS`; ``values=None`` takes :data:`DEFAULT_VALUES`.
    For each value, the keyword of the same name is replaced by the value; the other
    keywords hold for every value. Each of the K models gets its own training sample
    of ``n_train`` points from ``dataset`` (noise std ``noise``) and its own initial
    weights, and trains with full-batch Adam for ``epochs`` epochs on squared error.

    The parts are measured at ``n_test`` test inputs drawn once from the data's input
    distribution; model k is scored against its own noisy targets y_kx = f(x) + e_kx:

    - ``bias_squared``: mean over x of (mean_k f_k(x) - f(x))², with f the noise-free truth;
    - ``variance``: mean over x of the variance over k of f_k(x);
    - ``noise``: ``noise**2``;
    - ``test_error``: mean over k and x of (f_k(x) - y_kx)².

    On the same test points, test_error = bias² + variance + (mean of e_kx²) - 2 mean of
    (f_k(x) - f(x)) e_kx exactly. The last two terms are noise² and 0 in expectation;
    with the defaults' K * n_test = 3200 noise draws they land within a few percent of
    that, so ``test_error`` ≈ ``bias_squared + variance + noise``.

    A weight-decay sweep trains all values x K models as one batched run, each model
    with its own weight decay: about as fast as a single value.

    ``progress``: None shows a progress bar (one step per value) only once the sweep has
    run two seconds (the default width sweep takes about five); True always, False
    never; a function ``progress(i, n)`` is called before each training run instead
    (see :mod:`labkit.progress`).
    """
    progress = check_progress(progress)
    sweep = iter_bias_variance_sweep(param, values, n_models=n_models, n_train=n_train, noise=noise,
                                     width=width, depth=depth, weight_decay=weight_decay, epochs=epochs,
                                     lr=lr, activation=activation, dataset=dataset, n_test=n_test,
                                     random_state=random_state)
    step = next(sweep)  # set up: data drawn, nothing trained yet
    for _ in steps(step.total, progress=progress, desc=f"{param} sweep"):
        step = next(sweep)  # one training run
    return step.result


def iter_bias_variance_sweep(param="width", values=None, *, n_models=16, n_train=30, noise=0.3, width=32,
                             depth=2, weight_decay=0.0, epochs=300, lr=1e-2, activation="tanh",
                             dataset="sine", n_test=200, random_state=None) -> Iterator[SweepStep]:
    """:func:`bias_variance_sweep` one training run at a time, for a panel that shows progress.

    Yields ``SweepStep(0, n)`` once the data are drawn, ``SweepStep(i, n)`` after each of
    the n training runs (one per value; one for a whole weight-decay sweep), the last with
    the :class:`BiasVarianceResult`. Arguments are checked before the first yield; the
    keywords are :func:`bias_variance_sweep`'s, and both give the same result.
    """
    param = check_choice("param", param, PARAMS)
    values = _check_values(param, DEFAULT_VALUES[param] if values is None else values)
    settings = {
        "n_models": check_int("n_models", n_models, min_value=2),  # a variance needs two models
        "n_train": check_int("n_train", n_train, min_value=2),
        "width": check_int("width", width, min_value=1),
        "depth": check_int("depth", depth, min_value=1),
        "epochs": check_int("epochs", epochs, min_value=1),
        "weight_decay": check_float("weight_decay", weight_decay, min_value=0.0),
        "lr": check_float("lr", lr, min_value=0.0, strict_min=True),
        "activation": check_choice("activation", activation, ACTIVATIONS),
    }
    noise = check_float("noise", noise, min_value=0.0)
    make = DATASETS[check_choice("dataset", dataset, REGRESSION_DATASETS)]
    n_test = check_int("n_test", n_test, min_value=1)
    rng = check_random_state("random_state", random_state)
    return _sweeping(param, values, settings, noise, make, n_test, rng)


def _sweeping(param, values, settings, noise, make, n_test, rng) -> Iterator[SweepStep]:
    """The sweep's work, checked arguments in hand: draw the data, then train run after run."""
    start = time.perf_counter()
    K = settings["n_models"]
    X_test, _, truth = make(n_test, noise=noise, random_state=rng, return_function=True)  # (n_test, 1)
    X_test = np.sort(X_test, axis=0)  # sorted, so that a model's predictions draw as a curve
    f_test = truth(X_test)  # (n_test,)
    y_test = f_test + noise * rng.normal(size=(K, n_test))  # (K, n_test): a noisy target per model
    n_max = int(values.max()) if param == "n_train" else settings["n_train"]
    X, y = _samples(make, K, n_max, noise, rng)  # (K, n_max, 1), (K, n_max)
    seed = int(rng.integers(2**31 - 1))  # the K initial models: the same for every value

    total = 1 if param == "weight_decay" else len(values)
    yield SweepStep(0, total)
    if param == "weight_decay":
        predictions, train_errors, diverged = _run_decays(values, settings, X, y, X_test, seed)
    else:
        runs = []
        for i, v in enumerate(values):
            runs.append(_run(dict(settings, **{param: int(v)}), X, y, X_test, seed))
            if i + 1 < total:
                yield SweepStep(i + 1, total)
        predictions, train_errors, diverged = (list(r) for r in zip(*runs, strict=True))
    parts = [_split(p, f_test, y_test, noise) if not d else (np.nan,) * 3
             for p, d in zip(predictions, diverged, strict=True)]
    bias2, variance, test_error = (np.array(column) for column in zip(*parts, strict=True))
    result = BiasVarianceResult(
        param, values, bias2, variance, np.full(len(values), noise**2), test_error,
        np.array(train_errors), np.array(diverged), time.perf_counter() - start,
        X_test[:, 0], f_test, np.stack(predictions))
    yield SweepStep(total, total, result)


def _run(s: dict, X, y, X_test, seed):
    """Train K models with settings ``s`` on the first s["n_train"] points of each sample."""
    n = s["n_train"]  # for an n_train sweep, nested samples: the first n of the same draws
    model = BatchedMLP(s["n_models"], 1, 1, width=s["width"], depth=s["depth"], activation=s["activation"],
                       random_state=seed)
    history = fit_batched(model, (X[:, :n], y[:, :n]), epochs=s["epochs"], lr=s["lr"],
                          weight_decay=s["weight_decay"])
    predictions = predict_batched(model, X_test)[..., 0]  # (K, n_test)
    return predictions, float(np.mean(history.final_train_loss)), int((history.diverged_at >= 0).sum())


def _run_decays(decays: np.ndarray, s: dict, X, y, X_test, seed):
    """All V decay values x K models in one batched run; block v holds value v's K models."""
    V, K = len(decays), s["n_models"]
    model = BatchedMLP(V * K, 1, 1, width=s["width"], depth=s["depth"], activation=s["activation"],
                       random_state=seed)
    with torch.no_grad():  # every block starts from the same K initial models
        for p in model.parameters():
            p.view(V, K, *p.shape[1:])[1:] = p[:K]
    tile = (V, 1, 1)
    history = fit_batched(model, (np.tile(X, tile), np.tile(y, tile[:2])), epochs=s["epochs"], lr=s["lr"],
                          weight_decay=np.repeat(decays, K))
    predictions = predict_batched(model, X_test)[..., 0].reshape(V, K, -1)  # (V, K, n_test)
    train = history.final_train_loss.reshape(V, K).mean(axis=1)
    diverged = (history.diverged_at >= 0).reshape(V, K).sum(axis=1)
    return list(predictions), [float(t) for t in train], [int(d) for d in diverged]


def _split(predictions, f_test, y_test, noise):
    """(bias², variance, test error) of (K, n_test) predictions."""
    parts = bias_variance(predictions, f_test, noise_var=noise**2)
    return parts.bias_squared, parts.variance, float(np.mean((predictions - y_test) ** 2))
