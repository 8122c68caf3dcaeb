"""People by age: validation of population.csv, demographic momentum and the growth split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stpkit import activity, population
from stpkit.pack import load_pack
from stpkit.validate import validate

from packs import PACK_TOML, write_pack


def _population(rows) -> str:
    return "locality_id,age_band,year,people\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n"


def _even(growth_young=1.0, growth_old=1.0) -> str:
    """Two bands for each locality, base and horizon years; 0-64 and 65+ grow by the given factors."""
    rows = []
    for loc, young, old in (("A1", 8000, 2000), ("B2", 40000, 10000), ("C3", 3000, 1000)):
        rows += [(loc, "0-64", "2015/16", young), (loc, "65+", "2015/16", old),
                 (loc, "0-64", "2020/21", young * growth_young), (loc, "65+", "2020/21", old * growth_old)]
    return _population(rows)


def _lines(folder) -> list[str]:
    return [str(p) for p in validate(folder)]


@pytest.mark.unit
def test_band_parsing():
    assert population.parse_band("65-74") == (65, 74)
    assert population.parse_band("85+") == (85, np.inf)
    assert population.parse_band("90 and over") == (90, np.inf)
    with pytest.raises(ValueError):
        population.parse_band("old")


@pytest.mark.integration
def test_overlapping_and_missing_bands_one_line_each(tmp_path):
    rows = [("A1", "0-9", "2015/16", 1), ("A1", "5-14", "2015/16", 1), ("A1", "20+", "2015/16", 1)]
    lines = _lines(write_pack(tmp_path, population_csv=_population(rows)))
    assert "population.csv, column age_band: the bands 0-9 and 5-14 overlap (ages 5-9 are in both)" in lines
    assert "population.csv, column age_band: the bands 5-14 and 20+ leave out ages 15-19" in lines
    no_top = _lines(write_pack(tmp_path / "b", population_csv=_population([("A1", "0-84", "2015/16", 1)])))
    assert any("the oldest band must be open, like 85+" in line for line in no_top)


@pytest.mark.integration
def test_year_outside_plan_negative_people_and_unknown_locality(tmp_path):
    rows = [("A1", "0-64", "2015/16", 1), ("A1", "65+", "2015/16", -5), ("A1", "0-64", "2020/21", 1),
            ("A1", "65+", "2020/21", 1), ("A1", "0-64", "2024/25", 1), ("A1", "65+", "2024/25", 1),
            ("Z9", "0-64", "2015/16", 1), ("Z9", "65+", "2020/21", 1)]
    lines = _lines(write_pack(tmp_path, population_csv=_population(rows)))
    assert "population.csv row 6, year: 2024/25 is outside the plan, 2015/16 to 2020/21 (pack.toml [footprint])" in lines
    assert sum("outside the plan" in line for line in lines) == 1  # one line for the year, not one a row
    assert any(line.startswith("population.csv row 3, people:") for line in lines)
    assert any(line.startswith('population.csv row 8, locality_id: "Z9" is not in localities.csv') for line in lines)


@pytest.mark.integration
def test_a_locality_without_the_horizon_year(tmp_path):
    rows = [("A1", "0-64", "2015/16", 1), ("A1", "65+", "2015/16", 1)]
    lines = _lines(write_pack(tmp_path, population_csv=_population(rows)))
    assert lines == ["population.csv, column locality_id: has no people for B2, C3; give every locality of "
                     "localities.csv, or leave the file out",
                     "population.csv, column year: A1 has no people for 2020/21; growth by age needs the base and "
                     "horizon years"]


@pytest.mark.integration
def test_no_population_file_keeps_the_flat_rate(tmp_path):
    pack = load_pack(write_pack(tmp_path))
    projection = activity.project(pack)
    rate = pack.pods.set_index("pod")["growth"].reindex(projection["pod"]).to_numpy()
    assert np.allclose(projection["momentum"], projection["base"] * (1 + rate) ** 5, rtol=0, atol=1e-9)
    assert projection["demographic"].isna().all()
    steps = activity.waterfall(projection, pack.schemes, "non_elective", pack.base_year, pack.horizon_year)
    assert "Momentum growth" in set(steps["step"])


@pytest.mark.integration
def test_demographic_momentum_equals_the_flat_rate_when_every_band_grows_alike(tmp_path):
    growth = 1.023 ** 5
    toml = PACK_TOML + '\n[population]\nmomentum = "demographic"\nnon_demographic_growth = 0.0\n'
    pack = load_pack(write_pack(tmp_path, population_csv=_even(growth, growth), pack_toml=toml))
    projection = activity.project(pack)
    assert np.allclose(projection["momentum"], projection["base"] * growth, rtol=1e-12)
    assert np.allclose(projection["growth"], 0.023, rtol=1e-9)


@pytest.mark.integration
def test_an_ageing_locality_grows_by_hand(tmp_path):
    """Young people unchanged, over-65s up 20%, NEL rates of the illustrative profile: worked by hand."""
    toml = PACK_TOML + '\n[population]\nmomentum = "demographic"\nnon_demographic_growth = 0.01\n'
    pack = load_pack(write_pack(tmp_path, population_csv=_even(1.0, 1.2), pack_toml=toml))
    rates = population.age_rates(pack).loc["non_elective"]
    # A1: 8,000 people aged 0-64 take the average of the 13 five-year rates 0-4 ... 60-64, 2,000 aged 65+
    # the average of 65-69 ... 85+: (115 + 150 + 210 + 300 + 480) / 5 = 251 admissions a year per 1,000
    young, old = 8000 * rates["0-64"], 2000 * rates["65+"]
    assert rates["0-64"] == pytest.approx((150 + 40 + 30 + 45 + 60 * 5 + 65 + 70 + 80 + 95) / 13)
    assert rates["65+"] == pytest.approx(251)
    share_old = old / (young + old)
    factor = (1 - share_old) * 1.0 + share_old * 1.2
    projection = activity.project(pack).set_index(["locality_id", "pod"])
    assert projection.loc[("A1", "non_elective"), "momentum"] == pytest.approx(1000 * factor * 1.01 ** 5)
    assert projection.loc[("A1", "non_elective"), "demographic"] == pytest.approx(1000 * (factor - 1))


@pytest.mark.integration
def test_flat_mode_splits_the_same_total(tmp_path):
    flat = load_pack(write_pack(tmp_path / "flat"))
    with_people = load_pack(write_pack(tmp_path / "people", population_csv=_even(1.0, 1.3)))
    before, after = activity.project(flat), activity.project(with_people)
    assert np.allclose(before["momentum"], after["momentum"], rtol=0, atol=0)
    assert np.allclose(before["target"], after["target"], rtol=0, atol=0)
    split = population.growth_split(after)
    assert np.allclose(split["demographic"] + split["non_demographic"], after["momentum"] - after["base"])
    assert (split["demographic"] > 0).all()
    steps = activity.waterfall(after, with_people.schemes, "non_elective", 2015, 2020).set_index("step")
    assert steps.loc["Demographic growth", "change"] == pytest.approx(split.loc[
        split["pod"] == "non_elective", "demographic"].sum())
    assert steps.loc["2020/21 target", "end"] == pytest.approx(after.loc[after["pod"] == "non_elective", "target"].sum())


@pytest.mark.integration
def test_activity_by_age_overrides_the_rates(tmp_path):
    by_age = "locality_id,pod,age_band,activity\nA1,non_elective,0-64,100\nA1,non_elective,65+,900\n"
    pack = load_pack(write_pack(tmp_path, population_csv=_even(1.0, 1.1), activity_by_age_csv=by_age))
    factor = population.demographic_factor(pack)
    assert factor.loc["A1", "non_elective"] == pytest.approx(0.1 * 1.0 + 0.9 * 1.1)
    bad = write_pack(tmp_path / "bad", population_csv=_even(),
                     activity_by_age_csv="locality_id,pod,age_band,activity\nA1,non_elective,65-74,1\n")
    assert _lines(bad) == ['activity_by_age.csv row 2, age_band: "65-74" is not an age band of population.csv '
                           "(0-64, 65+)"]


@pytest.mark.integration
def test_default_pack_targets_unchanged_by_its_population():
    pack = load_pack()
    projection = activity.project(pack)
    flat = pack.with_tables(population=pack.table("population.csv").iloc[0:0])
    flat = type(pack)(pack.path, pack.settings, flat.tables, pack.provided - {"population.csv"})
    again = activity.project(flat)
    pd.testing.assert_series_equal(projection["momentum"], again["momentum"])
    pd.testing.assert_series_equal(projection["target"], again["target"])


@pytest.mark.integration
def test_the_monte_carlo_draws_around_demographic_momentum(tmp_path):
    from stpkit import uncertainty

    toml = PACK_TOML + '\n[population]\nmomentum = "demographic"\nnon_demographic_growth = 0.01\n'
    pods = "pod,growth,growth_low,growth_high,unit_cost\nnon_elective,0.023,0.013,0.033,3000\noutpatient,0.033,0.023,0.043,185\n"
    pack = load_pack(write_pack(tmp_path, population_csv=_even(1.0, 1.4), pack_toml=toml, pods_csv=pods))
    projection = activity.project(pack).set_index(["locality_id", "pod"])
    table = uncertainty.uncertainty_for(pack, draws=400)["locality"]
    momentum = table[table["measure"] == "momentum"].set_index(["locality_id", "pod"])
    assert np.allclose(momentum["p50"], projection.loc[momentum.index, "momentum"], rtol=0.01)
    assert (momentum["p10"] < momentum["p50"]).all() and (momentum["p50"] < momentum["p90"]).all()


@pytest.mark.integration
def test_people_by_sex_add_up_and_may_not_be_mixed_with_both_sexes(tmp_path):
    text = ("locality_id,age_band,sex,year,people\n"
            "A1,0-64,female,2015/16,4000\nA1,0-64,male,2015/16,4000\nA1,65+,,2015/16,2000\n"
            "A1,0-64,,2020/21,8000\nA1,65+,,2020/21,2000\n"
            + "".join(f"{i},0-64,,{y},100\n{i},65+,,{y},10\n" for i in ("B2", "C3") for y in ("2015/16", "2020/21")))
    pack = load_pack(write_pack(tmp_path, population_csv=text))
    assert population.people(pack).loc["A1"].tolist() == [8000, 2000]
    mixed = text + "A1,65+,female,2015/16,1000\n"
    lines = _lines(write_pack(tmp_path / "mixed", population_csv=mixed))
    assert lines == ["population.csv row 15, sex: A1 65+ 2015/16 is given both for both sexes together (row 4) and by "
                     "sex (row 15); give one or the other, or the people are counted twice"]
