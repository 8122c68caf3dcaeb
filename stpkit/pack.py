"""Loading a footprint data pack into DataFrames.

A pack is a folder (format: docs/data-pack.md, described as data in `stpkit.schema`). `load_pack`
checks it first and refuses it whole, with every problem listed, if anything is wrong: nothing in
stpkit ever runs on a pack that failed validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .schema import FILES, FileSchema
from .validate import CheckResult, ParsedTable, Problem, check_pack
from .validate import closest_locality as _closest

DEFAULT_PACK = Path(__file__).resolve().parent.parent / "data" / "mid_south_essex"


class PackError(Exception):
    """A pack that failed validation; `problems` holds one line per problem."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.path = Path(path)
        self.problems = list(problems)
        count = len(self.problems)
        first = str(self.problems[0]) if self.problems else ""
        super().__init__(f"{self.path}: {count} problem{'s' if count != 1 else ''} in the pack; first: {first}")

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


def _frame(schema: FileSchema, table: ParsedTable) -> pd.DataFrame:
    """A DataFrame with every schema column (and any interval columns), typed by column kind."""
    data = {}
    names = [c.name for c in schema.columns]
    for base in schema.low_high:
        names += [f"{base}_low", f"{base}_high"]
    n = len(table.rows) if table.present else len(schema.default_rows)
    for name in names:
        if table.present:
            values = table.columns.get(name) or [None] * n
        else:
            values = [row.get(name) for row in schema.default_rows]
        base = name[:-4] if name.endswith("_low") else name[:-5] if name.endswith("_high") else name
        kind = next((c.kind for c in schema.columns if c.name == base), "number")
        if kind == "number":
            data[name] = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
        elif kind in ("integer", "fy", "quarter"):
            data[name] = pd.array(values, dtype="Int64")
        elif kind == "bool":
            data[name] = pd.array(values, dtype="boolean")
        else:
            data[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(data)


@dataclass
class Pack:
    """A validated footprint pack: settings from pack.toml and one DataFrame per file."""

    path: Path
    settings: dict
    tables: dict[str, pd.DataFrame]
    provided: frozenset = field(default_factory=frozenset)

    @property
    def name(self) -> str:
        return self.settings["footprint"]["name"]

    @property
    def base_year(self) -> int:
        return int(self.settings["footprint"]["base_year"])

    @property
    def horizon_year(self) -> int:
        return int(self.settings["footprint"]["horizon_year"])

    @property
    def years(self) -> int:
        """Years between base and horizon: the difference of the financial years' first calendar years."""
        return self.horizon_year - self.base_year

    @property
    def discount_rate(self) -> float:
        return float(self.settings["finance"]["discount_rate"])

    def has(self, filename: str) -> bool:
        """Whether the pack itself holds this optional file (defaults do not count)."""
        return filename in self.provided

    def table(self, filename: str) -> pd.DataFrame:
        return self.tables[filename]

    @property
    def localities(self) -> pd.DataFrame:
        return self.tables["localities.csv"]

    @property
    def activity(self) -> pd.DataFrame:
        return self.tables["activity.csv"]

    @property
    def pods(self) -> pd.DataFrame:
        return self.tables["pods.csv"]

    @property
    def risk_segments(self) -> pd.DataFrame:
        return self.tables["risk_segments.csv"]

    @property
    def schemes(self) -> pd.DataFrame:
        return self.tables["schemes.csv"]

    @property
    def targets(self) -> pd.DataFrame:
        return self.tables["targets.csv"]

    @property
    def investments(self) -> pd.DataFrame:
        return self.tables["investments.csv"]

    @property
    def initiatives(self) -> pd.DataFrame:
        return self.tables["initiatives.csv"]

    @property
    def workforce(self) -> pd.DataFrame:
        return self.tables["workforce.csv"]

    @property
    def roles(self) -> pd.DataFrame:
        return self.tables["roles.csv"]

    @property
    def enablers(self) -> pd.DataFrame:
        return self.tables["enablers.csv"]

    @property
    def phasing(self) -> pd.DataFrame:
        return self.tables["phasing.csv"]

    def with_settings(self, **sections: dict) -> "Pack":
        """A copy with some settings changed, e.g. pack.with_settings(finance={"discount_rate": 0.05})."""
        settings = {name: dict(values) for name, values in self.settings.items()}
        for name, values in sections.items():
            settings.setdefault(name, {}).update(values)
        return Pack(self.path, settings, self.tables, self.provided)

    def with_tables(self, **tables: pd.DataFrame) -> "Pack":
        """A copy with some tables replaced, keyed by file stem, e.g. pack.with_tables(schemes=frame)."""
        replaced = dict(self.tables)
        provided = set(self.provided)
        for stem, frame in tables.items():
            replaced[f"{stem}.csv"] = frame
            provided.add(f"{stem}.csv")
        return Pack(self.path, self.settings, replaced, frozenset(provided))


def pack_from_check(path: Path, result: CheckResult) -> Pack:
    if result.problems:
        raise PackError(path, result.problems)
    tables = {name: _frame(schema, result.tables[name]) for name, schema in FILES.items()}
    provided = frozenset(name for name, table in result.tables.items() if table.present)
    return Pack(Path(path), result.settings, tables, provided)


def load_pack(path: str | Path | None = None) -> Pack:
    """Load and validate a pack (the embedded Mid and South Essex pack when no path is given)."""
    path = Path(path) if path is not None else DEFAULT_PACK
    return pack_from_check(path, check_pack(path))


# ---------------------------------------------------------------------------------------------
# Finding a locality by id or name: the command line, reports, pages and apps all use this one rule


ALL = "all"
LISTED_LOCALITIES = 30  # an error lists every locality up to this many, else the first few


def find_localities(pack: Pack, asked, *, allow_all: bool = True) -> list[str]:
    """The locality_id for each entry of `asked`: an id, or a locality name that only one locality has.

    Ids match exactly first, then ignoring case; names match ignoring case and spaces at the ends.
    "all" (the whole footprint) is returned as "all" when `allow_all`. Raises LookupError in one
    line naming what was not found, with a "did you mean" and the pack's ids with their names.
    """
    frame = pack.localities
    ids = [str(i) for i in frame["locality_id"]]
    names = [str(n).strip() for n in frame["locality"]]
    by_id_lower: dict[str, list[str]] = {}
    by_name: dict[str, list[str]] = {}
    for locality_id, name in zip(ids, names):
        by_id_lower.setdefault(locality_id.lower(), []).append(locality_id)
        by_name.setdefault(name.casefold(), []).append(locality_id)
    known = set(ids)
    found, missing = [], []
    for entry in asked:
        text = ALL if entry is None else str(entry).strip()
        if allow_all and (text == "" or text.lower() == ALL):
            found.append(ALL)
        elif text in known:
            found.append(text)
        elif len(by_id_lower.get(text.lower(), [])) == 1:
            found.append(by_id_lower[text.lower()][0])
        elif len(by_name.get(text.casefold(), [])) == 1:
            found.append(by_name[text.casefold()][0])
        else:
            missing.append(text)
    if missing:
        raise LookupError(_no_such_locality(pack, missing, ids, names, by_name, allow_all))
    return found


def find_locality(pack: Pack, asked: str | None, *, allow_all: bool = True) -> str:
    """The locality_id asked for by id or unique name ("all" for the whole footprint); see find_localities."""
    return find_localities(pack, [asked], allow_all=allow_all)[0]


def _no_such_locality(pack: Pack, missing: list[str], ids: list[str], names: list[str],
                      by_name: dict[str, list[str]], allow_all: bool) -> str:
    """One line: what was not found, the closest locality to each, then the pack's ids and names."""
    twins = {text: by_name[text.casefold()] for text in missing if len(by_name.get(text.casefold(), [])) > 1}
    unknown = [text for text in missing if text not in twins]
    parts = []
    if unknown:
        parts.append(f"no locality {' or '.join(f'{chr(34)}{t}{chr(34)}' for t in unknown)} in the pack {pack.name}")
    parts += [f'"{text}" is the name of {len(ids_)} localities in the pack {pack.name} ({", ".join(ids_)}): '
              "give the id" for text, ids_ in twins.items()]
    for text in unknown:
        guess = _closest(text, ids, names)
        if guess:
            parts.append(f"did you mean {guess[0]} ({guess[1]})" + (f' for "{text}"?' if len(unknown) > 1 else "?"))
    shown = list(zip(ids, names)) if len(ids) <= LISTED_LOCALITIES else list(zip(ids, names))[:10]
    listing = "; ".join(f"{i} {n}" for i, n in shown)
    if len(ids) > len(shown):
        listing += f"; and {len(ids) - len(shown):,} more in localities.csv"
    use = '"all", a locality_id or a unique name' if allow_all else "a locality_id or a unique name"
    said = "; ".join(parts)
    return said + (" " if said.endswith("?") else ". ") + f"Use {use}: {listing}"


def closest_locality(pack: Pack, text: str) -> tuple[str, str] | None:
    """(locality_id, name) of the locality whose id or name is closest to `text`, if any is close enough."""
    return _closest(str(text).strip(), [str(i) for i in pack.localities["locality_id"]],
                    [str(n).strip() for n in pack.localities["locality"]])
