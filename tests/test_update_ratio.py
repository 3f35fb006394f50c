"""The update-to-weight ratio: the monitor's numbers by hand, a run unchanged by it, the live panel."""

from __future__ import annotations

import asyncio

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from labkit.data import make_sine  # noqa: E402
from labkit.models import MLP  # noqa: E402
from labkit.optimization import update_ratio  # noqa: E402
from labkit.optimization.update_ratio import UpdateRatioMonitor, judge_ratio, watch, watch_rates  # noqa: E402
from labkit.panels import update_ratio as panel_module  # noqa: E402
from labkit.panels.update_ratio import UpdateRatioPanel  # noqa: E402
from labkit.train import fit  # noqa: E402
from labkit.viz.update_ratio import plot_update_ratios  # noqa: E402

DATA = make_sine(40, noise=0.1, random_state=0)
FAST = {"epochs": 1, "batch_size": 20, "width": 8, "data": DATA}


def _mlp(seed=0):
    torch.manual_seed(seed)
    return MLP(1, 1, width=8, depth=2)


def test_one_sgd_step_gives_lr_times_gradient_over_weight():
    model, lr = _mlp(), 0.1
    X, y = (torch.as_tensor(a, dtype=torch.float32).reshape(-1, 1) for a in DATA)
    weights = [p for p in model.parameters() if p.dim() == 2]
    before = [w.detach().clone() for w in weights]
    torch.nn.functional.mse_loss(model(X), y).backward()
    expected = [float((lr * w.grad).norm() / b.norm()) for w, b in zip(weights, before, strict=True)]
    model.zero_grad()
    monitor = UpdateRatioMonitor(model)
    fit(model, DATA, epochs=1, optimizer="sgd", lr=lr, on_step=monitor, random_state=0)
    assert monitor.names == ["hidden.0", "hidden.1", "output"] and monitor.steps == [0]
    assert np.allclose(monitor.ratios[0], expected, rtol=1e-5)


def test_the_monitor_does_not_change_training():
    options = {"epochs": 3, "batch_size": 16, "optimizer": "adam", "lr": 1e-2, "random_state": 3}
    plain, watched = _mlp(), _mlp()
    history = fit(plain, DATA, **options)
    monitor = UpdateRatioMonitor(watched)
    watched_history = fit(watched, DATA, on_step=monitor, **options)
    assert history.step_loss == watched_history.step_loss
    assert all(torch.equal(a, b) for a, b in zip(plain.state_dict().values(), watched.state_dict().values(),
                                                  strict=True))
    assert monitor.ratios.shape == (9, 3) and np.all(monitor.ratios > 0)
    with pytest.raises(ValueError, match="another model"):
        monitor(0, 0.0, plain, None)


def test_the_verdict_follows_the_rate():
    assert [judge_ratio(r) for r in (1e-5, 1e-3, 1e-1, float("nan"))] == [
        "low", "about right", "high", "not finite"]
    watched = watch_rates(DATA, rates=(1e-4, 1e3), epochs=2, batch_size=20, width=8)
    low, huge = watched.runs
    assert low.verdict() == "low" and "looks low" in low.summary()
    assert huge.verdict() == "diverged" and "diverged" in huge.summary()
    assert max(map(len, repr(watched).splitlines())) <= 100
    fig = plot_update_ratios(watched)
    assert fig.axes[0].get_yscale() == "log" and len(fig.axes[0].lines) == 3  # the 1e-3 line and two rates
    plt.close(fig)


def test_a_larger_rate_gives_a_larger_ratio():
    small, large = (watch(DATA, lr=lr, epochs=2, batch_size=20, width=8) for lr in (1e-3, 1e-2))
    assert np.allclose(large.typical() / small.typical(), 10, rtol=0.2)  # SGD: the step is lr * gradient


def test_panel_trains_draws_and_a_slider_change_recomputes():
    panel = UpdateRatioPanel(lr=1e-3, **FAST)
    assert panel.runs == 1 and panel.last_error is None and len(panel._screen.value) > 1000
    first = np.asarray(panel.view.lines[0].get_ydata(), dtype=float).copy()
    assert np.allclose(first, panel.result.monitor.ratios[:, 0])
    assert "update/weight about" in panel.status.value
    lines = list(panel.view.lines)
    panel.controls["lr"].value = 1e-1
    after = np.asarray(panel.view.lines[0].get_ydata(), dtype=float)
    assert panel.runs == 2 and panel.result.lr == pytest.approx(1e-1)
    assert np.median(after) > 10 * np.median(first) and panel.view.lines == lines
    panel.controls["optimizer"].value = "adam"
    assert panel.runs == 3 and panel.result.optimizer == "adam"
    panel.close()


def test_a_diverged_run_and_a_failing_run_show_in_the_status_line(monkeypatch):
    panel = UpdateRatioPanel(lr=3.0, **{**FAST, "epochs": 3})
    assert "diverged" in panel.status.value and panel.last_error is None

    def broken(*args, **kwargs):
        raise RuntimeError("boom in the run")

    monkeypatch.setattr(panel_module, "iter_watch", broken)
    panel.controls["lr"].value = 1e-2
    assert isinstance(panel.last_error, RuntimeError) and "boom in the run" in panel.status.value
    panel.close()


def test_a_storm_of_slider_moves_ends_with_the_last_rate():
    async def storm():
        panel = UpdateRatioPanel(**FAST)
        for lr in (1e-3, 1e-2, 3e-2, 1e-1, 3e-3):
            panel.controls["lr"].value = lr
        await panel.wait()
        return panel

    panel = asyncio.run(storm())
    assert panel.result.lr == pytest.approx(panel.controls["lr"].value) and panel.runs == 1
    panel.close()


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: UpdateRatioMonitor("net"), TypeError, "model"),
    (lambda: UpdateRatioMonitor(torch.nn.ReLU()), ValueError, "no trainable weight"),
    (lambda: watch(DATA, lr=0), ValueError, "lr"),
    (lambda: watch(DATA, optimizer="lbfgs"), ValueError, "optimizer"),
    (lambda: watch(DATA, epochs=0), ValueError, "epochs"),
    (lambda: watch(DATA[0]), TypeError, "data"),
    (lambda: watch_rates(DATA, rates=[]), TypeError, "rates"),
    (lambda: UpdateRatioPanel(lr=10.0), ValueError, "lr"),
    (lambda: UpdateRatioPanel(optimizer="adamw"), ValueError, "optimizer"),
    (lambda: UpdateRatioPanel(depth=0), ValueError, "depth"),
])
def test_bad_arguments_are_named(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_the_band_is_the_rule_of_thumb():
    assert update_ratio.BAND[0] < update_ratio.RULE_OF_THUMB < update_ratio.BAND[1]


def test_a_rate_so_high_that_the_net_stops_moving_is_called_too_high_not_low():
    from labkit.data import make_sine
    from labkit.optimization.update_ratio import watch

    run = watch(make_sine(128, noise=0.1, random_state=0), lr=0.56, epochs=20, optimizer="sgd")
    assert not run.diverged and np.median(run.typical()) < 1e-3 * np.nanmax(run.monitor.ratios)
    assert run.verdict() == "stalled"
    assert "too high" in run.summary() and "low" not in run.summary()
