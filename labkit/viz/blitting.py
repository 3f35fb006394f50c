"""Blitting: redraw only the artists a frame changes, over a saved picture of the rest.

A live panel's frame changes a model's curve and the loss curves; ticks, labels,
legends and data points stay as they were. Laying those out again is most of a full
draw's cost, so :class:`Blitter` keeps a picture of them and draws only what moved.
It knows nothing of widgets: a panel decides how the picture travels.
"""

from __future__ import annotations

from matplotlib.artist import Artist
from matplotlib.collections import Collection
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from labkit.viz.scales import check_figure

__all__ = ["Blitter"]

_REDRAWN = (Line2D, Collection, Patch, AxesImage)  # kinds a frame may redraw: no text, so no layout


class Blitter:
    """Draw a frame by redrawing only the artists that change, over a saved picture of the rest.

    This is matplotlib's blitting. ``changing`` are the artists a frame updates (a model's
    curve, a probability image, loss curves). They, and whatever their axes draws above them
    (points, other lines, the spines), become *animated*: a full ``canvas.draw()`` leaves them
    out, saves that picture as the background, then draws them on top. :meth:`frame` restores
    the background and draws just those artists into the canvas's picture: no tick, label or
    legend is laid out again, which is most of a full draw's cost. Showing the picture is the
    caller's business (``canvas.blit``, or encoding the canvas's pixels). A legend keeps its
    pixels of the last full draw, pasted back on top: a curve behind it is hidden, where a
    full draw would let 20% of it show through the legend's frame.

    ``frame()`` draws nothing and returns False when the background no longer fits: the
    figure's size or dpi, or an axes' limits, scales, visibility or legend changed since the
    last full draw, or :meth:`invalidate` was called after changing anything else (points,
    titles). The caller then draws the figure in full, which saves a new background.
    A text or axis drawn above a changing artist is not redrawn: keep those below it.
    """

    def __init__(self, fig, changing):
        self.figure = check_figure("fig", fig)
        if isinstance(changing, (str, bytes)) or not hasattr(changing, "__iter__"):
            raise TypeError(f"changing must be a list of matplotlib artists (lines, images), "
                            f"got {changing!r}")
        changing = list(changing)
        wrong = [a for a in changing if not isinstance(a, Artist)]
        if wrong:
            raise TypeError(f"changing must hold matplotlib artists (lines, images), got {wrong[0]!r} "
                            f"({type(wrong[0]).__name__})")
        self._layers = {}  # axes -> what a frame draws there, in the order Axes.draw would
        self._on_figure = [a for a in changing if a.axes is None]  # e.g. a banner: drawn last, on top
        for artist in self._on_figure:
            artist.set_animated(True)
        for ax in dict.fromkeys(artist.axes for artist in changing if artist.axes is not None):
            lowest = min(artist.get_zorder() for artist in changing if artist.axes is ax)
            layer = [a for a in ax.get_children()
                     if isinstance(a, _REDRAWN) and a is not ax.patch and a.get_zorder() >= lowest]
            self._layers[ax] = sorted(layer, key=lambda a: a.get_zorder())  # stable, like Axes.draw
            for artist in layer:
                artist.set_animated(True)
        self._background = self._renderer = self._scene = None
        self._legends = []
        fig.canvas.mpl_connect("draw_event", self._on_draw)

    def invalidate(self) -> None:
        """Say that something besides the changing artists changed: the next picture must be a full draw."""
        self._background = None

    def frame(self) -> bool:
        """Redraw the changing artists over the background; False (nothing drawn) if a full draw is needed."""
        canvas = self.figure.canvas
        # a savefig at another dpi leaves the canvas a new, blank renderer: the background is no use there
        if self._background is None or canvas.get_renderer() is not self._renderer \
                or self._scene_now() != self._scene:
            return False
        canvas.restore_region(self._background)
        self._draw_layers(self._renderer)
        return True

    def _on_draw(self, event) -> None:
        if event.canvas.is_saving():  # savefig draws animated artists in their place
            return
        canvas, renderer = event.canvas, event.renderer
        self._background, self._renderer = canvas.copy_from_bbox(self.figure.bbox), renderer
        legends = [ax.get_legend() for ax in self._layers if ax.get_visible() and ax.get_legend() is not None]
        self._legends = [canvas.copy_from_bbox(legend.get_window_extent(renderer))
                         for legend in legends if legend.get_visible()]
        self._scene = self._scene_now()
        self._draw_layers(renderer)

    def _draw_layers(self, renderer) -> None:
        for ax, layer in self._layers.items():
            if ax.get_visible():
                for artist in layer:
                    artist.draw(renderer)
        for legend in self._legends:
            renderer.restore_region(legend)
        for artist in self._on_figure:
            artist.draw(renderer)

    def _scene_now(self) -> tuple:
        """What the background shows that the blitter can see (the renderer covers size and dpi, invalidate()
        the rest)."""
        return tuple((ax.get_visible(), ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(),
                      ax.get_legend()) for ax in self.figure.axes)
