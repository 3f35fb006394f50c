"""Validation, lockbox and leakage: the lockbox counts, and every demo shows the effect it claims.

The demos run at reduced sizes (fewer epochs, models and repeats: about a second or
less each). Every effect asserted here held at these sizes for each of seeds 0-4; the
tightest margins were the best-of-30 optimism (0.0077 against 0.005) and the mismatch
gap (2.6 times the overfitting gap, against 2). A bug that removed the leak, the
selection or the shift would erase them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from labkit.generalization import leakage, lockbox, validation
from labkit.generalization.group_splits import (
    GroupKFoldResult,
    SplitComparison,
    compare_group_kfold,
    compare_splits,
)
from labkit.generalization.leakage import LEAKS, LeakageResult, compare_scalers, leakage_demo
from labkit.generalization.lockbox import Lockbox
from labkit.generalization.validation import (
    MismatchResult,
    OptimismResult,
    mismatch_demo,
    validation_optimism,
)
from labkit.models import MLP

# ---------------------------------------------------------------- Lockbox

def test_lockbox_scores_once_silently_then_warns_with_the_count():
    X, y = np.arange(4.0)[:, None], np.array([0.0, 1.0, 2.0, 3.0])
    box = Lockbox(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the first look must not warn
        assert box.evaluate(lambda X: X[:, 0] + 1.0) == pytest.approx(1.0)  # MSE of an off-by-one
    with pytest.warns(UserWarning, match="used 2 times.*no longer an unbiased"):
        assert box.evaluate(lambda X: X[:, 0]) == 0.0
    assert box.opened == 2 and box.scores == (1.0, 0.0)
    assert "opened 2 times" in repr(box) and "4 samples" in repr(box)


def test_lockbox_unlock_counts_and_hands_out_copies():
    X, y = np.zeros((3, 2)), np.ones(3)
    box = Lockbox(X, y)
    X_out, y_out = box.unlock()
    X_out[:] = 7.0  # changing the copy must not change the sealed data
    assert box.opened == 1
    with pytest.warns(UserWarning, match="used 2 times"):
        X_again, _ = box.unlock()
    assert (X_again == 0).all() and len(box) == 3
    assert not hasattr(box, "X") and not hasattr(box, "y")  # no uncounted way in


def test_lockbox_takes_modules_predictors_and_classification():
    torch.manual_seed(0)
    X = np.random.default_rng(0).normal(size=(20, 2))
    mlp = MLP(2, 1, width=4)
    expected = np.mean((mlp(torch.tensor(X, dtype=torch.float32)).detach().numpy()[:, 0] - 1.0) ** 2)
    assert Lockbox(X, np.ones(20)).evaluate(mlp) == pytest.approx(expected, rel=1e-5)

    labels = np.array([0, 1, 1, 0])
    box = Lockbox(np.zeros((4, 1)), labels)
    assert box.metric == "accuracy"  # integer labels

    class Predictor:
        def predict(self, X):
            return np.array([0, 1, 0, 0])

    assert box.evaluate(Predictor()) == 0.75
    scores = np.array([[2.0, 1.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])  # class scores -> labels
    with pytest.warns(UserWarning):
        assert box.evaluate(lambda X: scores) == 1.0
    rmse = Lockbox(np.zeros((2, 1)), np.zeros(2), metric="rmse").evaluate(lambda X: np.array([3.0, 4.0]))
    assert rmse == pytest.approx(np.sqrt(12.5))


@pytest.mark.parametrize("make, error, argument", [
    (lambda: Lockbox(np.zeros((3, 1)), np.zeros(3), metric="r2"), ValueError, "metric"),
    (lambda: Lockbox(np.zeros((3, 1)), np.zeros(4)), ValueError, "X has 3 rows but y has 4"),
    (lambda: Lockbox(np.full((3, 1), np.nan), np.zeros(3)), ValueError, "X contains NaN"),
    (lambda: Lockbox(np.zeros((3, 1)), np.array([0.0, np.inf, 1.0])), ValueError, "y contains NaN"),
    (lambda: Lockbox(np.zeros((3, 1)), np.zeros(3)).evaluate(42), TypeError, "model must be"),
    (lambda: Lockbox(np.zeros((3, 1)), np.zeros(3)).evaluate(lambda X: np.zeros(5)), ValueError, "shape"),
])
def test_lockbox_bad_inputs(make, error, argument):
    with pytest.raises(error, match=argument):
        make()


def test_lockbox_does_not_count_a_model_that_fails():
    box = Lockbox(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(TypeError):
        box.evaluate("not a model")
    assert box.opened == 0


# ---------------------------------------------------------------- validation optimism

SMALL_OPTIMISM = dict(n_configs_list=(1, 30), n_pool=30, n_repeats=100, epochs=100)


def test_the_best_of_many_configurations_looks_better_than_it_is():
    r = validation_optimism(**SMALL_OPTIMISM, random_state=0)
    assert isinstance(r, OptimismResult)
    assert r.val_error.shape == r.holdout_error.shape == (2, 100) and r.pool_holdout_error.shape == (30,)
    assert abs(r.optimism[0]) < 0.01  # one configuration: validation is unbiased
    assert r.optimism[1] > 0.005 and r.optimism[1] > r.optimism[0] + 0.008  # best of 30: too rosy
    assert r.mean_val_error[1] < r.mean_val_error[0]
    assert r.noise_floor == pytest.approx(0.09)
    assert "n_configs" in repr(r)


def test_optimism_is_deterministic_for_a_seed():
    a, b = (validation_optimism((1, 5), n_pool=5, n_repeats=10, epochs=20, random_state=3) for _ in range(2))
    np.testing.assert_array_equal(a.val_error, b.val_error)
    np.testing.assert_array_equal(a.holdout_error, b.holdout_error)


# ---------------------------------------------------------------- random vs group split

def test_random_split_overstates_performance_on_new_materials():
    r = compare_splits(n_samples=240, n_unseen=20, n_repeats=2, random_state=0)
    assert isinstance(r, SplitComparison) and r.random_val_error.shape == (2,)
    s = r.summary()
    assert s["random_val_error"] < 0.5 * s["random_unseen_error"]  # the random split is too rosy
    assert s["random_val_error"] < 0.5 * s["group_val_error"]
    assert "group split" in repr(r)


def test_compare_splits_reports_each_repeat_and_can_be_silenced(capsys):
    small = {"n_samples": 48, "n_unseen": 4, "n_repeats": 3, "epochs": 2, "random_state": 0}
    calls = []
    told = compare_splits(**small, progress=lambda i, n: calls.append((i, n)))
    assert calls == [(0, 3), (1, 3), (2, 3)]  # before each repeat, in order
    quiet = compare_splits(**small, progress=False)
    assert capsys.readouterr().err == ""  # no bar, not even a cleared one
    np.testing.assert_array_equal(told.group_unseen_error, quiet.group_unseen_error)  # the same work


def test_group_kfold_folds_hold_out_each_material_once_and_averaging_is_the_fold_mean():
    r = compare_group_kfold(2, n_samples=48, n_groups=4, n_unseen=4, n_repeats=3, width=8, epochs=5,
                            random_state=0)
    assert isinstance(r, GroupKFoldResult) and r.val_error.shape == r.unseen_error.shape == (3, 2, 2)
    estimate, truth = r.estimates("group", averaged=True)
    np.testing.assert_allclose(estimate, r.val_error[:, 1].mean(axis=1))
    np.testing.assert_allclose(truth, r.unseen_error[:, 1].mean(axis=1))
    one, _ = r.estimates("random", averaged=False)
    np.testing.assert_array_equal(one, r.val_error[:, 0, 0])  # one split: the first fold alone
    below = np.mean(r.val_error[:, 1, 0] < r.unseen_error[:, 1, 0])
    assert r.below_truth("group") == below
    assert r.spread("group", averaged=True) == pytest.approx(np.std(np.log(estimate / truth)))
    assert "group 2-fold mean" in repr(r)
    with pytest.raises(ValueError, match="split"):
        r.estimates("rows", averaged=False)


# ---------------------------------------------------------------- leaks

LEAK_EPOCHS = {"scaling": 150, "duplicates": 300, "time_order": 400}


@pytest.mark.parametrize("kind", LEAKS)
def test_each_leak_inflates_the_validation_score(kind):
    leaky = leakage_demo(kind, True, n_models=2, epochs=LEAK_EPOCHS[kind], random_state=0)
    honest = leakage_demo(kind, False, n_models=2, epochs=LEAK_EPOCHS[kind], random_state=0)
    assert isinstance(leaky, LeakageResult) and leaky.kind == kind and leaky.leak and not honest.leak
    assert leaky.val_error < honest.val_error / 2  # the leak makes validation look better ...
    assert leaky.val_error < leaky.holdout_error / 2  # ... than the model does on new data
    assert 0.25 < honest.val_error / honest.holdout_error < 4  # honest validation: about the truth
    assert kind in repr(leaky) and leaky.description != honest.description


def test_leakage_is_deterministic_for_a_seed():
    a, b = (leakage_demo("time_order", n_models=1, epochs=20, random_state=5) for _ in range(2))
    assert (a.val_error, a.holdout_error, a.train_error) == (b.val_error, b.holdout_error, b.train_error)


# ---------------------------------------------------------------- train / train-val / val

def test_train_val_gap_is_overfitting_and_val_gap_is_mismatch():
    shifted = mismatch_demo(1.5, n_models=2, epochs=300, random_state=0)
    same = mismatch_demo(0.0, n_models=2, epochs=300, random_state=0)
    assert isinstance(shifted, MismatchResult)
    assert shifted.train_error == same.train_error  # the shift changes only the validation data
    assert shifted.overfitting > 0.01
    assert shifted.mismatch > 2 * shifted.overfitting
    assert abs(same.mismatch) < 0.02
    assert "data mismatch" in repr(shifted)


# ---------------------------------------------------------------- bad arguments

BAD = [
    (validation_optimism, {"n_configs_list": (1, 200)}, ValueError, "n_pool"),
    (validation_optimism, {"n_configs_list": "10"}, TypeError, "n_configs_list"),
    (validation_optimism, {"n_configs_list": (0,)}, ValueError, r"n_configs_list\[0\]"),
    (validation_optimism, {"n_val": 0}, ValueError, "n_val"),
    (validation_optimism, {"noise": -1.0}, ValueError, "noise"),
    (validation_optimism, {"random_state": "seed"}, TypeError, "random_state"),
    (compare_splits, {"n_groups": 2}, ValueError, "n_groups"),
    (compare_splits, {"n_samples": 10}, ValueError, "n_samples"),
    (compare_splits, {"lr": 0.0}, ValueError, "lr"),
    (compare_splits, {"epochs": 1.5}, TypeError, "epochs"),
    (compare_splits, {"progress": "yes"}, TypeError, "progress"),
    (compare_group_kfold, {"n_splits": 3}, ValueError, "n_groups"),
    (compare_group_kfold, {"n_samples": 321}, ValueError, "n_samples"),
    (compare_group_kfold, {"n_splits": 1}, ValueError, "n_splits"),
    (compare_group_kfold, {"lr": -1.0}, ValueError, "lr"),
    (compare_scalers, {"n_samples": 5}, ValueError, "n_samples"),
    (compare_scalers, {"noise": -0.1}, ValueError, "noise"),
    (compare_scalers, {"n_models": 0}, ValueError, "n_models"),
    (leakage_demo, {"kind": "labels"}, ValueError, "kind"),
    (leakage_demo, {"kind": "scaling", "leak": "yes"}, TypeError, "leak"),
    (leakage_demo, {"kind": "scaling", "n_models": 0}, ValueError, "n_models"),
    (leakage_demo, {"kind": "scaling", "epochs": 0}, ValueError, "epochs"),
    (mismatch_demo, {"shift": float("inf")}, ValueError, "shift"),
    (mismatch_demo, {"n_train": 1}, ValueError, "n_train"),
]


@pytest.mark.parametrize("function, kwargs, error, argument", BAD,
                         ids=[f"{f.__name__}-{next(iter(k))}" for f, k, _, _ in BAD])
def test_bad_arguments_raise_naming_the_argument(function, kwargs, error, argument):
    with pytest.raises(error, match=argument) as info:
        function(**kwargs)
    assert "must" in str(info.value) or "one of" in str(info.value)


def test_lockbox_and_leakage_have_one_home_and_the_face_shows_them():
    """No re-export chain inside labkit; the topic's face offers each name once, the same object."""
    import labkit.generalization as face

    for module in (lockbox, leakage):
        for name in module.__all__:
            assert not hasattr(validation, name)
            assert getattr(face, name) is getattr(module, name) and name in face.__all__
