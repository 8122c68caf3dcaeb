"""The plan on a page: its figures are stpkit.plan's and stpkit.initiatives', the seed's inconsistencies are in
plain view, and every optional file the pack lacks gives a note saying what it would give."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest

from stpkit import activity, charts, initiatives, investment, pages, plan
from stpkit.pack import DEFAULT_PACK

from packs import write_pack

pytestmark = pytest.mark.integration

EXAMPLE_PACK = Path(__file__).resolve().parent.parent / "docs" / "example-pack"
OPTIONAL = ("priorities.csv", "milestones.csv", "dependencies.csv", "risks.csv")


@pytest.fixture(scope="module")
def default_page():
    return pages.PlanPage(None, "all", mode=charts.STATIC)


def _page_html(page) -> str:
    parts = [t.html() for t in page.result.tables.values()]
    parts += [c.html() if isinstance(c, pages.Note) else "" for c in page.result.charts.values()]
    parts.append(pages.cards_html(page.result.cards))
    return html.unescape("".join(parts))


@pytest.mark.parametrize("pack", [DEFAULT_PACK, EXAMPLE_PACK], ids=["default", "example"])
def test_figures_equal_plan_summary(pack):
    page = pages.PlanPage(pack, "all", mode=charts.STATIC)
    loaded = pages.open_pack(pack)
    horizon = plan.summary(loaded).set_index("line").loc["position"]
    whole = plan.summary(loaded, period="plan").set_index("line").loc["position"]
    f = page.result.figures
    assert f["do_nothing_gbp"] == pytest.approx(horizon["do_nothing_gbp"])
    assert f["solutions_gbp"] == pytest.approx(horizon["solutions_gbp"])
    assert f["do_something_gbp"] == pytest.approx(horizon["do_something_gbp"])
    assert f["plan_do_something_gbp"] == pytest.approx(whole["do_something_gbp"])
    assert f["headline"] == plan.headline(plan.summary(loaded))
    # the summary table on the page is plan.summary's, line by line
    shown = page.result.tables["summary"].frame
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), plan.summary(loaded).reset_index(drop=True))
    # the horizon year of the year-by-year gap is the horizon-year position
    years = page.result.tables["by_year"].frame.set_index("year")
    assert years.iloc[-1]["do_something_gbp"] == pytest.approx(horizon["do_something_gbp"])


def test_default_pack_reconciliation_is_reconcile_and_flags_show(default_page):
    loaded = pages.open_pack(None)
    checks = initiatives.reconcile(loaded.initiatives)
    shown = default_page.result.tables["reconciliation"].frame
    pd.testing.assert_frame_equal(shown[checks.columns].reset_index(drop=True), checks.reset_index(drop=True))
    assert default_page.result.figures["reconciliation_flags"] == int(checks["flagged"].sum()) == 3
    text = _page_html(default_page)
    # the seed's 23.3 against 23.8, the stranded cost 34.2 against 34.5 and the totals' 30.3 against 31.1
    assert "65.4 - 21.6 - 20.5 = 23.3m; published 23.8m" in text
    assert "6.9 + 6.8 + 20.5 = 34.2m; published 34.5m" in text
    assert "111.7 - 46.9 - 34.5 = 30.3m; published 31.1m" in text
    assert text.count("DOES NOT ADD UP") == 3
    finance = default_page.result.tables["finance"]
    row = finance.shown().set_index("Initiative").loc["Specialty pathway redesign"]
    assert row.filter(like="published").iloc[0] == "23.8" and row.filter(like="recomputed").iloc[0] == "23.3"
    assert row["Check"] == "does not add up"


def test_what_ifs_move_do_something(default_page):
    page = pages.PlanPage(None, "all", mode=charts.STATIC)
    before = page.result.figures["do_something_gbp"]
    page.set(funding_gbp_m=10.0)
    assert page.result.figures["do_something_gbp"] == pytest.approx(before + 10e6)
    assert page.result.figures["do_nothing_gbp"] == pytest.approx(default_page.result.figures["do_nothing_gbp"] + 10e6)
    page.set(funding_gbp_m=0.0, investment_share=0.5)
    loaded = pages.open_pack(None)
    expected = plan.summary(loaded, scenario=investment.Scenario("Plan", investment_share=0.5))
    assert page.result.figures["do_something_gbp"] == pytest.approx(
        expected.set_index("line").loc["position", "do_something_gbp"])
    assert page.result.figures["do_something_gbp"] != pytest.approx(before)


def test_a_locality_shows_its_contribution_beside_the_footprints():
    page = pages.PlanPage(None, "MSE05", mode=charts.STATIC)
    loaded = pages.open_pack(None)
    projection = activity.project(loaded)
    mine = plan.pressures(projection[projection["locality_id"] == "MSE05"])
    assert page.result.figures["locality_gross_savings_gbp"] == pytest.approx(mine["gross_savings_gbp"].sum())
    assert page.result.figures["locality_cost_growth_gbp"] == pytest.approx(-mine["cost_growth_gbp"].sum())
    table = page.result.tables["contribution"]
    assert isinstance(table, pages.Table) and "Colne Valley (£m)" in table.labels()
    # the plan's finance stays the footprint's
    assert page.result.figures["do_something_gbp"] == pytest.approx(
        plan.summary(loaded).set_index("line").loc["position", "do_something_gbp"])


def test_every_absent_optional_file_gives_a_note_naming_it(tmp_path):
    page = pages.PlanPage(write_pack(tmp_path / "bare"), "all", mode=charts.STATIC)
    text = _page_html(page)
    for name in (*OPTIONAL, "initiatives.csv"):  # named in words, as on the other pages
        assert f"Not shown:</strong> the pack does not give {pages.FILE_WORDS[name]}" in text, name
    assert page.result.figures["reconciliation_flags"] == 0


def test_optional_files_fill_their_sections(tmp_path):
    folder = write_pack(
        tmp_path / "full",
        **{"initiatives.csv": "initiative,gross_savings,investment,stranded_cost,net_savings,owner,organisations,"
                              "priority\nFrailty,10000000,4000000,2000000,4000000,Ann Lee,CCG; Trust,Care closer to home\n"
                              "Pathways,5000000,1000000,1000000,3500000,,Trust,Productivity\n",
           "priorities.csv": "priority,description\nProductivity,Less waste\nCare closer to home,Out of hospital\n",
           "milestones.csv": "initiative,quarter,milestone\nFrailty,2016/17 Q3,Hub open\nPathways,2017/18 Q1,Go live\n",
           "dependencies.csv": "initiative,depends_on,note\nPathways,Frailty,shared beds\n",
           "risks.csv": "risk,owner,likelihood,impact,mitigation\nStaff shortage,HR,4,5,Recruit\nIT late,CIO,2,3,Plan B\n"})
    page = pages.PlanPage(folder, "all", mode=charts.STATIC)
    text = _page_html(page)
    for name in (*OPTIONAL, "initiatives.csv"):
        assert f"the pack does not give {pages.FILE_WORDS[name]}" not in text, name
    initiatives_table = page.result.tables["initiatives"].shown()
    assert list(initiatives_table["Initiative"]) == ["Pathways", "Frailty"]  # the order of priorities.csv
    assert "Ann Lee" in text and "CCG, Trust" in text
    assert "Hub open" in text and "shared beds" in text
    risks = page.result.tables["risks"].shown()
    assert risks["Risk"].iloc[0] == "Staff shortage" and risks["Score"].iloc[0].startswith("20 (likely x severe)")
    assert page.result.figures["reconciliation_flags"] == 1  # 10 - 4 - 2 = 4 adds up; 5 - 1 - 1 = 3, not 3.5
    assert "5.0 - 1.0 - 1.0 = 3.0m; published 3.5m" in text
    for name in ("milestones", "dependencies", "risks", "gap", "finance"):
        assert not isinstance(page.result.charts[name], pages.Note), name
        assert "<svg" in charts.html(page.result.charts[name])


@pytest.mark.unit
def test_plan_files_name_initiatives_and_priorities_that_exist(tmp_path):
    from stpkit.validate import validate

    folder = write_pack(
        tmp_path / "refs",
        **{"initiatives.csv": "initiative,gross_savings,priority\nFrailty,1000000,Care closer to home\n"
                              "Pathways,2000000,Productivty\n",
           "priorities.csv": "priority\nProductivity\nCare closer to home\n",
           "milestones.csv": "initiative,quarter,milestone\nFrailty,2016/17 Q3,Hub open\nFrailtey,2017/18 Q1,Go live\n",
           "dependencies.csv": "initiative,depends_on\nPathway,Frailty\n",
           "risks.csv": "risk,likelihood,impact\nStaff shortage,6,2\n"})
    lines = [str(p) for p in validate(folder)]
    assert 'milestones.csv row 3, initiative: "Frailtey" has no row in initiatives.csv; did you mean Frailty?' in lines
    assert any(line.startswith('dependencies.csv row 2, initiative: "Pathway" has no row in initiatives.csv')
               for line in lines)
    assert ('initiatives.csv row 3, priority: "Productivty" has no row in priorities.csv; did you mean Productivity?'
            in lines)
    assert any(line.startswith("risks.csv row 2, likelihood:") for line in lines)
    assert len(lines) == 4


@pytest.mark.unit
def test_the_default_pack_marks_its_plan_files_illustrative():
    sources = pd.read_csv(DEFAULT_PACK / "sources.csv", dtype=str, keep_default_na=False)
    for name in ("milestones.csv", "dependencies.csv", "risks.csv"):
        rows = sources[sources["file"] == name]
        assert len(rows) and (rows["illustrative"] == "true").all(), name
    priorities = sources[sources["file"] == "priorities.csv"]
    assert len(priorities) and (priorities["illustrative"] == "false").all()


@pytest.mark.unit
def test_index_opens_with_the_footprints_plan_on_a_page():
    from stpkit.report import publish

    front = {"notebook": "plan_on_a_page", "headline": "2020/21: doing nothing leaves a deficit of £103m <&>",
             "figures": [{"label": "Do nothing, 2020/21", "text": "-£103m"}]}
    manifest = {"run": {}, "inputs": {"pack": {"name": "Test"}}, "plan": front,
                "notebooks": [{"name": "plan_on_a_page", "title": "Plan on a page"}],
                "localities": [{"locality_id": "all", "locality": "Test footprint", "group": ""}],
                "reports": [{"locality_id": "all", "notebook": "plan_on_a_page", "status": "ok",
                             "html": "all/plan_on_a_page.html"}]}
    page = publish.index_html(manifest)
    section = page.index('id="plan-on-a-page"')
    assert section < page.index("<table>")  # the front page opens with it, before the reports' table
    assert "deficit of £103m &lt;&amp;&gt;" in page
    assert page.index('href="all/plan_on_a_page.html">Open the plan on a page') > section
    # without the footprint's report the headline still shows, and says the report was not run
    manifest["reports"] = []
    page = publish.index_html(manifest)
    assert "deficit of £103m" in page and "was not run" in page and "Open the plan on a page" not in page
    # a manifest of an earlier release, without a plan, keeps its old front
    del manifest["plan"]
    assert 'id="plan-on-a-page"' not in publish.index_html(manifest)


@pytest.mark.unit
def test_build_gives_the_index_the_plans_headline_from_the_model():
    from stpkit.report import build

    loaded = pages.open_pack(None)
    front = build._plan_front(loaded, True)
    table = plan.summary(loaded)
    assert front["headline"] == plan.headline(table)
    position = table.set_index("line").loc["position"]
    assert [f["value"] for f in front["figures"]] == pytest.approx(
        [position["do_nothing_gbp"], position["solutions_gbp"], position["do_something_gbp"]])


@pytest.mark.integration
def test_workbook_has_the_plan_on_a_page_and_the_initiative_finance():
    import io

    import openpyxl

    from stpkit.report import workbook

    loaded = pages.open_pack(None)
    book = openpyxl.load_workbook(io.BytesIO(workbook.build(loaded, disclosure_on=True)))
    sheet = book["Plan on a page"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    expected = pd.concat([plan.summary(loaded), plan.summary(loaded, period="plan")], ignore_index=True)
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected.itertuples()):
        assert row[:2] == (want.period, want.label)
        assert row[2:5] == pytest.approx((want.do_nothing_gbp, want.solutions_gbp, want.do_something_gbp))
    assert plan.headline(plan.summary(loaded)) in sheet["A1"].value
    finance = [r for r in book["Initiative finance"].iter_rows(values_only=True) if any(v is not None for v in r)]
    spr = next(r for r in finance if r[0] == "Specialty pathway redesign")
    assert spr[4:6] == (23800000, 23300000)  # published beside recomputed
    flagged = [r for r in finance if "DOES NOT ADD UP" in r]
    checks = initiatives.reconcile(loaded.initiatives)
    assert len(flagged) == int(checks["flagged"].sum()) == 3
    assert any(r[-1] == "65.4 - 21.6 - 20.5 = 23.3m; published 23.8m" for r in flagged)


@pytest.mark.unit
def test_workbook_without_initiatives_says_which_file_fills_the_sheet(tmp_path):
    import io

    import openpyxl

    from stpkit.report import workbook

    loaded = pages.open_pack(write_pack(tmp_path / "bare"))
    book = openpyxl.load_workbook(io.BytesIO(workbook.build(loaded, disclosure_on=False)))
    assert "No initiatives.csv" in book["Initiative finance"]["A1"].value
    assert book["Plan on a page"]["A3"].value == "Period"


@pytest.mark.integration
def test_illustrative_plan_files_say_so_next_to_them(default_page):
    """The default pack's milestones, interdependencies, risks and each initiative's priority and organisations
    are illustrative (sources.csv): their sections say so; the priorities themselves are the seed's."""
    tables = default_page.result.tables
    assert tables["initiatives"].labels() == ["Initiative", "Priority it serves (illustrative)", "Owner",
                                              "Organisations involved (illustrative)"]
    for name in ("milestones", "dependencies", "risks"):
        assert tables[name].caption.endswith("(illustrative)"), name
        assert "(illustrative)" in charts.html(default_page.result.charts[name]), name
    assert "illustrative" not in tables["priorities"].html()
