"""Budgets weighted by need: fair shares, distance from target, indirect standardisation, Byar, funnels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from packs import PACK_TOML, write_pack

from stpkit import budgets
from stpkit.pack import load_pack
from stpkit.validate import validate

LOCALITIES_IMD = '''locality_id,locality,group,population,imd_score
A1,Ashby,North,10000,10
B2,Bank,North,50000,30
C3,Cray,South,4000,20
'''

POPULATION = '''locality_id,age_band,year,people
A1,0-64,2015/16,8000
A1,65+,2015/16,2000
A1,0-64,2020/21,8000
A1,65+,2020/21,2400
B2,0-64,2015/16,45000
B2,65+,2015/16,5000
B2,0-64,2020/21,45000
B2,65+,2020/21,5500
C3,0-64,2015/16,3000
C3,65+,2015/16,1000
C3,0-64,2020/21,3000
C3,65+,2020/21,1100
'''

WEIGHTS = "age_band,cost_weight\n0-64,0.8\n65+,2.5\n"


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    folder = write_pack(tmp_path_factory.mktemp("budgets"), localities_csv=LOCALITIES_IMD, population_csv=POPULATION,
                        cost_weights_csv=WEIGHTS,
                        pack_toml=PACK_TOML + "\n[budgets]\ntotal_gbp = 1000000\nneed_weight = 0.5\n")
    return load_pack(folder)


@pytest.mark.unit
def test_largest_remainder_by_hand():
    # GBP 100 in three: 3,333.33p each; the one penny left goes to the first of the tied remainders
    assert budgets.largest_remainder([1, 1, 1], 100).tolist() == [3334, 3333, 3333]
    # GBP 10.01 as 2:3:5 is 200.2p, 300.3p, 500.5p: the spare penny goes to the largest remainder, 0.5
    assert budgets.largest_remainder([2, 3, 5], 10.01).tolist() == [200, 300, 501]


@pytest.mark.unit
def test_fair_shares_add_up_to_the_penny():
    rng = np.random.default_rng(4)
    for _ in range(50):
        weights = rng.uniform(0.1, 1000, rng.integers(2, 400))
        total = round(float(rng.uniform(1, 5e9)), 2)
        pence = budgets.largest_remainder(weights, total)
        assert int(pence.sum()) == round(total * 100)
        exact = weights / weights.sum() * total * 100
        assert (np.abs(pence - exact) < 1).all()  # never more than a penny from the exact share


@pytest.mark.unit
def test_largest_remainder_by_group_is_each_group_alone():
    rng = np.random.default_rng(9)
    groups = rng.integers(0, 30, 2000)
    weights = rng.uniform(0.5, 50, 2000)
    totals = {g: round(float(rng.uniform(1e3, 1e7)), 2) for g in range(30)}
    together = budgets.largest_remainder_by_group(weights, groups, [totals[g] for g in groups])
    for g in range(30):
        rows = groups == g
        assert together[rows].tolist() == budgets.largest_remainder(weights[rows], totals[g]).tolist()


@pytest.mark.unit
def test_distance_from_target_signs():
    gbp, pct = budgets.distance_from_target([110.0, 90.0, 100.0], [100.0, 100.0, 100.0])
    assert gbp.tolist() == [10.0, -10.0, 0.0]  # above 0: spending more than the fair share (over target)
    assert pct.tolist() == pytest.approx([0.1, -0.1, 0.0])


@pytest.mark.unit
def test_byar_against_hand_arithmetic_and_exact_poisson_limits():
    lower, upper = budgets.byar_interval(20, 20)
    # 20 (1 - 1/180 - 1.96/(3 sqrt 20))^3 = 20 x 0.848346^3 = 12.211; 21 (1 - 1/189 + 1.96/(3 sqrt 21))^3 = 30.890
    assert lower * 20 == pytest.approx(20 * (1 - 1 / 180 - 1.959964 / (3 * math.sqrt(20))) ** 3, rel=1e-6)
    assert lower * 20 == pytest.approx(12.211, abs=0.001)
    assert upper * 20 == pytest.approx(30.890, abs=0.001)
    # the published exact Poisson 95% limits for 20 events are 12.217 and 30.889: Byar is within 0.01
    assert lower * 20 == pytest.approx(12.217, abs=0.01) and upper * 20 == pytest.approx(30.889, abs=0.01)
    low0, high0 = budgets.byar_interval(0, 5)
    assert low0 == 0 and high0 * 5 == pytest.approx(3.689, abs=0.05)  # exact: 3.689


@pytest.mark.unit
def test_indirect_standardisation_by_hand():
    # footprint rates 0.01 (young) and 0.1 (old) a person; 1,000 young + 500 old expect 10 + 50 = 60
    frame = budgets.standardised_ratios([72, 30], np.array([[1000, 500], [3000, 0]]), np.array([0.01, 0.1]))
    assert frame["expected"].tolist() == pytest.approx([60, 30])
    assert frame["ratio"].tolist() == pytest.approx([1.2, 1.0])
    assert frame.loc[1, "funnel"] == "within"
    assert frame.loc[0, "ratio_low"] < 1.2 < frame.loc[0, "ratio_high"]


@pytest.mark.unit
def test_funnel_limits_against_their_formula():
    low, high = budgets.funnel_limits([100.0], budgets.Z95)
    assert low[0] == pytest.approx((1 - 1 / 900 - 1.959964 / 30) ** 3, rel=1e-6)  # 0.8136
    assert high[0] == pytest.approx(1.01 * (1 - 1 / 909 + 1.959964 / (3 * math.sqrt(101))) ** 3, rel=1e-6)  # 1.2163
    assert low[0] == pytest.approx(0.8136, abs=1e-4) and high[0] == pytest.approx(1.2163, abs=1e-4)
    sizes = np.array([10, 100, 1000, 10000.0])
    low95, high95 = budgets.funnel_limits(sizes, budgets.Z95)
    low998, high998 = budgets.funnel_limits(sizes, budgets.Z998)
    assert (np.diff(high95) < 0).all() and (np.diff(low95) > 0).all()  # the funnel narrows as units grow
    assert (high998 > high95).all() and (low998 < low95).all()


@pytest.mark.integration
def test_weighted_population_and_fair_shares_by_hand(pack):
    frame = budgets.budgets(pack).set_index("locality_id")
    # A1: 8,000 x 0.8 + 2,000 x 2.5 = 11,400 age-weighted people
    assert frame.loc["A1", "age_weighted"] == pytest.approx(11400)
    # average IMD weighted by population: (10 x 10,000 + 30 x 50,000 + 20 x 4,000) / 64,000 = 26.25
    # A1's need index: 1 + 0.5 x (10 - 26.25) / 26.25 = 0.690476
    assert frame.loc["A1", "need_index"] == pytest.approx(1 + 0.5 * (10 - 26.25) / 26.25)
    assert frame.loc["A1", "weighted_population"] == pytest.approx(11400 * 0.6904762, rel=1e-6)
    weighted = frame["weighted_population"]
    assert frame["fair_share_gbp"].to_numpy() == pytest.approx((weighted / weighted.sum() * 1e6).to_numpy(), abs=0.01)
    assert round(frame["fair_share_gbp"].sum() * 100) == 100_000_000
    # no spend.csv: spend is hospital activity at unit cost, and the distance is spend less fair share
    assert budgets.spend(pack)[1] == "hospital activity at unit cost"
    assert (frame["distance_gbp"] == frame["spend_gbp"] - frame["fair_share_gbp"]).all()


@pytest.mark.integration
def test_case_mix_expected_adds_up_to_observed(pack):
    frame = budgets.case_mix(pack)
    assert frame["expected"].sum() == pytest.approx(frame["observed"].sum())
    assert list(frame["locality_id"]) == ["A1", "B2", "C3"]


@pytest.mark.integration
def test_practices_and_spend(tmp_path):
    practices = ("practice_code,practice,locality_id,list_size,need_index,admissions\n"
                 "P1,Ashby Surgery,A1,6000,,70\nP2,Ashby Green,A1,4000,1.2,20\nP3,Bank House,B2,50000,,4000\n")
    spend = "locality_id,practice_code,spend_gbp\nA1,P1,300000\nA1,P2,250000\nB2,,2000000\nC3,,150000\n"
    folder = write_pack(tmp_path, localities_csv=LOCALITIES_IMD, population_csv=POPULATION, practices_csv=practices,
                        spend_csv=spend)
    pack = load_pack(folder)
    local = budgets.budgets(pack).set_index("locality_id")
    assert local.loc["A1", "spend_gbp"] == 550000  # its practices added up
    assert budgets.total_budget(pack) == (2_700_000.0, "the base-year total of the pack's spend figures")
    by_practice = budgets.practice_budgets(pack).set_index("practice_code")
    a1 = by_practice.loc[["P1", "P2"]]
    assert round(a1["fair_share_gbp"].sum() * 100) == round(local.loc["A1", "fair_share_gbp"] * 100)
    # P2's 4,000 people at need 1.2 weigh 4,800 against P1's 6,000 at A1's own need index
    need_a1 = local.loc["A1", "need_index"]
    assert a1.loc["P2", "fair_share_gbp"] / a1.loc["P1", "fair_share_gbp"] == pytest.approx(4800 / (6000 * need_a1),
                                                                                            rel=1e-4)
    ratios = budgets.practice_case_mix(pack)
    assert list(ratios["practice_code"]) == ["P1", "P2", "P3"]
    assert (ratios["expected"] > 0).all()
    bad = write_pack(tmp_path / "bad", spend_csv="locality_id,practice_code,spend_gbp\nA1,P9,1\n")
    assert [str(p) for p in validate(bad)] == ["spend.csv, column practice_code: names practices but the pack has no "
                                               "practices.csv"]


@pytest.mark.integration
def test_no_population_still_gives_budgets_and_ratios(tmp_path):
    pack = load_pack(write_pack(tmp_path))
    frame = budgets.budgets(pack, total_gbp=64_000)
    assert frame["fair_share_gbp"].tolist() == [10000.0, 50000.0, 4000.0]  # no age mix, no IMD: by head
    ratios = budgets.case_mix(pack)
    assert ratios["expected"].tolist() == pytest.approx([10000 * 5300 / 64000, 50000 * 5300 / 64000,
                                                         4000 * 5300 / 64000])


@pytest.mark.integration
def test_default_pack_fair_shares_add_up():
    pack = load_pack()
    frame = budgets.budgets(pack, total_gbp=1_234_567_890.12)
    assert round(frame["fair_share_gbp"].sum() * 100) == 123_456_789_012
    assert len(frame) == 26


@pytest.mark.integration
def test_workbook_and_summary_carry_fair_shares():
    import io

    import openpyxl

    from stpkit.report import workbook
    from stpkit.summary import summarise

    pack = load_pack()
    book = openpyxl.load_workbook(io.BytesIO(workbook.build(pack, disclosure_on=True)))
    sheet = book["Fair shares"]
    header = [c.value for c in sheet[3]]
    rows = [dict(zip(header, r)) for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert len(rows) == 26
    dengie = next(r for r in rows if r["Locality ID"] == "MSE06")
    assert dengie["Distance from target (£)"] == pytest.approx(dengie["Spend (£)"] - dengie["Fair share (£)"])
    total = round(sum(r["Fair share (£)"] for r in rows) * 100)
    assert total == round(budgets.total_budget(pack)[0] * 100)
    one = summarise(pack, "MSE06")["budgets"]
    assert one["scope"] == "locality"
    assert one["fair_share_gbp"] == pytest.approx(dengie["Fair share (£)"])
    assert one["distance_from_target_gbp"] == pytest.approx(dengie["Distance from target (£)"])
    nel = summarise(pack)["activity"]["non_elective"]
    assert nel["demographic_growth"] + nel["non_demographic_growth"] == pytest.approx(nel["momentum"] - nel["base"])
    assert 0 < nel["demographic_growth"] < nel["momentum"] - nel["base"]
    everyone = summarise(pack)["budgets"]
    assert everyone["fair_share_gbp"] == pytest.approx(everyone["total_gbp"], abs=0.005)
    assert set(everyone["localities"]) == set(pack.localities["locality_id"])


@pytest.mark.integration
def test_a_practice_s_own_people_by_age(tmp_path):
    practices = ("practice_code,practice,locality_id,list_size,admissions\n"
                 "P1,Ashby Surgery,A1,6000,70\nP2,Ashby Green,A1,4000,20\n")
    own = "practice_code,age_band,people\nP1,0-64,5000\nP1,65+,1000\n"
    folder = write_pack(tmp_path, localities_csv=LOCALITIES_IMD, population_csv=POPULATION, practices_csv=practices,
                        practice_population_csv=own, cost_weights_csv=WEIGHTS)
    pack = load_pack(folder)
    people = budgets.practice_people(pack)
    assert people.loc["P1"].tolist() == [5000, 1000]
    assert people.loc["P2"].tolist() == pytest.approx([4000 * 0.8, 4000 * 0.2])  # A1's mix: 8,000 and 2,000
    shares = budgets.practice_budgets(pack).set_index("practice_code")
    # P1: 5,000 x 0.8 + 1,000 x 2.5 = 6,500; P2: 3,200 x 0.8 + 800 x 2.5 = 4,560; same need index
    assert shares.loc["P1", "weighted_population"] / shares.loc["P2", "weighted_population"] == pytest.approx(6500 / 4560)
    rates = budgets.footprint_rates(pack, "non_elective")
    ratios = budgets.practice_case_mix(pack).set_index("practice_code")
    assert ratios.loc["P1", "expected"] == pytest.approx(5000 * rates[0] + 1000 * rates[1])
    bad = write_pack(tmp_path / "bad", localities_csv=LOCALITIES_IMD, population_csv=POPULATION,
                     practices_csv=practices, practice_population_csv="practice_code,age_band,people\nP9,0-64,1\n")
    assert [str(p) for p in validate(bad)] == ['practice_population.csv row 2, practice_code: "P9" is not in '
                                               "practices.csv"]


@pytest.mark.integration
def test_the_page_shows_fair_shares_and_practices_on_their_funnel(tmp_path, monkeypatch):
    from stpkit import pages
    from stpkit.pages import budgets as budgets_page

    practices = ("practice_code,practice,locality_id,list_size,admissions\n"
                 "P1,Ashby Surgery,A1,6000,70\nP2,Ashby Green,A1,4000,20\nP3,Bank House,B2,50000,4000\n")
    folder = write_pack(tmp_path, localities_csv=LOCALITIES_IMD, population_csv=POPULATION, practices_csv=practices)
    page = pages.BudgetsPage(folder, "A1", mode="static")
    frame = budgets.budgets(load_pack(folder)).set_index("locality_id")
    assert page.figures["fair_share_gbp"] == pytest.approx(frame.loc["A1", "fair_share_gbp"])
    assert page.figures["distance_from_target_gbp"] == pytest.approx(frame.loc["A1", "distance_gbp"])
    points = page.chart("practice_funnel").layer[2].data
    assert sorted(points["label"]) == ["Ashby Green", "Ashby Surgery"]  # A1's practices only
    page.set(budget_gbp=2_000_000.0)
    assert page.figures["fair_share_gbp"] == pytest.approx(2_000_000 * frame.loc["A1", "weighted_share"], abs=0.01)
    monkeypatch.setattr(budgets_page, "MAX_FUNNEL_POINTS", 2)
    assert "too many to show" in pages.BudgetsPage(folder, "all", mode="static").chart("practice_funnel").text
