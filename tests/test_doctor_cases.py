"""labkit.debugging.doctor on cases from practice: the task and error measure come from the loss
and the targets' shape, NaN gradients behind a finite loss and frozen tensors are named, and every
correct set-up of a common loss passes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from labkit.data import load_digits, make_dataset
from labkit.debugging.doctor import doctor
from labkit.models import MLP, SmallCNN
from labkit.runtime import seeded


def blobs(n=64, seed=0):
    """Three standardized Gaussian blobs in 2-D: float32 X (n, 2), integer y (n,)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 3.0]])[y] + rng.normal(0, 0.6, (n, 2))
    return ((X - X.mean(0)) / X.std(0)).astype(np.float32), y


def mlp(out, *tail):
    torch.manual_seed(0)
    return nn.Sequential(MLP(2, out, width=32, depth=2), *tail)


def binary_set_up():
    X, y = blobs()
    return X, (y == 1).astype(np.float32)[:, None]  # (N, 1) float labels 0/1


# ---------------------------------------------------------------- case 01: BCE with logits, sigmoid twice

@pytest.mark.parametrize("task", [None, "classification"])
def test_bce_with_logits_on_float_labels_passes_and_a_double_sigmoid_fails(task):
    X, y = binary_set_up()
    good = doctor(mlp(1), X, y, nn.BCEWithLogitsLoss(), task=task)
    assert good.ok, repr(good)
    assert "wrong 0/1 decisions" in good["overfit_batch"].message
    assert "log(2)" in good["init_loss"].message
    twice = doctor(mlp(1, nn.Sigmoid()), X, y, nn.BCEWithLogitsLoss(), task=task)
    assert "logits" in twice.failed and "overfit_batch" in twice.failed, repr(twice)
    assert "Sigmoid" in twice["logits"].message and "before the sigmoid" in twice["logits"].advice


def test_labels_are_never_cast_for_a_loss_that_wants_floats():
    X, y = binary_set_up()
    report = doctor(mlp(1), X, y, F.binary_cross_entropy_with_logits, task="classification")
    assert report["runs"].status == "pass" and report.ok, repr(report)


# ---------------------------------------------------------------- case 07: one-hot targets

def test_one_hot_targets_with_cross_entropy_pass_like_their_integer_twin():
    X, y = blobs()
    one_hot = np.eye(3, dtype=np.float32)[y]
    for targets in (y, one_hot):
        report = doctor(mlp(3), X, targets, F.cross_entropy)
        assert report.ok, repr(report)
        assert "misclassified" in report["overfit_batch"].message


def test_an_unknown_loss_says_what_was_not_derived():
    X, y = blobs()
    report = doctor(mlp(3), X, y, lambda out, target: F.cross_entropy(out, target))
    assert report.notes and "not one the doctor knows" in report.notes[0]
    assert "note:" in repr(report)
    assert not doctor(mlp(3), X, y, F.cross_entropy).notes


# ---------------------------------------------------------------- case 02: NaN gradients, finite loss

class SqrtUnit(nn.Module):
    def forward(self, h):
        return torch.where(h > 0, torch.sqrt(h), torch.zeros_like(h))  # sqrt's NaN derivative leaks back


def test_nan_gradients_behind_a_finite_loss_are_named():
    X, y = blobs()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), SqrtUnit(), nn.Linear(16, 16), SqrtUnit(), nn.Linear(16, 3))
    report = doctor(model, X, y, F.cross_entropy)
    assert report["finite"].status == "pass"
    assert report["grads_reach"].status == "fail"
    assert "NaN or Inf in the gradients of 0.weight" in report["grads_reach"].message
    assert "torch.where" in report["grads_reach"].advice
    assert report["params_change"].status == "fail" and "NaN" in report["params_change"].message
    assert "learning rate" not in report["overfit_batch"].advice  # not a step-size problem


class ClampSqrt(nn.Module):
    """sqrt(clamp(h, min=0)): clamp passes the gradient at exactly 0, where sqrt's slope is Inf."""

    def forward(self, h):
        return torch.sqrt(h.clamp(min=0))


def test_an_inf_gradient_from_sqrt_at_zero_counts_as_neither_non_zero_nor_changed():
    X, y = blobs()
    X[:4] = 0.0  # with zero biases these rows put exact zeros into the sqrt
    with seeded(0):
        model = nn.Sequential(nn.Linear(2, 8), ClampSqrt(), nn.Linear(8, 3))
    nn.init.zeros_(model[0].bias)
    report = doctor(model, X, y, nn.CrossEntropyLoss())
    assert report["finite"].status == "pass"
    assert report["grads_reach"].status == "fail" and "0.weight" in report["grads_reach"].message
    assert report["params_change"].status == "fail"
    overfit = report["overfit_batch"]
    assert "first gradients" in overfit.message and "learning rate" not in overfit.advice, repr(report)


# ---------------------------------------------------------------- case 09: frozen tensors

def test_frozen_tensors_are_listed_with_advice_on_intent():
    X, y = blobs()
    torch.manual_seed(0)
    model = MLP(2, 3, width=16, depth=2)
    for p in model.hidden.parameters():
        p.requires_grad = False  # leftover from a fine-tuning experiment
    report = doctor(model, X, y)
    check = report["grads_reach"]
    assert check.status == "caution" and report.cautions == ["grads_reach"]
    assert "hidden.0.weight" in check.message and "requires_grad_(False)" in check.advice
    assert "1 caution: grads_reach" in repr(report)


def test_a_requires_grad_attribute_on_a_module_is_named_as_freezing_nothing():
    X, y = blobs()
    torch.manual_seed(0)
    model = MLP(2, 3, width=16, depth=2)
    model.output.requires_grad = False  # a plain attribute: freezes nothing
    check = doctor(model, X, y)["grads_reach"]
    assert check.status == "caution" and "freezes nothing" in check.message
    assert "requires_grad_(False)" in check.advice and "unfreeze" not in check.advice  # advice for this case


# ---------------------------------------------------------------- every correct set-up passes

def _regression():
    X, _ = blobs()
    return X, (np.sin(2 * X[:, :1]) + X[:, 1:] / 2).astype(np.float32)


def _one_hot(y):
    return np.eye(3, dtype=np.float32)[y]


def _soft(y):
    return (_one_hot(y) * 0.7 + 0.1).astype(np.float32)  # rows sum to 1


def _multi_label():
    X, y = blobs()
    return X, np.stack([y == 0, y != 1, X[:, 0] > 0], 1).astype(np.float32)


SET_UPS = {
    "mse": lambda: (mlp(1), *_regression(), nn.MSELoss()),
    "l1": lambda: (mlp(1), *_regression(), nn.L1Loss()),
    "huber": lambda: (mlp(1), *_regression(), nn.HuberLoss()),
    "smooth_l1": lambda: (mlp(1), *_regression(), F.smooth_l1_loss),
    "ce_index": lambda: (mlp(3), *blobs(), nn.CrossEntropyLoss()),
    "ce_one_hot": lambda: (mlp(3), blobs()[0], _one_hot(blobs()[1]), nn.CrossEntropyLoss()),
    "ce_soft": lambda: (mlp(3), blobs()[0], _soft(blobs()[1]), F.cross_entropy),
    "ce_weights": lambda: (mlp(3), *blobs(), nn.CrossEntropyLoss(weight=torch.tensor([1.0, 3.0, 0.5]))),
    "ce_smoothing": lambda: (mlp(3), *blobs(), nn.CrossEntropyLoss(label_smoothing=0.1)),
    "bce_logits": lambda: (mlp(1), *binary_set_up(), nn.BCEWithLogitsLoss()),
    "bce_multi_label": lambda: (mlp(3), *_multi_label(), nn.BCEWithLogitsLoss()),
    "bce_after_sigmoid": lambda: (mlp(1, nn.Sigmoid()), *binary_set_up(), nn.BCELoss()),
    "nll_log_softmax": lambda: (mlp(3, nn.LogSoftmax(dim=1)), *blobs(), nn.NLLLoss()),
    "ce_sum": lambda: (mlp(3), *blobs(), nn.CrossEntropyLoss(reduction="sum")),
    "bce_sum": lambda: (mlp(1), *binary_set_up(), nn.BCEWithLogitsLoss(reduction="sum")),
    "mse_sum": lambda: (mlp(1), *_regression(), nn.MSELoss(reduction="sum")),
    "ce_ignore_index": lambda: (mlp(3), blobs()[0], _padded(blobs()[1]), nn.CrossEntropyLoss()),
    "F.ce_ignore_index": lambda: (mlp(3), blobs()[0], _padded(blobs()[1]), F.cross_entropy),
    "ce_weights_sum_ignore": lambda: (mlp(3), blobs()[0], _padded(blobs()[1]), nn.CrossEntropyLoss(
        weight=torch.tensor([1.0, 3.0, 0.5]), reduction="sum")),
    "kl_div_log_softmax": lambda: (mlp(3, nn.LogSoftmax(dim=1)), blobs()[0], _soft(blobs()[1]),
                                   nn.KLDivLoss(reduction="batchmean")),
}


def _padded(y):
    """Every 8th label set to -100, PyTorch's default ignore_index (padding, unlabeled rows)."""
    return np.where(np.arange(len(y)) % 8 == 0, -100, y)


@pytest.mark.parametrize(("loss_fn", "targets"), [
    (lambda out, t: F.binary_cross_entropy_with_logits(out.squeeze(1), t), lambda y: y[:, 0]),  # (N,) 0/1
    (nn.SoftMarginLoss(), lambda y: y * 2 - 1),  # (N, 1) -1/+1
], ids=["lambda_bce_logits", "soft_margin"])
def test_a_loss_the_doctor_does_not_know_is_judged_by_its_own_fall_and_noted(loss_fn, targets):
    X, y = binary_set_up()
    y = targets(y)
    report = doctor(mlp(1), X, y, loss_fn)
    assert report.ok and "not one the doctor knows" in report.notes[0], repr(report)
    overfit = next(c for c in report.checks if c.name == "overfit_batch")
    assert "the doctor does not know this loss" in overfit.message
    double_sigmoid = doctor(mlp(1, nn.Sigmoid()), X, y, loss_fn)  # probabilities into a logits loss
    assert not double_sigmoid.ok, repr(double_sigmoid)


def _digits(n=64):
    X, y = load_digits(images=True)  # pixels in [0, 1], (N, 1, 8, 8), most border pixels always 0
    return X[:n].astype(np.float32), y[:n]


def _cnn(out, *tail):
    """labkit's SmallCNN with batch norm and dropout: the doctor must check it in both modes."""
    with seeded(0):
        return nn.Sequential(SmallCNN(out, channels=8, dropout=0.3, batch_norm=True), *tail)


def _digits_regression():
    X, y = _digits()
    targets = np.stack([X.mean((1, 2, 3)), y / 9.0], 1)  # two real targets per image
    return X, ((targets - targets.mean(0)) / targets.std(0)).astype(np.float32)


def _digits_soft():
    X, y = _digits()
    return X, (np.eye(10, dtype=np.float32)[y] * 0.9 + 0.01).astype(np.float32)  # rows sum to 1


def _digits_multi_label():
    X, y = _digits()
    return X, np.stack([y % 2 == 0, y >= 5], 1).astype(np.float32)  # even? at least 5?


CNN_SET_UPS = {
    "mse": lambda: (_cnn(2), *_digits_regression(), nn.MSELoss()),
    "l1": lambda: (_cnn(2), *_digits_regression(), nn.L1Loss()),
    "huber": lambda: (_cnn(2), *_digits_regression(), nn.HuberLoss()),
    "ce_index": lambda: (_cnn(10), *_digits(), nn.CrossEntropyLoss()),
    "ce_one_hot": lambda: (_cnn(10), _digits()[0], np.eye(10, dtype=np.float32)[_digits()[1]],
                           nn.CrossEntropyLoss()),
    "ce_soft": lambda: (_cnn(10), *_digits_soft(), F.cross_entropy),
    "ce_weights": lambda: (_cnn(10), *_digits(), nn.CrossEntropyLoss(weight=torch.linspace(0.5, 2.0, 10))),
    "ce_smoothing": lambda: (_cnn(10), *_digits(), nn.CrossEntropyLoss(label_smoothing=0.1)),
    "bce_multi_label": lambda: (_cnn(2), *_digits_multi_label(), nn.BCEWithLogitsLoss()),
    "nll_log_softmax": lambda: (_cnn(10, nn.LogSoftmax(dim=1)), *_digits(), nn.NLLLoss()),
}


@pytest.mark.parametrize(("model", "name"), [("mlp", name) for name in SET_UPS]
                         + [("small_cnn", name) for name in CNN_SET_UPS])
def test_a_correct_set_up_passes_every_check(model, name):
    model, X, y, loss_fn = (SET_UPS if model == "mlp" else CNN_SET_UPS)[name]()
    report = doctor(model, X, y, loss_fn)
    assert report.ok and not report.cautions and not report.notes, repr(report)


def test_an_mlp_with_batch_norm_and_dropout_on_flat_digits_passes():
    X, y = load_digits()
    with seeded(0):
        model = MLP(64, 10, width=32, dropout=0.2, batch_norm=True)
    report = doctor(model, X[:64], y[:64], nn.CrossEntropyLoss())
    assert report.ok and not report.cautions, repr(report)


# ---------------------------------------------------------------- weight decay, train/eval disagreement

def _moons_mlp():
    X, y = make_dataset("moons", 200, noise=0.1, random_state=0)
    with seeded(0):
        return MLP(2, 2, width=32), X, y


@pytest.mark.parametrize(("optimizer", "decay"), [(torch.optim.Adam, 10.0), (torch.optim.AdamW, 50.0)])
def test_weight_decay_too_strong_to_fit_is_named_not_the_learning_rate(optimizer, decay):
    model, X, y = _moons_mlp()
    report = doctor(model, X, y, nn.CrossEntropyLoss(),
                    optimizer_fn=lambda m: optimizer(m.parameters(), lr=1e-2, weight_decay=decay))
    check = next(c for c in report.checks if c.name == "overfit_batch")
    assert check.status == "fail" and f"weight_decay={decay:g}" in check.message, repr(report)
    assert "Weight decay" in check.advice and "learning rate" not in check.advice
    usual = doctor(model, X, y, nn.CrossEntropyLoss(),
                   optimizer_fn=lambda m: optimizer(m.parameters(), lr=1e-2, weight_decay=1e-4))
    assert usual.ok, repr(usual)


def test_a_batch_fit_in_train_mode_but_not_in_eval_mode_is_named():
    class FrozenStatistics(nn.Module):  # momentum=0: the running statistics never leave (0, 1)
        def __init__(self):
            super().__init__()
            self.linear, self.out = nn.Linear(2, 32), nn.Linear(32, 2)
            self.norm = nn.BatchNorm1d(32, momentum=0.0)

        def forward(self, x):
            return self.out(torch.relu(self.norm(self.linear(x))))

    _, X, y = _moons_mlp()
    with seeded(0):
        model = FrozenStatistics()
    report = doctor(model, (X * 3 + 5).astype(np.float32), y, nn.CrossEntropyLoss())
    check = next(c for c in report.checks if c.name == "overfit_batch")
    assert check.status == "fail" and "fit in train mode" in check.message, repr(report)
    assert "running statistics" in check.advice
    with seeded(0):
        healthy = FrozenStatistics()
        healthy.norm.momentum = 0.1
    assert next(c for c in doctor(healthy, (X * 3 + 5).astype(np.float32), y, nn.CrossEntropyLoss()).checks
                if c.name == "overfit_batch").status == "pass"


def test_a_task_that_contradicts_the_loss_is_noted():
    X, y = blobs()
    report = doctor(mlp(3), X, y, nn.CrossEntropyLoss(), task="regression")
    assert report.ok and "the checks follow the loss" in report.notes[0], repr(report)


# ---------------------------------------------------------------- case 10: a ReLU on the logits

@pytest.mark.parametrize("loss_fn, out", [(F.cross_entropy, 3), (nn.BCEWithLogitsLoss(), 1)])
def test_a_final_relu_on_the_logits_is_named(loss_fn, out):
    X, y = blobs() if out == 3 else binary_set_up()
    report = doctor(mlp(out, nn.ReLU()), X, y, loss_fn)
    check = report["logits"]
    assert check.status == "fail" and "never negative" in check.message and "ReLU" in check.message
    assert "Remove the ReLU" in check.advice
    assert doctor(mlp(out), X, y, loss_fn)["logits"].status == "pass"


# ---------------------------------------------------------------- case 18: trained in eval mode

def _user_step(model, optimizer, X, y, loss_fn):  # like the reported loops: no model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss


def _train_step(model, optimizer, X, y, loss_fn):
    model.train()
    return _user_step(model, optimizer, X, y, loss_fn)


def test_a_model_handed_in_eval_mode_to_a_step_that_never_calls_train_is_named():
    X, y = blobs()
    torch.manual_seed(0)
    model = MLP(2, 3, width=32, depth=2, dropout=0.3, batch_norm=True).eval()
    check = doctor(model, X, y, step_fn=_user_step)["params_change"]
    assert check.status == "caution" and "step_fn never calls model.train()" in check.message
    assert "batch-norm statistics frozen, dropout off" in check.message and "model.train()" in check.advice
    assert doctor(model, X, y, step_fn=_train_step)["params_change"].status == "pass"
    assert not model.training  # the doctor left the caller's model as it was
    assert doctor(model.train(), X, y, step_fn=_user_step)["params_change"].status == "pass"


def test_a_sigmoid_hidden_activation_registered_last_is_not_a_final_sigmoid():
    X, y = binary_set_up()
    torch.manual_seed(0)
    model = MLP(2, 1, width=32, depth=2, activation="sigmoid")  # its Sigmoid module is registered last
    assert doctor(model, X, y, nn.BCEWithLogitsLoss())["logits"].status == "pass"


def test_an_unknown_loss_with_task_classification_reads_the_target_format_from_y():
    X, y = binary_set_up()
    report = doctor(mlp(1), X, y, lambda out, target: F.binary_cross_entropy_with_logits(out, target),
                    task="classification")
    assert report.ok and "wrong 0/1 decisions" in report["overfit_batch"].message, repr(report)
    assert "as you said" in report.notes[0]


# ---------------------------------------------------------------- case 05: targets on a scale of their own

def wave(n=200, seed=0):
    """Standardized X (n, 3) and a smooth target (n, 1) of std about 1 and mean about 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    return X, np.sin(X @ np.array([[1.0], [-0.5], [0.3]])).astype(np.float32) / 0.6


# case 05, and an offset alone
@pytest.mark.parametrize(("offset", "scale"), [(2000.0, 350.0), (300.0, 1.0)])
def test_unscaled_regression_targets_are_named_not_the_learning_rate(offset, scale):
    X, y = wave()
    torch.manual_seed(0)
    report = doctor(MLP(3, 1, width=32, depth=2), X, offset + scale * y, nn.MSELoss())
    check = report["overfit_batch"]
    assert check.status == "fail", repr(report)
    assert "standardize y" in check.advice and "learning rate too low" not in check.advice


def test_standardized_targets_pass_and_a_plateau_on_them_keeps_its_usual_advice():
    X, y = wave()
    torch.manual_seed(0)
    assert doctor(MLP(3, 1, width=32, depth=2), X, y, nn.MSELoss())["overfit_batch"].status == "pass"
    torch.manual_seed(0)
    slow = doctor(MLP(3, 1, width=32, depth=2), X, y, nn.MSELoss(),
                  optimizer_fn=lambda model: torch.optim.SGD(model.parameters(), lr=1e-6))
    assert slow["overfit_batch"].status == "fail", repr(slow)
    assert "learning rate too low" in slow["overfit_batch"].advice
    assert "standardize y" not in slow["overfit_batch"].advice
