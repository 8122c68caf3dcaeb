"""Plan on a page: do nothing / solutions / do something (seed 002, Annex C)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from packs import write_pack

from stpkit import activity, investment, load_pack, plan

MSE_PACK = Path(__file__).resolve().parents[1] / "data" / "mid_south_essex"

SCHEMES = "scheme,pod,reduction\nFrailty,non_elective,0.10\nOutpatients,outpatient,0.05\n"
INVESTMENTS = "category,kind,year,amount\nStaff,revenue,2017/18,2000000\nStaff,revenue,2020/21,500000\n" \
              "Hubs,capital,2018/19,1000000\n"
# tests/packs.py: base activity and pods, written out here to check the figures by hand
BASE = {("A1", "non_elective"): 1000, ("A1", "outpatient"): 20000, ("B2", "non_elective"): 4000,
        ("B2", "outpatient"): 90000, ("C3", "non_elective"): 300, ("C3", "outpatient"): 7000}
PODS = {"non_elective": (0.023, 3000.0), "outpatient": (0.033, 185.0)}
REDUCTION = {"non_elective": 0.10, "outpatient": 0.05}


@pytest.fixture
def small_pack(tmp_path):
    return load_pack(write_pack(tmp_path / "p", schemes_csv=SCHEMES, investments_csv=INVESTMENTS))


def by_hand(years_on: int) -> tuple[float, float]:
    """Cost growth and full gross savings, GBP, ``years_on`` years after the base year, cell by cell."""
    growth_cost = savings = 0.0
    for (_, pod), base in BASE.items():
        rate, cost = PODS[pod]
        momentum = base * (1 + rate) ** years_on
        growth_cost += (momentum - base) * cost
        savings += momentum * REDUCTION[pod] * cost
    return growth_cost, savings


@pytest.mark.integration
def test_seed_002_plan_on_a_page_do_nothing_solutions_do_something(small_pack):
    """Seed 002 "STP 2020/21 Summary": do nothing, solutions and do something columns; do something is
    do nothing plus the solutions on every line, and the surplus/(deficit) adds up the lines above it."""
    table = plan.summary(small_pack)
    assert list(table.columns) == ["line", "label", "do_nothing_gbp", "solutions_gbp", "do_something_gbp", "period"]
    assert table["line"].tolist() == list(plan.LINES)
    assert table["do_something_gbp"].to_numpy() == pytest.approx(
        table["do_nothing_gbp"].to_numpy() + table["solutions_gbp"].to_numpy())
    for column in ("do_nothing_gbp", "solutions_gbp", "do_something_gbp"):
        assert table[column].iloc[-1] == pytest.approx(table[column].iloc[:-1].sum())
    assert (table["period"] == "2020/21").all()


@pytest.mark.integration
def test_horizon_year_position_by_hand(small_pack):
    """2020/21: the do-nothing gap is the cost of five years' momentum growth; the solutions are the full
    scheme savings (every ramp reaches them in the horizon year, even with GBP 0.5m still to be spent in
    2020/21) less the 2020/21 investment. The pack has no initiatives.csv, stranded shares or staff
    costs, so nothing more comes off."""
    growth_cost, savings = by_hand(5)
    realised = savings
    table = plan.summary(small_pack).set_index("line")
    assert table.loc["cost_growth", "do_nothing_gbp"] == pytest.approx(-growth_cost)
    assert table.loc["savings", "solutions_gbp"] == pytest.approx(realised)
    assert table.loc["investment", "solutions_gbp"] == pytest.approx(-500_000)
    assert table.loc["position", "do_something_gbp"] == pytest.approx(-growth_cost + realised - 500_000)
    assert table.loc["cost_growth", "solutions_gbp"] == 0.0 and table.loc["savings", "do_nothing_gbp"] == 0.0


@pytest.mark.integration
def test_plan_period_adds_up_every_year(small_pack):
    """period="plan": cost growth year by year from 2016/17 to 2020/21, savings as the ramp releases them,
    and all the investment."""
    table = plan.summary(small_pack, period="plan").set_index("line")
    growth = sum(by_hand(t)[0] for t in range(1, 6))
    assert table.loc["cost_growth", "do_nothing_gbp"] == pytest.approx(-growth)
    flows = investment.cash_flow(small_pack)
    assert table.loc["savings", "solutions_gbp"] == pytest.approx(flows["savings_gbp"].sum())
    assert table.loc["investment", "solutions_gbp"] == pytest.approx(-3_500_000)
    assert table["period"].iloc[0] == "2016/17 to 2020/21"


@pytest.mark.integration
def test_funding_counts_in_do_nothing_and_do_something(small_pack):
    table = plan.summary(small_pack, funding_gbp=2e6).set_index("line")
    assert table.loc["funding", "do_nothing_gbp"] == 2e6 and table.loc["funding", "solutions_gbp"] == 0.0
    base = plan.summary(small_pack).set_index("line")
    assert table.loc["position", "do_something_gbp"] == pytest.approx(base.loc["position", "do_something_gbp"] + 2e6)
    with pytest.raises(ValueError, match="period"):
        plan.summary(small_pack, period="decade")


@pytest.mark.integration
def test_headline_and_pressures_by_pod(small_pack):
    projection = activity.project(small_pack)
    pods = plan.pressures(projection).set_index("pod")
    growth_cost, savings = by_hand(5)
    assert pods["cost_growth_gbp"].sum() == pytest.approx(growth_cost)
    assert pods["gross_savings_gbp"].sum() == pytest.approx(savings)
    assert plan.cost_growth_by_year(projection, 2015, [2020]) == pytest.approx([growth_cost])
    text = plan.headline(plan.summary(small_pack, projection))
    assert text.startswith("2020/21: doing nothing leaves a deficit of £")


@pytest.mark.integration
def test_a_what_if_projection_changes_the_solutions(small_pack):
    """A projection with the schemes doubled doubles the savings line and leaves do nothing alone."""
    doubled = activity.project(small_pack, reductions={"non_elective": 0.2, "outpatient": 0.1})
    base, what_if = plan.summary(small_pack).set_index("line"), plan.summary(small_pack, doubled).set_index("line")
    assert what_if.loc["savings", "solutions_gbp"] == pytest.approx(2 * base.loc["savings", "solutions_gbp"])
    assert what_if.loc["cost_growth", "do_nothing_gbp"] == pytest.approx(base.loc["cost_growth", "do_nothing_gbp"])


@pytest.mark.integration
def test_minimal_pack_has_nothing_to_save(tmp_path):
    """A pack with only the four required files: the do-nothing gap stands, with no solutions."""
    table = plan.summary(load_pack(write_pack(tmp_path / "p"))).set_index("line")
    assert table.loc["position", "solutions_gbp"] == 0.0
    assert table.loc["position", "do_something_gbp"] == pytest.approx(-by_hand(5)[0])


@pytest.mark.integration
def test_seed_003_mid_and_south_essex_plan_on_a_page():
    """Mid and South Essex, 2020/21: the solutions are seed 003's gross savings from the two locality target
    tables (GBP 33M NEL and GBP 79M outpatients, 112M in all, to their rounding) and no 2020/21 investment
    (seed 003 pump priming table: 0.0 in 2020/21)."""
    pack = load_pack(MSE_PACK)
    table = plan.summary(pack).set_index("line")
    assert table.loc["savings", "solutions_gbp"] / 1e6 == pytest.approx(33 + 79, abs=1.0)
    assert table.loc["investment", "solutions_gbp"] == 0.0
    projection = activity.project(pack)
    growth = ((projection["momentum"] - projection["base"]) * projection["unit_cost"]).sum()
    assert table.loc["cost_growth", "do_nothing_gbp"] == pytest.approx(-growth)
    whole = plan.summary(pack, period="plan").set_index("line")
    assert whole.loc["investment", "solutions_gbp"] / 1e6 == pytest.approx(-67.1)
    assert np.isfinite(whole[["do_nothing_gbp", "solutions_gbp", "do_something_gbp"]].to_numpy()).all()
