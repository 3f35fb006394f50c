"""Printed text that fits the notebook column.

JupyterLab shows printed output with ``word-break: break-all``: a line wider than the
output column is cut anywhere, in the middle of a number or a word. At 1280 px with the
file browser open the column holds about 105 characters of its monospace font, so labkit's
printed reports keep every line within :data:`COLUMNS` and wrap at spaces.
"""

from __future__ import annotations

import textwrap

__all__ = ["COLUMNS", "fit"]

COLUMNS = 100


def fit(text: str, *, width: int = COLUMNS, indent: str = "") -> str:
    """``text`` with each line wrapped at spaces to ``width`` characters.

    A wrapped line continues under its own leading spaces plus ``indent``; words and numbers
    are never split (a single word longer than ``width`` stays whole).
    """
    lines = []
    for line in str(text).splitlines() or [""]:
        lead = line[:len(line) - len(line.lstrip())]
        lines += textwrap.wrap(line, width, subsequent_indent=lead + indent, break_long_words=False,
                               break_on_hyphens=False) or [line]
    return "\n".join(lines)
