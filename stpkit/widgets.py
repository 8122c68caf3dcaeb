"""The what-if pages under their earlier name: `stpkit.widgets` is now `stpkit.pages`.

Kept so that notebooks and scripts written against earlier releases (`from stpkit import widgets;
widgets.NeedsPage(...)`) still run; new code imports `stpkit.pages`. This module holds nothing of
its own: it re-exports the public names of `stpkit.pages` (the pages, Page, Table, Note, Card,
Control, Result, open_pack, check_locality and the formatting helpers). Private helpers live in
the modules of `stpkit.pages` that own them (for instance `stpkit.pages.base._display`).
"""

from __future__ import annotations

from .pages import *  # noqa: F401,F403
from .pages import __all__  # noqa: F401
