"""Exercises for Lab 06, "The learning rate and the optimizer"."""

from __future__ import annotations

import numpy as np

from labkit.arguments import check_float, check_int, to_numpy
from labkit.exercises import Exercise, ExerciseSet, expect_choice, expect_number
from labkit.optimization.range_test import suggest_rates
from labkit.optimization.surfaces import quadratic, trajectories

__all__ = ["exercises", "mystery_paths", "DIVERGENCE_CAUSES", "RATIO_ACTIONS", "PATH_LETTERS"]

PATH_LETTERS = ("A", "B", "C", "D")
_MYSTERY_RULES = {"sgd": 0.05, "momentum": 0.05, "adam": 0.1, "rmsprop": 0.05}  # rule: its rate

DIVERGENCE_CAUSES = (
    "the learning rate is too high for the unscaled features",
    "too few epochs",
    "the weights started too small",
    "the model is too small for the data",
)
RATIO_ACTIONS = ("raise the learning rate", "lower the learning rate", "add weight decay",
                 "nothing: the ratio is fine")


def _rate_pick_check(lrs, losses):
    """q1: a rate from the range test's curve, read as minimum/10 reads it (ends left out, as fastai)."""
    lrs = to_numpy("lrs", lrs).astype(float).ravel()
    losses = to_numpy("losses", losses).astype(float).ravel()
    if lrs.shape != losses.shape or len(lrs) < 5:
        raise ValueError(f"lrs and losses must be two 1-D arrays of one length >= 5, got shapes "
                         f"{lrs.shape} and {losses.shape}")
    finite = np.isfinite(losses)
    at_min = 10 * suggest_rates(lrs[finite], losses[finite])["minimum/10"]  # the rule's own minimum
    low, high = at_min / 30, at_min / 2

    def check(answer):
        if isinstance(answer, bool) or not isinstance(answer, (int, float, np.floating)) or not answer > 0:
            return False, f"answer with a positive number, a learning rate; got {answer!r}"
        if answer > high:
            where = "past" if answer > at_min else "at"
            return False, (f"{answer:g} is {where} the curve's minimum ({at_min:.2g}): there the loss has "
                           "stopped falling, and a full run at that rate sits at the edge of divergence")
        if answer >= low:
            return True, (f"{answer:g} is in the stretch where the loss still falls steeply, "
                          f"{at_min / answer:.0f}x below the minimum at {at_min:.2g}.")
        if answer >= at_min / 100:
            return False, (f"{answer:g} is where the loss falls fast, but {at_min / answer:.0f}x below the "
                           f"minimum ({at_min:.2g}); in section 3, full training ended about twice as high "
                           "there as at minimum/10: go higher")
        return False, (f"{answer:g} is more than 100x below the minimum ({at_min:.2g}), where the loss "
                       "has hardly begun to fall: training at it is slow")

    return check, at_min


def _mystery_order(random_state: int) -> list[str]:
    rules = list(_MYSTERY_RULES)
    np.random.default_rng(check_int("random_state", random_state, min_value=0)).shuffle(rules)
    return rules  # rules[i] drew the path labelled PATH_LETTERS[i]


def mystery_paths(random_state: int = 0):
    """(surface, paths): SGD, momentum, Adam and RMSprop on a tilted quadratic, labelled A-D, shuffled.

    For q6; draw them with ``labkit.viz.plot_surface(surface, paths)``. Each rule runs 60 steps
    at its own rate (momentum 0.9), from the same start.
    """
    surface = quadratic(condition=10, angle=30)
    order = _mystery_order(random_state)
    rules = {letter: rule for letter, rule in zip(PATH_LETTERS, order, strict=True)}
    lrs = {letter: _MYSTERY_RULES[rule] for letter, rule in rules.items()}
    return surface, trajectories(surface, rules, lr=lrs, momentum=0.9, steps=60)


def exercises(range_test=None, largest_curvature=None, *, paths_seed: int = 0) -> ExerciseSet:
    """Lab 06's exercises.

    ``range_test``: the lab's range-test curve as ``(lrs, smoothed_losses)`` (q1 appears with it);
    ``largest_curvature``: the largest eigenvalue of the unscaled problem's Hessian (q3 with it);
    ``paths_seed``: the ``random_state`` the lab passed to :func:`mystery_paths` (q6).
    """
    items = []
    if range_test is not None:
        check, at_min = _rate_pick_check(*range_test)
        items.append(Exercise(
            "q1", check=check,
            hint="Find the rate where the smoothed loss is lowest (leave out the last few steps, where it "
                 "shoots up), then step back towards smaller rates: a rule of thumb is the minimum divided "
                 "by 10.",
            solution=f"Anything from {at_min / 30:.2g} to {at_min / 2:.2g}; {at_min / 10:.2g} (the minimum "
                     f"{at_min:.2g} divided by 10) is fastai's rule, the minimum/10 suggestion. At the "
                     "minimum itself the loss is about to blow up: the test raised the rate every step, so "
                     "the loss there is already lagging behind a rate that is too high.",
        ))
    items.append(Exercise(
        "q2", check=expect_choice(DIVERGENCE_CAUSES[0], DIVERGENCE_CAUSES),
        hint="The same rate trains the standardized copy of the data well. What differs between the two "
             "copies, and what does that do to the loss surface's largest curvature?",
        solution=f"`{DIVERGENCE_CAUSES[0]!r}`. A feature in millimetres has values in the hundreds, so the "
                 "loss curves steeply along its weight: the largest curvature L grows with the square of "
                 "the feature's scale, and gradient descent diverges once the rate passes 2/L. Standardize "
                 "the inputs and the same rate is safe.",
    ))
    if largest_curvature is not None:
        L = check_float("largest_curvature", largest_curvature, min_value=0.0, strict_min=True)
        items.append(Exercise(
            "q3", check=expect_number(2 / L, rel=0.02),
            hint="Gradient descent on a quadratic with largest curvature L (the Hessian's largest "
                 "eigenvalue) multiplies the error along that direction by (1 - lr * L) each step.",
            solution=f"`2 / L` = {2 / L:.3g}. The error along the steepest direction is multiplied by "
                     "|1 - lr * L| each step, which is below 1 only while lr < 2 / L.",
        ))
    items += [
        Exercise(
            "q4", check=expect_number(0.08, rel=0.01),
            hint="Goyal et al. (2017): when the batch grows k times, multiply the rate by k (with a warm-up "
                 "at the start).",
            solution="`0.08`: the batch grew 8x (32 to 256), so the rate grows 8x too. Each step averages "
                     "8x more examples, so its gradient is less noisy and one step can stand in for "
                     "eight. The rule holds while the rate stays well below the divergence limit; past it, "
                     "more batch buys nothing.",
        ),
        Exercise(
            "q5", check=expect_choice(RATIO_ACTIONS[0], RATIO_ACTIONS),
            hint="CS231n's rule of thumb puts a healthy update at about 1e-3 of the weight it changes.",
            solution=f"`{RATIO_ACTIONS[0]!r}`: each step moves the weights by 1e-5 of their size, a hundred "
                     "times less than the rule of thumb; the network will learn, but slowly. Try a rate "
                     "about 100x higher and watch the ratio come up to ~1e-3.",
        ),
    ]
    momentum = PATH_LETTERS[_mystery_order(paths_seed).index("momentum")]
    items.append(Exercise(
        "q6", check=expect_choice(momentum, PATH_LETTERS),
        hint="Momentum keeps a velocity: it builds up speed along the valley and overshoots, so its path "
             "swings past the minimum and curls back. Adam and RMSprop divide by a running size of the "
             "gradient, so their first steps move every weight by about the same amount: a diagonal.",
        solution=f"`{momentum!r}`: the path that overshoots the minimum and spirals in. SGD's path zigzags "
                 "across the steep direction but never passes the valley floor along the flat one; "
                 "Adam and RMSprop start along a diagonal (equal steps in both weights).",
    ))
    return ExerciseSet(*items)
