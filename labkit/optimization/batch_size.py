"""Batch size and noise: loss curves per batch size, the gradient's noise, and the rate each size takes.

Three measurements, each a pure function returning a result object (drawing is in
:mod:`labkit.viz.batch_size`):

- :func:`batch_size_curves` trains one network per batch size, from the same initial
  weights, for a budget of epochs or of update steps, and records the loss on the whole
  training set along the way. Per epoch small batches make more progress (more updates);
  per step large batches do (each update is less noisy).
- :func:`gradient_noise` measures, at the model's current weights, how far mini-batch
  gradients g_B stray from the full-batch gradient g: E||g_B - g||^2 falls as 1/B (times
  (1 - B/N), as batches are drawn without replacement), and cos(g_B, g) rises to 1.
- :func:`rate_vs_batch_size` trains rates x seeds as one batched computation per batch
  size and finds the best and the largest stable rate, against Goyal et al. (2017)'s
  linear scaling rule (multiply the batch by k, multiply the rate by k).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch
import torch.nn.functional as F

from labkit.arguments import check_choice, check_float, check_int, check_random_state, to_numpy
from labkit.batched import BatchedMLP, fit_batched, predict_batched
from labkit.models import MLP
from labkit.train import fit

__all__ = ["BATCH_SIZES", "BatchSizeCurves", "batch_size_curves", "GradientNoise", "gradient_noise",
           "RateBatchSize", "rate_vs_batch_size"]

BATCH_SIZES = (1, 4, 16, 64, None)  # None: the full batch


# ---------------------------------------------------------------- checks and pieces

def _data(data) -> tuple[torch.Tensor, torch.Tensor]:
    """(X, y) as float tensors (N, d) and (N, 1): regression, as every run here."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"data must be an (X, y) pair, got {type(data).__name__}")
    X, y = (np.asarray(to_numpy(name, v), dtype=np.float64) for name, v in zip("Xy", data, strict=True))
    X, y = X.reshape(len(X), -1), y.reshape(len(y), -1)
    if len(X) != len(y) or len(X) < 2:
        raise ValueError(f"data must hold at least 2 samples with one y per X, got {len(X)} X and {len(y)} y")
    return torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)


def _batch_sizes(batch_sizes, n: int) -> tuple[int, ...]:
    """Sorted distinct ints from 1 to n (None means n, the full batch); the default drops sizes over n."""
    if batch_sizes is BATCH_SIZES:
        batch_sizes = [b for b in BATCH_SIZES if b is None or b < n]
    if isinstance(batch_sizes, (str, bytes)) or not hasattr(batch_sizes, "__iter__"):
        raise TypeError(f"batch_sizes must be a list of batch sizes (None: full batch), got {batch_sizes!r}")
    sizes = [n if b is None else check_int(f"batch_sizes[{i}]", b, min_value=1, max_value=n)
             for i, b in enumerate(batch_sizes)]
    if not sizes:
        raise ValueError("batch_sizes must hold at least one batch size, got none")
    return tuple(sorted(set(sizes)))


def _mlp(X, y, width, depth, seed) -> MLP:
    """An MLP drawn from its own seed, leaving torch's global generator as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return MLP(X.shape[1], y.shape[1], width=width, depth=depth)


# ---------------------------------------------------------------- loss curves per batch size

@dataclasses.dataclass(frozen=True, eq=False)
class BatchSizeCurves:
    """Loss on the whole training set against update steps, one curve per batch size.

    ``steps[i]`` (int array) are the update steps after which ``loss[i]`` was measured (0:
    before training); ``epochs_at(i)`` gives them in epochs. ``budget`` is "epochs" or
    "steps" and ``amount`` how many of them each run had.
    """

    budget: str
    amount: int
    batch_sizes: tuple[int, ...]
    n_samples: int
    steps: tuple[np.ndarray, ...]
    loss: tuple[np.ndarray, ...]
    lr: float
    optimizer: str

    def steps_per_epoch(self, i: int) -> int:
        return math.ceil(self.n_samples / self.batch_sizes[i])

    def epochs_at(self, i: int) -> np.ndarray:
        return self.steps[i] / self.steps_per_epoch(i)

    def __repr__(self) -> str:
        lines = [f"BatchSizeCurves({self.amount} {self.budget} each, {self.optimizer} lr={self.lr:g}, "
                 f"N={self.n_samples})", "  batch size   steps   epochs   final loss"]
        for i, b in enumerate(self.batch_sizes):
            lines.append(f"  {b:>10}  {self.steps[i][-1]:>6}  {self.epochs_at(i)[-1]:>7.3g}   "
                         f"{self.loss[i][-1]:.4g}")
        return "\n".join(lines)


def batch_size_curves(data, *, batch_sizes=BATCH_SIZES, epochs=None, steps=None, lr=0.05, optimizer="sgd",
                      width=32, depth=2, points=40, random_state=0) -> BatchSizeCurves:
    """Train one MLP per batch size, from the same weights, for ``epochs`` or for ``steps`` updates.

    Give exactly one of ``epochs`` (each run sees the data that many times: a batch of B makes
    ceil(N/B) updates an epoch) or ``steps`` (each run makes that many updates). The loss (MSE)
    on the whole training set is measured about ``points`` times per run, at the same steps
    whatever the batch size. Raises ValueError/TypeError naming a bad argument.
    """
    X, y = _data(data)
    sizes = _batch_sizes(batch_sizes, len(X))
    if (epochs is None) == (steps is None):
        raise ValueError(f"give exactly one of epochs and steps, got epochs={epochs!r}, steps={steps!r}")
    budget, amount = ("epochs", epochs) if steps is None else ("steps", steps)
    amount = check_int(budget, amount, min_value=1)
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    optimizer = check_choice("optimizer", optimizer, ("sgd", "momentum", "adam"))
    points = check_int("points", points, min_value=2)
    seed = int(check_random_state("random_state", random_state).integers(2**31))
    curves = [_curve(X, y, b, budget, amount, lr, optimizer, width, depth, points, seed) for b in sizes]
    steps, losses = (tuple(column) for column in zip(*curves, strict=True))
    return BatchSizeCurves(budget, amount, sizes, len(X), steps, losses, lr, optimizer)


def _curve(X, y, batch_size, budget, amount, lr, optimizer, width, depth, points, seed):
    """One run: (steps, loss) at ~``points`` checkpoints, the loss on all of (X, y)."""
    per_epoch = math.ceil(len(X) / batch_size)
    total = amount * per_epoch if budget == "epochs" else amount
    checkpoints = np.unique(np.round(np.linspace(0, total, points + 1)).astype(int))
    model = _mlp(X, y, width, depth, seed)
    measured = []

    def full_loss() -> float:
        with torch.no_grad():
            return F.mse_loss(model(X), y).item()

    def on_step(step, loss, model_, optimizer_):
        if step + 1 in wanted:
            measured.append((step + 1, full_loss()))
        return step + 1 >= total  # stop after exactly `total` updates

    wanted = set(checkpoints[1:].tolist())
    measured.append((0, full_loss()))
    fit(model, (X, y), epochs=math.ceil(total / per_epoch), batch_size=batch_size, optimizer=optimizer,
        lr=lr, on_step=on_step, random_state=seed)
    done = np.array(measured)
    return done[:, 0].astype(int), done[:, 1]


# ---------------------------------------------------------------- gradient noise

@dataclasses.dataclass(frozen=True, eq=False)
class GradientNoise:
    """How mini-batch gradients g_B scatter around the full-batch gradient g, per batch size B.

    ``mean_sq_error[i]`` is E||g_B - g||^2 over ``n_batches`` batches of ``batch_sizes[i]``
    drawn without replacement; ``cosine[i]`` the mean cos(g_B, g). ``variance`` is S^2, the
    per-example gradients' variance (sum over parameters, divided by N - 1): in theory
    E||g_B - g||^2 = S^2 / B * (1 - B / N) (:meth:`expected`). ``slope`` is the fitted
    log-log slope over B <= N / 8 (about -1).
    """

    batch_sizes: np.ndarray
    mean_sq_error: np.ndarray
    cosine: np.ndarray
    variance: float
    grad_norm: float
    n_samples: int
    n_batches: int

    def expected(self, batch_sizes=None) -> np.ndarray:
        b = self.batch_sizes if batch_sizes is None else np.asarray(batch_sizes, dtype=float)
        return self.variance / b * (1 - b / self.n_samples)

    @property
    def slope(self) -> float:
        small = self.batch_sizes <= max(self.n_samples / 8, self.batch_sizes[1])
        return float(np.polyfit(np.log(self.batch_sizes[small]), np.log(self.mean_sq_error[small]), 1)[0])

    def __repr__(self) -> str:
        lines = [f"GradientNoise(N={self.n_samples}, {self.n_batches} batches per size, ||g||^2 = "
                 f"{self.grad_norm ** 2:.3g}, S^2 = {self.variance:.3g}, slope {self.slope:.2f})",
                 "  batch size   E||g_B - g||^2   S^2/B (1-B/N)   cos(g_B, g)"]
        columns = (self.batch_sizes, self.mean_sq_error, self.expected(), self.cosine)
        for b, e, x, c in zip(*columns, strict=True):
            lines.append(f"  {b:>10}   {e:>14.4g}   {x:>13.4g}   {c:>11.3f}")
        return "\n".join(lines)


def _per_example_gradients(model, X, y) -> torch.Tensor:
    """(N, P): each sample's gradient of its own MSE, all parameters flattened (torch.func)."""
    params = {k: v.detach() for k, v in model.named_parameters() if v.requires_grad}

    def loss(p, xi, yi):
        return F.mse_loss(torch.func.functional_call(model, p, (xi[None],)), yi[None])

    grads = torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0, 0))(params, X, y)
    return torch.cat([g.reshape(len(X), -1) for g in grads.values()], dim=1)


def gradient_noise(model, data, *, batch_sizes=None, n_batches=200, random_state=0) -> GradientNoise:
    """Measure mini-batch gradient noise at ``model``'s current weights (which are left untouched).

    ``batch_sizes`` default to 1, 2, 4, ... up to N/2. A batch's gradient is the mean of its
    samples' gradients (exact for a model without batch norm), so each sample's gradient is
    computed once and every batch is a cheap average: ``n_batches`` batches per size.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    X, y = _data(data)
    n = len(X)
    sizes = _batch_sizes([2**k for k in range(int(math.log2(n)))] if batch_sizes is None else batch_sizes, n)
    n_batches = check_int("n_batches", n_batches, min_value=2)
    rng = check_random_state("random_state", random_state)
    G = _per_example_gradients(model, X, y).double()  # (N, P)
    g = G.mean(0)
    variance = float(((G - g) ** 2).sum() / (n - 1))
    errors, cosines = [], []
    for b in sizes:
        chosen = np.argsort(rng.random((n_batches, n)), axis=1)[:, :b]  # without replacement
        mix = torch.zeros(n_batches, n, dtype=G.dtype)
        mix.scatter_(1, torch.as_tensor(chosen), 1.0 / b)
        g_b = mix @ G  # (n_batches, P): each batch's mean gradient
        errors.append(float(((g_b - g) ** 2).sum(1).mean()))
        cosines.append(float(F.cosine_similarity(g_b, g[None], dim=1).mean()))
    return GradientNoise(np.array(sizes, dtype=float), np.array(errors), np.array(cosines), variance,
                         float(g.norm()), n, n_batches)


# ---------------------------------------------------------------- the rate each batch size takes

@dataclasses.dataclass(frozen=True, eq=False)
class RateBatchSize:
    """Final training loss (MSE, all of the data) per batch size x rate x seed, after ``epochs`` epochs.

    ``loss`` has shape (len(batch_sizes), len(rates), seeds); a diverged run is inf.
    ``best_rate[i]`` minimises the median over seeds; ``largest_stable[i]`` is the largest
    rate whose every seed ends below the loss at the start. ``linear_rule`` is Goyal et
    al.'s prediction from the smallest batch: best_rate[0] * B / batch_sizes[0].
    """

    batch_sizes: np.ndarray
    rates: np.ndarray
    loss: np.ndarray
    initial_loss: float
    epochs: int
    optimizer: str

    @property
    def median(self) -> np.ndarray:
        return np.median(self.loss, axis=2)

    @property
    def best_rate(self) -> np.ndarray:
        return self.rates[np.argmin(np.where(np.isfinite(self.median), self.median, np.inf), axis=1)]

    @property
    def largest_stable(self) -> np.ndarray:
        stable = (self.loss < self.initial_loss).all(axis=2)  # (sizes, rates)
        return np.array([self.rates[row].max() if row.any() else np.nan for row in stable])

    @property
    def linear_rule(self) -> np.ndarray:
        return self.best_rate[0] * self.batch_sizes / self.batch_sizes[0]

    def breaks_at(self) -> float | None:
        """The first batch size whose best rate is under half the linear rule's (None: it holds)."""
        broken = np.flatnonzero(self.best_rate < 0.5 * self.linear_rule)
        return None if not len(broken) else float(self.batch_sizes[broken[0]])

    def __repr__(self) -> str:
        at = self.breaks_at()
        lines = [f"RateBatchSize({len(self.rates)} rates x {self.loss.shape[2]} seeds, {self.optimizer}, "
                 f"{self.epochs} epochs; linear rule " + ("holds throughout)" if at is None else
                                                          f"breaks at B = {at:g})"),
                 "  batch size   best rate   linear rule   largest stable   best loss"]
        for i, b in enumerate(self.batch_sizes):
            lines.append(f"  {b:>10g}   {self.best_rate[i]:>9.3g}   {self.linear_rule[i]:>11.3g}   "
                         f"{self.largest_stable[i]:>14.3g}   {np.nanmin(self.median[i]):>9.4g}")
        return "\n".join(lines)


def rate_vs_batch_size(data, *, batch_sizes=BATCH_SIZES, rates=None, epochs=10, seeds=3,
                       optimizer="sgd", width=32, depth=2, random_state=0) -> RateBatchSize:
    """For each batch size, train every rate x seed as one batched computation for ``epochs`` epochs.

    ``rates`` default to 15 rates from 1e-3 to 3 (log-spaced). Seed s starts from the same
    weights at every rate and batch size. A fixed budget of epochs (of samples seen) is the
    setting of Goyal et al. (2017), "Accurate, Large Minibatch SGD", whose linear scaling
    rule this measures.
    """
    X, y = _data(data)
    sizes = _batch_sizes(batch_sizes, len(X))
    if rates is None:
        rates = np.logspace(-3, math.log10(3), 15)
    elif isinstance(rates, (str, bytes)) or not hasattr(rates, "__len__") or not len(rates):
        raise TypeError(f"rates must be None or a non-empty list of learning rates, got {rates!r:.60}")
    rates = np.array([check_float(f"rates[{i}]", r, min_value=0.0, strict_min=True)
                      for i, r in enumerate(np.asarray(rates, dtype=object).tolist())])
    epochs = check_int("epochs", epochs, min_value=1)
    seeds = check_int("seeds", seeds, min_value=1)
    optimizer = check_choice("optimizer", optimizer, ("sgd", "adam"))
    rng = check_random_state("random_state", random_state)
    starts = [_mlp(X, y, width, depth, int(s)) for s in rng.integers(2**31, size=seeds)]
    initial = float(np.median([F.mse_loss(m(X), y).item() for m in starts]))
    loss = np.empty((len(sizes), len(rates), seeds))
    for i, b in enumerate(sizes):
        model = BatchedMLP.from_models([m for _ in rates for m in starts])  # row k: rate k // seeds
        history = fit_batched(model, (X, y), epochs=epochs, lr=np.repeat(rates, seeds).tolist(),
                              optimizer=optimizer, batch_size=b, random_state=int(rng.integers(2**31)))
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged model's outputs overflow
            final = ((predict_batched(model, X).astype(float) - y.numpy()[None]) ** 2).mean(axis=(1, 2))
        final[(history.diverged_at >= 0) | ~np.isfinite(final)] = np.inf
        loss[i] = final.reshape(len(rates), seeds)
    return RateBatchSize(np.array(sizes, dtype=float), rates, loss, initial, epochs, optimizer)
