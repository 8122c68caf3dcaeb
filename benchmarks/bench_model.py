"""The full model on a 1,250-locality pack with 1,000 Monte Carlo draws (issue 3: under 1 s, under 2 GB).

    .venv/bin/python benchmarks/bench_model.py [--localities 1250] [--draws 1000] [--repeat 5]

Writes a synthetic pack with 80% intervals on growth, unit costs and reductions to a temporary folder,
loads it (timed on its own), then times the full model in this process: activity projection, needs,
investment (phasing, scenarios, cash flow, appraisal), workforce, and the uncertainty Monte Carlo
with its P10/P50/P90 tables. Peak memory is measured twice: tracemalloc's peak of one model run
(Python and numpy allocations) on a separate, untimed run, and the process's peak resident set
(resource.getrusage ru_maxrss) at the end. Exits 1 if the model misses the bar.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from stpkit import activity, investment, load_pack, needs, uncertainty, workforce  # noqa: E402
from stpkit.synthetic import write_synthetic_pack  # noqa: E402

BAR_SECONDS = 1.0
BAR_BYTES = 2 * 1024 ** 3


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{usable} cores usable (nproc), {os.cpu_count()} online, {cpu}; Python {platform.python_version()}, "
            f"numpy {np.__version__}, pandas {pd.__version__}")


def full_model(pack, draws: int) -> dict[str, float]:
    """Run every part of the model once; return seconds per part."""
    marks = [("start", time.perf_counter())]
    projection = activity.project(pack)
    activity.by_pod(projection)
    marks.append(("activity", time.perf_counter()))
    needs.needs_for(pack)
    marks.append(("needs", time.perf_counter()))
    data = investment.inputs(pack, projection)
    investment.by_year(pack.investments, data.years)
    investment.cash_flow(data)
    investment.scenarios(data)
    investment.appraise(data)
    marks.append(("investment", time.perf_counter()))
    tables = workforce.workforce_for(pack)
    marks.append(("workforce", time.perf_counter()))
    result = uncertainty.uncertainty_for(pack, draws=draws, projection=projection, workforce_tables=tables)
    marks.append(("uncertainty", time.perf_counter()))
    assert result["simulation"].draws == draws
    parts = {name: marks[i][1] - marks[i - 1][1] for i, (name, _) in enumerate(marks) if i}
    parts["total"] = marks[-1][1] - marks[0][1]
    return parts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--localities", type=int, default=1250)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        path = write_synthetic_pack(Path(folder) / "pack", localities=args.localities, intervals=True)
        written = time.perf_counter() - start
        start = time.perf_counter()
        pack = load_pack(path)
        loaded = time.perf_counter() - start
    cells = len(pack.activity)
    print(f"pack: {args.localities} localities, {cells} activity rows, {len(pack.schemes)} schemes, "
          f"intervals on growth, unit cost and reduction; written in {written:.2f} s")
    print(f"load (validate + read): {loaded:.3f} s")

    runs = [full_model(pack, args.draws) for _ in range(args.repeat)]
    totals = [r["total"] for r in runs]
    median = statistics.median(totals)
    parts = {name: statistics.median(r[name] for r in runs) for name in runs[0] if name != "total"}
    print(f"full model, {args.draws} draws ({args.draws} x {cells} = {args.draws * cells:,} cell values): "
          f"first {totals[0]:.3f} s, best {min(totals):.3f} s, median {median:.3f} s over {args.repeat} runs")
    print("  median by part: " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in parts.items()))

    tracemalloc.start()
    full_model(pack, args.draws)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    print(f"peak memory: tracemalloc {peak / 1024 ** 2:.0f} MB during one model run; "
          f"process peak RSS {rss / 1024 ** 2:.0f} MB (interpreter, pandas and the pack included)")

    ok = median < BAR_SECONDS and max(peak, rss) < BAR_BYTES
    print(f"bar: under {BAR_SECONDS:.0f} s and under {BAR_BYTES / 1024 ** 3:.0f} GB -> {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
