"""Optimization (Lab 06): the learning rate and the optimizer, made visible.

The public face of the topic: notebooks import from here; labkit's own code imports from the
defining modules.
"""

from __future__ import annotations

__all__: list[str] = []
