"""Initiative finance and its reconciliation (seed 003)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stpkit import initiatives as ini

MSE_PACK = Path(__file__).resolve().parents[1] / "data" / "mid_south_essex"

# Seed 003, "System wide targets for three initiatives": gross savings, invest, acute stranded cost and
# net savings (GBP m), with the published total row.
SEED_003_INITIATIVE_FINANCE = pd.DataFrame({
    "initiative": ["Frailty and EOL", "Long term conditions", "Specialist pathway redesign", "Total"],
    "gross_savings": [26.3e6, 20.0e6, 65.4e6, 111.7e6],
    "investment": [14.5e6, 10.8e6, 21.6e6, 46.9e6],
    "stranded_cost": [6.9e6, 6.8e6, 20.5e6, 34.5e6],
    "net_savings": [4.9e6, 2.4e6, 23.8e6, 31.1e6],
})
SEED_003_TOTALS = {"gross_savings": 111.7e6, "investment": 46.9e6, "stranded_cost": 34.5e6, "net_savings": 31.1e6}
# Seed 003, "Five initiatives are central": net system savings (GBP m).
SEED_003_NET_SYSTEM_SAVINGS = pd.DataFrame({
    "initiative": ["Complex care", "Specialty pathway redesign", "Common Offer in-hospital",
                   "System-wide transformation", "Urgent care"],
    "net_system_savings": [7.4e6, 23.8e6, 7.5e6, 9.6e6, 5.0e6],
})


@pytest.mark.unit
def test_seed_003_initiative_finance_table_26_3_14_5_6_9_4_9_and_20_0_10_8_6_8_2_4():
    """Seed 003 initiative finance: Frailty 26.3 - 14.5 - 6.9 = 4.9 and LTC 20.0 - 10.8 - 6.8 = 2.4 (GBP m)
    recomputed; gross and investment totals 111.7 and 46.9 add up from the rows."""
    table = ini.finance(SEED_003_INITIATIVE_FINANCE).set_index("initiative")
    assert table.loc["Frailty and EOL", "net_computed_gbp"] / 1e6 == pytest.approx(4.9)
    assert table.loc["Long term conditions", "net_computed_gbp"] / 1e6 == pytest.approx(2.4)
    total = table.loc["Total"]
    assert total["is_total"]
    assert total["gross_savings_gbp"] / 1e6 == pytest.approx(111.7)
    assert total["investment_gbp"] / 1e6 == pytest.approx(46.9)
    assert total["net_published_gbp"] / 1e6 == pytest.approx(31.1)  # 4.9 + 2.4 + 23.8
    assert len(table) == 4  # the file's own Total row is checked, not added in


@pytest.mark.unit
def test_seed_003_specialist_pathway_65_4_minus_21_6_minus_20_5_is_23_3_not_23_8_flagged():
    """Seed 003 initiative finance: Specialist pathway redesign's published net 23.8 does not follow from
    65.4 - 21.6 - 20.5 = 23.3 (GBP m); the reconciliation flags the GBP 0.5m gap."""
    checks = ini.reconcile(SEED_003_INITIATIVE_FINANCE)
    net = checks[checks["figure"] == "net savings"].set_index(["initiative", "check"])
    row = net.loc[("Specialist pathway redesign", "gross - investment - stranded cost")]
    assert row["computed_gbp"] / 1e6 == pytest.approx(23.3)
    assert row["published_gbp"] / 1e6 == pytest.approx(23.8)
    assert row["gap_gbp"] / 1e6 == pytest.approx(0.5)
    assert row["flagged"]
    assert not net.loc[("Frailty and EOL", "gross - investment - stranded cost"), "flagged"]
    assert not net.loc[("Long term conditions", "gross - investment - stranded cost"), "flagged"]
    assert "65.4 - 21.6 - 20.5 = 23.3m; published 23.8m" in row["note"]


@pytest.mark.unit
def test_seed_003_initiative_totals_111_7_46_9_34_5_31_1_checked():
    """Seed 003 initiative finance totals 111.7 / 46.9 / 34.5 / 31.1 (GBP m): gross and investment add up;
    the stranded costs add up to 34.2, not 34.5; and 111.7 - 46.9 - 34.5 = 30.3, not the 31.1 published
    (which is the sum of the rows' published nets, 4.9 + 2.4 + 23.8)."""
    checks = ini.reconcile(SEED_003_INITIATIVE_FINANCE)
    totals = checks[checks["initiative"] == "Total"].set_index("check")
    assert not totals.loc["sum of the initiatives' gross savings", "flagged"]
    assert not totals.loc["sum of the initiatives' investment", "flagged"]
    stranded = totals.loc["sum of the initiatives' acute stranded cost"]
    assert stranded["computed_gbp"] / 1e6 == pytest.approx(34.2) and stranded["flagged"]
    net = totals.loc["gross - investment - stranded cost"]
    assert net["computed_gbp"] / 1e6 == pytest.approx(30.3) and net["flagged"]
    assert not totals.loc["sum of the initiatives' net savings", "flagged"]
    sentences = ini.gaps(SEED_003_INITIATIVE_FINANCE)
    assert len(sentences) == 3
    assert any(s.startswith("Specialist pathway redesign, net savings") for s in sentences)


@pytest.mark.unit
def test_totals_can_be_passed_when_the_file_has_no_total_row():
    """The same seed 003 checks with the published totals given as an argument."""
    rows = SEED_003_INITIATIVE_FINANCE.iloc[:3]
    assert ini.gaps(rows) == [s for s in ini.gaps(SEED_003_INITIATIVE_FINANCE) if not s.startswith("Total")]
    assert ini.gaps(rows, totals=SEED_003_TOTALS) == ini.gaps(SEED_003_INITIATIVE_FINANCE)


@pytest.mark.unit
def test_a_published_total_row_of_net_system_savings_is_checked():
    """Seed 003's GBP 53.3m total of net system savings, written as a Total row, is checked against the five."""
    rows = pd.concat([SEED_003_NET_SYSTEM_SAVINGS,
                      pd.DataFrame([{"initiative": "Total", "net_system_savings": 53.3e6}])], ignore_index=True)
    check = ini.reconcile(rows).set_index("figure").loc["net system savings"]
    assert check["computed_gbp"] / 1e6 == pytest.approx(53.3) and not check["flagged"]
    assert ini.system_savings(rows)["net_system_savings_gbp"].iloc[-1] / 1e6 == pytest.approx(53.3)
    wrong = rows.assign(net_system_savings=rows["net_system_savings"].where(rows["initiative"] != "Total", 54e6))
    assert ini.reconcile(wrong)["flagged"].all()


@pytest.mark.unit
def test_rounding_tolerance_is_half_a_unit_per_published_figure():
    """A GBP 0.1m difference in a four-figure sum is rounding; a tolerance of 0 flags it."""
    rows = pd.DataFrame({"initiative": ["A"], "gross_savings": [10.0e6], "investment": [3.0e6],
                         "stranded_cost": [2.0e6], "net_savings": [5.1e6]})
    assert not ini.reconcile(rows)["flagged"].any()
    assert ini.reconcile(rows, rounding_gbp=0.0)["flagged"].all()


@pytest.mark.unit
def test_seed_003_five_initiatives_net_system_savings_53_3():
    """Seed 003 "Five initiatives are central": 7.4 + 23.8 + 7.5 + 9.6 + 5.0 = GBP 53.3m net system savings."""
    table = ini.system_savings(SEED_003_NET_SYSTEM_SAVINGS)
    assert table["initiative"].iloc[-1] == "Total"
    assert table["net_system_savings_gbp"].iloc[-1] / 1e6 == pytest.approx(53.3)
    assert ini.net_savings_total(SEED_003_NET_SYSTEM_SAVINGS, "net_system_savings") / 1e6 == pytest.approx(53.3)
    assert ini.net_savings_total(SEED_003_INITIATIVE_FINANCE) / 1e6 == pytest.approx(31.1)


@pytest.mark.unit
def test_net_is_computed_where_not_published():
    rows = pd.DataFrame({"initiative": ["A", "B"], "gross_savings": [10e6, 4e6], "investment": [3e6, None],
                         "stranded_cost": [1e6, None], "net_savings": [None, None]})
    table = ini.finance(rows).set_index("initiative")
    assert table.loc["A", "net_gbp"] == pytest.approx(6e6)
    assert table.loc["B", "net_gbp"] == pytest.approx(4e6)
    assert ini.reconcile(rows).empty


@pytest.mark.integration
def test_seed_003_initiatives_in_the_mid_and_south_essex_pack():
    """The embedded pack's initiatives.csv: seed 003's finance table (gross 111.7 and investment 46.9 in
    all, Specialist pathway redesign flagged 23.3 against 23.8 published) and the five initiatives'
    GBP 53.3m net system savings."""
    from stpkit import load_pack

    pack = load_pack(MSE_PACK)
    table = ini.finance(pack.initiatives)
    assert len(table) == 4  # three initiatives with finance figures and the computed total
    total = table.set_index("initiative").loc["Total"]
    assert total["gross_savings_gbp"] / 1e6 == pytest.approx(111.7)
    assert total["investment_gbp"] / 1e6 == pytest.approx(46.9)
    assert total["stranded_cost_gbp"] / 1e6 == pytest.approx(34.2)
    checks = ini.reconcile(pack.initiatives, totals=SEED_003_TOTALS)  # the seed's totals, whatever the file has
    flagged = checks[checks["flagged"]]
    assert len(flagged) == 3
    assert sorted(flagged["figure"]) == ["acute stranded cost", "net savings", "net savings"]
    specialty = flagged[flagged["initiative"].str.startswith("Specialty")]
    assert specialty["computed_gbp"].item() / 1e6 == pytest.approx(23.3)
    assert ini.system_savings(pack.initiatives)["net_system_savings_gbp"].iloc[-1] / 1e6 == pytest.approx(53.3)
    assert len(ini.system_savings(pack.initiatives)) == 6


@pytest.mark.integration
def test_initiative_shares_are_what_the_appraisal_takes_off_gross_savings():
    """Seed 003: Frailty and EoL 6.9 / 26.3 stranded and 14.5 / 26.3 reinvested; Specialty pathway redesign
    20.5 / 65.4 and 21.6 / 65.4; initiatives with only a net system saving, and the Total row, have none."""
    frame = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "mid_south_essex" / "initiatives.csv")
    shares = ini.initiative_shares(frame).set_index("initiative")
    assert list(shares.index) == ["Frailty and EoL", "Long-term conditions", "Specialty pathway redesign"]
    assert shares.loc["Frailty and EoL", ["stranded_share", "reinvestment_share"]].tolist() == pytest.approx(
        [6.9 / 26.3, 14.5 / 26.3])
    assert shares.loc["Specialty pathway redesign", "stranded_share"] == pytest.approx(20.5 / 65.4)
    assert ini.initiative_shares(None).empty
