"""Optimizers and learning-rate schedules by name: the factories the training loops share.

``make_optimizer("adam", params, lr=1e-3)`` gives a torch optimizer, fused where this
PyTorch supports it. ``make_scheduler("cosine", optimizer, epochs=50, steps_per_epoch=4,
per="step")`` gives a torch scheduler that the loop steps once per batch (``per="step"``)
or once per epoch (``per="epoch"``); a named schedule means the same over the whole run
in either unit, except "plateau", which watches the loss once per epoch.
:func:`schedule_factors` lists a schedule's factors of the base rate, as training uses them.
:class:`RangeSchedule` raises the rate exponentially, step by step, for an LR range test;
:class:`Warmup` and :class:`LinearThenExponential` are two more functions ``t -> factor``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import torch

from labkit.arguments import check_choice, check_float, check_int

__all__ = ["OPTIMIZERS", "SCHEDULES", "UNITS", "DECAYS", "RangeSchedule", "Warmup", "LinearThenExponential",
           "check_schedule", "make_optimizer", "make_scheduler", "schedule_factors"]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop")
SCHEDULES = ("step", "cosine", "exponential", "plateau")
DECAYS = ("constant", "step", "cosine", "exponential")  # what Warmup can do after warming up
UNITS = ("epoch", "step")  # what a schedule counts: epochs, or update steps (batches)


def make_optimizer(name: str, params: list, lr: float, momentum: float, weight_decay: float):
    """A torch optimizer, fused where this PyTorch supports it (about 1.5x faster per step).

    ``momentum`` is used by "momentum" and "nesterov" and ignored by the others: "sgd" and
    "rmsprop" are the plain rules (torch.optim.RMSprop with its defaults, momentum 0), so
    ``fit``'s default momentum of 0.9 never turns them into something else.
    """
    name = check_choice("optimizer name", name, OPTIMIZERS)
    params = _check_params(params)
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    momentum = check_float("momentum", momentum, min_value=0.0, max_value=1.0)
    weight_decay = check_float("weight_decay", weight_decay, min_value=0.0)
    if name in ("sgd", "momentum", "nesterov"):
        cls, options = torch.optim.SGD, {"momentum": 0.0 if name == "sgd" else momentum,
                                         "nesterov": name == "nesterov"}
    elif name == "rmsprop":
        cls, options = torch.optim.RMSprop, {}
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


@dataclasses.dataclass(frozen=True)
class Warmup:
    """Linear warm-up over ``steps`` units, then ``then``: a function ``t -> factor`` of the base rate.

    Unit ``t < steps`` uses ``(t + 1) / steps`` of the rate (so the first step already moves,
    and ``t = steps - 1`` uses the full rate); after it, ``then`` decides, its clock starting
    at 0: "constant" keeps the full rate; "step", "cosine" and "exponential" mean what the
    named schedules mean (halve four times, anneal to 0, lower 100x), over the remaining
    ``total - steps`` units of a run of ``total`` units; a function ``s -> factor`` is called
    with ``s = t - steps``. Goyal et al. 2017 ("Accurate, large minibatch SGD") warm up for
    their large batches; transformers are trained with warm-up then decay.
    """

    steps: int
    then: str | Callable[[int], float] = "constant"
    total: int | None = None

    def __post_init__(self):
        steps = check_int("steps", self.steps, min_value=1)
        then = self.then if callable(self.then) else check_choice("then", self.then, DECAYS)
        total = self.total
        if isinstance(then, str) and then != "constant":
            if total is None:
                raise ValueError(f"then={then!r} decays over the rest of the run, so Warmup needs "
                                 f"total (the run's length in units, more than steps={steps})")
            total = check_int("total", total, min_value=steps + 1)
        elif total is not None:
            raise ValueError(f"total is used only with a named decay (then one of {DECAYS[1:]}), "
                             f"got total={total!r} with then={then!r}")
        for field, value in (("steps", steps), ("then", then), ("total", total)):
            object.__setattr__(self, field, value)

    def __call__(self, t: int) -> float:
        if t < self.steps:
            return (t + 1) / self.steps
        s = t - self.steps
        if callable(self.then):
            return float(self.then(s))
        if self.then == "constant":
            return 1.0
        n = self.total - self.steps
        if self.then == "step":
            return 0.5 ** (s // max(1, n // 4))
        if self.then == "cosine":
            return (1 + math.cos(math.pi * min(s, n) / n)) / 2
        return 0.01 ** (s / n)  # "exponential"


@dataclasses.dataclass(frozen=True)
class LinearThenExponential:
    """Lusch's decay: linear from 1 to ``floor`` over ``steps`` units, then times ``gamma`` each unit.

    Unit ``t <= steps`` uses ``1 - (1 - floor) * t / steps`` of the base rate, later units
    ``floor * gamma ** (t - steps)``. From Bethany Lusch's "Best practices for deep learning
    for science" (Argonne): "SGD + momentum + decaying learning rate (i.e. decay linearly
    until fixed minimum, then decay exponentially, or decrease by factor of 2-10 when
    plateau)". ``gamma=1`` stops at the floor.
    """

    steps: int
    floor: float = 0.1
    gamma: float = 0.99

    def __post_init__(self):
        object.__setattr__(self, "steps", check_int("steps", self.steps, min_value=1))
        floor = check_float("floor", self.floor, min_value=0.0, max_value=1.0, strict_min=True)
        object.__setattr__(self, "floor", floor)
        gamma = check_float("gamma", self.gamma, min_value=0.0, max_value=1.0, strict_min=True)
        object.__setattr__(self, "gamma", gamma)

    def __call__(self, t: int) -> float:
        if t <= self.steps:
            return 1.0 - (1.0 - self.floor) * t / self.steps
        return self.floor * self.gamma ** (t - self.steps)


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
    multiplies the optimizer's rate, ``t`` counting the units from 0. "plateau" is torch's
    ReduceLROnPlateau: the loop steps it once per epoch with a loss (``scheduler.step(loss)``),
    and it halves the rate after ``max(2, T // 20)`` epochs (10 of 200) without a new best
    (Lusch: "decrease by factor of 2-10 when plateau"); it raises ValueError with per="step".
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
    if schedule == "plateau":
        if per != "epoch":
            raise ValueError("schedule='plateau' watches the loss once per epoch, so it needs "
                             f"schedule_per='epoch', got {per!r}")
        patience = max(2, epochs // 20)
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=patience)
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
    the loss to decide ("plateau"), TypeError/ValueError for a bad schedule or ``n_steps``.
    """
    schedule = check_schedule("schedule", schedule)
    n_steps = check_int("n_steps", n_steps, min_value=1)
    if schedule == "plateau":
        raise ValueError("schedule='plateau' has no factors before training: it lowers the rate when "
                         "the loss stops falling (read them from history.lr after fit)")
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
