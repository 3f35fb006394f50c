"""Watch a network while it trains: per-layer activations and gradients, in bounded memory.

:class:`Monitor` hooks the layers of a model (forward hooks for activations, tensor hooks
for the gradients flowing back into them) and keeps, per layer, the last ``capacity``
steps of mean, std, fraction of dead units and gradient norm, plus histograms with fixed
bins. All buffers are allocated when a layer is first seen, so memory stays flat however
long the run. Use it as a context manager, or call :meth:`Monitor.close`, to remove the
hooks. The demonstration helpers at the end return per-layer gradient norms at
initialization for deep sigmoid vs ReLU nets, three initializations, and batch
normalization and residual connections. Nothing here draws.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from labkit.arguments import check_bool, check_int, check_interval, check_random_state, to_numpy
from labkit.models import ACTIVATIONS, MLP
from labkit.runtime import seeded

__all__ = [
    "Monitor", "LayerStats", "layer_gradient_norms", "gradient_norms_at_init", "vanishing_gradients",
    "init_comparison", "normalization_comparison",
]

_ACTIVATION_TYPES = tuple(set(ACTIVATIONS.values()) - {nn.Identity})
_FORWARD = ("mean", "std", "dead")
_BACKWARD = ("grad_norm", "grad_std")


class _Ring:
    """The last ``capacity`` rows of a fixed width, in a preallocated array."""

    def __init__(self, capacity: int, width: int, dtype=np.float64):
        self.data = np.zeros((capacity, width), dtype=dtype)
        self.count = 0

    def push(self, row) -> None:
        self.data[self.count % len(self.data)] = row
        self.count += 1

    def values(self) -> np.ndarray:
        """The stored rows, oldest first (a copy)."""
        n = min(self.count, len(self.data))
        return np.roll(self.data, -(self.count % len(self.data)), axis=0)[-n:] if n else self.data[:0].copy()


@dataclasses.dataclass(frozen=True)
class LayerStats:
    """One layer's latest values (NaN where nothing was recorded yet)."""

    layer: str
    mean: float
    std: float
    dead: float
    grad_norm: float
    grad_std: float


def _histogram(values: torch.Tensor, low: float, high: float, bins: int) -> torch.Tensor:
    """Counts of ``values`` in ``bins`` equal bins over [low, high], the outliers in the end bins."""
    return torch.histc(values.clamp(low, high), bins, low, high)


class Monitor:
    """Record per-layer statistics of ``model`` with hooks: ``with Monitor(model) as monitor: train...``.

    ``modules`` are module names to watch; None watches every activation module (ReLU,
    Tanh, ...), or every Linear and Conv2d layer if there are none. A module used k
    times per forward pass (MLP's shared ``act``) gives k layers: ``act``, ``act#1``, ...
    Each forward pass of ``model`` itself in training mode is one step
    (``train_only=False`` records eval passes too). ``dead`` is the fraction of units
    (features or channels) that output exactly 0 for every sample of the batch: dead
    ReLUs. Activation histograms have ``bins`` bins over ``act_range`` (values outside
    land in the end bins); gradient histograms bin log10|g| over ``grad_log10_range``.
    """

    def __init__(self, model, *, modules=None, capacity=1000, bins=40, act_range=(-4.0, 4.0),
                 grad_log10_range=(-10.0, 2.0), train_only=True):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.capacity = check_int("capacity", capacity, min_value=1)
        self.bins = check_int("bins", bins, min_value=2)
        self.act_range = check_interval("act_range", act_range)
        self.grad_log10_range = check_interval("grad_log10_range", grad_log10_range)
        self.train_only = check_bool("train_only", train_only)
        self.steps, self._recording = 0, False
        self._calls: dict[str, int] = {}
        self._rings: dict[str, dict[str, _Ring]] = {}
        watched = _pick_modules(model, modules)
        self._handles = [model.register_forward_pre_hook(self._new_step)]
        self._handles += [module.register_forward_hook(self._make_hook(name)) for name, module in watched]

    # ---------------------------------------------------------------- recording

    def _new_step(self, module, args) -> None:
        self._recording = module.training or not self.train_only
        self._calls.clear()
        if self._recording:
            self.steps += 1

    def _make_hook(self, name: str):
        def hook(module, args, output):
            if not self._recording or not isinstance(output, torch.Tensor):
                return
            k = self._calls.get(name, 0)
            self._calls[name] = k + 1
            key = name if k == 0 else f"{name}#{k}"
            self._record_forward(key, output.detach())
            if output.requires_grad:
                output.register_hook(lambda grad: self._record_backward(key, grad))
        return hook

    def _buffers(self, key: str) -> dict[str, _Ring]:
        if key not in self._rings:
            c, b = self.capacity, self.bins
            self._rings[key] = {"forward": _Ring(c, 1 + len(_FORWARD)),  # step, then the statistics
                                "backward": _Ring(c, 1 + len(_BACKWARD)),
                                "act_hist": _Ring(c, b, np.float32), "grad_hist": _Ring(c, b, np.float32)}
        return self._rings[key]

    def _record_forward(self, key: str, y: torch.Tensor) -> None:
        rings = self._buffers(key)
        y = y.float()
        units = y.reshape(y.shape[0], y.shape[1], -1) if y.dim() >= 2 else y.reshape(-1, 1, 1)  # (N, C, rest)
        dead = (units == 0).all(dim=2).all(dim=0).float().mean()
        spread = y.std() if y.numel() > 1 else y.new_zeros(())
        counts = _histogram(y, *self.act_range, self.bins)
        row = torch.cat((torch.stack((y.mean(), spread, dead)), counts)).cpu().numpy()  # one device sync
        rings["forward"].push([self.steps, *row[:3]])
        rings["act_hist"].push(row[3:])

    def _record_backward(self, key: str, grad: torch.Tensor) -> None:
        rings = self._buffers(key)
        g = grad.detach().float()
        low, high = self.grad_log10_range
        counts = _histogram(g.abs().clamp_min(10.0 ** low).log10(), low, high, self.bins)
        spread = g.std() if g.numel() > 1 else g.new_zeros(())
        row = torch.cat((torch.stack((g.norm(), spread)), counts)).cpu().numpy()  # one device sync
        rings["backward"].push([self.steps, *row[:2]])
        rings["grad_hist"].push(row[2:])

    # ---------------------------------------------------------------- reading

    @property
    def layers(self) -> list[str]:
        return list(self._rings)

    def history(self, layer: str) -> dict[str, np.ndarray]:
        """The last ``capacity`` steps of one layer as arrays, oldest first.

        Keys: "step", "mean", "std", "dead", and "grad_step", "grad_norm", "grad_std"
        (the gradient ones are empty if no backward pass ran).
        """
        rings = self._rings_of(layer)
        forward, backward = rings["forward"].values(), rings["backward"].values()
        out = {"step": forward[:, 0].astype(int)} | {s: forward[:, i + 1] for i, s in enumerate(_FORWARD)}
        return out | {"grad_step": backward[:, 0].astype(int)} | {s: backward[:, i + 1]
                                                                  for i, s in enumerate(_BACKWARD)}

    def histograms(self, layer: str, kind: str = "activation") -> tuple[np.ndarray, np.ndarray]:
        """``(edges, counts)``: bin edges (bins + 1,) and counts (steps, bins), oldest step first.

        ``kind`` "activation" bins the values; "gradient" bins log10|g|.
        """
        if kind not in ("activation", "gradient"):
            raise ValueError(f"kind must be 'activation' or 'gradient', got {kind!r}")
        low, high = self.act_range if kind == "activation" else self.grad_log10_range
        ring = self._rings_of(layer)["act_hist" if kind == "activation" else "grad_hist"]
        return np.linspace(low, high, self.bins + 1), ring.values()

    def summary(self) -> list[LayerStats]:
        """Each layer's latest statistics, in the order the layers were first seen."""
        rows = []
        for layer in self._rings:
            h = self.history(layer)
            last = {k: (float(v[-1]) if len(v) else math.nan) for k, v in h.items()}
            rows.append(LayerStats(layer, last["mean"], last["std"], last["dead"], last["grad_norm"],
                                   last["grad_std"]))
        return rows

    @property
    def nbytes(self) -> int:
        """Bytes held by all buffers: fixed once every layer has been seen."""
        return sum(ring.data.nbytes for rings in self._rings.values() for ring in rings.values())

    def _rings_of(self, layer: str) -> dict[str, _Ring]:
        if layer not in self._rings:
            raise ValueError(f"layer must be one of {self.layers}, got {layer!r}")
        return self._rings[layer]

    def __repr__(self) -> str:
        lines = [f"Monitor({self.steps} steps, {len(self._rings)} layers, {self.nbytes / 1024:.0f} KiB)",
                 f"{'layer':<14}{'mean':>10}{'std':>10}{'dead':>8}{'grad norm':>12}"]
        lines += [f"{r.layer:<14}{r.mean:>10.3g}{r.std:>10.3g}{r.dead:>8.0%}{r.grad_norm:>12.3g}"
                  for r in self.summary()]
        return "\n".join(lines)

    # ---------------------------------------------------------------- hooks off

    def close(self) -> None:
        """Remove every hook; the recorded statistics stay readable."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()



def _pick_modules(model: nn.Module, modules) -> list[tuple[str, nn.Module]]:
    named = dict(model.named_modules())
    if modules is not None:
        if not isinstance(modules, (list, tuple)) or not all(isinstance(m, str) for m in modules):
            raise TypeError(f"modules must be a list of module names, got {modules!r}")
        unknown = [m for m in modules if m not in named or m == ""]
        if unknown:
            raise ValueError(f"modules {unknown} are not in the model; its modules are {list(named)[1:]}")
        return [(m, named[m]) for m in modules]
    picked = [(n, m) for n, m in named.items() if isinstance(m, _ACTIVATION_TYPES)]
    return picked or [(n, m) for n, m in named.items() if isinstance(m, (nn.Linear, nn.Conv2d))]


# ---------------------------------------------------------------- demonstrations at initialization

def layer_gradient_norms(model, X, y, loss_fn=None, *, random_state=0) -> np.ndarray:
    """The gradient norm of each Linear/Conv2d weight after one backward pass, first layer first.

    Measured in training mode, since that is what training sees (dropout on, batch norm
    using the batch's statistics), whatever mode ``model`` is in; dropout draws from
    ``random_state``. ``model`` is left exactly as it was: weights, buffers (batch norm's
    running statistics), ``.grad``, each module's train/eval flag, and torch's global RNG.
    ``X`` and ``y`` may be tensors, numpy arrays or lists. ``loss_fn(outputs, y)``
    defaults to ``F.mse_loss``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    layers = [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    if not layers:
        raise ValueError(f"model has no Linear or Conv2d layer to measure: {model!r}")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function loss_fn(outputs, y) such as F.cross_entropy, "
                        f"got {loss_fn!r}")
    device = next(model.parameters()).device
    X, y = _as_tensor("X", X, device), _as_tensor("y", y, device)
    if len(X) == 0 or len(y) != len(X):
        raise ValueError(f"X and y must have the same number of rows, at least one: X has shape "
                         f"{tuple(X.shape)}, y {tuple(y.shape)}")
    for name, tensor in (("X", X), ("y", y)):
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise ValueError(f"{name} contains NaN or Inf; the gradient norms would be NaN")
    state = {k: v.detach().clone() for k, v in model.state_dict(keep_vars=True).items()}
    grads = [(p, p.grad) for p in model.parameters()]
    modes = [(m, m.training) for m in model.modules()]
    try:
        with seeded(random_state):
            for p, _ in grads:
                p.grad = None
            model.train()
            (loss_fn or _mse)(_forward(model, X), y).backward()
        # in float64: an exploding net's gradients square to more than float32 can hold
        return np.array([m.weight.grad.double().norm().item() if m.weight.grad is not None else 0.0
                         for m in layers])
    finally:  # put back exactly what the user had
        with torch.no_grad():
            for key, value in model.state_dict(keep_vars=True).items():
                value.copy_(state[key])
        for p, grad in grads:
            p.grad = grad
        for m, training in modes:
            m.training = training


def _forward(model, X):
    try:
        return model(X)
    except RuntimeError as error:  # torch's "mat1 and mat2 shapes cannot be multiplied": say which input
        raise ValueError(f"model cannot take X of shape {tuple(X.shape)}: {error}") from None


def _mse(outputs, y):
    """F.mse_loss, but a y that only broadcasts to the outputs is an error, not a silent average."""
    if outputs.shape != y.shape:
        raise ValueError(f"y of shape {tuple(y.shape)} does not match the model's outputs "
                         f"{tuple(outputs.shape)}; pass y as (n, outputs), or a loss_fn for these shapes")
    return F.mse_loss(outputs, y)


def _as_tensor(name: str, value, device) -> torch.Tensor:
    """A tensor as it is; numpy arrays and lists as float32 (floats) or int64 (integer labels)."""
    if isinstance(value, torch.Tensor):
        return value.to(device)
    array = to_numpy(name, value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a tensor, numpy array or list of numbers, "
                        f"got {type(value).__name__} with dtype {array.dtype}")
    dtype = torch.float32 if array.dtype.kind == "f" else torch.int64
    return torch.as_tensor(array, dtype=dtype, device=device)


def gradient_norms_at_init(configs: dict, *, depth=10, width=64, n_samples=256, random_state=0) -> dict:
    """For each ``label: MLP options`` in ``configs``, per-layer weight-gradient norms at initialization.

    Every model is an ``MLP(32, 1, width=width, depth=depth, **options)`` started from
    the same seed, on the same standard normal batch (n_samples, 32) with standard
    normal targets and MSE. Returns ``{label: array of depth + 1 norms}``, first layer
    first. The global torch seed is left untouched.
    """
    if not isinstance(configs, dict) or not all(isinstance(v, dict) for v in configs.values()):
        raise TypeError(f"configs must be a dict of label -> dict of MLP options, got {configs!r}")
    depth = check_int("depth", depth, min_value=1)
    width = check_int("width", width, min_value=1)
    n_samples = check_int("n_samples", n_samples, min_value=2)
    rng = check_random_state("random_state", random_state)
    X = torch.as_tensor(rng.normal(size=(n_samples, 32)), dtype=torch.float32)
    y = torch.as_tensor(rng.normal(size=(n_samples, 1)), dtype=torch.float32)
    seed = int(rng.integers(2**31))
    result = {}
    for label, options in configs.items():
        with seeded(seed):
            model = MLP(32, 1, width=width, depth=depth, **options)
        result[label] = layer_gradient_norms(model, X, y)
    return result


def vanishing_gradients(*, depth=10, width=64, random_state=0) -> dict:
    """A deep sigmoid net (PyTorch's default init) against ReLU with He init: per-layer gradient norms.

    The sigmoid's slope is at most 1/4, so the gradient shrinks layer after layer on its
    way back: the first layer's gradient is orders of magnitude smaller than the last's.
    ReLU (slope 1 where active) with He init keeps the scale about constant.
    """
    return gradient_norms_at_init({"sigmoid": {"activation": "sigmoid"},
                                   "relu + He": {"activation": "relu", "init": "kaiming"}},
                                  depth=depth, width=width, random_state=random_state)


def init_comparison(*, activation="relu", depth=10, width=64, random_state=0) -> dict:
    """He, Glorot and a too-small N(0, 0.01^2) initialization of the same net: per-layer gradient norms.

    He (std sqrt(2 / fan_in)) keeps a ReLU net's signal the same size through the layers;
    Glorot suits tanh and sigmoid; N(0, 0.01^2) shrinks the signal at every layer, so
    gradients at the first layers all but vanish.
    """
    return gradient_norms_at_init({"He": {"activation": activation, "init": "kaiming"},
                                   "Glorot": {"activation": activation, "init": "xavier"},
                                   "N(0, 0.01^2)": {"activation": activation, "init": "normal"}},
                                  depth=depth, width=width, random_state=random_state)


def normalization_comparison(*, activation="sigmoid", init="default", depth=20, width=64,
                             random_state=0) -> dict:
    """A deep sigmoid net, plain vs batch norm vs residual connections: per-layer gradient norms.

    Plain, the gradient vanishes on its way back (about 1e-17 at the first layer).
    Batch normalization rescales every layer's pre-activations to unit variance, so the
    backward pass is rescaled too; a residual connection (``h + f(h)``) gives the
    gradient an identity path around every layer, so the first layers still receive it.
    """
    base = {"activation": activation, "init": init}
    return gradient_norms_at_init({"plain": base, "batch norm": base | {"batch_norm": True},
                                   "residual": base | {"residual": True},
                                   "batch norm + residual": base | {"batch_norm": True, "residual": True}},
                                  depth=depth, width=width, random_state=random_state)
