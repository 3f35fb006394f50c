"""When a gradient check misleads: errors that are not bugs, and a bug that passes.

The check itself is :func:`labkit.gradients.gradcheck.check_gradients`; these show how to read it:

- :func:`compare_precisions`: float32 keeps about 7 digits, so a correct backward
  checked in float32 shows errors of 1e-4..1e-2 (round-off, not bugs);
- :func:`step_size_sweep`: the error against ``h`` is U-shaped, truncation on the
  right and round-off on the left;
- :func:`kink_false_alarm`: a step across ReLU's kink makes a right gradient look wrong;
- :func:`tf32_effect`: TF32 matmul on NVIDIA GPUs makes a float32 check worse still;
- :func:`compare_with_torch`: ``torch.autograd.gradcheck``'s verdict beside ours; its
  default tolerances can pass a backward that is slightly wrong.

Nothing here draws; the results print as text or markdown.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import torch
from torch import nn

from labkit.arguments import check_float, check_int, check_random_state
from labkit.gradients.gradcheck import GradCheckReport, check_gradients, choose_device, loss_closure

__all__ = [
    "compare_precisions", "step_size_sweep", "kink_false_alarm", "TF32Effect", "tf32_effect",
    "TorchComparison", "compare_with_torch",
]


# ---------------------------------------------------------------- why precision matters

def compare_precisions(model, *data, max_entries=20, random_state=0, device=None) -> dict:
    """The same check in float32 and float64, each with its default ``h``, keyed "float32" and "float64"."""
    options = {"max_entries": max_entries, "random_state": random_state, "device": device}
    return {name: check_gradients(model, *data, dtype=dtype, **options)
            for name, dtype in (("float32", torch.float32), ("float64", torch.float64))}


def step_size_sweep(model, *data, hs=None, dtype=torch.float64, max_entries=5, random_state=0,
                    device=None) -> tuple[np.ndarray, np.ndarray]:
    """The worst relative error over all tensors for each step size ``h``: ``(hs, errors)``.

    The curve is U-shaped: on the right, the truncation error of the central difference
    grows like h^2; on the left, round-off grows like epsilon / h (the two losses differ
    in their last digits, and dividing by 2h magnifies that). ``hs`` None spans 1e-13..1e-1
    (float64) or 1e-8..1 (float32). Raises ValueError if the loss cannot be checked at all.
    """
    if hs is None:
        hs = np.logspace(-13, -1, 25) if dtype == torch.float64 else np.logspace(-8, 0, 17)
    hs = _check_step_sizes(hs)
    errors = np.empty(len(hs))
    for i, h in enumerate(hs):
        report = check_gradients(model, *data, dtype=dtype, h=float(h), max_entries=max_entries,
                                 random_state=random_state, device=device)
        if not report.tensors:
            reasons = "; ".join(why for _, why in report.skipped) or "; ".join(report.notes)
            raise ValueError(f"cannot sweep h: {reasons}")
        errors[i] = report.max_rel_error
    return hs, errors


def _check_step_sizes(hs) -> np.ndarray:
    """``hs`` as a 1-D float array of finite positive step sizes, or an error naming ``hs``."""
    allowed = "a non-empty list of positive step sizes such as [1e-6, 1e-4, 1e-2]"
    if isinstance(hs, (str, bytes)):
        raise TypeError(f"hs must be {allowed}, got the string {hs!r}")
    try:
        array = np.asarray(hs, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"hs must be {allowed}, got {hs!r}") from None
    if array.ndim > 1:
        raise ValueError(f"hs must be {allowed} (1-D), got shape {array.shape}")
    array = array.reshape(-1)
    if array.size == 0 or not np.all(np.isfinite(array)) or array.min() <= 0:
        raise ValueError(f"hs must be {allowed}, got {hs!r}")
    return array


def kink_false_alarm(offset=5e-7, *, h=1e-6) -> GradCheckReport:
    """A false alarm on purpose: ``sum(relu(w * x + b))`` with one input ``x = offset`` near the kink.

    With w = 1 and b = 0, moving ``b`` by ``±h`` carries that sample across ReLU's kink
    when ``|offset| < h``: the central difference mixes the slopes 0 and 1, so the bias's
    "rel. error" is large although autograd is right. The report finds the kink from the
    one-sided slopes, counts it under "at kinks" and judges the entry by them (it passes);
    with ``offset=0`` the kink sits exactly at the point and the report says no smaller
    ``h`` can avoid it. The weight, whose step scales ``x`` and never crosses 0, is good.
    """
    offset = check_float("offset", offset)
    h = check_float("h", h, min_value=0.0, strict_min=True)
    with torch.random.fork_rng(devices=[]):  # Linear's random init would draw from the global stream
        model = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
    with torch.no_grad():
        model[0].weight.fill_(1.0)
        model[0].bias.fill_(0.0)
    X = torch.tensor([[offset], [0.5], [-0.7], [1.2]], dtype=torch.float64)  # (4, 1)
    return check_gradients(model, X, torch.zeros(4, 1), lambda out, target: (out - target).sum(), h=h)


@dataclasses.dataclass(repr=False)
class TF32Effect:
    """The float32 check with TF32 matmul off and on (CUDA only; both None elsewhere)."""

    device: str
    applies: bool
    message: str
    tf32_off: GradCheckReport | None = None
    tf32_on: GradCheckReport | None = None

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        parts = [self.message] + [f"\n\n{r.to_markdown()}" for r in (self.tf32_off, self.tf32_on) if r]
        return "".join(parts)


def tf32_effect(model, *data, max_entries=20, random_state=0, device=None) -> TF32Effect:
    """Run the float32 check with ``torch.backends.cuda.matmul.allow_tf32`` off, then on; restore it.

    TF32 (NVIDIA Ampere and newer) rounds matmul inputs to 10 mantissa bits, about 3
    decimal digits: fast, and a gradient check in float32 gets noticeably worse. float64
    never uses it. On a CPU or MPS device the function only says that TF32 does not apply.
    """
    if not isinstance(model, nn.Module):  # checked here too: off CUDA the check itself never runs
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_int("max_entries", max_entries, min_value=1)
    check_random_state("random_state", random_state)
    chosen, _ = choose_device(device, torch.float32)
    if chosen.type != "cuda":
        return TF32Effect(str(chosen), False, f"TF32 does not apply on {chosen.type}: it is a matmul mode of "
                          "NVIDIA GPUs (Ampere and newer); every float32 matmul here is full float32.")
    before = torch.backends.cuda.matmul.allow_tf32
    reports = {}
    try:
        for flag in (False, True):
            torch.backends.cuda.matmul.allow_tf32 = flag
            reports[flag] = check_gradients(model, *data, dtype=torch.float32, max_entries=max_entries,
                                            random_state=random_state, device=chosen)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = before
    off, on = reports[False].max_rel_error, reports[True].max_rel_error
    major, minor = torch.cuda.get_device_capability(chosen)
    note = "" if major >= 8 else f" This GPU (compute capability {major}.{minor}) has no TF32: no change."
    message = (f"float32 gradient check on {chosen}: worst relative error {off:.2e} with TF32 off, {on:.2e} "
               f"with TF32 on (the setting is back to {before}).{note}")
    return TF32Effect(str(chosen), True, message, reports[False], reports[True])


# ---------------------------------------------------------------- against PyTorch's own

@dataclasses.dataclass(repr=False)
class TorchComparison:
    """Our report and ``torch.autograd.gradcheck``'s verdict on the same model and loss."""

    ours: GradCheckReport
    torch_ok: bool
    torch_message: str

    def __repr__(self) -> str:
        ours = f"{'passed' if self.ours.ok else 'FAILED'} (worst {self.ours.max_rel_error:.2e})"
        return (f"labkit check: {ours}; "
                f"torch.autograd.gradcheck: {'passed' if self.torch_ok else 'FAILED'} ({self.torch_message})")


class _Call(nn.Module):
    """Wraps ``loss_fn(model)`` as a module, so ``functional_call`` can swap the model's parameters."""

    def __init__(self, model, loss_of):
        super().__init__()
        self.model, self.loss_of = model, loss_of

    def forward(self):
        return self.loss_of(self.model)


def compare_with_torch(model, *data, max_entries=20, random_state=0, device=None, atol=1e-5,
                       rtol=1e-3) -> TorchComparison:
    """Run :func:`check_gradients` and ``torch.autograd.gradcheck`` (float64, eps=1e-6) on the same loss.

    PyTorch's check differentiates with respect to every parameter entry (its fast mode
    above 5000 entries) and passes when ``|a - n| <= atol + rtol * |n|`` entry by entry.
    """
    atol, rtol = check_float("atol", atol, min_value=0.0), check_float("rtol", rtol, min_value=0.0)
    ours = check_gradients(model, *data, max_entries=max_entries, random_state=random_state, device=device)
    if not ours.tensors:
        reasons = [why for _, why in ours.skipped] + ours.notes
        return TorchComparison(ours, False, "not run: " + "; ".join(reasons))
    chosen, _ = choose_device(device, torch.float64)
    work = copy.deepcopy(model).to(device=chosen, dtype=torch.float64).eval()
    call = _Call(work, loss_closure(work, data, torch.float64, chosen))
    named = [(n, p) for n, p in work.named_parameters() if p.requires_grad and p.dtype.is_floating_point]
    names = [f"model.{n}" for n, _ in named]
    inputs = tuple(p.detach().clone().requires_grad_(True) for _, p in named)

    def loss_of_params(*params):
        return torch.func.functional_call(call, dict(zip(names, params, strict=True)), ())

    fast = sum(p.numel() for p in inputs) > 5000
    try:
        torch.autograd.gradcheck(loss_of_params, inputs, eps=1e-6, atol=atol, rtol=rtol, fast_mode=fast)
    except RuntimeError as error:  # GradcheckError is a RuntimeError
        first = str(error).strip().splitlines()[0]
        for k, (name, _) in enumerate(named):
            first = first.replace(f"input {k},", f"input {k} ({name}),")
        return TorchComparison(ours, False, first)
    return TorchComparison(ours, True, f"atol={atol:g}, rtol={rtol:g}{', fast mode' * fast}")
