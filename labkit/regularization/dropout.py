"""Dropout: the same trained network in training mode (units dropped) and in eval mode (all units).

During training each hidden unit is zeroed with probability p and the survivors scaled by
1/(1-p) (inverted dropout, Srivastava et al. 2014), so the network the optimizer sees is a
random thinned one; at evaluation every unit is on. The training loss that ``fit`` records
is measured on the fly, in training mode: it is the thinned networks' loss, higher than
the full network's. That is why, with dropout on, the validation curve can sit *below*
the training curve without anything being wrong (Keras' FAQ says the same of its logs);
measured on the training set in eval mode, the training error is lower again. Forgetting
``model.eval()`` at test time is the Cross Validated answer's "dropout used during testing".
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
import torch.nn.functional as F

from labkit.arguments import check_float, check_int
from labkit.regularization.setup import OverfitSetup, RegRun, train_run

__all__ = ["DropoutModes", "dropout_modes", "mode_scores"]


def mode_scores(model: torch.nn.Module, X, y, *, train_mode: bool, draws: int = 5, seed: int = 0):
    """(loss, error) of ``model`` on (X, y) in training mode (mean over ``draws`` dropout masks) or eval mode.

    X (N, ...) floats, y (N,) int labels. Torch's global generator is left as it was (the
    masks come from ``seed``) and so is the model's mode. Raises ValueError on bad ``draws``.
    """
    draws = check_int("draws", draws, min_value=1) if train_mode else 1
    X, y = torch.as_tensor(np.asarray(X), dtype=torch.float32), torch.as_tensor(np.asarray(y))
    was_training = model.training
    model.train(train_mode)
    losses, errors = [], []
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        for _ in range(draws):
            out = model(X)
            losses.append(F.cross_entropy(out, y).item())
            errors.append((out.argmax(1) != y).double().mean().item())
    model.train(was_training)
    return float(np.mean(losses)), float(np.mean(errors))


@dataclasses.dataclass(frozen=True, eq=False)
class DropoutModes:
    """One dropout network's loss and error (fractions) four ways, and the curves ``fit`` recorded.

    ``train_on`` : training set, dropout on (what the recorded train curve measures);
    ``train_off`` : training set, eval mode; ``val_off`` : validation set, eval mode (what
    the recorded val curve measures); ``val_on`` : validation set with dropout left on (the
    bug). Each is a (loss, error) pair. ``run`` is the training run, ``baseline`` the same
    network trained without dropout.
    """

    p: float
    train_on: tuple[float, float]
    train_off: tuple[float, float]
    val_on: tuple[float, float]
    val_off: tuple[float, float]
    run: RegRun = dataclasses.field(repr=False)
    baseline: RegRun = dataclasses.field(repr=False)

    @property
    def val_below_train(self) -> bool:
        """Whether the recorded last-epoch val loss is below the recorded train loss."""
        return self.run.history.val_loss[-1] < self.run.history.train_loss[-1]

    def table(self) -> str:
        rows = [("train set, dropout on (train curve)", self.train_on),
                ("train set, eval mode", self.train_off),
                ("val set, eval mode (val curve)", self.val_off),
                ("val set, dropout on (a bug)", self.val_on)]
        lines = [f"dropout p={self.p:g}                        loss   error %"]
        lines += [f"{name:<36} {loss:>6.3f} {100 * err:>8.1f}" for name, (loss, err) in rows]
        lines.append(f"without dropout: train {100 * self.baseline.train_error:.1f}%, val "
                     f"{100 * self.baseline.val_error:.1f}% error")
        return "\n".join(lines)

    __repr__ = table


def dropout_modes(setup: OverfitSetup, *, p: float = 0.5, draws: int = 5, epochs=None) -> DropoutModes:
    """Train the set-up with dropout ``p`` (and once without); score it in training and eval mode.

    Raises ValueError naming ``p`` unless 0 < p < 1. Source: Srivastava et al. (2014); the
    Cross Validated answer's list of bugs (dropout left on at test time).
    """
    p = check_float("p", p, min_value=0.0, strict_min=True)
    if p >= 1:
        raise ValueError(f"p must be less than 1 (the chance of dropping a unit), got {p!r}")
    run = train_run(setup, label=f"dropout {p:g}", dropout=p, epochs=epochs)
    baseline = train_run(setup, label="no dropout", epochs=epochs)
    train, val = (setup.X_train, setup.y_train), (setup.X_val, setup.y_val)
    scores = {f"{name}_{mode}": mode_scores(run.model, *data, train_mode=mode == "on", draws=draws,
                                            seed=setup.seed)
              for name, data in (("train", train), ("val", val)) for mode in ("on", "off")}
    return DropoutModes(p, run=run, baseline=baseline, **scores)
