"""L2 and L1 penalties: what they do to the weights, and how too much of either underfits.

- :func:`weight_stats` reads a trained network's weight matrices (biases left out, as the
  penalties leave them): all weights for a histogram, their mean magnitude per layer and
  the fraction that sits at about zero. L1 drives many weights to zero (a sparse network);
  L2 shrinks them all but leaves few at exactly zero (Goodfellow et al. 2016, section 7.1).
- :func:`penalty_sweep` trains the shared set-up once per strength. Small strengths close
  some of the gap; large ones underfit: the Cross Validated answer's "L2 (or L1) set too
  large, so the weights can't move", and the training error itself rises.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from labkit.arguments import check_choice, check_float
from labkit.regularization.setup import OverfitSetup, train_run

__all__ = ["WeightStats", "weight_stats", "PenaltySweep", "penalty_sweep", "PENALTIES"]

PENALTIES = ("l2", "l1")


@dataclasses.dataclass(frozen=True, eq=False)
class WeightStats:
    """Weight matrices of a network: every weight (flat), per-layer mean |w|, and the share near zero.

    ``zero_fraction`` counts |w| < ``tol`` over all weights; ``layer_names`` (L,) name the
    layers whose mean |w| is ``layer_magnitude`` (L,).
    """

    weights: np.ndarray
    layer_names: tuple[str, ...]
    layer_magnitude: np.ndarray
    zero_fraction: float
    tol: float

    def __repr__(self) -> str:
        pairs = zip(self.layer_names, self.layer_magnitude, strict=True)
        layers = ", ".join(f"{n}: {m:.3g}" for n, m in pairs)
        return (f"WeightStats({len(self.weights)} weights, {100 * self.zero_fraction:.1f}% with |w| < "
                f"{self.tol:g}; mean |w| per layer: {layers})")


def weight_stats(model: torch.nn.Module, *, tol: float = 1e-3) -> WeightStats:
    """The weight matrices (parameters with 2 or more dimensions) of ``model``, summarized.

    ``tol`` (> 0) is the magnitude under which a weight counts as zero: Adam's steps jitter
    an L1-penalized weight around 0 by about its rate rather than landing on it exactly.
    Raises TypeError if ``model`` is not a torch module, ValueError if it has no weight matrix.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    tol = check_float("tol", tol, min_value=0.0, strict_min=True)
    named = [(n.removesuffix(".weight"), p.detach().cpu().numpy().ravel())
             for n, p in model.named_parameters() if p.dim() >= 2]
    if not named:
        raise ValueError(f"model has no weight matrices to summarize: {model!r:.80}")
    weights = np.concatenate([w for _, w in named])
    return WeightStats(weights, tuple(n for n, _ in named), np.array([np.abs(w).mean() for _, w in named]),
                       float((np.abs(weights) < tol).mean()), tol)


@dataclasses.dataclass(frozen=True, eq=False)
class PenaltySweep:
    """One run per strength of one penalty: errors (fractions), mean |w|, share of weights near zero.

    All arrays are (S,), one entry per strength in ``strengths`` (0 first: no penalty).
    ``underfits`` marks strengths whose training error is more than 5 points above the
    unpenalized run's while the validation error is more than 2 points above the sweep's
    best: the weights can't move enough to fit even the training set. (A rising train error
    alone is no fault with noisy labels: the penalty stops the network memorizing them.)
    """

    penalty: str
    strengths: np.ndarray
    train_error: np.ndarray
    val_error: np.ndarray
    mean_abs_weight: np.ndarray
    zero_fraction: np.ndarray
    stats: tuple[WeightStats, ...] = dataclasses.field(repr=False)

    @property
    def gap(self) -> np.ndarray:
        return self.val_error - self.train_error

    @property
    def underfits(self) -> np.ndarray:
        worse_fit = self.train_error > self.train_error[0] + 0.05
        return worse_fit & (self.val_error > self.val_error.min() + 0.02)

    @property
    def best_strength(self) -> float:
        """The strength with the lowest validation error (the first one on a tie)."""
        return float(self.strengths[int(np.argmin(self.val_error))])

    def table(self) -> str:
        lines = [f"{self.penalty} strength   train %    val %    gap %   mean |w|   |w|~0 %"]
        for i, s in enumerate(self.strengths):
            flag = "  underfits" if self.underfits[i] else ""
            lines.append(f"{s:>11.3g} {100 * self.train_error[i]:>9.1f} {100 * self.val_error[i]:>8.1f} "
                         f"{100 * self.gap[i]:>8.1f} {self.mean_abs_weight[i]:>10.4f} "
                         f"{100 * self.zero_fraction[i]:>9.1f}{flag}")
        return "\n".join(lines)

    __repr__ = table


def _strengths(strengths) -> np.ndarray:
    if isinstance(strengths, (str, bytes)) or not hasattr(strengths, "__len__") or len(strengths) == 0:
        raise TypeError(f"strengths must be a non-empty list of penalty strengths, got {strengths!r:.60}")
    values = [check_float(f"strengths[{i}]", s, min_value=0.0) for i, s in enumerate(strengths)]
    return np.array(sorted(set(values) | {0.0}))  # the unpenalized run is always the reference


def penalty_sweep(setup: OverfitSetup, *, penalty: str = "l2", strengths=(1e-4, 1e-3, 1e-2, 1e-1),
                  tol: float = 1e-3, epochs=None) -> PenaltySweep:
    """Train the set-up once per strength of ``penalty`` ("l2": weight decay, "l1"), plus strength 0.

    Returns a :class:`PenaltySweep`; ``tol`` as in :func:`weight_stats`. Raises ValueError or
    TypeError naming a bad argument. Source: the Cross Validated answer (regularization set
    too large, the weights can't move); Lusch: search L2 on a log10 scale.
    """
    penalty = check_choice("penalty", penalty, PENALTIES)
    values = _strengths(strengths)
    runs = [train_run(setup, epochs=epochs, **{penalty: float(s)}) for s in values]
    stats = tuple(weight_stats(r.model, tol=tol) for r in runs)
    return PenaltySweep(penalty, values, np.array([r.train_error for r in runs]),
                        np.array([r.val_error for r in runs]),
                        np.array([np.abs(s.weights).mean() for s in stats]),
                        np.array([s.zero_fraction for s in stats]), stats)
