"""Disclosure control for published reports: small counts shown as "*".

NHS Digital's rule for Hospital Episode Statistics published below national level: a count from 1
to 7 is not shown but replaced by "*", so that nobody can be picked out of a small number of
patients. stpkit applies it to counts of people and of hospital activity (admissions, attendances,
appointments: the activity base, momentum, target and avoided figures, people in a risk tier,
eligible patients) wherever a report shows them as numbers: tables, headline figures, the Excel
workbook. It never applies to money (GBP), rates, shares, growth, FTE, years or scores: those are
not counts of patients. A count is judged as it is shown, rounded to a whole number (7.4
admissions shows as 7, so it is suppressed; 0.4 shows as 0 and stays). Zero is shown.

Not done: secondary suppression (hiding a second cell so that a total cannot give away a suppressed
one). Totals are shown in full; for small localities check that a suppressed cell cannot be
worked out from its total before publishing.

The switch is the environment variable STPKIT_DISCLOSURE ("1" on, "0" off). `stpkit reports` turns
it on for every run unless given --no-disclosure (internal use); interactive use (JupyterLab,
Voila) leaves it off. Notebooks call `table` (or `suppress`) on every table they show and
`format_count` on counts they write in sentences; nothing else needs to know about the rule.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Iterable

import numpy as np
import pandas as pd

ENV = "STPKIT_DISCLOSURE"
SYMBOL = "*"
LOW, HIGH = 1, 7
RULE = ("Counts from 1 to 7 are shown as * (NHS Digital's rule for Hospital Episode Statistics "
        "published below national level). Money, rates and FTE are shown in full.")

# Column names (stpkit's, or a notebook's own labels) that hold counts of people or activity.
_COUNT_NAMES = {"base", "momentum", "target", "avoided", "activity", "population"}
_COUNT_WORDS = re.compile(r"people|patients|population|admissions|attendances|appointments|spells|episodes|"
                          r"\bactivity\b|\bcount\b|_count$|^n_", re.IGNORECASE)
# ... and names that say a column is not a count, whatever else they say.
_NOT_COUNT_WORDS = re.compile(r"gbp|£|cost|saving|price|spend|invest|\brate|_rate|rate_|share|percent|%|ratio|"
                              r"growth|reduction|relative|fte|per[ _]1|_score$|^score|"
                              r"^(year|fy|quarter|quarter_index|level|ramp|split|cohorts|index)$",
                              re.IGNORECASE)


def enabled(value: bool | None = None) -> bool:
    """Whether small counts are suppressed: `value` if given, else the STPKIT_DISCLOSURE switch (off by default)."""
    if value is not None:
        return bool(value)
    return os.environ.get(ENV, "").strip().lower() in ("1", "on", "true", "yes")


def is_count_column(name) -> bool:
    """Whether a column name reads as a count of people or activity (not money, rates or FTE)."""
    text = str(name)
    if _NOT_COUNT_WORDS.search(text):
        return False
    return text.strip().lower() in _COUNT_NAMES or bool(_COUNT_WORDS.search(text))


def count_columns(frame: pd.DataFrame) -> list:
    """The numeric columns of `frame` that hold counts, by name."""
    return [c for c in frame.columns if is_count_column(c) and pd.api.types.is_numeric_dtype(frame[c])]


def small(values) -> np.ndarray:
    """True where a count, rounded as shown, is from 1 to 7 (either sign)."""
    shown = np.abs(np.round(pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)))
    with np.errstate(invalid="ignore"):
        return (shown >= LOW) & (shown <= HIGH)


def _columns(frame: pd.DataFrame, columns: Iterable | None) -> list:
    if columns is None:
        return count_columns(frame)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"no column {missing[0]!r} to apply disclosure control to")
    return list(columns)


def suppress(frame: pd.DataFrame, columns: Iterable | None = None, *, on: bool | None = None) -> pd.DataFrame:
    """A copy of `frame` with small counts replaced by "*" (count columns found by name unless given).

    Suppressed columns become object columns holding numbers and "*". With the switch off the
    frame comes back unchanged (a copy).
    """
    result = frame.copy()
    if not enabled(on):
        return result
    for column in _columns(frame, columns):
        hide = small(frame[column])
        if hide.any():
            values = frame[column].astype(object).to_numpy(copy=True)
            values[hide] = SYMBOL
            result[column] = values
    return result


def mask(frame: pd.DataFrame, columns: Iterable | None = None, *, on: bool | None = None) -> pd.DataFrame:
    """A copy of `frame` with small counts set to NaN: for chart data, which must stay numeric."""
    result = frame.copy()
    if not enabled(on):
        return result
    for column in _columns(frame, columns):
        hide = small(frame[column])
        if hide.any():
            result[column] = frame[column].astype(float).where(~hide)
    return result


def format_count(value, decimals: int = 0, *, on: bool | None = None) -> str:
    """A count for a sentence or a headline: "12,345", or "*" when it is suppressed."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if enabled(on) and bool(small([value])[0]):
        return SYMBOL
    return f"{value:,.{decimals}f}"


def _formatter(fmt):
    def apply(value):
        if isinstance(value, str):
            return value
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        return fmt.format(value) if isinstance(fmt, str) else fmt(value)
    return apply


def table(frame: pd.DataFrame, columns: Iterable | None = None, formats: dict | None = None, *,
          on: bool | None = None, index: bool = False, caption: str | None = None):
    """A table ready to display: small counts suppressed, numbers formatted, "*" left as it is.

    formats: column -> format string ("{:,.0f}") or function; count columns default to "{:,.0f}".
    Returns a pandas Styler (it renders as an HTML table in notebooks, Voila and reports).
    """
    counts = _columns(frame, columns)
    shown = suppress(frame, counts, on=on)
    chosen = {column: "{:,.0f}" for column in counts}
    chosen.update(formats or {})
    styler = shown.style.format({column: _formatter(fmt) for column, fmt in chosen.items() if column in shown.columns})
    # element ids from the content, not pandas' random ones: the same table gives the same HTML every run
    styler = styler.set_uuid(hashlib.sha256(shown.to_json(default_handler=str).encode()).hexdigest()[:10])
    if not index:
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    return styler


def note(on: bool | None = None) -> str:
    """The sentence a published report carries under its tables ("" when the switch is off)."""
    return RULE if enabled(on) else ""
