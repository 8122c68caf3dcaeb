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
    assert a1["gross_savings_gbp"] == pytest.approx(momentum * 0.0973 * 3000, rel=1e-12)
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
        for key in ("base", "momentum", "target", "avoided", "gross_savings_gbp"):
            assert whole["activity"][pod][key] == pytest.approx(sum(p["activity"][pod][key] for p in parts))
    assert sum(whole["segments"].values()) == pytest.approx(64000)
    assert whole["segments"]["Very high risk (top 0.5%)"] == pytest.approx(320)


@pytest.mark.unit
def test_investment_only_where_the_pack_has_investments(tmp_path):
    assert "investment" not in summarise(load_pack(write_pack(tmp_path / "a")))
    inv = summarise(load_pack(write_pack(tmp_path / "b", schemes_csv=SCHEMES, investments_csv=INVESTMENTS)))["investment"]
    assert inv["revenue_gbp"] == 1_000_000 and inv["capital_gbp"] == 1_000_000
    assert isinstance(inv["npv_gbp"], float)


@pytest.mark.e2e
def test_cli_summary_json_has_the_promised_keys(tmp_path):
    folder = write_pack(tmp_path, schemes_csv=SCHEMES, investments_csv=INVESTMENTS)
    result = run_cli("summary", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    for key in ("footprint", "locality", "base_year", "horizon_year", "population", "segments", "activity",
                "gross_savings_gbp", "investment", "notes"):
        assert key in data
    assert data["locality"] == "all" and data["base_year"] == "2015/16" and data["horizon_year"] == "2020/21"
    assert set(data["activity"]["non_elective"]) == {"base", "momentum", "target", "avoided", "gross_savings_gbp",
                                                     "gross_savings"}
    assert data["activity"]["non_elective"]["momentum"] == 5300 * 1.023 ** 5  # full precision, not rounded
    assert set(data["investment"]) >= {"revenue_gbp", "capital_gbp", "npv_gbp"}
    assert data["notes"] == []


@pytest.mark.e2e
def test_cli_summary_json_keeps_the_old_keys_for_one_release(tmp_path):
    """gross_savings, npv, revenue and capital (no unit) still come, with the same values as the _gbp keys."""
    folder = write_pack(tmp_path, schemes_csv=SCHEMES, investments_csv=INVESTMENTS)
    data = json.loads(run_cli("summary", str(folder), "--json").stdout)
    # by hand: non-elective momentum 5,300 x 1.023^5, less 6.83% + 2.9%, at GBP 3,000 an admission
    non_elective = 5300 * 1.023 ** 5 * 0.0973 * 3000
    assert data["activity"]["non_elective"]["gross_savings_gbp"] == pytest.approx(non_elective, rel=1e-12)
    assert data["activity"]["non_elective"]["gross_savings"] == data["activity"]["non_elective"]["gross_savings_gbp"]
    assert data["gross_savings"] == data["gross_savings_gbp"]
    for old, new in (("npv", "npv_gbp"), ("revenue", "revenue_gbp"), ("capital", "capital_gbp")):
        assert data["investment"][old] == data["investment"][new]
    assert data["investment"]["revenue_gbp"] == 1_000_000
    help_text = " ".join(run_cli("summary", "--help").stdout.split())
    assert "gross_savings_gbp" in help_text and "this release only" in help_text


@pytest.mark.e2e
def test_cli_summary_says_why_savings_are_zero(tmp_path):
    """A pack with neither schemes.csv nor targets.csv avoids nothing: the summary says which file would add savings."""
    result = run_cli("summary", str(write_pack(tmp_path / "bare")))
    assert result.returncode == 0, result.stderr
    assert "Gross savings in 2020/21: £0" in result.stdout
    assert "Savings are zero because the pack has no schemes.csv or targets.csv" in result.stdout
    assert "docs/data-pack.md" in result.stdout
    assert "no investments.csv" in result.stdout
    with_schemes = run_cli("summary", str(write_pack(tmp_path / "schemes", schemes_csv=SCHEMES)))
    assert with_schemes.returncode == 0 and "Savings are zero" not in with_schemes.stdout


@pytest.mark.unit
def test_zero_savings_note_only_without_schemes_or_targets(tmp_path):
    bare = summarise(load_pack(write_pack(tmp_path / "bare")))
    assert bare["gross_savings_gbp"] == 0 and bare["notes"][0].startswith("Savings are zero because the pack has no "
                                                                          "schemes.csv or targets.csv")
    targets_only = summarise(load_pack(write_pack(tmp_path / "targets", targets_csv=TARGETS)))
    # by hand: B2's 4,000 admissions grow to 4,000 x 1.023^5 = 4,481.8; the target 4,100 avoids 381.8 at GBP 3,000
    assert targets_only["gross_savings_gbp"] == pytest.approx((4000 * 1.023 ** 5 - 4100) * 3000, rel=1e-12)
    assert not any(note.startswith("Savings are zero") for note in targets_only["notes"])


@pytest.mark.e2e
def test_cli_summary_for_an_awkward_locality_in_words(tmp_path):
    result = run_cli("summary", str(write_pack(tmp_path)), "--locality", "B2")
    assert result.returncode == 0, result.stderr
    assert "St Mary's & Bank (East)" in result.stdout


@pytest.mark.e2e
def test_cli_summary_takes_a_locality_by_its_unique_name(tmp_path):
    folder = str(write_pack(tmp_path))
    by_name = run_cli("summary", folder, "--locality", "st mary's & bank (east)", "--json")
    assert by_name.returncode == 0, by_name.stderr
    assert json.loads(by_name.stdout) == json.loads(run_cli("summary", folder, "--locality", "B2", "--json").stdout)


@pytest.mark.e2e
def test_cli_summary_unknown_locality_is_one_line_with_the_ids_and_a_guess(tmp_path):
    result = run_cli("summary", str(write_pack(tmp_path)), "--locality", "Ashbey")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        'stpkit: error: no locality "Ashbey" in the pack Test footprint; did you mean A1 (Ashby)? Use "all", '
        "a locality_id or a unique name: A1 Ashby; B2 St Mary's & Bank (East); C3 Cray"]
    nothing_close = run_cli("summary", str(write_pack(tmp_path)), "--locality", "ZZ")
    assert nothing_close.returncode == 2 and nothing_close.stderr.startswith(
        'stpkit: error: no locality "ZZ" in the pack Test footprint. Use "all"')


@pytest.mark.unit
def test_the_note_says_whether_investments_csv_is_missing_or_empty(tmp_path):
    missing = summarise(load_pack(write_pack(tmp_path / "missing", schemes_csv=SCHEMES)))
    assert missing["notes"] == ["There is no investment, NPV or payback because the pack has no investments.csv."]
    empty = summarise(load_pack(write_pack(tmp_path / "empty", schemes_csv=SCHEMES,
                                           investments_csv="category,kind,year,amount\n")))
    assert empty["notes"] == ["There is no investment, NPV or payback because the pack's investments.csv has no rows."]


@pytest.mark.integration
def test_default_pack_money_from_gross_to_cash_released():
    """The footprint's 2020/21 money reads from gross savings to cash released, and the NPV is on the cash."""
    from stpkit import investment
    from stpkit.pack import DEFAULT_PACK
    from stpkit.summary import summary_text

    pack = load_pack(DEFAULT_PACK)
    summary = summarise(pack)
    cash = summary["money"]
    assert cash["year"] == "2020/21" and cash["scope"] == "footprint"
    by_hand = (cash["gross_savings_gbp"] - cash["stranded_cost_gbp"] - cash["reinvestment_gbp"]
               - cash["running_cost_gbp"])
    assert cash["net_savings_gbp"] == pytest.approx(by_hand)
    assert cash["gross_savings_gbp"] == pytest.approx(112.0e6, abs=0.05e6)
    assert summary["investment"]["npv_gbp"] == pytest.approx(investment.appraise(pack)["npv_gbp"])
    text = summary_text(summary)
    assert "cash released £28.1m" in text and "NPV of cash released less investment" in text
    assert "-0.0%" not in text and "(-31, less than 0.1% on base)" in text
