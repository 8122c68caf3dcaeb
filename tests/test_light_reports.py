"""Light reports and self-contained ones open from file:// with the network off, and every chart draws.

A light report (the default) loads the lab styles and the chart library from the report folder's
`_stpkit` folder and draws its charts there from their specifications; `--self-contained` writes one
file with inline SVG. Chromium opens both with the network off (offline, and any request that is
not a file aborted): every chart place is drawn (the printing contract: `data-drawn="1"` on every
`[data-stpkit-chart]`) into an SVG with marks that is not blank, and nothing is asked of the
network. The chart library's file carries its versions in its name and is never overwritten or
deleted by a later run, so a report made by an older stpkit still draws.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from stpkit import DEFAULT_PACK
from stpkit.report import export
from stpkit.report.build import build_reports

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apps_fixtures.harness import ARTIFACTS, chromium  # noqa: E402

NOTEBOOKS = ["investment_phasing", "needs_analysis"]
DRAWN = "document.querySelectorAll('[data-stpkit-chart]:not([data-drawn])').length === 0"

# Per chart (a light report's place, or a self-contained report's figure): the marks Vega drew, the
# drawing's size, and whether its marks cover more than a few pixels (a blank chart has none).
CHARTS_JS = """() => [...document.querySelectorAll('figure.stpkit-chart')].map(figure => {
  const place = figure.querySelector('[data-stpkit-chart]');
  const svg = figure.querySelector('svg');
  const marks = svg ? [...svg.querySelectorAll('g[class*="mark-"] path, g[class*="mark-"] rect, '
                                              + 'g[class*="mark-"] line, g[class*="mark-"] circle')] : [];
  const inked = marks.filter(m => { const b = m.getBBox();
                                    return b.width * b.height > 4 || b.width > 20 || b.height > 20; });
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return {place: !!place, drawn: place ? place.getAttribute('data-drawn') : null,
          failed: place ? place.getAttribute('data-failed') : null,
          marks: marks.length, inked: inked.length, width: box.width, height: box.height};
})"""


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> dict[str, Path]:
    """One locality's reports, light and self-contained, made in this process."""
    root = tmp_path_factory.mktemp("light")
    out = {}
    for kind in ("light", "self-contained"):
        result = build_reports(DEFAULT_PACK, root / kind, localities=["MSE05"], notebooks=NOTEBOOKS, workers=0,
                               self_contained=kind == "self-contained")
        assert result.failed == 0 and result.ok == 2 * len(NOTEBOOKS)
        out[kind] = root / kind
    return out


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def _open_offline(browser, path: Path):
    """A page opened from file:// in a context with the network off; returns (context, page, asked)."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.set_offline(True)
    asked: list[str] = []

    def only_files(route):
        asked.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_files)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_function(DRAWN, timeout=30_000)
    return context, page, asked, errors


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["light", "self-contained"])
def test_every_chart_draws_from_file_with_the_network_off(published, browser, kind):
    out = published[kind]
    pages = sorted(p for p in out.glob("*/*.html"))
    assert len(pages) == 2 * len(NOTEBOOKS)
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert export.fetches(text) == []
        if kind == "light":
            assert len(text) < 150_000 and "data-stpkit-chart" in text and "<svg" not in text
            for name in export.shared_references(text):
                assert (out / export.SHARED / name).is_file()
        else:
            assert len(text) > 250_000 and "data-stpkit-chart" not in text and "../_stpkit" not in text
        context, page, asked, errors = _open_offline(browser, path)
        try:
            found = page.evaluate(CHARTS_JS)
            where = f"{kind} {path.parent.name}/{path.name}"
            assert len(found) >= 3, where
            for chart in found:
                assert chart["place"] == (kind == "light"), where
                if kind == "light":
                    assert chart["drawn"] == "1" and chart["failed"] is None, (where, chart)
                assert chart["marks"] > 0 and chart["inked"] > 0, (where, chart)
                assert chart["width"] > 200 and chart["height"] > 100, (where, chart)
            assert [url for url in asked if not url.startswith("file://")] == [], where
            assert errors == [], where
            if path.parent.name == "MSE05" and path.stem == "investment_phasing":
                shots = ARTIFACTS.parent / "light-reports"
                shots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shots / f"{kind}-{path.stem}.png"), full_page=True)
        finally:
            context.close()


@pytest.mark.e2e
def test_an_older_chart_library_is_kept_and_its_reports_still_draw(published, browser, tmp_path):
    """A later run leaves the shared files it finds alone: an older stpkit's library and its reports keep working."""
    out = tmp_path / "out"
    shutil.copytree(published["light"], out)
    shared = out / export.SHARED
    current = shared / export.chart_library_name()
    older = shared / "charts-vl-convert-1.0.0-vega-lite-5_20.js"  # as an older stpkit named its library
    older.write_bytes(current.read_bytes())
    old_report = out / "MSE05" / "investment_phasing.html"
    text = old_report.read_text(encoding="utf-8").replace(current.name, older.name)
    kept = out / "made-earlier" / "investment_phasing.html"  # a report of the earlier run, outside this run's plan
    kept.parent.mkdir()
    kept.write_text(text, encoding="utf-8")
    before = {p.name: p.read_bytes() for p in shared.iterdir()}
    stamp = {p.name: p.stat().st_mtime_ns for p in shared.iterdir()}

    result = build_reports(DEFAULT_PACK, out, localities=["MSE05"], notebooks=NOTEBOOKS, workers=0, force=True)
    assert result.failed == 0
    assert {p.name: p.read_bytes() for p in shared.iterdir()} == before  # nothing overwritten, nothing deleted
    assert {p.name: p.stat().st_mtime_ns for p in shared.iterdir()} == stamp
    assert re.search(re.escape(current.name), (out / "MSE05" / "investment_phasing.html").read_text("utf-8"))

    context, page, asked, errors = _open_offline(browser, kept)
    try:
        found = page.evaluate(CHARTS_JS)
        assert found and all(c["drawn"] == "1" and c["failed"] is None and c["inked"] > 0 for c in found), found
        assert errors == []
    finally:
        context.close()


@pytest.mark.e2e
def test_a_light_report_without_its_shared_folder_says_where_its_charts_are(published, browser, tmp_path):
    """Copied on its own, a light report still opens: its charts say they need the shared folder, the figures
    are in the tables beside them, and a printer waiting for the charts does not wait for ever."""
    alone = tmp_path / "MSE05" / "needs_analysis.html"
    alone.parent.mkdir()
    shutil.copy(published["light"] / "MSE05" / "needs_analysis.html", alone)
    context, page, asked, errors = _open_offline(browser, alone)
    try:
        found = page.evaluate(CHARTS_JS)
        assert found and all(c["drawn"] == "1" and c["failed"] == "1" for c in found)
        assert "_stpkit folder" in page.inner_text("main")
    finally:
        context.close()
