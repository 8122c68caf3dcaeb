"""Per-locality reports (issues 5 and 16): the plain way against `stpkit reports`, on the default pack.

    .venv/bin/python benchmarks/bench_reports.py [--plain-localities N] [--workers N] [--keep DIR]

The plain way is a loop, one report after another, of
    papermill notebooks/NAME.ipynb OUT/ID/NAME.ipynb -p pack PACK -p locality ID
    jupyter nbconvert --to html --no-input OUT/ID/NAME.ipynb
each paying a kernel start and the imports again (run with the same environment the reports get:
STPKIT_DISCLOSURE=1, STPKIT_DISPLAY=static). The fast way is one command,
    stpkit reports PACK --out DIR --force
timed as a whole process from start to exit (worker start-up, warm-up, the workbook and the index
included), making light reports (the default: charts drawn in the browser from the shared library
in OUT/_stpkit). By default both run the full default pack, the footprint and its 26 localities x
8 notebooks = 216 reports, in one run of this script. --plain-localities N runs the plain way on
the footprint and the first N-1 localities only and extrapolates its time to every report; the
output then says "extrapolated" plainly. The plain loop draws its charts as SVG in the kernel, as a
notebook run by papermill does by itself; stpkit reports leaves that to the export.

Same figures: for every report both ways made, the executed notebooks are compared output by
output (stpkit.report.compare: every figure, less ids that are only labels; stpkit's charts, which
travel as specifications, drawn as SVG first), and papermill's notebook is exported with stpkit's
own exporter as a self-contained page and compared byte for byte with stpkit's notebook exported
the same way; the published light report must equal stpkit's notebook exported light. The script
prints the machine (cores, CPU, load average before and after), the versions, both times, the
time per report and the ratio; it exits 1 if the ratio is under 50 or any figure differs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from stpkit import DEFAULT_PACK, load_pack  # noqa: E402
from stpkit.report import compare, export, jobs  # noqa: E402
from stpkit.report.build import FOOTPRINT, banner, note_line, with_footprint  # noqa: E402

BAR = 50.0
BIN = Path(sys.executable).parent
ENV = {"STPKIT_DISCLOSURE": "1", "STPKIT_DISPLAY": "static"}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def run_fast(pack: Path, out: Path, workers: int | None) -> float:
    command = [str(BIN / "stpkit"), "reports", str(pack), "--out", str(out), "--force"]
    if workers is not None:
        command += ["--workers", str(workers)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"stpkit reports failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds


def run_plain(pack: Path, out: Path, localities: list[str], notebooks: list[str]) -> tuple[float, list, list]:
    env = {**os.environ, **ENV}
    papermill_s, nbconvert_s = [], []
    start = time.perf_counter()
    for locality in localities:
        (out / locality).mkdir(parents=True, exist_ok=True)
        for name in notebooks:
            executed = out / locality / f"{name}.ipynb"
            t0 = time.perf_counter()
            subprocess.run([str(BIN / "papermill"), str(ROOT / "notebooks" / f"{name}.ipynb"), str(executed),
                            "-p", "pack", str(pack), "-p", "locality", locality, "--no-progress-bar"],
                           check=True, capture_output=True, env=env, cwd=ROOT)
            t1 = time.perf_counter()
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                           check=True, capture_output=True, env=env, cwd=ROOT)
            papermill_s.append(t1 - t0)
            nbconvert_s.append(time.perf_counter() - t1)
            print(f"  plain {locality} {name}: papermill {t1 - t0:.1f} s, nbconvert {nbconvert_s[-1]:.1f} s",
                  flush=True)
    return time.perf_counter() - start, papermill_s, nbconvert_s


def drawn(nb):
    """A copy of an executed notebook with its charts' specifications drawn as SVG, as the kernel draws them."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html")
            if html is not None and "data-stpkit-chart" in export._text(html):
                output["data"]["text/html"] = export.draw_places(export._text(html))
    return nb


def compare_reports(pack, fast: Path, plain: Path, localities: list[str], notebooks: list[str]) -> list[str]:
    """Differences between the two ways' figures and report pages (empty when they agree)."""
    manifest = json.loads((fast / "manifest.json").read_text(encoding="utf-8"))
    note = note_line(manifest["run"]["started"], pack.name)
    plan = {job.key: job for job in jobs.plan(with_footprint(pack, pack.localities), jobs.find_notebooks(notebooks),
                                             pack_path=pack.path, pack_hash="", disclosure=True)}
    exporter = export.exporter()
    problems = []
    for locality in localities:
        for name in notebooks:
            job = plan[f"{locality}/{name}"]
            mine = nbformat.read(fast / job.ipynb, as_version=4)
            theirs = nbformat.read(plain / locality / f"{name}.ipynb", as_version=4)
            problems += [f"{locality} {name}: {line}" for line in compare.differences(drawn(mine), theirs)]
            shown = banner(pack.name, job, note, True)
            if exporter.export(theirs, **shown) != exporter.export(mine, **shown):
                problems.append(f"{locality} {name}: the self-contained page differs from papermill's notebook exported")
            light = exporter.export(mine, **shown, shared=export.SHARED_LINK)
            if light != (fast / job.html).read_text("utf-8"):
                problems.append(f"{locality} {name}: the light report differs from its notebook exported")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plain-localities", type=int, default=None,
                        help="run the plain way on the footprint and the first N-1 localities only and extrapolate "
                             "(default: all)")
    parser.add_argument("--workers", type=int, default=None, help="stpkit reports --workers (default: cores)")
    parser.add_argument("--keep", type=Path, default=None, help="keep both outputs in this folder")
    args = parser.parse_args()

    pack = load_pack(DEFAULT_PACK)
    ids = [FOOTPRINT] + [str(i) for i in pack.localities["locality_id"]]
    notebooks = list(jobs.DEFAULT_NOTEBOOKS)
    plain_ids = ids[: args.plain_localities] if args.plain_localities else ids
    work = Path(tempfile.mkdtemp(prefix="bench-reports-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    fast_out, plain_out = work / "fast", work / "plain"
    shutil.rmtree(fast_out, ignore_errors=True)
    shutil.rmtree(plain_out, ignore_errors=True)

    print(f"Machine: {os.cpu_count()} cores, {cpu_model()}, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}")
    print("Versions: " + ", ".join(f"{k} {v}" for k, v in jobs.versions().items() if v))
    print(f"Pack: {pack.name}, the footprint and {len(ids) - 1} localities x {len(notebooks)} notebooks = "
          f"{len(ids) * len(notebooks)} reports")
    print(f"Load average before: {load()}")

    fast_s = run_fast(DEFAULT_PACK, fast_out, args.workers)
    reports = len(ids) * len(notebooks)
    print(f"stpkit reports: {fast_s:.1f} s for {reports} reports ({fast_s / reports:.2f} s a report), "
          f"load average {load()}", flush=True)

    pages = [path.stat().st_size for path in fast_out.glob("*/*.html")]
    shared = sum(path.stat().st_size for path in (fast_out / export.SHARED).glob("*"))
    print(f"Report HTML: {len(pages)} pages, {sum(pages) / len(pages) / 1000:.0f} KB on average (largest "
          f"{max(pages) / 1000:.0f} KB); shared once in {export.SHARED}/: {shared / 1000:.0f} KB", flush=True)

    plain_s, papermill_s, nbconvert_s = run_plain(DEFAULT_PACK, plain_out, plain_ids, notebooks)
    ran = len(plain_ids) * len(notebooks)
    full = plain_s / ran * reports
    extrapolated = len(plain_ids) < len(ids)
    print(f"plain loop: {plain_s:.1f} s for {ran} reports ({plain_s / ran:.2f} s a report: papermill "
          f"{sum(papermill_s) / ran:.2f} s, nbconvert {sum(nbconvert_s) / ran:.2f} s)")
    if extrapolated:
        print(f"plain loop for all {reports} reports: {full:.1f} s EXTRAPOLATED from {ran} reports "
              f"({len(plain_ids)} of {len(ids)} localities)")
    ratio = full / fast_s
    print(f"Load average after: {load()}")
    print(f"Ratio: {ratio:.1f}x faster ({'extrapolated plain time' if extrapolated else 'both measured in full'}); "
          f"bar {BAR:.0f}x")

    problems = compare_reports(pack, fast_out, plain_out, plain_ids, notebooks)
    print(f"Same figures: {ran - len({p.split(':')[0] for p in problems})} of {ran} reports identical "
          f"(outputs compared; report pages byte for byte)")
    for line in problems[:20]:
        print("  " + line)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ratio >= BAR and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
