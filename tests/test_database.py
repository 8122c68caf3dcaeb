"""Database packs: tables read from SQLite and from a real PostgreSQL server the tests start themselves."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy

from packs import ACTIVITY, LOCALITIES, PACK_TOML, write_pack
from stpkit import load_pack
from stpkit.convert import convert, read_raw
from stpkit.pack import DEFAULT_PACK
from stpkit.schema import FILES
from stpkit.summary import summarise
from stpkit.validate import check_pack

ROOT = Path(__file__).resolve().parent.parent


def lines(path) -> list[str]:
    return [str(p) for p in check_pack(path).problems]


def same_tables(left, right) -> None:
    assert left.settings == right.settings and left.provided == right.provided
    for name, frame in left.tables.items():
        pd.testing.assert_frame_equal(frame, right.tables[name], obj=name)


def sqlite_pack(tmp_path: Path, tables: str, **files) -> Path:
    """A folder pack whose pack.toml reads `tables` (TOML lines of [source.tables]) from tmp_path/db.sqlite."""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    toml = PACK_TOML + f'\n[source]\nurl = "{url}"\n\n[source.tables]\n{tables}\n'
    return write_pack(tmp_path / "pack", pack_toml=toml, **files)


def load_sqlite(tmp_path: Path, **frames: str) -> None:
    """CSV texts loaded as tables of tmp_path/db.sqlite, every column as written (text)."""
    import csv
    import io

    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as connection:
        for name, text in frames.items():
            rows = list(csv.reader(io.StringIO(text)))
            columns = ", ".join(f'"{c}" TEXT' for c in rows[0])
            connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
            connection.exec_driver_sql(f'CREATE TABLE "{name}" ({columns})')
            marks = ", ".join("?" for _ in rows[0])
            connection.exec_driver_sql(f'INSERT INTO "{name}" VALUES ({marks})', [tuple(r) for r in rows[1:]])
    engine.dispose()


@pytest.mark.integration
def test_tables_from_sqlite_with_the_rest_from_csv(tmp_path):
    load_sqlite(tmp_path, stp_localities=LOCALITIES, stp_activity=ACTIVITY)
    pack = sqlite_pack(tmp_path, 'localities = "stp_localities"\n'
                                 'activity = { query = "SELECT locality_id, pod, activity FROM stp_activity" }',
                       localities_csv=None, activity_csv=None)
    assert lines(pack) == []
    same_tables(load_pack(pack), load_pack(write_pack(tmp_path / "plain")))


@pytest.mark.integration
def test_database_problems_name_the_table_and_row(tmp_path):
    load_sqlite(tmp_path, stp_localities=LOCALITIES.replace("4000", "23K"), stp_activity=ACTIVITY + "Z9,ae,3\n")
    pack = sqlite_pack(tmp_path, 'localities = "stp_localities"\nactivity = "stp_activity"',
                       localities_csv=None, activity_csv=None)
    assert lines(pack) == ['database table stp_localities row 3, population: "23K" is not a number',
                           'database table stp_activity row 7, locality_id: "Z9" is not in database table '
                           "stp_localities"]


@pytest.mark.unit
@pytest.mark.parametrize("tables, expected", [
    ('activity = "stp_nothing"', "database table stp_nothing: does not exist in the database sqlite:///{db} "
                                 "(its tables: stp_activity)"),
    ('activity = { query = "SELECT missing_column FROM stp_activity" }',
     "the activity query: failed in the database sqlite:///{db}: no such column: missing_column"),
    ('maternity = "stp_activity"', "pack.toml [source.tables] maternity: is not a pack table (known: "
                                   + ", ".join(name.removesuffix(".csv") for name in FILES) + ")"),
])
def test_a_missing_table_or_failing_query_is_one_line(tmp_path, tables, expected):
    load_sqlite(tmp_path, stp_activity=ACTIVITY)
    pack = sqlite_pack(tmp_path, tables, activity_csv=None)
    found = lines(pack)
    assert found[0] == expected.format(db=tmp_path / "db.sqlite")
    # a misnamed table is not read, so activity is missing as well: said once
    assert found[1:] == (["activity.csv: is missing; every pack needs pack.toml, localities.csv, activity.csv, "
                          "pods.csv"] if "maternity" in tables else [])


@pytest.mark.unit
def test_a_password_is_never_written_in_pack_toml(tmp_path):
    toml = PACK_TOML + '\n[source]\nurl = "postgresql://planner:hunter2@127.0.0.1:1/stp"\n[source.tables]\nactivity = "a"\n'
    found = lines(write_pack(tmp_path, pack_toml=toml, activity_csv=None))
    assert found == ["pack.toml [source] url: holds a password; never write it in the file: put it in an "
                     "environment variable and name that variable in password_env"]
    assert "hunter2" not in found[0]


@pytest.mark.unit
def test_an_unset_password_variable_is_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("STPKIT_TEST_NO_SUCH_PASSWORD", raising=False)
    toml = (PACK_TOML + '\n[source]\nurl = "postgresql://planner@127.0.0.1:1/stp"\n'
            'password_env = "STPKIT_TEST_NO_SUCH_PASSWORD"\n[source.tables]\nactivity = "a"\n')
    assert lines(write_pack(tmp_path, pack_toml=toml, activity_csv=None)) == [
        "pack.toml [source] password_env: the environment variable STPKIT_TEST_NO_SUCH_PASSWORD is not set; set it "
        "to the database password"]


@pytest.mark.unit
def test_a_server_that_does_not_answer_is_one_line_without_the_password(tmp_path, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("STPKIT_TEST_DB_PASSWORD", "s3cret-word")
    toml = (PACK_TOML + f'\n[source]\nurl = "postgresql://planner@127.0.0.1:{port}/stp"\n'
            'password_env = "STPKIT_TEST_DB_PASSWORD"\n[source.tables]\nactivity = "a"\n')
    found = lines(write_pack(tmp_path, pack_toml=toml, activity_csv=None))
    assert len(found) == 1 and found[0].startswith(
        f"the database postgresql://planner:***@127.0.0.1:{port}/stp does not answer: ")
    assert "s3cret-word" not in found[0]


@pytest.mark.e2e
def test_convert_the_default_pack_into_sqlite_and_read_it_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'footprint.db'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "stpkit.cli", "convert", str(DEFAULT_PACK), url],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    toml = done.stdout.split("a pack.toml that reads it:", 1)[1].strip()
    folder = tmp_path / "from_database"
    folder.mkdir()
    (folder / "pack.toml").write_text(toml + "\n", encoding="utf-8")
    original = load_pack(DEFAULT_PACK)
    same_tables(load_pack(folder), original)
    assert summarise(load_pack(folder), "all") == summarise(original, "all")
    convert(url, tmp_path / "back.xlsx")  # the database's tables as a workbook
    same_tables(load_pack(tmp_path / "back.xlsx"), original)
    again = subprocess.run([sys.executable, "-m", "stpkit.cli", "convert", str(DEFAULT_PACK), url],
                           capture_output=True, text=True, env=env)
    assert again.returncode == 2 and "already has the table" in again.stderr and "--force" in again.stderr


# ---------------------------------------------------------------------------------------------
# a real PostgreSQL server, from Debian's package, started in a temporary folder


def _initdb() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return found[-1] if found else (shutil.which("initdb") or None)


@pytest.fixture(scope="module")
def postgres():
    """(url without password, password) of a PostgreSQL server on 127.0.0.1, stopped at the end."""
    initdb = _initdb()
    if initdb is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql; `make test` installs it)")
    bin_dir = Path(initdb).parent
    root = Path(tempfile.mkdtemp(prefix="stpkit-pg-"))
    as_user = []
    if os.geteuid() == 0:  # the server refuses to run as root: run it as Debian's postgres user
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    password = "pw-" + os.urandom(6).hex()
    (root / "pw").write_text(password)
    if as_user:
        shutil.chown(root / "pw", "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = lambda *args: subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)  # noqa: E731
    made = run(str(initdb), "-D", str(root / "data"), "-U", "planner", "--pwfile", str(root / "pw"),
               "--auth=scram-sha-256", "-E", "UTF8")
    assert made.returncode == 0, made.stderr
    started = run(str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "log"), "-w", "-o",
                  f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start")
    assert started.returncode == 0, started.stderr + (root / "log").read_text(errors="replace")
    try:
        yield f"postgresql://planner@127.0.0.1:{port}/postgres", password
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.e2e
def test_default_pack_through_postgresql(postgres, tmp_path, monkeypatch):
    url, password = postgres
    with_password = url.replace("planner@", f"planner:{password}@")
    convert(DEFAULT_PACK, with_password, force=True)
    monkeypatch.setenv("STPKIT_TEST_PG_PASSWORD", password)
    folder = tmp_path / "pg"
    folder.mkdir()
    stems = [name.removesuffix(".csv") for name in FILES if (DEFAULT_PACK / name).is_file()]
    tables = "\n".join(f'{n} = "{n}"' for n in stems)
    settings = (DEFAULT_PACK / "pack.toml").read_text(encoding="utf-8")
    (folder / "pack.toml").write_text(settings + f'\n[source]\nurl = "{url}"\npassword_env = "STPKIT_TEST_PG_PASSWORD"'
                                      f"\n\n[source.tables]\n{tables}\n", encoding="utf-8")
    original = load_pack(DEFAULT_PACK)
    assert lines(folder) == []
    same_tables(load_pack(folder), original)
    assert summarise(load_pack(folder), "MSE05") == summarise(original, "MSE05")
    assert read_raw(with_password).files["localities.csv"][0][0] == "locality_id"


@pytest.mark.e2e
def test_postgresql_problems_wrong_password_missing_table_and_failing_query(postgres, tmp_path, monkeypatch):
    url, password = postgres
    convert(write_pack(tmp_path / "small", localities_csv=LOCALITIES.replace("4000", "23K")),
            url.replace("planner@", f"planner:{password}@"), force=True)
    monkeypatch.setenv("STPKIT_TEST_PG_PASSWORD", password)

    def pack(tables: str, secret_env: str = "STPKIT_TEST_PG_PASSWORD") -> Path:
        folder = write_pack(tmp_path / f"p{time.monotonic_ns()}", localities_csv=None, pack_toml=PACK_TOML +
                            f'\n[source]\nurl = "{url}"\npassword_env = "{secret_env}"\n[source.tables]\n{tables}\n')
        return folder

    assert lines(pack('localities = "localities"')) == [
        'database table localities row 3, population: "23K" is not a number']
    found = lines(pack('localities = "stp_localities"'))
    assert len(found) == 1 and found[0].startswith(
        f"database table stp_localities: does not exist in the database {url.replace('planner@', 'planner:***@')} "
        "(its tables: activity, ")
    assert " localities, " in found[0] and " pack_settings, " in found[0]
    found = lines(pack('localities = { query = "SELECT * FROM localities WHERE nothing = 1" }'))
    assert len(found) == 1 and found[0].startswith("the localities query: failed in the database ")
    assert 'column "nothing" does not exist' in found[0]
    monkeypatch.setenv("STPKIT_TEST_PG_WRONG", "not-the-password")
    found = lines(pack('localities = "localities"', "STPKIT_TEST_PG_WRONG"))
    assert len(found) == 1 and "password authentication failed" in found[0] and "not-the-password" not in found[0]
    assert password not in " ".join(found)


@pytest.mark.integration
def test_the_report_fingerprint_follows_the_database_tables(tmp_path):
    from stpkit.report.jobs import pack_fingerprint

    load_sqlite(tmp_path, stp_activity=ACTIVITY)
    pack = sqlite_pack(tmp_path, 'activity = "stp_activity"', activity_csv=None)
    before = pack_fingerprint(pack)
    assert set(before["files"]) == {"pack.toml", "localities.csv", "pods.csv", "database tables"}
    assert pack_fingerprint(pack) == before
    load_sqlite(tmp_path, stp_activity=ACTIVITY.replace("20000", "20001"))  # the warehouse is refreshed
    assert pack_fingerprint(pack)["hash"] != before["hash"]


def _activity_total(pack) -> float:
    return float(pack.table("activity.csv")["activity"].sum())


@pytest.mark.integration
def test_an_app_reads_a_database_pack_again_when_its_table_changes(tmp_path):
    """A page (open_pack) and the apps' server (PackCatalogue) keep a database pack while its tables are
    unchanged, and read it again, without a restart, once the warehouse refreshes a table."""
    from stpkit.apps.server import PackCatalogue
    from stpkit.pages.packs import open_pack, pack_signature

    load_sqlite(tmp_path, stp_activity=ACTIVITY)
    folder = sqlite_pack(tmp_path, 'activity = "stp_activity"', activity_csv=None)
    catalogue = PackCatalogue()
    first, served = open_pack(folder), catalogue.load(folder)
    assert open_pack(folder) is first and catalogue.load(folder) is served  # unchanged: not read again
    signature = pack_signature(folder)
    load_sqlite(tmp_path, stp_activity=ACTIVITY.replace("20000", "20001"))  # the warehouse is refreshed
    assert pack_signature(folder) != signature
    assert _activity_total(open_pack(folder)) == _activity_total(first) + 1
    assert _activity_total(catalogue.load(folder)) == _activity_total(served) + 1


@pytest.mark.e2e
def test_a_postgresql_pack_is_read_again_when_a_row_changes(postgres, tmp_path, monkeypatch):
    from stpkit.database import signature
    from stpkit.pages.packs import open_pack

    url, password = postgres
    with_password = url.replace("planner@", f"planner:{password}@")
    convert(write_pack(tmp_path / "small"), with_password, force=True)
    monkeypatch.setenv("STPKIT_TEST_PG_PASSWORD", password)
    folder = write_pack(tmp_path / "pg", activity_csv=None, pack_toml=PACK_TOML +
                        f'\n[source]\nurl = "{url}"\npassword_env = "STPKIT_TEST_PG_PASSWORD"\n[source.tables]\n'
                        'activity = "activity"\nlocalities = { query = "SELECT * FROM localities" }\n')
    before, pack = signature(folder), open_pack(folder)
    assert before[0] == "postgresql" and signature(folder) == before and open_pack(folder) is pack
    engine = sqlalchemy.create_engine(with_password)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE activity SET activity = activity + 1 WHERE stpkit_row = 1")
    engine.dispose()
    assert signature(folder) != before
    assert _activity_total(open_pack(folder)) == _activity_total(pack) + 1
