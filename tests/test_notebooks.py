"""The notebooks: committed clean, and run headless by papermill for any locality of any valid pack.

The runs are the ones issue 4 asks for, kept lean for a 2-core machine and run two at a time:
the default pack for the whole footprint; a synthetic pack with every optional file for a locality
with an awkward name (apostrophes, an ampersand, brackets); and a synthetic pack with only the four
required files for a locality of 3,200 people. One executed notebook is exported to HTML as a report
would be (no code) and checked for scripts from the network; one runs in interactive mode, as
JupyterLab and Voila run it, to check the widgets path in a real kernel.
"""

from __future__ import annotations

import html
import json
import multiprocessing
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from stpkit.synthetic import write_synthetic_pack

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NAMES = ("needs_analysis", "locality_deep_dive", "investment_phasing", "workforce_gap", "bed_capacity",
         "plan_on_a_page", "budgets")
AWKWARD = "St Mary's & St John's (North)"  # L0001 of a synthetic pack

# Words every run's headline shows (the first words of the headline cards).
HEADLINES = {
    "needs_analysis": ["People", "Care coordinators needed", "Cutting emergency admissions by 10%"],
    "locality_deep_dive": ["Gross savings in 2020/21"],
    "investment_phasing": ["Investment made", "Net present value", "Payback"],
    "workforce_gap": ["Care coordinators needed", "GP time released"],
    "bed_capacity": ["Beds"],
    "plan_on_a_page": ["Do nothing, 2020/21", "Solutions, 2020/21", "Do something, 2020/21",
                       "Published figures that do not add up"],
    "budgets": ["Weighted population", "Fair share of the budget", "Distance from target"],
}
# What a pack with only the four required files must say instead of failing (in words, not file names).
MISSING = {
    "needs_analysis": [],
    "locality_deep_dive": ["the localities' phasing"],
    "investment_phasing": ["the planned investment", "the localities' phasing"],
    "workforce_gap": ["the staff in post (workforce supply)"],
    "bed_capacity": ["lengths of stay"],
    "plan_on_a_page": ["the initiatives and their finance", "the plan's priorities", "the initiatives' milestones",
                       "the workstream interdependencies", "a risk register"],
    "budgets": ["people by age band"],
}
# Charts a run draws at least (a pack without the optional files shows notes in their place).
MIN_CHARTS = {("investment_phasing", "required_only"): 0, ("plan_on_a_page", "synthetic"): 2,
              ("plan_on_a_page", "required_only"): 1, ("bed_capacity", "required_only"): 0}


def _tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location("strip_notebooks", ROOT / "tools" / "strip_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------------------------
# Committed notebooks


@pytest.mark.unit
@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_clean_and_parameterised(name):
    """No outputs or run metadata; kernelspec and language_info (papermill needs both); a parameters cell."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert _tool().problems(nb) == []
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata["tags"]
    assert re.search(r"^pack = None\b", first.source, re.M) and re.search(r'^locality = "all"', first.source, re.M)


@pytest.mark.unit
@pytest.mark.parametrize("name", NAMES)
def test_papermill_reads_every_parameter_with_its_help(name, caplog):
    """`papermill --help-notebook` lists every parameter: a second "=" on a line (in its comment) hides it."""
    from papermill.translators import PythonTranslator

    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    with caplog.at_level("WARNING", logger="papermill"):
        found = PythonTranslator.inspect(first)
    assigned = re.findall(r"^(\w+)\s*=", first.source, re.M)
    assert [p.name for p in found] == assigned and all(p.help for p in found)
    assert "Unable to parse" not in caplog.text


@pytest.mark.unit
def test_hygiene_check_catches_outputs_and_a_lost_parameters_tag():
    tool = _tool()
    nb = nbformat.read(NOTEBOOKS / "needs_analysis.ipynb", as_version=4)
    dirty = nbformat.from_dict(json.loads(json.dumps(nb)))
    code = [c for c in dirty.cells if c.cell_type == "code"]
    code[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello")]
    code[1].execution_count = 3
    code[0].metadata["tags"] = []
    del dirty.metadata["language_info"]
    found = "\n".join(tool.problems(dirty))
    for words in ("has outputs", "execution count", "not tagged 'parameters'", "language_info"):
        assert words in found
    assert tool.problems(tool.stripped(dirty)) != []  # stripping cannot bring back a lost tag ...
    clean = tool.stripped(nb)
    first_code = next(c for c in clean.cells if c.cell_type == "code")
    assert tool.problems(clean) == [] and first_code.metadata["tags"] == ["parameters"]  # ... and keeps it
    assert tool.parameter_problems("pack = None\nlocality = pack\n") != []  # derived values are refused


# ---------------------------------------------------------------------------------------------
# Headless runs


def _execute(notebook: str, output: str, parameters: dict, env: dict) -> dict:
    """Run one notebook with papermill in a fresh kernel (in a worker process); report what happened."""
    import papermill

    for key in [k for k in os.environ if k.startswith("VOILA_") or k in ("JPY_SESSION_NAME", "STPKIT_DISPLAY")]:
        del os.environ[key]
    os.environ.update(env)
    start = time.perf_counter()
    error = None
    try:
        papermill.execute_notebook(notebook, output, parameters=parameters, kernel_name="python3",
                                   progress_bar=False, log_output=False)
    except Exception as exc:  # reported by the test that reads this run
        error = f"{type(exc).__name__}: {exc}"
    return {"output": output, "error": error, "seconds": time.perf_counter() - start}


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebook-packs")
    return {
        "default": None,
        "synthetic": str(write_synthetic_pack(folder / "synthetic", localities=12, seed=7)),
        "required_only": str(write_synthetic_pack(folder / "required_only", localities=6, seed=8, optional=False)),
    }


RUNS = [(name, "default", "all") for name in NAMES] + \
       [(name, "synthetic", "L0001") for name in NAMES] + \
       [(name, "required_only", "L0002") for name in NAMES]


@pytest.fixture(scope="module")
def runs(packs, tmp_path_factory):
    """Every run of RUNS, plus one in interactive mode, executed two at a time."""
    out = tmp_path_factory.mktemp("executed")
    jobs = {}
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        for name, pack, locality in RUNS:
            jobs[(name, pack, locality)] = pool.submit(
                _execute, str(NOTEBOOKS / f"{name}.ipynb"), str(out / f"{name}-{pack}-{locality}.ipynb"),
                {"pack": packs[pack], "locality": locality}, {})
        jobs[("needs_analysis", "default", "MSE06", "interactive")] = pool.submit(
            _execute, str(NOTEBOOKS / "needs_analysis.ipynb"), str(out / "needs_analysis-interactive.ipynb"),
            {"locality": "MSE06"}, {"STPKIT_DISPLAY": "interactive"})
        results = {key: job.result() for key, job in jobs.items()}
    results["wall_seconds"] = time.perf_counter() - start
    print(f"\n{len(jobs)} notebook runs in {results['wall_seconds']:.1f} s on 2 workers: " + ", ".join(
        f"{'/'.join(k)} {r['seconds']:.1f} s" for k, r in results.items() if isinstance(r, dict)))
    return results


def _outputs(nb) -> list[dict]:
    return [output for cell in nb.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]


def _text(nb) -> str:
    parts = []
    for output in _outputs(nb):
        data = output.get("data", {})
        parts += [str(data.get("text/html", "")), str(data.get("text/plain", "")), str(output.get("text", ""))]
    return "\n".join(parts)


@pytest.mark.e2e
@pytest.mark.parametrize("name,pack,locality", RUNS, ids=["-".join(r) for r in RUNS])
def test_notebook_runs_headless_and_shows_its_figures(runs, packs, name, pack, locality):
    result = runs[(name, pack, locality)]
    assert result["error"] is None, result["error"]
    nb = nbformat.read(result["output"], as_version=4)
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], "warnings in a report"
    text = _text(nb)
    for words in HEADLINES[name]:
        assert html.escape(words) in text, f"{words!r} missing from {name}"
    # static mode: pictures and HTML only, no widget, no script
    assert "widgets" not in nb.metadata
    assert not [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert "<script" not in text
    # charts drawn (a pack with nothing invested and nothing avoided has no investment charts, only notes)
    assert text.count("<svg") >= MIN_CHARTS.get((name, pack), 3)
    if pack == "synthetic":
        assert html.escape(AWKWARD) in text  # the title and the highlighted table row
    if pack == "default":
        assert "Mid and South Essex" in text
    if (name, pack) == ("plan_on_a_page", "default"):  # the seed's inconsistencies in plain view
        assert "65.4 - 21.6 - 20.5 = 23.3m; published 23.8m" in text and "DOES NOT ADD UP" in text
    if pack == "required_only":
        for words in MISSING[name]:
            assert f"the pack does not give {html.escape(words)}" in text, f"{name} does not say it lacks {words}"
    # a page for readers: no file names, command lines or seed numbers (sources are cited from the pack)
    assert ".csv" not in text and "papermill" not in text and "pack.toml" not in text
    assert not re.search(r"\bseed 00\d", text, flags=re.IGNORECASE)
    headline = next(o for o in outputs if "stpkit" in o.get("metadata", {}))
    assert headline.metadata["stpkit"]["notebook"] == name
    assert headline.metadata["stpkit"]["locality"] == locality


@pytest.mark.e2e
def test_notebook_runs_with_live_widgets_in_a_kernel(runs):
    """Interactive mode (JupyterLab, Voila): controls and charts are widgets, with HTML fallbacks."""
    result = runs[("needs_analysis", "default", "MSE06", "interactive")]
    assert result["error"] is None, result["error"]
    nb = nbformat.read(result["output"], as_version=4)
    outputs = _outputs(nb)
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) >= 10  # title, headline, controls, 4 charts, 4 tables
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    models = {m["model_name"] for m in state.values()}
    assert {"AnyModel", "FloatSliderModel", "DropdownModel", "HTMLModel"} <= models
    assert any("Dengie" in o["data"].get("text/html", "") for o in views)  # the fallback for exports


@pytest.mark.e2e
def test_exported_report_has_charts_and_no_script_from_the_network(runs, tmp_path):
    """nbconvert HTML of an executed notebook, code hidden: the charts are inline SVG and nothing is fetched.

    nbconvert's own "lab" template adds require.js, MathJax and mermaid from cdnjs whatever the
    notebook holds, so reports use it with those blocks emptied (as here); the notebook's own outputs
    carry no script at all.
    """
    import jinja2
    from nbconvert import HTMLExporter

    template = ("{%- extends 'lab/index.html.j2' -%}\n"
                "{%- block html_head_js -%}{%- endblock html_head_js -%}\n"
                "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
                "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n"
                "{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}\n")
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, template_file="offline.html.j2",
                            extra_loaders=[jinja2.DictLoader({"offline.html.j2": template})])
    for key in [("investment_phasing", "default", "all"), ("locality_deep_dive", "synthetic", "L0001")]:
        nb = nbformat.read(runs[key]["output"], as_version=4)
        page, _ = exporter.from_notebook_node(nb)
        (tmp_path / f"{key[0]}.html").write_text(page, encoding="utf-8")
        assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", page)
        assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", page)
        assert "@import url(http" not in page
        assert page.count("<svg") >= 4 and 'class="marks"' in page  # Vega's SVG, drawn by vl-convert
        assert "page.show" not in page and "charts.setup()" not in page  # no code in a report
    assert "Net present value" in (tmp_path / "investment_phasing.html").read_text(encoding="utf-8")


@pytest.mark.integration
def test_pytest_also_runs_every_notebook_as_written_with_nbval():
    """`make test` collects each notebook of notebooks/ with nbval (--nbval-lax): every cell a test, marked e2e;
    the fixture notebooks under tests/ are left to the tests that use them."""
    import subprocess
    import sys

    found = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "e2e"], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert found.returncode == 0, found.stdout[-2000:] + found.stderr[-2000:]
    cells = [line.split("::")[0] for line in found.stdout.splitlines() if ".ipynb::Cell" in line]
    assert sorted(set(cells)) == sorted(f"notebooks/{path.name}" for path in NOTEBOOKS.glob("*.ipynb"))
    assert {f"notebooks/{name}.ipynb" for name in NAMES} <= set(cells)
    for name in NAMES:  # one test per code cell
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        assert cells.count(f"notebooks/{name}.ipynb") == sum(c.cell_type == "code" for c in nb.cells), name
