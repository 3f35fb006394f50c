"""Central finite differences, one parameter entry at a time, and the kinks that fool them.

:func:`central_differences` moves one entry ``w`` of a parameter to ``w + h`` and to
``w - h`` and divides the change of the loss by ``2h``: the numbers the gradient check
(:mod:`labkit.gradients.gradcheck`) compares with autograd's. Where the loss has a kink (ReLU at
0) within ``±h``, the two sides lie on different slopes and the difference averages
them; :class:`KinkWatch` records which side of its kink(s) every input of a ReLU-like
module lies on, so a step that crossed one is flagged rather than taken for a bug.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["KinkWatch", "central_differences"]

_KINKED = (nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.ReLU6, nn.Hardtanh)  # ReLU6 is a Hardtanh


def central_differences(p, picks, value, h, kinks) -> tuple[np.ndarray, np.ndarray]:
    """``(L(w + h) - L(w - h)) / (2h)`` for the entries ``picks`` of parameter ``p``: ``(numeric, crossed)``.

    ``value()`` returns the loss as a float and ``kinks`` is a :class:`KinkWatch` on the
    model; ``crossed[k]`` says whether the step of entry ``picks[k]`` crossed a kink.
    Each entry is moved in place and put back before the next.
    """
    numeric, crossed = np.empty(len(picks)), np.zeros(len(picks), dtype=bool)
    flat = p.data.view(-1)  # a view: writing an entry changes the parameter
    with torch.no_grad():
        for k, i in enumerate(picks.tolist()):
            original = flat[i].item()
            kinks.take()
            flat[i] = original + h
            plus, sides_plus = value(), kinks.take()
            flat[i] = original - h
            minus, sides_minus = value(), kinks.take()
            flat[i] = original
            numeric[k] = (plus - minus) / (2 * h)
            crossed[k] = len(sides_plus) != len(sides_minus) or any(
                not torch.equal(a, b) for a, b in zip(sides_plus, sides_minus, strict=True))
    return numeric, crossed


class KinkWatch:
    """Records, for every ReLU-like module call, which side of its kink(s) each input lies on.

    Comparing the records of the ``w + h`` and ``w - h`` passes tells whether the step
    crossed a kink. Only modules are seen: ``F.relu`` or ``torch.clamp`` calls are not.
    """

    def __init__(self, model: nn.Module):
        self.sides: list[torch.Tensor] = []
        kinked = [m for m in model.modules() if isinstance(m, _KINKED)]
        self.handles = [m.register_forward_hook(self._record) for m in kinked]

    def _record(self, module, args, output) -> None:
        x = args[0]
        if isinstance(module, nn.Hardtanh):  # kinks at both ends (ReLU6: 0 and 6)
            self.sides.append(torch.stack((x > module.min_val, x < module.max_val)))
        else:
            self.sides.append(x > 0)

    def take(self) -> list[torch.Tensor]:
        sides, self.sides = self.sides, []
        return sides

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        for handle in self.handles:
            handle.remove()
