"""The investment phasing page (notebooks/investment_phasing.ipynb): investment by year, savings ramp,
cash flow, NPV, payback, the options side by side and the locality waves."""

from __future__ import annotations

from .. import activity, charts, investment, scenarios, sources
from ..years import format_fy
from .base import Control, Page, Result, _missing_file, _setting_source, _delivery_factor
from .display import Card, Note, Table, gbp, pct
from .locality import LocalityPage
from .packs import ALL, _highlight, _labelled, _place


class InvestmentPage(Page):
    """Investment phasing: investment by year, savings ramp, cash flow, NPV, payback, options and waves."""

    notebook = "investment_phasing"
    heading = "Investment phasing"
    inputs = (("investments.csv", "amount"), ("activity.csv", "unit_cost"), ("pods.csv", "unit_cost"),
              ("schemes.csv", "reduction"), ("targets.csv", "target"), ("pack.toml", "investment.investment_share"),
              ("pack.toml", "investment.savings_elasticity"), ("pack.toml", "investment.savings_lag_years"),
              ("pack.toml", "investment.savings_ramp"), ("pack.toml", "finance.discount_rate"),
              ("phasing.csv", "quarter"))

    def _controls(self, investment_share: float | None = None, discount_rate: float | None = None,
                  savings_elasticity: float | None = None, savings_lag_years: int | None = None,
                  savings_ramp: str | None = None) -> list[Control]:
        from .scenario import staff_tables

        self._projection = self.shared("projection", lambda: activity.project(self.pack))
        base = self.shared("investment inputs", lambda: investment.inputs(
            self.pack, self._projection, workforce_tables=staff_tables(self, self.pack)))
        self._inputs = base
        ramp = (savings_ramp or base.ramp).lower()
        if ramp not in investment.RAMPS:
            raise ValueError(f'savings_ramp must be one of {", ".join(investment.RAMPS)}, not "{ramp}"')
        return [
            Control("investment_share", "Share of the planned investment made",
                    float(base.investment_share if investment_share is None else investment_share), min=0.0, max=1.0,
                    step=0.05, fmt=".0%",
                    help=_setting_source(self.pack, "investment.investment_share", "the plan is 100%")),
            Control("savings_elasticity", "How strongly savings follow investment",
                    float(base.elasticity if savings_elasticity is None else savings_elasticity), min=0.5, max=3.0,
                    step=0.1, fmt=".1f",
                    help=_setting_source(self.pack, "investment.savings_elasticity",
                                         "at 1.5, a quarter of the investment releases an eighth of the savings")),
            Control("discount_rate", "Discount rate a year",
                    float(base.discount_rate if discount_rate is None else discount_rate), min=0.0, max=0.10,
                    step=0.005, fmt=".1%",
                    help=_setting_source(self.pack, "finance.discount_rate", "HM Treasury Green Book rate 3.5%")),
            Control("savings_lag_years", "Years savings trail the investment",
                    int(base.lag_years if savings_lag_years is None else savings_lag_years), kind="int", min=0,
                    max=3, step=1, fmt="d",
                    help=_setting_source(self.pack, "investment.savings_lag_years", "schemes pay for themselves "
                                                                                    "within about a year")),
            Control("savings_ramp", "How savings phase in", ramp, kind="choice",
                    options=[("In step with the investment", "investment"), ("In equal steps", "linear")],
                    help=_setting_source(self.pack, "investment.savings_ramp", "either way full savings "
                                                                               "arrive in the horizon year")),
            Control("delivery", "Share of the planned avoided activity delivered",
                    float(_delivery_factor(self.pack)), min=0.0, max=1.5,
                    step=0.05, fmt=".0%",
                    help=_setting_source(self.pack, "delivery.factor", "many community schemes did not cut "
                                                                       "emergency admissions")),
        ]

    def _savings_illustrative(self) -> bool:
        """Whether the footprint's savings rest on an illustrative unit cost (of activity the plan avoids)."""
        return self.once("savings_illustrative", lambda: LocalityPage._costs_illustrative(self, self._projection, ALL))

    def compute(self, v: dict) -> Result:
        pack, loc = self.pack, v["locality"]
        place = _place(pack, loc)
        localities = pack.localities
        delivery = float(v.get("delivery", 1.0))
        planned = float(_delivery_factor(pack))
        base = self._inputs if abs(delivery - planned) < 1e-12 else self.once(("inputs", delivery), lambda: (
            investment.with_assumptions(self._inputs, savings_by_pod=activity.project(pack, delivery=delivery)
                                        .groupby("pod")["gross_savings_gbp"].sum())))
        data = investment.with_assumptions(
            base, investment_share=float(v["investment_share"]), elasticity=float(v["savings_elasticity"]),
            discount_rate=float(v["discount_rate"]), lag_years=int(v["savings_lag_years"]), ramp=v["savings_ramp"])
        has_investment = pack.has("investments.csv") and len(pack.investments) > 0
        flows = investment.cash_flow(data)
        plan = investment.appraise(data)
        options = investment.scenarios(data, [investment.pack_scenario(data), *self.once(
            "options", lambda: scenarios.pack_options(self.pack_as_is))])  # the pack's option scenario files
        horizon = format_fy(pack.horizon_year)
        savings_by_loc = self.once("savings_by_locality", lambda: self._projection.groupby(
            "locality_id", sort=False)["gross_savings_gbp"].sum())
        total_savings = float(savings_by_loc.sum())
        share = float(savings_by_loc.get(loc, 0.0)) / total_savings if loc != ALL and total_savings else float("nan")

        from .scenario import range_words, ranges

        bands = ranges(self, ALL)  # the footprint's NPV, P10 to P90, where the pack gives 80% intervals
        cards = [
            Card("Investment made", gbp(plan["investment_gbp"]),
                 f"{pct(v['investment_share'], 0)} of the plan's pump priming and capital"
                 + ("" if has_investment else " (the pack gives no planned investment)"), whose=place["footprint"]),
            Card(f"Gross savings in {horizon}", gbp(plan["horizon_savings_gbp"]),
                 f"activity avoided times its cost; {pct(plan['savings_released'], 0)} released at "
                 f"{pct(v['investment_share'], 0)} of the investment, {pct(delivery, 0)} of the planned activity "
                 "avoided delivered", whose=place["footprint"], illustrative=self._savings_illustrative()),
            Card(f"Cash released in {horizon}", gbp(plan["horizon_net_savings_gbp"]),
                 "net savings: gross less acute stranded cost, reinvestment in the services that replace the "
                 "activity and the new roles' running costs (table below)", whose=place["footprint"],
                 illustrative=self._savings_illustrative()),
            Card("Net present value", gbp(plan["npv_gbp"]),
                 f"of cash released less investment, {plan['first_year']} (year 0) to {plan['last_year']} at "
                 f"{pct(v['discount_rate'])} a year" + (f"; {range_words(bands['npv'])}" if bands else ""),
                 whose=place["footprint"],
                 illustrative=self._savings_illustrative()
                 or sources.illustrative(pack, [("pack.toml", "finance.discount_rate")])),
            Card("Payback", str(plan["payback_year"]) if plan["investment_gbp"] > 0 else "no investment",
                 "first year from which the cumulative net position stays at or above zero"
                 if plan["investment_gbp"] > 0 else "nothing is invested, so there is nothing to pay back",
                 whose=place["footprint"]),
        ]
        if loc != ALL:
            cards.append(Card(f"{place['name']}'s share of the savings", pct(share),
                              f"{gbp(savings_by_loc.get(loc, 0.0))} a year by {horizon}; investment is planned for the "
                              "footprint as a whole", whose=place["name"]))
        figures = {"investment_gbp": float(plan["investment_gbp"]), "npv_gbp": float(plan["npv_gbp"]),
                   "payback_year": plan["payback_year"], "horizon_savings_gbp": float(plan["horizon_savings_gbp"]),
                   "horizon_net_savings_gbp": float(plan["horizon_net_savings_gbp"]),
                   "net_savings_gbp": float(plan["net_savings_gbp"]),
                   "savings_gbp": float(plan["savings_gbp"]), "savings_released": float(plan["savings_released"]),
                   "locality_savings_share": share}

        # charts
        if has_investment:
            made = pack.investments.assign(amount=pack.investments["amount"] * float(v["investment_share"]))
            table = investment.by_year(made, data.years)
            rows = table[~table["is_total"]].melt(id_vars=["kind", "category"],
                                                  value_vars=[c for c in table.columns if "/" in c],
                                                  var_name="year", value_name="amount")
            rows = rows.assign(gbp_m=rows["amount"] / 1e6, kind=rows["kind"].map(investment.KIND_LABELS))
            chart_investment = charts.bars(
                rows, "year", "gbp_m", series="category", stack=True, horizontal=False, facet="kind",
                title=f"Investment by year and category: {place['footprint']}", value_title="Investment (£m)",
                category_title="Financial year", value_format=",.2f",
                subtitle=f"{pct(v['investment_share'], 0)} of the planned investment; "
                         + sources.line(pack, "investments.csv", "amount", default="the pack's plan"))
            table_investment = Table(table, {"kind": ("Kind", "text"), "category": ("Category", "text"),
                                             **{c: (f"{c} (GBP m)", "gbp_m") for c in table.columns if "/" in c},
                                             "total_gbp": ("Total (GBP m)", "gbp_m")},
                                     caption=f"Investment made by year ({pct(v['investment_share'], 0)} of the plan)")
        else:
            chart_investment = table_investment = _missing_file(
                "investments.csv", "lists the planned pump priming and capital by category and year")
        flow = flows.melt(id_vars=["year"], value_vars=["investment_gbp", "gross_savings_gbp", "net_savings_gbp",
                                                        "net_gbp"], var_name="series", value_name="gbp")
        names = {"investment_gbp": "Investment (out)", "gross_savings_gbp": "Gross savings",
                 "net_savings_gbp": "Cash released (net savings)", "net_gbp": "Net of investment"}
        flow = flow.assign(series=flow["series"].map(names), gbp_m=flow["gbp"] / 1e6)
        chart_flow = charts.lines(
            flow, "year", "gbp_m", series="series", title=f"Savings ramp against investment: {place['footprint']}",
            value_title="£m in the year", dashed=["Gross savings", "Net of investment"],
            series_colors={"Investment (out)": charts.NHS_RED, "Gross savings": charts.NHS_MID_GREY,
                           "Cash released (net savings)": charts.NHS_GREEN, "Net of investment": charts.NHS_DARK_BLUE},
            subtitle=f"Savings {'in step with the investment' if v['savings_ramp'] == 'investment' else 'in equal steps'}, "
                     f"{int(v['savings_lag_years'])} year(s) behind")
        cumulative = flows.assign(gbp_m=flows["cumulative_net_gbp"] / 1e6, series="Cumulative net position")
        chart_cumulative = charts.lines(
            cumulative, "year", "gbp_m", title=f"Cumulative net position: {place['footprint']}",
            value_title="£m, cumulative",
            subtitle=f"Payback: {plan['payback_year']}; NPV {gbp(plan['npv_gbp'])} at {pct(v['discount_rate'])}")
        opt = options.melt(id_vars=["scenario"], value_vars=["investment_gbp", "net_savings_gbp", "npv_gbp"],
                           var_name="measure", value_name="gbp")
        opt = opt.assign(gbp_m=opt["gbp"] / 1e6, measure=opt["measure"].map(
            {"investment_gbp": "Investment", "net_savings_gbp": "Net savings over the plan", "npv_gbp": "NPV"}))
        chart_options = charts.bars(
            opt, "scenario", "gbp_m", series="measure", title="The options side by side",
            value_title="£m over the plan", value_format=",.1f",
            series_colors={"Investment": charts.NHS_RED, "Net savings over the plan": charts.NHS_GREEN,
                           "NPV": charts.NHS_BLUE},
            subtitle=f"{place['footprint']}: the plan as set above, and three standard options")
        if pack.has("phasing.csv") and len(pack.phasing):
            chart_waves = self.once(("waves", loc), lambda: self.timeline_chart(  # no scenario changes it
                loc, "Locality waves: transformation level by quarter",
                "Triangles: the quarter each locality needs its investment"))
        else:
            chart_waves = _missing_file("phasing.csv", "gives the quarter each locality reaches each level and "
                                                       "needs investment")
        by_loc = _labelled(savings_by_loc.rename("gross_savings_gbp").reset_index(), localities)
        chart_share = charts.bars(
            by_loc.assign(savings_m=by_loc["gross_savings_gbp"] / 1e6), "label", "savings_m",
            highlight=_highlight(loc), highlight_field="locality_id", sort_by_value=True, value_format=",.2f",
            title=f"Where the savings come from: gross savings in {horizon} by locality",
            value_title="Gross savings (£m a year)")
        table_flow = Table(flows, {
            "year": ("Year", "text"), "revenue_gbp": ("Pump priming (GBP m)", "gbp_m"),
            "capital_gbp": ("Capital (GBP m)", "gbp_m"), "savings_realised_share": ("Savings realised", "pct"),
            "gross_savings_gbp": ("Gross savings (GBP m)", "gbp_m"),
            "stranded_cost_gbp": ("Stranded cost (GBP m)", "gbp_m"),
            "reinvestment_gbp": ("Reinvested (GBP m)", "gbp_m"),
            "running_cost_gbp": ("Running costs beyond (GBP m)", "gbp_m"),
            "net_savings_gbp": ("Cash released (GBP m)", "gbp_m"), "net_gbp": ("Net of investment (GBP m)", "gbp_m"),
            "cumulative_net_gbp": ("Cumulative net (GBP m)", "gbp_m"), "discount_factor": ("Discount factor", "rate"),
            "discounted_net_gbp": ("Discounted net (GBP m)", "gbp_m")}, caption="Cash flow of the plan")
        options = options.assign(description=[  # the plan's line in words (the model's names the setting)
            f"As planned: {pct(v['investment_share'], 0)} of the planned investment made." if name == "Plan" else text
            for name, text in zip(options["scenario"], options["description"])])
        table_options = Table(options, {
            "scenario": ("Option", "text"), "investment_gbp": ("Investment (GBP m)", "gbp_m"),
            "horizon_savings_gbp": (f"Gross savings in {horizon} (GBP m)", "gbp_m"),
            "horizon_net_savings_gbp": (f"Cash released in {horizon} (GBP m)", "gbp_m"),
            "net_savings_gbp": ("Cash released over the plan (GBP m)", "gbp_m"), "npv_gbp": ("NPV (GBP m)", "gbp_m"),
            "payback_year": ("Payback", "text"), "description": ("What it assumes", "text")},
            caption=f"Options: the plan and three alternatives ({place['footprint']})", highlight="Plan")
        if total_savings == 0 and not has_investment:
            nothing = Note("there is nothing to phase: the pack gives no planned investment, and no activity is "
                           "avoided (it sets no schemes or targets), so there are no savings either.")
            chart_flow = chart_cumulative = chart_options = nothing
        if total_savings == 0:
            chart_share = Note("no activity is avoided, so there are no savings: the pack sets no schemes or "
                               "targets for the plan to avoid activity.")
        return Result(
            title=f"{self.heading}: {place['name']}", subtitle=place["where"] + f"; plan {place['span']}" + (
                "" if loc == ALL else f"; investment is planned for {place['footprint']} as a whole: its figures "
                                      f"are the footprint's, with {place['name']}'s share of the savings"),
            cards=cards, figures=figures,
            charts={"investment": chart_investment, "cash_flow": chart_flow, "cumulative": chart_cumulative,
                    "options": chart_options, "waves": chart_waves, "savings": chart_share},
            tables={"investment": table_investment, "cash_flow": table_flow, "options": table_options})
