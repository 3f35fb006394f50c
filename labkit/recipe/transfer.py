"""Step 7 of the recipe: transfer learning, four ways, against training from scratch.

Lusch's best practices list what to do with a known good network: "completely retrain on
your data", "just fine-tune on your data", "fix earlier layers (feature extraction layers)
and only retrain later layers", or "just use hyperparameters & architecture as inspiration".
Here a SmallCNN is pretrained on the digits 0-4, and the digits 5-9 are learnt from k
examples per class each way (:data:`MODES`); with few examples the borrowed features win.
Hincapie-Potes' list of common bugs adds one: "initialized your weights from a pretrained
checkpoint but didn't use the original mean" (:func:`transfer` with ``normalization="own"``
or ``"none"``).
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import torch
from torch import nn

from labkit.arguments import check_choice, check_float, check_int, check_random_state, to_numpy
from labkit.models import SmallCNN
from labkit.recipe.digits import PARTS, DigitsSplit, Normalizer, RawPixels
from labkit.recipe.networks import NetworkRun, make_network, train_network
from labkit.runtime import torch_seed
from labkit.train import fit, predict

__all__ = ["MODES", "NORMALIZATIONS", "SOURCE_DIGITS", "TARGET_DIGITS", "digits_subset", "few_shot",
           "pretrain", "transfer", "TransferCurve", "transfer_curve", "normalization_bug"]

MODES = ("scratch", "retrain", "fine-tune", "freeze")
NORMALIZATIONS = ("pretrained", "own", "none")
SOURCE_DIGITS = (0, 1, 2, 3, 4)
TARGET_DIGITS = (5, 6, 7, 8, 9)


def digits_subset(split: DigitsSplit, digits) -> DigitsSplit:
    """Every part of ``split`` kept to ``digits``, labels renumbered 0..len(digits)-1 in that order."""
    if not isinstance(split, DigitsSplit):
        raise TypeError(f"split must be a DigitsSplit (from split_digits), got {type(split).__name__}")
    digits = [check_int("digits", d, min_value=0, max_value=9) for d in digits]
    if len(set(digits)) < 2 or len(set(digits)) != len(digits):
        raise ValueError(f"digits must be at least two different digits, got {digits!r}")
    parts = {}
    for part in PARTS:
        X, y = split.part(part)
        keep = np.isin(y, digits)
        parts[f"X_{part}"] = X[keep]
        parts[f"y_{part}"] = np.searchsorted(np.array(sorted(digits)), y[keep]) if digits == sorted(digits) \
            else np.array([digits.index(v) for v in y[keep]], dtype=np.int64)
    return dataclasses.replace(split, **parts)


def few_shot(X, y, *, k: int, random_state=None):
    """``k`` examples of each class in ``y`` (n,), drawn at random: ``(X_k, y_k)``, k * n_classes rows."""
    y = to_numpy("y", y)
    k = check_int("k", k, min_value=1)
    rng = check_random_state("random_state", random_state)
    rows = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        if len(members) < k:
            raise ValueError(f"class {label} has {len(members)} examples, fewer than k={k}")
        rows.append(rng.choice(members, size=k, replace=False))
    rows = np.concatenate(rows)
    return np.asarray(X)[rows], y[rows]


def pretrain(split: DigitsSplit, *, digits=SOURCE_DIGITS, epochs: int = 20, channels: int = 16,
             random_state=0, logbook=None) -> NetworkRun:
    """A SmallCNN trained on ``digits`` only (labels renumbered), its normalizer: the "known good network"."""
    source = digits_subset(split, digits)
    return train_network("cnn", source, name="pretrained", n_classes=len(tuple(digits)), epochs=epochs,
                         channels=channels, random_state=random_state, logbook=logbook)


class _FrozenFeatures(nn.Module):
    """The pretrained convolutional blocks, fixed (no gradients, batch norm in eval mode), and a new head."""

    def __init__(self, features: nn.Module, head: nn.Module):
        super().__init__()
        self.features, self.head = features, head
        for p in self.features.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        self.features.eval()  # frozen means its batch-norm statistics stay the pretrained ones too
        return self

    def forward(self, x):  # (N, 1, 8, 8) -> (N, n_classes)
        return self.head(self.features(x))


def _start(pretrained: NetworkRun, mode: str, n_classes: int, seed: int) -> nn.Module:
    """The model a mode starts from: fresh, or the pretrained one with a new output layer."""
    channels = pretrained.model.channels
    if mode == "scratch":  # "use the architecture as inspiration": same network, fresh weights
        return make_network("cnn", n_classes, channels=channels, random_state=seed)
    model = copy.deepcopy(pretrained.model)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        head = nn.Linear(8 * channels, n_classes)
    if mode == "freeze":
        return _FrozenFeatures(model.features, nn.Sequential(nn.Flatten(), head))
    model.classifier[-1] = head
    return model


def transfer(pretrained: NetworkRun, mode: str, X, y, *, epochs: int = 100, lr: float = 1e-3,
             normalization: str = "pretrained", random_state=0):
    """Learn ``X`` (n, 1, 8, 8), ``y`` (n,) (labels 0..c-1) starting as ``mode`` says: (model, normalizer).

    Modes (Lusch): "scratch" same architecture, fresh weights; "retrain" all layers from the
    pretrained weights at ``lr``; "fine-tune" the same at ``lr / 10``; "freeze" the
    convolutional blocks fixed, only a new output layer trained. ``normalization``:
    "pretrained" scales inputs as in pretraining (right), "own" by this small set's mean and
    std, "none" not at all (the two forms of Hincapie-Potes' bug). Full-batch Adam.
    """
    if not isinstance(pretrained, NetworkRun) or not isinstance(pretrained.model, SmallCNN):
        raise TypeError("pretrained must be a NetworkRun of a SmallCNN (from pretrain), "
                        f"got {type(pretrained).__name__}")
    mode = check_choice("mode", mode, MODES)
    normalization = check_choice("normalization", normalization, NORMALIZATIONS)
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    y = to_numpy("y", y)
    seed = torch_seed(random_state)
    normalizer = {"pretrained": pretrained.normalizer, "own": Normalizer(X) if len(X) > 1 else None,
                  "none": RawPixels()}[normalization] or RawPixels()
    model = _start(pretrained, mode, int(y.max()) + 1, seed)
    fit(model, (normalizer(X), y), epochs=epochs, lr=lr / 10 if mode == "fine-tune" else lr,
        batch_size=None, random_state=seed)
    return model, normalizer


@dataclasses.dataclass(frozen=True, repr=False)
class TransferCurve:
    """Target-test accuracy (len(modes), len(ks)) per mode and examples per class, mean over repeats."""

    ks: tuple
    modes: tuple
    accuracy: np.ndarray
    normalization: str

    def __repr__(self) -> str:
        rows = [f"{m:>10}: " + " ".join(f"k={k}: {100 * a:.1f}%" for k, a in zip(self.ks, acc, strict=True))
                for m, acc in zip(self.modes, self.accuracy, strict=True)]
        return "TransferCurve(\n" + "\n".join(rows) + f"\n  normalization={self.normalization!r})"


def transfer_curve(split: DigitsSplit, pretrained: NetworkRun, *, ks=(1, 5, 20), modes=MODES,
                   target=TARGET_DIGITS, repeats: int = 1, epochs: int = 100, lr: float = 1e-3,
                   normalization: str = "pretrained", random_state=0) -> TransferCurve:
    """Accuracy on ``target`` digits' test part after learning from k per class (train part), each mode.

    Each (k, repeat) draws one few-shot set shared by all modes, so the modes compare on the
    same examples.
    """
    ks = tuple(check_int("ks", k, min_value=1) for k in ks)
    modes = tuple(check_choice("modes", m, MODES) for m in modes)
    repeats = check_int("repeats", repeats, min_value=1)
    task = digits_subset(split, target)
    rng = check_random_state("random_state", random_state)
    accuracy = np.zeros((len(modes), len(ks)))
    for j, k in enumerate(ks):
        for _ in range(repeats):
            seed = int(rng.integers(2**31 - 1))
            X_k, y_k = few_shot(*task.train, k=k, random_state=seed)
            for i, mode in enumerate(modes):
                model, normalizer = transfer(pretrained, mode, X_k, y_k, epochs=epochs, lr=lr,
                                             normalization=normalization, random_state=seed)
                hits = predict(model, normalizer(task.X_test), classes=True) == task.y_test
                accuracy[i, j] += hits.mean() / repeats
    return TransferCurve(ks, modes, accuracy, normalization)


def normalization_bug(pretrained: NetworkRun, split: DigitsSplit, *, digits=SOURCE_DIGITS) -> dict:
    """The pretrained network's accuracy on its own digits' test part, per input normalization.

    Returns {normalization: accuracy} for :data:`NORMALIZATIONS`: "pretrained" is the network
    as trained; "own" scales by the test images' own mean and std; "none" feeds raw pixels.
    The weights are the same in all three: only the input's scaling differs.
    """
    if not isinstance(pretrained, NetworkRun):
        raise TypeError(f"pretrained must be a NetworkRun (from pretrain), got {type(pretrained).__name__}")
    X, y = digits_subset(split, digits).test
    scalers = {"pretrained": pretrained.normalizer, "own": Normalizer(X), "none": RawPixels()}
    return {name: float((predict(pretrained.model, scale(X), classes=True) == y).mean())
            for name, scale in scalers.items()}
