"""A real objective for hyperparameter search: a small network's validation error over (lr, weight decay).

:class:`Objective` holds a small regression task (noisy sine: 40 training points, 200 validation
points and a sealed test set of 1,000, fixed seeds) and the lab's network (an MLP 1-16-16-1,
tanh, full-batch SGD with momentum 0.9 for 100 epochs). ``objective.evaluate(configs)``
trains one network per configuration (and per seed) *all at once*, as one batched computation
(:func:`labkit.batched.fit_batched`), and returns the validation mean squared errors. A search
strategy therefore proposes a whole round of configurations, and 20 repeats of a search cost
about as much as one.

What the landscape looks like (measured, 100 epochs): the error falls as the rate grows from
1e-4 to about 0.1, then jumps at a cliff: from about 0.3 up, SGD diverges. Weight decay
barely matters below 1e-2 and hurts above it. So one hyperparameter matters much more than
the other (Bergstra and Bengio 2012, "Random search for hyper-parameter optimization"), and
the best rate sits next to the cliff (Goodfellow et al., Deep Learning, figure 11.1).

Budgets in epochs: ``evaluate(configs, epochs=e)`` *retrains from scratch* for ``e`` epochs,
and :attr:`Objective.epochs_spent` counts every epoch of every network it trained. An early
stopping strategy (successive halving) that promotes a configuration to more epochs pays for
the full longer run again: the honest cost of retraining. (With full-batch training and a
constant rate, continuing a run from epoch e gives exactly the numbers a fresh run to 2e gives,
so a search that could keep its networks would pay only the difference.)

A diverged run (NaN/Inf, or its final training loss above its starting loss) scores
:attr:`Objective.ceiling`: twice the validation error of always predicting the training mean,
so every score is a finite number that a Gaussian process can fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from labkit.arguments import check_choice, check_float, check_int, to_numpy
from labkit.batched import BatchedMLP, fit_batched, mse_per_model
from labkit.data import make_sine
from labkit.models import MLP

__all__ = ["Dimension", "Objective", "DEFAULT_SPACE", "to_unit", "from_unit"]

OPTIMIZERS = ("sgd", "momentum", "adam")


@dataclass(frozen=True)
class Dimension:
    """One hyperparameter's range: values in [low, high], searched on a log scale if ``log``."""

    name: str
    low: float
    high: float
    log: bool = True

    def __post_init__(self):
        check_float(f"{self.name} low", self.low, min_value=0.0, strict_min=self.log)
        check_float(f"{self.name} high", self.high)
        if not self.high > self.low:
            raise ValueError(f"{self.name}: high must be greater than low, got low={self.low}, "
                             f"high={self.high}")

    def to_unit(self, values) -> np.ndarray:
        """Values -> positions in [0, 1] (log10 scale if ``log``); outside the range maps outside [0, 1]."""
        v = np.asarray(values, dtype=float)
        if self.log:
            return (np.log10(v) - math.log10(self.low)) / (math.log10(self.high) - math.log10(self.low))
        return (v - self.low) / (self.high - self.low)

    def from_unit(self, u) -> np.ndarray:
        """Positions in [0, 1] -> values (u = 0.5 is the geometric middle if ``log``)."""
        u = np.asarray(u, dtype=float)
        if self.log:
            return 10 ** (math.log10(self.low) + u * (math.log10(self.high) - math.log10(self.low)))
        return self.low + u * (self.high - self.low)


DEFAULT_SPACE = (Dimension("lr", 1e-4, 1.0, log=True), Dimension("weight_decay", 1e-6, 1e-1, log=True))


def to_unit(space, configs) -> np.ndarray:
    """Configurations (list of dicts) -> (n, len(space)) positions in the unit cube."""
    return np.stack([dim.to_unit([c[dim.name] for c in configs]) for dim in space], axis=1)


def from_unit(space, points) -> list[dict]:
    """(n, len(space)) positions in the unit cube -> configurations (dicts of floats)."""
    points = np.atleast_2d(np.asarray(points, dtype=float))
    if points.shape[1] != len(space):
        raise ValueError(f"points must be (n, {len(space)}) for a space of {len(space)} dimensions, "
                         f"got shape {points.shape}")
    columns = [dim.from_unit(points[:, j]) for j, dim in enumerate(space)]
    return [{dim.name: float(col[i]) for dim, col in zip(space, columns, strict=True)}
            for i in range(len(points))]


class Objective:
    """Validation MSE of a small MLP on noisy sine data, as a function of its hyperparameters.

    ``space`` lists the searched :class:`Dimension` s (names among "lr", "weight_decay",
    "momentum"); hyperparameters not searched keep this object's values. ``seeds`` are the
    initial networks each configuration is trained from (the error is their mean). Data seeds
    are fixed by ``random_state``. The test set is sealed: only :meth:`test_error` reads it.
    """

    def __init__(self, *, space=DEFAULT_SPACE, n_train=40, n_val=200, n_test=1000, noise=0.2, epochs=100,
                 width=16, depth=2, activation="tanh", optimizer="momentum", lr=1e-2, momentum=0.9,
                 weight_decay=0.0, seeds=(0,), random_state=0):
        self.space = _check_space(space)
        self.epochs = check_int("epochs", epochs, min_value=1)
        self.width = check_int("width", width, min_value=1)
        self.depth = check_int("depth", depth, min_value=1)
        self.activation = activation
        self.optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
        self.defaults = {"lr": check_float("lr", lr, min_value=0.0, strict_min=True),
                         "momentum": check_float("momentum", momentum, min_value=0.0, max_value=1.0),
                         "weight_decay": check_float("weight_decay", weight_decay, min_value=0.0)}
        self.seeds = _check_seeds(seeds)
        seed = check_int("random_state", random_state, min_value=0)
        noise = check_float("noise", noise, min_value=0.0)
        self.train = make_sine(check_int("n_train", n_train, min_value=2), noise=noise, random_state=seed)
        self.val = make_sine(check_int("n_val", n_val, min_value=2), noise=noise, random_state=seed + 1)
        self._test = make_sine(check_int("n_test", n_test, min_value=2), noise=noise, random_state=seed + 2)
        self.ceiling = 2 * float(np.mean((self.val[1] - self.train[1].mean()) ** 2))
        self.epochs_spent = 0  # every epoch of every network trained, over this object's life
        self.n_trained = 0  # networks trained
        self._nets = {}

    @property
    def names(self) -> tuple:
        return tuple(dim.name for dim in self.space)

    def __repr__(self) -> str:
        dims = ", ".join(f"{d.name} in [{d.low:g}, {d.high:g}]{' (log)' if d.log else ''}"
                         for d in self.space)
        return (f"Objective(val MSE of MLP 1-{'-'.join([str(self.width)] * self.depth)}-1 {self.activation}, "
                f"{self.optimizer}, {self.epochs} epochs; {dims}; seeds {list(self.seeds)})")

    def check_configs(self, configs) -> list[dict]:
        """A list of dicts, each with exactly the space's names, positive finite values."""
        if isinstance(configs, dict):
            raise TypeError("configs must be a list of dicts; for one configuration pass [config]")
        if not isinstance(configs, (list, tuple)) or not configs:
            raise TypeError(f"configs must be a non-empty list of dicts, got {configs!r:.80}")
        checked = []
        for i, config in enumerate(configs):
            if not isinstance(config, dict) or set(config) != set(self.names):
                raise ValueError(f"configs[{i}] must be a dict with keys {list(self.names)}, "
                                 f"got {config!r:.80}")
            checked.append({name: check_float(f"configs[{i}][{name!r}]", config[name], min_value=0.0,
                                              strict_min=name == "lr") for name in self.names})
        return checked

    def evaluate_per_seed(self, configs, *, epochs=None, seeds=None) -> np.ndarray:
        """Validation MSE of every configuration from every seed: (len(configs), len(seeds)).

        All len(configs) x len(seeds) networks train together in one batched run.
        """
        model, n_seeds = self._train(configs, epochs, seeds)
        return self._errors(model, self.val).reshape(-1, n_seeds)

    def evaluate(self, configs, *, epochs=None, seeds=None) -> np.ndarray:
        """Validation MSE of each configuration, averaged over ``seeds`` (default: the object's): (n,)."""
        return self.evaluate_per_seed(configs, epochs=epochs, seeds=seeds).mean(axis=1)

    def test_error(self, config, *, seeds=None):
        """The sealed test set's MSE of ``config`` retrained for the full epochs (mean over seeds).

        ``config`` a dict gives a float; a list of dicts gives (n,), trained together. Not
        counted in :attr:`epochs_spent`: it is the final check, not part of a search.
        """
        configs = [config] if isinstance(config, dict) else config
        if not isinstance(configs, (list, tuple)):
            raise TypeError(f"config must be a dict with keys {list(self.names)} or a list of them, "
                            f"got {config!r:.80}")
        model, n_seeds = self._train(configs, None, seeds, count=False)
        errors = self._errors(model, self._test).reshape(-1, n_seeds).mean(axis=1)
        return float(errors[0]) if isinstance(config, dict) else errors

    def _train(self, configs, epochs, seeds, *, count=True):
        configs = self.check_configs(configs)
        epochs = self.epochs if epochs is None else check_int("epochs", epochs, min_value=1)
        seeds = self.seeds if seeds is None else _check_seeds(seeds)
        full = [{**self.defaults, **c} for c in configs for _ in seeds]  # k = i * n_seeds + j
        model = self._networks(seeds, len(configs))
        history = fit_batched(model, self.train, epochs=epochs, optimizer=self.optimizer,
                              lr=[c["lr"] for c in full], momentum=[c["momentum"] for c in full],
                              weight_decay=[c["weight_decay"] for c in full], random_state=0)
        final = history.train_loss[-1]
        start = _start_loss(model.n_models, self._nets, seeds)
        model.diverged = (history.diverged_at >= 0) | ~np.isfinite(final) | (final > start)
        if count:
            self.epochs_spent += epochs * model.n_models
            self.n_trained += model.n_models
        return model, len(seeds)

    def _errors(self, model, data) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            errors = mse_per_model(model, data[0], data[1])
        bad = model.diverged | ~np.isfinite(errors)
        return np.where(bad, self.ceiling, np.minimum(errors, self.ceiling))

    def _networks(self, seeds, n_configs):
        """A BatchedMLP of n_configs x len(seeds) networks; seed s gives the same weights everywhere."""
        for s in seeds:
            if s not in self._nets:
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(int(s))
                    net = MLP(1, 1, width=self.width, depth=self.depth, activation=self.activation)
                start = float(np.mean((net(torch.as_tensor(self.train[0], dtype=torch.float32))
                                       .detach().numpy()[:, 0] - self.train[1]) ** 2))
                self._nets[s] = (net, start)
        base = BatchedMLP.from_models([self._nets[s][0] for s in seeds])  # (n_seeds) networks
        # BatchedMLP(K) would draw K inits one by one (0.4 s for K = 600); repeating the seeds' is free
        with torch.no_grad():
            for attr in ("weights", "biases"):
                repeated = [p.repeat(n_configs, 1, 1) for p in getattr(base, attr)]
                setattr(base, attr, torch.nn.ParameterList(torch.nn.Parameter(p) for p in repeated))
        base.n_models = n_configs * len(seeds)
        return base


def _start_loss(K, nets, seeds) -> np.ndarray:
    """(K,): each network's training MSE before training (k = i * n_seeds + j)."""
    return np.tile([nets[s][1] for s in seeds], K // len(seeds))


def _check_space(space):
    if not isinstance(space, (list, tuple)) or not space or not all(isinstance(d, Dimension) for d in space):
        raise TypeError(f"space must be a non-empty tuple of Dimension, got {space!r:.80}")
    names = [d.name for d in space]
    for name in names:
        check_choice("space dimension name", name, ["lr", "weight_decay", "momentum"])
    if len(set(names)) != len(names):
        raise ValueError(f"space has a repeated dimension: {names}")
    return tuple(space)


def _check_seeds(seeds) -> tuple:
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__len__") or len(seeds) < 1:
        raise TypeError(f"seeds must be a non-empty sequence of non-negative ints, got {seeds!r:.80}")
    array = to_numpy("seeds", seeds)
    return tuple(check_int(f"seeds[{j}]", s.item() if hasattr(s, "item") else s, min_value=0)
                 for j, s in enumerate(array))
