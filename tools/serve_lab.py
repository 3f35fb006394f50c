"""Start JupyterLab on the labs for `make lab`, and print the URL once the server answers.

JupyterLab's own start-up output is a screenful of INFO lines and warnings a learner cannot
act on (no web browser found, language servers skipped), and it prints its URL a few seconds
before the server answers. This script keeps that output in a log file, waits until the
server's API answers with the token, and only then prints one line to open. A busy port is
said plainly (JupyterLab would otherwise move to another port silently).

Usage: python tools/serve_lab.py [--port 8888] [--root labs] [--log .venv/jupyter-lab.log]
The token is $JUPYTER_TOKEN if set, else a fresh random one. Loopback only (127.0.0.1).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import webbrowser
from pathlib import Path

FIRST_LAB = "00_setup_check.ipynb"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def answers(port: int, token: str) -> bool:
    """True once the server's REST API answers 200 to a request carrying the token."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/status",
                                     headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def server_command(port: int, token: str, root: Path) -> list[str]:
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [str(jupyter), "lab", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
               "--no-browser", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    if hasattr(os, "getuid") and os.getuid() == 0:  # containers and CI machines run as root
        command.append("--allow-root")
    return command


def tail(path: Path, n: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--root", type=Path, default=Path("labs"))
    parser.add_argument("--log", type=Path, default=Path(".venv") / "jupyter-lab.log")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the server")
    parser.add_argument("--open", action=argparse.BooleanOptionalAction, default=True,
                        help="open a web browser when one is available")
    args = parser.parse_args(argv)

    if not port_is_free(args.port):
        print(f"Port {args.port} is busy (another JupyterLab?). Stop it, or pick another port: "
              f"make lab PORT={args.port + 2}", file=sys.stderr)
        return 2
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_urlsafe(24)
    args.log.parent.mkdir(parents=True, exist_ok=True)
    print(f"Starting JupyterLab on 127.0.0.1:{args.port} (server log: {args.log}) ...", flush=True)
    start = time.monotonic()
    with open(args.log, "w") as log:
        # its own session: Ctrl+C reaches this script only, which stops the server with SIGTERM
        # (JupyterLab's own Ctrl+C handler asks for a confirmation nobody would see)
        server = subprocess.Popen(server_command(args.port, token, args.root.resolve()), stdout=log,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    stop = lambda *_: server.terminate()  # noqa: E731 (JupyterLab shuts its kernels down on SIGTERM)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not answers(args.port, token):
            if server.poll() is not None:
                print(f"JupyterLab stopped while starting (exit {server.returncode}). The end of its log:\n"
                      f"{tail(args.log)}", file=sys.stderr)
                return server.returncode or 1
            if time.monotonic() - start > args.timeout:
                print(f"JupyterLab did not answer within {args.timeout:.0f} s; see {args.log}",
                      file=sys.stderr)
                server.terminate()
                return 1
            time.sleep(0.25)
        url = f"http://127.0.0.1:{args.port}/lab/tree/{FIRST_LAB}?token={token}"
        print(f"Ready after {time.monotonic() - start:.1f} s. Open this URL in your browser:\n\n    {url}\n\n"
              "Stop the server with Ctrl+C.", flush=True)
        if args.open:
            try:
                webbrowser.get()  # raises where there is none (a server, a container)
                webbrowser.open(url)
            except webbrowser.Error:
                pass
        return server.wait()
    except KeyboardInterrupt:
        print("\nStopping JupyterLab ...", flush=True)
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main())
