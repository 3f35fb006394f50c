"""The doctor's checks that train: gradients, optimizer steps, and whether the model can learn at all.

Each function takes ``case``, the set-up :func:`labkit.debugging.doctor.doctor` examines, and
returns the :class:`~labkit.debugging.report.Check` of the same name in
:data:`labkit.debugging.checklist.CHECKS`. ``case.X`` and ``case.y`` are tensors,
``case.loss_fn`` the loss, ``case.task`` "classification" or "regression", ``case.fresh()``
a fresh deep copy of the model (every check starts from the doctor's seed, so each draws the
same dropout masks), ``case.grads`` each trainable parameter's gradient after
one backward pass (computed once, None where none arrives), ``case.optimizer(model)`` and
``case.step(model, optimizer, X, y)`` the caller's ``optimizer_fn`` and ``step_fn`` (or the
defaults), and ``case.batch_size``, ``case.steps`` and ``case.preprocess`` the caller's options.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
from torch import nn

from labkit.arguments import to_numpy
from labkit.debugging.report import Check, fail
from labkit.debugging.targets import class_labels, error_rate
from labkit.train import evaluating

__all__ = ["grads_reach", "params_change", "grads_reset", "overfit_batch", "labels_signal", "preprocess"]

_GOES_UP = ("error goes up: learning rate too high; flipped sign of the loss or gradient (minimizing -L); "
            "softmax over the wrong dimension; numerical issues (exp, log, division)")
_PLATEAUS = ("error plateaus: learning rate too low; gradients not flowing through the whole model; "
             "wrong input to the loss (softmax or ReLU outputs instead of logits); data or labels corrupted")


# ---------------------------------------------------------------- gradients and steps

def grads_reach(case) -> Check:
    """Every trainable parameter gets a non-zero gradient from one backward pass."""
    grads = case.grads
    if not grads:
        return fail("grads_reach", "the model has no trainable parameters")
    missing = [n for n, g in grads.items() if g is None]
    bad = [n for n, g in grads.items() if g is not None and not torch.isfinite(g).all()]
    zero = [n for n, g in grads.items() if g is not None and n not in bad and not g.any()]
    if bad:  # before the rest: a NaN gradient is neither zero nor a signal
        loss = case.forward[1].item()
        return Check("grads_reach", "fail", f"NaN or Inf in the gradients of {', '.join(bad)}, although the "
                     f"loss ({loss:.4g}) is finite", _NONFINITE)
    if not missing and not zero:
        message = f"all {len(grads)} trainable parameter tensors get a non-zero gradient"
        return _with_frozen(case, Check("grads_reach", "pass", message))
    found = [f"no gradient (grad is None: not used by the loss) for {', '.join(missing)}"] if missing else []
    found += [f"an all-zero gradient for {', '.join(zero)}"] if zero else []
    return _with_frozen(case, fail("grads_reach", "; ".join(found)))


_NONFINITE = ("The forward pass is finite but its derivative is not: look for sqrt, log, pow or division "
              "at 0 or below, including inside torch.where, whose unselected branch still sends its "
              "NaN/Inf derivative back (0 * NaN = NaN). Clamp the input of the risky branch "
              "(torch.sqrt(h.clamp_min(1e-12))) rather than only selecting around it.")
_FROZEN = ("If they are frozen on purpose (fine-tuning), that is fine: say so by freezing with "
           "module.requires_grad_(False) in one visible place and pass only trainable parameters to the "
           "optimizer (p for p in model.parameters() if p.requires_grad). If not, unfreeze them with "
           "requires_grad_(True).")


_NO_OP = ("Module.requires_grad is not a switch: setting it only adds an attribute, and every "
          "parameter inside still trains. To freeze the module, call module.requires_grad_(False) (the "
          "method, with the underscore), or set p.requires_grad = False on each of its parameters.")


def _with_frozen(case, check: Check) -> Check:
    """``check`` with a caution naming frozen tensors (requires_grad=False) and modules whose
    ``requires_grad = False`` attribute freezes nothing."""
    template = case.template
    frozen = [n for n, p in template.named_parameters() if not p.requires_grad]
    no_op = [n or "model" for n, m in template.named_modules() if "requires_grad" in vars(m)]
    found = [f"{len(frozen)} of {len(list(template.parameters()))} parameter tensors are frozen "
             f"(requires_grad=False) and get no gradient: {', '.join(frozen)}"] if frozen else []
    found += [f"`.requires_grad = ...` set on the module(s) {', '.join(no_op)} is a plain attribute and "
              "freezes nothing (use .requires_grad_(False))"] if no_op else []
    if not found:
        return check
    advice = "; ".join(a for a in (check.advice, _FROZEN if frozen else _NO_OP) if a)
    status = "caution" if check.status == "pass" else check.status
    return Check(check.name, status, f"{check.message}; {'; '.join(found)}", advice)


def params_change(case) -> Check:
    """Every parameter changes after one step; if not, whether it lacked a gradient."""
    grads = case.grads
    model = case.fresh()
    optimizer = case.optimizer(model)
    before = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    case.step(model, optimizer, case.X, case.y)
    named = dict(model.named_parameters())
    broken = [n for n in before if not torch.isfinite(named[n]).all()]
    if broken:  # NaN is not "changed"
        return Check("params_change", "fail", f"after one step NaN or Inf in {', '.join(broken)}",
                     _NONFINITE)
    unchanged = [n for n in before if torch.equal(named[n].detach(), before[n])]
    if not unchanged:
        passed = Check("params_change", "pass", f"all {len(before)} parameter tensors changed after one step")
        if eval_mode := _trains_in_eval_mode(case):
            return Check("params_change", "caution", f"{passed.message}; but {eval_mode}",
                         "Call model.train() before each training epoch (after every validation pass), "
                         "in step_fn or in the loop that calls it; model.eval() only around evaluation.")
        return passed
    no_grad = [n for n in unchanged if grads.get(n) is None or not torch.nan_to_num(grads[n]).any()]
    skipped = [n for n in unchanged if n not in no_grad]
    found = ([f"not updated although they have a gradient (not in the optimizer?): {', '.join(skipped)}"]
             if skipped else []) + ([f"without a gradient: {', '.join(no_grad)}"] if no_grad else [])
    return fail("params_change", f"{len(unchanged)} of {len(before)} parameter tensors did not change after "
                f"one step; {'; '.join(found)}")


_MODE_DEPENDENT = (nn.modules.dropout._DropoutNd, nn.modules.batchnorm._BatchNorm)


def _trains_in_eval_mode(case) -> str:
    """What happens to a model handed in eval mode whose dropout/batch norm then trains in it, or ""."""
    layers = [n for n, m in case.template.named_modules()
              if isinstance(m, _MODE_DEPENDENT) and not m.training]
    if not layers:
        return ""
    effect = f"in eval mode ({', '.join(layers)}: batch-norm statistics frozen, dropout off)"
    if case.step_fn is None:
        return (f"the model was handed in eval mode; the doctor checks it in train mode, but a loop that "
                f"never calls model.train() trains it {effect}")
    model = copy.deepcopy(case.template)  # in the caller's mode, as the caller's loop would get it
    case.step(model, case.optimizer(model), case.X, case.y)
    if all(m.training for m in model.modules() if isinstance(m, _MODE_DEPENDENT)):
        return ""  # step_fn calls model.train() itself
    return f"the model was handed in eval mode and step_fn never calls model.train(): it trains {effect}"


def grads_reset(case) -> Check:
    """The caller's step_fn clears gradients: .grad after two steps is fresh, not summed."""
    if case.step_fn is None:
        return Check("grads_reset", "skip", "the doctor's own step clears gradients; pass step_fn= for yours")
    model = case.fresh()
    optimizer = case.optimizer(model)
    case.step(model, optimizer, case.X, case.y)
    first = _grads_of(model)
    probe = copy.deepcopy(model)  # the gradient a fresh backward pass gives at the new weights
    probe.zero_grad(set_to_none=True)
    devices = [case.X.device] if case.X.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):  # the probe's dropout masks are drawn again by the step
        case.loss_fn(probe(case.X), case.y).backward()
    fresh = _grads_of(probe)
    case.step(model, optimizer, case.X, case.y)
    second = _grads_of(model)
    names = [n for n in second if second[n] is not None and fresh.get(n) is not None]
    if not names or all(not second[n].any() for n in names):
        return Check("grads_reset", "pass", "step_fn leaves the gradients cleared after each step")
    g2, new = (torch.cat([d[n].reshape(-1) for n in names]) for d in (second, fresh))
    old = torch.cat([(first[n] if first.get(n) is not None else torch.zeros_like(second[n])).reshape(-1)
                     for n in names])
    off_fresh = ((g2 - new).norm() / new.norm().clamp_min(1e-30)).item()
    off_sum = ((g2 - new - old).norm() / (new + old).norm().clamp_min(1e-30)).item()
    if off_sum < 1e-3 < off_fresh:
        return fail("grads_reset", "after the second step .grad is the sum of both steps' gradients (off by "
                    f"{off_sum:.1e}; a fresh gradient is off by {off_fresh:.1e}): gradients accumulate, "
                    "optimizer.zero_grad() is missing")
    if off_fresh < 1e-3:
        return Check("grads_reset", "pass", "each step starts from fresh gradients")
    return Check("grads_reset", "skip", f".grad after a step matches neither a fresh gradient "
                 f"({off_fresh:.1e}) nor an accumulated one ({off_sum:.1e}): step_fn may use another loss "
                 "or batch")


def _grads_of(model) -> dict[str, torch.Tensor | None]:
    return {n: None if p.grad is None else p.grad.detach().clone() for n, p in model.named_parameters()}


# ---------------------------------------------------------------- learning at all

def overfit_batch(case) -> Check:
    """Training on the first batch_size samples drives their error to about 0.

    Dropout modules are turned off in the doctor's copy: dropout exists to stop a network
    from memorising, which is what this check asks of it ("get a model large enough that it
    can overfit... then regularize", Karpathy, "A Recipe for Training Neural Networks").
    Weight decay is kept, and named when it is what stops the fit.
    """
    model = case.fresh()
    dropped = _dropout_off(model)
    optimizer = case.optimizer(model)
    X, y = case.X[:case.batch_size], case.y[:case.batch_size]
    before = _batch_error(model, X, y, case)
    start = _weight_norm(model)
    losses = []
    for _ in range(case.steps):
        loss = case.step(model, optimizer, X, y)
        if loss is None:
            raise TypeError("step_fn must return the loss (a tensor or a number), got None")
        losses.append(float(loss.detach() if isinstance(loss, torch.Tensor) else loss))
        if not math.isfinite(losses[-1]):
            break
    after, what = _batch_error(model, X, y, case, with_name=True)
    trace = f"{len(X)} samples, {len(losses)} steps: {what} {before:.3g} -> {after:.3g}, " \
            f"loss {losses[0]:.4g} -> {losses[-1]:.4g}{dropped}"
    if not math.isfinite(losses[-1]) or not math.isfinite(after):
        nonfinite = [n for n, g in case.grads.items() if g is not None and not torch.isfinite(g).all()]
        if nonfinite:  # the very first gradient was NaN/Inf: not a learning-rate problem
            return Check("overfit_batch", "fail", f"training broke at once: the first gradients of "
                         f"{', '.join(nonfinite)} are NaN or Inf ({trace})", _NONFINITE)
        return Check("overfit_batch", "fail", f"training diverged ({trace})", f"Diverged: {_GOES_UP}.")
    broken = [n for n, p in model.named_parameters() if not torch.isfinite(p).all()]
    if broken:  # NaN weights behind a finite loss (a unit that zeroes them): no learning-rate issue
        return Check("overfit_batch", "fail", f"NaN or Inf in {', '.join(broken)} after training, although "
                     f"the loss stayed finite ({trace})", _NONFINITE)
    if case.target.kind == "custom":
        if verdict := _custom_loss_verdict(after, losses, trace):
            return verdict
    elif after <= 0.05:
        return Check("overfit_batch", "pass", trace)
    train_mode = _train_mode_error(model, X, y, case)
    if train_mode <= 0.05:
        return Check("overfit_batch", "fail", f"fit in train mode ({what} {train_mode:.3g}) but not in eval "
                     f"mode ({trace})", _MODES)
    shrunk = _decayed(model, optimizer, start)
    if shrunk:
        return Check("overfit_batch", "fail", f"the weights shrank instead of fitting ({shrunk}; {trace})",
                     "Weight decay this strong pulls the weights to 0 faster than the data can move them: "
                     "typical values are 1e-5 to 1e-2 (AdamW: up to about 0.1). Check the weight decay "
                     "with it off first, then add it back.")
    with evaluating(model), torch.no_grad():
        out = model(X)
    if case.kind in ("bce_logits", "cross_entropy") and out.min() >= 0 and out.max() <= 1:
        return Check("overfit_batch", "fail", f"the outputs stayed in [0, 1] through training ({trace})",
                     "Outputs that never leave [0, 1] are probabilities, not logits: remove the final "
                     "sigmoid/softmax (the loss applies it itself).")
    scale = _target_scale(case)
    if after > before + 0.02:
        return Check("overfit_batch", "fail", f"the error went up ({trace})", scale or f"If the {_GOES_UP}.")
    return Check("overfit_batch", "fail", f"the error did not reach 0 ({trace})",
                 scale or f"If the {_PLATEAUS}.")


def _custom_loss_verdict(after: float, losses: list[float], trace: str) -> Check | None:
    """overfit_batch for a loss the doctor does not know: its error measure is a guess, the loss is not.

    The loss falling by 95% or more passes. The guessed measure reaching 0 passes only if the
    loss fell by half too (a loss with a floor above 0, such as smoothed labels); if the loss
    stayed near where it started, the outputs cannot reach what the loss wants (probabilities
    fed to a loss that applies its own sigmoid), whatever the guess says. None: no verdict here.
    """
    fall = 1 - losses[-1] / losses[0] if losses[0] > 0 else 0.0
    said = f"the loss fell by {fall:.0%} ({trace}; the doctor does not know this loss, see the note)"
    if fall >= 0.95 or (after <= 0.05 and fall >= 0.5):
        return Check("overfit_batch", "pass", said)
    if after <= 0.05:
        return Check("overfit_batch", "fail", said,
                     "The guessed error reached 0 but the loss hardly moved: the loss has a floor the "
                     "outputs cannot get under. Probabilities fed to a loss that applies its own sigmoid "
                     "or softmax (a final Sigmoid before binary_cross_entropy_with_logits) do this; pass "
                     "task= if the guess is wrong.")
    return None


def _dropout_off(model) -> str:
    """Set every dropout module's p to 0; say how many there were ("" if none)."""
    layers = [m for m in model.modules() if isinstance(m, nn.modules.dropout._DropoutNd) and m.p > 0]
    for layer in layers:
        layer.p = 0.0
    return f" (dropout off in {len(layers)} layer{'s' * (len(layers) > 1)})" if layers else ""


_MODES = ("The model fits the batch in train mode but not in eval mode, so the two modes compute different "
          "functions: batch norm's running statistics do not match the batches (momentum 0 or None, "
          "track_running_stats off, batches of very different statistics), or a layer of your own behaves "
          "differently in training (the check turns dropout modules off). A training loss near 0 with a "
          "high eval-mode error points there, not at the learning rate.")


def _train_mode_error(model, X, y, case) -> float:
    """The batch's error with the model in train mode (batch statistics, dropout on), on a copy."""
    probe = copy.deepcopy(model).train()  # a train-mode pass would move the running statistics
    with torch.no_grad():
        out = probe(X)
    return error_rate(case.target, case.loss_fn, out, y)[0]


def _weight_norm(model) -> float:
    """The L2 norm of the weight matrices and kernels (biases and norm layers' 1-D tensors left out)."""
    return math.sqrt(sum(float(p.detach().double().pow(2).sum()) for p in model.parameters() if p.dim() > 1))


def _decayed(model, optimizer, start: float) -> str:
    """How weight decay shrank the weights during overfit_batch ("" if it did not)."""
    decay = max((group.get("weight_decay", 0.0) or 0.0 for group in getattr(optimizer, "param_groups", [])),
                default=0.0)
    end = _weight_norm(model)
    if decay <= 0 or start == 0 or end > 0.5 * start:
        return ""
    return f"weight_decay={decay:g}, weight norm {start:.3g} -> {end:.3g}"


def _target_scale(case) -> str | None:
    """Advice naming the targets' scale when regression targets sit far from mean 0 and std 1, else None.

    A network starts with outputs near 0 and of order 1: targets around 2000 +- 350 make it
    spend its first thousands of steps learning an offset and a scale, with gradients 1e3
    times larger than usual, so a plateau or a divergence says nothing about the learning
    rate until the targets are standardized (the Cross Validated answer, section 2: scaling).
    """
    if case.task != "regression" or len(case.y) < 2 or not torch.isfinite(case.y).all():
        return None
    y = case.y.double()
    mean, std = y.mean().item(), y.std().item()
    if std <= 10 and not (abs(mean) > 10 and abs(mean) > 3 * std) and std >= 0.01:
        return None
    return (f"The targets are on a scale of their own (mean {mean:.4g}, std {std:.4g}), while a network's "
            "outputs start near 0 with a scale of about 1: standardize y with the training set's mean and "
            "std (and undo it on predictions), or set the output layer's bias to mean(y), before you blame "
            "the learning rate.")


def _batch_error(model, X, y, case, with_name=False):
    """The error measure the loss and targets call for (targets.error_rate), in eval mode."""
    with evaluating(model):
        out = model(X)
    error, what = error_rate(case.target, case.loss_fn, out.detach(), y)
    return (error, what) if with_name else error


def labels_signal(case) -> Check:
    """A sample's nearest neighbour predicts its label better than chance."""
    n = min(len(case.X), 512)
    if n < 20:
        return Check("labels_signal", "skip", f"needs at least 20 samples, got {n}")
    X = case.X[:n].reshape(n, -1).double()
    y = case.y[:n].reshape(n, -1).double()
    if not (torch.isfinite(X).all() and torch.isfinite(y).all()):
        return Check("labels_signal", "skip", "NaN or Inf in the data (see finite)")
    X = (X - X.mean(0)) / X.std(0).clamp_min(1e-12)
    distances = torch.cdist(X, X).fill_diagonal_(math.inf)
    neighbour = distances.argmin(1)
    labels = class_labels(case.target, case.loss_fn, case.y[:n]) if case.task == "classification" else None
    if labels is not None:
        labels, keep = labels
        if not keep.all():  # rows with ignore_index carry no label
            labels, n = labels[keep], int(keep.sum())
            neighbour = torch.cdist(X[keep], X[keep]).fill_diagonal_(math.inf).argmin(1)
        score = (labels[neighbour] == labels).double().mean().item()
        chance = (torch.bincount(labels).double() / n).pow(2).sum().item()
        bar = chance + 3 * math.sqrt(chance * (1 - chance) / n)
        found = f"a sample's nearest neighbour has its label {score:.0%} of the time (chance {chance:.0%})"
    else:
        pairs = [np.corrcoef(y[:, j].cpu(), y[neighbour, j].cpu())[0, 1] for j in range(y.shape[1])]
        score, bar = float(np.nan_to_num(np.mean(pairs))), 3 / math.sqrt(n)
        found = f"correlation of a sample's target with its nearest neighbour's: {score:.2f}"
    if score > bar:
        return Check("labels_signal", "pass", found)
    bar_text = f"{bar:.0%}" if labels is not None else f"{bar:.2f}"
    return fail("labels_signal", f"{found}, not clearly above chance (with {n} samples that takes more "
                f"than {bar_text}): the labels look unrelated to the inputs")


def preprocess(case) -> Check:
    """The caller's preprocess transforms a row the same way as training and as test data."""
    if case.preprocess is None:
        return Check("preprocess", "skip", "pass preprocess=fn(X_train, X_test) -> (X_train', X_test')")
    X = case.X.detach().cpu().numpy()
    k = max(1, len(X) // 2)
    result = case.preprocess(X, X[:k].copy())  # the "test set" is the first half of the "training set"
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return fail("preprocess", f"preprocess must return (X_train', X_test'), got {type(result).__name__}")
    train, test = (np.asarray(to_numpy("preprocess output", r), dtype=np.float64) for r in result)
    if train.shape[0] != len(X) or test.shape[0] != k:
        return fail("preprocess", f"preprocess changed the number of rows: {len(X)} and {k} in, "
                    f"{train.shape[0]} and {test.shape[0]} out")
    if train[:k].shape == test.shape and np.allclose(train[:k], test, rtol=1e-5, atol=1e-8):
        return Check("preprocess", "pass", "a row comes out the same in the training and the test set")
    gap = np.abs(train[:k] - test).max() if train[:k].shape == test.shape else math.inf
    return fail("preprocess", f"the same {k} rows come out different (by up to {gap:.3g}) as test "
                "rows than as training rows: the test set is not transformed with the training set's "
                "statistics")
