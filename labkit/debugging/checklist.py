"""The doctor's checklist: one table of the checks, in the order of the report.

:data:`CHECKS` maps each check's name to its :class:`CheckSpec`: the function that runs
it, what it looks at, what it cannot see, what to do when it fails, and the checks it
needs. :func:`labkit.debugging.doctor.doctor` runs the table top to bottom,
:func:`explain_checks` prints it, and a failing check's advice comes from it. The check
functions live in :mod:`labkit.debugging.forward_checks` (what one forward pass shows) and
:mod:`labkit.debugging.training_checks` (gradients, steps, and whether the model can learn
at all); they build their :class:`~labkit.debugging.report.Check` from
:mod:`labkit.debugging.report`, so they never import this table.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Mapping

from labkit.debugging import forward_checks, training_checks

__all__ = ["CHECKS", "CheckSpec", "explain_checks"]


@dataclasses.dataclass(frozen=True)
class CheckSpec:
    """One check of the doctor.

    ``function(case) -> Check`` runs it on the doctor's set-up. ``advice`` says what to do
    when it fails ("" where the check words its own: overfit_batch's depends on how
    training failed). ``needs`` names earlier checks whose pass its verdict relies on: when
    one of them fails or skips, the doctor skips this check and says which.
    """

    name: str
    function: Callable = dataclasses.field(repr=False)
    looks_at: str
    cannot_see: str
    advice: str = ""
    needs: tuple[str, ...] = ()


def _table(*specs: CheckSpec) -> Mapping[str, CheckSpec]:
    """Name -> spec, read-only, in order; each ``needs`` names a check listed above it."""
    seen: list[str] = []
    for spec in specs:
        if unknown := [n for n in spec.needs if n not in seen]:
            raise ValueError(f"check {spec.name!r} needs {unknown}, which are not listed above it")
        seen.append(spec.name)
    return types.MappingProxyType({spec.name: spec for spec in specs})


# Every check needs `runs`: a set-up that does not run is fixed first. A NaN makes the output range
# (logits), a "non-zero" gradient, a "changed" parameter and a training curve meaningless: those need
# `finite`. The other checks handle NaN themselves (they skip, or compare with equal_nan).
CHECKS = _table(
    CheckSpec("runs", forward_checks.runs,
              "model(X) and loss_fn(model(X), y) run without an exception", "",
              "Fix this first: the other checks need a model and a loss that run."),
    CheckSpec("finite", forward_checks.finite,
              "NaN or Inf in X, y, the outputs and the loss", "values that are finite but absurd",
              "Find where NaN/Inf first appears: the data (impute or drop those rows), or exp, log and "
              "division in the model or loss; lower the learning rate if it appears only while training.",
              needs=("runs",)),
    CheckSpec("input_scale", forward_checks.input_scale,
              "each input feature's mean and std (want about 0 and 1)",
              "whether the scaling used the training set's statistics: see preprocess",
              "Standardize each feature with the training set's mean and std (labkit.data.scale).",
              needs=("runs",)),
    CheckSpec("shapes", forward_checks.shapes,
              "the batch loss equals the mean (or sum) of per-sample losses; output vs target shapes",
              "a loss that mixes samples on purpose (contrastive) fails it wrongly; class weights and "
              "ignore_index of cross-entropy and NLL are taken into account",
              "Make the output and the target the same shape, e.g. y.reshape(-1, 1) or out.squeeze(1); "
              "(N, 1) minus (N,) broadcasts to (N, N) and compares every prediction with every target.",
              needs=("runs",)),
    CheckSpec("init_loss", forward_checks.init_loss,
              "loss at initialization vs -log(1/C) (cross-entropy), log 2 (binary cross-entropy) or Var(y) "
              "(MSE); a negative loss",
              "the expected value of other losses",
              "A loss far above the expected value: initial weights or outputs too large (check the "
              "init). Far below or negative: check the loss itself (sign, reduction, labels leaking in).",
              needs=("runs",)),
    CheckSpec("logits", forward_checks.logits,
              "probabilities (in [0, 1], summing to 1) fed to a loss that expects logits; a final sigmoid "
              "into BCEWithLogitsLoss; logits clipped at 0 by a final ReLU",
              "custom losses; logits squashed by something other than softmax, sigmoid or ReLU",
              "Return raw scores (logits) from the model: F.cross_entropy applies log_softmax itself. "
              "For F.nll_loss, return log_softmax(out, dim=1). Softmax goes over the classes, dim=1.",
              needs=("finite",)),
    CheckSpec("eval_repeatable", forward_checks.eval_repeatable,
              "two eval-mode passes give the same outputs (dropout really off)",
              "an evaluation loop that forgets model.eval(): the doctor calls eval() itself",
              "Use nn.Dropout modules, or F.dropout(x, p, training=self.training): F.dropout's "
              "training argument is True by default, so eval() does not turn it off.",
              needs=("runs",)),
    CheckSpec("batch_independent", forward_checks.batch_independent,
              "in eval mode, a sample's output does not depend on the rest of the batch",
              "mixing that only happens in training mode (batch norm there is expected)",
              "Normalize or softmax over features/classes (dim=1), never over the batch "
              "(dim=0); let batch norm use running statistics in eval mode.",
              needs=("eval_repeatable",)),  # random eval outputs would differ anyway
    CheckSpec("grads_reach", training_checks.grads_reach,
              "after one backward pass every trainable parameter has a finite, non-zero gradient; "
              "frozen tensors (requires_grad=False) are listed as a caution",
              "a gradient that is present but wrong: use labkit.gradients.gradcheck",
              "Look for layers created but never used (a variable overwritten by copy-paste), "
              ".detach(), .data or .item() in forward, or a path of dead ReLUs.",
              needs=("finite",)),
    CheckSpec("params_change", training_checks.params_change,
              "every parameter changes (and stays finite) after one step of optimizer_fn / step_fn; "
              "a model handed in eval mode that step_fn never puts in train mode (a caution)",
              "steps after the first (a schedule that sets lr to 0 later)",
              "Give the optimizer model.parameters() of this very model (not another model's, not a "
              "subset), with lr > 0; and make sure the step calls optimizer.step().",
              needs=("finite",)),
    CheckSpec("grads_reset", training_checks.grads_reset,
              "step_fn clears gradients between steps (no forgotten zero_grad)",
              "nothing without step_fn: the doctor's own step clears them",
              "Call optimizer.zero_grad() once per step, before loss.backward(): PyTorch adds new "
              "gradients to the old ones.",
              needs=("finite",)),
    CheckSpec("overfit_batch", training_checks.overfit_batch,
              "training on one small batch drives its error to about 0, measured as the loss implies "
              "(misclassified, wrong 0/1 decisions, or MSE / Var(y))",
              "generalization; it only shows the model and the loop can learn at all",
              needs=("finite",)),
    CheckSpec("labels_signal", training_checks.labels_signal,
              "a nearest-neighbour guess of each label beats chance: labels match inputs",
              "signal that nearest neighbours miss (few samples in many dimensions)",
              "Check that X and y were shuffled and split together (one permutation, one index for "
              "both) and that labels were not corrupted.",
              needs=("runs",)),
    CheckSpec("preprocess", training_checks.preprocess,
              "preprocess(X_train, X_test) transforms a row the same way in both sets",
              "nothing without preprocess=; other leaks (duplicates across splits)",
              "Fit the scaler on the training set only and apply that same transform to the test set; "
              "never scale the test set with its own statistics, and never forget to scale it.",
              needs=("runs",)),
)


def explain_checks() -> str:
    """A markdown table of the checks: what each looks at and what it cannot see."""
    rows = [f"| {s.name} | {s.looks_at} | {s.cannot_see or '-'} |" for s in CHECKS.values()]
    return "\n".join(["| check | looks at | cannot see |", "|---|---|---|", *rows])
