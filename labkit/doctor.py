"""Sanity checks before a long run: :func:`doctor` looks at a model, a batch and a loss.

Each check answers one question with pass, fail or skip, and advice when it fails.
What a check can see is limited to what it is given: the model, one batch (X, y), the
loss and, if you pass them, your ``optimizer_fn``, ``step_fn`` and ``preprocess``. A
bug elsewhere (a data loader, an evaluation loop, a learning-rate schedule) is
invisible to it. :data:`CHECKS` says, for each check, what it looks at and what it
cannot see. The doctor works on deep copies, so the caller's model never changes,
and forks torch's random state, so the global seed is left as it was.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from labkit._checks import _to_numpy, check_choice, check_float, check_int

__all__ = ["CHECKS", "Check", "DoctorReport", "doctor", "explain_checks", "standard_step"]

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
                    "a gradient that is present but wrong: use labkit.gradcheck"),
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
_ADVICE = {
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
_GOES_UP = ("error goes up: learning rate too high; flipped sign of the loss or gradient (minimizing -L); "
            "softmax over the wrong dimension; numerical issues (exp, log, division)")
_PLATEAUS = ("error plateaus: learning rate too low; gradients not flowing through the whole model; "
             "wrong input to the loss (softmax or ReLU outputs instead of logits); data or labels corrupted")


@dataclasses.dataclass(frozen=True)
class Check:
    """One line of the report: ``status`` is "pass", "fail" or "skip"."""

    name: str
    status: str
    message: str
    advice: str = ""


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


def explain_checks() -> str:
    """A markdown table of the checks: what each looks at and what it cannot see."""
    rows = [f"| {name} | {sees} | {blind or '-'} |" for name, (sees, blind) in CHECKS.items()]
    return "\n".join(["| check | looks at | cannot see |", "|---|---|---|", *rows])


def _fail(name: str, message: str) -> Check:
    return Check(name, "fail", message, _ADVICE[name])


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
    array = _to_numpy(name, value)
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
    checks += [_guard("finite", _finite, case, out, loss), _guard("input_scale", _input_scale, case),
               _guard("shapes", _shapes, case, out), _guard("init_loss", _init_loss, case, out, loss),
               _guard("logits", _logits, case, out)]
    checks += _guard("eval", _eval_checks, case)
    grads = _fresh_grads(case)
    checks += [_guard("grads_reach", _grads_reach, grads),
               _guard("params_change", _params_change, case, grads),
               _guard("grads_reset", _grads_reset, case), _guard("overfit_batch", _overfit, case),
               _guard("labels_signal", _labels_signal, case), _guard("preprocess", _preprocess, case)]
    return checks


def _guard(name, check, *args):
    """Run one check; an exception in the user's code (step_fn, optimizer_fn...) is a failed check."""
    try:
        return check(*args)
    except Exception as error:  # reported, not swallowed
        found = Check(name, "fail", f"raised {type(error).__name__}: {str(error).strip()[:300]}",
                      _ADVICE.get(name, "Read the error: the check could not run your code."))
        return [dataclasses.replace(found, name=n) for n in ("eval_repeatable", "batch_independent")] \
            if name == "eval" else found


# ---------------------------------------------------------------- looking at one forward pass

def _finite(case, out, loss) -> Check:
    parts = {"X": case.X, "y": case.y, "outputs": out, "loss": loss.detach()}
    bad = [f"{name} ({int((~torch.isfinite(t)).sum())} of {t.numel()} values)"
           for name, t in parts.items() if t.is_floating_point() and not torch.isfinite(t).all()]
    if bad:
        return Check("finite", "fail", f"NaN or Inf in {', '.join(bad)}", _ADVICE["finite"])
    return Check("finite", "pass", "no NaN or Inf in X, y, outputs or loss")


def _input_scale(case) -> Check:
    X = case.X.reshape(len(case.X), -1).double()
    X = X[torch.isfinite(X).all(1)]
    if len(X) < 2:
        return Check("input_scale", "skip", "needs at least 2 finite samples")
    mean, std = X.mean(0), X.std(0)
    problems = []
    if mean.abs().max() > 3:
        i = int(mean.abs().argmax())
        problems.append(f"feature {i} has mean {mean[i].item():.3g}")
    if std.max() > 10:
        i = int(std.argmax())
        problems.append(f"feature {i} has std {std[i].item():.3g}")
    tiny = (std > 0) & (std < 0.01)
    if tiny.any():
        i = int(torch.where(tiny, std, torch.inf).argmin())
        problems.append(f"feature {i} has std {std[i].item():.3g}")
    summary = f"means in [{mean.min().item():.3g}, {mean.max().item():.3g}], stds in " \
              f"[{std.min().item():.3g}, {std.max().item():.3g}]"
    if problems:
        return Check("input_scale", "fail", f"{'; '.join(problems)} ({summary}); want about 0 and 1",
                     _ADVICE["input_scale"])
    return Check("input_scale", "pass", summary)


def _shapes(case, out) -> Check:
    n = min(len(out), 64)
    o, y = out[:n], case.y[:n]
    full = case.loss_fn(o, y).item()
    per = np.array([case.loss_fn(o[i:i + 1], y[i:i + 1]).item() for i in range(n)])
    if not (math.isfinite(full) and np.isfinite(per).all()):
        return Check("shapes", "skip", "NaN or Inf in the losses (see finite)")
    shapes = f"outputs {tuple(out.shape)}, targets {tuple(case.y.shape)}"
    if out.shape != case.y.shape and case.task == "regression":
        try:
            shapes += f", broadcast to {tuple(torch.broadcast_shapes(o.shape, y.shape))} for {n} rows"
        except RuntimeError:
            shapes += ", which do not broadcast"
    if math.isclose(full, per.mean(), rel_tol=1e-4, abs_tol=1e-6) or math.isclose(full, per.sum(),
                                                                                   rel_tol=1e-4):
        return Check("shapes", "pass", f"the batch loss is the mean or sum of per-sample losses ({shapes})")
    return _fail("shapes", f"the batch loss {full:.4g} is neither the mean ({per.mean():.4g}) nor the sum "
                 f"of the per-sample losses: the loss mixes samples ({shapes})")


def _init_loss(case, out, loss) -> Check:
    value = loss.item()
    if not math.isfinite(value):
        return Check("init_loss", "skip", f"the loss is {value} (see finite)")
    if value < 0:
        return Check("init_loss", "fail", f"loss at init is {value:.4g}, below 0; cross-entropy and squared "
                     "errors never are: are you minimizing -L instead of L?", _ADVICE["init_loss"])
    if case.kind in ("cross_entropy", "nll") and out.dim() == 2:
        expected = math.log(out.shape[1])
        low, high = 0.5 * expected, 1.5 * expected
        found = f"loss at init {value:.4g}; expected about -log(1/{out.shape[1]}) = {expected:.4g}"
    elif case.kind == "mse":
        var, msq = case.y.double().var().item(), case.y.double().pow(2).mean().item()
        low, high = 0.5 * var, 2 * max(var, msq) + 1e-12
        found = f"loss at init {value:.4g}; expected about Var(y) = {var:.4g} (mean(y^2) = {msq:.4g} " \
                "if the outputs start near 0)"
    else:
        return Check("init_loss", "skip", f"loss at init {value:.4g}, not negative; the expected value is "
                     "known for cross-entropy, NLL and MSE only")
    if low <= value <= high:
        return Check("init_loss", "pass", found)
    return Check("init_loss", "fail", f"{found}, want within [{low:.3g}, {high:.3g}]", _ADVICE["init_loss"])


def _logits(case, out) -> Check:
    if case.task != "classification" or out.dim() != 2 or case.kind not in ("cross_entropy", "nll"):
        return Check("logits", "skip", "for (N, C) outputs into F.cross_entropy or F.nll_loss only")
    o = out.double()
    in01 = bool(((o >= 0) & (o <= 1)).all())
    rows, cols = (torch.allclose(o.sum(d), torch.ones_like(o.sum(d)), atol=1e-3) for d in (1, 0))
    if case.kind == "nll":
        if torch.allclose(o.logsumexp(1), torch.zeros(len(o), dtype=o.dtype), atol=1e-3):
            return Check("logits", "pass", "outputs are log-probabilities over the classes")
        found = ("outputs are log-probabilities over the batch (dim 0), not over the classes"
                 if torch.allclose(o.logsumexp(0), torch.zeros(o.shape[1], dtype=o.dtype), atol=1e-3)
                 else "outputs are probabilities, not log-probabilities" if in01 and rows
                 else "outputs are not log-probabilities (exp does not sum to 1 over the classes)")
        return _fail("logits", f"{found}: nll_loss expects log_softmax(out, dim=1)")
    low, high = o.min().item(), o.max().item()
    if in01 and (rows or cols):
        found = ("outputs are probabilities (each row in [0, 1], summing to 1)" if rows
                 else "outputs sum to 1 over the batch (dim 0): softmax over the wrong dimension")
        return Check("logits", "fail", f"{found}, fed to cross_entropy, which applies log_softmax itself: "
                     "the loss flattens and gradients shrink", _ADVICE["logits"])
    if in01:  # a fresh network's small logits can all land in [0, 1] by chance: a caution, not a failure
        return Check("logits", "pass", f"outputs lie in [0, 1] (range {low:.3g} to {high:.3g}) but do not "
                     "sum to 1: fine for fresh logits; if a sigmoid made them, return the scores before it")
    return Check("logits", "pass", f"outputs look like logits (range {low:.3g} to {high:.3g})")


def _eval_checks(case) -> list[Check]:
    model = case.fresh().eval()
    with torch.no_grad():
        first, second = model(case.X), model(case.X)
        k = len(case.X) // 2
        part = model(case.X[:k]) if k else None
    gap = (first - second).abs().nan_to_num(0.0).max().item()
    if not torch.allclose(first, second, rtol=1e-5, atol=1e-6, equal_nan=True):
        return [Check("eval_repeatable", "fail", f"two eval-mode passes on the same batch differ by up to "
                      f"{gap:.3g}: something random is still on (dropout?)", _ADVICE["eval_repeatable"]),
                Check("batch_independent", "skip", "eval outputs are random (see eval_repeatable)")]
    checks = [Check("eval_repeatable", "pass", "two eval-mode passes give the same outputs")]
    if part is None:
        return checks + [Check("batch_independent", "skip", "needs at least 2 samples")]
    gap = (first[:k] - part).abs().nan_to_num(0.0).max().item()
    if torch.allclose(first[:k], part, rtol=1e-4, atol=1e-5, equal_nan=True):
        return checks + [Check("batch_independent", "pass", "eval outputs do not depend on the batch")]
    return checks + [_fail("batch_independent", f"in eval mode, the outputs of the first {k} samples change "
                           f"by up to {gap:.3g} when the other {len(case.X) - k} are left out: something "
                           "normalizes over the batch (softmax over dim 0? batch norm in training mode?)")]


# ---------------------------------------------------------------- gradients and steps

def _fresh_grads(case) -> dict[str, torch.Tensor | None]:
    """Each trainable parameter's gradient after one backward pass (None where none arrives)."""
    model = case.fresh()
    loss = case.loss_fn(model(case.X), case.y)
    if loss.requires_grad:
        loss.backward()
    return {n: None if p.grad is None else p.grad.detach().clone()
            for n, p in model.named_parameters() if p.requires_grad}


def _grads_reach(grads) -> Check:
    if not grads:
        return Check("grads_reach", "fail", "the model has no trainable parameters", _ADVICE["grads_reach"])
    missing = [n for n, g in grads.items() if g is None]
    zero = [n for n, g in grads.items() if g is not None and not g.any()]
    if not missing and not zero:
        return Check("grads_reach", "pass", f"all {len(grads)} parameter tensors get a non-zero gradient")
    found = [f"no gradient (grad is None: not used by the loss) for {', '.join(missing)}"] if missing else []
    found += [f"an all-zero gradient for {', '.join(zero)}"] if zero else []
    return _fail("grads_reach", "; ".join(found))


def _params_change(case, grads) -> Check:
    model = case.fresh()
    optimizer = case.optimizer(model)
    before = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    case.step(model, optimizer, case.X, case.y)
    unchanged = [n for n, p in model.named_parameters() if n in before and torch.equal(p.detach(), before[n])]
    if not unchanged:
        return Check("params_change", "pass", f"all {len(before)} parameter tensors changed after one step")
    no_grad = [n for n in unchanged if grads.get(n) is None or not grads[n].any()]
    skipped = [n for n in unchanged if n not in no_grad]
    found = ([f"not updated although they have a gradient (not in the optimizer?): {', '.join(skipped)}"]
             if skipped else []) + ([f"without a gradient: {', '.join(no_grad)}"] if no_grad else [])
    return _fail("params_change", f"{len(unchanged)} of {len(before)} parameter tensors did not change after "
                 f"one step; {'; '.join(found)}")


def _grads_reset(case) -> Check:
    if case.step_fn is None:
        return Check("grads_reset", "skip", "the doctor's own step clears gradients; pass step_fn= for yours")
    model = case.fresh()
    optimizer = case.optimizer(model)
    case.step(model, optimizer, case.X, case.y)
    first = _grads_of(model)
    probe = copy.deepcopy(model)  # the gradient a fresh backward pass gives at the new weights
    probe.zero_grad(set_to_none=True)
    state = torch.get_rng_state()
    case.loss_fn(probe(case.X), case.y).backward()
    fresh = _grads_of(probe)
    torch.set_rng_state(state)  # the second step draws the same dropout masks as the probe
    case.step(model, optimizer, case.X, case.y)
    second = _grads_of(model)
    names = [n for n in second if second[n] is not None and fresh.get(n) is not None]
    if not names or all(not second[n].any() for n in names):
        return Check("grads_reset", "pass", "step_fn leaves the gradients cleared after each step")
    g2, new = (torch.cat([d[n].reshape(-1) for n in names]) for d in (second, fresh))
    old = torch.cat([(first[n] if first.get(n) is not None else torch.zeros_like(second[n])).reshape(-1)
                     for n in names])
    off_fresh = ((g2 - new).norm() / new.norm().clamp_min(1e-30)).item()
    off_sum = ((g2 - new - old).norm() / (new + old).norm().clamp_min(1e-30)).item()
    if off_sum < 1e-3 < off_fresh:
        return _fail("grads_reset", "after the second step .grad is the sum of both steps' gradients (off by "
                     f"{off_sum:.1e}; a fresh gradient is off by {off_fresh:.1e}): gradients accumulate, "
                     "optimizer.zero_grad() is missing")
    if off_fresh < 1e-3:
        return Check("grads_reset", "pass", "each step starts from fresh gradients")
    return Check("grads_reset", "skip", f".grad after a step matches neither a fresh gradient "
                 f"({off_fresh:.1e}) nor an accumulated one ({off_sum:.1e}): step_fn may use another loss "
                 "or batch")


def _grads_of(model) -> dict[str, torch.Tensor | None]:
    return {n: None if p.grad is None else p.grad.detach().clone() for n, p in model.named_parameters()}


# ---------------------------------------------------------------- learning at all

def _overfit(case) -> Check:
    model = case.fresh()
    optimizer = case.optimizer(model)
    X, y = case.X[:case.batch_size], case.y[:case.batch_size]
    before = _batch_error(model, X, y, case.task)
    losses = []
    for _ in range(case.steps):
        loss = case.step(model, optimizer, X, y)
        if loss is None:
            raise TypeError("step_fn must return the loss (a tensor or a number), got None")
        losses.append(float(loss.detach() if isinstance(loss, torch.Tensor) else loss))
        if not math.isfinite(losses[-1]):
            break
    after = _batch_error(model, X, y, case.task)
    what = "misclassified" if case.task == "classification" else "MSE / Var(y)"
    trace = f"{len(X)} samples, {len(losses)} steps: {what} {before:.3g} -> {after:.3g}, " \
            f"loss {losses[0]:.4g} -> {losses[-1]:.4g}"
    if not math.isfinite(losses[-1]) or not math.isfinite(after):
        return Check("overfit_batch", "fail", f"training diverged ({trace})", f"Diverged: {_GOES_UP}.")
    if after <= 0.05:
        return Check("overfit_batch", "pass", trace)
    if after > before + 0.02:
        return Check("overfit_batch", "fail", f"the error went up ({trace})", f"If the {_GOES_UP}.")
    return Check("overfit_batch", "fail", f"the error did not reach 0 ({trace})", f"If the {_PLATEAUS}.")


def _batch_error(model, X, y, task) -> float:
    """Fraction misclassified, or MSE relative to Var(y), in eval mode."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(X)
    model.train(was_training)
    if task == "classification":
        return (out.argmax(1) != y.reshape(-1)).double().mean().item() if out.dim() == 2 else math.nan
    if out.numel() == y.numel():
        out = out.reshape(y.shape)
    scale = y.double().var().item() if len(y) > 1 else 0.0
    return ((out.double() - y.double()) ** 2).mean().item() / (scale if scale > 0 else 1.0)


def _labels_signal(case) -> Check:
    n = min(len(case.X), 512)
    if n < 20:
        return Check("labels_signal", "skip", f"needs at least 20 samples, got {n}")
    X = case.X[:n].reshape(n, -1).double()
    y = case.y[:n].reshape(n, -1).double()
    if not (torch.isfinite(X).all() and torch.isfinite(y).all()):
        return Check("labels_signal", "skip", "NaN or Inf in the data (see finite)")
    X = (X - X.mean(0)) / X.std(0).clamp_min(1e-12)
    distances = torch.cdist(X, X).fill_diagonal_(math.inf)
    neighbour = distances.argmin(1)
    if case.task == "classification":
        labels = case.y[:n].reshape(-1)
        score = (labels[neighbour] == labels).double().mean().item()
        chance = (torch.bincount(labels).double() / n).pow(2).sum().item()
        bar = chance + 3 * math.sqrt(chance * (1 - chance) / n)
        found = f"a sample's nearest neighbour has its label {score:.0%} of the time (chance {chance:.0%})"
    else:
        pairs = [np.corrcoef(y[:, j].cpu(), y[neighbour, j].cpu())[0, 1] for j in range(y.shape[1])]
        score, bar = float(np.nan_to_num(np.mean(pairs))), 3 / math.sqrt(n)
        found = f"correlation of a sample's target with its nearest neighbour's: {score:.2f}"
    if score > bar:
        return Check("labels_signal", "pass", found)
    return Check("labels_signal", "fail", f"{found}, no better than chance: the labels look unrelated to the "
                 "inputs", _ADVICE["labels_signal"])


def _preprocess(case) -> Check:
    if case.preprocess is None:
        return Check("preprocess", "skip", "pass preprocess=fn(X_train, X_test) -> (X_train', X_test')")
    X = case.X.detach().cpu().numpy()
    k = max(1, len(X) // 2)
    result = case.preprocess(X, X[:k].copy())  # the "test set" is the first half of the "training set"
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return _fail("preprocess", f"preprocess must return (X_train', X_test'), got {type(result).__name__}")
    train, test = (np.asarray(_to_numpy("preprocess output", r), dtype=np.float64) for r in result)
    if train.shape[0] != len(X) or test.shape[0] != k:
        return Check("preprocess", "fail", f"preprocess changed the number of rows: {len(X)} and {k} in, "
                     f"{train.shape[0]} and {test.shape[0]} out", _ADVICE["preprocess"])
    if train[:k].shape == test.shape and np.allclose(train[:k], test, rtol=1e-5, atol=1e-8):
        return Check("preprocess", "pass", "a row comes out the same in the training and the test set")
    gap = np.abs(train[:k] - test).max() if train[:k].shape == test.shape else math.inf
    return Check("preprocess", "fail", f"the same {k} rows come out different (by up to {gap:.3g}) as test "
                 "rows than as training rows: the test set is not transformed with the training set's "
                 "statistics", _ADVICE["preprocess"])
