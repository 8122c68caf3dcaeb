"""Unit tests for the parts of `stpkit reports`: disclosure, headlines, offline checks, jobs, publishing, progress."""

from __future__ import annotations

import io
import json
import os
import re

import nbformat
import numpy as np
import pandas as pd
import pytest

from stpkit.report import compare, disclosure, export, headlines, jobs, progress, publish

pytestmark = pytest.mark.unit


# --- disclosure control -----------------------------------------------------------------------------


def test_count_columns_are_people_and_activity_never_money_rates_or_fte():
    counts = ["base", "momentum", "target", "avoided", "people", "eligible_people", "population",
              "Base (admissions a year)", "released_appointments", "Avoided admissions"]
    not_counts = ["gross_savings_gbp", "unit_cost", "growth", "reduction", "eligible_share", "coordinators_fte",
                  "rate_per_1000", "admissions_share", "relative_rate", "year", "cohorts", "level", "gap_fte",
                  "Gross savings (GBP m)", "Rate per 1,000 people"]
    assert all(disclosure.is_count_column(c) for c in counts)
    assert not any(disclosure.is_count_column(c) for c in not_counts)


def test_counts_from_1_to_7_as_shown_are_suppressed_zero_and_8_are_not():
    frame = pd.DataFrame({"pod": list("abcdefgh"), "base": [0, 0.4, 0.6, 5, 7.4, 7.6, 8, -3],
                          "gross_savings_gbp": [5.0] * 8, "growth": [0.03] * 8})
    shown = disclosure.suppress(frame, on=True)
    assert shown["base"].tolist() == [0, 0.4, "*", "*", "*", 7.6, 8, "*"]
    assert shown["gross_savings_gbp"].tolist() == [5.0] * 8  # money is never suppressed
    assert shown["growth"].tolist() == [0.03] * 8
    masked = disclosure.mask(frame, on=True)
    assert np.isnan(masked["base"]).tolist() == [False, False, True, True, True, False, False, True]
    assert frame["base"].tolist()[3] == 5  # the input is not changed


def test_disclosure_switch_comes_from_the_environment_and_is_off_by_default(monkeypatch):
    frame = pd.DataFrame({"people": [3, 300]})
    monkeypatch.delenv(disclosure.ENV, raising=False)
    assert disclosure.suppress(frame)["people"].tolist() == [3, 300]
    assert disclosure.format_count(3) == "3"
    monkeypatch.setenv(disclosure.ENV, "1")
    assert disclosure.suppress(frame)["people"].tolist() == ["*", 300]
    assert disclosure.format_count(3) == "*" and disclosure.format_count(12345.4) == "12,345"
    assert disclosure.note() == disclosure.RULE
    monkeypatch.setenv(disclosure.ENV, "0")
    assert disclosure.suppress(frame)["people"].tolist() == [3, 300] and disclosure.note() == ""


def test_table_shows_star_and_formatted_numbers_and_refuses_unknown_columns():
    frame = pd.DataFrame({"pod": ["Outpatient", "Day case"], "base": [12345.6, 4.0], "unit_cost": [185.0, 700.0]})
    page = disclosure.table(frame, formats={"unit_cost": "GBP {:,.0f}"}, on=True).to_html()
    assert "12,346" in page and ">*<" in page and "GBP 700" in page
    assert ">4<" not in page and "4.0" not in page
    with pytest.raises(KeyError):
        disclosure.table(frame, columns=["missing"], on=True)


# --- headline figures -------------------------------------------------------------------------------


def test_headline_figures_format_by_kind_and_suppress_small_counts():
    figures = [headlines.figure("Population", 60000, "count", on=True),
               headlines.figure("Gross savings", 4_237_000, "gbp"), headlines.figure("Small", 950, "gbp"),
               headlines.figure("Gap", 12.34, "fte"), headlines.figure("Cut", 0.125, "share"),
               headlines.figure("Tiny", 5, "count", on=True)]
    assert [f["text"] for f in figures] == ["60,000", "£4.2m", "£950", "12.3 FTE", "12.5%", "*"]
    assert figures[-1]["value"] is None and figures[0]["value"] == 60000.0
    with pytest.raises(ValueError):
        headlines.figure("x", 1, "money")


def test_headlines_travel_in_the_notebook_and_come_back_out():
    bundle = headlines.bundle([headlines.figure("Population", 1200, "count", on=False)])
    assert "Population" in bundle["text/html"] and "1,200" in bundle["text/plain"]
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    nb.cells = [cell]
    assert headlines.extract(nb) == bundle[headlines.MIME]["figures"]


# --- nothing fetched from the network ---------------------------------------------------------------


def test_fetches_finds_every_remote_load_but_not_links_or_data():
    page = """<html><head><script src="https://cdn.jsdelivr.net/npm/vega@6"></script>
    <link rel="stylesheet" href='//example.org/x.css'><style>@import "http://fonts.example/f.css";
    .a { background: url(https://img.example/a.png) } .b { background: url(data:image/png;base64,AAA) }</style>
    </head><body><a href="https://www.england.nhs.uk/">NHS England</a><a href="#top">top</a>
    <img src="data:image/svg+xml;base64,PHN2Zz4="><img srcset="a.png 1x, https://x.example/b.png 2x">
    <svg><image xlink:href="http://x.example/c.png"/><use href="#local"/></svg>
    <div style="background-image:url('https://x.example/d.png')"></div></body></html>"""
    remote = export.fetches(page)
    for address in ("https://cdn.jsdelivr.net/npm/vega@6", "//example.org/x.css", "http://fonts.example/f.css",
                    "https://img.example/a.png", "https://x.example/b.png", "http://x.example/c.png",
                    "https://x.example/d.png"):
        assert any(address in r for r in remote), address
    assert len(remote) == 7
    assert export.links(page) == ["https://www.england.nhs.uk/"]


def test_for_readers_keeps_what_a_reader_sees_and_renumbers_svg_ids():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("x")
    svg = '<svg><defs><clipPath id="clip7"><rect/></clipPath></defs><g clip-path="url(#clip7)"></g></svg>'
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="one "),
        nbformat.v4.new_output("stream", name="stderr", text="a warning"),
        nbformat.v4.new_output("stream", name="stdout", text="two"),
        nbformat.v4.new_output("display_data", data={"text/plain": "IntSlider()",
                                                     export.WIDGET_MIME: {"model_id": "abc"}}),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": svg, "text/plain": "chart"}),
    ]
    marker = nbformat.v4.new_markdown_cell("error here")
    marker.metadata["tags"] = ["papermill-error-cell-tag"]
    nb.cells = [marker, code]
    shown = export.for_readers(nb)
    assert len(shown.cells) == 1
    outputs = shown.cells[0].outputs
    assert [o.output_type for o in outputs] == ["stream", "display_data"]
    assert outputs[0].text == "one two"
    assert 'id="c1-1"' in outputs[1].data["image/svg+xml"] and "url(#c1-1)" in outputs[1].data["image/svg+xml"]
    assert nb.cells[1].outputs[1].name == "stderr"  # the executed notebook itself is left as it was


def test_svg_ids_renumbered_in_order_with_references():
    svg = '<clipPath id="clip9"/><g clip-path="url(#clip9)"/><linearGradient id="gradient_4"/>' \
          '<rect fill="url(#gradient_4)"/><use xlink:href="#clip9"/>'
    assert compare.renumber_svg_ids(svg, "c2") == ('<clipPath id="c2-1"/><g clip-path="url(#c2-1)"/>'
                                                    '<linearGradient id="c2-2"/><rect fill="url(#c2-2)"/>'
                                                    '<use xlink:href="#c2-1"/>')


def test_compare_ignores_labels_but_not_figures():
    def notebook(value, clip, kernel):
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("print(x)")
        cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=f"/tmp/ipykernel_{kernel}/1.py: warn"),
                        nbformat.v4.new_output("display_data",
                                               data={"image/svg+xml": f'<g id="clip{clip}"/>', "text/plain": value})]
        nb.cells = [cell]
        return nb

    assert compare.differences(notebook("1.25", 1, 100), notebook("1.25", 8, 200)) == []
    assert compare.differences(notebook("1.25", 1, 100), notebook("1.26", 1, 100))


# --- planning and reruns ----------------------------------------------------------------------------


def test_safe_folder_names_for_any_locality_id():
    assert jobs.safe_name("MSE01") == "MSE01"
    odd = jobs.safe_name("St Mary's/North")
    assert odd.startswith("St_Mary_s_North-") and "/" not in odd
    assert jobs.safe_name("a/b") != jobs.safe_name("a_b")


def test_unknown_notebooks_are_named_with_the_ones_there_are(tmp_path):
    (tmp_path / "needs_analysis.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    with pytest.raises(ValueError) as problem:
        jobs.find_notebooks(["needs_analysis", "nope", "gone"], tmp_path)
    assert "'nope', 'gone'" in str(problem.value) and "needs_analysis" in str(problem.value)
    assert [n.name for n in jobs.find_notebooks(["needs_analysis"], tmp_path)] == ["needs_analysis"]


def test_inputs_hash_changes_with_pack_notebook_locality_and_disclosure(tmp_path):
    from packs import write_pack
    from stpkit import load_pack

    pack = load_pack(write_pack(tmp_path / "pack"))
    book = tmp_path / "a.ipynb"
    book.write_text(nbformat.writes(nbformat.v4.new_notebook()))
    notebooks = jobs.find_notebooks([str(book)])
    fingerprint = jobs.pack_fingerprint(pack.path)
    plan = jobs.plan(pack.localities, notebooks, pack_path=pack.path, pack_hash=fingerprint["hash"], disclosure=True)
    assert [j.key for j in plan] == ["A1/a", "B2/a", "C3/a"]
    hashes = {j.inputs_hash for j in plan}
    assert len(hashes) == 3
    off = jobs.plan(pack.localities, notebooks, pack_path=pack.path, pack_hash=fingerprint["hash"], disclosure=False)
    assert not hashes & {j.inputs_hash for j in off}
    book.write_text(nbformat.writes(nbformat.v4.new_notebook(metadata={"changed": True})))
    changed = jobs.plan(pack.localities, jobs.find_notebooks([str(book)]), pack_path=pack.path,
                        pack_hash=fingerprint["hash"], disclosure=True)
    assert not hashes & {j.inputs_hash for j in changed}
    (pack.path / "pods.csv").write_text((pack.path / "pods.csv").read_text().replace("0.023", "0.024"))
    assert jobs.pack_fingerprint(pack.path)["hash"] != fingerprint["hash"]
    moved = jobs.plan(pack.localities, notebooks, pack_path=tmp_path / "elsewhere", pack_hash=fingerprint["hash"],
                      disclosure=True)
    assert {j.inputs_hash for j in moved} == hashes  # where the pack is does not matter, only what it holds


def test_up_to_date_needs_success_same_inputs_and_unchanged_files(tmp_path):
    job = jobs.Job("A1", "Ashby", "North", "nb", "NB", "A1", {}, "hash1")
    sha_h, size_h = publish.write_atomic(tmp_path / job.html, "<html></html>")
    sha_i, size_i = publish.write_atomic(tmp_path / job.ipynb, "{}")
    record = {"status": "ok", "inputs_hash": "hash1", "html": job.html, "ipynb": job.ipynb,
              "sha256": {"html": sha_h, "ipynb": sha_i}, "bytes": {"html": size_h, "ipynb": size_i}}
    assert jobs.up_to_date(job, record, tmp_path)
    assert not jobs.up_to_date(job, {**record, "status": "failed"}, tmp_path)
    assert not jobs.up_to_date(job, {**record, "inputs_hash": "hash2"}, tmp_path)
    assert not jobs.up_to_date(job, None, tmp_path)
    (tmp_path / job.html).write_text("<html>edited</html>")
    assert not jobs.up_to_date(job, record, tmp_path)
    (tmp_path / job.html).unlink()
    assert not jobs.up_to_date(job, record, tmp_path)


# --- publishing -------------------------------------------------------------------------------------


def test_write_atomic_replaces_whole_and_leaves_no_temp(tmp_path):
    target = tmp_path / "deep" / "report.html"
    publish.write_atomic(target, "first")
    sha, size = publish.write_atomic(target, "second, longer")
    assert target.read_text() == "second, longer" and size == len("second, longer")
    assert os.listdir(target.parent) == ["report.html"]
    leftover = target.with_name(f".report.html.123.abcd{publish.TEMP_SUFFIX}")
    leftover.write_text("half")
    assert publish.remove_temp_files(tmp_path) == 1 and not leftover.exists() and target.exists()


def test_write_atomic_cleans_up_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    publish.write_atomic(target, "old")

    def broken(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError):
        publish.write_atomic(target, "new")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["report.html"]


def test_index_lists_every_locality_against_every_notebook_escaped():
    manifest = {
        "run": {"finished": "2026-01-01T00:00:00+00:00", "wall_seconds": 12.0, "disclosure_rule": "rule"},
        "inputs": {"pack": {"name": "Test & <footprint>"}},
        "notebooks": [{"name": "a", "title": "Needs"}, {"name": "b", "title": "Workforce"}],
        "localities": [{"locality_id": "all", "locality": "Test & <footprint> footprint", "group": "",
                        "headlines": [{"label": "Population", "text": "90,000"}]},
                       {"locality_id": "A1", "locality": "St Mary's & <Bank>", "group": "North",
                        "headlines": [{"label": "Population", "text": "*"}]},
                       {"locality_id": "B2", "locality": "Cray", "group": ""}],
        "workbook": {"path": "footprint_tables.xlsx"},
        "summary": {"ok": 2, "failed": 1, "not_run": 1},
        "reports": [
            {"locality_id": "all", "notebook": "a", "status": "ok", "html": "all/a.html", "ipynb": "all/a.ipynb",
             "locality": "Test & <footprint> footprint", "seconds": {"total": 1.0},
             "headlines": [{"label": "Investment", "text": "£67.1m", "whose": "Test & <footprint> footprint"}]},
            {"locality_id": "A1", "notebook": "a", "status": "ok", "html": "A1/a.html", "ipynb": "A1/a.ipynb",
             "locality": "St Mary's & <Bank>", "seconds": {"total": 1.25},
             "headlines": [{"label": "Savings", "text": "£1.0m", "whose": "St Mary's & <Bank>"},
                           {"label": "Footprint savings", "text": "£112m", "whose": "Test & <footprint> footprint"}]},
            {"locality_id": "A1", "notebook": "b", "status": "failed", "ipynb": "A1/b.ipynb", "ipynb_written": True,
             "locality": "St Mary's & <Bank>", "notebook_title": "Workforce",
             "error": {"ename": "ValueError", "evalue": "bad <value>"}, "seconds": {"total": 0.5}},
            {"locality_id": "B2", "notebook": "a", "status": "ok", "html": "B2/a.html", "ipynb": "B2/a.ipynb",
             "reused": True, "seconds": {"total": 2.0}},
        ],
    }
    page = publish.index_html(manifest)
    assert "St Mary&#x27;s &amp; &lt;Bank&gt;" in page and "<Bank>" not in page
    assert 'href="A1/a.html"' in page and 'href="B2/a.html"' in page and 'href="all/a.html"' in page
    assert "bad &lt;value&gt;" in page and "not run" in page and "footprint_tables.xlsx" in page
    # the footprint's row comes first, before every locality, with its own figures
    rows = re.findall(r"<tr[^>]*><th[^>]*>(.*?)<br>", page)
    assert rows[0] == "Test &amp; &lt;footprint&gt; footprint" and len(rows) == 3
    assert page.index("£67.1m") < page.index("A1/a.html")
    # a locality's row shows the locality's own figures, not the footprint's figures its page also shows
    assert "£1.0m" in page and "£112m" not in page
    # managers see no run times or executed notebooks; the manifest (in a technical section) has them
    main = page[:page.index('<details class="technical">')]
    assert ".ipynb" not in main and "1.2 s" not in main and "(unchanged)" not in main and "manifest.json" not in main
    assert "manifest.json" in page[page.index('<details class="technical">'):]
    assert export.fetches(page) == []


# --- progress ---------------------------------------------------------------------------------------


def test_progress_bar_counts_localities_failures_and_time_left():
    stream = io.StringIO()
    bar = progress.Progress(6, 3, 2, stream=stream, enabled=True)
    bar.advance("A1")
    bar.advance("A1", failed=True)
    bar.advance("B2")
    text = bar.text(120)
    assert "1/3 localities" in text and "3/6 reports" in text and "1 failed" in text and "left" in text
    bar.message("failed: something")
    bar.close()
    assert "\r" in stream.getvalue() and "failed: something\n" in stream.getvalue()


def test_progress_counts_reports_kept_from_before_towards_their_locality():
    bar = progress.Progress(4, 2, 2, stream=io.StringIO(), enabled=True, already=2)
    bar.already_done("A1")
    bar.already_done("B2")
    bar.advance("A1")
    assert "1/2 localities, 3/4 reports" in bar.text(120)


def test_progress_bar_is_quiet_when_not_a_terminal():
    stream = io.StringIO()  # not a TTY
    bar = progress.Progress(2, 1, 2, stream=stream)
    bar.advance("A1")
    bar.close()
    assert stream.getvalue() == ""


def test_manifest_round_trip(tmp_path):
    publish.write_manifest(tmp_path, {"reports": [{"locality_id": "A1", "notebook": "a", "status": "ok"}]})
    data = publish.read_manifest(tmp_path)
    assert publish.records_by_key(data) == {"A1/a": {"locality_id": "A1", "notebook": "a", "status": "ok"}}
    (tmp_path / publish.MANIFEST).write_text("{ half")
    assert publish.read_manifest(tmp_path) is None
    assert json.loads(json.dumps(data)) == data


def test_one_run_at_a_time_in_a_folder(tmp_path):
    held = publish.lock(tmp_path)
    with pytest.raises(publish.Busy):
        publish.lock(tmp_path)
    held.close()
    publish.lock(tmp_path).close()  # free again once the first run lets go


@pytest.mark.integration
def test_workbook_cash_flow_reads_from_gross_savings_to_cash_released():
    """Finance teams get the appraisal line by line: the 2020/21 row adds up, and the note's NPV is the model's."""
    import openpyxl

    from stpkit import investment, load_pack
    from stpkit.pack import DEFAULT_PACK
    from stpkit.report import workbook

    pack = load_pack(DEFAULT_PACK)
    book = openpyxl.load_workbook(io.BytesIO(workbook.build(pack, disclosure_on=True)))
    sheet = book["Cash flow"]
    header = [c.value for c in sheet[3]]
    rows = {r[0]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=4, values_only=True)}
    year = rows["2020/21"]
    by_hand = (year["Gross savings (£)"] - year["Acute stranded cost (£)"] - year["Reinvestment in new services (£)"]
               - year["Running costs beyond the reinvestment (£)"])
    assert year["Cash released (£)"] == pytest.approx(by_hand)
    assert year["Gross savings (£)"] == pytest.approx(112.0e6, abs=0.05e6)
    assert year["Cash released (£)"] == pytest.approx(28.1e6, abs=0.05e6)
    npv = sum(r["Discounted (£)"] for r in rows.values())
    assert npv == pytest.approx(investment.appraise(pack)["npv_gbp"])
    assert f"£{npv:,.0f}" in sheet["A1"].value
    workforce_header = [c.value for c in book["Workforce"][1]]
    assert {"Shortfall (FTE)", "Surplus (FTE)", "Cost of the shortfall (£)"} <= set(workforce_header)
    assert not any("GBP" in str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value)
