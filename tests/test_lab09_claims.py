"""Numbers Lab 09's prose states, computed with labkit at the lab's full sizes: text and code cannot drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labkit.recipe import (
    always_healthy,
    binary_scores,
    choose_threshold,
    find_flipped_labels,
    flat,
    normalization_bug,
    precision_recall,
    pretrain,
    rare_class_task,
    score_baselines,
    shifted_split,
    shortcut_loss,
    split_digits,
    train_network,
)

LAB = Path(__file__).resolve().parents[1] / "labs" / "09_recipe_end_to_end.ipynb"


def _text() -> str:
    cells = json.loads(LAB.read_text(encoding="utf-8"))["cells"]
    return " ".join(" ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown").split())


@pytest.fixture(scope="module")
def split():
    return split_digits(random_state=0)  # the lab's, at full size


def test_section1_the_always_healthy_model_and_the_chosen_threshold(split):
    from sklearn.linear_model import LogisticRegression

    text = _text()
    assert "It is 95% accurate and finds nobody" in text
    assert "0.199 nats, far below a coin flip's 0.693" in text
    assert "threshold 0.5 finds 82.4% of the sick; the chosen one finds 94.1%, at 84.2% precision" in text
    X, y = rare_class_task(*split.train, disease=3, random_state=0)
    X_val, y_val = rare_class_task(*split.val, disease=3, random_state=1)
    X_test, y_test = rare_class_task(*split.test, disease=3, random_state=2)
    healthy = always_healthy(y_test)
    assert round(100 * healthy.accuracy) == 95 and healthy.recall == 0
    assert (round(shortcut_loss(0.05), 3), round(shortcut_loss(0.5), 3)) == (0.199, 0.693)
    model = LogisticRegression(max_iter=2000).fit(flat(X), y)
    curve = precision_recall(y_val, model.predict_proba(flat(X_val))[:, 1])
    threshold = choose_threshold(curve, min_recall=0.9)
    scores = model.predict_proba(flat(X_test))[:, 1]
    default, chosen = binary_scores(y_test, scores), binary_scores(y_test, scores, threshold=threshold)
    assert round(100 * default.recall, 1) == 82.4
    assert (round(100 * chosen.recall, 1), round(100 * chosen.precision, 1)) == (94.1, 84.2)


def test_section2_baselines_and_the_cnn_at_its_goal_and_section4_the_moved_digits(split):
    text = _text()
    assert "The dumb baselines sit near 10%" in text
    assert "logistic regression is already above 95% on validation" in text
    assert "the CNN reaches 97.2% test accuracy, the goal, after 20 epochs" in text
    assert "a one-pixel move costs the CNN about a third of its accuracy" in text
    table = score_baselines(split, kinds=("majority", "input-independent", "logistic"))
    assert all(abs(table.row(k).val - 0.1) < 0.05 for k in ("majority", "input-independent"))
    assert table.row("logistic").val > 0.95
    cnn = train_network("cnn", split, epochs=20)
    assert round(100 * cnn.scores["test"], 1) == 97.2
    moved = shifted_split(split, "shift")
    lost = 1 - cnn.accuracy(*moved.val) / cnn.scores["val"]
    assert 0.25 < lost < 0.42 and cnn.scores["train_val"] > 0.95


def test_section4_augmentation_closes_the_fifty_point_shift_gap(split):
    from labkit.recipe.diagnosis import prioritize_row
    from labkit.recipe.fixes import apply_fixes
    from labkit.recipe.table import ResultsTable

    text = _text()
    assert "close the fifty-point shift gap almost entirely" in text
    assert "three times the epochs close the rest. The diagnosis then says variance" in text
    moved, table = shifted_split(split, "shift"), ResultsTable(goal=0.97)
    before = apply_fixes(moved, ("normalize", "bigger", "more epochs"), table=table)
    after = apply_fixes(moved, ("normalize", "bigger", "more epochs", "augment"), table=table)
    gaps_before, gaps_after = prioritize_row(table, before.name), prioritize_row(table, after.name)
    assert gaps_before.bias < 0 and gaps_before.attack == "variance"
    assert round(100 * gaps_before.shift / 10) == 5 and gaps_after.shift < 0.02
    assert gaps_after.variance < gaps_before.variance


def test_section5_label_noise_and_section7_the_normalization_bug(split):
    text = _text()
    assert "89% of the 45 highest-loss examples were the flipped ones" in text
    assert ("98.3% on the test digits 0-4 with the normalization of pretraining and 44.2% on raw pixels"
            in text)
    noise = find_flipped_labels(split, fraction=0.05)
    assert noise.k == 45 and round(100 * noise.precision_at_k) == 89
    bug = normalization_bug(pretrain(split, epochs=20), split)
    assert (round(100 * bug["pretrained"], 1), round(100 * bug["none"], 1)) == (98.3, 44.2)
