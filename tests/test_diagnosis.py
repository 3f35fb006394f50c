"""labkit.generalization.diagnosis: the bias/variance rules of Goodfellow ch. 11, one regime per case."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from labkit.generalization.diagnosis import (
    ABOUT_RIGHT_REMEDIES,
    BIAS_VARIANCE_TABLE,
    DIVERGED_REMEDIES,
    OVERFITTING_REMEDIES,
    REGIMES,
    SOURCES,
    UNDERFITTING_REMEDIES,
    Diagnosis,
    diagnose,
    larger_gap,
)
from labkit.text import COLUMNS

GOAL = 0.05


@pytest.mark.parametrize("train, val, regime, level", [
    (0.012, 0.21, "overfitting", "warning"),  # train meets the goal, val does not
    (0.049, 0.051, "overfitting", "warning"),  # a small gap, but val misses the goal
    (0.002, 0.048, "overfitting", "warning"),  # both meet the goal, gap 0.046 > 0.025
    (0.2, 0.22, "underfitting", "warning"),
    (0.2, 0.2249, "underfitting", "warning"),  # gap 0.0249 < 0.025: not much worse
    (0.2, 0.6, "underfitting and overfitting", "warning"),
    (0.01, 0.02, "about right", "good"),
    (0.05, 0.05, "about right", "good"),  # "meets the goal" includes equality
    (0.0, 0.0, "about right", "good"),
    (math.nan, 0.1, "diverged", "error"),
    (0.1, math.inf, "diverged", "error"),
    (math.inf, math.nan, "diverged", "error"),
])
def test_regimes(train, val, regime, level):
    d = diagnose(train, val, goal_error=GOAL)
    assert (d.regime, d.level) == (regime, level)
    assert d.regime in REGIMES
    assert d.gap_tolerance == pytest.approx(0.5 * GOAL)


def test_remedies_follow_the_regime():
    assert diagnose(0.2, 0.21, goal_error=GOAL).remedies == UNDERFITTING_REMEDIES
    assert diagnose(0.01, 0.2, goal_error=GOAL).remedies == OVERFITTING_REMEDIES
    assert diagnose(math.nan, 0.2, goal_error=GOAL).remedies == DIVERGED_REMEDIES
    assert diagnose(0.01, 0.02, goal_error=GOAL).remedies == ABOUT_RIGHT_REMEDIES
    bias_larger = diagnose(0.3, 0.4, goal_error=GOAL).remedies  # bias gap 0.25, variance gap 0.1
    assert "bias first" in bias_larger[0] and bias_larger[1:-1] == UNDERFITTING_REMEDIES
    assert "Then the variance" in bias_larger[-1]
    variance_larger = diagnose(0.2, 0.6, goal_error=GOAL).remedies  # bias gap 0.15, variance gap 0.4
    assert "variance first" in variance_larger[0] and "2.7 times" in variance_larger[0]
    assert variance_larger[1:-1] == OVERFITTING_REMEDIES and "Then the bias" in variance_larger[-1]


@pytest.mark.parametrize("train, val, focus", [
    (0.20, 0.27, "bias"),  # the talk's first model: bias gap 19 points, variance gap 7
    (0.015, 0.05, "variance"),  # "more training data": bias gap 0.5 points, variance gap 3.5
    (0.017, 0.04, "variance"),  # "add weight decay": 0.7 against 2.3
    (0.2, 0.21, "bias"),  # underfitting alone
    (0.008, 0.12, "variance"),  # overfitting alone
    (0.006, 0.009, None),  # about right
    (math.nan, 0.1, None),  # diverged
])
def test_focus_is_the_larger_gap(train, val, focus):
    goal = 0.01
    d = diagnose(train, val, goal_error=goal)
    assert d.focus == focus
    assert d.bias_gap == pytest.approx(train - goal, nan_ok=True)
    assert d.variance_gap == pytest.approx(val - train, nan_ok=True)
    if d.regime == "underfitting and overfitting":
        assert larger_gap(train, val, goal) == focus
        assert f"The {focus} gap is larger" in d.headline


def test_a_tie_between_the_gaps_goes_to_the_bias():
    assert larger_gap(0.5, 0.75, 0.25) == "bias"  # 0.25 each, exact in binary
    assert diagnose(0.5, 0.75, goal_error=0.25).focus == "bias"
    assert larger_gap(0.5, 0.875, 0.25) == "variance"


def test_headline_names_the_numbers():
    d = diagnose(0.012, 0.21, goal_error=0.05)
    assert d.headline == ("Overfitting (high variance): training error 0.012 meets the goal 0.05, "
                          "validation error 0.21 does not.")
    assert diagnose(0.2, 0.6, goal_error=GOAL).headline == (
        "Underfitting and overfitting: training error 0.2 misses the goal 0.05 by 0.15, and validation "
        "error 0.6 is 0.4 worse still. The variance gap is larger: attack it first.")
    assert "nan" in diagnose(math.nan, 0.1, goal_error=GOAL).headline


def test_gap_tolerance_changes_the_verdict():
    assert diagnose(0.002, 0.048, goal_error=GOAL, gap_tolerance=math.inf).regime == "about right"
    assert diagnose(0.2, 0.6, goal_error=GOAL, gap_tolerance=1.0).regime == "underfitting"
    assert diagnose(0.01, 0.03, goal_error=GOAL, gap_tolerance=0.01).regime == "overfitting"
    assert diagnose(0.01, 0.03, goal_error=GOAL, gap_tolerance=0.02).regime == "about right"


def test_accepts_numpy_and_torch_scalars():
    d = diagnose(np.float32(0.2), torch.tensor(0.21), goal_error=np.float64(0.05))
    assert d.regime == "underfitting" and isinstance(d.train_error, float)
    assert diagnose(np.array([0.01]), np.array(0.02), goal_error=1).regime == "about right"


def test_reprs_show_headline_and_remedies():
    d = diagnose(0.012, 0.21, goal_error=GOAL)
    assert repr(d).split("\n  - ")[0].split() == d.headline.split()  # wrapped to the column, words whole
    assert all(len(line) <= COLUMNS for line in repr(d).splitlines())
    assert repr(d).count("\n  - ") == len(OVERFITTING_REMEDIES)
    md = d._repr_markdown_()
    assert md.startswith(f"**{d.headline}**") and md.count("\n- ") == len(OVERFITTING_REMEDIES)


def test_diagnosis_is_frozen():
    d = diagnose(0.01, 0.02, goal_error=GOAL)
    assert isinstance(d, Diagnosis)
    with pytest.raises(AttributeError):
        d.regime = "overfitting"


def test_table_and_sources():
    columns = ("regime", "train error", "validation error", "what it means", "first things to try")
    assert all(tuple(row) == columns for row in BIAS_VARIANCE_TABLE)
    assert {row["regime"].split(" (")[0] for row in BIAS_VARIANCE_TABLE} == set(REGIMES)
    for name in ("UNDERFITTING_REMEDIES", "OVERFITTING_REMEDIES", "DIVERGED_REMEDIES"):
        assert "Lusch" in SOURCES[name] or "Langseth" in SOURCES[name]
    lists = (UNDERFITTING_REMEDIES, OVERFITTING_REMEDIES, DIVERGED_REMEDIES, ABOUT_RIGHT_REMEDIES)
    assert all(r and isinstance(r, str) for remedies in lists for r in remedies)
    (both,) = [row["first things to try"] for row in BIAS_VARIANCE_TABLE
               if row["regime"] == "underfitting and overfitting"]
    assert "larger gap" in both and "bias first" not in both
    assert "Ng" in SOURCES["larger_gap"] and "weight decay" in SOURCES["larger_gap"]


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(train_error="0.1"), TypeError, "train_error"),
    (dict(train_error=None), TypeError, "train_error"),
    (dict(train_error=True), TypeError, "train_error"),
    (dict(val_error=[0.1, 0.2]), TypeError, "val_error"),
    (dict(train_error=-0.1), ValueError, "train_error"),
    (dict(val_error=-1), ValueError, "never negative"),
    (dict(goal_error=-0.01), ValueError, "goal_error"),
    (dict(goal_error=math.nan), ValueError, "goal_error"),
    (dict(goal_error=math.inf), ValueError, "goal_error"),
    (dict(goal_error="5%"), TypeError, "goal_error"),
    (dict(gap_tolerance=-1.0), ValueError, "gap_tolerance"),
    (dict(gap_tolerance="big"), TypeError, "gap_tolerance"),
])
def test_bad_arguments(kwargs, error, words):
    args = dict(train_error=0.1, val_error=0.2, goal_error=0.05) | kwargs
    with pytest.raises(error, match=words):
        diagnose(args.pop("train_error"), args.pop("val_error"), **args)


def test_goal_is_keyword_only():
    with pytest.raises(TypeError):
        diagnose(0.1, 0.2, 0.05)


@pytest.mark.parametrize("train, val, goal", [
    (0.2, 0.6, 0.05), (0.3, 0.4, 0.05), (123.456789, 80808.1, 0.055), (0.012, 0.21, 0.05),
    (0.2, 0.22, 0.05), (0.01, 0.02, 0.05), (math.nan, 0.1, 0.05), (1.23456e-7, 9.87654e5, 1.2345e-3),
])
def test_brief_is_one_short_line_with_the_regime(train, val, goal):
    d = diagnose(train, val, goal_error=goal)
    assert len(d.brief) <= 95 and "\n" not in d.brief
    assert d.brief.lower().startswith(d.regime.split(" (")[0])
    if d.focus is not None and d.regime == "underfitting and overfitting":
        assert f"attack the {d.focus} gap" in d.brief
