"""Headline figures: the few numbers at the top of a report, also listed in the reports' index.

A notebook calls `show` once with its headline figures. They display as a row of figure cards
(HTML, so they read the same in JupyterLab, Voila and the exported report) and travel in the
executed notebook as JSON under the mimetype MIME, from which `stpkit reports` reads them for
index.html and manifest.json (`extract`). Counts go through disclosure control like any table.

    from stpkit.report import headlines
    headlines.show(
        headlines.figure("Population", 60000, "count"),
        headlines.figure("Gross savings 2020/21", 4.2e6, "gbp"),
        headlines.figure("NEL admissions avoided", 512.3, "count"),
    )

Kinds: "count" (people, admissions), "gbp", "fte", "share" (0.12 -> 12.0%), "number", "text".
"""

from __future__ import annotations

import html
import math
import re

from .. import figures as figures_style
from . import disclosure

MIME = "application/vnd.stpkit.headlines+json"
KINDS = ("count", "gbp", "fte", "share", "number", "text")


def format_value(value, kind: str = "number", *, on: bool | None = None) -> str:
    """A headline value as shown (stpkit.figures): £4.2m, 12.5 FTE, 12.0%, 1,234 (or * for a small count)."""
    if kind == "text":
        return str(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if kind == "count":
        return disclosure.format_count(value, on=on)
    if kind == "gbp":
        return figures_style.money(value)
    if kind == "fte":
        return figures_style.fte(value)
    if kind == "share":
        return figures_style.percent(value)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def figure(label: str, value, kind: str = "number", note: str | None = None, *, on: bool | None = None) -> dict:
    """One headline figure. A suppressed count keeps no value, only its "*"."""
    if kind not in KINDS:
        raise ValueError(f"headline kind must be one of {', '.join(KINDS)}, not {kind!r}")
    text = format_value(value, kind, on=on)
    plain = None if kind == "text" or text == disclosure.SYMBOL else (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value))
    return {"label": str(label), "value": plain, "kind": kind, "text": text, "note": note}


def _html(figures: list[dict]) -> str:
    cards = "".join(
        '<div style="flex:1 1 10em;min-width:10em;border-left:4px solid #005EB8;padding:0.3em 0.8em;'
        'background:#F0F4F5">'
        f'<div style="font-size:0.85em;color:#425563">{html.escape(f["label"])}</div>'
        f'<div style="font-size:1.6em;font-weight:600;color:#003087">{html.escape(f["text"])}</div>'
        + (f'<div style="font-size:0.75em;color:#425563">{html.escape(f["note"])}</div>' if f.get("note") else "")
        + "</div>"
        for f in figures)
    return f'<div class="stpkit-headlines" style="display:flex;flex-wrap:wrap;gap:0.6em;margin:0.4em 0">{cards}</div>'


def bundle(figures: list[dict]) -> dict:
    """The display bundle: HTML cards, plain text, and the figures as JSON for the index."""
    text = "\n".join(f'{f["label"]}: {f["text"]}' for f in figures)
    return {MIME: {"figures": figures}, "text/html": _html(figures), "text/plain": text}


class Headlines:
    """Headline figures as a displayable object (what `show` displays)."""

    def __init__(self, figures: list[dict]):
        self.figures = list(figures)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return bundle(self.figures)


def show(*figures: dict) -> None:
    """Display the headline figures (each made with `figure`)."""
    from IPython.display import display

    display(Headlines(list(figures)))


_CARD = re.compile(r"""<div class=['"]stpkit-card['"]>\s*(?:<div class=['"]whose['"]>(.*?)</div>\s*)?"""
                   r"""<div class=['"]label['"]>(.*?)</div>\s*<div class=['"]value['"]>(.*?)</div>"""
                   r"""(?:\s*<div class=['"]flag['"]>(.*?)</div>)?(?:\s*<div class=['"]detail['"]>(.*?)</div>)?""", re.DOTALL)


def _cards(page: str) -> list[dict]:
    """Figure cards drawn by stpkit.pages (whose, label, value as shown, detail) read back from their HTML."""
    return [{"label": html.unescape(label), "value": None, "kind": "text", "text": html.unescape(value),
             "note": html.unescape(detail) if detail else None, "whose": html.unescape(whose) if whose else None,
             **({"flag": html.unescape(flag)} if flag else {})}
            for whose, label, value, flag, detail in _CARD.findall(page)]


def extract(nb) -> list[dict]:
    """Every headline figure an executed notebook displayed, in order.

    Read from `show`'s JSON, or from the figure cards of stpkit.pages' headline output (marked
    by {"stpkit": {"figures": ...}} in its output metadata), as they are shown: after disclosure control.
    """
    found = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if MIME in data:
                found.extend(data[MIME].get("figures", []))
            elif "figures" in ((output.get("metadata") or {}).get("stpkit") or {}) and "text/html" in data:
                page = data["text/html"]
                found.extend(_cards("".join(page) if isinstance(page, list) else page))
    return found
