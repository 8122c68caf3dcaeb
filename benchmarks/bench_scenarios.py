"""Comparing scenarios and switching a page's scenario on the default pack (issue 12).

    .venv/bin/python benchmarks/bench_scenarios.py [--repeat 5] [--draws 1000]

Prints the best and median wall time, in one warm process (pack loaded once, as in an app kernel or a
script), of:
- comparing three scenarios (comprehensive, interim, third) for the whole footprint: headlines, the
  difference by locality and the attribution waterfall, no draws (bar: under 0.5 s);
- the same with the paired Monte Carlo draws (default 1,000 a scenario) for P10-P90 and the chance of
  doing better (bar: under 2 s);
- switching a what-if page to another scenario: a new page for the scenario with its figures worked
  out, each of the four what-if pages in turn (bar: under 0.5 s each; the model part of an app's switch).
Exits 1 if a median misses its bar.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("STPKIT_DISPLAY", "static")

from stpkit import comparison, pages  # noqa: E402
from stpkit.pack import load_pack  # noqa: E402


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def timed(work, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    pack = load_pack()
    names = "comprehensive,interim,third"
    comparison.compare(pack, names, uncertain=False)  # imports and first-call costs, as a warm kernel has paid
    rows = [("compare 3 scenarios, footprint, no draws", 0.5,
             timed(lambda: comparison.compare(pack, names, uncertain=False), args.repeat)),
            (f"compare 3 scenarios, footprint, {args.draws:,} paired draws", 2.0,
             timed(lambda: comparison.compare(pack, names, draws=args.draws), args.repeat))]
    for page in (pages.NeedsPage, pages.LocalityPage, pages.InvestmentPage, pages.WorkforcePage):
        page(pack, "all", mode="static", scenario="interim")
        cycle = iter(["third", "do-nothing", "interim", "comprehensive", "do-something"] * args.repeat)
        rows.append((f"switch {page.notebook} to another scenario", 0.5,
                     timed(lambda: page(pack, "all", mode="static", scenario=next(cycle)), args.repeat)))
    print(f"Machine: {machine()}; {pack.name}, {len(pack.localities)} localities; {args.repeat} runs each")
    missed = False
    for label, bar, times in rows:
        median = statistics.median(times)
        ok = median < bar
        missed |= not ok
        print(f"{label:<58} best {min(times):6.3f} s  median {median:6.3f} s  (bar {bar} s: {'ok' if ok else 'MISSED'})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
