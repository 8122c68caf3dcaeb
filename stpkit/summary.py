"""The footprint (or one locality) in a few figures: `stpkit summary`.

`summarise` returns plain Python values (full floating-point precision, nothing rounded) that the
command line prints as JSON or, through `summary_text`, in words.
"""

from __future__ import annotations

from . import activity, investment, needs
from .schema import POD_LABELS
from .years import format_fy


def summarise(pack, locality: str = "all", projection=None) -> dict:
    """The summary of the footprint (locality "all") or of one locality_id."""
    localities = pack.localities
    projection = activity.project(pack) if projection is None else projection
    cells = projection
    place = {"locality": "all", "locality_name": pack.name, "group": None}
    if locality != "all":
        localities = localities[localities["locality_id"] == locality]
        if not len(localities):
            raise KeyError(f"no locality {locality!r} in the pack")
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
                         "avoided": float(r.avoided), "gross_savings": float(r.gross_savings_gbp)}
            for r in pods.itertuples()
        },
        "gross_savings": float(pods["gross_savings_gbp"].sum()),
    }
    if pack.has("investments.csv") and len(pack.investments):
        kinds = pack.investments.groupby("kind")["amount"].sum()
        appraisal = investment.appraise(investment.inputs(pack, projection))
        result["investment"] = {
            "scope": "footprint",
            "revenue": float(kinds.get("revenue", 0.0)),
            "capital": float(kinds.get("capital", 0.0)),
            "npv": float(appraisal["npv_gbp"]),
            "payback_year": appraisal["payback_year"],
            "discount_rate": pack.discount_rate,
        }
    return result


def _gbp(value: float) -> str:
    return f"GBP {value / 1e6:,.1f}m" if abs(value) >= 1e5 else f"GBP {value:,.0f}"


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
        lines.append(f"  {POD_LABELS.get(pod, pod)}: base {a['base']:,.0f}, momentum {a['momentum']:,.0f}, "
                     f"target {a['target']:,.0f} ({change:+.1%} on base), avoided {a['avoided']:,.0f}, "
                     f"gross savings {_gbp(a['gross_savings'])}")
    lines.append(f"Gross savings in {summary['horizon_year']}: {_gbp(summary['gross_savings'])}")
    inv = summary.get("investment")
    if inv:
        lines += ["", f"Investment ({inv['scope']}): revenue {_gbp(inv['revenue'])}, capital {_gbp(inv['capital'])}; "
                      f"NPV at {inv['discount_rate']:.1%} {_gbp(inv['npv'])}; payback {inv['payback_year']}"]
    return "\n".join(lines)
