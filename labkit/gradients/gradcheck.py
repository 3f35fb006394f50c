"""Compare back-propagated gradients with finite differences: the gradient check.

For each sampled entry ``w`` of each parameter tensor, the central difference
``(L(w + h) - L(w - h)) / (2h)`` (:mod:`labkit.gradients.finite_differences`) is compared with
what autograd says. A tensor's relative error is ``max|a - n| / max(max|a|, max|n|)``
over its sampled entries (``a`` autograd, ``n`` numeric): the usual per-entry
``|a - n| / max(|a|, |n|)``, measured against the tensor's gradient scale so that
entries whose gradient is nearly 0 do not blow up. Verdicts, for float64 with
``h = 1e-6`` (the thresholds in :data:`THRESHOLDS`):

- ``"good"``: at most 1e-7, what a correct backward gives on a smooth function;
- ``"ok"``: up to 1e-4, fine where the function has kinks (ReLU, max), a hint of a bug
  on a smooth one;
- ``"suspicious"``: up to 1e-2;
- ``"wrong"``: above 1e-2, almost surely a bug.

Entries that sit at a kink (ReLU at 0, a tie in max or max pooling, ``abs`` or ``clamp``
at a corner; :mod:`labkit.gradients.finite_differences` finds them from the one-sided
slopes, however the model writes them) are judged by whether autograd's value lies
between the one-sided slopes, not by the central difference, which averages the two
(:func:`labkit.gradients.pitfalls.kink_false_alarm` shows one); the report counts them and
says whether a smaller ``h`` can avoid them.

float32 carries about 7 digits, so its errors sit near 1e-4..1e-2 even for a correct
backward: check in float64. :mod:`labkit.gradients.pitfalls` shows when a check
misleads (precision, step size, kinks, TF32, ``torch.autograd.gradcheck``'s
tolerances); :func:`demo_problem` is a small problem to check. Nothing here draws;
reports print as markdown tables.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import numbers

import numpy as np
import torch
from torch import nn

from labkit.arguments import check_float, check_int, check_random_state
from labkit.gradients.finite_differences import find_kinks, finite_differences
from labkit.runtime import get_device, seeded

__all__ = ["THRESHOLDS", "verdict", "TensorCheck", "GradCheckReport", "check_gradients", "demo_problem"]

THRESHOLDS = {"good": 1e-7, "ok": 1e-4, "suspicious": 1e-2}  # above 1e-2: "wrong"
DEFAULT_H = {torch.float64: 1e-6, torch.float32: 1e-3}  # about the cube root of each dtype's epsilon


def verdict(rel_error: float) -> str:
    """The verdict for one relative error (see the module docstring for the bands); NaN is "wrong"."""
    if isinstance(rel_error, bool) or not isinstance(rel_error, numbers.Real):
        raise TypeError(f"rel_error must be a number, got {rel_error!r} ({type(rel_error).__name__})")
    if rel_error < 0:
        raise ValueError(f"rel_error must be at least 0 (a relative error), got {rel_error!r}")
    for name, limit in THRESHOLDS.items():
        if rel_error <= limit:
            return name
    return "wrong"


@dataclasses.dataclass(frozen=True)
class TensorCheck:
    """One parameter tensor's result.

    ``rel_error`` is the central difference's error over all sampled entries (what a plain
    check reports); ``n_kinks`` entries sat at a kink that explains it (``n_exact_kinks`` of
    them at ``w`` itself, which no step size avoids); ``verdict`` comes from
    ``rel_error_no_kinks``, the error over the other entries (NaN if there are none: then the
    verdict is "ok" when every entry was consistent with its one-sided slopes).
    """

    name: str
    shape: tuple
    n_checked: int
    rel_error: float
    max_abs_error: float
    verdict: str
    n_kinks: int
    rel_error_no_kinks: float
    n_exact_kinks: int = 0


@dataclasses.dataclass(repr=False)
class GradCheckReport:
    """Per-tensor results of :func:`check_gradients`; ``ok`` when every checked tensor is good or ok."""

    tensors: list[TensorCheck]
    skipped: list[tuple[str, str]]  # (tensor or "loss", why it was not checked)
    dtype: str
    device: str
    h: float
    tf32: bool | None  # torch.backends.cuda.matmul.allow_tf32 on CUDA, None elsewhere
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.tensors) and all(t.verdict in ("good", "ok") for t in self.tensors)

    @property
    def max_rel_error(self) -> float:
        return max((t.rel_error for t in self.tensors), default=math.nan)

    def to_markdown(self) -> str:
        tf32 = "" if self.tf32 is None else f", TF32 matmul {'on' if self.tf32 else 'off'}"
        lines = [f"**Gradient check** ({self.dtype}, {self.device}, h={self.h:g}{tf32}): "
                 f"{'passed' if self.ok else 'FAILED'}", "",
                 "Verdict bands for the error away from kinks (float64): good <= {good:.0e} < ok <= {ok:.0e} "
                 "< suspicious <= {suspicious:.0e} < wrong".format(**THRESHOLDS), ""]
        if self.tensors:
            lines += ["| tensor | shape | entries | rel. error | verdict | at kinks | error w/o kinks |",
                      "|---|---|---|---|---|---|---|"]
            lines += [f"| {t.name} | {tuple(t.shape)} | {t.n_checked} | {t.rel_error:.2e} | {_shown(t)} | "
                      f"{t.n_kinks} | {_format(t.rel_error_no_kinks)} |" for t in self.tensors]
        lines += [f"- skipped {name}: {why}" for name, why in self.skipped]
        lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines)

    __repr__ = to_markdown

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


# ---------------------------------------------------------------- the check

def check_gradients(model, *data, dtype=torch.float64, h=None, max_entries=20, random_state=0,
                    device=None) -> GradCheckReport:
    """Gradient-check every parameter tensor of ``model`` on a copy of it; the model is not changed.

    ``data`` is ``loss_fn`` (``loss_fn(model) -> scalar``) or ``inputs, targets, loss``
    (``loss(model(inputs), targets) -> scalar``). The copy is cast to ``dtype``, moved to
    ``device`` (None: :func:`labkit.runtime.get_device`, so CUDA when there is one) and put
    in eval mode so dropout is off (batch norm uses its running statistics); floating
    inputs are cast to match. ``h`` None uses
    1e-6 for float64 and 1e-3 for float32. At most ``max_entries`` entries per tensor are
    checked, sampled with ``random_state``. A model or loss it cannot check gives a
    report whose ``skipped`` and ``notes`` say why, not an exception.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if dtype not in DEFAULT_H:
        raise ValueError(f"dtype must be torch.float64 or torch.float32, got {dtype!r}")
    h = DEFAULT_H[dtype] if h is None else check_float("h", h, min_value=0.0, strict_min=True)
    max_entries = check_int("max_entries", max_entries, min_value=1)
    rng = check_random_state("random_state", random_state)
    device, notes = choose_device(device, dtype)
    work = copy.deepcopy(model).to(device=device, dtype=dtype).eval()
    loss_of = loss_closure(work, data, dtype, device)
    tf32 = torch.backends.cuda.matmul.allow_tf32 if device.type == "cuda" else None
    report = GradCheckReport([], [], str(dtype).replace("torch.", ""), str(device), h, tf32, notes)
    with seeded(rng):  # a random loss (dropout) repeats from run to run; the caller's state is kept
        return _run_check(work, loss_of, report, dtype, h, max_entries, rng)


def _run_check(work, loss_of, report, dtype, h, max_entries, rng) -> GradCheckReport:
    params = []
    for name, p in work.named_parameters():
        if not p.dtype.is_floating_point:
            report.skipped.append((name, f"{p.dtype} parameter: only floating-point tensors have gradients"))
        elif not p.requires_grad:
            report.skipped.append((name, "requires_grad=False (frozen), so training never changes it"))
        else:
            params.append((name, p))
    if not params:
        report.notes.append("nothing to check: the model has no trainable floating-point parameters")
        return report
    why = _backward(work, loss_of)
    if why is not None:
        report.skipped.append(("loss", why))
        return report
    for name, p in params:
        value = lambda: loss_of(work).item()  # noqa: E731
        result = _check_tensor(name, p, value, h, max_entries, rng)
        if p.grad is None and result.max_abs_error == 0:  # no gradient, and the loss ignores it: fine
            report.skipped.append((name, "unused: it gets no gradient and moving it leaves the loss "
                                         "unchanged"))
        else:
            report.tensors.append(result)
    if not report.tensors:
        report.notes.append("no parameter of the checked copy affects the loss: does loss_fn use the model "
                            "it is given, not a model from outside?")
    report.notes += _kink_notes(report.tensors)
    if dtype == torch.float32:
        report.notes.append("float32 keeps about 7 digits: errors of 1e-4..1e-2 are round-off, "
                            "not bugs; the thresholds are for float64")
    return report


def choose_device(device, dtype) -> tuple[torch.device, list[str]]:
    """The device to check on (``device``, or labkit's default) and notes; float64 on MPS moves to the CPU."""
    chosen = get_device(None if device is None else str(device))
    if chosen.type == "mps" and dtype == torch.float64:  # MPS has no float64
        return torch.device("cpu"), ["float64 is not supported on Apple MPS: checked on the CPU"]
    return chosen, []


def loss_closure(work, data, dtype, device):
    """A function ``model -> loss`` from either calling convention of :func:`check_gradients`."""
    if len(data) == 1 and callable(data[0]):
        loss_fn = data[0]

        def cast_inputs(module, args):  # the caller's tensors are float32, the copy is `dtype`
            return tuple(_cast(a, dtype, device) for a in args)

        for module in work.modules():  # every module: loss_fn may call a submodule directly
            module.register_forward_pre_hook(cast_inputs)
        return loss_fn
    if len(data) == 3:
        inputs, targets, loss = data
        if not callable(loss):
            raise TypeError(f"loss must be a function (outputs, targets) -> scalar, got {loss!r}")
        inputs, targets = _cast(_tensor("inputs", inputs), dtype, device), _cast(_tensor("targets", targets),
                                                                                 dtype, device)
        return lambda m: loss(m(inputs), targets)
    raise TypeError("check_gradients takes (model, loss_fn) with loss_fn(model) -> scalar, or "
                    f"(model, inputs, targets, loss); got {len(data)} argument(s) after model")


def _tensor(name, value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value
    try:
        return torch.as_tensor(np.asarray(value))
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"{name} must be a tensor or array, got {type(value).__name__}: {error}") from None


def _cast(value, dtype, device):
    if isinstance(value, torch.Tensor):
        return value.to(device=device, dtype=dtype if value.is_floating_point() else value.dtype)
    return value


def _backward(work, loss_of) -> str | None:
    """Fill ``.grad`` by autograd; return why not if the loss cannot be checked."""
    try:
        loss = loss_of(work)
    except Exception as error:  # whatever the caller's code raises becomes the report's reason
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        hint = (" (a dtype clash: let loss_fn cast its tensors, or pass inputs, targets, loss)"
                if "dtype" in first or "type" in first.lower() else "")
        return f"the loss raised {type(error).__name__}: {first}{hint}"
    if not isinstance(loss, torch.Tensor):
        return (f"the loss is a {type(loss).__name__}, not a tensor: it was computed outside autograd "
                "(.item(), numpy), so there is no gradient to check")
    if loss.numel() != 1:
        return (f"the loss has shape {tuple(loss.shape)}, the check needs one number: "
                "reduce it, e.g. .mean() or .sum()")
    if not loss.requires_grad:
        return ("the loss does not require grad: it was computed without autograd (.detach(), "
                "torch.no_grad(), argmax, comparisons or integer casts), so no gradient reaches the weights")
    if not torch.isfinite(loss):
        return f"the loss is {loss.item()}: finite differences of NaN or Inf mean nothing"
    with torch.no_grad():
        again = loss_of(work)
    tolerance = 10 * torch.finfo(loss.dtype).eps  # GPU reductions may differ in the last bits
    if not torch.allclose(loss.detach(), again, rtol=tolerance, atol=0.0):
        return ("the loss changes between two calls with the same weights (dropout that eval() does not "
                "turn off, e.g. F.dropout(x) whose training=True by default, or sampling in the loss)")
    work.zero_grad(set_to_none=True)
    loss.backward()
    return None


def _check_tensor(name, p, value, h, max_entries, rng) -> TensorCheck:
    picks = np.sort(rng.choice(p.numel(), size=min(max_entries, p.numel()), replace=False))
    grad = p.grad if p.grad is not None else torch.zeros_like(p)  # None: autograd thinks L ignores p
    analytic = grad.detach().reshape(-1)[torch.as_tensor(picks, device=p.device)].double().cpu().numpy()
    slopes = finite_differences(p, picks, value, h)
    numeric = slopes.central
    scale = max(np.abs(analytic).max(), np.abs(numeric).max())
    # Only an entry that a smooth loss would not explain is a kink candidate.
    off = np.abs(analytic - numeric) > THRESHOLDS["good"] * scale
    at_kink, exact = np.zeros(len(picks), dtype=bool), np.zeros(len(picks), dtype=bool)
    if off.any():
        tolerance = THRESHOLDS["ok"] * scale
        at_kink[off], exact[off] = find_kinks(p, picks[off], value, h, analytic[off], _subset(slopes, off),
                                              tolerance)
    rel = _relative(analytic, numeric)
    clean = ~at_kink  # measured against the whole tensor's scale, so it is never above `rel`
    rel_clean = _relative(analytic[clean], numeric[clean], scale) if clean.any() else math.nan
    judged = verdict(rel_clean) if clean.any() else "ok"
    return TensorCheck(name, tuple(p.shape), len(picks), rel, float(np.abs(analytic - numeric).max()),
                       judged, int(at_kink.sum()), rel_clean, int(exact.sum()))


def _subset(slopes, mask):
    return type(slopes)(*(getattr(slopes, f.name)[mask] for f in dataclasses.fields(slopes)))


def _kink_notes(tensors) -> list[str]:
    n_kinks = sum(t.n_kinks for t in tensors)
    if not n_kinks:
        return []
    n_exact = sum(t.n_exact_kinks for t in tensors)
    notes = [f"{_entries(n_kinks)} at a kink (ReLU at 0, a tie in max or max pooling, abs or clamp at a "
             "corner): the loss has two slopes there, autograd returns one of them and the central "
             "difference averages them, so 'rel. error' is large even for a correct backward. Such entries "
             "are judged by their one-sided slopes (autograd must lie between them); the verdict is the "
             "error over the other entries ('error w/o kinks'), or 'ok (at kinks)' if every entry sat at one"]
    if n_exact:
        notes.append(f"{_count(n_exact, 'of them lies', 'of them lie')} exactly on the kink (a "
                     "pre-activation exactly 0, an exact tie): the slopes still differ with a step 100 "
                     "times smaller, so no h avoids it and a smaller h will not help; to test those "
                     "entries, move the point (nonzero random biases, inputs without exact zeros or ties)")
    if n_kinks > n_exact:
        notes.append(f"{_count(n_kinks - n_exact, 'of them crossed', 'of them crossed')} a kink within ±h of "
                     "w: a smaller h avoids those")
    return notes


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _entries(n: int) -> str:
    return _count(n, "sampled entry sits", "sampled entries sit")


def _shown(t: TensorCheck) -> str:
    """The verdict as the table shows it: 'ok (at kinks)' where only kinks were seen."""
    return "ok (at kinks)" if t.n_kinks and t.n_kinks == t.n_checked and t.verdict == "ok" else t.verdict


def _format(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2e}"


def _relative(analytic: np.ndarray, numeric: np.ndarray, scale: float | None = None) -> float:
    if scale is None:
        scale = max(np.abs(analytic).max(), np.abs(numeric).max())
    return 0.0 if scale == 0 else float(np.abs(analytic - numeric).max() / scale)


def demo_problem(*, activation="relu", n_samples=32, random_state=0):
    """A small problem for the labs: ``(model, X, y, loss)`` with ``MLP(4, 3, width=16, depth=2)``.

    X is standard normal (n_samples, 4), y random labels 0..2, loss ``F.cross_entropy``.
    The model's initial weights come from ``random_state`` too; the global seed is untouched.
    """
    from labkit.models import MLP

    n_samples = check_int("n_samples", n_samples, min_value=1)
    rng = check_random_state("random_state", random_state)
    with seeded(rng):
        model = MLP(4, 3, width=16, depth=2, activation=activation)
    X = torch.as_tensor(rng.normal(size=(n_samples, 4)), dtype=torch.float32)
    y = torch.as_tensor(rng.integers(0, 3, n_samples), dtype=torch.int64)
    return model, X, y, nn.functional.cross_entropy
