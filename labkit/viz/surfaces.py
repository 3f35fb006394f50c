"""A 2-D loss surface with optimizer trajectories on it: contours, paths, start, ends and the minimum.

:class:`SurfaceView` makes its artists once and :meth:`SurfaceView.update` changes their data (the
contours are redrawn only when the surface itself changes); :func:`plot_surface` is the one call
for a notebook cell. Contour levels are log-spaced above the lowest value on the grid, so the
flat bottom of a valley gets as many lines as its steep walls.
"""

from __future__ import annotations

import numpy as np

from labkit.arguments import check_int, to_numpy
from labkit.viz.learning_rate import check_result
from labkit.viz.palette import HEATMAP, MARKERS, series_style
from labkit.viz.scales import check_axes

__all__ = ["SurfaceView", "plot_surface", "contour_levels"]

GRID = 121  # points per side of the contour grid


def contour_levels(values, n_levels: int = 14) -> np.ndarray:
    """``n_levels`` log-spaced levels between the lowest finite value and the highest, for contours."""
    n_levels = check_int("n_levels", n_levels, min_value=2)
    v = to_numpy("values", values)
    if v.dtype.kind not in "biuf":
        raise TypeError(f"values must be an array of numbers, got {values!r:.60}")
    v = v.astype(np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        raise ValueError("values has no finite entry to draw contours of")
    above = v - v.min()
    positive = above[above > 0]
    if positive.size == 0:
        return v.min() + np.linspace(0.0, 1.0, n_levels)
    low = max(np.percentile(positive, 0.5), positive.max() * 1e-9)
    return v.min() + np.geomspace(low, positive.max(), n_levels)


class SurfaceView:
    """Contours of a surface and up to ``n_lines`` trajectories, updated in place."""

    def __init__(self, ax, n_lines: int = 5):
        self.ax = ax = check_axes("ax", ax)
        self.n_lines = check_int("n_lines", n_lines, min_value=1, max_value=7)
        self.lines, self.ends = [], []
        for i in range(self.n_lines):
            style = series_style(i)
            (line,) = ax.plot([], [], color=style["color"], ls=style["linestyle"], lw=1.6, zorder=3)
            (end,) = ax.plot([], [], color=style["color"], marker=MARKERS[i % len(MARKERS)], ms=7, ls="none",
                             markeredgecolor="white", zorder=5)
            self.lines.append(line)
            self.ends.append(end)
        (self.start,) = ax.plot([], [], "o", color="black", ms=6, mfc="white", mew=1.5, zorder=6,
                                label="start")
        (self.minimum,) = ax.plot([], [], "*", color="black", ms=12, zorder=6, label="minimum")
        box = {"boxstyle": "round", "facecolor": "white", "alpha": 0.85, "lw": 0}
        self.note = ax.text(0.98, 0.02, "", transform=ax.transAxes, va="bottom", ha="right", fontsize="small",
                            zorder=2, bbox=box)  # below the paths, which a blitted frame redraws
        self.title = ax.set_title("", fontsize="medium")
        self._contours, self._surface, self._labels = None, None, None

    def update(self, surface, trajectories=(), *, note: str = "") -> None:
        """Draw ``surface`` (redrawing contours only if it changed) and the trajectories' paths.

        ``trajectories``: :class:`labkit.optimization.surfaces.Trajectory` objects (or anything with
        ``path`` (steps + 1, 2) and ``rule``), at most ``n_lines``; ``note`` is shown bottom right.
        """
        check_result("surface", surface, "Surface", ("value", "xlim", "ylim", "minimum", "start", "name"))
        trajectories = _trajectories(trajectories)
        if not isinstance(note, str):
            raise TypeError(f"note must be a string, got {note!r:.60}")
        if len(trajectories) > self.n_lines:
            raise ValueError(f"trajectories holds {len(trajectories)} runs; this view draws at most "
                             f"{self.n_lines} (n_lines)")
        if surface is not self._surface:
            self._draw_contours(surface)
        for i, (line, end) in enumerate(zip(self.lines, self.ends, strict=True)):
            if i < len(trajectories):
                path = np.asarray(trajectories[i].path, dtype=np.float64)
                last = path[np.isfinite(path).all(axis=1)][-1:]
                line.set_data(path[:, 0], path[:, 1])
                end.set_data(last[:, 0], last[:, 1])
                line.set_label(_label(trajectories[i]))
            else:
                line.set_data([], [])
                end.set_data([], [])
        self.start.set_data(*([p] for p in (trajectories[0].path[0] if trajectories else surface.start)))
        self.note.set_text(note)
        self.note.set_visible(bool(note))
        labels = tuple(_label(t) for t in trajectories)
        if labels != self._labels:
            self._labels = labels
            handles = [*self.lines[:len(trajectories)], self.start, self.minimum]
            self.ax.legend(handles=handles, fontsize="small", loc="lower left", bbox_to_anchor=(1.01, 0.0),
                           borderaxespad=0.0, frameon=False)

    def _draw_contours(self, surface) -> None:
        if self._contours is not None:
            self._contours.remove()
        x = np.linspace(*surface.xlim, GRID)
        y = np.linspace(*surface.ylim, GRID)
        W = np.stack(np.meshgrid(x, y), axis=-1)  # (GRID, GRID, 2)
        with np.errstate(all="ignore"):
            Z = surface.value(W)  # (GRID, GRID)
        self._contours = self.ax.contour(x, y, Z, levels=contour_levels(Z), cmap=HEATMAP, linewidths=0.8,
                                         alpha=0.7, zorder=1)
        self.minimum.set_data([surface.minimum[0]], [surface.minimum[1]])
        self.ax.set(xlim=surface.xlim, ylim=surface.ylim, xlabel="w1", ylabel="w2")
        self.title.set_text(f"{surface.name}: {surface.formula}")
        self._surface = surface


def _trajectories(trajectories) -> list:
    """``trajectories`` as a list of runs with a ``path`` and a ``rule``; TypeError naming it if not."""
    if isinstance(trajectories, str) or not hasattr(trajectories, "__iter__"):
        raise TypeError(f"trajectories must be a list of Trajectory runs, got {trajectories!r:.60}")
    trajectories = list(trajectories)
    for i, t in enumerate(trajectories):
        check_result(f"trajectories[{i}]", t, "Trajectory", ("path", "rule"))
    return trajectories


def _label(trajectory) -> str:
    if getattr(trajectory, "diverged_at", None) is not None:
        return f"{trajectory.rule} (diverged, step {trajectory.diverged_at})"
    return str(trajectory.rule)


def plot_surface(surface, trajectories=(), *, note: str = "", ax=None):
    """Contours of ``surface`` with ``trajectories`` on it (a new figure unless ``ax`` is given); the axes."""
    if ax is None:
        from labkit.viz.layout import subplots

        _, ax = subplots(height=4.0)
    trajectories = _trajectories(trajectories)
    view = SurfaceView(ax, n_lines=max(1, min(len(trajectories), 7)))
    view.update(surface, trajectories, note=note)
    return ax
