"""Step 3 of the recipe: start simple with sensible defaults, overfit one batch, then scale up.

Hincapie-Potes' defaults: Adam at 3e-4, ReLU with He initialization, normalized inputs
("normalize inputs", subtract the mean and divide by the std), no regularization at first;
then "overfit a single batch" before anything else: a network that cannot drive one batch's
loss to about zero has a bug, and more data will not fix it. Lazzaretti (after Goodfellow et
al.): Adam, batch normalization for convolutional networks, copy a known architecture. The
networks are :class:`labkit.models.MLP` and :class:`labkit.models.SmallCNN`, trained by
:func:`labkit.train.fit`; a run can be recorded in a :class:`labkit.logbook.Logbook`.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import torch
from torch import nn

from labkit.arguments import check_bool, check_choice, check_float, check_int, to_numpy
from labkit.history import History
from labkit.logbook import check_logbook
from labkit.models import MLP, SmallCNN
from labkit.recipe.digits import DigitsSplit, Normalizer, RawPixels
from labkit.recipe.table import ResultsTable
from labkit.runtime import seeded, torch_seed
from labkit.train import fit, predict

__all__ = ["DEFAULTS", "NETWORKS", "make_network", "NetworkRun", "train_network",
           "OverfitCheck", "overfit_one_batch"]

NETWORKS = ("mlp", "cnn")
DEFAULTS = {"optimizer": "adam", "lr": 3e-4, "batch_size": 32, "activation": "relu", "init": "He (kaiming)"}


def make_network(kind: str, n_classes: int = 10, *, width: int = 128, channels: int = 16,
                 dropout: float = 0.0, random_state=0) -> nn.Module:
    """A fresh He-initialized "mlp" (64 -> width -> width -> classes) or "cnn" (SmallCNN, batch norm).

    ``dropout``: the probability of zeroing a hidden unit (MLP) or a feature before the
    classifier (CNN) in training. The same ``random_state`` gives the same weights; torch's
    global generator is left as it was.
    """
    kind = check_choice("kind", kind, NETWORKS)
    with seeded(random_state):
        if kind == "mlp":
            return MLP(64, n_classes, width=width, depth=2, activation="relu", init="kaiming",
                       dropout=dropout)
        return SmallCNN(n_classes, channels=channels, dropout=dropout, init="kaiming")


def inputs(model: nn.Module, X, normalizer: Normalizer) -> np.ndarray:
    """Normalized float32 inputs shaped for ``model``: (n, 64) for an MLP, (n, 1, 8, 8) otherwise."""
    X = normalizer(X)
    return X.reshape(len(X), -1) if isinstance(model, MLP) else X


@dataclasses.dataclass(eq=False)
class NetworkRun:
    """A trained network with the normalizer it was trained with, its History and accuracies."""

    name: str
    model: nn.Module
    normalizer: Normalizer
    history: History
    scores: dict

    def probabilities(self, X) -> np.ndarray:
        """Softmax class probabilities (n, n_classes) for images ``X`` (n, 1, 8, 8) in [0, 1]."""
        logits = predict(self.model, inputs(self.model, X, self.normalizer))
        return torch.softmax(torch.as_tensor(logits), dim=1).numpy()

    def accuracy(self, X, y) -> float:
        """Share of ``X`` classified as ``y`` (n,)."""
        return float((self.probabilities(X).argmax(1) == to_numpy("y", y)).mean())


def train_network(kind: str, split: DigitsSplit, *, name: str | None = None,
                  table: ResultsTable | None = None, n_classes: int = 10, epochs: int = 20,
                  lr: float = 3e-4, batch_size: int = 32, width: int = 128,
                  channels: int = 16, weight_decay: float = 0.0, dropout: float = 0.0,
                  normalize: bool = True, augment=None, random_state=0, logbook=None) -> NetworkRun:
    """Train a fresh :func:`make_network` on ``split.train`` with Adam, validating on ``split.val``.

    ``n_classes``: outputs of the network (labels must be below it).
    Inputs are normalized with the training set's mean and std (``normalize=False`` feeds the
    raw pixels in [0, 1]); ``augment`` is :func:`labkit.train.fit`'s hook (e.g.
    :func:`labkit.recipe.fixes.shift_augment`), ``dropout`` goes to :func:`make_network`. The
    run's accuracies on every part (and its seconds) go to ``table`` as row ``name`` (default
    ``kind``) when a table is given, and to ``logbook`` (kind "recipe", with the loss curves)
    when one is given.
    """
    if not isinstance(split, DigitsSplit):
        raise TypeError(f"split must be a DigitsSplit (from split_digits), got {type(split).__name__}")
    name = kind if name is None else name
    check_logbook("logbook", logbook, optional=True)  # before training, not after it
    model = make_network(kind, n_classes, width=width, channels=channels, dropout=dropout,
                         random_state=random_state)
    normalizer = Normalizer(split.X_train) if check_bool("normalize", normalize) else RawPixels()
    history = fit(model, (inputs(model, split.X_train, normalizer), split.y_train),
                  (inputs(model, split.X_val, normalizer), split.y_val), epochs=epochs, lr=lr,
                  batch_size=batch_size, weight_decay=weight_decay, augment=augment,
                  random_state=torch_seed(random_state))
    run = NetworkRun(name, model, normalizer, history, {})
    parts = ("train", "train_val", "val", "test")
    run.scores.update({part: run.accuracy(*split.part(part)) for part in parts})
    if table is not None:
        table.add(name, seconds=history.seconds, **run.scores)
    if logbook is not None:
        config = {"model": kind, "n_classes": n_classes, "width": width, "channels": channels,
                  "epochs": epochs, "lr": lr,
                  "batch_size": batch_size, "weight_decay": weight_decay, "dropout": dropout,
                  "normalize": normalize, "augment": None if augment is None else repr(augment),
                  "split": repr(split)}
        logbook.record("recipe", config, metrics={**run.scores, "seconds": history.seconds},
                       curves={"train_loss": history.train_loss, "val_loss": history.val_loss},
                       note=f"network: {name}", random_state=random_state)
    return run


@dataclasses.dataclass(frozen=True)
class OverfitCheck:
    """One batch trained on alone: the loss per step, the final accuracy on it, and whether it passed."""

    losses: list
    final_loss: float
    accuracy: float
    passed: bool


def overfit_one_batch(model: nn.Module, X, y, *, steps: int = 200, lr: float = 3e-3,
                      target_loss: float = 0.05, random_state=0) -> OverfitCheck:
    """Train a copy of ``model`` on the one batch (``X`` (n, ...) normalized, ``y`` (n,)) for ``steps`` steps.

    Passes when the final loss is below ``target_loss`` and every sample is right
    (Hincapie-Potes: "overfit a single batch"; Lazzaretti: "fit a tiny dataset"). The
    caller's model is untouched.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    steps = check_int("steps", steps, min_value=1)
    target_loss = check_float("target_loss", target_loss, min_value=0.0, strict_min=True)
    trial = copy.deepcopy(model)
    history = fit(trial, (X, y), epochs=steps, lr=lr, batch_size=None, random_state=torch_seed(random_state))
    accuracy = float((predict(trial, X, classes=True) == to_numpy("y", y)).mean())
    final = history.train_loss[-1]
    return OverfitCheck(history.train_loss, final, accuracy, bool(final < target_loss and accuracy == 1.0))

