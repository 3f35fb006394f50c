"""An objective run as an Optuna study: samplers, pruners, storages, counts and importances.

Optuna (Akiba et al. 2019, "Optuna: a next-generation hyperparameter optimization framework")
is the tool practitioners use for the searches this lab builds by hand. :func:`run_study` runs
``objective(config, report) -> float`` (lower is better) on ``n_trials`` configurations that
its sampler draws from a ``space`` such as ``{"lr": (1e-4, 1.0, "log")}``: TPE (Bergstra et
al. 2011, the default), random or a Gaussian process, always seeded, so a run is repeatable.
``report(step, value)`` hands an intermediate score to a pruner (median, successive halving,
Hyperband: Li et al. 2018), which stops a bad trial early by raising ``optuna.TrialPruned``.

Where the study lives (``storage``):

- ``None``: in memory, gone with the kernel;
- a file path (``"runs/lab08.db"``): an embedded SQLite file, the default for a lab;
- a path ending ``.log`` or ``.journal``: Optuna's journal file (``JournalStorage``),
  an append-only log that needs no database at all;
- a database URL (``"postgresql://user:password@host/optuna"``, ``"mysql+pymysql://..."``):
  ``optuna.storages.RDBStorage`` on a server database, shared by many machines.

Beyond one machine (the same code, only the storage changes):

1. start a database server every machine can reach, and create an empty database in it;
2. on each machine, one command per worker, every worker naming the same study and URL and
   a seed of its own (workers with one seed propose the same first configurations)::

       python -m labkit.search.study_worker --storage postgresql://lab:pw@dbhost/optuna \\
           --study-name lab08 --trials 50 --seed 1 --heartbeat 10 --objective mypackage.mymodule:objective

3. read the study from anywhere: ``optuna.load_study(study_name="lab08", storage=url)``.

Every worker asks the storage for the next trial number and writes its results there; the
sampler reads all finished trials, so each worker learns from the others'. A worker that dies
mid-trial (a killed job, a lost machine) leaves that trial RUNNING forever, unless the storage
keeps heartbeats: with ``heartbeat=`` seconds every running trial writes a heartbeat, and a
trial silent for ``grace`` seconds (default twice the heartbeat) is marked FAIL by the next
worker that starts (``optuna.storages.fail_stale_trials``; :func:`fail_stale` does it by hand).
Heartbeats need an RDB storage (SQLite or a server); the journal file has none.
tests/test_studies.py runs two worker processes on one SQLite file and on one journal file,
and kills a worker mid-trial.
"""

from __future__ import annotations

import contextlib
import functools
import math
import numbers
import os
import sqlite3
import time
import warnings

import numpy as np
import optuna

from labkit.arguments import check_choice, check_float, check_int
from labkit.search.sampling import check_space
from labkit.search.tracking import LogbookCallback

__all__ = ["SAMPLERS", "PRUNERS", "check_study_space", "make_storage", "make_sampler", "make_pruner",
           "suggest", "quiet", "run_study", "open_study", "bowl", "BOWL_SPACE", "as_study_objective"]

SAMPLERS = ("tpe", "random", "gp")
PRUNERS = ("median", "halving", "hyperband")
SCALES = ("log", "linear", "int")
JOURNAL_SUFFIXES = (".log", ".journal")


def check_study_space(space) -> dict[str, tuple[float, float, str]]:
    """``space`` as ``{name: (low, high, scale)}``, scale "log", "linear" or "int".

    Accepts ``(low, high)`` (linear), ``(low, high, scale)``, or a sequence of objects with
    ``name``, ``low``, ``high`` and ``log`` (the lab's :class:`labkit.search.objective.Dimension`).
    """
    if not isinstance(space, dict) and all(hasattr(d, "name") and hasattr(d, "log") for d in space or ()):
        space = {d.name: (d.low, d.high, "log" if d.log else "linear") for d in space}
    if not isinstance(space, dict) or not space:
        raise TypeError(f"space must be a non-empty dict {{name: (low, high, scale)}}, got {space!r:.80}")
    scales = {}
    for name, bounds in space.items():
        if not isinstance(bounds, (tuple, list)) or len(bounds) not in (2, 3):
            raise ValueError(f"space[{name!r}] must be (low, high) or (low, high, scale), got {bounds!r}")
        scales[name] = check_choice(f"space[{name!r}] scale", bounds[2] if len(bounds) == 3 else "linear",
                                    SCALES)
    ranges = check_space({name: tuple(bounds[:2]) for name, bounds in space.items()})  # sampling's rule
    for name, (low, _) in ranges.items():
        if scales[name] == "log":
            check_float(f"space[{name!r}] low", low, min_value=0.0, strict_min=True)
    return {name: (low, high, scales[name]) for name, (low, high) in ranges.items()}


def make_storage(storage=None, *, heartbeat=None, grace=None):
    """None (in memory), an Optuna storage, a journal file, a SQLite file or a database URL.

    ``heartbeat`` (seconds, RDB storages only) makes running trials write a heartbeat; one
    silent for ``grace`` seconds (default ``2 * heartbeat``) counts as dead (see :func:`fail_stale`).
    """
    if storage is None or isinstance(storage, optuna.storages.BaseStorage):
        if heartbeat is not None:
            raise ValueError("heartbeat needs a storage given by path or URL, got "
                             f"storage={storage!r:.60}")
        return storage
    if not isinstance(storage, (str, os.PathLike)):
        raise TypeError("storage must be None, a path, a database URL or an Optuna storage, "
                        f"got {storage!r:.80}")
    text = os.fspath(storage)
    if "://" not in text:  # a file of ours: its folder may not exist yet ("runs/lab08.db")
        os.makedirs(os.path.dirname(os.path.abspath(text)), exist_ok=True)
    if "://" not in text and text.endswith(JOURNAL_SUFFIXES):
        if heartbeat is not None:
            raise ValueError(f"heartbeat needs an RDB storage (SQLite or a server); {text!r} is a "
                             "journal file")
        backend = optuna.storages.journal.JournalFileBackend(text)
        return optuna.storages.JournalStorage(backend)
    url = text if "://" in text else "sqlite:///" + os.path.abspath(text)
    options = {}
    if heartbeat is not None:
        heartbeat = check_int("heartbeat", heartbeat, min_value=1)
        grace = 2 * heartbeat if grace is None else check_int("grace", grace, min_value=heartbeat)
        options = {"heartbeat_interval": heartbeat, "grace_period": grace}
    if url.startswith("sqlite:///"):
        options["engine_kwargs"] = {"creator": functools.partial(_sqlite_connection, url[len("sqlite:///"):])}
    return _rdb_storage(url, options)


def _sqlite_connection(path):
    """A SQLite connection in WAL mode that waits for a busy file instead of failing.

    WAL lets readers and one writer work at once, and with ``synchronous=NORMAL`` a commit
    does not wait for the disk (a crashed process loses nothing; a power cut may lose the last
    commits): measured here, 20 trials took 15 s with SQLite's defaults and 3.5 s so.
    """
    connection = sqlite3.connect(path, timeout=60.0, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def _rdb_storage(url, options, attempts=5):
    """RDBStorage, retried when another worker is creating the same tables at the same moment.

    Two workers started at once on a new database both create Optuna's tables; the slower one
    fails with "table ... already exists" or a duplicate "alembic_version" row (both seen in
    tests/test_studies.py): it tries again, and then finds the tables made.
    """
    import sqlalchemy  # here: a journal or in-memory study never loads it (0.6 s)

    for attempt in range(attempts):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(url, **options)
        except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.IntegrityError) as error:
            racing = "already exists" in str(error) or "alembic_version" in str(error)
            if not racing or attempt == attempts - 1:
                raise
            time.sleep(0.1 * (attempt + 1))


def _seed(random_state) -> int | None:
    """An int seed for Optuna from None, an int or a numpy Generator."""
    if random_state is None:
        return None
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31))
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral) or random_state < 0:
        raise TypeError("random_state must be None, a non-negative int or a numpy Generator, "
                        f"got {random_state!r}")
    return int(random_state)


def make_sampler(sampler="tpe", *, random_state=None):
    """A seeded Optuna sampler: "tpe", "random" or "gp", or a sampler object as it is."""
    if isinstance(sampler, optuna.samplers.BaseSampler):
        return sampler
    name, seed = check_choice("sampler", sampler, SAMPLERS), _seed(random_state)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.GPSampler(seed=seed)


def make_pruner(pruner=None, *, warmup_steps=0):
    """None (never prune), "median", "halving" or "hyperband", or a pruner object as it is.

    "median" stops a trial whose intermediate value is worse than the median of earlier trials
    at the same step (after 5 trials and ``warmup_steps`` steps); "halving" keeps the best third
    at each rung (successive halving, Jamieson and Talwalkar 2016); "hyperband" runs several.
    """
    if pruner is None:
        return optuna.pruners.NopPruner()
    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    name = check_choice("pruner", pruner, PRUNERS)
    warmup = check_int("warmup_steps", warmup_steps, min_value=0)
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=warmup)
    if name == "halving":
        return optuna.pruners.SuccessiveHalvingPruner()
    return optuna.pruners.HyperbandPruner()


def suggest(trial, space) -> dict:
    """One configuration ``{name: value}`` drawn by ``trial`` from a checked ``space``."""
    config = {}
    for name, (low, high, scale) in space.items():
        if scale == "int":
            config[name] = trial.suggest_int(name, math.ceil(low), math.floor(high))
        else:
            config[name] = trial.suggest_float(name, low, high, log=scale == "log")
    return config


@contextlib.contextmanager
def quiet():
    """Optuna's per-trial INFO lines off, and its experimental warnings, for the block only."""
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            yield
    finally:
        optuna.logging.set_verbosity(before)


def _trial_function(objective, space):
    def run_trial(trial):
        def report(step, value):
            trial.report(float(value), int(step))
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned at step {step} with value {value:.4g}")

        return float(objective(suggest(trial, space), report))

    return run_trial


def run_study(objective, *, space, n_trials, sampler="tpe", pruner=None, storage=None, study_name=None,
              random_state=None, heartbeat=None, grace=None, callbacks=(), logbook=None):
    """Run ``objective(config, report) -> float`` (minimized) for ``n_trials`` trials; return the study.

    The study is created, or loaded and extended if ``study_name`` already lives in ``storage``
    (so several workers can call this at once on one storage). ``random_state`` seeds the
    sampler: an in-memory run with the same seed proposes the same configurations.
    ``logbook`` (a :class:`labkit.logbook.Logbook`), if given, gets one entry per finished
    trial (:class:`~labkit.search.tracking.LogbookCallback`). Raises TypeError/ValueError for a
    bad space, sampler, pruner, storage, count or logbook.
    """
    if not callable(objective):
        raise TypeError(f"objective must be callable as objective(config, report), got {objective!r:.80}")
    space, n_trials = check_study_space(space), check_int("n_trials", n_trials, min_value=1)
    callbacks = list(callbacks) + ([LogbookCallback(logbook)] if logbook is not None else [])  # checks it
    with quiet():
        study = optuna.create_study(storage=make_storage(storage, heartbeat=heartbeat, grace=grace),
                                    study_name=study_name, direction="minimize", load_if_exists=True,
                                    sampler=make_sampler(sampler, random_state=random_state),
                                    pruner=make_pruner(pruner))
        study.optimize(_trial_function(objective, space), n_trials=n_trials, callbacks=callbacks)
    return study


def open_study(storage, study_name):
    """The study ``study_name`` in ``storage`` (a path or URL, as :func:`make_storage` takes).

    Raises KeyError if the storage holds no study of that name.
    """
    with quiet():
        return optuna.load_study(study_name=study_name, storage=make_storage(storage))


BOWL_SPACE = {"lr": (1e-4, 1.0, "log"), "weight_decay": (1e-6, 1e-1, "log")}


def bowl(config, report=None) -> float:
    """A cheap objective for tests and workers: a bowl in log10 space, minimum 0 at lr 0.03, wd 1e-4.

    The rate matters ten times more than the weight decay. With ``report`` it reports five
    steps of a value that falls towards the final one, as a training curve would.
    """
    x, y = math.log10(config["lr"]) + 1.5, math.log10(config["weight_decay"]) + 4.0
    final = x * x + 0.1 * y * y
    if report is not None:
        for step in range(5):
            report(step, final + 2.0 ** -step)
    return final


def as_study_objective(objective, *, rungs=None):
    """``objective(config, report)`` from a batched objective with ``evaluate(configs, epochs=...)``.

    Without ``rungs`` one evaluation at the objective's own epochs. With ``rungs`` (increasing
    epoch counts) the configuration is trained for each in turn and reported, so a pruner can
    stop it after a short run; each rung retrains from scratch (what the budget honestly costs).
    """
    if rungs is not None:
        rungs = [check_int("rungs", r, min_value=1) for r in rungs]
        if not rungs or any(b <= a for a, b in zip(rungs, rungs[1:], strict=False)):
            raise ValueError(f"rungs must be increasing epoch counts, got {rungs!r}")

    def study_objective(config, report):
        if rungs is None:
            return float(objective.evaluate([config])[0])
        for epochs in rungs:
            value = float(objective.evaluate([config], epochs=epochs)[0])
            report(epochs, value)
        return value

    return study_objective
