"""Curves of chosen logbook runs overlaid: matplotlib only.

:func:`plot_runs` takes a :class:`~labkit.logbook.Logbook` (or a list of its entries) and
the ids to compare, and draws one curve per run (``val_loss`` by default), each labelled
with the configuration keys that differ between the chosen runs, so the legend says what
was changed (the Cross Validated answer: review old experiments side by side).
"""

from __future__ import annotations

import numpy as np

from labkit.logbook import Logbook, flatten_config
from labkit.viz.layout import subplots
from labkit.viz.palette import series_style

__all__ = ["plot_runs"]


def _entries(book_or_entries, ids) -> list:
    if isinstance(ids, (int, np.integer)) or not hasattr(ids, "__iter__"):
        raise TypeError(f"ids must be a list of entry ids, got {ids!r:.60}")
    ids = list(ids)
    if not ids:
        raise ValueError("ids must name at least one entry, got []")
    if isinstance(book_or_entries, Logbook):
        return [book_or_entries.entry(i) for i in ids]
    by_id = {getattr(entry, "id", None): entry for entry in book_or_entries}
    missing = [i for i in ids if i not in by_id]
    if missing:
        known = sorted(k for k in by_id if k)
        raise ValueError(f"ids {missing} are not among the entries given (ids {known})")
    return [by_id[i] for i in ids]


def _labels(entries) -> list[str]:
    """'#id key=value, ...' with the (at most 3) config keys whose values differ between ``entries``."""
    flat = [flatten_config(entry.config) for entry in entries]
    every = dict.fromkeys(key for config in flat for key in config)  # in first-seen order
    keys = [key for key in every if len({repr(config.get(key)) for config in flat}) > 1]
    labels = []
    for entry, config in zip(entries, flat, strict=True):
        shown = ", ".join(f"{key}={config.get(key)!r:.12}" for key in keys[:3])
        labels.append(f"#{entry.id} {shown}".strip())
    return labels


def plot_runs(book_or_entries, ids, metric: str = "val_loss", *, ax=None):
    """One line per run: the per-epoch curve ``metric`` of each entry in ``ids`` (log y when all > 0).

    ``book_or_entries``: a Logbook, or entries from ``book.entries()``. Raises ValueError if
    an id is missing or an entry has no such curve (the message lists the curves it has).
    Returns the axes.
    """
    entries = _entries(book_or_entries, ids)
    for entry in entries:
        if metric not in entry.curves or not entry.curves[metric]:
            raise ValueError(f"metric={metric!r} is not a curve of entry #{entry.id}; "
                             f"it has {sorted(entry.curves)}")
    if ax is None:
        _, ax = subplots()
    values = [np.asarray(entry.curves[metric], dtype=float) for entry in entries]
    for i, (curve, label) in enumerate(zip(values, _labels(entries), strict=True)):
        style = series_style(i)
        ax.plot(np.arange(len(curve)), curve, label=label, color=style["color"], linestyle=style["linestyle"],
                marker=style["marker"], markevery=max(1, len(curve) // 8), markersize=4)
    finite = np.concatenate([v[np.isfinite(v)] for v in values])
    if finite.size and (finite > 0).all():
        ax.set_yscale("log")
    title = f"{metric} of runs {', '.join(str(entry.id) for entry in entries)}"
    ax.set(xlabel="epoch", ylabel=metric.replace("_", " "), title=title)
    ax.legend(fontsize="small")
    return ax
