"""Lab 09's exercises: each accepts its solution and refuses the usual wrong answers."""

from __future__ import annotations

import numpy as np
import pytest

from labkit.course.recipe import QUESTIONS, exercises
from labkit.recipe.transfer import TransferCurve

CURVE = TransferCurve((1, 5), ("scratch", "retrain", "freeze"),
                      np.array([[0.5, 0.8], [0.6, 0.9], [0.7, 0.85]]), "pretrained")
BUG = {"pretrained": 0.983, "own": 0.983, "none": 0.442}


def test_optional_exercises_need_the_labs_results_and_every_one_has_its_question():
    assert [e.name for e in exercises()] == ["q1", "q2", "q3", "q4"]
    assert [e.name for e in exercises(curve=CURVE, bug=BUG)] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert set(QUESTIONS) == {"q1", "q2", "q3", "q4", "q5", "q6"}
    with pytest.raises(TypeError, match="curve"):
        exercises(curve={"retrain": 0.6})
    with pytest.raises(TypeError, match="bug"):
        exercises(bug={"pretrained": 0.9})


def test_q1_always_healthy_is_95_percent_accurate_and_finds_no_one():
    ex = exercises()
    assert ex.q1.check((0.95, 0.0)).ok and ex.q1.check([0.95, 0]).ok
    assert "percentages" in ex.q1.check((95, 0)).message
    assert "other way round" in ex.q1.check((0.0, 0.95)).message
    assert "recall" in ex.q1.check((0.95, 0.5)).message
    assert not ex.q1.check(0.95).ok and not ex.q1.check("0.95, 0").ok


def test_q2_is_variance_because_bias_is_within_tolerance_and_the_order_comes_before_size():
    ex = exercises()
    assert ex.q2.check("variance").ok
    assert "order" in ex.q2.check("distribution shift").message
    assert "within tolerance" in ex.q2.check("bias").message
    assert not ex.q2.check("validation overfitting").ok and not ex.q2.check("more data").ok


def test_q3_two_of_four_alarms_right_and_two_of_four_sick_found():
    ex = exercises()
    assert ex.q3.check((0.5, 0.5)).ok
    assert not ex.q3.check((0.5, 0.75)).ok and not ex.q3.check((0.4, 0.5)).ok
    assert "percentages" in ex.q3.check((50, 50)).message


def test_q4_the_two_rows_whose_labels_get_the_least_probability():
    ex = exercises()
    assert ex.q4.check({2, 4}).ok and ex.q4.check([4, 2]).ok
    assert not ex.q4.check({2, 5}).ok and not ex.q4.check({4}).ok and not ex.q4.check({0, 1}).ok


def test_q5_reads_the_curve_at_one_example_and_q6_the_bugs_cost():
    ex = exercises(curve=CURVE, bug=BUG)
    assert ex.q5.check("freeze").ok and not ex.q5.check("retrain").ok  # best at k=1, not at k=5
    assert ex.q6.check(54.1).ok and ex.q6.check(54.5).ok
    assert not ex.q6.check(0.541).ok and not ex.q6.check(44.2).ok
