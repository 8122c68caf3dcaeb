"""Workbook packs: a pack as one Excel workbook, read for values, with problems named by sheet and cell."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from packs import ACTIVITY, LOCALITIES, PACK_TOML, write_pack
from stpkit import load_pack
from stpkit.schema import SETTINGS
from stpkit.sheets import cell_text, column_letter
from stpkit.validate import check_pack
from workbooks import save_cached_values, write_workbook


def lines(path) -> list[str]:
    return [str(p) for p in check_pack(path).problems]


def only(path) -> str:
    found = lines(path)
    assert len(found) == 1, found
    return found[0]


def frames_equal(left, right) -> None:
    for name, frame in left.tables.items():
        pd.testing.assert_frame_equal(frame, right.tables[name], check_dtype=True, obj=name)
    assert left.settings == right.settings
    assert left.provided == right.provided


@pytest.mark.unit
def test_column_letters_and_cell_text():
    assert [column_letter(i) for i in (0, 2, 25, 26, 27, 701, 702)] == ["A", "C", "Z", "AA", "AB", "ZZ", "AAA"]
    assert [cell_text(v) for v in (100.0, 0.031, 1e-05, True, "A1", None, dt.date(2016, 4, 1))] == \
        ["100", "0.031", "1e-05", "true", "A1", "", "2016-04-01"]


@pytest.mark.integration
def test_workbook_pack_loads_the_same_tables_as_the_folder(tmp_path):
    book = load_pack(write_workbook(tmp_path / "footprint.xlsx"))
    folder = load_pack(write_pack(tmp_path / "folder"))
    frames_equal(book, folder)
    assert book.path == tmp_path / "footprint.xlsx"


@pytest.mark.integration
def test_xlsm_is_read_for_values(tmp_path):
    book = write_workbook(tmp_path / "footprint.xlsx")
    macro = tmp_path / "footprint.xlsm"
    macro.write_bytes(book.read_bytes())
    assert lines(macro) == []


@pytest.mark.unit
def test_a_bad_cell_is_named_by_sheet_and_excel_cell(tmp_path):
    book = write_workbook(tmp_path / "f.xlsx", activity_csv=ACTIVITY.replace("20000", "12K"))
    assert only(book) == 'activity sheet, cell C3: "12K" is not a number'


@pytest.mark.unit
def test_cross_file_problems_name_sheets(tmp_path):
    book = write_workbook(tmp_path / "f.xlsx", activity_csv=ACTIVITY + "Z9,non_elective,30\n")
    assert only(book) == 'activity sheet, cell A8: "Z9" is not in the localities sheet'


@pytest.mark.unit
def test_settings_problems_name_the_pack_sheet_cell(tmp_path):
    book = write_workbook(tmp_path / "f.xlsx", pack_toml=PACK_TOML.replace("0.035", "3.5"))
    assert only(book) == ('pack sheet, cell C5 (finance discount_rate): "3.5" looks like a percentage: '
                          "write 3.5% as a fraction, 0.035")


@pytest.mark.unit
def test_formulas_give_the_values_excel_saved(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["localities"]["D3"] = "=10000*5"
    workbook["activity"]["C2"] = "=500*2"
    workbook.save(path)
    save_cached_values(path, 2, {"D3": 50000})
    save_cached_values(path, 3, {"C2": 1000})
    pack = load_pack(path)
    assert pack.localities["population"].tolist() == [10000, 50000, 4000]
    assert pack.activity["activity"].iloc[0] == 1000


@pytest.mark.unit
def test_numbers_as_text_percentages_and_trailing_blanks(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx")
    workbook = openpyxl.load_workbook(path)
    localities, pods = workbook["localities"], workbook["pods"]
    localities["D3"] = "50,000"  # a number stored as text
    localities["D4"] = " 4000 "
    for row in (2, 3):
        pods.cell(row, 2).number_format = "0.0%"  # growth shown as 2.3%
    for row in range(5, 40):  # formatted but empty rows and columns below and beside the data
        for column in range(1, 9):
            localities.cell(row, column).number_format = "#,##0"
    localities["H1"] = ""
    workbook.save(path)
    pack = load_pack(path)
    assert pack.localities["population"].tolist() == [10000, 50000, 4000]
    assert pack.pods["growth"].tolist() == [0.023, 0.033]


@pytest.mark.unit
def test_hidden_and_extra_sheets_are_ignored_and_said(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("Lookups")["A1"] = "anything"
    secret = workbook.create_sheet("schemes")
    secret.append(["scheme", "pod", "reduction"])
    secret.append(["Frailty", "non_elective", 0.5])
    secret.sheet_state = "hidden"
    workbook.save(path)
    result = check_pack(path)
    assert result.problems == []
    assert result.notes == ['the hidden sheet "schemes" was ignored; unhide it if it belongs to the pack',
                            'the sheet "Lookups" is not part of a pack and was ignored']
    assert not load_pack(path).has("schemes.csv")


@pytest.mark.unit
def test_merged_title_above_the_header_and_merged_header_cells(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["localities"]
    sheet.insert_rows(1)
    sheet["A1"] = "Localities, 2016/17"
    sheet.merge_cells("A1:D1")
    sheet["E2"] = "notes"
    sheet.merge_cells("E2:F2")  # a header cell merged across two columns
    sheet["D5"] = "23K"
    workbook.save(path)
    assert only(path) == 'localities sheet, cell D5: "23K" is not a number'


@pytest.mark.unit
def test_a_date_where_a_financial_year_is_expected(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx", investments_csv="category,kind,year,amount\nIT,capital,2016/17,100\n")
    workbook = openpyxl.load_workbook(path)
    workbook["investments"]["C2"] = dt.datetime(2016, 4, 1)
    workbook.save(path)
    assert only(path) == ('investments sheet, cell C2: "2016-04-01" is not a financial year like 2015/16; Excel holds '
                          "this cell as a date: type the financial year as text, like 2016/17")


@pytest.mark.unit
def test_a_renamed_sheet_names_the_sheets_found(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["activity"].title = "Activity 2016"
    workbook.save(path)
    assert only(path) == ('activity sheet: is missing (it holds activity.csv); the workbook has the sheets: pack, '
                          'localities, Activity 2016, pods; is "Activity 2016" it? rename it activity')


@pytest.mark.unit
def test_a_missing_settings_sheet(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx", pack_toml=None)
    assert only(path) == ("pack sheet: is missing (it holds pack.toml's settings as section, key and value rows); "
                          "the workbook has the sheets: localities, activity, pods")


@pytest.mark.unit
def test_sheet_names_ignore_case_and_spaces(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["localities"].title = "Localities "
    workbook.save(path)
    assert lines(path) == []


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.unit
@pytest.mark.parametrize("name, data, expected", [
    ("old.xls", OLE + b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k\x00" + b"\x00" * 512,
     "is an Excel 97-2003 workbook (.xls), which stpkit does not read; open it in Excel and save it as an Excel "
     "Workbook (.xlsx)"),
    ("locked.xlsx", OLE + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512,
     "is protected by a password, which stpkit cannot open; save a copy without the password (File > Info > "
     "Protect Workbook > Encrypt with Password, then clear it)"),
    ("renamed.xlsx", LOCALITIES.encode(),
     "is a text (CSV) file with a workbook's name, not an Excel workbook; put the CSV files in a pack folder, or "
     "save the workbook from Excel as Excel Workbook (.xlsx)"),
    ("picture.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "is not an Excel workbook (.xlsx or .xlsm)"),
    ("archive.xlsx", None, "is a zip file but not an Excel workbook (it has no xl/workbook.xml); save it from Excel "
     "as .xlsx"),
    ("cut.xlsx", b"PK\x03\x04" + b"\x00" * 100, "is a damaged zip file, not a workbook Excel can open; save the "
     "workbook again from Excel"),
    ("empty.xlsx", b"", "is an empty file, not an Excel workbook"),
])
def test_files_that_are_not_workbooks_get_one_plain_line(tmp_path, name, data, expected):
    path = tmp_path / name
    if data is None:
        import zipfile

        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "hello")
    else:
        path.write_bytes(data)
    assert lines(path) == [f"{path}: {expected}"]


@pytest.mark.unit
def test_a_workbook_cut_short_gets_one_plain_line(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    found = lines(path)
    assert len(found) == 1 and found[0].startswith(f"{path}: ") and "Traceback" not in found[0]


@pytest.mark.unit
def test_the_fingerprint_hashes_the_workbook(tmp_path):
    from stpkit.report.jobs import pack_fingerprint

    path = write_workbook(tmp_path / "f.xlsx")
    before = pack_fingerprint(path)
    assert list(before["files"]) == ["f.xlsx"]
    write_workbook(path, activity_csv=ACTIVITY.replace("20000", "20001"))
    assert pack_fingerprint(path)["hash"] != before["hash"]


@pytest.mark.e2e
def test_validate_command_on_a_workbook(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("Notes")
    workbook.save(path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-m", "stpkit.cli", "validate", str(path)], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f'{path}: note: the sheet "Notes" is not part of a pack and was ignored',
                                        f"{path}: valid footprint pack."]
    write_workbook(path, localities_csv=LOCALITIES.replace("4000", "23K"))
    done = subprocess.run([sys.executable, "-m", "stpkit.cli", "validate", str(path)], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == 'localities sheet, cell D4: "23K" is not a number'
    assert "Traceback" not in done.stderr


@pytest.mark.unit
def test_the_apps_offer_workbooks_in_their_data_folder(tmp_path):
    from stpkit.apps.request import resolve_pack, served_packs

    write_pack(tmp_path / "folder")
    write_workbook(tmp_path / "mine.xlsx")
    (tmp_path / "~$mine.xlsx").write_bytes(b"Excel's lock file")
    (tmp_path / "notes.txt").write_text("not a pack")
    assert list(served_packs(tmp_path)) == ["folder", "mine.xlsx"]
    assert resolve_pack("mine.xlsx", tmp_path, tmp_path / "folder") == (tmp_path / "mine.xlsx").resolve()


@pytest.mark.unit
def test_a_date_for_a_settings_year(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["pack"]["C3"] = dt.datetime(2015, 4, 1)  # base_year typed as a date
    workbook.save(path)
    assert only(path) == ('pack sheet, cell C3 (footprint base_year): "2015-04-01" is not a financial year like '
                          "2015/16; Excel holds this cell as a date: type the financial year as text, like 2016/17")


@pytest.mark.unit
def test_settings_given_twice_unknown_sections_and_keys(tmp_path):
    path = write_workbook(tmp_path / "f.xlsx")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["pack"]
    for row in (["footprint", "name", "Again"], ["finance", "discount", 0.03], ["", "", ""], ["Finances", "x", 1]):
        sheet.append(row)
    workbook.save(path)
    assert lines(path) == [
        "pack sheet, cell B6: footprint name is given twice (also row 2)",
        f'pack sheet, cell A9: "Finances" is not a section of the settings (known: {", ".join(SETTINGS)})',
        "pack sheet, cell C7 (finance discount): unknown setting (known in [finance]: discount_rate)"]
