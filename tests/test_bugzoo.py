"""labkit.debugging.bugzoo: every bug trains silently, and the doctor catches every one of them.

The matrix below is the lab's table: for each bug, the doctor checks built to catch it.
The test runs the doctor on every bug and on its fix and proves each row.
"""

from __future__ import annotations

import math

import pytest
import torch

from labkit.debugging import bugzoo
from labkit.debugging.checklist import CHECKS
from labkit.history import History

# bug -> the doctor checks that catch it (other checks may fail too: a NaN spoils most of them)
CATCHES = {
    "forgot_zero_grad": {"grads_reset"},
    "softmax_wrong_dim": {"batch_independent", "logits", "init_loss"},
    "softmax_into_cross_entropy": {"logits"},
    "labels_shuffled": {"labels_signal"},
    "broadcast_n_vs_n1": {"shapes"},
    "dropout_at_test": {"eval_repeatable"},
    "minimize_negative_loss": {"init_loss", "overfit_batch"},
    "overwritten_layer": {"grads_reach", "params_change"},
    "test_scaled_own_stats": {"preprocess"},
    "optimizer_wrong_params": {"params_change", "overfit_batch"},
    "unscaled_inputs": {"input_scale"},
    "nan_in_inputs": {"finite"},
    "lr_too_high": {"overfit_batch"},
    "bad_init": {"init_loss"},
}


@pytest.fixture(scope="module")
def matrix():
    return bugzoo.catch_matrix()


def test_the_zoo_holds_at_least_ten_documented_bugs():
    assert len(bugzoo.BUGS) >= 10 and set(bugzoo.BUGS) == set(CATCHES)
    for name, bug in bugzoo.BUGS.items():
        assert bug.name == name and bug.description and bug.source
        assert "Hincapie-Potes" in bug.source or "Cross Validated" in bug.source
        assert set(bug.caught_by) == CATCHES[name] and set(bug.caught_by) <= set(CHECKS)


@pytest.mark.parametrize("name", list(CATCHES))
def test_each_bug_is_caught_by_its_checks_and_its_fix_passes(matrix, name):
    assert CATCHES[name] <= set(matrix.caught_by(name)), matrix.buggy[name]
    assert matrix.false_alarms(name) == [], matrix.fixed[name]


def test_every_bug_is_caught_by_at_least_one_check(matrix):
    assert all(matrix.caught_by(name) for name in bugzoo.BUGS)
    text = repr(matrix)
    assert "NOT CAUGHT" not in text and text.count("fixed: all pass") == len(bugzoo.BUGS)
    assert "**caught**" in matrix._repr_markdown_()


@pytest.mark.parametrize("name", list(CATCHES))
def test_each_set_up_trains_without_an_exception_buggy_or_fixed(name):
    for fixed in (False, True):
        history = bugzoo.get_bug(name).train(fixed=fixed, steps=15)
        assert isinstance(history, History) and history.epochs_run >= 1
        assert history.stop_reason in ("completed", "diverged")


def test_the_bugs_hurt_training():
    nan = bugzoo.get_bug("nan_in_inputs").train(steps=5)
    assert nan.stop_reason == "diverged" and math.isnan(nan.train_loss[0])
    negative = bugzoo.get_bug("minimize_negative_loss")
    buggy, fixed = negative.train(steps=60), negative.train(fixed=True, steps=60)
    assert buggy.train_metric[-1] < 0.5 < fixed.train_metric[-1]  # accuracy
    scaled = bugzoo.get_bug("test_scaled_own_stats")
    assert scaled.train(fixed=True, steps=150).val_metric[-1] < 0.5 * scaled.train(steps=150).val_metric[-1]
    stuck = bugzoo.get_bug("optimizer_wrong_params").train(steps=30)
    assert stuck.train_loss[0] == stuck.train_loss[-1]  # the trained model never changes


def test_set_ups_are_seeded_and_leave_the_global_seed_alone():
    bug = bugzoo.get_bug("labels_shuffled")
    torch.manual_seed(5)
    a, b = bug.setup(random_state=3), bug.setup(random_state=3)
    after = torch.rand(1)
    torch.manual_seed(5)
    assert torch.equal(after, torch.rand(1))
    assert torch.equal(a.X, b.X) and torch.equal(a.y, b.y)
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True))
    assert not torch.equal(a.y, bug.setup(fixed=True, random_state=3).y)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="name must be one of 'forgot_zero_grad'"):
        bugzoo.get_bug("typo")
    with pytest.raises(TypeError, match="fixed must be True or False"):
        bugzoo.get_bug("bad_init").setup(fixed="yes")
    with pytest.raises(ValueError, match="steps must be at least 1"):
        bugzoo.get_bug("bad_init").train(steps=0)
    with pytest.raises(ValueError, match="name must be one of"):
        bugzoo.catch_matrix(["bad_init", "typo"])
    with pytest.raises(TypeError, match="names must be a list"):
        bugzoo.catch_matrix("bad_init")
