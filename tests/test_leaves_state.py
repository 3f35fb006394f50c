"""Every diagnostic that runs, back-propagates or trains leaves the caller's model and RNGs as they were.

Case 06 (../shared/cases): a measurement that moved batch-norm statistics, advanced the
global generator or wiped ``.grad`` changed what the learner was measuring. Each public
function below gets a model with batch norm and dropout, in train mode and in eval mode,
with gradients already in ``.grad``; after the call its parameters, buffers, gradients,
train/eval flags and the torch, numpy and Python random states must be untouched.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from labkit.debugging import doctor
from labkit.gradients import (
    check_gradients,
    compare_precisions,
    compare_with_torch,
    layer_gradient_norms,
    step_size_sweep,
    tf32_effect,
)
from labkit.models import MLP
from labkit.runtime import seeded
from labkit.train import evaluate, predict

X = torch.randn(32, 3, generator=torch.Generator().manual_seed(0))
Y = torch.arange(32) % 3

DIAGNOSTICS = {
    "doctor": lambda m: doctor(m, X, Y, F.cross_entropy, steps=5),
    "check_gradients": lambda m: check_gradients(m, X, Y, F.cross_entropy, max_entries=3),
    "compare_precisions": lambda m: compare_precisions(m, X, Y, F.cross_entropy, max_entries=3),
    "compare_with_torch": lambda m: compare_with_torch(m, X, Y, F.cross_entropy, max_entries=3),
    "step_size_sweep": lambda m: step_size_sweep(m, X, Y, F.cross_entropy, hs=[1e-3, 1e-6], max_entries=2),
    "tf32_effect": lambda m: tf32_effect(m, X, Y, F.cross_entropy, max_entries=3),
    "layer_gradient_norms": lambda m: layer_gradient_norms(m, X, Y, F.cross_entropy),
    "evaluate": lambda m: evaluate(m, (X.numpy(), Y.numpy()), task="classification"),
    "predict": lambda m: predict(m, X.numpy()),
}


def _snapshot(model):
    return {
        "state": {k: v.clone() for k, v in model.state_dict().items()},
        "grads": {n: None if p.grad is None else p.grad.clone() for n, p in model.named_parameters()},
        "modes": [m.training for m in model.modules()],
        "torch_rng": torch.get_rng_state(),
        "numpy_rng": np.random.get_state()[1].copy(),
        "python_rng": random.getstate(),
    }


def _same(a, b) -> list[str]:
    differ = [k for k in a["state"] if not torch.equal(a["state"][k], b["state"][k])]
    differ += [f"{n}.grad" for n in a["grads"] if (a["grads"][n] is None) != (b["grads"][n] is None)
               or (a["grads"][n] is not None and not torch.equal(a["grads"][n], b["grads"][n]))]
    differ += ["train/eval flags"] * (a["modes"] != b["modes"])
    differ += ["torch RNG"] * (not torch.equal(a["torch_rng"], b["torch_rng"]))
    differ += ["numpy RNG"] * (not np.array_equal(a["numpy_rng"], b["numpy_rng"]))
    differ += ["python RNG"] * (a["python_rng"] != b["python_rng"])
    return differ


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("name", list(DIAGNOSTICS))
def test_a_diagnostic_leaves_the_model_its_gradients_and_the_rngs_as_they_were(name, mode):
    with seeded(1):
        model = MLP(3, 3, width=8, depth=2, dropout=0.3, batch_norm=True)
    model.train()
    F.cross_entropy(model(X), Y).backward()  # the caller's own gradients, and moved BN statistics
    model.train(mode == "train")
    model.output.weight.grad = None  # a mix of set and unset gradients
    before = _snapshot(model)
    DIAGNOSTICS[name](model)
    assert _same(before, _snapshot(model)) == []


def test_the_snapshot_sees_what_a_careless_diagnostic_changes():
    """The comparison itself can fail: a plain training-mode backward moves several things."""
    with seeded(1):
        model = MLP(3, 3, width=8, depth=2, dropout=0.3, batch_norm=True)
    before = _snapshot(model)
    model.train()
    F.cross_entropy(model(X), Y).backward()
    changed = _same(before, _snapshot(model))
    assert "norms.0.running_mean" in changed and "torch RNG" in changed and "hidden.0.weight.grad" in changed
    model.eval()
    assert "train/eval flags" in _same(before, _snapshot(model))
