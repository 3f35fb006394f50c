"""Neural networks interpolate; they do not extrapolate. What helps: structure you already know.

Bethany Lusch's example: a tiny network learns f(x) = x on [-0.5, 0.5] almost perfectly,
and is wrong outside. The tools here measure that and three remedies from her slides:

- :func:`ensemble_spread`: K networks agree inside the training domain and fan out
  beyond it; their disagreement is a warning sign that costs no labels;
- :class:`Residual` and :func:`compare_residual`: output = NN(x) + x, so the network
  learns only the change, and the identity part extrapolates for free;
- :func:`symmetry_demo`: a loss term for a symmetry you know (f(-x) = -f(x)) teaches
  the network where it has no data;
- :func:`discrepancy_demo`: keep a cheap, approximate simulator and let the network
  learn only its error (discrepancy modelling).

Training uses :mod:`labkit.batched` (K seeds at once); errors are mean squared errors
averaged over the K models. No plots here: every result carries the curves to draw.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import torch
from torch import nn

from labkit.arguments import check_choice, check_float, check_int, check_interval, check_random_state
from labkit.batched import BatchedMLP, predict_batched, train_mlps
from labkit.data import make_cubic, make_identity, make_pendulum_period, make_sine, pendulum_period
from labkit.progress import check_progress, steps

__all__ = [
    "SPREAD_DATASETS", "SpreadResult", "ensemble_spread", "Residual", "ResidualComparison",
    "compare_residual", "SymmetryResult", "symmetry_demo", "DiscrepancyResult", "discrepancy_demo",
    "small_angle_period", "fit_identity",
]

# generator, training domain, grid to predict on
SPREAD_DATASETS = {
    "identity": (make_identity, (-0.5, 0.5), (-3.0, 3.0)),
    "sine": (make_sine, (-3.0, 3.0), (-9.0, 9.0)),
    "cubic": (make_cubic, (-1.5, 1.5), (-4.5, 4.5)),
    "pendulum": (make_pendulum_period, (0.1, 1.5), (0.0, 3.0)),
}




def _inside_outside(values, inside) -> tuple[float, float]:
    """Mean of ``values`` (..., G) over grid points inside and outside the training domain."""
    return float(values[..., inside].mean()), float(values[..., ~inside].mean())


# ---------------------------------------------------------------- ensemble spread

@dataclasses.dataclass(repr=False)
class SpreadResult:
    """K networks trained on one domain, evaluated on a wider grid."""

    x: np.ndarray  # (G,) grid
    truth: np.ndarray  # (G,) f(x)
    predictions: np.ndarray  # (K, G)
    domain: tuple[float, float]
    seconds: float

    @property
    def inside(self) -> np.ndarray:
        """(G,) bool: grid points within the training domain."""
        return (self.x >= self.domain[0]) & (self.x <= self.domain[1])

    @property
    def mean(self) -> np.ndarray:
        return self.predictions.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        """(G,) the models' disagreement at each grid point."""
        return self.predictions.std(axis=0)

    def summary(self) -> dict[str, float]:
        """Mean spread (std) and MSE of the ensemble mean, inside and outside the domain."""
        spread_in, spread_out = _inside_outside(self.std, self.inside)
        error_in, error_out = _inside_outside((self.mean - self.truth) ** 2, self.inside)
        return {"spread_inside": spread_in, "spread_outside": spread_out,
                "error_inside": error_in, "error_outside": error_out}

    def __repr__(self) -> str:
        s = self.summary()
        return (f"SpreadResult({len(self.predictions)} models, domain {self.domain}, {self.seconds:.2f} s)\n"
                f"  spread (std)   inside {s['spread_inside']:.3g}, outside {s['spread_outside']:.3g}\n"
                f"  MSE of mean    inside {s['error_inside']:.3g}, outside {s['error_outside']:.3g}")


def ensemble_spread(n_models=16, *, dataset="identity", n_train=50, noise=0.0, grid=None, n_grid=301,
                    width=32, depth=2, activation="relu", epochs=500, lr=1e-2,
                    random_state=None) -> SpreadResult:
    """Train ``n_models`` MLPs from different initial weights on one sample; predict on a wide grid.

    ``dataset`` is a key of :data:`SPREAD_DATASETS`, which also fixes the training
    domain and the default ``grid`` (for ``"identity"``, [-3, 3] around the training
    domain [-0.5, 0.5]). Inside the domain the models agree
    with each other and with the truth; outside, each continues in its own way.
    Defaults (f(x) = x, random_state=0, about 0.4 s on one CPU thread): spread (std
    over models) 0.0007 inside vs 0.20 outside; MSE of the ensemble mean 7e-8 inside vs
    0.46 outside. ``dataset="pendulum"``: spread 0.004 vs 0.076, MSE 8e-7 vs 0.26.
    The spread flags where no prediction can be trusted; it does not measure the error
    there (all models can agree and be wrong).
    """
    n_models = check_int("n_models", n_models, min_value=2)  # a spread needs two models
    make, domain, default_grid = SPREAD_DATASETS[check_choice("dataset", dataset, SPREAD_DATASETS)]
    n_train = check_int("n_train", n_train, min_value=2)
    low, high = check_interval("grid", default_grid if grid is None else grid)
    if dataset == "pendulum" and (low < 0 or high >= np.pi):
        raise ValueError(f"grid must lie within [0, pi) for the pendulum (its period is infinite at pi), "
                         f"got {grid!r}")
    n_grid = check_int("n_grid", n_grid, min_value=2)
    rng = check_random_state("random_state", random_state)
    start = time.perf_counter()
    X, y, f = make(n_train, noise=noise, domain=domain, random_state=rng, return_function=True)
    model = train_mlps(X, y, n_models=n_models, width=width, depth=depth, activation=activation,
                       epochs=epochs, lr=lr, random_state=int(rng.integers(2**31)))
    x = np.linspace(low, high, n_grid)
    predictions = predict_batched(model, x[:, None])[..., 0]  # (K, G)
    return SpreadResult(x, f(x), predictions, domain, time.perf_counter() - start)


# ---------------------------------------------------------------- residual models

class Residual(nn.Module):
    """output = net(x) + x: the network learns the change from the input, not the whole map.

    Where the output resembles the input (the next state of a system, a corrected
    measurement), the identity part is right everywhere, also far outside the training
    data, and the network only has to learn a small correction. ``net`` must map
    (N, d) to (N, d).
    """

    def __init__(self, net: nn.Module):
        super().__init__()
        if not isinstance(net, nn.Module):
            raise TypeError(f"net must be a torch.nn.Module, got {type(net).__name__}")
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        if out.shape != x.shape:
            raise ValueError(f"Residual needs net(x) shaped like x, got {tuple(out.shape)} for x of shape "
                             f"{tuple(x.shape)}; give net as many outputs as inputs")
        return out + x


@dataclasses.dataclass(repr=False)
class ResidualComparison:
    """A plain MLP and a Residual MLP trained on the same data, evaluated on a wide grid."""

    x: np.ndarray  # (G,)
    truth: np.ndarray  # (G,)
    plain: np.ndarray  # (K, G) predictions of plain MLPs
    residual: np.ndarray  # (K, G) predictions of Residual(MLP)s
    domain: tuple[float, float]
    seconds: float

    def summary(self) -> dict[str, float]:
        """MSE (averaged over models) inside and outside the training domain, per kind of model."""
        inside = (self.x >= self.domain[0]) & (self.x <= self.domain[1])
        out = {}
        for name in ("plain", "residual"):
            squared = (getattr(self, name) - self.truth) ** 2
            out[f"{name}_inside"], out[f"{name}_outside"] = _inside_outside(squared, inside)
        return out

    def __repr__(self) -> str:
        s = self.summary()
        lines = [f"ResidualComparison({len(self.plain)} models each, domain {self.domain}, "
                 f"{self.seconds:.2f} s)"]
        for name, label in (("plain", "plain MLP"), ("residual", "NN(x) + x")):
            inside, outside = s[f"{name}_inside"], s[f"{name}_outside"]
            lines.append(f"  {label}:  MSE inside {inside:.3g}, outside {outside:.3g}")
        return "\n".join(lines)


def compare_residual(wiggle=0.0, *, n_models=8, n_train=50, grid=(-3.0, 3.0), n_grid=301, width=32,
                     epochs=500, lr=1e-2, random_state=None) -> ResidualComparison:
    """f(x) = x + wiggle * sin(3x) learnt on [-0.5, 0.5] by plain MLPs and by Residual(MLP)s.

    A Residual(net) trained on y is the same as net trained on y - x, plus x: that is
    how the K residual models are trained here, all at once. Both kinds start from the
    same K initial weights. Defaults (f(x) = x, random_state=0, about 0.7 s on one CPU
    thread): MSE outside the domain 0.51 for plain MLPs, 0.004 for residual ones (both
    about 1e-6 inside). With ``wiggle=0.1``: 0.30 against 0.045: the residual net cannot
    extrapolate the wiggle either, but the wiggle is small.
    """
    wiggle = check_float("wiggle", wiggle)
    n_models = check_int("n_models", n_models, min_value=1)
    n_train = check_int("n_train", n_train, min_value=2)
    low, high = check_interval("grid", grid)
    n_grid = check_int("n_grid", n_grid, min_value=2)
    rng = check_random_state("random_state", random_state)
    start = time.perf_counter()

    def f(x):
        return x + wiggle * np.sin(3 * x)

    X = rng.uniform(-0.5, 0.5, size=(n_train, 1))
    y = f(X[:, 0])
    x = np.linspace(low, high, n_grid)
    seed = int(rng.integers(2**31))
    settings = dict(n_models=n_models, width=width, depth=2, activation="relu", epochs=epochs, lr=lr,
                    random_state=seed)
    plain = predict_batched(train_mlps(X, y, **settings), x[:, None])[..., 0]
    residual = predict_batched(train_mlps(X, y - X[:, 0], **settings), x[:, None])[..., 0] + x
    return ResidualComparison(x, f(x), plain, residual, (-0.5, 0.5), time.perf_counter() - start)


# ---------------------------------------------------------------- a symmetry in the loss

@dataclasses.dataclass(repr=False)
class SymmetryResult:
    """MLPs trained on x in ``domain`` only, without and with an odd-symmetry penalty."""

    x: np.ndarray  # (G,) grid over [-2 * high, 2 * high]
    truth: np.ndarray  # (G,)
    without: np.ndarray  # (K, G) predictions, data loss only
    with_penalty: np.ndarray  # (K, G) predictions, data loss + penalty * mean (g(x) + g(-x))^2
    domain: tuple[float, float]
    penalty: float
    seconds: float

    def regions(self) -> dict[str, np.ndarray]:
        """Grid masks: the training domain, its mirror image, and beyond both."""
        low, high = self.domain
        inside = (self.x >= low) & (self.x <= high)
        mirror = (self.x >= -high) & (self.x <= -low)
        return {"inside": inside, "mirror": mirror, "beyond": np.abs(self.x) > high}

    def summary(self) -> dict[str, float]:
        """MSE over models, per region, without and with the penalty."""
        out = {}
        for name in ("without", "with_penalty"):
            squared = (getattr(self, name) - self.truth) ** 2
            for region, mask in self.regions().items():
                out[f"{name}_{region}"] = float(squared[:, mask].mean())
        return out

    def __repr__(self) -> str:
        s = self.summary()
        lines = [f"SymmetryResult(domain {self.domain}, penalty {self.penalty:g}, {self.seconds:.2f} s)",
                 "                 inside    mirror    beyond"]
        for name, label in (("without", "data loss only"), ("with_penalty", "+ symmetry")):
            lines.append(f"  {label:14s} " + " ".join(f"{s[f'{name}_{r}']:9.3g}"
                                                      for r in ("inside", "mirror", "beyond")))
        return "\n".join(lines)


def _fit_penalised(X, y, *, penalty, points, n_models, width, epochs, lr, random_state):
    """K MLPs on squared error + penalty * mean over ``points`` of (g(x) + g(-x))^2 (zero for odd g)."""
    model = BatchedMLP(n_models, 1, 1, width=width, depth=2, activation="tanh", random_state=random_state)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)[:, None]
    points = torch.as_tensor(points, dtype=torch.float32)[:, None]  # no labels needed here
    for _ in range(epochs):
        # sum over models of each model's own loss: Adam acts element-wise, so the models stay independent
        loss = ((model(X) - y) ** 2).mean(dim=(1, 2)).sum()  # model(X): (K, n, 1)
        if penalty:
            loss = loss + penalty * ((model(points) + model(-points)) ** 2).mean(dim=(1, 2)).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return model


def symmetry_demo(penalty=1.0, *, n_models=8, n_train=40, domain=(0.2, 2.0), n_grid=401, width=32,
                  epochs=400, lr=1e-2, random_state=None, progress=None) -> SymmetryResult:
    """Learn the odd f(x) = sin(2x) from x in ``domain`` only, with and without a symmetry penalty.

    The penalty, ``penalty * mean (g(x) + g(-x))^2`` over 100 points spread across
    [0, high], needs no labels: it states what we know (f is odd), so it can speak
    where there are no data. The mirror image of the domain is learnt from the data
    by symmetry; beyond |x| > high nothing helps. Defaults (random_state=0, about 1.5 s
    on one CPU thread), MSE inside / mirror / beyond: data loss only 3e-5 / 0.55 / 1.4;
    with the penalty 4e-4 / 2e-4 / 3.7 (beyond, it did not help and here hurt).

    ``progress``: a bar over the two runs once the work has run two seconds (None, the
    default), always (True) or never (False); see :mod:`labkit.progress`.
    """
    penalty = check_float("penalty", penalty, min_value=0.0)
    if penalty == 0:
        raise ValueError("penalty must be greater than 0 (the result holds both runs: without and with it)")
    n_models = check_int("n_models", n_models, min_value=1)
    n_train = check_int("n_train", n_train, min_value=2)
    low, high = check_interval("domain", domain)
    if low < 0:
        raise ValueError(f"domain must lie on x >= 0, so that its mirror image holds no data; got {domain!r}")
    n_grid = check_int("n_grid", n_grid, min_value=3)
    width, epochs = check_int("width", width, min_value=1), check_int("epochs", epochs, min_value=1)
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    rng = check_random_state("random_state", random_state)
    progress = check_progress(progress)
    start = time.perf_counter()
    X = rng.uniform(low, high, size=(n_train, 1))
    y = np.sin(2 * X[:, 0])
    x = np.linspace(-2 * high, 2 * high, n_grid)
    settings = dict(points=np.linspace(0.0, high, 100), n_models=n_models, width=width, epochs=epochs, lr=lr,
                    random_state=int(rng.integers(2**31)))
    penalties = (0.0, penalty)
    runs = [predict_batched(_fit_penalised(X, y, penalty=penalties[i], **settings), x[:, None])[..., 0]
            for i in steps(len(penalties), progress=progress, desc="symmetry runs")]
    return SymmetryResult(x, np.sin(2 * x), *runs, (low, high), penalty, time.perf_counter() - start)


# ---------------------------------------------------------------- discrepancy modelling

def small_angle_period(length, *, g=9.81):
    """The cheap simulator: 2 pi sqrt(L / g), exact only for small swings (the amplitude-0 limit)."""
    return pendulum_period(0.0, length, g=g)


@dataclasses.dataclass(repr=False)
class DiscrepancyResult:
    """Pendulum period from (length, amplitude): simulator alone, NN alone, simulator + NN."""

    errors: dict  # {"simulator" | "plain" | "discrepancy": {"inside": MSE, "outside": MSE}}
    length: np.ndarray  # (G,) lengths for a curve at amplitude ``curve_amplitude``
    curve_amplitude: float
    truth: np.ndarray  # (G,)
    simulator: np.ndarray  # (G,)
    plain: np.ndarray  # (K, G)
    discrepancy: np.ndarray  # (K, G)
    seconds: float

    def __repr__(self) -> str:
        lines = [f"DiscrepancyResult({len(self.plain)} models each, {self.seconds:.2f} s)",
                 "                          inside   outside (longer pendulums)"]
        for name, label in (("simulator", "small-angle formula"), ("plain", "NN replaces it"),
                            ("discrepancy", "formula + NN(error)")):
            e = self.errors[name]
            lines.append(f"  {label:22s} {e['inside']:9.3g} {e['outside']:9.3g}")
        return "\n".join(lines)


def discrepancy_demo(*, n_models=8, n_train=200, length=(0.25, 1.0), outside_length=(1.0, 4.0),
                     amplitude=(0.1, 1.2), width=32, epochs=800, lr=1e-2,
                     random_state=None) -> DiscrepancyResult:
    """Replace a cheap simulator with a network, or keep it and learn only its error?

    Truth: :func:`labkit.data.pendulum_period` of (length, amplitude). The cheap
    simulator, :func:`small_angle_period`, knows how the period grows with length
    but ignores the amplitude (about 9% short at 1.2 rad). Both networks
    (2-``width``-``width``-1, ReLU) train on lengths in ``length``; "outside" tests
    lengths in ``outside_length``, amplitudes in the same range. The plain network
    must extrapolate sqrt(L) and cannot; the discrepancy network only extrapolates a
    small correction. Defaults (random_state=0, about 1.5 s on one CPU thread), MSE
    (s^2) inside / outside: simulator alone 0.0048 / 0.020; network alone 2e-4 / 0.68;
    simulator + network 2e-6 / 0.0066, better than either everywhere.
    """
    n_models = check_int("n_models", n_models, min_value=1)
    n_train = check_int("n_train", n_train, min_value=2)
    boxes = {name: check_interval(name, value) for name, value in
             (("length", length), ("outside_length", outside_length), ("amplitude", amplitude))}
    if boxes["length"][0] <= 0 or boxes["outside_length"][0] <= 0:
        raise ValueError(f"length and outside_length must be positive (metres), got {length!r} and "
                         f"{outside_length!r}")
    if boxes["amplitude"][0] < 0 or boxes["amplitude"][1] >= np.pi:
        raise ValueError(f"amplitude must lie within [0, pi) radians, got {amplitude!r}")
    width, epochs = check_int("width", width, min_value=1), check_int("epochs", epochs, min_value=1)
    lr = check_float("lr", lr, min_value=0.0, strict_min=True)
    rng = check_random_state("random_state", random_state)
    start = time.perf_counter()

    def sample(lengths, n):
        X = np.column_stack([rng.uniform(*lengths, size=n), rng.uniform(*boxes["amplitude"], size=n)])
        return X, pendulum_period(X[:, 1], X[:, 0])

    X, y = sample(boxes["length"], n_train)
    settings = dict(n_models=n_models, width=width, depth=2, activation="relu", epochs=epochs, lr=lr,
                    random_state=int(rng.integers(2**31)))
    plain = train_mlps(X, y, **settings)
    correction = train_mlps(X, y - small_angle_period(X[:, 0]), **settings)
    predictors = {
        "simulator": lambda X: small_angle_period(X[:, 0])[None],
        "plain": lambda X: predict_batched(plain, X)[..., 0],
        "discrepancy": lambda X: small_angle_period(X[:, 0]) + predict_batched(correction, X)[..., 0],
    }
    tests = {"inside": sample(boxes["length"], 1000), "outside": sample(boxes["outside_length"], 1000)}
    errors = {name: {where: float(np.mean((predict(X_t) - y_t) ** 2)) for where, (X_t, y_t) in tests.items()}
              for name, predict in predictors.items()}
    curve_amplitude = float(np.mean(boxes["amplitude"]))
    L = np.linspace(boxes["length"][0], boxes["outside_length"][1], 200)
    X_curve = np.column_stack([L, np.full_like(L, curve_amplitude)])
    return DiscrepancyResult(errors, L, curve_amplitude, pendulum_period(curve_amplitude, L),
                             small_angle_period(L), predictors["plain"](X_curve),
                             predictors["discrepancy"](X_curve), time.perf_counter() - start)


# ---------------------------------------------------------------- the explorer's computation

def fit_identity(domain_width=1.0, *, activation="relu", width=16, depth=2, n_models=3, n_train=50,
                 epochs=400, lr=1e-2, x_range=4.0, n_grid=401, random_state=0) -> SpreadResult:
    """Train ``n_models`` MLPs on f(x) = x, x uniform in [-domain_width / 2, domain_width / 2]; predict on
    [-x_range, x_range]. All models see the same data and differ only in their initial weights."""
    half = check_float("domain_width", domain_width, min_value=0.0, strict_min=True) / 2
    x_range = check_float("x_range", x_range, min_value=half, strict_min=True)
    n_train = check_int("n_train", n_train, min_value=2)
    n_grid = check_int("n_grid", n_grid, min_value=2)
    start = time.perf_counter()
    X, y = make_identity(n_train, domain=(-half, half), random_state=random_state)
    model = train_mlps(X, y, n_models=n_models, width=width, depth=depth, epochs=epochs, lr=lr,
                       random_state=random_state,
                       activation=activation)
    x = np.linspace(-x_range, x_range, n_grid)
    predictions = predict_batched(model, x[:, None])[..., 0]  # (K, G)
    return SpreadResult(x, x.copy(), predictions, (-half, half), time.perf_counter() - start)
