"""labkit: the small library behind DL Practice Lab's notebooks.

Importing labkit does nothing but define names: no threads, seeds or plotting
settings change until a lab calls :func:`labkit.setup`. Submodules and subpackages
load on first use, so ``import labkit`` stays cheap.

The layout (a test, ``tests/test_layers.py``, holds its direction):

- core, at the top: ``arguments``, ``runtime``, ``progress``, ``data``, ``splits``,
  ``models``, ``optim``, ``history``, ``train``, ``batched``, ``batched_optim``, ``logbook``
  (and its ``logbook_store`` and ``logbook_export``), ``exercises``. Core imports only core.
- one subpackage per topic: ``generalization``, ``gradients``, ``debugging``, ``optimization``,
  ``search``, ``regularization``, ``recipe``. A topic builds on core and never on another topic.
- ``viz`` draws (matplotlib only), ``panels`` wires widgets to topics and viz
  (ipywidgets only), ``course`` holds the exercise sets and never imports panels.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

CORE = ("arguments", "runtime", "progress", "data", "splits", "models", "optim", "history", "train",
        "batched", "batched_optim", "logbook", "logbook_store", "logbook_export", "exercises", "text")
TOPICS = ("generalization", "gradients", "debugging", "optimization", "search", "regularization", "recipe")
OUTER = ("viz", "panels", "course")

__all__ = ["setup", "__version__", *CORE, *TOPICS, *OUTER]


def __getattr__(name: str):
    if name in CORE or name in TOPICS or name in OUTER:
        return importlib.import_module(f"labkit.{name}")
    if name == "setup":
        from labkit.runtime import setup

        return setup
    raise AttributeError(f"module 'labkit' has no attribute {name!r}")
