"""A national run of `stpkit reports`, watched: its pack, a Dask cluster on 127.0.0.1 and every process's peak memory.

Shared by the CI test on a smaller cut (tests/test_national_run.py) and the full run
(benchmarks/bench_national.py), as tests/damage.py is shared with its long run.

- `write_national_pack`: the synthetic pack of a national run (1,250 localities by default): 80%
  intervals, 20 age bands, GP practices, two scenarios, so every notebook has every section to show.
- `Watch`: every process of a run (the `stpkit reports` client, its local workers, the Dask scheduler,
  each Dask worker and its nanny), found in /proc every half second, with each one's peak resident
  memory: the kernel's own high-water mark (VmHWM), so a peak between two looks is not missed.
- `DaskCluster`: `dask scheduler` and N `dask worker` processes on 127.0.0.1, started and stopped.
- `run_reports`: `stpkit reports` as a user runs it, stopped with Ctrl-C (SIGINT) after a number of
  reports or minutes if asked, with its wall time and the manifest's counts.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from stpkit.synthetic import write_synthetic_pack

BIN = Path(sys.executable).parent
MB = 1024 * 1024
BAR_BYTES = 1024 * MB  # the national run's bar: under 1 GB in the client and in each worker


def write_national_pack(path: Path, localities: int = 1250) -> Path:
    """The national run's pack: `localities` localities (42 systems' worth at 1,250), seeded."""
    practices = max(localities * 5, 10)  # about 6,500 practices in England: five a locality
    return write_synthetic_pack(path, localities=localities, seed=16, intervals=True, age_bands=20,
                                practices=practices, scenarios=True, name="National synthetic footprint")


def _status(pid: int) -> dict:
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "PPid"):
                found[key] = int(value.split()[0])
    except (OSError, ValueError, IndexError):
        return {}
    return found


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """CPU time the process has used so far (user and system), from /proc/PID/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, ValueError, IndexError):
        return 0.0


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            parent = _status(int(entry.name)).get("PPid")
            if parent is not None:
                kids.setdefault(parent, []).append(int(entry.name))
    return kids


@dataclass
class Seen:
    """One process of the run: what it is, and its peak and last resident memory (bytes)."""

    pid: int
    role: str
    command: str
    peak_bytes: int = 0
    rss_bytes: int = 0
    cpu_seconds: float = 0.0


def role_of(command: str, root_role: str) -> str:
    """A process's part in the run, from its command line and the process it descends from."""
    if "resource_tracker" in command:
        return f"{root_role}: multiprocessing's resource tracker"
    if "multiprocessing.spawn" in command or "multiprocessing.forkserver" in command:
        return f"{root_role}: worker process" if root_role == "client" else f"{root_role} process"
    return root_role


@dataclass
class Watch:
    """Every process descending from the roots given, with its peak memory, looked at every `every` s."""

    every: float = 0.5
    roots: dict = field(default_factory=dict)  # pid -> role
    seen: dict = field(default_factory=dict)  # pid -> Seen
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, pid: int, role: str) -> None:
        with self._lock:
            self.roots[pid] = role
        self.look()

    def look(self) -> None:
        with self._lock:
            roots = dict(self.roots)
        kids = _children()
        for root, role in roots.items():
            stack = [(root, role)]
            while stack:
                pid, owner = stack.pop()
                numbers = _status(pid)
                if not numbers:
                    continue
                with self._lock:
                    known = self.seen.get(pid)
                    if known is None:
                        command = _command(pid)
                        known = self.seen[pid] = Seen(pid, role_of(command, owner) if pid != root else owner, command)
                    known.peak_bytes = max(known.peak_bytes, numbers.get("VmHWM", 0) * 1024)
                    known.rss_bytes = numbers.get("VmRSS", 0) * 1024
                    known.cpu_seconds = max(known.cpu_seconds, _cpu_seconds(pid))
                    child_role = known.role
                stack += [(kid, child_role) for kid in kids.get(pid, [])]

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.look()
            except Exception:  # noqa: BLE001 - a process gone between two reads; look again next time
                pass

    def start(self) -> "Watch":
        self._thread = threading.Thread(target=self._loop, daemon=True, name="national-watch")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def peaks(self) -> list[Seen]:
        with self._lock:
            return sorted(self.seen.values(), key=lambda s: (s.role, s.pid))

    def over_bar(self, bar: int = BAR_BYTES) -> list[Seen]:
        return [s for s in self.peaks() if s.peak_bytes >= bar]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DaskCluster:
    """A Dask scheduler and `workers` worker processes (one thread each, warmed up by stpkit's preload)
    on 127.0.0.1, each logging to `folder`. Use as a context manager; stopped on leaving."""

    def __init__(self, folder: Path, workers: int = 2, env: dict | None = None, watch: Watch | None = None):
        self.folder = Path(folder)
        self.workers = workers
        self.env = env
        self.watch = watch
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> "DaskCluster":
        self.folder.mkdir(parents=True, exist_ok=True)
        dask = str(BIN / "dask")
        try:
            self._start("scheduler", [dask, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--dashboard-address", ":0"])
            for number in range(1, self.workers + 1):
                name = f"worker-{number}"
                self._start(f"Dask {name}", [dask, "worker", self.address, "--nthreads", "1", "--name", name,
                                              "--dashboard-address", ":0", "--local-directory",
                                              str(self.folder / name), "--preload", "stpkit.report.cluster"],
                            log=name)
            from distributed import Client

            with Client(self.address, timeout="60s") as client:
                client.wait_for_workers(self.workers, timeout=300)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, role: str, command: list[str], log: str | None = None) -> None:
        handle = open(self.folder / f"{log or role}.log", "w")
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, cwd=self.folder, env=self.env)
        handle.close()
        self.processes.append(process)
        if self.watch is not None:
            self.watch.add(process.pid, "Dask scheduler" if role == "scheduler" else role)

    def logs(self) -> str:
        return "".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.folder.glob("*.log")))

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.processes = []

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class Run:
    """What one `stpkit reports` process did."""

    returncode: int
    seconds: float
    stopped: bool  # stopped with Ctrl-C by us (after the reports or minutes asked)
    manifest: dict
    stdout: str
    stderr: str

    @property
    def summary(self) -> dict:
        return self.manifest.get("summary", {})

    @property
    def ran(self) -> int:
        """Reports made by this run (not reused from an earlier one)."""
        return sum(1 for r in self.manifest.get("reports", []) if not r.get("reused") and r.get("status") != "not run")


def read_manifest(out: Path) -> dict:
    try:
        return json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _made(out: Path) -> int:
    """Reports this run has published so far (the manifest is rewritten every second while a run goes on)."""
    data = read_manifest(out)
    return sum(1 for r in data.get("reports", []) if r.get("status") == "ok" and not r.get("reused"))


def run_reports(pack: Path, out: Path, *, notebooks: list[str] | None = None, localities: list[str] | None = None,
                workers: int | None = None, scheduler: str | None = None, stop_after_reports: int | None = None,
                stop_after_minutes: float | None = None, watch: Watch | None = None, env: dict | None = None,
                nice: int = 0, timeout: float = 24 * 3600) -> Run:
    """`stpkit reports PACK --out OUT ...` as a process; Ctrl-C (SIGINT) once `stop_after_reports` reports are
    published or `stop_after_minutes` have passed; returns when it has exited."""
    command = [str(BIN / "stpkit"), "reports", str(pack), "--out", str(out)]
    if notebooks:
        command += ["--notebooks", ",".join(notebooks)]
    if localities:
        command += ["--localities", ",".join(localities)]
    if scheduler:
        command += ["--scheduler", scheduler]
    elif workers is not None:
        command += ["--workers", str(workers)]
    if nice:
        command = ["nice", "-n", str(nice), *command]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    logs = out.parent / f".{out.name}-run"
    logs.mkdir(exist_ok=True)
    started = time.monotonic()
    with open(logs / "stdout", "w") as stdout, open(logs / "stderr", "w") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        if watch is not None:
            watch.add(process.pid, "client")
        try:
            stopped = _wait(process, out, started, stop_after_reports, stop_after_minutes, timeout)
        except KeyboardInterrupt:  # the caller stopped: the run is stopped as Ctrl-C stops it, then the caller
            process.send_signal(signal.SIGINT)
            process.wait(timeout=120)
            raise
        seconds = time.monotonic() - started
    return Run(returncode=process.returncode, seconds=seconds, stopped=stopped, manifest=read_manifest(out),
               stdout=(logs / "stdout").read_text(errors="replace"), stderr=(logs / "stderr").read_text(errors="replace"))


def _wait(process, out: Path, started: float, stop_after_reports, stop_after_minutes, timeout) -> bool:
    """Until the process exits: Ctrl-C (SIGINT) once the reports or minutes asked for are reached (True if so)."""
    stopped = False
    while process.poll() is None:
        time.sleep(0.5)
        elapsed = time.monotonic() - started
        if elapsed > timeout:
            process.kill()
            process.wait()
            break
        if not stopped and ((stop_after_minutes is not None and elapsed >= stop_after_minutes * 60) or
                            (stop_after_reports is not None and _made(out) >= stop_after_reports)):
            process.send_signal(signal.SIGINT)  # Ctrl-C, as a person stopping the run
            stopped = True
    return stopped


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
