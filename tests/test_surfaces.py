"""Lab 06 items 4 and 5: update rules against torch.optim, divergence, conditioning, the surface panel."""

from __future__ import annotations

import importlib
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from labkit.optimization import surfaces as surf  # noqa: E402
from labkit.panels.surfaces import SurfacePanel  # noqa: E402
from labkit.viz.surfaces import SurfaceView, contour_levels, plot_surface  # noqa: E402

# the module itself: the face's name `conditioning` is the function of the same name
cond = importlib.import_module("labkit.optimization.conditioning")

TORCH = {  # rule -> (optimizer class, options, lr)
    "sgd": (torch.optim.SGD, {}, 0.05),
    "momentum": (torch.optim.SGD, {"momentum": 0.9}, 0.05),
    "nesterov": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}, 0.05),
    "adam": (torch.optim.Adam, {}, 0.1),
    "rmsprop": (torch.optim.RMSprop, {}, 0.01),
}


def torch_path(surface, A, cls, options, lr, steps, start):
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    A = torch.tensor(A, dtype=torch.float64)
    optimizer = cls([w], lr=lr, **options)
    path = [w.detach().clone().numpy()]
    for _ in range(steps):
        optimizer.zero_grad()
        (0.5 * w @ A @ w).backward()
        optimizer.step()
        path.append(w.detach().clone().numpy())
    return np.array(path)


@pytest.mark.parametrize("rule", sorted(TORCH))
def test_each_written_out_rule_follows_torch_optim_step_by_step(rule):
    condition, angle = 10.0, 30.0
    surface = surf.quadratic(condition, angle=angle)
    theta = np.deg2rad(angle)
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    A = R @ np.diag([1.0, condition]) @ R.T
    cls, options, lr = TORCH[rule]
    ours = surf.trajectory(surface, rule, lr=lr, momentum=0.9, steps=50, start=(-3.0, 2.0))
    theirs = torch_path(surface, A, cls, options, lr, 50, [-3.0, 2.0])
    assert ours.diverged_at is None and ours.path.shape == (51, 2)
    scale = np.abs(theirs).max(axis=1, keepdims=True)  # relative to the size of w at that step
    assert np.all(np.abs(ours.path - theirs) <= 1e-6 * scale + 1e-12)
    assert not np.allclose(ours.path[-1], ours.path[0])  # it moved


@pytest.mark.parametrize("make", [lambda: surf.quadratic(7.0, angle=20.0), surf.rosenbrock,
                                  lambda: surf.two_weight_network(20)])
def test_gradients_match_finite_differences(make):
    surface = make()
    rng = np.random.default_rng(0)
    W = np.column_stack([rng.uniform(*surface.xlim, 6), rng.uniform(*surface.ylim, 6)])  # (6, 2)
    eps = 1e-6
    numeric = np.stack([(surface.value(W + d) - surface.value(W - d)) / (2 * eps) for d in np.eye(2) * eps],
                       axis=-1)
    assert surface.grad(W).shape == (6, 2) and surface.value(W[None]).shape == (1, 6)
    assert np.allclose(surface.grad(W), numeric, rtol=1e-5, atol=1e-6)
    assert np.allclose(surface.grad(np.array(surface.minimum)), 0.0, atol=1e-6)


def test_largest_stable_sgd_rate_on_the_quadratic_is_two_over_the_curvature():
    for condition in (10.0, 50.0):
        measured = surf.largest_stable_lr(surf.quadratic(condition), "sgd")
        assert measured.threshold == pytest.approx(2.0 / condition)
        assert 0.999 <= measured.lr / measured.threshold <= 1.04  # N steps tolerate a slow growth only
    heavy = surf.largest_stable_lr(surf.quadratic(10.0), "momentum", momentum=0.5)
    assert heavy.threshold == pytest.approx(2 * 1.5 / 10) and 0.99 <= heavy.lr / heavy.threshold <= 1.04
    assert "theory" in repr(heavy)


def test_divergence_is_reported_at_the_step_it_leaves_the_box():
    surface = surf.quadratic(10.0)  # y_t = 2 (1 - 10 lr)^t; far once |y| > ESCAPE * 3 (the box's half-height)
    lr = 0.25
    expected = next(t for t in range(1, 100) if 2 * abs(1 - 10 * lr) ** t > surf.ESCAPE * 3)
    run = surf.trajectory(surface, "sgd", lr=lr, start=(-3.5, 2.0))
    assert run.diverged_at == expected
    assert np.isfinite(run.path[:expected + 1]).all() and np.isnan(run.path[expected + 1:]).all()
    assert f"diverged at step {expected}" in repr(run)
    assert surf.trajectory(surface, "sgd", lr=0.19).diverged_at is None
    assert surf.trajectory(surface, "sgd", lr=1e300, start=(-3.5, 2.0)).diverged_at == 1  # overflow: stopped


def test_a_written_rule_with_a_wrong_shape_and_bad_arguments_raise_naming_them():
    with pytest.raises(ValueError, match="rule '_flat' returned shape"):
        surf.trajectory(surf.quadratic(), _flat, lr=0.1)
    cases = [(lambda: surf.quadratic(0.5), ValueError, "condition"),
             (lambda: surf.trajectory(surf.quadratic(), "sgd", lr=-1.0), ValueError, "lr"),
             (lambda: surf.trajectory(surf.quadratic(), "adagrad", lr=0.1), ValueError, "rule"),
             (lambda: surf.trajectory(surf.quadratic(), 3, lr=0.1), TypeError, "rule"),
             (lambda: surf.trajectory(surf.quadratic(), lr=0.1, start="ab"), TypeError, "start"),
             (lambda: surf.trajectory("bowl", lr=0.1), TypeError, "surface"),
             (lambda: surf.trajectory(surf.quadratic(), lr=0.1, steps=0), ValueError, "steps"),
             (lambda: surf.largest_stable_lr(surf.quadratic(), high=0.1), ValueError, "high"),
             (lambda: surf.quadratic().value(np.zeros(3)), ValueError, "W"),
             (lambda: cond.make_hike(noise=-1), ValueError, "noise"),
             (lambda: cond.conditioning(np.ones((5, 2))), ValueError, "dependent"),
             (lambda: SurfacePanel("bowl"), ValueError, "surface"),
             (lambda: SurfacePanel(show=["adagrad"]), ValueError, "show"),
             (lambda: SurfacePanel(rules={"sgd": _flat}), ValueError, "rules")]
    for call, error, name in cases:
        with pytest.raises(error, match=name):
            call()


def _flat(w, g, state, lr, momentum):
    return w[:, 0]


# ---------------------------------------------------------------- conditioning

def test_conditioning_matches_numpy_and_standardizing_shrinks_it():
    X, y = cond.make_hike(120, random_state=1)
    assert X.shape == (120, 2) and y.shape == (120,) and 1e4 < X[:, 1].mean() / X[:, 0].mean()
    raw, scaled = cond.conditioning(X), cond.conditioning(cond.standardize(X)[0])
    A = np.column_stack([X, np.ones(len(X))])
    expected = np.sort(np.linalg.eigvals(2 / len(X) * A.T @ A).real)
    assert np.allclose(raw.eigenvalues, expected, rtol=1e-6)
    assert raw.condition == pytest.approx(np.linalg.cond(A) ** 2, rel=1e-3)
    assert raw.max_lr == pytest.approx(2 / expected[-1])
    assert scaled.condition < 10 and raw.condition > 1e9 and scaled.max_lr > 1e9 * raw.max_lr
    assert "condition number" in repr(raw) and all(len(line) <= 100 for line in repr(raw).splitlines())
    surface = cond.linear_surface(X, y)
    assert surface.curvature == pytest.approx(np.linalg.eigvalsh(2 / len(X) * X.T @ X)[-1])
    W = np.array([[100.0, 0.001], [700.0, 0.01]])
    eps = np.array([1e-3, 1e-9])
    numeric = [(surface.value(W + d) - surface.value(W - d)) / (2 * e)
               for d, e in zip(np.diag(eps), eps, strict=True)]
    assert np.allclose(surface.grad(W), np.stack(numeric, axis=-1), rtol=1e-4)
    best = surf.trajectory(surface, "sgd", lr=1 / surface.curvature, start=surface.minimum, steps=3)  # stays
    assert np.allclose(best.path[-1], surface.minimum, rtol=1e-6)


def test_training_before_and_after_scaling_inputs_and_targets():
    X, y = cond.make_hike(100, random_state=2)
    inputs = cond.compare_input_scaling(X, y, epochs=15)
    raw, scaled = inputs.runs
    assert raw.lr == pytest.approx(0.9 * raw.conditioning.max_lr) and scaled.lr > 1e9 * raw.lr
    assert scaled.unexplained[-1] < 0.1 < raw.unexplained[-1]  # same epochs, same model, scaled inputs
    targets = cond.compare_target_scaling(X, y, epochs=15, lr=0.05)
    given, standardized = targets.runs
    assert standardized.unexplained[-1] < 0.5 * given.unexplained[-1]
    for study in (inputs, targets):
        assert all(len(line) <= 100 for line in repr(study).splitlines())


# ---------------------------------------------------------------- drawing and the panel

def test_the_view_draws_paths_and_keeps_its_artists():
    surface = surf.quadratic(10.0)
    runs = surf.trajectories(surface, lr=0.1, steps=30)
    ax = plot_surface(surface, runs, note="2/L = 0.200")
    assert len(ax.lines) >= 4 and np.allclose(ax.lines[0].get_xdata(), runs[0].path[:, 0])
    levels = contour_levels(surface.value(np.random.default_rng(0).normal(size=(50, 2))))
    assert np.all(np.diff(np.log(levels - levels[0] + 1e-300)[1:]) > 0)
    plt.close(ax.figure)
    fig = plt.figure()
    view = SurfaceView(fig.add_subplot(), n_lines=4)
    view.update(surface, runs)
    counts = (len(view.ax.lines), len(view.ax.texts))
    view.update(surface, runs[:2], note="x")
    assert (len(view.ax.lines), len(view.ax.texts)) == counts and len(view.lines[3].get_xdata()) == 0
    with pytest.raises(ValueError, match="at most 4"):
        view.update(surface, runs + runs)
    plt.close(fig)


def _my_momentum(w, g, state, lr, momentum):
    state["v"] = momentum * state.get("v", 0.0) + g
    return w - lr * state["v"]


def test_panel_recomputes_on_a_slider_and_shows_a_bad_rule_in_its_status_line():
    panel = SurfacePanel(rules={"mine": _my_momentum}, show=["sgd", "momentum", "mine", "adam"])
    surface, runs, names = panel.result
    assert panel.last_error is None and panel.runs == 1 and "SGD ends at loss" in panel.status.value
    assert np.array_equal(runs[1].path, runs[2].path)  # the lab's own momentum is labkit's
    assert len(panel._screen.value) > 1000 and "def _my_momentum" in panel.code.value
    counts = (len(panel.view.ax.lines), len(panel.view.ax.texts))
    before, picture = panel.view.lines[0].get_xdata().copy(), panel._screen.value
    panel.controls["lr"].value = 0.12  # the paths move, nothing else: a blitted frame, repainted
    assert panel.runs == 2 and panel._screen.value != picture
    assert not np.allclose(before, panel.view.lines[0].get_xdata(), equal_nan=True)
    panel.controls["lr"].value = 0.25  # above 2/L = 0.2: SGD diverges
    assert "SGD diverges at step" in panel.status.value and "2/L = 0.200" in panel.status.value
    panel.controls["condition"].value = 100.0
    assert panel.result[0].curvature == pytest.approx(100.0)
    assert (len(panel.view.ax.lines), len(panel.view.ax.texts)) == counts
    panel.controls["surface"].value = "rosenbrock"
    assert panel.controls["lr"].value == pytest.approx(0.001) and panel.result[0].name == "rosenbrock"
    assert panel.runs == 5 and panel.controls["condition"].disabled
    panel.close()
    broken = SurfacePanel(rules={"flat": _flat}, show=["sgd", "flat"])
    assert isinstance(broken.last_error, ValueError) and "rule &#x27;flat&#x27;" in broken.status.value
    broken.controls["show"].value = ("sgd",)
    assert broken.last_error is None and "SGD" in broken.status.value
    broken.close()


def test_every_rule_stays_stable_far_below_the_bound_and_threshold_says_none_for_adam():
    surface = surf.quadratic(4.0)
    assert surf.stability_threshold(surface, "adam") is None
    assert surf.stability_threshold(surf.two_weight_network(20), "sgd") == pytest.approx(
        2 / surf.two_weight_network(20).curvature)
    for run in surf.trajectories(surface, ["sgd", "momentum", "nesterov", "adam", "rmsprop"], lr=0.01,
                                 momentum=0.5, steps=400):
        assert run.diverged_at is None and surface.value(run.final) < surface.value(surface.start)
    assert math.isfinite(surf.rosenbrock().curvature)


def test_the_panel_draws_every_rule_at_once_a_users_too():
    def mine(w, g, state, lr, momentum):
        return w - lr * g

    panel = SurfacePanel(rules={"mine": mine})
    panel.controls["show"].value = tuple(panel.rules)  # all six, as a learner's shift-click picks them
    assert panel.last_error is None and panel.status.value.count("ends at loss") == 6
    panel.close()
