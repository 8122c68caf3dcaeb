"""Comparing scenarios and switching a page's scenario on the default pack (issue 12).

    .venv/bin/python benchmarks/bench_scenarios.py [--repeat 5] [--draws 1000]

Prints the best and median wall time, in one warm process (pack loaded once, as in an app kernel or a
script), of:
- comparing three scenarios (comprehensive, interim, third) for the whole footprint: headlines, the
  difference by locality and the attribution waterfall, no draws (bar: under 0.5 s);
- the same with the paired Monte Carlo draws (default 1,000 a scenario) for P10-P90 and the chance of
  doing better (bar: under 2 s);
- switching a what-if page to another scenario: a new page for the scenario with its figures worked
  out, each of the four what-if pages in turn (bar: under 0.5 s each; the model part of an app's switch);
- switching scenario in place on an app's page, as its kernel does when the picker moves: the page built
  as the app's notebook shows it (every card, chart and table a live widget), then the picker moved to
  each of the pack's scenarios in turn (first visits: nothing kept) until its figures are shown (the
  first pass; the P10 to P90 ranges follow in a second pass) and until finished, and back again (repeat
  visits: the results kept), wall and CPU time (bar: under 0.5 s; the browser's share is measured by
  tests/test_apps_scenarios.py, written to test-artifacts/apps/scenario-switch.json).
The machine's load average is printed: other work on the two cores slows the wall times, not the CPU
times. Exits 1 if a median misses its bar.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
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


def app_page(cls, pack):
    """A page as an app's kernel holds it: interactive, with every part its notebook shows as a live widget."""
    from stpkit import charts

    charts.setup()
    page = cls(pack, "all", mode=charts.INTERACTIVE)
    notebook = json.loads((Path(__file__).resolve().parent.parent / "notebooks" / f"{cls.notebook}.ipynb").read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        for line in "".join(cell["source"]).splitlines():
            if line.strip().startswith("page.show"):
                with contextlib.redirect_stdout(io.StringIO()):  # no front end here: what it would be sent is dropped
                    eval(line.strip(), {"page": page})
    return page


def switch_in_place(cls, pack, names: list[str]) -> dict[str, list[float]]:
    """Seconds from moving the picker to each scenario (first visits), then to each again (repeat), until
    the page's figures are shown (its first pass) and until it is finished (ranges included): wall and CPU."""
    page = app_page(cls, pack)
    shown = page._show_result
    ends: list[tuple[float, float]] = []

    def timed_pass():
        shown()
        ends.append((time.perf_counter(), time.process_time()))

    page._show_result = timed_pass
    order = [*names, ""]
    out: dict[str, list[float]] = {}
    for visit in ("first", "repeat"):
        for name in order:
            ends.clear()
            start, start_cpu = time.perf_counter(), time.process_time()
            page.controls["scenario"].value = name
            done, done_cpu = time.perf_counter(), time.process_time()
            out.setdefault(f"{visit} shown", []).append(ends[0][0] - start)
            out.setdefault(f"{visit} shown cpu", []).append(ends[0][1] - start_cpu)
            out.setdefault(f"{visit} finished", []).append(done - start)
            out.setdefault(f"{visit} finished cpu", []).append(done_cpu - start_cpu)
    return out


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
    from stpkit import scenarios

    kept = scenarios.names(pack)
    for page in (pages.LocalityPage, pages.InvestmentPage, pages.WorkforcePage):
        switch_in_place(page, pack, kept[:1])  # first-call costs, as a preheated kernel has paid
        got = switch_in_place(page, pack, kept)
        rows.append((f"app {page.notebook}: picker to a new scenario, figures shown", 0.5, got["first shown"]))
        rows.append(("  the same, CPU time", 0.5, got["first shown cpu"]))
        rows.append(("  and finished, ranges included (CPU time)", None, got["first finished cpu"]))
        rows.append((f"app {page.notebook}: back to a scenario shown before", 0.5, got["repeat finished"]))
        rows.append(("  the same, CPU time", 0.5, got["repeat finished cpu"]))
    print(f"Machine: {machine()}; {pack.name}, {len(pack.localities)} localities; {args.repeat} runs each; load "
          f"average {', '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min)")
    missed = False
    for label, bar, times in rows:
        median = statistics.median(times)
        ok = bar is None or median < bar
        missed |= not ok
        verdict = "no bar" if bar is None else f"bar {bar} s: {'ok' if ok else 'MISSED'}"
        print(f"{label:<62} best {min(times):6.3f} s  median {median:6.3f} s  ({verdict})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
