"""The regularization lab's panels, driven headless: set widget values and check what the plots hold."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from labkit.panels.regularization import AddBackPanel, RegularizedBoundaryPanel  # noqa: E402
from labkit.regularization.comparisons import PIECES  # noqa: E402
from labkit.regularization.setup import overfit_setup  # noqa: E402


def tiny_boundary_panel(**options):
    return RegularizedBoundaryPanel(n_samples=80, n_train=40, width=8, epochs=40, grid=12, **options)


def test_boundary_panel_shows_the_fit_and_the_weights_that_the_sliders_ask_for():
    panel = tiny_boundary_panel()
    try:
        assert panel.last_error is None and panel.runs == 1
        plain = panel.result
        heights = np.array([bar.get_height() for bar in panel.bars])
        assert np.allclose(heights, np.maximum(plain.layer_magnitude, 1.1e-5))
        assert len(panel.view.train.get_offsets()) == 40 and len(panel.view.val.get_offsets()) == 40
        assert panel.view.image.get_array().shape == (12, 12, 3)
        assert f"val error {100 * plain.val_error:.1f}%" in panel.status.value
        panel.controls["l2"].value = 1.0  # far too strong: every layer's weights collapse
        strong = panel.result
        assert panel.runs == 2 and (strong.layer_magnitude < plain.layer_magnitude).all()
        assert panel.bars[0].get_height() == pytest.approx(max(strong.layer_magnitude[0], 1.1e-5))
        assert panel.controls["n_train"].max == 50  # a third of the 80 points or more stay for validation
        panel.controls["n_train"].value = 50
        assert len(panel.view.train.get_offsets()) == 50 and panel.result.n_train == 50
        assert len(panel.figure.axes[1].patches) == 3  # the bars were updated, not drawn again
    finally:
        panel.close()


def test_boundary_panel_refuses_bad_settings_and_shows_a_failed_fit_in_the_status_line():
    with pytest.raises(ValueError, match="dropout"):
        tiny_boundary_panel(dropout=1.5)
    with pytest.raises(ValueError, match="n_train"):
        RegularizedBoundaryPanel(n_samples=80, n_train=75)
    panel = tiny_boundary_panel()
    try:
        panel._compute = lambda values: 1 / 0
        panel.controls["dropout"].value = 0.3
        assert isinstance(panel.last_error, ZeroDivisionError) and "ZeroDivisionError" in panel.status.value
    finally:
        panel.close()


@pytest.fixture(scope="module")
def tiny_setup():
    return overfit_setup(per_class=3, n_val=20, width=8, epochs=6, lr=1e-2)


def test_add_back_panel_trains_each_set_of_pieces_once_and_tables_them_all(tiny_setup):
    panel = AddBackPanel(tiny_setup)
    try:
        assert list(panel.controls) == list(PIECES) and panel.last_error is None
        assert len(panel.tried) == 1 and panel.result.pieces == ()
        panel.controls["dropout"].value = True
        panel.controls["l2"].value = True
        assert panel.result.pieces == ("l2", "dropout")  # PIECES' order, whatever order they were ticked
        assert len(panel.tried) == 3
        panel.controls["dropout"].value = False
        panel.controls["dropout"].value = True  # back to a set tried before: from the cache
        assert len(panel.tried) == 4 and panel.result is panel.tried[2]
        assert panel.banner.text.get_text().startswith(panel.result.regime)
        assert panel.table.value.count("\n") == len(panel.tried)  # a header, then one line per run
        assert "L2+drop " in panel.table.value
        assert len(panel.curves.val.get_xdata()) == len(panel.result.run.history.val_loss)
    finally:
        panel.close()


def test_add_back_panel_refuses_unknown_pieces_and_a_wrong_setup(tiny_setup):
    with pytest.raises(ValueError, match="pieces"):
        AddBackPanel(tiny_setup, pieces=("weight_decay",))
    with pytest.raises(TypeError, match="OverfitSetup"):
        AddBackPanel({"epochs": 3})
    panel = AddBackPanel(tiny_setup, pieces="l1")
    try:
        assert panel.controls["l1"].value and panel.result.pieces == ("l1",)
    finally:
        panel.close()
