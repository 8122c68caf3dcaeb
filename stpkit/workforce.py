"""Workforce: the staff the plan needs, the staff there will be, and the gap, by staff group and year.

Demand by staff group and year comes from the model:

- the baseline in post (workforce.csv),
- plus the additional roles the plan funds (roles.csv), from the year they start,
- plus care coordinators sized from caseload (`stpkit.needs.care_coordination`); funded coordinator
  posts in roles.csv count toward that need, so only the shortfall is added,
- GP time released through the eight alternative channels of seed 003's primary care audit (seed
  000: about 25% of GP activity could be managed by other staff or virtually) is shown as capacity
  redeployed (`gp_released_fte`): the GPs stay in post and give that time to the work the plan
  moves to them (MDTs, complex care), so it does not lower GP demand or show as a GP surplus.

- staff for the scenario's activity (`activity_fte`): the pack's staff in post already deliver the
  pack's own activity plan, so with the pack as it is this is nothing. A scenario that changes how
  much activity the population needs (growth by point of delivery, `stpkit.scenarios`) moves the
  demand of the staff groups that deliver that activity in proportion: staff in post x the group's
  share of work driven by each point of delivery (staff_activity.csv, or its illustrative default
  `schema.STAFF_ACTIVITY_DEFAULT`) x the change in that point of delivery's momentum activity in the
  horizon year against the pack's own projection. Momentum, not activity after the schemes: a
  scheme moves care out of hospital but the care is still given, by the roles the plan funds
  (roles.csv), so a scheme reduction does not change these groups' demand.

The caseload need, the GP release and the staff for the scenario's activity build up in equal steps from nothing in the base year to the
full amount at the horizon (`linear_ramp`; pass your own ramp to change it).

Supply is baseline - leavers + joiners, year by year. The gap is reported by staff group: demand -
supply, split into a shortfall (posts to fill beyond natural flows) and a surplus. The footprint's
gap is the sum of the shortfalls; surpluses are listed apart and never netted against them (a nurse
over establishment does not fill a therapist post), and the cost of the gap is the shortfalls at
each group's cost per FTE, never negative. Groups with no row in workforce.csv show their
additional demand only: no supply is known, so no gap.

Money: `role_costs` prices each role at its unit cost (seed 003's "initial cost" per FTE or per person
trained) in the year it starts; `workforce_investment` sets that beside the pump-priming lines in
investments.csv that pay for the roles (seed 003's workforce table quotes those lines: GBP 14m, 8m and
0.5m), so a planner sees where the two differ rather than one hiding the other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import needs
from .schema import STAFF_ACTIVITY_DEFAULT

GP_GROUP = "GPs"
COORDINATOR_GROUP = "Care coordinators"

# Seed 000: "Surveys show that 25% of current GP activity could be managed either by other staff or
# virtually."
GP_ACTIVITY_OTHERS_SHARE = 0.25

# Seed 003, "Backup: Primary care audit - alternative channels". The audit's split across channels is
# not published, so by default each channel takes an equal eighth of the released activity: an
# assumption to replace with a local audit (pass channels= with your own `split`).
ALTERNATIVE_CHANNELS = (
    {"channel": 1, "name": "Alternative professional",
     "description": "could have seen another professional (nurses, HCAs, physiotherapists, pharmacists, counsellors)"},
    {"channel": 2, "name": "Virtual consultations",
     "description": "could have been seen by telephone or video by a clinician based elsewhere"},
    {"channel": 3, "name": "Virtual other",
     "description": "could have been resolved through other virtual services such as text chat with a clinician"},
    {"channel": 4, "name": "Non-health related",
     "description": "need serves other organisations (DWP, schools, work sick notes)"},
    {"channel": 5, "name": "Acute hospital generated",
     "description": "attendance driven by the hospital, e.g. consultant prescriptions, re-referral after a missed appointment"},
    {"channel": 6, "name": "Self-care",
     "description": "minor ailments that could be self-managed, e.g. via a pharmacy"},
    {"channel": 7, "name": "Social prescribing",
     "description": "social-welfare needs that could be met by signposting to community providers"},
    {"channel": 8, "name": "Care home support",
     "description": "care home residents whose appointment proactive care (e.g. care home nurse practitioners) could avoid"},
)

GAP_COLUMNS = ["staff_group", "year", "baseline_fte", "roles_fte", "coordination_fte", "activity_fte", "gp_released_fte",
               "additional_fte", "demand_fte", "supply_fte", "gap_fte", "shortfall_fte", "surplus_fte", "cost_per_fte",
               "gap_cost_gbp", "roles_cost_gbp", "ramp", "supply_known"]
WORKFORCE_COLUMNS = ["staff_group", "baseline_fte", "cost_per_fte", "leavers_fte", "joiners_fte"]
ROLE_COLUMNS = ["role", "staff_group", "fte", "trained", "unit_cost", "year", "category"]
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def group_key(names) -> pd.Series:
    """A matching key for staff group and category names: "Care co-ordinators" matches "care coordinators"."""
    return pd.Series([_NOT_ALNUM.sub("", str(name).lower()) for name in names], dtype=object)


def default_channels() -> pd.DataFrame:
    """Seed 003's eight alternative channels, each taking an equal share (the default assumption)."""
    frame = pd.DataFrame(list(ALTERNATIVE_CHANNELS))
    frame["split"] = 1 / len(frame)
    return frame


def linear_ramp(base_year: int, horizon_year: int) -> pd.Series:
    """Share of a change in place each year: 0 in the base year rising in equal steps to 1 at the horizon."""
    years = np.arange(int(base_year), int(horizon_year) + 1)
    span = max(int(horizon_year) - int(base_year), 1)
    return pd.Series(np.clip((years - int(base_year)) / span, 0, 1), index=years, name="ramp")


def _ramp(ramp, years: np.ndarray, base_year: int, horizon_year: int) -> np.ndarray:
    if ramp is None:
        return linear_ramp(base_year, horizon_year).reindex(years).to_numpy()
    series = pd.Series(ramp, dtype=float)
    series.index = series.index.astype(int)
    return series.reindex(years).ffill().fillna(0.0).to_numpy()


# --- GP capacity released through the alternative channels -----------------------------------------------


def gp_fte(localities: pd.DataFrame) -> pd.Series:
    """Full-time GPs per locality: population / patients_per_gp (NaN where patients_per_gp is not given)."""
    if "patients_per_gp" not in localities:
        values = np.full(len(localities), np.nan)
    else:
        values = localities["population"].to_numpy(float) / localities["patients_per_gp"].to_numpy(float)
    return pd.Series(values, index=localities["locality_id"].to_numpy(), name="gp_fte")


def gp_capacity_release(gp_fte: float | pd.Series, released_share: float = GP_ACTIVITY_OTHERS_SHARE,
                        channels: pd.DataFrame | None = None,
                        appointments_per_gp_fte: float | None = None) -> pd.DataFrame:
    """GP capacity released through each alternative channel, in GP FTE (and appointments if a rate is given).

    gp_fte: GP FTE of the footprint (a number) or per locality (a Series indexed by locality_id, e.g.
    `gp_fte(localities)`). released_share: the share of GP activity others could manage (seed 000: 25%).
    channels: channel, name, description, split; splits are scaled to add up to 1 (default: eight equal
    shares of seed 003's channels). appointments_per_gp_fte: GP appointments a full-time GP gives in a
    year, to express the release in appointments; without it released_appointments is NaN.
    One row per channel (per locality x channel for a Series): released_share (of all GP activity),
    gp_fte, released_gp_fte, released_appointments.
    """
    table = default_channels() if channels is None else channels.reset_index(drop=True).copy()
    split = table["split"].to_numpy(float)
    table["split"] = split / split.sum() if split.sum() > 0 else split
    table["released_share"] = released_share * table["split"]
    if isinstance(gp_fte, pd.Series):
        places = pd.DataFrame({"locality_id": gp_fte.index.to_numpy(), "gp_fte": gp_fte.to_numpy(float)})
        out = places.merge(table, how="cross")
    else:
        out = table.assign(gp_fte=float(gp_fte))
    out["released_gp_fte"] = out["gp_fte"] * out["released_share"]
    rate = np.nan if appointments_per_gp_fte is None else float(appointments_per_gp_fte)
    out["released_appointments"] = out["released_gp_fte"] * rate
    return out


# --- supply --------------------------------------------------------------------------------------------


def _workforce(workforce: pd.DataFrame | None) -> pd.DataFrame:
    if workforce is None or len(workforce) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "staff_group" else float) for c in WORKFORCE_COLUMNS})
    out = workforce.reset_index(drop=True).copy()
    for c in WORKFORCE_COLUMNS[1:]:
        out[c] = out[c].astype(float) if c in out else np.nan
    return out[WORKFORCE_COLUMNS]


def supply(workforce: pd.DataFrame | None, base_year: int, horizon_year: int) -> pd.DataFrame:
    """FTE in post each year: baseline - leavers + joiners, year by year from base year to horizon.

    One row per staff group x year: staff_group, year, baseline_fte, leavers_fte, joiners_fte,
    cost_per_fte, supply_fte (never below 0). An absent workforce.csv gives an empty frame.
    """
    frame = _workforce(workforce)
    years = pd.DataFrame({"year": np.arange(int(base_year), int(horizon_year) + 1)})
    out = frame.merge(years, how="cross")
    elapsed = out["year"] - int(base_year)
    out["supply_fte"] = np.maximum(out["baseline_fte"] + elapsed * (out["joiners_fte"] - out["leavers_fte"]), 0)
    return out[["staff_group", "year", "baseline_fte", "leavers_fte", "joiners_fte", "cost_per_fte", "supply_fte"]]


# --- additional roles ----------------------------------------------------------------------------------


def _roles(roles: pd.DataFrame | None) -> pd.DataFrame:
    if roles is None or len(roles) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("role", "staff_group", "category") else float)
                             for c in ROLE_COLUMNS})
    out = roles.reset_index(drop=True).copy()
    for c in ROLE_COLUMNS:
        if c not in out:
            out[c] = np.nan
    for c in ("fte", "trained", "unit_cost", "year"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out[ROLE_COLUMNS]


def role_costs(roles: pd.DataFrame | None) -> pd.DataFrame:
    """Each role's cost: unit cost x FTE for posts, or unit cost x people trained for training only.

    Seed 003 gives unit costs as initial costs (GBP 50k, 20k, 80k per FTE; 60k per GP lead; 2k per
    care navigator trained), so the cost falls in the year the posts or training start. A blank unit
    cost gives a NaN cost and costed=False. Adds cost_gbp and costed to the roles table.
    """
    out = _roles(roles)
    units = np.where(out["fte"].fillna(0) > 0, out["fte"].fillna(0), out["trained"].fillna(0))
    out["cost_gbp"] = units * out["unit_cost"]
    out["costed"] = out["unit_cost"].notna()
    return out


def _roles_matrix(roles: pd.DataFrame, keys: list[str], years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(groups x years) FTE in post from roles started by each year, and role costs falling in each year."""
    costed = role_costs(roles)
    index = pd.Index(keys)
    rows = index.get_indexer(group_key(costed["staff_group"]))
    start = costed["year"].to_numpy(float)
    started = years[None, :] >= np.nan_to_num(start, nan=np.inf)[:, None]
    in_year = years[None, :] == start[:, None]
    fte = np.zeros((len(keys), len(years)))
    cost = np.zeros((len(keys), len(years)))
    ok = rows >= 0  # roles without a staff group are left out of the group table
    np.add.at(fte, rows[ok], (started * costed["fte"].fillna(0).to_numpy()[:, None])[ok])
    np.add.at(cost, rows[ok], (in_year * costed["cost_gbp"].fillna(0).to_numpy()[:, None])[ok])
    return fte, cost


# --- staff for the scenario's activity ------------------------------------------------------------------


def staff_activity(pack) -> pd.DataFrame:
    """Which points of delivery each staff group's work moves with: staff_group, pod, share (the pack's
    staff_activity.csv, else the illustrative default `schema.STAFF_ACTIVITY_DEFAULT`)."""
    table = pack.tables.get("staff_activity.csv") if hasattr(pack, "tables") else pack
    if table is None:
        table = pd.DataFrame(list(STAFF_ACTIVITY_DEFAULT))
    return table.reset_index(drop=True)[["staff_group", "pod", "share"]]


def pack_momentum(projection: pd.DataFrame) -> dict[str, float]:
    """Momentum activity in the horizon year by point of delivery (the reference a scenario is set against)."""
    return {str(k): float(v) for k, v in projection.groupby("pod")["momentum"].sum().items()}


def activity_change(pack, projection: pd.DataFrame | None = None) -> pd.Series:
    """How much the momentum activity of each point of delivery in the horizon year differs from the pack's own
    projection under the scenario the pack shows: a fraction by pod (0.05 is 5% more). Empty for the pack as it
    is, or a scenario that leaves growth alone (``stpkit.scenarios.apply`` keeps the pack's own figures)."""
    reference = (pack.settings.get("scenario") or {}).get("pack_momentum")
    if not reference:
        return pd.Series(dtype=float)
    if projection is None:
        from . import activity
        projection = activity.project(pack)
    now = pd.Series(pack_momentum(projection), dtype=float)
    before = pd.Series(reference, dtype=float)
    before = before[before > 0]
    return (now.reindex(before.index).fillna(0.0) / before - 1.0).rename("activity_change")


def activity_demand_change(shares: pd.DataFrame, change: pd.Series) -> dict[str, float]:
    """Staff group -> change in the demand for its staff in post: the sum over the points of delivery it delivers
    of its share of work there x that point of delivery's activity change. Groups no change reaches are left out."""
    if not len(change) or not len(shares):
        return {}
    moved = shares["share"].astype(float).to_numpy() * shares["pod"].map(change).fillna(0.0).to_numpy(float)
    totals = pd.Series(moved, index=shares["staff_group"].astype(str).to_numpy()).groupby(level=0, sort=False).sum()
    return {g: float(v) for g, v in totals.items() if v != 0}


# --- demand, supply and gap --------------------------------------------------------------------------------


def _demand_core(baseline, roles_fte, ramp, is_coordinator, is_gp, supply_fte, coordinators_fte, gp_released_fte,
                 activity_fte=0.0):
    """The gap arithmetic on arrays: rows are staff group x year, leading axes are draws.

    coordinators_fte and gp_released_fte are full (horizon) amounts, a number or an array of draws
    with shape (n,); activity_fte is the staff for the scenario's activity, by row (already ramped);
    results have shape (n, rows) for draws, (rows,) otherwise.
    """
    coordinators = np.asarray(coordinators_fte, dtype=float)[..., None]
    released = np.asarray(gp_released_fte, dtype=float)[..., None]
    coordination = np.where(is_coordinator, np.maximum(coordinators * ramp - roles_fte, 0.0), 0.0)
    release = np.where(is_gp, released * ramp, 0.0)  # capacity redeployed: not taken off demand
    additional = roles_fte + coordination + activity_fte
    demand = np.where(np.isnan(baseline), additional, baseline + additional)
    gap = demand - supply_fte
    return coordination, release, additional, demand, gap


def workforce_gap(workforce: pd.DataFrame | None, roles: pd.DataFrame | None, base_year: int, horizon_year: int,
                  coordinators_fte: float = 0.0, gp_released_fte: float = 0.0, ramp: Mapping | pd.Series | None = None,
                  gp_baseline_fte: float | None = None, gp_group: str = GP_GROUP,
                  coordinator_group: str = COORDINATOR_GROUP,
                  activity_change: Mapping[str, float] | None = None) -> pd.DataFrame:
    """FTE demand, supply and gap by staff group and year, and what the gap costs.

    workforce, roles: the pack's workforce.csv and roles.csv frames (empty or None when absent).
    coordinators_fte: care coordinators the caseload needs at the horizon (`needs.care_coordination`).
    gp_released_fte: GP FTE released at the horizon (`gp_capacity_release`, summed over channels).
    ramp: share of those two in place each year (year -> fraction); default `linear_ramp`.
    gp_baseline_fte: GPs in post, used for the GP group when workforce.csv has no GP row (e.g. from
    localities' patients_per_gp); it gives a demand but no supply.
    activity_change: staff group -> change in the demand for its staff in post at the horizon from a
    scenario's activity, as a fraction (`activity_demand_change`; 0.03 is 3% more); ramped like the rest.

    One row per staff group x year (GAP_COLUMNS): baseline_fte (NaN where unknown), roles_fte (funded
    posts started by that year), coordination_fte (caseload need beyond funded coordinator posts),
    activity_fte (staff for the scenario's activity: baseline x activity_change x ramp; 0 with the pack
    as it is and for groups with no staff in post),
    gp_released_fte (GP capacity redeployed, not taken off demand), additional_fte, demand_fte
    (baseline + additional; additional only where the baseline is unknown), supply_fte, gap_fte =
    demand - supply (signed, by group), shortfall_fte and surplus_fte (its two sides, each 0 or more),
    gap_cost_gbp = shortfall x cost_per_fte (never negative; NaN where supply is unknown),
    roles_cost_gbp (role costs starting that year), ramp, supply_known.
    """
    years = np.arange(int(base_year), int(horizon_year) + 1)
    staff = _workforce(workforce)
    role_table = _roles(roles)
    names = pd.concat([staff["staff_group"], role_table["staff_group"]], ignore_index=True).dropna().astype(str)
    if np.any(np.asarray(coordinators_fte) > 0):
        names = pd.concat([names, pd.Series([coordinator_group])], ignore_index=True)
    if np.any(np.asarray(gp_released_fte) > 0) or gp_baseline_fte is not None:
        names = pd.concat([names, pd.Series([gp_group])], ignore_index=True)
    groups = pd.DataFrame({"staff_group": names.to_numpy(), "key": group_key(names).to_numpy()})
    groups = groups.drop_duplicates("key").reset_index(drop=True)
    known = staff.assign(key=group_key(staff["staff_group"]).to_numpy()).drop(columns="staff_group")
    known = known.drop_duplicates("key")
    groups = groups.merge(known, on="key", how="left")
    groups["supply_known"] = groups["key"].isin(known["key"])
    gp_key = group_key([gp_group])[0]
    if gp_baseline_fte is not None:
        missing = (groups["key"] == gp_key) & ~groups["supply_known"]
        groups.loc[missing, "baseline_fte"] = float(gp_baseline_fte)

    keys = groups["key"].tolist()
    roles_fte, roles_cost = _roles_matrix(role_table, keys, years)
    n_groups, n_years = len(groups), len(years)
    grid = pd.DataFrame({"staff_group": np.repeat(groups["staff_group"].to_numpy(), n_years),
                         "year": np.tile(years, n_groups)})
    col = {c: np.repeat(groups[c].to_numpy(float), n_years)
           for c in ("baseline_fte", "cost_per_fte", "leavers_fte", "joiners_fte")}
    elapsed = grid["year"].to_numpy() - int(base_year)
    supply_fte = np.maximum(col["baseline_fte"] + elapsed * (col["joiners_fte"] - col["leavers_fte"]), 0)
    supply_known = np.repeat(groups["supply_known"].to_numpy(bool), n_years)
    supply_fte = np.where(supply_known, supply_fte, np.nan)
    ramp_values = np.tile(_ramp(ramp, years, base_year, horizon_year), n_groups)
    key_rows = np.repeat(np.asarray(keys, dtype=object), n_years)
    is_coordinator = key_rows == group_key([coordinator_group])[0]
    is_gp = key_rows == gp_key
    moved = {group_key([g])[0]: float(c) for g, c in (activity_change or {}).items()}
    change = np.array([moved.get(k, 0.0) for k in key_rows], dtype=float)
    activity_fte = np.nan_to_num(col["baseline_fte"]) * change * ramp_values

    coordination, release, additional, demand, gap = _demand_core(
        col["baseline_fte"], roles_fte.ravel(), ramp_values, is_coordinator, is_gp, supply_fte,
        coordinators_fte, gp_released_fte, activity_fte)
    grid["baseline_fte"] = col["baseline_fte"]
    grid["roles_fte"] = roles_fte.ravel()
    grid["coordination_fte"] = coordination
    grid["activity_fte"] = activity_fte
    grid["gp_released_fte"] = release
    grid["additional_fte"] = additional
    grid["demand_fte"] = demand
    grid["supply_fte"] = supply_fte
    grid["gap_fte"] = gap
    grid["shortfall_fte"] = np.where(np.isnan(gap), np.nan, np.maximum(gap, 0.0))
    grid["surplus_fte"] = np.where(np.isnan(gap), np.nan, np.maximum(-gap, 0.0))
    grid["cost_per_fte"] = col["cost_per_fte"]
    grid["gap_cost_gbp"] = grid["shortfall_fte"] * col["cost_per_fte"]
    grid["roles_cost_gbp"] = roles_cost.ravel()
    grid["ramp"] = ramp_values
    grid["supply_known"] = supply_known
    return grid[GAP_COLUMNS]


def gap_draws(gap: pd.DataFrame, coordinators_fte=0.0, gp_released_fte=0.0, gp_group: str = GP_GROUP,
              coordinator_group: str = COORDINATOR_GROUP, activity_fte=None) -> np.ndarray:
    """gap_fte for arrays of draws: shape (draws, rows of `gap`), in the row order of `workforce_gap`.

    `gap` is a `workforce_gap` table (its baseline, roles, supply and ramp stay fixed);
    coordinators_fte and gp_released_fte are arrays of draws (or numbers) of the horizon amounts;
    activity_fte, draws by row (draws, rows) of the staff for the drawn activity (`activity_fte_draws`),
    else the table's own. Pure numpy, so thousands of draws cost one broadcast.
    """
    keys = group_key(gap["staff_group"]).to_numpy()
    if activity_fte is None:
        activity_fte = gap["activity_fte"].to_numpy(float) if "activity_fte" in gap else 0.0
    _, _, _, _, result = _demand_core(
        gap["baseline_fte"].to_numpy(float), gap["roles_fte"].to_numpy(float), gap["ramp"].to_numpy(float),
        keys == group_key([coordinator_group])[0], keys == group_key([gp_group])[0],
        gap["supply_fte"].to_numpy(float), coordinators_fte, gp_released_fte, activity_fte)
    return np.atleast_2d(result)


def activity_fte_draws(gap: pd.DataFrame, shares: pd.DataFrame, change_by_pod: np.ndarray,
                       pods: list[str]) -> np.ndarray:
    """Staff for the activity of each draw, by row of `gap`: (draws, rows).

    The same rule as a scenario's (`activity_demand_change`): a staff group's demand moves with its
    staff in post x its share of work at each point of delivery x that point of delivery's change in
    horizon momentum, ramped like the rest. change_by_pod (draws, pods, in the order of `pods`) is the
    draw's change against the figure the gap table was made with, so the point draw gives the table's
    own activity_fte back.
    """
    keys = group_key(gap["staff_group"]).to_numpy()
    weights = np.zeros((len(gap), len(pods)))
    if len(shares):
        share_keys = group_key(shares["staff_group"]).to_numpy()
        column = pd.Index(pods).get_indexer(shares["pod"].astype(str))
        share = shares["share"].to_numpy(float)
        for row_key in set(keys):
            rows = np.flatnonzero(keys == row_key)
            mine = (share_keys == row_key) & (column >= 0)
            on_pod = np.bincount(column[mine], weights=share[mine], minlength=len(pods))
            weights[rows] = on_pod
    staff = np.nan_to_num(gap["baseline_fte"].to_numpy(float)) * gap["ramp"].to_numpy(float)
    moved = np.atleast_2d(change_by_pod) @ weights.T  # (draws, rows): the group's change in demand
    return gap["activity_fte"].to_numpy(float) + staff * moved


def gap_by_year(gap: pd.DataFrame) -> pd.DataFrame:
    """Footprint totals by year.

    additional_fte, activity_fte, demand_fte, roles_cost_gbp and gp_redeployed_fte (GP time released, redeployed)
    over every staff group; over the groups whose supply is known: supply_fte, gap_fte (the sum of the
    groups' shortfalls: a surplus in one group never offsets a shortfall in another), gap_cost_gbp
    (the shortfalls at cost, never negative), surplus_fte (listed apart) and, as before,
    shortfall_fte and shortfall_cost_gbp (the same as gap_fte and gap_cost_gbp).
    """
    known = gap[gap["supply_known"]]
    known = known.assign(shortfall_cost_gbp=known["shortfall_fte"] * known["cost_per_fte"])
    sums = known.groupby("year")[["supply_fte", "shortfall_fte", "surplus_fte", "shortfall_cost_gbp"]].sum(min_count=1)
    sums["gap_fte"] = sums["shortfall_fte"]
    sums["gap_cost_gbp"] = sums["shortfall_cost_gbp"]
    demand = gap.groupby("year")[["additional_fte", "activity_fte", "demand_fte", "roles_cost_gbp",
                                  "gp_released_fte"]].sum()
    demand = demand.rename(columns={"gp_released_fte": "gp_redeployed_fte"})
    out = demand.join(sums).reset_index()
    return out[["year", "additional_fte", "activity_fte", "demand_fte", "roles_cost_gbp", "gp_redeployed_fte",
                "supply_fte", "gap_fte",
                "gap_cost_gbp", "surplus_fte", "shortfall_fte", "shortfall_cost_gbp"]]


# --- money: the new roles' running costs ---------------------------------------------------------------


def running_costs(gap: pd.DataFrame, roles: pd.DataFrame | None, years) -> pd.DataFrame:
    """Recurring cost of the new roles by year: the posts the plan adds, paid every year from their start.

    From a `workforce_gap` table: funded posts in place (roles_fte, roles.csv from their start year)
    and care coordinators the caseload needs beyond them (coordination_fte, ramping to the horizon),
    each at its staff group's cost per FTE (workforce.csv), or where the group has none the roles'
    own unit cost (seed 003: GBP 50K a post). After the last year of `gap` the horizon's posts carry
    on. Mid and South Essex: 90 coordinators at GBP 50K, about GBP 4.5m a year by 2020/21 (82 beyond
    the 8 funded posts). Columns: year, roles_fte, coordination_fte, roles_running_gbp,
    coordination_running_gbp, running_cost_gbp.
    """
    years = np.asarray(list(years), dtype=int)
    table = _roles(roles)
    posts = table[table["fte"].fillna(0) > 0]
    unit = (posts.assign(key=group_key(posts["staff_group"]).to_numpy(), paid=posts["fte"] * posts["unit_cost"])
            .groupby("key")[["paid", "fte"]].sum()) if len(posts) else pd.DataFrame(columns=["paid", "fte"])
    own = (unit["paid"] / unit["fte"]).to_dict() if len(unit) else {}
    frame = gap.assign(key=group_key(gap["staff_group"]).to_numpy())
    cost = frame["cost_per_fte"].to_numpy(float)
    cost = np.where(np.isnan(cost), frame["key"].map(own).to_numpy(float), cost)
    frame = frame.assign(roles_running_gbp=frame["roles_fte"] * np.nan_to_num(cost),
                         coordination_running_gbp=frame["coordination_fte"] * np.nan_to_num(cost))
    sums = frame.groupby("year")[["roles_fte", "coordination_fte", "roles_running_gbp",
                                  "coordination_running_gbp"]].sum()
    if len(sums):
        full = sums.reindex(sorted(set(sums.index) | set(years.tolist()))).ffill().fillna(0.0).reindex(years)
    else:
        full = pd.DataFrame(0.0, index=years, columns=sums.columns)
    full["running_cost_gbp"] = full["roles_running_gbp"] + full["coordination_running_gbp"]
    return full.rename_axis("year").reset_index()


# --- money: roles beside the investment lines that pay for them -------------------------------------------


def workforce_investment(roles: pd.DataFrame | None, investments: pd.DataFrame | None) -> pd.DataFrame:
    """Roles' own costs beside the pump-priming lines that pay for them, by category and year.

    A role names the investments.csv category that pays for it in roles.csv's `category` column; where
    that is blank, the role's own name is used (so a role called after its investment line matches it).
    For each category and year: investment_gbp (revenue lines of that category in investments.csv),
    role_cost_gbp (unit cost x FTE or people trained, for roles starting that year; NaN where none there
    is costed), difference_gbp (investment - role cost), fte, trained, and matched (whether
    investments.csv has a line of that category at all). Seed 003's workforce table quotes the
    investment lines (GBP 13.9m, 8.3m and 0.5m by year), which are not FTE x unit cost: this table
    shows both side by side.
    """
    columns = ["category", "year", "investment_gbp", "role_cost_gbp", "difference_gbp", "fte", "trained",
               "matched"]
    costed = role_costs(roles)
    costed = costed[costed["year"].notna()]
    if costed.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "category" else bool if c == "matched" else float)
                             for c in columns})
    named = costed["category"].notna() & (costed["category"].astype(str).str.strip() != "")
    costed = costed.assign(category=costed["category"].where(named, costed["role"]))
    costed = costed.assign(key=group_key(costed["category"]).to_numpy())
    names = costed.drop_duplicates("key")[["key", "category"]]
    by_role = costed.groupby(["key", "year"])[["cost_gbp", "fte", "trained"]].sum(min_count=1)
    by_role = by_role.rename(columns={"cost_gbp": "role_cost_gbp"})
    money = pd.DataFrame({"key": pd.Series(dtype=object), "year": pd.Series(dtype=float),
                          "investment_gbp": pd.Series(dtype=float)})
    if investments is not None and len(investments):
        lines = investments[investments["kind"].astype(str).str.lower() == "revenue"]
        lines = lines.assign(key=group_key(lines["category"]).to_numpy(), year=lines["year"].astype(float),
                             amount=lines["amount"].astype(float))
        lines = lines[lines["key"].isin(names["key"])]
        money = lines.groupby(["key", "year"])["amount"].sum().rename("investment_gbp").reset_index()
    out = by_role.reset_index().merge(money, on=["key", "year"], how="outer")
    out["matched"] = out["key"].isin(money["key"])
    out["investment_gbp"] = out["investment_gbp"].astype(float).fillna(0.0)
    out[["fte", "trained"]] = out[["fte", "trained"]].fillna(0.0)
    out["difference_gbp"] = out["investment_gbp"] - out["role_cost_gbp"].fillna(0.0)
    out = out.merge(names, on="key", how="left").sort_values(["year", "key"], kind="stable")
    out["year"] = out["year"].astype(int)
    return out[columns].reset_index(drop=True)


def workforce_investment_by_year(reconciliation: pd.DataFrame) -> pd.DataFrame:
    """`workforce_investment` summed by year: investment_gbp, role_cost_gbp, difference_gbp, fte, trained.

    unmatched_role_cost_gbp is the part of role_cost_gbp whose category has no line in investments.csv.
    """
    frame = reconciliation.assign(
        unmatched_role_cost_gbp=reconciliation["role_cost_gbp"].where(~reconciliation["matched"].astype(bool), 0.0))
    return frame.groupby("year")[["investment_gbp", "role_cost_gbp", "difference_gbp", "fte", "trained",
                                  "unmatched_role_cost_gbp"]].sum().reset_index()


# --- a whole pack -------------------------------------------------------------------------------------------


def workforce_for(pack, released_share: float = GP_ACTIVITY_OTHERS_SHARE, channels: pd.DataFrame | None = None,
                  ramp: Mapping | pd.Series | None = None,
                  projection: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every workforce table for a loaded pack, keyed by name.

    coordination (footprint care coordination from the pack's settings), gp_release (by channel, for
    the GPs in workforce.csv's GP row or else from localities' patients_per_gp), gap (`workforce_gap`,
    with the staff for a scenario's activity), gap_by_year, role_costs, investment
    (`workforce_investment`), investment_by_year, and activity (by staff group: the change in demand
    for its staff in post from the scenario's activity, activity_change). ``projection``:
    `activity.project(pack)` if already made.
    """
    coordination = needs.footprint_coordination(
        needs.care_coordination(pack.localities, settings=pack.settings.get("care_coordination")))
    staff = _workforce(pack.workforce)
    gp_rows = staff[group_key(staff["staff_group"]).to_numpy() == group_key([GP_GROUP])[0]]
    localities_gps = gp_fte(pack.localities).sum(min_count=1)
    if len(gp_rows):
        gps, gp_baseline = float(gp_rows["baseline_fte"].sum()), None
    elif pd.notna(localities_gps):
        gps = gp_baseline = float(localities_gps)
    else:
        gps, gp_baseline = 0.0, None
    release = gp_capacity_release(gps, released_share, channels)
    moved = activity_demand_change(staff_activity(pack), activity_change(pack, projection))
    gap = workforce_gap(pack.workforce, pack.roles, pack.base_year, pack.horizon_year,
                        coordinators_fte=float(coordination["coordinators_fte"].iloc[0]),
                        gp_released_fte=float(release["released_gp_fte"].sum()), ramp=ramp,
                        gp_baseline_fte=gp_baseline, activity_change=moved)
    investment = workforce_investment(pack.roles, pack.investments)
    return {
        "coordination": coordination,
        "gp_release": release,
        "gap": gap,
        "gap_by_year": gap_by_year(gap),
        "role_costs": role_costs(pack.roles),
        "investment": investment,
        "investment_by_year": workforce_investment_by_year(investment),
        "activity": pd.DataFrame({"staff_group": list(moved), "activity_change": list(moved.values())},
                                 columns=["staff_group", "activity_change"]),
    }
