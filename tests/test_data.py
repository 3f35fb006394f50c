"""Unit tests of labkit.data: the generators, their ground truth, the registry, digits."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit import data, splits

REGRESSION = ["sine", "identity", "cubic"]
CLASSIFICATION = ["moons", "circles", "xor", "spirals"]


# ---------------------------------------------------------------- every generator

@pytest.mark.parametrize("name", REGRESSION + CLASSIFICATION)
def test_shapes_dtypes_and_task(name):
    X, y = data.make_dataset(name, 50, random_state=0)
    n_features = 1 if name in REGRESSION else 2
    assert X.shape == (50, n_features) and X.dtype == np.float64
    assert y.shape == (50,)
    if name in REGRESSION:
        assert y.dtype == np.float64 and data.task_of(name) == "regression"
    else:
        assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
        assert data.task_of(name) == "classification"


@pytest.mark.parametrize("name", REGRESSION + CLASSIFICATION)
def test_same_seed_same_data_other_seed_other_data(name):
    X1, y1 = data.make_dataset(name, 40, random_state=3)
    X2, y2 = data.make_dataset(name, 40, random_state=3)
    X3, _ = data.make_dataset(name, 40, random_state=4)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("name", REGRESSION + CLASSIFICATION)
def test_generators_leave_global_random_state_alone(name):
    before = np.random.get_state()[1].copy()
    data.make_dataset(name, 30, random_state=None)
    assert np.array_equal(np.random.get_state()[1], before)


def test_a_generator_is_accepted_as_random_state():
    X1, y1 = data.make_sine(20, random_state=np.random.default_rng(5))
    X2, y2 = data.make_sine(20, random_state=5)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(REGRESSION + CLASSIFICATION),
    n_samples=st.integers(2, 300),
    noise=st.floats(0.0, 2.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_generators_property(name, n_samples, noise, seed):
    X, y = data.make_dataset(name, n_samples, noise=noise, random_state=seed)
    assert X.ndim == 2 and X.shape[0] == n_samples == y.shape[0] and y.ndim == 1
    assert np.isfinite(X).all() and np.isfinite(y).all()
    X2, y2 = data.make_dataset(name, n_samples, noise=noise, random_state=seed)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


# ---------------------------------------------------------------- 1-D regression and its truth

@pytest.mark.parametrize("make, truth", [
    (data.make_sine, np.sin),
    (data.make_identity, lambda x: x),
    (data.make_cubic, lambda x: x**3 - x),
])
def test_true_function_matches_y_without_noise(make, truth):
    X, y, f = make(60, noise=0.0, random_state=1, return_function=True)
    assert np.array_equal(y, f(X))
    grid = np.linspace(-2, 2, 7)
    np.testing.assert_allclose(f(grid), truth(grid))


def test_true_function_returns_1d_for_a_column():
    """f(X) with X of shape (n, 1) must be (n,), or y - f(X) would broadcast to (n, n)."""
    X, y, f = data.make_sine(30, random_state=0, return_function=True)
    assert f(X).shape == (30,) and (y - f(X)).shape == (30,)
    assert f(np.zeros((4,))).shape == (4,)


def test_noise_level_is_the_residual_std():
    X, y, f = data.make_sine(4000, noise=0.3, random_state=2, return_function=True)
    residual = y - f(X)
    assert abs(residual.std() - 0.3) < 0.015 and abs(residual.mean()) < 0.02


def test_inputs_fill_the_domain():
    X, _ = data.make_sine(500, domain=(1.0, 2.0), random_state=0)
    assert X.min() >= 1.0 and X.max() <= 2.0 and X.max() - X.min() > 0.95
    X, y = data.make_identity(200, random_state=0)  # default: [-0.5, 0.5], no noise
    assert X.min() >= -0.5 and X.max() <= 0.5 and np.array_equal(y, X[:, 0])


# ---------------------------------------------------------------- 2-D classification

def test_moons_and_circles_keep_scikit_learns_geometry():
    X, y = data.make_moons(200, noise=0.0, random_state=0)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)  # upper moon: unit circle at the origin
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    X, y = data.make_circles(200, noise=0.0, factor=0.3, random_state=0)
    np.testing.assert_allclose(np.hypot(*X.T), np.where(y == 0, 1.0, 0.3))


def test_xor_labels_follow_the_signs():
    X, y = data.make_xor(500, noise=0.0, random_state=0)
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    assert 0.4 < y.mean() < 0.6 and np.abs(X).max() <= 1.0


def test_spirals_multiclass_balanced_and_on_their_arms():
    X, y = data.make_spirals(301, n_classes=3, noise=0.0, random_state=0)
    assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1, 2}
    assert np.bincount(y).tolist() == [101, 100, 100]
    assert not np.array_equal(y, np.arange(301) % 3)  # shuffled, not dealt in order
    r, angle = np.hypot(*X.T), np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * math.pi * (r + y / 3)
    np.testing.assert_allclose(np.cos(angle - expected), 1.0, atol=1e-9)  # equal angles mod 2 pi


def test_noise_blurs_the_spirals():
    X0, y0 = data.make_spirals(200, noise=0.0, random_state=0)
    X1, y1 = data.make_spirals(200, noise=0.2, random_state=0)
    assert np.array_equal(y0, y1)
    assert 0.15 < np.std(X1 - X0) < 0.25


# ---------------------------------------------------------------- grouped data

def test_materials_shapes_and_groups():
    X, y, groups = data.make_materials(300, n_groups=6, random_state=0)
    assert X.shape == (300, 2) and X.dtype == np.float64 and y.shape == (300,) and y.dtype == np.float64
    assert groups.shape == (300,) and groups.dtype == np.int64
    assert np.bincount(groups).tolist() == [50] * 6
    descriptor_per_group = [np.unique(X[groups == g, 1]) for g in range(6)]
    assert all(len(d) == 1 for d in descriptor_per_group)  # one descriptor per material
    assert len(np.unique(np.concatenate(descriptor_per_group))) == 6


def test_materials_follow_the_documented_process():
    """Without noise, (y - 0.5 sin(2 pi x)) / x is the material's hidden stiffness in [0.5, 2]."""
    X, y, groups = data.make_materials(240, n_groups=4, noise=0.0, random_state=1)
    x, descriptor = X.T
    stiffness = (y - 0.5 * np.sin(2 * np.pi * x)) / x
    for g in range(4):
        k = stiffness[groups == g]
        np.testing.assert_allclose(k, k[0])
        assert 0.5 <= k[0] <= 2.0 and abs(descriptor[groups == g][0] - k[0]) < 1.5  # informative


def test_materials_random_split_looks_better_than_unseen_materials():
    from sklearn.ensemble import RandomForestRegressor

    errors = {"rows": [], "groups": []}
    for seed in range(4):
        X, y, groups = data.make_materials(random_state=seed)
        parts = {"rows": splits.train_val_test_split(X, y, random_state=seed),
                 "groups": splits.group_split(X, y, groups, random_state=seed)}
        for kind, split in parts.items():
            model = RandomForestRegressor(n_estimators=20, min_samples_leaf=2, random_state=0)
            model.fit(*split.train)
            errors[kind].append(np.mean((model.predict(split.X_val) - split.y_val) ** 2))
    assert np.mean(errors["groups"]) > 2 * np.mean(errors["rows"])


# ---------------------------------------------------------------- digits

def test_digits_shape_range_and_images():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert X.min() == 0.0 and X.max() == 1.0
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
    images, y2 = data.load_digits(images=True)
    assert images.shape == (1797, 1, 8, 8) and np.array_equal(images.reshape(1797, 64), X)
    assert np.array_equal(y, y2)


# ---------------------------------------------------------------- registry

def test_make_dataset_forwards_noise_and_options():
    X1, y1 = data.make_dataset("identity", 30, random_state=0)  # noise=None keeps the default 0
    assert np.array_equal(y1, X1[:, 0])
    X2, y2 = data.make_dataset("identity", 30, noise=0.5, random_state=0)
    assert np.abs(y2 - X2[:, 0]).max() > 0.1
    _, y3 = data.make_dataset("spirals", 30, n_classes=3, random_state=0)
    assert set(np.unique(y3)) == {0, 1, 2}
    assert set(data.DATASETS) >= {"sine", "identity", "moons", "circles", "xor", "spirals"}


# ---------------------------------------------------------------- bad arguments

BAD_ARGUMENTS = [
    (data.make_sine, {"n_samples": 1}, ValueError, "n_samples"),
    (data.make_sine, {"n_samples": 2.5}, TypeError, "n_samples"),
    (data.make_sine, {"noise": -0.1}, ValueError, "noise"),
    (data.make_sine, {"noise": "big"}, TypeError, "noise"),
    (data.make_sine, {"noise": float("nan")}, ValueError, "noise"),
    (data.make_sine, {"domain": (1.0, 0.0)}, ValueError, "domain"),
    (data.make_sine, {"domain": (0.0,)}, TypeError, "domain"),
    (data.make_sine, {"domain": "ab"}, TypeError, "domain"),
    (data.make_identity, {"domain": (0.0, float("inf"))}, ValueError, "domain"),
    (data.make_identity, {"return_function": "yes"}, TypeError, "return_function"),
    (data.make_cubic, {"random_state": -1}, TypeError, "random_state"),
    (data.make_moons, {"n_samples": 0}, ValueError, "n_samples"),
    (data.make_moons, {"random_state": "seed"}, TypeError, "random_state"),
    (data.make_circles, {"factor": 1.0}, ValueError, "factor"),
    (data.make_circles, {"factor": 0.0}, ValueError, "factor"),
    (data.make_xor, {"noise": -1}, ValueError, "noise"),
    (data.make_spirals, {"n_classes": 1}, ValueError, "n_classes"),
    (data.make_spirals, {"n_classes": 3.0}, TypeError, "n_classes"),
    (data.make_spirals, {"n_samples": 2, "n_classes": 3}, ValueError, "n_samples"),
    (data.make_materials, {"n_groups": 1}, ValueError, "n_groups"),
    (data.make_materials, {"n_samples": 5, "n_groups": 6}, ValueError, "n_samples"),
    (data.make_materials, {"noise": -0.5}, ValueError, "noise"),
    (data.load_digits, {"images": 1}, TypeError, "images"),
    (data.make_dataset, {"name": "sin"}, ValueError, "name"),
    (data.task_of, {"name": "mnist"}, ValueError, "name"),
]


@pytest.mark.parametrize("function, kwargs, error, argument", BAD_ARGUMENTS,
                         ids=[f"{f.__name__}-{next(iter(k))}" for f, k, _, _ in BAD_ARGUMENTS])
def test_bad_arguments_raise_naming_the_argument(function, kwargs, error, argument):
    with pytest.raises(error, match=argument) as info:
        function(**kwargs)
    assert "must" in str(info.value) or "one of" in str(info.value)  # says what is allowed


def test_make_dataset_rejects_options_the_generator_lacks():
    with pytest.raises(TypeError, match="n_classes"):
        data.make_dataset("moons", 20, n_classes=3)
