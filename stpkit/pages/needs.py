"""The needs analysis page (notebooks/needs_analysis.ipynb): risk pyramid, Geoffrey Rose calculator,
segments and care coordination."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import charts, needs, sources
from ..years import format_fy
from .base import Control, Page, Result, _setting_source, care_coordination_controls
from .display import ILLUSTRATIVE, Card, Table, count, fte, gbp, pct
from .packs import ALL, _highlight, _labelled, _place, _scope

SEGMENT_WORDS = {"High risk": "High-risk segment (5%)", "Rising risk": "Rising-risk segment (24%)",
                 "Mostly healthy": "Mostly healthy segment (71%)"}


class NeedsPage(Page):
    """Needs analysis: risk pyramid, Geoffrey Rose calculator, segments and care coordination."""

    notebook = "needs_analysis"
    heading = "Needs analysis"
    inputs = (("localities.csv", "population"), ("activity.csv", "activity"), ("risk_segments.csv", "share"),
              ("risk_segments.csv", "relative_rate"), ("pack.toml", "care_coordination.eligible_share"),
              ("pack.toml", "care_coordination.caseload_per_coordinator"),
              ("pack.toml", "care_coordination.net_saving_per_patient_gbp"))

    def _controls(self, rose_cut: float | None = None, eligible_share: float | None = None,
                  caseload_per_coordinator: float | None = None,
                  net_saving_per_patient_gbp: float | None = None) -> list[Control]:
        cc = self.pack.settings["care_coordination"]
        if rose_cut is None:  # a scenario's, else 10%
            rose_cut = (self.pack.settings.get("needs") or {}).get("rose_cut") or 0.10
        return [
            Control("rose_cut", "Cut in all emergency admissions", float(rose_cut), min=0.01, max=0.30, step=0.01,
                    fmt=".0%", group="Rose calculator", help="a what-if: the cut to test for the whole population"),
            *care_coordination_controls(self.pack, eligible_share, caseload_per_coordinator),
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
