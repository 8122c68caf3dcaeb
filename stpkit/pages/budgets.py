"""The people and budgets page (notebooks/budgets.ipynb): growth from people ageing, need-weighted fair
shares of a budget and the distance from them, and case-mix adjusted use with its funnel plot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import activity, budgets, charts, funnel, population, sources
from ..schema import POD_LABELS
from ..years import format_fy
from .base import Control, Page, Result, _setting_source
from .display import ILLUSTRATIVE, Card, Note, Table, count, gbp, pct
from .packs import ALL, _highlight, _labelled, _place, _scope


MAX_FUNNEL_POINTS = 2000  # practices on one funnel plot; a bigger footprint shows a locality's practices


class BudgetsPage(Page):
    """People and budgets: demographic growth, fair shares, distance from target, case-mix adjusted use."""

    notebook = "budgets"
    heading = "People and budgets"
    inputs = (("localities.csv", "population"), ("localities.csv", "imd_score"), ("population.csv", "people"),
              ("activity_by_age.csv", "activity"), ("age_rates.csv", "rate_per_1000"),
              ("cost_weights.csv", "cost_weight"), ("activity.csv", "activity"), ("pods.csv", "unit_cost"),
              ("spend.csv", "spend_gbp"), ("practices.csv", "list_size"), ("practices.csv", "admissions"),
              ("pack.toml", "population.momentum"), ("pack.toml", "budgets.total_gbp"),
              ("pack.toml", "budgets.need_weight"))

    def _controls(self, budget_gbp: float | None = None, need_weight: float | None = None) -> list[Control]:
        default, why = budgets.total_budget(self.pack)
        value = float(default if budget_gbp is None else budget_gbp)
        weight = self.pack.settings.get("budgets", {}).get("need_weight", 0.3)
        return [
            Control("budget_gbp", "Budget to share (£ a year)", value, min=0.0, max=max(value, 1.0) * 2,
                    step=max(round(value / 200, -3), 1000.0), fmt=",.0f", group="Fair shares",
                    help=f"the budget shared by weighted population; it starts at {why}"),
            Control("need_weight", "Weight of deprivation in need", float(weight if need_weight is None
                                                                          else need_weight),
                    min=0.0, max=2.0, step=0.05, fmt=".2f", group="Fair shares",
                    help=_setting_source(self.pack, "budgets.need_weight",
                                         "need index = 1 + weight x (IMD score - average) / average")),
        ]

    def compute(self, v: dict) -> Result:
        pack, loc = self.pack, v["locality"]
        place = _place(pack, loc)
        weighted_pack = pack.with_settings(budgets={"need_weight": float(v["need_weight"])})
        frame = budgets.budgets(weighted_pack, v["budget_gbp"])
        _, spend_what = self.once("spend", lambda: budgets.spend(pack))
        ratios = self.once("case_mix", lambda: budgets.case_mix(pack))
        projection = self.once("projection", lambda: activity.project(pack))
        has_people = population.has_population(pack)
        people_illustrative = sources.illustrative(pack, [("population.csv", "people")])
        weights_illustrative = not pack.has("cost_weights.csv") or sources.illustrative(
            pack, [("cost_weights.csv", "cost_weight")])

        scope = _scope(frame, loc)
        share = float(scope["fair_share_gbp"].sum())
        spent = float(scope["spend_gbp"].sum())
        distance = spent - share
        distance_pct = distance / share if share else float("nan")
        weighted = float(scope["weighted_population"].sum())
        nel = _scope(ratios, loc)
        observed, expected = float(nel["observed"].sum()), float(nel["expected"].sum())
        ratio = observed / expected if expected else float("nan")
        low, high = budgets.byar_interval(observed, expected)
        split = population.growth_split(_scope(projection, loc))
        growth_total = float(split["growth_total"].sum())
        demographic = float(split["demographic"].sum()) if has_people else float("nan")

        spend_words = (spend_what if spend_what == budgets.SPEND_GIVEN
                       else f"{format_fy(pack.base_year)} hospital activity at unit cost, gross")
        cards = [
            Card("Weighted population", count(weighted),
                 f"{count(scope['people'].sum())} people weighted by age and need (need index "
                 f"{scope['need_index'].iloc[0]:.2f})" if loc != ALL else
                 f"{count(scope['people'].sum())} people weighted by age and need",
                 illustrative=weights_illustrative or people_illustrative),
            Card("Fair share of the budget", gbp(share),
                 f"{pct(share / v['budget_gbp'] if v['budget_gbp'] else float('nan'))} of {gbp(v['budget_gbp'])}, by "
                 "weighted population", illustrative=weights_illustrative),
            Card("Distance from target", f"{gbp(distance)} ({pct(distance_pct, change=True)})",
                 f"spend {gbp(spent)} ({spend_words}) against the fair share; above 0 is over target"),
            Card("Emergency admissions against the age mix", f"{ratio:.2f}",
                 f"{count(observed)} observed, {count(expected)} expected for its people by age "
                 f"(95% CI {low:.2f} to {high:.2f})", illustrative=people_illustrative)
            if expected > 0 and np.isfinite([ratio, low, high]).all() else
            Card("Emergency admissions against the age mix", "not known",
                 "the pack gives no emergency admissions to expect for its people by age, so there is no ratio",
                 illustrative=people_illustrative),
        ]
        if has_people:
            cards.append(Card("Growth from people ageing", pct(demographic / growth_total if growth_total else 0),
                              f"of the momentum growth to {format_fy(pack.horizon_year)} "
                              f"({count(demographic)} of {count(growth_total)} more admissions and appointments)",
                              illustrative=people_illustrative))
        figures = {
            "weighted_population": weighted, "fair_share_gbp": share, "budget_gbp": float(v["budget_gbp"]),
            "spend_gbp": spent, "distance_from_target_gbp": distance, "distance_from_target_pct": distance_pct,
            "nel_observed": observed, "nel_expected": expected, "nel_ratio": ratio, "nel_ratio_low": float(low),
            "nel_ratio_high": float(high), "growth_total": growth_total, "growth_demographic": demographic,
        }

        labelled = _labelled(frame, pack.localities)
        chart_distance = charts.bars(
            labelled, "label", "distance_pct", highlight=_highlight(loc), highlight_field="locality_id",
            percent=True, sort_by_value=True, title="Distance from target: spend against the fair share",
            value_title="Spend above (+) or below (-) the fair share (%)",
            subtitle=f"Fair shares of {gbp(v['budget_gbp'])} by weighted population; spend: {spend_words}")
        long_shares = labelled.melt(id_vars=["locality_id", "label"], value_vars=["fair_share_gbp", "spend_gbp"],
                                    var_name="measure", value_name="gbp")
        long_shares["measure"] = long_shares["measure"].map({"fair_share_gbp": "Fair share", "spend_gbp": "Spend"})
        long_shares["gbp_m"] = long_shares["gbp"] / 1e6
        chart_shares = charts.bars(
            long_shares, "label", "gbp_m", series="measure", highlight=_highlight(loc), highlight_field="locality_id",
            title="Fair share and spend in each locality", value_title="£m a year", value_format=",.1f",
            sort_by_value=True, series_colors={"Fair share": charts.NHS_BLUE, "Spend": charts.NHS_WARM_YELLOW},
            subtitle=f"Fair shares of {gbp(v['budget_gbp'])} by weighted population; spend: {spend_words}")
        chart_funnel = funnel.chart(
            _labelled(ratios, pack.localities), title="Emergency admissions against the age mix",
            x_title="Expected admissions for the people by age (log scale)",
            y_title="Observed / expected", highlight=_highlight(loc), highlight_field="locality_id",
            subtitle="Inside the lines is what chance alone would give at that size (95% dashed, 99.8% solid)")
        if has_people:
            by_pod = population.growth_split(_scope(projection, loc)).groupby("pod", sort=False)[
                ["demographic", "non_demographic"]].sum().reset_index()
            long = by_pod.melt(id_vars="pod", var_name="part", value_name="change")
            long["part"] = long["part"].map({"demographic": "People by age (demographic)",
                                             "non_demographic": "Everything else (non-demographic)"})
            long["pod"] = long["pod"].map(POD_LABELS)
            chart_growth = charts.bars(
                long, "pod", "change", series="part", stack=True, title=f"Momentum growth, {place['name']}",
                value_title=f"Change {format_fy(pack.base_year)} to {format_fy(pack.horizon_year)} (a year)",
                subtitle="How much of the growth is the people ageing and growing, and how much everything else",
                series_colors={"People by age (demographic)": charts.NHS_BLUE,
                               "Everything else (non-demographic)": charts.NHS_WARM_YELLOW})
            profile = population.age_profile(pack, loc)
            chart_age = charts.bars(
                profile.melt(id_vars="age_band", value_vars=["base_people", "horizon_people"], var_name="year",
                             value_name="people").replace({"base_people": format_fy(pack.base_year),
                                                           "horizon_people": format_fy(pack.horizon_year)}),
                "age_band", "people", series="year", horizontal=False, order=list(profile["age_band"]),
                title=f"People by age band, {place['name']}", value_title="People", category_title="Age band",
                subtitle=sources.line(pack, "population.csv", "people", default="the pack's population"))
        else:
            missing = Note("the pack does not give people by age band, which splits growth into people ageing and "
                           "the rest; with it this section fills in.")
            chart_growth = chart_age = missing

        table_budgets = Table(_in_group(pack, labelled, loc), {
            "locality": ("Locality", "text"), "people": ("People", "count"),
            "weighted_population": ("Weighted population", "number"), "need_index": ("Need index", "rate"),
            "fair_share_gbp": ("Fair share", "gbp"), "spend_gbp": ("Spend", "gbp"),
            "distance_gbp": ("Distance from target", "gbp"), "distance_pct": ("Distance from target (%)", "pct"),
        }, caption=f"Fair shares of {gbp(v['budget_gbp'])} and distance from target (spend: {spend_words})"
                   + (f": {place['name']} among the localities of {place['group']}" if loc != ALL else ""),
            highlight=place["name"] if loc != ALL else None)
        shown_ratios = ratios.replace([np.inf, -np.inf], np.nan)  # nothing expected: no ratio, shown blank
        table_ratios = Table(_in_group(pack, shown_ratios, loc), {
            "locality": ("Locality", "text"), "observed": ("Observed admissions", "count"),
            "expected": ("Expected for the age mix", "count"), "ratio": ("Ratio", "rate"),
            "ratio_low": ("95% CI low", "rate"), "ratio_high": ("95% CI high", "rate"),
            "funnel": ("Against the funnel limits", "text"),
        }, caption="Emergency admissions against the footprint's rates by age band (indirect standardisation)",
            highlight=place["name"] if loc != ALL else None)
        tables = {"budgets": table_budgets, "ratios": table_ratios}
        practices = self.once("practices", lambda: budgets.practice_case_mix(pack))
        chart_practices = Note("the pack does not give GP practices with their emergency admissions, which puts each "
                               "practice on the funnel; with them this chart fills in.")
        if len(practices):
            shown = practices if loc == ALL else practices[practices["locality_id"] == loc]
            if len(shown) > MAX_FUNNEL_POINTS:
                chart_practices = Note(f"the footprint has {len(shown):,} practices, too many to show at once; pick "
                                       "a locality to see its practices on the funnel.")
            elif len(shown):
                chart_practices = funnel.chart(
                    shown.assign(label=shown["practice"]), title=f"GP practices' emergency admissions, {place['name']}",
                    x_title="Expected admissions for the list by age (log scale)", y_title="Observed / expected",
                    subtitle="Against the footprint's rates by age band; inside the lines is chance alone at that "
                             "list size (95% dashed, 99.8% solid)")
            tables["practices"] = Table(shown, {
                "practice": ("Practice", "text"), "observed": ("Observed admissions", "count"),
                "expected": ("Expected for the age mix", "count"), "ratio": ("Ratio", "rate"),
                "ratio_low": ("95% CI low", "rate"), "ratio_high": ("95% CI high", "rate"),
                "funnel": ("Against the funnel limits", "text")}, caption="GP practices")
        else:
            tables["practices"] = Note("the pack does not give GP practices with their emergency admissions, "
                                       "which compares each practice with its case mix; with them this table fills in.")
        return Result(
            title=f"{self.heading}: {place['name']}", subtitle=place["where"] + f"; plan {place['span']}",
            cards=cards, figures=figures,
            charts={"growth": chart_growth, "age": chart_age, "shares": chart_shares, "distance": chart_distance,
                    "funnel": chart_funnel, "practice_funnel": chart_practices},
            tables=tables)


def _in_group(pack, frame: pd.DataFrame, loc: str) -> pd.DataFrame:
    """Every locality for the footprint; for one locality, the localities of its group (it in bold)."""
    if loc == ALL:
        return frame
    groups = pack.localities.set_index("locality_id")["group"]
    return frame[frame["locality_id"].map(groups) == groups.get(loc)]


__all__ = ["BudgetsPage", "ILLUSTRATIVE"]
