"""The workbook to fill in: `stpkit template OUT.xlsx [--from PACK]`.

A first sheet says what each sheet is for, which are required and where its figures usually come
from; then one sheet per pack file with its header row (each column's unit and rule as a cell
comment), drop-down lists where a column has a fixed set of values, number formats (a growth of
0.031 shows as 3.1%), a frozen header row, and a `pack` sheet of pack.toml's settings as section /
key / value rows. With a pack, the sheets hold its data (the default pack's as the worked example).
"""

from __future__ import annotations

import re
from pathlib import Path

from .convert import ConvertError
from .schema import FILES, SETTINGS, Column, FileSchema
from .sheets import INSTRUCTIONS_SHEET, SETTINGS_COLUMNS, SETTINGS_SHEET, column_letter, sheet_name
from .validate import range_parts
from .years import format_fy

# where a planning analyst usually finds each file's figures
USUAL_SOURCES = {
    "localities.csv": "GP practice registers (NHS Digital, Patients Registered at a GP Practice) summed to "
                      "localities; IMD 2015 scores; the CCGs' locality lists",
    "activity.csv": "base-year SUS or HES activity by locality and point of delivery, from the contracting or "
                    "business intelligence team",
    "pods.csv": "growth from the CCGs' operating plans; unit costs from tariff or reference costs (finance)",
    "risk_segments.csv": "the risk stratification tool's population pyramid; left out, the seed 001 pyramid is used",
    "schemes.csv": "the transformation programme's schemes and the share of activity each is planned to avoid",
    "targets.csv": "the STP's published activity target tables, where they set a figure for a locality",
    "investments.csv": "the STP finance plan: pump priming (revenue) and capital by year",
    "initiatives.csv": "the STP finance plan's initiative table: gross and net savings, investment, stranded cost",
    "workforce.csv": "ESR or the workforce plan: staff in post, cost, leavers and joiners by staff group",
    "roles.csv": "the workforce plan's new roles and training, with their costs and start years",
    "staff_activity.csv": "the workforce plan: which hospital activity each staff group's work follows",
    "enablers.csv": "the localities' own self-assessment against the STP's enabler criteria",
    "phasing.csv": "the programme plan: the quarter each locality reaches each level",
    "sources.csv": "you: where each of the figures above came from, in a reader's words",
    "priorities.csv": "the STP's plan on a page: its priorities, in its own order",
    "milestones.csv": "the programme plan: each initiative's milestones by quarter",
    "dependencies.csv": "the programme office's view of which workstream depends on which",
    "risks.csv": "the programme's risk register",
    "length_of_stay.csv": "SUS or HES spells: mean length of stay by point of delivery (the BI team)",
    "los_changes.csv": "the schemes that shorten stays, with the share of bed days each is planned to save",
    "levels_of_care.csv": "a bed audit of the levels of care patients need, and finance's cost of a staffed bed a day",
}

PLAN_YEARS = [format_fy(year) for year in range(2010, 2036)]  # the drop-down of financial years
DATA_ROWS = 2000  # rows below the header that carry the drop-downs and formats when a sheet is empty
_GBP = re.compile(r"\bGBP\b")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def _rule(col: Column) -> str:
    kinds = {"text": "text", "number": "a number", "integer": "a whole number",
             "fy": "a financial year written as text, like 2017/18", "quarter": "a quarter, like 2016/17 Q3",
             "bool": "true or false", "choice": "one of: " + ", ".join(col.choices)}
    parts = [kinds[col.kind], *range_parts(col)]  # bounds as validation words them: at most 100,000,000, not 1e+08
    if col.fraction:
        parts.append("a fraction: type 3.1% or 0.031")
    return "; ".join(parts)


def _number_format(col: Column) -> str | None:
    if col.kind in ("text", "fy", "quarter", "choice", "bool"):
        return "@"  # kept as typed: Excel must not turn 2016/17 into a date
    if col.fraction:
        return "0.0##%"
    if _GBP.search(col.description) or col.name in ("unit_cost", "amount"):
        return "\u00a3#,##0.00"
    if col.kind == "integer":
        return "0"
    return "#,##0.####"


def _schema_column(schema: FileSchema, name: str) -> Column | None:
    """The schema's column for a header cell, with <column>_low and _high taking their column's rules."""
    base = re.sub(r"_(low|high)$", "", name)
    column = next((c for c in schema.columns if c.name == name), None)
    if column is None and base in schema.low_high:
        column = schema.column(base)
    return column


def typed_cell(text: str, col: Column | None):
    """A pack cell written for Excel: numbers as numbers in number columns, everything else as text."""
    text = text.strip()
    if col is not None and col.kind in ("number", "integer") and _NUMBER.match(text):
        value = float(text)
        return int(value) if col.kind == "integer" and value.is_integer() else value
    return text


def write_template(out: str | Path, raw=None) -> Path:
    """Write the workbook to fill in; with `raw` (a pack read by stpkit.convert.read_raw) it holds that pack."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    out = Path(out)
    if raw is not None:
        _check_storable(raw)
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    workbook = Workbook()
    intro = workbook.active
    intro.title = INSTRUCTIONS_SHEET
    intro.append(["A footprint pack for stpkit, as one workbook"])
    intro["A1"].font = Font(bold=True, size=14)
    for line in (
            "Fill in one sheet per table and the pack sheet of settings, then run: stpkit validate THIS.xlsx",
            "Each problem names the sheet and the cell to put right. Then: stpkit reports THIS.xlsx --out DIR, "
            "or stpkit apps --pack THIS.xlsx.",
            "Keep the header row (row 1) of each sheet as it is; hover over a header cell for the column's unit "
            "and rule. Rates are fractions: type 3.1% or 0.031. Years are financial years typed as text, 2017/18.",
            "Sheets not listed here, and hidden sheets, are ignored (stpkit validate says so). Formulas are fine: "
            "their values as Excel last saved them are read; macros are never run.",
            ""):
        intro.append([line])
    intro.append(["sheet", "required", "what it is for", "where its figures usually come from",
                  "without it"])
    for cell in intro[intro.max_row]:
        cell.font, cell.fill = bold, header_fill
    intro.append([SETTINGS_SHEET, "yes", "the footprint's name, base and horizon years and settings (pack.toml)",
                  "the STP's own plan", ""])
    for name, schema in FILES.items():
        intro.append([sheet_name(name), "yes" if schema.required else "no", schema.description,
                      USUAL_SOURCES.get(name, ""), "" if schema.required else schema.default_note])
    for letter, width in zip("ABCDE", (16, 10, 60, 70, 50)):
        intro.column_dimensions[letter].width = width
    for row in intro.iter_rows(min_row=8):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    settings_sheet = workbook.create_sheet(SETTINGS_SHEET)
    settings_sheet.append([*SETTINGS_COLUMNS, "what it means"])
    given = raw.settings if raw is not None else {}
    choices_rows: list[tuple[int, tuple]] = []
    for section, keys in SETTINGS.items():
        for key, spec in keys.items():
            value = given.get(section, {}).get(key)  # blank: the default
            default = spec.get("default_text") or ("required" if spec["default"] is None else f"default {spec['default']}")
            settings_sheet.append([section, key, value, "; ".join(filter(None, [default, spec.get("description", "")]))])
            row = settings_sheet.max_row
            value_cell = settings_sheet.cell(row, 3)
            value_cell.number_format = "@" if spec["kind"] in ("text", "fy") else (
                "0.0##%" if spec.get("fraction") else "General")
            if spec.get("choices"):
                choices_rows.append((row, spec["choices"]))
            elif spec["kind"] == "fy":
                choices_rows.append((row, tuple(PLAN_YEARS)))
    for section, values in given.items():  # settings stpkit does not know are kept, for validate to name
        for key, value in values.items():
            if key not in SETTINGS.get(section, {}):
                settings_sheet.append([section, key, value, ""])
    for row, choices in choices_rows:
        check = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
        settings_sheet.add_data_validation(check)
        check.add(f"C{row}")
    _header_style(settings_sheet, bold, header_fill, (12, 28, 18, 90))

    for name, schema in FILES.items():
        sheet = workbook.create_sheet(sheet_name(name))
        records = raw.files.get(name) if raw is not None else None
        header = records[0] if records else [c.name for c in schema.columns]
        sheet.append(header)
        columns = [_schema_column(schema, h.strip().lower()) for h in header]
        formats = [_number_format(col) if col is not None else None for col in columns]
        for row, record in enumerate(records[1:] if records else [], start=2):
            for position in range(len(header)):
                value = typed_cell(record[position] if position < len(record) else "", columns[position])
                cell = sheet.cell(row, position + 1, value)
                if formats[position]:
                    cell.number_format = formats[position]
        last = max(len(records or []), 1) + DATA_ROWS
        for position, (cell, col) in enumerate(zip(sheet[1], columns)):
            letter = column_letter(position)
            if col is None:
                continue
            sheet.column_dimensions[letter].number_format = formats[position]  # for the rows typed in later
            need = "required" if col.required and col.name == cell.value else "optional"
            blank = "may be left blank" if col.blank_ok else "every row needs a value"
            comment = Comment(f"{cell.value}: {col.description or col.name}\n{_rule(col)}\n{need}; {blank}", "stpkit")
            comment.width, comment.height = 300, 120
            cell.comment = comment
            choices = col.choices or (("true", "false") if col.kind == "bool" else
                                      tuple(PLAN_YEARS) if col.kind == "fy" else
                                      tuple(str(i) for i in range(int(col.min), int(col.max) + 1))
                                      if col.kind == "integer" and col.min is not None and col.max is not None
                                      and col.max - col.min <= 10 else ())
            if choices:
                check = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=col.blank_ok,
                                       showErrorMessage=col.kind != "fy")
                sheet.add_data_validation(check)
                check.add(f"{letter}2:{letter}{last}")
        _header_style(sheet, bold, header_fill, [max(12, min(40, len(str(h)) + 4)) for h in header])
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.partial")
    workbook.save(temporary)
    temporary.replace(out)  # nothing half-written
    return out


def _check_storable(raw) -> None:
    """ConvertError, in one line, for a cell holding a control character that a workbook cannot store."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def refuse(where: str, text: str) -> None:
        found = ILLEGAL_CHARACTERS_RE.search(text)
        if found:
            raise ConvertError(f"{where}: holds a control character (code {ord(found.group())}) that a workbook "
                               "cannot store; remove it first")

    for section, values in raw.settings.items():
        for key, value in (values.items() if isinstance(values, dict) else [("", values)]):
            refuse(f"pack.toml [{section}] {key}", f"{section}{key}{value}")
    for name, records in raw.files.items():
        header = records[0] if records else []
        for row, record in enumerate(records, start=1):
            for position, text in enumerate(record):
                column = header[position].strip() if position < len(header) and row > 1 else column_letter(position)
                refuse(f"{name} row {row}, {column}", text)


def _header_style(sheet, bold, fill, widths) -> None:
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
    sheet.freeze_panes = "A2"
    for position, width in enumerate(widths):
        sheet.column_dimensions[column_letter(position)].width = width
