"""The playground's settings and how they become data, a model and a training run.

No widgets and no plots here: :mod:`labkit.panels.playground` puts controls on these
settings. Keeping this part plain means a test (or a learner) can reproduce any
panel state with ordinary calls, and :func:`settings_code` prints exactly those.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from labkit.arguments import check_bool, check_float
from labkit.data import task_of
from labkit.generalization.diagnosis import Diagnosis, diagnose
from labkit.generalization.problem import (
    TEST_POOL,
    TRAIN_FRACTION,
    VAL_POOL,
    Problem,
    Settings,
    _as_problem,
    _as_settings,
    _of_type,
    check_data,
    excess_error,
    make_problem,
)
from labkit.history import History
from labkit.logbook import Entry, Logbook, check_logbook
from labkit.models import MLP
from labkit.runtime import seeded
from labkit.train import FitOptions, evaluate, iter_fit

__all__ = ["Settings", "Problem", "Run", "Outcome", "make_problem", "check_data", "build_model",
           "fit_options", "goal_error", "errors", "judged_errors", "readout", "sizes_text", "iter_run",
           "run_settings", "record_outcome", "settings_code", "TRAIN_FRACTION", "VAL_POOL"]


def build_model(settings: Settings, problem: Problem) -> MLP:
    """The network the settings describe, initialised from ``settings.random_state`` (global state kept)."""
    settings, problem = _as_settings(settings), _as_problem(problem)
    n_out = problem.n_classes if problem.task == "classification" else 1
    with seeded(settings.random_state):
        return MLP(problem.n_features, n_out, width=settings.width, depth=settings.depth,
                   activation=settings.activation, dropout=settings.dropout)


def fit_options(settings: Settings) -> dict:
    """Keyword arguments for :func:`labkit.train.fit` and :class:`labkit.train.FitOptions`."""
    settings = _as_settings(settings)
    return {"epochs": settings.epochs, "optimizer": settings.optimizer, "lr": settings.lr,
            "weight_decay": settings.weight_decay,
            "batch_size": settings.batch_size, "random_state": settings.random_state}


def goal_error(settings: Settings, problem: Problem) -> float:
    """The error a good model should reach: for regression the noise's own MSE plus a margin.

    A perfect model of noisy data still has a validation MSE of noise**2 (the noise
    is unpredictable), so asking for less would call every model "underfitting".
    For classification the goal is an error rate of 10%, a rough bar for these toys.
    """
    _as_settings(settings)  # unused today, but a wrong argument should not pass unnoticed
    problem = _as_problem(problem)
    if problem.task == "classification":
        return 0.10
    noise = problem.noise if problem.noise is not None else float(np.std(problem.split.y_train)) * 0.3
    return 1.25 * noise**2 + 0.005


def errors(model, problem: Problem) -> tuple[float, float]:
    """Training and validation error in the goal's units: MSE, or the error rate for classes.

    Both are measured in eval mode (dropout off) after training, unlike the training
    curve of a :class:`labkit.history.History`, which averages the loss over each epoch in
    training mode while the weights still move.
    """
    problem = _as_problem(problem)
    train = evaluate(model, problem.split.train, task=problem.task)
    val = evaluate(model, problem.split.val, task=problem.task)
    if problem.task == "regression":
        return train[0], val[0]
    return 1.0 - train[1], 1.0 - val[1]


def judged_errors(model, problem: Problem) -> tuple[float, float, float | None]:
    """(training error, validation error the verdict uses, excess over the noise floor or None).

    Where the true function is known (generated regression data), the validation error
    the verdict uses is the expected MSE on new data, ``noise**2 + excess`` with
    :func:`labkit.generalization.problem.excess_error`: it has no sampling noise, so it
    cannot fall below the noise floor by luck. Elsewhere it is the measured validation error.
    """
    problem = _as_problem(problem)
    train, val = errors(model, problem)
    excess = excess_error(model, problem)
    if excess is not None and problem.noise is not None:
        val = problem.noise**2 + excess
    return train, val, excess


@dataclass(frozen=True)
class Outcome:
    """A finished playground run: what trained, how, and what :func:`diagnose` made of it."""

    settings: Settings
    problem: Problem
    model: MLP
    history: History
    diagnosis: Diagnosis | None  # None when the run diverged: its errors mean nothing
    excess: float | None = None  # MSE between the model and the truth on the validation inputs

    @property
    def readout(self) -> str:
        """One line on what the verdict was judged on: sizes, and the noise floor where it is known."""
        return readout(self)


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
    diagnosis = excess = None
    if run.history.stop_reason != "diverged":
        train_error, val_error, excess = judged_errors(run.model, run.problem)
        diagnosis = diagnose(train_error, val_error, goal_error=run.goal)
    run.outcome = Outcome(run.settings, run.problem, run.model, run.history, diagnosis, excess)
    yield run


def sizes_text(problem: Problem) -> str:
    """``"n_train 40, n_val 300"``, with where the validation points come from."""
    problem = _as_problem(problem)
    if problem.user_data:
        return (f"n_train {problem.n_train}, n_val {problem.n_val} "
                f"(your {problem.n_train + problem.n_val + len(problem.split.y_test)} rows, split 70/20/10)")
    return f"n_train {problem.n_train}, n_val {problem.n_val} (a fixed pool of fresh points)"


def readout(outcome: Outcome) -> str:
    """What the verdict of ``outcome`` was judged on, in one line (the panel shows it below the plots)."""
    outcome = _of_type("outcome", outcome, Outcome, "an Outcome, from run_settings(settings)")
    problem, d = outcome.problem, outcome.diagnosis
    parts = [sizes_text(problem) + "."]
    if problem.note:
        parts.append(problem.note)
    if d is not None and outcome.excess is not None and problem.noise is not None:
        floor = problem.noise**2
        measured = errors(outcome.model, problem)[1]
        parts.append(f"Validation error from the true function: noise floor {floor:.3g} + excess "
                     f"{outcome.excess:.3g} = {d.val_error:.3g} (measured on the pool: {measured:.3g}); "
                     f"goal {d.goal_error:.3g}.")
    if d is not None:
        parts.append(f"Training error {d.train_error:.3g} is measured after training, in eval mode "
                     "(dropout off); the training curve averages each epoch in training mode.")
    return " ".join(parts)


def run_settings(settings, data=None, *, goal: float | None = None, logbook: Logbook | None = None,
                 note: str = "") -> Outcome:
    """Train once with ``settings`` (a :class:`Settings` or a panel's ``state()`` dict), no widgets.

    It drains :func:`iter_run`, the generator the playground panel draws from, so an
    exercise can check a learner's panel state by re-running it and get the same run.
    ``logbook``, if given, gets the run as one entry (:func:`record_outcome`, with ``note``).
    """
    check_logbook("logbook", logbook, optional=True)
    for run in iter_run(settings, data, goal=goal):  # noqa: B007 (the last yield holds the outcome)
        pass
    if logbook is not None:
        record_outcome(logbook, run.outcome, note=note)
    return run.outcome


def record_outcome(logbook: Logbook, outcome: Outcome, *, note: str = "") -> Entry:
    """Write a finished playground run to ``logbook`` as one entry of kind "playground".

    The configuration is the run's :class:`Settings` as a dict, so
    ``run_settings(entry.config)`` trains the same run again (generated data; your own data
    is fingerprinted, not stored). Metrics: the errors the verdict was judged on, the goal, the
    regime and the stop reason; curves: the per-epoch losses (and accuracies). Raises
    TypeError if ``logbook`` or ``outcome`` is of the wrong kind.
    """
    check_logbook("logbook", logbook)
    outcome = _of_type("outcome", outcome, Outcome, "an Outcome, from run_settings(settings)")
    settings, problem, history, d = outcome.settings, outcome.problem, outcome.history, outcome.diagnosis
    metrics = {"stop_reason": history.stop_reason, "epochs_run": history.epochs_run,
               "regime": d.regime if d is not None else "diverged"}
    if d is not None:
        metrics |= {"train_error": d.train_error, "val_error": d.val_error, "goal_error": d.goal_error}
    if outcome.excess is not None:
        metrics["excess"] = outcome.excess
    curves = {name: list(getattr(history, name)) for name in ("train_loss", "val_loss", "train_metric",
                                                               "val_metric") if getattr(history, name)}
    split = problem.split
    data = ((split.X_train, split.y_train, split.X_val, split.y_val) if problem.user_data else
            {"name": settings.dataset, "n_train": settings.n_train, "noise": settings.noise,
             "random_state": settings.random_state})
    return logbook.record("playground", settings.as_dict(), metrics=metrics, curves=curves, note=note,
                          data=data, random_state=settings.random_state)


def settings_code(settings: Settings, *, user_data: bool = False) -> str:
    """Plain labkit calls that reproduce a playground run with these settings."""
    s, user_data = _as_settings(settings), check_bool("user_data", user_data)
    if user_data:
        imports = []
        data_lines = ["X, y = ...  # your data, as given to Playground(data=(X, y))",
                      f"split = train_val_test_split(X, y, random_state={s.random_state})  # 70/20/10",
                      "n_outputs = 1  # for a curve; for classes: the number of classes, int(y.max()) + 1"]
    else:
        def pool(n, stream):
            return (f"make_dataset({s.dataset!r}, {n}, noise={s.noise!r}, "
                    f"random_state=np.random.default_rng([{s.random_state}, {stream}]))")
        imports = ["import numpy as np", "", "from labkit.data import make_dataset"]
        n_out = "1" if task_of(s.dataset) == "regression" else "int(max(y.max(), y_val.max())) + 1"
        data_lines = [f"X, y = make_dataset({s.dataset!r}, {s.n_train}, noise={s.noise!r}, "
                      f"random_state={s.random_state})",
                      f"X_val, y_val = {pool(VAL_POOL, 1)}  # a fixed validation pool",
                      f"X_test, y_test = {pool(TEST_POOL, 2)}",
                      "split = Split(X, y, X_val, y_val, X_test, y_test)",
                      f"n_outputs = {n_out}"]
    return "\n".join([
        *imports,
        "from labkit.models import MLP",
        "from labkit.runtime import seeded",
        "from labkit.splits import " + ("train_val_test_split" if user_data else "Split"),
        "from labkit.train import fit",
        "",
        *data_lines,
        f"with seeded({s.random_state}):  # the same initial weights every time",
        f"    model = MLP(split.X_train.shape[1], n_outputs, width={s.width}, depth={s.depth}, "
        f"activation={s.activation!r}, dropout={s.dropout!r})",
        f"history = fit(model, split.train, split.val, epochs={s.epochs}, optimizer={s.optimizer!r}, "
        f"lr={s.lr!r}, weight_decay={s.weight_decay!r}, batch_size={s.batch_size!r}, "
        f"random_state={s.random_state})",
        "print(history)",
    ])
