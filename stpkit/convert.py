"""Converting a pack between its forms: a folder of CSV files, an Excel workbook, a database.

`read_raw` reads any pack as it is written (cells as text, settings as given, nothing checked), and
`write_pack` writes it in another form: a folder (pack.toml and CSV files), a workbook (the
template, filled in) or a database URL. A pack converted and converted back gives the same figures.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .schema import FILES, SETTINGS
from .validate import Problem, _read_text


class ConvertError(Exception):
    """A pack that cannot be read or written as asked, in one line."""


@dataclass
class RawPack:
    """A pack as written: settings by section and key, and each file's rows of text (the header first)."""

    settings: dict = field(default_factory=dict)
    files: dict[str, list[list[str]]] = field(default_factory=dict)


def is_database_url(text: str) -> bool:
    return "://" in str(text) and not Path(str(text)).exists()


def _rows(records: list[list[str]]) -> list[list[str]]:
    """Rows with any cell filled, cut to the header's width where the cells beyond it are blank."""
    kept = [r for r in records if any(str(c).strip() for c in r)]
    if not kept:
        return []
    width = max(i + 1 for i, c in enumerate(kept[0]) if str(c).strip())
    out = []
    for record in kept:
        record = [str(c) for c in record]
        extra = [c for c in record[width:] if c.strip()]
        out.append(record if extra else record[:width] + [""] * (width - len(record[:width])))
    return out


def read_raw(path: str | Path) -> RawPack:
    """Any pack (folder, workbook or database URL) as written; ConvertError when it cannot be read."""
    if is_database_url(str(path)):
        from .database import SourceError, read_raw_database

        try:
            return read_raw_database(str(path))
        except SourceError as error:
            raise ConvertError(str(error)) from None
    path = Path(path)
    if path.is_file():
        return _read_raw_workbook(path)
    if not path.is_dir():
        raise ConvertError(f"{path} does not exist; a pack is a folder, an Excel workbook (.xlsx) or a database URL")
    problems: list[Problem] = []
    raw = RawPack()
    toml = path / "pack.toml"
    if toml.is_file():
        text = _read_text(toml, "pack.toml", problems)
        try:
            raw.settings = tomllib.loads(text) if text is not None else {}
        except tomllib.TOMLDecodeError as error:
            raise ConvertError(f"{toml}: is not valid TOML: {error}") from None
    if "source" in raw.settings:  # tables read from a database
        from .database import SourceError, fetch_records, parse_source

        try:
            source = parse_source(raw.settings)
            raw.files.update({name: _rows(rows) for name, rows in fetch_records(source).items()} if source else {})
        except SourceError as error:
            raise ConvertError(str(error)) from None
        raw.settings = {s: v for s, v in raw.settings.items() if s != "source"}
    for name in FILES:
        file = path / name
        if name in raw.files:
            continue
        if file.is_file():
            text = _read_text(file, name, problems)
            if text is not None:
                raw.files[name] = _rows(list(csv.reader(io.StringIO(text, newline=""))))
    if problems:
        raise ConvertError(f"{path / problems[0].file}: {problems[0].message}")
    return raw


def _read_raw_workbook(path: Path) -> RawPack:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    from .sheets import SETTINGS_SHEET, _not_a_workbook, _records, sheet_name

    refused = _not_a_workbook(path)
    if refused:
        raise ConvertError(f"{path}: {refused}")
    workbook = CalamineWorkbook.from_path(str(path))
    visible = {m.name.strip().lower().removesuffix(".csv"): m.name for m in workbook.sheets_metadata
               if m.visible == SheetVisibleEnum.Visible}
    raw = RawPack()
    if SETTINGS_SHEET in visible:
        records = _rows(_records(workbook.get_sheet_by_name(visible[SETTINGS_SHEET]))[0])
        if records:
            header = [c.strip().lower() for c in records[0]]
            at = {name: header.index(name) for name in ("section", "key", "value") if name in header}
            section = ""
            for record in records[1:]:
                record = record + [""] * len(header)
                section = record[at["section"]].strip().strip("[] ") if "section" in at and \
                    record[at["section"]].strip() else section
                key = record[at["key"]].strip() if "key" in at else ""
                value = record[at["value"]].strip() if "value" in at else ""
                if key and value:
                    raw.settings.setdefault(section, {})[key] = _setting_value(section, key, value)
    for name in FILES:
        if sheet_name(name) in visible:
            records, _ = _records(workbook.get_sheet_by_name(visible[sheet_name(name)]))
            records = _rows(records)
            if len(records) > 1 or FILES[name].required:  # an optional sheet with its header only is left out
                raw.files[name] = records
    return raw


def _setting_value(section: str, key: str, value: str):
    """A settings cell as TOML would hold it: numbers for number settings, text for the rest."""
    kind = SETTINGS.get(section, {}).get(key, {}).get("kind")
    if kind in ("number", "integer"):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if kind == "integer" and number.is_integer() else number
    return value


def toml_text(settings: dict) -> str:
    """pack.toml's text for the settings (sections in stpkit's order, then any others)."""
    import json

    order = list(SETTINGS) + [s for s in settings if s not in SETTINGS]
    lines = []
    for section in order:
        values = settings.get(section)
        if not isinstance(values, dict) or not values:
            continue
        lines.append(f"[{section}]")
        for key, value in values.items():
            if isinstance(value, bool):
                literal = "true" if value else "false"
            elif isinstance(value, (int, float)):
                literal = repr(value)
            else:
                literal = json.dumps(str(value), ensure_ascii=False)
            lines.append(f"{key} = {literal}")
        lines.append("")
    return "\n".join(lines)


def write_folder(raw: RawPack, out: Path) -> Path:
    """The pack as a folder of pack.toml and CSV files, written whole or not at all."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # a folder like any other, not mkdtemp's private one
    try:
        (staging / "pack.toml").write_text(toml_text(raw.settings), encoding="utf-8")
        for name, records in raw.files.items():
            with open(staging / name, "w", encoding="utf-8", newline="") as handle:
                csv.writer(handle, lineterminator="\n").writerows(records)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def convert(source: str | Path, out: str | Path, *, force: bool = False) -> str:
    """Convert the pack at `source` to `out`: a folder, a workbook (.xlsx) or a database URL. Returns what was made."""
    raw = read_raw(source)
    if not raw.files and not raw.settings:
        raise ConvertError(f"{source}: holds no pack files or settings to convert")
    if is_database_url(str(out)):
        from .database import SourceError, pack_toml_for, write_database

        try:
            write_database(raw, str(out), force=force)
        except SourceError as error:
            raise ConvertError(str(error)) from None
        return "a database; a pack.toml that reads it:\n\n" + pack_toml_for(str(out), raw)
    out = Path(out)
    if out.exists() and not force and not (out.is_dir() and not any(out.iterdir())):
        raise ConvertError(f"{out} already exists; give --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() in (".xlsx", ".xlsm"):
        from .template import write_template

        write_template(out, raw)
        return "a workbook"
    if out.exists() and out.is_file():
        raise ConvertError(f"{out} is a file; a folder pack is written to a new folder")
    write_folder(raw, out)
    return "a folder"


# ---------------------------------------------------------------------------------------------
# the command line


def cmd_template(args) -> int:
    from .cli import UserError
    from .template import write_template

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"{out}: a template is an Excel workbook; give a name ending .xlsx")
    if out.exists() and not args.force:
        raise UserError(f"{out} already exists; give --force to replace it")
    raw = None
    if args.source:
        try:
            raw = read_raw(args.source)
        except ConvertError as error:
            raise UserError(str(error)) from None
    write_template(out, raw)
    print(f"{out}: a workbook to fill in" + (f", holding the pack {args.source}" if raw else "")
          + f". Check it with: stpkit validate {out}")
    return 0


def cmd_convert(args) -> int:
    from .cli import UserError

    try:
        made = convert(args.pack, args.out, force=args.force)
    except ConvertError as error:
        raise UserError(str(error)) from None
    shown = args.out if not is_database_url(args.out) else _hide_password(args.out)
    if made.startswith("a database"):
        print(f"{shown}: the pack {args.pack} written as {made}")
        return 0
    print(f"{shown}: the pack {args.pack} written as {made}. Check it with: stpkit validate {shown}")
    return 0


def _hide_password(url: str) -> str:
    import re

    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def add_command(sub) -> None:
    template = sub.add_parser(
        "template", help="write an Excel workbook to fill in as a footprint pack",
        description="Write a workbook to fill in: an instructions sheet, one sheet per pack file with its header "
                    "(each column's unit and rule as a comment), drop-down lists, number formats and a frozen "
                    "header row, and a pack sheet of settings. With --from, the sheets hold that pack's data.",
        epilog="Example: stpkit template my_footprint.xlsx --from data/mid_south_essex")
    template.add_argument("out", metavar="OUT.xlsx", help="the workbook to write")
    template.add_argument("--from", dest="source", metavar="PACK", help="a pack whose data the workbook holds")
    template.add_argument("--force", action="store_true", help="replace OUT.xlsx if it exists")
    template.set_defaults(run=cmd_template)
    convert_ = sub.add_parser(
        "convert", help="convert a pack between a folder, a workbook and a database",
        description="Convert a footprint pack: a folder to a workbook (OUT ending .xlsx), a workbook to a folder "
                    "(any other OUT), or either into a database (OUT a SQLAlchemy URL such as "
                    "sqlite:///footprint.db). The pack is written as it is, problems and all: check it with "
                    "stpkit validate.",
        epilog="Examples: stpkit convert data/mid_south_essex mse.xlsx; stpkit convert mse.xlsx mse_folder")
    convert_.add_argument("pack", metavar="PACK", help="the pack to convert: a folder, a workbook or a database URL")
    convert_.add_argument("out", metavar="OUT", help="a folder, a workbook (.xlsx) or a database URL")
    convert_.add_argument("--force", action="store_true", help="replace OUT if it exists")
    convert_.set_defaults(run=cmd_convert)
