"""Validate a 1,250-locality pack as a workbook and as CSV files, each a whole process (issue 13).

    .venv/bin/python benchmarks/bench_workbook.py [--localities 1250] [--repeat 5]

Writes the synthetic pack (`stpkit.synthetic`) to a temporary folder, converts it to a workbook with
`stpkit convert`, then prints the best and median wall time of `stpkit validate` on each (a fresh
process each time: interpreter start and imports included), the workbook's size, the ratio of the
medians and the machine. Exits 1 if the workbook misses a bar: under 2 s, and within 1.5 times the CSV
folder.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_summary import machine  # noqa: E402
from stpkit.convert import convert  # noqa: E402
from stpkit.synthetic import write_synthetic_pack  # noqa: E402

STPKIT = str(Path(sys.executable).parent / "stpkit")


def timed(command: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--localities", type=int, default=1250)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_synthetic_pack(Path(tmp) / "pack", localities=args.localities)
        book = Path(tmp) / "pack.xlsx"
        started = time.perf_counter()
        convert(folder, book)
        converted = time.perf_counter() - started
        csv_times = timed([STPKIT, "validate", str(folder)], args.repeat)
        book_times = timed([STPKIT, "validate", str(book)], args.repeat)
        size = book.stat().st_size
    csv_median, book_median = statistics.median(csv_times), statistics.median(book_times)
    ratio = book_median / csv_median
    print(f"machine: {machine()}")
    print(f"pack: {args.localities:,} localities; workbook {size / 2**20:.1f} MB, written by stpkit convert in "
          f"{converted:.2f} s")
    print(f"stpkit validate, CSV folder: best {min(csv_times):.2f} s, median {csv_median:.2f} s")
    print(f"stpkit validate, workbook:   best {min(book_times):.2f} s, median {book_median:.2f} s")
    print(f"workbook / CSV (medians): {ratio:.2f}x")
    missed = []
    if book_median >= 2.0:
        missed.append("the workbook took 2 s or more")
    if ratio > 1.5:
        missed.append("the workbook took more than 1.5 times the CSV folder")
    for line in missed:
        print(f"MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
