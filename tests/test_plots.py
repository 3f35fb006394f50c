"""labkit.viz: views create their artists once, updates change only their data, and the data is right."""

from __future__ import annotations

import io
import subprocess
import sys
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from labkit import viz as plots
from labkit.history import History  # noqa: E402
from labkit.models import MLP  # noqa: E402
from labkit.train import fit  # noqa: E402
from labkit.viz.blitting import Blitter  # noqa: E402

# a warning (a log axis given zero limits, a NaN in a colour blend) is a bug here
pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def artist_counts(ax):
    return len(ax.lines), len(ax.collections), len(ax.images), len(ax.texts)


def rgb(image):
    """An image's pixels (rows, cols, 3); NaN where matplotlib masked a NaN, so comparisons see it."""
    return np.ma.filled(image.get_array(), np.nan)


def sine(n=30, seed=0):
    x = np.random.default_rng(seed).uniform(-3, 3, n)
    return x[:, None], np.sin(x)


# ---------------------------------------------------------------- FitView

def test_fit_view_updates_reuse_the_same_artists(ax):
    view = plots.FitView(ax, x_grid=np.linspace(-3, 3, 50), true_function=np.sin)
    before, counts = list(view.artists), artist_counts(ax)
    for i in range(20):
        X, y = sine(10 + i, seed=i)
        view.set_data(X, y, X[:3] + 0.1, y[:3]) if i % 2 else view.set_data(X, y)
        view.set_prediction(np.cos(view.x_grid) * i)
        view.set_true_function(None if i % 3 else np.sin)
    assert view.artists == before and all(a is b for a, b in zip(view.artists, before, strict=True))
    assert artist_counts(ax) == counts == (2, 2, 0, 0)
    assert set(ax.lines) | set(ax.collections) == set(before)


def test_fit_view_shows_the_given_points_and_predictions(ax):
    grid = np.linspace(-3, 3, 40)
    view = plots.FitView(ax, x_grid=grid)
    X, y = sine(25)
    view.set_data(X[:, 0], y[:, None], X[:5], y[:5])  # (n,) and (n, 1) both accepted
    np.testing.assert_array_equal(view.train.get_offsets(), np.column_stack([X[:, 0], y]))
    np.testing.assert_array_equal(view.val.get_offsets(), np.column_stack([X[:5, 0], y[:5]]))
    prediction = 0.5 * grid**2
    view.set_prediction(prediction[:, None])
    np.testing.assert_array_equal(view.prediction.get_xdata(), grid)
    np.testing.assert_array_equal(view.prediction.get_ydata(), prediction)
    # the limits follow the data (|y| <= 1), not the model's curve (up to 4.5)
    low, high = ax.get_ylim()
    assert low <= y.min() and high >= y.max() and high < 2
    view.set_data(X, y)
    assert not view.val.get_visible() and len(view.val.get_offsets()) == 0


def test_fit_view_true_function_is_drawn_dashed_and_hidden_with_none(ax):
    view = plots.FitView(ax, x_grid=np.linspace(0, 1, 11), true_function=lambda x: 3 * x)
    np.testing.assert_allclose(view.truth.get_ydata(), 3 * view.x_grid)
    assert view.truth.get_linestyle() == "--" and view.truth.get_visible()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "model", "true function"]
    view.set_true_function(None)
    assert not view.truth.get_visible()
    assert "true function" not in [t.get_text() for t in ax.get_legend().get_texts()]


def test_fit_view_new_x_grid_moves_both_lines(ax):
    view = plots.FitView(ax, x_grid=np.linspace(-1, 1, 5), true_function=lambda x: x**2)
    view.set_prediction(np.ones(5))
    lines = (view.prediction, view.truth)
    view.set_x_grid(np.linspace(0, 4, 9))
    assert (view.prediction, view.truth) == lines and len(ax.lines) == 2 and ax.get_xlim() == (0, 4)
    np.testing.assert_array_equal(view.prediction.get_xdata(), np.linspace(0, 4, 9))
    assert np.isnan(view.prediction.get_ydata()).all()  # old predictions belong to the old grid
    np.testing.assert_allclose(view.truth.get_ydata(), np.linspace(0, 4, 9) ** 2)
    view.set_prediction(np.arange(9))
    with pytest.raises(ValueError, match="y_pred must have 9 values"):
        view.set_prediction(np.ones(5))


def test_fit_view_survives_a_diverged_model(ax):
    view = plots.FitView(ax, x_grid=np.linspace(-1, 1, 5))
    view.set_data(*sine(8))
    view.set_prediction([np.nan, np.inf, -np.inf, 1e300, 0.5])
    ax.figure.canvas.draw()
    ydata = view.prediction.get_ydata()
    assert np.isnan(ydata[:3]).all() and ydata[4] == 0.5
    view.set_prediction(np.full(5, np.nan))
    ax.figure.canvas.draw()


def test_fit_view_rejects_bad_arguments(ax):
    view = plots.FitView(ax, x_grid=np.linspace(-1, 1, 5))
    with pytest.raises(ValueError, match=r"y_pred must have 5 values.*got 4"):
        view.set_prediction(np.zeros(4))
    with pytest.raises(ValueError, match="X_train must have 1 feature"):
        view.set_data(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="y_train must hold one value per row of X_train"):
        view.set_data(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="X_val and y_val go together"):
        view.set_data(np.zeros(3), np.zeros(3), X_val=np.zeros(2))
    with pytest.raises(TypeError, match="true_function must be a function"):
        view.set_true_function(3.0)
    with pytest.raises(ValueError, match=r"x_grid must hold at least 2 values, all finite, got \[0.0, nan\]"):
        plots.FitView(ax, x_grid=[0.0, np.nan])


# ---------------------------------------------------------------- BoundaryView

BLUE_ORANGE = to_rgb(plots.PALETTE[0]), to_rgb(plots.PALETTE[1])  # classes 0 and 1


def blobs(n=40, k=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    return rng.normal(size=(n, 2)) + 2 * np.column_stack([np.cos(y), np.sin(y)]), y


def test_boundary_grid_matches_the_image_layout(ax):
    view = plots.BoundaryView(ax, n_classes=2, extent=(0, 4, 10, 12), resolution=10)
    grid = view.grid_points()
    assert grid.shape == (100, 2)
    # row-major from the bottom: grid[i * res + j] is the centre of image row i (y), column j (x)
    assert np.allclose(grid[0], [0.2, 10.1]) and np.allclose(grid[9], [3.8, 10.1])
    assert np.allclose(grid[-1], [3.8, 11.9])
    assert view.image.origin == "lower" and view.image.get_extent() == [0, 4, 10, 12]
    # class 1 where x > 2: the right half of every image row is class 1's colour
    view.set_probabilities((grid[:, 0] > 2).astype(float))
    image = rgb(view.image)
    assert np.allclose(image[:, 5:], BLUE_ORANGE[1]) and np.allclose(image[:, :5], BLUE_ORANGE[0])


def test_boundary_one_hot_probabilities_give_pure_class_colours(ax):
    view = plots.BoundaryView(ax, n_classes=3, resolution=12)
    labels = np.arange(144) % 3
    view.set_probabilities(np.eye(3)[labels])
    pixels = rgb(view.image).reshape(-1, 3)
    np.testing.assert_allclose(pixels, np.array([to_rgb(c) for c in plots.PALETTE[:3]])[labels])
    half = np.full((144, 3), 1 / 3)
    half[0] = np.nan  # a NaN row shows as uniform, like the rows that are uniform
    view.set_probabilities(half)
    pixels = rgb(view.image).reshape(-1, 3)
    np.testing.assert_allclose(pixels, np.tile(pixels[1], (144, 1)))


def test_boundary_points_take_their_class_colours_and_extent_follows_data(ax):
    view = plots.BoundaryView(ax, n_classes=3, resolution=20)
    grid_before = view.grid_points()
    X, y = blobs()
    view.set_data(X, y, X[:6] * 3, y[:6])
    colours = np.array([to_rgb(c) for c in plots.PALETTE[:3]])
    np.testing.assert_array_equal(view.train.get_offsets(), X)
    np.testing.assert_allclose(view.train.get_facecolors()[:, :3], colours[y])
    np.testing.assert_allclose(view.val.get_edgecolors()[:, :3], colours[y[:6]])
    assert len(view.val.get_facecolors()) == 0  # hollow
    x0, x1, y0, y1 = view.extent
    low, high = np.vstack([X, X[:6] * 3]).min(axis=0), np.vstack([X, X[:6] * 3]).max(axis=0)
    assert x0 < low[0] and x1 > high[0] and y0 < low[1] and y1 > high[1]
    assert list(ax.get_xlim()) == [x0, x1] and view.image.get_extent() == list(view.extent)
    grid = view.grid_points()
    assert not np.allclose(grid, grid_before) and grid[:, 0].min() > x0 and grid[:, 1].max() < y1


def test_boundary_updates_reuse_the_same_artists(ax):
    view = plots.BoundaryView(ax, n_classes=2, resolution=15)
    before, counts = list(view.artists), artist_counts(ax)
    for i in range(20):
        X, y = blobs(20 + i, k=2, seed=i)
        view.set_data(X, y, X[:4], y[:4])
        view.set_probabilities(np.random.default_rng(i).dirichlet([1, 1], size=225))
    view.set_n_classes(4)
    view.set_data(*blobs(k=4))
    assert all(a is b for a, b in zip(view.artists, before, strict=True))
    assert artist_counts(ax) == counts == (0, 2, 1, 0)
    with pytest.raises(ValueError, match=r"probs must be numbers of shape \(225, 4\)"):
        view.set_probabilities(np.full((225, 2), 0.5))


def test_boundary_rejects_bad_arguments(ax):
    with pytest.raises(ValueError, match="resolution must be at most 400, got 1000"):
        plots.BoundaryView(ax, n_classes=2, resolution=1000)
    with pytest.raises(TypeError, match="resolution must be an integer"):
        plots.BoundaryView(ax, n_classes=2, resolution=50.5)
    with pytest.raises(ValueError, match="n_classes must be at least 2, got 1"):
        plots.BoundaryView(ax, n_classes=1)
    with pytest.raises(ValueError, match="extent must be .* with min < max"):
        plots.BoundaryView(ax, n_classes=2, extent=(1, 0, 0, 1))
    view = plots.BoundaryView(ax, n_classes=2)
    with pytest.raises(ValueError, match=r"y_train must hold class labels 0..1 \(n_classes=2\)"):
        view.set_data(*blobs(k=3))
    with pytest.raises(ValueError, match="X_train must have 2 feature"):
        view.set_data(np.zeros((4, 1)), np.zeros(4, dtype=int))


# ---------------------------------------------------------------- LossView, Banner, BiasVarianceView

def test_loss_view_lines_limits_and_log_scale(ax):
    view = plots.LossView(ax)
    before, counts = list(view.artists), artist_counts(ax)
    for n in range(1, 21):
        view.update(np.linspace(2, 1, n), np.linspace(3, 1.5, n))
    assert all(a is b for a, b in zip(view.artists, before, strict=True)) and artist_counts(ax) == counts
    view.update([1.0, 0.5, 0.0, -1.0, np.inf, 0.1], [2.0, 0.8, 0.4, 0.3, 0.2, 0.2])
    np.testing.assert_array_equal(view.train.get_xdata(), np.arange(6))
    np.testing.assert_array_equal(view.val.get_ydata(), [2.0, 0.8, 0.4, 0.3, 0.2, 0.2])
    assert ax.get_xlim() == (0, 6) and view.val.get_linestyle() == "--"
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "loss (log scale)" and ax.get_xlabel() == "epoch"
    assert ax.get_ylim() == pytest.approx((0.1, 10))  # whole decades; zero, negative and Inf left out
    ax.figure.canvas.draw()
    view.set_log_scale(False)
    assert ax.get_yscale() == "linear" and ax.get_ylabel() == "loss"
    assert ax.get_ylim() == pytest.approx((-1, 2))  # the negative value counts on a linear axis
    view.set_log_scale(True)
    assert ax.get_yscale() == "log"


def test_loss_view_limits_stay_put_while_a_run_draws(ax):
    """Limits that moved every epoch would force a full redraw of every frame (see Blitter)."""
    view = plots.LossView(ax)
    view.reset(epochs=300)
    loss = 0.8 * np.exp(-np.arange(300) / 60) + 0.02  # 0.82 down to 0.027
    limits = []
    for n in range(1, 301, 7):
        view.update(loss[:n], 1.2 * loss[:n])
        limits.append((ax.get_xlim(), ax.get_ylim()))
    assert all(xlim == (0, 300) for xlim, _ in limits)
    assert len(set(limits)) == 2 and limits[-1][1] == pytest.approx((0.01, 1))  # one decade crossed
    view.set_log_scale(False)
    assert ax.get_ylim() == pytest.approx((0, 1))  # from 0 to the next 1, 2 or 5 x 10^k
    view.update([30.0, 12.0], [41.0, 13.0])
    assert ax.get_ylim() == pytest.approx((0, 50)) and ax.get_xlim() == (0, 300)
    view.reset()
    view.update([1.0, 0.5, 0.25])
    assert ax.get_xlim() == (0, 3)  # without a run's length the x-axis follows the curve
    with pytest.raises(ValueError, match="epochs"):
        view.reset(epochs=0)


def test_loss_view_goal_and_reset(ax):
    view = plots.LossView(ax, log_scale=False, ylabel="cross-entropy")
    view.update([1.0, 0.9])
    assert not view.goal.get_visible() and not view.val.get_visible()
    view.set_goal(0.25)
    assert view.goal.get_visible() and list(view.goal.get_ydata()) == [0.25, 0.25]
    assert ax.get_ylim()[0] < 0.25  # the goal is in view
    assert "goal" in [t.get_text() for t in ax.get_legend().get_texts()]
    view.set_goal(None)
    assert not view.goal.get_visible()
    view.reset()
    assert len(view.train.get_xdata()) == 0 and len(view.val.get_xdata()) == 0
    with pytest.raises(TypeError, match="log_scale must be True or False"):
        view.set_log_scale("yes")
    with pytest.raises(ValueError, match="goal must be a finite number"):
        view.set_goal(np.nan)


@pytest.mark.parametrize("on_figure", [True, False])
def test_banner_text_and_colour_by_level(ax, on_figure):
    banner = plots.Banner(ax.figure if on_figure else ax)
    text = banner.text
    banner.set("The model fits.", level="good")
    assert banner.text is text and text.get_text() == "The model fits." and banner.level == "good"
    good = to_rgb(text.get_color())
    banner.set("Diverged: lower the learning rate.", level="error")
    assert text.get_text().startswith("Diverged") and to_rgb(text.get_color()) != good
    assert text.get_fontweight() == "bold"  # not by colour alone
    banner.set("plain")
    assert text.get_text() == "plain" and text.get_fontweight() == "normal"
    with pytest.raises(ValueError, match="level must be one of 'info', 'good', 'warning', 'error'; got 'b'"):
        banner.set("x", level="b")
    assert len(ax.texts) == 0
    ax.figure.canvas.draw()


def test_bias_variance_view(ax):
    view = plots.BiasVarianceView(ax)
    before = list(view.artists)
    for _ in range(3):
        view.update([1, 4, 16, 64], [1.0, 0.5, 0.2, 0.1], [0.1, 0.2, 0.3, 0.6], 0.05, [1.2, 0.8, 0.6, 0.8],
                    xlabel="width", log_x=True)
    assert view.artists == before and len(ax.lines) == 4
    np.testing.assert_array_equal(view.noise.get_ydata(), [0.05] * 4)
    np.testing.assert_array_equal(view.test_error.get_ydata(), [1.2, 0.8, 0.6, 0.8])
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "width"
    with pytest.raises(ValueError, match=r"variance must have 4 values \(one per value in values\), got 3"):
        view.update([1, 2, 3, 4], [1] * 4, [1] * 3, 0.0, [1] * 4, xlabel="degree")
    with pytest.raises(ValueError, match="values must be finite, got"):
        view.update([1, np.nan], [1, 1], [1, 1], 0.0, [1, 1])
    # weight_decay = 0 among the values: symmetric log; a diverged value (NaN) leaves a gap
    view.update([0, 1e-3, 1e-2, 1e-1], [0.1, np.nan, 0.2, 0.5], [0.3, np.nan, 0.1, 0.05], [0.09] * 4,
                [0.5, np.nan, 0.4, 0.6], xlabel="weight_decay", log_x=True)
    assert ax.get_xscale() == "symlog" and ax.get_ylim()[1] > 0.6
    ax.figure.canvas.draw()


# ---------------------------------------------------------------- one-call plots

def test_plot_fit_with_a_function_and_no_figure_leak(ax):
    figures = len(plt.get_fignums())
    X, y = sine(20)
    out = plots.plot_fit(lambda grid: 2 * grid, X, y, X[:4], y[:4], true_function=np.sin, ax=ax)
    assert out is ax and len(plt.get_fignums()) == figures
    view_line, truth = ax.lines
    np.testing.assert_allclose(view_line.get_ydata(), 2 * view_line.get_xdata())
    np.testing.assert_allclose(truth.get_ydata(), np.sin(truth.get_xdata()))
    assert view_line.get_xdata().min() < X.min() and view_line.get_xdata().max() > X.max()
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), np.column_stack([X[:, 0], y]))
    new = plots.plot_fit(lambda grid: grid[:, 0], X, y, x_grid=np.linspace(0, 1, 7))
    assert len(plt.get_fignums()) == figures + 1 and len(new.lines[0].get_xdata()) == 7
    plt.close(new.figure)


def test_plot_fit_and_history_of_a_trained_model(ax):
    torch.manual_seed(0)
    X, y = sine(40)
    model = MLP(1, 1, width=16)
    history = fit(model, (X[:30], y[:30]), (X[30:], y[30:]), epochs=30, lr=0.01)
    plots.plot_fit(model, X[:30], y[:30], X[30:], y[30:], ax=ax)
    grid = ax.lines[0].get_xdata()
    with torch.no_grad():
        expected = model(torch.as_tensor(grid[:, None], dtype=torch.float32))[:, 0].numpy()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), expected, rtol=1e-5, atol=1e-6)
    fig, ax2 = plt.subplots()
    assert plots.plot_history(history, ax=ax2) is ax2
    np.testing.assert_array_equal(ax2.lines[0].get_ydata(), history.train_loss)
    np.testing.assert_array_equal(ax2.lines[1].get_ydata(), history.val_loss)
    labels = [t.get_text() for t in ax2.get_legend().get_texts()]
    assert f"best epoch ({history.best_epoch})" in labels and not any("diverged" in s for s in labels)
    plt.close(fig)


def test_plot_history_marks_divergence(ax):
    history = History(train_loss=[1.0, 0.4, 3.0, float("nan")], epochs_run=4, best_epoch=1, diverged_at=3)
    plots.plot_history(history, ax=ax, log_scale=False)
    diverged = [line for line in ax.lines if line.get_label() == "diverged (epoch 3)"]
    assert len(diverged) == 1 and list(diverged[0].get_xdata()) == [3, 3]
    best = [line for line in ax.lines if line.get_label() == "best epoch (1)"][0]
    assert list(best.get_ydata()) == [0.4] and ax.get_yscale() == "linear"
    ax.figure.canvas.draw()
    with pytest.raises(TypeError, match="history must be a labkit.history.History, got dict"):
        plots.plot_history({"train_loss": []}, ax=ax)


def test_plot_boundary_with_a_function_and_a_model(ax):
    X, y = blobs(k=3)
    plots.plot_boundary(lambda grid: np.eye(3)[(grid[:, 0] > 0).astype(int)], X, y, ax=ax)
    image = rgb(ax.images[0])
    assert np.allclose(image[:, 0], BLUE_ORANGE[0]) and np.allclose(image[:, -1], BLUE_ORANGE[1])
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), X)
    fig, ax2 = plt.subplots()
    torch.manual_seed(0)
    model = MLP(2, 4, width=8)  # four outputs, three labels seen: the field shows four classes
    plots.plot_boundary(model, X, y, ax=ax2)
    x0, x1, y0, y1 = ax2.images[0].get_extent()
    centres = (np.arange(60) + 0.5) / 60
    gx, gy = np.meshgrid(x0 + centres * (x1 - x0), y0 + centres * (y1 - y0))
    with torch.no_grad():
        grid = torch.as_tensor(np.column_stack([gx.ravel(), gy.ravel()]), dtype=torch.float32)
        probs = torch.softmax(model(grid), dim=1).double().numpy()  # (3600, 4)
    colours = np.array([to_rgb(c) for c in plots.PALETTE[:4]])
    np.testing.assert_allclose(rgb(ax2.images[0]).reshape(-1, 3), probs @ colours, atol=1e-5)
    plt.close(fig)
    with pytest.raises(TypeError, match="model_or_predict must be a torch nn.Module or a function"):
        plots.plot_boundary("mlp", X, y, ax=ax)


def test_plot_bias_variance_reads_any_result_object(ax):
    result = SimpleNamespace(param="width", values=[2, 8, 32, 128], bias_squared=[0.5, 0.2, 0.1, 0.05],
                             variance=[0.01, 0.05, 0.1, 0.3], noise=0.04, test_error=[0.55, 0.3, 0.24, 0.4])
    assert plots.plot_bias_variance(result, ax=ax) is ax
    assert ax.get_xlabel() == "width" and ax.get_xscale() == "log"  # 2..128 spans two decades
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), result.variance)
    partial = SimpleNamespace(param="w", values=[1], bias_squared=[1], variance=[1])
    zero_decay = SimpleNamespace(**{**vars(result), "param": "weight_decay", "values": [0, 1e-3, 1e-2, 0.1]})
    plots.plot_bias_variance(zero_decay, ax=ax)
    assert ax.get_xscale() == "symlog" and ax.get_xlabel() == "weight_decay"
    with pytest.raises(TypeError, match="lacks noise, test_error"):
        plots.plot_bias_variance(partial, ax=ax)


# ---------------------------------------------------------------- Blitter

@pytest.fixture
def scene():
    """An Agg figure: a red line (what frames change) below a blue point, nothing else in the way."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2), dpi=50)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    (line,) = ax.plot([0, 1], [0, 0], color="red", lw=6)
    point = ax.scatter([0.5], [0.5], s=300, color="blue", zorder=3)
    ax.set(xlim=(0, 1), ylim=(-1, 1))
    return SimpleNamespace(fig=fig, ax=ax, line=line, point=point)


def pixels(fig):
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def colour_at(fig, ax, x, y):
    """The (r, g, b) shown at data point (x, y), 0..255."""
    column, row = ax.transData.transform((x, y))
    return tuple(pixels(fig)[int(fig.bbox.height - row), int(column)])


def saved(fig):
    """What a plain full draw shows (savefig draws animated artists in their place)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=fig.dpi)
    width, height = (int(v) for v in fig.bbox.size)
    return np.frombuffer(buffer.getvalue(), np.uint8).reshape(height, width, 4)[..., :3]


def test_blitted_frame_shows_the_new_data_in_the_right_order(scene):
    fig, ax, line = scene.fig, scene.ax, scene.line
    blitter = Blitter(fig, [line])
    assert line.get_animated() and scene.point.get_animated()  # the point is drawn above the line
    assert not blitter.frame()  # no background saved yet: the caller must draw in full
    fig.canvas.draw()
    assert colour_at(fig, ax, 0.2, 0.0) == (255, 0, 0)  # a full draw shows the animated line too
    line.set_ydata([0.5, 0.5])  # up, through the point
    assert blitter.frame()
    assert colour_at(fig, ax, 0.2, 0.5) == (255, 0, 0)  # the new line
    assert colour_at(fig, ax, 0.2, 0.0) == (255, 255, 255)  # the old one is gone
    assert colour_at(fig, ax, 0.5, 0.5) == (0, 0, 255)  # the point stays on top
    np.testing.assert_array_equal(pixels(fig), saved(fig))  # exactly what a full draw shows
    assert blitter.frame()  # the background survived savefig
    np.testing.assert_array_equal(pixels(fig), saved(fig))


def test_blitter_asks_for_a_full_draw_when_the_background_is_stale(scene):
    fig, ax = scene.fig, scene.ax
    blitter = Blitter(fig, [scene.line])
    fig.canvas.draw()
    assert blitter.frame()
    ax.set_ylim(-2, 2)  # ticks and labels in the background are now wrong
    assert not blitter.frame()
    fig.canvas.draw()
    assert blitter.frame()
    ax.set_yscale("symlog")
    assert not blitter.frame()
    fig.canvas.draw()
    blitter.invalidate()  # e.g. a title changed: nothing the blitter can see
    assert not blitter.frame()
    fig.canvas.draw()
    fig.set_size_inches(4, 2)
    assert not blitter.frame()
    fig.canvas.draw()
    ax.legend(handles=[scene.line], labels=["model"])
    assert not blitter.frame()


def test_blitter_keeps_a_legend_on_top(scene):
    fig, ax, line = scene.fig, scene.ax, scene.line
    ax.legend(handles=[scene.point], labels=["data"], loc="lower right")
    blitter = Blitter(fig, [line])
    fig.canvas.draw()
    line.set_data([0.5, 1.0], [-0.8, -0.8])  # along the bottom, behind the legend
    assert blitter.frame()
    extent = ax.get_legend().get_window_extent()
    inside = pixels(fig)[int(fig.bbox.height - extent.y0) - 3, int(extent.x1) - 3]
    assert inside.min() > 200  # the legend's white box, not the red line under it
    assert colour_at(fig, ax, 0.52, -0.8) == (255, 0, 0)  # the line left of the legend is drawn


def test_request_draw_asks_the_canvas(ax, monkeypatch):
    calls = []
    monkeypatch.setattr(ax.figure.canvas, "draw_idle", lambda: calls.append(1))
    plots.request_draw(ax.figure)
    assert calls == [1]


def test_import_loads_neither_widgets_nor_pyplot_nor_torch():
    heavy = ("ipywidgets", "matplotlib.pyplot", "torch", "labkit.panels")
    code = f"import sys, labkit.viz; print([m for m in {heavy} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_viz_face_offers_every_one_call_plot_and_no_more():
    from labkit.viz import figures, views

    for name in figures.__all__:
        assert getattr(plots, name) is getattr(figures, name) and name in plots.__all__
    assert not hasattr(views, "plot_fit")  # no lazy re-export from views: one home per name
    with pytest.raises(AttributeError, match="no attribute 'plot_everything'"):
        plots.plot_everything  # noqa: B018


def test_ensemble_view_moves_its_lines_in_place():
    fig, ax = plt.subplots()
    view = plots.EnsembleView(ax, n_models=3)
    children = len(ax.get_children())
    x = np.linspace(-1, 1, 5)
    curves = np.arange(15, dtype=float).reshape(3, 5)
    view.update(x, curves, truth=x, title="width = 8")
    assert np.allclose(view.models[2].get_ydata(), curves[2])
    assert np.allclose(view.mean.get_ydata(), curves.mean(axis=0))
    assert np.allclose(view.truth.get_ydata(), x) and ax.get_title() == "width = 8"
    view.update(x, -curves)
    assert np.allclose(view.models[0].get_ydata(), -curves[0]) and len(view.truth.get_ydata()) == 0
    assert len(ax.get_children()) == children
    with pytest.raises(ValueError, match="predictions must have shape"):
        view.update(x, curves[:2])
    with pytest.raises(ValueError, match="n_models"):
        plots.EnsembleView(ax, n_models=0)
    plt.close(fig)
