"""Scenarios: checking a scenario file, applying one set of assumptions to the whole model, the default pack's options."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stpkit import activity, investment, needs, plan, scenarios, workforce
from stpkit.cli import main
from stpkit.pack import DEFAULT_PACK, load_pack

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pack():
    return load_pack()


def check(text: str, pack=None) -> list[str]:
    return [str(p) for p in scenarios.check_text(text, "scenarios/mine.toml", pack)[1]]


HEAD = '[scenario]\ntitle = "Mine"\n'


# ---------------------------------------------------------------------------------------------
# Checking a scenario file


@pytest.mark.unit
def test_a_good_scenario_reads_with_every_section(pack):
    text = HEAD + ('\n[growth]\nnon_elective = 0.03\n\n[scheme_reductions]\n"Frailty and EoL" = 0.05\n'
                   '"Long-term conditions" = { outpatient = 0.02 }\n\n[investment]\ninvestment_share = 0.5\n'
                   'savings_ramp = "linear"\npriority_pods = ["ae"]\ndelay_years = 1\n\n[finance]\ndiscount_rate = 0.05\n'
                   '\n[delivery]\nfactor = 0.8\n\n[care_coordination]\neligible_share = 0.02\n\n[needs]\nrose_cut = 0.2\n'
                   '\n[workforce]\ngp_released_share = 0.3\n')
    scenario, problems = scenarios.check_text(text, "scenarios/mine.toml", pack)
    assert problems == []
    assert scenario.values["growth"] == {"non_elective": 0.03}
    assert scenario.values["scheme_reductions"] == {"Frailty and EoL": 0.05, "Long-term conditions": {"outpatient": 0.02}}
    assert scenario.values["investment"]["priority_pods"] == ("ae",)
    assert scenario.values["investment"]["delay_years"] == 1


@pytest.mark.unit
def test_unknown_key_names_file_line_and_key_with_did_you_mean():
    lines = check(HEAD + "\n[investment]\ninvestment_shar = 0.5\n")
    assert lines == ["scenarios/mine.toml line 5, [investment] investment_shar: 'investment_shar' is not a key of "
                     "[investment]; did you mean investment_share? (known: investment_share, capital_share, "
                     "savings_elasticity, savings_ramp, savings_lag_years, degree, priority_degree, priority_pods, "
                     "delay_years)"]


@pytest.mark.unit
def test_unknown_section_and_header_key_with_did_you_mean():
    lines = check('[scenario]\ntitel = "x"\ntitle = "x"\n\n[groth]\nae = 0.01\n')
    assert len(lines) == 2
    assert lines[0].startswith("scenarios/mine.toml line 2, [scenario] titel: unknown key; did you mean title?")
    assert lines[1].startswith("scenarios/mine.toml line 5: [groth] is not a section of a scenario; did you mean [growth]?")


@pytest.mark.unit
def test_out_of_range_values_one_line_each():
    lines = check(HEAD + "\n[investment]\ninvestment_share = 1.5\nsavings_lag_years = 40\n\n[finance]\n"
                         "discount_rate = 3.5\n")
    assert lines == [
        "scenarios/mine.toml line 5, [investment] investment_share: 1.5 is above the largest allowed 1: write 1.5% as "
        "a fraction, 0.015",
        "scenarios/mine.toml line 6, [investment] savings_lag_years: 40 is above the largest allowed 10",
        "scenarios/mine.toml line 9, [finance] discount_rate: 3.5 is above the largest allowed 0.5: write 3.5% as a "
        "fraction, 0.035",
    ]


@pytest.mark.unit
def test_unknown_point_of_delivery_and_scheme(pack):
    lines = check(HEAD + '\n[growth]\n"A&E" = 0.01\n\n[scheme_reductions]\n"Fraility and EoL" = 0.05\n'
                         '"Urgent care" = { outpatient = 0.1 }\n\n[investment]\npriority_pods = ["emergency"]\n', pack)
    assert lines[0].startswith("scenarios/mine.toml line 5, [growth] A&E: 'A&E' is not a point of delivery of [growth]; "
                               "did you mean ae?")
    assert lines[1].startswith('scenarios/mine.toml line 8, [scheme_reductions] Fraility and EoL: "Fraility and EoL" is '
                               'not a scheme in schemes.csv; did you mean "Frailty and EoL"?')
    assert lines[2].startswith('scenarios/mine.toml line 9, [scheme_reductions] Urgent care: "Urgent care" has no '
                               'reduction on "outpatient"')
    assert lines[3].startswith('scenarios/mine.toml line 12, [investment] priority_pods: "emergency" is not one of: ae, '
                               'elective_ip, day_case, non_elective, outpatient; did you mean non_elective?')
    assert len(lines) == 4


@pytest.mark.unit
def test_wrong_types():
    lines = check(HEAD + '\n[growth]\nae = "2%"\n\n[investment]\ndelay_years = 1.5\nsavings_ramp = 3\n'
                         'degree = true\n')
    assert lines == [
        'scenarios/mine.toml line 5, [growth] ae: "2%" is not a number: write a percentage as a fraction without '
        "quotes, 3.1% as 0.031",
        "scenarios/mine.toml line 8, [investment] delay_years: 1.5 is not a whole number",
        "scenarios/mine.toml line 9, [investment] savings_ramp: 3 is not text: write one of investment, linear in quotes",
        "scenarios/mine.toml line 10, [investment] degree: True is not a number",
    ]


@pytest.mark.unit
def test_toml_syntax_error_names_line():
    lines = check(HEAD + "\n[growth]\nae = 0.01 0.02\n")
    assert len(lines) == 1
    assert lines[0].startswith("scenarios/mine.toml line 5, character 11: is not valid TOML")


@pytest.mark.unit
def test_missing_header_is_a_problem():
    assert check("[growth]\nae = 0.01\n") == [
        'scenarios/mine.toml: has no [scenario] table: give at least its title, e.g. [scenario] title = "Interim option"']


@pytest.mark.unit
@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a\x00b", "a" * 300, "   ", "", "two words", "x.toml",
                                  "-lead", "trail-", "caf\u00e9"])
def test_hostile_names_are_refused(name, tmp_path):
    assert scenarios.name_problem(name)
    with pytest.raises(scenarios.ScenarioError):
        scenarios.scenario_path(tmp_path, name)
    with pytest.raises(scenarios.ScenarioError):
        scenarios.save(tmp_path, scenarios.Scenario(name=name, title="x"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.unit
@pytest.mark.parametrize("name", ["interim", "do-nothing", "Option-2", "a" * 64, "7"])
def test_good_names(name):
    assert scenarios.name_problem(name) is None


@pytest.mark.integration
def test_save_is_atomic_refuses_overwrite_and_reads_back(tmp_path, pack):
    folder = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK, folder)
    mine = load_pack(folder)
    chosen = scenarios.Scenario(name="mine", title='A "quoted" title', description="two\nlines",
                                values={"growth": {"ae": 0.04}, "scheme_reductions": {"Frailty and EoL": 0.1},
                                        "investment": {"investment_share": 0.75, "priority_pods": ("ae",)}})
    path = scenarios.save(mine, chosen)
    assert path == folder / "scenarios" / "mine.toml"
    with pytest.raises(FileExistsError):
        scenarios.save(mine, chosen)
    scenarios.save(mine, chosen, overwrite=True)
    back = scenarios.read(mine, "mine")
    assert back.title == 'A "quoted" title' and back.description == "two\nlines"
    assert back.values == chosen.values
    assert [p.name for p in (folder / "scenarios").iterdir() if p.name.startswith(".")] == []
    # a refused scenario writes nothing
    with pytest.raises(scenarios.ScenarioError):
        scenarios.save(mine, scenarios.Scenario(name="bad", title="x", values={"finance": {"discount_rate": 9.0}}))
    assert not (folder / "scenarios" / "bad.toml").exists()


@pytest.mark.integration
def test_validate_command_checks_scenarios(tmp_path, capsys):
    folder = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK, folder)
    assert main(["validate", str(folder)]) == 0
    (folder / "scenarios" / "broken.toml").write_text(HEAD + "\n[investment]\ninvestment_share = 2\n", encoding="utf-8")
    (folder / "scenarios" / "two words.toml").write_text(HEAD, encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ("scenarios/broken.toml line 5, [investment] investment_share: 2 is above the largest allowed 1: "
                      "write 2% as a fraction, 0.02")
    assert err[1].startswith('scenarios/two words.toml: "two words" cannot name a scenario')
    assert err[2].endswith("2 problems; nothing was run on this pack.")


@pytest.mark.unit
def test_unknown_scenario_name_says_which_exist(pack):
    with pytest.raises(scenarios.ScenarioError, match=r"no scenario 'intrim' .*did you mean interim\?"):
        scenarios.scenario_pack(pack, "intrim")


# ---------------------------------------------------------------------------------------------
# One set of assumptions for the whole model


@pytest.mark.integration
def test_a_growth_change_reaches_activity_savings_and_the_investment_appraisal(pack):
    faster = scenarios.Scenario(name="faster", values={"growth": {"non_elective": 0.04}})
    moved = scenarios.scenario_pack(pack, faster)
    before, after = activity.project(pack), activity.project(moved)
    nel = before["pod"] == "non_elective"
    # each locality's own rate moves by the same points as the footprint's (0.04 - 0.0215 here)
    shift = 0.04 - float(pack.pods.set_index("pod").loc["non_elective", "growth"])
    assert np.allclose(after.loc[nel, "growth"], before.loc[nel, "growth"] + shift)
    assert (after.loc[nel, "momentum"] > before.loc[nel, "momentum"]).all()
    assert after["gross_savings_gbp"].sum() > before["gross_savings_gbp"].sum()
    assert investment.appraise(moved)["npv_gbp"] > investment.appraise(pack)["npv_gbp"]
    assert plan.summary(moved).set_index("line").loc["cost_growth", "do_nothing_gbp"] < \
        plan.summary(pack).set_index("line").loc["cost_growth", "do_nothing_gbp"]
    # other points of delivery keep the pack's values
    assert np.allclose(after.loc[~nel, "momentum"], before.loc[~nel, "momentum"])


@pytest.mark.integration
def test_care_coordination_is_one_assumption_for_needs_workforce_and_investment(pack):
    wider = scenarios.Scenario(name="wider", values={"care_coordination": {"eligible_share": 0.03},
                                                     "workforce": {"gp_released_share": 0.3}})
    moved = scenarios.scenario_pack(pack, wider)
    base_need = needs.footprint_coordination(needs.care_coordination(pack.localities, settings=pack.settings[
        "care_coordination"]))["coordinators_fte"].iloc[0]
    new_need = needs.footprint_coordination(needs.care_coordination(moved.localities, settings=moved.settings[
        "care_coordination"]))["coordinators_fte"].iloc[0]
    assert new_need == pytest.approx(2 * base_need)
    gap_before = workforce.workforce_for(pack)["gap"]["demand_fte"].sum()
    gap_after = workforce.workforce_for(moved)["gap"]["demand_fte"].sum()
    assert gap_after > gap_before
    assert scenarios.pack_values(moved)["workforce"]["gp_released_share"] == 0.3


@pytest.mark.integration
def test_scheme_reduction_change_moves_savings_and_intervals_keep_width(pack):
    chosen = scenarios.Scenario(name="x", values={"scheme_reductions": {"Frailty and EoL": 0.1}})
    moved = scenarios.scenario_pack(pack, chosen)
    row = moved.schemes[moved.schemes["scheme"] == "Frailty and EoL"].iloc[0]
    old = pack.schemes[pack.schemes["scheme"] == "Frailty and EoL"].iloc[0]
    assert row["reduction"] == 0.1
    assert row["reduction_high"] - row["reduction_low"] == pytest.approx(old["reduction_high"] - old["reduction_low"])
    assert activity.project(moved)["gross_savings_gbp"].sum() > activity.project(pack)["gross_savings_gbp"].sum()
    # the pack itself is never changed
    assert pack.schemes[pack.schemes["scheme"] == "Frailty and EoL"]["reduction"].iloc[0] == old["reduction"]


@pytest.mark.unit
def test_differences_list_every_value_that_differs(pack):
    chosen = scenarios.Scenario(name="x", values={"growth": {"ae": float(pack.pods.set_index("pod").loc["ae", "growth"])},
                                                  "finance": {"discount_rate": 0.05}})
    table = scenarios.differences(pack, chosen)
    assert table[["section", "key", "pack_value", "scenario_value"]].values.tolist() == [
        ["finance", "discount_rate", 0.035, 0.05]]  # a value equal to the pack's is not a difference
    assert scenarios.differences(pack, None).empty


# ---------------------------------------------------------------------------------------------
# The default pack's scenarios


@pytest.mark.integration
def test_default_pack_ships_seed_000_and_seed_002_scenarios(pack):
    assert scenarios.names(pack) == ["comprehensive", "do-nothing", "do-something", "interim", "third"]
    assert scenarios.check_folder(pack) == []
    for name in scenarios.names(pack):
        assert "seed 00" in scenarios.read(pack, name).source


@pytest.mark.integration
def test_seed_000_option_scenarios_reproduce_the_three_options(pack):
    options = investment.scenarios(pack).set_index("scenario")
    for name, option in (("comprehensive", "Comprehensive"), ("third", "Lower assumptions"), ("interim", "Interim")):
        row = investment.appraise(scenarios.scenario_pack(pack, name))
        for column in ("investment_gbp", "npv_gbp", "gross_savings_gbp", "net_savings_gbp"):
            assert row[column] == pytest.approx(options.loc[option, column], abs=0.005), (name, column)
        assert row["payback_year"] == options.loc[option, "payback_year"]


@pytest.mark.integration
def test_seed_002_do_nothing_and_do_something_reproduce_the_plan_on_a_page(pack):
    table = plan.summary(pack).set_index("line")
    nothing = plan.summary(scenarios.scenario_pack(pack, "do-nothing")).set_index("line")
    something = plan.summary(scenarios.scenario_pack(pack, "do-something")).set_index("line")
    assert nothing["do_something_gbp"].to_numpy() == pytest.approx(table["do_nothing_gbp"].to_numpy(), abs=0.005)
    assert something["do_something_gbp"].to_numpy() == pytest.approx(table["do_something_gbp"].to_numpy(), abs=0.005)


@pytest.mark.integration
def test_reconstruction_script_writes_the_scenarios_exactly(monkeypatch):
    spec = importlib.util.spec_from_file_location("reconstruct_mse", ROOT / "tools" / "reconstruct_mse.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "reconstruct_mse", module)
    spec.loader.exec_module(module)
    folder = DEFAULT_PACK / "scenarios"
    assert sorted(p.name for p in folder.glob("*.toml")) == sorted(f"{n}.toml" for n in module.SCENARIOS)
    for name, text in module.SCENARIOS.items():
        assert (folder / f"{name}.toml").read_text(encoding="utf-8") == text, name


# ---------------------------------------------------------------------------------------------
# Pages: the scenario hook


@pytest.mark.integration
def test_pages_show_the_scenario_and_its_figures(pack):
    from stpkit import pages

    page = pages.InvestmentPage(pack, "all", mode="static", scenario="interim")
    options = investment.scenarios(pack).set_index("scenario")
    assert page.figures["npv_gbp"] == pytest.approx(options.loc["Interim", "npv_gbp"])
    words = page.scenario_html()
    assert "Scenario: Interim option" in words and "Priority points of delivery" in words
    plain = pages.InvestmentPage(pack, "all", mode="static")
    assert "none: the pack as it is" in plain.scenario_html()
    assert plain.figures["npv_gbp"] == pytest.approx(options.loc["Comprehensive", "npv_gbp"])
    nothing = pages.LocalityPage(pack, "MSE05", mode="static", scenario="do-nothing")
    assert nothing.figures["gross_savings_gbp"] == 0.0
    assert nothing.specs["delivery"].value == 0.0  # the controls start at the scenario's values
    needs_page = pages.NeedsPage(pack, "all", mode="static",
                                 scenario=scenarios.Scenario(name="x", values={"needs": {"rose_cut": 0.2}}))
    assert needs_page.specs["rose_cut"].value == 0.2
    with pytest.raises(scenarios.ScenarioError, match="did you mean interim"):
        pages.WorkforcePage(pack, "all", mode="static", scenario="interm")


@pytest.mark.integration
def test_the_picker_switches_scenario_and_a_saved_page_reads_back_the_same(tmp_path):
    from stpkit import pages
    from stpkit.pages import scenario as page_scenarios

    folder = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK, folder)
    page = pages.InvestmentPage(folder, "all", mode="static")
    assert [value for _, value in page.specs["scenario"].options] == ["", "comprehensive", "do-nothing",
                                                                        "do-something", "interim", "third"]
    page.set(scenario="interim")
    options = investment.scenarios(load_pack(folder)).set_index("scenario")
    assert page.figures["npv_gbp"] == pytest.approx(options.loc["Interim", "npv_gbp"])
    assert "Scenario: Interim option" in page.scenario_html()
    page.set(investment_share=0.6, discount_rate=0.05)
    shown = dict(page.figures)
    path = page_scenarios.save(page, "mine", "interim with less investment")
    assert path == folder / "scenarios" / "mine.toml"
    with pytest.raises(FileExistsError):
        page_scenarios.save(page, "mine")
    again = pages.InvestmentPage(folder, "all", mode="static", scenario="mine")
    assert pd.Series(again.figures).equals(pd.Series(shown))  # exactly the figures shown when it was saved (NaN too)
    back = scenarios.read(load_pack(folder), "mine")
    assert back.values["investment"]["capital_share"] == 0.5 and back.values["finance"]["discount_rate"] == 0.05
    page.set(scenario="")  # back to the pack as it is: every control at the pack's value
    assert page.values()["investment_share"] == 1.0 and page.figures["npv_gbp"] == pytest.approx(
        options.loc["Comprehensive", "npv_gbp"])
    local = pages.LocalityPage(folder, "MSE05", mode="static")
    local.set(growth_non_elective=0.03, scheme_0=0.1)
    page_scenarios.save(local, "faster")
    assert pd.Series(pages.LocalityPage(folder, "MSE05", mode="static", scenario="faster").figures).equals(
        pd.Series(local.figures))
    book = page_scenarios.workbook(local, page_scenarios.as_scenario(local, "faster"))
    assert book[:2] == b"PK"
    links = page_scenarios.download_links(local, "faster")
    assert "download='faster.toml'" in links and "spreadsheetml" in links


@pytest.mark.integration
def test_the_investment_options_are_the_packs_option_files(pack, tmp_path):
    from stpkit import pages

    options = scenarios.pack_options(pack)
    assert [o.name for o in options] == ["Comprehensive", "Lower assumptions", "Interim"]
    assert options == tuple(investment.Scenario(o.name, scenarios.read(pack, f).description, **{
        k: (tuple(v) if isinstance(v, list) else v) for k, v in scenarios.read(pack, f).values["investment"].items()})
        for o, (f, _) in zip(options, scenarios.OPTION_FILES))
    seed = investment.scenarios(pack).set_index("scenario")[["investment_gbp", "npv_gbp"]]
    mine = investment.scenarios(pack, options).set_index("scenario")[["investment_gbp", "npv_gbp"]]
    assert np.allclose(seed.to_numpy(), mine.to_numpy())
    # a change to the file changes the page's option
    folder = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK, folder)
    path = folder / "scenarios" / "third.toml"
    path.write_text(path.read_text().replace("investment_share = 0.5", "investment_share = 0.4"), encoding="utf-8")
    page = pages.InvestmentPage(folder, "all", mode="static")
    table = page.table("options").frame.set_index("scenario")
    assert table.loc["Lower assumptions", "investment_gbp"] == pytest.approx(
        0.4 * investment.by_year(pack.investments).query("kind == 'revenue' and is_total")["total_gbp"].iloc[0]
        + 0.4 * investment.by_year(pack.investments).query("kind == 'capital' and is_total")["total_gbp"].iloc[0])
    # a whole-model scenario is not an investment option
    assert scenarios.as_option(scenarios.read(pack, "do-nothing")) is None


@pytest.mark.integration
def test_pages_show_p10_to_p90_where_the_pack_has_intervals(pack):
    from stpkit import pages
    from stpkit.pages import scenario as page_scenarios

    local = pages.LocalityPage(pack, "MSE05", mode="static")
    card = next(c for c in local.result.cards if c.label.startswith("Gross savings"))
    bands = page_scenarios.ranges(local, "MSE05")
    assert bands["savings"][0] < local.figures["gross_savings_gbp"] < bands["savings"][1]
    assert card.detail.endswith(page_scenarios.range_words(bands["savings"]))
    money = pages.InvestmentPage(pack, "all", mode="static")
    npv = next(c for c in money.result.cards if c.label == "Net present value")
    assert "80% range" in npv.detail
    before = page_scenarios.ranges(money, "all")["npv"]
    money.set(investment_share=0.5)  # the range follows the controls
    assert page_scenarios.ranges(money, "all")["npv"] != before
    # the same draws as the comparison's for the plan as it is (paired, seeded), at the page's draw count
    from stpkit import comparison

    table = comparison.compare(pack, "pack,do-nothing", draws=page_scenarios.RANGE_DRAWS)["ranges"]
    row = table[(table["scenario"] == "pack") & (table["measure"] == "npv_gbp")].iloc[0]
    assert before == pytest.approx((row["p10"], row["p90"]))
    bare = pages.LocalityPage(DEFAULT_PACK.parent.parent / "docs" / "example-pack", "all", mode="static")
    assert page_scenarios.ranges(bare, "all") is None  # no intervals: a single number is all there is
    assert not any("80% range" in c.detail for c in bare.result.cards)
