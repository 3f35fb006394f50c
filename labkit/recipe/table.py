"""The recipe's results table: goal, train, validation and test, one row per model or change.

Hincapie-Potes' talk tracks a model with a small table (goal performance, train error,
validation error, test error) that gains a column after every change: "add more layers",
"switch to ResNet-101", "add weight decay". :class:`ResultsTable` keeps the same numbers, one
row per run as it is added (accuracies in [0, 1]), and shows them as text, as a pandas
DataFrame, or transposed in the talk's layout (:meth:`ResultsTable.to_frame`).
"""

from __future__ import annotations

import dataclasses
import math

from labkit.arguments import check_bool, check_float

__all__ = ["ResultsTable", "Row", "COLUMNS"]

COLUMNS = ("train", "train_val", "val", "test", "shifted", "seconds")
_SCORES = COLUMNS[:-1]


@dataclasses.dataclass(frozen=True)
class Row:
    """One run: accuracies in [0, 1] (None where not measured), training seconds and a note."""

    name: str
    train: float | None = None
    train_val: float | None = None
    val: float | None = None
    test: float | None = None
    shifted: float | None = None
    seconds: float | None = None
    note: str = ""


class ResultsTable:
    """Rows of accuracies against one goal; ``table.add("logistic", train=.99, val=.96, test=.95)``.

    ``goal``: the target accuracy chosen before training (step 1 of the recipe), in (0, 1].
    ``errors=True`` in :meth:`to_frame` and :meth:`to_text` shows error rates, as the talk does.
    """

    def __init__(self, goal: float = 0.97):
        self.goal = check_float("goal", goal, min_value=0.0, max_value=1.0, strict_min=True)
        self.rows: list[Row] = []

    def add(self, name: str, *, train=None, train_val=None, val=None, test=None, shifted=None,
            seconds=None, note: str = "") -> Row:
        """Append a row and return it; scores are accuracies in [0, 1] or None; a repeated name raises."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        if name in self.names:
            raise ValueError(f"name {name!r} is already a row; rows are {self.names}")
        scores = {key: value for key, value in
                  dict(train=train, train_val=train_val, val=val, test=test, shifted=shifted).items()
                  if value is not None}
        checked = {key: check_float(key, value, min_value=0.0, max_value=1.0)
                   for key, value in scores.items()}
        if seconds is not None:
            checked["seconds"] = check_float("seconds", seconds, min_value=0.0)
        if not isinstance(note, str):
            raise TypeError(f"note must be a str, got {type(note).__name__}")
        row = Row(name=name, note=note, **checked)
        self.rows.append(row)
        return row

    @property
    def names(self) -> list[str]:
        return [row.name for row in self.rows]

    def row(self, name: str) -> Row:
        """The row called ``name``; KeyError listing the names if there is none."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no row {name!r}; rows are {self.names}")

    def __len__(self) -> int:
        return len(self.rows)

    def _columns(self) -> list[str]:
        """The columns some row has, in :data:`COLUMNS` order (empty ones are left out)."""
        return [c for c in COLUMNS if any(getattr(r, c) is not None for r in self.rows)]

    def to_frame(self, *, errors: bool = False, talk_layout: bool = False):
        """A pandas DataFrame: one row per run (index ``name``) and a ``goal`` column.

        ``errors``: 1 - accuracy instead of accuracy. ``talk_layout``: transposed as in the
        talk, one column per run and rows goal / train / ... / test.
        """
        import pandas as pd

        errors, talk_layout = check_bool("errors", errors), check_bool("talk_layout", talk_layout)
        records = []
        for row in self.rows:
            record = {"name": row.name, "goal": self.goal}
            record.update({c: getattr(row, c) for c in self._columns()})
            if errors:
                record.update({c: 1 - v for c, v in record.items() if c in _SCORES + ("goal",)
                               and v is not None})
            records.append(record)
        frame = pd.DataFrame(records, columns=["name", "goal", *self._columns()]).set_index("name")
        return frame.T if talk_layout else frame

    def to_text(self, *, errors: bool = False) -> str:
        """The table as fixed-width text (percent, one decimal), lines under 100 characters."""
        columns = ["goal", *self._columns()]
        width = max([len("model"), *(len(n) for n in self.names)])
        lines = [f"{'model':<{width}}" + "".join(f"{c:>10}" for c in columns)]
        for row in self.rows:
            cells = []
            for column in columns:
                value = self.goal if column == "goal" else getattr(row, column)
                cells.append(_cell(column, value, errors))
            lines.append(f"{row.name:<{width}}" + "".join(f"{c:>10}" for c in cells))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"ResultsTable(goal={self.goal:g}, rows={self.names})"


def _cell(column: str, value, errors: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if column == "seconds":
        return f"{value:.1f}s"
    return f"{100 * ((1 - value) if errors else value):.1f}%"
