"""Regularizers side by side: more data against a penalty, "stretch pants", one piece at a time.

- :func:`data_vs_penalty`: learning curves (error against training-set size) with and
  without a penalty; more data closes the gap, and so does the penalty (Lusch; Lab 01's
  learning curves).
- :func:`stretch_pants`: Vanhoucke's advice, quoted by Lusch: "go with a bigger network
  than you need, but include early stopping and plenty of regularization", against a
  right-sized network trained plainly.
- :func:`add_back`: the Cross Validated answer's "turn off all regularization, then add
  each piece back": one run per step, each with a regime label from :func:`regime`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from labkit.arguments import check_float, check_int
from labkit.regularization.augmentation import DigitAugmenter
from labkit.regularization.setup import OverfitSetup, RegRun, runs_table, train_run

__all__ = ["LearningCurves", "data_vs_penalty", "stretch_pants", "PIECES", "SHORT_NAMES", "regime",
           "AblationRow", "ablation_run", "add_back", "ablation_table"]


@dataclasses.dataclass(frozen=True, eq=False)
class LearningCurves:
    """Errors (fractions) against training size ``sizes`` (S,), without (``plain_*``) and with the penalty."""

    sizes: np.ndarray
    l2: float
    plain_train: np.ndarray
    plain_val: np.ndarray
    penalized_train: np.ndarray
    penalized_val: np.ndarray

    def table(self) -> str:
        lines = [f"n_train   no penalty: train %  val %  gap %   l2={self.l2:g}: train %  val %  gap %"]
        for i, n in enumerate(self.sizes):
            a, b, c, d = (100 * v[i] for v in (self.plain_train, self.plain_val, self.penalized_train,
                                                 self.penalized_val))
            lines.append(f"{n:>7} {a:>20.1f} {b:>6.1f} {b - a:>6.1f} {c:>17.1f} {d:>6.1f} {d - c:>6.1f}")
        return "\n".join(lines)

    __repr__ = table


def data_vs_penalty(setup: OverfitSetup, *, sizes=(150, 300, 750), l2: float = 3e-2,
                    epochs=None) -> LearningCurves:
    """Learning curves of the set-up with and without L2 ``l2``, at each training size in ``sizes``.

    Sizes come from the set-up's training digits then its pool (at most train + pool).
    """
    l2 = check_float("l2", l2, min_value=0.0)
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) == 0:
        raise TypeError(f"sizes must be a non-empty list of training-set sizes, got {sizes!r:.60}")
    sizes = np.array(sorted({check_int(f"sizes[{i}]", n, min_value=10) for i, n in enumerate(sizes)}))
    plain = [train_run(setup, n_train=int(n), epochs=epochs) for n in sizes]
    penalized = [train_run(setup, n_train=int(n), l2=l2, epochs=epochs) for n in sizes]
    errors = [np.array([getattr(r, f"{part}_error") for r in runs]) for runs in (plain, penalized)
              for part in ("train", "val")]
    return LearningCurves(sizes, l2, *errors)


def stretch_pants(setup: OverfitSetup, *, right_width: int = 16, patience: int = 20, l2: float = 1e-2,
                  dropout: float = 0.3, epochs=None) -> tuple[RegRun, ...]:
    """Three runs: right-sized and plain; the set-up's big network plain; the big one with early
    stopping (``patience``), L2 and dropout. A tuple of :class:`RegRun`."""
    right_width = check_int("right_width", right_width, min_value=1)
    return (train_run(setup, label=f"right-sized (width {right_width})", width=right_width, epochs=epochs),
            train_run(setup, label=f"big (width {setup.width}), plain", epochs=epochs),
            train_run(setup, label="big + early stop + L2 + drop", early_stopping=patience, l2=l2,
                      dropout=dropout, epochs=epochs))


PIECES = {"l2": {"l2": 1e-2}, "l1": {"l1": 1e-4}, "dropout": {"dropout": 0.3},
          "early_stopping": {"early_stopping": 20}, "augmentation": {"augment": DigitAugmenter()},
          "batch_norm": {"batch_norm": True}}


SHORT_NAMES = {"l2": "L2", "l1": "L1", "dropout": "drop", "early_stopping": "early stop",
               "augmentation": "aug", "batch_norm": "BN"}  # run labels: all six fit the table's column


def regime(train_error: float, val_error: float, *, target: float = 0.05, gap: float = 0.05) -> str:
    """A one-word regime from two errors: "underfitting" (train error above ``target``),
    "overfitting" (val - train above ``gap``), else "good". A deliberately small rule: the lab's
    full diagnosis lives in the generalization topic."""
    if train_error > target:
        return "underfitting"
    return "overfitting" if val_error - train_error > gap else "good"


@dataclasses.dataclass(frozen=True, eq=False)
class AblationRow:
    """One run with the pieces in ``pieces`` on: errors (fractions), regime, seconds."""

    pieces: tuple[str, ...]
    run: RegRun
    regime: str

    def row(self) -> str:
        return f"{self.run.row()}  {self.regime}"


def ablation_run(setup: OverfitSetup, *, pieces=(), settings=None, target=None, epochs=None) -> AblationRow:
    """Train the set-up with the regularizers named in ``pieces`` (keys of :data:`PIECES`) switched on.

    ``settings`` may replace a piece's settings, e.g. ``{"l2": {"l2": 1.0}}`` to see L2 set
    too large. ``target`` is the training error to reach (None: the set-up's label noise + 5
    points, as wrong labels cannot be fitted without memorizing them). Raises ValueError
    naming an unknown piece.
    """
    table = {**PIECES, **(settings or {})}
    options = {}
    for name in pieces:
        if name not in table:
            known = ", ".join(map(repr, table))
            raise ValueError(f"pieces must name regularizers among {known}; got {name!r}")
        options.update(table[name])
    run = train_run(setup, label="+".join(SHORT_NAMES[p] for p in pieces) or "none", epochs=epochs, **options)
    target = setup.label_noise + 0.05 if target is None else check_float("target", target, min_value=0.0)
    return AblationRow(tuple(pieces), run, regime(run.train_error, run.val_error, target=target))


def add_back(setup: OverfitSetup, *, order=("l2", "dropout", "early_stopping", "augmentation"), settings=None,
             target=None, epochs=None) -> tuple[AblationRow, ...]:
    """Everything off, then the pieces of ``order`` added back one at a time: len(order) + 1 rows."""
    order = tuple(order)
    return tuple(ablation_run(setup, pieces=order[:k], settings=settings, target=target, epochs=epochs)
                 for k in range(len(order) + 1))


def ablation_table(rows) -> str:
    """Rows of :func:`add_back` as text: the runs' table plus a regime column."""
    return "\n".join([runs_table([])] + [r.row() for r in rows])
