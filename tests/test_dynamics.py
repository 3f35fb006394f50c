"""labkit.generalization.dynamics: the simulator is right, the data builders line up, rollouts compound.

The headline test trains both models with the module's defaults (about 2 s): over
seeds 0-2 the one-step-trained model drifted 2.7-4.9 times further in 100 steps.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from labkit.data import pendulum_period
from labkit.generalization.dynamics import (
    DynamicsComparison,
    RolloutError,
    StepModel,
    compare_horizons,
    fit_dynamics,
    one_step_pairs,
    rollout,
    rollout_error,
    simulate_pendulum,
    windows,
)


class Frozen(nn.Module):
    """A 'model' that predicts no motion at all: next state = state."""

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, state):
        return state + 0 * self.dummy


def energy(trajectories):
    theta, omega = trajectories[..., 0], trajectories[..., 1]
    return omega**2 / 2 + 1 - np.cos(theta)


# ---------------------------------------------------------------- simulator and data

def test_simulation_shapes_determinism_and_start_states():
    a = simulate_pendulum(5, 20, random_state=0)
    assert a.shape == (5, 21, 2) and a.dtype == np.float64
    np.testing.assert_array_equal(a, simulate_pendulum(5, 20, random_state=0))
    assert not np.array_equal(a, simulate_pendulum(5, 20, random_state=1))
    assert np.abs(a[:, 0, 0]).max() <= 1.5 and np.abs(a[:, 0, 1]).max() <= 1.0


def test_simulation_obeys_the_physics():
    free = simulate_pendulum(4, 200, damping=0.0, random_state=1)
    e = energy(free)
    assert np.abs(e - e[:, :1]).max() < 1e-6  # no friction: energy is conserved
    damped = energy(simulate_pendulum(4, 200, damping=0.1, random_state=1))
    assert (np.diff(damped, axis=1) <= 1e-12).all() and (damped[:, -1] < 0.5 * damped[:, 0]).all()


def test_simulated_period_matches_the_exact_formula():
    dt = 0.02
    path = simulate_pendulum(1, 1000, dt=dt, damping=0.0, random_state=0)[0]
    amplitude = np.arccos(1 - energy(path[0]))  # the angle where all energy is potential
    period = pendulum_period(amplitude, length=9.81)  # time unit 1 / sqrt(g / L), so g / L = 1 here
    turns = np.flatnonzero(np.sign(path[:-1, 1]) != np.sign(path[1:, 1]))  # velocity changes sign
    half_periods = np.diff(turns) * dt
    assert half_periods.size >= 3
    np.testing.assert_allclose(half_periods, period / 2, atol=dt)


def test_noise_is_added_to_the_records_only():
    clean = simulate_pendulum(3, 10, random_state=0)
    noisy = simulate_pendulum(3, 10, noise=0.1, random_state=0)
    assert 0.05 < np.std(noisy - clean) < 0.2


def test_pairs_and_windows_line_up_with_the_trajectories():
    traj = simulate_pendulum(3, 6, random_state=0)
    X, Y = one_step_pairs(traj)
    assert X.shape == Y.shape == (18, 2)
    np.testing.assert_array_equal(X[1], traj[0, 1])
    np.testing.assert_array_equal(Y[1], traj[0, 2])
    starts, follow = windows(traj, 3)
    assert starts.shape == (12, 2) and follow.shape == (12, 3, 2)  # 4 starts per trajectory
    np.testing.assert_array_equal(starts[5], traj[1, 1])
    np.testing.assert_array_equal(follow[5], traj[1, 2:5])
    np.testing.assert_array_equal(windows(traj, 1)[1][:, 0], Y)  # horizon 1 is the one-step pairs


# ---------------------------------------------------------------- models, rollouts, errors

def test_step_model_adds_the_net_output_to_the_state():
    torch.manual_seed(0)
    model = StepModel(2, width=8)
    state = torch.randn(5, 2)
    torch.testing.assert_close(model(state), state + model.net(state))


def test_rollout_shapes_and_a_frozen_model():
    model = Frozen()
    assert rollout(model, [0.5, 0.0], 4).shape == (5, 2)
    paths = rollout(model, np.ones((3, 2)), 4)
    assert paths.shape == (3, 5, 2) and (paths == 1).all()
    traj = simulate_pendulum(4, 30, random_state=0)
    err = rollout_error(model, traj, n_steps=20)
    assert isinstance(err, RolloutError) and err.error_per_step.shape == (21,)
    assert err.error_per_step[0] == 0.0  # the start state is given
    assert err.final_error > err.one_step_error > 0
    assert "after 20 steps" in repr(err)


def test_training_lowers_the_loss_for_one_and_many_steps():
    traj = simulate_pendulum(4, 20, random_state=0)
    for horizon in (1, 4):
        torch.manual_seed(0)
        losses = fit_dynamics(StepModel(2, width=16), traj, horizon=horizon, epochs=60, lr=1e-2)
        assert losses.shape == (60,) and losses[-1] < 0.1 * losses[0]


def test_multi_step_training_drifts_less_in_long_rollouts():
    r = compare_horizons(random_state=0)
    assert isinstance(r, DynamicsComparison) and r.horizon == 5
    assert r.one_step.one_step_error < 1e-4  # one step ahead, the one-step model looks fine
    assert r.one_step.final_error > 100 * r.one_step.one_step_error  # ... but its rollout drifts
    assert r.one_step.final_error > 2 * r.multi_step.final_error
    assert r.one_step_rollouts.shape == r.multi_step_rollouts.shape == (16, 101, 2)
    assert r.test_trajectories.shape == (16, 101, 2)
    assert "trained on 5 steps" in repr(r)


def test_compare_horizons_is_deterministic_and_leaves_global_seed_alone():
    torch.manual_seed(123)
    before = torch.initial_seed(), torch.rand(1)
    torch.manual_seed(123)
    small = dict(n_trajectories=2, n_steps=5, n_test=2, test_steps=5, width=8, epochs=5)
    a, b = (compare_horizons(2, random_state=7, **small) for _ in range(2))
    np.testing.assert_array_equal(a.one_step_rollouts, b.one_step_rollouts)
    np.testing.assert_array_equal(a.multi_step.error_per_step, b.multi_step.error_per_step)
    assert (torch.initial_seed(), torch.rand(1)) == before


# ---------------------------------------------------------------- bad arguments

BAD = [
    (simulate_pendulum, {"n_trajectories": 0}, ValueError, "n_trajectories"),
    (simulate_pendulum, {"n_steps": 2.5}, TypeError, "n_steps"),
    (simulate_pendulum, {"dt": 0.0}, ValueError, "dt"),
    (simulate_pendulum, {"damping": -0.1}, ValueError, "damping"),
    (simulate_pendulum, {"noise": "some"}, TypeError, "noise"),
    (one_step_pairs, {"trajectories": np.zeros((3, 2))}, ValueError, "trajectories"),
    (windows, {"trajectories": np.zeros((2, 3, 2)), "horizon": 3}, ValueError, "trajectories"),
    (windows, {"trajectories": np.zeros((2, 3, 2)), "horizon": 0}, ValueError, "horizon"),
    (rollout, {"model": "net", "x0": [0.0, 0.0], "n_steps": 3}, TypeError, "model"),
    (rollout, {"model": Frozen(), "x0": [[[0.0]]], "n_steps": 3}, ValueError, "x0"),
    (rollout, {"model": Frozen(), "x0": [0.0, 0.0], "n_steps": -1}, ValueError, "n_steps"),
    (rollout_error, {"model": Frozen(), "trajectories": np.zeros((2, 3, 2)), "n_steps": 5}, ValueError,
     "n_steps"),
    (fit_dynamics, {"model": Frozen(), "trajectories": np.zeros((2, 3, 2)), "lr": -1.0}, ValueError, "lr"),
    (compare_horizons, {"horizon": 1}, ValueError, "horizon"),
    (compare_horizons, {"n_steps": 3}, ValueError, "n_steps"),
    (compare_horizons, {"n_test": 0}, ValueError, "n_test"),
]


@pytest.mark.parametrize("function, kwargs, error, argument", BAD,
                         ids=[f"{f.__name__}-{next(iter(k))}" for f, k, _, _ in BAD])
def test_bad_arguments_raise_naming_the_argument(function, kwargs, error, argument):
    with pytest.raises(error, match=argument) as info:
        function(**kwargs)
    assert "must" in str(info.value)
