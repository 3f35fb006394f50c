"""Scaling the inputs is conditioning: one feature in kilometres, one in millimetres, and what it costs.

:func:`make_hike` gives hiking times by Naismith's rule (an hour per 5 km, plus an hour per 600 m
of ascent) with the distance in kilometres and the ascent in millimetres: the two columns differ
by about 10^5 in size. The mean-squared loss of a linear model is a quadratic whose Hessian is
2/n A^T A (A = X with a column of ones for the bias), so its eigenvalues say everything:
gradient descent is stable only for lr < 2/lambda_max, and at that rate the flattest direction
shrinks by about 1 - 2/condition per step (Goodfellow et al., *Deep Learning*, sec. 4.3 and
8.2; LeCun et al., "Efficient BackProp", 1998, sec. 4.3 on normalizing inputs).

:func:`conditioning` computes them; :func:`linear_surface` gives the loss over the two weights as
a :class:`~labkit.optimization.surfaces.Surface`; :func:`compare_input_scaling` trains the same
linear model with full-batch SGD on raw and on standardized inputs, each at its own largest
usable rate; :func:`compare_target_scaling` shows targets in the thousands against standardized
ones under Adam, whose steps have a size of about lr whatever the gradient.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from labkit.arguments import as_2d_float, check_bool, check_choice, check_float, check_int, check_random_state
from labkit.optim import OPTIMIZERS
from labkit.optimization.surfaces import Surface
from labkit.train import fit

__all__ = ["make_hike", "HIKE_FEATURES", "standardize", "Conditioning", "conditioning", "linear_surface",
           "ScalingRun", "ScalingStudy", "compare_input_scaling", "compare_target_scaling"]

HIKE_FEATURES = ("distance (km)", "ascent (mm)")


def make_hike(n_samples=200, *, noise=0.05, random_state=None):
    """Hiking times by Naismith's rule: X (n, 2) = [distance in km, ascent in mm], y (n,) in seconds.

    Distance is uniform in 2-25 km, ascent in 0-1500 m (0 to 1.5e6 mm); the true time is
    distance / 5 km/h + ascent / 600 m/h. ``noise`` is the standard deviation of the relative
    error (0.05: each hike takes 5% more or less than the rule says).
    """
    n_samples = check_int("n_samples", n_samples, min_value=2)
    noise = check_float("noise", noise, min_value=0.0, max_value=0.5)
    rng = check_random_state("random_state", random_state)
    distance_km = rng.uniform(2.0, 25.0, n_samples)
    ascent_m = rng.uniform(0.0, 1500.0, n_samples)
    hours = distance_km / 5.0 + ascent_m / 600.0
    y = 3600.0 * hours * (1.0 + noise * rng.normal(size=n_samples))
    return np.column_stack([distance_km, 1000.0 * ascent_m]), y


def standardize(X):
    """(Z, mean, std): each column of X (n, d) shifted to mean 0 and scaled to standard deviation 1."""
    X = _rows(X)
    mean, std = X.mean(axis=0), X.std(axis=0)
    if (std == 0).any():
        raise ValueError(f"X has constant column(s) {np.flatnonzero(std == 0).tolist()}: nothing to scale")
    return (X - mean) / std, mean, std


@dataclasses.dataclass(repr=False)
class Conditioning:
    """The Hessian 2/n A^T A of a linear model's MSE: its eigenvalues (ascending) and what they imply."""

    eigenvalues: np.ndarray
    fit_intercept: bool

    @property
    def condition(self) -> float:
        """lambda_max / lambda_min: how much flatter the flattest direction is than the steepest."""
        return float(self.eigenvalues[-1] / self.eigenvalues[0])

    @property
    def max_lr(self) -> float:
        """2 / lambda_max: gradient descent diverges above this rate."""
        return float(2.0 / self.eigenvalues[-1])

    def __repr__(self) -> str:
        values = ", ".join(f"{v:.3g}" for v in self.eigenvalues)
        return (f"Conditioning(Hessian eigenvalues [{values}], condition number {self.condition:.3g},\n"
                f"             largest usable GD rate 2/lambda_max = {self.max_lr:.3g})")


def _rows(X) -> np.ndarray:
    """X as a finite float array (n, d) with n >= 2 samples, or a ValueError naming X."""
    X = as_2d_float("X", X)
    if len(X) < 2:
        raise ValueError(f"X must hold at least 2 samples (rows), got shape {X.shape}")
    return X


def _design(X, fit_intercept: bool) -> np.ndarray:
    X = _rows(X)
    return np.column_stack([X, np.ones(len(X))]) if check_bool("fit_intercept", fit_intercept) else X


def conditioning(X, *, fit_intercept=True) -> Conditioning:
    """The Hessian 2/n A^T A of a linear model's MSE on X (n, d); A is X with a ones column for the bias."""
    A = _design(X, fit_intercept)
    eigenvalues = np.linalg.eigvalsh(2.0 / len(A) * A.T @ A)  # ascending
    if eigenvalues[0] <= 0:
        raise ValueError("X's columns (with the bias column) are linearly dependent: the loss has a flat "
                         "valley and no condition number")
    return Conditioning(eigenvalues, bool(fit_intercept))


def linear_surface(X, y, *, margin=2.0) -> Surface:
    """The MSE of y ~ X w + b over the two weights, the bias held at its best value b*, as a Surface.

    Its Hessian is 2/n X^T X (the weights' block of :func:`conditioning`'s); the box spans
    ``margin`` times each best weight's size around the best weights, and runs start at w = 0.
    """
    A = _design(X, True)
    if A.shape[1] != 3:
        raise ValueError(f"X must have exactly two feature columns for a 2-D surface, got {A.shape[1] - 1}")
    y = as_2d_float("y", y)[:, 0]
    if len(y) != len(A):
        raise ValueError(f"y must hold one target per row of X ({len(A)}), got {len(y)}")
    margin = check_float("margin", margin, min_value=0.0, strict_min=True)
    best = np.linalg.lstsq(A, y, rcond=None)[0]  # (w1, w2, b*)
    Xw, residual0 = A[:, :2], y - best[2]  # (n, 2), (n,)
    H = 2.0 / len(A) * Xw.T @ Xw

    def value(W):
        return ((W @ Xw.T - residual0) ** 2).mean(axis=-1)

    def grad(W):
        return 2.0 / len(Xw) * (W @ Xw.T - residual0) @ Xw

    half = margin * np.maximum(np.abs(best[:2]), 1e-12)
    box = [(float(c - h), float(c + h)) for c, h in zip(best[:2], half, strict=True)]
    return Surface("linear regression", "mean (X w + b* - y)^2", value, grad, box[0], box[1],
                   (float(best[0]), float(best[1])), (0.0, 0.0), float(np.linalg.eigvalsh(H)[-1]))


@dataclasses.dataclass(repr=False)
class ScalingRun:
    """One training run: its inputs and targets, its Hessian, its rate and optimizer, and its curve.

    ``unexplained`` (epochs,) is the training loss over the targets' variance (1 - R^2), comparable
    across units; ``history`` is :func:`labkit.train.fit`'s.
    """

    label: str
    conditioning: Conditioning
    optimizer: str
    lr: float
    history: object
    unexplained: np.ndarray


@dataclasses.dataclass(repr=False)
class ScalingStudy:
    """Runs of one linear model on differently scaled versions of the same data."""

    runs: list

    def __repr__(self) -> str:
        lines = [f"{'':28} {'condition':>10} {'2/lambda_max':>12} {'optimizer':>9} {'lr':>9} "
                 f"{'1 - R^2 at end':>14}"]
        for r in self.runs:
            lines.append(f"{r.label:28} {r.conditioning.condition:10.3g} {r.conditioning.max_lr:12.3g} "
                         f"{r.optimizer:>9} {r.lr:9.3g} {r.unexplained[-1]:14.3g}")
        return "\n".join(lines)


def _train(label, X, y, *, optimizer, lr, epochs) -> ScalingRun:
    """Full-batch training of nn.Linear(2, 1), started at zero weights and bias (no randomness)."""
    model = nn.Linear(X.shape[1], 1)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    history = fit(model, (X, y), epochs=epochs, optimizer=optimizer, lr=lr, momentum=0.0, random_state=0)
    unexplained = np.array(history.train_loss) / y.var()
    return ScalingRun(label, conditioning(X), optimizer, float(lr), history, unexplained)


def compare_input_scaling(X, y, *, epochs=100, rate_fraction=0.9) -> ScalingStudy:
    """Full-batch SGD on raw X and on standardized X, each at ``rate_fraction`` x its own 2/lambda_max."""
    X, y = as_2d_float("X", X), as_2d_float("y", y)[:, 0]
    epochs = check_int("epochs", epochs, min_value=1)
    rate_fraction = check_float("rate_fraction", rate_fraction, min_value=0.0, max_value=1.0, strict_min=True)
    runs = []
    for label, inputs in (("raw inputs", X), ("standardized inputs", standardize(X)[0])):
        rate = rate_fraction * conditioning(inputs).max_lr
        runs.append(_train(label, inputs, y, optimizer="sgd", lr=rate, epochs=epochs))
    return ScalingStudy(runs)


def compare_target_scaling(X, y, *, epochs=100, optimizer="adam", lr=0.01) -> ScalingStudy:
    """Standardized inputs; targets as given (say, seconds in the thousands) against standardized targets.

    With Adam a step moves each weight by about ``lr`` whatever the gradient's size, so weights
    that must reach thousands need thousands of times more steps than weights near 1.
    """
    Z = standardize(X)[0]
    y = as_2d_float("y", y)[:, 0]
    epochs = check_int("epochs", epochs, min_value=1)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    scaled = (y - y.mean()) / y.std()
    options = {"optimizer": optimizer, "lr": lr, "epochs": epochs}
    return ScalingStudy([_train("targets as given", Z, y, **options),
                         _train("standardized targets", Z, scaled, **options)])
