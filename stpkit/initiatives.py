"""Initiative finance: gross savings, investment, acute stranded cost and net savings.

Seed 003 publishes, for each locality-based initiative, the gross savings it releases, the
investment it needs and the acute "stranded cost" (hospital cost that does not go away when the
activity does), and the net savings left: net = gross - investment - stranded cost.

Published tables are rounded and sometimes do not add up. ``reconcile`` recomputes every net figure
and every total and lists each gap next to the published figure instead of hiding it; a gap is
flagged when it is bigger than the rounding could explain (half a rounding unit, GBP 0.05m by
default, for each published figure in the sum). In seed 003, Specialist pathway redesign's 65.4 -
21.6 - 20.5 is 23.3, not the 23.8 published; the stranded costs add up to 34.2, not 34.5; and the
published totals give 111.7 - 46.9 - 34.5 = 30.3, not 31.1.

A row named "Total" (any case) in initiatives.csv is read as the published totals and checked
against the other rows, never added to them; published totals can also be passed to ``reconcile``.

Seed 003 also publishes net system savings for its five initiatives (complex care, specialty pathway
redesign, Common Offer in-hospital, system-wide transformation, urgent care): GBP 53.3m in all.
initiatives.csv carries them in ``net_system_savings``; ``system_savings`` lists and adds them up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COMPONENTS = {"gross_savings": "gross savings", "investment": "investment", "stranded_cost": "acute stranded cost",
              "net_savings": "net savings"}
TOTAL_CHECKS = {**COMPONENTS, "net_system_savings": "net system savings"}
DEFAULT_ROUNDING_GBP = 100_000.0  # seed 003 publishes GBP m to one decimal place


def _is_total(names: pd.Series) -> np.ndarray:
    return names.astype(str).str.strip().str.lower().str.match(r"^total\b").to_numpy(dtype=bool)


def _numbers(initiatives: pd.DataFrame, column: str) -> np.ndarray:
    if column not in initiatives.columns:
        return np.full(len(initiatives), np.nan)
    return pd.to_numeric(initiatives[column], errors="coerce").to_numpy(dtype=float)


def finance(initiatives: pd.DataFrame) -> pd.DataFrame:
    """The initiative finance table with the net recomputed, and a computed total row.

    Columns: initiative, gross_savings_gbp, investment_gbp, stranded_cost_gbp, net_computed_gbp
    (gross - investment - stranded, missing parts counted as 0 only when gross is given),
    net_published_gbp (as in the file), net_gbp (published where given, else computed) and
    is_total. The last row, "Total", adds up the initiatives (a published total row is left out
    here: see ``reconcile``). Rows with none of the four figures (such as initiatives that only
    carry a net system saving) are left out.
    """
    rows = initiatives.loc[~_is_total(initiatives["initiative"])] if len(initiatives) else initiatives
    figures = np.column_stack([_numbers(rows, c) for c in COMPONENTS]) if len(rows) else np.zeros((0, 4))
    rows = rows.loc[~np.isnan(figures).all(axis=1)]  # rows with only a net system saving are not in this table
    gross, invest = _numbers(rows, "gross_savings"), _numbers(rows, "investment")
    stranded, published = _numbers(rows, "stranded_cost"), _numbers(rows, "net_savings")
    computed = np.where(np.isnan(gross), np.nan, gross - np.nan_to_num(invest) - np.nan_to_num(stranded))
    table = pd.DataFrame({
        "initiative": rows["initiative"].astype(str).to_numpy(),
        "gross_savings_gbp": gross,
        "investment_gbp": invest,
        "stranded_cost_gbp": stranded,
        "net_computed_gbp": computed,
        "net_published_gbp": published,
        "net_gbp": np.where(np.isnan(published), computed, published),
        "is_total": False,
    })
    sums = table.drop(columns=["initiative", "is_total"]).sum(min_count=1)
    total = pd.DataFrame([{"initiative": "Total", **sums.to_dict(), "is_total": True}])
    return pd.concat([table, total], ignore_index=True)


def reconcile(initiatives: pd.DataFrame, rounding_gbp: float = DEFAULT_ROUNDING_GBP,
              totals: dict[str, float] | None = None) -> pd.DataFrame:
    """Every published net and total checked against what its parts add up to.

    ``totals``: published totals, GBP, keyed by column (gross_savings, investment, stranded_cost,
    net_savings, net_system_savings), checked in place of any "Total" row of the file.

    One row per check: initiative, figure ("net savings", "gross savings", ...), check (how the
    computed figure is made), published_gbp, computed_gbp, gap_gbp (published - computed),
    tolerance_gbp (half a rounding unit per published figure involved), flagged (the gap is bigger
    than rounding explains) and note (the sum written out, for a report).
    """
    if totals:
        extra = {"initiative": "Total", **{c: np.nan for c in TOTAL_CHECKS}, **totals}
        kept = initiatives.loc[~_is_total(initiatives["initiative"])] if len(initiatives) else initiatives
        initiatives = pd.concat([kept, pd.DataFrame([extra])], ignore_index=True)
    gross, invest = _numbers(initiatives, "gross_savings"), _numbers(initiatives, "investment")
    stranded, published = _numbers(initiatives, "stranded_cost"), _numbers(initiatives, "net_savings")
    names = initiatives["initiative"].astype(str).to_numpy()
    total = _is_total(initiatives["initiative"]) if len(initiatives) else np.zeros(0, dtype=bool)
    half = rounding_gbp / 2.0

    # 1. each row's net: published against gross - investment - stranded cost
    has_net = ~np.isnan(published) & ~np.isnan(gross) & ~np.isnan(invest) & ~np.isnan(stranded)
    computed = gross - invest - stranded
    net_checks = pd.DataFrame({
        "initiative": names[has_net],
        "figure": COMPONENTS["net_savings"],
        "check": "gross - investment - stranded cost",
        "published_gbp": published[has_net],
        "computed_gbp": computed[has_net],
        "tolerance_gbp": 4 * half,
        "note": [f"{g / 1e6:.1f} - {i / 1e6:.1f} - {s / 1e6:.1f} = {c / 1e6:.1f}m; published {p / 1e6:.1f}m"
                 for g, i, s, c, p in zip(gross[has_net], invest[has_net], stranded[has_net], computed[has_net],
                                          published[has_net])],
    })

    # 2. each published total against the sum of the initiatives' published figures
    parts = ~total
    checks = [net_checks]
    if total.any():
        values = {"gross_savings": gross, "investment": invest, "stranded_cost": stranded, "net_savings": published,
                  "net_system_savings": _numbers(initiatives, "net_system_savings")}
        rows = []
        for column, label in TOTAL_CHECKS.items():  # five figures: a loop over the table's columns
            given = values[column]
            for t in np.flatnonzero(total & ~np.isnan(given)):
                terms = given[parts & ~np.isnan(given)]
                rows.append({
                    "initiative": names[t],
                    "figure": label,
                    "check": f"sum of the initiatives' {label}",
                    "published_gbp": given[t],
                    "computed_gbp": terms.sum(),
                    "tolerance_gbp": (len(terms) + 1) * half,
                    "note": " + ".join(f"{v / 1e6:.1f}" for v in terms)
                            + f" = {terms.sum() / 1e6:.1f}m; published {given[t] / 1e6:.1f}m",
                })
        checks.append(pd.DataFrame(rows))
    out = pd.concat(checks, ignore_index=True) if len(checks) > 1 else net_checks
    out["gap_gbp"] = out["published_gbp"] - out["computed_gbp"]
    out["flagged"] = out["gap_gbp"].abs() > out["tolerance_gbp"] + 1e-6
    return out[["initiative", "figure", "check", "published_gbp", "computed_gbp", "gap_gbp", "tolerance_gbp",
                "flagged", "note"]]


def gaps(initiatives: pd.DataFrame, rounding_gbp: float = DEFAULT_ROUNDING_GBP,
         totals: dict[str, float] | None = None) -> list[str]:
    """The flagged reconciliation gaps as sentences for a report (empty when everything adds up)."""
    checks = reconcile(initiatives, rounding_gbp, totals)
    flagged = checks[checks["flagged"]]
    return [f"{row.initiative}, {row.figure}: {row.note} (gap {row.gap_gbp / 1e6:+.1f}m)"
            for row in flagged.itertuples()]


def net_savings_total(initiatives: pd.DataFrame, column: str = "net_savings") -> float:
    """The sum of the initiatives' net savings (published where given, else computed), totals left out.

    Seed 003's three locality initiatives: 4.9 + 2.4 + 23.8 = GBP 31.1m. ``column="net_system_savings"``
    adds up the five initiatives' net system savings instead: 7.4 + 23.8 + 7.5 + 9.6 + 5.0 = GBP 53.3m.
    """
    rows = initiatives.loc[~_is_total(initiatives["initiative"])] if len(initiatives) else initiatives
    published = _numbers(rows, column)
    if column == "net_savings":
        computed = _numbers(rows, "gross_savings") - np.nan_to_num(_numbers(rows, "investment")) \
            - np.nan_to_num(_numbers(rows, "stranded_cost"))
        published = np.where(np.isnan(published), computed, published)
    return float(np.nansum(published))


def system_savings(initiatives: pd.DataFrame) -> pd.DataFrame:
    """Published net system savings by initiative, with a total row.

    Columns: initiative, net_system_savings_gbp, is_total; only initiatives with a figure. Seed 003:
    7.4 + 23.8 + 7.5 + 9.6 + 5.0 = GBP 53.3m.
    """
    values = _numbers(initiatives, "net_system_savings")
    keep = ~np.isnan(values) & ~(_is_total(initiatives["initiative"]) if len(initiatives) else np.zeros(0, bool))
    table = pd.DataFrame({"initiative": initiatives["initiative"].astype(str).to_numpy()[keep],
                          "net_system_savings_gbp": values[keep], "is_total": False})
    total = pd.DataFrame([{"initiative": "Total", "net_system_savings_gbp": values[keep].sum(), "is_total": True}])
    return pd.concat([table, total], ignore_index=True)


def initiative_shares(initiatives: pd.DataFrame | None) -> pd.DataFrame:
    """Each initiative's acute stranded cost and investment as shares of its gross savings.

    What ``stpkit.investment`` takes off the gross savings of the scheme of the same name: the
    stranded cost (hospital cost that does not go when the activity goes) and the reinvestment in the
    services that replace the activity (seed 003's "Invest" line). Seed 003: Frailty and EoL
    6.9 / 26.3 = 26.2% stranded and 14.5 / 26.3 = 55.1% reinvested. Only initiatives with a gross
    saving above 0 (totals left out); a missing stranded cost or investment counts as 0.
    Columns: initiative, gross_savings_gbp, stranded_share, reinvestment_share.
    """
    columns = ["initiative", "gross_savings_gbp", "stranded_share", "reinvestment_share"]
    if initiatives is None or not len(initiatives):
        return pd.DataFrame({c: pd.Series(dtype=object if c == "initiative" else float) for c in columns})
    rows = initiatives.loc[~_is_total(initiatives["initiative"])]
    gross = _numbers(rows, "gross_savings")
    keep = gross > 0
    gross = gross[keep]
    return pd.DataFrame({
        "initiative": rows["initiative"].astype(str).to_numpy()[keep],
        "gross_savings_gbp": gross,
        "stranded_share": np.nan_to_num(_numbers(rows, "stranded_cost")[keep]) / gross,
        "reinvestment_share": np.nan_to_num(_numbers(rows, "investment")[keep]) / gross,
    })[columns]
