"""The bed capacity page (notebooks/bed_capacity.ipynb): beds now and at the horizon by level of care, the
bed-days waterfall, beds for a risk target against beds at an occupancy target, and what the beds cost."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import beds, charts, sources
from .. import figures as figures_style
from ..years import format_fy
from .base import Control, Page, Result
from .display import ILLUSTRATIVE, Card, Note, Table, gbp, pct
from .packs import ALL, _place

STAGE_WORDS = {"base": "Base year", "momentum": "Do nothing", "target": "Plan"}
NO_BED_DATA = ("the pack does not give lengths of stay (the mean stay of an admission by point of delivery), "
               "which turn admissions into bed days; with them this page fills in: beds by level of care, the beds a "
               "risk target needs and what the beds cost")


class BedsPage(Page):
    """Bed capacity: bed days, beds by level of care at an occupancy target and for a risk target, and cost."""

    notebook = "bed_capacity"
    heading = "Bed capacity"
    inputs = (("length_of_stay.csv", "los_days"), ("los_changes.csv", "reduction"), ("levels_of_care.csv", "share"),
              ("levels_of_care.csv", "base_share"), ("levels_of_care.csv", "cost_per_bed_day"),
              ("pack.toml", "beds.occupancy"), ("pack.toml", "beds.risk"), ("activity.csv", "activity"),
              ("schemes.csv", "reduction"))

    def _controls(self, occupancy: float | None = None, risk: float | None = None, los_change: float = 0.0,
                  acute_share: float | None = None, uncertainty: bool = True) -> list[Control]:
        given = beds.settings(self.pack)
        self._uncertainty = bool(uncertainty)
        plan_acute = beds.acute_share(beds.levels(self.pack))
        return [
            Control("occupancy", "Occupancy target", float(given["occupancy"] if occupancy is None else occupancy),
                    min=0.6, max=0.99, step=0.01, fmt=".0%", group="Beds",
                    help="the pack's occupancy target: the NHS planning convention is 92% for general and acute beds"),
            Control("risk", "Chance a patient finds no bed", float(given["risk"] if risk is None else risk),
                    min=0.001, max=0.2, step=0.001, fmt=".1%", group="Beds",
                    help="the pack's risk target: the largest chance an emergency patient finds no bed free"),
            Control("los_change", "Change in length of stay", float(los_change), min=-0.3, max=0.3, step=0.01,
                    fmt="+.0%", group="Beds",
                    help="a what-if on top of the plan's length-of-stay schemes (-10%: stays 10% shorter)"),
            Control("acute_share", "Share of bed days needing acute care",
                    float(plan_acute if acute_share is None else acute_share), min=0.3, max=1.0, step=0.01,
                    fmt=".0%", group="Levels of care",
                    help="the pack's levels of care; integrated delivery systems run on two-thirds tertiary and "
                         "secondary acute, the rest sub-acute, rehabilitation and step-down"),
        ]

    def compute(self, v: dict) -> Result:
        pack, loc = self.pack, v["locality"]
        place = _place(pack, loc)
        base, horizon = format_fy(pack.base_year), format_fy(pack.horizon_year)
        if not beds.has_bed_data(pack):
            note = Note(NO_BED_DATA)
            names = ("levels", "waterfall", "risk_vs_occupancy", "compare", "cost")
            return Result(title=f"{self.heading}: {place['name']}", subtitle=place["where"],
                          cards=[Card("Beds", "not known", "the pack does not give lengths of stay, so admissions "
                                                           "cannot be turned into bed days")],
                          figures={"beds_target": float("nan")}, charts={n: note for n in names},
                          tables={"levels": note, "localities": note})
        occupancy, risk = float(v["occupancy"]), float(v["risk"])
        risk_words = f"{risk:.1%}".replace(".0%", "%")
        key = ("beds", occupancy, risk, float(v["los_change"]), float(v["acute_share"]))
        result = self.once(key, lambda: beds.beds_for(pack, occupancy=occupancy, risk=risk,
                                                      los_change=float(v["los_change"]),
                                                      acute=float(v["acute_share"])))
        scope = result["footprint"] if loc == ALL else result["localities"][result["localities"]["locality_id"] == loc]
        days = result["days"] if loc == ALL else result["days"][result["days"]["locality_id"] == loc]
        if not len(days):
            note = Note(f"the pack gives no length of stay for {place['name']}'s admissions")
            return Result(title=f"{self.heading}: {place['name']}", subtitle=place["where"],
                          cards=[Card("Beds", "not known", "no length of stay for this locality's admissions")],
                          figures={"beds_target": float("nan")},
                          charts={n: note for n in ("levels", "waterfall", "risk_vs_occupancy", "compare", "cost")},
                          tables={"levels": note, "localities": note})
        stage = scope.groupby("stage")[["bed_days", "load_erlangs", "beds_occupancy", "beds_strict", "beds_risk",
                                        "cost_gbp"]].sum()
        target, now, nothing = stage.loc["target"], stage.loc["base"], stage.loc["momentum"]
        # the chance of no free bed at the occupancy-target beds, each level its own pool
        plan_levels = scope[scope["stage"] == "target"]
        worst = plan_levels.loc[plan_levels["load_erlangs"] > 0]
        worst_level = worst.loc[worst["risk_at_occupancy_beds"].idxmax()] if len(worst) else None
        illustrative = sources.illustrative(pack, [("length_of_stay.csv", "los_days")], locality=None)
        cost_illustrative = sources.illustrative(pack, [("levels_of_care.csv", "cost_per_bed_day")])
        has_cost = bool(np.isfinite(plan_levels["cost_per_bed_day_gbp"]).all())
        bands = self.once(("bands", occupancy, risk), lambda: _bands(pack, occupancy, risk)) if self._uncertainty \
            else None
        band = None
        if bands is not None:
            b = bands[(bands["locality_id"] == loc) & (bands["measure"] == "beds_occupancy")]
            band = b.iloc[0] if len(b) else None

        cards = [
            Card(f"Beds needed in {horizon}", figures_style.number(target["beds_occupancy"]),
                 f"plan's bed days / 365 at {pct(occupancy, 0)} occupancy; {figures_style.number(now['beds_occupancy'])} "
                 f"in {base}, {figures_style.number(nothing['beds_occupancy'])} if nothing is done"
                 + (f"; 80% range {figures_style.number(band['p10'])} to {figures_style.number(band['p90'])} beds"
                    if band is not None
                    and band["p10"] < band["p90"] else ""),
                 illustrative=illustrative),
            Card(f"Beds for a {risk_words} risk", figures_style.number(target["beds_risk"]),
                 f"the fewest beds with at most a {risk_words} chance that an emergency patient finds none free "
                 "(Erlang loss), each level of care its own pool of beds", illustrative=illustrative),
        ]
        if worst_level is not None:
            cards.append(Card("Chance of finding no bed", pct(worst_level["risk_at_occupancy_beds"], 1),
                              f"at {pct(occupancy, 0)} occupancy, in the level most at risk: "
                              f"{worst_level['level']} ({figures_style.number(math.ceil(worst_level['beds_occupancy'] - 1e-9))} beds)",
                              illustrative=illustrative))
        if has_cost:
            change = target["cost_gbp"] / now["cost_gbp"] - 1 if now["cost_gbp"] > 0 else float("nan")
            cards.append(Card(f"Cost of the beds in {horizon}", gbp(target["cost_gbp"]),
                              f"gross running cost a year of the beds at {pct(occupancy, 0)} occupancy by level of care "
                              f"(a cost, not a saving); {gbp(now['cost_gbp'])} for today's beds at today's levels"
                              + ("" if math.isnan(change) else f", {pct(change, 1, change=True)}"),
                              illustrative=cost_illustrative))
        figures = {"beds_base": float(now["beds_occupancy"]), "beds_momentum": float(nothing["beds_occupancy"]),
                   "beds_target": float(target["beds_occupancy"]), "beds_risk_target": float(target["beds_risk"]),
                   "bed_days_target": float(target["bed_days"]),
                   "cost_gbp_target": float(target["cost_gbp"]) if has_cost else float("nan"),
                   "cost_gbp_base": float(now["cost_gbp"]) if has_cost else float("nan")}

        # charts
        by_level = scope.assign(stage_label=scope["stage"].map(STAGE_WORDS))
        chart_levels = charts.bars(
            by_level, "stage_label", "beds_occupancy", series="level", stack=True, horizontal=False,
            order=list(STAGE_WORDS.values()), title=f"Beds by level of care: {place['whose']}",
            value_title=f"Beds at {pct(occupancy, 0)} occupancy", category_title=None, value_format=",.0f",
            subtitle=[f"{base} and do nothing: today's designation; plan, {horizon}: the plan's levels of care"
                      + (f" ({ILLUSTRATIVE})" if illustrative else "")])
        steps = beds.waterfall(result["days"], pack, locality=loc, los_change=float(v["los_change"]))
        chart_waterfall = charts.waterfall(steps, title=f"Bed days from {base} to {horizon}: {place['whose']}",
                                           value_title="Bed days a year",
                                           subtitle="Growth, each scheme's avoided admissions at their length of "
                                                    "stay, and each length-of-stay change")
        largest = max(float(result["footprint"]["load_erlangs"].max()), 50.0)
        curve = self.once(("curve", risk, largest), lambda: beds.occupancy_curve(risk, largest))
        pools = result["localities"][result["localities"]["stage"] == "target"]
        if loc != ALL:
            pools = pools[pools["locality_id"] == loc]
        pools = pools.assign(name=pools["locality"] + ": " + pools["level"])
        pools, pools_note = _some_pools(pools)
        footprint_pools = result["footprint"][result["footprint"]["stage"] == "target"]
        pools = pd.concat([pools, footprint_pools.assign(name=place["footprint"] + " as one pool: "
                                                          + footprint_pools["level"])], ignore_index=True)
        chart_risk = charts.occupancy_curve(
            curve, pools, occupancy=occupancy, title="Why one occupancy target misleads",
            pool_label="A pool of beds in the plan",
            subtitle=[f"The occupancy at which a pool of beds keeps the chance of finding no bed at {risk_words}",
                      "Small pools must run far emptier than large ones: a small site planned at "
                      f"{pct(occupancy, 0)} turns patients away far more often", *pools_note])
        compare = plan_levels.melt(id_vars=["level"], value_vars=["beds_occupancy", "beds_strict", "beds_risk"],
                                   var_name="method", value_name="beds")
        words = {"beds_occupancy": f"At {pct(occupancy, 0)} occupancy",
                 "beds_strict": f"At {pct(beds.settings(pack)['strict_occupancy'], 0)} occupancy",
                 "beds_risk": f"For a {risk_words} risk"}
        compare["method"] = compare["method"].map(words)
        chart_compare = charts.bars(compare, "level", "beds", series="method", horizontal=True,
                                    series_order=list(words.values()),
                                    title=f"Beds in {horizon} three ways: {place['whose']}", value_title="Beds",
                                    subtitle="Occupancy targets against the beds a risk target needs")
        if has_cost:
            cost = by_level[by_level["stage"].isin(["base", "target"])].assign(gbp_m=lambda f: f["cost_gbp"] / 1e6)
            chart_cost = charts.bars(cost, "stage_label", "gbp_m", series="level", stack=True, horizontal=False,
                                     order=[STAGE_WORDS["base"], STAGE_WORDS["target"]],
                                     title=f"Cost of the beds by level of care: {place['whose']}",
                                     value_title="£m a year (gross)", category_title=None, value_format=",.1f",
                                     subtitle="Beds at the occupancy target x 365 x the level's cost per bed day"
                                              + (f" ({ILLUSTRATIVE})" if cost_illustrative else ""))
        else:
            chart_cost = Note("the pack does not give the cost of a bed day at each level of care; with it this "
                              "chart fills in")

        # tables
        now_rows = scope[scope["stage"] == "base"].set_index("level")
        rows = plan_levels.set_index("level").assign(
            beds_now=now_rows["beds_occupancy"], cost_now=now_rows["cost_gbp"]).reset_index()
        level_columns = {
            "level": ("Level of care", "text"), "share": ("Share of bed days", "pct"),
            "bed_days": ("Bed days a year", "count"), "beds_now": (f"Beds {base}", "number"),
            "beds_occupancy": (f"Beds {horizon}", "number"), "beds_risk": (f"Beds for a {risk_words} risk", "number"),
            "risk_at_occupancy_beds": ("Chance of no bed at the occupancy target", "pct"),
            "occupancy_at_risk_beds": ("Occupancy at the risk target's beds", "pct")}
        if has_cost:
            level_columns.update({"cost_now": (f"Cost {base} (gross)", "gbp"),
                                  "cost_gbp": (f"Cost {horizon} (gross)", "gbp")})
        table_levels = Table(rows, level_columns, caption=f"Levels of care in {horizon}: {place['whose']}"
                             + (f" ({ILLUSTRATIVE})" if illustrative else ""))
        totals = result["locality_totals"]
        wide = totals.pivot_table(index=["locality_id", "locality"], columns="stage",
                                  values=["beds_occupancy", "beds_risk"], sort=False)
        wide.columns = [f"{a}_{b}" for a, b in wide.columns]
        wide = wide.reset_index()
        table_localities = Table(wide, {
            "locality": ("Locality", "text"), "beds_occupancy_base": (f"Beds {base}", "number"),
            "beds_occupancy_momentum": (f"Beds {horizon}, do nothing", "number"),
            "beds_occupancy_target": (f"Beds {horizon}, plan", "number"),
            "beds_risk_target": (f"Beds for a {risk_words} risk, plan", "number")},
            caption="Each locality as its own pools of beds (one a level of care)",
            highlight=place["name"] if loc != ALL else None)
        notes = ["beds at the occupancy target: bed days / 365 / occupancy; for the risk target: Erlang loss"]
        if loc == ALL:
            notes.append("the footprint's beds are one pool for each level of care")
        if band is not None:
            notes.append("ranges: the middle 80% (P10 to P90) over the pack's ranges of length of stay and occupancy")
        return Result(title=f"{self.heading}: {place['name']}",
                      subtitle="; ".join([place["where"] + f"; plan {place['span']}", *notes]),
                      cards=cards, figures=figures,
                      charts={"levels": chart_levels, "waterfall": chart_waterfall, "risk_vs_occupancy": chart_risk,
                              "compare": chart_compare, "cost": chart_cost},
                      tables={"levels": table_levels, "localities": table_localities})


POOLS_SHOWN = 120  # pools drawn on the occupancy curve; a national footprint has 5,000 (every locality's levels)


def _some_pools(pools: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """At most POOLS_SHOWN of the localities' pools, spread evenly from the smallest to the largest, and a line
    saying so (none when every pool is shown). Every pool sits on the curve, so a spread shows what all would."""
    drawn = pools[pools["beds_risk"] > 0]
    if len(drawn) <= POOLS_SHOWN:
        return pools, []
    ordered = drawn.sort_values(["beds_risk", "name"], kind="stable")
    picks = np.unique(np.linspace(0, len(ordered) - 1, POOLS_SHOWN).round().astype(int))
    return (ordered.iloc[picks],
            [f"{len(picks):,} of the localities' {len(drawn):,} pools, evenly spread from the smallest to the largest"])


def _bands(pack, occupancy: float, risk: float) -> pd.DataFrame | None:
    """P10/P50/P90 of beds where length of stay or occupancy carry 80% intervals (None where neither does)."""
    from .. import uncertainty

    if not uncertainty.bed_intervals(pack):
        return None
    return uncertainty.bed_percentiles(pack, occupancy=occupancy, risk=risk,
                                       draws=min(int(pack.settings["uncertainty"]["draws"]), 1000))
