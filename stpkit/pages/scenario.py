"""Scenarios on a what-if page: the scenario picker, switching scenario in place, saving the controls as a
scenario and downloading it with the page's tables.

A page shows the pack with a scenario applied (`stpkit.scenarios.scenario_pack`). Its picker lists the
pack's scenarios; choosing one puts every control at that scenario's values and recomputes once. In
`stpkit apps` (unless it runs with --read-only) the page also offers **Save as scenario**: the
controls' values that differ from the pack, written atomically into the shown pack's own scenarios/
folder, never over an existing scenario unless the person confirms; and **Download**: the scenario
file and the page's tables as an Excel workbook.
"""

from __future__ import annotations

import base64
import html
import io
import os
from datetime import date

import pandas as pd

from .. import scenarios
from ..schema import POD_LABELS
from .base import Control
from .packs import remembered

ENV_APPS = "STPKIT_APPS_DATA"          # set in every `stpkit apps` kernel (stpkit.apps.request.ENV_DATA)
ENV_READ_ONLY = "STPKIT_APPS_READ_ONLY"  # "1": `stpkit apps --read-only`, no saving
PACK_AS_IS = ""  # the picker's value for the pack as it is

# a page control -> the scenario value it sets (growth_<pod> and scheme_<row> are mapped below)
CONTROL_KEYS = {
    "delivery": ("delivery", "factor"),
    "investment_share": ("investment", "investment_share"),
    "savings_elasticity": ("investment", "savings_elasticity"),
    "savings_lag_years": ("investment", "savings_lag_years"),
    "savings_ramp": ("investment", "savings_ramp"),
    "discount_rate": ("finance", "discount_rate"),
    "eligible_share": ("care_coordination", "eligible_share"),
    "caseload_per_coordinator": ("care_coordination", "caseload_per_coordinator"),
    "net_saving_per_patient_gbp": ("care_coordination", "net_saving_per_patient_gbp"),
    "rose_cut": ("needs", "rose_cut"),
    "gp_released_share": ("workforce", "gp_released_share"),
}


def can_save() -> bool:
    """Whether this page offers Save as scenario: inside `stpkit apps`, not run with --read-only."""
    return bool(os.environ.get(ENV_APPS)) and os.environ.get(ENV_READ_ONLY, "") not in ("1", "true", "yes")


def picker(page) -> Control | None:
    """The scenario picker, when the pack has scenarios (or the page shows one)."""
    names = scenarios.names(page.pack_as_is)
    current = page.scenario.name if page.scenario else PACK_AS_IS
    if not names and not page.scenario and not os.environ.get(ENV_APPS):
        return None  # in the apps the picker is always there, for scenarios saved while the page is open
    return Control("scenario", "Scenario", current, kind="choice", options=_options(page, names), group="Place",
                   help="a named set of what-if values kept with the pack; the controls start at its values")


def _options(page, names: list[str]) -> list[tuple[str, str]]:
    current = page.scenario.name if page.scenario else PACK_AS_IS
    options = [("The pack as it is", PACK_AS_IS)]
    for name in names:
        try:
            title = scenarios.read(page.pack_as_is, name).label
        except scenarios.ScenarioError:
            continue  # a scenario that does not check out is not offered (stpkit validate lists why)
        options.append((f"{title} ({name})", name))
    if current and current not in [v for _, v in options]:
        options.append((f"{page.scenario.label} ({current})", current))
    return options


def refresh_picker(page, wanted: str | None = None) -> bool:
    """Re-read the pack's scenarios into the picker (one saved since the page opened appears); True when
    `wanted` is among them. The shown scenario and the figures do not change."""
    if "scenario" not in page.controls:
        return False
    options = _options(page, scenarios.names(page.pack_as_is))
    widget = page.controls["scenario"]
    holding = page._holding
    page._holding = True
    try:
        shown = widget.value
        page.specs["scenario"].options = options
        if hasattr(widget, "options") and list(widget.options) != options:
            widget.options = options
            widget.value = shown
    finally:
        page._holding = holding
    return wanted is None or wanted in [v for _, v in options]


# what no scenario changes: the pack's localities, phasing, enablers and risk segments, the option scenario files,
# and the charts drawn from them; ranges are kept too (their key holds the scenario and every control's value)
KEPT_ON_SWITCH = {"timeline", "archetype", "maturity", "milestones", "pyramid", "segments", "peers", "options",
                  "waves", "ranges"}


def _kept(key) -> bool:
    return (key if isinstance(key, str) else key[0] if isinstance(key, tuple) and key else None) in KEPT_ON_SWITCH


def switch(page, name: str) -> None:
    """Show scenario `name` ("" for the pack as it is): the pack, every control and its starting value."""
    chosen = scenarios.read(page.pack_as_is, name) if name else None
    page.scenario = chosen
    page.pack = scenarios.apply(page.pack_as_is, chosen)
    page.scenario_differences = scenarios.differences(page.pack_as_is, chosen)
    # what rests on the pack's localities, phasing, enablers and risk segments stays: no scenario changes them
    page._fixed = {k: v for k, v in page._fixed.items() if _kept(k)}
    specs = {c.name: c for c in page._controls(**page._assumptions)}
    holding = page._holding
    page._holding = True
    try:
        for control_name, spec in specs.items():
            widget = page.controls.get(control_name)
            if widget is None:
                continue
            with _held(widget):  # one message for the widget's range and value
                if hasattr(widget, "max") and spec.kind != "choice":  # a slider widens for a value outside its range
                    widget.max = max(widget.max, spec.value)
                    widget.min = min(widget.min, spec.value)
                widget.value = spec.value
            page.specs[control_name] = spec
            page.initial[control_name] = spec.value
        page.initial["scenario"] = name
    finally:
        page._holding = holding
    page._shown_scenario = name


def _held(widget):
    """The widget's trait changes sent as one message (an ipywidget), or nothing special (a static page's value)."""
    import contextlib

    return widget.hold_sync() if hasattr(widget, "hold_sync") else contextlib.nullcontext()


def control_values(page) -> dict:
    """The page's assumption controls as scenario values: (section, key, pod or None) -> value."""
    flat = {}
    schemes = page.pack.schemes.reset_index(drop=True)
    for name, value in page.values().items():
        if name in CONTROL_KEYS:
            section, key = CONTROL_KEYS[name]
            flat[(section, key, None)] = value
        elif name.startswith("growth_"):
            flat[("growth", name[len("growth_"):], None)] = float(value)
        elif name.startswith("scheme_") and name[len("scheme_"):].isdigit():
            row = schemes.iloc[int(name[len("scheme_"):])]
            flat[("scheme_reductions", str(row["scheme"]), str(row["pod"]))] = float(value)
    return flat


def as_scenario(page, name: str, description: str = "", title: str = "") -> scenarios.Scenario:
    """The page's current values as a scenario: the scenario shown, with every control's value, keeping
    only what differs from the pack (so the file is small and reads back to the same figures)."""
    current = scenarios.resolved(page.pack_as_is, page.scenario)
    current.update(control_values(page))
    own = scenarios.resolved(page.pack_as_is, None)
    keep = {k: v for k, v in current.items() if not scenarios._same(own.get(k), v)}
    values: dict[str, dict] = {}
    for (section, key, pod), value in keep.items():
        value = tuple(value) if isinstance(value, list) else value
        if pod is None:
            values.setdefault(section, {})[key] = value
        else:
            values.setdefault(section, {}).setdefault(key, {})[pod] = value
    based = f"saved from the {page.heading} page" + (f", starting from {page.scenario.label}" if page.scenario else "")
    return scenarios.Scenario(name=name, title=title.strip() or name, description=description.strip(),
                              created=date.today().isoformat(), based_on=based, values=values)


def save(page, name: str, description: str = "", overwrite: bool = False):
    """Write the page's values as PACK/scenarios/NAME.toml for the pack it shows; the path written."""
    return scenarios.save(page.pack_as_is, as_scenario(page, name, description), overwrite=overwrite)


def workbook(page, scenario: scenarios.Scenario) -> bytes:
    """The page's tables for this locality and scenario as an Excel workbook: an About sheet, then one
    sheet per table (as computed, unrounded)."""
    from .display import Table

    place = page.locality
    about = pd.DataFrame({"item": ["page", "pack", "locality", "scenario", "title", "made"],
                          "value": [page.heading, page.pack.name, place, scenario.name, scenario.label,
                                    date.today().isoformat()]})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        about.to_excel(book, sheet_name="About", index=False)
        used = {"About"}
        for key, table in page.result.tables.items():
            if not isinstance(table, Table):
                continue
            sheet = key[:31]
            while sheet in used:
                sheet = sheet[:29] + f"{len(used):02d}"
            used.add(sheet)
            frame = table.frame[list(table.columns)].rename(columns={c: label for c, (label, _) in table.columns.items()})
            frame.map(lambda v: ", ".join(v) if isinstance(v, tuple) else v).to_excel(book, sheet_name=sheet, index=False)
    return buffer.getvalue()


def download_links(page, name: str = "", description: str = "") -> str:
    """Two links holding the files themselves (no server round trip): the scenario file and the workbook."""
    name = name.strip() or (page.scenario.name if page.scenario else "my-scenario")
    if scenarios.name_problem(name):
        name = "my-scenario"
    chosen = as_scenario(page, name, description)
    toml = base64.b64encode(scenarios.to_toml(chosen).encode("utf-8")).decode("ascii")
    xlsx = base64.b64encode(workbook(page, chosen)).decode("ascii")
    stem = f"{page.notebook}-{page.locality}-{name}"
    return (f"<a class='stpkit-download-toml' download='{html.escape(name)}.toml' "
            f"href='data:application/toml;base64,{toml}'>Scenario file ({html.escape(name)}.toml)</a> &middot; "
            f"<a class='stpkit-download-xlsx' download='{html.escape(stem)}.xlsx' "
            "href='data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"
            f"{xlsx}'>This page's tables (Excel)</a>")


def save_panel(page):
    """The Save as scenario and Download widgets (interactive pages in `stpkit apps` only)."""
    import ipywidgets as w

    name = w.Text(placeholder="e.g. interim-2017", description="Name", layout=w.Layout(width="320px"))
    words = w.Text(placeholder="what it assumes, in a sentence", description="Description",
                   layout=w.Layout(width="520px"))
    save_button = w.Button(description="Save as scenario", icon="save", layout=w.Layout(width="200px"))
    download_button = w.Button(description="Download", icon="download", layout=w.Layout(width="160px"))
    status = w.HTML(value="")
    links = w.HTML(value="")
    for widget, css in ((name, "stpkit-save-name"), (words, "stpkit-save-description"),
                        (save_button, "stpkit-save"), (download_button, "stpkit-download"), (status, "stpkit-save-status"),
                        (links, "stpkit-download-links")):
        widget.add_class(css)
    pending = {"name": None}

    def say(text: str, good: bool = True) -> None:
        colour = "#007f3b" if good else "#d5281b"
        status.value = f"<span style='color:{colour}'>{html.escape(text)}</span>"

    def on_save(_=None) -> None:
        asked = name.value
        problem = scenarios.name_problem(asked)
        if problem:
            pending["name"] = None
            return say(problem[:1].upper() + problem[1:] + ". Nothing was saved.", good=False)
        confirm = pending["name"] == asked
        try:
            path = save(page, asked, words.value, overwrite=confirm)
        except FileExistsError:
            pending["name"] = asked
            save_button.description = "Replace it"
            return say(f"A scenario named {asked} already exists. Click Replace it to replace it, or change the name.",
                       good=False)
        except scenarios.ScenarioError as error:
            pending["name"] = None
            return say("; ".join(error.lines()) + ". Nothing was saved.", good=False)
        pending["name"] = None
        save_button.description = "Save as scenario"
        refresh_picker(page)
        say(f"Saved as {asked} ({path.parent.name}/{path.name}). Share this page with ?scenario={asked} in its address.")

    def on_name(_=None) -> None:
        if pending["name"] is not None and name.value != pending["name"]:
            pending["name"] = None
            save_button.description = "Save as scenario"

    def on_download(_=None) -> None:
        links.value = download_links(page, name.value, words.value)

    save_button.on_click(on_save)
    download_button.on_click(on_download)
    name.observe(on_name, names="value")
    page._save_widgets = {"name": name, "description": words, "save": save_button, "download": download_button,
                          "status": status, "links": links}
    rows = [w.HBox([name, words])]
    buttons = [save_button, download_button] if can_save() else [download_button]
    if not can_save():
        name.layout.display = "none"  # read-only: the name only names the download
        words.layout.display = "none"
    rows += [w.HBox(buttons), status, links]
    return w.VBox(rows, layout=w.Layout(margin="8px 0 0 0"))


def staff_tables(page, pack) -> dict:
    """The workforce model for a pack the page shows (`stpkit.workforce.workforce_for`), kept while what it
    rests on is unchanged: the pack's staff, roles, localities and investments (no scenario changes them),
    care coordination, the share of GP activity released and the growth the staff's activity follows
    (`stpkit.workforce.activity_change`). Switching scenario or moving a slider then does not redo it."""
    from .. import workforce

    share = scenarios.pack_values(pack)["workforce"]["gp_released_share"]
    reference = (pack.settings.get("scenario") or {}).get("pack_momentum") or {}
    growth = tuple(pack.pods["growth"].astype(float)) if reference else ()
    key = (tuple(sorted((pack.settings.get("care_coordination") or {}).items())), share, growth)
    return remembered(page.pack_as_is, ("staff", key), lambda: workforce.workforce_for(pack, released_share=share))


RANGE_DRAWS = 500  # draws for a page's ranges: a card's P10 to P90, quickly (the comparison uses the pack's)


def ranges(page, loc: str) -> dict | None:
    """P10 and P90 of the gross savings (the locality's own, or the footprint's) and of the footprint's NPV,
    for the values on the page now (its scenario and every control), from the seeded Monte Carlo over the
    pack's 80% intervals; None where the pack gives none (a single number is then all there is), and on the
    first pass of a scenario switch shown on screen (the page shows the figures, then works out the ranges)."""
    from .. import uncertainty

    if not uncertainty.has_intervals(page.pack):
        return None
    values = page.values()
    key = ("ranges", tuple((k, v) for k, v in sorted(values.items()) if k != "locality"))
    if getattr(page, "_defer_ranges", False) and key not in page._fixed:
        page._ranges_pending = True  # the page shows its figures first and comes back for the ranges
        return None

    def work() -> dict:  # every locality's range from one simulation: the next locality's report reads its own
        shown = scenarios.apply(page.pack_as_is, as_scenario(page, "shown"))
        draws = min(int((shown.settings.get("uncertainty") or {}).get("draws", 1000)), RANGE_DRAWS)
        sim = uncertainty.simulate(shown, draws=draws, workforce_tables=staff_tables(page, shown))
        savings = sim.arrays["savings_by_locality"]
        low, high = uncertainty.percentiles(savings.sum(axis=1)[:, None])[[0, 2], 0]
        each = uncertainty.percentiles(savings)[[0, 2]]  # P10 and P90 of each locality's column
        npv_low, npv_high = uncertainty.percentiles(sim.arrays["npv"][:, None])[[0, 2], 0]
        by_locality = {str(i): (float(lo), float(hi))
                       for i, lo, hi in zip(sim.localities["locality_id"], each[0], each[1])}
        return {"savings": (float(low), float(high)), "by_locality": by_locality,
                "npv": (float(npv_low), float(npv_high)), "draws": sim.draws}

    found = page.once(key, work)
    savings = found["savings"] if loc == "all" else found["by_locality"].get(str(loc))
    if savings is None:  # a locality the simulation does not hold: nothing saved, as a sum over no column
        savings = (0.0, 0.0)
    return {"savings": savings, "npv": found["npv"], "draws": found["draws"]}


def range_words(bounds: tuple[float, float]) -> str:
    """ "80% range £2.1m to £5.9m" for a card's detail."""
    from .display import gbp

    return f"80% range {gbp(bounds[0])} to {gbp(bounds[1])} (P10 to P90)"


# ---------------------------------------------------------------------------------------------
# Saying which scenario a page shows, and what it changes


def value_text(section: str, key: str, value) -> str:
    """A scenario value in a planner's words: 2.3%, £1,000, 2 years, ae and non_elective."""
    if value is None:
        return {"capital_share": "as the investment share", "priority_degree": "as the degree"}.get(key, "not set")
    if isinstance(value, (tuple, list)):
        return ", ".join(POD_LABELS.get(v, v) for v in value) if value else "none"
    if isinstance(value, str):
        return value
    if key.endswith("_gbp"):
        return f"£{value:,.0f}"
    if key in ("savings_lag_years", "delay_years"):
        return f"{int(value)} year{'s' if int(value) != 1 else ''}"
    if key == "caseload_per_coordinator" or section == "workforce" and key.endswith("_fte"):
        return f"{value:,.0f}"
    if key == "savings_elasticity":
        return f"{value:g}"
    return f"{value:.2%}".replace(".00%", "%") if abs(value * 100 - round(value * 100)) < 1e-9 else f"{value:.2%}"


def describe_html(scenario: scenarios.Scenario | None, changed: pd.DataFrame) -> str:
    """A box for the top of a page: the scenario's title and description and the values that differ
    from the pack (or that the page shows the pack as it is)."""
    if scenario is None:
        return ("<div class='stpkit-scenario'><strong>Scenario:</strong> none: the pack as it is.</div>")
    cell = "<td style='text-align:left'>"
    rows = "".join(f"<tr>{cell}{html.escape(str(r.label))}</td>{cell}{html.escape(value_text(r.section, r.key, r.pack_value))}"
                   f"</td>{cell}{html.escape(value_text(r.section, r.key, r.scenario_value))}</td></tr>"
                   for r in changed.itertuples(index=False))
    table = (f"<table class='stpkit-scenario-values'><thead><tr><th style='text-align:left'>Value that differs from "
             f"the pack</th><th style='text-align:left'>Pack</th><th style='text-align:left'>This scenario</th></tr></thead><tbody>{rows}</tbody></table>" if len(changed)
             else "<p>Every value is the pack's own.</p>")
    words = f" {html.escape(scenario.description)}" if scenario.description else ""
    based = f" Based on {html.escape(scenario.based_on)}." if scenario.based_on else ""
    return (f"<div class='stpkit-scenario' data-scenario='{html.escape(scenario.name)}'><strong>Scenario: "
            f"{html.escape(scenario.label)}</strong> ({html.escape(scenario.name)}).{words}{based}{table}</div>")
