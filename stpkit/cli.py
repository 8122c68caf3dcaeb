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
        description="Check every file of a footprint pack. Each problem is printed on one line naming the file, "
                    "the spreadsheet row (the header is row 1) and the column. Exits 0 when the pack is valid, "
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
