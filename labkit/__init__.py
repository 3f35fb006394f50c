"""labkit: the small library behind DL Practice Lab's notebooks.

Importing labkit does nothing but define names: no threads, seeds or plotting
settings change until a lab calls :func:`labkit.setup`. Submodules load on first
use, so ``import labkit`` stays cheap.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "runtime", "data", "splits", "models", "train", "batched",
    "plots", "figures", "diagnosis", "biasvar", "exercises", "playground", "widgets",
    "validation", "lockbox", "leakage", "dynamics", "extrapolation", "gradcheck", "finite_differences",
    "gradcheck_pitfalls", "doctor", "checklist", "forward_checks", "training_checks", "bugzoo", "monitor",
    "course", "explorers", "monitor_panel", "panels", "blitting",
)

__all__ = ["setup", "__version__", *_SUBMODULES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"labkit.{name}")
    if name == "setup":
        from labkit.runtime import setup

        return setup
    raise AttributeError(f"module 'labkit' has no attribute {name!r}")
