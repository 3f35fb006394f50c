"""Optimizers on 2-D loss surfaces: the update rules written out, and where gradient descent blows up.

A :class:`Surface` is a loss of two weights, ``value(W)`` and ``grad(W)`` for ``W`` of shape
(..., 2), vectorized in float64: :func:`quadratic` (an ill-conditioned bowl), :func:`rosenbrock`
and :func:`two_weight_network` (the real mean-squared loss of a network with two weights).

The update rules are tiny pure functions with one signature, so a lab can write its own::

    rule(w, g, state, lr, momentum) -> new w

``w`` and ``g`` are (K, 2) arrays (K trajectories), ``state`` a dict the rule owns (empty at the
first step; it keeps its velocity or averages there), ``lr`` a number or a (K, 1) array, and
``momentum`` the momentum slider's value (rules without momentum ignore it). Each follows
``torch.optim``'s convention exactly (tests compare them step by step).

Gradient descent on a quadratic with largest curvature L diverges for lr > 2/L (Goodfellow et
al., *Deep Learning*, sec. 4.3 and 8.2; the three regimes of their fig. 11.1); heavy-ball
momentum moves that bound to 2(1 + mu)/L (Goh, "Why momentum really works", Distill 2017).
:func:`largest_stable_lr` measures the bound by bisection and :func:`stability_threshold` says it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from labkit.arguments import check_choice, check_float, check_int
from labkit.data import make_sine

__all__ = ["Surface", "quadratic", "rosenbrock", "two_weight_network", "sgd_step", "momentum_step",
           "nesterov_step", "adam_step", "rmsprop_step", "RULES", "RULE_LABELS", "Trajectory", "trajectory",
           "trajectories", "StableRate", "largest_stable_lr", "stability_threshold"]

ESCAPE = 10.0  # a run has diverged once it is this many box half-widths from the box's centre


@dataclasses.dataclass(frozen=True, repr=False)
class Surface:
    """A loss of two weights: ``value(W)`` (...,) and ``grad(W)`` (..., 2) for W (..., 2), float64.

    ``curvature`` is the Hessian's largest eigenvalue (at the minimum, where it varies), None if unknown.
    """

    name: str
    formula: str
    value_fn: Callable
    grad_fn: Callable
    xlim: tuple
    ylim: tuple
    minimum: tuple
    start: tuple
    curvature: float | None = None

    def value(self, W) -> np.ndarray:
        return self.value_fn(_weights(W))

    def grad(self, W) -> np.ndarray:
        return self.grad_fn(_weights(W))

    def far(self, W) -> np.ndarray:
        """True where W (..., 2) is non-finite or more than ESCAPE box half-widths from the box's centre."""
        centre, reach = self._escape
        return ~(np.abs(W - centre) <= reach).all(axis=-1)  # NaN compares False: far

    @property
    def _escape(self) -> tuple[np.ndarray, np.ndarray]:
        centre = np.array([sum(self.xlim), sum(self.ylim)]) / 2
        return centre, ESCAPE * np.array([self.xlim[1] - self.xlim[0], self.ylim[1] - self.ylim[0]]) / 2

    def __repr__(self) -> str:
        curvature = "unknown" if self.curvature is None else f"{self.curvature:.4g}"
        return (f"Surface({self.name!r}: {self.formula}; minimum at ({self.minimum[0]:.4g}, "
                f"{self.minimum[1]:.4g}), largest curvature {curvature})")


def _weights(W) -> np.ndarray:
    W = np.asarray(W, dtype=np.float64)
    if W.shape[-1:] != (2,):
        raise ValueError(f"W must have shape (..., 2), one (w1, w2) pair per point, got shape {W.shape}")
    return W


def quadratic(condition=10.0, *, angle=0.0, start=(-3.5, 2.0)) -> Surface:
    """f(w) = 1/2 w^T A w with A's eigenvalues 1 and ``condition``, its axes turned by ``angle`` degrees.

    The largest curvature is L = ``condition``: gradient descent diverges for lr > 2/condition.
    """
    condition = check_float("condition", condition, min_value=1.0, max_value=1e4)
    angle = np.deg2rad(check_float("angle", angle))
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    A = R @ np.diag([1.0, condition]) @ R.T  # (2, 2)
    return Surface("quadratic", f"1/2 w^T A w, eigenvalues 1 and {condition:g}",
                   lambda W: 0.5 * np.einsum("...i,ij,...j->...", W, A, W), lambda W: W @ A,
                   (-4.0, 4.0), (-3.0, 3.0), (0.0, 0.0), _start(start), condition)


def rosenbrock(*, a=1.0, b=100.0, start=(-1.5, 2.0)) -> Surface:
    """Rosenbrock's banana valley (a - x)^2 + b (y - x^2)^2, minimum at (a, a^2); curvature there ~1002."""
    a, b = check_float("a", a), check_float("b", b, min_value=0.0, strict_min=True)

    def value(W):
        x, y = W[..., 0], W[..., 1]
        return (a - x) ** 2 + b * (y - x**2) ** 2

    def grad(W):
        x, y = W[..., 0], W[..., 1]
        return np.stack([-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)], axis=-1)

    hessian = np.array([[2 + 8 * b * a**2, -4 * b * a], [-4 * b * a, 2 * b]])  # at (a, a^2)
    return Surface("rosenbrock", f"({a:g} - x)^2 + {b:g} (y - x^2)^2", value, grad, (-2.0, 2.0),
                   (-1.0, 3.0), (a, a**2), _start(start), float(np.linalg.eigvalsh(hessian)[-1]))


def two_weight_network(n_samples=40, *, noise=0.1, random_state=0, start=(0.6, 2.5)) -> Surface:
    """The real MSE of y_hat = w2 * tanh(w1 * x) on :func:`labkit.data.make_sine` points (exact gradient).

    A network with one hidden unit and no biases: two weights, so its whole loss fits in a picture.
    (w1, w2) and (-w1, -w2) give the same network, so there are two minima; ``minimum`` is the one
    with w1 > 0, found by gradient descent; ``curvature`` is the Hessian's largest eigenvalue there.
    """
    X, y = make_sine(n_samples, noise=noise, random_state=random_state)
    x = X[:, 0]  # (N,)

    def value(W):
        w1, w2 = W[..., 0, None], W[..., 1, None]  # (..., 1) against x (N,)
        return ((w2 * np.tanh(w1 * x) - y) ** 2).sum(axis=-1) / len(x)

    def grad(W):
        w1, w2 = W[..., 0, None], W[..., 1, None]
        t = np.tanh(w1 * x)  # (..., N)
        r = 2 * (w2 * t - y)  # d loss / d y_hat, times N (..., N)
        return np.stack([(r * w2 * (1 - t**2)) @ x, (r * t).sum(axis=-1)], axis=-1) / len(x)

    w = np.array([1.0, 1.0])
    for _ in range(3000):  # plain gradient descent to the minimum (a smooth, small problem)
        w = w - 0.2 * grad(w)
    eps = 1e-5
    hessian = np.stack([(grad(w + d) - grad(w - d)) / (2 * eps) for d in np.eye(2) * eps])
    return Surface("two-weight network", "mean (w2 tanh(w1 x) - y)^2 on sine data", value, grad, (-3.0, 3.0),
                   (-3.0, 3.0), (float(w[0]), float(w[1])), _start(start),
                   float(np.linalg.eigvalsh((hessian + hessian.T) / 2)[-1]))


def _start(start) -> tuple:
    """A starting point (x, y) as two checked floats."""
    if isinstance(start, (str, bytes)) or not hasattr(start, "__len__") or len(start) != 2:
        raise TypeError(f"start must be an (x, y) pair of numbers, got {start!r}")
    return tuple(check_float(f"start[{i}]", v) for i, v in enumerate(start))


# ------------------------------------------------------------ the update rules (torch.optim's conventions)

def sgd_step(w, g, state, lr, momentum):
    """Plain gradient descent: w <- w - lr g (``momentum`` ignored)."""
    return w - lr * g


def momentum_step(w, g, state, lr, momentum):
    """Heavy ball, torch.optim.SGD's convention: v <- momentum v + g; w <- w - lr v."""
    state["v"] = momentum * state.get("v", 0.0) + g
    return w - lr * state["v"]


def nesterov_step(w, g, state, lr, momentum):
    """Nesterov, torch's convention (``nesterov=True``): v <- momentum v + g; w <- w - lr (g + momentum v)."""
    state["v"] = momentum * state.get("v", 0.0) + g
    return w - lr * (g + momentum * state["v"])


def adam_step(w, g, state, lr, momentum, betas=(0.9, 0.999), eps=1e-8):
    """Adam (Kingma and Ba 2015) with torch's defaults and bias correction (``momentum`` ignored)."""
    t = state["t"] = state.get("t", 0) + 1
    state["m"] = betas[0] * state.get("m", 0.0) + (1 - betas[0]) * g
    state["s"] = betas[1] * state.get("s", 0.0) + (1 - betas[1]) * g**2
    denominator = np.sqrt(state["s"]) / np.sqrt(1 - betas[1] ** t) + eps
    return w - lr / (1 - betas[0] ** t) * state["m"] / denominator


def rmsprop_step(w, g, state, lr, momentum, alpha=0.99, eps=1e-8):
    """RMSprop (Hinton's lecture 6e), torch's defaults (``momentum`` ignored).

    s <- alpha s + (1 - alpha) g^2; w <- w - lr g / (sqrt(s) + eps).
    """
    state["s"] = alpha * state.get("s", 0.0) + (1 - alpha) * g**2
    return w - lr * g / (np.sqrt(state["s"]) + eps)


RULES = {"sgd": sgd_step, "momentum": momentum_step, "nesterov": nesterov_step, "adam": adam_step,
         "rmsprop": rmsprop_step}
RULE_LABELS = {"sgd": "SGD", "momentum": "momentum", "nesterov": "Nesterov", "adam": "Adam",
               "rmsprop": "RMSprop"}


def _rule(rule, argument="rule") -> tuple[str, Callable]:
    """(label, function) for a rule's name or a user's function; errors name ``argument``."""
    if callable(rule):
        return getattr(rule, "__name__", "rule"), rule
    if isinstance(rule, str):
        name = check_choice(argument, rule, RULES)
        return RULE_LABELS[name], RULES[name]
    raise TypeError(f"{argument} must be one of {sorted(RULES)} or a function "
                    f"rule(w, g, state, lr, momentum) -> w, got {rule!r}")


# ---------------------------------------------------------------- running them

@dataclasses.dataclass(repr=False)
class Trajectory:
    """One run: ``path`` (steps + 1, 2) and ``values`` (steps + 1,), NaN after ``diverged_at``.

    ``diverged_at`` is the first step whose point was non-finite or far outside the surface's box
    (that point is kept when finite, so a drawn path leaves the picture); None if it never was.
    """

    rule: str
    lr: float
    momentum: float
    path: np.ndarray
    values: np.ndarray
    diverged_at: int | None

    @property
    def final(self) -> np.ndarray:
        """The last finite point (2,)."""
        return self.path[np.isfinite(self.path).all(axis=1)][-1]

    def __repr__(self) -> str:
        how = (f"diverged at step {self.diverged_at}" if self.diverged_at is not None
               else f"final loss {self.values[-1]:.4g} at ({self.final[0]:.4g}, {self.final[1]:.4g})")
        uses = "" if self.rule in ("SGD", "Adam", "RMSprop") else f", momentum={self.momentum:g}"
        return f"Trajectory({self.rule}, lr={self.lr:.4g}{uses}, {len(self.path) - 1} steps: {how})"


def _simulate(surface: Surface, groups: list, momentum: float, steps: int, start: np.ndarray):
    """Run ``groups`` = [(label, function, lr (k, 1))] in lockstep from ``start`` (2,).

    Returns paths (steps + 1, K, 2) and the step each diverged at (K,), -1 where it did not.
    """
    sizes = [len(lr) for _, _, lr in groups]
    edges = np.cumsum([0, *sizes])
    W = np.tile(start, (edges[-1], 1))  # (K, 2)
    paths = np.full((steps + 1, len(W), 2), np.nan)
    paths[0] = W
    diverged = np.full(len(W), -1)
    states = [{} for _ in groups]
    centre, reach = surface._escape
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            G = surface.grad_fn(W)  # W is checked: skip the check of every step
            for (label, fn, lr), state, a, b in zip(groups, states, edges[:-1], edges[1:], strict=True):
                new = np.asarray(fn(W[a:b], G[a:b], state, lr, momentum), dtype=np.float64)
                if new.shape != (b - a, 2):
                    raise ValueError(f"rule {label!r} returned shape {new.shape}; "
                                     f"it must return the new w, of the shape of w {(int(b - a), 2)}")
                W[a:b] = new
            far = ~(np.abs(W - centre) <= reach).all(axis=-1)  # surface.far, inlined: NaN is far
            paths[t] = W
            if far.any():
                diverged[far & (diverged < 0)] = t
                paths[t][~np.isfinite(W)] = np.nan  # Inf is not drawn
                W[far] = np.nan  # stopped: a diverged run stays NaN
                if (diverged >= 0).all():
                    break
    return paths, diverged


def _check_run(lr, momentum, steps, start, surface):
    if not isinstance(surface, Surface):
        raise TypeError(f"surface must be a Surface (quadratic(), rosenbrock(), ...), "
                        f"got {type(surface).__name__}")
    momentum = check_float("momentum", momentum, min_value=0.0, max_value=1.0)
    steps = check_int("steps", steps, min_value=1, max_value=100_000)
    start = np.array(surface.start if start is None else _start(start))
    return momentum, steps, start


def trajectories(surface: Surface, rules=("sgd", "momentum", "nesterov", "adam"), *, lr, momentum=0.9,
                 steps=200, start=None) -> list[Trajectory]:
    """Several rules from one start, computed in lockstep; ``lr`` one number or {rule: lr}.

    ``rules``: names of :data:`RULES`, functions, or a dict {label: function or name}.
    """
    momentum, steps, start = _check_run(lr, momentum, steps, start, surface)
    if isinstance(rules, (str, bytes)) or callable(rules):
        rules = [rules]
    if not hasattr(rules, "__iter__"):
        raise TypeError(f"rules must be a list of names in {sorted(RULES)} or functions, or a dict "
                        f"{{label: rule}}, got {rules!r:.80}")
    if isinstance(rules, dict):
        named = [(str(label), _rule(r, f"rules[{label!r}]")[1]) for label, r in rules.items()]
        rules = list(rules)
    else:
        named = [_rule(r, f"rules[{i}]") for i, r in enumerate(rules)]
    if not named:
        raise ValueError(f"rules must name at least one rule, got {rules!r}")
    rates = [check_float("lr", lr[r] if isinstance(lr, dict) else lr, min_value=0.0, strict_min=True)
             for r in rules]
    groups = [(label, fn, np.array([[rate]])) for (label, fn), rate in zip(named, rates, strict=True)]
    paths, diverged = _simulate(surface, groups, momentum, steps, start)
    with np.errstate(all="ignore"):
        values = surface.value(paths)  # (steps + 1, R)
    return [Trajectory(label, rate, momentum, paths[:, i], values[:, i], None if d < 0 else int(d))
            for i, ((label, _), rate, d) in enumerate(zip(named, rates, diverged, strict=True))]


def trajectory(surface: Surface, rule="sgd", *, lr, momentum=0.9, steps=200, start=None) -> Trajectory:
    """One rule's run of ``steps`` steps from ``start`` (the surface's own by default)."""
    _rule(rule)  # its errors name rule, not rules
    return trajectories(surface, [rule], lr=lr, momentum=momentum, steps=steps, start=start)[0]


def stability_threshold(surface: Surface, rule="sgd", *, momentum=0.9) -> float | None:
    """The largest stable rate on a quadratic of curvature L: 2/L for SGD, 2(1+mu)/L for heavy ball,
    2(1+mu)/((1+2mu) L) for torch's Nesterov; None for Adam, RMSprop, a user's rule or unknown L."""
    _check_run(1.0, momentum, 1, None, surface)  # surface and momentum
    _rule(rule)
    if not isinstance(rule, str) or rule not in ("sgd", "momentum", "nesterov") or surface.curvature is None:
        return None
    mu = check_float("momentum", momentum, min_value=0.0, max_value=1.0)
    factor = {"sgd": 2.0, "momentum": 2 * (1 + mu), "nesterov": 2 * (1 + mu) / (1 + 2 * mu)}[rule]
    return factor / surface.curvature


@dataclasses.dataclass(repr=False)
class StableRate:
    """The measured largest rate that ran ``steps`` steps without diverging, and the theory's bound."""

    rule: str
    lr: float
    threshold: float | None
    steps: int

    def __repr__(self) -> str:
        text = f"StableRate({self.rule}: largest stable lr {self.lr:.4g} over {self.steps} steps"
        if self.threshold is not None:
            text += f"; theory {self.threshold:.4g} (ratio {self.lr / self.threshold:.3f})"
        return text + ")"


def largest_stable_lr(surface: Surface, rule="sgd", *, momentum=0.9, steps=200, start=None, low=1e-6,
                      high=100.0, rtol=1e-3, n_grid=8) -> StableRate:
    """Bisect (``n_grid`` rates a round, on a log scale) for the largest rate that does not diverge.

    ``low`` must run stably and ``high`` diverge, else ValueError. Stops when high / low < 1 + ``rtol``.
    """
    momentum, steps, start = _check_run(1.0, momentum, steps, start, surface)
    low, high = check_float("low", low, min_value=0.0, strict_min=True), check_float("high", high)
    rtol = check_float("rtol", rtol, min_value=1e-9, max_value=1.0, strict_min=True)
    n_grid = check_int("n_grid", n_grid, min_value=1, max_value=64)
    label, fn = _rule(rule)
    ends = np.geomspace(low, high, 2) if high > low else None
    if ends is None:
        raise ValueError(f"high must be greater than low = {low:g}, got {high!r}")
    ok = _simulate(surface, [(label, fn, ends[:, None])], momentum, steps, start)[1] < 0
    if not ok[0] or ok[1]:
        which = "low" if not ok[0] else "high"
        raise ValueError(f"{which}={ends[int(which == 'high')]:g} must {'not ' * (which == 'low')}diverge "
                         f"for the bisection; choose a {'smaller' if which == 'low' else 'larger'} {which}")
    while high / low > 1 + rtol:
        grid = np.geomspace(low, high, n_grid + 2)[1:-1]
        stable = _simulate(surface, [(label, fn, grid[:, None])], momentum, steps, start)[1] < 0
        first_bad = int(np.argmin(stable)) if not stable.all() else n_grid
        high = grid[first_bad] if first_bad < n_grid else high
        low = grid[first_bad - 1] if first_bad > 0 else low
    return StableRate(label, float(low), stability_threshold(surface, rule, momentum=momentum), steps)
