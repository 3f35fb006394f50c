"""Labs 04 and 05: the mystery activations and set-ups behave as the solutions say, and every exercise
accepts its solution and refuses the usual wrong answers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from labkit.course import debugging, gradient_checks  # noqa: E402
from labkit.gradients.gradcheck import check_gradients, demo_problem  # noqa: E402
from labkit.gradients.monitor import Monitor, vanishing_gradients  # noqa: E402
from labkit.gradients.pitfalls import compare_with_torch, step_size_sweep  # noqa: E402
from labkit.models import MLP  # noqa: E402
from labkit.train import fit  # noqa: E402


@pytest.fixture(scope="module")
def data():
    _, X, y, loss = demo_problem()
    return X, y, loss


# ---------------------------------------------------------------- Lab 04

def numerical_gradient(f, w, h=1e-6):
    """The solution of q1, as the lab shows it."""
    grad = torch.zeros_like(w)
    flat, out = w.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        old = flat[i].item()
        flat[i] = old + h
        plus = f(w).item()
        flat[i] = old - h
        minus = f(w).item()
        flat[i] = old
        out[i] = (plus - minus) / (2 * h)
    return grad


def forward_difference(f, w, h=1e-6):
    grad = torch.zeros_like(w)
    base = f(w).item()
    for i in range(w.numel()):
        old = w.view(-1)[i].item()
        w.view(-1)[i] = old + h
        grad.view(-1)[i] = (f(w).item() - base) / h
        w.view(-1)[i] = old
    return grad


def leaves_w_changed(f, w, h=1e-6):
    grad = torch.zeros_like(w)
    for i in range(w.numel()):
        w.view(-1)[i] += h
        plus = f(w).item()
        w.view(-1)[i] -= 2 * h
        grad.view(-1)[i] = (plus - f(w).item()) / (2 * h)  # never puts the entry back
    return grad


def copies_autograd(f, w, h=1e-6):
    w = w.clone().requires_grad_(True)
    f(w).backward()
    return w.grad


def test_q1_accepts_a_central_difference_and_refuses_the_usual_mistakes():
    ex = gradient_checks.exercises()
    assert ex.q1.check(numerical_gradient).ok
    assert ex.q1.check(lambda f, w, h: numerical_gradient(f, w, h).numpy()).ok  # an array is fine too
    one_sided = ex.q1.check(forward_difference)
    assert not one_sided.ok and "one-sided" in one_sided.message
    assert "left w changed" in ex.q1.check(leaves_w_changed).message
    cheat = ex.q1.check(copies_autograd)
    assert not cheat.ok and "autograd" in cheat.message
    assert "returned None" in ex.q1.check(lambda f, w, h: None).message
    assert not ex.q1.check(lambda f, w, h: torch.zeros(7)).ok  # wrong shape
    assert not ex.q1.check(lambda f, w, h: 1 / 0).ok  # an exception is a "Not yet", not a crash
    assert not ex.q1.check("numerical_gradient").ok


def test_q2_wants_the_bottom_of_the_float64_sweep():
    model, X, y, loss = demo_problem(activation="tanh")
    hs, errors = step_size_sweep(model, X, y, loss, hs=np.logspace(-10, -2, 9), max_entries=2)
    best = hs[errors.argmin()]
    ex = gradient_checks.exercises(sweep=(hs, errors))
    assert ex.q2.check(best).ok and ex.q2.check(best * 1.5).ok
    assert not ex.q2.check(best * 100).ok and "truncation" in ex.q2.check(best * 100).message
    assert not ex.q2.check(best / 100).ok and "round-off" in ex.q2.check(best / 100).message
    assert not ex.q2.check(-1e-5).ok and not ex.q2.check("1e-5").ok and not ex.q2.check(True).ok
    assert "q2" not in dir(gradient_checks.exercises())  # q2 needs the lab's sweep


def test_choice_and_set_exercises_of_lab04():
    ex = gradient_checks.exercises()
    assert ex.q3.check("round-off").ok and not ex.q3.check("truncation").ok
    assert ex.q4.check(["gelu", "silu"]).ok
    assert not ex.q4.check(["silu"]).ok  # what a float32 check alone would find
    assert not ex.q4.check(list(gradient_checks.MYSTERY_ACTIVATIONS)).ok
    hidden = ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert ex.q5.check(hidden).ok
    assert not ex.q5.check(hidden + ["4.weight", "4.bias"]).ok and not ex.q5.check(hidden[:2]).ok
    assert ex.q6.check("false alarm: nothing to fix").ok and not ex.q6.check("fix the backward").ok
    assert "Solved 4 of 5" in str(ex.progress())


def test_mystery_activations_fail_as_the_solutions_say(data):
    X, y, loss = data
    for name in ("tanh", "softsign"):
        assert check_gradients(gradient_checks.mystery_model(name), X, y, loss).ok, name
    report = check_gradients(gradient_checks.mystery_model("silu"), X, y, loss)
    silu = {t.name: t.verdict for t in report.tensors}
    assert {n for n, v in silu.items() if v == "wrong"} == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert silu["4.weight"] == silu["4.bias"] == "good"
    gelu = check_gradients(gradient_checks.mystery_model("gelu"), X, y, loss)
    assert not gelu.ok and 1e-4 < gelu.max_rel_error < 1e-2  # subtle: "suspicious", not "wrong"
    correct32 = check_gradients(gradient_checks.mystery_model("softsign"), X, y, loss, dtype=torch.float32)
    assert not correct32.ok  # in float32 even a correct backward looks suspicious, so GELU hides there


def test_torch_gradcheck_with_default_tolerances_passes_the_subtle_bug(data):
    comparison = compare_with_torch(gradient_checks.mystery_model("gelu"), *data)
    assert comparison.torch_ok and not comparison.ours.ok


def test_mystery_model_is_seeded_and_checks_its_name():
    a, b = gradient_checks.mystery_model("tanh"), gradient_checks.mystery_model("tanh")
    assert torch.equal(a[0].weight, b[0].weight)
    assert "tanh" in repr(a)
    with pytest.raises(ValueError, match="name"):
        gradient_checks.mystery_model("relu")


# ---------------------------------------------------------------- Lab 05

@pytest.mark.parametrize(("letter", "failing"), [("A", "eval_repeatable"), ("B", "shapes"),
                                                 ("C", "labels_signal")])
def test_mystery_setups_fail_the_check_their_solution_names(letter, failing):
    report = debugging.mystery(letter).doctor()
    assert failing in report.failed
    assert "logits" not in report.failed  # no false alarm to mislead the learner


def test_find_the_bug_exercises():
    ex = debugging.exercises()
    assert ex.q1.check("dropout_at_test").ok and not ex.q1.check("softmax_into_cross_entropy").ok
    assert ex.q2.check("broadcast_n_vs_n1").ok and not ex.q2.check("shapes").ok
    assert ex.q3.check("labels_shuffled").ok and not ex.q3.check("dropout_at_test").ok
    assert not ex.q1.check(3).ok
    assert ex.q7.check("dead ReLUs: no gradient gets through").ok
    assert not ex.q7.check("exploding gradients").ok
    assert "q4" not in dir(ex) and "q6" not in dir(ex)  # they need the lab's results
    with pytest.raises(ValueError, match="letter"):
        debugging.mystery("D")


def test_q4_wants_the_decades_between_output_and_first_layer():
    vanishing = vanishing_gradients(depth=6, width=16)
    decades = np.log10(vanishing["sigmoid"][-1] / vanishing["sigmoid"][0])
    ex = debugging.exercises(vanishing=vanishing)
    assert decades > 3
    assert ex.q4.check(decades).ok and ex.q4.check(decades + 0.4).ok
    assert not ex.q4.check(decades + 1).ok and not ex.q4.check(-decades).ok
    assert not ex.q4.check(f"{decades}").ok


def test_q5_remeasures_the_panel_state():
    ex = debugging.exercises()
    assert ex.q5.check({"activation": "sigmoid", "depth": 20, "batch_norm": True}).ok
    assert ex.q5.check({"activation": "sigmoid", "depth": 15, "residual": True}).ok
    plain = ex.q5.check({"activation": "sigmoid", "depth": 20})
    assert not plain.ok and "only" in plain.message
    assert not ex.q5.check({"activation": "sigmoid", "depth": 20, "init": "glorot"}).ok
    assert "sigmoid" in ex.q5.check({"activation": "relu", "depth": 20, "batch_norm": True}).message
    assert "depth" in ex.q5.check({"activation": "sigmoid", "depth": 10, "batch_norm": True}).message
    assert "unknown" in ex.q5.check({"actvation": "sigmoid"}).message
    assert not ex.q5.check("sigmoid").ok


def test_q6_reads_the_dead_fraction_from_the_monitor():
    X = torch.randn(64, 2)
    y = (X[:, 0] > 0).long()
    torch.manual_seed(0)
    model = MLP(2, 2, width=16, depth=3)
    with Monitor(model) as monitor:
        fit(model, (X, y), epochs=40, lr=0.3, random_state=0)
    dead = float(np.mean([row.dead for row in monitor.summary()]))
    ex = debugging.exercises(monitor=monitor)
    assert ex.q6.check(dead).ok
    assert not ex.q6.check(dead + 0.1).ok and not ex.q6.check(dead - 0.1).ok
