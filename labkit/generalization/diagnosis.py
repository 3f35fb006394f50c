"""Read a training error and a validation error against a goal: underfitting, overfitting or fine.

The recipe is the one in Goodfellow et al., *Deep Learning*, ch. 11 (after Andrew Ng):
first ask whether the training error meets the goal; if it does not, the model is
underfitting (high bias) and more data will not help. If it does but the validation
error does not, the model is overfitting (high variance). Only then is it done.

When both gaps are too large (training above the goal *and* validation far above
training), the diagnosis names the larger one as the one to attack first: Andrew Ng's
advice in *Nuts and Bolts of Applying Deep Learning* and *Machine Learning Yearning*
(compare the avoidable bias, train - goal, with the variance, validation - train, and
work on the bigger), which Lab 02 applies to three gaps. The seed talk (Hincapie-Potes)
lists "under-fitting first" but its own worked example adds weight decay, a variance
fix, at train 1.5% / validation 5% / goal 1%: a bias gap of 0.5 points against a
variance gap of 3.5. A strict "bias first" would have sent it to a bigger model.

No plots and no widgets here: :func:`diagnose` returns a :class:`Diagnosis` that a
notebook displays (headline and remedies as markdown) and a panel can colour by
``level``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from labkit.arguments import check_float, to_numpy
from labkit.text import fit

__all__ = [
    "Diagnosis", "diagnose", "larger_gap", "REGIMES", "UNDERFITTING_REMEDIES", "OVERFITTING_REMEDIES",
    "DIVERGED_REMEDIES", "ABOUT_RIGHT_REMEDIES", "BIAS_VARIANCE_TABLE", "SOURCES",
]

REGIMES = ("diverged", "underfitting", "underfitting and overfitting", "overfitting", "about right")

# Paraphrased from the sources in SOURCES; order is roughly "try this first".
UNDERFITTING_REMEDIES = (
    "Give the model more capacity: more hidden units per layer, or more layers.",
    "Loosen the constraints: weaken or drop regularization (weight decay, dropout).",
    "Train for longer (more epochs).",
    "Tune the optimizer: try other learning rates first, then another algorithm.",
    "Try an architecture whose built-in assumptions suit the data.",
    "Feed the model better input features.",
    "If a large, well-tuned model still cannot fit, suspect the data or the code, not the model.",
)
OVERFITTING_REMEDIES = (
    "Get more training data: collect more, or augment what you have.",
    "Regularize more: L2 weight decay, L1, or dropout.",
    "Use a smaller or simpler model.",
    "Stop early, at the epoch where the validation error is lowest.",
    "Try an architecture whose built-in assumptions suit the data.",
    "Clean the training data: fix wrong labels, drop outliers.",
)
DIVERGED_REMEDIES = (
    "Lower the learning rate (try ten times smaller).",
    "Look for NaN or Inf in the inputs and targets before training.",
    "Normalise the inputs, e.g. standardise each feature, so no feature dwarfs the others.",
    "Clip the gradient norm, so that one bad step cannot throw the weights far away.",
    "Check for exploding gradients, layer by layer.",
)
ABOUT_RIGHT_REMEDIES = (
    "Nothing to fix: both errors meet the goal.",
    "Measure the test set once, at the very end, to check you did not overfit the validation set.",
)

SOURCES = {
    "UNDERFITTING_REMEDIES": (
        "Bethany Lusch, 'Best Practices for Deep Learning for Science' (Argonne), slide 'Underfitting "
        "advice'; André E. Lazzaretti, 'Practical Methodology for Deep Learning' (UTFPR), slide "
        "'Determining Whether to Gather More Data'; Helge Langseth, 'Deep Learning, Chapter 11: "
        "Tricks of the trade' (NTNU), slide on the high-bias case (depth, layer size, fewer "
        "regularizers; else code, data or tuning issues)."),
    "OVERFITTING_REMEDIES": (
        "Bethany Lusch, 'Best Practices for Deep Learning for Science', slide 'Overfitting advice'; "
        "André E. Lazzaretti, 'Practical Methodology for Deep Learning', slide 'Determining Whether "
        "to Gather More Data'; Helge Langseth, 'Deep Learning, Chapter 11: "
        "Tricks of the trade', slide 'High Test Error' (regularization, more data)."),
    "DIVERGED_REMEDIES": (
        "Helge Langseth, 'Deep Learning, Chapter 11: "
        "Tricks of the trade', slide 'Tuning the Learning Rate' (too high a rate goes astray); Bethany "
        "Lusch, 'Best Practices for Deep Learning for Science', slides 'Making the optimization "
        "easier' (rescale each feature) and 'Troubleshooting' (clean data, exploding gradients). "
        "Gradient clipping: 'What should I do when my neural network doesn't learn?', answer on "
        "Cross Validated, post 352037, section 'Non-convex optimization is hard' (it rescales the "
        "gradient norm above a threshold; the author found 0.25 worked much better than 1.0 for "
        "an LSTM)."),
    "ABOUT_RIGHT_REMEDIES": (
        "Bethany Lusch, 'Best Practices for Deep Learning for Science', slide 'Primary Tool: "
        "Validation Data' (look at the test data only at the very end)."),
    "rules": (
        "André E. Lazzaretti, 'Practical Methodology for Deep Learning', after Goodfellow, Bengio and "
        "Courville, 'Deep Learning', ch. 11; Bethany Lusch, slide 'Primary Tool: Validation Data'."),
    "larger_gap": (
        "Andrew Ng, 'Nuts and Bolts of Applying Deep Learning' (2016) and 'Machine Learning Yearning', "
        "chapters on avoidable bias and variance: compare the two gaps and work on the larger. "
        "Santiago Hincapie-Potes, 'The Arcane Arts of Training Neural Nets', slides 'Bias-variance "
        "decomposition' (Train - goal, Val - Train) and the sequence 'Increase dataset', 'Add weight "
        "decay': variance fixes at train 1.5%, validation 5%, goal 1%, though its slide "
        "'Prioritizing improvements' lists under-fitting first."),
}

_COLUMNS = ("regime", "train error", "validation error", "what it means", "first things to try")
BIAS_VARIANCE_TABLE = tuple(dict(zip(_COLUMNS, row, strict=True)) for row in (
    ("underfitting (high bias)", "above the goal", "about as high",
     "the model cannot even fit the data it sees", "a bigger model, less regularization, train longer"),
    ("overfitting (high variance)", "meets the goal", "well above training error",
     "the model fits its own sample, noise included, and does not generalize",
     "more data, more regularization, a smaller model, early stopping"),
    ("underfitting and overfitting", "above the goal", "much worse still",
     "both problems at once", "attack the larger gap first: train - goal (bias) or validation - train "
     "(variance)"),
    ("about right", "meets the goal", "meets the goal",
     "done for this goal", "check the test set once, at the very end"),
    ("diverged", "NaN or Inf", "NaN or Inf", "training blew up; the numbers mean nothing",
     "a lower learning rate, clean and normalised inputs, gradient clipping"),
))

_LEVELS = {"about right": "good", "diverged": "error"}  # every other regime: "warning"


@dataclass(frozen=True, repr=False)
class Diagnosis:
    """What :func:`diagnose` concluded, with a one-line ``headline`` and what to try next."""

    regime: str  # one of REGIMES
    train_error: float
    val_error: float
    goal_error: float
    gap_tolerance: float
    headline: str
    remedies: tuple[str, ...]
    level: str  # "good", "warning" or "error": the colour of a banner
    focus: str | None = None  # "bias" or "variance": what to work on first; None when nothing or diverged

    @property
    def bias_gap(self) -> float:
        """Training error minus the goal (the avoidable bias); negative when training meets the goal."""
        return self.train_error - self.goal_error

    @property
    def variance_gap(self) -> float:
        """Validation error minus training error."""
        return self.val_error - self.train_error

    @property
    def brief(self) -> str:
        """The headline in at most about 90 characters, for a one-line banner in a figure."""
        t, v, g = (f"{x:.3g}" for x in (self.train_error, self.val_error, self.goal_error))
        if self.regime == "underfitting and overfitting":
            first, other = ("bias", "variance") if self.focus == "bias" else ("variance", "bias")
            gaps = {"bias": self.bias_gap, "variance": self.variance_gap}
            return (f"Underfitting and overfitting: attack the {first} gap ({gaps[first]:.2g}) before "
                    f"the {other} gap ({gaps[other]:.2g})")
        if self.regime == "diverged":
            return f"Diverged: training error {t}, validation error {v}"
        name = {"underfitting": "Underfitting (high bias)", "overfitting": "Overfitting (high variance)",
                "about right": "About right"}[self.regime]
        return f"{name}: training error {t}, validation error {v}, goal {g}"

    def __repr__(self) -> str:
        return fit("\n".join([self.headline, *(f"  - {r}" for r in self.remedies)]), indent="  ")

    def _repr_markdown_(self) -> str:
        return "\n".join([f"**{self.headline}**", "", *(f"- {r}" for r in self.remedies)])


def _error_value(name: str, value, *, finite: bool = False) -> float:
    """A number that may be NaN or Inf (a diverged run) unless ``finite``, but never negative."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        array = to_numpy(name, value) if hasattr(value, "detach") or hasattr(value, "shape") else None
        if array is None or array.size != 1 or array.dtype.kind not in "iuf":
            allowed = "a number" if finite else "a number (NaN allowed)"
            raise TypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})")
        value = array.item()  # a 0-d or one-element array or tensor
    value = float(value)
    if value < 0:
        raise ValueError(f"{name} must be at least 0 (an error is never negative), got {value!r}")
    if finite and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}: a NaN or Inf error means the "
                         "run diverged, and then neither gap means anything (diagnose says 'diverged')")
    return value


def diagnose(train_error, val_error, *, goal_error, gap_tolerance=None) -> Diagnosis:
    """Name the regime of a model from its training and validation errors and a target error.

    Rules, checked in this order:

    1. either error is NaN or Inf: ``"diverged"``;
    2. training error above ``goal_error``: ``"underfitting"`` (high bias), or
       ``"underfitting and overfitting"`` when the validation error is also *much worse*
       than the training error. Then ``focus`` names the larger gap, the one to attack
       first (:func:`larger_gap`): the bias gap ``train_error - goal_error`` or the
       variance gap ``val_error - train_error`` (Ng; see the module docstring);
    3. validation error above the goal, or much worse than the training error:
       ``"overfitting"`` (high variance);
    4. otherwise ``"about right"``.

    ``focus`` is ``"bias"`` for underfitting, ``"variance"`` for overfitting, the larger
    gap when both, and None for "about right" and "diverged".

    *Much worse* means ``val_error - train_error > gap_tolerance``; by default
    ``gap_tolerance = 0.5 * goal_error``, a gap half the size of the goal. With that
    default a gap can count as overfitting even when both errors meet the goal (say
    train 0.002, val 0.048, goal 0.05): a fit that fragile is worth a look. Pass
    ``gap_tolerance=math.inf`` to judge by the goal alone.
    """
    train = _error_value("train_error", train_error)
    val = _error_value("val_error", val_error)
    goal = check_float("goal_error", goal_error, min_value=0.0)
    if gap_tolerance is None:
        tolerance = 0.5 * goal
    elif isinstance(gap_tolerance, numbers.Real) and not isinstance(gap_tolerance, bool) \
            and gap_tolerance == math.inf:
        tolerance = math.inf
    else:
        tolerance = check_float("gap_tolerance", gap_tolerance, min_value=0.0)
    regime, headline = _judge(train, val, goal, tolerance)
    focus = {"underfitting": "bias", "overfitting": "variance"}.get(regime)
    if regime == "underfitting and overfitting":
        focus = larger_gap(train, val, goal)
    remedies = _remedies(regime, focus, train, val, goal)
    level = _LEVELS.get(regime, "warning")
    return Diagnosis(regime, train, val, goal, tolerance, headline, remedies, level, focus)


def larger_gap(train_error: float, val_error: float, goal_error: float) -> str:
    """``"bias"`` if ``train_error - goal_error`` is at least ``val_error - train_error``, else "variance".

    A tie goes to the bias: a model that cannot fit its own data says little about its gap.
    """
    train = _error_value("train_error", train_error, finite=True)
    val = _error_value("val_error", val_error, finite=True)
    goal = check_float("goal_error", goal_error, min_value=0.0)
    return "bias" if train - goal >= val - train else "variance"


def _judge(train: float, val: float, goal: float, tolerance: float) -> tuple[str, str]:
    """(regime, headline) for finite or non-finite errors; see :func:`diagnose` for the rules."""
    t, v, g = (f"{x:.3g}" for x in (train, val, goal))
    if not (math.isfinite(train) and math.isfinite(val)):
        return "diverged", (f"Diverged: training error {t}, validation error {v}; a NaN or Inf means "
                            "training blew up, so neither number says anything about the model.")
    much_worse = val - train > tolerance
    if train > goal and much_worse:
        bias, variance = train - goal, val - train
        first = "bias" if larger_gap(train, val, goal) == "bias" else "variance"
        return "underfitting and overfitting", (
            f"Underfitting and overfitting: training error {t} misses the goal {g} by {bias:.2g}, and "
            f"validation error {v} is {variance:.2g} worse still. The {first} gap is larger: "
            "attack it first.")
    if train > goal:
        return "underfitting", (f"Underfitting (high bias): training error {t} misses the goal {g} "
                                f"(validation error {v}).")
    if val > goal:
        return "overfitting", (f"Overfitting (high variance): training error {t} meets the goal {g}, "
                               f"validation error {v} does not.")
    if much_worse:
        return "overfitting", (f"Overfitting (high variance): both errors meet the goal {g}, but "
                               f"validation error {v} is more than {tolerance:.3g} above training "
                               f"error {t}.")
    return "about right", f"About right: training error {t} and validation error {v} both meet the goal {g}."


def _remedies(regime: str, focus, train: float, val: float, goal: float) -> tuple[str, ...]:
    if regime == "underfitting and overfitting":
        bias, variance = train - goal, val - train
        if focus == "bias":
            return (f"Work on the bias first: its gap ({bias:.2g}) is at least the variance gap "
                    f"({variance:.2g}). Diagnose again after each change.", *UNDERFITTING_REMEDIES,
                    "Then the variance: more data, more regularization, a smaller model, early stopping.")
        return (f"Work on the variance first: its gap ({variance:.2g}) is {variance / bias:.1f} times the "
                f"bias gap ({bias:.2g}). Diagnose again after each change.", *OVERFITTING_REMEDIES,
                "Then the bias: a bigger model, less regularization, longer training, another learning rate.")
    return {"diverged": DIVERGED_REMEDIES, "underfitting": UNDERFITTING_REMEDIES,
            "overfitting": OVERFITTING_REMEDIES, "about right": ABOUT_RIGHT_REMEDIES}[regime]
