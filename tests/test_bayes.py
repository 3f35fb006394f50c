"""labkit.search.bayes: expected improvement by hand, the GP step's choice, the fooled surrogate."""

from __future__ import annotations

import math

import numpy as np
import pytest

from labkit.search.bayes import bayes_search, bayes_step, expected_improvement, fit_surrogate, fooled_case
from labkit.search.objective import DEFAULT_SPACE, Dimension, Objective

LR = (Dimension("lr", 1e-4, 1.0),)


def test_expected_improvement_matches_a_hand_computation():
    mean, std, best = 1.0, 2.0, 0.5
    z = (best - mean) / std
    cdf = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    pdf = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    ei = expected_improvement(np.array([mean]), np.array([std]), best)
    assert ei[0] == pytest.approx((best - mean) * cdf + std * pdf, rel=1e-12)
    with_xi = expected_improvement(np.array([mean]), np.array([std]), best, xi=0.1)
    assert with_xi[0] < ei[0]


def test_expected_improvement_without_uncertainty_is_the_plain_gain():
    ei = expected_improvement(np.array([2.0, 0.2]), np.array([0.0, 0.0]), 1.0)
    assert ei[0] == 0.0  # worse and certain: nothing to expect
    assert ei[1] == pytest.approx(0.8)


def test_expected_improvement_grows_with_std_at_equal_mean():
    ei = expected_improvement(np.full(3, 1.5), np.array([0.1, 0.5, 2.0]), 1.0)
    assert np.all(np.diff(ei) > 0) and ei[0] > 0


def test_the_gp_fits_its_observations():
    x = np.linspace(0, 1, 12)[:, None]
    y = np.sin(6 * x[:, 0])
    gp = fit_surrogate(x, y)
    mean, std = gp.predict(x, return_std=True)
    np.testing.assert_allclose(mean, y, atol=0.05)
    far = gp.predict(np.array([[3.0]]), return_std=True)[1][0]
    assert far > std.max()  # away from the data the GP is unsure


def configs(lrs):
    return [{"lr": float(r)} for r in lrs]


def test_the_step_picks_the_ei_argmax_1d_and_2d():
    step = bayes_step(LR, configs([1e-4, 1e-3, 1e-2, 0.3]), [0.5, 0.2, 0.08, 0.06])
    assert np.array_equal(step.next_point, step.grid[np.argmax(step.ei)])
    assert step.mean.shape == step.std.shape == step.ei.shape == (len(step.grid),)
    cfgs = [{"lr": r, "weight_decay": w} for r, w in [(1e-3, 1e-5), (1e-2, 1e-3), (0.1, 1e-2), (3e-4, 1e-2)]]
    step2 = bayes_step(DEFAULT_SPACE, cfgs, [0.2, 0.08, 0.1, 0.4], n_grid=100)
    assert step2.grid.shape == (100, 2)
    assert step2.next_point.shape == (2,)
    gp = fit_surrogate(step2.points, np.log10(step2.errors))  # the same data give the same GP
    m, s = gp.predict(step2.next_point[None], return_std=True)
    picked = expected_improvement(m, s, np.log10(0.08), xi=0.01)[0]
    assert picked >= step2.ei.max() - 1e-9  # nothing on the shown grid beats the pick


def test_bayes_search_tries_each_steps_next_point():
    objective = Objective(space=LR, epochs=20, n_val=40, n_test=40)
    steps = bayes_search(objective, n_trials=5, n_initial=3, random_state=0)
    assert len(steps) == 3 and len(steps[-1].errors) == 5
    for i, step in enumerate(steps[:-1]):
        np.testing.assert_allclose(steps[-1].points[3 + i], step.next_point)


def test_the_cliff_fools_the_surrogate():
    case = fooled_case(Objective(space=LR, epochs=40, n_val=60, n_test=40), n_trials=6)
    assert case.actual > case.band[1]  # the trial came out above the GP's 95% band
    assert case.surprise > 2


def test_bad_arguments_raise_errors_naming_them():
    with pytest.raises(ValueError, match="std"):
        expected_improvement(np.array([1.0]), np.array([-1.0]), 0.5)
    with pytest.raises(ValueError, match="xi"):
        expected_improvement(np.array([1.0]), np.array([1.0]), 0.5, xi=-1)
    with pytest.raises(ValueError, match="errors"):
        bayes_step(LR, configs([1e-3, 1e-2]), [0.1, -0.2])
    with pytest.raises(ValueError, match="points and values"):
        fit_surrogate(np.zeros((1, 1)), np.zeros(1))
    with pytest.raises(TypeError, match="objective"):
        bayes_search("sine")
