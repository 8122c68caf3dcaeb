"""Budgets weighted by need: weighted populations, fair shares, distance from target, case-mix adjusted use.

The way the NHS allocates money, in the open:

- weighted population = sum over age bands of people x cost weight of the band (cost_weights.csv, or
  stpkit's illustrative weights; no proprietary grouper's weights), times an additional-need index:
  a practice's need_index, else 1 + need_weight x (imd_score - footprint average) / footprint average
  (pack.toml [budgets] need_weight), else 1;
- fair share = the budget x the locality's share of the weighted population, in whole pence that add
  up to the budget exactly (largest remainder);
- distance from target = spend - fair share (GBP, and % of the fair share): above 0 is over target;
- case-mix adjusted use (indirect standardisation): expected = sum over bands of people x the
  footprint's rate for the band; the ratio observed / expected with Byar's 95% confidence interval,
  read against funnel limits at 95% and 99.8% so that a small practice is not singled out for noise.

Spend is spend.csv where the pack gives it, else each locality's base-year hospital activity at unit
cost (activity.csv x unit cost), said so wherever it is shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import population
from .schema import POINTS_OF_DELIVERY

# Illustrative cost weights by five-year band (0-4 ... 85+): the relative cost of a person against an
# average person, shaped like published age-cost curves of NHS spending (high in infancy, lowest in
# childhood and young adulthood, rising steeply after 65). Not the ACG System's or any grouper's weights.
COST_WEIGHTS_SOURCE = ("illustrative: stpkit's default cost weights by age band, shaped like published age-cost "
                       "curves of NHS spending; not any grouper's weights")
COST_WEIGHTS = (1.0, 0.45, 0.45, 0.55, 0.6, 0.65, 0.7, 0.7, 0.75, 0.8, 0.9, 1.05, 1.25, 1.5, 1.85, 2.3, 2.8, 3.4)
SPEND_GIVEN = "the pack's spend figures"
SPEND_ACTIVITY = "hospital activity at unit cost"
PER_PERSON_GBP = 1000.0  # the illustrative budget a person when neither pack.toml nor spend.csv gives one
Z95 = 1.959963984540054
Z998 = 3.090232306167813


def cost_weights(pack) -> pd.Series:
    """The cost weight of each of the pack's age bands (cost_weights.csv, else the illustrative weights)."""
    table = pack.table("cost_weights.csv")
    if not len(table):
        table = pd.DataFrame({"age_band": population.FIVE_YEAR_BANDS, "cost_weight": COST_WEIGHTS})
    bands = population.bands(pack)
    values = population.lookup_by_band(bands, table, "cost_weight")
    return pd.Series(np.nan_to_num(values, nan=1.0), index=bands["age_band"], name="cost_weight")


def need_index(pack) -> pd.Series:
    """Each locality's additional-need index (1 = the footprint average) from its deprivation score."""
    loc = pack.localities
    imd = loc["imd_score"].to_numpy(dtype=float)
    people = loc["population"].to_numpy(dtype=float)
    weight = float((pack.settings.get("budgets") or {}).get("need_weight", 0.3) or 0.0)
    given = ~np.isnan(imd)
    index = np.ones(len(loc))
    if given.any():
        average = np.average(imd[given], weights=people[given])
        if average > 0:
            index = np.where(given, 1.0 + weight * (imd - average) / average, 1.0)
    return pd.Series(np.maximum(index, 0.0), index=loc["locality_id"], name="need_index")


def people_by_band(pack) -> pd.DataFrame:
    """Base-year people by locality (rows) and age band (columns); without population.csv one column,
    "all ages", of localities.csv's population (no age mix is known)."""
    table = population.people(pack)
    if table is not None:
        return table
    loc = pack.localities
    return pd.DataFrame({"all ages": loc["population"].to_numpy(dtype=float)}, index=loc["locality_id"])


def weighted_population(pack) -> pd.DataFrame:
    """People, age-weighted people and need-weighted population of each locality.

    Columns: locality_id, locality, people, age_weighted, need_index, weighted_population,
    weighted_share. Without population.csv the age weight is 1 (no age mix is known).
    """
    loc = pack.localities
    if population.has_population(pack):
        table = population.people(pack)
        people = table.sum(axis=1).to_numpy()
        aged = table.to_numpy() @ cost_weights(pack).reindex(table.columns).to_numpy()
    else:
        people = loc["population"].to_numpy(dtype=float)
        aged = people.copy()
    need = need_index(pack).to_numpy()
    weighted = aged * need
    return pd.DataFrame({"locality_id": loc["locality_id"].to_numpy(), "locality": loc["locality"].to_numpy(),
                         "people": people, "age_weighted": aged, "need_index": need,
                         "weighted_population": weighted, "weighted_share": weighted / weighted.sum()})


def largest_remainder(weights, total_gbp: float) -> np.ndarray:
    """`total_gbp` shared in proportion to `weights`, in whole pence adding up to the total exactly.

    Each share is first rounded down to the penny; the pennies left go one each to the largest
    remainders (ties to the earlier row). Returns whole pence as integers.
    """
    weights = np.asarray(weights, dtype=float)
    pence = int(round(float(total_gbp) * 100))
    if weights.sum() <= 0:
        raise ValueError("the weights add up to nothing: there is no share to give")
    exact = weights / weights.sum() * pence
    whole = np.floor(exact).astype(np.int64)
    left = pence - int(whole.sum())
    order = np.argsort(-(exact - whole), kind="stable")[:left]
    whole[order] += 1
    return whole


def largest_remainder_by_group(weights, groups, totals_gbp) -> np.ndarray:
    """`largest_remainder` within each group at once: row i shares its group's total (`totals_gbp`, one a row)."""
    weights = np.asarray(weights, dtype=float)
    codes, _ = pd.factorize(np.asarray(groups))
    pence = np.round(np.asarray(totals_gbp, dtype=float) * 100).astype(np.int64)
    sums = np.bincount(codes, weights=weights)
    exact = np.where(sums[codes] > 0, weights / np.where(sums[codes] > 0, sums[codes], 1.0), 0.0) * pence
    whole = np.floor(exact).astype(np.int64)
    first = np.zeros(codes.max() + 1 if len(codes) else 0, dtype=np.int64)
    first[codes] = pence  # each group's total (the same on every row of the group)
    left = first - np.bincount(codes, weights=whole, minlength=len(first)).astype(np.int64)
    order = np.lexsort((np.arange(len(weights)), -(exact - whole), codes))  # by group, largest remainder first
    start = np.searchsorted(codes[order], np.arange(len(first)))
    rank = np.empty(len(weights), dtype=np.int64)
    rank[order] = np.arange(len(weights)) - start[codes[order]]
    return whole + (rank < left[codes])


def fair_shares(weights, total_gbp: float) -> np.ndarray:
    """Fair shares in GBP (whole pence that add up to `total_gbp`)."""
    return largest_remainder(weights, total_gbp) / 100.0


def distance_from_target(spend_gbp, fair_share_gbp) -> tuple[np.ndarray, np.ndarray]:
    """Spend less fair share (GBP; above 0 is over target) and that as a fraction of the fair share."""
    spend, share = np.asarray(spend_gbp, dtype=float), np.asarray(fair_share_gbp, dtype=float)
    gbp = spend - share
    return gbp, np.where(share > 0, gbp / np.where(share > 0, share, 1.0), np.nan)


def byar_interval(observed, expected, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximate confidence interval for observed / expected (a count against its expectation).

    lower = O (1 - 1/(9 O) - z / (3 sqrt O))^3 / E (0 when O = 0);
    upper = (O + 1) (1 - 1/(9 (O + 1)) + z / (3 sqrt(O + 1)))^3 / E.
    """
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    safe = np.where(o > 0, o, 1.0)
    lower = np.where(o > 0, o * (1 - 1 / (9 * safe) - z / (3 * np.sqrt(safe))) ** 3, 0.0)
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    with np.errstate(divide="ignore", invalid="ignore"):
        return lower / e, upper / e


def funnel_limits(expected, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Control limits for the ratio observed / expected at an expected count (Byar, as public health tools
    draw funnel plots): the ratio a unit would reach by chance alone at this size, low and high."""
    e = np.asarray(expected, dtype=float)
    safe = np.where(e > 0, e, np.nan)
    low = safe * np.clip(1 - 1 / (9 * safe) - z / (3 * np.sqrt(safe)), 0, None) ** 3
    high = (safe + 1) * (1 - 1 / (9 * (safe + 1)) + z / (3 * np.sqrt(safe + 1))) ** 3
    return low / safe, high / safe


def standardised_ratios(observed, people_by_band: np.ndarray, band_rates: np.ndarray) -> pd.DataFrame:
    """Indirect standardisation: expected = people by band x rate by band; ratio = observed / expected.

    With its 95% CI (Byar) and where it sits against the funnel limits: "above 99.8%", "above 95%",
    "within", "below 95%", "below 99.8%".
    """
    observed = np.asarray(observed, dtype=float)
    expected = np.asarray(people_by_band, dtype=float) @ np.asarray(band_rates, dtype=float)
    ratio = np.where(expected > 0, observed / np.where(expected > 0, expected, 1.0), np.nan)
    lower, upper = byar_interval(observed, expected)
    low95, high95 = funnel_limits(expected, Z95)
    low998, high998 = funnel_limits(expected, Z998)
    where = np.select([ratio > high998, ratio > high95, ratio < low998, ratio < low95],
                      ["above 99.8%", "above 95%", "below 99.8%", "below 95%"], "within")
    return pd.DataFrame({"observed": observed, "expected": expected, "ratio": ratio, "ratio_low": lower,
                         "ratio_high": upper, "limit95_low": low95, "limit95_high": high95,
                         "limit998_low": low998, "limit998_high": high998, "funnel": where})


def footprint_rates(pack, pod: str) -> np.ndarray:
    """The footprint's base-year activity a person in each band for `pod`.

    Each locality's activity shared between bands (activity_by_age.csv, else age rates x people), added
    up over the footprint and divided by the footprint's people in the band; so expected activity adds
    up to observed. Without population.csv, one band: the footprint's crude rate.
    """
    table = people_by_band(pack)
    act = pack.activity[pack.activity["pod"] == pod]
    observed = act.groupby("locality_id")["activity"].sum().reindex(table.index).fillna(0.0).to_numpy()
    if population.has_population(pack):
        shares = population.activity_shares(pack)[:, list(POINTS_OF_DELIVERY).index(pod), :]
        by_band = (shares * observed[:, None]).sum(axis=0)  # each band's activity across the footprint
        people = table.sum(axis=0).to_numpy()
        return np.where(people > 0, by_band / np.where(people > 0, people, 1.0), 0.0)
    people = table.to_numpy().sum()
    return np.array([observed.sum() / people if people > 0 else 0.0])  # one band: the crude rate


def case_mix(pack, pod: str = "non_elective") -> pd.DataFrame:
    """Each locality's base-year activity against what its people by age would be expected to use.

    The footprint's own rate for each band (indirect standardisation), so the ratios centre on 1.
    """
    table = people_by_band(pack)
    act = pack.activity[pack.activity["pod"] == pod]
    observed = act.groupby("locality_id")["activity"].sum().reindex(table.index).fillna(0.0).to_numpy()
    frame = standardised_ratios(observed, table.to_numpy(), footprint_rates(pack, pod))
    frame.insert(0, "locality_id", table.index.to_numpy())
    frame.insert(1, "locality", pack.localities.set_index("locality_id")["locality"].reindex(table.index).to_numpy())
    frame.insert(2, "pod", pod)
    return frame


def practice_people(pack, practices: pd.DataFrame | None = None) -> pd.DataFrame:
    """People by age band on each practice's list (rows: practices, columns: bands).

    practice_population.csv where it gives a practice; else the list size shared by the locality's age mix.
    """
    practices = pack.table("practices.csv") if practices is None else practices
    table = people_by_band(pack)
    totals = table.sum(axis=1)
    mix = table.div(totals.where(totals > 0, 1.0), axis=0)
    people = mix.reindex(practices["locality_id"]).to_numpy() * practices["list_size"].to_numpy(dtype=float)[:, None]
    given = pack.table("practice_population.csv")
    if pack.has("practice_population.csv") and len(given):
        pi = pd.Index(practices["practice_code"]).get_indexer(given["practice_code"])
        bi = pd.Index(table.columns).get_indexer(given["age_band"])
        keep = (pi >= 0) & (bi >= 0)
        counts = np.zeros_like(people)
        np.add.at(counts, (pi[keep], bi[keep]), given["people"].to_numpy(dtype=float)[keep])
        known = np.zeros(len(practices), dtype=bool)
        known[pi[keep]] = True
        people = np.where(known[:, None], counts, people)
    return pd.DataFrame(people, index=practices["practice_code"].to_numpy(), columns=table.columns)


def practice_case_mix(pack, pod: str = "non_elective") -> pd.DataFrame:
    """Each practice's observed emergency admissions (practices.csv admissions) against the expected
    for its people by age band (`practice_people`). Empty without practices.csv admissions."""
    practices = pack.table("practices.csv")
    practices = practices[practices["admissions"].notna()] if len(practices) else practices
    if not len(practices):
        return pd.DataFrame(columns=["practice_code", "practice", "locality_id", "observed", "expected", "ratio"])
    people = practice_people(pack, practices).to_numpy()
    frame = standardised_ratios(practices["admissions"].to_numpy(dtype=float), people, footprint_rates(pack, pod))
    frame.insert(0, "practice_code", practices["practice_code"].to_numpy())
    frame.insert(1, "practice", practices["practice"].fillna(practices["practice_code"]).to_numpy())
    frame.insert(2, "locality_id", practices["locality_id"].to_numpy())
    return frame


def spend(pack) -> tuple[pd.Series, str]:
    """Base-year spend by locality, GBP, and what it is in words: spend.csv (its practices added up where
    the locality has no row of its own), else hospital activity at unit cost (activity.csv x unit cost)."""
    ids = pack.localities["locality_id"]
    if pack.has("spend.csv") and len(pack.table("spend.csv")):
        table = pack.table("spend.csv")
        own = table[table["practice_code"].isna()].groupby("locality_id")["spend_gbp"].sum()
        practices = table[table["practice_code"].notna()].groupby("locality_id")["spend_gbp"].sum()
        return own.combine_first(practices).reindex(ids).fillna(0.0).rename("spend_gbp"), SPEND_GIVEN
    from . import activity

    projection = activity.project(pack)
    cost = (projection["base"] * projection["unit_cost"]).groupby(projection["locality_id"]).sum()
    return cost.reindex(ids).fillna(0.0).rename("spend_gbp"), SPEND_ACTIVITY


def total_budget(pack) -> tuple[float, str]:
    """The budget to share (pack.toml [budgets] total_gbp, else the spend total, else GBP 1,000 a person)."""
    given = (pack.settings.get("budgets") or {}).get("total_gbp")
    if given is not None:
        return float(given), "the pack's budget"
    amounts, what = spend(pack)
    if amounts.sum() > 0:
        return round(float(amounts.sum()), 2), f"the base-year total of {what}"
    return float(pack.localities["population"].sum()) * PER_PERSON_GBP, "illustrative: GBP 1,000 a person"


def budgets(pack, total_gbp: float | None = None) -> pd.DataFrame:
    """Every locality's weighted population, fair share of the budget and distance from it.

    Columns: those of weighted_population, fair_share_gbp, spend_gbp, distance_gbp, distance_pct.
    """
    frame = weighted_population(pack)
    total = total_budget(pack)[0] if total_gbp is None else float(total_gbp)
    frame["fair_share_gbp"] = fair_shares(frame["weighted_population"], total)
    amounts, _ = spend(pack)
    frame["spend_gbp"] = amounts.to_numpy()
    frame["distance_gbp"], frame["distance_pct"] = distance_from_target(frame["spend_gbp"], frame["fair_share_gbp"])
    return frame


def practice_budgets(pack, total_gbp: float | None = None) -> pd.DataFrame:
    """Each practice's share of its locality's fair share, by its people by age band (`practice_people`)
    x cost weights x need index (the practice's own, else its locality's), with its spend where spend.csv
    gives it."""
    practices = pack.table("practices.csv")
    if not len(practices):
        return pd.DataFrame(columns=["practice_code", "locality_id", "weighted_population", "fair_share_gbp"])
    local = budgets(pack, total_gbp).set_index("locality_id")
    need = practices["need_index"].fillna(practices["locality_id"].map(local["need_index"]))
    if population.has_population(pack):
        aged = practice_people(pack, practices).to_numpy() @ cost_weights(pack).to_numpy()
    else:
        aged = practices["list_size"].to_numpy(dtype=float)
    weighted = aged * need.to_numpy(dtype=float)
    frame = pd.DataFrame({"practice_code": practices["practice_code"].to_numpy(),
                          "practice": practices["practice"].fillna(practices["practice_code"]).to_numpy(),
                          "locality_id": practices["locality_id"].to_numpy(),
                          "list_size": practices["list_size"].to_numpy(dtype=float),
                          "need_index": need.to_numpy(dtype=float), "weighted_population": weighted})
    shares = largest_remainder_by_group(frame["weighted_population"], frame["locality_id"],
                                        frame["locality_id"].map(local["fair_share_gbp"]))
    frame["fair_share_gbp"] = shares / 100.0
    spend_table = pack.table("spend.csv")
    given = spend_table[spend_table["practice_code"].notna()].set_index("practice_code")["spend_gbp"] \
        if len(spend_table) else pd.Series(dtype=float)
    frame["spend_gbp"] = frame["practice_code"].map(given).to_numpy(dtype=float)
    frame["distance_gbp"], frame["distance_pct"] = distance_from_target(frame["spend_gbp"], frame["fair_share_gbp"])
    return frame


def summary(pack, total_gbp: float | None = None) -> dict:
    """The footprint's figures for `stpkit summary --json`: by locality, full values."""
    frame = budgets(pack, total_gbp)
    total, why = total_budget(pack) if total_gbp is None else (float(total_gbp), "asked for")
    _, what = spend(pack)
    return {
        "total_gbp": total, "total_source": why, "spend_source": what,
        "weighted_population": float(frame["weighted_population"].sum()),
        "localities": {row.locality_id: {"weighted_population": float(row.weighted_population),
                                         "need_index": float(row.need_index),
                                         "fair_share_gbp": float(row.fair_share_gbp),
                                         "spend_gbp": float(row.spend_gbp),
                                         "distance_from_target_gbp": float(row.distance_gbp),
                                         "distance_from_target_pct": float(row.distance_pct)}
                       for row in frame.itertuples()},
    }
