"""The lab's models: a configurable multilayer perceptron and a small CNN for 8x8 digits.

Plain ``torch.nn.Module`` subclasses, nothing more: a learner can read each forward
pass in a few lines and use any of them with an ordinary PyTorch loop.
"""

from __future__ import annotations

import torch
from torch import nn

from labkit.arguments import check_bool, check_choice, check_float, check_int

__all__ = ["ACTIVATIONS", "INITS", "MLP", "SmallCNN", "n_parameters"]

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "silu": nn.SiLU,
    "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU,
    "identity": nn.Identity,
}

INITS = ("default", "kaiming", "xavier", "normal", "zeros")


def _check_dropout(value) -> float:
    value = check_float("dropout", value, min_value=0.0)
    if value >= 1.0:
        raise ValueError(f"dropout must be at least 0.0 and less than 1.0, got {value!r}")
    return value


class MLP(nn.Module):
    """A multilayer perceptron: ``depth`` hidden layers of ``width`` units, then a linear output.

    Parameters
    ----------
    depth : number of hidden layers (at least 1).
    activation : a name from :data:`ACTIVATIONS`.
    dropout : probability of zeroing a hidden unit during training (0 turns it off).
    batch_norm : normalise each hidden layer's pre-activations over the batch; the hidden
        Linear layers then have no bias (batch norm's shift replaces it).
    residual : add each hidden layer's input to its output (``h + f(h)``) where the
        shapes match, i.e. from the second hidden layer on.
    init : how to initialise the weights. ``"default"`` keeps PyTorch's; ``"xavier"``
        (Glorot) suits logistic activations (tanh, sigmoid) and ``"kaiming"`` (He) the
        ReLU family: Glorot for logistic activations, He otherwise. ``"normal"``
        (N(0, 0.01^2), too small on purpose) and ``"zeros"`` (every hidden unit the same,
        so they stay the same) are the two classic mistakes. Biases start at zero for
        every init except ``"default"``.

    Structure (other modules rely on it): ``hidden`` is an ``nn.ModuleList`` of ``depth``
    ``nn.Linear`` layers (``bias=None`` with batch norm), ``output`` the final ``nn.Linear``;
    ``norms`` (or None), ``act`` and ``drop`` (or None) hold the rest.
    """

    def __init__(self, in_features: int, out_features: int, *, width: int = 64, depth: int = 2,
                 activation: str = "relu", dropout: float = 0.0, batch_norm: bool = False,
                 residual: bool = False, init: str = "default"):
        super().__init__()
        in_features = check_int("in_features", in_features, min_value=1)
        out_features = check_int("out_features", out_features, min_value=1)
        width = check_int("width", width, min_value=1)
        depth = check_int("depth", depth, min_value=1)
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        self.dropout = _check_dropout(dropout)
        self.batch_norm = check_bool("batch_norm", batch_norm)
        self.residual = check_bool("residual", residual)
        self.init = check_choice("init", init, INITS)

        sizes = [in_features] + [width] * depth
        # Batch norm subtracts the batch mean right after each hidden Linear layer, so a bias
        # there is cancelled: it gets a gradient of ~0, wastes parameters and hides in weight
        # decay. Leaving it on is one of the "top 10 most common DL bugs" (Hincapie-Potes,
        # The Arcane Arts of Training Neural Nets); batch norm's own shift takes its place.
        self.hidden = nn.ModuleList(nn.Linear(a, b, bias=not batch_norm)
                                    for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        self.output = nn.Linear(width, out_features)
        # Optional parts are None rather than nn.Identity: skipping them costs nothing per step.
        self.norms = nn.ModuleList(nn.BatchNorm1d(width) for _ in range(depth)) if batch_norm else None
        self.act = ACTIVATIONS[activation]()
        self.drop = nn.Dropout(self.dropout) if self.dropout > 0 else None
        _initialise(self, init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, in_features) -> (N, out_features)
        h = x
        for i, linear in enumerate(self.hidden):
            z = linear(h)
            if self.norms is not None:
                z = self.norms[i](z)
            z = self.act(z)
            if self.drop is not None:
                z = self.drop(z)
            h = h + z if self.residual and i > 0 else z
        return self.output(h)

    def __repr__(self) -> str:
        sizes = [self.hidden[0].in_features] + [layer.out_features for layer in self.hidden]
        parts = ["-".join(str(s) for s in sizes + [self.output.out_features]), self.activation]
        if self.dropout:
            parts.append(f"dropout={self.dropout:g}")
        parts += [name for name in ("batch_norm", "residual") if getattr(self, name)]
        if self.init != "default":
            parts.append(f"init={self.init!r}")
        return f"MLP({', '.join(parts)})"


def _initialise(model: nn.Module, init: str) -> None:
    """Re-initialise every Linear and Conv layer of ``model`` (``"default"`` leaves them)."""
    if init == "default":
        return
    for module in model.modules():
        if not isinstance(module, (nn.Linear, nn.Conv2d)):
            continue
        weight = module.weight
        if init == "kaiming":
            nn.init.kaiming_normal_(weight, nonlinearity="relu")  # std = sqrt(2 / fan_in)
        elif init == "xavier":
            nn.init.xavier_uniform_(weight)  # variance 2 / (fan_in + fan_out)
        elif init == "normal":
            nn.init.normal_(weight, mean=0.0, std=0.01)
        else:
            nn.init.zeros_(weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


class SmallCNN(nn.Module):
    """A small CNN for 8x8 single-channel digits: two conv blocks, then a linear classifier.

    Each block is two 3x3 convolutions (padding 1, so the size is kept) followed by 2x2
    max pooling: (N, 1, 8, 8) -> (N, channels, 4, 4) -> (N, 2 * channels, 2, 2) -> logits
    of shape (N, n_classes). ``init`` re-initialises the conv and linear weights as
    :class:`MLP`'s does (one of :data:`INITS`; "default" keeps PyTorch's).
    """

    def __init__(self, n_classes: int = 10, *, channels: int = 16, dropout: float = 0.0,
                 batch_norm: bool = True, init: str = "default"):
        super().__init__()
        self.n_classes = check_int("n_classes", n_classes, min_value=2)
        self.channels = check_int("channels", channels, min_value=1)
        self.dropout = _check_dropout(dropout)
        self.batch_norm = check_bool("batch_norm", batch_norm)
        c = self.channels
        self.features = nn.Sequential(
            *self._block(1, c), nn.MaxPool2d(2),  # (N, c, 4, 4)
            *self._block(c, 2 * c), nn.MaxPool2d(2),  # (N, 2c, 2, 2)
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(self.dropout), nn.Linear(8 * c, n_classes))
        self.init = check_choice("init", init, INITS)
        _initialise(self, self.init)

    def _block(self, c_in: int, c_out: int) -> list[nn.Module]:
        layers = []
        for a, b in ((c_in, c_out), (c_out, c_out)):
            # with batch norm right after, a conv bias would only be cancelled out
            layers.append(nn.Conv2d(a, b, kernel_size=3, padding=1, bias=not self.batch_norm))
            if self.batch_norm:
                layers.append(nn.BatchNorm2d(b))
            layers.append(nn.ReLU())
        return layers

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, 1, 8, 8) -> (N, n_classes)
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, 8, 8):
            raise ValueError(
                f"SmallCNN expects input of shape (N, 1, 8, 8), got {tuple(x.shape)}; "
                "reshape flat digits with X.reshape(-1, 1, 8, 8)"
            )
        return self.classifier(self.features(x))

    def __repr__(self) -> str:
        bn = ", batch_norm" if self.batch_norm else ""
        drop = f", dropout={self.dropout:g}" if self.dropout else ""
        init = f", init={self.init!r}" if self.init != "default" else ""
        return f"SmallCNN(1x8x8 -> {self.n_classes} classes, channels={self.channels}{drop}{bn}{init})"


def n_parameters(model: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of (trainable, by default) parameters in ``model``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    trainable_only = check_bool("trainable_only", trainable_only)
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
