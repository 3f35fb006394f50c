"""Searches into the experiment logbook: every trial one entry, linked to where it came from.

Hincapie-Potes asks for every experiment to be tracked (id, git hash, data version,
hyperparameters, metrics); a search makes dozens of experiments at once, so each of its
trials becomes one :class:`labkit.logbook.Entry`:

- :class:`LogbookCallback`: an Optuna callback (``study.optimize(..., callbacks=[...])``, or
  ``run_study(..., logbook=book)``) that records each finished trial, pruned and failed ones
  included, with its study name and trial number, so an entry leads back to the trial
  (``optuna.load_study(...).trials[number]``) and the trial's number to the entry;
- :func:`log_search`: the same for a :class:`~labkit.search.strategies.SearchLog` of the
  lab's own strategies (``run_search(..., logbook=book)``).
"""

from __future__ import annotations

import math

from labkit.logbook import Entry, Logbook, check_logbook

__all__ = ["LogbookCallback", "log_search", "trial_config"]


def _number(value) -> float:
    return float("nan") if value is None else float(value)


def trial_config(study, trial) -> dict:
    """The logbook configuration of Optuna ``trial`` in ``study``: its parameters and where it lives."""
    return {"params": dict(trial.params), "optuna": {
        "study": study.study_name, "trial": int(trial.number),
        "sampler": type(study.sampler).__name__, "pruner": type(study.pruner).__name__}}


class LogbookCallback:
    """Optuna callback: record every finished trial in ``logbook`` (kind "trial").

    Metrics: ``value`` (a pruned trial's is its last reported value, as Optuna keeps it; NaN
    for a failed one), ``state`` ("COMPLETE", "PRUNED",
    "FAIL"), ``seconds``; curves: ``intermediate``, the values the trial reported, in step
    order (where a pruner judged it). ``entries`` lists what this callback wrote, in order.
    Raises TypeError if ``logbook`` is not a :class:`~labkit.logbook.Logbook`.
    """

    def __init__(self, logbook: Logbook, *, note: str = ""):
        self.logbook = check_logbook("logbook", logbook)
        if not isinstance(note, str):
            raise TypeError(f"note must be a str, got {type(note).__name__}")
        self.note = note
        self.entries: list[Entry] = []

    def __call__(self, study, trial) -> None:
        seconds = trial.duration.total_seconds() if trial.duration is not None else float("nan")
        steps = sorted(trial.intermediate_values)
        metrics = {"value": _number(trial.value), "state": trial.state.name, "seconds": seconds}
        if steps:
            metrics["last_step"] = int(steps[-1])
        curves = {"intermediate": [trial.intermediate_values[s] for s in steps]} if steps else {}
        self.entries.append(self.logbook.record("trial", trial_config(study, trial), metrics=metrics,
                                                curves=curves, note=self.note))


def log_search(logbook: Logbook, log, *, strategy: str, objective=None, note: str = "") -> list[Entry]:
    """Record each trial of ``log`` (a SearchLog) in ``logbook`` as one entry of kind "search".

    Each entry's configuration holds the trial's hyperparameters, its epochs, the strategy and
    its place in the search (``trial``); metrics hold ``val_error`` (validation MSE) and the
    best so far. ``objective`` (an :class:`~labkit.search.objective.Objective`), if given, adds
    its fixed settings and data fingerprint, so the entry says what was searched on.
    Returns the entries, in trial order.
    """
    check_logbook("logbook", logbook)
    if not hasattr(log, "configs") or not hasattr(log, "errors"):
        raise TypeError(f"log must be a SearchLog (from run_search), got {type(log).__name__}")
    if not isinstance(strategy, str) or not strategy:
        raise TypeError(f"strategy must be the strategy's name, a non-empty str, got {strategy!r}")
    fixed, data = (_objective_settings(objective) if objective is not None else ({}, None))
    best, entries = math.inf, []
    for i, (config, epochs, error) in enumerate(zip(log.configs, log.epochs, log.errors, strict=True)):
        best = min(best, error)
        settings = {"hyperparameters": {k: float(v) for k, v in config.items()}, "epochs": int(epochs),
                    "strategy": strategy, "trial": i, **fixed}
        entries.append(logbook.record("search", settings, metrics={"val_error": float(error),
                                      "best_so_far": float(best)}, note=note, data=data))
    return entries


def _objective_settings(objective) -> tuple[dict, dict]:
    if not hasattr(objective, "defaults") or not hasattr(objective, "train"):
        raise TypeError(f"objective must be a labkit.search.Objective, got {type(objective).__name__}")
    fixed = {"objective": {"width": objective.width, "depth": objective.depth,
                           "activation": objective.activation, "optimizer": objective.optimizer,
                           "seeds": list(objective.seeds), "defaults": dict(objective.defaults)}}
    return fixed, (*objective.train, *objective.val)
