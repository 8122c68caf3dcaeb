"""Needs analysis: risk pyramid, Geoffrey Rose calculator, segmentation and care coordination."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stpkit import needs


def _localities(populations, ids=None):
    ids = ids or [f"L{i + 1}" for i in range(len(populations))]
    return pd.DataFrame({"locality_id": ids, "locality": [f"Locality {i}" for i in ids],
                         "group": ["CCG A"] * len(ids), "population": [float(p) for p in populations]})


# --- seed 001: the risk pyramid of emergency admissions -------------------------------------------------


@pytest.mark.unit
def test_seed_001_levels_of_need_pyramid_admission_shares_9_3_24_8_25_5_40():
    """Seed 001, "Levels of need" pyramid: the four tiers carry 9.3%, 24.8%, 25.5% and 40% of admissions.

    The seed's figures are the plain products share x relative rate (0.5% x 18.6 = 9.3%,
    4.5% x 5.5 = 24.75%, 15% x 1.7 = 25.5%, 80% x 0.5 = 40%), which add up to 99.55% because the
    published rates are rounded; the normalised shares differ by less than 0.2 percentage points.
    """
    pyramid = needs.risk_pyramid(_localities([100_000]))
    published = [0.093, 0.248, 0.255, 0.40]
    assert pyramid["admissions_share_unnormalised"].to_numpy() == pytest.approx([0.093, 0.2475, 0.255, 0.40])
    assert [f"{v:.1%}" for v in pyramid["admissions_share_unnormalised"] + 1e-12] == ["9.3%", "24.8%", "25.5%", "40.0%"]
    assert pyramid["admissions_share"].sum() == pytest.approx(1.0)
    assert pyramid["admissions_share"].to_numpy() == pytest.approx(published, abs=0.002)
    assert pyramid["admissions_share_unnormalised"].sum() == pytest.approx(0.9955)


@pytest.mark.unit
def test_risk_pyramid_people_per_locality_and_footprint():
    """People per tier per locality (population x share) and summed over the footprint."""
    localities = _localities([50_000, 150_000])
    pyramid = needs.risk_pyramid(localities, admissions={"L1": 4_000, "L2": 12_000})
    assert len(pyramid) == 8
    first = pyramid[pyramid["locality_id"] == "L1"]
    assert first["people"].tolist() == pytest.approx([250, 2_250, 7_500, 40_000])
    assert first["admissions"].sum() == pytest.approx(4_000)
    footprint = needs.footprint_pyramid(pyramid)
    assert footprint["locality_id"].unique().tolist() == [needs.FOOTPRINT_ID]
    assert footprint["people"].tolist() == pytest.approx([1_000, 9_000, 30_000, 160_000])
    assert footprint["share"].tolist() == pytest.approx([0.005, 0.045, 0.15, 0.80])
    assert footprint["admissions"].sum() == pytest.approx(16_000)
    assert list(footprint.columns) == list(pyramid.columns)


@pytest.mark.unit
def test_risk_pyramid_uses_a_packs_own_segments():
    """A pack's risk_segments.csv replaces the seed 001 pyramid."""
    segments = pd.DataFrame({"segment": ["High", "Rest"], "share": [0.2, 0.8], "relative_rate": [3.0, 0.5]})
    pyramid = needs.risk_pyramid(_localities([10_000]), segments)
    assert pyramid["people"].tolist() == pytest.approx([2_000, 8_000])
    assert pyramid["admissions_share"].tolist() == pytest.approx([0.6, 0.4])


# --- seed 001: Geoffrey Rose -----------------------------------------------------------------------------


@pytest.mark.unit
def test_seed_001_geoffrey_rose_10_percent_needs_107_5_percent_of_top_tier_or_40_percent_of_next():
    """Seed 001, Geoffrey Rose paragraph: to cut emergency admissions by 10% from the top 0.5% alone,
    107.5% of their admissions would have to be avoided (impossible); from the next 4.5%, 40%.

    The seed divides 10% by the top tier's 9.3% (= 0.5% x 18.6): 10 / 9.3 = 107.5%.
    """
    rose = needs.rose_calculator(cut=0.10, normalise=False).set_index("segment")
    top, high = rose.iloc[0], rose.iloc[1]
    assert round(top["required_share"] * 100, 1) == 107.5
    assert not top["possible"]
    assert "impossible" in top["note"] and "107.5%" in top["note"]
    assert round(high["required_share"] * 100) == 40
    assert high["possible"]
    assert "impossible" not in high["note"]


@pytest.mark.unit
def test_rose_calculator_normalised_shares_and_cumulative_targeting():
    """With shares normalised to 100% the top tier needs 107.0%; widening the target group makes 10% easy."""
    rose = needs.rose_calculator(cut=0.10)
    assert rose["required_share"].iloc[0] == pytest.approx(0.10 / (0.093 / 0.9955))
    assert not rose["possible"].iloc[0]
    # targeting every tier at once needs exactly the overall cut
    assert rose["required_share_cumulative"].iloc[-1] == pytest.approx(0.10)
    assert rose["possible_cumulative"].tolist() == [False, True, True, True]


@pytest.mark.unit
def test_rose_calculator_small_cut_is_possible_in_the_top_tier():
    """A 5% cut is within reach of the top tier (5 / 9.3 = 53.8%)."""
    rose = needs.rose_calculator(cut=0.05, normalise=False)
    assert rose["required_share"].iloc[0] == pytest.approx(0.05 / 0.093)
    assert rose["possible"].all()


# --- seed 003: population segmentation -------------------------------------------------------------------


@pytest.mark.unit
def test_seed_003_segmentation_50000_locality_2500_12000_35500_with_cohorts_700_700_800():
    """Seed 003, "Care will be adjusted according to need": a ~50,000 locality has ~2,500 high risk,
    ~12,000 rising risk and ~35,500 mostly healthy people; 2 high-risk cohorts of ~700 and 1 rising-risk
    cohort of ~800; the remaining ~95% are managed through usual care."""
    seg = needs.segmentation(_localities([50_000])).set_index("segment")
    assert seg["people"].tolist() == pytest.approx([2_500, 12_000, 35_500])
    assert seg["share"].tolist() == pytest.approx([0.05, 0.24, 0.71])
    assert seg.loc["High risk", "cohorts"] == 2
    assert seg.loc["High risk", "people_per_cohort"] == pytest.approx(700)
    assert seg.loc["Rising risk", "cohorts"] == 1
    assert seg.loc["Rising risk", "people_per_cohort"] == pytest.approx(800)
    complex_care = seg["complex_care_people"].sum()
    assert complex_care == pytest.approx(2 * 700 + 800)
    assert 1 - complex_care / 50_000 == pytest.approx(0.95, abs=0.01)  # "remaining (~95%) ... usual care"


@pytest.mark.unit
def test_segmentation_scales_with_population_and_takes_other_assumptions():
    """Shares and cohort sizes are per person and can be changed by argument."""
    localities = _localities([20_000, 80_000])
    seg = needs.segmentation(localities)
    high = seg[seg["segment"] == "High risk"]
    assert high["people"].tolist() == pytest.approx([1_000, 4_000])
    assert high["complex_care_people"].tolist() == pytest.approx([560, 2_240])
    levels = pd.DataFrame({"segment": ["High", "Other"], "share": [0.1, 0.9], "cohorts": [3, 0],
                           "cohort_people_per_1000": [50.0, 0.0]})
    own = needs.segmentation(localities, levels)
    # three cohorts of 50 per 1,000 would be 15% of people, more than the 10% at high risk: capped
    assert own.loc[own["segment"] == "High", "complex_care_people"].tolist() == pytest.approx([2_000, 8_000])
    assert own.groupby("locality_id")["people"].sum().tolist() == pytest.approx([20_000, 80_000])


# --- seed 000: care coordination -------------------------------------------------------------------------


@pytest.mark.unit
def test_seed_000_care_coordination_200000_ccg_3000_eligible_needs_15_coordinators():
    """Seed 000, Clinical Care Coordination: a CCG of 200,000 has at least 3,000 people who could benefit;
    a full-time coordinator manages 200 patients a year, so 15 coordinators; GBP 1,000 net saving a
    patient a year gives GBP 3m a year."""
    out = needs.care_coordination(200_000).iloc[0]
    assert out["eligible_people"] == pytest.approx(3_000)
    assert out["coordinators_fte"] == pytest.approx(15)
    assert out["net_saving_gbp"] == pytest.approx(3_000_000)


@pytest.mark.unit
def test_seed_000_care_coordination_5_percent_of_a_typical_ccg():
    """Seed 000: the GBP 1,000 saving applies to 5% of a typical CCG population (5-7% could benefit)."""
    out = needs.care_coordination(200_000, eligible_share=0.05).iloc[0]
    assert out["eligible_people"] == pytest.approx(10_000)
    assert out["coordinators_fte"] == pytest.approx(50)
    assert out["net_saving_gbp"] == pytest.approx(10_000_000)


@pytest.mark.unit
def test_care_coordination_per_locality_takes_pack_settings_and_arguments():
    """Settings from a pack override the defaults; arguments override the settings."""
    localities = _localities([50_000, 150_000])
    settings = {"eligible_share": 0.02, "caseload_per_coordinator": 250.0, "net_saving_per_patient_gbp": 800.0}
    out = needs.care_coordination(localities, settings=settings)
    assert out["locality_id"].tolist() == ["L1", "L2"]
    assert out["eligible_people"].tolist() == pytest.approx([1_000, 3_000])
    assert out["coordinators_fte"].tolist() == pytest.approx([4, 12])
    assert out["net_saving_gbp"].tolist() == pytest.approx([800_000, 2_400_000])
    out = needs.care_coordination(localities, caseload_per_coordinator=100, settings=settings)
    assert out["coordinators_fte"].tolist() == pytest.approx([10, 30])
    total = needs.footprint_coordination(out).iloc[0]
    assert total["coordinators_fte"] == pytest.approx(40)
    assert total["eligible_share"] == pytest.approx(0.02)


@pytest.mark.unit
def test_coordination_arrays_take_draws():
    """Arrays of draws broadcast, for the uncertainty model."""
    draws = np.array([150.0, 200.0, 250.0])
    out = needs.coordination_arrays(200_000, 0.015, draws, 1_000)
    assert out["coordinators_fte"] == pytest.approx([20, 15, 12])
    assert out["net_saving_gbp"] == pytest.approx([3e6, 3e6, 3e6])


@pytest.mark.integration
def test_needs_for_a_synthetic_pack(tmp_path):
    """Every needs table for a whole pack; without risk_segments.csv the seed 001 pyramid applies."""
    from stpkit import load_pack
    from stpkit.synthetic import write_synthetic_pack

    pack = load_pack(write_synthetic_pack(tmp_path / "pack", localities=20, seed=5, optional=False))
    out = needs.needs_for(pack)
    population = pack.localities["population"].sum()
    assert len(out["risk_pyramid"]) == 20 * 4
    assert out["footprint_pyramid"]["people"].sum() == pytest.approx(population)
    assert out["rose"]["possible"].tolist() == [False, True, True, True]
    assert out["segmentation"]["people"].sum() == pytest.approx(population)
    assert out["footprint_coordination"]["coordinators_fte"].item() == pytest.approx(population * 0.015 / 200)
