"""Exercises for Lab 05, "Debugging training": find the bug, and read gradients and monitors."""

from __future__ import annotations

import math

import numpy as np

from labkit.debugging.bugzoo import BUGS, Setup
from labkit.exercises import Exercise, ExerciseSet, expect_choice, expect_number
from labkit.gradients.gradient_flow import NetSettings, measure

__all__ = ["MYSTERY_LETTERS", "mystery", "exercises", "BUG_NAMES", "STUCK_CAUSES"]

BUG_NAMES = tuple(BUGS)
_MYSTERIES = {"A": "dropout_at_test", "B": "broadcast_n_vs_n1", "C": "labels_shuffled"}
MYSTERY_LETTERS = tuple(_MYSTERIES)
STUCK_CAUSES = ("sigmoids saturate, so gradients vanish", "dead ReLUs: no gradient gets through",
                "exploding gradients", "a wrong backward pass")
_RATIO_WANTED = 1e-3


def mystery(letter: str) -> Setup:
    """Mystery set-up ``letter`` ("A", "B" or "C"): one bug of :data:`labkit.debugging.bugzoo.BUGS`, unnamed.

    ``case.model``, ``case.X``, ``case.y``, ``case.loss_fn`` and ``case.task`` are the set-up;
    ``case.doctor()`` examines it.
    """
    if letter not in _MYSTERIES:
        allowed = ", ".join(repr(m) for m in MYSTERY_LETTERS)
        raise ValueError(f"letter must be one of {allowed}; got {letter!r}")
    return BUGS[_MYSTERIES[letter]].setup(random_state=1)  # other data and weights than the lab's demos


def _find_the_bug(letter: str, hint: str, solution: str) -> Exercise:
    name = f"q{MYSTERY_LETTERS.index(letter) + 1}"
    return Exercise(name, check=expect_choice(_MYSTERIES[letter], BUG_NAMES), hint=hint, solution=solution)


def _panel_check(state):
    """Re-measure a panel state at init: sigmoid, depth 15 or more, first / last hidden at least 1e-3."""
    try:
        if isinstance(state, NetSettings):
            settings = state
        else:  # a panel, or its state() dict
            settings = state.settings() if hasattr(state, "settings") else NetSettings.from_dict(state)
    except TypeError:
        return False, f"pass the panel's state, e.g. panel.state(); got {type(state).__name__}"
    if settings.activation != "sigmoid" or settings.depth < 15:
        return False, (f"this exercise wants a sigmoid net of depth 15 or more; you passed "
                       f"{settings.activation}, depth {settings.depth}")
    ratio = measure(settings, steps=0).first_to_last
    if math.isfinite(ratio) and ratio >= _RATIO_WANTED:
        return True, f"the first layer's gradient is {ratio:.2g} of the last hidden layer's."
    return False, f"the first layer's gradient is only {ratio:.2g} of the last hidden layer's."


def exercises(vanishing=None, monitor=None) -> ExerciseSet:
    """Lab 05's exercises; ``vanishing`` is the lab's :func:`labkit.gradients.vanishing_gradients` result
    (for q4) and ``monitor`` the :class:`labkit.gradients.Monitor` of its too-high learning rate run (q6)."""
    read = ("Run `case = mystery('{0}')` and `case.doctor()`; read the failing checks and their advice, "
            "then match them with the bug table of section 3.")
    items = [
        _find_the_bug("A", read.format("A") + " Which check is it, and which bug does it exist for?",
                      "`'dropout_at_test'`: only `eval_repeatable` fails, as two eval-mode passes differ. "
                      "The model calls `F.dropout(h, 0.2)`, whose `training` argument is True unless you "
                      "pass `training=self.training`, so `model.eval()` never turns it off."),
        _find_the_bug("B", read.format("B") + " Compare `case.model(case.X).shape` with `case.y.shape`.",
                      "`'broadcast_n_vs_n1'`: `shapes` fails. Outputs (N, 1) minus targets (N,) broadcast to "
                      "(N, N), so the loss compares every prediction with every target and the network "
                      "learns the mean. `overfit_batch` fails as a consequence."),
        _find_the_bug("C", read.format("C") + " One check looks at the data, not the model.",
                      "`'labels_shuffled'`: `labels_signal` fails, since a point's nearest neighbour shares "
                      "its label no more often than chance, and `overfit_batch` fails because labels that "
                      "follow no pattern are slow to memorise. X and y were shuffled with two different "
                      "permutations."),
    ]
    if vanishing is not None:
        sigmoid = np.asarray(vanishing["sigmoid"], dtype=float)
        decades = float(np.log10(sigmoid[-1] / sigmoid[0]))
        items.append(Exercise(
            "q4", check=expect_number(decades, rel=0.0, abs=0.5),
            hint="Take the sigmoid net's gradient norms from `vanishing['sigmoid']` and compare the last "
                 "(output) layer with the first: `np.log10(last / first)`.",
            solution=f"About `{decades:.1f}`: "
                     "`np.log10(vanishing['sigmoid'][-1] / vanishing['sigmoid'][0])`. Each sigmoid layer "
                     "multiplies the gradient by its slope (at most 1/4) times its weights, so the updates "
                     "are shared out very unevenly: the last layers learn, the first barely move.",
        ))
    items.append(Exercise(
        "q5", check=_panel_check,
        hint="Keep the sigmoid and a depth of 15 or more, and find the switches that rescale every layer's "
             "signal or give the gradient a path around each layer. The panel's left title shows the ratio.",
        solution="For example `panel.set_state({'activation': 'sigmoid', 'depth': 20, 'batch_norm': True})` "
                 "(ratio about 1) or `{'residual': True}` (about 1e-2), then `ex.q5.check(panel.state())`. "
                 "A better initialization alone does not do it for sigmoid: its slope of at most 1/4 and its "
                 "outputs around 0.5 (not 0) still shrink the gradient at every layer.",
    ))
    if monitor is not None:
        dead = float(np.mean([row.dead for row in monitor.summary()]))
        items.append(Exercise(
            "q6", check=expect_number(dead, rel=0.0, abs=0.02),
            hint="`monitor_high.summary()` gives one row per layer with a `dead` field: average them "
                 "(every layer has the same width).",
            solution=f"About `{dead:.2f}`: `np.mean([row.dead for row in monitor_high.summary()])`. A unit "
                     "is dead when it outputs 0 for every sample of the batch; it then passes no gradient "
                     "back, so nothing revives it.",
        ))
    items.append(Exercise(
        "q7", check=expect_choice(STUCK_CAUSES[1], STUCK_CAUSES),
        hint="The run uses ReLU, not sigmoid. Look at the monitor's dead fractions and gradient norms at the "
             "end of the run.",
        solution=f"`{STUCK_CAUSES[1]!r}`. The first large steps pushed many units' pre-activations below 0 "
                 "for every input. A dead unit's gradient is exactly 0, so the layers before it get none "
                 "through it; once a whole layer is dead the output no longer depends on the input and "
                 "the loss sits at ln 2, chance for two classes. A lower learning rate (or leaky ReLU) "
                 "avoids it.",
    ))
    return ExerciseSet(*items)
