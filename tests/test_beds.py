"""Beds: Erlang loss, bed days, beds by level of care, seed 000's re-designation and the pack's bed files."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from stpkit import beds
from stpkit.pack import load_pack
from stpkit.validate import validate

from packs import PACK_TOML, write_pack

ACTIVITY = '''locality_id,pod,activity
A1,non_elective,1000
A1,elective_ip,200
A1,outpatient,20000
B2,non_elective,4000
B2,outpatient,90000
C3,non_elective,300
C3,outpatient,7000
'''

PODS = '''pod,growth,unit_cost
non_elective,0.02,3000
elective_ip,0.0,2500
outpatient,0.033,185
'''

SCHEMES = '''scheme,pod,reduction
Care coordination,non_elective,0.06
Frailty unit,non_elective,0.04
'''

STAYS = '''locality_id,pod,los_days
*,non_elective,5
*,elective_ip,3
C3,non_elective,8
'''

LOS_CHANGES = '''scheme,pod,reduction
Discharge to assess,non_elective,0.05
'''

LEVELS = '''level,acute,share,base_share,cost_per_bed_day
Secondary acute,true,0.6,1,450
Sub-acute and step-down,false,0.4,0,300
'''


def bed_pack(tmp_path, **files):
    given = {"activity_csv": ACTIVITY, "pods_csv": PODS, "schemes_csv": SCHEMES, "length_of_stay_csv": STAYS,
             "los_changes_csv": LOS_CHANGES, "levels_of_care_csv": LEVELS}
    given.update(files)
    return write_pack(tmp_path / "pack", **given)


def exact_erlang_b(servers: int, load: Fraction) -> Fraction:
    """B(n, A) = (A^n / n!) / sum_k A^k / k!, in exact rational arithmetic."""
    term = Fraction(1)
    total = Fraction(1)
    for k in range(1, servers + 1):
        term = term * load / k
        total += term
    return term / total


# ---------------------------------------------------------------------------------------------
# Erlang loss


@pytest.mark.unit
def test_erlang_b_matches_the_published_table():
    assert beds.erlang_b(10, 5.0) == pytest.approx(0.018385, abs=5e-6)
    assert round(beds.erlang_b(10, 5.0), 4) == 0.0184
    assert beds.erlang_b(1, 1.0) == pytest.approx(0.5)
    assert beds.erlang_b(0, 3.0) == 1.0


@pytest.mark.unit
def test_erlang_b_for_a_thousand_beds_is_finite_and_exact():
    for load in (Fraction(950), Fraction(1000), Fraction(1050)):
        got = beds.erlang_b(1000, float(load))
        want = float(exact_erlang_b(1000, load))
        assert math.isfinite(got)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


@pytest.mark.unit
def test_erlang_b_falls_with_beds_and_rises_with_load():
    by_beds = beds.erlang_b(np.arange(0, 60), 20.0)
    assert np.all(np.diff(by_beds) < 0)
    by_load = beds.erlang_b(30, np.linspace(1, 60, 40))
    assert np.all(np.diff(by_load) > 0)


@pytest.mark.unit
def test_beds_for_risk_is_the_fewest_beds_under_the_target():
    assert beds.beds_for_risk(5.0, 0.0184) == 10  # B(10, 5) = 0.01838 and B(9, 5) = 0.0375
    assert beds.beds_for_risk(5.0, 0.018) == 11
    loads = np.array([0.0, 0.5, 5.0, 20.0, 200.0, 2000.0])
    needed = beds.beds_for_risk(loads, 0.05)
    assert needed[0] == 0
    for load, n in zip(loads[1:], needed[1:]):
        assert beds.erlang_b(n, load) <= 0.05 < beds.erlang_b(n - 1, load)
    with pytest.raises(ValueError):
        beds.beds_for_risk(5.0, 5)


@pytest.mark.unit
def test_small_pools_need_lower_occupancy_for_the_same_risk():
    curve = beds.occupancy_curve(0.05, 1000)
    occupancy = curve["occupancy_at_risk_beds"].to_numpy()
    # whole beds make a sawtooth, but the trend rises: never more than 5 points below the best so far
    assert np.all(np.maximum.accumulate(occupancy) - occupancy < 0.05)
    assert curve["occupancy_at_risk_beds"].iloc[0] < 0.6 < 0.92 < curve["occupancy_at_risk_beds"].iloc[-1]


# ---------------------------------------------------------------------------------------------
# bed days and beds, by hand


@pytest.mark.unit
def test_bed_days_by_hand(tmp_path):
    pack = load_pack(bed_pack(tmp_path))
    days = beds.bed_days(pack).set_index(["locality_id", "pod"])
    # A1 non-elective: 1,000 admissions x 5 days = 5,000 bed days; momentum 1,000 x 1.02^5 = 1,104.08
    a1 = days.loc[("A1", "non_elective")]
    assert a1["bed_days_base"] == pytest.approx(5000)
    assert a1["bed_days_momentum"] == pytest.approx(1000 * 1.02 ** 5 * 5)
    # target: momentum x (1 - 0.10) admissions, each staying 5 x (1 - 0.05) days
    assert a1["bed_days_target"] == pytest.approx(1000 * 1.02 ** 5 * 0.9 * 5 * 0.95)
    assert days.loc[("C3", "non_elective"), "los_days"] == 8  # C3's own length of stay
    assert days.loc[("A1", "elective_ip"), "bed_days_target"] == pytest.approx(600)
    assert ("A1", "outpatient") not in days.index


@pytest.mark.unit
def test_waterfall_steps_add_up_to_the_target(tmp_path):
    pack = load_pack(bed_pack(tmp_path))
    days = beds.bed_days(pack, los_change=-0.1)
    steps = beds.waterfall(days, pack, los_change=-0.1)
    assert list(steps["kind"]) == ["base", "growth", "scheme", "scheme", "los", "los", "target"]
    assert steps["change"].iloc[:-1].sum() == pytest.approx(days["bed_days_target"].sum())
    # the two schemes share the avoided bed days 6:4
    assert steps["change"].iloc[2] / steps["change"].iloc[3] == pytest.approx(1.5)
    a1 = beds.waterfall(days, pack, locality="A1", los_change=-0.1)
    assert a1["change"].iloc[:-1].sum() == pytest.approx(days.loc[days["locality_id"] == "A1", "bed_days_target"].sum())


@pytest.mark.unit
def test_beds_at_occupancy_and_risk_by_hand(tmp_path):
    pack = load_pack(bed_pack(tmp_path))
    result = beds.beds_for(pack)
    a1 = result["localities"].query("locality_id == 'A1' and stage == 'base'").set_index("level")
    # A1 base: 5,000 + 600 bed days, all staffed as acute today; 5,600 / 365 = 15.34 beds busy on average
    acute = a1.loc["Secondary acute"]
    assert acute["load_erlangs"] == pytest.approx(5600 / 365)
    assert acute["beds_occupancy"] == pytest.approx(5600 / 365 / 0.92)  # 16.68 beds
    assert acute["beds_strict"] == pytest.approx(5600 / 365 / 0.85)
    assert acute["beds_risk"] == beds.beds_for_risk(5600 / 365, 0.05)
    assert acute["cost_gbp"] == pytest.approx(5600 / 365 / 0.92 * 365 * 450)
    assert a1.loc["Sub-acute and step-down", "beds_occupancy"] == 0
    # plan: 60% / 40% of the target bed days
    plan = result["localities"].query("locality_id == 'A1' and stage == 'target'").set_index("level")
    target_days = result["days"].query("locality_id == 'A1'")["bed_days_target"].sum()
    assert plan.loc["Sub-acute and step-down", "bed_days"] == pytest.approx(0.4 * target_days)
    # the footprint is one pool: fewer beds at the risk target than the localities apart
    pooled = result["footprint_totals"].set_index("stage").loc["target", "beds_risk"]
    apart = result["locality_totals"].query("stage == 'target'")["beds_risk"].sum()
    assert pooled < apart


@pytest.mark.unit
def test_level_share_what_if_keeps_shares_adding_up(tmp_path):
    pack = load_pack(bed_pack(tmp_path))
    table = beds.levels(pack, {"Secondary acute": 0.5})
    assert table.set_index("level")["share"].to_dict() == pytest.approx(
        {"Secondary acute": 0.5, "Sub-acute and step-down": 0.5})


@pytest.mark.unit
def test_a_pack_without_bed_data_has_no_bed_days(tmp_path):
    pack = load_pack(write_pack(tmp_path / "plain"))
    assert not beds.has_bed_data(pack)
    assert beds.bed_days(pack).empty
    table = beds.levels(pack)  # seed 000's default: two-thirds acute
    assert table["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert table["base_share"].tolist() == pytest.approx([1.0, 0.0])


# ---------------------------------------------------------------------------------------------
# seed 000's worked example


@pytest.mark.unit
def test_seed_000_redesignation_cuts_acute_cost_by_a_fifth(tmp_path):
    """Six local acute hospitals and one tertiary centre, every bed staffed as acute, re-designated into two
    integrated delivery systems with 10% fewer beds, two-thirds acute. Assumption (the seed gives no costs):
    a sub-acute, rehabilitation or step-down bed costs two-thirds of an acute bed a day. Then cost falls by
    1 - 0.9 x (2/3 + 1/3 x 2/3) = 1 - 0.9 x 8/9 = 20%, the seed's "acute hospital costs fall by 20%"."""
    pack = load_pack(write_pack(tmp_path / "plain"))
    level_table = beds.levels(pack)  # seed 000's default levels
    level_table["cost_per_bed_day_gbp"] = [450.0, 300.0]
    sites = [400] * 6 + [900]  # six local acute hospitals and a tertiary centre with local acute
    table = beds.redesignate(sum(sites), level_table, -0.10).set_index("level")
    total = table.loc["All levels"]
    assert total["beds_now"] == 3300 and total["beds_plan"] == pytest.approx(2970)
    assert table.loc["Tertiary and secondary acute", "beds_plan"] == pytest.approx(1980)
    assert table.loc["Sub-acute, rehabilitation and step-down", "beds_plan"] == pytest.approx(990)
    assert total["cost_change"] == pytest.approx(-0.20)
    # an integrated delivery system on 15% fewer beds than the NHS, with the same two-thirds split
    ids = beds.redesignate(sum(sites), level_table, -0.15).set_index("level").loc["All levels"]
    assert ids["cost_change"] == pytest.approx(0.85 * 8 / 9 - 1)  # 24.4% less
    # the same as the shipped scenario
    scenario = beds.seed_000_example().set_index("level")
    assert scenario.loc["All levels", "cost_change"] == pytest.approx(-0.20)
    assert scenario.loc["All levels", "beds_plan"] == pytest.approx(2970)
    assert beds.seed_000_example(-0.15).set_index("level").loc["All levels", "cost_change"] == pytest.approx(-0.2444,
                                                                                                         abs=1e-4)


# ---------------------------------------------------------------------------------------------
# the pack's bed files


def only(folder) -> str:
    problems = [str(p) for p in validate(folder)]
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.unit
def test_bed_files_are_valid(tmp_path):
    assert validate(bed_pack(tmp_path)) == []


@pytest.mark.unit
@pytest.mark.parametrize("los, message", [
    ("0", 'length_of_stay.csv row 2, los_days: "0" is out of range; los_days must be more than 0 and at most 365'),
    ("-2", 'length_of_stay.csv row 2, los_days: "-2" is negative; los_days must be more than 0'),
])
def test_length_of_stay_must_be_positive(tmp_path, los, message):
    stays = STAYS.replace("*,non_elective,5", f"*,non_elective,{los}")
    assert only(bed_pack(tmp_path, length_of_stay_csv=stays)) == message


@pytest.mark.unit
def test_length_of_stay_for_unknown_locality(tmp_path):
    stays = STAYS + "Z9,elective_ip,4\n"
    assert only(bed_pack(tmp_path, length_of_stay_csv=stays)) == (
        'length_of_stay.csv row 5, locality_id: "Z9" is not in localities.csv (or * for every locality)')


@pytest.mark.unit
@pytest.mark.parametrize("value, message", [
    ("92", 'pack.toml line 10, [beds] occupancy: "92" looks like a percentage: write 92% as a fraction, 0.92'),
    ("1.2", 'pack.toml line 10, [beds] occupancy: "1.2" is out of range; occupancy must be more than 0 and at most 1'),
])
def test_occupancy_over_one_or_a_percentage(tmp_path, value, message):
    toml = PACK_TOML + f"\n[beds]\noccupancy = {value}\n"
    assert only(bed_pack(tmp_path, pack_toml=toml)) == message


@pytest.mark.unit
def test_level_shares_must_add_up_to_one(tmp_path):
    levels = LEVELS.replace("0.4,0,300", "0.3,0,300")
    assert only(bed_pack(tmp_path, levels_of_care_csv=levels)) == (
        "levels_of_care.csv, column share: the share values add up to 0.9; they must add up to 1")


@pytest.mark.unit
def test_length_of_stay_interval_carries_through(tmp_path):
    stays = "locality_id,pod,los_days,los_days_low,los_days_high\n*,non_elective,5,4,6\n"
    pack = load_pack(bed_pack(tmp_path, length_of_stay_csv=stays))
    frame = pack.table("length_of_stay.csv")
    assert frame[["los_days_low", "los_days_high"]].iloc[0].tolist() == [4, 6]
    assert isinstance(frame, pd.DataFrame)


@pytest.mark.integration
def test_default_pack_beds_are_illustrative_and_add_up():
    from stpkit import sources
    pack = load_pack()
    assert beds.has_bed_data(pack)
    result = beds.beds_for(pack)
    base = result["footprint_totals"].set_index("stage").loc["base"]
    admissions = pack.activity.query("pod == 'non_elective'")["activity"].sum()  # 100,885 emergency admissions
    assert base["bed_days"] == pytest.approx(admissions * 5.5)
    assert base["beds_occupancy"] == pytest.approx(admissions * 5.5 / 365 / 0.92)
    # today every bed is staffed as acute; the plan moves a third of the bed days to sub-acute and step-down
    plan = result["footprint"].query("stage == 'target'")
    assert plan.loc[~plan["acute"], "share"].sum() == pytest.approx(1 / 3, abs=1e-3)
    assert result["footprint"].query("stage == 'base' and not acute")["beds_occupancy"].sum() == 0
    assert sources.illustrative(pack, [("length_of_stay.csv", "los_days")])


# ---------------------------------------------------------------------------------------------
# the page and the ranges


@pytest.mark.integration
def test_bed_page_follows_its_controls():
    from stpkit import pages
    page = pages.BedsPage(None, "all", mode="static")
    planned = page.figures["beds_target"]
    page.set(occupancy=0.85)
    assert page.figures["beds_target"] == pytest.approx(planned * 0.92 / 0.85)
    page.set(los_change=-0.1)
    assert page.figures["beds_target"] < planned * 0.92 / 0.85
    risk_beds = page.figures["beds_risk_target"]
    page.set(risk=0.01)
    assert page.figures["beds_risk_target"] > risk_beds
    cost = page.figures["cost_gbp_target"]
    page.set(acute_share=0.9)  # more bed days needing acute care: dearer beds
    assert page.figures["cost_gbp_target"] > cost
    page.set(locality="MSE06")
    assert page.figures["beds_target"] < 100
    for name in ("levels", "waterfall", "risk_vs_occupancy", "compare", "cost"):
        assert not isinstance(page.chart(name), pages.Note), name


@pytest.mark.integration
def test_bed_page_without_bed_data_says_so(tmp_path):
    from stpkit import pages
    page = pages.BedsPage(str(write_pack(tmp_path / "plain")), "all", mode="static")
    assert isinstance(page.chart("levels"), pages.Note)
    assert "the pack does not give lengths of stay" in page.chart("levels").html()
    assert page.result.cards[0].value == "not known"


@pytest.mark.integration
def test_bed_ranges_where_length_of_stay_and_occupancy_vary(tmp_path):
    from stpkit import uncertainty
    from stpkit.synthetic import write_synthetic_pack
    pack = load_pack(write_synthetic_pack(tmp_path / "ranges", localities=8, seed=3, intervals=True))
    assert uncertainty.bed_intervals(pack)
    bands = uncertainty.bed_percentiles(pack, draws=2000, seed=1).set_index(["locality_id", "measure"])
    days = beds.bed_days(pack)
    point = days["bed_days_target"].sum()
    footprint = bands.loc[("all", "bed_days")]
    assert footprint["p10"] < point < footprint["p90"]
    assert footprint["p50"] == pytest.approx(point, rel=0.03)  # intervals centred on the points
    occupancy_beds = bands.loc[("all", "beds_occupancy")]
    assert occupancy_beds["p10"] < point / 365 / 0.92 < occupancy_beds["p90"]
    risk_beds = bands.loc[("all", "beds_risk")]
    assert risk_beds["p10"] < risk_beds["p50"] < risk_beds["p90"]
    # the same seed gives the same ranges; a pack without ranges has none
    again = uncertainty.bed_percentiles(pack, draws=2000, seed=1).set_index(["locality_id", "measure"])
    assert again.equals(bands)
    assert not uncertainty.bed_intervals(load_pack(bed_pack(tmp_path)))


@pytest.mark.integration
def test_locality_deep_dive_headline_shows_beds_where_the_pack_has_bed_data(tmp_path):
    from stpkit import pages
    page = pages.LocalityPage(None, "MSE06", mode="static")
    card = next(c for c in page.result.cards if c.label == "Beds needed in 2020/21")
    days = beds.bed_days(load_pack()).query("locality_id == 'MSE06'")["bed_days_target"].sum()
    assert page.figures["beds_target"] == pytest.approx(days / 365 / 0.92)
    assert card.value == f"{days / 365 / 0.92:,.0f}" and card.illustrative
    plain = pages.LocalityPage(str(write_pack(tmp_path / "plain")), "A1", mode="static")
    assert not any(c.label.startswith("Beds") for c in plain.result.cards) and "beds_target" not in plain.figures


@pytest.mark.integration
def test_workbook_has_a_beds_sheet():
    import io

    import openpyxl

    from stpkit.report import workbook
    pack = load_pack()
    book = openpyxl.load_workbook(io.BytesIO(workbook.build(pack, disclosure_on=True)))
    sheet = book["Beds"]
    header = [c.value for c in sheet[3]]
    rows = [dict(zip(header, r)) for r in sheet.iter_rows(min_row=4, values_only=True)]
    plan = [r for r in rows if r["Locality id"] == "all" and r["Stage"] == "Plan 2020/21"]
    assert len(plan) == 4  # the four levels of care
    expected = beds.beds_for(pack)["footprint_totals"].set_index("stage").loc["target"]
    assert sum(r["Beds at the occupancy target"] for r in plan) == pytest.approx(expected["beds_occupancy"])
    assert sum(r["Cost a year, gross (£)"] for r in plan) == pytest.approx(expected["cost_gbp"])
    assert len(rows) == (26 + 1) * 4 * 3  # localities and the footprint x levels x stages


@pytest.mark.integration
def test_bed_page_without_costs_shows_beds_and_says_the_cost_is_missing(tmp_path):
    from stpkit import pages
    page = pages.BedsPage(str(bed_pack(tmp_path, levels_of_care_csv=None)), "all", mode="static")
    assert not any(c.label.startswith("Cost") for c in page.result.cards)
    assert isinstance(page.chart("cost"), pages.Note)
    assert not any(label.startswith("Cost") for label in page.table("levels").labels())
    assert page.table("levels").frame["share"].tolist() == pytest.approx([2 / 3, 1 / 3])  # seed 000's default


def _plain_erlang_b(beds: int, load: float) -> float:
    b = 1.0
    for n in range(1, beds + 1):
        b = load * b / (n + load * b)
    return b


@pytest.mark.unit
def test_a_large_pool_starts_its_recursion_late_and_gives_the_same_beds():
    """A damaged pack's billion erlangs once kept the recursion going for hours (issue 13): the lead-in
    start gives the plain recursion's answer for large pools, and answers at once for absurd ones."""
    for load in (3_000.5, 20_000.0):
        for risk in (0.05, 0.001, 0.3):
            plain, b = 0, 1.0
            while b > risk:
                plain += 1
                b = load * b / (plain + load * b)
            assert beds.beds_for_risk(load, risk) == plain
            assert beds.beds_for_risk(np.full(40, load), risk).tolist() == [plain] * 40
        for wanted in (int(load * 0.9), int(load), int(load * 1.02)):
            assert beds.erlang_b(wanted, load) == pytest.approx(_plain_erlang_b(wanted, load), rel=1e-9, abs=1e-15)
    huge = beds.beds_for_risk(np.array([1e9, 3e9]), 0.05)
    assert (huge > np.array([1e9, 3e9]) * 0.95).all() and (huge < np.array([1e9, 3e9]) * 0.951).all()
