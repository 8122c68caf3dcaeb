"""Publishing a report run: files written whole, manifest.json and index.html.

Every file reaches its final name in one step: it is written to a temporary name in the same
folder (".<name>.<pid>.<random>.stpkit-tmp") and renamed over the final name (os.replace, atomic on
one file system). A run that is interrupted, or killed outright, leaves each report either as it
was or complete, never half-written; temporary files it could not remove are hidden (leading dot),
never linked from the index, and removed by the next run.

manifest.json records the run: the inputs with their hashes, the versions, and for every locality
and notebook the status, the error if it failed, the timings, the headline figures and the hashes
of the files written. index.html lists every locality against every notebook from the manifest: status
counts at the top, places with a failed report first, and (with its small inline script, no fetch) find by
name or id, filters by group and status and sortable figure columns; without scripts the same table.
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
#
# One row per place (the footprint first, then places with a failed report, then any with a report
# not run, then the rest in the pack's order): its name, id and group, its status, its own headline
# figures (one column each, sortable) and a cell per notebook (the link and the report's own figures).
# The page works as a plain table; a small inline script (no fetch, nothing from the internet) adds the
# find / group / status filters and the sort buttons. Each row carries only what a filter or a sort needs
# (a group number, a status rank, each figure's value in data-v) so 1,250 places stay a few MB at most.

STATUS_RANK = {"failed": 0, "not run": 1, "ok": 2}
STATUS_WORDS = {0: "failed", 1: "not run", 2: "done"}

_CSS = """
[hidden] { display: none !important; }
body { font-family: -apple-system, "Segoe UI", Arial, sans-serif; margin: 0; color: #231f20; }
header { background: #005EB8; color: #fff; padding: 1em 1.5em; }
header h1 { margin: 0.1em 0 0.3em; font-size: 1.7em; }
header a { color: #fff; }
header p { margin: 0.25em 0; }
main { padding: 1em 1.5em; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: #425563; font-size: 0.9em; padding: 0.3em 0; }
.table-scroll { overflow-x: auto; max-width: 100%; }
a:focus-visible, summary:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible {
  outline: 3px solid #FFEB3B; box-shadow: 0 0 0 5px #212b32; }
th, td { border-bottom: 1px solid #d8dde0; padding: 0.45em 0.6em; vertical-align: top; text-align: left; }
thead th { background: #f0f4f5; }
tbody th { font-weight: 600; min-width: 11em; }
small, .time { color: #425563; font-size: 0.8em; }
.figures { font-size: 0.85em; margin-top: 0.2em; }
.figures div { margin: 0.1em 0; }
td { min-width: 8em; max-width: 20em; }
td.n { min-width: 6em; text-align: right; white-space: nowrap; }
th.n { text-align: right; }
.flag { font-size: 0.85em; font-weight: 600; color: #7C2855; background: #FBE9F1; padding: 0 0.3em; border-radius: 0.2em; }
.status { display: inline-block; font-size: 0.75em; padding: 0 0.4em; border-radius: 0.2em; margin-right: 0.3em; }
.ok .status { background: #e6f4ea; color: #006747; }
.failed { background: #fdf0ef; }
.failed .status { background: #DA291C; color: #fff; }
.notrun .status { background: #e8edee; color: #425563; }
td.state { min-width: 5em; font-size: 0.85em; }
tr[data-s="0"] td.state { color: #8a1538; font-weight: 600; }
.error { color: #8a1538; font-size: 0.85em; white-space: pre-wrap; max-width: 28em; }
.failures { border-left: 4px solid #DA291C; padding: 0.3em 1em; background: #fdf0ef; margin-bottom: 1em; }
.note { color: #425563; font-size: 0.85em; }
tr.footprint th, tr.footprint td { background: #f0f4f5; border-bottom: 2px solid #AEB7BD; }
.technical { margin-top: 1.5em; color: #425563; font-size: 0.85em; }
.plan { border-left: 6px solid #005EB8; background: #f0f4f5; padding: 0.4em 1.2em 0.8em; margin-bottom: 1.2em; }
.plan h2 { margin: 0.3em 0; color: #003087; }
.plan .headline { font-size: 1.2em; font-weight: 600; color: #003087; margin: 0.3em 0; }
.counts { list-style: none; display: flex; flex-wrap: wrap; gap: 0.5em; padding: 0; margin: 0.6em 0 0.3em; }
.counts li { background: #fff; color: #231f20; padding: 0.2em 0.7em; border-radius: 0.3em; border-left: 5px solid #006747; }
.counts li b { font-size: 1.25em; }
.counts li.failed { border-left-color: #DA291C; background: #fdf0ef; }
.counts li.notrun { border-left-color: #768692; }
.finder { display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; align-items: flex-end; margin: 0.6em 0; }
.finder label { display: block; font-weight: 600; font-size: 0.9em; margin-bottom: 0.15em; }
.finder input, .finder select { font: inherit; padding: 0.25em 0.4em; border: 2px solid #425563; border-radius: 0.2em;
  max-width: 100%; box-sizing: border-box; }
.finder input { width: 16em; }
.finder p { margin: 0; flex-basis: 100%; }
th button { font: inherit; font-weight: 600; color: #003087; background: none; border: 0; padding: 0; cursor: pointer;
  text-align: inherit; text-decoration: underline dotted; }
th[aria-sort] button { text-decoration: none; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
.js #places table, .js #places thead, .js #places tbody, .js #places caption { display: block; }
.js #places caption { max-width: calc(100vw - 3.5rem); }
.js #places table { width: max-content; min-width: 100%; font-size: 0.9em; }
.js #places tr { display: grid; grid-template-columns: var(--columns); }
.js #places tbody tr { content-visibility: auto; contain-intrinsic-size: auto 3.4em; }
.js #places th, .js #places td { min-width: 0; max-width: none; overflow-wrap: break-word; }
.js #places thead th { overflow-wrap: normal; }
/* the table scrolls in its own box, its column headings kept in view over 1,250 rows */
.js #places { max-height: 85vh; overflow: auto; }
.js #places thead { position: sticky; top: 0; z-index: 1; background: #f0f4f5; box-shadow: 0 2px 0 #AEB7BD; }
.js #places th.nb { font-size: 0.85em; }
"""

# With scripts on (the "js" class, set in the head before the body is read) the table's rows are laid out as grid
# rows with fixed column widths and `content-visibility: auto`: the browser lays out only the rows on screen, so
# 1,250 places open in a fraction of a second. Chromium leaves the cells of rows it has not laid out out of the
# accessibility tree, so once the page is on screen the script lays out the rest, a slice at a time while the
# browser is idle, and the whole table reads to a screen reader a moment later (again after each sort).
_JS_FLAG = "document.documentElement.className += ' js';"

_SCRIPT = """
(function () {
  var box = document.getElementById('places'), finder = document.getElementById('finder');
  if (!box || !finder || !box.querySelector) return;
  var table = box.querySelector('table'), body = table.tBodies[0], heads = table.tHead.rows[0].cells;
  var find = document.getElementById('find'), group = document.getElementById('group');
  var status = document.getElementById('status-filter'), shown = document.getElementById('shown');
  var rows = [], pinned = [], collator = new Intl.Collator('en', {numeric: true, sensitivity: 'base'});
  for (var i = 0; i < body.rows.length; i++) {
    var tr = body.rows[i];
    if (tr.className === 'footprint') { pinned.push(tr); continue; }
    var th = tr.cells[0], id = th.querySelector('.id'), name = th.firstChild ? th.firstChild.nodeValue || '' : '';
    rows.push({tr: tr, i: i, name: name, text: (name + ' ' + (id ? id.textContent : '')).toLowerCase(),
               g: tr.getAttribute('data-g') || '', s: tr.getAttribute('data-s') || '2', v: {}});
  }
  var total = rows.length, round = 0;
  function later(step) {  // when the browser is idle, and within a second at the latest
    return window.requestIdleCallback ? requestIdleCallback(step, {timeout: 1000}) : setTimeout(step, 16);
  }
  function layOutAll() {  // every row laid out, a slice at a time, so the accessibility tree has every cell
    var mine = ++round, next = 0, all = pinned.concat(rows.map(function (r) { return r.tr; }));
    all.forEach(function (tr) { tr.style.contentVisibility = ''; });
    document.documentElement.removeAttribute('data-laid-out');
    function step() {
      if (mine !== round) return;
      for (var end = Math.min(next + 100, all.length); next < end; next++) all[next].style.contentVisibility = 'visible';
      if (next < all.length) later(step); else document.documentElement.setAttribute('data-laid-out', '');
    }
    requestAnimationFrame(function () { later(step); });
  }
  function number(row, col) {
    if (!(col in row.v)) {
      var cell = row.tr.cells[col], raw = cell ? cell.getAttribute('data-v') : null;
      row.v[col] = raw === null || raw === '' ? null : +raw;
    }
    return row.v[col];
  }
  function key(row, col, kind) { return kind === 'text' ? row.name : kind === 'status' ? +row.s : number(row, col); }
  function sortBy(col, kind, direction) {
    var sign = direction === 'ascending' ? 1 : -1;
    rows.sort(function (a, b) {
      var x = key(a, col, kind), y = key(b, col, kind);
      if (x === null || y === null) return x === y ? a.i - b.i : (x === null ? 1 : -1);  // no figure: last
      var c = kind === 'text' ? collator.compare(x, y) : x - y;
      return c ? sign * c : a.i - b.i;
    });
    for (var h = 0; h < heads.length; h++) {
      if (h === col) heads[h].setAttribute('aria-sort', direction); else heads[h].removeAttribute('aria-sort');
    }
    var order = document.createDocumentFragment();
    pinned.forEach(function (tr) { order.appendChild(tr); });
    rows.forEach(function (row) { order.appendChild(row.tr); });
    body.appendChild(order);
    layOutAll();
  }
  Array.prototype.forEach.call(heads, function (th, col) {
    var kind = th.getAttribute('data-sort');
    if (!kind) return;
    var button = document.createElement('button');
    button.type = 'button';
    while (th.firstChild) button.appendChild(th.firstChild);
    th.appendChild(button);
    button.addEventListener('click', function () {
      var now = th.getAttribute('aria-sort');
      sortBy(col, kind, now === 'ascending' ? 'descending' : now === 'descending' ? 'ascending' :
                        kind === 'number' ? 'descending' : 'ascending');
    });
  });
  function filter() {
    var text = find.value.trim().toLowerCase(), g = group ? group.value : '', s = status.value, count = 0;
    rows.forEach(function (row) {
      var on = (!text || row.text.indexOf(text) >= 0) && (!g || row.g === g) && (!s || row.s === s);
      if (row.tr.hidden === on) row.tr.hidden = !on;
      if (on) count++;
    });
    var of = total.toLocaleString('en-GB');
    shown.textContent = count === total ? 'Showing all ' + of + ' localities.' :
      count === 0 ? 'No locality matches: showing none of ' + of + '.' :
      'Showing ' + count.toLocaleString('en-GB') + ' of ' + of + ' localities.';
  }
  finder.addEventListener('submit', function (event) { event.preventDefault(); filter(); });
  find.addEventListener('input', filter);
  if (group) group.addEventListener('change', filter);
  status.addEventListener('change', filter);
  finder.hidden = false;
  layOutAll();
})();
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


REPORT_FIGURES = 4  # a report's first own figures in its cell (all of them are on the report and in the manifest)
FIGURES_UP_TO = 200  # places: with more (a national run) a report's cell is its link only, so the page opens in
#                      under a second with 10,000 reports; the place's own figures stay, one sortable column each


def _cell(record: dict | None, figures: int = REPORT_FIGURES) -> str:
    """A report's cell for managers: the link and the place's own figures (no run times or notebook files)."""
    status = (record or {}).get("status")
    if status == "ok":
        return (f'<td class="ok"><a href="{_e(record["html"])}">Report</a>'
                f'{_figures(own_figures(record), limit=figures) if figures else ""}</td>')
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


def _number(value) -> str:
    """A figure's value for sorting (data-v): plain digits, enough of them to keep every place apart."""
    return format(float(value), ".10g")


def index_places(manifest: dict) -> list[dict]:
    """The index's rows, in the index's order: the footprint first, then places with a failed report, then
    places with a report not run, then the rest, each group in the pack's order.

    Each row: locality_id, locality, group, footprint (bool), cells (the notebook's record or None, in the
    manifest's notebook order), counts by status ("ok", "failed", "not run"), rank (0 failed, 1 not run,
    2 all done) and figures (the place's own headline figures by label).
    """
    notebooks = manifest.get("notebooks", [])
    records = records_by_key(manifest)
    rows = []
    for order, place in enumerate(manifest.get("localities", [])):
        cells = [records.get(f"{place.get('locality_id')}/{n.get('name')}") for n in notebooks]
        counts = {"ok": 0, "failed": 0, "not run": 0}
        for record in cells:
            status = (record or {}).get("status")
            counts[status if status in ("ok", "failed") else "not run"] += 1
        rank = 0 if counts["failed"] else 1 if counts["not run"] else 2
        rows.append({"locality_id": str(place.get("locality_id")), "locality": place.get("locality"),
                     "group": place.get("group") or "", "footprint": place.get("locality_id") == "all",
                     "cells": cells, "counts": counts, "rank": rank, "order": order,
                     "figures": {f.get("label"): f for f in place.get("headlines") or []}})
    rows.sort(key=lambda r: (not r["footprint"], r["rank"], r["order"]))
    return rows


def status_counts(rows: list[dict]) -> dict[str, int]:
    """Reports in the index by status: ok (done), failed, not run; and unchanged (done, kept from an earlier run)."""
    counts = {"ok": 0, "failed": 0, "not run": 0, "unchanged": 0}
    for row in rows:
        for status, count in row["counts"].items():
            counts[status] += count
        counts["unchanged"] += sum(1 for r in row["cells"] if r and r.get("status") == "ok" and r.get("reused"))
    return counts


def figure_columns(rows: list[dict]) -> list[str]:
    """The places' headline figures as columns: every label, in the order they first appear."""
    labels: dict[str, None] = {}
    for row in rows:
        for label in row["figures"]:
            labels.setdefault(label, None)
    return list(labels)


def groups(rows: list[dict]) -> list[tuple[str, int]]:
    """The localities' groups in the pack's order, with how many localities each has."""
    found: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r["order"]):
        if not row["footprint"] and row["group"]:
            found[row["group"]] = found.get(row["group"], 0) + 1
    return list(found.items())


def _state(row: dict) -> str:
    counts = row["counts"]
    words = [f"{counts[k]} {w}" for k, w in (("failed", "failed"), ("not run", "not run")) if counts[k]]
    return ", ".join(words) if words else "all done"


def _place_row(row: dict, columns: list[str], group_number: dict[str, int], report_figures: int) -> str:
    footprint = row["footprint"]
    if footprint:
        where = "all localities together"
        attributes = ' class="footprint"'
    else:
        where = f'<span class="id">{_e(row["locality_id"])}</span>' + (
            f' &middot; {_e(row["group"])}' if row["group"] else "")
        attributes = (f' data-g="{group_number[row["group"]]}"' if row["group"] else "") + (
            f' data-s="{row["rank"]}"' if row["rank"] != 2 else "")
    figures = []
    for label in columns:
        figure = row["figures"].get(label)
        if figure is None:
            figures.append('<td class="n"></td>')
            continue
        value = figure.get("value")
        sort = f' data-v="{_number(value)}"' if isinstance(value, (int, float)) and value == value else ""
        figures.append(f'<td class="n"{sort}>{_e(figure.get("text"))}'
                       + (f' <span class="flag">{_e(figure["flag"])}</span>' if figure.get("flag") else "") + "</td>")
    return (f'<tr{attributes}><th scope="row">{_e(row["locality"])}<br><small>{where}</small></th>'
            f'<td class="state">{_state(row)}</td>{"".join(figures)}'
            f'{"".join(_cell(r, report_figures) for r in row["cells"])}</tr>')


def _columns(figures: int, notebooks: int, report_figures: int) -> str:
    """The table's column widths when laid out as a grid: place, status, each figure, each report."""
    report = "13em" if report_figures else "6em"  # fixed: every row is a grid of its own, so the columns line up
    return (f"11em 5.5em{f' repeat({figures}, 6.5em)' if figures else ''}"
            f"{f' repeat({notebooks}, {report})' if notebooks else ''}")


def _finder(places: int, group_list: list[tuple[str, int]], rows: list[dict]) -> list[str]:
    """The find / group / status controls: hidden until the page's script is running (the table works without)."""
    ranks = [sum(1 for r in rows if not r["footprint"] and r["rank"] == k) for k in (0, 1, 2)]
    status_options = "".join(f'<option value="{k}">{label} ({ranks[k]:,})</option>' for k, label in
                             ((0, "With a failed report"), (1, "With a report not run"), (2, "All reports done"))
                             if ranks[k] or k == 2)
    lines = ['<form id="finder" class="finder" role="search" aria-label="Find localities" hidden>',
             '<div><label for="find">Find a locality (name or id)</label>'
             '<input type="search" id="find" autocomplete="off" spellcheck="false"></div>']
    if group_list:
        options = "".join(f'<option value="{i}">{_e(g)} ({n:,})</option>' for i, (g, n) in enumerate(group_list))
        lines.append(f'<div><label for="group">Group</label><select id="group">'
                     f'<option value="">All groups</option>{options}</select></div>')
    lines += [f'<div><label for="status-filter">Status</label><select id="status-filter">'
              f'<option value="">Any status</option>{status_options}</select></div>',
              f'<p id="shown" role="status">Showing all {places:,} localities.</p>', "</form>"]
    return lines


def index_html(manifest: dict) -> str:
    """The index page: every place against every notebook, with links, status and headline figures;
    places with a failed report first; filters and sortable figure columns when scripts run."""
    run = manifest.get("run", {})
    pack = manifest.get("inputs", {}).get("pack", {})
    notebooks = manifest.get("notebooks", [])
    records = records_by_key(manifest)
    footprint = pack.get("name") or "Footprint"
    rows = index_places(manifest)
    counts = status_counts(rows)
    columns = figure_columns(rows)
    group_list = groups(rows)
    group_number = {g: i for i, (g, _) in enumerate(group_list)}
    localities = sum(1 for r in rows if not r["footprint"])
    report_figures = REPORT_FIGURES if len(rows) <= FIGURES_UP_TO else 0
    failures = [(row, r) for row in rows for r in row["cells"] if r and r.get("status") == "failed"]

    lines = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(footprint)}: locality reports</title>",
             f"<style>{_CSS}#places {{ --columns: {_columns(len(columns), len(notebooks), report_figures)}; }}</style>",
             f"<script>{_JS_FLAG}</script>", "</head>", "<body>",
             "<header>", '<div>Locality reports</div>', f"<h1>{_e(footprint)}</h1>"]
    scenario = manifest.get("inputs", {}).get("scenario")
    if scenario:
        lines.append(f'<p class="scenario">Every report here shows the scenario <b>{_e(scenario.get("title"))}</b> '
                     f'({_e(scenario.get("name"))}, {_e(scenario.get("file"))}): {_e(scenario.get("description"))}</p>')
    else:
        lines.append('<p class="scenario">Every report here shows the pack as it is (no scenario).</p>')
    total = counts["ok"] + counts["failed"] + counts["not run"]
    lines.append(f"<p>The footprint and {localities:,} localit{'y' if localities == 1 else 'ies'} &times; "
                 f"{len(notebooks)} notebooks: {total:,} reports. "
                 f"Generated {_e(_when(run.get('finished') or run.get('started'))[:10])}.</p>")
    lines.append('<ul class="counts" aria-label="Reports by status">'
                 f'<li><b>{counts["ok"]:,}</b> done</li>'
                 f'<li class="failed"><b>{counts["failed"]:,}</b> failed</li>'
                 f'<li class="notrun"><b>{counts["not run"]:,}</b> not run</li></ul>')
    kept = (manifest.get("summary") or {}).get("carried", 0)
    if counts["unchanged"] or kept:
        lines.append(f"<p>Of those done, {counts['unchanged']:,} were unchanged since an earlier run and not run again"
                     + (f"; {kept:,} are kept from earlier runs for other localities or notebooks" if kept else "")
                     + ".</p>")
    if manifest.get("workbook", {}).get("path"):
        lines.append(f'<p><a href="{_e(manifest["workbook"]["path"])}">Footprint tables (Excel)</a></p>')
    if run.get("disclosure_rule"):
        lines.append(f'<p class="note" style="color:#fff">{_e(run["disclosure_rule"])}</p>')
    if run.get("interrupted"):
        lines.append("<p><b>This run was interrupted: reports marked &ldquo;not run&rdquo; are missing.</b></p>")
    lines += ["</header>", "<main>"]
    lines += _plan_front(manifest, records)
    if failures:
        shown = 20
        lines.append('<section class="failures"><h2>Failed</h2><ul>')
        for row, record in failures[:shown]:
            error = record.get("error") or {}
            lines.append(f"<li>{_e(row['locality'])} ({_e(row['locality_id'])}), "
                         f"{_e(record.get('notebook_title') or record.get('notebook'))}: "
                         f"{_e(error.get('ename'))}: {_e(error.get('evalue'))}</li>")
        lines.append("</ul>")
        if len(failures) > shown:
            lines.append(f"<p>And {len(failures) - shown:,} more: every place with a failed report comes first "
                         "in the table below (or choose the status &ldquo;With a failed report&rdquo;).</p>")
        lines.append("</section>")
    lines += _finder(localities, group_list, rows)
    figure_heads = "".join(f'<th scope="col" class="n" data-sort="number">{_e(label)}</th>' for label in columns)
    report_heads = "".join(f'<th scope="col" class="nb">{_e(n.get("title"))}</th>' for n in notebooks)
    # the table scrolls on its own on a narrow screen (or at 400% zoom); the page's text reflows
    lines += ['<div class="table-scroll" id="places">', "<table>",
              "<caption>Every place and its reports: the footprint first, then places with a failed report, "
              "then places with a report not run.</caption>",
              '<thead><tr><th scope="col" data-sort="text">Place</th>'
              f'<th scope="col" data-sort="status" aria-sort="ascending">Status</th>{figure_heads}{report_heads}'
              "</tr></thead>", "<tbody>"]
    lines += [_place_row(row, columns, group_number, report_figures) for row in rows]
    lines += ["</tbody>", "</table>", "</div>"]
    # for analysts, out of the managers' way: run times and executed notebooks are in the manifest
    lines += ['<details class="technical"><summary>Technical details</summary>',
              f"<p>Run took {_seconds(run.get('wall_seconds'))} ({_e(run.get('executor'))}). Each report's time, "
              f"inputs with hashes, versions and executed notebook are in the "
              f'<a href="{MANIFEST}">run manifest (JSON)</a>.</p></details>']
    lines += ["</main>", f"<script>{_SCRIPT}</script>", "</body>", "</html>", ""]
    return "\n".join(lines)
