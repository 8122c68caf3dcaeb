"""How figures are written on every page, report and index: one house style.

- Money in pounds with k, m or bn chosen for the size, to about three significant figures in a
  headline ("£4.0m", "£67.1m", "£157m", "£45.6k", "£950"). In a table every money column uses one
  unit and one number of decimals, and the column header carries the unit ("Savings (£m)").
- Percentages never show "-0.0%": a change too small to show says so, with its count when known
  ("-31 admissions, less than 0.1%").
- Words, not codes, in table values ("Revenue", "Capital", "All localities"), one spelling
  ("care coordinator").

Everything here is plain text in, plain text out: no HTML, no model logic.
"""

from __future__ import annotations

import math
import re

import pandas as pd

MISSING = "-"

# money units: (suffix, divisor), smallest first
UNITS = (("", 1.0), ("k", 1e3), ("m", 1e6), ("bn", 1e9))

# codes a pack or the model uses, in the words a reader uses
WORDS = {
    "revenue": "Revenue",
    "capital": "Capital",
    "all": "All localities",
    "ae": "A&E attendances",
    "elective_ip": "Elective inpatient admissions",
    "day_case": "Day case admissions",
    "non_elective": "Emergency admissions",
    "outpatient": "Outpatient appointments",
    "investment": "In step with the investment",
    "linear": "In equal steps",
}

# one spelling: "care coordinator", whatever a pack writes
_SPELLING = ((re.compile(r"\bco-ordinat", re.IGNORECASE), lambda m: m.group(0)[:2] + "ordinat"),)


def missing(value) -> bool:
    """Whether a value is absent (None, NaN or pandas' NA)."""
    if value is None or value is pd.NA:
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:
        return False


def money_unit(value: float) -> tuple[str, float]:
    """The unit a sum of this size is written in: ("", 1), ("k", 1e3), ("m", 1e6) or ("bn", 1e9)."""
    size = abs(float(value))
    chosen = UNITS[0]
    for suffix, divisor in UNITS:
        if size >= divisor:
            chosen = (suffix, divisor)
    return chosen


def _headline_decimals(scaled: float, suffix: str) -> int:
    if suffix == "":
        return 0
    return 1 if abs(scaled) < 100 else 0


def money(value, unit: str | None = None, decimals: int | None = None) -> str:
    """£ with k, m or bn for the size: £950, £45.6k, £4.0m, £67.1m, £157m, £1.2bn; "-" when missing.

    unit ("", "k", "m", "bn") and decimals fix the style (as a table does); by default about
    three significant figures. Never "-£0.0m": a sum that rounds to nothing is £0.
    """
    if missing(value):
        return MISSING
    value = float(value)
    if unit is None:
        suffix, divisor = money_unit(value)
        places = _headline_decimals(value / divisor, suffix) if decimals is None else decimals
        # a sum that rounds up into the next unit is written in it (999.96k -> £1.0m)
        if suffix != "bn" and round(abs(value) / divisor, places) >= 1000:
            suffix, divisor = UNITS[[u for u, _ in UNITS].index(suffix) + 1]
            places = _headline_decimals(value / divisor, suffix) if decimals is None else decimals
    else:
        divisor = dict(UNITS)[unit]
        suffix = unit
        places = (0 if unit == "" else 1) if decimals is None else decimals
    scaled = round(value / divisor, places)
    if scaled == 0:
        scaled = 0.0  # no negative zero
    sign = "-" if scaled < 0 else ""
    return f"{sign}£{abs(scaled):,.{places}f}{suffix}"


def money_style(values) -> tuple[str, int]:
    """One unit and one number of decimals for a table's money: chosen from its largest sum.

    Millions and billions to at least one decimal, as finance papers write them (£m 112.0 and 0.4
    in one column: "m" with 1 decimal; up to £9.5m: 2 decimals); thousands to about three figures
    (up to £95,000: "k" with 1 decimal).
    """
    sizes = [abs(float(v)) for v in values if not missing(v) and not isinstance(v, str)]
    largest = max(sizes, default=0.0)
    suffix, divisor = money_unit(largest)
    if suffix == "":
        return "", 0
    scaled = largest / divisor
    if suffix == "k":
        return suffix, (1 if scaled < 100 else 0)
    return suffix, (2 if scaled < 10 else 1)


def money_cell(value, unit: str, decimals: int) -> str:
    """A money cell of a table in its table's unit: the number only (the header carries £ and the unit)."""
    if missing(value):
        return ""
    scaled = round(float(value) / dict(UNITS)[unit], decimals)
    if scaled == 0:
        scaled = 0.0
    return f"{scaled:,.{decimals}f}"


_UNIT_IN_LABEL = re.compile(r"\s*\((?:GBP|£)[^)]*\)")


def money_header(label: str, unit: str) -> str:
    """A money column's header with its unit: "Savings" and "m" -> "Savings (£m)" (any old unit replaced)."""
    plain = _UNIT_IN_LABEL.sub("", label).strip()
    plain = re.sub(r"\s*\bGBP\b\s*", " ", plain).strip()
    return f"{plain} (£{unit})" if unit else f"{plain} (£)"


def percent(value, decimals: int = 1, *, change: bool = False, count=None, noun: str = "") -> str:
    """A share or change as a percentage, never "-0.0%".

    A non-zero value that rounds to zero reads "less than 0.1%"; with `count` (and `noun`) the count
    comes first: "-31 admissions, less than 0.1%". change=True writes a sign ("+1.1%", "-2.5%").
    """
    if missing(value):
        return MISSING
    value = float(value)
    step = 10.0 ** -decimals
    shown = round(value * 100, decimals)
    if shown == 0:
        if value == 0:
            return f"{0:.{decimals}f}%"
        small = f"less than {step:.{decimals}f}%"
        if count is not None and not missing(count):
            return f"{float(count):+,.0f}{' ' + noun if noun else ''}, {small}"
        return small
    sign = "+" if change and shown > 0 else ""
    return f"{sign}{shown:,.{decimals}f}%"


def fte(value, decimals: int = 1) -> str:
    """Staff in whole-time equivalents: "467.4 FTE"."""
    if missing(value):
        return MISSING
    shown = round(float(value), decimals)
    return f"{0.0 if shown == 0 else shown:,.{decimals}f} FTE"


def number(value, decimals: int = 0) -> str:
    if missing(value):
        return MISSING
    shown = round(float(value), decimals)
    return f"{0.0 if shown == 0 else shown:,.{decimals}f}"


def words(value) -> str:
    """A table value in a reader's words: codes become words, one spelling throughout."""
    if missing(value):
        return ""
    text = str(value)
    text = WORDS.get(text, text)
    for pattern, repl in _SPELLING:
        text = pattern.sub(repl, text)
    return text


def footprint_name(name: str) -> str:
    """How a footprint is named where a figure is its own: "Mid and South Essex footprint"."""
    return name if "footprint" in name.lower() else f"{name} footprint"
