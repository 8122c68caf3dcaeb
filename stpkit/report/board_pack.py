"""The board pack (`stpkit reports --pdf`): which reports it holds, in which order and volumes, and the one HTML
document each volume is printed from, cover first.

The pack holds the footprint's own reports, starting with its plan on a page, then for each locality only the
reports chosen for the board (`--board-pack`, default plan_on_a_page,locality_deep_dive: the locality's
contribution beside the footprint's, and its own page; `all` for every report). A pack of more than 250 reports
(STPKIT_BOARD_PACK_REPORTS) is printed in volumes, board_pack.pdf, board_pack_2.pdf ..., places whole and in
order: Chromium holds a whole document in memory to print it. `stpkit.report.pdf` prints it.
"""

from __future__ import annotations

import html
import itertools
import os
import re
from pathlib import Path

from .printed import FOOTPRINT, footer_css, place_label

BOARD_PACK = "board_pack.pdf"
BOARD_PACK_REPORTS = 250  # reports in one board-pack PDF at most; a bigger pack is printed in volumes
FRONT = "plan_on_a_page"  # the footprint's summary starts with its plan on a page
BOARD_NOTEBOOKS = ("plan_on_a_page", "locality_deep_dive")  # what each locality gives the board pack by default
ALL = "all"  # --board-pack all: every report, as the run has them
WHY = {"plan_on_a_page": "its contribution beside the footprint's", "locality_deep_dive": "the locality's own page"}


def board_choice(names: list[str] | None, known: list[str]) -> tuple[str, ...] | None:
    """`--board-pack NAME,...`: the notebooks each locality gives the board pack, in that order (None: `all`,
    every report). Raises ValueError, one line, for an unknown name; no names means the default."""
    if names is None:
        return BOARD_NOTEBOOKS
    names = [Path(n).stem if n.endswith(".ipynb") else n for n in names]
    if not names:
        raise ValueError("--board-pack needs at least one notebook name, or all")
    if ALL in names:
        if len(names) > 1:
            raise ValueError("--board-pack all means every report: give it alone, not with other names")
        return None
    unknown = [n for n in dict.fromkeys(names) if n not in known]
    if unknown:
        raise ValueError(f"--board-pack: no notebook {', '.join(repr(u) for u in unknown)}; the notebooks are: "
                         f"{', '.join(sorted(set(known)))} (or all, for every report)")
    return tuple(dict.fromkeys(names))


def in_board_pack(record: dict, chosen: tuple[str, ...] | None) -> bool:
    """Whether a report goes in the board pack: every one of the footprint's, and a locality's chosen ones."""
    return chosen is None or str(record.get("locality_id")) == FOOTPRINT or record.get("notebook") in chosen


def board_order(reports: list[dict], chosen: tuple[str, ...] | None = None) -> list[dict]:
    """The board pack's reports in order: the footprint's (its plan on a page first), then each locality's chosen
    reports (in the order chosen; chosen None: all, in the run's order), the localities in the run's order."""
    footprint = [r for r in reports if str(r.get("locality_id")) == FOOTPRINT]
    footprint.sort(key=lambda r: r.get("notebook") != FRONT)  # stable: the others keep the run's order
    places: dict[str, list] = {}
    for record in reports:
        if str(record.get("locality_id")) != FOOTPRINT and in_board_pack(record, chosen):
            places.setdefault(str(record.get("locality_id")), []).append(record)
    rank = {name: k for k, name in enumerate(chosen or ())}
    return footprint + [r for group in places.values() for r in sorted(group, key=lambda r: rank.get(r.get("notebook"), 0))]


def volume_size() -> int:
    """Reports in one board-pack volume at most (STPKIT_BOARD_PACK_REPORTS, default 250: Chromium holds a whole
    volume in memory while printing it, about 6 GB for the default pack's 216 reports and 2,485 pages)."""
    try:
        return max(1, int(os.environ.get("STPKIT_BOARD_PACK_REPORTS", BOARD_PACK_REPORTS)))
    except ValueError:
        return BOARD_PACK_REPORTS


def volume_name(k: int) -> str:
    """board_pack.pdf, then board_pack_2.pdf, board_pack_3.pdf ... for a pack too big for one PDF."""
    return BOARD_PACK if k == 0 else f"{Path(BOARD_PACK).stem}_{k + 1}.pdf"


def volumes_of(records: list[dict], size: int) -> dict[str, int]:
    """Which volume each report goes in (by its html path): places whole, in order, at most `size` reports a
    volume unless one place alone has more; one volume whenever the pack fits."""
    result, volume, filled = {}, 0, 0
    for _, group in itertools.groupby(records, key=lambda r: str(r.get("locality_id"))):
        group = list(group)
        if filled and filled + len(group) > size:
            volume, filled = volume + 1, 0
        for record in group:
            result[record["html"]] = volume
        filled += len(group)
    return result


def places_in(parts: list[tuple[int, dict]]) -> list[str]:
    return list(dict.fromkeys(str(record.get("locality")) if str(record.get("locality_id")) != FOOTPRINT
                              else "the footprint" for _, record in parts))


_STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.S | re.I)


def part_html(number: int, record: dict, snap: dict, footprint: str, first: bool) -> str:
    """One report in the board pack: on its own named page (for its footer), headings one level down."""
    body = snap["body"]
    styles = []

    def keep(match):
        styles.append(match.group(0))
        return ""

    body = _STYLE.sub(keep, body)  # every report repeats the same styles: the pack keeps one of each
    heading = ""
    if first:
        whose = ("The footprint: all localities" if str(record.get("locality_id")) == FOOTPRINT else
                 f"{record.get('locality')} ({record.get('locality_id')})"
                 + (f", {record.get('group')}" if record.get("group") else ""))
        heading = f'<h1 class="stpkit-board-place">{html.escape(whose)}</h1>\n'
    style_block = "".join(dict.fromkeys(styles))
    return (f'<section class="stpkit-board-part {html.escape(snap.get("bodyClass") or "")}" '
            f'style="page: part{number}" data-part="{number}" '
            f'data-locality="{html.escape(str(record.get("locality_id")))}" '
            f'data-notebook="{html.escape(str(record.get("notebook")))}">\n'
            f'<!--stpkit-styles:{style_block}-->\n'
            f'{heading}{body}\n</section>\n')


def board_html(manifest: dict, footprint: str, parts: list[tuple[int, dict]], missing: list[dict], heads: list[str],
                body_path: Path, css: str, volume: tuple[int, int] = (0, 1), places: list | None = None,
                contents: dict | None = None) -> str:
    """The whole pack: the reports' styles once each, the print styles, a footer per report, the cover, the reports."""
    run = manifest.get("run", {})
    date = "Generated " + str(run.get("started") or "")[:10]
    text = body_path.read_text(encoding="utf-8")
    styles: dict[str, None] = {}

    def lift(match):
        for block in _STYLE.findall(match.group(1)):
            styles.setdefault(block, None)
        return ""

    text = re.sub(r"<!--stpkit-styles:(.*?)-->", lift, text, flags=re.S)
    footers = [footer_css(f"{footprint} footprint", "Board pack", date, "cover")]
    for number, record in parts:
        footers.append(footer_css(place_label(record, footprint), record.get("notebook_title", ""),
                                  date, f"part{number}"))
    titles = {n.get("name"): n.get("title") for n in manifest.get("notebooks", [])}
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(footprint)}: board pack</title>\n"
            + "\n".join(heads) + "\n" + "\n".join(styles) + "\n"
            + f"<style id=\"stpkit-print\">{css}\n{''.join(footers)}</style></head>\n"
            + "<body class=\"jp-Notebook stpkit-board\"><main>\n"
            + _cover(manifest, footprint, [record for _, record in parts], missing, titles, date, volume, places or [],
                     contents or {}) + text + "</main></body></html>\n")


def _cover(manifest: dict, footprint: str, parts: list[dict], missing: list[dict], titles: dict, date: str,
           volume: tuple[int, int] = (0, 1), places_by_volume: list | None = None, contents: dict | None = None) -> str:
    """The pack's first page: what it is, the plan's headline, what is in it (what each locality gives it), that every
    report has its own PDF, and what is missing."""
    contents = contents or {}
    inputs = manifest.get("inputs", {})
    scenario = inputs.get("scenario") or {}
    places = list(dict.fromkeys(str(r.get("locality_id")) for r in parts))
    localities = [p for p in places if p != FOOTPRINT]
    plan = manifest.get("plan") or {}
    lines = [f'<section class="stpkit-board-cover" style="page: cover">',
             f'<h1 class="stpkit-board-title">{html.escape(footprint)}: board pack'
             + (f", volume {volume[0] + 1} of {volume[1]}" if volume[1] > 1 else "") + "</h1>",
             f'<p class="stpkit-board-meta">{html.escape(date)} by stpkit '
             f'{html.escape(str(inputs.get("stpkit", {}).get("version") or ""))} from the {html.escape(footprint)} '
             f'data pack' + (f', scenario {html.escape(str(scenario.get("title")))}' if scenario else "") + "</p>"]
    if plan.get("headline"):
        lines.append(f'<p class="stpkit-board-headline">{html.escape(plan["headline"])}</p>')
    if plan.get("figures"):
        lines.append(f'<table class="stpkit-board-figures"><caption>The plan on a page: {html.escape(footprint)} '
                     "footprint, net of investment and stranded cost (a cost or deficit is negative)</caption><tbody>"
                     + "".join(f'<tr><th scope="row">{html.escape(f["label"])}</th><td>{html.escape(f["text"])}</td></tr>'
                               for f in plan["figures"]) + "</tbody></table>")
    def title(name):
        return str(titles.get(name) or name.replace("_", " ").capitalize())

    lines.append("<h2>In this pack</h2><ul>")
    if FOOTPRINT in places:
        own = list(dict.fromkeys(title(r.get("notebook")) for r in parts if str(r.get("locality_id")) == FOOTPRINT))
        lines.append(f"<li>The footprint's summary, starting with its plan on a page: {html.escape(', '.join(own))}.</li>")
    board = contents.get("board", BOARD_NOTEBOOKS if contents else None)
    ran = {n.get("name") for n in manifest.get("notebooks", [])}
    given = list(dict.fromkeys(r.get("notebook") for r in parts if str(r.get("locality_id")) != FOOTPRINT))
    if board is None:
        gives = "all its reports: " + ", ".join(title(n) for n in given)
    else:
        gives = " and ".join(", ".join(title(n) + (f" ({WHY[n]})" if n in WHY else "") for n in given).rsplit(", ", 1))
        not_run = [n for n in board if n not in ran]
        if not_run:
            gives += ("; " if given else "") + "this run did not make their " + ", ".join(title(n) for n in not_run)
    lines.append(f"<li>{len(localities)} localit{'y' if len(localities) == 1 else 'ies'}, each giving "
                 f"{html.escape(gives or 'nothing')}"
                 + (" (where one is missing, it is listed below)" if missing and localities else "") + ".</li>")
    lines.append(f"<li>{len(parts)} reports in all; the bookmarks list them by place.</li></ul>")
    if contents.get("pdfs"):
        others = contents.get("others", 0)
        lines.append(f'<p class="stpkit-board-pdfs">Every report has its own PDF beside it: '
                     f"&lt;locality_id&gt;/&lt;notebook&gt;.pdf, next to the report's HTML ({contents['pdfs']} PDFs"
                     + (f", {others} of them for reports not in this pack" if others else "")
                     + "); index.html lists every report.</p>")
    if volume[1] > 1:
        lines.append(f"<p>The pack is in {volume[1]} volumes, at most {volume_size()} reports each, so that each "
                     "stays printable:</p><ul>")
        for k, names in enumerate(places_by_volume or []):
            shown = names[0] + (f" to {names[-1]}" if len(names) > 1 else "") if names else "nothing"
            lines.append(f"<li>{volume_name(k)}: {html.escape(shown)}</li>")
        lines.append("</ul>")
    if missing:
        lines.append(f'<h2>Not in this pack</h2><p class="stpkit-board-missing">{len(missing)} report'
                     f"{'s' if len(missing) != 1 else ''} could not be included:</p><ul>")
        for record in missing[:25]:
            status = record.get("status") or "not run"
            why = {"ok": "its PDF could not be printed", "failed": "the report failed"}.get(status, status)
            lines.append(f"<li>{html.escape(place_label(record, footprint))}, "
                         f"{html.escape(str(record.get('notebook_title') or record.get('notebook')))}: {why}</li>")
        if len(missing) > 25:
            lines.append(f"<li>and {len(missing) - 25} more (see index.html)</li>")
        lines.append("</ul>")
    elsewhere = contents.get("elsewhere") or []
    if elsewhere:  # reports not chosen for the pack that have no PDF of their own
        why = {"failed": "the report failed", "ok": "its PDF could not be printed"}
        named = "; ".join(f"{place_label(r, footprint)}, {r.get('notebook_title') or r.get('notebook')}: "
                          f"{why.get(r.get('status'), r.get('status') or 'not run')}" for r in elsewhere[:5])
        lines.append(f'<p class="stpkit-board-elsewhere">Outside this pack, {len(elsewhere)} report'
                     f"{'s' if len(elsewhere) != 1 else ''} of the run ha{'ve' if len(elsewhere) != 1 else 's'} "
                     f"no PDF: {html.escape(named)}" + (f"; and {len(elsewhere) - 5} more" if len(elsewhere) > 5 else "")
                     + " (index.html lists them).</p>")
    lines.append("</section>\n")
    return "\n".join(lines)
