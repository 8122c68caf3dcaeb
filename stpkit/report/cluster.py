"""Reports past one machine: the same run spread over an existing Dask distributed cluster.

    stpkit reports PACK --out DIR --scheduler tcp://HOST:8786

Each report (a locality and a notebook) is one Dask task running `stpkit.report.worker.run_job`
on a worker; the results (executed notebook, report HTML, headline figures, timings) come back to
the client, which publishes them exactly as a local run does: files written whole, manifest.json,
index.html and the Excel workbook in DIR on the client's machine.

What travels: the pack's files are sent once to every worker (scattered with broadcast) and each
worker writes them to a local temporary folder named after their hash, reused by every task with
the same pack; each notebook's text is sent once. Workers therefore need no shared file system and
no copy of the pack or the notebooks, only stpkit installed, the same version as the client's: a
task checks stpkit's source hash against the client's and fails with a clear error if they differ.
(The pack parameter of an executed notebook shows the worker's temporary folder.)

Setting up a cluster (on each machine, in an environment where `pip install stpkit` was done from
the same checkout as the client's):

    dask scheduler --host 0.0.0.0 --port 8786                       # one machine
    dask worker tcp://SCHEDULER:8786 --nworkers 8 --nthreads 1 \\
        --preload stpkit.report.cluster                              # each worker machine

--nthreads 1: a worker process runs one notebook at a time (the engine holds a process lock, so
more threads would only queue). Use --nworkers to fill the machine's cores instead. --preload
stpkit.report.cluster warms each worker up once at start (imports, chart renderer, templates), so
the first task is as fast as the others, and keeps the worker's statistical profile (the dashboard's
Profile tab) to its last minute: Dask keeps 1,000 one-second profiles by default, and a report's call
tree is big enough that in a long run those profiles would take a worker past 1 GB. The client needs
network access to the scheduler; if the cluster requires TLS, pass a tls:// address and configure
Dask's security settings as usual (https://distributed.dask.org/en/stable/tls.html).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Iterator

from . import jobs as planning

SCHEMES = ("tcp://", "tls://", "ucx://", "ws://", "wss://", "inproc://")


def check_address(address: str) -> str:
    """The scheduler address, or ValueError saying what one looks like."""
    if not any(address.startswith(scheme) for scheme in SCHEMES) or ":" not in address.split("://", 1)[1]:
        raise ValueError(f"--scheduler {address!r} is not a Dask scheduler address; it looks like tcp://HOST:PORT")
    return address


def _materialise(pack: dict) -> Path:
    """The pack written to this machine's temporary folder (once per pack hash), returning its folder."""
    root = Path(tempfile.gettempdir()) / "stpkit-packs" / pack["hash"][:32]
    folder = root / pack["name"]
    if pack.get("workbook"):  # a workbook pack travels as its one file, in a folder of its own
        folder = root / "workbook" / pack["name"]
    if (root / ".complete").is_file():
        return folder
    staging = root.parent / f".{pack['hash'][:32]}.{os.getpid()}.{secrets.token_hex(4)}"
    into = staging / ("workbook" if pack.get("workbook") else pack["name"])
    into.mkdir(parents=True)
    for name, data in pack["files"].items():
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)  # scenarios/NAME.toml
        target.write_bytes(data)
    (staging / ".complete").write_text(pack["hash"])
    try:
        os.replace(staging, root)  # another task on this machine may have done it first: theirs stands
    except OSError:
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
    return folder


def run_task(job: dict, notebook_text: str, pack: dict) -> dict:
    """A Dask task: one report, with the pack and notebook sent by the client."""
    from . import worker

    if job.get("source_hash") and job["source_hash"] != planning.source_hash():
        return {"key": job["key"], "worker": None, "status": "failed", "ipynb": None, "html": None, "headlines": [],
                "seconds": {}, "error": {"ename": "VersionMismatch", "cell": None, "traceback": "",
                                         "evalue": "stpkit on this Dask worker is not the client's version "
                                                   f"(source hash {planning.source_hash()[:12]} against "
                                                   f"{job['source_hash'][:12]}): install the same stpkit "
                                                   "on every worker"}}
    folder = _materialise(pack)
    job = {**job, "notebook_text": notebook_text, "parameters": {**job["parameters"], "pack": str(folder)}}
    return worker.run_job(job)


class DaskExecutor:
    """Runs jobs as tasks on a Dask cluster and yields their results as they finish."""

    def __init__(self, address: str, pack_path: Path):
        self.address = check_address(address)
        self.pack_path = Path(pack_path)
        self.description = f"Dask cluster at {address}"
        self._client = None
        self._futures = set()

    def connect(self) -> None:
        """Connect to the scheduler (before anything runs, so a wrong address is a clear error at once)."""
        from distributed import Client

        if self._client is None:
            try:
                self._client = Client(self.address, timeout="30s", set_as_default=False)
            except (OSError, TimeoutError) as failure:
                raise ConnectionError(f"could not reach the Dask scheduler at {self.address}: {failure}") from None

    def run(self, todo: list[dict]) -> Iterator[dict]:
        from distributed import as_completed

        self.connect()
        client = self._client
        try:
            fingerprint = planning.pack_fingerprint(self.pack_path)
            files = {name: path.read_bytes() for name, path in planning.pack_files(self.pack_path).items()}
            scenarios = self.pack_path / "scenarios"  # the pack's scenarios travel with it (stpkit.scenarios)
            if self.pack_path.is_dir() and scenarios.is_dir():
                files.update({f"scenarios/{p.name}": p.read_bytes() for p in sorted(scenarios.glob("*.toml"))})
            digest = planning.sha256_bytes("\n".join([fingerprint["hash"], *(f"{n} {planning.sha256_bytes(d)}"
                                                                              for n, d in sorted(files.items()))])
                                           .encode())
            pack = {"hash": digest, "name": self.pack_path.name, "workbook": self.pack_path.is_file(), "files": files}
            pack_future = client.scatter(pack, broadcast=True, hash=False)
            texts = {}
            run_id = secrets.token_hex(4)
            waiting = iter(enumerate(todo))
            by_future = {}

            def submit_next():
                """The next job as a task, or None when every job has been sent."""
                item = next(waiting, None)
                if item is None:
                    return None
                index, job = item
                text = job["notebook_text"]
                if text not in texts:
                    texts[text] = client.scatter(text, hash=False)
                light = {k: v for k, v in job.items() if k != "notebook_text"}
                future = client.submit(run_task, light, texts[text], pack_future, pure=False,
                                       key=f"stpkit-report-{run_id}-{index}-{job['key']}")
                self._futures.add(future)
                by_future[future] = job
                return future

            # a few tasks a worker at a time: a finished report leaves its worker as soon as it is published,
            # and the scheduler holds a window of the run, not all 10,000 reports of a national one
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            first = [f for f in (submit_next() for _ in range(4 * workers + 4)) if f is not None]
            finished = as_completed(first, loop=client.loop, with_results=True, raise_errors=False)
            for future, outcome in finished:
                job = by_future.pop(future)
                if isinstance(outcome, BaseException) or future.status == "error":
                    failure = outcome if isinstance(outcome, BaseException) else future.exception()
                    outcome = {"key": job["key"], "worker": None, "status": "failed", "ipynb": None, "html": None,
                               "headlines": [], "seconds": {},
                               "error": {"ename": type(failure).__name__, "evalue": str(failure), "cell": None,
                                         "traceback": ""}}
                future.release()
                self._futures.discard(future)
                following = submit_next()
                if following is not None:
                    finished.add(following)
                yield outcome
                del outcome
        finally:
            self.stop()

    def stop(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if self._futures:
                client.cancel(list(self._futures), force=True)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        self._futures = set()
        client.close(timeout=10)


PROFILE_SECONDS = 60  # the statistical profile a worker keeps: the last minute, not Dask's 1,000 cycles


def bound_profile(worker, seconds: float = PROFILE_SECONDS) -> int:
    """Keep only the last `seconds` of the worker's statistical profile; returns the cycles kept.

    Dask samples each worker's call stack every 10 ms and keeps one call tree a second for the last
    1,000 seconds (distributed.admin.low-level-log-length). A notebook's call tree runs to thousands
    of frames, so that history grows by about 1 MB a second of work: a national run's worker reached
    980 MB after 2,700 reports and was still climbing, nearly all of the growth these profiles. The
    dashboard still shows the last minute.
    """
    from collections import deque

    import dask
    from dask.utils import parse_timedelta

    cycle = parse_timedelta(dask.config.get("distributed.worker.profile.cycle"), default="ms") or 1.0
    keep = max(1, int(seconds / cycle))
    for name in ("profile_history", "profile_keys_history"):
        history = getattr(worker, name, None)
        if isinstance(history, deque) and (history.maxlen is None or history.maxlen > keep):
            setattr(worker, name, deque(history, maxlen=keep))
    return keep


def dask_setup(worker=None) -> None:
    """`dask worker --preload stpkit.report.cluster`: bound the worker's profile and warm it up before it takes tasks."""
    from . import worker as report_worker

    if worker is not None:
        bound_profile(worker)
    report_worker.warm_up()
