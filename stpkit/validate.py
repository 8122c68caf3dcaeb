"""Checking a footprint data pack before anything runs on it.

`check_pack` reads every file of a pack once, checks it against `stpkit.schema`, and returns the
parsed values together with every problem found. Each problem is one line a finance analyst can act
on: the file, the spreadsheet row (the header is row 1), the column, and what is wrong, e.g.
``localities.csv row 3, population: "23K" is not a number``. Nothing is fixed up silently: a pack
with any problem is refused as a whole.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .schema import FILES, POD_LABELS, POINTS_OF_DELIVERY, REQUIRED_FILES, SETTINGS, Column, FileSchema
from .years import format_fy, parse_fy, parse_quarter

_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_NUMBER = 1e12  # no planning figure reaches a million million (GBP, people, activity or days)
FIRST_PLAN_YEAR, LAST_PLAN_YEAR = 1990, 2100  # financial years a plan may name: 1990/91 to 2100/01


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack, located as precisely as the file allows."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    cell: str | None = None  # a workbook's cell as Excel names it, such as C14

    def __str__(self) -> str:
        return _one_line(self._text())

    def _text(self) -> str:
        if self.cell is not None:
            return f"{self.file}, cell {self.cell}: {self.message}"
        where = self.file
        if self.row is not None:
            where += f" {'line' if self.file.endswith('.toml') else 'row'} {self.row}"
        if self.column is not None:
            where += f", {self.column}" if self.row is not None else f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ParsedTable:
    """A file's values by column (parsed), with the spreadsheet row number of each record."""

    name: str
    columns: dict[str, list] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)
    present: bool = False
    reported: set[int] = field(default_factory=set)  # rows with a problem already reported
    unread: dict[str, list[str]] = field(default_factory=dict)  # column -> cells that could not be read, as written
    positions: dict[str, int] = field(default_factory=dict)  # header name -> its position (0 is the first column)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class CheckResult:
    problems: list[Problem]
    settings: dict
    tables: dict[str, ParsedTable]
    notes: list[str] = field(default_factory=list)  # what was read but not used, such as a workbook's extra sheets

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------------------------------------
# did you mean


CHOICE_LABELS = {POINTS_OF_DELIVERY: POD_LABELS}  # the words planners use for a column's codes


def _squash(text: str) -> str:
    """Lower case letters and digits only: "A&E" reads "ae", "Non-elective" reads "nonelective"."""
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def did_you_mean(raw: str, choices: tuple[str, ...], labels: dict[str, str] | None = None) -> str | None:
    """The choice a mistyped value most likely stands for, or None.

    Compared without case, spaces or punctuation, against each code, its label (POD_LABELS: "A&E
    attendances") and each word found in only one label ("emergency" is non_elective), then by
    closeness (difflib: "outpatients" is outpatient).
    """
    found: dict[str, set[str]] = {}
    for choice in choices:
        found.setdefault(_squash(choice), set()).add(choice)
    for choice, label in (labels or {}).items():
        found.setdefault(_squash(label), set()).add(choice)
        for word in re.findall(r"[a-z0-9]+", label.lower()):
            if len(word) >= 3:
                found.setdefault(word, set()).add(choice)
    unique = {text: next(iter(names)) for text, names in found.items() if len(names) == 1 and text}
    wanted = _squash(raw)
    if not wanted:
        return None
    if wanted in unique:
        return unique[wanted]
    close = difflib.get_close_matches(wanted, list(unique), n=1, cutoff=0.75)
    return unique[close[0]] if close else None


def _guess_words(guess: str, labels: dict[str, str] | None) -> str:
    label = (labels or {}).get(guess)
    return f"did you mean {guess} ({label})?" if label else f"did you mean {guess}?"


def _plain_numbers(text: str) -> str:
    """Lower case, with numbers written without leading zeros: "MSE05" and "mse5" both read "mse5"."""
    return re.sub(r"\d+", lambda m: str(int(m.group())), str(text).lower())


def closest_locality(text: str, ids: list[str], names: list[str]) -> tuple[str, str] | None:
    """(locality_id, name) of the locality whose id or name is closest to `text` (difflib), if any is close."""
    best, best_score = None, 0.6
    wanted_id, wanted_name = _plain_numbers(text), str(text).strip().casefold()
    for locality_id, name in zip(ids, names):
        for score in (difflib.SequenceMatcher(None, wanted_id, _plain_numbers(locality_id)).ratio(),
                      difflib.SequenceMatcher(None, wanted_name, str(name).strip().casefold()).ratio()):
            if score > best_score:
                best, best_score = (str(locality_id), str(name).strip()), score
    return best


# ---------------------------------------------------------------------------------------------
# cells


def _one_line(text: str) -> str:
    """A problem is one line: a line break inside a quoted cell is shown as \\n."""
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


QUOTED_CHARACTERS = 60  # a longer cell is shown cut, as its start and "..."


def _quote(raw: str) -> str:
    shown = raw if len(raw) <= QUOTED_CHARACTERS else raw[:QUOTED_CHARACTERS - 3] + "..."
    return '"' + shown.replace('"', "'") + '"'


def range_parts(col: Column) -> list[str]:
    """A column's bounds in words, lowest first: ["at least 0", "at most 100,000,000"] (the template says them too)."""
    def shown(value: float) -> str:  # 100,000,000 rather than 1e+08
        return f"{value:,.0f}" if abs(value) >= 1e6 and float(value).is_integer() else f"{value:g}"

    parts = []
    if col.min is not None:
        parts.append(("more than " if col.min_exclusive else "at least ") + shown(col.min))
    if col.max is not None:
        parts.append(("less than " if col.max_exclusive else "at most ") + shown(col.max))
    return parts


def _range_words(col: Column) -> str:
    return " and ".join(range_parts(col))


def parse_number(raw: str, col: Column) -> tuple[float | None, str | None]:
    """Parse a numeric cell; returns (value, None) or (None, message)."""
    text = raw.replace("\u00a3", "").strip()  # a leading pound sign is harmless
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return None, f"{_quote(raw)} is not a number"
    value = float(text)
    if not math.isfinite(value):
        return None, f"{_quote(raw)} is not a number"
    if abs(value) > MAX_NUMBER:
        return None, f"{_quote(raw)} is too large for any planning figure (more than a million million); check its units"
    if percent:
        if not col.fraction:
            return None, f"{_quote(raw)} is a percentage; write a plain number"
        value /= 100.0
    if col.kind == "integer" and value != int(value):
        return None, f"{_quote(raw)} is not a whole number"
    too_low = col.min is not None and (value <= col.min if col.min_exclusive else value < col.min)
    too_high = col.max is not None and (value >= col.max if col.max_exclusive else value > col.max)
    if too_high and col.fraction and not percent and 1 < abs(value) <= 100:
        as_fraction = value / 100.0
        ok_low = col.min is None or (as_fraction > col.min if col.min_exclusive else as_fraction >= col.min)
        ok_high = col.max is None or (as_fraction < col.max if col.max_exclusive else as_fraction <= col.max)
        if ok_low and ok_high and as_fraction >= col.percent_min:
            return None, (f"{_quote(raw)} looks like a percentage: write {raw.strip()}% as a fraction, "
                          f"{as_fraction:g}")
    if too_low or too_high:
        if too_low and value < 0 and (col.min is not None and col.min >= 0):
            return None, f"{_quote(raw)} is negative; {col.name} must be {range_parts(col)[0]}"
        return None, f"{_quote(raw)} is out of range; {col.name} must be {_range_words(col)}"
    return value, None


def plan_year(year: int, raw: str) -> int:
    """The year, or ValueError when it lies outside the years any plan covers (1990/91 to 2100/01)."""
    if not FIRST_PLAN_YEAR <= year <= LAST_PLAN_YEAR:
        raise ValueError(f"{_quote(str(raw))} is outside the years a plan can cover, {format_fy(FIRST_PLAN_YEAR)} to "
                         f"{format_fy(LAST_PLAN_YEAR)}")
    return year


def parse_cell(raw: str, col: Column) -> tuple[object, str | None]:
    """Parse one non-blank cell of the given column."""
    if col.kind in ("number", "integer"):
        value, message = parse_number(raw, col)
        if value is not None and col.kind == "integer":
            value = int(value)
        return value, message
    if col.kind == "text":
        return raw, None
    if col.kind == "choice":
        value = raw.lower()
        if value not in col.choices:
            labels = CHOICE_LABELS.get(col.choices)
            guess = did_you_mean(raw, col.choices, labels)
            hint = f"; {_guess_words(guess, labels)}" if guess else ""
            return None, f"{_quote(raw)} is not one of: {', '.join(col.choices)}{hint}"
        return value, None
    if col.kind == "fy":
        try:
            return plan_year(parse_fy(raw), raw), None
        except ValueError as error:
            return None, str(error)
    if col.kind == "quarter":
        try:
            quarter = parse_quarter(raw)
            plan_year(quarter // 4, raw)
            return quarter, None
        except ValueError as error:
            return None, str(error)
    if col.kind == "bool":
        low = raw.lower()
        if low in _TRUE:
            return True, None
        if low in _FALSE:
            return False, None
        return None, f"{_quote(raw)} is not true or false"
    raise ValueError(f"unknown column kind {col.kind}")


# ---------------------------------------------------------------------------------------------
# files


def _read_text(path: Path, name: str, problems: list[Problem]) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as error:
        problems.append(Problem(name, f"cannot be read ({error.strerror or error})"))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(name, f"is {len(data) // 2**20} MB, too large for a pack file"))
        return None
    binary = Problem(name, "is not a text file (it holds binary data); save it as CSV UTF-8"
                     if name.endswith(".csv") else "is not a text file (it holds binary data)")
    if b"\x00" in data:
        problems.append(binary)
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # a plain "CSV" export from Excel on Windows
        except UnicodeDecodeError:
            problems.append(binary)
            return None
    if len(_CONTROL.findall(text[:65536])) > max(2, len(text[:65536]) // 200):
        problems.append(binary)
        return None
    return text.lstrip("\ufeff")


def read_csv(path: Path, schema: FileSchema, problems: list[Problem]) -> ParsedTable:
    """Read and check one CSV file against its schema; parsed values go in the returned table."""
    name = schema.name
    table = ParsedTable(name)
    text = _read_text(path, name, problems)
    if text is None:
        return table
    if not text.strip():
        problems.append(Problem(name, "is empty; it needs a header row and rows of data"))
        return table
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        problems.append(Problem(name, f"is not a readable CSV file ({error})"))
        return table
    return read_records(records, schema, problems)


def read_records(records: list[list[str]], schema: FileSchema, problems: list[Problem]) -> ParsedTable:
    """Check a file's cells, given as rows of text (the first is spreadsheet row 1), against its schema."""
    name = schema.name
    table = ParsedTable(name)
    start = len(problems)
    header_index = next((i for i, rec in enumerate(records) if any(cell.strip() for cell in rec)), None)
    if header_index is None:
        problems.append(Problem(name, "has no header row: every line is blank or holds only separators and quotes"))
        return table
    header = [cell.strip().lstrip("\ufeff").lower() for cell in records[header_index]]
    seen: dict[str, int] = {}
    for position, column in enumerate(header):
        if column and column in seen:
            problems.append(Problem(name, f"the column {column} appears twice in the header", row=header_index + 1))
        seen.setdefault(column, position)
    table.positions = {column: position for column, position in seen.items() if column}
    expected = {c.name for c in schema.columns}
    missing = [c.name for c in schema.columns if c.required and c.name not in seen]
    misspelt = _misspelt_columns(schema, seen)
    for column in missing:
        # a point value may be left out when its 80% interval is given instead
        if column in schema.low_high and f"{column}_low" in seen and f"{column}_high" in seen:
            continue
        typed = [given for given, meant in misspelt.items() if meant == column]
        hint = f'; "{typed[0]}" looks like {column} misspelt' if typed else ""
        problems.append(Problem(name, f"the column {column} is missing (the header has: "
                                f"{', '.join(h for h in header if h) or 'nothing'}){hint}", row=header_index + 1))
    for given, meant in misspelt.items():
        if meant not in missing:  # an optional column misspelt would be ignored without a word
            problems.append(Problem(name, f"is not a column of {name}; did you mean {meant}? (as written it "
                                    "would be ignored)", row=header_index + 1, column=given))
    if len(problems) > start:
        table.reported.add(header_index + 1)
        return table
    table.present = True
    columns = [c for c in schema.columns if c.name in seen]
    intervals = []
    for base in schema.low_high:
        if f"{base}_low" in seen or f"{base}_high" in seen:
            col = schema.column(base)
            for suffix in ("_low", "_high"):
                columns.append(Column(base + suffix, col.kind, required=False, blank_ok=True, min=col.min,
                                      min_exclusive=col.min_exclusive, max=col.max,
                                      max_exclusive=col.max_exclusive, fraction=col.fraction))
            intervals.append(base)
    for col in columns:
        table.columns[col.name] = []
    for column in expected - {c.name for c in columns}:
        table.columns[column] = []
    absent = [c for c in schema.columns if c.name not in seen]
    width = len(header)
    for index in range(header_index + 1, len(records)):
        record = records[index]
        if not any(cell.strip() for cell in record):
            continue
        row = index + 1
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            problems.append(Problem(name, f"has {len(record)} cells but the header names {width} columns", row=row))
            table.reported.add(row)
            for column, position in seen.items():  # what the row would have said, for the checks that follow
                table.unread.setdefault(column, []).append(record[position].strip() if position < len(record) else "")
            continue
        table.rows.append(row)
        for col in absent:
            table.columns[col.name].append(None)
        for col in columns:
            position = seen.get(col.name)
            raw = record[position].strip() if position is not None and position < len(record) else ""
            if not raw:
                interval_given = col.name in intervals and all(
                    seen.get(col.name + s) is not None and seen[col.name + s] < len(record)
                    and record[seen[col.name + s]].strip() for s in ("_low", "_high"))
                if not col.blank_ok and not interval_given:
                    what = "a number" if col.kind in ("number", "integer") else "a value"
                    problems.append(Problem(name, f"is empty; {what} is needed", row=row, column=col.name))
                    table.reported.add(row)
                    table.unread.setdefault(col.name, []).append("")
                table.columns[col.name].append(None)
                continue
            value, message = parse_cell(raw, col)
            if message:
                problems.append(Problem(name, message, row=row, column=col.name))
                table.reported.add(row)
                table.unread.setdefault(col.name, []).append(raw)
            table.columns[col.name].append(value)
    if not table.rows and schema.required:
        problems.append(Problem(name, "has a header but no rows of data"))
    _check_intervals(table, intervals, problems)
    _check_keys(table, schema, problems)
    return table


def _misspelt_columns(schema: FileSchema, seen: dict[str, int]) -> dict[str, str]:
    """Header cells that are no column of the file but look like one it lacks: {as written: column}."""
    known = [c.name for c in schema.columns]
    known += [f"{base}{end}" for base in schema.low_high for end in ("_low", "_high")]
    absent = [k for k in known if k not in seen]
    by_squash = {_squash(k): k for k in absent}
    found = {}
    for given in seen:
        if not given or given in known:
            continue
        meant = by_squash.get(_squash(given))
        if meant is None:
            close = difflib.get_close_matches(given, absent, n=1, cutoff=0.8)
            meant = close[0] if close else None
        if meant is not None and meant not in found.values():
            found[given] = meant
    return found


def _check_intervals(table: ParsedTable, intervals: list[str], problems: list[Problem]) -> None:
    before = len(problems)
    for base in intervals:
        lows, highs, points = table.columns[f"{base}_low"], table.columns[f"{base}_high"], table.columns[base]
        for i, row in enumerate(table.rows):
            low, high, point = lows[i], highs[i], points[i]
            if (low is None) != (high is None):
                given = f"{base}_low" if low is not None else f"{base}_high"
                other = f"{base}_high" if low is not None else f"{base}_low"
                problems.append(Problem(table.name, f"{given} is given without {other}; give both or neither",
                                        row=row, column=other))
            elif low is not None and high is not None:
                if low > high:
                    problems.append(Problem(table.name, f"the low value {low:g} is above the high value {high:g}",
                                            row=row, column=f"{base}_low"))
                elif point is None:
                    points[i] = (low + high) / 2.0
                elif not low <= point <= high:
                    problems.append(Problem(table.name, f"{point:g} is outside its own interval "
                                            f"{low:g} to {high:g}", row=row, column=base))
    table.reported.update(p.row for p in problems[before:])


def _check_keys(table: ParsedTable, schema: FileSchema, problems: list[Problem]) -> None:
    if not schema.key or not table.rows:
        return
    first_row: dict[tuple, int] = {}
    keys = list(zip(*(table.columns[k] for k in schema.key)))
    for row, key in zip(table.rows, keys):
        if any(part is None for part in key):
            continue
        norm = tuple(str(part).lower() for part in key)
        if norm in first_row:
            what = " and ".join(f'{k} "{v}"' for k, v in zip(schema.key, key))
            problems.append(Problem(schema.name, f"{what} appears twice (also row {first_row[norm]})",
                                    row=row, column=schema.key[-1] if len(schema.key) == 1 else None))
            table.reported.add(row)
        else:
            first_row[norm] = row


# ---------------------------------------------------------------------------------------------
# pack.toml


def _toml_line(text: str, section: str, key: str) -> int | None:
    """The line of `key = ...` inside `[section]`, for pointing at a bad setting."""
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped.strip("[] ").strip()
        elif current == section and re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return None


def read_settings(path: Path, problems: list[Problem]) -> dict:
    """Read pack.toml, check every known setting, and fill documented defaults."""
    name = "pack.toml"
    text = _read_text(path, name, problems)
    if text is None:
        return {}
    return settings_from_text(text, problems)


def toml_problem(file: str, error: tomllib.TOMLDecodeError) -> Problem:
    """A TOML syntax error as one line naming the file, its line and character."""
    message = str(error)
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
    if match:
        return Problem(file, f"is not valid TOML: {detail}", row=int(match.group(1)),
                       column=f"character {match.group(2)}")
    return Problem(file, f"is not valid TOML: {detail}")


def settings_from_text(text: str, problems: list[Problem]) -> dict:
    """Check the settings written as pack.toml's text, and fill documented defaults."""
    name = "pack.toml"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        problems.append(toml_problem(name, error))
        return {}
    settings: dict[str, dict] = {}
    for section, keys in SETTINGS.items():
        given = raw.get(section, {})
        if not isinstance(given, dict):
            problems.append(Problem(name, f"[{section}] must be a table of settings"))
            given = {}
        values = {}
        for key, spec in keys.items():
            row = _toml_line(text, section, key)
            where = f"[{section}] {key}"
            if key not in given:
                if spec["default"] is None and not spec.get("optional"):
                    problems.append(Problem(name, f"{where} is missing", row=None))
                values[key] = spec["default"]
                continue
            value = given[key]
            if spec["kind"] == "text":
                if not isinstance(value, str) or not value.strip():
                    problems.append(Problem(name, "must be a non-empty text in quotes", row=row, column=where))
                elif spec.get("choices") and value.strip().lower() not in spec["choices"]:
                    problems.append(Problem(name, f'"{value}" is not one of: {", ".join(spec["choices"])}',
                                            row=row, column=where))
                values[key] = str(value).strip().lower() if spec.get("choices") else str(value).strip()
            elif spec["kind"] == "fy":
                try:
                    values[key] = plan_year(parse_fy(str(value)), str(value))
                except ValueError as error:
                    problems.append(Problem(name, str(error), row=row, column=where))
                    values[key] = None
            else:
                col = Column(key, spec["kind"], min=spec.get("min"), min_exclusive=spec.get("min_exclusive", False),
                             max=spec.get("max"), fraction=spec.get("fraction", False),
                             percent_min=spec.get("percent_min", 0.0))
                if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                    problems.append(Problem(name, f"{value!r} is not a number", row=row, column=where))
                    values[key] = spec["default"]
                    continue
                parsed, message = parse_number(str(value), col)
                if message:
                    problems.append(Problem(name, message, row=row, column=where))
                    parsed = spec["default"]
                values[key] = int(parsed) if spec["kind"] == "integer" and parsed is not None else parsed
        for key in given:
            if key not in keys:
                known = ", ".join(keys)
                problems.append(Problem(name, f"unknown setting (known in [{section}]: {known})",
                                        row=_toml_line(text, section, key), column=f"[{section}] {key}"))
        settings[section] = values
    for section in raw:
        if section not in SETTINGS and not isinstance(raw[section], dict):
            problems.append(Problem(name, f"{section} must sit inside a section such as [footprint]",
                                    row=_toml_line(text, "", section) or None))
    footprint = settings["footprint"]
    base, horizon = footprint.get("base_year"), footprint.get("horizon_year")
    if base is not None and horizon is not None and horizon <= base:
        problems.append(Problem(name, f"the horizon year {horizon}/{(horizon + 1) % 100:02d} must come after the base "
                                f"year {base}/{(base + 1) % 100:02d}", row=_toml_line(text, "footprint", "horizon_year"),
                                column="[footprint] horizon_year"))
    _check_appraisal_settings(settings, text, problems)
    return settings


def _check_appraisal_settings(settings: dict, text: str, problems: list[Problem]) -> None:
    """Year 0 between the base and horizon years; the appraisal period reaching the horizon year."""
    base, horizon = settings["footprint"].get("base_year"), settings["footprint"].get("horizon_year")
    invest = settings.get("investment", {})
    first, count = invest.get("first_year"), invest.get("appraisal_years")
    if base is None or horizon is None or horizon <= base:
        return
    if first is not None and not base <= first <= horizon:
        problems.append(Problem("pack.toml", f"year 0 {format_fy(first)} must be between the base year "
                                f"{format_fy(base)} and the horizon year {format_fy(horizon)}",
                                row=_toml_line(text, "investment", "first_year"), column="[investment] first_year"))
        return
    start = base + 1 if first is None else first
    if count is not None and start + count - 1 < horizon:
        problems.append(Problem("pack.toml", f"{count} appraisal years from {format_fy(start)} end in "
                                f"{format_fy(start + count - 1)}, before the horizon year {format_fy(horizon)}; "
                                f"give at least {horizon - start + 1}",
                                row=_toml_line(text, "investment", "appraisal_years"),
                                column="[investment] appraisal_years"))
    delivery = settings.get("delivery", {})
    low, high = delivery.get("factor_low"), delivery.get("factor_high")
    if low is not None and high is not None and low > high:
        problems.append(Problem("pack.toml", f"factor_low {low:g} is above factor_high {high:g}",
                                row=_toml_line(text, "delivery", "factor_low"), column="[delivery] factor_low"))


def _check_investment_years(settings: dict, tables: dict[str, ParsedTable], problems: list[Problem]) -> None:
    """Every investments.csv year inside the fixed appraisal period (pack.toml [investment])."""
    table = tables["investments.csv"]
    base, horizon = settings.get("footprint", {}).get("base_year"), settings.get("footprint", {}).get("horizon_year")
    if not table.present or base is None or horizon is None or horizon <= base:
        return
    invest = settings.get("investment", {})
    first = invest.get("first_year") or base + 1
    count = invest.get("appraisal_years") or horizon - first + 1
    last = first + max(count, 1) - 1
    for row, year in zip(table.rows, table.columns.get("year", [])):
        if year is not None and not first <= year <= last:
            problems.append(Problem("investments.csv", f"{format_fy(year)} is outside the appraisal period "
                                    f"{format_fy(first)} to {format_fy(last)} (pack.toml [investment] first_year and "
                                    f"appraisal_years)", row=row, column="year"))


# ---------------------------------------------------------------------------------------------
# the whole pack (the checks across files are in stpkit.cross_checks)


def check_pack(path: str | Path) -> CheckResult:
    """Read and check a whole pack; every problem found is returned, not only the first."""
    path = Path(path)
    problems: list[Problem] = []
    tables = {name: ParsedTable(name) for name in FILES}
    if path.is_file():  # a workbook, or a file that should have been one
        from .sheets import check_workbook

        return check_workbook(path)
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a folder"
        return CheckResult([Problem(str(path), f"{what}; a pack is a folder holding pack.toml and CSV files, "
                                    "or an Excel workbook (.xlsx)")], {}, tables)
    settings = {}
    toml_path = path / "pack.toml"
    database, labels = {}, {}
    if toml_path.is_file():
        settings = read_settings(toml_path, problems)
        from .database import read_source  # tables pack.toml's [source] reads from a database

        database, labels = read_source(toml_path, problems)
    else:
        problems.append(Problem("pack.toml", "is missing; every pack needs pack.toml, " + ", ".join(REQUIRED_FILES)))
    for name, schema in FILES.items():
        file = path / name
        before = len(problems)
        if name in database:
            table = database[name]
        elif file.is_file():
            table = read_csv(file, schema, problems)
        else:
            table = None
        if table is not None:
            # an optional file with its header only is as if absent (its defaults apply), as a workbook's
            # optional sheet left with its header is: levels_of_care.csv so gave no pools of beds at all
            if schema.required or len(table.rows) or len(problems) > before:
                tables[name] = table
        elif schema.required:
            problems.append(Problem(name, "is missing; every pack needs pack.toml, " + ", ".join(REQUIRED_FILES)))
    result = check_tables(settings, tables, problems)
    if labels:
        from .database import locate

        result.problems = [locate(problem, labels) for problem in result.problems]
    return result


def check_tables(settings: dict, tables: dict[str, ParsedTable], problems: list[Problem]) -> CheckResult:
    """The checks across files, once every file has been read (from a folder, a workbook or a database)."""
    _cross_checks(tables, problems)
    _plan_checks(tables, problems)
    if settings:
        _check_investment_years(settings, tables, problems)
        _check_bed_settings(settings, problems)
    from .population import check_population  # people by age: bands, years, localities

    check_population(settings, tables, problems)
    return CheckResult(problems, settings, tables)


def validate(path: str | Path) -> list[Problem]:
    """Every problem with the pack at `path` (an empty list means it is valid)."""
    return check_pack(path).problems


from .cross_checks import _bed_checks, _check_bed_settings, _cross_checks, _plan_checks, _refs  # noqa: E402,F401
