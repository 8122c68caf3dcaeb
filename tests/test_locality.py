"""Locality deep-dive inputs: archetypes, enabler maturity and the transformation timeline (seed 003)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stpkit import locality as lo
from stpkit.years import parse_quarter

# Seed 003, "Progress in developing locality models": the five deep-dive localities, their archetype,
# workforce capacity score and the four scored enablers (None is the seed's "TBC"). Patients per GP is
# not published: the fixture takes a figure inside each locality's band, with the IMD score and rural
# flag that give its archetype.
SEED_003_DEEP_DIVES = pd.DataFrame({
    "locality_id": ["MSE20", "MSE11", "MSE24", "MSE17", "MSE06"],
    "locality": ["Rayleigh", "Brentwood", "Southend EC", "Tilbury", "Dengie"],
    "group": ["Castle Point and Rochford", "Basildon and Brentwood", "Southend", "Thurrock", "Mid Essex"],
    "population": [43_000, 78_000, 58_000, 37_000, 23_000],
    "imd_score": [12.0, 14.5, 34.0, 30.1, 18.0],
    "rural": pd.array([False, False, False, False, True], dtype="boolean"),
    "patients_per_gp": [2_800.0, 2_400.0, 2_250.0, 3_400.0, 3_100.0],
})
SEED_003_PUBLISHED = {  # workforce, GP collaboration, joint working, shared information, risk stratification
    "Rayleigh": ("Urban affluent", (2, 2, 3, 3, 4)),
    "Brentwood": ("Urban affluent", (3, 3, 2, 3, 3)),
    "Southend EC": ("Urban deprived", (3, 2, 2, 3, 3)),
    "Tilbury": ("Urban deprived", (1, 2, 3, None, 2)),
    "Dengie": ("Rural", (1, 1, 1, 2, 2)),
}


def seed_003_enablers() -> pd.DataFrame:
    ids = dict(zip(SEED_003_DEEP_DIVES["locality"], SEED_003_DEEP_DIVES["locality_id"]))
    rows = [(ids[name], *scores[1:]) for name, (_, scores) in SEED_003_PUBLISHED.items()]
    frame = pd.DataFrame(rows, columns=["locality_id", *lo.SCORED_ENABLERS])
    return frame.astype({name: "Int64" for name in lo.SCORED_ENABLERS})


# --- archetypes -----------------------------------------------------------------------------------------------


@pytest.mark.unit
def test_seed_003_deep_dive_archetypes_urban_affluent_urban_deprived_rural():
    """Seed 003 deep dives: Rayleigh and Brentwood urban affluent, Southend EC and Tilbury urban deprived
    (IMD score above 22), Dengie rural."""
    table = lo.archetype(SEED_003_DEEP_DIVES)
    expected = [archetype for archetype, _ in SEED_003_PUBLISHED.values()]
    assert table["archetype"].tolist() == expected
    assert table["locality"].tolist() == list(SEED_003_PUBLISHED)


@pytest.mark.unit
def test_seed_003_archetype_footnote_imd_above_22_is_deprived_22_itself_is_not():
    """Seed 003 archetype footnote: affluent below the England average IMD score of 22, deprived above it."""
    frame = pd.DataFrame({"locality_id": ["a", "b", "c"], "imd_score": [21.9, 22.0, 22.1],
                          "rural": pd.array([False, False, False], dtype="boolean")})
    assert lo.archetype(frame)["archetype"].tolist() == ["Urban affluent", "Urban affluent", "Urban deprived"]


@pytest.mark.unit
def test_archetype_is_unknown_and_says_why_when_figures_are_missing():
    frame = pd.DataFrame({"locality_id": ["a", "b", "c", "d"], "imd_score": [np.nan, 30.0, np.nan, np.nan],
                          "rural": pd.array([False, None, None, True], dtype="boolean")})
    table = lo.archetype(frame)
    assert table["archetype"].tolist() == ["Unknown", "Unknown", "Unknown", "Rural"]
    assert "no IMD score" in table["archetype_reason"].iloc[0]
    assert "no rural flag" in table["archetype_reason"].iloc[1]
    assert table["archetype_reason"].iloc[2] == "no rural flag and no IMD score"
    # a pack without the optional columns at all: every archetype unknown, none guessed
    bare = lo.archetype(pd.DataFrame({"locality_id": ["x"], "locality": ["X"], "group": ["G"]}))
    assert bare["archetype"].tolist() == ["Unknown"]


@pytest.mark.unit
def test_archetype_reads_rural_written_as_text():
    frame = pd.DataFrame({"locality_id": ["a", "b"], "imd_score": [10.0, 10.0], "rural": ["true", "false"]})
    assert lo.archetype(frame)["archetype"].tolist() == ["Rural", "Urban affluent"]


# --- enabler maturity -----------------------------------------------------------------------------------------


@pytest.mark.unit
def test_seed_003_scoring_criteria_workforce_capacity_bands_and_boundaries():
    """Seed 003 "Back up: scoring criteria": over 3,000 patients per GP -> 1, 2,600-3,000 -> 2,
    2,100-2,600 -> 3, under 2,100 -> 4; 3,000 -> 2, 2,600 -> 2 (named in two bands: the less advanced),
    2,100 -> 3; blank stays blank."""
    ppg = [3_500, 3_000.1, 3_000, 2_800, 2_600, 2_599.9, 2_100, 2_099.9, 1_500, np.nan]
    scores = lo.workforce_capacity_score(ppg)
    assert scores[:-1].tolist() == [1, 1, 2, 2, 2, 3, 3, 4, 4]
    assert np.isnan(scores[-1])
    assert set(lo.SCORING_CRITERIA) == set(lo.ENABLERS)


@pytest.mark.unit
def test_seed_003_progress_in_developing_locality_models_enabler_scores():
    """Seed 003 "Progress in developing locality models": Rayleigh 2,2,3,3,4; Brentwood 3,3,2,3,3;
    Southend EC 3,2,2,3,3; Tilbury 1,2,3,TBC,2; Dengie 1,1,1,2,2 (workforce capacity from patients per GP,
    the other four as scored in enablers.csv)."""
    table = lo.maturity(SEED_003_DEEP_DIVES, seed_003_enablers()).set_index("locality")
    for name, (_, published) in SEED_003_PUBLISHED.items():
        got = [None if pd.isna(v) else int(v) for v in table.loc[name, list(lo.ENABLERS)]]
        assert got == list(published), name
    assert table.loc["Tilbury", "scored"] == 4
    assert table.loc["Tilbury", "mean_score"] == pytest.approx((1 + 2 + 3 + 2) / 4)
    assert table.loc["Rayleigh", "mean_score"] == pytest.approx(14 / 5)
    assert str(table["shared_information"].dtype) == "Int64"


@pytest.mark.unit
def test_maturity_without_enablers_scores_only_workforce_capacity():
    table = lo.maturity(SEED_003_DEEP_DIVES)
    assert table["workforce_capacity"].tolist() == [2, 3, 3, 1, 1]
    assert table[list(lo.SCORED_ENABLERS)].isna().all().all()
    assert (table["scored"] == 1).all()


@pytest.mark.unit
def test_peer_comparison_against_group_and_footprint():
    """Each score minus its group's mean and the footprint's mean; blank (TBC) scores are left out of both."""
    localities = SEED_003_DEEP_DIVES.assign(group=["East", "East", "West", "West", "West"])
    table = lo.peers(lo.maturity(localities, seed_003_enablers()))
    assert len(table) == 5 * len(lo.ENABLERS)
    shared = table[table["enabler"] == "shared_information"].set_index("locality")
    assert shared.loc["Rayleigh", "footprint_mean"] == pytest.approx((3 + 3 + 3 + 2) / 4)
    assert shared.loc["Dengie", "group_mean"] == pytest.approx((3 + 2) / 2)  # Tilbury's TBC left out
    assert shared.loc["Dengie", "vs_group"] == pytest.approx(-0.5)
    assert np.isnan(shared.loc["Tilbury", "vs_footprint"])
    risk = table[table["enabler"] == "risk_stratification"].set_index("locality")
    assert risk.loc["Rayleigh", "vs_footprint"] == pytest.approx(4 - 14 / 5)
    assert risk.loc["Rayleigh", "label"] == "Risk-stratified management"


# --- transformation timeline ------------------------------------------------------------------------------------

# Seed 003 "Locality implementation: phasing", as read from the flattened chart for three localities:
# Braintree (Mid Essex) and Rochford (CP&R, which goes from Level 1 straight to Level 3) and Billericay.
SEED_003_PHASING = pd.DataFrame([
    ("MSE01", "level_1", "2016/17 Q3"), ("MSE01", "investment", "2016/17 Q4"), ("MSE01", "level_2", "2017/18 Q3"),
    ("MSE01", "level_3", "2018/19 Q3"), ("MSE01", "level_4", "2019/20 Q3"),
    ("MSE19", "level_1", "2016/17 Q3"), ("MSE19", "investment", "2016/17 Q4"), ("MSE19", "level_3", "2017/18 Q3"),
    ("MSE19", "level_4", "2018/19 Q3"),
    ("MSE10", "level_1", "2016/17 Q3"), ("MSE10", "investment", "2016/17 Q4"), ("MSE10", "level_2", "2017/18 Q3"),
    ("MSE10", "level_3", "2018/19 Q3"), ("MSE10", "level_4", "2019/20 Q2"),
], columns=["locality_id", "milestone", "quarter"])


@pytest.mark.unit
def test_seed_003_phasing_level_by_quarter_2016_17_q1_to_2020_21_q4():
    """Seed 003 phasing: Braintree holds level 0 until Level 1 in 2016/17 Q3, Level 2 from 2017/18 Q3,
    Level 3 from 2018/19 Q3, Level 4 from 2019/20 Q3 to 2020/21 Q4; investment required in 2016/17 Q4."""
    table = lo.timeline(SEED_003_PHASING)
    assert len(table) == 3 * 20
    braintree = table[table["locality_id"] == "MSE01"]
    assert braintree["quarter"].iloc[0] == "2016/17 Q1" and braintree["quarter"].iloc[-1] == "2020/21 Q4"
    assert braintree["level"].tolist() == [0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4]
    assert braintree.loc[braintree["investment"], "quarter"].tolist() == ["2016/17 Q4"]
    rochford = table[table["locality_id"] == "MSE19"].set_index("quarter")["level"]
    assert rochford["2017/18 Q2"] == 1 and rochford["2017/18 Q3"] == 3 and rochford["2018/19 Q3"] == 4
    assert 2 not in rochford.tolist()  # CP&R localities skip Level 2


@pytest.mark.unit
def test_timeline_takes_quarters_as_integers_and_keeps_localities_without_phasing():
    """Quarters already parsed by the pack loader (year * 4 + q - 1) give the same grid; localities
    with no phasing rows stay at level 0, in the localities' order."""
    parsed = SEED_003_PHASING.assign(quarter=pd.array([parse_quarter(q) for q in SEED_003_PHASING["quarter"]],
                                                      dtype="Int64"))
    localities = pd.DataFrame({"locality_id": ["MSE19", "MSE99", "MSE01", "MSE10"],
                               "locality": ["Rochford", "New", "Braintree", "Billericay"], "group": list("ABCD")})
    table = lo.timeline(parsed, localities)
    assert table["locality_id"].unique().tolist() == ["MSE19", "MSE99", "MSE01", "MSE10"]
    assert (table.loc[table["locality_id"] == "MSE99", "level"] == 0).all()
    text = lo.timeline(SEED_003_PHASING)
    merged = table.merge(text, on=["locality_id", "quarter"], suffixes=("", "_text"))
    assert (merged["level"] == merged["level_text"]).all()
    assert table.loc[table["locality_id"] == "MSE01", "locality"].iloc[0] == "Braintree"


@pytest.mark.unit
def test_seed_003_phasing_chart_grid_and_counts():
    """Seed 003 phasing chart rebuilt as a grid: "Level n" where a level starts, a triangle where investment
    is required; and how many localities hold each level each quarter."""
    table = lo.timeline(SEED_003_PHASING)
    grid = lo.timeline_grid(table).set_index("locality_id")
    assert grid.loc["MSE01", "2016/17 Q3"] == "Level 1"
    assert grid.loc["MSE01", "2016/17 Q4"] == "▲"
    assert grid.loc["MSE19", "2017/18 Q3"] == "Level 3"
    assert grid.loc["MSE10", "2019/20 Q2"] == "Level 4"
    assert grid.loc["MSE01", "2020/21 Q4"] == ""
    assert list(grid.columns)[:2] == ["2016/17 Q1", "2016/17 Q2"]
    counts = lo.level_counts(table).set_index("quarter")
    assert counts.loc["2016/17 Q1", "level_0"] == 3
    assert counts.loc["2018/19 Q3", ["level_3", "level_4"]].tolist() == [2, 1]
    assert counts.loc["2020/21 Q4", "level_4"] == 3
    assert (counts.sum(axis=1) == 3).all()


@pytest.mark.integration
def test_locality_inputs_for_a_synthetic_pack(tmp_path):
    """Archetypes, maturity and a full timeline for every locality of a synthetic pack, read through load_pack."""
    from stpkit import load_pack
    from stpkit.synthetic import write_synthetic_pack

    pack = load_pack(write_synthetic_pack(tmp_path / "s", localities=60))
    kinds = lo.archetype(pack.localities)
    assert len(kinds) == 60 and set(kinds["archetype"]) <= set(lo.ARCHETYPES)
    imd = pack.localities["imd_score"].to_numpy(dtype=float)
    urban = kinds["archetype"] != "Rural"
    assert ((kinds.loc[urban, "archetype"] == "Urban deprived") == (imd[urban.to_numpy()] > 22)).all()
    scores = lo.maturity(pack.localities, pack.enablers)
    assert (scores["scored"] == 5).all()
    assert scores["workforce_capacity"].tolist() == lo.workforce_capacity_score(
        pack.localities["patients_per_gp"]).astype(int).tolist()
    table = lo.timeline(pack.phasing, pack.localities)
    assert len(table) == 60 * 20
    assert table.groupby("locality_id")["investment"].sum().eq(1).all()
    assert (table.groupby("locality_id")["level"].diff().fillna(0) >= 0).all()  # levels never go back


# --- the embedded Mid and South Essex pack ----------------------------------------------------------------------

MSE_PACK = Path(__file__).resolve().parents[1] / "data" / "mid_south_essex"


@pytest.mark.integration
def test_seed_003_archetype_counts_16_8_2_in_the_mid_and_south_essex_pack():
    """Seed 003 archetype table: 16 urban affluent, 8 urban deprived and 2 rural localities."""
    from stpkit import load_pack

    counts = lo.archetype(load_pack(MSE_PACK).localities)["archetype"].value_counts()
    assert counts.to_dict() == {"Urban affluent": 16, "Urban deprived": 8, "Rural": 2}


@pytest.mark.integration
def test_seed_003_deep_dive_enablers_in_the_mid_and_south_essex_pack():
    """Seed 003 "Progress in developing locality models" from the pack: Rayleigh 2,2,3,3,4; Brentwood
    3,3,2,3,3; Southend EC 3,2,2,3,3; Tilbury 1,2,3,TBC,2; Dengie 1,1,1,2,2 - workforce capacity scored
    from localities.csv's patients per GP, the rest from enablers.csv; and their archetypes."""
    from stpkit import load_pack

    pack = load_pack(MSE_PACK)
    ids = dict(zip(SEED_003_DEEP_DIVES["locality"], SEED_003_DEEP_DIVES["locality_id"]))
    table = lo.maturity(pack.localities, pack.enablers).set_index("locality_id")
    kinds = lo.archetype(pack.localities).set_index("locality_id")["archetype"]
    for name, (archetype, published) in SEED_003_PUBLISHED.items():
        got = [None if pd.isna(v) else int(v) for v in table.loc[ids[name], list(lo.ENABLERS)]]
        assert got == list(published), name
        assert kinds[ids[name]] == archetype, name


@pytest.mark.integration
def test_seed_003_phasing_chart_from_the_mid_and_south_essex_pack():
    """Seed 003 "Locality implementation: phasing": 26 localities, 2016/17 Q1 to 2020/21 Q4, each with one
    investment quarter; Braintree, Rochford and Billericay as in the fixture read from the chart."""
    from stpkit import load_pack

    pack = load_pack(MSE_PACK)
    table = lo.timeline(pack.phasing, pack.localities)
    assert table["locality_id"].nunique() == 26 and len(table) == 26 * 20
    assert table.groupby("locality_id")["investment"].sum().eq(1).all()
    fixture = lo.timeline(SEED_003_PHASING)
    merged = fixture.merge(table, on=["locality_id", "quarter"], suffixes=("", "_pack"))
    assert len(merged) == 3 * 20
    assert (merged["level"] == merged["level_pack"]).all() and (merged["investment"] == merged["investment_pack"]).all()
    assert (lo.level_counts(table).set_index("quarter").loc["2020/21 Q4", "level_4"]) == 26
