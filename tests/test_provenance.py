"""Every figure says whose it is and where it comes from, in a reader's words: no seed numbers, file names
or command lines on a page, "illustrative" next to every figure resting on an illustrative input."""

from __future__ import annotations

import json
import re
import shutil
from html import escape
from pathlib import Path

import pandas as pd
import pytest

from stpkit import charts, pages, sources
from stpkit.pack import DEFAULT_PACK, load_pack
from stpkit.report import jobs
from stpkit.pages import base
from stpkit.synthetic import write_synthetic_pack

from packs import write_pack

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("papermill", "-p pack", ".csv", "pack.toml", "elasticity", "GBP")
MSE = "Mid and South Essex STP, Local Health and Care annex, October 2016"


def _put_back(saved) -> None:
    import altair as alt
    alt.renderers.enable(saved[0], **saved[1])
    alt.data_transformers.enable(saved[2], **saved[3])
    charts._mode, charts._interactive_charts = saved[4], saved[5]


@pytest.fixture(autouse=True)
def altair_as_it_was(request):
    """Pages drawn as a report draws them, and the process's Altair settings put back afterwards.

    A test that runs the report engine in this process gets the settings as it found them: the engine
    takes the settings it first meets as a fresh kernel's, for every later run in the process.
    """
    import altair as alt
    saved = (alt.renderers.active, dict(alt.renderers.options), alt.data_transformers.active,
             dict(alt.data_transformers.options), charts._mode, charts._interactive_charts)
    if "engine_in_process" not in request.keywords:
        charts.setup(charts.STATIC)
    yield
    _put_back(saved)


@pytest.fixture(scope="module")
def other_packs(tmp_path_factory) -> dict[str, Path]:
    """Packs whose sources name no seed: a synthetic one, the bare four files, and the documented example."""
    folder = tmp_path_factory.mktemp("other")
    return {"synthetic": write_synthetic_pack(folder / "synthetic", localities=7, seed=3),
            "bare": write_pack(folder / "bare"), "example": ROOT / "docs" / "example-pack"}


def page_text(page: pages.Page) -> str:
    """Everything a reader sees of a page except its sources section: title, assumptions, figures, charts, tables."""
    r = page.result
    parts = [r.title, r.subtitle, pages.cards_html(r.cards)]
    for name, spec in page.specs.items():
        parts += [spec.label, spec.help, spec.text(page.controls[name].value)]
    for chart in r.charts.values():
        parts.append(chart.html() if isinstance(chart, pages.Note) else json.dumps(
            {k: v for k, v in chart.to_dict(validate=False).items() if k not in ("$schema", "datasets")}))
    for table in r.tables.values():
        parts.append(table.html())
    return "\n".join(parts)


@pytest.mark.unit
def test_a_source_is_read_from_the_pack_the_most_specific_row_first():
    pack = load_pack()
    population = sources.source(pack, "localities.csv", "population")
    assert population.citation == MSE and not population.illustrative
    gps = sources.source(pack, "workforce.csv", "baseline_fte", key="GPs")
    assert gps.illustrative and gps.citation.startswith("Illustrative assumption")
    # MSE20 (a deep dive) has its own row for patients per GP: it wins over the row for every locality
    table = pack.table("sources.csv")
    own = table[(table["column"] == "patients_per_gp") & (table["locality_id"] == "MSE20")]["citation"].iloc[0]
    assert sources.source(pack, "localities.csv", "patients_per_gp", locality="MSE20").citation == own
    assert sources.illustrative(pack, [("localities.csv", "imd_score")], locality="MSE05")
    assert not sources.illustrative(pack, [("localities.csv", "population")], locality="MSE05")
    assert sources.line(pack, "pods.csv", "unit_cost", key="ae").endswith("(illustrative)") or \
        "illustrative" in sources.line(pack, "pods.csv", "unit_cost", key="ae").lower()
    assert not (ROOT / "docs" / "example-pack" / "sources.csv").exists()
    example = load_pack(ROOT / "docs" / "example-pack")
    assert sources.source(example, "localities.csv", "population") is None
    assert sources.line(example, "pods.csv", "growth", default="the pack") == "the pack"


@pytest.mark.unit
def test_sources_in_the_pack_are_validated_with_a_one_line_problem(tmp_path):
    from stpkit.validate import validate

    folder = write_pack(tmp_path / "p", **{"sources.csv": "file,column,locality_id,key,source,illustrative\n"
                                                          "pods.csv,growth,*,*,x,perhaps\n"})
    problems = [str(p) for p in validate(folder)]
    assert len(problems) == 1 and "sources.csv row" in problems[0] and "illustrative" in problems[0]


@pytest.mark.unit
@pytest.mark.parametrize("locality", ["MSE05", "all"])
def test_every_figure_resting_on_an_illustrative_input_says_so_next_to_it(locality):
    """The default pack's README and sources mark archetype values, patients per GP, the workforce supply and
    the discount rate as illustrative: the figures resting on them are flagged, the others are not."""
    flagged = {}
    for cls in pages.PAGES.values():
        page = cls(None, locality)
        for card in page.result.cards:
            flagged[(cls.notebook, card.label)] = card.illustrative
        html = pages.cards_html(page.result.cards)
        for card in page.result.cards:  # the flag sits in the card, right under its figure
            if card.illustrative:
                value = re.escape(escape(card.value))
                assert re.search(rf"<div class='value'>{value}</div><div class='flag'>illustrative</div>", html)
    expected = {("workforce_gap", "Workforce gap in 2020/21"), ("workforce_gap", "Cost of the gap in 2020/21"),
                ("workforce_gap", "GP time released"), ("locality_deep_dive", "Enabler maturity"),
                ("investment_phasing", "Net present value")}
    # the default pack's bed data is illustrative (the seeds give none for it)
    expected |= {("bed_capacity", "Beds needed in 2020/21"), ("bed_capacity", "Beds for a 5% risk"),
                 ("bed_capacity", "Chance of finding no bed"), ("bed_capacity", "Cost of the beds in 2020/21"),
                 ("locality_deep_dive", "Beds needed in 2020/21")}
    # the default pack's population by age is illustrative, and so are stpkit's default cost weights
    expected |= {("budgets", "Weighted population"), ("budgets", "Fair share of the budget"),
                 ("budgets", "Emergency admissions against the age mix"), ("budgets", "Growth from people ageing")}
    if locality != "all":
        expected |= {("workforce_gap", "Share of the gap in 2020/21"), ("locality_deep_dive", "Archetype")}
    expected |= {("scenario_comparison", f"{title}: NPV") for title in (  # each scenario's NPV, as the investment page's
        "Comprehensive option", "Do nothing", "Do something", "Interim option",
        "Third option: lower assumptions on degree and pace")}
    assert {key for key, flag in flagged.items() if flag} == expected
    context = pages.LocalityPage(None, locality).table("context").labels()
    assert "IMD 2015 score (illustrative)" in context and "Population" in context


@pytest.mark.unit
def test_nothing_is_flagged_when_the_packs_sources_mark_nothing_illustrative(tmp_path):
    folder = tmp_path / "mse"
    shutil.copytree(DEFAULT_PACK, folder)
    table = pd.read_csv(folder / "sources.csv", dtype=str, keep_default_na=False)
    # cost weights of the pack's own (stpkit's default weights are illustrative whatever the pack says)
    (folder / "cost_weights.csv").write_text("age_band,cost_weight\n0-64,0.8\n65+,2.5\n", encoding="utf-8")
    table = pd.concat([table, pd.DataFrame([{"file": "cost_weights.csv", "column": "cost_weight", "locality_id": "*",
                                             "key": "*", "source": "a published table"}])], ignore_index=True)
    table["illustrative"] = "false"
    table["citation"] = "A published table"
    table.to_csv(folder / "sources.csv", index=False)
    for cls in pages.PAGES.values():
        page = cls(folder, "MSE05")
        assert not any(card.illustrative for card in page.result.cards), cls.notebook
        text = page_text(page)
        assert "(illustrative)" not in text and "illustrative supply" not in text


@pytest.mark.unit
@pytest.mark.parametrize("name", ["synthetic", "bare", "example"])
def test_no_seed_wording_or_file_names_on_a_pack_whose_sources_name_none(other_packs, name):
    pack = load_pack(other_packs[name])
    loc = str(pack.localities["locality_id"].iloc[1])
    for cls in pages.PAGES.values():
        for where in ("all", loc):
            page = cls(pack, where)
            text = page_text(page) + page.sources_html()
            assert "seed" not in text.lower(), (cls.notebook, where)
            found = [word for word in FORBIDDEN if word in text]
            assert not found, (cls.notebook, where, found)


@pytest.mark.unit
def test_the_default_pack_cites_its_documents_by_title_never_as_seeds():
    for cls in pages.PAGES.values():
        page = cls(None, "MSE05")
        text = page_text(page)
        assert "seed" not in text.lower() and not [w for w in FORBIDDEN if w in text], cls.notebook
        listed = page.sources_html()
        assert "seed" not in listed.lower() and ".csv" not in listed
    assert MSE in pages.LocalityPage(None, "MSE05").sources_html()


@pytest.mark.unit
def test_whose_figure_it_is_a_locality_page_labels_the_footprints_figures():
    pack = load_pack()
    workforce = pages.WorkforcePage(pack, "MSE05")
    whose = {card.label: card.whose for card in workforce.result.cards}
    assert whose["Workforce gap in 2020/21"] == "Mid and South Essex footprint"
    assert whose["Share of the gap in 2020/21"] == "Colne Valley" and whose["Care coordinators needed"] == "Colne Valley"
    # the share by the stated rule, population: Colne Valley's 46,000 of 1,200,000 people, 3.8%
    share = 46_000 / float(pack.localities["population"].sum())
    gap = next(c for c in workforce.result.cards if c.label == "Workforce gap in 2020/21")
    mine = next(c for c in workforce.result.cards if c.label == "Share of the gap in 2020/21")
    assert mine.value == f"{float(gap.value.split()[0].replace(',', '')) * share:,.1f} FTE" and "by population" in mine.detail
    assert "Mid and South Essex footprint" in workforce.table("gap").caption
    money = pages.InvestmentPage(pack, "MSE05")
    assert {c.whose for c in money.result.cards if c.label in ("Investment made", "Net present value")} == {
        "Mid and South Essex footprint"}
    assert pages.NeedsPage(pack, "all").result.cards[0].whose == "Mid and South Essex footprint"


@pytest.mark.unit
def test_a_range_only_where_something_varies():
    assert pages.interval(87.94, 92.04, "FTE") == "87.9 to 92.0 FTE"
    assert pages.interval(68.5, 68.5, "FTE") == "no interval given"
    assert pages.interval(float("nan"), 3.0) == "no interval given"
    shown = pages.WorkforcePage(None, "all").table("gap").shown().set_index("Staff group")
    ranges = shown["Gap, 80% range (P10 to P90)"]
    assert ranges["GPs"] == "no interval given"  # supply, staff in post and GP time released are fixed
    assert " to " in ranges["Nurses/HCAs"]  # their work moves with the drawn growth of the activity they deliver
    assert ranges["Care coordinators"].endswith("FTE") and " to " in ranges["Care coordinators"]


@pytest.mark.unit
def test_the_disclosure_rule_is_said_once_under_the_first_table_with_counts(monkeypatch):
    from stpkit.report import disclosure

    monkeypatch.setenv("STPKIT_DISCLOSURE", "1")
    shown = []
    monkeypatch.setattr(base, "_display", lambda obj, metadata=None, raw=False: shown.append(obj))
    page = pages.WorkforcePage(None, "MSE05")
    for name in page.result.tables:
        page.show_table(name)
    texts = [obj.data for obj in shown]
    rule = escape(disclosure.note())
    assert sum(rule in t for t in texts) == 1
    first = next(i for i, name in enumerate(page.result.tables) if page.table(name).has_counts())
    assert rule in texts[first]


@pytest.mark.unit
def test_control_labels_fit_their_control():
    charts.setup(charts.INTERACTIVE)
    for cls in pages.PAGES.values():
        page = cls(None, "MSE05")
        longest = max(len(spec.label) for spec in page.specs.values())
        assert 7.5 * longest <= page.label_width <= 460, cls.notebook
        assert {w.style.description_width for w in page.controls.values()} == {f"{page.label_width}px"}
        assert longest <= 58  # a label longer than the widest description would be cut off


@pytest.mark.unit
def test_the_apps_show_no_jupyterlab_how_to():
    import nbformat

    from stpkit import apps

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        prepared = apps.prepare_notebook(nbformat.read(path, as_version=4))
        text = "\n".join(c.source for c in prepared.cells if c.cell_type == "markdown")
        assert not [w for w in FORBIDDEN if w in text] and "seed" not in text.lower(), path.name


@pytest.mark.integration
@pytest.mark.engine_in_process
def test_published_reports_cite_sources_flag_illustrative_figures_and_start_the_index_with_the_footprint(tmp_path):
    from stpkit.report.build import build_reports

    out = tmp_path / "out"
    result = build_reports(DEFAULT_PACK, out, localities=["MSE05"], workers=0)
    assert result.manifest["summary"]["ok"] == 2 * len(jobs.DEFAULT_NOTEBOOKS)  # the footprint's pages and the locality's
    pages = sorted(out.glob("*/*.html"))
    assert {p.parent.name for p in pages} == {"all", "MSE05"}
    for path in pages:
        page = path.read_text(encoding="utf-8")
        main, _, listed = page.partition("Where the figures come from")
        assert listed, path  # every page ends with its sources
        text = re.sub(r"<style.*?</style>|<script.*?</script>", "", main, flags=re.DOTALL)
        found = [w for w in ("papermill", "-p pack", ".csv", "pack.toml") if w in text]
        assert not found, (path, found)
        assert not re.search(r"\bseed 00\d", page, flags=re.IGNORECASE), path
        assert "illustrative" in main, path  # each notebook rests on at least one illustrative input
        assert ".csv" not in listed.split("</table>")[0], path
    workforce = (out / "MSE05" / "workforce_gap.html").read_text(encoding="utf-8")
    assert "<div class='whose'>Mid and South Essex footprint</div><div class='label'>Workforce gap in 2020/21" in workforce
    index = (out / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr[^>]*><th[^>]*>(.*?)<br>", index)
    assert rows == ["Mid and South Essex footprint", "Colne Valley"]
    footprint, colne = index.split("<tr", 3)[2:4]
    assert "£112m" in footprint and "1,200,000" in footprint
    assert "£4.0m" in colne and "46,000" in colne and "£67.1m" not in colne and "193.6 FTE" not in colne


@pytest.mark.unit
def test_a_change_too_small_for_a_percentage_shows_its_count():
    """The footprint's emergency admissions: target 100,854 against 100,885 in 2015/16, -31 (-0.03%): never "-0.0%"."""
    card = next(c for c in pages.LocalityPage(None, "all").result.cards if c.label == "Emergency admissions")
    assert card.value == "-31 admissions on 2015/16" and card.detail.startswith("less than 0.1%;")
    mine = next(c for c in pages.LocalityPage(None, "MSE05").result.cards if c.label == "Emergency admissions")
    assert mine.value == "+3.2% on 2015/16"  # 3,973 against 3,849: +124, +3.2%


@pytest.mark.unit
def test_the_sources_section_lists_only_what_the_pack_gives(other_packs):
    bare = load_pack(other_packs["bare"])
    listed = sources.listing(bare, pages.InvestmentPage.inputs)
    assert "Planned pump priming and capital" not in set(listed["input"])  # the pack has no investment plan
    assert "Discount rate" in set(listed["input"]) and set(listed["source"]) == {"the pack (no source given)"}
    full = sources.listing(load_pack(), pages.InvestmentPage.inputs)
    assert full.set_index("input").loc["Planned pump priming and capital", "source"].startswith(MSE)
    assert full.set_index("input").loc["Discount rate", "illustrative"] == "illustrative"
