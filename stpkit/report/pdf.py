"""Board papers: every report as an A4 PDF, and one board pack per footprint (`stpkit reports ... --pdf`).

    with Printer() as printer:                       # one headless Chromium for the whole run
        outcome = print_run(printer, out, manifest)  # after the reports are written

Each report DIR/<locality>/<notebook>.html is opened in Debian's Chromium (Playwright), its charts
left to draw (a light report's placeholders `[data-stpkit-chart]` each get `data-drawn`; a
self-contained report's charts are already there), the print styles of `print.css` added (A4, each
section on a new page, no chart, table or card cut across a page, nothing that only works on screen)
with a footer naming the place, the report and its date and "Page X of Y", and printed to
DIR/<locality>/<notebook>.pdf, tagged (headings, tables, figures with their text alternative) and
with an outline (bookmarks) from the headings.

The board pack, DIR/board_pack.pdf: a cover (the footprint, the plan's headline, what is in the pack,
which reports each locality gives it and which are missing), the footprint's own reports starting with
its plan on a page, then for each locality only the reports chosen for the board (`--board-pack`,
default plan_on_a_page,locality_deep_dive: the locality's contribution beside the footprint's, and its
own page; `all` for every report). Every report, in the pack or not, has its own PDF. The pack is one
HTML document printed once (page numbers run through the pack, and the tags and the outline cover it
all), made of each report as the browser drew it for its own PDF. A pack of more than 250 reports
(STPKIT_BOARD_PACK_REPORTS) is printed in volumes, board_pack.pdf, board_pack_2.pdf ..., places whole
and in order: Chromium holds a whole document in memory to print it.

Every PDF is written whole (temp name, then rename). DIR/pdf.json records the report each PDF was
printed from, so a rerun prints only the PDFs whose report changed or that are missing; a failed
report has no PDF (an older one is removed) and the board pack's cover names it.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import itertools
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import publish

PRINT_CSS = Path(__file__).with_name("print.css")
BOARD_PACK = "board_pack.pdf"
BOARD_PACK_REPORTS = 250  # reports in one board-pack PDF at most; a bigger pack is printed in volumes
STATE = "pdf.json"
FORMAT = 1
CHROMIUM = os.environ.get("STPKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]  # a PDF never needs the internet
FOOTPRINT = "all"
FRONT = "plan_on_a_page"  # the footprint's summary starts with its plan on a page
BOARD_NOTEBOOKS = ("plan_on_a_page", "locality_deep_dive")  # what each locality gives the board pack by default
ALL = "all"  # --board-pack all: every report, as the run has them
WHY = {"plan_on_a_page": "its contribution beside the footprint's", "locality_deep_dive": "the locality's own page"}
WAIT_MS = 60_000

CHARTS_DRAWN_JS = "() => document.querySelectorAll('[data-stpkit-chart]:not([data-drawn])').length === 0"

# The report as the browser drew it, for the board pack: canvases become images, scripts go (the charts are
# drawn already), addresses become absolute so the pack can sit anywhere.
SNAPSHOT_JS = """() => {
  for (const canvas of [...document.querySelectorAll('canvas')]) {
    try {
      const img = document.createElement('img');
      img.src = canvas.toDataURL('image/png');
      img.alt = canvas.getAttribute('aria-label') || '';
      img.style.width = canvas.style.width || (canvas.width + 'px');
      canvas.replaceWith(img);
    } catch (e) { /* a tainted canvas stays as it is */ }
  }
  const body = document.body.cloneNode(true);
  body.querySelectorAll('script, noscript').forEach(e => e.remove());
  body.querySelectorAll('[src]').forEach(e => e.setAttribute('src', e.src));
  body.querySelectorAll('a[href]').forEach(e => { if (!e.getAttribute('href').startsWith('#')) e.removeAttribute('href'); });
  for (let level = 5; level >= 1; level--) {  // the report's headings one level down: the place is the pack's h1
    for (const h of [...body.querySelectorAll('h' + level)]) {
      const lower = document.createElement('h' + (level + 1));
      for (const a of h.attributes) lower.setAttribute(a.name, a.value);
      lower.classList.add('stpkit-was-h' + level);
      while (h.firstChild) lower.appendChild(h.firstChild);
      h.replaceWith(lower);
    }
  }
  const head = [...document.head.querySelectorAll('style, link[rel=stylesheet]')]
    .filter(e => e.id !== 'stpkit-print')
    .map(e => e.tagName === 'LINK' ? '<link rel="stylesheet" href="' + e.href + '">' : e.outerHTML);
  return {head: head, body: body.innerHTML, bodyClass: document.body.className};
}"""

ADD_STYLE_JS = """css => { const s = document.createElement('style'); s.id = 'stpkit-print'; s.textContent = css;
  document.head.appendChild(s); }"""


class PdfUnavailable(RuntimeError):
    """Chromium or Playwright is not there: no PDF can be printed."""


def check() -> None:
    """Raise PdfUnavailable (a one-line reason) unless Playwright and Chromium are installed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise PdfUnavailable("--pdf needs Playwright (pip install playwright), which is not installed") from None
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        raise PdfUnavailable(f"--pdf needs Chromium at {CHROMIUM} (Debian: apt-get install chromium; "
                             "or set STPKIT_CHROMIUM), which is not there")


class Printer:
    """One headless Chromium, opened once for a whole run and closed at its end."""

    def __enter__(self) -> "Printer":
        check()
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self.browser = self._playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                            args=CHROMIUM_ARGS)
        except Exception as problem:
            self._playwright.stop()
            raise PdfUnavailable(f"--pdf could not start Chromium ({CHROMIUM}): "
                                 f"{str(problem).strip().splitlines()[0]}") from None
        self.context = self.browser.new_context(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
        self._page = None
        self._uses = 0
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.browser.close()
        finally:
            self._playwright.stop()

    def page(self):
        """A page for the next document (a fresh one now and then, so that a long run holds little memory)."""
        if self._page is None or self._uses >= 40:
            if self._page is not None:
                self._page.close()
            self._page = self.context.new_page()
            self._uses = 0
        self._uses += 1
        return self._page

    def open(self, html_path: Path):
        """The report opened and drawn: every chart placeholder of a light report drawn, fonts and images loaded."""
        page = self.page()
        page.goto(Path(html_path).resolve().as_uri(), wait_until="load", timeout=WAIT_MS)
        page.wait_for_function(CHARTS_DRAWN_JS, timeout=WAIT_MS)
        page.evaluate("() => document.fonts.ready")
        return page

    def print(self, page, css: str) -> bytes:
        """The open page printed: A4, tagged, with an outline, with the print styles and footer given."""
        page.evaluate(ADD_STYLE_JS, css)
        page.emulate_media(media="print")
        try:
            return page.pdf(format="A4", print_background=True, prefer_css_page_size=True, tagged=True,
                            outline=True)
        finally:
            page.emulate_media(media="screen")

    def snapshot(self, page) -> dict:
        """The open page as drawn, for the board pack (see SNAPSHOT_JS)."""
        return page.evaluate(SNAPSHOT_JS)


# ---------------------------------------------------------------------------------------------
# Footers and styles


def print_css() -> str:
    return PRINT_CSS.read_text(encoding="utf-8")


def _css_string(text: str) -> str:
    """Text as a CSS string literal."""
    text = " ".join(str(text).split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def footer_css(place: str, what: str, date: str, page_name: str | None = None) -> str:
    """The footer of every page (of a named page, in the board pack): the place and what it is, the date, Page X of Y."""
    selector = f"@page {page_name}" if page_name else "@page"
    return (f"{selector} {{\n"
            f"  @bottom-left {{ content: {_css_string(place + ' · ' + what)}; font: 8pt sans-serif; color: #425563;"
            f" vertical-align: top; padding-top: 3mm; }}\n"
            f"  @bottom-center {{ content: {_css_string(date)}; font: 8pt sans-serif; color: #425563;"
            f" vertical-align: top; padding-top: 3mm; }}\n"
            f"  @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); font: 8pt sans-serif;"
            f" color: #425563; vertical-align: top; padding-top: 3mm; }}\n}}\n")


def place_label(record: dict, footprint: str) -> str:
    """Whose report it is, as the footer says it: the footprint, or a locality with its id."""
    if str(record.get("locality_id")) == FOOTPRINT:
        return f"{footprint} footprint"
    return f"{record.get('locality')} ({record.get('locality_id')})"


_GENERATED = re.compile(rb"Generated (\d{4}-\d{2}-\d{2})")


def report_date(html_path: Path, record: dict) -> str:
    """The date the report says it was generated (its banner), else when it was finished."""
    try:
        with open(html_path, "rb") as handle:
            found = _GENERATED.search(handle.read(20_000))
        if found:
            return "Generated " + found.group(1).decode()
    except OSError:
        pass
    return "Generated " + str(record.get("finished") or "")[:10]


# ---------------------------------------------------------------------------------------------
# The run


@dataclass
class Outcome:
    """What the printing did."""

    printed: int = 0
    kept: int = 0
    failed: list = field(default_factory=list)  # (record, reason) of reports whose PDF could not be printed
    missing: list = field(default_factory=list)  # records of reports chosen for the board pack but not in it (failed, not run)
    elsewhere: list = field(default_factory=list)  # records of reports not chosen for the pack that failed or did not run
    board_reports: int = 0  # reports in the board pack
    board_missing: int = 0  # reports chosen for the board pack that are not in it
    board_pack: Path | None = None
    volumes: list = field(default_factory=list)
    board_pack_printed: bool = False
    board_pages: int = 0
    seconds: float = 0.0
    seconds_reports: float = 0.0
    seconds_board_pack: float = 0.0


def pdf_path(html_rel: str) -> str:
    return str(Path(html_rel).with_suffix(".pdf"))


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


def _hash(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _style_hash() -> str:
    return _hash({"css": print_css(), "format": FORMAT, "code": Path(__file__).read_text(encoding="utf-8")})


def _read_state(out: Path) -> dict:
    try:
        state = json.loads((out / STATE).read_text(encoding="utf-8"))
        return state if state.get("format") == FORMAT else {}
    except (OSError, ValueError):
        return {}


def print_run(printer: Printer, out, manifest: dict, *, force: bool = False, on_problem=None,
              board: tuple[str, ...] | None = BOARD_NOTEBOOKS) -> Outcome:
    """Print every successful report of the run in `out` to PDF (those not up to date) and the board pack.

    manifest: the run's manifest (`build_reports(...).manifest`). on_problem(line): told of each report whose
    PDF could not be printed. board: the notebooks each locality gives the board pack (None: every report).
    """
    started = time.monotonic()
    out = Path(out)
    lock = publish.lock(out)
    try:
        return _print_run(printer, out, manifest, force, on_problem, started, board)
    finally:
        lock.close()


def _print_run(printer, out: Path, manifest: dict, force: bool, on_problem, started: float, board) -> Outcome:
    outcome = Outcome()
    footprint = manifest["inputs"]["pack"]["name"]
    styles = _style_hash()
    state = _read_state(out)
    done: dict = {} if force else dict(state.get("reports", {}))
    new_state = {"format": FORMAT, "reports": {}, "board_pack": state.get("board_pack")}
    css = print_css()
    reports = manifest.get("reports", [])
    pack = board_order(reports, board)  # the reports the board pack is to hold
    chosen = {id(r) for r in pack}
    others = [r for r in reports if id(r) not in chosen]

    def printable(record):
        return record.get("status") == "ok" and record.get("html") and (out / record["html"]).is_file()

    ok = [r for r in pack if printable(r)]
    outcome.missing = [r for r in pack if not printable(r)]
    outcome.elsewhere = [r for r in others if not printable(r)]
    for record in reports:  # a failed report has no PDF: an older one would pass for it
        if not printable(record):
            stale = out / pdf_path(record.get("html") or f"{record.get('locality_id')}/{record.get('notebook')}.html")
            if stale.is_file() and not record.get("carried"):
                stale.unlink()

    # every printable report gets its PDF: the pack's first, in its order, then the others
    parts = [(r, (r.get("sha256") or {}).get("html"), True) for r in ok]
    parts += [(r, (r.get("sha256") or {}).get("html"), False) for r in others if printable(r)]
    volume_of = volumes_of(ok, volume_size())
    count = max(volume_of.values(), default=0) + 1
    boards = [out / volume_name(k) for k in range(count)]

    def listed(records):
        return [(r.get("locality_id"), r.get("notebook"), r.get("status")) for r in records]

    pack_inputs = _hash({"styles": styles, "parts": [(r["html"], sha) for r, sha, _ in parts[:len(ok)]],
                         "volumes": count, "board": list(board) if board is not None else ALL,
                         "missing": listed(outcome.missing), "elsewhere": listed(outcome.elsewhere),
                         "others": len(parts) - len(ok),
                         "plan": manifest.get("plan"), "run": manifest.get("run", {}).get("started", "")[:10]})
    board_state = state.get("board_pack") or {}
    redo_board = force or board_state.get("inputs_hash") != pack_inputs or not all(b.is_file() for b in boards)

    last_state = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="stpkit-board-") as scratch, contextlib.ExitStack() as files:
        body_paths = [Path(scratch) / f"parts{k}.html" for k in range(count)]
        bodies = [files.enter_context(open(path, "w", encoding="utf-8")) for path in body_paths]
        heads: dict[str, None] = {}
        in_pack: list[list] = [[] for _ in range(count)]
        for number, (record, sha, packed) in enumerate(parts):
            html_path = out / record["html"]
            target = out / pdf_path(record["html"])
            entry = done.get(record["html"]) or {}
            needed = not target.is_file() or entry.get("html_sha256") != sha or entry.get("styles") != styles
            if not needed and not (redo_board and packed):
                outcome.kept += 1
                new_state["reports"][record["html"]] = entry
                continue
            date = report_date(html_path, record)
            place = place_label(record, footprint)
            t0 = time.monotonic()
            try:
                page = printer.open(html_path)
                if needed:
                    data = printer.print(page, css + footer_css(place, record.get("notebook_title", ""), date))
                    publish.write_atomic(target, data)
                    outcome.printed += 1
                    new_state["reports"][record["html"]] = {"pdf": pdf_path(record["html"]), "html_sha256": sha,
                                                            "styles": styles, "bytes": len(data)}
                else:
                    outcome.kept += 1
                    new_state["reports"][record["html"]] = entry
                if redo_board and packed:
                    snap = printer.snapshot(page)
                    for item in snap["head"]:
                        heads.setdefault(item, None)
                    volume = in_pack[volume_of[record["html"]]]
                    bodies[volume_of[record["html"]]].write(_part_html(
                        number, record, snap, footprint,
                        first=not volume or volume[-1][1].get("locality_id") != record.get("locality_id")))
                    volume.append((number, record))
            except Exception as problem:  # noqa: BLE001 - this report's PDF failed; the others go on
                if needed:
                    try:
                        target.unlink()
                    except FileNotFoundError:
                        pass
                reason = str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__
                outcome.failed.append((record, reason))
                if on_problem:
                    on_problem(f"PDF failed: {place}, {record.get('notebook_title')}: {reason} [{out / record['html']}]")
            outcome.seconds_reports += time.monotonic() - t0
            if time.monotonic() - last_state > 2.0:
                publish.write_atomic(out / STATE, json.dumps(new_state, indent=1), sync=False)
                last_state = time.monotonic()
        for body in bodies:
            body.close()
        if redo_board:
            t0 = time.monotonic()
            missing = outcome.missing + [record for record, _ in outcome.failed if id(record) in chosen]
            elsewhere = outcome.elsewhere + [record for record, _ in outcome.failed if id(record) not in chosen]
            contents = {"board": board, "elsewhere": elsewhere, "pdfs": len(parts) - len(outcome.failed),
                        "others": len(parts) - len(ok)}
            written = []
            for k in range(count):
                document = _board_html(manifest, footprint, in_pack[k], missing, list(heads), body_paths[k], css,
                                       volume=(k, count), places=[_places(v) for v in in_pack], contents=contents)
                written.append(_print_document(printer, Path(scratch) / f"board_pack{k}.html", document, boards[k]))
            new_state["board_pack"] = {"inputs_hash": pack_inputs if not outcome.failed else None,
                                       "volumes": [{"path": b.name, "sha256": sha, "bytes": size}
                                                   for b, (sha, size) in zip(boards, written)],
                                       "board": list(board) if board is not None else ALL,
                                       "reports": sum(len(v) for v in in_pack), "missing": len(missing)}
            # a PDF that failed leaves the pack incomplete: the next run tries again
            outcome.board_pack_printed = True
            outcome.seconds_board_pack = time.monotonic() - t0
    for stale in out.glob("board_pack_*.pdf"):  # volumes an earlier, bigger run printed
        if stale not in boards:
            stale.unlink()
    outcome.board_pack, outcome.volumes = boards[0], boards
    failed_in_pack = sum(1 for record, _ in outcome.failed if id(record) in chosen)
    outcome.board_reports, outcome.board_missing = len(ok) - failed_in_pack, len(outcome.missing) + failed_in_pack
    outcome.board_pages = sum(count_pages(b) for b in boards)
    publish.write_atomic(out / STATE, json.dumps(new_state, indent=1))
    outcome.seconds = time.monotonic() - started
    return outcome


def _print_document(printer: Printer, html_path: Path, document: str, target: Path) -> tuple[str, int]:
    """One board-pack volume: the document written, opened and printed once; the PDF written whole."""
    html_path.write_text(document, encoding="utf-8")
    page = printer.page()
    page.goto(html_path.as_uri(), wait_until="load", timeout=max(WAIT_MS, 1000 * document.count("stpkit-board-part")))
    page.evaluate("() => document.fonts.ready")
    page.emulate_media(media="print")
    try:
        data = page.pdf(format="A4", print_background=True, prefer_css_page_size=True, tagged=True, outline=True)
    finally:
        page.close()
        printer._page = None
    return publish.write_atomic(target, data)


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


def _places(parts: list[tuple[int, dict]]) -> list[str]:
    return list(dict.fromkeys(str(record.get("locality")) if str(record.get("locality_id")) != FOOTPRINT
                              else "the footprint" for _, record in parts))


def count_pages(path: Path) -> int:
    """Pages in a PDF that Chromium wrote (its page tree's /Count)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return 0
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    return max(counts, default=0)


# ---------------------------------------------------------------------------------------------
# The board pack as one document

_STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.S | re.I)


def _part_html(number: int, record: dict, snap: dict, footprint: str, first: bool) -> str:
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


def _board_html(manifest: dict, footprint: str, parts: list[tuple[int, dict]], missing: list[dict], heads: list[str],
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


def print_pdfs(printer: Printer, result, *, force: bool = False, board: tuple[str, ...] | None = BOARD_NOTEBOOKS) -> int:
    """`stpkit reports --pdf`: print the run's PDFs and say what was done; the exit code (0, 1 or 130).
    board: the notebooks each locality gives the board pack (None: every report)."""
    import sys

    from .publish import Busy

    def problem(line: str) -> None:
        print(line, file=sys.stderr)

    try:
        outcome = print_run(printer, result.out, result.manifest, force=force, on_problem=problem, board=board)
    except KeyboardInterrupt:
        print("stpkit: interrupted while printing PDFs; those printed are kept, run again to complete the rest",
              file=sys.stderr)
        return 130
    except Busy as busy:
        problem(f"stpkit: no PDF printed: {busy}")
        return 1
    pack = (f"board pack {outcome.board_pack} ({outcome.board_reports} reports, {outcome.board_pages} pages"
            + (f" in {len(outcome.volumes)} volumes" if len(outcome.volumes) > 1 else "")
            + (f", {outcome.seconds_board_pack:.1f} s" if outcome.board_pack_printed else ", unchanged") + ")")
    missing = outcome.board_missing
    print(f"PDFs: {outcome.printed} printed, {outcome.kept} unchanged"
          + (f", {len(outcome.failed)} failed" if outcome.failed else "") + f"; {pack}"
          + (f"; {missing} report{'s' if missing != 1 else ''} missing from it" if missing else "")
          + f"; {outcome.seconds:.1f} s")
    return 1 if outcome.failed else 0
