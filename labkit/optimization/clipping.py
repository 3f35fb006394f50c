"""Gradient clipping: a run with gradient spikes, with and without norm clipping, over thresholds.

Goodfellow et al. 2016 (Deep Learning, section 10.11.1, "Clipping gradients"; also 8.2.4
on cliffs) and Pascanu, Mikolov and Bengio 2013 ("On the difficulty of training recurrent
neural networks"): where the loss is very steep, one gradient step can throw the weights
far away, undoing many steps of progress. Norm clipping rescales the gradient ``g`` to
``threshold * g / ||g||`` whenever ``||g|| > threshold``: the direction is kept, the step's
length is bounded by ``lr * threshold``.

The steep spots here come from data, as they often do in practice: :func:`spiky_data` is
noisy sine data in which a few targets are wildly wrong (+-30 instead of about +-1). With
mini-batches of 16, a batch that holds one of them has a gradient ten or more times the
usual one: a spike. :func:`compare_thresholds` trains the same start with plain SGD under
several thresholds (None: no clipping) and records each step's gradient norm before
clipping (``history.step_grad_norm``), the fraction of steps clipped and the val loss on
clean data. Too high a threshold clips nothing; too low clips every step (every step then
has length ``lr * threshold``: normalized gradient descent with a small rate) and learns
slowly; in between, the spikes are cut and the rest left alone. Clipping also caps how
much any one outlier can pull, so here it works partly as a robust loss would.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import torch

from labkit.arguments import check_float, check_int, check_random_state
from labkit.data import make_sine
from labkit.history import History
from labkit.models import MLP
from labkit.train import fit

__all__ = ["spiky_data", "ClipRun", "ClippingComparison", "compare_thresholds", "spike_steps"]


def spiky_data(n_samples: int = 200, *, n_outliers: int = 4, outlier_value: float = 30.0, noise: float = 0.1,
               random_state=None) -> tuple:
    """((X, y), (X_val, y_val)): sine data, ``n_outliers`` train targets set to +-``outlier_value``.

    X has shape (n_samples, 1) and y (n_samples,), as make_sine gives; the val set is clean
    (no outliers), so its loss says how well the sine was learnt (about ``noise ** 2`` at best).
    """
    n_samples = check_int("n_samples", n_samples, min_value=8)
    n_outliers = check_int("n_outliers", n_outliers, min_value=0, max_value=n_samples)
    outlier_value = check_float("outlier_value", outlier_value, min_value=0.0)
    rng = check_random_state("random_state", random_state)
    X, y = make_sine(n_samples, noise=noise, random_state=int(rng.integers(2**31)))
    val = make_sine(n_samples, noise=noise, random_state=int(rng.integers(2**31)))
    y = np.array(y, dtype=float)
    where = rng.choice(n_samples, n_outliers, replace=False)
    y[where] = outlier_value * rng.choice([-1.0, 1.0], n_outliers)
    return (X, y), val


@dataclasses.dataclass(repr=False)
class ClipRun:
    """One run: clipping ``threshold`` (None: none), History and gradient norm per step, before clipping."""

    threshold: float | None
    history: History
    grad_norm: np.ndarray  # (steps,)

    @property
    def fraction_clipped(self) -> float:
        """The share of steps whose gradient norm exceeded the threshold (0 without clipping)."""
        return 0.0 if self.threshold is None else float(np.mean(self.grad_norm > self.threshold))

    @property
    def final_val_loss(self) -> float:
        return self.history.val_loss[-1]

    def __repr__(self) -> str:
        return (f"ClipRun(threshold={self.threshold}, final val loss {self.final_val_loss:.4g}, "
                f"clipped {self.fraction_clipped:.0%} of {len(self.grad_norm)} steps, "
                f"largest gradient norm {self.grad_norm.max():.3g})")


@dataclasses.dataclass(repr=False)
class ClippingComparison:
    """Runs of the same start and batches at several thresholds: ``runs[threshold]`` is a :class:`ClipRun`."""

    runs: dict
    lr: float
    epochs: int
    batch_size: int

    def table(self) -> str:
        """One line per threshold: steps clipped, median and largest norm, final and best val loss."""
        lines = [f"{'threshold':>10}{'clipped':>9}{'median norm':>13}{'max norm':>10}{'val loss':>10}"
                 f"{'best val':>10}"]
        for threshold, run in self.runs.items():
            h, g, name = run.history, run.grad_norm, "none" if threshold is None else f"{threshold:g}"
            lines.append(f"{name:>10}{run.fraction_clipped:>9.0%}"
                         f"{np.median(g):>13.3g}{g.max():>10.3g}{h.val_loss[-1]:>10.4g}{min(h.val_loss):>10.4g}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        head = f"ClippingComparison(sgd, lr={self.lr:g}, {self.epochs} epochs, batch_size={self.batch_size})"
        return f"{head}\n{self.table()}"


def _check_thresholds(thresholds) -> tuple:
    if isinstance(thresholds, (str, bytes)) or not hasattr(thresholds, "__iter__"):
        raise TypeError(f"thresholds must be a list of positive numbers or None, got {thresholds!r}")
    thresholds = tuple(thresholds)
    if not thresholds:
        raise ValueError("thresholds must hold at least one threshold (None for no clipping), got none")
    return tuple(None if t is None else check_float("thresholds", t, min_value=0.0, strict_min=True)
                 for t in thresholds)


def compare_thresholds(thresholds=(None, 10.0, 3.0, 1.0, 0.3, 0.1), *, data=None, epochs: int = 40,
                       lr: float = 0.05, batch_size: int = 16, width: int = 32, depth: int = 2,
                       random_state=0) -> ClippingComparison:
    """Train one starting MLP with SGD at each clipping threshold (None: no clipping).

    ``data`` is ((X, y), (X_val, y_val)); None makes :func:`spiky_data` from
    ``random_state``. Every run starts from the same weights and sees the same batches,
    so the runs differ only by clipping. The default takes about 2 s on one core.
    """
    thresholds = _check_thresholds(thresholds)
    rng = check_random_state("random_state", random_state)
    if data is not None and (not isinstance(data, (tuple, list)) or len(data) != 2):
        raise TypeError(f"data must be None or ((X, y), (X_val, y_val)), got {data!r:.60}")
    train, val = spiky_data(random_state=int(rng.integers(2**31))) if data is None else data
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    with torch.random.fork_rng(devices=[]):  # the start from the run's seed, not torch's global one
        torch.manual_seed(int(rng.integers(2**31)))
        start = MLP(1, 1, width=width, depth=depth)
    seed = int(rng.integers(2**31))
    runs = {}
    for threshold in thresholds:
        history = fit(copy.deepcopy(start), train, val, epochs=epochs, lr=lr, optimizer="sgd",
                      batch_size=batch_size, clip_grad_norm=threshold, record_grad_norm=True,
                      random_state=seed)
        runs[threshold] = ClipRun(threshold, history, np.asarray(history.step_grad_norm))
    return ClippingComparison(runs, lr, epochs, batch_size)


def spike_steps(run: ClipRun, *, factor: float = 5.0) -> np.ndarray:
    """The steps whose gradient norm exceeds ``factor`` times the run's median: its spikes."""
    if not isinstance(run, ClipRun):
        raise TypeError(f"run must be a ClipRun (from compare_thresholds), got {type(run).__name__}")
    factor = check_float("factor", factor, min_value=1.0)
    return np.flatnonzero(run.grad_norm > factor * np.median(run.grad_norm))
