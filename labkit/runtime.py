"""Where and how computations run: device, seeds, threads and the fast mode.

Nothing here runs on import. A lab calls :func:`setup` once at its top; tests and
CI set ``LABKIT_FAST=1`` so every lab shrinks its sizes without edits.

Environment variables
---------------------
LABKIT_DEVICE   force a device: ``cpu``, ``cuda``, ``cuda:1``, ``mps``.
LABKIT_FAST     ``1`` switches labs to small sizes (used by tests and CI).
LABKIT_THREADS  number of PyTorch threads; overrides the policy below.
"""

from __future__ import annotations

import contextlib
import numbers
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from labkit.arguments import check_int, check_random_state

_TRUE = {"1", "true", "yes", "on"}


def fast_mode() -> bool:
    """True when ``LABKIT_FAST`` asks for small sizes (tests, CI, slow machines)."""
    return os.environ.get("LABKIT_FAST", "").strip().lower() in _TRUE


def pick(full, fast):
    """Return ``fast`` in fast mode and ``full`` otherwise: ``epochs = pick(500, 50)``."""
    return fast if fast_mode() else full


def get_device(prefer: str | None = None) -> torch.device:
    """Choose CUDA, then Apple MPS, then CPU; ``prefer`` or ``LABKIT_DEVICE`` overrides."""
    wanted = prefer or os.environ.get("LABKIT_DEVICE", "").strip() or None
    if wanted is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(wanted)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be 'cpu', 'cuda', 'cuda:N' or 'mps' (the device or prefer argument, or "
            f"LABKIT_DEVICE), got {wanted!r}"
        ) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {wanted!r} was asked for, but this PyTorch sees no CUDA GPU")
    if device.type == "mps" and not _mps_available():
        raise ValueError(f"device {wanted!r} was asked for, but Apple MPS is not available here")
    if device.type not in {"cpu", "cuda", "mps"}:
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'mps', got {wanted!r}")
    return device


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def seed_everything(random_state: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and every GPU) for a repeatable run."""
    seed = check_int("random_state", random_state, min_value=0, max_value=2**32 - 1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def torch_seed(random_state) -> int:
    """An int seed for torch: ``random_state`` if an int, else a draw from a Generator or from entropy."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(check_int("random_state", random_state, min_value=0, max_value=2**63 - 1))
    return int(check_random_state("random_state", random_state).integers(2**31))


@contextlib.contextmanager
def seeded(random_state) -> Iterator[int]:
    """Run a block with torch's global generator seeded from ``random_state``, restored after.

    ``with seeded(0): model = MLP(1, 1)`` draws the same initial weights every time and
    leaves the caller's random state as it was (scikit-learn's rule: no global seeding).
    ``random_state`` is an int, a numpy Generator (one draw from it) or None (fresh
    entropy); the block gets the int seed used. CUDA generators that are already in use
    are forked too, so a block on the GPU repeats and leaves them alone as well.
    """
    seed = torch_seed(random_state)
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield seed


def configure_threads(n_threads: int | None = None) -> int:
    """Set PyTorch's intra-op thread count and return it.

    Why one thread by default: the lab's models are tiny (a 1-64-64-1 MLP step is
    about 10 microseconds of arithmetic), so a step costs mostly per-operation
    overhead. Splitting such work over threads only adds synchronisation, and when
    another process holds a core the worker threads wait for it: on a 2-core box
    with the other core busy, a step took 31 ms with PyTorch's default 2 threads and
    0.72 ms with 1. PyTorch also sizes its pool from the host's cores and ignores
    container CPU quotas such as Binder's 1 CPU. Big models (CNNs on a GPU box) can
    ask for more with ``n_threads`` or ``LABKIT_THREADS``.
    """
    if n_threads is None:
        from_env = os.environ.get("LABKIT_THREADS", "").strip()
        if from_env:
            if not from_env.isdigit() or int(from_env) < 1:
                raise ValueError(f"LABKIT_THREADS must be a positive integer, got {from_env!r}")
            n_threads = int(from_env)
        else:
            n_threads = 1
    n_threads = check_int("n_threads", n_threads, min_value=1, max_value=max(os.cpu_count() or 1, 1))
    torch.set_num_threads(n_threads)
    return n_threads


@dataclass(frozen=True)
class RuntimeInfo:
    """What :func:`setup` chose; printed at the top of each lab."""

    device: torch.device
    threads: int
    random_state: int
    fast: bool

    def __str__(self) -> str:
        mode = "fast (small sizes)" if self.fast else "full"
        return (f"labkit: device={self.device}, threads={self.threads}, random_state={self.random_state}, "
                f"mode={mode}")


def setup(random_state: int = 0, *, n_threads: int | None = None, device: str | None = None) -> RuntimeInfo:
    """The one call a lab makes first: pick the device, set threads, seed everything."""
    chosen = get_device(device)
    threads = configure_threads(n_threads)
    _warm_up()  # before seeding: the warm-up draws random numbers
    seed_everything(random_state)
    return RuntimeInfo(device=chosen, threads=threads, random_state=random_state, fast=fast_mode())


def _warm_up() -> None:
    """Pay PyTorch's one-off start-up costs here rather than in a learner's first training run.

    The first optimizer a process builds imports ``torch._dynamo`` (about 2-3 s on a
    shared CPU), and the first backward pass initialises autograd's engine. Without
    this, the first slider move of a lab would take seconds instead of milliseconds.
    """
    layer = torch.nn.Linear(1, 1)
    optimizer = torch.optim.Adam(layer.parameters())
    layer(torch.zeros(1, 1)).sum().backward()
    optimizer.step()


_REPORTED_PACKAGES = (
    "torch", "numpy", "scikit-learn", "matplotlib", "ipywidgets", "ipympl", "jupyterlab", "ipykernel",
)


def environment_report() -> dict[str, str]:
    """Versions of Python and the lab's packages, the device, and the GPU's name if any."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    report = {"python": platform.python_version()}
    for package in _REPORTED_PACKAGES:
        try:
            report[package] = version(package)
        except PackageNotFoundError:
            report[package] = "not installed"
    device = get_device()
    report["device"] = str(device)
    if device.type == "cuda":
        report["gpu"] = torch.cuda.get_device_name(device)
    report["threads"] = str(torch.get_num_threads())
    return report
