"""The fixes menu of Lab 09: settings per fix, the sideways-move augmentation, apply_fixes's rows."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labkit.recipe.digits import RawPixels, shifted_split, split_digits
from labkit.recipe.fixes import FIXES, START, apply_fixes, fixed_settings, fixes_name, shift_augment
from labkit.recipe.table import ResultsTable


def test_each_fix_changes_only_its_own_setting():
    start = fixed_settings()
    assert start["kind"] == START["kind"] and start["normalize"] is False and start["augment"] is None
    changed = {fix: {k for k, v in fixed_settings([fix]).items() if v != start[k]} for fix in FIXES}
    assert changed == {"normalize": {"normalize"}, "cnn": {"kind"}, "bigger": {"width", "channels"},
                       "weight decay": {"weight_decay"}, "dropout": {"dropout"}, "augment": {"augment"},
                       "more epochs": {"epochs"}}
    assert fixed_settings(["more epochs"], epochs=5)["epochs"] == 15
    assert fixes_name(["bigger", "normalize"]) == fixes_name(("normalize", "bigger")) == "norm+big"
    assert fixes_name(()) == "start"
    with pytest.raises(ValueError, match="fixes"):
        fixed_settings(["batch norm"])


def test_shift_augment_moves_each_image_by_at_most_one_pixel_sideways_and_keeps_labels():
    X = torch.arange(4 * 64, dtype=torch.float32).reshape(4, 64) + 1.0  # every pixel distinct, background 1
    y = torch.tensor([3, 1, 4, 1])
    out, labels = shift_augment(X, y, torch.Generator().manual_seed(0))
    assert out.shape == X.shape and torch.equal(labels, y)
    images, moved = X.reshape(4, 8, 8), out.reshape(4, 8, 8)
    offsets = []
    for a, b in zip(images, moved, strict=True):
        match = [dx for dx in (-1, 0, 1) if torch.equal(torch.roll(a, dx, dims=1)[:, 1:-1], b[:, 1:-1])]
        assert len(match) == 1
        offsets.append(match[0])
    assert len(set(offsets)) > 1  # drawn per image, not one move for the batch
    flat = shift_augment(X.reshape(4, 1, 8, 8), y, torch.Generator().manual_seed(0))[0]
    assert torch.equal(flat.reshape(4, 64), out)
    with pytest.raises(ValueError, match="8x8"):
        shift_augment(torch.zeros(2, 10), y[:2], torch.Generator())


def test_apply_fixes_adds_a_named_row_with_the_shifted_score_and_raw_pixels_at_the_start():
    split = split_digits(n_samples=200, random_state=0)
    table = ResultsTable()
    run = apply_fixes(split, (), shifted=shifted_split(split, "shift"), table=table, epochs=1)
    assert isinstance(run.normalizer, RawPixels) and table.names == ["start"]
    assert table.row("start").shifted == pytest.approx(run.scores["shifted"])
    fixed = apply_fixes(split, ("normalize", "augment"), table=table, name="mine", epochs=1)
    assert not isinstance(fixed.normalizer, RawPixels) and table.names == ["start", "mine"]
    assert np.isclose(fixed.normalizer.mean, split.X_train.mean())
    with pytest.raises(TypeError, match="shifted"):
        apply_fixes(split, (), shifted="shift", epochs=1)


def test_every_remedy_a_fix_carries_out_is_one_the_diagnosis_names():
    from labkit.recipe.diagnosis import REMEDIES
    from labkit.recipe.fixes import FIXES, REMEDY_FIXES, remedies_to_try

    named = {remedy for remedies in REMEDIES.values() for remedy in remedies}
    assert set(REMEDY_FIXES) <= named and {f for fs in REMEDY_FIXES.values() for f in fs} <= set(FIXES)
    bias = REMEDIES["bias"]
    assert remedies_to_try(bias, ()) == [r for r in bias if r != "reduce regularization"]
    assert "make the model bigger" not in remedies_to_try(bias, ("bigger",))
    assert "reduce regularization" in remedies_to_try(bias, ("dropout",))
