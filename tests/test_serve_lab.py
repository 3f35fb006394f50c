"""`make lab`'s launcher: the URL it prints answers at once, a busy port is said plainly, Ctrl+C stops it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "serve_lab.py"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _launch(port, tmp_path, token="test-token-123"):
    env = {**os.environ, "JUPYTER_TOKEN": token}
    return subprocess.Popen([sys.executable, str(SCRIPT), "--port", str(port), "--no-open",
                             "--log", str(tmp_path / "lab.log")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_printed_url_answers_when_it_is_printed_and_ctrl_c_stops_the_server(tmp_path):
    port = _free_port()
    launcher = _launch(port, tmp_path)
    try:
        lines = []
        for line in launcher.stdout:  # blocks until the launcher prints; no clock involved
            lines.append(line)
            if "?token=" in line:
                break
        url = re.search(r"http://\S+", "".join(lines)).group(0)
        assert url == f"http://127.0.0.1:{port}/lab/tree/00_setup_check.ipynb?token=test-token-123"
        with urllib.request.urlopen(url, timeout=30) as response:  # ready when printed: no retry
            assert response.status == 200
        assert "ServerApp" not in "".join(lines)  # JupyterLab's own log lines went to the log file
        assert "ServerApp" in (tmp_path / "lab.log").read_text()
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=60) == 0
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=5)
    finally:
        if launcher.poll() is None:
            launcher.kill()


def test_a_busy_port_is_named_with_what_to_do(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        launcher = _launch(port, tmp_path)
        out, err = launcher.communicate(timeout=60)
    assert launcher.returncode == 2
    assert f"Port {port} is busy" in err and f"make lab PORT={port + 2}" in err
