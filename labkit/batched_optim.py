"""One optimizer step for K models at once, each with its own hyperparameters.

:func:`labkit.batched.fit_batched` keeps all K models' parameters in one (K, P) tensor
``theta`` (row k: model k). torch.optim takes one learning rate per parameter group and a
group holds whole tensors, so one tensor holding K models cannot get K rates, K momenta
or K schedules from it. :class:`BatchedOptimizer` applies torch.optim's update rules row
by row instead, with a (K, 1) column per hyperparameter:

- "sgd", "momentum", "nesterov": torch.optim.SGD's rule (dampening 0):
  ``g = grad + wd * theta; v = mu * v + g; theta -= lr * (g + mu * v if nesterov else v)``.
- "adam", "adamw": an Adam step is proportional to lr, so torch.optim.Adam with lr=1
  (its fused kernel, one pass) writes each parameter's unit step into a zeroed tensor
  and row k is scaled by lr[k]: torch's own math (betas 0.9/0.999, eps 1e-8, bias
  correction) with K rates. Written out in whole-tensor ops it took nine passes over
  theta and measured several times slower. "adam" adds L2 to the gradient, as
  torch.optim.Adam does; "adamw" decays the weights directly (Loshchilov and Hutter 2019):
  ``theta *= 1 - lr * wd`` before the step.

The rate of step t is ``lr[k] * factors[t, k]``: a schedule is a table of factors.
"""

from __future__ import annotations

import torch

from labkit.arguments import check_choice

__all__ = ["BATCHED_OPTIMIZERS", "BatchedOptimizer"]

BATCHED_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw")


class BatchedOptimizer:
    """Updates ``theta`` (K, P) in place; ``lr``, ``momentum``, ``weight_decay`` hold K floats each.

    ``factors`` (T, K) multiplies the rates: row t for the t-th schedule unit (an epoch
    or a step, as the caller counts). A model whose ``alive`` entry is False does not
    move; NaN/Inf gradients in its row are zeroed so they cannot leak into the others.
    """

    def __init__(self, theta, *, name, lr, momentum, weight_decay, factors):
        self.name = check_choice("optimizer", name, BATCHED_OPTIMIZERS)
        self.theta = theta
        self.lr = theta.new_tensor(lr)[:, None]  # (K, 1)
        self.factors = theta.new_tensor(factors)  # (T, K)
        self.decay = theta.new_tensor(weight_decay)[:, None] if any(weight_decay) else None
        self.mu = theta.new_tensor(momentum)[:, None] if name in ("momentum", "nesterov") else None
        self.velocity = torch.zeros_like(theta) if self.mu is not None else None
        self.scale = torch.empty_like(self.lr)  # (K, 1): this step's lr, 0 for a frozen model
        self.adam = None
        if name in ("adam", "adamw"):
            self.delta = torch.zeros_like(theta, requires_grad=True)
            fused = True if theta.device.type in ("cpu", "cuda") else None
            self.adam = torch.optim.Adam([self.delta], lr=1.0, fused=fused)

    def rates(self, t: int) -> torch.Tensor:
        """The K learning rates of schedule unit ``t`` (the last row of factors after the table ends)."""
        return self.lr[:, 0] * self.factors[min(t, len(self.factors) - 1)]

    def step(self, grad, alive, t: int) -> None:
        """One update of every live row, with rates ``lr * factors[t]``; ``grad`` is (K, P), overwritten."""
        factor = self.factors[min(t, len(self.factors) - 1)][:, None]
        torch.mul(self.lr, factor, out=self.scale).mul_(alive[:, None])  # (K, 1)
        grad.nan_to_num_(0.0, 0.0, 0.0)  # only diverged rows have any; they are frozen below
        if self.decay is not None and self.name == "adamw":
            self.theta.mul_(1 - self.scale * self.decay)  # decoupled: before the step, as torch.optim.AdamW
        elif self.decay is not None:
            grad.addcmul_(self.theta, self.decay)  # + weight_decay[k] * theta, row by row (L2)
        if self.adam is not None:
            self.delta.grad = grad
            self.delta.zero_()
            self.adam.step()  # delta = -(Adam's step for lr = 1)
            self.theta.addcmul_(self.delta.nan_to_num_(0.0, 0.0, 0.0), self.scale)
            return
        direction = grad
        if self.mu is not None:
            self.velocity.mul_(self.mu).add_(grad)  # v = mu * v + g (torch: dampening 0)
            direction = grad.addcmul_(self.velocity, self.mu) if self.name == "nesterov" else self.velocity
        self.theta.addcmul_(direction, self.scale, value=-1.0)
