"""Charts for the notebooks, reports and apps: a few builders, each a function from a DataFrame to an Altair chart.

Builders by shape, not by subject: `bars` draws every bar chart (localities against their peers, the
risk pyramid, activity by point of delivery, investment by year and category, workforce by staff group)
with arguments naming the fields; `lines` draws values over financial years (with an optional
P10-P90 band); `waterfall` draws `stpkit.activity.waterfall`; `heatmap` draws a grid such as
transformation level by locality and quarter. Every chart has a title, axis titles with units and
tooltips, and the selected locality drawn in NHS blue against grey peers. Charts carry their data
inline, already aggregated: a builder never sees more than a few thousand rows.

Drawing with no internet (`setup` picks one of two modes and returns it):

- "interactive" (JupyterLab, Jupyter Notebook, Voila, VS Code): charts are Altair's anywidget-based
  `JupyterChart` with Vega's JavaScript bundled by vl-convert (offline=True), so nothing is fetched
  from a CDN; the what-if controls of `stpkit.pages` update them in place. Bundling takes a few
  seconds, so the bundle is cached on disk (see `_offline_bundle`).
- "static" (papermill, nbclient, `jupyter nbconvert --execute`, plain Python): charts are drawn by
  vl-convert into inline SVG (Altair's "svg" renderer), so an executed notebook exported to HTML
  carries finished pictures and no script at all. With STPKIT_CHARTS=spec (set by `stpkit reports`)
  a static chart is its Vega-Lite specification in the page instead, drawn later by the report
  export: as SVG for a self-contained report, by the reader's browser for a light one.

STPKIT_CHART_WIDGETS=svg draws interactive charts as SVG inside HTML widgets instead (no JavaScript
per chart, no tooltips), for app pages that must stay light.

The mode comes from the environment: STPKIT_DISPLAY=static or interactive wins; a kernel started
by Voila (VOILA_* variables) or by a Jupyter server (JPY_SESSION_NAME) or VS Code is interactive;
anything else is static. A program that runs notebooks headless from inside a Jupyter kernel
should set STPKIT_DISPLAY=static, since kernels inherit their parent's environment.
"""

from __future__ import annotations

import hashlib
import html as _html
import json
import os
import sys
from pathlib import Path
from typing import Iterable, Sequence

# jsonschema (which Altair imports) checks for the optional rfc3987-syntax package at import, and that
# package builds a grammar when imported: 1.5 to 7 seconds on this kind of machine, in every kernel
# that draws a chart. It only serves jsonschema's "iri" format checks, which Altair never runs, so a
# process that has not imported it yet goes without it.
if "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # "not installed" to importers

import altair as alt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .chart_text import (  # noqa: E402,F401  (the builders' words; describe and figures_* re-exported)
    _extremes, _trend, _value_text, describe, figures_frame, figures_html)

STATIC, INTERACTIVE = "static", "interactive"
MODES = (STATIC, INTERACTIVE)

# NHS identity colours (https://www.england.nhs.uk/nhsidentity/identity-guidelines/colours/)
NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#AEB7BD"
NHS_RED = "#DA291C"
NHS_GREEN = "#009639"
NHS_WARM_YELLOW = "#FFB81C"
PALETTE = [NHS_BLUE, NHS_WARM_YELLOW, NHS_GREEN, "#AE2573", "#00A9CE", NHS_DARK_BLUE, "#ED8B00",
           "#330072", NHS_MID_GREY, "#78BE20", NHS_RED, "#41B6E6", "#8A1538", "#006747", "#425563",
           "#FAE100"]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-left", "triangle-right"]
SELECTED, PEER, EVERY = "Selected", "Peers", "All"
WIDTH = 560
BAR_STEP = 20  # pixels per bar on a horizontal bar chart
MAX_CATEGORIES = 40  # bars beyond this are dropped, keeping the selected one (see `bars`)

_mode: str | None = None
_interactive_charts = True


# ---------------------------------------------------------------------------------------------
# Rendering


def detect_mode(environ: dict | None = None) -> str:
    """"interactive" in a kernel a person is looking at (Voila, a Jupyter server, VS Code), else "static"."""
    env = os.environ if environ is None else environ
    chosen = str(env.get("STPKIT_DISPLAY", "")).strip().lower()
    if chosen in MODES:
        return chosen
    if any(key in env for key in ("VOILA_KERNEL_ID", "VOILA_BASE_URL", "VOILA_PREHEAT")):
        return INTERACTIVE
    if env.get("JPY_SESSION_NAME") or env.get("VSCODE_PID"):
        return INTERACTIVE
    return STATIC


def setup(mode: str | None = None, vega_widgets: bool | None = None) -> str:
    """Make every chart draw with no internet, and return the mode chosen ("static" or "interactive").

    Call it first in every notebook. mode: force a mode (default: `detect_mode`). vega_widgets:
    in interactive mode, draw charts as live Vega widgets (tooltips; the default) or, when False,
    as SVG pictures inside an HTML widget (lighter pages, no tooltips, no JavaScript per chart);
    None reads STPKIT_CHART_WIDGETS ("vega" or "svg", default vega). Static mode enables Altair's
    "svg" renderer; interactive mode enables the "jupyter" renderer with offline=True.
    """
    global _mode, _interactive_charts
    mode = detect_mode() if mode is None else mode
    if vega_widgets is None:
        vega_widgets = os.environ.get("STPKIT_CHART_WIDGETS", "vega").strip().lower() != "svg"
    if mode not in MODES:
        raise ValueError(f"display mode must be one of {', '.join(MODES)}, not {mode!r}")
    alt.data_transformers.enable("default")  # keeps the 5,000-row guard: builders aggregate first
    if mode == STATIC:
        alt.renderers.enable("svg")
    else:
        if vega_widgets:
            _offline_bundle()
        alt.renderers.enable("jupyter", offline=True)
    _mode, _interactive_charts = mode, bool(vega_widgets)
    return mode


def mode() -> str:
    """The mode `setup` chose (static until it is called)."""
    return _mode or STATIC


def vega_widgets() -> bool:
    """Whether interactive charts are live Vega widgets (True) or SVG pictures (False)."""
    return _interactive_charts


def _vl_version() -> str:
    try:
        from altair.utils._importers import vl_version_for_vl_convert

        return vl_version_for_vl_convert()
    except ImportError:  # pragma: no cover - older or newer Altair
        return "v" + alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0].replace(".", "_")


def _cache_dir() -> Path:
    root = os.environ.get("STPKIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "stpkit")
    return Path(root)


def _offline_bundle() -> None:
    """Give Altair's JupyterChart its offline JavaScript (Vega bundled by vl-convert), cached on disk.

    Altair's own `JupyterChart.enable_offline()` bundles on every kernel start (3-7 s here); the
    bundle depends only on the Altair and vl-convert versions, so it is kept in ~/.cache/stpkit
    (or $STPKIT_CACHE) and read back in milliseconds.
    """
    import vl_convert as vlc
    from altair.jupyter import JupyterChart

    if getattr(JupyterChart, "_is_offline", False):
        return
    key = hashlib.sha256(f"{alt.__version__}|{vlc.__version__}|{_vl_version()}".encode()).hexdigest()[:16]
    path = _cache_dir() / f"altair-jupyterchart-{key}.js"
    try:
        if path.is_file() and path.stat().st_size > 10_000:
            JupyterChart._esm = path.read_text(encoding="utf-8")
            JupyterChart._is_offline = True
            return
    except OSError:
        pass
    JupyterChart.enable_offline(True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(JupyterChart._esm, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only home: bundle again next time


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart drawn as an SVG document by vl-convert (no browser, no network)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict(), vl_version=_vl_version())


def to_png(chart: alt.TopLevelMixin, scale: float = 1.0) -> bytes:
    """The chart drawn as PNG by vl-convert, for checking a chart by eye or putting it in a document."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(chart.to_dict(), vl_version=_vl_version(), scale=scale)


def draws_later(environ: dict | None = None) -> bool:
    """Whether static charts travel as their specification, drawn later (STPKIT_CHARTS=spec), not as SVG now.

    `stpkit reports` sets it: the report export draws each chart once, either as inline SVG (a
    self-contained report) or in the reader's browser from the shared chart library (a light report),
    so the notebook itself does not pay for drawing. Anything else draws SVG straight away.
    """
    env = os.environ if environ is None else environ
    return str(env.get("STPKIT_CHARTS", "")).strip().lower() == "spec"


CHART_SPEC = "application/vnd.stpkit.chart+json"  # the <script type> holding a chart to draw later


def spec_html(chart: alt.TopLevelMixin) -> str:
    """A chart's place in a page, holding its Vega-Lite specification (JSON) for the report export to draw."""
    spec = json.dumps(chart.to_dict(validate=False), separators=(",", ":"), ensure_ascii=False)
    spec = spec.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (f'<div class="stpkit-chart-place" data-stpkit-chart="{_vl_version()}">'
            f'<script type="{CHART_SPEC}">{spec}</script></div>')


def html(chart: alt.TopLevelMixin, later: bool | None = None) -> str:
    """The chart as an inline SVG inside a figure: a self-contained HTML fragment with no script.

    A screen reader hears the chart's text alternative (its title and main finding, `describe`)
    instead of the drawing's marks, and the figures it draws follow in a table that opens on demand.
    later (default: `draws_later()`): the figure holds the chart's specification in place of the
    SVG, for `stpkit.report.export` to draw (the same figure, text and table around it).
    """
    text = _html.escape(describe(chart))
    drawn = spec_html(chart) if (draws_later() if later is None else later) else to_svg(chart)
    return (f'<figure class="stpkit-chart" role="figure" aria-label="{text}" style="margin:0">'
            f'<div aria-hidden="true" style="overflow-x:auto">{drawn}</div>'
            f'<figcaption class="stpkit-sr">{text}</figcaption>{figures_html(chart)}</figure>')


# ---------------------------------------------------------------------------------------------
# Data helpers


def locality_labels(localities: pd.DataFrame) -> pd.Series:
    """A display label per locality: its name, with the id added where two localities share a name."""
    names = localities["locality"].astype(str)
    repeated = names.duplicated(keep=False).to_numpy()
    labels = np.where(repeated, names + " (" + localities["locality_id"].astype(str) + ")", names)
    return pd.Series(labels, index=localities.index, name="label")


def _highlight(values: pd.Series, selected) -> np.ndarray:
    if selected is None:
        return np.full(len(values), EVERY, dtype=object)
    chosen = {selected} if isinstance(selected, str) or not isinstance(selected, Iterable) else set(selected)
    return np.where(values.isin(chosen), SELECTED, PEER).astype(object)


def _bold_selected(data: pd.DataFrame, category: str) -> dict:
    """The highlighted categories' axis labels in bold, so that colour is not the only way they stand out."""
    chosen = data.loc[data["_highlight"] == SELECTED, category].astype(str).unique().tolist()
    if not chosen or len(chosen) > 5:
        return {}
    test = " || ".join(f"datum.label === {_js_string(c)}" for c in chosen)
    return {"labelFontWeight": alt.ExprRef(expr=f"({test}) ? 'bold' : 'normal'")}


def _js_string(text: str) -> str:
    return json.dumps(text)


def _order(values: pd.Series, order: Sequence | None) -> list:
    seen = list(dict.fromkeys(values.tolist()))
    if order is None:
        return seen
    order = [v for v in order if v in set(seen)]
    return order + [v for v in seen if v not in set(order)]


def _limit(frame: pd.DataFrame, category: str, value: str, limit: int | None, keep) -> tuple[pd.DataFrame, str]:
    """At most `limit` categories: the largest by value, always keeping the highlighted ones."""
    cats = frame[category].drop_duplicates()
    if limit is None or len(cats) <= limit:
        return frame, ""
    totals = frame.groupby(category, sort=False)[value].sum().abs().sort_values(ascending=False)
    chosen = list(totals.index[:limit])
    if keep is not None:
        extra = [c for c in frame.loc[frame["_highlight"] == SELECTED, category].unique() if c not in chosen]
        chosen = chosen[: max(limit - len(extra), 0)] + extra
    else:
        extra = []
    note = f"largest {len(chosen) - len(extra):,} of {len(cats):,} shown"
    rank = {c: i + 1 for i, c in enumerate(totals.index)}
    if extra:  # the highlighted one from further down, with its place
        note += ", and " + ", ".join(f"{c} ({_ordinal(rank[c])} of {len(cats):,})" for c in extra if c in rank)
    return frame[frame[category].isin(chosen)], note


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th ... 11th, 12th, 13th ... 21st, with thousands separated."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _axis_format(values: pd.Series) -> str:
    """Thousands separated, trailing zeros trimmed; millions and more as 1.2M (d3-format)."""
    return "~s" if values.abs().max() >= 1e6 else ",~f"


def _title(title: str, subtitle: str | Sequence[str] | None = None) -> alt.TitleParams:
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    return alt.TitleParams(text=title, subtitle=[s for s in lines if s] or alt.Undefined, anchor="start",
                           fontSize=15, subtitleFontSize=12, subtitleColor="#425563")


CONFIG = alt.Config(
    view=alt.ViewConfig(stroke=None),
    axis=alt.AxisConfig(labelFontSize=11, titleFontSize=12, labelLimit=260, grid=True, gridColor="#E8EDEE"),
    axisQuantitative=alt.AxisConfig(labelOverlap=True),  # numbers may thin out; category labels never do
    legend=alt.LegendConfig(labelFontSize=11, titleFontSize=11, labelLimit=320, orient="bottom", columns=3),
    mark=alt.MarkConfig(aria=False),  # the chart's text alternative and figures table speak for its marks
)


def _finish(chart, title: str, subtitle=None, *, finding: str = "", figures=(), rows: pd.DataFrame | None = None,
            **size):
    """Title, size and the shared look, set in place (Altair's .properties() copies and validates each time).

    finding: the main finding in a sentence, which with the title is the chart's text alternative;
    figures: (field, label, kind) for the table of the chart's figures beside it (kind: text,
    number or percent).
    """
    chart.title = _title(title, subtitle)
    chart.description = f"{title}. {finding}".strip() if finding else title
    chart.usermeta = {"stpkit_figures": [list(f) for f in figures]}
    if rows is not None:  # a chart whose layers each carry their own data: the rows its table shows
        chart.usermeta["stpkit_rows"] = json.loads(rows.to_json(orient="records"))
    for key, value in size.items():
        setattr(chart, key, value)
    chart.config = CONFIG
    return chart


def _columns(frame: pd.DataFrame, *names) -> pd.DataFrame:
    """Only the columns a chart uses: the spec carries its data, so every column costs bytes."""
    keep = [n for n in dict.fromkeys(names) if n is not None]
    missing = [n for n in keep if n not in frame.columns]
    if missing:
        raise KeyError(f"no column {missing[0]!r} in the data to chart (columns: {', '.join(map(str, frame.columns))})")
    return frame[keep].copy()


# ---------------------------------------------------------------------------------------------
# Builders


def bars(frame: pd.DataFrame, category: str, value: str, *, title: str, value_title: str,
         category_title: str | None = None, series: str | None = None, series_title: str | None = None,
         stack: bool = False, highlight=None, highlight_field: str | None = None, horizontal: bool = True,
         order: Sequence | None = None, series_order: Sequence | None = None,
         series_colors: dict | None = None, facet: str | None = None, facet_title: str | None = None,
         independent: bool = False, percent: bool = False, value_format: str = ",.0f",
         reference: float | None = None, reference_label: str | None = None, subtitle=None,
         limit: int | None = MAX_CATEGORIES, sort_by_value: bool = False, width: int = WIDTH,
         tooltip: Sequence[str] = (), value_domain: tuple[float, float] | None = None) -> alt.Chart:
    """Bars of `value` for each `category`: the one bar chart every notebook uses.

    series: a field splitting each bar into coloured parts, side by side (default) or stacked
    (stack=True). highlight: the value(s) of `highlight_field` (default `category`) to draw in NHS
    blue against grey peers (None: no locality selected, all drawn alike); with a series the peers
    are faded instead. order / series_order: the order of categories and series (default: as in
    the frame; sort_by_value=True puts the largest first). facet: a field giving one panel per value
    (rows for horizontal bars, columns for vertical), with independent value scales if asked.
    percent: values are fractions shown as percentages; value_domain fixes the value axis (e.g. (0, 4)
    for a score). reference: a rule at this value (e.g. 1.0
    for "all of a tier's admissions"). limit: at most this many categories (largest kept, plus the
    highlighted one) so a footprint of a thousand localities still gives a readable chart.
    """
    if frame.empty:
        raise ValueError(f"no data to chart for {title!r}")
    field = highlight_field or category
    data = _columns(frame, category, value, series, field, facet, *tooltip)
    data["_highlight"] = _highlight(data[field], highlight)
    data, note = _limit(data, category, value, limit, highlight)
    if sort_by_value:
        totals = data.groupby(category, sort=False)[value].sum().sort_values(ascending=False)
        order = list(totals.index)
    cats = _order(data[category], order)
    fmt = ".0%" if percent else value_format
    axis_fmt = ".0%" if percent else _axis_format(data[value])
    value_enc = dict(field=value, type="quantitative", title=value_title,
                     axis=alt.Axis(format=axis_fmt, tickCount=6 if horizontal else alt.Undefined))
    if value_domain is not None:
        value_enc["scale"] = alt.Scale(domain=list(value_domain))
    if stack and series:
        value_enc["stack"] = "zero"
    else:
        value_enc["stack"] = None
    cat_enc = dict(field=category, type="nominal", title=category_title if category_title is not None else None,
                   sort=cats)
    if horizontal:
        enc = dict(y=alt.Y(**cat_enc, axis=alt.Axis(labelLimit=260, **_bold_selected(data, category))),
                   x=alt.X(**value_enc))
    else:
        enc = dict(x=alt.X(**cat_enc, axis=alt.Axis(labelAngle=0 if len(cats) <= 8 else -40, labelLimit=160)),
                   y=alt.Y(**value_enc))
    tips = [alt.Tooltip(category, type="nominal", title=category_title or category)]
    if series:
        series_values = _order(data[series], series_order)
        colors = [(series_colors or {}).get(s, PALETTE[i % len(PALETTE)]) for i, s in enumerate(series_values)]
        enc["color"] = alt.Color(series, type="nominal", title=series_title, sort=series_values,
                                 scale=alt.Scale(domain=series_values, range=colors),
                                 legend=None if series == category else alt.Undefined)
        if not stack and series != category:
            offset = alt.YOffset if horizontal else alt.XOffset
            enc["yOffset" if horizontal else "xOffset"] = offset(series, type="nominal", sort=series_values)
        if highlight is not None:
            enc["opacity"] = alt.Opacity("_highlight", type="nominal", legend=None,
                                         scale=alt.Scale(domain=[SELECTED, PEER], range=[1.0, 0.35]))
        tips.append(alt.Tooltip(series, type="nominal", title=series_title or series))
    elif highlight is not None:
        enc["color"] = alt.Color("_highlight", type="nominal", title=None,
                                 scale=alt.Scale(domain=[SELECTED, PEER], range=[NHS_BLUE, NHS_PALE_GREY]),
                                 legend=alt.Legend(orient="top", title=None))
    else:
        enc["color"] = alt.ColorValue(NHS_BLUE)  # the value class itself: no conversion
    tips.append(alt.Tooltip(value, type="quantitative", title=value_title, format=fmt))
    tips += [alt.Tooltip(t) for t in tooltip]
    enc["tooltip"] = tips
    split = bool(series) and not stack and series != category
    n_bars = len(cats) * (len(_order(data[series], series_order)) if split else 1)
    size = dict(height=max(BAR_STEP * n_bars, 60), width=width) if horizontal else \
        dict(width=max(min(width, 60 * len(cats) * (2 if split else 1)), 200), height=300)
    base = alt.Chart(data)
    layers = [base.mark_bar().encode(**enc)]
    if reference is not None:
        rule = pd.DataFrame({"_reference": [reference], "_label": [reference_label or ""]})
        axis = "x" if horizontal else "y"
        rule_chart = alt.Chart(rule).mark_rule(color=NHS_RED, strokeDash=[4, 3], strokeWidth=1.5).encode(
            **{axis: alt.X("_reference:Q") if horizontal else alt.Y("_reference:Q")})
        layers.append(rule_chart)
        if reference_label:
            layers.append(alt.Chart(rule).mark_text(align="left", dx=4, dy=-4, color=NHS_RED, baseline="bottom",
                                                   fontSize=11).encode(
                **({"x": alt.X("_reference:Q"), "y": alt.YValue(0)} if horizontal
                   else {"y": alt.Y("_reference:Q"), "x": alt.XValue(0)}), text="_label:N"))
    subtitle = [*([subtitle] if isinstance(subtitle, str) else list(subtitle or [])), note]
    label = data[category].astype(str)
    for part in (series, facet):
        if part and part != category:
            label = label + ", " + data[part].astype(str)
    finding = _extremes(data, label, value, percent)
    if highlight is not None and not series:
        chosen = data["_highlight"] == SELECTED
        if chosen.any() and chosen.sum() <= 3:
            finding = "; ".join(f"{label[i]}: {_value_text(data.loc[i, value], percent)}"
                                for i in data.index[chosen]) + " (highlighted). " + finding
    described = dict(finding=f"{finding} Figures are {value_title}.", figures=[
        (category, category_title, "text"),
        *([(series, series_title, "text")] if series and series != category else []),
        *([(facet, facet_title, "text")] if facet else []),
        (value, value_title, "percent" if percent else "number")])
    if facet:
        if len(layers) > 1:
            raise ValueError("a faceted bar chart cannot carry a reference line")
        chart = layers[0]
        for key, val in size.items():
            setattr(chart, key, val)
        panels = _order(data[facet], None)
        header = alt.Header(title=None, labelFontSize=12, labelFontWeight="bold", labelAnchor="start",
                            labelOrient="top" if horizontal else "top", labelLimit=400)
        if horizontal:
            chart = chart.facet(row=alt.Row(facet, type="nominal", sort=panels, header=header, title=facet_title),
                                spacing=12)
        else:
            chart = chart.facet(column=alt.Column(facet, type="nominal", sort=panels, header=header,
                                                  title=facet_title), spacing=16)
        if independent:
            chart = chart.resolve_scale(**({"x": "independent", "y": "independent"} if horizontal
                                           else {"y": "independent"}))
        return _finish(chart, title, subtitle, **described)
    chart = alt.layer(*layers, data=data) if len(layers) > 1 else layers[0]
    return _finish(chart, title, subtitle, **described, **size)


def lines(frame: pd.DataFrame, x: str, value: str, *, title: str, value_title: str, x_title: str = "Financial year",
          series: str | None = None, series_title: str | None = None, series_order: Sequence | None = None,
          series_colors: dict | None = None, band: tuple[str, str] | None = None, band_label: str = "P10 to P90",
          x_order: Sequence | None = None, zero: bool = True, dashed: Sequence[str] = (), percent: bool = False,
          value_format: str = ",.1f", subtitle=None, width: int = WIDTH, height: int = 280,
          facet: str | None = None, facet_columns: int = 3) -> alt.Chart:
    """Values over financial years (or quarters), one line per `series`, with points and tooltips.

    band: (low, high) fields drawn as a shaded band behind each line, e.g. P10 and P90 from
    `stpkit.uncertainty`. zero: draw a rule at 0 (cumulative net positions cross it at payback).
    dashed: series drawn with dashed lines (e.g. supply against demand). facet: one small panel per
    value of that field, `facet_columns` to a row, each with its own value scale.
    """
    if frame.empty:
        raise ValueError(f"no data to chart for {title!r}")
    data = _columns(frame, x, value, series, *(band or ()), facet)
    xs = _order(data[x], x_order)
    fmt = ".0%" if percent else value_format
    # labels such as "2015/16" lie flat only where each has room (a small panel of a facet has less)
    plot_width = max(width // facet_columns - 30, 150) if facet else width
    flat = len(xs) <= 8 and plot_width / max(len(xs), 1) >= 55
    x_enc = alt.X(x, type="ordinal", title=x_title, sort=xs, axis=alt.Axis(labelAngle=0 if flat else -40))
    y_enc = alt.Y(value, type="quantitative", title=value_title,
                  axis=alt.Axis(format=".0%" if percent else _axis_format(data[value])))
    enc = dict(x=x_enc, y=y_enc)
    tips = [alt.Tooltip(x, type="ordinal", title=x_title)]
    if series:
        names = _order(data[series], series_order)
        colors = [(series_colors or {}).get(s, PALETTE[i % len(PALETTE)]) for i, s in enumerate(names)]
        enc["color"] = alt.Color(series, type="nominal", title=series_title, sort=names,
                                 scale=alt.Scale(domain=names, range=colors),
                                 legend=alt.Legend(symbolStrokeWidth=2, symbolOpacity=1, symbolSize=90))
        if dashed:
            enc["strokeDash"] = alt.StrokeDash(series, type="nominal", sort=names, title=series_title,
                                               scale=alt.Scale(domain=names,
                                                               range=[[5, 3] if s in set(dashed) else [1, 0]
                                                                      for s in names]))
        tips.append(alt.Tooltip(series, type="nominal", title=series_title or series))
    else:
        enc["color"] = alt.ColorValue(NHS_BLUE)  # the value class itself: no conversion
    tips.append(alt.Tooltip(value, type="quantitative", title=value_title, format=fmt))
    base = alt.Chart()  # the layer carries the data
    layers = []
    if band:
        low, high = band
        band_enc = dict(x=x_enc, y=alt.Y(low, type="quantitative", title=value_title), y2=alt.Y2(high))
        if series:
            band_enc["color"] = enc["color"]
        band_enc["tooltip"] = [alt.Tooltip(x, type="ordinal", title=x_title),
                               alt.Tooltip(low, type="quantitative", title=f"{band_label}: low", format=fmt),
                               alt.Tooltip(high, type="quantitative", title=f"{band_label}: high", format=fmt)]
        layers.append(base.mark_area(opacity=0.2).encode(**band_enc))
    layers.append(base.mark_line(strokeWidth=2.5).encode(**enc))
    points = dict(enc)
    if series:  # each series' points have their own shape too: colour is not the only way to tell lines apart
        points["shape"] = alt.Shape(series, type="nominal", sort=names, title=series_title,
                                    scale=alt.Scale(domain=names, range=[SHAPES[i % len(SHAPES)]
                                                                         for i in range(len(names))]))
    layers.append(base.mark_point(filled=True, size=45).encode(**points, tooltip=tips))
    if zero and not facet:  # a rule with its own data cannot sit inside a facet
        layers.append(alt.Chart(pd.DataFrame({"_zero": [0.0]})).mark_rule(color=NHS_MID_GREY, strokeWidth=1)
                      .encode(y="_zero:Q"))
    if band:
        subtitle = [*([subtitle] if isinstance(subtitle, str) else list(subtitle or [])),
                    f"Shaded: {band_label}"]
    described = dict(finding=f"{_trend(data, x, value, xs, series or facet, percent)} Figures are {value_title}.", figures=[
        (x, x_title, "text"), *([(series, series_title or "Series", "text")] if series else []),
        *([(facet, "Panel", "text")] if facet else []), (value, value_title, "percent" if percent else "number"),
        *([(band[0], f"{band_label}: low", "percent" if percent else "number"),
           (band[1], f"{band_label}: high", "percent" if percent else "number")] if band else [])])
    if facet:
        panels = _order(data[facet], None)
        chart = alt.layer(*layers)  # the facet carries the data
        chart.width, chart.height = plot_width, 180
        chart = chart.facet(facet=alt.Facet(facet, type="nominal", sort=panels, title=None,
                                            header=alt.Header(labelFontSize=12, labelFontWeight="bold",
                                                              labelLimit=300)),
                            columns=facet_columns, data=data).resolve_scale(y="independent")
        return _finish(chart, title, subtitle, **described)
    return _finish(alt.layer(*layers, data=data), title, subtitle, width=width, height=height, **described)


def waterfall(frame: pd.DataFrame, *, title: str, value_title: str, subtitle=None, width: int = WIDTH) -> alt.Chart:
    """The walk from base-year activity to the horizon-year target (`stpkit.activity.waterfall`).

    Bars float from `start` to `end`: grey for the base and target totals, amber for momentum growth,
    green for each scheme's avoided activity; each labelled with its change.
    """
    if frame.empty:
        raise ValueError(f"no data to chart for {title!r}")
    data = _columns(frame, "step", "kind", "change", "start", "end", "order")
    data["low"] = data[["start", "end"]].min(axis=1)
    data["high"] = data[["start", "end"]].max(axis=1)
    kinds = {"base": "Base year", "growth": "Momentum growth", "scheme": "Avoided by a scheme",
             "los": "Shorter stays", "target": "Horizon target"}
    data["kind_label"] = data["kind"].map(kinds).fillna(data["kind"])
    data["label"] = np.where(data["kind"].isin(["base", "target"]), data["end"].map("{:,.0f}".format),
                             data["change"].map("{:+,.0f}".format))
    steps = data.sort_values("order")["step"].tolist()
    domain = [k for k in kinds.values() if k in set(data["kind_label"])]
    colors = {"Base year": NHS_MID_GREY, "Momentum growth": NHS_WARM_YELLOW, "Avoided by a scheme": NHS_GREEN,
              "Shorter stays": "#00A9CE", "Horizon target": NHS_BLUE}
    x = alt.X("step", type="nominal", sort=steps, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=180))
    # The steps are small beside the totals, so the value axis starts near the lowest running total
    # rather than at zero (the subtitle says so); the totals' bars are cut at the bottom of the axis.
    moving = data[~data["kind"].isin(["base", "target"])]
    ends = pd.concat([moving["low"], data.loc[data["kind"].isin(["base", "target"]), "high"]])
    floor = float(ends.min()) if len(ends) else 0.0
    span = float(data["high"].max()) - floor
    low_end = max(floor - max(span, abs(floor) * 0.02) * 0.6, 0.0)
    scale = alt.Scale(domain=[low_end, float(data["high"].max()) + span * 0.12], nice=False, zero=False)
    if low_end > 0:
        subtitle = [*([subtitle] if isinstance(subtitle, str) else list(subtitle or [])),
                    f"The axis starts at {low_end:,.0f}, not zero, so that each step can be seen"]
    base = alt.Chart()  # the layer carries the data
    bars_ = base.mark_bar(size=34, clip=True).encode(
        x=x, y=alt.Y("low", type="quantitative", title=value_title, scale=scale, axis=alt.Axis(format=",~f")),
        y2="high",
        color=alt.Color("kind_label", type="nominal", title=None, sort=domain,
                        scale=alt.Scale(domain=domain, range=[colors[d] for d in domain])),
        tooltip=[alt.Tooltip("step", title="Step"), alt.Tooltip("change", format="+,.0f", title="Change"),
                 alt.Tooltip("end", format=",.0f", title="Running total")])
    text = base.mark_text(dy=-6, fontSize=11, color="#231f20").encode(x=x, y=alt.Y("high", type="quantitative"),
                                                                       text="label")
    ordered = data.sort_values("order")
    moving_steps = ordered[~ordered["kind"].isin(["base", "target"])]
    finding = f"From {_value_text(ordered['start'].iloc[0] if ordered['kind'].iloc[0] != 'base' else ordered['end'].iloc[0])}"
    finding += f" to {_value_text(ordered['end'].iloc[-1])}"
    if len(moving_steps):
        biggest = moving_steps.loc[moving_steps["change"].abs().idxmax()]
        finding += f"; the largest step is {biggest['step']} ({biggest['change']:+,.0f})"
    described = dict(finding=finding + ".", figures=[("step", "Step", "text"), ("change", "Change", "number"),
                                                     ("end", "Running total", "number")])
    return _finish(alt.layer(bars_, text, data=data), title, subtitle, width=max(min(width, 80 * len(steps)), 320),
                   height=300, **described)


def heatmap(frame: pd.DataFrame, x: str, y: str, value: str, *, title: str, value_title: str,
            x_title: str | None = None, y_title: str | None = None, x_order: Sequence | None = None,
            y_order: Sequence | None = None, highlight=None, highlight_field: str | None = None,
            marker: str | None = None, marker_label: str = "Investment required", domain: Sequence | None = None,
            colors: Sequence[str] | None = None, subtitle=None, limit: int | None = 60,
            width: int = WIDTH) -> alt.Chart:
    """A grid of cells coloured by `value` (an ordered level such as 0-4), one row per `y`.

    highlight: the `highlight_field` (default `y`) value(s) drawn at full strength, the rest faded.
    marker: a true/false field marking cells with a triangle (e.g. the quarter investment is needed).
    limit: at most this many rows (the highlighted one is always kept).
    """
    if frame.empty:
        raise ValueError(f"no data to chart for {title!r}")
    field = highlight_field or y
    data = _columns(frame, x, y, value, field, marker)
    data["_highlight"] = _highlight(data[field], highlight)
    rows = _order(data[y], y_order)
    note = ""
    if limit is not None and len(rows) > limit:
        keep = rows[:limit]
        if highlight is not None:
            chosen = [r for r in data.loc[data["_highlight"] == SELECTED, y].unique() if r not in keep]
            keep = keep[: limit - len(chosen)] + chosen
        else:
            chosen = []
        data = data[data[y].isin(keep)]
        note = f"first {len(keep) - len(chosen):,} of {len(rows):,} shown"
        if chosen:
            note += ", and " + ", ".join(str(c) for c in chosen)
        rows = [r for r in rows if r in set(keep)]
    xs = _order(data[x], x_order)
    levels = list(domain) if domain is not None else sorted(data[value].dropna().unique().tolist())
    palette = list(colors) if colors is not None else ["#E8EDEE", "#C6DCF0", "#7FB2E0", "#2F80C8", NHS_DARK_BLUE]
    scale = alt.Scale(domain=levels, range=palette[: len(levels)] if len(levels) <= len(palette) else alt.Undefined)
    enc = dict(
        x=alt.X(x, type="ordinal", sort=xs, title=x_title, axis=alt.Axis(labelAngle=-50, labelLimit=120)),
        y=alt.Y(y, type="nominal", sort=rows, title=y_title, axis=alt.Axis(labelLimit=260)),
        color=alt.Color(value, type="ordinal", title=value_title, scale=scale, sort=levels,
                        legend=alt.Legend(columns=len(levels), direction="horizontal")),
        tooltip=[alt.Tooltip(y, type="nominal", title=y_title or y), alt.Tooltip(x, type="ordinal", title=x_title or x),
                 alt.Tooltip(value, type="ordinal", title=value_title)],
    )
    base = alt.Chart()  # the layer carries the data
    layers = [base.mark_rect(stroke="white", strokeWidth=1).encode(**enc)]
    if highlight is not None:  # outline the selected row: fading the others would change their colours
        chosen = data[data["_highlight"] == SELECTED]
        if len(chosen):
            layers.append(alt.Chart(chosen).mark_rect(fill=None, stroke="#231F20", strokeWidth=1.5).encode(
                x=alt.X(x, type="ordinal", sort=xs), y=alt.Y(y, type="nominal", sort=rows)))
    if marker:
        marks = data[data[marker].fillna(False).astype(bool)]
        if len(marks):
            layers.append(alt.Chart(marks.assign(_marker=marker_label)).mark_point(
                shape="triangle-up", filled=True, size=70, color=NHS_RED, opacity=1, stroke="white", strokeWidth=0.5).encode(
                x=alt.X(x, type="ordinal", sort=xs), y=alt.Y(y, type="nominal", sort=rows),
                shape=alt.Shape("_marker", type="nominal", title=None,
                                scale=alt.Scale(domain=[marker_label], range=["triangle-up"])),
                tooltip=[alt.Tooltip(y, type="nominal", title=y_title or y),
                         alt.Tooltip(x, type="ordinal", title=marker_label)]))
    subtitle = [*([subtitle] if isinstance(subtitle, str) else list(subtitle or [])), note]
    present = [v for v in levels if v in set(data[value].dropna())]
    finding = (f"{len(rows)} rows by {len(xs)} columns; {value_title} from {present[0]} to {present[-1]}."
               if present else "No values to show.")
    described = dict(finding=finding, figures=[(y, y_title or "Row", "text"), (x, x_title or "Column", "text"),
                                               (value, value_title, "text"),
                                               *([(marker, marker_label, "text")] if marker else [])])
    return _finish(alt.layer(*layers, data=data), title, subtitle, width=max(min(width, 26 * len(xs)), 240),
                   height=max(18 * len(rows), 40), **described)


def occupancy_curve(curve: pd.DataFrame, pools: pd.DataFrame, *, occupancy: float, title: str, subtitle=None,
                    pool_label: str = "A locality's level of care", width: int = WIDTH) -> alt.Chart:
    """The occupancy that a risk target allows, against the size of the pool of beds (`stpkit.beds.occupancy_curve`).

    A line over pool sizes (beds, log scale), the pools themselves as points (`pools`: beds_risk,
    occupancy_at_risk_beds, name) and a dashed rule at the fixed `occupancy` target: where the line runs
    below the rule, beds planned at that occupancy turn patients away more often than the risk target allows.
    """
    if curve.empty:
        raise ValueError(f"no data to chart for {title!r}")
    x = alt.X("beds_risk", type="quantitative", title="Beds in the pool (log scale)",
              scale=alt.Scale(type="log", nice=False), axis=alt.Axis(format=",~f"))
    y = alt.Y("occupancy_at_risk_beds", type="quantitative", title="Average occupancy",
              scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%"))
    line = alt.Chart(_columns(curve, "beds_risk", "occupancy_at_risk_beds").assign(what="Occupancy the risk target allows")
                     ).mark_line(strokeWidth=2.5, interpolate="step-after").encode(
        x=x, y=y, color=alt.Color("what", type="nominal", title=None,
                                  scale=alt.Scale(range=[NHS_BLUE])))
    layers = [line]
    points = pools[pools["beds_risk"] > 0]
    if len(points):
        layers.append(alt.Chart(_columns(points, "beds_risk", "occupancy_at_risk_beds", "name").assign(what=pool_label))
                      .mark_point(filled=True, size=55, color=NHS_DARK_BLUE, opacity=0.8).encode(
            x=x, y=y, shape=alt.Shape("what", type="nominal", title=None),
            tooltip=[alt.Tooltip("name", title="Pool"), alt.Tooltip("beds_risk", format=",", title="Beds"),
                     alt.Tooltip("occupancy_at_risk_beds", format=".1%", title="Occupancy")]))
    rule = pd.DataFrame({"occupancy": [float(occupancy)], "label": [f"Fixed target: {occupancy:.0%}"]})
    layers.append(alt.Chart(rule).mark_rule(color=NHS_RED, strokeDash=[6, 3], strokeWidth=2).encode(
        y=alt.Y("occupancy", type="quantitative"), strokeDash=alt.StrokeDash("label", type="nominal", title=None,
                                                                            scale=alt.Scale(range=[[6, 3]]))))
    ordered = curve.sort_values("beds_risk")
    first, last = ordered.iloc[0], ordered.iloc[-1]
    finding = (f"The occupancy the risk target allows rises from {first['occupancy_at_risk_beds']:.0%} in a pool of "
               f"{first['beds_risk']:,.0f} beds to {last['occupancy_at_risk_beds']:.0%} in one of "
               f"{last['beds_risk']:,.0f}, against a fixed target of {occupancy:.0%}.")
    return _finish(alt.layer(*layers).resolve_scale(color="independent", shape="independent",
                                                    strokeDash="independent"),
                   title, subtitle, width=width, height=300, finding=finding,
                   rows=_columns(points if len(points) else curve.assign(name=""), "name", "beds_risk",
                                 "occupancy_at_risk_beds"),
                   figures=[("name", "Pool", "text"), ("beds_risk", "Beds", "number"),
                            ("occupancy_at_risk_beds", "Occupancy the risk target allows", "percent")])



def attribution(frame: pd.DataFrame, value: str, *, title: str, value_title: str, subtitle=None,
                width: int = WIDTH) -> alt.Chart:
    """The difference between two scenarios, step by step (`stpkit.comparison.attribution`).

    One floating bar per changed assumption and for the interaction, from the running total before
    it to the one after (green where it raises the figure, red where it lowers it), and the total
    difference in NHS blue from zero; each labelled with its change.
    """
    if frame.empty:
        raise ValueError(f"no data to chart for {title!r}")
    data = _columns(frame, "step", "order", value)
    is_total = np.arange(len(data)) == len(data) - 1
    change = data[value].to_numpy(dtype=float)
    end = np.where(is_total, change, np.cumsum(np.where(is_total, 0.0, change)))
    start = np.where(is_total, 0.0, end - change)
    data = data.assign(low=np.minimum(start, end), high=np.maximum(start, end),
                       kind=np.where(is_total, "Total difference", np.where(change >= 0, "Raises it", "Lowers it")),
                       label=[f"{v:+,.1f}" for v in change])
    steps = data.sort_values("order")["step"].tolist()
    domain = [k for k in ("Raises it", "Lowers it", "Total difference") if k in set(data["kind"])]
    colors = {"Raises it": NHS_GREEN, "Lowers it": NHS_RED, "Total difference": NHS_BLUE}
    x = alt.X("step", type="nominal", sort=steps, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=220))
    base = alt.Chart()
    bars_ = base.mark_bar(size=30).encode(
        x=x, y=alt.Y("low", type="quantitative", title=value_title, axis=alt.Axis(format=",~f")), y2="high",
        color=alt.Color("kind", type="nominal", title=None, sort=domain,
                        scale=alt.Scale(domain=domain, range=[colors[d] for d in domain])),
        tooltip=[alt.Tooltip("step", title="Step"), alt.Tooltip(value, format="+,.2f", title="Change")])
    text = base.mark_text(dy=-6, fontSize=11, color="#231f20").encode(x=x, y=alt.Y("high", type="quantitative"),
                                                                       text="label")
    zero = base.mark_rule(color=NHS_MID_GREY).encode(y=alt.datum(0))
    total = float(change[-1])
    finding = (f"The change of {total:+,.1f} is {len(steps) - 2} step(s), one for each assumption changed, and the "
               "interaction of the changes; the steps add up to it")
    return _finish(alt.layer(bars_, text, zero, data=data), title, subtitle, finding=finding,
                   figures=[("step", "Step", "text"), (value, value_title, "number")],
                   width=max(min(width, 90 * len(steps)), 320), height=300)
