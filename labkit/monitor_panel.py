"""A live panel on gradient flow: how activation, initialization, batch norm, residual links and depth
decide whether a deep network's gradients vanish, explode or stay usable.

:func:`measure` builds an ``MLP`` from a :class:`NetSettings`, probes it once with a
:class:`labkit.monitor.Monitor` attached (per-layer weight-gradient norms, activation
histograms), trains it for a few full-batch steps on a small teacher task, and probes it
again. It draws nothing. :class:`GradientFlowView` shows a result in three axes whose
artists are made once and then only change their data. :class:`MonitorPanel` wires
controls to both.

The panel follows the rules of :class:`labkit.widgets.Playground` (see that module's
docstring): all matplotlib work on the kernel's main thread; a change bumps a generation
counter and schedules the work as an asyncio task one loop turn later, so a burst of
changes runs only the last one, and a superseded run stops at its next training step
(without a running loop, as in a script or a test, it runs at once); an exception in a
callback is shown in the status line and kept in ``last_error``; ``close()`` removes the
hooks and frees the figure.
"""

from __future__ import annotations

import dataclasses
import html
import time

import ipywidgets as widgets
import numpy as np
import torch
from torch import nn

from labkit._checks import check_bool, check_choice, check_float, check_int
from labkit.models import MLP
from labkit.monitor import Monitor, layer_gradient_norms
from labkit.panels import LivePanel, new_figure
from labkit.plots import PALETTE
from labkit.train import iter_fit

__all__ = ["ACTIVATION_CHOICES", "INIT_CHOICES", "NetSettings", "GradientFlow", "build_net",
           "make_teacher_task", "iter_measure", "measure", "GradientFlowView", "MonitorPanel"]

ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu")
INIT_CHOICES = {  # key -> label; "large" is 3 x He: a ReLU layer then multiplies the signal's variance by 9
    "default": "PyTorch default", "he": "He (Kaiming)", "glorot": "Glorot (Xavier)",
    "small": "too small: N(0, 0.01²)", "large": "too large: 3 × He",
}
MAX_DEPTH = 40
_ACT_RANGE = (-3.0, 3.0)  # activation histograms; values outside land in the end bins
_FRAME_EVERY_S = 0.25


@dataclasses.dataclass(frozen=True)
class NetSettings:
    """What the panel's controls set; checked on creation."""

    activation: str = "sigmoid"
    init: str = "default"
    batch_norm: bool = False
    residual: bool = False
    depth: int = 10
    seed: int = 0

    def __post_init__(self):
        check_choice("activation", self.activation, ACTIVATION_CHOICES)
        check_choice("init", self.init, INIT_CHOICES)
        check_bool("batch_norm", self.batch_norm)
        check_bool("residual", self.residual)
        check_int("depth", self.depth, min_value=1, max_value=MAX_DEPTH)
        check_int("seed", self.seed, min_value=0, max_value=2**31 - 1)

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
    """The MLP that ``settings`` describe, weights drawn from ``settings.seed`` (global seed untouched)."""
    mlp_init = {"default": "default", "he": "kaiming", "glorot": "xavier", "small": "normal",
                "large": "kaiming"}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
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
            text += f"; loss {self.losses[0]:.3g} -> {self.losses[-1]:.3g} in {len(self.losses)} steps"
        return text

    def __repr__(self) -> str:
        return f"GradientFlow({self.summary()})"


def _probe(model, X, y) -> tuple[np.ndarray, Monitor]:
    """One monitored forward and backward pass: (weight-gradient norms per layer, the closed Monitor)."""
    model.train()
    with Monitor(model, capacity=1, bins=60, act_range=_ACT_RANGE) as monitor:
        norms = layer_gradient_norms(model, X, y)  # the MLP's Linear layers: hidden ones, then the output
    return norms, monitor


def iter_measure(settings: NetSettings, *, steps=100, lr=1e-3, width=64, n_samples=256):
    """:func:`measure` as a generator: yields the (same, growing) GradientFlow after every training step."""
    if not isinstance(settings, NetSettings):
        raise TypeError(f"settings must be a NetSettings, got {type(settings).__name__}")
    steps = check_int("steps", steps, min_value=0)
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    start = time.perf_counter()
    X, y = make_teacher_task(n_samples, random_state=settings.seed)
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
        for history in iter_fit(model, (X, y), task="regression", epochs=steps, lr=lr,
                                random_state=settings.seed):
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


def _log_limits(*arrays, floor=1e-30) -> tuple[float, float]:
    values = np.concatenate([np.ravel(a) for a in arrays if a is not None] + [np.empty(0)])
    values = values[np.isfinite(values) & (values > floor)]
    if not len(values):
        return 1e-3, 1e1
    return float(values.min()) / 3, float(values.max()) * 3


class GradientFlowView:
    """Three axes, their artists made once: gradient norm per layer, activation histograms, training loss."""

    def __init__(self, fig):
        self.figure = fig
        grid = fig.add_gridspec(1, 3, left=0.07, right=0.98, bottom=0.15, top=0.78, wspace=0.38)
        self.ax_grad, self.ax_act, self.ax_loss = (fig.add_subplot(grid[0, i]) for i in range(3))
        ax = self.ax_grad
        (self.reference,) = ax.plot([], [], "--", color="0.6", lw=1.2, label="ReLU + He, plain")
        (self.grad_init,) = ax.plot([], [], "o-", color=PALETTE[0], ms=3, lw=1.5, label="this net, at init")
        (self.grad_trained,) = ax.plot([], [], "s:", color=PALETTE[3], ms=3, lw=1.2, label="after training")
        ax.set(yscale="log", xlabel="layer (1 = first, last = output)", ylabel="weight-gradient norm")
        fig.legend(handles=[self.grad_init, self.grad_trained, self.reference], loc="upper left", ncol=3,
                   fontsize="small", frameon=False, bbox_to_anchor=(0.05, 1.0))
        self.ax_grad_title = ax.set_title("", fontsize="medium")
        self.image = self.ax_act.imshow(np.zeros((1, 2)), aspect="auto", origin="lower", cmap="magma",
                                        vmin=0.0, vmax=1.0, extent=(*_ACT_RANGE, 0.5, 1.5),
                                        interpolation="nearest")
        self.ax_act.set(xlabel="activation value (at init)", ylabel="hidden layer")
        self.ax_act_title = self.ax_act.set_title("", fontsize="medium")
        (self.loss,) = self.ax_loss.plot([], [], color=PALETTE[2], lw=1.5)
        self.ax_loss.set(yscale="log", xlabel="training step", ylabel="loss (MSE)")
        self.ax_loss_title = self.ax_loss.set_title("", fontsize="medium")

    def show(self, result: GradientFlow, reference: np.ndarray | None = None) -> None:
        """Put ``result`` (and the healthy ``reference`` gradient norms) into the artists; draws nothing."""
        depth = result.settings.depth
        layers = np.arange(1, depth + 2)
        positive = lambda a: np.where(a > 0, a, np.nan)  # noqa: E731 (log axis: a zero gradient is a gap)
        self.grad_init.set_data(layers, positive(result.grad_init))
        trained = result.grad_trained if result.grad_trained is not None else np.full(depth + 1, np.nan)
        self.grad_trained.set_data(layers, positive(trained))
        self.reference.set_data(layers, reference if reference is not None else np.full(depth + 1, np.nan))
        self.ax_grad.set_xlim(0.5, depth + 1.5)
        self.ax_grad.set_ylim(*_log_limits(result.grad_init, result.grad_trained, reference))
        self.ax_grad_title.set_text(f"first / last hidden at init: {result.first_to_last:.1e}")
        self.image.set_data(result.act_hist / np.maximum(result.act_hist.max(1, keepdims=True), 1e-12))
        self.image.set_extent((result.act_edges[0], result.act_edges[-1], 0.5, depth + 0.5))
        self.ax_act_title.set_text(f"dead units {result.dead.mean():.0%}, std last {result.act_std[-1]:.2g}")
        losses = np.asarray(result.losses, dtype=float)
        self.loss.set_data(np.arange(1, len(losses) + 1), np.where(np.isfinite(losses), losses, np.nan))
        self.ax_loss.set_xlim(0.5, max(result.steps, len(losses), 1) + 0.5)
        self.ax_loss.set_ylim(*_log_limits(losses, floor=0.0))
        final = f"{losses[-1]:.3g}" if len(losses) else "-"
        self.ax_loss_title.set_text(f"loss after {len(losses)} steps: {final}")


class MonitorPanel(LivePanel):
    """Controls for activation, initialization, batch norm, residual links, depth and seed; each change
    re-measures the gradient flow and trains ``steps`` steps, and the three plots follow in place.

    ``MonitorPanel(activation="sigmoid", depth=20)`` starts from those settings (see
    :class:`NetSettings`). Display it as a cell's last expression; ``await panel.wait()``
    waits for the current run; ``panel.result`` is its :class:`GradientFlow`.
    The dashed grey line is a plain ReLU net with He initialization of the same depth: a
    healthy reference. Hooks live only during a probe's one pass, so a superseded run
    leaves none behind.
    """

    def __init__(self, *, activation="sigmoid", init="default", batch_norm=False, residual=False, depth=10,
                 seed=0, steps=100, lr=1e-3, width=64):
        settings = NetSettings(activation, init, batch_norm, residual, depth, seed)
        self.steps = check_int("steps", steps, min_value=0, max_value=10_000)
        self.lr = check_float("lr", lr, min_value=0.0, strict_min=True)
        self.width = check_int("width", width, min_value=1, max_value=1024)
        self.controls = _controls(settings)
        self.figure, self._screen = new_figure((11.0, 3.6))
        self.view = GradientFlowView(self.figure)
        self._references: dict[tuple[int, int], np.ndarray] = {}
        self._start()

    # ------------------------------------------------------------ public API
    def settings(self) -> NetSettings:
        return NetSettings(**self.state())

    def set_state(self, state: dict) -> None:
        """Set several controls at once (checked first) and run once."""
        new = NetSettings.from_dict({**self.state(), **state})
        self._quiet = True
        try:
            for name, value in dataclasses.asdict(new).items():
                self.controls[name].value = value
        finally:
            self._quiet = False
        self.refresh()

    # ------------------------------------------------------------ running
    def _run(self, generation: int):
        """One run as a generator: each ``yield`` is a point where a newer run may take over."""
        settings = self.settings()
        self.status.value = "Measuring..."
        reference = self._reference(settings)
        last_frame = -np.inf
        for result in iter_measure(settings, steps=self.steps, lr=self.lr, width=self.width):
            if generation != self._generation:
                return
            self.result = result
            if result.done or time.perf_counter() - last_frame >= _FRAME_EVERY_S:
                self.view.show(result, reference)
                self._render()
                last_frame = time.perf_counter()
                if not result.done:
                    self.status.value = f"Training: step {len(result.losses)} of {result.steps}"
            yield
        self.last_error = None
        self.runs += 1
        diverged = " The loss is not finite: the signal overflowed." if not np.isfinite(
            self.result.losses[-1] if self.result.losses else 0.0) else ""
        self.status.value = html.escape(f"{self.result.summary()} ({self.result.seconds:.2f} s).{diverged}")

    def _reference(self, settings: NetSettings) -> np.ndarray:
        """Gradient norms at init of a plain ReLU + He net of the same depth and seed (cached)."""
        key = (settings.depth, settings.seed)
        if key not in self._references:
            healthy = NetSettings("relu", "he", False, False, settings.depth, settings.seed)
            X, y = make_teacher_task(random_state=settings.seed)
            self._references[key] = _probe(build_net(healthy, width=self.width), X, y)[0]
        return self._references[key]


def _controls(s: NetSettings) -> dict[str, widgets.Widget]:
    style = {"description_width": "80px"}
    return {
        "activation": widgets.Dropdown(options=list(ACTIVATION_CHOICES), value=s.activation,
                                       description="activation", style=style),
        "init": widgets.Dropdown(options=[(label, key) for key, label in INIT_CHOICES.items()], value=s.init,
                                 description="init", style=style),
        "batch_norm": widgets.Checkbox(value=s.batch_norm, description="batch norm"),
        "residual": widgets.Checkbox(value=s.residual, description="residual"),
        "depth": widgets.IntSlider(value=s.depth, min=1, max=MAX_DEPTH, description="depth",
                                   continuous_update=False, style=style),
        "seed": widgets.BoundedIntText(value=s.seed, min=0, max=2**31 - 1, description="seed", style=style,
                                       layout=widgets.Layout(width="180px")),
    }
