"""labkit.progress: a bar when asked or once the wait is long, a function called before each step, or nothing.

No test here waits: the "long wait" is SHOW_AFTER_S, set to 0 or to a time no test reaches.
"""

from __future__ import annotations

import pytest

from labkit import progress
from labkit.generalization.extrapolation import symmetry_demo
from labkit.progress import check_progress, steps


def test_a_function_is_called_before_each_step():
    calls = []
    for i in steps(3, progress=lambda i, n: calls.append((i, n))):
        calls.append(f"step {i}")
    assert calls == [(0, 3), "step 0", (1, 3), "step 1", (2, 3), "step 2"]


def test_true_draws_a_bar_false_never_none_only_after_the_wait(capsys, monkeypatch):
    assert list(steps(3, progress=True, desc="demo")) == [0, 1, 2]
    assert "demo" in capsys.readouterr().err  # tqdm's text bar, outside a notebook
    assert list(steps(3, progress=False, desc="demo")) == [0, 1, 2]
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(progress, "SHOW_AFTER_S", 1e9)  # a wait no test reaches
    assert list(steps(3, desc="demo")) == [0, 1, 2]
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(progress, "SHOW_AFTER_S", 0.0)  # the default's bar, once the wait is over
    assert list(steps(3, desc="demo")) == [0, 1, 2]
    assert "demo" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["yes", 1, 0.5, [print]])
def test_anything_else_is_refused_by_name(value):
    with pytest.raises(TypeError, match="progress must be True, False, None"):
        check_progress(value)
    with pytest.raises(TypeError, match="progress"):
        steps(2, progress=value)


def test_the_symmetry_demo_reports_its_two_runs(capsys):
    calls = []
    small = {"n_models": 1, "n_train": 5, "epochs": 2, "n_grid": 5, "random_state": 0}
    symmetry_demo(**small, progress=lambda i, n: calls.append((i, n)))
    assert calls == [(0, 2), (1, 2)]  # without the penalty, then with it
    symmetry_demo(**small, progress=False)
    assert capsys.readouterr().err == ""
    with pytest.raises(TypeError, match="progress"):
        symmetry_demo(**small, progress="yes")
