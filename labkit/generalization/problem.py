"""The data a playground run trains on and is judged on: generated, or the learner's own.

Generated data get exactly ``n_train`` training points and a fixed validation pool of
:data:`VAL_POOL` fresh points from the same generator, whatever ``n_train`` is. A
70/20/10 split of ten points would leave three validation points, whose error swings by
more than the differences between the models it should tell apart, and can land below
the noise floor. For a regression data set the true function is known, so a run can
also be judged by its error against the truth (:func:`excess_error`), with no
validation noise at all.

A learner's own ``(X, y)`` keeps the 70/20/10 split of its rows (Lusch's rule), and
:func:`check_data` either rejects what the playground cannot draw, naming the argument,
or says how it read ``y`` (classes or numbers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from labkit.arguments import as_2d_float, check_choice, check_float, check_int, check_same_length
from labkit.data import DATASETS, make_dataset, task_of
from labkit.models import ACTIVATIONS
from labkit.optim import OPTIMIZERS
from labkit.splits import Split, train_val_test_split
from labkit.train import predict

__all__ = ["Settings", "Problem", "make_problem", "check_data", "describe_data", "excess_error",
           "VAL_POOL", "TEST_POOL", "TRAIN_FRACTION", "MAX_CLASSES"]

VAL_POOL = 300  # validation points for generated data: the standard error of a 300-point MSE is ~8%
TEST_POOL = 300  # held back, as a test set is
TRAIN_FRACTION = 0.7  # the 70/20/10 split of the source material, for a learner's own rows
MIN_SAMPLES = 10  # below this the 70/20/10 split leaves a part empty or a single point
MAX_CLASSES = 8  # the boundary view has 8 class colours (Okabe and Ito's palette)


# Settings live here, not in playground.py, because make_problem reads them and playground imports this.
@dataclass(frozen=True)
class Settings:
    """Everything a learner can change in the playground, with its default."""

    dataset: str = "sine"
    n_train: int = 40
    noise: float = 0.2
    width: int = 32
    depth: int = 2
    activation: str = "tanh"
    optimizer: str = "adam"
    lr: float = 0.01
    weight_decay: float = 0.0
    dropout: float = 0.0
    batch_size: int | None = None  # None: full batch
    epochs: int = 300
    random_state: int = 0

    def __post_init__(self):
        check_choice("dataset", self.dataset, DATASETS)
        check_int("n_train", self.n_train, min_value=MIN_SAMPLES, max_value=5000)
        check_float("noise", self.noise, min_value=0.0, max_value=2.0)
        check_int("width", self.width, min_value=1, max_value=1024)
        check_int("depth", self.depth, min_value=1, max_value=12)
        check_choice("activation", self.activation, ACTIVATIONS)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_float("lr", self.lr, min_value=0.0, strict_min=True, max_value=100.0)
        check_float("weight_decay", self.weight_decay, min_value=0.0, max_value=10.0)
        check_float("dropout", self.dropout, min_value=0.0, max_value=0.9)
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size, min_value=1)
        check_int("epochs", self.epochs, min_value=1, max_value=100_000)
        check_int("random_state", self.random_state, min_value=0, max_value=2**31 - 1)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> Settings:
        """Build settings from a dict such as :meth:`as_dict` gave; unknown keys are an error."""
        if not isinstance(values, dict):
            raise TypeError(f"state must be a dict of settings, got {type(values).__name__}")
        allowed = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown}; allowed: {sorted(allowed)}")
        return cls(**values)


@dataclass(frozen=True)
class Problem:
    """The data a playground trains on, what kind of task it is, and how it was read."""

    split: Split
    task: str  # "regression" or "classification"
    n_classes: int  # 0 for regression
    true_function: Callable | None  # the noise-free truth, when the data set has one
    user_data: bool
    noise: float | None = None  # the noise's standard deviation, when generated
    note: str = ""  # how y was read, for a learner's own data

    @property
    def n_features(self) -> int:
        return self.split.X_train.shape[1]

    @property
    def n_train(self) -> int:
        return len(self.split.y_train)

    @property
    def n_val(self) -> int:
        return len(self.split.y_val)


def _of_type(name: str, value, cls: type, what: str):
    """``value`` if it is a ``cls``, else a TypeError naming ``name``, the value and ``what`` is allowed.

    One check for the playground's records (settings, problem, outcome): passed the wrong thing,
    they would fail later with an AttributeError about a field the learner never named.
    """
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be {what}, got {value!r:.60} ({type(value).__name__})")
    return value


def _as_settings(settings, name: str = "settings") -> Settings:
    """A :class:`Settings`, from one or from a dict such as a panel's ``state()``."""
    if isinstance(settings, dict):
        return Settings.from_dict({k: v for k, v in settings.items() if k != "log_scale"})
    return _of_type(name, settings, Settings, "a Settings(...) or a dict of settings")


def _as_problem(problem, name: str = "problem"):
    return _of_type(name, problem, Problem, "a Problem, from make_problem(settings)")


def check_data(X, y) -> tuple[np.ndarray, np.ndarray, str, int]:
    """Validate a learner's own data; return (X, y, task, n_classes) or raise saying what is wrong.

    X (n, 1) is a curve to fit, X (n, 2) a plane to classify. Integer (or bool) y with
    2 features are class labels 0..C-1, C at most :data:`MAX_CLASSES`; float y with 1
    feature are numbers to fit, and so are integer y with 1 feature (the playground
    classifies only points in a plane). :func:`describe_data` says which reading was made.
    """
    X = as_2d_float("X", X)
    if X.shape[1] not in (1, 2):
        raise ValueError(f"X must have 1 or 2 features (columns) so the playground can draw it: 1 for a "
                         f"curve to fit, 2 for points to classify; got {X.shape[1]}")
    y = _as_labels_or_values(y)
    n = check_same_length(X=X, y=y)
    if n < MIN_SAMPLES:
        raise ValueError(f"too few samples for a 70/20/10 split: got {n}, need at least {MIN_SAMPLES}")
    if np.issubdtype(y.dtype, np.integer) and X.shape[1] == 2:
        classes = np.unique(y)
        if classes[0] < 0 or len(classes) < 2:
            raise ValueError(f"class labels y must be integers 0..C-1 with at least 2 classes, "
                             f"got {classes.tolist()[:10]}")
        if classes[-1] + 1 > MAX_CLASSES:
            raise ValueError(f"y holds {len(classes)} integer values up to {classes[-1]}, read as "
                             f"{classes[-1] + 1} classes; the playground draws at most {MAX_CLASSES}. "
                             "Relabel them 0..C-1 with fewer classes, or fit numbers: pass float y "
                             "with X of 1 feature")
        return X, y.astype(np.int64), "classification", int(classes[-1]) + 1
    if X.shape[1] != 1:
        raise ValueError(f"float y are numbers to fit, which need X with 1 feature, got X with "
                         f"{X.shape[1]}; for classes pass integer labels 0..C-1 (y.astype(int))")
    return X, y.astype(np.float64), "regression", 0


def describe_data(y, task: str, n_classes: int) -> str:
    """One line on how :func:`check_data` read ``y``, e.g. ``"y: 21 integer values, read as numbers..."``."""
    task = check_choice("task", task, ("classification", "regression"))
    n_classes = check_int("n_classes", n_classes, min_value=2 if task == "classification" else 0,
                          max_value=MAX_CLASSES)
    if task == "regression" and n_classes != 0:
        raise ValueError(f"n_classes must be 0 for task='regression', got {n_classes}")
    values = np.unique(_as_labels_or_values(y))
    if values.size == 0:
        raise ValueError("y must hold at least one value, got none")
    if task == "classification":
        return (f"y: {len(values)} integer values, read as {n_classes} classes (labels 0..{n_classes - 1}); "
                "float y with 1 feature would be numbers to fit.")
    if np.all(values == np.round(values)) and len(values) <= 50:
        return (f"y: {len(values)} whole-number values, read as numbers to fit (regression): class "
                "labels need X with 2 features.")
    return "y: numbers, read as values to fit (regression)."


def _as_labels_or_values(y) -> np.ndarray:
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one target per sample), got shape {y.shape}")
    if y.dtype == bool:
        return y.astype(np.int64)
    if not np.issubdtype(y.dtype, np.number):
        raise TypeError(f"y must be numeric, got dtype {y.dtype}; encode class names as integers 0..C-1 "
                        "(e.g. sklearn.preprocessing.LabelEncoder)")
    if np.issubdtype(y.dtype, np.floating) and not np.isfinite(y).all():
        raise ValueError(f"y contains NaN or Inf in {int((~np.isfinite(y)).sum())} place(s)")
    return y  # floats are regression targets, even whole numbers: labels need an integer dtype


def _checked_data(data) -> tuple[np.ndarray, np.ndarray, str, int]:
    """:func:`check_data` on ``data=(X, y)``; its messages say they are about ``data``."""
    if isinstance(data, (str, bytes, dict)) or not hasattr(data, "__len__") or len(data) != 2:
        raise TypeError(f"data must be a pair (X, y), got {data!r:.60} ({type(data).__name__})")
    try:
        return check_data(*data)
    except (TypeError, ValueError) as error:
        raise type(error)(f"data=(X, y): {error}") from None


def make_problem(settings, data=None) -> Problem:
    """The data for a run: ``n_train`` generated points and fixed pools, or the learner's rows split 70/20/10.

    ``settings`` is a :class:`labkit.generalization.playground.Settings`. The pools come
    from their own random streams (``np.random.default_rng([random_state, 1])`` and ``[..., 2]``),
    so the validation points stay the same when ``n_train`` changes.
    """
    settings = _as_settings(settings)
    if data is not None:
        X, y, task, n_classes = _checked_data(data)
        split = train_val_test_split(X, y, random_state=settings.random_state)
        return Problem(split, task, n_classes, None, user_data=True, note=describe_data(y, task, n_classes))
    name, noise, seed = settings.dataset, settings.noise, settings.random_state
    task = task_of(name)
    truth = None
    if task == "regression":
        X, y, truth = make_dataset(name, settings.n_train, noise=noise, random_state=seed,
                                   return_function=True)
    else:
        X, y = make_dataset(name, settings.n_train, noise=noise, random_state=seed)
    parts = [(X, y)] + [make_dataset(name, n, noise=noise, random_state=np.random.default_rng([seed, stream]))
                        for n, stream in ((VAL_POOL, 1), (TEST_POOL, 2))]
    split = Split(*parts[0], *parts[1], *parts[2])
    n_classes = int(max(p[1].max() for p in parts)) + 1 if task == "classification" else 0
    return Problem(split, task, n_classes, truth, user_data=False, noise=float(noise))


def excess_error(model, problem: Problem) -> float | None:
    """Mean squared distance between the model and the true function over the validation inputs.

    The expected MSE on new data is ``noise**2 + excess_error`` (the noise is independent of
    x), measured without any noise in the measurement. None when the truth is unknown.
    """
    if _as_problem(problem).true_function is None:
        return None
    X = problem.split.X_val  # (n_val, 1)
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.mean((predict(model, X)[:, 0] - problem.true_function(X[:, 0])) ** 2))
