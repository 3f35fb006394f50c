"""Exercises for Lab 09, "The recipe, end to end".

Every answer is computed by the recipe topic's own functions (``always_healthy``,
``binary_scores``, ``prioritize``, ``rank_by_loss``, and the lab's own transfer curve and
normalization-bug result), so the exercises grade what the lab showed. Sources: Langseth
(metrics, the rare disease, the optimizer that cheats); Hincapie-Potes after Full Stack Deep
Learning and Ng (the table of gaps and their order; pretrained weights without the original
normalization); Lazzaretti (the worst mistakes); Lusch (fix wrong labels; transfer learning).
"""

from __future__ import annotations

import numpy as np

from labkit.exercises import Exercise, ExerciseSet, as_number, expect_choice, expect_number, expect_set
from labkit.recipe.diagnosis import GAPS, prioritize
from labkit.recipe.digits import split_digits
from labkit.recipe.errors import rank_by_loss
from labkit.recipe.goals import always_healthy, binary_scores, rare_class_task
from labkit.recipe.transfer import MODES, TransferCurve

__all__ = ["exercises", "QUESTIONS", "GAP_TABLE", "ALARMS", "SUSPECTS", "GAPS", "MODES"]

GAP_TABLE = {"goal": 0.03, "train": 0.035, "train_val": 0.09, "val": 0.21, "test": 0.22}  # q2: error rates
ALARMS = {"y_true": (1, 1, 1, 1, 0, 0, 0, 0, 0, 0),
          "scores": (0.9, 0.7, 0.4, 0.2, 0.8, 0.3, 0.1, 0.1, 0.05, 0.6), "threshold": 0.5}  # q3: ten patients
SUSPECTS = {"probabilities": ((0.9, 0.05, 0.05), (0.1, 0.8, 0.1), (0.7, 0.2, 0.1), (0.2, 0.2, 0.6),
                              (0.05, 0.05, 0.9), (0.3, 0.4, 0.3)),
            "labels": (0, 1, 1, 2, 0, 1), "k": 2}  # q4: six training rows, their given labels

QUESTIONS = {
    "q1": "One digit is the disease, 1 sample in 20. What accuracy and recall does the model that always "
          "answers 'healthy' get on the lab's rare-class test set? Answer with a pair (accuracy, recall).",
    "q2": "Error rates: goal 3%, train 3.5%, train-validation 9%, validation 21%, test 22%. Which gap do you "
          "attack first? (one of GAPS)",
    "q3": "Ten patients, the first four sick; scores 0.9, 0.7, 0.4, 0.2 (sick) and 0.8, 0.3, 0.1, 0.1, 0.05, "
          "0.6 (healthy). Alarms at score >= 0.5: answer (precision, recall).",
    "q4": "Six training rows with their labels and a trained network's probabilities (SUSPECTS). Which two "
          "rows would you check first for a wrong label? Answer with a set of row indices.",
    "q5": "With one example per class of the new digits, which way of transferring scored best in the "
          "lab's curve? (one of MODES)",
    "q6": "How many points of accuracy does the pretrained network lose on its own digits when it is fed "
          "raw pixels instead of the normalization it was trained with?",
}



def _pair_check(right: tuple, names: tuple, *, tolerance: float = 0.01, swapped: str = ""):
    """Checks a pair of fractions; a percentage or a swapped pair gets its own message."""
    def check(answer):
        if isinstance(answer, str) or not isinstance(answer, (tuple, list)) or len(answer) != 2 \
                or any(as_number(a) is None for a in answer):
            return False, f"answer with a pair of numbers ({names[0]}, {names[1]}), fractions from 0 to 1"
        got = tuple(as_number(a) for a in answer)
        if all(abs(g - r) <= tolerance for g, r in zip(got, right, strict=True)):
            return True, f"({right[0]:.3g}, {right[1]:.3g}).{swapped and ' ' + swapped}"
        if any(g > 1 for g in got):
            return False, "that looks like percentages: answer with fractions, e.g. 0.25 for 25%"
        if all(abs(g - r) <= tolerance for g, r in zip(got[::-1], right, strict=True)):
            return False, f"the other way round: first {names[0]}, then {names[1]}"
        wrong = [n for n, g, r in zip(names, got, right, strict=True) if abs(g - r) > tolerance]
        return False, f"{' and '.join(wrong)} not right yet"
    return check


def _healthy_check():
    split = split_digits(random_state=0)
    _, y_test = rare_class_task(*split.test, disease=3, random_state=2)
    scores = always_healthy(y_test)
    right = (scores.accuracy, scores.recall)
    return _pair_check(right, ("accuracy", "recall"), swapped="High accuracy, and not one sick patient "
                       "found: accuracy is the wrong metric for a rare class."), right


def _gap_check():
    gaps = prioritize(**GAP_TABLE)
    choice = expect_choice(gaps.attack, GAPS)
    why = {
        "bias": f"train error {GAP_TABLE['train']:.1%} is half a point from the goal: within tolerance",
        "distribution shift": (f"the shift ({100 * gaps.shift:.0f} points) is larger, but the talk's order "
                               "is bias, then variance, then shift: the variance gap is above tolerance"),
        "validation overfitting": "test is one point above validation: that gap is within tolerance",
    }

    def check(answer):
        ok, message = choice(answer)
        if ok:
            return True, f"{gaps.attack!r}: {gaps}."
        key = answer.strip().casefold() if isinstance(answer, str) else None
        return False, why.get(key, message)

    return check, gaps


def _alarms_check():
    scores = binary_scores(ALARMS["y_true"], ALARMS["scores"], threshold=ALARMS["threshold"])
    right = (scores.precision, scores.recall)
    return _pair_check(right, ("precision", "recall"), tolerance=0.02), right


def _suspects_check():
    p, y, k = np.array(SUSPECTS["probabilities"]), np.array(SUSPECTS["labels"]), SUSPECTS["k"]
    top = sorted(int(i) for i in rank_by_loss(p, y)[:k])
    picks = expect_set(top, range(len(y)))

    def check(answer):
        ok, message = picks(answer)
        if ok:
            return True, (f"{set(top)}: the network gives their labels the lowest probability (highest "
                          "loss); look at those images first.")
        return ok, message

    return check, top


def _mode_check(curve: TransferCurve):
    column = curve.ks.index(1) if 1 in curve.ks else 0
    accuracy = np.asarray(curve.accuracy)[:, column]
    best = curve.modes[int(np.argmax(accuracy))]
    line = ", ".join(f"{m} {100 * a:.1f}%" for m, a in zip(curve.modes, accuracy, strict=True))
    choice = expect_choice(best, curve.modes)

    def check(answer):
        ok, message = choice(answer)
        return (True, f"{best!r}: {line}.") if ok else (False, message)

    return check, best, line


def exercises(curve: TransferCurve | None = None, bug: dict | None = None) -> ExerciseSet:
    """Lab 09's exercises; q5 appears with the lab's transfer ``curve`` (a TransferCurve) and q6
    with its ``bug`` (the dict of :func:`labkit.recipe.transfer.normalization_bug`).

    Raises TypeError for a ``curve`` that is not a TransferCurve or a ``bug`` without
    "pretrained" and "none".
    """
    if curve is not None and not isinstance(curve, TransferCurve):
        raise TypeError(f"curve must be a TransferCurve (from transfer_curve) or None, "
                        f"got {type(curve).__name__}")
    if bug is not None and not (isinstance(bug, dict) and {"pretrained", "none"} <= set(bug)):
        raise TypeError(f"bug must be the dict from normalization_bug (keys 'pretrained', 'none'), "
                        f"got {bug!r:.60}")
    healthy_check, healthy = _healthy_check()
    gap_check, gaps = _gap_check()
    alarms_check, alarms = _alarms_check()
    suspects_check, top = _suspects_check()
    items = [
        Exercise("q1", check=healthy_check,
                 hint="Accuracy counts every right answer, and 'healthy' is right for 19 samples in 20. "
                      "Recall is the share of the sick that raised an alarm.",
                 solution=f"`({healthy[0]:.3f}, {healthy[1]:.0f})`: `always_healthy(y_test)`. Choose "
                          "precision and recall (or the PR curve's threshold) as the metric instead."),
        Exercise("q2", check=gap_check,
                 hint="Compute the gaps in order: train - goal (bias), train-val - train (variance), "
                      "val - train-val (shift), test - val. Attack the first one above a point.",
                 solution=f"`{gaps.attack!r}`: {gaps}. Bias is within a point; the variance gap of "
                          f"{100 * gaps.variance:.1f} points comes before the larger shift."),
        Exercise("q3", check=alarms_check,
                 hint="Count the alarms (score >= 0.5) and how many of them are sick (precision); then "
                      "how many of the four sick raised one (recall).",
                 solution=f"`({alarms[0]:.3g}, {alarms[1]:.3g})`: four alarms (0.9, 0.7, 0.8, 0.6), two of "
                          "them sick; two of the four sick found. `binary_scores(y, s, threshold=0.5)`."),
        Exercise("q4", check=suspects_check,
                 hint="For each row, read the probability the network gives its *given* label; the lowest "
                      "ones have the highest loss, -log p.",
                 solution=f"`{set(top)}`: `rank_by_loss(probabilities, labels)[:2]`. The worst mistakes on "
                          "the training set are where wrong labels hide (Lusch: fix errors)."),
    ]
    if curve is not None:
        mode_check, best, line = _mode_check(curve)
        items.append(Exercise("q5", check=mode_check,
                              hint="Read the curve's left end, k = 1, and take the highest line.",
                              solution=f"`{best!r}`: {line}."))
    if bug is not None:
        cost = 100 * (bug["pretrained"] - bug["none"])
        items.append(Exercise(
            "q6", check=expect_number(cost, abs=1.0),
            hint="Subtract the accuracy with raw pixels from the accuracy with the pretrained "
                 "normalization, in percentage points.",
            solution=f"`{cost:.1f}` points: {100 * bug['pretrained']:.1f}% with its own normalization, "
                     f"{100 * bug['none']:.1f}% on raw pixels, the same weights. Keep the normalizer with "
                     "the weights."))
    return ExerciseSet(*items)
