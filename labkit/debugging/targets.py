"""What the doctor reads from the loss and the targets: the task, the target format and the error measure.

The labels' dtype alone says too little: float 0/1 labels are a binary classifier's under
``nn.BCEWithLogitsLoss`` and a regressor's under ``nn.MSELoss``, and float (N, C) rows are
class probabilities under cross-entropy. So :func:`describe_target` looks at the loss first
(a module by its type, a functional loss by identity) and the targets' shape second, and never
changes the targets. A loss it does not know (a lambda, a custom module) is said so in
``Target.note`` instead of being guessed.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import nn

from labkit.arguments import check_choice

__all__ = ["Target", "describe_target"]  # class_labels, error_rate: the checks' plumbing

# loss kind -> (functional, module)
_KNOWN = {
    "cross_entropy": (F.cross_entropy, nn.CrossEntropyLoss),
    "nll": (F.nll_loss, nn.NLLLoss),
    "bce_logits": (F.binary_cross_entropy_with_logits, nn.BCEWithLogitsLoss),
    "bce": (F.binary_cross_entropy, nn.BCELoss),
    "kl_div": (F.kl_div, nn.KLDivLoss),  # log-probabilities against class probabilities
    "mse": (F.mse_loss, nn.MSELoss),
    "l1": (F.l1_loss, nn.L1Loss),
    "huber": (F.huber_loss, nn.HuberLoss),
    "smooth_l1": (F.smooth_l1_loss, nn.SmoothL1Loss),
}
_REGRESSION = ("mse", "l1", "huber", "smooth_l1")


@dataclasses.dataclass(frozen=True)
class Target:
    """``task`` "classification" or "regression"; ``kind`` the loss (one of ``_KNOWN`` or "custom");
    ``form`` the targets: "index" (class indices), "probs" (one-hot or soft rows), "binary" (0/1 per
    output), "values" (regression) or "unknown"; ``note`` what could not be derived."""

    task: str
    kind: str
    form: str
    note: str = ""


def loss_kind(loss_fn) -> str:
    """Which known loss ``loss_fn`` is: a module by type, a functional loss by identity; else "custom"."""
    if isinstance(getattr(loss_fn, "doctor_kind", None), str):  # the doctor's own default losses
        return loss_fn.doctor_kind
    for kind, (functional, module) in _KNOWN.items():
        if loss_fn is functional or isinstance(loss_fn, module):
            return kind
    return "custom"


def describe_target(loss_fn, y: torch.Tensor, task: str | None) -> Target:
    """The task, loss kind and target format for ``loss_fn`` and targets ``y``; ``task`` is the caller's.

    ``y`` may hold NaN (the doctor reports that itself) and have any shape (per-pixel labels);
    only its dtype and shape are read here.
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a loss function or module, such as nn.MSELoss(), got "
                        f"{loss_fn!r:.60} ({type(loss_fn).__name__})")
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"y must be a torch.Tensor of targets, got {y!r:.60} ({type(y).__name__})")
    if y.dim() == 0 or len(y) == 0:
        raise ValueError(f"y must hold at least one target, got shape {tuple(y.shape)}")
    if task is not None:
        task = check_choice("task", task, ("classification", "regression"))
    target = _from_loss(loss_kind(loss_fn), loss_fn, y, task)
    if task is not None and target.task != task:
        note = f"task={task!r} was given, but the loss {target.kind} is a {target.task} loss: the checks " \
               f"follow the loss"
        return dataclasses.replace(target, note=note)
    return target


def _from_loss(kind, loss_fn, y, task) -> Target:
    if kind in ("cross_entropy", "nll"):
        form = "probs" if y.is_floating_point() and y.dim() >= 2 and kind == "cross_entropy" else "index"
        return Target("classification", kind, form)
    if kind in ("bce_logits", "bce"):
        return Target("classification", kind, "binary")
    if kind == "kl_div":
        return Target("classification", kind, "probs")
    if kind in _REGRESSION:
        return Target("regression", kind, "values")
    name = getattr(loss_fn, "__name__", type(loss_fn).__name__)
    if task is not None:
        form = _class_form(y) if task == "classification" else "values"
        return Target(task, kind, form, f"the loss {name} is not one the doctor knows: the task is "
                      f"{task!r} as you said, the error measure follows from it")
    integer = not y.is_floating_point()
    return Target("classification" if integer else "regression", kind, "index" if integer else "values",
                  f"the loss {name} is not one the doctor knows, so the task and error measure were not "
                  f"derived from it: {'integer' if integer else 'float'} targets were taken as "
                  f"{'class indices' if integer else 'regression values'}; pass task= to say so")


def _class_form(y: torch.Tensor) -> str:
    """Class targets of a loss the doctor does not know, read from y alone: indices, probability rows
    (each summing to 1) or 0/1 per output."""
    if not y.is_floating_point() or y.dim() == 1:
        return "index"
    rows = y.reshape(len(y), -1)
    if rows.shape[1] > 1 and torch.allclose(rows.sum(1), torch.ones(len(rows), dtype=rows.dtype)):
        return "probs"
    return "binary"


def _ignore_index(target: Target, loss_fn) -> int | None:
    """The class index the loss skips: its ``ignore_index`` (-100 unless set, as in PyTorch), or None."""
    if target.kind not in ("cross_entropy", "nll"):
        return None
    index = getattr(loss_fn, "ignore_index", -100)  # F.cross_entropy and F.nll_loss default to -100 too
    return index if isinstance(index, int) else None


def class_labels(target: Target, loss_fn, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(labels as int64 (N,), mask of rows that count) for a classifier's targets, or None."""
    if target.form == "index":
        if y.is_floating_point() and not torch.equal(y, y.round()):
            return None
        labels = y.reshape(len(y), -1)[:, 0].long() if y.dim() > 1 else y.long()
        index = _ignore_index(target, loss_fn)
        return labels, (labels != index) if index is not None else torch.ones_like(labels, dtype=torch.bool)
    if target.form == "probs":
        return y.argmax(1), torch.ones(len(y), dtype=torch.bool, device=y.device)
    if target.form == "binary":
        rows = (y.reshape(len(y), -1) > 0.5).long()
        return torch.unique(rows, dim=0, return_inverse=True)[1], torch.ones(len(y), dtype=torch.bool,
                                                                             device=y.device)
    return None


def error_rate(target: Target, loss_fn, out: torch.Tensor, y: torch.Tensor) -> tuple[float, str]:
    """(error, what it is): fraction misclassified for a classifier, MSE / Var(y) for a regressor."""
    if target.form == "binary":
        threshold = 0.0 if target.kind in ("bce_logits", "custom") else 0.5
        if out.numel() != y.numel():
            return float("nan"), "wrong 0/1 decisions"
        wrong = (out.reshape(y.shape) > threshold) != (y > 0.5)
        return wrong.double().mean().item(), "wrong 0/1 decisions"
    if target.task == "classification":
        labels = class_labels(target, loss_fn, y)
        if labels is None or out.dim() != 2:
            return float("nan"), "misclassified"
        labels, keep = labels
        return (out.argmax(1) != labels)[keep].double().mean().item(), "misclassified"
    if out.numel() == y.numel():
        out = out.reshape(y.shape)
    scale = y.double().var().item() if len(y) > 1 else 0.0
    return ((out.double() - y.double()) ** 2).mean().item() / (scale if scale > 0 else 1.0), "MSE / Var(y)"
