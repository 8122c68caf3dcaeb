"""The scenario comparison notebook and page: run headless with papermill, for the footprint, a locality and a pack
without scenarios; a page's scenario parameter in the other notebooks."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import nbformat
import pytest

from stpkit import comparison, pages
from stpkit.pack import load_pack
from stpkit.synthetic import write_synthetic_pack

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "scenario_comparison.ipynb"


def execute(tmp_path: Path, name: str, parameters: dict, notebook: Path = NOTEBOOK) -> str:
    import papermill

    os.environ.pop("STPKIT_DISPLAY", None)
    output = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(str(notebook), str(output), parameters=parameters, kernel_name="python3",
                               progress_bar=False, log_output=False)
    nb = nbformat.read(output, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], "warnings in a report"
    return "\n".join(str(o.get("data", {}).get("text/html", "")) + str(o.get("text", "")) for o in outputs)


@pytest.mark.e2e
def test_comparison_notebook_for_a_locality(tmp_path):
    text = execute(tmp_path, "mse05", {"locality": "MSE05", "scenarios": "comprehensive,interim,third"})
    for words in ("Scenario comparison: Colne Valley", "Comprehensive option: NPV", "Interim option: NPV",
                  "better than Comprehensive option in", "What moves the NPV from Comprehensive option to Interim option",
                  "Interaction of the changes", "Ranges from 1,000 paired draws", "Share of the modelled savings pursued"):
        assert html.escape(words) in text, words
    assert "-£29.5m" in text  # the interim option's NPV, as stpkit compare gives it
    assert text.count("<svg") >= 3
    assert ".csv" not in text and "pack.toml" not in text and not re.search(r"\bseed 00\d", text, re.IGNORECASE)


@pytest.mark.e2e
def test_comparison_notebook_defaults_and_a_pack_without_scenarios(tmp_path):
    text = execute(tmp_path, "default", {})
    for title in ("Comprehensive option", "Do nothing", "Do something", "Interim option", "Third option"):
        assert html.escape(title) in text
    bare = write_synthetic_pack(tmp_path / "bare", localities=5, seed=3)
    text = execute(tmp_path, "bare", {"pack": str(bare), "locality": "L0001"})
    assert "there is nothing to compare: the pack has no scenarios" in text


@pytest.mark.e2e
def test_other_notebooks_take_a_scenario(tmp_path):
    text = execute(tmp_path, "investment", {"scenario": "third"}, ROOT / "notebooks" / "investment_phasing.ipynb")
    assert "Scenario: Third option: lower assumptions on degree and pace" in text
    assert "Years the savings arrive later (pace of change)" in text
    assert "-£32.0m" in text
    assert not re.search(r"\bseed 00\d", text, re.IGNORECASE)


@pytest.mark.integration
def test_comparison_page_figures_match_the_command(tmp_path):
    pack = load_pack()
    page = pages.ComparisonPage(pack, "all", mode="static", scenarios="pack,do-nothing", draws=200)
    result = comparison.compare(pack, "pack,do-nothing", draws=200)
    head = result["headlines"].set_index("measure")
    assert page.figures["npv_gbp_pack"] == pytest.approx(head.loc["npv_gbp", "pack"])
    assert page.figures["gross_savings_gbp_do-nothing"] == 0.0
    assert page.scenario_html() == ""
    assert pages.ComparisonPage(pack, "all", mode="static", scenario="interim", draws=50).names == ["pack", "interim"]
