"""The playground's settings and how they become data, a model and a training run.

No widgets and no plots here: :mod:`labkit.panels.playground` puts controls on these
settings. Keeping this part plain means a test (or a learner) can reproduce any
panel state with ordinary calls, and :func:`settings_code` prints exactly those.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from labkit.arguments import as_2d_float, check_choice, check_float, check_int, check_same_length
from labkit.data import DATASETS, make_dataset, task_of
from labkit.generalization.diagnosis import Diagnosis, diagnose
from labkit.history import History
from labkit.models import ACTIVATIONS, MLP
from labkit.optim import OPTIMIZERS
from labkit.runtime import seeded
from labkit.splits import Split, train_val_test_split
from labkit.train import FitOptions, evaluate, iter_fit

__all__ = ["Settings", "Problem", "Run", "Outcome", "make_problem", "check_data", "build_model",
           "fit_options", "goal_error", "errors", "iter_run", "run_settings", "settings_code",
           "TRAIN_FRACTION"]

TRAIN_FRACTION = 0.7  # the 70/20/10 split of the source material
MIN_SAMPLES = 10  # below this the 70/20/10 split leaves a part empty or a single point


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
    """The data a playground trains on, split 70/20/10, and what kind of task it is."""

    split: Split
    task: str  # "regression" or "classification"
    n_classes: int  # 0 for regression
    true_function: Callable | None  # the noise-free truth, when the data set has one
    user_data: bool

    @property
    def n_features(self) -> int:
        return self.split.X_train.shape[1]


def check_data(X, y) -> tuple[np.ndarray, np.ndarray, str, int]:
    """Validate a learner's own data; return (X, y, task, n_classes) or raise saying what is wrong.

    X: 1 feature (a curve to fit) or 2 features (a plane to classify). y: numbers;
    integer labels 0..C-1 mean classification, floats mean regression.
    """
    X = as_2d_float("X", X)
    if X.shape[1] not in (1, 2):
        raise ValueError(f"X must have 1 or 2 features (columns) so the playground can draw it, "
                         f"got {X.shape[1]}")
    y = _as_labels_or_values(y)
    n = check_same_length(X=X, y=y)
    if n < MIN_SAMPLES:
        raise ValueError(f"too few samples for a 70/20/10 split: got {n}, need at least {MIN_SAMPLES}")
    if np.issubdtype(y.dtype, np.integer):
        classes = np.unique(y)
        if classes[0] < 0 or len(classes) < 2:
            raise ValueError(f"class labels y must be integers 0..C-1 with at least 2 classes, "
                             f"got {classes.tolist()[:10]}")
        return X, y.astype(np.int64), "classification", int(classes.max()) + 1
    if X.shape[1] != 1:
        raise ValueError("regression targets (float y) need X with 1 feature; for classes use integer labels")
    return X, y.astype(np.float64), "regression", 0


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


def n_samples_for(settings: Settings) -> int:
    """Total rows to generate so that the 70% training part has about ``n_train`` rows."""
    return int(round(settings.n_train / TRAIN_FRACTION))


def make_problem(settings: Settings, data=None) -> Problem:
    """Generate (or take) the data and split it 70/20/10 with the settings' seed."""
    if data is not None:
        X, y, task, n_classes = check_data(*data)
        truth = None
    else:
        task = task_of(settings.dataset)
        if task == "regression":
            X, y, truth = make_dataset(settings.dataset, n_samples_for(settings), noise=settings.noise,
                                       random_state=settings.random_state, return_function=True)
        else:
            X, y = make_dataset(settings.dataset, n_samples_for(settings), noise=settings.noise,
                                random_state=settings.random_state)
            truth = None
        n_classes = int(y.max()) + 1 if task == "classification" else 0
    split = train_val_test_split(X, y, random_state=settings.random_state)
    return Problem(split, task, n_classes, truth, user_data=data is not None)


def build_model(settings: Settings, problem: Problem) -> MLP:
    """The network the settings describe, initialised from ``settings.random_state`` (global state kept)."""
    n_out = problem.n_classes if problem.task == "classification" else 1
    with seeded(settings.random_state):
        return MLP(problem.n_features, n_out, width=settings.width, depth=settings.depth,
                   activation=settings.activation, dropout=settings.dropout)


def fit_options(settings: Settings) -> dict:
    """Keyword arguments for :func:`labkit.train.fit` and :class:`labkit.train.FitOptions`."""
    return {"epochs": settings.epochs, "optimizer": settings.optimizer, "lr": settings.lr,
            "weight_decay": settings.weight_decay,
            "batch_size": settings.batch_size, "random_state": settings.random_state}


def goal_error(settings: Settings, problem: Problem) -> float:
    """The error a good model should reach: for regression the noise's own MSE plus a margin.

    A perfect model of noisy data still has a validation MSE of noise**2 (the noise
    is unpredictable), so asking for less would call every model "underfitting".
    For classification the goal is an error rate of 10%, a rough bar for these toys.
    """
    if problem.task == "classification":
        return 0.10
    noise = settings.noise if not problem.user_data else float(np.std(problem.split.y_train)) * 0.3
    return 1.25 * noise**2 + 0.005


def errors(model, problem: Problem) -> tuple[float, float]:
    """Training and validation error in the goal's units: MSE, or the error rate for classes."""
    train = evaluate(model, problem.split.train, task=problem.task)
    val = evaluate(model, problem.split.val, task=problem.task)
    if problem.task == "regression":
        return train[0], val[0]
    return 1.0 - train[1], 1.0 - val[1]


@dataclass(frozen=True)
class Outcome:
    """A finished playground run: what trained, how, and what :func:`diagnose` made of it."""

    settings: Settings
    problem: Problem
    model: MLP
    history: History
    diagnosis: Diagnosis | None  # None when the run diverged: its errors mean nothing


@dataclass
class Run:
    """A playground run in progress, as :func:`iter_run` yields it (the same object, updated).

    ``history`` is None until the first epoch ends; ``outcome`` is None until the run ends.
    ``goal`` is the error the diagnosis measures against (the given one, else :func:`goal_error`).
    """

    settings: Settings
    problem: Problem
    model: MLP
    goal: float
    history: History | None = None
    outcome: Outcome | None = None


def _as_settings(settings) -> Settings:
    if isinstance(settings, dict):
        return Settings.from_dict({k: v for k, v in settings.items() if k != "log_scale"})
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a Settings or a dict of settings, got {type(settings).__name__}")
    return settings


def iter_run(settings, data=None, *, goal: float | None = None) -> Iterator[Run]:
    """The playground's run, once: data, split, model, training, diagnosis, as a generator.

    Yields the :class:`Run` after setting up (``history`` None), after every epoch, and
    once more at the end with ``outcome`` set. The panel draws between yields; an exercise
    or a test calls :func:`run_settings`, which drains this same generator, so both always
    agree. Arguments are checked before the first yield.
    """
    settings = _as_settings(settings)
    if goal is not None:
        goal = check_float("goal", goal, min_value=0.0)
    problem = make_problem(settings, data)
    model = build_model(settings, problem)
    run = Run(settings, problem, model, goal if goal is not None else goal_error(settings, problem))
    epochs = iter_fit(model, problem.split.train, problem.split.val,
                      FitOptions(task=problem.task, **fit_options(settings)))
    return _running(run, epochs)


def _running(run: Run, epochs: Iterator[History]) -> Iterator[Run]:
    yield run
    for run.history in epochs:  # noqa: B007 (the same History, updated in place)
        yield run
    diagnosis = None
    if run.history.stop_reason != "diverged":
        train_error, val_error = errors(run.model, run.problem)
        diagnosis = diagnose(train_error, val_error, goal_error=run.goal)
    run.outcome = Outcome(run.settings, run.problem, run.model, run.history, diagnosis)
    yield run


def run_settings(settings, data=None, *, goal: float | None = None) -> Outcome:
    """Train once with ``settings`` (a :class:`Settings` or a panel's ``state()`` dict), no widgets.

    It drains :func:`iter_run`, the generator the playground panel draws from, so an
    exercise can check a learner's panel state by re-running it and get the same run.
    """
    for run in iter_run(settings, data, goal=goal):  # noqa: B007 (the last yield holds the outcome)
        pass
    return run.outcome


def settings_code(settings: Settings, *, user_data: bool = False) -> str:
    """Plain labkit calls that reproduce a playground run with these settings."""
    s = settings
    if user_data:
        data_lines = ["X, y = ...  # your data, as given to Playground(data=(X, y))"]
        model_in = "X.shape[1] if X.ndim == 2 else 1"
        n_out = "1  # regression; for classes: the number of classes"
    else:
        n_samples = n_samples_for(s)
        data_lines = [f"X, y = make_dataset({s.dataset!r}, {n_samples}, noise={s.noise!r}, "
                      f"random_state={s.random_state})"]
        model_in = "X.shape[1]"
        n_out = "1" if task_of(s.dataset) == "regression" else "int(y.max()) + 1"
    return "\n".join([
        "from labkit.data import make_dataset",
        "from labkit.models import MLP",
        "from labkit.runtime import seeded",
        "from labkit.splits import train_val_test_split",
        "from labkit.train import fit",
        "",
        *data_lines,
        f"split = train_val_test_split(X, y, random_state={s.random_state})  # 70/20/10",
        f"with seeded({s.random_state}):  # the same initial weights every time",
        f"    model = MLP({model_in}, {n_out}, width={s.width}, depth={s.depth}, "
        f"activation={s.activation!r}, dropout={s.dropout!r})",
        f"history = fit(model, split.train, split.val, epochs={s.epochs}, optimizer={s.optimizer!r}, "
        f"lr={s.lr!r}, weight_decay={s.weight_decay!r}, batch_size={s.batch_size!r}, "
        f"random_state={s.random_state})",
        "print(history)",
    ])
