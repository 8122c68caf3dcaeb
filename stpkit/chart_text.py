"""What a chart says in words: its text alternative and the table of its figures (WCAG 2.2 AA).

A screen reader hears a chart's title and its main finding in a sentence instead of its marks, and
the figures it draws are a table beside it. The chart builders of `stpkit.charts` write the finding
(`_finish(..., finding=..., figures=...)`); this module reads it back and lays the table out.
"""

from __future__ import annotations

import html as _html

import altair as alt
import pandas as pd

from . import figures as figures_style


def describe(chart) -> str:
    """The chart's text alternative: its title and its main finding in a sentence (set by the builders)."""
    text = getattr(chart, "description", alt.Undefined)
    if text is alt.Undefined or not text:
        title = getattr(chart, "title", alt.Undefined)
        text = getattr(title, "text", title) if title is not alt.Undefined else "A chart"
    return str(text)


SR_ONLY = ("position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
           "clip:rect(0,0,0,0);white-space:nowrap;border:0")
_FIGURES_STYLE = (f"<style>.stpkit-sr{{{SR_ONLY}}}"
                  ".stpkit-figures{font-size:13px;margin:2px 0 12px 0;color:#212b32}"
                  ".stpkit-figures summary{cursor:pointer;color:#005EB8;text-decoration:underline}"
                  ".stpkit-figures summary:focus-visible{outline:3px solid #FFEB3B;box-shadow:0 0 0 5px #212b32}"
                  ".stpkit-figures table{border-collapse:collapse;margin:4px 0}"
                  ".stpkit-figures th,.stpkit-figures td{padding:2px 8px;border-bottom:1px solid #E8EDEE}"
                  ".stpkit-figures th,.stpkit-figures td{text-align:left}"
                  ".stpkit-figures th{background:#E8EDEE}</style>")


def figures_frame(chart) -> pd.DataFrame:
    """The figures a chart draws, with readable column names, as the table beside it."""
    data = getattr(chart, "data", alt.Undefined)
    meta = getattr(chart, "usermeta", alt.Undefined)
    fields = meta.get("stpkit_figures", []) if isinstance(meta, dict) else []
    if isinstance(meta, dict) and meta.get("stpkit_rows") is not None:
        data = pd.DataFrame(meta["stpkit_rows"])
    if not isinstance(data, pd.DataFrame) or not fields:
        return pd.DataFrame()
    out = pd.DataFrame(index=data.index)
    for field, label, kind in fields:
        label = label or _FIELD_WORDS.get(field, str(field).replace("_", " ").capitalize())
        if field not in data.columns or label in out.columns:
            continue
        values = data[field]
        if kind == "percent":
            out[label] = [figures_style.percent(v) if not figures_style.missing(v) else "" for v in values]
        elif kind == "number":
            out[label] = [figures_style.number(v, 1 if abs(float(v)) < 100 else 0)
                          if not figures_style.missing(v) else "" for v in values]
        else:
            out[label] = values.astype(str).map(figures_style.words)
    return out.reset_index(drop=True)


_FIELD_WORDS = {"label": "Locality", "locality": "Locality", "locality_id": "Locality"}


def figures_html(chart, limit: int = 200) -> str:
    """The chart's figures as a table in a closed <details>: reachable next to the chart, out of the way."""
    frame = figures_frame(chart)
    if frame.empty:
        return ""
    more = f"<p>First {limit} of {len(frame):,} rows shown.</p>" if len(frame) > limit else ""
    frame = frame.head(limit)
    head = "".join(f'<th scope="col">{_html.escape(str(c))}</th>' for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{_html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return (f"{_FIGURES_STYLE}<details class='stpkit-figures'><summary>The figures in this chart</summary>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{more}</details>")


def _trend(data: pd.DataFrame, x: str, value: str, xs: list, series: str | None, percent: bool) -> str:
    """"Demand: from 120.0 in 2016/17 to 140.0 in 2020/21." for up to four series of a line chart."""
    parts = []
    groups = data.groupby(series, sort=False) if series else [("", data)]
    for name, group in list(groups)[:4]:
        ordered = group.assign(_at=group[x].map({v: i for i, v in enumerate(xs)})).sort_values("_at")
        ordered = ordered[pd.to_numeric(ordered[value], errors="coerce").notna()]
        if ordered.empty:
            continue
        first, last = ordered.iloc[0], ordered.iloc[-1]
        lead = f"{name}: " if series else ""
        parts.append(f"{lead}from {_value_text(first[value], percent)} in {first[x]} "
                     f"to {_value_text(last[value], percent)} in {last[x]}")
    more = " (and more series in the table)" if series and data[series].nunique() > 4 else ""
    return ("; ".join(parts) + more + ".") if parts else "No figures to show."


def _value_text(value, percent: bool = False) -> str:
    if figures_style.missing(value):
        return "no value"
    return figures_style.percent(value) if percent else figures_style.number(value, 1 if abs(float(value)) < 100 else 0)


def _extremes(data: pd.DataFrame, label: pd.Series, value: str, percent: bool) -> str:
    """"Highest: X (12.0); lowest: Y (3.0)." over the rows of a chart."""
    values = pd.to_numeric(data[value], errors="coerce")
    if values.notna().sum() == 0:
        return "No figures to show."
    top, bottom = values.idxmax(), values.idxmin()
    if len(values.dropna()) == 1 or top == bottom:
        return f"{label[top]}: {_value_text(values[top], percent)}."
    return (f"Highest: {label[top]} ({_value_text(values[top], percent)}); "
            f"lowest: {label[bottom]} ({_value_text(values[bottom], percent)}).")
