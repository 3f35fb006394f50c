"""Gradient flow through a deep MLP: how activation, initialization, batch norm, residual links and
depth decide whether its gradients vanish, explode or stay usable.

:func:`measure` builds an ``MLP`` from a :class:`NetSettings`, probes it once with a
:class:`labkit.gradients.monitor.Monitor` attached (per-layer weight-gradient norms, activation
histograms), trains it for a few full-batch steps on a small teacher task, and probes it
again. It draws nothing: :class:`labkit.viz.gradient_flow.GradientFlowView` shows a result,
and :class:`labkit.panels.gradient_flow.MonitorPanel` puts controls on the settings.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import torch
from torch import nn

from labkit.arguments import check_bool, check_choice, check_float, check_int
from labkit.gradients.monitor import Monitor, layer_gradient_norms
from labkit.models import MLP
from labkit.runtime import seeded
from labkit.text import fit
from labkit.train import FitOptions, iter_fit

__all__ = ["ACTIVATION_CHOICES", "INIT_CHOICES", "MAX_DEPTH", "ACT_RANGE", "NetSettings", "GradientFlow",
           "build_net", "make_teacher_task", "iter_measure", "measure", "reference_norms"]

ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu")
INIT_CHOICES = {  # key -> label; "large" is 3 x He: a ReLU layer then multiplies the signal's variance by 9
    "default": "PyTorch default", "he": "He (Kaiming)", "glorot": "Glorot (Xavier)",
    "small": "too small: N(0, 0.01²)", "large": "too large: 3 × He",
}
MAX_DEPTH = 40
ACT_RANGE = (-3.0, 3.0)  # activation histograms; values outside land in the end bins


@dataclasses.dataclass(frozen=True)
class NetSettings:
    """What the panel's controls set; checked on creation."""

    activation: str = "sigmoid"
    init: str = "default"
    batch_norm: bool = False
    residual: bool = False
    depth: int = 10
    random_state: int = 0

    def __post_init__(self):
        check_choice("activation", self.activation, ACTIVATION_CHOICES)
        check_choice("init", self.init, INIT_CHOICES)
        check_bool("batch_norm", self.batch_norm)
        check_bool("residual", self.residual)
        check_int("depth", self.depth, min_value=1, max_value=MAX_DEPTH)
        check_int("random_state", self.random_state, min_value=0, max_value=2**31 - 1)

    @classmethod
    def from_dict(cls, values: dict) -> NetSettings:
        if not isinstance(values, dict):
            raise TypeError(f"settings must be a dict such as panel.state(), got {type(values).__name__}")
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown}; the settings are "
                             f"{list(cls.__dataclass_fields__)}")
        return cls(**values)


def build_net(settings: NetSettings, *, in_features=16, width=64) -> MLP:
    """The MLP that ``settings`` describe, its weights drawn from ``settings.random_state``."""
    if not isinstance(settings, NetSettings):
        raise TypeError(f"settings must be a NetSettings, got {type(settings).__name__}")
    mlp_init = {"default": "default", "he": "kaiming", "glorot": "xavier", "small": "normal",
                "large": "kaiming"}
    with seeded(settings.random_state):
        model = MLP(in_features, 1, width=width, depth=settings.depth, activation=settings.activation,
                    batch_norm=settings.batch_norm, residual=settings.residual, init=mlp_init[settings.init])
    if settings.init == "large":
        with torch.no_grad():
            for layer in (*model.hidden, model.output):
                layer.weight.mul_(3.0)
    return model


def make_teacher_task(n_samples=256, n_features=16, *, random_state=0) -> tuple[torch.Tensor, torch.Tensor]:
    """Standard normal X (n_samples, n_features) and y = a sum of 8 sines of random projections, scaled
    to mean 0 and variance 1 (n_samples, 1): a smooth target any of the panel's nets can learn."""
    n_samples = check_int("n_samples", n_samples, min_value=2)  # y is scaled by its standard deviation
    n_features = check_int("n_features", n_features, min_value=1)
    rng = np.random.default_rng(check_int("random_state", random_state, min_value=0))
    X = rng.normal(size=(n_samples, n_features))
    W = rng.normal(size=(n_features, 8)) / np.sqrt(n_features)  # (F, 8)
    y = np.sin(2.0 * X @ W).sum(1, keepdims=True)  # (N, 1)
    y = (y - y.mean()) / y.std()
    return torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)


@dataclasses.dataclass
class GradientFlow:
    """What :func:`measure` found; per-layer arrays run from the first layer to the output layer."""

    settings: NetSettings
    grad_init: np.ndarray  # (depth + 1,) weight-gradient norms at initialization
    grad_trained: np.ndarray | None  # the same after training (None until training ends)
    act_edges: np.ndarray  # (bins + 1,)
    act_hist: np.ndarray  # (depth, bins) each hidden layer's activations at init, rows sum to 1
    act_std: np.ndarray  # (depth,)
    dead: np.ndarray  # (depth,) fraction of units that output 0 for every sample (dead ReLUs)
    steps: int = 0  # training steps planned; len(losses) have run
    losses: list[float] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    model: nn.Module | None = dataclasses.field(default=None, repr=False)  # the net, as trained so far

    @property
    def done(self) -> bool:
        return self.grad_trained is not None

    @property
    def first_to_last(self) -> float:
        """First layer's gradient norm over the last hidden layer's, at init: << 1 means vanishing."""
        if len(self.grad_init) < 3:  # depth 1: the first hidden layer is also the last one
            return 1.0
        first, last = self.grad_init[0], self.grad_init[-2]
        return float(first / last) if 0 < last < np.inf else float("nan")

    def summary(self) -> str:
        s = self.settings
        parts = [f"{s.activation}, {INIT_CHOICES[s.init]}, depth {s.depth}"]
        parts += [name for name in ("batch_norm", "residual") if getattr(s, name)]
        text = (f"{' + '.join(parts)}: gradient norm at init {self.grad_init[0]:.2g} (first layer), "
                f"{self.grad_init[-2]:.2g} (last hidden), ratio {self.first_to_last:.2g}")
        if self.losses:
            text += f"; loss {self.losses[0]:.3g} to {self.losses[-1]:.3g} in {len(self.losses)} steps"
        return fit(text, indent="  ")

    def __repr__(self) -> str:
        return f"GradientFlow({self.summary()})"


def _probe(model, X, y) -> tuple[np.ndarray, Monitor]:
    """One monitored forward and backward pass: (weight-gradient norms per layer, the closed Monitor)."""
    model.train()
    with Monitor(model, capacity=1, bins=60, act_range=ACT_RANGE) as monitor:
        norms = layer_gradient_norms(model, X, y)  # the MLP's Linear layers: hidden ones, then the output
    return norms, monitor


def iter_measure(settings: NetSettings, *, steps=100, lr=1e-3, width=64, n_samples=256):
    """:func:`measure` as a generator: yields the (same, growing) GradientFlow after every training step."""
    if not isinstance(settings, NetSettings):
        raise TypeError(f"settings must be a NetSettings, got {type(settings).__name__}")
    steps = check_int("steps", steps, min_value=0)
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    start = time.perf_counter()
    X, y = make_teacher_task(n_samples, random_state=settings.random_state)
    model = build_net(settings, width=width)
    grad_init, monitor = _probe(model, X, y)
    edges = monitor.histograms(monitor.layers[0])[0]
    counts = np.stack([monitor.histograms(layer)[1][-1] for layer in monitor.layers])  # (depth, bins)
    rows = monitor.summary()
    shares = counts / np.maximum(counts.sum(1, keepdims=True), 1)  # NaN activations land in no bin
    result = GradientFlow(settings, grad_init, None, edges, shares,
                          np.array([r.std for r in rows]), np.array([r.dead for r in rows]), steps,
                          model=model)
    yield result
    if steps:
        options = FitOptions(task="regression", epochs=steps, lr=lr, random_state=settings.random_state)
        for history in iter_fit(model, (X, y), options=options):
            result.losses = history.train_loss  # the same, growing list each epoch: no copy
            result.seconds = time.perf_counter() - start
            yield result
    result.grad_trained, _ = _probe(model, X, y)
    result.seconds = time.perf_counter() - start
    yield result


def measure(settings=None, *, steps=100, lr=1e-3, width=64, n_samples=256, **options) -> GradientFlow:
    """Probe, train ``steps`` Adam steps, probe again: ``measure(activation="relu", init="he", depth=20)``."""
    if settings is None:
        settings = NetSettings(**options)
    elif options:
        raise TypeError(f"pass either settings or keyword options, not both (got {sorted(options)})")
    elif isinstance(settings, dict):
        settings = NetSettings.from_dict(settings)
    elif not isinstance(settings, NetSettings):
        raise TypeError(f"settings must be a NetSettings, a dict such as panel.state(), or None with keyword "
                        f"options; got {settings!r}")
    result = None
    for result in iter_measure(settings, steps=steps, lr=lr, width=width, n_samples=n_samples):  # noqa: B007
        pass
    return result


def reference_norms(depth: int, *, random_state=0, width=64) -> np.ndarray:
    """Weight-gradient norms at init (depth + 1,) of a plain ReLU net with He init: a healthy reference."""
    healthy = NetSettings("relu", "he", False, False, depth, random_state)
    X, y = make_teacher_task(random_state=random_state)
    return _probe(build_net(healthy, width=width), X, y)[0]
