"""Beds for every locality of a 1,250-locality pack at both targets, with 1,000 draws (issue 14: under 1 s).

    .venv/bin/python benchmarks/bench_beds.py [--localities 1250] [--draws 1000] [--repeat 5]

Writes a synthetic pack with 80% intervals (lengths of stay and occupancy among them) to a temporary
folder and loads it (not timed), projects its activity once (not timed: that is the activity model's
benchmark), then times, per run: bed days by locality and point of delivery, beds by locality and
level of care (and for the footprint as one pool) at the occupancy target and for the risk target
(Erlang loss), and the Monte Carlo of 1,000 draws over length of stay and occupancy with its
P10/P50/P90 of bed days and beds at both targets. Prints the first, best and median of `--repeat`
runs and the median of each part; exits 1 if the median misses the bar.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stpkit import activity, beds, load_pack  # noqa: E402
from stpkit.synthetic import write_synthetic_pack  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_model import machine  # noqa: E402

BAR_SECONDS = 1.0


def run(pack, projection, draws: int) -> dict[str, float]:
    marks = [time.perf_counter()]
    days = beds.bed_days(pack, projection)
    marks.append(time.perf_counter())
    level_table = beds.levels(pack)
    by_locality = beds.capacity(days, pack, level_table=level_table)
    footprint = beds.capacity(days, pack, level_table=level_table, pooled=True)
    marks.append(time.perf_counter())
    bands = beds.simulate(pack, draws=draws, days=days, level_table=level_table)
    marks.append(time.perf_counter())
    assert len(by_locality) and len(footprint) and len(bands)
    return {"bed days": marks[1] - marks[0], "beds, both targets": marks[2] - marks[1],
            f"{draws:,} draws, P10/P50/P90": marks[3] - marks[2], "total": marks[3] - marks[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--localities", type=int, default=1250)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        pack = load_pack(write_synthetic_pack(Path(folder) / "pack", localities=args.localities, seed=1,
                                              intervals=True))
    projection = activity.project(pack)
    days = beds.bed_days(pack, projection)
    load = days["bed_days_target"].sum() / 365
    print(f"{args.localities:,} localities, {len(days):,} locality x point-of-delivery rows with a length of stay, "
          f"{len(beds.levels(pack))} levels of care; the footprint as one pool: {load:,.0f} beds busy on average")
    runs = [run(pack, projection, args.draws) for _ in range(args.repeat)]
    totals = [r["total"] for r in runs]
    median = statistics.median(totals)
    print(f"first {totals[0]:.3f} s, best {min(totals):.3f} s, median {median:.3f} s of {args.repeat} runs "
          f"(bar: under {BAR_SECONDS:.1f} s)")
    for part in runs[0]:
        if part != "total":
            print(f"  {part}: median {statistics.median(r[part] for r in runs):.3f} s")
    if median >= BAR_SECONDS:
        print("missed the bar")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
