"""The learning-rate U-curve, measured: many rates x many seeds, trained as one batched computation.

:func:`lr_sweep` trains ``len(rates) x len(seeds)`` copies of one small MLP, each at its own
rate and from its own seed's initial weights, with :func:`labkit.batched.fit_batched` (one
learning rate per model), and returns an :class:`LRSweepResult`: the final losses, which runs
diverged, the median and a quantile band over seeds, the best rate, and each rate's region
(too low / good / too high / diverged, see :func:`classify_rates`).

Every rate starts from the same ``len(seeds)`` initial networks (seed j gives the same
weights at every rate), so two rates differ in the rate alone: a paired comparison.
:func:`default_problem` gives the playground's default data (40 noisy sine points), built
from core so that no topic imports another. The picture follows Goodfellow et al., Deep
Learning, figure 11.1 (too low is slow, too high goes astray) and Bengio 2012, "Practical
recommendations for gradient-based training", section 3.1 (the U-shaped curve in log lr).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from labkit.arguments import as_2d_float, check_choice, check_float, check_int, check_random_state, to_numpy
from labkit.batched import BatchedMLP, fit_batched, mse_per_model, predict_batched
from labkit.data import make_sine
from labkit.models import ACTIVATIONS, MLP

__all__ = ["LRSweepResult", "lr_sweep", "classify_rates", "default_problem", "make_network", "REGIONS",
           "RegimeRuns", "train_regimes"]

REGIONS = ("too low", "good", "too high", "diverged")
SWEEP_OPTIMIZERS = ("sgd", "adam")


def default_problem(*, n_train=40, n_val=300, noise=0.2, random_state=0):
    """The playground's default data: ``((X, y), (X_val, y_val))``, sine points with noise 0.2.

    X is (n_train, 1) and X_val (n_val, 1): fresh points from the same source (another seed).
    """
    n_train = check_int("n_train", n_train, min_value=2)
    n_val = check_int("n_val", n_val, min_value=2)
    noise = check_float("noise", noise, min_value=0.0)
    train_seed, val_seed = check_random_state("random_state", random_state).integers(2**31, size=2)
    return (make_sine(n_train, noise=noise, random_state=int(train_seed)),
            make_sine(n_val, noise=noise, random_state=int(val_seed)))


def make_network(seed, *, in_features=1, width=32, depth=2, activation="tanh"):
    """The MLP that ``seed`` gives (PyTorch's default init), drawn without touching the global RNG."""
    seed = check_int("seed", seed, min_value=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return MLP(in_features, 1, width=width, depth=depth, activation=activation)


def classify_rates(median_loss, diverged_fraction, *, good_factor=2.0):
    """Each rate's region, from its median final loss over seeds and its fraction of diverged runs.

    The rule: a rate is "diverged" when more than half its seeds diverged; of the rest, the one
    with the lowest median loss is the best, and a rate is "good" when its median is at most
    ``good_factor`` times the best median; a rate that is not good is "too low" left of the best
    and "too high" right of it. ``median_loss`` and ``diverged_fraction`` are (n_rates,), rates
    in increasing order. Returns (regions tuple, index of the best rate or -1 if all diverged).
    """
    median = _vector("median_loss", median_loss)
    frac = _vector("diverged_fraction", diverged_fraction)
    if median.ndim != 1 or frac.shape != median.shape:
        raise ValueError(f"median_loss and diverged_fraction must be 1-D of one length, got shapes "
                         f"{median.shape} and {frac.shape}")
    good_factor = check_float("good_factor", good_factor, min_value=1.0)
    dead = (frac > 0.5) | ~np.isfinite(median)
    if dead.all():
        return ("diverged",) * len(median), -1
    best = int(np.argmin(np.where(dead, np.inf, median)))
    regions = []
    for i, m in enumerate(median):
        if dead[i]:
            regions.append("diverged")
        elif m <= good_factor * median[best]:
            regions.append("good")
        else:
            regions.append("too low" if i < best else "too high")
    return tuple(regions), best


@dataclass(eq=False)
class LRSweepResult:
    """Final losses of a rate x seed sweep. Arrays are (n_rates, n_seeds) unless said otherwise."""

    rates: np.ndarray  # (n_rates,), increasing
    seeds: np.ndarray  # (n_seeds,)
    optimizer: str
    epochs: int
    train_loss: np.ndarray  # final train MSE; inf where the run diverged
    val_loss: np.ndarray | None  # final val MSE; inf where the run diverged
    start_loss: np.ndarray  # (n_seeds,): each initial network's train MSE
    diverged: np.ndarray  # bool: NaN/Inf met, or the final train loss above the start
    curves: np.ndarray  # (n_rates, n_seeds, epochs): train MSE per epoch (NaN after divergence)
    quantiles: tuple
    good_factor: float
    seconds: float

    def __post_init__(self):
        self.median_train = _median(self.train_loss)
        self.band_train = _band(self.train_loss, self.quantiles)
        self.median_val = None if self.val_loss is None else _median(self.val_loss)
        self.band_val = None if self.val_loss is None else _band(self.val_loss, self.quantiles)
        self.regions, self.best_index = classify_rates(self.median_train, self.diverged.mean(axis=1),
                                                       good_factor=self.good_factor)

    @property
    def best_rate(self) -> float:
        """The rate with the lowest median final train loss (NaN if every rate diverged)."""
        return float(self.rates[self.best_index]) if self.best_index >= 0 else float("nan")

    def region_span(self, region="good") -> tuple[float, float]:
        """(lowest, highest) rate in ``region``; (NaN, NaN) if no rate is."""
        region = check_choice("region", region, REGIONS)
        inside = [r for r, g in zip(self.rates, self.regions, strict=True) if g == region]
        return (float(min(inside)), float(max(inside))) if inside else (float("nan"), float("nan"))

    def good_width_decades(self) -> float:
        """How wide the good region is, in decades of lr (log10 of highest / lowest good rate)."""
        low, high = self.region_span("good")
        return float(np.log10(high / low)) if np.isfinite(low) else 0.0

    def __repr__(self) -> str:
        n_r, n_s = self.train_loss.shape
        lines = [f"LRSweepResult({self.optimizer}, {n_r} rates x {n_s} seeds, {self.epochs} epochs, "
                 f"{self.seconds:.2f} s)",
                 f"  best rate {self.best_rate:.3g}: median train MSE "
                 f"{self.median_train[max(self.best_index, 0)]:.3g}; good from {self.region_span()[0]:.3g} "
                 f"to {self.region_span()[1]:.3g} ({self.good_width_decades():.1f} decades)",
                 "  rate      median train  median val  diverged  region"]
        for i, rate in enumerate(self.rates):
            val = "" if self.median_val is None else f"{self.median_val[i]:.3g}"
            lines.append(f"  {rate:<9.3g} {self.median_train[i]:<13.3g} {val:<11} "
                         f"{int(self.diverged[i].sum())}/{n_s}{'':5} {self.regions[i]}")
        return "\n".join(lines)


def _median(losses):
    """Median over seeds (axis 1); inf counts as a loss larger than any."""
    return np.array([np.median(row) if np.isfinite(row).sum() * 2 > len(row) else np.inf for row in losses])


def _band(losses, quantiles):
    """(2, n_rates): the quantiles over the finite seeds of each rate (NaN where none is finite)."""
    finite = np.where(np.isfinite(losses), losses, np.nan)
    band = np.full((2, len(losses)), np.nan)
    ok = np.isfinite(finite).any(axis=1)
    band[:, ok] = np.nanquantile(finite[ok], quantiles, axis=1)
    return band


def _vector(name: str, values) -> np.ndarray:
    """``values`` as a float array; TypeError naming ``name`` for text, None or other non-numbers."""
    array = to_numpy(name, values)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a sequence of numbers, got {values!r:.80}")
    return array.astype(float)


def _check_rates(rates):
    rates = np.asarray(rates, dtype=float) if not isinstance(rates, str) else np.array([])
    if rates.ndim != 1 or len(rates) < 1 or not np.all(np.isfinite(rates)) or np.any(rates <= 0):
        raise ValueError(f"rates must be a 1-D sequence of positive numbers, got {rates!r:.80}")
    if np.any(np.diff(rates) <= 0):
        raise ValueError(f"rates must be strictly increasing, got {rates.tolist()!r:.80}")
    return rates


def _check_seeds(seeds):
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__len__") or len(seeds) < 1:
        raise TypeError(f"seeds must be a non-empty sequence of non-negative ints, got {seeds!r:.80}")
    return np.array([check_int(f"seeds[{j}]", s, min_value=0) for j, s in enumerate(seeds)])


def lr_sweep(train, val=None, *, rates, seeds, optimizer="sgd", epochs=300, width=32, depth=2,
             activation="tanh", batch_size=None, good_factor=2.0, quantiles=(0.25, 0.75),
             _keep=None) -> LRSweepResult:
    """Train one MLP per (rate, seed) on mean squared error, all at once; return an :class:`LRSweepResult`.

    ``train`` and ``val`` are ``(X, y)`` pairs (X (N, d), y (N,)). ``rates`` is increasing;
    ``seeds`` gives the initial networks (:func:`make_network`), the same at every rate.
    ``optimizer`` is "sgd" (plain, no momentum) or "adam". A run is *diverged* when its loss
    or gradient turned NaN/Inf, or its final train loss ended above its starting loss; its
    final losses are then inf. Regions follow :func:`classify_rates`. Raises ValueError or
    TypeError naming a bad argument.
    """
    rates, seeds = _check_rates(rates), _check_seeds(seeds)
    optimizer = check_choice("optimizer", optimizer, SWEEP_OPTIMIZERS)
    epochs = check_int("epochs", epochs, min_value=1)
    check_choice("activation", activation, ACTIVATIONS)
    good_factor = check_float("good_factor", good_factor, min_value=1.0)
    quantiles = tuple(check_float(f"quantiles[{i}]", q, min_value=0.0, max_value=1.0)
                      for i, q in enumerate(quantiles))
    if len(quantiles) != 2 or quantiles[0] >= quantiles[1]:
        raise ValueError(f"quantiles must be (low, high) with low < high, got {quantiles!r}")
    n_r, n_s = len(rates), len(seeds)
    d = np.asarray(train[0]).reshape(len(train[0]), -1).shape[1] if isinstance(train, (tuple, list)) else 1
    nets = [make_network(int(s), in_features=d, width=width, depth=depth, activation=activation)
            for s in seeds]
    model = BatchedMLP.from_models([nets[j] for _ in range(n_r) for j in range(n_s)])  # k = i * n_s + j
    start = time.perf_counter()
    # val is measured once, after training: measured every epoch it cost 3x the training (300 points)
    history = fit_batched(model, train, epochs=epochs, lr=np.repeat(rates, n_s), optimizer=optimizer,
                          batch_size=batch_size, random_state=0)
    seconds = time.perf_counter() - start
    if _keep is not None:  # train_regimes wants the trained models too
        _keep.append(model)
    curves = history.train_loss.T.reshape(n_r, n_s, epochs)
    start_loss = curves[0, :, 0]  # the loss of the initial weights (full batch), the same at every rate
    final = curves[:, :, -1]
    diverged = (history.diverged_at >= 0).reshape(n_r, n_s) | ~np.isfinite(final) | (final > start_loss)
    train_loss = np.where(diverged, np.inf, final)
    val_loss = None
    if val is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            val_final = mse_per_model(model, np.asarray(val[0]).reshape(len(val[0]), -1), val[1])
        val_loss = np.where(diverged, np.inf, val_final.reshape(n_r, n_s))
    curves = np.where(np.isfinite(curves), curves, np.nan)
    return LRSweepResult(rates=rates, seeds=seeds, optimizer=optimizer, epochs=epochs, train_loss=train_loss,
                         val_loss=val_loss, start_loss=start_loss, diverged=diverged, curves=curves,
                         quantiles=quantiles, good_factor=good_factor, seconds=seconds)


@dataclass(eq=False)
class RegimeRuns:
    """A few runs of one network at different rates: what the regimes panel draws."""

    rates: np.ndarray  # (n,)
    curves: np.ndarray  # (n, epochs): train MSE per epoch, NaN after a run diverged
    predictions: np.ndarray  # (n, len(x)): each trained network at x (frozen before divergence)
    final_loss: np.ndarray  # (n,): inf where diverged
    diverged: np.ndarray  # (n,) bool, as lr_sweep decides it


def train_regimes(train, rates, *, x, seed=0, optimizer="sgd", epochs=300, width=32, depth=2,
                  activation="tanh") -> RegimeRuns:
    """The network of ``seed`` trained at each rate of ``rates`` (any order), together; its fits at ``x``.

    ``x`` is (m,) or (m, 1) for 1-D data. Uses :func:`lr_sweep` (one seed) and keeps the models.
    """
    rates = _vector("rates", rates)
    seed = check_int("seed", seed, min_value=0)
    x = as_2d_float("x", x)
    if x.shape[1] != 1 or len(x) < 1:
        raise ValueError(f"x must be (m,) or (m, 1): m >= 1 inputs of 1-D data, got shape {x.shape}")
    order = np.argsort(rates)
    if rates.ndim != 1 or np.any(np.diff(rates[order]) == 0):
        raise ValueError(f"rates must be a 1-D sequence of distinct positive numbers, got {rates!r:.80}")
    models = []
    result = lr_sweep(train, rates=rates[order], seeds=[seed], optimizer=optimizer, epochs=epochs,
                      width=width,
                      depth=depth, activation=activation, _keep=models)
    back = np.argsort(order)
    with np.errstate(over="ignore", invalid="ignore"):
        predictions = predict_batched(models[0], x)[..., 0]
    return RegimeRuns(rates=rates, curves=result.curves[back, 0], predictions=predictions[back],
                      final_loss=result.train_loss[back, 0], diverged=result.diverged[back, 0])
