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
