"""Bad inputs on labkit's public functions: how many get an error for people? Prints figures.

Run with ``.venv/bin/python benchmarks/bad_inputs.py`` (``-v`` also lists every clear one; a name
prefix such as ``optimization.`` tries only those specs).

For each public callable on the package faces we build one valid call (tiny sizes, from
the table in ``build_specs`` below: ``S("face.function", {positional: value}, keyword=value,
bad={argument: kind}, accept={argument: [labels]})``) and then replace one argument at a time
with a bad value of its kind: a wrong type, out of range, NaN/inf, an unknown choice, a bool for a count, a
wrong-shaped or NaN array. Each try is

- clear: a TypeError/ValueError (or subclass) whose message names the argument;
- accepted by design: the docstring allows that value (listed per argument in ``accept``,
  not counted as a bad input);
- unclear: another exception, or a message that does not name the argument;
- silent: no error at all (or still running after ``TIMEOUT`` seconds).

Functions in ``SLOW_BY_NAME``, and any whose valid call takes longer than ``SLOW`` seconds,
are skipped and listed, as are functions on the faces that no spec covers yet.
Result records (dataclasses that functions return, such as ``History`` or ``Split``)
are not inputs and are not tried.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import time
import types
import warnings
from dataclasses import dataclass, field

os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings("ignore")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from labkit import (  # noqa: E402
    arguments,
    batched,
    data,
    debugging,
    generalization,
    gradients,
    models,
    optim,
    optimization,
    panels,
    runtime,
    splits,
    train,
    viz,
)

SLOW = 3.0  # seconds: a valid call slower than this is skipped (about 2 s idle; room for a busy machine)
TIMEOUT = 4.0  # seconds: a bad call still running is counted silent
NAN, INF = float("nan"), float("inf")
DEVNULL = open(os.devnull, "w")  # noqa: SIM115 - progress bars and prints go here while calls run
FACES = {module.__name__.split(".")[-1]: module for module in (
    arguments, data, splits, models, optim, train, batched, runtime, generalization, gradients, debugging,
    optimization, viz, panels)}


# ---- bad values by kind: (label, value); ``accept`` in a spec names labels allowed by design
def _kinds():
    common = [("str", "abc"), ("list", [3]), ("None", None)]
    return {
        "count": common + [("negative", -1), ("zero", 0), ("float", 2.5), ("bool", True)],
        "count0": common + [("negative", -1), ("float", 2.5), ("bool", True)],
        "pos": common + [("nan", NAN), ("inf", INF), ("negative", -1.0), ("zero", 0.0), ("bool", True)],
        "nonneg": common + [("nan", NAN), ("inf", INF), ("negative", -1.0), ("bool", True)],
        "real": common + [("nan", NAN), ("inf", INF), ("bool", True)],
        "frac": common + [("nan", NAN), ("negative", -0.5), ("above_one", 1.5), ("huge", 1e9),
                          ("bool", True)],
        "choice": [("unknown", "nope"), ("int", 3), ("None", None)],
        "bool": [("str", "no"), ("int", 2), ("None", None)],
        "seed": [("str", "abc"), ("negative", -1), ("float", 1.5), ("list", [1])],
        "interval": [("str", "abc"), ("number", 3.0), ("reversed", (1.0, -1.0)), ("nan", (NAN, 1.0)),
                     ("single", (1.0,)), ("None", None)],
        "module": [("str", "abc"), ("None", None), ("int", 3)],
        "callable": [("str", "abc"), ("int", 3)],
        "axes": [("str", "abc"), ("int", 3)],
        "figure": [("str", "abc"), ("None", None), ("int", 3)],
        "result": [("str", "abc"), ("None", None), ("int", 3)],
        "values": [("str", "abc"), ("None", None), ("number", 3), ("empty", []), ("nan", [1.0, NAN])],
    }


KINDS = _kinds()


def array_bads(valid):
    """Bad versions of a valid array: wrong type, NaN, a wrong number of dimensions, empty."""
    a = np.array(valid.detach().numpy() if isinstance(valid, torch.Tensor) else valid, dtype=float)
    with_nan = a.copy()
    with_nan.flat[0] = NAN
    extra_dim = a.reshape(a.shape + (1, 1))
    bads = [("str", "abc"), ("None", None), ("nan", with_nan), ("ndim", extra_dim), ("empty", a[:0])]
    if isinstance(valid, torch.Tensor):
        bads = [(label, torch.as_tensor(v, dtype=valid.dtype) if isinstance(v, np.ndarray) else v)
                for label, v in bads]
    return bads


@dataclass
class Spec:
    name: str  # face.function, as printed
    fn: object
    args: list  # [(name, value)] passed positionally
    kwargs: dict  # passed by keyword
    bad: dict  # argument -> kind name, "array" or a list of (label, value)
    accept: dict = field(default_factory=dict)  # argument -> labels the docstring allows
    names: dict = field(default_factory=dict)  # argument -> the name its message should use
    time: float = 0.0


def S(name, pos=None, *, bad=None, accept=None, names=None, **kwargs):
    """A spec for ``name`` ("face.function"): ``pos`` {argument: value} passed in order, the rest by name."""
    face, attr = name.split(".", 1)
    fn = getattr(FACES[face], attr)
    return Spec(name, fn, list((pos or {}).items()), kwargs, bad or {}, accept or {}, names or {})


# ---- tiny valid inputs
rng = np.random.default_rng(0)
X2 = rng.normal(size=(12, 2))
y1 = X2[:, :1] * 1.0
y_cls = (X2[:, 0] > 0).astype(int)
groups = np.repeat(np.arange(6), 2)


def lin():
    torch.manual_seed(0)
    return nn.Linear(2, 1)


def tiny_history():
    return train.fit(lin(), (X2, y1), epochs=2)


def tiny_sweep(param="width"):
    values = [2, 4] if param == "width" else [8, 10]
    return generalization.bias_variance_sweep(
        param, values, n_models=2, n_train=8, epochs=3, n_test=10, random_state=0
    )


def traj():
    return generalization.simulate_pendulum(3, 6, random_state=0)


def fig_ax():
    fig, ax = plt.subplots()
    return fig, ax


def tiny_optimizer():
    return torch.optim.SGD(lin().parameters(), lr=0.1)


def batched_model():
    return batched.BatchedMLP(2, 2, 1, width=4, depth=1, random_state=0)


def build_specs():
    fig, ax = fig_ax()
    sweep = tiny_sweep()
    ts = traj()
    step_model = generalization.StepModel(2, width=4, depth=1)
    gmodel, Xg, yg, gloss = gradients.demo_problem(n_samples=4)
    bm = batched_model()
    Xt, yt = torch.as_tensor(X2, dtype=torch.float32), torch.as_tensor(y1, dtype=torch.float32)
    small = dict(n_models=2, epochs=3, random_state=0)
    pg_settings = generalization.Settings(n_train=10, epochs=3, width=4)
    pg_problem = generalization.make_problem(pg_settings)
    pg_model = generalization.build_model(pg_settings, pg_problem)
    pg_outcome = generalization.run_settings(pg_settings)
    return [
        # arguments: the argument checked is named by ``name``
        S("arguments.check_int", {"name": "n", "value": 3}, min_value=1, bad={"value": "count"},
            names={"value": "n"}),
        S("arguments.check_float", {"name": "noise", "value": 0.1}, min_value=0, bad={"value": "nonneg"},
            names={"value": "noise"}),
        S("arguments.check_bool", {"name": "flag", "value": True}, bad={"value": "bool"},
            names={"value": "flag"}),
        S("arguments.check_choice", {"name": "kind", "value": "a", "choices": ("a", "b")},
            bad={"value": "choice"}, names={"value": "kind"}),
        S("arguments.check_random_state", {"name": "random_state", "value": 0}, bad={"value": "seed"},
            names={"value": "random_state"}),
        S("arguments.as_2d_float", {"name": "X", "value": X2}, bad={"value": "array"},
            accept={"value": ["empty"]}, names={"value": "X"}),
        S("arguments.check_interval", {"name": "domain", "value": (0.0, 1.0)}, bad={"value": "interval"},
            names={"value": "domain"}),
        S("arguments.check_same_length", X=X2, y=y1, bad={"y": [("short", y1[:3])]}),
        S("arguments.to_numpy", {"name": "X", "value": X2}),
        # data
        *[S(f"data.{name}", n_samples=10, noise=0.1, domain=(-1.0, 1.0), random_state=0,
            return_function=False,
            bad={"n_samples": "count", "noise": "nonneg", "domain": "interval", "random_state": "seed",
                "return_function": "bool"})
          for name in ("make_sine", "make_identity", "make_cubic")],
        S("data.make_pendulum_period", n_samples=10, noise=0.1, domain=(0.1, 1.0), random_state=0,
            return_function=False,
            bad={"n_samples": "count", "noise": "nonneg", "domain": "interval", "random_state": "seed",
                "return_function": "bool"}),
        *[S(f"data.{name}", n_samples=10, noise=0.1, random_state=0,
            bad={"n_samples": "count", "noise": "nonneg", "random_state": "seed"})
          for name in ("make_moons", "make_xor")],
        S("data.make_circles", n_samples=10, noise=0.1, factor=0.5, random_state=0,
            bad={"n_samples": "count", "noise": "nonneg", "factor": "frac", "random_state": "seed"}),
        S("data.make_spirals", n_samples=10, n_classes=3, noise=0.1, random_state=0,
            bad={"n_samples": "count", "n_classes": "count", "noise": "nonneg", "random_state": "seed"}),
        S("data.make_materials", n_samples=20, n_groups=3, noise=0.05, random_state=0,
            bad={"n_samples": "count", "n_groups": "count", "noise": "nonneg", "random_state": "seed"}),
        S("data.load_digits", images=False, bad={"images": "bool"}),
        S("data.make_dataset", {"name": "sine"}, n_samples=10, noise=0.1, random_state=0,
            bad={"name": "choice", "n_samples": "count", "noise": "nonneg", "random_state": "seed"},
            accept={"noise": ["None"]}),
        S("data.task_of", {"name": "sine"}, bad={"name": "choice"}),
        S("data.pendulum_period", {"amplitude": 0.5}, length=1.0, g=9.81,
            bad={"amplitude": "real", "length": "pos", "g": "pos"},
            accept={"amplitude": ["list"], "length": ["list"]}),  # arrays broadcast
        # splits
        S("splits.train_val_test_split", {"X": X2, "y": y1}, fractions=(0.5, 0.25, 0.25), random_state=0,
            stratify=False,
            bad={"X": "array", "y": "array", "random_state": "seed", "stratify": "bool",
                "fractions": [("str", "abc"), ("negative", (-0.5, 1.0, 0.5)), ("sum", (0.5, 0.5, 0.5)),
                    ("nan", (NAN, 0.5, 0.5)), ("two", (0.5, 0.5))]}),
        S("splits.group_split", {"X": X2, "y": y1, "groups": groups}, fractions=(0.5, 0.25, 0.25),
            random_state=0,
            bad={"X": "array", "y": "array",
                "groups": [("str", "abc"), ("None", None), ("short", groups[:3]),
                    ("nan", np.where(groups == 0, NAN, groups))], "random_state": "seed",
                "fractions": [("str", "abc"), ("negative", (-0.5, 1.0, 0.5)), ("sum", (0.5, 0.5, 0.5))]}),
        S("splits.scale", {"split": splits.train_val_test_split(X2, y1, random_state=0)}, method="standard",
            bad={"split": "result", "method": "choice"}),
        # models
        S("models.MLP", {"in_features": 2, "out_features": 1}, width=4, depth=1, activation="relu",
            dropout=0.0, batch_norm=False, residual=False, init="default",
            bad={"in_features": "count", "out_features": "count", "width": "count", "depth": "count0",
                "activation": "choice", "dropout": "frac", "batch_norm": "bool", "residual": "bool",
                "init": "choice"}),
        S("models.SmallCNN", {"n_classes": 3}, channels=2, dropout=0.0, batch_norm=True,
            bad={"n_classes": "count", "channels": "count", "dropout": "frac", "batch_norm": "bool"}),
        S("models.n_parameters", {"model": lin()}, trainable_only=True,
            bad={"model": "module", "trainable_only": "bool"}),
        # optim
        S("optim.RangeSchedule", {"start_lr": 0.0001, "end_lr": 1.0, "steps": 10},
            bad={"start_lr": "pos", "end_lr": "pos", "steps": "count"}),
        S("optim.check_schedule", {"name": "schedule", "schedule": "cosine"},
            bad={"schedule": [("unknown", "nope"), ("int", 3)]}, names={"schedule": "schedule"}),
        S("optim.make_optimizer", {"name": "sgd", "params": list(lin().parameters()), "lr": 0.1,
            "momentum": 0.9, "weight_decay": 0.0},
            bad={"name": "choice", "params": [("str", "abc"), ("None", None), ("empty", [])], "lr": "pos",
                "momentum": "frac", "weight_decay": "nonneg"}),
        S("optim.make_scheduler", {"schedule": "cosine", "optimizer": tiny_optimizer()}, epochs=5,
            steps_per_epoch=2, per="epoch",
            bad={"schedule": [("unknown", "nope"), ("int", 3)], "optimizer": "module", "epochs": "count",
                "steps_per_epoch": "count", "per": "choice"}),
        # train
        S("train.FitOptions", task="regression", epochs=2, batch_size=4, optimizer="adam", lr=0.01,
            momentum=0.9, weight_decay=0.0, l1=0.0, schedule=None, schedule_per="epoch", early_stopping=None,
            on_step=None, on_epoch=None, random_state=0, device=None,
            bad={"task": "choice", "epochs": "count", "batch_size": "count", "optimizer": "choice",
                "lr": "pos", "momentum": "frac", "weight_decay": "nonneg", "l1": "nonneg",
                "schedule": [("unknown", "nope"), ("int", 3)], "schedule_per": "choice",
                "early_stopping": "count", "on_step": "callable", "on_epoch": "callable",
                "random_state": "seed", "device": [("unknown", "nope"), ("int_list", [3])]},
            accept={"task": ["None"], "batch_size": ["None"], "early_stopping": ["None"]}),
        S("train.fit", {"model": lin(), "train": (X2, y1)}, epochs=2, lr=0.01, batch_size=4, random_state=0,
            bad={"model": "module",
                "train": [("str", "abc"), ("None", None), ("one", (X2,)),
                    ("nan", (np.full_like(X2, NAN), y1)), ("short_y", (X2, y1[:3]))],
                "val": [("str", "abc"), ("short_y", (X2, y1[:3]))], "epochs": "count", "lr": "pos",
                "batch_size": "count", "random_state": "seed"}, accept={"batch_size": ["None"]},
            names={"train": "train"}),
        S("train.evaluate", {"model": lin(), "data": (X2, y1)}, task="regression",
            bad={"model": "module",
                "data": [("str", "abc"), ("None", None), ("nan", (np.full_like(X2, NAN), y1))],
                "task": "choice"}, accept={"task": ["None"]}),
        S("train.predict", {"model": lin(), "X": X2}, classes=False,
            bad={"model": "module", "X": "array", "classes": "bool"}),
        S("train.evaluating", {"model": lin()}, bad={"model": "module"}),
        # batched
        S("batched.BatchedMLP", {"n_models": 2, "in_features": 2, "out_features": 1}, width=4, depth=1,
            activation="relu", init="default", random_state=0,
            bad={"n_models": "count", "in_features": "count", "out_features": "count", "width": "count",
                "depth": "count0", "activation": "choice", "init": "choice", "random_state": "seed"}),
        S("batched.fit_batched", {"model": bm, "train": (X2, y1)}, epochs=2, lr=0.01, weight_decay=0.0,
            optimizer="adam", batch_size=4, random_state=0,
            bad={"model": "module",
                "train": [("str", "abc"), ("None", None), ("nan", (np.full_like(X2, NAN), y1))],
                "epochs": "count", "lr": "pos", "weight_decay": "nonneg", "optimizer": "choice",
                "batch_size": "count", "random_state": "seed"}, accept={"batch_size": ["None"]}),
        S("batched.predict_batched", {"model": bm, "X": X2}, bad={"model": "module", "X": "array"}),
        S("batched.train_mlps", {"X": X2, "y": y1}, n_models=2, width=4, depth=1, epochs=2, lr=0.01,
            random_state=0, activation="relu", weight_decay=0.0,
            bad={"X": "array", "y": "array", "n_models": "count", "width": "count", "depth": "count0",
                "epochs": "count", "lr": "pos", "random_state": "seed", "activation": "choice",
                "weight_decay": "nonneg"}),
        S("batched.mse_per_model", {"model": bm, "X": X2, "y": y1[:, 0]},
            bad={"model": "module", "X": "array", "y": "array"}),
        # runtime (functions that set global state are restored after each call)
        S("runtime.configure_threads", n_threads=1, bad={"n_threads": "count"},
            accept={"n_threads": ["None"]}),
        S("runtime.get_device", prefer="cpu", bad={"prefer": "choice"}, accept={"prefer": ["None"]}),
        S("runtime.seed_everything", {"random_state": 0}, bad={"random_state": "seed"}),
        S("runtime.seeded", {"random_state": 0}, bad={"random_state": "seed"}),
        S("runtime.torch_seed", {"random_state": 0}, bad={"random_state": "seed"},
            accept={"random_state": ["None"]}),
        S("runtime.setup", random_state=0, n_threads=1, device="cpu",
            bad={"random_state": "seed", "n_threads": "count", "device": "choice"},
            accept={"n_threads": ["None"], "device": ["None"]}),
        S("runtime.pick", {"full": 100, "fast": 10}),
        S("runtime.fast_mode"),
        S("runtime.environment_report"),
        # generalization: allowed by the file owners' checks
        S("generalization.bias_variance",
            {"predictions": rng.normal(size=(3, 5)), "y_true": rng.normal(size=5)}, noise_var=0.1,
            bad={"predictions": "array", "y_true": "array", "noise_var": "nonneg"},
            accept={"noise_var": ["None"]}),
        S("generalization.bias_variance_sweep", {"param": "width", "values": [2, 4]}, n_models=2, n_train=8,
            noise=0.3, width=4, depth=1, weight_decay=0.0, epochs=3, lr=0.01, activation="tanh",
            dataset="sine", n_test=10, random_state=0, progress=None,
            bad={"param": "choice", "values": "values", "n_models": "count", "n_train": "count",
                "noise": "nonneg", "width": "count", "depth": "count0", "weight_decay": "nonneg",
                "epochs": "count", "lr": "pos", "activation": "choice", "dataset": "choice",
                "n_test": "count", "random_state": "seed", "progress": "callable"},
            accept={"values": ["None"]}),
        S("generalization.iter_bias_variance_sweep", {"param": "width", "values": [2, 4]}, n_models=2,
            n_train=8, epochs=3, n_test=10, random_state=0,
            bad={"param": "choice", "values": "values", "n_models": "count", "n_train": "count",
                "epochs": "count"}, accept={"values": ["None"]}),
        S("generalization.compare_horizons", horizon=2, n_trajectories=3, n_steps=6, n_test=2, test_steps=6,
            noise=0.05, width=4, epochs=3, lr=0.003, random_state=0,
            bad={"horizon": "count", "n_trajectories": "count", "n_steps": "count", "n_test": "count",
                "test_steps": "count", "noise": "nonneg", "width": "count", "epochs": "count", "lr": "pos",
                "random_state": "seed", "progress": "callable"}),
        S("generalization.compare_residual", wiggle=0.0, n_models=2, n_train=8, grid=(-2.0, 2.0), n_grid=11,
            width=4, epochs=3, lr=0.01, random_state=0,
            bad={"wiggle": "real", "n_models": "count", "n_train": "count", "grid": "interval",
                "n_grid": "count", "width": "count", "epochs": "count", "lr": "pos", "random_state": "seed"}),
        S("generalization.discrepancy_demo", n_models=2, n_train=8, length=(0.25, 1.0),
            outside_length=(1.0, 2.0), amplitude=(0.1, 1.0), width=4, epochs=3, lr=0.01, random_state=0,
            bad={"n_models": "count", "n_train": "count", "length": "interval", "outside_length": "interval",
                "amplitude": "interval", "width": "count", "epochs": "count", "lr": "pos",
                "random_state": "seed"}),
        S("generalization.ensemble_spread", n_models=2, dataset="identity", n_train=8, noise=0.0,
            grid=(-1.0, 1.0), n_grid=11, width=4, depth=1, activation="relu", epochs=3, lr=0.01,
            random_state=0,
            bad={"n_models": "count", "dataset": "choice", "n_train": "count", "noise": "nonneg",
                "grid": "interval", "n_grid": "count", "width": "count", "depth": "count0",
                "activation": "choice", "epochs": "count", "lr": "pos", "random_state": "seed"},
            accept={"grid": ["None"]}),
        S("generalization.fit_identity", domain_width=1.0, activation="relu", width=4, depth=1, n_models=2,
            n_train=8, epochs=3, lr=0.01, x_range=2.0, n_grid=11, random_state=0,
            bad={"domain_width": "pos", "activation": "choice", "width": "count", "depth": "count0",
                "n_models": "count", "n_train": "count", "epochs": "count", "lr": "pos", "x_range": "pos",
                "n_grid": "count", "random_state": "seed"}),
        S("generalization.symmetry_demo", penalty=1.0, n_models=2, n_train=8, domain=(0.2, 2.0), n_grid=11,
            width=4, epochs=3, lr=0.01, random_state=0, progress=None,
            bad={"penalty": "nonneg", "n_models": "count", "n_train": "count", "domain": "interval",
                "n_grid": "count", "width": "count", "epochs": "count", "lr": "pos", "random_state": "seed",
                "progress": "callable"}),
        S("generalization.small_angle_period", {"length": 1.0}, g=9.81, bad={"length": "pos", "g": "pos"},
            accept={"length": ["list"]}),
        S("generalization.simulate_pendulum", n_trajectories=3, n_steps=6, dt=0.1, damping=0.1, max_angle=1.5,
            noise=0.0, random_state=0,
            bad={"n_trajectories": "count", "n_steps": "count", "dt": "pos", "damping": "nonneg",
                "max_angle": "pos", "noise": "nonneg", "random_state": "seed"}),
        S("generalization.StepModel", n_state=2, width=4, depth=1, activation="tanh",
            bad={"n_state": "count", "width": "count", "depth": "count0", "activation": "choice"}),
        S("generalization.fit_dynamics", {"model": step_model, "trajectories": ts}, horizon=2, epochs=3,
            lr=0.003,
            bad={"model": "module", "trajectories": "array", "horizon": "count", "epochs": "count",
                "lr": "pos"}),
        S("generalization.one_step_pairs", {"trajectories": ts}, bad={"trajectories": "array"}),
        S("generalization.windows", {"trajectories": ts, "horizon": 2},
            bad={"trajectories": "array", "horizon": "count"}),
        S("generalization.rollout", {"model": step_model, "x0": ts[:, 0], "n_steps": 4},
            bad={"model": "module", "x0": "array", "n_steps": "count0"}),
        S("generalization.rollout_error", {"model": step_model, "trajectories": ts}, n_steps=4,
            bad={"model": "module", "trajectories": "array", "n_steps": "count"},
            accept={"n_steps": ["None"]}),
        S("generalization.Residual", {"net": lin()}, bad={"net": "module"}),
        S("generalization.Lockbox", {"X": X2, "y": y1}, metric="mse",
            bad={"X": "array", "y": "array", "metric": "choice"}, accept={"metric": ["None"]}),
        # generalization: owned by others (validation, leakage, diagnosis, problem, playground)
        S("generalization.compare_splits", n_samples=40, n_groups=4, n_unseen=8, noise=0.05, n_repeats=1,
            n_models=1, width=4, epochs=3, lr=0.01, random_state=0,
            bad={"n_samples": "count", "n_groups": "count", "n_unseen": "count", "noise": "nonneg",
                "n_repeats": "count", "n_models": "count", "width": "count", "epochs": "count", "lr": "pos",
                "random_state": "seed", "progress": "callable"}),
        S("generalization.compare_group_kfold", n_splits=2, n_samples=40, n_groups=4, n_unseen=8, noise=0.05,
            n_repeats=1, width=4, epochs=3, lr=0.01, random_state=0,
            bad={"n_splits": "count", "n_samples": "count", "n_groups": "count", "n_unseen": "count",
                "noise": "nonneg", "n_repeats": "count", "width": "count", "epochs": "count", "lr": "pos",
                "random_state": "seed"}),
        S("generalization.mismatch_demo", shift=1.0, n_train=10, n_val=20, noise=0.2, width=4, epochs=3,
            n_models=1, random_state=0,
            bad={"shift": "real", "n_train": "count", "n_val": "count", "noise": "nonneg", "width": "count",
                "epochs": "count", "n_models": "count", "random_state": "seed"}),
        S("generalization.validation_optimism", {"n_configs_list": (1, 3)}, n_pool=4, n_repeats=2, n_train=10,
            n_val=5, n_holdout=20, noise=0.3, width=4, epochs=3, random_state=0,
            bad={"n_configs_list": "values", "n_pool": "count", "n_repeats": "count", "n_train": "count",
                "n_val": "count", "n_holdout": "count", "noise": "nonneg", "width": "count",
                "epochs": "count", "random_state": "seed"}),
        S("generalization.compare_scalers", n_samples=30, n_new=20, noise=0.3, n_models=2, width=4, epochs=3,
            random_state=0,
            bad={"n_samples": "count", "n_new": "count", "noise": "nonneg", "n_models": "count",
                "width": "count", "epochs": "count", "random_state": "seed"}),
        S("generalization.supervised_leak_demo", {"step": "feature_selection"}, n_samples=30, n_features=50,
            n_selected=5, n_categories=5, n_repeats=1, n_splits=2, random_state=0,
            bad={"step": "choice", "n_samples": "count", "n_features": "count", "n_selected": "count",
                "n_categories": "count", "n_repeats": "count", "n_splits": "count", "random_state": "seed"}),
        S("generalization.leakage_demo", {"kind": "duplicates"}, leak=True, n_models=1, epochs=3,
            random_state=0,
            bad={"kind": "choice", "leak": "bool", "n_models": "count", "epochs": "count",
                "random_state": "seed"}, accept={"epochs": ["None"]}),
        # a NaN or Inf error is a diverged run (regime "diverged"); gap_tolerance=inf judges by the goal alone
        S("generalization.diagnose", {"train_error": 0.1, "val_error": 0.2}, goal_error=0.1,
            gap_tolerance=0.05,
            bad={"train_error": "nonneg", "val_error": "nonneg", "goal_error": "nonneg",
                "gap_tolerance": "nonneg"},
            accept={"train_error": ["nan", "inf"], "val_error": ["nan", "inf"],
                "gap_tolerance": ["None", "inf"]}),
        S("generalization.larger_gap", {"train_error": 0.1, "val_error": 0.2, "goal_error": 0.1},
            bad={"train_error": "nonneg", "val_error": "nonneg", "goal_error": "nonneg"}),
        S("generalization.Settings", dataset="sine", n_train=10, noise=0.2, width=4, depth=1,
            activation="tanh", optimizer="adam", lr=0.01, weight_decay=0.0, dropout=0.0, batch_size=None,
            epochs=3, random_state=0,
            bad={"dataset": "choice", "n_train": "count", "noise": "nonneg", "width": "count",
                "depth": "count0", "activation": "choice", "optimizer": "choice", "lr": "pos",
                "weight_decay": "nonneg", "dropout": "frac", "batch_size": "count", "epochs": "count",
                "random_state": "seed"}, accept={"batch_size": ["None"]}),
        S("generalization.check_data", {"X": X2, "y": y_cls}, bad={"X": "array", "y": "array"}),
        S("generalization.describe_data", {"y": y_cls, "task": "classification", "n_classes": 2},
            bad={"y": "array", "task": "choice", "n_classes": "count"}),
        S("generalization.make_problem", {"settings": generalization.Settings(n_train=10, epochs=3, width=4)},
            bad={"settings": "result",
                "data": [("str", "abc"), ("one", (X2,)), ("nan", (np.full_like(X2, NAN), y1))]}),
        S("generalization.run_settings", {"settings": generalization.Settings(n_train=10, epochs=3, width=4)},
            bad={"settings": "result", "data": [("str", "abc"), ("one", (X2,))], "goal": "nonneg"},
            accept={"goal": ["None"]}),
        # generalization: the playground's helpers (playground.py, problem.py), on a tiny run
        S("generalization.iter_run", {"settings": pg_settings}, goal=None,
            bad={"settings": "result", "data": [("str", "abc"), ("one", (X2,))], "goal": "nonneg"},
            accept={"goal": ["None"]}),
        S("generalization.settings_code", {"settings": pg_settings}, user_data=False,
            bad={"settings": "result", "user_data": "bool"}),
        S("generalization.build_model", {"settings": pg_settings, "problem": pg_problem},
            bad={"settings": "result", "problem": "result"}),
        S("generalization.fit_options", {"settings": pg_settings}, bad={"settings": "result"}),
        S("generalization.goal_error", {"settings": pg_settings, "problem": pg_problem},
            bad={"settings": "result", "problem": "result"}),
        *[S(f"generalization.{name}", {"model": pg_model, "problem": pg_problem},
            bad={"model": "module", "problem": "result"})
          for name in ("errors", "judged_errors", "excess_error")],
        S("generalization.sizes_text", {"problem": pg_problem}, bad={"problem": "result"}),
        S("generalization.readout", {"outcome": pg_outcome}, bad={"outcome": "result"}),
        S("train.iter_fit", {"model": lin(), "train": (X2, y1)}, options=train.FitOptions(epochs=2),
            bad={"model": "module", "train": [("str", "abc"), ("one", (X2,))],
                "options": [("str", "abc"), ("dict", {"epochs": 2})]}, accept={"options": ["None"]}),
        # gradients
        S("gradients.NetSettings", activation="tanh", init="default", batch_norm=False, residual=False,
            depth=3, random_state=0,
            bad={"activation": "choice", "init": "choice", "batch_norm": "bool", "residual": "bool",
                "depth": "count", "random_state": "seed"}),
        S("gradients.build_net", {"settings": gradients.NetSettings(depth=3)}, in_features=4, width=4,
            bad={"settings": "result", "in_features": "count", "width": "count"}),
        S("gradients.make_teacher_task", n_samples=8, n_features=4, random_state=0,
            bad={"n_samples": "count", "n_features": "count", "random_state": "seed"}),
        S("gradients.measure", {"settings": gradients.NetSettings(depth=3)}, steps=2, lr=0.001, width=4,
            n_samples=8,
            bad={"settings": "result", "steps": "count0", "lr": "pos", "width": "count",
                "n_samples": "count"}, accept={"settings": ["None"]}),
        S("gradients.iter_measure", {"settings": gradients.NetSettings(depth=3)}, steps=2, lr=0.001, width=4,
            n_samples=8,
            bad={"settings": "result", "steps": "count0", "lr": "pos", "width": "count",
                "n_samples": "count"}),
        S("gradients.reference_norms", {"depth": 3}, random_state=0, width=4,
            bad={"depth": "count", "random_state": "seed", "width": "count"}),
        S("gradients.layer_gradient_norms", {"model": lin(), "X": X2, "y": y1}, random_state=0,
            bad={"model": "module", "X": "array", "y": "array", "loss_fn": "callable",
                "random_state": "seed"}),
        S("gradients.Monitor", {"model": lin()}, capacity=10, bins=5, act_range=(-4.0, 4.0),
            grad_log10_range=(-10.0, 2.0), train_only=True,
            bad={"model": "module", "capacity": "count", "bins": "count", "act_range": "interval",
                "grad_log10_range": "interval", "train_only": "bool",
                "modules": [("str", "abc"), ("int", 3)]}),
        S("gradients.gradient_norms_at_init", {"configs": {"a": {"activation": "tanh"}}}, depth=3, width=4,
            n_samples=8, random_state=0,
            bad={"configs": [("str", "abc"), ("None", None), ("list", [1])], "depth": "count",
                "width": "count", "n_samples": "count", "random_state": "seed"}),
        S("gradients.init_comparison", activation="relu", depth=3, width=4, random_state=0,
            bad={"activation": "choice", "depth": "count", "width": "count", "random_state": "seed"}),
        S("gradients.normalization_comparison", activation="sigmoid", init="default", depth=3, width=4,
            random_state=0,
            bad={"activation": "choice", "init": "choice", "depth": "count", "width": "count",
                "random_state": "seed"}),
        S("gradients.vanishing_gradients", depth=3, width=4, random_state=0,
            bad={"depth": "count", "width": "count", "random_state": "seed"}),
        S("gradients.compare_precisions", {"model": gmodel, "X": Xg, "y": yg, "loss": gloss}, max_entries=3,
            random_state=0, bad={"model": "module", "max_entries": "count", "random_state": "seed"}),
        S("gradients.compare_with_torch", {"model": gmodel, "X": Xg, "y": yg, "loss": gloss}, max_entries=3,
            random_state=0, atol=1e-05, rtol=0.001,
            bad={"model": "module", "max_entries": "count", "random_state": "seed", "atol": "nonneg",
                "rtol": "nonneg"}),
        S("gradients.step_size_sweep", {"model": gmodel, "X": Xg, "y": yg, "loss": gloss}, hs=[0.001, 1e-05],
            max_entries=2, random_state=0,
            bad={"model": "module", "hs": "values", "max_entries": "count", "random_state": "seed"},
            accept={"hs": ["None", "number"]}),  # one step size is a list of one
        S("gradients.tf32_effect", {"model": gmodel, "X": Xg, "y": yg, "loss": gloss}, max_entries=3,
            random_state=0, bad={"model": "module", "max_entries": "count", "random_state": "seed"}),
        S("gradients.kink_false_alarm", offset=5e-07, h=1e-06, bad={"offset": "real", "h": "pos"}),
        # gradients, owned by others (gradcheck, finite_differences)
        S("gradients.check_gradients", {"model": gmodel, "X": Xg, "y": yg, "loss": gloss}, h=1e-06,
            max_entries=3, random_state=0,
            bad={"model": "module", "h": "pos", "max_entries": "count", "random_state": "seed",
                "dtype": [("str", "abc"), ("int", 3)]}, accept={"h": ["None"]}),
        S("gradients.demo_problem", activation="relu", n_samples=4, random_state=0,
            bad={"activation": "choice", "n_samples": "count", "random_state": "seed"}),
        S("gradients.verdict", {"rel_error": 1e-08}, bad={"rel_error": "nonneg"},
            accept={"rel_error": ["nan", "inf"]}),  # a NaN or infinite error is a wrong gradient: "wrong"
        # debugging, owned by others
        # the doctor's job is to find bad data: NaN or a wrong shape is a failed check in its report
        S("debugging.doctor", {"model": lin(), "X": Xt, "y": yt}, loss_fn=nn.MSELoss(), task="regression",
            lr=0.01, steps=3, batch_size=4, random_state=0,
            bad={"model": "module", "X": "array", "y": "array", "loss_fn": "callable", "task": "choice",
                "lr": "pos", "steps": "count", "batch_size": "count", "random_state": "seed",
                "optimizer_fn": "callable", "step_fn": "callable", "preprocess": "callable"},
            accept={"loss_fn": ["None"], "task": ["None"], "X": ["nan", "ndim"], "y": ["nan", "ndim"]}),
        S("debugging.get_bug", {"name": next(iter(debugging.BUGS))}, bad={"name": "choice"}),
        # y may hold NaN (the doctor reports it as a failed check) and any shape (per-pixel targets)
        S("debugging.describe_target", {"loss_fn": nn.MSELoss(), "y": yt, "task": "regression"},
            bad={"loss_fn": "callable", "y": "array", "task": "choice"},
            accept={"task": ["None"], "y": ["nan", "ndim"]}),
        S("debugging.catch_matrix", {"names": [next(iter(debugging.BUGS))]}, random_state=0,
            bad={"names": [("str", "abc"), ("unknown", ["nope"]), ("int", 3)], "random_state": "seed"}),
        S("debugging.explain_checks"),
        S("debugging.fail", {"name": "loss", "message": "went up"}),
        S("debugging.standard_step",
            {"model": lin(), "optimizer": tiny_optimizer(), "X": Xt, "y": yt, "loss_fn": nn.MSELoss()}),
        # viz
        S("viz.log_axis_suits", {"values": [1, 10, 100]}, bad={"values": "values"},
            accept={"values": ["empty", "nan"]}),  # a question: no (False) for these
        S("viz.request_draw", {"fig": fig}, bad={"fig": "figure"}),
        S("viz.Blitter", {"fig": fig, "changing": []},
            bad={"fig": "figure", "changing": [("str", "abc"), ("int", 3)]}),
        S("viz.Banner", {"fig_or_ax": ax}, bad={"fig_or_ax": "figure"}),
        S("viz.BiasVarianceView", {"ax": ax}, bad={"ax": "figure"}),
        S("viz.EnsembleView", {"ax": ax}, n_models=3, bad={"ax": "figure", "n_models": "count"}),
        S("viz.GradientFlowView", {"fig": plt.figure()}, bad={"fig": "figure"}),
        S("viz.BoundaryView", {"ax": ax}, n_classes=2, extent=(-2, 2, -2, 2), resolution=10,
            bad={"ax": "figure", "n_classes": "count", "resolution": "count",
                "extent": [("str", "abc"), ("two", (0, 1)), ("reversed", (2, -2, -2, 2)),
                    ("nan", (NAN, 2, -2, 2))]}),
        S("viz.FitView", {"ax": ax}, x_grid=np.linspace(-1, 1, 5), true_function=np.sin,
            bad={"ax": "figure", "x_grid": "array", "true_function": "callable"}),
        S("viz.LossView", {"ax": ax}, log_scale=True, ylabel="loss",
            bad={"ax": "figure", "log_scale": "bool", "ylabel": [("int", 3)]}),
        S("viz.plot_history", {"history": tiny_history()}, log_scale=True, ax=ax,
            bad={"history": "result", "log_scale": "bool", "ax": "axes"}),
        S("viz.plot_bias_variance", {"result": sweep}, ax=ax, bad={"result": "result", "ax": "axes"}),
        S("viz.plot_learning_curve", {"result": tiny_sweep("n_train")}, ax=ax,
            bad={"result": "result", "ax": "axes"}),
        S("viz.plot_fit", {"model_or_predict": nn.Linear(1, 1), "X_train": X2[:, :1], "y_train": y1}, ax=ax,
            bad={"model_or_predict": [("str", "abc"), ("None", None)], "X_train": "array", "y_train": "array",
                "ax": "axes"}),
        S("viz.plot_boundary", {"model_or_predict": nn.Linear(2, 2), "X": X2, "y": y_cls}, ax=ax,
            bad={"model_or_predict": [("str", "abc"), ("None", None)], "X": "array", "y": "array",
                "n_classes": "count", "ax": "axes"}, accept={"n_classes": ["None"]}),
        # panels (widgets, no browser needed)
        S("panels.LivePanel"),
        S("panels.BiasVariancePanel", {"param": "width"}, noise=0.3, n_train=8, n_models=2, random_state=0,
            bad={"param": "choice", "noise": "nonneg", "n_train": "count", "n_models": "count",
                "random_state": "seed"}),
        S("panels.ExtrapolationExplorer", activation="relu", width=4, depth=1, domain_width=1.0,
            random_state=0, n_models=2, epochs=3, x_range=2.0,
            bad={"activation": "choice", "width": "count", "depth": "count0", "domain_width": "pos",
                "random_state": "seed", "n_models": "count", "epochs": "count", "x_range": "pos"}),
        S("panels.LeakageExplorer", {"kind": "duplicates"}, leak=True, **small,
            bad={"kind": "choice", "leak": "bool", "random_state": "seed", "n_models": "count",
                "epochs": "count"}, accept={"epochs": ["None"]}),
        S("panels.MonitorPanel", activation="sigmoid", init="default", batch_norm=False, residual=False,
            depth=3, random_state=0, steps=3, lr=0.001, width=4,
            bad={"activation": "choice", "init": "choice", "batch_norm": "bool", "residual": "bool",
                "depth": "count", "random_state": "seed", "steps": "count", "lr": "pos", "width": "count"}),
        S("panels.Playground", goal=None, max_fps=15.0, n_train=10, epochs=3, width=4,
            bad={"goal": "nonneg", "max_fps": "pos", "n_train": "count", "epochs": "count", "width": "count",
                "data": [("str", "abc"), ("one", (X2,))]}, accept={"goal": ["None"]}),
    ]


# ---- Lab 06 (optimization topic, its viz and panels; the new keywords of optim, train and batched)
def _lab06_fixtures():
    """Tiny results of the optimization topic, for the viz functions that draw them."""
    opt = optimization
    train_, val_ = opt.default_problem(n_train=10, n_val=20, random_state=0)
    sine = data.make_sine(24, noise=0.1, random_state=0)
    small = dict(width=4, depth=1)
    quick = dict(steps=10, start_lr=1e-4, end_lr=1.0)
    spiky = opt.spiky_data(24, random_state=0)
    clip = opt.compare_thresholds((None, 1.0), data=spiky, epochs=1, **small)
    return types.SimpleNamespace(
        train=train_, val=val_, sine=sine, small=small, quick=quick, clip=clip, spiky=spiky,
        sweep=opt.lr_sweep(train_, val_, rates=[1e-2, 0.1], seeds=[0], epochs=3, **small),
        spread=opt.range_test_over_seeds(train_, seeds=[0, 1], **small, **quick),
        range_test=opt.lr_range_test(opt.make_network(0, **small), train_, **quick),
        curves=opt.batch_size_curves(sine, batch_sizes=(8, None), epochs=2, width=4, points=3),
        curves_steps=opt.batch_size_curves(sine, batch_sizes=(8, None), steps=3, width=4, points=3),
        noise=opt.gradient_noise(models.MLP(1, 1, width=4), sine, batch_sizes=(2, 4), n_batches=3),
        rates=opt.rate_vs_batch_size(sine, batch_sizes=(8, None), rates=[1e-2, 0.1], epochs=2, seeds=1,
                                     width=4),
        schedules=opt.compare_schedules({"constant": None, "cosine": "cosine"}, epochs=4, n_samples=16,
                                        width=4, depth=1),
        watched=opt.watch_rates(sine, rates=(0.01, 0.1), epochs=1, batch_size=8, **small),
        surface=opt.quadratic(),
    )


def lab06_specs():
    f = _lab06_fixtures()
    fig, ax = fig_ax()
    lrs, losses = f.range_test.lrs, f.range_test.losses
    X_hike, y_hike = optimization.make_hike(20, random_state=0)
    net = optimization.make_network(0, **f.small)
    rule_bad = [("unknown", "nope"), ("int", 3), ("None", None)]
    start_bad = [("str", "abc"), ("one", (1.0,)), ("nan", (NAN, 1.0)), ("None", None)]
    return [
        # optimization.lr_sweep
        S("optimization.default_problem", n_train=10, n_val=20, noise=0.2, random_state=0,
            bad={"n_train": "count", "n_val": "count", "noise": "nonneg", "random_state": "seed"}),
        S("optimization.make_network", {"seed": 0}, in_features=1, width=4, depth=1, activation="tanh",
            bad={"seed": "seed", "in_features": "count", "width": "count", "depth": "count0",
                "activation": "choice"}),
        S("optimization.lr_sweep", {"train": f.train, "val": f.val}, rates=[1e-2, 0.1], seeds=[0],
            optimizer="sgd", epochs=3, width=4, depth=1, activation="tanh", batch_size=None, good_factor=2.0,
            bad={"train": [("str", "abc"), ("None", None), ("one", (X2,))], "rates": "values",
                "seeds": [("str", "abc"), ("None", None), ("empty", []), ("negative", [-1])],
                "optimizer": "choice", "epochs": "count", "width": "count", "depth": "count0",
                "activation": "choice", "batch_size": "count", "good_factor": "pos"},
            accept={"val": ["None"], "batch_size": ["None"]}),
        S("optimization.classify_rates", {"median_loss": [0.5, 0.1, 0.3], "diverged_fraction": [0, 0, 1.0]},
            good_factor=2.0,
            bad={"median_loss": "values", "diverged_fraction": "values", "good_factor": "pos"}),
        S("optimization.train_regimes", {"train": f.train, "rates": [1e-2, 0.1]}, x=np.linspace(-1, 1, 5),
            seed=0, optimizer="sgd", epochs=3, width=4, depth=1, activation="tanh",
            bad={"train": [("str", "abc"), ("None", None)], "rates": "values", "x": "array", "seed": "seed",
                "optimizer": "choice", "epochs": "count", "width": "count", "depth": "count0",
                "activation": "choice"}),
        # optimization.range_test
        S("optimization.lr_range_test", {"model": net, "train": f.train}, optimizer="sgd", start_lr=1e-4,
            end_lr=1.0, steps=10, batch_size=None, smoothing=0.98, stop_factor=4.0, random_state=0,
            bad={"model": "module", "train": [("str", "abc"), ("None", None), ("one", (X2,))],
                "optimizer": "choice", "start_lr": "pos", "end_lr": "pos", "steps": "count",
                "batch_size": "count", "smoothing": "frac", "stop_factor": "pos", "random_state": "seed"},
            accept={"batch_size": ["None"], "stop_factor": ["None"], "random_state": ["None"]}),
        S("optimization.range_test_over_seeds", {"train": f.train}, seeds=[0, 1], optimizer="sgd", width=4,
            depth=1, activation="tanh", start_lr=1e-4, end_lr=1.0, steps=10, batch_size=None, smoothing=0.98,
            stop_factor=4.0,
            bad={"train": [("str", "abc"), ("None", None)],
                "seeds": [("str", "abc"), ("None", None), ("empty", []), ("negative", [-1])],
                "optimizer": "choice", "width": "count", "depth": "count0", "activation": "choice",
                "start_lr": "pos", "end_lr": "pos", "steps": "count", "batch_size": "count",
                "smoothing": "frac", "stop_factor": "pos"},
            accept={"batch_size": ["None"], "stop_factor": ["None"]}),
        *[S(f"optimization.{name}", {"lrs": lrs, "losses": losses}, bad={"lrs": "array", "losses": "array"})
          for name in ("steepest_rate", "valley_rate")],
        S("optimization.minimum_rate", {"lrs": lrs, "losses": losses}, divide=10.0,
            bad={"lrs": "array", "losses": "array", "divide": "pos"}),
        S("optimization.suggest_rates", {"lrs": lrs, "losses": losses}, skip_start=None, skip_end=1,
            bad={"lrs": "array", "losses": "array", "skip_start": "count0", "skip_end": "count0"},
            accept={"skip_start": ["None"]}),
        S("optimization.compare_with_sweep", {"spread": f.spread, "sweep": f.sweep},
            bad={"spread": "result", "sweep": "result"}),
        # optimization.surfaces (the step rules are in SKIPPED_BY_HAND)
        S("optimization.quadratic", {"condition": 10.0}, angle=0.0, start=(-3.5, 2.0),
            bad={"condition": "pos", "angle": "real", "start": start_bad}),
        S("optimization.rosenbrock", a=1.0, b=100.0, start=(-1.5, 2.0),
            bad={"a": "real", "b": "pos", "start": start_bad}),
        S("optimization.two_weight_network", {"n_samples": 10}, noise=0.1, random_state=0, start=(0.6, 2.5),
            bad={"n_samples": "count", "noise": "nonneg", "random_state": "seed", "start": start_bad}),
        S("optimization.trajectory", {"surface": f.surface, "rule": "sgd"}, lr=0.1, momentum=0.9, steps=5,
            start=None,
            bad={"surface": "result", "rule": rule_bad, "lr": "pos", "momentum": "frac", "steps": "count",
                "start": start_bad[:3]}),
        S("optimization.trajectories", {"surface": f.surface, "rules": ("sgd", "adam")}, lr=0.1,
            momentum=0.9, steps=5,
            bad={"surface": "result", "rules": [("str", "abc"), ("None", None), ("empty", ()),
                ("unknown", ("nope",))], "lr": "pos", "momentum": "frac", "steps": "count"}),
        S("optimization.stability_threshold", {"surface": f.surface, "rule": "sgd"}, momentum=0.9,
            bad={"surface": "result", "rule": rule_bad, "momentum": "frac"}),
        S("optimization.largest_stable_lr", {"surface": f.surface, "rule": "sgd"}, momentum=0.9, steps=20,
            low=1e-3, high=10.0, rtol=0.1, n_grid=4,
            bad={"surface": "result", "rule": rule_bad, "momentum": "frac", "steps": "count", "low": "pos",
                "high": "pos", "rtol": "pos", "n_grid": "count"}),
        # optimization.conditioning
        S("optimization.make_hike", {"n_samples": 10}, noise=0.05, random_state=0,
            bad={"n_samples": "count", "noise": "nonneg", "random_state": "seed"}),
        S("optimization.conditioning", {"X": X_hike}, fit_intercept=True,
            bad={"X": "array", "fit_intercept": "bool"}),
        S("optimization.standardize", {"X": X_hike}, bad={"X": "array"}),
        S("optimization.linear_surface", {"X": X_hike, "y": y_hike}, margin=2.0,
            bad={"X": "array", "y": "array", "margin": "pos"}),
        S("optimization.compare_input_scaling", {"X": X_hike, "y": y_hike}, epochs=3, rate_fraction=0.9,
            bad={"X": "array", "y": "array", "epochs": "count", "rate_fraction": "frac"}),
        S("optimization.compare_target_scaling", {"X": X_hike, "y": y_hike}, epochs=3, optimizer="adam",
            lr=0.01, bad={"X": "array", "y": "array", "epochs": "count", "optimizer": "choice", "lr": "pos"}),
        # optimization.schedules
        S("optimization.standard_schedules", {"epochs": 8}, bad={"epochs": "count"}),
        S("optimization.schedule_that_hurts", {"epochs": 8}, bad={"epochs": "count"}),
        S("optimization.compare_schedules", {"schedules": {"constant": None, "cosine": "cosine"}}, epochs=4,
            lr=0.01, optimizer="adam", batch_size=8, n_samples=16, width=4, depth=1, random_state=0,
            bad={"schedules": [("str", "abc"), ("empty", {}), ("unknown", {"a": "nope"})], "epochs": "count",
                "lr": "pos", "optimizer": "choice", "batch_size": "count", "n_samples": "count",
                "width": "count", "depth": "count0", "random_state": "seed"},
            accept={"batch_size": ["None"]}),
        # optimization.clipping
        S("optimization.spiky_data", {"n_samples": 20}, n_outliers=2, outlier_value=30.0, noise=0.1,
            random_state=0,
            bad={"n_samples": "count", "n_outliers": "count0", "outlier_value": "real", "noise": "nonneg",
                "random_state": "seed"}),
        S("optimization.compare_thresholds", {"thresholds": (None, 1.0)}, data=f.spiky, epochs=1,
            lr=0.05, batch_size=8, width=4, depth=1, random_state=0,
            bad={"thresholds": [("str", "abc"), ("None", None), ("empty", ()), ("negative", (-1.0,)),
                ("nan", (NAN,))], "data": [("str", "abc"), ("one", (X2,))], "epochs": "count", "lr": "pos",
                "batch_size": "count", "width": "count", "depth": "count0", "random_state": "seed"},
            accept={"batch_size": ["None"]}),  # full batch, as fit takes it
        S("optimization.spike_steps", {"run": f.clip.runs[None]}, factor=5.0,
            bad={"run": "result", "factor": "pos"}),
        # optimization.batch_size
        S("optimization.batch_size_curves", {"data": f.sine}, batch_sizes=(8, None), epochs=2, lr=0.05,
            optimizer="sgd", width=4, depth=1, points=3, random_state=0,
            bad={"data": [("str", "abc"), ("None", None), ("one", (X2,))],
                "batch_sizes": [("str", "abc"), ("empty", ()), ("zero", (0,))], "epochs": "count",
                "lr": "pos", "optimizer": "choice", "width": "count", "depth": "count0", "points": "count",
                "random_state": "seed"}),
        S("optimization.gradient_noise", {"model": models.MLP(1, 1, width=4), "data": f.sine},
            batch_sizes=(2, 4), n_batches=3, random_state=0,
            bad={"model": "module", "data": [("str", "abc"), ("None", None)],
                "batch_sizes": [("str", "abc"), ("empty", ()), ("zero", (0,))], "n_batches": "count",
                "random_state": "seed"}),
        S("optimization.rate_vs_batch_size", {"data": f.sine}, batch_sizes=(8, None), rates=[1e-2, 0.1],
            epochs=2, seeds=1, optimizer="sgd", width=4, depth=1, random_state=0,
            bad={"data": [("str", "abc"), ("None", None)],
                "batch_sizes": [("str", "abc"), ("empty", ()), ("zero", (0,))], "rates": "values",
                "epochs": "count", "seeds": "count", "optimizer": "choice", "width": "count",
                "depth": "count0", "random_state": "seed"}, accept={"rates": ["None"]}),
        # optimization.update_ratio
        S("optimization.UpdateRatioMonitor", {"model": net}, bad={"model": "module"}),
        S("optimization.judge_ratio", {"ratio": 1e-3}, bad={"ratio": "nonneg"},
            accept={"ratio": ["nan", "inf"]}),  # a diverged run's ratio: "not finite"
        *[S(f"optimization.{name}", {"data": f.sine}, lr=0.05, optimizer="sgd", epochs=1, batch_size=8,
            width=4, depth=1, random_state=0,
            bad={"data": [("str", "abc"), ("None", None), ("one", (X2,))], "lr": "pos", "optimizer": "choice",
                "epochs": "count", "batch_size": "count", "width": "count", "depth": "count0",
                "random_state": "seed"}, accept={"batch_size": ["None"]})  # full batch
          for name in ("iter_watch", "watch")],
        S("optimization.watch_rates", {"data": f.sine}, rates=(0.01, 0.1), optimizer="sgd", epochs=1,
            batch_size=8, width=4, depth=1, random_state=0,
            bad={"data": [("str", "abc"), ("None", None)], "rates": "values", "optimizer": "choice",
                "epochs": "count", "batch_size": "count", "width": "count", "depth": "count0",
                "random_state": "seed"}, accept={"batch_size": ["None"]}),
        # core keywords new in Lab 06
        S("optim.Warmup", {"steps": 3}, then="cosine", total=10,
            bad={"steps": "count", "then": [("unknown", "nope"), ("int", 3)], "total": "count"}),
        S("optim.LinearThenExponential", {"steps": 3}, floor=0.1, gamma=0.99,
            bad={"steps": "count", "floor": "frac", "gamma": "frac"}),
        S("optim.schedule_factors", {"schedule": "cosine", "n_steps": 5},
            bad={"schedule": [("unknown", "nope"), ("int", 3), ("plateau", "plateau")], "n_steps": "count"}),
        S("train.fit", {"model": lin(), "train": (X2, y1)}, epochs=2, lr=0.01, batch_size=4, random_state=0,
            optimizer="rmsprop", schedule="plateau", clip_grad_norm=1.0, record_grad_norm=True,
            bad={"clip_grad_norm": "pos", "record_grad_norm": "bool", "optimizer": "choice",
                "schedule": [("unknown", "nope"), ("int", 3)]}, accept={"clip_grad_norm": ["None"]}),
        S("batched.fit_batched", {"model": batched_model(), "train": (X2, y1)}, epochs=2, lr=0.01,
            momentum=0.9, optimizer="nesterov", schedule="cosine", schedule_per="step", batch_size=4,
            random_state=0,
            bad={"momentum": "frac", "optimizer": "choice", "schedule": [("unknown", "nope"), ("int", 3),
                ("short_list", ["cosine"])], "schedule_per": "choice",
                "lr": [("nan_list", [0.01, NAN]), ("short_list", [0.01])]}),
        # viz (Lab 06)
        S("viz.plot_u_curve", {"results": f.sweep}, ax=ax, val=False, regions=True, labels=None,
            bad={"results": "result", "ax": "axes", "val": "bool", "regions": "bool",
                "labels": [("int", 3), ("short", [])]}, accept={"labels": ["None"]}),
        S("viz.plot_range_test", {"result": f.range_test}, ax=ax, raw=True, suggestions=True,
            bad={"result": "result", "ax": "axes", "raw": "bool", "suggestions": "bool"}),
        S("viz.plot_range_test_beside_u_curve", {"spread": f.spread, "sweep": f.sweep},
            bad={"spread": "result", "sweep": "result", "axes": [("str", "abc"), ("int", 3)]}),
        S("viz.RegimesView", {"fig": plt.figure(), "names": ["a", "b"]}, x=np.linspace(-1, 1, 5),
            truth=np.zeros(5), points=(np.zeros(3), np.zeros(3)),
            bad={"fig": "figure", "names": [("int", 3), ("None", None)], "x": "array", "truth": "array",
                "points": [("str", "abc"), ("None", None)]}),
        S("viz.plot_batch_size_curves", {"curves": f.curves}, ax=ax, bad={"curves": "result", "ax": "axes"}),
        S("viz.plot_batch_sizes", {"by_epochs": f.curves, "by_steps": f.curves_steps},
            bad={"by_epochs": "result", "by_steps": "result"}),
        S("viz.plot_gradient_noise", {"noise": f.noise}, bad={"noise": "result"}),
        S("viz.plot_rate_vs_batch_size", {"result": f.rates}, ax=ax, bad={"result": "result", "ax": "axes"}),
        S("viz.plot_schedules", {"comparison": f.schedules}, names=None, split="val",
            bad={"comparison": "result", "names": [("str", "abc"), ("unknown", ["nope"]), ("int", 3)],
                "split": "choice"}),
        S("viz.plot_clipping", {"comparison": f.clip}, thresholds=None,
            bad={"comparison": "result", "thresholds": [("str", "abc"), ("unknown", [123.0]), ("int", 3)]}),
        S("viz.plot_thresholds", {"comparison": f.clip}, bad={"comparison": "result"}),
        S("viz.SurfaceView", {"ax": ax}, n_lines=3, bad={"ax": "figure", "n_lines": "count"}),
        S("viz.contour_levels", {"values": np.linspace(0.1, 5, 12).reshape(3, 4)}, n_levels=5,
            bad={"values": "array", "n_levels": "count"},
            accept={"values": ["ndim", "nan"]}),  # any grid; levels span its finite values
        S("viz.plot_surface", {"surface": f.surface}, note="", ax=ax,
            bad={"surface": "result", "trajectories": [("str", "abc"), ("int", 3)], "note": [("int", 3)],
                "ax": "axes"}),
        S("viz.UpdateRatioView", {"fig": plt.figure()}, layer_names=["a", "b"],
            bad={"fig": "figure", "layer_names": [("int", 3), ("None", None), ("empty", [])]}),
        S("viz.plot_update_ratios", {"watched": f.watched}, bad={"watched": "result"}),
        # panels (Lab 06)
        S("panels.RegimesPanel", lr=0.03, optimizer="sgd", random_state=0, epochs=3,
            bad={"lr": "pos", "optimizer": "choice", "random_state": "seed", "epochs": "count"}),
        S("panels.SurfacePanel", {"surface": "quadratic"}, lr=None, momentum=0.9, condition=10.0, steps=5,
            rules=None, show=None,
            bad={"surface": "choice", "lr": "pos", "momentum": "frac", "condition": "pos", "steps": "count",
                "rules": [("str", "abc"), ("int", 3)], "show": [("str", "abc"), ("unknown", ["nope"])]},
            accept={"lr": ["None"]}),
        S("panels.UpdateRatioPanel", lr=0.05, optimizer="sgd", epochs=1, batch_size=8, width=4, depth=1,
            data=f.sine, random_state=0,
            bad={"lr": "pos", "optimizer": "choice", "epochs": "count", "batch_size": "count",
                "width": "count", "depth": "count0", "data": [("str", "abc"), ("one", (X2,))],
                "random_state": "seed"}),
    ]


SKIPPED_BY_HAND = {
    "gradients.finite_differences": "a building block of check_gradients: its arguments (picks, value) are "
    "made there, not by learners",
    "gradients.find_kinks": "same: called by check_gradients with its own intermediate results",
    **{f"optimization.{name}": "an update rule w, g, state, lr, momentum -> w, run thousands of times by "
       "trajectory, which checks lr and momentum (a learner writes one and passes it as rule)"
       for name in ("sgd_step", "momentum_step", "nesterov_step", "adam_step", "rmsprop_step")},
}

# valid calls measured at 2.3..4 s even at the sizes given: skipped by name so the figures do not
# depend on this machine's speed (a valid call over SLOW is skipped too, and listed)
SLOW_BY_NAME = {
    "gradients.compare_with_torch": "torch.autograd.gradcheck checks every parameter",
    "debugging.catch_matrix": "runs the doctor on a buggy and a fixed set-up",
    "panels.BiasVariancePanel": "runs a sweep as it opens",
    "panels.MonitorPanel": "measures a 256-sample net as it opens",
}


def uncovered(specs) -> list[str]:
    """Public functions and classes on the faces that no spec tries: new ones, or result records."""
    import dataclasses
    import inspect

    tried = {spec.name for spec in specs} | set(SKIPPED_BY_HAND)
    left, records = [], 0
    for face, module in FACES.items():
        for name in getattr(module, "__all__", [n for n in dir(module) if not n.startswith("_")]):
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if not obj.__module__.startswith("labkit"):
                continue
            if f"{face}.{name}" in tried:
                continue
            if dataclasses.is_dataclass(obj) or (inspect.isclass(obj) and issubclass(obj, tuple)):
                records += 1  # a result record (History, Split, Diagnosis...): returned, not passed in
                continue
            if face != "arguments" and obj.__module__ == "labkit.arguments":
                continue  # a re-export of an argument check, tried as arguments.*
            left.append(f"{face}.{name}")
    return left, records


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout


def call(spec, args, kwargs):
    """Call and drain: a generator gives its first item, a context manager is entered and left."""
    threads = torch.get_num_threads()
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT)
    try:
        quiet = contextlib.redirect_stdout(DEVNULL), contextlib.redirect_stderr(DEVNULL)
        with warnings.catch_warnings(), quiet[0], quiet[1]:
            warnings.simplefilter("ignore")
            result = spec.fn(*args, **kwargs)
            if isinstance(result, types.GeneratorType):
                next(result, None)
            elif isinstance(result, contextlib.AbstractContextManager) and hasattr(result, "gen"):
                with result:
                    pass
        return result
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        torch.set_num_threads(threads)


def bad_values(spec, arg, valid):
    kind = spec.bad[arg]
    if isinstance(kind, list):
        return kind
    if kind == "array":
        return array_bads(valid)
    return KINDS[kind]


def current(spec, arg):
    for name, value in spec.args:
        if name == arg:
            return value
    return spec.kwargs.get(arg)


def substituted(spec, arg, value):
    args = [value if name == arg else v for name, v in spec.args]
    kwargs = dict(spec.kwargs)
    if arg not in {name for name, _ in spec.args}:
        kwargs[arg] = value
    return args, kwargs


def short(value) -> str:
    """A value as one short line: arrays by their shape, tuples of arrays item by item."""
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return f"<{type(value).__name__} shape {tuple(value.shape)}>"
    if isinstance(value, tuple):
        return "(" + ", ".join(short(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)[:60]


def describe(spec, arg, label, value):
    return f"{spec.name}({arg}={short(value)})  [{label}]"


def classify(spec, arg, args, kwargs):
    """Return (category, message)."""
    start = time.perf_counter()
    try:
        call(spec, args, kwargs)
    except Timeout:
        return "silent", f"still running after {TIMEOUT:.0f} s"
    except (TypeError, ValueError) as error:
        message = str(error)
        name = spec.names.get(arg, arg)
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message):
            return "clear", message
        return "unclear", f"{type(error).__name__}: {message}"
    except Exception as error:  # noqa: BLE001 - classifying any exception is the point here
        return "unclear", f"{type(error).__name__}: {error}"
    return "silent", f"returned after {time.perf_counter() - start:.2f} s"


def main(verbose=False, only=None):
    """Try every spec; ``only`` (name prefixes such as ("optimization.",)) tries just those."""
    with contextlib.redirect_stderr(DEVNULL):  # the tiny sweeps' progress bars
        specs = build_specs() + lab06_specs()
    tally = {"clear": [], "accepted": [], "unclear": [], "silent": []}
    skipped, broken, callables = [], [], 0
    for spec in specs:
        if only and not spec.name.startswith(only):
            continue
        callables += 1
        if spec.name in SLOW_BY_NAME:
            skipped.append(f"{spec.name}: {SLOW_BY_NAME[spec.name]}")
            continue
        args = [v for _, v in spec.args]
        start = time.perf_counter()
        try:
            call(spec, args, spec.kwargs)
        except Timeout:
            skipped.append(f"{spec.name}: valid call ran over {TIMEOUT:.0f} s")
            continue
        except Exception as error:  # noqa: BLE001
            broken.append(f"{spec.name}: the valid call failed: {type(error).__name__}: {error}")
            continue
        spec.time = time.perf_counter() - start
        if spec.time > SLOW:
            skipped.append(f"{spec.name}: valid call took {spec.time:.1f} s")
            continue
        for arg in spec.bad:
            for label, value in bad_values(spec, arg, current(spec, arg)):
                where = describe(spec, arg, label, value)
                if label in spec.accept.get(arg, ()):
                    tally["accepted"].append((where, ""))
                    continue
                category, message = classify(spec, arg, *substituted(spec, arg, value))
                tally[category].append((where, message))
        plt.close("all")
    tried = sum(len(v) for k, v in tally.items() if k != "accepted")
    print(f"callables with a valid call: {callables - len(skipped) - len(broken)} of {callables} "
          f"(+{len(SKIPPED_BY_HAND)} skipped by hand)")
    for line in skipped:
        print(f"  skipped (slow): {line}")
    for name, why in SKIPPED_BY_HAND.items():
        print(f"  skipped: {name}: {why}")
    for line in broken:
        print(f"  BROKEN SPEC: {line}")
    left, records = uncovered(specs)
    print(f"  not tried: {records} result records (dataclasses the functions return)")
    if left:
        print(f"  not tried, no spec yet: {', '.join(left)}")
    if verbose:
        print("\nclear:")
        for where, message in tally["clear"]:
            print(f"  {where}\n      {message[:160]}")
    print("\nunclear:")
    for where, message in tally["unclear"]:
        print(f"  {where}\n      {message[:200]}")
    print("\nsilent:")
    for where, message in tally["silent"]:
        print(f"  {where}  ({message})")
    print(f"\nbad inputs tried: {tried}")
    print(f"  clear:              {len(tally['clear'])}")
    print(f"  unclear:            {len(tally['unclear'])}")
    print(f"  silent:             {len(tally['silent'])}")
    print(f"accepted by design (not counted): {len(tally['accepted'])}")


if __name__ == "__main__":
    flags = [a for a in sys.argv[1:] if a.startswith("-")]
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    main(verbose="-v" in flags, only=tuple(names) or None)
