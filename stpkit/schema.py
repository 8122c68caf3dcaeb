"""The footprint data pack, described as data.

Every file a pack may hold is listed here with its columns, what each column must contain,
and, for optional files, what stpkit assumes when the file is absent. Validation
(`stpkit.validate`) and loading (`stpkit.pack`) both read this one description, so the format
documented in docs/data-pack.md is checked in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

POINTS_OF_DELIVERY = ("ae", "elective_ip", "day_case", "non_elective", "outpatient")
POD_LABELS = {
    "ae": "A&E attendances",
    "elective_ip": "Elective inpatient admissions",
    "day_case": "Day case admissions",
    "non_elective": "Non-elective (emergency) admissions",
    "outpatient": "Outpatient appointments",
}
INVESTMENT_KINDS = ("revenue", "capital")


@dataclass(frozen=True)
class Column:
    """One column of a pack file.

    kind: "text" (any characters), "number", "integer", "fy" (a financial year like 2017/18),
    "quarter" (like 2016/17 Q3), "bool" (true/false), "choice" (one of ``choices``).
    required: the column must be present in the file's header.
    blank_ok: a cell may be left empty (read as missing).
    fraction: a rate written as a fraction (0.031); a value above ``max`` that would fit as a
    percentage (3.1) gets a message saying so.
    """

    name: str
    kind: str = "number"
    required: bool = True
    blank_ok: bool = False
    min: float | None = None
    min_exclusive: bool = False
    max: float | None = None
    max_exclusive: bool = False
    fraction: bool = False
    choices: tuple[str, ...] = ()
    description: str = ""
    percent_min: float = 0.0  # a fraction read as a percentage only from this value up (occupancy: 1.2 is not 1.2%)


@dataclass(frozen=True)
class FileSchema:
    """One CSV file of a pack."""

    name: str
    columns: tuple[Column, ...]
    required: bool = False
    key: tuple[str, ...] = ()  # columns whose combination must be unique
    low_high: tuple[str, ...] = ()  # columns that may carry an 80% interval as <col>_low, <col>_high
    description: str = ""
    default_note: str = ""  # what stpkit does without the file
    default_rows: tuple[dict, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _growth(name: str = "growth", required: bool = True, blank_ok: bool = False) -> Column:
    return Column(
        name,
        required=required,
        blank_ok=blank_ok,
        min=-0.5,
        max=0.5,
        fraction=True,
        description="momentum growth a year, as a fraction (0.023 for 2.3%)",
    )


def _unit_cost(required: bool = True, blank_ok: bool = False) -> Column:
    return Column(
        "unit_cost",
        required=required,
        blank_ok=blank_ok,
        min=0,
        description="GBP saved for each unit of activity avoided",
    )


# No locality's activity a year at one point of delivery reaches 100 million (England's emergency admissions
# are about 6 million): a larger count is a damaged cell, and would make the beds model count millions of beds.
MAX_ACTIVITY = 100_000_000

# The four-tier risk pyramid of emergency admissions (seed 001, "Levels of need" table).
SEED_001_RISK_PYRAMID = (
    {"segment": "Very high risk (top 0.5%)", "share": 0.005, "relative_rate": 18.6},
    {"segment": "High risk (next 4.5%)", "share": 0.045, "relative_rate": 5.5},
    {"segment": "Moderate risk (next 15%)", "share": 0.15, "relative_rate": 1.7},
    {"segment": "Low risk (remaining 80%)", "share": 0.80, "relative_rate": 0.5},
)

# Seed 000's levels of care: two-thirds of beds tertiary and secondary acute, the rest sub-acute,
# rehabilitation and step-down; today every bed is designated and staffed as acute.
SEED_000_LEVELS_OF_CARE = (
    {"level": "Tertiary and secondary acute", "acute": True, "share": 2 / 3, "base_share": 1.0,
     "cost_per_bed_day": None},
    {"level": "Sub-acute, rehabilitation and step-down", "acute": False, "share": 1 / 3, "base_share": 0.0,
     "cost_per_bed_day": None},
)

# Which points of delivery each staff group's work moves with (stpkit.workforce): an illustrative
# assumption, not a seed figure, to replace with the local workforce plan's split. Nurses and healthcare
# assistants across the hospital's work, most of it emergency care; therapists with admissions (assessment,
# rehabilitation and discharge); mental health therapists with A&E and emergency admissions (liaison).
# GPs (primary care, which no point of delivery counts), care coordinators (sized from the caseload),
# support/admin and project managers do not move with hospital activity.
STAFF_ACTIVITY_DEFAULT = (
    {"staff_group": "Nurses/HCAs", "pod": "non_elective", "share": 0.5},
    {"staff_group": "Nurses/HCAs", "pod": "elective_ip", "share": 0.2},
    {"staff_group": "Nurses/HCAs", "pod": "day_case", "share": 0.1},
    {"staff_group": "Nurses/HCAs", "pod": "outpatient", "share": 0.1},
    {"staff_group": "Nurses/HCAs", "pod": "ae", "share": 0.1},
    {"staff_group": "Therapists", "pod": "non_elective", "share": 0.6},
    {"staff_group": "Therapists", "pod": "elective_ip", "share": 0.4},
    {"staff_group": "MH therapists", "pod": "ae", "share": 0.5},
    {"staff_group": "MH therapists", "pod": "non_elective", "share": 0.5},
)

FILES: dict[str, FileSchema] = {
    "localities.csv": FileSchema(
        "localities.csv",
        required=True,
        key=("locality_id",),
        description="one row a locality (a GP network, place or neighbourhood)",
        columns=(
            Column("locality_id", "text", description="short unique code, e.g. MSE01"),
            Column("locality", "text", description="display name, any characters"),
            Column("group", "text", description="the CCG or place the locality belongs to"),
            Column("population", min=1, max=100_000_000, description="registered population (at most 100 million)"),
            Column("imd_score", required=False, blank_ok=True, min=0, max=100,
                   description="Index of Multiple Deprivation 2015 score; above 22 is deprived"),
            Column("median_age", required=False, blank_ok=True, min=0, max=120, description="median age in years"),
            Column("rural", "bool", required=False, blank_ok=True, description="true for a rural locality"),
            Column("patients_per_gp", required=False, blank_ok=True, min=100, max=10_000,
                   description="registered patients per full-time GP (England: about 2,000)"),
        ),
    ),
    "activity.csv": FileSchema(
        "activity.csv",
        required=True,
        key=("locality_id", "pod"),
        low_high=("growth", "unit_cost"),
        description="base-year hospital activity, one row a locality and point of delivery",
        columns=(
            Column("locality_id", "text"),
            Column("pod", "choice", choices=POINTS_OF_DELIVERY),
            Column("activity", min=0, max=MAX_ACTIVITY, description="base-year count a year (at most 100 million)"),
            _growth(required=False, blank_ok=True),
            _unit_cost(required=False, blank_ok=True),
        ),
    ),
    "pods.csv": FileSchema(
        "pods.csv",
        required=True,
        key=("pod",),
        low_high=("growth", "unit_cost"),
        description="growth and unit cost for each point of delivery",
        columns=(
            Column("pod", "choice", choices=POINTS_OF_DELIVERY),
            _growth(),
            _unit_cost(),
            Column("stranded_share", required=False, blank_ok=True, min=0, max=1, fraction=True,
                   description="share of the gross savings that is acute stranded cost (hospital cost that does not "
                               "go with the activity), for schemes with no initiatives.csv figures; blank: 0"),
            Column("reinvestment_share", required=False, blank_ok=True, min=0, max=1, fraction=True,
                   description="share of the gross savings reinvested in the services that replace the activity, "
                               "for schemes with no initiatives.csv figures; blank: 0"),
        ),
    ),
    "risk_segments.csv": FileSchema(
        "risk_segments.csv",
        key=("segment",),
        description="the risk pyramid: population share and relative emergency admission rate of each tier",
        default_note="the four-tier pyramid of seed 001: 0.5% at 18.6x, 4.5% at 5.5x, 15% at 1.7x, 80% at 0.5x",
        default_rows=SEED_001_RISK_PYRAMID,
        columns=(
            Column("segment", "text"),
            Column("share", min=0.0001, max=1, fraction=True,
                   description="share of the population, a fraction (at least 0.0001, one in 10,000); shares add up to 1"),
            Column("relative_rate", min=0.01, max=1000,
                   description="emergency admission rate against the population average (0.01 to 1,000 times)"),
        ),
    ),
    "schemes.csv": FileSchema(
        "schemes.csv",
        key=("scheme", "pod"),
        low_high=("reduction",),
        description="schemes and the share of horizon-year momentum activity each avoids",
        default_note="no schemes: the target is the momentum projection unless targets.csv sets it",
        columns=(
            Column("scheme", "text"),
            Column("pod", "choice", choices=POINTS_OF_DELIVERY),
            Column("reduction", min=0, max=1, max_exclusive=True, fraction=True,
                   description="fraction of horizon-year momentum activity avoided (0.0683 for 6.83%)"),
        ),
    ),
    "targets.csv": FileSchema(
        "targets.csv",
        key=("locality_id", "pod"),
        description="horizon-year activity targets that override the schemes for one locality and pod",
        default_note="targets come from the schemes",
        columns=(
            Column("locality_id", "text"),
            Column("pod", "choice", choices=POINTS_OF_DELIVERY),
            Column("target", min=0, max=MAX_ACTIVITY, description="horizon-year activity (at most 100 million)"),
        ),
    ),
    "investments.csv": FileSchema(
        "investments.csv",
        key=("category", "kind", "year"),
        description="planned pump priming (revenue) and capital, GBP, by category and year",
        default_note="no investment: investment, NPV and payback sections say so",
        columns=(
            Column("category", "text"),
            Column("kind", "choice", choices=INVESTMENT_KINDS),
            Column("year", "fy"),
            Column("amount", min=0, description="GBP"),
        ),
    ),
    "initiatives.csv": FileSchema(
        "initiatives.csv",
        key=("initiative",),
        description="finance of each initiative: gross savings, investment, acute stranded cost and, where published, net",
        default_note="no initiative finance table",
        columns=(
            Column("initiative", "text"),
            Column("gross_savings", required=False, blank_ok=True, min=0, description="GBP a year"),
            Column("investment", required=False, blank_ok=True, min=0, description="GBP"),
            Column("stranded_cost", required=False, blank_ok=True, min=0, description="acute stranded cost, GBP"),
            Column("net_savings", required=False, blank_ok=True, description="published net savings, GBP"),
            Column("net_system_savings", required=False, blank_ok=True,
                   description="published net system savings by the horizon year, GBP (seed 003: GBP 53.3m over five initiatives)"),
            Column("owner", "text", required=False, blank_ok=True,
                   description="who leads the initiative (a person, role or organisation), for the plan on a page"),
            Column("organisations", "text", required=False, blank_ok=True,
                   description="the organisations involved, separated by semicolons"),
            Column("priority", "text", required=False, blank_ok=True,
                   description="the priority it serves: a `priority` of priorities.csv"),
        ),
    ),
    "workforce.csv": FileSchema(
        "workforce.csv",
        key=("staff_group",),
        description="workforce supply: baseline FTE, cost and yearly flows by staff group",
        default_note="no supply figures: demand is shown without a gap",
        columns=(
            Column("staff_group", "text"),
            Column("baseline_fte", min=0, description="FTE in post in the base year"),
            Column("cost_per_fte", min=0, description="GBP a year"),
            Column("leavers_fte", min=0, description="FTE leaving each year"),
            Column("joiners_fte", min=0, description="FTE joining each year"),
        ),
    ),
    "roles.csv": FileSchema(
        "roles.csv",
        key=("role", "staff_group", "year"),
        description="additional roles and training the plan funds",
        default_note="no additional roles",
        columns=(
            Column("role", "text", description="what the posts or training are for"),
            Column("staff_group", "text"),
            Column("fte", min=0, description="additional FTE (0 for training only)"),
            Column("trained", required=False, blank_ok=True, min=0, description="people trained"),
            Column("unit_cost", blank_ok=True, min=0,
                   description="GBP per FTE or per person trained; blank when the source gives no unit cost"),
            Column("year", "fy", description="financial year the posts start"),
            Column("category", "text", required=False, blank_ok=True,
                   description="the investments.csv category whose pump priming pays for these posts or training"),
        ),
    ),
    "staff_activity.csv": FileSchema(
        "staff_activity.csv",
        key=("staff_group", "pod"),
        description="which points of delivery each staff group's work moves with, and what share of its work each "
                    "one drives: a scenario that changes a point of delivery's growth moves that group's demand in "
                    "proportion",
        default_note="an illustrative split: nurses/HCAs half with emergency admissions and the rest across the "
                     "other points of delivery; therapists 60% emergency and 40% elective admissions; mental health "
                     "therapists half A&E, half emergency admissions; other groups do not move with activity",
        default_rows=STAFF_ACTIVITY_DEFAULT,
        columns=(
            Column("staff_group", "text", description="a staff group of workforce.csv"),
            Column("pod", "choice", choices=POINTS_OF_DELIVERY),
            Column("share", min=0, max=1, fraction=True,
                   description="share of the group's staff in post whose work moves with this point of delivery's "
                               "activity (a group's shares add up to at most 1; the rest does not move)"),
        ),
    ),
    "enablers.csv": FileSchema(
        "enablers.csv",
        key=("locality_id",),
        description="enabler maturity scores, 1 (less advanced) to 4 (more advanced), by the seed 003 criteria",
        default_note="only workforce capacity is scored, from patients_per_gp where given",
        columns=(
            Column("locality_id", "text"),
            Column("gp_collaboration", "integer", blank_ok=True, min=1, max=4),
            Column("joint_working", "integer", blank_ok=True, min=1, max=4),
            Column("shared_information", "integer", blank_ok=True, min=1, max=4),
            Column("risk_stratification", "integer", blank_ok=True, min=1, max=4),
        ),
    ),
    "phasing.csv": FileSchema(
        "phasing.csv",
        key=("locality_id", "milestone"),
        description="when each locality reaches each transformation level, and when investment is required",
        default_note="no phasing: the timeline section says so",
        columns=(
            Column("locality_id", "text"),
            Column("milestone", "choice", choices=("level_1", "level_2", "level_3", "level_4", "investment")),
            Column("quarter", "quarter", description="like 2016/17 Q3"),
        ),
    ),
    "priorities.csv": FileSchema(
        "priorities.csv",
        key=("priority",),
        description="the plan's priorities, in the order the plan on a page lists them",
        default_note="the plan on a page lists the initiatives without the priorities they serve",
        columns=(
            Column("priority", "text", description="a short name, as initiatives.csv's `priority` gives it"),
            Column("description", "text", required=False, blank_ok=True, description="what it means, in a sentence"),
        ),
    ),
    "milestones.csv": FileSchema(
        "milestones.csv",
        key=("initiative", "quarter", "milestone"),
        description="milestones of each initiative by quarter, for the plan on a page's timeline",
        default_note="the plan on a page shows the localities' transformation levels by quarter (phasing.csv) instead",
        columns=(
            Column("initiative", "text", description="an `initiative` of initiatives.csv"),
            Column("quarter", "quarter", description="like 2016/17 Q3"),
            Column("milestone", "text", description="what is done by then"),
        ),
    ),
    "dependencies.csv": FileSchema(
        "dependencies.csv",
        key=("initiative", "depends_on"),
        description="workstream interdependencies: which initiative depends on which (seed 002's \"first cut view\")",
        default_note="the plan on a page shows no interdependencies",
        columns=(
            Column("initiative", "text", description="an `initiative` of initiatives.csv"),
            Column("depends_on", "text", description="the initiative (or enabling workstream) it depends on"),
            Column("note", "text", required=False, blank_ok=True, description="why, in a few words"),
        ),
    ),
    "risks.csv": FileSchema(
        "risks.csv",
        key=("risk",),
        description="the plan's risk register",
        default_note="the plan on a page shows no risks",
        columns=(
            Column("risk", "text", description="the risk, in a sentence"),
            Column("owner", "text", required=False, blank_ok=True, description="who manages it"),
            Column("likelihood", "integer", min=1, max=5, description="1 (rare) to 5 (almost certain)"),
            Column("impact", "integer", min=1, max=5, description="1 (negligible) to 5 (severe)"),
            Column("mitigation", "text", required=False, blank_ok=True, description="what is done about it"),
        ),
    ),
    "sources.csv": FileSchema(
        "sources.csv",
        key=("file", "column", "locality_id", "key"),
        description="where each input comes from: one row per file and column (and, where they differ, per "
                    "locality or key; `*` for all), read by the pages' \"where it comes from\" lines",
        default_note="pages name no source and mark nothing as illustrative",
        columns=(
            Column("file", "text", description="the pack file (or pack.toml)"),
            Column("column", "text", description="its column (for pack.toml, section.key)"),
            Column("locality_id", "text", description="a locality_id, or * for every locality"),
            Column("key", "text", description="the row's key (a point of delivery, scheme, staff group...), or *"),
            Column("source", "text", description="the source in full, for analysts"),
            Column("citation", "text", required=False, blank_ok=True,
                   description="the source in a reader's words (author, title, date), shown on the pages"),
            Column("illustrative", "bool", required=False, blank_ok=True,
                   description="true where the value is an illustrative assumption, not a published figure; "
                               "blank: true when `source` starts with \"illustrative\""),
        ),
    ),
    "length_of_stay.csv": FileSchema(
        "length_of_stay.csv",
        key=("locality_id", "pod"),
        low_high=("los_days",),
        description="mean length of stay of an admission, in days, by point of delivery: a row for every locality "
                    "(`locality_id` `*`) and, where a locality differs, its own row",
        default_note="no bed days: the bed capacity page says which file would enable it",
        columns=(
            Column("locality_id", "text", description="a locality_id, or * for every locality without its own row"),
            Column("pod", "choice", choices=("elective_ip", "day_case", "non_elective")),
            Column("los_days", min=0, min_exclusive=True, max=365,
                   description="mean length of stay, days (more than 0, at most a year)"),
        ),
    ),
    "los_changes.csv": FileSchema(
        "los_changes.csv",
        key=("scheme", "pod"),
        low_high=("reduction",),
        description="schemes that shorten stays (discharge to assess, utilisation review): the share of the "
                    "target's bed days each saves on a point of delivery; on one pod they add up",
        default_note="lengths of stay stay as they are",
        columns=(
            Column("scheme", "text"),
            Column("pod", "choice", choices=("elective_ip", "day_case", "non_elective")),
            Column("reduction", min=0, max=1, max_exclusive=True, fraction=True,
                   description="share of the target's bed days saved (0.05 for 5%)"),
        ),
    ),
    "levels_of_care.csv": FileSchema(
        "levels_of_care.csv",
        key=("level",),
        description="levels of care (seed 000): the share of bed days needing each level in the plan and today, "
                    "and the cost of a staffed bed for a day at each level",
        default_note="seed 000's two levels: two-thirds of bed days tertiary and secondary acute, one third "
                     "sub-acute, rehabilitation and step-down, with every bed staffed as acute today; no cost",
        default_rows=SEED_000_LEVELS_OF_CARE,
        columns=(
            Column("level", "text", description="the level of care, e.g. Secondary acute"),
            Column("acute", "bool", required=False, blank_ok=True,
                   description="true for tertiary and secondary acute levels"),
            Column("share", min=0, max=1, fraction=True,
                   description="share of the plan's bed days needing this level; shares add up to 1"),
            Column("base_share", required=False, blank_ok=True, min=0, max=1, fraction=True,
                   description="share of today's beds designated at this level; blank: as `share`; add up to 1"),
            Column("cost_per_bed_day", required=False, blank_ok=True, min=0,
                   description="GBP for a staffed bed for a day (occupied or not) at this level"),
        ),
    ),
    "population.csv": FileSchema(
        "population.csv",
        key=("locality_id", "age_band", "sex", "year"),
        description="people by locality, age band (and sex where given) and year, from the base year to the "
                    "horizon year; bands such as 0-4 and 85+ must neither overlap nor leave gaps",
        default_note="momentum is the flat growth rate of activity.csv and pods.csv, and budgets weigh "
                     "each locality's population by the footprint's age mix",
        columns=(
            Column("locality_id", "text"),
            Column("age_band", "text", description="ages in whole years, like 0-4, 65-74 or 85+"),
            Column("sex", "text", required=False, blank_ok=True, description="female, male or blank for both"),
            Column("year", "fy", description="financial year, base year to horizon year"),
            Column("people", min=0, description="registered (or resident) people"),
        ),
    ),
    "activity_by_age.csv": FileSchema(
        "activity_by_age.csv",
        key=("locality_id", "pod", "age_band"),
        description="base-year hospital activity by age band, for demographic momentum and case-mix adjusted use",
        default_note="each locality's activity is shared between age bands by age_rates.csv times its people",
        columns=(
            Column("locality_id", "text"),
            Column("pod", "choice", choices=POINTS_OF_DELIVERY),
            Column("age_band", "text", description="the bands of population.csv"),
            Column("activity", min=0, max=MAX_ACTIVITY, description="base-year count a year (at most 100 million)"),
        ),
    ),
    "age_rates.csv": FileSchema(
        "age_rates.csv",
        key=("pod", "age_band"),
        description="hospital use a year per 1,000 people by age band, used where activity_by_age.csv gives none",
        default_note="illustrative rates by five-year band shipped with stpkit (stpkit.population.AGE_RATES, "
                     "shaped like England's published age profile of hospital use; only their shape is used)",
        columns=(
            Column("pod", "choice", choices=POINTS_OF_DELIVERY),
            Column("age_band", "text", description="a band; a population band takes the average rate of the "
                                                    "bands it overlaps"),
            Column("rate_per_1000", min=0, description="activity a year per 1,000 people"),
        ),
    ),
    "cost_weights.csv": FileSchema(
        "cost_weights.csv",
        key=("age_band",),
        description="relative cost of a person in each age band, for weighted populations and fair shares",
        default_note="illustrative weights shipped with stpkit (stpkit.budgets.COST_WEIGHTS), not any "
                     "proprietary grouper's weights",
        columns=(
            Column("age_band", "text", description="a band; a population band takes the average weight of the "
                                                    "bands it overlaps"),
            Column("cost_weight", min=0, description="cost of a person in the band against an average person"),
        ),
    ),
    "practices.csv": FileSchema(
        "practices.csv",
        key=("practice_code",),
        description="GP practices: their locality and list size, and optionally their observed emergency admissions",
        default_note="budgets and ratios are shown for localities only",
        columns=(
            Column("practice_code", "text"),
            Column("practice", "text", required=False, blank_ok=True, description="display name"),
            Column("locality_id", "text"),
            Column("list_size", min=0, min_exclusive=True, description="registered patients"),
            Column("need_index", required=False, blank_ok=True, min=0, min_exclusive=True,
                   description="additional need against the footprint (1 = average); blank: the locality's"),
            Column("admissions", required=False, blank_ok=True, min=0,
                   description="observed emergency admissions in the base year"),
        ),
    ),
    "practice_population.csv": FileSchema(
        "practice_population.csv",
        key=("practice_code", "age_band"),
        description="people on each GP practice's list by age band, where known (the bands of population.csv)",
        default_note="a practice's people by age band follow its locality's age mix",
        columns=(
            Column("practice_code", "text", description="a practices.csv code"),
            Column("age_band", "text", description="a band of population.csv"),
            Column("people", min=0, description="registered patients in the band"),
        ),
    ),
    "spend.csv": FileSchema(
        "spend.csv",
        key=("locality_id", "practice_code"),
        description="spend in the base year by locality, or by GP practice within a locality",
        default_note="fair shares are shown without a distance from target",
        columns=(
            Column("locality_id", "text"),
            Column("practice_code", "text", required=False, blank_ok=True,
                   description="a practices.csv code, or blank for the locality as a whole"),
            Column("spend_gbp", min=0, description="GBP a year"),
        ),
    ),
}

REQUIRED_FILES = tuple(name for name, schema in FILES.items() if schema.required)
OPTIONAL_FILES = tuple(name for name, schema in FILES.items() if not schema.required)

# pack.toml: section -> key -> (kind, default, bounds). A default of None means the key is required.
SETTINGS: dict[str, dict[str, dict]] = {
    "footprint": {
        "name": {"kind": "text", "default": None},
        "base_year": {"kind": "fy", "default": None},
        "horizon_year": {"kind": "fy", "default": None},
    },
    "finance": {
        "discount_rate": {"kind": "number", "default": 0.035, "min": 0, "max": 0.5, "fraction": True,
                          "description": "HM Treasury Green Book rate"},
    },
    "care_coordination": {
        "eligible_share": {"kind": "number", "default": 0.015, "min": 0, "max": 1, "fraction": True,
                           "description": "share of the population eligible (seed 000: 3,000 of a 200,000 CCG)"},
        "caseload_per_coordinator": {"kind": "number", "default": 200.0, "min": 1,
                                     "description": "patients a full-time coordinator manages a year (seed 000)"},
        "net_saving_per_patient_gbp": {"kind": "number", "default": 1000.0,
                                       "description": "GBP a patient a year after service cost (seed 000)"},
    },
    "investment": {
        "investment_share": {"kind": "number", "default": 1.0, "min": 0, "max": 1, "fraction": True,
                             "description": "share of the planned investment actually made"},
        "savings_elasticity": {"kind": "number", "default": 1.5, "min": 0, "min_exclusive": True, "max": 10,
                               "description": "savings released = investment_share ** elasticity; 1.5 fits seed 003's "
                                              "two scenarios (100% -> 100%, 25% -> 12.5%)"},
        "savings_ramp": {"kind": "text", "default": "investment", "choices": ("investment", "linear"),
                         "description": "how savings phase in: 'investment' in step with the investment spent "
                                        "savings_lag_years earlier, or 'linear' from the base to the horizon year"},
        "savings_lag_years": {"kind": "integer", "default": 1, "min": 0, "max": 10,
                              "description": "years savings trail the ramp (seed 003: self-funding within 12 months); "
                                             "the full savings still arrive in the horizon year"},
        "first_year": {"kind": "fy", "default": None, "optional": True, "default_text": "the year after base_year",
                       "description": "year 0 of the appraisal (undiscounted): the first year the plan can spend; "
                                      "between base_year and horizon_year"},
        "appraisal_years": {"kind": "integer", "default": None, "optional": True, "min": 1, "max": 60,
                            "default_text": "year 0 to horizon_year",
                            "description": "years in the appraisal period; it must reach the horizon year, and every "
                                           "investments.csv year must fall inside it"},
        "steady_state_years": {"kind": "integer", "default": 0, "min": 0, "max": 60,
                               "description": "further years after the period in which the full savings and the new "
                                              "roles' running costs carry on (Green Book: benefits are not cut off at "
                                              "an arbitrary date); no investment in them"},
        "benefits": {"kind": "text", "default": "model", "choices": ("model", "net_system_savings"),
                     "description": "'model': gross savings of the activity model less stranded cost, reinvestment "
                                    "and running costs; 'net_system_savings': initiatives.csv's published net system "
                                    "savings as the horizon-year cash released"},
    },
    "delivery": {
        "factor": {"kind": "number", "default": 1.0, "min": 0, "max": 2,
                   "description": "share of the planned avoided activity the schemes deliver (1: as planned)"},
        "factor_low": {"kind": "number", "default": 0.5, "min": 0, "max": 2,
                       "description": "10th percentile of the delivery factor in the Monte Carlo; wide by default "
                                      "because seed 004's evidence review found many community schemes did not cut "
                                      "emergency admissions"},
        "factor_high": {"kind": "number", "default": 1.5, "min": 0, "max": 2,
                        "description": "90th percentile of the delivery factor"},
    },
    "uncertainty": {
        "draws": {"kind": "integer", "default": 1000, "min": 1, "max": 1_000_000},
        "seed": {"kind": "integer", "default": 2016, "min": 0},
    },
    "beds": {
        "occupancy": {"kind": "number", "default": 0.92, "min": 0, "min_exclusive": True, "max": 1, "fraction": True,
                      "percent_min": 0.3,
                      "description": "target bed occupancy, a fraction (NHS planning convention for general and acute "
                                     "beds: 0.92)"},
        "occupancy_low": {"kind": "number", "default": None, "optional": True, "min": 0, "min_exclusive": True,
                          "max": 1, "fraction": True, "default_text": "none",
                          "description": "10th percentile of the occupancy in the Monte Carlo (give with occupancy_high)"},
        "occupancy_high": {"kind": "number", "default": None, "optional": True, "min": 0, "min_exclusive": True,
                           "max": 1, "fraction": True, "default_text": "none",
                           "description": "90th percentile of the occupancy"},
        "strict_occupancy": {"kind": "number", "default": 0.85, "min": 0, "min_exclusive": True, "max": 1,
                             "fraction": True, "percent_min": 0.3, "description": "the stricter occupancy benchmark, a fraction"},
        "risk": {"kind": "number", "default": 0.05, "min": 0, "min_exclusive": True, "max": 0.5, "fraction": True,
                 "description": "the largest chance that a patient arriving at random finds no bed free (Erlang "
                                "loss), a fraction"},
    },
    "population": {
        "momentum": {"kind": "text", "default": "flat", "choices": ("flat", "demographic"),
                     "description": "'flat': momentum is the growth rate of activity.csv and pods.csv, and "
                                    "population.csv splits it into demographic and non-demographic growth; "
                                    "'demographic': momentum is each age band's activity grown by its people, "
                                    "times non_demographic_growth"},
        "non_demographic_growth": {"kind": "number", "default": 0.0, "min": -0.5, "max": 0.5, "fraction": True,
                                   "description": "growth a year on top of the people's (momentum = 'demographic')"},
    },
    "budgets": {
        "total_gbp": {"kind": "number", "default": None, "optional": True, "min": 0,
                      "default_text": "the spend.csv total, else GBP 1,000 a person (illustrative)",
                      "description": "the budget shared in fair shares, GBP a year"},
        "need_weight": {"kind": "number", "default": 0.3, "min": 0, "max": 5,
                        "description": "need index = 1 + need_weight x (imd_score - footprint average) / average"},
    },
}


def reference_markdown() -> str:
    """The file-by-file reference of docs/data-pack.md, written from this module so the two never drift."""
    kinds = {"text": "text", "number": "number", "integer": "whole number", "fy": "financial year (2017/18)",
             "quarter": "quarter (2016/17 Q3)", "bool": "true/false", "choice": "one of"}

    def rule(col: Column) -> str:
        parts = [kinds[col.kind] + (" " + ", ".join(f"`{c}`" for c in col.choices) if col.choices else "")]
        if col.min is not None:
            parts.append(("> " if col.min_exclusive else ">= ") + f"{col.min:g}")
        if col.max is not None:
            parts.append(("< " if col.max_exclusive else "<= ") + f"{col.max:g}")
        if col.fraction:
            parts.append("a fraction (3.1% is 0.031)")
        return "; ".join(parts)

    out = []
    for name, schema in FILES.items():
        status = "required" if schema.required else "optional"
        out.append(f"### `{name}` ({status})\n\n{schema.description[:1].upper() + schema.description[1:]}.")
        if schema.key:
            out.append(f"Each row is unique by {' + '.join(f'`{k}`' for k in schema.key)}.")
        if schema.low_high:
            cols = ", ".join(f"`{c}`" for c in schema.low_high)
            out.append(f"An 80% interval may be given for {cols} as `<column>_low` and `<column>_high`.")
        if not schema.required:
            out.append(f"Without it: {schema.default_note}.")
        out.append("\n| column | required | may be blank | what it holds | rule |\n| --- | --- | --- | --- | --- |")
        for col in schema.columns:
            out.append(f"| `{col.name}` | {'yes' if col.required else 'no'} | {'yes' if col.blank_ok else 'no'} | "
                       f"{col.description} | {rule(col)} |")
        out.append("")
    out.append("### `pack.toml`\n\n| section | key | default | rule |\n| --- | --- | --- | --- |")
    for section, keys in SETTINGS.items():
        for key, spec in keys.items():
            default = spec.get("default_text") or ("required" if spec["default"] is None else f"`{spec['default']}`")
            bounds = []
            if "min" in spec:
                bounds.append((">" if spec.get("min_exclusive") else ">=") + f" {spec['min']:g}")
            if "max" in spec:
                bounds.append(f"<= {spec['max']:g}")
            text = "; ".join([spec["kind"]] + bounds + ([spec["description"]] if spec.get("description") else []))
            out.append(f"| `[{section}]` | `{key}` | {default} | {text} |")
    return "\n".join(out).strip() + "\n"
