"""stpkit apps in a real browser (Playwright driving Debian's Chromium, no internet).

For each of the apps: the page loads with no error text, its charts are drawn (not blank, not
cut off), moving a slider changes the figures shown, and ?locality= selects the locality named on
the page. Also: a locality with an awkward name from another pack (?pack=), a pack with only the
four required files, ten sessions at once with each kernel's memory, and errors kept off the page.

Screenshots and timings go to test-artifacts/apps/ (look at them: a blank or cut-off chart is a
failure even when every assertion passes).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from stpkit import DEFAULT_PACK, apps, load_pack
from stpkit.synthetic import write_synthetic_pack

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apps_fixtures.harness import (  # noqa: E402
    ARTIFACTS, FIGURES_TEXT_JS, AppsServer, Offline, axe_violations, chart_screenshots, chart_stats, chromium,
    figures_text, first_visible_slider, fixture_notebooks, focused, move_slider, open_app, page_problems, screenshot,
    sliders, tab_to, wait_ready, what_if)

pytestmark = pytest.mark.e2e

# one locality per app, and the locality picked for the load test's sessions
APP_LOCALITIES = {"needs_analysis": "MSE05", "locality_deep_dive": "MSE14", "investment_phasing": "MSE21",
                  "workforce_gap": "MSE08", "bed_capacity": "MSE06", "plan_on_a_page": "MSE03", "budgets": "MSE06",
                  "scenario_comparison": "MSE05"}
NO_SLIDERS = {"scenario_comparison"}  # it compares the pack's scenarios: its what-if is the locality picked


@pytest.fixture(scope="module")
def data_folder(tmp_path_factory):
    """The default pack, one with awkward names and one with only the four required files."""
    data = tmp_path_factory.mktemp("apps-data")
    shutil.copytree(DEFAULT_PACK, data / "mid_south_essex")
    write_synthetic_pack(data / "awkward", localities=8, seed=3)
    write_synthetic_pack(data / "minimal", localities=5, seed=4, optional=False)
    from stpkit.convert import convert

    convert(data / "awkward", data / "workbook.xlsx")  # a workbook pack, picked by its file name
    return data


@pytest.fixture(scope="module")
def server(data_folder):
    """`stpkit apps` serving the real notebooks, as shipped: two preheated kernels per app."""
    running = AppsServer(ARTIFACTS / "server-browser.log", pack=data_folder / "mid_south_essex",
                         data=data_folder, pool_size=apps.DEFAULT_POOL_SIZE)
    try:
        running.wait_up()
        running.wait_warm()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def offline(browser):
    context = Offline(browser)
    yield context
    context.close()


def _record(name: str, values: dict) -> None:
    path = ARTIFACTS / "timings.json"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data[name] = values
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _what_if(page, timeout: float = 30) -> float:
    """Move the first slider one step (back if it is at its end) and time the figures changing."""
    try:
        return what_if(page, timeout)
    except Exception as error:
        shot = screenshot(page, ARTIFACTS / f"what-if-failed-{time.time_ns()}.png")
        raise AssertionError(f"moving a slider on {page.url} changed nothing shown (see {shot}): {error}") from None


def _check_charts(stats: list[dict]) -> None:
    assert stats, "no chart on the page"
    for i, chart in enumerate(stats, 1):
        assert chart["kind"] in ("svg", "canvas"), f"chart {i} was not drawn: {chart}"
        assert chart["inked"] >= 20 and chart["colours"] >= 2, f"chart {i} is blank: {chart}"
        assert chart["drawnWidth"] >= 150 and chart["drawnHeight"] >= 80, f"chart {i} is tiny: {chart}"
        assert chart["drawnRight"] <= chart["pageWidth"] + 1, f"chart {i} runs off the page: {chart}"
        assert chart["scrollWidth"] <= chart["clientWidth"] + 1, f"chart {i} is cut off: {chart}"


@pytest.mark.parametrize("app", list(apps.APPS))
def test_app_draws_follows_a_slider_and_names_its_locality(server, offline, app):
    locality = APP_LOCALITIES[app]
    name = dict(zip(*load_pack(DEFAULT_PACK).localities[["locality_id", "locality"]].T.values))[locality]
    page = offline.new_page()
    ready = open_app(page, f"{server.url}apps/{app}?locality={locality}")
    before = figures_text(page)
    shots = ARTIFACTS / app
    screenshot(page, Path(f"{shots}-before.png"))
    chart_screenshots(page, shots)

    assert page_problems(page) == []
    assert offline.blocked == [], "the page asked the internet for something"
    assert offline.console_errors == []
    _check_charts(chart_stats(page))
    assert name in before, f"{name} ({locality}) is not named on the page"
    assert axe_violations(page) == [], "WCAG 2.2 AA (axe-core)"

    if app in NO_SLIDERS:
        start = time.perf_counter()
        page.locator(".widget-dropdown select").first.select_option(label="Footprint (all localities)")
        deadline = time.monotonic() + 60
        while figures_text(page) == before and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        latency = time.perf_counter() - start
    else:
        latency = _what_if(page)
    after = figures_text(page)
    assert after != before
    assert page_problems(page) == []
    screenshot(page, Path(f"{shots}-after.png"))
    _record(app, {"ready_s": round(ready, 3), "what_if_s": round(latency, 3)})


DO_SOMETHING_JS = """() => {
    const card = [...document.querySelectorAll('.stpkit-card')].find(
        c => (c.querySelector('.label') || {}).textContent === 'Do something, 2020/21');
    return card ? card.querySelector('.value').textContent : null;
}"""


def test_plan_app_funding_slider_moves_the_do_something_figure(server, offline):
    """The plan on a page as an app: its figures are stpkit.plan's, and £5m more funding a year (five steps of
    the first slider) moves do something by £5m, as stpkit.plan.summary says it should."""
    from stpkit import pages, plan

    position = plan.summary(load_pack(DEFAULT_PACK)).set_index("line").loc["position", "do_something_gbp"]
    page = offline.new_page()
    open_app(page, f"{server.url}apps/plan_on_a_page")
    assert page.evaluate(DO_SOMETHING_JS) == pages.gbp(position) == "-£75.1m"
    text = figures_text(page)
    assert "65.4 - 21.6 - 20.5 = 23.3m; published 23.8m" in text and "DOES NOT ADD UP" in text
    assert page_problems(page) == [] and offline.blocked == []
    index = first_visible_slider(page)
    assert "funding" in page.locator(".widget-slider").nth(index).inner_text().lower()
    move_slider(page, index, steps=5)
    expected = pages.gbp(position + 5e6)
    page.wait_for_function(f"() => ({DO_SOMETHING_JS})() === {json.dumps(expected)}", timeout=30_000)
    assert expected == "-£70.1m"
    screenshot(page, ARTIFACTS / "plan_on_a_page-funding.png")


def test_report_index_opens_with_the_plan_on_a_page(browser, tmp_path):
    """`stpkit reports` for one locality and the plan: the index's first section is the footprint's plan on a
    page (its headline and figures), and its link opens the footprint's report with its charts drawn."""
    import subprocess

    from stpkit import plan

    out = tmp_path / "reports"
    command = Path(sys.executable).parent / "stpkit"
    run = subprocess.run([str(command), "reports", str(DEFAULT_PACK), "--out", str(out),
                          "--localities", "MSE05", "--notebooks", "plan_on_a_page", "--workers", "1"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    context = Offline(browser)
    try:
        page = context.new_page()
        page.goto((out / "index.html").as_uri())
        first = page.locator("main > *").first
        assert first.get_attribute("id") == "plan-on-a-page"
        assert first.locator("h2").inner_text() == "Plan on a page"
        headline = plan.headline(plan.summary(load_pack(DEFAULT_PACK)))
        assert first.locator(".headline").inner_text() == headline
        assert "Do something, 2020/21: -£75.1m" in first.inner_text()
        box = first.bounding_box()
        assert box["y"] < 400 and box["height"] > 100  # at the top of the page, above the reports' table
        screenshot(page, ARTIFACTS / "report-index.png")
        first.get_by_role("link", name="Open the plan on a page").click()
        page.wait_for_load_state()
        assert page.url.endswith("/all/plan_on_a_page.html")
        body = page.locator("body").inner_text()
        assert headline in body and "DOES NOT ADD UP" in body and "published 23.8m" in body
        drawn = page.evaluate("() => [...document.querySelectorAll('svg.marks')].filter(svg => {"
                              " const box = svg.getBoundingClientRect(); return box.width > 150 && box.height > 80"
                              " && svg.querySelectorAll('path, rect, text').length > 20; }).length")
        assert drawn >= 5  # the gap, the initiative finance, milestones, interdependencies, risks
        assert [url for url in context.blocked if not url.startswith("file:")] == []  # nothing from a network
        screenshot(page, ARTIFACTS / "report-plan_on_a_page.png")
    finally:
        context.close()


def test_awkward_locality_name_from_another_pack(server, offline):
    """?pack= picks a pack under the served data folder; names with ' & " ( ) arrive intact."""
    page = offline.new_page()
    open_app(page, f"{server.url}apps/locality_deep_dive?pack=awkward&locality=L0001")
    screenshot(page, ARTIFACTS / "awkward-locality_deep_dive.png")
    text = figures_text(page)
    assert "St Mary's & St John's (North)" in text
    assert "Synthetic footprint" in text
    assert page_problems(page) == [] and offline.blocked == []
    _check_charts(chart_stats(page))
    assert axe_violations(page) == [], "WCAG 2.2 AA (axe-core)"
    _what_if(page)


def test_landing_page_is_accessible(server, offline):
    """The front page a manager starts from: no WCAG 2.2 AA failure, and it reflows at 400% zoom."""
    page = offline.new_page()
    page.goto(server.url)
    assert axe_violations(page) == [], "WCAG 2.2 AA (axe-core)"
    page.set_viewport_size({"width": 320, "height": 800})  # 1280 CSS pixels at 400%
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 321, "the front page scrolls sideways"


def _is_locality_picker(page) -> bool:
    """The focused element is the page's locality picker (a drop-down labelled "Locality")."""
    return page.evaluate("""() => { const el = document.activeElement;
        const box = el && el.tagName === 'SELECT' && el.closest('.widget-dropdown');
        const label = box && box.querySelector('label');
        return !!label && label.textContent.trim() === 'Locality'; }""")


@pytest.mark.parametrize("app", list(apps.APPS))
def test_app_works_by_keyboard_alone(server, offline, app):
    """Tab reaches the locality picker and the first slider in page order, each named, with a visible
    focus ring; an arrow key on the slider changes the figures, and one on the picker changes the locality."""
    locality = APP_LOCALITIES[app]
    names = dict(zip(*load_pack(DEFAULT_PACK).localities[["locality_id", "locality"]].T.values))
    page = offline.new_page()
    open_app(page, f"{server.url}apps/{app}?locality={locality}")
    page.locator("body").click(position={"x": 2, "y": 2})  # the keyboard starts at the top of the page
    picker = tab_to(page, lambda f: f["tag"] == "select" and _is_locality_picker(page))
    assert picker["ring"], f"no visible focus ring on the locality picker: {picker}"
    if app not in NO_SLIDERS:  # the comparison's only what-if is the locality: the picker below
        handle = tab_to(page, lambda f: "noUi-handle" in f["cls"])
        assert handle["ring"], f"no visible focus ring on the slider: {handle}"
        assert handle["label"] and handle["valuetext"], f"the slider has no spoken name or value: {handle}"
        shown_value = page.evaluate("() => document.activeElement.closest('.widget-slider')"
                                    ".querySelector('.widget-readout').textContent.trim()")
        assert handle["valuetext"] == shown_value, f"spoken value is not the value shown ({shown_value}): {handle}"
        before = figures_text(page)
        at_end = handle["valuenow"] is not None and page.evaluate(
            "() => document.activeElement.getAttribute('aria-valuenow') === "
            "document.activeElement.getAttribute('aria-valuemax')")
        page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
        page.wait_for_function(f"(before) => ({FIGURES_TEXT_JS})() !== before", arg=before, timeout=30_000)
        wait_ready(page)
        assert figures_text(page) != before, "a slider moved by keyboard changed nothing"
        assert focused(page) and "noUi-handle" in focused(page)["cls"], "the focus left the slider"
    # back to the picker with Shift+Tab, and the next locality with the down arrow
    for _ in range(0 if _is_locality_picker(page) else 80):
        page.keyboard.press("Shift+Tab")
        if (focused(page) or {}).get("tag") == "select" and _is_locality_picker(page):
            break
    assert _is_locality_picker(page), "Shift+Tab did not lead back to the locality picker"
    chosen, shown = page.evaluate("() => document.activeElement.value"), figures_text(page)
    page.keyboard.press("ArrowDown")
    page.wait_for_function("(v) => document.activeElement && document.activeElement.value !== v", arg=chosen,
                           timeout=10_000)
    page.wait_for_function(f"(before) => ({FIGURES_TEXT_JS})() !== before", arg=shown, timeout=90_000)
    wait_ready(page)
    label = page.evaluate("() => document.activeElement.options[document.activeElement.selectedIndex].text")
    label = label.replace("\xa0", " ").split(" (")[0]
    assert label != names[locality]
    page.wait_for_function(f"(name) => ({FIGURES_TEXT_JS})().replace(/\\u00a0/g, ' ').includes(name)", arg=label,
                           timeout=60_000)  # the page names the locality picked by keyboard
    assert page_problems(page) == []


def test_workbook_pack_in_an_app(server, offline):
    """?pack= picks a workbook pack (.xlsx) under the served data folder like a folder pack."""
    page = offline.new_page()
    open_app(page, f"{server.url}apps/needs_analysis?pack=workbook.xlsx&locality=L0001")
    screenshot(page, ARTIFACTS / "workbook-needs_analysis.png")
    text = figures_text(page)
    assert "St Mary's & St John's (North)" in text and "Synthetic footprint" in text
    assert page_problems(page) == [] and offline.blocked == []
    _check_charts(chart_stats(page))
    _what_if(page)


@pytest.mark.parametrize("app, missing", [("investment_phasing", "the planned investment"),
                                          ("workforce_gap", "the staff in post (workforce supply)"),
                                          ("bed_capacity", "lengths of stay")])
def test_pack_with_only_the_required_files_says_what_is_missing(server, offline, app, missing):
    page = offline.new_page()
    open_app(page, f"{server.url}apps/{app}?pack=minimal&locality=L0002", min_charts=0)
    screenshot(page, ARTIFACTS / f"minimal-{app}.png")
    text = figures_text(page)
    assert f"the pack does not give {missing}" in text and ".csv" not in text  # in words, no file names
    assert page_problems(page) == [] and offline.blocked == []


def test_ten_sessions_at_once_each_still_responding(server, browser):
    """Ten managers open apps at the same moment; every page loads and answers its slider.

    Records each session's ready time and what-if latency, and each kernel's memory (RSS and
    USS) for the README, in test-artifacts/apps/load.json.
    """
    sessions = [(app, locality) for app, locality in [
        ("needs_analysis", "MSE01"), ("locality_deep_dive", "MSE02"), ("investment_phasing", "all"),
        ("workforce_gap", "MSE04"), ("needs_analysis", "MSE10"), ("locality_deep_dive", "MSE12"),
        ("investment_phasing", "MSE15"), ("workforce_gap", "all"), ("needs_analysis", "MSE20"),
        ("locality_deep_dive", "MSE25")]]
    contexts = [Offline(browser) for _ in sessions]
    try:
        pages = [context.new_page() for context in contexts]
        for page, (app, locality) in zip(pages, sessions):
            page.goto(f"{server.url}apps/{app}?locality={locality}", wait_until="commit", timeout=120_000)
        ready = [wait_ready(page, timeout=300) for page in pages]
        latencies = [_what_if(page) for page in pages]
        for page, context, (app, locality) in zip(pages, contexts, sessions):
            assert page_problems(page) == [], f"{app}?locality={locality}"
            assert context.console_errors == [], f"{app}?locality={locality}: {context.console_errors[:3]}"
        assert all(context.blocked == [] for context in contexts)

        kernels = server.kernels()
        memory = [k.memory_full_info() for k in kernels]
        rss = sorted(m.rss / 2**20 for m in memory)
        uss = sorted(m.uss / 2**20 for m in memory)
        result = {"sessions": len(sessions), "all_ready_s": round(max(ready), 2),
                  "ready_s": [round(r, 2) for r in ready],
                  "what_if_s": [round(x, 3) for x in latencies], "kernels": len(kernels),
                  "kernel_rss_mib": {"median": round(rss[len(rss) // 2]), "max": round(rss[-1])},
                  "kernel_uss_mib": {"median": round(uss[len(uss) // 2]), "max": round(uss[-1])},
                  "server_rss_mib": round(__import__("psutil").Process(server.process.pid).memory_info().rss / 2**20)}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "load.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(json.dumps(result))
        assert len(kernels) >= len(sessions)
        assert max(latencies) < 10, "a session stopped answering its controls"
    finally:
        for context in contexts:
            context.close()


# ---------------------------------------------------------------------------------------------
# Errors never reach the page: a fixture notebook that fails in a cell and in a callback


@pytest.fixture(scope="module")
def broken_server(tmp_path_factory):
    notebooks = fixture_notebooks(tmp_path_factory.mktemp("broken-notebooks"), needs_analysis="broken.ipynb")
    running = AppsServer(ARTIFACTS / "server-broken.log", notebooks=notebooks, pool_size=1)
    try:
        running.wait_up()
        running.wait_warm()
        yield running
    finally:
        running.stop()


def test_cell_error_shows_a_plain_message_and_logs_the_traceback(broken_server, offline):
    page = offline.new_page()
    page.goto(f"{broken_server.url}apps/needs_analysis?locality=MSE05", wait_until="commit")
    page.wait_for_selector(".stpkit-app-error", timeout=120_000)
    screenshot(page, ARTIFACTS / "broken-cell.png")
    text = page.evaluate("() => document.body.innerText")
    assert apps.PLAIN_ERROR in text
    assert "secret-cell-detail" not in text and page_problems(page) == []
    assert "This part drew fine." in text  # the cells before the error are shown
    log = broken_server.log()
    assert "secret-cell-detail" in log and "Traceback" in log and "KeyError" in log


def test_callback_error_shows_a_plain_message_and_logs_the_traceback(broken_server, offline):
    page = offline.new_page()
    open_app(page, f"{broken_server.url}apps/needs_analysis", min_charts=0)
    handle = sliders(page).first
    handle.focus()
    handle.press("ArrowRight")
    page.wait_for_selector(".stpkit-app-banner .stpkit-app-error", timeout=30_000)
    screenshot(page, ARTIFACTS / "broken-callback.png")
    text = page.evaluate("() => document.body.innerText")
    assert apps.PLAIN_CALLBACK_ERROR in text
    assert "secret-callback-detail" not in text and page_problems(page) == []
    log = broken_server.log()
    assert "secret-callback-detail" in log and "ZeroDivisionError" in log
    assert "error in /apps/needs_analysis" in log


def test_closing_the_page_stops_its_kernel(broken_server, offline):
    """A manager closing the tab frees the page's kernel at once (Voila's page says so as it closes).

    Follows the page's own kernel (the id in the page's settings), not a count of kernels: the pool
    starts a new kernel for the one the page took at about the same time.
    """
    page = offline.new_page()
    open_app(page, f"{broken_server.url}apps/workforce_gap", min_charts=1)
    kernel_id = page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    assert broken_server.kernel(kernel_id) is not None, f"no kernel process for the page's kernel {kernel_id}"
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and broken_server.kernel(kernel_id) is not None:
        time.sleep(0.2)
    assert broken_server.kernel(kernel_id) is None, "the closed page's kernel is still running after 20 s"
    assert "403 POST /voila/api/shutdown" not in broken_server.log()


def test_bed_capacity_occupancy_slider_changes_the_beds_shown(server, offline):
    """The bed capacity app: its charts draw, and the occupancy target moves the beds in the headline."""
    page = offline.new_page()
    open_app(page, f"{server.url}apps/bed_capacity?locality=all")
    _check_charts(chart_stats(page))
    before = figures_text(page)
    assert "Beds needed in 2020/21" in before and "Erlang" in before
    _what_if(page)  # the first slider: the occupancy target, one step up (fewer beds) or down (more)
    after = figures_text(page)

    def beds_needed(text: str) -> int:
        found = re.search(r"Beds needed in 2020/21\s*([\d,]+)", text)  # label and figure: adjacent elements
        assert found, "no beds in the headline"
        return int(found.group(1).replace(",", ""))

    assert beds_needed(after) != beds_needed(before)
    assert page_problems(page) == [] and offline.blocked == []
    screenshot(page, ARTIFACTS / "bed_capacity-slider.png")

