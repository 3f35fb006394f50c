"""Pitfalls a search creates: a best value at the range's edge, an optimistic winner, seed noise.

- **The edge.** If the best trial sits at the end of a range, the optimum may lie outside
  it: widen the range and search again (CS231n notes, "Hyperparameter optimization";
  Godbole et al., Google's Deep Learning Tuning Playbook, "check the search space
  boundaries"). :func:`edge_warning` flags it.
- **The winner's validation score is optimistic.** The search picks the lowest of many noisy
  validation scores, so the winner's score is biased low: the same selection effect as in
  Lab 02's validation optimism, here measured on the search's own winners against the sealed
  test set (:func:`validation_optimism`; Cawley and Talbot 2010, "On over-fitting in model
  selection").
- **Scientific, nuisance and fixed hyperparameters.** To ask "does weight decay help?" (the
  scientific one), tune the learning rate (a nuisance) anew for each weight decay, and hold the
  rest fixed (width, epochs, optimizer): comparing at one fixed rate answers a narrower question
  (the Playbook, "choosing the goal for the next round"; :func:`compare_scientific`).
- **The random seed is a nuisance.** Retrain the top configurations from other seeds: when
  their spread over seeds is as large as the gaps between them, the search is ranking noise
  (:func:`seed_noise`; the Playbook's "nuisance hyperparameters"; Bouthillier et al. 2021,
  "Accounting for variance in machine learning benchmarks").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labkit.arguments import check_float, check_int
from labkit.search.objective import Objective
from labkit.search.strategies import SearchLog, compare_strategies

__all__ = ["edge_warning", "Optimism", "validation_optimism", "SeedNoise", "seed_noise",
           "ScientificComparison", "compare_scientific"]


def edge_warning(result, *, margin=0.1) -> list[str]:
    """Warnings for each hyperparameter whose best value lies within ``margin`` of its range's end.

    ``result`` is a :class:`~labkit.search.strategies.SearchLog`. ``margin`` is a fraction of the
    range on the search's scale (log10 for log dimensions; the Playbook's "outer 10%" by
    default). Returns [] when the best is inside.
    """
    if not isinstance(result, SearchLog):
        raise TypeError(f"result must be a SearchLog (from run_search or compare_strategies), "
                        f"got {type(result).__name__}")
    margin = check_float("margin", margin, min_value=0.0, max_value=0.5)
    config, error = result.best(epochs=max(result.epochs))
    messages = []
    for dim in result.space:
        u = float(dim.to_unit(config[dim.name]))
        if u <= margin or u >= 1 - margin:
            side, bound = ("low", dim.low) if u <= margin else ("high", dim.high)
            messages.append(f"{dim.name}={config[dim.name]:.3g}, the best (error {error:.4g}), is at the "
                            f"{side} edge of [{dim.low:g}, {dim.high:g}]: widen the range past {bound:g} "
                            "and search again")
    return messages


@dataclass(eq=False)
class Optimism:
    """Each repeat's winner: its validation score vs the sealed test score. Arrays are (repeats,)."""

    strategy: str
    winner_val: np.ndarray
    winner_test: np.ndarray
    typical_gap: np.ndarray  # mean (test - val) over all that search's trials: the gap without selection

    @property
    def gap(self) -> np.ndarray:
        """test - val of each winner: positive when its validation score flattered it."""
        return self.winner_test - self.winner_val

    @property
    def optimism(self) -> np.ndarray:
        """The winner's gap beyond the typical trial's: what picking the minimum added."""
        return self.gap - self.typical_gap

    def __repr__(self) -> str:
        return (f"Optimism({self.strategy}, {len(self.gap)} searches: winner val "
                f"{np.mean(self.winner_val):.4f}, "
                f"test {np.mean(self.winner_test):.4f} (mean); winner test - val {np.mean(self.gap):+.4f}, "
                f"typical trial {np.mean(self.typical_gap):+.4f}; optimism {np.mean(self.optimism):+.4f} "
                f"(positive in {int(np.sum(self.optimism > 0))} of {len(self.gap)})")


def validation_optimism(objective, strategy="log-random", *, n_trials=30, repeats=20,
                        random_state=0) -> Optimism:
    """Run ``repeats`` searches, then retrain every full-length trial and score it on the sealed test set.

    Returns an :class:`Optimism`. All test scores come from one batched training run.
    """
    if not isinstance(objective, Objective):
        raise TypeError(f"objective must be a labkit.search.objective.Objective, "
                        f"got {type(objective).__name__}")
    comparison = compare_strategies(objective, [strategy], n_trials=n_trials, repeats=repeats,
                                    random_state=random_state)
    logs = comparison.logs[strategy]
    full = [[i for i, e in enumerate(log.epochs) if e == objective.epochs] for log in logs]
    configs = [log.configs[i] for log, keep in zip(logs, full, strict=True) for i in keep]
    test = np.split(objective.test_error(configs), np.cumsum([len(k) for k in full])[:-1])
    val = [np.array([log.errors[i] for i in keep]) for log, keep in zip(logs, full, strict=True)]
    winners = [int(np.argmin(v)) for v in val]
    return Optimism(strategy=strategy, winner_val=np.array([v[w] for v, w in zip(val, winners, strict=True)]),
                    winner_test=np.array([t[w] for t, w in zip(test, winners, strict=True)]),
                    typical_gap=np.array([np.mean(t - v) for t, v in zip(test, val, strict=True)]))


@dataclass(eq=False)
class SeedNoise:
    """The search's top configurations retrained from several seeds: spread vs the gaps being chased."""

    configs: list
    search_errors: np.ndarray  # (top,): their errors in the search, best first
    per_seed: np.ndarray  # (top, n_seeds): validation error from each seed
    seeds: tuple

    @property
    def spread(self) -> np.ndarray:
        """(top,): each configuration's standard deviation over seeds."""
        return self.per_seed.std(axis=1, ddof=1)

    @property
    def gaps(self) -> np.ndarray:
        """(top - 1,): how much worse each runner-up scored than the winner in the search."""
        return self.search_errors[1:] - self.search_errors[0]

    @property
    def winner_holds(self) -> bool:
        """True if the search's winner also has the lowest mean over seeds."""
        return int(np.argmin(self.per_seed.mean(axis=1))) == 0

    def __repr__(self) -> str:
        lines = [f"SeedNoise(top {len(self.configs)} configurations x {len(self.seeds)} seeds: spread over "
                 f"seeds (std) {np.median(self.spread):.4f} median; gaps to the winner "
                 f"{np.median(self.gaps):.4f} median; the winner {'holds' if self.winner_holds else 'loses'} "
                 f"its place on the mean over seeds)",
                 "  config                                search   seeds mean   seeds std"]
        for c, s, row in zip(self.configs, self.search_errors, self.per_seed, strict=True):
            text = ", ".join(f"{k}={v:.3g}" for k, v in c.items())
            lines.append(f"  {text:<37} {s:<8.4f} {row.mean():<12.4f} {row.std(ddof=1):.4f}")
        return "\n".join(lines)


def seed_noise(objective, log, *, top=5, seeds=tuple(range(1, 11))) -> SeedNoise:
    """Retrain the ``top`` best full-length trials of ``log`` from each of ``seeds``, in one batched run."""
    if not isinstance(objective, Objective):
        raise TypeError(f"objective must be a labkit.search.objective.Objective, "
                        f"got {type(objective).__name__}")
    if not isinstance(log, SearchLog):
        raise TypeError(f"log must be a SearchLog, got {type(log).__name__}")
    top = check_int("top", top, min_value=2)
    full = [i for i, e in enumerate(log.epochs) if e == objective.epochs]
    order = sorted(full, key=lambda i: log.errors[i])
    seen, unique = set(), []  # a grid or a manual search may try a configuration twice
    for i in order:
        if tuple(log.configs[i].items()) not in seen:
            seen.add(tuple(log.configs[i].items()))
            unique.append(i)
    unique = unique[:top]
    if len(unique) < 2:
        raise ValueError(f"log has {len(unique)} distinct full-length trial(s); seed_noise needs at least 2")
    configs = [log.configs[i] for i in unique]
    per_seed = objective.evaluate_per_seed(configs, seeds=seeds)
    return SeedNoise(configs=configs, search_errors=np.array([log.errors[i] for i in unique]),
                     per_seed=per_seed, seeds=tuple(seeds))


@dataclass(eq=False)
class ScientificComparison:
    """A scientific hyperparameter's values compared at one fixed nuisance value and at each one's best."""

    scientific: str
    values: np.ndarray  # (n,)
    nuisance: str
    nuisance_values: np.ndarray  # (m,)
    errors: np.ndarray  # (n, m): validation error, mean over seeds
    fixed_index: int  # the nuisance value a careless comparison holds fixed

    @property
    def at_fixed(self) -> np.ndarray:
        return self.errors[:, self.fixed_index]

    @property
    def tuned(self) -> np.ndarray:
        """(n,): each scientific value's error at its own best nuisance value."""
        return self.errors.min(axis=1)

    def __repr__(self) -> str:
        fixed = self.nuisance_values[self.fixed_index]
        lines = [f"ScientificComparison({self.scientific}: {self.nuisance} tuned for each value vs held at "
                 f"{fixed:.3g})", f"  {self.scientific:<14} {'at ' + self.nuisance + f'={fixed:.3g}':<18} "
                 f"{'tuned':<8} best {self.nuisance}"]
        for i, v in enumerate(self.values):
            best = self.nuisance_values[int(np.argmin(self.errors[i]))]
            lines.append(f"  {v:<14.3g} {self.at_fixed[i]:<18.4f} {self.tuned[i]:<8.4f} {best:.3g}")
        return "\n".join(lines)


def compare_scientific(objective, values, *, scientific="weight_decay", nuisance="lr", nuisance_values,
                       fixed=None, seeds=(0, 1, 2)) -> ScientificComparison:
    """Every (scientific value, nuisance value) pair trained from each seed in one batched run.

    ``objective.space`` must name both hyperparameters. ``fixed`` is the nuisance value a
    comparison without tuning would hold (default: the middle of ``nuisance_values``).
    """
    if not isinstance(objective, Objective):
        raise TypeError(f"objective must be a labkit.search.objective.Objective, "
                        f"got {type(objective).__name__}")
    for label, name in (("scientific", scientific), ("nuisance", nuisance)):
        if name not in objective.names:
            raise ValueError(f"{label}={name!r} is not searched by the objective; its space has "
                             f"{list(objective.names)}")
    if scientific == nuisance or len(objective.names) != 2:
        raise ValueError(f"scientific and nuisance must be the two different names of a 2-D space, got "
                         f"{scientific!r}, {nuisance!r} for {list(objective.names)}")
    values, grid = np.asarray(values, dtype=float), np.asarray(nuisance_values, dtype=float)
    fixed_index = (len(grid) // 2 if fixed is None
                   else int(np.argmin(np.abs(grid - check_float("fixed", fixed, min_value=0.0)))))
    configs = [{scientific: float(v), nuisance: float(u)} for v in values for u in grid]
    errors = objective.evaluate(configs, seeds=seeds).reshape(len(values), len(grid))
    return ScientificComparison(scientific=scientific, values=values, nuisance=nuisance, nuisance_values=grid,
                                errors=errors, fixed_index=fixed_index)
