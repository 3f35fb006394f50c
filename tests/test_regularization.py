"""Lab 07's regularization topic on a tiny version of the shared set-up (few epochs, narrow nets)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labkit.data import make_dataset
from labkit.models import MLP
from labkit.regularization.augmentation import DigitAugmenter, augmentation_preview, augmented_copies
from labkit.regularization.batch_norm import recalibrate_batch_norm, variance_shift
from labkit.regularization.boundary import regularized_boundary
from labkit.regularization.comparisons import ablation_run, regime
from labkit.regularization.dropout import dropout_modes, mode_scores
from labkit.regularization.early_stopping import early_stopping_demo
from labkit.regularization.penalties import penalty_sweep, weight_stats
from labkit.regularization.setup import overfit_setup, train_run
from labkit.train import fit


@pytest.fixture(scope="module")
def setup():
    return overfit_setup(per_class=5, n_val=100, width=32, epochs=40, lr=3e-3)


def test_setup_is_balanced_noisy_only_in_training_and_repeatable(setup):
    assert np.bincount(setup.y_train, minlength=10).max() <= 10 and len(setup.y_train) == 50
    clean = overfit_setup(per_class=5, n_val=100, label_noise=0.0)
    changed = (clean.y_train != setup.y_train).mean()
    assert 0.05 < changed < 0.4  # about a fifth of the training labels are wrong
    assert np.array_equal(clean.y_val, setup.y_val) and np.array_equal(clean.X_train, setup.X_train)
    again = train_run(setup, epochs=3).val_loss
    assert again == train_run(setup, epochs=3).val_loss  # same seed, same run
    with pytest.raises(ValueError, match="label_noise"):
        overfit_setup(label_noise=1.5)


def test_weight_stats_count_zeros_and_l1_makes_more_of_them(setup):
    model = torch.nn.Linear(4, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0, 1.0, 0.0, -2.0], [0.0, 0.0, 3.0, 0.0]]))
    stats = weight_stats(model, tol=1e-3)
    assert stats.zero_fraction == 5 / 8 and np.isclose(stats.layer_magnitude[0], 6 / 8)
    sweep = penalty_sweep(setup, penalty="l1", strengths=(1e-1,), epochs=30)
    assert sweep.strengths[0] == 0 and sweep.zero_fraction[1] > sweep.zero_fraction[0] + 0.1
    assert sweep.underfits[1] and not sweep.underfits[0]  # too much L1: the weights can't move
    with pytest.raises(ValueError, match="penalty"):
        penalty_sweep(setup, penalty="l3")


def test_dropout_on_scores_worse_than_eval_mode_and_leaves_state_alone(setup):
    model = MLP(64, 10, width=64, dropout=0.5)
    state = torch.get_rng_state()
    on = mode_scores(model, setup.X_train, setup.y_train, train_mode=True, draws=3)
    off = mode_scores(model, setup.X_train, setup.y_train, train_mode=False)
    assert on != off and torch.equal(state, torch.get_rng_state()) and model.training
    modes = dropout_modes(setup, p=0.5, epochs=30, draws=3)
    assert modes.train_on[0] > modes.train_off[0]  # the recorded train curve is the thinned networks'
    with pytest.raises(ValueError, match="p must be"):
        dropout_modes(setup, p=1.0)


def test_early_stopping_returns_the_best_epochs_weights_not_the_last(setup):
    demo = early_stopping_demo(setup, patience=3, epochs=300)
    assert demo.stopped_epoch == demo.best_epoch + 3
    assert demo.restored_matches_best
    assert demo.last_val_loss > demo.restored_val_loss  # the last weights are past the best
    assert np.isclose(demo.last_val_loss, demo.val_loss[-1], rtol=1e-4)


def test_augmenter_moves_pixels_keeps_labels_and_is_repeatable():
    X = torch.zeros(3, 64)
    X[:, 27] = 1.0
    a, b = (DigitAugmenter(noise=0.0)(X, torch.arange(3), torch.Generator().manual_seed(1)) for _ in range(2))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], torch.arange(3)) and a[0].shape == X.shape
    assert not torch.equal(a[0], X) and a[0].min() >= 0 and a[0].max() <= 1
    assert torch.equal(DigitAugmenter(shift=0, degrees=0, noise=0).images(X, torch.Generator()), X)
    with pytest.raises(ValueError, match="degrees"):
        DigitAugmenter(degrees=-1)


def test_augmented_copies_pair_labels_right_unless_the_bug_is_on(setup):
    X, y = setup.X_train[:4], np.array([0, 1, 2, 3])
    Xa, ya = augmented_copies(X, y, copies=2)
    assert Xa.shape == (12, 64) and ya.tolist() == [0, 1, 2, 3, 0, 0, 1, 1, 2, 2, 3, 3]
    _, bad = augmented_copies(X, y, copies=2, forget_labels=True)
    assert bad.tolist()[4:] == [0, 1, 2, 3, 0, 1, 2, 3]
    preview = augmentation_preview(X, y, n=2, copies=3)
    assert preview.augmented.shape == (2, 3, 8, 8) and preview.labels.tolist() == [0, 1]


def test_fit_augments_training_batches_only():
    X, y = make_dataset("moons", 40, random_state=0)
    sizes = []

    def mark(xb, yb, generator):
        sizes.append(len(xb))
        return xb + 100.0, yb  # far-off inputs: a model that saw them would be wrong on val

    history = fit(MLP(2, 2, width=8), (X[:30], y[:30]), (X[30:], y[30:]), epochs=3, batch_size=10,
                  augment=mark, random_state=0)
    assert sizes == [10] * 9 and history.epochs_run == 3  # 3 batches x 3 epochs, never the 10 val points
    with pytest.raises(TypeError, match="augment"):
        fit(MLP(2, 2), (X, y), epochs=1, augment=lambda xb, yb, g: xb)
    with pytest.raises(ValueError, match="augment"):
        fit(MLP(2, 2), (X, y), epochs=1, augment=lambda xb, yb, g: (xb, yb[:1]))
    with pytest.raises(TypeError, match="augment"):
        fit(MLP(2, 2), (X, y), epochs=1, augment=3)


def test_variance_shift_shrinks_eval_variance_and_recalibration_fixes_the_stats(setup):
    shift = variance_shift(setup, p=0.5, epochs=20)
    assert shift.shift < 0.95 and shift.train_var.mean() > shift.eval_var.mean()
    with pytest.raises(ValueError, match="depth"):
        variance_shift(overfit_setup(per_class=2, n_val=20, depth=1, epochs=2))
    model = MLP(64, 10, width=16, batch_norm=True, dropout=0.5)
    fixed = recalibrate_batch_norm(model, setup.X_train)
    assert not torch.equal(fixed.norms[1].running_var, model.norms[1].running_var)


def test_ablation_rows_name_their_pieces_and_regime_rule():
    assert regime(0.2, 0.25, target=0.05) == "underfitting"
    assert regime(0.0, 0.3) == "overfitting" and regime(0.01, 0.03) == "good"
    tiny = overfit_setup(per_class=3, n_val=30, width=16, epochs=5)
    row = ablation_run(tiny, pieces=("l2", "dropout"))
    assert row.run.settings["l2"] > 0 and row.run.settings["dropout"] > 0 and row.regime in (
        "underfitting", "overfitting", "good")
    with pytest.raises(ValueError, match="pieces"):
        ablation_run(tiny, pieces=("mixup",))


def test_regularized_boundary_grid_weights_and_l2_shrinks_them():
    X, y = make_dataset("moons", 120, noise=0.3, random_state=0)
    plain = regularized_boundary(X, y, n_train=80, epochs=40, grid=20)
    decayed = regularized_boundary(X, y, n_train=80, epochs=40, grid=20, l2=0.1)
    assert plain.proba.shape == (20, 20) and len(plain.weights) == 3 and plain.weights[0].shape == (32, 2)
    assert decayed.layer_magnitude.mean() < plain.layer_magnitude.mean()
    assert plain.val_error is not None and 0 <= plain.proba.min() and plain.proba.max() <= 1
    with pytest.raises(ValueError, match="2 columns"):
        regularized_boundary(np.zeros((5, 3)), np.zeros(5, dtype=int))
