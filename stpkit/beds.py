"""Beds: bed days from admissions and length of stay, beds by level of care, and how often a bed is missing.

The rules (docs/data-pack.md):
- bed days = admissions x mean length of stay (length_of_stay.csv, by point of delivery; a locality's
  own row where given, else the row for every locality, ``*``), for the base year, the momentum
  projection and the target (`stpkit.activity`);
- length-of-stay changes (los_changes.csv) each take a share of the target's bed days; on the same
  point of delivery they add up, like scheme reductions;
- the bed days needing each level of care are the level's share (levels_of_care.csv; without it seed
  000's two-thirds acute, with every bed staffed as acute today); the base year and the momentum
  projection keep today's designation (``base_share``), the target takes the plan's (``share``);
- beds at a target occupancy = bed days / 365 / occupancy (pack.toml [beds] occupancy, 92%, and the
  stricter strict_occupancy, 85%);
- beds from queueing: admissions arrive at random (Poisson) and stay the mean length of stay, so the
  beds are busy on average ``load = bed days / 365`` (erlangs); with n beds, an arriving patient finds
  none free with probability Erlang B(n, load) (Erlang's loss formula, computed by its stable
  recursion); the beds for a risk target are the fewest n with B(n, load) at or below it (pack.toml
  [beds] risk, 5%). Each level of care in each locality is its own pool of beds: pooling needs fewer;
- cost = beds at the occupancy target x 365 x the level's cost per available bed day (a staffed bed for
  a day, occupied or not), so that re-designating beds changes cost as well as count.

Everything is computed for all localities, points of delivery and levels at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import activity
from .years import format_fy

DAYS_PER_YEAR = 365
BED_PODS = ("elective_ip", "day_case", "non_elective")  # admissions: the points of delivery that use beds
STAGES = ("base", "momentum", "target")
STAGE_LABELS = {"base": "base year", "momentum": "do nothing (momentum)", "target": "plan (target)"}
DAYS_COLUMNS = ["locality_id", "locality", "group", "pod", "los_days", "admissions_base", "admissions_momentum",
                "admissions_target", "bed_days_base", "bed_days_momentum", "bed_days_avoided", "los_reduction",
                "bed_days_saved_los", "bed_days_target"]
CAPACITY_COLUMNS = ["locality_id", "locality", "level", "acute", "stage", "share", "bed_days", "load_erlangs",
                    "beds_occupancy", "beds_strict", "beds_risk", "risk_at_occupancy_beds", "occupancy_at_risk_beds",
                    "cost_per_bed_day_gbp", "cost_gbp"]


# ---------------------------------------------------------------------------------------------
# Erlang's loss formula


def erlang_b(beds, load) -> np.ndarray:
    """The probability an arriving patient finds every bed full, with `beds` beds and `load` erlangs.

    Erlang B by its stable recursion, B(0) = 1 and B(n) = load B(n-1) / (n + load B(n-1)): no factorials
    or powers, so it stays finite and exact for thousands of beds; a large pool starts the recursion a
    lead-in before its beds (`_lead_in`), so its time grows with the square root of the load, not the
    load. Works on arrays (broadcast).
    """
    beds_arr, load_arr = np.broadcast_arrays(np.asarray(beds), np.asarray(load, dtype=float))
    if np.any(beds_arr < 0) or np.any(np.asarray(beds_arr) != np.floor(beds_arr)):
        raise ValueError("beds must be whole numbers, 0 or more")
    if np.any(load_arr < 0):
        raise ValueError("the load (erlangs) must be 0 or more")
    beds_arr = beds_arr.astype(int)
    flat_beds, flat_load = beds_arr.ravel(), load_arr.ravel()
    result = np.ones(flat_load.shape)
    idx = np.flatnonzero(flat_beds > 0)
    a, top = flat_load[idx], flat_beds[idx]
    start = np.maximum(0, top - _lead_in(a))  # the recursion forgets where it starts: see _lead_in
    b = np.ones(idx.shape)
    step = 0
    while idx.size > _SCALAR_TAIL:  # many pools at once; the few largest finish one by one below
        step += 1
        n = start + step
        b = a * b / (n + a * b)
        done = n >= top
        result[idx[done]] = b[done]
        keep = ~done
        idx, a, b, top, start = idx[keep], a[keep], b[keep], top[keep], start[keep]
    for i, load_i, b_i, top_i, start_i in zip(idx.tolist(), a.tolist(), b.tolist(), top.tolist(), start.tolist()):
        for k in range(start_i + step + 1, top_i + 1):
            b_i = load_i * b_i / (k + load_i * b_i)
        result[i] = b_i
    result = result.reshape(load_arr.shape)
    return result if result.ndim else float(result)


def _lead_in(load, risk: float | None = None) -> np.ndarray:
    """How many steps before the beds wanted the recursion may start, from B = 1, and still be exact.

    Each step shrinks an error in B by a factor of at most n / load below the load (and less above
    it), so starting from the upper bound B = 1 about 12 sqrt(load) steps early (or 30 / risk steps early,
    when looking for a risk target) leaves an error under 1e-13. A large pool (a damaged pack's
    million erlangs) then takes thousands of steps, not millions; a pool of up to a few hundred beds
    starts at 0 beds, as the plain recursion does.
    """
    root = 12.0 * np.sqrt(np.asarray(load, dtype=float))
    if risk is not None:
        root = np.minimum(root, 30.0 / risk)
    return np.ceil(root).astype(np.int64) + 50


def beds_for_risk(load, risk: float) -> np.ndarray:
    """The fewest beds at which a patient arriving at random finds none free no more often than `risk`.

    `load` is the average number of beds occupied (bed days / 365, in erlangs); `risk` a fraction
    such as 0.05. Zero load needs no beds.
    """
    if not 0 < risk < 1:
        raise ValueError(f"the risk target must be between 0 and 1 (a fraction such as 0.05), not {risk}")
    load_arr = np.asarray(load, dtype=float)
    if np.any(load_arr < 0) or np.any(~np.isfinite(load_arr)):
        raise ValueError("the load (erlangs) must be a finite number, 0 or more")
    flat = load_arr.ravel()
    out = np.zeros(flat.shape, dtype=np.int64)
    idx = np.flatnonzero(flat > 0)
    a = flat[idx]
    # below load x (1 - risk) beds, B is above the risk (B >= 1 - beds / load): start a lead-in before that
    start = np.maximum(0, np.floor(a * (1.0 - risk)).astype(np.int64) - _lead_in(a, risk))
    b = np.ones(idx.shape)
    step = 0
    while idx.size > _SCALAR_TAIL:  # many pools at once; the few largest finish one by one below
        step += 1
        b = a * b / (start + step + a * b)
        done = b <= risk
        out[idx[done]] = start[done] + step
        keep = ~done
        idx, a, b, start = idx[keep], a[keep], b[keep], start[keep]
    for i, load_i, b_i, start_i in zip(idx.tolist(), a.tolist(), b.tolist(), start.tolist()):
        k = start_i + step
        while b_i > risk:
            k += 1
            b_i = load_i * b_i / (k + load_i * b_i)
        out[i] = k
    return out.reshape(load_arr.shape) if load_arr.ndim else int(out[0])


_SCALAR_TAIL = 16  # below this many pools left, plain Python steps are quicker than array steps


def occupancy_at(beds, load) -> np.ndarray:
    """The average occupancy of `beds` beds at `load` erlangs, allowing for the patients turned away."""
    beds_arr = np.asarray(beds, dtype=float)
    carried = np.asarray(load, dtype=float) * (1.0 - erlang_b(beds, load))
    return np.divide(carried, beds_arr, out=np.zeros(np.broadcast(carried, beds_arr).shape), where=beds_arr > 0)


# ---------------------------------------------------------------------------------------------
# inputs


def has_bed_data(pack) -> bool:
    """Whether the pack gives lengths of stay (length_of_stay.csv), without which there are no bed days."""
    return pack.has("length_of_stay.csv") and len(pack.table("length_of_stay.csv")) > 0


def settings(pack) -> dict:
    """pack.toml [beds]: occupancy, strict_occupancy, risk (and occupancy_low / _high where given)."""
    return dict(pack.settings.get("beds") or {"occupancy": 0.92, "strict_occupancy": 0.85, "risk": 0.05})


def los_for_rows(pack, localities, pods, column: str = "los_days") -> np.ndarray:
    """Mean length of stay (days) for each (locality, pod): the locality's own row, else the ``*`` row; NaN if none."""
    table = pack.table("length_of_stay.csv")
    localities = np.asarray(localities, dtype=object)
    pods = np.asarray(pods, dtype=object)
    if not len(table):
        return np.full(len(pods), np.nan)
    keyed = table.set_index(["locality_id", "pod"])[column]
    own = keyed.reindex(pd.MultiIndex.from_arrays([localities, pods])).to_numpy(dtype=float)
    every = keyed.reindex(pd.MultiIndex.from_arrays([np.full(len(pods), "*", dtype=object), pods])).to_numpy(dtype=float)
    return np.where(np.isnan(own), every, own)


def los_reductions(pack) -> pd.Series:
    """The summed length-of-stay reduction (share of bed days) of los_changes.csv on each pod (0 where none)."""
    changes = pack.table("los_changes.csv")
    summed = changes.groupby("pod")["reduction"].sum() if len(changes) else pd.Series(dtype=float)
    return summed.reindex(list(BED_PODS), fill_value=0.0).astype(float)


def levels(pack, shares: dict | None = None) -> pd.DataFrame:
    """The levels of care: level, acute, share (plan), base_share (today) and cost per available bed day.

    `shares` is a what-if: {level: share of the plan's bed days}; the other levels keep their
    proportions of what is left, so the shares still add up to 1.
    """
    table = pack.table("levels_of_care.csv").copy()
    table["acute"] = table["acute"].fillna(False).astype(bool)
    table["base_share"] = table["base_share"].where(table["base_share"].notna(), table["share"]).astype(float)
    table["share"] = table["share"].astype(float)
    if shares:
        given = table["level"].isin(list(shares))
        fixed = table.loc[given, "level"].map(shares).astype(float).clip(0, 1)
        rest = max(0.0, 1.0 - float(fixed.sum()))
        others = table.loc[~given, "share"]
        scale = rest / others.sum() if others.sum() > 0 else 0.0
        table.loc[given, "share"] = fixed
        table.loc[~given, "share"] = others * scale
        total = table["share"].sum()
        table["share"] = table["share"] / total if total > 0 else table["share"]
    table["cost_per_bed_day_gbp"] = table["cost_per_bed_day"].astype(float)
    return table[["level", "acute", "share", "base_share", "cost_per_bed_day_gbp"]].reset_index(drop=True)


def with_acute_share(level_table: pd.DataFrame, acute_share: float) -> pd.DataFrame:
    """The levels with the plan's acute share (tertiary and secondary acute together) set to `acute_share`.

    Acute levels keep their proportions among themselves, as do the others; a pack with only acute (or
    only other) levels is returned as it is.
    """
    table = level_table.copy()
    acute = table["acute"].to_numpy(dtype=bool)
    now_acute, now_other = table.loc[acute, "share"].sum(), table.loc[~acute, "share"].sum()
    if now_acute <= 0 or now_other <= 0:
        return table
    share = min(max(float(acute_share), 0.0), 1.0)
    table.loc[acute, "share"] = table.loc[acute, "share"] * share / now_acute
    table.loc[~acute, "share"] = table.loc[~acute, "share"] * (1.0 - share) / now_other
    return table


def acute_share(level_table: pd.DataFrame) -> float:
    """The plan's share of bed days at the acute levels (seed 000: two-thirds)."""
    return float(level_table.loc[level_table["acute"].to_numpy(dtype=bool), "share"].sum())


# ---------------------------------------------------------------------------------------------
# bed days


def bed_days(pack, projection: pd.DataFrame | None = None, los_change: float = 0.0,
             los_reduction: pd.Series | None = None) -> pd.DataFrame:
    """Bed days a year by locality and point of delivery: base year, momentum and target.

    ``projection`` is `activity.project(pack)` (computed when not given, so the activity what-ifs
    carry through); ``los_change`` is a what-if on the target's length of stay (-0.1: stays 10%
    shorter than planned); ``los_reduction`` replaces los_changes.csv's summed reduction by pod.
    Only the rows with a length of stay are kept.
    """
    if projection is None:
        projection = activity.project(pack)
    rows = projection[projection["pod"].isin(BED_PODS)]
    los = los_for_rows(pack, rows["locality_id"], rows["pod"])
    keep = ~np.isnan(los)
    rows, los = rows[keep], los[keep]
    planned = los_reductions(pack)
    reduction = planned if los_reduction is None else pd.Series(los_reduction, dtype=float).combine_first(planned)
    reduction = np.clip(reduction.reindex(rows["pod"]).fillna(0.0).to_numpy(dtype=float), 0.0, activity.REDUCTION_MAX)
    target_stay = los * np.maximum(1.0 + float(los_change), 0.0)
    admitted = rows["target"].to_numpy(dtype=float)
    before_los = admitted * los
    target_days = admitted * target_stay * (1.0 - reduction)
    return pd.DataFrame({
        "locality_id": rows["locality_id"].to_numpy(),
        "locality": rows["locality"].to_numpy(),
        "group": rows["group"].to_numpy(),
        "pod": rows["pod"].to_numpy(),
        "los_days": los,
        "admissions_base": rows["base"].to_numpy(dtype=float),
        "admissions_momentum": rows["momentum"].to_numpy(dtype=float),
        "admissions_target": admitted,
        "bed_days_base": rows["base"].to_numpy(dtype=float) * los,
        "bed_days_momentum": rows["momentum"].to_numpy(dtype=float) * los,
        "bed_days_avoided": rows["avoided"].to_numpy(dtype=float) * los,
        "los_reduction": reduction,
        "bed_days_saved_los": before_los - target_days,
        "bed_days_target": target_days,
    }, columns=DAYS_COLUMNS)


def waterfall(days: pd.DataFrame, pack, locality: str = "all", los_change: float = 0.0) -> pd.DataFrame:
    """Bed days from the base year to the target, step by step.

    Steps: base-year bed days, momentum growth, each scheme's avoided admissions (its share of its
    pod's avoided bed days, in proportion to the pod's scheme reductions, as the activity waterfall
    does; "Local target" where targets.csv sets a pod without schemes), each length-of-stay change of
    los_changes.csv, a what-if change to length of stay where one is set, and the target.
    """
    cells = days if locality == "all" else days[days["locality_id"] == locality]
    steps = [(f"{format_fy(pack.base_year)} base", "base", cells["bed_days_base"].sum()),
             ("Momentum growth", "growth", (cells["bed_days_momentum"] - cells["bed_days_base"]).sum())]
    schemes = pack.schemes
    by_pod = cells.groupby("pod")["bed_days_avoided"].sum()
    scheme_steps: dict[str, float] = {}
    for pod, avoided in by_pod.items():
        pod_schemes = schemes[schemes["pod"] == pod]
        total = pod_schemes["reduction"].sum()
        if len(pod_schemes) and total > 0:
            for name, reduction in zip(pod_schemes["scheme"], pod_schemes["reduction"]):
                scheme_steps[name] = scheme_steps.get(name, 0.0) - avoided * reduction / total
        elif abs(avoided) > 0:
            scheme_steps["Local target"] = scheme_steps.get("Local target", 0.0) - avoided
    steps += [(name, "scheme", change) for name, change in scheme_steps.items()]
    saved = (cells["admissions_target"] * cells["los_days"]).to_numpy(dtype=float)
    stay = max(1.0 + float(los_change), 0.0)
    changes = pack.table("los_changes.csv")
    planned = los_reductions(pack).reindex(cells["pod"]).to_numpy(dtype=float)
    applied = cells["los_reduction"].to_numpy(dtype=float)
    if abs(stay - 1.0) > 0:
        steps.append(("Length of stay what-if", "los", float((saved * (stay - 1.0)).sum())))
    for scheme, pod, reduction in zip(changes["scheme"], changes["pod"], changes["reduction"]):
        on_pod = (cells["pod"] == pod).to_numpy()
        scale = np.where(planned > 0, applied / np.where(planned > 0, planned, 1.0), 0.0)
        steps.append((f"{scheme} (length of stay)", "los",
                      -float((saved * stay * reduction * scale)[on_pod].sum())))
    target = cells["bed_days_target"].sum()
    steps.append((f"{format_fy(pack.horizon_year)} target", "target", target))
    return activity.walk(steps, target)


# ---------------------------------------------------------------------------------------------
# beds by level of care


def _pools(days: pd.DataFrame, level_table: pd.DataFrame, pooled: bool) -> pd.DataFrame:
    """Bed days by (locality or the footprint) x level x stage: each a pool of beds."""
    if pooled:
        sums = pd.DataFrame({"locality_id": ["all"], "locality": ["Footprint"]})
        totals = days[[f"bed_days_{s}" for s in STAGES]].sum().to_frame().T
        sums = pd.concat([sums, totals.reset_index(drop=True)], axis=1)
    else:
        sums = days.groupby(["locality_id", "locality"], sort=False)[[f"bed_days_{s}" for s in STAGES]].sum()
        sums = sums.reset_index()
    frames = []
    for stage in STAGES:
        share_column = "share" if stage == "target" else "base_share"
        n_pools, n_levels = len(sums), len(level_table)
        frames.append(pd.DataFrame({
            "locality_id": np.repeat(sums["locality_id"].to_numpy(), n_levels),
            "locality": np.repeat(sums["locality"].to_numpy(), n_levels),
            "level": np.tile(level_table["level"].to_numpy(), n_pools),
            "acute": np.tile(level_table["acute"].to_numpy(), n_pools),
            "stage": stage,
            "share": np.tile(level_table[share_column].to_numpy(dtype=float), n_pools),
            "bed_days": np.repeat(sums[f"bed_days_{stage}"].to_numpy(dtype=float), n_levels)
            * np.tile(level_table[share_column].to_numpy(dtype=float), n_pools),
            "cost_per_bed_day_gbp": np.tile(level_table["cost_per_bed_day_gbp"].to_numpy(dtype=float), n_pools),
        }))
    return pd.concat(frames, ignore_index=True)


def capacity(days: pd.DataFrame, pack, occupancy: float | None = None, risk: float | None = None,
             level_table: pd.DataFrame | None = None, pooled: bool = False) -> pd.DataFrame:
    """Beds by locality (or, ``pooled``, for the footprint as one pool), level of care and stage.

    For each: the bed days, the load (erlangs), beds at the occupancy target and at the strict one,
    the fewest beds for the risk target, the risk a patient finds no bed at the occupancy-target beds
    (rounded up to whole beds), the occupancy the risk-target beds run at, and the cost a year of the
    occupancy-target beds. ``occupancy`` and ``risk`` are what-ifs (default pack.toml [beds]).
    """
    given = settings(pack)
    occupancy = float(given["occupancy"] if occupancy is None else occupancy)
    risk = float(given["risk"] if risk is None else risk)
    strict = float(given["strict_occupancy"])
    level_table = levels(pack) if level_table is None else level_table
    out = _pools(days, level_table, pooled)
    load = out["bed_days"].to_numpy(dtype=float) / DAYS_PER_YEAR
    out["load_erlangs"] = load
    out["beds_occupancy"] = load / occupancy
    out["beds_strict"] = load / strict
    risk_beds = beds_for_risk(load, risk)
    out["beds_risk"] = risk_beds
    occupancy_beds = np.ceil(out["beds_occupancy"].to_numpy() - 1e-9).astype(int)
    out["risk_at_occupancy_beds"] = np.where(load > 0, erlang_b(occupancy_beds, load), 0.0)
    out["occupancy_at_risk_beds"] = occupancy_at(risk_beds, load)
    out["cost_gbp"] = out["beds_occupancy"] * DAYS_PER_YEAR * out["cost_per_bed_day_gbp"]
    return out[CAPACITY_COLUMNS]


def totals(table: pd.DataFrame) -> pd.DataFrame:
    """Beds and cost summed over levels of care, by locality (or footprint) and stage."""
    sums = table.groupby(["locality_id", "locality", "stage"], sort=False)[
        ["bed_days", "load_erlangs", "beds_occupancy", "beds_strict", "beds_risk", "cost_gbp"]].sum(min_count=1)
    return sums.reset_index()


def occupancy_curve(risk: float, max_load: float, points: int = 60) -> pd.DataFrame:
    """For pools of beds from small to large: the beds a risk target needs and the occupancy they run at.

    Shows why one occupancy target misleads: a small site must run far emptier than a large one to
    keep the same chance that a patient finds no bed.
    """
    loads = np.unique(np.round(np.geomspace(1.0, max(float(max_load), 2.0), points), 2))
    beds_needed = beds_for_risk(loads, risk)
    return pd.DataFrame({"load_erlangs": loads, "beds_risk": beds_needed,
                         "occupancy_at_risk_beds": occupancy_at(beds_needed, loads)})


def redesignate(beds: float, level_table: pd.DataFrame, bed_change: float) -> pd.DataFrame:
    """Seed 000's re-designation: today's beds at today's levels against the plan's beds at the plan's levels.

    ``bed_change`` is the change in beds overall (-0.1: 10% fewer). Cost is beds x 365 x cost per
    available bed day; the last row ("All levels") gives the totals and the change in cost.
    """
    after = beds * (1.0 + bed_change)
    frame = pd.DataFrame({
        "level": level_table["level"],
        "beds_now": beds * level_table["base_share"].to_numpy(dtype=float),
        "beds_plan": after * level_table["share"].to_numpy(dtype=float),
        "cost_per_bed_day_gbp": level_table["cost_per_bed_day_gbp"].to_numpy(dtype=float),
    })
    frame["cost_now_gbp"] = frame["beds_now"] * DAYS_PER_YEAR * frame["cost_per_bed_day_gbp"]
    frame["cost_plan_gbp"] = frame["beds_plan"] * DAYS_PER_YEAR * frame["cost_per_bed_day_gbp"]
    total = frame[["beds_now", "beds_plan", "cost_now_gbp", "cost_plan_gbp"]].sum()
    frame.loc[len(frame)] = {"level": "All levels", "cost_per_bed_day_gbp": np.nan, **total.to_dict()}
    frame["cost_change"] = frame["cost_plan_gbp"] / frame["cost_now_gbp"].where(frame["cost_now_gbp"] > 0) - 1
    return frame


SEED_000_SITES = (400, 400, 400, 400, 400, 400, 900)  # six local acute hospitals and a tertiary centre (illustrative)
SEED_000_COSTS = (450.0, 300.0)  # acute, and sub-acute at two-thirds of it: the assumption behind the 20%


def seed_000_example(bed_change: float = -0.10) -> pd.DataFrame:
    """Seed 000's worked example as a scenario: every bed of seven hospitals staffed as acute, re-designated
    two-thirds acute and one third sub-acute, rehabilitation and step-down with 10% fewer beds.

    The seed gives neither bed numbers nor costs: the sites' beds (3,300 in all) and a sub-acute bed day
    at two-thirds of an acute one are assumptions; with them the cost falls by 1 - 0.9 x 8/9 = 20%, the
    seed's "acute hospital costs fall by 20%" (on 15% fewer beds, ``bed_change=-0.15``: 24.4%).
    """
    from .schema import SEED_000_LEVELS_OF_CARE

    table = pd.DataFrame(SEED_000_LEVELS_OF_CARE)
    level_table = pd.DataFrame({"level": table["level"], "acute": table["acute"], "share": table["share"],
                                "base_share": table["base_share"], "cost_per_bed_day_gbp": list(SEED_000_COSTS)})
    return redesignate(float(sum(SEED_000_SITES)), level_table, bed_change)


def beds_for(pack, projection: pd.DataFrame | None = None, occupancy: float | None = None, risk: float | None = None,
             los_change: float = 0.0, shares: dict | None = None,
             acute: float | None = None) -> dict[str, pd.DataFrame]:
    """Everything the bed capacity page shows: bed days, beds by locality and for the footprint, and totals.

    What-ifs: ``occupancy``, ``risk``, ``los_change`` (see `bed_days`), ``shares`` (see `levels`) and
    ``acute``, the plan's share of bed days at the acute levels (see `with_acute_share`).
    """
    days = bed_days(pack, projection, los_change=los_change)
    level_table = levels(pack, shares)
    if acute is not None:
        level_table = with_acute_share(level_table, acute)
    by_locality = capacity(days, pack, occupancy, risk, level_table)
    footprint = capacity(days, pack, occupancy, risk, level_table, pooled=True)
    return {"days": days, "levels": level_table, "localities": by_locality, "footprint": footprint,
            "locality_totals": totals(by_locality), "footprint_totals": totals(footprint)}


# ---------------------------------------------------------------------------------------------
# uncertainty: beds where length of stay or occupancy carry 80% intervals


def has_intervals(pack) -> bool:
    """Whether length_of_stay.csv or pack.toml [beds] occupancy carry an 80% interval."""
    if not has_bed_data(pack):
        return False
    stays = pack.table("length_of_stay.csv")
    given = settings(pack)
    return bool(stays["los_days_low"].notna().any()) or given.get("occupancy_low") is not None


def simulate(pack, draws: int = 1000, seed: int = 2016, occupancy: float | None = None, risk: float | None = None,
             days: pd.DataFrame | None = None, level_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """P10, P50 and P90 of the plan's horizon-year bed days and beds, by locality and for the footprint ("all").

    Read as `stpkit.uncertainty` reads intervals: low and high are the 10th and 90th percentiles of a
    normal. Length of stay is drawn once per point of delivery, shared by every locality (a locality
    with its own interval takes the same quantile of it); occupancy once per draw, centred on the
    ``occupancy`` what-if moved by the interval's offset from the pack's point. Beds for the risk
    target rise with the load, so their percentiles are the beds at the load's percentiles.
    Measures: bed_days, beds_occupancy, beds_risk.
    """
    from .uncertainty import QUANTILES, interval_parameters

    given = settings(pack)
    occupancy = float(given["occupancy"] if occupancy is None else occupancy)
    risk = float(given["risk"] if risk is None else risk)
    days = bed_days(pack) if days is None else days
    level_table = levels(pack) if level_table is None else level_table
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2)]
    point = days["los_days"].to_numpy(dtype=float)
    low = los_for_rows(pack, days["locality_id"], days["pod"], "los_days_low")
    high = los_for_rows(pack, days["locality_id"], days["pod"], "los_days_high")
    centre, spread = interval_parameters(point, low, high)
    pods = list(BED_PODS)
    z = streams[0].standard_normal((draws, len(pods)))
    z_rows = z[:, [pods.index(p) for p in days["pod"]]]
    stay = np.maximum(centre + z_rows * spread, 0.0) / np.where(point > 0, point, 1.0)
    row_days = days["bed_days_target"].to_numpy(dtype=float) * stay  # draws x rows
    codes, ids = pd.factorize(days["locality_id"], sort=False)
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0])
    by_locality = np.add.reduceat(row_days[:, order], starts, axis=1)  # draws x localities
    footprint = by_locality.sum(axis=1, keepdims=True)
    occ_low, occ_high = given.get("occupancy_low"), given.get("occupancy_high")
    occ_centre, occ_spread = interval_parameters(given["occupancy"], np.nan if occ_low is None else occ_low,
                                                 np.nan if occ_high is None else occ_high)
    occ = occupancy + (float(occ_centre) - float(given["occupancy"])) \
        + streams[1].standard_normal(draws) * float(occ_spread)
    occ = np.clip(occ, 0.3, 0.999)[:, None]
    all_days = np.concatenate([by_locality, footprint], axis=1).T  # localities x draws: each row's draws together
    bed_days_q = np.quantile(all_days, QUANTILES, axis=1)
    beds_q = np.quantile(all_days / DAYS_PER_YEAR / occ.T, QUANTILES, axis=1)
    shares = level_table["share"].to_numpy(dtype=float)
    loads = bed_days_q[:, :, None] / DAYS_PER_YEAR * shares[None, None, :]
    risk_q = beds_for_risk(loads, risk).sum(axis=2)
    names = list(ids) + ["all"]
    frames = [pd.DataFrame({"locality_id": names, "measure": measure, "p10": q[0], "p50": q[1], "p90": q[2]})
              for measure, q in (("bed_days", bed_days_q), ("beds_occupancy", beds_q), ("beds_risk", risk_q))]
    return pd.concat(frames, ignore_index=True)

