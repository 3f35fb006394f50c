"""Finite differences, one parameter entry at a time, and the kinks that fool them.

:func:`finite_differences` moves one entry ``w`` of a parameter to ``w + h`` and to
``w - h`` and returns three slopes: the central difference
``(L(w + h) - L(w - h)) / 2h`` that the gradient check (:mod:`labkit.gradients.gradcheck`)
compares with autograd, and the one-sided ones ``(L(w + h) - L(w)) / h`` and
``(L(w) - L(w - h)) / h``.

On a smooth loss the two one-sided slopes differ by about ``h * L''``, far below the
gradient. Where the loss has a kink within ``±h`` of ``w`` (ReLU at 0, a tie in ``max``
or max pooling, ``abs`` or ``clamp`` at their corners, whether written as modules or as
``F.`` calls) they lie on different pieces and differ by a finite jump; autograd returns
one of the slopes there (a subgradient: ``relu'(0) = 0`` in PyTorch) while the central
difference averages them, so a correct backward looks wrong. Comparing the one-sided
slopes finds such kinks however the model writes them: :func:`find_kinks` says which entries
sit at one and whether the kink is at ``w`` itself (an exact zero or an exact tie, where
no step size avoids it) or only within ``±h`` (where a smaller step does). The idea of
watching kinks is CS231n's ("Gradient checks: kinks in the objective").
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

__all__ = ["Slopes", "finite_differences", "find_kinks"]

SHRINK = 100  # the smaller step that tells a kink at w (it stays) from one within ±h (it goes)


@dataclasses.dataclass(frozen=True)
class Slopes:
    """Finite-difference slopes for sampled entries of one tensor, each of shape (n_entries,).

    ``central`` is ``(L(w+h) - L(w-h)) / 2h``; ``left`` and ``right`` the one-sided slopes;
    ``noise`` the round-off a one-sided slope can carry (``eps * |L| / h``, in loss units per
    unit of ``w``).
    """

    central: np.ndarray
    left: np.ndarray
    right: np.ndarray
    noise: np.ndarray


def finite_differences(p: torch.Tensor, picks: np.ndarray, value, h: float) -> Slopes:
    """The slopes of the loss along the entries ``picks`` of parameter ``p`` (flat indices).

    ``value()`` returns the loss as a Python float for the current parameters. Each entry
    is moved in place and put back before the next; ``p`` ends exactly as it started.
    """
    eps = torch.finfo(p.dtype).eps
    flat = p.data.view(-1)  # a view: writing an entry changes the parameter
    n = len(picks)
    plus, minus, base = np.empty(n), np.empty(n), value()
    with torch.no_grad():
        for k, i in enumerate(picks.tolist()):
            original = flat[i].item()
            flat[i] = original + h
            plus[k] = value()
            flat[i] = original - h
            minus[k] = value()
            flat[i] = original
    size = np.maximum(np.maximum(np.abs(plus), np.abs(minus)), abs(base))
    return Slopes((plus - minus) / (2 * h), (base - minus) / h, (plus - base) / h, 8 * eps * size / h)


def find_kinks(p, picks, value, h, analytic, slopes: Slopes,
               tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Which sampled entries sit at a kink that explains autograd's answer: ``(at_kink, exact)``.

    ``analytic`` holds autograd's values for the entries ``picks`` and ``slopes`` their
    :func:`finite_differences` with step ``h``; ``tolerance`` is the error a correct slope
    may carry, in the gradient's units. A kink makes the one-sided slopes differ by more
    than that and autograd's value lie between them (within the same allowance). Then
    the slopes are taken again with the step ``h / SHRINK``:

    - the jump stays (``exact``): the kink is at ``w`` itself (a pre-activation exactly 0,
      an exact tie), where autograd may pick any mix of the slopes;
    - the jump goes: the kink lies within ``±h``, and autograd must match the slope on
      its clean side better than the central difference does. On a smooth loss the
      central difference is the closer one, so curvature at a large ``h`` is not
      excused as a kink.

    Both results are boolean arrays of shape (n_entries,). A value outside the two slopes
    is never excused: a wrong backward stays wrong next to a kink.
    """
    allow = tolerance + slopes.noise
    low, high = np.minimum(slopes.left, slopes.right), np.maximum(slopes.left, slopes.right)
    jump = high - low
    candidate = (jump > allow) & (analytic >= low - allow) & (analytic <= high + allow)
    at_kink, exact = np.zeros_like(candidate), np.zeros_like(candidate)
    if candidate.any():
        closer = finite_differences(p, picks[candidate], value, h / SHRINK)
        exact[candidate] = np.abs(closer.right - closer.left) > jump[candidate] / 2
        a = analytic[candidate]
        one_sided = np.minimum(np.abs(a - slopes.left[candidate]), np.abs(a - slopes.right[candidate]))
        near = one_sided < np.abs(a - slopes.central[candidate]) / 2
        at_kink[candidate] = exact[candidate] | near
    return at_kink, exact
