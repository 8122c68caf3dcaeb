"""Hospital activity: momentum growth, scheme reductions, targets and gross savings.

The rules every part of stpkit shares (docs/data-pack.md):
- momentum = base x (1 + growth) ^ years, growth from activity.csv where given, else the pod's;
- reductions of schemes on the same point of delivery add up (seed 003's table is additive);
- target = momentum x (1 - sum of reductions x delivery), unless targets.csv sets the locality's
  target; a pod's summed reduction is kept below 100%, so no target is ever negative;
- avoided = momentum - target, and gross savings = avoided x unit cost.

What-ifs move what they should on every pack: a growth what-if is a change to each locality's own
rate (percentage points, or a factor), never a rate that replaces it; where targets.csv fixes a row,
a scheme what-if scales the avoided activity in proportion to the pod's reductions against the
planned ones (the target is the plan: a slider says "deliver so much more or less than planned"),
and the delivery factor (pack.toml ``[delivery] factor``, 1 by default) scales every row's avoided
activity.

Everything is computed for all localities and points of delivery at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import population
from .schema import POD_LABELS, POINTS_OF_DELIVERY
from .years import format_fy

COLUMNS = ["locality_id", "locality", "group", "pod", "base", "growth", "momentum", "reduction", "target",
           "target_source", "avoided", "unit_cost", "gross_savings_gbp", "demographic"]


def pod_reductions(schemes: pd.DataFrame) -> pd.Series:
    """The summed reduction of all schemes on each point of delivery (0 where none)."""
    summed = schemes.groupby("pod")["reduction"].sum() if len(schemes) else pd.Series(dtype=float)
    return summed.reindex(list(POINTS_OF_DELIVERY), fill_value=0.0).astype(float)


GROWTH_LIMITS = (-0.5, 0.5)  # pods.csv's range for a yearly growth rate
REDUCTION_MAX = float(np.nextafter(1.0, 0.0))  # a summed reduction is below 100%


def _by_pod(values, pod: np.ndarray, fill: float) -> np.ndarray:
    """A number or a Series by pod, as one value per activity row (``fill`` where not given)."""
    if values is None:
        return np.full(len(pod), fill)
    if np.ndim(values) == 0 and not isinstance(values, (pd.Series, dict)):
        return np.full(len(pod), float(values))
    return pd.Series(values, dtype=float).reindex(pod).fillna(fill).to_numpy(dtype=float)


def project(pack, growth_change: pd.Series | float | None = None, growth_factor: pd.Series | float | None = None,
            reductions: pd.Series | None = None, unit_costs: pd.Series | None = None,
            delivery: pd.Series | float | None = None) -> pd.DataFrame:
    """Base, momentum, target, avoided activity and gross savings for every locality and pod.

    The optional arguments are what-ifs, a number or a Series indexed by pod: ``growth_change`` adds
    to every row's own growth rate (0.001 = 0.1 percentage points more a year; a locality with its
    own 2.1% in activity.csv goes to 2.2%), ``growth_factor`` multiplies it; ``reductions`` replaces
    the pod's summed scheme reduction (where targets.csv fixes a row, its avoided activity scales by
    the new sum against the planned one); ``unit_costs`` replaces the unit cost; ``delivery`` is the
    share of the planned avoided activity delivered (default pack.toml [delivery] factor, 1).
    """
    act = pack.activity
    pods = pack.pods.set_index("pod")
    pod = act["pod"].to_numpy()
    base = act["activity"].to_numpy(dtype=float)
    rate = act["growth"].to_numpy(dtype=float)
    rate = np.where(np.isnan(rate), pods["growth"].reindex(pod).to_numpy(dtype=float), rate)
    if growth_factor is not None:
        rate = rate * _by_pod(growth_factor, pod, 1.0)
    if growth_change is not None:
        rate = rate + _by_pod(growth_change, pod, 0.0)
    if growth_factor is not None or growth_change is not None:
        rate = np.clip(rate, *GROWTH_LIMITS)
    cost = act["unit_cost"].to_numpy(dtype=float)
    cost = np.where(np.isnan(cost), pods["unit_cost"].reindex(pod).to_numpy(dtype=float), cost)
    if unit_costs is not None:
        override = pd.Series(unit_costs, dtype=float).reindex(pod).to_numpy()
        cost = np.where(np.isnan(override), cost, override)
    reduction = pod_reductions(pack.schemes)
    # the plan targets.csv was set against: the pack's own schemes, kept by a scenario that changes them
    # (stpkit.scenarios.apply), so that a scenario's reductions move targeted rows as a slider does
    kept = (pack.settings.get("activity") or {}).get("planned_reductions")
    planned = reduction if kept is None else pd.Series(kept, dtype=float).reindex(list(POINTS_OF_DELIVERY)).fillna(0.0)
    if reductions is not None:
        reduction = pd.Series(reductions, dtype=float).combine_first(reduction)
    reduction = np.clip(reduction.reindex(pod).fillna(0.0).to_numpy(dtype=float), 0.0, REDUCTION_MAX)
    planned = planned.reindex(pod).fillna(0.0).to_numpy(dtype=float)
    if delivery is None:
        delivery = (pack.settings.get("delivery") or {}).get("factor")
    factor = _by_pod(1.0 if delivery is None else delivery, pod, 1.0)

    factor_people = population.factor_for_rows(pack, act["locality_id"], pod)
    if factor_people is not None and population.momentum_mode(pack) == "demographic":
        other = np.full(len(pod), population.non_demographic_growth(pack))
        if growth_factor is not None:
            other = other * _by_pod(growth_factor, pod, 1.0)
        if growth_change is not None:
            other = np.clip(other + _by_pod(growth_change, pod, 0.0), *GROWTH_LIMITS)
        momentum = base * factor_people * (1.0 + other) ** pack.years
        total = np.where(base > 0, momentum / np.where(base > 0, base, 1.0), 1.0 + other)
        rate = total ** (1.0 / max(pack.years, 1)) - 1.0
    else:
        momentum = base * (1.0 + rate) ** pack.years
    demographic = base * (factor_people - 1.0) if factor_people is not None else np.full(len(pod), np.nan)
    target = momentum * (1.0 - np.minimum(reduction * factor, REDUCTION_MAX))
    source = np.full(len(act), "schemes", dtype=object)
    targets = pack.targets
    if len(targets):
        keyed = targets.set_index(["locality_id", "pod"])["target"]
        fixed = keyed.reindex(pd.MultiIndex.from_arrays([act["locality_id"], act["pod"]])).to_numpy(dtype=float)
        has_target = ~np.isnan(fixed)
        scale = np.where(planned > 0, reduction / np.where(planned > 0, planned, 1.0), 1.0) * factor
        scaled = momentum - np.minimum((momentum - fixed) * scale, momentum)  # never below 0
        target = np.where(has_target, np.where(scale == 1.0, fixed, scaled), target)
        source[has_target] = "targets.csv"
    avoided = momentum - target
    names = pack.localities.set_index("locality_id")
    out = pd.DataFrame({
        "locality_id": act["locality_id"].to_numpy(),
        "locality": names["locality"].reindex(act["locality_id"]).to_numpy(),
        "group": names["group"].reindex(act["locality_id"]).to_numpy(),
        "pod": pod,
        "base": base,
        "growth": rate,
        "momentum": momentum,
        "reduction": np.where(momentum > 0, avoided / np.where(momentum > 0, momentum, 1.0), 0.0),
        "target": target,
        "target_source": source,
        "avoided": avoided,
        "unit_cost": cost,
        "gross_savings_gbp": avoided * cost,
        "demographic": demographic,
    })
    return out


def by_pod(projection: pd.DataFrame) -> pd.DataFrame:
    """Footprint totals by point of delivery, in the pods' standard order, with rates recomputed."""
    sums = projection.groupby("pod")[["base", "momentum", "target", "avoided", "gross_savings_gbp"]].sum()
    order = [p for p in POINTS_OF_DELIVERY if p in sums.index]
    sums = sums.reindex(order)
    sums["growth_total"] = sums["momentum"] / sums["base"].where(sums["base"] > 0) - 1
    sums["change_from_base"] = sums["target"] / sums["base"].where(sums["base"] > 0) - 1
    sums["change_from_momentum"] = sums["target"] / sums["momentum"].where(sums["momentum"] > 0) - 1
    sums["label"] = [POD_LABELS[p] for p in sums.index]
    return sums.reset_index()


def system_change(pods: pd.DataFrame, schemes: pd.DataFrame, years: int) -> pd.DataFrame:
    """Seed 003's system activity table from growth rates and additive scheme reductions.

    For each point of delivery: momentum change from the base year, the change from momentum that
    the schemes make, and the total change from the base year.
    """
    table = pods[["pod", "growth"]].copy()
    table["reduction"] = pod_reductions(schemes).reindex(table["pod"]).to_numpy()
    table["momentum_change"] = (1 + table["growth"]) ** years - 1
    table["change_from_momentum"] = -table["reduction"]
    table["change_from_base"] = (1 + table["momentum_change"]) * (1 - table["reduction"]) - 1
    return table


def walk(steps: list[tuple[str, str, float]], target: float) -> pd.DataFrame:
    """Waterfall steps (name, kind, change) as floating bars: each step starts where the last ended;
    the base and target bars stand on zero, the target at its own total."""
    frame = pd.DataFrame(steps, columns=["step", "kind", "change"])
    running = frame["change"].where(frame["kind"] != "target", 0.0).cumsum()
    frame["end"] = np.where(frame["kind"] == "target", target, running)
    frame["start"] = np.where(frame["kind"].isin(["base", "target"]), 0.0, running - frame["change"])
    frame["order"] = np.arange(len(frame))
    return frame


def waterfall(projection: pd.DataFrame, schemes: pd.DataFrame, pod: str, base_year: int, horizon_year: int,
              locality: str = "all") -> pd.DataFrame:
    """The change from base to target for one point of delivery, step by step.

    Steps: the base-year activity, momentum growth (split into demographic growth, the people by
    age, and non-demographic growth where the pack has population.csv), then each scheme's avoided activity (where a
    targets.csv figure overrides the schemes, the avoided activity is shared between the pod's
    schemes in proportion to their reductions, or shown as one "Local target" step when the pod
    has no schemes), ending at the horizon-year target. Like the "step counts" of the Strategy
    Unit's NHP model: each step is how much of the change that factor caused.
    """
    cells = projection[projection["pod"] == pod]
    if locality != "all":
        cells = cells[cells["locality_id"] == locality]
    base, momentum = cells["base"].sum(), cells["momentum"].sum()
    target, avoided = cells["target"].sum(), cells["avoided"].sum()
    pod_schemes = schemes[schemes["pod"] == pod]
    total_reduction = pod_schemes["reduction"].sum()
    steps = [(f"{format_fy(base_year)} base", "base", base)]
    people = cells["demographic"] if "demographic" in cells else pd.Series(dtype=float)
    if len(people) and people.notna().all():
        demographic = people.sum()
        steps += [("Demographic growth", "growth", demographic),
                  ("Non-demographic growth", "growth", momentum - base - demographic)]
    else:
        steps.append(("Momentum growth", "growth", momentum - base))
    if len(pod_schemes) and total_reduction > 0:
        shares = pod_schemes["reduction"].to_numpy(dtype=float) / total_reduction
        steps += [(name, "scheme", -avoided * share) for name, share in zip(pod_schemes["scheme"], shares)]
    elif abs(avoided) > 0:
        steps.append(("Local target", "scheme", -avoided))
    steps.append((f"{format_fy(horizon_year)} target", "target", target))
    return walk(steps, target)
