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
