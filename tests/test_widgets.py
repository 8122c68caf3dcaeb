"""What-if pages: moving a control changes the figures, tables and charts it drives, in place."""

from __future__ import annotations

import html

import pytest

from stpkit import charts, pages
from stpkit.pages import base
from stpkit.synthetic import write_synthetic_pack

from packs import write_pack

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A 12-locality pack with every optional file, awkward names and a locality of 3,200 people."""
    return write_synthetic_pack(tmp_path_factory.mktemp("packs") / "synthetic", localities=12, seed=4)


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """The four required files only (tests/packs.py)."""
    return write_pack(tmp_path_factory.mktemp("packs") / "bare")


@pytest.fixture
def static():
    charts.setup(charts.STATIC)


@pytest.fixture
def interactive():
    charts.setup(charts.INTERACTIVE)


@pytest.fixture
def shown(monkeypatch):
    """What the page would put on the screen: every object passed to display."""
    out = []
    monkeypatch.setattr(base, "_display", lambda obj, metadata=None, raw=False: out.append((obj, metadata)))
    return out


def test_needs_rose_cut_drives_the_headline_table_and_chart(synthetic, static):
    """Seed 001: cutting all admissions by 10% needs 107% of the top tier's (normalised shares); 20% doubles it."""
    page = pages.NeedsPage(synthetic, "all", rose_cut=0.10)
    before = page.figures["rose_required_top_tier"]
    chart_before = page.chart("rose").data["required_share"].tolist()
    page.set(rose_cut=0.20)
    assert page.figures["rose_required_top_tier"] == pytest.approx(2 * before)
    assert page.chart("rose").data["required_share"].tolist() == pytest.approx([2 * v for v in chart_before])
    assert "20%" in page.table("rose").caption
    assert before == pytest.approx(0.10 / (0.005 * 18.6 / 0.9955), rel=1e-9)


def test_needs_caseload_drives_coordinators(synthetic, static):
    """Seed 000: coordinators = eligible people / caseload; halving the caseload doubles them."""
    page = pages.NeedsPage(synthetic, "L0002")
    assert page.figures["population"] == 3200
    page.set(caseload_per_coordinator=100)
    assert page.figures["coordinators_fte"] == pytest.approx(3200 * 0.015 / 100)
    selected = page.chart("coordination").data.set_index("label")["_highlight"]
    assert (selected == charts.SELECTED).sum() == 1


def test_locality_growth_and_scheme_sliders_move_the_walk(synthetic, static):
    page = pages.LocalityPage(synthetic, "L0001", waterfall_pod="ae")
    walk = page.chart("waterfall").data.set_index("step")["change"]
    savings = page.figures["gross_savings_gbp"]
    page.set(growth_ae=0.06)
    walk_after = page.chart("waterfall").data.set_index("step")["change"]
    assert walk_after["Momentum growth"] > walk["Momentum growth"]
    assert page.figures["gross_savings_gbp"] > savings
    urgent = next(n for n, s in page.specs.items() if s.label.startswith("Urgent care"))
    page.set(**{urgent: 0.0})
    assert "Urgent care" not in set(page.chart("waterfall").data["step"])  # nothing avoided: no step
    page.reset()
    assert page.figures["gross_savings_gbp"] == pytest.approx(savings)


def test_locality_picker_moves_the_highlight(synthetic, static):
    page = pages.LocalityPage(synthetic, "all")
    assert set(page.chart("savings").data["_highlight"]) == {charts.EVERY}
    page.set(locality="L0003")
    chosen = page.chart("savings").data
    assert chosen.loc[chosen["_highlight"] == charts.SELECTED, "label"].tolist() == ['The "Old" Town (Central)']
    assert page.figures["localities"] == 1


def test_investment_share_releases_savings_by_the_seed_003_relation(synthetic, static):
    """Seed 003: 25% of the investment releases 12.5% of the savings (elasticity 1.5)."""
    page = pages.InvestmentPage(synthetic, "all")
    npv = page.figures["npv_gbp"]
    cumulative = page.chart("cumulative").data["gbp_m"].tolist()
    page.set(investment_share=0.25)
    assert page.figures["savings_released"] == pytest.approx(0.125)
    assert page.chart("cumulative").data["gbp_m"].tolist() != cumulative
    page.set(investment_share=1.0, discount_rate=0.08)
    assert page.figures["npv_gbp"] < npv


def test_workforce_controls_drive_coordinators_and_gp_release(synthetic, static):
    page = pages.WorkforcePage(synthetic, "all")
    released = page.chart("gp_release").data["released_gp_fte"].sum()
    page.set(gp_released_share=0.5)
    assert page.chart("gp_release").data["released_gp_fte"].sum() == pytest.approx(2 * released)
    coordinators = page.figures["coordinators_fte"]
    page.set(caseload_per_coordinator=100)
    assert page.figures["coordinators_fte"] == pytest.approx(2 * coordinators)
    assert page.figures["gap_fte"] == page.figures["gap_fte"]  # a number: synthetic packs have workforce.csv


def test_pages_on_a_pack_with_only_the_required_files_say_what_is_missing_in_words(bare, static, shown):
    notes = {}
    for cls in pages.PAGES.values():
        page = cls(bare, "C3")
        for kind, items in (("chart", page.result.charts), ("table", page.result.tables)):
            notes.update({(cls.notebook, kind, name): item.text for name, item in items.items()
                          if isinstance(item, pages.Note)})
        for name in page.result.charts:
            page.show_chart(name)
        for name in page.result.tables:
            page.show_table(name)
        page.show("headline")
    # a reader is told which input the pack lacks, in words: no file names on a page
    assert "the planned investment" in notes[("investment_phasing", "chart", "investment")]
    assert "the planned investment" in notes[("investment_phasing", "table", "investment")]
    assert "workforce supply" in notes[("workforce_gap", "chart", "gap")]
    assert "phasing" in notes[("locality_deep_dive", "chart", "timeline")]
    assert "phasing" in notes[("investment_phasing", "chart", "waves")]
    assert not any(".csv" in text for text in notes.values())
    assert all(isinstance(obj, object) for obj, _ in shown) and len(shown) > 20


def test_static_pages_show_html_and_svg_only(synthetic, static, shown):
    page = pages.NeedsPage(synthetic, "L0001")
    page.show("title")
    page.show("controls")
    page.show("headline")
    page.show_chart("pyramid")
    page.show_table("coordination")
    texts = [obj.data for obj, _ in shown]
    assert html.escape("St Mary's & St John's (North)") in texts[0]
    assert "Cut in all emergency admissions" in texts[1] and "10%" in texts[1]
    assert shown[2][1]["stpkit"]["figures"]["population"] == page.figures["population"]
    assert "<svg" in texts[3] and "<script" not in "".join(texts)
    assert "stpkit-selected" in texts[4]


def test_interactive_page_updates_the_widgets_already_shown(synthetic, interactive, shown):
    from altair import JupyterChart

    page = pages.NeedsPage(synthetic, "all")
    page.show("controls")
    page.show("headline")
    page.show_chart("rose")
    page.show_table("rose")
    headline = shown[1][0]
    assert "application/vnd.jupyter.widget-view+json" in headline and "text/html" in headline
    html_view, chart_view, table_view = page._views
    vega = chart_view.widget.children[0]
    assert isinstance(vega, JupyterChart)
    spec_before = vega.spec
    text_before, table_before = html_view.widget.value, table_view.widget.value

    page.controls["rose_cut"].value = 0.25  # as a person moving the slider

    assert page.updates == 1
    assert chart_view.widget.children[0] is vega  # the same chart widget, given a new spec
    assert vega.spec != spec_before
    assert html_view.widget.value != text_before and "25%" in html_view.widget.value
    assert table_view.widget.value != table_before
    drawn = [row["required_share"] for rows in vega.spec["datasets"].values() for row in rows
             if "required_share" in row]
    assert max(drawn) == pytest.approx(page.figures["rose_required_top_tier"])
    assert page.figures["rose_required_top_tier"] == pytest.approx(2.5 * 0.10 / (0.005 * 18.6 / 0.9955))


def test_interactive_locality_picker_is_a_dropdown_of_every_locality(synthetic, interactive):
    import ipywidgets

    page = pages.WorkforcePage(synthetic, "L0002")
    picker = page.controls["locality"]
    assert isinstance(picker, ipywidgets.Dropdown)
    assert [value for _, value in picker.options] == ["all"] + [f"L{i:04d}" for i in range(1, 13)]
    assert picker.value == "L0002"
    picker.value = "all"
    assert page.figures["coordinators_fte"] > 3200 * 0.015 / 200


def test_unknown_locality_is_a_clear_error(synthetic, static):
    with pytest.raises(LookupError, match='no locality "Nowhere"'):
        pages.NeedsPage(synthetic, "Nowhere")
    assert pages.check_locality(pages.open_pack(synthetic), "St Mary's & St John's (North)") == "L0001"


def test_a_what_if_update_recomputes_the_whole_footprint_and_records_its_time(static):
    """Each what-if recomputes the footprint's figures and records how long it took (its speed is measured by
    benchmarks/bench_apps.py, not here: a timed test fails on a busy machine)."""
    page = pages.LocalityPage(None, "all")
    seen = []
    for value in (0.03, 0.04, 0.05):
        page.set(growth_non_elective=value)
        assert page.result.seconds > 0
        seen.append(page.result.figures["momentum"])
    assert seen == sorted(seen) and len(set(seen)) == 3  # more growth, more activity before schemes


@pytest.mark.parametrize("cls", list(pages.PAGES.values()), ids=list(pages.PAGES))
def test_every_locality_of_every_pack_gives_valid_charts(cls, synthetic, bare, static):
    """Each page, for the footprint and every locality of a full and a four-file pack: charts pass Vega-Lite's schema."""
    for pack in (synthetic, bare):
        page = cls(pack, "all")
        for locality in ["all", *page.pack.localities["locality_id"]]:
            page.set(locality=locality)
            for item in page.result.charts.values():
                if not isinstance(item, pages.Note):
                    item.to_dict()  # validates
            for item in page.result.tables.values():
                item.html()


def test_what_if_parameters_are_checked(synthetic, static):
    with pytest.raises(KeyError, match="not a point of delivery"):
        pages.LocalityPage(synthetic, "all", growth={"emergency": 0.03})
    with pytest.raises(KeyError, match="not in schemes.csv"):
        pages.LocalityPage(synthetic, "all", scheme_reductions={"Urgent car": 0.1})
    page = pages.LocalityPage(synthetic, "all", growth={"ae": 0.05}, scheme_reductions={"Urgent care": {"ae": 0.2}})
    assert page.values()["growth_ae"] == 0.05
    assert [v for n, v in page.values().items() if page.specs[n].label == "Urgent care: A&E"] == [0.2]


def test_interactive_charts_can_be_svg_pictures_that_follow_the_controls(synthetic, monkeypatch, shown):
    """STPKIT_CHART_WIDGETS=svg: charts are SVG inside HTML widgets, redrawn in place."""
    monkeypatch.setenv("STPKIT_CHART_WIDGETS", "svg")
    charts.setup(charts.INTERACTIVE)
    page = pages.InvestmentPage(synthetic, "all")
    page.show_chart("cumulative")
    picture = page._views[0].widget.children[0]
    before = picture.value
    assert "<svg" in before and "<script" not in before
    page.set(discount_rate=0.09)
    assert page._views[0].widget.children[0] is picture and picture.value != before


def test_default_pack_scheme_and_delivery_what_ifs_move_the_money(static):
    """Mid and South Essex: targets.csv fixes every row, yet a scheme slider and the delivery factor move
    the savings (the locality page), and delivery moves the cash released and NPV (the investment page)."""
    from stpkit import load_pack

    pack = load_pack()
    page = pages.LocalityPage(pack, "all")
    savings = page.figures["gross_savings_gbp"]
    frailty = next(n for n, s in page.specs.items() if s.label.startswith("Frailty"))
    page.set(**{frailty: 0.10245})
    assert page.figures["gross_savings_gbp"] > savings
    page.reset()
    page.set(delivery=0.5)
    assert page.figures["gross_savings_gbp"] == pytest.approx(0.5 * savings)
    money = pages.InvestmentPage(pack, "all")
    npv, cash = money.figures["npv_gbp"], money.figures["horizon_net_savings_gbp"]
    assert cash < money.figures["horizon_savings_gbp"]  # net of stranded cost and reinvestment
    money.set(delivery=0.8)
    assert money.figures["npv_gbp"] < npv and money.figures["horizon_net_savings_gbp"] < cash


def test_growth_slider_moves_each_locality_own_rate(tmp_path, static):
    """A locality with its own NEL growth of 2.1% (pods.csv 2.3%): moving the slider to 2.2% takes it to
    2.0%, and its savings fall - the slider is a change, not a rate for everyone."""
    rows = "locality_id,pod,activity,growth\nA1,non_elective,1000,0.021\nB2,non_elective,4000,\n" \
           "C3,non_elective,300,\nA1,outpatient,20000,\nB2,outpatient,90000,\nC3,outpatient,7000,\n"
    path = write_pack(tmp_path / "p", activity_csv=rows, schemes_csv="scheme,pod,reduction\nF,non_elective,0.1\n")
    from stpkit import load_pack

    page = pages.LocalityPage(load_pack(path), "A1")
    savings = page.figures["gross_savings_gbp"]
    page.set(growth_non_elective=0.022)
    assert page.figures["gross_savings_gbp"] < savings
    table = page.table("activity").frame.set_index("pod")  # the assumptions table: the rate the figures use
    assert table.loc["non_elective", "growth"] == pytest.approx(0.020)


def test_the_earlier_name_stpkit_widgets_gives_the_same_pages():
    """Notebooks and scripts written against `stpkit.widgets` still run: it re-exports every public name of
    `stpkit.pages`, the same objects (a page made either way is the same class)."""
    from stpkit import widgets

    assert sorted(widgets.__all__) == sorted(pages.__all__)
    assert all(getattr(widgets, name) is getattr(pages, name) for name in pages.__all__)
    assert widgets.PAGES["needs_analysis"] is pages.NeedsPage
