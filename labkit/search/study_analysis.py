"""Reading a finished study: counts by state, the trials as a table, stale trials, importances.

The counts are how tests/test_studies.py shows that two workers on one storage lose and
repeat no trial; the importances' spread over seeds is Lab 08's answer to "Optuna gives
different importances each time" (a random forest is fitted behind them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import optuna

from labkit.arguments import check_choice, check_int
from labkit.search.studies import quiet

__all__ = ["TrialCount", "count_trials", "trials_table", "fail_stale", "ImportanceSpread",
           "importance_spread", "IMPORTANCE_EVALUATORS"]


@dataclass(frozen=True)
class TrialCount:
    """How many trials a study holds per state, and whether numbers or configurations repeat."""

    states: dict
    numbers: tuple
    duplicated_numbers: int
    duplicated_params: int

    @property
    def complete(self) -> int:
        return self.states.get("COMPLETE", 0)

    def holds(self, expected_complete: int) -> bool:
        """True if exactly ``expected_complete`` trials finished and nothing repeats."""
        repeats = self.duplicated_numbers + self.duplicated_params
        return self.complete == expected_complete and repeats == 0

    def __str__(self) -> str:
        states = ", ".join(f"{n} {s.lower()}" for s, n in sorted(self.states.items())) or "no trials"
        return (f"{len(self.numbers)} trials ({states}); trial numbers repeated: {self.duplicated_numbers}, "
                f"configurations repeated: {self.duplicated_params}")


def count_trials(study) -> TrialCount:
    """Count a study's trials by state and look for repeated trial numbers or parameter sets."""
    trials = study.get_trials(deepcopy=False)
    states = {}
    for t in trials:
        states[t.state.name] = states.get(t.state.name, 0) + 1
    numbers = tuple(t.number for t in trials)
    params = [tuple(sorted(t.params.items())) for t in trials if t.params]
    return TrialCount(states=states, numbers=numbers, duplicated_numbers=len(numbers) - len(set(numbers)),
                      duplicated_params=len(params) - len(set(params)))


def trials_table(study):
    """The trials as a pandas DataFrame: number, state, value, duration (s), a column per parameter."""
    table = study.trials_dataframe(attrs=("number", "state", "value", "duration", "params"))
    if "duration" in table:
        table["duration"] = table["duration"].dt.total_seconds()
    return table.rename(columns=lambda c: c.removeprefix("params_"))


def fail_stale(study) -> list[int]:
    """Mark FAIL every RUNNING trial whose heartbeat is older than the storage's grace period.

    What a new worker does on its own when it starts; returns the numbers of the trials it
    failed. Needs a storage made with ``heartbeat=`` (:func:`make_storage`); else changes nothing.
    """
    running = {t.number for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))}
    with quiet():
        optuna.storages.fail_stale_trials(study)
    now = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.FAIL,))
    return sorted(t.number for t in now if t.number in running)


@dataclass(frozen=True)
class ImportanceSpread:
    """Parameter importances from one evaluator run with several seeds: ``values`` (n_seeds, n_params)."""

    names: tuple
    seeds: tuple
    values: np.ndarray
    evaluator: str

    @property
    def mean(self) -> np.ndarray:
        return self.values.mean(axis=0)

    @property
    def low(self) -> np.ndarray:
        return self.values.min(axis=0)

    @property
    def high(self) -> np.ndarray:
        return self.values.max(axis=0)

    def __str__(self) -> str:
        lines = [f"{self.evaluator} importances over {len(self.seeds)} seeds (normalized to sum 1):"]
        for i, name in enumerate(self.names):
            lines.append(f"  {name:<16} mean {self.mean[i]:.3f}   range {self.low[i]:.3f} "
                         f"to {self.high[i]:.3f}")
        return "\n".join(lines)


IMPORTANCE_EVALUATORS = ("mdi", "fanova")


def importance_spread(study, seeds=(0, 1, 2, 3, 4), *, evaluator="mdi") -> ImportanceSpread:
    """Each parameter's importance computed once per evaluator seed, to show how much it moves.

    Optuna's importances fit a random forest to the finished trials (fANOVA: Hutter et al. 2014;
    "mdi": mean decrease in impurity); the forest is random, so the numbers change from call
    to call (reported by Optuna's users). "mdi" costs about 0.3 s a seed for 30 trials; fANOVA,
    Optuna's default, about 5 s. Needs at least 2 finished trials; raises ValueError.
    """
    seeds = tuple(check_int("seeds", s, min_value=0) for s in seeds)
    if not seeds:
        raise ValueError("seeds must name at least one seed, got ()")
    kind = check_choice("evaluator", evaluator, IMPORTANCE_EVALUATORS)
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(complete) < 2:
        raise ValueError(f"study must hold at least 2 complete trials for importances, has {len(complete)}")
    names = tuple(complete[0].params)
    rows = []
    make = (optuna.importance.FanovaImportanceEvaluator if kind == "fanova"
            else optuna.importance.MeanDecreaseImpurityImportanceEvaluator)
    for seed in seeds:
        got = optuna.importance.get_param_importances(study, evaluator=make(seed=seed), params=list(names))
        rows.append([got[name] for name in names])
    return ImportanceSpread(names=names, seeds=seeds, values=np.array(rows), evaluator=kind)
