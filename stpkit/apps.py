"""What-if apps for managers: the four notebooks served as Voila web pages (`stpkit apps`).

Managers do not open notebooks: they open a web page, pick their locality, move the assumptions
and read the result. `stpkit apps` serves needs_analysis, locality_deep_dive, investment_phasing
and workforce_gap as Voila apps behind one landing page:

    http://127.0.0.1:8866/                                   landing page: locality picker, 4 links
    http://127.0.0.1:8866/apps/needs_analysis?locality=MSE05 one app for one locality
    http://127.0.0.1:8866/apps/workforce_gap?pack=other     another pack under the served data folder

How it is put together (server side, in the `stpkit apps` process):
- `AppsServer` is a Voila application cut down to the apps: the landing page, /apps/<name>, the
  charts' JavaScript, and only the static files, widget extensions and kernel channels a page
  needs. No file browser, terminal, contents API or notebook editing exists; every other address
  answers a plain 404. Code is stripped from the pages, and Voila lets a page send only widget
  messages to its kernel, never code. Served on 127.0.0.1 unless --ip says otherwise.
- ?locality= and ?pack= are checked before a kernel is used: an unknown locality, a pack outside
  the served data folder or any other query key is refused with a plain page.
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
- The page template (app_templates/index.html.j2) loads Voila's front end right after the page's
  settings instead of after the last cell, so the browser compiles it while a preheated kernel sets
  its page to the locality; extension files named by their content hash are cached for good.

Kernel side (each app kernel runs `kernel_setup()` through an IPython profile the server writes):
tracebacks go to the server's log and the page reads a plain line; an error in a what-if update
also shows in a banner at the top of the page. `from_request` is a no-op outside `stpkit apps`
(JupyterLab, papermill), so the notebooks themselves need no change.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode

#: the four apps in landing-page order: notebook stem -> (title, what a manager gets from it)
APPS: dict[str, tuple[str, str]] = {
    "needs_analysis": (
        "Needs analysis",
        "Who needs what: the risk pyramid and each tier's share of admissions, the cut a target needs "
        "from each tier, segments against the footprint and how many care coordinators that takes."),
    "locality_deep_dive": (
        "Locality deep dive",
        "One locality against its peers: context, enabler maturity, activity base, momentum and target "
        "by point of delivery, the walk from base to target, savings and the transformation timeline."),
    "investment_phasing": (
        "Investment phasing",
        "What the plan costs and when it pays back: pump priming and capital by year, the savings ramp, "
        "the cumulative net position, NPV and the three options side by side."),
    "workforce_gap": (
        "Workforce gap",
        "The staff the plan needs: demand, supply and gap by staff group and year, the cost, GP time "
        "released and care coordinators needed."),
}

#: the page template for the apps (Voila's lab page without its CDN links)
TEMPLATES_DIR = Path(__file__).resolve().parent / "app_templates"
#: the notebooks shipped with stpkit (the repository's notebooks/ folder)
NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"

# environment variables the server sets for its kernels
ENV_DATA = "STPKIT_APPS_DATA"     # the served data folder: ?pack=NAME means DATA/NAME
ENV_PACK = "STPKIT_APPS_PACK"     # the pack served when the address names none
ENV_CHART_JS = "STPKIT_APPS_CHART_JS"  # Altair's offline chart JavaScript, bundled once per machine
ENV_CHART_URL = "STPKIT_APPS_CHART_URL"  # the path the server serves that JavaScript at
ENV_WARM_DIR = "STPKIT_APPS_WARM"  # a preheated kernel puts a file named after itself here once it is warm
QUERY_KEYS = ("locality", "pack")
ALL = "all"

DEFAULT_PORT = 8866
DEFAULT_POOL_SIZE = 2


class AppRefusal(Exception):
    """An address the apps will not serve (unknown locality, pack or query key), in plain words."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


# ----------------------------------------------------------------------------------------------
# Packs on offer and what a request asks for (shared by the server and the kernels)


def served_packs(data_dir: str | Path, default_pack: str | Path | None = None) -> dict[str, Path]:
    """The packs ?pack= may name: folders directly under the data folder that hold a pack.toml."""
    data_dir = Path(data_dir)
    packs = {}
    if data_dir.is_dir():
        for folder in sorted(data_dir.iterdir(), key=lambda p: p.name.lower()):
            if (folder / "pack.toml").is_file():
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
                         "An app address takes ?locality= and ?pack= only.")
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


# ----------------------------------------------------------------------------------------------
# Kernel side: waiting for the request, warming up, plain error messages


_request: dict | None = None          # the query of this kernel's page, once known
_applied_at_start = False             # whether the notebook ran with the request's own pack and locality
_banner = None                        # an HTML widget at the top of the page for errors in callbacks


def under_apps() -> bool:
    """True in a kernel started by `stpkit apps` (not in JupyterLab, papermill or plain Python)."""
    return bool(os.environ.get(ENV_DATA))


def warm_up() -> None:
    """Import and exercise what the apps need, so the page request finds everything ready.

    Runs in a preheated kernel before it waits for its request: imports, the offline chart
    renderer (JavaScript bundled once per kernel), Altair's schema validation and the served pack.
    """
    import importlib

    for name in ("numpy", "pandas", "ipywidgets", "anywidget", "altair", "stpkit.pack", "stpkit.activity",
                 "stpkit.needs", "stpkit.investment", "stpkit.locality", "stpkit.workforce",
                 "stpkit.initiatives", "stpkit.plan", "stpkit.uncertainty", "stpkit.charts", "stpkit.pages"):
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional module is the notebook's business, not the warm-up's
            pass
    try:
        import altair as alt
        import pandas as pd

        use_bundled_chart_js()
        alt.renderers.enable("jupyter", offline=True)
        alt.Chart(pd.DataFrame({"x": [1.0]})).mark_bar().encode(x="x:Q").to_dict()
    except Exception:
        pass
    try:
        from .pack import load_pack

        if os.environ.get(ENV_PACK):
            load_pack(os.environ[ENV_PACK])
    except Exception:
        pass


def use_bundled_chart_js() -> None:
    """Make Altair's offline charts use the JavaScript the server bundled once (see `offline_chart_js`).

    Altair's own `JupyterChart.enable_offline()` bundles it in every kernel with vl-convert, which
    costs each kernel seconds of CPU and about 95 MB; reading the server's copy costs neither.
    """
    from altair import JupyterChart

    path = os.environ.get(ENV_CHART_JS)
    if getattr(JupyterChart, "_is_offline", True):
        return
    if path and os.path.isfile(path) and hasattr(JupyterChart, "_esm"):
        JupyterChart._esm = Path(path).read_text(encoding="utf-8")
        JupyterChart._is_offline = True
    else:
        JupyterChart.enable_offline(True)


def offline_chart_js(cache_dir: str | Path | None = None) -> Path:
    """The JavaScript offline Altair charts run on, bundled by vl-convert once and kept on disk.

    The file is named after the Altair and vl-convert versions, so an upgrade makes a new one.
    Bundling runs in a child process so the server does not keep vl-convert in memory.
    """
    import subprocess
    from importlib.metadata import version

    if cache_dir is None:
        cache_dir = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "stpkit"
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"altair-{version('altair')}-vlconvert-{version('vl-convert-python')}-offline.js"
    if not target.is_file() or target.stat().st_size == 0:
        partial = target.with_suffix(f".{os.getpid()}.part")
        code = ("import sys, altair; altair.JupyterChart.enable_offline(True); "
                "open(sys.argv[1], 'w', encoding='utf-8').write(altair.JupyterChart._esm)")
        subprocess.run([sys.executable, "-c", code, str(partial)], check=True, capture_output=True, timeout=300)
        partial.replace(target)
    return target


def _preheated() -> bool:
    return os.environ.get("VOILA_PREHEAT") == "True"


def _known_request(wait: bool) -> dict | None:
    """The query of the page this kernel serves, or None while a preheated kernel has not been asked.

    A kernel started for a page knows its request from the start. A preheated kernel learns it
    only when a page takes it: with `wait`, it warms up and waits here until then.
    """
    global _request
    if _request is not None:
        return _request
    if _preheated():
        if not wait:
            return None
        from voila.utils import wait_for_request

        warm_up()
        _say_warm()
        wait_for_request()
        if "QUERY_STRING" not in os.environ:
            # the wait ended with no request: the server is stopping; leave without a fuss
            _server_log(f"stpkit apps: kernel {os.environ.get('VOILA_KERNEL_ID', '?')[:8]} stopped unused")
            os._exit(0)
    _request = parse_query(os.environ.get("QUERY_STRING", ""))
    _charts_from_server()
    return _request


def _say_warm() -> None:
    """Tell the server this preheated kernel has run its notebook and waits for a page (see `warm_kernel`)."""
    kernel_id = os.environ.get("VOILA_KERNEL_ID", "")
    folder = os.environ.get(ENV_WARM_DIR)
    if folder and re.fullmatch(r"[0-9a-f-]+", kernel_id):
        try:
            Path(folder, kernel_id).touch()
        except OSError:
            pass
    _server_log(f"stpkit apps: kernel {kernel_id[:8] or '?'} warmed up, waiting for a page request")


def warm_kernel(pool: list, warm_dir: str | Path | None) -> bool:
    """Put a warm kernel (one that has run its notebook and waits) first in a Voila kernel pool.

    False when there is none: every preheated kernel is taken or still warming up. Voila would
    then make the page wait for the next kernel in line to warm up, behind the pages before it;
    a kernel of the page's own, started at once, is sooner.
    """
    if not warm_dir:
        return False
    for i, task in enumerate(pool):
        if not task.done() or task.cancelled() or task.exception() is not None:
            continue
        kernel_id = task.result().get("kernel_id", "")
        if kernel_id and Path(warm_dir, kernel_id).is_file():
            pool.insert(0, pool.pop(i))
            return True
    return False


def _charts_from_server() -> None:
    """Let this page's charts load their JavaScript from the server by address, not inline.

    Inline, every chart carries 0.9 MB of JavaScript to the browser, which evaluates it once per
    chart; by address (anywidget imports an http URL as a module) the browser fetches it once,
    evaluates it once per page and keeps it in its cache for the next page.
    """
    path, host, port = (os.environ.get(k) for k in (ENV_CHART_URL, "SERVER_NAME", "SERVER_PORT"))
    if not (path and host):
        return
    try:
        from altair import JupyterChart

        if not hasattr(JupyterChart, "_esm"):
            return
        url = f"http://{host}{':' + port if port else ''}{path}"
        JupyterChart._esm = url
        JupyterChart._is_offline = True
        # charts drawn before the request (a preheated page) switch too: the page has not fetched them yet
        from ipywidgets.widgets import widget as widget_module

        for instance in list(getattr(widget_module, "_instances", {}).values()):
            if isinstance(instance, JupyterChart) and instance._esm != url:
                instance._esm = url
    except Exception:
        pass


def from_request(pack=None, locality: str = ALL, wait: bool = True) -> tuple:
    """The pack and locality an app page asks for (?pack=, ?locality=); the arguments otherwise.

    Under `stpkit apps` the pack is the served pack unless the address names another one under the
    served data folder. A preheated kernel does not know its page yet: with `wait` it waits for it,
    without it returns the served pack and `locality` (see `finish_request`). Outside `stpkit apps`
    (JupyterLab, papermill) it returns its arguments.
    """
    global _applied_at_start
    if not under_apps():
        return pack, locality
    asked = _known_request(wait)
    if asked is None:
        return str(Path(os.environ[ENV_PACK]).resolve()), locality
    _applied_at_start = True
    pack_path = resolve_pack(asked.get("pack"), os.environ[ENV_DATA], os.environ[ENV_PACK])
    locality = asked.get("locality", locality)
    if locality != ALL:  # a unique name becomes its locality_id, whatever the notebook does with it
        from .pages import check_locality, open_pack

        locality = check_locality(open_pack(pack_path), locality)
    return str(pack_path), locality


def finish_request(namespace: dict) -> None:
    """Last step of an app notebook run by a preheated kernel: wait for the page, then show its locality.

    The notebook has already run in full for the served pack and the whole footprint, so the page
    is ready; the locality the address asks for is then set on its what-if page (`stpkit.pages`
    pages), exactly as a manager picking it from the page's own locality list would.
    """
    if not under_apps() or _applied_at_start:
        return
    asked = _known_request(wait=True)
    locality = asked.get("locality", ALL)
    if "pack" in asked and resolve_pack(asked["pack"], os.environ[ENV_DATA], os.environ[ENV_PACK]) != \
            Path(os.environ[ENV_PACK]).resolve():
        raise AppRefusal("This page was drawn for the wrong pack; reload it.")  # the server never sends this here
    from .pages import Page, check_locality

    pages = [value for value in namespace.values() if isinstance(value, Page)]
    if pages:
        locality = check_locality(pages[0].pack, locality)  # a unique name becomes its locality_id
    for page in pages:
        page.initial["locality"] = locality  # "reset" keeps the locality the address asked for
    if all(page.locality == locality for page in pages):
        return

    # Set here, before the page's end is sent: the browser's widget manager starts only then, so it
    # finds every widget as the locality left it. (Setting it just after the cell, while the browser
    # loads its scripts, was tried: a widget replaced meanwhile could be missing from the page.)
    for page in pages:
        if page.locality != locality:
            page.set(locality=locality)


def show_banner() -> None:
    """An empty line at the top of the page where a failed what-if update says so plainly."""
    global _banner
    if not under_apps():
        return
    import ipywidgets
    from IPython.display import display

    _banner = ipywidgets.HTML(value="")
    _banner.add_class("stpkit-app-banner")
    display(_banner)


def _server_log(text: str) -> None:
    """Write to the server's log (the kernel's original stderr), never to the page."""
    data = (text.rstrip("\n") + "\n").encode("utf-8", "replace")
    fd = getattr(sys.stderr, "_original_stdstream_copy", None)
    try:
        if fd is not None:
            os.write(fd, data)
        else:
            sys.__stderr__.write(data.decode("utf-8"))
            sys.__stderr__.flush()
    except Exception:
        pass


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PLAIN_ERROR = ("Something went wrong while working out this part of the page, so it is not shown. "
               "The details are in the server's log; reloading the page starts it again.")
PLAIN_CALLBACK_ERROR = ("Something went wrong while updating the figures, so some of them may not match the "
                        "settings. The details are in the server's log; reloading the page starts it again.")


def plain_message(evalue: BaseException | None, default: str = PLAIN_ERROR) -> str:
    """What a manager reads when something fails: our own plain errors as they are, else a general line."""
    from .cli import UserError
    from .pack import PackError

    if isinstance(evalue, (AppRefusal, UserError)):
        return str(evalue)
    if isinstance(evalue, PackError):
        return (f"The pack in {evalue.path.name} has {len(evalue.problems)} problem(s), so it cannot be shown. "
                f"Run `stpkit validate {evalue.path}` to list them.")
    return default


def _error_html(message: str) -> str:
    return (f'<div class="stpkit-app-error" role="alert" style="border-left:4px solid #d5281b;'
            f'background:#fff4f2;padding:8px 12px;margin:8px 0;color:#212b32">{html.escape(message)}</div>')


def _show_plain_traceback(shell, etype, evalue, stb) -> None:
    """Replacement for the shell's traceback display: log it on the server, show a plain line."""
    from IPython.display import HTML, display

    if shell is not None:
        shell._last_traceback = stb
    where = os.environ.get("SCRIPT_NAME") or "an app"
    query = os.environ.get("QUERY_STRING")
    text = _ANSI.sub("", "\n".join(stb if isinstance(stb, list) else [str(stb)]))
    _server_log(f"stpkit apps: error in {where}{'?' + query if query else ''} "
                f"(kernel {os.environ.get('VOILA_KERNEL_ID', '?')[:8]}):\n{text}")
    in_cell = getattr(shell, "_stpkit_in_cell", False)
    message = plain_message(evalue, PLAIN_ERROR if in_cell else PLAIN_CALLBACK_ERROR)
    if _banner is not None and not in_cell:
        _banner.value = _error_html(message)
    display(HTML(_error_html(message)))


def kernel_setup() -> None:
    """Set up an app kernel: tracebacks go to the server's log and the page reads a plain line.

    Called by the IPython profile that `stpkit apps` gives its kernels; does nothing elsewhere.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or not under_apps() or getattr(shell, "_stpkit_apps", False):
        return
    shell._stpkit_apps = True
    shell._stpkit_in_cell = False
    try:
        use_bundled_chart_js()
    except Exception:
        pass
    shell._showtraceback = lambda etype, evalue, stb: _show_plain_traceback(shell, etype, evalue, stb)

    def pre_run_cell(info=None):
        shell._stpkit_in_cell = True

    def post_run_cell(result=None):
        shell._stpkit_in_cell = False

    shell.events.register("pre_run_cell", pre_run_cell)
    shell.events.register("post_run_cell", post_run_cell)


_PROFILE_CONFIG = """# Written by `stpkit apps` for its app kernels only.
c.InteractiveShellApp.exec_lines = ["import stpkit.apps as _stpkit_apps; _stpkit_apps.kernel_setup(); del _stpkit_apps"]
c.InteractiveShell.xmode = "Plain"
c.IPKernelApp.log_level = "ERROR"
"""


def write_kernel_profile(ipython_dir: str | Path) -> Path:
    """An IPython folder whose default profile runs `kernel_setup()` in every kernel started with it."""
    profile = Path(ipython_dir) / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "ipython_kernel_config.py").write_text(_PROFILE_CONFIG, encoding="utf-8")
    return Path(ipython_dir)


# ----------------------------------------------------------------------------------------------
# Server side


@dataclass(frozen=True)
class Served:
    """What one `stpkit apps` server serves."""

    pack: Path            # the pack shown when the address names none
    data_dir: Path        # ?pack=NAME may name any pack folder directly under it
    notebooks: Path       # folder with the four app notebooks

    def packs(self) -> dict[str, Path]:
        return served_packs(self.data_dir, self.pack)


_PAGE_CALL = re.compile(r"\b\w*Page\s*\(")


def draws_whole_page_first(notebook) -> bool:
    """Whether a notebook builds a what-if page from `stpkit.pages` (NeedsPage(...) and the like).

    Such a notebook runs in full in a preheated kernel, for the served pack and the whole footprint,
    and its page is then set to the locality the address asks for. Any other notebook waits for
    its page's request right after its parameters cell, so only its first cells run ahead.
    """
    return any(cell.cell_type == "code" and _PAGE_CALL.search(cell.source) for cell in notebook.cells)


_LATE_CACHE: dict[Path, tuple[int, bool]] = {}


def notebook_draws_whole_page_first(path: Path) -> bool:
    """`draws_whole_page_first` for a notebook file (read again only when it changes)."""
    import nbformat

    path = Path(path)
    stamp = path.stat().st_mtime_ns
    cached = _LATE_CACHE.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, draws_whole_page_first(nbformat.read(path, as_version=4)))
        _LATE_CACHE[path] = cached
    return cached[1]


def prepare_notebook(notebook):
    """The notebook as the apps run it: a cell after the parameters cell applies the page's request,
    and (for notebooks that build a what-if page) a last cell sets the page to its locality. Cells
    tagged remove-cell (JupyterLab how-to notes) are left out, as in reports.

    The added cells have no visible output and, like every cell, no code on the page.
    """
    import copy

    import nbformat

    notebook = copy.deepcopy(notebook)
    # notes for JupyterLab only (tagged remove-cell, as reports leave them out) are not shown to managers
    notebook.cells = [cell for cell in notebook.cells
                      if not {"remove-cell", "remove_cell"} & set(cell.get("metadata", {}).get("tags", []))]
    cells = notebook.cells
    late = draws_whole_page_first(notebook)
    after = next((i + 1 for i, cell in enumerate(cells)
                  if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", [])), 0)
    start = nbformat.v4.new_code_cell(
        "import stpkit.apps as _stpkit_apps\n"
        "_stpkit_apps.show_banner()\n"
        'pack, locality = _stpkit_apps.from_request(globals().get("pack"), globals().get("locality", "all"), '
        f"wait={not late})")
    start.metadata["tags"] = ["stpkit-apps"]
    cells.insert(after, start)
    if late:
        finish = nbformat.v4.new_code_cell("_stpkit_apps.finish_request(globals())")
        finish.metadata["tags"] = ["stpkit-apps"]
        cells.append(finish)
    return notebook


class PackCatalogue:
    """Localities of the served packs, loaded (and validated) once and again only when a file changes."""

    def __init__(self):
        self._cache: dict[Path, tuple[tuple, object]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _signature(path: Path) -> tuple:
        return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in path.iterdir() if p.is_file()))

    def load(self, path: Path):
        """The loaded pack (raises AppRefusal in plain words if it does not validate)."""
        from .pack import PackError, load_pack

        path = Path(path).resolve()
        signature = self._signature(path)
        with self._lock:
            cached = self._cache.get(path)
            if cached and cached[0] == signature:
                return cached[1]
        try:
            pack = load_pack(path)
        except PackError as error:
            raise AppRefusal(f'The pack "{path.name}" has {len(error.problems)} problem(s), so the apps cannot show it. '
                             f"Run `stpkit validate {path}` to list them.", status=422) from None
        with self._lock:
            self._cache[path] = (signature, pack)
        return pack

    def localities(self, path: Path) -> list[tuple[str, str, str]]:
        """(locality_id, locality, group) for every locality of the pack, in file order."""
        frame = self.load(path).localities
        groups = frame["group"] if "group" in frame else [""] * len(frame)
        return [(str(i), str(n), "" if g is None or (isinstance(g, float) and g != g) else str(g))
                for i, n, g in zip(frame["locality_id"], frame["locality"], groups)]


def check_request(served: Served, catalogue: PackCatalogue, query: dict | str) -> tuple[str | None, Path, str]:
    """(pack name or None, pack folder, locality) for an app address, or AppRefusal in plain words."""
    asked = parse_query(query)
    pack_path = resolve_pack(asked.get("pack"), served.data_dir, served.pack)
    locality = asked.get("locality", ALL)
    if locality != ALL:
        from .pack import closest_locality, find_locality

        pack = catalogue.load(pack_path)
        try:  # an id, or a name only one locality has
            locality = find_locality(pack, locality)
        except LookupError:
            guess = closest_locality(pack, locality)
            hint = f' Did you mean {guess[1]} ({guess[0]})?' if guess else ""
            raise AppRefusal(f'There is no locality "{locality}" in {pack.name}.{hint} '
                             "Pick one from the list on the apps' front page.", status=404) from None
    else:
        catalogue.load(pack_path)  # refuse an invalid pack before a kernel is spent on it
    return asked.get("pack"), pack_path, locality


_PAGE_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:#212b32;background:#f0f4f5;margin:0}
main{max-width:960px;margin:0 auto;padding:24px}
h1{font-size:1.8rem;margin:0 0 8px}
h2{font-size:1.2rem;margin:0 0 6px}
.lead{font-size:1.05rem;margin:0 0 20px}
form.pick{background:#fff;padding:16px;border-radius:4px;margin:0 0 16px}
label{font-weight:600;margin-right:8px}
select{font-size:1rem;padding:4px;max-width:100%}
ul.apps{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:16px}
ul.apps li{background:#fff;padding:16px;border-radius:4px;display:flex;flex-direction:column}
ul.apps p{flex:1}
button{font-size:1rem;padding:8px 14px;background:#005eb8;color:#fff;border:0;border-radius:4px;cursor:pointer}
button.secondary{background:#425563}
.note{color:#4c6272;font-size:.9rem}
.problem{background:#fff;border-left:4px solid #d5281b;padding:16px}
"""

_LANDING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ pack_name }}: what-if apps</title><style>{{ style }}</style></head>
<body><main>
<h1>{{ pack_name }}: what-if apps</h1>
<p class="lead">Pick a locality, or the whole footprint, then open an app. Move the assumptions in the app
and the figures follow. Copy the app's address from the browser to share exactly what you are looking at.</p>
{% if packs|length > 1 %}
<form class="pick" method="get" action="{{ base_url }}">
<label for="pack">Footprint pack</label>
<select id="pack" name="pack">{% for name in packs %}<option value="{{ name }}"{% if name == pack_key %} selected{% endif %}>{{ name }}</option>{% endfor %}</select>
<button type="submit" class="secondary">Show its localities</button>
</form>
{% endif %}
<form class="pick" method="get" action="{{ base_url }}apps/{{ first_app }}">
{% if pack_arg %}<input type="hidden" name="pack" value="{{ pack_arg }}">{% endif %}
<label for="locality">Locality</label>
<select id="locality" name="locality">
<option value="all"{% if selected == "all" %} selected{% endif %}>Whole footprint (all {{ count }} localities)</option>
{% for group, items in groups %}{% if group %}<optgroup label="{{ group }}">{% endif %}
{% for id, name in items %}<option value="{{ id }}"{% if id == selected %} selected{% endif %}>{{ name }} ({{ id }})</option>
{% endfor %}{% if group %}</optgroup>{% endif %}{% endfor %}
</select>
<ul class="apps">
{% for app in apps %}<li id="app-{{ app.name }}"><h2><a href="{{ app.url }}">{{ app.title }}</a></h2><p>{{ app.description }}</p>
<button type="submit" formaction="{{ base_url }}apps/{{ app.name }}">Open {{ app.title|lower }}</button></li>
{% endfor %}</ul>
</form>
<p class="note">Served by stpkit from {{ pack_path }}. The links above open the whole footprint;
the buttons open the locality picked in the list.</p>
</main></body></html>
"""

_PROBLEM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title><style>{{ style }}</style></head>
<body><main><h1>{{ title }}</h1><p class="problem">{{ message }}</p>
<p><a href="{{ base_url }}">Back to the list of apps</a></p></main></body></html>
"""


def _render(template: str, **values) -> str:
    import jinja2

    env = jinja2.Environment(autoescape=True)
    return env.from_string(template).render(style=_PAGE_STYLE, **values)


def problem_page(message: str, base_url: str = "/", title: str = "This page cannot be shown") -> str:
    """A plain HTML page with one message for the manager and a link back to the apps."""
    return _render(_PROBLEM, title=title, message=message, base_url=base_url)


def landing_page(served: Served, catalogue: PackCatalogue, pack_name: str | None = None,
                 locality: str = ALL, base_url: str = "/") -> str:
    """The front page: a locality picker (and pack picker when the data folder has several packs)."""
    pack_path = resolve_pack(pack_name, served.data_dir, served.pack)
    pack = catalogue.load(pack_path)
    localities = catalogue.localities(pack_path)
    groups: dict[str, list[tuple[str, str]]] = {}
    for locality_id, name, group in localities:
        groups.setdefault(group, []).append((locality_id, name))
    query = {"pack": pack_name} if pack_name else {}
    apps = [{"name": name, "title": title, "description": text,
             "url": f"{base_url}apps/{name}" + (f"?{urlencode(query)}" if query else "")}
            for name, (title, text) in APPS.items()]
    return _render(_LANDING, pack_name=pack.name, packs=list(served.packs()), pack_key=pack_name or served.pack.name,
                   pack_arg=pack_name, groups=list(groups.items()), count=len(localities), selected=locality,
                   apps=apps, first_app=next(iter(APPS)), base_url=base_url, pack_path=str(pack_path))


# ipywidgets' page code gives a widget's model 2 s to arrive before it gives up on drawing the widget
# for good (an empty space where the controls should be), and the kernel 4 s to send every model at
# once before asking for them one by one. Ten pages opening at once on two cores can take longer:
# the apps serve that code with 60 s and 30 s. (ipywidgets issue #4026 proposes waiting for the
# model instead of a fixed time; until then, this is the downstream patch its reporters use.)
WIDGET_WAIT_PATCHES = (
    (re.compile(r"(for\(;Date\.now\(\)-\w+<)2e3(;\))"), r"\g<1>6e4\g<2>"),
    (re.compile(r'("Control comm did not respond in time"\)\)?,)4e3(\))'), r"\g<1>3e4\g<2>"),
)
_patched_js: dict[str, bytes | None] = {}


def patient_widget_js(path: str | Path) -> bytes | None:
    """The widget manager's JavaScript at `path` with WIDGET_WAIT_PATCHES applied; None for any other file."""
    key = str(path)
    if key not in _patched_js:
        _patched_js[key] = None
        if key.endswith(".js") and "@jupyter-widgets" in key:
            text = Path(path).read_text(encoding="utf-8")
            if "widget model not found" in text:
                patched = text
                for pattern, replacement in WIDGET_WAIT_PATCHES:
                    patched = pattern.sub(replacement, patched)
                if patched != text:
                    _patched_js[key] = patched.encode("utf-8")
    return _patched_js[key]


_HASHED_NAME = re.compile(r"[./][0-9a-f]{8,}\.js$")


def cacheable_extension_file(path: str, arguments: dict) -> bool:
    """Whether an extension file's address names one version of it for good: a content hash in its
    name (remoteEntry.698dcaf7.js) or in ?v= (the widget manager's chunks ask with ?v=HASH)."""
    return bool(_HASHED_NAME.search(path)) or bool(arguments.get("v"))


def _handlers_module():
    """Tornado handlers, built on first use so that importing stpkit.apps stays light."""
    import tornado.web
    from jupyter_server.base.handlers import JupyterHandler
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
    from voila.static_file_handler import TemplateStaticFileHandler
    from voila.tornado.handler import TornadoVoilaHandler

    class PlainErrors:
        def write_error(self, status_code, **kwargs):
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            messages = {404: "There is nothing at this address. The apps are listed on the front page.",
                        405: "This address only shows pages.", 403: "This address is not open to you."}
            message = messages.get(status_code, "Something went wrong on the server; the details are in its log.")
            self.finish(problem_page(message, self.settings.get("base_url", "/")))

    class LandingHandler(PlainErrors, JupyterHandler):
        """GET / : the front page with the locality picker and the four apps."""

        def initialize(self, served: Served, catalogue: PackCatalogue):
            self.served, self.catalogue = served, catalogue

        @tornado.web.authenticated
        def get(self):
            base_url = self.settings.get("base_url", "/")
            self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")
            try:
                asked = parse_query(self.request.query)
                page = landing_page(self.served, self.catalogue, asked.get("pack"), asked.get("locality", ALL),
                                    base_url)
            except AppRefusal as refusal:
                self.set_status(refusal.status)
                page = problem_page(str(refusal), base_url)
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.finish(page)

    class AppHandler(PlainErrors, TornadoVoilaHandler):
        """GET /apps/<name>?locality=ID&pack=NAME : one app, from a preheated kernel when one is ready."""

        def initialize(self, served: Served, catalogue: PackCatalogue, **kwargs):
            super().initialize(**kwargs)
            self.served, self.catalogue = served, catalogue

        cold = False
        notebook_name = ""

        def should_use_rendered_notebook(self, *args, **kwargs):
            if self.cold or not super().should_use_rendered_notebook(*args, **kwargs):
                return False
            pools = getattr(self.kernel_manager, "_pools", {})
            return warm_kernel(pools.get(self.notebook_name, []), os.environ.get(ENV_WARM_DIR))

        @tornado.web.authenticated
        async def get(self, name):
            try:
                pack_name, pack_path, _ = check_request(self.served, self.catalogue, self.request.query)
            except AppRefusal as refusal:
                self.set_status(refusal.status)
                self.set_header("Content-Type", "text/html; charset=UTF-8")
                self.finish(problem_page(str(refusal), self.settings.get("base_url", "/")))
                return
            # a preheated page was drawn for the served pack: another pack needs a kernel of its own
            self.cold = (pack_path != self.served.pack.resolve()
                         and notebook_draws_whole_page_first(self.served.notebooks / f"{name}.ipynb"))
            self.notebook_name = f"{name}.ipynb"
            async for chunk in self.get_generator(path=self.notebook_name):
                self.write(chunk)
                self.flush()

    class ChartScriptHandler(PlainErrors, JupyterHandler):
        """GET /stpkit/chart.js : the JavaScript offline Altair charts run on, cached by the browser."""

        def initialize(self, path: Path):
            self.path = Path(path)

        @tornado.web.authenticated
        def get(self):
            self.set_header("Content-Type", "text/javascript; charset=UTF-8")
            if self.get_argument("v", None):  # the address names the Altair and vl-convert versions
                self.set_header("Cache-Control", "public, max-age=31536000, immutable")
            self.finish(self.path.read_bytes())

    class TemplateFiles(PlainErrors, TemplateStaticFileHandler):
        """Voila's template files; an address that is not one answers 404, not a server error."""

        def parse_url_path(self, path):
            try:
                return super().parse_url_path(path)
            except (AssertionError, ValueError):
                raise tornado.web.HTTPError(404) from None

    from jupyter_server.base.handlers import FileFindHandler

    class ExtensionFiles(PlainErrors, FileFindHandler):
        """Voila's JupyterLab extension files, the widget manager's waits made patient (WIDGET_WAIT_PATCHES).

        Voila serves these with "no-cache", so a page asks again for each of them (about 20) on every
        visit; a file whose name or address carries its content hash (`cacheable_extension_file`)
        is kept by the browser instead, as JupyterLab itself does.
        """

        def set_headers(self):
            super().set_headers()
            if cacheable_extension_file(self.request.path, self.request.arguments):
                self.set_header("Cache-Control", "public, max-age=31536000, immutable")

        @classmethod
        def get_content(cls, abspath, start=None, end=None):
            patched = patient_widget_js(abspath)
            if patched is None:
                return super().get_content(abspath, start, end)
            return patched[start:end]

        def get_content_size(self):
            patched = patient_widget_js(self.absolute_path)
            return super().get_content_size() if patched is None else len(patched)

    class ShutdownOnLeave(VoilaShutdownKernelHandler):
        """POST /voila/api/shutdown/<kernel id>: a page that is closed stops its kernel.

        The page sends this with navigator.sendBeacon, which cannot carry Jupyter's XSRF token, so
        Voila's own handler refuses it (403) and the kernel would live on until culled. Stopping a
        kernel needs its id, which only its page knows, so the check adds nothing here.
        """

        def check_xsrf_cookie(self):
            return None

    class NotFoundHandler(PlainErrors, JupyterHandler):
        """Every other address: a plain 404 (no file browser, contents, terminals or editing here)."""

        async def prepare(self):
            await super().prepare()
            raise tornado.web.HTTPError(404)

    return LandingHandler, AppHandler, ChartScriptHandler, TemplateFiles, ShutdownOnLeave, ExtensionFiles, NotFoundHandler


def _server_class():
    """The Voila application cut down to the apps (built on first use: Voila is a heavy import)."""
    import tornado.ioloop
    from jupyter_server.utils import url_path_join
    from voila.app import Voila

    LandingHandler, AppHandler, ChartScriptHandler, TemplateFiles, ShutdownOnLeave, ExtensionFiles, \
        NotFoundHandler = _handlers_module()
    from jupyter_server.services.contents.largefilemanager import LargeFileManager

    class AppNotebooks(LargeFileManager):
        """The notebooks folder as the apps read it: each notebook with `prepare_notebook` applied."""

        def get(self, path, content=True, type=None, format=None, **kwargs):
            model = super().get(path, content=content, type=type, format=format, **kwargs)
            if model.get("type") == "notebook" and model.get("content") is not None:
                model["content"] = prepare_notebook(model["content"])
            return model

    class AppsServer(Voila):
        """Voila serving only the landing page and the four apps (see the module docstring)."""

        served: Served = None
        print_url = True

        templates: Path = TEMPLATES_DIR

        def setup_template_dirs(self):
            """Voila's lab template, with stpkit's page (no CDN links) found first."""
            super().setup_template_dirs()
            self.template_paths = [str(self.templates), *self.template_paths]

        def init_settings(self):
            settings = super().init_settings()
            # notebooks are read through AppNotebooks, which adds the cells that apply the page's request
            self.contents_manager = AppNotebooks(parent=self)
            settings["contents_manager"] = self.contents_manager
            loopback = self.ip in ("127.0.0.1", "localhost", "::1")
            settings["allow_remote_access"] = not loopback  # check the Host header when only local
            settings["default_handler_class"] = NotFoundHandler
            settings["default_handler_args"] = {}
            return settings

        def init_handlers(self):
            keep = ("/api/kernels/", "/voila/templates/", "/voila/static/", "/voila/api/themes/",
                    "/voila/api/shutdown/", "/voila/query/", "/voila/labextensions/")
            handlers = [h for h in super().init_handlers() if any(part in h[0] for part in keep)]
            swap = {"/voila/templates/": TemplateFiles, "/voila/api/shutdown/": ShutdownOnLeave,
                    "/voila/labextensions/": ExtensionFiles}
            handlers = [next(((h[0], cls, *h[2:]) for part, cls in swap.items() if part in h[0]), h)
                        for h in handlers]
            catalogue = PackCatalogue()
            names = "|".join(re.escape(name) for name in APPS)
            handlers += [
                (self.server_url, LandingHandler, {"served": self.served, "catalogue": catalogue}),
                (url_path_join(self.server_url, "/stpkit/chart.js"), ChartScriptHandler,
                 {"path": os.environ[ENV_CHART_JS]}),
                (url_path_join(self.server_url, rf"/apps/({names})"), AppHandler,
                 {"served": self.served, "catalogue": catalogue, "template_paths": self.template_paths,
                  "config": self.config, "voila_configuration": self.voila_configuration}),
            ]
            return handlers

        def listen(self):
            try:
                self.app.listen(self.port, self.ip)
            except OSError as error:
                self.log.critical("stpkit apps: cannot listen on %s:%s (%s)", self.ip, self.port, error.strerror)
                print(f"stpkit: error: cannot serve on {self.ip}:{self.port}: {error.strerror}", file=sys.stderr)
                self.exit(2)
            url = f"http://{'[' + self.ip + ']' if ':' in self.ip else self.ip}:{self.port}{self.base_url}"
            if self.print_url:
                print(f"stpkit apps: serving {len(APPS)} apps for {self.served.pack.name} at {url}", flush=True)
                print("stpkit apps: press Ctrl+C to stop", flush=True)
            if self.open_browser:
                threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
            self.ioloop = tornado.ioloop.IOLoop.current()
            try:
                self.ioloop.start()
            except KeyboardInterrupt:
                self.log.info("Stopping...")
            finally:
                self.stop()

    return AppsServer


def build_config(served: Served, ip: str, port: int, pool_size: int):
    """The traitlets configuration of an apps server (nothing is read from config files)."""
    from traitlets.config import Config

    c = Config()
    c.Voila.config_file_paths = []
    c.Voila.ip = ip
    c.Voila.port = port
    c.Voila.port_retries = 0
    c.Voila.root_dir = str(served.notebooks)
    c.Voila.tornado_settings = {"headers": {"X-Content-Type-Options": "nosniff"}}
    c.VoilaConfiguration.strip_sources = True
    c.VoilaConfiguration.show_tracebacks = False
    c.VoilaConfiguration.allow_template_override = "NO"
    c.VoilaConfiguration.allow_theme_override = "NO"
    c.VoilaConfiguration.preheat_kernel = pool_size > 0
    c.VoilaConfiguration.default_pool_size = pool_size
    c.VoilaConfiguration.file_allowlist = []
    c.VoilaExecutor.cell_error_instruction = PLAIN_ERROR
    # no time limit on a cell: a preheated kernel waits in its parameters cell until a page asks for it
    c.VoilaExecutor.timeout = None
    # a kernel started for a page on a busy machine may take more than Voila's minute to answer; the
    # page would then say "Running ..." for ever
    c.VoilaExecutor.startup_timeout = 600
    pools = {"default": {"pool_size": 0}}
    for name in APPS:
        pools[f"{name}.ipynb"] = {"pool_size": pool_size}
    c.VoilaKernelManager.kernel_pools_config = pools
    # Refill a pool 5 s after a kernel is taken: a refill runs the whole notebook, and the page that
    # took the kernel loads first. A page finding no warm kernel gets one of its own at once.
    c.VoilaKernelManager.fill_delay = 5
    # a kernel whose page was closed without saying so is stopped after an idle hour
    c.MappingKernelManager.cull_idle_timeout = 3600
    c.MappingKernelManager.cull_interval = 300
    c.MappingKernelManager.cull_connected = False
    return c


def share_compiled_templates() -> None:
    """Compile Voila's page templates once per server, not once per page.

    Voila renders each page with a new nbconvert exporter, and each exporter makes a new Jinja
    environment that parses and compiles every template again: under ten pages at once that was
    four tenths of the server's time. A shared bytecode cache keeps the compiled templates; a
    template whose source changes is compiled again (Jinja checks each source's checksum).
    """
    from nbconvert.exporters.templateexporter import TemplateExporter

    create = TemplateExporter._create_environment
    if getattr(create, "stpkit_shared", False):
        return

    def create_environment(self):
        environment = create(self)
        environment.bytecode_cache = _TEMPLATE_CACHE
        return environment

    create_environment.stpkit_shared = True
    TemplateExporter._create_environment = create_environment


class _MemoryBytecodeCache:
    """Compiled Jinja templates kept in memory, apart for async and plain environments."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def get_bucket(self, environment, name, filename, source):
        from jinja2.bccache import Bucket, BytecodeCache

        helper = BytecodeCache()
        key = helper.get_cache_key(f"{'async' if environment.is_async else 'sync'}|{name}", filename)
        bucket = Bucket(environment, key, helper.get_source_checksum(source))
        if key in self.store:
            bucket.bytecode_from_string(self.store[key])
        return bucket

    def set_bucket(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self.store.clear()


_TEMPLATE_CACHE = _MemoryBytecodeCache()


def serve(served: Served, ip: str = "127.0.0.1", port: int = DEFAULT_PORT, pool_size: int = DEFAULT_POOL_SIZE,
          open_browser: bool = False) -> None:
    """Serve the apps until interrupted (Ctrl+C or SIGTERM); every kernel is stopped on the way out."""
    missing = [f"{name}.ipynb" for name in APPS if not (served.notebooks / f"{name}.ipynb").is_file()]
    if missing:
        from .cli import UserError

        raise UserError(f"{served.notebooks} has no {', '.join(missing)}; the apps need all four notebooks")
    chart_js = offline_chart_js()
    ipython_dir = Path(tempfile.mkdtemp(prefix="stpkit-apps-ipython-"))
    write_kernel_profile(ipython_dir)
    os.environ.update({ENV_CHART_JS: str(chart_js), ENV_CHART_URL: f"/stpkit/chart.js?v={chart_js.stem}", "IPYTHONDIR": str(ipython_dir), ENV_DATA: str(served.data_dir), ENV_PACK: str(served.pack),
                       "VOILA_APP_IP": "127.0.0.1" if ip in ("", "0.0.0.0", "localhost") else ip,
                       # pages with live controls and charts, whatever the caller's shell says
                       "STPKIT_DISPLAY": "interactive",
                       "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
    (ipython_dir / "warm").mkdir()
    os.environ[ENV_WARM_DIR] = str(ipython_dir / "warm")
    templates = ipython_dir / "templates"
    templates.mkdir()
    page = (TEMPLATES_DIR / "index.html.j2").read_text(encoding="utf-8")
    (templates / "index.html.j2").write_text(page.replace("@CHART_JS_URL@", os.environ[ENV_CHART_URL].lstrip("/")),
                                             encoding="utf-8")
    share_compiled_templates()
    AppsServer = _server_class()
    app = AppsServer(config=build_config(served, ip, port, pool_size))
    app.served = served
    app.templates = templates
    app.open_browser = open_browser
    try:
        app.initialize(argv=[])
        app.start()
    finally:
        shutil.rmtree(ipython_dir, ignore_errors=True)


def free_port(ip: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (for tests and `--port 0`)."""
    with socket.socket() as probe:
        probe.bind((ip, 0))
        return probe.getsockname()[1]


# ----------------------------------------------------------------------------------------------
# Command line


def run(args: argparse.Namespace) -> int:
    """`stpkit apps`: check the pack and notebooks, then serve until interrupted."""
    from .cli import UserError
    from .pack import DEFAULT_PACK, load_pack

    pack = Path(args.pack or DEFAULT_PACK).resolve()
    if not (pack / "pack.toml").is_file():
        raise UserError(f"{args.pack} is not a footprint pack (it has no pack.toml)")
    load_pack(pack)  # a pack with problems is listed by the CLI and nothing is served
    data_dir = Path(args.data).resolve() if args.data else pack.parent
    if not data_dir.is_dir():
        raise UserError(f"{args.data} is not a folder")
    notebooks = Path(args.notebooks).resolve() if args.notebooks else NOTEBOOKS_DIR
    port = free_port(args.ip) if args.port == 0 else args.port
    if args.pool_size < 0:
        raise UserError("--pool-size must be 0 or more")
    serve(Served(pack=pack, data_dir=data_dir, notebooks=notebooks), ip=args.ip, port=port,
          pool_size=args.pool_size, open_browser=not args.no_browser)
    return 0


def add_command(subparsers) -> None:
    """Add `stpkit apps` to the stpkit command line."""
    parser = subparsers.add_parser(
        "apps", help="serve the four what-if apps for managers in the browser",
        description="Serve the needs analysis, locality deep dive, investment phasing and workforce gap "
                    "notebooks as web apps (Voila): a front page at http://127.0.0.1:PORT/ to pick a locality, "
                    "and one address per app, e.g. /apps/needs_analysis?locality=ID (a locality_id or a unique name), "
                    "that can be shared. "
                    "Code and tracebacks are never shown; only the apps are reachable. Stop with Ctrl+C.")
    parser.add_argument("--pack", metavar="PACK", help="the footprint pack shown by default (default: Mid and South Essex)")
    parser.add_argument("--data", metavar="FOLDER",
                        help="folder whose pack folders an address may pick with ?pack=NAME (default: the folder "
                             "holding PACK)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="P",
                        help=f"port to serve on (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--ip", default="127.0.0.1",
                        help="address to serve on (default 127.0.0.1: this machine only)")
    parser.add_argument("--no-browser", action="store_true", help="do not open the front page in a browser")
    parser.add_argument("--pool-size", type=int, default=DEFAULT_POOL_SIZE, metavar="N",
                        help=f"kernels kept ready per app (default {DEFAULT_POOL_SIZE}; each takes memory, "
                             "see README); 0 starts a kernel per page view")
    parser.add_argument("--notebooks", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


if __name__ == "__main__":
    from .cli import main

    sys.exit(main(["apps", *sys.argv[1:]]))
