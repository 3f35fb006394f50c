"""The learning-rate range test: raise the rate every step, watch the loss, put everything back.

After Smith 2015/2017, "Cyclical Learning Rates for Training Neural Networks" (section 3.3,
the "LR range test"), as fastai's ``Learner.lr_find`` (fastai/callback/schedule.py, with its
``LRFinder`` callback) and Lightning's ``LearningRateFinder`` (lightning/pytorch/tuner/lr_finder.py)
run it. Three parts, as fastai has them:

1. The schedule: step t trains at ``start_lr * (end_lr / start_lr) ** (t / (steps - 1))``
   (:class:`labkit.optim.RangeSchedule`).
2. The stop rule: the loss is smoothed by an exponential moving average with bias correction,
   ``avg = beta * avg + (1 - beta) * loss; smoothed = avg / (1 - beta ** (t + 1))`` (beta 0.98
   in both tools); the test stops when ``smoothed > stop_factor * best smoothed`` (4 in both) or
   turns NaN/Inf, else after ``steps`` steps.
3. Suggestions, pure functions of the recorded (lrs, smoothed losses), after dropping the first
   ``steps // 10`` and last 5 points as fastai does: :func:`steepest_rate` (most negative slope
   of loss vs log lr), :func:`minimum_rate` (the rate at the lowest loss, divided by 10) and
   :func:`valley_rate` (fastai's "valley": the longest descending run, two thirds of the way
   down it).

The model and a passed optimizer are restored exactly (:class:`_Snapshot`): their users keep
reporting weights left changed and optimizer state leaking into the next fit.
:func:`range_test_over_seeds` repeats the test from fresh initial networks and batch orders, so
the seed-to-seed spread of the curve and of each suggestion can be set beside the U-curve
of :func:`labkit.optimization.lr_sweep.lr_sweep` (:func:`compare_with_sweep`).
"""

from __future__ import annotations

import copy
import random
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from labkit.arguments import as_2d_float, check_float, check_int, check_random_state, to_numpy
from labkit.optim import OPTIMIZERS, RangeSchedule, make_optimizer
from labkit.optimization.lr_sweep import LRSweepResult, _check_seeds, _vector, make_network

__all__ = ["RangeTestResult", "lr_range_test", "steepest_rate", "minimum_rate", "valley_rate",
           "suggest_rates", "SUGGESTIONS", "RangeTestSpread", "range_test_over_seeds",
           "compare_with_sweep"]

SUGGESTIONS = ("steepest", "minimum/10", "valley")


# ---------------------------------------------------------------- suggestions: pure functions

def _curve(lrs, losses):
    lrs, losses = _vector("lrs", lrs), _vector("losses", losses)
    if lrs.ndim != 1 or lrs.shape != losses.shape or len(lrs) < 2:
        raise ValueError(f"lrs and losses must be 1-D of one length >= 2, got shapes {lrs.shape}, "
                         f"{losses.shape}")
    if not np.all(np.isfinite(lrs)) or np.any(lrs <= 0):
        raise ValueError(f"lrs must be finite positive rates, got {lrs.tolist()!r:.80}")
    finite = np.isfinite(losses)
    end = len(losses) if finite.all() else int(np.argmin(finite))  # up to the first NaN/Inf, as fastai
    if end < 2:
        raise ValueError("losses must start with at least 2 finite values")
    return lrs[:end], losses[:end]


def steepest_rate(lrs, losses) -> float:
    """The rate where the loss falls fastest per decade of lr (fastai's ``steep``, Lightning's suggestion)."""
    lrs, losses = _curve(lrs, losses)
    slopes = np.diff(losses) / np.diff(np.log(lrs))
    return float(lrs[int(np.argmin(slopes))])


def minimum_rate(lrs, losses, *, divide=10.0) -> float:
    """The rate at the lowest loss, divided by ``divide`` (fastai's ``minimum``: one order below it)."""
    lrs, losses = _curve(lrs, losses)
    return float(lrs[int(np.argmin(losses))] / check_float("divide", divide, min_value=1.0))


def valley_rate(lrs, losses) -> float:
    """fastai's ``valley``: in the longest run of losses that keeps falling, the point 1/2 of 1/3 past 1/3.

    The longest (not necessarily contiguous) decreasing subsequence ends at ``end`` and spans
    ``length`` points; the suggestion sits at ``start + int(length / 3) + int(length / 6)``.
    O(n^2) in the number of points, as fastai's.
    """
    lrs, losses = _curve(lrs, losses)
    n = len(losses)
    run = np.ones(n, dtype=int)  # run[i]: the longest decreasing run ending at i
    for i in range(1, n):
        earlier = run[:i][losses[:i] > losses[i]]
        run[i] = 1 + (earlier.max() if earlier.size else 0)
    end = int(np.argmax(run))
    start = max(end - int(run[end]), 0)
    sections = (end - start) / 3
    return float(lrs[start + int(sections) + int(sections / 2)])


def suggest_rates(lrs, losses, *, skip_start=None, skip_end=5) -> dict:
    """All three suggestions on the recorded curve, the first ``skip_start`` (default n // 10)
    and last ``skip_end`` points dropped as fastai drops them (kept when too few remain)."""
    lrs, losses = _curve(lrs, losses)
    skip_start = len(lrs) // 10 if skip_start is None else check_int("skip_start", skip_start, min_value=0)
    skip_end = check_int("skip_end", skip_end, min_value=0)
    if len(lrs) - skip_start - skip_end >= 3:
        lrs, losses = lrs[skip_start:len(lrs) - skip_end], losses[skip_start:len(lrs) - skip_end]
    return {"steepest": steepest_rate(lrs, losses), "minimum/10": minimum_rate(lrs, losses),
            "valley": valley_rate(lrs, losses)}


# ---------------------------------------------------------------- saving and restoring everything

class _Snapshot:
    """Everything a range test may change, saved bit for bit: weights and buffers, ``.grad``,
    each module's train/eval flag, torch's (CPU and initialised CUDA), numpy's and Python's global
    random states, and the optimizer's state dict (its moments and its rates)."""

    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer
        self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        self.grads = [(p, None if p.grad is None else p.grad.detach().clone()) for p in model.parameters()]
        self.modes = [(m, m.training) for m in model.modules()]
        self.torch_rng, self.numpy_rng, self.python_rng = torch.get_rng_state(), np.random.get_state(), \
            random.getstate()
        self.cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
        self.optimizer_state = None if optimizer is None else copy.deepcopy(optimizer.state_dict())

    def restore(self):
        self.model.load_state_dict(self.state)  # copies into the same tensors
        for p, grad in self.grads:
            p.grad = grad
        for module, training in self.modes:
            module.training = training
        torch.set_rng_state(self.torch_rng)
        np.random.set_state(self.numpy_rng)
        random.setstate(self.python_rng)
        if self.cuda_rng is not None:
            torch.cuda.set_rng_state_all(self.cuda_rng)
        if self.optimizer is not None:
            self.optimizer.load_state_dict(self.optimizer_state)


# ---------------------------------------------------------------- the test

@dataclass(eq=False)
class RangeTestResult:
    """What one range test recorded: one entry per step run."""

    lrs: np.ndarray  # (steps_run,): the rate of each step
    losses: np.ndarray  # (steps_run,): the batch loss just before that step's update
    smoothed: np.ndarray  # (steps_run,): bias-corrected moving average of ``losses``
    stop_reason: str  # "completed", "loss above stop_factor x best", or "loss not finite"
    steps: int  # steps asked for
    seconds: float

    @property
    def suggestions(self) -> dict:
        """{"steepest": lr, "minimum/10": lr, "valley": lr} from :func:`suggest_rates`."""
        return suggest_rates(self.lrs, self.smoothed)

    def __repr__(self) -> str:
        s = self.suggestions
        best = int(np.nanargmin(self.smoothed))
        return "\n".join([
            f"RangeTestResult({len(self.lrs)} of {self.steps} steps, lr {self.lrs[0]:.3g} to "
            f"{self.lrs[-1]:.3g}, {self.seconds:.2f} s; stopped: {self.stop_reason})",
            f"  lowest smoothed loss {self.smoothed[best]:.4g} at lr {self.lrs[best]:.3g}",
            "  suggestions: " + ", ".join(f"{name} {lr:.3g}" for name, lr in s.items()),
            "  (the rules leave out the first 10% and the last 5 steps, as fastai does)"])


def _tensors(train, model):
    if not isinstance(train, (tuple, list)) or len(train) != 2:
        raise TypeError(f"train must be a pair (X, y), got {type(train).__name__}")
    dtype = next(model.parameters()).dtype
    X = torch.as_tensor(as_2d_float("train X", train[0]), dtype=dtype)
    y = to_numpy("train y", train[1])
    if np.issubdtype(y.dtype, np.integer):
        return X, torch.as_tensor(y.reshape(-1), dtype=torch.long), F.cross_entropy
    return X, torch.as_tensor(as_2d_float("train y", y), dtype=dtype), F.mse_loss


def _optimizer(optimizer, model, start_lr):
    """A fresh optimizer for a name; a passed torch optimizer as it is (restored afterwards)."""
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer, True
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS} or a torch.optim.Optimizer over the "
                         f"model's parameters, got {optimizer!r}")
    params = [p for p in model.parameters() if p.requires_grad]
    return make_optimizer(optimizer, params, lr=start_lr, momentum=0.9, weight_decay=0.0), False


def _batches(n, batch_size, generator):
    """Row indices of one batch per step: full batch, or shuffled epochs one after another."""
    while True:
        if batch_size is None or batch_size >= n:
            yield slice(None)
            continue
        yield from torch.randperm(n, generator=generator).split(batch_size)


def lr_range_test(model, train, *, optimizer="sgd", start_lr=1e-5, end_lr=10.0, steps=100,
                  batch_size=None, smoothing=0.98, stop_factor=4.0, random_state=None) -> RangeTestResult:
    """Run the LR range test on ``model`` with ``train = (X, y)``; restore the model and optimizer after.

    ``optimizer``: a name of :data:`labkit.optim.OPTIMIZERS` (a fresh one; "momentum" uses 0.9)
    or a ``torch.optim.Optimizer`` over the model's parameters, whose state is used and then
    restored. Float y trains on MSE, integer y on cross-entropy. ``batch_size`` None: the
    full batch every step (as the playground trains); else shuffled batches from
    ``random_state``. ``stop_factor`` None never stops early. Everything listed in the module
    docstring is restored, even after an error or Ctrl+C. Raises ValueError/TypeError naming
    a bad argument.
    """
    if not isinstance(model, nn.Module) or not any(p.requires_grad for p in model.parameters()):
        raise TypeError(f"model must be a torch.nn.Module with trainable parameters, "
                        f"got {type(model).__name__}")
    schedule = RangeSchedule(start_lr, end_lr, steps)
    beta = check_float("smoothing", smoothing, min_value=0.0, max_value=0.999)
    if stop_factor is not None:
        stop_factor = check_float("stop_factor", stop_factor, min_value=1.0, strict_min=True)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, min_value=1)
    X, y, loss_fn = _tensors(train, model)
    generator = torch.Generator().manual_seed(int(check_random_state("random_state", random_state)
                                                  .integers(2**63 - 1)))
    optimizer, passed = _optimizer(optimizer, model, schedule.start_lr)
    snapshot, start = _Snapshot(model, optimizer if passed else None), time.perf_counter()
    try:
        lrs, losses, smoothed, reason = _run(model, optimizer, X, y, loss_fn, schedule, beta, stop_factor,
                                             _batches(len(X), batch_size, generator))
    finally:
        snapshot.restore()
    return RangeTestResult(lrs=np.array(lrs), losses=np.array(losses), smoothed=np.array(smoothed),
                           stop_reason=reason, steps=schedule.steps, seconds=time.perf_counter() - start)


def _run(model, optimizer, X, y, loss_fn, schedule, beta, stop_factor, batches):
    """The loop: set the step's rate, one update, smooth, check the stop rule."""
    model.train()
    optimizer.zero_grad(set_to_none=True)  # the caller's .grad must not add into the first step
    lrs, losses, smoothed, avg, best = [], [], [], 0.0, np.inf
    for t, rows in zip(range(schedule.steps), batches, strict=False):
        lr = schedule.start_lr * schedule(t)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = loss_fn(model(X[rows]), y[rows])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        value = loss.item()
        avg = beta * avg + (1 - beta) * value
        lrs.append(lr)
        losses.append(value)
        smoothed.append(avg / (1 - beta ** (t + 1)))  # bias correction: avg starts at 0
        if not np.isfinite(smoothed[-1]):
            return lrs, losses, smoothed, "loss not finite"
        if stop_factor is not None and t > 0 and smoothed[-1] > stop_factor * best:
            return lrs, losses, smoothed, "loss above stop_factor x best"
        best = min(best, smoothed[-1])
    return lrs, losses, smoothed, "completed"


# ---------------------------------------------------------------- over seeds, and against the U-curve

@dataclass(eq=False)
class RangeTestSpread:
    """Range tests from several seeds: curves padded with NaN after each test stopped."""

    seeds: np.ndarray  # (n_seeds,)
    lrs: np.ndarray  # (steps,): the schedule's rates, the same for every seed
    smoothed: np.ndarray  # (n_seeds, steps), NaN after a test stopped
    suggestions: dict  # name -> (n_seeds,) suggested rates
    tests: list  # the RangeTestResult of each seed

    def band(self, quantiles=(0.25, 0.75)) -> np.ndarray:
        """(3, steps): the low quantile, median and high quantile over seeds (NaN where all stopped)."""
        q = [check_float(f"quantiles[{i}]", v, min_value=0.0, max_value=1.0) for i, v in enumerate(quantiles)]
        out = np.full((3, len(self.lrs)), np.nan)
        ok = np.isfinite(self.smoothed).any(axis=0)
        out[:, ok] = np.nanquantile(self.smoothed[:, ok], [q[0], 0.5, q[1]], axis=0)
        return out

    def __repr__(self) -> str:
        lines = [f"RangeTestSpread({len(self.seeds)} seeds, lr {self.lrs[0]:.3g} to {self.lrs[-1]:.3g})"]
        for name, rates in self.suggestions.items():
            lines.append(f"  {name:<11} median {np.median(rates):.3g}, from {rates.min():.3g} to "
                         f"{rates.max():.3g} ({np.log10(rates.max() / rates.min()):.2f} decades)")
        return "\n".join(lines)


def range_test_over_seeds(train, *, seeds, optimizer="sgd", width=32, depth=2, activation="tanh",
                          start_lr=1e-5, end_lr=10.0, steps=100, batch_size=None, smoothing=0.98,
                          stop_factor=4.0) -> RangeTestSpread:
    """One :func:`lr_range_test` per seed, each on a fresh network (:func:`labkit.optimization.lr_sweep.
    make_network` of that seed, as the U-curve uses) with that seed's batch order."""
    seeds = _check_seeds(seeds)
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer must be a name of {OPTIMIZERS} (each seed gets a fresh one), "
                        f"got {type(optimizer).__name__}")
    d = as_2d_float("train X", train[0]).shape[1] if isinstance(train, (tuple, list)) else 1
    nets = [make_network(int(s), in_features=d, width=width, depth=depth, activation=activation)
            for s in seeds]
    tests = [lr_range_test(net, train, optimizer=optimizer, start_lr=start_lr, end_lr=end_lr, steps=steps,
                           batch_size=batch_size, smoothing=smoothing, stop_factor=stop_factor,
                           random_state=int(s)) for net, s in zip(nets, seeds, strict=True)]
    schedule = RangeSchedule(start_lr, end_lr, steps)
    smoothed = np.full((len(seeds), schedule.steps), np.nan)
    for row, test in zip(smoothed, tests, strict=True):
        row[:len(test.smoothed)] = test.smoothed
    names = {name: np.array([t.suggestions[name] for t in tests]) for name in SUGGESTIONS}
    lrs = schedule.start_lr * np.array([schedule(t) for t in range(schedule.steps)])
    return RangeTestSpread(seeds=seeds, lrs=lrs, smoothed=smoothed, suggestions=names, tests=tests)


def compare_with_sweep(spread, sweep) -> dict:
    """How well the range test predicts full training, one row per suggestion rule.

    For each rule: the suggested rates per seed, ``log10(suggested / best)`` per seed (0: the
    U-curve's best rate; -1: ten times lower), the fraction of seeds whose suggestion lies in
    the U-curve's good region, and the U-curve's median final train loss at each suggestion
    (interpolated in log lr; inf in or next to a diverged rate) over its best median loss.
    """
    if not isinstance(spread, RangeTestSpread) or not isinstance(sweep, LRSweepResult):
        raise TypeError(f"spread and sweep must be a RangeTestSpread and an LRSweepResult, got "
                        f"{type(spread).__name__} and {type(sweep).__name__}")
    low, high = sweep.region_span("good")
    best_loss = sweep.median_train[sweep.best_index] if sweep.best_index >= 0 else np.nan
    log_rates = np.log10(sweep.rates)
    rows = {}
    for name, rates in spread.suggestions.items():
        with np.errstate(invalid="ignore"):
            loss = np.interp(np.log10(rates), log_rates, sweep.median_train)
        rows[name] = {"rates": rates, "decades_from_best": np.log10(rates / sweep.best_rate),
                      "in_good_region": float(np.mean((rates >= low) & (rates <= high))),
                      "loss_ratio": np.where(np.isfinite(loss), loss, np.inf) / best_loss}
    return rows
