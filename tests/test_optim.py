"""labkit.optim: schedules mean the same run per epoch or per step, the range schedule ends where it says."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from labkit.models import MLP
from labkit.optim import (
    OPTIMIZERS,
    LinearThenExponential,
    RangeSchedule,
    Warmup,
    check_schedule,
    make_optimizer,
    make_scheduler,
    schedule_factors,
)
from labkit.train import fit


def rates(schedule, *, epochs, steps_per_epoch=1, per="epoch", lr=0.1):
    """The rate of each unit (epoch or step) over the run, stepping the scheduler once per unit."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    scheduler = make_scheduler(schedule, optimizer, epochs=epochs, steps_per_epoch=steps_per_epoch, per=per)
    units = epochs * steps_per_epoch if per == "step" else epochs
    seen = []
    for _ in range(units):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return np.array(seen)


@pytest.mark.parametrize(("per", "T"), [("epoch", 20), ("step", 20 * 3)])
def test_named_schedules_span_the_whole_run_in_either_unit(per, T):
    t = np.arange(T)
    step = rates("step", epochs=20, steps_per_epoch=3, per=per)
    np.testing.assert_allclose(step, 0.1 * 0.5 ** (t // (T // 4)))  # halved 3 times, 4 levels
    cosine = rates("cosine", epochs=20, steps_per_epoch=3, per=per)
    np.testing.assert_allclose(cosine, 0.1 * (1 + np.cos(np.pi * t / T)) / 2)
    exponential = rates("exponential", epochs=20, steps_per_epoch=3, per=per)
    np.testing.assert_allclose(exponential, 0.1 * 0.01 ** (t / T))


def test_a_function_counts_the_unit_asked_for():
    per_epoch = rates(lambda t: 1 / (1 + t), epochs=4, steps_per_epoch=5, per="epoch")
    per_step = rates(lambda t: 1 / (1 + t), epochs=4, steps_per_epoch=5, per="step")
    np.testing.assert_allclose(per_epoch, [0.1 / (1 + e) for e in range(4)])
    np.testing.assert_allclose(per_step, [0.1 / (1 + s) for s in range(20)])


def test_no_schedule_gives_no_scheduler():
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    assert make_scheduler(None, optimizer, epochs=5) is None


def test_the_range_schedule_multiplies_the_rate_each_step_and_reaches_end_lr():
    s = RangeSchedule(start_lr=1e-5, end_lr=1.0, steps=11)
    lrs = rates(s, epochs=11, per="step", lr=1e-5)
    np.testing.assert_allclose(lrs, 1e-5 * 10 ** (0.5 * np.arange(11)))  # 10**0.5 more per step
    assert lrs[0] == pytest.approx(1e-5) and lrs[-1] == pytest.approx(1.0)
    assert s(10) == s(25) == pytest.approx(1e5)  # after the last step the rate stays at end_lr
    assert repr(s) == "RangeSchedule(start_lr=1e-05, end_lr=1.0, steps=11)"


def test_an_lr_range_test_with_fit_raises_the_rate_and_stops_on_its_rule():
    X = np.linspace(-1, 1, 64)[:, None]
    y = 2 * X + 1
    s = RangeSchedule(start_lr=1e-4, end_lr=10.0, steps=100)
    best = [math.inf]

    def rule(step, loss, model, optimizer):  # stop once the loss is 4x its best so far
        best[0] = min(best[0], loss)
        return loss > 4 * best[0] or not math.isfinite(loss)

    torch.manual_seed(0)
    history = fit(MLP(1, 1, width=16), (X, y), epochs=s.steps, optimizer="sgd", lr=s.start_lr, schedule=s,
                  schedule_per="step", on_step=rule)
    assert history.stop_reason == "callback" and len(history.step_loss) < s.steps
    np.testing.assert_allclose(history.step_lr, [s.start_lr * s(t) for t in range(len(history.step_lr))])
    assert not history.step_loss[-1] <= 4 * min(history.step_loss[:-1])  # the rule fired on the last step
    assert all(loss <= 4 * min(history.step_loss[: i + 1]) for i, loss in enumerate(history.step_loss[:-1]))


def test_the_range_schedule_needs_lr_at_its_start():
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match=r"lr must equal the range's start_lr=1e-05 .*got lr=0.1"):
        make_scheduler(RangeSchedule(start_lr=1e-5, end_lr=1.0, steps=10), optimizer, epochs=10, per="step")
    with pytest.raises(ValueError, match="lr must equal"):
        fit(MLP(1, 1), (np.zeros(4), np.zeros(4)), epochs=3, lr=1e-3,
            schedule=RangeSchedule(start_lr=1e-5, end_lr=1.0, steps=3))


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"start_lr": 0.0, "end_lr": 1.0, "steps": 10}, ValueError, "start_lr must be greater than 0.0, got 0.0"),
    ({"start_lr": 1e-3, "end_lr": 1e-4, "steps": 10}, ValueError,
     r"end_lr must be greater than start_lr=0.001, got 0.0001"),
    ({"start_lr": 1e-3, "end_lr": float("inf"), "steps": 10}, ValueError, "end_lr must be a finite number"),
    ({"start_lr": 1e-3, "end_lr": 1.0, "steps": 1}, ValueError, "steps must be at least 2, got 1"),
    ({"start_lr": 1e-3, "end_lr": 1.0, "steps": 10.0}, TypeError, "steps must be an integer"),
    ({"start_lr": "small", "end_lr": 1.0, "steps": 10}, TypeError, "start_lr must be a number"),
])
def test_range_schedule_rejects_bad_arguments_by_name(kwargs, error, words):
    with pytest.raises(error, match=words):
        RangeSchedule(**kwargs)


@pytest.mark.parametrize(("schedule", "kwargs", "error", "words"), [
    ("linear", {}, ValueError,
     "schedule must be one of 'step', 'cosine', 'exponential', 'plateau'; got 'linear'"),
    (0.5, {}, TypeError, "schedule must be None, one of .* or a function t -> factor, got 0.5"),
    ("step", {"per": "batch"}, ValueError, "per must be one of 'epoch', 'step'; got 'batch'"),
    ("step", {"epochs": 0}, ValueError, "epochs must be at least 1, got 0"),
    ("step", {"steps_per_epoch": 0}, ValueError, "steps_per_epoch must be at least 1, got 0"),
    ("step", {"steps_per_epoch": 2.5}, TypeError, "steps_per_epoch must be an integer"),
])
def test_make_scheduler_rejects_bad_arguments_by_name(schedule, kwargs, error, words):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(error, match=words):
        make_scheduler(schedule, optimizer, **{"epochs": 10, **kwargs})


def test_check_schedule_names_the_argument_it_checks():
    assert check_schedule("schedule", None) is None and check_schedule("schedule", "cosine") == "cosine"
    with pytest.raises(ValueError, match="warmup must be one of"):
        check_schedule("warmup", "linear")


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_make_optimizer_builds_each_by_name(name):
    weight = torch.zeros(2, requires_grad=True)
    optimizer = make_optimizer(name, [weight], 0.1, 0.9, 0.01)
    group = optimizer.param_groups[0]
    assert group["lr"] == 0.1 and group["weight_decay"] == 0.01
    expected = {"sgd": torch.optim.SGD, "momentum": torch.optim.SGD, "nesterov": torch.optim.SGD,
                "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": torch.optim.RMSprop}[name]
    assert type(optimizer) is expected
    if name == "rmsprop":  # the plain rule: fit's default momentum must not sneak in
        assert group["momentum"] == 0
    if expected is torch.optim.SGD:
        momentum = 0.0 if name == "sgd" else 0.9
        assert (group["momentum"], group["nesterov"]) == (momentum, name == "nesterov")


@pytest.mark.parametrize("schedule", [None, "step", "cosine", "exponential", lambda t: 1 / (1 + t),
                                      RangeSchedule(start_lr=1e-4, end_lr=1e-1, steps=7)])
def test_schedule_factors_are_the_rates_training_uses_divided_by_the_base_rate(schedule):
    lr = schedule.start_lr if isinstance(schedule, RangeSchedule) else 0.3
    expected = (np.full(12, lr) if schedule is None
                else rates(schedule, epochs=4, steps_per_epoch=3, per="step", lr=lr)) / lr
    factors = schedule_factors(schedule, 12)
    assert factors.shape == (12,)
    np.testing.assert_allclose(factors, expected, rtol=1e-12)
    assert factors[0] == pytest.approx(1.0)


def test_schedule_factors_name_bad_arguments():
    with pytest.raises(ValueError, match="n_steps"):
        schedule_factors("cosine", 0)
    with pytest.raises(ValueError, match="schedule"):
        schedule_factors("cosin", 10)


def test_warmup_rises_linearly_then_does_what_then_says():
    np.testing.assert_allclose(schedule_factors(Warmup(4), 7), [0.25, 0.5, 0.75, 1, 1, 1, 1])
    cosine = Warmup(2, then="cosine", total=6)  # 4 units of cosine after 2 of warm-up
    np.testing.assert_allclose([cosine(t) for t in range(7)], [0.5, 1, 1, (1 + math.cos(math.pi / 4)) / 2,
                                                               0.5, (1 + math.cos(3 * math.pi / 4)) / 2, 0])
    assert Warmup(2, then="exponential", total=12)(12) == pytest.approx(0.01)
    assert [Warmup(1, then="step", total=9)(t) for t in (1, 2, 3, 8)] == [1, 1, 0.5, 0.125]
    assert Warmup(3, then=lambda s: 0.5**s)(5) == 0.25  # a function's clock starts after the warm-up
    assert repr(cosine) == "Warmup(steps=2, then='cosine', total=6)"


def test_linear_then_exponential_reaches_the_floor_then_decays():
    s = LinearThenExponential(4, floor=0.2, gamma=0.5)
    np.testing.assert_allclose(schedule_factors(s, 7), [1, 0.8, 0.6, 0.4, 0.2, 0.1, 0.05])
    assert LinearThenExponential(3, floor=0.1, gamma=1.0)(50) == pytest.approx(0.1)
    assert repr(s) == "LinearThenExponential(steps=4, floor=0.2, gamma=0.5)"


@pytest.mark.parametrize(("make", "error", "words"), [
    (lambda: Warmup(0), ValueError, "steps"),
    (lambda: Warmup(3, then="linear"), ValueError, "then"),
    (lambda: Warmup(3, then="cosine"), ValueError, "total"),
    (lambda: Warmup(3, then="cosine", total=3), ValueError, "total"),
    (lambda: Warmup(3, total=10), ValueError, "total"),
    (lambda: LinearThenExponential(5, floor=0.0), ValueError, "floor"),
    (lambda: LinearThenExponential(5, gamma=1.5), ValueError, "gamma"),
    (lambda: schedule_factors("plateau", 10), ValueError, "plateau"),
    (lambda: make_scheduler("plateau", torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1),
                            epochs=5, per="step"), ValueError, "schedule_per"),
])
def test_new_schedules_reject_bad_arguments_by_name(make, error, words):
    with pytest.raises(error, match=words):
        make()
