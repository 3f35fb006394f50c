"""labkit.debugging.doctor: each check fails on a set-up built to fail it and passes on a healthy one."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from labkit.debugging.checklist import CHECKS, CheckSpec, _table, explain_checks
from labkit.debugging.doctor import doctor, standard_step
from labkit.debugging.forward_checks import finite
from labkit.models import MLP


def blobs(n=96, seed=0):
    """Three standardized Gaussian blobs in 2-D: float X (n, 2), integer y (n,)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 3.0]])[y] + rng.normal(0, 0.6, (n, 2))
    return (X - X.mean(0)) / X.std(0), y


def mlp(out=3, **options):
    torch.manual_seed(0)
    return MLP(2, out, width=32, depth=2, **options)


@pytest.fixture(scope="module")
def healthy():
    X, y = blobs()
    return doctor(mlp(), X, y)


@pytest.fixture(scope="module")
def healthy_regression():
    X, _ = blobs()
    y = np.sin(2 * X[:, :1]) + X[:, 1:] / 2
    return doctor(mlp(1), X, y)


def test_a_healthy_classifier_and_regressor_pass_every_check(healthy, healthy_regression):
    for report in (healthy, healthy_regression):
        assert report.ok, repr(report)
        assert [c.name for c in report.checks] == list(CHECKS)
        assert {c.status for c in report.checks} <= {"pass", "skip"}
    skipped = {c.name for c in healthy.checks if c.status == "skip"}
    assert skipped == {"grads_reset", "preprocess"}  # they need step_fn and preprocess
    assert "expected about -log(1/3) = 1.099" in healthy["init_loss"].message
    assert "Var(y)" in healthy_regression["init_loss"].message


def test_a_healthy_step_fn_passes_grads_reset():
    X, y = blobs()
    assert doctor(mlp(), X, y, step_fn=standard_step)["grads_reset"].status == "pass"


def failing(report, name):
    check = report[name]
    assert check.status == "fail", repr(report)
    assert check.advice
    return check.message


def test_runs_reports_an_exception_and_skips_the_rest():
    X, y = blobs()
    report = doctor(MLP(5, 3), X, y)
    assert "RuntimeError" in failing(report, "runs")
    assert all(c.status == "skip" for c in report.checks[1:])
    assert {c.message for c in report.checks[1:]} == {"needs runs, which failed (RuntimeError)"}
    assert "not the class" in doctor(mlp(), X, y, nn.CrossEntropyLoss)["runs"].message


def test_finite_finds_nan_in_the_inputs():
    X, y = blobs()
    X[3, 0] = np.nan
    assert "X (1 of 192 values)" in failing(doctor(mlp(), X, y), "finite")


def test_checks_that_need_finite_skip_beside_a_nan_weight_and_say_so():
    X, y = blobs()
    model = mlp()
    with torch.no_grad():
        model.output.weight[0, 0] = float("nan")  # every output row is NaN
    report = doctor(model, X, y)
    assert "NaN or Inf in outputs (96 of 288 values)" in failing(report, "finite")
    for name in ("logits", "grads_reach", "params_change", "grads_reset", "overfit_batch"):
        assert report[name].status == "skip", repr(report)
        assert report[name].message.startswith("needs finite, which failed (NaN or Inf in outputs"), name
    assert report.failed == ["finite"]  # no "diverged" or "range nan to nan" beside it
    assert report["input_scale"].status == report["labels_signal"].status == "pass"  # they read X and y only


def test_advice_comes_from_the_table_and_an_exception_in_user_code_fails_its_check():
    X, y = blobs()
    assert doctor(Softmaxed(1), X, y)["logits"].advice == CHECKS["logits"].advice

    def broken_step(model, optimizer, X, y, loss_fn):
        raise ValueError("no step today")

    report = doctor(mlp(), X, y, step_fn=broken_step)
    for name in ("params_change", "grads_reset", "overfit_batch"):
        assert failing(report, name) == "raised ValueError: no step today"
    assert report["params_change"].advice == CHECKS["params_change"].advice
    assert report["overfit_batch"].advice.startswith("Read the error")  # its advice depends on the finding
    assert report["grads_reach"].status == "pass"  # it takes no step


def test_the_table_lists_each_need_above_the_check_that_needs_it():
    names = list(CHECKS)
    assert names[0] == "runs" and all(spec.name == name for name, spec in CHECKS.items())
    for i, spec in enumerate(list(CHECKS.values())[1:], start=1):
        assert spec.needs and set(spec.needs) <= set(names[:i]), spec.name
        assert spec.looks_at and spec.cannot_see and callable(spec.function)
        assert spec.advice or spec.name == "overfit_batch", spec.name
    with pytest.raises(ValueError, match=r"check 'finite' needs \['runs'\], which are not listed above"):
        _table(CheckSpec("finite", finite, "-", "-", needs=("runs",)))
    with pytest.raises(TypeError):
        CHECKS["extra"] = CHECKS["runs"]  # read-only: a notebook cannot change the doctor's checks


def test_input_scale_flags_raw_units():
    X, y = blobs()
    assert "feature 0 has mean 1e+03" in failing(doctor(mlp(), X * [200, 1] + [1000, 0], y), "input_scale")


def test_shapes_explains_n_against_n1_broadcasting():
    X, _ = blobs()
    y = np.sin(2 * X[:, 0])  # (N,) while the model gives (N, 1)
    message = failing(doctor(mlp(1), X, y), "shapes")
    assert "outputs (96, 1), targets (96,), broadcast to (64, 64)" in message


def test_init_loss_flags_a_negative_loss_and_a_huge_init():
    X, y = blobs()
    negative = doctor(mlp(), X, y, lambda out, t: -F.cross_entropy(out, t))
    assert "minimizing -L" in failing(negative, "init_loss")
    big = mlp()
    with torch.no_grad():
        for p in big.parameters():
            p.mul_(20)
    assert "expected about -log(1/3)" in failing(doctor(big, X, y), "init_loss")


class Softmaxed(nn.Module):
    def __init__(self, dim, log=False):
        super().__init__()
        self.body, self.dim, self.log = mlp(), dim, log

    def forward(self, x):
        return (torch.log_softmax if self.log else torch.softmax)(self.body(x), dim=self.dim)


def test_logits_flags_probabilities_into_cross_entropy_and_into_nll():
    X, y = blobs()
    assert "outputs are probabilities" in failing(doctor(Softmaxed(1), X, y), "logits")
    assert "over the batch" in failing(doctor(Softmaxed(0), X, y), "logits")
    assert "not log-probabilities" in failing(doctor(Softmaxed(1), X, y, F.nll_loss), "logits")
    assert doctor(Softmaxed(1, log=True), X, y, F.nll_loss)["logits"].status == "pass"


class AlwaysDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = mlp()

    def forward(self, x):
        return F.dropout(self.body(x), 0.3)  # training=True by default


def test_eval_repeatable_catches_dropout_left_on():
    X, y = blobs()
    report = doctor(AlwaysDropout(), X, y)
    assert "something random is still on" in failing(report, "eval_repeatable")
    skipped = report["batch_independent"]
    assert skipped.status == "skip" and skipped.message.startswith("needs eval_repeatable, which failed (")
    assert doctor(mlp(dropout=0.3), X, y)["eval_repeatable"].status == "pass"


def test_batch_independent_catches_batch_statistics_in_eval_mode():
    X, y = blobs()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.BatchNorm1d(16, track_running_stats=False), nn.ReLU(),
                          nn.Linear(16, 3))
    assert "something normalizes over the batch" in failing(doctor(model, X, y), "batch_independent")
    assert doctor(mlp(batch_norm=True), X, y)["batch_independent"].status == "pass"


class Unused(nn.Module):
    def __init__(self):
        super().__init__()
        self.first, self.spare, self.output = nn.Linear(2, 8), nn.Linear(8, 8), nn.Linear(8, 3)

    def forward(self, x):
        h = torch.relu(self.first(x))
        _ = self.spare(h)  # computed, then dropped
        return self.output(h)


def test_grads_reach_and_params_change_find_an_unused_layer():
    X, y = blobs()
    report = doctor(Unused(), X, y)
    assert "spare.weight, spare.bias" in failing(report, "grads_reach")
    assert "without a gradient: spare.weight, spare.bias" in failing(report, "params_change")


def test_params_change_finds_parameters_missing_from_the_optimizer():
    X, y = blobs()
    report = doctor(mlp(), X, y, optimizer_fn=lambda m: torch.optim.Adam(m.output.parameters(), lr=1e-2))
    message = failing(report, "params_change")
    assert "4 of 6" in message and "not in the optimizer" in message and "hidden.0.weight" in message


def test_grads_reset_catches_a_forgotten_zero_grad():
    def no_zero_grad(model, optimizer, X, y, loss_fn):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return loss

    X, y = blobs()
    assert "zero_grad() is missing" in failing(doctor(mlp(), X, y, step_fn=no_zero_grad), "grads_reset")


def test_overfit_batch_diagnoses_error_going_up_and_plateaus():
    X, y = blobs()
    up = doctor(mlp(), X, y, lambda out, t: -F.cross_entropy(out, t))
    assert "went up" in failing(up, "overfit_batch") and "minimizing -L" in up["overfit_batch"].advice
    slow = doctor(mlp(), X, y, lr=1e-6)
    assert "did not reach 0" in failing(slow, "overfit_batch")
    assert "learning rate too low" in slow["overfit_batch"].advice
    wild = doctor(mlp(1), X, np.sin(X[:, :1]), optimizer_fn=lambda m: torch.optim.SGD(m.parameters(), lr=50))
    assert "diverged" in failing(wild, "overfit_batch")
    assert "learning rate too high" in wild["overfit_batch"].advice


def test_labels_signal_catches_labels_shuffled_apart_from_inputs():
    X, y = blobs()
    shuffled = np.random.default_rng(1).permutation(y)
    assert "unrelated to the inputs" in failing(doctor(mlp(), X, shuffled), "labels_signal")


def test_preprocess_catches_a_test_set_scaled_with_its_own_statistics():
    X, y = blobs()

    def own_stats(train, test):
        return (train - train.mean(0)) / train.std(0), (test - test.mean(0)) / test.std(0)

    def train_stats(train, test):
        mean, std = train.mean(0), train.std(0)
        return (train - mean) / std, (test - mean) / std

    assert "not transformed with the training set's" in failing(doctor(mlp(), X, y, preprocess=own_stats),
                                                                "preprocess")
    assert doctor(mlp(), X, y, preprocess=train_stats)["preprocess"].status == "pass"


def test_the_caller_model_and_the_global_seed_are_untouched_and_reports_repeat(healthy):
    X, y = blobs()
    model = mlp(dropout=0.2, batch_norm=True).eval()
    state = copy.deepcopy(model.state_dict())
    torch.manual_seed(123)
    first = doctor(model, X, y)
    after = torch.rand(1)
    torch.manual_seed(123)
    second = doctor(model, X, y)
    assert torch.equal(after, torch.rand(1))  # the doctor consumed none of the global random stream
    assert not model.training and all(p.grad is None for p in model.parameters())
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())
    assert [c.message for c in first.checks] == [c.message for c in second.checks]


def test_the_report_reads_as_text_and_markdown(healthy):
    text = repr(healthy)
    assert text.startswith("Doctor (") and "[pass] overfit_batch" in text
    assert healthy._repr_markdown_().startswith("| check | status |")
    with pytest.raises(KeyError, match="no check named 'nope'"):
        healthy["nope"]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"model": "mlp"}, TypeError, "model must be a torch.nn.Module"),
    ({"loss_fn": "mse"}, TypeError, "loss_fn must be a function"),
    ({"lr": 0.0}, ValueError, "lr must be greater than 0"),
    ({"steps": 0}, ValueError, "steps must be at least 1"),
    ({"task": "ranking"}, ValueError, "task must be one of"),
    ({"y": np.zeros(5, dtype=int)}, ValueError, "same number of samples"),
    ({"X": np.array(["a", "b"])}, TypeError, "X must be an array of numbers"),
])
def test_bad_arguments_name_themselves(kwargs, error, match):
    X, y = blobs()
    arguments = {"model": mlp(), "X": X, "y": y} | kwargs
    with pytest.raises(error, match=match):
        doctor(**arguments)


def test_float_labels_with_task_classification_and_the_checks_table():
    X, y = blobs()
    assert doctor(mlp(), X, y.astype(float), task="classification").ok
    table = explain_checks()
    assert table.count("\n") == len(CHECKS) + 1 and "| grads_reset |" in table


def test_fresh_logits_that_happen_to_lie_in_0_1_are_not_a_false_alarm():
    from labkit.debugging.bugzoo import get_bug

    report = get_bug("labels_shuffled").setup(random_state=3).doctor()  # its outputs all land in [0, 1]
    assert report["logits"].status == "pass"
    assert report.failed == ["labels_signal"]  # only the real bug
