"""What every printed page carries (`stpkit reports --pdf`): the print styles, a footer naming whose report it
is, what it is and its date, with "Page X of Y"; a report's PDF and each part of the board pack alike."""

from __future__ import annotations

import re
from pathlib import Path

PRINT_CSS = Path(__file__).with_name("print.css")
FOOTPRINT = "all"  # the footprint's own reports (locality_id "all")


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
