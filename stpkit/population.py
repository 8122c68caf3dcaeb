"""People by age: the population by age band, and the growth in activity that follows it.

population.csv (optional) gives people by locality, age band (and sex) and year. Each age band's
base-year activity grows with its own people, so a locality that is ageing fast grows faster than
one growing with young families at the same headline rate:

- demographic factor = sum over bands of (the band's share of base-year activity) x (people in the
  horizon year / people in the base year);
- a band's share of activity comes from activity_by_age.csv where the pack gives it, else from
  age_rates.csv (or the illustrative rates below) times the locality's people in the band.

pack.toml ``[population] momentum``: "flat" (the default) keeps momentum at the flat growth rate of
activity.csv and pods.csv and splits it into demographic growth (the people) and non-demographic
growth (the rest: the same total); "demographic" makes momentum = base x demographic factor x
(1 + non_demographic_growth) ^ years. With no population.csv momentum is the flat rate, as always.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .schema import POINTS_OF_DELIVERY

_BAND = re.compile(r"^\s*(\d{1,3})\s*(?:-\s*(\d{1,3})|\+|\s*(?:and|or)\s+over)\s*$", re.IGNORECASE)

FIVE_YEAR_BANDS = tuple([f"{a}-{a + 4}" for a in range(0, 85, 5)] + ["85+"])
# Illustrative hospital use a year per 1,000 people by five-year band (0-4 ... 85+), shaped like
# England's published age profile of hospital use (high in infancy, lowest in childhood, rising
# steeply after 65). Only their shape matters: a locality's activity is shared between bands in
# proportion to rate x people, and its total stays that of activity.csv.
AGE_RATES_SOURCE = ("illustrative: stpkit's default rates by age band, shaped like England's age profile of "
                    "hospital use; not published figures")
AGE_RATES = {
    "ae": (520, 300, 230, 300, 380, 340, 310, 290, 270, 260, 260, 270, 280, 300, 350, 420, 540, 800),
    "elective_ip": (8, 6, 6, 8, 12, 15, 18, 20, 22, 25, 30, 38, 48, 58, 68, 72, 70, 60),
    "day_case": (20, 15, 18, 25, 40, 55, 70, 85, 100, 120, 150, 180, 220, 260, 300, 320, 300, 220),
    "non_elective": (150, 40, 30, 45, 60, 60, 60, 60, 60, 65, 70, 80, 95, 115, 150, 210, 300, 480),
    "outpatient": (900, 600, 600, 700, 900, 1100, 1200, 1250, 1300, 1450, 1650, 1900, 2200, 2600, 3000, 3300,
                   3400, 3100),
}


def default_age_rates() -> tuple[dict, ...]:
    """The illustrative rates as age_rates.csv rows (pod, age_band, rate_per_1000)."""
    return tuple({"pod": pod, "age_band": band, "rate_per_1000": float(rate)}
                 for pod, rates in AGE_RATES.items() for band, rate in zip(FIVE_YEAR_BANDS, rates))


def parse_band(text: str) -> tuple[float, float]:
    """'65-74' -> (65, 74); '85+' or '85 and over' -> (85, inf). Raises ValueError otherwise."""
    match = _BAND.match(str(text))
    if not match:
        raise ValueError(f'"{text}" is not an age band like 0-4, 65-74 or 85+')
    low = float(match.group(1))
    high = float(match.group(2)) if match.group(2) is not None else np.inf
    if high < low:
        raise ValueError(f'"{text}" is not an age band: its last age is below its first')
    return low, high


def band_table(labels) -> pd.DataFrame:
    """The distinct bands of `labels` with their first and last ages, youngest first."""
    labels = list(dict.fromkeys(str(b) for b in labels))
    ages = [parse_band(b) for b in labels]
    frame = pd.DataFrame({"age_band": labels, "low": [a[0] for a in ages], "high": [a[1] for a in ages]})
    return frame.sort_values(["low", "high"], kind="stable").reset_index(drop=True)


def band_problems(bands: pd.DataFrame) -> list[str]:
    """What is wrong with a set of bands (band_table): overlaps, gaps, a first band above 0, no open top."""
    out = []
    if not len(bands):
        return out
    low, high, name = bands["low"].to_numpy(), bands["high"].to_numpy(), bands["age_band"].to_numpy()
    if low[0] > 0:
        out.append(f"the bands leave out ages 0-{int(low[0]) - 1}: the youngest band, {name[0]}, starts at {int(low[0])}")
    for i in range(1, len(bands)):
        if low[i] <= high[i - 1]:
            last = min(high[i - 1], high[i])
            both = f"{int(low[i])}-{int(last)}" if np.isfinite(last) else f"{int(low[i])}+"
            out.append(f"the bands {name[i - 1]} and {name[i]} overlap (ages {both} are in both)")
        elif low[i] > high[i - 1] + 1:
            out.append(f"the bands {name[i - 1]} and {name[i]} leave out ages {int(high[i - 1]) + 1}-{int(low[i]) - 1}")
    top = np.max(high)
    if np.isfinite(top):
        out.append(f"the bands stop at age {int(top)}: the oldest band must be open, like {int(top) + 1}+")
    return out


def lookup_by_band(bands: pd.DataFrame, source: pd.DataFrame, value: str) -> np.ndarray:
    """For each band of `bands`, the average `value` of the `source` bands it overlaps (NaN if none).

    A pack's 65+ takes the average of the default rates of 65-69 ... 85+; a pack's 70-74 the 70-74 rate.
    """
    if not len(source):
        return np.full(len(bands), np.nan)
    given = source.drop_duplicates("age_band")
    src = band_table(given["age_band"])
    src[value] = pd.Series(given[value].to_numpy(dtype=float), index=given["age_band"].astype(str)).reindex(
        src["age_band"]).to_numpy()
    overlap = ((src["low"].to_numpy()[None, :] <= bands["high"].to_numpy()[:, None])
               & (src["high"].to_numpy()[None, :] >= bands["low"].to_numpy()[:, None])).astype(float)
    count = overlap.sum(axis=1)
    total = overlap @ np.nan_to_num(src[value].to_numpy(dtype=float))
    return np.where(count > 0, total / np.where(count > 0, count, 1.0), np.nan)


# ---------------------------------------------------------------------------------------------
# validation (called by stpkit.validate.check_pack)


def check_population(settings: dict, tables: dict, problems: list) -> None:
    """population.csv and activity_by_age.csv: bands, years and localities, one line each."""
    from .validate import Problem, _refs

    pop = tables["population.csv"]
    by_age = tables["activity_by_age.csv"]
    ids = {v for v in tables["localities.csv"].columns.get("locality_id", []) if v is not None}
    for name in ("population.csv", "activity_by_age.csv", "practices.csv", "spend.csv"):
        if tables[name].present and tables["localities.csv"].present:
            _refs(tables[name], "locality_id", ids, "localities.csv", problems)
    bands: set = set()
    if pop.present and pop.rows:
        first_row: dict[str, int] = {}
        for row, band in zip(pop.rows, pop.columns["age_band"]):
            if band is None or band in first_row:
                continue
            first_row[band] = row
            try:
                parse_band(band)
                bands.add(band)
            except ValueError as error:
                problems.append(Problem("population.csv", str(error), row=row, column="age_band"))
                pop.reported.add(row)
        if len(bands) == len(first_row):
            for message in band_problems(band_table(bands)):
                problems.append(Problem("population.csv", message, column="age_band"))
        both: dict = {}
        for row, locality, band, sex, year in zip(pop.rows, pop.columns["locality_id"], pop.columns["age_band"],
                                                  pop.columns.get("sex", [None] * len(pop.rows)), pop.columns["year"]):
            seen = both.setdefault((locality, band, year), [None, None])  # first row without sex, first with
            seen[0 if sex is None else 1] = seen[0 if sex is None else 1] or row
        mixed = next(((key, rows) for key, rows in both.items() if rows[0] and rows[1]), None)
        if mixed:
            (locality, band, year), rows = mixed
            problems.append(Problem("population.csv", f"{locality} {band} {year}/{(year + 1) % 100:02d} is given both "
                                    f"for both sexes together (row {rows[0]}) and by sex (row {rows[1]}); give one or "
                                    "the other, or the people are counted twice", row=max(rows), column="sex"))
        footprint = settings.get("footprint", {})
        base, horizon = footprint.get("base_year"), footprint.get("horizon_year")
        if base is not None and horizon is not None:
            told: set = set()
            years_of: dict[str, set] = {}
            for row, locality, year in zip(pop.rows, pop.columns["locality_id"], pop.columns["year"]):
                if year is None:
                    continue
                if not base <= year <= horizon and year not in told:
                    told.add(year)
                    problems.append(Problem("population.csv", f"{year}/{(year + 1) % 100:02d} is outside the plan, "
                                            f"{base}/{(base + 1) % 100:02d} to {horizon}/{(horizon + 1) % 100:02d} "
                                            "(pack.toml [footprint])", row=row, column="year"))
                years_of.setdefault(locality, set()).add(year)
            absent = [i for i in tables["localities.csv"].columns.get("locality_id", []) if i is not None
                      and i not in years_of]
            if absent:
                shown = ", ".join(absent[:5]) + (f" and {len(absent) - 5:,} more" if len(absent) > 5 else "")
                problems.append(Problem("population.csv", f"has no people for {shown}; give every locality of "
                                        "localities.csv, or leave the file out", column="locality_id"))
            for locality, years in years_of.items():
                lacking = [y for y in (base, horizon) if y not in years]
                if locality in ids and lacking:
                    words = " and ".join(f"{y}/{(y + 1) % 100:02d}" for y in lacking)
                    problems.append(Problem("population.csv", f"{locality} has no people for {words}; growth by age "
                                            "needs the base and horizon years", column="year"))
    if by_age.present and by_age.rows:
        if not pop.present:
            problems.append(Problem("activity_by_age.csv", "needs population.csv: activity by age is grown by the "
                                    "people in each band"))
        elif bands:
            told = set()
            for row, band in zip(by_age.rows, by_age.columns["age_band"]):
                if band is not None and band not in bands and band not in told:
                    told.add(band)
                    problems.append(Problem("activity_by_age.csv", f'"{band}" is not an age band of population.csv '
                                            f"({', '.join(band_table(bands)['age_band'])})", row=row,
                                            column="age_band"))
    for name, column in (("age_rates.csv", "age_band"), ("cost_weights.csv", "age_band")):
        table = tables[name]
        if table.present:
            told = set()
            for row, band in zip(table.rows, table.columns[column]):
                if band is None or band in told:
                    continue
                told.add(band)
                try:
                    parse_band(band)
                except ValueError as error:
                    problems.append(Problem(name, str(error), row=row, column=column))
    by_practice = tables["practice_population.csv"]
    if by_practice.present and by_practice.rows:
        if not pop.present:
            problems.append(Problem("practice_population.csv", "needs population.csv: the footprint's rates by age "
                                    "band come from it"))
        elif bands:
            told = set()
            for row, band in zip(by_practice.rows, by_practice.columns["age_band"]):
                if band is not None and band not in bands and band not in told:
                    told.add(band)
                    problems.append(Problem("practice_population.csv", f'"{band}" is not an age band of '
                                            f"population.csv ({', '.join(band_table(bands)['age_band'])})",
                                            row=row, column="age_band"))
        if tables["practices.csv"].present:
            codes = {v for v in tables["practices.csv"].columns.get("practice_code", []) if v is not None}
            _refs(by_practice, "practice_code", codes, "practices.csv", problems)
        else:
            problems.append(Problem("practice_population.csv", "needs practices.csv: it names practices"))
    practices, spend = tables["practices.csv"], tables["spend.csv"]
    if spend.present and practices.present:
        codes = {v for v in practices.columns.get("practice_code", []) if v is not None}
        _refs(spend, "practice_code", codes, "practices.csv", problems)
    elif spend.present and any(v is not None for v in spend.columns.get("practice_code", [])):
        problems.append(Problem("spend.csv", "names practices but the pack has no practices.csv",
                                column="practice_code"))


# ---------------------------------------------------------------------------------------------
# the model


def has_population(pack) -> bool:
    return pack.has("population.csv") and len(pack.table("population.csv")) > 0


_BANDS: dict = {}


def bands(pack) -> pd.DataFrame:
    """The pack's age bands, youngest first (population.csv's; the five-year bands without it)."""
    if has_population(pack):
        pop = pack.table("population.csv")
        hit = _BANDS.get(id(pop))
        if hit is None or hit[0] is not pop:
            if len(_BANDS) > 16:
                _BANDS.clear()
            hit = _BANDS[id(pop)] = (pop, band_table(pd.unique(pop["age_band"].to_numpy())))
        return hit[1].copy()
    return band_table(FIVE_YEAR_BANDS)


_PEOPLE: dict = {}  # (table, localities, year) -> people by band: the same pack's people are read once


def people(pack, year: int | None = None) -> pd.DataFrame:
    """People by locality (rows, localities.csv order) and age band (columns, youngest first) in `year`.

    Sexes are added together. The base year by default. Without population.csv: None.
    """
    if not has_population(pack):
        return None
    year = pack.base_year if year is None else int(year)
    pop = pack.table("population.csv")
    key = (id(pop), id(pack.localities), year)
    hit = _PEOPLE.get(key)
    if hit is not None and hit[0] is pop and hit[1] is pack.localities:
        return hit[2].copy()
    order = bands(pack)["age_band"]
    ids = pd.Index(pack.localities["locality_id"])
    rows = pop["year"].astype("int64").to_numpy() == year
    li = ids.get_indexer(pop["locality_id"].to_numpy()[rows])
    bi = pd.Index(order).get_indexer(pop["age_band"].to_numpy()[rows])
    keep = (li >= 0) & (bi >= 0)
    counts = np.zeros((len(ids), len(order)))
    np.add.at(counts, (li[keep], bi[keep]), pop["people"].to_numpy(dtype=float)[rows][keep])
    table = pd.DataFrame(counts, index=ids, columns=pd.Index(order.to_numpy(), name="age_band"))
    if len(_PEOPLE) > 16:
        _PEOPLE.clear()
    _PEOPLE[key] = (pop, pack.localities, table)
    return table.copy()


_RATES: dict = {}


def age_rates(pack, pods=POINTS_OF_DELIVERY) -> pd.DataFrame:
    """Activity a year per 1,000 people by point of delivery (rows) and the pack's age bands (columns)."""
    table = pack.table("age_rates.csv")
    bt = bands(pack)
    key = (id(table), tuple(bt["age_band"]), tuple(pods))
    hit = _RATES.get(key)
    if hit is not None and hit[0] is table:
        return hit[1].copy()
    defaults = pd.DataFrame(default_age_rates())
    if not len(table):
        table_used = defaults
    else:
        table_used = table
    out = {}
    for pod in pods:
        rows = table_used[table_used["pod"] == pod]
        if not len(rows):
            rows = defaults[defaults["pod"] == pod]
        out[pod] = np.nan_to_num(lookup_by_band(bt, rows, "rate_per_1000"), nan=0.0)
    frame = pd.DataFrame(out, index=bt["age_band"]).T
    if len(_RATES) > 16:
        _RATES.clear()
    _RATES[key] = (table, frame)
    return frame.copy()


def activity_shares(pack) -> np.ndarray:
    """Each band's share of base-year activity: an array localities x pods x bands (rows add up to 1).

    From activity_by_age.csv where it gives a locality and pod, else age rates x the base-year people.
    """
    base = people(pack).to_numpy(dtype=float)
    rates = age_rates(pack).to_numpy(dtype=float)
    shares = rates[None, :, :] * base[:, None, :]
    if pack.has("activity_by_age.csv") and len(pack.table("activity_by_age.csv")):
        given = pack.table("activity_by_age.csv")
        li = pd.Index(pack.localities["locality_id"]).get_indexer(given["locality_id"])
        pi = pd.Index(list(POINTS_OF_DELIVERY)).get_indexer(given["pod"])
        bi = pd.Index(bands(pack)["age_band"]).get_indexer(given["age_band"])
        counts = np.zeros_like(shares)
        np.add.at(counts, (li, pi, bi), given["activity"].to_numpy(dtype=float))
        has = counts.sum(axis=2, keepdims=True) > 0
        shares = np.where(has, counts, shares)
    total = shares.sum(axis=2, keepdims=True)
    flat = np.broadcast_to(1.0 / shares.shape[2], shares.shape)
    return np.where(total > 0, shares / np.where(total > 0, total, 1.0), flat)


def demographic_factor(pack) -> pd.DataFrame | None:
    """How much each locality's activity grows from base to horizon with its people alone, by pod.

    A DataFrame of localities (rows) by point of delivery (columns): 1.08 is 8% more activity from
    the change in people by age. None without population.csv.
    """
    if not has_population(pack):
        return None
    start = people(pack, pack.base_year).to_numpy(dtype=float)
    end = people(pack, pack.horizon_year).to_numpy(dtype=float)
    growth = np.where(start > 0, end / np.where(start > 0, start, 1.0), 1.0)
    factor = (activity_shares(pack) * growth[:, None, :]).sum(axis=2)
    return pd.DataFrame(factor, index=pack.localities["locality_id"], columns=list(POINTS_OF_DELIVERY))


def momentum_mode(pack) -> str:
    """'flat' or 'demographic' (pack.toml [population] momentum; always flat without population.csv)."""
    if not has_population(pack):
        return "flat"
    return (pack.settings.get("population") or {}).get("momentum") or "flat"


def non_demographic_growth(pack) -> float:
    return float((pack.settings.get("population") or {}).get("non_demographic_growth") or 0.0)


def factor_for_rows(pack, locality_ids, pods) -> np.ndarray | None:
    """The demographic factor for each (locality_id, pod) row, or None without population.csv."""
    factor = demographic_factor(pack)
    if factor is None:
        return None
    li = factor.index.get_indexer(pd.Index(locality_ids))
    pi = pd.Index(factor.columns).get_indexer(pd.Index(pods))
    values = factor.to_numpy()[np.clip(li, 0, None), np.clip(pi, 0, None)]
    return np.where((li >= 0) & (pi >= 0), values, 1.0)


def growth_split(projection: pd.DataFrame) -> pd.DataFrame:
    """Momentum growth by locality and pod split into the people (demographic) and the rest.

    Columns: locality_id, pod, growth_total (momentum - base), demographic, non_demographic.
    """
    total = projection["momentum"] - projection["base"]
    demographic = projection["demographic"] if "demographic" in projection else pd.Series(np.nan, projection.index)
    return pd.DataFrame({"locality_id": projection["locality_id"], "pod": projection["pod"],
                         "growth_total": total, "demographic": demographic,
                         "non_demographic": total - demographic})


def age_profile(pack, locality: str = "all") -> pd.DataFrame:
    """People by age band in the base and horizon years for a locality or the footprint, with the change."""
    if not has_population(pack):
        return pd.DataFrame(columns=["age_band", "base_people", "horizon_people", "change", "change_pct"])
    start, end = people(pack, pack.base_year), people(pack, pack.horizon_year)
    if locality != "all":
        start, end = start.loc[[locality]], end.loc[[locality]]
    frame = pd.DataFrame({"age_band": start.columns, "base_people": start.sum().to_numpy(),
                          "horizon_people": end.sum().to_numpy()})
    frame["change"] = frame["horizon_people"] - frame["base_people"]
    frame["change_pct"] = frame["change"] / frame["base_people"].where(frame["base_people"] > 0)
    return frame


def growth_for_draws(pack, act: pd.DataFrame, point, low, high):
    """The growth a year the Monte Carlo draws around, for each activity row.

    Flat momentum: the pack's rates as they are. Demographic momentum: the yearly rate that gives the
    row's momentum (demographic factor x non-demographic growth), with the pack's own interval about it
    moved with it (the people's growth is taken as known; the uncertainty is in everything else).
    """
    if momentum_mode(pack) != "demographic":
        return point, low, high
    factor = factor_for_rows(pack, act["locality_id"], act["pod"].to_numpy())
    years = max(pack.years, 1)
    rate = (factor * (1.0 + non_demographic_growth(pack)) ** pack.years) ** (1.0 / years) - 1.0
    shift = rate - point
    return rate, low + shift, high + shift
