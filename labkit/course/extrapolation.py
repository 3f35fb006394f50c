"""Exercises for Lab 03, "Neural nets don't extrapolate"."""

from __future__ import annotations

from labkit.exercises import Exercise, ExerciseSet, expect_choice, expect_number, expect_set

__all__ = ["exercises", "ACTIVATIONS", "STRUCTURE_CHOICES", "SIMULATOR_CHOICES", "REGION_CHOICES"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "silu")
STRUCTURE_CHOICES = (
    "a wider network",
    "tanh activations",
    "more training epochs",
    "a residual form: next state = state + NN(state)",
)
SIMULATOR_CHOICES = (
    "replace the simulator by a network trained on the measurements",
    "keep the simulator and train a network on its error",
    "keep the simulator and ignore the measurements",
)
REGION_CHOICES = ("inside the training domain", "in the mirror image of the domain", "beyond both")


def exercises(spread=None) -> ExerciseSet:
    """Lab 03's exercises; q1 appears when the lab's ensemble (a SpreadResult) is passed as ``spread``."""
    items = []
    if spread is not None:
        s = spread.summary()
        ratio = s["spread_outside"] / s["spread_inside"]
        items.append(Exercise(
            "q1",
            check=expect_number(ratio, rel=0.05),
            hint="`spread.summary()` gives the ensemble's mean spread (std over the networks) inside and "
                 "outside the training domain. Divide the second by the first.",
            solution=f"`{ratio:.0f}`: `s = spread.summary(); s['spread_outside'] / s['spread_inside']`. "
                     "The networks agree closely where there were data and disagree hundreds of times "
                     "more beyond: a warning that costs no labels. (It is a warning, not an error bar: "
                     "outside, the ensemble's mean is off by more than its spread.)",
        ))
    items += [
        Exercise(
            "q2",
            check=expect_set(("tanh", "sigmoid"), ACTIVATIONS),
            hint="Look at the side-by-side plot of section 2 (or try each activation in the explorer): "
                 "which networks go flat far from the data, and which keep rising along a line?",
            solution="`['tanh', 'sigmoid']`: each of their units saturates, so a sum of them levels off. "
                     "ReLU, ELU and SiLU units grow linearly on at least one side, so their networks "
                     "continue along some line, with a slope the data never fixed. Neither behaviour "
                     "follows f(x) = x.",
        ),
        Exercise(
            "q3",
            check=expect_choice(STRUCTURE_CHOICES[3], STRUCTURE_CHOICES),
            hint="The next state of a slowly changing system is close to the current one. Which choice "
                 "builds that fact into the model, so that it holds also where there were no data?",
            solution=f"`{STRUCTURE_CHOICES[3]!r}`: the identity part is right everywhere, so the network "
                     "only has to learn the (small) change, and a wrong guess about the change costs less "
                     "than a wrong guess about the whole output. Width, epochs and tanh do not tell the "
                     "network anything about data it has not seen.",
        ),
        Exercise(
            "q4",
            check=expect_choice(SIMULATOR_CHOICES[1], SIMULATOR_CHOICES),
            hint="The simulator is wrong by a few percent but right about how the output scales with "
                 "the inputs, everywhere. The measurements cover a narrow range. Which use of both keeps "
                 "what each does well?",
            solution=f"`{SIMULATOR_CHOICES[1]!r}` (discrepancy modelling): the simulator carries the "
                     "trend into regions without measurements; the network only corrects a small error. "
                     "In section 6c this beat both the simulator alone and a network alone, inside and "
                     "outside the measured range.",
        ),
        Exercise(
            "q5",
            check=expect_choice(REGION_CHOICES[1], REGION_CHOICES),
            hint="Compare the two rows of the symmetry table of section 6b, region by region.",
            solution=f"`{REGION_CHOICES[1]!r}`: the symmetry f(-x) = -f(x) turns the data on [0.2, 2] "
                     "into knowledge about [-2, -0.2]. Beyond |x| > 2 neither the data nor the "
                     "symmetry say anything, and the networks are as lost as before.",
        ),
    ]
    return ExerciseSet(*items)
