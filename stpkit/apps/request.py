"""What an app address asks for, shared by the apps server and its kernels: the packs on offer,
?locality=, ?pack= and ?scenario=, and the plain refusal of anything else (`AppRefusal`).

Also the environment variables through which the server tells its kernels what it serves.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

# environment variables the server sets for its kernels
ENV_DATA = "STPKIT_APPS_DATA"     # the served data folder: ?pack=NAME means DATA/NAME
ENV_PACK = "STPKIT_APPS_PACK"     # the pack served when the address names none
ENV_CHART_JS = "STPKIT_APPS_CHART_JS"  # Altair's offline chart JavaScript, bundled once per machine
ENV_CHART_URL = "STPKIT_APPS_CHART_URL"  # the path the server serves that JavaScript at
ENV_WARM_DIR = "STPKIT_APPS_WARM"  # a preheated kernel puts a file named after itself here once it is warm
ENV_READ_ONLY = "STPKIT_APPS_READ_ONLY"  # "1": `stpkit apps --read-only`, the pages offer no saving
QUERY_KEYS = ("locality", "pack", "scenario")
ALL = "all"


class AppRefusal(Exception):
    """An address the apps will not serve (unknown locality, pack or query key), in plain words."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def served_packs(data_dir: str | Path, default_pack: str | Path | None = None) -> dict[str, Path]:
    """The packs ?pack= may name: folders directly under the data folder that hold a pack.toml, and workbooks."""
    data_dir = Path(data_dir)
    packs = {}
    if data_dir.is_dir():
        for folder in sorted(data_dir.iterdir(), key=lambda p: p.name.lower()):
            if (folder / "pack.toml").is_file() or (folder.is_file() and folder.suffix.lower() in (".xlsx", ".xlsm")
                                                    and not folder.name.startswith(("~$", "."))):
                packs[folder.name] = folder.resolve()
    if default_pack is not None:
        default_pack = Path(default_pack).resolve()
        packs.setdefault(default_pack.name, default_pack)
    return packs


def parse_query(query: str | dict) -> dict[str, str]:
    """The locality and pack an app address asks for; refuses unknown keys and repeated values."""
    if isinstance(query, str):
        query = parse_qs(query, keep_blank_values=True)
    else:
        query = {k: [v.decode() if isinstance(v, bytes) else v for v in values] for k, values in query.items()}
    unknown = sorted(set(query) - set(QUERY_KEYS))
    if unknown:
        raise AppRefusal(f'This address has a setting the apps do not know: "{unknown[0]}". '
                         "An app address takes ?locality=, ?pack= and ?scenario= only.")
    asked = {}
    for key, values in query.items():
        if len(values) != 1:
            raise AppRefusal(f'This address gives "{key}" {len(values)} times; give it once.')
        value = values[0].strip()
        if value:
            asked[key] = value
    return asked


def resolve_pack(name: str | None, data_dir: str | Path, default_pack: str | Path) -> Path:
    """The folder of the pack an address names (None: the served pack); refuses any other pack."""
    if name is None:
        return Path(default_pack).resolve()
    packs = served_packs(data_dir, default_pack)
    if name not in packs:
        offered = ", ".join(f'"{n}"' for n in packs) or "none"
        raise AppRefusal(f'There is no pack called "{name}" here. The packs on offer are: {offered}.')
    return packs[name]
