"""Locality deep-dive inputs: archetypes, enabler maturity and the transformation timeline.

Seed 003 describes each locality three ways, and this module computes all three for every
locality at once:

- Archetype: "Rural" where localities.csv marks it rural; otherwise "Urban deprived" when the IMD
  2015 score is above 22 (the England average) and "Urban affluent" when it is 22 or below. Where
  the column needed is blank the archetype is "Unknown" and ``archetype_reason`` says which figure
  is missing: stpkit does not guess.
- Enabler maturity, 1 (less advanced) to 4 (more advanced). Workforce capacity is scored from
  patients per GP by seed 003's criteria: over 3,000 -> 1; 2,600 to 3,000 -> 2; 2,100 to 2,600
  -> 3; under 2,100 -> 4. The seed's ranges share their end points, so stpkit decides: 3,000
  scores 2 (">3000" is 1), 2,100 scores 3 ("<2100" is 4), and 2,600, named in two bands, scores 2
  - a locality exactly on a boundary is not credited with more capacity than it has. The four
  other enablers (GP practice collaboration, joint working with social care and community health,
  shared information, risk-stratified management) are judgements scored in enablers.csv; a blank
  score (the seed's "TBC") stays blank. ``peers`` compares each score with the locality's group
  (CCG) and the footprint.
- Transformation level by quarter: phasing.csv gives the quarter each locality reaches Level 1 to
  4 and the quarter investment is required; ``timeline`` fills in the level held in every quarter
  (0 before Level 1) on a locality x quarter grid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .years import format_quarter, parse_quarter

ARCHETYPES = ("Urban affluent", "Urban deprived", "Rural")
UNKNOWN = "Unknown"
DEPRIVED_IMD_SCORE = 22.0  # England average IMD 2015 score (seed 003): above it is deprived

ENABLERS = {
    "workforce_capacity": "Workforce capacity (patients per GP)",
    "gp_collaboration": "GP practice collaboration",
    "joint_working": "Joint working with social care and community health",
    "shared_information": "Shared information and intelligence",
    "risk_stratification": "Risk-stratified management",
}
SCORED_ENABLERS = ("gp_collaboration", "joint_working", "shared_information", "risk_stratification")

# Seed 003, "Back up: scoring criteria": what each score means.
SCORING_CRITERIA = {
    "workforce_capacity": {1: "over 3,000 patients per GP", 2: "2,600 to 3,000", 3: "2,100 to 2,600",
                           4: "under 2,100"},
    "gp_collaboration": {1: "No professional collaboration", 2: "Co-operative, interest in collaboration",
                         3: "Regular locality meetings", 4: "Joint working"},
    "joint_working": {1: "Irregular collaboration, low trust", 2: "Limited collaboration, e.g. occasional MDTs",
                      3: "Regular, functioning MDTs", 4: "Locality teams, named practice social worker"},
    "shared_information": {1: "None", 2: "Full integration to NHS 111", 3: "All on an interoperable system",
                           4: "Sharing information with community care"},
    "risk_stratification": {1: "None", 2: "Risk stratification tool available", 3: "Practice-based MDTs",
                            4: "Locality-based MDTs driven by the risk stratification tool"},
}

MILESTONES = ("level_1", "level_2", "level_3", "level_4")
FIRST_QUARTER = 2016 * 4  # 2016/17 Q1, the start of seed 003's phasing chart
LAST_QUARTER = 2020 * 4 + 3  # 2020/21 Q4


def _flag(values) -> pd.Series:
    """A true/false/blank column as pandas' nullable boolean, whatever it was read as."""
    series = pd.Series(values)
    if series.dtype == "boolean":
        return series
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean")
    text = series.astype("string").str.strip().str.lower()
    mapped = text.map({"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False,
                       "1.0": True, "0.0": False})
    return pd.Series(mapped, dtype="boolean", index=series.index)


def _column(frame: pd.DataFrame, name: str, kind: str = "number") -> pd.Series:
    """A column if the frame has it, else an all-blank one."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(np.nan if kind == "number" else pd.NA, index=frame.index)


def archetype(localities: pd.DataFrame) -> pd.DataFrame:
    """Each locality's archetype: Urban affluent, Urban deprived (IMD score above 22) or Rural.

    Returns locality_id, locality, group, archetype and archetype_reason (why, or which figure is
    missing when the archetype is "Unknown").
    """
    rural = _flag(_column(localities, "rural", "bool")).to_numpy(dtype=object, na_value=None)
    imd = pd.to_numeric(_column(localities, "imd_score"), errors="coerce").to_numpy(dtype=float)
    is_rural = rural == True  # noqa: E712 - elementwise over an object array with None
    is_urban = rural == False  # noqa: E712
    no_rural = ~(is_rural | is_urban)
    no_imd = np.isnan(imd)
    label = np.select(
        [is_rural, is_urban & ~no_imd & (imd > DEPRIVED_IMD_SCORE), is_urban & ~no_imd],
        ["Rural", "Urban deprived", "Urban affluent"], default=UNKNOWN)
    imd_text = np.array([f"{v:.1f}" for v in np.nan_to_num(imd)], dtype=object)
    reason = np.select(
        [is_rural, is_urban & ~no_imd & (imd > DEPRIVED_IMD_SCORE), is_urban & ~no_imd,
         no_rural & no_imd, no_rural],
        ["marked rural",
         "urban, IMD score " + imd_text + " above 22",
         "urban, IMD score " + imd_text + " at or below 22",
         "no rural flag and no IMD score",
         "no rural flag: cannot tell urban from rural"],
        default="urban but no IMD score: cannot tell affluent from deprived")
    return pd.DataFrame({
        "locality_id": localities["locality_id"].to_numpy(),
        "locality": _column(localities, "locality", "text").to_numpy(),
        "group": _column(localities, "group", "text").to_numpy(),
        "archetype": label,
        "archetype_reason": reason,
    })


def workforce_capacity_score(patients_per_gp) -> np.ndarray:
    """Seed 003's workforce capacity score from patients per GP (NaN where not given).

    Over 3,000 -> 1; 2,600 to 3,000 -> 2; 2,100 up to (not including) 2,600 -> 3; under 2,100 -> 4.
    """
    x = np.asarray(patients_per_gp, dtype=float)
    score = np.select([x > 3000, x >= 2600, x >= 2100, x < 2100], [1.0, 2.0, 3.0, 4.0], default=np.nan)
    return np.where(np.isnan(x), np.nan, score)


def maturity(localities: pd.DataFrame, enablers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Enabler maturity scores, 1 to 4, one row per locality.

    Columns: locality_id, locality, group, patients_per_gp, then one column per enabler in
    ``ENABLERS`` (nullable integers; blank where not scored), ``scored`` (how many of the five are
    scored) and ``mean_score`` over the scored ones. Localities without a row in enablers.csv keep
    only the workforce capacity score.
    """
    ppg = pd.to_numeric(_column(localities, "patients_per_gp"), errors="coerce")
    out = pd.DataFrame({
        "locality_id": localities["locality_id"].to_numpy(),
        "locality": _column(localities, "locality", "text").to_numpy(),
        "group": _column(localities, "group", "text").to_numpy(),
        "patients_per_gp": ppg.to_numpy(dtype=float),
        "workforce_capacity": workforce_capacity_score(ppg),
    })
    scores = (enablers.drop_duplicates("locality_id", keep="last").set_index("locality_id")
              if enablers is not None and len(enablers) else pd.DataFrame(columns=list(SCORED_ENABLERS)))
    for name in SCORED_ENABLERS:
        values = scores[name] if name in scores.columns else pd.Series(dtype=float)
        out[name] = pd.to_numeric(values, errors="coerce").reindex(out["locality_id"]).to_numpy(dtype=float)
    grid = out[list(ENABLERS)].to_numpy(dtype=float)
    out["scored"] = (~np.isnan(grid)).sum(axis=1)
    with np.errstate(invalid="ignore"):
        out["mean_score"] = np.where(out["scored"] > 0, np.nansum(grid, axis=1) / np.maximum(out["scored"], 1), np.nan)
    for name in ENABLERS:
        out[name] = pd.array(np.where(np.isnan(out[name].to_numpy(dtype=float)), None,
                                      out[name].to_numpy(dtype=float)), dtype="Int64")
    return out


def peers(scores: pd.DataFrame) -> pd.DataFrame:
    """Each locality's enabler scores against its group (CCG) and the footprint.

    Long table: locality_id, locality, group, enabler, label, score, group_mean, footprint_mean,
    vs_group and vs_footprint (score minus the mean: positive is more advanced than its peers).
    Means are over the localities scored; a blank score stays blank.
    """
    long = scores.melt(id_vars=["locality_id", "locality", "group"], value_vars=list(ENABLERS),
                       var_name="enabler", value_name="score")
    long["score"] = pd.to_numeric(long["score"], errors="coerce").astype(float)
    long["label"] = long["enabler"].map(ENABLERS)
    long["group_mean"] = long.groupby(["group", "enabler"], dropna=False)["score"].transform("mean")
    long["footprint_mean"] = long.groupby("enabler")["score"].transform("mean")
    long["vs_group"] = long["score"] - long["group_mean"]
    long["vs_footprint"] = long["score"] - long["footprint_mean"]
    return long[["locality_id", "locality", "group", "enabler", "label", "score", "group_mean", "footprint_mean",
                 "vs_group", "vs_footprint"]]


def _quarters(values: pd.Series) -> np.ndarray:
    """Quarter indexes, whether given as ints (year * 4 + q - 1) or text like "2016/17 Q3"."""
    if len(values) == 0:
        return np.array([], dtype=int)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("int64").to_numpy()
    return np.array([parse_quarter(v) for v in values], dtype=int)


def milestones(phasing: pd.DataFrame) -> pd.DataFrame:
    """One row per locality: the quarter index of each level and of the investment (NaN if none)."""
    quarters = pd.Series(_quarters(phasing["quarter"]) if len(phasing) else [], dtype=float)
    frame = pd.DataFrame({"locality_id": phasing["locality_id"].to_numpy() if len(phasing) else [],
                          "milestone": phasing["milestone"].astype(str).str.lower().to_numpy() if len(phasing) else [],
                          "quarter": quarters.to_numpy()})
    wide = frame.pivot_table(index="locality_id", columns="milestone", values="quarter", aggfunc="min", sort=False)
    wide = wide.reindex(columns=list(MILESTONES) + ["investment"])
    wide.columns.name = None
    return wide


def timeline(phasing: pd.DataFrame, localities: pd.DataFrame | None = None, first_quarter: int = FIRST_QUARTER,
             last_quarter: int = LAST_QUARTER) -> pd.DataFrame:
    """The transformation level each locality holds in each quarter, and where investment is required.

    Long table, one row per locality and quarter from ``first_quarter`` to ``last_quarter`` (2016/17
    Q1 to 2020/21 Q4 by default, seed 003's chart): locality_id, quarter ("2016/17 Q3"),
    quarter_index (int), level (0 before Level 1, else the highest level reached by then) and
    investment (True in the quarter investment is required). ``localities`` adds their names and
    groups and keeps localities with no phasing (all level 0) in file order.
    """
    wide = milestones(phasing)
    if localities is not None:
        wide = wide.reindex(pd.Index(localities["locality_id"], name="locality_id"))
    quarters = np.arange(int(first_quarter), int(last_quarter) + 1)
    reached = wide[list(MILESTONES)].to_numpy(dtype=float)  # (L, 4) quarter each level is reached
    # (L, 4, Q): level k is held from its quarter on; the level held is the highest reached.
    held = reached[:, :, None] <= quarters[None, None, :]
    level = (held * np.arange(1, 5)[None, :, None]).max(axis=1) if len(wide) else np.zeros((0, len(quarters)))
    invest = wide["investment"].to_numpy(dtype=float)[:, None] == quarters[None, :]
    n_loc, n_q = level.shape
    out = pd.DataFrame({
        "locality_id": np.repeat(wide.index.to_numpy(), n_q),
        "quarter": np.tile([format_quarter(q) for q in quarters], n_loc),
        "quarter_index": np.tile(quarters, n_loc),
        "level": level.reshape(-1).astype(int),
        "investment": invest.reshape(-1),
    })
    if localities is not None:
        names = localities.drop_duplicates("locality_id").set_index("locality_id")
        out.insert(1, "locality", _column(names, "locality", "text").reindex(out["locality_id"]).to_numpy())
        out.insert(2, "group", _column(names, "group", "text").reindex(out["locality_id"]).to_numpy())
    return out


def timeline_grid(timeline_table: pd.DataFrame) -> pd.DataFrame:
    """Seed 003's phasing chart as a grid: a row per locality, a column per quarter.

    Cells read "Level 2" in the quarter a level is reached, "▲" where investment is required
    (both when they coincide) and are blank otherwise.
    """
    t = timeline_table
    previous = t.groupby("locality_id", sort=False)["level"].shift(fill_value=0)
    start = np.where((t["level"] > previous) & (t["level"] > 0), "Level " + t["level"].astype(str), "")
    marker = np.where(t["investment"], "▲", "")
    cell = pd.Series(start, index=t.index).str.cat(pd.Series(marker, index=t.index), sep=" ").str.strip()
    keys = ["locality_id"] + [c for c in ("locality", "group") if c in t.columns]
    grid = (t.assign(cell=cell.to_numpy()).pivot(index=keys, columns="quarter", values="cell")
            .reindex(columns=list(dict.fromkeys(t["quarter"]))))
    order = list(dict.fromkeys(t["locality_id"]))
    grid = grid.reindex(order, level="locality_id").reset_index()
    grid.columns.name = None
    return grid


def level_counts(timeline_table: pd.DataFrame) -> pd.DataFrame:
    """How many localities hold each level in each quarter: quarter, level_0 .. level_4."""
    counts = pd.crosstab(timeline_table["quarter_index"], timeline_table["level"])
    counts = counts.reindex(columns=range(5), fill_value=0)
    counts.columns = [f"level_{k}" for k in counts.columns]
    counts.insert(0, "quarter", [format_quarter(q) for q in counts.index])
    return counts.reset_index(drop=True)
