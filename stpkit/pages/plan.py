"""The plan on a page (notebooks/plan_on_a_page.ipynb): what the plan will do, what it costs and whether it
closes the gap, in the shape of NHS England's Annex C (seed 002) with seed 003's initiative finance.

Figures come from `stpkit.plan` (do nothing / solutions / do something) and `stpkit.initiatives`
(the initiative finance, with every published figure that does not add up shown beside the recomputed
one). The priorities, owners, milestones, interdependencies and risks come from optional pack files;
each one the pack lacks gives a note naming what would fill its section (in words, as the other pages do).
"""

from __future__ import annotations

import html

import altair as alt
import numpy as np
import pandas as pd

from .. import activity, charts, initiatives, investment, plan, sources
from ..years import format_fy, format_quarter
from .base import Control, Page, Result, _missing_file, _setting_source
from .display import _STYLE, Card, Note, Table, gbp, pct
from .locality import LocalityPage
from .packs import ALL, _place

LEVEL_WORDS = {1: "rare", 2: "unlikely", 3: "possible", 4: "likely", 5: "almost certain"}
IMPACT_WORDS = {1: "negligible", 2: "minor", 3: "moderate", 4: "major", 5: "severe"}
RISK_COLOURS = ["#E8EDEE", "#FFE9A8", "#FFB81C", "#ED8B00", charts.NHS_RED]


class Text:
    """A few sentences of a page (the introduction, the headline sentence), as HTML."""

    def __init__(self, paragraphs: list[str], strong: bool = False):
        self.paragraphs, self.strong = paragraphs, strong

    def html(self) -> str:
        tag = ("<p style='font-size:16px;font-weight:700;color:#003087;margin:6px 0'>" if self.strong
               else "<p style='margin:4px 0 8px 0'>")
        return _STYLE + "".join(f"{tag}{html.escape(p)}</p>" for p in self.paragraphs)


def missing(file: str, what: str) -> Note:
    """The note for an optional section whose file the pack does not hold, naming what it would give (FILE_WORDS)."""
    return _missing_file(file, what)


def _given(pack, file: str) -> bool:
    return pack.has(file) and len(pack.table(file)) > 0


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value) else str(value)


class PlanPage(Page):
    """Plan on a page: the gap, what the solutions contribute and what is left; the initiatives and their finance."""

    notebook = "plan_on_a_page"
    heading = "Plan on a page"
    inputs = (("activity.csv", "base"), ("pods.csv", "growth"), ("activity.csv", "unit_cost"),
              ("pods.csv", "unit_cost"), ("schemes.csv", "reduction"), ("targets.csv", "target"), ("investments.csv", "amount"),
              ("initiatives.csv", "gross_savings"), ("initiatives.csv", "net_savings"),
              ("initiatives.csv", "owner"), ("initiatives.csv", "priority"), ("priorities.csv", "priority"),
              ("milestones.csv", "milestone"), ("dependencies.csv", "depends_on"), ("risks.csv", "risk"),
              ("phasing.csv", "quarter"), ("pack.toml", "investment.investment_share"),
              ("pack.toml", "investment.savings_elasticity"))

    def _controls(self, funding_gbp: float | None = None, investment_share: float | None = None,
                  savings_elasticity: float | None = None) -> list[Control]:
        self._projection = self.shared("projection", lambda: activity.project(self.pack))
        self._inputs = self.shared("investment inputs, no staff", lambda: investment.inputs(self.pack, self._projection))
        base = self._inputs
        return [
            Control("funding_gbp_m", "Additional funding a year, £m (allocation growth, STF)",
                    float(funding_gbp or 0.0) / 1e6, min=0.0, max=100.0, step=1.0, fmt=",.0f",
                    help="counted in do nothing and do something alike; a pack carries no allocations, so it is "
                         "£0 unless you enter it"),
            Control("investment_share", "Share of the planned investment made",
                    float(base.investment_share if investment_share is None else investment_share), min=0.0,
                    max=1.0, step=0.05, fmt=".0%",
                    help=_setting_source(self.pack, "investment.investment_share", "the plan is 100%")),
            Control("savings_elasticity", "How strongly savings follow investment",
                    float(base.elasticity if savings_elasticity is None else savings_elasticity), min=0.5, max=3.0,
                    step=0.1, fmt=".1f",
                    help=_setting_source(self.pack, "investment.savings_elasticity",
                                         "at 1.5, a quarter of the investment releases an eighth of the savings")),
        ]

    # -- the parts that depend on the pack only ---------------------------------------------------

    def _illustrative(self, file: str, *columns: str) -> bool:
        """Whether a section's file rests on an illustrative assumption (the pack's sources say so)."""
        return _given(self.pack, file) and sources.illustrative(self.pack, [(file, c) for c in columns])

    def _money_illustrative(self) -> tuple[bool, bool]:
        """Whether the cost of growth, and the savings, rest on an illustrative unit cost (or growth rate)."""
        def work():
            growth = self._projection.assign(avoided=self._projection["momentum"] - self._projection["base"])
            grown = LocalityPage._costs_illustrative(self, growth, ALL) or sources.illustrative(
                self.pack, [("pods.csv", "growth", pod) for pod in growth.loc[growth["avoided"] != 0, "pod"].unique()])
            return grown, LocalityPage._costs_illustrative(self, self._projection, ALL)
        return self.once("money_illustrative", work)

    def _introduction(self) -> Text:
        pack = self.pack
        loc = pack.localities
        groups = list(dict.fromkeys(loc["group"].astype(str)))
        people = float(loc["population"].sum())
        named = ", ".join(groups[:6]) + (f" and {len(groups) - 6:,} more" if len(groups) > 6 else "")
        return Text([
            f"{pack.name} plans for {people:,.0f} registered people in {len(loc):,} localities, grouped in "
            f"{len(groups):,} group{'s' if len(groups) != 1 else ''} ({named}).",
            f"The plan runs from the base year {format_fy(pack.base_year)} to the horizon year "
            f"{format_fy(pack.horizon_year)}: what happens if services carry on as now while demand grows (do "
            "nothing), what the plan's schemes contribute (solutions), and the position left (do something)."])

    def _initiative_rows(self) -> pd.DataFrame:
        table = self.pack.initiatives
        rows = table.loc[~table["initiative"].astype(str).str.strip().str.lower().str.match(r"^total\b")]
        return rows

    def _priorities(self):
        rows = self._initiative_rows()
        if not len(rows):
            return missing("initiatives.csv", "list what the plan will do")
        frame = pd.DataFrame({"initiative": rows["initiative"].astype(str).to_numpy(),
                              "priority": [_text(v) for v in rows["priority"]],
                              "owner": [_text(v) for v in rows["owner"]],
                              "organisations": [_text(v).replace(";", ",") for v in rows["organisations"]]})
        if _given(self.pack, "priorities.csv"):
            order = {p: i for i, p in enumerate(self.pack.table("priorities.csv")["priority"].astype(str))}
            frame = frame.iloc[np.argsort([order.get(p, len(order)) for p in frame["priority"]], kind="stable")]
        flag = {c: " (illustrative)" if self._illustrative("initiatives.csv", c) else ""
                for c in ("priority", "owner", "organisations")}
        return Table(frame, {"initiative": ("Initiative", "text"),
                             "priority": ("Priority it serves" + flag["priority"], "text"),
                             "owner": ("Owner" + flag["owner"], "text"),
                             "organisations": ("Organisations involved" + flag["organisations"], "text")},
                     caption="What the plan will do: the initiatives")

    def _priority_list(self):
        if not _given(self.pack, "priorities.csv"):
            return missing("priorities.csv", "name what each initiative serves")
        frame = self.pack.table("priorities.csv").copy()
        frame["description"] = [_text(v) for v in frame["description"]]
        return Table(frame, {"priority": ("Priority", "text"), "description": ("What it means", "text")},
                     caption="The plan's priorities")

    def _finance(self) -> tuple:
        rows = self.pack.initiatives
        if not len(rows):
            note = missing("initiatives.csv", "give each initiative's gross savings, investment, stranded cost "
                                              "and net savings")
            return note, note, note, []
        fin = initiatives.finance(rows)
        checks = initiatives.reconcile(rows)
        flagged = checks[checks["flagged"]]
        finance_table = Table(fin.assign(gap_gbp=fin["net_published_gbp"] - fin["net_computed_gbp"],
                                         check=np.where((fin["net_published_gbp"] - fin["net_computed_gbp"]).abs()
                                                        > 2 * initiatives.DEFAULT_ROUNDING_GBP, "does not add up", "")),
                              {"initiative": ("Initiative", "text"), "gross_savings_gbp": ("Gross savings", "gbp_m"),
                               "investment_gbp": ("Investment", "gbp_m"),
                               "stranded_cost_gbp": ("Acute stranded cost", "gbp_m"),
                               "net_published_gbp": ("Net savings, published", "gbp_m"),
                               "net_computed_gbp": ("Net savings, recomputed", "gbp_m"),
                               "check": ("Check", "text")},
                              caption="Initiative finance: net = gross - investment - stranded cost (the total row "
                                      "adds up the initiatives)", highlight="Total")
        shown = checks.assign(verdict=np.where(checks["flagged"], "DOES NOT ADD UP", "adds up"))
        check_table = Table(shown, {"initiative": ("Initiative", "text"), "figure": ("Figure", "text"),
                                    "published_gbp": ("Published", "gbp_m"), "computed_gbp": ("Recomputed", "gbp_m"),
                                    "gap_gbp": ("Gap", "gbp_m"), "verdict": ("Verdict", "text"),
                                    "note": ("The sum", "text")},
                            caption="Every published figure checked: a gap bigger than rounding explains is flagged, "
                                    "not corrected")
        parts = fin[~fin["is_total"]].melt(id_vars="initiative", value_vars=[
            "gross_savings_gbp", "investment_gbp", "stranded_cost_gbp", "net_gbp"], var_name="line", value_name="gbp")
        parts = parts.assign(gbp_m=parts["gbp"] / 1e6, line=parts["line"].map({
            "gross_savings_gbp": "Gross savings", "investment_gbp": "Investment",
            "stranded_cost_gbp": "Acute stranded cost", "net_gbp": "Net savings (as published)"}))
        chart = charts.bars(parts.dropna(subset=["gbp_m"]), "initiative", "gbp_m", series="line",
                            title="Initiative finance", value_title="£m", value_format=",.1f",
                            series_colors={"Gross savings": charts.NHS_MID_GREY, "Investment": charts.NHS_RED,
                                           "Acute stranded cost": charts.NHS_WARM_YELLOW,
                                           "Net savings (as published)": charts.NHS_GREEN},
                            subtitle="As the pack publishes it; the checks below show where it does not add up") \
            if parts["gbp_m"].notna().any() else Note("no initiative gives gross savings, investment or stranded cost.")
        gaps = [f"{r.initiative}, {r.figure}: {r.note}" for r in flagged.itertuples()]
        return finance_table, check_table, chart, gaps

    def _milestones(self, loc: str):
        if _given(self.pack, "milestones.csv"):
            ms = self.pack.table("milestones.csv")
            frame = pd.DataFrame({"initiative": ms["initiative"].astype(str).to_numpy(),
                                  "quarter": [format_quarter(q) for q in ms["quarter"]],
                                  "order": ms["quarter"].astype(int).to_numpy(),
                                  "milestone": ms["milestone"].astype(str).to_numpy()}).sort_values(
                ["order", "initiative"], kind="stable")
            quarters = [format_quarter(q) for q in range(int(frame["order"].min()), int(frame["order"].max()) + 1)]
            base = alt.Chart(alt.Data(values=frame.drop(columns="order").to_dict("records")))
            x = alt.X("quarter:O", sort=quarters, title="Quarter", scale=alt.Scale(domain=quarters))
            y = alt.Y("initiative:N", title=None, sort=list(dict.fromkeys(frame["initiative"])))
            chart = alt.layer(
                base.mark_rule(color=charts.NHS_PALE_GREY).encode(y=y),
                base.mark_point(filled=True, size=120, shape="diamond", color=charts.NHS_BLUE).encode(
                    x=x, y=y, tooltip=["initiative:N", "quarter:N", "milestone:N"]))
            note = " (illustrative)" if self._illustrative("milestones.csv", "milestone", "quarter") else ""
            chart = charts._finish(chart, "Milestones by quarter" + note, "Each diamond is a milestone (the table "
                                                                          "below says what)", width=charts.WIDTH,
                                   height=max(120, 34 * frame["initiative"].nunique()),
                                   finding=f"{len(frame)} milestones for {frame['initiative'].nunique()} initiatives, "
                                           f"{quarters[0]} to {quarters[-1]}.", rows=frame,
                                   figures=[("quarter", "Quarter", "text"), ("initiative", "Initiative", "text"),
                                            ("milestone", "Milestone", "text")])
            table = Table(frame, {"quarter": ("Quarter", "text"), "initiative": ("Initiative", "text"),
                                  "milestone": ("Milestone", "text")}, caption="Milestones by quarter" + note)
            return chart, table
        note = missing("milestones.csv", "say what each initiative does by each quarter")
        if self.pack.has("phasing.csv") and len(self.pack.phasing):
            chart = self.timeline_chart(loc, "Milestones: the localities' transformation levels by quarter",
                                        "No milestones file: the localities' phasing instead (triangles: the "
                                        "quarter investment is needed)")
            return chart, note
        return note, note

    def _dependencies(self):
        if not _given(self.pack, "dependencies.csv"):
            note = missing("dependencies.csv", "say which initiatives depend on which")
            return note, note
        deps = self.pack.table("dependencies.csv")
        frame = pd.DataFrame({"initiative": deps["initiative"].astype(str).to_numpy(),
                              "depends_on": deps["depends_on"].astype(str).to_numpy(),
                              "note": [_text(v) for v in deps["note"]]})
        names = list(dict.fromkeys([*frame["initiative"], *frame["depends_on"]]))
        data = alt.Data(values=frame.to_dict("records"))
        x = alt.X("depends_on:N", title="Depends on", sort=names, scale=alt.Scale(domain=names),
                  axis=alt.Axis(labelAngle=-35, labelLimit=200))
        y = alt.Y("initiative:N", title="Initiative", sort=names, scale=alt.Scale(domain=names))
        chart = alt.Chart(data).mark_square(size=260, color=charts.NHS_BLUE).encode(
            x=x, y=y, tooltip=["initiative:N", "depends_on:N", "note:N"])
        note = " (illustrative)" if self._illustrative("dependencies.csv", "initiative", "depends_on") else ""
        chart = charts._finish(chart, "Workstream interdependencies" + note, "A square: the row's initiative "
                                                                             "depends on the column's",
                               width=charts.WIDTH,
                               height=max(160, 30 * len(names)),
                               finding=f"{len(frame)} dependencies between {len(names)} initiatives.", rows=frame,
                               figures=[("initiative", "Initiative", "text"), ("depends_on", "Depends on", "text"),
                                        ("note", "Why", "text")])
        table = Table(frame, {"initiative": ("Initiative", "text"), "depends_on": ("Depends on", "text"),
                              "note": ("Why", "text")}, caption="Workstream interdependencies" + note)
        return chart, table

    def _risks(self):
        if not _given(self.pack, "risks.csv"):
            note = missing("risks.csv", "lists each risk with its owner, likelihood, impact and mitigation")
            return note, note
        risks = self.pack.table("risks.csv")
        frame = pd.DataFrame({"risk": risks["risk"].astype(str).to_numpy(),
                              "owner": [_text(v) for v in risks["owner"]],
                              "likelihood": risks["likelihood"].astype(int).to_numpy(),
                              "impact": risks["impact"].astype(int).to_numpy(),
                              "mitigation": [_text(v) for v in risks["mitigation"]]})
        frame["score"] = frame["likelihood"] * frame["impact"]
        frame = frame.sort_values("score", ascending=False, kind="stable")
        frame["rating"] = [f"{s} ({LEVEL_WORDS[a]} x {IMPACT_WORDS[b]})"
                           for s, a, b in zip(frame["score"], frame["likelihood"], frame["impact"])]
        grid = pd.MultiIndex.from_product([range(1, 6), range(1, 6)], names=["likelihood", "impact"]).to_frame(
            index=False)
        counts = frame.groupby(["likelihood", "impact"]).size().rename("risks").reset_index()
        grid = grid.merge(counts, how="left").fillna({"risks": 0})
        grid["score"] = grid["likelihood"] * grid["impact"]
        grid["label"] = np.where(grid["risks"] > 0, grid["risks"].astype(int).astype(str), "")
        base = alt.Chart(alt.Data(values=grid.to_dict("records")))
        x = alt.X("impact:O", title="Impact (1 negligible to 5 severe)", axis=alt.Axis(labelAngle=0))
        y = alt.Y("likelihood:O", title="Likelihood (1 rare to 5 almost certain)", sort="descending")
        chart = alt.layer(
            base.mark_rect(stroke="white").encode(
                x=x, y=y, color=alt.Color("score:Q", title="Likelihood x impact",
                                          scale=alt.Scale(domain=[1, 25], range=RISK_COLOURS)),
                tooltip=["likelihood:O", "impact:O", "risks:Q"]),
            base.mark_text(fontSize=16, fontWeight="bold", color="#212b32").encode(x=x, y=y, text="label:N"))
        note = " (illustrative)" if self._illustrative("risks.csv", "risk", "likelihood", "impact") else ""
        chart = charts._finish(chart, "Risks: likelihood by impact" + note, "The number of risks in each cell",
                               width=320, height=280,
                               finding=f"{len(frame)} risks; the highest scored is {frame['risk'].iloc[0]} "
                                       f"({frame['rating'].iloc[0]}).", rows=frame,
                               figures=[("risk", "Risk", "text"), ("likelihood", "Likelihood", "text"),
                                        ("impact", "Impact", "text"), ("score", "Score", "text")])
        table = Table(frame, {"risk": ("Risk", "text"), "owner": ("Owner", "text"), "rating": ("Score", "text"),
                              "mitigation": ("Mitigation", "text")}, caption="Risk register, highest score first" + note)
        return chart, table

    # -- the figures that follow the controls ------------------------------------------------------

    def compute(self, v: dict) -> Result:
        pack, loc = self.pack, v["locality"]
        place = _place(pack, loc)
        funding = float(v["funding_gbp_m"]) * 1e6
        data = investment.with_assumptions(self._inputs, elasticity=float(v["savings_elasticity"]))
        scenario = investment.Scenario("Plan", investment_share=float(v["investment_share"]))
        horizon = plan.summary(pack, self._projection, "horizon", funding, scenario, data)
        whole = plan.summary(pack, self._projection, "plan", funding, scenario, data)
        years = plan.by_year(pack, self._projection, funding, scenario, data)
        sentence = plan.headline(horizon)
        position = horizon.set_index("line").loc["position"]
        over_plan = whole.set_index("line").loc["position"]
        intro = self.once("introduction", self._introduction)
        finance_table, check_table, finance_chart, gaps = self.once("finance", self._finance)
        footprint = place["footprint"]
        hy = format_fy(pack.horizon_year)

        grown, saved = self._money_illustrative()
        cards = [
            Card(f"Do nothing, {hy}", gbp(position["do_nothing_gbp"]),
                 "the cost of activity growth over the base year, plus any additional funding: the gap if services "
                 "carry on as now", whose=footprint, illustrative=grown),
            Card(f"Solutions, {hy}", gbp(position["solutions_gbp"]),
                 "net: gross savings less stranded cost, reinvestment, running costs and that year's investment",
                 whose=footprint, illustrative=saved),
            Card(f"Do something, {hy}", gbp(position["do_something_gbp"]),
                 "the position left after the plan (a negative figure is a deficit)", whose=footprint,
                 illustrative=grown or saved),
            Card(f"Do something, {over_plan['period']}", gbp(over_plan["do_something_gbp"]),
                 "every plan year added up, investment included", whose=footprint, illustrative=grown or saved),
            Card("Published figures that do not add up", f"{len(gaps):,}",
                 "in the initiative finance (shown below beside the recomputed figure)" if gaps
                 else "the initiative finance adds up", whose=footprint),
        ]
        figures = {"headline": sentence, "do_nothing_gbp": float(position["do_nothing_gbp"]),
                   "solutions_gbp": float(position["solutions_gbp"]),
                   "do_something_gbp": float(position["do_something_gbp"]),
                   "plan_do_nothing_gbp": float(over_plan["do_nothing_gbp"]),
                   "plan_solutions_gbp": float(over_plan["solutions_gbp"]),
                   "plan_do_something_gbp": float(over_plan["do_something_gbp"]),
                   "reconciliation_flags": len(gaps)}

        contribution = Text([])  # the footprint's page: the tables above are its own
        if loc != ALL:
            mine = plan.pressures(self._projection[self._projection["locality_id"] == loc])
            every = plan.pressures(self._projection)
            lines = pd.DataFrame({
                "line": [f"Cost of activity growth, {hy}", f"Gross savings from schemes, {hy}"],
                "locality_gbp": [-mine["cost_growth_gbp"].sum(), mine["gross_savings_gbp"].sum()],
                "footprint_gbp": [-every["cost_growth_gbp"].sum(), every["gross_savings_gbp"].sum()]})
            lines["share"] = np.where(lines["footprint_gbp"] != 0, lines["locality_gbp"] / lines["footprint_gbp"],
                                      np.nan)
            contribution = Table(lines, {"line": ("Line", "text"), "locality_gbp": (place["name"], "gbp_m"),
                                         "footprint_gbp": (footprint, "gbp_m"), "share": ("Its share", "pct")},
                                 caption=f"{place['name']}'s contribution beside the footprint's (activity growth "
                                         "and savings; investment and the other lines are planned for the "
                                         "footprint as a whole)")
            figures["locality_cost_growth_gbp"] = float(lines["locality_gbp"].iloc[0])
            figures["locality_gross_savings_gbp"] = float(lines["locality_gbp"].iloc[1])
            cards.append(Card(f"{place['name']}'s gross savings, {hy}", gbp(lines["locality_gbp"].iloc[1]),
                              f"{pct(lines['share'].iloc[1])} of the footprint's; activity growth costs "
                              f"{gbp(-lines['locality_gbp'].iloc[0])} there", whose=place["name"]))

        columns = {"label": ("Line", "text"), "do_nothing_gbp": ("Do nothing", "gbp_m"),
                   "solutions_gbp": ("Solutions", "gbp_m"), "do_something_gbp": ("Do something", "gbp_m")}
        summary_table = Table(horizon, columns, caption=f"Summary financial analysis, {hy} ({footprint}; a cost "
                                                         "or deficit is negative)",
                              highlight=plan.LINE_LABELS["position"])
        plan_table = Table(whole, columns, caption=f"Summary financial analysis, the whole plan "
                                                   f"{over_plan['period']} ({footprint})",
                           highlight=plan.LINE_LABELS["position"])
        gap = years.melt(id_vars="year", value_vars=["do_nothing_gbp", "do_something_gbp", "solutions_gbp"],
                         var_name="series", value_name="gbp")
        gap = gap.assign(gbp_m=gap["gbp"] / 1e6, series=gap["series"].map({
            "do_nothing_gbp": "Do nothing", "do_something_gbp": "Do something", "solutions_gbp": "Solutions"}))
        gap_chart = charts.lines(
            gap, "year", "gbp_m", series="series", title=f"The gap year by year: {footprint}",
            value_title="£m in the year (deficit below 0)", dashed=["Solutions"],
            series_colors={"Do nothing": charts.NHS_RED, "Do something": charts.NHS_DARK_BLUE,
                           "Solutions": charts.NHS_GREEN},
            subtitle=f"{pct(v['investment_share'], 0)} of the planned investment; additional funding "
                     f"{gbp(funding)} a year")
        years_table = Table(years, {"year": ("Year", "text"), "do_nothing_gbp": ("Do nothing", "gbp_m"),
                                    "solutions_gbp": ("Solutions", "gbp_m"),
                                    "do_something_gbp": ("Do something", "gbp_m")},
                            caption=f"The gap year by year ({footprint})")
        milestone_chart, milestone_table = self.once("milestones", lambda: self._milestones(ALL))
        if loc != ALL and self.pack.has("phasing.csv") and not _given(pack, "milestones.csv"):
            milestone_chart = self.once(("milestones", loc), lambda: self._milestones(loc)[0])
        dep_chart, dep_table = self.once("dependencies", self._dependencies)
        risk_chart, risk_table = self.once("risks", self._risks)
        return Result(
            title=f"{self.heading}: {place['name']}",
            subtitle=place["where"] + f"; plan {place['span']}" + (
                "" if loc == ALL else f"; the plan's finance is the footprint's ({footprint}), with "
                                      f"{place['name']}'s own contribution beside it"),
            cards=cards, figures=figures,
            charts={"gap": gap_chart, "finance": finance_chart, "milestones": milestone_chart,
                    "dependencies": dep_chart, "risks": risk_chart},
            tables={"introduction": intro, "sentence": Text([sentence], strong=True),
                    "gaps": Text([f"Does not add up: {g}" for g in gaps] or ["Every published figure adds up."]),
                    "priorities": self.once("priority_list", self._priority_list),
                    "initiatives": self.once("initiatives", self._priorities),
                    "summary": summary_table, "summary_plan": plan_table, "by_year": years_table,
                    "contribution": contribution, "finance": finance_table, "reconciliation": check_table,
                    "milestones": milestone_table, "dependencies": dep_table, "risks": risk_table})
