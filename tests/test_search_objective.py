"""labkit.search.objective: a batched evaluation equals separate runs; the test set stays sealed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labkit.models import MLP
from labkit.search.objective import DEFAULT_SPACE, Dimension, Objective, from_unit, to_unit
from labkit.train import fit


def small(**options):
    return Objective(**{"n_val": 60, "n_test": 80, "epochs": 30, **options})


def test_batched_evaluate_equals_separate_fit_runs():
    objective = small()
    configs = [{"lr": 0.05, "weight_decay": 1e-4}, {"lr": 3e-3, "weight_decay": 1e-2}]
    batched = objective.evaluate(configs)
    for config, error in zip(configs, batched, strict=True):
        torch.manual_seed(0)  # seed 0's network, as the objective draws it
        net = MLP(1, 1, width=16, depth=2, activation="tanh")
        fit(net, objective.train, epochs=30, optimizer="momentum", lr=config["lr"], momentum=0.9,
            weight_decay=config["weight_decay"], random_state=0)
        with torch.no_grad():
            pred = net(torch.as_tensor(objective.val[0], dtype=torch.float32)).numpy()[:, 0]
        assert error == pytest.approx(np.mean((pred - objective.val[1]) ** 2), rel=1e-3)


def test_errors_do_not_depend_on_the_batch_they_are_trained_in():
    objective = small()
    a, b, c = ({"lr": r, "weight_decay": 1e-5} for r in (1e-3, 1e-2, 1e-1))
    together = objective.evaluate([a, b, c])
    np.testing.assert_allclose(objective.evaluate([c, a]), together[[2, 0]], rtol=1e-5)
    assert len(set(np.round(together, 8))) == 3  # three rates, three different errors


def test_seeds_are_separate_networks_and_evaluate_is_their_mean():
    objective = small()
    per_seed = objective.evaluate_per_seed([{"lr": 0.03, "weight_decay": 0.0}], seeds=[0, 1, 2])
    assert per_seed.shape == (1, 3) and len(set(per_seed[0])) == 3
    mean = objective.evaluate([{"lr": 0.03, "weight_decay": 0.0}], seeds=[0, 1, 2])
    assert mean[0] == pytest.approx(per_seed.mean())
    assert per_seed[0, 0] == pytest.approx(objective.evaluate([{"lr": 0.03, "weight_decay": 0.0}])[0])


def test_a_diverged_run_scores_the_ceiling_and_budgets_are_counted():
    objective = small()
    errors = objective.evaluate([{"lr": 1.0, "weight_decay": 0.0}, {"lr": 0.01, "weight_decay": 0.0}],
                                seeds=[0, 1], epochs=12)
    assert errors[0] == objective.ceiling and errors[1] < objective.ceiling
    assert objective.epochs_spent == 2 * 2 * 12 and objective.n_trained == 4
    objective.test_error({"lr": 0.01, "weight_decay": 0.0})
    assert objective.epochs_spent == 48  # the sealed test check is not part of the search's budget


def test_test_error_reads_the_test_set_not_the_validation_set():
    objective = small()
    config = {"lr": 0.05, "weight_decay": 1e-4}
    assert objective.test_error(config) != pytest.approx(objective.evaluate([config])[0], rel=1e-6)
    both = objective.test_error([config, {"lr": 1e-3, "weight_decay": 0.0}])
    assert both.shape == (2,) and both[0] == pytest.approx(objective.test_error(config), rel=1e-5)


def test_unit_cube_round_trip_and_the_log_middle():
    configs = [{"lr": 1e-3, "weight_decay": 1e-2}, {"lr": 0.5, "weight_decay": 1e-6}]
    points = to_unit(DEFAULT_SPACE, configs)
    back = from_unit(DEFAULT_SPACE, points)
    for a, b in zip(configs, back, strict=True):
        assert a == pytest.approx(b)
    assert Dimension("lr", 1e-4, 1.0).from_unit(0.5) == pytest.approx(1e-2)  # geometric middle
    assert Dimension("momentum", 0.0, 1.0, log=False).from_unit(0.25) == pytest.approx(0.25)


@pytest.mark.parametrize("configs, error, words", [
    ({"lr": 0.1, "weight_decay": 0.0}, TypeError, "list"),
    ([{"lr": 0.1}], ValueError, "configs[0]"),
    ([{"lr": -0.1, "weight_decay": 0.0}], ValueError, "configs[0]['lr']"),
    ([{"lr": 0.1, "weight_decay": "big"}], TypeError, "configs[0]['weight_decay']"),
])
def test_bad_configs_raise_errors_naming_them(configs, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        small().evaluate(configs)


def test_bad_arguments_raise_errors_naming_them():
    with pytest.raises(ValueError, match="high"):
        Dimension("lr", 1.0, 0.1)
    with pytest.raises(ValueError, match="space dimension name"):
        Objective(space=(Dimension("dropout", 0.1, 0.5, log=False),))
    with pytest.raises(ValueError, match="epochs"):
        small().evaluate([{"lr": 0.1, "weight_decay": 0.0}], epochs=0)
    with pytest.raises(TypeError, match="seeds"):
        Objective(seeds=3)
