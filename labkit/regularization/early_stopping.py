"""Early stopping that puts the best weights back, against a stop that keeps the last ones.

:func:`labkit.train.fit` with ``early_stopping=patience`` stops once the validation loss
has not improved for ``patience`` epochs and then loads the best epoch's weights into the
model. Some tools stop but leave the last weights in place, ``patience`` epochs past the
best (Keras' ``EarlyStopping`` does unless ``restore_best_weights=True``; users keep filing
that surprise). :func:`early_stopping_demo` shows both from one run: an ``on_step`` hook
keeps a copy of the weights after every update, so the last weights are at hand after
``fit`` restored the best ones. Lusch: "use early stopping almost universally".
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

from labkit.arguments import check_int
from labkit.regularization.setup import OverfitSetup, RegRun, train_run
from labkit.train import evaluate

__all__ = ["EarlyStoppingDemo", "early_stopping_demo", "PatienceOutcome", "patience_outcome"]


@dataclasses.dataclass(frozen=True, eq=False)
class EarlyStoppingDemo:
    """The curves, the best epoch, and the val loss of the restored and of the last weights.

    ``val_loss``/``train_loss`` (E,) per epoch as recorded; ``restored_val_loss`` is the
    returned model's val loss measured afresh, equal to ``val_loss[best_epoch]`` when the
    restore works; ``last_val_loss``/``last_val_error`` those of the weights at the stop.
    """

    patience: int
    best_epoch: int
    stopped_epoch: int
    train_loss: np.ndarray
    val_loss: np.ndarray
    restored_val_loss: float
    restored_val_error: float
    last_val_loss: float
    last_val_error: float
    run: RegRun = dataclasses.field(repr=False)

    @property
    def restored_matches_best(self) -> bool:
        """Whether the returned model scores the best epoch's val loss (to float32 round-off)."""
        return bool(np.isclose(self.restored_val_loss, self.val_loss[self.best_epoch], rtol=1e-4, atol=1e-6))

    def table(self) -> str:
        return "\n".join([
            f"early stopping, patience {self.patience}: best epoch {self.best_epoch}, stopped after epoch "
            f"{self.stopped_epoch}",
            f"  best epoch's val loss (history)       {self.val_loss[self.best_epoch]:.4f}",
            f"  restored model's val loss (measured)  {self.restored_val_loss:.4f}   error "
            f"{100 * self.restored_val_error:.1f}%",
            f"  last weights' val loss (no restore)   {self.last_val_loss:.4f}   error "
            f"{100 * self.last_val_error:.1f}%"])

    __repr__ = table


def early_stopping_demo(setup: OverfitSetup, *, patience: int = 20, epochs=None) -> EarlyStoppingDemo:
    """Train the set-up with early stopping; measure the restored model and the last weights.

    Raises ValueError naming ``patience`` unless it is an integer >= 1.
    """
    patience = check_int("patience", patience, min_value=1)
    last = {}

    def snapshot(step, loss, model, optimizer):  # the weights after every update: the last one survives
        last["state"] = copy.deepcopy(model.state_dict())

    run = train_run(setup, label=f"early stopping {patience}", early_stopping=patience, epochs=epochs,
                    on_step=snapshot)
    val = (setup.X_val, setup.y_val)
    restored_loss, restored_acc = evaluate(run.model, val)
    stale = copy.deepcopy(run.model)
    stale.load_state_dict(last["state"])
    last_loss, last_acc = evaluate(stale, val)
    h = run.history
    return EarlyStoppingDemo(patience, h.best_epoch, h.epochs_run - 1, np.array(h.train_loss),
                             np.array(h.val_loss), restored_loss, 1 - restored_acc, last_loss, 1 - last_acc,
                             run)


@dataclasses.dataclass(frozen=True)
class PatienceOutcome:
    """Where early stopping with ``patience`` would stop a recorded run, and what it would give back.

    Epochs count from 0. ``best_epoch`` has the lowest val loss up to ``stopped_epoch`` (the
    weights a restoring stop gives back); ``restored_val_error`` and ``last_val_error`` are the
    val errors (fractions) of those weights and of the weights at the stop; ``stopped`` is
    False when the run ends before ``patience`` epochs pass without a better val loss.
    """

    patience: int
    best_epoch: int
    stopped_epoch: int
    stopped: bool
    restored_val_error: float
    last_val_error: float

    def __str__(self) -> str:
        end = f"stops after epoch {self.stopped_epoch}" if self.stopped else "never stops early"
        return (f"patience {self.patience}: {end}, gives back epoch {self.best_epoch}: val error "
                f"{100 * self.restored_val_error:.1f}% (the last weights: {100 * self.last_val_error:.1f}%)")


def patience_outcome(val_loss, val_error, patience: int) -> PatienceOutcome:
    """Replay :func:`labkit.train.fit`'s stopping rule with ``patience`` on a run recorded without it.

    ``val_loss`` and ``val_error`` (E,) are one run's per-epoch validation loss and error. The
    rule, as fit applies it: stop after the epoch at which ``patience`` epochs have passed
    since the lowest val loss so far. Training up to the stop does not depend on the patience,
    so this equals the run ``fit(..., early_stopping=patience)`` makes (tested), without
    training again for every patience. Raises ValueError for unequal lengths, an empty run or
    a patience below 1.
    """
    patience = check_int("patience", patience, min_value=1)
    loss, error = np.asarray(val_loss, dtype=float), np.asarray(val_error, dtype=float)
    if loss.ndim != 1 or loss.shape != error.shape or len(loss) == 0:
        raise ValueError(f"val_loss and val_error must be 1-D and of one non-zero length, got shapes "
                         f"{loss.shape} and {error.shape}")
    if not np.isfinite(loss).any():
        raise ValueError("val_loss holds no finite value: the run diverged, there is no best epoch")
    best = None
    for epoch, value in enumerate(loss):
        if np.isfinite(value) and (best is None or value < loss[best]):
            best = epoch
        if best is not None and epoch - best >= patience:
            return PatienceOutcome(patience, best, epoch, True, float(error[best]), float(error[epoch]))
    last = len(loss) - 1
    return PatienceOutcome(patience, best, last, False, float(error[best]), float(error[last]))
