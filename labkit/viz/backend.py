"""Live figures where ipympl is installed, static pictures where it is not.

The labs' figures and panels are live with ipympl's widget backend (``%matplotlib widget``).
Where ipympl is missing (Colab without its custom widget manager, a bare Jupyter), that magic
raises and a lab would stop at its first cell. :func:`use_live_figures` tries ipympl and
falls back to the inline backend, saying so: plain figures then appear as pictures, and
labkit's panels show PNG images that still update when a control moves
(:func:`labkit.panels.base.new_figure` picks the path from the backend).
"""

from __future__ import annotations

import sys

import matplotlib

__all__ = ["use_live_figures", "NO_IPYMPL"]

NO_IPYMPL = ("ipympl is not available here, so figures are static pictures; the labs' panels still "
             "update, as PNG images. For live figures: pip install ipympl, then restart the kernel.")


def use_live_figures() -> str:
    """Switch this notebook to ipympl's widget backend, or to inline pictures where it cannot.

    Returns ``"widget"`` or ``"inline"``; outside IPython (a script, a test) it changes nothing
    and returns matplotlib's current backend. IPython is looked up, not imported.
    """
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    shell = get_ipython() if get_ipython is not None else None
    if shell is None:
        return matplotlib.get_backend()
    try:
        shell.run_line_magic("matplotlib", "widget")
        return "widget"
    except (ImportError, RuntimeError, ValueError, KeyError):  # what a missing ipympl raises
        shell.run_line_magic("matplotlib", "inline")
        print(NO_IPYMPL)
        return "inline"
