"""The lab's colours: Okabe and Ito's palette, distinct under the common colour-vision deficiencies.

Roles (train, validation, model, truth) have fixed colours so every figure reads the same
way; text levels (a banner's info, good, warning, error) are darker shades of the palette,
as text must read on white, and differ by weight as well as colour.

Lines of a multi-line plot take :func:`series_style` ``(i)``: a colour of :data:`CYCLE` and a
line style and marker of their own, so no two series rely on colour alone. Under a
deuteranopia simulation (:func:`simulate_cvd`, Machado et al. 2009, severity 1) two pairs of
the cycle come close (bluish green and reddish purple, orange and vermillion): those differ
in line style and marker as well (``tests/test_palette.py`` holds this).
"""

from __future__ import annotations

import numpy as np

__all__ = ["PALETTE", "TRAIN", "VAL", "MODEL", "TRUTH", "LEVELS", "CYCLE", "LINESTYLES", "MARKERS", "HEATMAP",
           "series_style", "prop_cycle", "simulate_cvd", "CVD_MATRICES"]

# Okabe & Ito: blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow, black
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
TRAIN, VAL, MODEL, TRUTH = PALETTE[0], PALETTE[1], PALETTE[3], "0.35"
# banner (colour, weight): darker shades of the palette, as text must read on white
LEVELS = {"info": ("0.15", "normal"), "good": ("#00755A", "normal"), "warning": ("#A65F00", "bold"),
          "error": ("#B83D00", "bold")}
# matplotlib's default cycle for labkit's figures: the palette without yellow (too pale on white)
CYCLE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
HEATMAP = "magma"  # perceptually uniform and readable in grey: the colour map of every heatmap


def series_style(i: int) -> dict:
    """Colour, line style and marker of the ``i``-th series of a plot (wraps after len(CYCLE))."""
    if not isinstance(i, (int, np.integer)) or isinstance(i, bool) or i < 0:
        raise ValueError(f"i must be a series index, an integer >= 0, got {i!r}")
    k = int(i) % len(CYCLE)
    return {"color": CYCLE[k], "linestyle": LINESTYLES[k], "marker": MARKERS[k]}


def prop_cycle():
    """The colours of :data:`CYCLE` as a matplotlib ``axes.prop_cycle`` (colours only: a line given its own
    colour, as most lab lines are, must not pick up a line style from the cycle)."""
    from cycler import cycler

    return cycler(color=list(CYCLE))


# Machado, Oliveira & Fernandes (2009), severity 1.0; they act on linear RGB
CVD_MATRICES = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def simulate_cvd(rgb, kind: str = "deuteranopia") -> np.ndarray:
    """sRGB colours (..., 3) in 0..1 as seen with a colour-vision deficiency, in sRGB 0..1."""
    if kind not in CVD_MATRICES:
        raise ValueError(f"kind must be one of {', '.join(map(repr, CVD_MATRICES))}; got {kind!r}")
    rgb = np.asarray(rgb, dtype=float)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(linear @ CVD_MATRICES[kind].T, 0.0, 1.0)
    return np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)
