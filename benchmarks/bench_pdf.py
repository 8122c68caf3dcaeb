"""Board papers (issue 16): what `stpkit reports --pdf` costs, per report PDF and for the board pack.

    .venv/bin/python benchmarks/bench_pdf.py [--out DIR] [--localities ID,...] [--workers N] [--board-pack NAME,...]

Publishes the default pack's reports in DIR (a rerun there reuses them; default: every locality, all
notebooks), then prints every report's PDF and the board pack in one Chromium (`stpkit.report.pdf`,
forced, so everything is printed), and prints: the machine (cores, load average before and after),
Chromium's version, the seconds per report PDF (median, 90th centile, total), the board pack's
reports, seconds, pages and size (--board-pack as `stpkit reports`: default plan_on_a_page,
locality_deep_dive; all for every report), and the peak memory of the browser's processes (sampled
every 0.2 s).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stpkit import DEFAULT_PACK  # noqa: E402
from stpkit.report import board_pack, pdf  # noqa: E402


def _rss_of_tree(root_pid: int) -> int:
    """Resident memory (bytes) of every process whose ancestry includes root_pid, except root_pid itself."""
    parents, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
                rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                pass
    total = 0
    for pid in rss:
        up = parents.get(pid)
        while up and up != root_pid:
            up = parents.get(up)
        if up == root_pid:
            total += rss[pid]
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/stpkit-bench-pdf")
    parser.add_argument("--localities", default=None)
    parser.add_argument("--workers", default="2")
    parser.add_argument("--board-pack", default=None, help="the notebooks each locality gives the board pack, or all")
    args = parser.parse_args()
    out = Path(args.out)
    command = [str(Path(sys.executable).parent / "stpkit"), "reports", str(DEFAULT_PACK), "--out", str(out),
               "--workers", args.workers] + (["--localities", args.localities] if args.localities else [])
    started = time.monotonic()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
    print(f"reports published in {time.monotonic() - started:.1f} s (reused where up to date)")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    known = [n.get("name") for n in manifest.get("notebooks", [])] + [p.stem for p in (ROOT / "notebooks").glob("*.ipynb")]
    board = board_pack.board_choice(args.board_pack.split(",") if args.board_pack else None, known)
    version = subprocess.run([pdf.CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {os.cpu_count()} cores, load average before {os.getloadavg()}; {version}")

    peak = {"bytes": 0}
    stop = threading.Event()

    def sample():
        me = os.getpid()
        while not stop.is_set():
            peak["bytes"] = max(peak["bytes"], _rss_of_tree(me))
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    times = []
    original = pdf.Printer.print

    def timed(self, page, css):
        t0 = time.monotonic()
        try:
            return original(self, page, css)
        finally:
            times.append(time.monotonic() - t0)

    pdf.Printer.print = timed
    started = time.monotonic()
    with pdf.Printer() as printer:
        outcome = pdf.print_run(printer, out, manifest, force=True, on_problem=print, board=board)
    total = time.monotonic() - started
    stop.set()
    watcher.join()
    reports = outcome.printed
    print(f"report PDFs: {reports} printed, {len(outcome.failed)} failed; open + draw + print "
          f"{outcome.seconds_reports:.1f} s in all, {outcome.seconds_reports / max(reports, 1):.2f} s a report "
          f"(of which printing alone: median {statistics.median(times):.2f} s, "
          f"90th centile {sorted(times)[int(0.9 * (len(times) - 1))]:.2f} s)")
    size = outcome.board_pack.stat().st_size
    volumes = f" in {len(outcome.volumes)} volumes" if len(outcome.volumes) > 1 else " (one document printed once)"
    size = sum(v.stat().st_size for v in outcome.volumes)
    print(f"board pack ({','.join(board) if board else 'all'}): {outcome.board_reports} reports, "
          f"{outcome.board_pages} pages, {size / 1e6:.1f} MB, {outcome.seconds_board_pack:.1f} s{volumes}")
    print(f"whole PDF stage: {total:.1f} s; browser processes' peak memory {peak['bytes'] / 2**20:.0f} MiB; "
          f"load average after {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
