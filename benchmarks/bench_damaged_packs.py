"""The long run of the damaged-pack property test (issue 13): ten thousand damaged packs or more.

    .venv/bin/python benchmarks/bench_damaged_packs.py [--examples 10000] [--seed 0]

Each example is a good synthetic pack with one to three random edits (tests/damage.py: a cell, a row,
a header, bytes, a cut, an encoding, a separator, a setting), used as a folder, a workbook or a database
pack. Each must be refused with one-line problems, or run through the summary and all four pages with
nothing shown as nan, inf or None. Prints how many were refused, ran, or could not be written in their
form, the time taken, and every failure with the example that caused it; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from bench_summary import machine  # noqa: E402
from damage import damaged, good_files, make, outcome  # noqa: E402
from stpkit.synthetic import write_synthetic_pack  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop trying new examples after this long and print what was done")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="stpkit-damaged-"))
    files = good_files(write_synthetic_pack(root / "good", localities=3, seed=5))
    counts: collections.Counter = collections.Counter()
    failures: list[str] = []
    started = time.perf_counter()

    @settings(max_examples=args.examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=["generate"])
    @given(case=damaged(files))
    def run(case):
        if args.minutes is not None and time.perf_counter() - started > args.minutes * 60:
            counts["not tried: out of time"] += 1
            return
        data, form, pick = case
        path = make(data, form, root / "case")
        if path is None:
            counts[f"{form}: not writable in this form"] += 1
            return
        try:
            counts[f"{form}: {outcome(path, pick)}"] += 1
        except Exception as error:  # noqa: BLE001 - counted and shown, the run goes on
            counts[f"{form}: FAILED"] += 1
            failures.append(f"{form}: {type(error).__name__}: {str(error)[:300]}\n"
                            + "".join(traceback.format_exception(error)[-3:]))
            print("FAILURE", failures[-1], flush=True)  # as it happens: a long run may be stopped early
        done = sum(counts.values())
        if done % 250 == 0:
            print(f"  {done:,} examples, {time.perf_counter() - started:.0f} s", flush=True)

    import random

    random.seed(args.seed)
    run()
    seconds = time.perf_counter() - started
    total = sum(v for k, v in counts.items() if not k.startswith("not tried"))
    print(f"machine: {machine()}")
    print(f"{total:,} damaged packs in {seconds:.0f} s ({seconds / max(total, 1):.2f} s each):")
    for key in sorted(counts):
        print(f"  {key}: {counts[key]:,}")
    refused = sum(v for k, v in counts.items() if k.endswith("refused"))
    ran = sum(v for k, v in counts.items() if k.endswith("ran"))
    print(f"refused clearly {refused:,}, ran cleanly {ran:,}, failed {len(failures):,}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
