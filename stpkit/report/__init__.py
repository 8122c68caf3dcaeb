"""Per-locality report generation: `stpkit reports PACK --out DIR` (see stpkit.reports for the command).

One module per concept:

- engine: runs a notebook inside a warm process, each run in a fresh namespace (the fast path),
  or through papermill with a fresh kernel (the plain way, for comparison);
- export: the executed notebook as a self-contained HTML report with no code and nothing fetched
  from the network;
- disclosure: small counts shown as "*" in published reports (notebooks call it for their tables);
- headlines: the headline figures a notebook shows, which the index lists too;
- jobs: what to run (locality x notebook), the inputs each depends on, and whether it is up to date;
- worker: one job from start to finish, in a local worker process or on a Dask worker;
- publish: files written whole (temp name, then rename), manifest.json and index.html;
- workbook: the footprint's tables as one Excel workbook for finance teams;
- progress: the terminal progress bar;
- build: the run itself (plan, execute on a local pool or a Dask cluster, publish).

What a notebook needs from here: `disclosure.table(frame)` for every table it shows,
`disclosure.format_count(n)` for counts in sentences, and `headlines.show(headlines.figure(...), ...)`
once near the top.
"""

import os


def cores() -> int:
    """The cores this process may use: the default number of worker processes."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
