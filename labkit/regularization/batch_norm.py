"""Batch norm as a regularizer, and the disharmony of dropout placed before batch norm.

In :class:`labkit.models.MLP` with both, each hidden layer is Linear -> BatchNorm -> ReLU
-> Dropout, so from the second layer on a batch norm layer takes dropped-out inputs. In
training mode it normalizes with the batch's variance, which dropout inflates (a unit kept
with probability 1-p is scaled by 1/(1-p)), and its running variance learns that inflated
value; in eval mode dropout is off, the inputs' variance is smaller, yet batch norm still
divides by the stored one. Li et al. (2019), "Understanding the disharmony between dropout
and batch normalization by variance shift" (cited in the Cross Validated answer), name
this the variance shift: Var_eval / Var_running < 1, features shrunk, predictions off.
Their remedy measured here: recompute the running statistics with dropout off.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import torch

from labkit.arguments import check_float
from labkit.regularization.setup import OverfitSetup, RegRun, train_run
from labkit.train import evaluate

__all__ = ["VarianceShift", "variance_shift", "recalibrate_batch_norm"]


def _bn_inputs(run: RegRun, X, *, train_mode: bool, layer: int) -> np.ndarray:
    """The inputs (N, width) of the MLP's batch norm ``layer`` on X, in training or eval mode, no update."""
    mlp, seen = run.model.mlp, []
    handle = mlp.norms[layer].register_forward_hook(lambda module, args, out: seen.append(args[0].detach()))
    state = copy.deepcopy(mlp.state_dict())  # a train-mode pass would update the running statistics
    was_training = mlp.training
    try:
        mlp.train(train_mode)
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(0)
            run.model(torch.as_tensor(np.asarray(X), dtype=torch.float32))
    finally:
        handle.remove()
        mlp.load_state_dict(state)
        mlp.train(was_training)
    return seen[0].numpy()


def recalibrate_batch_norm(model: torch.nn.Module, X) -> torch.nn.Module:
    """A copy of ``model`` whose batch norm layers hold the statistics of X (N, ...) with dropout off.

    Li et al. (2019)'s fix for the variance shift: the stored variance then matches what
    the layer sees at eval time. The model itself is left as it was.
    """
    fixed = copy.deepcopy(model)
    norms = [m for m in fixed.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # a cumulative average over the passes: one pass gives the exact statistics
    fixed.eval()
    for norm in norms:
        norm.train()  # batch statistics and their running average; dropout stays off
    with torch.no_grad():
        fixed(torch.as_tensor(np.asarray(X), dtype=torch.float32))
    return fixed.eval()


@dataclasses.dataclass(frozen=True, eq=False)
class VarianceShift:
    """Per-feature variances (width,) at the second batch norm layer, and the val error they cost.

    ``train_var``: its inputs' variance on the training set in training mode (dropout on);
    ``running_var``: what it stored; ``eval_var``: its inputs' variance in eval mode.
    ``shift`` = mean of eval_var / running_var (1: no shift; Li et al. 2019). Errors are
    validation errors (fractions) of: this network, it recalibrated, and the same network
    with batch norm only and with dropout only.
    """

    p: float
    train_var: np.ndarray
    running_var: np.ndarray
    eval_var: np.ndarray
    val_error: float
    recalibrated_val_error: float
    batch_norm_only_val_error: float
    dropout_only_val_error: float

    @property
    def shift(self) -> float:
        return float(np.mean(self.eval_var / self.running_var))

    def table(self) -> str:
        return "\n".join([
            f"dropout p={self.p:g} before batch norm: variance shift (eval / running var) {self.shift:.3f}",
            f"  mean variance: train mode {self.train_var.mean():.4f}, stored {self.running_var.mean():.4f}, "
            f"eval mode {self.eval_var.mean():.4f}",
            f"  val error: dropout + batch norm {100 * self.val_error:.1f}%, recalibrated "
            f"{100 * self.recalibrated_val_error:.1f}%, batch norm only "
            f"{100 * self.batch_norm_only_val_error:.1f}%, "
            f"dropout only {100 * self.dropout_only_val_error:.1f}%"])

    __repr__ = table


def variance_shift(setup: OverfitSetup, *, p: float = 0.5, epochs=None) -> VarianceShift:
    """Train the set-up with dropout ``p`` and batch norm; measure the variance shift at the second layer.

    Needs ``setup.depth >= 2`` (the first batch norm sees no dropout). Raises ValueError naming
    ``p`` unless 0 < p < 1.
    """
    p = check_float("p", p, min_value=0.0, strict_min=True, max_value=0.99)
    if setup.depth < 2:
        raise ValueError(f"setup.depth must be at least 2 (dropout reaches batch norm from layer 2), "
                         f"got {setup.depth}")
    run = train_run(setup, label="dropout + batch norm", dropout=p, batch_norm=True, epochs=epochs)
    X = setup.X_train
    train_var = _bn_inputs(run, X, train_mode=True, layer=1).var(0)
    eval_var = _bn_inputs(run, X, train_mode=False, layer=1).var(0)
    running = run.model.mlp.norms[1].running_var.detach().numpy().copy()
    fixed_loss, fixed_acc = evaluate(recalibrate_batch_norm(run.model, X), (setup.X_val, setup.y_val))
    bn_only = train_run(setup, batch_norm=True, epochs=epochs)
    drop_only = train_run(setup, dropout=p, epochs=epochs)
    return VarianceShift(p, train_var, running, eval_var, run.val_error, 1 - fixed_acc, bn_only.val_error,
                         drop_only.val_error)
