"""Where a pack's inputs come from, in a reader's words, read from the pack's own sources.csv.

A page never writes a source into a chart or a sentence itself: it asks this module, which reads
the pack's sources.csv (optional; format in docs/data-pack.md). A row covers a file and column,
for every locality and key (`*`) or for one; the most specific row wins. `citation` is the source
in a reader's words (author, title, date); `illustrative` marks an input that is an assumption made
for illustration, not a published figure, and every figure resting on one says so.

A pack without sources.csv has no citation and nothing illustrative: the pages then say only that
a figure is the pack's, and never name a document the pack does not name.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .pack import Pack

FILE = "sources.csv"
ILLUSTRATIVE = "illustrative"

# what each pack input is, in words (for lines that need no file names)
INPUTS = {
    ("localities.csv", "population"): "registered population",
    ("localities.csv", "imd_score"): "deprivation (IMD 2015 score)",
    ("localities.csv", "median_age"): "median age",
    ("localities.csv", "rural"): "rural or urban",
    ("localities.csv", "patients_per_gp"): "patients per GP",
    ("activity.csv", "activity"): "activity in the base year",
    ("activity.csv", "growth"): "growth a year by locality",
    ("activity.csv", "unit_cost"): "cost of an admission or appointment avoided, by locality",
    ("pods.csv", "growth"): "momentum growth a year",
    ("pods.csv", "unit_cost"): "cost of an admission or appointment avoided",
    ("targets.csv", "target"): "horizon-year activity targets",
    ("schemes.csv", "reduction"): "share of activity each scheme avoids",
    ("risk_segments.csv", "share"): "risk pyramid: share of people in each tier",
    ("risk_segments.csv", "relative_rate"): "risk pyramid: emergency admission rate of each tier",
    ("investments.csv", "amount"): "planned pump priming and capital",
    ("roles.csv", "fte"): "new roles the plan funds",
    ("roles.csv", "unit_cost"): "cost of each new role",
    ("workforce.csv", "baseline_fte"): "staff in post",
    ("workforce.csv", "cost_per_fte"): "cost of a member of staff a year",
    ("workforce.csv", "leavers_fte"): "staff leaving a year",
    ("workforce.csv", "joiners_fte"): "staff joining a year",
    ("enablers.csv", "gp_collaboration"): "enabler scores",
    ("phasing.csv", "quarter"): "when each locality reaches each level",
    ("pack.toml", "finance.discount_rate"): "discount rate",
    ("pack.toml", "care_coordination.eligible_share"): "people eligible for care coordination",
    ("pack.toml", "care_coordination.caseload_per_coordinator"): "patients a care coordinator manages",
    ("pack.toml", "care_coordination.net_saving_per_patient_gbp"): "net saving a patient a year",
    ("pack.toml", "investment.investment_share"): "share of the planned investment made",
    ("pack.toml", "investment.savings_elasticity"): "how savings follow the investment made",
    ("pack.toml", "investment.savings_lag_years"): "years savings trail the investment",
    ("pack.toml", "investment.savings_ramp"): "how savings phase in",
    ("pack.toml", "investment.first_year"): "first year of the appraisal (year 0)",
    ("pack.toml", "investment.appraisal_years"): "years the appraisal covers",
    ("pack.toml", "investment.steady_state_years"): "years savings and running costs carry on after the horizon",
    ("pack.toml", "investment.benefits"): "which savings the appraisal counts",
    ("pack.toml", "delivery.factor"): "share of the planned avoided activity delivered",
    ("pack.toml", "delivery.factor_low"): "range of delivery (80% interval)",
    ("pack.toml", "delivery.factor_high"): "range of delivery (80% interval)",
    ("pods.csv", "stranded_share"): "share of gross savings left as stranded cost",
    ("pods.csv", "reinvestment_share"): "share of gross savings reinvested in new services",
    ("initiatives.csv", "gross_savings"): "gross savings by initiative",
    ("initiatives.csv", "investment"): "reinvestment by initiative",
    ("initiatives.csv", "stranded_cost"): "acute stranded cost by initiative",
    ("initiatives.csv", "net_savings"): "net savings by initiative",
    ("population.csv", "people"): "people by age band and year",
    ("activity_by_age.csv", "activity"): "base-year activity by age band",
    ("age_rates.csv", "rate_per_1000"): "hospital use by age band",
    ("cost_weights.csv", "cost_weight"): "cost weight of each age band",
    ("practices.csv", "list_size"): "GP practice list sizes",
    ("practices.csv", "admissions"): "GP practices' emergency admissions",
    ("spend.csv", "spend_gbp"): "spend by locality or practice",
    ("pack.toml", "population.momentum"): "how momentum follows the people",
    ("pack.toml", "budgets.total_gbp"): "the budget shared in fair shares",
    ("pack.toml", "budgets.need_weight"): "how much deprivation adds to need",
}


@dataclass(frozen=True)
class Source:
    """Where one input comes from: the citation in a reader's words and whether it is illustrative."""

    citation: str
    illustrative: bool


def _table(pack: Pack) -> pd.DataFrame | None:
    if not pack.has(FILE):
        return None
    return pack.table(FILE)


def _illustrative(row) -> bool:
    flag = row["illustrative"] if "illustrative" in row else None
    if flag is not None and flag is not pd.NA and not (isinstance(flag, float) and pd.isna(flag)):
        return bool(flag)
    return str(row["source"]).strip().lower().startswith(ILLUSTRATIVE)


def _citation(row) -> str:
    text = row["citation"] if "citation" in row else None
    if isinstance(text, str) and text.strip():
        return text.strip()
    return "illustrative assumption" if _illustrative(row) else "the pack's sources"


_ROWS: dict[int, tuple[pd.DataFrame, dict]] = {}  # sources table id -> (the table, its answers): asked again and again


def rows(pack: Pack, file: str, column: str, key: str | None = None, locality: str | None = None) -> list[Source]:
    """Every source covering file/column for this key and locality (None: any), most specific first."""
    table = _table(pack)
    if table is None or not len(table):
        return []
    kept = _ROWS.get(id(table))
    if kept is None or kept[0] is not table:  # the table is held, so its id is not reused while kept
        if len(_ROWS) >= 8:
            _ROWS.clear()
        kept = _ROWS[id(table)] = (table, {})
    asked = (file, column, key, locality)
    if asked not in kept[1]:
        kept[1][asked] = _rows(table, file, column, key, locality)
    return list(kept[1][asked])


def _rows(table: pd.DataFrame, file: str, column: str, key: str | None, locality: str | None) -> list[Source]:
    hit = table[(table["file"] == file) & (table["column"] == column)]
    if key is not None:
        hit = hit[hit["key"].isin(["*", str(key)])]
    if locality is not None and locality != "all":
        hit = hit[hit["locality_id"].isin(["*", str(locality)])]
    if not len(hit):
        return []
    rank = (hit["key"] != "*").astype(int) + (hit["locality_id"] != "*").astype(int)
    hit = hit.assign(_rank=rank.to_numpy()).sort_values("_rank", ascending=False, kind="stable")
    if key is not None and (locality is not None and locality != "all"):
        hit = hit[hit["_rank"] == hit["_rank"].max()]
    return [Source(_citation(r), _illustrative(r)) for _, r in hit.iterrows()]


def source(pack: Pack, file: str, column: str, key: str | None = None, locality: str | None = None) -> Source | None:
    """The source of one input (the most specific row), or None when the pack does not say."""
    found = rows(pack, file, column, key, locality)
    return found[0] if found else None


def illustrative(pack: Pack, inputs, locality: str | None = None) -> bool:
    """Whether any of the inputs (file, column) or (file, column, key) rests on an illustrative assumption.

    With a key or locality, only the rows that apply count; without, any row of the column does.
    """
    for item in inputs:
        file, column, key = (tuple(item) + (None,))[:3]
        if any(s.illustrative for s in rows(pack, file, column, key, locality)):
            return True
    return False


def line(pack: Pack, file: str, column: str, key: str | None = None, locality: str | None = None,
         default: str = "") -> str:
    """A "where it comes from" phrase: the citation, marked illustrative where it is; `default` if none."""
    found = source(pack, file, column, key, locality)
    if found is None:
        return default
    if found.illustrative and ILLUSTRATIVE not in found.citation.lower():
        return f"{found.citation} ({ILLUSTRATIVE})"
    return found.citation


def _given(pack: Pack, file: str, column: str) -> bool:
    """Whether the pack itself gives this input (pack.toml settings always count: they have defaults)."""
    if file == "pack.toml":
        return True
    if not pack.has(file):
        return False
    table = pack.table(file)
    return column in table and bool(table[column].notna().any())


def listing(pack: Pack, inputs) -> pd.DataFrame:
    """One row per input: what it is, where it comes from, and whether it is illustrative (a page's sources section).

    inputs: (file, column) pairs; those the pack's sources do not cover read "the pack". An input the
    pack does not give (a file it lacks, a column left blank) is left out.
    """
    out = []
    for file, column in inputs:
        if not _given(pack, file, column):
            continue
        found = rows(pack, file, column)
        what = INPUTS.get((file, column), column.replace("_", " "))
        what = what[:1].upper() + what[1:]
        if not found:
            out.append({"input": what, "source": "the pack (no source given)", "illustrative": ""})
            continue
        citations = list(dict.fromkeys(s.citation for s in found))
        flags = {s.illustrative for s in found}
        note = ("illustrative" if flags == {True} else "partly illustrative" if True in flags else "")
        out.append({"input": what, "source": "; ".join(citations), "illustrative": note})
    return pd.DataFrame(out, columns=["input", "source", "illustrative"])
