"""The doctor's checklist: what each check looks at, what it cannot see, and what to do when it fails.

:data:`CHECKS` names the checks :func:`labkit.debugging.doctor.doctor` runs, in the order of its
report, with what each looks at and what it cannot see; :data:`ADVICE` says what to do
when one fails; a :class:`Check` is one line of the report. The checks themselves live
in :mod:`labkit.debugging.forward_checks` (what one forward pass shows) and
:mod:`labkit.debugging.training_checks` (gradients, steps, and whether the model can learn at all).
"""

from __future__ import annotations

import dataclasses

__all__ = ["CHECKS", "ADVICE", "Check", "explain_checks", "fail"]

# name -> (what it looks at; what it cannot see)
CHECKS = {
    "runs": ("model(X) and loss_fn(model(X), y) run without an exception", ""),
    "finite": ("NaN or Inf in X, y, the outputs and the loss", "values that are finite but absurd"),
    "input_scale": ("each input feature's mean and std (want about 0 and 1)",
                    "whether the scaling used the training set's statistics: see preprocess"),
    "shapes": ("the batch loss equals the mean (or sum) of per-sample losses; output vs target shapes",
               "a loss that mixes samples on purpose (contrastive, class-weighted means) fails it wrongly"),
    "init_loss": ("loss at initialization vs -log(1/C) (cross-entropy) or Var(y) (MSE); a negative loss",
                  "the expected value of other losses"),
    "logits": ("probabilities (in [0, 1], summing to 1) fed to a loss that expects logits",
               "custom losses; logits squashed by something other than softmax or sigmoid"),
    "eval_repeatable": ("two eval-mode passes give the same outputs (dropout really off)",
                        "an evaluation loop that forgets model.eval(): the doctor calls eval() itself"),
    "batch_independent": ("in eval mode, a sample's output does not depend on the rest of the batch",
                          "mixing that only happens in training mode (batch norm there is expected)"),
    "grads_reach": ("after one backward pass every parameter has a non-zero gradient",
                    "a gradient that is present but wrong: use labkit.gradients.gradcheck"),
    "params_change": ("every parameter changes after one step of optimizer_fn / step_fn",
                      "steps after the first (a schedule that sets lr to 0 later)"),
    "grads_reset": ("step_fn clears gradients between steps (no forgotten zero_grad)",
                    "nothing without step_fn: the doctor's own step clears them"),
    "overfit_batch": ("training on one small batch drives its error to about 0",
                      "generalization; it only shows the model and the loop can learn at all"),
    "labels_signal": ("a nearest-neighbour guess of each label beats chance: labels match inputs",
                      "signal that nearest neighbours miss (few samples in many dimensions)"),
    "preprocess": ("preprocess(X_train, X_test) transforms a row the same way in both sets",
                   "nothing without preprocess=; other leaks (duplicates across splits)"),
}
ADVICE = {
    "finite": "Find where NaN/Inf first appears: the data (impute or drop those rows), or exp, log and "
              "division in the model or loss; lower the learning rate if it appears only while training.",
    "input_scale": "Standardize each feature with the training set's mean and std (labkit.data.scale).",
    "shapes": "Make the output and the target the same shape, e.g. y.reshape(-1, 1) or out.squeeze(1); "
              "(N, 1) minus (N,) broadcasts to (N, N) and compares every prediction with every target.",
    "init_loss": "A loss far above the expected value: initial weights or outputs too large (check the "
                 "init). Far below or negative: check the loss itself (sign, reduction, labels leaking in).",
    "logits": "Return raw scores (logits) from the model: F.cross_entropy applies log_softmax itself. "
              "For F.nll_loss, return log_softmax(out, dim=1). Softmax goes over the classes, dim=1.",
    "eval_repeatable": "Use nn.Dropout modules, or F.dropout(x, p, training=self.training): F.dropout's "
                       "training argument is True by default, so eval() does not turn it off.",
    "batch_independent": "Normalize or softmax over features/classes (dim=1), never over the batch "
                         "(dim=0); let batch norm use running statistics in eval mode.",
    "grads_reach": "Look for layers created but never used (a variable overwritten by copy-paste), "
                   ".detach(), .data or .item() in forward, or a path of dead ReLUs.",
    "params_change": "Give the optimizer model.parameters() of this very model (not another model's, not a "
                     "subset), with lr > 0; and make sure the step calls optimizer.step().",
    "grads_reset": "Call optimizer.zero_grad() once per step, before loss.backward(): PyTorch adds new "
                   "gradients to the old ones.",
    "labels_signal": "Check that X and y were shuffled and split together (one permutation, one index for "
                     "both) and that labels were not corrupted.",
    "preprocess": "Fit the scaler on the training set only and apply that same transform to the test set; "
                  "never scale the test set with its own statistics, and never forget to scale it.",
}

@dataclasses.dataclass(frozen=True)
class Check:
    """One line of the report: ``status`` is "pass", "fail" or "skip"."""

    name: str
    status: str
    message: str
    advice: str = ""



def explain_checks() -> str:
    """A markdown table of the checks: what each looks at and what it cannot see."""
    rows = [f"| {name} | {sees} | {blind or '-'} |" for name, (sees, blind) in CHECKS.items()]
    return "\n".join(["| check | looks at | cannot see |", "|---|---|---|", *rows])


def fail(name: str, message: str) -> Check:
    """A failing :class:`Check` of ``name``, with that check's advice."""
    return Check(name, "fail", message, ADVICE[name])
