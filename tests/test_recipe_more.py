"""Lab 09's recipe, the studies: label noise, data beats tuning, transfer learning, and the pictures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from labkit.recipe.cleaning import add_hum, cleaning_vs_tuning, hum_patterns, remove_hum  # noqa: E402
from labkit.recipe.digits import split_digits  # noqa: E402
from labkit.recipe.errors import confusion, worst_mistakes  # noqa: E402
from labkit.recipe.goals import precision_recall  # noqa: E402
from labkit.recipe.label_noise import find_flipped_labels  # noqa: E402
from labkit.recipe.table import ResultsTable  # noqa: E402
from labkit.recipe.transfer import (  # noqa: E402
    MODES,
    digits_subset,
    few_shot,
    normalization_bug,
    pretrain,
    transfer,
    transfer_curve,
)
from labkit.viz import recipe as pictures  # noqa: E402
from labkit.viz.layout import pixel_width  # noqa: E402


@pytest.fixture(scope="module")
def split():
    return split_digits(n_samples=400, random_state=0)


@pytest.fixture(scope="module")
def pretrained(split):
    return pretrain(split, epochs=4, channels=4)


def test_label_noise_ranking_finds_the_flips(split):
    result = find_flipped_labels(split, fraction=0.1, kind="mlp", epochs=15, width=32, lr=3e-3)
    assert result.k == round(0.1 * len(split.y_train))
    assert result.precision_at_k > 0.4  # random ranking: 0.1


def test_hum_is_removed_exactly_by_the_projection(split):
    patterns = hum_patterns()
    assert np.allclose(patterns @ patterns.T, np.eye(len(patterns)))
    X = split.X_val
    hummed = add_hum(X, amplitude=5.0, random_state=0)
    assert np.abs(hummed - X).max() > 1 and np.allclose(remove_hum(hummed), remove_hum(X))
    assert np.array_equal(add_hum(X, amplitude=0.0), X)
    with pytest.raises(ValueError, match="periods"):
        hum_patterns(periods=(1.0,))


def test_cleaning_beats_tuning_on_hummed_digits(split):
    grid = ({"lr": 1e-3}, {"lr": 1e-2})
    result = cleaning_vs_tuning(split, grid=grid, epochs=15, amplitude=5.0)
    assert len(result.raw) == 2 and result.best_raw_val == max(v for _, v, _ in result.raw)
    assert result.cleaned_test > result.best_raw_test
    with pytest.raises(ValueError, match="grid"):
        cleaning_vs_tuning(split, grid=({"momentum": 0.9},))


def test_subsets_and_few_shot(split):
    target = digits_subset(split, (5, 6, 7, 8, 9))
    assert set(np.unique(target.y_train)) == set(range(5))
    assert np.array_equal(target.X_test, split.X_test[split.y_test >= 5])
    X, y = few_shot(*target.train, k=3, random_state=0)
    assert len(y) == 15 and (np.bincount(y) == 3).all()
    with pytest.raises(ValueError, match="fewer than k"):
        few_shot(*target.train, k=1000)


def test_freeze_keeps_the_features_and_retrain_moves_them(split, pretrained):
    X, y = few_shot(*digits_subset(split, (5, 6, 7, 8, 9)).train, k=2, random_state=0)
    original = {k: v.clone() for k, v in pretrained.model.state_dict().items()}
    frozen, _ = transfer(pretrained, "freeze", X, y, epochs=5)
    for key, value in frozen.features.state_dict().items():  # weights and batch-norm statistics
        assert torch.equal(value, original[f"features.{key}"])
    retrained, _ = transfer(pretrained, "retrain", X, y, epochs=5)
    assert not torch.equal(retrained.features[0].weight, original["features.0.weight"])
    assert all(torch.equal(v, original[k]) for k, v in pretrained.model.state_dict().items())
    with pytest.raises(ValueError, match="mode"):
        transfer(pretrained, "distill", X, y)


def test_transfer_curve_and_normalization_bug(split, pretrained):
    curve = transfer_curve(split, pretrained, ks=(1, 3), epochs=5)
    assert curve.accuracy.shape == (len(MODES), 2) and ((curve.accuracy >= 0) & (curve.accuracy <= 1)).all()
    accuracy = normalization_bug(pretrained, split)
    source = digits_subset(split, (0, 1, 2, 3, 4))
    assert accuracy["pretrained"] == pytest.approx(pretrained.accuracy(*source.test))
    assert set(accuracy) == {"pretrained", "own", "none"}


def test_pictures_draw_within_the_column(split):
    table = ResultsTable()
    table.add("logistic", train=0.99, val=0.95, test=0.96)
    ax = pictures.plot_results_table(table)
    assert len(ax.patches) == 3 and pixel_width(ax.figure) <= 820
    y = split.y_val
    p = np.eye(10)[(y + (np.arange(len(y)) % 7 == 0)) % 10] * 0.9 + 0.01
    ax = pictures.plot_confusion(confusion(y, p.argmax(1)))
    assert pixel_width(ax.figure) <= 820
    fig = pictures.plot_mistakes(split.X_val, worst_mistakes(p, y, k=8))
    titled = [a for a in fig.axes if a.get_title()]
    assert len(titled) == 8 and "->" in titled[0].get_title() and pixel_width(fig) <= 820
    ax = pictures.plot_pr_curve(precision_recall(y == 3, p[:, 3]), threshold=0.5)
    assert pixel_width(ax.figure) <= 820
    with pytest.raises(TypeError, match="ResultsTable"):
        pictures.plot_results_table("table")
    import matplotlib.pyplot as plt

    plt.close("all")
