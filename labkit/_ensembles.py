"""Small MLPs trained together and scored by MSE: the shared training of the demos.

The validation, leakage and extrapolation demos and the explorers train K small MLPs
at once with :mod:`labkit.batched` (so their numbers are averages over seeds, not one
lucky run) and compare mean squared errors. These two helpers are that common part.
"""

from __future__ import annotations

import numpy as np

from labkit.batched import BatchedMLP, fit_batched, predict_batched

__all__ = ["train_mlps", "mse_per_model"]


def train_mlps(X, y, *, n_models, width, depth, epochs, lr, seed, activation="relu", weight_decay=0.0):
    """K MLPs trained together (full-batch Adam on MSE); X (n, d) or (K, n, d), y (n,) or (K, n)."""
    d = np.shape(X)[-1]
    model = BatchedMLP(n_models, d, 1, width=width, depth=depth, activation=activation, random_state=seed)
    fit_batched(model, (X, y), epochs=epochs, lr=lr, weight_decay=weight_decay, random_state=seed)
    return model


def mse_per_model(model, X, y) -> np.ndarray:
    """Each model's MSE on (X, y): shape (K,)."""
    predictions = predict_batched(model, X)[..., 0]  # (K, n)
    return np.mean((predictions - np.asarray(y)) ** 2, axis=-1)

