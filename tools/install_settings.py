"""Install the JupyterLab settings the labs rely on into this Python environment.

Writes ``{sys.prefix}/share/jupyter/lab/settings/overrides.json``, merging our keys
into any file already there. Used by ``make install`` and by ``binder/postBuild``.

Why these settings:
- commsOverSubshells "disabled": JupyterLab 4.4+ with ipykernel 7 otherwise runs
  widget callbacks on a separate thread, concurrently with cells; matplotlib is not
  thread-safe (blank or broken figures), so every callback must run on the kernel's
  main thread.
- autoStartDefaultKernel: no "Select Kernel" dialog when a lab opens.
- fetchNews "false": no news toast over the first cell in a workshop.
- saveState true (the widget manager): a saved lab keeps its widgets' last state, so a
  reopened notebook shows its figures and panels (frozen until the cells run again)
  instead of "Error displaying widget: model not found".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "jupyter" / "overrides.json"


def target(prefix: str = sys.prefix) -> Path:
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def install(prefix: str = sys.prefix) -> Path:
    ours = json.loads(SOURCE.read_text())
    path = target(prefix)
    merged = json.loads(path.read_text()) if path.exists() else {}
    for plugin, values in ours.items():
        merged.setdefault(plugin, {}).update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=2) + "\n")
    return path


if __name__ == "__main__":
    print(f"JupyterLab settings written to {install()}")
