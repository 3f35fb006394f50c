"""One colour-blind-safe palette everywhere: its colours stay apart under a deuteranopia simulation.

The simulation is Machado et al. (2009) at severity 1.0, applied in numpy to the colours'
linear RGB; distances are CIE76 Delta E in CIELAB. Checked: the palette, the cycle that
labkit's figures actually get, and the lines of a few key figures.
"""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from labkit import viz  # noqa: E402

APART = 15.0  # Delta E: below this, two lines read as one colour
CLOSE = 30.0  # below this, two series must differ by line style and marker as well


def lab(rgb) -> np.ndarray:
    """sRGB 0..1 (..., 3) to CIELAB (D65)."""
    rgb = np.asarray(rgb, dtype=float)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def distances(colours, kind="deuteranopia") -> dict:
    seen = lab(viz.simulate_cvd(np.array([to_rgb(c) for c in colours]), kind))
    return {(a, b): float(np.linalg.norm(seen[i] - seen[j]))
            for (i, a), (j, b) in itertools.combinations(enumerate(colours), 2)}


def test_the_simulation_merges_red_and_green_but_not_blue_and_yellow():
    """The check can fail: pure red and green nearly merge under deuteranopia, blue and yellow stay apart."""
    assert distances(["#E02020", "#20A020"])[("#E02020", "#20A020")] < APART
    assert distances(["#0072B2", "#F0E442"])[("#0072B2", "#F0E442")] > 100
    np.testing.assert_allclose(viz.simulate_cvd([1.0, 1.0, 1.0]), [1.0, 1.0, 1.0], atol=1e-3)  # white stays
    with pytest.raises(ValueError, match="kind must be one of"):
        viz.simulate_cvd([0, 0, 0], "achromatopsia")


@pytest.mark.parametrize("kind", ["deuteranopia", "protanopia", "tritanopia"])
def test_the_cycle_stays_apart_and_close_pairs_differ_in_style(kind):
    found = distances(viz.CYCLE, kind)
    assert min(found.values()) > APART, sorted(found.items(), key=lambda kv: kv[1])[:2]
    styles = {viz.series_style(i)["color"]: viz.series_style(i) for i in range(len(viz.CYCLE))}
    for (a, b), d in found.items():
        if d < CLOSE:
            assert styles[a]["linestyle"] != styles[b]["linestyle"]
            assert styles[a]["marker"] != styles[b]["marker"]


def test_the_cycle_is_what_labkits_figures_draw_with():
    fig, ax = viz.subplots(height=3.0)
    lines = [ax.plot([0, 1], [i, i])[0] for i in range(len(viz.CYCLE))]
    drawn = [matplotlib.colors.to_hex(line.get_color()) for line in lines]
    assert drawn == [c.lower() for c in viz.CYCLE]
    assert set(viz.CYCLE) <= set(viz.PALETTE)  # one palette: the cycle is Okabe and Ito's
    plt.close(fig)
    assert viz.series_style(len(viz.CYCLE)) == viz.series_style(0)
    with pytest.raises(ValueError, match="i must be a series index"):
        viz.series_style(-1)


def line_colours(fig) -> list:
    return [matplotlib.colors.to_hex(line.get_color()) for ax in fig.axes for line in ax.lines
            if line.get_visible() and not line.get_label().startswith("_")]


def test_key_figures_use_colours_that_stay_apart():
    from types import SimpleNamespace

    from labkit.history import History

    sweep = SimpleNamespace(param="width", values=[2, 8, 32], bias_squared=[0.5, 0.2, 0.1],
                            variance=[0.0, 0.1, 0.3], noise=0.05, test_error=[0.6, 0.35, 0.45])
    figures = [viz.plot_bias_variance(sweep).figure,
               viz.plot_history(History(train_loss=[1.0, 0.5], val_loss=[1.1, 0.7], epochs_run=2,
                                        best_epoch=1)).figure]
    fig = plt.figure(figsize=viz.figure_size(5.4))
    viz.GradientFlowView(fig)
    figures.append(fig)
    for figure in figures:
        colours = sorted({c for c in line_colours(figure) if not np.allclose(*to_rgb(c)[:2], to_rgb(c)[2])})
        found = distances(colours)
        assert not found or min(found.values()) > APART, (figure, found)
        plt.close(figure)


def test_every_heatmap_has_a_colour_bar():
    fig = plt.figure(figsize=viz.figure_size(5.4))
    view = viz.GradientFlowView(fig)
    assert view.image.colorbar is not None and view.image.get_cmap().name == viz.HEATMAP
    assert "share of units" in view.image.colorbar.ax.get_ylabel()
    plt.close(fig)


def test_the_labs_name_only_palette_colours():
    import json
    import re
    from pathlib import Path

    palette = {c.lower() for c in viz.PALETTE}
    for path in sorted((Path(__file__).resolve().parent.parent / "labs").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code":
                assert {c.lower() for c in re.findall(r"#[0-9A-Fa-f]{6}", source)} <= palette, path.name
                assert not re.search(r"color=\"C\d\"", source), f"{path.name}: matplotlib's default colours"
            else:  # a figure's text names what is drawn: no 'red' line exists in the palette
                assert not re.search(r"\bred\b", source), f"{path.name}: names a red line"
