"""Published reports meet WCAG 2.2 AA as far as a machine can check: axe-core in Chromium, zoom, headings.

The reports of one locality and of the footprint, for every notebook `stpkit reports` publishes, and
the index: for the default pack, and for a synthetic pack whose names have apostrophes, ampersands,
quotes and brackets. Each page: no axe-core violation of the WCAG 2.0, 2.1 and 2.2 A and AA rules;
text reflows at 320 CSS pixels wide (1280 at 400% zoom) with no sideways scrolling of the page
(tables and charts scroll inside their own box, as WCAG 1.4.10 allows); headings nest in order;
every table header cell has a scope; every chart has a text alternative and a table of its figures.
The apps and their landing page are checked in tests/test_apps_browser.py, on the server it starts.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stpkit import DEFAULT_PACK, charts
from stpkit.synthetic import write_synthetic_pack

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apps_fixtures.harness import ARTIFACTS, Offline, axe_violations, chromium, screenshot  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STPKIT = str(Path(sys.executable).parent / "stpkit")

PAGE_JS = """() => {
  const visible = e => e.offsetParent !== null || e.getClientRects().length > 0;
  const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(visible).map(h => +h.tagName[1]);
  const skips = [];
  levels.forEach((level, i) => { if (i > 0 && level > levels[i - 1] + 1) skips.push(`h${levels[i - 1]} to h${level}`); });
  return {
    scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth, levels: levels, skips: skips,
    unscoped: [...document.querySelectorAll('th')].filter(th => !th.getAttribute('scope')).length,
    charts: document.querySelectorAll('figure.stpkit-chart').length,
    unnamed: [...document.querySelectorAll('figure.stpkit-chart')].filter(f => !(f.getAttribute('aria-label') || '').trim()).length,
    tables: document.querySelectorAll('figure.stpkit-chart details.stpkit-figures table').length,
  };
}"""


def _publish(pack: Path, out: Path, locality: str) -> list[Path]:
    done = subprocess.run([STPKIT, "reports", str(pack), "--out", str(out), "--localities", locality],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return sorted(out.rglob("*.html"))


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> dict[str, list[Path]]:
    """Reports of one locality and the footprint, for the default pack and an awkward synthetic one."""
    root = tmp_path_factory.mktemp("a11y")
    awkward = write_synthetic_pack(root / "awkward", localities=4, seed=5)
    shutil.copytree(DEFAULT_PACK, root / "mid_south_essex")
    return {"default": _publish(root / "mid_south_essex", root / "out-default", "MSE05"),
            "awkward": _publish(awkward, root / "out-awkward", "L0001")}


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.mark.e2e
@pytest.mark.parametrize("pack", ["default", "awkward"])
def test_every_published_page_passes_axe_and_reflows(published, browser, pack):
    pages = published[pack]
    assert any(p.name == "index.html" for p in pages) and len(pages) >= 5, pages
    context = Offline(browser)
    problems = []
    try:
        for path in pages:
            page = context.new_page()
            page.goto(path.as_uri())
            # light reports draw their charts from the shared library: checked once drawn, as a reader sees them
            page.wait_for_function("document.querySelectorAll('[data-stpkit-chart]:not([data-drawn])').length === 0"
                                   " && document.querySelectorAll('[data-failed]').length === 0", timeout=30_000)
            where = f"{pack}: {path.parent.name}/{path.name}"
            problems += [f"{where}: {v}" for v in axe_violations(page)]
            facts = page.evaluate(PAGE_JS)
            if facts["skips"] or (facts["levels"] and facts["levels"][0] != 1):
                problems.append(f"{where}: headings out of order {facts['levels']}")
            if facts["unscoped"]:
                problems.append(f"{where}: {facts['unscoped']} table header cells without scope")
            if facts["unnamed"] or facts["tables"] < facts["charts"]:
                problems.append(f"{where}: a chart without its text alternative or its table of figures {facts}")
            if path.name != "index.html" and facts["charts"] == 0 and "Not shown" not in page.content():
                problems.append(f"{where}: no chart found")
            page.set_viewport_size({"width": 320, "height": 900})  # 1280 CSS pixels at 400% zoom
            wide = page.evaluate(PAGE_JS)["scrollWidth"]
            if wide > 321:
                shot = screenshot(page, ARTIFACTS.parent / "a11y" / f"{pack}-{path.parent.name}-{path.stem}-320.png")
                problems.append(f"{where}: the page scrolls sideways at 320 px ({wide} px wide, see {shot})")
            page.close()
        asked = [url for url in context.blocked if not url.startswith("file://")]  # the report itself is a file
        assert asked == [], "a report asked the internet for something"
    finally:
        context.close()
    assert problems == []


@pytest.mark.unit
def test_a_chart_says_what_it_shows_and_carries_its_figures():
    import pandas as pd

    frame = pd.DataFrame({"locality": ["Basildon", "Brentwood", "Canvey"], "savings_gbp_m": [4.0, 7.0, 2.0]})
    chart = charts.bars(frame, "locality", "savings_gbp_m", title="Gross savings by locality",
                        value_title="Gross savings (£m)", category_title="Locality", highlight="Basildon")
    text = charts.describe(chart)
    assert text.startswith("Gross savings by locality.")
    assert "Basildon: 4.0 (highlighted)" in text and "Highest: Brentwood (7.0)" in text
    assert "lowest: Canvey (2.0)" in text and "Gross savings (£m)" in text
    table = charts.figures_frame(chart)
    assert list(table.columns) == ["Locality", "Gross savings (£m)"]
    assert table["Gross savings (£m)"].tolist() == ["4.0", "7.0", "2.0"]
    html = charts.html(chart)
    assert 'aria-label="Gross savings by locality.' in html and '<th scope="col">Locality</th>' in html
    assert '<div aria-hidden="true"' in html  # the drawing is not read mark by mark


@pytest.mark.unit
def test_line_and_waterfall_findings_read_as_sentences():
    import pandas as pd

    frame = pd.DataFrame({"year": ["2016/17", "2017/18", "2018/19"] * 2, "fte": [10.0, 12.0, 15.0, 9.0, 9.5, 10.0],
                          "series": ["Demand"] * 3 + ["Supply"] * 3})
    chart = charts.lines(frame, "year", "fte", series="series", title="Demand and supply", value_title="FTE")
    assert charts.describe(chart) == ("Demand and supply. Demand: from 10.0 in 2016/17 to 15.0 in 2018/19; "
                                      "Supply: from 9.0 in 2016/17 to 10.0 in 2018/19. Figures are FTE.")
    steps = pd.DataFrame({"step": ["Base", "Momentum growth", "Scheme A", "Target"],
                          "kind": ["base", "growth", "scheme", "target"], "change": [0.0, 415.0, -291.0, 0.0],
                          "start": [0.0, 3849.0, 4264.0, 0.0], "end": [3849.0, 4264.0, 3973.0, 3973.0],
                          "order": [0, 1, 2, 3]})
    walk = charts.waterfall(steps, title="From base to target", value_title="Admissions")
    assert charts.describe(walk) == ("From base to target. From 3,849 to 3,973; "
                                     "the largest step is Momentum growth (+415).")


# Colour-blind simulation (Machado, Oliveira and Fernandes 2009, severity 1), in linear RGB
_CVD = {"protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]],
        "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]],
        "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                       [0.004733, 0.691367, 0.303900]]}


def _lab(hex_colour: str, matrix=None):
    import numpy as np

    srgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    rgb = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    if matrix is not None:
        rgb = np.clip(np.array(matrix) @ rgb, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ rgb
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.unit
@pytest.mark.parametrize("kind", list(_CVD))
def test_series_colours_stay_apart_for_the_common_colour_blindness_types(kind):
    """The first six series colours, and the pairs the pages set side by side, differ by at least
    15 (CIE76 colour difference) as people with protanopia, deuteranopia or tritanopia see them."""
    import itertools

    import numpy as np

    pairs = list(itertools.combinations(charts.PALETTE[:6], 2)) + [
        (charts.NHS_RED, charts.NHS_GREEN), (charts.NHS_RED, charts.NHS_MID_GREY),
        (charts.NHS_BLUE, charts.NHS_MID_GREY), (charts.NHS_RED, charts.NHS_WARM_YELLOW),
        (charts.NHS_BLUE, charts.NHS_PALE_GREY), (charts.NHS_GREEN, charts.NHS_MID_GREY)]
    close = [(a, b, round(float(np.linalg.norm(_lab(a, _CVD[kind]) - _lab(b, _CVD[kind]))), 1)) for a, b in pairs]
    assert [c for c in close if c[2] < 15] == []


@pytest.mark.unit
def test_line_series_differ_by_shape_as_well_as_colour():
    import pandas as pd

    frame = pd.DataFrame({"year": ["2016/17", "2017/18"] * 2, "fte": [1.0, 2.0, 3.0, 4.0],
                          "series": ["Demand"] * 2 + ["Supply"] * 2})
    spec = charts.lines(frame, "year", "fte", series="series", title="T", value_title="FTE").to_dict()
    shapes = [layer["encoding"]["shape"] for layer in spec["layer"] if "shape" in layer.get("encoding", {})]
    assert shapes and shapes[0]["scale"]["range"][:2] == ["circle", "square"]
