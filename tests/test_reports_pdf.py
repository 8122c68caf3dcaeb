"""Board papers: `stpkit reports ... --pdf` as a user runs it, each PDF turned into pictures and text and looked at.

A run of the default pack for two localities with four notebooks (one of them fails for one locality):
each report's PDF is A4, tagged, with an outline; no page is blank (pixels of pdftoppm's picture); no
chart is cut across a page (a chart's title and its printed text alternative are on one page, and
so are a short table's caption and its last row); every page's footer names the place, the date and
"Page X of Y"; the board pack starts with its cover, then the footprint's plan on a page and its other
reports, then only each locality's plan on a page (the run has no deep dive), and its cover says what
each locality gives it and names the report that failed outside it; a rerun prints only what is
missing; `--board-pack all` puts every report in. Pictures of the pages are kept in
test-artifacts/pdf/ for a person to look at.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stpkit import DEFAULT_PACK

ROOT = Path(__file__).resolve().parent.parent
STPKIT = str(Path(sys.executable).parent / "stpkit")
REPORT = str(Path(__file__).resolve().parent / "notebooks" / "report.ipynb")  # fails where told to
ARTIFACTS = ROOT / "test-artifacts" / "pdf"
NOTEBOOKS = f"needs_analysis,plan_on_a_page,investment_phasing,{REPORT}"
LOCALITIES = "MSE01,MSE05"


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STPKIT_TEST_")}
    env.pop("STPKIT_DISCLOSURE", None)
    env.update(extra)
    return env


def _stpkit(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([STPKIT, *map(str, args)], capture_output=True, text=True, timeout=900, cwd=ROOT,
                          env=env or _env())


def pages_text(pdf: Path) -> list[str]:
    """Each page's text (pdftotext), whitespace made single spaces."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def page_ink(pdf: Path, folder: Path) -> list[float]:
    """For each page, the share of its body (above the footer) that is not white: pdftoppm's grey picture."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-gray", "-r", "20", str(pdf), str(folder / "page")], check=True)
    shares = []
    for picture in sorted(folder.glob("page-*.pgm")):
        data = picture.read_bytes()
        fields = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
        width, height = int(fields.group(1)), int(fields.group(2))
        pixels = data[fields.end():]
        body = pixels[: width * int(height * 0.9)]  # the footer is in the bottom tenth
        shares.append(sum(1 for value in body if value < 200) / len(body))
    return shares


def charts_of(html_path: Path) -> list[tuple[str, str]]:
    """Each chart of a report: (its drawn title, the start of its text alternative)."""
    text = html_path.read_text(encoding="utf-8")
    found = []
    for figure in re.findall(r'<figure class="stpkit-chart".*?</figure>', text, flags=re.S):
        label = html.unescape(re.search(r'aria-label="([^"]*)"', figure).group(1))
        title = re.search(r'role-title.*?<text[^>]*>(.*?)</text>', figure, flags=re.S)
        spec = re.search(r'<script type="application/vnd\.stpkit\.chart\+json">(.*?)</script>', figure, flags=re.S)
        if title:  # a self-contained report: the title as drawn in its SVG
            found.append((" ".join(html.unescape(re.sub(r"<[^>]+>", "", title.group(1))).split()), label))
        elif spec:  # a light report: the title the browser draws from the chart's specification
            drawn = json.loads(spec.group(1)).get("title")
            text = drawn.get("text") if isinstance(drawn, dict) else drawn
            text = " ".join(text) if isinstance(text, list) else text
            if text:
                found.append((" ".join(str(text).split()), label))
    return found


def tables_of(html_path: Path) -> list[tuple[str, str]]:
    """Short tables with a caption (25 rows or fewer, so they fit a page): (caption, last row's first cell)."""
    text = html_path.read_text(encoding="utf-8")
    found = []
    for table in re.findall(r"<table[^>]*>.*?</table>", text, flags=re.S):
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", table, flags=re.S)
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", re.sub(r"<thead.*?</thead>", "", table, flags=re.S), flags=re.S)
        if caption and 1 <= len(rows) <= 25:
            first = re.search(r"<t[dh][^>]*>(.*?)</t[dh]>", rows[-1], flags=re.S)
            cell = " ".join(html.unescape(re.sub(r"<[^>]+>", "", first.group(1))).split()) if first else ""
            if cell:
                found.append((" ".join(html.unescape(re.sub(r"<[^>]+>", "", caption.group(1))).split()), cell))
    return found


def on_one_page(pages: list[str], first: str, second: str) -> bool:
    """Whether some page holds both texts (the first 40 characters of each: pdftotext breaks long lines)."""
    first, second = " ".join(first.split())[:40], " ".join(second.split())[:40]
    return any(first in page and second in page for page in pages)


def table_on_one_page(pages: list[str], caption: str, last: str) -> bool:
    """Whether a table's caption and, after it on the same page, the first word of its last row are on one page
    (a cell's text wraps inside its column, between the other columns' text, so only its first word is sure)."""
    caption, word = " ".join(caption.split())[:40], last.split()[0]
    return any(caption in page and word in page[page.index(caption) + len(caption):] for page in pages)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict:
    """The default pack's reports for the footprint and two localities, with PDFs; the test report fails for MSE05."""
    root = tmp_path_factory.mktemp("pdf")
    pack = root / "mid_south_essex"
    shutil.copytree(DEFAULT_PACK, pack)
    out = root / "out"
    run = _stpkit("reports", pack, "--out", out, "--localities", LOCALITIES, "--notebooks", NOTEBOOKS,
                  "--workers", "1", "--pdf", env=_env(STPKIT_TEST_FAIL_LOCALITY="MSE05"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {"pack": pack, "out": out, "run": run, "manifest": manifest}


@pytest.mark.e2e
def test_each_report_has_a_tagged_a4_pdf_and_a_failed_one_has_none(printed):
    run, out, manifest = printed["run"], printed["out"], printed["manifest"]
    assert run.returncode == 1, run.stdout + run.stderr  # one report failed
    assert "PDFs: 11 printed, 0 unchanged" in run.stdout, run.stdout
    ok = [r for r in manifest["reports"] if r["status"] == "ok"]
    failed = [r for r in manifest["reports"] if r["status"] == "failed"]
    assert len(ok) == 11 and [(r["locality_id"], r["notebook"]) for r in failed] == [("MSE05", "report")]
    assert not (out / "MSE05" / "report.pdf").exists()
    assert not list(out.rglob("*.stpkit-tmp"))
    for record in ok:
        pdf = out / Path(record["html"]).with_suffix(".pdf")
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), pdf
        assert b"/StructTreeRoot" in data and re.search(rb"/MarkInfo\s*<<[^>]*/Marked\s+true", data), f"{pdf} untagged"
        assert b"/Outlines" in data, f"{pdf} has no bookmarks"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "(A4)" in info and re.search(r"Tagged:\s+yes", info), info
        if charts_of(out / record["html"]):  # a chart's text alternative is in the tags
            assert b"/Figure" in data and b"/Alt" in data, f"{pdf}: charts without alternative text"
        assert b"/Table" in data and b"/TH" in data and (b"/H1" in data or b"/H2" in data), f"{pdf}: no table/heading tags"


@pytest.mark.e2e
def test_no_blank_page_no_cut_chart_or_table_and_a_footer_on_every_page(printed):
    out, manifest = printed["out"], printed["manifest"]
    footprint = manifest["inputs"]["pack"]["name"]
    problems, charts_checked, tables_checked = [], 0, 0
    for record in [r for r in manifest["reports"] if r["status"] == "ok"]:
        html_path = out / record["html"]
        pdf = html_path.with_suffix(".pdf")
        where = f"{record['locality_id']}/{pdf.name}"
        pages = pages_text(pdf)
        ink = page_ink(pdf, ARTIFACTS / "reports" / record["locality_id"] / pdf.stem)
        assert len(ink) == len(pages) >= 2, where
        problems += [f"{where}: page {n} is blank ({share:.4f} ink)" for n, share in enumerate(ink, 1) if share < 0.002]
        place = f"{footprint} footprint" if record["locality_id"] == "all" else \
            f"{record['locality']} ({record['locality_id']})"
        date = re.search(r"Generated (\d{4}-\d{2}-\d{2})", html_path.read_text(encoding="utf-8")).group(1)
        for n, page in enumerate(pages, 1):
            if f"Page {n} of {len(pages)}" not in page or place not in page or f"Generated {date}" not in page:
                problems.append(f"{where}: page {n}'s footer lacks the place, the date or Page {n} of {len(pages)}")
        for title, label in charts_of(html_path):
            charts_checked += 1
            if not on_one_page(pages, title, label):
                problems.append(f"{where}: the chart {title!r} is cut across pages (its title and text apart)")
        for caption, last in tables_of(html_path):
            tables_checked += 1
            if not table_on_one_page(pages, caption, last):
                problems.append(f"{where}: the table {caption!r} is cut across pages")
    assert charts_checked >= 20 and tables_checked >= 5, (charts_checked, tables_checked)
    assert problems == []


def footer_of(record: dict, footprint: str) -> str:
    """What a report's pages say at their foot: the place and the report."""
    place = f"{footprint} footprint" if record["locality_id"] == "all" else f"{record['locality']} ({record['locality_id']})"
    return f"{place} · {record['notebook_title']}"


def board_reports(manifest: dict, chosen: tuple | None) -> list[dict]:
    """The run's good reports a board pack of these notebooks holds: all the footprint's, the localities' chosen."""
    return [r for r in manifest["reports"] if r["status"] == "ok"
            and (chosen is None or r["locality_id"] == "all" or r["notebook"] in chosen)]


@pytest.mark.e2e
def test_the_board_pack_is_a_cover_then_the_plan_on_a_page_then_each_locality(printed):
    out, manifest = printed["out"], printed["manifest"]
    footprint = manifest["inputs"]["pack"]["name"]
    board = out / "board_pack.pdf"
    data = board.read_bytes()
    assert b"/StructTreeRoot" in data and re.search(rb"/MarkInfo\s*<<[^>]*/Marked\s+true", data) and b"/Outlines" in data
    pages = pages_text(board)
    ink = page_ink(board, ARTIFACTS / "board_pack")
    assert [n for n, share in enumerate(ink, 1) if share < 0.002] == []
    inside = board_reports(manifest, ("plan_on_a_page", "locality_deep_dive"))  # the run has no deep dive
    assert sorted((r["locality_id"], r["notebook"]) for r in inside if r["locality_id"] != "all") == [
        ("MSE01", "plan_on_a_page"), ("MSE05", "plan_on_a_page")]
    singles = sum(len(pages_text(out / Path(r["html"]).with_suffix(".pdf"))) for r in inside)
    assert singles < len(pages) <= singles + 1 + 3, (singles, len(pages))  # the cover, and each place's heading
    for record in [r for r in manifest["reports"] if r["status"] == "ok"]:  # each chosen report in, the others out
        there = any(footer_of(record, footprint) in page for page in pages)
        assert there == (record in inside), f"board pack: {footer_of(record, footprint)} {'missing' if record in inside else 'in it'}"
    cover = pages[0]
    assert f"{footprint}: board pack" in cover and manifest["plan"]["headline"].split(";")[0] in cover
    assert "2 localities, each giving Plan on a page (its contribution beside the footprint's); this run did not " \
           "make their Locality deep dive." in cover, cover
    assert "Every report has its own PDF beside it: <locality_id>/<notebook>.pdf" in cover and "(11 PDFs, 5 of them for reports not in this pack)" in cover
    assert "Not in this pack" not in cover  # every report chosen for it is there
    failed = next(r for r in manifest["reports"] if r["status"] == "failed")  # the test report, not chosen
    assert (f"Outside this pack, 1 report of the run has no PDF: {failed['locality']} ({failed['locality_id']}), "
            f"{failed['notebook_title']}: the report failed") in cover, cover
    assert "The footprint: all localities" in pages[1] and "Plan on a page" in pages[1]
    assert f"{footprint} footprint · Plan on a page" in pages[1]
    for n, page in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in page, f"board pack page {n}: no page number"
    order = [next(i for i, page in enumerate(pages) if page.startswith(f"{r['locality']} ({r['locality_id']})"))
             for r in manifest["localities"] if r["locality_id"] != "all"]
    assert order == sorted(order) and order[0] > 1, order  # after the footprint's part, in the pack's order
    charts = charts_of(out / "MSE01" / "plan_on_a_page.html") + charts_of(out / "all" / "needs_analysis.html")
    assert len(charts) >= 3, charts
    for title, label in charts:
        assert on_one_page(pages, title, label), f"board pack: the chart {title!r} is cut"


@pytest.mark.e2e
def test_a_rerun_prints_only_the_missing_pdf(printed):
    out, pack = printed["out"], printed["pack"]
    (out / "MSE01" / "needs_analysis.pdf").unlink()
    board = (out / "board_pack.pdf").stat().st_mtime_ns
    run = _stpkit("reports", pack, "--out", out, "--localities", LOCALITIES, "--notebooks", NOTEBOOKS,
                  "--workers", "1", "--pdf", env=_env(STPKIT_TEST_FAIL_LOCALITY="MSE05"))
    assert "PDFs: 1 printed, 10 unchanged" in run.stdout, run.stdout + run.stderr
    assert (out / "MSE01" / "needs_analysis.pdf").is_file()
    assert (out / "board_pack.pdf").stat().st_mtime_ns == board  # the same reports: the same pack
    assert "unchanged)" in run.stdout


@pytest.mark.e2e
def test_a_pack_too_big_for_one_pdf_is_printed_in_volumes(printed, monkeypatch):
    from stpkit.report import pdf

    out, manifest = printed["out"], printed["manifest"]
    monkeypatch.setenv("STPKIT_BOARD_PACK_REPORTS", "4")  # the footprint 4; MSE01 and MSE05 1 each (plan on a page)
    with pdf.Printer() as printer:
        outcome = pdf.print_run(printer, out, manifest)
        assert outcome.printed == 0 and [p.name for p in outcome.volumes] == ["board_pack.pdf", "board_pack_2.pdf"]
        covers = [pages_text(path)[0] for path in outcome.volumes]
        assert "board pack, volume 1 of 2" in covers[0] and "board_pack_2.pdf: Braintree to Colne Valley" in covers[0]
        assert "volume 2 of 2" in covers[1] and pages_text(outcome.volumes[1])[1].startswith("Braintree (MSE01)")
        assert "Plan on a page" in pages_text(outcome.volumes[0])[1]
        assert outcome.board_reports == 6
        monkeypatch.delenv("STPKIT_BOARD_PACK_REPORTS")
        again = pdf.print_run(printer, out, manifest)
    assert [p.name for p in again.volumes] == ["board_pack.pdf"] and again.board_pack_printed
    assert not (out / "board_pack_2.pdf").exists()


@pytest.mark.e2e
def test_board_pack_all_holds_every_report_and_a_change_of_choice_reprints_the_pack(printed):
    from stpkit.report import pdf

    out, pack, manifest = printed["out"], printed["pack"], printed["manifest"]
    footprint = manifest["inputs"]["pack"]["name"]
    run = _stpkit("reports", pack, "--out", out, "--localities", LOCALITIES, "--notebooks", NOTEBOOKS,
                  "--workers", "1", "--pdf", "--board-pack", "all", env=_env(STPKIT_TEST_FAIL_LOCALITY="MSE05"))
    assert "PDFs: 0 printed, 11 unchanged; board pack" in run.stdout and "(11 reports, " in run.stdout, run.stdout
    assert "1 report missing from it" in run.stdout, run.stdout  # the failed report is one of all
    pages = pages_text(out / "board_pack.pdf")
    inside = board_reports(manifest, None)
    singles = sum(len(pages_text(out / Path(r["html"]).with_suffix(".pdf"))) for r in inside)
    assert singles < len(pages) <= singles + 1 + 3, (singles, len(pages))
    for record in inside:
        assert any(footer_of(record, footprint) in page for page in pages), footer_of(record, footprint)
    assert "each giving all its reports" in pages[0] and "Not in this pack" in pages[0]
    failed = next(r for r in manifest["reports"] if r["status"] == "failed")
    assert f"{failed['locality']} ({failed['locality_id']}), {failed['notebook_title']}: the report failed" in pages[0]
    assert json.loads((out / "pdf.json").read_text(encoding="utf-8"))["board_pack"]["board"] == "all"
    with pdf.Printer() as printer:
        back = pdf.print_run(printer, out, manifest)  # the default choice again: the pack is printed again
        same = pdf.print_run(printer, out, manifest)
    assert back.board_pack_printed and back.printed == 0 and back.board_reports == 6
    assert not same.board_pack_printed and same.board_pages == back.board_pages < len(pages)


@pytest.mark.integration
def test_board_pack_names_are_checked_before_anything_runs(tmp_path):
    out = tmp_path / "out"
    for args, said in (
            (["--pdf", "--board-pack", "plan_on_a_page,deep_dive"],
             "--board-pack: no notebook 'deep_dive'; the notebooks are: bed_capacity, budgets"),
            (["--pdf", "--board-pack", "all,plan_on_a_page"], "--board-pack all means every report: give it alone"),
            (["--board-pack", "plan_on_a_page"], "--board-pack chooses what goes in the PDF board pack: give it with --pdf")):
        run = _stpkit("reports", DEFAULT_PACK, "--out", out, "--localities", "MSE01", *args)
        assert run.returncode == 2, run.stdout + run.stderr
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and said in lines[0], run.stderr
        assert not (out / "manifest.json").exists()


@pytest.mark.unit
def test_board_pack_choice_reads_a_list_of_notebook_names():
    from stpkit.report.board_pack import BOARD_NOTEBOOKS, board_choice, board_order

    known = ["plan_on_a_page", "locality_deep_dive", "needs_analysis", "report"]
    assert board_choice(None, known) == BOARD_NOTEBOOKS == ("plan_on_a_page", "locality_deep_dive")
    assert board_choice(["all"], known) is None
    assert board_choice(["locality_deep_dive", "plan_on_a_page", "locality_deep_dive"], known) == (
        "locality_deep_dive", "plan_on_a_page")
    assert board_choice(["tests/notebooks/report.ipynb"], known) == ("report",)
    for bad, said in ((["nope", "needs_analysis"], "no notebook 'nope'"), ([], "at least one notebook name")):
        with pytest.raises(ValueError, match=said):
            board_choice(bad, known)
    records = [{"locality_id": place, "notebook": name} for place in ("all", "B", "A")
               for name in ("needs_analysis", "locality_deep_dive", "plan_on_a_page")]
    order = [(r["locality_id"], r["notebook"]) for r in board_order(records, BOARD_NOTEBOOKS)]
    assert order == [("all", "plan_on_a_page"), ("all", "needs_analysis"), ("all", "locality_deep_dive"),
                     ("B", "plan_on_a_page"), ("B", "locality_deep_dive"),
                     ("A", "plan_on_a_page"), ("A", "locality_deep_dive")]
    assert len(board_order(records, None)) == 9


@pytest.mark.unit
def test_volumes_keep_places_whole_and_in_order():
    from stpkit.report.board_pack import volumes_of

    records = [{"locality_id": place, "html": f"{place}/{n}.html"} for place, reports in
               (("all", 4), ("A", 3), ("B", 3), ("C", 9), ("D", 1)) for n in range(reports)]
    volume = volumes_of(records, 7)
    assert [volume[f"{p}/0.html"] for p in ("all", "A", "B", "C", "D")] == [0, 0, 1, 2, 3]
    assert len({volume[r["html"]] for r in records if r["locality_id"] == "C"}) == 1  # a big place stays whole
    assert set(volumes_of(records, 250).values()) == {0}


@pytest.mark.integration
def test_without_chromium_pdf_is_a_one_line_error_before_any_report(tmp_path):
    out = tmp_path / "out"
    run = _stpkit("reports", DEFAULT_PACK, "--out", out, "--localities", "MSE01", "--pdf",
                  env=_env(STPKIT_CHROMIUM=str(tmp_path / "no-chromium")))
    assert run.returncode == 2, run.stdout + run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "--pdf needs Chromium" in lines[0], run.stderr
    assert not (out / "manifest.json").exists()


LIGHT = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Light</title></head><body><main>
<h1>A light report</h1>
<figure class="stpkit-chart" aria-label="Late chart: drawn after load"><div data-stpkit-chart="c1"></div>
<figcaption class="stpkit-sr">Late chart: drawn after load</figcaption></figure>
<div data-stpkit-chart="c2"></div>
<script>
setTimeout(() => {
  const holder = document.querySelector('[data-stpkit-chart="c1"]');
  holder.innerHTML = '<svg width="300" height="60"><text x="10" y="30">Drawn late by the chart library</text></svg>';
  holder.setAttribute('data-drawn', '1');
}, 600);
setTimeout(() => {
  const holder = document.querySelector('[data-stpkit-chart="c2"]');
  const canvas = document.createElement('canvas'); canvas.width = 200; canvas.height = 80;
  const g = canvas.getContext('2d'); g.fillStyle = '#005EB8'; g.fillRect(0, 0, 200, 80);
  holder.appendChild(canvas); holder.setAttribute('data-drawn', '1');
}, 900);
</script></main></body></html>"""


@pytest.mark.e2e
def test_a_light_report_is_printed_once_its_charts_are_drawn(tmp_path):
    """A light report draws its charts with a script after loading: the PDF waits for every placeholder,
    and the board pack's copy keeps a canvas chart as a picture."""
    from stpkit.report import pdf

    page_file = tmp_path / "light.html"
    page_file.write_text(LIGHT, encoding="utf-8")
    with pdf.Printer() as printer:
        page = printer.open(page_file)
        data = printer.print(page, pdf.print_css() + pdf.footer_css("Somewhere (L1)", "Light", "Generated 2026-12-07"))
        snap = printer.snapshot(page)
    (tmp_path / "light.pdf").write_bytes(data)
    pages = pages_text(tmp_path / "light.pdf")
    assert "Drawn late by the chart library" in pages[0] and "Page 1 of 1" in pages[0]
    assert "<canvas" not in snap["body"] and "data:image/png;base64," in snap["body"] and "<script" not in snap["body"]
    assert "<h2" in snap["body"] and "<h1" not in snap["body"]  # the place is the board pack's h1
