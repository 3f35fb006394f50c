"""Toy data sets for the labs: 1-D regression, 2-D classification, grouped data, digits.

Every generator has scikit-learn's shape, ``make_thing(n_samples, *, noise=...,
random_state=None) -> (X, y)``: keyword-only options and a local random generator, so
the same ``random_state`` always gives the same data and nothing global is seeded.
X is float64 of shape (n_samples, n_features), 2-D even with one feature; y is float64
for regression and int64 class labels 0..C-1 for classification.

scikit-learn is imported inside the functions that use it: it costs about a second,
and ``import labkit.data`` should stay cheap for labs that only need ``make_sine``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labkit.arguments import (
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_interval,
    check_random_state,
)

__all__ = [
    "make_sine", "make_identity", "make_cubic", "make_moons", "make_circles", "make_xor",
    "make_spirals", "make_materials", "load_digits", "DATASETS", "make_dataset", "task_of",
    "pendulum_period", "make_pendulum_period",
]


def _check_common(n_samples, noise, random_state, *, min_samples: int = 2):
    """Validate the three arguments every generator takes."""
    n_samples = check_int("n_samples", n_samples, min_value=min_samples)
    noise = check_float("noise", noise, min_value=0.0)
    return n_samples, noise, check_random_state("random_state", random_state)



# ---------------------------------------------------------------- 1-D regression

def _truth(fn: Callable[[np.ndarray], np.ndarray], formula: str) -> Callable[[np.ndarray], np.ndarray]:
    """Wrap ``fn`` so it accepts x of shape (n,) or (n, 1) (or a scalar) and returns shape (n,)."""

    def truth(x):
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 2 and x.shape[1] == 1:
            x = x[:, 0]  # X from a generator is (n, 1); y - f(X) as (n,) - (n, 1) would broadcast to (n, n)
        return fn(x)

    truth.__name__ = truth.__qualname__ = f"f(x) = {formula}"
    truth.__doc__ = f"The noise-free truth y = {formula}, for x of shape (n,) or (n, 1)."
    return truth


def _make_1d(fn, formula, n_samples, noise, domain, random_state, return_function):
    n_samples, noise, rng = _check_common(n_samples, noise, random_state)
    low, high = check_interval("domain", domain)
    return_function = check_bool("return_function", return_function)
    f = _truth(fn, formula)
    x = rng.uniform(low, high, size=n_samples)  # (n,)
    y = f(x) + rng.normal(0.0, noise, size=n_samples)  # noise=0 gives exactly f(x)
    X = x[:, None]  # (n, 1): models expect a feature axis even for one feature
    return (X, y, f) if return_function else (X, y)


def make_sine(n_samples=100, *, noise=0.1, domain=(-3.0, 3.0), random_state=None, return_function=False):
    """y = sin(x) + Normal(0, noise), x uniform in ``domain``: (X, y), or (X, y, f) with the truth f."""
    return _make_1d(np.sin, "sin(x)", n_samples, noise, domain, random_state, return_function)


def make_identity(n_samples=100, *, noise=0.0, domain=(-0.5, 0.5), random_state=None, return_function=False):
    """y = x + Normal(0, noise) on a narrow ``domain``: a network fitted here fails outside it.

    The lesson: a ReLU network learns the line inside [-0.5, 0.5] almost perfectly,
    yet beyond the training inputs it continues with whatever slopes its last ReLUs
    happened to have, not with y = x. Networks interpolate; they do not extrapolate.
    """
    return _make_1d(lambda x: x.copy(), "x", n_samples, noise, domain, random_state, return_function)


def make_cubic(n_samples=100, *, noise=0.1, domain=(-1.5, 1.5), random_state=None, return_function=False):
    """y = x**3 - x + Normal(0, noise): a curve with two bends, harder than a line, easier than a sine."""
    return _make_1d(lambda x: x**3 - x, "x**3 - x", n_samples, noise, domain, random_state, return_function)


# ---------------------------------------------------------------- 2-D classification

def make_moons(n_samples=100, *, noise=0.1, random_state=None):
    """Two interleaving half circles (scikit-learn's ``make_moons``); labels 0 and 1."""
    from sklearn.datasets import make_moons as sklearn_moons

    n_samples, noise, rng = _check_common(n_samples, noise, random_state)
    seed = int(rng.integers(2**31 - 1))  # scikit-learn takes an int seed, not a Generator
    X, y = sklearn_moons(n_samples, noise=noise, random_state=seed)
    return X.astype(np.float64), y.astype(np.int64)


def make_circles(n_samples=100, *, noise=0.1, factor=0.5, random_state=None):
    """A small circle (label 1) inside a large one (label 0); ``factor`` is the radius ratio, in (0, 1)."""
    from sklearn.datasets import make_circles as sklearn_circles

    n_samples, noise, rng = _check_common(n_samples, noise, random_state)
    factor = check_float("factor", factor, min_value=0.0, max_value=1.0, strict_min=True)
    if factor == 1.0:
        raise ValueError("factor must be less than 1 (the inner circle must be smaller), got 1.0")
    seed = int(rng.integers(2**31 - 1))  # scikit-learn takes an int seed, not a Generator
    X, y = sklearn_circles(n_samples, noise=noise, factor=factor, random_state=seed)
    return X.astype(np.float64), y.astype(np.int64)


def make_xor(n_samples=100, *, noise=0.1, random_state=None):
    """Points in the square [-1, 1]^2, label 1 where x1 and x2 have different signs.

    No straight line separates the classes: the classic task a network without a
    hidden layer cannot learn. ``noise`` moves points after labelling (std of a
    Gaussian), so near the axes some points sit on the other class's side.
    """
    n_samples, noise, rng = _check_common(n_samples, noise, random_state)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))  # (n, 2)
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    return X + rng.normal(0.0, noise, size=X.shape), y


def make_spirals(n_samples=100, *, n_classes=2, noise=0.1, random_state=None):
    """``n_classes`` spiral arms winding once around the origin, one arm per class.

    Arm k is the points r * (cos a, sin a) with r = t uniform in [0, 1] and angle
    a = 2 pi (t + k / n_classes), plus Gaussian noise of std ``noise`` on both
    coordinates. Neighbouring arms lie 1 / n_classes apart, so more classes or more
    noise make the task harder. Class sizes differ by at most one.
    """
    n_classes = check_int("n_classes", n_classes, min_value=2)
    n_samples, noise, rng = _check_common(n_samples, noise, random_state, min_samples=n_classes)
    y = rng.permutation(np.arange(n_samples) % n_classes).astype(np.int64)  # balanced, shuffled
    t = rng.uniform(0.0, 1.0, size=n_samples)  # position along the arm: 0 centre, 1 tip
    angle = 2 * np.pi * (t + y / n_classes)
    X = t[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])  # (n, 2)
    return X + rng.normal(0.0, noise, size=X.shape), y


# ---------------------------------------------------------------- grouped data

def make_materials(n_samples=300, *, n_groups=6, noise=0.05, random_state=None):
    """Measurements on ``n_groups`` materials, each with a hidden parameter: (X, y, groups).

    Generating process. Each material g gets

    - a hidden stiffness k_g ~ Uniform(0.5, 2.0), which no feature shows exactly;
    - a measured descriptor d_g = k_g + Normal(0, 0.25), the same on all of g's rows:
      informative about k_g, but imperfect.

    Each sample i of material g gets

    - a process input x_i ~ Uniform(0, 1) (think of a normalised temperature);
    - the response y_i = k_g * x_i + 0.5 * sin(2 pi x_i) + Normal(0, noise).

    X has the columns [x, d], shape (n, 2); y is float64 (n,); groups holds each row's
    material 0..n_groups-1 as int64 (n,), with group sizes differing by at most one.

    Why it matters: d is constant within a material, so a flexible model recognises a
    material it has seen and recalls its k_g. A random split rewards that memory; only
    a split by whole materials (:func:`labkit.splits.group_split`) measures how well
    the model handles a new material, where it must guess k_g from the noisy d.
    """
    n_groups = check_int("n_groups", n_groups, min_value=2)
    n_samples, noise, rng = _check_common(n_samples, noise, random_state, min_samples=n_groups)
    stiffness = rng.uniform(0.5, 2.0, size=n_groups)  # (G,), hidden
    descriptor = stiffness + rng.normal(0.0, 0.25, size=n_groups)  # (G,), what we measure
    groups = rng.permutation(np.arange(n_samples) % n_groups).astype(np.int64)  # (n,)
    x = rng.uniform(0.0, 1.0, size=n_samples)
    y = stiffness[groups] * x + 0.5 * np.sin(2 * np.pi * x) + rng.normal(0.0, noise, size=n_samples)
    X = np.column_stack([x, descriptor[groups]])  # (n, 2)
    return X, y, groups


# ---------------------------------------------------------------- real data

def load_digits(*, images=False):
    """scikit-learn's 1797 handwritten 8x8 digits (shipped, no download), pixels scaled to [0, 1].

    Returns X of shape (1797, 64), or (1797, 1, 8, 8) with ``images=True`` (the
    channel axis that ``torch.nn.Conv2d`` expects), and y, int64 digits 0..9.
    """
    from sklearn.datasets import load_digits as sklearn_digits

    images = check_bool("images", images)
    digits = sklearn_digits()
    X = digits.data.astype(np.float64) / 16.0  # the pixel intensities are 0..16
    if images:
        X = X.reshape(-1, 1, 8, 8)
    return X, digits.target.astype(np.int64)


# ---------------------------------------------------------------- registry

DATASETS: dict[str, Callable] = {
    "sine": make_sine,
    "identity": make_identity,
    "cubic": make_cubic,
    "moons": make_moons,
    "circles": make_circles,
    "xor": make_xor,
    "spirals": make_spirals,
}
_REGRESSION = frozenset({"sine", "identity", "cubic"})


def task_of(name: str) -> str:
    """``"regression"`` or ``"classification"``: what kind of task the data set ``name`` is."""
    name = check_choice("name", name, DATASETS)
    return "regression" if name in _REGRESSION else "classification"


def make_dataset(name: str, n_samples=100, *, noise=None, random_state=None, **options):
    """Generate the data set ``name`` (a key of DATASETS); ``noise=None`` keeps its own default.

    Further keyword options go to the generator, e.g. ``n_classes=3`` for ``"spirals"``.
    """
    generator = DATASETS[check_choice("name", name, DATASETS)]
    if noise is not None:
        options["noise"] = noise
    return generator(n_samples, random_state=random_state, **options)


# ---------------------------------------------------------------- a law of physics

def pendulum_period(amplitude, length=1.0, *, g=9.81):
    """Exact period (s) of a frictionless pendulum of ``length`` (m) released at ``amplitude`` (rad).

    T = 4 sqrt(L / g) K(sin(amplitude / 2)), with K the complete elliptic integral of
    the first kind, computed by the arithmetic-geometric mean: K(k) = pi / (2 AGM(1,
    sqrt(1 - k^2))). Small swings give the textbook 2 pi sqrt(L / g); the period grows
    without bound as the amplitude nears pi (the pendulum balances upside down).
    Arrays broadcast; amplitudes must lie in [0, pi).
    """
    amplitude, length = _as_float_array("amplitude", amplitude), _as_float_array("length", length)
    g = check_float("g", g, min_value=0.0, strict_min=True)
    bad = ~(np.abs(amplitude) < np.pi)  # also catches NaN
    if bad.any():
        raise ValueError(f"amplitude must be finite and within (-pi, pi) radians, got "
                         f"{amplitude[bad].ravel()[:3].tolist()}")
    bad = ~((length > 0) & np.isfinite(length))
    if bad.any():
        raise ValueError(f"length must be positive and finite (metres), got "
                         f"{length[bad].ravel()[:3].tolist()}")
    a, b = np.ones_like(amplitude), np.cos(amplitude / 2)  # sqrt(1 - sin^2) = cos, for |amplitude| < pi
    for _ in range(64):  # AGM converges quadratically: a handful of rounds reach float precision
        a, b = (a + b) / 2, np.sqrt(a * b)
        if np.all(np.abs(a - b) <= 1e-15 * a):
            break
    return 2 * np.pi * np.sqrt(length / g) / a  # 4 sqrt(L/g) * pi / (2 AGM)


def _as_float_array(name, value) -> np.ndarray:
    if isinstance(value, (bool, np.bool_, str, bytes)):  # True is not a length of 1 m, nor "1" a number
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from None


def make_pendulum_period(n_samples=100, *, noise=0.0, domain=(0.1, 1.5), random_state=None,
                         return_function=False):
    """Period (s) of a 1 m pendulum against its amplitude (rad), amplitudes uniform in ``domain``.

    A law of physics measured on a limited range: from 2.006 s for small swings it
    rises slowly (2.33 s at 1.5 rad), then steeply (2.67 s at 2 rad, 5.16 s at 3 rad),
    to infinity at pi. A network fitted on small amplitudes has no way to know about
    that wall. ``domain`` must lie within [0, pi).
    """
    low, high = check_interval("domain", domain)
    if low < 0 or high >= np.pi:
        raise ValueError(f"domain must lie within [0, pi) radians for a pendulum's amplitude, got {domain!r}")
    return _make_1d(pendulum_period, "pendulum_period(x)", n_samples, noise, domain, random_state,
                    return_function)
