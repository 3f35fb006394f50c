"""labkit.models: the MLP's structure contract, its options and inits, and the small CNN."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from labkit.models import ACTIVATIONS, INITS, MLP, SmallCNN, n_parameters
from labkit.train import fit


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def linear_count(n_in, n_out):
    return n_in * n_out + n_out


def test_mlp_structure_is_the_documented_contract():
    model = MLP(3, 2, width=10, depth=4)
    assert isinstance(model.hidden, nn.ModuleList) and len(model.hidden) == 4
    assert all(type(layer) is nn.Linear for layer in model.hidden)
    assert [(layer.in_features, layer.out_features) for layer in model.hidden] == [(3, 10)] + [(10, 10)] * 3
    assert type(model.output) is nn.Linear
    assert (model.output.in_features, model.output.out_features) == (10, 2)
    assert model.norms is None and model.drop is None and isinstance(model.act, nn.ReLU)
    assert model(torch.zeros(5, 3)).shape == (5, 2)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, linear_count(1, 64) + linear_count(64, 64) + linear_count(64, 1)),  # 4353
    ({"width": 10, "depth": 3}, linear_count(1, 10) + 2 * linear_count(10, 10) + linear_count(10, 1)),
    ({"width": 10, "depth": 3, "batch_norm": True},
     # batch norm adds a scale and a shift per unit and removes the hidden Linear biases
     linear_count(1, 10) + 2 * linear_count(10, 10) + linear_count(10, 1) + 3 * 2 * 10 - 3 * 10),
    ({"width": 5, "depth": 1, "dropout": 0.5, "residual": True}, linear_count(1, 5) + linear_count(5, 1)),
])
def test_mlp_parameter_counts(kwargs, expected):
    assert n_parameters(MLP(1, 1, **kwargs)) == expected


def test_n_parameters_counts_frozen_ones_only_when_asked():
    model = MLP(1, 1, width=4, depth=1)
    model.output.weight.requires_grad_(False)
    assert n_parameters(model) == 8 + 1
    assert n_parameters(model, trainable_only=False) == 8 + 5
    with pytest.raises(TypeError, match="model"):
        n_parameters("not a model")


def test_batch_norm_normalises_each_hidden_layer():
    model = MLP(2, 1, width=6, depth=2, batch_norm=True)
    assert len(model.norms) == 2 and all(isinstance(n, nn.BatchNorm1d) for n in model.norms)
    seen = []
    model.norms[1].register_forward_hook(lambda module, inputs, output: seen.append(output))
    model(torch.randn(50, 2) * 10 + 3)
    z = seen[0]  # the second layer's pre-activations after batch norm: mean 0, std 1 per unit
    assert torch.allclose(z.mean(0), torch.zeros(6), atol=1e-5)
    assert torch.allclose(z.std(0, unbiased=False), torch.ones(6), atol=1e-3)


def test_dropout_is_random_in_training_and_off_in_eval():
    model = MLP(2, 1, width=32, dropout=0.5)
    assert isinstance(model.drop, nn.Dropout) and model.drop.p == 0.5
    x = torch.randn(4, 2)
    assert not torch.equal(model(x), model(x))
    model.eval()
    assert torch.equal(model(x), model(x))


def manual_forward(model, x, residual):
    h = x
    for i, layer in enumerate(model.hidden):
        z = torch.tanh(layer(h))
        h = h + z if residual and i > 0 else z
    return model.output(h)


@pytest.mark.parametrize("residual", [False, True])
def test_forward_matches_the_written_rule(residual):
    model = MLP(2, 3, width=8, depth=3, activation="tanh", residual=residual)
    x = torch.randn(7, 2)
    assert torch.allclose(model(x), manual_forward(model, x, residual))
    other = manual_forward(model, x, not residual)
    assert not torch.allclose(model(x), other)  # the flag changes the function


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_is_used(name):
    model = MLP(1, 1, width=4, depth=1, activation=name)
    assert type(model.act) is ACTIVATIONS[name]
    x = torch.linspace(-2, 2, 5)[:, None]
    expected = model.output(ACTIVATIONS[name]()(model.hidden[0](x)))
    assert torch.allclose(model(x), expected)


def weights(model):
    return [m.weight for m in model.modules() if isinstance(m, nn.Linear)]


def biases(model):
    return [m.bias for m in model.modules() if isinstance(m, nn.Linear)]


@pytest.mark.parametrize(("init", "expected_std"), [
    ("kaiming", math.sqrt(2 / 256)),  # He: 2 / fan_in
    ("xavier", math.sqrt(2 / (256 + 256))),  # Glorot: 2 / (fan_in + fan_out)
    ("normal", 0.01),
])
def test_init_spreads(init, expected_std):
    model = MLP(4, 1, width=256, depth=2, init=init)
    middle = model.hidden[1].weight  # 256 x 256: enough samples for a 5% check
    assert middle.std().item() == pytest.approx(expected_std, rel=0.05)
    assert all(torch.count_nonzero(b) == 0 for b in biases(model))


def test_default_init_keeps_pytorchs():
    model = MLP(4, 1, width=256, depth=2)
    bound = 1 / math.sqrt(256)  # PyTorch's uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert model.hidden[1].weight.abs().max().item() <= bound
    assert model.hidden[1].weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert torch.count_nonzero(model.hidden[1].bias) > 0


def test_zeros_init_keeps_hidden_units_identical_after_training():
    model = MLP(1, 1, width=8, depth=2, activation="tanh", init="zeros")
    assert all(torch.count_nonzero(w) == 0 for w in weights(model))
    x = torch.linspace(-1, 1, 20)[:, None]
    fit(model, (x, torch.sin(3 * x)), epochs=30, lr=1e-2)
    for layer in model.hidden:  # every unit (row) got the same update: the symmetry never breaks
        assert torch.equal(layer.weight, layer.weight[:1].expand_as(layer.weight))
        assert torch.equal(layer.bias, layer.bias[:1].expand_as(layer.bias))
    assert torch.count_nonzero(model.output.bias) == 1  # while the output bias did learn


def test_repr_is_compact():
    assert repr(MLP(1, 1)) == "MLP(1-64-64-1, relu)"
    text = repr(MLP(2, 3, width=8, depth=1, activation="tanh", dropout=0.2, batch_norm=True,
                    residual=True, init="xavier"))
    assert text == "MLP(2-8-3, tanh, dropout=0.2, batch_norm, residual, init='xavier')"
    assert "channels=16" in repr(SmallCNN())


def test_small_cnn_shapes_and_counts():
    model = SmallCNN()
    assert model(torch.zeros(5, 1, 8, 8)).shape == (5, 10)
    assert SmallCNN(3, channels=4, batch_norm=False)(torch.zeros(2, 1, 8, 8)).shape == (2, 3)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert [c.kernel_size for c in convs] == [(3, 3)] * 4
    assert [c.out_channels for c in convs] == [16, 16, 32, 32]
    assert sum(isinstance(m, nn.MaxPool2d) for m in model.modules()) == 2
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == 4
    # 3x3 convs without bias (batch norm follows), norms 2 * (16+16+32+32), head 128*10 + 10
    assert n_parameters(model) == 9 * (16 + 256 + 512 + 1024) + 2 * 96 + 1290
    no_bn = SmallCNN(batch_norm=False)
    assert n_parameters(no_bn) == 9 * (16 + 256 + 512 + 1024) + 96 + 1290
    assert SmallCNN(dropout=0.3).classifier[1].p == 0.3


@pytest.mark.parametrize("shape", [(5, 64), (5, 8, 8), (5, 3, 8, 8), (5, 1, 28, 28)])
def test_small_cnn_rejects_other_shapes(shape):
    with pytest.raises(ValueError, match=r"SmallCNN expects input of shape \(N, 1, 8, 8\), got"):
        SmallCNN()(torch.zeros(shape))


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"in_features": 0}, ValueError, "in_features"),
    ({"in_features": 1.5}, TypeError, "in_features"),
    ({"out_features": -1}, ValueError, "out_features"),
    ({"width": 0}, ValueError, "width"),
    ({"width": "64"}, TypeError, "width"),
    ({"depth": 0}, ValueError, "depth"),
    ({"depth": True}, TypeError, "depth"),
    ({"activation": "softmax"}, ValueError, "activation"),
    ({"activation": nn.ReLU}, ValueError, "activation"),
    ({"dropout": 1.0}, ValueError, "dropout"),
    ({"dropout": -0.1}, ValueError, "dropout"),
    ({"dropout": float("nan")}, ValueError, "dropout"),
    ({"batch_norm": 1}, TypeError, "batch_norm"),
    ({"residual": "yes"}, TypeError, "residual"),
    ({"init": "he"}, ValueError, "init"),
])
def test_mlp_rejects_bad_arguments(kwargs, error, name):
    arguments = {"in_features": 2, "out_features": 1, **kwargs}
    with pytest.raises(error, match=name) as info:
        MLP(arguments.pop("in_features"), arguments.pop("out_features"), **arguments)
    assert repr(next(iter(kwargs.values()))) in str(info.value)  # the value received, too


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"n_classes": 1}, ValueError, "n_classes"),
    ({"channels": 0}, ValueError, "channels"),
    ({"dropout": 2}, ValueError, "dropout"),
    ({"batch_norm": None}, TypeError, "batch_norm"),
])
def test_small_cnn_rejects_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        SmallCNN(**kwargs)


# ---------------------------------------------------------------- property test

VALID = {
    "in_features": st.integers(1, 5), "out_features": st.integers(1, 4), "width": st.integers(1, 12),
    "depth": st.integers(1, 4), "activation": st.sampled_from(sorted(ACTIVATIONS)),
    "dropout": st.floats(0.0, 0.9), "batch_norm": st.booleans(), "residual": st.booleans(),
    "init": st.sampled_from(INITS),
}
INVALID = {
    "in_features": st.sampled_from([0, -3, 2.0, "2", None]), "out_features": st.sampled_from([0, 1.0]),
    "width": st.sampled_from([0, -1, 8.0]), "depth": st.sampled_from([0, -2, 1.5, False]),
    "activation": st.sampled_from(["ReLU", "", None, "softmax"]),
    "dropout": st.sampled_from([1.0, -0.5, float("inf"), "0.1", None]),
    "batch_norm": st.sampled_from([0, 1, "True", None]), "residual": st.sampled_from([0, None]),
    "init": st.sampled_from(["He", "uniform", None]),
}


@st.composite
def mlp_arguments(draw):
    """MLP arguments where each one is valid, or (sometimes) invalid; returns (kwargs, valid)."""
    kwargs, valid = {}, True
    for name, good in VALID.items():
        if draw(st.integers(0, 9)) == 0:
            kwargs[name], valid = draw(INVALID[name]), False
        else:
            kwargs[name] = draw(good)
    return kwargs, valid


@settings(max_examples=60, deadline=None)
@given(mlp_arguments(), st.integers(2, 6))
def test_mlp_builds_exactly_the_valid_configurations(arguments, n_samples):
    kwargs, valid = arguments
    n_in, n_out = kwargs.pop("in_features"), kwargs.pop("out_features")
    if not valid:
        with pytest.raises((ValueError, TypeError)):
            MLP(n_in, n_out, **kwargs)
        return
    model = MLP(n_in, n_out, **kwargs)
    out = model(torch.randn(n_samples, n_in))
    assert out.shape == (n_samples, n_out)
    assert len(model.hidden) == kwargs["depth"] and model.output.in_features == kwargs["width"]
    assert (model.norms is not None) == kwargs["batch_norm"]
    if kwargs["init"] != "zeros":
        assert np.isfinite(out.detach().numpy()).all()


def test_batch_norm_hidden_layers_have_no_bias_and_the_output_layer_keeps_its_own():
    plain, normed = MLP(3, 2, width=8, depth=2), MLP(3, 2, width=8, depth=2, batch_norm=True)
    assert all(linear.bias is None for linear in normed.hidden) and normed.output.bias is not None
    # the two hidden biases (8 each) are gone; each batch norm adds a scale and a shift (8 + 8)
    assert n_parameters(normed) == n_parameters(plain) - 2 * 8 + 2 * 16
    normed.train()
    normed(torch.randn(5, 3)).sum().backward()  # still trains: every parameter gets a gradient
    assert all(p.grad is not None for p in normed.parameters())


def test_small_cnn_takes_the_mlps_initialisations():
    torch.manual_seed(0)
    model = SmallCNN(channels=8, init="kaiming")
    conv = model.features[0]
    fan_in = conv.weight[0].numel()
    assert conv.weight.std().item() == pytest.approx((2 / fan_in) ** 0.5, rel=0.3)
    assert "init='kaiming'" in repr(model) and "init" not in repr(SmallCNN())
    linears = [m for m in SmallCNN(init="zeros").modules() if isinstance(m, torch.nn.Linear)]
    assert linears and all((m.weight == 0).all() for m in linears)
    with pytest.raises(ValueError, match="init"):
        SmallCNN(init="he")
