"""Bayesian optimization step by step: a Gaussian-process surrogate and expected improvement.

After a few trials, fit a Gaussian process (GP) to the observed errors: its posterior mean
mu(x) guesses the error everywhere and its standard deviation sigma(x) says how unsure the guess
is. The next trial goes where the *expected improvement* over the best error so far is largest
(Jones, Schonlau and Welch 1998, "Efficient global optimization of expensive black-box
functions"; Snoek, Larochelle and Adams 2012, "Practical Bayesian optimization of machine
learning algorithms", the figure this lab redraws). For minimization, with f* the best
(lowest) observed value and z = (f* - mu - xi) / sigma,

    EI(x) = (f* - mu - xi) * Phi(z)  +  sigma * phi(z)          (EI = max(f* - mu - xi, 0) if sigma = 0)
            \\__ exploit: low mean __/    \\_ explore: high std _/

where Phi and phi are the standard normal CDF and density. The first term is large where the
mean is low (exploitation), the second where the surrogate is unsure (exploration).

The GP works in the unit cube of the search space (log10 scale for log dimensions) and models
log10 of the validation error (errors span decades). Kernel: a constant times a Matern 5/2
plus a WhiteKernel for noise, ``normalize_y=True`` (scikit-learn's GaussianProcessRegressor).
A GP assumes a smooth function: a cliff, such as divergence at high learning rates, fools it
(:func:`fooled_case`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

from labkit.arguments import check_float, check_int, check_random_state
from labkit.search.objective import Dimension, Objective, from_unit, to_unit

__all__ = ["expected_improvement", "fit_surrogate", "BayesStep", "bayes_step", "propose_next",
           "bayes_search", "FooledCase", "fooled_case"]


def expected_improvement(mean, std, best, *, xi=0.0) -> np.ndarray:
    """EI of a minimization at each point: arrays ``mean`` and ``std`` (same shape), ``best`` a number.

    EI = (best - mean - xi) Phi(z) + std phi(z), z = (best - mean - xi) / std; where std = 0 it
    is max(best - mean - xi, 0). ``xi`` >= 0 asks for a margin of improvement (more exploration).
    """
    mean, std = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    if mean.shape != std.shape:
        raise ValueError(f"mean and std must have one shape, got {mean.shape} and {std.shape}")
    if np.any(std < 0) or not np.all(np.isfinite(std)):
        raise ValueError("std must be finite and >= 0 everywhere")
    best = check_float("best", best)
    xi = check_float("xi", xi, min_value=0.0)
    gain = best - mean - xi  # how much lower than the best the mean is
    safe = np.where(std > 0, std, 1.0)
    z = gain / safe
    ei = gain * norm.cdf(z) + std * norm.pdf(z)
    return np.where(std > 0, np.maximum(ei, 0.0), np.maximum(gain, 0.0))


def fit_surrogate(points, values, *, kernel=None, optimize=True, random_state=0) -> GaussianProcessRegressor:
    """A GP fitted to ``points`` (n, d) in the unit cube and ``values`` (n,): Matern 5/2 + white noise.

    ``kernel``: where the kernel's hyperparameter fit starts (default: a fresh kernel); passing
    the previous step's ``gp.kernel_`` (a warm start) needs fewer likelihood evaluations.
    ``optimize=False`` keeps ``kernel``'s hyperparameters as they are (a Cholesky solve, ~2 ms,
    where the maximum-likelihood fit costs 50-100 ms): search loops refit them every few steps.
    """
    points = np.atleast_2d(np.asarray(points, dtype=float))
    values = np.asarray(values, dtype=float)
    if len(points) != len(values) or len(values) < 2 or not np.all(np.isfinite(values)):
        raise ValueError(f"points and values must have one length >= 2 and finite values, got {len(points)} "
                         f"points and {len(values)} values")
    d = points.shape[1]
    if kernel is None:
        matern = Matern(length_scale=[0.2] * d, length_scale_bounds=(1e-2, 10), nu=2.5)
        kernel = ConstantKernel(1.0, (1e-2, 1e2)) * matern + WhiteKernel(1e-3, (1e-6, 1e-1))
    gp = GaussianProcessRegressor(kernel=kernel, normalize_y=True, random_state=random_state,
                                  optimizer="fmin_l_bfgs_b" if optimize else None)
    with warnings.catch_warnings():  # a length scale at its bound is expected with few points, not news
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gp.fit(points, values)


@dataclass(eq=False)
class BayesStep:
    """One step of Bayesian optimization. Points are in the unit cube (log10 scale for log dimensions)."""

    space: tuple
    points: np.ndarray  # (n, d): the observed configurations
    errors: np.ndarray  # (n,): their validation errors
    grid: np.ndarray  # (m, d): where mean, std and ei are shown (a line in 1-D, a square grid in 2-D)
    mean: np.ndarray  # (m,): posterior mean of log10(error)
    std: np.ndarray  # (m,): posterior standard deviation of log10(error)
    ei: np.ndarray  # (m,): expected improvement on the grid
    next_point: np.ndarray  # (d,): the EI argmax
    next_mean: float
    next_std: float
    explores: bool  # False when next_point lies within 0.1 (unit cube) of the lowest posterior mean

    @property
    def next_config(self) -> dict:
        return from_unit(self.space, self.next_point[None])[0]

    @property
    def best_error(self) -> float:
        return float(self.errors.min())

    def __repr__(self) -> str:
        cfg = ", ".join(f"{k}={v:.3g}" for k, v in self.next_config.items())
        return (f"BayesStep({len(self.errors)} observations, best error {self.best_error:.4g}; next: {cfg}, "
                f"predicted log10 error {self.next_mean:.2f} +- {self.next_std:.2f}, "
                f"{'explores: away from' if self.explores else 'exploits: near'} the lowest mean)")


def propose_next(points, log_errors, *, xi=0.01, n_candidates=2000, kernel=None, optimize=True,
                 random_state=0):
    """(next point (d,), fitted GP): the EI argmax over a dense line (1-D) or random candidates (2-D+).

    ``points`` (n, d) in the unit cube, ``log_errors`` (n,); ``kernel``, ``optimize`` as
    :func:`fit_surrogate`.
    """
    points = np.atleast_2d(np.asarray(points, dtype=float))
    gp = fit_surrogate(points, log_errors, kernel=kernel, optimize=optimize or kernel is None)
    candidates = _candidates(points.shape[1], n_candidates, check_random_state("random_state", random_state))
    mean, std = gp.predict(candidates, return_std=True)
    ei = expected_improvement(mean, std, float(np.min(log_errors)), xi=xi)
    return candidates[int(np.argmax(ei))], gp


def _candidates(d, n, rng):
    if d == 1:
        return np.linspace(0.0, 1.0, n)[:, None]
    return rng.uniform(size=(n, d))


def _display_grid(d, n):
    if d == 1:
        return np.linspace(0.0, 1.0, n)[:, None]
    side = np.linspace(0.0, 1.0, int(round(n ** 0.5)))
    return np.stack([a.ravel() for a in np.meshgrid(side, side, indexing="ij")], axis=1)


def bayes_step(space, configs, errors, *, xi=0.01, n_grid=400, n_candidates=2000,
               random_state=0) -> BayesStep:
    """Fit the GP to ``configs`` (list of dicts) and ``errors`` (n,), and pick the next point by EI.

    1-D: EI is maximized over ``n_grid`` evenly spaced points, which are also the grid shown.
    2-D: over ``n_candidates`` random points and a square grid of about ``n_grid`` points (the
    contour), whichever holds the larger EI. Raises ValueError for fewer than 2 observations.
    """
    space = tuple(space)
    if not 1 <= len(space) <= 2 or not all(isinstance(d, Dimension) for d in space):
        raise ValueError(f"space must be 1 or 2 Dimensions, got {space!r:.80}")
    n_grid = check_int("n_grid", n_grid, min_value=4)
    n_candidates = check_int("n_candidates", n_candidates, min_value=1)
    points = to_unit(space, configs)
    errors = np.asarray(errors, dtype=float)
    if errors.shape != (len(points),) or np.any(errors <= 0):
        raise ValueError(f"errors must be ({len(points)},) positive numbers, one per config; "
                         f"got {errors!r:.80}")
    log_errors = np.log10(errors)
    gp = fit_surrogate(points, log_errors)
    grid = _display_grid(len(space), n_grid)
    pool = grid if len(space) == 1 else np.concatenate(
        [grid, _candidates(2, n_candidates, check_random_state("random_state", random_state))])
    mean, std = gp.predict(pool, return_std=True)
    ei = expected_improvement(mean, std, float(log_errors.min()), xi=xi)
    k = int(np.argmax(ei))
    near_best = np.linalg.norm(pool[k] - pool[int(np.argmin(mean))]) <= 0.1
    return BayesStep(space=space, points=points, errors=errors, grid=grid, mean=mean[:len(grid)],
                     std=std[:len(grid)], ei=ei[:len(grid)], next_point=pool[k], next_mean=float(mean[k]),
                     next_std=float(std[k]), explores=not near_best)


def bayes_search(objective, *, n_trials=12, n_initial=3, xi=0.01, random_state=0) -> list[BayesStep]:
    """Bayesian optimization of ``objective`` one trial at a time; the BayesStep before each GP-chosen trial.

    The first ``n_initial`` trials are log-uniform random draws; each later one is a step's
    next point. The last step's ``points``/``errors`` hold every trial but the final one.
    """
    if not isinstance(objective, Objective):
        raise TypeError(f"objective must be a labkit.search.objective.Objective, "
                        f"got {type(objective).__name__}")
    n_trials = check_int("n_trials", n_trials, min_value=3)
    n_initial = check_int("n_initial", n_initial, min_value=2, max_value=n_trials - 1)
    rng = check_random_state("random_state", random_state)
    configs = from_unit(objective.space, rng.uniform(size=(n_initial, len(objective.space))))
    errors = list(objective.evaluate(configs))
    steps = []
    while len(configs) < n_trials:
        step = bayes_step(objective.space, configs, errors, xi=xi, random_state=rng)
        steps.append(step)
        configs.append(step.next_config)
        errors.append(float(objective.evaluate([step.next_config])[0]))
    steps.append(bayes_step(objective.space, configs, errors, xi=xi, random_state=rng))
    return steps


@dataclass(eq=False)
class FooledCase:
    """A step where the surrogate was confidently wrong: what it predicted and what the trial gave."""

    step: BayesStep
    predicted: float  # the GP's mean error at the point it picked (10 ** mean log10 error)
    band: tuple  # (low, high): the mean +- 2 std, as errors
    actual: float  # the error the trial then gave
    surprise: float  # (log10 actual - mean) / std: how many standard deviations off

    def __repr__(self) -> str:
        cfg = ", ".join(f"{k}={v:.3g}" for k, v in self.step.next_config.items())
        return (f"FooledCase(at {cfg}: the GP predicted error {self.predicted:.3g} "
                f"(95% band {self.band[0]:.3g} to {self.band[1]:.3g}); the trial gave {self.actual:.3g}, "
                f"{self.surprise:+.1f} standard deviations off)")


def fooled_case(objective=None, *, n_trials=12, random_state=0) -> FooledCase:
    """Run :func:`bayes_search` over the learning rate alone and return its most surprising step.

    With the default objective (SGD, rates 1e-4 to 1) the best rate sits next to the divergence
    cliff; the smooth GP extends the falling error past the cliff and sends a trial there.
    """
    if objective is None:
        objective = Objective(space=(Dimension("lr", 1e-4, 1.0, log=True),))
    steps = bayes_search(objective, n_trials=n_trials, random_state=random_state)
    actual = np.log10(steps[-1].errors[len(steps[-1].errors) - len(steps) + 1:])  # each GP trial's result
    surprise = [(a - s.next_mean) / max(s.next_std, 1e-9) for a, s in zip(actual, steps[:-1], strict=True)]
    i = int(np.argmax(np.abs(surprise)))
    s = steps[i]
    return FooledCase(step=s, predicted=10 ** s.next_mean,
                      band=(10 ** (s.next_mean - 2 * s.next_std), 10 ** (s.next_mean + 2 * s.next_std)),
                      actual=float(10 ** actual[i]), surprise=float(surprise[i]))
