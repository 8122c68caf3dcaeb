"""Validate and summarise a 1,250-locality pack as whole processes (issue 2: well under 3 seconds).

    .venv/bin/python benchmarks/bench_summary.py [--localities 1250] [--repeat 5]

Prints the best and median wall time of `stpkit validate PACK` and `stpkit summary PACK --json`, each a
fresh process (interpreter start and imports included), and the machine they ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stpkit.synthetic import write_synthetic_pack  # noqa: E402


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def timed(command: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--localities", type=int, default=1250)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    stpkit = [sys.executable, "-m", "stpkit.cli"]
    with tempfile.TemporaryDirectory() as folder:
        pack = write_synthetic_pack(Path(folder) / "pack", localities=args.localities, intervals=True)
        print(f"machine: {machine()}")
        print(f"pack: {args.localities} localities, {args.localities * 5} activity rows, all optional files")
        for name, extra in (("validate", []), ("summary --json", ["--json"])):
            times = timed(stpkit + [name.split()[0], str(pack)] + extra, args.repeat)
            print(f"stpkit {name}: best {min(times):.2f} s, median {statistics.median(times):.2f} s "
                  f"(whole process, {args.repeat} runs; bar: well under 3 s)")


if __name__ == "__main__":
    main()
