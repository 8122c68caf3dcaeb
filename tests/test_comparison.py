"""Comparing scenarios: side by side, by locality, the attribution waterfall and paired ranges; `stpkit compare`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stpkit import comparison, investment, scenarios
from stpkit.cli import main
from stpkit.pack import DEFAULT_PACK, load_pack

STPKIT = str(Path(sys.executable).parent / "stpkit")


@pytest.fixture(scope="module")
def pack():
    return load_pack()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The default pack with two more scenarios that change many assumptions at once."""
    where = tmp_path_factory.mktemp("compare") / "pack"
    shutil.copytree(DEFAULT_PACK, where)
    (where / "scenarios" / "bold.toml").write_text(
        '[scenario]\ntitle = "Bold"\n\n[growth]\nnon_elective = 0.03\noutpatient = 0.02\n\n[scheme_reductions]\n'
        '"Frailty and EoL" = 0.1\n\n[delivery]\nfactor = 0.8\n\n[investment]\ninvestment_share = 0.7\n'
        'savings_lag_years = 2\n\n[finance]\ndiscount_rate = 0.05\n', encoding="utf-8")
    (where / "scenarios" / "cheaper.toml").write_text(
        '[scenario]\ntitle = "Cheaper"\n\n[finance]\ndiscount_rate = 0.06\n', encoding="utf-8")
    return where


@pytest.mark.integration
def test_attribution_steps_add_up_to_the_difference_to_the_penny(folder):
    mine = load_pack(folder)
    chosen = comparison.choose(mine, ["interim", "bold"])
    table = comparison.attribution(mine, chosen[0], chosen[1])
    steps = table.iloc[:-1]
    total = table.iloc[-1]
    start, end = comparison.figures(chosen[0].pack), comparison.figures(chosen[1].pack)
    for measure in comparison.ATTRIBUTED:
        assert total[measure] == pytest.approx(end[measure] - start[measure], abs=0.005)
        assert abs(round(steps[measure].sum(), 2) - round(total[measure], 2)) <= 0.01
        assert abs(steps[measure].sum() - total[measure]) < 0.005
    # one step per changed assumption, in the stated order, then the interaction
    assert list(table["key"].iloc[:-2]) == ["non_elective", "outpatient", "Frailty and EoL", "factor", "investment_share",
                                            "capital_share", "savings_lag_years", "degree", "priority_degree",
                                            "priority_pods", "discount_rate"]
    assert table["step"].iloc[-2] == "Interaction of the changes"
    # faster growth on its own raises the gross savings
    assert table.set_index("key").loc["non_elective", "gross_savings_gbp"] > 0


@pytest.mark.integration
def test_a_single_change_has_no_interaction(folder):
    mine = load_pack(folder)
    chosen = comparison.choose(mine, "pack,cheaper")
    table = comparison.attribution(mine, chosen[0], chosen[1])
    assert list(table["step"]) == ["Discount rate a year", "Interaction of the changes", "Total: Cheaper less The pack as it is"]
    assert table["npv_gbp"].iloc[1] == pytest.approx(0.0, abs=1e-6)
    by_hand = investment.cash_flow(mine)["net_gbp"].to_numpy()
    years = np.arange(len(by_hand))
    expected = (by_hand / 1.06 ** years).sum() - (by_hand / 1.035 ** years).sum()
    assert table["npv_gbp"].iloc[0] == pytest.approx(expected, abs=0.005)


@pytest.mark.integration
def test_headlines_side_by_side_and_by_locality(pack):
    result = comparison.compare(pack, "comprehensive,interim,third,do-nothing", uncertain=False)
    head = result["headlines"].set_index("measure")
    options = investment.scenarios(pack).set_index("scenario")
    assert head.loc["npv_gbp", "interim"] == pytest.approx(options.loc["Interim", "npv_gbp"])
    assert head.loc["investment_gbp", "third"] == pytest.approx(options.loc["Lower assumptions", "investment_gbp"])
    assert head.loc["gross_savings_gbp", "do-nothing"] == 0.0
    assert head.loc["payback_year", "do-nothing"] == "nothing invested"
    assert set(head["whose"]) == {"footprint"}
    local = result["by_locality"].set_index("locality_id")
    assert len(local) == len(pack.localities)
    column = "gross_savings_gbp_do-nothing_minus_comprehensive"
    assert local[column].sum() == pytest.approx(-head.loc["gross_savings_gbp", "comprehensive"])


@pytest.mark.integration
def test_locality_headlines_are_the_localitys_own(pack):
    result = comparison.compare(pack, "pack,do-nothing", "MSE05", uncertain=False)
    head = result["headlines"].set_index("measure")
    assert head.loc["gross_savings_gbp", "whose"] == "locality"
    assert head.loc["npv_gbp", "whose"] == "footprint"
    own = result["by_locality"].set_index("locality_id").loc["MSE05", "gross_savings_gbp_pack"]
    assert head.loc["gross_savings_gbp", "pack"] == pytest.approx(own)


@pytest.mark.integration
def test_paired_draws_give_ranges_and_the_chance_of_doing_better(pack):
    table = comparison.compare(pack, "pack,do-something,do-nothing", draws=400)["ranges"].set_index(["scenario", "measure"])
    # do-something is the pack's plan: the same draws give the same figures, so it never does better
    assert table.loc[("do-something", "npv_gbp"), "p10"] == pytest.approx(table.loc[("pack", "npv_gbp"), "p10"])
    assert table.loc[("do-something", "npv_gbp"), "p_better_than_first"] == 0.0
    assert table.loc[("pack", "gross_savings_gbp"), "p10"] < table.loc[("pack", "gross_savings_gbp"), "p90"]
    assert table.loc[("do-nothing", "gross_savings_gbp"), "p90"] == 0.0
    assert 0.0 < table.loc[("do-nothing", "npv_gbp"), "p_better_than_first"] < 1.0
    assert (table["draws"] == 400).all()


@pytest.mark.unit
def test_choose_refuses_one_scenario_or_a_repeat(pack):
    with pytest.raises(ValueError, match="at least two"):
        comparison.choose(pack, "interim")
    with pytest.raises(ValueError, match="named twice"):
        comparison.choose(pack, "interim,interim")


@pytest.mark.integration
def test_compare_command_json_and_xlsx(folder, tmp_path, capsys):
    out = tmp_path / "compare.xlsx"
    assert main(["compare", str(folder), "--scenarios", "pack,bold", "--locality", "Colne Valley", "--json",
                 "--draws", "200", "--xlsx", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["locality"] == "MSE05"
    assert [s["name"] for s in data["scenarios"]] == ["pack", "bold"]
    steps = [row for row in data["attribution"] if row["key"]]
    total = data["attribution"][-1]
    remainder = data["attribution"][-2]
    assert sum(r["npv_gbp"] for r in steps) + remainder["npv_gbp"] == pytest.approx(total["npv_gbp"], abs=0.005)
    assert {"discount_rate", "factor"} <= {r["key"] for r in steps}
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["Scenarios", "Headlines", "Attribution", "By locality", "Ranges", "Differences"]
    assert len(sheets["By locality"]) == 26


@pytest.mark.e2e
def test_compare_command_in_words_and_its_refusals(folder, tmp_path):
    run = subprocess.run([STPKIT, "compare", str(folder), "--scenarios", "comprehensive,interim"], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "From comprehensive to interim, one change at a time" in run.stdout
    assert "Interaction of the changes" in run.stdout
    assert "NPV of cash released less investment (£) (footprint's)" in run.stdout
    assert "paired draws" in run.stdout
    bad = subprocess.run([STPKIT, "compare", str(folder), "--scenarios", "pack,intrim"], capture_output=True,
                         text=True, timeout=300)
    assert bad.returncode == 1
    assert "did you mean interim?" in bad.stderr
    assert "Traceback" not in bad.stderr
    (folder / "scenarios" / "broken.toml").write_text('[scenario]\ntitle = "x"\n\n[finance]\ndiscount_rate = 2\n',
                                                      encoding="utf-8")
    try:
        broken = subprocess.run([STPKIT, "compare", str(folder), "--scenarios", "pack,broken"], capture_output=True,
                                text=True, timeout=300)
    finally:
        os.unlink(folder / "scenarios" / "broken.toml")
    assert broken.returncode == 1
    assert broken.stderr.splitlines()[0] == ("scenarios/broken.toml line 5, [finance] discount_rate: 2 is above the "
                                             "largest allowed 0.5: write 2% as a fraction, 0.02")
    place = subprocess.run([STPKIT, "compare", str(folder), "--scenarios", "pack,bold", "--locality", "Nowhere"],
                           capture_output=True, text=True, timeout=300)
    assert place.returncode == 2 and 'no locality "Nowhere"' in place.stderr
