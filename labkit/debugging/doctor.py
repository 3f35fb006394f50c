"""Sanity checks before a long run: :func:`doctor` looks at a model, a batch and a loss.

Each check answers one question with pass, fail or skip, and advice when it fails.
What a check can see is limited to what it is given: the model, one batch (X, y), the
loss and, if you pass them, your ``optimizer_fn``, ``step_fn`` and ``preprocess``. A
bug elsewhere (a data loader, an evaluation loop, a learning-rate schedule) is
invisible to it. :data:`CHECKS` says, for each check, what it looks at and what it
cannot see. The doctor works on deep copies, so the caller's model never changes,
and forks torch's random state, so the global seed is left as it was.

Here: :func:`doctor`, its :class:`DoctorReport`, :func:`standard_step` and the set-up
every check receives. The list of checks, their advice and :func:`explain_checks` are in
:mod:`labkit.debugging.checklist`; the checks themselves in
:mod:`labkit.debugging.forward_checks` (one forward pass) and :mod:`labkit.debugging.training_checks`
(gradients, steps, learning at all).
"""

from __future__ import annotations

import copy
import dataclasses
import time
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from labkit.arguments import check_choice, check_float, check_int, to_numpy
from labkit.debugging import forward_checks, training_checks
from labkit.debugging.checklist import ADVICE, CHECKS, Check

__all__ = ["DoctorReport", "doctor", "standard_step"]


@dataclasses.dataclass(repr=False)
class DoctorReport:
    """What :func:`doctor` found; ``report["overfit_batch"].status`` reads one check."""

    checks: list[Check]
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if c.status == "fail"]

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"no check named {name!r}; the checks are {', '.join(CHECKS)}")

    def __repr__(self) -> str:
        verdict = "all checks passed" if self.ok else f"{len(self.failed)} failed: {', '.join(self.failed)}"
        lines = [f"Doctor ({self.seconds:.2f} s): {verdict}"]
        for c in self.checks:
            lines.append(f"[{c.status.upper() if c.status == 'fail' else c.status}] {c.name}: {c.message}")
            if c.status == "fail" and c.advice:
                lines.append(f"       advice: {c.advice}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        icons = {"pass": "pass", "fail": "**FAIL**", "skip": "skip"}
        lines = ["| check | status | finding | advice |", "|---|---|---|---|"]
        lines += [f"| {c.name} | {icons[c.status]} | {c.message} | {c.advice if c.status == 'fail' else ''} |"
                  for c in self.checks]
        return "\n".join(lines)


def standard_step(model, optimizer, X, y, loss_fn):
    """One correct training step: clear gradients, forward, loss, backward, update; returns the loss."""
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss


def doctor(model, X, y, loss_fn=None, *, task=None, optimizer_fn=None, step_fn=None, preprocess=None,
           lr=1e-2, steps=150, batch_size=16, random_state=0) -> DoctorReport:
    """Run every check in :data:`CHECKS` on deep copies of ``model`` with the batch (X, y).

    ``loss_fn(outputs, y) -> scalar``; None picks ``F.cross_entropy`` for integer y and
    ``F.mse_loss`` otherwise (``task`` None infers the task the same way). Training
    checks build an optimizer with ``optimizer_fn(model)`` (default Adam with ``lr``) and
    take steps with ``step_fn(model, optimizer, X, y, loss_fn) -> loss`` (default
    :func:`standard_step`). ``overfit_batch`` trains ``steps`` steps on the first
    ``batch_size`` samples. ``preprocess(X_train, X_test) -> (X_train', X_test')`` is
    your scaling code, checked on X itself. Deterministic for a given ``random_state``.

    About 0.2 s for the labs' small models on one thread; the first optimizer a process
    builds costs 1-2 s more, which :func:`labkit.setup` pays up front.
    """
    case = _Case.build(model, X, y, loss_fn, task, optimizer_fn, step_fn, preprocess, lr, steps, batch_size,
                       random_state)
    start = time.perf_counter()
    devices = [case.X.device] if case.X.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices), warnings.catch_warnings():
        # F.mse_loss warns about (N, 1) vs (N,): the "shapes" check explains it instead
        warnings.filterwarnings("ignore", message="Using a target size")
        checks = _run_all(case)
    return DoctorReport(checks, time.perf_counter() - start)


@dataclasses.dataclass
class _Case:
    template: nn.Module
    X: torch.Tensor
    y: torch.Tensor
    loss_fn: object
    task: str
    kind: str  # "cross_entropy", "nll", "mse" or "custom"
    optimizer_fn: object
    step_fn: object
    preprocess: object
    lr: float
    steps: int
    batch_size: int
    seed: int

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
        integer = not y.is_floating_point()
        task = check_choice("task", task or ("classification" if integer else "regression"),
                            ("classification", "regression"))
        if task == "classification" and y.is_floating_point() and torch.equal(y, y.round()):
            y = y.long()  # labels stored as floats (1.0, 2.0): cross-entropy wants integers
        if loss_fn is None:
            loss_fn = F.cross_entropy if task == "classification" else F.mse_loss
        lr = check_float("lr", lr, min_value=0.0, strict_min=True)
        steps = check_int("steps", steps, min_value=1)
        batch_size = check_int("batch_size", batch_size, min_value=1)
        seed = check_int("random_state", seed, min_value=0)
        return cls(template, X, y, loss_fn, task, _loss_kind(loss_fn), optimizer_fn, step_fn, preprocess,
                   lr, steps, batch_size, seed)

    def fresh(self) -> nn.Module:
        torch.manual_seed(self.seed)  # the same dropout masks in every check
        return copy.deepcopy(self.template).train()

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


def _loss_kind(loss_fn) -> str:
    for kind, functional, module in (("cross_entropy", F.cross_entropy, nn.CrossEntropyLoss),
                                     ("nll", F.nll_loss, nn.NLLLoss), ("mse", F.mse_loss, nn.MSELoss)):
        if loss_fn is functional or isinstance(loss_fn, module):
            return kind
    return "custom"


def _run_all(case: _Case) -> list[Check]:
    model = case.fresh()
    try:
        out = model(case.X)
        loss = case.loss_fn(out, case.y)
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise TypeError(f"loss_fn must return a scalar tensor, got {type(loss).__name__} "
                            f"{tuple(getattr(loss, 'shape', ()))}")
    except Exception as error:  # any error in the user's code is the finding: report it, run nothing else
        is_class = isinstance(case.loss_fn, type)
        hint = " (pass an instance, e.g. nn.CrossEntropyLoss(), not the class)" if is_class else ""
        first = [Check("runs", "fail", f"{type(error).__name__}: {str(error).strip()[:300]}{hint}",
                       "Fix this first: the other checks need a model and a loss that run.")]
        return first + [Check(name, "skip", "needs a model and a loss that run") for name in list(CHECKS)[1:]]
    checks = [Check("runs", "pass", f"outputs {tuple(out.shape)}, targets {tuple(case.y.shape)}, "
                                    f"loss {loss.item():.4g}")]
    out = out.detach()
    fwd, train = forward_checks, training_checks
    checks += [_guard("finite", fwd.finite, case, out, loss), _guard("input_scale", fwd.input_scale, case),
               _guard("shapes", fwd.shapes, case, out), _guard("init_loss", fwd.init_loss, case, out, loss),
               _guard("logits", fwd.logits, case, out)]
    checks += _guard(("eval_repeatable", "batch_independent"), fwd.eval_checks, case)
    grads = train.fresh_grads(case)
    checks += [_guard("grads_reach", train.grads_reach, grads),
               _guard("params_change", train.params_change, case, grads),
               _guard("grads_reset", train.grads_reset, case),
               _guard("overfit_batch", train.overfit_batch, case),
               _guard("labels_signal", train.labels_signal, case),
               _guard("preprocess", train.preprocess, case)]
    return checks


def _guard(names, check, *args):
    """Run one check (``names`` a name, or a tuple of the names a check function reports); an exception
    in the user's code (step_fn, optimizer_fn...) fails each of them, with its own advice."""
    try:
        return check(*args)
    except Exception as error:  # reported, not swallowed
        message = f"raised {type(error).__name__}: {str(error).strip()[:300]}"
        fallback = "Read the error: the check could not run your code."
        failed = [Check(n, "fail", message, ADVICE.get(n, fallback))
                  for n in ((names,) if isinstance(names, str) else names)]
        return failed[0] if isinstance(names, str) else failed
