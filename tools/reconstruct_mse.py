"""Rebuild the embedded Mid and South Essex pack (data/mid_south_essex/) from seed 003.

Seed 003 (the Mid and South Essex Success Regime local health and care annex, October 2016)
publishes its two locality target tables (non-elective admissions and outpatient appointments)
rounded: 5.7K, 6.3K, GBP 1.0M, and the NEL differences to whole admissions (-260). The pack needs
unrounded figures that, put through the pack rules (momentum = base x (1 + growth)^5, avoided =
momentum - target, gross = avoided x unit cost), give back every published cell within its own
rounding, every published NEL integer difference as its nearest whole number, and every printed
total. This script finds such a set and writes every pack CSV, with sources.csv saying where each
number comes from. It also writes the pack's illustrative assumptions, each marked as such in
sources.csv: symmetric 80% intervals around the unchanged point values (growth, unit costs, scheme
reductions) and a baseline workforce supply (workforce.csv), which the seeds do not give.

    python tools/reconstruct_mse.py --extract   # re-read the tables from the seed text into tests/golden/
    python tools/reconstruct_mse.py             # solve from tests/golden/ and write data/mid_south_essex/

The golden files in tests/golden/seed003_*.csv are the transcriptions of the published tables; the
locality tables and the phasing table are extracted from the seed text by ``--extract`` (not typed by
eye), the small tables were transcribed by hand. See data/mid_south_essex/README.md for the method.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
PACK = ROOT / "data" / "mid_south_essex"
SEED_NAME = "003_f7ccb299cfdf00a6.txt"
SEED_CANDIDATES = (ROOT.parent / "shared" / "seeds" / SEED_NAME, ROOT / "seeds" / SEED_NAME)
SEED = "seed 003"

YEARS = 5  # 2015/16 -> 2020/21
OP_GROWTH = 0.033  # "Activity growth rates of 3.3% assumed as per NHSE guidance" (seed 003, OP table note)

# The seed's locality numbering (both target tables) and the full names used in its phasing table.
LOCALITIES = (
    # id, name in the target tables, display name (full form), CCG in full, archetype (illustrative)
    ("MSE01", "Braintree", "Braintree", "Mid Essex", "urban affluent"),
    ("MSE02", "Witham", "Witham", "Mid Essex", "urban affluent"),
    ("MSE03", "Chelmsford 1", "Chelmsford 1", "Mid Essex", "urban affluent"),
    ("MSE04", "Chelmsford 2", "Chelmsford 2", "Mid Essex", "urban affluent"),
    ("MSE05", "Colne Valley", "Colne Valley", "Mid Essex", "urban affluent"),
    ("MSE06", "Dengie", "Dengie", "Mid Essex", "rural"),
    ("MSE07", "Prosper", "Prosper", "Mid Essex", "urban affluent"),
    ("MSE08", "Maldon", "Maldon", "Mid Essex", "rural"),
    ("MSE09", "Woodham", "South Woodham", "Mid Essex", "urban affluent"),
    ("MSE10", "Billericay", "Billericay", "Basildon and Brentwood", "urban affluent"),
    ("MSE11", "Brentwood", "Brentwood", "Basildon and Brentwood", "urban affluent"),
    ("MSE12", "East Basildon", "East Basildon", "Basildon and Brentwood", "urban deprived"),
    ("MSE13", "Wickford", "Wickford", "Basildon and Brentwood", "urban affluent"),
    ("MSE14", "West Basildon", "West Basildon", "Basildon and Brentwood", "urban deprived"),
    ("MSE15", "Grays", "Grays", "Thurrock", "urban deprived"),
    ("MSE16", "Ockendon", "South Ockendon", "Thurrock", "urban deprived"),
    ("MSE17", "Tilbury", "Tilbury", "Thurrock", "urban deprived"),
    ("MSE18", "Corringham", "Corringham", "Thurrock", "urban affluent"),
    ("MSE19", "Rochford", "Rochford", "Castle Point and Rochford", "urban affluent"),
    ("MSE20", "Rayleigh", "Rayleigh", "Castle Point and Rochford", "urban affluent"),
    ("MSE21", "B&H", "Benfleet and Hadleigh", "Castle Point and Rochford", "urban affluent"),
    ("MSE22", "Canvey Island", "Canvey Island", "Castle Point and Rochford", "urban deprived"),
    ("MSE23", "Southend E", "Southend East", "Southend", "urban deprived"),
    ("MSE24", "Southend EC", "Southend East Central", "Southend", "urban deprived"),
    ("MSE25", "Southend W", "Southend West", "Southend", "urban affluent"),
    ("MSE26", "Southend WC", "Southend West Central", "Southend", "urban affluent"),
)
CCG_ABBREVIATIONS = {"Mid Essex": "Mid Essex", "B&B": "Basildon and Brentwood", "TH": "Thurrock",
                     "Thur-rock": "Thurrock", "CP&R": "Castle Point and Rochford", "SE": "Southend"}

LOCALITY_COLUMNS = ("ccg", "number", "locality", "population", "base", "momentum", "target",
                    "reduction_vs_base", "reduction_vs_base_pct", "reduction_vs_momentum",
                    "reduction_vs_momentum_pct", "gross_savings")
QUARTERS = tuple(f"{y}/{(y + 1) % 100:02d} Q{q}" for y in range(2016, 2021) for q in range(1, 5))


# --------------------------------------------------------------------------------------------
# Published figures and their rounding
# --------------------------------------------------------------------------------------------

_FIGURE = re.compile(r"^\s*(?P<sign>[-+]?)\s*£?\s*(?P<num>\d+(?:\.(?P<dec>\d+))?)\s*(?P<suffix>[kKmM%]?)\s*$")
_MULTIPLIER = {"": 1.0, "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "%": 0.01}


@dataclass(frozen=True)
class Figure:
    """A published figure: its value and half a unit of its last printed digit.

    A plain integer with no K/M suffix (the NEL differences, "-260") is rounded to the whole number
    from an unrounded figure: half = 0.5.
    """

    text: str
    value: float
    half: float

    @property
    def low(self) -> float:
        return self.value - self.half

    @property
    def high(self) -> float:
        return self.value + self.half

    def holds(self, x):
        """Whether x rounds to this figure: strictly inside the rounding interval (ties excluded)."""
        x = np.asarray(x, dtype=float)
        return np.abs(x - self.value) < self.half


def figure(text: str) -> Figure:
    """Parse a published cell: "5.7K" -> 5700 +/- 50, "£1.0M" -> 1e6 +/- 5e4, "-5%" -> -0.05 +/- 0.005,
    "11.5k" -> 11500 +/- 50, "0k" -> 0 +/- 500, "-260" -> -260 +/- 0.5."""
    match = _FIGURE.match(str(text))
    if not match:
        raise ValueError(f"not a published figure: {text!r}")
    decimals = len(match.group("dec") or "")
    mult = _MULTIPLIER[match.group("suffix")]
    value = float(match.group("num")) * mult * (-1 if match.group("sign") == "-" else 1)
    half = 0.5 * mult * 10.0 ** (-decimals)
    return Figure(str(text), value, half)


# --------------------------------------------------------------------------------------------
# Extraction of the published tables from the seed text
# --------------------------------------------------------------------------------------------

def find_seed() -> Path:
    for path in SEED_CANDIDATES:
        if path.exists():
            return path
    raise SystemExit(f"seed 003 text not found (looked in {', '.join(map(str, SEED_CANDIDATES))})")


def _split_cell(cell: str) -> tuple[str, str]:
    """'-260 (-5%)' -> ('-260', '-5%')."""
    match = re.match(r"^\s*(\S+)\s*\(\s*(\S+)\s*\)\s*$", cell)
    if not match:
        raise ValueError(f"expected 'figure (pct)', got {cell!r}")
    return match.group(1), match.group(2)


def extract_locality_table(text: str, heading: str) -> pd.DataFrame:
    """The 26 locality rows and the Total row of one locality target table, cell by cell as printed."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == heading)
    header = next(i for i in range(start, len(lines)) if lines[i].startswith("CCG\tLocality"))
    rows, ccg = [], ""
    for line in lines[header + 1:]:
        cells = line.split("\t")
        if not line.strip():
            if rows:
                break
            continue
        if cells[0] == "Total":
            number, name = "", "Total"
            ccg_label = "Total"
        else:
            ccg = cells[0].strip() or ccg
            ccg_label = ccg
            number, name = cells[1].strip().split(" ", 1)
        if len(cells) != 9:
            raise ValueError(f"{heading}: expected 9 cells, got {len(cells)} in {line!r}")
        d1, d1_pct = _split_cell(cells[6])
        d2, d2_pct = _split_cell(cells[7])
        rows.append((ccg_label, number, name, cells[2].strip(), cells[3].strip(), cells[4].strip(),
                     cells[5].strip(), d1, d1_pct, d2, d2_pct, cells[8].strip()))
        if cells[0] == "Total":
            break
    table = pd.DataFrame(rows, columns=LOCALITY_COLUMNS)
    if len(table) != 27:
        raise ValueError(f"{heading}: expected 26 localities and a total, got {len(table)} rows")
    return table


def extract_phasing(text: str) -> pd.DataFrame:
    """The 'Locality implementation: phasing' table: after the locality name, each tab-separated
    cell is one quarter, 2016/17 Q1 to 2020/21 Q4 (20 cells)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Locality implementation: phasing")
    header = next(i for i in range(start, len(lines)) if lines[i].startswith("CCG\tLocalities"))
    rows, ccg = [], ""
    for line in lines[header + 2:]:  # skip the Q1..Q4 header line
        if not line.strip():
            break
        cells = line.split("\t")
        ccg = cells[0].strip() or ccg
        number, name = cells[1].strip().split(" ", 1)
        quarters = [c.strip() for c in cells[2:]]
        if len(quarters) != len(QUARTERS):
            raise ValueError(f"phasing: {name} has {len(quarters)} quarter cells, expected {len(QUARTERS)}")
        rows.append([ccg, number, name, *quarters])
    table = pd.DataFrame(rows, columns=["ccg", "number", "locality", *QUARTERS])
    if len(table) != 26:
        raise ValueError(f"phasing: expected 26 localities, got {len(table)}")
    return table


def extract(seed: Path) -> dict[str, pd.DataFrame]:
    text = seed.read_text(encoding="utf-8")
    return {
        "seed003_nel_targets.csv": extract_locality_table(
            text, "Locality targets for Frailty and Long Term Conditions: NELs"),
        "seed003_op_targets.csv": extract_locality_table(text, "Locality targets for LTCs and Specialist Pathway: OPs"),
        "seed003_phasing.csv": extract_phasing(text),
    }


def read_golden(name: str) -> pd.DataFrame:
    """A transcribed seed table, every cell as printed (text)."""
    return pd.read_csv(GOLDEN / name, dtype=str, keep_default_na=False, encoding="utf-8")


def figures(row: pd.Series) -> dict[str, Figure]:
    """The published figures of one locality-table row, parsed with their rounding."""
    return {c: figure(row[c]) for c in LOCALITY_COLUMNS[3:]}


# --------------------------------------------------------------------------------------------
# Solving for unrounded locality figures
# --------------------------------------------------------------------------------------------

def _closest(candidates: dict[str, np.ndarray], aims: dict[str, tuple[float, float]]) -> int:
    """Index of the candidate nearest the aims: sum of squared distances, each in half-units of
    the published rounding (so a figure printed to 0.1K pulls harder than one printed to 1K)."""
    cost = sum(((candidates[name] - centre) / half) ** 2 for name, (centre, half) in aims.items())
    return int(np.argmin(cost))


def _window(fig: Figure) -> tuple[float, float]:
    return fig.low, fig.high


def _shift_until(pick, total_of, window: tuple[float, float], what: str, max_iter: int = 200) -> tuple[list[int], float]:
    """Move every row's aim by the same shift until the column total lands mid-window.

    ``pick(shift)`` returns the chosen candidate index of every row, ``total_of(indexes)`` the
    resulting total. Fixed-point iteration: the shift moves by the remaining gap spread over the rows.
    """
    lo, hi = window
    aim = (lo + hi) / 2
    shift = 0.0
    for _ in range(max_iter):
        chosen = pick(shift)
        total = total_of(chosen)
        if lo < total < hi and abs(total - aim) <= (hi - lo) / 4:
            return chosen, shift
        shift += (aim - total) / 26
    raise RuntimeError(f"could not bring the {what} total into {window}")


def common_shift(printed: list[Figure], total: Figure, decimals: int = 2) -> float:
    """What to add to every row's printed integer so that the rows add up to the printed total.

    A printed integer is rounded from an unrounded figure, so the unrounded row is the printed
    integer plus less than half a unit either way. When the printed rows already add up within the
    total's rounding the shift is 0. Otherwise every row moves by the same amount, to ``decimals``
    places, that puts the total on the printed total: the NEL reductions vs 2015/16 print 26
    integers adding up to 30 under a total of 31, so each row is its integer + 0.04 (31.04 in all).
    """
    rows_sum = sum(f.value for f in printed)
    if total.holds(rows_sum):
        return 0.0
    shift = round((total.value - rows_sum) / len(printed), decimals)
    if not all(f.holds(f.value + shift) for f in printed) or not total.holds(rows_sum + len(printed) * shift):
        raise RuntimeError(f"no common shift of the rows reaches the printed total {total.text}")
    return shift


def solve_nel(golden: pd.DataFrame) -> pd.DataFrame:
    """Base-year NELs (whole admissions), unrounded target and momentum for every locality, growth =
    (momentum / base)^(1/5) - 1.

    The printed reductions ("-260 (-5%)", "355 (6%)") are whole numbers rounded from unrounded
    differences. Each row's unrounded difference is its printed integer plus the common shift that
    makes the rows add up to the printed total (`common_shift`: +0.04 vs 2015/16, 0 vs 2020/21E),
    so target = base - d1 and momentum = target + d2, both to the hundredth. Base is then the only
    free number per locality: every integer base whose base, target, momentum and the two
    percentages all round to the printed figures is a candidate; the one nearest the printed centres
    is taken, with a common shift of the aims if the column totals need it.
    """
    rows = golden[golden["ccg"] != "Total"].reset_index(drop=True)
    total = figures(golden[golden["ccg"] == "Total"].iloc[0])
    printed1 = [figure(x) for x in rows["reduction_vs_base"]]
    printed2 = [figure(x) for x in rows["reduction_vs_momentum"]]
    shift1 = common_shift(printed1, total["reduction_vs_base"])
    shift2 = common_shift(printed2, total["reduction_vs_momentum"])
    cands, aims = [], []
    for (_, row), p1, p2 in zip(rows.iterrows(), printed1, printed2):
        f = figures(row)
        d1, d2 = p1.value + shift1, p2.value + shift2
        base = np.arange(math.floor(f["base"].low), math.ceil(f["base"].high) + 1, dtype=float)
        target = np.round(base - d1, 2)
        momentum = np.round(target + d2, 2)
        ok = (f["base"].holds(base) & f["target"].holds(target) & f["momentum"].holds(momentum)
              & p1.holds(base - target) & p2.holds(momentum - target)
              & f["reduction_vs_base_pct"].holds((base - target) / base)
              & f["reduction_vs_momentum_pct"].holds((momentum - target) / momentum))
        if not ok.any():
            raise RuntimeError(f"NEL {row['locality']}: no integer base-year figure fits every published cell")
        cands.append({"base": base[ok], "target": target[ok], "momentum": momentum[ok]})
        aims.append({k: (f[k].value, f[k].half) for k in ("base", "target", "momentum")})

    # Column totals: base, target and momentum totals each constrain sum(base), since
    # target = base - d1 and momentum = target + d2 with d1, d2 fixed.
    d1_sum = sum(p.value + shift1 for p in printed1)
    d2_sum = sum(p.value + shift2 for p in printed2)
    lo = max(total["base"].low, total["target"].low + d1_sum, total["momentum"].low + d1_sum - d2_sum)
    hi = min(total["base"].high, total["target"].high + d1_sum, total["momentum"].high + d1_sum - d2_sum)

    def pick(shift: float) -> list[int]:
        return [_closest(c, {k: (centre + (shift if k == "base" else 0.0), half) for k, (centre, half) in a.items()})
                for c, a in zip(cands, aims)]

    chosen, _ = _shift_until(pick, lambda idx: sum(c["base"][i] for c, i in zip(cands, idx)), (lo, hi), "NEL base")
    out = pd.DataFrame({
        "locality": rows["locality"],
        "base": [int(c["base"][i]) for c, i in zip(cands, chosen)],
        "target": [float(c["target"][i]) for c, i in zip(cands, chosen)],
        "momentum": [float(c["momentum"][i]) for c, i in zip(cands, chosen)],
    })
    out["growth"] = [exact_growth(b, m) for b, m in zip(out["base"], out["momentum"])]
    d1_out, d2_out = out["base"] - out["target"], out["momentum"] - out["target"]
    if not (all(p.holds(x) for p, x in zip(printed1, d1_out)) and total["reduction_vs_base"].holds(d1_out.sum())
            and all(p.holds(x) for p, x in zip(printed2, d2_out)) and total["reduction_vs_momentum"].holds(d2_out.sum())):
        raise RuntimeError("NEL: the unrounded reductions do not round to the printed integers and totals")
    out.attrs.update(shift_vs_base=shift1, shift_vs_momentum=shift2)
    return out


def exact_growth(base: float, momentum: float, years: int = YEARS) -> float:
    """The growth a year that takes base to momentum in ``years``, nudged by a few units in the last
    place so that base * (1 + growth) ** years lands on momentum as closely as floats allow."""
    growth = (momentum / base) ** (1.0 / years) - 1.0
    best, best_err = growth, abs(base * (1 + growth) ** years - momentum)
    for _ in range(64):
        trial = np.nextafter(best, math.inf if base * (1 + best) ** years < momentum else -math.inf)
        err = abs(base * (1 + trial) ** years - momentum)
        if err >= best_err:
            break
        best, best_err = float(trial), err
    return float(best)


def solve_op(golden: pd.DataFrame, growth: float = OP_GROWTH) -> pd.DataFrame:
    """Integer base-year and target outpatient appointments for every locality, with momentum
    = base x (1 + 3.3%)^5 (the table's stated growth; every locality fits it, so none overrides it).

    Each reduction is held to its own printed precision ("1k" to the nearest 1,000, "11.5k" to the
    nearest 100). Where a figure is printed to 1k but could be a 0.1k figure with its zero dropped
    ("23k", "10k"), values within 0.05k are preferred when they exist. The two reduction totals (47k,
    425K) are then met by a common shift of every locality's aims.
    """
    rows = golden[golden["ccg"] != "Total"].reset_index(drop=True)
    total = figures(golden[golden["ccg"] == "Total"].iloc[0])
    factor = (1 + growth) ** YEARS
    cands, aims = [], []
    for _, row in rows.iterrows():
        f = figures(row)
        base = np.arange(math.floor(f["base"].low), math.ceil(f["base"].high) + 1, dtype=float)[:, None]
        target = np.arange(math.floor(f["target"].low), math.ceil(f["target"].high) + 1, dtype=float)[None, :]
        momentum = base * factor
        d1, d2 = base - target, momentum - target
        ok = (f["base"].holds(base) & f["target"].holds(target) & f["momentum"].holds(momentum)
              & f["reduction_vs_base"].holds(d1) & f["reduction_vs_momentum"].holds(d2)
              & f["reduction_vs_base_pct"].holds(d1 / base) & f["reduction_vs_momentum_pct"].holds(d2 / momentum))
        if not ok.any():
            raise RuntimeError(f"OP {row['locality']}: no integer base and target fit every published cell at growth {growth}")
        d2_fig = f["reduction_vs_momentum"]
        if d2_fig.half >= 500:  # "23k": prefer 23.0k if possible
            tighter = ok & (np.abs(d2 - d2_fig.value) < 50)
            if tighter.any():
                ok = tighter
        b, t = np.broadcast_arrays(base, target)
        c = {"base": b[ok], "target": t[ok], "momentum": b[ok] * factor}
        c["d1"], c["d2"] = c["base"] - c["target"], c["momentum"] - c["target"]
        cands.append(c)
        aims.append({"base": (f["base"].value, f["base"].half), "target": (f["target"].value, f["target"].half),
                     "momentum": (f["momentum"].value, f["momentum"].half),
                     "d1": (f["reduction_vs_base"].value, f["reduction_vs_base"].half),
                     "d2": (d2_fig.value, min(d2_fig.half, 50.0))})

    def pick_with(shift1: float, shift2: float) -> list[int]:
        return [_closest(c, {**a, "d1": (a["d1"][0] + shift1, a["d1"][1]), "d2": (a["d2"][0] + shift2, a["d2"][1])})
                for c, a in zip(cands, aims)]

    def total_of(name):
        return lambda idx: sum(c[name][i] for c, i in zip(cands, idx))

    # Alternate: fit the 425K total with the d2 shift, then the 47k total with the d1 shift.
    shift1 = 0.0
    for _ in range(50):
        _, shift2 = _shift_until(lambda s: pick_with(shift1, s), total_of("d2"), _window(total["reduction_vs_momentum"]), "OP vs 2020/21E")
        chosen, shift1 = _shift_until(lambda s: pick_with(s, shift2), total_of("d1"), _window(total["reduction_vs_base"]), "OP vs 2015/16")
        if total["reduction_vs_momentum"].holds(total_of("d2")(chosen)):
            break
    else:
        raise RuntimeError("OP: could not meet both reduction totals")
    return pd.DataFrame({
        "locality": rows["locality"],
        "base": [int(c["base"][i]) for c, i in zip(cands, chosen)],
        "target": [int(c["target"][i]) for c, i in zip(cands, chosen)],
        "momentum": [float(c["momentum"][i]) for c, i in zip(cands, chosen)],
    })


def solve_unit_costs(golden: pd.DataFrame, avoided: pd.Series) -> tuple[float, pd.Series]:
    """Each locality's unit cost (GBP per admission or appointment avoided) and the pod's
    footprint average.

    No single unit cost reproduces every printed gross saving (NEL: Dengie needs GBP 2,510-2,896,
    Maldon 2,911-3,253; OP: Braintree 181-193, East Basildon 203-208), so every locality gets its
    own: its printed gross savings, plus a common shift, over its reconstructed avoided activity, to
    the penny. The shift is zero unless the sum of the printed (rounded) locality figures falls
    outside the printed Total's own rounding; then it moves every locality by the same amount
    (never more than 90% of the rounding) to bring the total 0.1M inside (the OP rows add up to
    GBP 79.9M against a printed GBP 79M, i.e. less than 79.5M). The pod's unit cost is the footprint
    average of the result: total gross savings over total avoided activity, to the pound.
    """
    rows = golden[golden["ccg"] != "Total"].reset_index(drop=True)
    total = figure(golden.loc[golden["ccg"] == "Total", "gross_savings"].iloc[0])
    gross = [figure(x) for x in rows["gross_savings"]]
    avoided = np.asarray(avoided, dtype=float)
    centre_sum = sum(g.value for g in gross)
    margin = 0.1 * (total.high - total.low)
    aim = min(max(centre_sum, total.low + margin), total.high - margin)
    shift = (aim - centre_sum) / len(gross)
    if abs(shift) > 0.9 * min(g.half for g in gross):
        raise RuntimeError(f"the printed gross savings cannot reach the printed total {total.text}")
    own = pd.Series([round((g.value + shift) / a, 2) for g, a in zip(gross, avoided)], dtype=float)
    for g, a, cost in zip(gross, avoided, own):
        if not g.holds(a * cost):
            raise RuntimeError(f"unit cost {cost} misses {g.text}")
    if not total.holds(float((avoided * own).sum())):
        raise RuntimeError(f"gross savings total misses {total.text}")
    pod_cost = float(round((avoided * own).sum() / avoided.sum()))
    return pod_cost, own


# --------------------------------------------------------------------------------------------
# System activity: scheme reductions that reproduce the published system table
# --------------------------------------------------------------------------------------------

# The pods' momentum growth, from the "Assumed momentum growth rate per year" row.
POD_GROWTH = {"ae": 0.023, "elective_ip": 0.033, "day_case": 0.033, "non_elective": 0.023, "outpatient": 0.033}

# Unit costs the seed does not give (it publishes locality savings only for NEL and OP).
ILLUSTRATIVE_UNIT_COSTS = {
    "ae": 140.0,
    "elective_ip": 3900.0,
    "day_case": 700.0,
}
ILLUSTRATIVE_UNIT_COST_NOTE = ("illustrative assumption: seed 003 gives no unit cost for {pod}; GBP {cost:,.0f} is a "
                               "round figure of the order of the 2015/16 national average reference cost, not a "
                               "Mid and South Essex figure")

# Each scheme's reduction: the published "change from momentum" where it fits the published totals;
# the notes say where the seed does not add up and what was chosen instead.
SCHEME_REDUCTIONS = (
    ("Frailty and EoL", "non_elective", 0.0683,
     "published -6.83%; with LTC 2.9% gives the published total -9.73% and +1.14% from 2015/16"),
    ("Long-term conditions", "non_elective", 0.029, "published -2.9%"),
    ("Long-term conditions", "outpatient", 0.048645,
     "published -4.86% (+11.9% from 2015/16), unrounded: -4.86% - 11.34% = -16.20% but the published total "
     "(-16.21% from momentum, -1.44% from 2015/16 at 3.3% growth) needs a sum of at least 16.205%, and Specialty "
     "pathway redesign's +4.29% from 2015/16 caps it at 11.3415%; 4.8645% + 11.341% = 16.2055% meets every figure"),
    ("Specialty pathway redesign", "elective_ip", 0.0342,
     "published -3.4%, unrounded to the published total -3.42% (13.6% from 2015/16)"),
    ("Specialty pathway redesign", "day_case", 0.034,
     "DEVIATION in part: published -3.4% kept; its published +8.2% from 2015/16 cannot be met (3.4% gives +13.6%; "
     "+8.2% would need about 8.0%, more than the whole day case total of 7.08%)"),
    ("Specialty pathway redesign", "outpatient", 0.11341,
     "published -11.34% (+4.29% from 2015/16), unrounded to 11.341% (see Long-term conditions, outpatient)"),
    ("Urgent care", "ae", 0.1295, "published -12.95% (total -12.95%, -2.47% from 2015/16)"),
    ("Common offer", "day_case", 0.0368,
     "DEVIATION: published -7.1% (and +4.1% from 2015/16); with Specialty pathway redesign's -3.4% the published "
     "day case total (-7.08% from momentum, +9.3% from 2015/16) leaves 3.68% for the Common offer"),
)


# --------------------------------------------------------------------------------------------
# Illustrative uncertainty and workforce supply (no figure in the seeds)
# --------------------------------------------------------------------------------------------

# 80% intervals, read as the NHP model reads them (stpkit.uncertainty: low and high are the 10th and 90th
# percentiles, the centre is their midpoint). Each is symmetric around its point value, so the P50 stays on
# the published figures and every point value is unchanged.
GROWTH_HALF_WIDTH = 0.005  # +/- 0.5 percentage points a year
REDUCTION_SCALE = (0.5, 1.5)  # half to one and a half times the point reduction
UNIT_COST_SCALE = (0.8, 1.2)  # +/- 20%
INTERVAL_WHY = ("seed 003 marks its figures 'Preliminary - to be refined' and seed 004's evidence review found many "
                "community schemes did not cut emergency admissions, so the pack shows a range, not a single number")
GROWTH_INTERVAL_NOTE = (f"illustrative assumption: the point growth +/- {GROWTH_HALF_WIDTH:.1%} a year, an 80% interval "
                        f"symmetric around the point (the P50 stays on the published figures); {INTERVAL_WHY}")
UNIT_COST_INTERVAL_NOTE = (f"illustrative assumption: the point unit cost -/+ {1 - UNIT_COST_SCALE[0]:.0%}, an 80% interval "
                           "symmetric around the point (the cost of an admission or appointment avoided depends on which are "
                           f"avoided); {INTERVAL_WHY}")
REDUCTION_INTERVAL_NOTE = (f"illustrative assumption: {REDUCTION_SCALE[0]:g}x to {REDUCTION_SCALE[1]:g}x the point reduction, "
                           "an 80% interval symmetric around the point; it moves the system table's draws and any activity "
                           "without a targets.csv row (the NEL and OP locality targets are fixed, so there momentum growth "
                           f"carries the uncertainty); {INTERVAL_WHY}")

# Workforce supply. Seed 003 publishes the additional FTE the plan funds and their costs, not the staff in
# post, leavers or joiners. The pack invents a plain baseline so that stpkit.workforce shows a gap.
GP_GROUP = "GPs"  # stpkit.workforce.GP_GROUP
STAFF_PER_GP = {"Nurses/HCAs": 0.7, "Therapists": 0.3, "MH therapists": 0.2}  # FTE per GP FTE in post
NEW_POST_GROUPS = ("Care co-ordinators", "Support/admin", "Project managers")  # posts new to the locality model
GP_COST_PER_FTE = 100_000.0
LEAVER_RATE, JOINER_RATE = 0.10, 0.09  # of the baseline, a year
STAFF_PER_GP_NOTE = {
    "Nurses/HCAs": "a round ratio of the order of general practice nurses and HCAs to GPs in England in 2015, "
                   "not a Mid and South Essex figure",
    "Therapists": "a round ratio chosen for illustration; the seed gives no count of therapists in post",
    "MH therapists": "a round ratio chosen for illustration; the seed gives no count of mental health therapists in post",
}


def with_interval(frame: pd.DataFrame, column: str, low, high, decimals: int) -> pd.DataFrame:
    """The frame with ``<column>_low`` and ``<column>_high`` inserted just after ``column``,
    rounded to ``decimals`` places (to drop float noise such as 0.018000000000000002)."""
    out = frame.copy()
    at = out.columns.get_loc(column) + 1
    out.insert(at, f"{column}_low", np.round(np.asarray(low, dtype=float), decimals))
    out.insert(at + 1, f"{column}_high", np.round(np.asarray(high, dtype=float), decimals))
    return out


def growth_interval(frame: pd.DataFrame) -> pd.DataFrame:
    """growth_low/high = growth -/+ GROWTH_HALF_WIDTH where growth is given (blank where it is blank)."""
    growth = frame["growth"].astype(float)
    return with_interval(frame, "growth", growth - GROWTH_HALF_WIDTH, growth + GROWTH_HALF_WIDTH, 15)


def unit_cost_interval(frame: pd.DataFrame) -> pd.DataFrame:
    """unit_cost_low/high = unit_cost x 0.8 and x 1.2 (symmetric: the midpoint is the point)."""
    cost = frame["unit_cost"].astype(float)
    return with_interval(frame, "unit_cost", cost * UNIT_COST_SCALE[0], cost * UNIT_COST_SCALE[1], 6)


def reduction_interval(frame: pd.DataFrame) -> pd.DataFrame:
    """reduction_low/high = reduction x 0.5 and x 1.5 (symmetric: the midpoint is the point)."""
    reduction = frame["reduction"].astype(float)
    return with_interval(frame, "reduction", reduction * REDUCTION_SCALE[0], reduction * REDUCTION_SCALE[1], 15)


def illustrative_workforce(localities: pd.DataFrame, roles: pd.DataFrame) -> pd.DataFrame:
    """workforce.csv: baseline FTE, cost per FTE, leavers and joiners for GPs and the staff groups that
    roles.csv adds FTE to.

    GPs in post = population / patients_per_gp summed over localities (the pack's own illustrative
    patients per GP), to 0.1 FTE. Nurses/HCAs, therapists and MH therapists in proportion to the GPs
    (STAFF_PER_GP). Care co-ordinators, locality support/admin and change-management project managers
    are posts new to the locality model: none in post, no flows. Cost per FTE is the seed's initial
    cost per FTE of the group's posts (GPs: GBP 100,000). Leavers 10% and joiners 9% of the baseline a
    year. The up-skilled groups (GPwSI, GP MDT leads, care navigators, non-medical prescribers) are
    existing staff trained, not added FTE, so they have no row.
    """
    gps = round(float((localities["population"] / localities["patients_per_gp"]).sum()), 1)
    added = roles[roles["fte"] > 0]
    groups = [*STAFF_PER_GP, *NEW_POST_GROUPS]
    if set(groups) != set(added["staff_group"]):
        raise ValueError(f"workforce groups {groups} do not match the roles that add FTE: {sorted(set(added['staff_group']))}")
    costs = added.groupby("staff_group")["unit_cost"].unique()
    if (costs.map(len) != 1).any():
        raise ValueError(f"a staff group's posts carry different costs per FTE: {costs.to_dict()}")
    rows = [{"staff_group": GP_GROUP, "baseline_fte": gps, "cost_per_fte": GP_COST_PER_FTE}]
    rows += [{"staff_group": g, "baseline_fte": round(ratio * gps, 1), "cost_per_fte": float(costs[g][0])}
             for g, ratio in STAFF_PER_GP.items()]
    rows += [{"staff_group": g, "baseline_fte": 0.0, "cost_per_fte": float(costs[g][0])} for g in NEW_POST_GROUPS]
    out = pd.DataFrame(rows)
    out["leavers_fte"] = (out["baseline_fte"] * LEAVER_RATE).round(1)
    out["joiners_fte"] = (out["baseline_fte"] * JOINER_RATE).round(1)
    return out


# --------------------------------------------------------------------------------------------
# Writing the pack
# --------------------------------------------------------------------------------------------

NEL_TABLE = f"{SEED}, Locality targets for Frailty and Long Term Conditions: NELs"
OP_TABLE = f"{SEED}, Locality targets for LTCs and Specialist Pathway: OPs"
ACTIVITY_TABLE = f"{SEED}, Delivering the model ... reduction in acute A&E and IP activity (system activity table)"
DETAILED_TABLE = f"{SEED}, Local Health and Care: detailed impact on activity by 2020/21"
FINANCE_TABLE = f"{SEED}, System wide targets for three initiatives will be broken down to a locality level (initiative finance)"
NET_TABLE = f"{SEED}, Five initiatives are central to delivering these activity reductions (net system savings)"
PUMP_TABLE = f"{SEED}, Pump priming required to deliver Local Health and Care model"
WORKFORCE_TABLE = f"{SEED}, Summary of workforce implications of investments"
DEEP_DIVE_TABLE = f"{SEED}, Progress in developing locality models (five locality deep dives)"
PHASING_TABLE = f"{SEED}, Locality implementation: phasing"
ARCHETYPE_TABLE = f"{SEED}, The delivery of care in a locality will reflect local population needs (archetypes)"

ARCHETYPE_VALUES = {  # illustrative values per archetype; median ages are the seed's archetype medians
    "urban affluent": {"imd_score": 15.0, "median_age": 40.0, "rural": False, "patients_per_gp": 2450.0},
    "urban deprived": {"imd_score": 30.0, "median_age": 43.0, "rural": False, "patients_per_gp": 2750.0},
    "rural": {"imd_score": 18.0, "median_age": 48.0, "rural": True, "patients_per_gp": 3100.0},
}
# Patients per GP inside the band of each deep dive's workforce-capacity score (seed 003 scoring criteria).
DEEP_DIVE_PATIENTS_PER_GP = {"MSE20": 2800.0, "MSE11": 2350.0, "MSE24": 2350.0, "MSE17": 3300.0, "MSE06": 3200.0}
BAND_OF_SCORE = {1: (3000, math.inf), 2: (2600, 3000), 3: (2100, 2600), 4: (0, 2100)}


class Sources:
    """Collects sources.csv: which seed table (or which assumption) each column's cells come from."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, file: str, columns, source: str, locality_id: str = "*", key: str = "*"):
        for column in [columns] if isinstance(columns, str) else columns:
            self.rows.append({"file": file, "column": column, "locality_id": locality_id, "key": key, "source": source})

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=["file", "column", "locality_id", "key", "source"])
        frame["citation"] = [citation(text) for text in frame["source"]]
        frame["illustrative"] = ["true" if illustrative(text) else "false" for text in frame["source"]]
        return frame


# The source documents in a reader's words (author, title, date): what the pages show as a figure's source.
SEED_TITLES = {
    "seed 000": "Making STPs happen: an overview (guidance notes for STP leaders, 2016)",
    "seed 001": "Integrated care: the keys to success in practice (occasional paper)",
    "seed 002": "NHS England, STP submission Annex C: example plans on a page, October 2016",
    "seed 003": "Mid and South Essex STP, Local Health and Care annex, October 2016",
    "seed 004": "A rapid evidence review of new models of care for a London CCG, November 2016",
}


def illustrative(source: str) -> bool:
    return source.strip().lower().startswith("illustrative")


def citation(source: str) -> str:
    """A source line in a reader's words: the documents it cites by title (illustrative ones say so)."""
    titles = [title for ref, title in SEED_TITLES.items() if ref in source.lower()]
    cited = "; ".join(titles)
    if illustrative(source):
        return f"Illustrative assumption, after {cited}" if cited else "Illustrative assumption"
    if "reconstructed" in source:
        return f"{cited} (reconstructed from its published tables)"
    return cited


FUNDING_YEARS = ("2017/18", "2018/19", "2019/20", "2020/21")

# Seed 003's pump-priming "Others" line (footnote 2: "costs each less than GBP 1m p.a.": social prescribing
# pilots, locality back office support and leadership development). The workforce table shows two of
# its parts as lines of their own; the rest is leadership development and whatever else is not shown.
OTHERS = "Others"
OTHERS_REMAINDER = "Others: leadership development and other items"

# Roles that do not start in their line's first year of investment: (year, why).
ROLE_START_YEARS = {
    "GP MDT leads": ("2019/20", "'+8 GP MDT leads, enabled by capacity release' follow the capacity release the "
                     "'Workforce changes to support GP capacity release' line funds in 2017/18 and 2018/19, and 8 x ~GBP 60K "
                     "= GBP 0.48m is the Up-skilling Primary Care line's only 2019/20 amount (0.5), the table's 2019/20 total "
                     "(GBP 0.5M); the ~52 GPwSI (~GBP 80K each) take its 2017/18 and 2018/19 amounts"),
}


def split_others(pump: pd.DataFrame, workforce: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Seed 003's pump-priming "Others" line (GBP m by year, as printed) split into the lines the
    workforce table shows inside it (its lines that the pump-priming table does not have: social
    prescribing pilots 0.4, locality back-office support 0.3 and 0.3) and the remainder, by year,
    each printed to GBP 0.1m. Every part of every year is at least 0 and less than GBP 1m (footnote
    2), and the parts add up to the printed line."""
    others = pump[pump["category"] == OTHERS].iloc[0]
    inside = workforce[(workforce["kind"] != "total") & ~workforce["line"].isin(pump["category"])].drop_duplicates("line")
    parts: dict[str, dict[str, float]] = {}
    for _, row in inside.iterrows():
        parts[row["line"]] = {y: _gbp_m(row[y]) for y in FUNDING_YEARS}
    rest = {y: round(_gbp_m(others[y]) - sum(p[y] for p in parts.values()), 1) for y in FUNDING_YEARS}
    parts[OTHERS_REMAINDER] = rest
    for name, amounts in parts.items():
        if not all(0 <= a < 1.0 for a in amounts.values()):
            raise ValueError(f"'Others' part {name} is not between 0 and GBP 1m a year: {amounts}")
    return {name: {y: (f"{a:.1f}" if a else "") for y, a in amounts.items()} for name, amounts in parts.items()}


def _gbp_m(text: str) -> float:
    return float(text) if text else 0.0


def _amounts(row) -> str:
    """'2017/18 GBP 0.3m, 2018/19 GBP 0.3m': the printed amounts of a line, blank years left out."""
    return ", ".join(f"{y} GBP {row[y]}m" for y in FUNDING_YEARS if row[y])


def _money(text: str) -> int:
    """'£26.3M' or '6.2' (GBP m) -> whole pounds."""
    return int(round(figure(text).value * (1 if re.search(r"[kKmM]", text) else 1e6)))


def build_pack(golden: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], str]:
    """Every pack CSV (name -> frame, sources.csv included) and pack.toml text."""
    from stpkit.schema import SEED_001_RISK_PYRAMID  # the repository's own copy of the seed 001 pyramid

    src = Sources()
    nel_g, op_g = golden["seed003_nel_targets.csv"], golden["seed003_op_targets.csv"]
    ids = pd.DataFrame(LOCALITIES, columns=["locality_id", "short", "locality", "group", "archetype"])
    for g in (nel_g, op_g):
        body = g[g["ccg"] != "Total"].reset_index(drop=True)
        if list(body["locality"]) != list(ids["short"]) or list(body["number"]) != [str(i) for i in range(1, 27)]:
            raise ValueError("locality tables do not follow the seed numbering 1 Braintree ... 26 Southend WC")
        if list(body["ccg"].map(CCG_ABBREVIATIONS)) != list(ids["group"]):
            raise ValueError("locality table CCGs do not match")
    if list(nel_g["population"]) != list(op_g["population"]):
        raise ValueError("the NEL and OP tables print different populations")

    # localities.csv
    body = nel_g[nel_g["ccg"] != "Total"].reset_index(drop=True)
    loc = ids[["locality_id", "locality", "group"]].copy()
    loc["population"] = [int(figure(p).value) for p in body["population"]]
    for col in ("imd_score", "median_age", "rural", "patients_per_gp"):
        loc[col] = [ARCHETYPE_VALUES[a][col] for a in ids["archetype"]]
    for lid, ppg in DEEP_DIVE_PATIENTS_PER_GP.items():
        loc.loc[loc["locality_id"] == lid, "patients_per_gp"] = ppg
    loc["rural"] = loc["rural"].map({True: "true", False: "false"})
    src.add("localities.csv", "locality_id", f"{SEED}, locality numbering of the two locality target tables (1 Braintree ... 26 Southend WC)")
    src.add("localities.csv", "locality", f"{SEED}: locality names of the target tables, written in full as in the {PHASING_TABLE} table "
            "(Woodham = South Woodham, Ockendon = South Ockendon, B&H = Benfleet and Hadleigh, Southend E/EC/W/WC = Southend East/East Central/West/West Central)")
    src.add("localities.csv", "group", f"{NEL_TABLE}, CCG column (B&B, TH, CP&R, SE written in full)")
    src.add("localities.csv", "population", f"{NEL_TABLE}, Pop column (HSCIC GP registered population July 2016), published to the nearest 1K; the centre of each rounding is used")
    src.add("localities.csv", ["imd_score"], "illustrative assumption: seed 003 gives only archetype counts (16 urban affluent, 8 urban deprived, "
            "2 rural; deprived = IMD 2015 score above 22) and the deep dives' archetypes; each locality gets its assumed archetype's "
            "illustrative score (affluent 15, deprived 30, rural 18)")
    src.add("localities.csv", ["median_age"], f"illustrative assumption: the median age of the locality's assumed archetype ({ARCHETYPE_TABLE}: 40, 43, 48)")
    src.add("localities.csv", ["rural"], "illustrative assumption: the two rural localities are taken to be Dengie (a rural deep dive in seed 003) and Maldon")
    src.add("localities.csv", ["patients_per_gp"], "illustrative assumption: an archetype value (affluent 2,450, deprived 2,750, rural 3,100 patients per GP); "
            "seed 003 gives no locality figures")
    for lid in DEEP_DIVE_PATIENTS_PER_GP:
        src.add("localities.csv", ["imd_score", "median_age", "rural"], f"illustrative assumption: archetype values; the archetype itself is from {DEEP_DIVE_TABLE}", lid)
        src.add("localities.csv", "patients_per_gp", f"illustrative assumption inside the band of the workforce-capacity score in {DEEP_DIVE_TABLE} "
                "(scoring criteria: >3000 = 1, 2600-3000 = 2, 2100-2600 = 3, <2100 = 4)", lid)

    # NEL and OP activity, growth, targets and unit costs
    nel = solve_nel(nel_g)
    op = solve_op(op_g)
    nel_cost, nel_own = solve_unit_costs(nel_g, nel["momentum"] - nel["target"])
    op_cost, op_own = solve_unit_costs(op_g, op["momentum"] - op["target"])
    act = pd.concat([
        pd.DataFrame({"locality_id": ids["locality_id"], "pod": "non_elective", "activity": nel["base"],
                      "growth": nel["growth"], "unit_cost": nel_own}),
        pd.DataFrame({"locality_id": ids["locality_id"], "pod": "outpatient", "activity": op["base"],
                      "growth": np.nan, "unit_cost": op_own}),
    ], ignore_index=True)
    targets = pd.concat([
        pd.DataFrame({"locality_id": ids["locality_id"], "pod": "non_elective", "target": nel["target"]}),
        pd.DataFrame({"locality_id": ids["locality_id"], "pod": "outpatient", "target": op["target"]}),
    ], ignore_index=True)
    src.add("activity.csv", ["locality_id", "pod"], f"{NEL_TABLE} and {OP_TABLE}: one row per locality and table")
    src.add("activity.csv", "activity", f"{NEL_TABLE}, NELs 2015/16 (reconstructed unrounded: an integer consistent with every published cell of the row; see README)", key="non_elective")
    src.add("activity.csv", "activity", f"{OP_TABLE}, OPs 2015/16 (reconstructed unrounded: an integer consistent with every published cell of the row; see README)", key="outpatient")
    shift2 = nel.attrs["shift_vs_momentum"]
    src.add("activity.csv", "growth", f"{NEL_TABLE}: (NELs 2020/21E / NELs 2015/16)^(1/5) - 1 with 2020/21E = target + the reduction vs 2020/21E "
            + (f"(the published integer {shift2:+g}, the common shift to the published total)" if shift2 else
               "(the published integer: the rows already add up within the published total, 11K)")
            + " (reconstructed unrounded, full float precision)", key="non_elective")
    src.add("activity.csv", "growth", f"blank: the pod's 3.3% a year ({OP_TABLE} note: 'Activity growth rates of 3.3% assumed as per NHSE guidance') fits every locality", key="outpatient")
    for pod, table in (("non_elective", NEL_TABLE), ("outpatient", OP_TABLE)):
        src.add("activity.csv", "unit_cost", f"{table}: Gross savings 2020/21 / reduction vs 2020/21E (reconstructed unrounded: the printed "
                "gross savings, shifted as the Total needs, over the reconstructed avoided activity; no single unit cost fits every locality)", key=pod)
    src.add("targets.csv", ["locality_id", "pod"], f"{NEL_TABLE} and {OP_TABLE}: one row per locality and table")
    src.add("targets.csv", "target", f"{NEL_TABLE}, NELs target 2020/21 = NELs 2015/16 - the reduction vs 2015/16, unrounded: the published integer "
            f"{nel.attrs['shift_vs_base']:+g}, the common shift that makes the 26 rows (printed integers adding up to 30) add up to the published "
            "total 31; each still rounds to its printed integer (reconstructed unrounded, see README)", key="non_elective")
    src.add("targets.csv", "target", f"{OP_TABLE}, OPs target 2020/21 (reconstructed unrounded integer)", key="outpatient")

    # pods.csv
    pods = pd.DataFrame({"pod": list(POD_GROWTH), "growth": list(POD_GROWTH.values())})
    unit = {**ILLUSTRATIVE_UNIT_COSTS, "non_elective": nel_cost, "outpatient": op_cost}
    pods["unit_cost"] = pods["pod"].map(unit)
    src.add("pods.csv", "pod", f"{ACTIVITY_TABLE}: the five points of delivery")
    src.add("pods.csv", "growth", f"{ACTIVITY_TABLE}, 'Assumed momentum growth rate per year' (2.3%, 3.3%, 3.3%, 2.3%, 3.3%)")
    for pod, cost in ILLUSTRATIVE_UNIT_COSTS.items():
        src.add("pods.csv", "unit_cost", ILLUSTRATIVE_UNIT_COST_NOTE.format(pod=pod, cost=cost), key=pod)
    for pod, table in (("non_elective", NEL_TABLE), ("outpatient", OP_TABLE)):
        src.add("pods.csv", "unit_cost", f"{table}: footprint average = total reconstructed gross savings / total avoided, to the pound "
                "(every locality in this pack carries its own unit cost)", key=pod)

    # schemes.csv
    schemes = pd.DataFrame([(s, p, r) for s, p, r, _ in SCHEME_REDUCTIONS], columns=["scheme", "pod", "reduction"])
    src.add("schemes.csv", ["scheme", "pod"], f"{DETAILED_TABLE}: segment and metric columns")
    # One source line per scheme (the key is the scheme), with the note of each of its pods.
    for s in dict.fromkeys(s for s, *_ in SCHEME_REDUCTIONS):
        notes = "; ".join(f"{p}: {n}" for s2, p, _, n in SCHEME_REDUCTIONS if s2 == s)
        src.add("schemes.csv", "reduction", f"{DETAILED_TABLE}, change (%) from momentum; {notes}", key=s)

    # investments.csv: the pump-priming table, its "Others" line split into the parts the workforce table names
    pump = golden["seed003_pump_priming.csv"]
    wf = golden["seed003_workforce.csv"]
    inv = []
    for _, row in pump[pump["section"] != "Total"].iterrows():
        kind = "capital" if row["section"] == "Cap." else "revenue"
        parts = split_others(pump, wf) if row["category"] == OTHERS else {row["category"]: row}
        for category, amounts in parts.items():
            for year in FUNDING_YEARS:
                if amounts[year]:
                    inv.append((category, kind, year, _money(amounts[year])))
    investments = pd.DataFrame(inv, columns=["category", "kind", "year", "amount"])
    src.add("investments.csv", ["category", "kind", "year", "amount"], f"{PUMP_TABLE} (pump priming = revenue, 'Cap.' = capital; GBP m x 1,000,000; blank cells are no row)")
    parts = split_others(pump, wf)
    named = [c for c in parts if c != OTHERS_REMAINDER]
    for category in named:
        src.add("investments.csv", ["category", "kind", "year", "amount"], f"reconstructed from two seed tables: {WORKFORCE_TABLE}, "
                f"line '{category}' ({_amounts(parts[category])}), one of the parts of {PUMP_TABLE}, 'Others' (footnote 2, "
                "'costs each less than GBP 1m p.a.': social prescribing pilots, locality back office support and leadership development)",
                key=category)
    src.add("investments.csv", ["category", "kind", "year", "amount"], f"reconstructed from two seed tables: {PUMP_TABLE}, 'Others' "
            f"({_amounts(pump[pump['category'] == OTHERS].iloc[0])}) less the lines {WORKFORCE_TABLE} shows inside it "
            f"({', '.join(named)}) leaves {_amounts(parts[OTHERS_REMAINDER])}: the rest of footnote 2, leadership development, "
            "and anything else the seed does not show",
            key=OTHERS_REMAINDER)

    # initiatives.csv
    fin = golden["seed003_initiative_finance.csv"]
    net = golden["seed003_net_system_savings.csv"]
    fin_names = {"Frailty and EOL": "Frailty and EoL", "Long term conditions": "Long-term conditions",
                 "Specialist pathway redesign": "Specialty pathway redesign"}
    net_names = {"Common Offer in-hospital": "Common offer"}
    init = {}
    for _, row in fin[fin["initiative"] != "Total"].iterrows():
        init[fin_names[row["initiative"]]] = {"gross_savings": _money(row["gross_savings"]), "investment": _money(row["invest"]),
                                              "stranded_cost": _money(row["acute_stranded_cost"]), "net_savings": _money(row["net_savings"])}
    for _, row in net[net["initiative"] != "Total"].iterrows():
        name = net_names.get(row["initiative"], row["initiative"])
        init.setdefault(name, {})["net_system_savings"] = _money(row["net_savings_2020_21"])
    # The published totals as a "Total" row (stpkit.initiatives reads it as totals to check, never adds it).
    fin_total = fin[fin["initiative"] == "Total"].iloc[0]
    init["Total"] = {"gross_savings": _money(fin_total["gross_savings"]), "investment": _money(fin_total["invest"]),
                     "stranded_cost": _money(fin_total["acute_stranded_cost"]), "net_savings": _money(fin_total["net_savings"]),
                     "net_system_savings": _money(net.loc[net["initiative"] == "Total", "net_savings_2020_21"].iloc[0])}
    initiatives = pd.DataFrame([{"initiative": k, **v} for k, v in init.items()],
                               columns=["initiative", "gross_savings", "investment", "stranded_cost", "net_savings", "net_system_savings"])
    for c in initiatives.columns[1:]:
        initiatives[c] = initiatives[c].astype("Int64")
    src.add("initiatives.csv", "initiative", f"{FINANCE_TABLE} and {NET_TABLE}; names spelt as in {DETAILED_TABLE} "
            "(Frailty and EOL, Long term conditions, Specialist pathway redesign, Common Offer in-hospital are the same initiatives)")
    src.add("initiatives.csv", ["gross_savings", "investment", "stranded_cost", "net_savings"],
            f"{FINANCE_TABLE}: Gross savings, Invest, Acute stranded cost, Net savings as published (GBP); blank where the initiative is not in that table")
    src.add("initiatives.csv", "net_system_savings", f"{NET_TABLE}: NET savings by 2020/21 as published (GBP); blank where the initiative is not in that table "
            "(Complex care = Frailty and EoL + Long-term conditions)")
    src.add("initiatives.csv", ["gross_savings", "investment", "stranded_cost", "net_savings", "net_system_savings"],
            f"{FINANCE_TABLE}, Total column, and {NET_TABLE}, Total row: the published totals (GBP 111.7M, 46.9M, 34.5M, 31.1M; 53.3m), "
            "kept as printed even where the rows do not add up to them", key="Total")
    initiatives, plan_files = plan_on_a_page(initiatives, src)

    # roles.csv
    roles = []
    for _, row in wf[wf["kind"] != "total"].iterrows():
        year = ROLE_START_YEARS.get(row["staff_group"], (next(y for y in FUNDING_YEARS if row[y]), ""))[0]
        count = int(row["count"])
        if row["cost_per"]:
            cost = figure(row["cost_per"].lstrip("~")).value
        else:  # non-medical prescribers: the training line's GBP 1.0m over the 26 prescribers
            cost = round(_money(row["2017/18"]) / count, -2)
        roles.append({"role": row["line"], "staff_group": row["staff_group"],
                      "fte": count if row["kind"] == "additional_fte" else 0,
                      "trained": count if row["kind"] == "up_skilled" else pd.NA,
                      "unit_cost": cost, "year": year, "category": row["line"]})
    roles = pd.DataFrame(roles)
    missing = set(roles["category"]) - set(investments["category"])
    if missing:
        raise ValueError(f"roles paid by lines investments.csv does not have: {sorted(missing)}")
    for group, (year, _) in ROLE_START_YEARS.items():  # a later start must match the line's amount that year
        role = roles[roles["staff_group"] == group].iloc[0]
        line = investments.loc[(investments["category"] == role["category"]) & (investments["year"] == year), "amount"]
        count = role["fte"] if role["fte"] > 0 else role["trained"]
        if len(line) != 1 or abs(count * role["unit_cost"] - line.iloc[0]) >= 50_000:
            raise ValueError(f"{group}: {count} x {role['unit_cost']} is not the {year} amount of {role['category']}")
    roles["trained"] = roles["trained"].astype("Int64")
    src.add("roles.csv", ["role", "staff_group", "fte", "trained"], f"{WORKFORCE_TABLE}: Additional FTE (fte) and Up-skilled workforce (trained) columns")
    src.add("roles.csv", "unit_cost", f"{WORKFORCE_TABLE}, footnotes 1-5 (GBP 50K, ~20K, ~80K per FTE, ~60K per GP MDT lead, ~2K per navigator)")
    src.add("roles.csv", "unit_cost", f"illustrative assumption: the seed gives no cost per non-medical prescriber; GBP 1.0m 'Training to up-skill "
            f"existing workforce' ({WORKFORCE_TABLE}) / 26 prescribers, to GBP 100", key="Training to up-skill existing workforce")
    src.add("roles.csv", "year", f"{WORKFORCE_TABLE}: the first year with investment on the role's line (2017/18 for every line), unless a line below says otherwise")
    for group, (year, why) in ROLE_START_YEARS.items():
        role = wf.loc[wf["staff_group"] == group, "line"].iloc[0]
        others = wf.loc[(wf["line"] == role) & (wf["staff_group"] != group), "staff_group"]
        src.add("roles.csv", "year", f"{WORKFORCE_TABLE}: {', '.join(others)} from the line's first year, 2017/18; "
                f"{group} from {year}: {why}", key=role)
    src.add("roles.csv", "category", f"{WORKFORCE_TABLE}: the investment line on the role's row (the investments.csv category that pays for it)")

    # enablers.csv
    ena = golden["seed003_enablers.csv"]
    short_to_id = dict(zip(ids["short"], ids["locality_id"]))
    enablers = pd.DataFrame({"locality_id": ena["locality"].map(short_to_id)})
    for col, pub in (("gp_collaboration", "gp_practice_collaboration"), ("joint_working", "joint_working_sc_ch"),
                     ("shared_information", "shared_information"), ("risk_stratification", "risk_strat_management")):
        enablers[col] = pd.to_numeric(ena[pub].replace("TBC", ""), errors="coerce").astype("Int64")
    src.add("enablers.csv", ["locality_id", "gp_collaboration", "joint_working", "shared_information", "risk_stratification"],
            f"{DEEP_DIVE_TABLE}, Enablers rows (Tilbury shared information 'TBC' left blank)")

    # phasing.csv
    ph = golden["seed003_phasing.csv"]
    name_to_id = dict(zip(ids["locality"], ids["locality_id"]))
    milestones = {"Level 1": "level_1", "Level 2": "level_2", "Level 3": "level_3", "Level 4": "level_4", "▲": "investment"}
    phasing = []
    for _, row in ph.iterrows():
        for q in QUARTERS:
            if row[q]:
                phasing.append((name_to_id[row["locality"]], milestones[row[q]], q))
    phasing = pd.DataFrame(phasing, columns=["locality_id", "milestone", "quarter"])
    src.add("phasing.csv", ["locality_id", "milestone", "quarter"], f"{PHASING_TABLE}: one row per marked quarter ('Level n' = level_n, "
            "the triangle = investment), matched to localities by name (the phasing table numbers Wickford 12 and East Basildon 13, "
            "the target tables the other way round)")

    # risk_segments.csv
    risk = pd.DataFrame(SEED_001_RISK_PYRAMID)
    src.add("risk_segments.csv", ["segment", "share", "relative_rate"], "seed 001, 'Levels of need' risk pyramid of emergency admissions "
            "(0-0.5% at 18.6x, 0.5-5% at 5.5x, 5-20% at 1.7x, 20-100% at 0.5x the population average)")

    # Illustrative 80% intervals, symmetric around the unchanged point values
    act = unit_cost_interval(growth_interval(act))
    pods = unit_cost_interval(growth_interval(pods))
    schemes = reduction_interval(schemes)
    interval = {"growth": ["growth_low", "growth_high"], "unit_cost": ["unit_cost_low", "unit_cost_high"]}
    src.add("activity.csv", interval["growth"], GROWTH_INTERVAL_NOTE + "; each locality's own growth moves by the same "
            "quantile of its own interval", key="non_elective")
    src.add("activity.csv", interval["growth"], "illustrative assumption: blank, as growth is: the outpatient rows take the "
            "pod's growth and its 80% interval from pods.csv", key="outpatient")
    src.add("activity.csv", interval["unit_cost"], UNIT_COST_INTERVAL_NOTE + "; around each locality's own unit cost")
    src.add("pods.csv", interval["growth"], GROWTH_INTERVAL_NOTE + "; the outpatient rows of activity.csv, which leave "
            "growth blank, take this interval")
    src.add("pods.csv", interval["unit_cost"], UNIT_COST_INTERVAL_NOTE)
    src.add("schemes.csv", ["reduction_low", "reduction_high"], REDUCTION_INTERVAL_NOTE)

    # Illustrative workforce supply
    workforce = illustrative_workforce(loc, roles)
    src.add("workforce.csv", "staff_group", f"illustrative assumption: GPs (stpkit's GP group, whose time the alternative "
            f"channels release) and the staff groups {WORKFORCE_TABLE} adds FTE to; the up-skilled groups (GPwSI, GP MDT leads, "
            "care navigators, non-medical prescribers) are existing staff trained, not added FTE, so they have no supply row")
    gps = workforce.loc[workforce["staff_group"] == GP_GROUP, "baseline_fte"].item()
    src.add("workforce.csv", "baseline_fte", f"illustrative assumption: GPs in post = population / patients_per_gp summed over "
            f"the 26 localities (localities.csv; patients_per_gp is itself an illustrative assumption), to 0.1 FTE: {gps:g}",
            key=GP_GROUP)
    for group, ratio in STAFF_PER_GP.items():
        src.add("workforce.csv", "baseline_fte", f"illustrative assumption: {ratio:g} FTE per GP FTE in post ({ratio:g} x {gps:g}, "
                f"to 0.1 FTE): {STAFF_PER_GP_NOTE[group]}", key=group)
    for group in NEW_POST_GROUPS:
        src.add("workforce.csv", "baseline_fte", "illustrative assumption: 0, posts new to the locality model (none in post in "
                "2015/16), so every post funded or needed is a gap to recruit to", key=group)
    src.add("workforce.csv", "cost_per_fte", f"illustrative assumption: GBP {GP_COST_PER_FTE:,.0f}, a round figure of the order "
            "of a GP's yearly pay with on-costs in 2015/16 (not a seed figure)", key=GP_GROUP)
    footnotes = {"Nurses/HCAs": 1, "Therapists": 1, "MH therapists": 1, "Care co-ordinators": 1, "Support/admin": 2,
                 "Project managers": 3}
    for group, note in footnotes.items():
        cost = workforce.loc[workforce["staff_group"] == group, "cost_per_fte"].item()
        src.add("workforce.csv", "cost_per_fte", f"illustrative assumption: the initial cost per FTE of the group's posts in "
                f"{WORKFORCE_TABLE} (footnote {note}: GBP {cost:,.0f}) taken as the cost of an FTE a year", key=group)
    src.add("workforce.csv", "leavers_fte", f"illustrative assumption: {LEAVER_RATE:.0%} of the baseline a year, a plain round "
            "turnover rate (not a local figure), to 0.1 FTE")
    src.add("workforce.csv", "joiners_fte", f"illustrative assumption: {JOINER_RATE:.0%} of the baseline a year, slightly fewer "
            f"than the leavers, so without the plan supply drifts down by {LEAVER_RATE - JOINER_RATE:.0%} of the baseline a year; "
            "to 0.1 FTE")

    beds_files = illustrative_beds(src)

    toml = ('[footprint]\nname = "Mid and South Essex"\nbase_year = "2015/16"\nhorizon_year = "2020/21"\n\n'
            '[finance]\ndiscount_rate = 0.035\n\n'
            '[investment]\nfirst_year = "2016/17"\nappraisal_years = 5\nsteady_state_years = 0\n\n'
            '[delivery]\nfactor = 1.0\nfactor_low = 0.5\nfactor_high = 1.5\n'
            '\n[beds]\noccupancy = 0.92\noccupancy_low = 0.9\noccupancy_high = 0.94\nstrict_occupancy = 0.85\n'
            'risk = 0.05\n')
    src.add("pack.toml", "footprint.name", f"{SEED}: Mid and South Essex Success Regime")
    src.add("pack.toml", ["footprint.base_year", "footprint.horizon_year"], f"{NEL_TABLE} and {OP_TABLE}: 2015/16 and 2020/21 columns")
    src.add("pack.toml", "finance.discount_rate", "illustrative assumption: HM Treasury Green Book rate 3.5% (not in the seeds)")
    src.add("pack.toml", ["investment.first_year", "investment.appraisal_years"],
            f"{SEED}, Pump priming required (investment from 2017/18) and Phasing of funding (full benefits by 2020/21): "
            "year 0 is 2016/17, the year after the 2015/16 base, and the period runs five years to the 2020/21 horizon")
    src.add("pack.toml", "investment.steady_state_years", "illustrative assumption: no years after 2020/21 are "
            "counted (the seeds appraise nothing beyond the plan); set it to carry savings and running costs on")
    src.add("pack.toml", "delivery.factor", "illustrative assumption: schemes deliver what seed 003 plans (1.0)")
    src.add("pack.toml", ["delivery.factor_low", "delivery.factor_high"],
            "illustrative assumption: an 80% interval of 0.5 to 1.5, centred on the plan and wide because seed 004's "
            "evidence review found many community schemes (POPPs, integrated care pilots, virtual wards, telehealth) "
            "did not cut emergency admissions")
    # settings the pack leaves at stpkit's defaults, which come from the seeds
    src.add("pack.toml", ["care_coordination.eligible_share", "care_coordination.caseload_per_coordinator",
                          "care_coordination.net_saving_per_patient_gbp"],
            "seed 000, care coordination: 3,000 eligible people in a CCG of 200,000 (1.5%), 200 patients a coordinator, "
            "GBP 1,000 net saving a patient a year (stpkit's defaults; pack.toml does not set them)")
    src.add("pack.toml", "investment.savings_elasticity",
            "seed 003, savings against investment scenarios: full investment releases full savings, 25% releases 12.5%; "
            "an elasticity of 1.5 reproduces both (stpkit's default; pack.toml does not set it)")
    src.add("pack.toml", "investment.savings_lag_years",
            "seed 003: the investments are expected to pay for themselves within 12 months, so savings trail by a year "
            "(stpkit's default; pack.toml does not set it)")

    files = {"localities.csv": loc, "activity.csv": act, "pods.csv": pods, "targets.csv": targets, "schemes.csv": schemes,
             "investments.csv": investments, "initiatives.csv": initiatives, "roles.csv": roles, "enablers.csv": enablers,
             "phasing.csv": phasing, "risk_segments.csv": risk, "workforce.csv": workforce}
    files.update(beds_files)
    files.update(plan_files)
    files["sources.csv"] = src.frame()
    return files, toml


# Illustrative bed data (the seeds give none for Mid and South Essex): stpkit.beds.
NEL_LOS_DAYS = (5.5, 4.5, 6.5)  # mean length of stay of an emergency admission, days, with an 80% interval
LOS_CHANGES = (  # scheme, reduction of the target's bed days, low, high
    ("Discharge to assess", 0.05, 0.02, 0.08),
    ("Concurrent utilisation review", 0.03, 0.01, 0.05),
)
# Seed 000's levels of care: two-thirds of beds tertiary and secondary acute (0.1 + 0.5667), the rest sub-acute,
# rehabilitation (0.2333) and step-down (0.1); today every bed is staffed as acute (tertiary 10%, the rest
# secondary acute). Costs per available bed day: round illustrative figures, with sub-acute and step-down
# well below acute, as seed 000 says the four levels are "differently staffed".
LEVELS_OF_CARE = (
    ("Tertiary", True, 0.1, 0.1, 600),
    ("Secondary acute", True, 0.5667, 0.9, 400),
    ("Sub-acute and rehabilitation", False, 0.2333, 0.0, 280),
    ("Step-down", False, 0.1, 0.0, 200),
)


def illustrative_beds(src: Sources) -> dict[str, pd.DataFrame]:
    """length_of_stay.csv, los_changes.csv and levels_of_care.csv, every value an illustrative assumption."""
    los, low, high = NEL_LOS_DAYS
    stays = pd.DataFrame([{"locality_id": "*", "pod": "non_elective", "los_days": los, "los_days_low": low,
                           "los_days_high": high}])
    src.add("length_of_stay.csv", ["locality_id", "pod"], "illustrative assumption: one length of stay for every "
            "locality's emergency admissions (the pack has no elective inpatient or day case activity)")
    src.add("length_of_stay.csv", "los_days", f"illustrative assumption: {los:g} days, a round figure of the order of "
            "the mean stay of an emergency admission in English hospitals in 2015/16 (not a seed or local figure)")
    src.add("length_of_stay.csv", ["los_days_low", "los_days_high"], f"illustrative assumption: an 80% interval of "
            f"{low:g} to {high:g} days around the {los:g}")
    changes = pd.DataFrame([{"scheme": name, "pod": "non_elective", "reduction": r, "reduction_low": lo,
                             "reduction_high": hi} for name, r, lo, hi in LOS_CHANGES])
    src.add("los_changes.csv", ["scheme", "pod"], "illustrative assumption: seed 000's concurrent utilisation review "
            "and a discharge to assess scheme shorten emergency stays (seed 000: hospitals retain patients beyond "
            "their need for acute care due to delayed discharge)")
    src.add("los_changes.csv", "reduction", "illustrative assumption: discharge to assess saves 5% of the target's "
            "emergency bed days, utilisation review 3% (not seed figures)")
    src.add("los_changes.csv", ["reduction_low", "reduction_high"], "illustrative assumption: 80% intervals of 2% to "
            "8% and 1% to 5%")
    levels = pd.DataFrame([{"level": name, "acute": "true" if acute else "false", "share": share,
                            "base_share": base, "cost_per_bed_day": cost}
                           for name, acute, share, base, cost in LEVELS_OF_CARE])
    src.add("levels_of_care.csv", ["level", "acute", "share"], "illustrative assumption after seed 000, levels of "
            "care: two-thirds of beds designated tertiary and secondary acute (0.1 + 0.5667), the remainder sub-acute, "
            "rehabilitation (0.2333) and step-down (0.1); the split between the acute levels and between the others "
            "is not in the seed")
    src.add("levels_of_care.csv", "base_share", "illustrative assumption after seed 000's worked example: today every "
            "bed is designated and staffed as acute (10% tertiary, 90% secondary acute)")
    src.add("levels_of_care.csv", "cost_per_bed_day", "illustrative assumption: GBP 600, 400, 280 and 200 for a staffed "
            "bed a day at the four levels, round figures (not seed figures) with sub-acute and step-down beds well "
            "below acute ones, as seed 000 says the levels are differently staffed and costed")
    src.add("pack.toml", ["beds.occupancy", "beds.strict_occupancy"], "illustrative assumption: the NHS planning "
            "convention of 92% occupancy for general and acute beds, and 85% as the stricter benchmark")
    src.add("pack.toml", ["beds.occupancy_low", "beds.occupancy_high"], "illustrative assumption: an 80% interval of "
            "90% to 94% around the 92% occupancy")
    src.add("pack.toml", "beds.risk", "illustrative assumption: at most a 5% chance that an emergency patient finds "
            "no bed free (Erlang loss)")
    return {"length_of_stay.csv": stays, "los_changes.csv": changes, "levels_of_care.csv": levels}

ELEMENTS_TABLE = f"{SEED}, Executive Summary (1/2): the four key elements of the model"
PRIORITIES = {  # seed 003's four key elements of the Local Health and Care model, in its order
    "Prevention and self care": "Delivering a step change in Prevention, Early Intervention and Self Care",
    "Releasing GP capacity": "Releasing General Practitioner capacity",
    "Care around localities": "Organising care around natural communities (\"localities\")",
    "Integrated pathways": "Developing integrated pathways for services that impact the acutes, especially Frail "
                           "and End of Life patients",
}
INITIATIVE_PLAN = {  # initiative: (priority, organisations involved); no owner: seed 003 names none
    "Frailty and EoL": ("Integrated pathways", "GP practices; community services; adult social care; acute hospitals"),
    "Long-term conditions": ("Prevention and self care", "GP practices; community services"),
    "Specialty pathway redesign": ("Integrated pathways", "acute hospitals; community services"),
    "Complex care": ("Care around localities", "GP practices; community services; adult social care"),
    "Common offer": ("Integrated pathways", "acute hospitals; CCGs"),
    "System-wide transformation": (None, "CCGs; all providers"),  # estates and commissioner efficiencies: no element fits
    "Urgent care": ("Integrated pathways", "NHS 111; ambulance service; acute hospitals"),
}
MILESTONES = [  # illustrative, after seed 003's "Initial view on phasing" (locality, pathway, system-wide)
    ("Frailty and EoL", "2016/17 Q3", "Frail cohort identified and care planned in the first wave of localities"),
    ("Frailty and EoL", "2017/18 Q3", "Frailty assessment unit and discharge to assess in place"),
    ("Frailty and EoL", "2019/20 Q1", "Every locality at Level 4"),
    ("Long-term conditions", "2017/18 Q1", "Single COPD pathway across the system"),
    ("Long-term conditions", "2018/19 Q1", "Practice-based MDTs for long-term conditions in every locality"),
    ("Specialty pathway redesign", "2017/18 Q1", "First wave of specialty pathways (no consultation needed)"),
    ("Specialty pathway redesign", "2018/19 Q3", "Outpatient follow-ups moved to community and digital"),
    ("Common offer", "2017/18 Q1", "Low value procedures restricted in every hospital"),
    ("System-wide transformation", "2017/18 Q3", "Shared care record live"),
    ("System-wide transformation", "2019/20 Q1", "Estates and commissioner efficiencies delivered"),
    ("Urgent care", "2017/18 Q2", "Clinicians in the Clinical Support Desk and 111"),
]
DEPENDENCIES = [  # illustrative, after seed 003 (system-wide enablers such as the shared care record)
    ("Frailty and EoL", "System-wide transformation", "care plans shared through the shared care record"),
    ("Long-term conditions", "System-wide transformation", "shared care record and digital self-management"),
    ("Specialty pathway redesign", "System-wide transformation", "common IT enablers for digital outpatients"),
    ("Urgent care", "Frailty and EoL", "fewer conveyances need care plans for frail patients"),
    ("Common offer", "Specialty pathway redesign", "restrictions sit in the redesigned pathways"),
]
RISKS = [  # illustrative register: risk, owner, likelihood, impact, mitigation
    ("GP workforce too stretched to release capacity", "CCG primary care leads", 4, 4,
     "new roles and alternative channels for GP appointments"),
    ("Community schemes do not cut emergency admissions as planned", "Programme board", 3, 5,
     "track admissions by locality each quarter; plan on a range, not a point"),
    ("Hospital costs stay when the activity goes (stranded cost)", "Acute trust finance directors", 3, 4,
     "plan bed and ward closures with the activity reductions"),
    ("Pump priming not found, or savings not self-funding within 12 months", "STP finance group", 3, 4,
     "phase investment by locality wave; release funding against milestones"),
    ("Shared care record late", "Digital workstream", 2, 3, "start with the localities whose systems already link"),
]


def plan_on_a_page(initiatives: pd.DataFrame, src: Sources) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The plan on a page's inputs: each initiative's priority and organisations, the priorities, and
    illustrative milestones, interdependencies and risks."""
    names = initiatives["initiative"]
    initiatives = initiatives.assign(
        owner=pd.Series([None] * len(initiatives), dtype=object),
        organisations=[INITIATIVE_PLAN.get(n, (None, None))[1] for n in names],
        priority=[INITIATIVE_PLAN.get(n, (None, None))[0] for n in names])
    src.add("initiatives.csv", "owner", "seed 003 names no owner for any initiative: left blank")
    src.add("initiatives.csv", "organisations", "illustrative assumption: the organisations seed 003's description of "
            f"each initiative names or implies ({NET_TABLE}: 111 and ambulance service for urgent care, hospitals "
            "for the Common Offer, integrated neighbourhood hubs for complex care)")
    src.add("initiatives.csv", "priority", "illustrative assumption: each initiative assigned to the one of seed 003's "
            f"four key elements ({ELEMENTS_TABLE}) its description fits best")
    priorities = pd.DataFrame({"priority": list(PRIORITIES), "description": list(PRIORITIES.values())})
    src.add("priorities.csv", ["priority", "description"], f"{ELEMENTS_TABLE}; short names stpkit's")
    milestones = pd.DataFrame(MILESTONES, columns=["initiative", "quarter", "milestone"])
    src.add("milestones.csv", ["initiative", "quarter", "milestone"],
            f"illustrative assumption: milestones after {SEED}, Initial view on phasing (locality waves, a single "
            "LTC pathway and the first specialty pathways first, system-wide enablers such as the shared care record)")
    dependencies = pd.DataFrame(DEPENDENCIES, columns=["initiative", "depends_on", "note"])
    src.add("dependencies.csv", ["initiative", "depends_on", "note"],
            "illustrative assumption: a first cut view of the workstream interdependencies in the shape of seed 002, "
            "after seed 003's system-wide enablers")
    risks = pd.DataFrame(RISKS, columns=["risk", "owner", "likelihood", "impact", "mitigation"])
    src.add("risks.csv", ["risk", "owner", "likelihood", "impact", "mitigation"],
            "illustrative assumption: a risk register after the risks seed 003 and seed 004 describe (GP capacity, "
            "schemes that did not cut emergency admissions, stranded cost, self-funding investment)")
    return initiatives, {"priorities.csv": priorities, "milestones.csv": milestones,
                         "dependencies.csv": dependencies, "risks.csv": risks}


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole numbers in float columns written as integers (15, not 15.0); fractions keep full
    precision (targets.csv mixes unrounded NEL targets, 5934.96, with whole OP targets)."""
    frame = frame.copy()
    for col in frame.columns:
        values = frame[col]
        if values.dtype.kind != "f" or not values.notna().any():
            continue
        whole = values.notna() & (values % 1 == 0)
        if whole[values.notna()].all():
            frame[col] = values.astype("Int64")
        elif whole.any():
            frame[col] = values.astype(object).where(~whole, values[whole].astype("int64").astype(object))
    return frame


def write_pack(files: dict[str, pd.DataFrame], toml: str, out: Path = PACK) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "pack.toml").write_text(toml, encoding="utf-8")
    for name, frame in files.items():
        _tidy(frame).to_csv(out / name, index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extract", action="store_true",
                        help="re-read the locality and phasing tables from the seed 003 text into tests/golden/ and stop")
    parser.add_argument("--seed", type=Path, help="path to 003_f7ccb299cfdf00a6.txt (default: ../shared/seeds)")
    parser.add_argument("--out", type=Path, default=PACK, help="pack folder to write (default data/mid_south_essex)")
    args = parser.parse_args(argv)
    if args.extract:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name, frame in extract(args.seed or find_seed()).items():
            frame.to_csv(GOLDEN / name, index=False, lineterminator="\n")
            print(f"wrote {GOLDEN / name}")
        return 0
    golden = {p.name: read_golden(p.name) for p in sorted(GOLDEN.glob("seed003_*.csv"))}
    files, toml = build_pack(golden)
    write_pack(files, toml, args.out)
    print(f"wrote {args.out} ({', '.join(['pack.toml', *files])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
