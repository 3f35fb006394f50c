"""Searches into the logbook: each Optuna trial and each trial of the lab's strategies is one entry."""

from __future__ import annotations

import math

import optuna
import pytest

from labkit.logbook import Logbook
from labkit.search.objective import Objective
from labkit.search.strategies import run_search
from labkit.search.studies import BOWL_SPACE, bowl, run_study
from labkit.search.tracking import LogbookCallback, log_search


@pytest.fixture
def book(tmp_path):
    book = Logbook(tmp_path / "runs.db")
    yield book
    book.close()


def test_every_optuna_trial_becomes_an_entry_that_leads_back_to_it(book, tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = run_study(bowl, space=BOWL_SPACE, n_trials=12, pruner="median", random_state=0,
                      storage=storage, study_name="lab08", logbook=book)
    entries = book.entries("trial")
    assert len(entries) == len(study.trials) == 12
    reloaded = optuna.load_study(study_name="lab08", storage=storage)
    for entry in entries:
        trial = reloaded.trials[entry.config["optuna"]["trial"]]
        assert entry.config["optuna"]["study"] == "lab08"
        assert entry.config["params"] == trial.params
        assert entry.metrics["state"] == trial.state.name
        assert entry.curves.get("intermediate", []) == [trial.intermediate_values[s]
                                                         for s in sorted(trial.intermediate_values)]
        assert entry.metrics["value"] == trial.value  # a pruned trial's: its last reported value
    assert {e.metrics["state"] for e in entries} == {"COMPLETE", "PRUNED"}  # pruned trials are kept too
    table = book.table("trial")
    assert list(table["params.lr"]) == [t.params["lr"] for t in study.trials]


def test_the_callback_records_failed_trials_and_says_what_it_wrote(book):
    callback = LogbookCallback(book, note="first sweep")

    def sometimes_fails(trial):
        lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
        if trial.number == 1:
            raise FloatingPointError("diverged")
        return lr

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(sometimes_fails, n_trials=3, callbacks=[callback], catch=(FloatingPointError,))
    assert [e.metrics["state"] for e in callback.entries] == ["COMPLETE", "FAIL", "COMPLETE"]
    assert math.isnan(callback.entries[1].metrics["value"]) and callback.entries[2].metrics["value"] > 0
    assert [e.id for e in callback.entries] == [e.id for e in book.entries()]
    assert all(e.note == "first sweep" for e in callback.entries)


def test_a_strategy_search_records_each_trial_with_its_objective(book):
    objective = Objective(n_val=40, n_test=60, epochs=12)
    log = run_search(objective, "random", n_trials=5, random_state=1, logbook=book)
    entries = book.entries("search")
    assert len(entries) == len(log.errors) == 5
    assert [e.metrics["val_error"] for e in entries] == log.errors
    assert [e.config["hyperparameters"] for e in entries] == [{k: float(v) for k, v in c.items()}
                                                              for c in log.configs]
    assert [e.metrics["best_so_far"] for e in entries] == [min(log.errors[:i + 1]) for i in range(5)]
    assert entries[0].config["objective"]["width"] == objective.width
    assert len({e.data["sha256"] for e in entries}) == 1  # the data it searched on, fingerprinted
    again = Objective(n_val=40, n_test=60, epochs=12, random_state=5)
    other = log_search(book, log, strategy="random", objective=again)
    assert other[0].data != entries[0].data


def test_bad_logbooks_and_logs_are_named(book, tmp_path):
    with pytest.raises(TypeError, match="logbook must be a labkit.logbook.Logbook, got str"):
        run_study(bowl, space=BOWL_SPACE, n_trials=1, logbook=str(tmp_path / "x.db"))
    with pytest.raises(TypeError, match="logbook must be a labkit.logbook.Logbook"):
        run_search(Objective(n_val=40, n_test=60, epochs=5), "random", n_trials=2, logbook="runs.db")
    with pytest.raises(TypeError, match="log must be a SearchLog"):
        log_search(book, [0.1, 0.2], strategy="random")
    with pytest.raises(TypeError, match="strategy must be"):
        log = run_search(Objective(n_val=40, n_test=60, epochs=5), "random", n_trials=2)
        log_search(book, log, strategy="")
    assert len(book) == 0
