"""Workbook packs: a footprint pack as one Excel workbook.

A workbook pack holds one sheet per pack file, named after the file without `.csv` (`localities`,
`activity`, `pods`, ...), each with its header in the first row that is not blank, and a `pack`
sheet holding pack.toml's settings as rows of section, key and value. It is read for values only
(python-calamine, a reader made for speed): formulas give the value Excel last saved, macros are
never run. Everything after reading is the folder pack's own checking (`stpkit.validate`), and each
problem names what the user sees in Excel: ``activity sheet, cell C14: "12K" is not a number``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import zipfile
from pathlib import Path

from .schema import FILES, REQUIRED_FILES, SETTINGS
from .validate import CheckResult, ParsedTable, Problem, check_tables, read_records, settings_from_text

SETTINGS_SHEET = "pack"
INSTRUCTIONS_SHEET = "instructions"
SETTINGS_COLUMNS = ("section", "key", "value")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE2 compound file: an old .xls, or an encrypted workbook
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def sheet_name(filename: str) -> str:
    """The sheet that holds a pack file: activity.csv is the activity sheet."""
    return SETTINGS_SHEET if filename == "pack.toml" else filename.removesuffix(".csv")


def column_letter(position: int) -> str:
    """Excel's letters for a column: 0 is A, 25 is Z, 26 is AA."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---------------------------------------------------------------------------------------------
# what kind of file it is


def _not_a_workbook(path: Path) -> str | None:
    """One plain line when the file is not a workbook stpkit can read, else None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(1 << 16)
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    if not head:
        return "is an empty file, not an Excel workbook"
    if head.startswith(_OLE):
        data = path.read_bytes()
        if _ENCRYPTED in data:
            return ("is protected by a password, which stpkit cannot open; save a copy without the password "
                    "(File > Info > Protect Workbook > Encrypt with Password, then clear it)")
        return ("is an Excel 97-2003 workbook (.xls), which stpkit does not read; open it in Excel and save it as "
                "an Excel Workbook (.xlsx)")
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return "is a damaged zip file, not a workbook Excel can open; save the workbook again from Excel"
        if "xl/workbook.xml" not in names:
            return "is a zip file but not an Excel workbook (it has no xl/workbook.xml); save it from Excel as .xlsx"
        return None
    if b"\x00" not in head:
        try:
            text = head.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = head.decode("cp1252", errors="replace")
        if "," in text or ";" in text or "\t" in text:
            return ("is a text (CSV) file with a workbook's name, not an Excel workbook; put the CSV files in a "
                    "pack folder, or save the workbook from Excel as Excel Workbook (.xlsx)")
        if path.name == "pack.toml" or "[footprint]" in text:
            return "is a pack's settings file; give the folder that holds it"
    return "is not an Excel workbook (.xlsx or .xlsm)"


# ---------------------------------------------------------------------------------------------
# cells


def cell_text(value) -> str:
    """A cell as the text a CSV export would hold: 100.0 reads "100", 0.031 reads "0.031", a date "2016-04-01"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def _records(sheet) -> tuple[list[list[str]], set[tuple[int, int]]]:
    """The sheet's rows as text (row 0 is Excel's row 1) and the (row, column) of each cell Excel holds as a date."""
    rows = sheet.to_python(skip_empty_area=False)
    records, dates = [], set()
    for r, row in enumerate(rows):
        record = [value if type(value) is str else cell_text(value) for value in row]  # most cells are text
        if any(type(value) in (dt.date, dt.datetime) for value in row):
            dates.update((r + 1, c) for c, value in enumerate(row) if isinstance(value, (dt.date, dt.datetime)))
        records.append(record)
    _skip_merged_title(sheet, records)
    return records, dates


def _skip_merged_title(sheet, records: list[list[str]]) -> None:
    """A title above the header, written in cells merged across the columns, is not the header: blank it."""
    try:
        merged = sheet.merged_cell_ranges or []
    except Exception:  # noqa: BLE001 - a reader that cannot tell merged cells: nothing to skip
        return
    for index, record in enumerate(records):
        filled = [c for c, cell in enumerate(record) if cell.strip()]
        if not filled:
            continue
        if len(filled) == 1 and any(r0 <= index <= r1 and c0 == filled[0] and c1 > c0
                                    for (r0, c0), (r1, c1) in merged):
            records[index] = [""] * len(record)
            continue
        return


# ---------------------------------------------------------------------------------------------
# the settings sheet


def _settings_text(records: list[list[str]], problems: list[Problem]) -> tuple[str, dict[int, int]]:
    """pack.toml's text written from the settings sheet's rows, and each TOML line's Excel row."""
    header_index = next((i for i, rec in enumerate(records) if any(cell.strip() for cell in rec)), None)
    if header_index is None:
        problems.append(Problem(f"{SETTINGS_SHEET} sheet", "is empty; it needs section, key and value columns"))
        return "", {}
    header = [cell.strip().lower() for cell in records[header_index]]
    missing = [name for name in SETTINGS_COLUMNS if name not in header]
    if missing:
        problems.append(Problem(f"{SETTINGS_SHEET} sheet", f"the column {missing[0]} is missing from row "
                                f"{header_index + 1} (it has: {', '.join(h for h in header if h) or 'nothing'}); "
                                "the settings are rows of section, key and value", row=None))
        return "", {}
    at = {name: header.index(name) for name in SETTINGS_COLUMNS}
    sections: dict[str, list[tuple[str, str, int]]] = {}
    section = ""
    first_row: dict[tuple[str, str], int] = {}
    sheet = f"{SETTINGS_SHEET} sheet"
    for index in range(header_index + 1, len(records)):
        record = records[index] + [""] * len(header)
        given_section, key, value = (record[at[name]].strip() for name in SETTINGS_COLUMNS)
        section = given_section.strip("[] ") or section
        if not key or not value:
            continue
        row = index + 1
        if section not in SETTINGS:
            problems.append(Problem(sheet, f'"{section}" is not a section of the settings (known: '
                                    f'{", ".join(SETTINGS)})', cell=f"{column_letter(at['section'])}{row}"))
            continue
        if (section, key) in first_row:
            problems.append(Problem(sheet, f"{section} {key} is given twice (also row {first_row[section, key]})",
                                    cell=f"{column_letter(at['key'])}{row}"))
            continue
        first_row[section, key] = row
        sections.setdefault(section, []).append((key, value, row))
    lines, rows = [], {}
    for section, entries in sections.items():
        if section:
            lines.append(f"[{section if _BARE_KEY.match(section) else json.dumps(section)}]")
        for key, value, row in entries:
            spec = SETTINGS.get(section, {}).get(key, {})
            literal = _literal(value, spec.get("kind"))
            lines.append(f"{key if _BARE_KEY.match(key) else json.dumps(key)} = {literal}")
            rows[len(lines)] = row
    return "\n".join(lines) + "\n", rows


def _literal(value: str, kind: str | None) -> str:
    """A settings cell as a TOML value: numbers for number settings, quoted text for the rest."""
    if kind in ("number", "integer") and re.match(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$", value):
        return value
    return json.dumps(value)


# ---------------------------------------------------------------------------------------------
# the whole workbook


def _in_sheet_words(message: str) -> str:
    """A message's file names as the workbook's sheets: "localities.csv" reads "the localities sheet"."""
    for name in FILES:
        message = re.sub(rf"(?<![\w.]){re.escape(name)}", f"the {sheet_name(name)} sheet", message)
    return message.replace("pack.toml", f"the {SETTINGS_SHEET} sheet")


def _check_settings_sheet(records: list[list[str]], dates: set, problems: list[Problem]) -> dict:
    """The settings of the pack sheet, checked as pack.toml's are; problems name the sheet's cells."""
    sheet_problems: list[Problem] = []
    settings = {}
    text, rows = _settings_text(records, sheet_problems)
    settings = settings_from_text(text, sheet_problems) if text else {}
    header_at = next((i for i, rec in enumerate(records) if any(c.strip() for c in rec)), 0)
    header = [c.strip().lower() for c in records[header_at]] if records else []
    value_position = header.index("value") if "value" in header else 2
    for problem in sheet_problems:
        if problem.file != "pack.toml":
            problems.append(problem)
            continue
        row = rows.get(problem.row) if problem.row is not None else None
        message = _in_sheet_words(problem.message)
        if row is None:
            where = f"{problem.column}: " if problem.column else ""
            problems.append(Problem(f"{SETTINGS_SHEET} sheet", where + message))
            continue
        if (row, value_position) in dates:
            message += "; Excel holds this cell as a date: type the financial year as text, like 2016/17"
        label = problem.column.replace("[", "").replace("]", "") if problem.column else ""
        problems.append(Problem(f"{SETTINGS_SHEET} sheet", message,
                                cell=f"{column_letter(value_position)}{row}" + (f" ({label})" if label else "")))
    return settings


def check_workbook(path: str | Path) -> CheckResult:
    """Read and check a workbook pack; problems name the sheet and the Excel cell."""
    path = Path(path)
    tables = {name: ParsedTable(name) for name in FILES}
    refused = _not_a_workbook(path)
    if refused is None and path.suffix.lower() == ".xls":
        refused = "is named .xls but holds a newer workbook; rename it .xlsx"
    if refused:
        return CheckResult([Problem(str(path), refused)], {}, tables)
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        metadata = list(workbook.sheets_metadata)
    except Exception as error:  # noqa: BLE001 - a damaged file is one plain line
        return CheckResult([Problem(str(path), f"cannot be read as an Excel workbook ({type(error).__name__}: "
                                    f"{str(error).splitlines()[0] if str(error) else 'damaged'})")], {}, tables)
    notes: list[str] = []
    visible, hidden = {}, []
    for sheet in metadata:
        if sheet.visible != SheetVisibleEnum.Visible:
            hidden.append(sheet.name)
        else:
            visible.setdefault(sheet.name.strip().lower().removesuffix(".csv"), sheet.name)
    wanted = {sheet_name(name): name for name in ["pack.toml", *FILES]}
    for name in hidden:
        notes.append(f'the hidden sheet "{name}" was ignored; unhide it if it belongs to the pack')
    for key, name in visible.items():
        if key not in wanted and key != INSTRUCTIONS_SHEET:
            notes.append(f'the sheet "{name}" is not part of a pack and was ignored')
    problems: list[Problem] = []
    found = ", ".join(s.name for s in metadata) or "none"

    def missing(filename: str) -> Problem:
        sheet = sheet_name(filename)
        extra = [n for k, n in visible.items() if k not in wanted]
        close = difflib.get_close_matches(sheet, [n.lower() for n in extra], n=1, cutoff=0.6)
        hint = "; ".join(filter(None, [
            f'is "{next(n for n in extra if n.lower() == close[0])}" it? rename it {sheet}' if close else "",
            f"a hidden sheet named {sheet} was ignored: unhide it" if sheet in {h.strip().lower() for h in hidden}
            else ""]))
        what = "pack.toml's settings as section, key and value rows" if filename == "pack.toml" else filename
        return Problem(f"{sheet} sheet", f"is missing (it holds {what}); the workbook has the sheets: {found}"
                       + (f"; {hint}" if hint else ""))

    settings = {}
    if SETTINGS_SHEET in visible:
        settings = _check_settings_sheet(*_records(workbook.get_sheet_by_name(visible[SETTINGS_SHEET])), problems)
    else:
        problems.append(missing("pack.toml"))
    where: dict[str, set] = {}
    for name, schema in FILES.items():
        sheet = sheet_name(name)
        if sheet in visible:
            records, dates = _records(workbook.get_sheet_by_name(visible[sheet]))
            before = len(problems)
            table = read_records(records, schema, problems)
            if not schema.required and not table.rows and len(problems) == before:
                continue  # an optional sheet left with its header only (as the template has it): as if absent
            tables[name] = table
            where[name] = dates
        elif schema.required:
            problems.append(missing(name))
    result = check_tables(settings, tables, problems)
    result.problems = [_locate(problem, tables, where) for problem in result.problems]
    result.notes = notes
    return result


def _locate(problem: Problem, tables: dict[str, ParsedTable], dates: dict[str, set]) -> Problem:
    """A problem found in a sheet's cells, named as Excel shows it: the sheet and the cell."""
    if problem.file not in dates:
        return problem
    table = tables[problem.file]
    sheet = f"{sheet_name(problem.file)} sheet"
    message = _in_sheet_words(problem.message)
    position = table.positions.get(problem.column) if problem.column else None
    if problem.row is not None and position is not None:
        if (problem.row, position) in dates[problem.file]:
            kind = next((c.kind for c in FILES[problem.file].columns if c.name == problem.column), "")
            message += ("; Excel holds this cell as a date: type the financial year as text, like 2016/17"
                        if kind in ("fy", "quarter") else "; Excel holds this cell as a date")
        return Problem(sheet, message, cell=f"{column_letter(position)}{problem.row}")
    return Problem(sheet, message, row=problem.row, column=problem.column)
