"""One Optuna worker process: ``python -m labkit.search.study_worker --storage ... --study-name ...``.

Run one such command per worker, on one machine or many, all naming the same storage and study
(see :mod:`labkit.search.studies` for the set-up with a server database). The worker adds
``--trials`` trials to the study and prints one JSON line: the trial numbers it finished,
``{"worker": seed, "complete": [...], "pruned": [...]}``, so a test or a script can check that
no trial was lost or counted twice.

``--objective module:function`` names the objective, a function ``(config, report) -> float``;
its search space is the function's ``space`` attribute if it has one, else ``--space`` (JSON,
``{"lr": [1e-4, 1.0, "log"]}``), else the default space of the built-in :func:`bowl`.
``--pause`` seconds are slept inside every trial, before the objective runs: a stand-in for a
long training run, so that a test can kill a worker mid-trial.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time

import optuna

from labkit.search.studies import BOWL_SPACE, bowl, run_study

__all__ = ["main", "load_objective"]


def load_objective(spec: str):
    """The function named ``"module:function"``; ValueError if the name is malformed or missing."""
    module, _, name = spec.partition(":")
    if not module or not name:
        raise ValueError(f"objective must be 'module:function', got {spec!r}")
    found = getattr(importlib.import_module(module), name, None)
    if not callable(found):
        raise ValueError(f"objective {spec!r}: module {module} has no function {name!r}")
    return found


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m labkit.search.study_worker",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--storage", required=True, help="SQLite file, journal file (.log) or database URL")
    parser.add_argument("--study-name", required=True)
    parser.add_argument("--trials", type=int, required=True, help="trials this worker adds")
    parser.add_argument("--seed", type=int, default=None, help="sampler seed; give each worker its own")
    parser.add_argument("--sampler", default="tpe")
    parser.add_argument("--pruner", default=None)
    parser.add_argument("--heartbeat", type=int, default=None, help="seconds between heartbeats (RDB only)")
    parser.add_argument("--grace", type=int, default=None, help="seconds of silence before a trial is stale")
    parser.add_argument("--objective", default=None, help="module:function (default: the built-in bowl)")
    parser.add_argument("--space", default=None, help='JSON, e.g. {"lr": [1e-4, 1.0, "log"]}')
    parser.add_argument("--pause", type=float, default=0.0, help="seconds slept inside each trial")
    return parser


def main(argv=None) -> dict:
    """Run the worker the command line describes; print and return what it finished."""
    args = _parser().parse_args(argv)
    objective = bowl if args.objective is None else load_objective(args.objective)
    space = getattr(objective, "space", None) or (json.loads(args.space) if args.space else BOWL_SPACE)
    mine = {"worker": args.seed, "complete": [], "pruned": []}

    def paused(config, report):
        time.sleep(args.pause)  # the trial is RUNNING in the storage meanwhile
        return objective(config, report)

    def record(study, trial):
        if trial.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED):
            mine[trial.state.name.lower()].append(trial.number)

    run_study(paused, space=space, n_trials=args.trials, sampler=args.sampler, pruner=args.pruner,
              storage=args.storage, study_name=args.study_name, random_state=args.seed,
              heartbeat=args.heartbeat, grace=args.grace, callbacks=[record])
    print(json.dumps(mine), flush=True)
    return mine


if __name__ == "__main__":
    main(sys.argv[1:])
