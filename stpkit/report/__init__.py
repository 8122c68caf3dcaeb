"""Per-locality report generation: `stpkit reports PACK --out DIR` (the command is in `command`).

How a run goes (`build.build_reports`): the pack is validated and loaded; one job per locality and
notebook is planned with a hash of everything it depends on (`jobs`); jobs whose record in
DIR/manifest.json still stands are kept, the others run on local worker processes, in this process
(--workers 0) or on a Dask cluster (`cluster`); each result comes back here and is published
(`publish`): the executed notebook and the HTML report written whole, manifest.json updated as
results arrive, index.html and the Excel workbook (`workbook`) written for the run.

Why it is fast: a worker process imports stpkit, pandas, Altair, IPython and nbconvert once and
then runs notebook after notebook in the same IPython shell, each run in a fresh namespace with the
process-wide settings put back (`engine`), exporting HTML with one reused exporter (`export`). A
fresh kernel per report costs seconds before any work; here a run costs what its cells cost. The
tests check that a report made this way, after another locality in the same process, is byte for
byte the one a fresh kernel makes.

One module per concept:

- engine: runs a notebook inside a warm process, each run in a fresh namespace (the fast path),
  or through papermill with a fresh kernel (the plain way, for comparison);
- export: the executed notebook as a self-contained HTML report with no code and nothing fetched
  from the network;
- compare: what must be equal between two runs of a notebook (the figures), less mere labels;
- disclosure: small counts shown as "*" in published reports (notebooks call it for their tables);
- headlines: headline figures, read back from executed notebooks for the index;
- jobs: what to run (locality x notebook), the inputs each depends on, and whether it is up to date;
- worker: one job from start to finish, in a local worker process or on a Dask worker;
- publish: files written whole (temp name, then rename), the folder lock, manifest.json, index.html;
- workbook: the footprint's tables as one Excel workbook for finance teams;
- progress: the terminal progress bar;
- build: the run itself;
- cluster: the same run on a Dask cluster, and how to set one up;
- command: `stpkit reports`, its options and what it prints.

What a notebook needs from here: `disclosure.table(frame)` (or `disclosure.suppress`) for every
table it shows and `disclosure.format_count(n)` for counts in sentences (stpkit.pages does both).
"""

import os


def cores() -> int:
    """The cores this process may use: the default number of worker processes."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
