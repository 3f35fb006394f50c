"""Exercises with check, hint and solution, in the manner of Kaggle's learntools.

A lab defines its exercises (the content lives in the lab, not here)::

    ex = ExerciseSet(
        Exercise("q1", check=expect_choice("overfitting", ["underfitting", "overfitting"]),
                 hint="Compare the training error with the goal first.",
                 solution="`'overfitting'`: training error meets the goal, validation error does not."),
    )

and a learner answers in a cell with ``ex.q1.check(answer)``, ``ex.q1.hint()`` or
``ex.q1.solution()``. A check never raises for a wrong answer: it returns a
:class:`CheckResult` that displays "Correct: ..." or "Not yet: ...".
"""

from __future__ import annotations

import math
import numbers
import sys
import traceback
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from labkit.arguments import check_float

__all__ = ["CheckResult", "Markdown", "Exercise", "ExerciseSet", "Progress",
           "expect_choice", "expect_number", "expect_set", "as_number", "with_mistakes", "with_reasons"]

PLACEHOLDER = "Replace `...` with your answer, then run the cell again."


class Markdown:
    """Text that a notebook renders as markdown and ``print`` shows as is."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True, repr=False)
class CheckResult:
    """The verdict on one answer; true in an ``if`` or ``assert`` when the answer is right."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return f"{'Correct' if self.ok else 'Not yet'}: {self.message}"

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return f"{'**Correct:**' if self.ok else '**Not yet:**'} {self.message}"


class Exercise:
    """One exercise: ``check(answer)`` judges, ``hint()`` and ``solution()`` show markdown.

    ``check`` is a callable taking the answer and returning ``(ok, message)``, such as
    the ones :func:`expect_choice`, :func:`expect_number` and :func:`expect_set` build.
    It may also raise ``TypeError`` or ``ValueError`` for an answer it cannot judge;
    the message then becomes the "Not yet" message.
    """

    def __init__(self, name: str, *, check: Callable, hint: str, solution: str):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"name must be a Python identifier such as 'q1' (it becomes an attribute), "
                             f"got {name!r}")
        if not callable(check):
            raise TypeError(f"check must be a callable answer -> (ok, message), got {type(check).__name__}")
        for arg, text in (("hint", hint), ("solution", solution)):
            if not isinstance(text, str) or not text.strip():
                raise TypeError(f"{arg} must be a non-empty markdown string, got {text!r}")
        self.name, self._check, self._hint, self._solution = name, check, hint, solution
        self.solved = False  # becomes True at the first correct answer and stays so
        self.attempts = 0

    def check(self, answer) -> CheckResult:
        """Judge ``answer``; a wrong one gives a "Not yet" result, never an exception."""
        if answer is Ellipsis or (isinstance(answer, (list, tuple, set)) and Ellipsis in answer):
            return CheckResult(False, PLACEHOLDER)  # the cell as it came, [...] included: not an attempt
        self.attempts += 1
        try:
            verdict = self._check(answer)
        except (TypeError, ValueError) as error:  # the checker's way to say "cannot judge this"
            verdict = (False, str(error))
        if not (isinstance(verdict, tuple) and len(verdict) == 2 and isinstance(verdict[0], (bool, np.bool_))
                and isinstance(verdict[1], str)):
            raise TypeError(f"the check of exercise {self.name!r} must return (ok, message), got {verdict!r}")
        ok, message = bool(verdict[0]), verdict[1]
        self.solved = self.solved or ok
        if ok:
            return CheckResult(True, message)
        return CheckResult(False, f"{message.rstrip()}{'' if message.rstrip().endswith('.') else '.'} "
                                  f"{self._stuck()}")

    def _stuck(self) -> str:
        """Where to look after a wrong answer: the hint at first, the solution too from the third try."""
        more = f" or `ex.{self.name}.solution()`" if self.attempts >= 3 else ""
        return f"Stuck? Run `ex.{self.name}.hint()`{more}."

    def hint(self) -> Markdown:
        return Markdown(f"**Hint:** {self._hint}")

    def solution(self) -> Markdown:
        return Markdown(f"**Solution:** {self._solution}")

    def __repr__(self) -> str:
        return f"Exercise({self.name!r}, {'solved' if self.solved else 'not solved yet'})"


@dataclass(frozen=True, repr=False)
class Progress:
    """Which exercises of a set are solved."""

    solved: tuple[str, ...]
    unsolved: tuple[str, ...]

    def __str__(self) -> str:
        total = len(self.solved) + len(self.unsolved)
        text = f"Solved {len(self.solved)} of {total}"
        if self.unsolved:
            text += f"; still open: {', '.join(self.unsolved)}"
        return text + "."

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return str(self)


class ExerciseSet:
    """Exercises reachable by name: ``ex.q1.check(answer)``; ``ex.progress()`` sums up."""

    def __init__(self, *exercises: Exercise):
        self._exercises: dict[str, Exercise] = {}
        for i, exercise in enumerate(exercises):
            if not isinstance(exercise, Exercise):
                raise TypeError(f"exercises[{i}] must be an Exercise, got {type(exercise).__name__}")
            if exercise.name in self._exercises:
                raise ValueError(f"two exercises are named {exercise.name!r}; names must be unique")
            if hasattr(type(self), exercise.name) or exercise.name.startswith("_"):
                raise ValueError(f"an exercise cannot be named {exercise.name!r}: ExerciseSet uses that name")
            self._exercises[exercise.name] = exercise
        if not self._exercises:
            raise ValueError("ExerciseSet needs at least one Exercise, got none")
        explain_unquoted_answers()

    def __getattr__(self, name: str) -> Exercise:
        exercises = self.__dict__.get("_exercises", {})
        if name in exercises:
            return exercises[name]
        raise AttributeError(f"no exercise named {name!r}; this set has {', '.join(exercises) or 'none'}")

    def __dir__(self):  # tab completion in a notebook offers the exercises
        return [*super().__dir__(), *self._exercises]

    def __iter__(self):
        return iter(self._exercises.values())

    def __len__(self) -> int:
        return len(self._exercises)

    def progress(self) -> Progress:
        solved = tuple(name for name, e in self._exercises.items() if e.solved)
        return Progress(solved, tuple(name for name in self._exercises if name not in solved))

    def __repr__(self) -> str:
        return f"ExerciseSet({', '.join(self._exercises)}): {self.progress()}"


def explain_unquoted_answers() -> None:
    """In IPython, follow a NameError raised in a cell that calls ``.check(`` with what to do.

    ``ex.q1.check(overfitting)`` fails before labkit sees it: Python looks up a variable
    called ``overfitting``. The traceback is shown as usual, then one line says to put text
    answers in quotes. Installed once per session (IPython's ``set_custom_exc``); outside
    IPython it does nothing. IPython is looked up, not imported: a kernel has it loaded
    already, and the core layer imports no front-end package.
    """
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    shell = get_ipython() if get_ipython is not None else None
    if shell is None or getattr(shell, "_labkit_explains_names", False):
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        line = (traceback.extract_tb(tb)[-1].line or "") if tb is not None else ""
        name = getattr(value, "name", None)
        if ".check(" in line and name:
            print(f"Text answers go in quotes: .check({name!r}), not .check({name}). "
                  f"Without quotes Python looks for a variable named {name}.")

    shell.set_custom_exc((NameError,), handler)
    shell._labkit_explains_names = True


# ---------------------------------------------------------------- ready-made checks

def _key(item):
    """How answers are compared: strings without case and outer spaces, anything else as is."""
    return item.strip().casefold() if isinstance(item, str) else item


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _listed(items) -> str:
    return ", ".join(repr(i) for i in items)


def expect_choice(correct: str, choices: Sequence[str]) -> Callable:
    """A check that accepts ``correct`` among ``choices`` (strings, compared ignoring case)."""
    if isinstance(choices, str) or not isinstance(choices, Sequence) or not choices \
            or not all(isinstance(c, str) for c in choices):
        raise TypeError(f"choices must be a non-empty list of strings, got {choices!r}")
    allowed = {_key(c) for c in choices}
    if not isinstance(correct, str) or _key(correct) not in allowed:
        raise ValueError(f"correct must be one of the choices {_listed(choices)}; got {correct!r}")
    choices = tuple(choices)

    def check(answer):
        if not isinstance(answer, str):
            return False, f"answer with a string, one of {_listed(choices)}; got {answer!r}"
        if _key(answer) not in allowed:
            return False, f"{answer!r} is not one of the choices {_listed(choices)}."
        if _key(answer) != _key(correct):
            return False, f"{answer!r} is one of the choices, but not the right one."
        return True, f"{correct!r}."

    return check


def _as_number(answer):
    """``answer`` as a float, or None if it is not one number (a one-element array counts)."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, numbers.Real):
        return float(answer)
    size = answer.numel() if hasattr(answer, "numel") else getattr(answer, "size", None)  # tensor, array
    if hasattr(answer, "item") and size == 1:
        value = answer.item()  # numpy array or torch tensor holding one number
        return float(value) if isinstance(value, numbers.Real) and not isinstance(value, bool) else None
    return None


def as_number(answer) -> float | None:
    """``answer`` as a finite float, or None if it is not one real number (bools are not numbers here)."""
    if isinstance(answer, bool) or not isinstance(answer, (numbers.Real, np.floating, np.integer)):
        return None
    number = float(answer)
    return number if math.isfinite(number) else None


def with_mistakes(check: Callable, mistakes, *, rel: float = 0.02) -> Callable:
    """``check``, but a wrong number close to one of ``mistakes`` [(value, why)] gets that ``why``.

    Lets an exercise answer a known slip (a percentage for a fraction, the unpenalized value)
    with what went wrong instead of a bare "too high".
    """
    def judged(answer):
        ok, message = check(answer)
        number = as_number(answer)
        if ok or number is None:
            return ok, message
        for value, why in mistakes:
            if math.isclose(number, value, rel_tol=rel, abs_tol=1e-9):
                return False, why
        return False, message
    return judged


def with_reasons(check: Callable, why: dict) -> Callable:
    """``check`` (a choice check), but a wrong option listed in ``why`` (option -> text) gets its reason.

    Options match case-insensitively, ignoring surrounding spaces.
    """
    keyed = {k.casefold(): v for k, v in why.items()}

    def judged(answer):
        ok, message = check(answer)
        if not ok and isinstance(answer, str) and answer.strip().casefold() in keyed:
            return False, keyed[answer.strip().casefold()]
        return ok, message

    return judged


def expect_number(value, *, rel=1e-2, abs=0.0) -> Callable:  # abs= shadows the builtin, as in pytest.approx
    """A check that accepts a number within ``rel`` (relative) or ``abs`` (absolute) of ``value``."""
    target = check_float("value", value)
    rel_tol = check_float("rel", rel, min_value=0.0)
    abs_tol = check_float("abs", abs, min_value=0.0)

    def check(answer):
        number = _as_number(answer)
        if number is None:
            return False, f"answer with a number (no quotes), got {answer!r} ({type(answer).__name__})"
        if math.isnan(number):
            return False, "your answer is NaN; check the computation that produced it"
        if math.isclose(number, target, rel_tol=rel_tol, abs_tol=abs_tol):
            return True, f"{number:.4g} (expected {target:.4g})."
        return False, f"{number:.4g} is too {'high' if number > target else 'low'}."

    return check


def expect_set(correct_items: Collection[Hashable], universe: Collection[Hashable]) -> Callable:
    """A check that accepts exactly ``correct_items`` (any order), picked from ``universe``."""
    for arg, items in (("universe", universe), ("correct_items", correct_items)):
        if isinstance(items, str) or not isinstance(items, Collection) \
                or not all(isinstance(i, Hashable) for i in items):
            raise TypeError(f"{arg} must be a list or set of options, got {items!r}")
    if not universe:
        raise ValueError("universe must hold at least one option, got none")
    allowed = {_key(i) for i in universe}
    strays = [i for i in correct_items if _key(i) not in allowed]
    if strays:
        raise ValueError(f"correct_items must come from universe {_listed(universe)}; "
                         f"{_listed(strays)} do not")
    wanted = {_key(i) for i in correct_items}

    def check(answer):
        if isinstance(answer, str) or not isinstance(answer, Collection):
            example = _listed(list(universe)[:2])
            return False, f"answer with a list or set of options, e.g. [{example}]; got {answer!r}"
        unknown = [a for a in answer if not isinstance(a, Hashable) or _key(a) not in allowed]
        if unknown:
            return False, f"{_listed(unknown)} not among the options {_listed(universe)}."
        picked = {_key(a) for a in answer}
        if not picked and wanted:
            verb = "is" if len(wanted) == 1 else "are"
            return False, f"you picked none; {_count(len(wanted), 'right one')} {verb} missing."
        if picked == wanted:
            return True, f"all {len(wanted)} right, nothing extra."
        right, wrong, missing = len(picked & wanted), len(picked - wanted), len(wanted - picked)
        return False, (f"{right} of your {_count(len(picked), 'pick')} {'is' if right == 1 else 'are'} "
                       f"right, {wrong} {'does' if wrong == 1 else 'do'} not belong, and "
                       f"{_count(missing, 'right one')} {'is' if missing == 1 else 'are'} missing.")

    return check
