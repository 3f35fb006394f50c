"""The lab's colours: Okabe and Ito's palette, distinct under the common colour-vision deficiencies.

Roles (train, validation, model, truth) have fixed colours so every figure reads the same
way; text levels (a banner's info, good, warning, error) are darker shades of the palette,
as text must read on white, and differ by weight as well as colour.
"""

from __future__ import annotations

__all__ = ["PALETTE", "TRAIN", "VAL", "MODEL", "TRUTH", "LEVELS"]

# Okabe & Ito: blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow, black
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
TRAIN, VAL, MODEL, TRUTH = PALETTE[0], PALETTE[1], PALETTE[3], "0.35"
# banner (colour, weight): darker shades of the palette, as text must read on white
LEVELS = {"info": ("0.15", "normal"), "good": ("#00755A", "normal"), "warning": ("#A65F00", "bold"),
          "error": ("#B83D00", "bold")}
