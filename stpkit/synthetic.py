"""Synthetic footprint packs for tests, benchmarks and trying stpkit on a footprint of any size.

The numbers are made up (seeded, so the same call gives the same pack) but shaped like seed 003:
localities of 3,000 to 80,000 people, NEL and outpatient rates near Mid and South Essex's, growth of
2-3.5% a year, and the seed's five schemes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .schema import POINTS_OF_DELIVERY

# activity a year per person, roughly Mid and South Essex 2015/16 (seed 003: 101K NEL, 2.1M OP for 1.2M)
_RATES = {"ae": 0.32, "elective_ip": 0.025, "day_case": 0.12, "non_elective": 0.084, "outpatient": 1.75}
_GROWTH = {"ae": 0.023, "elective_ip": 0.033, "day_case": 0.033, "non_elective": 0.023, "outpatient": 0.033}
_UNIT_COST = {"ae": 140.0, "elective_ip": 3400.0, "day_case": 700.0, "non_elective": 3000.0, "outpatient": 185.0}
_AWKWARD = ["St Mary's & St John's (North)", "Bishop's Stortford & Sawbridgeworth", 'The "Old" Town (Central)']


def _csv(path: Path, header: list[str], rows) -> None:
    def cell(value) -> str:
        text = f"{value:.10g}" if isinstance(value, float) else str(value)
        return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n') else text

    lines = [",".join(header)] + [",".join(cell(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_synthetic_pack(path: str | Path, localities: int = 30, seed: int = 0, optional: bool = True,
                         intervals: bool = False, awkward_names: bool = True, name: str = "Synthetic footprint",
                         age_bands: int = 0, practices: int = 0, scenarios: bool = False) -> Path:
    """Write a valid pack of `localities` localities to `path` and return the path.

    optional: also write schemes, targets, investments, workforce, roles, enablers, phasing and bed data
    (lengths of stay, length-of-stay schemes, levels of care).
    intervals: give growth, reductions and unit costs as 80% intervals (low-high pairs) too.
    awkward_names: give the first localities names with apostrophes, ampersands, quotes and brackets.
    age_bands: also write population.csv with this many five-year bands (the last open, like 95+), every
    year from base to horizon, each locality's base year adding up to its population.
    practices: also write practices.csv with this many GP practices (list sizes adding up to their
    locality's population, emergency admissions near the locality's rate) and spend.csv by practice.
    scenarios: also write scenarios/do-nothing.toml and scenarios/interim.toml (as the seed pack's), for
    the scenario comparison.
    """
    rng = np.random.default_rng(seed)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / "pack.toml").write_text(
        f'[footprint]\nname = "{name}"\nbase_year = "2015/16"\nhorizon_year = "2020/21"\n\n'
        "[finance]\ndiscount_rate = 0.035\n", encoding="utf-8")
    ids = [f"L{i + 1:04d}" for i in range(localities)]
    groups = [f"Place {chr(65 + (i * 7) // max(localities, 1) % 26)}" for i in range(localities)]
    names = [f"Locality {i + 1}" for i in range(localities)]
    if awkward_names:
        for i, awkward in enumerate(_AWKWARD[:localities]):
            names[i] = awkward
    population = rng.integers(3_000, 80_000, localities)
    if localities > 1:
        population[1] = 3_200  # always one very small locality
    imd = rng.uniform(5, 45, localities).round(1)
    age = rng.uniform(36, 50, localities).round(1)
    rural = rng.random(localities) < 0.1
    per_gp = rng.uniform(1_700, 3_400, localities).round(0)
    _csv(path / "localities.csv", ["locality_id", "locality", "group", "population", "imd_score", "median_age",
                                   "rural", "patients_per_gp"],
         zip(ids, names, groups, population, imd, age, np.where(rural, "true", "false"), per_gp))
    rows = []
    for pod in POINTS_OF_DELIVERY:
        counts = np.round(population * _RATES[pod] * rng.uniform(0.8, 1.2, localities))
        rows += [(i, pod, int(c)) for i, c in zip(ids, counts)]
    _csv(path / "activity.csv", ["locality_id", "pod", "activity"], rows)
    pod_rows = []
    for pod in POINTS_OF_DELIVERY:
        growth, cost = _GROWTH[pod], _UNIT_COST[pod]
        row = [pod, growth, cost]
        if intervals:
            row += [growth - 0.01, growth + 0.01, cost * 0.8, cost * 1.2]
        pod_rows.append(row)
    header = ["pod", "growth", "unit_cost"] + (["growth_low", "growth_high", "unit_cost_low", "unit_cost_high"]
                                                if intervals else [])
    _csv(path / "pods.csv", header, pod_rows)
    if age_bands:
        _population(path, rng, ids, population, age, age_bands)
    if practices:
        _practices(path, rng, ids, population, practices)
    if scenarios:
        _scenarios(path)
    if not optional:
        return path
    schemes = [("Frailty and EoL", "non_elective", 0.0683), ("Long term conditions", "non_elective", 0.029),
               ("Long term conditions", "outpatient", 0.0486), ("Specialty pathway redesign", "outpatient", 0.1135),
               ("Specialty pathway redesign", "elective_ip", 0.034), ("Specialty pathway redesign", "day_case", 0.034),
               ("Urgent care", "ae", 0.1295), ("Common offer", "day_case", 0.0368)]
    header = ["scheme", "pod", "reduction"] + (["reduction_low", "reduction_high"] if intervals else [])
    _csv(path / "schemes.csv", header,
         [(s, p, r) + ((r * 0.5, r * 1.25) if intervals else ()) for s, p, r in schemes])
    chosen = ids[: max(1, localities // 10)]
    _csv(path / "targets.csv", ["locality_id", "pod", "target"],
         [(i, "non_elective", float(c)) for i, c in zip(chosen, np.round(population[: len(chosen)] * 0.08))])
    scale = population.sum() / 1.2e6
    investments = [("Workforce", "revenue", "2017/18", 6.2e6), ("Workforce", "revenue", "2018/19", 3.6e6),
                   ("Virtualisation", "revenue", "2017/18", 3.5e6), ("Virtualisation", "revenue", "2019/20", 7.0e6),
                   ("Locality hubs", "capital", "2017/18", 4e6), ("Locality hubs", "capital", "2018/19", 4e6)]
    _csv(path / "investments.csv", ["category", "kind", "year", "amount"],
         [(c, k, y, round(a * scale, 2)) for c, k, y, a in investments])
    _csv(path / "workforce.csv", ["staff_group", "baseline_fte", "cost_per_fte", "leavers_fte", "joiners_fte"],
         [("Nurses/HCAs", round(400 * scale, 1), 50000, round(40 * scale, 1), round(36 * scale, 1)),
          ("Therapists", round(200 * scale, 1), 50000, round(20 * scale, 1), round(20 * scale, 1)),
          ("Care co-ordinators", round(10 * scale, 1), 35000, 1, 1)])
    _csv(path / "roles.csv", ["role", "staff_group", "fte", "trained", "unit_cost", "year"],
         [("GP capacity release", "Nurses/HCAs", round(40 * scale, 1), "", 50000, "2017/18"),
          ("GP capacity release", "Therapists", round(40 * scale, 1), "", 50000, "2017/18"),
          ("Care navigators", "Admin", 0, round(180 * scale), 2000, "2017/18")])
    _csv(path / "enablers.csv", ["locality_id", "gp_collaboration", "joint_working", "shared_information",
                                 "risk_stratification"],
         [(i, *rng.integers(1, 5, 4)) for i in ids])
    phasing = []
    for k, i in enumerate(ids):
        start = 2016 * 4 + 2 + (k % 3)
        for level in range(1, 5):
            q = start + (level - 1) * 4
            phasing.append((i, f"level_{level}", f"{q // 4}/{(q // 4 + 1) % 100:02d} Q{q % 4 + 1}"))
        q = start + 1
        phasing.append((i, "investment", f"{q // 4}/{(q // 4 + 1) % 100:02d} Q{q % 4 + 1}"))
    _csv(path / "phasing.csv", ["locality_id", "milestone", "quarter"], phasing)
    _bed_files(path, ids, intervals)
    return path


def _scenarios(path: Path) -> None:
    """Two scenarios shaped like the seed pack's: nothing done, and the interim option."""
    folder = path / "scenarios"
    folder.mkdir(exist_ok=True)
    (folder / "do-nothing.toml").write_text(
        '[scenario]\ntitle = "Do nothing"\ndescription = "Services carry on as now while demand grows: no scheme '
        'avoids any activity and nothing is invested."\ncreated = "2016-10-21"\n\n[delivery]\nfactor = 0.0\n\n'
        "[investment]\ninvestment_share = 0.0\n", encoding="utf-8")
    (folder / "interim.toml").write_text(
        '[scenario]\ntitle = "Interim option"\ndescription = "Comprehensive for A&E and emergency admissions, half '
        'the savings elsewhere and half the capital."\ncreated = "2016-10-21"\n\n[investment]\ncapital_share = 0.5\n'
        'degree = 0.5\npriority_degree = 1.0\npriority_pods = ["ae", "non_elective"]\n', encoding="utf-8")


def _bed_files(path: Path, ids: list[str], intervals: bool) -> None:
    """Lengths of stay (one locality with its own), two length-of-stay schemes and seed 000's levels of care."""
    stays = [("*", "non_elective", 5.5, 4.5, 6.5), ("*", "elective_ip", 3.2, 2.8, 3.6)]
    if len(ids) > 1:
        stays.append((ids[1], "non_elective", 7.0, 6.0, 8.0))
    header = ["locality_id", "pod", "los_days"] + (["los_days_low", "los_days_high"] if intervals else [])
    _csv(path / "length_of_stay.csv", header, [row[:3] + (row[3:] if intervals else ()) for row in stays])
    _csv(path / "los_changes.csv", ["scheme", "pod", "reduction"],
         [("Discharge to assess", "non_elective", 0.05), ("Enhanced recovery", "elective_ip", 0.04)])
    _csv(path / "levels_of_care.csv", ["level", "acute", "share", "base_share", "cost_per_bed_day"],
         [("Tertiary", "true", 0.1, 0.1, 600.0), ("Secondary acute", "true", 0.5667, 0.9, 400.0),
          ("Sub-acute and rehabilitation", "false", 0.2333, 0.0, 280.0), ("Step-down", "false", 0.1, 0.0, 200.0)])
    if intervals:
        with open(path / "pack.toml", "a", encoding="utf-8") as toml:
            toml.write("\n[beds]\noccupancy = 0.92\noccupancy_low = 0.9\noccupancy_high = 0.94\n")


def _population(path: Path, rng, ids, population, median_age, bands: int) -> None:
    """population.csv: five-year bands 0-4 ... (the last open), older where the median age is higher."""
    labels = [f"{5 * b}-{5 * b + 4}" for b in range(bands - 1)] + [f"{5 * (bands - 1)}+"]
    mids = np.arange(bands) * 5 + 2.5
    tilt = (np.asarray(median_age, dtype=float)[:, None] - 42) / 400
    shares = np.exp(-mids[None, :] / 45 + tilt * (mids[None, :] - 40))
    shares /= shares.sum(axis=1, keepdims=True)
    base = np.floor(shares * population[:, None]).astype(int)
    base[:, 0] += population - base.sum(axis=1)  # each locality's base year adds up to its population
    growth = np.where(mids >= 65, 0.025, 0.004)
    rows = []
    for k, year in enumerate(range(2015, 2021)):
        counts = base if k == 0 else np.round(base * (1 + growth) ** k).astype(int)
        fy = f"{year}/{(year + 1) % 100:02d}"
        rows += [(i, label, fy, int(c)) for i, row in zip(ids, counts) for label, c in zip(labels, row)]
    _csv(path / "population.csv", ["locality_id", "age_band", "year", "people"], rows)


def _practices(path: Path, rng, ids, population, count: int) -> None:
    """practices.csv and spend.csv: `count` practices shared between localities by population."""
    exact = count * population / population.sum()
    per = np.maximum(1, np.floor(exact).astype(int))
    left = count - per.sum()
    if left > 0:  # the practices left over go to the largest remainders; too many: taken from the largest
        per[np.argsort(-(exact - np.floor(exact)), kind="stable")[:left]] += 1
    while per.sum() > count:
        per[np.argmax(per)] -= 1
    rows, spend = [], []
    code = 0
    for i, people, n in zip(ids, population, per):
        sizes = rng.uniform(0.5, 1.5, n)
        lists = np.maximum(1, np.floor(sizes / sizes.sum() * people)).astype(int)
        for size in lists:
            code += 1
            admissions = int(rng.poisson(size * 0.084 * rng.uniform(0.8, 1.2)))
            rows.append((f"P{code:05d}", f"Practice {code}", i, int(size), admissions))
            spend.append((i, f"P{code:05d}", round(float(size * rng.uniform(900, 1300)), 2)))
    _csv(path / "practices.csv", ["practice_code", "practice", "locality_id", "list_size", "admissions"], rows)
    _csv(path / "spend.csv", ["locality_id", "practice_code", "spend_gbp"], spend)
