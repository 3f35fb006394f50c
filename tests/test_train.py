"""labkit.train: the loop learns, records, stops and checks its inputs as documented."""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest
import torch
from torch import nn

from labkit.history import History
from labkit.models import MLP, SmallCNN
from labkit.optim import SCHEDULES
from labkit.train import FitOptions, evaluate, fit, iter_fit, predict


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def line(n=64, seed=0):
    """y = 2x + 1 on [-1, 1], no noise; y as float (regression)."""
    x = np.random.default_rng(seed).uniform(-1, 1, n)
    return x, 2 * x + 1


def blobs(n=120, seed=0):
    """Two well separated Gaussian blobs in 2-D; integer labels (classification)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 2)) * 0.5 + np.where(y[:, None] == 1, 2.0, -2.0)
    return X.astype(np.float32), y


def noisy(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, 1))
    return x, np.sin(x) + rng.normal(0, 0.3, (n, 1))


def test_fit_learns_a_line():
    X, y = line()
    history = fit(MLP(1, 1, width=16), (X, y), epochs=300, lr=1e-2)
    assert history.metric_name == "rmse" and history.stop_reason == "completed"
    assert history.epochs_run == 300 == len(history.train_loss) == len(history.lr)
    assert history.train_loss[-1] < 1e-3 < history.train_loss[0]
    assert history.train_metric[-1] == pytest.approx(math.sqrt(history.train_loss[-1]))
    assert history.val_loss == [] and history.val_metric == []
    assert history.best_epoch == int(np.argmin(history.train_loss))
    assert history.seconds > 0


def test_predictions_and_evaluate_on_a_learned_line():
    X, y = line()
    model = MLP(1, 1, width=16)
    fit(model, (torch.tensor(X), torch.tensor(y)), epochs=300, lr=1e-2)  # tensors work like arrays
    assert model.training  # fit leaves the train/eval mode as PyTorch's default
    out = predict(model, [-0.5, 0.0, 0.5])  # a 1-D list becomes (3, 1)
    assert out.shape == (3, 1) and isinstance(out, np.ndarray)
    np.testing.assert_allclose(out[:, 0], [0.0, 1.0, 2.0], atol=0.1)
    assert model.training  # predict restored the mode
    loss, rmse = evaluate(model, (X, y))
    assert rmse == pytest.approx(math.sqrt(loss)) and loss < 1e-3


def test_classification_on_separable_blobs():
    X, y = blobs()
    model = MLP(2, 2, width=16)
    history = fit(model, (X[:80], y[:80]), (X[80:], y[80:]), epochs=60, lr=1e-2)
    assert history.metric_name == "accuracy"
    assert history.train_metric[-1] == 1.0 and history.val_metric[-1] == 1.0
    assert history.val_loss[-1] < history.val_loss[0] / 5
    assert len(history.val_loss) == len(history.val_metric) == 60
    labels = predict(model, X[80:], classes=True)
    assert labels.dtype == np.int64 and (labels == y[80:]).all()
    assert predict(model, X[80:]).shape == (40, 2)  # the logits
    loss, accuracy = evaluate(model, (X[80:], y[80:]))
    assert accuracy == 1.0 and loss == pytest.approx(history.val_loss[-1], rel=1e-5)


def test_task_follows_the_label_dtype_unless_given():
    X, y = blobs(40)
    assert fit(MLP(2, 1), (X, y.astype(float)), epochs=2).metric_name == "rmse"
    assert fit(MLP(2, 2), (X, y.astype(float)), epochs=2, task="classification").metric_name == "accuracy"
    assert fit(MLP(2, 2), (X, y == 1), epochs=2).metric_name == "accuracy"  # bools are labels


def test_early_stopping_restores_the_best_weights():
    X, y = noisy()
    Xv, yv = noisy(seed=1)
    model = MLP(1, 1, width=64)
    history = fit(model, (X, y), (Xv, yv), epochs=2000, lr=3e-2, early_stopping=5)
    assert history.stop_reason == "early_stopping"
    assert history.best_epoch == int(np.argmin(history.val_loss))
    assert history.epochs_run == history.best_epoch + 5 + 1
    assert history.val_loss[-1] > min(history.val_loss)
    assert evaluate(model, (Xv, yv))[0] == pytest.approx(min(history.val_loss), rel=1e-6)


def test_early_stopping_restores_the_best_weights_at_the_normal_end_too():
    X, y = noisy()
    Xv, yv = noisy(seed=1)
    model = MLP(1, 1, width=64)
    history = fit(model, (X, y), (Xv, yv), epochs=150, lr=3e-2, early_stopping=1000)
    assert history.stop_reason == "completed" and history.best_epoch < 149
    assert evaluate(model, (Xv, yv))[0] == pytest.approx(min(history.val_loss), rel=1e-6)


def test_without_early_stopping_the_last_weights_stay():
    X, y = noisy()
    Xv, yv = noisy(seed=1)
    model = MLP(1, 1, width=64)
    history = fit(model, (X, y), (Xv, yv), epochs=150, lr=3e-2)
    assert evaluate(model, (Xv, yv))[0] == pytest.approx(history.val_loss[-1], rel=1e-6)


def test_divergence_stops_without_raising():
    X, y = line()
    history = fit(MLP(1, 1), (X, y), epochs=100, optimizer="sgd", lr=1e6)
    assert history.stop_reason == "diverged"
    assert history.diverged_at == history.epochs_run - 1 < 99
    assert not math.isfinite(history.train_loss[-1])
    assert all(math.isfinite(v) for v in history.train_loss[:-1])
    assert "diverged" in repr(history)


def test_on_epoch_sees_every_epoch_and_can_stop():
    X, y = line()
    model, calls = MLP(1, 1, width=8), []

    def on_epoch(epoch, history, seen_model):
        calls.append((epoch, history.epochs_run, len(history.train_loss), seen_model is model))
        return True if epoch == 4 else None  # None (or 1, or "yes") goes on: only True stops

    history = fit(model, (X, y), epochs=50, on_epoch=on_epoch)
    assert history.stop_reason == "callback" and history.epochs_run == 5
    assert calls == [(e, e + 1, e + 1, True) for e in range(5)]
    assert fit(model, (X, y), epochs=3, on_epoch=lambda *a: 1).stop_reason == "completed"


def test_hook_errors_propagate():
    def on_epoch(epoch, history, model):
        raise RuntimeError("drawing failed")

    with pytest.raises(RuntimeError, match="drawing failed"):
        fit(MLP(1, 1), line(), epochs=5, on_epoch=on_epoch)


def weight_matrices(model):
    return torch.cat([m.weight.detach().flatten() for m in model.modules() if isinstance(m, nn.Linear)])


def test_l1_drives_weights_towards_zero():
    X, y = noisy(80)
    plain, sparse = MLP(1, 1, width=32), None
    sparse = copy.deepcopy(plain)
    fit(plain, (X, y), epochs=300, lr=1e-2)
    fit(sparse, (X, y), epochs=300, lr=1e-2, l1=1e-3)
    small = [(weight_matrices(m).abs() < 1e-2).float().mean().item() for m in (plain, sparse)]
    assert small[1] > small[0] + 0.2
    assert weight_matrices(sparse).abs().sum() < 0.5 * weight_matrices(plain).abs().sum()


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
def test_weight_decay_shrinks_the_weights(optimizer):
    X, y = noisy(80)
    plain = MLP(1, 1, width=32)
    decayed = copy.deepcopy(plain)
    lr = 0.1 if optimizer == "sgd" else 1e-2
    fit(plain, (X, y), epochs=200, optimizer=optimizer, lr=lr)
    # AdamW's decay is decoupled from the gradient: each step scales w by (1 - lr * weight_decay)
    weight_decay = 1.0 if optimizer == "adamw" else 0.1
    fit(decayed, (X, y), epochs=200, optimizer=optimizer, lr=lr, weight_decay=weight_decay)
    assert weight_matrices(decayed).norm() < 0.8 * weight_matrices(plain).norm()


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam", "adamw"])
def test_every_optimizer_lowers_the_loss(optimizer):
    X, y = line()
    history = fit(MLP(1, 1, width=16), (X, y), epochs=100, optimizer=optimizer, lr=1e-2)
    assert history.train_loss[-1] < 0.2 * history.train_loss[0]


def test_schedules_change_the_learning_rate():
    X, y = line(16)
    lr, epochs = 0.1, 40
    run = {name: fit(MLP(1, 1, width=4), (X, y), epochs=epochs, lr=lr, schedule=name).lr
           for name in (None, "step", "cosine", "exponential", lambda epoch: 1 / (1 + epoch))}
    rates = list(run.values())
    assert rates[0] == [lr] * epochs
    np.testing.assert_allclose(rates[1], [lr * 0.5 ** (e // 10) for e in range(epochs)])
    cosine = [lr * (1 + math.cos(math.pi * e / epochs)) / 2 for e in range(epochs)]
    np.testing.assert_allclose(rates[2], cosine)
    np.testing.assert_allclose(rates[3], [lr * 0.01 ** (e / epochs) for e in range(epochs)])
    np.testing.assert_allclose(rates[4], [lr / (1 + e) for e in range(epochs)])


def test_a_per_step_schedule_changes_the_rate_every_step():
    X, y = line(50)
    lr, epochs, per_epoch = 0.1, 3, 4  # batches of 16, 16, 16, 2
    history = fit(MLP(1, 1, width=4), (X, y), epochs=epochs, batch_size=16, lr=lr, schedule="cosine",
                  schedule_per="step")
    T = epochs * per_epoch  # cosine over the whole run, counted in steps
    np.testing.assert_allclose(history.step_lr, [lr * (1 + math.cos(math.pi * t / T)) / 2 for t in range(T)])
    assert len(set(history.step_lr)) == T  # a new rate at every step
    assert history.lr == history.step_lr[::per_epoch]  # an epoch's rate is that of its first step


def test_a_per_epoch_schedule_keeps_the_rate_within_an_epoch():
    X, y = line(50)
    history = fit(MLP(1, 1, width=4), (X, y), epochs=3, batch_size=16, lr=0.1,
                  schedule=lambda epoch: 0.5**epoch)
    np.testing.assert_allclose(history.step_lr, [0.1] * 4 + [0.05] * 4 + [0.025] * 4)
    np.testing.assert_allclose(history.lr, [0.1, 0.05, 0.025])


@pytest.mark.parametrize("name", [s for s in SCHEDULES if s != "plateau"])  # plateau: per epoch only
def test_named_schedules_mean_the_same_run_in_either_unit(name):
    X, y = line(50)
    runs = {per: fit(MLP(1, 1, width=4), (X, y), epochs=8, batch_size=10, lr=0.1, schedule=name,
                     schedule_per=per) for per in ("epoch", "step")}  # 5 steps per epoch
    # at each epoch's first step both units have covered the same share of the run
    np.testing.assert_allclose(runs["step"].lr, runs["epoch"].lr, rtol=1e-12)
    if name == "step":  # halved every 2 epochs = every 10 steps: the same staircase
        np.testing.assert_allclose(runs["step"].step_lr, runs["epoch"].step_lr, rtol=1e-12)
    else:  # within an epoch the per-step rate kept falling
        assert runs["step"].step_lr[-1] < runs["epoch"].step_lr[-1] == runs["epoch"].step_lr[-5]


def test_on_step_sees_every_batch_with_its_loss():
    X, y = line(50)
    model, calls = MLP(1, 1, width=8), []

    def on_step(step, loss, seen_model, optimizer):
        calls.append((step, loss, seen_model is model, optimizer.param_groups[0]["lr"]))

    history = fit(model, (X, y), epochs=3, batch_size=16, lr=0.01, on_step=on_step, random_state=0)
    assert [c[0] for c in calls] == list(range(3 * math.ceil(50 / 16)))  # 12 steps, numbered from 0
    assert all(isinstance(c[1], float) and c[2] and c[3] == 0.01 for c in calls)
    assert [c[1] for c in calls] == history.step_loss and len(history.step_lr) == 12
    # an epoch's train loss is the size-weighted mean of its steps' losses
    sizes = [16, 16, 16, 2]
    for epoch in range(3):
        steps = history.step_loss[4 * epoch: 4 * epoch + 4]
        assert history.train_loss[epoch] == pytest.approx(np.dot(steps, sizes) / 50, rel=1e-12)


def test_full_batch_records_one_step_per_epoch():
    history = fit(MLP(1, 1, width=8), line(), epochs=5, lr=1e-2)
    assert history.step_loss == history.train_loss and history.step_lr == history.lr


def test_on_step_can_stop_the_run_right_after_a_step():
    X, y = line(50)
    model, epochs_seen = CountingMLP(1, 1, width=8), []
    history = fit(model, (X, y), epochs=10, batch_size=16, on_step=lambda step, *_: step == 5,
                  on_epoch=lambda epoch, h, m: epochs_seen.append((epoch, h.stop_reason)))
    assert model.steps == 6 and len(history.step_loss) == len(history.step_lr) == 6  # steps 0..5
    assert history.stop_reason == "callback" and history.epochs_run == 2  # inside the second epoch
    assert len(history.train_loss) == 2 and epochs_seen == [(0, "running"), (1, "callback")]
    # the cut epoch's loss covers its two steps, of 16 samples each
    assert history.train_loss[1] == pytest.approx(np.mean(history.step_loss[4:6]), rel=1e-12)


def test_on_step_stopping_restores_the_best_weights_with_early_stopping():
    X, y = noisy()
    Xv, yv = noisy(seed=1)
    model = MLP(1, 1, width=32)
    history = fit(model, (X, y), (Xv, yv), epochs=100, lr=3e-2, early_stopping=1000,
                  on_step=lambda step, *_: step == 60)
    assert history.stop_reason == "callback" and history.epochs_run == 61
    assert evaluate(model, (Xv, yv))[0] == pytest.approx(min(history.val_loss), rel=1e-6)


def state_of(model):
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("batch_size", [None, 8])
def test_random_state_drives_dropout_and_leaves_torchs_generator_alone(batch_size):
    X, y = noisy(40)
    start = MLP(1, 1, width=32, dropout=0.5)
    torch.manual_seed(123)
    before, seed_before = torch.get_rng_state(), torch.initial_seed()
    runs = []
    for seed in (0, 0, 1):
        model = copy.deepcopy(start)
        runs.append((fit(model, (X, y), epochs=5, batch_size=batch_size, lr=1e-2, random_state=seed), model))
        assert torch.equal(torch.get_rng_state(), before) and torch.initial_seed() == seed_before
    (h1, m1), (h2, m2), (h3, _) = runs
    assert h1.train_loss == h2.train_loss and h1.step_loss == h2.step_loss
    assert all(torch.equal(p, q) for p, q in zip(state_of(m1), state_of(m2), strict=True))
    assert h1.train_loss != h3.train_loss  # another seed, other dropout masks


def test_a_run_interleaved_with_other_draws_repeats():
    """Between epochs the caller's generator is theirs: drawing from it does not change the run."""
    X, y = noisy(40)
    start = MLP(1, 1, width=32, dropout=0.5)
    plain = fit(copy.deepcopy(start), (X, y), epochs=4, random_state=0)
    interleaved = fit(copy.deepcopy(start), (X, y), epochs=4, random_state=0,
                      on_epoch=lambda *a: torch.rand(100))
    assert plain.train_loss == interleaved.train_loss


def test_a_failing_hook_still_gives_back_the_callers_random_state():
    model = MLP(1, 1, width=8, dropout=0.5)
    before = torch.get_rng_state()

    def on_step(step, loss, model, optimizer):
        raise RuntimeError("hook failed")

    with pytest.raises(RuntimeError, match="hook failed"):
        fit(model, line(), epochs=3, random_state=0, on_step=on_step)
    assert torch.equal(torch.get_rng_state(), before)


def test_without_random_state_dropout_draws_from_torchs_generator():
    X, y = noisy(40)
    start = MLP(1, 1, width=32, dropout=0.5)
    losses = []
    for _ in range(2):
        torch.manual_seed(7)  # as a lab's setup(7) does
        losses.append(fit(copy.deepcopy(start), (X, y), epochs=4).train_loss)
    assert losses[0] == losses[1]
    torch.manual_seed(7)
    before = torch.get_rng_state()
    fit(copy.deepcopy(start), (X, y), epochs=1)
    assert not torch.equal(torch.get_rng_state(), before)  # it drew from the global generator


def comparable(history):
    return {k: v for k, v in history.as_dict().items() if k != "seconds"}


def test_fit_and_iter_fit_train_the_same_run():
    X, y = blobs(60)
    start = MLP(2, 2, width=16, dropout=0.2)
    options = {"epochs": 6, "batch_size": 16, "lr": 1e-2, "schedule": "cosine", "schedule_per": "step",
               "early_stopping": 3, "random_state": 4}
    by_fit = fit(copy.deepcopy(start), (X[:40], y[:40]), (X[40:], y[40:]), **options)
    runs = list(iter_fit(copy.deepcopy(start), (X[:40], y[:40]), (X[40:], y[40:]), FitOptions(**options)))
    assert comparable(by_fit) == comparable(runs[-1]) and len(runs) == by_fit.epochs_run
    assert len(by_fit.step_loss) == 3 * by_fit.epochs_run


def test_fit_and_fit_options_list_the_same_keywords_and_defaults():
    import dataclasses
    import inspect

    keywords = {name: p.default for name, p in inspect.signature(fit).parameters.items()
                if p.kind is inspect.Parameter.KEYWORD_ONLY}
    fields = {f.name: f.default for f in dataclasses.fields(FitOptions)}
    assert keywords == fields
    with pytest.raises(dataclasses.FrozenInstanceError):
        FitOptions().lr = 1.0


class CountingMLP(MLP):
    """An MLP that counts its training-mode forward passes (one per update step)."""

    steps = 0

    def forward(self, x):
        self.steps += self.training
        return super().forward(x)


def test_mini_batches_take_one_step_each():
    X, y = line(100)
    model = CountingMLP(1, 1, width=8)
    fit(model, (X, y), epochs=3, batch_size=32)  # batches of 32, 32, 32, 4
    assert model.steps == 3 * 4
    model = CountingMLP(1, 1, width=8)
    fit(model, (X, y), epochs=3, batch_size=500)  # larger than the data: full batch
    assert model.steps == 3


def test_mini_batches_are_reproducible_with_a_seed():
    X, y = noisy(60)
    start = MLP(1, 1, width=16)
    runs = []
    for seed in (7, 7, 8):
        model = copy.deepcopy(start)
        runs.append((fit(model, (X, y), epochs=5, batch_size=8, random_state=seed), model))
    (h1, m1), (h2, m2), (h3, m3) = runs
    assert h1.train_loss == h2.train_loss
    assert torch.equal(weight_matrices(m1), weight_matrices(m2))
    assert h1.train_loss != h3.train_loss


def test_iter_fit_yields_one_history_per_epoch():
    X, y = line()
    run = iter_fit(MLP(1, 1, width=8), (X, y), options=FitOptions(epochs=6))
    seen = [(history, history.epochs_run, history.stop_reason) for history in run]
    assert [s[1] for s in seen] == [1, 2, 3, 4, 5, 6]
    assert all(s[0] is seen[0][0] for s in seen)  # one History, updated in place
    assert [s[2] for s in seen] == ["running"] * 5 + ["completed"]


def test_iter_fit_can_be_abandoned_without_touching_the_model():
    X, y = noisy()
    model = MLP(1, 1, width=16)
    run = iter_fit(model, (X, y), noisy(seed=1), FitOptions(epochs=100, lr=3e-2, early_stopping=50))
    history = list(itertools.islice(run, 30))[-1]
    latest = copy.deepcopy(model.state_dict())
    run.close()  # as a live panel does when a new run supersedes this one
    assert history.epochs_run == 30 and history.stop_reason == "running"
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in latest.items())  # no restore
    assert fit(model, (X, y), epochs=2).epochs_run == 2  # the model trains on


def test_iter_fit_checks_arguments_when_called():
    with pytest.raises(ValueError, match="train y"):
        iter_fit(MLP(1, 1), (X_LINE, Y_LINE[:3]))  # no next() needed
    with pytest.raises(ValueError, match="early_stopping"):
        iter_fit(MLP(1, 1), line(), options=FitOptions(early_stopping=3))  # no val data to watch
    with pytest.raises(TypeError, match="options must be a FitOptions"):
        iter_fit(MLP(1, 1), line(), options={"epochs": 3})
    with pytest.raises(ValueError, match="epochs must be at least 1, got 0"):
        FitOptions(epochs=0)  # the options are checked when made


def test_small_cnn_trains_on_images():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 64)
    X = rng.normal(0, 0.3, (64, 1, 8, 8)).astype(np.float32)
    X[y == 1, :, :4] += 1.0  # class 1 is bright on top
    model = SmallCNN(2, channels=4)
    history = fit(model, (X, y), epochs=15, lr=1e-2, batch_size=16, random_state=0)
    assert history.train_metric[-1] > 0.9
    assert predict(model, X[:5]).shape == (5, 2)


def test_history_repr_and_as_dict():
    X, y = blobs(40)
    history = fit(MLP(2, 2, width=8), (X, y), (X, y), epochs=3)
    text = repr(history)
    assert text.startswith("History(epochs=3, train_loss=") and "val_accuracy=" in text
    assert "stop='completed'" in text
    record = history.as_dict()
    assert record["train_loss"] == history.train_loss and record["stop_reason"] == "completed"
    record["train_loss"].append(0.0)
    assert len(history.train_loss) == 3  # a copy
    assert repr(History()) == "History(epochs=0, best_epoch=None, stop='running', seconds=0.00)"


X_LINE, Y_LINE = line(10)
BAD_CALLS = [  # (keyword arguments to fit, error type, words the message must contain)
    ({"train": X_LINE}, TypeError, "train"),
    ({"train": (X_LINE, Y_LINE, Y_LINE)}, TypeError, "train"),
    ({"train": (np.r_[X_LINE[:-1], np.nan], Y_LINE)}, ValueError, "train X"),
    ({"train": (X_LINE, np.r_[Y_LINE[:-1], np.inf])}, ValueError, "train y"),
    ({"train": (X_LINE, Y_LINE[:-1])}, ValueError, "train y"),
    ({"train": (X_LINE, ["a"] * 10)}, TypeError, "train y"),
    ({"train": (np.zeros((0, 1)), np.zeros(0))}, ValueError, "train X"),
    ({"train": (X_LINE, Y_LINE), "val": (X_LINE, Y_LINE[:3])}, ValueError, "val y"),
    ({"train": (X_LINE, Y_LINE), "val": (np.zeros((10, 2)), Y_LINE)}, ValueError, "val X"),
    ({"train": (X_LINE, Y_LINE), "val": [np.full(10, np.nan), Y_LINE]}, ValueError, "val X"),
    ({"train": (X_LINE, Y_LINE), "task": "classification"}, ValueError, "train y"),
    ({"train": (X_LINE, -np.ones(10, int))}, ValueError, "train y"),
    ({"train": (np.zeros((10, 3)), Y_LINE)}, ValueError, "train X"),  # model wants 1 feature
    ({"train": (X_LINE, np.zeros((10, 2)))}, ValueError, "train y"),  # model gives 1 output
    ({"task": "clustering"}, ValueError, "task"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"epochs": 2.5}, TypeError, "epochs"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"optimizer": "rmsprob"}, ValueError, "optimizer"),
    ({"lr": 0}, ValueError, "lr"),
    ({"lr": "fast"}, TypeError, "lr"),
    ({"momentum": -0.1}, ValueError, "momentum"),
    ({"optimizer": "nesterov", "momentum": 0.0}, ValueError, "momentum"),
    ({"weight_decay": -1}, ValueError, "weight_decay"),
    ({"l1": float("nan")}, ValueError, "l1"),
    ({"schedule": "linear"}, ValueError, "schedule"),
    ({"schedule": 3}, TypeError, "schedule"),
    ({"early_stopping": 0}, ValueError, "early_stopping"),
    ({"early_stopping": 5}, ValueError, "early_stopping"),  # without val
    ({"schedule_per": "batch"}, ValueError, "schedule_per must be one of 'epoch', 'step'; got 'batch'"),
    ({"on_epoch": "plot"}, TypeError, "on_epoch must be a function"),
    ({"on_step": 3}, TypeError, r"on_step must be a function \(step, loss, model, optimizer\) or None"),
    ({"random_state": -1}, TypeError, "random_state"),
    ({"device": "tpu"}, ValueError, "device"),
]


@pytest.mark.parametrize(("kwargs", "error", "words"), BAD_CALLS)
def test_fit_rejects_bad_arguments_by_name(kwargs, error, words):
    kwargs = {"train": (X_LINE, Y_LINE), "epochs": 2, **kwargs}
    with pytest.raises(error, match=words):
        fit(MLP(1, 1, width=4), **kwargs)


@pytest.mark.parametrize(("model", "error"), [
    ("model", TypeError), (nn.ReLU(), ValueError), (MLP(1, 1).requires_grad_(False), ValueError),
])
def test_fit_needs_a_module_with_parameters(model, error):
    with pytest.raises(error, match="model"):
        fit(model, (X_LINE, Y_LINE), epochs=1)


def test_predict_and_evaluate_check_their_arguments():
    model = MLP(1, 2)
    with pytest.raises(ValueError, match="X"):
        predict(model, [[np.nan]])
    with pytest.raises(TypeError, match="classes"):
        predict(model, X_LINE, classes="yes")
    with pytest.raises(ValueError, match="data y"):
        evaluate(model, (X_LINE, np.array([0, 1, 2] * 3 + [0])))  # label 2 needs 3 outputs
    with pytest.raises(TypeError, match="data"):
        evaluate(model, X_LINE)


def test_evaluating_switches_to_eval_without_gradients_and_restores_the_mode():
    from labkit.train import evaluating

    model = MLP(1, 1, width=4, depth=1, dropout=0.5)
    model.train()
    with evaluating(model):
        assert not model.training and not torch.is_grad_enabled()
    assert model.training and torch.is_grad_enabled()
    model.eval()
    with pytest.raises(RuntimeError), evaluating(model):
        raise RuntimeError("inside")
    assert not model.training  # restored to eval, as it was, even after an error


def test_predict_checks_x_as_fit_and_evaluate_do():
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    X, y = np.ones((30, 3)), np.ones((30, 1))
    messages = []
    calls = (lambda: fit(model, (X, y), epochs=1), lambda: evaluate(model, (X, y)), lambda: predict(model, X))
    pattern = r"model cannot take (train |data )?X of shape \(30, 3\): "
    for call in calls:
        with pytest.raises(ValueError, match=pattern) as err:
            call()
        messages.append(str(err.value).split(": ", 1)[1])
    assert len(set(messages)) == 1  # one checking path: the same reason from all three


def test_predict_evaluate_and_fit_reject_x_that_gives_more_than_one_row_per_sample():
    model = nn.Linear(1, 1)  # takes (30, 1, 1) but answers (30, 1, 1), not (30, n_outputs)
    X = np.ones((30, 1, 1))
    for call in (lambda: predict(model, X), lambda: evaluate(model, (X, np.ones((30, 1)))),
                 lambda: fit(model, (X, np.ones((30, 1))), epochs=1)):
        with pytest.raises(ValueError, match=r"outputs of shape \(2, 1, 1\).*X with shape \(30, 1, 1\).*"
                                             r"one row of outputs per sample.*e\.g\. shape \(30, 1\)"):
            call()
    assert predict(model, X.reshape(30, 1)).shape == (30, 1)


# ---------------------------------------------------------------- clipping, gradient norms, plateau

def _applied_norms():
    """An on_step hook and the list it fills: the total norm of the gradients the step used."""
    seen = []

    def hook(step, loss, model, optimizer):  # runs after the step; .grad holds what it applied
        seen.append(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()])).item())
    return hook, seen


def test_the_recorded_norm_is_torchs_and_clipping_bounds_the_applied_gradient():
    X, y = line(50)
    start = MLP(1, 1, width=8)
    hook, unclipped = _applied_norms()
    free = fit(copy.deepcopy(start), (X, 10 * y), epochs=6, batch_size=10, lr=0.05, record_grad_norm=True,
               on_step=hook, random_state=0)
    np.testing.assert_allclose(free.step_grad_norm, unclipped, rtol=1e-5)  # pre-clip norm == torch's
    clip = float(np.median(unclipped))
    hook, applied = _applied_norms()
    clipped = fit(copy.deepcopy(start), (X, 10 * y), epochs=6, batch_size=10, lr=0.05, clip_grad_norm=clip,
                  on_step=hook, random_state=0)
    assert len(clipped.step_grad_norm) == len(applied) == 30
    np.testing.assert_allclose(applied, np.minimum(clipped.step_grad_norm, clip), rtol=1e-4)
    assert clipped.step_grad_norm[0] == pytest.approx(free.step_grad_norm[0])  # same start, same batch
    assert max(clipped.step_grad_norm) > clip  # some steps were clipped
    assert fit(MLP(1, 1, width=4), line(), epochs=2).step_grad_norm == []  # not asked: not measured


def test_plateau_halves_the_rate_after_a_flat_stretch_and_not_before():
    X = np.linspace(-1, 1, 20)
    flat = fit(MLP(1, 1, width=4, init="zeros"), (X, np.zeros(20)), epochs=40, optimizer="sgd", lr=0.1,
               schedule="plateau")  # zero weights, zero targets: the loss is 0 and stays 0
    patience = max(2, 40 // 20)
    assert flat.lr[: patience + 2] == [0.1] * (patience + 2)  # best at epoch 0, then patience + 1 flat ones
    assert flat.lr[patience + 2] == pytest.approx(0.05) and min(flat.lr) < 0.05
    falling = fit(MLP(1, 1, width=8), line(), epochs=30, optimizer="sgd", lr=0.01, schedule="plateau",
                  random_state=0)
    assert all(a > b for a, b in zip(falling.train_loss, falling.train_loss[1:], strict=False))
    assert set(falling.lr) == {0.01}  # a loss that keeps falling keeps the rate


def test_plateau_watches_the_val_loss_when_there_is_one():
    X = np.linspace(-1, 1, 20)
    # the train loss falls every epoch; the val targets lie below, so the val loss rises: halve
    history = fit(MLP(1, 1, width=8), line(), (X, -50 + 0 * X), epochs=30, optimizer="sgd", lr=0.01,
                  schedule="plateau", random_state=0)
    assert min(history.lr) < 0.01


def test_rmsprop_trains():
    history = fit(MLP(1, 1, width=8), line(), epochs=60, optimizer="rmsprop", lr=1e-2, momentum=0.0,
                  random_state=0)
    assert history.train_loss[-1] < 0.05 * history.train_loss[0]


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"clip_grad_norm": 0.0}, ValueError, "clip_grad_norm must be greater than 0"),
    ({"clip_grad_norm": "1"}, TypeError, "clip_grad_norm must be a number"),
    ({"record_grad_norm": "yes"}, TypeError, "record_grad_norm"),
    ({"schedule": "plateau", "schedule_per": "step"}, ValueError, "schedule_per='epoch'"),
])
def test_new_options_are_checked_by_name(kwargs, error, words):
    with pytest.raises(error, match=words):
        fit(MLP(1, 1, width=4), line(), epochs=2, **kwargs)
