"""Numbers Lab 08's prose states, computed with labkit at the lab's full sizes: text and code cannot drift."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from labkit.panels.search import _objective
from labkit.search import (
    BOWL_SPACE,
    Dimension,
    Objective,
    bowl,
    compare_strategies,
    decade_shares,
    draw,
    grid_vs_random,
    run_study,
)

LAB = Path(__file__).resolve().parents[1] / "labs" / "08_hyperparameter_search.ipynb"


def _text() -> str:
    cells = json.loads(LAB.read_text(encoding="utf-8"))["cells"]
    return " ".join(" ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown").split())


@pytest.fixture(scope="module")
def objective():
    return Objective(epochs=100)  # the lab's, at full size


def test_section1_uniform_draws_give_90_9_1_and_log_uniform_a_third_each():
    text = _text()
    assert "takes 90% of the draws, the next 9%, the lowest 1%" in text and "each decade gets a third" in text
    uniform = decade_shares(draw(1e-4, 1e-1, 10_000, scale="uniform", random_state=0), 1e-4, 1e-1)
    log = decade_shares(draw(1e-4, 1e-1, 10_000, scale="log", random_state=0), 1e-4, 1e-1)
    assert np.round(100 * np.asarray(uniform.shares)[::-1]).tolist() == [90, 9, 1]
    assert np.allclose(log.shares, 1 / 3, atol=0.02)


def test_section2_the_landscape_and_grid_against_random_over_four_seeds(objective):
    text = _text()
    assert "the grid's three rates found 0.058 whatever its seed" in text
    assert "nine random rates found 0.048 to 0.056 over four seeds" in text

    def evaluate(points):
        return objective.evaluate([{"lr": 10.0**a, "weight_decay": 10.0**b} for a, b in points])

    space = {"log10 learning rate": (-4.0, 0.0), "log10 weight decay": (-6.0, -1.0)}
    runs = [grid_vs_random(evaluate, space, 9, resolution=13, random_state=seed) for seed in range(4)]
    assert {f"{run.best('grid'):.3f}" for run in runs} == {"0.058"}
    randoms = [run.best("random") for run in runs]
    assert (f"{min(randoms):.3f}", f"{max(randoms):.3f}") == ("0.048", "0.056")
    assert all(run.distinct("grid") == 3 and run.distinct("random") == 9 for run in runs)
    run = runs[0]
    landscape = run.landscape if run.important == 0 else run.landscape.T  # (rates, decays)
    rates, decays = (10 ** axis for axis in (run.axes[run.important], run.axes[1 - run.important]))
    by_rate = landscape.min(axis=1)
    assert "falls as the rate rises to 0.1-0.2" in text and 0.09 < rates[np.argmin(by_rate)] < 0.25
    assert "from about 0.5 SGD diverges" in text and (by_rate[rates > 0.5] > 1.0).all()
    assert (by_rate[rates < 0.25] < 0.5).all()
    spread = np.ptp(landscape[:, decays < 1e-2], axis=1)[rates < 0.2]
    assert (spread < 0.25 * by_rate[rates < 0.2]).all()  # "below that edge, weight decay changes little"


def test_section3_ragged_below_the_cliff_then_from_005_to_above_1():
    text = _text()
    assert "between 0.2 and 0.4 it is ragged" in text and "the error jumps from 0.05 to above 1" in text
    one_d = Objective(space=(Dimension("lr", 1e-4, 1.0),), epochs=100)
    rates = np.logspace(-1.5, 0, 16)
    errors = one_d.evaluate([{"lr": r} for r in rates])
    edge = (rates >= 0.2) & (rates <= 0.4)
    assert round(float(errors[rates < 0.25].min()), 2) == 0.05 and (errors[rates > 0.5] > 1.0).all()
    assert errors[edge].max() > 1.5 * errors[edge].min() and (errors[edge] < 1.0).all()


def test_the_bayes_panels_smooth_objective_has_its_best_inside_the_range():
    assert "a smooth valley (Adam, whose best rate lies inside the range" in _text()
    smooth = _objective("smooth", 100)
    rates = np.logspace(-4, np.log10(0.3), 9)
    errors = smooth.evaluate([{"lr": r} for r in rates])
    best = int(np.argmin(errors))
    assert 0 < best < len(rates) - 1 and errors[0] > 2 * errors[best] and errors[-1] > 1.2 * errors[best]


def test_section4_every_strategy_on_one_budget(objective):
    text = _text()
    comparison = compare_strategies(objective, n_trials=30, repeats=20)
    final = {name: comparison.median(name)[-1] for name in comparison.names}
    width = {name: float(np.diff(comparison.band(name)[:, -1])[0]) for name in comparison.names}
    assert "uniform random search (in the value, not the exponent) was worst" in text
    assert max(final, key=final.get) == "random"
    assert "Model-based search (GP with EI, TPE) ended lowest with narrow bands" in text
    best5 = sorted(final, key=final.get)[:5]
    assert {"bayes (GP+EI)", "TPE (optuna)"} <= set(best5)
    assert width["coarse-to-fine"] > max(width["bayes (GP+EI)"], width["TPE (optuna)"])  # "a wider one"
    assert "the scripted practitioner stopped after 24 configurations" in text
    assert round(comparison.n_configs("manual")) == 24
    assert "Successive halving looks worst until the end" in text
    after10 = {name: comparison.median(name)[9] for name in comparison.names}
    assert max(after10, key=after10.get) == "successive halving"
    assert "about three times as many configurations for the same price" in text
    ratio = comparison.n_configs("successive halving") / comparison.n_configs("random")
    assert ratio == pytest.approx(3, rel=0.1)


def test_section6_tpe_and_random_share_their_first_ten_trials():
    assert "TPE begins with ten random trials, so their first ten trials coincide" in _text()
    tpe = run_study(bowl, space=BOWL_SPACE, n_trials=12, sampler="tpe", random_state=0)
    random = run_study(bowl, space=BOWL_SPACE, n_trials=12, sampler="random", random_state=0)
    same = [a.params == b.params for a, b in zip(tpe.trials, random.trials, strict=True)]
    assert same == [True] * 10 + [False] * 2
