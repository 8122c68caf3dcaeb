"""Packs damaged at random, for the property test (tests/test_damaged_packs.py) and its long run (benchmarks/).

A good pack's files are edited one to three times (a cell, a row, a header, bytes, a cut, an
encoding, a separator, a setting), then used as a folder, a workbook or a database pack. Whatever
the damage, stpkit must either refuse the pack with one-line problems or run the model and every
page on it with nothing shown as nan, inf or None.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from hypothesis import strategies as st

from stpkit import charts, pages
from stpkit.convert import ConvertError, RawPack, read_raw
from stpkit.validate import check_pack

NASTY = ["", " ", "0", "-1", "1e-320", "1e308", "-0", "nan", "inf", "NaN", "0015/16", "9999/00", "2016/17",
         "2016/17 Q3", "1990/91", "2100/01", "abc", "12K", "3.1%", "100%", "2016-04-01", '"', ",", ";", "\t",
         "MSE99", "L0001", "ae", "A&E", "true", "maybe", "0.5", "1", "2", "5", "99", "1000000", "0.0001", "\u00e9",
         "=1+1", "#DIV/0!", "None", "null", "999999999999"]
SHOWN_WRONG = re.compile(r"(?<![\w-])(nan|inf|-inf|None|NaN|Infinity)(?![\w-])")


def good_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@st.composite
def edit(draw, files: dict[str, bytes]):
    """One random edit of one file: returns the files changed."""
    name = draw(st.sampled_from(sorted(files)))
    data = files[name]
    kind = draw(st.sampled_from(["cell", "cell", "cell", "row_drop", "row_copy", "header", "bytes", "cut",
                                 "encoding", "separator", "setting"]))
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if kind == "setting" or name == "pack.toml":
        toml = files.get("pack.toml", b"").decode("utf-8", errors="replace").split("\n")
        settings = [i for i, line in enumerate(toml) if "=" in line]
        if settings:
            i = draw(st.sampled_from(settings))
            key = toml[i].split("=", 1)[0]
            value = draw(st.sampled_from(NASTY))
            toml[i] = f'{key}= "{value}"' if draw(st.booleans()) else f"{key}= {value}"
        return {**files, "pack.toml": "\n".join(toml).encode("utf-8")}
    if kind == "cell" and len(lines) > 1:
        r = draw(st.integers(0, len(lines) - 1))
        cells = lines[r].split(",")
        c = draw(st.integers(0, len(cells) - 1))
        cells[c] = draw(st.sampled_from(NASTY))
        lines[r] = ",".join(cells)
    elif kind == "row_drop" and len(lines) > 1:
        del lines[draw(st.integers(0, len(lines) - 1))]
    elif kind == "row_copy" and len(lines) > 1:
        r = draw(st.integers(0, len(lines) - 1))
        lines.insert(draw(st.integers(0, len(lines))), lines[r])
    elif kind == "header":
        cells = lines[0].split(",")
        c = draw(st.integers(0, len(cells) - 1))
        cells[c] = draw(st.sampled_from(["", cells[c].upper(), cells[c] + "s", "notes", cells[(c + 1) % len(cells)]]))
        lines[0] = ",".join(cells)
    elif kind == "bytes" and data:
        at = draw(st.integers(0, len(data) - 1))
        value = draw(st.integers(0, 255))
        return {**files, name: data[:at] + bytes([value]) + data[at + 1:]}
    elif kind == "cut":
        return {**files, name: data[:draw(st.integers(0, len(data)))]}
    elif kind == "encoding":
        codec = draw(st.sampled_from(["utf-16", "cp1252", "latin-1"]))
        return {**files, name: text.encode(codec, errors="replace")}
    elif kind == "separator":
        return {**files, name: text.replace(",", draw(st.sampled_from([";", "\t", "|", ", "]))).encode("utf-8")}
    return {**files, name: "\n".join(lines).encode("utf-8")}


@st.composite
def damaged(draw, files: dict[str, bytes]):
    """1 to 3 edits of the good pack's files, and the form the pack takes."""
    for _ in range(draw(st.integers(1, 3))):
        files = draw(edit(files))
    form = draw(st.sampled_from(["folder", "workbook", "database"]))
    if form == "workbook":  # and what only a workbook can do to a cell or a sheet
        form = draw(st.sampled_from(["workbook", "workbook:date", "workbook:bool", "workbook:formula",
                                     "workbook:hide", "workbook:rename", "workbook:merge"]))
    return files, form, draw(st.floats(0, 1, exclude_max=True))


def make(files: dict[str, bytes], form: str, where: Path) -> Path | None:
    """The damaged pack written as `form` under `where`; None when it cannot be written in that form at all."""
    if where.exists():
        shutil.rmtree(where)
    folder = where / "folder"
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if form == "folder":
        return folder
    try:
        raw = read_raw(folder)
    except (ConvertError, AttributeError, TypeError):
        return None  # as a folder it is tried in other examples
    if form == "workbook":
        from stpkit.template import write_template

        try:
            book = write_template(where / "pack.xlsx", raw)
        except ConvertError as error:
            assert "\n" not in str(error)
            return None
        if ":" in form:
            _workbook_edit(book, form.split(":", 1)[1], len(str(raw.files)))
        return book
    from stpkit.database import write_database

    url = f"sqlite:///{where / 'pack.db'}"
    try:
        write_database(raw, url)
    except Exception:  # noqa: BLE001 - a pack whose tables a database cannot hold (two columns of one name)
        return None
    database = where / "database"
    database.mkdir()
    settings = {s: v for s, v in raw.settings.items() if isinstance(v, dict)}
    from stpkit.convert import toml_text

    tables = "\n".join(f'{n.removesuffix(".csv")} = "{n.removesuffix(".csv")}"' for n in raw.files if raw.files[n])
    (database / "pack.toml").write_text(toml_text(settings) + f'\n[source]\nurl = "{url}"\n\n[source.tables]\n{tables}\n',
                                        encoding="utf-8")
    return database


def _workbook_edit(book: Path, how: str, salt: int) -> None:
    """One thing only a workbook does: a date or true/false typed in a cell, a formula with no saved value, a
    hidden or renamed sheet, merged cells."""
    import datetime as dt

    import openpyxl

    workbook = openpyxl.load_workbook(book)
    names = [n for n in workbook.sheetnames if n != "instructions"]
    sheet = workbook[names[salt % len(names)]]
    row, column = 1 + salt % max(sheet.max_row, 1), 1 + salt % max(sheet.max_column, 1)
    if how == "date":
        sheet.cell(row, column).value = dt.datetime(2016, 4, 1)
    elif how == "bool":
        sheet.cell(row, column).value = bool(salt % 2)
    elif how == "formula":
        sheet.cell(row, column).value = "=1+1"  # openpyxl saves no value with it: Excel would
    elif how == "hide":
        sheet.sheet_state = "hidden"
    elif how == "rename":
        sheet.title = sheet.title.title() + " 2016"
    elif how == "merge" and sheet.max_column > 1:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    workbook.save(book)


def shown_text(page) -> str:
    """Everything a static page shows: headline cards, tables and notes (charts are checked by drawing them)."""
    result = page.result
    parts = [result.title, result.subtitle, pages.cards_html(result.cards)]
    for item in [*result.tables.values(), *result.charts.values()]:
        if isinstance(item, pages.Note) or hasattr(item, "html"):
            parts.append(item.html())
        else:
            item.to_dict(validate=False)  # a chart Vega-Lite can draw (no MaxRowsError); the pages' tests check specs
    return "\n".join(parts)


def outcome(path: Path, pick: float = 0.0) -> str:
    """'refused' or 'ran'; raises AssertionError when a pack is neither refused plainly nor runs cleanly.

    A pack that validates runs through the summary and every page: half of the pages for the whole
    footprint and the other half for one locality, (`pick`, from 0 to 1, says which locality and which
    half), so over many examples each page is drawn for both; a page drawn twice over would double
    the time of a long run.
    """
    result = check_pack(path)
    if result.problems:
        for problem in result.problems:
            line = str(problem)
            assert line.strip() and "\n" not in line and "Traceback" not in line, repr(line)
        return "refused"
    charts.setup(charts.STATIC)
    from stpkit import load_pack
    from stpkit.summary import summarise

    pack = load_pack(path)
    ids = list(pack.localities["locality_id"])
    import html as html_

    given = [pack.name, *pack.localities["locality"], *ids]
    for frame in pack.tables.values():  # a group or staff group the user named "NaN" is theirs to call so too
        for column in frame.columns:
            if frame[column].dtype == object:
                given += [value for value in frame[column] if isinstance(value, str)]
    names = sorted({str(n) for n in given} | {html_.escape(str(n)) for n in given}, key=len, reverse=True)
    summarise(pack, "all")
    for number, cls in enumerate(pages.PAGES.values()):
        for locality in [("all", ids[int(pick * len(ids))])[(number + int(pick * 1000)) % 2]]:
            page = cls(pack, locality)
            text = shown_text(page)
            text = re.sub(r"(?s)<style.*?</style>", " ", text)
            text = re.sub(r"<td[^>]*>\s*None\s*</td>", "<td></td>", text)  # seed 003's criterion "None" (no sharing)
            words = re.sub(r"<[^>]+>", " ", text)
            for name in names:  # a footprint or locality the user named "inf" or "None" is theirs to call so
                words = words.replace(name, " ")
            wrong = SHOWN_WRONG.search(words)
            assert wrong is None, f"{cls.__name__} for {locality} shows {wrong.group()!r}: " \
                                  f"...{words[max(0, wrong.start() - 200):wrong.end() + 100]}..."
    return "ran"
