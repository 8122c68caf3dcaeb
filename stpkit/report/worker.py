"""One report job from start to finish, wherever it runs: a local worker process or a Dask worker.

`run_job` takes a plain dict (picklable, no paths that must exist elsewhere but the pack) and
returns a plain dict: status, error, the executed notebook and report HTML as text, headline
figures, timings and which process did it. Nothing is written here: the process that started the
run publishes every file, so a worker can be on another machine.

Local worker processes are started fresh (multiprocessing "spawn") and warmed up once
(`initialise`): stpkit, pandas, Altair, IPython and nbconvert imported, vl-convert's renderer
started and the HTML templates compiled, by running a tiny built-in notebook. They ignore Ctrl-C
(the parent decides what an interrupt means) and exit on their own if the parent dies.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import traceback

import nbformat

WARM_UP = {
    "cells": [
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "outputs": [], "execution_count": None,
         "id": "parameters", "source": 'locality = "all"'},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "id": "warm",
         "source": "import altair as alt\nimport pandas as pd\nfrom stpkit import charts, load_pack\n"
                   "from stpkit.report import disclosure, headlines\ncharts.setup()\n"
                   'frame = pd.DataFrame({"pod": ["a", "b"], "base": [3, 300], "cost_gbp": [1.0, 2.0]})\n'
                   'headlines.show(headlines.figure("Warm", 1, "count"))\n'
                   "display(disclosure.table(frame))\n"
                   'alt.Chart(frame).mark_bar(clip=True).encode(x="pod", y="base")'},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                 "language_info": {"name": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def _text_traceback(lines: list[str]) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(lines or []))


def run_job(job: dict) -> dict:
    """Execute a job's notebook for its locality and export the report.

    job: key, notebook_text, notebook_name, parameters, env, banner (footprint, place, notebook_title,
    note, disclosure text), input_path (shown in the notebook's papermill metadata), shared (the
    shared folder's address for a light report, None for a self-contained one).
    """
    from . import engine, export, headlines

    started = time.perf_counter()
    where = f"{socket.gethostname()}:{os.getpid()}"
    result = {"key": job["key"], "worker": where, "status": "failed", "error": None, "ipynb": None, "html": None,
              "headlines": [], "seconds": {}}
    try:
        run = engine.execute(job["notebook_text"], job["parameters"], env=job.get("env"),
                             input_path=job.get("input_path"))
    except KeyboardInterrupt:
        raise
    except Exception as failure:  # the engine itself failed (not a cell): report it as the job's error
        result["error"] = {"ename": type(failure).__name__, "evalue": str(failure), "cell": None,
                           "traceback": traceback.format_exc()}
        result["seconds"] = {"execute": time.perf_counter() - started, "export": 0.0,
                             "total": time.perf_counter() - started}
        return result
    if run.error and run.error.get("ename") == "KeyboardInterrupt":
        raise KeyboardInterrupt
    executed = time.perf_counter()
    result["ipynb"] = nbformat.versions[4].writes_json(run.nb)  # nbformat.writes less its schema check (logged only)
    result["headlines"] = headlines.extract(run.nb)
    if run.ok:
        try:
            result["html"] = export.exporter().export(run.nb, **job["banner"], shared=job.get("shared"))
            result["status"] = "ok"
        except Exception as failure:
            result["error"] = {"ename": type(failure).__name__, "evalue": f"exporting the report: {failure}",
                               "cell": None, "traceback": traceback.format_exc()}
    else:
        error = dict(run.error)
        error["traceback"] = _text_traceback(error.get("traceback"))
        result["error"] = error
    done = time.perf_counter()
    result["seconds"] = {"execute": executed - started, "export": done - executed, "total": done - started}
    return result


def warm_up() -> None:
    """Import and start everything a job needs, so the first job costs what the others cost."""
    from . import engine, export

    run = engine.execute(nbformat.from_dict(WARM_UP), {"locality": "all"},
                         env={"STPKIT_DISPLAY": "static", "STPKIT_CHARTS": "spec"})
    if run.ok:
        for shared in (export.SHARED_LINK, None):  # a light page and a self-contained one (charts drawn)
            export.exporter().export(run.nb, footprint="", place="", notebook_title="", check=False, shared=shared)


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(3)


def initialise(parent: int, warm: bool = True) -> None:
    """Set up a local worker process: ignore Ctrl-C, exit with the parent, warm up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="stpkit-parent-watch").start()
    if warm:
        try:
            warm_up()
        except Exception:  # a failed warm-up only costs time: the jobs report their own errors
            pass
