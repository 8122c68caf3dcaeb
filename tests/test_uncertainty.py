"""Uncertainty: the seeded Monte Carlo over the pack's 80% intervals (NHP convention)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stpkit import activity, investment, load_pack, needs, uncertainty, workforce
from stpkit.synthetic import write_synthetic_pack

from packs import write_pack

PODS_WITH_INTERVAL = """pod,growth,unit_cost,growth_low,growth_high,unit_cost_low,unit_cost_high
non_elective,0.023,3000,0.013,0.033,,
outpatient,0.033,185,,,100,270
"""

SCHEMES = """scheme,pod,reduction,reduction_low,reduction_high
Frailty,non_elective,0.0683,0.0342,0.0854
Pathways,outpatient,0.1135,,
Wide,outpatient,0.3,0.0,0.9
"""


@pytest.fixture(scope="module")
def plain_pack(tmp_path_factory):
    """A synthetic pack with every optional file but no intervals (the delivery factor fixed at 1 too)."""
    pack = load_pack(write_synthetic_pack(tmp_path_factory.mktemp("plain"), localities=30, seed=3))
    return pack.with_settings(delivery={"factor_low": 1.0, "factor_high": 1.0})


@pytest.fixture(scope="module")
def interval_pack(tmp_path_factory):
    """A synthetic pack with intervals on growth, unit costs and reductions, and fixed targets."""
    return load_pack(write_synthetic_pack(tmp_path_factory.mktemp("intervals"), localities=40, seed=5, intervals=True))


@pytest.fixture(scope="module")
def interval_sim(interval_pack):
    return uncertainty.simulate(interval_pack, draws=400, seed=11)


def _cells(table: pd.DataFrame, measure: str) -> pd.DataFrame:
    return table[(table["measure"] == measure) & (table["pod"] != uncertainty.ALL)].reset_index(drop=True)


def _totals(table: pd.DataFrame, measure: str) -> pd.DataFrame:
    return table[(table["measure"] == measure) & (table["pod"] == uncertainty.ALL)].reset_index(drop=True)


# --- reading an 80% interval -------------------------------------------------------------------------------


@pytest.mark.unit
def test_interval_is_the_10th_to_90th_percentile_of_a_normal_and_a_point_is_fixed():
    """NHP convention: centre (low + high) / 2, sd (high - low) / 2.563; no interval -> the point, no spread."""
    centre, spread = uncertainty.interval_parameters([0.023, 0.05], [0.013, np.nan], [0.033, np.nan])
    assert centre == pytest.approx([0.023, 0.05])
    assert spread[0] == pytest.approx(0.02 / 2.563103, rel=1e-6)
    assert spread[1] == 0.0
    z = np.random.default_rng(0).standard_normal(200_000)
    drawn = centre[0] + spread[0] * z
    assert np.quantile(drawn, [0.1, 0.9]) == pytest.approx([0.013, 0.033], abs=2e-4)


# --- no intervals: the deterministic model exactly -------------------------------------------------------


@pytest.mark.integration
def test_without_intervals_p10_p50_p90_equal_the_deterministic_model(plain_pack):
    """Every cell's P10 = P50 = P90 = activity.project's figure, bit for bit; totals to rounding."""
    sim = uncertainty.simulate(plain_pack, draws=200, seed=1)
    table = uncertainty.locality_percentiles(sim)
    projection = activity.project(plain_pack)
    for measure, column in (("momentum", "momentum"), ("target", "target"), ("avoided", "avoided"),
                            ("gross_savings_gbp", "gross_savings_gbp")):
        cells = _cells(table, measure)
        assert (cells[["locality_id", "pod"]].to_numpy() == projection[["locality_id", "pod"]].to_numpy()).all()
        for p in uncertainty.PERCENTILE_COLUMNS:
            np.testing.assert_array_equal(cells[p].to_numpy(), projection[column].to_numpy())

    by_locality = projection.groupby("locality_id", sort=False)["gross_savings_gbp"].sum()
    savings = _totals(table, "gross_savings_gbp")
    np.testing.assert_allclose(savings["p50"], by_locality.reindex(savings["locality_id"]).to_numpy(), rtol=1e-12)
    assert (savings["p10"] == savings["p90"]).all()

    footprint = uncertainty.footprint_percentiles(sim).set_index(["pod", "measure"])
    by_pod = activity.by_pod(projection).set_index("pod")
    for pod in by_pod.index:
        for measure, column in (("momentum", "momentum"), ("target", "target"), ("gross_savings_gbp",
                                                                                "gross_savings_gbp")):
            row = footprint.loc[(pod, measure)]
            assert row["p10"] == pytest.approx(by_pod.loc[pod, column], rel=1e-12)
            assert row["p90"] == pytest.approx(by_pod.loc[pod, column], rel=1e-12)
    npv = investment.appraise(plain_pack)["npv_gbp"]
    assert footprint.loc[("all", "npv_gbp"), ["p10", "p50", "p90"]].to_numpy() == pytest.approx([npv] * 3, rel=1e-12)
    # localities' NPVs (savings less a population share of the investment) add up to the footprint's
    assert _totals(table, "npv_gbp")["p50"].sum() == pytest.approx(npv, rel=1e-9)

    coordinators = needs.care_coordination(plain_pack.localities, settings=plain_pack.settings["care_coordination"])
    np.testing.assert_allclose(_totals(table, "coordinators_fte")["p90"], coordinators["coordinators_fte"], rtol=1e-12)
    gap = workforce.workforce_for(plain_pack)["gap"]
    gap = gap[gap["supply_known"]].reset_index(drop=True)
    drawn = uncertainty.workforce_percentiles(sim)
    drawn = drawn[drawn["measure"] == "gap_fte"].reset_index(drop=True)
    np.testing.assert_allclose(drawn["p10"], gap["gap_fte"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(drawn["p90"], gap["gap_fte"], rtol=1e-9, atol=1e-9)


# --- with intervals ------------------------------------------------------------------------------------------


@pytest.mark.integration
def test_drawn_growth_p10_p90_match_the_interval_within_monte_carlo_error(tmp_path):
    """20,000 draws of NEL growth given as 1.3% to 3.3%: P10 and P90 within 5 standard errors (~1e-4 each)."""
    pack = load_pack(write_pack(tmp_path, pods_csv=PODS_WITH_INTERVAL))
    sim = uncertainty.simulate(pack, draws=20_000, seed=7)
    drawn = uncertainty.assumption_draws(sim)
    growth = drawn[(drawn["assumption"] == "growth") & (drawn["pod"] == "non_elective")]["value"]
    assert len(growth) == 20_000
    assert np.quantile(growth, [0.1, 0.5, 0.9]) == pytest.approx([0.013, 0.023, 0.033], abs=5e-4)
    # momentum rises with growth, so its percentiles are base x (1 + low or high) ^ 5
    footprint = uncertainty.footprint_percentiles(sim).set_index(["pod", "measure"])
    base = pack.activity.loc[pack.activity["pod"] == "non_elective", "activity"].sum()
    row = footprint.loc[("non_elective", "momentum")]
    assert row["p10"] == pytest.approx(base * 1.013 ** 5, rel=3e-3)
    assert row["p90"] == pytest.approx(base * 1.033 ** 5, rel=3e-3)
    # outpatient growth is a point: fixed
    op = footprint.loc[("outpatient", "momentum")]
    assert op["p10"] == op["p90"]
    cost = drawn[(drawn["assumption"] == "unit_cost") & (drawn["pod"] == "outpatient")]["value"]
    assert np.quantile(cost, [0.1, 0.9]) == pytest.approx([100, 270], abs=3)


@pytest.mark.integration
def test_same_seed_same_results_and_another_seed_differs(interval_pack):
    first = uncertainty.uncertainty_for(interval_pack, draws=300, seed=42)
    again = uncertainty.uncertainty_for(interval_pack, draws=300, seed=42)
    for name in ("locality", "footprint", "workforce", "draws"):
        pd.testing.assert_frame_equal(first[name], again[name])
    other = uncertainty.uncertainty_for(interval_pack, draws=300, seed=43)
    assert not np.allclose(first["footprint"]["p50"], other["footprint"]["p50"])


@pytest.mark.integration
def test_defaults_come_from_pack_toml_uncertainty_settings(tmp_path):
    """[uncertainty] draws = 1000 and seed = 2016 unless pack.toml says otherwise."""
    pack = load_pack(write_pack(tmp_path, pods_csv=PODS_WITH_INTERVAL))
    sim = uncertainty.simulate(pack)
    assert (sim.draws, sim.seed) == (1000, 2016)
    small = uncertainty.simulate(pack.with_settings(uncertainty={"draws": 25, "seed": 3}))
    assert (small.draws, small.seed) == (25, 3)


@pytest.mark.integration
def test_footprint_is_summed_over_localities_draw_by_draw_not_a_sum_of_percentiles(interval_pack):
    # the delivery factor is shared by every locality (they move together), so it is fixed here to
    # show the footprint's P90 below the sum of the localities' P90s
    interval_sim = uncertainty.simulate(interval_pack.with_settings(delivery={"factor_low": 1.0, "factor_high": 1.0}),
                                        draws=400, seed=11)
    cells = interval_sim.cells
    savings = uncertainty.cell_draws(interval_sim, "gross_savings_gbp")  # (draws, cells)
    draws = uncertainty.footprint_draws(interval_sim)
    total = draws[(draws["pod"] == "all") & (draws["measure"] == "gross_savings_gbp")]["value"].to_numpy()
    np.testing.assert_allclose(total, savings.sum(axis=1), rtol=1e-10)
    for pod in interval_sim.pods:
        by_pod = draws[(draws["pod"] == pod) & (draws["measure"] == "momentum")]["value"].to_numpy()
        momentum = uncertainty.cell_draws(interval_sim, "momentum")[:, (cells["pod"] == pod).to_numpy()]
        np.testing.assert_allclose(by_pod, momentum.sum(axis=1), rtol=1e-10)
    footprint = uncertainty.footprint_percentiles(interval_sim).set_index(["pod", "measure"])
    row = footprint.loc[("all", "gross_savings_gbp")]
    assert [row["p10"], row["p50"], row["p90"]] == pytest.approx(list(np.quantile(total, [0.1, 0.5, 0.9])), rel=1e-12)
    localities = _totals(uncertainty.locality_percentiles(interval_sim), "gross_savings_gbp")
    assert row["p90"] < localities["p90"].sum()
    assert row["p10"] > localities["p10"].sum()


@pytest.mark.integration
def test_cell_percentiles_equal_the_quantiles_of_every_draw(interval_sim):
    """The fast path (model evaluated at the ranked draws) gives numpy's quantiles of the full matrix."""
    table = uncertainty.locality_percentiles(interval_sim)
    for measure in uncertainty.CELL_MEASURES:
        expected = np.quantile(uncertainty.cell_draws(interval_sim, measure), [0.1, 0.5, 0.9], axis=0)
        got = _cells(table, measure)[["p10", "p50", "p90"]].to_numpy().T
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)
    every = uncertainty.cell_draws(interval_sim)
    ids = interval_sim.cells["locality_id"].to_numpy()
    savings = np.column_stack([every[:, ids == i].sum(axis=1) for i in interval_sim.localities["locality_id"][:5]])
    got = _totals(table, "gross_savings_gbp")[["p10", "p50", "p90"]].to_numpy()[:5].T
    np.testing.assert_allclose(got, np.quantile(savings, [0.1, 0.5, 0.9], axis=0), rtol=1e-10)


@pytest.mark.integration
def test_synthetic_pack_with_intervals_percentiles_ordered_and_fixed_targets_stay_fixed(interval_pack, interval_sim):
    locality = uncertainty.locality_percentiles(interval_sim)
    footprint = uncertainty.footprint_percentiles(interval_sim)
    for table in (locality, footprint):
        values = table[["p10", "p50", "p90"]].to_numpy()
        assert np.isfinite(values).all()
        assert (values[:, 0] <= values[:, 1] + 1e-9).all() and (values[:, 1] <= values[:, 2] + 1e-9).all()
    assert set(footprint["measure"]) == {"momentum", "target", "avoided", "gross_savings_gbp", "npv_gbp",
                                         "coordinators_fte", "gap_fte"}
    # targets.csv fixes NEL for some localities: the target is the plan, and what is avoided against it
    # scales with the drawn reductions and the delivery factor (issue 10), so both vary; never below 0
    fixed = interval_pack.targets.set_index(["locality_id", "pod"])["target"]
    target = _cells(locality, "target").set_index(["locality_id", "pod"]).loc[fixed.index]
    assert (target["p10"] < target["p90"]).all() and (target["p10"] >= 0).all()
    avoided = _cells(locality, "avoided").set_index(["locality_id", "pod"]).loc[fixed.index]
    assert (avoided["p90"] > avoided["p10"]).all()
    draws = uncertainty.cell_draws(interval_sim, "target")
    assert (draws >= 0).all()
    at_plan = np.flatnonzero(interval_sim.cells["locality_id"].isin(fixed.index.get_level_values(0))
                             & (interval_sim.cells["pod"] == "non_elective"))
    assert uncertainty.cell_draws(interval_sim, "avoided")[:, at_plan] == pytest.approx(
        (uncertainty.cell_draws(interval_sim, "momentum")[:, at_plan]
         - fixed.reindex(list(zip(interval_sim.cells["locality_id"].iloc[at_plan], ["non_elective"] * len(at_plan))))
         .to_numpy()) * interval_sim.target_scale[:, [3]])
    npv = footprint.set_index("measure").loc["npv_gbp"]
    assert npv["p10"] < npv["p50"] < npv["p90"]
    workforce_table = uncertainty.workforce_percentiles(interval_sim)
    coordinators = workforce_table[workforce_table["staff_group"] == "Care co-ordinators"]
    horizon = coordinators[(coordinators["year"] == "2020/21") & (coordinators["measure"] == "gap_fte")].iloc[0]
    assert horizon["p10"] < horizon["p90"]  # coordinators needed move with emergency momentum
    # the staff groups that deliver activity move with the drawn growth, by the scenario rule, draw by draw:
    # staff in post x share of work at each point of delivery x that pod's change in horizon momentum
    gap = workforce.workforce_for(interval_pack)["gap"]
    rows = gap[gap["supply_known"]].reset_index(drop=True)
    shares = workforce.staff_activity(interval_pack)
    point = activity.project(interval_pack).groupby("pod")["momentum"].sum()
    momentum = uncertainty.cell_draws(interval_sim, "momentum")
    pods = interval_sim.cells["pod"].to_numpy()
    horizon_year = int(rows["year"].max())
    moved = 0
    for group in set(shares["staff_group"]) & set(rows["staff_group"]):
        row = rows.index[(rows["staff_group"] == group) & (rows["year"] == horizon_year)][0]
        staff = rows.loc[row, "baseline_fte"]
        if not staff > 0:
            continue
        for draw in (0, 17, 399):
            change = {pod: momentum[draw, pods == pod].sum() / point[pod] - 1.0 for pod in point.index}
            by_hand = staff * sum(r.share * change.get(r.pod, 0.0)
                                  for r in shares[shares["staff_group"] == group].itertuples())
            assert interval_sim.workforce["gap_fte"][draw, row] - rows.loc[row, "gap_fte"] == pytest.approx(
                by_hand, rel=1e-9, abs=1e-9), (group, draw)
        moved += 1
    assert moved, "no staff group with staff in post delivers activity in this pack"


@pytest.mark.integration
def test_one_draw_per_pod_and_scheme_shared_by_every_locality(interval_sim):
    growth = uncertainty.cell_draws(interval_sim, "growth")
    reduction = uncertainty.cell_draws(interval_sim, "reduction")
    pods = interval_sim.cells["pod"].to_numpy()
    for pod in interval_sim.pods:
        columns = np.flatnonzero(pods == pod)
        assert (growth[:, columns] == growth[:, columns[:1]]).all()
        assert (reduction[:, columns] == reduction[:, columns[:1]]).all()
        assert growth[:, columns[0]].std() > 0


@pytest.mark.integration
def test_a_locality_interval_takes_the_same_quantile_as_the_pod(tmp_path):
    """activity.csv gives locality A1 its own growth interval: it moves with the pod's draw (same z)."""
    act = ("locality_id,pod,activity,growth,growth_low,growth_high\n"
           "A1,non_elective,1000,0.05,0.04,0.06\nA1,outpatient,20000,,,\n"
           "B2,non_elective,4000,,,\nB2,outpatient,90000,,,\nC3,non_elective,300,,,\nC3,outpatient,7000,,,\n")
    pack = load_pack(write_pack(tmp_path, pods_csv=PODS_WITH_INTERVAL, activity_csv=act))
    sim = uncertainty.simulate(pack, draws=500, seed=2)
    growth = uncertainty.cell_draws(sim, "growth")
    cells = sim.cells
    a1 = growth[:, ((cells["locality_id"] == "A1") & (cells["pod"] == "non_elective")).to_numpy()][:, 0]
    b2 = growth[:, ((cells["locality_id"] == "B2") & (cells["pod"] == "non_elective")).to_numpy()][:, 0]
    z_a1 = (a1 - 0.05) / (0.02 / (2 * uncertainty.Z90))
    z_b2 = (b2 - 0.023) / (0.02 / (2 * uncertainty.Z90))
    np.testing.assert_allclose(z_a1, z_b2, atol=1e-9)


@pytest.mark.integration
def test_draws_are_clamped_to_valid_ranges(tmp_path):
    """A 0%-90% reduction drawn 5,000 times stays within [0, 1); a unit cost never goes below zero."""
    pods = "pod,growth,unit_cost,unit_cost_low,unit_cost_high\nnon_elective,0.023,3000,,\noutpatient,0.033,185,0,900\n"
    pack = load_pack(write_pack(tmp_path, pods_csv=pods, schemes_csv=SCHEMES))
    sim = uncertainty.simulate(pack, draws=5_000, seed=9)
    drawn = uncertainty.assumption_draws(sim)
    wide = drawn[(drawn["assumption"] == "reduction") & (drawn["scheme"] == "Wide")]["value"]
    assert wide.min() == 0.0 and wide.max() < 1.0
    assert (wide == 0.0).mean() > 0.05  # the normal's lower tail is clamped at zero
    cost = drawn[(drawn["assumption"] == "unit_cost") & (drawn["pod"] == "outpatient")]["value"]
    assert cost.min() == 0.0
    fixed = drawn[(drawn["assumption"] == "reduction") & (drawn["scheme"] == "Pathways")]["value"]
    assert (fixed == 0.1135).all()


@pytest.mark.integration
def test_asymmetric_interval_centres_the_draws_on_its_midpoint(tmp_path):
    """NHP convention: 6.83% given as 3.42%-8.54% is drawn around the midpoint 5.98%, not the point."""
    pack = load_pack(write_pack(tmp_path, schemes_csv=SCHEMES))
    sim = uncertainty.simulate(pack, draws=20_000, seed=4)
    drawn = uncertainty.assumption_draws(sim)
    frailty = drawn[(drawn["assumption"] == "reduction") & (drawn["scheme"] == "Frailty")]["value"]
    assert np.median(frailty) == pytest.approx((0.0342 + 0.0854) / 2, abs=3e-4)


@pytest.mark.integration
def test_runs_on_a_pack_with_only_the_four_required_files(tmp_path):
    pack = load_pack(write_pack(tmp_path))
    result = uncertainty.uncertainty_for(pack, draws=100)
    assert len(result["locality"]) == 6 * 4 + 3 * 3
    assert np.isfinite(result["locality"][["p10", "p50", "p90"]].to_numpy()).all()
    assert result["workforce"].empty
    assert "gap_fte" not in set(result["footprint"]["measure"])
    assert len(result["draws"]) == 100 * len(result["footprint"])
    assert any("no investments.csv" in note for note in result["notes"])
