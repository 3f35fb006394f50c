"""Optimizers and learning-rate schedules by name: the factories the training loops share.

``make_optimizer("adam", params, lr=1e-3)`` gives a torch optimizer, fused where this
PyTorch supports it. ``make_scheduler("cosine", optimizer, epochs=50, steps_per_epoch=4,
per="step")`` gives a torch scheduler that the loop steps once per batch (``per="step"``)
or once per epoch (``per="epoch"``); a named schedule means the same over the whole run
in either unit. :class:`RangeSchedule` raises the rate exponentially, step by step, for
an LR range test.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

from labkit.arguments import check_choice, check_float, check_int

__all__ = ["OPTIMIZERS", "SCHEDULES", "UNITS", "RangeSchedule", "check_schedule", "make_optimizer",
           "make_scheduler", "schedule_factors"]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw")
SCHEDULES = ("step", "cosine", "exponential")
UNITS = ("epoch", "step")  # what a schedule counts: epochs, or update steps (batches)


def make_optimizer(name: str, params: list, lr: float, momentum: float, weight_decay: float):
    """A torch optimizer, fused where this PyTorch supports it (about 1.5x faster per step)."""
    name = check_choice("optimizer name", name, OPTIMIZERS)
    params = _check_params(params)
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    momentum = check_float("momentum", momentum, min_value=0.0, max_value=1.0)
    weight_decay = check_float("weight_decay", weight_decay, min_value=0.0)
    if name in ("sgd", "momentum", "nesterov"):
        cls, options = torch.optim.SGD, {"momentum": 0.0 if name == "sgd" else momentum,
                                         "nesterov": name == "nesterov"}
    else:
        cls, options = (torch.optim.Adam if name == "adam" else torch.optim.AdamW), {}
    try:
        return cls(params, lr=lr, weight_decay=weight_decay, fused=True, **options)
    except (RuntimeError, TypeError, ValueError):  # older torch, or a device without a fused kernel
        return cls(params, lr=lr, weight_decay=weight_decay, **options)


def _check_params(params) -> list:
    """``params`` as a non-empty list of tensors (or of param-group dicts), as torch's optimizers take."""
    if isinstance(params, (str, bytes, torch.Tensor)) or not hasattr(params, "__iter__"):
        raise TypeError(f"params must be a list of parameters such as list(model.parameters()), "
                        f"got {type(params).__name__}")
    params = list(params)
    if not params:
        raise ValueError("params must hold at least one parameter, got an empty list; "
                         "does the model have any (list(model.parameters()))?")
    wrong = [p for p in params if not isinstance(p, (torch.Tensor, dict))]
    if wrong:
        raise TypeError(f"params must hold tensors such as model.parameters() gives, "
                        f"got {type(wrong[0]).__name__}")
    return params


@dataclasses.dataclass(frozen=True)
class RangeSchedule:
    """The LR range test's schedule: the rate goes from ``start_lr`` to ``end_lr`` in ``steps`` steps.

    Each step multiplies the rate by the same factor, ``(end_lr / start_lr) ** (1 / (steps - 1))``,
    so step ``t`` (from 0) uses ``start_lr * factor ** t`` and step ``steps - 1`` uses ``end_lr``;
    later steps stay at ``end_lr``. As a schedule it is a function ``t -> factor`` of the
    optimizer's own rate, so train with ``lr=start_lr`` and count steps:
    ``fit(model, data, lr=s.start_lr, schedule=s, schedule_per="step", ...)``
    (:func:`make_scheduler` checks the rate).
    """

    start_lr: float
    end_lr: float
    steps: int

    def __post_init__(self):
        start = check_float("start_lr", self.start_lr, min_value=0.0, strict_min=True)
        end = check_float("end_lr", self.end_lr, min_value=0.0, strict_min=True)
        if end <= start:
            raise ValueError(f"end_lr must be greater than start_lr={start!r}, got {end!r}")
        object.__setattr__(self, "start_lr", start)
        object.__setattr__(self, "end_lr", end)
        object.__setattr__(self, "steps", check_int("steps", self.steps, min_value=2))

    def __call__(self, t: int) -> float:
        """The factor of ``start_lr`` at step ``t``: ``(end_lr / start_lr) ** (t / (steps - 1))``."""
        return (self.end_lr / self.start_lr) ** (min(t, self.steps - 1) / (self.steps - 1))


def check_schedule(name: str, schedule):
    """``schedule`` if it is None, a name in SCHEDULES or a function ``t -> factor``; else raise."""
    if schedule is None or callable(schedule):
        return schedule
    if not isinstance(schedule, str):
        raise TypeError(f"{name} must be None, one of {SCHEDULES} or a function t -> factor, "
                        f"got {schedule!r}")
    return check_choice(name, schedule, SCHEDULES)


def make_scheduler(schedule, optimizer, *, epochs: int, steps_per_epoch: int = 1, per: str = "epoch"):
    """A torch scheduler for ``schedule``, to be stepped once per ``per`` ("epoch" or "step"); None for None.

    The run lasts ``T = epochs * steps_per_epoch`` steps, or ``T = epochs`` epochs. "step"
    halves the rate every ``T // 4`` units (four times over the run), "cosine" anneals it
    to 0 at ``T``, "exponential" lowers it 100x over ``T``; a function ``t -> factor``
    multiplies the optimizer's rate, ``t`` counting the units from 0.
    """
    schedule = check_schedule("schedule", schedule)
    epochs = check_int("epochs", epochs, min_value=1)
    steps_per_epoch = check_int("steps_per_epoch", steps_per_epoch, min_value=1)
    per = check_choice("per", per, UNITS)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer (see make_optimizer), "
                        f"got {type(optimizer).__name__}")
    if schedule is None:
        return None
    if isinstance(schedule, RangeSchedule):
        lr = optimizer.param_groups[0]["lr"]
        if not math.isclose(lr, schedule.start_lr, rel_tol=1e-9):
            raise ValueError(f"lr must equal the range's start_lr={schedule.start_lr!r} (the schedule "
                             f"multiplies it), got lr={lr!r}")
    if callable(schedule):
        return torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    T = epochs * steps_per_epoch if per == "step" else epochs
    if schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, T // 4), gamma=0.5)
    if schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=T)
    return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.01 ** (1 / T))  # "exponential"


def schedule_factors(schedule, n_steps: int) -> np.ndarray:
    """The factor of the base rate at ``t = 0 .. n_steps - 1`` under ``schedule``, shape (n_steps,).

    ``schedule`` is None (all ones), a name in SCHEDULES or a function ``t -> factor``, over
    a run of ``n_steps`` units (epochs or steps: whatever the schedule counts). The factors
    come from stepping the very scheduler :func:`make_scheduler` builds, on a throwaway
    optimizer, so they match training exactly. Raises ValueError for a schedule that needs
    the loss to decide (none yet), TypeError/ValueError for a bad schedule or ``n_steps``.
    """
    schedule = check_schedule("schedule", schedule)
    n_steps = check_int("n_steps", n_steps, min_value=1)
    if schedule is None:
        return np.ones(n_steps)
    base = schedule.start_lr if isinstance(schedule, RangeSchedule) else 1.0  # it checks the rate
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base)
    scheduler = make_scheduler(schedule, optimizer, epochs=n_steps, per="epoch")
    factors = np.empty(n_steps)
    for t in range(n_steps):
        factors[t] = optimizer.param_groups[0]["lr"] / base
        optimizer.step()  # no gradient: nothing moves, but torch expects a step before the scheduler's
        scheduler.step()
    return factors
