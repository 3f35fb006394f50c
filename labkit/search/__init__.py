"""Search (Lab 08): hyperparameter search, from log scales and grids to Bayesian optimization and Optuna.

The public face of the topic: notebooks import from here; labkit's own code imports from the
defining modules.
"""

from __future__ import annotations

__all__: list[str] = []
