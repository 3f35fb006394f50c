"""Search strategies on one budget: manual, grid, random, log-random, coarse-to-fine, Bayesian, TPE, halving.

Each strategy is a generator function ``(space, n_trials, epochs, rng)`` that yields rounds
``(points, epochs)`` (points (b, d) in the unit cube of the space, log10 scale for log
dimensions) and is sent back the b validation errors. It never asks for more than
``n_trials * epochs`` epochs in all: ``n_trials`` full trainings' worth.

:func:`compare_strategies` runs every strategy ``repeats`` times (each repeat its own random
stream) *in lockstep*: each round gathers every open search's proposals, and one batched
:meth:`~labkit.search.objective.Objective.evaluate` call trains them all, so 7 strategies x 20
repeats x 30 trials cost about 30 training runs of a few hundred networks each.

Sources: Bergstra and Bengio 2012 (random beats grid when few hyperparameters matter);
Goodfellow et al., Deep Learning, section 11.4.3-11.4.5 (grid, random, model-based search);
Snoek et al. 2012 (GP + expected improvement, :mod:`labkit.search.bayes`); Bergstra et al.
2011 (TPE, through Optuna); Jamieson and Talwalkar 2016 and Li et al. 2018, "Hyperband"
(successive halving: train many configurations briefly, promote the best third).
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field

import numpy as np

from labkit.arguments import check_int, check_random_state
from labkit.logbook import check_logbook
from labkit.search.bayes import propose_next
from labkit.search.objective import Objective, from_unit
from labkit.search.tracking import log_search

__all__ = ["SearchLog", "Comparison", "compare_strategies", "run_search", "STRATEGIES",
           "grid_search", "random_search", "log_random_search", "manual_search", "coarse_to_fine",
           "bayes_strategy", "tpe_strategy", "successive_halving", "grid_counts", "halving_rungs"]


def grid_counts(n_trials, d) -> list[int]:
    """Values per dimension of the largest grid with at most ``n_trials`` points: 9, 2 -> [3, 3]."""
    counts = [max(1, int(np.floor(n_trials ** (1 / d) + 1e-9)))] * d
    for j in range(d):  # grow one dimension at a time while the grid still fits
        if np.prod(counts) // counts[j] * (counts[j] + 1) <= n_trials:
            counts[j] += 1
    return counts


def grid_search(space, n_trials, epochs, rng):
    """Every combination of evenly spaced values (ends included), tried in a random order."""
    axes = [np.linspace(0.0, 1.0, k) if k > 1 else np.array([0.5]) for k in grid_counts(n_trials, len(space))]
    points = np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")], axis=1)
    yield points[rng.permutation(len(points))], epochs


def random_search(space, n_trials, epochs, rng):
    """Uniform draws on each hyperparameter's own scale (not log): most land in the top decade."""
    values = np.stack([rng.uniform(d.low, d.high, size=n_trials) for d in space], axis=1)
    yield np.stack([d.to_unit(values[:, j]) for j, d in enumerate(space)], axis=1), epochs


def log_random_search(space, n_trials, epochs, rng):
    """Uniform draws in the unit cube: log-uniform for log dimensions (each decade equally often)."""
    yield rng.uniform(size=(n_trials, len(space))), epochs


def coarse_to_fine(space, n_trials, epochs, rng, *, rounds=3):
    """Log-random draws in the whole space, then in boxes half as wide around the best so far."""
    sizes = np.diff(np.linspace(0, n_trials, rounds + 1).round().astype(int))
    points, errors, half = np.empty((0, len(space))), np.empty(0), 0.5
    for size in sizes:
        center = points[np.argmin(errors)] if len(errors) else np.full(len(space), 0.5)
        low = np.clip(center - half, 0.0, 1.0 - 2 * half)  # the box, moved inside the cube
        batch = low + 2 * half * rng.uniform(size=(size, len(space)))
        errors = np.concatenate([errors, (yield batch, epochs)])
        points, half = np.concatenate([points, batch]), half / 2


def manual_search(space, n_trials, epochs, rng, *, factor=3.0):
    """A scripted practitioner: start at lr 1e-3 (weight decay 1e-4), move 3x towards the better side.

    One hyperparameter at a time: step up; if not better, step down; when neither helps,
    go to the next hyperparameter; after a round with no gain, use steps of sqrt(factor).
    """
    start = {"lr": 1e-3, "weight_decay": 1e-4, "momentum": 0.9}
    jitter = 10 ** rng.normal(0, 0.1, size=len(space))  # practitioners differ a little in where they start
    point = np.clip([d.to_unit(start[d.name] * j) for d, j in zip(space, jitter, strict=True)], 0.0, 1.0)
    steps = np.array([np.log10(factor) / (np.log10(d.high / d.low) if d.log else 1.0) for d in space])
    best = float((yield point[None], epochs)[0])
    trials, dim, direction, stale = 1, 0, 1.0, 0
    while trials < n_trials:
        trial = point.copy()
        trial[dim] = np.clip(trial[dim] + direction * steps[dim], 0.0, 1.0)
        error = float((yield trial[None], epochs)[0])
        trials += 1
        if error < best:
            point, best, stale = trial, error, 0  # keep going the same way
        elif direction > 0:
            direction = -1.0
        else:
            dim, direction, stale = (dim + 1) % len(space), 1.0, stale + 1
            if stale >= len(space):
                steps, stale = steps / 2, 0


def bayes_strategy(space, n_trials, epochs, rng, *, n_initial=5, xi=0.01, refit_every=5):
    """Log-random draws first, then one GP + expected-improvement pick per trial (labkit.search.bayes).

    The kernel's hyperparameters are fitted by maximum likelihood every ``refit_every`` trials
    and kept in between (the fit is 95% of a step's cost; BO libraries do the same).
    """
    points = rng.uniform(size=(min(n_initial, n_trials), len(space)))
    errors = np.asarray((yield points, epochs), dtype=float)
    kernel = None  # each fit starts from the previous one's kernel
    while len(errors) < n_trials:
        nxt, gp = propose_next(points, np.log10(errors), xi=xi, kernel=kernel,
                               optimize=len(errors) % refit_every == 0, random_state=rng)
        kernel = gp.kernel_
        points = np.concatenate([points, nxt[None]])
        errors = np.concatenate([errors, (yield nxt[None], epochs)])


def tpe_strategy(space, n_trials, epochs, rng):
    """Optuna's TPE sampler (Bergstra et al. 2011) through its ask/tell interface; needs optuna."""
    import optuna  # optional: only this strategy needs it

    sampler = optuna.samplers.TPESampler(seed=int(rng.integers(2**31)))
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "trial finished" line per trial
    try:
        study = optuna.create_study(sampler=sampler)
        for _ in range(n_trials):
            trial = study.ask()
            values = [trial.suggest_float(d.name, d.low, d.high, log=d.log) for d in space]
            point = np.array([d.to_unit(v) for d, v in zip(space, values, strict=True)], dtype=float)
            error = float((yield point[None], epochs)[0])
            study.tell(trial, float(np.log10(error)))
    finally:
        optuna.logging.set_verbosity(level)


def halving_rungs(n_trials, epochs, *, eta=3, n_rungs=3) -> list[tuple[int, int]]:
    """[(configs, epochs)] per rung of successive halving whose retraining cost fits n_trials x epochs.

    Rung i trains n // eta**i configurations for epochs // eta**(n_rungs - 1 - i) epochs, each
    retrained from scratch; n is the largest that fits the budget.
    """
    sizes = [max(1, epochs // eta ** (n_rungs - 1 - i)) for i in range(n_rungs)]
    n = 1
    while sum((n + 1) // eta ** i * s for i, s in enumerate(sizes)) <= n_trials * epochs:
        n += 1
    return [(max(1, n // eta ** i), s) for i, s in enumerate(sizes)]


def successive_halving(space, n_trials, epochs, rng, *, eta=3):
    """Many log-random configurations for a few epochs; the best 1/eta go on, retrained with eta x more."""
    rungs = halving_rungs(n_trials, epochs, eta=eta)
    points = rng.uniform(size=(rungs[0][0], len(space)))
    for n, rung_epochs in rungs:
        errors = np.asarray((yield points[:n], rung_epochs), dtype=float)
        points = points[:n][np.argsort(errors, kind="stable")]


STRATEGIES = {"manual": manual_search, "grid": grid_search, "random": random_search,
              "log-random": log_random_search, "coarse-to-fine": coarse_to_fine,
              "bayes (GP+EI)": bayes_strategy, "successive halving": successive_halving}
if importlib.util.find_spec("optuna") is not None:
    STRATEGIES["TPE (optuna)"] = tpe_strategy


@dataclass(eq=False)
class SearchLog:
    """One search: every trial in order. ``epochs[i]`` is what trial i trained; errors are validation MSE."""

    space: tuple
    configs: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def spent(self) -> int:
        return int(sum(self.epochs))

    def best(self, *, epochs=None) -> tuple[dict, float]:
        """(config, error) of the lowest error, among trials of ``epochs`` epochs if given."""
        keep = [i for i, e in enumerate(self.epochs) if epochs is None or e == epochs]
        i = min(keep, key=lambda i: self.errors[i])
        return self.configs[i], float(self.errors[i])

    def best_so_far(self, n_trials, epochs) -> np.ndarray:
        """(n_trials,): the best error once t x ``epochs`` epochs were spent, t = 1..n_trials.

        NaN before the first trial is done.
        """
        spent = np.cumsum(self.epochs)
        running = np.minimum.accumulate(self.errors)
        done = np.searchsorted(spent, np.arange(1, n_trials + 1) * epochs, side="right")
        return np.where(done > 0, running[np.maximum(done - 1, 0)], np.nan)

    def __repr__(self) -> str:
        config, error = self.best()
        cfg = ", ".join(f"{k}={v:.3g}" for k, v in config.items())
        return f"SearchLog({len(self.errors)} trials, {self.spent} epochs; best {error:.4g} at {cfg})"


@dataclass(eq=False)
class Comparison:
    """Best-so-far validation error against budget, per strategy: ``best[name]`` is (repeats, n_trials).

    Column t is the budget of t + 1 full trainings (t + 1 trials for most strategies, or
    (t + 1) x epochs epochs spent for successive halving).
    """

    names: list
    n_trials: int
    epochs: int
    best: dict
    logs: dict  # name -> list of SearchLog, one per repeat
    seconds: float
    n_calls: int  # batched evaluate calls
    n_networks: int  # networks trained
    quantiles: tuple = (0.1, 0.9)

    def median(self, name) -> np.ndarray:
        return np.nanmedian(self.best[name], axis=0)

    def band(self, name) -> np.ndarray:
        """(2, n_trials): the low and high quantiles over repeats."""
        return np.nanquantile(self.best[name], self.quantiles, axis=0)

    def n_configs(self, name) -> float:
        """Distinct configurations a repeat of ``name`` tried, on average."""
        return float(np.mean([len({tuple(c.values()) for c in log.configs}) for log in self.logs[name]]))

    def __repr__(self) -> str:
        repeats = len(next(iter(self.logs.values())))
        lines = [f"Comparison({len(self.names)} strategies x {repeats} repeats x {self.n_trials} trials "
                 f"of {self.epochs} epochs: {self.n_networks} networks in {self.n_calls} batched calls, "
                 f"{self.seconds:.1f} s)",
                 f"  {'strategy':<20} {'median best':>11} {'band ' + str(self.quantiles):>20} "
                 f"{'after 10':>9} {'configs':>8}"]
        for name in self.names:
            low, high = self.band(name)[:, -1]
            lines.append(f"  {name:<20} {self.median(name)[-1]:>11.4f} {f'{low:.4f} to {high:.4f}':>20} "
                         f"{self.median(name)[min(9, self.n_trials - 1)]:>9.4f} {self.n_configs(name):>8.0f}")
        return "\n".join(lines)


def _check_strategies(strategies):
    if strategies is None:
        return dict(STRATEGIES)
    if isinstance(strategies, dict):
        return dict(strategies)
    if isinstance(strategies, (list, tuple)):
        for s in strategies:
            if s not in STRATEGIES:
                raise ValueError(f"strategies has {s!r}; known strategies: {list(STRATEGIES)}")
        return {s: STRATEGIES[s] for s in strategies}
    raise TypeError(f"strategies must be None, a list of names or a dict name -> generator function, "
                    f"got {type(strategies).__name__}")


def compare_strategies(objective, strategies=None, *, n_trials=30, repeats=20, random_state=0,
                       quantiles=(0.1, 0.9)) -> Comparison:
    """Run each strategy ``repeats`` times on ``objective`` with a budget of ``n_trials`` full trainings.

    ``strategies``: None (all of :data:`STRATEGIES`), a list of their names, or a dict
    name -> generator function. All searches advance in lockstep; each round is one batched
    evaluate call per epoch count asked. Raises RuntimeError if a strategy overspends.
    """
    if not isinstance(objective, Objective):
        raise TypeError(f"objective must be a labkit.search.objective.Objective, "
                        f"got {type(objective).__name__}")
    table = _check_strategies(strategies)
    n_trials = check_int("n_trials", n_trials, min_value=1)
    repeats = check_int("repeats", repeats, min_value=1)
    seed = int(check_random_state("random_state", random_state).integers(2**31))
    E, space = objective.epochs, objective.space
    searches = [(name, r, fn(space, n_trials, E, np.random.default_rng([seed, i, r])))
                for i, (name, fn) in enumerate(table.items()) for r in range(repeats)]
    logs = {name: [SearchLog(space) for _ in range(repeats)] for name in table}
    start, n_calls, trained = time.perf_counter(), 0, objective.n_trained
    asks = {k: next(gen) for k, (_, _, gen) in enumerate(searches)}
    while asks:
        for epochs in sorted({e for _, e in asks.values()}):
            keys = [k for k, (_, e) in asks.items() if e == epochs]
            points = np.clip(np.concatenate([asks[k][0] for k in keys]), 0.0, 1.0)
            errors = objective.evaluate(from_unit(space, points), epochs=epochs)
            n_calls += 1
            offset = 0
            for k in keys:
                b = len(asks[k][0])
                _record(logs[searches[k][0]][searches[k][1]], from_unit(space, points[offset:offset + b]),
                        epochs, errors[offset:offset + b], n_trials * E, searches[k][0])
                try:
                    asks[k] = searches[k][2].send(errors[offset:offset + b])
                except StopIteration:
                    del asks[k]
                offset += b
    best = {name: np.stack([log.best_so_far(n_trials, E) for log in logs[name]]) for name in table}
    return Comparison(names=list(table), n_trials=n_trials, epochs=E, best=best, logs=logs,
                      seconds=time.perf_counter() - start, n_calls=n_calls,
                      n_networks=objective.n_trained - trained, quantiles=tuple(quantiles))


def _record(log, configs, epochs, errors, budget, name):
    log.configs.extend(configs)
    log.epochs.extend([epochs] * len(configs))
    log.errors.extend(float(e) for e in errors)
    if log.spent > budget:
        raise RuntimeError(f"strategy {name!r} spent {log.spent} epochs, over its budget of {budget}")


def run_search(objective, strategy, *, n_trials=30, random_state=0, logbook=None) -> SearchLog:
    """One search with ``strategy`` (a name in :data:`STRATEGIES`) on ``objective``: a :class:`SearchLog`.

    ``logbook`` (a :class:`labkit.logbook.Logbook`), if given, gets one entry per trial
    (:func:`~labkit.search.tracking.log_search`).
    """
    if not isinstance(strategy, str):
        raise TypeError(f"strategy must be a name, one of {list(STRATEGIES)}, got {strategy!r:.60}")
    check_logbook("logbook", logbook, optional=True)  # before the search, not after it
    result = compare_strategies(objective, [strategy], n_trials=n_trials, repeats=1,
                                random_state=random_state)
    log = result.logs[strategy][0]
    if logbook is not None:
        log_search(logbook, log, strategy=strategy, objective=objective)
    return log
