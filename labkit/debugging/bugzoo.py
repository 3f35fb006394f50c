"""A zoo of buggy training set-ups from the seeds' bug lists, each with its fixed twin.

Every bug trains without an exception, which is the point: nothing crashes, the loss
may even go down, and the model is still wrong. ``bug.setup(fixed=False)`` returns a
:class:`Setup` with what :func:`labkit.debugging.doctor.doctor` needs (``setup.doctor()`` runs
it); ``bug.train()`` trains it and returns a :class:`labkit.history.History` (one entry
per step). :func:`catch_matrix` runs the doctor on every bug and every fix and tells
which check caught what. The buggy line is marked ``# BUG`` in each builder below.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
import warnings
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from labkit.arguments import check_bool, check_int
from labkit.debugging.checklist import CHECKS
from labkit.debugging.doctor import doctor, standard_step
from labkit.history import History
from labkit.models import MLP
from labkit.train import evaluating

__all__ = ["Setup", "Bug", "BUGS", "get_bug", "CatchMatrix", "catch_matrix"]

_SEED_002 = "Hincapie-Potes, 'The Arcane Arts of Training Neural Nets'"
_SEED_004 = "Cross Validated, 'What should I do when my neural network doesn't learn?'"


@dataclasses.dataclass
class Setup:
    """What a training run is made of; ``X_test``/``y_test`` are held out for ``Bug.train``."""

    model: nn.Module
    X: torch.Tensor
    y: torch.Tensor
    loss_fn: Callable
    task: str
    optimizer_fn: Callable | None = None
    step_fn: Callable | None = None
    preprocess: Callable | None = None
    X_test: torch.Tensor | None = None
    y_test: torch.Tensor | None = None

    def doctor_kwargs(self) -> dict:
        return {"model": self.model, "X": self.X, "y": self.y, "loss_fn": self.loss_fn, "task": self.task,
                "optimizer_fn": self.optimizer_fn, "step_fn": self.step_fn, "preprocess": self.preprocess}

    def doctor(self, **options):
        """:func:`labkit.debugging.doctor.doctor` on this set-up."""
        return doctor(**self.doctor_kwargs(), **options)


@dataclasses.dataclass(frozen=True)
class Bug:
    """One bug: what it is, where the seeds list it, and the doctor checks built to catch it.

    Other checks may fail too (a NaN spoils most of them): :func:`catch_matrix` shows all.
    """

    name: str
    description: str
    source: str
    caught_by: tuple[str, ...]
    build: Callable = dataclasses.field(repr=False)  # build(fixed, rng) -> Setup

    def setup(self, *, fixed=False, random_state=0) -> Setup:
        """The buggy set-up, or with ``fixed=True`` the corrected one; same data and weights for a seed."""
        fixed = check_bool("fixed", fixed)
        seed = check_int("random_state", random_state, min_value=0)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return self.build(fixed, np.random.default_rng(seed))

    def train(self, *, fixed=False, steps=200, random_state=0) -> History:
        """Train the set-up full-batch for ``steps`` steps with its own optimizer and step; never raises.

        One epoch is one step: the History's train loss is the step's own loss, its train
        and val (held-out) metrics are measured after the step, in eval mode.
        """
        steps = check_int("steps", steps, min_value=1)
        s = self.setup(fixed=fixed, random_state=random_state)
        classify = s.task == "classification"
        optimizer = (s.optimizer_fn or _adam)(s.model)
        history = History(metric_name="accuracy" if classify else "rmse")
        with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Using a target size")  # the broadcasting bug
            torch.manual_seed(random_state)
            for _ in range(steps):
                start = time.perf_counter()
                history.lr.append(optimizer.param_groups[0]["lr"])
                history.step_lr.append(history.lr[-1])
                loss = (s.step_fn or standard_step)(s.model, optimizer, s.X, s.y, s.loss_fn)
                loss = float(loss.detach() if isinstance(loss, torch.Tensor) else loss)
                history.step_loss.append(loss)
                train_metric = _scores(s.model, s.X, s.y, s.loss_fn, classify)[1]
                val_loss = val_metric = None
                if s.X_test is not None:
                    val_loss, val_metric = _scores(s.model, s.X_test, s.y_test, s.loss_fn, classify)
                history.add_epoch(train_loss=loss, train_metric=train_metric, val_loss=val_loss,
                                  val_metric=val_metric)
                history.seconds += time.perf_counter() - start
                if history.diverged_at is not None:
                    break
        history.stop_reason = "completed" if history.diverged_at is None else "diverged"
        return history


def _adam(model):
    return torch.optim.Adam(model.parameters(), lr=1e-2)


def _scores(model, X, y, loss_fn, classify) -> tuple[float, float]:
    """(loss, metric) from one eval-mode pass: the set-up's loss; accuracy, or RMSE over matching shapes."""
    with evaluating(model):
        out = model(X)
        loss = float(loss_fn(out, y))
    if classify:
        return loss, (out.argmax(1) == y).double().mean().item()
    return loss, (out.reshape(-1) - y.reshape(-1)).pow(2).mean().sqrt().item()


# ---------------------------------------------------------------- data and models

def _blobs(rng, n=96):
    """Three Gaussian blobs in 2-D, standardized: (X float32 (n, 2), y int64 (n,))."""
    centers = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 3.0]])
    y = rng.integers(0, 3, n)
    X = centers[y] + rng.normal(0.0, 0.6, (n, 2))
    X = (X - X.mean(0)) / X.std(0)
    return torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.int64)


def _wave(rng, n=96):
    """y = sin(2 x0) + x1 / 2 on standard normal inputs: (X float32 (n, 2), y float32 (n, 1))."""
    X = rng.normal(size=(n, 2))
    y = np.sin(2 * X[:, :1]) + X[:, 1:] / 2
    return torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)


def _mlp(out=3):
    return MLP(2, out, width=32, depth=2)


class _Head(nn.Module):
    """An MLP followed by an output transform (softmax, log_softmax or dropout on the hidden layer)."""

    def __init__(self, kind: str, out: int = 3):
        super().__init__()
        self.kind, self.body = kind, _mlp(out)

    def forward(self, x):
        logits = self.body(x)
        if self.kind == "softmax":
            return torch.softmax(logits, dim=1)  # BUG: CrossEntropyLoss applies log_softmax itself
        if self.kind == "log_softmax_dim0":
            return torch.log_softmax(logits, dim=0)  # BUG: normalizes over the batch, not the classes
        if self.kind == "log_softmax":
            return torch.log_softmax(logits, dim=1)
        return logits


class _DropoutNet(nn.Module):
    def __init__(self, fixed: bool):
        super().__init__()
        self.fixed, self.hidden, self.output = fixed, nn.Linear(2, 64), nn.Linear(64, 3)

    def forward(self, x):
        h = torch.relu(self.hidden(x))
        if self.fixed:
            h = F.dropout(h, 0.2, training=self.training)
        else:
            h = F.dropout(h, 0.2)  # BUG: training=True by default, so eval() leaves it on
        return self.output(h)


class _CopyPasteNet(nn.Module):
    """Three hidden layers; the buggy forward overwrites a variable, so one layer's output is never used."""

    def __init__(self, fixed: bool):
        super().__init__()
        self.fixed = fixed
        self.layer1, self.layer2, self.layer3 = nn.Linear(2, 32), nn.Linear(32, 32), nn.Linear(32, 32)
        self.output = nn.Linear(32, 3)

    def forward(self, x):
        h1 = torch.relu(self.layer1(x))
        h2 = torch.relu(self.layer2(h1))
        h3 = torch.relu(self.layer3(h2 if self.fixed else h1))  # BUG: h1 pasted where h2 belongs
        return self.output(h3)


# ---------------------------------------------------------------- the bugs

def _forgot_zero_grad(fixed, rng):
    def step(model, optimizer, X, y, loss_fn):
        if fixed:
            optimizer.zero_grad()
        # BUG (when not fixed): no zero_grad, so each backward adds to the old gradients
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return loss

    X, y = _blobs(rng)
    return Setup(_mlp(), X, y, F.cross_entropy, "classification", step_fn=step)


def _softmax_wrong_dim(fixed, rng):
    X, y = _blobs(rng)
    return Setup(_Head("log_softmax" if fixed else "log_softmax_dim0"), X, y, F.nll_loss, "classification")


def _softmax_into_cross_entropy(fixed, rng):
    X, y = _blobs(rng)
    return Setup(_Head("logits" if fixed else "softmax"), X, y, nn.CrossEntropyLoss(), "classification")


def _labels_shuffled(fixed, rng):
    X, y = _blobs(rng, n=192)
    order = rng.permutation(len(X))
    label_order = order if fixed else rng.permutation(len(X))  # BUG: a second, independent shuffle
    X, y = X[order], y[label_order]
    return Setup(_mlp(), X[:96], y[:96], F.cross_entropy, "classification", X_test=X[96:], y_test=y[96:])


def _broadcast(fixed, rng):
    X, y = _wave(rng)
    y = y if fixed else y[:, 0]  # BUG: targets (N,) against outputs (N, 1) broadcast to (N, N)
    return Setup(_mlp(1), X, y, F.mse_loss, "regression")


def _dropout_at_test(fixed, rng):
    X, y = _blobs(rng)
    return Setup(_DropoutNet(fixed), X, y, F.cross_entropy, "classification")


def _minimize_negative(fixed, rng):
    X, y = _blobs(rng)
    loss = F.cross_entropy if fixed else (lambda out, target: -F.cross_entropy(out, target))  # BUG: -L
    return Setup(_mlp(), X, y, loss, "classification")


def _overwritten_layer(fixed, rng):
    X, y = _blobs(rng)
    return Setup(_CopyPasteNet(fixed), X, y, F.cross_entropy, "classification")


def _test_scaled_own_stats(fixed, rng):
    raw = rng.normal([50.0, -20.0], [10.0, 4.0], size=(192, 2))
    y = (raw[:, 0] - 50) / 10 + np.sin((raw[:, 1] + 20) / 2)

    def preprocess(train, test):
        mean, std = train.mean(0), train.std(0)
        if fixed:
            return (train - mean) / std, (test - mean) / std
        return (train - mean) / std, (test - test.mean(0)) / test.std(0)  # BUG: the test set's own statistics

    order = np.argsort(raw[:, 0])  # a test set unlike the training set makes the bug visible in train()
    train, test = order[::2][:96], np.concatenate([order[1::2][48:], order[::2][96:]])
    X_train, X_test = preprocess(raw[train], raw[test])
    as_tensor = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
    return Setup(_mlp(1), as_tensor(X_train), as_tensor(y[train, None]), F.mse_loss, "regression",
                 preprocess=preprocess, X_test=as_tensor(X_test), y_test=as_tensor(y[test, None]))


def _optimizer_wrong_params(fixed, rng):
    X, y = _blobs(rng)

    def optimizer_fn(model):
        # BUG (when not fixed): the optimizer gets the parameters of an earlier instance of the model
        return torch.optim.Adam((model if fixed else copy.deepcopy(model)).parameters(), lr=1e-2)

    return Setup(_mlp(), X, y, F.cross_entropy, "classification", optimizer_fn=optimizer_fn)


def _unscaled_inputs(fixed, rng):
    X, y = _blobs(rng)
    if not fixed:
        X = X * torch.tensor([300.0, 2.0]) + torch.tensor([1000.0, 50.0])  # BUG: raw units, not standardized
    return Setup(_mlp(), X, y, F.cross_entropy, "classification")


def _nan_in_inputs(fixed, rng):
    X, y = _blobs(rng)
    if not fixed:
        X[7, 1] = math.nan  # BUG: one missing value, never imputed
    return Setup(_mlp(), X, y, F.cross_entropy, "classification")


def _lr_too_high(fixed, rng):
    X, y = _wave(rng)
    lr = 1e-2 if fixed else 3.0  # BUG: three hundred times too large for Adam
    return Setup(_mlp(1), X, y, F.mse_loss, "regression",
                 optimizer_fn=lambda model: torch.optim.Adam(model.parameters(), lr=lr))


def _bad_init(fixed, rng):
    X, y = _blobs(rng)
    model = _mlp()
    if not fixed:
        with torch.no_grad():
            for p in model.parameters():
                p.normal_(0.0, 3.0)  # BUG: weights far too large: std 3 whatever the fan-in
    return Setup(model, X, y, F.cross_entropy, "classification")


BUGS: dict[str, Bug] = {bug.name: bug for bug in (
    Bug("forgot_zero_grad", "The step never calls optimizer.zero_grad(), so gradients pile up step after "
        "step.", f"{_SEED_002}: 'Forgot model.zero_grad()'", ("grads_reset",), _forgot_zero_grad),
    Bug("softmax_wrong_dim", "log_softmax over dim 0 (the batch) instead of dim 1 (the classes).",
        f"{_SEED_002}: 'Softmax taken over wrong dimension'", ("batch_independent", "logits", "init_loss"),
        _softmax_wrong_dim),
    Bug("softmax_into_cross_entropy", "The model ends in softmax, then CrossEntropyLoss applies log_softmax "
        "again.", f"{_SEED_002}: 'Softmaxed outputs to a loss that expects logits'", ("logits",),
        _softmax_into_cross_entropy),
    Bug("labels_shuffled", "X and y shuffled with two different permutations: labels no longer match.",
        f"{_SEED_004}: 'Shuffling the labels independently from the samples'", ("labels_signal",),
        _labels_shuffled),
    Bug("broadcast_n_vs_n1", "Targets (N,) against outputs (N, 1): the loss compares all N x N pairs.",
        f"{_SEED_002}: 'Accidental broadcasting: x.shape = (None,), y.shape = (None, 1)'", ("shapes",),
        _broadcast),
    Bug("dropout_at_test", "F.dropout(h, 0.2) in forward: its training argument defaults to True, so eval() "
        "does not turn it off.", f"{_SEED_004}: 'Dropout is used during testing, instead of only being used "
        "for training'", ("eval_repeatable",), _dropout_at_test),
    Bug("minimize_negative_loss", "The loss is -cross_entropy: the optimizer makes the model as wrong as it "
        "can.", f"{_SEED_004}: 'Make sure you're minimizing the loss function L(x), instead of minimizing "
        "-L(x)'", ("init_loss", "overfit_batch"), _minimize_negative),
    Bug("overwritten_layer", "A copy-pasted line feeds layer 3 with layer 1's output: layer 2 is created but "
        "never used.", f"{_SEED_004}: 'Variables are created but never used (usually because of copy-paste "
        "errors)'", ("grads_reach", "params_change"), _overwritten_layer),
    Bug("test_scaled_own_stats", "The test set is standardized with its own mean and std, not the training "
        "set's.", f"{_SEED_004}: 'Scaling the testing data using the statistics of the test partition "
        "instead of the train partition'", ("preprocess",), _test_scaled_own_stats),
    Bug("optimizer_wrong_params", "The optimizer holds the parameters of an earlier instance of the model, "
        "so the model being trained never changes.", f"{_SEED_004}: 'Weight updates are not applied'",
        ("params_change", "overfit_batch"), _optimizer_wrong_params),
    Bug("unscaled_inputs", "Features in raw units (around 1000 and 50) fed to the network unscaled.",
        f"{_SEED_004}: 'For the love of all that is good, scale your data'; {_SEED_002}: 'Normalize inputs'",
        ("input_scale",), _unscaled_inputs),
    Bug("nan_in_inputs", "One missing value (NaN) in X: every output and the loss become NaN.",
        f"{_SEED_004}: 'NA or NaN or Inf values in your data creating NA or NaN or Inf values in the "
        f"output'; {_SEED_002}: 'Numerical instability - inf/NaN'", ("finite",), _nan_in_inputs),
    Bug("lr_too_high", "Adam with lr=3: the loss on one small batch goes up instead of down.",
        f"{_SEED_002}: 'If error goes up: Learning rate too high'", ("overfit_batch",), _lr_too_high),
    Bug("bad_init", "Every weight drawn from N(0, 3^2) whatever the layer size: huge logits at the start.",
        f"{_SEED_002}: 'Wrong initialization'; {_SEED_004}: 'Initialization over too-large an interval can "
        "set initial weights too large'", ("init_loss",), _bad_init),
)}


def get_bug(name: str) -> Bug:
    """The bug called ``name`` (one of :data:`BUGS`)."""
    if name not in BUGS:
        raise ValueError(f"name must be one of {', '.join(repr(n) for n in BUGS)}; got {name!r}")
    return BUGS[name]


@dataclasses.dataclass(repr=False)
class CatchMatrix:
    """Doctor statuses per bug: ``buggy[bug][check]``, ``fixed[bug][check]`` are "pass", "fail" or "skip"."""

    buggy: dict[str, dict[str, str]]
    fixed: dict[str, dict[str, str]]

    def caught_by(self, bug: str) -> list[str]:
        return [check for check, status in self.buggy[bug].items() if status == "fail"]

    def false_alarms(self, bug: str) -> list[str]:
        return [check for check, status in self.fixed[bug].items() if status == "fail"]

    def __repr__(self) -> str:
        width = max(len(name) for name in self.buggy)
        lines = [f"{'bug':<{width}}  caught by (checks failing on the buggy set-up; fixed set-up)"]
        for name in self.buggy:
            alarms = self.false_alarms(name)
            fixed = "fixed: all pass" if not alarms else f"fixed: fails {', '.join(alarms)}"
            lines.append(f"{name:<{width}}  {', '.join(self.caught_by(name)) or 'NOT CAUGHT'}; {fixed}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        marks = {"fail": "**caught**", "pass": ".", "skip": "skip"}
        lines = ["| bug | " + " | ".join(CHECKS) + " |", "|---" * (len(CHECKS) + 1) + "|"]
        lines += [f"| {bug} | " + " | ".join(marks[row[c]] for c in CHECKS) + " |"
                  for bug, row in self.buggy.items()]
        return "\n".join(lines)


def catch_matrix(names=None, *, random_state=0) -> CatchMatrix:
    """Run the doctor on each bug (all of :data:`BUGS` when ``names`` is None) and on its fix."""
    if isinstance(names, str):
        raise TypeError(f"names must be a list of bug names or None, got the string {names!r}")
    names = list(BUGS) if names is None else [get_bug(n).name for n in names]
    buggy, fixed = {}, {}
    for name in names:
        for fix, table in ((False, buggy), (True, fixed)):
            report = BUGS[name].setup(fixed=fix, random_state=random_state).doctor(random_state=random_state)
            table[name] = {check.name: check.status for check in report.checks}
    return CatchMatrix(buggy, fixed)
