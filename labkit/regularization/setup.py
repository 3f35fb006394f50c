"""The one overfitting set-up every regularizer of Lab 07 is tried on, and one training run on it.

A too-wide MLP (64 -> 128 -> 128 -> 10) on 15 digits per class, a fifth of whose labels
are wrong (``label_noise=0.2``; validation labels are clean): it learns the training set
perfectly, wrong labels included, and the validation error sits far above, the gap that
each regularizer then tries to close. On clean labels (``label_noise=0``) the same network
overfits too, but mildly: the penalties then barely move the validation error, while more
data and augmentation still do (the benchmark prints both). Memorized random labels are
Zhang et al. (2017)'s demonstration of how much a wide network can fit.

Every measurement in :mod:`labkit.regularization` trains
through :func:`train_run` on an :class:`OverfitSetup`, from the same initial weights, so
their numbers compare. Sources: Lusch's list of remedies for overfitting (more data,
L1/L2, dropout, early stopping) and the Cross Validated answer's "switch regularization
off, then add it back one piece at a time".
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import torch

from labkit.arguments import check_float, check_int, check_random_state
from labkit.data import load_digits
from labkit.models import MLP
from labkit.runtime import seeded
from labkit.train import evaluate, fit

__all__ = ["OverfitSetup", "overfit_setup", "RegRun", "train_run", "build_model", "runs_table"]


@dataclasses.dataclass(frozen=True, eq=False)
class OverfitSetup:
    """Data and network of the shared set-up: float X (N, 64) or images (N, 1, 8, 8), int labels (N,).

    ``X_pool, y_pool`` hold further training digits (disjoint from validation) for the
    "more data" runs: ``train_run(setup, n_train=k)`` takes the first k of train + pool.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_pool: np.ndarray
    y_pool: np.ndarray
    width: int = 128
    depth: int = 2
    epochs: int = 200
    lr: float = 1e-3
    seed: int = 0
    label_noise: float = 0.0

    @property
    def n_features(self) -> int:
        return int(np.prod(self.X_train.shape[1:]))

    def __repr__(self) -> str:
        return (f"OverfitSetup(train={len(self.X_train)}, val={len(self.X_val)}, pool={len(self.X_pool)}, "
                f"MLP {self.n_features}-{self.width}x{self.depth}-10, {self.epochs} epochs, "
                f"Adam lr={self.lr:g}, label noise {self.label_noise:g})")


def _stratified(y: np.ndarray, per_class: int, order: np.ndarray) -> np.ndarray:
    """The first ``per_class`` indices of each class in ``order``, interleaved class by class."""
    chosen = [order[y[order] == c][:per_class] for c in np.unique(y)]
    return np.stack(chosen, axis=1).reshape(-1)  # (per_class * C,): 0,1,..,9,0,1,.. so prefixes are balanced


def overfit_setup(*, per_class: int = 15, n_val: int = 600, width: int = 128, depth: int = 2,
                  epochs: int = 200, lr: float = 1e-3, label_noise: float = 0.2, images: bool = False,
                  random_state=0) -> OverfitSetup:
    """The shared set-up: ``per_class`` training digits per class, ``n_val`` for validation, a pool.

    The pool holds 60 more training digits per class, for the runs with more data.
    ``label_noise`` is the fraction of training and pool labels replaced by another digit
    (drawn at random); validation labels stay clean.

    ``images=True`` keeps the digits as (N, 1, 8, 8) for augmentation (the MLP flattens them
    in :func:`build_model`). Raises ValueError/TypeError naming a bad argument.
    """
    per_class = check_int("per_class", per_class, min_value=1, max_value=100)
    n_val = check_int("n_val", n_val, min_value=10, max_value=700)
    rng = check_random_state("random_state", random_state)
    X, y = load_digits(images=images)
    order = rng.permutation(len(X))
    val, rest = order[:n_val], order[n_val:]
    train_pool = _stratified(y, per_class + 60, rest)  # balanced prefixes of any size up to 70 per class
    train, pool = train_pool[:per_class * 10], train_pool[per_class * 10:]
    label_noise = check_float("label_noise", label_noise, min_value=0.0, max_value=0.9)
    y_noisy = y.copy()
    flip = train_pool[rng.random(len(train_pool)) < label_noise]
    y_noisy[flip] = (y[flip] + rng.integers(1, 10, size=len(flip))) % 10  # always another digit
    sizes = {"width": check_int("width", width, min_value=1), "depth": check_int("depth", depth, min_value=1),
             "epochs": check_int("epochs", epochs, min_value=1)}
    return OverfitSetup(X[train], y_noisy[train], X[val], y[val], X[pool], y_noisy[pool], **sizes,
                        lr=check_float("lr", lr, min_value=0.0, strict_min=True),
                        seed=int(rng.integers(2**31)), label_noise=label_noise)


class _Flat(torch.nn.Module):
    """An MLP that takes images (N, 1, 8, 8) or rows (N, 64); ``mlp`` is the :class:`~labkit.models.MLP`."""

    def __init__(self, mlp: MLP):
        super().__init__()
        self.mlp = mlp

    def forward(self, x):
        return self.mlp(x.reshape(len(x), -1))


def build_model(setup: OverfitSetup, *, width=None, dropout=0.0, batch_norm=False) -> torch.nn.Module:
    """The set-up's network (an MLP taking flat or image digits), from the set-up's seed.

    Equal seeds give equal initial weights, whatever regularizer the run adds after.
    """
    with seeded(setup.seed):
        mlp = MLP(setup.n_features, 10, width=setup.width if width is None else width, depth=setup.depth,
                  dropout=dropout, batch_norm=batch_norm)
    return _Flat(mlp)


@dataclasses.dataclass(frozen=True, eq=False)
class RegRun:
    """One run on the set-up: errors (1 - accuracy) and losses measured in eval mode after training.

    ``gap`` = val error - train error. ``label`` names the run, ``settings`` its regularizers.
    """

    label: str
    settings: dict
    train_error: float
    val_error: float
    train_loss: float
    val_loss: float
    n_train: int
    seconds: float
    history: object = dataclasses.field(repr=False)
    model: torch.nn.Module = dataclasses.field(repr=False)

    @property
    def gap(self) -> float:
        return self.val_error - self.train_error

    def row(self) -> str:
        errors = (100 * self.train_error, 100 * self.val_error, 100 * self.gap)
        cells = " ".join(f"{e:>8.1f}" for e in errors)
        return f"{self.label:<32.32} {self.n_train:>7} {cells} {self.seconds:>7.2f}"


def runs_table(runs) -> str:
    """The runs as a text table, errors in %: label, n_train, train, val, gap, seconds (lines < 100 chars)."""
    header = f"{'run':<32} {'n_train':>7} {'train %':>8} {'val %':>8} {'gap %':>8} {'seconds':>7}"
    return "\n".join([header] + [r.row() for r in runs])


def _training_data(setup: OverfitSetup, n_train):
    if n_train is None:
        return setup.X_train, setup.y_train
    most = len(setup.X_train) + len(setup.X_pool)
    n_train = check_int("n_train", n_train, min_value=10, max_value=most)
    X = np.concatenate([setup.X_train, setup.X_pool])[:n_train]
    return X, np.concatenate([setup.y_train, setup.y_pool])[:n_train]


def train_run(setup: OverfitSetup, *, label: str = "", l2: float = 0.0, l1: float = 0.0, dropout: float = 0.0,
              batch_norm: bool = False, early_stopping: int | None = None, augment=None, n_train=None,
              width=None, epochs=None, train=None, on_step=None) -> RegRun:
    """Train the set-up's network with the given regularizers; return a :class:`RegRun`.

    ``l2`` is Adam's weight decay, ``l1`` the penalty ``l1 * sum |w|``, ``early_stopping`` the
    patience (best weights restored), ``augment`` a batch transform for :func:`labkit.train.fit`.
    ``n_train`` takes more training digits from the pool; ``train`` = (X, y) replaces the
    training data outright (e.g. augmented copies). Raises as :func:`labkit.train.fit` does.
    """
    X, y = _training_data(setup, n_train) if train is None else train
    model = build_model(setup, width=width, dropout=dropout, batch_norm=batch_norm)
    start = time.perf_counter()
    history = fit(model, (X, y), (setup.X_val, setup.y_val),
                  epochs=setup.epochs if epochs is None else check_int("epochs", epochs, min_value=1),
                  lr=setup.lr, weight_decay=l2, l1=l1, early_stopping=early_stopping, augment=augment,
                  on_step=on_step, random_state=setup.seed)
    seconds = time.perf_counter() - start
    train_loss, train_acc = evaluate(model, (X, y))
    val_loss, val_acc = evaluate(model, (setup.X_val, setup.y_val))
    settings = {"l2": l2, "l1": l1, "dropout": dropout, "batch_norm": batch_norm,
                "early_stopping": early_stopping, "augment": augment is not None, "width": width}
    return RegRun(label, settings, 1 - train_acc, 1 - val_acc, train_loss, val_loss, len(X), seconds, history,
                  model)
