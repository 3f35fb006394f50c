"""Argument checks shared by labkit's public functions.

Every message names the argument, the value received and what is allowed, so a
learner who passes ``noise=-1`` reads exactly what to change.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np


def check_int(name: str, value, *, min_value: int | None = None, max_value: int | None = None) -> int:
    """Return ``value`` as an int, or raise naming ``name`` and the allowed range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    _check_range(name, value, min_value, max_value)
    return value


def check_float(
    name: str, value, *, min_value: float | None = None, max_value: float | None = None,
    strict_min: bool = False,
) -> float:
    """Return ``value`` as a finite float; ``strict_min`` excludes ``min_value`` itself."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if strict_min and min_value is not None and value <= min_value:
        raise ValueError(f"{name} must be greater than {min_value}, got {value!r}")
    _check_range(name, value, min_value, max_value)
    return value


def _check_range(name, value, min_value, max_value) -> None:
    if min_value is not None and value < min_value:
        raise ValueError(f"{name} must be at least {min_value}, got {value!r}")
    if max_value is not None and value > max_value:
        raise ValueError(f"{name} must be at most {max_value}, got {value!r}")


def check_bool(name: str, value) -> bool:
    """Return ``value`` if it is True or False; a string such as ``"no"`` must not pass as true."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def check_choice(name: str, value, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing them."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_random_state(name: str, value) -> np.random.Generator:
    """Turn ``None``, an int seed or a Generator into a local numpy Generator."""
    if value is None or isinstance(value, np.random.Generator):
        return np.random.default_rng(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise TypeError(f"{name} must be None, a non-negative int or a numpy Generator, got {value!r}")
    return np.random.default_rng(int(value))


def as_2d_float(name: str, value) -> np.ndarray:
    """Return ``value`` (array, tensor or list) as a finite float array of shape (n, d)."""
    array = to_numpy(name, value)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D (n_samples, n_features), got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    array = array.astype(np.float64, copy=False)
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).any(axis=1).sum())
        raise ValueError(f"{name} contains NaN or Inf in {bad} row(s); remove or impute them first")
    return array


def to_numpy(name: str, value) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor, without importing torch here
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be array-like, got {type(value).__name__}: {error}") from None


def check_same_length(**arrays) -> int:
    """Raise if the given arrays differ in length; return the common length."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"lengths differ: {listed}; each sample needs one row in every array")
    return next(iter(lengths.values()))


def check_interval(name: str, value) -> tuple[float, float]:
    """A (low, high) pair of finite numbers with low < high, such as a data domain or a plot range."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"{name} must be a (low, high) pair of numbers, got {value!r}")
    low, high = check_float(f"{name}[0]", value[0]), check_float(f"{name}[1]", value[1])
    if low >= high:
        raise ValueError(f"{name} must be (low, high) with low < high, got {value!r}")
    return low, high
