"""Workforce: supply, demand from the model, gap and cost; seed 003's workforce table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stpkit import needs
from stpkit import workforce as wf

BASE, HORIZON = 2015, 2020  # 2015/16 to 2020/21, as in seed 003

# Seed 003, "Summary of workforce implications of investments": additional FTE and people up-skilled by
# line, at the footnoted unit costs (1: GBP 50k per FTE, 2: ~20k per FTE, 3: ~80k per FTE, 4: ~60k per
# GP lead, 5: ~2k per care navigator). The seed does not say which year each post starts ("phased over
# 3 years"): posts and training start in 2017/18, the first year of pump priming, except the 8 GP MDT
# leads, the only cost in 2019/20 (8 x 60k = 0.48m against the line's 0.5m). The +26 non-medical
# prescribers have no published unit cost, so theirs is left blank.
_GP_RELEASE = "Workforce changes to support GP capacity release"
_UPSKILL_PC = "Up-skilling Primary Care"
_TARGETED = "Targeted new services"
_SOCIAL_RX = "Social prescribing pilots"
_BACK_OFFICE = "Locality back-office support"
_CHANGE = "Change Management"
_TRAINING = "Training to up-skill existing workforce"
SEED_003_ROLES = [
    # role, staff_group, fte, trained, unit_cost, year, category
    ("GP capacity release", "Nurses/HCAs", 40, None, 50_000, 2017, _GP_RELEASE),
    ("GP capacity release", "Therapists", 40, None, 50_000, 2017, _GP_RELEASE),
    ("GP capacity release", "MH therapists", 26, None, 50_000, 2017, _GP_RELEASE),
    ("GPs with a special interest trained", "GPs", 0, 52, 80_000, 2017, _UPSKILL_PC),
    ("GP MDT leads", "GPs", 0, 8, 60_000, 2019, _UPSKILL_PC),
    ("Targeted new services", "Nurses/HCAs", 12, None, 50_000, 2017, _TARGETED),
    ("Targeted new services", "Therapists", 12, None, 50_000, 2017, _TARGETED),
    ("Targeted new services", "Care co-ordinators", 8, None, 50_000, 2017, _TARGETED),
    ("Care navigators trained", "Care navigators", 0, 180, 2_000, 2017, _SOCIAL_RX),
    ("Locality back-office support", "Support/admin", 13, None, 20_000, 2017, _BACK_OFFICE),
    ("Change management", "Project managers", 26, None, 80_000, 2017, _CHANGE),
    ("Non-medical prescribers trained", "Nurses/HCAs", 0, 26, None, 2017, _TRAINING),
]
# The same table's investment columns (GBP m, 2017/18, 2018/19, 2019/20), the pump-priming lines tied to
# the workforce.
SEED_003_WORKFORCE_LINES = {
    _GP_RELEASE: (6.2, 3.6, 0), _UPSKILL_PC: (2.6, 1.0, 0.5), _TARGETED: (2.4, 2.4, 0), _SOCIAL_RX: (0.4, 0, 0),
    _BACK_OFFICE: (0.3, 0.3, 0), _CHANGE: (1.0, 1.0, 0), _TRAINING: (1.0, 0, 0),
}


@pytest.fixture
def seed_roles() -> pd.DataFrame:
    frame = pd.DataFrame(SEED_003_ROLES, columns=["role", "staff_group", "fte", "trained", "unit_cost", "year",
                                                  "category"])
    for column in ("fte", "trained", "unit_cost"):
        frame[column] = frame[column].astype(float)
    frame["year"] = frame["year"].astype("Int64")
    return frame


@pytest.fixture
def seed_investments() -> pd.DataFrame:
    rows = [(category, "revenue", 2017 + i, amount * 1e6)
            for category, amounts in SEED_003_WORKFORCE_LINES.items() for i, amount in enumerate(amounts) if amount]
    rows.append(("Virtualisation", "revenue", 2017, 3.5e6))  # a line with no roles: left out
    rows.append(("Locality Hubs", "capital", 2017, 4e6))
    frame = pd.DataFrame(rows, columns=["category", "kind", "year", "amount"])
    frame["year"] = frame["year"].astype("Int64")
    return frame


@pytest.fixture
def staff() -> pd.DataFrame:
    return pd.DataFrame({"staff_group": ["Nurses/HCAs", "GPs", "Care coordinators"],
                         "baseline_fte": [400.0, 500.0, 10.0], "cost_per_fte": [50_000.0, 100_000.0, 35_000.0],
                         "leavers_fte": [40.0, 30.0, 1.0], "joiners_fte": [36.0, 25.0, 1.0]})


# --- seed 003: the workforce table ----------------------------------------------------------------------


@pytest.mark.unit
def test_seed_003_workforce_table_additional_fte_about_180(seed_roles):
    """Seed 003 workforce table: +40 nurses/HCAs, +40 therapists, +26 MH therapists, +12 nurses/HCAs,
    +12 therapists, +8 care coordinators, +13 support/admin, +26 project managers: ~180 FTE (177)."""
    gap = wf.workforce_gap(None, seed_roles, BASE, HORIZON)
    horizon = gap[gap["year"] == HORIZON].set_index("staff_group")["roles_fte"]
    assert horizon["Nurses/HCAs"] == 40 + 12
    assert horizon["Therapists"] == 40 + 12
    assert horizon["MH therapists"] == 26
    assert horizon["Care co-ordinators"] == 8
    assert horizon["Support/admin"] == 13
    assert horizon["Project managers"] == 26
    assert horizon.sum() == 177
    assert abs(horizon.sum() - 180) <= 5  # "~180 FTE"
    assert gap.loc[gap["year"] < 2017, "roles_fte"].sum() == 0
    # no workforce.csv: demand shows, no supply and no gap
    assert gap["supply_known"].sum() == 0
    assert gap["gap_fte"].isna().all()
    assert (gap["demand_fte"] == gap["additional_fte"]).all()


@pytest.mark.unit
def test_seed_003_workforce_table_yearly_costs_14m_8m_half_m_are_the_pump_priming_lines(seed_roles, seed_investments):
    """Seed 003 workforce table: costs of ~GBP 14m, 8m and 0.5m in 2017/18, 2018/19 and 2019/20 are the
    pump-priming lines tied to the workforce (6.2+2.6+2.4+0.4+0.3+1.0+1.0 = 13.9; 3.6+1.0+2.4+0.3+1.0 = 8.3;
    0.5), not FTE x unit cost."""
    by_year = wf.workforce_investment_by_year(wf.workforce_investment(seed_roles, seed_investments))
    by_year = by_year.set_index("year")
    assert by_year["investment_gbp"].tolist() == pytest.approx([13.9e6, 8.3e6, 0.5e6])
    assert [round(v / 1e6) for v in by_year["investment_gbp"].iloc[:2]] == [14, 8]  # "GBP 14M, GBP 8M"
    assert round(by_year.loc[2019, "investment_gbp"] / 1e6, 1) == 0.5  # "GBP 0.5M"


@pytest.mark.unit
def test_seed_003_workforce_table_fte_times_unit_cost_beside_each_line(seed_roles, seed_investments):
    """Seed 003 workforce table, footnotes 1-5 (GBP 50k, 20k, 80k per FTE, 60k per GP lead, 2k per care
    navigator): FTE x unit cost set beside each pump-priming line, with the differences shown."""
    costs = wf.role_costs(seed_roles)
    assert costs["cost_gbp"].iloc[:3].sum() == pytest.approx(106 * 50_000)  # 5.3m for the 6.2m + 3.6m line
    assert costs.loc[costs["role"] == "Care navigators trained", "cost_gbp"].item() == pytest.approx(180 * 2_000)
    assert costs.loc[costs["role"] == "GP MDT leads", "cost_gbp"].item() == pytest.approx(8 * 60_000)
    assert not costs.loc[costs["role"] == "Non-medical prescribers trained", "costed"].item()

    lines = wf.workforce_investment(seed_roles, seed_investments)
    totals = lines.groupby("category")[["investment_gbp", "role_cost_gbp", "difference_gbp"]].sum(min_count=1)
    assert totals.loc[_GP_RELEASE, "investment_gbp"] == pytest.approx(9.8e6)
    assert totals.loc[_GP_RELEASE, "role_cost_gbp"] == pytest.approx(5.3e6)
    assert totals.loc[_TARGETED, "role_cost_gbp"] == pytest.approx(32 * 50_000)  # 1.6m against 4.8m
    assert totals.loc[_SOCIAL_RX, "difference_gbp"] == pytest.approx(0.4e6 - 0.36e6)
    assert totals.loc[_BACK_OFFICE, "role_cost_gbp"] == pytest.approx(13 * 20_000)  # 0.26m a year, line 0.3m a year
    assert totals.loc[_CHANGE, "role_cost_gbp"] == pytest.approx(26 * 80_000)  # 2.08m against 1.0m + 1.0m
    assert np.isnan(totals.loc[_TRAINING, "role_cost_gbp"])  # GBP 1.0m, no unit cost published
    assert "Virtualisation" not in totals.index
    assert lines["matched"].all()

    by_year = wf.workforce_investment_by_year(lines).set_index("year")
    first_year = 106 * 50_000 + 52 * 80_000 + 32 * 50_000 + 180 * 2_000 + 13 * 20_000 + 26 * 80_000
    assert by_year.loc[2017, "role_cost_gbp"] == pytest.approx(first_year)
    assert by_year.loc[2018, "role_cost_gbp"] == 0
    assert by_year.loc[2019, "role_cost_gbp"] == pytest.approx(8 * 60_000)
    assert by_year["trained"].sum() == 52 + 8 + 180 + 26


@pytest.mark.unit
def test_seed_003_roles_costs_by_staff_group_and_year_in_the_gap_table(seed_roles):
    """Seed 003 workforce table: each role's initial cost falls in its start year, by staff group."""
    gap = wf.workforce_gap(None, seed_roles, BASE, HORIZON)
    costs = gap.pivot_table(index="staff_group", columns="year", values="roles_cost_gbp", aggfunc="sum")
    assert costs.loc["Nurses/HCAs", 2017] == pytest.approx(52 * 50_000)
    assert costs.loc["GPs", 2017] == pytest.approx(52 * 80_000)
    assert costs.loc["GPs", 2019] == pytest.approx(8 * 60_000)
    assert costs.loc["Project managers", 2017] == pytest.approx(26 * 80_000)
    assert costs.drop(columns=[2017, 2019]).to_numpy().sum() == 0


@pytest.mark.unit
def test_workforce_investment_matches_role_names_and_shows_unfunded_roles():
    """A role with no category matches the investment line of its own name; a role with neither shows
    its cost with no investment (matched False); no roles at all give an empty table."""
    roles = pd.DataFrame({"role": ["Targeted new services", "Something else"], "staff_group": ["Nurses", "Admin"],
                          "fte": [2.0, 1.0], "trained": [np.nan, np.nan], "unit_cost": [50_000.0, 20_000.0],
                          "year": [2017, 2017]})
    investments = pd.DataFrame({"category": ["Targeted new services"], "kind": ["revenue"], "year": [2017],
                                "amount": [2.4e6]})
    out = wf.workforce_investment(roles, investments).set_index("category")
    assert out.loc["Targeted new services", "investment_gbp"] == pytest.approx(2.4e6)
    assert out.loc["Targeted new services", "difference_gbp"] == pytest.approx(2.4e6 - 100_000)
    assert out["matched"].tolist() == [False, True]
    by_year = wf.workforce_investment_by_year(out.reset_index()).iloc[0]
    assert by_year["unmatched_role_cost_gbp"] == pytest.approx(20_000)
    assert wf.workforce_investment(None, investments).empty
    assert wf.workforce_investment_by_year(wf.workforce_investment(None, None)).empty


# --- seed 000 / 003: GP capacity released through the alternative channels ------------------------------


@pytest.mark.unit
def test_seed_000_25_percent_of_gp_activity_split_across_seed_003s_eight_channels():
    """Seed 000: 25% of GP activity could be managed by others or virtually; seed 003's primary care audit
    lists eight alternative channels (default: an equal eighth each, an assumption)."""
    release = wf.gp_capacity_release(480.0)
    assert len(release) == 8
    assert release["name"].iloc[0] == "Alternative professional"
    assert release["name"].iloc[-1] == "Care home support"
    assert release["released_share"].sum() == pytest.approx(0.25)
    assert release["released_gp_fte"].sum() == pytest.approx(120)
    assert release["released_gp_fte"].tolist() == pytest.approx([15] * 8)
    assert release["released_appointments"].isna().all()


@pytest.mark.unit
def test_gp_capacity_release_own_split_per_locality_and_in_appointments():
    """Splits are scaled to add up to 1; per-locality GP FTE comes from patients_per_gp."""
    localities = pd.DataFrame({"locality_id": ["A", "B"], "population": [30_000.0, 44_000.0],
                               "patients_per_gp": [2_000.0, 2_200.0]})
    gps = wf.gp_fte(localities)
    assert gps.tolist() == pytest.approx([15, 20])
    channels = wf.default_channels().assign(split=[4, 2, 1, 1, 0, 0, 0, 0])
    release = wf.gp_capacity_release(gps, released_share=0.2, channels=channels, appointments_per_gp_fte=7_000)
    assert len(release) == 16
    by_place = release.groupby("locality_id")["released_gp_fte"].sum()
    assert by_place.tolist() == pytest.approx([3, 4])
    first = release[(release["locality_id"] == "B") & (release["channel"] == 1)].iloc[0]
    assert first["released_share"] == pytest.approx(0.1)
    assert first["released_appointments"] == pytest.approx(20 * 0.1 * 7_000)


@pytest.mark.unit
def test_gp_fte_is_unknown_without_patients_per_gp():
    """No patients_per_gp column: GP FTE is NaN."""
    localities = pd.DataFrame({"locality_id": ["A"], "population": [10_000.0]})
    assert wf.gp_fte(localities).isna().all()


# --- supply, demand and gap ------------------------------------------------------------------------------


@pytest.mark.unit
def test_supply_is_baseline_minus_leavers_plus_joiners_year_by_year(staff):
    """Supply: baseline - leavers + joiners each year from the base year to the horizon."""
    out = wf.supply(staff, BASE, HORIZON)
    nurses = out[out["staff_group"] == "Nurses/HCAs"]
    assert nurses["year"].tolist() == list(range(2015, 2021))
    assert nurses["supply_fte"].tolist() == pytest.approx([400, 396, 392, 388, 384, 380])
    assert wf.supply(None, BASE, HORIZON).empty


@pytest.mark.unit
def test_seed_000_care_coordinators_from_caseload_enter_demand_beyond_funded_posts(staff):
    """Seed 000: a 200,000 CCG needs 15 coordinators; the caseload need ramps up to the horizon and
    funded coordinator posts in roles.csv count toward it."""
    need = needs.care_coordination(200_000)["coordinators_fte"].item()
    assert need == pytest.approx(15)
    roles = pd.DataFrame({"role": ["Targeted new services"], "staff_group": ["Care co-ordinators"],
                          "fte": [8.0], "trained": [np.nan], "unit_cost": [50_000.0], "year": [2017]})
    gap = wf.workforce_gap(staff, roles, BASE, HORIZON, coordinators_fte=need)
    coord = gap[gap["staff_group"] == "Care coordinators"].set_index("year")
    assert coord["ramp"].tolist() == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    # 2016: need 3, no posts yet; 2017: need 6, 8 funded -> no top-up; 2020: need 15, 8 funded + 7
    assert coord["coordination_fte"].tolist() == pytest.approx([0, 3, 0, 1, 4, 7])
    assert coord["additional_fte"].tolist() == pytest.approx([0, 3, 8, 9, 12, 15])
    assert coord.loc[HORIZON, "demand_fte"] == pytest.approx(10 + 15)
    assert coord.loc[HORIZON, "supply_fte"] == pytest.approx(10)
    assert coord.loc[HORIZON, "gap_fte"] == pytest.approx(15)
    assert coord.loc[HORIZON, "gap_cost_gbp"] == pytest.approx(15 * 35_000)


@pytest.mark.unit
def test_gp_release_is_capacity_redeployed_not_a_gp_surplus(staff):
    """Released GP time is shown as capacity redeployed: GP demand stays at the 500 in post, so the GPs'
    drift (25 leaving, 30 going: 475 by 2020/21) is a shortfall of 25, not a "surplus" of 95 (issue 10)."""
    ramp = {2015: 0, 2016: 0, 2017: 0.5, 2018: 1.0}
    gap = wf.workforce_gap(staff, None, BASE, HORIZON, gp_released_fte=120.0, ramp=ramp)
    gps = gap[gap["staff_group"] == "GPs"].set_index("year")
    assert gps["ramp"].tolist() == [0, 0, 0.5, 1, 1, 1]  # held at the last value given
    assert gps["gp_released_fte"].tolist() == pytest.approx([0, 0, 60, 120, 120, 120])
    assert gps["demand_fte"].tolist() == pytest.approx([500] * 6)
    assert gps["supply_fte"].tolist() == pytest.approx([500, 495, 490, 485, 480, 475])
    assert gps.loc[HORIZON, "gap_fte"] == pytest.approx(25)
    assert gps.loc[HORIZON, "gap_cost_gbp"] == pytest.approx(25 * 100_000)
    totals = wf.gap_by_year(gap).set_index("year")
    assert totals.loc[HORIZON, "gp_redeployed_fte"] == pytest.approx(120)
    nurses_2020 = 400 - 380
    assert totals.loc[HORIZON, "gap_fte"] == pytest.approx(nurses_2020 + 25)
    assert totals.loc[HORIZON, "gap_cost_gbp"] == pytest.approx(nurses_2020 * 50_000 + 25 * 100_000)


@pytest.mark.unit
def test_footprint_gap_is_the_sum_of_shortfalls_with_surpluses_apart():
    """Nurses 20 short and therapists 30 over by 2020/21: the footprint's gap is 20 FTE costing GBP 1.0m,
    with the 30 listed apart as a surplus - never 20 - 30 = -10 FTE at a negative cost."""
    staff = pd.DataFrame({"staff_group": ["Nurses/HCAs", "Therapists"], "baseline_fte": [400.0, 100.0],
                          "cost_per_fte": [50_000.0, 45_000.0], "leavers_fte": [40.0, 10.0],
                          "joiners_fte": [36.0, 16.0]})
    gap = wf.workforce_gap(staff, None, BASE, HORIZON)
    horizon = gap[gap["year"] == HORIZON].set_index("staff_group")
    assert horizon.loc["Nurses/HCAs", ["gap_fte", "shortfall_fte", "surplus_fte"]].tolist() == pytest.approx([20, 20, 0])
    assert horizon.loc["Therapists", ["gap_fte", "shortfall_fte", "surplus_fte"]].tolist() == pytest.approx([-30, 0, 30])
    assert horizon.loc["Therapists", "gap_cost_gbp"] == 0.0
    totals = wf.gap_by_year(gap).set_index("year").loc[HORIZON]
    assert totals["gap_fte"] == pytest.approx(20) and totals["surplus_fte"] == pytest.approx(30)
    assert totals["gap_cost_gbp"] == pytest.approx(20 * 50_000)
    assert (wf.gap_by_year(gap)["gap_cost_gbp"] >= 0).all()


@pytest.mark.unit
def test_gap_without_workforce_or_roles_still_shows_model_demand():
    """No workforce.csv and no roles.csv: coordinator and GP demand from the model show, with no gap."""
    gap = wf.workforce_gap(pd.DataFrame(), pd.DataFrame(), BASE, HORIZON, coordinators_fte=90.0,
                           gp_released_fte=50.0, gp_baseline_fte=400.0)
    assert set(gap["staff_group"]) == {"Care coordinators", "GPs"}
    horizon = gap[gap["year"] == HORIZON].set_index("staff_group")
    assert horizon.loc["Care coordinators", "demand_fte"] == pytest.approx(90)
    assert horizon.loc["GPs", "demand_fte"] == pytest.approx(400)  # the 50 released are redeployed
    assert gap["gap_fte"].isna().all() and gap["supply_fte"].isna().all()
    assert wf.workforce_gap(None, None, BASE, HORIZON).empty


@pytest.mark.unit
def test_gap_draws_match_the_table_and_broadcast_over_draws(staff, seed_roles):
    """gap_draws gives the table's gap for the same inputs, and one row per draw for arrays of draws."""
    gap = wf.workforce_gap(staff, seed_roles, BASE, HORIZON, coordinators_fte=90.0, gp_released_fte=120.0)
    rng = np.random.default_rng(1)
    coordinators = rng.normal(90, 10, 1_000)
    released = rng.normal(120, 20, 1_000)
    draws = wf.gap_draws(gap, coordinators, released)
    assert draws.shape == (1_000, len(gap))
    same = wf.gap_draws(gap, 90.0, 120.0)
    assert same.shape == (1, len(gap))
    np.testing.assert_allclose(same[0], gap["gap_fte"].to_numpy(), equal_nan=True)
    rows = (gap["staff_group"] == "GPs") & (gap["year"] == HORIZON)
    np.testing.assert_allclose(draws[:, rows.to_numpy()][:, 0], 500 - 475)  # released GP time: redeployed


# --- a whole pack ----------------------------------------------------------------------------------------


@pytest.mark.integration
def test_workforce_for_a_synthetic_pack(tmp_path):
    """All workforce tables for a synthetic pack with workforce.csv and roles.csv."""
    from stpkit import load_pack
    from stpkit.synthetic import write_synthetic_pack

    pack = load_pack(write_synthetic_pack(tmp_path / "pack", localities=12, seed=3))
    out = wf.workforce_for(pack)
    gap = out["gap"]
    assert set(gap["year"]) == set(range(pack.base_year, pack.horizon_year + 1))
    coordinators = out["coordination"]["coordinators_fte"].item()
    assert coordinators == pytest.approx(pack.localities["population"].sum() * 0.015 / 200)
    coord = gap[wf.group_key(gap["staff_group"]).to_numpy() == "carecoordinators"]
    assert coord["supply_known"].all()  # "Care co-ordinators" in workforce.csv matches
    assert coord["additional_fte"].iloc[-1] == pytest.approx(coordinators)
    gps = (pack.localities["population"] / pack.localities["patients_per_gp"]).sum()
    assert out["gp_release"]["released_gp_fte"].sum() == pytest.approx(0.25 * gps)
    gp_rows = gap[gap["staff_group"] == "GPs"]
    assert gp_rows["demand_fte"].iloc[-1] == pytest.approx(gps)  # released time is redeployed, not cut
    assert gp_rows["gp_released_fte"].iloc[-1] == pytest.approx(0.25 * gps)
    assert not out["gap_by_year"].empty


@pytest.mark.integration
def test_workforce_for_a_pack_with_only_the_required_files(tmp_path):
    """A pack with only the four required files: model demand shows, no gap, no roles."""
    from stpkit import load_pack
    from stpkit.synthetic import write_synthetic_pack

    pack = load_pack(write_synthetic_pack(tmp_path / "pack", localities=5, seed=4, optional=False))
    out = wf.workforce_for(pack)
    assert not out["gap"]["supply_known"].any()
    assert out["gap"]["gap_fte"].isna().all()
    assert out["role_costs"].empty and out["investment"].empty
    assert (out["gap"]["demand_fte"] > 0).any()


@pytest.mark.integration
def test_seed_003_workforce_table_from_the_mid_and_south_essex_pack():
    """Seed 003 workforce table from the shipped pack's roles.csv and investments.csv alone: ~180 FTE
    (177), every role paid by a pump-priming line in the pack (social prescribing pilots and locality
    back-office support are lines of their own, split out of "Others"), and the lines by year give the
    seed's GBP 13.9m, 8.3m and 0.5m (printed 14M, 8M, 0.5M)."""
    from stpkit import load_pack

    pack = load_pack()
    roles = pack.roles
    assert roles["fte"].sum() == 177
    by_group = roles.groupby("staff_group")["fte"].sum()
    assert by_group["Nurses/HCAs"] == 52 and by_group["Therapists"] == 52 and by_group["MH therapists"] == 26
    assert by_group["Care co-ordinators"] == 8 and by_group["Support/admin"] == 13
    assert by_group["Project managers"] == 26
    assert sorted(roles["trained"].dropna().tolist()) == [8, 26, 52, 180]
    assert roles["category"].notna().all()

    lines = wf.workforce_investment(roles, pack.investments)
    assert lines["matched"].all()
    assert set(lines["category"]) == set(SEED_003_WORKFORCE_LINES)
    by_year = wf.workforce_investment_by_year(lines).set_index("year")
    assert by_year.loc[[2017, 2018, 2019], "investment_gbp"].to_numpy() == pytest.approx([13.9e6, 8.3e6, 0.5e6])
    assert (by_year["unmatched_role_cost_gbp"] == 0).all()
    per_line = lines.pivot_table(index="category", columns="year", values="investment_gbp", aggfunc="sum", fill_value=0.0)
    for category, amounts in SEED_003_WORKFORCE_LINES.items():
        assert per_line.loc[category].reindex([2017, 2018, 2019], fill_value=0.0).to_numpy() == \
            pytest.approx(np.array(amounts) * 1e6), category
    # the 8 GP MDT leads start in 2019/20: 8 x 60k = 0.48m against the 0.5m the table shows that year
    assert by_year.loc[2019, "role_cost_gbp"] == pytest.approx(8 * 60_000)


@pytest.mark.integration
def test_workforce_for_the_mid_and_south_essex_pack():
    """The shipped pack: care coordinators from caseload and GP release from patients_per_gp show as
    demand; funded roles enter from 2017/18; with no workforce.csv there is no gap."""
    from stpkit import load_pack

    pack = load_pack()
    out = wf.workforce_for(pack)
    gap = out["gap"]
    population = pack.localities["population"].sum()
    need = population * pack.settings["care_coordination"]["eligible_share"] / \
        pack.settings["care_coordination"]["caseload_per_coordinator"]
    coord = gap[(wf.group_key(gap["staff_group"]) == "carecoordinators").to_numpy() & (gap["year"] == HORIZON)]
    assert coord["demand_fte"].item() == pytest.approx(max(need, 8))
    assert gap.groupby("year")["roles_fte"].sum().loc[HORIZON] == pytest.approx(177)
    if pack.has("workforce.csv"):
        assert gap["supply_known"].any()
    else:
        assert gap["gap_fte"].isna().all()
