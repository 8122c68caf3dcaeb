"""The long run of the damaged-pack property test (issue 13): ten thousand damaged packs or more.

    nice -n 10 .venv/bin/python benchmarks/bench_damaged_packs.py [--examples 10000] [--workers 2] [--seed 0]

Each example is a good synthetic pack with one to three random edits (tests/damage.py: a cell, a row,
a header, bytes, a cut, an encoding, a separator, a setting), used as a folder, a workbook or a database
pack. Each must be refused with one-line problems, or run through the summary and all four pages with
nothing shown as nan, inf or None. The examples are shared out between `--workers` processes (each its
own Hypothesis run with its own seed). An example that uses more than `--limit` seconds of processor time
(not wall-clock time, which a busy shared machine stretches) is a failure too: it is stopped and the
run goes on. Every failing or slow example's files are kept under `--keep`
to be rerun with `--replay FOLDER`.

Prints how many were refused, ran, or could not be written in their form, the time taken (wall clock
and the slowest examples), the load average, and every failure with the example that caused it;
exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_summary import machine  # noqa: E402


class TooSlow(Exception):
    """An example used more than the limit of processor time."""


def _alarm(signum, frame):
    raise TooSlow("used more than the limit of processor time")


def _keep(keep: Path, data: dict[str, bytes], form: str, pick: float, label: str) -> Path:
    """The example's files, form and pick written to a folder of their own, for --replay."""
    where = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=keep))
    files = where / "files"
    files.mkdir()
    for name, content in data.items():
        (files / name).write_bytes(content)
    (where / "case.json").write_text(json.dumps({"form": form, "pick": pick}), encoding="utf-8")
    return where


def worker(job: dict) -> dict:
    """One process's share of the examples: its counts, failures and slowest examples."""
    from hypothesis import HealthCheck, given, seed, settings

    from damage import damaged, good_files, make, outcome
    from stpkit.synthetic import write_synthetic_pack

    root = Path(tempfile.mkdtemp(prefix="stpkit-damaged-"))
    files = good_files(write_synthetic_pack(root / "good", localities=3, seed=5))
    keep = Path(job["keep"])
    counts: collections.Counter = collections.Counter()
    failures: list[str] = []
    slowest: list[tuple[float, str]] = []
    started = time.perf_counter()
    signal.signal(signal.SIGPROF, _alarm)

    @settings(max_examples=job["examples"], deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=["generate"])
    @seed(job["seed"])
    @given(case=damaged(files))
    def run(case):
        if job["minutes"] is not None and time.perf_counter() - started > job["minutes"] * 60:
            counts["not tried: out of time"] += 1
            return
        data, form, pick = case
        began = time.perf_counter()
        signal.setitimer(signal.ITIMER_PROF, job["limit"])  # processor time: a busy machine is not a slow example
        try:
            path = make(data, form, root / "case")
            if path is None:
                counts[f"{form.split(':')[0]}: not writable in this form"] += 1
                return
            counts[f"{form.split(':')[0]}: {outcome(path, pick)}"] += 1
        except Exception as error:  # noqa: BLE001 - counted and shown, the run goes on
            signal.setitimer(signal.ITIMER_PROF, 0)
            counts[f"{form.split(':')[0]}: FAILED"] += 1
            kept = _keep(keep, data, form, pick, "slow" if isinstance(error, TooSlow) else "failed")
            failures.append(f"{form}: {type(error).__name__}: {str(error)[:300]} (kept in {kept})\n"
                            + "".join(traceback.format_exception(error)[-3:]))
            print("FAILURE", failures[-1], flush=True)  # as it happens: a long run may be stopped early
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            took = time.perf_counter() - began
            if len(slowest) < 5 or took > slowest[-1][0]:
                slowest.append((took, form))
                slowest.sort(reverse=True)
                del slowest[5:]
        done = sum(counts.values())
        if done % 100 == 0:
            print(f"  worker {job['number']}: {done:,} examples, {time.perf_counter() - started:.0f} s, "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)

    run()
    shutil.rmtree(root, ignore_errors=True)
    return {"counts": dict(counts), "failures": failures, "slowest": slowest}


def replay(folder: Path) -> int:
    """Rerun one kept example, with its traceback in full."""
    from damage import make, outcome

    case = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    data = {p.name: p.read_bytes() for p in sorted((folder / "files").iterdir())}
    began = time.perf_counter()
    path = make(data, case["form"], Path(tempfile.mkdtemp(prefix="stpkit-replay-")) / "case")
    print(f"{case['form']}: {'not writable' if path is None else outcome(path, case['pick'])} "
          f"in {time.perf_counter() - began:.1f} s")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="processes sharing the examples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=60, help="seconds of processor time an example may use before it fails")
    parser.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "stpkit-damaged-kept",
                        help="folder for the failing and slow examples' files")
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop trying new examples after this long and print what was done")
    parser.add_argument("--replay", type=Path, default=None, help="rerun one kept example's folder")
    args = parser.parse_args()
    if args.replay is not None:
        return replay(args.replay)
    args.keep.mkdir(parents=True, exist_ok=True)
    share = [args.examples // args.workers + (i < args.examples % args.workers) for i in range(args.workers)]
    jobs = [{"number": i, "examples": n, "seed": args.seed * 1000 + i, "limit": args.limit,
             "minutes": args.minutes, "keep": str(args.keep)} for i, n in enumerate(share)]
    started = time.perf_counter()
    loads = [os.getloadavg()[0]]
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        pending = pool.map_async(worker, jobs)
        while not pending.ready():
            pending.wait(30)
            loads.append(os.getloadavg()[0])
        results = pending.get()
    seconds = time.perf_counter() - started
    counts: collections.Counter = collections.Counter()
    failures = [f for r in results for f in r["failures"]]
    for r in results:
        counts.update(r["counts"])
    slowest = sorted((s for r in results for s in r["slowest"]), reverse=True)[:5]
    total = sum(v for k, v in counts.items() if not k.startswith("not tried"))
    print(f"machine: {machine()}; load average {min(loads):.1f} to {max(loads):.1f} "
          f"(mean {sum(loads) / len(loads):.1f}) during the run")
    print(f"{total:,} damaged packs in {seconds:.0f} s with {args.workers} processes "
          f"({total / max(seconds, 1e-9):.2f} packs a second; slowest: "
          f"{', '.join(f'{t:.1f} s ({form})' for t, form in slowest)}):")
    for key in sorted(counts):
        print(f"  {key}: {counts[key]:,}")
    refused = sum(v for k, v in counts.items() if k.endswith("refused"))
    ran = sum(v for k, v in counts.items() if k.endswith("ran"))
    print(f"refused clearly {refused:,}, ran cleanly {ran:,}, failed {len(failures):,}")
    for failure in failures:
        print("FAILURE", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
