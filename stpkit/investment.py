"""Investment phasing: pump priming and capital by year, the savings they release, NPV and payback.

What a planner gets here:

- ``by_year``: the seed 003 "pump priming" table - revenue (pump priming) and capital by category
  and year, with totals by kind and overall.
- The investment-to-savings relation, an explicit assumption you can change. Seed 003 shows two
  scenarios: full investment releases full savings, and 25% of the investment releases only 12.5%
  of the savings. stpkit reads that as a power law,
  ``savings share = investment share ** savings_elasticity``; an elasticity of 1.5 passes through
  both seed points (0.25 ** 1.5 = 0.125). An elasticity of 1 would mean savings in proportion to
  investment; above 1 means a half-funded programme releases less than half its savings, because
  much of the investment is fixed set-up cost. Set it in pack.toml ``[investment]
  savings_elasticity``, or pass a table of (investment share, savings share) points to
  ``savings_share`` to interpolate between instead (``SEED_003_POINTS`` is the seed's table).
- The savings ramp: how the horizon-year gross savings (from ``stpkit.activity``) phase in over the
  plan years. Default ``"investment"``: savings in a year are in step with the share of the
  investment already spent a year earlier (``savings_lag_years = 1``), because seed 003 expects the
  investments to be self-funding within 12 months and says full investment is needed for full
  benefits by 2020/21. The other choice, ``"linear"``, ramps savings in equal steps, starting
  ``savings_lag_years`` after the base year. Whatever the ramp and the lag, savings reach the full
  amount in the horizon year (the plan's promise) and stay there. Both are pack.toml
  ``[investment]`` settings.
- The money a finance director signs: gross savings (activity avoided x unit cost) are not cash
  released. From them come off (``benefit_lines``): the acute **stranded cost** (hospital cost that
  does not go when the activity goes), the **reinvestment** in the services that replace the
  activity, both as shares of the gross savings (per initiative from initiatives.csv, seed 003's
  "Acute stranded cost" and "Invest" lines, matched to schemes.csv by name; else pods.csv
  ``stranded_share`` and ``reinvestment_share``; else 0), and the **running cost** of the new roles
  from their start year (roles.csv posts and the care coordinators the caseload needs, at their
  staff group's cost per FTE) beyond what the reinvestment already pays for (seed 003: recurrent
  costs become self-funding from released costs, so the two are one spending seen twice: the larger
  counts). What is left is the **net saving** (cash released); NPV and payback are on net savings
  less investment.
- Cash flow by year over a fixed appraisal period: year 0 is pack.toml ``[investment] first_year``
  (default the year after the base year: the first year the plan can spend) and the period runs
  ``appraisal_years`` (default to the horizon year); it never moves with the rows investments.csv
  happens to have, and investment outside it is a validation problem. ``steady_state_years`` adds
  that many years after the period in which savings and running costs continue at their full level
  (the Green Book's way of not cutting benefits off at an arbitrary date). NPV at the pack's
  discount rate with year 0 undiscounted (factor ``1 / (1 + r) ** t``), and the payback year: the
  first year from which the cumulative net position stays at or above zero ("not within the plan"
  if it is still below zero at the end, "nothing invested" when nothing is).
- The three options of seed 000 - comprehensive, lower assumptions on degree and pace, interim
  (comprehensive for priority areas only) - as ``Scenario`` records side by side; add your own.

Plan years run from year 0 to the end of the appraisal period (2016/17 to 2020/21 for a 2015/16
base and 2020/21 horizon), then the steady-state years. Years are integers (2017) inside
and "2017/18" in the tables returned. ``npv``, ``payback_index`` and ``appraise_arrays`` take numpy
arrays with a trailing year axis, so the Monte Carlo can appraise thousands of draws at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .years import format_fy, parse_fy

KINDS = ("revenue", "capital")
KIND_LABELS = {"revenue": "Pump priming (revenue)", "capital": "Capital"}
TOTAL_LABELS = {"revenue": "Total pump priming", "capital": "Total capital", "all": "Total investment"}

RAMPS = ("investment", "linear")
DEFAULT_ELASTICITY = 1.5
DEFAULT_RAMP = "investment"
DEFAULT_LAG_YEARS = 1
NOT_WITHIN_PLAN = "not within the plan"
NOTHING_INVESTED = "nothing invested"
BENEFITS = ("model", "net_system_savings")
DEFAULT_BENEFITS = "model"

# Seed 003, "Phasing of funding": target scenario (full investment releases full savings) and
# alternative scenario (25% of the investment releases 12.5% of the savings), plus the origin.
SEED_003_POINTS = ((0.0, 0.0), (0.25, 0.125), (1.0, 1.0))

_TOLERANCE_GBP = 1e-6  # a cumulative position within a millionth of a pound of zero counts as zero


# ---------------------------------------------------------------------------------------------
# Investment by year


def _years_as_int(values: pd.Series) -> np.ndarray:
    """Financial years as integers, whether given as 2017 or "2017/18"."""
    if len(values) == 0:
        return np.array([], dtype=int)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("int64").to_numpy()
    return np.array([parse_fy(v) for v in values], dtype=int)


def _clean(investments: pd.DataFrame) -> pd.DataFrame:
    """category, kind, year (int) and amount (float) of each investment row."""
    frame = pd.DataFrame({
        "category": investments["category"].astype(str).to_numpy() if len(investments) else [],
        "kind": investments["kind"].astype(str).str.lower().to_numpy() if len(investments) else [],
        "year": _years_as_int(investments["year"]),
        "amount": investments["amount"].to_numpy(dtype=float) if len(investments) else [],
    })
    unknown = sorted(set(frame["kind"]) - set(KINDS))
    if unknown:
        raise ValueError(f"investment kind must be revenue or capital, not {', '.join(unknown)}")
    return frame


def _year_span(years_in_data: Iterable[int], years: Iterable[int] | None = None) -> list[int]:
    """Every year from the earliest to the latest of the data and the requested years."""
    found = [int(y) for y in years_in_data] + ([int(y) for y in years] if years is not None else [])
    if not found:
        return []
    return list(range(min(found), max(found) + 1))


def by_year(investments: pd.DataFrame, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Pump priming (revenue) and capital by category and year, as seed 003's investment table.

    One row per kind and category (in file order, revenue first), a total row after each kind and a
    grand total at the end; one column of GBP per financial year ("2017/18"), then ``total_gbp``.
    ``years`` adds years with no investment (seed 003 shows 2020/21 at 0.0). ``is_total`` marks
    the total rows so a chart can leave them out.
    """
    inv = _clean(investments)
    span = _year_span(inv["year"], years)
    kinds = [k for k in KINDS if k in set(inv["kind"])]
    grid = (inv.groupby(["kind", "category", "year"], sort=False)["amount"].sum()
            .unstack("year", fill_value=0.0).reindex(columns=span, fill_value=0.0))
    grid = grid.reindex(pd.MultiIndex.from_tuples(
        [key for kind in kinds for key in grid.index if key[0] == kind], names=["kind", "category"]))
    pieces = []
    for kind in kinds:  # at most two kinds: a loop over the table's sections, not over data rows
        rows = grid.loc[[kind]].reset_index()
        rows["is_total"] = False
        total = rows[span].sum().to_frame().T
        total.insert(0, "category", TOTAL_LABELS[kind])
        total.insert(0, "kind", kind)
        total["is_total"] = True
        pieces += [rows, total]
    grand = grid.sum().to_frame().T if len(grid) else pd.DataFrame([[0.0] * len(span)], columns=span)
    grand.insert(0, "category", TOTAL_LABELS["all"])
    grand.insert(0, "kind", "all")
    grand["is_total"] = True
    table = pd.concat(pieces + [grand], ignore_index=True)
    table["total_gbp"] = table[span].sum(axis=1)
    table = table.rename(columns={y: format_fy(y) for y in span})
    table.columns.name = None
    cols = ["kind", "category"] + [format_fy(y) for y in span] + ["total_gbp", "is_total"]
    return table[cols].astype({format_fy(y): float for y in span})


def totals_by_year(investments: pd.DataFrame, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Investment by year and kind: year ("2017/18"), revenue_gbp, capital_gbp, investment_gbp."""
    inv = _clean(investments)
    span = _year_span(inv["year"], years)
    revenue, capital = _profiles(inv, span)
    return pd.DataFrame({"year": [format_fy(y) for y in span], "revenue_gbp": revenue,
                         "capital_gbp": capital, "investment_gbp": revenue + capital})


def _profiles(inv: pd.DataFrame, span: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Revenue and capital GBP by year over ``span`` (arrays of len(span))."""
    sums = inv.groupby(["kind", "year"])["amount"].sum()
    out = []
    for kind in KINDS:
        part = sums.xs(kind, level="kind") if kind in sums.index.get_level_values("kind") else pd.Series(dtype=float)
        out.append(part.reindex(list(span), fill_value=0.0).to_numpy(dtype=float))
    return out[0], out[1]


# ---------------------------------------------------------------------------------------------
# The investment-to-savings relation and the savings ramp


def savings_share(investment_share, elasticity: float = DEFAULT_ELASTICITY,
                  points: Sequence[tuple[float, float]] | None = None) -> np.ndarray:
    """Share of the full savings released when only ``investment_share`` of the investment is made.

    Power law ``investment_share ** elasticity`` by default (1.5 fits seed 003: 100% -> 100%,
    25% -> 12.5%). With ``points`` - (investment share, savings share) pairs such as
    ``SEED_003_POINTS`` - the share is interpolated in straight lines between them instead.
    Shares are clipped to 0..1. Works on scalars and arrays.
    """
    share = np.clip(np.asarray(investment_share, dtype=float), 0.0, 1.0)
    if points is not None:
        xs, ys = zip(*sorted((float(x), float(y)) for x, y in points))
        return np.interp(share, xs, ys)
    return share ** float(elasticity)


def fit_elasticity(investment_share: float, released_share: float) -> float:
    """The elasticity whose power law passes through one (investment, savings) point.

    Seed 003's alternative scenario, 25% of investment releasing 12.5% of savings, gives 1.5.
    """
    if not (0 < investment_share < 1 and 0 < released_share < 1):
        raise ValueError("both shares must be strictly between 0 and 1 to fit an elasticity")
    return float(np.log(released_share) / np.log(investment_share))


def _shift(values: np.ndarray, lag) -> np.ndarray:
    """Move values along the trailing year axis ``lag`` years later (zeros shift in).

    ``lag`` is an int or an integer array broadcastable to the leading axes.
    """
    values = np.asarray(values, dtype=float)
    lag = np.asarray(lag, dtype=int)
    n = values.shape[-1]
    source = np.arange(n) - lag[..., None]
    shape = np.broadcast_shapes(values.shape, source.shape)
    taken = np.take_along_axis(np.broadcast_to(values, shape), np.broadcast_to(np.clip(source, 0, n - 1), shape),
                               axis=-1)
    return np.where(source >= 0, taken, 0.0)


def savings_ramp(years: Sequence[int], investment_gbp=None, method: str = DEFAULT_RAMP,
                 lag_years=DEFAULT_LAG_YEARS, base_year: int | None = None,
                 horizon_year: int | None = None, delay_years=0) -> np.ndarray:
    """Share (0..1) of the horizon-year annual savings realised in each plan year.

    ``"investment"``: the cumulative share of the investment spent ``lag_years`` earlier, so
    savings follow the money (seed 003: self-funding within 12 months). Where there is no
    investment at all this falls back to ``"linear"``.
    ``"linear"``: equal steps from 0 in the year ``lag_years`` after the base year to 1 in the
    horizon year (lag 0 from a 2015/16 base to 2020/21: 0.2, 0.4, 0.6, 0.8, 1; lag 1: 0, 0.25,
    0.5, 0.75, 1).
    Either way the full savings arrive in the horizon year and stay (the plan's promise): a lag
    delays the start, never the end. ``delay_years`` (a scenario's slower pace) moves the whole
    ramp later, so the full amount then arrives that many years after the horizon.
    ``investment_gbp`` is an array with a trailing year axis (any leading axes); ``lag_years`` and
    ``delay_years`` may be ints or integer arrays over the leading axes (one per scenario or draw).
    """
    years = np.asarray(list(years), dtype=int)
    if method not in RAMPS:
        raise ValueError(f'savings ramp must be one of {", ".join(RAMPS)}, not "{method}"')
    base = int(years[0]) - 1 if base_year is None else int(base_year)
    horizon = int(years[-1]) if horizon_year is None else int(horizon_year)
    lag = np.asarray(lag_years, dtype=int)[..., None]
    start = base + lag  # the last year with no savings
    steps = np.maximum(horizon - start, 1)
    linear = np.clip((years - start) / steps, 0.0, 1.0)
    linear = np.where(years >= horizon, 1.0, linear)
    if method == "linear" or investment_gbp is None:
        return _shift(linear, delay_years)
    spent = np.cumsum(np.asarray(investment_gbp, dtype=float), axis=-1)
    total = spent[..., -1:]
    following = np.divide(spent, total, out=np.zeros_like(spent), where=total > 0)
    following = _shift(following, np.asarray(lag_years, dtype=int))
    following = np.where(years >= horizon, 1.0, following)
    ramp = np.where(total > 0, following, linear)
    return _shift(ramp, delay_years)


# ---------------------------------------------------------------------------------------------
# NPV and payback on arrays


def discount_factors(n_years: int, rate) -> np.ndarray:
    """1 / (1 + rate) ** t for t = 0 .. n_years - 1: the first plan year is undiscounted.

    ``rate`` may be an array; the result then has a trailing year axis.
    """
    rate = np.asarray(rate, dtype=float)
    return (1.0 + rate[..., None]) ** -np.arange(n_years)


def npv(values, rate) -> np.ndarray | float:
    """Net present value of cash flows with a trailing year axis, first year undiscounted.

    ``values``: shape (..., years), e.g. (draws, localities, years). ``rate``: a scalar, or an
    array broadcastable to the leading axes. Returns shape (...).
    """
    values = np.asarray(values, dtype=float)
    rate = np.asarray(rate, dtype=float)
    if rate.ndim == 0:
        result = values @ discount_factors(values.shape[-1], rate)
    else:
        result = (values * discount_factors(values.shape[-1], rate)).sum(axis=-1)
    return float(result) if np.ndim(result) == 0 else result


def payback_index(net) -> np.ndarray:
    """Index of the payback year along the trailing year axis, -1 where not within the plan.

    Payback is the first year from which the cumulative net position stays at or above zero: the
    year after the last year it is below zero (the first year when it never is). A year whose net
    is not known (NaN) leaves the cumulative position unknown from then on, so no payback year can
    be found: -1, as for "not within the plan".
    """
    net = np.asarray(net, dtype=float)
    cumulative = np.cumsum(net, axis=-1)
    n = cumulative.shape[-1]
    below = ~(cumulative >= -_TOLERANCE_GBP)  # NaN counts as below: not shown to be paid back
    index = (below * np.arange(1, n + 1, dtype=np.int16)).max(axis=-1)  # last year below, plus one
    return np.where(index >= n, -1, index)


def payback_year(net, years: Sequence[int]):
    """The payback year as an int (or an array of years, NaN where not within the plan)."""
    index = payback_index(net)
    years = np.asarray(list(years), dtype=int)
    if np.ndim(index) == 0:
        return None if index < 0 else int(years[index])
    return np.where(index >= 0, years[np.clip(index, 0, None)], np.nan)


def _payback_separable(savings, investment, ramp) -> np.ndarray:
    """Payback index when each year's savings are ``savings x ramp``, without building the year axis.

    The cumulative position in year s is savings x R_s - I_s (R, I: cumulative ramp and investment),
    at or above zero exactly when savings >= (I_s - tolerance) / R_s. Payback is the first year t
    from which that holds for every later year, so savings are compared with the largest threshold
    from t on: a few numbers per year instead of a value per draw, locality and year. Any NaN
    (savings, investment or ramp) gives -1, as ``payback_index`` does.
    """
    spent = np.cumsum(investment, axis=-1)
    realised = np.cumsum(ramp, axis=-1)
    spent, realised = np.broadcast_arrays(spent, realised)
    owed = spent - _TOLERANCE_GBP
    with np.errstate(divide="ignore", invalid="ignore"):
        threshold = np.where(realised > 0, owed / np.where(realised > 0, realised, 1.0),
                             np.where(owed > 0, np.inf, -np.inf))
    threshold = np.where(np.isnan(spent) | np.isnan(realised), np.inf, threshold)
    worst_ahead = np.maximum.accumulate(threshold[..., ::-1], axis=-1)[..., ::-1]  # non-increasing in t
    n = threshold.shape[-1]
    if worst_ahead.ndim == 1:  # one profile for every draw: a sorted lookup
        index = np.searchsorted(-worst_ahead, -savings, side="left")
    else:
        index = (savings[..., None] < worst_ahead).sum(axis=-1)
    index = np.where(np.isnan(savings), n, index)
    return np.where(index >= n, -1, index)


def appraise_arrays(investment_gbp, savings_gbp, ramp, rate, release=1.0, flows: bool = False) -> dict:
    """NPV and payback for many draws at once (the Monte Carlo's entry point).

    ``investment_gbp``: (..., years) GBP spent each year, often one profile (years,).
    ``savings_gbp``: (...) horizon-year annual savings counted, e.g. (draws, localities): net
    savings where the stranded cost and reinvestment shares have been taken off (``benefit_lines``).
    ``ramp``: (..., years) share of those savings realised each year (from ``savings_ramp``).
    ``release``: share of the savings the investment made releases (``savings_share``), scalar or (...).
    ``rate``: discount rate, scalar or (...).
    Returns ``npv`` and ``payback_index`` (-1: not within the plan) over the leading axes. Because
    savings are the horizon figure times a ramp, neither needs a draw x locality x year array; pass
    ``flows=True`` to get the ``savings``, ``net`` and ``cumulative`` arrays by year as well.
    """
    investment_gbp = np.asarray(investment_gbp, dtype=float)
    ramp = np.asarray(ramp, dtype=float)
    released = np.asarray(savings_gbp, dtype=float) * np.asarray(release, dtype=float)
    n = np.broadcast_shapes(investment_gbp.shape, ramp.shape)[-1]
    factors = discount_factors(n, rate)
    value = released * (ramp * factors).sum(axis=-1) - (investment_gbp * factors).sum(axis=-1)
    result = {"npv": value, "payback_index": _payback_separable(released, investment_gbp, ramp)}
    if flows:
        savings = released[..., None] * ramp
        net = savings - investment_gbp
        result.update(savings=savings, net=net, cumulative=np.cumsum(net, axis=-1))
    return result


def benefit_lines(gross_gbp, stranded_share=0.0, reinvestment_share=0.0, roles_running_gbp=0.0) -> dict:
    """From gross savings to cash released: the lines a finance director reads, on arrays.

    ``gross_gbp``: gross savings (activity avoided x unit cost), any shape (e.g. scenarios x years).
    ``stranded_share`` and ``reinvestment_share``: the acute stranded cost and the reinvestment in
    the services that replace the activity, as shares of the gross (broadcast against it).
    ``roles_running_gbp``: the recurring cost of the new roles in the same years.
    Returns gross_gbp, stranded_cost_gbp (gross x stranded share), reinvestment_gbp (gross x
    reinvestment share), running_cost_gbp (the roles' cost beyond what the reinvestment pays for:
    the two are one spending seen from two sides, so only the larger counts) and net_savings_gbp
    (gross - stranded - reinvestment - running cost). Seed 003's Frailty and EoL: 26.3 - 6.9 - 14.5
    = GBP 4.9m.
    """
    gross = np.asarray(gross_gbp, dtype=float)
    stranded = gross * np.asarray(stranded_share, dtype=float)
    reinvested = gross * np.asarray(reinvestment_share, dtype=float)
    running = np.maximum(np.asarray(roles_running_gbp, dtype=float) - reinvested, 0.0)
    return {"gross_gbp": gross, "stranded_cost_gbp": stranded, "reinvestment_gbp": reinvested,
            "running_cost_gbp": running, "net_savings_gbp": gross - stranded - reinvested - running}


# ---------------------------------------------------------------------------------------------
# Scenarios and the pack-level appraisal


@dataclass(frozen=True)
class Scenario:
    """One option to appraise: multipliers on the planned investment and the modelled savings.

    investment_share: share of the planned pump priming (revenue) made; the savings released
        follow from it through the investment-to-savings relation.
    capital_share: share of the planned capital made (None: same as investment_share). Capital
        does not move the savings relation: stpkit models no estates savings.
    degree: share of the modelled savings pursued (the degree of change), outside priority pods.
    priority_degree: share pursued in ``priority_pods`` (None: same as degree).
    priority_pods: points of delivery treated as priority areas.
    delay_years: pace of change - how many years later than the ramp the savings arrive.
    """

    name: str
    description: str = ""
    investment_share: float = 1.0
    capital_share: float | None = None
    degree: float = 1.0
    priority_degree: float | None = None
    priority_pods: tuple[str, ...] = ()
    delay_years: int = 0


# Seed 000, "Option appraisal": limit the options to three.
SEED_000_OPTIONS = (
    Scenario("Comprehensive",
             "All objectives delivered in the plan period: full investment, full savings, at full pace."),
    Scenario("Lower assumptions",
             "Lower degree and pace of change: half the investment (releasing savings through the "
             "investment-to-savings relation) and savings arriving a year later.",
             investment_share=0.5, delay_years=1),
    Scenario("Interim",
             "Comprehensive for priority areas (managing acute admissions: A&E and non-elective), lower "
             "assumptions elsewhere: half the savings on other points of delivery and half the capital (estates).",
             capital_share=0.5, degree=0.5, priority_degree=1.0, priority_pods=("ae", "non_elective")),
)

# Seed 003, "Phasing of funding": the target and the alternative scenario.
SEED_003_SCENARIOS = (
    Scenario("Target", "Full investment releases full savings."),
    Scenario("Alternative", "25% of the investment is made, releasing 12.5% of the savings.", investment_share=0.25),
)


@dataclass
class Inputs:
    """What an appraisal needs, taken from a pack (``inputs(pack)``) or built by hand.

    investments: category, kind, year, amount rows (as investments.csv).
    savings_by_pod: horizon-year annual gross savings, GBP, indexed by point of delivery.
    first_year: year 0 of the appraisal (None: the year after the base year).
    appraisal_years: years in the appraisal period (None: from year 0 to the horizon year).
    steady_state_years: further years after the period with full savings and running costs.
    stranded_share, reinvestment_share: shares of the gross savings by pod (missing pods: 0).
    roles_running_gbp: recurring cost of the new roles by year (int index); held at its last value
        after the last year given, 0 before the first.
    benefits: "model" (gross savings of the activity model, less stranded cost, reinvestment and
        running costs) or "net_system_savings" (initiatives.csv's published net system savings as
        the horizon-year net saving, seed 003's GBP 53.3m: already net, so nothing more comes off).
    """

    investments: pd.DataFrame
    savings_by_pod: pd.Series
    base_year: int
    horizon_year: int
    discount_rate: float = 0.035
    investment_share: float = 1.0
    elasticity: float = DEFAULT_ELASTICITY
    points: tuple[tuple[float, float], ...] | None = None
    ramp: str = DEFAULT_RAMP
    lag_years: int = DEFAULT_LAG_YEARS
    notes: list[str] = field(default_factory=list)
    first_year: int | None = None
    appraisal_years: int | None = None
    steady_state_years: int = 0
    stranded_share: pd.Series | None = None
    reinvestment_share: pd.Series | None = None
    roles_running_gbp: pd.Series | None = None
    benefits: str = DEFAULT_BENEFITS
    net_system_savings_gbp: float = float("nan")
    share_sources: pd.DataFrame | None = None
    option: dict = field(default_factory=dict)  # a scenario's option fields (capital_share, degree, ...)

    @property
    def year_zero(self) -> int:
        return self.base_year + 1 if self.first_year is None else int(self.first_year)

    @property
    def period(self) -> list[int]:
        """The appraisal period: year 0 to its last year (default the horizon year). Fixed by the settings."""
        n = self.horizon_year - self.year_zero + 1 if self.appraisal_years is None else int(self.appraisal_years)
        return list(range(self.year_zero, self.year_zero + max(n, 1)))

    @property
    def years(self) -> list[int]:
        """Appraisal years: the period, then the steady-state years."""
        period = self.period
        return period + list(range(period[-1] + 1, period[-1] + 1 + int(self.steady_state_years)))


def appraisal_period(settings: dict, base_year: int, horizon_year: int) -> tuple[int, int]:
    """Year 0 and the last year of the appraisal period from pack.toml [investment] settings."""
    first = settings.get("first_year")
    first = base_year + 1 if first is None else int(first)
    count = settings.get("appraisal_years")
    count = horizon_year - first + 1 if count is None else int(count)
    return first, first + max(count, 1) - 1


def _key(names) -> list[str]:
    return ["".join(ch for ch in str(name).lower() if ch.isalnum()) for name in names]


def benefit_shares(pack, schemes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Stranded cost and reinvestment as shares of gross savings, by point of delivery, with their source.

    Per scheme: the initiative of the same name in initiatives.csv (stranded_cost / gross_savings and
    investment / gross_savings; seed 003: Frailty and EoL 6.9 / 26.3 and 14.5 / 26.3), else the
    pod's pods.csv ``stranded_share`` and ``reinvestment_share``, else 0. A pod's share is its
    schemes' shares weighted by their reductions (the split of its savings the waterfall uses); a pod
    with no scheme takes pods.csv's. Columns: pod, stranded_share, reinvestment_share, source.
    """
    from . import initiatives as ini
    from .schema import POINTS_OF_DELIVERY

    schemes = pack.schemes if schemes is None else schemes
    pods = pack.pods.set_index("pod")
    fallback = {c: (pd.to_numeric(pods[c], errors="coerce") if c in pods else pd.Series(np.nan, index=pods.index))
                .reindex(list(POINTS_OF_DELIVERY)).fillna(0.0) for c in ("stranded_share", "reinvestment_share")}
    shares = ini.initiative_shares(pack.initiatives if pack.has("initiatives.csv") else None)
    found = shares.set_index(pd.Index(_key(shares["initiative"]))) if len(shares) else shares
    rows = []
    for pod in POINTS_OF_DELIVERY:  # five points of delivery
        mine = schemes[schemes["pod"] == pod] if len(schemes) else schemes
        weights = mine["reduction"].to_numpy(dtype=float) if len(mine) else np.zeros(0)
        if len(mine) and weights.sum() > 0:
            weights = weights / weights.sum()
            keys = _key(mine["scheme"])
            hit = np.array([k in found.index for k in keys], dtype=bool) if len(found) else np.zeros(len(keys), bool)
            values = {}
            for column in ("stranded_share", "reinvestment_share"):
                own = np.array([float(found.loc[k, column]) if h else fallback[column][pod] for k, h in zip(keys, hit)])
                values[column] = float(weights @ own)
            named = [n for n, h in zip(mine["scheme"], hit) if h]
            source = ("initiatives.csv: " + ", ".join(dict.fromkeys(named))) if named else "pods.csv"
            if named and not hit.all():
                source += "; pods.csv for the other schemes"
        else:
            values = {c: float(fallback[c][pod]) for c in fallback}
            source = "pods.csv"
        rows.append({"pod": pod, **values, "source": source})
    return pd.DataFrame(rows)


def inputs(pack, projection: pd.DataFrame | None = None, schemes: pd.DataFrame | None = None,
           workforce_tables: dict | None = None) -> Inputs:
    """Appraisal inputs from a pack: its investments, gross savings by pod and [investment] settings,
    the stranded and reinvestment shares (``benefit_shares``) and the new roles' running costs.

    ``projection`` (from ``stpkit.activity.project``) may be passed to reuse a what-if projection,
    ``workforce_tables`` (``stpkit.workforce.workforce_for``) to reuse the workforce model.
    """
    from . import workforce
    from .initiatives import net_savings_total

    if projection is None:
        from . import activity

        projection = activity.project(pack)
    savings = projection.groupby("pod")["gross_savings_gbp"].sum()
    settings = pack.settings.get("investment", {})
    ramp = str(settings.get("savings_ramp", DEFAULT_RAMP) or DEFAULT_RAMP).strip().lower()
    if ramp not in RAMPS:
        raise ValueError(f'pack.toml [investment] savings_ramp must be one of {", ".join(RAMPS)}, not "{ramp}"')
    benefits = str(settings.get("benefits", DEFAULT_BENEFITS) or DEFAULT_BENEFITS).strip().lower()
    if benefits not in BENEFITS:
        raise ValueError(f'pack.toml [investment] benefits must be one of {", ".join(BENEFITS)}, not "{benefits}"')
    notes = []
    if not pack.has("investments.csv") or not len(pack.investments):
        notes.append("no investments.csv: no investment is appraised, and savings ramp up in equal steps")
    first, last = appraisal_period(settings, pack.base_year, pack.horizon_year)
    steady = int(settings.get("steady_state_years", 0) or 0)
    years = list(range(first, last + 1 + steady))
    tables = workforce.workforce_for(pack) if workforce_tables is None else workforce_tables
    running = workforce.running_costs(tables["gap"], pack.roles, years)
    shares = benefit_shares(pack, schemes).set_index("pod")
    system = float("nan")
    if pack.has("initiatives.csv") and "net_system_savings" in pack.initiatives:
        system = net_savings_total(pack.initiatives, "net_system_savings")
    if benefits == "net_system_savings" and not system > 0:
        raise ValueError("pack.toml [investment] benefits is net_system_savings, but initiatives.csv gives no "
                         "net_system_savings")
    return Inputs(
        investments=pack.investments,
        savings_by_pod=savings,
        base_year=pack.base_year,
        horizon_year=pack.horizon_year,
        discount_rate=pack.discount_rate,
        investment_share=float(settings.get("investment_share", 1.0)),
        elasticity=float(settings.get("savings_elasticity", DEFAULT_ELASTICITY)),
        ramp=ramp,
        lag_years=int(settings.get("savings_lag_years", DEFAULT_LAG_YEARS)),
        notes=notes,
        first_year=first,
        appraisal_years=last - first + 1,
        steady_state_years=steady,
        stranded_share=shares["stranded_share"],
        reinvestment_share=shares["reinvestment_share"],
        roles_running_gbp=running.set_index("year")["running_cost_gbp"],
        benefits=benefits,
        net_system_savings_gbp=system,
        share_sources=shares.reset_index(),
        option={k: settings[k] for k in OPTION_FIELDS if settings.get(k) is not None},
    )


def _as_inputs(source) -> Inputs:
    return source if isinstance(source, Inputs) else inputs(source)


OPTION_FIELDS = ("capital_share", "degree", "priority_degree", "priority_pods", "delay_years")


def pack_scenario(source) -> Scenario:
    """The plan as the pack sets it: investment_share from [investment], and the option fields (capital
    share, degree, priority pods, delay) a scenario file (``stpkit.scenarios``) may set; else in full."""
    data = _as_inputs(source)
    option = dict(data.option)
    if "priority_pods" in option:
        option["priority_pods"] = tuple(option["priority_pods"])
    return Scenario("Plan", "As planned, with pack.toml's investment share.", investment_share=data.investment_share,
                    **option)


def as_scenario(option: Scenario | dict) -> Scenario:
    """A Scenario from a Scenario or a plain dict of its fields, e.g. {"name": "Mine", "degree": 0.8}."""
    if isinstance(option, Scenario):
        return option
    fields = dict(option)
    if "priority_pods" in fields:
        fields["priority_pods"] = tuple(fields["priority_pods"])
    return Scenario(**fields)


def _check_period(inv: pd.DataFrame, data: Inputs) -> None:
    period = data.period
    outside = inv[(inv["year"] < period[0]) | (inv["year"] > period[-1])]
    if len(outside):
        year = int(outside["year"].iloc[0])
        raise ValueError(f"investment in {format_fy(year)} is outside the appraisal period {format_fy(period[0])} to "
                         f"{format_fy(period[-1])} (pack.toml [investment] first_year and appraisal_years)")


def _by_year(series: pd.Series | None, years: Sequence[int]) -> np.ndarray:
    """A yearly Series on ``years``: 0 before its first year, held at its last value after its last."""
    if series is None or not len(series):
        return np.zeros(len(years))
    series = pd.Series(series, dtype=float)
    series.index = series.index.astype(int)
    full = series.reindex(sorted(set(series.index) | set(int(y) for y in years))).ffill().fillna(0.0)
    return full.reindex(list(years)).to_numpy(dtype=float)


def _evaluate(data: Inputs, options: Sequence[Scenario]) -> dict[str, np.ndarray]:
    """All scenarios at once: arrays with a leading scenario axis and a trailing year axis."""
    years = data.years
    inv = _clean(data.investments)
    _check_period(inv, data)
    revenue, capital = _profiles(inv, years)
    share = np.array([s.investment_share for s in options], dtype=float)
    cap_share = np.array([s.investment_share if s.capital_share is None else s.capital_share for s in options])
    investment = share[:, None] * revenue + cap_share[:, None] * capital  # (S, Y)
    pods = list(data.savings_by_pod.index)
    degree = np.array([[(s.degree if s.priority_degree is None else s.priority_degree) if pod in s.priority_pods
                        else s.degree for pod in pods] for s in options], dtype=float).reshape(len(options), len(pods))
    by_pod = degree * data.savings_by_pod.to_numpy(dtype=float)  # (S, P) horizon-year gross savings pursued
    pursued = by_pod.sum(axis=1)

    def pod_shares(series):
        values = np.zeros(len(pods)) if series is None else pd.Series(series, dtype=float).reindex(pods)
        return np.nan_to_num(np.asarray(values, dtype=float))

    with np.errstate(invalid="ignore", divide="ignore"):
        stranded_share = np.where(pursued > 0, by_pod @ pod_shares(data.stranded_share) / np.where(
            pursued > 0, pursued, 1.0), 0.0)
        reinvestment_share = np.where(pursued > 0, by_pod @ pod_shares(data.reinvestment_share) / np.where(
            pursued > 0, pursued, 1.0), 0.0)
    release = savings_share(share, data.elasticity, data.points)
    delay = np.array([s.delay_years for s in options], dtype=int)
    invested = revenue.sum() + capital.sum() > 0
    ramp_method = data.ramp if invested else "linear"
    ramp = savings_ramp(years, investment, ramp_method, np.full(len(options), data.lag_years), data.base_year,
                        data.horizon_year, delay)
    roles = share[:, None] * _by_year(data.roles_running_gbp, years)  # half the investment: half the posts
    if data.benefits == "net_system_savings":
        gross = (data.net_system_savings_gbp * np.where(pursued > 0, 1.0, 0.0) * release)[:, None] * ramp
        lines = benefit_lines(gross)
    else:
        gross = (pursued * release)[:, None] * ramp
        lines = benefit_lines(gross, stranded_share[:, None], reinvestment_share[:, None], roles)
    net = lines["net_savings_gbp"] - investment
    factors = discount_factors(len(years), data.discount_rate)
    result = {"npv": net @ factors, "payback_index": payback_index(net), "savings": lines["gross_gbp"],
              "net": net, "cumulative": np.cumsum(net, axis=-1)}
    result.update(lines)
    result.update(years=np.array(years), revenue=share[:, None] * revenue, capital=cap_share[:, None] * capital,
                  investment=investment, release=release, pursued=pursued, ramp=ramp, roles=roles,
                  invested=investment.sum(axis=-1) > 0, in_period=np.isin(years, data.period),
                  stranded_share=stranded_share, reinvestment_share=reinvestment_share)
    return result


def _payback_words(r: dict) -> np.ndarray:
    index = r["payback_index"]
    words = np.where(index >= 0, [format_fy(y) for y in r["years"][np.clip(index, 0, None)]], NOT_WITHIN_PLAN)
    return np.where(r["invested"], words, NOTHING_INVESTED)


def cash_flow(source, scenario: Scenario | None = None) -> pd.DataFrame:
    """Cash flow by appraisal year for one scenario (default: the plan as pack.toml sets it).

    Columns: year ("2017/18"), period ("appraisal" or "steady state"), revenue_gbp, capital_gbp,
    investment_gbp (out), savings_realised_share (of the horizon-year savings pursued, realised that
    year), gross_savings_gbp (activity avoided x unit cost), stranded_cost_gbp, reinvestment_gbp,
    running_cost_gbp (new roles beyond the reinvestment), net_savings_gbp (cash released: gross less
    the three), net_gbp (net savings less investment), cumulative_net_gbp, discount_factor (year 0:
    1.0) and discounted_net_gbp. ``savings_gbp`` is kept as the gross savings, for older callers.
    ``source``: a Pack or Inputs.
    """
    data = _as_inputs(source)
    scenario = as_scenario(scenario) if scenario is not None else pack_scenario(data)
    r = _evaluate(data, [scenario])
    factors = discount_factors(len(r["years"]), data.discount_rate)
    return pd.DataFrame({
        "year": [format_fy(y) for y in r["years"]],
        "period": np.where(r["in_period"], "appraisal", "steady state"),
        "revenue_gbp": r["revenue"][0],
        "capital_gbp": r["capital"][0],
        "investment_gbp": r["investment"][0],
        "savings_realised_share": r["ramp"][0] * r["release"][0],
        "gross_savings_gbp": r["gross_gbp"][0],
        "stranded_cost_gbp": r["stranded_cost_gbp"][0],
        "reinvestment_gbp": r["reinvestment_gbp"][0],
        "running_cost_gbp": r["running_cost_gbp"][0],
        "net_savings_gbp": r["net_savings_gbp"][0],
        "savings_gbp": r["gross_gbp"][0],
        "net_gbp": r["net"][0],
        "cumulative_net_gbp": r["cumulative"][0],
        "discount_factor": factors,
        "discounted_net_gbp": r["net"][0] * factors,
    })


def scenarios(source, options: Sequence[Scenario] = SEED_000_OPTIONS) -> pd.DataFrame:
    """The options side by side, one row each.

    Columns: scenario, description, investment_gbp (total), run_rate_savings_gbp (the annual gross
    savings pursued times the share released: the full yearly rate once the ramp is complete),
    horizon_savings_gbp (gross savings in the horizon year itself, as in that year's cash flow: below
    the run rate when a scenario's pace delays the ramp), horizon_net_savings_gbp (net savings that
    year), gross_savings_gbp, stranded_cost_gbp, reinvestment_gbp, running_cost_gbp and
    net_savings_gbp (totals over the appraisal years), savings_gbp (= gross_savings_gbp), net_gbp
    (net savings less investment), npv_gbp, payback_year ("2019/20", "not within the plan" or
    "nothing invested"), savings_released (share). ``source``: a Pack or Inputs; ``options``
    (Scenarios or dicts of their fields) defaults to seed 000's three options.
    """
    data = _as_inputs(source)
    options = [as_scenario(option) for option in options]
    r = _evaluate(data, options)
    at_horizon = r["years"] == data.horizon_year
    return pd.DataFrame({
        "scenario": [s.name for s in options],
        "description": [s.description for s in options],
        "investment_gbp": r["investment"].sum(axis=-1),
        "run_rate_savings_gbp": (data.net_system_savings_gbp if data.benefits == "net_system_savings"
                                 else r["pursued"]) * r["release"],
        "horizon_savings_gbp": r["gross_gbp"][:, at_horizon].sum(axis=-1),
        "horizon_net_savings_gbp": r["net_savings_gbp"][:, at_horizon].sum(axis=-1),
        "gross_savings_gbp": r["gross_gbp"].sum(axis=-1),
        "stranded_cost_gbp": r["stranded_cost_gbp"].sum(axis=-1),
        "reinvestment_gbp": r["reinvestment_gbp"].sum(axis=-1),
        "running_cost_gbp": r["running_cost_gbp"].sum(axis=-1),
        "net_savings_gbp": r["net_savings_gbp"].sum(axis=-1),
        "savings_gbp": r["gross_gbp"].sum(axis=-1),
        "net_gbp": r["net"].sum(axis=-1),
        "npv_gbp": r["npv"],
        "payback_year": _payback_words(r),
        "savings_released": r["release"],
    })


def appraise(source, scenario: Scenario | None = None) -> dict:
    """One scenario's headline figures: the row of ``scenarios`` as a dict, plus the years and notes."""
    data = _as_inputs(source)
    scenario = scenario or pack_scenario(data)
    row = scenarios(data, [scenario]).iloc[0].to_dict()
    payback = row["payback_year"]
    row["payback_year_int"] = None if payback in (NOT_WITHIN_PLAN, NOTHING_INVESTED) else parse_fy(payback)
    row["first_year"] = format_fy(data.years[0]) if data.years else None
    row["last_year"] = format_fy(data.years[-1]) if data.years else None
    row["benefits"] = data.benefits
    row["notes"] = list(data.notes)
    return row


def with_assumptions(data: Inputs, **changes) -> Inputs:
    """A copy of the inputs with some assumptions changed, e.g. with_assumptions(x, elasticity=1.0)."""
    return replace(data, **changes)
