"""Uncertainty: how sure are the plan's figures? A seeded Monte Carlo over the pack's 80% intervals.

Any growth rate, scheme reduction or unit cost in a pack may carry an 80% interval in ``<col>_low`` and
``<col>_high`` columns (pods.csv growth and unit_cost; activity.csv growth and unit_cost per locality;
schemes.csv reduction). stpkit reads them as the Strategy Unit's NHP model does: low and high are the
10th and 90th percentiles of a normal distribution, so each draw is
``(low + high) / 2 + z * (high - low) / 2.563`` for a standard normal ``z``. The centre of the draws is
the interval's midpoint: where the point value is not in the middle of its interval (a reduction of
6.8% given as 3.4% to 8.5%), the P50 moves away from the plan's point figure, as in the NHP model.
A value given only as a point is fixed: it does not vary between draws.

Draws are clamped to what the pack format allows: growth to -50%..+50% a year, each scheme's
reduction and each point of delivery's summed reduction to 0 up to (not including) 100% (so a
target is never negative), unit costs and the delivery factor to zero or more.

Delivery: whether the schemes deliver what they plan is the plan's biggest risk (seed 004's review
found many community schemes did not cut emergency admissions at all). pack.toml ``[delivery]``
gives a delivery factor, the share of the planned avoided activity delivered, with an 80% interval
(default 0.5 to 1.5: centred on the plan, and wide); one draw per draw of the Monte Carlo, shared
by every scheme and locality, multiplies the avoided activity. Where targets.csv fixes a row, the
avoided activity scales with the pod's drawn reductions against its planned ones (the target is the
plan; the draw says "deliver so much more or less than planned") and with the delivery factor.

One draw per assumption, shared by every locality. Growth and unit cost are drawn once per point of
delivery and reduction once per schemes.csv row; every locality uses the same draw, because they
share the assumption (if A&E grows faster than planned, it does so across the footprint). Where
activity.csv gives a locality its own interval, that locality takes the same quantile of its own
interval (the same ``z``), so localities move together. Growth, unit cost and each scheme are drawn
independently of each other. Each of the three kinds of assumption has its own random stream (from
``numpy.random.SeedSequence(seed).spawn``), so adding a scheme does not change the growth draws.

Each draw runs the model's own arithmetic (`stpkit.activity`): momentum = base x (1 + growth)^years;
target = momentum x (1 - the pod's summed reductions), unless targets.csv fixes it (a fixed target
is the plan: its avoided activity, momentum - target, scales with the drawn reductions and the delivery
factor); avoided = momentum - target; gross savings = avoided x unit cost. NPV uses `stpkit.investment`
on net savings (the plan as pack.toml sets it: its investment profile, savings ramp,
investment-to-savings relation, stranded and reinvestment shares and the new roles' running costs
stay fixed; the gross savings vary).
Per locality the footprint's investment is shared in proportion to population (an assumption: the
programmes serve people, not activity). The workforce gap uses `stpkit.workforce`: care coordinators
needed scale with each locality's drawn emergency (non-elective) momentum against its point
projection, since the people eligible for coordination are those driving emergency demand; the
staff groups that deliver activity (`workforce.staff_activity`) need more or fewer staff as each
draw's horizon momentum by point of delivery differs from the point figure, by the scenario rule
(staff in post x share of work x the change against the pack's own projection); staff in post, new
roles, GP time released and the supply stay fixed. Supply is known only for the footprint, so the
gap is a footprint figure; per locality the coordinators needed are given.

Footprint figures are summed over localities draw by draw, then their percentiles taken (the P90
of a total is less than the sum of the localities' P90s).

Speed: every quantity is computed for all draws at once, and cells that share their assumptions
(the usual case: growth and unit cost from pods.csv) are exact multiples of one another, so ranks
are found once per shared assumption and each cell's P10/P50/P90 is the model evaluated at the draws
holding those ranks. `cell_draws` gives the full (draws x cells) matrix when it is wanted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import activity, investment, needs
from .schema import FILES, POINTS_OF_DELIVERY
from . import population
from .years import format_fy

QUANTILES = (0.1, 0.5, 0.9)
PERCENTILE_COLUMNS = ("p10", "p50", "p90")
# norm.ppf(0.9): an 80% interval spans 2 x 1.2816 standard deviations (the NHP model's 2.563103)
Z90 = 1.2815515655446004
ALL = "all"  # the pod (or locality_id) of a total
CELL_MEASURES = ("momentum", "target", "avoided", "gross_savings_gbp")
COLUMNS = ["locality_id", "locality", "group", "pod", "measure", "p10", "p50", "p90"]
WORKFORCE_COLUMNS = ["staff_group", "year", "measure", "p10", "p50", "p90"]

_GROWTH = FILES["pods.csv"].column("growth")
GROWTH_RANGE = (_GROWTH.min, _GROWTH.max)
REDUCTION_MAX = float(np.nextafter(1.0, 0.0))  # a reduction is below 100%
_POD_INDEX = {pod: i for i, pod in enumerate(POINTS_OF_DELIVERY)}


# ---------------------------------------------------------------------------------------------
# Reading the intervals


def has_intervals(pack) -> bool:
    """Whether any growth, reduction or unit cost in the pack carries an 80% interval."""
    for frame, names in ((pack.pods, ("growth", "unit_cost")), (pack.activity, ("growth", "unit_cost")),
                         (pack.schemes, ("reduction",))):
        for name in names:
            for side in ("low", "high"):
                column = f"{name}_{side}"
                if column in frame and pd.to_numeric(frame[column], errors="coerce").notna().any():
                    return True
    return False


def interval_parameters(point, low, high) -> tuple[np.ndarray, np.ndarray]:
    """Centre and standard deviation of the normal whose 10th and 90th percentiles are low and high.

    Where low or high is missing the value is fixed: centre = the point value, deviation 0.
    """
    point, low, high = (np.asarray(v, dtype=float) for v in (point, low, high))
    given = ~np.isnan(low) & ~np.isnan(high)
    centre = np.where(given, (low + high) / 2.0, point)
    spread = np.where(given, (high - low) / (2.0 * Z90), 0.0)
    return centre, spread


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column as floats, NaN when the frame has no such column."""
    if name in frame:
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    return np.full(len(frame), np.nan)


def _cell_assumption(act: pd.DataFrame, pods: pd.DataFrame, name: str) -> tuple[np.ndarray, ...]:
    """Point, low and high of one assumption for every activity row: activity.csv's where given, else the pod's."""
    pod_rows = pods.set_index("pod").reindex(act["pod"])
    own = _column(act, name)
    use_own = ~np.isnan(own)
    return tuple(np.where(use_own, _column(act, name + suffix), _column(pod_rows, name + suffix))
                 for suffix in ("", "_low", "_high"))


def _groups(pod_index: np.ndarray, point: np.ndarray, centre: np.ndarray, spread: np.ndarray):
    """Cells sharing a pod and the same assumption: unique rows and each cell's group number."""
    keys = pd.DataFrame({"pod": pod_index.astype(float), "point": point, "centre": centre, "spread": spread})
    inverse = keys.groupby(list(keys.columns), sort=True, dropna=False).ngroup().to_numpy()
    first = np.zeros(int(inverse.max()) + 1 if len(inverse) else 0, dtype=int)
    first[inverse[::-1]] = np.arange(len(inverse))[::-1]  # the first cell of each group
    return keys.to_numpy()[first], inverse


# ---------------------------------------------------------------------------------------------
# Order statistics: the draws that hold the P10, P50 and P90


def _positions(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper ranks and the weight between them for each quantile (numpy's "linear" method)."""
    virtual = np.asarray(QUANTILES) * (n - 1)
    lower = np.floor(virtual).astype(int)
    upper = np.minimum(lower + 1, n - 1)
    return lower, upper, virtual - lower


def _rank_draws(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For (draws, k) values: the draw index at the lower and upper rank of each quantile, (3, 2, k), and weights."""
    n = values.shape[0]
    lower, upper, weight = _positions(n)
    order = np.argsort(values, axis=0)  # a full sort beats a six-way partition here
    return np.stack([order[lower], order[upper]], axis=1), weight


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's quantile interpolation between neighbouring order statistics (exact when a == b)."""
    t = np.asarray(t, dtype=float).reshape((-1,) + (1,) * (np.ndim(a) - 1))
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def _at_ranks(values_at, ranks: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """P10/P50/P90 (3, ...) from a function giving values at an array of draw indices (3, 2, ...)."""
    values = values_at(ranks)
    return _lerp(values[:, 0], values[:, 1], weight)


def percentiles(draws: np.ndarray) -> np.ndarray:
    """P10, P50 and P90 over the first (draws) axis: shape (3, ...)."""
    return np.quantile(np.asarray(draws, dtype=float), QUANTILES, axis=0)


def _add_columns(out: np.ndarray, values: np.ndarray, columns: np.ndarray) -> None:
    """out[:, columns] += values, where a column may repeat (a few passes with unique columns each)."""
    if len(columns) == 0:
        return
    order = np.argsort(columns, kind="stable")
    sorted_cols = columns[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_cols)) + 1]
    repeat = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    for r in range(int(repeat.max()) + 1):  # at most the number of pods a locality has
        chosen = order[repeat == r]
        out[:, columns[chosen]] += values[:, chosen]


def _sum_by(values: np.ndarray, key: np.ndarray, weight: np.ndarray, column: np.ndarray, n_columns: int) -> np.ndarray:
    """Per draw, sum weight x values[:, key] of each cell into its column: (draws, n_columns)."""
    if values.shape[1] <= 64:
        size = values.shape[1] * n_columns
        matrix = np.bincount(key * n_columns + column, weights=weight, minlength=size).reshape(-1, n_columns)
        return values @ matrix
    out = np.zeros((values.shape[0], n_columns))
    _add_columns(out, values[:, key] * weight, column)
    return out


# ---------------------------------------------------------------------------------------------
# The simulation


@dataclass
class Simulation:
    """The Monte Carlo's draws for one pack: assumptions drawn, and what the model makes of them.

    Built by `simulate`; turned into tables by `locality_percentiles`, `footprint_percentiles`,
    `workforce_percentiles`, `footprint_draws` and `assumption_draws`. Arrays have draws first.
    """

    name: str
    draws: int
    seed: int
    years: int
    base_year: int
    horizon_year: int
    cells: pd.DataFrame  # one row per activity row: locality_id, locality, group, pod
    localities: pd.DataFrame  # locality_id, locality, group, population
    pods: list[str]  # points of delivery in the pack, in standard order
    growth_groups: pd.DataFrame
    cost_groups: pd.DataFrame
    schemes: pd.DataFrame
    growth: np.ndarray  # (draws, growth groups), clamped
    unit_cost: np.ndarray  # (draws, cost groups), clamped
    reduction: np.ndarray  # (draws, schemes), clamped
    pod_reduction: np.ndarray  # (draws, 5): summed reductions by POINTS_OF_DELIVERY, clamped
    arrays: dict = field(default_factory=dict)  # model internals, see simulate
    workforce: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    delivery: np.ndarray | None = None  # (draws,): share of the planned avoided activity delivered
    effective_reduction: np.ndarray | None = None  # (draws, 5): pod reduction x delivery, clamped
    target_scale: np.ndarray | None = None  # (draws, 5): avoided activity where targets.csv fixes a row

    def cell_values(self, draw_index, cells=None) -> dict[str, np.ndarray]:
        """The model's figures for activity rows at given draws (the model's own arithmetic).

        draw_index: integer array broadcastable against the cells (e.g. (n, 1) or (..., cells)).
        cells: indices of activity rows (default all). Returns momentum, target, avoided,
        gross_savings_gbp, growth, reduction and unit_cost arrays.
        """
        a = self.arrays
        cells = slice(None) if cells is None else np.asarray(cells)
        g = a["growth_group"][cells]
        v = a["cost_group"][cells]
        rate = self.growth[draw_index, g]
        cost = self.unit_cost[draw_index, v]
        pods = a["pod_index"][cells]
        reduction = self.effective_reduction[draw_index, pods]
        scale = self.target_scale[draw_index, pods]
        momentum = a["base"][cells] * (1.0 + rate) ** self.years
        fixed = a["fixed_target"][cells]
        scaled = momentum - np.minimum((momentum - fixed) * scale, momentum)  # never below 0
        target = np.where(a["has_target"][cells], np.where(scale == 1.0, fixed, scaled), momentum * (1.0 - reduction))
        avoided = momentum - target
        return {"momentum": momentum, "target": target, "avoided": avoided, "gross_savings_gbp": avoided * cost,
                "growth": rate, "reduction": reduction, "unit_cost": cost}


def _draw(rng: np.random.Generator, draws: int, centre: np.ndarray, spread: np.ndarray, z_columns: np.ndarray,
          width: int) -> np.ndarray:
    """Draws of each assumption: centre + z x spread, with z drawn per column (pod or scheme)."""
    z = rng.standard_normal((draws, width))
    return centre + spread * z[:, z_columns]


def simulate(pack, draws: int | None = None, seed: int | None = None, projection: pd.DataFrame | None = None,
             workforce_tables: dict | None = None) -> Simulation:
    """Run the Monte Carlo: ``draws`` draws (default pack.toml [uncertainty] draws, 1,000), seeded.

    ``projection`` (`activity.project(pack)`) and ``workforce_tables`` (`workforce.workforce_for(pack)`)
    may be passed to reuse them. The same pack, draws and seed always give the same result.
    """
    settings = pack.settings.get("uncertainty", {})
    draws = int(settings.get("draws", 1000) if draws is None else draws)
    seed = int(settings.get("seed", 2016) if seed is None else seed)
    if draws < 1:
        raise ValueError("the Monte Carlo needs at least one draw")
    growth_rng, cost_rng, scheme_rng, delivery_rng = (np.random.default_rng(s)
                                                      for s in np.random.SeedSequence(seed).spawn(4))

    act = pack.activity.reset_index(drop=True)
    pods = pack.pods
    names = pack.localities.set_index("locality_id")
    pod_index = act["pod"].map(_POD_INDEX).to_numpy(dtype=int)
    cells = pd.DataFrame({"locality_id": act["locality_id"].to_numpy(),
                          "locality": names["locality"].reindex(act["locality_id"]).to_numpy(),
                          "group": names["group"].reindex(act["locality_id"]).to_numpy(),
                          "pod": act["pod"].to_numpy()})
    localities = pack.localities[["locality_id", "locality", "group", "population"]].reset_index(drop=True)
    locality_index = pd.Index(localities["locality_id"]).get_indexer(act["locality_id"])

    # growth and unit cost: groups of cells sharing the pod and the assumption; one z per pod
    assumption_groups = {}
    for name in ("growth", "unit_cost"):
        point, low, high = _cell_assumption(act, pods, name)
        if name == "growth":  # momentum that follows the people: the same rate the model uses, the pack's range
            point, low, high = population.growth_for_draws(pack, act, point, low, high)
        centre, spread = interval_parameters(point, low, high)
        unique, inverse = _groups(pod_index, point, centre, spread)
        assumption_groups[name] = (pd.DataFrame({
            "pod": [POINTS_OF_DELIVERY[int(i)] for i in unique[:, 0]], "point": unique[:, 1],
            "centre": unique[:, 2], "spread": unique[:, 3],
            "cells": np.bincount(inverse, minlength=len(unique))}), inverse)
    growth_groups, growth_group = assumption_groups["growth"]
    cost_groups, cost_group = assumption_groups["unit_cost"]
    group_pods = growth_groups["pod"].map(_POD_INDEX).to_numpy(dtype=int)
    growth = np.clip(_draw(growth_rng, draws, growth_groups["centre"].to_numpy(), growth_groups["spread"].to_numpy(),
                           group_pods, len(POINTS_OF_DELIVERY)), *GROWTH_RANGE)
    unit_cost = np.maximum(_draw(cost_rng, draws, cost_groups["centre"].to_numpy(), cost_groups["spread"].to_numpy(),
                                 cost_groups["pod"].map(_POD_INDEX).to_numpy(dtype=int), len(POINTS_OF_DELIVERY)), 0.0)

    # reductions: one z per schemes.csv row; the pod's sum is the model's own sum plus the drawn deviations
    schemes = pack.schemes.reset_index(drop=True)
    s_point = _column(schemes, "reduction")
    s_centre, s_spread = interval_parameters(s_point, _column(schemes, "reduction_low"),
                                             _column(schemes, "reduction_high"))
    reduction = np.clip(_draw(scheme_rng, draws, s_centre, s_spread, np.arange(len(schemes)), len(schemes)),
                        0.0, REDUCTION_MAX)
    on_pod = np.zeros((len(schemes), len(POINTS_OF_DELIVERY)))
    if len(schemes):
        on_pod[np.arange(len(schemes)), schemes["pod"].map(_POD_INDEX).to_numpy(dtype=int)] = 1.0
    point_reduction = activity.pod_reductions(schemes).reindex(list(POINTS_OF_DELIVERY)).to_numpy(dtype=float)
    pod_reduction = np.clip(point_reduction + (reduction - s_point) @ on_pod, 0.0, REDUCTION_MAX)
    chosen = pack.settings.get("delivery", {})
    d_point = float(chosen.get("factor", 1.0) if chosen.get("factor") is not None else 1.0)
    d_centre, d_spread = interval_parameters(d_point, chosen.get("factor_low", np.nan),
                                             chosen.get("factor_high", np.nan))
    delivery = np.maximum(d_centre + d_spread * delivery_rng.standard_normal(draws), 0.0)
    effective = np.clip(pod_reduction * delivery[:, None], 0.0, REDUCTION_MAX)
    with np.errstate(divide="ignore", invalid="ignore"):
        kept = (pack.settings.get("activity") or {}).get("planned_reductions")  # a scenario's plan (stpkit.scenarios)
        planned = point_reduction if kept is None else pd.Series(kept, dtype=float).reindex(
            list(POINTS_OF_DELIVERY)).fillna(0.0).to_numpy()
        scale = np.where(planned > 0, pod_reduction / np.where(planned > 0, planned, 1.0), 1.0) * delivery[:, None]

    fixed = np.full(len(act), np.nan)
    if len(pack.targets):
        keyed = pack.targets.set_index(["locality_id", "pod"])["target"]
        fixed = keyed.reindex(pd.MultiIndex.from_arrays([act["locality_id"], act["pod"]])).to_numpy(dtype=float)
    has_target = ~np.isnan(fixed)
    present = [p for p in POINTS_OF_DELIVERY if p in set(act["pod"])]
    scheme_table = pd.DataFrame({"scheme": schemes["scheme"].to_numpy() if len(schemes) else [],
                                 "pod": schemes["pod"].to_numpy() if len(schemes) else [],
                                 "point": s_point, "centre": s_centre, "spread": s_spread})
    sim = Simulation(
        name=pack.name, draws=draws, seed=seed, years=pack.years, base_year=pack.base_year,
        horizon_year=pack.horizon_year, cells=cells, localities=localities, pods=present,
        growth_groups=growth_groups, cost_groups=cost_groups, schemes=scheme_table,
        growth=growth, unit_cost=unit_cost, reduction=reduction, pod_reduction=pod_reduction,
        delivery=delivery, effective_reduction=effective, target_scale=scale,
        arrays={"base": act["activity"].to_numpy(dtype=float), "pod_index": pod_index,
                "growth_group": growth_group, "cost_group": cost_group, "fixed_target": fixed,
                "has_target": has_target, "locality_index": locality_index})
    if workforce_tables is None:
        from . import workforce

        workforce_tables = workforce.workforce_for(pack)
    _activity_draws(sim)
    _investment_draws(sim, pack, projection, workforce_tables)
    _coordination_draws(sim, pack)
    _workforce_draws(sim, pack, workforce_tables)
    return sim


def _activity_draws(sim: Simulation) -> None:
    """Per-draw footprint totals by pod, and per-draw gross savings by locality.

    Cells sharing a growth group are multiples of one per-unit figure (base x factor), so totals are
    per-unit draws times summed base activity; cells with a fixed target are computed cell by cell.
    """
    a = sim.arrays
    n_pods = len(POINTS_OF_DELIVERY)
    n_loc = len(sim.localities)
    base, pod_index, has_target = a["base"], a["pod_index"], a["has_target"]
    g, v = a["growth_group"], a["cost_group"]
    group_pod = sim.growth_groups["pod"].map(_POD_INDEX).to_numpy(dtype=int)
    factor = (1.0 + sim.growth) ** sim.years  # (draws, growth groups): momentum per unit of base
    point_factor = (1.0 + sim.growth_groups["point"].to_numpy(dtype=float)) ** sim.years  # the point figure's
    kept = factor * (1.0 - sim.effective_reduction[:, group_pod])  # target per unit, where the schemes set it
    cut = factor * sim.effective_reduction[:, group_pod]  # avoided per unit, where the schemes set it
    n_groups = factor.shape[1]

    momentum = _sum_by(factor, g, base, pod_index, n_pods)
    scheme_cells = np.flatnonzero(~has_target)
    target_cells = np.flatnonzero(has_target)
    fixed = sim.cell_values(np.arange(sim.draws)[:, None], target_cells)  # targets.csv rows, one by one
    target = _sum_by(kept, g[scheme_cells], base[scheme_cells], pod_index[scheme_cells], n_pods)
    _add_columns(target, fixed["target"], pod_index[target_cells])

    # gross savings: scheme cells share (growth group, cost group) pairs; fixed-target cells go one by one
    pair_code = g[scheme_cells] * len(sim.cost_groups) + v[scheme_cells]
    pairs, pair = np.unique(pair_code, return_inverse=True)
    pair_g, pair_v = pairs // len(sim.cost_groups), pairs % len(sim.cost_groups)
    per_unit = cut[:, pair_g] * sim.unit_cost[:, pair_v]  # (draws, pairs)
    fixed_savings = fixed["gross_savings_gbp"]
    savings_by_pod = _sum_by(per_unit, pair, base[scheme_cells], pod_index[scheme_cells], n_pods)
    savings_by_locality = _sum_by(per_unit, pair, base[scheme_cells], a["locality_index"][scheme_cells], n_loc)
    _add_columns(savings_by_pod, fixed_savings, pod_index[target_cells])
    _add_columns(savings_by_locality, fixed_savings, a["locality_index"][target_cells])

    # ranking keys per cell and measure (see `_cell_percentiles`)
    savings_order = np.concatenate([per_unit, fixed_savings], axis=1)
    savings_key = np.empty(len(base), dtype=int)
    savings_key[scheme_cells] = pair
    savings_key[target_cells] = len(pairs) + np.arange(len(target_cells))
    fixed_key = np.zeros(len(base), dtype=int)
    fixed_key[target_cells] = n_groups + np.arange(len(target_cells))
    avoided_key = np.where(has_target, fixed_key, g)
    a.update(factor=factor, point_factor=point_factor, kept=kept, cut=cut, momentum_by_pod=momentum,
             target_by_pod=target,
             avoided_order=np.concatenate([cut, fixed["avoided"]], axis=1),
             target_order=np.concatenate([kept, fixed["target"]], axis=1),
             avoided_by_pod=momentum - target, savings_by_pod=savings_by_pod, savings_by_locality=savings_by_locality,
             savings_order=savings_order, savings_key=savings_key, avoided_key=avoided_key)


def _investment_draws(sim: Simulation, pack, projection: pd.DataFrame | None, tables: dict | None = None) -> None:
    """NPV per draw of the plan as pack.toml sets it, on net savings, for the footprint; the per-locality pieces.

    Each draw's gross savings by pod lose the pod's stranded and reinvestment shares
    (`investment.benefit_shares`); the new roles' running costs beyond the reinvestment come off
    year by year (`investment.benefit_lines`). A locality keeps its own share of its gross savings
    (its pods' shares, from the point projection) and carries a population share of the investment
    and of the running costs.
    """
    if projection is None:
        projection = activity.project(pack)
    data = investment.inputs(pack, projection, workforce_tables=tables)
    flow = investment.cash_flow(data)
    spend = flow["investment_gbp"].to_numpy(dtype=float)
    realised = flow["savings_realised_share"].to_numpy(dtype=float)
    running_point = flow["running_cost_gbp"].to_numpy(dtype=float)
    factors = investment.discount_factors(len(spend), data.discount_rate)
    pods = list(POINTS_OF_DELIVERY)
    s_share = pd.Series(data.stranded_share, dtype=float).reindex(pods).fillna(0.0).to_numpy()
    r_share = pd.Series(data.reinvestment_share, dtype=float).reindex(pods).fillna(0.0).to_numpy()
    option = investment.pack_scenario(data)  # a scenario's degree of change by pod, as the point appraisal
    degree = np.array([(option.degree if option.priority_degree is None else option.priority_degree)
                       if pod in option.priority_pods else option.degree for pod in pods], dtype=float)
    by_pod = sim.arrays["savings_by_pod"] * degree  # (draws, 5)
    roles = data.investment_share * investment._by_year(data.roles_running_gbp, data.years)
    if data.benefits == "net_system_savings":
        net = np.broadcast_to(flow["net_savings_gbp"].to_numpy(dtype=float), (sim.draws, len(spend)))
        keep = np.zeros(len(sim.localities))
    else:
        gross = by_pod.sum(axis=1)[:, None] * realised
        with np.errstate(invalid="ignore", divide="ignore"):
            total = by_pod.sum(axis=1)[:, None]
            lines = investment.benefit_lines(gross, np.where(total > 0, (by_pod @ s_share)[:, None] / total, 0.0),
                                             np.where(total > 0, (by_pod @ r_share)[:, None] / total, 0.0), roles)
        net = lines["net_savings_gbp"]
        point = projection.assign(kept=projection["gross_savings_gbp"] * (
            1.0 - projection["pod"].map(dict(zip(pods, s_share + r_share))).fillna(0.0)))
        sums = point.groupby("locality_id")[["gross_savings_gbp", "kept"]].sum().reindex(sim.localities["locality_id"])
        gross_loc = sums["gross_savings_gbp"].to_numpy(dtype=float)
        keep = np.divide(sums["kept"].to_numpy(dtype=float), gross_loc, out=np.zeros(len(gross_loc)),
                         where=gross_loc != 0)
    npv = (net - spend) @ factors
    population = sim.localities["population"].to_numpy(dtype=float)
    share = population / population.sum() if population.sum() > 0 else np.full(len(population), 1 / len(population))
    system = flow["net_savings_gbp"].to_numpy(dtype=float) if data.benefits == "net_system_savings" else None
    sim.arrays.update(npv=npv, spend=spend, realised=realised, discount_rate=data.discount_rate,
                      investment_share=share, plan_years=list(flow["year"]), keep_share=keep,
                      running_point=running_point, system_net=system)
    sim.notes += list(data.notes)


def _locality_npv(sim: Simulation, savings: np.ndarray) -> np.ndarray:
    """NPV of each locality for gross savings arrays (..., localities): what it keeps of its savings, less
    its population share of the investment and of the new roles' running costs."""
    a = sim.arrays
    if a.get("system_net") is not None:  # published net system savings: shared by population like the costs
        kept = np.zeros(np.shape(savings) + (len(a["spend"]),)) + a["investment_share"][:, None] * a["system_net"]
    else:
        kept = (savings * a["keep_share"])[..., None] * a["realised"]
    net = kept - a["investment_share"][:, None] * (a["spend"] + a["running_point"])
    return np.asarray(investment.npv(net, a["discount_rate"]))


def _coordination_draws(sim: Simulation, pack) -> None:
    """Care coordinators needed per locality and draw: the point figure x drawn / point emergency momentum."""
    a = sim.arrays
    coordination = needs.care_coordination(pack.localities, settings=pack.settings.get("care_coordination"))
    point = coordination["coordinators_fte"].to_numpy(dtype=float)
    nel = np.flatnonzero(a["pod_index"] == _POD_INDEX["non_elective"])
    group = np.full(len(sim.localities), -1)
    group[a["locality_index"][nel]] = a["growth_group"][nel]
    point_factor = a["point_factor"]
    scale = a["factor"] / np.where(point_factor > 0, point_factor, 1.0)  # (draws, growth groups)
    scale = np.concatenate([scale, np.ones((sim.draws, 1))], axis=1)  # the last column: no NEL activity
    key = np.where(group >= 0, group, scale.shape[1] - 1)
    footprint = scale @ np.bincount(key, weights=point, minlength=scale.shape[1])
    a.update(coordinators_point=point, coordination_scale=scale, coordination_key=key, coordinators=footprint)


def _activity_fte(sim: Simulation, pack, gap: pd.DataFrame) -> np.ndarray:
    """Staff for each draw's activity, by row of the gap table (`workforce.activity_fte_draws`): each draw's
    footprint momentum by point of delivery at the horizon against the point figure's, as a share of the pack's
    own projection (the reference a scenario's change is measured against)."""
    from . import workforce

    a = sim.arrays
    drawn = a["momentum_by_pod"]  # (draws, pods): horizon momentum
    point = _sum_by(a["point_factor"][None, :], a["growth_group"], a["base"], a["pod_index"],
                    len(POINTS_OF_DELIVERY))[0]  # the same sum for the point figure, so a point draw moves nothing
    reference = (pack.settings.get("scenario") or {}).get("pack_momentum")
    own = (pd.Series(reference, dtype=float).reindex(list(POINTS_OF_DELIVERY)).fillna(0.0).to_numpy()
           if reference else point)
    change = np.divide(drawn - point, own, out=np.zeros_like(drawn), where=own > 0)
    return workforce.activity_fte_draws(gap, workforce.staff_activity(pack), change, list(POINTS_OF_DELIVERY))


def _workforce_draws(sim: Simulation, pack, tables: dict | None) -> None:
    """The footprint workforce gap by staff group and year for each draw's coordinators needed."""
    from . import workforce

    tables = workforce.workforce_for(pack) if tables is None else tables
    gap = tables["gap"]
    released = float(tables["gp_release"]["released_gp_fte"].sum()) if len(tables["gp_release"]) else 0.0
    draws = workforce.gap_draws(gap, coordinators_fte=sim.arrays["coordinators"], gp_released_fte=released,
                                activity_fte=_activity_fte(sim, pack, gap))
    known = gap["supply_known"].to_numpy(dtype=bool)
    rows = gap.loc[known, ["staff_group", "year", "cost_per_fte"]].reset_index(drop=True)
    gap_fte = draws[:, known]
    horizon = rows["year"].to_numpy() == sim.horizon_year
    shortfall = np.maximum(gap_fte, 0.0)  # the footprint gap adds up shortfalls; a surplus never nets them
    sim.workforce = {"rows": rows, "gap_fte": gap_fte, "gap_cost_gbp": shortfall * rows["cost_per_fte"].to_numpy(float),
                     "horizon_gap_fte": shortfall[:, horizon].sum(axis=1) if horizon.any() else None}
    if not known.any():
        sim.notes.append("no workforce supply for any staff group: no workforce gap is drawn")


# ---------------------------------------------------------------------------------------------
# Tables


def _cell_percentiles(sim: Simulation) -> dict[str, np.ndarray]:
    """P10/P50/P90 (3, cells) of momentum, target, avoided and gross savings for every activity row.

    Within a key (a shared assumption) a cell's figure rises with one per-unit draw, so the draws at
    the key's P10/P50/P90 ranks are the cell's too: the model is evaluated at those draws.
    """
    a = sim.arrays
    cells = np.arange(len(sim.cells))
    orders = {
        "momentum": (a["factor"], a["growth_group"]),
        "target": (a["target_order"], a["avoided_key"]),  # targets.csv rows: each its own column
        "avoided": (a["avoided_order"], a["avoided_key"]),
        "gross_savings_gbp": (a["savings_order"], a["savings_key"]),
    }
    out = {}
    for measure, (order, key) in orders.items():
        ranks, weight = _rank_draws(order)
        out[measure] = _at_ranks(lambda idx, m=measure: sim.cell_values(idx, cells)[m], ranks[..., key], weight)
    return out


def _frame(ids: pd.DataFrame, pod, measure: str, values: np.ndarray) -> pd.DataFrame:
    frame = ids.reset_index(drop=True).copy()
    frame["pod"] = pod
    frame["measure"] = measure
    for name, row in zip(PERCENTILE_COLUMNS, values):
        frame[name] = row
    return frame


def locality_percentiles(sim: Simulation) -> pd.DataFrame:
    """P10, P50 and P90 per locality (COLUMNS).

    Per locality and pod: momentum, target, avoided (activity a year at the horizon) and
    gross_savings_gbp. Per locality (pod "all"): gross_savings_gbp over all pods, npv_gbp (its savings
    less its population share of the investment) and coordinators_fte (care coordinators needed).
    """
    a = sim.arrays
    cell_ids = sim.cells[["locality_id", "locality", "group"]]
    loc_ids = sim.localities[["locality_id", "locality", "group"]]
    pieces = [_frame(cell_ids, sim.cells["pod"].to_numpy(), m, v) for m, v in _cell_percentiles(sim).items()]
    savings = a["savings_by_locality"]
    ranks, weight = _rank_draws(savings)
    columns = np.arange(savings.shape[1])
    picked = savings[ranks, columns]  # (3, 2, localities)
    pieces.append(_frame(loc_ids, ALL, "gross_savings_gbp", _lerp(picked[:, 0], picked[:, 1], weight)))
    npv_at = _locality_npv(sim, picked)  # NPV rises with the locality's savings: the same ranks
    pieces.append(_frame(loc_ids, ALL, "npv_gbp", _lerp(npv_at[:, 0], npv_at[:, 1], weight)))
    scale, key = a["coordination_scale"], a["coordination_key"]
    ranks, weight = _rank_draws(scale)
    coord = a["coordinators_point"] * scale[ranks[..., key], key]
    pieces.append(_frame(loc_ids, ALL, "coordinators_fte", _lerp(coord[:, 0], coord[:, 1], weight)))
    table = pd.concat(pieces, ignore_index=True)
    return table[COLUMNS]


def _footprint_series(sim: Simulation) -> list[tuple[str, str, np.ndarray]]:
    """(pod, measure, draws) of every footprint figure, each summed over localities draw by draw."""
    a = sim.arrays
    series = []
    for measure, key in (("momentum", "momentum_by_pod"), ("target", "target_by_pod"),
                         ("avoided", "avoided_by_pod"), ("gross_savings_gbp", "savings_by_pod")):
        series += [(pod, measure, a[key][:, _POD_INDEX[pod]]) for pod in sim.pods]
    series.append((ALL, "gross_savings_gbp", a["savings_by_locality"].sum(axis=1)))
    series.append((ALL, "npv_gbp", a["npv"]))
    series.append((ALL, "coordinators_fte", a["coordinators"]))
    if sim.workforce.get("horizon_gap_fte") is not None:
        series.append((ALL, "gap_fte", sim.workforce["horizon_gap_fte"]))
    return series


def footprint_percentiles(sim: Simulation) -> pd.DataFrame:
    """P10, P50 and P90 for the footprint (COLUMNS, locality_id "all").

    By pod: momentum, target, avoided and gross_savings_gbp; pod "all": gross_savings_gbp, npv_gbp,
    coordinators_fte and gap_fte (the horizon-year sum of shortfalls over staff groups whose supply is known).
    Each is the percentile of the footprint total drawn, not a sum of localities' percentiles.
    """
    series = _footprint_series(sim)
    values = percentiles(np.column_stack([s[2] for s in series]))
    table = pd.DataFrame({"locality_id": needs.FOOTPRINT_ID, "locality": needs.FOOTPRINT_NAME, "group": ALL,
                          "pod": [s[0] for s in series], "measure": [s[1] for s in series]})
    for name, row in zip(PERCENTILE_COLUMNS, values):
        table[name] = row
    return table[COLUMNS]


def workforce_percentiles(sim: Simulation) -> pd.DataFrame:
    """P10, P50 and P90 of the footprint workforce gap by staff group and year (WORKFORCE_COLUMNS).

    Measures gap_fte (demand - supply, signed) and gap_cost_gbp (the shortfall at cost, never negative),
    for staff groups whose supply workforce.csv gives.
    """
    rows = sim.workforce.get("rows")
    if rows is None or not len(rows):
        return pd.DataFrame({c: pd.Series(dtype=float if c.startswith("p") else object) for c in WORKFORCE_COLUMNS})
    pieces = []
    for measure in ("gap_fte", "gap_cost_gbp"):
        frame = pd.DataFrame({"staff_group": rows["staff_group"], "year": [format_fy(y) for y in rows["year"]],
                              "measure": measure})
        for name, row in zip(PERCENTILE_COLUMNS, percentiles(sim.workforce[measure])):
            frame[name] = row
        pieces.append(frame)
    return pd.concat(pieces, ignore_index=True)[WORKFORCE_COLUMNS]


def footprint_draws(sim: Simulation) -> pd.DataFrame:
    """The raw draws of the footprint totals, for charts: draw, pod, measure, value (long format).

    The same figures as `footprint_percentiles`, one row per draw.
    """
    series = _footprint_series(sim)
    values = np.column_stack([s[2] for s in series])  # (draws, series)
    return pd.DataFrame({
        "draw": np.repeat(np.arange(sim.draws), len(series)),
        "pod": np.tile([s[0] for s in series], sim.draws),
        "measure": np.tile([s[1] for s in series], sim.draws),
        "value": values.ravel(),
    })


def assumption_draws(sim: Simulation) -> pd.DataFrame:
    """The drawn assumptions: draw, assumption (growth, unit_cost, reduction), pod, scheme, group, value.

    One column of draws per shared assumption: growth and unit cost per pod (and per distinct
    activity.csv value), reduction per schemes.csv row; ``group`` numbers them within their kind.
    """
    pieces = []
    for kind, table, values in (("growth", sim.growth_groups, sim.growth),
                                ("unit_cost", sim.cost_groups, sim.unit_cost),
                                ("reduction", sim.schemes, sim.reduction)):
        n = values.shape[1]
        if n == 0:
            continue
        pieces.append(pd.DataFrame({
            "draw": np.repeat(np.arange(sim.draws), n), "assumption": kind,
            "pod": np.tile(table["pod"].to_numpy(), sim.draws),
            "scheme": np.tile(table["scheme"].to_numpy() if "scheme" in table else np.full(n, None), sim.draws),
            "group": np.tile(np.arange(n), sim.draws), "value": values.ravel()}))
    return pd.concat(pieces, ignore_index=True)


def cell_draws(sim: Simulation, measure: str = "gross_savings_gbp") -> np.ndarray:
    """Every draw of one figure for every activity row: (draws, cells), in activity.csv row order.

    measure: momentum, target, avoided, gross_savings_gbp, growth, reduction or unit_cost. Big for a
    big pack (draws x cells), so the tables never need it; useful for checks and small packs.
    """
    return sim.cell_values(np.arange(sim.draws)[:, None])[measure]


def uncertainty_for(pack, draws: int | None = None, seed: int | None = None, projection: pd.DataFrame | None = None,
                    workforce_tables: dict | None = None) -> dict:
    """Every uncertainty table for a loaded pack, keyed by name.

    locality and footprint (P10/P50/P90, COLUMNS), workforce (by staff group and year), draws (the
    footprint totals draw by draw), notes, and the Simulation itself.
    """
    sim = simulate(pack, draws, seed, projection, workforce_tables)
    return {"locality": locality_percentiles(sim), "footprint": footprint_percentiles(sim),
            "workforce": workforce_percentiles(sim), "draws": footprint_draws(sim), "notes": list(sim.notes),
            "simulation": sim}


def bed_intervals(pack) -> bool:
    """Whether the pack's lengths of stay or bed occupancy carry 80% intervals (`stpkit.beds`)."""
    from . import beds

    return beds.has_intervals(pack)


def bed_percentiles(pack, occupancy: float | None = None, risk: float | None = None, draws: int | None = None,
                    seed: int | None = None) -> pd.DataFrame:
    """P10/P50/P90 of the plan's beds and bed days by locality and for the footprint (`stpkit.beds.simulate`)."""
    from . import beds

    given = pack.settings.get("uncertainty") or {}
    return beds.simulate(pack, draws=int(draws or given.get("draws") or 1000), seed=int(seed or given.get("seed") or 2016),
                         occupancy=occupancy, risk=risk)

