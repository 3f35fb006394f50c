"""Error analysis on a training set with wrong labels: the worst mistakes are the mislabeled examples.

Lusch: "fix errors and remove outliers". Flip a share of the training labels on purpose
(:func:`labkit.recipe.errors.flip_labels`), train as usual, then rank the training examples
by their loss under the trained network: a network that has not memorized them disagrees
most confidently with the wrong labels, so the flipped rows come first, and the precision of
the top k against the known flips measures how well the ranking finds them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from labkit.arguments import check_float
from labkit.recipe.digits import DigitsSplit
from labkit.recipe.errors import flag_precision, flip_labels, rank_by_loss
from labkit.recipe.networks import NetworkRun, train_network
from labkit.runtime import torch_seed

__all__ = ["LabelNoiseResult", "find_flipped_labels"]


@dataclasses.dataclass(frozen=True, eq=False)
class LabelNoiseResult:
    """The noisy labels (n_train,), the mask of flipped rows, the loss ranking (suspects first),
    the precision of its top k (k = number flipped), and the run trained on the noisy labels."""

    y_noisy: np.ndarray
    flipped: np.ndarray
    ranking: np.ndarray
    precision_at_k: float
    run: NetworkRun

    @property
    def k(self) -> int:
        return int(self.flipped.sum())


def find_flipped_labels(split: DigitsSplit, *, fraction: float = 0.05, kind: str = "cnn", epochs: int = 20,
                        channels: int = 8, width: int = 128, lr: float = 3e-4, random_state=0,
                        logbook=None) -> LabelNoiseResult:
    """Flip ``fraction`` of ``split``'s training labels, train ``kind`` on them, rank the rows by loss.

    The defaults (8 channels, 20 epochs at Adam 3e-4) leave the network short of memorizing the
    flips; a network trained until it fits every label would hide them (their loss would be low).
    """
    if not isinstance(split, DigitsSplit):
        raise TypeError(f"split must be a DigitsSplit (from split_digits), got {type(split).__name__}")
    fraction = check_float("fraction", fraction, min_value=0.0, max_value=0.5, strict_min=True)
    seed = torch_seed(random_state)
    y_noisy, flipped = flip_labels(split.y_train, fraction=fraction, random_state=seed)
    if not flipped.any():
        raise ValueError(f"fraction={fraction:g} flips no label of {len(flipped)}; raise it")
    noisy = dataclasses.replace(split, y_train=y_noisy)
    run = train_network(kind, noisy, name=f"{kind} on noisy labels", epochs=epochs, channels=channels,
                        width=width, lr=lr, random_state=seed, logbook=logbook)
    ranking = rank_by_loss(run.probabilities(split.X_train), y_noisy)
    return LabelNoiseResult(y_noisy, flipped, ranking, flag_precision(ranking, flipped), run)
