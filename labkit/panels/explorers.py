"""Small live panels for Labs 02 and 03: change a control, a second of training reruns, the plot follows.

- :class:`ExtrapolationExplorer` (Lab 03): a few small networks learn f(x) = x on a
  training domain and are drawn far outside it, the domain shaded. Controls:
  activation, width, depth, width of the training domain, random seed.
- :class:`LeakageExplorer` (Lab 02): one data leak of :func:`labkit.generalization.leakage.leakage_demo`
  switched on or off; bars show the training, validation and honest hold-out errors.

Both are :class:`labkit.panels.base.LivePanel`s, which carry the rules of the playground
(artists made once, all drawing on the kernel's main thread, a burst of changes runs
only the last one, errors shown in the status line). Unlike the Playground, a
recompute here is one call of about a second that is not interrupted; a run that was
superseded while it computed draws nothing.
"""

from __future__ import annotations

import inspect
import textwrap

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from labkit.arguments import check_bool, check_choice, check_float, check_int
from labkit.data import make_identity
from labkit.generalization.biasvar import PARAMS, iter_bias_variance_sweep
from labkit.generalization.extrapolation import SpreadResult, fit_identity
from labkit.generalization.leakage import LEAKS, leakage_demo
from labkit.panels.base import LivePanel, new_figure, options_with
from labkit.viz.layout import COLUMN_INCHES
from labkit.viz.palette import PALETTE
from labkit.viz.scales import log_axis_suits
from labkit.viz.sweeps import BiasVarianceView, EnsembleView

__all__ = ["ACTIVATION_CHOICES", "ExtrapolationExplorer", "LeakageExplorer", "BiasVariancePanel"]

ACTIVATION_CHOICES = ("relu", "tanh", "sigmoid", "elu", "silu")
_STYLE = {"description_width": "110px"}
_N_TRAIN = 50  # training points of the extrapolation explorer
_LEAK_LABELS = {"scaling": "scaling statistics", "duplicates": "duplicated rows", "time_order": "time order"}


def _seed_box(random_state) -> widgets.BoundedIntText:
    random_state = check_int("random_state", random_state, min_value=0, max_value=2**31 - 1)
    return widgets.BoundedIntText(value=random_state, min=0, max=2**31 - 1, description="random seed",
                                  style=_STYLE)


# ---------------------------------------------------------------- Lab 03: extrapolation

class ExtrapolationExplorer(LivePanel):
    """Networks that learn f(x) = x on a shaded training domain, drawn far beyond it.

    Each change retrains ``n_models`` networks (batched, well under a second at the
    default sizes) from ``random_state``. ``domain_width`` 1.0 is the seed talk's [-0.5, 0.5].
    ``result`` holds the last :class:`labkit.generalization.extrapolation.SpreadResult`.
    """

    def __init__(self, *, activation="relu", width=16, depth=2, domain_width=1.0, random_state=0, n_models=3,
                 epochs=400, x_range=4.0):
        activation = check_choice("activation", activation, ACTIVATION_CHOICES)
        width = check_int("width", width, min_value=1, max_value=256)
        depth = check_int("depth", depth, min_value=1, max_value=6)
        domain_width = check_float("domain_width", domain_width, min_value=0.0, strict_min=True)
        self.n_models = check_int("n_models", n_models, min_value=1, max_value=8)
        self.epochs = check_int("epochs", epochs, min_value=1)
        self.x_range = check_float("x_range", x_range, min_value=0.0, strict_min=True)
        if domain_width >= 2 * self.x_range:
            raise ValueError(f"domain_width must be less than 2 * x_range = {2 * self.x_range:g}, so that "
                             f"something lies outside the domain; got {domain_width!r}")
        slider = {"continuous_update": False, "style": _STYLE}
        self.controls = {
            "activation": widgets.Dropdown(options=list(ACTIVATION_CHOICES), value=activation,
                                           description="activation", style=_STYLE),
            "width": widgets.SelectionSlider(options=options_with([2, 4, 8, 16, 32, 64], width), value=width,
                                             description="width", **slider),
            "depth": widgets.IntSlider(value=depth, min=1, max=max(4, depth), description="depth", **slider),
            "domain_width": widgets.SelectionSlider(
                options=options_with([0.5, 1.0, 2.0, 3.0, 4.0], domain_width), value=domain_width,
                description="domain width", **slider),
            "random_state": _seed_box(random_state),
        }
        self._build_views()
        self._start()

    def _build_views(self) -> None:
        self.figure, self._screen = new_figure()  # the column's width
        fig = self.figure
        ax = self.ax = fig.add_subplot(1, 1, 1)
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.14, top=0.9)
        r = self.x_range
        # the domain: x in data units, y spanning the whole axes
        domain = Rectangle((-0.5, 0), 1.0, 1, transform=ax.get_xaxis_transform(), color=PALETTE[5], alpha=0.2,
                           lw=0, label="training domain")
        self.domain_patch = ax.add_patch(domain)
        (self.truth_line,) = ax.plot([-r, r], [-r, r], "--", color="0.35", lw=1.2, label="truth f(x) = x")
        self.points = ax.scatter([], [], s=10, color=PALETTE[0], zorder=3, label="training points")
        self.model_lines = [ax.plot([], [], color=PALETTE[3], lw=1.5, alpha=0.85,
                                    label="networks" if k == 0 else None)[0] for k in range(self.n_models)]
        ax.set(xlim=(-r, r), ylim=(-1.25 * r, 1.25 * r), xlabel="x", ylabel="prediction")
        ax.legend(loc="upper left", fontsize="small")
        self.title = ax.set_title("")

    def _compute(self, values: dict) -> SpreadResult:
        return fit_identity(values["domain_width"], activation=values["activation"], width=values["width"],
                            depth=values["depth"], n_models=self.n_models, n_train=_N_TRAIN,
                            epochs=self.epochs, x_range=self.x_range, random_state=values["random_state"])

    def _show(self, result: SpreadResult, values: dict) -> None:
        low, high = result.domain
        self.domain_patch.set_x(low)
        self.domain_patch.set_width(high - low)
        X, _ = make_identity(_N_TRAIN, domain=result.domain,  # the same points as fit_identity drew
                             random_state=values["random_state"])
        self.points.set_offsets(np.column_stack([X[:, 0], X[:, 0]]))
        for line, prediction in zip(self.model_lines, result.predictions, strict=True):
            line.set_data(result.x, prediction)
        self.title.set_text(f"{self.n_models} x {values['activation']}, width {values['width']}, "
                            f"depth {values['depth']}, trained on [{low:g}, {high:g}]")

    def _describe(self, result: SpreadResult) -> str:
        s = result.summary()
        ends = ", ".join(f"{p:.2f}" for p in result.predictions[:, -1])
        return (f"MSE inside the domain {s['error_inside']:.2g}, outside {s['error_outside']:.2g}; "
                f"at x = {result.x[-1]:g} the networks say {ends} (truth {result.x[-1]:g})")


# ---------------------------------------------------------------- Lab 02: leakage

class LeakageExplorer(LivePanel):
    """One data leak on or off: bars of training, validation and honest hold-out MSE.

    Each change reruns :func:`labkit.generalization.leakage.leakage_demo` (``n_models`` seeds
    averaged, about a second); ``result`` holds its :class:`~labkit.generalization.validation.LeakageResult`.
    """

    def __init__(self, kind="duplicates", leak=True, *, random_state=0, n_models=4, epochs=None):
        kind = check_choice("kind", kind, LEAKS)
        leak = check_bool("leak", leak)
        self.n_models = check_int("n_models", n_models, min_value=1, max_value=16)
        self.epochs = None if epochs is None else check_int("epochs", epochs, min_value=1)
        self.controls = {
            "kind": widgets.Dropdown(options=[(_LEAK_LABELS[k], k) for k in LEAKS], value=kind,
                                     description="leak kind", style=_STYLE),
            "leak": widgets.Checkbox(value=leak, description="leak switched on"),
            "random_state": _seed_box(random_state),
        }
        self._build_views()
        self._start()

    def _build_views(self) -> None:
        self.figure, self._screen = new_figure((7.5, 3.6))
        fig = self.figure
        ax = self.ax = fig.add_subplot(1, 1, 1)
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.1, top=0.84)
        names = ("training", "validation", "honest hold-out")
        self.bars = ax.bar(names, [0.0, 0.0, 0.0], color=[PALETTE[0], PALETTE[1], PALETTE[2]])
        self.labels = [ax.text(i, 0.0, "", ha="center", va="bottom") for i in range(3)]
        ax.set_ylabel("MSE")
        self.title = ax.set_title("", fontsize="medium")

    def _compute(self, values: dict):
        return leakage_demo(values["kind"], values["leak"], n_models=self.n_models, epochs=self.epochs,
                            random_state=values["random_state"])

    def _show(self, result, values: dict) -> None:
        heights = (result.train_error, result.val_error, result.holdout_error)
        for bar, label, height in zip(self.bars, self.labels, heights, strict=True):
            bar.set_height(height)
            label.set_position((bar.get_x() + bar.get_width() / 2, height))
            label.set_text(f"{height:.3f}")
        self.ax.set_ylim(0, 1.2 * max(heights))
        state = "leak" if result.leak else "no leak"
        self.title.set_text(f"{_LEAK_LABELS[result.kind]}, {state}:\n{textwrap.fill(result.description, 90)}")

    def _describe(self, result) -> str:
        return (f"validation MSE {result.val_error:.3f}, honest hold-out MSE {result.holdout_error:.3f}: "
                f"new data give {result.optimism:.1f} times the error validation promised")


# ---------------------------------------------------------------- Lab 01: bias and variance

class BiasVariancePanel(LivePanel):
    """Bias and variance, measured live: choose what to sweep and see the test error split into parts.

    Each change reruns :func:`labkit.generalization.biasvar.bias_variance_sweep` (``n_models`` models
    per value, trained at once by :mod:`labkit.batched`; one to five seconds on one CPU
    thread), one value at a time: the status line says "Computing 3 of 7 values..." and
    a newer change takes over between values. Left: bias², variance, noise and test
    error against the swept value.
    Right: the K models' curves at one value ("show models at"), which moves lines
    and retrains nothing. ``result`` holds the last
    :class:`~labkit.generalization.biasvar.BiasVarianceResult`; other keywords go to the sweep.
    """

    _PARAMS = (("width", "width"), ("L2 weight decay", "weight_decay"), ("training-set size", "n_train"),
               ("depth", "depth"), ("epochs", "epochs"))
    _busy_text = "Sweeping: training the models..."

    def __init__(self, param: str = "width", *, noise: float = 0.3, n_train: int = 30, n_models: int = 16,
                 random_state: int = 0, **sweep_options):
        fixed = {"param", "values", "noise", "n_train", "n_models", "random_state"}  # set by the panel
        allowed = set(inspect.signature(iter_bias_variance_sweep).parameters) - fixed
        unknown = sorted(set(sweep_options) - allowed)
        if unknown:
            raise TypeError(f"unknown sweep option(s) {unknown}; "
                            "see labkit.generalization.bias_variance_sweep")
        self.n_models = check_int("n_models", n_models, min_value=2, max_value=64)
        self._options = sweep_options
        style = _STYLE  # wide enough for "show models at"
        slider = {"continuous_update": False, "style": style}
        self.controls = {
            "param": widgets.Dropdown(options=self._PARAMS, value=check_choice("param", param, PARAMS),
                                      description="sweep", style=style),
            "noise": widgets.FloatSlider(value=check_float("noise", noise, min_value=0.0, max_value=1.0),
                                         min=0.0, max=1.0, step=0.05, description="noise", **slider),
            "n_train": widgets.SelectionSlider(
                options=options_with([10, 20, 30, 40, 80, 160], check_int("n_train", n_train, min_value=2)),
                value=n_train, description="train size", **slider),
            "random_state": _seed_box(random_state),
        }
        self.show = widgets.SelectionSlider(options=[0], description="show models at", **slider)
        self.figure, self._screen = new_figure((COLUMN_INCHES, 4.0))
        grid = self.figure.add_gridspec(1, 2, left=0.09, right=0.98, bottom=0.13, top=0.82, wspace=0.25)
        self.view = BiasVarianceView(self.figure.add_subplot(grid[0, 0]))
        self.ensemble = EnsembleView(self.figure.add_subplot(grid[0, 1]), n_models=self.n_models)
        self._showing_new_sweep = False  # while _show sets the slider, _on_show has nothing to add
        self.show.observe(self._on_show, names="value")
        self._start(extra=(self.show,))

    def close(self) -> None:
        self.show.unobserve(self._on_show, names="value")
        super().close()

    def _computing(self, values: dict):
        """The sweep one training run at a time, saying how far it got (no tqdm bar in a panel)."""
        param = values["param"]
        self.controls["n_train"].disabled = param == "n_train"  # the sweep sets it
        sweep = iter_bias_variance_sweep(param, noise=values["noise"], n_train=values["n_train"],
                                         n_models=self.n_models, random_state=values["random_state"],
                                         **self._options)
        for step in sweep:
            if step.result is None:
                self.status.value = _progress_text(param, step)
                self._show_progress(step.done / step.total)
                yield  # the kernel sends the status line; a newer change may take over here
        return step.result

    def _show(self, result, values: dict) -> None:
        self.view.update(result.values, result.bias_squared, result.variance, result.noise, result.test_error,
                         xlabel=result.param, log_x=log_axis_suits(result.values))
        best = result.best_value
        options = result.values.tolist()
        self._showing_new_sweep = True
        try:
            self.show.options = options
            self.show.value = best if best is not None else options[0]
        finally:
            self._showing_new_sweep = False
        self._show_models()

    def _describe(self, result) -> str:
        text = (f"{len(result.values)} values x {self.n_models} models; lowest test error at "
                f"{result.param} = {result.best_value}")
        if result.n_diverged.any():
            text += f"; {int(result.n_diverged.sum())} model(s) diverged"
        return text

    def _on_show(self, change) -> None:
        if not self._showing_new_sweep:
            self._guarded(lambda: (self._show_models(), self._render()))

    def _show_models(self) -> None:
        result = self.result
        if result is None:
            return
        index = result.values.tolist().index(self.show.value)
        self.ensemble.update(result.x_test, result.predictions[index], result.truth,
                             title=f"{result.param} = {self.show.value}: {self.n_models} models")


def _progress_text(param: str, step) -> str:
    if param == "weight_decay":
        return "Computing every value at once (one batched run)..."
    return f"Computing {step.done + 1} of {step.total} values..."
