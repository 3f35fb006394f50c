"""Step 4 of the recipe: read the table's gaps and name the one to attack first.

Hincapie-Potes (after Full Stack Deep Learning and Andrew Ng) splits the test error into
its sources: test = irreducible + bias + variance + distribution shift + validation
overfitting, each a gap between two rows of the table:

- bias (under-fitting): train error - goal error
- variance (over-fitting): train-validation error - train error (validation error - train
  error when there is no train-validation set)
- distribution shift: validation error - train-validation error
- overfitting the validation set: test error - validation error

and prioritizes: "1. address under-fitting, 2. address over-fitting, 3. address distribution
shift". :func:`prioritize` follows that order: the first gap above ``tolerance`` is the one to
attack. (Lab 02's diagnosis compares bias with variance and takes the larger, Ng's advice in
*Machine Learning Yearning*; this one is the talk's strict order, with a tolerance so that a
gap of a tenth of a point does not steer the work.)
"""

from __future__ import annotations

import dataclasses

from labkit.arguments import check_float
from labkit.recipe.table import ResultsTable

__all__ = ["Gaps", "prioritize", "prioritize_row", "GAPS", "REMEDIES"]

GAPS = ("bias", "variance", "distribution shift", "validation overfitting")

# Paraphrased from Hincapie-Potes' slides "Addressing under-fitting / over-fitting / distribution shift".
REMEDIES = {
    "bias": ("make the model bigger", "use pre-trained weights", "reduce regularization",
             "error analysis", "a different architecture", "tune hyperparameters", "add features"),
    "variance": ("more training data", "normalization (batch norm)", "data augmentation",
                 "more regularization (dropout, L2)", "error analysis", "early stopping"),
    "distribution shift": ("analyze the val errors and collect training data like them",
                           "synthesize training data like them (augment toward the shift)",
                           "domain adaptation"),
    "validation overfitting": ("a fresh validation set", "fewer rounds of tuning on it"),
    None: ("nothing pressing: the errors are within tolerance of the goal",),
}


@dataclasses.dataclass(frozen=True)
class Gaps:
    """The error gaps (fractions, e.g. 0.07 = 7 points; None where a row is missing) and the verdict.

    ``attack`` is the first of :data:`GAPS` above ``tolerance``, or None when all are within it;
    ``remedies`` lists what the talk suggests for it.
    """

    bias: float
    variance: float
    shift: float | None
    val_overfitting: float | None
    attack: str | None
    remedies: tuple[str, ...]
    tolerance: float

    def __str__(self) -> str:
        parts = [f"{name} {100 * value:+.1f} pts" for name, value in
                 zip(GAPS, (self.bias, self.variance, self.shift, self.val_overfitting), strict=True)
                 if value is not None]
        verdict = f"attack {self.attack}" if self.attack else "within tolerance"
        return f"{'; '.join(parts)} -> {verdict}"


def prioritize(*, goal: float, train: float, val: float, train_val: float | None = None,
               test: float | None = None, tolerance: float = 0.01) -> Gaps:
    """The gaps between error rates (fractions in [0, 1]) and the one to attack first.

    Example from the talk: goal 0.01, train 0.20, val 0.27, test 0.28 -> bias 0.19 first.
    ``tolerance``: a gap at most this large counts as closed (default one point).
    Raises ValueError for an error outside [0, 1].
    """
    errors = {"goal": goal, "train": train, "val": val, "train_val": train_val, "test": test}
    e = {k: None if v is None else check_float(k, v, min_value=0.0, max_value=1.0) for k, v in errors.items()}
    tolerance = check_float("tolerance", tolerance, min_value=0.0, max_value=1.0)
    seen = e["val"] if e["train_val"] is None else e["train_val"]  # the training distribution, unseen rows
    gaps = (e["train"] - e["goal"], seen - e["train"],
            None if e["train_val"] is None else e["val"] - e["train_val"],
            None if e["test"] is None else e["test"] - e["val"])
    attack = next((name for name, gap in zip(GAPS, gaps, strict=True)
                   if gap is not None and gap > tolerance), None)
    return Gaps(*gaps, attack=attack, remedies=REMEDIES[attack], tolerance=tolerance)


def prioritize_row(table: ResultsTable, name: str, *, tolerance: float = 0.01,
                   test_column: str = "test") -> Gaps:
    """:func:`prioritize` for the row ``name`` of ``table`` (its accuracies turned into errors).

    ``test_column``: "test", or "shifted" to read the shifted test set as the test. Raises
    ValueError when the row lacks train or val.
    """
    if not isinstance(table, ResultsTable):
        raise TypeError(f"table must be a ResultsTable, got {type(table).__name__}")
    if test_column not in ("test", "shifted"):
        raise ValueError(f"test_column must be 'test' or 'shifted', got {test_column!r}")
    row = table.row(name)
    if row.train is None or row.val is None:
        raise ValueError(f"row {name!r} needs train and val accuracies to be diagnosed, got {row}")
    error = {k: None if getattr(row, k) is None else 1 - getattr(row, k)
             for k in ("train", "val", "train_val", test_column)}
    return prioritize(goal=1 - table.goal, train=error["train"], val=error["val"],
                      train_val=error["train_val"], test=error[test_column], tolerance=tolerance)
