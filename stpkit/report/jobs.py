"""What a report run has to do: one job per locality and notebook, and what each job depends on.

A job's inputs are the pack's files (their bytes, not where they are), the job's parameters
(locality, disclosure), the notebook file, stpkit's own source code and the versions of the
libraries that draw the figures. `inputs_hash` folds them into one SHA-256; a rerun redoes a job
only when its hash differs from the one recorded in manifest.json, when its files are missing or
changed, or when it failed last time.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import nbformat

from ..pack import DEFAULT_PACK

NOTEBOOK_DIR = DEFAULT_PACK.parent.parent / "notebooks"
DEFAULT_NOTEBOOKS = ("needs_analysis", "locality_deep_dive", "investment_phasing", "workforce_gap",
                     "bed_capacity", "plan_on_a_page", "budgets", "scenario_comparison")
FORMAT = "stpkit-reports/1"
LIBRARIES = ("stpkit", "numpy", "pandas", "altair", "vl-convert-python", "ipython", "ipykernel", "papermill",
             "nbconvert", "nbformat", "openpyxl")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pack_files(path: Path) -> dict[str, Path]:
    """The files of a pack folder that make up its content (every visible regular file); a workbook pack is its one file."""
    path = Path(path)
    if path.is_file():
        return {path.name: path}
    return {p.name: p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith(".")}


def pack_fingerprint(path: Path) -> dict:
    """The hash of each file of the pack and of the whole (names and bytes; the folder's location does not count)."""
    files = {name: sha256_file(p) for name, p in pack_files(path).items()}
    from ..database import tables_hash  # tables pack.toml reads from a database count as files

    tables = tables_hash(Path(path))
    if tables:
        files["database tables"] = tables
    return {"hash": sha256_bytes(json.dumps(files, sort_keys=True).encode()), "files": files}


def scenario_fingerprint(pack_path: Path, name: str) -> dict:
    """A scenario file's name, path relative to the pack, and hash (for the manifest and the jobs' inputs)."""
    path = Path(pack_path) / "scenarios" / f"{name}.toml"
    return {"name": name, "file": f"scenarios/{name}.toml", "hash": sha256_file(path)}


@lru_cache(maxsize=1)
def source_hash() -> str:
    """The hash of stpkit's own source files: a change to the model or the report engine redoes the reports."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".j2", ".json", ".css"):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def versions() -> dict:
    """Python's and the libraries' versions (the manifest records them; they count as inputs)."""
    import platform

    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


@dataclass(frozen=True)
class Notebook:
    """A report notebook: its name (file stem), path, title, text and hash."""

    name: str
    path: Path
    title: str
    text: str
    sha256: str


def notebook_title(nb: nbformat.NotebookNode, name: str) -> str:
    """The notebook's first markdown heading, or its name in words."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return re.sub(r"[*_`]", "", line[2:]).strip()
    return name.replace("_", " ").capitalize()


def read_notebook(path: Path) -> Notebook:
    data = Path(path).read_bytes()
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    return Notebook(name=Path(path).stem, path=Path(path).resolve(), title=notebook_title(nb, Path(path).stem),
                    text=data.decode("utf-8"), sha256=sha256_bytes(data))


def find_notebooks(names: list[str] | None = None, folder: Path = NOTEBOOK_DIR) -> list[Notebook]:
    """The notebooks asked for: names of notebooks in `folder` or paths to .ipynb files (default: the four).

    Raises ValueError naming every unknown notebook and the ones there are.
    """
    folder = Path(folder)
    names = list(names) if names else list(DEFAULT_NOTEBOOKS)
    found, unknown = [], []
    for name in names:
        candidate = Path(name)
        if candidate.suffix == ".ipynb" and candidate.is_file():
            found.append(candidate)
        elif (folder / f"{name}.ipynb").is_file():
            found.append(folder / f"{name}.ipynb")
        else:
            unknown.append(name)
    if unknown:
        there = sorted(p.stem for p in folder.glob("*.ipynb")) if folder.is_dir() else []
        listing = ", ".join(there) if there else f"none in {folder}"
        raise ValueError(f"no notebook {', '.join(repr(u) for u in unknown)}; the notebooks are: {listing} "
                         "(or give a path to an .ipynb file)")
    notebooks = [read_notebook(p) for p in found]
    stems = [n.name for n in notebooks]
    if len(set(stems)) != len(stems):
        raise ValueError(f"two notebooks share a name: {', '.join(sorted({s for s in stems if stems.count(s) > 1}))}")
    return notebooks


def safe_name(text: str) -> str:
    """A folder name for a locality id: letters, digits, dot, dash and underscore (plus a hash if changed)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", str(text)).strip("._") or "locality"
    if cleaned != str(text):
        cleaned = f"{cleaned}-{sha256_bytes(str(text).encode())[:8]}"
    return cleaned


@dataclass
class Job:
    """One report: a notebook run for a locality."""

    locality_id: str
    locality: str
    group: str
    notebook: str
    notebook_title: str
    folder: str
    parameters: dict
    inputs_hash: str
    inputs: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.locality_id}/{self.notebook}"

    @property
    def html(self) -> str:
        return f"{self.folder}/{self.notebook}.html"

    @property
    def ipynb(self) -> str:
        return f"{self.folder}/{self.notebook}.ipynb"

    def as_dict(self) -> dict:
        return asdict(self)


def inputs_hash(inputs: dict) -> str:
    return sha256_bytes(json.dumps(inputs, sort_keys=True, default=str).encode())


def plan(localities, notebooks: list[Notebook], *, pack_path: Path, pack_hash: str, disclosure: bool,
         scenario: dict | None = None, self_contained: bool = False) -> list[Job]:
    """One job per locality (rows of localities.csv, in order) and notebook.

    ``scenario`` ({"name", "hash"}, see ``scenario_fingerprint``): every job shows that scenario
    (papermill parameter ``scenario``), and its file's hash is one of the job's inputs, so a changed
    scenario file redoes its reports and nothing else. ``self_contained``: single-file reports
    (inline SVG) rather than light ones (`stpkit.report.export`); switching redoes every report.
    """
    jobs = []
    common = {"format": FORMAT, "pack": pack_hash, "stpkit_source": source_hash(), "versions": versions(),
              "disclosure": bool(disclosure), "report": "self-contained" if self_contained else "light"}
    if scenario:
        common["scenario"] = {"name": scenario["name"], "hash": scenario["hash"]}
    for row in localities.itertuples(index=False):
        folder = safe_name(row.locality_id)
        for notebook in notebooks:
            parameters = {"pack": str(Path(pack_path).resolve()), "locality": str(row.locality_id)}
            if scenario:
                parameters["scenario"] = scenario["name"]
            inputs = {**common, "notebook": notebook.sha256, "locality": str(row.locality_id)}
            group = row.group if isinstance(row.group, str) else ""
            jobs.append(Job(locality_id=str(row.locality_id), locality=str(row.locality), group=group,
                            notebook=notebook.name, notebook_title=notebook.title, folder=folder,
                            parameters=parameters, inputs_hash=inputs_hash(inputs), inputs=inputs))
    return jobs


def up_to_date(job: Job, record: dict | None, out: Path) -> bool:
    """Whether a previous run's record for this job still stands: same inputs, succeeded, files there unchanged."""
    if not record or record.get("status") != "ok" or record.get("inputs_hash") != job.inputs_hash:
        return False
    for kind, relative in (("html", job.html), ("ipynb", job.ipynb)):
        path = Path(out) / relative
        expected = (record.get("sha256") or {}).get(kind)
        if record.get(kind) != relative or not path.is_file() or not expected:
            return False
        if path.stat().st_size != (record.get("bytes") or {}).get(kind) or sha256_file(path) != expected:
            return False
    return True
