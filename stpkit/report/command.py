"""`stpkit reports`: every locality's reports for a footprint pack, published in one folder.

    stpkit reports PACK --out DIR [--localities ID,...] [--notebooks NAME,...] [--workers N]
                       [--force] [--scheduler tcp://HOST:PORT] [--no-disclosure] [--self-contained]
                       [--pdf [--board-pack NAME,...]]

For each locality and notebook, DIR/<locality_id>/<notebook>.ipynb (the executed notebook) and
DIR/<locality_id>/<notebook>.html (the report: no code, opens with no internet, drawing its charts
with the chart library in DIR/_stpkit, or one file with --self-contained); DIR/index.html
lists them all with status, headline figures and time taken; DIR/manifest.json records inputs,
versions, timings and errors; DIR/footprint_tables.xlsx holds the footprint's tables for finance
teams. With --pdf, each report also as DIR/<locality_id>/<notebook>.pdf and the footprint's board
pack DIR/board_pack.pdf (`stpkit.report.pdf`): the footprint's reports, then each locality's --board-pack
notebooks (default plan_on_a_page,locality_deep_dive; all for every report). A rerun redoes only what is missing, failed or out of date (pack, notebook, stpkit or
parameters changed), unless --force. Exit code 0 when every report succeeded, 1 when any failed
(the others are still published), 130 when interrupted (what finished is kept).

How it works: the other modules of `stpkit.report` (engine, export, build, cluster ...).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--workers must be a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("--workers must be 0 or more")
    return value


def add_command(subparsers) -> None:
    """Add `stpkit reports` to the stpkit command line."""
    from . import cores

    parser = subparsers.add_parser(
        "reports", help="run every notebook for every locality and publish the reports",
        description="Run the notebooks for every locality of a footprint pack (papermill parameters pack and "
                    "locality) and publish the executed notebooks, HTML reports (light, drawing their charts with the "
                    "chart library in DIR/_stpkit; or one file each with --self-contained), an index, a "
                    "manifest and an Excel workbook of the footprint's tables. The pack is validated first.")
    parser.add_argument("pack", metavar="PACK", help="the footprint pack: a folder, or an Excel workbook (.xlsx)")
    parser.add_argument("--out", metavar="DIR", required=True, help="folder to publish the reports in")
    parser.add_argument("--localities", metavar="ID,...", type=_names,
                        help="only these localities, each a locality_id or a name only one locality has "
                             "(default: every locality in localities.csv)")
    parser.add_argument("--notebooks", metavar="NAME,...", type=_names,
                        help="only these notebooks: names in notebooks/ or paths to .ipynb files (default: "
                             "needs_analysis, locality_deep_dive, investment_phasing, workforce_gap, bed_capacity, "
                             "plan_on_a_page, budgets, scenario_comparison)")
    parser.add_argument("--workers", metavar="N", type=_workers, default=None,
                        help=f"worker processes (default: the machine's cores, {cores()} here; "
                             "0 runs everything in this process; not used with --scheduler)")
    parser.add_argument("--scenarios", metavar="NAME,...", type=_names,
                        help="publish these scenarios' reports (PACK/scenarios/NAME.toml), each in DIR/scenarios/NAME/ "
                             "with its own index and manifest; \"pack\" is the pack as it is, in DIR itself. The "
                             "scenarios are checked before anything runs")
    parser.add_argument("--force", action="store_true", help="redo every report, even those up to date")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run on an existing Dask cluster instead of local processes (see stpkit.report.cluster)")
    parser.add_argument("--self-contained", dest="self_contained", action="store_true",
                        help="write each report as one file to send on its own (styles inline, charts as SVG, "
                             "about 400 KB); by default reports are light (under 100 KB) and share the styles and "
                             "the chart library in DIR/_stpkit, so keep that folder with them")
    parser.add_argument("--no-disclosure", dest="disclosure", action="store_false",
                        help="show counts from 1 to 7 instead of * (internal use only: not for publication)")
    parser.add_argument("--pdf", action="store_true",
                        help="also print each report as an A4 PDF and the footprint's board pack (board_pack.pdf: "
                             "a cover, the footprint's plan on a page and summary, then each locality's --board-pack "
                             "reports), in Chromium")
    parser.add_argument("--board-pack", metavar="NAME,...", type=_names, default=None,
                        help="with --pdf: the notebooks each locality gives the board pack, in this order (default: "
                             "plan_on_a_page,locality_deep_dive; all: every report). Every report still gets its "
                             "own PDF")
    parser.set_defaults(run=cmd_reports)


def cmd_reports(args: argparse.Namespace) -> int:
    """The run; with --pdf, one Chromium started first (a one-line error if it cannot be) and kept for the run."""
    from ..cli import UserError

    if not getattr(args, "pdf", False):
        if getattr(args, "board_pack", None) is not None:
            raise UserError("--board-pack chooses what goes in the PDF board pack: give it with --pdf")
        return _cmd_reports(args, None)
    from .jobs import NOTEBOOK_DIR
    from .board_pack import board_choice
    from .pdf import PdfUnavailable, Printer

    known = [p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")] + [Path(n).stem for n in args.notebooks or []]
    try:
        args.board = board_choice(args.board_pack, known)
    except ValueError as problem:
        raise UserError(str(problem)) from None
    try:
        printer = Printer().__enter__()
    except PdfUnavailable as problem:
        raise UserError(str(problem)) from None
    try:
        return _cmd_reports(args, printer)
    finally:
        printer.__exit__(None, None, None)


def _cmd_reports(args: argparse.Namespace, printer) -> int:
    from ..cli import EXIT_OK, EXIT_PROBLEMS, UserError
    from .build import RunError, build_reports
    from .publish import Busy
    from .progress import Progress

    if args.scheduler:
        from .cluster import check_address

        try:
            check_address(args.scheduler)
        except ValueError as problem:
            raise UserError(str(problem)) from None
    if args.localities is not None and not args.localities:
        raise UserError("--localities needs at least one locality_id")
    if args.notebooks is not None and not args.notebooks:
        raise UserError("--notebooks needs at least one notebook name")

    tracker = {}

    def progress(total, localities, per_locality, already):
        tracker["bar"] = Progress(total, localities, per_locality, already=already, stream=sys.stdout)
        return tracker["bar"]

    def on_failure(record):
        error = record.get("error") or {}
        where = f"{args.out}/{record['ipynb']}" if record.get("ipynb_written") else "no notebook written"
        line = (f"failed: {record['locality']} ({record['locality_id']}), {record['notebook_title']}: "
                f"{error.get('ename')}: {error.get('evalue')} [{where}]")
        bar = tracker.get("bar")
        if bar is not None:
            bar.message(line, stream=sys.stderr)
        else:
            print(line, file=sys.stderr)

    if args.scenarios is not None and not args.scenarios:
        raise UserError("--scenarios needs at least one scenario name")
    wanted = args.scenarios or [None]
    if args.scenarios:  # every scenario checked before any report runs
        from ..pack import load_pack
        from ..scenarios import ScenarioError, read

        pack = load_pack(args.pack)
        problems = []
        for name in args.scenarios:
            if name != "pack":
                try:
                    read(pack, name)
                except ScenarioError as problem:
                    problems += problem.lines()
        if problems:
            for line in problems:
                print(line, file=sys.stderr)
            print(f"{args.pack}: the scenarios were refused; no report was run.", file=sys.stderr)
            return EXIT_PROBLEMS
    code = EXIT_OK
    for name in wanted:
        scenario = None if name in (None, "pack") else name
        out = args.out if scenario is None else str(Path(args.out) / "scenarios" / scenario)
        if scenario:
            print(f"Scenario {scenario}: {out}")
        try:
            result = build_reports(args.pack, out, localities=args.localities, notebooks=args.notebooks,
                                   workers=args.workers, force=args.force, scheduler=args.scheduler,
                                   disclosure=args.disclosure, progress=progress, on_failure=on_failure,
                                   scenario=scenario, self_contained=args.self_contained)
        except (RunError, ConnectionError, Busy) as problem:
            raise UserError(str(problem)) from None
        code = max(code, _report_result(args, result))
        if code == 130:
            return code
        if printer is not None:  # board papers, once the reports are written
            from .pdf import print_pdfs

            code = max(code, print_pdfs(printer, result, force=args.force, board=args.board))
    return code


def _report_result(args, result) -> int:
    from ..cli import EXIT_OK, EXIT_PROBLEMS

    total = result.ok + result.failed + result.not_run
    ran = result.manifest.get("run", {}).get("ran", 0)
    print(f"{result.manifest['inputs']['pack']['name']}: {total} reports in {result.out} - {result.ok} ok "
          f"({result.reused} unchanged, {ran} run), {result.failed} failed"
          + (f", {result.not_run} not run" if result.not_run else "") + f"; {result.seconds:.1f} s")
    print(f"Index: {result.out / 'index.html'}")
    if not args.disclosure:
        print("Disclosure control is off: counts from 1 to 7 are shown. Do not publish these reports.",
              file=sys.stderr)
    if result.interrupted:
        print("stpkit: interrupted; finished reports are kept, run again to complete the rest", file=sys.stderr)
        return 130
    return EXIT_PROBLEMS if result.failed else EXIT_OK
