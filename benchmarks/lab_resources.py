"""What one learner's kernel costs, lab by lab: peak memory and CPU seconds. Prints a table; asserts nothing.

Each lab runs in a fresh kernel (nbclient, as ``make test`` runs them), in full mode
(``LABKIT_FAST`` unset, what a learner gets) and in fast mode (``LABKIT_FAST=1``). After
Run All the script reads the kernel process's peak resident memory (``VmHWM`` in
``/proc/<pid>/status``: the kernel's high-water mark, which is what a memory limit meets)
and its CPU seconds (user + system, from psutil). Then, in the same kernel, it makes
``--interactions`` changes to the lab's live panels, the way a learner moves sliders and
picks from menus (each change waits for the panel's recompute), and reads both again.
The per-user limits in INSTRUCTORS.md come from these figures.

    .venv/bin/python benchmarks/lab_resources.py                 # every lab, full and fast (~15 min)
    .venv/bin/python benchmarks/lab_resources.py --mode fast --labs 01 05

A JSON copy goes to ``benchmarks/results/lab_resources.json``. Timings depend on what else
the machine is doing; memory hardly does.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
LABS = ROOT / "labs"
RESULTS = ROOT / "benchmarks" / "results"
MIB = 2**20

# The live panels of each lab, by the variable the lab gives them, and the controls a learner
# moves, in turn. ``None`` as the control: the variable is itself a widget (Lab 00's slider).
# Lab 04 has no panel. Controls are stepped to their next option or value (see STEP below).
# 'runs' in the table counts the changes that ended in a recompute ('show models at' only redraws).
INTERACTIONS = {
    "00": [("slider", None)],
    "01": [("panel", "width"), ("panel", "noise"), ("bv_panel", "show"), ("panel", "n_train"),
           ("panel", "depth"), ("bv_panel", "noise"), ("panel", "weight_decay"), ("panel", "activation"),
           ("bv_panel", "n_train"), ("bv_panel", "param")],
    "02": [("leak_panel", "leak"), ("leak_panel", "kind")],
    "03": [("explorer", "activation"), ("explorer", "width"), ("explorer", "depth"),
           ("explorer", "domain_width")],
    "05": [("panel", "activation"), ("panel", "init"), ("panel", "batch_norm"), ("panel", "residual"),
           ("panel", "depth")],
    "06": [("panel", "lr"), ("surfaces", "lr"), ("watch_panel", "lr"), ("panel", "optimizer"),
           ("surfaces", "momentum"), ("surfaces", "surface"), ("watch_panel", "optimizer"),
           ("surfaces", "condition")],
    "07": [("pieces", "l2"), ("stopping", "patience"), ("playground", "l2"), ("pieces", "dropout"),
           ("playground", "dropout"), ("playground", "n_train")],
    "08": [("scale_panel", "scale"), ("bayes_panel", "objective"), ("scale_panel", "n"),
           ("scale_panel", "exponents")],
    "09": [("panel", "bigger"), ("panel", "shift"), ("panel", "augment")],
}

# Kernel-side helper: one "interaction" sets one control to its next option (menus, selection
# sliders), flips it (checkboxes) or moves it one step, wrapping at the end (sliders, seed boxes),
# then waits for the panel's recompute, as a learner waits for the plot.
STEP = '''
import itertools as _it

def _bench_marker(panel):  # changes when a recompute finished (Playground keeps a new history)
    return panel.runs, id(getattr(panel, "history", None))

def _bench_step(control):
    if hasattr(control, "options"):
        control.index = (control.index + 1) % len(control.options)
    elif isinstance(control.value, bool):
        control.value = not control.value
    elif isinstance(control.value, tuple):  # a range slider: move the whole range one step
        low, high = control.value
        if high + control.step > control.max:
            control.value = (control.min, control.min + high - low)
        else:
            control.value = (low + control.step, high + control.step)
    else:
        value = control.value + control.step
        control.value = control.min if value > control.max else value

async def _bench_interact(plan, n):
    errors, recomputes = [], 0
    for _, (panel, name) in zip(range(n), _it.cycle(plan)):
        if name is None:
            _bench_step(panel)
            continue
        controls, before = getattr(panel, "controls", {}), _bench_marker(panel)
        _bench_step(controls[name] if name in controls else getattr(panel, name))
        await panel.wait()
        recomputes += _bench_marker(panel) != before
        if getattr(panel, "last_error", None) is not None:
            errors.append(repr(panel.last_error))
    return errors, recomputes
'''


def kernel_figures(pid: int) -> dict:
    """The kernel's peak and current resident memory (MiB) and its CPU seconds (user + system)."""
    status = Path(f"/proc/{pid}/status").read_text()
    fields = {line.split(":")[0]: line.split()[1] for line in status.splitlines() if line.startswith("Vm")}
    cpu = psutil.Process(pid).cpu_times()
    return {"peak_mib": int(fields["VmHWM"]) / 1024, "rss_mib": int(fields["VmRSS"]) / 1024,
            "cpu_s": cpu.user + cpu.system}


def errors_in(cells) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for c in cells if c.cell_type == "code"
            for o in c.outputs if o.output_type == "error"]


def measure(path: Path, *, fast: bool, interactions: int) -> dict:
    """Run one lab in a fresh kernel, then make ``interactions`` panel changes; the figures after each."""
    env = dict(os.environ)
    env.pop("LABKIT_FAST", None)
    if fast:
        env["LABKIT_FAST"] = "1"
    env["MPLCONFIGDIR"] = tempfile.mkdtemp(prefix="mpl-")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=1800, kernel_name="python3",
                            resources={"metadata": {"path": str(LABS)}})
    row = {"lab": path.stem, "mode": "fast" if fast else "full"}
    client.km = client.create_kernel_manager()
    start = time.perf_counter()
    with client.setup_kernel(env=env):
        pid = client.km.provisioner.process.pid
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        row["run_all"] = {**kernel_figures(pid), "wall_s": time.perf_counter() - start}
        row["errors"] = errors_in(notebook.cells)
        plan = INTERACTIONS.get(path.name[:2])
        if plan and interactions:
            names = ", ".join(f"({panel}, {name!r})" for panel, name in plan)
            code = (f"{STEP}\n_bench = await _bench_interact([{names}], {interactions})\n"
                    "import json as _json\nprint(_json.dumps(_bench))")
            cell = nbformat.v4.new_code_cell(code)
            notebook.cells.append(cell)
            start = time.perf_counter()
            client.execute_cell(cell, len(notebook.cells) - 1)
            row["interact"] = {**kernel_figures(pid), "wall_s": time.perf_counter() - start}
            row["errors"] += errors_in([cell])
            printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream").strip()
            if printed:  # [[panel errors], recomputes]
                panel_errors, row["interact"]["recomputes"] = json.loads(printed)
                row["errors"] += panel_errors
    return row


def table(rows: list[dict], interactions: int) -> str:
    head = (f"{'lab':<34} {'mode':<5} {'Run All: peak MiB':>17} {'CPU s':>6} {'wall s':>7}   "
            f"{f'+{interactions} changes: peak MiB':>24} {'CPU s':>6} {'wall s':>7}  runs  errors")
    lines = [head, "-" * len(head)]
    for r in rows:
        a, b = r["run_all"], r.get("interact")
        after = (f"{b['peak_mib']:>24.0f} {b['cpu_s']:>6.1f} {b['wall_s']:>7.1f}  "
                 f"{b.get('recomputes', '-'):>4}"
                 if b else f"{'(no panel)':>24} {'':>6} {'':>7}  {'':>4}")
        lines.append(f"{r['lab']:<34} {r['mode']:<5} {a['peak_mib']:>17.0f} {a['cpu_s']:>6.1f} "
                     f"{a['wall_s']:>7.1f}   {after}  {len(r['errors'])}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("full", "fast", "both"), default="both")
    parser.add_argument("--labs", nargs="*", default=None, help="lab numbers, e.g. 01 05 (default: all)")
    parser.add_argument("--interactions", type=int, default=20)
    args = parser.parse_args()
    paths = sorted(LABS.glob("*.ipynb"))
    if args.labs:
        paths = [p for p in paths if p.name[:2] in args.labs]
    modes = {"full": [False], "fast": [True], "both": [False, True]}[args.mode]
    rows = []
    for fast in modes:
        for path in paths:
            rows.append(measure(path, fast=fast, interactions=args.interactions))
            r = rows[-1]
            print(f"{r['lab']} ({r['mode']}): peak {r['run_all']['peak_mib']:.0f} MiB after Run All"
                  + (f", {r['interact']['peak_mib']:.0f} MiB after the changes" if "interact" in r else "")
                  + (f"; ERRORS {r['errors']}" if r["errors"] else ""), flush=True)
    print()
    print(table(rows, args.interactions))
    print("\nCPU s: the kernel process's user + system seconds since it started (cumulative); "
          "peak: VmHWM, the kernel's resident high-water mark.")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "lab_resources.json"
    previous = json.loads(out.read_text()) if out.exists() else []
    kept = [r for r in previous if (r["lab"], r["mode"]) not in {(n["lab"], n["mode"]) for n in rows}]
    out.write_text(json.dumps(kept + rows, indent=1))


if __name__ == "__main__":
    main()
