"""labkit.search.strategies and pitfalls: proposals, budgets, lockstep bookkeeping, edge and optimism."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from labkit.search.objective import DEFAULT_SPACE, Objective, from_unit
from labkit.search.pitfalls import compare_scientific, edge_warning, seed_noise, validation_optimism
from labkit.search.strategies import (
    STRATEGIES,
    SearchLog,
    compare_strategies,
    grid_search,
    halving_rungs,
    log_random_search,
    manual_search,
    random_search,
    run_search,
)


def small(**options):
    return Objective(**{"n_val": 40, "n_test": 60, "epochs": 18, **options})


def first_round(strategy, n_trials, seed=0):
    points, _ = next(strategy(DEFAULT_SPACE, n_trials, 10, np.random.default_rng(seed)))
    return from_unit(DEFAULT_SPACE, points)


def distinct(configs, name):
    return len({round(c[name], 12) for c in configs})


def test_grid_tries_three_values_of_each_parameter_in_nine_trials_random_tries_nine():
    grid, rand = first_round(grid_search, 9), first_round(log_random_search, 9)
    assert len(grid) == len(rand) == 9
    assert distinct(grid, "lr") == distinct(grid, "weight_decay") == 3
    assert distinct(rand, "lr") == distinct(rand, "weight_decay") == 9
    assert min(c["lr"] for c in grid) == pytest.approx(1e-4)  # a grid includes the ends
    assert max(c["lr"] for c in grid) == pytest.approx(1)


def test_uniform_draws_crowd_the_top_decade_and_log_uniform_draws_do_not():
    top = {name: np.mean([c["lr"] > 0.1 for c in first_round(s, 4000)])
           for name, s in (("uniform", random_search), ("log", log_random_search))}
    assert top["uniform"] == pytest.approx(0.9, abs=0.03)
    assert top["log"] == pytest.approx(0.25, abs=0.03)  # one decade of four


def test_the_manual_practitioner_starts_near_1e_3_and_moves_by_3x():
    gen = manual_search(DEFAULT_SPACE, 5, 10, np.random.default_rng(0))
    first = from_unit(DEFAULT_SPACE, next(gen)[0])[0]
    second = from_unit(DEFAULT_SPACE, gen.send(np.array([0.5]))[0])[0]
    assert 5e-4 < first["lr"] < 2e-3
    assert second["lr"] / first["lr"] == pytest.approx(3.0)
    third = from_unit(DEFAULT_SPACE, gen.send(np.array([0.9]))[0])[0]  # worse: try the other side
    assert third["lr"] / first["lr"] == pytest.approx(1 / 3)


def test_no_strategy_exceeds_its_budget_and_the_logs_hold_what_was_trained():
    objective = small()
    result = compare_strategies(objective, n_trials=6, repeats=2, random_state=1)
    assert set(result.names) == set(STRATEGIES)
    for name in result.names:
        for log in result.logs[name]:
            assert log.spent <= 6 * 18
        assert result.best[name].shape == (2, 6)
        assert np.all(np.diff(result.best[name], axis=1)[:, 1:] <= 0)  # best so far never rises
    log = result.logs["log-random"][0]  # the lockstep bookkeeping: each error belongs to its config
    np.testing.assert_allclose(objective.evaluate(log.configs[:3]), log.errors[:3], rtol=1e-5)


def test_an_overspending_strategy_is_stopped():
    def greedy(space, n_trials, epochs, rng):
        yield rng.uniform(size=(n_trials + 1, len(space))), epochs

    with pytest.raises(RuntimeError, match="greedy"):
        compare_strategies(small(), {"greedy": greedy}, n_trials=3, repeats=1)


def test_successive_halving_spends_fewer_epochs_for_the_same_number_of_configs():
    rungs = halving_rungs(30, 90)
    n_configs = rungs[0][0]
    spent = sum(n * e for n, e in rungs)
    assert spent <= 30 * 90 < n_configs * 90  # same configurations, fully trained: 3x the epochs
    assert [n for n, _ in rungs] == [n_configs, n_configs // 3, n_configs // 9]
    assert rungs[-1][1] == 90


def test_best_so_far_counts_epochs_spent():
    log = SearchLog(DEFAULT_SPACE, configs=[{}] * 4, epochs=[5, 5, 10, 10], errors=[0.5, 0.3, 0.4, 0.1])
    np.testing.assert_allclose(log.best_so_far(3, 10), [0.3, 0.3, 0.1])


def test_edge_warning_fires_at_the_edge_and_not_inside():
    def log_with_best(lr):
        configs = [{"lr": lr, "weight_decay": 1e-3}, {"lr": 1e-2, "weight_decay": 1e-3}]
        return SearchLog(DEFAULT_SPACE, configs=configs, epochs=[10, 10], errors=[0.1, 0.2])

    assert edge_warning(log_with_best(3e-2)) == []
    high, low = edge_warning(log_with_best(0.9)), edge_warning(log_with_best(1.2e-4))
    assert len(high) == 1 and "lr" in high[0] and "high" in high[0]
    assert len(low) == 1 and "low" in low[0]


def test_the_winners_validation_score_is_optimistic_on_average():
    result = validation_optimism(small(n_val=20), n_trials=8, repeats=6, random_state=0)
    assert result.gap.shape == (6,)
    assert np.mean(result.optimism) > 0


def test_seed_noise_retrains_the_top_configs_from_each_seed():
    objective = small()
    log = run_search(objective, "log-random", n_trials=6)
    noise = seed_noise(objective, log, top=3, seeds=(1, 2, 3))
    assert noise.per_seed.shape == (3, 3) and np.all(noise.spread > 0)
    assert list(noise.search_errors) == sorted(noise.search_errors)


def test_the_scientific_comparison_tunes_the_nuisance_for_each_value():
    objective = small()
    result = compare_scientific(objective, [0.0, 0.05], nuisance_values=[1e-3, 1e-2, 0.1], fixed=1e-3,
                                seeds=(0, 1))
    assert result.errors.shape == (2, 3) and result.fixed_index == 0
    np.testing.assert_allclose(result.tuned, result.errors.min(axis=1))
    assert np.all(result.tuned <= result.at_fixed)
    one = objective.evaluate([{"weight_decay": 0.05, "lr": 1e-2}], seeds=(0, 1))[0]
    assert result.errors[1, 1] == pytest.approx(one, rel=1e-5)  # rows are weight decays, columns rates
    with pytest.raises(ValueError, match="nuisance"):
        compare_scientific(objective, [0.0], nuisance="momentum", nuisance_values=[0.5])


@pytest.mark.skipif(importlib.util.find_spec("optuna") is None, reason="optuna not installed")
def test_tpe_is_among_the_strategies_when_optuna_is_installed():
    assert "TPE (optuna)" in STRATEGIES


def test_bad_arguments_raise_errors_naming_them():
    with pytest.raises(ValueError, match="strategies"):
        compare_strategies(small(), ["nope"], n_trials=3, repeats=1)
    with pytest.raises(ValueError, match="n_trials"):
        compare_strategies(small(), ["grid"], n_trials=0)
    with pytest.raises(TypeError, match="objective"):
        compare_strategies(lambda c: 0.0, ["grid"])
    with pytest.raises(TypeError, match="result"):
        edge_warning([0.1, 0.2])
    with pytest.raises(ValueError, match="margin"):
        edge_warning(SearchLog(DEFAULT_SPACE, [{"lr": 1e-2, "weight_decay": 1e-3}], [1], [0.1]), margin=0.7)
