"""Exercises for Lab 04, "Gradient checks", and the mystery activations the learner checks.

The four activations below are written as ``torch.autograd.Function`` s with hand-made
backward passes, as one writes a custom operation. Not all of them are right: the
exercises' solutions say which and why, so the learner finds out with a gradient check
rather than by reading this file.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from labkit.arguments import check_choice, check_int
from labkit.exercises import Exercise, ExerciseSet, expect_choice, expect_set
from labkit.runtime import seeded

__all__ = ["MYSTERY_ACTIVATIONS", "mystery_model", "exercises", "ERROR_SOURCES", "KINK_ACTIONS"]

ERROR_SOURCES = ("truncation", "round-off", "a kink", "a bug in backward")
KINK_ACTIONS = ("fix the backward", "false alarm: nothing to fix", "check in float32 instead")
_TENSORS = ("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias")


class _Tanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class _Softsign(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1 + x.abs())

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x.abs()) ** 2


class _SiLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * torch.sigmoid(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * torch.sigmoid(x)


class _GELU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 0.5 * (1 + torch.erf(x / math.sqrt(2)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        c = math.sqrt(2 / math.pi)
        t = torch.tanh(c * (x + 0.044715 * x**3))
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x**2))


MYSTERY_ACTIVATIONS = {"tanh": _Tanh, "softsign": _Softsign, "silu": _SiLU, "gelu": _GELU}


class _Activation(nn.Module):
    """A module that applies one of the hand-written Functions."""

    def __init__(self, name: str):
        super().__init__()
        self.name, self.function = name, MYSTERY_ACTIVATIONS[name]

    def forward(self, x):
        return self.function.apply(x)

    def extra_repr(self) -> str:
        return self.name


def mystery_model(name: str, *, random_state=0) -> nn.Sequential:
    """``Linear(4, 16), act, Linear(16, 16), act, Linear(16, 3)`` with the hand-written activation ``name``.

    It fits :func:`labkit.gradients.demo_problem`'s data: ``check_gradients(mystery_model("tanh"), X, y,
    loss)``. Tensor names are "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias".
    """
    name = check_choice("name", name, MYSTERY_ACTIVATIONS)
    with seeded(check_int("random_state", random_state, min_value=0)):
        return nn.Sequential(nn.Linear(4, 16), _Activation(name), nn.Linear(16, 16), _Activation(name),
                             nn.Linear(16, 3))


# ---------------------------------------------------------------- q1: a finite-difference gradient

class _LyingExp(torch.autograd.Function):
    """exp(x) whose backward says 2 exp(x): a gradient copied from autograd fails the check."""

    @staticmethod
    def forward(ctx, x):
        y = torch.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return 2 * grad * y


def _gradient_cases():
    """(f, w, true gradient) triples; w in float64, not requiring grad."""
    rng = np.random.default_rng(4)
    w1 = torch.as_tensor(rng.uniform(0.5, 1.5, 5))
    w2 = torch.as_tensor(rng.uniform(-1.0, 1.0, (2, 3)))
    w3 = torch.as_tensor(rng.uniform(-1.0, 1.0, 4))
    prod = torch.sin(w2).prod()
    return [
        (lambda w: (w**3).sum() / 3, w1, w1**2),
        (lambda w: torch.sin(w).prod(), w2, prod / torch.sin(w2) * torch.cos(w2)),
        (lambda w: _LyingExp.apply(w).sum(), w3, torch.exp(w3)),
    ]


def _check_numerical_gradient(fn):
    if not callable(fn):
        return False, f"pass your function itself, e.g. ex.q1.check(numerical_gradient); got {fn!r}"
    for k, (f, w, truth) in enumerate(_gradient_cases()):
        before = w.clone()
        try:
            estimate = fn(f, w, 1e-5)
        except Exception as error:  # the learner's code: report what it raised
            return False, f"numerical_gradient(f, w, 1e-5) raised {type(error).__name__}: {error}"
        if estimate is None:
            return False, "your function returned None: finish it, and return the gradient estimate"
        if not torch.equal(w, before):
            return False, "your function left w changed: put each entry back after nudging it"
        try:
            estimate = torch.as_tensor(np.asarray(estimate, dtype=np.float64)).reshape(w.shape)
        except (TypeError, ValueError, RuntimeError):
            return False, (f"return an array or tensor of w's shape {tuple(w.shape)}, got "
                           f"{type(estimate).__name__} {tuple(getattr(estimate, 'shape', ()))}")
        error = ((estimate - truth).abs().max() / truth.abs().max()).item()
        if k == 2 and torch.allclose(estimate, 2 * truth, rtol=1e-6):
            return False, ("that is what autograd says, and this f's backward lies on purpose: estimate the "
                           "gradient from values of f only")
        if not error <= 1e-7:
            return False, (f"case {k + 1}: off by {error:.1e} relative. A one-sided difference "
                           "(f(w + h) - f(w)) / h is off by about h; the central (f(w + h) - f(w - h)) / 2h "
                           "by about h².")
    return True, "it matches the true gradients to better than 1e-7, with h = 1e-5."


# ---------------------------------------------------------------- the set

def _best_h_check(hs, errors):
    best = float(hs[int(np.nanargmin(errors))])

    def check(answer):
        if isinstance(answer, bool) or not isinstance(answer, (int, float, np.floating)) or not answer > 0:
            return False, f"answer with a positive number, the step size h; got {answer!r}"
        off = abs(math.log10(answer) - math.log10(best))
        if off <= 0.26:  # the sweep's grid is half a decade wide
            return True, f"h = {best:.1e} gave the smallest error, {np.nanmin(errors):.1e}."
        side = "too large: truncation" if answer > best else "too small: round-off"
        return False, f"{answer:g} is {off:.1f} decades from the best h; that side is {side} territory."

    return check, best


def exercises(sweep=None) -> ExerciseSet:
    """Lab 04's exercises; ``sweep`` is the lab's float64 ``(hs, errors)`` step-size sweep (for q2)."""
    items = [Exercise(
        "q1",
        check=_check_numerical_gradient,
        hint="Loop over the entries of `w.view(-1)`: remember the value, set it to value + h and evaluate "
             "f, set it to value - h and evaluate f, put the value back. Use `.item()` to get numbers.",
        solution="```python\ndef numerical_gradient(f, w, h=1e-6):\n    grad = torch.zeros_like(w)\n"
                 "    flat, out = w.view(-1), grad.view(-1)\n    for i in range(flat.numel()):\n"
                 "        old = flat[i].item()\n        flat[i] = old + h\n        plus = f(w).item()\n"
                 "        flat[i] = old - h\n        minus = f(w).item()\n        flat[i] = old\n"
                 "        out[i] = (plus - minus) / (2 * h)\n    return grad\n```\n"
                 "It never calls backward: that is the point of a check.",
    )]
    if sweep is not None:
        check, best = _best_h_check(*sweep)
        items.append(Exercise(
            "q2", check=check,
            hint="Find the bottom of the U in the float64 sweep: `hs64[err64.argmin()]`.",
            solution=f"`{best:.1e}`: there the truncation error (growing like h²) and the round-off "
                     "error (growing like eps / h) are about equal. The cube root of float64's epsilon "
                     "(about 6e-6) is the order-of-magnitude estimate; the function's own constants "
                     "move the measured bottom.",
        ))
    items += [
        Exercise(
            "q3", check=expect_choice("round-off", ERROR_SOURCES),
            hint="On the left of the U, h is tiny. What happens when you subtract two almost equal "
                 "floating-point numbers and divide by 2h?",
            solution="`'round-off'`: f(w + h) and f(w - h) agree in almost all their digits, so their "
                     "difference keeps only the last few, which are rounding noise; dividing by a tiny 2h "
                     "magnifies that noise like eps / h. Truncation is the right side of the U.",
        ),
        Exercise(
            "q4", check=expect_set(("silu", "gelu"), tuple(MYSTERY_ACTIVATIONS)),
            hint="Check each `mystery_model(name)` in float64 (the default) and read the verdicts. Then "
                 "check them in float32 too: which bug would float32 have hidden?",
            solution="`['silu', 'gelu']`. SiLU's backward returns sigmoid(x) and forgets the product "
                     "rule's second term x·sigmoid(x)·(1 - sigmoid(x)): errors of order 0.1 to 1, 'wrong'. "
                     "GELU's forward is the exact x·Φ(x), but its backward is the derivative of the tanh "
                     "*approximation*: errors of a few 1e-4, 'suspicious' in float64, yet in float32 they "
                     "drown in the round-off that every correct check shows too (1e-3 to 1e-2). "
                     "`torch.autograd.gradcheck` with its default tolerances (rtol 1e-3) passes GELU as "
                     "well: try `compare_with_torch`. tanh and softsign are right.",
        ),
        Exercise(
            "q5", check=expect_set(("0.weight", "0.bias", "2.weight", "2.bias"), _TENSORS),
            hint="A gradient reaches a tensor only by passing back through every operation after it. "
                 "Which tensors of `mystery_model('silu')` sit before an activation?",
            solution="`['0.weight', '0.bias', '2.weight', '2.bias']`: their gradients flow back through at "
                     "least one faulty activation. The output layer `4` comes after the last activation, so "
                     "its gradient never meets the bug and passes. Where the failures stop tells you where "
                     "the faulty operation sits.",
        ),
        Exercise(
            "q6", check=expect_choice("false alarm: nothing to fix", KINK_ACTIONS),
            hint="Read the 'at kinks' and 'error w/o kinks' columns of the report, and its notes.",
            solution="`'false alarm: nothing to fix'`: the one entry sits at ReLU's kink, within ±h of "
                     "it, so the central difference mixed the slopes 0 and 1. Autograd's value is one of "
                     "the two one-sided slopes, so the report counts the entry under 'at kinks' and the "
                     "check passes; the other tensor agrees to 1e-10. A smaller h, or inputs further from "
                     "0, makes the alarm go away; a kink exactly at the point would not.",
        ),
    ]
    return ExerciseSet(*items)
