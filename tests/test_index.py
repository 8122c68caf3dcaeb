"""The report pack's index: what it lists and in what order, the figures it sorts by, and (in Chromium) its
filters, sort buttons and status counts on an index of 10,008 reports (1,250 localities x 8 notebooks, and
the footprint's), with the keyboard, with axe-core and at 320 px, and without scripts.

How fast it opens is a benchmark (benchmarks/bench_index.py), not a test.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from stpkit.report import export, publish

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apps_fixtures.harness import ARTIFACTS, Offline, axe_violations, chromium  # noqa: E402
from national_index import national_index, read_manifest  # noqa: E402


def _figure(label, value, text):
    return {"label": label, "value": value, "kind": "count", "text": text, "note": None}


def _manifest() -> dict:
    """Four localities in two groups and the footprint; B2 has a failed report, C3 one not run."""
    notebooks = [{"name": "a", "title": "Needs"}, {"name": "b", "title": "Beds"}]
    places = [("all", "Test footprint", "", 1200.0), ("A1", "Alpha", "North", 300.0), ("B2", "Bravo", "South", 500.0),
              ("C3", "Charlie", "North", None), ("D4", "Delta", "", 400.0)]
    localities = [{"locality_id": i, "locality": n, "group": g,
                   "headlines": [_figure("Population", p, "*" if p is None else f"{p:,.0f}")]
                   + ([_figure("Beds", p / 100, f"{p / 100:.0f}")] if p and i != "D4" else [])}
                  for i, n, g, p in places]
    reports = []
    for i, n, g, p in places:
        for book in notebooks:
            record = {"locality_id": i, "locality": n, "group": g, "notebook": book["name"],
                      "notebook_title": book["title"], "status": "ok", "html": f"{i}/{book['name']}.html",
                      "reused": i == "A1", "headlines": [{"label": "People", "text": "300", "whose": n}]}
            if (i, book["name"]) == ("B2", "b"):
                record.update(status="failed", html=None, error={"ename": "ValueError", "evalue": "no <beds>"})
            if (i, book["name"]) == ("C3", "a"):
                record = {k: record[k] for k in ("locality_id", "locality", "group", "notebook")}
                record["status"] = "not run"
            reports.append(record)
    return {"run": {}, "inputs": {"pack": {"name": "Test"}}, "notebooks": notebooks, "localities": localities,
            "summary": {}, "reports": reports}


@pytest.mark.unit
def test_index_rows_put_the_footprint_first_then_failed_then_not_run():
    rows = publish.index_places(_manifest())
    assert [r["locality_id"] for r in rows] == ["all", "B2", "C3", "A1", "D4"]
    assert [r["rank"] for r in rows] == [2, 0, 1, 2, 2]
    assert rows[1]["counts"] == {"ok": 1, "failed": 1, "not run": 0}
    assert rows[2]["counts"] == {"ok": 1, "failed": 0, "not run": 1}


@pytest.mark.unit
def test_index_counts_reports_by_status_and_lists_groups_and_figures():
    rows = publish.index_places(_manifest())
    assert publish.status_counts(rows) == {"ok": 8, "failed": 1, "not run": 1, "unchanged": 2}
    assert publish.groups(rows) == [("North", 2), ("South", 1)]
    assert publish.figure_columns(rows) == ["Population", "Beds"]


@pytest.mark.unit
def test_index_page_carries_what_the_filters_and_sorts_need():
    page = publish.index_html(_manifest())
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    rows = re.findall(r"<tr([^>]*)><th scope=\"row\">([^<]*)<br><small>(.*?)</small></th>(.*?)</tr>", body)
    assert [r[1] for r in rows] == ["Test footprint", "Bravo", "Charlie", "Alpha", "Delta"]
    attributes = {name: attrs for attrs, name, _, _ in rows}
    # the group as a number (the option's value), the status rank for failed (0) and not run (1); done has none
    assert attributes["Bravo"] == ' data-g="1" data-s="0"' and attributes["Charlie"] == ' data-g="0" data-s="1"'
    assert attributes["Alpha"] == ' data-g="0"' and attributes["Delta"] == "" and 'class="footprint"' in rows[0][0]
    assert '<option value="0">North (2)</option>' in page and '<option value="1">South (1)</option>' in page
    assert '<span class="id">A1</span> &middot; North' in body
    # each figure's value for sorting; a suppressed count has none (its "*" is all the page knows)
    cells = {name: re.findall(r'<td class="n"( data-v="[^"]*")?>([^<]*)</td>', rest) for _, name, _, rest in rows}
    assert cells["Bravo"] == [(' data-v="500"', "500"), (' data-v="5"', "5")]
    assert cells["Charlie"] == [("", "*"), ("", "")] and cells["Delta"] == [(' data-v="400"', "400"), ("", "")]
    assert '<th scope="col" class="n" data-sort="number">Population</th>' in page
    assert '<th scope="col" data-sort="status" aria-sort="ascending">Status</th>' in page
    # status counts at the top; the controls wait for the script; nothing is fetched
    assert "<b>8</b> done" in page and "<b>1</b> failed" in page and "<b>1</b> not run" in page
    assert '<form id="finder" class="finder" role="search" aria-label="Find localities" hidden>' in page
    assert "<script>" in page and export.fetches(page) == [] and "no &lt;beds&gt;" in page
    assert "<b>300</b>" in page  # a few places: each report's own figures in its cell


@pytest.mark.unit
def test_index_of_many_places_links_each_report_without_its_figures():
    manifest = _manifest()
    base = manifest["localities"][1]
    manifest["localities"] += [{**base, "locality_id": f"X{i}"} for i in range(publish.FIGURES_UP_TO)]
    page = publish.index_html(manifest)
    assert "<b>300</b>" not in page and 'href="A1/a.html">Report</a></td>' in page


@pytest.mark.unit
def test_number_keeps_places_apart():
    assert publish._number(5280799.698278669) == "5280799.698" and publish._number(355.00000000000364) == "355"
    assert publish._number(-103226410.03) == "-103226410"


# ---------------------------------------------------------------------------------------------
# In Chromium, at national scale

VISIBLE_JS = """() => [...document.querySelectorAll('#places tbody tr')]
  .filter(tr => getComputedStyle(tr).display !== 'none').map(tr => ({
  name: tr.cells[0].firstChild.nodeValue, id: (tr.querySelector('.id') || {}).textContent || 'all',
  footprint: tr.className === 'footprint', s: tr.getAttribute('data-s') || '2', g: tr.getAttribute('data-g'),
  v: tr.cells[2].getAttribute('data-v')}))"""


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> dict:
    """The synthetic national index (tests/national_index.py), or a real run's: STPKIT_NATIONAL_INDEX=PATH/index.html
    (for example the national run's, which uses the same synthetic 1,250-locality pack)."""
    given = os.environ.get("STPKIT_NATIONAL_INDEX")
    index = Path(given).resolve() if given else national_index(tmp_path_factory.mktemp("national-index"))
    return {"index": index, "manifest": read_manifest(index), "synthetic": not given}


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture()
def page(browser, national):
    context = Offline(browser)
    opened = context.new_page()
    opened.goto(national["index"].as_uri())
    yield opened
    assert context.console_errors == []
    asked = [u for u in context.blocked if not u.startswith("file://")]
    assert asked == [], "the index asked the internet for something"
    context.close()


def _look(page, name: str) -> None:
    """Pictures of the top of the page and of the table's first rows (test-artifacts/index/), to look at."""
    folder = ARTIFACTS.parent / "index"
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"{name}.png"))
    page.evaluate("document.getElementById('finder').hidden ? document.getElementById('places').scrollIntoView() :"
                  " document.getElementById('finder').scrollIntoView()")
    page.screenshot(path=str(folder / f"{name}-table.png"))
    page.evaluate("window.scrollTo(0, 0)")


def _expected(manifest: dict) -> dict:
    places = [p for p in manifest["localities"] if p["locality_id"] != "all"]
    keyed = {(r["locality_id"], r["notebook"]): r["status"] for r in manifest["reports"]}
    status = {}
    for place in places:
        found = [keyed.get((place["locality_id"], n["name"]), "not run") for n in manifest["notebooks"]]
        status[place["locality_id"]] = "0" if "failed" in found else "1" if "not run" in found else "2"
    return {"places": places, "status": status,
            "counts": {s: sum(1 for r in manifest["reports"] if r["status"] == s) for s in ("ok", "failed", "not run")}}


@pytest.mark.integration
def test_national_index_size(national):
    """1,250 localities x 8 notebooks: each report a link, each place its own figures; about 1 MB."""
    size = national["index"].stat().st_size
    assert len(national["manifest"]["reports"]) >= 5000 and size < 1_500_000, size


@pytest.mark.e2e
def test_national_index_lists_failed_first_and_counts_reports(page, national):
    expected = _expected(national["manifest"])
    rows = page.evaluate(VISIBLE_JS)
    assert len(rows) == len(expected["places"]) + 1 and rows[0]["footprint"]
    ranks = [r["s"] for r in rows[1:]]
    assert ranks == sorted(ranks) and (ranks[0] == "0" or not national["synthetic"])  # failed, then not run, then done
    assert [r["id"] for r in rows[1:] if r["s"] == "0"] == [
        p["locality_id"] for p in expected["places"] if expected["status"][p["locality_id"]] == "0"]
    counts = page.locator("ul.counts li").all_inner_texts()
    assert counts == [f"{expected['counts']['ok']:,} done", f"{expected['counts']['failed']:,} failed",
                      f"{expected['counts']['not run']:,} not run"]
    assert sum(expected["counts"].values()) >= 5000
    assert expected["counts"]["failed"] >= 5 or not national["synthetic"]  # the synthetic run has a few failures
    assert page.locator("#shown").inner_text() == f"Showing all {len(expected['places']):,} localities."
    _look(page, "national-index-1280")
    page.set_viewport_size({"width": 320, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 321  # only the table scrolls sideways
    _look(page, "national-index-320")


@pytest.mark.e2e
def test_national_index_filters_by_name_id_group_and_status(page, national):
    expected = _expected(national["manifest"])
    places = expected["places"]
    find = page.get_by_label("Find a locality (name or id)")
    find.fill("locality 12")
    rows = [r for r in page.evaluate(VISIBLE_JS) if not r["footprint"]]
    wanted = [p["locality_id"] for p in places if "locality 12" in p["locality"].lower()]
    assert sorted(r["id"] for r in rows) == sorted(wanted) and len(wanted) > 10
    assert page.locator("#shown").inner_text() == f"Showing {len(wanted):,} of {len(places):,} localities."
    find.fill("L0777")
    assert [r["id"] for r in page.evaluate(VISIBLE_JS) if not r["footprint"]] == ["L0777"]
    find.fill("no such place")
    assert page.locator("#shown").inner_text().startswith("No locality matches")
    find.fill("")
    group_names = list(dict.fromkeys(p["group"] for p in places if p["group"]))
    page.get_by_label("Group").select_option(str(group_names.index("Place C")))
    rows = [r for r in page.evaluate(VISIBLE_JS) if not r["footprint"]]
    assert sorted(r["id"] for r in rows) == sorted(p["locality_id"] for p in places if p["group"] == "Place C")
    rank = "0" if "0" in expected["status"].values() else "2"  # with a failed report (a real run may have none)
    page.get_by_label("Status", exact=True).select_option(rank)
    rows = [r for r in page.evaluate(VISIBLE_JS) if not r["footprint"]]
    assert sorted(r["id"] for r in rows) == sorted(
        p["locality_id"] for p in places if p["group"] == "Place C" and expected["status"][p["locality_id"]] == rank)
    assert all(r["s"] == rank for r in rows) and (rows or not national["synthetic"])


@pytest.mark.e2e
def test_national_index_sorts_by_a_figure_with_the_keyboard(page, national):
    population = page.locator("thead th", has_text="Population")
    button = population.get_by_role("button", name="Population")
    button.focus()
    page.keyboard.press("Enter")
    assert population.get_attribute("aria-sort") == "descending"
    assert page.locator('thead th[data-sort="status"]').get_attribute("aria-sort") is None
    rows = page.evaluate(VISIBLE_JS)
    values = [float(r["v"]) for r in rows[1:] if r["v"] is not None]
    assert rows[0]["footprint"] and values == sorted(values, reverse=True) and len(values) >= 1200
    assert all(r["v"] is None for r in rows[1 + len(values):])  # places without the figure come last
    page.keyboard.press("Space")
    assert population.get_attribute("aria-sort") == "ascending"
    rows = page.evaluate(VISIBLE_JS)
    values = [float(r["v"]) for r in rows[1:] if r["v"] is not None]
    assert values == sorted(values) and rows[0]["footprint"]
    # back to failed first with the status column; the filter still applies to the sorted rows
    page.keyboard.press("Shift+Tab")  # the status column's button
    assert page.evaluate("document.activeElement.textContent") == "Status"
    page.keyboard.press("Enter")
    status = page.locator('thead th[data-sort="status"]')
    assert status.get_attribute("aria-sort") == "ascending" and population.get_attribute("aria-sort") is None
    ranks = [r["s"] for r in page.evaluate(VISIBLE_JS)[1:]]
    assert ranks == sorted(ranks) and (ranks[0] == "0" or not national["synthetic"])
    # the find box is reached with the keyboard too
    page.get_by_label("Find a locality (name or id)").focus()
    page.keyboard.type("L1249")
    assert [r["id"] for r in page.evaluate(VISIBLE_JS) if not r["footprint"]] == ["L1249"]


@pytest.mark.e2e
def test_national_index_keeps_its_column_headings_in_view_down_the_table(page):
    """1,250 rows: the table scrolls in its own box and the headings (and sort buttons) stay at its top."""
    box = page.locator("#places")
    box.scroll_into_view_if_needed()
    heading = page.locator("#places thead th").first
    box.evaluate("el => { el.scrollTop = el.scrollHeight / 2; }")
    page.wait_for_function("() => document.getElementById('places').scrollTop > 1000")
    assert abs(heading.bounding_box()["y"] - box.bounding_box()["y"]) < 2  # at the box's top, over the rows shown
    shown = page.evaluate("""() => { const b = document.getElementById('places').getBoundingClientRect();
        const under = document.elementFromPoint(b.left + 20, b.top + 5); return under.closest('thead') !== null; }""")
    assert shown, "the headings are covered by the rows"
    assert page.evaluate("document.documentElement.scrollHeight") < 3 * page.viewport_size["height"]


@pytest.mark.e2e
def test_national_index_passes_axe_once_every_row_is_laid_out(page):
    page.wait_for_selector("html[data-laid-out]", timeout=60_000)
    assert axe_violations(page) == []


@pytest.mark.e2e
def test_national_index_without_scripts_is_the_whole_table(browser, national):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        opened = context.new_page()
        opened.goto(national["index"].as_uri())
        assert opened.locator("#places tbody tr").count() == len(national["manifest"]["localities"])
        assert not opened.locator("#finder").is_visible()
        assert opened.locator('a[href="L0777/needs_analysis.html"]').count() == 1
        _look(opened, "national-index-no-script")
    finally:
        context.close()
