"""labkit.generalization.biasvar: sweeps must show the textbook trends and add up to the test error.

Sizes are small (8 models, 100 test points, widths 2 and 64) so each sweep takes a
fraction of a second. With these sizes, over seeds 0-29 the widest net always had
at least 3x the narrowest's bias^2 below it and more variance above it; the tests use
seed 0 and leave room for other torch builds to round differently.
"""

from __future__ import annotations

import numpy as np
import pytest

from labkit.generalization.biasvar import (
    DEFAULT_VALUES,
    PARAMS,
    BiasVarianceResult,
    bias_variance,
    bias_variance_sweep,
    iter_bias_variance_sweep,
)

SMALL = dict(n_models=8, n_test=100, random_state=0)
TINY = dict(n_models=2, n_train=5, epochs=2, n_test=5, random_state=0)


@pytest.fixture(scope="module")
def width_sweep():
    return bias_variance_sweep("width", [2, 64], **SMALL)


@pytest.fixture(scope="module")
def decay_sweep():
    return bias_variance_sweep("weight_decay", [0.0, 0.01, 1.0], width=16, **SMALL)


def test_capacity_trades_bias_for_variance(width_sweep):
    r = width_sweep
    assert r.bias_squared[0] > 2 * r.bias_squared[-1]  # more units: the average fit nears the truth
    assert r.variance[-1] > r.variance[0]  # ... and the fits disagree more


def test_strong_weight_decay_means_high_bias(decay_sweep):
    r = decay_sweep
    assert r.bias_squared[-1] > 10 * r.bias_squared[0]  # decay 1.0 flattens every fit
    assert r.variance[-1] < r.variance[0]  # ... all the same way
    assert r.train_error[-1] > r.train_error[0]


def test_more_data_lowers_variance():
    r = bias_variance_sweep("n_train", [5, 60], width=16, **SMALL)
    assert r.variance[0] > 2 * r.variance[1]


@pytest.mark.parametrize("fixture", ["width_sweep", "decay_sweep"])
def test_parts_add_up_to_test_error(fixture, request):
    r = request.getfixturevalue(fixture)
    # Exact up to the sample noise's mean square (~noise^2) and a cross term (~0): see the docstring.
    np.testing.assert_allclose(r.test_error, r.bias_squared + r.variance + r.noise, rtol=0.15)
    np.testing.assert_allclose(r.noise, 0.3**2)


def test_parts_match_the_stored_curves(width_sweep):
    r = width_sweep
    assert r.predictions.shape == (2, 8, 100) and r.x_test.shape == r.truth.shape == (100,)
    assert np.all(np.diff(r.x_test) >= 0)
    np.testing.assert_allclose(r.truth, np.sin(r.x_test))
    parts = bias_variance(r.predictions[1], r.truth)
    assert (parts.bias_squared, parts.variance) == pytest.approx((r.bias_squared[1], r.variance[1]))


def test_decay_batch_matches_separate_runs(decay_sweep):
    """The one-run weight-decay path gives what a plain run with that decay gives."""
    for i, decay in enumerate([0.0, 1.0]):
        alone = bias_variance_sweep("width", [16], weight_decay=decay, **SMALL)
        k = [0, 2][i]
        np.testing.assert_allclose(alone.predictions[0], decay_sweep.predictions[k], rtol=1e-3, atol=1e-4)


def test_same_seed_same_result():
    a = bias_variance_sweep("epochs", [5, 20], **SMALL)
    b = bias_variance_sweep("epochs", [5, 20], **SMALL)
    np.testing.assert_array_equal(a.predictions, b.predictions)
    assert a.test_error[1] < a.test_error[0]  # 5 epochs of Adam have barely moved the nets


def test_result_reports(width_sweep):
    r = width_sweep
    assert isinstance(r, BiasVarianceResult) and r.seconds > 0
    assert r.best_value == r.values[np.argmin(r.test_error)] and isinstance(r.best_value, int)
    table = r.as_dict()
    assert list(table) == ["width", "bias_squared", "variance", "noise", "test_error", "train_error",
                           "n_diverged"]
    assert table["width"] == [2, 64] and all(len(v) == 2 for v in table.values())
    text = repr(r)
    assert "best width=" in text and "bias^2" in text and len(text.splitlines()) == 4


def test_diverged_models_give_nan():
    r = bias_variance_sweep("depth", [2], lr=1e6, epochs=30, activation="relu", **SMALL)
    assert r.n_diverged[0] > 0
    assert np.isnan(r.test_error[0]) and np.isnan(r.bias_squared[0]) and r.best_value is None
    assert f"({r.n_diverged[0]} diverged)" in repr(r)


def test_defaults_exist_for_every_param():
    assert set(DEFAULT_VALUES) == set(PARAMS)
    r = bias_variance_sweep("depth", n_models=2, n_train=5, epochs=2, n_test=5, random_state=0)
    np.testing.assert_array_equal(r.values, DEFAULT_VALUES["depth"])


@pytest.mark.parametrize("args, kwargs, error, words", [
    (("height", [1]), {}, ValueError, "param must be one of"),
    (("width", []), {}, ValueError, "at least one width"),
    (("width", "8"), {}, TypeError, "values must be a list"),
    (("width", 8), {}, TypeError, "values must be a list"),
    (("width", np.ones((2, 2))), {}, ValueError, "1-D"),
    (("width", [8, 0]), {}, ValueError, r"values\[1\] \(width\) must be at least 1"),
    (("width", [2.5]), {}, TypeError, r"values\[0\] \(width\) must be an integer"),
    (("depth", [True]), {}, TypeError, "depth"),
    (("n_train", [1, 10]), {}, ValueError, r"n_train\) must be at least 2"),
    (("epochs", [-5]), {}, ValueError, "epochs"),
    (("weight_decay", [-0.1]), {}, ValueError, r"weight_decay\) must be at least 0"),
    (("weight_decay", [float("nan")]), {}, ValueError, "finite"),
    (("width", [2]), {"n_models": 1}, ValueError, "n_models"),
    (("width", [2]), {"noise": -0.1}, ValueError, "noise"),
    (("width", [2]), {"lr": 0.0}, ValueError, "lr must be greater than 0"),
    (("width", [2]), {"activation": "swish"}, ValueError, "activation must be one of"),
    (("width", [2]), {"dataset": "moons"}, ValueError, "dataset must be one of 'sine'"),
    (("width", [2]), {"n_test": 0}, ValueError, "n_test"),
    (("width", [2]), {"random_state": -1}, TypeError, "random_state"),
    (("width", [2]), {"progress": "yes"}, TypeError, "progress must be True, False, None"),
])
def test_bad_arguments(args, kwargs, error, words):
    with pytest.raises(error, match=words):
        bias_variance_sweep(*args, **kwargs)


def test_a_progress_function_hears_of_every_value_in_order():
    calls = []
    bias_variance_sweep("width", [2, 4, 8], progress=lambda i, n: calls.append((i, n)), **TINY)
    assert calls == [(0, 3), (1, 3), (2, 3)]  # before each value's training run
    calls.clear()
    bias_variance_sweep("weight_decay", [0.0, 0.1, 1.0], progress=lambda i, n: calls.append((i, n)), **TINY)
    assert calls == [(0, 1)]  # every decay in one batched run


def test_the_step_by_step_sweep_is_the_same_sweep():
    steps = list(iter_bias_variance_sweep("epochs", [5, 20], **SMALL))
    assert [(s.done, s.total) for s in steps] == [(0, 2), (1, 2), (2, 2)]
    assert [s.result is None for s in steps] == [True, True, False]
    whole = bias_variance_sweep("epochs", [5, 20], progress=False, **SMALL)
    np.testing.assert_array_equal(steps[-1].result.predictions, whole.predictions)
    with pytest.raises(ValueError, match="param"):  # checked at the call, before any step
        iter_bias_variance_sweep("height")


def test_progress_false_prints_nothing_and_true_draws_a_bar(capsys):
    bias_variance_sweep("width", [2, 4], progress=False, **TINY)
    assert capsys.readouterr().err == ""
    bias_variance_sweep("width", [2, 4], progress=True, **TINY)
    assert "width sweep" in capsys.readouterr().err  # tqdm's text bar, outside a notebook


def test_float_widths_that_are_whole_numbers_are_fine():
    r = bias_variance_sweep("width", np.array([2.0, 4.0]), n_models=2, n_train=5, epochs=2, n_test=5)
    assert r.values.dtype.kind == "i"
