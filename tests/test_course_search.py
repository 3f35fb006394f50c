"""Lab 08's exercises: each accepts its solution and refuses the usual wrong answers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from labkit.course.search import (
    BAYES_MOVES,
    EDGE_ACTIONS,
    HYPERPARAMETERS,
    QUESTIONS,
    STORAGES,
    TEST_ERROR_GUESSES,
    exercises,
)
from labkit.search.bayes import bayes_step, expected_improvement
from labkit.search.objective import Dimension
from labkit.search.sampling import decade_shares, draw

LR = (Dimension("lr", 1e-4, 1.0),)


def a_step():
    """A real BayesStep over the learning rate from five made-up observations (no training)."""
    lrs = [1e-4, 1e-3, 1e-2, 0.05, 0.1]
    return bayes_step(LR, [{"lr": v} for v in lrs], [0.5, 0.3, 0.12, 0.07, 0.06])


def test_the_optional_exercise_needs_the_labs_step_and_every_one_has_its_question():
    names = [e.name for e in exercises()]
    assert names == ["q1", "q2", "q3", "q5", "q6", "q7", "q8", "q9"]
    assert [e.name for e in exercises(step=a_step())] == sorted([*names, "q4"])
    assert set(QUESTIONS) == {*names, "q4"}
    with pytest.raises(TypeError, match="step"):
        exercises(step={"lr": 0.1})


def test_q1_is_the_share_of_the_length_that_uniform_draws_give_the_lowest_decade():
    ex = exercises()
    counted = decade_shares(draw(1e-4, 1e-1, 20_000, random_state=0), 1e-4, 1e-1).shares[0]
    assert ex.q1.check(float(counted)).ok and ex.q1.check(0.009).ok and ex.q1.check(0.01).ok
    assert "percentage" in ex.q1.check(1).message
    assert "0.9%" in ex.q1.check(0.9).message  # a percent, or the top decade's 90%
    assert "log-uniform" in ex.q1.check(1 / 3).message
    assert "middle decade" in ex.q1.check(0.09).message
    assert not ex.q1.check(0.1).ok and not ex.q1.check(0.05).ok and not ex.q1.check(0.001).ok
    assert not ex.q1.check("0.009").ok and not ex.q1.check(True).ok


def test_q2_wants_the_grids_4_rates_and_randoms_16():
    ex = exercises()
    assert ex.q2.check((4, 16)).ok and ex.q2.check([4.0, 16]).ok and ex.q2.check((np.int64(4), 16)).ok
    assert "other way round" in ex.q2.check((16, 4)).message
    assert "only 4 different" in ex.q2.check((16, 16)).message
    assert "draws its own" in ex.q2.check((4, 4)).message
    assert not ex.q2.check((2, 16)).ok and not ex.q2.check(4).ok and not ex.q2.check("4, 16").ok


def test_q3_is_the_topics_expected_improvement_and_names_the_usual_slips():
    ex = exercises()
    right = float(expected_improvement(np.array([0.25]), np.array([0.1]), 0.2)[0])
    assert 0 < right < 0.1 and ex.q3.check(right).ok and ex.q3.check(np.float32(right)).ok
    assert "positive wherever std > 0" in ex.q3.check(0.0).message  # max(best - mean, 0)
    assert "never negative" in ex.q3.check(-0.05).message
    phi = np.exp(-0.125) / np.sqrt(2 * np.pi)
    assert "exploration term" in ex.q3.check(0.1 * phi).message
    assert not ex.q3.check(right * 1.2).ok and not ex.q3.check(float("nan")).ok


def test_q4_follows_the_step_the_lab_passes_in():
    step = a_step()
    lowest = step.grid[int(np.argmin(step.mean))]
    far = np.linalg.norm(step.next_point - lowest) > 0.1  # away from the lowest mean: it explores
    assert exercises(step=step).q4.check("explore" if far else "exploit").ok
    for explores in (True, False):
        shown = dataclasses.replace(step, explores=explores)
        ex = exercises(step=shown)
        right, wrong = ("explore", "exploit") if explores else ("exploit", "explore")
        assert ex.q4.check(right).ok and ex.q4.check(right.upper()).ok
        result = ex.q4.check(wrong)
        assert not result.ok and "lowest mean" in result.message
        assert not ex.q4.check("both").ok and not ex.q4.check(1).ok
    assert set(BAYES_MOVES) == {"explore", "exploit"}


def test_choice_exercises_take_their_solutions_and_explain_each_wrong_option():
    ex = exercises()
    for exercise, options, right in ((ex.q5, EDGE_ACTIONS, EDGE_ACTIONS[0]),
                                     (ex.q6, TEST_ERROR_GUESSES, "higher"),
                                     (ex.q9, STORAGES, STORAGES[0])):
        assert exercise.check(right).ok
        messages = set()
        for option in options:
            if option != right:
                result = exercise.check(option)
                assert not result.ok and "not the right one" not in result.message
                messages.add(result.message)
        assert len(messages) == len(options) - 1  # a reason of its own for each wrong option
        assert not exercise.check("something else").ok
    assert "biased low" in ex.q6.check("the same").message
    assert "network" in ex.q9.check(STORAGES[1]).message


def test_q7_wants_the_learning_rate_and_the_seed_as_nuisances():
    ex = exercises()
    assert ex.q7.check(["learning rate", "random seed"]).ok
    assert ex.q7.check({"Random seed", "learning rate"}).ok  # any order, any case
    assert "scientific" in ex.q7.check(["learning rate", "random seed", "weight decay"]).message
    assert "fixed" in ex.q7.check(["learning rate", "width"]).message
    assert not ex.q7.check(["learning rate"]).ok and not ex.q7.check("learning rate").ok
    assert not ex.q7.check(list(HYPERPARAMETERS)).ok


def test_q8_counts_every_workers_trials_in_the_shared_study():
    ex = exercises()
    assert ex.q8.check(100).ok and ex.q8.check(100.0).ok
    assert "own 50" in ex.q8.check(50).message
    assert "no trial is lost" in ex.q8.check(98).message
    assert not ex.q8.check(99).ok and not ex.q8.check(200).ok and not ex.q8.check("100").ok
