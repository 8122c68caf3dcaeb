"""The workforce gap page (notebooks/workforce_gap.ipynb): demand, supply and gap by staff group and year,
cost, GP time released and care coordinators, with P10 to P90 bands where the pack has ranges."""

from __future__ import annotations

import math

import pandas as pd

from .. import charts, needs, sources, workforce
from .. import figures as figures_style
from ..pack import Pack
from ..uncertainty import has_intervals
from ..years import format_fy
from .base import Control, Page, Result, _fy, _missing_file, care_coordination_controls
from .display import ILLUSTRATIVE, Card, Note, Table, _missing, count, fte, gbp, interval, pct
from .packs import ALL, _highlight, _labelled, _place, _scope, population_share


class WorkforcePage(Page):
    """Workforce gap: demand, supply and gap by staff group and year, cost, GP time released, coordinators."""

    notebook = "workforce_gap"
    heading = "Workforce gap"
    inputs = (("workforce.csv", "baseline_fte"), ("workforce.csv", "leavers_fte"), ("workforce.csv", "joiners_fte"),
              ("workforce.csv", "cost_per_fte"), ("roles.csv", "fte"), ("roles.csv", "unit_cost"),
              ("localities.csv", "population"), ("localities.csv", "patients_per_gp"),
              ("pack.toml", "care_coordination.eligible_share"),
              ("pack.toml", "care_coordination.caseload_per_coordinator"))

    def _controls(self, gp_released_share: float | None = None,
                  eligible_share: float | None = None, caseload_per_coordinator: float | None = None,
                  uncertainty: bool = True) -> list[Control]:
        self._uncertainty = bool(uncertainty) and has_intervals(self.pack)
        if gp_released_share is None:  # a scenario's, else seed 000's 25%
            gp_released_share = (self.pack.settings.get("workforce") or {}).get("gp_released_share")
            gp_released_share = workforce.GP_ACTIVITY_OTHERS_SHARE if gp_released_share is None else gp_released_share
        return [
            Control("gp_released_share", "Share of GP activity others could manage", float(gp_released_share),
                    min=0.0, max=0.5, step=0.01, fmt=".0%", group="GP capacity",
                    help="stpkit's default, 25%: the share of GP activity other staff or virtual channels could manage"),
            *care_coordination_controls(self.pack, eligible_share, caseload_per_coordinator),
        ]

    def compute(self, v: dict) -> Result:
        pack, loc = self.pack, v["locality"]
        place = _place(pack, loc)
        localities = pack.localities
        chosen = pack.with_settings(care_coordination={"eligible_share": float(v["eligible_share"]),
                                                       "caseload_per_coordinator": float(v["caseload_per_coordinator"])})
        tables = self.once(("workforce", float(v["eligible_share"]), float(v["caseload_per_coordinator"]),
                            float(v["gp_released_share"])),  # the footprint's, the same for every locality
                           lambda: workforce.workforce_for(chosen, released_share=float(v["gp_released_share"])))
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
        moved = tables["activity"]
        activity_fte = float(last["activity_fte"]) if last is not None else 0.0
        if len(moved):
            groups = ", ".join(f"{figures_style.words(g)} {c:+.1%}" for g, c in
                               zip(moved["staff_group"], moved["activity_change"]))
            cards.append(Card(f"Staff for the scenario's activity in {horizon}", fte(activity_fte),
                              f"the scenario's growth against the pack's own projection moves the demand for staff in "
                              f"post: {groups} (staff_activity.csv's shares of work by point of delivery)",
                              whose=place["footprint"], illustrative=not pack.has("staff_activity.csv")))
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
                   "demand_fte": float(last["demand_fte"]) if last is not None else float("nan"),
                   "activity_fte": activity_fte}

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
                **({"activity_fte": ("For the scenario's activity (FTE)", "fte")} if len(moved) else {}),
                "gp_released_fte": ("GP time redeployed (FTE)", "fte"), "demand_fte": ("Demand (FTE)", "fte"),
                "supply_fte": ("Supply (FTE)", "fte"), "gap_fte": ("Demand less supply (FTE)", "fte"),
                "shortfall_fte": ("Shortfall (FTE)", "fte"), "surplus_fte": ("Surplus (FTE)", "fte")}
        if "range" in horizon_rows:
            cols["range"] = ("Gap, 80% range (P10 to P90)", "text")
        cols["gap_cost_gbp"] = ("Cost of the shortfall", "gbp")
        table_gap = Table(horizon_rows, cols, caption=f"Staff groups in {horizon}: {place['footprint']}"
                                                      + (f" ({ILLUSTRATIVE} supply)" if supply_illustrative else ""))
        table_years = Table(by_year.assign(year=_fy(by_year["year"])), {
            "year": ("Year", "text"), "demand_fte": ("Demand (FTE)", "fte"),
            **({"activity_fte": ("Of which for the scenario's activity (FTE)", "fte")} if len(moved) else {}),
            "supply_fte": ("Supply (FTE)", "fte"),
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
        notes = (["ranges: the middle 80% (P10 to P90) of simulated outcomes over the pack's ranges; in the gap "
                  "the care coordinators needed and the staff for the activity vary with the drawn growth: staff "
                  "in post, new roles, GP time released and supply stay at their figures"]
                 if bands is not None else [])
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


def _workforce_bands(pack: Pack, tables: dict) -> pd.DataFrame:
    """P10/P50/P90 of the workforce gap from the Monte Carlo (at most 500 draws: a chart's band, quickly)."""
    from .. import uncertainty

    sim = uncertainty.simulate(pack, draws=min(int(pack.settings["uncertainty"]["draws"]), 500),
                               workforce_tables=tables)
    return uncertainty.workforce_percentiles(sim)
