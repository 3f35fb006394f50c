"""labkit.gradients.monitor: per-layer statistics in bounded memory, and gradients at initialization."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from labkit.gradients import monitor as mon
from labkit.models import MLP


def problem(depth=2, width=16, n=32):
    torch.manual_seed(0)
    model = MLP(2, 3, width=width, depth=depth)
    X, y = torch.randn(n, 2), torch.randint(0, 3, (n,))
    return model, X, y, torch.optim.SGD(model.parameters(), lr=0.05)


def train(model, X, y, optimizer, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(model(X), y).backward()
        optimizer.step()


def test_memory_does_not_grow_over_1000_steps():
    model, X, y, optimizer = problem(width=8, n=16)
    with mon.Monitor(model, capacity=100, bins=20) as monitor:
        train(model, X, y, optimizer, 200)
        size = monitor.nbytes
        gc.collect()
        tracemalloc.start()
        start = tracemalloc.get_traced_memory()[0]
        train(model, X, y, optimizer, 800)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - start
        tracemalloc.stop()
    assert monitor.steps == 1000 and monitor.nbytes == size
    assert grown < 32 * 1024  # a few stray allocations at most; one record per step would be ~100 KiB
    history = monitor.history("act")
    assert len(history["mean"]) == 100 and history["step"][0] == 901 and history["step"][-1] == 1000
    assert monitor.histograms("act#1", "gradient")[1].shape == (100, 20)


def test_a_shared_activation_gives_one_layer_per_call_with_sane_statistics():
    model, X, y, optimizer = problem(depth=3)
    with mon.Monitor(model) as monitor:
        train(model, X, y, optimizer, 5)
    assert monitor.layers == ["act", "act#1", "act#2"]
    h = monitor.history("act")
    assert list(h["step"]) == [1, 2, 3, 4, 5] and np.all(h["mean"] >= 0)  # ReLU outputs
    assert np.all((0 <= h["dead"]) & (h["dead"] <= 1)) and np.all(h["grad_norm"] > 0)
    edges, counts = monitor.histograms("act")
    assert edges.shape == (41,) and counts.shape == (5, 40)
    assert np.all(counts.sum(1) == X.shape[0] * 16)  # every value lands in a bin, outliers in the end ones
    rows = monitor.summary()
    assert [r.layer for r in rows] == monitor.layers and rows[0].mean == h["mean"][-1]
    assert "act#2" in repr(monitor)


def test_dead_relus_are_counted():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    with torch.no_grad():
        model[0].bias.copy_(torch.tensor([-100.0, -100.0, 0.0, 0.0]))  # two units never fire
    with mon.Monitor(model) as monitor:
        model(torch.randn(64, 2)).sum().backward()
    assert monitor.layers == ["1"] and monitor.history("1")["dead"][-1] == 0.5


def test_close_removes_every_hook_and_eval_passes_are_not_recorded():
    model, X, y, optimizer = problem()
    with mon.Monitor(model) as monitor:
        model.eval()
        with torch.no_grad():
            model(X)
        model.train()
        train(model, X, y, optimizer, 2)
    assert monitor.steps == 2
    hooks = [m._forward_hooks for m in model.modules()] + [model._forward_pre_hooks]
    assert all(len(h) == 0 for h in hooks)
    train(model, X, y, optimizer, 2)
    assert monitor.steps == 2 and len(monitor.history("act")["mean"]) == 2


def test_modules_can_be_named_and_fall_back_to_linear_layers():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))  # no activation module
    with mon.Monitor(model) as monitor:
        model(torch.randn(4, 2))
    assert monitor.layers == ["0", "1"]
    with mon.Monitor(model, modules=["1"]) as monitor:
        model(torch.randn(4, 2))
    assert monitor.layers == ["1"] and len(monitor.history("1")["grad_norm"]) == 0  # no backward pass


def test_deep_sigmoid_gradients_vanish_and_relu_with_he_does_not():
    norms = mon.vanishing_gradients(depth=10)
    sigmoid, relu = norms["sigmoid"], norms["relu + He"]
    assert len(sigmoid) == len(relu) == 11
    assert sigmoid[0] < 1e-4 * relu[0]  # orders of magnitude at the first layer
    assert sigmoid[0] < 1e-6 * sigmoid[-1]  # and it shrinks layer after layer
    assert 0.1 < relu[0] / relu[-1] < 10


def test_init_and_normalization_comparisons_return_per_layer_norms():
    inits = mon.init_comparison(depth=6)
    assert set(inits) == {"He", "Glorot", "N(0, 0.01^2)"} and all(len(v) == 7 for v in inits.values())
    assert inits["N(0, 0.01^2)"][0] < 1e-6 * inits["He"][0]
    norms = mon.normalization_comparison(depth=12)
    assert norms["plain"][0] < 1e-6 * min(norms["batch norm"][0], norms["residual"][0])
    again = mon.normalization_comparison(depth=12)
    assert all(np.array_equal(norms[k], again[k]) for k in norms)  # seeded


@pytest.mark.parametrize("kwargs, error, match", [
    ({"capacity": 0}, ValueError, "capacity must be at least 1"),
    ({"bins": 1.5}, TypeError, "bins must be an integer"),
    ({"act_range": (1.0, -1.0)}, ValueError, "act_range must be"),
    ({"grad_log10_range": "wide"}, TypeError, "grad_log10_range must be"),
    ({"modules": ["nope"]}, ValueError, r"modules \['nope'\] are not in the model"),
    ({"modules": "act"}, TypeError, "modules must be a list"),
    ({"train_only": "yes"}, TypeError, "train_only must be True or False"),
])
def test_bad_arguments_name_themselves(kwargs, error, match):
    with pytest.raises(error, match=match):
        mon.Monitor(problem()[0], **kwargs)


def test_bad_reads_and_helpers_name_their_argument():
    model = problem()[0]
    with mon.Monitor(model) as monitor:
        pass
    with pytest.raises(ValueError, match="layer must be one of"):
        monitor.history("act")
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        mon.Monitor("mlp")
    with pytest.raises(TypeError, match="configs must be a dict"):
        mon.gradient_norms_at_init({"a": "relu"})
    with pytest.raises(ValueError, match="no Linear or Conv2d"):
        mon.layer_gradient_norms(nn.ReLU(), torch.ones(2, 2), torch.ones(2, 2))


def _user_state(model):
    """Everything a measurement must leave alone: state_dict, .grad, every module's mode, the RNG."""
    return ({k: v.detach().clone() for k, v in model.state_dict().items()},
            {n: None if p.grad is None else p.grad.clone() for n, p in model.named_parameters()},
            [m.training for m in model.modules()], torch.get_rng_state().clone())


def _assert_same(before, after):
    (state, grads, modes, rng), (state2, grads2, modes2, rng2) = before, after
    assert all(torch.equal(state[k], state2[k]) for k in state)
    assert grads.keys() == grads2.keys()
    assert all((grads[n] is None and grads2[n] is None) or torch.equal(grads[n], grads2[n]) for n in grads)
    assert modes == modes2
    assert torch.equal(rng, rng2)


@pytest.mark.parametrize("mode", ["train", "eval", "mixed"])
def test_layer_gradient_norms_leaves_the_model_and_rng_exactly_as_they_were(mode):
    rng = np.random.default_rng(0)
    X = torch.as_tensor(rng.normal(2.0, 3.0, size=(64, 4)), dtype=torch.float32)  # BN stats would move
    y = torch.as_tensor(rng.integers(0, 3, 64))
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
    F.cross_entropy(model(X), y).backward()  # the user's own gradients in .grad
    model.train(mode != "eval")
    if mode == "mixed":
        model[1].eval()  # a frozen batch norm must stay frozen
    before = _user_state(model)
    norms = mon.layer_gradient_norms(model, X, y, F.cross_entropy)
    _assert_same(before, _user_state(model))
    assert norms.shape == (2,) and np.all(norms > 0)


def test_layer_gradient_norms_measures_in_training_mode_whatever_the_models_mode():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 1))
    X, y = torch.randn(32, 4) * 3 + 2, torch.randn(32, 1)
    in_train = mon.layer_gradient_norms(model.train(), X, y)
    in_eval = mon.layer_gradient_norms(model.eval(), X, y)
    np.testing.assert_array_equal(in_train, in_eval)  # same mode, same dropout masks (random_state)
    assert not model.training


def test_layer_gradient_norms_takes_numpy_and_lists_and_names_bad_input():
    torch.manual_seed(0)
    model = MLP(2, 1, width=8, depth=2)
    X, y = np.random.default_rng(0).normal(size=(16, 2)), np.ones((16, 1))
    from_numpy = mon.layer_gradient_norms(model, X, y)
    from_lists = mon.layer_gradient_norms(model, X.tolist(), y.tolist())
    from_tensors = mon.layer_gradient_norms(model, torch.as_tensor(X, dtype=torch.float32),
                                            torch.ones(16, 1))
    np.testing.assert_allclose(from_numpy, from_tensors)
    np.testing.assert_allclose(from_lists, from_tensors)
    with pytest.raises(TypeError, match=r"X must be a tensor, numpy array or list of numbers.*str"):
        mon.layer_gradient_norms(model, "abc", y)
    with pytest.raises(TypeError, match=r"^y must be"):
        mon.layer_gradient_norms(model, X, [["a"]] * 16)
