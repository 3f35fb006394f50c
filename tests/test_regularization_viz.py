"""Lab 07's pictures draw under Agg from small results of the regularization topic."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from labkit.data import make_dataset  # noqa: E402
from labkit.regularization.augmentation import augmentation_preview  # noqa: E402
from labkit.regularization.boundary import regularized_boundary  # noqa: E402
from labkit.regularization.early_stopping import early_stopping_demo  # noqa: E402
from labkit.regularization.penalties import penalty_sweep  # noqa: E402
from labkit.regularization.setup import overfit_setup  # noqa: E402
from labkit.viz import regularization as viz  # noqa: E402


def test_pictures_draw_their_results_and_refuse_other_objects():
    setup = overfit_setup(per_class=3, n_val=30, width=16, epochs=8)
    sweep = penalty_sweep(setup, penalty="l1", strengths=(1e-1,), epochs=8)
    ax = viz.plot_penalty_sweep(sweep)
    assert len(ax.lines) == 3 and ax.figure.get_figwidth() * ax.figure.dpi <= 820
    ax = viz.plot_weight_histograms(sweep.stats, ["none", "l1"])
    assert len(ax.patches) == 2
    demo = early_stopping_demo(setup, patience=2, epochs=8)
    assert viz.plot_early_stopping(demo).get_xlabel() == "epoch"
    fig = viz.plot_augmentation_preview(augmentation_preview(setup.X_train, setup.y_train, n=2, copies=2))
    assert len(fig.axes) == 6
    X, y = make_dataset("moons", 60, random_state=0)
    boundary = regularized_boundary(X, y, n_train=40, epochs=5, grid=10)
    ax = viz.plot_regularized_boundary(boundary, X, y)
    assert len(ax.collections) >= 3
    with pytest.raises(TypeError, match="PenaltySweep"):
        viz.plot_penalty_sweep(np.zeros(3))
    plt.close("all")


def test_learning_curves_draw_train_and_val_with_and_without_the_penalty():
    from labkit.regularization.comparisons import LearningCurves

    curves = LearningCurves(np.array([50, 100]), 0.03, np.array([0.0, 0.05]), np.array([0.4, 0.3]),
                            np.array([0.2, 0.2]), np.array([0.3, 0.25]))
    ax = viz.plot_data_vs_penalty(curves)
    assert [list(line.get_ydata()) for line in ax.lines] == [[0, 5], [40, 30], [20, 20], [30, 25]]
    assert ax.get_xscale() == "log" and [line.get_linestyle() for line in ax.lines] == ["-", "-", "--", "--"]
    with pytest.raises(TypeError, match="LearningCurves"):
        viz.plot_data_vs_penalty({"sizes": [1]})
    plt.close("all")
