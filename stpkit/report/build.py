"""A report run: plan the jobs, run those not up to date, publish every result as it arrives.

    result = build_reports(pack_path, out, localities=None, notebooks=None, workers=None, force=False,
                           scheduler=None, disclosure=True)

Where jobs run:
- workers >= 1 (default: the machine's cores): a pool of local worker processes, each warmed up
  once and running one notebook after another in a fresh namespace (`stpkit.report.engine`);
- workers == 0: in this process (for debugging; the tests use it for speed);
- scheduler="tcp://host:port": an existing Dask cluster, one task per report (`stpkit.report.cluster`).

Results come back to this process, which writes every file (each in one step, `publish.write_atomic`),
keeps manifest.json up to date as reports arrive (so an interrupted run keeps what it finished) and
writes index.html at the end, also when interrupted (Ctrl-C or SIGTERM: the result says so). Reports
that failed are reported with their error, the others complete; the caller turns failures into exit
code 1 and an interruption into 130.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pandas as pd

from ..figures import footprint_name
from ..pack import find_localities, load_pack
from . import cores
from . import disclosure as disclosure_rule
from . import export
from . import jobs as planning
from . import publish

WORKBOOK = "footprint_tables.xlsx"
FOOTPRINT = "all"  # the locality_id of the footprint's own reports (every locality together)


class RunError(ValueError):
    """A mistake in what was asked (an unknown locality or notebook): nothing was run."""


@dataclass
class Result:
    """What a run did."""

    out: Path
    ok: int = 0
    failed: int = 0
    reused: int = 0
    not_run: int = 0
    interrupted: bool = False
    seconds: float = 0.0
    failures: list = field(default_factory=list)
    manifest: dict = field(default_factory=dict)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------
# Executors: each turns job dicts into result dicts, in the order they finish


class InlineExecutor:
    """Runs jobs one after another in this process."""

    description = "this process"

    def run(self, todo: list[dict]) -> Iterator[dict]:
        from . import worker

        for job in todo:
            yield worker.run_job(job)

    def stop(self) -> None:
        pass


class LocalExecutor:
    """A pool of local worker processes (spawned fresh, warmed up once, then reused)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.description = f"{workers} local worker process{'es' if workers != 1 else ''}"
        self._pool = None

    def _start(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from . import worker

        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=worker.initialise, initargs=(os.getpid(),))
        return self._pool

    def run(self, todo: list[dict]) -> Iterator[dict]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        from . import worker

        remaining = list(todo)
        for attempt in (1, 2):  # a worker that dies (out of memory, a crash) takes its pool with it: one retry
            pool = self._start()
            waiting = iter(remaining)
            running: dict = {}  # a few jobs a worker at a time: a finished report is let go once published
            broken = []
            for job in waiting:
                running[pool.submit(worker.run_job, job)] = job
                if len(running) >= 2 * self.workers:
                    break
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    job = running.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool as failure:
                        if attempt == 1:
                            broken.append(job)
                            continue
                        outcome = _failed(job, "WorkerDied", f"the worker process running it stopped ({failure})")
                    except Exception as failure:  # noqa: BLE001 - anything else is this job's error
                        outcome = _failed(job, type(failure).__name__, str(failure))
                    del future
                    yield outcome
                    del outcome
                if broken and attempt == 1:  # the pool is gone: what is left waits for the new one
                    broken += list(running.values()) + list(waiting)
                    running.clear()
                    break
                for job in waiting:
                    try:
                        running[pool.submit(worker.run_job, job)] = job
                    except BrokenProcessPool as failure:
                        if attempt == 1:
                            broken.append(job)
                        else:
                            yield _failed(job, "WorkerDied", f"the worker processes stopped ({failure})")
                    if len(running) >= 2 * self.workers:
                        break
            pool.shutdown(wait=True)
            self._pool = None
            if not broken:
                return
            remaining = broken

    def stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)


def _failed(job: dict, ename: str, evalue: str) -> dict:
    return {"key": job["key"], "worker": None, "status": "failed", "ipynb": None, "html": None, "headlines": [],
            "error": {"ename": ename, "evalue": evalue, "cell": None, "traceback": ""}, "seconds": {}}


# ---------------------------------------------------------------------------------------------
# The run


def _locality_headlines(pack, on: bool) -> dict[str, list]:
    """A few figures per locality, and the footprint's own ("all"), for the index: from the model, not a notebook."""
    from .. import activity
    from .headlines import figure

    projection = activity.project(pack)
    totals = projection.groupby("locality_id", sort=False)[["gross_savings_gbp", "avoided"]].sum()
    nel = projection[projection["pod"] == "non_elective"].groupby("locality_id")["avoided"].sum()
    result = {FOOTPRINT: [figure("Population", float(pack.localities["population"].sum()), "count", on=on),
                          figure("Gross savings a year", float(totals["gross_savings_gbp"].sum()), "gbp", on=on)]
              + ([figure("Emergency admissions avoided", float(nel.sum()), "count", on=on)] if len(nel) else [])}
    for row in pack.localities.itertuples(index=False):
        key = row.locality_id
        figures = [figure("Population", float(row.population), "count", on=on)]
        if key in totals.index:
            figures.append(figure("Gross savings a year", float(totals.loc[key, "gross_savings_gbp"]), "gbp", on=on))
        if key in nel.index:
            figures.append(figure("Emergency admissions avoided", float(nel.loc[key]), "count", on=on))
        result[str(key)] = figures
    return result


def _plan_front(pack, on: bool) -> dict:
    """The footprint's plan on a page for the index's front: its headline sentence and do nothing / solutions /
    do something in the horizon year (stpkit.plan, from the model, as the footprint's report shows them)."""
    from .. import plan as plan_on_a_page
    from .headlines import figure

    table = plan_on_a_page.summary(pack)
    position = table.set_index("line").loc["position"]
    year = position["period"]
    return {"notebook": "plan_on_a_page", "headline": plan_on_a_page.headline(table),
            "figures": [figure(f"Do nothing, {year}", float(position["do_nothing_gbp"]), "gbp", on=on),
                        figure(f"Solutions, {year}", float(position["solutions_gbp"]), "gbp", on=on),
                        figure(f"Do something, {year}", float(position["do_something_gbp"]), "gbp", on=on)]}


def with_footprint(pack, localities):
    """The localities with the footprint's own row first (locality_id "all"): every run reports the footprint too."""
    row = {"locality_id": FOOTPRINT, "locality": footprint_name(pack.name), "group": "",
           "population": float(pack.localities["population"].sum())}
    return pd.concat([pd.DataFrame([row]), localities], ignore_index=True)


def _choose_localities(pack, wanted: Iterable[str] | None):
    localities = pack.localities
    if not wanted:
        return localities
    wanted = [w for w in wanted if w and w.strip().lower() != FOOTPRINT]  # the footprint is always reported
    if not wanted:
        return localities.iloc[0:0]
    try:  # ids or unique names, as everywhere a locality is asked for
        wanted = find_localities(pack, wanted, allow_all=False)
    except LookupError as problem:
        raise RunError(str(problem)) from None
    order = {w: i for i, w in enumerate(dict.fromkeys(wanted))}
    chosen = localities[localities["locality_id"].astype(str).isin(order)]
    return chosen.iloc[chosen["locality_id"].astype(str).map(order).argsort()].reset_index(drop=True)


def note_line(started: str, pack_name: str) -> str:
    """The line under a report's title saying when and from what it was made (the pack by its name, not its folder)."""
    return f"Generated {started[:10]} by stpkit {planning.versions().get('stpkit') or ''} from the {pack_name} data pack"


def banner(footprint: str, job, note: str, disclosure: bool) -> dict:
    """What a report's banner shows: footprint, place, notebook title, the note and the disclosure rule."""
    place = ("All localities" if job.locality_id == FOOTPRINT else
             f"{job.locality} ({job.locality_id})" + (f", {job.group}" if job.group else ""))
    return {"footprint": footprint, "place": place,
            "notebook_title": job.notebook_title, "note": note,
            "disclosure": disclosure_rule.RULE if disclosure else ""}


def build_reports(pack_path, out, *, localities: Iterable[str] | None = None, notebooks: Iterable[str] | None = None,
                  notebook_dir: Path | None = None, workers: int | None = None, force: bool = False,
                  scheduler: str | None = None, disclosure: bool = True, progress=None,
                  on_failure: Callable[[dict], None] | None = None, scenario: str | None = None,
                  self_contained: bool = False) -> Result:
    """Run every report not up to date for the pack's localities and notebooks, and publish them under `out`.

    Reports are light by default: the lab styles and the chart library are shared files in
    OUT/_stpkit (written once, never overwritten) and each report draws its charts from their
    specifications in the browser. self_contained: one file a report, charts as inline SVG.

    The pack is loaded (validated) first and unknown localities or notebooks raise RunError before
    anything runs. progress: a `stpkit.report.progress.Progress`-like factory (total, localities,
    per_locality, already) -> object with advance/message/close, or None for no progress output.
    """
    started_wall = time.monotonic()
    started = now()
    pack = load_pack(pack_path)
    shown, scenario_info = pack, None
    if scenario:  # checked before anything runs: a refused scenario runs nothing and writes nothing
        from .. import scenarios

        try:
            picked = scenarios.read(pack, scenario)
        except scenarios.ScenarioError as problem:
            raise RunError("; ".join(problem.lines())) from None
        shown = scenarios.apply(pack, picked)
        scenario_info = {**planning.scenario_fingerprint(pack.path, scenario), "title": picked.label,
                         "description": picked.description}
    chosen = with_footprint(pack, _choose_localities(pack, localities))
    try:
        books = planning.find_notebooks(notebooks, notebook_dir or planning.NOTEBOOK_DIR)
    except ValueError as problem:
        raise RunError(str(problem)) from None
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lock = publish.lock(out)  # one run at a time in a folder: held until this process ends or returns
    publish.remove_temp_files(out)

    fingerprint = planning.pack_fingerprint(pack.path)
    plan = planning.plan(chosen, books, pack_path=pack.path, pack_hash=fingerprint["hash"], disclosure=disclosure,
                         scenario=scenario_info, self_contained=self_contained)
    shared = None if self_contained else export.SHARED_LINK
    if shared:  # before any report is published: a light report never points at a file not there yet
        export.write_shared(out, export.exporter().shared_files())
    previous = publish.read_manifest(out)
    previous_records = publish.records_by_key(previous)
    records: dict[str, dict] = {}
    todo = []
    for job in plan:
        record = previous_records.get(job.key)
        if not force and planning.up_to_date(job, record, out):
            records[job.key] = {**{k: v for k, v in record.items() if k != "carried"}, "reused": True}
        else:
            todo.append(job)
    by_key = {job.key: job for job in plan}
    carried = _carried(previous, previous_records, by_key, pack)

    env = {"STPKIT_DISCLOSURE": "1" if disclosure else "0", "STPKIT_DISPLAY": "static", "STPKIT_CHARTS": "spec"}
    note = note_line(started, pack.name)
    if scenario_info:
        note += f", scenario {scenario_info['title']} ({scenario_info['name']})"
    titles = {b.name: b for b in books}
    job_dicts = []
    for job in todo:
        book = titles[job.notebook]
        job_dicts.append({
            "key": job.key, "notebook_name": job.notebook, "notebook_text": book.text, "input_path": str(book.path),
            "parameters": dict(job.parameters), "env": env, "pack_hash": fingerprint["hash"],
            "source_hash": planning.source_hash(), "shared": shared,
            "banner": banner(pack.name, job, note, disclosure)})

    place_figures = _locality_headlines(shown, disclosure)
    plan_front = _plan_front(shown, disclosure)
    if scheduler:
        from .cluster import DaskExecutor

        executor = DaskExecutor(scheduler, pack.path)
        executor.connect()
    elif workers == 0:
        executor = InlineExecutor()
    else:
        executor = LocalExecutor(max(1, workers or cores()))

    # the workbook: one per run, redone when its inputs change
    workbook_inputs = planning.inputs_hash({"format": planning.FORMAT, "pack": fingerprint["hash"],
                                            "stpkit_source": planning.source_hash(), "disclosure": bool(disclosure),
                                            "versions": planning.versions(), "kind": "workbook",
                                            **({"scenario": scenario_info["hash"]} if scenario_info else {})})
    workbook_record = (previous or {}).get("workbook") or {}
    workbook_path = out / WORKBOOK
    if force or workbook_record.get("inputs_hash") != workbook_inputs or not workbook_path.is_file() \
            or planning.sha256_file(workbook_path) != workbook_record.get("sha256"):
        from . import workbook

        data = workbook.build(shown, disclosure_on=disclosure,
                              inputs={"pack": fingerprint["hash"], "stpkit": planning.versions().get("stpkit")})
        sha, size = publish.write_atomic(workbook_path, data)
        workbook_record = {"path": WORKBOOK, "inputs_hash": workbook_inputs, "sha256": sha, "bytes": size,
                           "written": now()}

    def manifest(finished: bool, interrupted: bool) -> dict:
        reports = []
        counts = {"ok": 0, "failed": 0, "reused": 0, "not_run": 0}
        for job in plan:
            record = records.get(job.key)
            if record is None:
                record = {"status": "not run", "reused": False}
            record = {"locality_id": job.locality_id, "locality": job.locality, "group": job.group,
                      "notebook": job.notebook, "notebook_title": job.notebook_title,
                      "parameters": job.parameters, **{k: v for k, v in record.items()
                                                       if k not in ("locality_id", "locality", "group", "notebook",
                                                                    "notebook_title", "parameters")}}
            if record["status"] == "ok":
                counts["ok"] += 1
                counts["reused"] += int(bool(record.get("reused")))
            elif record["status"] == "failed":
                counts["failed"] += 1
            else:
                counts["not_run"] += 1
            reports.append(record)
        counts["carried"] = len(carried)
        order = {FOOTPRINT: -1, **{str(r): i for i, r in enumerate(pack.localities["locality_id"])}}
        shown_ids = {str(r.locality_id) for r in chosen.itertuples(index=False)}
        places = chosen if not carried else with_footprint(pack, pack.localities[
            pack.localities["locality_id"].astype(str).isin(shown_ids | {r["locality_id"] for r in carried})])
        notebook_list = [{"name": b.name, "title": b.title, "path": str(b.path), "sha256": b.sha256} for b in books]
        names = {b.name for b in books}
        for entry in (previous or {}).get("notebooks", []):
            if entry.get("name") not in names and any(r["notebook"] == entry.get("name") for r in carried):
                notebook_list.append(entry)
                names.add(entry.get("name"))
        rank = {n["name"]: i for i, n in enumerate(notebook_list)}
        reports = sorted(reports + carried, key=lambda r: (order.get(str(r["locality_id"]), len(order)),
                                                           rank.get(r["notebook"], len(rank))))
        return {
            "format": planning.FORMAT,
            "run": {"started": started, "finished": now() if finished else None,
                    "wall_seconds": time.monotonic() - started_wall, "executor": executor.description,
                    "scheduler": scheduler, "disclosure": bool(disclosure),
                    "disclosure_rule": disclosure_rule.RULE if disclosure else
                    "Disclosure control off: small counts are shown. For internal use only.",
                    "force": bool(force), "interrupted": interrupted, "ran": len(todo)},
            "inputs": {"pack": {"path": str(pack.path), "name": pack.name, "hash": fingerprint["hash"],
                                "files": fingerprint["files"]},
                       "stpkit": {"version": planning.versions().get("stpkit"), "source_hash": planning.source_hash()},
                       "parameters": {"disclosure": bool(disclosure), "display": "static",
                                      "report": "self-contained" if self_contained else "light"},
                       "scenario": scenario_info},
            "versions": planning.versions(),
            "notebooks": notebook_list,
            "localities": [{"locality_id": str(r.locality_id), "locality": str(r.locality),
                            "group": r.group if isinstance(r.group, str) else "",
                            "folder": planning.safe_name(r.locality_id),
                            "headlines": place_figures.get(str(r.locality_id), [])}
                           for r in places.itertuples(index=False)],
            "workbook": workbook_record,
            "plan": plan_front,
            "summary": counts,
            "reports": reports,
        }

    tracker = progress(len(plan), len(chosen), len(books), len(plan) - len(todo)) if progress else None
    if tracker is not None and hasattr(tracker, "already_done"):
        for job in plan:
            if job.key in records:
                tracker.already_done(job.locality_id)
    result = Result(out=out)
    interrupted = False
    last_write, write_every = 0.0, 1.0

    def on_term(signum, frame):  # SIGTERM as Ctrl-C: a notebook running in this process stops the same way
        raise KeyboardInterrupt

    main_thread = threading.current_thread() is threading.main_thread()
    old_term = signal.signal(signal.SIGTERM, on_term) if main_thread else None
    try:
        try:
            for outcome in executor.run(job_dicts):
                job = by_key[outcome["key"]]
                records[job.key] = _publish(out, job, outcome)
                failed = records[job.key]["status"] != "ok"
                if failed:
                    result.failures.append(records[job.key])
                    if on_failure:
                        on_failure(records[job.key])
                if tracker:
                    tracker.advance(job.locality_id, failed)
                if time.monotonic() - last_write > write_every:
                    writing = time.monotonic()
                    publish.write_manifest(out, manifest(False, False))
                    last_write = time.monotonic()
                    # every second, or less often for a big run (30 MB at 10,000 reports): a tenth of the time at most
                    write_every = max(1.0, 10 * (last_write - writing))
        except KeyboardInterrupt:
            interrupted = True
            executor.stop()
    finally:
        if main_thread and old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
        if tracker:
            tracker.close()
        final = manifest(True, interrupted)
        publish.write_manifest(out, final)
        publish.write_atomic(out / publish.INDEX, publish.index_html(final))
        publish.remove_temp_files(out)
    summary = final["summary"]
    result.ok, result.failed, result.reused, result.not_run = (summary["ok"], summary["failed"], summary["reused"],
                                                                summary["not_run"])
    result.interrupted, result.seconds, result.manifest = interrupted, time.monotonic() - started_wall, final
    lock.close()
    return result


def _carried(previous: dict | None, records: dict, planned: dict, pack) -> list[dict]:
    """Reports of an earlier run outside this run's localities or notebooks, still on disk: kept in the index.

    A run for some localities or notebooks (--localities, --notebooks) does not make the others
    disappear from index.html; they keep the status of the run that made them, marked as carried
    over. A run over everything brings them up to date (their inputs are checked as usual).
    """
    if not previous:
        return []
    localities = set(pack.localities["locality_id"].astype(str)) | {FOOTPRINT}
    notebooks = {n.get("name") for n in previous.get("notebooks", [])}
    return [{**record, "reused": True, "carried": True} for key, record in records.items()
            if key not in planned and record.get("status") in ("ok", "failed")
            and str(record.get("locality_id")) in localities and record.get("notebook") in notebooks]


def _publish(out: Path, job, outcome: dict) -> dict:
    """Write a job's files (report only when it succeeded) and return its manifest record."""
    record = {"locality_id": job.locality_id, "locality": job.locality, "group": job.group, "notebook": job.notebook,
              "notebook_title": job.notebook_title, "status": outcome["status"], "reused": False,
              "inputs_hash": job.inputs_hash, "inputs": job.inputs,
              "html": job.html, "ipynb": job.ipynb, "sha256": {}, "bytes": {}, "seconds": outcome.get("seconds", {}),
              "headlines": outcome.get("headlines", []), "worker": outcome.get("worker"), "finished": now(),
              "error": outcome.get("error"), "ipynb_written": False}
    html_path, ipynb_path = out / job.html, out / job.ipynb
    missing = [name for name in export.shared_references(outcome.get("html") or "")
               if not (out / export.SHARED / name).is_file()]
    if outcome["status"] == "ok" and missing:  # made elsewhere (a Dask worker) with other versions
        outcome = {**outcome, "status": "failed", "error": {
            "ename": "SharedFileMissing", "cell": None, "traceback": "",
            "evalue": f"the report loads {export.SHARED}/{missing[0]}, which this run did not write "
                      f"(the worker's stpkit or vl-convert differs from this machine's)"}}
        record["status"], record["error"] = "failed", outcome["error"]
    # report files are not synced one by one (a few ms each): a file lost to a power cut fails its hash check
    # on the next run (`jobs.up_to_date`) and is made again; the manifest is synced
    if outcome["status"] == "ok":
        record["sha256"]["ipynb"], record["bytes"]["ipynb"] = publish.write_atomic(ipynb_path, outcome["ipynb"],
                                                                                   sync=False)
        record["sha256"]["html"], record["bytes"]["html"] = publish.write_atomic(html_path, outcome["html"],
                                                                                 sync=False)
        record["ipynb_written"] = True
    else:
        for stale in (html_path,):  # a failed report must not leave an older, successful one in its place
            try:
                stale.unlink()
            except FileNotFoundError:
                pass
        if outcome.get("ipynb"):  # the executed notebook shows where and how it failed
            record["sha256"]["ipynb"], record["bytes"]["ipynb"] = publish.write_atomic(ipynb_path, outcome["ipynb"],
                                                                                       sync=False)
            record["ipynb_written"] = True
        else:
            try:
                ipynb_path.unlink()
            except FileNotFoundError:
                pass
        record["html"] = None
    return record
