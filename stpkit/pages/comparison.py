"""The scenario comparison page (notebooks/scenario_comparison.ipynb): scenarios side by side, the difference
by locality, what each changed assumption did, and the ranges from paired draws."""

from __future__ import annotations

import pandas as pd

from .. import activity, charts, comparison, scenarios, sources
from ..figures import fte as fte_words
from ..figures import number
from .base import Page, Result
from .display import Card, Note, Table, count, gbp, pct
from .packs import ALL, _highlight, _labelled, _place
from .scenario import value_text

MAX_DEFAULT = 5  # with no scenarios named, up to this many of the pack's scenarios (with the pack as it is if
# it has only one)


def scenario_names(pack, asked=None, scenario: str | None = None) -> list[str]:
    """The scenarios to compare: as asked (a list or "A,B"), else the pack's own (at most MAX_DEFAULT, with
    the pack as it is first when it has only one); a notebook's ``scenario`` parameter compares the pack as
    it is with that one."""
    if isinstance(asked, str):
        asked = [a.strip() for a in asked.split(",") if a.strip()]
    if asked:
        return list(asked)
    if scenario:
        return [comparison.PACK_AS_IS, scenario]
    own = scenarios.names(pack)[:MAX_DEFAULT]
    return own if len(own) >= 2 else [comparison.PACK_AS_IS, *own]


class ComparisonPage(Page):
    """Scenario comparison: headline figures side by side, by locality, the attribution and the ranges."""

    notebook = "scenario_comparison"
    heading = "Scenario comparison"
    scenario_picker = False  # it compares scenarios rather than showing one
    inputs = (("pods.csv", "growth"), ("schemes.csv", "reduction"), ("pods.csv", "unit_cost"),
              ("investments.csv", "amount"), ("pack.toml", "finance.discount_rate"), ("workforce.csv", "baseline_fte"))

    def __init__(self, pack=None, locality: str | None = ALL, mode: str | None = None, scenarios=None,
                 scenario: str | None = None, draws: int | None = None):
        from .packs import open_pack

        self.names = scenario_names(open_pack(pack), scenarios, scenario)
        self.draws = draws
        super().__init__(pack, locality, mode)

    def _made_with(self) -> str:
        return repr((list(self.names), self.draws))

    def scenario_html(self) -> str:
        return ""  # the page names its scenarios in its subtitle and tables

    def compute(self, v: dict) -> Result:
        pack, loc = self.pack, v["locality"]
        place = _place(pack, loc)
        if len(self.names) < 2:
            note = Note(f"there is nothing to compare: the pack has no scenarios (add one as {pack.path.name}/"
                        "scenarios/NAME.toml, see docs/scenarios.md).")
            return Result(title=f"{self.heading}: {place['name']}", subtitle=place["where"], cards=[], figures={},
                          charts={k: note for k in ("headlines", "attribution", "attribution_workforce", "localities")},
                          tables={k: note for k in ("headlines", "attribution", "ranges", "localities", "differences")})
        shared = self.once("comparison parts", dict)  # the footprint-wide parts, kept for every locality's comparison
        result = self.once(("compare", loc), lambda: comparison.compare(pack, self.names, loc, draws=self.draws,
                                                                        cache=shared))
        chosen = result["scenarios"]
        titles = dict(zip(chosen["name"], chosen["title"]))
        first, second = self.names[0], self.names[1]
        head = result["headlines"].set_index("measure")
        ranges = result["ranges"]
        whose_savings = place["whose"]
        footprint = place["footprint"]

        def band(name: str, measure: str) -> str:
            if ranges is None:
                return "no range: the pack gives no 80% intervals"
            row = ranges[(ranges["scenario"] == name) & (ranges["measure"] == measure)].iloc[0]
            text = f"P10 {gbp(row['p10'])} to P90 {gbp(row['p90'])}"
            if name != first:
                text += f"; better than {titles[first]} in {pct(row['p_better_than_first'], 0)} of paired draws"
            return text

        from .locality import LocalityPage

        # as the other pages flag them: savings on an illustrative unit cost of activity avoided, NPV also on
        # an illustrative discount rate
        costs = self.once(("costs", loc), lambda: LocalityPage._costs_illustrative(
            self, self.shared("projection", lambda: activity.project(pack)), loc))
        money_flag = costs or sources.illustrative(pack, [("pack.toml", "finance.discount_rate")])
        cards = []
        for name in self.names:
            cards.append(Card(f"{titles[name]}: NPV", gbp(head.loc["npv_gbp", name]),
                              f"of cash released less investment; {band(name, 'npv_gbp')}", whose=footprint,
                              illustrative=money_flag))
        for name in self.names:
            cards.append(Card(f"{titles[name]}: gross savings a year", gbp(head.loc["gross_savings_gbp", name]),
                              f"activity avoided times its cost in the horizon year; {band(name, 'gross_savings_gbp')}",
                              whose=whose_savings, illustrative=costs))
        figures = {f"npv_gbp_{n}": float(head.loc["npv_gbp", n]) for n in self.names}
        figures.update({f"gross_savings_gbp_{n}": float(head.loc["gross_savings_gbp", n]) for n in self.names})
        figures["scenarios"] = list(self.names)

        money = head.loc[["gross_savings_gbp", "investment_gbp", "npv_gbp"]].reset_index()
        long = money.melt(id_vars=["measure", "label", "whose"], value_vars=self.names, var_name="scenario",
                          value_name="gbp")
        long = long.assign(gbp_m=long["gbp"].astype(float) / 1e6, title=long["scenario"].map(titles),
                           measure=long["measure"].map({"gross_savings_gbp": "Gross savings a year",
                                                        "investment_gbp": "Investment", "npv_gbp": "NPV"}))
        chart_head = charts.bars(long, "title", "gbp_m", series="measure", title="The scenarios side by side",
                                 value_title="£m", value_format=",.1f", order=[titles[n] for n in self.names],
                                 series_colors={"Gross savings a year": charts.NHS_GREEN, "Investment": charts.NHS_RED,
                                                "NPV": charts.NHS_BLUE},
                                 subtitle=f"Investment and NPV: {footprint}'s; gross savings: {whose_savings}'s")
        steps = result["attribution"]
        changed = [n for n in self.names[1:] if (steps[steps["to"] == n]["key"] != "").any()]
        second = changed[0] if changed else second  # the first scenario that differs from the first at all
        steps = steps[steps["to"] == second].assign(npv_m=lambda f: f["npv_gbp"] / 1e6)
        chart_steps = charts.attribution(
            steps, "npv_m", title=f"What moves the NPV from {titles[first]} to {titles[second]}",
            value_title="Change in NPV (£m)",
            subtitle=["Each assumption changed alone, in the order of the scenario file; then what the changes do "
                      "together", f"{footprint}'s NPV; the steps add up to the total"])
        if (steps["gap_fte"].abs() > 1e-9).any():
            chart_staff = charts.attribution(
                steps, "gap_fte", title=f"What moves the workforce shortfall from {titles[first]} to {titles[second]}",
                value_title="Change in the shortfall (FTE)",
                subtitle=["Each assumption changed alone, in the order of the scenario file; then what the changes do "
                          "together", f"{footprint}'s shortfall in the horizon year; the steps add up to the total"])
        else:
            chart_staff = Note(f"The workforce shortfall is the same under {titles[first]} and {titles[second]}: "
                               "neither growth, care coordination nor the GP share released differs.")
        local = _labelled(result["by_locality"], pack.localities)
        column = f"gross_savings_gbp_{second}_minus_{first}"
        chart_local = charts.bars(
            local.assign(diff_m=local[column] / 1e6), "label", "diff_m", highlight=_highlight(loc),
            highlight_field="locality_id", sort_by_value=True, value_format=",.2f",
            title=f"Gross savings a year by locality: {titles[second]} less {titles[first]}",
            value_title="Difference (£m a year)")

        rows = []
        for measure, row in head.iterrows():
            shown = {}
            for name in self.names:
                value = row[name]
                if isinstance(value, str):
                    shown[name] = value
                elif measure.endswith("_gbp"):
                    shown[name] = gbp(value)
                elif measure.endswith("_fte"):
                    shown[name] = fte_words(value)
                else:
                    shown[name] = count(value)
            rows.append({"label": row["label"], "whose": footprint if row["whose"] == "footprint" else whose_savings,
                         **shown})
        table_head = Table(pd.DataFrame(rows), {"label": ("Figure", "text"), "whose": ("Whose", "text"),
                                                **{n: (titles[n], "text") for n in self.names}},
                           caption="Headline figures side by side")
        table_steps = Table(result["attribution"].assign(pair=lambda f: f["from"] + " to " + f["to"]),
                            {"pair": ("Scenarios", "text"), "step": ("Step", "text"),
                             "npv_gbp": ("NPV (GBP m)", "gbp_m"), "gross_savings_gbp": ("Gross savings (GBP m)", "gbp_m"),
                             "gap_fte": ("Workforce shortfall (FTE)", "fte")},
                            caption="The difference from the first scenario, one change at a time")
        if ranges is None:
            table_ranges = Note("there are no ranges: the pack gives no 80% intervals for growth, scheme reductions "
                                "or unit costs.")
        else:
            shown_ranges = ranges.assign(
                title=ranges["scenario"].map(titles),
                what=ranges["measure"].map({"gross_savings_gbp": "Gross savings a year", "npv_gbp": "NPV"}),
                better=[("" if s == first else pct(p, 0)) for s, p in zip(ranges["scenario"],
                                                                        ranges["p_better_than_first"])])
            table_ranges = Table(shown_ranges, {"title": ("Scenario", "text"), "what": ("Figure", "text"),
                                                "p10": ("P10 (GBP m)", "gbp_m"), "p50": ("P50 (GBP m)", "gbp_m"),
                                                "p90": ("P90 (GBP m)", "gbp_m"),
                                                "better": (f"Better than {titles[first]}", "text")},
                                 caption=f"Ranges from {number(int(ranges['draws'].iloc[0]))} paired draws (the same "
                                         "random draws for every scenario)")
        local_cols = {"locality": ("Locality", "text")}
        for name in self.names:
            local_cols[f"gross_savings_gbp_{name}"] = (f"{titles[name]} (GBP m)", "gbp_m")
        local_cols[column] = (f"Difference (GBP m)", "gbp_m")
        table_local = Table(local, local_cols, caption="Gross savings a year by locality",
                            highlight=None if loc == ALL else local.loc[local["locality_id"] == loc, "locality"].iloc[0])
        diffs = result["differences"]
        if len(diffs):
            diffs = diffs.assign(title=diffs["scenario"].map(titles),
                                 pack_text=[value_text(s, k, v) for s, k, v in
                                            zip(diffs["section"], diffs["key"], diffs["pack_value"])],
                                 scenario_text=[value_text(s, k, v) for s, k, v in
                                                zip(diffs["section"], diffs["key"], diffs["scenario_value"])])
            table_diffs = Table(diffs, {"title": ("Scenario", "text"), "label": ("Value", "text"),
                                        "pack_text": ("Pack", "text"), "scenario_text": ("Scenario's", "text")},
                                caption="Every value each scenario changes from the pack")
        else:
            table_diffs = Note("no scenario changes any value of the pack.")
        subtitle = place["where"] + "; " + "; ".join(f"{n}: {titles[n]}" for n in self.names)
        return Result(title=f"{self.heading}: {place['name']}", subtitle=subtitle, cards=cards, figures=figures,
                      charts={"headlines": chart_head, "attribution": chart_steps, "attribution_workforce": chart_staff,
                              "localities": chart_local},
                      tables={"headlines": table_head, "attribution": table_steps, "ranges": table_ranges,
                              "localities": table_local, "differences": table_diffs})
