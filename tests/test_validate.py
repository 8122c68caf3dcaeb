"""Validation: every problem is one line naming the file, row and column; real exports are accepted."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from packs import ACTIVITY, LOCALITIES, PACK_TOML, PODS, write_pack
from stpkit import PackError, load_pack, validate
from stpkit.schema import POD_LABELS, POINTS_OF_DELIVERY
from stpkit.validate import did_you_mean


def lines(folder) -> list[str]:
    return [str(p) for p in validate(folder)]


def only(folder) -> str:
    found = lines(folder)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.unit
def test_minimal_pack_with_only_required_files_is_valid(tmp_path):
    assert lines(write_pack(tmp_path)) == []


@pytest.mark.unit
def test_missing_required_file(tmp_path):
    assert only(write_pack(tmp_path, pods_csv=None)).startswith("pods.csv: is missing")


@pytest.mark.unit
def test_missing_pack_toml(tmp_path):
    assert only(write_pack(tmp_path, pack_toml=None)).startswith("pack.toml: is missing")


@pytest.mark.unit
def test_missing_required_column(tmp_path):
    text = LOCALITIES.replace("population", "people")
    assert only(write_pack(tmp_path, localities_csv=text)).startswith(
        "localities.csv row 1: the column population is missing")


@pytest.mark.unit
def test_empty_file(tmp_path):
    assert only(write_pack(tmp_path, activity_csv="")) == \
        "activity.csv: is empty; it needs a header row and rows of data"


@pytest.mark.unit
def test_header_only_required_file(tmp_path):
    assert only(write_pack(tmp_path, pods_csv="pod,growth,unit_cost\n")) == "pods.csv: has a header but no rows of data"


@pytest.mark.unit
def test_duplicate_locality_ids(tmp_path):
    text = LOCALITIES + "A1,Another Ashby,North,300\n"
    assert only(write_pack(tmp_path, localities_csv=text)) == \
        'localities.csv row 5, locality_id: locality_id "A1" appears twice (also row 2)'


@pytest.mark.unit
def test_non_numeric_population_names_row_and_column(tmp_path):
    text = LOCALITIES.replace("4000", "23K")
    assert only(write_pack(tmp_path, localities_csv=text)) == 'localities.csv row 4, population: "23K" is not a number'


@pytest.mark.unit
def test_negative_activity(tmp_path):
    text = ACTIVITY.replace("A1,outpatient,20000", "A1,outpatient,-5")
    assert only(write_pack(tmp_path, activity_csv=text)) == \
        'activity.csv row 3, activity: "-5" is negative; activity must be at least 0'


@pytest.mark.unit
def test_zero_population_refused(tmp_path):
    text = LOCALITIES.replace("4000", "0")
    assert "population must be at least 1" in only(write_pack(tmp_path, localities_csv=text))


@pytest.mark.unit
def test_missing_number(tmp_path):
    text = ACTIVITY.replace("B2,non_elective,4000", "B2,non_elective,")
    assert only(write_pack(tmp_path, activity_csv=text)) == "activity.csv row 4, activity: is empty; a number is needed"


@pytest.mark.unit
def test_unknown_point_of_delivery(tmp_path):
    text = ACTIVITY + "A1,maternity,30\n"
    assert only(write_pack(tmp_path, activity_csv=text)).startswith(
        'activity.csv row 8, pod: "maternity" is not one of: ae, elective_ip')


@pytest.mark.unit
def test_pod_without_growth_row(tmp_path):
    text = ACTIVITY + "A1,day_case,30\n"
    assert only(write_pack(tmp_path, activity_csv=text)) == 'activity.csv row 8, pod: "day_case" has no row in pods.csv'


@pytest.mark.unit
def test_activity_for_unknown_locality(tmp_path):
    text = ACTIVITY + "Z9,non_elective,30\n"
    assert only(write_pack(tmp_path, activity_csv=text)) == \
        'activity.csv row 8, locality_id: "Z9" is not in localities.csv'


@pytest.mark.unit
def test_growth_given_as_percentage(tmp_path):
    text = PODS.replace("0.033", "3.1")
    assert only(write_pack(tmp_path, pods_csv=text)) == \
        'pods.csv row 3, growth: "3.1" looks like a percentage: write 3.1% as a fraction, 0.031'


@pytest.mark.unit
def test_reduction_given_as_percentage(tmp_path):
    schemes = "scheme,pod,reduction\nFrailty,non_elective,6.83\n"
    assert only(write_pack(tmp_path, schemes_csv=schemes)) == \
        'schemes.csv row 2, reduction: "6.83" looks like a percentage: write 6.83% as a fraction, 0.0683'


@pytest.mark.unit
def test_reductions_for_one_pod_summing_to_one_or_more(tmp_path):
    schemes = "scheme,pod,reduction\nFrailty,non_elective,0.6\nLTC,non_elective,0.4\nLTC,outpatient,0.1\n"
    assert only(write_pack(tmp_path, schemes_csv=schemes)).startswith(
        "schemes.csv, column reduction: the reductions for non_elective add up to 1 (100%) in rows 2, 3")


@pytest.mark.unit
def test_malformed_year(tmp_path):
    text = PACK_TOML.replace('"2015/16"', '"2015/17"')
    message = only(write_pack(tmp_path, pack_toml=text))
    assert message.startswith("pack.toml line 3, [footprint] base_year:") and "2015/17" in message


@pytest.mark.unit
def test_reversed_years(tmp_path):
    text = PACK_TOML.replace('"2015/16"', '"2021/22"')
    assert only(write_pack(tmp_path, pack_toml=text)) == \
        "pack.toml line 4, [footprint] horizon_year: the horizon year 2020/21 must come after the base year 2021/22"


@pytest.mark.unit
def test_toml_syntax_error(tmp_path):
    text = PACK_TOML.replace('name = "Test footprint"', 'name = "Test footprint')
    message = only(write_pack(tmp_path, pack_toml=text))
    assert message.startswith("pack.toml line 2, character") and "is not valid TOML" in message


@pytest.mark.unit
def test_discount_rate_as_percentage(tmp_path):
    text = PACK_TOML.replace("0.035", "3.5")
    assert only(write_pack(tmp_path, pack_toml=text)) == \
        'pack.toml line 7, [finance] discount_rate: "3.5" looks like a percentage: write 3.5% as a fraction, 0.035'


@pytest.mark.unit
def test_unknown_setting_is_named(tmp_path):
    text = PACK_TOML + "discount_rte = 0.05\n"
    assert only(write_pack(tmp_path, pack_toml=text)).startswith("pack.toml line 8, [finance] discount_rte: unknown setting")


@pytest.mark.unit
def test_setting_with_unknown_choice(tmp_path):
    text = PACK_TOML + '\n[investment]\nsavings_ramp = "linaer"\n'
    assert only(write_pack(tmp_path, pack_toml=text)) == \
        'pack.toml line 10, [investment] savings_ramp: "linaer" is not one of: investment, linear'


@pytest.mark.unit
def test_unknown_investment_kind(tmp_path):
    investments = "category,kind,year,amount\nHubs,capital,2017/18,4000000\nApps,opex,2017/18,1000000\n"
    assert only(write_pack(tmp_path, investments_csv=investments)) == \
        'investments.csv row 3, kind: "opex" is not one of: revenue, capital'


@pytest.mark.unit
def test_binary_garbage(tmp_path):
    garbage = bytes(range(256)) * 8
    assert only(write_pack(tmp_path, activity_csv=garbage)).startswith(
        "activity.csv: is not a text file (it holds binary data)")


@pytest.mark.unit
def test_binary_pack_toml(tmp_path):
    assert only(write_pack(tmp_path, pack_toml=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")).startswith(
        "pack.toml: is not a text file")


@pytest.mark.unit
def test_a_folder_that_does_not_exist(tmp_path):
    assert only(tmp_path / "nowhere").endswith("does not exist; a pack is a folder holding pack.toml and CSV files, or an Excel workbook (.xlsx)")


@pytest.mark.unit
def test_every_problem_is_reported_not_just_the_first(tmp_path):
    text = LOCALITIES.replace("10000", "ten").replace("4000", "-4")
    found = lines(write_pack(tmp_path, localities_csv=text, pods_csv=PODS.replace("0.023", "2.3")))
    assert len(found) == 3
    assert all(line.count("\n") == 0 for line in found)


@pytest.mark.unit
def test_interval_low_above_high(tmp_path):
    pods = "pod,growth,unit_cost,growth_low,growth_high\nnon_elective,0.023,3000,0.03,0.01\noutpatient,0.033,185,,\n"
    assert only(write_pack(tmp_path, pods_csv=pods)) == \
        "pods.csv row 2, growth_low: the low value 0.03 is above the high value 0.01"


@pytest.mark.unit
def test_interval_alone_sets_the_point_value(tmp_path):
    pods = "pod,growth_low,growth_high,unit_cost\nnon_elective,0.01,0.03,3000\noutpatient,0.03,0.036,185\n"
    pack = load_pack(write_pack(tmp_path, pods_csv=pods))
    assert pack.pods.set_index("pod").loc["non_elective", "growth"] == pytest.approx(0.02)


@pytest.mark.unit
def test_risk_shares_must_add_to_one(tmp_path):
    segments = "segment,share,relative_rate\nHigh,0.1,5\nLow,0.8,0.5\n"
    assert only(write_pack(tmp_path, risk_segments_csv=segments)) == \
        "risk_segments.csv, column share: the shares add up to 0.9; they must add up to 1"


# --- what real exports contain ------------------------------------------------------------------


@pytest.mark.unit
def test_accepts_byte_order_mark_crlf_extra_columns_and_padding(tmp_path):
    localities = ("\ufefflocality_id , locality ,group, population ,notes\r\n"
                  " A1 ,  Ashby , North , 10000 , from the 2016 list \r\n"
                  'B2,"St Mary\'s & Bank (East)",North,"50,000",\r\n'
                  "C3,Cray,South,4000,\r\n\r\n")
    activity = ACTIVITY.replace("\n", "\r\n").replace("locality_id,pod,activity", "Locality_ID,POD,Activity")
    folder = write_pack(tmp_path, localities_csv=localities.encode("utf-8"), activity_csv=activity)
    assert lines(folder) == []
    pack = load_pack(folder)
    assert list(pack.localities["locality_id"]) == ["A1", "B2", "C3"]
    assert list(pack.localities["locality"]) == ["Ashby", "St Mary's & Bank (East)", "Cray"]
    assert list(pack.localities["population"]) == [10000, 50000, 4000]


@pytest.mark.unit
def test_accepts_windows_1252_export(tmp_path):
    localities = LOCALITIES.replace("Cray", "Cray £ Ltd").encode("cp1252")
    pack = load_pack(write_pack(tmp_path, localities_csv=localities))
    assert pack.localities["locality"].iloc[2] == "Cray £ Ltd"


@pytest.mark.unit
def test_nothing_runs_on_a_failed_pack(tmp_path):
    folder = write_pack(tmp_path, localities_csv=LOCALITIES.replace("4000", "23K"))
    with pytest.raises(PackError) as raised:
        load_pack(folder)
    assert raised.value.lines() == ['localities.csv row 4, population: "23K" is not a number']


# --- the command line ---------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, STPKIT_DEBUG="")
    return subprocess.run([sys.executable, "-m", "stpkit.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


@pytest.mark.e2e
def test_cli_validate_prints_one_line_per_problem_and_exits_1(tmp_path):
    folder = write_pack(tmp_path, localities_csv=LOCALITIES.replace("4000", "23K"),
                        activity_csv=ACTIVITY + "Z9,non_elective,30\n")
    result = run_cli("validate", str(folder))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.splitlines()[:2] == ['localities.csv row 4, population: "23K" is not a number',
                                              'activity.csv row 8, locality_id: "Z9" is not in localities.csv']


@pytest.mark.e2e
def test_cli_validate_accepts_a_good_pack(tmp_path):
    result = run_cli("validate", str(write_pack(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert "valid footprint pack" in result.stdout


@pytest.mark.e2e
def test_cli_summary_refuses_a_failed_pack_without_traceback(tmp_path):
    result = run_cli("summary", str(write_pack(tmp_path, pods_csv=PODS.replace("0.033", "3.3"))), "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == \
        'pods.csv row 3, growth: "3.3" looks like a percentage: write 3.3% as a fraction, 0.033'


@pytest.mark.e2e
def test_cli_help_for_each_command():
    for command in ("validate", "summary"):
        result = run_cli(command, "--help")
        assert result.returncode == 0
        assert "PACK" in result.stdout


@pytest.mark.e2e
def test_cli_run_as_a_module_prints_errors_from_every_command_plainly(tmp_path):
    """`python -m stpkit.cli` as well as `stpkit`: an error raised in another module is one plain line."""
    result = run_cli("apps", "--pack", str(tmp_path), "--no-browser")
    assert result.returncode == 2
    assert result.stderr.strip() == f"stpkit: error: {tmp_path} is not a footprint pack (it has no pack.toml)"


# --- did you mean, and one mistake reported once ------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize("written, meant", [
    ("A&E", "ae"), ("a&e", "ae"), ("A&E attendances", "ae"), ("outpatients", "outpatient"),
    ("Outpatient appointments", "outpatient"), ("emergency", "non_elective"), ("non-elective", "non_elective"),
    ("Non Elective", "non_elective"), ("day case", "day_case"), ("daycases", "day_case"), ("inpatient", "elective_ip"),
])
def test_did_you_mean_a_point_of_delivery(written, meant):
    assert did_you_mean(written, POINTS_OF_DELIVERY, POD_LABELS) == meant


@pytest.mark.unit
def test_no_guess_where_nothing_is_close():
    assert did_you_mean("maternity", POINTS_OF_DELIVERY, POD_LABELS) is None
    assert did_you_mean("admissions", POINTS_OF_DELIVERY, POD_LABELS) is None  # in three labels: no guess
    assert did_you_mean("opex", ("revenue", "capital")) is None
    assert did_you_mean("Capitol", ("revenue", "capital")) == "capital"


@pytest.mark.unit
def test_a_misspelt_point_of_delivery_says_what_was_meant(tmp_path):
    text = ACTIVITY.replace("A1,outpatient,20000", "A1,Outpatients,20000")
    assert only(write_pack(tmp_path / "op", activity_csv=text)) == (
        'activity.csv row 3, pod: "Outpatients" is not one of: ae, elective_ip, day_case, non_elective, outpatient; '
        "did you mean outpatient (Outpatient appointments)?")
    text = ACTIVITY + "A1,A&E,30\n"
    assert only(write_pack(tmp_path / "ae", activity_csv=text)).endswith('"A&E" is not one of: ae, elective_ip, '
                                                                        "day_case, non_elective, outpatient; did you "
                                                                        "mean ae (A&E attendances)?")


@pytest.mark.unit
def test_a_misspelt_point_of_delivery_in_pods_csv_is_one_line(tmp_path):
    """Before: one line for pods.csv and one more for each activity.csv row of that pod (three here)."""
    pods = PODS.replace("non_elective", "emergency")
    assert lines(write_pack(tmp_path, pods_csv=pods)) == [
        'pods.csv row 2, pod: "emergency" is not one of: ae, elective_ip, day_case, non_elective, outpatient; '
        "did you mean non_elective (Non-elective (emergency) admissions)?"]


@pytest.mark.unit
def test_a_point_of_delivery_pods_csv_really_lacks_is_still_reported(tmp_path):
    """A bad pods.csv row explains only the pod it stands for; another pod missing from pods.csv is its own problem."""
    pods = "pod,growth,unit_cost\nnon_elective,0.023,3000\noutpatient,0.033,185\nDay cases,0.01,700\n"
    found = lines(write_pack(tmp_path, pods_csv=pods, activity_csv=ACTIVITY + "A1,day_case,30\nA1,ae,50\n"))
    assert found == ['pods.csv row 4, pod: "Day cases" is not one of: ae, elective_ip, day_case, non_elective, '
                     "outpatient; did you mean day_case (Day case admissions)?",
                     'activity.csv row 9, pod: "ae" has no row in pods.csv']


@pytest.mark.unit
def test_a_pods_csv_row_that_cannot_be_read_hides_the_missing_pods_until_it_is_put_right(tmp_path):
    pods = PODS + "maternity,0.01,700\n"
    found = lines(write_pack(tmp_path, pods_csv=pods, activity_csv=ACTIVITY + "A1,day_case,30\n"))
    assert found == ['pods.csv row 4, pod: "maternity" is not one of: ae, elective_ip, day_case, non_elective, '
                     "outpatient"]


@pytest.mark.unit
def test_a_localities_row_with_too_many_cells_is_one_line(tmp_path):
    """Before: the row, and then every activity.csv row of that locality (two here) as "not in localities.csv"."""
    text = LOCALITIES.replace("C3,Cray,South,4000", "C3,Cray,South,4000,extra")
    assert lines(write_pack(tmp_path, localities_csv=text)) == [
        "localities.csv row 4: has 5 cells but the header names 4 columns"]


@pytest.mark.unit
def test_a_blank_locality_id_is_one_line(tmp_path):
    text = LOCALITIES.replace("C3,Cray", ",Cray")
    assert lines(write_pack(tmp_path, localities_csv=text)) == [
        "localities.csv row 4, locality_id: is empty; a value is needed"]


@pytest.mark.unit
def test_an_unknown_locality_gets_a_guess(tmp_path):
    text = ACTIVITY + "b 2,ae,30\n"
    pods = PODS + "ae,0.02,120\n"
    assert only(write_pack(tmp_path, activity_csv=text, pods_csv=pods)) == \
        'activity.csv row 8, locality_id: "b 2" is not in localities.csv; did you mean B2 (St Mary\'s & Bank (East))?'
    text = ACTIVITY + "Ashby,ae,30\n"
    assert only(write_pack(tmp_path, activity_csv=text, pods_csv=pods)) == \
        'activity.csv row 8, locality_id: "Ashby" is not in localities.csv; did you mean A1 (Ashby)?'


@pytest.mark.unit
def test_a_row_already_reported_is_not_checked_against_other_files(tmp_path):
    """One row, one line per cell that is wrong in itself; its locality is not looked up as well."""
    found = lines(write_pack(tmp_path, activity_csv=ACTIVITY + "Z9,outpatients,30\n"))
    assert found == ['activity.csv row 8, pod: "outpatients" is not one of: ae, elective_ip, day_case, '
                     "non_elective, outpatient; did you mean outpatient (Outpatient appointments)?"]


@pytest.mark.unit
def test_a_misspelt_required_column_says_which_header_it_is(tmp_path):
    text = LOCALITIES.replace("population", "popualtion")
    assert only(write_pack(tmp_path, localities_csv=text)) == (
        "localities.csv row 1: the column population is missing (the header has: locality_id, locality, group, "
        'popualtion); "popualtion" looks like population misspelt')
    text = ACTIVITY.replace("locality_id,pod", "Locality ID,pod")
    assert only(write_pack(tmp_path, activity_csv=text)).endswith('"locality id" looks like locality_id misspelt')


@pytest.mark.unit
def test_a_misspelt_optional_column_is_not_ignored_silently(tmp_path):
    text = LOCALITIES.replace("population\n", "population,imd_scroe\n").replace("10000\n", "10000,30.1\n")
    assert only(write_pack(tmp_path, localities_csv=text)) == \
        "localities.csv row 1, imd_scroe: is not a column of localities.csv; did you mean imd_score? " \
        "(as written it would be ignored)"
    pods = PODS.replace("unit_cost\n", "unit_cost,growth_hi,growth_low\n").replace("3000\n", "3000,0.03,0.01\n")
    assert only(write_pack(tmp_path, pods_csv=pods)).startswith(
        "pods.csv row 1, growth_hi: is not a column of pods.csv; did you mean growth_high?")
    notes = LOCALITIES.replace("population\n", "population,notes\n")
    assert lines(write_pack(tmp_path, localities_csv=notes)) == []  # a column of one's own is still welcome


@pytest.mark.e2e
def test_cli_validate_prints_the_guess(tmp_path):
    folder = write_pack(tmp_path, pods_csv=PODS.replace("outpatient", "Outpatients"))
    result = run_cli("validate", str(folder))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        'pods.csv row 3, pod: "Outpatients" is not one of: ae, elective_ip, day_case, non_elective, outpatient; '
        "did you mean outpatient (Outpatient appointments)?",
        f"{folder}: 1 problem; nothing was run on this pack."]


@pytest.mark.integration
def test_default_pack_with_a_misspelt_point_of_delivery_gives_one_line(tmp_path):
    """The issue's case: "day cases" for day_case in pods.csv also gave schemes.csv rows 6 and 9 "has no row"."""
    import shutil

    from stpkit import DEFAULT_PACK

    folder = tmp_path / "mse"
    shutil.copytree(DEFAULT_PACK, folder)
    pods = (folder / "pods.csv").read_text(encoding="utf-8")
    assert pods.count("\nday_case,") == 1
    (folder / "pods.csv").write_text(pods.replace("\nday_case,", "\nday cases,"), encoding="utf-8")
    assert lines(folder) == ['pods.csv row 4, pod: "day cases" is not one of: ae, elective_ip, day_case, '
                             "non_elective, outpatient; did you mean day_case (Day case admissions)?"]


# --- holes that randomly damaged packs found ----------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize("year", ["0015/16", "1989/90", "2101/02"])
def test_years_outside_any_plan_are_refused_in_pack_toml(tmp_path, year):
    toml = PACK_TOML.replace('base_year = "2015/16"', f'base_year = "{year}"')
    assert only(write_pack(tmp_path, pack_toml=toml)) == (
        f'pack.toml line 3, [footprint] base_year: "{year}" is outside the years a plan can cover, '
        "1990/91 to 2100/01")


@pytest.mark.unit
def test_first_and_last_plan_years_are_accepted(tmp_path):
    toml = PACK_TOML.replace('"2015/16"', '"1990/91"').replace('"2020/21"', '"2100/01"')
    assert lines(write_pack(tmp_path, pack_toml=toml)) == []


@pytest.mark.unit
def test_years_outside_any_plan_are_refused_in_files(tmp_path):
    investments = "category,kind,year,amount\nIT,capital,9999/00,100\n"
    phasing = "locality_id,milestone,quarter\nA1,level_1,0016/17 Q3\n"
    found = lines(write_pack(tmp_path, investments_csv=investments, phasing_csv=phasing))
    assert found == [
        'investments.csv row 2, year: "9999/00" is outside the years a plan can cover, 1990/91 to 2100/01',
        'phasing.csv row 2, quarter: "0016/17 Q3" is outside the years a plan can cover, 1990/91 to 2100/01']


@pytest.mark.unit
def test_localities_with_no_activity_are_named_in_one_line(tmp_path):
    cut = "\n".join(ACTIVITY.splitlines()[:3]) + "\n"  # a file cut off after A1's rows
    assert only(write_pack(tmp_path, activity_csv=cut)) == (
        "activity.csv, column locality_id: has no rows for 2 of the 3 localities in localities.csv: B2, C3; "
        "every locality needs its base-year activity")


@pytest.mark.unit
def test_no_activity_line_when_an_unknown_locality_may_explain_it(tmp_path):
    text = ACTIVITY.replace("C3,", "C4,")
    assert [line[:63] for line in lines(write_pack(tmp_path, activity_csv=text))] == [
        'activity.csv row 6, locality_id: "C4" is not in localities.csv',
        'activity.csv row 7, locality_id: "C4" is not in localities.csv']


@pytest.mark.unit
@pytest.mark.parametrize("text", [',,,\n"",""\n', '""\n\n,\n'])
def test_localities_file_without_a_header_is_one_line(tmp_path, text):
    assert lines(write_pack(tmp_path, localities_csv=text)) == [
        "localities.csv: has no header row: every line is blank or holds only separators and quotes"]


@pytest.mark.unit
@pytest.mark.parametrize("file, text, expected", [
    ("risk_segments_csv", "segment,share,relative_rate\nHigh,0.2,1e-320\nLow,0.8,0.5\n",
     'risk_segments.csv row 2, relative_rate: "1e-320" is out of range; relative_rate must be at least 0.01 and '
     "at most 1000"),
    ("risk_segments_csv", "segment,share,relative_rate\nHigh,1e-320,3\nLow,1,0.5\n",
     'risk_segments.csv row 2, share: "1e-320" is out of range; share must be at least 0.0001 and at most 1'),
    ("localities_csv", LOCALITIES.replace("population", "population,patients_per_gp").replace("10000", "10000,1e-320")
     .replace("50000", "50000,2000").replace("4000\n", "4000,2100\n"),
     'localities.csv row 2, patients_per_gp: "1e-320" is out of range; patients_per_gp must be at least 100 and '
     "at most 10000"),
    ("localities_csv", LOCALITIES.replace("4000", "1e-320"),
     'localities.csv row 4, population: "1e-320" is out of range; population must be at least 1 and at most '
     "100,000,000"),
])
def test_implausibly_small_numbers_are_refused(tmp_path, file, text, expected):
    assert only(write_pack(tmp_path, **{file: text})) == expected


@pytest.mark.unit
def test_absurdly_large_numbers_are_refused_before_they_overflow(tmp_path):
    text = ACTIVITY.replace("A1,outpatient,20000", "A1,outpatient,1e308")
    assert only(write_pack(tmp_path, activity_csv=text)) == (
        'activity.csv row 3, activity: "1e308" is too large for any planning figure (more than a million million); '
        "check its units")


@pytest.mark.unit
@pytest.mark.parametrize("file, text, expected", [
    ("activity_csv", ACTIVITY.replace("A1,non_elective,1000", "A1,non_elective,999999999999"),
     'activity.csv row 2, activity: "999999999999" is out of range; activity must be at least 0 and at most '
     "100,000,000"),
    ("length_of_stay_csv", "locality_id,pod,los_days\n*,non_elective,999999999999\n",
     'length_of_stay.csv row 2, los_days: "999999999999" is out of range; los_days must be more than 0 and at most 365'),
    ("targets_csv", "locality_id,pod,target\nA1,non_elective,5e9\n",
     'targets.csv row 2, target: "5e9" is out of range; target must be at least 0 and at most 100,000,000'),
    ("localities_csv", LOCALITIES.replace("4000", "8e9"),
     'localities.csv row 4, population: "8e9" is out of range; population must be at least 1 and at most 100,000,000'),
])
def test_absurd_sizes_that_would_keep_the_beds_model_counting_are_refused(tmp_path, file, text, expected):
    """A damaged length of stay of a million million days once made one bed count run for hours (issue 13)."""
    assert only(write_pack(tmp_path, **{file: text})) == expected
