"""Train K small MLPs at once, as one vectorized computation.

Why: a sweep over seeds, data resamples, learning rates or L2 strengths trains many
tiny models, and a tiny model's step costs mostly per-operation overhead. Stacking
the K models' weights into (K, fan_in, fan_out) tensors turns K small matrix
products into one batched product (``torch.baddbmm``), so the overhead is paid once.

Every model still trains on its own: batched products never mix models, and the
loss is the sum of each model's mean loss, so each model's gradient is exactly the
gradient of its own separate run. Regression (mean squared error) only.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from labkit.arguments import as_2d_float, check_choice, check_float, check_int, check_random_state, to_numpy
from labkit.batched_optim import BATCHED_OPTIMIZERS, BatchedOptimizer
from labkit.models import ACTIVATIONS, MLP
from labkit.optim import UNITS, check_schedule, schedule_factors

__all__ = ["BatchedMLP", "BatchedHistory", "fit_batched", "predict_batched",
           "train_mlps", "mse_per_model"]

_aten = torch.ops.aten
# Training computes gradients by hand (see _backward) with the kernels autograd itself
# calls, in place. Activations whose derivative needs only h = act(z) also run in place.
_FROM_OUTPUT = {  # class: (in-place forward, dz = f(act, dh, h))
    nn.ReLU: (torch.relu_, lambda a, dh, h: _aten.threshold_backward.grad_input(dh, h, 0, grad_input=dh)),
    nn.Tanh: (torch.tanh_, lambda a, dh, h: _aten.tanh_backward.grad_input(dh, h, grad_input=dh)),
    nn.Sigmoid: (torch.sigmoid_, lambda a, dh, h: _aten.sigmoid_backward.grad_input(dh, h, grad_input=dh)),
    nn.Identity: (lambda z: z, lambda a, dh, h: dh),
}
_FROM_INPUT = {  # class: dz = f(act, dh, z); any other activation falls back to autograd
    nn.ELU: lambda a, dh, z: _aten.elu_backward.grad_input(dh, a.alpha, 1, 1, False, z, grad_input=dh),
    nn.SiLU: lambda a, dh, z: _aten.silu_backward.grad_input(dh, z, grad_input=dh),
    nn.GELU: lambda a, dh, z: _aten.gelu_backward.grad_input(dh, z, approximate=a.approximate, grad_input=dh),
    nn.LeakyReLU: lambda a, dh, z: _aten.leaky_relu_backward.grad_input(dh, z, a.negative_slope, False,
                                                                         grad_input=dh),
}


class BatchedMLP(nn.Module):
    """K independent MLPs ``in -> width x depth -> out``, as in :class:`labkit.models.MLP`.

    ``weights[i]`` has shape (K, fan_in, fan_out) and ``biases[i]`` (K, 1, fan_out):
    transposed from ``nn.Linear``'s (out, in), so a layer is ``baddbmm(b, h, W)``.
    ``init="default"`` draws each model as ``nn.Linear`` does, from its own generator
    seeded from ``random_state``.
    """

    def __init__(self, n_models, in_features, out_features, *, width=64, depth=2, activation="relu",
                 init="default", random_state=None):
        super().__init__()
        self.n_models = check_int("n_models", n_models, min_value=1)
        self.in_features = check_int("in_features", in_features, min_value=1)
        self.out_features = check_int("out_features", out_features, min_value=1)
        self.width = check_int("width", width, min_value=1)
        self.depth = check_int("depth", depth, min_value=1)
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        check_choice("init", init, ["default"])
        self.act = ACTIVATIONS[activation]()
        sizes = [self.in_features] + [self.width] * self.depth + [self.out_features]
        shapes = list(zip(sizes[:-1], sizes[1:], strict=True))
        self.weights = nn.ParameterList(nn.Parameter(torch.empty(n_models, a, b)) for a, b in shapes)
        self.biases = nn.ParameterList(nn.Parameter(torch.empty(n_models, 1, b)) for a, b in shapes)
        self.reset_parameters(random_state)

    @torch.no_grad()
    def reset_parameters(self, random_state=None):
        """Redraw every model as nn.Linear's default init does, one local generator per model."""
        seeds = check_random_state("random_state", random_state).integers(2**62, size=self.n_models)
        for k, seed in enumerate(seeds):
            generator = torch.Generator().manual_seed(int(seed))
            for W, b in self._layers():
                bound = 1 / math.sqrt(W.shape[1])  # kaiming_uniform(a=sqrt(5)) is U(-1/sqrt(in), 1/sqrt(in))
                W[k] = torch.empty(W.shape[2], W.shape[1]).uniform_(-bound, bound, generator=generator).T
                b[k] = torch.empty(b.shape[1:]).uniform_(-bound, bound, generator=generator)
        return self

    def _layers(self):
        return list(zip(self.weights, self.biases, strict=True))

    def forward(self, x):
        """(K, N, in) per model, or (N, in) shared by all models -> (K, N, out)."""
        h = _check_input(x, self)
        for i, (W, b) in enumerate(self._layers()):
            h = torch.baddbmm(b, h, W)  # (K, N, fan_out)
            h = self.act(h) if i < self.depth else h
        return h

    @classmethod
    def from_models(cls, models):
        """Stack K :class:`labkit.models.MLP` of one architecture (no dropout, batch norm or residual)."""
        if not isinstance(models, (list, tuple)) or not models:
            raise TypeError(f"models must be a non-empty list of labkit.models.MLP, "
                            f"got {type(models).__name__}")
        for k, mlp in enumerate(models):
            if not isinstance(mlp, MLP):
                raise TypeError(f"models[{k}] must be a labkit.models.MLP, got {type(mlp).__name__}")
            extras = [name for name in ("dropout", "batch_norm", "residual") if getattr(mlp, name)]
            if extras:
                raise ValueError(f"models[{k}] uses {', '.join(extras)}; BatchedMLP supports plain MLPs only")
        first = models[0]
        layers = [[*mlp.hidden, mlp.output] for mlp in models]
        shapes = [[tuple(linear.weight.shape) for linear in ls] for ls in layers]
        for k, mlp in enumerate(models):
            if shapes[k] != shapes[0] or mlp.activation != first.activation:
                raise ValueError(f"models must share one architecture: models[{k}] is {mlp!r}, "
                                 f"models[0] {first!r}")
        batched = cls(len(models), first.hidden[0].in_features, first.output.out_features,
                      width=first.output.in_features, depth=len(first.hidden), activation=first.activation)
        batched.to(first.output.weight)  # same device and dtype as the models
        with torch.no_grad():
            for k, linears in enumerate(layers):
                for (W, b), linear in zip(batched._layers(), linears, strict=True):
                    W[k], b[k] = linear.weight.T, linear.bias  # nn.Linear stores (out, in)
        return batched

    def model(self, k):
        """Model ``k`` alone, as a :class:`labkit.models.MLP` (a copy: training it leaves this one)."""
        k = check_int("k", k, min_value=0, max_value=self.n_models - 1)
        W0 = self.weights[0]
        with torch.random.fork_rng(devices=[]):  # MLP's own init would draw from the global generator
            mlp = MLP(self.in_features, self.out_features, width=self.width, depth=self.depth,
                      activation=self.activation).to(W0)
        with torch.no_grad():
            for (W, b), linear in zip(self._layers(), [*mlp.hidden, mlp.output], strict=True):
                linear.weight.copy_(W[k].T)
                linear.bias.copy_(b[k, 0])
        return mlp

    def to_models(self):
        """All K models, each a separate :class:`labkit.models.MLP`."""
        return [self.model(k) for k in range(self.n_models)]

    def extra_repr(self):
        sizes = [self.in_features] + [self.width] * self.depth + [self.out_features]
        return f"n_models={self.n_models}, {'-'.join(map(str, sizes))}, {self.activation}"


# The training engine. It computes what autograd would, but writes into buffers reused
# from step to step (fresh ~1 MB tensors each op cost page faults: about 20% more CPU
# time, measured) and takes a cheaper route where a layer has one input or one output.
# The three (K, n, width) x (K, width, width) products per step are most of what is left.

def _buffers(like):
    """A get(key, shape) that returns the same scratch tensor for the same key and shape."""
    store = {}

    def get(key, shape):
        shape = tuple(shape)
        if (key, shape) not in store:
            store[key, shape] = like.new_empty(shape)
        return store[key, shape]
    return get


def _matmul_into(out, a, b, buffer):
    """out = a @ b, batched; with a size-1 side, broadcasting beats bmm 3-10x (measured)."""
    if a.shape[2] == 1:
        return torch.mul(a, b, out=out)  # an outer product
    if b.shape[2] != 1:
        return torch.bmm(a, b, out=out)
    # matrix times vector: a product then a sum, along a's memory order (3x faster than across it)
    if a.stride(1) == 1:  # a is a transposed view: work on the original, sum over its rows
        product = torch.mul(a.transpose(1, 2), b, out=buffer("matvec", a.transpose(1, 2).shape))
        torch.sum(product, dim=1, keepdim=True, out=out.transpose(1, 2))
    else:
        product = torch.mul(a, b.transpose(1, 2), out=buffer("matvec", a.shape))
        torch.sum(product, dim=2, keepdim=True, out=out)
    return out


def _forward(layers, x, act, buffer):
    """The K MLPs' output (K, n, out), and (z, h) per hidden layer for _backward."""
    saved, h = [], x
    for i, (W, b) in enumerate(layers):
        z = buffer(("z", i), (*x.shape[:2], W.shape[2]))  # (K, n, fan_out)
        if min(W.shape[1:]) > 1:
            torch.baddbmm(b, h, W, out=z)
        else:
            _matmul_into(z, h, W, buffer).add_(b)
        if i == len(layers) - 1:
            return z, saved
        if type(act) in _FROM_OUTPUT:
            h = _FROM_OUTPUT[type(act)][0](z)  # in place: the derivative needs only h
            saved.append((None, h))
        else:
            h = act(z)
            saved.append((z, h))


def _backward(layers, grads, x, saved, d, act, buffer):
    """Write d(loss)/d(W, b) into ``grads``, given d = d(loss)/d(output), (K, n, out)."""
    for i in range(len(layers) - 1, -1, -1):
        inputs = saved[i - 1][1] if i else x  # (K, n, fan_in)
        gW, gb = grads[i]
        gW.copy_(_matmul_into(buffer(("gW", i), gW.shape), inputs.transpose(1, 2), d, buffer))
        torch.sum(d, dim=1, keepdim=True, out=gb)  # (K, 1, fan_out)
        if i == 0:
            return
        z, h = saved[i - 1]
        d = _matmul_into(buffer(("dh", i), h.shape), d, layers[i][0].transpose(1, 2), buffer)
        if type(act) in _FROM_OUTPUT:
            d = _FROM_OUTPUT[type(act)][1](act, d, h)  # d(loss)/dz, in place
        elif type(act) in _FROM_INPUT:
            d = _FROM_INPUT[type(act)](act, d, z)
        else:
            with torch.enable_grad():
                z = z.detach().requires_grad_()
                d = torch.autograd.grad(act(z), z, d)[0]


def _views(flat, layers):
    """(W, b) views shaped like ``layers`` into the columns of a (K, P) tensor."""
    views, start = [], 0
    for W, b in layers:
        pair = []
        for shape in (W.shape[1:], b.shape[1:]):
            pair.append(flat[:, start:start + math.prod(shape)].view(len(flat), *shape))
            start += math.prod(shape)
        views.append(tuple(pair))
    return views


def fit_batched(model, train, val=None, *, epochs=200, lr=1e-3, momentum=0.9, weight_decay=0.0,
                optimizer="adam", schedule=None, schedule_per="epoch", batch_size=None, random_state=None):
    """Train all K models of a BatchedMLP at once on mean squared error; return a BatchedHistory.

    ``train`` and ``val`` are ``(X, y)`` pairs: X is (N, in) shared by all models or
    (K, N, in) one set per model (resamples); y is (N,), (N, out), (K, N) or (K, N, out).
    ``lr``, ``momentum`` and ``weight_decay`` are one number for all models or one per
    model (a sweep). ``optimizer`` is one of "sgd", "momentum", "nesterov", "adam", "adamw"
    with torch.optim's update rules (momentum is used by "momentum" and "nesterov" only,
    as :func:`labkit.train.fit` does). ``schedule`` is None, a name or a function
    t -> factor as :func:`labkit.train.fit` takes, or a list of one per model; it counts
    ``schedule_per`` units ("epoch" or "step"). ``batch_size=None`` trains on the full
    batch; mini-batches follow one shuffled order, the same for every model, drawn as
    :func:`labkit.train.fit` draws it. So model k trains as ``fit`` would train it alone
    with its own hyperparameters (tests/test_batched.py holds this to rtol 1e-4).

    The train loss of an epoch is the mean of its batch losses, each taken just before
    its update; the val loss is taken after the epoch. A model whose loss or gradient
    turns NaN or Inf is frozen and reported in ``diverged_at``; the others train on,
    untouched. Raises ValueError/TypeError naming a bad argument.
    """
    _check_model(model)
    K = model.n_models
    X, y = _check_data("train", train, model)
    X_val, y_val = _check_data("val", val, model) if val is not None else (None, None)
    epochs = check_int("epochs", epochs, min_value=1)
    lrs = _per_model("lr", lr, K, strict_min=True)
    momenta = _per_model("momentum", momentum, K, strict_min=False, max_value=1.0)
    decays = _per_model("weight_decay", weight_decay, K, strict_min=False)
    optimizer = check_choice("optimizer", optimizer, BATCHED_OPTIMIZERS)
    if optimizer in ("momentum", "nesterov") and min(momenta) == 0:
        raise ValueError(f"optimizer={optimizer!r} needs momentum > 0 for every model, got {momentum!r}")
    schedule_per = check_choice("schedule_per", schedule_per, UNITS)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, min_value=1)
    n_batches = 1 if batch_size is None else math.ceil(X.shape[1] / batch_size)
    units = epochs * n_batches if schedule_per == "step" else epochs
    factors = _schedule_table(schedule, K, units)  # (units, K)
    shuffler = torch.Generator().manual_seed(int(check_random_state("random_state", random_state)
                                                 .integers(2**63 - 1)))
    layers = model._layers()
    # All parameters in one (K, P) tensor, so an optimizer step is a few whole-tensor ops.
    theta = torch.cat([p.detach().reshape(K, -1) for pair in layers for p in pair], dim=1)
    grad = torch.zeros_like(theta)
    weights, grads, buffer = _views(theta, layers), _views(grad, layers), _buffers(theta)
    update = BatchedOptimizer(theta, name=optimizer, lr=lrs, momentum=momenta, weight_decay=decays,
                              factors=factors)
    train_log = theta.new_empty(epochs, K)  # stays a tensor: no .item() (a GPU sync) per step
    val_log = theta.new_empty(epochs, K) if val is not None else None
    alive = torch.ones(K, dtype=torch.bool, device=theta.device)
    alive_log = torch.empty(epochs, K, dtype=torch.bool, device=theta.device)
    epoch_lr = np.empty((epochs, K))
    n, step = X.shape[1], 0
    start = time.perf_counter()
    try:
        with torch.no_grad():
            for epoch in range(epochs):
                if batch_size is None or batch_size >= n:
                    batches = [slice(None)]
                else:
                    batches = torch.randperm(n, generator=shuffler).to(theta.device).split(batch_size)
                train_log[epoch] = 0.0
                epoch_lr[epoch] = update.rates(epoch if schedule_per == "epoch" else step).cpu().numpy()
                for rows in batches:
                    xb, yb = X[:, rows], y[:, rows]
                    residual, saved = _forward(weights, xb, model.act, buffer)
                    residual.sub_(yb)  # (K, n_batch, out)
                    loss = residual.square().mean(dim=(1, 2))  # (K,): each model's own mean
                    d = residual.mul_(2 / residual[0].numel())  # d(loss)/d(output)
                    _backward(weights, grads, xb, saved, d, model.act, buffer)
                    alive.logical_and_(loss.isfinite()).logical_and_(grad.sum(dim=1).isfinite())
                    update.step(grad, alive, epoch if schedule_per == "epoch" else step)
                    step += 1
                    train_log[epoch].add_(loss, alpha=xb.shape[1] / n)
                alive_log[epoch] = alive
                if val is not None:
                    val_out = _forward(weights, X_val, model.act, buffer)[0]
                    val_log[epoch] = val_out.sub_(y_val).square().mean(dim=(1, 2))
    finally:  # also after Ctrl+C: the model keeps what it has learned so far
        with torch.no_grad():
            for pair, views in zip(layers, weights, strict=True):
                for p, view in zip(pair, views, strict=True):
                    p.copy_(view)
    dead = ~alive_log.cpu().numpy()
    return BatchedHistory(
        train_loss=train_log.cpu().double().numpy(),
        val_loss=None if val_log is None else val_log.cpu().double().numpy(),
        diverged_at=np.where(dead.any(axis=0), dead.argmax(axis=0), -1),
        seconds=time.perf_counter() - start, lr=np.array(lrs), weight_decay=np.array(decays),
        momentum=np.array(momenta), optimizer=optimizer, epoch_lr=epoch_lr)


def predict_batched(model, X):
    """Every model's predictions at X ((N, in) shared or (K, N, in)), as numpy (K, N, out)."""
    _check_model(model)
    X = _check_input(X, model, "X")
    if X.shape[-2] == 0:
        raise ValueError(f"X has no rows (shape {tuple(X.shape)}); predict needs at least one sample")
    with torch.no_grad():
        return model(X).cpu().numpy()


@dataclass(eq=False)
class BatchedHistory:
    """Per-epoch losses of K models trained together: rows are epochs, columns models."""

    train_loss: np.ndarray  # (epochs, K)
    val_loss: np.ndarray | None  # (epochs, K); None without val data
    diverged_at: np.ndarray  # (K,): first epoch with a NaN/Inf loss or gradient, -1 if none
    seconds: float
    lr: np.ndarray  # (K,): the base rates
    weight_decay: np.ndarray  # (K,)
    momentum: np.ndarray | None = None  # (K,); used by "momentum" and "nesterov"
    optimizer: str = "adam"
    epoch_lr: np.ndarray | None = None  # (epochs, K): the rate at each epoch's first step

    @property
    def final_train_loss(self) -> np.ndarray:
        return self.train_loss[-1]

    @property
    def final_val_loss(self) -> np.ndarray | None:
        return None if self.val_loss is None else self.val_loss[-1]

    def __repr__(self) -> str:
        epochs, K = self.train_loss.shape
        lines = [f"BatchedHistory({K} models x {epochs} epochs, {self.seconds:.2f} s)",
                 f"  final train loss: {_spread(self.final_train_loss)}"]
        if self.val_loss is not None:
            lines.append(f"  final val loss:   {_spread(self.final_val_loss)}")
        dead = np.flatnonzero(self.diverged_at >= 0)
        listed = ", ".join(f"#{k} at epoch {self.diverged_at[k]}" for k in dead[:5])
        more = ", ..." if len(dead) > 5 else ""
        lines.append(f"  diverged: {len(dead)} of {K}" + (f" ({listed}{more})" if len(dead) else ""))
        return "\n".join(lines)


def _spread(values):
    finite = np.where(np.isfinite(values), values, np.nan)
    if np.isnan(finite).all():
        return "no finite value"
    return (f"min {np.nanmin(finite):.4g} (#{np.nanargmin(finite)}), median {np.nanmedian(finite):.4g}, "
            f"max {np.nanmax(finite):.4g} (#{np.nanargmax(finite)})")


def _check_model(model):
    if not isinstance(model, BatchedMLP):
        raise TypeError(f"model must be a BatchedMLP, got {type(model).__name__}")


def _per_model(name, value, n_models, *, strict_min, max_value=None):
    """One number for every model, or a sequence of one per model -> list of K floats."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        value = value.tolist()
    limits = {"min_value": 0.0, "strict_min": strict_min, "max_value": max_value}
    if not isinstance(value, (list, tuple)):
        return [check_float(name, value, **limits)] * n_models
    if len(value) != n_models:
        raise ValueError(f"{name} has {len(value)} values but there are {n_models} models (n_models); "
                         "give one number, or one per model")
    return [check_float(f"{name}[{k}]", v, **limits) for k, v in enumerate(value)]


def _schedule_table(schedule, n_models, units):
    """(units, K) factors of each model's base rate: one schedule for all, or a list of one per model."""
    if isinstance(schedule, (list, tuple)):
        if len(schedule) != n_models:
            raise ValueError(f"schedule has {len(schedule)} entries but there are {n_models} models "
                             "(n_models); give one schedule, or one per model")
        checked = [check_schedule(f"schedule[{k}]", s) for k, s in enumerate(schedule)]
        return np.stack([schedule_factors(s, units) for s in checked], axis=1)
    column = schedule_factors(check_schedule("schedule", schedule), units)
    return np.repeat(column[:, None], n_models, axis=1)


def _stacked(name, value, n_models):
    """(n, d) shared by all models, or (K, n, d) one block per model: finite floats."""
    array = to_numpy(name, value)
    if array.ndim <= 2:
        return as_2d_float(name, array)
    if array.ndim > 3 or len(array) != n_models:
        raise ValueError(f"{name} must be (n, d) shared by all models or (K, n, d) with K = n_models = "
                         f"{n_models}; got shape {array.shape}")
    return np.stack([as_2d_float(f"{name}[{k}]", block) for k, block in enumerate(array)])


def _check_data(name, data, model):
    """Check an (X, y) pair; return tensors (K, n, in) and (K, n, out), shared ones expanded."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{name} must be a pair (X, y), got {type(data).__name__}")
    K = model.n_models
    X = _stacked(f"{name} X", data[0], K)
    if X.shape[-1] != model.in_features:
        raise ValueError(f"{name} X has {X.shape[-1]} feature(s) per row; the models take "
                         f"{model.in_features}")
    n = X.shape[-2]
    y = to_numpy(f"{name} y", data[1])
    if y.shape == (K, n) and model.out_features == 1 and y.shape != (n, 1):
        y = y[..., None]  # (K, n): one target vector per model
    y = _stacked(f"{name} y", y, K)
    if y.shape[-2:] != (n, model.out_features):
        raise ValueError(f"{name} y must have {n} rows (as X has) of {model.out_features} target(s); "
                         f"got shape {y.shape}")
    W = model.weights[0]
    return tuple(torch.as_tensor(a, dtype=W.dtype, device=W.device).expand(K, *a.shape[-2:]) for a in (X, y))


def _check_input(x, model, name="x"):
    """forward's x: a tensor is only shape-checked; anything else is converted and checked."""
    W, K, d = model.weights[0], model.n_models, model.in_features
    x = x if isinstance(x, torch.Tensor) else torch.as_tensor(_stacked(name, x, K))
    x = x.to(device=W.device, dtype=W.dtype)
    if x.dim() not in (2, 3) or x.shape[-1] != d or (x.dim() == 3 and len(x) != K):
        raise ValueError(f"{name} must be (N, {d}) shared or ({K}, N, {d}) per model; "
                         f"got shape {tuple(x.shape)}")
    return x.expand(K, *x.shape[-2:])


# ---------------------------------------------------------------- the demos' shared training
def train_mlps(X, y, *, n_models, width, depth, epochs, lr, random_state, activation="relu",
               weight_decay=0.0):
    """K MLPs trained together (full-batch Adam on MSE); X (n, d) or (K, n, d), y (n,) or (K, n)."""
    d = _stacked("X", X, check_int("n_models", n_models, min_value=1)).shape[-1]
    model = BatchedMLP(n_models, d, 1, width=width, depth=depth, activation=activation,
                        random_state=random_state)
    fit_batched(model, (X, y), epochs=epochs, lr=lr, weight_decay=weight_decay, random_state=random_state)
    return model


def mse_per_model(model, X, y) -> np.ndarray:
    """Each model's MSE on (X, y): shape (K,); y is (n,) shared, (n, 1), or (K, n) one target per model."""
    predictions = predict_batched(model, X)[..., 0]  # (K, n)
    K, n = predictions.shape
    target = to_numpy("y", y)
    if target.shape not in ((n,), (n, 1), (K, n)):
        raise ValueError(f"y must have shape ({n},) or ({K}, {n}) for X's {n} rows and {K} models, "
                         f"got shape {target.shape}")
    if not np.issubdtype(target.dtype, np.number) or not np.isfinite(target).all():
        raise ValueError(f"y must hold finite numbers, got dtype {target.dtype} with NaN, Inf or non-numbers")
    target = target[:, 0] if target.shape == (n, 1) and (K, n) != (n, 1) else target
    return np.mean((predictions - target) ** 2, axis=-1)

