"""Views of sweeps over many models: bias and variance against capacity, and an ensemble's curves.

As in :mod:`labkit.viz.views`, artists are made once and :meth:`update` changes their data.
"""

from __future__ import annotations

import numbers

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter

from labkit.arguments import check_bool, check_float, check_int, to_numpy
from labkit.viz.palette import MODEL, PALETTE, TRUTH
from labkit.viz.scales import as_values, check_axes, finite_or_nan

__all__ = ["BiasVarianceView", "EnsembleView"]


class BiasVarianceView:
    """A capacity sweep: bias², variance, noise and test error against the swept value."""

    def __init__(self, ax):
        self.ax = ax = check_axes("ax", ax)
        style = {"lw": 2, "marker": "o", "ms": 4}
        (self.bias_squared,) = ax.plot([], [], color=PALETTE[0], label="bias²", **style)
        (self.variance,) = ax.plot([], [], color=PALETTE[1], label="variance", **style)
        (self.noise,) = ax.plot([], [], color="0.45", ls=":", lw=1.5, label="noise")
        (self.test_error,) = ax.plot([], [], color="black", label="test error", **style)
        self.artists = [self.bias_squared, self.variance, self.noise, self.test_error]
        ax.set_ylabel("squared error")
        # above the axes, in two rows: inside, it sat on the test error's minimum, the point of the plot
        ax.legend(handles=self.artists, fontsize="small", loc="lower left", bbox_to_anchor=(0.0, 1.01),
                  ncol=2, borderaxespad=0.0, frameon=False)

    def update(self, values, bias_squared, variance, noise, test_error, *, xlabel="value", log_x=False):
        """One entry per value (``noise`` may be one number); NaN (diverged) leaves a gap.

        ``log_x`` puts values on a log axis, symmetric-log when 0 is among them (weight_decay=0).
        """
        x, log_x = as_values("values", values), check_bool("log_x", log_x)
        if not np.isfinite(x).all() or (log_x and not (x != 0).any()):
            raise ValueError(f"values must be finite{' and not all 0 (log_x=True)' if log_x else ''}, "
                             f"got {x.tolist()}")
        if isinstance(noise, numbers.Real):
            noise = np.full(len(x), check_float("noise", noise))
        parts = {"bias_squared": bias_squared, "variance": variance, "noise": noise, "test_error": test_error}
        for line, (name, part) in zip(self.artists, parts.items(), strict=True):
            line.set_data(x, as_values(name, part, len(x), "one per value in values"))
        if not log_x:
            self.ax.set_xscale("linear")
        elif (x > 0).all():
            self.ax.set_xscale("log")
        else:  # linear within the smallest non-zero |value| of 0, logarithmic beyond
            self.ax.set_xscale("symlog", linthresh=float(np.abs(x[x != 0]).min()))
        if log_x:  # labels at 1, 10, 100 only: "2x10^0 3x10^0 ..." crowds the axis
            self.ax.xaxis.set_minor_formatter(NullFormatter())
        self.ax.set_xlabel(str(xlabel))
        self.ax.relim()
        self.ax.autoscale_view()


class EnsembleView:
    """K models' curves over a 1-D input, with the truth and the models' mean: bias and variance to see.

    The K thin lines are created once; :meth:`update` changes their data. Where the
    thin lines fan out, the models disagree (variance); where their mean (thick) leaves
    the truth (dashed), they agree on the wrong answer (bias).
    """

    def __init__(self, ax, *, n_models):
        self.ax = ax = check_axes("ax", ax)
        self.n_models = check_int("n_models", n_models, min_value=1)
        self.models = [ax.plot([], [], color=PALETTE[5], lw=0.8, alpha=0.6)[0] for _ in range(self.n_models)]
        (self.mean,) = ax.plot([], [], color=MODEL, lw=2.2, label="mean of the models")
        (self.truth,) = ax.plot([], [], color=TRUTH, lw=1.5, ls="--", label="true function")
        handles = [Line2D([], [], color=PALETTE[5], lw=0.8, label=f"{self.n_models} models"), self.mean,
                   self.truth]
        ax.legend(handles=handles, fontsize="small", loc="upper right")
        self.artists = [*self.models, self.mean, self.truth]

    def update(self, x, predictions, truth=None, *, title="") -> None:
        """``predictions`` (K, len(x)): one curve per model; ``truth`` the noise-free f(x), if known."""
        x = as_values("x", x)
        curves = np.asarray(to_numpy("predictions", predictions), dtype=float)
        if curves.shape != (self.n_models, len(x)):
            raise ValueError(f"predictions must have shape (n_models, len(x)) = ({self.n_models}, {len(x)}), "
                             f"got {curves.shape}")
        for line, curve in zip(self.models, curves, strict=True):
            line.set_data(x, finite_or_nan(curve))
        self.mean.set_data(x, finite_or_nan(curves.mean(axis=0)))
        if truth is None:
            self.truth.set_data([], [])
        else:
            self.truth.set_data(x, as_values("truth", truth, len(x)))
        self.ax.set_title(str(title), fontsize="medium")
        self.ax.relim()
        self.ax.autoscale_view()
