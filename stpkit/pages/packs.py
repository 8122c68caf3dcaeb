"""Packs and places for the what-if pages: opening a pack once, the locality picker, and whose figures a page shows.

`open_pack` keeps each loaded pack while its files (and the database tables it reads) are unchanged
(so a page or a run of reports loads a pack once); `remembered` keeps the footprint-wide results pages
compute from a pack (the projection, the bed model, the Monte Carlo ranges ...) for the next page of
the same pack, scenario and assumptions, so a run of reports computes each once per process, not once
per report; `check_locality` turns a locality's id or unique name into its locality_id;
`_place` names the scope shown (the footprint, or one locality and its group).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import pandas as pd

from .. import charts
from .. import figures as figures_style
from ..pack import DEFAULT_PACK, Pack, find_locality, load_pack
from ..years import format_fy

ALL = "all"
FOOTPRINT_LABEL = "Footprint (all localities)"


_PACKS: dict[tuple, Pack] = {}


def pack_signature(folder: Path) -> tuple:
    """What changes when a pack does: each file's name, time and size (a workbook: its one file), and for a
    pack that reads tables from a database, `stpkit.database.signature` (the database file's time, or
    a digest of the rows the server works out)."""
    from ..database import signature

    try:
        if folder.is_file():  # a workbook pack
            return ((folder.name, folder.stat().st_mtime_ns, folder.stat().st_size),)
        files = tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir() if p.is_file()))
    except OSError:
        return ()
    return files + (("database", signature(folder)),)


def open_pack(pack: Pack | str | Path | None = None) -> Pack:
    """A loaded pack: a Pack as it is, else the folder or workbook loaded (None: the embedded default pack).

    Loaded packs are kept while their files are unchanged, so a what-if page or a run of reports
    loads each pack once. Model functions never change a pack's tables, so sharing them is safe.
    """
    if isinstance(pack, Pack):
        return pack
    folder = Path(DEFAULT_PACK if pack is None or str(pack).strip() == "" else pack).expanduser().resolve()
    key = (str(folder), pack_signature(folder))
    if key not in _PACKS:
        if len(_PACKS) > 16:
            _PACKS.clear()
        _PACKS[key] = load_pack(folder)
    return _PACKS[key]


# Footprint-wide results kept between pages: (pack, key) -> result, least recently used dropped first.
# A report for another locality of the same pack needs the same footprint-wide tables; the results
# are only read by the pages (never changed in place), so the next page gets exactly what it would
# have computed. Bounded by count: a page keeps about ten, each a footprint-sized table or less.
REMEMBERED = 256
_REMEMBERED: "OrderedDict[tuple, tuple[Pack, object]]" = OrderedDict()
_REMEMBERED_LOCK = threading.Lock()


def remembered(pack: Pack, key: tuple, make):
    """`make()`, or what it gave for this pack (the very object, loaded once) and key before in this process.

    key must hold everything the result rests on besides the pack: the scenario, the page's
    assumptions and any control values. The pack is held with its results, so it cannot be
    mistaken for a later one at the same address.
    """
    try:
        full = (id(pack), key)
        hash(full)
    except TypeError:  # a key that cannot be a dictionary key: nothing remembered
        return make()
    with _REMEMBERED_LOCK:
        found = _REMEMBERED.get(full)
        if found is not None and found[0] is pack:
            _REMEMBERED.move_to_end(full)
            return found[1]
    value = make()
    with _REMEMBERED_LOCK:
        _REMEMBERED[full] = (pack, value)
        _REMEMBERED.move_to_end(full)
        while len(_REMEMBERED) > REMEMBERED:
            _REMEMBERED.popitem(last=False)
    return value


def forget() -> None:
    """Drop every remembered pack and result (tests; a process that has finished with its packs)."""
    with _REMEMBERED_LOCK:
        _REMEMBERED.clear()
    _PACKS.clear()


def check_locality(pack: Pack, locality: str | None) -> str:
    """"all" for the footprint, else the locality_id asked for (an id, or a name that is unique).

    Raises LookupError naming the pack's localities when there is no such locality (`stpkit.pack.find_locality`).
    """
    return find_locality(pack, locality)


def locality_options(pack: Pack) -> list[tuple[str, str]]:
    """(label, value) pairs for a locality picker: the footprint first, then each locality with its group."""
    loc = pack.localities
    labels = loc["locality"].astype(str) + " (" + loc["locality_id"].astype(str) + ", " + loc["group"].astype(str) + ")"
    return [(FOOTPRINT_LABEL, ALL)] + list(zip(labels, loc["locality_id"].astype(str)))


def _place(pack: Pack, loc: str) -> dict:
    """Names for the scope shown: the footprint or one locality."""
    span = f"{format_fy(pack.base_year)} to {format_fy(pack.horizon_year)}"
    footprint = footprint_name(pack)
    if loc == ALL:
        return {"name": pack.name, "short": "the footprint", "group": None, "span": span, "whose": footprint,
                "footprint": footprint, "where": f"{pack.name}: all {len(pack.localities):,} localities"}
    row = pack.localities.loc[pack.localities["locality_id"] == loc].iloc[0]
    return {"name": str(row["locality"]), "short": str(row["locality"]), "group": str(row["group"]), "span": span,
            "whose": str(row["locality"]), "footprint": footprint,
            "where": f"{row['locality']} ({loc}), {row['group']}, in {pack.name}"}


def footprint_name(pack: Pack) -> str:
    """How the footprint is named where a figure is its own: "Mid and South Essex footprint"."""
    return figures_style.footprint_name(pack.name)


def population_share(pack: Pack, loc: str) -> float:
    """A locality's share of the footprint's registered population (1 for the footprint)."""
    if loc == ALL:
        return 1.0
    people = pack.localities.set_index("locality_id")["population"].astype(float)
    return float(people.get(loc, 0.0) / people.sum()) if people.sum() else float("nan")


def _scope(frame: pd.DataFrame, loc: str) -> pd.DataFrame:
    return frame if loc == ALL else frame[frame["locality_id"] == loc]


def _labelled(frame: pd.DataFrame, localities: pd.DataFrame) -> pd.DataFrame:
    """Adds `label` (unique display names) to a frame with locality_id."""
    labels = pd.Series(charts.locality_labels(localities).to_numpy(), index=localities["locality_id"].to_numpy())
    return frame.assign(label=frame["locality_id"].map(labels).to_numpy())


def _highlight(loc: str):
    return None if loc == ALL else loc
