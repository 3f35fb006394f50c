"""Sanity checks before a long run: :func:`doctor` looks at a model, a batch and a loss.

Each check answers one question with pass, fail or skip, and advice when it fails.
What a check can see is limited to what it is given: the model, one batch (X, y), the
loss and, if you pass them, your ``optimizer_fn``, ``step_fn`` and ``preprocess``. A
bug elsewhere (a data loader, an evaluation loop, a learning-rate schedule) is
invisible to it. :data:`~labkit.debugging.checklist.CHECKS` says, for each check, what it
looks at and what it cannot see. The doctor works on deep copies, so the caller's model
never changes, and runs each check under :func:`labkit.runtime.seeded`, so the global
random state is left as it was.

Here: :func:`doctor`, :func:`standard_step` and the set-up every check receives. The table
of checks (their functions, advice and what each needs) is in
:mod:`labkit.debugging.checklist`; the report in :mod:`labkit.debugging.report`; the checks
themselves in :mod:`labkit.debugging.forward_checks` (one forward pass) and
:mod:`labkit.debugging.training_checks` (gradients, steps, learning at all).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import re
import time
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from labkit.arguments import check_choice, check_float, check_int, to_numpy
from labkit.debugging.checklist import CHECKS, CheckSpec
from labkit.debugging.report import Check, DoctorReport
from labkit.debugging.targets import Target, describe_target
from labkit.runtime import seeded

__all__ = ["doctor", "standard_step"]


def standard_step(model, optimizer, X, y, loss_fn):
    """One correct training step: clear gradients, forward, loss, backward, update; returns the loss."""
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss


def doctor(model, X, y, loss_fn=None, *, task=None, optimizer_fn=None, step_fn=None, preprocess=None,
           lr=1e-2, steps=150, batch_size=16, random_state=0) -> DoctorReport:
    """Run every check of :data:`~labkit.debugging.checklist.CHECKS` on deep copies of ``model`` with (X, y).

    ``loss_fn(outputs, y) -> scalar``; None picks cross-entropy for class indices and
    ``F.mse_loss`` otherwise. The task, the targets' format and the error measure come from the
    loss and the targets' shape (:func:`labkit.debugging.targets.describe_target`); ``task``
    only decides for a loss the doctor does not know, and the report notes it. y is never cast. Training
    checks build an optimizer with ``optimizer_fn(model)`` (default Adam with ``lr``) and
    take steps with ``step_fn(model, optimizer, X, y, loss_fn) -> loss`` (default
    :func:`standard_step`). ``overfit_batch`` trains ``steps`` steps on the first
    ``batch_size`` samples. ``preprocess(X_train, X_test) -> (X_train', X_test')`` is
    your scaling code, checked on X itself. A check whose ``needs`` did not pass skips and
    says which. Deterministic for a given ``random_state``.

    About 0.2 s for the labs' small models on one thread; the first optimizer a process
    builds costs 1-2 s more, which :func:`labkit.setup` pays up front.
    """
    case = _Case.build(model, X, y, loss_fn, task, optimizer_fn, step_fn, preprocess, lr, steps, batch_size,
                       random_state)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # F.mse_loss warns about (N, 1) vs (N,): the "shapes" check explains it instead
        warnings.filterwarnings("ignore", message="Using a target size")
        checks = _run_all(case)
    return DoctorReport(checks, time.perf_counter() - start, [case.target.note] if case.target.note else [])


@dataclasses.dataclass
class _Case:
    """The set-up every check receives; ``forward`` and ``grads`` are computed once, by the first check
    that reads them (each check starts from the same seed, so any of them computes the same numbers)."""

    template: nn.Module
    X: torch.Tensor
    y: torch.Tensor
    loss_fn: object
    task: str
    kind: str  # the loss: "cross_entropy", "nll", "bce_logits", "bce", "mse", "l1", ... or "custom"
    optimizer_fn: object
    step_fn: object
    preprocess: object
    lr: float
    steps: int
    batch_size: int
    seed: int
    target: Target  # task, loss kind, target format and what could not be derived
    handed_in_training: bool  # the caller's model.training: a step_fn that never calls train() keeps it

    @classmethod
    def build(cls, model, X, y, loss_fn, task, optimizer_fn, step_fn, preprocess, lr, steps, batch_size,
              seed):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        for name, fn in (("loss_fn", loss_fn), ("optimizer_fn", optimizer_fn), ("step_fn", step_fn),
                         ("preprocess", preprocess)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} must be a function or None, got {fn!r}")
        template = copy.deepcopy(model)
        param = next(iter(template.parameters()), None)
        dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
        device = param.device if param is not None else torch.device("cpu")
        # integer X (pixels 0..255) is data for a Linear layer, unless the model looks indices up
        indices = any(isinstance(m, (nn.Embedding, nn.EmbeddingBag)) for m in template.modules())
        X, y = _as_tensor("X", X, dtype, device, keep_integers=indices), _as_tensor("y", y, dtype, device)
        if len(X) != len(y) or len(X) == 0:
            raise ValueError(f"X and y must hold the same number of samples (at least 1), "
                             f"got {len(X)} and {len(y)}")
        if task is not None:
            task = check_choice("task", task, ("classification", "regression"))
        if loss_fn is None:
            loss_fn = _default_loss(task, y)
        target = describe_target(loss_fn, y, task)
        lr = check_float("lr", lr, min_value=0.0, strict_min=True)
        steps = check_int("steps", steps, min_value=1)
        batch_size = check_int("batch_size", batch_size, min_value=1)
        seed = check_int("random_state", seed, min_value=0)
        return cls(template, X, y, loss_fn, target.task, target.kind, optimizer_fn, step_fn, preprocess,
                   lr, steps, batch_size, seed, target, model.training)

    def fresh(self) -> nn.Module:
        return copy.deepcopy(self.template).train()

    @functools.cached_property
    def forward(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Outputs and loss of one training-mode pass on the whole batch, detached; raises what the user's
        code raises (the ``runs`` check reports it)."""
        out = self.fresh()(self.X)
        loss = self.loss_fn(out, self.y)
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise TypeError(f"loss_fn must return a scalar tensor, got {type(loss).__name__} "
                            f"{tuple(getattr(loss, 'shape', ()))}")
        return out.detach(), loss.detach()

    @functools.cached_property
    def grads(self) -> dict[str, torch.Tensor | None]:
        """Each trainable parameter's gradient after one backward pass (None where none arrives)."""
        model = self.fresh()
        loss = self.loss_fn(model(self.X), self.y)
        if loss.requires_grad:
            loss.backward()
        return {n: None if p.grad is None else p.grad.detach().clone()
                for n, p in model.named_parameters() if p.requires_grad}

    def optimizer(self, model):
        if self.optimizer_fn is None:
            return torch.optim.Adam(model.parameters(), lr=self.lr)
        return self.optimizer_fn(model)

    def step(self, model, optimizer, X, y):
        return (self.step_fn or standard_step)(model, optimizer, X, y, self.loss_fn)


def _as_tensor(name, value, dtype, device, keep_integers=True) -> torch.Tensor:
    """Floats in the model's dtype, integers as int64 (or ``dtype``); NaN kept: the doctor looks for it."""
    array = to_numpy(name, value)
    if array.ndim == 0 or array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of numbers with one row per sample, got {array.dtype} "
                        f"of shape {array.shape}")
    tensor = torch.as_tensor(array)
    return tensor.to(device, torch.int64 if array.dtype.kind != "f" and keep_integers else dtype)


def _default_loss(task, y):
    """The doctor's own loss when none is given: cross-entropy for classes, MSE for values."""
    if task == "regression" or (task is None and y.is_floating_point()):
        return F.mse_loss
    if y.is_floating_point() and y.dim() == 1:
        return _cross_entropy_on_indices  # class indices stored as floats (1.0, 2.0)
    return F.cross_entropy


def _cross_entropy_on_indices(out, y):
    """F.cross_entropy for class indices stored as floats: the doctor's default loss converts its copy."""
    return F.cross_entropy(out, y.long())


_cross_entropy_on_indices.doctor_kind = "cross_entropy"


def _run_all(case: _Case) -> list[Check]:
    """Every check of the table in order; one whose needs did not all pass skips, naming the first."""
    checks = []
    unmet: dict[str, str] = {}  # a check that did not pass -> why the checks that need it skip
    for spec in CHECKS.values():
        why = next((unmet[name] for name in spec.needs if name in unmet), None)
        check = Check(spec.name, "skip", why) if why else _run_one(spec, case)
        if check.status != "pass":
            verdict = "failed" if check.status == "fail" else "was skipped"
            unmet[spec.name] = why or f"needs {spec.name}, which {verdict} ({_gist(check.message)})"
        checks.append(check)
    return checks


def _run_one(spec: CheckSpec, case: _Case) -> Check:
    """``spec.function(case)`` with the table's advice on a failure; an exception in the user's code
    (step_fn, optimizer_fn...) fails the check, with that advice too."""
    try:
        with seeded(case.seed):  # every check starts from the same seed: the same dropout masks in each
            check = spec.function(case)
    except Exception as error:  # reported, not swallowed
        return Check(spec.name, "fail", f"raised {type(error).__name__}: {str(error).strip()[:300]}",
                     spec.advice or "Read the error: the check could not run your code.")
    if check.status == "fail" and not check.advice:
        check = dataclasses.replace(check, advice=spec.advice)
    return check


def _gist(message: str) -> str:
    """A finding's first clause: the exception's type for ``runs``, what is not finite for ``finite``."""
    first = re.split(r"[:;] ", message, maxsplit=1)[0]
    return first if len(first) <= 120 else first[:117] + "..."
