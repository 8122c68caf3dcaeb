"""`stpkit summary`: the footprint or one locality, in words or as one JSON object."""

from __future__ import annotations

import json

import pytest

from packs import write_pack
from stpkit import load_pack
from stpkit.summary import summarise
from test_validate import run_cli

SCHEMES = "scheme,pod,reduction\nFrailty,non_elective,0.0683\nLTC,non_elective,0.029\nLTC,outpatient,0.0486\n"
TARGETS = "locality_id,pod,target\nB2,non_elective,4100\n"
INVESTMENTS = ("category,kind,year,amount\nWorkforce,revenue,2017/18,1000000\nHubs,capital,2017/18,500000\n"
               "Hubs,capital,2018/19,500000\n")


@pytest.mark.unit
def test_pack_rules_by_hand(tmp_path):
    """Momentum = base x (1+g)^5; reductions add; targets.csv overrides; savings = avoided x unit cost."""
    pack = load_pack(write_pack(tmp_path, schemes_csv=SCHEMES, targets_csv=TARGETS))
    a1 = summarise(pack, "A1")["activity"]["non_elective"]
    momentum = 1000 * 1.023 ** 5
    assert a1["momentum"] == pytest.approx(momentum, rel=1e-12)
    assert a1["target"] == pytest.approx(momentum * (1 - 0.0683 - 0.029), rel=1e-12)
    assert a1["avoided"] == pytest.approx(momentum * 0.0973, rel=1e-12)
    assert a1["gross_savings"] == pytest.approx(momentum * 0.0973 * 3000, rel=1e-12)
    b2 = summarise(pack, "B2")["activity"]["non_elective"]
    assert b2["target"] == 4100
    assert b2["avoided"] == pytest.approx(4000 * 1.023 ** 5 - 4100, rel=1e-12)


@pytest.mark.unit
def test_footprint_is_the_sum_of_localities(tmp_path):
    pack = load_pack(write_pack(tmp_path, schemes_csv=SCHEMES))
    whole = summarise(pack)
    parts = [summarise(pack, i) for i in ("A1", "B2", "C3")]
    assert whole["population"] == 64000
    for pod in ("non_elective", "outpatient"):
        for key in ("base", "momentum", "target", "avoided", "gross_savings"):
            assert whole["activity"][pod][key] == pytest.approx(sum(p["activity"][pod][key] for p in parts))
    assert sum(whole["segments"].values()) == pytest.approx(64000)
    assert whole["segments"]["Very high risk (top 0.5%)"] == pytest.approx(320)


@pytest.mark.unit
def test_investment_only_where_the_pack_has_investments(tmp_path):
    assert "investment" not in summarise(load_pack(write_pack(tmp_path / "a")))
    inv = summarise(load_pack(write_pack(tmp_path / "b", schemes_csv=SCHEMES, investments_csv=INVESTMENTS)))["investment"]
    assert inv["revenue"] == 1_000_000 and inv["capital"] == 1_000_000
    assert isinstance(inv["npv"], float)


@pytest.mark.e2e
def test_cli_summary_json_has_the_promised_keys(tmp_path):
    folder = write_pack(tmp_path, schemes_csv=SCHEMES, investments_csv=INVESTMENTS)
    result = run_cli("summary", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    for key in ("footprint", "locality", "base_year", "horizon_year", "population", "segments", "activity", "investment"):
        assert key in data
    assert data["locality"] == "all" and data["base_year"] == "2015/16" and data["horizon_year"] == "2020/21"
    assert set(data["activity"]["non_elective"]) == {"base", "momentum", "target", "avoided", "gross_savings"}
    assert data["activity"]["non_elective"]["momentum"] == 5300 * 1.023 ** 5  # full precision, not rounded
    assert set(data["investment"]) >= {"revenue", "capital", "npv"}


@pytest.mark.e2e
def test_cli_summary_for_an_awkward_locality_in_words(tmp_path):
    result = run_cli("summary", str(write_pack(tmp_path)), "--locality", "B2")
    assert result.returncode == 0, result.stderr
    assert "St Mary's & Bank (East)" in result.stdout


@pytest.mark.e2e
def test_cli_summary_unknown_locality_is_one_line(tmp_path):
    result = run_cli("summary", str(write_pack(tmp_path)), "--locality", "ZZ")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f'stpkit: error: no locality "ZZ" in {tmp_path}; the ids are in localities.csv, column locality_id']
