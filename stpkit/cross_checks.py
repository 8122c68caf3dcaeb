"""Checks across a pack's files, once each file has been read: ids and codes that must match.

A locality in activity.csv must be in localities.csv, a pod in pods.csv, a scheme's pod one the pack
counts; every locality needs activity; the beds files name known localities and add up; the plan on a
page's files name known initiatives and priorities. Each mistake is reported once, in one line, with
a guess where one is close (`stpkit.validate.did_you_mean`).
"""

from __future__ import annotations

import difflib
import re

from .schema import POD_LABELS, POINTS_OF_DELIVERY
from .validate import ParsedTable, Problem, closest_locality, did_you_mean




def _refs(table: ParsedTable, column: str, allowed: set, other: str, problems: list[Problem],
          what: str = "is not in", explained=lambda value: False, hint=lambda value: None) -> None:
    """A problem for each value of `column` not in `allowed` (the other file's keys).

    Not for rows already reported (one mistake, one line) nor for values `explained` by a problem
    already reported in the other file (a misspelt pod in pods.csv is not also reported in every
    activity.csv row for that pod).
    """
    for row, value in zip(table.rows, table.columns.get(column, [])):
        if value is None or value in allowed or row in table.reported or explained(value):
            continue
        guess = hint(value)
        problems.append(Problem(table.name, f'"{value}" {what} {other}' + (f"; {guess}" if guess else ""),
                                row=row, column=column))
        table.reported.add(row)


def _explained_by(unread: list[str], meaning, present: set) -> callable:
    """Whether a missing key is explained by cells of the other file that could not be read.

    `meaning(raw)` is what an unread cell most likely stood for. When that cannot be told (None, or
    a key the file already has), every missing key may be that cell's, so none is reported until
    the cell is put right.
    """
    meant = [meaning(raw) for raw in unread]
    if any(m is None or m in present for m in meant):
        return lambda value: True
    return lambda value: value in meant


def _check_every_locality_has_activity(localities: ParsedTable, activity: ParsedTable, ids: set,
                                       problems: list[Problem]) -> None:
    """One line naming the localities with no activity.csv row (a file cut short, a locality left out).

    Said only when activity.csv has no unreadable or unknown locality_id, which may be the missing ones.
    """
    if not activity.present or not activity.rows or activity.unread.get("locality_id") or localities.unread:
        return
    given = {v for v in activity.columns.get("locality_id", []) if v is not None}
    if given - ids:
        return
    missing = [i for i in localities.columns["locality_id"] if i is not None and i not in given]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10:,} more" if len(missing) > 10 else "")
        problems.append(Problem("activity.csv", f"has no rows for {len(missing):,} of the {len(ids):,} localities in "
                                f"localities.csv: {shown}; every locality needs its base-year activity",
                                column="locality_id"))


def _cross_checks(tables: dict[str, ParsedTable], problems: list[Problem]) -> None:
    localities = tables["localities.csv"]
    ids = {v for v in localities.columns.get("locality_id", []) if v is not None}
    pods = {v for v in tables["pods.csv"].columns.get("pod", []) if v is not None}
    if localities.present and len(localities):
        names = dict(zip(localities.columns["locality_id"], localities.columns.get("locality", [])))
        known_ids = [i for i in names if i is not None]
        unread_ids = _explained_by(localities.unread.get("locality_id", []), lambda raw: raw or None, set())
        guesses: dict[str, str | None] = {}

        def locality_hint(value: str) -> str | None:
            if value not in guesses and len(guesses) < 50:  # a guess costs a pass over every locality
                close = closest_locality(value, known_ids, [names[i] or "" for i in known_ids])
                guesses[value] = f"did you mean {close[0]} ({close[1]})?" if close else None
            return guesses.get(value)

        for name in ("activity.csv", "targets.csv", "enablers.csv", "phasing.csv"):
            if tables[name].present:
                _refs(tables[name], "locality_id", ids, "localities.csv", problems,
                      explained=unread_ids, hint=locality_hint)
        _check_every_locality_has_activity(localities, tables["activity.csv"], ids, problems)
    if tables["pods.csv"].present and len(tables["pods.csv"]):
        unread_pods = _explained_by(tables["pods.csv"].unread.get("pod", []),
                                    lambda raw: did_you_mean(raw, POINTS_OF_DELIVERY, POD_LABELS), pods)
        for name in ("activity.csv", "targets.csv", "schemes.csv"):
            if tables[name].present:
                _refs(tables[name], "pod", pods, "pods.csv", problems, what="has no row in", explained=unread_pods)
    schemes = tables["schemes.csv"]
    if schemes.present:
        totals: dict[str, list] = {}
        for row, pod, reduction in zip(schemes.rows, schemes.columns["pod"], schemes.columns["reduction"]):
            if pod is not None and reduction is not None:
                totals.setdefault(pod, [0.0, []])
                totals[pod][0] += reduction
                totals[pod][1].append(row)
        for pod, (total, rows) in totals.items():
            if total >= 1:
                problems.append(Problem("schemes.csv", f"the reductions for {pod} add up to {total:g} ({total:.0%}) "
                                        f"in rows {', '.join(map(str, rows))}; together they must avoid less than "
                                        f"all of the activity (less than 1)", column="reduction"))
    _staff_activity_checks(tables, problems)
    _bed_checks(tables, ids, problems)
    segments = tables["risk_segments.csv"]
    if segments.present and segments.rows and all(v is not None for v in segments.columns["share"]):
        total = sum(segments.columns["share"])
        if abs(total - 1) > 0.001:
            problems.append(Problem("risk_segments.csv", f"the shares add up to {total:g}; they must add up to 1",
                                    column="share"))


def _staff_activity_checks(tables: dict[str, ParsedTable], problems: list[Problem]) -> None:
    """staff_activity.csv: each staff group is one of workforce.csv's, and its shares add up to at most 1."""
    table = tables.get("staff_activity.csv")
    if table is None or not table.present:
        return
    key = lambda name: re.sub(r"[^a-z0-9]", "", str(name).lower())  # noqa: E731 "Care co-ordinators" = "care coordinators"
    staff = tables["workforce.csv"]
    known = {key(g): g for g in staff.columns.get("staff_group", []) if g is not None} if staff.present else None
    totals: dict[str, list] = {}
    for row, group, share in zip(table.rows, table.columns.get("staff_group", []), table.columns.get("share", [])):
        if group is None or row in table.reported:
            continue
        if known is not None and key(group) not in known:
            guess = difflib.get_close_matches(str(group), list(known.values()), n=1, cutoff=0.6)
            problems.append(Problem("staff_activity.csv", f'"{group}" is not a staff group of workforce.csv'
                                    + (f'; did you mean "{guess[0]}"?' if guess else ""), row=row,
                                    column="staff_group"))
            continue
        if share is not None:
            totals.setdefault(key(group), [group, 0.0, []])
            totals[key(group)][1] += share
            totals[key(group)][2].append(row)
    for group, total, rows in totals.values():
        if total > 1 + 1e-9:
            problems.append(Problem("staff_activity.csv", f"the shares of {group} add up to {total:g} in rows "
                                    f"{', '.join(map(str, rows))}; a group's shares add up to at most 1",
                                    column="share"))


def _bed_checks(tables: dict[str, ParsedTable], ids: set, problems: list[Problem]) -> None:
    """length_of_stay.csv localities (or *), los_changes.csv reductions below 1 a pod, level shares adding up to 1."""
    stays = tables["length_of_stay.csv"]
    if stays.present and tables["localities.csv"].present:
        _refs(stays, "locality_id", ids | {"*"}, "localities.csv (or * for every locality)", problems)
    changes = tables["los_changes.csv"]
    if changes.present:
        totals: dict[str, float] = {}
        for pod, reduction in zip(changes.columns["pod"], changes.columns["reduction"]):
            if pod is not None and reduction is not None:
                totals[pod] = totals.get(pod, 0.0) + reduction
        for pod, total in totals.items():
            if total >= 1:
                problems.append(Problem("los_changes.csv", f"the reductions for {pod} add up to {total:g}; together "
                                        "they must save less than all of the bed days (less than 1)", column="reduction"))
    levels = tables["levels_of_care.csv"]
    if levels.present and levels.rows:
        for column in ("share", "base_share"):
            values = levels.columns.get(column) or []
            given = [v for v in values if v is not None]
            if column == "base_share" and not given:
                continue
            if len(given) == len(levels.rows):
                total = sum(given)
                if abs(total - 1) > 0.001:
                    problems.append(Problem("levels_of_care.csv", f"the {column} values add up to {total:g}; they must "
                                            "add up to 1", column=column))
            elif column == "base_share":
                problems.append(Problem("levels_of_care.csv", "base_share is given for some levels only; give it for "
                                        "every level or none", column=column))


def _check_bed_settings(settings: dict, problems: list[Problem]) -> None:
    """pack.toml [beds]: an occupancy interval given whole, low below high."""
    beds = settings.get("beds") or {}
    low, high = beds.get("occupancy_low"), beds.get("occupancy_high")
    if (low is None) != (high is None):
        problems.append(Problem("pack.toml", "occupancy_low and occupancy_high go together; give both or neither",
                                column="[beds] occupancy_low" if low is None else "[beds] occupancy_high"))
    elif low is not None and low > high:
        problems.append(Problem("pack.toml", f"occupancy_low {low:g} is above occupancy_high {high:g}",
                                column="[beds] occupancy_low"))


def _plan_checks(tables: dict[str, ParsedTable], problems: list[Problem]) -> None:
    """The plan on a page's files name initiatives of initiatives.csv, and priorities of priorities.csv."""
    initiatives = tables["initiatives.csv"]
    if initiatives.present:
        names = {v for v in initiatives.columns.get("initiative", []) if v is not None}

        def hint(value: str) -> str | None:
            guess = did_you_mean(value, tuple(sorted(names)))
            return f"did you mean {guess}?" if guess else None

        for name in ("milestones.csv", "dependencies.csv"):
            if tables[name].present:
                _refs(tables[name], "initiative", names, "initiatives.csv", problems, what="has no row in",
                      hint=hint)
    priorities = tables["priorities.csv"]
    if priorities.present and initiatives.present and "priority" in initiatives.columns:
        known = {v for v in priorities.columns.get("priority", []) if v is not None}

        def priority_hint(value: str) -> str | None:
            guess = did_you_mean(value, tuple(sorted(known)))
            return f"did you mean {guess}?" if guess else None

        _refs(initiatives, "priority", known, "priorities.csv", problems, what="has no row in", hint=priority_hint)
