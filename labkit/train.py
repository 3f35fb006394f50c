"""Train a model on (X, y) and record what happened: the loop behind most labs.

:func:`fit` trains to the end and returns a :class:`~labkit.history.History`;
:func:`iter_fit` is the same run yielding the History after each epoch, so a live panel
can draw between epochs or abandon a run. Nothing here draws or prints.

The options are written in two places and passed on one by one nowhere: as :func:`fit`'s
keywords, so ``help(fit)`` shows them, and as the fields of :class:`FitOptions`, the frozen
dataclass that checks them and that :func:`iter_fit` takes whole (a test keeps both equal).

Train loss and metric are measured on the fly, on each batch just before its update
step and in training mode (as scikit-learn's ``loss_curve_``); validation loss and
metric after the epoch, in eval mode. The metric is RMSE for regression and accuracy
for classification.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from labkit.arguments import (
    as_2d_float,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_random_state,
    check_same_length,
    to_numpy,
)
from labkit.history import History
from labkit.optim import OPTIMIZERS, UNITS, check_schedule, make_optimizer, make_scheduler
from labkit.runtime import get_device

__all__ = ["FitOptions", "iter_fit", "fit", "evaluate", "predict", "evaluating", "TASKS"]

TASKS = ("regression", "classification")


@dataclasses.dataclass(frozen=True, kw_only=True)
class FitOptions:
    """How to train, checked when made: :func:`fit`'s keywords (``help(fit)`` says what each does)."""

    task: str | None = None
    epochs: int = 200
    batch_size: int | None = None
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    l1: float = 0.0
    augment: Callable | None = None
    schedule: str | Callable[[int], float] | None = None
    schedule_per: str = "epoch"
    clip_grad_norm: float | None = None
    record_grad_norm: bool = False
    early_stopping: int | None = None
    on_step: Callable | None = None
    on_epoch: Callable | None = None
    random_state: int | np.random.Generator | None = None
    device: str | torch.device | None = None

    def __post_init__(self):
        def optional(check, name, *args, **kwargs):
            value = getattr(self, name)
            return None if value is None else check(name, value, *args, **kwargs)

        checked = {"task": optional(check_choice, "task", TASKS),
                   "epochs": check_int("epochs", self.epochs, min_value=1),
                   "batch_size": optional(check_int, "batch_size", min_value=1),
                   "optimizer": check_choice("optimizer", self.optimizer, OPTIMIZERS),
                   "lr": check_float("lr", self.lr, min_value=0.0, strict_min=True),
                   "momentum": check_float("momentum", self.momentum, min_value=0.0, max_value=1.0),
                   "weight_decay": check_float("weight_decay", self.weight_decay, min_value=0.0),
                   "l1": check_float("l1", self.l1, min_value=0.0),
                   "schedule": check_schedule("schedule", self.schedule),
                   "schedule_per": check_choice("schedule_per", self.schedule_per, UNITS),
                   "clip_grad_norm": optional(check_float, "clip_grad_norm", min_value=0.0, strict_min=True),
                   "record_grad_norm": check_bool("record_grad_norm", self.record_grad_norm),
                   "early_stopping": optional(check_int, "early_stopping", min_value=1),
                   "device": None if self.device is None else get_device(str(self.device))}
        if checked["schedule"] == "plateau" and checked["schedule_per"] != "epoch":
            raise ValueError("schedule='plateau' watches the loss once per epoch, so it needs "
                             f"schedule_per='epoch', got {self.schedule_per!r}")
        if checked["optimizer"] in ("momentum", "nesterov") and checked["momentum"] == 0:
            raise ValueError(f"optimizer={self.optimizer!r} needs momentum > 0, got {self.momentum!r}")
        hooks = {"on_step": "(step, loss, model, optimizer)", "on_epoch": "(epoch, history, model)",
                 "augment": "(X_batch, y_batch, generator) -> (X_batch, y_batch)"}
        for name, arguments in hooks.items():
            if getattr(self, name) is not None and not callable(getattr(self, name)):
                raise TypeError(f"{name} must be a function {arguments} or None, got {getattr(self, name)!r}")
        check_random_state("random_state", self.random_state)
        for name, value in checked.items():
            object.__setattr__(self, name, value)


# ---------------------------------------------------------------- checking inputs

def _features(name: str, X) -> torch.Tensor:
    """X as a float32 tensor: (N, d) for 1-D/2-D input, other shapes (N, 1, 8, 8) kept."""
    array = to_numpy(name, X)
    if array.ndim == 0 or len(array) == 0:
        raise ValueError(f"{name} must hold at least one sample, got shape {array.shape}")
    if array.ndim > 2:  # check images as rows of pixels, then give them their shape back
        return torch.as_tensor(as_2d_float(name, array.reshape(len(array), -1)).reshape(array.shape),
                               dtype=torch.float32)
    return torch.as_tensor(as_2d_float(name, array), dtype=torch.float32)


def _infer_task(y) -> str:
    """Integer (or bool) labels mean classification; anything else, regression."""
    dtype = to_numpy("y", y).dtype
    return "classification" if np.issubdtype(dtype, np.integer) or dtype.kind == "b" else "regression"


def _targets(name: str, y, task: str) -> torch.Tensor:
    """y as float32 (N, n_outputs) for regression or int64 labels (N,) for classification."""
    array = to_numpy(name, y)
    if array.ndim == 0 or len(array) == 0:
        raise ValueError(f"{name} must hold at least one sample, got shape {array.shape}")
    values = as_2d_float(name, array.astype(np.int64) if array.dtype.kind == "b" else array)
    if task == "regression":
        return torch.as_tensor(values, dtype=torch.float32)
    if values.shape[1] != 1 or (values != np.round(values)).any() or values.min() < 0:
        raise ValueError(f"{name} must be one class label 0, 1, 2, ... per sample for classification, "
                         f"got shape {array.shape} with values like {values[:3, 0].tolist()}")
    return torch.as_tensor(values[:, 0], dtype=torch.int64)


def _unpack(name: str, data) -> tuple:
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{name} must be an (X, y) pair, got {type(data).__name__}")
    return data


def _pair(name: str, data, task: str, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Checked (X, y) tensors on ``device``, converted once for the whole run."""
    X, y = _unpack(name, data)
    X, y = _features(f"{name} X", X), _targets(f"{name} y", y, task)
    check_same_length(**{f"{name} X": X, f"{name} y": y})
    return X.to(device), y.to(device)


def _place(model, device) -> torch.device:
    """Move ``model`` to ``device`` if one is given; return where its parameters are."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if device is not None:
        model.to(get_device(str(device)))
    parameter = next((p for p in model.parameters() if p.requires_grad), None)
    if parameter is None:
        raise ValueError(f"model has no trainable parameters: {model!r}")
    return parameter.device


@contextlib.contextmanager
def evaluating(model):
    """Eval mode (dropout off, batch norm's running statistics) and no gradients; mode restored after."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


def _try_model(model, name: str, X: torch.Tensor) -> torch.Tensor:
    """The model's outputs for two samples of ``X``, or a ValueError that names ``X`` and its shape.

    fit, evaluate and predict all check their X here, so they fail alike and early. Every
    model labkit trains gives one row of outputs per sample, (N, n_outputs).
    """
    try:
        with evaluating(model):
            out = model(X[:2])
    except RuntimeError as error:
        raise ValueError(f"model cannot take {name} of shape {tuple(X.shape)}: {error}") from error
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        hint = (f"; for a model of vectors pass {name} as (n_samples, n_features), "
                f"e.g. shape {(X.shape[0], int(np.prod(X.shape[1:])))}" if X.dim() > 2 else "")
        raise ValueError(f"model gives outputs of shape {got} for two samples of {name} with shape "
                         f"{tuple(X.shape)}; labkit needs one row of outputs per sample, "
                         f"(n_samples, n_outputs){hint}")
    return out


def _check_data(model, name: str, data, task: str | None, device) -> tuple[str, torch.Tensor, torch.Tensor]:
    """Checked (task, X, y), the tensors on ``device``; two samples run through ``model`` to fail early."""
    task = check_choice("task", _infer_task(_unpack(name, data)[1]) if task is None else task, TASKS)
    X, y = _pair(name, data, task, device)
    out = _try_model(model, f"{name} X", X)
    if task == "regression" and out.shape[1:] != y.shape[1:]:
        raise ValueError(f"model gives outputs of shape {tuple(out.shape[1:])} per sample, "
                         f"but {name} y has shape {tuple(y.shape[1:])} per sample")
    if task == "classification" and out.shape[1] <= int(y.max()):
        raise ValueError(f"model gives {tuple(out.shape[1:])} scores per sample, but {name} y has "
                         f"labels up to {int(y.max())}; it needs one output per class (integer y means "
                         "classification: pass float y or task='regression' for regression)")
    return task, X, y


# ---------------------------------------------------------------- pieces of an epoch

class _Randomness:
    """A run's own torch random state, swapped in around each epoch's training (``with randomness:``).

    So ``random_state`` drives dropout as it drives the shuffling, and the caller's generators
    (CPU, and the model's GPU) are as they were after each block (``on_step`` runs inside it,
    ``on_epoch`` outside). Without a seed nothing is swapped: dropout draws from torch's
    global generator, as scikit-learn's ``random_state=None`` draws from numpy's.
    """

    def __init__(self, seed: int | None, device: torch.device):
        self.cuda = device if device.type == "cuda" else None
        generators = [torch.Generator(), *([] if self.cuda is None else [torch.Generator(device=self.cuda)])]
        self.run = None if seed is None else [g.manual_seed(seed).get_state() for g in generators]

    def __enter__(self):
        if self.run is not None:
            self.caller = self._swap(self.run)

    def __exit__(self, *error):
        if self.run is not None:
            self.run = self._swap(self.caller)

    def _swap(self, states: list) -> list:
        """Put ``states`` in place; return the states they replace."""
        replaced = [torch.get_rng_state()]
        torch.set_rng_state(states[0])
        if self.cuda is not None:
            replaced.append(torch.cuda.get_rng_state(self.cuda))
            torch.cuda.set_rng_state(states[1], self.cuda)
        return replaced


def _batches(X, y, batch_size, generator):
    """Shuffled mini-batches; the whole set as one batch when ``batch_size`` is None."""
    if batch_size is None or batch_size >= len(X):
        return ((X, y),)
    order = torch.randperm(len(X), generator=generator).to(X.device)
    return ((X[i], y[i]) for i in order.split(batch_size))


def _augmented(augment, xb, yb, generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``augment(xb, yb, generator)``, checked: two tensors, one label per sample, a sample's shape kept."""
    out = augment(xb, yb, generator)
    if (not isinstance(out, (tuple, list)) or len(out) != 2
            or not all(isinstance(t, torch.Tensor) for t in out)):
        raise TypeError(f"augment must return an (X_batch, y_batch) pair of tensors, "
                        f"got {type(out).__name__}")
    X_new, y_new = out
    if X_new.shape[1:] != xb.shape[1:] or y_new.shape[1:] != yb.shape[1:] or len(X_new) != len(y_new):
        raise ValueError(f"augment turned a batch X {tuple(xb.shape)}, y {tuple(yb.shape)} into X "
                         f"{tuple(X_new.shape)}, y {tuple(y_new.shape)}: it must keep the shape of one "
                         "sample and return one label per sample")
    return X_new, y_new


def _grad_norm(params: list, clip: float | None) -> torch.Tensor:
    """The gradients' total L2 norm over ``params`` (a 0-d tensor), taken before clipping them to ``clip``.

    Clipping is ``torch.nn.utils.clip_grad_norm_`` (Pascanu et al. 2013; Goodfellow et al.
    2016, section 10.11.1): if the norm exceeds ``clip``, every gradient is scaled by
    ``clip / norm``, so the step keeps its direction and its length is at most ``clip``.
    """
    if clip is not None:
        return torch.nn.utils.clip_grad_norm_(params, clip)
    return torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])


def _train_scores(history: History, losses: list, sizes: list, correct, classify) -> tuple[float, float]:
    """The epoch's (loss, metric) from its steps' detached losses, which go to ``history.step_loss``."""
    values = [losses[0].item()] if len(losses) == 1 else torch.stack(losses).tolist()  # one device sync
    history.step_loss.extend(values)
    n = sum(sizes)
    loss = values[0] if len(values) == 1 else sum(v * k for v, k in zip(values, sizes, strict=True)) / n
    return loss, (int(correct) / n if classify else math.sqrt(loss))


def _measure(model, X, y, loss_fn, classify) -> tuple[float, float]:
    """(loss, metric) of ``model`` on (X, y), in eval mode."""
    with evaluating(model):
        out = model(X)
        loss = loss_fn(out, y).item()
        return loss, ((out.argmax(1) == y).double().mean().item() if classify else math.sqrt(loss))


def _stop_reason(history: History, options: FitOptions, hook_stopped: bool) -> str | None:
    """Why the run ends after the latest epoch, or None to go on."""
    if history.diverged_at is not None:
        return "diverged"
    if hook_stopped:
        return "callback"
    best = -1 if history.best_epoch is None else history.best_epoch
    if options.early_stopping is not None and history.epochs_run - 1 - best >= options.early_stopping:
        return "early_stopping"
    return "completed" if history.epochs_run == options.epochs else None


def _finish(model, history: History, reason: str, best_state: dict | None) -> None:
    history.stop_reason = reason
    if best_state is not None:
        model.load_state_dict(best_state)


# ---------------------------------------------------------------- the loop

def iter_fit(model, train, val=None, options: FitOptions | None = None) -> Iterator[History]:
    """Train ``model`` as :func:`fit` does, yielding the (same, updated) History after each epoch.

    ``options`` is a :class:`FitOptions` (None: the defaults), e.g.
    ``iter_fit(model, train, val, FitOptions(epochs=50, lr=1e-2))``. Everything is
    checked when this is called, before the first epoch. A run abandoned part-way (the
    caller stops iterating) restores nothing: the model keeps its latest weights, so a
    new run may start from them safely at any time.
    """
    o = FitOptions() if options is None else options
    if not isinstance(o, FitOptions):
        raise TypeError(f"options must be a FitOptions or None, got {type(o).__name__}")
    if o.early_stopping is not None and val is None:
        raise ValueError(f"early_stopping={o.early_stopping} watches the val loss, so it needs val=(X, y)")
    rng = check_random_state("random_state", o.random_state)
    shuffler = torch.Generator().manual_seed(int(rng.integers(2**63 - 1)))
    device = _place(model, o.device)
    task, X, y = _check_data(model, "train", train, o.task, device)
    if val is not None:
        _, X_val, y_val = _check_data(model, "val", val, task, device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(o.optimizer, params, o.lr, o.momentum, o.weight_decay)
    steps_per_epoch = 1 if o.batch_size is None else math.ceil(len(X) / o.batch_size)
    scheduler = make_scheduler(o.schedule, optimizer, epochs=o.epochs, steps_per_epoch=steps_per_epoch,
                               per=o.schedule_per)
    step_scheduler, epoch_scheduler = (scheduler, None) if o.schedule_per == "step" else (None, scheduler)
    on_loss = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)  # stepped with a loss
    norm_needed = o.clip_grad_norm is not None or o.record_grad_norm  # a norm costs 10-20% of a tiny step
    classify = task == "classification"
    loss_fn = F.cross_entropy if classify else F.mse_loss
    weights = [p for p in params if p.dim() >= 2]  # weight matrices and kernels, not biases
    penalty = (lambda: o.l1 * sum(w.abs().sum() for w in weights)) if o.l1 > 0 else None
    randomness = _Randomness(None if o.random_state is None else int(rng.integers(2**63 - 1)), device)
    augmenter = None if o.augment is None else torch.Generator().manual_seed(int(rng.integers(2**63 - 1)))

    def loop():  # the run itself: a generator, so that the checks above raise at the call
        history, best_state, step = History(metric_name="accuracy" if classify else "rmse"), None, 0
        for epoch in range(o.epochs):
            start, losses, sizes, norms, correct, stopped = time.perf_counter(), [], [], [], 0, False
            history.lr.append(optimizer.param_groups[0]["lr"])
            if not model.training:  # a hook may have left it in eval mode (train() costs 10 us: skip it)
                model.train()
            with randomness:
                for xb, yb in _batches(X, y, o.batch_size, shuffler):
                    if augmenter is not None:  # training batches only: validation sees the data as it is
                        xb, yb = _augmented(o.augment, xb, yb, augmenter)
                    out = model(xb)
                    loss = loss_fn(out, yb)
                    optimizer.zero_grad(set_to_none=True)
                    (loss + penalty() if penalty is not None else loss).backward()
                    if norm_needed:
                        norms.append(_grad_norm(params, o.clip_grad_norm))
                    history.step_lr.append(optimizer.param_groups[0]["lr"])
                    optimizer.step()
                    losses.append(loss.detach())  # a float only at the epoch's end: one device sync
                    sizes.append(len(xb))
                    if classify:
                        correct = correct + (out.argmax(1) == yb).sum()
                    stopped = o.on_step is not None and o.on_step(step, loss.item(), model, optimizer) is True
                    step += 1
                    if stopped:
                        break
                    if step_scheduler is not None:
                        step_scheduler.step()
            train_loss, train_metric = _train_scores(history, losses, sizes, correct, classify)
            if norms:
                history.step_grad_norm.extend(torch.stack(norms).tolist())
            val_loss = val_metric = None
            if val is not None:
                val_loss, val_metric = _measure(model, X_val, y_val, loss_fn, classify)
            best = history.add_epoch(train_loss=train_loss, train_metric=train_metric, val_loss=val_loss,
                                     val_metric=val_metric)
            if best and o.early_stopping is not None:  # a copy: training changes the tensors in place
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            if on_loss:  # "plateau": the val loss if there is one, as best_epoch watches
                epoch_scheduler.step(val_loss if val_loss is not None else train_loss)
            elif epoch_scheduler is not None:
                epoch_scheduler.step()
            history.seconds += time.perf_counter() - start
            reason = _stop_reason(history, o, stopped)
            if reason is not None:
                _finish(model, history, reason, best_state)
            # on_epoch sees every epoch, the last one after the end's bookkeeping
            if o.on_epoch is not None and o.on_epoch(epoch, history, model) is True and reason is None:
                reason = "callback"
                _finish(model, history, reason, best_state)
            yield history
            if reason is not None:
                return

    return loop()


def fit(model, train, val=None, *, task=None, epochs=200, batch_size=None, optimizer="adam", lr=1e-3,
        momentum=0.9, weight_decay=0.0, l1=0.0, augment=None, schedule=None, schedule_per="epoch",
        clip_grad_norm=None, record_grad_norm=False, early_stopping=None, on_step=None, on_epoch=None,
        random_state=None, device=None) -> History:
    """Train ``model`` on ``train`` = (X, y), validating on ``val`` if given; return its :class:`History`.

    ``task`` None infers it: integer labels mean classification (cross-entropy), else
    regression (MSE). ``batch_size`` None trains on the full batch. ``weight_decay`` is
    the optimizer's: an L2 term in the gradient for SGD and Adam, decoupled decay for
    AdamW. ``l1`` adds ``l1 * sum |w|`` over weight matrices (not biases) to the loss.
    ``augment(X_batch, y_batch, generator) -> (X_batch, y_batch)`` transforms each training
    batch (never the validation data) before the step, e.g. small shifts of digit images or
    input noise; ``generator`` is a ``torch.Generator`` seeded from ``random_state``, so the
    run is repeatable. It must return one label per sample (the train metric is measured on
    the augmented batch); a bad return raises TypeError or ValueError at the first batch.
    ``optimizer``: one of :data:`labkit.optim.OPTIMIZERS`; ``momentum`` is used by
    "momentum" and "nesterov" only ("sgd" and "rmsprop" are the plain rules).
    ``schedule``: "step" halves the rate four times over the run, "cosine" anneals it to
    0, "exponential" lowers it 100x, "plateau" halves it when the val loss (train loss
    without val data) stops falling (torch's ReduceLROnPlateau, per epoch only), a
    function t -> factor multiplies ``lr`` (such as :class:`labkit.optim.RangeSchedule`,
    :class:`~labkit.optim.Warmup`, :class:`~labkit.optim.LinearThenExponential`);
    ``schedule_per`` "epoch" or "step" says what t counts and when the rate changes.
    ``clip_grad_norm``: if the gradient's total L2 norm over the trained parameters exceeds
    it, scale the gradients down to that norm before each step (Pascanu et al. 2013;
    ``on_step`` then sees the clipped ``.grad``). The norm before clipping goes to
    ``history.step_grad_norm`` (one per step) when clipping or with
    ``record_grad_norm=True``; else that list stays empty, since the norm costs 10-20% of
    a tiny model's step. ``early_stopping``: stop after that many epochs without a lower
    val loss, and put the best epoch's weights back into ``model`` (whatever ends the run).
    ``on_step(step, loss, model, optimizer)`` runs after each update step, ``step``
    counting from 0 over the run and ``loss`` the batch's loss before the update, as a
    float (``history.step_loss[step]``); ``on_epoch(epoch, history, model)`` runs after
    each epoch. A hook returning True stops the run there (stop reason "callback").
    ``random_state`` seeds the shuffling and, without touching torch's global generator,
    dropout: equal models train alike. ``device`` None trains where the model is.
    """
    # the keywords, as given: this must stay the first line, before any other local name exists
    options = {name: value for name, value in locals().items() if name not in ("model", "train", "val")}
    history = None
    for history in iter_fit(model, train, val, FitOptions(**options)):  # noqa: B007 (one History, updated)
        pass
    return history


def evaluate(model, data, *, task=None, device=None) -> tuple[float, float]:
    """(loss, metric) of ``model`` on ``data`` = (X, y): MSE and RMSE, or cross-entropy and accuracy."""
    task, X, y = _check_data(model, "data", data, task, _place(model, device))
    classify = task == "classification"
    return _measure(model, X, y, F.cross_entropy if classify else F.mse_loss, classify)


def predict(model, X, *, classes: bool = False, device=None) -> np.ndarray:
    """The model's outputs for ``X`` as a numpy array, in eval mode and without gradients.

    Regression gives values of shape (N, n_outputs); classification gives the raw
    class scores (logits) of shape (N, n_classes), or with ``classes=True`` the
    predicted labels (N,).
    """
    classes = check_bool("classes", classes)
    X = _features("X", X).to(_place(model, device))
    try:  # one forward pass when all is well; a failure is explained as fit and evaluate explain it
        with evaluating(model):
            out = model(X)
    except RuntimeError:
        _try_model(model, "X", X)
        raise
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        _try_model(model, "X", X)
    return (out.argmax(1) if classes else out).cpu().numpy()
