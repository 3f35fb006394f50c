"""Bad inputs give errors for people: each names the argument, shows the value and says what is allowed.

One table across labkit's entry points that used to fail with a raw torch/numpy error or
not at all; each row is (call, error type, pattern the message must match).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from labkit import arguments, splits
from labkit.gradients import gradcheck as gc
from labkit.gradients import monitor, pitfalls
from labkit.train import evaluate, fit, predict


def _linear():
    torch.manual_seed(0)
    return nn.Linear(2, 1)


CASES = {
    "predict, wrong feature count": (
        lambda: predict(_linear(), np.ones((30, 3))), ValueError, r"model cannot take X of shape \(30, 3\)"),
    "evaluate, wrong feature count": (
        lambda: evaluate(_linear(), (np.ones((30, 3)), np.ones((30, 1)))), ValueError,
        r"model cannot take data X of shape \(30, 3\)"),
    "fit, wrong feature count": (
        lambda: fit(_linear(), (np.ones((30, 3)), np.ones((30, 1))), epochs=1), ValueError,
        r"model cannot take train X of shape \(30, 3\)"),
    "predict, 3-D X for a dense model": (
        lambda: predict(nn.Linear(1, 1), np.ones((30, 1, 1))), ValueError,
        r"X with shape \(30, 1, 1\).*one row of outputs per sample"),
    "layer_gradient_norms, strings": (
        lambda: monitor.layer_gradient_norms(_linear(), "abc", np.ones((4, 1))), TypeError,
        r"^X must be a tensor, numpy array or list of numbers, got str"),
    "group_split, NaN groups": (
        lambda: splits.group_split(np.ones((6, 1)), np.ones(6), [1, 1, 2, 2, np.nan, 3]), ValueError,
        r"^groups must hold a label for every row, got NaN or None in 1 row\(s\) \(rows \[4\]\)"),
    "step_size_sweep, a string": (
        lambda: pitfalls.step_size_sweep(*gc.demo_problem(), hs="abc"), TypeError,
        r"^hs must be a non-empty list of positive step sizes.*got the string 'abc'"),
    "check_int, a bool is not a count": (
        lambda: arguments.check_int("epochs", True, min_value=1), TypeError,
        r"^epochs must be an integer, got True \(bool\)"),
    "check_float, NaN": (
        lambda: arguments.check_float("noise", float("nan"), min_value=0), ValueError,
        r"^noise must be a finite number, got nan"),
    "as_2d_float, NaN rows": (
        lambda: arguments.as_2d_float("X", [[1.0], [np.nan]]), ValueError,
        r"^X contains NaN or Inf in 1 row\(s\)"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_input_gets_an_error_that_names_it(case):
    call, error, pattern = CASES[case]
    with pytest.raises(error, match=pattern):
        call()


def test_layer_gradient_norms_accepts_numpy_as_fit_does():
    X, y = np.random.default_rng(0).normal(size=(8, 2)), np.zeros((8, 1))
    norms = monitor.layer_gradient_norms(_linear(), X, y)
    assert norms.shape == (1,) and norms[0] > 0
