"""requirements.txt, environment.yml, binder/, pyproject.toml and .ci/run agree with each other and the README."""

import json
import os
import re
import sys
import tomllib
from pathlib import Path

import yaml


def pins_of(lines):
    pins = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(\[[^\]]+\])?==([^\s;]+)", line)
        assert match, f"not an exact pin: {line!r}"
        pins[match.group(1).lower() + (match.group(2) or "")] = match.group(3)
    return pins


def test_requirements_and_environment_yml_list_the_same_pins(repo):
    requirements = pins_of((repo / "requirements.txt").read_text().splitlines())
    environment = yaml.safe_load((repo / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert pins_of(pip_section) == requirements


def test_the_stack_is_pinned(repo):
    requirements = pins_of((repo / "requirements.txt").read_text().splitlines())
    for name in ("jupyterlab", "nbgrader", "tensorflow", "keras", "gymnasium[box2d]", "numpy", "matplotlib",
                 "imageio[ffmpeg]"):
        assert name in requirements, f"{name} is not pinned in requirements.txt"
    assert requirements["nbgrader"].startswith("0.9.") and requirements["jupyterlab"].startswith("4.")
    assert requirements["keras"].startswith("3.")


def test_environment_yml_is_python_311(repo):
    environment = yaml.safe_load((repo / "environment.yml").read_text())
    assert "python=3.11" in environment["dependencies"]


def test_installed_versions_match_the_pins(repo):
    from importlib.metadata import version

    for name, pinned in pins_of((repo / "requirements.txt").read_text().splitlines()).items():
        installed = version(name.split("[")[0])
        assert installed == pinned, f"{name}: installed {installed}, pinned {pinned}"


def test_binder_installs_the_pins_ci_tests(repo):
    requirements = pins_of((repo / "requirements.txt").read_text().splitlines())
    assert pins_of((repo / "binder" / "requirements.txt").read_text().splitlines()) == requirements
    assert (repo / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    assert not (repo / "postBuild").exists(), "with binder/, repo2docker ignores the files at the top"


def test_postbuild_installs_the_course_package(repo):
    postbuild = repo / "binder" / "postBuild"
    assert os.access(postbuild, os.X_OK), "postBuild must be executable for Binder"
    assert "pip install --no-deps -e ." in postbuild.read_text()


def test_repo2docker_builds_binder_with_pip(repo, tmp_path):
    """What Binder would build, written by repo2docker without Docker: Python 3.11, binder/requirements.txt
    through pip, then postBuild; not environment.yml."""
    import subprocess

    result = subprocess.run([str(Path(sys.executable).with_name("repo2docker")), "--no-build", "--debug", str(repo)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    dockerfile = result.stdout + result.stderr
    assert re.search(r"pip install .*-r .*binder/requirements\.txt", dockerfile), dockerfile[-4000:]
    assert "binder/postBuild" in dockerfile and "python=3.11" in dockerfile
    assert "environment.yml" not in dockerfile, "Binder would build the conda environment, which CI does not test"


def test_this_environment_has_the_courses_jupyter_settings(repo):
    """make install (and every route below) copies jupyter-config/ to the environment's etc/jupyter/."""
    installed = Path(sys.prefix) / "etc" / "jupyter"
    for source in sorted((repo / "jupyter-config").iterdir()):
        copy = installed / source.name
        assert copy.is_file() and copy.read_bytes() == source.read_bytes(), \
            f"{copy} is not jupyter-config/{source.name}: run make install again"


def test_every_install_route_copies_the_jupyter_settings(repo):
    routes = {"Makefile": "cp jupyter-config/* $(VENV)/etc/jupyter/",
              "README.md": "cp jupyter-config/* .venv/etc/jupyter/",
              "binder/postBuild": "cp jupyter-config/* ",
              "hub/setup.sh": 'cp "$HERE/jupyter-config/"* "$PREFIX/venv/etc/jupyter/"',
              "hub/kubernetes/Dockerfile": 'cp jupyter-config/* "${CONDA_DIR}/etc/jupyter/"'}
    for route, command in routes.items():
        assert command in (repo / route).read_text(), f"{route} does not copy jupyter-config/ ({command})"
    assert json.loads((repo / "jupyter-config" / "jupyter_config.json").read_text()) == \
        {"KernelManager": {"transport_encryption": "auto"}}


def test_ci_runs_the_readme_test_command(repo):
    readme = (repo / "README.md").read_text()
    ci = (repo / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert ci.strip().endswith("make test") and "rm -rf .venv" in ci
    makefile = (repo / "Makefile").read_text()
    assert "pip install --disable-pip-version-check -r requirements.txt -e \".[test]\"" in makefile
    assert "pip install -r requirements.txt -e \".[test]\"" in readme, "README's manual install must match the Makefile"


def test_binder_badge_opens_notebook_01_in_jupyterlab(repo):
    readme = (repo / "README.md").read_text()
    match = re.search(r"\(https://mybinder\.org/v2/gh/[^/]+/[^/]+/main\?urlpath=lab/tree/([^)]+)\)", readme)
    assert match, "no Binder badge with a JupyterLab urlpath"
    assert (repo / match.group(1)).is_file(), f"the badge opens {match.group(1)}, which does not exist"


def test_the_readme_names_every_option_of_the_hub_scripts(repo):
    readme = (repo / "README.md").read_text()
    options = re.findall(r"^\s*(--[a-z-]+)\)", (repo / "hub" / "setup.sh").read_text(), re.MULTILINE)
    assert len(options) >= 10, options
    commands = re.findall(r"^\s*(add|remove|reset-password|list)[|)]", (repo / "hub" / "users.sh").read_text(),
                          re.MULTILINE)
    for option in options:
        assert re.search(rf"`[^`]*(?<![\w-]){option}(?![\w-])[^`]*`", readme), \
            f"README.md does not say what setup.sh {option} does"
    for command in ("add", "remove", "reset-password", "list"):
        assert f"hub/users.sh {command}" in readme, f"README.md does not show users.sh {command}"
    assert commands, "users.sh has no commands"


def test_every_pin_installs_on_python_312_too(repo, tmp_path):
    """The README says the pins install on Python 3.12 (Ubuntu 24.04's): pip resolves every one, and what they
    need, as wheels for 3.12, installing nothing."""
    import subprocess

    assert "<3.13" in tomllib.loads((repo / "pyproject.toml").read_text())["project"]["requires-python"]
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--dry-run",
                             "--ignore-installed", "--quiet", "--python-version", "3.12", "--only-binary", ":all:",
                             "--target", str(tmp_path / "target"), "--report", str(tmp_path / "report.json"),
                             "-r", str(repo / "requirements.txt")], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    def normal(name):  # PEP 503
        return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()

    chosen = {normal(item["metadata"]["name"]): item["metadata"]["version"] for item in report["install"]}
    for name, pinned in pins_of((repo / "requirements.txt").read_text().splitlines()).items():
        assert chosen[normal(name)] == pinned, name
    tensorflow = next(item for item in report["install"] if item["metadata"]["name"].lower() == "tensorflow")
    assert "cp312" in tensorflow["download_info"]["url"], tensorflow["download_info"]["url"]
