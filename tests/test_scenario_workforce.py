"""One set of assumptions reaches workforce demand: a scenario's growth moves the staff the activity needs.

The pack's staff in post deliver the pack's own activity plan; a scenario that changes a point of
delivery's growth moves the demand of the staff groups that deliver it (staff_activity.csv, or its
illustrative default), in proportion to the change in momentum activity in the horizon year.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from stpkit import activity, comparison, investment, pages, scenarios, workforce
from stpkit.pack import DEFAULT_PACK, load_pack
from stpkit.validate import validate

FASTER = scenarios.Scenario(name="faster", title="Faster emergency growth",
                            values={"growth": {"non_elective": 0.033}})  # the pack's 2.3% + 1 point


@pytest.fixture(scope="module")
def pack():
    return load_pack()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The default pack with a scenario that adds a point to non-elective growth."""
    where = tmp_path_factory.mktemp("faster") / "pack"
    shutil.copytree(DEFAULT_PACK, where)
    (where / "scenarios" / "faster.toml").write_text(
        '[scenario]\ntitle = "Faster emergency growth"\n\n[growth]\nnon_elective = 0.033\n', encoding="utf-8")
    return where


def _horizon(tables: dict, pack) -> pd.DataFrame:
    gap = tables["gap"]
    return gap[gap["year"] == pack.horizon_year].set_index("staff_group")


@pytest.mark.unit
def test_the_pack_as_it_is_keeps_its_published_gap(pack):
    tables = workforce.workforce_for(pack)
    assert (tables["gap"]["activity_fte"] == 0).all() and tables["activity"].empty
    totals = tables["gap_by_year"].set_index("year").loc[pack.horizon_year]
    assert totals["gap_fte"] == pytest.approx(310.5)
    # a scenario that leaves growth alone leaves the staff demand alone too
    same = scenarios.apply(pack, scenarios.Scenario(name="x", values={"finance": {"discount_rate": 0.05}}))
    assert workforce.workforce_for(same)["gap_by_year"].set_index("year").loc[pack.horizon_year, "gap_fte"] == \
        pytest.approx(310.5)


@pytest.mark.unit
def test_a_growth_change_moves_investment_savings_and_workforce_demand(pack):
    moved = scenarios.apply(pack, FASTER)
    # savings and the appraisal move ...
    assert activity.project(moved)["gross_savings_gbp"].sum() > activity.project(pack)["gross_savings_gbp"].sum()
    assert investment.appraise(moved)["npv_gbp"] > investment.appraise(pack)["npv_gbp"]
    # ... and so does the workforce demand, by hand: non-elective momentum in 2020/21 is each locality's
    # admissions grown five years at its own rate; one point more a year raises it by 4.99%
    rows = pack.activity[pack.activity["pod"] == "non_elective"]
    rate = rows["growth"].astype(float).fillna(0.023).to_numpy()
    base = rows["activity"].astype(float).to_numpy()
    change = (base * (1 + rate + 0.01) ** 5).sum() / (base * (1 + rate) ** 5).sum() - 1
    assert change == pytest.approx(0.0499, abs=0.0001)
    before, after = _horizon(workforce.workforce_for(pack), pack), _horizon(workforce.workforce_for(moved), pack)
    # nurses/HCAs: 327.2 in post, half their work with emergency admissions (the default split)
    nurses = 327.2 * 0.5 * change
    assert nurses == pytest.approx(8.17, abs=0.01)
    assert after.loc["Nurses/HCAs", "activity_fte"] == pytest.approx(nurses)
    assert after.loc["Nurses/HCAs", "demand_fte"] - before.loc["Nurses/HCAs", "demand_fte"] == pytest.approx(nurses)
    assert after.loc["Therapists", "activity_fte"] == pytest.approx(140.2 * 0.6 * change)
    assert after.loc["MH therapists", "activity_fte"] == pytest.approx(93.5 * 0.5 * change)
    # GPs and the groups sized otherwise do not move; supply never does
    for group in ("GPs", "Care co-ordinators", "Support/admin", "Project managers"):
        assert after.loc[group, "demand_fte"] == pytest.approx(before.loc[group, "demand_fte"]), group
    assert np.allclose(after["supply_fte"].fillna(-1), before["supply_fte"].fillna(-1))
    total = (327.2 * 0.5 + 140.2 * 0.6 + 93.5 * 0.5) * change  # 14.70 FTE
    gap = workforce.workforce_for(moved)["gap_by_year"].set_index("year")
    assert gap.loc[pack.horizon_year, "gap_fte"] == pytest.approx(310.5 + total)
    assert gap.loc[pack.horizon_year, "gap_fte"] == pytest.approx(325.2, abs=0.05)
    # it builds up in equal steps from the base year, like the caseload need
    assert gap.loc[pack.base_year, "activity_fte"] == 0
    assert gap.loc[pack.base_year + 2, "activity_fte"] == pytest.approx(total * 2 / 5)


@pytest.mark.unit
def test_a_scheme_reduction_moves_care_not_the_staff_it_needs(pack):
    moved = scenarios.apply(pack, scenarios.Scenario(name="x", values={"scheme_reductions": {"Frailty and EoL": 0.1}}))
    assert activity.project(moved)["avoided"].sum() != pytest.approx(activity.project(pack)["avoided"].sum())
    assert (workforce.workforce_for(moved)["gap"]["activity_fte"] == 0).all()


@pytest.mark.unit
def test_slower_growth_lowers_demand_and_the_draws_follow(pack):
    slower = scenarios.apply(pack, scenarios.Scenario(name="slow", values={"growth": {"ae": 0.0, "non_elective": 0.0}}))
    tables = workforce.workforce_for(slower)
    horizon = _horizon(tables, pack)
    assert horizon.loc["Nurses/HCAs", "activity_fte"] < 0 and horizon.loc["MH therapists", "activity_fte"] < 0
    # the Monte Carlo's gap keeps the scenario's staff for activity
    draws = workforce.gap_draws(tables["gap"], float(tables["coordination"]["coordinators_fte"].iloc[0]),
                                float(tables["gp_release"]["released_gp_fte"].sum()))
    np.testing.assert_allclose(draws[0], tables["gap"]["gap_fte"].to_numpy(), equal_nan=True)


@pytest.mark.integration
def test_a_pack_sets_its_own_split_and_a_bad_one_is_refused(folder, tmp_path):
    mine = tmp_path / "pack"
    shutil.copytree(folder, mine)
    (mine / "staff_activity.csv").write_text("staff_group,pod,share\nGPs,ae,0.2\nNurses/HCAs,non_elective,1\n")
    own = load_pack(mine)
    moved = scenarios.scenario_pack(own, "faster")
    horizon = _horizon(workforce.workforce_for(moved), own)
    change = workforce.activity_change(moved)["non_elective"]
    assert horizon.loc["Nurses/HCAs", "activity_fte"] == pytest.approx(327.2 * change)
    assert horizon.loc["Therapists", "activity_fte"] == 0  # the pack's split replaces the default whole
    assert horizon.loc["GPs", "activity_fte"] == 0  # A&E growth did not change
    (mine / "staff_activity.csv").write_text(
        "staff_group,pod,share\nNurses,non_elective,0.5\nTherapists,non_elective,0.7\nTherapists,elective_ip,0.4\n"
        "Therapists,maternity,0.1\nMH therapists,ae,1.5\n")
    problems = [str(p) for p in validate(mine)]
    assert any("staff_activity.csv" in p and "row 2" in p and '"Nurses" is not a staff group of workforce.csv'
               in p for p in problems), problems
    assert any("staff_activity.csv" in p and "Therapists add up to 1.1" in p for p in problems), problems
    assert any("staff_activity.csv" in p and "row 5" in p and "maternity" in p for p in problems), problems
    assert any("staff_activity.csv" in p and "row 6" in p and "1.5" in p for p in problems), problems
    assert all("\n" not in p for p in problems)


@pytest.mark.integration
def test_the_comparison_and_its_waterfall_carry_the_workforce(folder):
    mine = load_pack(folder)
    result = comparison.compare(mine, "pack,faster", uncertain=False)
    head = result["headlines"].set_index("measure")
    assert head.loc["gap_fte", "pack"] == pytest.approx(310.5)
    assert head.loc["gap_fte", "faster"] == pytest.approx(325.2, abs=0.05)
    steps = result["attribution"]
    assert list(steps["key"].iloc[:-2]) == ["non_elective"]
    for measure in comparison.ATTRIBUTED:  # the steps add up to the total exactly
        assert abs(steps[measure].iloc[:-1].sum() - steps[measure].iloc[-1]) < 1e-9
    assert steps["gap_fte"].iloc[-1] == pytest.approx(head.loc["gap_fte", "faster"] - 310.5)
    page = pages.ComparisonPage(mine, "all", mode="static", scenarios="pack,faster", draws=50)
    assert not isinstance(page.chart("attribution_workforce"), pages.Note)
    table = page.result.tables["attribution"]
    assert table.columns["gap_fte"] == ("Workforce shortfall (FTE)", "fte")
    plain = pages.ComparisonPage(mine, "all", mode="static", scenarios="pack,interim", draws=50)
    assert isinstance(plain.chart("attribution_workforce"), pages.Note)


@pytest.mark.integration
def test_the_workforce_page_shows_the_staff_for_the_scenarios_activity(folder):
    page = pages.WorkforcePage(folder, "all", mode="static", scenario="faster", uncertainty=False)
    assert page.figures["gap_fte"] == pytest.approx(325.2, abs=0.05)
    assert page.figures["activity_fte"] == pytest.approx(14.70, abs=0.01)
    titles = [card.label for card in page.result.cards]
    assert "Staff for the scenario's activity in 2020/21" in titles
    plain = pages.WorkforcePage(folder, "all", mode="static", uncertainty=False)
    assert plain.figures["gap_fte"] == pytest.approx(310.5) and plain.figures["activity_fte"] == 0
    assert "Staff for the scenario's activity in 2020/21" not in [card.label for card in plain.result.cards]
