"""The doctor's checks that only look: one forward pass, in training mode and in eval mode.

Each function takes ``case``, the set-up :func:`labkit.debugging.doctor.doctor` examines, and
returns the :class:`~labkit.debugging.report.Check` of the same name in
:data:`labkit.debugging.checklist.CHECKS`; none of them trains. ``case.X`` and ``case.y`` are
tensors, ``case.loss_fn`` the loss, ``case.task`` "classification" or "regression",
``case.kind`` which loss ("cross_entropy", "nll", "bce_logits", "bce", "mse", "l1", "huber",
"smooth_l1" or "custom"), ``case.target`` the targets' format (:mod:`labkit.debugging.targets`),
``case.fresh()`` a fresh deep copy of the model and ``case.forward`` the (detached) outputs and loss of one
training-mode pass on the whole batch, computed once and shared by these checks.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from labkit.debugging.report import Check, fail

__all__ = ["runs", "finite", "input_scale", "shapes", "init_loss", "logits", "eval_repeatable",
           "batch_independent"]


def runs(case) -> Check:
    """model(X) and loss_fn(model(X), y) run, and the loss is a scalar tensor."""
    try:
        out, loss = case.forward
    except Exception as error:  # any error in the user's code is the finding; the other checks need runs
        is_class = isinstance(case.loss_fn, type)
        hint = " (pass an instance, e.g. nn.CrossEntropyLoss(), not the class)" if is_class else ""
        return fail("runs", f"{type(error).__name__}: {str(error).strip()[:300]}{hint}")
    return Check("runs", "pass", f"outputs {tuple(out.shape)}, targets {tuple(case.y.shape)}, "
                                 f"loss {loss.item():.4g}")


def finite(case) -> Check:
    """NaN or Inf in X, y, the outputs or the loss."""
    out, loss = case.forward
    parts = {"X": case.X, "y": case.y, "outputs": out, "loss": loss.detach()}
    bad = [f"{name} ({int((~torch.isfinite(t)).sum())} of {t.numel()} values)"
           for name, t in parts.items() if t.is_floating_point() and not torch.isfinite(t).all()]
    if bad:
        return fail("finite", f"NaN or Inf in {', '.join(bad)}")
    return Check("finite", "pass", "no NaN or Inf in X, y, outputs or loss")


def input_scale(case) -> Check:
    """Each input feature's mean and std, against about 0 and 1 (images: each channel's).

    A feature that is almost always one value (a border pixel of the digits: 0 in nearly
    every image) has a tiny std without being in the wrong units, so it is not flagged.
    """
    X = case.X.double()
    if X.dim() == 4:  # (N, C, H, W): images are normalised per channel, over samples and pixels
        X = X[torch.isfinite(X).flatten(1).all(1)].permute(0, 2, 3, 1).reshape(-1, X.shape[1])
    X = X.reshape(len(X), -1)
    X = X[torch.isfinite(X).all(1)]
    if len(X) < 2:
        return Check("input_scale", "skip", "needs at least 2 finite samples")
    mean, std = X.mean(0), X.std(0)
    problems = []
    if mean.abs().max() > 3:
        i = int(mean.abs().argmax())
        problems.append(f"feature {i} has mean {mean[i].item():.3g}")
    if std.max() > 10:
        i = int(std.argmax())
        problems.append(f"feature {i} has std {std[i].item():.3g}")
    mostly_one_value = (X == X.mode(0).values).double().mean(0) > 0.5
    tiny = (std > 0) & (std < 0.01) & ~mostly_one_value
    if tiny.any():
        i = int(torch.where(tiny, std, torch.inf).argmin())
        problems.append(f"feature {i} has std {std[i].item():.3g}")
    summary = f"means in [{mean.min().item():.3g}, {mean.max().item():.3g}], stds in " \
              f"[{std.min().item():.3g}, {std.max().item():.3g}]"
    if problems:
        return fail("input_scale", f"{'; '.join(problems)} ({summary}); want about 0 and 1")
    return Check("input_scale", "pass", summary)


def shapes(case) -> Check:
    """The batch loss is the mean or sum of per-sample losses (no broadcasting across samples)."""
    out = case.forward[0]
    n = min(len(out), 64)
    o, y = out[:n], case.y[:n]
    full = case.loss_fn(o, y).item()
    per = np.array([case.loss_fn(o[i:i + 1], y[i:i + 1]).item() for i in range(n)])
    weights = _sample_weights(case, y)  # class weights and ignore_index make the mean a weighted one
    if weights is not None:
        per = per[weights > 0] * weights[weights > 0] * (weights > 0).sum() / weights.sum()
    if not (math.isfinite(full) and np.isfinite(per).all()):
        return Check("shapes", "skip", "NaN or Inf in the losses (see finite)")
    sizes = f"outputs {tuple(out.shape)}, targets {tuple(case.y.shape)}"
    if out.shape != case.y.shape and case.task == "regression":
        try:
            sizes += f", broadcast to {tuple(torch.broadcast_shapes(o.shape, y.shape))} for {n} rows"
        except RuntimeError:
            sizes += ", which do not broadcast"
    if math.isclose(full, per.mean(), rel_tol=1e-4, abs_tol=1e-6) or math.isclose(full, per.sum(),
                                                                                   rel_tol=1e-4):
        return Check("shapes", "pass", f"the batch loss is the mean or sum of per-sample losses ({sizes})")
    return fail("shapes", f"the batch loss {full:.4g} is neither the mean ({per.mean():.4g}) nor the sum "
                f"of the per-sample losses: the loss mixes samples ({sizes})")


def _sample_weights(case, y) -> np.ndarray | None:
    """Each sample's weight in a cross-entropy or NLL mean over class indices (class weights,
    ignore_index), or None where every sample counts the same."""
    if getattr(case.loss_fn, "reduction", "mean") != "mean":
        return None
    return _index_weights(case, y)


def _index_weights(case, y) -> np.ndarray | None:
    """Each sample's weight (class weight, 0 for ignore_index) under cross-entropy or NLL on class
    indices, whatever the reduction; None where every sample counts 1."""
    weight, index = getattr(case.loss_fn, "weight", None), getattr(case.loss_fn, "ignore_index", -100)
    if case.kind not in ("cross_entropy", "nll") or case.target.form != "index":
        return None
    labels = y.long()
    keep = (labels != index).double()
    if weight is None and bool(keep.all()):
        return None
    w = weight.double()[labels.clamp(0, len(weight) - 1)] if weight is not None else torch.ones_like(keep)
    return (w * keep).cpu().numpy()


def init_loss(case) -> Check:
    """The loss at initialization against its expected value: -log(1/C) or Var(y)."""
    out, loss = case.forward
    value = loss.item()
    if not math.isfinite(value):
        return Check("init_loss", "skip", f"the loss is {value} (see finite)")
    if value < 0:
        return fail("init_loss", f"loss at init is {value:.4g}, below 0; cross-entropy and squared "
                    "errors never are: are you minimizing -L instead of L?")
    per, summed = _summed_terms(case, out)  # reduction="sum" adds up what "mean" averages
    if case.kind in ("cross_entropy", "nll") and out.dim() == 2:
        expected = math.log(out.shape[1]) * per
        low, high = 0.5 * expected, 1.5 * expected
        found = f"loss at init {value:.4g}; expected about {summed}-log(1/{out.shape[1]}) = {expected:.4g}"
    elif case.kind in ("bce_logits", "bce") and getattr(case.loss_fn, "pos_weight", None) is None:
        expected = math.log(2) * per
        low, high = 0.5 * expected, 1.5 * expected
        found = f"loss at init {value:.4g}; expected about {summed}log(2) = {expected:.4g} (outputs near 1/2)"
    elif case.kind == "mse":
        var, msq = case.y.double().var().item() * per, case.y.double().pow(2).mean().item() * per
        low, high = 0.5 * var, 2 * max(var, msq) + 1e-12
        found = f"loss at init {value:.4g}; expected about {summed}Var(y) = {var:.4g} ({summed}mean(y^2) = " \
                f"{msq:.4g} if the outputs start near 0)"
    else:
        return Check("init_loss", "skip", f"loss at init {value:.4g}, not negative; the expected value is "
                     "known for cross-entropy, NLL, binary cross-entropy and MSE only")
    if low <= value <= high:
        return Check("init_loss", "pass", found)
    return fail("init_loss", f"{found}, want within [{low:.3g}, {high:.3g}]")


def _summed_terms(case, out) -> tuple[float, str]:
    """How many per-element losses a reduction="sum" loss adds up (1 for a mean), and how to say it."""
    if getattr(case.loss_fn, "reduction", "mean") != "sum":
        return 1.0, ""
    if case.kind in ("cross_entropy", "nll"):
        weights = _index_weights(case, case.y)
        count = float(weights.sum()) if weights is not None else float(len(out))
    else:
        count = float(case.y.numel())
    return count, f"{count:g} x "


def logits(case) -> Check:
    """Probabilities fed to a loss that expects logits (or log-probabilities, for NLL)."""
    out = case.forward[0]
    if case.kind == "bce_logits":
        if relu := _clipped_at_zero(out.double(), case):
            return Check("logits", "fail", relu, "Remove the ReLU after the last layer: logits must be free "
                         "to go negative; BCEWithLogitsLoss applies the sigmoid.")
        return _binary_logits(out, _last_squash(case))
    if case.task != "classification" or out.dim() != 2 or case.kind not in ("cross_entropy", "nll"):
        return Check("logits", "skip", "for outputs into cross-entropy, NLL or BCEWithLogitsLoss only")
    o = out.double()
    in01 = bool(((o >= 0) & (o <= 1)).all())
    rows, cols = (torch.allclose(o.sum(d), torch.ones_like(o.sum(d)), atol=1e-3) for d in (1, 0))
    if case.kind == "nll":
        if torch.allclose(o.logsumexp(1), torch.zeros(len(o), dtype=o.dtype), atol=1e-3):
            return Check("logits", "pass", "outputs are log-probabilities over the classes")
        found = ("outputs are log-probabilities over the batch (dim 0), not over the classes"
                 if torch.allclose(o.logsumexp(0), torch.zeros(o.shape[1], dtype=o.dtype), atol=1e-3)
                 else "outputs are probabilities, not log-probabilities" if in01 and rows
                 else "outputs are not log-probabilities (exp does not sum to 1 over the classes)")
        return fail("logits", f"{found}: nll_loss expects log_softmax(out, dim=1)")
    low, high = o.min().item(), o.max().item()
    if relu := _clipped_at_zero(o, case):
        return Check("logits", "fail", relu, "Remove the ReLU after the last layer: logits must be free to "
                     "go negative (a class's score below the others'); the loss applies softmax or sigmoid.")
    if in01 and (rows or cols):
        found = ("outputs are probabilities (each row in [0, 1], summing to 1)" if rows
                 else "outputs sum to 1 over the batch (dim 0): softmax over the wrong dimension")
        return fail("logits", f"{found}, fed to cross_entropy, which applies log_softmax itself: "
                    "the loss flattens and gradients shrink")
    if in01:  # a fresh network's small logits can all land in [0, 1] by chance: a caution, not a failure
        return Check("logits", "pass", f"outputs lie in [0, 1] (range {low:.3g} to {high:.3g}) but do not "
                     "sum to 1: fine for fresh logits; if a sigmoid made them, return the scores before it")
    return Check("logits", "pass", f"outputs look like logits (range {low:.3g} to {high:.3g})")


def _final_module(case) -> tuple[str, nn.Module] | None:
    """The leaf module whose output is the model's output (found with hooks, since the order modules
    are registered in says nothing about the order they run in), or None."""
    model, calls = case.fresh().eval(), []
    leaves = [(n, m) for n, m in model.named_modules() if not list(m.children())]
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: calls.append((n, m, o))) for n, m in leaves]
    try:
        with torch.no_grad():
            out = model(case.X[:64])
    finally:
        for hook in hooks:
            hook.remove()
    if calls and isinstance(calls[-1][2], torch.Tensor) and calls[-1][2] is out:
        return calls[-1][0], calls[-1][1]
    return None


def _last_squash(case) -> str | None:
    """The name of the model's final module if it is a sigmoid or softmax, else None."""
    final = _final_module(case)
    if final and isinstance(final[1], (nn.Sigmoid, nn.Softmax, nn.LogSoftmax)):
        return f"{final[0]} ({type(final[1]).__name__})"
    return None


def _clipped_at_zero(o, case) -> str:
    """What a final ReLU shows in logits (never negative, many exact zeros), or "" where none is seen."""
    zeros = (o == 0).double().mean().item()
    if o.numel() == 0 or o.min() < 0 or zeros < 0.05:
        return ""
    final = _final_module(case)
    where = f"the model ends in {final[0]} ({type(final[1]).__name__})" if final and \
        isinstance(final[1], (nn.ReLU, nn.ReLU6)) else "a final ReLU (or clamp) looks likely"
    return (f"outputs are never negative and {zeros:.0%} of them are exactly 0: {where}, which clips the "
            "logits at 0, so a class can never score below 0 and its gradient stops where it is clipped")


def _binary_logits(out, last) -> Check:
    """Outputs into BCEWithLogitsLoss: logits, not a sigmoid's probabilities (the loss applies one)."""
    low, high = out.min().item(), out.max().item()
    if last is not None:
        return Check("logits", "fail", f"the model ends in {last}, and BCEWithLogitsLoss applies a sigmoid "
                     f"itself: outputs in [{low:.3g}, {high:.3g}] are squashed twice, so the loss flattens "
                     "and every output reads as class 1",
                     "Return the scores before the sigmoid: BCEWithLogitsLoss applies it itself (and is "
                     "stabler than BCELoss on a sigmoid). Keep the sigmoid for predictions only.")
    if low >= 0 and high <= 1:
        return Check("logits", "pass", f"outputs lie in [0, 1] (range {low:.3g} to {high:.3g}): fine for "
                     "fresh logits; if a sigmoid made them, return the scores before it (overfit_batch "
                     "shows it: a sigmoid's outputs never go below 0)")
    return Check("logits", "pass", f"outputs look like logits (range {low:.3g} to {high:.3g})")


def eval_repeatable(case) -> Check:
    """Two eval-mode passes on the same batch give the same outputs: nothing random is left on."""
    model = case.fresh().eval()
    with torch.no_grad():
        first, second = model(case.X), model(case.X)
    gap = (first - second).abs().nan_to_num(0.0).max().item()
    if not torch.allclose(first, second, rtol=1e-5, atol=1e-6, equal_nan=True):
        return fail("eval_repeatable", f"two eval-mode passes on the same batch differ by up to "
                    f"{gap:.3g}: something random is still on (dropout?)")
    return Check("eval_repeatable", "pass", "two eval-mode passes give the same outputs")


def batch_independent(case) -> Check:
    """In eval mode, the first half's outputs are the same with and without the second half."""
    k = len(case.X) // 2
    if not k:
        return Check("batch_independent", "skip", "needs at least 2 samples")
    model = case.fresh().eval()
    with torch.no_grad():
        first, part = model(case.X), model(case.X[:k])
    gap = (first[:k] - part).abs().nan_to_num(0.0).max().item()
    if torch.allclose(first[:k], part, rtol=1e-4, atol=1e-5, equal_nan=True):
        return Check("batch_independent", "pass", "eval outputs do not depend on the batch")
    return fail("batch_independent", f"in eval mode, the outputs of the first {k} samples change "
                f"by up to {gap:.3g} when the other {len(case.X) - k} are left out: something "
                "normalizes over the batch (softmax over dim 0? batch norm in training mode?)")
