"""Lab 06's exercises: each accepts its solution and refuses the usual wrong answers."""

from __future__ import annotations

import numpy as np
import pytest

from labkit.course.learning_rate import (
    DIVERGENCE_CAUSES,
    PATH_LETTERS,
    RATIO_ACTIONS,
    exercises,
    mystery_paths,
)


def range_curve():
    """A range-test-like curve: flat, falling between 1e-3 and 1e-1, lowest at 0.1, then rising."""
    lrs = np.logspace(-5, 0, 60)
    x = np.log10(lrs)
    losses = 1.0 - 0.8 / (1 + np.exp(-4 * (x + 2))) + 5 * np.clip(x + 1, 0, None) ** 2
    return lrs, losses


def test_the_optional_exercises_need_the_labs_results():
    assert [e.name for e in exercises()] == ["q2", "q4", "q5", "q6"]
    assert [e.name for e in exercises(range_curve(), 4.0)] == ["q1", "q2", "q3", "q4", "q5", "q6"]


def test_q1_wants_a_rate_below_the_curves_minimum_where_the_loss_still_falls():
    lrs, losses = range_curve()
    at_min = lrs[np.argmin(losses)]
    ex = exercises(range_test=(lrs, losses))
    assert ex.q1.check(at_min / 10).ok and ex.q1.check(float(at_min / 3)).ok
    assert not ex.q1.check(at_min).ok and "minimum" in ex.q1.check(at_min).message
    assert not ex.q1.check(at_min * 5).ok  # past the minimum
    assert not ex.q1.check(at_min / 50).ok and "go higher" in ex.q1.check(at_min / 50).message
    assert not ex.q1.check(at_min / 300).ok  # the flat start
    assert not ex.q1.check("0.01").ok and not ex.q1.check(-1.0).ok
    with pytest.raises(ValueError, match="lrs and losses"):
        exercises(range_test=(lrs, losses[:-1]))


def test_q1_ignores_the_nan_a_diverged_test_ends_with():
    lrs, losses = range_curve()
    losses[-3:] = np.nan
    ex = exercises(range_test=(lrs, losses))
    assert ex.q1.check(lrs[np.nanargmin(losses)] / 10).ok


def test_q3_is_two_over_the_largest_curvature():
    ex = exercises(largest_curvature=1.5e12)
    assert ex.q3.check(2 / 1.5e12).ok
    assert not ex.q3.check(1 / 1.5e12).ok and not ex.q3.check(2 * 1.5e12).ok
    with pytest.raises(ValueError, match="largest_curvature"):
        exercises(largest_curvature=0.0)


def test_choice_and_number_exercises_take_their_solutions_only():
    ex = exercises()
    assert ex.q2.check(DIVERGENCE_CAUSES[0]).ok and not ex.q2.check(DIVERGENCE_CAUSES[1]).ok
    assert ex.q4.check(0.08).ok and not ex.q4.check(0.01).ok and not ex.q4.check(0.02828).ok  # not sqrt
    assert ex.q5.check(RATIO_ACTIONS[0]).ok and not ex.q5.check(RATIO_ACTIONS[1]).ok


def test_q6_names_the_path_that_momentum_drew():
    surface, paths = mystery_paths()
    assert [p.rule for p in paths] == list(PATH_LETTERS)
    ex = exercises()
    right = [letter for letter in PATH_LETTERS if ex.q6.check(letter).ok]
    assert len(right) == 1
    path = paths[PATH_LETTERS.index(right[0])]
    # momentum's mark: it overshoots the minimum, so its path crosses the valley floor many times
    along = path.path @ np.array([np.cos(np.radians(30)), np.sin(np.radians(30))])
    crossings = [np.sum(np.diff(np.sign(p.path @ np.array([np.cos(np.radians(30)), np.sin(np.radians(30))])))
                        != 0) for p in paths]
    assert np.sum(np.diff(np.sign(along)) != 0) == max(crossings) > 0
    other_seed = exercises(paths_seed=5)
    assert [e.name for e in other_seed][-1] == "q6"


def test_q1_on_a_real_range_test_takes_its_own_minimum_over_10_suggestion():
    from labkit.optimization import default_problem, lr_range_test, make_network

    test = lr_range_test(make_network(0), default_problem()[0])
    ex = exercises(range_test=(test.lrs, test.smoothed))
    assert ex.q1.check(test.suggestions["minimum/10"]).ok
    assert not ex.q1.check(float(test.lrs[np.nanargmin(test.smoothed)])).ok  # the raw minimum: too high
