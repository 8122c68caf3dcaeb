"""Needs analysis: who is at risk, where emergency admissions come from, and what care coordination takes.

Four views a planner starts from, each a plain function over whole DataFrames (every locality at once):

- `risk_pyramid`: people in each tier of the risk pyramid and each tier's share of emergency
  admissions (seed 001: 0.5% of people at 18.6x the average rate carry 9.3% of admissions).
- `rose_calculator`: Geoffrey Rose's argument in numbers: the share of a tier's admissions that must
  be avoided to cut all admissions by a given amount (seed 001: 10% overall needs 107.5% of the top
  tier's admissions, which is impossible, or 40% of the next tier's).
- `segmentation`: high risk, rising risk and mostly healthy people per locality, and the complex-care
  cohorts drawn from them (seed 003: a 50,000 locality has about 2,500 / 12,000 / 35,500 people and
  cohorts of about 700, 700 and 800).
- `care_coordination`: eligible patients, coordinators needed and net saving (seed 000: 200 patients a
  coordinator a year, GBP 1,000 net saving a patient a year; a 200,000 CCG with 3,000 eligible needs 15).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .schema import SEED_001_RISK_PYRAMID, SETTINGS

FOOTPRINT_ID = "all"
FOOTPRINT_NAME = "Footprint"

# Seed 003, "Care will be adjusted according to need": a locality of ~50,000 has ~2,500 high risk,
# ~12,000 rising risk and ~35,500 mostly healthy people; complex care teams take 2 cohorts of ~700
# from the high risk and 1 cohort of ~800 from the rising risk. Shares and cohort sizes are per person,
# so they scale with each locality's population.
_SEED_003_LOCALITY = 50_000
SEED_003_SEGMENTATION = (
    {"segment": "High risk", "share": 2_500 / _SEED_003_LOCALITY, "cohorts": 2,
     "cohort_people_per_1000": 700 / _SEED_003_LOCALITY * 1000},
    {"segment": "Rising risk", "share": 12_000 / _SEED_003_LOCALITY, "cohorts": 1,
     "cohort_people_per_1000": 800 / _SEED_003_LOCALITY * 1000},
    {"segment": "Mostly healthy", "share": 35_500 / _SEED_003_LOCALITY, "cohorts": 0,
     "cohort_people_per_1000": 0.0},
)

_COORDINATION_DEFAULTS = {key: spec["default"] for key, spec in SETTINGS["care_coordination"].items()}


def default_segments() -> pd.DataFrame:
    """The seed 001 risk pyramid (the default when a pack has no risk_segments.csv)."""
    return pd.DataFrame(list(SEED_001_RISK_PYRAMID))


def default_segmentation() -> pd.DataFrame:
    """Seed 003's high risk / rising risk / mostly healthy shares and complex-care cohorts."""
    return pd.DataFrame(list(SEED_003_SEGMENTATION))


def _segments(segments: pd.DataFrame | None) -> pd.DataFrame:
    frame = default_segments() if segments is None or len(segments) == 0 else segments
    return frame[["segment", "share", "relative_rate"]].reset_index(drop=True).astype(
        {"share": float, "relative_rate": float})


def admissions_shares(segments: pd.DataFrame | None = None, normalise: bool = True) -> pd.Series:
    """Each tier's share of emergency admissions: population share x relative rate.

    A relative rate is measured against the population average, so share x rate is already the tier's
    share of all admissions; published rates are rounded, so the products rarely add up to exactly 1
    (seed 001's add up to 99.55%). normalise=True divides by their sum so the shares add up to 1;
    normalise=False keeps the plain products, which is how seed 001 quotes them (9.3% = 0.5% x 18.6).
    """
    frame = _segments(segments)
    raw = frame["share"].to_numpy() * frame["relative_rate"].to_numpy()
    values = raw / raw.sum() if normalise and raw.sum() > 0 else raw
    return pd.Series(values, index=frame["segment"].to_numpy(), name="admissions_share")


def risk_pyramid(localities: pd.DataFrame, segments: pd.DataFrame | None = None,
                 admissions: pd.Series | Mapping | None = None) -> pd.DataFrame:
    """People in each risk tier of each locality and the tier's share of emergency admissions.

    One row per locality x segment: locality_id, locality, segment, share, relative_rate, people,
    admissions_share (share x relative rate, normalised to add up to 1) and
    admissions_share_unnormalised (the plain product, as seed 001 prints it). Pass `admissions`
    (emergency admissions a year by locality_id) to also get `admissions` per tier.
    The same pyramid applies to every locality; see `footprint_pyramid` for the whole footprint.
    """
    frame = _segments(segments)
    frame["admissions_share"] = admissions_shares(frame, normalise=True).to_numpy()
    frame["admissions_share_unnormalised"] = admissions_shares(frame, normalise=False).to_numpy()
    places = localities[["locality_id", "locality", "population"]].copy()
    places["population"] = places["population"].astype(float)
    out = places.merge(frame, how="cross")
    out["people"] = out["population"] * out["share"]
    if admissions is not None:
        totals = out["locality_id"].map(pd.Series(admissions, dtype=float))
        out["admissions"] = totals * out["admissions_share"]
    return out


def footprint_pyramid(pyramid: pd.DataFrame) -> pd.DataFrame:
    """The risk pyramid of the whole footprint: `risk_pyramid` rows summed over localities.

    Same columns, with locality_id "all" and locality "Footprint"; shares are recomputed from the sums.
    """
    sums = {"population": "sum", "people": "sum"}
    if "admissions" in pyramid:
        sums["admissions"] = "sum"
    firsts = {c: "first" for c in ("relative_rate", "admissions_share", "admissions_share_unnormalised")}
    out = pyramid.groupby("segment", sort=False).agg({**sums, **firsts}).reset_index()
    out["share"] = out["people"] / out["population"]
    out.insert(0, "locality_id", FOOTPRINT_ID)
    out.insert(1, "locality", FOOTPRINT_NAME)
    return out[[c for c in pyramid.columns if c in out.columns]]


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def rose_calculator(segments: pd.DataFrame | None = None, cut: float = 0.10, normalise: bool = True) -> pd.DataFrame:
    """How much of each tier's emergency admissions must be avoided to cut all admissions by `cut`.

    Geoffrey Rose's point (seed 001): most admissions come from the many people at lower risk, so
    working only on the few at highest risk cannot move the total much. One row per segment:
    segment, share, relative_rate, admissions_share, required_share (cut / admissions_share),
    possible (False when more than all the tier's admissions would have to go), required_share_cumulative
    and possible_cumulative (targeting this tier and every tier at higher risk together), and a note in
    plain words. `cut` is a fraction (0.10 for 10%). normalise: see `admissions_shares`; seed 001's
    107.5% uses the plain products (normalise=False), the normalised shares give 107.0%.
    """
    frame = _segments(segments)
    frame["admissions_share"] = admissions_shares(frame, normalise=normalise).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["required_share"] = cut / frame["admissions_share"]
        ranked = frame.sort_values("relative_rate", ascending=False, kind="stable")
        cumulative = cut / ranked["admissions_share"].cumsum()
    frame["required_share_cumulative"] = cumulative.reindex(frame.index)
    frame["possible"] = frame["required_share"] <= 1
    frame["possible_cumulative"] = frame["required_share_cumulative"] <= 1
    frame["note"] = _rose_notes(frame, cut)
    return frame


def _rose_notes(frame: pd.DataFrame, cut: float) -> list[str]:
    notes = []
    for segment, share, required in zip(frame["segment"], frame["admissions_share"], frame["required_share"]):
        head = (f"{segment} has {_percent(share)} of emergency admissions; cutting all admissions by "
                f"{_percent(cut)} from this tier alone means avoiding {_percent(required)} of its admissions")
        if required > 1:
            notes.append(f"{head}. That is impossible: it is more admissions than the tier has.")
        else:
            notes.append(f"{head}, about {required * 10:.1f} in every 10.")
    return notes


def segmentation(localities: pd.DataFrame, levels: pd.DataFrame | None = None) -> pd.DataFrame:
    """High risk, rising risk and mostly healthy people per locality, with complex-care cohorts.

    `levels` has one row per segment: segment, share (of the population), cohorts (how many complex-care
    cohorts the segment feeds) and cohort_people_per_1000 (the size of one cohort per 1,000 people in
    the locality). The default is seed 003's illustrative 50,000 locality: shares 5%, 24% and 71%,
    two high-risk cohorts of 14 per 1,000 (about 700) and one rising-risk cohort of 16 per 1,000
    (about 800). These are assumptions: pass your own to change them.
    One row per locality x segment: locality_id, locality, segment, share, people, cohorts,
    people_per_cohort, complex_care_people (cohorts x people_per_cohort, never more than the segment)
    and usual_care_people.
    """
    frame = default_segmentation() if levels is None else levels.reset_index(drop=True)
    frame = frame[["segment", "share", "cohorts", "cohort_people_per_1000"]].astype(
        {"share": float, "cohorts": float, "cohort_people_per_1000": float})
    places = localities[["locality_id", "locality", "population"]].copy()
    places["population"] = places["population"].astype(float)
    out = places.merge(frame, how="cross")
    out["people"] = out["population"] * out["share"]
    out["people_per_cohort"] = out["population"] * out["cohort_people_per_1000"] / 1000
    out["complex_care_people"] = np.minimum(out["cohorts"] * out["people_per_cohort"], out["people"])
    out["usual_care_people"] = out["people"] - out["complex_care_people"]
    return out.drop(columns="cohort_people_per_1000")


def coordination_arrays(population, eligible_share, caseload_per_coordinator, net_saving_per_patient_gbp) -> dict:
    """The care coordination arithmetic on numbers or numpy arrays (broadcast together).

    eligible_people = population x eligible_share; coordinators_fte = eligible_people / caseload;
    net_saving_gbp = eligible_people x net saving a patient a year. Arrays of draws give arrays back,
    so the uncertainty model can pass thousands of draws at once.
    """
    population, share, caseload, saving = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (population, eligible_share, caseload_per_coordinator,
                                               net_saving_per_patient_gbp)))
    eligible = population * share
    return {"eligible_people": eligible, "coordinators_fte": eligible / caseload, "net_saving_gbp": eligible * saving}


def care_coordination(localities: pd.DataFrame | float, eligible_share: float | None = None,
                      caseload_per_coordinator: float | None = None,
                      net_saving_per_patient_gbp: float | None = None,
                      settings: Mapping | None = None) -> pd.DataFrame:
    """Care coordinators needed and the net saving they bring, per locality (or for one population).

    `localities` is the localities table (one row each, keeping locality_id, locality and group) or a
    plain population number. Each assumption not passed comes from `settings` (a pack's
    settings["care_coordination"]) and then from the seed 000 defaults in stpkit.schema.SETTINGS:
    1.5% of people eligible (3,000 in a 200,000 CCG), 200 patients a coordinator a year, GBP 1,000 net
    saving a patient a year. Columns: population, eligible_share, eligible_people, coordinators_fte,
    net_saving_gbp (a year, after the service's cost).
    """
    chosen = dict(_COORDINATION_DEFAULTS)
    chosen.update({k: v for k, v in (settings or {}).items() if k in chosen and v is not None})
    given = {"eligible_share": eligible_share, "caseload_per_coordinator": caseload_per_coordinator,
             "net_saving_per_patient_gbp": net_saving_per_patient_gbp}
    chosen.update({k: v for k, v in given.items() if v is not None})
    if isinstance(localities, pd.DataFrame):
        keep = [c for c in ("locality_id", "locality", "group", "population") if c in localities]
        out = localities[keep].reset_index(drop=True).copy()
    else:
        out = pd.DataFrame({"population": np.atleast_1d(np.asarray(localities, dtype=float))})
    out["population"] = out["population"].astype(float)
    out["eligible_share"] = float(chosen["eligible_share"])
    arrays = coordination_arrays(out["population"].to_numpy(), chosen["eligible_share"],
                                 chosen["caseload_per_coordinator"], chosen["net_saving_per_patient_gbp"])
    for name, values in arrays.items():
        out[name] = values
    return out


def footprint_coordination(coordination: pd.DataFrame) -> pd.DataFrame:
    """`care_coordination` rows summed to one footprint row (locality_id "all")."""
    sums = coordination[["population", "eligible_people", "coordinators_fte", "net_saving_gbp"]].sum()
    out = pd.DataFrame([sums])
    out.insert(0, "locality_id", FOOTPRINT_ID)
    out.insert(1, "locality", FOOTPRINT_NAME)
    out.insert(3, "eligible_share", out["eligible_people"] / out["population"])
    return out


def needs_for(pack, cut: float = 0.10) -> dict[str, pd.DataFrame]:
    """Every needs table for a loaded pack, keyed by name.

    risk_pyramid and footprint_pyramid (from risk_segments.csv, or seed 001's pyramid), rose (at `cut`),
    segmentation (seed 003 defaults), care_coordination (per locality, from the pack's settings) and
    footprint_coordination.
    """
    pyramid = risk_pyramid(pack.localities, pack.risk_segments)
    coordination = care_coordination(pack.localities, settings=pack.settings.get("care_coordination"))
    return {
        "risk_pyramid": pyramid,
        "footprint_pyramid": footprint_pyramid(pyramid),
        "rose": rose_calculator(pack.risk_segments, cut),
        "segmentation": segmentation(pack.localities),
        "care_coordination": coordination,
        "footprint_coordination": footprint_coordination(coordination),
    }
