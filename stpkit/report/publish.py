"""Publishing a report run: files written whole, manifest.json and index.html.

Every file reaches its final name in one step: it is written to a temporary name in the same
folder (".<name>.<pid>.<random>.stpkit-tmp") and renamed over the final name (os.replace, atomic on
one file system). A run that is interrupted, or killed outright, leaves each report either as it
was or complete, never half-written; temporary files it could not remove are hidden (leading dot),
never linked from the index, and removed by the next run.

manifest.json records the run: the inputs with their hashes, the versions, and for every locality
and notebook the status, the error if it failed, the timings, the headline figures and the hashes
of the files written. index.html lists every locality against every notebook from the manifest.
"""

from __future__ import annotations

import html
import json
import os
import secrets
from pathlib import Path

from .jobs import sha256_bytes

TEMP_SUFFIX = ".stpkit-tmp"
MANIFEST = "manifest.json"
INDEX = "index.html"


def write_atomic(path: Path, data: str | bytes, *, sync: bool = True) -> tuple[str, int]:
    """Write `data` to `path` in one step (temp file in the same folder, then rename). Returns (sha256, bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    try:
        with open(temp, "wb") as handle:
            handle.write(payload)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            temp.unlink()
        except OSError:
            pass
        raise
    return sha256_bytes(payload), len(payload)


class Busy(RuntimeError):
    """Another run is publishing into the same folder."""


def lock(out: Path):
    """Hold the folder's lock file (.stpkit-lock) for this run; Busy if another run holds it.

    The lock goes with the process (the OS releases it however the process ends), so a killed run
    never leaves the folder locked. Returns the open lock file: close it to release.
    """
    handle = open(Path(out) / ".stpkit-lock", "a+")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks, one run at a time by convention
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise Busy(f"another stpkit reports run is publishing into {out}; wait for it to finish") from None
    return handle


def remove_temp_files(root: Path) -> int:
    """Remove temporary files left by an interrupted run; returns how many there were."""
    count = 0
    root = Path(root)
    if not root.is_dir():
        return 0
    for path in root.rglob(f".*{TEMP_SUFFIX}"):
        try:
            path.unlink()
            count += 1
        except OSError:
            pass
    return count


def read_manifest(out: Path) -> dict | None:
    """The manifest of the previous run in `out`, or None if there is none (or it cannot be read)."""
    try:
        data = json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("reports"), list) else None


def records_by_key(manifest: dict | None) -> dict[str, dict]:
    if not manifest:
        return {}
    reports = [r for r in manifest.get("reports", []) if isinstance(r, dict)]
    return {f'{r.get("locality_id")}/{r.get("notebook")}': r for r in reports}


def write_manifest(out: Path, manifest: dict) -> None:
    write_atomic(Path(out) / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False, allow_nan=False) + "\n")


# ---------------------------------------------------------------------------------------------
# index.html

_CSS = """
body { font-family: -apple-system, "Segoe UI", Arial, sans-serif; margin: 0; color: #231f20; }
header { background: #005EB8; color: #fff; padding: 1em 1.5em; }
header h1 { margin: 0.1em 0 0.3em; font-size: 1.7em; }
header a { color: #fff; }
header p { margin: 0.25em 0; }
main { padding: 1em 1.5em; }
table { border-collapse: collapse; width: 100%; }
.table-scroll { overflow-x: auto; max-width: 100%; }
a:focus-visible, summary:focus-visible { outline: 3px solid #FFEB3B; box-shadow: 0 0 0 5px #212b32; }
th, td { border-bottom: 1px solid #d8dde0; padding: 0.45em 0.6em; vertical-align: top; text-align: left; }
thead th { background: #f0f4f5; position: sticky; top: 0; }
tbody th { font-weight: 600; min-width: 11em; }
small, .time { color: #425563; font-size: 0.8em; }
.figures { font-size: 0.85em; margin-top: 0.2em; }
.figures div { margin: 0.1em 0; }
td { min-width: 8em; max-width: 20em; }
.flag { font-size: 0.85em; font-weight: 600; color: #7C2855; background: #FBE9F1; padding: 0 0.3em; border-radius: 0.2em; }
.status { display: inline-block; font-size: 0.75em; padding: 0 0.4em; border-radius: 0.2em; margin-right: 0.3em; }
.ok .status { background: #e6f4ea; color: #006747; }
.failed { background: #fdf0ef; }
.failed .status { background: #DA291C; color: #fff; }
.notrun .status { background: #e8edee; color: #425563; }
.error { color: #8a1538; font-size: 0.85em; white-space: pre-wrap; max-width: 28em; }
.failures { border-left: 4px solid #DA291C; padding: 0.3em 1em; background: #fdf0ef; margin-bottom: 1em; }
.note { color: #425563; font-size: 0.85em; }
tr.footprint th, tr.footprint td { background: #f0f4f5; border-bottom: 2px solid #AEB7BD; }
.technical { margin-top: 1.5em; color: #425563; font-size: 0.85em; }
.plan { border-left: 6px solid #005EB8; background: #f0f4f5; padding: 0.4em 1.2em 0.8em; margin-bottom: 1.2em; }
.plan h2 { margin: 0.3em 0; color: #003087; }
.plan .headline { font-size: 1.2em; font-weight: 600; color: #003087; margin: 0.3em 0; }
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _seconds(value) -> str:
    if value is None:
        return ""
    return f"{value:.1f} s" if value < 90 else f"{value / 60:.1f} min"


def _when(stamp: str | None) -> str:
    """An ISO time as "2026-11-23 17:05 UTC"."""
    if not stamp:
        return ""
    try:
        from datetime import datetime, timezone

        return datetime.fromisoformat(stamp).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return stamp


def _figures(figures: list[dict], limit: int = 3) -> str:
    rows = "".join(f"<div>{_e(f.get('label'))}: <b>{_e(f.get('text'))}</b>"
                   + (f" <span class=\"flag\">{_e(f['flag'])}</span>" if f.get("flag") else "") + "</div>"
                   for f in (figures or [])[:limit])
    return f'<div class="figures">{rows}</div>' if rows else ""


def own_figures(record: dict) -> list[dict]:
    """A report's headline figures that are its place's own: a locality's report may show footprint figures
    (labelled as the footprint's on the page), which a locality's row of the index leaves out."""
    place = record.get("locality")
    return [f for f in record.get("headlines") or [] if not f.get("whose") or f.get("whose") == place]


def _cell(record: dict | None) -> str:
    """A report's cell for managers: the link and the place's own figures (no run times or notebook files)."""
    if record is None:
        return '<td class="notrun"><span class="status">not run</span></td>'
    status = record.get("status")
    if status == "ok":
        return (f'<td class="ok"><a href="{_e(record["html"])}">Report</a>'
                f'{_figures(own_figures(record), limit=4)}</td>')
    if status == "failed":
        error = record.get("error") or {}
        return (f'<td class="failed"><span class="status">failed</span>'
                f'<div class="error">{_e(error.get("ename"))}: {_e(error.get("evalue"))}</div></td>')
    return '<td class="notrun"><span class="status">not run</span></td>'


def _plan_front(manifest: dict, records: dict) -> list[str]:
    """The index opens with the footprint's plan on a page: its headline sentence, figures and a link to it."""
    front = manifest.get("plan") or {}
    if not front.get("headline"):
        return []
    record = records.get(f"all/{front.get('notebook', 'plan_on_a_page')}")
    link = (f'<p><a href="{_e(record["html"])}">Open the plan on a page</a>: what the plan will do, what it costs, '
            "whether it closes the gap, and where the published figures do not add up.</p>"
            if record and record.get("status") == "ok" and record.get("html") else
            '<p class="note">The footprint&rsquo;s plan on a page was not run in this report pack.</p>')
    return ['<section class="plan" id="plan-on-a-page"><h2>Plan on a page</h2>',
            f'<p class="headline">{_e(front["headline"])}</p>', _figures(front.get("figures"), limit=3), link,
            "</section>"]


def index_html(manifest: dict) -> str:
    """The index page: every locality against every notebook, with links, status, headline figures and time."""
    run = manifest.get("run", {})
    pack = manifest.get("inputs", {}).get("pack", {})
    notebooks = manifest.get("notebooks", [])
    records = records_by_key(manifest)
    summary = manifest.get("summary", {})
    footprint = pack.get("name") or "Footprint"
    failures = [r for r in manifest.get("reports", []) if r.get("status") == "failed"]

    lines = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(footprint)}: locality reports</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
             "<header>", '<div>Locality reports</div>', f"<h1>{_e(footprint)}</h1>"]
    counts = ", ".join(f"{summary.get(k, 0)} {label}" for k, label in
                       (("ok", "ok"), ("failed", "failed"), ("not_run", "not run"),
                        ("carried", "kept from earlier runs")) if summary.get(k, 0) or k == "ok")
    places = manifest.get("localities", [])
    localities = sum(1 for p in places if p.get("locality_id") != "all")
    lines.append(f"<p>The footprint and {localities} localit{'y' if localities == 1 else 'ies'} &times; "
                 f"{len(notebooks)} reports: {_e(counts)}. "
                 f"Generated {_e(_when(run.get('finished') or run.get('started'))[:10])}.</p>")
    if manifest.get("workbook", {}).get("path"):
        lines.append(f'<p><a href="{_e(manifest["workbook"]["path"])}">Footprint tables (Excel)</a></p>')
    if run.get("disclosure_rule"):
        lines.append(f'<p class="note" style="color:#fff">{_e(run["disclosure_rule"])}</p>')
    if run.get("interrupted"):
        lines.append("<p><b>This run was interrupted: reports marked &ldquo;not run&rdquo; are missing.</b></p>")
    lines += ["</header>", "<main>"]
    lines += _plan_front(manifest, records)
    if failures:
        lines.append('<section class="failures"><h2>Failed</h2><ul>')
        for record in failures:
            error = record.get("error") or {}
            lines.append(f"<li>{_e(record.get('locality'))} ({_e(record.get('locality_id'))}), "
                         f"{_e(record.get('notebook_title'))}: "
                         f"{_e(error.get('ename'))}: {_e(error.get('evalue'))}</li>")
        lines.append("</ul></section>")
    header = "".join(f'<th scope="col">{_e(n.get("title"))}</th>' for n in notebooks)
    # the table scrolls on its own on a narrow screen (or at 400% zoom); the page's text reflows
    lines += ['<div class="table-scroll">', "<table>",
              f'<thead><tr><th scope="col">Place</th><th scope="col">Headline figures</th>{header}</tr></thead>',
              "<tbody>"]
    for place in places:
        cells = "".join(_cell(records.get(f"{place['locality_id']}/{n['name']}")) for n in notebooks)
        footprint = place.get("locality_id") == "all"
        where = ("all localities together" if footprint else
                 f"{_e(place.get('locality_id'))}{' &middot; ' + _e(place['group']) if place.get('group') else ''}")
        row_class = ' class="footprint"' if footprint else ""
        lines.append(f"<tr{row_class}><th scope=\"row\">{_e(place.get('locality'))}<br>"
                     f"<small>{where}</small></th>"
                     f"<td>{_figures(place.get('headlines'), limit=6)}</td>{cells}</tr>")
    lines += ["</tbody>", "</table>", "</div>"]
    # for analysts, out of the managers' way: run times and executed notebooks are in the manifest
    lines += ['<details class="technical"><summary>Technical details</summary>',
              f"<p>Run took {_seconds(run.get('wall_seconds'))} ({_e(run.get('executor'))}). Each report's time, "
              f"inputs with hashes, versions and executed notebook are in the "
              f'<a href="{MANIFEST}">run manifest (JSON)</a>.</p></details>']
    lines += ["</main>", "</body>", "</html>", ""]
    return "\n".join(lines)
