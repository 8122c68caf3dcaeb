"""`stpkit reports` as a user runs it: real processes, real files, faults, interrupts, reruns, Dask."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import openpyxl
import pytest

from packs import write_pack
from stpkit.report import export, jobs, publish
from stpkit.synthetic import write_synthetic_pack

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
STPKIT = str(Path(sys.executable).parent / "stpkit")  # the installed command, as a user runs it
REPORT = str(NOTEBOOKS / "report.ipynb")
LEAKY = str(NOTEBOOKS / "leaky.ipynb")


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STPKIT_TEST_")}
    env.pop("STPKIT_DISCLOSURE", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _as_from_a_terminal() -> None:
    """Start the command as a terminal does, with Ctrl-C's default action, whatever this test process
    inherited (a process started with SIGINT ignored, as a background job is, keeps ignoring it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stpkit(*args, env=None, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([STPKIT, *map(str, args)], capture_output=True, text=True,
                          env=env or _env(), timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    return write_synthetic_pack(tmp_path_factory.mktemp("reports") / "synthetic", localities=3)


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def check_complete(out: Path, *, temp_allowed: bool = False) -> list[Path]:
    """Every file under `out` is whole (parses to its end); returns the temporary files found."""
    temps = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.name == ".stpkit-lock":
            continue
        if path.name.endswith(publish.TEMP_SUFFIX):
            assert path.name.startswith("."), path
            temps.append(path)
            continue
        if path.suffix == ".html":
            text = path.read_text(encoding="utf-8")
            assert text.rstrip().endswith("</html>"), path
            assert export.fetches(text) == [], path
            assert all((out / export.SHARED / name).is_file() for name in export.shared_references(text)), path
        elif path.parent.name == export.SHARED and path.suffix in (".js", ".css"):  # the light reports' shared files
            text = path.read_text(encoding="utf-8")
            assert text.rstrip().endswith("})();" if path.suffix == ".js" else "}"), path
        elif path.suffix == ".ipynb":
            nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".xlsx":
            openpyxl.load_workbook(path)
        else:
            raise AssertionError(f"unexpected file {path}")
    if not temp_allowed:
        assert temps == []
    return temps


def check_records(out: Path) -> dict:
    """Every report the manifest calls ok is there, unchanged, and linked from the index."""
    data = manifest(out)
    index = (out / "index.html").read_text(encoding="utf-8") if (out / "index.html").exists() else ""
    for record in data["reports"]:
        if record["status"] == "ok":
            for kind in ("html", "ipynb"):
                path = out / record[kind]
                assert path.is_file() and jobs.sha256_file(path) == record["sha256"][kind], path
                if index and kind == "html":  # managers get the report; the executed notebook is in the manifest
                    assert f'href="{record[kind]}"' in index
    return data


@pytest.mark.e2e
def test_reports_for_a_pack_with_index_manifest_and_workbook(pack, tmp_path):
    """Synthetic pack, the footprint and 3 localities (awkward names, one of 3,200 people) x 2 notebooks, on 2
    worker processes."""
    out = tmp_path / "out"
    run = stpkit("reports", pack, "--out", out, "--notebooks", f"{REPORT},{LEAKY}", "--workers", 2)
    assert run.returncode == 0, run.stderr
    assert "8 reports" in run.stdout and "8 ok" in run.stdout and "\r" not in run.stdout  # no bar off a terminal
    check_complete(out)
    data = check_records(out)
    assert data["summary"] == {"ok": 8, "failed": 0, "reused": 0, "not_run": 0, "carried": 0}
    assert data["run"]["executor"] == "2 local worker processes" and data["run"]["disclosure"] is True
    assert set(data["inputs"]["pack"]["files"]) >= {"localities.csv", "activity.csv", "pods.csv", "pack.toml"}
    assert data["versions"]["pandas"] and data["inputs"]["stpkit"]["source_hash"] == jobs.source_hash()
    assert {r["worker"] for r in data["reports"]} and all(r["seconds"]["total"] > 0 for r in data["reports"])
    assert [n["title"] for n in data["notebooks"]] == ["Test report", "Leaky"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "St Mary&#x27;s &amp; St John&#x27;s (North)" in index and "Test report" in index
    assert "Gross savings" in index and "footprint_tables.xlsx" in index and export.fetches(index) == []
    page = (out / "L0002" / "report.html").read_text(encoding="utf-8")
    assert "Bishop's Stortford &amp; Sawbridgeworth (L0002)" in page and 'src="data:image/svg+xml;base64,' in page
    assert "import os" not in page and "charts.setup()" not in page  # no code in a report
    assert 'href="../index.html"' in page
    book = openpyxl.load_workbook(out / "footprint_tables.xlsx")
    assert book.sheetnames == ["About", "Activity", "Savings by locality", "Footprint", "Investment by year",
                               "Cash flow", "Workforce", "Beds", "Plan on a page", "Initiative finance",
                               "Fair shares"]
    assert book["Activity"].max_row == 1 + 3 * 5  # localities x points of delivery

    # a rerun redoes nothing that is up to date
    before = {p: p.stat().st_mtime_ns for p in out.glob("L*/*")}
    again = stpkit("reports", pack, "--out", out, "--notebooks", f"{REPORT},{LEAKY}", "--workers", 0)
    assert again.returncode == 0, again.stderr
    assert manifest(out)["run"]["ran"] == 0 and manifest(out)["summary"]["reused"] == 8
    assert before == {p: p.stat().st_mtime_ns for p in out.glob("L*/*")} and len(before) == 12


@pytest.mark.integration
def test_rerun_redoes_what_is_out_of_date_missing_or_forced(pack, tmp_path, monkeypatch):
    """Reruns in this process (workers=0): the notebook, a missing file, the pack, --force, a subset."""
    from stpkit.report.build import build_reports

    monkeypatch.delenv("STPKIT_TEST_FAIL_LOCALITY", raising=False)
    local_pack = tmp_path / "pack"
    shutil.copytree(pack, local_pack)
    notebook = tmp_path / "report.ipynb"
    shutil.copy(REPORT, notebook)
    out = tmp_path / "out"

    def run(**options):
        result = build_reports(local_pack, out, notebooks=[str(notebook), LEAKY], workers=0, **options)
        assert result.failed == 0 and not result.interrupted
        return result.manifest

    assert run()["run"]["ran"] == 8  # the footprint and 3 localities x 2 notebooks
    assert run()["run"]["ran"] == 0

    changed = nbformat.read(notebook, as_version=4)  # the notebook changes: its four reports are redone
    changed.cells[0].source += "\n\nOne more sentence."
    nbformat.write(changed, notebook)
    data = run()
    assert data["run"]["ran"] == 4 and {r["notebook"] for r in data["reports"] if not r["reused"]} == {"report"}
    assert "One more sentence." in (out / "L0001" / "report.html").read_text(encoding="utf-8")

    (out / "L0003" / "leaky.html").unlink()  # a report goes missing: only it is redone
    assert run()["run"]["ran"] == 1 and (out / "L0003" / "leaky.html").is_file()
    (out / "L0001" / "leaky.ipynb").write_text("{}")  # or is changed by hand
    assert run()["run"]["ran"] == 1

    assert run(disclosure=False)["run"]["ran"] == 8  # a parameter changes: everything is redone
    pods = local_pack / "pods.csv"  # the pack changes: everything is redone, the workbook too
    workbook = (out / "footprint_tables.xlsx").stat().st_mtime_ns
    pods.write_text(pods.read_text().replace("0.023", "0.024", 1))
    assert run()["run"]["ran"] == 8 and (out / "footprint_tables.xlsx").stat().st_mtime_ns != workbook
    assert run(force=True)["run"]["ran"] == 8
    subset = run(localities=["L0002"])  # a run for one locality (and the footprint) keeps the others in the index
    assert subset["run"]["ran"] == 0 and subset["summary"]["ok"] == 4 and subset["summary"]["carried"] == 4
    assert len(subset["reports"]) == 8 and len(subset["localities"]) == 4
    assert [p["locality_id"] for p in subset["localities"]] == ["all", "L0001", "L0002", "L0003"]
    assert (out / "index.html").read_text(encoding="utf-8").count('href="L0003/report.html"') == 1
    again = run()
    assert again["run"]["ran"] == 0 and again["summary"]["reused"] == 8 and again["summary"]["carried"] == 0
    check_complete(out)
    check_records(out)


@pytest.mark.e2e
def test_a_failing_locality_is_reported_and_the_others_complete(pack, tmp_path):
    out = tmp_path / "out"
    run = stpkit("reports", pack, "--out", out, "--notebooks", REPORT, "--workers", 2,
                 env=_env(STPKIT_TEST_FAIL_LOCALITY="L0002"))
    assert run.returncode == 1
    assert ("failed: Bishop's Stortford & Sawbridgeworth (L0002), Test report: RuntimeError: "
            "a test failure for locality L0002") in run.stderr
    assert "3 ok" in run.stdout and "1 failed" in run.stdout  # the footprint and two localities
    check_complete(out)
    data = check_records(out)
    failed = [r for r in data["reports"] if r["status"] == "failed"]
    assert [r["locality_id"] for r in failed] == ["L0002"]
    assert failed[0]["error"]["ename"] == "RuntimeError" and "L0002" in failed[0]["error"]["evalue"]
    assert "raise RuntimeError" in failed[0]["error"]["traceback"] and "\x1b[" not in failed[0]["error"]["traceback"]
    assert not (out / "L0002" / "report.html").exists()
    executed = nbformat.read(out / "L0002" / "report.ipynb", as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in executed.cells for o in c.get("outputs", []))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "RuntimeError: a test failure for locality L0002" in index and 'class="failed"' in index
    assert (out / "L0001" / "report.html").is_file() and (out / "L0003" / "report.html").is_file()

    rerun = stpkit("reports", pack, "--out", out, "--notebooks", REPORT, "--workers", 0)
    assert rerun.returncode == 0, rerun.stderr
    data = manifest(out)
    assert data["run"]["ran"] == 1 and data["summary"]["ok"] == 4
    assert (out / "L0002" / "report.html").is_file()


def _group_gone(group: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.e2e
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "sigkill"])
def test_an_interrupted_run_leaves_no_half_written_report_and_a_rerun_completes(pack, tmp_path, how):
    out = tmp_path / "out"
    args = [STPKIT, "reports", str(pack), "--out", str(out), "--notebooks",
            f"{REPORT},{LEAKY}", "--workers", "2"]
    with open(tmp_path / "stdout", "w") as stdout, open(tmp_path / "stderr", "w") as stderr:
        process = subprocess.Popen(args, stdout=stdout, stderr=stderr, cwd=ROOT, start_new_session=True,
                                   env=_env(STPKIT_TEST_SLEEP="1.5"), preexec_fn=_as_from_a_terminal)
        group = os.getpgid(process.pid)
        try:
            deadline = time.monotonic() + 240
            while not list(out.glob("L*/*.html")):  # mid-run: the first reports are out, others running
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr").read_text()
                time.sleep(0.05)
            if how == "ctrl-c":
                os.killpg(group, signal.SIGINT)  # what a terminal sends to the whole foreground group
            else:
                process.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
            code = process.wait(timeout=120)
            assert _group_gone(group, 30), "worker processes outlived the run"
        finally:
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
    temps = check_complete(out, temp_allowed=how == "sigkill")
    if how == "sigkill":
        assert code == -signal.SIGKILL
        recorded = publish.read_manifest(out)
    else:
        assert code == 130, (tmp_path / "stderr").read_text()
        assert "interrupted" in (tmp_path / "stderr").read_text()
        data = check_records(out)
        assert data["run"]["interrupted"] is True and data["summary"]["not_run"] > 0
        assert "interrupted" in (out / "index.html").read_text(encoding="utf-8")
        recorded = data
    kept = sum(1 for r in (recorded or {}).get("reports", []) if r["status"] == "ok")

    rerun = stpkit("reports", pack, "--out", out, "--notebooks", f"{REPORT},{LEAKY}", "--workers", 0)
    assert rerun.returncode == 0, rerun.stderr
    check_complete(out)
    data = check_records(out)
    assert data["summary"]["ok"] == 8 and data["run"]["ran"] == 8 - kept
    assert not any(p.exists() for p in temps)


@pytest.mark.e2e
def test_progress_bar_on_a_terminal(pack, tmp_path):
    leader, follower = pty.openpty()
    process = subprocess.Popen([STPKIT, "reports", str(pack), "--out", str(tmp_path / "o"),
                                "--notebooks", REPORT, "--workers", "0"], stdout=follower, stderr=subprocess.PIPE,
                               cwd=ROOT, env=_env())
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=300) == 0, process.stderr.read()
    os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert "\r" in text and "4/4 localities, 4/4 reports, 0 failed" in text and "left" in text


@pytest.mark.e2e
def test_unknown_localities_and_notebooks_are_one_line_errors_before_anything_runs(pack, tmp_path):
    out = tmp_path / "out"
    run = stpkit("reports", pack, "--out", out, "--localities", "L0001,NOPE")
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert run.stderr.startswith('stpkit: error: no locality "NOPE"') and "L0001 " in run.stderr and not out.exists()
    run = stpkit("reports", pack, "--out", out, "--notebooks", "needs_analysis,nope")
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "no notebook 'nope'" in run.stderr
    assert "needs_analysis" in run.stderr and not out.exists()
    run = stpkit("reports", pack, "--out", out, "--scheduler", "localhost")
    assert run.returncode == 2 and "tcp://HOST:PORT" in run.stderr and not out.exists()
    broken = write_pack(tmp_path / "broken",
                        localities_csv="locality_id,locality,group,population\nA1,Ashby,North,-5\n")
    run = stpkit("reports", broken, "--out", out)
    assert run.returncode == 1 and "localities.csv" in run.stderr and not out.exists()


SMALL = """locality_id,pod,activity
A1,non_elective,1000
A1,outpatient,20000
B2,non_elective,4000
B2,outpatient,90000
C3,non_elective,5
C3,outpatient,7000
"""


@pytest.mark.e2e
@pytest.mark.parametrize("switch", ["default", "--no-disclosure"])
def test_disclosure_control_stars_small_counts_in_published_reports(tmp_path, switch):
    """Cray (C3) has 5 emergency admissions: '*' in its report table and the workbook unless switched off."""
    small = write_pack(tmp_path / "pack", activity_csv=SMALL)
    out = tmp_path / "out"
    args = ["reports", small, "--out", out, "--notebooks", REPORT, "--workers", 0, "--localities", "C3,A1"]
    run = stpkit(*args, *([switch] if switch != "default" else []))
    assert run.returncode == 0, run.stderr
    page = (out / "C3" / "report.html").read_text(encoding="utf-8")
    row = next(r for r in page.split("<tr") if ">non_elective<" in r)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)[1:]  # base, momentum, target, avoided, savings
    book = openpyxl.load_workbook(out / "footprint_tables.xlsx")["Activity"]
    base = {(r[0].value, r[3].value): r[4].value for r in book.iter_rows(min_row=2)}
    if switch == "default":
        assert cells[:3] == ["*", "*", "*"]  # base 5, momentum 5.6, target 5.6 admissions
        assert base[("C3", "Non-elective (emergency) admissions")] == "*"
        assert "Counts from 1 to 7 are shown as *" in page and manifest(out)["run"]["disclosure"] is True
        assert (out / "A1" / "report.html").read_text(encoding="utf-8").count(">*<") == 0
    else:
        assert cells[:3] == ["5", "6", "6"]
        assert base[("C3", "Non-elective (emergency) admissions")] == 5
        assert "Counts from 1 to 7" not in page and "Do not publish" in run.stderr
        assert manifest(out)["run"]["disclosure"] is False


@pytest.mark.e2e
def test_default_pack_with_the_four_notebooks_for_two_localities(tmp_path):
    """Mid and South Essex, Braintree and one other locality: every default notebook published and indexed."""
    out = tmp_path / "out"
    run = stpkit("reports", "data/mid_south_essex", "--out", out, "--localities", "MSE01,MSE14")
    assert run.returncode == 0, run.stderr
    check_complete(out)
    data = check_records(out)
    assert data["summary"]["ok"] == 3 * len(jobs.DEFAULT_NOTEBOOKS)  # the footprint's pages and each locality's
    assert [n["name"] for n in data["notebooks"]] == list(jobs.DEFAULT_NOTEBOOKS)
    assert all(r["headlines"] for r in data["reports"])
    page = (out / "MSE01" / "needs_analysis.html").read_text(encoding="utf-8")
    assert "Braintree" in page and "data-stpkit-chart" in page and "<table" in page
    assert len(page) < 100_000 and all((out / "_stpkit" / name).is_file() for name in export.shared_references(page))
    # the index opens with the footprint's plan on a page, linked
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.index('id="plan-on-a-page"') < index.index("<table>")
    assert data["plan"]["headline"] in index.replace("&#x27;", "'") and 'href="all/plan_on_a_page.html"' in index


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.e2e
def test_reports_on_a_dask_cluster(pack, tmp_path):
    """A real `dask scheduler` and two `dask worker` processes on 127.0.0.1, the pack sent with the run."""
    dask = Path(sys.executable).parent / "dask"
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = []
    try:
        processes.append(subprocess.Popen(
            [str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
            stdout=open(logs / "scheduler", "w"), stderr=subprocess.STDOUT, cwd=tmp_path, env=_env()))
        for name in ("one", "two"):
            processes.append(subprocess.Popen(
                [str(dask), "worker", address, "--nthreads", "1", "--name", name, "--dashboard-address", ":0",
                 "--local-directory", str(tmp_path / name), "--preload", "stpkit.report.cluster"],
                stdout=open(logs / name, "w"), stderr=subprocess.STDOUT, cwd=tmp_path, env=_env()))
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=240)
        out = tmp_path / "out"
        run = stpkit("reports", pack, "--out", out, "--notebooks", REPORT, "--scheduler", address)
        assert run.returncode == 0, run.stderr + "".join((logs / n).read_text() for n in ("scheduler", "one", "two"))
        check_complete(out)
        data = check_records(out)
        assert data["summary"]["ok"] == 4  # three localities and the footprint
        assert data["run"]["executor"] == f"Dask cluster at {address}"
        for record in data["reports"]:
            executed = nbformat.read(out / record["ipynb"], as_version=4)
            sent = executed.metadata["papermill"]["parameters"]["pack"]
            assert "stpkit-packs" in sent and sent != str(pack)  # the pack travelled with the run
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
