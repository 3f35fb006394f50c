"""The LR range test: exact restore of model, optimizer and RNGs; stop rule; suggestion rules; spread."""

from __future__ import annotations

import random

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from labkit.models import MLP  # noqa: E402
from labkit.optimization.lr_sweep import default_problem, lr_sweep, make_network  # noqa: E402
from labkit.optimization.range_test import (  # noqa: E402
    compare_with_sweep,
    lr_range_test,
    minimum_rate,
    range_test_over_seeds,
    steepest_rate,
    suggest_rates,
    valley_rate,
)

TRAIN, _ = default_problem(n_train=24, random_state=5)
QUICK = {"steps": 40, "start_lr": 1e-4, "end_lr": 10.0}


def _state(model, optimizer):
    grads = [None if p.grad is None else p.grad.clone() for p in model.parameters()]
    return ({k: v.clone() for k, v in model.state_dict().items()}, grads,
            [m.training for m in model.modules()],
            None if optimizer is None else _flat(optimizer.state_dict()),
            torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate())


def _flat(state):
    out = [repr(state["param_groups"])]
    for key, entry in sorted(state["state"].items()):
        out += [(key, name, value.clone() if torch.is_tensor(value) else value)
                for name, value in entry.items()]
    return out


def _same(a, b):
    if torch.is_tensor(a):
        return torch.is_tensor(b) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


@pytest.mark.parametrize("train_mode, with_grad", [(True, False), (False, True)])
def test_restores_model_with_batch_norm_grads_modes_and_rngs(train_mode, with_grad):
    torch.manual_seed(0)
    model = MLP(1, 1, width=8, depth=2, batch_norm=True, dropout=0.1).train(train_mode)
    if with_grad:
        model(torch.randn(5, 1)).sum().backward()
    before = _state(model, None)
    result = lr_range_test(model, TRAIN, batch_size=8, random_state=1, **QUICK)
    assert len(result.lrs) > 2
    assert _same(_state(model, None), before)
    assert model.norms[0].num_batches_tracked.item() == before[0]["norms.0.num_batches_tracked"].item()


def test_restores_a_passed_adam_with_state_and_its_rate():
    model = make_network(1, width=8, depth=1)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    X, y = (torch.as_tensor(a, dtype=torch.float32) for a in TRAIN)
    for _ in range(3):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(X)[:, 0], y).backward()
        optimizer.step()
    before = _state(model, optimizer)
    lr_range_test(model, TRAIN, optimizer=optimizer, **QUICK)
    assert _same(_state(model, optimizer), before)
    assert optimizer.param_groups[0]["lr"] == 3e-3


def test_the_test_itself_changes_weights_so_restoring_matters():
    model = make_network(2, width=8, depth=1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    weight = model.output.weight.detach().clone()
    seen = []
    original_step = optimizer.step

    def spy(*args, **kwargs):
        out = original_step(*args, **kwargs)
        seen.append(model.output.weight.detach().clone())
        return out

    optimizer.step = spy
    lr_range_test(model, TRAIN, optimizer=optimizer, **QUICK)
    assert not torch.equal(seen[-1], weight) and torch.equal(model.output.weight, weight)


def test_stop_rule_and_schedule():
    model = make_network(0, width=8, depth=1)
    stopped = lr_range_test(model, TRAIN, steps=100, start_lr=1e-3, end_lr=1e3)
    assert stopped.stop_reason != "completed" and len(stopped.lrs) < 100
    assert stopped.smoothed[-1] > 4 * np.min(stopped.smoothed[:-1]) or not np.isfinite(stopped.smoothed[-1])
    assert np.all(stopped.smoothed[:-1] <= 4 * np.minimum.accumulate(stopped.smoothed[:-1]) + 1e-12)
    ratio = stopped.lrs[1:] / stopped.lrs[:-1]
    assert np.allclose(ratio, (1e6) ** (1 / 99))  # exponential growth every step
    full = lr_range_test(model, TRAIN, steps=30, start_lr=1e-5, end_lr=1e-3, stop_factor=None)
    assert full.stop_reason == "completed" and len(full.lrs) == 30 and full.lrs[-1] == pytest.approx(1e-3)
    beta, avg = 0.98, 0.0  # bias-corrected moving average of the raw losses
    for t, loss in enumerate(full.losses):
        avg = beta * avg + (1 - beta) * loss
        assert full.smoothed[t] == pytest.approx(avg / (1 - beta ** (t + 1)))


def test_suggestion_rules_on_known_curves():
    lrs = np.logspace(-4, 0, 41)
    x = np.log10(lrs)
    falling = 1.0 / (1 + np.exp(4 * (x + 2)))  # steepest at lr = 1e-2
    assert steepest_rate(lrs, falling) == pytest.approx(10 ** -2.05, rel=0.13)
    bowl = (x + 1.0) ** 2  # lowest at 0.1
    assert minimum_rate(lrs, bowl) == pytest.approx(0.01)
    losses = np.concatenate([np.full(10, 5.0), np.linspace(5, 1, 31)[1:], [3.0]])  # falls from index 10 to 39
    # the longest decreasing run is index 9 then 10..39 (31 points); fastai's start = end - length = 8,
    # sections = 31 / 3, so the valley is at 8 + int(10.33) + int(5.17) = 23
    assert valley_rate(lrs, losses) == pytest.approx(lrs[23])
    with_nan = np.concatenate([bowl[:30], [np.nan] * 11])
    assert minimum_rate(lrs, with_nan) == pytest.approx(minimum_rate(lrs[:30], bowl[:30]))
    assert set(suggest_rates(lrs, bowl)) == {"steepest", "minimum/10", "valley"}


@pytest.mark.parametrize("kwargs, name", [
    ({"steps": 1}, "steps"), ({"start_lr": -1.0}, "start_lr"), ({"end_lr": 1e-9}, "end_lr"),
    ({"smoothing": 1.0}, "smoothing"), ({"stop_factor": 1.0}, "stop_factor"),
    ({"batch_size": 0}, "batch_size"), ({"optimizer": "lbfgs"}, "optimizer"),
])
def test_bad_arguments_name_themselves(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        lr_range_test(make_network(0, width=4, depth=1), TRAIN, **kwargs)
    with pytest.raises(TypeError, match="model"):
        lr_range_test("net", TRAIN)


def test_over_seeds_and_against_the_u_curve():
    spread = range_test_over_seeds(TRAIN, seeds=[0, 1, 2], width=8, depth=1, batch_size=8, **QUICK)
    assert spread.smoothed.shape == (3, 40) and spread.suggestions["valley"].shape == (3,)
    assert not np.array_equal(spread.smoothed[0], spread.smoothed[1], equal_nan=True)  # seeds differ
    low, mid, high = spread.band()
    ok = np.isfinite(mid)
    assert np.all(low[ok] <= mid[ok]) and np.all(mid[ok] <= high[ok])
    sweep = lr_sweep(TRAIN, rates=[1e-3, 1e-2, 0.1, 1.0], seeds=[0, 1], width=8, depth=1, epochs=30)
    rows = compare_with_sweep(spread, sweep)
    for row in rows.values():
        assert np.allclose(row["decades_from_best"], np.log10(row["rates"] / sweep.best_rate))
        assert 0.0 <= row["in_good_region"] <= 1.0 and np.all(row["loss_ratio"] >= 1.0 - 1e-9)
    from labkit.viz.learning_rate import plot_range_test, plot_range_test_beside_u_curve

    top, bottom = plot_range_test_beside_u_curve(spread, sweep)
    assert top.get_xlim() == bottom.get_xlim() and top.get_xscale() == "log"
    ax = plot_range_test(spread.tests[0])
    assert {"steepest", "minimum/10", "valley"} <= {line.get_label() for line in ax.lines}
    matplotlib.pyplot.close("all")
