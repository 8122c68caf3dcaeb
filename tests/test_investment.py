"""Investment phasing: the seed 003 pump priming table, the savings relation and ramp, NPV, payback, options."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stpkit import investment as iv
from stpkit.schema import SETTINGS

MSE_PACK = Path(__file__).resolve().parents[1] / "data" / "mid_south_essex"

from packs import write_pack

# Seed 003, "Pump priming required to deliver Local Health and Care model" (GBP m, 2017/18 .. 2019/20).
SEED_003_PUMP_PRIMING = {
    "Workforce changes to support GP capacity release": (6.2, 3.6, None),
    "Virtualisation": (3.5, 3.5, 7.0),
    "Up-skilling Primary Care": (2.6, 1.0, 0.5),
    "Targeted new services": (2.4, 2.4, None),
    "Public culture change": (1.3, 0.5, None),
    "Others": (1.2, 0.8, 0.6),
    "Change Management": (1.0, 1.0, None),
    "Apps/self-care technology": (1.0, None, None),
    "IT infrastructure": (1.0, 1.0, None),
    "Training to up-skill existing workforce": (1.0, None, None),
}
SEED_003_CAPITAL = {"Locality Hubs": (4, 4, 4), "Extension to GP practices": (4, 4, 4)}


def seed_003_investments(year_as_text: bool = False) -> pd.DataFrame:
    """Seed 003's pump priming and capital table as investments.csv rows (blank cells left out)."""
    rows = []
    for kind, table in (("revenue", SEED_003_PUMP_PRIMING), ("capital", SEED_003_CAPITAL)):
        for category, amounts in table.items():
            for offset, amount in enumerate(amounts):
                if amount is not None:
                    year = 2017 + offset
                    rows.append((category, kind, f"{year}/{(year + 1) % 100:02d}" if year_as_text else year,
                                 amount * 1e6))
    return pd.DataFrame(rows, columns=["category", "kind", "year", "amount"])


def inputs(savings=None, **changes) -> iv.Inputs:
    savings = pd.Series(savings or {"ae": 10e6, "non_elective": 30e6, "outpatient": 60e6})
    return iv.Inputs(seed_003_investments(), savings, base_year=2015, horizon_year=2020, **changes)


# --- seed 003: pump priming and capital by year ---------------------------------------------------------------


@pytest.mark.unit
def test_seed_003_pump_priming_table_totals_21_2_13_8_8_1_0_0_and_capital_8_8_8_0():
    """Seed 003, "Pump priming required": total transition costs 21.2, 13.8, 8.1, 0.0 and total capital
    costs 8.0, 8.0, 8.0, 0.0 (GBP m, 2017/18 to 2020/21), added up from the categories."""
    table = iv.by_year(seed_003_investments(), years=range(2017, 2021))
    years = ["2017/18", "2018/19", "2019/20", "2020/21"]
    totals = table[table["is_total"]].set_index("category")
    assert totals.loc["Total pump priming", years].to_numpy() / 1e6 == pytest.approx([21.2, 13.8, 8.1, 0.0])
    assert totals.loc["Total capital", years].to_numpy() / 1e6 == pytest.approx([8.0, 8.0, 8.0, 0.0])
    assert totals.loc["Total investment", years].to_numpy() / 1e6 == pytest.approx([29.2, 21.8, 16.1, 0.0])
    assert totals.loc["Total investment", "total_gbp"] / 1e6 == pytest.approx(67.1)
    categories = table[~table["is_total"]]
    assert categories["category"].tolist() == list(SEED_003_PUMP_PRIMING) + list(SEED_003_CAPITAL)
    assert table.loc[table["category"] == "Virtualisation", "2019/20"].item() == pytest.approx(7.0e6)


@pytest.mark.unit
def test_seed_003_pump_priming_from_text_years_and_totals_by_year():
    """Seed 003 pump priming table: years written "2017/18" read the same; totals by year and kind."""
    totals = iv.totals_by_year(seed_003_investments(year_as_text=True), years=range(2016, 2021))
    assert totals["year"].tolist() == ["2016/17", "2017/18", "2018/19", "2019/20", "2020/21"]
    assert totals["revenue_gbp"].to_numpy() / 1e6 == pytest.approx([0.0, 21.2, 13.8, 8.1, 0.0])
    assert totals["capital_gbp"].to_numpy() / 1e6 == pytest.approx([0.0, 8.0, 8.0, 8.0, 0.0])
    assert totals["investment_gbp"].sum() / 1e6 == pytest.approx(67.1)


@pytest.mark.unit
def test_by_year_with_no_investment_says_zero():
    """An empty investments table gives just a zero grand total, not an error."""
    empty = seed_003_investments().iloc[:0]
    table = iv.by_year(empty)
    assert table["category"].tolist() == ["Total investment"]
    assert table["total_gbp"].item() == 0.0


@pytest.mark.unit
def test_by_year_rejects_an_unknown_kind():
    bad = pd.DataFrame({"category": ["X"], "kind": ["loan"], "year": [2017], "amount": [1.0]})
    with pytest.raises(ValueError, match="revenue or capital"):
        iv.by_year(bad)


# --- seed 003: the investment-to-savings relation --------------------------------------------------------------


@pytest.mark.unit
def test_seed_003_phasing_of_funding_full_investment_full_savings_25_percent_releases_12_5_percent():
    """Seed 003, "Phasing of funding": target scenario (full investment releases full savings) and
    alternative scenario (25% of investment releases 12.5% of savings), through the default elasticity
    in pack.toml's [investment] settings."""
    elasticity = SETTINGS["investment"]["savings_elasticity"]["default"]
    assert iv.savings_share(1.0, elasticity) == pytest.approx(1.0)
    assert iv.savings_share(0.25, elasticity) == pytest.approx(0.125)
    assert iv.fit_elasticity(0.25, 0.125) == pytest.approx(elasticity)
    assert iv.savings_share(np.array([0.0, 0.25, 1.0]), points=iv.SEED_003_POINTS) == pytest.approx([0, 0.125, 1])
    # between the seed's points the table interpolates in straight lines, the power law curves
    assert iv.savings_share(0.5, points=iv.SEED_003_POINTS) == pytest.approx(0.125 + 0.25 * 0.875 / 0.75)
    assert iv.savings_share(0.5, 1.5) == pytest.approx(0.5 ** 1.5)
    assert iv.savings_share(2.0) == pytest.approx(1.0)  # shares are clipped to 0..1


@pytest.mark.unit
def test_seed_003_target_and_alternative_scenarios_side_by_side():
    """Seed 003 "Phasing of funding": the alternative scenario makes 25% of the investment and releases
    12.5% of the savings; the target scenario makes all of it and releases all of them."""
    table = iv.scenarios(inputs(), iv.SEED_003_SCENARIOS).set_index("scenario")
    assert table.loc["Alternative", "investment_gbp"] == pytest.approx(0.25 * table.loc["Target", "investment_gbp"])
    assert table.loc["Target", "investment_gbp"] / 1e6 == pytest.approx(67.1)
    assert table.loc["Alternative", "savings_released"] == pytest.approx(0.125)
    assert table.loc["Alternative", "horizon_savings_gbp"] == pytest.approx(0.125 * 100e6)
    assert table.loc["Target", "horizon_savings_gbp"] == pytest.approx(100e6)
    # the same ramp shape, so total savings scale by the same 12.5%
    assert table.loc["Alternative", "savings_gbp"] == pytest.approx(0.125 * table.loc["Target", "savings_gbp"])


@pytest.mark.unit
def test_a_user_can_change_the_relation():
    """Elasticity 1 means savings in proportion to investment; a table of points replaces the power law."""
    proportional = iv.scenarios(inputs(elasticity=1.0), iv.SEED_003_SCENARIOS).set_index("scenario")
    assert proportional.loc["Alternative", "savings_released"] == pytest.approx(0.25)
    tabled = iv.scenarios(inputs(points=((0, 0), (0.25, 0.2), (1, 1))), iv.SEED_003_SCENARIOS)
    assert tabled.set_index("scenario").loc["Alternative", "savings_released"] == pytest.approx(0.2)


# --- the savings ramp -----------------------------------------------------------------------------------------


@pytest.mark.unit
def test_seed_003_savings_follow_the_investment_a_year_later_and_are_full_by_2020_21():
    """Seed 003: "full investment required to deliver full forecast benefits by 2020/21" and investments
    self-funding within 12 months: the default ramp is the cumulative share of the seed's investment
    (29.2, 21.8, 16.1 of 67.1 GBP m) spent a year earlier."""
    years = list(range(2016, 2021))
    spent = iv.totals_by_year(seed_003_investments(), years)["investment_gbp"].to_numpy()
    ramp = iv.savings_ramp(years, spent)
    assert ramp == pytest.approx([0.0, 0.0, 29.2 / 67.1, 51.0 / 67.1, 1.0])
    assert iv.savings_ramp(years, spent, lag_years=0) == pytest.approx([0.0, 29.2 / 67.1, 51.0 / 67.1, 1.0, 1.0])


@pytest.mark.unit
@pytest.mark.parametrize("lag, expected", [
    (0, [0.2, 0.4, 0.6, 0.8, 1.0]),  # equal fifths from the 2015/16 base
    (1, [0.0, 0.25, 0.5, 0.75, 1.0]),  # starts a year later, still full in 2020/21 (was 0.8: issue 10)
    (2, [0.0, 0.0, 1 / 3, 2 / 3, 1.0]),
    (3, [0.0, 0.0, 0.0, 0.5, 1.0]),
])
def test_linear_ramp_reaches_full_savings_in_the_horizon_year_whatever_the_lag(lag, expected):
    years = list(range(2016, 2023))  # two years past the horizon: held at 1
    ramp = iv.savings_ramp(years, method="linear", lag_years=lag, base_year=2015, horizon_year=2020)
    assert ramp == pytest.approx(expected + [1.0, 1.0])
    with pytest.raises(ValueError, match="savings ramp"):
        iv.savings_ramp(years, method="sudden")


@pytest.mark.unit
@pytest.mark.parametrize("lag, expected", [
    (0, [0.0, 29.2 / 67.1, 51.0 / 67.1, 1.0, 1.0]),
    (1, [0.0, 0.0, 29.2 / 67.1, 51.0 / 67.1, 1.0]),
    (2, [0.0, 0.0, 0.0, 29.2 / 67.1, 1.0]),  # 51.0 / 67.1 would be due in 2020/21: the horizon brings it to full
    (3, [0.0, 0.0, 0.0, 0.0, 1.0]),
])
def test_investment_ramp_reaches_full_savings_in_the_horizon_year_whatever_the_lag(lag, expected):
    """Seed 003's spend of 29.2, 21.8 and 16.1 (GBP m, 2017/18 to 2019/20): savings follow it ``lag``
    years later and are full in 2020/21, as seed 003 promises for full investment."""
    years = list(range(2016, 2021))
    spent = iv.totals_by_year(seed_003_investments(), years)["investment_gbp"].to_numpy()
    assert iv.savings_ramp(years, spent, lag_years=lag, base_year=2015, horizon_year=2020) == pytest.approx(expected)


@pytest.mark.unit
def test_ramp_with_no_investment_falls_back_to_linear_and_takes_one_lag_per_row():
    """Rows with no investment ramp linearly; lags may differ row by row (one per scenario or draw)."""
    years = list(range(2016, 2021))
    spent = np.array([[0, 10, 10, 0, 0], [0, 0, 0, 0, 0]], dtype=float)
    ramp = iv.savings_ramp(years, spent, lag_years=np.array([0, 1]), base_year=2015)
    assert ramp[0] == pytest.approx([0, 0.5, 1, 1, 1])
    assert ramp[1] == pytest.approx([0, 0.25, 0.5, 0.75, 1.0])


# --- NPV and payback ------------------------------------------------------------------------------------------


@pytest.mark.unit
def test_npv_first_plan_year_is_undiscounted():
    """NPV = sum of net / (1 + r) ^ (t - first): the first plan year counts in full."""
    net = np.array([-100.0, 30.0, 40.0, 50.0])
    expected = -100 + 30 / 1.035 + 40 / 1.035 ** 2 + 50 / 1.035 ** 3
    assert iv.npv(net, 0.035) == pytest.approx(expected)
    assert iv.npv([5.0], 0.5) == pytest.approx(5.0)
    assert iv.discount_factors(3, 0.1) == pytest.approx([1, 1 / 1.1, 1 / 1.21])


@pytest.mark.unit
def test_npv_takes_arrays_of_draws_with_a_trailing_year_axis():
    """NPV for draws x localities x years at once, with one rate or a rate per draw."""
    rng = np.random.default_rng(1)
    flows = rng.normal(size=(200, 30, 5))
    one_rate = iv.npv(flows, 0.035)
    assert one_rate.shape == (200, 30)
    assert one_rate[7, 3] == pytest.approx(sum(flows[7, 3, t] / 1.035 ** t for t in range(5)))
    rates = rng.uniform(0.0, 0.1, size=(200, 1))
    per_draw = iv.npv(flows, rates)
    assert per_draw.shape == (200, 30)
    assert per_draw[11, 4] == pytest.approx(sum(flows[11, 4, t] / (1 + rates[11, 0]) ** t for t in range(5)))


@pytest.mark.unit
def test_payback_is_the_first_year_the_cumulative_position_stays_non_negative():
    years = [2016, 2017, 2018, 2019, 2020]
    assert iv.payback_year([0, -10, 4, 6, 5], years) == 2019  # cumulative 0, -10, -6, 0, 5: back to 0 in 2019/20
    assert iv.payback_year([-10, 4, 6, 5, 0], years) == 2018
    assert iv.payback_year([-10, 4, 4, 1, 0], years) is None  # still GBP 1 short at the end
    assert iv.payback_year([0, 0, 5, 5, 5], years) == 2016  # never out of pocket
    assert iv.payback_year([-5, 10, -10, 3, 3], years) == 2020  # cumulative -5, 5, -5, -2, 1: dips again
    grid = iv.payback_year(np.array([[-10, 4, 6, 5, 0], [-10, 4, 4, 1, 0]]), years)
    assert grid[0] == 2018 and np.isnan(grid[1])
    assert iv.payback_index(np.array([[-1, 1], [-1, 0.5]])).tolist() == [1, -1]


@pytest.mark.unit
def test_appraise_arrays_many_draws():
    """The Monte Carlo entry point: savings draws x localities, one investment profile and ramp."""
    rng = np.random.default_rng(0)
    savings = rng.uniform(0.5e6, 1.5e6, size=(100, 12))
    invest = np.array([0, 1e6, 0.5e6, 0, 0])
    ramp = iv.savings_ramp(range(2016, 2021), invest)
    out = iv.appraise_arrays(invest, savings, ramp, 0.035, release=1.0, flows=True)
    assert out["net"].shape == (100, 12, 5)
    assert out["npv"].shape == (100, 12)
    expected = iv.npv(savings[3, 2] * ramp - invest, 0.035)
    assert out["npv"][3, 2] == pytest.approx(expected)
    assert out["npv"] == pytest.approx(iv.npv(out["net"], 0.035))
    assert out["cumulative"][..., -1] == pytest.approx(out["net"].sum(axis=-1))
    assert "net" not in iv.appraise_arrays(invest, savings, ramp, 0.035)


@pytest.mark.unit
def test_appraise_arrays_payback_matches_the_year_by_year_rule():
    """The shortcut payback (savings against per-year thresholds) equals the cumulative-position rule,
    for one shared profile and for an investment profile per locality, with rates per draw."""
    rng = np.random.default_rng(3)
    years = range(2016, 2021)
    shared = np.array([0, 2e6, 1e6, 0.5e6, 0])
    per_locality = rng.uniform(0, 1e6, size=(12, 5)) * (rng.random((12, 5)) < 0.6)
    savings = rng.uniform(0, 2.5e6, size=(300, 12))
    savings[0, 0] = 0.0
    rates = rng.uniform(0, 0.1, size=(300, 1))
    for invest in (shared, per_locality):
        ramp = iv.savings_ramp(years, invest, lag_years=1)
        out = iv.appraise_arrays(invest, savings, ramp, rates, release=0.8, flows=True)
        assert (out["payback_index"] == iv.payback_index(out["net"])).all()
        assert out["npv"] == pytest.approx(iv.npv(out["net"], rates))
    found = set(np.unique(out["payback_index"]).tolist())
    assert -1 in found and len(found) > 2  # the random draws cover several outcomes


# --- cash flow and scenarios ---------------------------------------------------------------------------------


@pytest.mark.unit
def test_cash_flow_by_year_from_seed_003_investment():
    """Cash flow for seed 003's investment and GBP 100m of horizon-year savings: investment out,
    savings in, net, cumulative net, NPV with 2016/17 undiscounted, payback."""
    data = inputs()
    flows = iv.cash_flow(data)
    assert flows["year"].tolist() == ["2016/17", "2017/18", "2018/19", "2019/20", "2020/21"]
    assert flows["investment_gbp"].to_numpy() / 1e6 == pytest.approx([0, 29.2, 21.8, 16.1, 0])
    ramp = np.array([0, 0, 29.2 / 67.1, 51.0 / 67.1, 1.0])
    assert flows["savings_gbp"].to_numpy() == pytest.approx(100e6 * ramp)
    net = 100e6 * ramp - np.array([0, 29.2, 21.8, 16.1, 0]) * 1e6
    assert flows["net_gbp"].to_numpy() == pytest.approx(net)
    assert flows["cumulative_net_gbp"].to_numpy() == pytest.approx(np.cumsum(net))
    assert flows["discount_factor"].iloc[0] == 1.0
    headline = iv.appraise(data)
    assert headline["npv_gbp"] == pytest.approx(sum(n / 1.035 ** t for t, n in enumerate(net)))
    assert headline["npv_gbp"] == pytest.approx(flows["discounted_net_gbp"].sum())
    # cumulative: 0, -29.2, -7.5, +52.4 (GBP m): pays back in 2019/20
    assert headline["payback_year"] == "2019/20" and headline["payback_year_int"] == 2019


@pytest.mark.unit
def test_payback_not_within_the_plan_is_said_in_words():
    table = iv.scenarios(inputs(savings={"ae": 1e6}), iv.SEED_003_SCENARIOS)
    assert table["payback_year"].tolist() == [iv.NOT_WITHIN_PLAN, iv.NOT_WITHIN_PLAN]
    assert iv.appraise(inputs(savings={"ae": 1e6}))["payback_year_int"] is None


@pytest.mark.unit
def test_seed_000_three_options_side_by_side():
    """Seed 000, "Option appraisal": a comprehensive option, one with lower assumptions on degree and pace,
    and an interim option comprehensive for priority areas only - one row each, with NPV and payback."""
    data = inputs()
    table = iv.scenarios(data).set_index("scenario")
    assert table.index.tolist() == ["Comprehensive", "Lower assumptions", "Interim"]
    comprehensive, lower, interim = (table.loc[name] for name in table.index)
    assert comprehensive["investment_gbp"] / 1e6 == pytest.approx(67.1)
    assert comprehensive["horizon_savings_gbp"] == pytest.approx(100e6)
    # lower: half the investment releases 0.5 ** 1.5 of the savings, a year later
    assert lower["investment_gbp"] / 1e6 == pytest.approx(67.1 / 2)
    assert lower["savings_released"] == pytest.approx(0.5 ** 1.5)
    lower_flows = iv.cash_flow(data, iv.SEED_000_OPTIONS[1])
    assert lower_flows["savings_gbp"].to_numpy() == pytest.approx(
        100e6 * 0.5 ** 1.5 * np.array([0, 0, 0, 29.2 / 67.1, 51.0 / 67.1]))
    # interim: full savings on A&E and non-elective (priority), half elsewhere; half the capital
    assert interim["horizon_savings_gbp"] == pytest.approx(10e6 + 30e6 + 0.5 * 60e6)
    assert interim["investment_gbp"] / 1e6 == pytest.approx(43.1 + 0.5 * 24.0)
    assert comprehensive["npv_gbp"] > interim["npv_gbp"] > lower["npv_gbp"]
    for name in table.index:
        flows = iv.cash_flow(data, next(s for s in iv.SEED_000_OPTIONS if s.name == name))
        assert table.loc[name, "npv_gbp"] == pytest.approx(flows["discounted_net_gbp"].sum())
        assert table.loc[name, "net_gbp"] == pytest.approx(flows["net_gbp"].sum())


@pytest.mark.unit
def test_users_add_their_own_scenario():
    mine = iv.Scenario("Urgent care first", "Only A&E savings, at full pace", degree=0.0, priority_degree=1.0,
                       priority_pods=("ae",))
    as_dict = {"name": "Slow and steady", "degree": 0.8, "delay_years": 2}
    table = iv.scenarios(inputs(), [*iv.SEED_000_OPTIONS, mine, as_dict]).set_index("scenario")
    assert table.loc["Urgent care first", "horizon_savings_gbp"] == pytest.approx(10e6)
    # the run rate is the full yearly savings; the horizon-year figure is what 2020/21's cash flow holds
    assert table.loc["Slow and steady", "run_rate_savings_gbp"] == pytest.approx(80e6)
    assert table.loc["Slow and steady", "horizon_savings_gbp"] == pytest.approx(80e6 * 29.2 / 67.1)
    assert len(table) == 5
    slow = iv.cash_flow(inputs(), as_dict)
    assert slow["savings_gbp"].iloc[:4].sum() == 0.0  # the ramp moved two years later: 2020/21 only


# --- from a pack -----------------------------------------------------------------------------------------------

PACK_INVESTMENTS = """category,kind,year,amount
Workforce,revenue,2017/18,1000000
Workforce,revenue,2018/19,500000
Hubs,capital,2017/18,400000
"""


@pytest.mark.integration
def test_pack_appraisal_uses_activity_savings_and_pack_settings(tmp_path):
    """A pack's gross savings (stpkit.activity), investments and [investment] settings drive the appraisal."""
    from stpkit import activity, load_pack

    schemes = "scheme,pod,reduction\nFrailty,non_elective,0.1\nOP,outpatient,0.05\n"
    toml = ('[footprint]\nname = "T"\nbase_year = "2015/16"\nhorizon_year = "2020/21"\n\n'
            "[finance]\ndiscount_rate = 0.05\n\n[investment]\ninvestment_share = 0.25\nsavings_ramp = \"linear\"\n"
            "savings_lag_years = 0\n")
    pack = load_pack(write_pack(tmp_path / "p", pack_toml=toml, schemes_csv=schemes,
                                investments_csv=PACK_INVESTMENTS))
    gross = activity.project(pack)["gross_savings_gbp"].sum()
    data = iv.inputs(pack)
    assert data.savings_by_pod.sum() == pytest.approx(gross)
    assert (data.investment_share, data.ramp, data.lag_years, data.discount_rate) == (0.25, "linear", 0, 0.05)
    flows = iv.cash_flow(pack)
    assert flows["investment_gbp"].to_numpy() == pytest.approx([0, 0.25 * 1.4e6, 0.25 * 0.5e6, 0, 0])
    assert flows["savings_gbp"].to_numpy() == pytest.approx(gross * 0.125 * np.array([0.2, 0.4, 0.6, 0.8, 1.0]))
    headline = iv.appraise(pack)
    assert headline["npv_gbp"] == pytest.approx(iv.npv(flows["net_gbp"].to_numpy(), 0.05))
    assert headline["first_year"] == "2016/17"


@pytest.mark.integration
def test_an_unknown_savings_ramp_in_pack_toml_is_refused(tmp_path):
    from stpkit import load_pack

    toml = ('[footprint]\nname = "T"\nbase_year = "2015/16"\nhorizon_year = "2020/21"\n\n'
            '[investment]\nsavings_ramp = "sudden"\n')
    from stpkit import PackError

    with pytest.raises(PackError) as refused:
        load_pack(write_pack(tmp_path / "p", pack_toml=toml))
    assert refused.value.lines() == ['pack.toml line 7, [investment] savings_ramp: "sudden" is not one of: investment, linear']


@pytest.mark.integration
def test_pack_with_only_the_four_required_files_says_there_is_no_investment(tmp_path):
    from stpkit import load_pack

    pack = load_pack(write_pack(tmp_path / "p"))
    data = iv.inputs(pack)
    assert any("no investments.csv" in note for note in data.notes)
    table = iv.scenarios(pack)
    assert (table["investment_gbp"] == 0).all()
    assert table["savings_gbp"].iloc[0] == 0.0  # no schemes in the minimal pack: nothing to save
    assert iv.by_year(pack.investments)["total_gbp"].item() == 0.0


@pytest.mark.integration
def test_synthetic_pack_scenarios(tmp_path):
    """The three options on a synthetic 40-locality pack with the seed-shaped investments."""
    from stpkit import load_pack
    from stpkit.synthetic import write_synthetic_pack

    pack = load_pack(write_synthetic_pack(tmp_path / "s", localities=40))
    table = iv.scenarios(pack)
    assert len(table) == 3
    assert np.isfinite(table["npv_gbp"]).all()
    flows = iv.cash_flow(pack)
    assert flows["investment_gbp"].sum() == pytest.approx(pack.investments["amount"].sum())


# --- the embedded Mid and South Essex pack ----------------------------------------------------------------------


@pytest.mark.integration
def test_seed_003_pump_priming_table_from_the_mid_and_south_essex_pack():
    """Seed 003 "Pump priming required", from data/mid_south_essex/investments.csv: total transition costs
    21.2, 13.8, 8.1, 0.0 and total capital costs 8.0, 8.0, 8.0, 0.0 (GBP m, 2017/18 to 2020/21), category
    by category as the seed's table."""
    from stpkit import load_pack

    pack = load_pack(MSE_PACK)
    # the pack splits "Others" into the parts seed 003's workforce table names; added back they are the printed line
    inv = pack.investments
    others = inv["category"].isin(["Social prescribing pilots", "Locality back-office support"]) | \
        inv["category"].str.startswith("Others")
    table = iv.by_year(inv.assign(category=inv["category"].mask(others, "Others")),
                       years=range(pack.base_year + 1, pack.horizon_year + 1))
    totals = table[table["is_total"]].set_index("category")
    years = ["2017/18", "2018/19", "2019/20", "2020/21"]
    assert totals.loc["Total pump priming", years].to_numpy() / 1e6 == pytest.approx([21.2, 13.8, 8.1, 0.0])
    assert totals.loc["Total capital", years].to_numpy() / 1e6 == pytest.approx([8.0, 8.0, 8.0, 0.0])
    assert table.loc[table["kind"] == "revenue", "category"].iloc[:-1].tolist() == list(SEED_003_PUMP_PRIMING)
    fixture = iv.by_year(seed_003_investments(), years=range(2016, 2021))
    assert table[["2016/17", *years]].to_numpy() == pytest.approx(fixture[["2016/17", *years]].to_numpy())


@pytest.mark.integration
def test_seed_003_and_seed_000_scenarios_on_the_mid_and_south_essex_pack():
    """Mid and South Essex: seed 003's target and alternative scenarios (12.5% of the savings for 25% of
    the investment) and seed 000's three options, on the pack's own GBP 112m of gross savings."""
    from stpkit import activity, load_pack

    pack = load_pack(MSE_PACK)
    gross = activity.project(pack)["gross_savings_gbp"].sum()
    seed_003 = iv.scenarios(pack, iv.SEED_003_SCENARIOS).set_index("scenario")
    assert seed_003.loc["Target", "horizon_savings_gbp"] == pytest.approx(gross)
    assert seed_003.loc["Alternative", "horizon_savings_gbp"] == pytest.approx(0.125 * gross)
    assert seed_003.loc["Alternative", "investment_gbp"] / 1e6 == pytest.approx(0.25 * 67.1)
    flows = iv.cash_flow(pack)
    assert flows["savings_realised_share"].iloc[-1] == pytest.approx(1.0)  # full savings by 2020/21
    assert flows["discount_factor"].iloc[0] == 1.0 and flows["year"].iloc[0] == "2016/17"
    options = iv.scenarios(pack)
    assert options["scenario"].tolist() == ["Comprehensive", "Lower assumptions", "Interim"]
    npv = options.set_index("scenario")["npv_gbp"]
    # on net savings (after stranded cost, reinvestment and running costs) none pays back by 2020/21
    assert npv["Lower assumptions"] < npv["Interim"] < npv["Comprehensive"] < 0
    assert options.set_index("scenario").loc["Comprehensive", "npv_gbp"] == pytest.approx(
        flows["discounted_net_gbp"].sum())
