"""Rewrite the file reference in docs/data-pack.md from stpkit/schema.py: python -m tools.docs"""

from pathlib import Path

from tests.test_docs import ROOT, regenerate

if __name__ == "__main__":
    path = ROOT / "docs" / "data-pack.md"
    path.write_text(regenerate(path.read_text()))
    print(f"rewrote the file reference in {path}")
    from stpkit.scenarios import reference_markdown as scenario_reference

    path = ROOT / "docs" / "scenarios.md"
    path.write_text(regenerate(path.read_text(), scenario_reference()))
    print(f"rewrote the scenario reference in {path}")
