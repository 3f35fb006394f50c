"""Labs 02 and 03's exercises: each accepts its solution and refuses the usual wrong answers."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

from labkit.course import extrapolation, validation
from labkit.generalization.dynamics import compare_horizons
from labkit.generalization.extrapolation import ensemble_spread
from labkit.generalization.group_splits import compare_splits
from labkit.generalization.validation import validation_optimism


@pytest.fixture(scope="module")
def optimism():
    return validation_optimism((1, 3, 10), n_pool=12, n_repeats=30, epochs=40, random_state=0)


@pytest.fixture(scope="module")
def splits():
    return compare_splits(n_repeats=1, epochs=150, random_state=0)


@pytest.fixture(scope="module")
def horizons():
    return compare_horizons(3, n_trajectories=4, n_steps=10, n_test=2, test_steps=20, epochs=20,
                            random_state=0)


@pytest.fixture(scope="module")
def spread():
    return ensemble_spread(3, epochs=60, random_state=0)


def solution_answer(exercise):
    """The first `...` in an exercise's solution, as a Python value."""
    code = re.search(r"`([^`]+)`", exercise.solution().text).group(1)
    return ast.literal_eval(code)


# ---------------------------------------------------------------- Lab 02

def test_lab02_numeric_exercises_need_the_labs_results():
    ex = validation.exercises()
    assert [e.name for e in ex] == ["q3", "q4"]
    assert "q1" not in dir(ex) and "q5" not in dir(ex)


def test_lab02_q1_wants_the_optimism_of_the_most_configurations(optimism):
    ex = validation.exercises(optimism=optimism)
    right = float(optimism.optimism[-1])
    assert right > 0  # the winner of 10 flatters, even in this small run
    assert ex.q1.check(right).ok and ex.q1.check(np.float32(right)).ok
    assert ex.q1.check(solution_answer(ex.q1)).ok  # the solution's rounded number passes too
    assert not ex.q1.check(-right).ok  # the sign flipped: hold-out minus validation is positive
    assert not ex.q1.check(float(optimism.optimism[0])).ok  # the row of one configuration
    assert not ex.q1.check(float(optimism.mean_holdout_error[-1])).ok  # an error, not the gap
    assert not ex.q1.check("0.01").ok


def test_lab02_q2_wants_how_much_the_random_split_flatters(splits):
    ex = validation.exercises(splits=splits)
    s = splits.summary()
    right = s["random_unseen_error"] / s["random_val_error"]
    assert right > 1.2  # new materials are harder than the random split says
    assert ex.q2.check(right).ok and ex.q2.check(solution_answer(ex.q2)).ok
    assert not ex.q2.check(1 / right).ok  # the ratio upside down
    assert not ex.q2.check(s["group_unseen_error"] / s["group_val_error"]).ok  # the group split's ratio
    assert not ex.q2.check(s["random_unseen_error"] - s["random_val_error"]).ok  # a difference


def test_lab02_q3_wants_exactly_the_leaky_practices():
    ex = validation.exercises()
    leaky = [p for p in validation.PRACTICES if p in validation._LEAKY]
    assert len(leaky) == 5 and any("features" in p and "all rows" in p for p in leaky)
    assert ex.q3.check(list(reversed(leaky))).ok
    assert ex.q3.check({f" {p.upper()} " for p in leaky}).ok  # case and outer spaces do not matter
    assert not ex.q3.check(leaky[:3]).ok  # one missing
    assert not ex.q3.check(leaky + ["fit the scaler on the training part only"]).ok  # an honest one
    assert not ex.q3.check(leaky[0]).ok  # a string, not a list
    assert not ex.q3.check(leaky + ["scale nothing"]).ok  # not an option


def test_lab02_q4_wants_data_mismatch():
    ex = validation.exercises()
    assert ex.q4.check("Data mismatch").ok
    assert ex.q4.check(solution_answer(ex.q4)).ok
    for wrong in ("overfitting", "avoidable bias", "underfitting", 3):
        assert not ex.q4.check(wrong).ok


def test_lab02_q5_wants_the_ratio_of_final_rollout_errors(horizons):
    ex = validation.exercises(horizons=horizons)
    right = horizons.one_step.final_error / horizons.multi_step.final_error
    assert ex.q5.check(right).ok and ex.q5.check(solution_answer(ex.q5)).ok
    assert not ex.q5.check(1 / right).ok
    assert not ex.q5.check(horizons.one_step.one_step_error / horizons.multi_step.one_step_error).ok


def test_lab02_all_five_with_results_and_progress(optimism, splits, horizons):
    ex = validation.exercises(optimism, splits, horizons)
    assert [e.name for e in ex] == ["q1", "q2", "q3", "q4", "q5"]
    ex.q4.check("data mismatch")
    ex.q1.check(float(optimism.optimism[-1]))
    assert "Solved 2 of 5" in str(ex.progress())
    for e in ex:
        assert e.hint().text.startswith("**Hint:**") and e.solution().text.startswith("**Solution:**")


# ---------------------------------------------------------------- Lab 03

def test_lab03_q1_wants_the_spread_ratio(spread):
    ex = extrapolation.exercises(spread)
    s = spread.summary()
    right = s["spread_outside"] / s["spread_inside"]
    assert right > 10  # the networks agree inside and fan out beyond
    assert ex.q1.check(right).ok and ex.q1.check(solution_answer(ex.q1)).ok
    assert not ex.q1.check(1 / right).ok
    assert not ex.q1.check(s["error_outside"] / s["error_inside"]).ok  # errors, not spreads
    assert not ex.q1.check(s["spread_outside"]).ok
    assert "q1" not in dir(extrapolation.exercises())


def test_lab03_q2_wants_the_saturating_activations():
    ex = extrapolation.exercises()
    assert ex.q2.check(["sigmoid", "tanh"]).ok and ex.q2.check(("TANH ", "Sigmoid")).ok
    assert ex.q2.check(solution_answer(ex.q2)).ok
    assert not ex.q2.check(["tanh"]).ok
    assert not ex.q2.check(["tanh", "sigmoid", "elu"]).ok  # ELU grows linearly on one side
    assert not ex.q2.check(["relu"]).ok
    assert not ex.q2.check("tanh").ok


@pytest.mark.parametrize("activation", extrapolation.ACTIVATIONS)
def test_lab03_q2s_answer_is_what_networks_do(activation):
    # the claim behind q2: far outside the domain, tanh and sigmoid networks are flat, the others rise
    result = ensemble_spread(2, activation=activation, grid=(-4.0, 4.0), n_grid=81, epochs=200,
                             random_state=0)
    rise = np.abs(result.predictions[:, -1] - result.predictions[:, -11])  # over the last unit of x
    if activation in ("tanh", "sigmoid"):
        assert rise.max() < 0.1
    else:
        assert rise.min() > 0.15


@pytest.mark.parametrize(("name", "choices", "right"), [
    ("q3", extrapolation.STRUCTURE_CHOICES, 3),
    ("q4", extrapolation.SIMULATOR_CHOICES, 1),
    ("q5", extrapolation.REGION_CHOICES, 1),
])
def test_lab03_choice_exercises(name, choices, right):
    exercise = getattr(extrapolation.exercises(), name)
    assert exercise.check(choices[right]).ok
    assert exercise.check(solution_answer(exercise)).ok
    for i, wrong in enumerate(choices):
        if i != right:
            assert not exercise.check(wrong).ok
    assert not exercise.check("something else").ok
    assert not exercise.check(right).ok  # the index is not the answer


def test_lab03_progress(spread):
    ex = extrapolation.exercises(spread)
    assert [e.name for e in ex] == ["q1", "q2", "q3", "q4", "q5"]
    ex.q5.check(extrapolation.REGION_CHOICES[1])
    assert "Solved 1 of 5" in str(ex.progress())
