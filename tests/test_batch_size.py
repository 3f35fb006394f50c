"""Batch size and noise: curves by epochs and by steps, gradient noise against 1/B, rate per batch size."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from labkit.data import make_sine  # noqa: E402
from labkit.models import MLP  # noqa: E402
from labkit.optimization.batch_size import batch_size_curves, gradient_noise, rate_vs_batch_size  # noqa: E402
from labkit.viz.batch_size import plot_batch_sizes, plot_gradient_noise, plot_rate_vs_batch_size  # noqa: E402

DATA = make_sine(48, noise=0.1, random_state=0)


def test_an_epoch_budget_and_a_step_budget_make_the_right_number_of_updates():
    by_epochs = batch_size_curves(DATA, batch_sizes=(10, 16, None), epochs=2, width=8, points=4)
    by_steps = batch_size_curves(DATA, batch_sizes=(10, 16, None), steps=5, width=8, points=4)
    assert by_epochs.batch_sizes == by_steps.batch_sizes == (10, 16, 48)
    assert [s[-1] for s in by_epochs.steps] == [2 * math.ceil(48 / b) for b in (10, 16, 48)]  # 10, 6, 2
    assert [s[-1] for s in by_steps.steps] == [5, 5, 5]
    assert np.allclose([by_epochs.epochs_at(i)[-1] for i in range(3)], 2)
    for curves in (by_epochs, by_steps):
        assert all(s[0] == 0 and np.all(np.diff(s) > 0) for s in curves.steps)
        first = {float(loss[0]) for loss in curves.loss}
        assert len(first) == 1  # the same initial weights for every batch size
    assert "batch size" in repr(by_steps) and max(map(len, repr(by_steps).splitlines())) <= 100


def test_gradient_noise_falls_as_one_over_b_and_leaves_the_model_alone():
    X, y = make_sine(256, noise=0.1, random_state=1)
    torch.manual_seed(0)
    model = MLP(1, 1, width=16, depth=2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    noise = gradient_noise(model, (X, y), batch_sizes=(1, 2, 4, 8, 16, 32, 128), n_batches=300)
    assert -1.2 < noise.slope < -0.8
    assert np.all(np.diff(noise.mean_sq_error) < 0) and np.all(np.diff(noise.cosine) > 0)
    assert np.allclose(noise.mean_sq_error, noise.expected(), rtol=0.35)  # S^2/B (1 - B/N)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters())
    assert max(map(len, repr(noise).splitlines())) <= 100


def test_a_batch_of_all_samples_has_no_noise():
    torch.manual_seed(0)
    noise = gradient_noise(MLP(1, 1, width=4), DATA, batch_sizes=(None,), n_batches=3)
    assert noise.mean_sq_error[0] < 1e-20 and noise.cosine[0] == pytest.approx(1.0)


def test_rate_vs_batch_size_finds_a_best_rate_and_marks_divergence():
    rates = [1e-3, 1e-2, 1e-1, 1e3]
    result = rate_vs_batch_size(DATA, batch_sizes=(8, None), rates=rates, epochs=4, seeds=2, width=8)
    assert result.loss.shape == (2, 4, 2)
    assert np.isinf(result.loss[:, -1]).all()  # 1e3 diverges at every batch size
    assert np.all(result.largest_stable < 1e3) and np.all(np.isin(result.best_rate, rates[:-1]))
    assert np.allclose(result.linear_rule, result.best_rate[0] * np.array([1, 6]))
    assert max(map(len, repr(result).splitlines())) <= 100


def test_the_pictures_draw_every_result():
    curves = batch_size_curves(DATA, batch_sizes=(16, None), epochs=2, width=4, points=3)
    fig = plot_batch_sizes(curves, curves)
    assert len(fig.axes[0].lines) == 2
    torch.manual_seed(0)
    fig2 = plot_gradient_noise(gradient_noise(MLP(1, 1, width=4), DATA, n_batches=5))
    assert fig2.axes[0].get_xscale() == "log" and len(fig2.axes[0].lines) == 3
    result = rate_vs_batch_size(DATA, batch_sizes=(16, None), rates=[1e-2, 1e-1], epochs=2, seeds=1, width=4)
    ax = plot_rate_vs_batch_size(result)
    assert ax.get_yscale() == "log"
    for figure in (fig, fig2, ax.figure):
        assert figure.get_figwidth() * figure.dpi <= 820
        plt.close(figure)


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: batch_size_curves(DATA, epochs=2, steps=3), ValueError, "exactly one of epochs and steps"),
    (lambda: batch_size_curves(DATA), ValueError, "exactly one"),
    (lambda: batch_size_curves(DATA, batch_sizes=(0,), epochs=1), ValueError, r"batch_sizes\[0\]"),
    (lambda: batch_size_curves(DATA, batch_sizes=(99,), epochs=1), ValueError, "at most 48"),
    (lambda: batch_size_curves(DATA, epochs=1, lr=-1), ValueError, "lr"),
    (lambda: batch_size_curves(DATA, epochs=1, optimizer="lbfgs"), ValueError, "optimizer"),
    (lambda: batch_size_curves(DATA[0], epochs=1), TypeError, "data"),
    (lambda: gradient_noise("model", DATA), TypeError, "model"),
    (lambda: gradient_noise(MLP(1, 1), DATA, n_batches=1), ValueError, "n_batches"),
    (lambda: rate_vs_batch_size(DATA, rates=[0.1, -1.0]), ValueError, r"rates\[1\]"),
    (lambda: rate_vs_batch_size(DATA, seeds=0), ValueError, "seeds"),
    (lambda: rate_vs_batch_size(DATA, batch_sizes="all"), TypeError, "batch_sizes"),
])
def test_bad_arguments_are_named(call, error, words):
    with pytest.raises(error, match=words):
        call()
