"""One-call plots for use without a panel: a fit, a decision boundary, a loss history, a sweep.

Each takes ``ax=None``, makes a figure with :func:`labkit.viz.layout.subplots` only when no ax is given,
draws with a view from :mod:`labkit.viz.views` and returns the ax. A model is either a
torch ``nn.Module`` (run through :func:`labkit.train.predict`) or a function from a
numpy array (G, d) to predictions. ``labkit.viz.views.plot_fit`` and the others name the
same functions, so a lab can take all its plotting from one module.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from labkit.arguments import as_2d_float, to_numpy
from labkit.viz.layout import legend_outside, subplots
from labkit.viz.palette import PALETTE
from labkit.viz.scales import as_points, as_values, log_axis_suits, span
from labkit.viz.sweeps import BiasVarianceView
from labkit.viz.views import BoundaryView, FitView, LossView

__all__ = ["plot_fit", "plot_boundary", "plot_history", "plot_bias_variance", "plot_learning_curve"]


def _axes(ax):
    if ax is None:
        return subplots(height=4.0, width=6.5)[1]  # fits the column, palette, tidy canvas
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _predictor(model, *, probabilities: bool = False):
    """A function numpy X (G, d) -> numpy predictions, from a torch nn.Module or a callable."""
    from torch import nn  # imported here: plotting a lambda should not need torch loaded

    if isinstance(model, nn.Module):
        from labkit.train import predict

        if not probabilities:
            return lambda X: predict(model, X)
        return lambda X: _probabilities(predict(model, X))
    if callable(model):
        return lambda X: to_numpy("model_or_predict(X)", model(X))
    raise TypeError(f"model_or_predict must be a torch nn.Module or a function of a numpy array (n, d), "
                    f"got {type(model).__name__}")


def _probabilities(logits: np.ndarray) -> np.ndarray:
    """Softmax of (G, C) logits, or the sigmoid of one logit per row (binary)."""
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged model: NaN rows, shown as uniform
        if logits.shape[1] == 1:
            return 1.0 / (1.0 + np.exp(-logits[:, 0]))
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def plot_fit(model_or_predict, X_train, y_train, X_val=None, y_val=None, *, true_function=None, x_grid=None,
             ax=None):
    """Points, the model's curve (and the truth) of a 1-D regression; returns the ax."""
    predict = _predictor(model_or_predict)
    X = [as_2d_float("X_train", X_train)] + ([as_2d_float("X_val", X_val)] if X_val is not None else [])
    if len(X[0]) == 0:
        raise ValueError(f"X_train must hold at least one point to plot, got shape {X[0].shape}")
    if x_grid is None:  # 200 points over the data and a little beyond
        x_grid = np.linspace(*span(X, margin=0.05), 200)
    x_grid = as_values("x_grid", x_grid)
    y_pred = predict(x_grid[:, None])  # (G, 1)
    view = FitView(_axes(ax), x_grid=x_grid, true_function=true_function)
    view.set_data(X_train, y_train, X_val, y_val)
    view.set_prediction(y_pred)
    return view.ax


def plot_boundary(model_or_predict, X, y, *, n_classes=None, ax=None):
    """Points X (n, 2) and the class-probability field of a classifier; returns the ax."""
    predict = _predictor(model_or_predict, probabilities=True)
    X, labels = as_points(X, y, ("X", "y"), 2)
    k = max(2, int(labels.max()) + 1) if n_classes is None else n_classes
    view = BoundaryView(_axes(ax), n_classes=k)
    view.set_data(X, labels)
    probs = predict(view.grid_points())
    if n_classes is None and probs.ndim == 2 and probs.shape[1] > view.n_classes:  # classes y lacks
        view.set_n_classes(probs.shape[1])
        view.set_data(X, labels)
    view.set_probabilities(probs)
    return view.ax


def plot_history(history, *, log_scale=True, ax=None):
    """Loss curves of a :class:`labkit.history.History`, best epoch and divergence marked; returns the ax."""
    if not hasattr(history, "train_loss") or not hasattr(history, "val_loss"):
        raise TypeError(f"history must be a labkit.history.History, got {type(history).__name__}")
    view = LossView(_axes(ax), log_scale=log_scale)
    view.update(history.train_loss, history.val_loss)
    handles = [line for line in (view.train, view.val) if line.get_visible()]
    best, diverged = getattr(history, "best_epoch", None), getattr(history, "diverged_at", None)
    if best is not None:
        loss = (history.val_loss or history.train_loss)[best]
        handles += view.ax.plot([best], [loss], ls="", marker="*", ms=12, color=PALETTE[2],
                                label=f"best epoch ({best})")
    if diverged is not None:
        handles.append(view.ax.axvline(diverged, color=PALETTE[3], ls=":", lw=1.5,
                                       label=f"diverged (epoch {diverged})"))
    view.ax.legend(handles=handles, fontsize="small", loc="upper right")
    return view.ax


def plot_bias_variance(result, *, ax=None):
    """A sweep result's bias², variance, noise and test error against ``result.values``; returns the ax."""
    names = ("param", "values", "bias_squared", "variance", "noise", "test_error")
    missing = [name for name in names if not hasattr(result, name)]
    if missing:
        raise TypeError(f"result must have attributes {', '.join(names)}; "
                        f"a {type(result).__name__} lacks {', '.join(missing)}")
    values = as_values("result.values", result.values)
    view = BiasVarianceView(_axes(ax))
    view.update(values, result.bias_squared, result.variance, result.noise, result.test_error,
                xlabel=str(result.param), log_x=log_axis_suits(values))
    return view.ax




def plot_learning_curve(result, *, ax=None):
    """Training and test error against training-set size, from an ``n_train`` sweep; returns the ax.

    ``result`` is a :func:`labkit.generalization.biasvar.bias_variance_sweep` result with ``param="n_train"``:
    each point averages its K models. The dotted line is the noise, the floor no model
    beats on new data. Converging curves high above it mean bias; a wide gap, variance.
    """
    if getattr(result, "param", None) != "n_train":
        raise ValueError(f"result must come from bias_variance_sweep('n_train', ...), "
                         f"got a sweep over {getattr(result, 'param', type(result).__name__)!r}")
    ax = _axes(ax)
    sizes = as_values("result.values", result.values)
    ax.plot(sizes, result.train_error, color=PALETTE[0], marker="o", ms=4, lw=2, label="training error")
    ax.plot(sizes, result.test_error, color=PALETTE[1], marker="s", ms=4, lw=2, label="test error")
    ax.plot(sizes, result.noise, color="0.45", ls=":", lw=1.5, label="noise")
    if sizes.min() > 0 and sizes.max() / sizes.min() >= 8:  # 5, 10, 20, ... 160: doublings
        ax.set_xscale("log")
    ax.set_xlabel("training-set size")
    ax.set_ylabel("mean squared error")
    legend_outside(ax, where="top", ncol=3)  # inside, it sat on the converging curves
    return ax
