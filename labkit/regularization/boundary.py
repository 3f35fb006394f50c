"""A fast regularized fit on 2-D classification for a live panel: the boundary and the weights.

:func:`regularized_boundary` trains a small MLP on 2-D points with the learner's L1, L2,
dropout, input noise and training size, in well under a second, and returns the class
probabilities on a grid (for a filled contour) and each layer's weight magnitudes (for a
TensorFlow-Playground-style drawing of the network, line width by |w|). Input noise is
Gaussian noise added to each training batch (``fit(augment=)``): a regularizer of its own,
equivalent for small noise to a penalty on the slopes (Bishop 1995, "Training with noise
is equivalent to Tikhonov regularization").
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import torch

from labkit.arguments import as_2d_float, check_float, check_int, check_same_length
from labkit.models import MLP
from labkit.runtime import seeded
from labkit.train import evaluate, fit, predict

__all__ = ["Boundary", "regularized_boundary", "input_noise"]


def input_noise(std: float):
    """An ``augment`` for :func:`labkit.train.fit`: X + Normal(0, std) per batch, labels unchanged."""
    std = check_float("std", std, min_value=0.0)

    def add_noise(X, y, generator):
        return X + std * torch.randn(X.shape, generator=generator).to(X), y

    return add_noise


@dataclasses.dataclass(frozen=True, eq=False)
class Boundary:
    """The fitted classifier on a grid and its weights.

    ``xs`` (G,), ``ys`` (G,) the grid's axes; ``proba`` (G, G) the probability of class 1
    (two classes) or of the predicted class (more), row i at y = ys[i]; ``labels`` (G, G)
    the predicted class. ``weights`` holds |W| per layer, (out, in) each, input layer first;
    ``layer_magnitude`` (L,) their means. Errors are fractions; ``val_error`` is None when
    every point was used for training.
    """

    xs: np.ndarray
    ys: np.ndarray
    proba: np.ndarray
    labels: np.ndarray
    weights: tuple[np.ndarray, ...]
    layer_magnitude: np.ndarray
    train_error: float
    val_error: float | None
    n_train: int
    seconds: float


def _grid(X: np.ndarray, size: int, margin: float = 0.1):
    low, high = X.min(0), X.max(0)
    pad = margin * (high - low)
    return tuple(np.linspace(low[k] - pad[k], high[k] + pad[k], size) for k in (0, 1))


def regularized_boundary(X, y, *, l1: float = 0.0, l2: float = 0.0, dropout: float = 0.0, noise: float = 0.0,
                         n_train=None, width: int = 32, depth: int = 2, epochs: int = 150, lr: float = 1e-2,
                         grid: int = 60, random_state=0) -> Boundary:
    """Train an MLP (full batch, Adam) on the first ``n_train`` points of (X (N, 2), y (N,) int).

    The rest, if any, is the validation set. ``l2`` is Adam's weight decay, ``l1`` the
    penalty on |w|, ``dropout`` the hidden units' drop probability, ``noise`` the std of
    the input noise; the boundary is sampled on a ``grid`` x ``grid`` lattice. Raises
    ValueError/TypeError naming a bad argument (X must have 2 columns).
    """
    X, y = as_2d_float("X", X), np.asarray(y)
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 columns (points in the plane), got shape {X.shape}")
    check_same_length(X=X, y=y)
    n_train = len(X) if n_train is None else check_int("n_train", n_train, min_value=2, max_value=len(X))
    grid = check_int("grid", grid, min_value=2, max_value=400)
    seed = int(np.random.default_rng(random_state).integers(2**31))
    with seeded(seed):
        model = MLP(2, int(y.max()) + 1, width=width, depth=depth, dropout=dropout)
    start = time.perf_counter()
    train, val = (X[:n_train], y[:n_train]), (X[n_train:], y[n_train:])
    fit(model, train, epochs=epochs, lr=lr, weight_decay=l2, l1=l1,
        augment=input_noise(noise) if noise > 0 else None, random_state=seed)
    xs, ys = _grid(X, grid)
    points = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)  # (G*G, 2), row-major in y
    proba = torch.softmax(torch.as_tensor(predict(model, points)), 1).numpy()
    labels = proba.argmax(1)
    shown = proba[:, 1] if proba.shape[1] == 2 else proba.max(1)
    layers = [*model.hidden, model.output]
    weights = tuple(layer.weight.detach().abs().numpy().copy() for layer in layers)
    val_error = None if n_train == len(X) else 1 - evaluate(model, val)[1]
    return Boundary(xs, ys, shown.reshape(grid, grid), labels.reshape(grid, grid), weights,
                    np.array([w.mean() for w in weights]), 1 - evaluate(model, train)[1], val_error, n_train,
                    time.perf_counter() - start)
