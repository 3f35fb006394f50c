"""Numbers Lab 06's prose states, computed with labkit at the lab's full sizes: text and code cannot drift."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from labkit.optimization import (
    compare_schedules,
    compare_thresholds,
    compare_with_sweep,
    conditioning,
    default_problem,
    lr_sweep,
    make_hike,
    quadratic,
    range_test_over_seeds,
    standardize,
    trajectory,
)

LAB = Path(__file__).resolve().parents[1] / "labs" / "06_learning_rate_optimizers.ipynb"


def _text() -> str:
    cells = json.loads(LAB.read_text(encoding="utf-8"))["cells"]
    return " ".join(" ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown").split())


@pytest.fixture(scope="module")
def sweeps():
    train, val = default_problem()
    seeds = range(8)
    sgd = lr_sweep(train, val, rates=np.logspace(-3, 1, 16), seeds=seeds, epochs=300)
    adam = lr_sweep(train, val, rates=np.logspace(-4, 0.5, 16), seeds=seeds, optimizer="adam", epochs=300)
    return train, sgd, adam


def test_section2_u_curve_numbers(sweeps):
    _, sgd, adam = sweeps
    text = _text()
    assert f"{sgd.best_rate:.2f}" == "0.14" and "SGD** is best near 0.14" in text
    low, high = sgd.region_span("good")
    assert (round(low, 2), round(high, 2)) == (0.02, 0.25) and "from about 0.02 to 0.25" in text
    first_dead = sgd.rates[np.argmax(sgd.diverged.all(axis=1))]
    assert f"{first_dead:.2f}" == "0.46" and sgd.diverged[sgd.rates > 0.4].all()
    low, high = adam.region_span("good")
    assert f"{low:.1g} {high:.1g}" == "0.003 0.1" and "from about 0.003 to 0.1" in text
    assert adam.good_width_decades() > sgd.good_width_decades()  # "its good region is wider"
    assert adam.rates[np.argmin(adam.median_val)] < adam.best_rate / 10  # validation bottoms out lower


def test_section3_range_test_lands_below_the_u_curves_best_rate(sweeps):
    train, sgd, _ = sweeps
    rows = compare_with_sweep(range_test_over_seeds(train, seeds=range(8)), sgd)
    decades = {name: round(float(np.median(row["decades_from_best"])), 1) for name, row in rows.items()}
    assert decades == {"steepest": -0.9, "minimum/10": -0.3, "valley": -1.5}
    assert rows["minimum/10"]["in_good_region"] == 1.0
    text = _text()
    assert "Minimum/10 is 0.3 decades below, inside the good region on all 8 seeds" in text
    assert "Steepest is 0.9 decades below" in text and "valley 1.5 decades below" in text


def test_section4_gradient_descent_diverges_just_above_2_over_l():
    bowl = quadratic(condition=10)
    assert trajectory(bowl, "sgd", lr=0.19).diverged_at is None
    assert trajectory(bowl, "sgd", lr=0.21).diverged_at is not None
    assert "only while lr < 2/10 = 0.2" in _text()


def test_section5_hike_conditioning():
    X, _ = make_hike(200, random_state=0)
    raw, scaled = conditioning(X), conditioning(standardize(X)[0])
    assert 10**12.5 < raw.condition < 10**13.5 and 10**-12.5 < raw.max_lr < 10**-11.5
    assert scaled.condition < 2
    assert "condition number is about 10¹³" in _text()


def test_section6_schedules_numbers():
    result = compare_schedules(epochs=60)
    val = {name: run.history.val_loss[-1] for name, run in result.runs.items()}
    sensible = [v for name, v in val.items() if name != "too early"]
    assert f"{min(sensible):.4f} to {max(sensible):.4f}" == "0.0102 to 0.0127"
    assert f"{val['too early']:.3f}" == "0.095" and round(val["too early"] / val["constant"]) == 9
    text = _text()
    assert "0.0102 to 0.0127" in text and "about nine times higher, 0.095" in text


def test_section8_clipping_numbers():
    result = compare_thresholds(epochs=40)
    val = {t: run.history.val_loss[-1] for t, run in result.runs.items()}
    shown = {t: f"{v:.2g}" for t, v in val.items()}
    assert shown == {None: "0.6", 10.0: "0.6", 3.0: "0.13", 1.0: "0.024", 0.3: "0.02", 0.1: "0.079"}
    assert round(100 * result.runs[0.3].fraction_clipped) == 91
    text = _text()
    claims = ("near 0.6", "at 3 brings it to 0.13", "at 1 to 0.024", "at 0.3 to 0.020", "91%", "(0.079)")
    for claim in claims:
        assert claim in text


def test_section7_small_batches_lead_per_epoch_and_large_ones_per_step():
    from labkit.data import make_sine
    from labkit.optimization import batch_size_curves

    sine = make_sine(128, noise=0.1, random_state=0)
    by_epochs = batch_size_curves(sine, epochs=10, lr=0.05)
    by_steps = batch_size_curves(sine, steps=200, lr=0.05)
    final = {b: loss[-1] for b, loss in zip(by_epochs.batch_sizes, by_epochs.loss, strict=True)}
    assert final[1] < final[128] / 2  # per epoch: B = 1 far ahead
    final = {b: loss[-1] for b, loss in zip(by_steps.batch_sizes, by_steps.loss, strict=True)}
    assert final[128] < final[1] / 2  # per update: the full batch ahead
    assert "the order flips and the full batch is ahead" in _text()
