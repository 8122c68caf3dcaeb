"""NHS financial years and quarters.

At the edges (files, tables, charts) a financial year is written "2020/21"; inside stpkit it is
the integer of its first calendar year (2020). A quarter is "2016/17 Q3" at the edges and
the integer ``year * 4 + (q - 1)`` inside, so quarters sort and subtract like numbers.
"""

from __future__ import annotations

import re

_FY = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")
_QUARTER = re.compile(r"^\s*(\d{4}\s*[/-]\s*(?:\d{2}|\d{4}))\s*Q([1-4])\s*$", re.IGNORECASE)


def parse_fy(text: str) -> int:
    """'2015/16' -> 2015. Raises ValueError on anything that is not a financial year."""
    match = _FY.match(str(text))
    if not match:
        raise ValueError(f'"{text}" is not a financial year like 2015/16')
    first, second = int(match.group(1)), match.group(2)
    expected = first + 1
    if int(second) != (expected % 100 if len(second) == 2 else expected):
        raise ValueError(f'"{text}" is not a financial year: the second year must follow the first, like 2015/16')
    return first


def format_fy(year: int) -> str:
    """2015 -> '2015/16'."""
    year = int(year)
    return f"{year}/{(year + 1) % 100:02d}"


def parse_quarter(text: str) -> int:
    """'2016/17 Q3' -> 2016 * 4 + 2."""
    match = _QUARTER.match(str(text))
    if not match:
        raise ValueError(f'"{text}" is not a quarter like 2016/17 Q3')
    return parse_fy(match.group(1)) * 4 + int(match.group(2)) - 1


def format_quarter(index: int) -> str:
    """2016 * 4 + 2 -> '2016/17 Q3'."""
    index = int(index)
    return f"{format_fy(index // 4)} Q{index % 4 + 1}"


def fy_range(first: int, last: int) -> list[int]:
    """Financial years from first to last inclusive, as integers."""
    return list(range(int(first), int(last) + 1))
