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

__all__ = ["EarlyStoppingDemo", "early_stopping_demo"]


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
