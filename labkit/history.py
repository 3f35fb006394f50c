"""What a training run recorded: the :class:`History` that :func:`labkit.train.fit` returns.

:mod:`labkit.train` fills one per run, and any other loop can fill one with
:meth:`History.add_epoch` (the bug zoo's loop does, with its own step), so the best
epoch and the divergence are found the same way everywhere. Epochs and steps are
numbered from 0: ``best_epoch`` and ``diverged_at`` index the per-epoch lists, a step
number the per-step ones.
"""

from __future__ import annotations

import dataclasses
import math

__all__ = ["History"]


@dataclasses.dataclass(repr=False)
class History:
    """What a training run recorded: one entry per epoch, and ``step_loss``/``step_lr`` one per update step.

    ``lr`` is the rate each epoch started with, ``step_lr`` the rate each step used.
    ``step_grad_norm`` is the gradient's total (L2) norm over the trained parameters at each
    step, before any clipping; :func:`labkit.train.fit` fills it only when asked
    (``record_grad_norm=True``) or when clipping, else it stays empty.
    ``stop_reason`` is ``"running"`` until the run ends, then one of ``"completed"``,
    ``"early_stopping"``, ``"diverged"`` (train loss became NaN or Inf) or ``"callback"``
    (a hook, ``on_step`` or ``on_epoch``, returned True). ``best_epoch`` has the lowest
    val loss (train loss when there is no val data).
    """

    train_loss: list[float] = dataclasses.field(default_factory=list)
    val_loss: list[float] = dataclasses.field(default_factory=list)
    train_metric: list[float] = dataclasses.field(default_factory=list)
    val_metric: list[float] = dataclasses.field(default_factory=list)
    metric_name: str = "rmse"
    epochs_run: int = 0
    best_epoch: int | None = None
    stop_reason: str = "running"
    diverged_at: int | None = None
    seconds: float = 0.0
    lr: list[float] = dataclasses.field(default_factory=list)
    step_loss: list[float] = dataclasses.field(default_factory=list)
    step_lr: list[float] = dataclasses.field(default_factory=list)
    step_grad_norm: list[float] = dataclasses.field(default_factory=list)

    def __repr__(self) -> str:
        parts = [f"epochs={self.epochs_run}"]
        for split in ("train", "val"):
            losses, metrics = getattr(self, f"{split}_loss"), getattr(self, f"{split}_metric")
            if losses:
                parts.append(f"{split}_loss={losses[-1]:.4g}, {split}_{self.metric_name}={metrics[-1]:.4g}")
        parts += [f"best_epoch={self.best_epoch}", f"stop={self.stop_reason!r}"]
        parts.append(f"seconds={self.seconds:.2f}")
        return f"History({', '.join(parts)})"

    def as_dict(self) -> dict:
        """A plain dict of lists and numbers (copies), e.g. for ``pandas.DataFrame`` or JSON."""
        return dataclasses.asdict(self)

    def add_epoch(self, *, train_loss: float, train_metric: float, val_loss: float | None = None,
                  val_metric: float | None = None) -> bool:
        """Record an epoch's scores, and whether it diverged; True if it is the best epoch so far."""
        epoch, self.epochs_run = self.epochs_run, self.epochs_run + 1
        self.train_loss.append(train_loss)
        self.train_metric.append(train_metric)
        if val_loss is not None:
            self.val_loss.append(val_loss)
            self.val_metric.append(val_metric)
        if not math.isfinite(train_loss) and self.diverged_at is None:
            self.diverged_at = epoch
        losses = self.val_loss or self.train_loss  # val loss picks the best epoch if there is one
        if math.isfinite(losses[-1]) and (self.best_epoch is None or losses[-1] < losses[self.best_epoch]):
            self.best_epoch = epoch
            return True
        return False
