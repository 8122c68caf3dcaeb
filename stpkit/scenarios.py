"""Scenarios: a named set of what-if values over a pack, kept as one small TOML file.

A scenario lives in ``PACK/scenarios/NAME.toml``: a ``[scenario]`` table (title, description,
created, based_on, source) and the assumptions it changes, by the names the model and the pages
use (``ASSUMPTIONS``): growth by point of delivery, scheme reductions, the investment share and the
rest. What a scenario does not name keeps the pack's value.

One scenario drives the whole model: ``apply(pack, scenario)`` returns the pack with the
scenario's values written into its tables and settings, so activity, savings, the investment
appraisal, needs and workforce all read the same values. Pages call ``scenario_pack(pack, name)``
to get the pack they show; ``differences`` lists every value that differs from the pack.

A scenario is checked like a pack before anything runs on it (``check_text``): unknown sections
and keys (with a "did you mean"), values out of range, unknown points of delivery or schemes,
wrong types and TOML syntax errors are each one line naming the file, the line and the key. A
scenario with any problem is refused whole (``ScenarioError``).
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .schema import POD_LABELS, POINTS_OF_DELIVERY, SETTINGS
from .validate import Problem, did_you_mean, toml_problem

FOLDER = "scenarios"
NAME_MAX = 64
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
ROSE_CUT_DEFAULT = 0.10
GP_RELEASED_DEFAULT = 0.25  # stpkit.workforce.GP_ACTIVITY_OTHERS_SHARE (seed 000)

HEADER_KEYS = ("title", "description", "created", "based_on", "source")


def _number(label: str, lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False,
            integer: bool = False, setting: tuple[str, str] | None = None) -> dict:
    return {"kind": "integer" if integer else "number", "label": label, "min": lo, "max": hi, "min_open": lo_open,
            "max_open": hi_open, "setting": setting}


def _from_settings(section: str, key: str, label: str, **bounds) -> dict:
    spec = SETTINGS[section][key]
    lo = bounds.get("lo", spec.get("min", 0))
    hi = bounds.get("hi", spec.get("max", 1e12))
    return _number(label, lo, hi, lo_open=spec.get("min_exclusive", False), integer=spec["kind"] == "integer",
                   setting=(section, key))


# section -> key -> spec. "growth" and "scheme_reductions" are keyed by point of delivery and scheme.
ASSUMPTIONS: dict[str, dict[str, dict]] = {
    "growth": {pod: _number(f"{POD_LABELS[pod]}: growth a year", -0.5, 0.5) for pod in POINTS_OF_DELIVERY},
    "scheme_reductions": {},  # scheme name -> reduction (0 to below 1), or a table {pod = reduction}
    "delivery": {"factor": _from_settings("delivery", "factor", "Share of the planned avoided activity delivered")},
    "investment": {
        "investment_share": _from_settings("investment", "investment_share", "Share of the planned investment made"),
        "capital_share": _number("Share of the planned capital made", 0, 1),
        "savings_elasticity": _from_settings("investment", "savings_elasticity",
                                             "How strongly savings follow investment"),
        "savings_ramp": {"kind": "choice", "label": "How savings phase in", "choices": ("investment", "linear"),
                         "setting": ("investment", "savings_ramp")},
        "savings_lag_years": _from_settings("investment", "savings_lag_years", "Years savings trail the investment"),
        "degree": _number("Share of the modelled savings pursued (degree of change)", 0, 1),
        "priority_degree": _number("Share pursued in the priority points of delivery", 0, 1),
        "priority_pods": {"kind": "pods", "label": "Priority points of delivery"},
        "delay_years": _number("Years the savings arrive later (pace of change)", 0, 10, integer=True),
    },
    "finance": {"discount_rate": _from_settings("finance", "discount_rate", "Discount rate a year")},
    "care_coordination": {
        "eligible_share": _from_settings("care_coordination", "eligible_share", "People eligible for care coordination"),
        "caseload_per_coordinator": _from_settings("care_coordination", "caseload_per_coordinator",
                                                   "Patients a coordinator manages a year", hi=10_000),
        "net_saving_per_patient_gbp": _from_settings("care_coordination", "net_saving_per_patient_gbp",
                                                     "Net saving a patient a year (£)", lo=-100_000, hi=100_000),
    },
    "needs": {"rose_cut": _number("Cut in all emergency admissions (Rose calculator)", 0, 1, lo_open=True)},
    "workforce": {"gp_released_share": _number("Share of GP activity others could manage", 0, 1)},
}

# Investment option fields that are not pack.toml settings: their value when a scenario does not set them.
OPTION_DEFAULTS = {"capital_share": None, "degree": 1.0, "priority_degree": None, "priority_pods": (),
                   "delay_years": 0}


class ScenarioError(Exception):
    """A scenario that was refused; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[Problem] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        lines = self.lines()
        super().__init__(lines[0] if len(lines) == 1 else f"{len(lines)} problems in the scenario; first: {lines[0]}")

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


@dataclass
class Scenario:
    """A checked scenario: its name, header and the values it sets (section -> key -> value)."""

    name: str
    title: str = ""
    description: str = ""
    created: str = ""
    based_on: str = ""
    source: str = ""
    values: dict[str, dict] = field(default_factory=dict)
    path: Path | None = None

    @property
    def label(self) -> str:
        return self.title or self.name


# ---------------------------------------------------------------------------------------------
# Names


def name_problem(name) -> str | None:
    """Why ``name`` cannot name a scenario, in plain words, or None when it can."""
    if not isinstance(name, str):
        return "a scenario name must be text"
    if "\x00" in name:
        return "a scenario name cannot hold a NUL character"
    if not name.strip():
        return "a scenario name cannot be empty or only spaces"
    if len(name) > NAME_MAX:
        return f"a scenario name is at most {NAME_MAX} characters (this one has {len(name):,})"
    if not _NAME.match(name):
        shown = name if len(name) <= 40 else name[:40] + "..."
        return (f'"{shown}" cannot name a scenario: use letters, digits and hyphens only (no spaces, dots or '
                "slashes), starting and ending with a letter or digit, e.g. interim-2017")
    return None


def check_name(name) -> str:
    """The name, if it can name a scenario; else ScenarioError with the reason."""
    problem = name_problem(name)
    if problem:
        raise ScenarioError(problem)
    return name


def folder(pack) -> Path:
    """The pack's scenarios folder."""
    return Path(pack.path if hasattr(pack, "path") else pack) / FOLDER


def scenario_path(pack, name: str) -> Path:
    """PACK/scenarios/NAME.toml, after checking the name (so the path never leaves the folder)."""
    return folder(pack) / f"{check_name(name)}.toml"


def names(pack) -> list[str]:
    """The names of the pack's scenarios (file stems in PACK/scenarios/), sorted."""
    where = folder(pack)
    if not where.is_dir():
        return []
    return sorted(p.stem for p in where.glob("*.toml") if p.is_file())


# ---------------------------------------------------------------------------------------------
# Checking


def _line_of(text: str, section: str, key: str | None = None) -> int | None:
    """The line of ``[section]`` (key None) or of ``key = ...`` inside it (quoted keys too)."""
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped.strip("[] ").strip().strip('"')
            if key is None and current == section:
                return number
        elif key is not None and current == section:
            match = re.match(r'^\s*("([^"]*)"|\'([^\']*)\'|[A-Za-z0-9_-]+)\s*=', line)
            if match and (match.group(2) or match.group(3) or match.group(1)) == key:
                return number
    return None


def _close(word: str, choices) -> str | None:
    found = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _check_value(value, spec: dict) -> tuple[object, str | None]:
    """The value converted, or a problem in words."""
    kind = spec["kind"]
    if kind == "choice":
        if not isinstance(value, str):
            return None, f"{value!r} is not text: write one of {', '.join(spec['choices'])} in quotes"
        if value.strip().lower() not in spec["choices"]:
            return None, f'"{value}" is not one of: {", ".join(spec["choices"])}'
        return value.strip().lower(), None
    if kind == "pods":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, f"{value!r} is not a list of points of delivery such as [\"ae\", \"non_elective\"]"
        bad = [v for v in value if v not in POINTS_OF_DELIVERY]
        if bad:
            guess = did_you_mean(bad[0], POINTS_OF_DELIVERY, POD_LABELS)
            hint = f"; did you mean {guess}?" if guess else ""
            return None, f'"{bad[0]}" is not one of: {", ".join(POINTS_OF_DELIVERY)}{hint}'
        return tuple(value), None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        hint = ""
        if isinstance(value, str) and value.strip().endswith("%"):
            hint = ": write a percentage as a fraction without quotes, 3.1% as 0.031"
        return None, f"{shown} is not a number{hint}"
    if kind == "integer" and float(value) != int(value):
        return None, f"{value} is not a whole number"
    number = float(value)
    if not np.isfinite(number):
        return None, f"{value} is not a finite number"
    lo, hi = spec["min"], spec["max"]
    if number < lo or (spec["min_open"] and number == lo):
        return None, f"{value:g} is below the {'smallest allowed' if not spec['min_open'] else 'lower limit'} " \
                     f"{lo:g}{' (it must be above it)' if spec['min_open'] else ''}"
    if number > hi or (spec["max_open"] and number == hi):
        more = ""
        if hi == 1 and 1 < number <= 100:
            more = f": write {number:g}% as a fraction, {number / 100:g}"
        elif hi == 0.5 and 0.5 < number <= 100:
            more = f": write {number:g}% as a fraction, {number / 100:g}"
        return None, f"{value:g} is above the largest allowed {hi:g}{more}"
    return (int(value) if kind == "integer" else number), None


def check_text(text: str, file: str, pack=None) -> tuple[Scenario | None, list[Problem]]:
    """Check a scenario's TOML text; returns the Scenario (None if any problem) and its problems.

    ``file`` names the file in the problems (e.g. "scenarios/interim.toml"); ``pack`` (a Pack)
    lets scheme names be checked against its schemes.csv.
    """
    problems: list[Problem] = []
    name = Path(file).stem
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        problems.append(toml_problem(file, error))
        return None, problems

    def add(message: str, section: str, key: str | None = None) -> None:
        where = f"[{section}]" + (f" {key}" if key is not None else "")
        problems.append(Problem(file, message, row=_line_of(text, section, key) or _line_of(text, section) or None,
                                column=where))

    header = raw.get("scenario")
    scenario = Scenario(name=name)
    if header is None:
        problems.append(Problem(file, "has no [scenario] table: give at least its title, e.g. [scenario] title = "
                                      '"Interim option"'))
    elif not isinstance(header, dict):
        problems.append(Problem(file, "scenario must be a table: [scenario] with title, description, created, "
                                      "based_on"))
    else:
        for key, value in header.items():
            if key not in HEADER_KEYS:
                guess = _close(key, HEADER_KEYS)
                add(f"unknown key{'; did you mean ' + guess + '?' if guess else ''} (known in [scenario]: "
                    f"{', '.join(HEADER_KEYS)})", "scenario", key)
            elif key == "created" and hasattr(value, "isoformat"):
                scenario.created = value.isoformat()
            elif not isinstance(value, str):
                add(f"{value!r} is not text: write it in quotes", "scenario", key)
            else:
                setattr(scenario, key, value.strip())
        if not scenario.title and "title" not in header:
            add('has no title: give one, e.g. title = "Interim option"', "scenario")
    schemes = None
    if pack is not None and len(pack.schemes):
        schemes = pack.schemes.groupby("scheme", sort=False)["pod"].agg(list).to_dict()
    sections = ["scenario", *ASSUMPTIONS]
    for section, given in raw.items():
        if section == "scenario":
            continue
        if section not in ASSUMPTIONS:
            guess = _close(section, sections)
            problems.append(Problem(file, f"[{section}] is not a section of a scenario"
                                    + (f"; did you mean [{guess}]?" if guess else "")
                                    + f" (sections: {', '.join(sections)})",
                                    row=_line_of(text, section) or _line_of(text, "", section)))
            continue
        if not isinstance(given, dict):
            add(f"must be a table of values, e.g. [{section}] on its own line", section)
            continue
        values = scenario.values.setdefault(section, {})
        if section == "scheme_reductions":
            _check_schemes(given, schemes, values, add)
            continue
        for key, value in given.items():
            spec = ASSUMPTIONS[section].get(key)
            if spec is None:
                known = list(ASSUMPTIONS[section])
                guess = (did_you_mean(key, POINTS_OF_DELIVERY, POD_LABELS) if section == "growth"
                         else _close(key, known))
                what = "a point of delivery" if section == "growth" else "a key"
                add(f"{key!r} is not {what} of [{section}]" + (f"; did you mean {guess}?" if guess else "")
                    + f" (known: {', '.join(known)})", section, key)
                continue
            converted, problem = _check_value(value, spec)
            if problem:
                add(problem, section, key)
            else:
                values[key] = converted
    scenario.values = {s: v for s, v in scenario.values.items() if v}
    return (None if problems else scenario), problems


def _check_schemes(given: dict, schemes: dict | None, values: dict, add) -> None:
    spec = _number("reduction", 0, 1, hi_open=True)
    for scheme, value in given.items():
        if schemes is not None and scheme not in schemes:
            guess = _close(scheme, schemes)
            add(f'"{scheme}" is not a scheme in schemes.csv' + (f'; did you mean "{guess}"?' if guess else "")
                + f" (schemes: {', '.join(schemes)})", "scheme_reductions", scheme)
            continue
        if isinstance(value, dict):
            by_pod = {}
            for pod, reduction in value.items():
                pods = schemes.get(scheme, []) if schemes is not None else list(POINTS_OF_DELIVERY)
                if pod not in pods:
                    guess = did_you_mean(pod, tuple(pods), POD_LABELS)
                    add(f'"{scheme}" has no reduction on "{pod}" in schemes.csv'
                        + (f"; did you mean {guess}?" if guess else "") + f" (its points of delivery: "
                        f"{', '.join(pods)})", "scheme_reductions", scheme)
                    continue
                converted, problem = _check_value(reduction, spec)
                if problem:
                    add(f"{pod}: {problem}", "scheme_reductions", scheme)
                else:
                    by_pod[pod] = converted
            if by_pod:
                values[scheme] = by_pod
            continue
        converted, problem = _check_value(value, spec)
        if problem:
            add(problem, "scheme_reductions", scheme)
        else:
            values[scheme] = converted


def read(pack, name: str) -> Scenario:
    """The pack's scenario NAME, checked; ScenarioError (one line a problem) when it cannot be used."""
    path = scenario_path(pack, name)
    file = f"{FOLDER}/{name}.toml"
    if not path.is_file():
        known = names(pack)
        guess = _close(name, known)
        raise ScenarioError(f"no scenario {name!r} in {folder(pack)}"
                            + (f"; did you mean {guess}?" if guess else "")
                            + (f" (scenarios: {', '.join(known)})" if known else " (the pack has no scenarios)"))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(file, "is not UTF-8 text")]) from None
    scenario, problems = check_text(text, file, pack if hasattr(pack, "schemes") else None)
    if problems:
        raise ScenarioError(problems)
    scenario.path = path
    return scenario


def check_folder(pack) -> list[Problem]:
    """Every problem in the pack's scenarios (for ``stpkit validate``), names included."""
    problems: list[Problem] = []
    where = folder(pack)
    if not where.is_dir():
        return problems
    for path in sorted(where.iterdir()):
        file = f"{FOLDER}/{path.name}"
        if path.is_dir() or path.name.startswith("."):
            continue
        if path.suffix != ".toml":
            problems.append(Problem(file, "is not a scenario: scenario files end in .toml"))
            continue
        problem = name_problem(path.stem)
        if problem:
            problems.append(Problem(file, problem))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(file, "is not UTF-8 text"))
            continue
        problems += check_text(text, file, pack if hasattr(pack, "schemes") else None)[1]
    return problems


# ---------------------------------------------------------------------------------------------
# Applying a scenario to a pack


def pack_values(pack) -> dict[str, dict]:
    """The pack's own value of every assumption a scenario can set (section -> key -> value)."""
    settings = pack.settings
    out: dict[str, dict] = {"growth": {}, "scheme_reductions": {}}
    pods = pack.pods.set_index("pod")
    for pod in POINTS_OF_DELIVERY:
        if pod in pods.index and pd.notna(pods.loc[pod, "growth"]):
            out["growth"][pod] = float(pods.loc[pod, "growth"])
    for row in pack.schemes.itertuples():
        out["scheme_reductions"].setdefault(row.scheme, {})[row.pod] = float(row.reduction)
    for section, keys in ASSUMPTIONS.items():
        if section in ("growth", "scheme_reductions"):
            continue
        out[section] = {}
        for key, spec in keys.items():
            owner = spec.get("setting") or (section, key)
            value = (settings.get(owner[0]) or {}).get(owner[1])
            if value is None:
                value = {"rose_cut": ROSE_CUT_DEFAULT, "gp_released_share": GP_RELEASED_DEFAULT}.get(
                    key, OPTION_DEFAULTS.get(key))
                if value is None and owner[0] in SETTINGS and owner[1] in SETTINGS[owner[0]]:
                    value = SETTINGS[owner[0]][owner[1]]["default"]
            out[section][key] = tuple(value) if isinstance(value, list) else value
    return out


def _flat(values: dict[str, dict]) -> dict[tuple, object]:
    """(section, key, pod or None) -> value, scheme reductions given for every pod of the scheme."""
    flat = {}
    for section, keys in values.items():
        for key, value in keys.items():
            if isinstance(value, dict):
                for pod, v in value.items():
                    flat[(section, key, pod)] = v
            else:
                flat[(section, key, None)] = value
    return flat


def resolved(pack, scenario: Scenario | None) -> dict[tuple, object]:
    """Every assumption's value under the scenario: (section, key, pod) -> value."""
    base = _flat(pack_values(pack))
    if scenario is None:
        return base
    for (section, key, pod), value in _flat(scenario.values).items():
        if section == "scheme_reductions" and pod is None:  # one reduction for every pod of the scheme
            for s, k, p in list(base):
                if s == section and k == key:
                    base[(s, k, p)] = value
        else:
            base[(section, key, pod)] = value
    return base


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) <= 1e-12
    return (tuple(a) if isinstance(a, (list, tuple)) else a) == (tuple(b) if isinstance(b, (list, tuple)) else b)


def label(section: str, key: str, pod: str | None = None) -> str:
    """How a page names an assumption: "A&E attendances: growth a year", "Frailty and EoL: non_elective"."""
    if section == "scheme_reductions":
        return f"{key}: reduction in {POD_LABELS.get(pod, pod)}" if pod else f"{key}: reduction"
    return ASSUMPTIONS.get(section, {}).get(key, {}).get("label", f"{section}.{key}")


def differences(pack, scenario: Scenario | None) -> pd.DataFrame:
    """Every value the scenario sets that differs from the pack: section, key, pod, label, pack_value,
    scenario_value (in ``ASSUMPTIONS`` order). Empty for the pack as it is."""
    columns = ["section", "key", "pod", "label", "pack_value", "scenario_value"]
    if scenario is None:
        return pd.DataFrame(columns=columns)
    base, mine = _flat(pack_values(pack)), resolved(pack, scenario)
    rows = [(s, k, p, label(s, k, p), base.get((s, k, p)), v) for (s, k, p), v in mine.items()
            if not _same(base.get((s, k, p)), v)]
    return pd.DataFrame(rows, columns=columns)


def apply(pack, scenario: Scenario | None):
    """The pack with the scenario's values written in: one set of assumptions for the whole model.

    Growth: the pod's rate in pods.csv becomes the scenario's, and each locality's own rate in
    activity.csv moves by the same points (intervals move with them). Scheme reductions: the
    scheme's rows in schemes.csv (their intervals keep their width, within 0 to below 1). Every
    other value goes into the settings the model reads (``pack.settings[section][key]``).
    ``pack.settings["scenario"]`` then says which scenario the pack shows.
    """
    if scenario is None:
        return pack
    values = scenario.values
    tables = {}
    growth = values.get("growth") or {}
    if growth:
        pods = pack.pods.copy()
        activity = pack.activity.copy()
        old = pods.set_index("pod")["growth"].astype(float)
        change = pd.Series({pod: rate - old.get(pod, np.nan) for pod, rate in growth.items()}, dtype=float)
        for frame in (pods, activity):
            shift = frame["pod"].map(change).fillna(0.0).to_numpy(dtype=float)
            for column in ("growth", "growth_low", "growth_high"):
                if column in frame:
                    frame[column] = frame[column].to_numpy(dtype=float) + shift
        pods["growth"] = np.where(pods["pod"].isin(list(growth)), pods["pod"].map(growth), pods["growth"])
        tables.update(pods=pods, activity=activity)
    from . import activity

    reductions = values.get("scheme_reductions") or {}
    sections_extra = {}
    if reductions and len(pack.schemes):
        schemes = pack.schemes.copy()
        wanted = np.array([_wanted(reductions.get(s), p, r) for s, p, r in
                           zip(schemes["scheme"], schemes["pod"], schemes["reduction"].astype(float))])
        shift = wanted - schemes["reduction"].to_numpy(dtype=float)
        for column in ("reduction_low", "reduction_high"):
            if column in schemes:
                schemes[column] = np.clip(schemes[column].to_numpy(dtype=float) + shift, 0.0, 0.999999)
        schemes["reduction"] = wanted
        tables["schemes"] = schemes
        kept = (pack.settings.get("activity") or {}).get("planned_reductions")
        planned = kept if kept is not None else activity.pod_reductions(pack.schemes).to_dict()
        sections_extra = {"activity": {"planned_reductions": dict(planned)}}
    else:
        sections_extra = {}
    sections: dict[str, dict] = dict(sections_extra)
    for section, keys in values.items():
        if section in ("growth", "scheme_reductions"):
            continue
        for key, value in keys.items():
            owner = ASSUMPTIONS[section][key].get("setting") or (section, key)
            sections.setdefault(owner[0], {})[owner[1]] = value
    factor = sections.get("delivery", {}).get("factor")
    if factor is not None:  # the Monte Carlo's 80% interval of the delivery factor moves with it, in proportion
        own = pack.settings.get("delivery") or {}
        old = float(own.get("factor") or 1.0)
        for side in ("factor_low", "factor_high"):
            if own.get(side) is not None:
                sections["delivery"][side] = float(own[side]) * factor / old if old > 0 else factor
    sections["scenario"] = {"name": scenario.name, "title": scenario.label, "description": scenario.description}
    own = (pack.settings.get("scenario") or {}).get("pack_momentum")
    if own is None and growth and np.any(np.abs(np.nan_to_num(change.to_numpy(dtype=float))) > 0):
        # the pack's own activity, which its staff in post deliver: stpkit.workforce moves staff demand with
        # the change against it
        from . import workforce
        own = workforce.pack_momentum(activity.project(pack))
    if own is not None:
        sections["scenario"]["pack_momentum"] = own
    applied = pack.with_tables(**tables) if tables else pack
    applied = applied.with_settings(**sections)
    applied.provided = pack.provided | frozenset(f"{stem}.csv" for stem in tables if pack.has(f"{stem}.csv"))
    return applied


def _wanted(given, pod: str, reduction: float) -> float:
    if given is None:
        return float(reduction)
    if isinstance(given, dict):
        return float(given.get(pod, reduction))
    return float(given)


def scenario_pack(pack=None, scenario=None):
    """The pack a page shows: ``pack`` (a Pack, a folder, None for the default) with ``scenario`` applied.

    ``scenario``: None or "" (the pack as it is), a scenario name in PACK/scenarios/, or a Scenario.
    The hook every page calls; ScenarioError when the scenario is refused.
    """
    from .pages.packs import open_pack

    loaded = open_pack(pack)
    if scenario is None or (isinstance(scenario, str) and not scenario.strip()):
        return loaded
    chosen = scenario if isinstance(scenario, Scenario) else read(loaded, str(scenario).strip())
    return apply(loaded, chosen)


def current(pack) -> dict | None:
    """Which scenario a pack shows ({"name", "title", "description"}), None for the pack as it is."""
    return (pack.settings or {}).get("scenario") or None


# ---------------------------------------------------------------------------------------------
# Writing


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    text = "".join(ch if ord(ch) >= 32 else f"\\u{ord(ch):04x}" for ch in text)
    return f'"{text}"'


def _toml_key(key: str) -> str:
    return key if re.match(r"^[A-Za-z0-9_-]+$", key) else _toml_value(str(key))


def to_toml(scenario: Scenario) -> str:
    """The scenario as the text of its file."""
    lines = ["[scenario]"]
    for key in HEADER_KEYS:
        value = getattr(scenario, key)
        if value or key == "title":
            lines.append(f"{key} = {_toml_value(value)}")
    for section in ASSUMPTIONS:
        keys = scenario.values.get(section)
        if not keys:
            continue
        lines += ["", f"[{section}]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


def save(pack, scenario: Scenario, overwrite: bool = False) -> Path:
    """Write PACK/scenarios/NAME.toml atomically (a temporary file renamed into place).

    The scenario is checked first (a refused scenario writes nothing); an existing file is only
    replaced with ``overwrite=True`` (FileExistsError otherwise). Nothing is written outside the
    pack's scenarios folder.
    """
    path = scenario_path(pack, scenario.name)
    text = to_toml(scenario)
    checked, problems = check_text(text, f"{FOLDER}/{scenario.name}.toml", pack if hasattr(pack, "schemes") else None)
    if problems:
        raise ScenarioError(problems)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{scenario.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if overwrite:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # fails if the name is taken, even by a save at the same moment
            except FileExistsError:
                raise FileExistsError(f"a scenario named {scenario.name!r} already exists; confirm to replace it")
            os.unlink(temporary)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def reference_markdown() -> str:
    """The reference part of docs/scenarios.md, written from ``ASSUMPTIONS`` so the two never drift."""
    out = ["| section | key | value | what it sets | the pack's value it replaces |", "| --- | --- | --- | --- | --- |"]
    out.append("| `[scenario]` | `title`, `description`, `created`, `based_on`, `source` | text in quotes (`created` "
               "may be a date) | what the scenario is, when it was made, what it rests on | - |")
    out.append("| `[growth]` | a point of delivery: " + ", ".join(f"`{p}`" for p in POINTS_OF_DELIVERY)
               + " | number, >= -0.5, <= 0.5; a fraction (3.1% is 0.031) | the footprint's yearly growth; each "
                 "locality's own rate moves by the same points | `pods.csv` growth (and `activity.csv` growth) |")
    out.append("| `[scheme_reductions]` | a scheme's name in quotes, as in `schemes.csv` | number, >= 0, < 1, or a "
               "table by point of delivery such as `{ outpatient = 0.05 }` | the share of momentum activity the "
               "scheme avoids | `schemes.csv` reduction |")
    for section, keys in ASSUMPTIONS.items():
        if section in ("growth", "scheme_reductions"):
            continue
        for key, spec in keys.items():
            if spec["kind"] == "choice":
                rule = "one of " + ", ".join(f'`"{c}"`' for c in spec["choices"])
            elif spec["kind"] == "pods":
                rule = "a list of points of delivery, e.g. `[\"ae\", \"non_elective\"]`"
            else:
                rule = ("whole number" if spec["kind"] == "integer" else "number") + \
                       f", {'>' if spec['min_open'] else '>='} {spec['min']:g}, {'<' if spec['max_open'] else '<='} {spec['max']:g}"
            owner = spec.get("setting")
            where = f"`pack.toml` `[{owner[0]}]` `{owner[1]}`" if owner else {
                "capital_share": "none (default: the investment share)", "degree": "none (default 1)",
                "priority_degree": "none (default: the degree)", "priority_pods": "none (default: none)",
                "delay_years": "none (default 0)", "rose_cut": "none (default 10%)",
                "gp_released_share": "none (default 25%)"}.get(key, "none")
            out.append(f"| `[{section}]` | `{key}` | {rule} | {spec['label']} | {where} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# The investment page's three options, read from the pack's scenario files

# seed 000's options: the scenario file of each, and its short name in the options table
OPTION_FILES = (("comprehensive", "Comprehensive"), ("third", "Lower assumptions"), ("interim", "Interim"))
OPTION_KEYS = ("investment_share", "capital_share", "degree", "priority_degree", "priority_pods", "delay_years")


def as_option(scenario: Scenario, name: str | None = None):
    """A scenario that changes only investment options, as a `stpkit.investment.Scenario` record (None if it
    changes anything else: then it is a whole-model scenario, compared with `stpkit.comparison`)."""
    from . import investment

    values = scenario.values
    if set(values) - {"investment"} or set(values.get("investment", {})) - set(OPTION_KEYS):
        return None
    fields = {k: v for k, v in values.get("investment", {}).items() if v is not None}
    if "priority_pods" in fields:
        fields["priority_pods"] = tuple(fields["priority_pods"])
    return investment.Scenario(name or scenario.label, scenario.description, **fields)


def pack_options(pack) -> tuple:
    """Seed 000's three options as the pack's scenario files give them (scenarios/comprehensive.toml,
    third.toml and interim.toml), each falling back to `stpkit.investment.SEED_000_OPTIONS`."""
    from . import investment

    known = set(names(pack))
    out = []
    for (file, short), fallback in zip(OPTION_FILES, investment.SEED_000_OPTIONS):
        option = None
        if file in known:
            try:
                option = as_option(read(pack, file), short)
            except ScenarioError:
                option = None
        out.append(option or fallback)
    return tuple(out)
