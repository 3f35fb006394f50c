"""Bad inputs give errors for people: each names the argument, shows the value and says what is allowed.

One table across labkit's entry points that used to fail with a raw torch/numpy error or
not at all; each row is (call, error type, pattern the message must match).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from labkit import arguments, batched, data, optim, runtime, splits, train
from labkit.debugging import targets
from labkit.generalization import biasvar, diagnosis, dynamics, extrapolation, lockbox, playground, problem
from labkit.gradients import gradcheck as gc
from labkit.gradients import gradient_flow, monitor, pitfalls
from labkit.optimization.batch_size import rate_vs_batch_size
from labkit.optimization.clipping import compare_thresholds
from labkit.optimization.conditioning import standardize
from labkit.optimization.lr_sweep import classify_rates, train_regimes
from labkit.optimization.range_test import suggest_rates
from labkit.optimization.surfaces import quadratic, stability_threshold, trajectories
from labkit.optimization.update_ratio import judge_ratio
from labkit.panels.surfaces import SurfacePanel
from labkit.train import evaluate, fit, predict
from labkit.viz import blitting, figures, sweeps, views
from labkit.viz import gradient_flow as viz_gradient_flow
from labkit.viz.learning_rate import plot_u_curve
from labkit.viz.surfaces import contour_levels


def _linear():
    torch.manual_seed(0)
    return nn.Linear(2, 1)


def _batched():
    return batched.BatchedMLP(2, 2, 1, width=4, depth=1, random_state=0)


CASES = {
    "predict, wrong feature count": (
        lambda: predict(_linear(), np.ones((30, 3))), ValueError, r"model cannot take X of shape \(30, 3\)"),
    "evaluate, wrong feature count": (
        lambda: evaluate(_linear(), (np.ones((30, 3)), np.ones((30, 1)))), ValueError,
        r"model cannot take data X of shape \(30, 3\)"),
    "fit, wrong feature count": (
        lambda: fit(_linear(), (np.ones((30, 3)), np.ones((30, 1))), epochs=1), ValueError,
        r"model cannot take train X of shape \(30, 3\)"),
    "predict, 3-D X for a dense model": (
        lambda: predict(nn.Linear(1, 1), np.ones((30, 1, 1))), ValueError,
        r"X with shape \(30, 1, 1\).*one row of outputs per sample"),
    "layer_gradient_norms, strings": (
        lambda: monitor.layer_gradient_norms(_linear(), "abc", np.ones((4, 1))), TypeError,
        r"^X must be a tensor, numpy array or list of numbers, got str"),
    "group_split, NaN groups": (
        lambda: splits.group_split(np.ones((6, 1)), np.ones(6), [1, 1, 2, 2, np.nan, 3]), ValueError,
        r"^groups must hold a label for every row, got NaN or None in 1 row\(s\) \(rows \[4\]\)"),
    "step_size_sweep, a string": (
        lambda: pitfalls.step_size_sweep(*gc.demo_problem(), hs="abc"), TypeError,
        r"^hs must be a non-empty list of positive step sizes.*got the string 'abc'"),
    "check_int, a bool is not a count": (
        lambda: arguments.check_int("epochs", True, min_value=1), TypeError,
        r"^epochs must be an integer, got True \(bool\)"),
    "check_float, NaN": (
        lambda: arguments.check_float("noise", float("nan"), min_value=0), ValueError,
        r"^noise must be a finite number, got nan"),
    "as_2d_float, NaN rows": (
        lambda: arguments.as_2d_float("X", [[1.0], [np.nan]]), ValueError,
        r"^X contains NaN or Inf in 1 row\(s\)"),
    # found by benchmarks/bad_inputs.py
    "make_optimizer, an unknown name": (
        lambda: optim.make_optimizer("nope", list(_linear().parameters()), 0.1, 0.9, 0.0), ValueError,
        r"^optimizer name must be one of 'sgd'.*got 'nope'"),
    "make_optimizer, a string lr": (
        lambda: optim.make_optimizer("sgd", list(_linear().parameters()), "abc", 0.9, 0.0), TypeError,
        r"^lr must be a number, got 'abc'"),
    "make_optimizer, lr 0": (
        lambda: optim.make_optimizer("adam", list(_linear().parameters()), 0.0, 0.9, 0.0), ValueError,
        r"^lr must be greater than 0.0, got 0.0"),
    "make_optimizer, momentum above 1": (
        lambda: optim.make_optimizer("momentum", list(_linear().parameters()), 0.1, 1.5, 0.0), ValueError,
        r"^momentum must be at most 1.0, got 1.5"),
    "make_optimizer, NaN weight decay": (
        lambda: optim.make_optimizer("adam", list(_linear().parameters()), 0.1, 0.9, np.nan), ValueError,
        r"^weight_decay must be a finite number, got nan"),
    "make_optimizer, no parameters": (
        lambda: optim.make_optimizer("adam", [], 0.1, 0.9, 0.0), ValueError,
        r"^params must hold at least one parameter, got an empty list"),
    "make_optimizer, params None": (
        lambda: optim.make_optimizer("adam", None, 0.1, 0.9, 0.0), TypeError,
        r"^params must be a list of parameters such as list\(model.parameters\(\)\), got NoneType"),
    "make_scheduler, not an optimizer": (
        lambda: optim.make_scheduler("cosine", "abc", epochs=5), TypeError,
        r"^optimizer must be a torch.optim.Optimizer .*got str"),
    "evaluating, not a module": (
        lambda: train.evaluating("abc").__enter__(), TypeError, r"^model must be a torch.nn.Module, got str"),
    "get_device, unknown prefer": (
        lambda: runtime.get_device("nope"), ValueError,
        r"^device must be 'cpu', 'cuda', 'cuda:N' or 'mps' \(the device or prefer argument.*got 'nope'"),
    "pendulum_period, a bool length": (
        lambda: data.pendulum_period(0.5, True), TypeError,
        r"^length must be a number or an array of numbers, got True"),
    "predict_batched, NaN X": (
        lambda: batched.predict_batched(_batched(), [[0.0, np.nan]]), ValueError,
        r"^X contains NaN or Inf in 1 row\(s\)"),
    "predict_batched, no rows": (
        lambda: batched.predict_batched(_batched(), np.zeros((0, 2))), ValueError,
        r"^X has no rows \(shape \(2, 0, 2\)\)"),
    "train_mlps, X a string": (
        lambda: batched.train_mlps("abc", np.zeros(4), n_models=2, width=4, depth=1, epochs=1, lr=0.01,
                                   random_state=0), ValueError, r"^X must be 1-D or 2-D"),
    "mse_per_model, y of the wrong length": (
        lambda: batched.mse_per_model(_batched(), np.zeros((5, 2)), np.zeros(4)), ValueError,
        r"^y must have shape \(5,\) or \(2, 5\) for X's 5 rows and 2 models, got shape \(4,\)"),
    "bias_variance, no models": (
        lambda: biasvar.bias_variance(np.zeros((0, 5)), np.zeros(5)), ValueError,
        r"^predictions must hold at least one model and one point, got shape \(0, 5\)"),
    "fit_identity, n_train named as n_train": (
        lambda: extrapolation.fit_identity(n_train=0), ValueError, r"^n_train must be at least 2, got 0"),
    "fit_identity, n_grid a string": (
        lambda: extrapolation.fit_identity(n_grid="abc"), TypeError,
        r"^n_grid must be an integer, got 'abc'"),
    "StepModel, n_state 0": (
        lambda: dynamics.StepModel(0), ValueError, r"^n_state must be at least 1, got 0"),
    "one_step_pairs, no trajectories": (
        lambda: dynamics.one_step_pairs(np.zeros((0, 5, 2))), ValueError,
        r"^trajectories must have shape \(n_trajectories, n_times, n_state\) with at least one trajectory"),
    "rollout, no start states": (
        lambda: dynamics.rollout(dynamics.StepModel(2, width=4), np.zeros((0, 2)), 3), ValueError,
        r"^x0 must be finite start states of shape \(d,\) or \(n, d\), got shape \(0, 2\)"),
    "Lockbox, 4-D y": (
        lambda: lockbox.Lockbox(np.zeros((4, 2)), np.zeros((4, 1, 1, 1))), ValueError,
        r"^y must be 1-D \(n_samples,\) or 2-D \(n_samples, n_targets\), got shape \(4, 1, 1, 1\)"),
    "Lockbox, y a string": (
        lambda: lockbox.Lockbox(np.zeros((4, 2)), "abc"), ValueError, r"^y must be 1-D"),
    "build_net, settings not NetSettings": (
        lambda: gradient_flow.build_net("abc"), TypeError, r"^settings must be a NetSettings, got str"),
    "make_teacher_task, n_samples 0": (
        lambda: gradient_flow.make_teacher_task(0), ValueError, r"^n_samples must be at least 2, got 0"),
    "measure, n_samples a string": (
        lambda: gradient_flow.measure(depth=3, steps=0, n_samples="abc"), TypeError,
        r"^n_samples must be an integer, got 'abc'"),
    "layer_gradient_norms, loss_fn not callable": (
        lambda: monitor.layer_gradient_norms(_linear(), np.ones((4, 2)), np.ones((4, 1)), "abc"), TypeError,
        r"^loss_fn must be a function loss_fn\(outputs, y\)"),
    "layer_gradient_norms, X the model cannot take": (
        lambda: monitor.layer_gradient_norms(_linear(), np.ones((4, 3)), np.ones((4, 1))), ValueError,
        r"^model cannot take X of shape \(4, 3\)"),
    "layer_gradient_norms, NaN X": (
        lambda: monitor.layer_gradient_norms(_linear(), [[np.nan, 1.0]], [[1.0]]), ValueError,
        r"^X contains NaN or Inf"),
    "layer_gradient_norms, y of another length": (
        lambda: monitor.layer_gradient_norms(_linear(), np.ones((4, 2)), np.ones((3, 1))), ValueError,
        r"^X and y must have the same number of rows"),
    "layer_gradient_norms, y that only broadcasts": (
        lambda: monitor.layer_gradient_norms(_linear(), np.ones((4, 2)), np.ones((4, 1, 1))), ValueError,
        r"^y of shape \(4, 1, 1\) does not match the model's outputs \(4, 1\)"),
    "Monitor, modules a number": (
        lambda: monitor.Monitor(_linear(), modules=3), TypeError,
        r"^modules must be a list of module names, got 3"),
    "tf32_effect, bad max_entries off CUDA too": (
        lambda: pitfalls.tf32_effect(*gc.demo_problem(), max_entries=0, device="cpu"), ValueError,
        r"^max_entries must be at least 1, got 0"),
    "tf32_effect, not a model": (
        lambda: pitfalls.tf32_effect("abc", device="cpu"), TypeError,
        r"^model must be a torch.nn.Module, got str"),
    "EnsembleView, not an Axes": (
        lambda: sweeps.EnsembleView("abc", n_models=2), TypeError,
        r"^ax must be a matplotlib Axes .*got 'abc'"),
    "BiasVarianceView, None": (
        lambda: sweeps.BiasVarianceView(None), TypeError, r"^ax must be a matplotlib Axes .*got None"),
    "GradientFlowView, not a Figure": (
        lambda: viz_gradient_flow.GradientFlowView(3), TypeError,
        r"^fig must be a matplotlib Figure .*got 3"),
    "Blitter, not a Figure": (
        lambda: blitting.Blitter(None, []), TypeError, r"^fig must be a matplotlib Figure .*got None"),
    "Blitter, changing not artists": (
        lambda: blitting.Blitter(Figure(), ["abc"]), TypeError,
        r"^changing must hold matplotlib artists \(lines, images\), got 'abc'"),
    "larger_gap, NaN error": (
        lambda: diagnosis.larger_gap(float("nan"), 0.2, 0.1), ValueError,
        r"^train_error must be a finite number, got nan"),
    "larger_gap, a string": (
        lambda: diagnosis.larger_gap(0.1, "abc", 0.1), TypeError, r"^val_error must be a number, got 'abc'"),
    "describe_data, unknown task": (
        lambda: problem.describe_data([0, 1], "nope", 2), ValueError, r"^task must be one of .*got 'nope'"),
    "describe_data, n_classes not a count": (
        lambda: problem.describe_data([0, 1], "classification", 2.5), TypeError,
        r"^n_classes must be an integer, got 2.5"),
    "make_problem, data not a pair": (
        lambda: playground.make_problem(playground.Settings(n_train=10), (np.ones((12, 2)),)), TypeError,
        r"^data must be a pair \(X, y\), got"),
    "make_problem, NaN in data": (
        lambda: playground.make_problem(playground.Settings(n_train=10),
                                        (np.full((12, 2), np.nan), np.zeros(12, dtype=int))),
        ValueError, r"^data=\(X, y\): X contains NaN"),
    "settings_code, not Settings": (
        lambda: playground.settings_code("abc"), TypeError,
        r"^settings must be a Settings\(\.\.\.\) or a dict of settings, got 'abc' \(str\)"),
    "errors, problem not a Problem": (
        lambda: playground.errors(_linear(), None), TypeError, r"^problem must be a Problem, .*got None"),
    "readout, outcome not an Outcome": (
        lambda: playground.readout(3), TypeError, r"^outcome must be an Outcome, .*got 3"),
    "request_draw, not a Figure": (
        lambda: views.request_draw("abc"), TypeError, r"^fig must be a matplotlib Figure .*got 'abc'"),
    "LossView, not an Axes": (
        lambda: views.LossView(None), TypeError, r"^ax must be a matplotlib Axes .*got None"),
    "plot_fit, empty X_train": (
        lambda: figures.plot_fit(nn.Linear(1, 1), np.ones((0, 1)), np.ones((0, 1))), ValueError,
        r"^X_train must hold at least one point"),
    "describe_target, loss_fn not callable": (
        lambda: targets.describe_target("abc", torch.zeros(4), None), TypeError,
        r"^loss_fn must be a loss function or module"),
    "describe_target, unknown task": (
        lambda: targets.describe_target(nn.MSELoss(), torch.zeros(4), "nope"), ValueError,
        r"^task must be one of .*got 'nope'"),
    # Lab 06: the optimization topic, its pictures and panels
    "train_regimes, 3-D x": (
        lambda: train_regimes((np.ones((4, 1)), np.ones(4)), [0.1], x=np.ones((5, 1, 1))), ValueError,
        r"^x must be 1-D or 2-D"),
    "suggest_rates, NaN in lrs": (
        lambda: suggest_rates([1e-3, np.nan, 1.0], [1.0, 0.5, 0.4]), ValueError,
        r"^lrs must be finite positive rates, got \[0.001, nan, 1.0\]"),
    "classify_rates, text": (
        lambda: classify_rates("abc", [0.0]), TypeError,
        r"^median_loss must be a sequence of numbers, got 'abc'"),
    "trajectories, no rules": (
        lambda: trajectories(quadratic(), (), lr=0.1), ValueError, r"^rules must name at least one rule"),
    "trajectories, an unknown rule in the list": (
        lambda: trajectories(quadratic(), ["sgd", "adagrad"], lr=0.1), ValueError,
        r"^rules\[1\] must be one of .*got 'adagrad'"),
    "stability_threshold, an unknown rule": (
        lambda: stability_threshold(quadratic(), "adagrad"), ValueError,
        r"^rule must be one of .*got 'adagrad'"),
    "standardize, no rows": (
        lambda: standardize(np.ones((0, 2))), ValueError,
        r"^X must hold at least 2 samples .*shape \(0, 2\)"),
    "judge_ratio, negative": (lambda: judge_ratio(-1.0), ValueError, r"^ratio must be at least 0.*got -1.0"),
    "judge_ratio, None": (lambda: judge_ratio(None), TypeError, r"^ratio must be a number .*got None"),
    "compare_thresholds, data not two pairs": (
        lambda: compare_thresholds(data=(np.ones((4, 1)),)), TypeError,
        r"^data must be None or \(\(X, y\), \(X_val, y_val\)\)"),
    "rate_vs_batch_size, one number for rates": (
        lambda: rate_vs_batch_size((np.ones((8, 1)), np.ones(8)), rates=0.1), TypeError,
        r"^rates must be None or a non-empty list of learning rates, got 0.1"),
    "plot_u_curve, not a sweep": (
        lambda: plot_u_curve("abc"), TypeError, r"^results must be a LRSweepResult .*got 'abc'"),
    "contour_levels, text": (
        lambda: contour_levels("abc"), TypeError, r"^values must be an array of numbers, got 'abc'"),
    "SurfacePanel, a number for rules": (
        lambda: SurfacePanel(rules=3), TypeError, r"^rules must be a dict \{name: rule\} or a list"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_input_gets_an_error_that_names_it(case):
    call, error, pattern = CASES[case]
    with pytest.raises(error, match=pattern):
        call()


def test_layer_gradient_norms_accepts_numpy_as_fit_does():
    X, y = np.random.default_rng(0).normal(size=(8, 2)), np.zeros((8, 1))
    norms = monitor.layer_gradient_norms(_linear(), X, y)
    assert norms.shape == (1,) and norms[0] > 0
