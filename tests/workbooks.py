"""Workbook packs for tests, written by openpyxl as a user's Excel would save them."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from pathlib import Path

import openpyxl

from packs import REQUIRED

_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")


def typed(cell: str):
    """A CSV cell as Excel would hold it when typed in: numbers as numbers, the rest as text."""
    return float(cell) if _NUMBER.match(cell.strip()) else cell


def settings_rows(toml_text: str) -> list[list]:
    rows = [["section", "key", "value"]]
    for section, values in tomllib.loads(toml_text).items():
        for key, value in values.items():
            rows.append([section, key, value])
    return rows


def write_workbook(path: Path, **files: str | None) -> Path:
    """The minimal test pack (tests/packs.py) as a workbook: one sheet per file, pack.toml as the pack sheet.

    Keyword arguments replace (or, with None, drop) files, named as in packs.write_pack: activity_csv="...".
    """
    contents = dict(REQUIRED)
    for key, value in files.items():
        contents[key[::-1].replace("_", ".", 1)[::-1]] = value
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, text in contents.items():
        if text is None:
            continue
        if name == "pack.toml":
            sheet = workbook.create_sheet("pack")
            for row in settings_rows(text):
                sheet.append(row)
            continue
        sheet = workbook.create_sheet(name.removesuffix(".csv"))
        for record in csv.reader(io.StringIO(text)):
            sheet.append([typed(cell) for cell in record])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def save_cached_values(path: Path, sheet_number: int, values: dict[str, object]) -> None:
    """Give formula cells the values Excel saves beside them (openpyxl writes formulas without one).

    `sheet_number` counts the workbook's sheets from 1; `values` maps a cell such as "D3" to its value.
    """
    import zipfile

    member = f"xl/worksheets/sheet{sheet_number}.xml"
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    xml = contents[member].decode("utf-8")
    for cell, value in values.items():
        pattern = re.compile(rf'(<c r="{cell}"[^>]*>)(<f>.*?</f>)<v\s*/>')
        assert pattern.search(xml), f"no formula in {cell}"
        xml = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}<v>{value}</v>", xml)
    contents[member] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
