"""Lab 09's recipe (labkit.recipe): data, metrics, table, priorities, baselines, networks, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from labkit.logbook import Logbook
from labkit.recipe.baselines import make_baseline, score_baselines
from labkit.recipe.diagnosis import prioritize, prioritize_row
from labkit.recipe.digits import Normalizer, shift_pixels, shifted_split, split_digits, thicken
from labkit.recipe.errors import confusion, flag_precision, flip_labels, rank_by_loss, worst_mistakes
from labkit.recipe.goals import (
    always_healthy,
    binary_scores,
    choose_threshold,
    precision_recall,
    rare_class_task,
    shortcut_loss,
)
from labkit.recipe.networks import make_network, overfit_one_batch, train_network
from labkit.recipe.table import ResultsTable


@pytest.fixture(scope="module")
def split():
    return split_digits(n_samples=300, random_state=0)


def test_split_is_stratified_deterministic_and_complete(split):
    again = split_digits(n_samples=300, random_state=0)
    assert np.array_equal(split.X_train, again.X_train) and np.array_equal(split.y_test, again.y_test)
    assert sum(len(split.part(p)[1]) for p in ("train", "train_val", "val", "test")) == 300
    assert set(np.unique(split.y_train_val)) == set(range(10))
    assert not np.array_equal(split_digits(n_samples=300, random_state=1).y_train, split.y_train)
    with pytest.raises(ValueError, match="sum to 1"):
        split_digits(fractions=(0.5, 0.1, 0.2, 0.3))
    with pytest.raises(TypeError, match="four numbers"):
        split_digits(fractions=(0.5, 0.5))


def test_shifted_split_moves_only_val_and_test(split):
    thick = shifted_split(split, "thicken")
    assert np.array_equal(thick.X_train, split.X_train)
    assert np.array_equal(thick.X_train_val, split.X_train_val)
    assert (thick.X_val >= split.X_val).all() and thick.X_val.sum() > 1.3 * split.X_val.sum()
    moved = shift_pixels(split.X_test, dx=1)
    assert np.array_equal(moved[..., 1:], split.X_test[..., :-1]) and (moved[..., 0] == 0).all()
    assert np.array_equal(thicken(np.zeros((1, 1, 8, 8))), np.zeros((1, 1, 8, 8)))
    with pytest.raises(ValueError, match="kind"):
        shifted_split(split, "blur")


def test_normalizer_uses_the_training_statistics(split):
    scale = Normalizer(split.X_train)
    z = scale(split.X_train)
    assert z.dtype == np.float32 and abs(z.mean()) < 1e-5 and abs(z.std() - 1) < 1e-4
    with pytest.raises(ValueError, match="zero standard deviation"):
        Normalizer(np.ones((3, 1, 8, 8)))
    with pytest.raises(ValueError, match=r"\(n, 1, 8, 8\)"):
        scale(np.ones((3, 5)))


def test_always_healthy_is_accurate_and_useless():
    X, y = split_digits().train
    X_rare, y_rare = rare_class_task(X, y, disease=3, positive_rate=0.05, random_state=0)
    assert abs(y_rare.mean() - 0.05) < 0.005 and len(y_rare) == (y != 3).sum() + y_rare.sum()
    lazy = always_healthy(y_rare)
    assert lazy.accuracy == pytest.approx(1 - y_rare.mean()) and lazy.recall == 0 and lazy.precision == 0
    with pytest.raises(ValueError, match="needs"):
        rare_class_task(X[:50], y[:50], positive_rate=0.5)


def test_binary_scores_pr_curve_and_threshold():
    y = np.array([0, 0, 0, 0, 1, 1])
    scores = np.array([0.1, 0.2, 0.7, 0.3, 0.6, 0.9])
    at_half = binary_scores(y, scores)
    assert (at_half.precision, at_half.recall, at_half.n_alarms) == (2 / 3, 1.0, 3)
    curve = precision_recall(y, scores)
    threshold = choose_threshold(curve, min_recall=1.0)
    assert threshold == pytest.approx(0.6)  # the highest that still finds both: one false alarm (0.7)
    assert binary_scores(y, scores, threshold=threshold).precision == pytest.approx(2 / 3)
    strict = choose_threshold(curve, min_recall=0.5)
    assert strict == pytest.approx(0.9) and binary_scores(y, scores, threshold=strict).precision == 1.0
    assert shortcut_loss(0.5) == pytest.approx(math.log(2)) and shortcut_loss(0.05) < 0.2
    with pytest.raises(ValueError, match="0 \\(healthy\\) and 1"):
        binary_scores([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="both classes"):
        precision_recall([0, 0], [0.1, 0.2])


def test_results_table_grows_and_renders():
    table = ResultsTable(goal=0.97)
    table.add("majority", train=0.1, val=0.1, test=0.1)
    table.add("cnn", train=1.0, val=0.98, test=0.975, seconds=3.0)
    frame = table.to_frame(errors=True)
    assert list(frame.index) == ["majority", "cnn"] and frame.loc["cnn", "val"] == pytest.approx(0.02)
    assert frame.loc["cnn", "goal"] == pytest.approx(0.03)
    assert list(table.to_frame(talk_layout=True).columns) == ["majority", "cnn"]
    text = table.to_text()
    assert "97.5%" in text and "majority" in text and max(map(len, text.splitlines())) <= 100
    with pytest.raises(ValueError, match="already a row"):
        table.add("cnn", train=0.5)
    with pytest.raises(ValueError, match="at most 1"):
        table.add("bad", train=97.0)


def test_prioritize_follows_the_talk():
    assert prioritize(goal=0.01, train=0.20, val=0.27, test=0.28).attack == "bias"
    gaps = prioritize(goal=0.01, train=0.008, val=0.12, test=0.12)
    assert gaps.attack == "variance" and gaps.variance == pytest.approx(0.112)
    shift = prioritize(goal=0.01, train=0.008, train_val=0.012, val=0.05)
    assert shift.attack == "distribution shift" and shift.shift == pytest.approx(0.038)
    assert prioritize(goal=0.01, train=0.009, train_val=0.012, val=0.015, test=0.016).attack is None
    with pytest.raises(ValueError, match="train"):
        prioritize(goal=0.01, train=20, val=0.27)
    table = ResultsTable(goal=0.99)
    table.add("m", train=0.99, train_val=0.985, val=0.90, test=0.9)
    assert prioritize_row(table, "m").attack == "distribution shift"


def test_baselines(split):
    table = score_baselines(split, kinds=("majority", "input-independent", "logistic"))
    majority = np.bincount(split.y_train).argmax()
    assert table.row("majority").test == pytest.approx((split.y_test == majority).mean())
    assert table.row("logistic").val > 0.8 > table.row("input-independent").val
    assert type(make_baseline("boosted tree")).__name__ == "HistGradientBoostingClassifier"
    with pytest.raises(ValueError, match="kind"):
        make_baseline("svm")


def test_make_network_is_seeded_and_leaves_torch_alone():
    state = torch.get_rng_state()
    a, b = make_network("cnn", channels=4, random_state=3), make_network("cnn", channels=4, random_state=3)
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(next(a.parameters()), next(make_network("cnn", channels=4).parameters()))
    with pytest.raises(ValueError, match="kind"):
        make_network("rnn")


def test_overfit_one_batch_on_a_copy(split):
    model = make_network("cnn", channels=4)
    before = [p.detach().clone() for p in model.parameters()]
    X = Normalizer(split.X_train)(split.X_train[:16])
    check = overfit_one_batch(model, X, split.y_train[:16], steps=60, lr=1e-2)
    assert check.passed and check.accuracy == 1.0 and check.losses[-1] < check.losses[0]
    assert all(torch.equal(p, q) for p, q in zip(before, model.parameters(), strict=True))
    assert not overfit_one_batch(model, X, split.y_train[:16], steps=1).passed


def test_train_network_fills_table_and_logbook(split, tmp_path):
    table = ResultsTable()
    with Logbook(tmp_path / "runs.db") as book:
        run = train_network("mlp", split, table=table, epochs=3, width=16, logbook=book)
        entry = book.entries("recipe")[0]
    assert table.row("mlp").val == pytest.approx(run.scores["val"])
    assert entry.metrics["val"] == pytest.approx(run.scores["val"]) and len(entry.curves["train_loss"]) == 3
    assert run.probabilities(split.X_val).shape == (len(split.y_val), 10)


def test_confusion_and_worst_mistakes():
    y = np.array([0, 1, 2, 2])
    p = np.array([[0.9, 0.1, 0], [0.2, 0.8, 0], [0.6, 0.4, 0], [0, 0.99, 0.01]])
    matrix = confusion(y, p.argmax(1), n_classes=3)
    assert matrix.sum() == 4 and np.trace(matrix) == 2 and matrix[2, 1] == 1
    worst = worst_mistakes(p, y, k=5)
    assert list(worst.index) == [3, 2] and list(worst.predicted) == [1, 0] and worst.confidence[0] == 0.99
    assert worst.lines()[0] == "#3: a 2 read as 1 (99% sure)"
    with pytest.raises(ValueError, match="sum to 1"):
        worst_mistakes(p * 2, y)


def test_flip_labels_and_loss_ranking():
    y = np.repeat(np.arange(10), 20)
    noisy, flipped = flip_labels(y, fraction=0.1, random_state=0)
    assert flipped.sum() == 20 and (noisy[flipped] != y[flipped]).all()
    assert (noisy[~flipped] == y[~flipped]).all()
    assert np.array_equal(flip_labels(y, fraction=0.1, random_state=0)[0], noisy)
    p = np.full((len(y), 10), 0.01)
    p[np.arange(len(y)), y] = 0.91  # a model that knows the true labels
    ranking = rank_by_loss(p, noisy)
    assert flag_precision(ranking, flipped) == 1.0
    assert flag_precision(np.arange(len(y)), flipped, k=200) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="n_classes"):
        flip_labels(y, n_classes=5)
