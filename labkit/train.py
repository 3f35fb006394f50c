"""Train a model on (X, y) and record what happened: the loop behind most labs.

:func:`iter_fit` trains one epoch per step and yields the :class:`History` after each,
so a live panel can draw between epochs or abandon a run; :func:`fit` runs it to the end.
Nothing here draws or prints. Epochs are numbered from 0, so ``best_epoch`` and
``diverged_at`` index the lists in the history.

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
from collections.abc import Iterator
from functools import partial

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
from labkit.optim import OPTIMIZERS, make_optimizer, make_scheduler
from labkit.runtime import get_device

__all__ = ["History", "iter_fit", "fit", "evaluate", "predict", "evaluating", "run_epochs", "TASKS"]

TASKS = ("regression", "classification")


@dataclasses.dataclass(repr=False)
class History:
    """What a training run recorded, one entry per epoch (``lr`` is the rate each epoch used).

    ``stop_reason`` is ``"running"`` until the run ends, then one of ``"completed"``,
    ``"early_stopping"``, ``"diverged"`` (train loss became NaN or Inf) or ``"callback"``.
    ``best_epoch`` has the lowest val loss (train loss when there is no val data).
    """

    train_loss: list[float] = dataclasses.field(default_factory=list)
    val_loss: list[float] = dataclasses.field(default_factory=list)
    train_metric: list[float] = dataclasses.field(default_factory=list)
    val_metric: list[float] = dataclasses.field(default_factory=list)
    metric_name: str = "rmse"
    epochs_run: int = 0
    best_epoch: int | None = None
    stop_reason: str = "running"
    diverged_at: int | None = None
    seconds: float = 0.0
    lr: list[float] = dataclasses.field(default_factory=list)

    def __repr__(self) -> str:
        parts = [f"epochs={self.epochs_run}"]
        for split in ("train", "val"):
            losses, metrics = getattr(self, f"{split}_loss"), getattr(self, f"{split}_metric")
            if losses:
                parts.append(f"{split}_loss={losses[-1]:.4g}, {split}_{self.metric_name}={metrics[-1]:.4g}")
        parts += [f"best_epoch={self.best_epoch}", f"stop={self.stop_reason!r}"]
        parts.append(f"seconds={self.seconds:.2f}")
        return f"History({', '.join(parts)})"

    def as_dict(self) -> dict:
        """A plain dict of lists and numbers (copies), e.g. for ``pandas.DataFrame`` or JSON."""
        return dataclasses.asdict(self)


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
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


def _check_data(model, name: str, data, task: str | None, device) -> tuple[str, torch.Tensor, torch.Tensor]:
    """Checked (task, X, y), the tensors on ``device``; two samples run through ``model`` to fail early."""
    task = check_choice("task", _infer_task(_unpack(name, data)[1]) if task is None else task, TASKS)
    X, y = _pair(name, data, task, device)
    try:
        with evaluating(model):
            out = model(X[:2])
    except RuntimeError as error:
        raise ValueError(f"model cannot take {name} X of shape {tuple(X.shape)}: {error}") from error
    if task == "regression" and out.shape[1:] != y.shape[1:]:
        raise ValueError(f"model gives outputs of shape {tuple(out.shape[1:])} per sample, "
                         f"but {name} y has shape {tuple(y.shape[1:])} per sample")
    if task == "classification" and (out.dim() != 2 or out.shape[1] <= int(y.max())):
        raise ValueError(f"model gives {tuple(out.shape[1:])} scores per sample, but {name} y has "
                         f"labels up to {int(y.max())}; it needs one output per class (integer y means "
                         "classification: pass float y or task='regression' for regression)")
    return task, X, y


# ---------------------------------------------------------------- one epoch

def _batches(X, y, batch_size, generator):
    """Shuffled mini-batches; the whole set as one batch when ``batch_size`` is None."""
    if batch_size is None or batch_size >= len(X):
        return ((X, y),)
    order = torch.randperm(len(X), generator=generator).to(X.device)
    return ((X[i], y[i]) for i in order.split(batch_size))


def _train_epoch(model, batches, loss_fn, optimizer, penalty, classify) -> tuple[float, float]:
    """One pass over the batches, one update each; returns the epoch's (loss, metric)."""
    if not model.training:  # a callback may have left it in eval mode (train() costs 10 us: skip it)
        model.train()
    losses, sizes, correct = [], [], 0
    for xb, yb in batches():
        out = model(xb)
        loss = loss_fn(out, yb)
        optimizer.zero_grad(set_to_none=True)
        (loss + penalty() if penalty is not None else loss).backward()
        optimizer.step()
        losses.append(loss.detach())
        sizes.append(len(xb))
        if classify:
            correct = correct + (out.argmax(1) == yb).sum()
    n = sum(sizes)
    if len(losses) == 1:  # full batch: no extra tensor work on the hot path
        loss = losses[0].item()
    else:  # the size-weighted mean, with one .item() (one device sync) per epoch
        weights = torch.tensor(sizes, dtype=losses[0].dtype, device=losses[0].device)
        loss = (torch.stack(losses) @ weights).item() / n
    return loss, (int(correct) / n if classify else math.sqrt(loss))


def _measure(model, X, y, loss_fn, classify) -> tuple[float, float]:
    """(loss, metric) of ``model`` on (X, y), in eval mode."""
    with evaluating(model):
        out = model(X)
        loss = loss_fn(out, y).item()
        return loss, ((out.argmax(1) == y).double().mean().item() if classify else math.sqrt(loss))


# ---------------------------------------------------------------- the loop

def iter_fit(model, train, val=None, *, task=None, epochs=200, batch_size=None, optimizer="adam", lr=1e-3,
             momentum=0.9, weight_decay=0.0, l1=0.0, schedule=None, early_stopping=None, callback=None,
             random_state=None, device=None) -> Iterator[History]:
    """Train ``model`` on ``train`` = (X, y), yielding the (same, updated) History after each epoch.

    Arguments are checked when this is called, before the first epoch. ``task`` None
    infers it: integer labels mean classification (cross-entropy), else regression (MSE).
    ``batch_size`` None trains on the full batch; mini-batches are shuffled by a local
    generator seeded from ``random_state`` (dropout still draws from torch's global one).
    ``weight_decay`` is the optimizer's: an L2 term in the gradient for SGD and Adam,
    decoupled decay for AdamW. ``l1`` adds ``l1 * sum |w|`` over weight matrices (not
    biases) to the training loss. ``schedule``: "step" halves the rate every epochs//4,
    "cosine" anneals it to 0, "exponential" lowers it 100x over the run, a function
    epoch -> factor multiplies ``lr``. ``early_stopping`` = patience: stop after that
    many epochs without a lower val loss. ``callback(epoch, history, model)`` runs after
    each epoch; returning True stops the run. ``device`` None trains where the model is.

    With ``early_stopping``, the weights of the best epoch are put back into ``model``
    when the run ends, whatever the reason, before the last History is yielded. A run
    abandoned part-way (the caller stops iterating) restores nothing: the model keeps
    its latest weights, so a new run may start from them safely at any time.
    """
    epochs = check_int("epochs", epochs, min_value=1)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, min_value=1)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    momentum = check_float("momentum", momentum, min_value=0.0, max_value=1.0)
    if optimizer in ("momentum", "nesterov") and momentum == 0:
        raise ValueError(f"optimizer={optimizer!r} needs momentum greater than 0, got {momentum!r}")
    weight_decay = check_float("weight_decay", weight_decay, min_value=0.0)
    l1 = check_float("l1", l1, min_value=0.0)
    if early_stopping is not None:
        early_stopping = check_int("early_stopping", early_stopping, min_value=1)
        if val is None:
            raise ValueError(f"early_stopping={early_stopping} watches the val loss, so it needs val=(X, y)")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function (epoch, history, model) or None, got {callback!r}")
    seed = int(check_random_state("random_state", random_state).integers(2**63 - 1))
    device = _place(model, device)
    task, X, y = _check_data(model, "train", train, task, device)
    if val is not None:
        _, X_val, y_val = _check_data(model, "val", val, task, device)

    params = [p for p in model.parameters() if p.requires_grad]
    opt = make_optimizer(optimizer, params, lr, momentum, weight_decay)
    scheduler = make_scheduler(schedule, opt, epochs)
    classify = task == "classification"
    loss_fn = F.cross_entropy if classify else F.mse_loss
    weights = [p for p in params if p.dim() >= 2]  # weight matrices and kernels, not biases
    penalty = (lambda: l1 * sum(w.abs().sum() for w in weights)) if l1 > 0 else None
    generator = torch.Generator().manual_seed(seed)
    train_epoch = partial(_train_epoch, model, partial(_batches, X, y, batch_size, generator),
                          loss_fn, opt, penalty, classify)
    val_epoch = None if val is None else partial(_measure, model, X_val, y_val, loss_fn, classify)
    history = History(metric_name="accuracy" if classify else "rmse")
    return run_epochs(model, history, epochs, train_epoch, val_epoch, opt, scheduler, early_stopping,
                      callback)


def run_epochs(model, history, epochs, train_epoch, val_epoch=None, optimizer=None, scheduler=None,
               patience=None, callback=None):
    """The bookkeeping of a run around any epoch: ``train_epoch()`` and ``val_epoch()`` return (loss, metric).

    Yields ``history`` after each epoch, filled as :func:`iter_fit` fills it (learning rate,
    losses, metrics, best epoch, divergence, stop reason, seconds). :func:`iter_fit` drives it
    with its own epochs; a set-up with its own step (the bug zoo's) can drive it too.
    """
    best_state = None
    for epoch in range(epochs):
        start = time.perf_counter()
        if optimizer is not None:
            history.lr.append(optimizer.param_groups[0]["lr"])
        loss, metric = train_epoch()
        history.train_loss.append(loss)
        history.train_metric.append(metric)
        if val_epoch is not None:
            val_loss, val_metric = val_epoch()
            history.val_loss.append(val_loss)
            history.val_metric.append(val_metric)
        if scheduler is not None:
            scheduler.step()
        history.epochs_run = epoch + 1
        losses = history.val_loss or history.train_loss  # val loss picks the best epoch if there is one
        latest = losses[-1]
        if math.isfinite(latest) and (history.best_epoch is None or latest < losses[history.best_epoch]):
            history.best_epoch = epoch
            if patience is not None:  # a copy, not a reference: training changes the tensors in place
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        history.seconds += time.perf_counter() - start

        reason = _stop_reason(history, epoch, epochs, patience)
        if reason is not None:
            _finish(model, history, reason, best_state)
        # the callback sees every epoch, the last one after the end's bookkeeping
        if callback is not None and callback(epoch, history, model) is True and reason is None:
            reason = "callback"
            _finish(model, history, reason, best_state)
        yield history
        if reason is not None:
            return


def _finish(model, history: History, reason: str, best_state: dict | None) -> None:
    history.stop_reason = reason
    if best_state is not None:
        model.load_state_dict(best_state)


def _stop_reason(history: History, epoch: int, epochs: int, patience: int | None) -> str | None:
    if not math.isfinite(history.train_loss[-1]):
        history.diverged_at = epoch
        return "diverged"
    best = -1 if history.best_epoch is None else history.best_epoch
    if patience is not None and epoch - best >= patience:
        return "early_stopping"
    return "completed" if epoch == epochs - 1 else None


def fit(model, train, val=None, *, task=None, epochs=200, batch_size=None, optimizer="adam", lr=1e-3,
        momentum=0.9, weight_decay=0.0, l1=0.0, schedule=None, early_stopping=None, callback=None,
        random_state=None, device=None) -> History:
    """Train ``model`` to the end and return its :class:`History` (arguments as :func:`iter_fit`)."""
    run = iter_fit(model, train, val, task=task, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                   lr=lr, momentum=momentum, weight_decay=weight_decay, l1=l1, schedule=schedule,
                   early_stopping=early_stopping, callback=callback, random_state=random_state, device=device)
    for history in run:  # noqa: B007 (one History, updated in place: the last one is the result)
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
    with evaluating(model):
        out = model(X)
    return (out.argmax(1) if classes else out).cpu().numpy()
