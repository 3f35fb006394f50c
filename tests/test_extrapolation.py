"""labkit.generalization.extrapolation: networks fan out beyond their data, and known structure reins them in.

Sizes are reduced (fewer models and epochs). Each asserted margin held for seeds 0-2
at these sizes, most by a factor of 5 or more; the tightest were the residual model
with a wiggle (3.4-5.4 times better outside, asserted 3) and the pendulum's spread
(4.3-21.6 times wider outside, asserted 3).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labkit.data import pendulum_period
from labkit.generalization.extrapolation import (
    SPREAD_DATASETS,
    DiscrepancyResult,
    Residual,
    ResidualComparison,
    SpreadResult,
    SymmetryResult,
    compare_residual,
    discrepancy_demo,
    ensemble_spread,
    small_angle_period,
    symmetry_demo,
)
from labkit.models import MLP
from labkit.train import fit, predict

# ---------------------------------------------------------------- ensemble spread

def test_models_agree_inside_the_domain_and_fan_out_outside():
    r = ensemble_spread(4, epochs=300, random_state=0)
    assert isinstance(r, SpreadResult) and r.domain == (-0.5, 0.5)
    assert r.predictions.shape == (4, 301) and r.x.shape == r.truth.shape == r.std.shape == (301,)
    np.testing.assert_array_equal(r.truth, r.x)  # f(x) = x
    s = r.summary()
    assert s["spread_outside"] > 20 * s["spread_inside"]
    assert s["error_outside"] > 100 * s["error_inside"]
    assert r.inside.sum() == 51  # [-0.5, 0.5] on a 0.02 grid
    assert "outside" in repr(r)


@pytest.mark.parametrize("dataset", ["sine", "pendulum"])
def test_other_laws_fan_out_too(dataset):
    r = ensemble_spread(3, dataset=dataset, n_grid=101, epochs=200, random_state=0)
    assert r.domain == SPREAD_DATASETS[dataset][1]
    s = r.summary()
    assert s["spread_outside"] > 3 * s["spread_inside"]


def test_ensemble_spread_is_deterministic_for_a_seed():
    a, b = (ensemble_spread(2, epochs=20, n_grid=11, random_state=4) for _ in range(2))
    np.testing.assert_array_equal(a.predictions, b.predictions)


# ---------------------------------------------------------------- residual models

def test_residual_adds_its_input():
    torch.manual_seed(0)
    net = MLP(3, 3, width=8)
    x = torch.randn(4, 3)
    torch.testing.assert_close(Residual(net)(x), net(x) + x)
    with pytest.raises(ValueError, match="shaped like x"):
        Residual(MLP(3, 1, width=8))(x)
    with pytest.raises(TypeError, match="net must be"):
        Residual("mlp")


def test_a_residual_model_trained_with_fit_extrapolates_the_identity():
    X = np.linspace(-0.5, 0.5, 40)[:, None]
    far = np.array([[-3.0], [3.0]])
    errors = {}
    for name in ("plain", "residual"):
        torch.manual_seed(0)
        model = MLP(1, 1, width=32)
        model = Residual(model) if name == "residual" else model
        fit(model, (X, X[:, 0]), epochs=300, lr=1e-2)
        errors[name] = float(np.mean((predict(model, far)[:, 0] - far[:, 0]) ** 2))
    assert errors["residual"] < 0.1 * errors["plain"]


@pytest.mark.parametrize("wiggle, factor", [(0.0, 20), (0.1, 3)])
def test_residual_models_extrapolate_far_better(wiggle, factor):
    r = compare_residual(wiggle, n_models=4, epochs=300, random_state=0)
    assert isinstance(r, ResidualComparison) and r.plain.shape == r.residual.shape == (4, 301)
    s = r.summary()
    assert s["residual_outside"] * factor < s["plain_outside"]
    assert s["residual_inside"] < 1e-3 and s["plain_inside"] < 1e-3  # both fit the data
    np.testing.assert_allclose(r.truth, r.x + wiggle * np.sin(3 * r.x))


# ---------------------------------------------------------------- symmetry in the loss

def test_a_symmetry_penalty_teaches_the_mirror_image_of_the_domain():
    r = symmetry_demo(n_models=3, epochs=300, random_state=0)
    assert isinstance(r, SymmetryResult) and r.without.shape == r.with_penalty.shape == (3, 401)
    s = r.summary()
    assert s["with_penalty_mirror"] * 20 < s["without_mirror"]
    assert s["with_penalty_inside"] < 0.01 and s["without_inside"] < 0.01
    regions = r.regions()
    assert not (regions["inside"] & regions["mirror"]).any()
    assert "mirror" in repr(r)


# ---------------------------------------------------------------- discrepancy modelling

def test_small_angle_period_is_the_limit_of_the_exact_one():
    L = np.array([0.5, 1.0, 2.0])
    np.testing.assert_allclose(small_angle_period(L), pendulum_period(1e-6, L), rtol=1e-10)


def test_learning_the_simulators_error_extrapolates_better_than_replacing_it():
    r = discrepancy_demo(n_models=3, epochs=400, random_state=0)
    assert isinstance(r, DiscrepancyResult)
    e = r.errors
    assert e["discrepancy"]["outside"] * 10 < e["plain"]["outside"]
    assert e["discrepancy"]["outside"] < e["simulator"]["outside"]
    assert e["discrepancy"]["inside"] < e["simulator"]["inside"]
    assert r.plain.shape == r.discrepancy.shape == (3, 200) and r.truth.shape == r.length.shape == (200,)
    np.testing.assert_allclose(r.truth, pendulum_period(r.curve_amplitude, r.length))
    assert "formula + NN" in repr(r)


# ---------------------------------------------------------------- bad arguments

BAD = [
    (ensemble_spread, {"n_models": 1}, ValueError, "n_models"),
    (ensemble_spread, {"dataset": "moons"}, ValueError, "dataset"),
    (ensemble_spread, {"grid": (3.0, -3.0)}, ValueError, "grid"),
    (ensemble_spread, {"grid": "wide"}, TypeError, "grid"),
    (ensemble_spread, {"dataset": "pendulum", "grid": (0.0, 4.0)}, ValueError, "grid"),
    (ensemble_spread, {"n_grid": 1}, ValueError, "n_grid"),
    (ensemble_spread, {"n_train": 1}, ValueError, "n_train"),
    (small_angle_period, {"length": -1.0}, ValueError, "length"),
    (ensemble_spread, {"random_state": 1.5}, TypeError, "random_state"),
    (compare_residual, {"wiggle": "some"}, TypeError, "wiggle"),
    (compare_residual, {"n_train": 1}, ValueError, "n_train"),
    (symmetry_demo, {"penalty": 0.0}, ValueError, "penalty"),
    (symmetry_demo, {"penalty": -1.0}, ValueError, "penalty"),
    (symmetry_demo, {"domain": (-1.0, 1.0)}, ValueError, "domain"),
    (symmetry_demo, {"lr": 0}, ValueError, "lr"),
    (discrepancy_demo, {"length": (0.0, 1.0)}, ValueError, "length"),
    (discrepancy_demo, {"amplitude": (0.1, 3.5)}, ValueError, "amplitude"),
    (discrepancy_demo, {"outside_length": (2.0, 1.0)}, ValueError, "outside_length"),
    (discrepancy_demo, {"width": 0}, ValueError, "width"),
]


@pytest.mark.parametrize("function, kwargs, error, argument", BAD,
                         ids=[f"{f.__name__}-{next(iter(k))}" for f, k, _, _ in BAD])
def test_bad_arguments_raise_naming_the_argument(function, kwargs, error, argument):
    with pytest.raises(error, match=argument) as info:
        function(**kwargs)
    assert "must" in str(info.value) or "one of" in str(info.value)
