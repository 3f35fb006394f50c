"""Where a search's trials land: uniform against log-uniform draws, and a grid against random points.

Two pictures of the hyperparameter-search lab rest on this module:

- **Log scale** (Lusch's slide, after Ng): learning rates drawn uniformly land about 90% in
  the top decade, 9% in the next and 1% in the one below, since each decade's share is its
  share of the *length* of the range; drawn log-uniformly (the exponent uniform, the rate
  ``10**exponent``) each decade gets the same share. The slide's range, [1e-4, 1e-2], holds
  two decades (uniform: 91% and 9%; log: half each); its three shares 90/9/1 and "a third
  each" are those of a three-decade range such as [1e-4, 1e-1], which the lab uses.
  :func:`draw` makes the draws and :func:`decade_shares` counts them per decade.
- **Grid against random** (Bergstra and Bengio 2012, "Random search for hyper-parameter
  optimization"; Goodfellow et al. 2016, figure 11.2): with 9 trials over two
  hyperparameters of which one matters, a 3 x 3 grid tries only 3 values of the one that
  matters, 9 random points try 9. :func:`grid_points` and :func:`random_points` place the
  trials; :func:`grid_vs_random` evaluates both sets, and a landscape under them, on any
  batched objective (the lab's :class:`labkit.search.objective.Objective`).

A search space here is a mapping ``{name: (low, high)}`` in the units searched (for a rate,
its log10 exponent: ``{"log10_lr": (-4, -1)}``); points are arrays (n_points, n_params) with
the columns in the space's order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from labkit.arguments import check_choice, check_float, check_int, check_random_state

__all__ = ["SCALES", "draw", "decade_shares", "decade_edges", "Decades", "check_space", "grid_points",
           "random_points", "grid_vs_random", "GridVsRandom"]

SCALES = ("uniform", "log")


def _check_range(low, high) -> tuple[float, float]:
    low = check_float("low", low, min_value=0.0, strict_min=True)
    high = check_float("high", high, min_value=0.0, strict_min=True)
    if high <= low:
        raise ValueError(f"high must be greater than low, got low={low:g}, high={high:g}")
    return low, high


def draw(low, high, n, *, scale="uniform", random_state=None) -> np.ndarray:
    """``n`` values drawn from [low, high]: uniformly, or log-uniformly (``scale="log"``).

    Log-uniform draws pick the exponent uniformly in [log10 low, log10 high] and return
    ``10**exponent`` (Lusch: "choose exponent k uniformly, then set learning rate = 10^k").
    Returns a float array of shape (n,). ``low`` and ``high`` must be positive with
    ``low < high``; ``scale`` is ``"uniform"`` or ``"log"``; bad values raise ValueError/TypeError.
    """
    low, high = _check_range(low, high)
    n = check_int("n", n, min_value=1, max_value=10_000_000)
    scale = check_choice("scale", scale, SCALES)
    rng = check_random_state("random_state", random_state)
    if scale == "uniform":
        return rng.uniform(low, high, size=n)
    return 10.0 ** rng.uniform(math.log10(low), math.log10(high), size=n)


@dataclass(frozen=True)
class Decades:
    """Draws counted per decade: ``edges`` (m + 1,) from ``low`` to ``high`` at the powers of ten
    between them, ``counts`` and ``shares`` (m,), shares summing to 1."""

    edges: np.ndarray
    counts: np.ndarray
    shares: np.ndarray

    def __str__(self) -> str:
        ends = zip(self.edges[:-1], self.edges[1:], self.shares, strict=True)
        parts = [f"[{a:.0e}, {b:.0e}]: {s:.1%}" for a, b, s in ends]
        return "; ".join(parts)


def decade_edges(low, high) -> np.ndarray:
    """``low``, the powers of ten strictly between ``low`` and ``high``, and ``high``: shape (m + 1,)."""
    low, high = _check_range(low, high)
    inner = 10.0 ** np.arange(math.floor(math.log10(low)) + 1, math.ceil(math.log10(high)))
    inner = inner[(inner > low * (1 + 1e-12)) & (inner < high * (1 - 1e-12))]
    return np.concatenate([[low], inner, [high]])


def decade_shares(values, low, high) -> Decades:
    """The share of ``values`` (1-D, inside [low, high]) in each decade of [low, high].

    [1e-4, 1e-2] has two decades, [1e-4, 1e-3) and [1e-3, 1e-2]; a range whose ends are not
    powers of ten has part-decades at its ends. Values outside [low, high] raise ValueError.
    """
    edges = decade_edges(low, high)
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or not len(values):
        raise ValueError(f"values must be a non-empty 1-D array, got shape {values.shape}")
    if not np.all(np.isfinite(values)) or values.min() < edges[0] or values.max() > edges[-1]:
        raise ValueError(f"values must lie in [low, high] = [{edges[0]:g}, {edges[-1]:g}], got values from "
                         f"{np.nanmin(values):g} to {np.nanmax(values):g}")
    counts = np.histogram(values, bins=edges)[0]
    return Decades(edges=edges, counts=counts, shares=counts / counts.sum())


def check_space(space) -> dict[str, tuple[float, float]]:
    """``space`` as ``{name: (low, high)}`` with float ends, ``low < high``; else TypeError/ValueError."""
    if not isinstance(space, dict) or not space:
        raise TypeError(f"space must be a non-empty dict {{name: (low, high)}}, got {space!r:.80}")
    checked = {}
    for name, bounds in space.items():
        if not isinstance(name, str):
            raise TypeError(f"space's names must be strings, got {name!r}")
        if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
            raise ValueError(f"space[{name!r}] must be a (low, high) pair, got {bounds!r}")
        low = check_float(f"space[{name!r}] low", bounds[0])
        high = check_float(f"space[{name!r}] high", bounds[1])
        if high <= low:
            raise ValueError(f"space[{name!r}] must have low < high, got {bounds!r}")
        checked[name] = (low, high)
    return checked


def grid_points(space, n) -> np.ndarray:
    """A full grid of ``n`` trials over ``space``: ``k`` values per parameter with ``k**d == n``.

    The ``k`` values of a parameter are the centres of ``k`` equal cells of its range (a grid
    on the range's ends would spend a third of the trials on its edges). Returns (n, d),
    rows in C order (the last parameter varies fastest). ``n`` that is no ``d``-th power raises.
    """
    space = check_space(space)
    n = check_int("n", n, min_value=1, max_value=1_000_000)
    d = len(space)
    k = round(n ** (1 / d))
    if k ** d != n:
        raise ValueError(f"n must be a perfect power k**{d} for a full grid over {d} parameters "
                         f"(such as {max(k, 2) ** d}), got {n}")
    axes = [low + (np.arange(k) + 0.5) * (high - low) / k for low, high in space.values()]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(n, d)


def random_points(space, n, random_state=None) -> np.ndarray:
    """``n`` trials drawn uniformly and independently over ``space``: shape (n, d)."""
    space = check_space(space)
    n = check_int("n", n, min_value=1, max_value=1_000_000)
    rng = check_random_state("random_state", random_state)
    lows, highs = (np.array(ends) for ends in zip(*space.values(), strict=True))
    return lows + rng.uniform(size=(n, len(space))) * (highs - lows)


@dataclass(frozen=True)
class GridVsRandom:
    """A grid and a random search of equal size on one objective over two parameters, and its landscape.

    ``axes`` are the landscape's values per parameter, shapes (r,) and (r,); ``landscape`` (r, r)
    the objective at ``axes[0][i], axes[1][j]``; ``grid`` and ``random`` (n, 2) the trials and
    ``grid_errors``, ``random_errors`` (n,) their errors; ``marginal`` (r,) the landscape's best
    over the other parameter at each value of the ``important`` one (column index).
    """

    names: tuple[str, str]
    important: int
    axes: tuple[np.ndarray, np.ndarray]
    landscape: np.ndarray
    marginal: np.ndarray
    grid: np.ndarray
    grid_errors: np.ndarray
    random: np.ndarray
    random_errors: np.ndarray

    def distinct(self, which: str) -> int:
        """How many distinct values of the important parameter ``which`` ("grid" or "random") tried."""
        points = getattr(self, check_choice("which", which, ("grid", "random")))
        return len(np.unique(np.round(points[:, self.important], 9)))

    def best(self, which: str) -> float:
        """The lowest error ``which`` ("grid" or "random") found."""
        return float(np.min(getattr(self, f"{check_choice('which', which, ('grid', 'random'))}_errors")))

    def __str__(self) -> str:
        name = self.names[self.important]
        return (f"{len(self.grid)} trials each. Grid: {self.distinct('grid')} values of {name}, best error "
                f"{self.best('grid'):.4g}. Random: {self.distinct('random')} values of {name}, best error "
                f"{self.best('random'):.4g}. Best on the landscape: {np.min(self.landscape):.4g}.")


def grid_vs_random(evaluate, space, n=9, *, important=0, resolution=9, random_state=None) -> GridVsRandom:
    """Evaluate an ``n``-trial grid, ``n`` random trials and a ``resolution`` x ``resolution`` landscape.

    ``evaluate(points)`` takes (m, 2) points in ``space``'s units and returns m errors; it is
    called once with all ``resolution**2 + 2 n`` points, so a batched objective trains them
    together. ``important`` is the column of the parameter that matters (for the picture's
    marginal). Bergstra and Bengio (2012), Goodfellow et al. (2016) figure 11.2.
    """
    if not callable(evaluate):
        raise TypeError(f"evaluate must be a function of (m, 2) points returning m errors, "
                        f"got {evaluate!r:.60}")
    space = check_space(space)
    if len(space) != 2:
        raise ValueError(f"space must have exactly 2 parameters for this picture, got {len(space)}: "
                         f"{list(space)}")
    important = check_int("important", important, min_value=0, max_value=1)
    resolution = check_int("resolution", resolution, min_value=2, max_value=64)
    grid, rand = grid_points(space, n), random_points(space, n, random_state)
    axes = tuple(np.linspace(low, high, resolution) for low, high in space.values())
    mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
    errors = np.asarray(evaluate(np.concatenate([mesh, grid, rand])), dtype=float).ravel()
    if errors.shape != (len(mesh) + 2 * n,):
        raise ValueError(f"evaluate must return one error per point ({len(mesh) + 2 * n}), got shape "
                         f"{errors.shape}")
    landscape = errors[:len(mesh)].reshape(resolution, resolution)
    marginal = np.nanmin(landscape, axis=1 - important)
    return GridVsRandom(names=tuple(space), important=important, axes=axes, landscape=landscape,
                        marginal=marginal, grid=grid, grid_errors=errors[len(mesh):len(mesh) + n],
                        random=rand, random_errors=errors[len(mesh) + n:])
