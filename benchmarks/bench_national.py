"""A national run (issue 16): every locality of a 1,250-locality pack with every notebook, local and on Dask.

    .venv/bin/python benchmarks/bench_national.py [--localities 1250] [--notebooks all|NAME,...]
        [--mode local,dask] [--workers 2] [--minutes M] [--resume] [--keep DIR]

Writes the national synthetic pack (`tests/national.py`: 1,250 localities, 80% intervals, 20 age
bands, 6,250 GP practices, two scenarios) to a temporary folder, then for each mode runs
`stpkit reports PACK --out DIR` as a user would, with the footprint's own reports too (1,251 places
x 8 notebooks = 10,008 reports):

- local: `--workers N` local worker processes (default 2, this machine's cores);
- dask: a `dask scheduler` and two `dask worker` processes (one thread each, stpkit's preload) on
  127.0.0.1, and `--scheduler tcp://127.0.0.1:PORT`.

Every process of the run is watched (`tests/national.py`, `Watch`): its peak resident memory is the
kernel's high-water mark (VmHWM), read from /proc every half second, so nothing between two looks
is missed. The script prints, for each mode, the wall time, reports made and reports a second, the
time a report (from the manifest: execute and export, on the worker), and the peak memory of the
client, each local worker process, the Dask scheduler, each Dask worker and its nanny; with the load
average before and after.

--minutes M stops each mode's run with Ctrl-C after M minutes (what finished is kept, as a person
stopping it would) and prints the partial figures, saying so. --resume then starts the same run
again in the same folder and checks it made only what was missing: nothing made twice, nothing
lost. --localities N and --notebooks cut the run down (e.g. --localities 100 --notebooks
needs_analysis,budgets).

Exits 1 if any process's peak is 1 GB or more, any report failed, or a resumed run redid or lost
anything.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_summary import machine  # noqa: E402
from national import BAR_BYTES, MB, DaskCluster, Watch, load_average, run_reports, write_national_pack  # noqa: E402
from stpkit.report import jobs  # noqa: E402


def _figures(label: str, run, watch: Watch, planned: int) -> list[str]:
    lines = []
    made = run.ran
    rate = made / run.seconds if run.seconds else 0.0
    state = ("stopped with Ctrl-C after the time asked (partial figures)" if run.stopped
             else f"exit code {run.returncode}")
    lines.append(f"{label}: {made:,} reports made in {run.seconds:,.1f} s = {rate:.2f} reports/s "
                 f"({run.summary.get('ok', 0):,} ok of {planned:,} planned, {run.summary.get('failed', 0)} failed, "
                 f"{run.summary.get('reused', 0):,} reused, {run.summary.get('not_run', 0):,} not run; {state})")
    seconds = [r["seconds"] for r in run.manifest.get("reports", [])
               if not r.get("reused") and r.get("status") == "ok" and r.get("seconds")]
    if seconds:
        for part in ("execute", "export", "total"):
            values = [s.get(part, 0.0) for s in seconds]
            lines.append(f"  a report on a worker, {part}: median {statistics.median(values):.3f} s, "
                         f"mean {statistics.fmean(values):.3f} s, max {max(values):.2f} s")
        by_notebook = {}
        for r in run.manifest.get("reports", []):
            if not r.get("reused") and r.get("status") == "ok" and r.get("seconds"):
                by_notebook.setdefault(r["notebook"], []).append(r["seconds"].get("total", 0.0))
        lines.append("  median a report by notebook: " + ", ".join(
            f"{name} {statistics.median(v):.2f} s" for name, v in by_notebook.items()))
    cpu = sum(s.cpu_seconds for s in watch.peaks())
    if made:
        lines.append(f"  CPU time of every process of the run: {cpu:,.0f} s = {cpu / made:.2f} CPU s a report "
                     "(wall time per report moves with the load; this does much less)")
    for seen in watch.peaks():
        flag = "  OVER THE 1 GB BAR" if seen.peak_bytes >= BAR_BYTES else ""
        lines.append(f"  peak memory {seen.role} (pid {seen.pid}): {seen.peak_bytes / MB:,.0f} MB{flag}; "
                     f"CPU {seen.cpu_seconds:,.0f} s")
    return lines


def _resume_check(label: str, first, second, out: Path) -> list[str]:
    """The second run made exactly what the first left undone, and kept every report the first made."""
    problems = []
    before = {(r["locality_id"], r["notebook"]): r for r in first.manifest.get("reports", [])
              if r.get("status") == "ok"}
    after = {(r["locality_id"], r["notebook"]): r for r in second.manifest.get("reports", [])}
    for key, record in before.items():
        again = after.get(key)
        if again is None or not again.get("reused") or again.get("sha256") != record.get("sha256"):
            problems.append(f"{label}: {key[0]}/{key[1]} was made again or changed by the resumed run")
    redone = [k for k, r in after.items() if not r.get("reused") and k in before]
    missing = [k for k, r in after.items() if r.get("status") != "ok"]
    if missing:
        problems.append(f"{label}: {len(missing)} reports not made after resuming, e.g. {missing[:3]}")
    if redone:
        problems.append(f"{label}: {len(redone)} reports made twice")
    for record in second.manifest.get("reports", []):
        if record.get("status") == "ok":
            path = out / record["html"]
            if not path.is_file() or jobs.sha256_file(path) != record["sha256"]["html"]:
                problems.append(f"{label}: {record['html']} is not the file the manifest records")
                break
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--localities", type=int, default=1250)
    parser.add_argument("--notebooks", default="all", help='"all" (the eight) or NAME,NAME')
    parser.add_argument("--mode", default="local,dask", help="local, dask or local,dask")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes, and Dask workers")
    parser.add_argument("--minutes", type=float, default=None, help="stop each mode's run after this long (Ctrl-C)")
    parser.add_argument("--resume", action="store_true", help="after a stopped run, resume it and check it")
    parser.add_argument("--nice", type=int, default=0,
                        help="run the reports this much nicer than the script (start the script itself with nice -n 10)")
    parser.add_argument("--keep", metavar="DIR", help="keep the pack and the reports in DIR")
    args = parser.parse_args()

    def stop(signum, frame):  # SIGTERM as Ctrl-C: the run and the cluster are stopped (no figures: the run did not end)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="stpkit-national-"))
    root.mkdir(parents=True, exist_ok=True)
    notebooks = None if args.notebooks == "all" else [n.strip() for n in args.notebooks.split(",") if n.strip()]
    count = len(notebooks or jobs.DEFAULT_NOTEBOOKS)
    planned = (args.localities + 1) * count
    print(f"Machine: {machine()}; load average {load_average()} at the start")
    print(f"stpkit {jobs.versions().get('stpkit')}; {args.localities:,} localities and the footprint x {count} "
          f"notebooks = {planned:,} reports a mode; modes {args.mode}")
    started = time.perf_counter()
    pack = root / "pack"
    if not (pack / "pack.toml").is_file():
        write_national_pack(pack, args.localities)
    print(f"Pack written in {time.perf_counter() - started:.1f} s: {pack}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STPKIT_TEST_")}
    failed = []
    try:
        for mode in [m.strip() for m in args.mode.split(",") if m.strip()]:
            out = root / f"reports-{mode}"
            watch = Watch().start()
            load_before = load_average()
            cluster = None
            try:
                if mode == "dask":
                    cluster = DaskCluster(root / "dask", workers=args.workers, env=env, watch=watch).__enter__()
                run = run_reports(pack, out, notebooks=notebooks, workers=args.workers,
                                  scheduler=cluster.address if cluster else None,
                                  stop_after_minutes=args.minutes, watch=watch, env=env, nice=args.nice)
                watch.look()
                resumed = None
                if args.resume and run.stopped:
                    resumed = run_reports(pack, out, notebooks=notebooks, workers=args.workers,
                                          scheduler=cluster.address if cluster else None, watch=watch, env=env,
                                          nice=args.nice)
                    watch.look()
            finally:
                if cluster is not None:
                    cluster.stop()
                watch.stop()
            label = f"{mode} ({'Dask, 2 workers on 127.0.0.1' if mode == 'dask' else f'{args.workers} local workers'})"
            print()
            print(f"== {label}; load average {load_before} before, {load_average()} after")
            for line in _figures(label, run, watch, planned):
                print(line)
            if run.summary.get("failed"):
                failed.append(f"{mode}: {run.summary['failed']} reports failed: "
                              + "; ".join(f"{r['locality_id']}/{r['notebook']}: {(r.get('error') or {}).get('evalue')}"
                                          for r in run.manifest.get("reports", []) if r.get("status") == "failed")[:600])
            if run.returncode not in (0, 130) or (run.returncode == 130 and not run.stopped):
                failed.append(f"{mode}: stpkit reports exited {run.returncode}: {run.stderr[-800:]}"
                              + (cluster.logs() if cluster else ""))
            if resumed is not None:
                print(f"  resumed: {resumed.ran:,} more reports in {resumed.seconds:,.1f} s "
                      f"({resumed.summary.get('reused', 0):,} kept from the stopped run), exit code {resumed.returncode}")
                failed += _resume_check(mode, run, resumed, out)
            failed += [f"{mode}: {s.role} (pid {s.pid}) peaked at {s.peak_bytes / MB:,.0f} MB, over 1 GB"
                       for s in watch.over_bar()]
            if not args.keep:
                shutil.rmtree(out, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print()
    print(f"Load average {load_average()} at the end; {time.perf_counter() - started:,.0f} s in all")
    for problem in failed:
        print(f"FAILED: {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
