"""labkit.text.fit: printed lines fit the notebook column and never split a number."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from labkit.text import COLUMNS, fit


def test_a_long_line_wraps_at_spaces_under_its_own_indent():
    line = "    advice: " + " ".join(f"{x:.3e}" for x in range(40))
    out = fit(line, indent="  ").splitlines()
    assert len(out) > 1 and all(len(row) <= COLUMNS for row in out)
    assert all(row.startswith("      ") for row in out[1:])  # the line's 4 spaces plus the extra 2
    assert " ".join(out).split() == line.split()  # every number whole, in order


def test_short_lines_and_blank_lines_are_kept():
    assert fit("a\n\nb") == "a\n\nb"


@given(st.lists(st.text(alphabet="abc0123456789.e-", min_size=1, max_size=30), min_size=1, max_size=60))
def test_words_are_never_split(words):
    text = " ".join(words)
    out = fit(text, width=40)
    assert out.split() == text.split()
    assert all(len(row) <= 40 or " " not in row.strip() for row in out.splitlines())
