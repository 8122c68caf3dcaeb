"""The `stpkit` command line.

    stpkit validate PACK                          check a footprint pack, one line per problem
    stpkit summary PACK [--locality L] [--json]   the footprint or one locality (id or unique name)
                                                  in words or JSON (keys with units: gross_savings_gbp)

No traceback ever reaches the user: problems with a pack are listed one a line and the command
exits 1; anything unexpected is reported in one line (set STPKIT_DEBUG=1 to see the traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


class UserError(Exception):
    """A mistake in how the command was called, reported in one line."""


def _pack_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pack", metavar="PACK", help="the footprint pack: a folder holding pack.toml and CSV files, "
                        "or an Excel workbook (.xlsx, .xlsm) with one sheet per file")


def _load(path: str):
    from .pack import load_pack

    return load_pack(path)


def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import check_pack

    result = check_pack(args.pack)
    problems = result.problems
    for note in result.notes:
        print(f"{args.pack}: note: {note}")
    if not problems:  # the pack's scenarios (PACK/scenarios/*.toml), checked against the pack
        from .pack import load_pack
        from .scenarios import check_folder

        problems = check_folder(load_pack(args.pack))
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        count = len(problems)
        print(f"{args.pack}: {count} problem{'s' if count != 1 else ''}; nothing was run on this pack.", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{args.pack}: valid footprint pack.")
    return EXIT_OK


def cmd_summary(args: argparse.Namespace) -> int:
    from .pack import find_locality
    from .summary import summarise, summary_text

    pack = _load(args.pack)
    try:  # a locality_id or a name only one locality has
        locality = find_locality(pack, args.locality)
    except LookupError as problem:
        raise UserError(str(problem)) from None
    result = summarise(pack, locality)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(summary_text(result))
    return EXIT_OK


def _compare_text(result: dict) -> str:
    """The comparison in words and columns: headline figures, what caused the difference, the ranges."""
    from .figures import fte, money

    names = list(result["scenarios"]["name"])
    where = "the footprint" if result["locality"] == "all" else f"locality {result['locality']}"
    lines = [f"Scenarios compared for {where}: " + "; ".join(f"{n} ({t})" for n, t in
                                                          zip(result["scenarios"]["name"], result["scenarios"]["title"]))]
    def shown(measure: str, value) -> str:
        if isinstance(value, str):
            return value
        if measure.endswith("_gbp"):
            return money(value)
        if measure.endswith("_fte"):
            return fte(value)
        return f"{value:,.0f}"

    frame = result["headlines"]
    labels = [f"{label} ({whose}'s)" for label, whose in zip(frame["label"], frame["whose"])]
    cells = {n: [shown(m, v) for m, v in zip(frame["measure"], frame[n])] for n in names}
    left = max(len(text) for text in labels) + 2
    width = {n: max(len(n), *(len(c) for c in cells[n])) + 3 for n in names}
    lines.append("")
    lines.append(" " * left + "".join(f"{n:>{width[n]}}" for n in names))
    for i, label in enumerate(labels):
        lines.append(f"{label:{left}}" + "".join(f"{cells[n][i]:>{width[n]}}" for n in names))
    for (first, to), part in result["attribution"].groupby(["from", "to"], sort=False):
        lines += ["", f"From {first} to {to}, one change at a time (then what they do together):",
                  f"{'':58}{'NPV':>14}{'gross savings':>16}{'shortfall FTE':>15}"]
        for row in part.itertuples(index=False):
            lines.append(f"{row.step[:58]:58}{money(row.npv_gbp):>14}{money(row.gross_savings_gbp):>16}"
                         f"{row.gap_fte:>+15,.1f}")
    ranges = result["ranges"]
    if ranges is not None:
        lines += ["", f"P10 to P90 from {int(ranges['draws'].iloc[0]):,} paired draws (the same draws for every "
                      f"scenario); chance of doing better than {names[0]}:"]
        for row in ranges.itertuples(index=False):
            better = "" if row.p_better_than_first != row.p_better_than_first else f"  {row.p_better_than_first:.0%}"
            lines.append(f"  {row.scenario:<20} {row.measure:<18} {money(row.p10)} to {money(row.p90)} "
                         f"(P50 {money(row.p50)}){better}")
    else:
        lines += ["", "No ranges: the pack gives no 80% intervals."]
    return "\n".join(lines)


def _compare_json(result: dict) -> dict:
    def records(frame):
        if frame is None:
            return None
        return json.loads(frame.to_json(orient="records", double_precision=15))

    return {"locality": result["locality"], "scenarios": records(result["scenarios"]),
            "headlines": records(result["headlines"]), "attribution": records(result["attribution"]),
            "by_locality": records(result["by_locality"]), "ranges": records(result["ranges"]),
            "differences": records(result["differences"].astype({"pack_value": object, "scenario_value": object})
                                   .map(lambda v: list(v) if isinstance(v, tuple) else v))}


def _write_xlsx(result: dict, path: str) -> None:
    """One sheet per table, written to a temporary file and renamed, so no half-written workbook is left."""
    import tempfile

    import pandas as pd

    target = Path(path)
    if not target.parent.is_dir():
        raise UserError(f"cannot write {path}: the folder {target.parent} does not exist")
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=target.parent)
    os.close(handle)
    try:
        with pd.ExcelWriter(temporary, engine="openpyxl") as book:
            for sheet, key in (("Scenarios", "scenarios"), ("Headlines", "headlines"), ("Attribution", "attribution"),
                               ("By locality", "by_locality"), ("Ranges", "ranges"), ("Differences", "differences")):
                frame = result[key]
                if frame is None:
                    frame = pd.DataFrame({"note": ["the pack gives no 80% intervals, so there are no ranges"]})
                frame = frame.map(lambda v: ", ".join(v) if isinstance(v, tuple) else v)
                frame.to_excel(book, sheet_name=sheet, index=False)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def cmd_compare(args: argparse.Namespace) -> int:
    from .comparison import compare
    from .pack import find_locality
    from .scenarios import ScenarioError

    pack = _load(args.pack)
    try:
        locality = find_locality(pack, args.locality)
        result = compare(pack, args.scenarios, locality, draws=args.draws)
    except ScenarioError as problem:
        for line in problem.lines():
            print(line, file=sys.stderr)
        print(f"{args.pack}: the scenarios were refused; nothing was compared.", file=sys.stderr)
        return EXIT_PROBLEMS
    except (LookupError, ValueError) as problem:
        raise UserError(str(problem)) from None
    if args.xlsx:
        _write_xlsx(result, args.xlsx)
    if args.json:
        print(json.dumps(_compare_json(result), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(_compare_text(result))
        if args.xlsx:
            print(f"\nwrote {args.xlsx}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stpkit",
        description="An open planning workbench for NHS integrated care footprints: needs, activity and savings, "
                    "investment phasing and workforce, locality by locality.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    validate = sub.add_parser(
        "validate", help="check a footprint pack and list every problem",
        description="Check every file of a footprint pack, then its scenarios (PACK/scenarios/NAME.toml). Each "
                    "problem is printed on one line naming the file, the spreadsheet row (the header is row 1) or "
                    "TOML line, and the column or key. Exits 0 when the pack is valid, "
                    "1 when it has problems.")
    _pack_argument(validate)
    validate.set_defaults(run=cmd_validate)

    summary = sub.add_parser(
        "summary", help="summarise the footprint or one locality",
        description="Summarise a footprint (or one locality): population, risk segments, activity base, momentum, "
                    "target, avoided activity and gross savings by point of delivery, and investment with its NPV "
                    "where the pack has investments.csv, with a note where a figure is missing or zero for want of "
                    "a file (schemes.csv or targets.csv for savings). The pack is validated first.",
        epilog='Examples: stpkit summary data/mid_south_essex --locality MSE05; '
               'stpkit summary data/mid_south_essex --locality "Colne Valley" --json')
    _pack_argument(summary)
    summary.add_argument("--locality", metavar="LOCALITY",
                         help='a locality_id or a locality name that only one locality has (localities.csv), '
                              'or "all" for the whole footprint (the default)')
    summary.add_argument("--json", action="store_true",
                         help="print one JSON object with full, unrounded values; keys carry their units "
                              "(gross_savings_gbp, npv_gbp, revenue_gbp, capital_gbp; activity in counts a year). "
                              "The old keys without _gbp (gross_savings, npv, revenue, capital) are kept with the "
                              "same values for this release only. notes: why a figure is zero or missing")
    summary.set_defaults(run=cmd_summary)

    compare = sub.add_parser(
        "compare", help="compare scenarios side by side",
        description="Compare two or more scenarios of a pack (PACK/scenarios/NAME.toml; \"pack\" is the pack as it "
                    "is): the headline figures side by side (activity avoided by point of delivery and gross savings, "
                    "the locality's own for --locality; investment, NPV, payback and the workforce shortfall, the "
                    "footprint's), the difference by locality, and the difference from the first scenario put down to "
                    "each assumption that changed, one change at a time in the order of the scenario file's sections, "
                    "plus the interaction of the changes, adding up to the whole difference. Where the pack has 80% "
                    "intervals, P10 to P90 from paired draws and the chance each scenario does better than the first.",
        epilog="Examples: stpkit compare data/mid_south_essex --scenarios comprehensive,interim,third; "
               "stpkit compare data/mid_south_essex --scenarios pack,do-nothing --locality MSE05 --json")
    _pack_argument(compare)
    compare.add_argument("--scenarios", required=True, metavar="A,B,...",
                         help='scenario names, comma-separated, the first the one the others are compared with')
    compare.add_argument("--locality", metavar="LOCALITY",
                         help='a locality_id or unique name, or "all" for the whole footprint (the default)')
    compare.add_argument("--draws", type=int, metavar="N",
                         help="draws for the ranges (default pack.toml [uncertainty] draws, 1,000)")
    compare.add_argument("--json", action="store_true", help="print one JSON object, unrounded; keys carry units")
    compare.add_argument("--xlsx", metavar="FILE", help="also write the tables to an Excel workbook")
    compare.set_defaults(run=cmd_compare)

    for extra in _extra_commands():
        extra(sub)
    return parser


def _extra_commands():
    """Commands added by later parts of stpkit (reports, apps): each module offers add_command(sub)."""
    import importlib
    import importlib.util

    names = ("stpkit.report.command", "stpkit.apps", "stpkit.convert")
    return [importlib.import_module(name).add_command for name in names if importlib.util.find_spec(name) is not None]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("stpkit: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # every failure becomes one plain line
        from .pack import PackError

        if isinstance(error, PackError):
            for line in error.lines():
                print(line, file=sys.stderr)
            count = len(error.problems)
            print(f"{error.path}: {count} problem{'s' if count != 1 else ''}; run `stpkit validate {error.path}`. "
                  "Nothing was run on this pack.", file=sys.stderr)
            return EXIT_PROBLEMS
        if os.environ.get("STPKIT_DEBUG"):
            raise
        message = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
        print(f"stpkit: error: {message}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    # `python -m stpkit.cli` runs this file as __main__, a second copy of the module: run the real
    # stpkit.cli, whose UserError is the one the other modules raise
    from stpkit.cli import main as _main

    sys.exit(_main())
