import subprocess
import sys

import numpy as np
import pytest
import torch

from labkit import runtime


def test_import_has_no_side_effects():
    """Importing labkit (and every submodule) must not touch threads, seeds or rcParams."""
    code = (
        "import torch, numpy, random, matplotlib\n"
        "torch.set_num_threads(2); before = (torch.get_num_threads(), torch.initial_seed(),"
        " dict(matplotlib.rcParams))\n"
        "state = numpy.random.get_state()[1].copy(); py = random.getstate()\n"
        "import importlib, labkit\n"
        "import pkgutil\n"
        "for m in pkgutil.walk_packages(labkit.__path__, 'labkit.'): importlib.import_module(m.name)\n"
        "after = (torch.get_num_threads(), torch.initial_seed(), dict(matplotlib.rcParams))\n"
        "assert before == after, 'labkit import changed torch threads, seed or rcParams'\n"
        "assert (numpy.random.get_state()[1] == state).all() and random.getstate() == py\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_every_submodule_is_listed_and_loads_lazily():
    import importlib
    import pkgutil

    import labkit

    listed = (*labkit.CORE, *labkit.TOPICS, *labkit.OUTER)
    public = {m.name for m in pkgutil.iter_modules(labkit.__path__) if not m.name.startswith("_")}
    assert public == set(listed)
    packages = {m.name for m in pkgutil.iter_modules(labkit.__path__) if m.ispkg}
    assert packages == set(labkit.TOPICS) | set(labkit.OUTER)
    for name in listed:
        assert getattr(labkit, name) is importlib.import_module(f"labkit.{name}")


def test_setup_sets_threads_seed_and_reports(monkeypatch):
    monkeypatch.delenv("LABKIT_THREADS", raising=False)
    monkeypatch.delenv("LABKIT_DEVICE", raising=False)
    info = runtime.setup(random_state=7)
    assert torch.get_num_threads() == 1 == info.threads
    first = torch.rand(3), np.random.rand(3)
    runtime.setup(random_state=7)
    second = torch.rand(3), np.random.rand(3)
    assert torch.equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert "random_state=7" in str(info) and "device=cpu" in str(info)


def test_thread_count_from_environment(monkeypatch):
    monkeypatch.setenv("LABKIT_THREADS", "2")
    try:
        assert runtime.configure_threads() == 2 == torch.get_num_threads()
    finally:
        runtime.configure_threads(1)


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_bad_thread_environment_is_named(monkeypatch, value):
    monkeypatch.setenv("LABKIT_THREADS", value)
    with pytest.raises(ValueError, match="LABKIT_THREADS"):
        runtime.configure_threads()


def test_fast_mode_switch(monkeypatch):
    monkeypatch.setenv("LABKIT_FAST", "1")
    assert runtime.fast_mode() and runtime.pick(500, 20) == 20
    monkeypatch.setenv("LABKIT_FAST", "0")
    assert not runtime.fast_mode() and runtime.pick(500, 20) == 500


def test_device_override_and_errors(monkeypatch):
    monkeypatch.setenv("LABKIT_DEVICE", "cpu")
    assert runtime.get_device() == torch.device("cpu")
    monkeypatch.delenv("LABKIT_DEVICE")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert runtime.get_device().type in {expected, "mps"}
    with pytest.raises(ValueError, match="'banana'"):
        runtime.get_device("banana")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA"):
            runtime.get_device("cuda")


def test_setup_pays_start_up_costs_and_leaves_the_seed_exact():
    code = (
        "import sys, torch, labkit\n"
        "labkit.setup(random_state=3)\n"
        "a = torch.rand(3)\n"
        "torch.manual_seed(3)\n"
        "assert torch.equal(a, torch.rand(3)), 'the warm-up disturbed the seed'\n"
        "assert 'torch._dynamo' in sys.modules, 'the first optimizer would import dynamo (seconds)'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"random_state": -1}, ValueError, "random_state"),
        ({"random_state": 1.5}, TypeError, "random_state"),
        ({"random_state": 0, "n_threads": 0}, ValueError, "n_threads"),
        ({"random_state": 0, "n_threads": "2"}, TypeError, "n_threads"),
    ],
)
def test_setup_rejects_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        runtime.setup(**kwargs)
    runtime.configure_threads(1)


def test_environment_report_names_versions():
    report = runtime.environment_report()
    assert report["torch"] == torch.__version__.split("+")[0] or report["torch"] == torch.__version__
    assert report["python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}")
    assert report["device"] in {"cpu", "cuda", "mps"}
