"""The fast path of `stpkit reports` against a fresh kernel: same outputs, no state leaking between runs.

Each test runs a notebook for one locality and then another in this process's engine, and the
second locality alone through real papermill with a fresh kernel; the figures (every output,
less ids that are only labels) and the exported HTML reports (byte for byte) must match, the light
report and the self-contained one; and the light report must show every figure and table the
self-contained one shows, its charts drawn from the same specifications.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import vl_convert

from stpkit import DEFAULT_PACK
from stpkit.report import compare, engine, export, headlines
from stpkit.synthetic import write_synthetic_pack

ROOT = Path(__file__).resolve().parent.parent
TEST_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
REAL_NOTEBOOKS = ["needs_analysis", "locality_deep_dive", "investment_phasing", "workforce_gap", "plan_on_a_page"]
ENV = {"STPKIT_DISCLOSURE": "1", "STPKIT_DISPLAY": "static", "STPKIT_CHARTS": "spec"}  # as `stpkit reports`
BANNER = {"footprint": "Footprint", "place": "Place", "notebook_title": "Notebook", "note": "", "disclosure": ""}


def _same_after(path: Path, pack: Path, first: str, second: str):
    """Run `first` then `second` in this process and `second` in a fresh kernel; return both runs of `second`."""
    notebook = nbformat.read(path, as_version=4)
    before = engine.execute(notebook, {"pack": str(pack), "locality": first}, env=ENV)
    assert before.ok, before.error
    warm = engine.execute(notebook, {"pack": str(pack), "locality": second}, env=ENV)
    fresh = engine.execute_in_kernel(str(path), {"pack": str(pack), "locality": second}, env=ENV)
    assert warm.ok and fresh.ok, (warm.error, fresh.error)
    return warm, fresh


@pytest.mark.integration
@pytest.mark.parametrize("name", REAL_NOTEBOOKS)
def test_real_notebook_report_after_another_locality_equals_a_fresh_kernel(name):
    """Default pack: MSE02's report made right after MSE14's in one process is the one a fresh kernel makes."""
    warm, fresh = _same_after(ROOT / "notebooks" / f"{name}.ipynb", DEFAULT_PACK, "MSE14", "MSE02")
    assert compare.differences(warm.nb, fresh.nb) == []
    exporter = export.exporter()
    whole = exporter.export(warm.nb, **BANNER)
    assert whole == exporter.export(fresh.nb, **BANNER)
    light = exporter.export(warm.nb, **BANNER, shared=export.SHARED_LINK)
    assert light == exporter.export(fresh.nb, **BANNER, shared=export.SHARED_LINK)
    assert_same_figures(light, whole)
    assert headlines.extract(warm.nb) == headlines.extract(fresh.nb) != []


_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
_MAIN = re.compile(r"<main>(.*)</main>", re.DOTALL)
_SCRIPT = re.compile(r"\s*<script\b[^>]*>.*?</script>", re.DOTALL)


def assert_same_figures(light: str, whole: str) -> None:
    """A light report shows what the self-contained one shows: the same text, figures and tables around its
    charts, and each chart drawn from its specification is the SVG the self-contained report carries."""
    specs = export.chart_specs(light)
    drawn = _SVG.findall(_MAIN.search(whole).group(1))
    assert len(specs) == len(drawn) > 0
    version = re.search(r'data-stpkit-chart="([^"]+)"', light).group(1)
    for spec, svg in zip(specs, drawn):
        again = vl_convert.vegalite_to_svg(spec, vl_version=version)
        assert compare.renumber_svg_ids(again) == compare.renumber_svg_ids(svg)
    assert "<svg" not in _MAIN.search(light).group(1)  # the light page draws nothing in advance
    around_light = _SCRIPT.sub("", export._PLACE.sub("<chart>", _MAIN.search(light).group(1)))  # less the drawing
    around_whole = _SVG.sub("<chart>", _MAIN.search(whole).group(1))
    assert around_light == around_whole
    assert len(whole) > 3 * len(light)


@pytest.mark.integration
def test_leaky_notebook_leaves_nothing_for_the_next_run(tmp_path):
    """A notebook that changes pandas, NumPy and Altair settings, the environment, the working directory,
    sys.path, warning filters and display formatters: the next run sees what a fresh kernel sees."""
    pack = write_synthetic_pack(tmp_path / "pack", localities=3, optional=False)
    warm, fresh = _same_after(TEST_NOTEBOOKS / "leaky.ipynb", pack, "L0001", "L0002")
    assert compare.differences(warm.nb, fresh.nb) == []
    first_output = compare.outputs([c for c in warm.nb.cells if c.cell_type == "code"][2])[0][2]
    assert "precision 6 max_rows 60" in first_output and "env None cwd is root False path False" in first_output
    warning = compare.outputs([c for c in warm.nb.cells if c.cell_type == "code"][3])[0]
    assert warning[1] == "stderr" and "a warning on every run (L0002)" in warning[2]


@pytest.mark.integration
def test_small_report_with_awkward_names_equals_a_fresh_kernel(tmp_path):
    """Synthetic pack: the smallest locality (3,200 people) after the one named St Mary's & St John's (North)."""
    pack = write_synthetic_pack(tmp_path / "pack", localities=3)
    warm, fresh = _same_after(TEST_NOTEBOOKS / "report.ipynb", pack, "L0001", "L0002")
    assert compare.differences(warm.nb, fresh.nb) == []
    exporter = export.exporter()
    page = exporter.export(warm.nb, **BANNER)
    assert page == exporter.export(fresh.nb, **BANNER)
    light = exporter.export(warm.nb, **BANNER, shared=export.SHARED_LINK)
    assert light == exporter.export(fresh.nb, **BANNER, shared=export.SHARED_LINK)
    if "data-stpkit-chart" in light:
        assert_same_figures(light, page)
    assert "Bishop&#x27;s Stortford" in page or "Bishop's Stortford" in page


CAPTURE = [
    ("code", 'locality = "all"', ["parameters"]),
    ("code", "import sys\nfrom IPython.display import display, update_display, clear_output, HTML\n"
             "print('before')\nhandle = display(HTML('<b>first</b>'), display_id=True)\nprint('after')\n"
             "handle.update(HTML('<b>updated</b>'))\nsys.stderr.write('to stderr\\n')\n"
             "display({'text/plain': 'plain', 'application/json': {'a': [1, 2.5, None]}}, raw=True)\n"
             "{'locality': locality, 'third': 1 / 3}", []),
    ("code", "print('gone')\nclear_output(wait=True)\nprint('kept')", []),
    ("code", "", []),
    ("code", "raise ValueError('tagged: the run goes on')", ["raises-exception"]),
    ("markdown", "# a heading", []),
    ("code", "x = 1\nx", []),
]


def _capture_notebook(path: Path, failing: bool = False) -> Path:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}, "language_info": {"name": "python"}})
    cells = list(CAPTURE) + ([("code", "raise KeyError(f'no figures for {locality}')", []),
                              ("code", "print('never')", [])] if failing else [])
    for index, (kind, source, tags) in enumerate(cells):
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        cell.metadata["tags"] = tags
        cell["id"] = f"c{index}"
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


@pytest.mark.integration
def test_outputs_captured_as_a_kernel_sends_them(tmp_path):
    """Streams, display ids and updates, clear_output(wait), raw bundles, results, tagged errors, a failure."""
    path = _capture_notebook(tmp_path / "capture.ipynb", failing=True)
    warm = engine.execute(nbformat.read(path, as_version=4), {"locality": "A1"}, env=ENV)
    fresh = engine.execute_in_kernel(str(path), {"locality": "A1"}, env=ENV)
    assert compare.differences(warm.nb, fresh.nb) == []
    for run in (warm, fresh):  # papermill's verdict: the last error output (here after a raises-exception cell)
        assert run.error["ename"] == "KeyError" and "no figures for A1" in run.error["evalue"]
    code = [c for c in warm.nb.cells if c.cell_type == "code"]
    assert any(o.get("ename") == "ValueError" for c in code for o in c.outputs)  # the tagged cell's, run went on
    assert code[-1].execution_count is None and code[-1].outputs == []  # nothing runs after the failure
    assert "papermill-error-cell-tag" in warm.nb.cells[0].metadata["tags"]  # papermill's note at the top
    outputs = [c for c in warm.nb.cells if c.cell_type == "code"][2].outputs
    assert outputs[0].text == "before\n" and outputs[1].data["text/html"] == "<b>updated</b>"
    assert outputs[-1].output_type == "execute_result" and outputs[-1].execution_count == 3
    assert [o.get("text") for o in [c for c in warm.nb.cells if c.cell_type == "code"][3].outputs] == ["kept\n"]


@pytest.mark.integration
def test_an_error_in_a_cell_is_reported_not_raised():
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                 "language": "python"}})
    notebook.cells = [nbformat.v4.new_code_cell("1 / 0"), nbformat.v4.new_code_cell("print('not run')")]
    run = engine.execute(notebook, {})
    assert not run.ok and run.error["ename"] == "ZeroDivisionError" and run.error["cell"] >= 0
    assert any("ZeroDivisionError" in line for line in run.error["traceback"])
    again = engine.execute(notebook, {})  # the engine is fine afterwards
    assert again.error["ename"] == "ZeroDivisionError"


@pytest.mark.integration
def test_chart_drawings_are_remembered_by_spec():
    """A chart that is the same for every locality is drawn once per process (vl-convert is the slow step)."""
    import vl_convert

    engine.process_state()
    spec = {"data": {"values": [{"x": "a", "y": 3}, {"x": "b", "y": 5}]}, "mark": "bar",
            "encoding": {"x": {"field": "x", "type": "nominal"}, "y": {"field": "y", "type": "quantitative"}}}
    first = vl_convert.vegalite_to_svg(spec)
    assert getattr(vl_convert.vegalite_to_svg, "_stpkit_remembers", False)
    assert vl_convert.vegalite_to_svg(spec) is first
    changed = vl_convert.vegalite_to_svg({**spec, "mark": "point"})
    assert changed != first and "<svg" in changed


@pytest.mark.integration
def test_a_run_leaves_the_host_process_as_it_found_it(tmp_path):
    """The leaky notebook changes Altair's renderer, pandas options and more: this process keeps its own."""
    import os

    import altair as alt
    import pandas as pd

    pack = write_synthetic_pack(tmp_path / "pack", localities=1, optional=False)
    before = (alt.renderers.active, alt.data_transformers.active, pd.get_option("display.precision"),
              os.getcwd(), os.environ.get("STPKIT_TEST_LEAK"))
    run = engine.execute(nbformat.read(TEST_NOTEBOOKS / "leaky.ipynb", as_version=4),
                         {"pack": str(pack), "locality": "L0001"}, env=ENV)
    assert run.ok, run.error
    assert (alt.renderers.active, alt.data_transformers.active, pd.get_option("display.precision"),
            os.getcwd(), os.environ.get("STPKIT_TEST_LEAK")) == before


@pytest.mark.unit
def test_exporting_keeps_no_report_behind():
    """nbconvert files each exported notebook's metadata under its title; 10,000 titles would pile up in a worker."""
    exporter = export.exporter()
    for place in ("First place", "Second place", "Third place"):
        nb = nbformat.v4.new_notebook(metadata={"title": place, "papermill": {"parameters": {"locality": place}}})
        nb.cells.append(nbformat.v4.new_markdown_cell(f"# {place}"))
        page = exporter.export(nb, **{**BANNER, "place": place}, check=False)
        assert place in page
    assert exporter._html._nb_metadata == {}
