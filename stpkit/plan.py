"""Plan on a page: the do nothing / solutions / do something financial summary (seed 002, Annex C).

NHS England's Annex C asks each footprint for a one-page summary whose financial table has three
columns: "Do nothing" (the position if services carry on as now while demand grows), "Solutions"
(what the plan's schemes contribute, net of what does not go away) and "Do something" (do nothing
plus the solutions). stpkit
fills it from the pack's hospital activity and investments. Lines, in GBP (a cost or a deficit is
negative, a saving or a surplus positive):

- Cost of activity growth (momentum): the extra cost of the activity that momentum growth adds
  over the base year, priced at unit cost - the "do nothing" pressure. Negative.
- Gross savings from schemes: the activity the schemes (and targets.csv) avoid, priced at unit cost,
  as far as it is realised in the period (the savings ramp and the investment-to-savings relation
  of ``stpkit.investment``). A solution, so it sits in "Solutions".
- Stranded cost, reinvestment and running costs: what comes off the gross savings before any cash
  is released (``stpkit.investment.benefit_lines``): hospital cost that does not go with the
  activity, the services that replace the activity, and the new roles beyond what the reinvestment
  pays for. Negative, in "Solutions".
- Investment: pump priming and capital spent in the period. A cost of the solutions.
- Additional funding: any funding growth or Sustainability and Transformation Fund allocation the
  user enters (``funding_gbp``; 0 by default, because a pack carries no allocations). It counts in
  both "Do nothing" and "Do something", as seed 002's "Indicative STF allocation" line does.
- Surplus / (deficit): the sum of the lines above in each column. The do-something figure is the
  gap left after the plan: zero or above means the plan closes the gap the activity growth opens.

``period="horizon"`` (default) gives the position in the horizon year, as seed 002's "STP 2020/21
summary"; ``period="plan"`` adds up every plan year instead (cost growth year by year, savings as
they ramp up, all the investment, over the appraisal period: not its steady-state years). Only hospital activity is costed: commissioner/provider splits
and social care, which the Annex C table also asks for, are not in a pack.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import figures, investment
from .years import format_fy

LINES = ("cost_growth", "savings", "stranded_cost", "reinvestment", "running_cost", "investment", "funding",
         "position")
LINE_LABELS = {
    "cost_growth": "Cost of activity growth (momentum)",
    "savings": "Gross savings from schemes (activity avoided)",
    "stranded_cost": "Acute stranded cost (does not go with the activity)",
    "reinvestment": "Reinvestment in the services that replace the activity",
    "running_cost": "Running costs of new roles beyond the reinvestment",
    "investment": "Investment (pump priming and capital)",
    "funding": "Additional funding (allocation growth, STF)",
    "position": "Surplus / (deficit)",
}


def cost_growth_by_year(projection: pd.DataFrame, base_year: int, years) -> np.ndarray:
    """Extra cost of momentum activity over the base year, GBP, in each of ``years`` (all localities and pods).

    base x ((1 + growth) ^ (year - base_year) - 1) x unit cost, summed: the do-nothing pressure.
    """
    years = np.asarray(list(years), dtype=int)
    base = projection["base"].to_numpy(dtype=float)
    growth = projection["growth"].to_numpy(dtype=float)
    cost = projection["unit_cost"].to_numpy(dtype=float)
    factors = (1.0 + growth[:, None]) ** (years[None, :] - int(base_year)) - 1.0  # (rows, years)
    return (base * cost) @ factors


def pressures(projection: pd.DataFrame) -> pd.DataFrame:
    """Horizon-year cost of activity by point of delivery: base, momentum and target, GBP.

    Columns: pod, base_cost_gbp, momentum_cost_gbp, target_cost_gbp, cost_growth_gbp (momentum -
    base, the do-nothing pressure) and gross_savings_gbp (momentum - target, what the schemes save).
    """
    priced = pd.DataFrame({
        "pod": projection["pod"].to_numpy(),
        "base_cost_gbp": projection["base"] * projection["unit_cost"],
        "momentum_cost_gbp": projection["momentum"] * projection["unit_cost"],
        "target_cost_gbp": projection["target"] * projection["unit_cost"],
    })
    table = priced.groupby("pod", sort=False).sum().reset_index()
    table["cost_growth_gbp"] = table["momentum_cost_gbp"] - table["base_cost_gbp"]
    table["gross_savings_gbp"] = table["momentum_cost_gbp"] - table["target_cost_gbp"]
    return table


def summary(pack, projection: pd.DataFrame | None = None, period: str = "horizon", funding_gbp: float = 0.0,
            scenario: investment.Scenario | None = None, data: investment.Inputs | None = None) -> pd.DataFrame:
    """The plan-on-a-page financial summary: one row per line, columns do_nothing_gbp, solutions_gbp,
    do_something_gbp.

    ``pack``: a Pack. ``projection``: a what-if ``stpkit.activity.project`` result to use instead of
    the pack's own. ``period``: "horizon" (the horizon year) or "plan" (all plan years added up).
    ``funding_gbp``: additional funding in the same period. ``scenario``: an investment scenario
    (default: the plan as pack.toml sets it). ``data``: investment inputs to use in place of the pack's
    (``investment.with_assumptions``, e.g. another savings elasticity). The table's ``period`` column says
    which years it covers.
    """
    if period not in ("horizon", "plan"):
        raise ValueError('period must be "horizon" or "plan"')
    if projection is None:
        from . import activity

        projection = activity.project(pack)
    data = investment.inputs(pack, projection) if data is None else data
    flows = investment.cash_flow(data, scenario)
    years = data.years
    growth = cost_growth_by_year(projection, pack.base_year, years)
    if period == "horizon":
        pick = np.array(years) == pack.horizon_year
        label = format_fy(pack.horizon_year)
    else:
        pick = (flows["period"] == "appraisal").to_numpy()
        chosen = np.array(years)[pick]
        label = f"{format_fy(chosen[0])} to {format_fy(chosen[-1])}"

    def total(column: str, sign: float = 1.0) -> float:
        return sign * float(flows[column].to_numpy()[pick].sum()) + 0.0  # + 0.0: no "-0" in the table

    cost_growth = 0.0 - float(growth[pick].sum()) + 0.0
    funding = float(funding_gbp)
    do_nothing = np.array([cost_growth, 0.0, 0.0, 0.0, 0.0, 0.0, funding])
    solutions = np.array([0.0, total("gross_savings_gbp"), total("stranded_cost_gbp", -1),
                          total("reinvestment_gbp", -1), total("running_cost_gbp", -1), total("investment_gbp", -1),
                          0.0])
    do_nothing = np.append(do_nothing, do_nothing.sum())
    solutions = np.append(solutions, solutions.sum())
    return pd.DataFrame({
        "line": list(LINES),
        "label": [LINE_LABELS[k] for k in LINES],
        "do_nothing_gbp": do_nothing,
        "solutions_gbp": solutions,
        "do_something_gbp": do_nothing + solutions,
        "period": label,
    })


def by_year(pack, projection: pd.DataFrame | None = None, funding_gbp: float = 0.0,
            scenario: investment.Scenario | None = None, data: investment.Inputs | None = None) -> pd.DataFrame:
    """The gap year by year: do nothing, solutions and do something in each plan year, GBP.

    Columns: year ("2017/18"), do_nothing_gbp (cost of activity growth over the base year, negative,
    plus ``funding_gbp``), solutions_gbp (gross savings less stranded cost, reinvestment, running costs
    and investment, as realised that year), do_something_gbp. Only the appraisal years; each year's
    row adds up as ``summary``'s horizon-year position does, and the horizon year's row equals it.
    """
    if projection is None:
        from . import activity

        projection = activity.project(pack)
    data = investment.inputs(pack, projection) if data is None else data
    flows = investment.cash_flow(data, scenario)
    pick = (flows["period"] == "appraisal").to_numpy()
    years = np.array(data.years)[pick]
    do_nothing = 0.0 - cost_growth_by_year(projection, pack.base_year, years) + float(funding_gbp)
    solutions = (flows["net_savings_gbp"] - flows["investment_gbp"]).to_numpy()[pick]
    return pd.DataFrame({"year": [format_fy(y) for y in years], "do_nothing_gbp": do_nothing,
                         "solutions_gbp": solutions, "do_something_gbp": do_nothing + solutions})


def headline(table: pd.DataFrame) -> str:
    """One sentence for the top of the page, from a ``summary`` table, money in the house style (£103m, £28.1m)."""
    position = table.set_index("line").loc["position"]
    gap, solutions, after = position["do_nothing_gbp"], position["solutions_gbp"], position["do_something_gbp"]

    def balance(value: float) -> str:
        return f"a deficit of {figures.money(abs(value))}" if value < 0 else f"a surplus of {figures.money(value)}"

    contribute = (f"the solutions add {figures.money(solutions)}" if solutions >= 0
                  else f"the solutions cost {figures.money(-solutions)} net")
    return f"{position['period']}: doing nothing leaves {balance(gap)}; {contribute}, leaving {balance(after)}."
