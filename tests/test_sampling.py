"""Where a search's trials land: decade shares of uniform and log-uniform draws, grid against random."""

from __future__ import annotations

import numpy as np
import pytest

from labkit.search.sampling import (
    decade_edges,
    decade_shares,
    draw,
    grid_points,
    grid_vs_random,
    random_points,
)

SPACE = {"log10_lr": (-4.0, -1.0), "log10_wd": (-6.0, -2.0)}


def test_uniform_draws_crowd_into_the_top_decade():
    values = draw(1e-4, 1e-1, 20_000, scale="uniform", random_state=0)
    shares = decade_shares(values, 1e-4, 1e-1).shares
    # expected 0.0090, 0.0901, 0.9009 (each decade's share of the range's length); 20,000 draws
    # give a standard error below 0.0022, so these bounds are about 5 of them wide
    assert shares[0] == pytest.approx(0.009, abs=0.004)
    assert shares[1] == pytest.approx(0.090, abs=0.011)
    assert shares[2] == pytest.approx(0.901, abs=0.011)


def test_log_draws_give_each_decade_a_third():
    values = draw(1e-4, 1e-1, 20_000, scale="log", random_state=0)
    assert values.min() >= 1e-4 and values.max() <= 1e-1
    d = decade_shares(values, 1e-4, 1e-1)
    assert np.allclose(d.edges, [1e-4, 1e-3, 1e-2, 1e-1]) and d.counts.sum() == 20_000
    assert np.allclose(d.shares, 1 / 3, atol=0.02)
    assert "33" in str(d) or "34" in str(d) or "32" in str(d)


def test_decades_of_a_range_off_the_powers_of_ten():
    assert np.allclose(decade_edges(3e-5, 0.5), [3e-5, 1e-4, 1e-3, 1e-2, 1e-1, 0.5])
    assert np.allclose(decade_edges(2e-3, 5e-3), [2e-3, 5e-3])  # inside one decade


def test_draws_are_seeded_and_local():
    a = draw(1e-3, 1.0, 5, scale="log", random_state=4)
    assert np.array_equal(a, draw(1e-3, 1.0, 5, scale="log", random_state=4))
    assert not np.array_equal(a, draw(1e-3, 1.0, 5, scale="log", random_state=5))


def test_grid_tries_three_values_per_axis_and_random_nine():
    grid = grid_points(SPACE, 9)
    assert grid.shape == (9, 2)
    assert [len(np.unique(grid[:, j])) for j in range(2)] == [3, 3]
    assert np.allclose(np.unique(grid[:, 0]), [-3.5, -2.5, -1.5])  # the centres of three equal cells
    rand = random_points(SPACE, 9, random_state=0)
    assert rand.shape == (9, 2) and [len(np.unique(rand[:, j])) for j in range(2)] == [9, 9]
    assert np.all(rand[:, 0] >= -4) and np.all(rand[:, 0] <= -1) and np.all(rand[:, 1] >= -6)
    assert grid_points({"a": (0.0, 1.0), "b": (0.0, 1.0), "c": (0.0, 1.0)}, 8).shape == (8, 3)


def test_grid_vs_random_on_an_objective_where_one_parameter_matters():
    calls = []

    def evaluate(points):
        calls.append(len(points))
        return (points[:, 0] + 2.2) ** 2 + 0.001 * points[:, 1]  # only the first matters much

    result = grid_vs_random(evaluate, SPACE, 9, resolution=7, random_state=0)
    assert calls == [7 * 7 + 18]  # one batched call
    assert result.distinct("grid") == 3 and result.distinct("random") == 9
    assert result.landscape.shape == (7, 7) and result.marginal.shape == (7,)
    assert np.allclose(result.grid_errors, evaluate(result.grid))
    assert np.allclose(result.marginal, result.landscape.min(axis=1))
    assert result.best("random") < result.best("grid")  # 9 values of the one that matters beat 3 here
    assert "3 values of log10_lr" in str(result) and "9 values" in str(result)


@pytest.mark.parametrize("call, name", [
    (lambda: draw(1e-2, 1e-4, 10), "high"),
    (lambda: draw(0.0, 1.0, 10), "low"),
    (lambda: draw(1e-4, 1e-2, 0), "n"),
    (lambda: draw(1e-4, 1e-2, 10, scale="log10"), "scale"),
    (lambda: draw(1e-4, 1e-2, 10, random_state=-1), "random_state"),
    (lambda: decade_shares([1e-5], 1e-4, 1e-2), "values"),
    (lambda: grid_points(SPACE, 10), "n"),
    (lambda: grid_points({"a": (1.0, 0.0)}, 3), "space"),
    (lambda: random_points([(-4, -1)], 9), "space"),
    (lambda: grid_vs_random("f", SPACE), "evaluate"),
    (lambda: grid_vs_random(lambda p: p[:, 0], SPACE, important=2), "important"),
    (lambda: grid_vs_random(lambda p: p[:3, 0], SPACE), "evaluate"),
])
def test_bad_arguments_are_named(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()
