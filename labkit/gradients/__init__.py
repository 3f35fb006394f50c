"""Gradients (Lab 04 and gradient flow in Lab 05): checks against finite differences, when a check
misleads, per-layer monitoring, and how gradients flow through a deep network.

The public face of the topic: notebooks import from here; labkit's own code imports from the
defining modules.
"""

from __future__ import annotations

from labkit.gradients.finite_differences import Slopes, find_kinks, finite_differences
from labkit.gradients.gradcheck import (
    THRESHOLDS,
    GradCheckReport,
    TensorCheck,
    check_gradients,
    demo_problem,
    verdict,
)
from labkit.gradients.gradient_flow import (
    ACT_RANGE,
    ACTIVATION_CHOICES,
    INIT_CHOICES,
    MAX_DEPTH,
    GradientFlow,
    NetSettings,
    build_net,
    iter_measure,
    make_teacher_task,
    measure,
    reference_norms,
)
from labkit.gradients.monitor import (
    LayerStats,
    Monitor,
    gradient_norms_at_init,
    init_comparison,
    layer_gradient_norms,
    normalization_comparison,
    vanishing_gradients,
)
from labkit.gradients.pitfalls import (
    TF32Effect,
    TorchComparison,
    compare_precisions,
    compare_with_torch,
    kink_false_alarm,
    step_size_sweep,
    tf32_effect,
)

__all__ = [
    "ACTIVATION_CHOICES", "ACT_RANGE", "GradCheckReport", "GradientFlow", "INIT_CHOICES", "Slopes",
    "LayerStats", "MAX_DEPTH", "Monitor", "NetSettings", "TF32Effect", "THRESHOLDS", "TensorCheck",
    "TorchComparison", "build_net", "find_kinks", "finite_differences", "check_gradients",
    "compare_precisions", "compare_with_torch", "demo_problem", "gradient_norms_at_init", "init_comparison",
    "iter_measure",
    "kink_false_alarm", "layer_gradient_norms", "make_teacher_task", "measure",
    "normalization_comparison", "reference_norms", "step_size_sweep", "tf32_effect",
    "vanishing_gradients", "verdict",
]
