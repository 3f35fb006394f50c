"""Gradient checks and their pitfalls: finite differences catch wrong backward passes; precision matters."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from labkit.data import load_digits
from labkit.gradients import gradcheck as gc
from labkit.gradients import pitfalls
from labkit.models import SmallCNN
from labkit.runtime import seeded


class Cube(torch.autograd.Function):
    """x ** 3 with a hand-written backward; ``wrong=True`` forgets the factor 3."""

    @staticmethod
    def forward(ctx, x, wrong):
        ctx.save_for_backward(x)
        ctx.wrong = wrong
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        slope = x ** 2 if ctx.wrong else 3 * x ** 2
        return grad_output * slope, None


class CubeNet(nn.Module):
    def __init__(self, wrong):
        super().__init__()
        self.wrong = wrong
        self.first, self.second = nn.Linear(3, 4), nn.Linear(4, 2)

    def forward(self, x):
        return self.second(Cube.apply(self.first(x), self.wrong))


def cube_problem(wrong):
    torch.manual_seed(0)
    X, y = torch.randn(8, 3), torch.randn(8, 2)
    return CubeNet(wrong), X, y, F.mse_loss


def test_a_wrong_custom_backward_is_caught_and_a_correct_one_passes():
    bad = gc.check_gradients(*cube_problem(wrong=True))
    good = gc.check_gradients(*cube_problem(wrong=False))
    verdicts = {t.name: t.verdict for t in bad.tensors}
    assert not bad.ok
    assert verdicts["first.weight"] == verdicts["first.bias"] == "wrong"  # behind the Function
    assert verdicts["second.weight"] == "good"  # after it: autograd's own backward
    assert good.ok and all(t.verdict == "good" for t in good.tensors)


def test_torch_gradcheck_agrees_on_both_functions():
    bad, good = (pitfalls.compare_with_torch(*cube_problem(wrong)) for wrong in (True, False))
    assert not bad.torch_ok and not bad.ours.ok and "first.weight" in bad.torch_message
    assert good.torch_ok and good.ours.ok
    assert "FAILED" in repr(bad) and "passed" in repr(good)


def test_float64_check_of_a_small_mlp_passes_and_float32_shows_larger_errors():
    reports = pitfalls.compare_precisions(*gc.demo_problem())
    f32, f64 = reports["float32"], reports["float64"]
    assert f64.ok and all(t.verdict == "good" for t in f64.tensors) and f64.max_rel_error < 1e-7
    assert f32.dtype == "float32" and f32.h == 1e-3
    assert min(t.rel_error for t in f32.tensors) > 100 * f64.max_rel_error
    assert "round-off" in repr(f32)


def test_the_step_size_sweep_is_u_shaped():
    hs, errors = pitfalls.step_size_sweep(*gc.demo_problem(activation="tanh"))
    best = int(np.argmin(errors))
    assert 0 < best < len(hs) - 1 and 1e-7 < hs[best] < 1e-3
    assert errors[0] > 1e4 * errors[best] and errors[-1] > 1e4 * errors[best]  # round-off, truncation
    assert np.all(np.diff(errors[best:]) > 0)  # truncation error grows steadily with h


def test_a_kink_within_h_is_found_from_the_one_sided_slopes_and_does_not_fail_the_check():
    alarm = pitfalls.kink_false_alarm(offset=5e-7, h=1e-6)
    bias, weight = (next(t for t in alarm.tensors if t.name == name) for name in ("0.bias", "0.weight"))
    assert bias.rel_error > 1e-2  # what a plain check would call wrong: the average of slopes 0 and 1
    assert (bias.verdict, bias.n_kinks, bias.n_exact_kinks) == ("ok", 1, 0) and alarm.ok
    assert (weight.verdict, weight.n_kinks) == ("good", 0)
    assert "a smaller h avoids those" in repr(alarm) and "no h avoids" not in repr(alarm)
    far = pitfalls.kink_false_alarm(offset=5e-6, h=1e-6)  # the kink is farther than h: nothing to excuse
    assert far.ok and sum(t.n_kinks for t in far.tensors) == 0


def test_a_kink_exactly_at_the_point_is_said_to_be_beyond_any_step_size():
    exact = pitfalls.kink_false_alarm(offset=0.0)
    bias = next(t for t in exact.tensors if t.name == "0.bias")
    assert exact.ok and (bias.n_kinks, bias.n_exact_kinks) == (1, 1)
    assert "no h avoids it and a smaller h will not help" in repr(exact)
    assert "| ok (at kinks) |" in repr(exact)
    assert "try a smaller h" not in repr(exact)


def test_kinks_are_counted_in_a_relu_net_and_excluded_from_the_clean_error():
    model = nn.Sequential(nn.Linear(1, 4), nn.ReLU(), nn.Linear(4, 1))
    with torch.no_grad():
        model[0].weight.fill_(1.0)
        model[0].bias.copy_(torch.tensor([0.0, 0.1, 0.2, 0.3]))
    X = torch.tensor([[-0.1 + 3e-7], [1.0], [-2.0]])  # unit 1's input sits 3e-7 above its kink
    report = gc.check_gradients(model, X, torch.zeros(3, 1), lambda out, t: (out - t).sum(), max_entries=4)
    bias = next(t for t in report.tensors if t.name == "0.bias")
    assert bias.rel_error > 1e-2 and bias.n_kinks == 1 and bias.rel_error_no_kinks < 1e-7
    assert bias.verdict == "good" and report.ok


class ZeroPaddedNet(nn.Module):
    """Case 04: zero biases and zero-padded rows put pre-activations exactly at ReLU's kink."""

    def __init__(self, functional):
        super().__init__()
        self.functional = functional
        self.fc1, self.fc2, self.out = nn.Linear(4, 16), nn.Linear(16, 16), nn.Linear(16, 3)
        self.act = nn.ReLU()
        with torch.no_grad():
            for layer in (self.fc1, self.fc2, self.out):
                layer.bias.zero_()

    def forward(self, x):
        relu = F.relu if self.functional else self.act
        return self.out(relu(self.fc2(relu(self.fc1(x)))))


@pytest.mark.parametrize("functional", [False, True], ids=["nn.ReLU", "F.relu"])
def test_exact_zero_pre_activations_are_kinks_however_relu_is_written(functional):
    with seeded(0):
        model = ZeroPaddedNet(functional)
    X = torch.randn(32, 4, generator=torch.Generator().manual_seed(0))
    X[-8:] = 0.0  # padding rows: every pre-activation of theirs is exactly 0
    y = torch.arange(32) % 3
    report = gc.check_gradients(model, X, y, F.cross_entropy)
    by_name = {t.name: t for t in report.tensors}
    assert report.ok, repr(report)
    for name in ("fc1.bias", "fc2.bias"):  # every bias entry moves the padding rows across 0
        assert by_name[name].rel_error > 1e-2 and by_name[name].n_exact_kinks == by_name[name].n_checked
    assert "a smaller h will not help" in repr(report)
    smaller = {t.name: t for t in gc.check_gradients(model, X, y, F.cross_entropy, h=1e-8).tensors}
    assert smaller["fc1.bias"].n_exact_kinks == by_name["fc1.bias"].n_exact_kinks  # h cannot avoid it


class ReluWithBackward(torch.autograd.Function):
    """relu with a hand-written backward; ``slope_at_zero`` is what it returns at exactly 0."""

    @staticmethod
    def forward(ctx, x, slope_at_zero, leak):
        ctx.save_for_backward(x)
        ctx.slope_at_zero, ctx.leak = slope_at_zero, leak
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        slope = torch.where(x > 0, 1.0, ctx.leak).to(x.dtype)
        slope = torch.where(x == 0, ctx.slope_at_zero, slope).to(x.dtype)
        return grad_output * slope, None, None


@pytest.mark.parametrize(("slope_at_zero", "leak", "passes"), [
    (0.0, 0.0, True),  # PyTorch's choice: relu'(0) = 0
    (1.0, 0.0, True),  # the other one-sided slope: also a valid subgradient
    (2.0, 0.0, False),  # outside [0, 1]: no side of the kink has this slope
    (0.0, 0.1, False),  # a leak in backward only: wrong away from the kink, a kink does not hide it
])
def test_a_kink_excuses_only_slopes_between_the_one_sided_ones(slope_at_zero, leak, passes):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.out = nn.Linear(3, 8), nn.Linear(8, 1)
            with torch.no_grad():
                self.fc1.bias.zero_()

        def forward(self, x):
            return self.out(ReluWithBackward.apply(self.fc1(x), slope_at_zero, leak))

    with seeded(0):
        model = Net()
    X = torch.randn(16, 3, generator=torch.Generator().manual_seed(1))
    X[:4] = 0.0  # exact kinks for every hidden unit
    report = gc.check_gradients(model, X, torch.ones(16, 1), F.mse_loss)
    assert report.ok == passes, repr(report)


def test_an_exact_tie_in_max_pooling_is_a_kink():
    toy = nn.Sequential(nn.Linear(2, 4), nn.Unflatten(1, (1, 4)), nn.MaxPool1d(2), nn.Flatten(),
                        nn.Linear(2, 1))
    with torch.no_grad():
        toy[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [2.0, -1.0]]))
        toy[0].bias.zero_()
        toy[4].weight.fill_(0.7)
    X = torch.tensor([[1.0, 1.0], [0.3, -0.2], [2.0, 2.0]])  # rows 0 and 2: units 0 and 1 tie
    report = gc.check_gradients(toy, X, torch.tensor([[0.5], [0.1], [1.0]]), F.mse_loss)
    first = next(t for t in report.tensors if t.name == "0.weight")
    assert report.ok and first.rel_error > 1e-2 and first.n_exact_kinks > 0, repr(report)


@pytest.mark.parametrize("batch_norm", [False, True])
def test_labkits_small_cnn_passes_labkits_check_on_the_digits(batch_norm):
    X, y = load_digits(images=True)
    with seeded(0):
        cnn = SmallCNN(10, channels=4, batch_norm=batch_norm)
    report = gc.check_gradients(cnn, torch.as_tensor(X[:32], dtype=torch.float32), torch.as_tensor(y[:32]),
                                F.cross_entropy)
    assert report.ok, repr(report)


def test_a_parameter_used_through_data_is_caught():
    class Sneaky(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 1)

        def forward(self, x):  # .data hides the weight from autograd
            return x @ self.linear.weight.data.T + self.linear.bias

    torch.manual_seed(0)
    report = gc.check_gradients(Sneaky(), torch.randn(5, 3), torch.randn(5, 1), F.mse_loss)
    verdicts = {t.name: t.verdict for t in report.tensors}
    assert verdicts == {"linear.weight": "wrong", "linear.bias": "good"}


def test_both_calling_conventions_give_the_same_report_and_the_model_is_untouched():
    model, X, y, loss = gc.demo_problem()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    by_parts = gc.check_gradients(model, X, y, loss)
    by_closure = gc.check_gradients(model, lambda m: loss(m(X), y))  # float32 X, cast by the check
    assert [t.rel_error for t in by_parts.tensors] == pytest.approx([t.rel_error for t in by_closure.tensors])
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert next(model.parameters()).dtype == torch.float32 and all(p.grad is None for p in model.parameters())
    assert repr(gc.check_gradients(model, X, y, loss)) == repr(by_parts)  # seeded sampling


def test_large_tensors_are_sampled():
    model = nn.Linear(50, 40)
    report = gc.check_gradients(model, torch.randn(6, 50), torch.randn(6, 40), F.mse_loss, max_entries=7)
    assert [t.n_checked for t in report.tensors] == [7, 7]
    assert "| weight | (40, 50) | 7 |" in report.to_markdown()


class NoParameters(nn.Module):
    def forward(self, x):
        return x * 2


class WithCounter(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.count = nn.Parameter(torch.zeros(1, dtype=torch.int64), requires_grad=False)

    def forward(self, x):
        return self.linear(x)


@pytest.mark.parametrize("model, loss_fn, expected", [
    (NoParameters(), lambda m: m(torch.ones(2)).sum(), "no trainable floating-point parameters"),
    (nn.Linear(2, 3), lambda m: m(torch.ones(4, 2)), "the loss has shape (4, 3)"),
    (nn.Linear(2, 1), lambda m: m(torch.ones(4, 2)).sum().detach(), "does not require grad"),
    (nn.Linear(2, 1), lambda m: m(torch.ones(4, 2)).sum().item(), "not a tensor"),
    (nn.Linear(2, 1), lambda m: m(torch.ones(4, 3)).sum(), "raised RuntimeError"),
    (nn.Linear(2, 1), lambda m: F.dropout(m(torch.ones(64, 2))).sum(), "changes between two calls"),
])
def test_what_cannot_be_checked_is_reported_not_raised(model, loss_fn, expected):
    report = gc.check_gradients(model, loss_fn)
    assert not report.ok and not report.tensors
    assert expected in repr(report)


def test_integer_and_frozen_parameters_are_skipped_with_a_reason():
    model = WithCounter()
    model.linear.bias.requires_grad_(False)
    report = gc.check_gradients(model, lambda m: m(torch.ones(3, 2)).sum())
    assert [t.name for t in report.tensors] == ["linear.weight"] and report.ok
    reasons = dict(report.skipped)
    assert "frozen" in reasons["linear.bias"] and "torch.int64" in reasons["count"]


def test_tf32_is_reported_and_restored_or_said_not_to_apply():
    effect = pitfalls.tf32_effect(*gc.demo_problem(), max_entries=3)
    if not torch.cuda.is_available():
        assert not effect.applies and "does not apply" in repr(effect) and effect.tf32_on is None
        assert gc.check_gradients(*gc.demo_problem(), max_entries=2).tf32 is None
        return
    before = torch.backends.cuda.matmul.allow_tf32
    assert effect.applies and effect.tf32_off.tf32 is False and effect.tf32_on.tf32 is True
    assert torch.backends.cuda.matmul.allow_tf32 == before


@pytest.mark.parametrize("kwargs, error", [
    ({"dtype": torch.float16}, ValueError), ({"h": 0.0}, ValueError), ({"h": "small"}, TypeError),
    ({"max_entries": 0}, ValueError), ({"random_state": -1}, TypeError),
])
def test_bad_arguments_name_themselves(kwargs, error):
    model, X, y, loss = gc.demo_problem()
    with pytest.raises(error, match=next(iter(kwargs))):
        gc.check_gradients(model, X, y, loss, **kwargs)


def test_bad_calling_conventions_are_explained():
    model, X, y, loss = gc.demo_problem()
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        gc.check_gradients("mlp", X, y, loss)
    with pytest.raises(TypeError, match="got 2 argument"):
        gc.check_gradients(model, X, y)
    with pytest.raises(TypeError, match="loss must be a function"):
        gc.check_gradients(model, X, y, "mse")
    with pytest.raises(ValueError, match="hs must be"):
        pitfalls.step_size_sweep(model, X, y, loss, hs=[1e-3, -1.0])
    with pytest.raises(ValueError, match="cannot sweep h"):
        pitfalls.step_size_sweep(nn.Linear(2, 1), lambda m: m(torch.ones(1, 2)).sum().detach(), hs=[1e-3])


def test_unused_parameters_are_skipped_and_a_loss_ignoring_its_model_is_not_a_pass():
    model = nn.ModuleDict({"used": nn.Linear(2, 1), "spare": nn.Linear(2, 1)})
    report = gc.check_gradients(model, lambda m: m["used"](torch.ones(3, 2)).sum())
    assert report.ok and {t.name for t in report.tensors} == {"used.weight", "used.bias"}
    assert "unused" in dict(report.skipped)["spare.weight"]
    outside = nn.Linear(2, 1)
    ignored = gc.check_gradients(outside, lambda m: outside(torch.ones(3, 2)).sum())  # not the copy it gets
    assert not ignored.ok and "does loss_fn use the model it is given" in repr(ignored)


def test_the_global_seed_is_left_alone():
    torch.manual_seed(7)
    gc.check_gradients(*gc.demo_problem(), max_entries=2)
    after = torch.rand(1)
    torch.manual_seed(7)
    assert torch.equal(after, torch.rand(1))


def test_verdict_bands_and_their_argument():
    assert [gc.verdict(e) for e in (0.0, 1e-7, 1e-5, 1e-3, 0.5, float("nan"))] == [
        "good", "good", "ok", "suspicious", "wrong", "wrong"]
    with pytest.raises(ValueError, match="rel_error must be at least 0"):
        gc.verdict(-1.0)
    with pytest.raises(TypeError, match="rel_error must be a number"):
        gc.verdict("small")
    with pytest.raises(ValueError, match="rtol must be at least 0"):
        pitfalls.compare_with_torch(*gc.demo_problem(), rtol=-1.0)


@pytest.mark.parametrize(("hs", "error", "shown"), [
    ("abc", TypeError, "got the string 'abc'"),
    ([1e-3, "x"], TypeError, "got \\[0.001, 'x'\\]"),
    ([[1e-3]], ValueError, "got shape \\(1, 1\\)"),
    ([1e-3, float("nan")], ValueError, "got \\[0.001, nan\\]"),
    ([], ValueError, "got \\[\\]"),
])
def test_step_size_sweep_names_hs_and_shows_the_value(hs, error, shown):
    with pytest.raises(error, match=rf"^hs must be a non-empty list of positive step sizes.*{shown}"):
        pitfalls.step_size_sweep(*gc.demo_problem(activation="tanh"), hs=hs)
