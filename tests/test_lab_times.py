"""Each lab states its time at a learner's pace, and the statement follows one stated rule.

A learner reads technical text with code at about 120 words a minute (slower than prose:
they stop to look at figures and code), spends about 4 minutes per exercise (think,
answer, perhaps a hint) and 2 minutes starting up and running cells. The machine's time
is not the learner's: Lab 00 runs in seconds but takes minutes to read. A lab whose text
or exercises grow past its stated time fails here until the statement is updated.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

LABS = sorted((Path(__file__).resolve().parents[1] / "labs").glob("*.ipynb"))
WORDS_PER_MINUTE, MINUTES_PER_EXERCISE, START_MINUTES = 120, 4, 2


def _minutes_at_a_learners_pace(notebook: dict) -> float:
    text = " ".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    code = " ".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    exercises = set(re.findall(r"ex\.(q\d+)\.check", code))
    return len(re.findall(r"[A-Za-z]+", text)) / WORDS_PER_MINUTE + MINUTES_PER_EXERCISE * len(exercises) \
        + START_MINUTES


def _stated_minutes(notebook: dict) -> int:
    intro = "".join(notebook["cells"][0]["source"])
    found = re.search(r"about\s+\**(\d+) minutes", intro)
    assert found, "the first cell must state the lab's time as 'about N minutes'"
    return int(found.group(1))


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.name)
def test_the_stated_time_matches_a_learners_pace(path):
    notebook = json.loads(path.read_text())
    estimate, stated = _minutes_at_a_learners_pace(notebook), _stated_minutes(notebook)
    assert abs(stated - estimate) <= max(0.15 * estimate, 2), (
        f"{path.name} says about {stated} minutes; its text and exercises take about {estimate:.0f}")
