"""Exercises for Lab 07, "Regularization".

Every answer is computed by the regularization topic's own functions and from the lab's
own results (the runs table, the L1 sweep, the dropout modes, the early-stopping demo, the
variance shift), so the exercises grade what the learner saw. An exercise that needs one of
those results appears when :func:`exercises` is given it. Sources: Lusch's remedies for
overfitting; Goodfellow et al. 2016, section 7.1 (L1 makes weights sparse); Srivastava et
al. 2014 (dropout); Keras' EarlyStopping and its ``restore_best_weights``; Hincapie-Potes'
list of bugs ("forgot labels on data augmentation"); Li et al. 2019 (the variance shift);
the Cross Validated answer (regularization set too large).
"""

from __future__ import annotations

import numpy as np

from labkit.exercises import (
    Exercise,
    ExerciseSet,
    as_number,
    expect_choice,
    expect_number,
    with_mistakes,
    with_reasons,
)
from labkit.regularization.augmentation import augmented_copies
from labkit.regularization.batch_norm import VarianceShift
from labkit.regularization.comparisons import regime
from labkit.regularization.dropout import DropoutModes
from labkit.regularization.early_stopping import EarlyStoppingDemo
from labkit.regularization.penalties import PenaltySweep
from labkit.regularization.setup import RegRun

__all__ = ["exercises", "QUESTIONS", "MODES", "SHIFTS", "REGIMES", "LABEL_BUG", "TOO_STRONG", "L1_STRENGTH"]

MODES = ("train mode", "eval mode")
SHIFTS = ("smaller", "larger", "the same")
REGIMES = ("underfitting", "overfitting", "good")
LABEL_BUG = {"labels": (3, 1, 4), "copies": 2}  # q5: three digits, two augmented copies of each
TOO_STRONG = {"train_error": 0.887, "val_error": 0.91, "label_noise": 0.2}  # q7: a run of L2 = 0.1
L1_STRENGTH = 1e-3  # q2: the L1 strength whose share of weights near zero is asked

QUESTIONS = {
    "q1": "In the table of runs, which regularizer brought the validation error down the most? Answer "
          "with its label, as the table prints it.",
    "q2": "In the L1 sweep, what fraction of the weights (0 to 1) does L1 at 1e-3 leave near zero?",
    "q3": "On the training set, which error of the dropout network is lower: in 'train mode' (dropout "
          "on) or in 'eval mode' (every unit on)?",
    "q4": "Read the early-stopping curve: at which epoch is the validation loss lowest (the weights "
          "that early stopping gives back)?",
    "q5": "Digits labelled 3, 1, 4 get 2 augmented copies each, made image by image (np.repeat). Which "
          "labels must the 6 copies carry, in order? Answer with a list.",
    "q6": "With dropout before batch norm: is the variance that batch norm sees in eval mode 'smaller', "
          "'larger' or 'the same' as the variance it stored in training?",
    "q7": "L2 = 0.1 on the lab's set-up gives 88.7% training and 91% validation error, with 20% wrong "
          "training labels. Which regime is it: 'underfitting', 'overfitting' or 'good'?",
}





def _best_regularizer(runs):
    """q1: the label of the run (after the first, the unregularized one) with the lowest val error."""
    runs = list(runs)
    if len(runs) < 3 or not all(isinstance(r, RegRun) for r in runs):
        raise TypeError("runs must be a list of RegRun (from train_run): the plain run first, then at "
                        "least two regularized ones")
    tried = runs[1:]
    best = min(tried, key=lambda r: r.val_error)
    smallest_gap = min(tried, key=lambda r: abs(r.gap))
    labels = [r.label for r in tried]
    why = {}
    for r in tried:
        if r is smallest_gap and r is not best:
            why[r.label] = (f"{r.label!r} has the smallest gap ({100 * r.gap:.1f} points), but a gap also "
                            "shrinks when the training error rises; the goal is a low validation error")
        elif r is not best:
            why[r.label] = (f"{r.label!r} reaches {100 * r.val_error:.1f}% validation error; another run "
                            "goes lower")
    if runs[0].label not in why:
        why[runs[0].label] = "that is the plain run, the one the regularizers start from"
    return with_reasons(expect_choice(best.label, [runs[0].label, *labels]), why), best


def _zero_share(sweep):
    """q2: the L1 sweep's share of weights under its tol at strength L1_STRENGTH."""
    if not isinstance(sweep, PenaltySweep) or sweep.penalty != "l1":
        raise TypeError(f"l1_sweep must be a PenaltySweep of the 'l1' penalty (penalty_sweep(setup, "
                        f"penalty='l1')), got {sweep!r:.60}")
    hits = np.flatnonzero(np.isclose(sweep.strengths, L1_STRENGTH))
    if len(hits) == 0:
        raise ValueError(f"l1_sweep must include the strength {L1_STRENGTH:g}, got "
                         f"{sweep.strengths.tolist()}")
    share = float(sweep.zero_fraction[hits[0]])
    mistakes = [(100 * share, "answer with a fraction between 0 and 1 (0.25 for 25%)"),
                (float(sweep.zero_fraction[0]), "that is the unpenalized network's share; the question asks "
                                                f"for L1 = {L1_STRENGTH:g}")]
    return with_mistakes(expect_number(share, rel=0.05, abs=0.01), mistakes), share


def _mode_check(modes):
    if not isinstance(modes, DropoutModes):
        raise TypeError(f"modes must be DropoutModes (from dropout_modes), got {type(modes).__name__}")
    on, off = modes.train_on[1], modes.train_off[1]
    right = "eval mode" if off <= on else "train mode"
    why = (f"on the training set the error is {100 * on:.1f}% with dropout on and {100 * off:.1f}% in eval "
           "mode: the thinned networks that training mode samples are weaker than the full network")
    if right == "train mode":
        why = (f"here dropout on gives {100 * on:.1f}% and eval mode {100 * off:.1f}%: unusual, look at the "
               "table again")
    return with_reasons(expect_choice(right, MODES), {m: f"not here: {why}" for m in MODES if m != right}), \
        right, why


def _best_epoch(demo):
    if not isinstance(demo, EarlyStoppingDemo):
        raise TypeError(f"demo must be an EarlyStoppingDemo (from early_stopping_demo), got "
                        f"{type(demo).__name__}")
    mistakes = [(demo.stopped_epoch, f"that is where training stopped, {demo.patience} epochs of patience "
                                     "after the best one; the best is where the validation curve is lowest")]
    check = expect_number(demo.best_epoch, rel=0.0, abs=max(2, len(demo.val_loss) // 40))
    return with_mistakes(check, mistakes, rel=0.0), demo.best_epoch


def _label_check():
    """q5: the right labels of np.repeat-ed copies (the tiled ones are the bug), from augmented_copies."""
    labels, k = np.array(LABEL_BUG["labels"]), LABEL_BUG["copies"]
    X = np.zeros((len(labels), 64))
    right = augmented_copies(X, labels, copies=k)[1][len(labels):].tolist()
    bug = augmented_copies(X, labels, copies=k, forget_labels=True)[1][len(labels):].tolist()

    def check(answer):
        if isinstance(answer, str) or not isinstance(answer, (list, tuple, np.ndarray)):
            example = [0] * len(right)
            return False, f"answer with a list of {len(right)} labels, like {example}; got {answer!r}"
        given = [as_number(a) for a in answer]
        if given == right:
            return True, f"{right}: each copy keeps its own image's label."
        if given == bug:
            return False, (f"{bug} is the bug: the images were repeated one by one (np.repeat) but the "
                           "labels tiled (np.tile), so most copies now carry another digit's label")
        if len(given) != len(right):
            return False, f"there are {len(right)} copies ({len(labels)} digits x {k}); you gave {len(given)}"
        return False, "the copies come image by image: the first digit's copies first"

    return check, right, bug


def _shift_check(shift):
    if not isinstance(shift, VarianceShift):
        raise TypeError(f"shift must be a VarianceShift (from variance_shift), got {type(shift).__name__}")
    ratio = shift.shift
    right = "smaller" if ratio < 0.98 else "larger" if ratio > 1.02 else "the same"
    why = {"larger": "dropout scales the kept units by 1/(1-p) and adds variance in training; in eval mode "
                     "that extra variance is gone",
           "the same": f"the lab measured eval / stored variance = {ratio:.2f}, not 1",
           "smaller": f"the lab measured eval / stored = {ratio:.2f}"}
    wrong = {k: v for k, v in why.items() if k != right}
    return with_reasons(expect_choice(right, SHIFTS), wrong), right, ratio


def _regime_check():
    t, v, noise = TOO_STRONG["train_error"], TOO_STRONG["val_error"], TOO_STRONG["label_noise"]
    right = regime(t, v, target=noise + 0.05)
    why = {"overfitting": "overfitting means train error low and validation far above; here both are high "
                          "and close",
           "good": "nearly 90% error is no model at all: ten digits guessed at random score 90%"}
    return with_reasons(expect_choice(right, REGIMES), {k: w for k, w in why.items() if k != right}), right


def exercises(*, runs=None, l1_sweep=None, modes=None, demo=None, shift=None) -> ExerciseSet:
    """Lab 07's exercises: q5 and q7 always; the others with the lab result each one reads.

    ``runs``: list of :class:`RegRun`, the plain run first (q1); ``l1_sweep``: the L1
    :class:`PenaltySweep`, with strength 1e-3 (q2); ``modes``: :class:`DropoutModes` (q3);
    ``demo``: :class:`EarlyStoppingDemo` (q4); ``shift``: :class:`VarianceShift` (q6).
    Raises TypeError naming an argument of the wrong kind.
    """
    items = []
    if runs is not None:
        check, best = _best_regularizer(runs)
        items.append(Exercise(
            "q1", check=check,
            hint="Compare the validation column only: the training error is measured on noisy labels, so "
                 "a gap can close because the training error rises.",
            solution=f"`{best.label!r}`: {100 * best.val_error:.1f}% validation error, against "
                     f"{100 * list(runs)[0].val_error:.1f}% for the plain run."))
    if l1_sweep is not None:
        check, share = _zero_share(l1_sweep)
        items.append(Exercise(
            "q2", check=check,
            hint=f"Find the row of strength {L1_STRENGTH:g} in the L1 table; the last column is in %.",
            solution=f"`{share:.2f}`: L1 pushes many weights to zero (a sparse network), while L2 shrinks "
                     "them all and leaves few at zero (Goodfellow et al. 2016, section 7.1)."))
    if modes is not None:
        check, right, why = _mode_check(modes)
        items.append(Exercise(
            "q3", check=check,
            hint="In train mode each forward pass drops units at random; in eval mode all units work.",
            solution=f"`{right!r}`: {why}. That is also why the recorded training curve can sit above the "
                     "validation curve without anything being wrong."))
    if demo is not None:
        check, best = _best_epoch(demo)
        items.append(Exercise(
            "q4", check=check,
            hint="Find the lowest point of the validation curve (the dotted line marks it), not the end of "
                 "the curves.",
            solution=f"`{best}`: the run stopped at epoch {demo.stopped_epoch}, {demo.patience} epochs "
                     f"later, and `fit` put epoch {best}'s weights back. A tool that keeps the last weights "
                     f"would hand you a validation loss of {demo.last_val_loss:.3f} instead of "
                     f"{demo.restored_val_loss:.3f}."))
    label_check, right, bug = _label_check()
    items.append(Exercise(
        "q5", check=label_check,
        hint="np.repeat([3, 1, 4], 2) or np.tile([3, 1, 4], 2): which lines up with images copied one "
             "by one?",
        solution=f"`{right}` (`np.repeat`). The bug, `np.tile`, gives {bug}: the shapes match, nothing "
                 "raises, and the network learns from wrong labels (Hincapie-Potes: 'forgot labels on data "
                 "augmentation')."))
    if shift is not None:
        check, answer, ratio = _shift_check(shift)
        items.append(Exercise(
            "q6", check=check,
            hint="Dropout is on in training and off in eval mode. Which of the two adds variance?",
            solution=f"`{answer!r}`: eval variance / stored variance = {ratio:.2f}. Batch norm divides by "
                     "the variance it stored in training, so in eval mode its outputs shrink: the variance "
                     "shift of Li et al. (2019). Recomputing the statistics with dropout off corrects the "
                     "variance, though not what the network learned under the mismatch (section 7: it gained "
                     "little here); dropout after the last batch norm avoids the shift."))
    regime_check, regime_right = _regime_check()
    items.append(Exercise(
        "q7", check=regime_check,
        hint="Is the training error near what the wrong labels allow (about 20%)? Ten classes guessed at "
             "random give 90% error.",
        solution=f"`{regime_right!r}`: the penalty is so large that the weights cannot move (the Cross "
                 "Validated answer): the network fits not even the training set. Lower the strength."))
    return ExerciseSet(*items)
