"""The machinery of a what-if page: its controls, the results computed from them, and the parts shown.

A page (a subclass of `Page`, one per notebook: stpkit.pages.needs and the others) lists its
controls and computes a `Result` from their values; `Page` makes the controls (ipywidgets when
interactive, plain values otherwise), shows the parts a notebook asks for and, when a control
moves, recomputes once and refreshes every part already shown, in place.
"""

from __future__ import annotations

import html
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from .. import charts, sources
from .. import locality as places
from ..pack import Pack
from ..years import format_fy
from .display import _STYLE, Card, Note, Table, _plain, cards_html
from .packs import ALL, _highlight, _labelled, _place, check_locality, locality_options, open_pack, remembered

log = logging.getLogger(__name__)

HEATMAP_ROWS = 60
LEVEL_COLOURS = ["#E8EDEE", "#C6DCF0", "#7FB2E0", "#2F80C8", charts.NHS_DARK_BLUE]  # Level 0 to 4


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


RESULTS_KEPT = 8  # a page's latest results kept, for switching back to a scenario or a setting


class _View:
    """One part of a page on screen that follows the controls (interactive mode only)."""

    def __init__(self, widget, render: Callable[[Result], Any], kind: str):
        self.widget, self.render, self.kind = widget, render, kind

    def refresh(self, result: Result) -> None:
        content = self.render(result)
        if self.kind == "chart" and content is getattr(self, "shown", None):
            return  # the same chart as on screen (kept by the page): nothing to redraw
        self.shown = content
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
                child.spec = self._spec(content)
            else:
                self.widget.children = (_vega_widget(content),)
        else:
            svg = charts.html(content)
            if child is None or not _is_html_widget(child):
                self.widget.children = (_html_widget(svg),)
            else:
                child.value = svg

    def _spec(self, chart) -> dict:
        """The chart's Vega-Lite spec, kept for the charts of the page's kept results (switching back redraws
        from it rather than building it again)."""
        specs = self.__dict__.setdefault("specs", {})
        kept = specs.get(id(chart))
        if kept is None or kept[0] is not chart:
            if len(specs) > RESULTS_KEPT:
                specs.pop(next(iter(specs)))
            kept = specs[id(chart)] = (chart, chart.to_dict(validate=False))
        return kept[1]


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
    scenario_picker = True  # a "Scenario" control when the pack has scenarios (stpkit.pages.scenario)

    def __init__(self, pack: Pack | str | Path | None = None, locality: str | None = ALL, mode: str | None = None,
                 scenario=None, **assumptions):
        from .. import scenarios

        self.pack_as_is = open_pack(pack)
        chosen = scenario
        if isinstance(scenario, str) and scenario.strip():
            chosen = scenarios.read(self.pack_as_is, scenario.strip())
        elif isinstance(scenario, str):
            chosen = None
        self.scenario = chosen  # a stpkit.scenarios.Scenario, or None for the pack as it is
        self.pack = remembered(self.pack_as_is, ("scenario pack", self._scenario_key()),  # one set of assumptions
                               lambda: scenarios.scenario_pack(self.pack_as_is, chosen))  # for every figure
        self.scenario_differences = scenarios.differences(self.pack_as_is, chosen)
        self.mode = mode or charts.mode()
        self.warning = ""
        self._assumptions = dict(assumptions)
        self._shown_scenario = chosen.name if chosen else ""
        self._fixed: dict = {}
        picker = Control("locality", "Locality", check_locality(self.pack, locality), kind="choice",
                         options=locality_options(self.pack), group="Place")
        pickers = [picker]
        if self.scenario_picker:
            from .scenario import picker as scenario_picker

            pickers += [c for c in [scenario_picker(self)] if c is not None]
        self.specs: dict[str, Control] = {c.name: c for c in [*pickers, *self._controls(**assumptions)]}
        self.initial = {name: spec.value for name, spec in self.specs.items()}
        interactive = self.mode == charts.INTERACTIVE
        self.label_width = label_width(spec.label for spec in self.specs.values())
        self.controls = {name: (_widget(spec, self.label_width) if interactive else _Value(spec.value))
                         for name, spec in self.specs.items()}
        self._noted: str | None = None  # the table that carries the disclosure note (the first with counts)
        self._views: list[_View] = []
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
        """A table that depends on the pack only (or on the key `name` holds), made on first use and kept.

        Kept by the page, and for the process (`packs.remembered`): the next page of the same kind,
        pack, scenario and assumptions (the next locality's report) takes it as made.
        """
        if len(self._fixed) > 64:  # keyed results of many what-ifs: start again rather than grow
            self._fixed = {k: v for k, v in self._fixed.items() if isinstance(k, str)}
        if name not in self._fixed:
            key = ("page", type(self).__module__, type(self).__qualname__, self.mode, self._scenario_key(),
                   self._made_with(), name)
            self._fixed[name] = remembered(self.pack_as_is, key, make)
        return self._fixed[name]

    def shared(self, name: str, make: Callable[[], Any]):
        """A model result that rests on the pack shown only (its scenario applied), e.g. its projection:
        computed once per process for every page of this pack and scenario (`packs.remembered`)."""
        return remembered(self.pack_as_is, ("pack", self._scenario_key(), name), make)

    def _made_with(self) -> str:
        """What else the page was made with, as a key: its assumptions (a page with more arguments adds them)."""
        return repr(sorted(self._assumptions.items()))

    def _scenario_key(self) -> str:
        """The scenario shown, as a key: its name and every value it sets ("" for the pack as it is)."""
        chosen = self.scenario
        return "" if chosen is None else repr((chosen.name, chosen.title, chosen.description, chosen.values))

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
        # the figures rest on the pack, the scenario shown and the controls only: a page switched back to a
        # scenario (or a slider moved back) shows what it worked out before, without working it out again
        key = (repr(self.scenario), tuple(sorted((k, repr(v)) for k, v in values.items())))
        results = self.__dict__.setdefault("_results", {})
        if key in results:
            results[key] = results.pop(key)  # the most recently shown last
            return results[key]
        result = self.compute(values)
        mine = _place(self.pack, values["locality"])["whose"]
        for card in result.cards:
            card.whose = card.whose or mine
        result.seconds = time.perf_counter() - start
        if self.__dict__.get("_ranges_pending"):
            return result  # shown without its ranges for a moment: not kept
        if len(results) >= RESULTS_KEPT:
            results.pop(next(iter(results)))
        results[key] = result
        return result

    def update(self) -> None:
        """Recompute from the controls and refresh every part shown, in place."""
        asked = self.controls["scenario"].value if "scenario" in self.controls else self._shown_scenario
        switched = asked != self._shown_scenario
        if switched:  # the picker moved: every control to that scenario's values
            from .scenario import switch

            switch(self, asked)
        # on a switch shown on screen, the scenario's figures go up first and their P10 to P90 ranges (a
        # Monte Carlo) a moment later, in a second pass (`stpkit.pages.scenario.ranges`)
        self._defer_ranges = switched and bool(self._views)
        try:
            self._show_result()
            if self.__dict__.pop("_ranges_pending", False):
                self._defer_ranges = False
                self._show_result()
        finally:
            self._defer_ranges = False

    def _show_result(self) -> None:
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
            return self._show_html(lambda r: _title_html(r, self.warning) + self.scenario_html())
        if part == "headline":
            meta = {"stpkit": {"notebook": self.notebook, "locality": self.locality,
                               "scenario": self.scenario.name if self.scenario else None,
                               "figures": _plain(self.result.figures)}}
            return self._show_html(lambda r: cards_html(r.cards), metadata=meta)
        raise KeyError(f'no part "{part}": use "title", "controls", "headline" or "sources", or show_chart / show_table')

    def scenario_html(self) -> str:
        """Which scenario the page shows, and every value in it that differs from the pack's."""
        from .scenario import describe_html

        return describe_html(self.scenario, self.scenario_differences)

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
            return _display_html(f"{_STYLE}<table class='stpkit-assumptions'><thead><tr><th scope='col' {left}>Assumption</th>"
                                 f"<th scope='col' {left}>Value used</th><th scope='col' {left}>Where it comes from</th></tr></thead>"
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
        parts = [place, panel, w.HBox([reset]), self._status]
        if self.scenario_picker:
            from .scenario import ENV_APPS, save_panel

            if os.environ.get(ENV_APPS):  # in `stpkit apps`: Save as scenario (unless read-only) and Download
                parts.append(save_panel(self))
        _display(w.VBox(parts))


def _display_html(content: str, metadata: dict | None = None) -> None:
    from IPython.display import HTML

    _display(HTML(content), metadata=metadata)


FILE_WORDS = {"phasing.csv": "the localities' phasing", "investments.csv": "the planned investment",
              "workforce.csv": "the staff in post (workforce supply)", "enablers.csv": "enabler scores",
              "schemes.csv": "schemes", "targets.csv": "activity targets", "roles.csv": "new roles",
              "length_of_stay.csv": "lengths of stay",
              "initiatives.csv": "the initiatives and their finance", "priorities.csv": "the plan's priorities",
              "milestones.csv": "the initiatives' milestones", "dependencies.csv": "the workstream interdependencies",
              "risks.csv": "a risk register"}


def _missing_file(name: str, what: str) -> Note:
    """A note for a section whose input the pack does not give (in words: no file names on a page)."""
    return Note(f"the pack does not give {FILE_WORDS.get(name, 'this input')}, which {what}; "
                "with it this section fills in.")


def _fy(years) -> list[str]:
    return [format_fy(y) for y in years]


def _setting_source(pack: Pack, setting: str, what: str) -> str:
    """A control's "where it comes from": what it is, and the pack's source for the setting (or stpkit's default)."""
    return f"{what}; " + sources.line(pack, "pack.toml", setting,
                                      default="the pack's setting, or stpkit's default where it sets none")


def care_coordination_controls(pack: Pack, eligible_share: float | None = None,
                               caseload_per_coordinator: float | None = None) -> list[Control]:
    """The care coordination what-ifs (people eligible, a coordinator's caseload) that two pages share."""
    cc = pack.settings["care_coordination"]
    return [
        Control("eligible_share", "People eligible for care coordination",
                float(cc["eligible_share"] if eligible_share is None else eligible_share), min=0.002, max=0.05,
                step=0.001, fmt=".1%", group="Care coordination",
                help=_setting_source(pack, "care_coordination.eligible_share", "share of the population")),
        Control("caseload_per_coordinator", "Patients a coordinator manages a year",
                float(cc["caseload_per_coordinator"] if caseload_per_coordinator is None
                      else caseload_per_coordinator), min=50, max=400, step=10, fmt=",.0f",
                group="Care coordination",
                help=_setting_source(pack, "care_coordination.caseload_per_coordinator",
                                     "caseload of a full-time coordinator")),
    ]


def _delivery_factor(pack: Pack) -> float:
    """pack.toml [delivery] factor (or a scenario's), 1 where none is set; 0 stays 0 (a do-nothing scenario)."""
    factor = (pack.settings.get("delivery") or {}).get("factor")
    return 1.0 if factor is None else float(factor)
