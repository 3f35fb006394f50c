"""Shared fixtures: a fake clock for the live panels, a real JupyterLab server on loopback and a headless
Chromium page."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_configure(config):
    """The labs write their key runs to the course logbook: in tests, a throwaway one per process
    (the labs run in kernels that inherit this), never the learner's ~/.labkit/logbook.db."""
    folder = tempfile.mkdtemp(prefix="labkit-logbook-")
    os.environ["LABKIT_LOGBOOK"] = os.path.join(folder, "course.db")


@pytest.fixture(autouse=True, scope="session")
def _one_thread_for_the_session():
    """labkit's thread policy (see runtime.configure_threads): tiny models run fastest on one thread.
    Session-wide, so that module-scoped fixtures computing results run under it too."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _one_thread(_one_thread_for_the_session):
    """Back to one thread after a test that changed it (the runtime tests do)."""
    import torch

    yield
    torch.set_num_threads(1)


class FakeClock:
    """A stand-in for ``time.perf_counter``: time moves ``tick`` s a reading, or as :meth:`advance` says.

    Installed as :attr:`labkit.panels.base.LivePanel.clock`, it makes a panel's pacing (frames per
    second, how often it yields) a matter of counting, not of how fast this machine happens to be.
    """

    def __init__(self, tick: float = 0.0):
        self.tick, self.now, self.readings = tick, 0.0, 0

    def __call__(self) -> float:
        self.readings += 1
        self.now += self.tick
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def advancing(self, iterable, seconds: float):
        """``iterable``'s items, each ``seconds`` later than the last: e.g. an epoch that takes that long."""
        for item in iterable:
            self.now += seconds
            yield item


@pytest.fixture
def fake_clock(monkeypatch):
    """``fake_clock(tick)`` installs a :class:`FakeClock` as every live panel's clock and returns it."""
    from labkit.panels.base import LivePanel

    def install(tick: float = 0.0) -> FakeClock:
        clock = FakeClock(tick)
        monkeypatch.setattr(LivePanel, "clock", clock)  # an instance, not a function: no method binding
        return clock

    return install


def chromium_path() -> str:
    """Debian's chromium; in CI a missing browser fails the test instead of skipping it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("chromium is not installed; `make test` installs Debian's package as root")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """Start JupyterLab on 127.0.0.1 with a random token, in throwaway config folders."""
    home = tmp_path_factory.mktemp("jupyter")
    env = dict(os.environ, LABKIT_FAST="1", MPLCONFIGDIR=str(home / "mpl"))
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                 "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        env[name] = str(home / name.lower())
    env.pop("MPLBACKEND", None)  # the notebook chooses ipympl itself
    # Serve a copy: JupyterLab autosaves a notebook it runs, outputs and all, and the
    # repository's labs must stay without outputs.
    labs = home / "labs"
    shutil.copytree(ROOT / "labs", labs, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    port, token = free_port(), secrets.token_urlsafe(24)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={labs}",
        "--LabApp.expose_app_in_browser=True",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = open(home / "server.log", "w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/api/status?token={token}", server, home / "server.log")
        yield {"base": base, "token": token, "log": home / "server.log"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _wait_for(url, server, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{log_path.read_text()[-3000:]}")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Make ``--dist loadgroup`` honour ``xdist_group`` under pytest 9.

    pytest-xdist 3.8 tags a grouped test by setting ``item._nodeid``, which pytest 9 no longer
    reads (a node's id now lives in ``item._id``), so every group was spread over the workers:
    the site build (every lab, ~150 s) ran once per worker. This tags them as xdist meant to.
    """
    if not (hasattr(config, "workerinput") and config.getvalue("loadgroup")):
        return
    from _pytest.nodeid import coerce_node_id

    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})
        if names and "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(names)}")
