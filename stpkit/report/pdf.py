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

The board pack, DIR/board_pack.pdf (what it holds, its order, volumes and cover:
`stpkit.report.board_pack`): every report, in the pack or not, has its own PDF; the pack is one HTML
document printed once (page numbers run through the pack, and the tags and the outline cover it all),
made of each report as the browser drew it for its own PDF. The footer and print styles every page
carries: `stpkit.report.printed`.

Every PDF is written whole (temp name, then rename). DIR/pdf.json records the report each PDF was
printed from, so a rerun prints only the PDFs whose report changed or that are missing; a failed
report has no PDF (an older one is removed) and the board pack's cover names it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import publish
from .board_pack import (ALL, BOARD_NOTEBOOKS, board_html, board_order, part_html, places_in, volume_name,
                         volume_size, volumes_of)
from .printed import footer_css, place_label, print_css, report_date

STATE = "pdf.json"
FORMAT = 1
CHROMIUM = os.environ.get("STPKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]  # a PDF never needs the internet
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


def _hash(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _style_hash() -> str:
    """What every PDF is printed with: a change to the print styles or to this code prints them again."""
    here = Path(__file__).parent
    code = {name: (here / name).read_text(encoding="utf-8") for name in ("pdf.py", "board_pack.py", "printed.py")}
    return _hash({"css": print_css(), "format": FORMAT, "code": code})


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
                    bodies[volume_of[record["html"]]].write(part_html(
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
                document = board_html(manifest, footprint, in_pack[k], missing, list(heads), body_paths[k], css,
                                       volume=(k, count), places=[places_in(v) for v in in_pack], contents=contents)
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


def count_pages(path: Path) -> int:
    """Pages in a PDF that Chromium wrote (its page tree's /Count)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return 0
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    return max(counts, default=0)


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
