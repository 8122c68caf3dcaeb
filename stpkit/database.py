"""Database packs: any table of a pack read from a SQL database instead of a CSV file.

pack.toml names the database and, for each table it gives, a table name or a query:

    [source]
    url = "postgresql://planner@warehouse.example:5432/stp"   # any SQLAlchemy URL, without a password
    password_env = "STP_DB_PASSWORD"    # the environment variable holding the password, if one is needed

    [source.tables]
    localities = "stp_localities"                          # a table
    activity = { query = "SELECT * FROM sus_activity" }   # or a query

Tables not named there come from the pack folder's CSV files as usual. Everything after reading is
the same as for CSV files; each problem names the table (or query) and its row, counted from 1 in
the order the database returns them. The password is never written in pack.toml nor shown.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .schema import FILES
from .validate import Problem, ParsedTable, read_records

SETTINGS_TABLE = "pack_settings"
ROW_COLUMN = "stpkit_row"  # the row order of a table stpkit wrote (a database keeps no order of its own)
CONNECT_SECONDS = 5


class SourceError(Exception):
    """A database that cannot be read as pack.toml asks, in one line (with no password in it)."""


@dataclass
class Source:
    url: str
    password_env: str | None = None
    tables: dict[str, tuple[str, str]] = field(default_factory=dict)  # file -> ("table", name) or ("query", sql)

    def label(self, filename: str) -> str:
        how, what = self.tables[filename]
        stem = filename.removesuffix(".csv")
        return f"database table {what}" if how == "table" else f"the {stem} query"


def parse_source(raw: dict) -> Source | None:
    """The [source] of pack.toml's settings (None when the pack reads no database); SourceError if malformed."""
    given = raw.get("source")
    if given is None:
        return None
    if not isinstance(given, dict) or not isinstance(given.get("url"), str) or not given["url"].strip():
        raise SourceError("pack.toml [source] url: give the database as a SQLAlchemy URL in quotes, such as "
                          '"sqlite:///footprint.db" or "postgresql://planner@host:5432/stp"')
    url = given["url"].strip()
    if re.search(r"://[^/@]*:[^/@]*@", url):
        raise SourceError("pack.toml [source] url: holds a password; never write it in the file: put it in an "
                          "environment variable and name that variable in password_env")
    env = given.get("password_env")
    if env is not None and (not isinstance(env, str) or not env.strip()):
        raise SourceError("pack.toml [source] password_env: give the name of an environment variable in quotes")
    tables = {}
    for stem, what in (given.get("tables") or {}).items():
        name = f"{stem}.csv"
        if name not in FILES:
            known = ", ".join(n.removesuffix(".csv") for n in FILES)
            raise SourceError(f"pack.toml [source.tables] {stem}: is not a pack table (known: {known})")
        if isinstance(what, str) and what.strip():
            tables[name] = ("table", what.strip())
        elif isinstance(what, dict) and isinstance(what.get("query"), str) and what["query"].strip():
            tables[name] = ("query", what["query"].strip())
        else:
            raise SourceError(f'pack.toml [source.tables] {stem}: give a table name in quotes, or {{ query = "SELECT ..." }}')
    unknown = set(given) - {"url", "password_env", "tables"}
    if unknown:
        raise SourceError(f"pack.toml [source] {sorted(unknown)[0]}: unknown setting (known: url, password_env, tables)")
    return Source(url, env.strip() if env else None, tables)


def _engine(source: Source):
    try:
        import sqlalchemy
        from sqlalchemy.engine import make_url
    except ImportError:  # pragma: no cover - sqlalchemy is a dependency
        raise SourceError("reading a database needs the sqlalchemy package: pip install sqlalchemy") from None
    try:
        url = make_url(source.url)
    except Exception:  # noqa: BLE001 - any malformed URL is one line
        raise SourceError(f'pack.toml [source] url: "{source.url}" is not a database URL such as '
                          '"sqlite:///footprint.db" or "postgresql://planner@host:5432/stp"') from None
    if source.password_env:
        password = os.environ.get(source.password_env)
        if password is None:
            raise SourceError(f"pack.toml [source] password_env: the environment variable {source.password_env} "
                              "is not set; set it to the database password")
        url = url.set(password=password)
    connect_args = {}
    if url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = CONNECT_SECONDS
    elif url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not Path(url.database).is_file():
        raise SourceError(f"the SQLite database {url.database} does not exist")
    try:
        return sqlalchemy.create_engine(url, connect_args=connect_args), url
    except Exception as error:  # noqa: BLE001 - an unknown driver or dialect is one line
        raise SourceError(f"cannot open the database {url.render_as_string(hide_password=True)}: "
                          f"{_first_line(error, url)}") from None


def hide_password(url_text: str) -> str:
    """A URL as it may be shown: any password written in it replaced by ***."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url_text)


def _first_line(error: Exception, url=None) -> str:
    """An error's first line, with the password (if any) blotted out."""
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    line = text[0] if text else type(error).__name__
    if url is not None and url.password:
        line = line.replace(str(url.password), "***")
    return re.sub(r"\(Background on this error at: [^)]*\)", "", line).strip()


def fetch_records(source: Source, names: list[str] | None = None) -> dict[str, list[list[str]]]:
    """The rows of each table pack.toml reads from the database, as text (the column names first)."""
    import sqlalchemy

    from .sheets import cell_text

    engine, url = _engine(source)
    shown = url.render_as_string(hide_password=True)
    out = {}
    try:
        with engine.connect() as connection:
            for name in names or list(source.tables):
                how, what = source.tables[name]
                if how == "table":
                    found = sqlalchemy.inspect(connection).get_table_names()
                    if what not in found:
                        raise SourceError(f"{source.label(name)}: does not exist in the database {shown} (its "
                                          f"tables: {', '.join(sorted(found)) or 'none'})")
                    names_ = [c["name"] for c in sqlalchemy.inspect(connection).get_columns(what)]
                    shown_columns = [sqlalchemy.column(c) for c in names_ if c != ROW_COLUMN]
                    statement = sqlalchemy.select(*shown_columns).select_from(sqlalchemy.table(what))
                    if ROW_COLUMN in names_:
                        statement = statement.order_by(sqlalchemy.column(ROW_COLUMN))
                else:
                    statement = sqlalchemy.text(what)
                try:
                    result = connection.execute(statement)
                    header = [str(k) for k in result.keys()]
                    rows = [[cell_text(v) for v in row] for row in result]
                except SourceError:
                    raise
                except Exception as error:  # noqa: BLE001 - a failing query is one line
                    connection.rollback()
                    raise SourceError(f"{source.label(name)}: failed in the database {shown}: "
                                      f"{_first_line(error, url)}") from None
                out[name] = [header, *rows]
    except SourceError:
        raise
    except Exception as error:  # noqa: BLE001 - a server that does not answer is one line
        raise SourceError(f"the database {shown} does not answer: {_first_line(error, url)}") from None
    finally:
        engine.dispose()
    return out


def read_source(toml_path: Path, problems: list[Problem]) -> tuple[dict[str, ParsedTable], dict[str, str]]:
    """The tables pack.toml reads from a database, checked, and each one's label for problems."""
    try:
        text = toml_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}, {}
    if "source" not in text:
        return {}, {}
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}, {}  # said by the settings check
    source = None
    listed = raw.get("source", {}).get("tables", {}) if isinstance(raw.get("source"), dict) else {}
    listed = [f"{stem}.csv" for stem in (listed if isinstance(listed, dict) else {}) if f"{stem}.csv" in FILES]
    try:
        source = parse_source(raw)
        if source is None or not source.tables:
            return {}, {}
        records = fetch_records(source)
    except SourceError as error:
        where, _, message = str(error).partition(": ")
        problems.append(Problem(where, message))
        # the tables it should have given are not looked for in the folder: one line says why they are missing
        return {name: ParsedTable(name) for name in (source.tables if source else listed)}, {}
    tables = {name: read_records(rows, FILES[name], problems) for name, rows in records.items()}
    return tables, {name: source.label(name) for name in records}


def tables_hash(folder: Path) -> str | None:
    """The hash of the rows pack.toml reads from a database (None when it reads none, or cannot read them)."""
    import hashlib
    import json

    toml_path = Path(folder) / "pack.toml"
    if not toml_path.is_file():
        return None
    try:
        text = toml_path.read_text(encoding="utf-8-sig")
        source = parse_source(tomllib.loads(text)) if "source" in text else None
        if source is None or not source.tables:
            return None
        records = fetch_records(source)
    except (SourceError, tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        return None
    return hashlib.sha256(json.dumps(records, sort_keys=True).encode("utf-8")).hexdigest()


REMOTE_TTL_SECONDS = 30.0  # how long a database other than SQLite or PostgreSQL is taken as unchanged
_REMOTE: dict[str, tuple[float, tuple]] = {}


def signature(folder: Path) -> tuple:
    """A cheap token that changes when the tables pack.toml reads from a database change (() when it reads none).

    The apps keep a loaded pack while its files and this token are unchanged (as a folder's file times
    and sizes), so a refreshed warehouse table is picked up on the next page without a restart:
    - SQLite: the database file's (and its write-ahead log's) modification time and size: no query;
    - PostgreSQL: one query per table, the MD5 of its rows worked out in the server (only 32
      characters cross the network);
    - any other database: the hash of the rows, read again at most every REMOTE_TTL_SECONDS (30 s),
      so a change shows within half a minute.
    A database that cannot be reached gives a token of its own, so the pack is read again (and its
    problem shown) rather than served from before.
    """
    import time

    toml_path = Path(folder) / "pack.toml"
    try:
        text = toml_path.read_text(encoding="utf-8-sig") if toml_path.is_file() else ""
        if "source" not in text:
            return ()
        source = parse_source(tomllib.loads(text))
    except (SourceError, tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        return ()
    if source is None or not source.tables:
        return ()
    try:
        from sqlalchemy.engine import make_url

        url = make_url(source.url)
        backend = url.get_backend_name()
    except Exception:  # noqa: BLE001 - a malformed URL: said by validation
        return ()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            return ("sqlite", "memory", time.monotonic())  # nothing to watch: read again each time
        stamps = []
        for suffix in ("", "-wal", "-journal"):
            try:
                stat = Path(url.database + suffix).stat()
                stamps.append((suffix, stat.st_mtime_ns, stat.st_size))
            except OSError:
                pass
        return ("sqlite", str(Path(url.database).resolve()), tuple(stamps))
    if backend == "postgresql":
        try:
            return ("postgresql", *_postgres_digests(source))
        except Exception as error:  # noqa: BLE001 - cannot reach it: read again, and say so as validation does
            return ("unreachable", type(error).__name__, time.monotonic())
    key = str(toml_path.resolve())
    cached = _REMOTE.get(key)
    if cached is None or time.monotonic() - cached[0] > REMOTE_TTL_SECONDS:
        cached = (time.monotonic(), ("rows", tables_hash(Path(folder))))
        _REMOTE[key] = cached
    return cached[1]


def _postgres_digests(source: Source) -> tuple:
    """The MD5 of each table's (or query's) rows, worked out by the PostgreSQL server."""
    import sqlalchemy

    engine, _ = _engine(source)
    digests = []
    try:
        with engine.connect() as connection:
            for name, (how, what) in sorted(source.tables.items()):
                body = (f"SELECT * FROM {connection.dialect.identifier_preparer.quote(what)}" if how == "table"
                        else what.strip().rstrip(";"))
                row = connection.execute(sqlalchemy.text(
                    f"SELECT md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), '')), count(*) "
                    f"FROM ({body}) AS t")).one()
                digests.append((name, row[0], row[1]))
    finally:
        engine.dispose()
    return tuple(digests)


def locate(problem: Problem, labels: dict[str, str]) -> Problem:
    """A problem found in a database table, named by its table (or query) and row."""
    if problem.file not in labels:
        return problem
    message = problem.message.replace("(the header has:", "(its columns:")
    for name, label in labels.items():
        message = re.sub(rf"(?<![\w.]){re.escape(name)}", label, message)
    row = problem.row - 1 if problem.row is not None and problem.row > 1 else None
    return Problem(labels[problem.file], message, row=row, column=problem.column)


# ---------------------------------------------------------------------------------------------
# writing a pack into a database (stpkit convert PACK URL)


def write_database(raw, url_text: str, *, force: bool = False) -> None:
    """Each of the pack's tables as a database table named after it, and its settings as pack_settings."""
    import sqlalchemy

    from .template import _schema_column, typed_cell

    try:
        engine = sqlalchemy.create_engine(url_text)
    except Exception as error:  # noqa: BLE001 - a malformed URL or an unknown driver is one line
        raise SourceError(f'"{hide_password(url_text)}" is not a database URL stpkit can open: '
                          f"{_first_line(error)}") from None
    url = engine.url
    shown = url.render_as_string(hide_password=True)
    names = {name.removesuffix(".csv"): name for name in raw.files}
    try:
        with engine.begin() as connection:
            existing = set(sqlalchemy.inspect(connection).get_table_names())
            clash = sorted(existing & (set(names) | {SETTINGS_TABLE}))
            if clash and not force:
                raise SourceError(f"the database {shown} already has the table {clash[0]}; give --force to replace it")
            metadata = sqlalchemy.MetaData()
            for stem, name in names.items():
                records = raw.files[name]
                if not records:
                    continue
                header = [h.strip().lower() for h in records[0]]
                columns = [_schema_column(FILES[name], h) for h in header]
                typed = [[typed_cell(record[i] if i < len(record) else "", columns[i]) for i in range(len(header))]
                         for record in records[1:]]
                types = []
                for i, column in enumerate(columns):  # a number column with any text in it is written as text
                    numbers = all(not isinstance(row[i], str) or row[i] == "" for row in typed)
                    types.append(sqlalchemy.Float if numbers and column is not None and column.kind == "number" else
                                 sqlalchemy.Integer if numbers and column is not None and column.kind == "integer"
                                 else sqlalchemy.Text)
                table = sqlalchemy.Table(stem, metadata, sqlalchemy.Column(ROW_COLUMN, sqlalchemy.Integer),
                                         *[sqlalchemy.Column(h, t) for h, t in zip(header, types)])
                table.drop(connection, checkfirst=True)
                table.create(connection)
                rows = []
                for number, values in enumerate(typed, start=1):
                    rows.append({ROW_COLUMN: number, **{h: (None if v == "" else v if t is not sqlalchemy.Text else str(v))
                                                        for h, v, t in zip(header, values, types)}})
                if rows:
                    connection.execute(table.insert(), rows)
            settings = sqlalchemy.Table(SETTINGS_TABLE, metadata, sqlalchemy.Column(ROW_COLUMN, sqlalchemy.Integer),
                                        sqlalchemy.Column("section", sqlalchemy.Text),
                                        sqlalchemy.Column("key", sqlalchemy.Text),
                                        sqlalchemy.Column("value", sqlalchemy.Text))
            settings.drop(connection, checkfirst=True)
            settings.create(connection)
            values = [{"section": s, "key": k, "value": str(v)} for s, keys in raw.settings.items()
                      if s != "source" and isinstance(keys, dict) for k, v in keys.items()]
            values = [{ROW_COLUMN: number, **value} for number, value in enumerate(values, start=1)]
            if values:
                connection.execute(settings.insert(), values)
    except SourceError:
        raise
    except Exception as error:  # noqa: BLE001
        raise SourceError(f"cannot write to the database {shown}: {_first_line(error, url)}") from None
    finally:
        engine.dispose()


def read_raw_database(url_text: str):
    """A pack written by write_database, read back (tables named after the pack files, and pack_settings)."""
    from .convert import RawPack, _rows, _setting_value

    source = Source(url_text, tables={name: ("table", name.removesuffix(".csv")) for name in FILES})
    engine, url = _engine(source)
    import sqlalchemy

    with engine.connect() as connection:
        found = set(sqlalchemy.inspect(connection).get_table_names())
    engine.dispose()
    source.tables = {n: t for n, t in source.tables.items() if t[1] in found}
    raw = RawPack()
    for name, records in fetch_records(source).items():
        raw.files[name] = _rows(records)
    if SETTINGS_TABLE in found:
        settings_source = Source(url_text, tables={"pack.toml": ("table", SETTINGS_TABLE)})
        rows = fetch_records(settings_source, ["pack.toml"])["pack.toml"]
        for section, key, value in rows[1:]:
            raw.settings.setdefault(section, {})[key] = _setting_value(section, key, value)
    return raw


def pack_toml_for(url_text: str, raw) -> str:
    """A pack.toml that reads every table of the pack from the database it was written to."""
    from .convert import toml_text

    shown = re.sub(r"(://[^:/@]+):[^@]*@", r"\1@", url_text)
    settings = {s: v for s, v in raw.settings.items() if s != "source"}
    lines = [toml_text(settings), "[source]", f'url = "{shown}"']
    if shown != url_text:
        lines.append('password_env = "STPKIT_DB_PASSWORD"  # set this variable to the password')
    lines.append("\n[source.tables]")
    lines += [f'{name.removesuffix(".csv")} = "{name.removesuffix(".csv")}"' for name in raw.files]
    return "\n".join(lines) + "\n"
