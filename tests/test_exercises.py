"""labkit.exercises: checks judge right and wrong answers, never raise for a learner's mistake."""

from __future__ import annotations

import linecache

import numpy as np
import pytest
import torch

from labkit.exercises import (
    CheckResult,
    Exercise,
    ExerciseSet,
    Markdown,
    Progress,
    expect_choice,
    expect_number,
    expect_set,
    explain_unquoted_answers,
)

CHOICES = ["underfitting", "overfitting", "about right"]
REMEDIES = ["more data", "bigger model", "weight decay", "train longer", "early stopping"]
HELPS = ["more data", "weight decay", "early stopping"]


def make_set():
    return ExerciseSet(
        Exercise("regime", check=expect_choice("overfitting", CHOICES),
                 hint="Does the training error meet the goal?", solution="`'overfitting'`"),
        Exercise("rate", check=expect_number(0.25, rel=0.01), hint="Divide.", solution="`0.25`"),
        Exercise("fixes", check=expect_set(HELPS, REMEDIES),
                 hint="Which reduce variance?", solution="more data, weight decay, early stopping"),
    )


# ---------------------------------------------------------------- expect_choice

@pytest.mark.parametrize("answer", ["overfitting", "Overfitting", "  OVERFITTING "])
def test_choice_right(answer):
    assert expect_choice("overfitting", CHOICES)(answer) == (True, "'overfitting'.")


@pytest.mark.parametrize("answer, words", [
    ("underfitting", "not the right one"),
    ("overfit", "not one of the choices"),
    ("", "not one of the choices"),
    (1, "answer with a string"),
    (None, "answer with a string"),
    (["overfitting"], "answer with a string"),
])
def test_choice_wrong(answer, words):
    ok, message = expect_choice("overfitting", CHOICES)(answer)
    assert not ok and words in message


# ---------------------------------------------------------------- expect_number

@pytest.mark.parametrize("answer", [0.25, 0.2501, 1 / 4, np.float32(0.25), np.array(0.25), np.array([0.2499]),
                                    torch.tensor(0.25), torch.tensor([0.25], requires_grad=True)])
def test_number_right(answer):
    ok, message = expect_number(0.25, rel=0.01)(answer)
    assert ok and "0.25" in message


@pytest.mark.parametrize("answer, words", [
    (0.26, "too high"),  # a near miss: 4% off, tolerance 1%
    (0.24, "too low"),
    (-0.25, "too low"),
    ("0.25", "answer with a number (no quotes)"),
    (True, "answer with a number"),
    (None, "answer with a number"),
    ([0.25], "answer with a number"),
    (np.array([0.25, 0.25]), "answer with a number"),
    (float("nan"), "NaN"),
    (float("inf"), "too high"),
])
def test_number_wrong(answer, words):
    ok, message = expect_number(0.25, rel=0.01)(answer)
    assert not ok and words in message


def test_number_tolerances():
    assert expect_number(0.0, abs=1e-3)(5e-4)[0]
    assert not expect_number(0.0, rel=0.5)(5e-4)[0]  # half of 0 is 0: near zero, give abs
    assert expect_number(100, rel=0.0, abs=2)(101.9)[0]
    assert not expect_number(3, rel=0.0)(3.0000001)[0]
    assert expect_number(3, rel=0.0)(3)[0]


# ---------------------------------------------------------------- expect_set

@pytest.mark.parametrize("answer", [
    ["more data", "weight decay", "early stopping"],
    {"Early stopping", "more data", "WEIGHT DECAY"},
    ("more data", "weight decay", "early stopping", "more data"),  # a repeat does no harm
])
def test_set_right(answer):
    ok, message = expect_set(HELPS, REMEDIES)(answer)
    assert ok and "all 3 right" in message


@pytest.mark.parametrize("answer, words", [
    (["more data", "weight decay"], "2 of your 2 picks are right, 0 do not belong, and 1 right one is"),
    (["more data", "weight decay", "early stopping", "bigger model"], "1 does not belong"),
    (["bigger model"], "0 of your 1 pick are right, 1 does not belong, and 3 right ones are missing"),
    ([], "you picked none; 3 right ones are missing"),
    (["more data", "dropout"], "'dropout' not among the options"),
    ("more data", "answer with a list or set"),
    (3, "answer with a list or set"),
    ([["more data"]], "not among the options"),
])
def test_set_wrong(answer, words):
    ok, message = expect_set(HELPS, REMEDIES)(answer)
    assert not ok and words in message


def test_set_of_nothing():
    check = expect_set([], ["a", "b"])
    assert check([])[0] and not check(["a"])[0]


# ---------------------------------------------------------------- Exercise and CheckResult

def test_check_result_reprs():
    right, wrong = CheckResult(True, "'overfitting'."), CheckResult(False, "too low.")
    assert repr(right) == str(right) == "Correct: 'overfitting'."
    assert repr(wrong) == "Not yet: too low."
    assert right._repr_markdown_() == "**Correct:** 'overfitting'."
    assert wrong._repr_markdown_() == "**Not yet:** too low."
    assert right and not wrong


def test_ellipsis_asks_for_an_answer():
    ex = make_set()
    for exercise in ex:
        result = exercise.check(...)
        assert not result.ok and "Replace `...`" in result.message
    assert ex.regime.attempts == 0 and ex.progress().solved == ()


def test_hint_and_solution_display_markdown():
    ex = make_set()
    hint, solution = ex.regime.hint(), ex.regime.solution()
    assert isinstance(hint, Markdown) and isinstance(solution, Markdown)
    assert hint._repr_markdown_() == str(hint) == "**Hint:** Does the training error meet the goal?"
    assert str(solution) == "**Solution:** `'overfitting'`"


def test_a_raising_check_becomes_not_yet():
    def check(answer):
        if not isinstance(answer, int):
            raise TypeError(f"answer with an int, got {type(answer).__name__}")
        return answer == 3, "three"

    ex = Exercise("q1", check=check, hint="h", solution="s")
    assert ex.check("3") == CheckResult(False, "answer with an int, got str. Stuck? Run `ex.q1.hint()`.")
    assert ex.check(3).ok


def test_a_broken_check_is_the_authors_error():
    ex = Exercise("q1", check=lambda answer: answer == 3, hint="h", solution="s")
    with pytest.raises(TypeError, match="must return \\(ok, message\\)"):
        ex.check(3)


# ---------------------------------------------------------------- ExerciseSet and progress

def test_progress_remembers_success():
    ex = make_set()
    assert str(ex.progress()) == "Solved 0 of 3; still open: regime, rate, fixes."
    assert not ex.regime.check("underfitting")
    assert ex.regime.check("overfitting")
    assert not ex.regime.check("about right")  # a later wrong answer does not undo the solve
    assert ex.rate.check(0.25)
    progress = ex.progress()
    assert isinstance(progress, Progress)
    assert progress.solved == ("regime", "rate") and progress.unsolved == ("fixes",)
    assert progress._repr_markdown_() == "Solved 2 of 3; still open: fixes."
    assert ex.regime.attempts == 3 and ex.regime.solved and not ex.fixes.solved
    ex.fixes.check(["more data", "weight decay", "early stopping"])
    assert str(ex.progress()) == "Solved 3 of 3."
    assert repr(ex) == "ExerciseSet(regime, rate, fixes): Solved 3 of 3."
    assert repr(ex.rate) == "Exercise('rate', solved)"


def test_set_access_by_name():
    ex = make_set()
    assert ex.rate.name == "rate" and len(ex) == 3
    assert [e.name for e in ex] == ["regime", "rate", "fixes"]
    assert {"regime", "rate", "fixes"} <= set(dir(ex))
    with pytest.raises(AttributeError, match="no exercise named 'q9'; this set has regime, rate, fixes"):
        ex.q9  # noqa: B018


# ---------------------------------------------------------------- bad arguments

def _ok(answer):
    return True, "fine"


@pytest.mark.parametrize("make, error, words", [
    (lambda: Exercise("q 1", check=_ok, hint="h", solution="s"), ValueError, "identifier"),
    (lambda: Exercise(1, check=_ok, hint="h", solution="s"), ValueError, "identifier"),
    (lambda: Exercise("q1", check="a", hint="h", solution="s"), TypeError, "check must be a callable"),
    (lambda: Exercise("q1", check=_ok, hint="", solution="s"), TypeError, "hint must be"),
    (lambda: Exercise("q1", check=_ok, hint="h", solution=None), TypeError, "solution must be"),
    (lambda: ExerciseSet(), ValueError, "at least one"),
    (lambda: ExerciseSet("q1"), TypeError, r"exercises\[0\] must be an Exercise"),
    (lambda: ExerciseSet(Exercise("q1", check=_ok, hint="h", solution="s"),
                         Exercise("q1", check=_ok, hint="h", solution="s")), ValueError, "unique"),
    (lambda: ExerciseSet(Exercise("progress", check=_ok, hint="h", solution="s")), ValueError,
     "cannot be named 'progress'"),
    (lambda: ExerciseSet(Exercise("_exercises", check=_ok, hint="h", solution="s")), ValueError,
     "cannot be named '_exercises'"),
    (lambda: expect_choice("b", "abc"), TypeError, "choices must be"),
    (lambda: expect_choice("b", []), TypeError, "choices must be"),
    (lambda: expect_choice("b", ["a", 2]), TypeError, "choices must be"),
    (lambda: expect_choice("d", ["a", "b"]), ValueError, "correct must be one of the choices 'a', 'b'"),
    (lambda: expect_number("1"), TypeError, "value must be a number"),
    (lambda: expect_number(float("nan")), ValueError, "value must be a finite"),
    (lambda: expect_number(1, rel=-0.1), ValueError, "rel must be at least 0"),
    (lambda: expect_number(1, abs="x"), TypeError, "abs must be a number"),
    (lambda: expect_set(["a"], "abc"), TypeError, "universe must be"),
    (lambda: expect_set("a", ["a"]), TypeError, "correct_items must be"),
    (lambda: expect_set([["a"]], ["a"]), TypeError, "correct_items must be"),
    (lambda: expect_set([], []), ValueError, "universe must hold"),
    (lambda: expect_set(["z"], ["a", "b"]), ValueError, "'z' do not"),
])
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_a_list_still_holding_the_placeholder_is_not_an_attempt():
    exercise = Exercise("q", check=expect_set(["a"], ["a", "b"]), hint="h", solution="s")
    result = exercise.check([...])
    assert not result.ok and "Replace `...`" in result.message and exercise.attempts == 0


def test_a_wrong_answer_points_to_the_hint_then_to_the_solution():
    ex = make_set()
    first, second, third = (ex.regime.check("underfitting") for _ in range(3))
    assert "Stuck? Run `ex.regime.hint()`." in first.message and "solution" not in second.message
    assert "`ex.regime.solution()`" in third.message
    assert "Stuck" not in ex.regime.check("overfitting").message  # a right answer needs no pointer


def test_an_unquoted_answer_gets_a_line_about_quotes(monkeypatch, capsys):
    class Shell:  # the two methods of IPython's shell that the handler uses
        def set_custom_exc(self, types, handler):
            self.types, self.handler = types, handler

        def showtraceback(self, exc_tuple, tb_offset=None):
            self.shown = exc_tuple

    shell = Shell()
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    explain_unquoted_answers()
    assert shell.types == (NameError,)
    for code, said in (("ex.regime.check(overfitting)\n", True), ("overfitting + 1\n", False)):
        linecache.cache["<cell>"] = (len(code), None, [code], "<cell>")  # what IPython does for a cell
        with pytest.raises(NameError) as caught:
            exec(compile(code, "<cell>", "exec"), {"ex": make_set()})
        shell.handler(shell, NameError, caught.value, caught.value.__traceback__)
        out = capsys.readouterr().out
        assert shell.shown[1] is caught.value  # the usual traceback still shows
        assert (".check('overfitting'), not .check(overfitting)" in out) == said


def test_with_mistakes_names_a_known_slip_and_leaves_other_answers_to_the_check():
    from labkit.exercises import as_number, expect_number, with_mistakes

    check = with_mistakes(expect_number(0.25), [(25.0, "a percentage: answer as a fraction")])
    assert check(0.25)[0] and check(25.0) == (False, "a percentage: answer as a fraction")
    ok, message = check(0.5)
    assert not ok and message != "a percentage: answer as a fraction"
    answers = (True, "1", float("nan"), np.float32(2.0), 3)
    assert [as_number(x) for x in answers] == [None, None, None, 2.0, 3.0]


def test_with_reasons_answers_a_listed_wrong_option_with_its_reason():
    from labkit.exercises import expect_choice, with_reasons

    check = with_reasons(expect_choice("eval mode", ["train mode", "eval mode"]),
                         {"train mode": "dropout is on there: more units are missing"})
    assert check(" Eval Mode ")[0]
    assert check("TRAIN MODE") == (False, "dropout is on there: more units are missing")
    assert not check("neither")[0] and check("neither")[1] != "dropout is on there: more units are missing"
