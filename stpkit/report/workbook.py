"""The footprint's tables as one Excel workbook, for finance teams: written once per report run.

Sheets: About (what each sheet holds, the pack and the run); Activity (every locality and point
of delivery: base, momentum, target, avoided activity, unit cost and gross savings); Savings by
locality (gross savings, localities down and points of delivery across, with totals); Footprint
(the same by point of delivery); Investment by year (pump priming and capital by category and year,
and the totals by year); Cash flow (the appraisal year by year, from gross savings through stranded
cost, reinvestment and running costs to the cash released, the investment, and the discounted net
behind the NPV); Workforce (demand, supply, shortfall and surplus by staff group and year, and the
cost of the shortfall); Beds (bed days, beds and their cost by locality, level of care and stage); Plan on a page
(do nothing / solutions / do something); Initiative finance (the net published beside the net recomputed, and
every published figure checked).
A sheet whose pack file is missing says which file would fill it.

Numbers are stored unrounded with a display format (whole pounds, counts whole numbers, rates
as percentages, FTE to one decimal; money headers say £), so sums and pivots in Excel use the model's figures. Counts
from 1 to 7 follow the same disclosure control as the reports (`stpkit.report.disclosure`).
"""

from __future__ import annotations

import io
import math
from datetime import datetime, timezone

import pandas as pd

from .. import activity, beds, initiatives, investment, plan, workforce
from ..schema import POD_LABELS
from ..years import format_fy
from . import disclosure

FORMATS = {"count": "#,##0", "gbp": "£#,##0", "rate": "0.0%", "fte": "#,##0.0", "number": "#,##0.00",
           "text": "@", "year": "@", "bool": "General"}
HEADER_FILL = "005EB8"


def _value(value, kind: str):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "year":
        return format_fy(int(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
    if hasattr(value, "item"):
        value = value.item()
    return value


def _sheet(book, title: str, frame: pd.DataFrame | None, columns: list[tuple[str, str, str]], note: str = "",
           *, suppress: bool = False) -> None:
    """A sheet with a bold header row, number formats by kind, frozen header and a filter."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    row = 1
    if note:
        sheet.cell(row=1, column=1, value=note).font = Font(italic=True)
        row = 3
    if frame is None:
        return
    counts = [c for c, _, kind in columns if kind == "count"]
    shown = disclosure.suppress(frame, counts, on=True) if suppress and counts else frame
    for col, (_, header, _) in enumerate(columns, start=1):
        cell = sheet.cell(row=row, column=col, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        width = max(len(header) * 0.9, 10) if kind_of(columns, col) != "text" else max(len(header), 14)
        sheet.column_dimensions[get_column_letter(col)].width = min(max(width, 12), 42)
    for values in shown[[c for c, _, _ in columns]].itertuples(index=False):
        row += 1
        for col, ((_, _, kind), value) in enumerate(zip(columns, values), start=1):
            cell = sheet.cell(row=row, column=col, value=_value(value, kind))
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.number_format = FORMATS[kind]
            elif cell.value == disclosure.SYMBOL:
                cell.alignment = Alignment(horizontal="right")
    header_row = 3 if note else 1
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    if row > header_row:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{row}"


def kind_of(columns, col: int) -> str:
    return columns[col - 1][2]


def build(pack, *, disclosure_on: bool, inputs: dict | None = None) -> bytes:
    """The workbook for a pack, as the bytes of an .xlsx file."""
    from openpyxl import Workbook

    base, horizon = format_fy(pack.base_year), format_fy(pack.horizon_year)
    projection = activity.project(pack)
    book = Workbook()
    about = book.active
    about.title = "About"
    lines = [
        (f"{pack.name}: footprint tables", None),
        ("Generated", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("Plan", f"{base} base year to {horizon} horizon"),
        ("Pack", str(pack.path)),
        ("Pack hash (SHA-256)", (inputs or {}).get("pack")),
        ("stpkit version", (inputs or {}).get("stpkit")),
        ("Disclosure control", disclosure.RULE if disclosure_on else "Off: small counts shown (internal use only)."),
        (None, None),
        ("Sheet", "What it holds"),
        ("Activity", f"Every locality and point of delivery: activity a year in {base} (base), {horizon} with growth "
                     f"and no schemes (momentum), {horizon} with the schemes (target), avoided = momentum - target, "
                     "unit cost and gross savings (avoided x unit cost)."),
        ("Savings by locality", f"Gross savings in {horizon}, £: localities down, points of delivery across."),
        ("Footprint", "The Activity sheet summed by point of delivery."),
        ("Investment by year", "Pump priming (revenue) and capital by category and financial year, "
                               "and totals by year."),
        ("Cash flow", "The footprint's appraisal by year: gross savings, less acute stranded cost, reinvestment in the "
                      "services that replace the activity and the new roles' running costs beyond it, give the cash "
                      "released; less the investment, the net; discounted at the pack's rate, the NPV."),
        ("Workforce", "FTE demand, supply and demand less supply by staff group and financial year; the shortfall "
                      "and surplus apart (the footprint's gap adds up shortfalls, never nets a surplus against them), "
                      "and the cost of the shortfall."),
        ("Beds", f"Every locality and the footprint as one pool, by level of care: bed days a year (admissions x mean "
                 f"length of stay) in {base}, {horizon} with no change and {horizon} in the plan; beds at the pack's "
                 "occupancy target, the fewest beds for its risk target (Erlang loss), and the gross cost a year of "
                 "the beds at the occupancy target."),
        ("Plan on a page", "Do nothing, solutions and do something (NHS England's plan on a page) for the horizon "
                           "year and the whole plan, line by line; a cost or deficit is negative."),
        ("Initiative finance", "Gross savings, investment, acute stranded cost and net savings by initiative, the net "
                               "published beside the net recomputed; below, every published figure checked, and "
                               "those that do not add up flagged (not corrected)."),
    ]
    from openpyxl.styles import Font

    for row, (label, value) in enumerate(lines, start=1):
        if label is not None:
            about.cell(row=row, column=1, value=label).font = Font(bold=row in (1, 9))
        if value is not None:
            about.cell(row=row, column=2, value=value).font = Font(bold=row == 9)
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 110

    cells = projection.assign(point_of_delivery=projection["pod"].map(POD_LABELS).fillna(projection["pod"]))
    _sheet(book, "Activity", cells, [
        ("locality_id", "Locality id", "text"), ("locality", "Locality", "text"), ("group", "Group", "text"),
        ("point_of_delivery", "Point of delivery", "text"), ("base", f"Base {base} (activity a year)", "count"),
        ("growth", "Growth a year", "rate"), ("momentum", f"Momentum {horizon} (activity a year)", "count"),
        ("reduction", "Scheme reduction", "rate"), ("target", f"Target {horizon} (activity a year)", "count"),
        ("avoided", f"Avoided {horizon} (activity a year)", "count"), ("unit_cost", "Unit cost (£)", "gbp"),
        ("gross_savings_gbp", f"Gross savings {horizon} (£)", "gbp"),
        ("target_source", "Target from", "text")], suppress=disclosure_on)

    wide = cells.pivot_table(index=["locality_id", "locality"], columns="point_of_delivery",
                             values="gross_savings_gbp", aggfunc="sum", sort=False)
    order = [POD_LABELS.get(p, p) for p in dict.fromkeys(projection["pod"])]
    wide = wide[[c for c in order if c in wide.columns]]
    wide["Total"] = wide.sum(axis=1)
    wide = wide.reset_index()
    localities = pack.localities[["locality_id"]].astype(str).reset_index(drop=True)
    wide = localities.merge(wide.assign(locality_id=wide["locality_id"].astype(str)), on="locality_id", how="left")
    total = {"locality_id": "", "locality": "Footprint total", **{c: wide[c].sum() for c in wide.columns[2:]}}
    wide = pd.concat([wide, pd.DataFrame([total])], ignore_index=True)
    _sheet(book, "Savings by locality", wide,
           [("locality_id", "Locality id", "text"), ("locality", "Locality", "text")]
           + [(c, f"{c} (£)", "gbp") for c in wide.columns[2:]])

    pods = activity.by_pod(projection)
    pods = pods.assign(point_of_delivery=pods["pod"].map(POD_LABELS).fillna(pods["pod"]))
    _sheet(book, "Footprint", pods, [
        ("point_of_delivery", "Point of delivery", "text"), ("base", f"Base {base}", "count"),
        ("momentum", f"Momentum {horizon}", "count"), ("target", f"Target {horizon}", "count"),
        ("avoided", f"Avoided {horizon}", "count"), ("gross_savings_gbp", f"Gross savings {horizon} (£)", "gbp"),
        ("change_from_base", "Target against base", "rate")], suppress=disclosure_on)

    if pack.has("investments.csv") and len(pack.investments):
        table = investment.by_year(pack.investments)
        years = [c for c in table.columns if isinstance(c, str) and "/" in c]
        columns = [("kind", "Kind", "text"), ("category", "Category", "text")] + \
                  [(y, f"{y} (£)", "gbp") for y in years] + [("total_gbp", "Total (£)", "gbp")]
        sheet_frame = table.assign(kind=table["kind"].replace({"revenue": "Pump priming (revenue)",
                                                               "capital": "Capital"}))
        _sheet(book, "Investment by year", sheet_frame, columns)
        totals = investment.totals_by_year(pack.investments)
        sheet = book["Investment by year"]
        start = sheet.max_row + 2
        sheet.cell(row=start, column=1, value="Totals by year")
        for offset, (_, header) in enumerate([("year", "Year"), ("revenue_gbp", "Pump priming (£)"),
                                              ("capital_gbp", "Capital (£)"), ("investment_gbp", "Total (£)")]):
            sheet.cell(row=start + 1, column=offset + 1, value=header)
        rows = totals[["year", "revenue_gbp", "capital_gbp", "investment_gbp"]].itertuples(index=False)
        for r, values in enumerate(rows, start=start + 2):
            for c, value in enumerate(values, start=1):
                cell = sheet.cell(row=r, column=c, value=_value(value, "gbp" if c > 1 else "year"))
                if c > 1:
                    cell.number_format = FORMATS["gbp"]
    else:
        _sheet(book, "Investment by year", None, [], note="No investments.csv in this pack: add it to fill this sheet.")

    flows = investment.cash_flow(investment.inputs(pack, projection))
    npv = float(flows["discounted_net_gbp"].sum())
    _sheet(book, "Cash flow", flows, [
        ("year", "Year", "year"), ("revenue_gbp", "Pump priming (£)", "gbp"), ("capital_gbp", "Capital (£)", "gbp"),
        ("investment_gbp", "Investment (£)", "gbp"), ("savings_realised_share", "Savings realised", "rate"),
        ("gross_savings_gbp", "Gross savings (£)", "gbp"), ("stranded_cost_gbp", "Acute stranded cost (£)", "gbp"),
        ("reinvestment_gbp", "Reinvestment in new services (£)", "gbp"),
        ("running_cost_gbp", "Running costs beyond the reinvestment (£)", "gbp"),
        ("net_savings_gbp", "Cash released (£)", "gbp"), ("net_gbp", "Cash released less investment (£)", "gbp"),
        ("cumulative_net_gbp", "Cumulative (£)", "gbp"), ("discount_factor", "Discount factor", "number"),
        ("discounted_net_gbp", "Discounted (£)", "gbp")],
        note=f"{pack.name}, the whole footprint. NPV at {pack.discount_rate:.1%}: the sum of the last column, "
             f"£{npv:,.0f}. Gross savings are activity avoided times its cost; the cash released is what the "
             "system keeps.")

    if pack.has("workforce.csv") or pack.has("roles.csv"):
        gap = workforce.workforce_for(pack)["gap"]
        _sheet(book, "Workforce", gap, [
            ("staff_group", "Staff group", "text"), ("year", "Year", "year"), ("baseline_fte", "Baseline (FTE)", "fte"),
            ("roles_fte", "Plan roles (FTE)", "fte"), ("coordination_fte", "Care coordinators (FTE)", "fte"),
            ("gp_released_fte", "GP time released (FTE)", "fte"), ("demand_fte", "Demand (FTE)", "fte"),
            ("supply_fte", "Supply (FTE)", "fte"), ("gap_fte", "Demand less supply (FTE)", "fte"),
            ("shortfall_fte", "Shortfall (FTE)", "fte"), ("surplus_fte", "Surplus (FTE)", "fte"),
            ("cost_per_fte", "Cost per FTE (£)", "gbp"), ("gap_cost_gbp", "Cost of the shortfall (£)", "gbp"),
            ("roles_cost_gbp", "Cost of plan roles (£)", "gbp")])
    else:
        _sheet(book, "Workforce", None, [],
               note="No workforce.csv or roles.csv in this pack: add them to fill this sheet.")

    if beds.has_bed_data(pack):
        bed_table = beds.beds_for(pack, projection=projection)
        rows = pd.concat([bed_table["localities"], bed_table["footprint"]], ignore_index=True)
        rows = rows.assign(stage=rows["stage"].map({"base": f"Base {base}", "momentum": f"Momentum {horizon}",
                                                    "target": f"Plan {horizon}"}))
        _sheet(book, "Beds", rows, [
            ("locality_id", "Locality id", "text"), ("locality", "Locality", "text"), ("level", "Level of care", "text"),
            ("stage", "Stage", "text"), ("share", "Share of bed days", "rate"), ("bed_days", "Bed days a year", "count"),
            ("load_erlangs", "Beds busy on average", "number"), ("beds_occupancy", "Beds at the occupancy target", "number"),
            ("beds_strict", "Beds at the strict occupancy", "number"), ("beds_risk", "Beds for the risk target", "count"),
            ("risk_at_occupancy_beds", "Chance of no bed at the occupancy target", "rate"),
            ("cost_per_bed_day_gbp", "Cost per bed day (£)", "gbp"), ("cost_gbp", "Cost a year, gross (£)", "gbp")],
            note=f"Occupancy target {beds.settings(pack)['occupancy']:.0%}, risk target {beds.settings(pack)['risk']:.1%}; "
                 "locality_id 'all': the footprint as one pool of beds for each level of care.")
    else:
        _sheet(book, "Beds", None, [], note="No length_of_stay.csv in this pack: add it to fill this sheet.")
    _plan_sheets(book, pack, projection)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _plan_sheets(book, pack, projection: pd.DataFrame) -> None:
    """The sheets "Plan on a page" (stpkit.plan.summary) and "Initiative finance" (stpkit.initiatives)."""
    from openpyxl.styles import Font

    horizon = plan.summary(pack, projection)
    whole = plan.summary(pack, projection, period="plan")
    _sheet(book, "Plan on a page", pd.concat([horizon, whole], ignore_index=True), [
        ("period", "Period", "text"), ("label", "Line", "text"), ("do_nothing_gbp", "Do nothing (£)", "gbp"),
        ("solutions_gbp", "Solutions (£)", "gbp"), ("do_something_gbp", "Do something (£)", "gbp")],
        note=f"{pack.name}, the whole footprint. {plan.headline(horizon)}")
    if not len(pack.initiatives):
        _sheet(book, "Initiative finance", None, [],
               note="No initiatives.csv in this pack: add it to fill this sheet.")
        return
    table = initiatives.finance(pack.initiatives)
    _sheet(book, "Initiative finance", table, [
        ("initiative", "Initiative", "text"), ("gross_savings_gbp", "Gross savings (£)", "gbp"),
        ("investment_gbp", "Investment (£)", "gbp"), ("stranded_cost_gbp", "Acute stranded cost (£)", "gbp"),
        ("net_published_gbp", "Net savings, published (£)", "gbp"),
        ("net_computed_gbp", "Net savings, recomputed (£)", "gbp")],
        note=f"{pack.name}: net = gross - investment - stranded cost. The Total row adds up the initiatives; the "
             "checks below compare every published figure with what its parts add up to.")
    checks = initiatives.reconcile(pack.initiatives)
    sheet = book["Initiative finance"]
    start = sheet.max_row + 2
    sheet.cell(row=start, column=1, value="Every published figure checked").font = Font(bold=True)
    headers = [("initiative", "Initiative", "text"), ("figure", "Figure", "text"),
               ("published_gbp", "Published (£)", "gbp"), ("computed_gbp", "Recomputed (£)", "gbp"),
               ("gap_gbp", "Gap (£)", "gbp"), ("flagged", "Does not add up", "text"), ("note", "The sum", "text")]
    for col, (_, header, _) in enumerate(headers, start=1):
        sheet.cell(row=start + 1, column=col, value=header).font = Font(bold=True)
    shown = checks.assign(flagged=checks["flagged"].map({True: "DOES NOT ADD UP", False: ""}))
    for r, values in enumerate(shown[[c for c, _, _ in headers]].itertuples(index=False), start=start + 2):
        for c, ((_, _, kind), value) in enumerate(zip(headers, values), start=1):
            cell = sheet.cell(row=r, column=c, value=_value(value, kind))
            if kind == "gbp" and isinstance(cell.value, (int, float)):
                cell.number_format = FORMATS["gbp"]
