"""Exercises for Lab 02, "Validation done right"."""

from __future__ import annotations

from labkit.exercises import Exercise, ExerciseSet, expect_choice, expect_number, expect_set

__all__ = ["exercises", "PRACTICES", "GAP_CHOICES"]

PRACTICES = (
    "fit the scaler on the training part only",
    "standardise every run's target with that run's own mean and std, validation runs included",
    "split rows at random when every sample was logged three times",
    "split by sample id when every sample was logged three times",
    "validate a forecast on days picked at random between training days",
    "validate a forecast on the period right after the training period",
    "choose the number of epochs by the test score",
    "open the test set once, after every choice is made",
    "keep the 10 features most correlated with the labels over all rows, then cross-validate",
    "choose the features inside each training fold (selection and model in one Pipeline)",
)
_LEAKY = (PRACTICES[1], PRACTICES[2], PRACTICES[4], PRACTICES[6], PRACTICES[8])
GAP_CHOICES = ("avoidable bias", "overfitting", "data mismatch")


def exercises(optimism=None, splits=None, horizons=None) -> ExerciseSet:
    """Lab 02's exercises; the numeric ones appear when the lab's results are passed.

    ``optimism`` is the lab's :class:`~labkit.generalization.validation.OptimismResult` (for q1),
    ``splits`` its :class:`~labkit.generalization.group_splits.SplitComparison` (q2) and ``horizons``
    its :class:`~labkit.generalization.dynamics.DynamicsComparison` (q5).
    """
    items = []
    if optimism is not None:
        n, gap = int(optimism.n_configs[-1]), float(optimism.optimism[-1])
        items.append(Exercise(
            "q1",
            check=expect_number(gap, rel=0.1, abs=1e-4),
            hint=f"Optimism is the hold-out MSE minus the validation MSE of the configuration that won. "
                 f"Look at the row for n = {n} in the printed table, or at `optimism.optimism`.",
            solution=f"`{gap:.4f}`: `optimism.optimism[-1]`, i.e. `optimism.mean_holdout_error[-1] - "
                     f"optimism.mean_val_error[-1]`. The winner of {n} configurations looks better on "
                     "the validation set than it is, because among many candidates the one whose "
                     "validation sample happened to suit it tends to win.",
        ))
    if splits is not None:
        s = splits.summary()
        ratio = s["random_unseen_error"] / s["random_val_error"]
        items.append(Exercise(
            "q2",
            check=expect_number(ratio, rel=0.05),
            hint="Divide the random-split model's MSE on new materials by the validation MSE that the "
                 "random split reported: `splits.summary()` has both.",
            solution=f"`{ratio:.2f}`: `s = splits.summary(); s['random_unseen_error'] / "
                     "s['random_val_error']`. The random split lets the network meet every material "
                     "during training, so validation measures recall of known materials, not how it "
                     "copes with a new one.",
        ))
    items += [
        Exercise(
            "q3",
            check=expect_set(_LEAKY, PRACTICES),
            hint="For each practice ask: does the validation (or test) score use something that would not "
                 "be known when the model meets truly new data? Five of the ten do.",
            solution="The leaky ones: standardising each run's target with that run's own mean and "
                     "std (the validation run's own mean gives away its offset), splitting copied rows "
                     "at random (copies of a validation row sit in training), validating a forecast "
                     "on days between training days (the neighbours give the answer away), "
                     "choosing epochs by the test score (the test set becomes a second validation "
                     "set), and selecting features on all rows before cross-validating (the "
                     "validation rows' labels chose the features). The other five are the honest "
                     "versions.",
        ),
        Exercise(
            "q4",
            check=expect_choice("data mismatch", GAP_CHOICES),
            hint="Compute three gaps: goal to train (avoidable bias), train to train-validation "
                 "(overfitting), train-validation to validation (data mismatch). Which is largest?",
            solution="`'data mismatch'`: avoidable bias 0.2 points (1.2% - 1%), overfitting 0.6 points "
                     "(1.8% - 1.2%), but 7.2 points between train-validation (1.8%) and validation (9%). "
                     "The model generalizes well within its training distribution; the application's "
                     "data differ. More data like the application's (collected or synthesized) is the "
                     "remedy, not more regularization. The largest gap is the one to attack first "
                     "(Ng's rule, which Lab 01's `diagnose` follows too).",
        ),
    ]
    if horizons is not None:
        ratio = horizons.one_step.final_error / horizons.multi_step.final_error
        steps = len(horizons.one_step.error_per_step) - 1
        items.append(Exercise(
            "q5",
            check=expect_number(ratio, rel=0.05),
            hint=f"Compare the two models' errors after the last of the {steps} rollout steps: "
                 "`horizons.one_step.final_error` and `horizons.multi_step.final_error`.",
            solution=f"`{ratio:.2f}`: `horizons.one_step.final_error / horizons.multi_step.final_error`. "
                     "Trained on the loss that matches the use (many steps), the model drifts less, "
                     "though both look excellent one step ahead.",
        ))
    return ExerciseSet(*items)
