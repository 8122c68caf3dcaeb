"""The install: pyproject.toml and environment.yml list the same packages, with lower bounds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _requirement(text: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(>=\s*[0-9][^\s,;]*)?", text)
    assert match, text
    return match.group(1).lower().replace("_", "-"), (match.group(3) or "").replace(" ", "")


def pyproject_packages() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = {}
    for line in project["dependencies"]:
        name, bound = _requirement(line)
        if "[distributed]" in line:
            found["distributed"] = bound
        found[name] = bound
    return found


def environment_packages() -> dict[str, str]:
    found = {}
    in_deps = False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        item = re.match(r"^  - (?!pip:)(\S.*)$", line)
        if in_deps and item:
            name, bound = _requirement(item.group(1))
            if name not in ("python", "pip"):
                found[name] = bound
    return found


@pytest.mark.unit
def test_environment_yml_lists_the_same_packages_as_pyproject():
    assert environment_packages() == pyproject_packages()


@pytest.mark.unit
def test_every_dependency_has_a_lower_bound():
    assert all(bound.startswith(">=") for bound in pyproject_packages().values())


@pytest.mark.unit
def test_environment_installs_the_package_itself_with_pip_editable():
    assert "      - -e ." in (ROOT / "environment.yml").read_text().splitlines()


@pytest.mark.unit
def test_every_file_stpkit_reads_besides_its_code_ships_with_it():
    """The apps' page template (stpkit/apps/templates/) and py.typed are package data: a wheel holds only
    the data files pyproject.toml names, so each such file under stpkit/ must match one of its patterns."""
    import fnmatch

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["stpkit"]
    package = ROOT / "stpkit"
    data = [path.relative_to(package).as_posix() for path in package.rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts]
    assert "apps/templates/index.html.j2" in data
    assert [name for name in data if not any(fnmatch.fnmatch(name, p) for p in patterns)] == []
