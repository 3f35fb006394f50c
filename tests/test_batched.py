"""labkit.batched: K MLPs trained as one computation must match K separate runs.

Tolerance for "matches a separate run": per-epoch train losses within rtol=1e-4,
atol=1e-6 (float32). The batched run sums in a different order (batched products,
a hand-written backward, Adam's fused kernel), so results agree to rounding, not bit
for bit; a wrong gradient, learning rate or weight decay misses by orders more.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from labkit.batched import BatchedMLP, fit_batched, predict_batched
from labkit.generalization.biasvar import bias_variance
from labkit.models import ACTIVATIONS, MLP
from labkit.train import fit

RTOL, ATOL = 1e-4, 1e-6
K = 4


def make_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 1))
    return X, np.sin(2 * X[:, 0]) + 0.1 * rng.normal(size=n)


def make_mlps(n_models=K, width=16, **kwargs):
    models = []
    for k in range(n_models):
        with torch.random.fork_rng():  # seeds stay local to the test
            torch.manual_seed(k)
            models.append(MLP(1, 1, width=width, **kwargs))
    return models


def torch_loop(mlp, X, y, *, epochs, lr, weight_decay=0.0, optimizer="adam"):
    """The ordinary PyTorch loop, full batch: the reference for one model."""
    X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
    if optimizer == "adam":
        opt = torch.optim.Adam(mlp.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.SGD(mlp.parameters(), lr=lr, weight_decay=weight_decay)
    losses = []
    for _ in range(epochs):
        loss = nn.functional.mse_loss(mlp(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses)


def test_forward_matches_each_model_and_back():
    models = make_mlps(width=8, depth=3, activation="tanh")
    batched = BatchedMLP.from_models(models)
    X = torch.randn(10, 1)
    expected = torch.stack([m(X) for m in models])
    torch.testing.assert_close(batched(X), expected)  # shared X (N, in)
    torch.testing.assert_close(batched(X.expand(K, 10, 1)), expected)  # per-model X (K, N, in)
    back = batched.model(2)
    assert isinstance(back, MLP) and back is not models[2]
    torch.testing.assert_close(back(X), models[2](X))
    assert len(batched.to_models()) == K


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_fit_matches_separate_torch_runs(optimizer):
    X, y = make_data()
    models = make_mlps()
    batched = BatchedMLP.from_models(models)
    lr = 1e-2 if optimizer == "adam" else 5e-2
    history = fit_batched(batched, (X, y), epochs=100, lr=lr, optimizer=optimizer)
    for k, mlp in enumerate(models):
        expected = torch_loop(mlp, X, y, epochs=100, lr=lr, optimizer=optimizer)
        np.testing.assert_allclose(history.train_loss[:, k], expected, rtol=RTOL, atol=ATOL)
        x = torch.linspace(-2, 2, 5)[:, None]  # the trained weights match too
        torch.testing.assert_close(batched.model(k)(x), mlp(x), rtol=1e-4, atol=1e-5)
    assert (history.train_loss[-1] < 0.8 * history.train_loss[0]).all()  # it did learn


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_per_model_lr_and_weight_decay_match_separate_runs(optimizer):
    X, y = make_data()
    models = make_mlps()
    lrs = [1e-3, 3e-3, 1e-2, 3e-2] if optimizer == "adam" else [1e-2, 3e-2, 5e-2, 1e-1]
    decays = np.array([0.0, 1e-3, 1e-2, 1e-1])
    history = fit_batched(BatchedMLP.from_models(models), (X, y), epochs=80, lr=lrs, weight_decay=decays,
                          optimizer=optimizer)
    for k, mlp in enumerate(models):
        expected = torch_loop(mlp, X, y, epochs=80, lr=lrs[k], weight_decay=decays[k], optimizer=optimizer)
        np.testing.assert_allclose(history.train_loss[:, k], expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(history.lr, lrs)
    np.testing.assert_array_equal(history.weight_decay, decays)


@pytest.mark.parametrize("batch_size", [None, 16])
def test_matches_labkit_train_fit(batch_size):
    """Same shuffled mini-batches as labkit.train.fit for the same random_state."""
    X, y = make_data(n=40)
    models = make_mlps(n_models=2)
    batched = BatchedMLP.from_models(models)
    history = fit_batched(batched, (X, y), epochs=30, lr=1e-2, weight_decay=1e-3, batch_size=batch_size,
                          random_state=3)
    for k, mlp in enumerate(models):
        expected = fit(mlp, (X, y), epochs=30, lr=1e-2, weight_decay=1e-3, optimizer="adam",
                       batch_size=batch_size, random_state=3)
        np.testing.assert_allclose(history.train_loss[:, k], expected.train_loss, rtol=RTOL, atol=ATOL)


PER_MODEL = {  # optimizer: (rates, momenta, decays, schedules), one entry per model
    "sgd": ([1e-2, 3e-2, 5e-2, 1e-1], 0.9, [0.0, 1e-3, 1e-2, 1e-1], [None, "cosine", "step", "exponential"]),
    "momentum": ([1e-3, 3e-3, 1e-2, 3e-2], [0.5, 0.9, 0.95, 0.8], [0.0, 1e-2, 0.0, 1e-3],
                 ["cosine", None, lambda t: 0.97 ** t, "step"]),
    "nesterov": ([3e-3, 1e-2, 1e-2, 2e-2], [0.9, 0.5, 0.99, 0.7], 1e-3, "cosine"),
    "adamw": ([1e-3, 3e-3, 1e-2, 3e-2], 0.9, [0.0, 1e-1, 1e-2, 1.0], [None, "exponential", "cosine", None]),
}


@pytest.mark.parametrize("optimizer", sorted(PER_MODEL))
def test_per_model_rate_momentum_decay_and_schedule_match_separate_fit_runs(optimizer):
    """Model k of one batched run trains as labkit.train.fit trains it alone with its own settings."""
    X, y = make_data(n=40)
    models = make_mlps()
    lrs, momenta, decays, schedules = PER_MODEL[optimizer]
    history = fit_batched(BatchedMLP.from_models(models), (X, y), epochs=40, lr=lrs, momentum=momenta,
                          weight_decay=decays, schedule=schedules, optimizer=optimizer, random_state=3)
    for k, mlp in enumerate(models):
        mine = [v[k] if isinstance(v, list) else v for v in (momenta, decays, schedules)]
        alone = fit(mlp, (X, y), epochs=40, optimizer=optimizer, lr=lrs[k], momentum=mine[0],
                    weight_decay=mine[1], schedule=mine[2], random_state=3)
        np.testing.assert_allclose(history.train_loss[:, k], alone.train_loss, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(history.epoch_lr[:, k], alone.lr, rtol=1e-6)
    assert history.optimizer == optimizer
    assert (history.train_loss[-1] < history.train_loss[0]).all()


def test_step_schedules_with_mini_batches_match_fit():
    X, y = make_data(n=40)
    models = make_mlps(n_models=2)
    schedules = ["cosine", lambda t: 1.0 / (1 + t)]
    history = fit_batched(BatchedMLP.from_models(models), (X, y), epochs=12, lr=0.05, momentum=0.9,
                          optimizer="momentum", schedule=schedules, schedule_per="step", batch_size=16,
                          random_state=1)
    for k, mlp in enumerate(models):
        alone = fit(mlp, (X, y), epochs=12, optimizer="momentum", lr=0.05, momentum=0.9, batch_size=16,
                    schedule=schedules[k], schedule_per="step", random_state=1)
        np.testing.assert_allclose(history.train_loss[:, k], alone.train_loss, rtol=RTOL, atol=ATOL)
    assert history.epoch_lr[-1, 0] < 0.01 < history.epoch_lr[0, 0]  # cosine over 36 steps, not 12 epochs


def test_momentum_changes_the_run_and_sgd_ignores_it():
    X, y = make_data(n=30)
    models = make_mlps(n_models=2)
    mlps = [models[0], models[0]]
    plain = fit_batched(BatchedMLP.from_models(mlps), (X, y), epochs=20, lr=0.05, momentum=[0.1, 0.9],
                        optimizer="sgd")
    np.testing.assert_array_equal(plain.train_loss[:, 0], plain.train_loss[:, 1])
    heavy = fit_batched(BatchedMLP.from_models(mlps), (X, y), epochs=20, lr=0.05, momentum=[0.1, 0.9],
                        optimizer="momentum")
    assert not np.allclose(heavy.train_loss[:, 0], heavy.train_loss[:, 1], rtol=1e-3)


def one_sgd_step_moves_by_minus_the_gradient(batched, X, y):
    """One SGD step with lr=1 moves each parameter by exactly minus its autograd gradient."""
    before = [p.detach().clone() for p in batched.parameters()]
    out = batched(torch.as_tensor(X, dtype=torch.float32))
    target = torch.as_tensor(y, dtype=torch.float32).reshape(-1, *out.shape[1:])
    loss = ((out - target) ** 2).mean(dim=(1, 2)).sum()  # each model's own mean, summed
    grads = torch.autograd.grad(loss, list(batched.parameters()))
    fit_batched(batched, (X, y), epochs=1, lr=1.0, optimizer="sgd")
    for p, p0, g in zip(batched.parameters(), before, grads, strict=True):
        torch.testing.assert_close(p0 - p.detach(), g, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_hand_written_gradient_matches_autograd(activation):
    X, y = make_data(n=20)
    batched = BatchedMLP(3, 1, 1, width=8, depth=2, activation=activation, random_state=0)
    one_sgd_step_moves_by_minus_the_gradient(batched, X, y)


def test_gradient_with_several_inputs_and_outputs_and_per_model_data():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(3, 15, 4)), rng.normal(size=(3, 15, 2))  # (K, N, in), (K, N, out)
    batched = BatchedMLP(3, 4, 2, width=6, depth=3, activation="tanh", random_state=0)
    one_sgd_step_moves_by_minus_the_gradient(batched, X, y)


def test_other_activations_fall_back_to_autograd():
    X, y = make_data(n=20)
    batched = BatchedMLP(2, 1, 1, width=8, random_state=0)
    batched.act = nn.Softplus()
    layers = [(W.detach().clone().requires_grad_(), b.detach().clone().requires_grad_())
              for W, b in zip(batched.weights, batched.biases, strict=True)]
    h = torch.tensor(X, dtype=torch.float32).expand(2, -1, -1)
    for i, (W, b) in enumerate(layers):
        h = torch.baddbmm(b, h, W)
        h = nn.functional.softplus(h) if i < 2 else h
    loss = ((h - torch.tensor(y, dtype=torch.float32).reshape(1, -1, 1)) ** 2).mean(dim=(1, 2)).sum()
    reference = [p for pair in layers for p in pair]
    grads = torch.autograd.grad(loss, reference)
    fit_batched(batched, (X, y), epochs=1, lr=1.0, optimizer="sgd")
    trained = [p for pair in zip(batched.weights, batched.biases, strict=True) for p in pair]
    for p, p0, g in zip(trained, reference, grads, strict=True):
        torch.testing.assert_close(p0.detach() - p.detach(), g, rtol=1e-5, atol=1e-6)


def test_per_model_data_differs_and_shared_data_gives_identical_models():
    X, y = make_data(n=30)
    mlp = make_mlps(n_models=1)[0]
    shared = fit_batched(BatchedMLP.from_models([mlp, mlp]), (X, y), epochs=20, lr=1e-2)
    np.testing.assert_array_equal(shared.train_loss[:, 0], shared.train_loss[:, 1])

    X2, y2 = make_data(n=30, seed=1)
    batched = BatchedMLP.from_models([mlp, mlp])
    own = fit_batched(batched, (np.stack([X, X2]), np.stack([y, y2])), epochs=20, lr=1e-2)  # (K,N,1), (K,N)
    np.testing.assert_allclose(own.train_loss[:, 0], shared.train_loss[:, 0], rtol=RTOL, atol=ATOL)
    assert not np.allclose(own.train_loss[:, 1], own.train_loss[:, 0], rtol=1e-2)
    alone = fit_batched(BatchedMLP.from_models([mlp]), (X2, y2), epochs=20, lr=1e-2)
    np.testing.assert_allclose(own.train_loss[:, 1], alone.train_loss[:, 0], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_a_diverging_model_is_flagged_and_frozen_and_the_others_are_untouched(optimizer):
    X, y = make_data()
    models = make_mlps()
    batched = BatchedMLP.from_models(models)
    history = fit_batched(batched, (X, y), epochs=50, lr=[1e-2, 1e-2, 1e8, 1e-2], optimizer=optimizer)
    assert history.diverged_at[2] >= 0
    assert list(history.diverged_at[[0, 1, 3]]) == [-1, -1, -1]
    assert "diverged: 1 of 4 (#2 at epoch" in repr(history)
    healthy = fit_batched(BatchedMLP.from_models([models[k] for k in (0, 1, 3)]), (X, y), epochs=50,
                          lr=1e-2, optimizer=optimizer)
    np.testing.assert_allclose(history.train_loss[:, [0, 1, 3]], healthy.train_loss, rtol=RTOL, atol=ATOL)
    assert np.isfinite(healthy.train_loss).all()
    frozen = [p[2].clone() for p in batched.parameters()]
    assert all(torch.isfinite(p).all() for p in frozen)  # frozen before a NaN step could land
    fit_batched(batched, (X, y), epochs=3, lr=1e-2, optimizer=optimizer)  # still diverged: it must not move
    for p, p0 in zip(batched.parameters(), frozen, strict=True):
        torch.testing.assert_close(p[2], p0)


def test_a_gradient_overflow_with_a_finite_loss_is_caught_too():
    batched = BatchedMLP(2, 1, 1, width=1, depth=1, activation="identity", random_state=0)
    with torch.no_grad():  # model 1: output 10 * 1e37 * 1e-37 = 10, but dloss/dW2 ~ 1e40 = inf in float32
        batched.weights[0][1], batched.weights[1][1] = 1e37, 1e-37
        batched.biases[0][1], batched.biases[1][1] = 0.0, 0.0
    history = fit_batched(batched, (np.full((4, 1), 10.0), np.full(4, -100.0)), epochs=3)
    assert np.isfinite(history.train_loss).all()
    assert list(history.diverged_at) == [-1, 0]


def test_val_loss_history_and_predictions():
    X, y = make_data()
    Xv, yv = make_data(n=20, seed=5)
    batched = BatchedMLP(3, 1, 1, width=16, random_state=0)
    history = fit_batched(batched, (X, y), val=(Xv, yv), epochs=40, lr=1e-2)
    assert history.train_loss.shape == history.val_loss.shape == (40, 3)
    predictions = predict_batched(batched, Xv)
    assert predictions.shape == (3, 20, 1)
    mse = ((predictions[..., 0] - yv) ** 2).mean(axis=1)
    np.testing.assert_allclose(history.final_val_loss, mse, rtol=1e-5)
    np.testing.assert_array_equal(history.final_train_loss, history.train_loss[-1])
    assert history.seconds > 0 and "final val loss" in repr(history)
    assert fit_batched(batched, (X, y), epochs=2).val_loss is None


def test_default_init_is_nn_linear_distribution_and_reproducible():
    a = BatchedMLP(8, 3, 2, width=64, random_state=1)
    b = BatchedMLP(8, 3, 2, width=64, random_state=1)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q)
    W = a.weights[1].detach()  # (8, 64, 64): U(-1/8, 1/8)
    assert W.abs().max() <= 1 / 8 and abs(W.std().item() - 1 / 8 / 3**0.5) < 2e-3
    assert a.weights[0].detach().abs().max() <= 1 / 3**0.5 and a.biases[0].detach().abs().max() <= 1 / 3**0.5
    assert not torch.equal(W[0], W[1])  # each model has its own draw
    assert not torch.equal(W, BatchedMLP(8, 3, 2, width=64, random_state=2).weights[1])


def test_bias_variance_exact_on_known_parts_and_sums_to_noisy_mse():
    rng = np.random.default_rng(0)
    truth = np.sin(np.linspace(0, 3, 50))
    spread = np.where(np.arange(200) % 2 == 0, 0.3, -0.3)[:, None]  # mean 0, variance 0.09 exactly
    result = bias_variance(truth + 0.2 + spread, truth, noise_var=0.25)
    assert result.bias_squared == pytest.approx(0.04, rel=1e-12)
    assert result.variance == pytest.approx(0.09, rel=1e-12)
    assert result.expected_error == pytest.approx(0.04 + 0.09 + 0.25, rel=1e-12)

    predictions = truth + 0.2 * np.cos(truth) + 0.3 * rng.normal(size=(400, 50))
    noisy = truth + 0.5 * rng.normal(size=(400, 50))  # a fresh noisy target for each model
    result = bias_variance(predictions[..., None], truth, noise_var=0.25)
    assert result.expected_error == pytest.approx(((predictions - noisy) ** 2).mean(), rel=0.02)
    assert "bias^2" in repr(result) and bias_variance(predictions, truth).noise == 0.0


X0, Y0 = make_data(n=10)
GOOD = BatchedMLP(K, 1, 1, width=4, random_state=0)


@pytest.mark.parametrize("call, error, name", [
    (lambda: BatchedMLP(0, 1, 1), ValueError, "n_models"),
    (lambda: BatchedMLP(2.5, 1, 1), TypeError, "n_models"),
    (lambda: BatchedMLP(2, 1, 1, depth=0), ValueError, "depth"),
    (lambda: BatchedMLP(2, 1, 1, activation="swish"), ValueError, "activation"),
    (lambda: BatchedMLP(2, 1, 1, init="xavier"), ValueError, "init"),
    (lambda: BatchedMLP(2, 1, 1, random_state=-1), TypeError, "random_state"),
    (lambda: BatchedMLP.from_models([]), TypeError, "models"),
    (lambda: BatchedMLP.from_models([nn.Linear(1, 1)]), TypeError, r"models\[0\]"),
    (lambda: BatchedMLP.from_models(make_mlps(2, dropout=0.1)), ValueError, "dropout"),
    (lambda: BatchedMLP.from_models(make_mlps(2, batch_norm=True)), ValueError, "batch_norm"),
    (lambda: BatchedMLP.from_models([*make_mlps(1), *make_mlps(1, width=8)]), ValueError, "architecture"),
    (lambda: GOOD(torch.zeros(3, 5, 1)), ValueError, "x must be"),
    (lambda: GOOD(torch.zeros(5, 2)), ValueError, "x must be"),
    (lambda: GOOD.model(K), ValueError, "k must be"),
    (lambda: fit_batched(nn.Linear(1, 1), (X0, Y0)), TypeError, "model"),
    (lambda: fit_batched(GOOD, X0), TypeError, "train"),
    (lambda: fit_batched(GOOD, (X0, Y0), epochs=0), ValueError, "epochs"),
    (lambda: fit_batched(GOOD, (X0, Y0), lr=0.0), ValueError, "lr"),
    (lambda: fit_batched(GOOD, (X0, Y0), lr=[1e-3] * 3), ValueError, "lr has 3 values"),
    (lambda: fit_batched(GOOD, (X0, Y0), lr=[1e-3, -1.0, 1e-3, 1e-3]), ValueError, r"lr\[1\]"),
    (lambda: fit_batched(GOOD, (X0, Y0), lr="fast"), TypeError, "lr"),
    (lambda: fit_batched(GOOD, (X0, Y0), weight_decay=-1.0), ValueError, "weight_decay"),
    (lambda: fit_batched(GOOD, (X0, Y0), momentum=1.5), ValueError, "momentum"),
    (lambda: fit_batched(GOOD, (X0, Y0), momentum=[0.9, 0.9, 0.0, 0.9], optimizer="nesterov"), ValueError,
     "momentum > 0"),
    (lambda: fit_batched(GOOD, (X0, Y0), optimizer="lbfgs"), ValueError, "optimizer"),
    (lambda: fit_batched(GOOD, (X0, Y0), schedule="warm"), ValueError, "schedule"),
    (lambda: fit_batched(GOOD, (X0, Y0), schedule=["cosine"] * 3), ValueError, "schedule has 3"),
    (lambda: fit_batched(GOOD, (X0, Y0), schedule=[None, None, 3, None]), TypeError, r"schedule\[2\]"),
    (lambda: fit_batched(GOOD, (X0, Y0), schedule_per="batch"), ValueError, "schedule_per"),
    (lambda: fit_batched(GOOD, (X0, Y0), optimizer="rmsprop"), ValueError, "optimizer"),
    (lambda: fit_batched(GOOD, (X0, Y0), batch_size=0), ValueError, "batch_size"),
    (lambda: fit_batched(GOOD, (np.zeros((3, 10, 1)), Y0)), ValueError, "train X"),
    (lambda: fit_batched(GOOD, (np.zeros((10, 2)), Y0)), ValueError, "train X"),
    (lambda: fit_batched(GOOD, (np.full((10, 1), np.nan), Y0)), ValueError, "train X"),
    (lambda: fit_batched(GOOD, (X0, Y0[:9])), ValueError, "train y"),
    (lambda: fit_batched(GOOD, (X0, Y0), val=(X0, Y0[:5])), ValueError, "val y"),
    (lambda: predict_batched(GOOD, np.zeros((10, 3))), ValueError, "X must be"),
    (lambda: bias_variance(np.zeros(5), np.zeros(5)), ValueError, "predictions"),
    (lambda: bias_variance(np.zeros((3, 5)), np.zeros(4)), ValueError, "y_true"),
    (lambda: bias_variance(np.zeros((3, 5)), np.zeros(5), noise_var=-1.0), ValueError, "noise_var"),
])
def test_bad_arguments_name_what_is_wrong(call, error, name):
    with pytest.raises(error, match=name):
        call()
