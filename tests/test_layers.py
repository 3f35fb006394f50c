"""The layout holds: every labkit import points the allowed way (read from the source with ast).

core (top-level modules) imports only core; a topic imports core and itself, never another
topic, viz, panels or course; viz never imports panels or course; course never imports panels;
matplotlib, ipywidgets and IPython appear only in viz/ and panels/. Nothing inside labkit
imports through a package's face (its ``__init__``), and no private module or name is
imported across packages.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

import labkit

ROOT = pathlib.Path(labkit.__file__).parent
OUTER = {"viz", "panels", "course"}
TOPICS = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - OUTER
DRAWING = ("matplotlib", "ipywidgets", "IPython", "ipympl", "PIL")
FILES = sorted(ROOT.rglob("*.py"))


def _layer(module: str) -> str:
    """'core', a topic's name, 'viz', 'panels' or 'course' for a dotted labkit module name."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or parts[1] in TOPICS | OUTER else "core"


def _module_of(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    if not dotted.startswith("labkit."):
        return False
    path = ROOT.joinpath(*dotted.split(".")[1:])
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports(path: pathlib.Path) -> list[tuple[str, list[str], int]]:
    """(module, names, line) for every import in the file, wherever it is (inside functions too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [alias.name for alias in node.names]
            modules = [n for n in names if _is_module(f"{node.module}.{n}")]  # `from labkit.x import module`
            found += [(f"{node.module}.{name}", [], node.lineno) for name in modules]
            if len(modules) < len(names):
                found.append((node.module, [n for n in names if n not in modules], node.lineno))
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}:{node.lineno}: relative import; labkit uses absolute ones")
    return found


def allowed(source: str, target: str) -> bool:
    """May a module in layer ``source`` import one in layer ``target``?"""
    if source == "core":
        return target == "core"
    if source in TOPICS:
        return target in ("core", source)
    if source == "viz":
        return target not in ("panels", "course")
    if source == "course":
        return target != "panels"
    return target != "course"  # panels: everything but the exercise sets


def violations() -> list[str]:
    """Every import that breaks a rule, as 'file:line: what'."""
    found = []
    for path in FILES:
        module = _module_of(path)
        source = _layer(module) if module != "labkit" else "face"
        where = f"{path.relative_to(ROOT.parent)}"
        for target, names, line in imports(path):
            top = target.split(".")[0]
            if top in DRAWING and source not in ("viz", "panels"):
                found.append(f"{where}:{line}: {source} imports {target} (drawing is for viz/panels)")
            if top != "labkit" or source == "face":
                continue
            if path.name != "__init__.py" and names and (target in {f"labkit.{t}" for t in TOPICS | OUTER}
                                                         or target == "labkit"):
                found.append(f"{where}:{line}: imports through the face {target}; import the defining module")
            if not allowed(source, _layer(target) if target != "labkit" else "core"):
                found.append(f"{where}:{line}: {source} imports {target} ({_layer(target)})")
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            if any(part.startswith("_") for part in target.split(".")[1:]) or private:
                if _layer(target) != source or target.rsplit(".", 1)[0] != module.rsplit(".", 1)[0]:
                    found.append(f"{where}:{line}: private {target} {private or ''} used across modules")
    return found


def test_the_layers_point_one_way():
    assert violations() == []


def test_every_labkit_file_is_read():
    # a rule over no files passes for nothing: the walk must see every layer
    layers = {_layer(_module_of(p)) for p in FILES if _module_of(p) != "labkit"}
    assert {"core", "viz", "panels", "course"} <= layers and len(layers & TOPICS) >= 3


@pytest.mark.parametrize(("source", "target", "ok"), [
    ("core", "core", True), ("core", "generalization", False), ("core", "viz", False),
    ("generalization", "core", True), ("generalization", "generalization", True),
    ("generalization", "debugging", False), ("debugging", "viz", False), ("gradients", "panels", False),
    ("viz", "gradients", True), ("viz", "panels", False), ("course", "debugging", True),
    ("course", "panels", False), ("panels", "viz", True), ("panels", "course", False),
])
def test_the_rules_themselves(source, target, ok):
    assert allowed(source, target) is ok


def test_a_broken_layer_is_caught(tmp_path, monkeypatch):
    """The checker finds the two breaks that once slipped in: a course importing a panel, a topic drawing."""
    fake = tmp_path / "labkit"
    (fake / "course").mkdir(parents=True)
    (fake / "gradients").mkdir()
    for package in ("", "course", "gradients"):
        (fake / package / "__init__.py").write_text("")
    (fake / "course" / "bad.py").write_text("from labkit.panels.gradient_flow import MonitorPanel\n")
    (fake / "gradients" / "bad.py").write_text("def f():\n    import matplotlib.pyplot as plt\n")
    (fake / "train.py").write_text("from labkit.gradients.bad import f\n")
    (fake / "gradients" / "other.py").write_text("from labkit.arguments import _x\n"
                                               "from labkit.gradients.bad import _y\n"
                                               "from labkit.gradients import f\n")
    monkeypatch.setitem(globals(), "ROOT", fake)
    monkeypatch.setitem(globals(), "FILES", sorted(fake.rglob("*.py")))
    monkeypatch.setitem(globals(), "TOPICS", {"gradients"})
    found = "\n".join(violations())
    assert "course/bad.py:1: course imports labkit.panels.gradient_flow" in found
    assert "gradients/bad.py:2: gradients imports matplotlib.pyplot" in found
    assert "train.py:1: core imports labkit.gradients.bad" in found
    assert "gradients/other.py:1: private labkit.arguments ['_x']" in found
    assert "other.py:2" not in found  # a private name within its own package is fine
    assert "other.py:3: imports through the face labkit.gradients" in found


FACE_SKIPS = {"labkit.debugging": {"forward_checks", "training_checks"},  # reached through the checks' table
              "labkit.panels": {"base"},  # the face shows LivePanel only; the rest is panel plumbing
              "labkit.search": {"study_worker"},  # a command (python -m ...), not a library
              "labkit.viz": {"scales"}}  # the views' axis helpers; the face shows log_axis_suits


@pytest.mark.parametrize("package", sorted(TOPICS | {"viz", "panels"}))
def test_each_face_offers_every_public_name_of_its_modules_once(package):
    import importlib
    import pkgutil

    face = importlib.import_module(f"labkit.{package}")
    for info in pkgutil.iter_modules(face.__path__):
        if info.name in FACE_SKIPS.get(face.__name__, ()):
            continue
        module = importlib.import_module(f"{face.__name__}.{info.name}")
        for name in module.__all__:
            assert getattr(face, name) is getattr(module, name), f"{face.__name__}.{name}"
            assert name in face.__all__
    assert len(face.__all__) == len(set(face.__all__))
