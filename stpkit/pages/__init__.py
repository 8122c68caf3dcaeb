"""What-if pages for the notebooks: controls, and the headline figures, charts and tables that follow them.

Each of the four notebooks builds one page (`NeedsPage`, `LocalityPage`, `InvestmentPage`,
`WorkforcePage`) from its parameters and shows its parts where its narrative needs them:

    page = pages.NeedsPage(pack, locality, rose_cut=0.10)
    page.show("controls")         # the what-if controls (or, in a report, the assumptions used)
    page.show("headline")         # the headline figures in words
    page.show_chart("pyramid")    # a chart
    page.show_table("pyramid")    # a table

A page computes everything from its controls' values with stpkit's model functions (no model
logic here: only choosing, labelling and arranging what the model returns). Moving a control
recomputes the page once and updates every part already shown, in place: charts get a new
spec, tables and headline figures new HTML, nothing on the page is re-created. The model for a
whole footprint takes milliseconds, so an update takes well under a second.

How a page is drawn depends on `stpkit.charts.mode()` (set by `charts.setup()`):

- interactive (JupyterLab, Voila): controls are ipywidgets; charts are offline Vega widgets
  (`altair.JupyterChart`); headline figures and tables are HTML widgets. Each HTML widget's output
  also carries its HTML as a plain fallback, so a notebook saved from JupyterLab without widget
  state still exports readable tables.
- static (papermill and other headless runs): no widget is created at all (a widget would put
  widget state and a CDN widget loader into exported HTML); charts are inline SVG, tables and
  figures plain HTML, and "controls" lists the assumptions used. An executed notebook thus holds
  the figures for its parameters with no widget state needed.

For tests and scripts a page works without a notebook: `page.set(rose_cut=0.2)` moves controls,
`page.figures`, `page.chart(name)` and `page.table(name)` read the current results.

Small counts: tables and headline counts go through `stpkit.report.disclosure` (counts from 1 to 7
shown as "*" when STPKIT_DISCLOSURE is on, as `stpkit reports` sets it for published reports).
The headline output carries the figures as output metadata {"stpkit": {...}} for report indexes.

Where things are:

- `packs`: opening a pack once (`open_pack`), the locality picker, whose figures a page shows;
- `display`: numbers in the house style, `Table`, `Note`, `Card` and their HTML;
- `base`: `Control`, `Result` and `Page`, the machinery every page shares (what is shown, and
  how it follows the controls);
- `needs`, `locality`, `investment`, `workforce`, `beds`, `plan`: one page each, for the notebook of that name
  (`beds` for bed_capacity, `plan` for plan_on_a_page).
"""

from __future__ import annotations

from .base import FILE_WORDS, HEATMAP_ROWS, LEVEL_COLOURS, Control, Page, Result, label_width
from .display import (ILLUSTRATIVE, MAX_TABLE_ROWS, MONEY_KINDS, Card, Note, Table, cards_html, count, fte, gbp,
                      interval, pct)
from .investment import InvestmentPage
from .locality import SHORT_POD, UNITS, LocalityPage
from .needs import SEGMENT_WORDS, NeedsPage
from .plan import PlanPage
from .packs import ALL, FOOTPRINT_LABEL, check_locality, footprint_name, locality_options, open_pack, population_share
from .workforce import WorkforcePage
from .beds import BedsPage

#: the page of each notebook, by the notebook's name
PAGES = {page.notebook: page for page in (NeedsPage, LocalityPage, InvestmentPage, WorkforcePage, BedsPage,
                                          PlanPage)}

__all__ = [
    "NeedsPage", "LocalityPage", "InvestmentPage", "WorkforcePage", "BedsPage", "PlanPage", "PAGES",
    "Page", "Control", "Result", "Table", "Note", "Card",
    "open_pack", "check_locality", "locality_options", "footprint_name", "population_share",
    "cards_html", "gbp", "pct", "fte", "count", "interval", "label_width",
    "ALL", "FOOTPRINT_LABEL", "ILLUSTRATIVE", "MAX_TABLE_ROWS", "MONEY_KINDS", "HEATMAP_ROWS", "LEVEL_COLOURS",
    "FILE_WORDS", "UNITS", "SHORT_POD", "SEGMENT_WORDS",
]
