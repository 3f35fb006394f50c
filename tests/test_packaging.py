"""The set-up files agree with each other: pyproject, environment.yml, binder/, CI."""

import json
import re
import sys
from pathlib import Path

import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent

# conda-forge names that differ from the PyPI ones
CONDA_TO_PYPI = {"pytorch-cpu": "torch", "matplotlib-base": "matplotlib"}
CONDA_ONLY = {"python", "pip"}


def pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    listed = project["dependencies"] + extras["dev"]
    for requirement in map(Requirement, extras["dev"]):  # "labkit[tensorboard]": dev takes that extra too
        if requirement.name == project["name"]:
            listed = [r for r in listed if Requirement(r).name != project["name"]]
            listed += [r for extra in requirement.extras for r in extras[extra]]
    return {Requirement(r).name.lower(): Requirement(r) for r in listed}


def conda_names(path):
    spec = yaml.safe_load(path.read_text())
    names = {}
    for entry in spec["dependencies"]:
        assert isinstance(entry, str), f"{path.name}: no pip section expected, got {entry!r}"
        name, _, version = entry.partition("=")
        names[CONDA_TO_PYPI.get(name, name)] = version
    return {n: v for n, v in names.items() if n not in CONDA_ONLY}


def test_pyproject_and_environment_name_the_same_dependencies():
    assert set(conda_names(ROOT / "environment.yml")) == set(pyproject_requirements())


def test_environment_pins_satisfy_pyproject_ranges():
    requirements = pyproject_requirements()
    for name, version in conda_names(ROOT / "environment.yml").items():
        assert version, f"environment.yml must pin {name}"
        allowed = requirements[name].specifier
        assert allowed.contains(version), f"environment.yml pins {name}={version}, outside {allowed}"


def test_every_environment_line_says_why():
    lines = [line for line in (ROOT / "environment.yml").read_text().splitlines() if line.startswith("  - ")]
    deps = [line for line in lines if "conda-forge" not in line]
    assert deps and all("#" in line for line in deps), "each dependency needs a comment saying why"


def test_binder_matches_environment_and_installs_labkit():
    assert (ROOT / "binder" / "environment.yml").read_text() == (ROOT / "environment.yml").read_text()
    post_build = (ROOT / "binder" / "postBuild").read_text().splitlines()
    commands = [line for line in post_build if line and not line.startswith("#")]
    assert commands[0] == "set -e"
    assert "pip install --no-deps -e ." in commands
    assert "python tools/install_settings.py" in commands


def test_torch_is_pinned_to_the_cpu_wheel_and_ipykernel_avoids_the_thread_bug():
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    pairs = (line.split("==") for line in lines if "==" in line and not line.startswith("#"))
    pins = {name.lower(): version for name, version in pairs}
    assert pins["torch"] == "2.13.0"
    ipykernel = pyproject_requirements()["ipykernel"]
    assert not ipykernel.specifier.contains("7.0.0") and not ipykernel.specifier.contains("7.0.1")
    assert Version(pins["ipykernel"]) >= Version("7.1.0")
    for name, requirement in pyproject_requirements().items():
        pin = pins[name.lower()]
        assert requirement.specifier.contains(pin), f"constraints.txt: {name}=={pin} not in {requirement}"


def test_lab_settings_disable_comms_over_subshells_in_this_environment():
    installed = Path(sys.prefix) / "share/jupyter/lab/settings/overrides.json"
    assert installed.exists(), "run tools/install_settings.py (make install does)"
    settings = json.loads(installed.read_text())
    assert settings["@jupyterlab/apputils-extension:kernels-settings"]["commsOverSubshells"] == "disabled"
    assert settings["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True  # reopened labs


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_lab_command_binds_loopback_with_a_token():
    makefile = (ROOT / "Makefile").read_text()
    lab = makefile[makefile.index("\nlab:"):].split("\n\n")[0]
    assert "tools/serve_lab.py" in lab
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import serve_lab
    finally:
        sys.path.pop(0)
    command = serve_lab.server_command(8888, "secret-token", ROOT / "labs")
    assert "--ip=127.0.0.1" in command and "--IdentityProvider.token=secret-token" in command
    assert "--ServerApp.port_retries=0" in command  # the printed port is the port it serves on


def test_the_wheel_holds_every_labkit_package_and_module(tmp_path):
    """Build the wheel as a non-editable install would and compare its files with the source tree."""
    import shutil
    import subprocess
    import zipfile

    project = tmp_path / "project"  # a copy: a stale build/ in the checkout could add removed modules
    shutil.copytree(ROOT / "labkit", project / "labkit", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "--wheel-dir", str(tmp_path), str(project)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("labkit-*.whl")
    packaged = {name for name in zipfile.ZipFile(wheel).namelist() if name.endswith(".py")}
    source = {str(p.relative_to(ROOT)) for p in (ROOT / "labkit").rglob("*.py")}
    assert packaged == source
    packages = {Path(name).parent.as_posix() for name in source}
    assert {"labkit", "labkit/course", "labkit/viz", "labkit/panels"} <= packages and len(packages) >= 7
