"""Case 12 and its kind: a preprocessing step that looks at the labels, fitted before the split.

Case 12 (``shared/cases/diagnostics/case12_feature_selection_leak.py``): 120 samples of
2000 noise features, random labels; the 10 features most associated with the labels,
chosen on all rows, gave about 75% validation accuracy. The fix is to fit every step
that looks at labels inside each training fold (ESL, section 7.10.2).

Margins. The labels are random and balanced, so an honest classifier is right on each
validation row with probability 0.5, whatever the features: over R repeats of n rows
the mean accuracy has binomial standard error sqrt(0.25 / (R n)) = 0.0144 for R = 10,
n = 120 (``chance_spread``). "Near chance" is within 4 of those (a 1 in 15,000 miss
for a fair coin); "well above" is at least 10 of them above chance and 0.15 above the
honest score. Leaky scores measured 0.76-0.79 (selection) and 0.71-0.72 (encoding) on
seeds 0-2; honest ones 0.48-0.51.
"""

from __future__ import annotations

import numpy as np
import pytest

from labkit.generalization.supervised_leaks import (
    SUPERVISED_STEPS,
    PreprocessingLeakResult,
    supervised_leak_demo,
)


@pytest.fixture(scope="module", params=SUPERVISED_STEPS)
def case(request):
    return supervised_leak_demo(request.param, n_repeats=10, random_state=0)


def test_case12_a_step_fitted_on_all_labels_finds_signal_in_noise(case):
    assert isinstance(case, PreprocessingLeakResult) and case.leaky_accuracy.shape == (10,)
    assert case.chance == 0.5 and case.chance_spread == pytest.approx(np.sqrt(0.25 / 1200))
    leaky, honest = case.leaky_accuracy.mean(), case.honest_accuracy.mean()
    assert leaky > case.chance + 10 * case.chance_spread  # random labels "predicted" well above chance
    assert leaky > honest + 0.15
    assert abs(honest - case.chance) < 4 * case.chance_spread  # fitted inside each fold: chance, as it must
    assert case.step in repr(case) and "inside each training fold" in repr(case)


def test_selecting_every_feature_leaks_nothing():
    # With nothing to choose, the leaky and honest procedures are the same model on the same folds:
    # the gap above comes from the choice made with the validation labels, not from the classifier.
    r = supervised_leak_demo(n_features=10, n_selected=10, n_repeats=3, random_state=1)
    np.testing.assert_array_equal(r.leaky_accuracy, r.honest_accuracy)


def test_supervised_leak_is_repeatable_for_a_seed():
    a, b = (supervised_leak_demo("target_encoding", n_repeats=2, random_state=4) for _ in range(2))
    np.testing.assert_array_equal(a.leaky_accuracy, b.leaky_accuracy)
    np.testing.assert_array_equal(a.honest_accuracy, b.honest_accuracy)


@pytest.mark.parametrize("kwargs, error, argument", [
    ({"step": "pca"}, ValueError, "step"),
    ({"n_selected": 20, "n_features": 10}, ValueError, "n_selected"),
    ({"n_samples": 10}, ValueError, "n_samples"),
    ({"n_splits": 1}, ValueError, "n_splits"),
    ({"n_categories": 1}, ValueError, "n_categories"),
    ({"n_repeats": 2.0}, TypeError, "n_repeats"),
    ({"random_state": "x"}, TypeError, "random_state"),
])
def test_supervised_leak_bad_arguments_name_the_argument(kwargs, error, argument):
    with pytest.raises(error, match=argument):
        supervised_leak_demo(**kwargs)
