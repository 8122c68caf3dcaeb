"""The workbook to fill in (`stpkit template`) and converting packs between a folder and a workbook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from packs import write_pack
from stpkit import load_pack
from stpkit.convert import ConvertError, convert
from stpkit.pack import DEFAULT_PACK
from stpkit.schema import FILES, POINTS_OF_DELIVERY
from stpkit.summary import summarise
from stpkit.template import write_template
from stpkit.validate import check_pack

ROOT = Path(__file__).resolve().parent.parent


def stpkit(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "stpkit.cli", *args], capture_output=True, text=True, env=env)


def same_tables(left, right) -> None:
    assert left.settings == right.settings
    assert left.provided == right.provided
    for name, frame in left.tables.items():
        pd.testing.assert_frame_equal(frame, right.tables[name], obj=name)


@pytest.mark.integration
def test_empty_template_has_every_sheet_comments_dropdowns_formats_and_frozen_headers(tmp_path):
    path = write_template(tmp_path / "blank.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["instructions", "pack"] + [name.removesuffix(".csv") for name in FILES]
    intro = [row for row in book["instructions"].iter_rows(values_only=True)]
    listed = {row[0]: row for row in intro if row[0] in {"pack", "activity", "schemes"}}
    assert listed["activity"][1] == "yes" and listed["schemes"][1] == "no"
    assert "SUS or HES" in listed["activity"][3]
    activity = book["activity"]
    assert [c.value for c in activity[1]] == [c.name for c in FILES["activity.csv"].columns]
    assert activity.freeze_panes == "A2"
    assert "fraction" in activity["D1"].comment.text and "momentum growth" in activity["D1"].comment.text
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in activity.data_validations.dataValidation}
    assert lists["B2"] == '"' + ",".join(POINTS_OF_DELIVERY) + '"'
    assert activity.column_dimensions["D"].number_format == "0.0##%"
    investments = {str(v.sqref).split(":")[0]: v.formula1 for v in book["investments"].data_validations.dataValidation}
    assert investments["B2"] == '"revenue,capital"' and "2016/17" in investments["C2"]
    settings = {(row[0], row[1]): row[2] for row in book["pack"].iter_rows(min_row=2, values_only=True)}
    assert settings[("footprint", "name")] is None and ("finance", "discount_rate") in settings
    # an empty template is refused plainly: what is missing, one line each
    assert [str(p) for p in check_pack(path).problems] == [
        "pack sheet: [footprint] name is missing", "pack sheet: [footprint] base_year is missing",
        "pack sheet: [footprint] horizon_year is missing", "localities sheet: has a header but no rows of data",
        "activity sheet: has a header but no rows of data", "pods sheet: has a header but no rows of data"]


@pytest.mark.integration
def test_template_from_a_pack_shows_rates_as_percentages(tmp_path):
    path = write_template(tmp_path / "t.xlsx", __import__("stpkit.convert", fromlist=["read_raw"]).read_raw(
        write_pack(tmp_path / "p")))
    book = openpyxl.load_workbook(path)
    assert book["pods"]["B2"].value == 0.023 and book["pods"]["B2"].number_format == "0.0##%"
    assert book["localities"]["D2"].value == 10000 and book["localities"]["A2"].number_format == "@"
    assert load_pack(path).pods["growth"].tolist() == [0.023, 0.033]


@pytest.mark.e2e
def test_default_pack_round_trip_gives_the_same_figures_and_tables(tmp_path):
    workbook, folder = tmp_path / "mse.xlsx", tmp_path / "mse_again"
    made = stpkit("template", str(workbook), "--from", str(DEFAULT_PACK))
    assert made.returncode == 0, made.stderr
    done = stpkit("convert", str(workbook), str(folder))
    assert done.returncode == 0, done.stderr
    assert stpkit("validate", str(workbook)).returncode == 0
    original = stpkit("summary", str(DEFAULT_PACK), "--json").stdout
    assert json.loads(original)["gross_savings_gbp"]
    assert stpkit("summary", str(workbook), "--json").stdout == original
    assert stpkit("summary", str(folder), "--json").stdout == original
    assert stpkit("summary", str(workbook), "--json", "--locality", "MSE05").stdout == \
        stpkit("summary", str(DEFAULT_PACK), "--json", "--locality", "MSE05").stdout
    pack = load_pack(DEFAULT_PACK)
    same_tables(load_pack(workbook), pack)
    same_tables(load_pack(folder), pack)
    known = {"pack.toml", *FILES}
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in DEFAULT_PACK.iterdir() if p.name in known)


@pytest.mark.integration
def test_convert_folder_to_workbook_and_back(tmp_path):
    source = write_pack(tmp_path / "p", schemes_csv="scheme,pod,reduction\nFrailty,non_elective,0.0683\n")
    convert(source, tmp_path / "p.xlsx")
    convert(tmp_path / "p.xlsx", tmp_path / "back")
    for path in (tmp_path / "p.xlsx", tmp_path / "back"):
        same_tables(load_pack(path), load_pack(source))
        assert summarise(load_pack(path), "all") == summarise(load_pack(source), "all")


@pytest.mark.integration
def test_a_pack_with_problems_converts_as_it_is(tmp_path):
    source = write_pack(tmp_path / "p", localities_csv="locality_id,locality,group,population\nA1,Ashby,North,23K\n")
    convert(source, tmp_path / "p.xlsx")
    assert 'localities sheet, cell D2: "23K" is not a number' in [str(p) for p in check_pack(tmp_path / "p.xlsx").problems]


@pytest.mark.unit
def test_convert_never_overwrites_without_force(tmp_path):
    source = write_pack(tmp_path / "p")
    (tmp_path / "taken.xlsx").write_bytes(b"mine")
    with pytest.raises(ConvertError, match="already exists; give --force to replace it"):
        convert(source, tmp_path / "taken.xlsx")
    assert (tmp_path / "taken.xlsx").read_bytes() == b"mine"
    convert(source, tmp_path / "taken.xlsx", force=True)
    assert check_pack(tmp_path / "taken.xlsx").problems == []


@pytest.mark.e2e
def test_convert_and_template_commands_say_what_is_wrong_in_one_line(tmp_path):
    done = stpkit("convert", str(tmp_path / "nowhere"), str(tmp_path / "x.xlsx"))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"stpkit: error: {tmp_path / 'nowhere'} does not exist; a pack is a folder, an "
                                   "Excel workbook (.xlsx) or a database URL")
    done = stpkit("template", str(tmp_path / "x.csv"))
    assert done.stderr.strip() == f"stpkit: error: {tmp_path / 'x.csv'}: a template is an Excel workbook; give a name ending .xlsx"
    (tmp_path / "fake.xlsx").write_text("a,b\n1,2\n")
    done = stpkit("convert", str(tmp_path / "fake.xlsx"), str(tmp_path / "out"))
    assert done.returncode == 2 and "is a text (CSV) file with a workbook's name" in done.stderr
    assert not (tmp_path / "out").exists()
