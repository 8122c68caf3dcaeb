"""People by age and budgets on a 1,250-locality pack with 20 age bands and 8,000 practices (issue 15: under 1 s).

    .venv/bin/python benchmarks/bench_population.py [--localities 1250] [--bands 20] [--practices 8000] [--repeat 5]

Writes a synthetic pack with population.csv (every year, base to horizon), practices.csv and spend.csv
by practice to a temporary folder, loads it (timed on its own: validation reads every row), then times
in this process, together: demographic momentum (activity.project with pack.toml [population] momentum
= "demographic", and the demographic / non-demographic split), fair shares (weighted populations, fair
shares of the budget and distance from target for localities and practices) and standardised ratios
(indirect standardisation with Byar's intervals and funnel limits for localities and practices).
Prints the first, best and median of `--repeat` runs and the median of each part; exits 1 if the
median misses the bar.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_model import machine  # noqa: E402

from stpkit import activity, budgets, load_pack, population  # noqa: E402
from stpkit.synthetic import write_synthetic_pack  # noqa: E402

BAR_SECONDS = 1.0


def run(pack) -> dict[str, float]:
    marks = [("start", time.perf_counter())]
    projection = activity.project(pack)
    population.growth_split(projection)
    marks.append(("demographic momentum", time.perf_counter()))
    budgets.budgets(pack)
    budgets.practice_budgets(pack)
    marks.append(("fair shares", time.perf_counter()))
    budgets.case_mix(pack)
    budgets.practice_case_mix(pack)
    marks.append(("standardised ratios", time.perf_counter()))
    return {name: marks[i][1] - marks[i - 1][1] for i, (name, _) in enumerate(marks) if i}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--localities", type=int, default=1250)
    parser.add_argument("--bands", type=int, default=20)
    parser.add_argument("--practices", type=int, default=8000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        path = write_synthetic_pack(Path(folder) / "pack", localities=args.localities, seed=15,
                                    age_bands=args.bands, practices=args.practices)
        start = time.perf_counter()
        pack = load_pack(path)
        loaded = time.perf_counter() - start
    pack = pack.with_settings(population={"momentum": "demographic", "non_demographic_growth": 0.01})
    rows = len(pack.table("population.csv"))
    print(f"pack: {args.localities:,} localities, {args.bands} age bands, {len(pack.table('practices.csv')):,} "
          f"practices, {rows:,} population rows; load and validate {loaded:.2f} s (not in the bar)")
    runs = [run(pack) for _ in range(args.repeat)]
    totals = [sum(r.values()) for r in runs]
    median = statistics.median(totals)
    print(f"demographic momentum + fair shares + standardised ratios: first {totals[0]:.3f} s, best {min(totals):.3f} s, "
          f"median {median:.3f} s of {args.repeat} (bar {BAR_SECONDS:.1f} s)")
    for name in runs[0]:
        print(f"  {name}: median {statistics.median(r[name] for r in runs):.3f} s")
    if median >= BAR_SECONDS:
        print("MISSED the bar")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
