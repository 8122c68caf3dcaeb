"""The footprint (or one locality) in a few figures: `stpkit summary`.

`summarise` returns plain Python values (full floating-point precision, nothing rounded) that the
command line prints as JSON or, through `summary_text`, in words. Keys carry their units
(`gross_savings_gbp`, `npv_gbp`); activity figures are counts a year and `population` is people.

The keys of earlier releases without their unit (`gross_savings`, `npv`, `revenue`, `capital`) are
still given, with the same values, for this release only (`OLD_KEYS`); use the `_gbp` keys.
"""

from __future__ import annotations

from pathlib import Path

from . import activity, budgets, investment, needs
from .figures import money, percent
from .pack import find_locality
from .schema import POD_LABELS
from .years import format_fy

# new key -> the key earlier releases used for it; the old keys go in the next release
OLD_KEYS = {"gross_savings_gbp": "gross_savings", "npv_gbp": "npv", "revenue_gbp": "revenue",
            "capital_gbp": "capital"}


def summarise(pack, locality: str = "all", projection=None) -> dict:
    """The summary of the footprint (locality "all") or of one locality (its id, or a unique name)."""
    locality = find_locality(pack, locality)
    localities = pack.localities
    projection = activity.project(pack) if projection is None else projection
    cells = projection
    place = {"locality": "all", "locality_name": pack.name, "group": None}
    if locality != "all":
        localities = localities[localities["locality_id"] == locality]
        cells = projection[projection["locality_id"] == locality]
        row = localities.iloc[0]
        place = {"locality": locality, "locality_name": row["locality"], "group": row["group"]}
    pyramid = needs.footprint_pyramid(needs.risk_pyramid(localities, pack.risk_segments))
    pods = activity.by_pod(cells)
    result = {
        "footprint": pack.name,
        **place,
        "base_year": format_fy(pack.base_year),
        "horizon_year": format_fy(pack.horizon_year),
        "population": float(localities["population"].sum()),
        "segments": {str(s): float(p) for s, p in zip(pyramid["segment"], pyramid["people"])},
        "activity": {
            str(r.pod): {"base": float(r.base), "momentum": float(r.momentum), "target": float(r.target),
                         "avoided": float(r.avoided), "gross_savings_gbp": float(r.gross_savings_gbp)}
            for r in pods.itertuples()
        },
        "gross_savings_gbp": float(pods["gross_savings_gbp"].sum()),
    }
    data = investment.inputs(pack, projection)
    flows = investment.cash_flow(data)
    horizon = flows[flows["year"] == format_fy(pack.horizon_year)]
    if len(horizon):  # the footprint's money in the horizon year, from gross savings to cash released
        row = horizon.iloc[0]
        result["money"] = {"scope": "footprint", "year": format_fy(pack.horizon_year),
                           **{key: float(row[key]) for key in ("gross_savings_gbp", "stranded_cost_gbp",
                                                               "reinvestment_gbp", "running_cost_gbp",
                                                               "net_savings_gbp")}}
    if pack.has("investments.csv") and len(pack.investments):
        kinds = pack.investments.groupby("kind")["amount"].sum()
        appraisal = investment.appraise(data)
        result["investment"] = {
            "scope": "footprint",
            "revenue_gbp": float(kinds.get("revenue", 0.0)),
            "capital_gbp": float(kinds.get("capital", 0.0)),
            "npv_gbp": float(appraisal["npv_gbp"]),  # of cash released (net savings) less investment
            "first_year": appraisal["first_year"],
            "last_year": appraisal["last_year"],
            "payback_year": appraisal["payback_year"],
            "discount_rate": pack.discount_rate,
        }
    shares = budgets.summary(pack)  # need-weighted fair shares of the budget, for the locality or the footprint
    mine = shares["localities"] if locality == "all" else {locality: shares["localities"][locality]}
    result["budgets"] = {
        "scope": "footprint" if locality == "all" else "locality",
        "total_gbp": shares["total_gbp"], "total_source": shares["total_source"],
        "spend_source": shares["spend_source"],
        "weighted_population": sum(v["weighted_population"] for v in mine.values()),
        "fair_share_gbp": sum(v["fair_share_gbp"] for v in mine.values()),
        "spend_gbp": sum(v["spend_gbp"] for v in mine.values()),
    }
    result["budgets"]["distance_from_target_gbp"] = result["budgets"]["spend_gbp"] - result["budgets"]["fair_share_gbp"]
    share = result["budgets"]["fair_share_gbp"]
    result["budgets"]["distance_from_target_pct"] = (result["budgets"]["distance_from_target_gbp"] / share
                                                     if share else None)
    if locality == "all":
        result["budgets"]["localities"] = shares["localities"]
    if cells["demographic"].notna().all() and len(cells):  # people by age: how much of the growth they explain
        split = cells.groupby("pod")[["demographic"]].sum()["demographic"]
        for pod, figures in result["activity"].items():
            figures["demographic_growth"] = float(split.get(pod, 0.0))
            figures["non_demographic_growth"] = figures["momentum"] - figures["base"] - figures["demographic_growth"]
    result["notes"] = notes(pack, result)
    return with_old_keys(result)


def notes(pack, summary: dict) -> list[str]:
    """What a reader needs to know to read the figures: why savings are zero, what the pack lacks."""
    found = []
    if summary["gross_savings_gbp"] == 0 and not (pack.has("schemes.csv") or pack.has("targets.csv")):
        found.append("Savings are zero because the pack has no schemes.csv or targets.csv: the target is the "
                     "momentum projection and no activity is avoided. Add schemes.csv (the share of activity each "
                     "scheme avoids) or targets.csv (horizon-year activity targets); see docs/data-pack.md.")
    if "investment" not in summary:
        # a file with its header only is read as absent (its defaults apply), but the reader wrote it
        written = pack.has("investments.csv") or (Path(pack.path).is_dir() and (Path(pack.path) / "investments.csv").is_file())
        why = "the pack's investments.csv has no rows" if written else "the pack has no investments.csv"
        found.append(f"There is no investment, NPV or payback because {why}.")
    return found


def with_old_keys(value):
    """A copy of the summary with each `_gbp` key also under its old name (OLD_KEYS), for this release only."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out[key] = with_old_keys(item)
            if key in OLD_KEYS:
                out[OLD_KEYS[key]] = out[key]
        return out
    return value


def summary_text(summary: dict) -> str:
    """The summary in words, for a terminal."""
    where = summary["footprint"] if summary["locality"] == "all" else \
        f"{summary['locality_name']} ({summary['locality']}, {summary['group']}) in {summary['footprint']}"
    lines = [where, f"Population: {summary['population']:,.0f}",
             f"Plan: {summary['base_year']} base to {summary['horizon_year']} horizon", "", "Risk segments (people):"]
    lines += [f"  {name}: {people:,.0f}" for name, people in summary["segments"].items()]
    lines += ["", f"Activity a year, {summary['base_year']} to {summary['horizon_year']}:"]
    for pod, a in summary["activity"].items():
        change = (a["target"] / a["base"] - 1) if a["base"] else 0.0
        shown = percent(change, change=True, count=a["target"] - a["base"])
        lines.append(f"  {POD_LABELS.get(pod, pod)}: base {a['base']:,.0f}, momentum {a['momentum']:,.0f}, "
                     f"target {a['target']:,.0f} ({shown} on base), avoided {a['avoided']:,.0f}, "
                     f"gross savings {money(a['gross_savings_gbp'])}")
    lines.append(f"Gross savings in {summary['horizon_year']}: {money(summary['gross_savings_gbp'])} "
                 "(activity avoided times its cost)")
    cash = summary.get("money")
    if cash and summary["locality"] == "all":
        lines += ["", f"The footprint's money in {cash['year']}: gross savings {money(cash['gross_savings_gbp'])}, "
                      f"less stranded cost {money(cash['stranded_cost_gbp'])}, reinvestment in the new services "
                      f"{money(cash['reinvestment_gbp'])} and running costs beyond it {money(cash['running_cost_gbp'])}: "
                      f"cash released {money(cash['net_savings_gbp'])}"]
    inv = summary.get("investment")
    if inv:
        lines += ["", f"Investment ({inv['scope']}): revenue {money(inv['revenue_gbp'])}, "
                      f"capital {money(inv['capital_gbp'])}; NPV of cash released less investment, "
                      f"{inv['first_year']} (year 0) to {inv['last_year']} at {inv['discount_rate']:.1%}: "
                      f"{money(inv['npv_gbp'])}; payback {inv['payback_year']}"]
    fair = summary.get("budgets")
    if fair:
        distance = fair["distance_from_target_gbp"]
        lines += ["", f"Fair share of {money(fair['total_gbp'])} ({fair['total_source']}), by weighted population "
                      f"{fair['weighted_population']:,.0f}: {money(fair['fair_share_gbp'])}; spend "
                      f"{money(fair['spend_gbp'])} ({fair['spend_source']}), distance from target "
                      f"{money(distance)}" + (f" ({percent(fair['distance_from_target_pct'], change=True)})"
                                               if fair["distance_from_target_pct"] is not None else "")]
    if summary.get("notes"):
        lines += [""] + list(summary["notes"])
    return "\n".join(lines)
