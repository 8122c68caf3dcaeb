"""The locality deep dive page (notebooks/locality_deep_dive.ipynb): context, enabler maturity, activity
and its walk from base to target, savings and the transformation timeline."""

from __future__ import annotations

import math

import pandas as pd

from .. import activity, beds, charts, sources
from .. import locality as places
from ..report import disclosure
from ..schema import POD_LABELS
from ..years import format_fy
from .base import Control, Page, Result, _missing_file, _delivery_factor
from .display import ILLUSTRATIVE, Card, Note, Table, count, gbp, pct
from .packs import ALL, _highlight, _labelled, _place, _scope

UNITS = {"ae": "A&E attendances a year", "elective_ip": "Elective admissions a year", "day_case": "Day cases a year",
         "non_elective": "Emergency admissions a year", "outpatient": "Outpatient appointments a year"}
SHORT_POD = {"ae": "A&E", "elective_ip": "Elective inpatients", "day_case": "Day cases",
             "non_elective": "Emergency admissions", "outpatient": "Outpatients"}


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
        delivery = float(_delivery_factor(pack))
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
        settings = tuple((k, v[k]) for k in sorted(v) if k != "locality")  # what the footprint's model rests on
        projection = self.once(("projection", settings),
                               lambda: activity.project(pack, growth_change=pd.Series(moved, dtype=float) if moved
                                                        else None, reductions=activity.pod_reductions(schemes),
                                                        delivery=float(v.get("delivery", 1.0))))
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
        from .scenario import range_words, ranges

        bands = ranges(self, loc)  # P10 to P90 where the pack gives 80% intervals (seed 004: schemes often fall short)
        cards = [card_place,
                 Card(f"Gross savings in {horizon}", gbp(savings),
                      "activity avoided x unit cost, a year, against momentum growth; before investment and "
                      "stranded costs" + (f"; {range_words(bands['savings'])}" if bands else ""),
                      illustrative=self._costs_illustrative(cells, loc))]
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
        bed_figures = {}
        if beds.has_bed_data(pack):  # the beds the plan needs, where the pack gives lengths of stay
            bed_table = self.once(("beds", settings), lambda: beds.beds_for(pack, projection=projection))
            totals = bed_table["footprint_totals"] if loc == ALL else bed_table["locality_totals"]
            scope_beds = totals[totals["locality_id"] == loc].set_index("stage")["beds_occupancy"]
            if len(scope_beds):
                occupancy = beds.settings(pack)["occupancy"]
                cards.append(Card(f"Beds needed in {horizon}", f"{scope_beds['target']:,.0f}",
                                  f"at {pct(occupancy, 0)} occupancy, against {scope_beds['base']:,.0f} in "
                                  f"{format_fy(pack.base_year)}; the bed capacity report has them by level of care",
                                  illustrative=sources.illustrative(pack, [("length_of_stay.csv", "los_days")])))
                bed_figures = {"beds_target": float(scope_beds["target"]), "beds_base": float(scope_beds["base"])}
        figures = {"localities": int(len(_scope(localities, loc))), "gross_savings_gbp": savings,
                   "base": float(cells["base"].sum()), "momentum": float(cells["momentum"].sum()),
                   "target": float(cells["target"].sum()), "mean_enabler_score": mean_score,
                   "archetype": None if loc == ALL else str(kinds.loc[kinds["locality_id"] == loc, "archetype"].iloc[0])}
        figures.update(bed_figures)

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
