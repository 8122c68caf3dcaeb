"""What-if apps for managers: the five notebooks served as Voila web pages (`stpkit apps`).

Managers do not open notebooks: they open a web page, pick their locality, move the assumptions
and read the result. `stpkit apps` serves needs_analysis, locality_deep_dive, investment_phasing,
workforce_gap and bed_capacity as Voila apps behind one landing page:

    http://127.0.0.1:8866/                                   landing page: locality picker, 5 links
    http://127.0.0.1:8866/apps/needs_analysis?locality=MSE05 one app for one locality
    http://127.0.0.1:8866/apps/workforce_gap?pack=other     another pack under the served data folder

How it is put together, server side (in the `stpkit apps` process: `server`, `handlers`):
- `AppsServer` (`handlers`) is a Voila application cut down to the apps: the landing page,
  /apps/<name>, the charts' JavaScript, and only the static files, widget extensions and kernel
  channels a page needs. No file browser, terminal, contents API or notebook editing exists;
  every other address answers a plain 404. Code is stripped from the pages, and Voila lets a page
  send only widget messages to its kernel, never code. Served on 127.0.0.1 unless --ip says otherwise.
- ?locality= and ?pack= are checked before a kernel is used (`request`, `server.check_request`):
  an unknown locality, a pack outside the served data folder or any other query key is refused
  with a plain page.
- Kernels are preheated (Voila's pool). The server reads each notebook through `prepare_notebook`,
  which adds a cell after the parameters cell (`from_request`) and, for notebooks that build a
  `stpkit.pages` page, a last cell (`finish_request`). Such a notebook runs in full ahead of any
  request, for the served pack and the whole footprint; when a page takes the kernel, the last cell
  sets the page to the locality asked for (exactly what the page's own locality list does) and the
  page is sent at once. A request for another pack gets a kernel of its own. Other notebooks wait
  for their request right after the parameters cell, with everything imported and warmed.
- Charts are Altair's offline Vega widgets; their JavaScript (Vega bundled by vl-convert, 0.9 MB)
  is bundled once per machine (`offline_chart_js`), served at /stpkit/chart.js, preloaded by the
  page and cached by the browser, instead of travelling inline with every chart. Nothing is
  fetched from the internet (the page template drops Voila's Font Awesome CDN link).
- The page template (`templates/index.html.j2`) loads Voila's front end right after the page's
  settings instead of after the last cell, so the browser compiles it while a preheated kernel sets
  its page to the locality; extension files named by their content hash are cached for good.

Kernel side (`kernel`: each app kernel runs `kernel_setup()` through an IPython profile the server
writes): tracebacks go to the server's log and the page reads a plain line; an error in a what-if
update also shows in a banner at the top of the page. `from_request` is a no-op outside `stpkit
apps` (JupyterLab, papermill), so the notebooks themselves need no change.

The modules: `request` (what an address asks for, shared by both sides), `kernel`, `server` (what
is served, the front page, the Voila configuration, `serve` and the command) and `handlers` (the
Voila application and its request handlers, built on first use). The names below are re-exported
here; a kernel's state (`kernel._request` and the like) lives in `stpkit.apps.kernel` only.
"""

from __future__ import annotations

from .handlers import WIDGET_WAIT_PATCHES, cacheable_extension_file, patient_widget_js
from .kernel import (PLAIN_CALLBACK_ERROR, PLAIN_ERROR, finish_request, from_request, kernel_setup, plain_message,
                     show_banner, under_apps, use_bundled_chart_js, warm_up, write_kernel_profile)
from .request import (ALL, ENV_CHART_JS, ENV_CHART_URL, ENV_DATA, ENV_PACK, ENV_WARM_DIR, QUERY_KEYS, AppRefusal,
                      parse_query, resolve_pack, served_packs)
from .server import (APPS, DEFAULT_POOL_SIZE, DEFAULT_PORT, NOTEBOOKS_DIR, TEMPLATES_DIR, PackCatalogue, Served,
                     add_command, build_config, check_request, draws_whole_page_first, free_port, landing_page,
                     notebook_draws_whole_page_first, offline_chart_js, prepare_notebook, problem_page, run, serve,
                     share_compiled_templates, warm_kernel)

__all__ = [
    "APPS", "TEMPLATES_DIR", "NOTEBOOKS_DIR", "DEFAULT_PORT", "DEFAULT_POOL_SIZE",
    "ENV_DATA", "ENV_PACK", "ENV_CHART_JS", "ENV_CHART_URL", "ENV_WARM_DIR", "QUERY_KEYS", "ALL",
    "AppRefusal", "served_packs", "parse_query", "resolve_pack",
    "under_apps", "warm_up", "use_bundled_chart_js", "from_request", "finish_request", "show_banner",
    "PLAIN_ERROR", "PLAIN_CALLBACK_ERROR", "plain_message", "kernel_setup", "write_kernel_profile",
    "Served", "draws_whole_page_first", "notebook_draws_whole_page_first", "prepare_notebook", "PackCatalogue",
    "check_request", "problem_page", "landing_page", "offline_chart_js", "warm_kernel", "build_config",
    "share_compiled_templates", "serve", "free_port", "run", "add_command",
    "WIDGET_WAIT_PATCHES", "patient_widget_js", "cacheable_extension_file",
]
