"""What to watch while training: the ratio of each layer's update to its weights.

CS231n's rule of thumb (Karpathy, "Neural Networks Part 3", babysitting the learning
process): ||delta W|| / ||W|| per weight matrix should be about 1e-3 per update. Much
lower, and the rate is probably too low (the weights barely move); much higher, and it is
probably too high. It is a heuristic for plain SGD-like training, not a law: read it as a
first look at a run, next to the loss curve.

:class:`UpdateRatioMonitor` is a :func:`labkit.train.fit` ``on_step`` hook that records the
ratio per step and per weight matrix; it reads the weights and changes nothing, so a run
with it is bit for bit the run without it. :func:`iter_watch` trains a small MLP with a
monitor (a live panel draws between its epochs), :func:`watch` runs it to the end, and
:func:`watch_rates` compares a few rates.
"""

from __future__ import annotations

import dataclasses
import math
import numbers

import numpy as np
import torch

from labkit.arguments import check_choice, check_float, check_int, check_random_state
from labkit.models import MLP
from labkit.optim import OPTIMIZERS
from labkit.train import FitOptions, iter_fit

__all__ = ["RULE_OF_THUMB", "BAND", "judge_ratio", "UpdateRatioMonitor", "UpdateRatioRun", "iter_watch",
           "watch", "RateWatch", "watch_rates"]

RULE_OF_THUMB = 1e-3
BAND = (10**-3.5, 10**-2.5)  # half a decade either side of 1e-3: "about right"


def judge_ratio(ratio: float) -> str:
    """"low", "about right", "high" (against :data:`BAND`), or "not finite"; raises for ratio < 0."""
    if isinstance(ratio, bool) or not isinstance(ratio, numbers.Real):
        raise TypeError(f"ratio must be a number ||dW|| / ||W||, got {ratio!r:.60}")
    ratio = float(ratio)
    if not math.isfinite(ratio):
        return "not finite"
    if ratio < 0:
        raise ValueError(f"ratio must be at least 0 (a ratio of norms), got {ratio!r}")
    return "low" if ratio < BAND[0] else "high" if ratio > BAND[1] else "about right"


class UpdateRatioMonitor:
    """An ``on_step`` hook recording ||W_after - W_before|| / ||W_before|| per weight matrix and step.

    ``UpdateRatioMonitor(model)`` keeps one copy of each weight matrix (parameters with 2+
    dimensions; biases are left out, as in CS231n) and overwrites it in place after each
    step, so it costs one copy and two norms per layer per step, and no device sync.
    ``fit(model, data, on_step=monitor)``; then ``monitor.ratios`` is (steps, layers),
    ``monitor.steps`` the steps recorded and ``monitor.names`` the layers' parameter names.
    It never returns True (it does not stop the run) and touches no gradient or random state.
    """

    def __init__(self, model):
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        named = [(name, p) for name, p in model.named_parameters() if p.requires_grad and p.dim() >= 2]
        if not named:
            raise ValueError(f"model has no trainable weight matrix to watch: {model!r}")
        self.model = model
        self.names = [name.removesuffix(".weight") for name, _ in named]
        self._params = [p for _, p in named]
        with torch.no_grad():
            self._previous = [p.detach().clone() for p in self._params]
        self._rows: list[torch.Tensor] = []
        self.steps: list[int] = []

    def __call__(self, step, loss, model, optimizer) -> None:
        if model is not self.model:
            raise ValueError("this monitor watches another model: make one per model, "
                             "UpdateRatioMonitor(model), before fit(model, ..., on_step=monitor)")
        with torch.no_grad():
            ratios = []
            for p, before in zip(self._params, self._previous, strict=True):
                if before.device != p.device:  # fit moved the model (device=...): follow it
                    before.data = before.data.to(p.device)
                ratios.append(torch.linalg.vector_norm(p - before) / torch.linalg.vector_norm(before))
                before.copy_(p)
            self._rows.append(torch.stack(ratios))
        self.steps.append(int(step))

    @property
    def ratios(self) -> np.ndarray:
        """(steps, layers) float array; inf where a weight matrix was all zeros before the step."""
        if not self._rows:
            return np.empty((0, len(self.names)))
        return torch.stack(self._rows).cpu().double().numpy()

    def __repr__(self) -> str:
        return f"UpdateRatioMonitor({len(self.steps)} steps, layers {', '.join(self.names)})"


@dataclasses.dataclass(eq=False)
class UpdateRatioRun:
    """One run watched: its rate and optimizer, the monitor, and the History of :func:`labkit.train.fit`."""

    lr: float
    optimizer: str
    monitor: UpdateRatioMonitor
    history: object  # labkit.history.History
    epochs: int

    @property
    def done(self) -> bool:
        return self.history.stop_reason != "running"

    @property
    def diverged(self) -> bool:
        return self.history.diverged_at is not None or not np.isfinite(self.monitor.ratios).all()

    def typical(self) -> np.ndarray:
        """Per layer: the median ratio over the second half of the steps (the first steps differ)."""
        ratios = self.monitor.ratios
        if not len(ratios):
            return np.full(len(self.monitor.names), np.nan)
        return np.median(ratios[len(ratios) // 2:], axis=0)

    def verdict(self) -> str:
        """"low", "about right" or "high" for the median over layers of :meth:`typical`; "diverged";
        "stalled" when early steps were far above the band and the run then stopped moving (a rate
        so high that it saturated the units: its small late ratio does not mean "too low")."""
        if self.diverged:
            return "diverged"
        verdict = judge_ratio(float(np.median(self.typical())))
        if verdict == "low" and len(self.monitor.ratios) and np.nanmax(self.monitor.ratios) > 10 * BAND[1]:
            return "stalled"
        return verdict

    def summary(self) -> str:
        """One line for a status bar: 'update/weight about 3e-4: the rate looks low'."""
        verdict = self.verdict()
        if verdict == "diverged":
            return f"{self.optimizer} lr={self.lr:.3g}: the loss diverged; the rate is far too high"
        if verdict == "stalled":
            peak = np.nanmax(self.monitor.ratios)
            return (f"{self.optimizer} lr={self.lr:.3g}: first steps up to {peak:.0e} of the weights, "
                    "then it stopped moving: the rate is too high")
        words = {"low": "the rate looks low", "high": "the rate looks high",
                 "about right": "about the rule of thumb's 1e-3"}[verdict]
        loss = self.history.train_loss[-1] if self.history.train_loss else float("nan")
        return (f"{self.optimizer} lr={self.lr:.3g}: update/weight about {np.median(self.typical()):.0e}: "
                f"{words} (loss {loss:.3g})")

    def __repr__(self) -> str:
        layers = ", ".join(f"{n} {r:.1e}" for n, r in zip(self.monitor.names, self.typical(), strict=True))
        return f"UpdateRatioRun({self.summary()})\n  per layer: {layers}"


def _check_run(lr, optimizer, epochs, batch_size):
    return (check_float("lr", lr, min_value=0.0, strict_min=True),
            check_choice("optimizer", optimizer, OPTIMIZERS), check_int("epochs", epochs, min_value=1),
            None if batch_size is None else check_int("batch_size", batch_size, min_value=1))


def iter_watch(data, *, lr=0.05, optimizer="sgd", epochs=20, batch_size=32, width=32, depth=2,
               random_state=0):
    """Train an MLP on ``data`` = (X, y) with an :class:`UpdateRatioMonitor`; yield the run after each epoch.

    Everything is checked at the call (ValueError/TypeError naming the argument). The MLP is
    drawn from ``random_state`` without touching torch's global generator, so equal
    arguments give equal runs. A diverged run ends early (``history.stop_reason``).
    """
    lr, optimizer, epochs, batch_size = _check_run(lr, optimizer, epochs, batch_size)
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"data must be an (X, y) pair, got {type(data).__name__}")
    X = np.asarray(data[0], dtype=float).reshape(len(data[0]), -1)
    y = np.asarray(data[1], dtype=float).reshape(len(data[1]), -1)
    seed = int(check_random_state("random_state", random_state).integers(2**31))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MLP(X.shape[1], y.shape[1], width=width, depth=depth)
    monitor = UpdateRatioMonitor(model)
    options = FitOptions(epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr, on_step=monitor,
                         random_state=seed)
    runs = iter_fit(model, (X, y), None, options)  # checked now, trained as the caller iterates

    def loop():
        for history in runs:
            yield UpdateRatioRun(lr, optimizer, monitor, history, epochs)
    return loop()


def watch(data, **options) -> UpdateRatioRun:
    """:func:`iter_watch` run to its end (the same keywords)."""
    run = None
    for run in iter_watch(data, **options):  # noqa: B007 (the last one is the finished run)
        pass
    return run


@dataclasses.dataclass(eq=False)
class RateWatch:
    """Runs at several rates, one :class:`UpdateRatioRun` each, in the order of ``rates``."""

    runs: list

    def __repr__(self) -> str:
        lines = [f"RateWatch({len(self.runs)} rates; rule of thumb: about {RULE_OF_THUMB:g} per step)"]
        lines += [f"  {run.summary()}" for run in self.runs]
        return "\n".join(lines)


def watch_rates(data, *, rates=(1e-3, 1e-2, 1e-1, 1.0), optimizer="sgd", epochs=20, batch_size=32, width=32,
                depth=2, random_state=0) -> RateWatch:
    """One :func:`watch` per rate, all from the same initial weights and batch order."""
    if isinstance(rates, (str, bytes)) or not hasattr(rates, "__iter__") or not len(rates):
        raise TypeError(f"rates must be a non-empty list of learning rates, got {rates!r}")
    for i, r in enumerate(rates):
        check_float(f"rates[{i}]", r, min_value=0.0, strict_min=True)
    options = {"optimizer": optimizer, "epochs": epochs, "batch_size": batch_size, "width": width,
               "depth": depth, "random_state": random_state}
    return RateWatch([watch(data, lr=r, **options) for r in rates])
