"""Learning-rate schedules side by side: one model, one data set, seven ways to change the rate.

:func:`standard_schedules` names the schedules the lab compares (constant, step,
exponential, cosine, warm-up, reduce-on-plateau and Lusch's "decay linearly until fixed
minimum, then decay exponentially"), sized to a run; :func:`compare_schedules` trains the
same starting network under each (a small MLP on noisy sine data, mini-batch Adam by
default) and returns every run's rate factors and :class:`~labkit.history.History`.

With mini-batches a constant rate keeps the weights jittering around the minimum; a rate
that decays lets them settle, so the decayed runs end lower (Goodfellow et al. 2016,
section 8.3.1: SGD needs a decreasing rate because the gradient's noise does not vanish).
The Cross Validated answer "What should I do when my neural network doesn't learn?"
(section 5) warns that a schedule "replaces one problem [...] with two problems": when to
decay is a new hyperparameter. :func:`schedule_that_hurts` is Lusch's schedule with bad
settings, decaying 50x in the first twentieth of the run, so the run stalls far above
where a constant rate ends.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import torch

from labkit.arguments import check_choice, check_float, check_int, check_random_state
from labkit.data import make_sine
from labkit.history import History
from labkit.models import MLP
from labkit.optim import OPTIMIZERS, LinearThenExponential, Warmup, check_schedule
from labkit.train import fit

__all__ = ["SCHEDULE_NAMES", "standard_schedules", "schedule_that_hurts", "ScheduleRun",
           "ScheduleComparison", "compare_schedules"]

SCHEDULE_NAMES = ("constant", "step", "exponential", "cosine", "warm-up", "plateau",
                  "linear then exponential")


def standard_schedules(epochs: int) -> dict:
    """{name: schedule} for a run of ``epochs`` epochs, in :data:`SCHEDULE_NAMES` order.

    "warm-up" is 10% linear warm-up then cosine; "linear then exponential" falls linearly
    to 0.1 of the rate over the first half, then 10x more, exponentially, over the second
    (Lusch). The others are :func:`labkit.train.fit`'s named schedules (None: constant).
    """
    epochs = check_int("epochs", epochs, min_value=4)
    half = epochs // 2
    lusch = LinearThenExponential(half, floor=0.1, gamma=0.1 ** (1 / (epochs - half)))
    return {"constant": None, "step": "step", "exponential": "exponential", "cosine": "cosine",
            "warm-up": Warmup(max(1, epochs // 10), then="cosine", total=epochs), "plateau": "plateau",
            "linear then exponential": lusch}


def schedule_that_hurts(epochs: int) -> LinearThenExponential:
    """Lusch's schedule tuned badly: 0.02 of the rate by epoch ``epochs // 20``, then 3% less per epoch."""
    epochs = check_int("epochs", epochs, min_value=4)
    return LinearThenExponential(max(1, epochs // 20), floor=0.02, gamma=0.97)


@dataclasses.dataclass(repr=False)
class ScheduleRun:
    """One run: the schedule, its factor of the base rate per epoch (from ``history.lr``), its history."""

    name: str
    schedule: object
    factors: np.ndarray  # (epochs_run,): history.lr / lr, so "plateau" shows what it did
    history: History

    def __repr__(self) -> str:
        h = self.history
        return (f"ScheduleRun({self.name!r}, final train loss {h.train_loss[-1]:.4g}, "
                f"val loss {h.val_loss[-1]:.4g}, rate factor at the end {self.factors[-1]:.3g})")


@dataclasses.dataclass(repr=False)
class ScheduleComparison:
    """Runs of the same start under several schedules: ``runs[name]`` is a :class:`ScheduleRun`."""

    runs: dict
    lr: float
    optimizer: str
    epochs: int
    batch_size: int | None

    def final(self, split: str = "val") -> dict:
        """{name: the last epoch's loss} on ``split`` ("train" or "val")."""
        split = check_choice("split", split, ("train", "val"))
        return {name: getattr(run.history, f"{split}_loss")[-1] for name, run in self.runs.items()}

    def table(self) -> str:
        """One line per schedule: final train and val loss, best val loss, the rate factor at the end."""
        lines = [f"{'schedule':<26}{'train loss':>11}{'val loss':>11}{'best val':>11}{'end factor':>12}"]
        for name, run in self.runs.items():
            h = run.history
            lines.append(f"{name:<26}{h.train_loss[-1]:>11.4g}{h.val_loss[-1]:>11.4g}{min(h.val_loss):>11.4g}"
                         f"{run.factors[-1]:>12.3g}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"ScheduleComparison({self.optimizer}, lr={self.lr:g}, {self.epochs} epochs, "
                f"batch_size={self.batch_size})\n{self.table()}")


def _sine_data(n_samples: int, rng: np.random.Generator) -> tuple:
    """Train and val sets of noisy sine data (noise 0.1, so the best loss is about 0.01)."""
    train = make_sine(n_samples, noise=0.1, random_state=int(rng.integers(2**31)))
    val = make_sine(n_samples, noise=0.1, random_state=int(rng.integers(2**31)))
    return train, val


def compare_schedules(schedules: dict | None = None, *, epochs: int = 60, lr: float = 1e-2,
                      optimizer: str = "adam", batch_size: int | None = 32, n_samples: int = 200,
                      width: int = 32, depth: int = 2, random_state=0) -> ScheduleComparison:
    """Train one starting MLP (1 -> ``depth`` x ``width`` -> 1) on sine data under each schedule.

    ``schedules`` is {name: schedule} (anything :func:`labkit.train.fit` takes as
    ``schedule``, counted per epoch); None means :func:`standard_schedules` plus
    "too early" (:func:`schedule_that_hurts`). Every run starts from the same weights and
    sees the same batches. About 0.3 s per run at the defaults on one core.
    """
    epochs = check_int("epochs", epochs, min_value=4)
    if schedules is None:
        schedules = {**standard_schedules(epochs), "too early": schedule_that_hurts(epochs)}
    if not isinstance(schedules, dict) or not schedules:
        raise TypeError(f"schedules must be a non-empty dict {{name: schedule}} or None, got {schedules!r}")
    for name, schedule in schedules.items():
        check_schedule(f"schedules[{name!r}]", schedule)
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    rng = check_random_state("random_state", random_state)
    train, val = _sine_data(check_int("n_samples", n_samples, min_value=8), rng)
    with torch.random.fork_rng(devices=[]):  # the starting weights from the run's seed, not the global one
        torch.manual_seed(int(rng.integers(2**31)))
        start = MLP(1, 1, width=width, depth=depth)
    seed = int(rng.integers(2**31))
    runs = {}
    for name, schedule in schedules.items():
        history = fit(copy.deepcopy(start), train, val, epochs=epochs, lr=lr, optimizer=optimizer,
                      batch_size=batch_size, schedule=schedule, random_state=seed)
        runs[name] = ScheduleRun(name, schedule, np.asarray(history.lr) / lr, history)
    return ScheduleComparison(runs, lr, optimizer, epochs, batch_size)
