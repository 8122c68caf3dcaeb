"""The data pack documentation matches the schema, and its example pack is valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from stpkit import load_pack, validate
from stpkit.schema import reference_markdown

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- reference:start -->", "<!-- reference:end -->"


def regenerate(text: str, reference: str | None = None) -> str:
    head, rest = text.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{reference_markdown() if reference is None else reference}{END}{tail}"


@pytest.mark.unit
def test_file_reference_in_docs_matches_the_schema():
    """If this fails, run: python -m tools.docs (or copy stpkit.schema.reference_markdown() into the doc)."""
    doc = (ROOT / "docs" / "data-pack.md").read_text()
    assert doc == regenerate(doc)


@pytest.mark.integration
def test_example_pack_in_docs_is_valid_and_minimal():
    folder = ROOT / "docs" / "example-pack"
    assert validate(folder) == []
    assert sorted(p.name for p in folder.iterdir()) == ["activity.csv", "localities.csv", "pack.toml", "pods.csv"]
    assert len(load_pack(folder).localities) == 3


@pytest.mark.unit
def test_scenario_reference_in_docs_matches_the_code():
    """If this fails, run: python -m tools.docs (docs/scenarios.md from stpkit.scenarios.reference_markdown())."""
    from stpkit.scenarios import reference_markdown as scenario_reference

    doc = (ROOT / "docs" / "scenarios.md").read_text()
    assert doc == regenerate(doc, scenario_reference())
