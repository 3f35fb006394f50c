"""Data augmentation for 8x8 digits: small shifts, rotations and pixel noise, and the label bug.

A shifted or slightly turned 3 is still a 3, so each transformed copy is a new training
example with the same label: more data for free, and the network learns to ignore what
should not matter. :class:`DigitAugmenter` draws fresh transforms for every batch (pass it
to :func:`labkit.train.fit` as ``augment=``); :func:`augmented_copies` makes fixed copies
up front, the other common way, where Hincapie-Potes' list of bugs bites: "forgot labels
on data augmentation transformations". Here the bug is the one-word slip of pairing
``np.repeat``-ed images (each image k times in a row) with ``np.tile``-d labels (the whole
label list k times): the shapes match, nothing raises, and most copies carry another
digit's label. Transforms are one affine warp per image (``torch.nn.functional.affine_grid``
and ``grid_sample``), deterministic under a ``torch.Generator``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch
import torch.nn.functional as F

from labkit.arguments import check_bool, check_float, check_int, check_random_state
from labkit.regularization.setup import OverfitSetup, RegRun, runs_table, train_run

__all__ = ["DigitAugmenter", "augmented_copies", "AugmentationPreview", "augmentation_preview",
           "AugmentationGap", "augmentation_gap"]


@dataclasses.dataclass(frozen=True)
class DigitAugmenter:
    """Random shifts (pixels), rotations (degrees) and Gaussian pixel noise for 8x8 digits in [0, 1].

    ``augmenter(X, y, generator) -> (X', y)``: X is (N, 64) or (N, 1, 8, 8), float; the
    labels pass through unchanged and X' keeps X's shape, pixels clipped to [0, 1]. Each
    image gets its own shift in [-shift, shift] on both axes and angle in [-degrees, degrees].
    """

    shift: float = 1.0
    degrees: float = 10.0
    noise: float = 0.05

    def __post_init__(self):
        check_float("shift", self.shift, min_value=0.0, max_value=3.0)
        check_float("degrees", self.degrees, min_value=0.0, max_value=180.0)
        check_float("noise", self.noise, min_value=0.0, max_value=1.0)

    def images(self, X: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Transformed copies of X (N, 64) or (N, 1, 8, 8), same shape, a fresh draw per image."""
        if not isinstance(X, torch.Tensor) or X.numel() != len(X) * 64:
            raise ValueError(f"X must be a tensor of 8x8 digits, (N, 64) or (N, 1, 8, 8), got {X!r:.60}")
        images = X.reshape(len(X), 1, 8, 8)
        n = len(X)
        angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(self.degrees)
        move = (torch.rand(n, 2, generator=generator) * 2 - 1) * self.shift * 2 / 8  # pixels -> [-1, 1] units
        cos, sin = torch.cos(angle), torch.sin(angle)
        rows = [torch.stack([cos, -sin, move[:, 0]], 1), torch.stack([sin, cos, move[:, 1]], 1)]
        theta = torch.stack(rows, 1)  # (N, 2, 3): rotate, then shift
        grid = F.affine_grid(theta.to(images), list(images.shape), align_corners=False)  # (N, 8, 8, 2)
        warped = F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        noisy = warped + self.noise * torch.randn(warped.shape, generator=generator).to(warped)
        return noisy.clamp(0.0, 1.0).reshape(X.shape)

    def __call__(self, X, y, generator):
        return self.images(X, generator), y


def augmented_copies(X, y, *, copies: int = 4, augmenter: DigitAugmenter | None = None, forget_labels=False,
                     random_state=0):
    """The originals followed by ``copies`` augmented copies of each image: ((1 + copies) N, ...) and labels.

    Copies come image by image (``np.repeat``); ``forget_labels=True`` pairs them with
    ``np.tile``-d labels, the bug (see the module's docstring). Raises ValueError naming a
    bad argument.
    """
    copies = check_int("copies", copies, min_value=1)
    forget_labels = check_bool("forget_labels", forget_labels)
    augmenter = DigitAugmenter() if augmenter is None else augmenter
    seed = int(check_random_state("random_state", random_state).integers(2**62))
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    repeated = torch.as_tensor(np.repeat(X, copies, axis=0), dtype=torch.float32)  # x0,x0,..,x1,x1,..
    new = augmenter.images(repeated, torch.Generator().manual_seed(seed)).numpy().astype(np.float64)
    labels = np.tile(y, copies) if forget_labels else np.repeat(y, copies)  # tile: y0,y1,..,y0,y1,..
    return np.concatenate([X, new]), np.concatenate([y, labels])


@dataclasses.dataclass(frozen=True, eq=False)
class AugmentationPreview:
    """``originals`` (n, 8, 8), ``augmented`` (n, k, 8, 8) copies of each, ``labels`` (n,)."""

    originals: np.ndarray
    augmented: np.ndarray
    labels: np.ndarray
    augmenter: DigitAugmenter


def augmentation_preview(X, y, *, n: int = 8, copies: int = 4, augmenter: DigitAugmenter | None = None,
                         random_state=0) -> AugmentationPreview:
    """The first ``n`` digits of (X, y) and ``copies`` augmented versions of each, for a picture."""
    n = check_int("n", n, min_value=1, max_value=len(X))
    copies = check_int("copies", copies, min_value=1)
    augmenter = DigitAugmenter() if augmenter is None else augmenter
    seed = int(check_random_state("random_state", random_state).integers(2**62))
    originals = torch.as_tensor(np.asarray(X[:n], dtype=np.float32)).reshape(n, 1, 8, 8)
    copied = augmenter.images(originals.repeat_interleave(copies, 0), torch.Generator().manual_seed(seed))
    return AugmentationPreview(originals[:, 0].numpy(), copied.reshape(n, copies, 8, 8).numpy(),
                               np.asarray(y[:n]), augmenter)


@dataclasses.dataclass(frozen=True, eq=False)
class AugmentationGap:
    """Runs: no augmentation, fresh transforms per batch, fixed copies, and copies with the label bug."""

    runs: tuple[RegRun, ...]

    def table(self) -> str:
        return runs_table(self.runs)

    __repr__ = table


def augmentation_gap(setup: OverfitSetup, *, augmenter: DigitAugmenter | None = None, copies: int = 4,
                     epochs=None) -> AugmentationGap:
    """Train the set-up four ways: as is, augmented per batch, fixed copies, copies with wrong labels.

    Each run's train error is on the data it trained on (originals, or originals and copies).
    Source: Lusch and Langseth (more data or data augmentation); Hincapie-Potes (forgot the
    labels when augmenting).
    """
    augmenter = DigitAugmenter() if augmenter is None else augmenter
    runs = [train_run(setup, label="no augmentation", epochs=epochs),
            train_run(setup, label="augmented per batch", augment=augmenter, epochs=epochs)]
    for bug in (False, True):
        data = augmented_copies(setup.X_train, setup.y_train, copies=copies, augmenter=augmenter,
                                forget_labels=bug, random_state=setup.seed)
        runs.append(train_run(setup, label="copies, labels tiled (bug)" if bug else f"{copies} copies each",
                              train=data, epochs=epochs))
    return AugmentationGap(tuple(runs))
