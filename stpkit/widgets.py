"""What-if pages for the notebooks: controls, and the headline figures, charts and tables that follow them.

Each of the four notebooks builds one page (`NeedsPage`, `LocalityPage`, `InvestmentPage`,
`WorkforcePage`) from its parameters and shows its parts where its narrative needs them:

    page = widgets.NeedsPage(pack, locality, rose_cut=0.10)
    page.show("controls")         # the what-if controls (or, in a report, the assumptions used)
    page.show("headline")         # the headline figures in words
    page.show_chart("pyramid")    # a chart
    page.show_table("pyramid")    # a table

A page computes everything from its controls' values with stpkit's model functions (no model
logic here: only choosing, labelling and arranging what the model returns). Moving a control
recomputes the page once and updates every part already shown, in place: charts get a new
spec, tables and headline figures new HTML, nothing on the page is re-created. The model for a
whole footprint takes milliseconds, so an update takes well under a second.

How a page is drawn depends on `stpkit.charts.mode()` (set by `charts.setup()`):

- interactive (JupyterLab, Voila): controls are ipywidgets; charts are offline Vega widgets
  (`altair.JupyterChart`); headline figures and tables are HTML widgets. Each HTML widget's output
  also carries its HTML as a plain fallback, so a notebook saved from JupyterLab without widget
  state still exports readable tables.
- static (papermill and other headless runs): no widget is created at all (a widget would put
  widget state and a CDN widget loader into exported HTML); charts are inline SVG, tables and
  figures plain HTML, and "controls" lists the assumptions used. An executed notebook thus holds
  the figures for its parameters with no widget state needed.

For tests and scripts a page works without a notebook: `page.set(rose_cut=0.2)` moves controls,
`page.figures`, `page.chart(name)` and `page.table(name)` read the current results.

Small counts: tables and headline counts go through `stpkit.report.disclosure` (counts from 1 to 7
shown as "*" when STPKIT_DISCLOSURE is on, as `stpkit reports` sets it for published reports).
The headline output carries the figures as output metadata {"stpkit": {...}} for report indexes.
"""

from __future__ import annotations

import html
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from . import activity, charts, investment, needs, workforce
from . import figures as figures_style
from . import locality as places
from .pack import DEFAULT_PACK, Pack, find_locality, load_pack
from .report import disclosure
from . import sources
from .schema import POD_LABELS
from .years import format_fy

log = logging.getLogger(__name__)

ALL = "all"
UNITS = {"ae": "A&E attendances a year", "elective_ip": "Elective admissions a year", "day_case": "Day cases a year",
         "non_elective": "Emergency admissions a year", "outpatient": "Outpatient appointments a year"}
FOOTPRINT_LABEL = "Footprint (all localities)"
HEATMAP_ROWS = 60
LEVEL_COLOURS = ["#E8EDEE", "#C6DCF0", "#7FB2E0", "#2F80C8", charts.NHS_DARK_BLUE]  # Level 0 to 4
MAX_TABLE_ROWS = 60
ILLUSTRATIVE = "illustrative"


# ---------------------------------------------------------------------------------------------
# Packs and localities


_PACKS: dict[tuple, Pack] = {}


def _signature(folder: Path) -> tuple:
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir() if p.is_file()))
    except OSError:
        return ()


def open_pack(pack: Pack | str | Path | None = None) -> Pack:
    """A loaded pack: a Pack as it is, else the folder loaded (None: the embedded default pack).

    Loaded packs are kept while their files are unchanged, so a what-if page or a run of reports
    loads each pack once. Model functions never change a pack's tables, so sharing them is safe.
    """
    if isinstance(pack, Pack):
        return pack
    folder = Path(DEFAULT_PACK if pack is None or str(pack).strip() == "" else pack).expanduser().resolve()
    key = (str(folder), _signature(folder))
    if key not in _PACKS:
        if len(_PACKS) > 16:
            _PACKS.clear()
        _PACKS[key] = load_pack(folder)
    return _PACKS[key]


def check_locality(pack: Pack, locality: str | None) -> str:
    """"all" for the footprint, else the locality_id asked for (an id, or a name that is unique).

    Raises LookupError naming the pack's localities when there is no such locality (`stpkit.pack.find_locality`).
    """
    return find_locality(pack, locality)


def locality_options(pack: Pack) -> list[tuple[str, str]]:
    """(label, value) pairs for a locality picker: the footprint first, then each locality with its group."""
    loc = pack.localities
    labels = loc["locality"].astype(str) + " (" + loc["locality_id"].astype(str) + ", " + loc["group"].astype(str) + ")"
    return [(FOOTPRINT_LABEL, ALL)] + list(zip(labels, loc["locality_id"].astype(str)))


# ---------------------------------------------------------------------------------------------
# Formatting


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
        head = "".join(f"<th style='text-align:{'left' if k == 'text' else 'right'}'>{html.escape(c)}</th>"
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
        return (f"{_STYLE}<table class='stpkit-table'>{caption}<thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table>{extra}{rule_html}")


@dataclass
class Note:
    """What shows instead of a chart or table that cannot be drawn, saying why (e.g. which file would enable it)."""

    text: str

    def html(self) -> str:
        return (f"{_STYLE}<div class='stpkit-missing'><strong>Not shown:</strong> "
                f"{html.escape(self.text)}</div>")


_STYLE = """<style>
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


# ---------------------------------------------------------------------------------------------
# Controls


@dataclass
class Control:
    """One what-if control: a number slider (kind "float" or "int") or a choice ("choice")."""

    name: str
    label: str
    value: Any
    kind: str = "float"
    min: float = 0.0
    max: float = 1.0
    step: float = 0.01
    fmt: str = ".2f"  # d3/Python format of the readout, e.g. ".1%"
    options: list = field(default_factory=list)  # (label, value) pairs for a choice
    group: str = "Assumptions"
    help: str = ""

    def text(self, value) -> str:
        if self.kind == "choice":
            return next((label for label, v in self.options if v == value), str(value))
        try:
            return format(value, self.fmt.replace("~", ""))
        except (TypeError, ValueError):
            return str(value)


class _Value:
    """A control's value when no widget is made (static mode): it has `.value` like a widget."""

    def __init__(self, value):
        self.value = value


def label_width(labels) -> int:
    """Pixels a control's description needs so that no label is cut off (13px text: about 7.5px a character)."""
    longest = max((len(str(label)) for label in labels), default=0)
    return int(min(460, max(200, 7.5 * longest + 16)))


def _widget(control: Control, width: int = 280):
    import ipywidgets as w

    style = {"description_width": f"{width}px"}
    layout = w.Layout(width=f"{width + 340}px")
    if control.kind == "choice":  # a choice's options (locality names) need more room than a slider
        longest = max((len(str(label)) for label, _ in control.options), default=0)
        room = int(min(560, max(320, 7.5 * longest + 40)))
        return w.Dropdown(options=control.options, value=control.value, description=control.label, style=style,
                          layout=w.Layout(width=f"{width + room}px"))
    cls = w.IntSlider if control.kind == "int" else w.FloatSlider
    # a pack's own value outside the usual range widens the slider rather than being cut to fit
    low, high = min(control.min, control.value), max(control.max, control.value)
    return cls(value=control.value, min=low, max=high, step=control.step, description=control.label,
               readout_format=control.fmt, continuous_update=False, style=style, layout=layout,
               tooltip=control.help or None)


# ---------------------------------------------------------------------------------------------
# Results and views


@dataclass
class Result:
    """Everything a page shows for one set of control values."""

    title: str
    subtitle: str
    cards: list[Card]
    figures: dict[str, Any]
    charts: dict[str, Any]  # name -> altair chart or Note
    tables: dict[str, Any]  # name -> Table or Note
    seconds: float = 0.0


def _title_html(result: Result, warning: str = "") -> str:
    warn = f"<div class='stpkit-missing'>{html.escape(warning)}</div>" if warning else ""
    return (f"{_STYLE}<div class='stpkit-title'><h2>{html.escape(result.title)}</h2>"
            f"<p>{html.escape(result.subtitle)}</p></div>{warn}")


def _display(obj, metadata: dict | None = None, raw: bool = False):
    from IPython.display import display

    if raw:
        display(obj, raw=True, metadata=metadata or {})
    else:
        display(obj, metadata=metadata or {})


class _View:
    """One part of a page on screen that follows the controls (interactive mode only)."""

    def __init__(self, widget, render: Callable[[Result], Any], kind: str):
        self.widget, self.render, self.kind = widget, render, kind

    def refresh(self, result: Result) -> None:
        content = self.render(result)
        if self.kind == "html":
            if self.widget.value != content:
                self.widget.value = content
            return
        # a chart: a Vega widget updated in place, or an HTML widget holding SVG or a note
        child = self.widget.children[0] if self.widget.children else None
        if isinstance(content, Note):
            if child is None or not _is_html_widget(child):
                self.widget.children = (_html_widget(content.html()),)
            else:
                child.value = content.html()
        elif charts.vega_widgets():
            from altair import JupyterChart

            if isinstance(child, JupyterChart):
                # the new spec straight to the widget: Altair would validate it again on `.chart =`,
                # which costs more than building it (the builders' output is validated by the tests)
                child.spec = content.to_dict(validate=False)
            else:
                self.widget.children = (_vega_widget(content),)
        else:
            svg = charts.html(content)
            if child is None or not _is_html_widget(child):
                self.widget.children = (_html_widget(svg),)
            else:
                child.value = svg


def _is_html_widget(widget) -> bool:
    import ipywidgets as w

    return isinstance(widget, w.HTML)


def _html_widget(value: str):
    import ipywidgets as w

    return w.HTML(value=value)


def _vega_widget(chart):
    from altair import JupyterChart

    return JupyterChart(chart, embed_options={"actions": False, "renderer": "svg"})


class Page:
    """A notebook's what-if page: controls, the results computed from them, and the parts shown.

    Subclasses set `notebook` and `heading`, and define `_controls` (the Control list, after the
    locality picker) and `compute` (values -> Result).
    """

    notebook = ""
    heading = ""
    inputs: tuple = ()  # (file, column) pairs the page's figures rest on, for its "where it comes from" section

    def __init__(self, pack: Pack | str | Path | None = None, locality: str | None = ALL, mode: str | None = None,
                 **assumptions):
        self.pack = open_pack(pack)
        self.mode = mode or charts.mode()
        self.warning = ""
        picker = Control("locality", "Locality", check_locality(self.pack, locality), kind="choice",
                         options=locality_options(self.pack), group="Place")
        self.specs: dict[str, Control] = {c.name: c for c in [picker, *self._controls(**assumptions)]}
        self.initial = {name: spec.value for name, spec in self.specs.items()}
        interactive = self.mode == charts.INTERACTIVE
        self.label_width = label_width(spec.label for spec in self.specs.values())
        self.controls = {name: (_widget(spec, self.label_width) if interactive else _Value(spec.value))
                         for name, spec in self.specs.items()}
        self._noted: str | None = None  # the table that carries the disclosure note (the first with counts)
        self._views: list[_View] = []
        self._fixed: dict = {}
        self._holding = False
        self._status = None
        self.updates = 0
        self.result = self._compute()
        if interactive:
            for widget in self.controls.values():
                widget.observe(self._changed, names="value")

    # -- what subclasses provide ----------------------------------------------------------------

    def _controls(self, **assumptions) -> list[Control]:
        return []

    def compute(self, values: dict) -> Result:
        raise NotImplementedError

    def once(self, name, make: Callable[[], Any]):
        """A table that depends on the pack only (or on the key `name` holds), made on first use and kept."""
        if len(self._fixed) > 64:  # keyed results of many what-ifs: start again rather than grow
            self._fixed = {k: v for k, v in self._fixed.items() if isinstance(k, str)}
        if name not in self._fixed:
            self._fixed[name] = make()
        return self._fixed[name]

    def timeline(self) -> pd.DataFrame:
        """Transformation level by locality and quarter (phasing.csv), with display labels."""
        return self.once("timeline", lambda: _labelled(places.timeline(self.pack.phasing, self.pack.localities),
                                                       self.pack.localities))

    def timeline_chart(self, loc: str, title: str, subtitle: str):
        """Transformation level by locality and quarter, the selected locality outlined.

        A footprint of more localities than a chart can show (60) gets the number of localities at
        each level in each quarter instead, and a locality in one gets its own group (CCG).
        """
        line = self.timeline()
        many = line["locality_id"].nunique() > HEATMAP_ROWS
        if many and loc == ALL:
            counts = places.level_counts(line).melt(id_vars="quarter", var_name="level", value_name="localities")
            counts["level"] = counts["level"].str.replace("level_", "Level ", regex=False)
            return charts.bars(counts, "quarter", "localities", series="level", stack=True, horizontal=False,
                               title=title, value_title="Localities", category_title=None,
                               series_colors=dict(zip([f"Level {k}" for k in range(5)], LEVEL_COLOURS)),
                               subtitle=f"How many of the {line['locality_id'].nunique():,} localities hold each "
                                        "level in each quarter (Level 0: not started)")
        if many:
            group = self.pack.localities.loc[self.pack.localities["locality_id"] == loc, "group"].iloc[0]
            line = line[line["group"] == group]
            subtitle = f"{subtitle}; the localities of {group}"
        return charts.heatmap(line, "quarter", "label", "level", title=title, value_title="Level",
                              highlight=_highlight(loc), highlight_field="locality_id", marker="investment",
                              domain=[0, 1, 2, 3, 4], colors=LEVEL_COLOURS, subtitle=subtitle, limit=HEATMAP_ROWS)

    # -- values and updates ---------------------------------------------------------------------

    def values(self) -> dict:
        """The current value of every control, by name."""
        return {name: widget.value for name, widget in self.controls.items()}

    @property
    def locality(self) -> str:
        return self.controls["locality"].value

    @property
    def figures(self) -> dict:
        """The headline figures as numbers (for tests, report indexes and scripts)."""
        return self.result.figures

    def chart(self, name: str):
        """The chart shown under `name` now (an Altair chart, or a Note saying why there is none)."""
        return self.result.charts[name]

    def table(self, name: str):
        """The table shown under `name` now (a Table, or a Note)."""
        return self.result.tables[name]

    def set(self, **values) -> "Page":
        """Move controls (by name) and recompute once, as a person moving them would."""
        unknown = [k for k in values if k not in self.controls]
        if unknown:
            raise KeyError(f"no control {unknown[0]!r}; controls are {', '.join(self.controls)}")
        self._holding = True
        try:
            for name, value in values.items():
                if name == "locality":
                    value = check_locality(self.pack, value)
                self.controls[name].value = value
        finally:
            self._holding = False
        self.update()
        return self

    def reset(self) -> None:
        """Put every control back to the value the page started with."""
        self.set(**{k: v for k, v in self.initial.items()})

    def _changed(self, change=None) -> None:
        if not self._holding:
            self.update()

    def _compute(self) -> Result:
        start = time.perf_counter()
        values = self.values()
        result = self.compute(values)
        mine = _place(self.pack, values["locality"])["whose"]
        for card in result.cards:
            card.whose = card.whose or mine
        result.seconds = time.perf_counter() - start
        return result

    def update(self) -> None:
        """Recompute from the controls and refresh every part shown, in place."""
        try:
            self.result = self._compute()
        except Exception as error:  # keep the page: say what failed where the person is looking
            log.exception("what-if update failed")
            if self._status is not None:
                self._status.value = Note(f"the figures could not be worked out for these settings ({error}).").html()
            raise
        self.updates += 1
        if self._status is not None:
            self._status.value = ""
        for view in self._views:
            view.refresh(self.result)

    # -- showing --------------------------------------------------------------------------------

    def show(self, part: str) -> None:
        """Show "title", "controls", "headline" or "sources" here (in place of the code cell)."""
        if part == "controls":
            return self._show_controls()
        if part == "sources":
            return _display_html(self.sources_html())
        if part == "title":
            return self._show_html(lambda r: _title_html(r, self.warning))
        if part == "headline":
            meta = {"stpkit": {"notebook": self.notebook, "locality": self.locality,
                               "figures": _plain(self.result.figures)}}
            return self._show_html(lambda r: cards_html(r.cards), metadata=meta)
        raise KeyError(f'no part "{part}": use "title", "controls", "headline" or "sources", or show_chart / show_table')

    def sources_html(self) -> str:
        """Where the page's inputs come from, in a reader's words, from the pack's own sources."""
        listed = sources.listing(self.pack, self.inputs)
        if not len(listed):
            return ""
        return Table(listed, {"input": ("Input", "text"), "source": ("Where it comes from", "text"),
                              "illustrative": ("", "text")}).html(note=False)

    def show_chart(self, name: str) -> None:
        """Show the chart `name` (or the note saying why it cannot be drawn)."""
        if name not in self.result.charts:
            raise KeyError(f'no chart "{name}"; charts are {", ".join(self.result.charts)}')
        if self.mode != charts.INTERACTIVE:
            content = self.result.charts[name]
            return _display_html(content.html() if isinstance(content, Note) else charts.html(content))
        import ipywidgets as w

        box = w.VBox([])
        view = _View(box, lambda r: r.charts[name], "chart")
        view.refresh(self.result)
        self._views.append(view)
        _display(box)

    def show_table(self, name: str) -> None:
        """Show the table `name` (or the note saying why there is none)."""
        if name not in self.result.tables:
            raise KeyError(f'no table "{name}"; tables are {", ".join(self.result.tables)}')
        table = self.result.tables[name]
        if self._noted is None and isinstance(table, Table) and table.has_counts():
            self._noted = name  # the disclosure rule is said once, under the first table with counts
        self._show_html(lambda r: r.tables[name].html(note=name == self._noted) if isinstance(r.tables[name], Table)
                        else r.tables[name].html())

    def _show_html(self, render: Callable[[Result], str], metadata: dict | None = None) -> None:
        content = render(self.result)
        if self.mode != charts.INTERACTIVE:
            return _display_html(content, metadata)
        widget = _html_widget(content)
        self._views.append(_View(widget, render, "html"))
        bundle = widget._repr_mimebundle_()
        bundle["text/html"] = content  # shown where no widget can be (an export without widget state)
        _display(bundle, metadata=metadata, raw=True)

    def _show_controls(self) -> None:
        if self.mode != charts.INTERACTIVE:
            left = "style='text-align:left'"
            rows = "".join(f"<tr><td {left}>{html.escape(s.label)}</td><td {left}><strong>"
                           f"{html.escape(s.text(self.controls[n].value))}</strong></td>"
                           f"<td {left}>{html.escape(s.help)}</td></tr>" for n, s in self.specs.items())
            return _display_html(f"{_STYLE}<table class='stpkit-assumptions'><thead><tr><th {left}>Assumption</th>"
                                 f"<th {left}>Value used</th><th {left}>Where it comes from</th></tr></thead>"
                                 f"<tbody>{rows}</tbody></table>")
        import ipywidgets as w

        groups: dict[str, list] = {}
        for name, spec in self.specs.items():
            groups.setdefault(spec.group, []).append(self.controls[name])
        reset = w.Button(description="Reset to the plan", icon="undo", layout=w.Layout(width="200px"))
        reset.on_click(lambda _: self.reset())
        self._status = w.HTML(value="")
        place = w.VBox(groups.pop("Place", []))
        sections = list(groups.items())
        if len(sections) > 1:
            panel = w.Accordion(children=[w.VBox(items) for _, items in sections])
            for i, (title, _) in enumerate(sections):
                panel.set_title(i, title)
            panel.selected_index = 0
        else:
            panel = w.VBox([item for _, items in sections for item in items])
        _display(w.VBox([place, panel, w.HBox([reset]), self._status]))


def _display_html(content: str, metadata: dict | None = None) -> None:
    from IPython.display import HTML

    _display(HTML(content), metadata=metadata)


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


# ---------------------------------------------------------------------------------------------
# Shared pieces


def _place(pack: Pack, loc: str) -> dict:
    """Names for the scope shown: the footprint or one locality."""
    span = f"{format_fy(pack.base_year)} to {format_fy(pack.horizon_year)}"
    footprint = footprint_name(pack)
    if loc == ALL:
        return {"name": pack.name, "short": "the footprint", "group": None, "span": span, "whose": footprint,
                "footprint": footprint, "where": f"{pack.name}: all {len(pack.localities):,} localities"}
    row = pack.localities.loc[pack.localities["locality_id"] == loc].iloc[0]
    return {"name": str(row["locality"]), "short": str(row["locality"]), "group": str(row["group"]), "span": span,
            "whose": str(row["locality"]), "footprint": footprint,
            "where": f"{row['locality']} ({loc}), {row['group']}, in {pack.name}"}


def footprint_name(pack: Pack) -> str:
    """How the footprint is named where a figure is its own: "Mid and South Essex footprint"."""
    return figures_style.footprint_name(pack.name)


def population_share(pack: Pack, loc: str) -> float:
    """A locality's share of the footprint's registered population (1 for the footprint)."""
    if loc == ALL:
        return 1.0
    people = pack.localities.set_index("locality_id")["population"].astype(float)
    return float(people.get(loc, 0.0) / people.sum()) if people.sum() else float("nan")


def _scope(frame: pd.DataFrame, loc: str) -> pd.DataFrame:
    return frame if loc == ALL else frame[frame["locality_id"] == loc]


def _labelled(frame: pd.DataFrame, localities: pd.DataFrame) -> pd.DataFrame:
    """Adds `label` (unique display names) to a frame with locality_id."""
    labels = pd.Series(charts.locality_labels(localities).to_numpy(), index=localities["locality_id"].to_numpy())
    return frame.assign(label=frame["locality_id"].map(labels).to_numpy())


def _highlight(loc: str):
    return None if loc == ALL else loc


FILE_WORDS = {"phasing.csv": "the localities' phasing", "investments.csv": "the planned investment",
              "workforce.csv": "the staff in post (workforce supply)", "enablers.csv": "enabler scores",
              "schemes.csv": "schemes", "targets.csv": "activity targets", "roles.csv": "new roles"}


def _missing_file(name: str, what: str) -> Note:
    """A note for a section whose input the pack does not give (in words: no file names on a page)."""
    return Note(f"the pack does not give {FILE_WORDS.get(name, 'this input')}, which {what}; "
                "with it this section fills in.")


def _fy(years) -> list[str]:
    return [format_fy(y) for y in years]


# ---------------------------------------------------------------------------------------------
# Needs analysis


SHORT_POD = {"ae": "A&E", "elective_ip": "Elective inpatients", "day_case": "Day cases",
             "non_elective": "Emergency admissions", "outpatient": "Outpatients"}
SEGMENT_WORDS = {"High risk": "High-risk segment (5%)", "Rising risk": "Rising-risk segment (24%)",
                 "Mostly healthy": "Mostly healthy segment (71%)"}


def _setting_source(pack: Pack, setting: str, what: str) -> str:
    """A control's "where it comes from": what it is, and the pack's source for the setting (or stpkit's default)."""
    return f"{what}; " + sources.line(pack, "pack.toml", setting,
                                      default="the pack's setting, or stpkit's default where it sets none")


class NeedsPage(Page):
    """Needs analysis: risk pyramid, Geoffrey Rose calculator, segments and care coordination."""

    notebook = "needs_analysis"
    heading = "Needs analysis"
    inputs = (("localities.csv", "population"), ("activity.csv", "activity"), ("risk_segments.csv", "share"),
              ("risk_segments.csv", "relative_rate"), ("pack.toml", "care_coordination.eligible_share"),
              ("pack.toml", "care_coordination.caseload_per_coordinator"),
              ("pack.toml", "care_coordination.net_saving_per_patient_gbp"))

    def _controls(self, rose_cut: float = 0.10, eligible_share: float | None = None,
                  caseload_per_coordinator: float | None = None,
                  net_saving_per_patient_gbp: float | None = None) -> list[Control]:
        cc = self.pack.settings["care_coordination"]
        return [
            Control("rose_cut", "Cut in all emergency admissions", float(rose_cut), min=0.01, max=0.30, step=0.01,
                    fmt=".0%", group="Rose calculator", help="a what-if: the cut to test for the whole population"),
            Control("eligible_share", "People eligible for care coordination",
                    float(cc["eligible_share"] if eligible_share is None else eligible_share), min=0.002, max=0.05,
                    step=0.001, fmt=".1%", group="Care coordination",
                    help=_setting_source(self.pack, "care_coordination.eligible_share", "share of the population")),
            Control("caseload_per_coordinator", "Patients a coordinator manages a year",
                    float(cc["caseload_per_coordinator"] if caseload_per_coordinator is None
                          else caseload_per_coordinator), min=50, max=400, step=10, fmt=",.0f",
                    group="Care coordination",
                    help=_setting_source(self.pack, "care_coordination.caseload_per_coordinator",
                                         "caseload of a full-time coordinator")),
            Control("net_saving_per_patient_gbp", "Net saving a patient a year (£)",
                    float(cc["net_saving_per_patient_gbp"] if net_saving_per_patient_gbp is None
                          else net_saving_per_patient_gbp), min=0, max=3000, step=50, fmt=",.0f",
                    group="Care coordination",
                    help=_setting_source(self.pack, "care_coordination.net_saving_per_patient_gbp",
                                         "after the service's cost")),
        ]

    def _pyramid(self) -> pd.DataFrame:
        """The risk pyramid of every locality, with emergency admissions by tier where activity.csv has them."""
        nel = self.pack.activity[self.pack.activity["pod"] == "non_elective"]
        admissions = nel.groupby("locality_id")["activity"].sum() if len(nel) else None
        return needs.risk_pyramid(self.pack.localities, self.pack.risk_segments, admissions=admissions)

    def compute(self, v: dict) -> Result:
        pack, loc = self.pack, v["locality"]
        place = _place(pack, loc)
        localities = pack.localities
        pyramid = self.once("pyramid", self._pyramid)
        scope_pyramid = needs.footprint_pyramid(_scope(pyramid, loc))
        rose = needs.rose_calculator(pack.risk_segments, v["rose_cut"])
        segments = self.once("segments", lambda: needs.segmentation(localities))
        coordination = needs.care_coordination(
            localities, eligible_share=v["eligible_share"], caseload_per_coordinator=v["caseload_per_coordinator"],
            net_saving_per_patient_gbp=v["net_saving_per_patient_gbp"])
        scope_coord = needs.footprint_coordination(_scope(coordination, loc))
        pyramid_source = (sources.line(pack, "risk_segments.csv", "share", default="the pack's risk pyramid")
                          if pack.has("risk_segments.csv") else "stpkit's standard four-tier pyramid")
        pyramid_illustrative = sources.illustrative(pack, [("risk_segments.csv", "share"),
                                                           ("risk_segments.csv", "relative_rate")])

        top = scope_pyramid.sort_values("relative_rate", ascending=False).iloc[0]
        top_rose = rose.sort_values("relative_rate", ascending=False).iloc[0]
        possible = rose[rose["possible_cumulative"]].sort_values("relative_rate", ascending=False)
        enough = possible.iloc[0]["segment"] if len(possible) else None
        coord = scope_coord.iloc[0]
        population = float(scope_pyramid["population"].iloc[0]) if len(scope_pyramid) else 0.0
        has_admissions = "admissions" in scope_pyramid and scope_pyramid["admissions"].notna().any()
        emergency = float(scope_pyramid["admissions"].sum()) if has_admissions else float("nan")

        cards = [
            Card("People", count(population), place["where"]),
            Card(f"{top['segment']}", f"{count(top['people'])} people",
                 f"{pct(top['share'])} of people, {pct(top['admissions_share'])} of emergency admissions "
                 f"({top['relative_rate']:.1f}x the average rate; {pyramid_source})",
                 illustrative=pyramid_illustrative),
            Card(f"Cutting emergency admissions by {pct(v['rose_cut'], 0)} from the top tier alone",
                 f"{pct(top_rose['required_share'], 0)} of its admissions",
                 ("That is more admissions than the top tier has: impossible from that tier alone. "
                  if not top_rose["possible"] else "") + (
                     f"Targeting every tier down to {enough} would need "
                     f"{pct(possible.iloc[0]['required_share_cumulative'], 0)} of their admissions."
                     if enough else ""), illustrative=pyramid_illustrative),
            Card("Care coordinators needed", fte(coord["coordinators_fte"]),
                 f"for {count(coord['eligible_people'])} eligible people at {v['caseload_per_coordinator']:,.0f} "
                 f"a coordinator; net saving {gbp(coord['net_saving_gbp'])} a year",
                 illustrative=sources.illustrative(pack, [("pack.toml", "care_coordination.eligible_share"),
                                                          ("pack.toml", "care_coordination.caseload_per_coordinator"),
                                                          ("pack.toml", "care_coordination.net_saving_per_patient_gbp")])),
        ]
        if has_admissions:
            cards.insert(1, Card("Emergency admissions a year", count(emergency),
                                 f"non-elective admissions in {format_fy(pack.base_year)}"))
        figures = {
            "population": population, "emergency_admissions": emergency,
            "top_tier": str(top["segment"]), "top_tier_people": float(top["people"]),
            "top_tier_admissions_share": float(top["admissions_share"]),
            "rose_cut": float(v["rose_cut"]), "rose_required_top_tier": float(top_rose["required_share"]),
            "eligible_people": float(coord["eligible_people"]), "coordinators_fte": float(coord["coordinators_fte"]),
            "net_saving_gbp": float(coord["net_saving_gbp"]),
        }

        # charts
        long = scope_pyramid.melt(id_vars=["segment"], value_vars=["share", "admissions_share"], var_name="measure",
                                  value_name="value")
        long["measure"] = long["measure"].map({"share": "Share of people",
                                               "admissions_share": "Share of emergency admissions"})
        chart_pyramid = charts.bars(
            long, "segment", "value", series="measure", percent=True, title=f"Risk pyramid: {place['name']}",
            value_title="Share (%)", subtitle=f"Few people at high risk account for many admissions ({pyramid_source})",
            series_colors={"Share of people": charts.NHS_PALE_GREY, "Share of emergency admissions": charts.NHS_BLUE})
        rose_chart_data = rose.assign(
            outcome=np.where(rose["possible"], "Possible", "Impossible: more than all the tier's admissions"))
        chart_rose = charts.bars(
            rose_chart_data, "segment", "required_share", series="outcome", stack=True, percent=True,
            title=f"Cutting all emergency admissions by {pct(v['rose_cut'], 0)} from one tier alone",
            value_title="Share of the tier's own admissions to avoid (%)",
            series_colors={"Possible": charts.NHS_GREEN,
                           "Impossible: more than all the tier's admissions": charts.NHS_RED},
            reference=1.0, reference_label="all of the tier's admissions",
            subtitle="Geoffrey Rose: most admissions come from the many at lower risk")
        segments = segments.assign(segment=segments["segment"].map(lambda s: SEGMENT_WORDS.get(s, s)))
        seg = _labelled(segments, localities)
        chart_segments = charts.bars(
            seg, "label", "people", series="segment", stack=True, highlight=_highlight(loc),
            highlight_field="locality_id", title="People by risk segment in each locality",
            value_title="People", category_title=None, sort_by_value=True,
            subtitle="Illustrative: a standard 5% / 24% / 71% split, the same shares in every locality "
                     "(separate from the risk pyramid's tiers)",
            series_colors={SEGMENT_WORDS["High risk"]: charts.NHS_RED,
                           SEGMENT_WORDS["Rising risk"]: charts.NHS_WARM_YELLOW,
                           SEGMENT_WORDS["Mostly healthy"]: charts.NHS_PALE_GREY})
        coord_chart = charts.bars(
            _labelled(coordination, localities), "label", "coordinators_fte", highlight=_highlight(loc),
            highlight_field="locality_id", title="Care coordinators needed in each locality",
            value_title="Care coordinators (FTE)", sort_by_value=True, value_format=",.1f",
            subtitle=f"{pct(v['eligible_share'])} of people eligible, {v['caseload_per_coordinator']:,.0f} "
                     f"patients a coordinator")

        # tables
        table_pyramid = Table(scope_pyramid, {
            "segment": ("Risk tier", "text"), "share": ("Share of people", "pct"), "people": ("People", "count"),
            "relative_rate": ("Emergency admission rate against average", "rate"),
            "admissions_share": ("Share of emergency admissions", "pct"),
            **({"admissions": ("Emergency admissions a year", "count")} if has_admissions else {}),
        }, caption=f"Risk pyramid, {place['name']}")
        table_rose = Table(rose, {
            "segment": ("Risk tier", "text"), "admissions_share": ("Share of emergency admissions", "pct"),
            "required_share": ("Share of the tier's admissions to avoid", "pct"),
            "required_share_cumulative": ("... targeting this tier and every tier above it", "pct"),
            "note": ("What it means", "text"),
        }, caption=f"Cutting all emergency admissions by {pct(v['rose_cut'], 0)}")
        seg_scope = _scope(segments, loc).groupby("segment", sort=False)[
            ["people", "complex_care_people", "usual_care_people"]].sum().reset_index()
        seg_all = segments.groupby("segment", sort=False)["people"].sum()
        seg_scope["footprint_people"] = seg_scope["segment"].map(seg_all).to_numpy()
        seg_scope["share"] = seg_scope["people"] / seg_scope["people"].sum()
        seg_cols = {"segment": ("Segment", "text"), "people": ("People", "count"), "share": ("Share", "pct"),
                    "complex_care_people": ("In complex care cohorts", "count"),
                    "usual_care_people": ("Usual care", "count")}
        if loc != ALL:
            seg_cols["footprint_people"] = ("People in the footprint", "count")
        table_segments = Table(seg_scope, seg_cols,
                               caption=f"Segments, {place['name']} ({ILLUSTRATIVE}: the same split everywhere)")
        coord_rows = coordination if loc == ALL else pd.concat(
            [coordination[coordination["group"] == place["group"]],
             needs.footprint_coordination(coordination).assign(group="")], ignore_index=True)
        table_coord = Table(coord_rows, {
            "locality": ("Locality", "text"), "group": ("Group", "text"), "population": ("Population", "count"),
            "eligible_people": ("Eligible people", "count"), "coordinators_fte": ("Coordinators (FTE)", "fte"),
            "net_saving_gbp": ("Net saving a year", "gbp"),
        }, caption="Care coordination" + (f": {place['name']} among its group's localities" if loc != ALL else ""),
            highlight=place["name"] if loc != ALL else None)
        return Result(
            title=f"{self.heading}: {place['name']}",
            subtitle=place["where"] + f"; plan {place['span']}",
            cards=cards, figures=figures,
            charts={"pyramid": chart_pyramid, "rose": chart_rose, "segments": chart_segments,
                    "coordination": coord_chart},
            tables={"pyramid": table_pyramid, "rose": table_rose, "segments": table_segments,
                    "coordination": table_coord})


# ---------------------------------------------------------------------------------------------
# Locality deep dive


def _scheme_key(i: int) -> str:
    return f"scheme_{i}"


def _growth_key(pod: str) -> str:
    return f"growth_{pod}"


class LocalityPage(Page):
    """Locality deep dive: context, enabler maturity, activity and its walk from base to target, timeline."""

    notebook = "locality_deep_dive"
    heading = "Locality deep dive"
    inputs = (("localities.csv", "population"), ("localities.csv", "imd_score"), ("localities.csv", "median_age"),
              ("localities.csv", "rural"), ("localities.csv", "patients_per_gp"), ("activity.csv", "activity"),
              ("pods.csv", "growth"), ("activity.csv", "growth"), ("schemes.csv", "reduction"),
              ("targets.csv", "target"), ("pods.csv", "unit_cost"), ("activity.csv", "unit_cost"),
              ("enablers.csv", "gp_collaboration"), ("phasing.csv", "quarter"))

    def _controls(self, growth: dict | None = None, scheme_reductions: dict | None = None,
                  waterfall_pod: str = "non_elective") -> list[Control]:
        pack = self.pack
        present = [p for p in POD_LABELS if p in set(pack.activity["pod"])]
        pod = waterfall_pod if waterfall_pod in present else present[0]
        growth = growth or {}
        unknown = [p for p in growth if p not in POD_LABELS]
        if unknown:
            raise KeyError(f"growth is given for {unknown[0]!r}, which is not a point of delivery "
                           f"({', '.join(POD_LABELS)})")
        pods = pack.pods.set_index("pod")
        self._pod_growth = {p: float(pods.loc[p, "growth"]) for p in present if p in pods.index}
        controls = [Control("waterfall_pod", "Point of delivery for the walk", pod, kind="choice",
                            options=[(POD_LABELS[p], p) for p in present], group="Place")]
        for p in present:
            value = float(growth.get(p, self._pod_growth.get(p, 0.0)))
            controls.append(Control(_growth_key(p), f"{SHORT_POD[p]}: growth a year", value, min=-0.05, max=0.10,
                                    step=0.001, fmt=".1%", group="Momentum growth a year",
                                    help=f"{self._pod_growth.get(p, float('nan')):.1%} a year for the footprint; "
                                         "a move changes each locality's own rate by the same points (the table "
                                         "shows the rate the figures use). "
                                         + sources.line(pack, "pods.csv", "growth", key=p, default="the pack")))
        given = scheme_reductions or {}
        unknown = [name for name in given if name not in set(pack.schemes["scheme"])]
        if unknown:
            raise KeyError(f"scheme_reductions names {unknown[0]!r}, which is not in schemes.csv "
                           f"({', '.join(dict.fromkeys(pack.schemes['scheme'])) or 'no schemes'})")
        for i, row in enumerate(pack.schemes.itertuples()):
            if row.pod not in present:
                continue  # a scheme on a point of delivery with no activity in the pack changes nothing here
            override = given.get(row.scheme)
            if isinstance(override, dict):
                override = override.get(row.pod)
            value = float(row.reduction if override is None else override)
            controls.append(Control(_scheme_key(i), f"{row.scheme}: {SHORT_POD[row.pod]}", value, min=0.0,
                                    max=0.5, step=0.0025, fmt=".1%", group="Scheme reductions",
                                    help=f"{row.reduction:.1%} of momentum activity avoided; where a target "
                                         "fixes a locality's activity, its avoided activity moves in proportion. "
                                         + sources.line(pack, "schemes.csv", "reduction", key=row.scheme,
                                                        default="the pack")))
        delivery = float((pack.settings.get("delivery") or {}).get("factor") or 1.0)
        controls.append(Control("delivery", "Share of the planned avoided activity delivered", delivery, min=0.0,
                                max=1.5, step=0.05, fmt=".0%", group="Scheme reductions",
                                help="Evidence reviews found many community schemes did not cut emergency admissions. "
                                     + sources.line(pack, "pack.toml", "delivery.factor", default="the pack")))
        return controls

    def _costs_illustrative(self, cells: pd.DataFrame, loc: str) -> bool:
        """Whether the savings rest on an illustrative unit cost: of the points of delivery with activity avoided."""
        pack = self.pack
        avoided = cells[cells["avoided"].abs() > 0]
        own = set(pack.activity.loc[pack.activity["unit_cost"].notna(), "pod"]) if "unit_cost" in pack.activity else set()
        for pod in avoided["pod"].unique():
            where = ("activity.csv" if pod in own else "pods.csv", "unit_cost", pod)
            if sources.illustrative(pack, [where], locality=loc):
                return True
        return False

    def _milestones(self) -> pd.DataFrame:
        """One row per locality: the quarters it reaches each level and needs investment, in words."""
        grid = places.timeline_grid(places.timeline(self.pack.phasing, self.pack.localities))
        keys = [c for c in ("locality_id", "locality", "group") if c in grid.columns]
        cells = grid.melt(id_vars=keys, var_name="quarter", value_name="cell")
        cells = cells[cells["cell"].fillna("") != ""]
        joined = (cells["quarter"] + ": " + cells["cell"]).groupby(cells["locality_id"], sort=False).agg("; ".join)
        out = self.pack.localities[["locality_id", "locality", "group"]].copy()
        out["milestones"] = out["locality_id"].map(joined).fillna("none").to_numpy()
        return out

    def compute(self, v: dict) -> Result:
        pack, loc = self.pack, v["locality"]
        place = _place(pack, loc)
        localities = pack.localities
        schemes = pack.schemes.copy()
        if len(schemes):
            schemes["reduction"] = [float(v.get(_scheme_key(i), r)) for i, r in enumerate(schemes["reduction"])]
        moved = {p: v[_growth_key(p)] - g for p, g in self._pod_growth.items() if abs(v[_growth_key(p)] - g) > 1e-12}
        projection = activity.project(pack, growth_change=pd.Series(moved, dtype=float) if moved else None,
                                      reductions=activity.pod_reductions(schemes), delivery=float(v.get("delivery", 1.0)))
        cells = _scope(projection, loc)
        pods = activity.by_pod(cells)
        savings = float(cells["gross_savings_gbp"].sum())
        pod = v["waterfall_pod"]
        walk = activity.waterfall(projection, schemes, pod, pack.base_year, pack.horizon_year, loc)
        kinds = self.once("archetype", lambda: places.archetype(localities))
        scores = self.once("maturity", lambda: places.maturity(
            localities, pack.enablers if pack.has("enablers.csv") else None))
        peers = self.once("peers", lambda: places.peers(scores))

        # headline
        horizon = format_fy(pack.horizon_year)
        if loc == ALL:
            counts = kinds["archetype"].value_counts()
            context = ", ".join(f"{n} {k.lower()}" for k, n in counts.items())
            card_place = Card("Localities", f"{len(localities):,}", f"{context}; {count(localities['population'].sum())} "
                                                                   "people")
        else:
            k = kinds[kinds["locality_id"] == loc].iloc[0]
            row = localities[localities["locality_id"] == loc].iloc[0]
            card_place = Card("Archetype", str(k["archetype"]),
                              f"{k['archetype_reason']}; {count(row['population'])} people",
                              illustrative=sources.illustrative(pack, [("localities.csv", "imd_score"),
                                                                       ("localities.csv", "rural")], locality=loc))
        nel = pods.set_index("pod")
        cards = [card_place,
                 Card(f"Gross savings in {horizon}", gbp(savings),
                      "activity avoided x unit cost, a year, against momentum growth; before investment and "
                      "stranded costs", illustrative=self._costs_illustrative(cells, loc))]
        if "non_elective" in nel.index:
            r = nel.loc["non_elective"]
            change = pct(r["change_from_base"], change=True, count=r["target"] - r["base"], noun="admissions")
            figure, _, small = change.partition(", ")  # "-31 admissions, less than 0.1%": the count is the figure
            cards.append(Card("Emergency admissions", f"{figure} on {format_fy(pack.base_year)}",
                              (f"{small}; " if small else "")
                              + f"{count(r['base'])} a year growing to {count(r['momentum'])} with no change; "
                              f"target {count(r['target'])}"))
        mine = peers if loc == ALL else peers[peers["locality_id"] == loc]
        mean_score = float(mine["score"].mean()) if mine["score"].notna().any() else float("nan")
        if not math.isnan(mean_score):
            group_mean = float(mine["group_mean"].mean()) if loc != ALL else float("nan")
            detail = (f"mean over scored enablers, 1 (less) to 4 (more advanced); its group: {group_mean:.1f}"
                      if loc != ALL else "mean over localities and scored enablers, 1 (less) to 4 (more advanced)")
            cards.append(Card("Enabler maturity", f"{mean_score:.1f} of 4", detail,
                              illustrative=sources.illustrative(pack, [("localities.csv", "patients_per_gp")],
                                                                locality=loc)))
        figures = {"localities": int(len(_scope(localities, loc))), "gross_savings_gbp": savings,
                   "base": float(cells["base"].sum()), "momentum": float(cells["momentum"].sum()),
                   "target": float(cells["target"].sum()), "mean_enabler_score": mean_score,
                   "archetype": None if loc == ALL else str(kinds.loc[kinds["locality_id"] == loc, "archetype"].iloc[0])}

        # charts
        long = pods.melt(id_vars=["label"], value_vars=["base", "momentum", "target"], var_name="measure",
                         value_name="activity")
        long["measure"] = long["measure"].map({"base": f"{format_fy(pack.base_year)} base",
                                               "momentum": f"{horizon} momentum (no change)",
                                               "target": f"{horizon} target"})
        long = disclosure.mask(long, ["activity"])
        chart_activity = charts.bars(
            long, "measure", "activity", series="measure", facet="label", independent=True,
            title=f"Activity a year by point of delivery: {place['name']}", value_title="Activity a year",
            series_colors={m: c for m, c in zip(long["measure"].unique(),
                                                [charts.NHS_MID_GREY, charts.NHS_WARM_YELLOW, charts.NHS_BLUE])},
            subtitle="Momentum: growth continues at the pack's rates; target: after the schemes, or the pack's targets")
        chart_walk = charts.waterfall(walk, title=f"{POD_LABELS[pod]}: from base to target",
                                      subtitle=f"{place['name']}, {format_fy(pack.base_year)} to {horizon}",
                                      value_title=UNITS.get(pod, "Activity a year"))
        by_loc = projection.groupby("locality_id", sort=False)["gross_savings_gbp"].sum().reset_index()
        by_loc = _labelled(by_loc, localities).assign(savings_m=lambda f: f["gross_savings_gbp"] / 1e6)
        if projection["avoided"].abs().sum() > 0:
            chart_savings = charts.bars(
                by_loc, "label", "savings_m", highlight=_highlight(loc), highlight_field="locality_id",
                title=f"Gross savings in {horizon} by locality", value_title="Gross savings (£m a year)",
                sort_by_value=True, value_format=",.2f")
        else:
            chart_savings = Note("no activity is avoided, so there are no savings: the pack sets no schemes (the "
                                 "share of activity each avoids) and no horizon-year targets.")
        if mine["score"].notna().any():
            if loc == ALL:
                enabler = peers.groupby(["label", "group"], sort=False)["score"].mean().reset_index()
                enabler = pd.concat([enabler, peers.groupby("label", sort=False)["score"].mean().reset_index()
                                     .assign(group="Footprint")], ignore_index=True).rename(columns={"group": "who"})
            else:
                enabler = pd.concat([
                    mine[["label", "score"]].assign(who=place["name"]),
                    mine[["label", "group_mean"]].rename(columns={"group_mean": "score"}).assign(
                        who=f"{place['group']} (group mean)"),
                    mine[["label", "footprint_mean"]].rename(columns={"footprint_mean": "score"}).assign(
                        who="Footprint mean")], ignore_index=True)
            enabler = enabler.dropna(subset=["score"])
            chart_enablers = charts.bars(
                enabler, "label", "score", series="who",
                title=("Enabler maturity by group (CCG) and for the footprint" if loc == ALL
                       else f"Enabler maturity: {place['name']} against its peers"),
                value_title="Maturity score (1 less advanced, 4 more advanced)", value_format=".1f",
                value_domain=(0, 4),
                series_colors={place["name"]: charts.NHS_BLUE} if loc != ALL else None,
                subtitle="Scored against the locality model's criteria; workforce capacity from patients per GP"
                         + (f" ({ILLUSTRATIVE})" if sources.illustrative(pack, [("localities.csv", "patients_per_gp")])
                            else "")
                         + ("" if pack.has("enablers.csv") else "; the pack scores no other enabler"))
        else:
            chart_enablers = Note("no enabler is scored for this locality: the pack gives no enabler scores and no "
                                  "patients per GP for the workforce capacity score.")
        if pack.has("phasing.csv") and len(pack.phasing):
            chart_timeline = self.timeline_chart(loc, "Transformation level by quarter",
                                                 "Level 0 before Level 1; triangles: the quarter investment is "
                                                 "required")
        else:
            chart_timeline = _missing_file("phasing.csv", "gives the quarter each locality reaches each "
                                                          "transformation level")

        # tables
        table_pods = Table(pods.assign(growth=lambda f: (1 + f["growth_total"]) ** (1 / max(pack.years, 1)) - 1), {
            "label": ("Point of delivery", "text"), "base": (f"{format_fy(pack.base_year)} base", "count"),
            "growth": ("Growth a year", "pct"), "momentum": (f"{horizon} momentum", "count"),
            "target": (f"{horizon} target", "count"), "change_from_base": ("Target against base", "pct"),
            "avoided": ("Avoided a year", "count"), "gross_savings_gbp": ("Gross savings a year", "gbp"),
        }, caption=f"Activity and savings, {place['name']}")
        ctx = localities.merge(kinds[["locality_id", "archetype", "archetype_reason"]], on="locality_id")
        ctx = ctx.merge(scores[["locality_id", "mean_score"]], on="locality_id")
        ctx_rows = ctx if loc == ALL else ctx[ctx["group"] == place["group"]]
        def marked(label: str, *columns: str) -> str:  # a column resting on an illustrative input says so
            flag = sources.illustrative(pack, [("localities.csv", c) for c in columns])
            return f"{label} ({ILLUSTRATIVE})" if flag else label

        table_context = Table(ctx_rows, {
            "locality": ("Locality", "text"), "group": ("Group", "text"), "population": ("Population", "count"),
            "imd_score": (marked("IMD 2015 score", "imd_score"), "score"),
            "median_age": (marked("Median age", "median_age"), "score"),
            "patients_per_gp": (marked("Patients per GP", "patients_per_gp"), "number"),
            "archetype": (marked("Archetype", "imd_score", "rural"), "text"),
            "archetype_reason": ("Why", "text"), "mean_score": (marked("Mean enabler score", "patients_per_gp"), "score"),
        }, caption="Context" + (f": {place['name']} among its group's localities" if loc != ALL else ""),
            highlight=place["name"] if loc != ALL else None)
        if loc == ALL:
            ena = peers.groupby(["enabler", "label"], sort=False)["score"].agg(["mean", "count"]).reset_index()
            table_enablers = Table(ena, {"label": ("Enabler", "text"), "mean": ("Footprint mean score", "score"),
                                         "count": ("Localities scored", "number")}, caption="Enabler maturity")
        else:
            ena = mine.assign(meaning=[places.SCORING_CRITERIA.get(e, {}).get(int(s)) if pd.notna(s) else "not scored"
                                       for e, s in zip(mine["enabler"], mine["score"])])
            table_enablers = Table(ena, {"label": ("Enabler", "text"), "score": (place["name"], "score"),
                                         "group_mean": ("Group mean", "score"),
                                         "footprint_mean": ("Footprint mean", "score"),
                                         "meaning": ("What its score means", "text")},
                                   caption="Enabler maturity against peers")
        if pack.has("phasing.csv") and len(pack.phasing):
            steps = self.once("milestones", self._milestones)
            table_timeline = Table(_scope(steps, loc), {"locality": ("Locality", "text"), "group": ("Group", "text"),
                                                        "milestones": ("Milestones (▲ investment required)", "text")},
                                   caption="Transformation timeline")
        else:
            table_timeline = _missing_file("phasing.csv", "gives the quarter each locality reaches each level")
        return Result(
            title=f"{self.heading}: {place['name']}", subtitle=place["where"] + f"; plan {place['span']}",
            cards=cards, figures=figures,
            charts={"activity": chart_activity, "waterfall": chart_walk, "savings": chart_savings,
                    "enablers": chart_enablers, "timeline": chart_timeline},
            tables={"activity": table_pods, "context": table_context, "enablers": table_enablers,
                    "timeline": table_timeline})


# ---------------------------------------------------------------------------------------------
# Investment phasing


class InvestmentPage(Page):
    """Investment phasing: investment by year, savings ramp, cash flow, NPV, payback, options and waves."""

    notebook = "investment_phasing"
    heading = "Investment phasing"
    inputs = (("investments.csv", "amount"), ("activity.csv", "unit_cost"), ("pods.csv", "unit_cost"),
              ("schemes.csv", "reduction"), ("targets.csv", "target"), ("pack.toml", "investment.investment_share"),
              ("pack.toml", "investment.savings_elasticity"), ("pack.toml", "investment.savings_lag_years"),
              ("pack.toml", "investment.savings_ramp"), ("pack.toml", "finance.discount_rate"),
              ("phasing.csv", "quarter"))

    def _controls(self, investment_share: float | None = None, discount_rate: float | None = None,
                  savings_elasticity: float | None = None, savings_lag_years: int | None = None,
                  savings_ramp: str | None = None) -> list[Control]:
        self._projection = activity.project(self.pack)
        base = investment.inputs(self.pack, self._projection)
        self._inputs = base
        ramp = (savings_ramp or base.ramp).lower()
        if ramp not in investment.RAMPS:
            raise ValueError(f'savings_ramp must be one of {", ".join(investment.RAMPS)}, not "{ramp}"')
        return [
            Control("investment_share", "Share of the planned investment made",
                    float(base.investment_share if investment_share is None else investment_share), min=0.0, max=1.0,
                    step=0.05, fmt=".0%",
                    help=_setting_source(self.pack, "investment.investment_share", "the plan is 100%")),
            Control("savings_elasticity", "How strongly savings follow investment",
                    float(base.elasticity if savings_elasticity is None else savings_elasticity), min=0.5, max=3.0,
                    step=0.1, fmt=".1f",
                    help=_setting_source(self.pack, "investment.savings_elasticity",
                                         "at 1.5, a quarter of the investment releases an eighth of the savings")),
            Control("discount_rate", "Discount rate a year",
                    float(base.discount_rate if discount_rate is None else discount_rate), min=0.0, max=0.10,
                    step=0.005, fmt=".1%",
                    help=_setting_source(self.pack, "finance.discount_rate", "HM Treasury Green Book rate 3.5%")),
            Control("savings_lag_years", "Years savings trail the investment",
                    int(base.lag_years if savings_lag_years is None else savings_lag_years), kind="int", min=0,
                    max=3, step=1, fmt="d",
                    help=_setting_source(self.pack, "investment.savings_lag_years", "schemes pay for themselves "
                                                                                    "within about a year")),
            Control("savings_ramp", "How savings phase in", ramp, kind="choice",
                    options=[("In step with the investment", "investment"), ("In equal steps", "linear")],
                    help=_setting_source(self.pack, "investment.savings_ramp", "either way full savings "
                                                                               "arrive in the horizon year")),
            Control("delivery", "Share of the planned avoided activity delivered",
                    float((self.pack.settings.get("delivery") or {}).get("factor") or 1.0), min=0.0, max=1.5,
                    step=0.05, fmt=".0%",
                    help=_setting_source(self.pack, "delivery.factor", "many community schemes did not cut "
                                                                       "emergency admissions")),
        ]

    def _savings_illustrative(self) -> bool:
        """Whether the footprint's savings rest on an illustrative unit cost (of activity the plan avoids)."""
        return self.once("savings_illustrative", lambda: LocalityPage._costs_illustrative(self, self._projection, ALL))

    def compute(self, v: dict) -> Result:
        pack, loc = self.pack, v["locality"]
        place = _place(pack, loc)
        localities = pack.localities
        delivery = float(v.get("delivery", 1.0))
        planned = float((pack.settings.get("delivery") or {}).get("factor") or 1.0)
        base = self._inputs if abs(delivery - planned) < 1e-12 else self.once(("inputs", delivery), lambda: (
            investment.with_assumptions(self._inputs, savings_by_pod=activity.project(pack, delivery=delivery)
                                        .groupby("pod")["gross_savings_gbp"].sum())))
        data = investment.with_assumptions(
            base, investment_share=float(v["investment_share"]), elasticity=float(v["savings_elasticity"]),
            discount_rate=float(v["discount_rate"]), lag_years=int(v["savings_lag_years"]), ramp=v["savings_ramp"])
        has_investment = pack.has("investments.csv") and len(pack.investments) > 0
        flows = investment.cash_flow(data)
        plan = investment.appraise(data)
        options = investment.scenarios(data, [investment.pack_scenario(data), *investment.SEED_000_OPTIONS])
        horizon = format_fy(pack.horizon_year)
        savings_by_loc = self.once("savings_by_locality", lambda: self._projection.groupby(
            "locality_id", sort=False)["gross_savings_gbp"].sum())
        total_savings = float(savings_by_loc.sum())
        share = float(savings_by_loc.get(loc, 0.0)) / total_savings if loc != ALL and total_savings else float("nan")

        cards = [
            Card("Investment made", gbp(plan["investment_gbp"]),
                 f"{pct(v['investment_share'], 0)} of the plan's pump priming and capital"
                 + ("" if has_investment else " (the pack gives no planned investment)"), whose=place["footprint"]),
            Card(f"Gross savings in {horizon}", gbp(plan["horizon_savings_gbp"]),
                 f"activity avoided times its cost; {pct(plan['savings_released'], 0)} released at "
                 f"{pct(v['investment_share'], 0)} of the investment, {pct(delivery, 0)} of the planned activity "
                 "avoided delivered", whose=place["footprint"], illustrative=self._savings_illustrative()),
            Card(f"Cash released in {horizon}", gbp(plan["horizon_net_savings_gbp"]),
                 "net savings: gross less acute stranded cost, reinvestment in the services that replace the "
                 "activity and the new roles' running costs (table below)", whose=place["footprint"],
                 illustrative=self._savings_illustrative()),
            Card("Net present value", gbp(plan["npv_gbp"]),
                 f"of cash released less investment, {plan['first_year']} (year 0) to {plan['last_year']} at "
                 f"{pct(v['discount_rate'])} a year", whose=place["footprint"],
                 illustrative=self._savings_illustrative()
                 or sources.illustrative(pack, [("pack.toml", "finance.discount_rate")])),
            Card("Payback", str(plan["payback_year"]) if plan["investment_gbp"] > 0 else "no investment",
                 "first year from which the cumulative net position stays at or above zero"
                 if plan["investment_gbp"] > 0 else "nothing is invested, so there is nothing to pay back",
                 whose=place["footprint"]),
        ]
        if loc != ALL:
            cards.append(Card(f"{place['name']}'s share of the savings", pct(share),
                              f"{gbp(savings_by_loc.get(loc, 0.0))} a year by {horizon}; investment is planned for the "
                              "footprint as a whole", whose=place["name"]))
        figures = {"investment_gbp": float(plan["investment_gbp"]), "npv_gbp": float(plan["npv_gbp"]),
                   "payback_year": plan["payback_year"], "horizon_savings_gbp": float(plan["horizon_savings_gbp"]),
                   "horizon_net_savings_gbp": float(plan["horizon_net_savings_gbp"]),
                   "net_savings_gbp": float(plan["net_savings_gbp"]),
                   "savings_gbp": float(plan["savings_gbp"]), "savings_released": float(plan["savings_released"]),
                   "locality_savings_share": share}

        # charts
        if has_investment:
            made = pack.investments.assign(amount=pack.investments["amount"] * float(v["investment_share"]))
            table = investment.by_year(made, data.years)
            rows = table[~table["is_total"]].melt(id_vars=["kind", "category"],
                                                  value_vars=[c for c in table.columns if "/" in c],
                                                  var_name="year", value_name="amount")
            rows = rows.assign(gbp_m=rows["amount"] / 1e6, kind=rows["kind"].map(investment.KIND_LABELS))
            chart_investment = charts.bars(
                rows, "year", "gbp_m", series="category", stack=True, horizontal=False, facet="kind",
                title=f"Investment by year and category: {place['footprint']}", value_title="Investment (£m)",
                category_title="Financial year", value_format=",.2f",
                subtitle=f"{pct(v['investment_share'], 0)} of the planned investment; "
                         + sources.line(pack, "investments.csv", "amount", default="the pack's plan"))
            table_investment = Table(table, {"kind": ("Kind", "text"), "category": ("Category", "text"),
                                             **{c: (f"{c} (GBP m)", "gbp_m") for c in table.columns if "/" in c},
                                             "total_gbp": ("Total (GBP m)", "gbp_m")},
                                     caption=f"Investment made by year ({pct(v['investment_share'], 0)} of the plan)")
        else:
            chart_investment = table_investment = _missing_file(
                "investments.csv", "lists the planned pump priming and capital by category and year")
        flow = flows.melt(id_vars=["year"], value_vars=["investment_gbp", "gross_savings_gbp", "net_savings_gbp",
                                                        "net_gbp"], var_name="series", value_name="gbp")
        names = {"investment_gbp": "Investment (out)", "gross_savings_gbp": "Gross savings",
                 "net_savings_gbp": "Cash released (net savings)", "net_gbp": "Net of investment"}
        flow = flow.assign(series=flow["series"].map(names), gbp_m=flow["gbp"] / 1e6)
        chart_flow = charts.lines(
            flow, "year", "gbp_m", series="series", title=f"Savings ramp against investment: {place['footprint']}",
            value_title="£m in the year", dashed=["Gross savings", "Net of investment"],
            series_colors={"Investment (out)": charts.NHS_RED, "Gross savings": charts.NHS_MID_GREY,
                           "Cash released (net savings)": charts.NHS_GREEN, "Net of investment": charts.NHS_DARK_BLUE},
            subtitle=f"Savings {'in step with the investment' if v['savings_ramp'] == 'investment' else 'in equal steps'}, "
                     f"{int(v['savings_lag_years'])} year(s) behind")
        cumulative = flows.assign(gbp_m=flows["cumulative_net_gbp"] / 1e6, series="Cumulative net position")
        chart_cumulative = charts.lines(
            cumulative, "year", "gbp_m", title=f"Cumulative net position: {place['footprint']}",
            value_title="£m, cumulative",
            subtitle=f"Payback: {plan['payback_year']}; NPV {gbp(plan['npv_gbp'])} at {pct(v['discount_rate'])}")
        opt = options.melt(id_vars=["scenario"], value_vars=["investment_gbp", "net_savings_gbp", "npv_gbp"],
                           var_name="measure", value_name="gbp")
        opt = opt.assign(gbp_m=opt["gbp"] / 1e6, measure=opt["measure"].map(
            {"investment_gbp": "Investment", "net_savings_gbp": "Net savings over the plan", "npv_gbp": "NPV"}))
        chart_options = charts.bars(
            opt, "scenario", "gbp_m", series="measure", title="The options side by side",
            value_title="£m over the plan", value_format=",.1f",
            series_colors={"Investment": charts.NHS_RED, "Net savings over the plan": charts.NHS_GREEN,
                           "NPV": charts.NHS_BLUE},
            subtitle=f"{place['footprint']}: the plan as set above, and three standard options")
        if pack.has("phasing.csv") and len(pack.phasing):
            chart_waves = self.timeline_chart(loc, "Locality waves: transformation level by quarter",
                                              "Triangles: the quarter each locality needs its investment")
        else:
            chart_waves = _missing_file("phasing.csv", "gives the quarter each locality reaches each level and "
                                                       "needs investment")
        by_loc = _labelled(savings_by_loc.rename("gross_savings_gbp").reset_index(), localities)
        chart_share = charts.bars(
            by_loc.assign(savings_m=by_loc["gross_savings_gbp"] / 1e6), "label", "savings_m",
            highlight=_highlight(loc), highlight_field="locality_id", sort_by_value=True, value_format=",.2f",
            title=f"Where the savings come from: gross savings in {horizon} by locality",
            value_title="Gross savings (£m a year)")
        table_flow = Table(flows, {
            "year": ("Year", "text"), "revenue_gbp": ("Pump priming (GBP m)", "gbp_m"),
            "capital_gbp": ("Capital (GBP m)", "gbp_m"), "savings_realised_share": ("Savings realised", "pct"),
            "gross_savings_gbp": ("Gross savings (GBP m)", "gbp_m"),
            "stranded_cost_gbp": ("Stranded cost (GBP m)", "gbp_m"),
            "reinvestment_gbp": ("Reinvested (GBP m)", "gbp_m"),
            "running_cost_gbp": ("Running costs beyond (GBP m)", "gbp_m"),
            "net_savings_gbp": ("Cash released (GBP m)", "gbp_m"), "net_gbp": ("Net of investment (GBP m)", "gbp_m"),
            "cumulative_net_gbp": ("Cumulative net (GBP m)", "gbp_m"), "discount_factor": ("Discount factor", "rate"),
            "discounted_net_gbp": ("Discounted net (GBP m)", "gbp_m")}, caption="Cash flow of the plan")
        options = options.assign(description=[  # the plan's line in words (the model's names the setting)
            f"As planned: {pct(v['investment_share'], 0)} of the planned investment made." if name == "Plan" else text
            for name, text in zip(options["scenario"], options["description"])])
        table_options = Table(options, {
            "scenario": ("Option", "text"), "investment_gbp": ("Investment (GBP m)", "gbp_m"),
            "horizon_savings_gbp": (f"Gross savings in {horizon} (GBP m)", "gbp_m"),
            "horizon_net_savings_gbp": (f"Cash released in {horizon} (GBP m)", "gbp_m"),
            "net_savings_gbp": ("Cash released over the plan (GBP m)", "gbp_m"), "npv_gbp": ("NPV (GBP m)", "gbp_m"),
            "payback_year": ("Payback", "text"), "description": ("What it assumes", "text")},
            caption=f"Options: the plan and three alternatives ({place['footprint']})", highlight="Plan")
        if total_savings == 0 and not has_investment:
            nothing = Note("there is nothing to phase: the pack gives no planned investment, and no activity is "
                           "avoided (it sets no schemes or targets), so there are no savings either.")
            chart_flow = chart_cumulative = chart_options = nothing
        if total_savings == 0:
            chart_share = Note("no activity is avoided, so there are no savings: the pack sets no schemes or "
                               "targets for the plan to avoid activity.")
        return Result(
            title=f"{self.heading}: {place['name']}", subtitle=place["where"] + f"; plan {place['span']}" + (
                "" if loc == ALL else f"; investment is planned for {place['footprint']} as a whole: its figures "
                                      f"are the footprint's, with {place['name']}'s share of the savings"),
            cards=cards, figures=figures,
            charts={"investment": chart_investment, "cash_flow": chart_flow, "cumulative": chart_cumulative,
                    "options": chart_options, "waves": chart_waves, "savings": chart_share},
            tables={"investment": table_investment, "cash_flow": table_flow, "options": table_options})


# ---------------------------------------------------------------------------------------------
# Workforce gap


class WorkforcePage(Page):
    """Workforce gap: demand, supply and gap by staff group and year, cost, GP time released, coordinators."""

    notebook = "workforce_gap"
    heading = "Workforce gap"
    inputs = (("workforce.csv", "baseline_fte"), ("workforce.csv", "leavers_fte"), ("workforce.csv", "joiners_fte"),
              ("workforce.csv", "cost_per_fte"), ("roles.csv", "fte"), ("roles.csv", "unit_cost"),
              ("localities.csv", "population"), ("localities.csv", "patients_per_gp"),
              ("pack.toml", "care_coordination.eligible_share"),
              ("pack.toml", "care_coordination.caseload_per_coordinator"))

    def _controls(self, gp_released_share: float = workforce.GP_ACTIVITY_OTHERS_SHARE,
                  eligible_share: float | None = None, caseload_per_coordinator: float | None = None,
                  uncertainty: bool = True) -> list[Control]:
        cc = self.pack.settings["care_coordination"]
        self._uncertainty = bool(uncertainty) and _has_intervals(self.pack)
        return [
            Control("gp_released_share", "Share of GP activity others could manage", float(gp_released_share),
                    min=0.0, max=0.5, step=0.01, fmt=".0%", group="GP capacity",
                    help="stpkit's default, 25%: the share of GP activity other staff or virtual channels could manage"),
            Control("eligible_share", "People eligible for care coordination",
                    float(cc["eligible_share"] if eligible_share is None else eligible_share), min=0.002, max=0.05,
                    step=0.001, fmt=".1%", group="Care coordination",
                    help=_setting_source(self.pack, "care_coordination.eligible_share", "share of the population")),
            Control("caseload_per_coordinator", "Patients a coordinator manages a year",
                    float(cc["caseload_per_coordinator"] if caseload_per_coordinator is None
                          else caseload_per_coordinator), min=50, max=400, step=10, fmt=",.0f",
                    group="Care coordination",
                    help=_setting_source(self.pack, "care_coordination.caseload_per_coordinator",
                                         "caseload of a full-time coordinator")),
        ]

    def compute(self, v: dict) -> Result:
        pack, loc = self.pack, v["locality"]
        place = _place(pack, loc)
        localities = pack.localities
        chosen = pack.with_settings(care_coordination={"eligible_share": float(v["eligible_share"]),
                                                       "caseload_per_coordinator": float(v["caseload_per_coordinator"])})
        tables = workforce.workforce_for(chosen, released_share=float(v["gp_released_share"]))
        gap, by_year = tables["gap"], tables["gap_by_year"]
        gap = gap.assign(staff_group=gap["staff_group"].map(figures_style.words))  # one spelling on the page
        coordination = needs.care_coordination(localities, settings=chosen.settings["care_coordination"])
        scope_coord = needs.footprint_coordination(_scope(coordination, loc)).iloc[0]
        gps = workforce.gp_fte(localities)
        release_by_loc = workforce.gp_capacity_release(gps, float(v["gp_released_share"]))
        if loc == ALL:
            release = tables["gp_release"]
        else:
            release = release_by_loc[release_by_loc["locality_id"] == loc]
        released = float(release["released_gp_fte"].sum(min_count=1)) if len(release) else float("nan")
        horizon_year, horizon = pack.horizon_year, format_fy(pack.horizon_year)
        known = gap[gap["supply_known"]]
        last = by_year[by_year["year"] == horizon_year].iloc[0] if len(by_year) else None
        has_supply = pack.has("workforce.csv") and len(known) > 0

        cards = []
        supply_illustrative = sources.illustrative(pack, [("workforce.csv", "baseline_fte"),
                                                          ("workforce.csv", "leavers_fte"),
                                                          ("workforce.csv", "joiners_fte")])
        share = population_share(pack, loc)
        if has_supply and last is not None:
            if loc != ALL:
                cards.append(Card(f"Share of the gap in {horizon}", fte(last["gap_fte"] * share),
                                  f"the footprint's gap shared by population ({pct(share)} of its people): "
                                  "staff supply is known for the footprint only", illustrative=supply_illustrative))
            cards.append(Card(f"Workforce gap in {horizon}", fte(last["gap_fte"]),
                              "shortfalls added up over staff groups with a known supply; "
                              f"{fte(last['surplus_fte'])} over establishment elsewhere, listed apart and not netted",
                              whose=place["footprint"], illustrative=supply_illustrative))
            cards.append(Card(f"Cost of the gap in {horizon}", gbp(last["gap_cost_gbp"]),
                              "each staff group's shortfall times its cost a year", whose=place["footprint"],
                              illustrative=supply_illustrative or sources.illustrative(
                                  pack, [("workforce.csv", "cost_per_fte")])))
        else:
            cards.append(Card("Workforce gap", "not known", "the pack gives no staff in post, so there is no supply "
                                                            "to set demand against; demand is shown",
                              whose=place["footprint"]))
        cards.append(Card("Care coordinators needed", fte(scope_coord["coordinators_fte"]),
                          f"{place['short']}: {count(scope_coord['eligible_people'])} eligible people at "
                          f"{v['caseload_per_coordinator']:,.0f} a coordinator"))
        cards.append(Card("GP time released", "-" if math.isnan(released) else fte(released),
                          f"{pct(v['gp_released_share'], 0)} of GP activity through eight alternative channels: "
                          "capacity redeployed to the new work, not a GP surplus"
                          if not math.isnan(released) else "needs the number of GPs: patients per GP, or GPs in post",
                          illustrative=sources.illustrative(pack, [("localities.csv", "patients_per_gp")],
                                                            locality=loc)))
        figures = {"gap_fte": float(last["gap_fte"]) if has_supply and last is not None else float("nan"),
                   "gap_cost_gbp": float(last["gap_cost_gbp"]) if has_supply and last is not None else float("nan"),
                   "coordinators_fte": float(scope_coord["coordinators_fte"]), "gp_released_fte": released,
                   "demand_fte": float(last["demand_fte"]) if last is not None else float("nan")}

        # uncertainty: the Monte Carlo over the pack's 80% intervals, with these what-ifs
        bands = None
        if self._uncertainty:
            key = ("bands", float(v["eligible_share"]), float(v["caseload_per_coordinator"]),
                   float(v["gp_released_share"]))
            bands = self.once(key, lambda: _workforce_bands(chosen, tables))

        # charts
        years = gap.assign(year=_fy(gap["year"]))
        if has_supply:
            g = years[years["supply_known"]].copy()
            series = pd.concat([g.assign(measure="Demand", fte=g["demand_fte"]),
                                g.assign(measure="Supply", fte=g["supply_fte"])], ignore_index=True)
            band = None
            if bands is not None and len(bands):
                b = bands[bands["measure"] == "gap_fte"]
                # the band of demand: supply is fixed, so demand's P10/P90 are supply + the gap's
                b = b.merge(g[["staff_group", "year", "supply_fte"]], on=["staff_group", "year"], how="inner")
                series = series.merge(b.assign(measure="Demand", low=b["p10"] + b["supply_fte"],
                                               high=b["p90"] + b["supply_fte"])[
                    ["staff_group", "year", "measure", "low", "high"]], on=["staff_group", "year", "measure"],
                    how="left")
                band = ("low", "high")
            chart_demand = charts.lines(
                series, "year", "fte", series="measure", facet="staff_group", band=band, dashed=["Supply"],
                title=f"Demand and supply by staff group: {place['footprint']}", value_title="FTE", zero=False,
                series_colors={"Demand": charts.NHS_BLUE, "Supply": charts.NHS_MID_GREY},
                subtitle="Supply: staff in post less leavers plus joiners"
                         + (f" ({ILLUSTRATIVE})" if supply_illustrative else ""))
            gap_chart_data = g.assign(gap=g["gap_fte"])
            chart_gap = charts.bars(
                gap_chart_data, "year", "gap", series="staff_group", horizontal=False, stack=True,
                title=f"Workforce gap by staff group and year: {place['footprint']}",
                value_title="Demand less supply (FTE)",
                subtitle="Below zero: a surplus, shown apart and never set against another group's shortfall",
                category_title="Financial year", value_format=",.1f")
            cost = by_year.assign(year=_fy(by_year["year"]))
            cost = pd.concat([cost.assign(measure="Cost of the gap", gbp_m=cost["gap_cost_gbp"] / 1e6),
                              cost.assign(measure="Cost of the new roles", gbp_m=cost["roles_cost_gbp"] / 1e6)],
                             ignore_index=True)
            chart_cost = charts.bars(
                cost, "year", "gbp_m", series="measure", horizontal=False,
                title=f"What the gap and the new roles cost: {place['footprint']}",
                value_title="£m in the year", category_title="Financial year", value_format=",.2f",
                series_colors={"Cost of the gap": charts.NHS_RED, "Cost of the new roles": charts.NHS_WARM_YELLOW},
                subtitle="Shortfalls times cost per FTE; new roles at their initial cost in the year they start")
        else:
            demand = years.copy()
            if len(demand):
                chart_demand = charts.lines(
                    demand.assign(fte=demand["additional_fte"]), "year", "fte", series="staff_group",
                    title="Additional staff the plan needs", value_title="Additional FTE",
                    subtitle="The pack gives no staff in post, so only the additional demand is shown")
            else:
                chart_demand = _missing_file("workforce.csv", "gives each staff group's staff in post, cost and flows")
            chart_gap = chart_cost = _missing_file("workforce.csv", "gives the supply of each staff group "
                                                                    "(in post, leavers, joiners) and its cost")
        if len(release) and release["released_gp_fte"].notna().any():
            chart_release = charts.bars(
                release.groupby("name", sort=False)["released_gp_fte"].sum().reset_index(), "name", "released_gp_fte",
                title=f"GP capacity released by channel: {place['name']}", value_title="GP time released (FTE)",
                value_format=",.1f",
                subtitle=f"{pct(v['gp_released_share'], 0)} of GP activity, shared equally across eight alternative "
                         "channels (replace with a local audit)")
        else:
            chart_release = Note("GP capacity needs the number of GPs: the pack gives neither patients per GP nor "
                                 "GPs in post.")
        chart_coord = charts.bars(
            _labelled(coordination, localities), "label", "coordinators_fte", highlight=_highlight(loc),
            highlight_field="locality_id", sort_by_value=True, value_format=",.1f",
            title="Care coordinators needed in each locality", value_title="Care coordinators (FTE)")

        # tables
        horizon_rows = years[years["year"] == horizon].copy()
        if bands is not None and len(bands):
            b = bands[(bands["measure"] == "gap_fte") & (bands["year"] == horizon)]
            b = b.assign(staff_group=b["staff_group"].map(figures_style.words))
            horizon_rows = horizon_rows.merge(b[["staff_group", "p10", "p90"]], on="staff_group", how="left")
            horizon_rows["range"] = ["" if _missing(g) else interval(lo, hi, "FTE")
                                     for g, lo, hi in zip(horizon_rows["gap_fte"], horizon_rows["p10"], horizon_rows["p90"])]
        cols = {"staff_group": ("Staff group", "text"), "baseline_fte": ("Baseline (FTE)", "fte"),
                "roles_fte": ("New roles (FTE)", "fte"), "coordination_fte": ("Coordinators beyond funded (FTE)", "fte"),
                "gp_released_fte": ("GP time redeployed (FTE)", "fte"), "demand_fte": ("Demand (FTE)", "fte"),
                "supply_fte": ("Supply (FTE)", "fte"), "gap_fte": ("Demand less supply (FTE)", "fte"),
                "shortfall_fte": ("Shortfall (FTE)", "fte"), "surplus_fte": ("Surplus (FTE)", "fte")}
        if "range" in horizon_rows:
            cols["range"] = ("Gap, 80% range (P10 to P90)", "text")
        cols["gap_cost_gbp"] = ("Cost of the shortfall", "gbp")
        table_gap = Table(horizon_rows, cols, caption=f"Staff groups in {horizon}: {place['footprint']}"
                                                      + (f" ({ILLUSTRATIVE} supply)" if supply_illustrative else ""))
        table_years = Table(by_year.assign(year=_fy(by_year["year"])), {
            "year": ("Year", "text"), "demand_fte": ("Demand (FTE)", "fte"), "supply_fte": ("Supply (FTE)", "fte"),
            "gap_fte": ("Gap: shortfalls added up (FTE)", "fte"), "surplus_fte": ("Surpluses, not netted (FTE)", "fte"),
            "gap_cost_gbp": ("Cost of the gap", "gbp"), "gp_redeployed_fte": ("GP time redeployed (FTE)", "fte"),
            "roles_cost_gbp": ("New roles' cost", "gbp")},
            caption=f"{place['footprint']} by year")
        table_release = Table(release.groupby(["name", "description"], sort=False)["released_gp_fte"].sum()
                              .reset_index(), {"name": ("Channel", "text"),
                                               "released_gp_fte": ("GP time released (FTE)", "fte"),
                                               "description": ("What it covers", "text")},
                              caption=f"GP capacity released, {place['name']}") if len(release) else chart_release
        coord_rows = coordination if loc == ALL else coordination[coordination["group"] == place["group"]]
        table_coord = Table(coord_rows, {"locality": ("Locality", "text"), "group": ("Group", "text"),
                                         "population": ("Population", "count"),
                                         "eligible_people": ("Eligible people", "count"),
                                         "coordinators_fte": ("Coordinators (FTE)", "fte")},
                            caption="Care coordinators needed", highlight=place["name"] if loc != ALL else None)
        notes = (["ranges: the middle 80% (P10 to P90) of simulated outcomes over the pack's ranges, where an "
                  "input varies"] if bands is not None else [])
        if loc != ALL:
            notes.append(f"staff supply is known for {place['footprint']} only: its charts and tables are the "
                         f"footprint's, with {place['name']}'s share by population")
        return Result(
            title=f"{self.heading}: {place['name']}",
            subtitle="; ".join([place["where"] + f"; plan {place['span']}", *notes]),
            cards=cards, figures=figures,
            charts={"demand_supply": chart_demand, "gap": chart_gap, "cost": chart_cost, "gp_release": chart_release,
                    "coordinators": chart_coord},
            tables={"gap": table_gap, "years": table_years, "gp_release": table_release,
                    "coordinators": table_coord})


def interval(low, high, unit: str = "", tolerance: float = 0.05) -> str:
    """An 80% range in words: "180.2 to 205.1 FTE" where it varies, "no interval given" where it cannot."""
    if _missing(low) or _missing(high) or abs(float(high) - float(low)) < tolerance:
        return "no interval given"
    return f"{figures_style.number(low, 1)} to {figures_style.number(high, 1)}" + (f" {unit}" if unit else "")


def _workforce_bands(pack: Pack, tables: dict) -> pd.DataFrame:
    """P10/P50/P90 of the workforce gap from the Monte Carlo (at most 500 draws: a chart's band, quickly)."""
    from . import uncertainty

    sim = uncertainty.simulate(pack, draws=min(int(pack.settings["uncertainty"]["draws"]), 500),
                               workforce_tables=tables)
    return uncertainty.workforce_percentiles(sim)


def _has_intervals(pack: Pack) -> bool:
    """Whether any growth, reduction or unit cost in the pack carries an 80% interval."""
    for frame, names in ((pack.pods, ("growth", "unit_cost")), (pack.activity, ("growth", "unit_cost")),
                         (pack.schemes, ("reduction",))):
        for name in names:
            for side in ("low", "high"):
                column = f"{name}_{side}"
                if column in frame and pd.to_numeric(frame[column], errors="coerce").notna().any():
                    return True
    return False


PAGES = {page.notebook: page for page in (NeedsPage, LocalityPage, InvestmentPage, WorkforcePage)}
