"""Live panels, with ipywidgets: controls wired to a topic's computation and to :mod:`labkit.viz`.

:class:`LivePanel` (in :mod:`labkit.panels.base`) holds what every panel shares: one figure,
a status line, errors shown and kept, a burst of changes running only the last one.
"""

from __future__ import annotations

from labkit.panels.base import LivePanel
from labkit.panels.early_stopping import EarlyStoppingPanel
from labkit.panels.explorers import (
    ACTIVATION_CHOICES,
    BiasVariancePanel,
    ExtrapolationExplorer,
    LeakageExplorer,
)
from labkit.panels.gradient_flow import MonitorPanel
from labkit.panels.learning_rate import REGIME_RATES, RegimesPanel
from labkit.panels.playground import Playground
from labkit.panels.recipe import SHIFT_CHOICES, RecipePanel, RecipeStep
from labkit.panels.regularization import (
    L1_STRENGTHS,
    L2_STRENGTHS,
    PIECE_LABELS,
    AddBackPanel,
    RegularizedBoundaryPanel,
    panel_setup,
)
from labkit.panels.search import OBJECTIVES, SAMPLERS, BayesPanel, LogScalePanel
from labkit.panels.surfaces import SURFACES, SurfacePanel
from labkit.panels.update_ratio import PANEL_OPTIMIZERS, UpdateRatioPanel

__all__ = [
    "ACTIVATION_CHOICES", "BiasVariancePanel", "ExtrapolationExplorer", "LeakageExplorer", "LivePanel",
    "MonitorPanel", "Playground",
    "REGIME_RATES", "RegimesPanel", "SURFACES", "SurfacePanel", "PANEL_OPTIMIZERS", "UpdateRatioPanel",
    "OBJECTIVES", "SAMPLERS", "BayesPanel", "LogScalePanel",
    "RecipePanel", "RecipeStep", "SHIFT_CHOICES",
    "AddBackPanel", "RegularizedBoundaryPanel", "L1_STRENGTHS", "L2_STRENGTHS", "PIECE_LABELS", "panel_setup",
    "EarlyStoppingPanel",
]
