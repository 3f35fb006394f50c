"""Numbers the labs' prose states, computed with labkit so the text and the code cannot drift."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from labkit.course.validation import _LEAKY, PRACTICES
from labkit.generalization import Settings, diagnose, run_settings
from labkit.generalization.diagnosis import SOURCES
from labkit.models import MLP, n_parameters

LABS = Path(__file__).resolve().parents[1] / "labs"


def _cells(name):
    return json.loads((LABS / name).read_text(encoding="utf-8"))["cells"]


def _markdown(name):
    return "\n".join("".join(c["source"]) for c in _cells(name) if c["cell_type"] == "markdown")


def _code_cell_containing(name, text):
    (source,) = ["".join(c["source"]) for c in _cells(name)
                 if c["cell_type"] == "code" and text in "".join(c["source"])]
    return source


def test_lab05_single_batch_network_has_about_2300_parameters():
    assert "net = MLP(2, 2, width=32, depth=3)" in _code_cell_containing(
        "05_debugging_training.ipynb", "Xb, yb =")
    count = n_parameters(MLP(2, 2, width=32, depth=3))
    assert count == 2274
    text = _markdown("05_debugging_training.ipynb")
    assert "about 2,300 parameters" in text and f"{count:,}" in text
    assert "a few hundred" not in text


def test_lab01_first_three_fixes_take_training_error_from_20_to_0_8_percent():
    tree = ast.parse(_code_cell_containing("01_underfitting_overfitting.ipynb", "steps = ["))
    (assign,) = [n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "steps"]
    steps = ast.literal_eval(assign.value)  # the lab's table, read, not run
    trains = [train for _, train, _ in steps[:4]]
    assert trains == [0.20, 0.07, 0.03, 0.008]
    assert diagnose(*steps[3][1:], goal_error=0.01).regime == "overfitting"  # training error meets the goal
    assert all("underfitting" in diagnose(*s[1:], goal_error=0.01).regime for s in steps[:3])
    text = " ".join(_markdown("01_underfitting_overfitting.ipynb").split())
    assert "20% to 7%, 3% and finally 0.8%" in text


@pytest.fixture(scope="module")
def top_rate_runs():
    """The playground's defaults at the top of its learning-rate slider (10**0.5), as the lab runs it."""
    epochs = 50  # the lab's fast size, pick(300, 50); at 300 epochs Adam underfits as well
    return {opt: run_settings(Settings(optimizer=opt, lr=10 ** 0.5, epochs=epochs))
            for opt in ("adam", "sgd")}


def test_lab01_adam_at_the_top_rate_does_not_diverge_but_underfits(top_rate_runs):
    sgd, adam = top_rate_runs["sgd"], top_rate_runs["adam"]
    assert sgd.diagnosis is None  # diverged: the panel says so
    assert adam.diagnosis is not None  # Adam does not blow up ...
    assert adam.diagnosis.regime != "about right"  # ... but it does not fit well either
    assert "underfitting" in adam.diagnosis.regime
    assert "survives even that rate" not in _markdown("01_underfitting_overfitting.ipynb")


def test_lab02_q3_leaky_scaling_names_the_target():
    leaky_scaling = [p for p in _LEAKY if p.startswith("standardise every run")]
    assert len(leaky_scaling) == 1 and "target" in leaky_scaling[0]
    assert leaky_scaling[0] in PRACTICES


def test_lab04_gradcheck_and_tf32_text():
    text = _markdown("04_gradient_checks.ipynb")
    assert "torch.backends.cuda.matmul.fp32_precision" in text
    assert "fast_mode" in text
    assert "in float64 with eps" not in text


def test_clipping_source_is_the_cross_validated_answer():
    entry = SOURCES["DIVERGED_REMEDIES"]
    assert "352037" in entry and "0.25" in entry and "not from these slides" not in entry


def test_lab02_one_group_split_errs_both_ways_and_group_kfold_narrows_it():
    """Lab 02 section 3: the random split is rosy almost always; one group split is not "safely pessimistic".

    A small, fast version of the lab's run (half the rows, narrower and shorter training, 40 repeats).
    Over seeds 0-4 it gave: random one split below the truth in 70-93% of the repeats, one group split
    in 50-68%, and the group 4-fold mean's spread 0.45-0.83 times the one split's. A share of 40
    repeats has a binomial standard error of at most 0.08, so the bounds below sit 2.5 or more of
    those from a fair coin and from what was measured.
    """
    from labkit.generalization import compare_group_kfold

    r = compare_group_kfold(4, n_samples=160, n_unseen=40, width=32, epochs=120, n_repeats=40, random_state=0)
    assert r.below_truth("random") >= 0.7  # rosy nearly every time
    assert 0.3 <= r.below_truth("group") <= 0.75  # either way: not a safe, pessimistic estimate
    assert r.below_truth("random") > r.below_truth("group") + 0.1
    assert r.spread("group", averaged=True) < 0.9 * r.spread("group")  # averaging the folds narrows it
    text = " ".join(_markdown("02_validation_done_right.ipynb").split())
    assert "safe side" not in text and "too pessimistic" not in text
    assert "GroupKFold" in text and "compare_group_kfold(" in _code_cell_containing(
        "02_validation_done_right.ipynb", "compare_group_kfold(")


def test_lab02_scaling_rows_are_what_the_text_says():
    """Lab 02 "Which scaling leak matters?": one scaler on train + validation barely matters; scaling
    each part with its own statistics (the quoted bug) costs new data error while the validation part
    did not show it at the lab's seed."""
    from labkit.generalization import SCALERS, compare_scalers

    r = compare_scalers(random_state=0)  # the lab's full-size call
    train, both, own = (SCALERS.index(name) for name in ("training part", "training + validation",
                                                         "each part its own"))
    for errors in (r.val_error, r.new_error):
        assert abs(errors[both] - errors[train]) < 0.01 * errors[train]  # "almost no difference"
    assert r.new_error[own] > 1.5 * r.new_error[train]  # new batches, each with its own statistics: worse
    assert r.val_error[own] < 1.02 * r.val_error[train]  # ... but the validation part did not warn
    text = " ".join(_markdown("02_validation_done_right.ipynb").split())
    assert "compare_scalers(" in _code_cell_containing("02_validation_done_right.ipynb", "compare_scalers(")
    assert "each part its own" in text and "statistics of the test partition" in text


def test_lab02_shows_supervised_preprocessing_leak():
    text = " ".join(_markdown("02_validation_done_right.ipynb").split())
    assert "supervised_leak_demo(" in _code_cell_containing("02_validation_done_right.ipynb",
                                                            "supervised_leak_demo(")
    assert "7.10.2" in text and "inside each training fold" in text and "target encoding" in text


def test_lab01_width_2_learning_curve_falls_then_meets_above_the_noise():
    """Lab 01 section 5: the width-2 network gains from data at first (its variance on 5 points is
    large), then its curves meet at a plateau well above the noise (bias): more data stops helping.
    A full run (16 models, 300 epochs) gives test error 0.258 -> 0.142 and meets at 80-160 points;
    this runs the lab's configuration at a fast size."""
    from labkit.generalization import bias_variance_sweep

    code = _code_cell_containing("01_underfitting_overfitting.ipynb", "narrow = bias_variance_sweep(")
    assert 'bias_variance_sweep("n_train", width=2, depth=1' in code and "noise=0.3" in code
    r = bias_variance_sweep("n_train", values=(5, 160), width=2, depth=1, noise=0.3, n_models=4,
                            epochs=150, random_state=0, progress=False)
    assert r.test_error[0] > 1.5 * r.test_error[-1]  # more data helps at first
    assert abs(r.test_error[-1] - r.train_error[-1]) < 0.1 * r.test_error[-1]  # the curves meet
    assert r.test_error[-1] > r.noise[-1] + 0.04  # ... above the noise: what is left is bias
    text = " ".join(_markdown("01_underfitting_overfitting.ipynb").split())
    assert "curves meet early" not in text and "gains from data too, but only at first" in text
    assert "0.26" in text and "near 0.14" in text and "(0.09)" in text


def test_lab01_table_and_text_attack_the_larger_gap():
    tree = ast.parse(_code_cell_containing("01_underfitting_overfitting.ipynb", "steps = ["))
    (assign,) = [n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "steps"]
    steps = {change: (train, val) for change, train, val in ast.literal_eval(assign.value)}
    focus = {change: diagnose(*errors, goal_error=0.01).focus for change, errors in steps.items()}
    assert focus["first model"] == "bias"  # 19 points against 7
    assert focus["more training data"] == focus["add weight decay"] == "variance"  # 3.5 vs 0.5, 2.3 vs 0.7
    text = " ".join(_markdown("01_underfitting_overfitting.ipynb").split())
    assert "**the larger gap**" in text and "3.5 and then 2.3 points" in text
    assert "fix the bias first" not in text.lower()
