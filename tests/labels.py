"""How wide a control's label is on screen, for tests that hold labels unclipped (not a test module)."""

from __future__ import annotations

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

LABEL_FONT_PX = 13  # ipywidgets' labels: --jp-widgets-font-size, JupyterLab's --jp-ui-font-size1
# DejaVu Sans, matplotlib's own font, is wider than the sans-serif fonts browsers use on Linux, macOS
# and Windows (Liberation Sans sets "learning rate" in 71 px, DejaVu Sans in 82 px): a label that fits
# in it fits in those.
_FONT = FontProperties(family="DejaVu Sans", size=LABEL_FONT_PX)


def text_px(text: str) -> float:
    return TextPath((0, 0), text, prop=_FONT).get_extents().width


def clipped_labels(controls, *, slack_px: float = 4.0) -> list[str]:
    """The descriptions wider than their ``description_width`` (as "label: text px > width"), if any."""
    clipped = []
    for control in controls:
        description = getattr(control, "description", "")
        width = getattr(getattr(control, "style", None), "description_width", "")
        if not description or not width.endswith("px"):  # a checkbox's label is beside it, any width
            continue
        if text_px(description) + slack_px > float(width[:-2]):
            clipped.append(f"{description}: {text_px(description):.0f} px > {width}")
    return clipped
