"""Comparing scenarios: headline figures side by side, the difference by locality, and what caused it.

- ``headlines``: for each scenario (``stpkit.scenarios``; "pack" is the pack as it is) the activity
  avoided by point of delivery and the gross savings in the horizon year (the locality's own, or the
  footprint's), and the footprint's investment, NPV, payback year and workforce shortfall in the
  horizon year (investment and staff supply are planned for the footprint as a whole).
- ``by_locality``: each locality's activity avoided and gross savings under each scenario, and the
  difference from the first scenario.
- ``attribution``: the difference between two scenarios put down to each assumption that changed,
  like the step counts of the Strategy Unit's NHP model: each change is made alone, one at a time,
  on top of the first scenario, in the order of ``stpkit.scenarios.ASSUMPTIONS`` (growth, scheme
  reductions, delivery, investment, finance, care coordination, needs, workforce); what the changes
  do together beyond their separate effects is the interaction remainder, so the steps add up to
  the whole difference exactly. The NPV, the gross savings and the workforce shortfall are each
  attributed (a growth change moves the staff demand, ``stpkit.workforce``).
- ``ranges``: P10 to P90 of the gross savings and NPV for each scenario from the seeded Monte Carlo
  (``stpkit.uncertainty``), where the pack has 80% intervals, and the probability that each
  scenario does better than the first. The draws are paired: every scenario is run on the same
  random draws (the same seed and the same standard normal draw for each assumption), so the
  probability compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import activity, investment, scenarios, uncertainty, workforce
from .schema import POD_LABELS, POINTS_OF_DELIVERY

PACK_AS_IS = "pack"  # the pack as it is, in a list of scenarios to compare
ATTRIBUTED = ("npv_gbp", "gross_savings_gbp", "gap_fte")
MEASURE_LABELS = {
    "gross_savings_gbp": "Gross savings in the horizon year (£)",
    "investment_gbp": "Investment, pump priming and capital (£)",
    "npv_gbp": "NPV of cash released less investment (£)",
    "payback_year": "Payback year",
    "gap_fte": "Workforce shortfall in the horizon year (FTE)",
    **{f"avoided_{pod}": f"{POD_LABELS[pod]} avoided a year" for pod in POINTS_OF_DELIVERY},
}


@dataclass
class Chosen:
    """A scenario to compare: its name, its title and the pack with it applied."""

    name: str
    title: str
    scenario: scenarios.Scenario | None
    pack: object


def choose(pack, names) -> list[Chosen]:
    """The scenarios named (a list or "A,B"), each applied to the pack; "pack" is the pack as it is."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",")]
    names = [str(n).strip() for n in names if str(n).strip()]
    if len(names) < 2:
        raise ValueError("give at least two scenarios to compare, e.g. comprehensive,interim (\"pack\": the pack as "
                         "it is)")
    if len(set(names)) != len(names):
        raise ValueError(f"a scenario is named twice: {', '.join(names)}")
    out = []
    for name in names:
        if name == PACK_AS_IS and not (scenarios.folder(pack) / f"{PACK_AS_IS}.toml").exists():
            out.append(Chosen(name, "The pack as it is", None, pack))
        else:
            chosen = scenarios.read(pack, name)
            out.append(Chosen(name, chosen.label, chosen, scenarios.apply(pack, chosen)))
    return out


def _workforce_tables(pack, cache: dict | None, projection: pd.DataFrame) -> dict:
    """The workforce model for a pack, shared between scenarios that do not change what it rests on (the
    pack's staff, roles, localities and investments, care coordination, the GP share released and the
    change in activity the staff deliver)."""
    share = scenarios.pack_values(pack)["workforce"]["gp_released_share"]
    if cache is None:
        return workforce.workforce_for(pack, released_share=share, projection=projection)
    moved = workforce.activity_change(pack, projection)
    key = (tuple(id(pack.tables.get(f)) for f in ("workforce.csv", "roles.csv", "localities.csv", "investments.csv",
                                              "staff_activity.csv")),
           tuple(sorted((pack.settings.get("care_coordination") or {}).items())), share, pack.base_year,
           pack.horizon_year, tuple(sorted((k, round(v, 12)) for k, v in moved.items())))
    if key not in cache:
        cache[key] = workforce.workforce_for(pack, released_share=share, projection=projection)
    return cache[key]


def figures(pack, locality: str = "all", cache: dict | None = None, remember: bool = True) -> dict:
    """One scenario's headline figures (pack: a pack with the scenario applied); keys carry their units.

    ``cache``: a dict kept for one comparison, so that its scenarios share the parts they have in common;
    ``remember``: keep this pack's figures in it (only for packs that live as long as the cache)."""
    if cache is not None and remember and (id(pack), locality) in cache:
        return cache[(id(pack), locality)]
    footprint = cache.get(("footprint", id(pack))) if cache is not None and remember else None
    if footprint is None:  # the footprint's model, the same for every locality's figures
        projection = activity.project(pack)
        tables = _workforce_tables(pack, cache, projection)
        row = investment.appraise(investment.inputs(pack, projection, workforce_tables=tables))
        footprint = (projection, tables, row)
        if cache is not None and remember:
            cache[("footprint", id(pack))] = footprint
    projection, tables, row = footprint
    cells = projection if locality == "all" else projection[projection["locality_id"] == locality]
    avoided = cells.groupby("pod")["avoided"].sum()
    gap = tables["gap"]
    horizon = gap[gap["year"] == pack.horizon_year]
    present = set(projection["pod"])
    out = {f"avoided_{pod}": float(avoided.get(pod, 0.0)) for pod in POINTS_OF_DELIVERY if pod in present}
    out.update(gross_savings_gbp=float(cells["gross_savings_gbp"].sum()), investment_gbp=float(row["investment_gbp"]),
               npv_gbp=float(row["npv_gbp"]), payback_year=str(row["payback_year"]),
               gap_fte=float(horizon["shortfall_fte"].sum()))
    if cache is not None and remember:
        cache[(id(pack), locality)] = out
    return out


def headlines(chosen: list[Chosen], locality: str = "all", cache: dict | None = None) -> pd.DataFrame:
    """One row per measure: measure, label, whose ("locality" or "footprint"), then one column per scenario."""
    values = {c.name: figures(c.pack, locality, cache) for c in chosen}
    measures = list(values[chosen[0].name])
    frame = pd.DataFrame({"measure": measures, "label": [MEASURE_LABELS[m] for m in measures],
                          "whose": ["locality" if locality != "all" and (m.startswith("avoided_") or
                                                                         m == "gross_savings_gbp") else "footprint"
                                    for m in measures]})
    for c in chosen:
        frame[c.name] = [values[c.name][m] for m in measures]
    return frame


def by_locality(chosen: list[Chosen]) -> pd.DataFrame:
    """Each locality's avoided activity (all points of delivery) and gross savings under each scenario,
    and each later scenario's difference from the first (``<name>_minus_<first>``)."""
    first = chosen[0]
    frame = None
    for c in chosen:
        sums = activity.project(c.pack).groupby(["locality_id", "locality"], sort=False)[
            ["avoided", "gross_savings_gbp"]].sum()
        sums.columns = [f"avoided_{c.name}", f"gross_savings_gbp_{c.name}"]
        frame = sums if frame is None else frame.join(sums)
    for c in chosen[1:]:
        for measure in ("avoided", "gross_savings_gbp"):
            frame[f"{measure}_{c.name}_minus_{first.name}"] = frame[f"{measure}_{c.name}"] - frame[f"{measure}_{first.name}"]
    return frame.reset_index()


def _as_scenario(name: str, flat: dict) -> scenarios.Scenario:
    values: dict[str, dict] = {}
    for (section, key, pod), value in flat.items():
        if pod is None:
            values.setdefault(section, {})[key] = value
        else:
            values.setdefault(section, {}).setdefault(key, {})[pod] = value
    return scenarios.Scenario(name=name, values=values)


def _numbers(pack, locality: str, cache: dict | None = None, remember: bool = True) -> dict:
    row = figures(pack, locality, cache, remember)
    return {m: row[m] for m in ATTRIBUTED}


def attribution(pack, a: Chosen, b: Chosen, locality: str = "all", cache: dict | None = None) -> pd.DataFrame:
    """The difference from scenario a to b, step by step: one row per changed assumption, then the
    interaction remainder and the total. Columns: order, step, section, key, npv_gbp, gross_savings_gbp,
    gap_fte (the footprint's workforce shortfall in the horizon year).

    Each step is the change in the figure when that assumption alone takes b's value on top of a;
    the remainder is the total difference less the sum of the steps, so the steps add up to it.
    """
    base = scenarios.resolved(pack, a.scenario)
    other = scenarios.resolved(pack, b.scenario)
    changed = [k for k in other if not scenarios._same(base.get(k), other[k])]
    groups = list(dict.fromkeys((s, k) for s, k, _ in changed))
    start, end = _numbers(a.pack, locality, cache), _numbers(b.pack, locality, cache)
    rows = []
    for order, (section, key) in enumerate(groups, start=1):
        flat = dict(base)
        flat.update({k: other[k] for k in changed if k[:2] == (section, key)})
        if cache is None:
            moved = _numbers(scenarios.apply(pack, _as_scenario("step", flat)), locality, cache, remember=False)
        else:  # the step's pack is kept with the cache, so its figures are worked out once for every locality
            step = ("step", a.name, b.name, section, key)
            if step not in cache:
                cache[step] = scenarios.apply(pack, _as_scenario("step", flat))
            moved = _numbers(cache[step], locality, cache)
        pods = [p for s, k, p in changed if (s, k) == (section, key) and p]
        label = scenarios.label(section, key, pods[0] if len(pods) == 1 else None)
        rows.append({"order": order, "step": label, "section": section, "key": key,
                     **{m: moved[m] - start[m] for m in ATTRIBUTED}})
    steps = pd.DataFrame(rows, columns=["order", "step", "section", "key", *ATTRIBUTED])
    total = {m: end[m] - start[m] for m in ATTRIBUTED}
    remainder = {m: total[m] - float(steps[m].sum()) for m in ATTRIBUTED}
    tail = pd.DataFrame([
        {"order": len(rows) + 1, "step": "Interaction of the changes", "section": "", "key": "", **remainder},
        {"order": len(rows) + 2, "step": f"Total: {b.title} less {a.title}", "section": "", "key": "", **total},
    ])
    return pd.concat([steps, tail], ignore_index=True) if len(steps) else tail


def ranges(chosen: list[Chosen], draws: int | None = None, seed: int | None = None,
           locality: str = "all") -> pd.DataFrame | None:
    """P10, P50 and P90 of gross savings and NPV for each scenario from paired draws, and the probability
    each does better than the first (``p_better_than_first``). None when the pack has no intervals.

    Gross savings are the locality's own for a locality; NPV is the footprint's.
    """
    if not uncertainty.has_intervals(chosen[0].pack):
        return None
    return _ranges_from(chosen, _every_range(chosen, draws, seed), locality)


def _ranges_from(chosen: list[Chosen], every: dict, locality: str) -> pd.DataFrame:
    """The ranges table for the footprint or one locality, from ``_every_range``."""
    rows = []
    for c in chosen:
        for measure in ("gross_savings_gbp", "npv_gbp"):
            if measure == "gross_savings_gbp" and locality != "all":
                where = np.flatnonzero(every["localities"] == str(locality))
                columns = every[(c.name, "gross_savings_gbp_by_locality")]
                # no such locality: a sum over no columns, zeros (locality ids are unique in a valid pack)
                p10, p50, p90, better = ((float(part[where[0]]) for part in columns) if len(where) == 1
                                         else (0.0, 0.0, 0.0, 0.0))
            else:
                p10, p50, p90, better = every[(c.name, measure)]
            rows.append({"scenario": c.name, "measure": measure, "p10": p10, "p50": p50, "p90": p90,
                         "p_better_than_first": better if c is not chosen[0] else float("nan"),
                         "draws": every[(c.name, "draws")]})
    return pd.DataFrame(rows)


def _every_range(chosen: list[Chosen], draws: int | None, seed: int | None) -> dict:
    """Each scenario's P10, P50, P90 and chance of beating the first, for the footprint and for every
    locality at once (one simulation a scenario; the draws are paired, each locality its own column)."""
    out: dict = {}
    first = None
    for c in chosen:
        sim = uncertainty.simulate(c.pack, draws, seed)
        by_locality = sim.arrays["savings_by_locality"]
        measures = {"gross_savings_gbp": by_locality.sum(axis=1), "npv_gbp": sim.arrays["npv"]}
        if first is None:
            first = {**measures, "by_locality": by_locality}
            out["localities"] = sim.localities["locality_id"].astype(str).to_numpy()
        for measure, values in measures.items():
            p10, p50, p90 = np.percentile(values, [10, 50, 90])
            out[(c.name, measure)] = (p10, p50, p90, float(np.mean(values > first[measure])))
        each = np.percentile(by_locality, [10, 50, 90], axis=0)
        better = np.mean(by_locality > first["by_locality"], axis=0)
        out[(c.name, "gross_savings_gbp_by_locality")] = (each[0], each[1], each[2], better)
        out[(c.name, "draws")] = sim.draws
    return out


def compare(pack, names, locality: str = "all", draws: int | None = None, seed: int | None = None,
            uncertain: bool = True, cache: dict | None = None) -> dict:
    """Everything ``stpkit compare`` and the comparison page show, keyed by name.

    scenarios (name, title, description), headlines, by_locality, attribution (each scenario against
    the first, one table with a ``to`` column), ranges (None without intervals or with
    ``uncertain=False``) and differences (each scenario's values that differ from the pack).

    ``cache``: a dict kept between comparisons of the same pack (another locality's, say): the
    footprint's parts (each scenario's model, the steps of the attribution, the simulations' ranges
    for every locality) are then worked out once. A cache last used for another pack starts again.
    """
    cache = {} if cache is None else cache  # figures and workforce tables shared (chosen keeps the packs alive)
    if cache.get("pack") is not pack:
        cache.clear()
        cache["pack"] = pack
    names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    if ("chosen", tuple(names)) not in cache:
        cache[("chosen", tuple(names))] = choose(pack, names)
    chosen = cache[("chosen", tuple(names))]
    parts = []
    for other in chosen[1:]:
        part = attribution(pack, chosen[0], other, locality, cache)
        part.insert(0, "to", other.name)
        part.insert(0, "from", chosen[0].name)
        parts.append(part)
    differences = []
    for c in chosen:
        table = scenarios.differences(pack, c.scenario)
        table.insert(0, "scenario", c.name)
        differences.append(table)
    return {
        "scenarios": pd.DataFrame({"name": [c.name for c in chosen], "title": [c.title for c in chosen],
                                   "description": [c.scenario.description if c.scenario else "" for c in chosen]}),
        "headlines": headlines(chosen, locality, cache),
        "by_locality": _kept(cache, ("by_locality", tuple(names)), lambda: by_locality(chosen)),
        "attribution": pd.concat(parts, ignore_index=True),
        "ranges": _ranges_kept(chosen, draws, seed, locality, cache, tuple(names)) if uncertain else None,
        "differences": pd.concat(differences, ignore_index=True),
        "locality": locality,
    }


def _kept(cache: dict, key, make):
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _ranges_kept(chosen, draws, seed, locality, cache: dict, names: tuple):
    if not uncertainty.has_intervals(chosen[0].pack):
        return None
    every = _kept(cache, ("ranges", names, draws, seed), lambda: _every_range(chosen, draws, seed))
    return _ranges_from(chosen, every, locality)
