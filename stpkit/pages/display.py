"""How the what-if pages write their figures: the house style for numbers, tables, notes and headline cards.

Numbers follow `stpkit.figures` (£4.0m, 12.5%, 180.2 FTE). Tables and headline counts go through
`stpkit.report.disclosure` (counts from 1 to 7 shown as "*" when STPKIT_DISCLOSURE is on).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from .. import figures as figures_style
from ..report import disclosure

MAX_TABLE_ROWS = 60
ILLUSTRATIVE = "illustrative"


def _missing(value) -> bool:
    return figures_style.missing(value)


def gbp(value) -> str:
    """Money in the house style: £4.0m, £67.1m, £45.6k, £950 (stpkit.figures)."""
    return figures_style.money(value)


def pct(value, decimals: int = 1, *, change: bool = False, count=None, noun: str = "") -> str:
    """A percentage that never reads "-0.0%" (stpkit.figures.percent)."""
    return figures_style.percent(value, decimals, change=change, count=count, noun=noun)


def fte(value) -> str:
    return figures_style.fte(value)


def count(value) -> str:
    """A count of people or activity, with small counts hidden when disclosure control is on."""
    return disclosure.format_count(None if _missing(value) else float(value))


_FORMATS: dict[str, Callable[[Any], str]] = {
    "text": figures_style.words,
    "count": lambda v: "" if _missing(v) else figures_style.number(v),
    "number": lambda v: "" if _missing(v) else figures_style.number(v),
    "pct": lambda v: "" if _missing(v) else figures_style.percent(v),
    "pct2": lambda v: "" if _missing(v) else figures_style.percent(v, 2),
    "fte": lambda v: "" if _missing(v) else figures_style.number(v, 1),
    "rate": lambda v: "" if _missing(v) else figures_style.number(v, 2),
    "score": lambda v: "" if _missing(v) else figures_style.number(v, 1),
}
MONEY_KINDS = ("gbp", "gbp_m")


@dataclass
class Table:
    """A table for a commissioner: source frame, and for each column shown its label and kind.

    kinds: text, count (people or activity: disclosure control applies), number, gbp, gbp_m, pct,
    pct2, fte, rate, score.
    """

    frame: pd.DataFrame
    columns: dict[str, tuple[str, str]]
    caption: str = ""
    highlight: str | None = None  # a value of the first column to show in bold

    def money_style(self) -> tuple[str, int]:
        """The one unit and number of decimals of this table's money columns (stpkit.figures.money_style)."""
        values = [v for c, (_, kind) in self.columns.items() if kind in MONEY_KINDS for v in self.frame[c]]
        return figures_style.money_style(values)

    def labels(self) -> list[str]:
        """The column headers: money columns carry the table's unit, e.g. "Savings (£m)"."""
        unit, _ = self.money_style()
        return [figures_style.money_header(label, unit) if kind in MONEY_KINDS else label
                for label, kind in self.columns.values()]

    def has_counts(self) -> bool:
        return any(kind == "count" for _, kind in self.columns.values())

    def shown(self) -> pd.DataFrame:
        """The table as displayed: labelled columns of formatted text, small counts as "*"."""
        counts = [c for c, (_, kind) in self.columns.items() if kind == "count"]
        frame = disclosure.suppress(self.frame[list(self.columns)], counts) if counts else self.frame[list(self.columns)]
        unit, decimals = self.money_style()
        out = pd.DataFrame(index=frame.index)
        for (column, (_, kind)), label in zip(self.columns.items(), self.labels()):
            if kind in MONEY_KINDS:
                fmt = lambda v: figures_style.money_cell(v, unit, decimals)  # noqa: E731
            else:
                fmt = _FORMATS[kind]
            out[label] = [v if isinstance(v, str) and kind != "text" else fmt(v) for v in frame[column]]
        return out.reset_index(drop=True)

    def html(self, note: bool = True) -> str:
        """The table as HTML; note: the disclosure rule under it when it has counts (a page shows it once)."""
        shown = self.shown()
        extra = ""
        if len(shown) > MAX_TABLE_ROWS:
            extra = f"<p class='stpkit-note'>First {MAX_TABLE_ROWS} of {len(shown):,} rows shown.</p>"
            shown = shown.head(MAX_TABLE_ROWS)
        kinds = [kind for _, kind in self.columns.values()]
        head = "".join(f"<th scope='col' style='text-align:{'left' if k == 'text' else 'right'}'>{html.escape(c)}</th>"
                       for c, k in zip(shown.columns, kinds))
        first = shown.columns[0] if len(shown.columns) else None
        body = []
        for _, row in shown.iterrows():
            strong = self.highlight is not None and first is not None and row[first] == self.highlight
            cells = "".join(f"<td style='text-align:{'left' if k == 'text' else 'right'}'>{html.escape(str(v))}</td>"
                            for v, k in zip(row.tolist(), kinds))
            row_class = ' class="stpkit-selected"' if strong else ""
            body.append(f"<tr{row_class}>{cells}</tr>")
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        rule = disclosure.note()
        rule_html = f"<p class='stpkit-note'>{html.escape(rule)}</p>" if rule and note and self.has_counts() else ""
        return (f"{_STYLE}<div class='stpkit-scroll'><table class='stpkit-table'>{caption}<thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table></div>{extra}{rule_html}")


@dataclass
class Note:
    """What shows instead of a chart or table that cannot be drawn, saying why (e.g. which file would enable it)."""

    text: str

    def html(self) -> str:
        return (f"{_STYLE}<div class='stpkit-missing'><strong>Not shown:</strong> "
                f"{html.escape(self.text)}</div>")


_STYLE = """<style>
.stpkit-scroll{overflow-x:auto;max-width:100%}
.stpkit-table{border-collapse:collapse;font-size:13px;margin:4px 0 12px 0}
.stpkit-table caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0;color:#212b32}
.stpkit-table th{background:#E8EDEE;color:#212b32;padding:4px 8px;border-bottom:2px solid #AEB7BD}
.stpkit-table td{padding:3px 8px;border-bottom:1px solid #E8EDEE;color:#212b32}
.stpkit-table tr.stpkit-selected td{font-weight:700;background:#EAF2FB}
.stpkit-note{font-size:12px;color:#425563;margin:2px 0 10px 0}
.stpkit-missing{border-left:4px solid #FFB81C;background:#FFF9EC;padding:8px 12px;margin:6px 0;color:#212b32}
.stpkit-cards{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0 12px 0}
.stpkit-card{border-left:4px solid #005EB8;background:#F0F4F5;padding:8px 12px;min-width:180px;max-width:330px}
.stpkit-card .whose{font-size:11px;color:#425563;text-transform:uppercase;letter-spacing:0.03em}
.stpkit-card .label{font-size:12px;color:#425563}
.stpkit-card .flag,.stpkit-flag{display:inline-block;font-size:11px;font-weight:600;color:#7C2855;background:#FBE9F1;padding:0 6px;border-radius:3px}
.stpkit-card .value{font-size:22px;font-weight:700;color:#003087;margin:2px 0}
.stpkit-card .detail{font-size:12px;color:#212b32}
.stpkit-title h2{margin:4px 0 2px 0;color:#003087}
.stpkit-title p{margin:0 0 8px 0;color:#425563}
.stpkit-assumptions td,.stpkit-assumptions th{padding:2px 10px 2px 0;text-align:left;font-size:13px}
</style>"""


@dataclass
class Card:
    """One headline figure: what it is, the figure in words, and a line on where it comes from.

    whose: the footprint or locality the figure belongs to (shown above the label; a page fills in
    its own place when a card leaves it blank). illustrative: the figure rests on an input the
    pack's sources mark as illustrative, said next to the figure.
    """

    label: str
    value: str
    detail: str = ""
    whose: str = ""
    illustrative: bool = False


def cards_html(cards: list[Card]) -> str:
    items = "".join(
        "<div class='stpkit-card'>"
        + (f"<div class='whose'>{html.escape(c.whose)}</div>" if c.whose else "")
        + f"<div class='label'>{html.escape(c.label)}</div>"
        f"<div class='value'>{html.escape(c.value)}</div>"
        + (f"<div class='flag'>{ILLUSTRATIVE}</div>" if c.illustrative else "")
        + f"<div class='detail'>{html.escape(c.detail)}</div></div>" for c in cards)
    return f"{_STYLE}<div class='stpkit-cards'>{items}</div>"


def interval(low, high, unit: str = "", tolerance: float = 0.05) -> str:
    """An 80% range in words: "180.2 to 205.1 FTE" where it varies, "no interval given" where it cannot."""
    if _missing(low) or _missing(high) or abs(float(high) - float(low)) < tolerance:
        return "no interval given"
    return f"{figures_style.number(low, 1)} to {figures_style.number(high, 1)}" + (f" {unit}" if unit else "")


def _plain(figures: dict) -> dict:
    """Figures as JSON-safe plain values (NaN becomes None)."""
    out = {}
    for key, value in figures.items():
        if isinstance(value, (np.integer,)):
            value = int(value)
        elif isinstance(value, (np.floating, float)):
            value = None if math.isnan(value) else float(value)
        elif isinstance(value, (np.bool_,)):
            value = bool(value)
        out[key] = value
    return out
