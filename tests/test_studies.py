"""Optuna studies: seeded runs, pruning, storages, and real worker processes sharing one study."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import optuna
import pytest
import sqlalchemy

from labkit.search.studies import (
    BOWL_SPACE,
    as_study_objective,
    bowl,
    check_study_space,
    make_storage,
    open_study,
    run_study,
)
from labkit.search.study_analysis import count_trials, fail_stale, importance_spread, trials_table

RUNNING, FAIL = optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.FAIL


def worker(storage, *extra, study="shared"):
    command = [sys.executable, "-m", "labkit.search.study_worker", "--storage", str(storage),
               "--study-name", study, *map(str, extra)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process) -> dict:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])


def wait_for_a_running_trial(storage, seconds=60.0, *, heartbeat=False):
    """The study in ``storage`` once one of its trials is RUNNING (a worker is inside its objective)
    and, with ``heartbeat=True``, has written its first heartbeat (a worker killed before that
    leaves a trial that no heartbeat check can ever call stale)."""
    deadline, storage_object = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        try:  # no file, no tables or no study yet: the worker is still starting
            storage_object = storage_object or make_storage(storage, heartbeat=1, grace=1)
            study = optuna.load_study(study_name="shared", storage=storage_object)
        except (KeyError, sqlalchemy.exc.OperationalError):
            study = None
        if study is not None and study.get_trials(states=(RUNNING,)) and (not heartbeat or _beats(storage)):
            return study
        time.sleep(0.1)
    raise AssertionError(f"no trial started running in {storage} within {seconds} s")


def _beats(path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT COUNT(*) FROM trial_heartbeats").fetchone()[0]


def test_the_same_seed_proposes_the_same_configurations_and_finds_the_bowls_bottom():
    first = run_study(bowl, space=BOWL_SPACE, n_trials=25, random_state=3)
    again = run_study(bowl, space=BOWL_SPACE, n_trials=25, random_state=3)
    other = run_study(bowl, space=BOWL_SPACE, n_trials=25, random_state=4)
    assert [t.params for t in first.trials] == [t.params for t in again.trials]
    assert [t.params for t in first.trials] != [t.params for t in other.trials]
    assert first.best_value < 0.2 and abs(np.log10(first.best_params["lr"]) + 1.5) < 0.5


def test_a_pruner_stops_trials_early_and_report_reaches_optuna():
    study = run_study(bowl, space=BOWL_SPACE, n_trials=30, pruner="median", random_state=0)
    count = count_trials(study)
    assert count.states.get("PRUNED", 0) > 0 and count.complete + count.states["PRUNED"] == 30
    pruned = [t for t in study.trials if t.state.name == "PRUNED"]
    assert all(len(t.intermediate_values) < 5 for t in pruned)
    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert all(sorted(t.intermediate_values) == [0, 1, 2, 3, 4] for t in complete)


def test_a_batched_objective_is_trained_per_rung():
    class Recorder:
        calls = []

        def evaluate(self, configs, epochs=None):
            self.calls.append((configs[0]["lr"], epochs))
            return np.array([bowl(configs[0]) + 1.0 / epochs])

    objective = as_study_objective(Recorder(), rungs=(10, 20, 40))
    study = run_study(objective, space=BOWL_SPACE, n_trials=2, random_state=0)
    assert [e for _, e in Recorder.calls] == [10, 20, 40, 10, 20, 40]
    assert sorted(study.trials[0].intermediate_values) == [10, 20, 40]
    with pytest.raises(ValueError, match="increasing"):
        as_study_objective(Recorder(), rungs=(20, 10))


def test_the_labs_dimensions_are_a_space():
    from labkit.search.objective import DEFAULT_SPACE

    assert check_study_space(DEFAULT_SPACE) == {"lr": (1e-4, 1.0, "log"), "weight_decay": (1e-6, 1e-1, "log")}


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match=r"space\['lr'\] scale"):
        check_study_space({"lr": (1e-4, 1.0, "logarithmic")})
    with pytest.raises(ValueError, match=r"space\['lr'\] low"):
        check_study_space({"lr": (0.0, 1.0, "log")})
    with pytest.raises(ValueError, match="sampler"):
        run_study(bowl, space=BOWL_SPACE, n_trials=1, sampler="bayes")
    with pytest.raises(ValueError, match="n_trials"):
        run_study(bowl, space=BOWL_SPACE, n_trials=0)
    with pytest.raises(ValueError, match="journal"):
        make_storage("study.log", heartbeat=1)
    with pytest.raises(TypeError, match="storage"):
        make_storage(3)


def test_the_table_has_one_row_per_trial_and_importances_spread_over_seeds():
    study = run_study(bowl, space=BOWL_SPACE, n_trials=15, random_state=1)
    table = trials_table(study)
    assert list(table["number"]) == list(range(15)) and {"lr", "weight_decay", "value"} <= set(table)
    spread = importance_spread(study, seeds=(0, 1))
    assert spread.values.shape == (2, 2) and np.allclose(spread.values.sum(axis=1), 1.0)
    assert spread.mean[spread.names.index("lr")] > 0.5  # the bowl is ten times steeper in lr
    assert np.ptp(spread.values, axis=0).max() > 0  # the forest's seed moves the numbers


@pytest.mark.parametrize("name", ["study.db", "study.log"])
def test_two_worker_processes_share_one_study_without_losing_a_trial(tmp_path, name):
    n = 4
    storage = tmp_path / "new folder" / name  # made by the storage itself
    first, second = worker(storage, "--trials", n, "--seed", 1), worker(storage, "--trials", n, "--seed", 2)
    mine = [finished(first), finished(second)]
    study = open_study(storage, "shared")
    count = count_trials(study)
    assert count.holds(2 * n), str(count)
    assert all(len(m["complete"]) == n for m in mine)
    assert sorted(mine[0]["complete"] + mine[1]["complete"]) == sorted(count.numbers) == list(range(2 * n))


def test_a_worker_killed_mid_trial_leaves_a_usable_study_and_its_trial_failed(tmp_path):
    storage = tmp_path / "study.db"
    doomed = worker(storage, "--trials", 1, "--seed", 1, "--pause", 60, "--heartbeat", 1, "--grace", 1)
    try:
        study = wait_for_a_running_trial(storage, heartbeat=True)
    finally:
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.communicate()
    (killed,) = study.get_trials(states=(RUNNING,))  # a dead worker's trial stays RUNNING by itself
    time.sleep(2.5)  # heartbeats are stored to the second: 2 s after the last, it is stale however rounded
    # a new worker (here in this process) fails stale trials as it starts, then adds its own
    run_study(bowl, space=BOWL_SPACE, n_trials=3, storage=storage, study_name="shared", random_state=2,
              heartbeat=1, grace=1)
    count = count_trials(study)
    assert count.states == {"FAIL": 1, "COMPLETE": 3}, str(count)
    assert study.trials[killed.number].state == FAIL and count.numbers == (0, 1, 2, 3)


@pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used with Study.optimize")
def test_fail_stale_fails_a_running_trial_whose_heartbeat_is_older_than_the_grace(tmp_path):
    storage = make_storage(tmp_path / "study.db", heartbeat=1, grace=1)
    study = optuna.create_study(storage=storage, study_name="shared")
    trial = study.ask()  # RUNNING, as in a worker's objective
    storage.record_heartbeat(trial._trial_id)
    time.sleep(2.5)  # nobody beats again; SQLite stores the time to the second, so 2 s are needed for grace 1
    assert fail_stale(study) == [trial.number]
    assert study.trials[trial.number].state == FAIL
    assert fail_stale(study) == []  # done once


def test_optunas_plots_fit_the_column_and_leave_the_labs_style_alone():
    import matplotlib
    import matplotlib.pyplot as plt

    from labkit.viz.studies import (
        plot_importance_spread,
        plot_study_contour,
        plot_study_history,
        plot_study_slice,
    )

    study = run_study(bowl, space=BOWL_SPACE, n_trials=12, random_state=0)
    before = dict(matplotlib.rcParams)
    spread = importance_spread(study, seeds=(0, 1))
    figures = [plot_study_history([study, study]), plot_study_contour(study), plot_study_slice(study),
               plot_importance_spread(spread, direct={"lr": 0.9})]
    assert dict(matplotlib.rcParams) == before  # Optuna's plt.style.use("ggplot") was undone
    assert all(fig.get_figwidth() * fig.dpi <= 820 for fig in figures)
    assert len(figures[3].axes[0].lines) == 3  # two seeds' dots and the direct measure
    for fig in figures:
        plt.close(fig)
