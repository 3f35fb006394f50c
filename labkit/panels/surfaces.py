"""Lab 06's optimizer panel: SGD, momentum, Nesterov, Adam and RMSprop on a 2-D loss surface, live.

Controls: the surface (an ill-conditioned quadratic, Rosenbrock's valley, a two-weight network's
real loss), the learning rate (log slider), momentum, the quadratic's condition number, and which
rules to show (four by default; ``rules=`` adds the lab's own). The status line says what
happened ("SGD diverges at step 29: lr 0.21 > 2/L = 0.200"); the rules' code is shown under the
picture. A frame is about 800 small numpy steps and one redraw (benchmarks/bench_surfaces.py).
"""

from __future__ import annotations

import html
import inspect

import ipywidgets as widgets

from labkit.arguments import check_choice, check_float, check_int
from labkit.optimization.surfaces import (
    RULE_LABELS,
    RULES,
    quadratic,
    rosenbrock,
    stability_threshold,
    trajectories,
    two_weight_network,
)
from labkit.panels.base import LivePanel, new_figure, png_bytes
from labkit.viz.blitting import Blitter
from labkit.viz.layout import COLUMN_INCHES
from labkit.viz.surfaces import SurfaceView
from labkit.viz.views import request_draw

__all__ = ["SurfacePanel", "SURFACES"]

SURFACES = {"quadratic": "ill-conditioned quadratic", "rosenbrock": "Rosenbrock",
            "network": "two-weight network"}
_DEFAULT_LR = {"quadratic": 0.1, "rosenbrock": 0.001, "network": 0.2}  # each surface's sensible start
_BOUND = {"sgd": "2/L", "momentum": "2(1+mu)/L", "nesterov": "2(1+mu)/((1+2mu)L)"}
_STYLE = {"description_width": "90px"}


class SurfacePanel(LivePanel):
    """Optimizers' paths on a 2-D surface; ``result`` is (surface, [Trajectory, ...]) of the last frame.

    ``rules``: extra update rules {name: rule(w, g, state, lr, momentum) -> w}, shown alongside the
    built-in ones; ``show``: the names shown at first (default SGD, momentum, Nesterov, Adam).
    """

    _busy_text = "Running the optimizers..."

    def __init__(self, surface="quadratic", *, lr=None, momentum=0.9, condition=10.0, steps=200, rules=None,
                 show=None):
        surface = check_choice("surface", surface, SURFACES)
        self.rules = {**RULES, **_user_rules(rules)}
        show = ["sgd", "momentum", "nesterov", "adam"] if show is None else list(show)
        for name in show:
            check_choice("show", name, self.rules)
        n_lines = min(len(self.rules), 7)  # every rule can be shown at once (the view's styles allow 7)
        if not 1 <= len(show) <= n_lines:
            raise ValueError(f"show must name 1 to {n_lines} rules, got {len(show)}: {show}")
        lr = _DEFAULT_LR[surface] if lr is None else check_float("lr", lr, min_value=1e-5, max_value=10.0)
        self.steps = check_int("steps", steps, min_value=1, max_value=5000)
        slider = {"continuous_update": False, "style": _STYLE}
        self.controls = {
            "surface": widgets.Dropdown(options=[(v, k) for k, v in SURFACES.items()], value=surface,
                                        description="surface", style=_STYLE),
            "lr": widgets.FloatLogSlider(value=lr, base=10, min=-5, max=1, step=0.05,
                                         description="learning rate", readout_format=".3g", **slider),
            "momentum": widgets.FloatSlider(
                value=check_float("momentum", momentum, min_value=0.0, max_value=0.99), min=0.0, max=0.99,
                step=0.01, description="momentum", **slider),
            "condition": widgets.FloatLogSlider(
                value=check_float("condition", condition, min_value=1.0, max_value=1000.0), base=10, min=0,
                max=3, step=0.05, description="condition", readout_format=".3g", **slider),
            "show": widgets.SelectMultiple(options=[(RULE_LABELS.get(k, k), k) for k in self.rules],
                                           value=tuple(show), rows=min(len(self.rules), 6),
                                           description="rules", style=_STYLE,
                                           tooltip="Ctrl-click (Cmd-click on a Mac) to pick several"),
        }
        self.controls["surface"].observe(self._on_surface, names="value")  # before _start's: lr is set first
        self.figure, self._screen = new_figure((COLUMN_INCHES, 3.7))  # controls + picture fit 800 px
        self.figure.subplots_adjust(left=0.08, right=0.72, bottom=0.12, top=0.92)
        self.view = SurfaceView(self.figure.add_subplot(1, 1, 1), n_lines=n_lines)
        self.code = widgets.HTML()
        # the rules' code, one click away: open, it pushed the sliders off a laptop's screen
        code_box = widgets.Accordion(children=[self.code], titles=("the code of the rules shown",),
                                     selected_index=None)
        self._surfaces, self._scene, self._coded = {}, None, None
        # a frame moves only the paths: blitted over a saved picture of contours, ticks and legend
        self._blitter = Blitter(self.figure, [*self.view.lines, *self.view.ends, self.view.start])
        self._start(extra=(code_box,))

    def _on_surface(self, change) -> None:
        """A new surface starts at its own sensible rate (Rosenbrock's curvature is 100x the quadratic's)."""
        self._quiet = True
        try:
            self.controls["lr"].value = _DEFAULT_LR[change["new"]]
        finally:
            self._quiet = False

    def close(self) -> None:
        self.controls["surface"].unobserve(self._on_surface, names="value")
        super().close()

    def _surface(self, values: dict):
        name = values["surface"]
        self.controls["condition"].disabled = name != "quadratic"
        key = (name, round(values["condition"], 6) if name == "quadratic" else None)
        if key not in self._surfaces:  # the same object again: the view keeps its contours
            make = {"quadratic": lambda: quadratic(values["condition"]), "rosenbrock": rosenbrock,
                    "network": two_weight_network}[name]
            self._surfaces = {key: make()}
        return self._surfaces[key]

    def _compute(self, values: dict):
        surface = self._surface(values)
        names = list(values["show"])
        if not names:
            raise ValueError("no rule chosen: pick one or more in the rules list")
        runs = trajectories(surface, {RULE_LABELS.get(n, n): self.rules[n] for n in names}, lr=values["lr"],
                            momentum=values["momentum"], steps=self.steps)
        return surface, runs, names

    def _show(self, result, values: dict) -> None:
        surface, runs, names = result
        note = _note(surface, values["momentum"])
        self.view.update(surface, runs, note=note)
        if (surface, note) != self._scene:  # new contours or text: the next picture is drawn in full
            self._scene = (surface, note)
            self._blitter.invalidate()
        code = "".join(_source(self.rules[n]) for n in names) if names != self._coded else None
        if code is not None:  # inspect.getsource reads files: only when the rules shown change
            self.code.value, self._coded = code, names

    def _render(self) -> None:
        if isinstance(self._screen, widgets.Image):
            if not self._blitter.frame():
                self.figure.canvas.draw()  # which saves the background for the next frames
            self._screen.value = png_bytes(self.figure.canvas)
        else:
            request_draw(self.figure)  # ipympl: a full draw when the browser asks

    def _describe(self, result) -> str:
        surface, runs, names = result
        parts = []
        for run, name in zip(runs, names, strict=True):
            if run.diverged_at is None:
                parts.append(f"{run.rule} ends at loss {run.values[-1]:.3g}")
                continue
            text = f"{run.rule} diverges at step {run.diverged_at}"
            bound = stability_threshold(surface, name, momentum=run.momentum) if name in _BOUND else None
            if bound is not None and run.lr > bound:
                text += f": lr {run.lr:.3g} > {_BOUND[name]} = {bound:.3f}"
            parts.append(text)
        return "; ".join(parts)


def _user_rules(rules) -> dict:
    if rules is None:
        return {}
    if not isinstance(rules, dict) and (isinstance(rules, str) or not hasattr(rules, "__iter__")):
        raise TypeError(f"rules must be a dict {{name: rule}} or a list of functions, got {rules!r:.60}")
    if not isinstance(rules, dict):
        rules = {getattr(r, "__name__", f"rule {i}"): r for i, r in enumerate(rules)}
    for name, rule in rules.items():
        if not isinstance(name, str) or not callable(rule):
            raise TypeError(f"rules must map names to functions rule(w, g, state, lr, momentum) -> w, "
                            f"got {name!r}: {rule!r}")
        if name in RULES:
            raise ValueError(f"rules: the name {name!r} is taken by a built-in rule; choose another name")
    return dict(rules)


def _note(surface, momentum: float) -> str:
    if surface.curvature is None:
        return ""
    where = "" if surface.name == "quadratic" else " at the minimum"
    bounds = ", ".join(f"{RULE_LABELS[r]} < {stability_threshold(surface, r, momentum=momentum):.3g}"
                       for r in _BOUND)
    return f"largest curvature L = {surface.curvature:.3g}{where}\nstable lr: {bounds}"


def _source(rule) -> str:
    try:
        code = inspect.getsource(rule)
    except (OSError, TypeError):
        code = f"{getattr(rule, '__name__', rule)}: source not available"
    return f"<pre style='font-size:11px;margin:2px 0'>{html.escape(code)}</pre>"
