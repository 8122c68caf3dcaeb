"""The server side of `stpkit apps`: what it serves, the notebooks as the apps run them, the front page,
the Voila configuration, and the command.

`serve` starts the cut-down Voila application of `stpkit.apps.handlers` with `build_config`;
`prepare_notebook` adds the cells that apply a page's request (see `stpkit.apps.kernel`);
`check_request` refuses an address before a kernel is spent on it; `landing_page` is the front
page with its locality picker.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from .kernel import PLAIN_ERROR, write_kernel_profile
from .request import ALL, ENV_CHART_JS, ENV_CHART_URL, ENV_DATA, ENV_PACK, ENV_READ_ONLY, ENV_WARM_DIR, AppRefusal, \
    parse_query, \
    resolve_pack, served_packs

#: the apps in landing-page order: notebook stem -> (title, what a manager gets from it)
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
    "bed_capacity": (
        "Bed capacity",
        "The beds the plan needs by level of care: bed days from admissions and length of stay, beds at an "
        "occupancy target against the beds a risk target needs, and what the beds cost."),
    "plan_on_a_page": (
        "Plan on a page",
        "What the plan does, what it costs and whether it closes the gap: do nothing, solutions and do "
        "something, the gap year by year, the initiatives and their finance (with the published figures that "
        "do not add up), milestones, interdependencies and risks."),
    "budgets": (
        "People and budgets",
        "How much growth is people ageing, each locality's fair share of a budget weighted by need and its "
        "distance from it, and emergency admissions against the age mix with their funnel plot."),
    "scenario_comparison": (
        "Scenario comparison",
        "The pack's scenarios side by side: what each avoids, saves, invests and is worth, what each changed "
        "assumption does to the NPV, and how likely one is to do better than another."),
}

#: the page template for the apps (Voila's lab page without its CDN links)
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
#: the notebooks shipped with stpkit (the repository's notebooks/ folder)
NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent.parent / "notebooks"

DEFAULT_PORT = 8866
DEFAULT_POOL_SIZE = 2


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
        "import stpkit.apps.kernel as _stpkit_apps\n"
        "_stpkit_apps.show_banner()\n"
        'pack, locality = _stpkit_apps.from_request(globals().get("pack"), globals().get("locality", "all"), '
        f"wait={not late})\n"
        f'scenario = _stpkit_apps.scenario_from_request(globals().get("scenario"), wait={not late})')
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
        self._headlines: dict[tuple, str] = {}

    @staticmethod
    def _signature(path: Path) -> tuple:
        """What changes when the pack does: its files' times and sizes, and the tables it reads from a database."""
        from ..pages.packs import pack_signature

        return pack_signature(path)

    def load(self, path: Path):
        """The loaded pack (raises AppRefusal in plain words if it does not validate)."""
        from ..pack import PackError, load_pack

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

    def plan_headline(self, path: Path) -> str:
        """The footprint's plan on a page in one sentence (stpkit.plan), worked out once per version of the pack."""
        from .. import plan

        pack = self.load(path)
        key = (Path(path).resolve(), self._signature(Path(path).resolve()))
        with self._lock:
            cached = self._headlines.get(key)
        if cached is None:
            cached = plan.headline(plan.summary(pack))
            with self._lock:
                self._headlines = {k: v for k, v in self._headlines.items() if k[0] != key[0]}
                self._headlines[key] = cached
        return cached

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
    if "scenario" in asked:  # a scenario of that pack, checked before a page is drawn for it
        from .. import scenarios

        problem = scenarios.name_problem(asked["scenario"])
        if problem:
            raise AppRefusal(f"{problem[:1].upper()}{problem[1:]}.", status=400)
        pack = catalogue.load(pack_path)
        known = scenarios.names(pack)
        name = asked["scenario"]
        if name not in known:
            import difflib

            guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f" Did you mean {guess[0]}?" if guess else ""
            offered = ", ".join(known) or "none yet"
            raise AppRefusal(f'There is no scenario "{name}" for {pack.name}.{hint} Its scenarios: {offered}.',
                             status=404)
        try:
            scenarios.read(pack, name)
        except scenarios.ScenarioError as error:
            raise AppRefusal(f'The scenario "{name}" has {len(error.problems)} problem(s), so it cannot be shown; '
                             f"`stpkit validate` lists them. The first: {error.lines()[0]}", status=400) from None
    if locality != ALL:
        from ..pack import closest_locality, find_locality

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
.headline{font-size:1.1rem;font-weight:600;color:#003087;background:#fff;border-left:6px solid #005EB8;padding:10px 14px;margin:0 0 16px}
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
{% if headline %}<p class="headline" id="plan-headline"><a href="{{ plan_url }}">The plan on a page</a>:
{{ headline }}</p>{% endif %}
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
    headline = catalogue.plan_headline(pack_path)
    plan_url = f"{base_url}apps/plan_on_a_page" + (f"?{urlencode(query)}" if query else "")
    return _render(_LANDING, headline=headline, plan_url=plan_url, pack_name=pack.name, packs=list(served.packs()),
                   pack_key=pack_name or served.pack.name,
                   pack_arg=pack_name, groups=list(groups.items()), count=len(localities), selected=locality,
                   apps=apps, first_app=next(iter(APPS)), base_url=base_url, pack_path=str(pack_path))


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
          open_browser: bool = False, read_only: bool = False) -> None:
    """Serve the apps until interrupted (Ctrl+C or SIGTERM); every kernel is stopped on the way out."""
    missing = [f"{name}.ipynb" for name in APPS if not (served.notebooks / f"{name}.ipynb").is_file()]
    if missing:
        from ..cli import UserError

        raise UserError(f"{served.notebooks} has no {', '.join(missing)}; the apps need all {len(APPS)} notebooks")
    chart_js = offline_chart_js()
    ipython_dir = Path(tempfile.mkdtemp(prefix="stpkit-apps-ipython-"))
    write_kernel_profile(ipython_dir)
    os.environ.update({ENV_CHART_JS: str(chart_js), ENV_CHART_URL: f"/stpkit/chart.js?v={chart_js.stem}", "IPYTHONDIR": str(ipython_dir), ENV_DATA: str(served.data_dir), ENV_PACK: str(served.pack),
                       "VOILA_APP_IP": "127.0.0.1" if ip in ("", "0.0.0.0", "localhost") else ip,
                       # pages with live controls and charts, whatever the caller's shell says
                       "STPKIT_DISPLAY": "interactive",
                       "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
    os.environ[ENV_READ_ONLY] = "1" if read_only else "0"  # the pages offer Save as scenario unless read-only
    (ipython_dir / "warm").mkdir()
    os.environ[ENV_WARM_DIR] = str(ipython_dir / "warm")
    templates = ipython_dir / "templates"
    templates.mkdir()
    page = (TEMPLATES_DIR / "index.html.j2").read_text(encoding="utf-8")
    (templates / "index.html.j2").write_text(page.replace("@CHART_JS_URL@", os.environ[ENV_CHART_URL].lstrip("/")),
                                             encoding="utf-8")
    share_compiled_templates()
    from .handlers import _server_class

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
    from ..cli import UserError
    from ..pack import DEFAULT_PACK, load_pack

    pack = Path(args.pack or DEFAULT_PACK).resolve()
    if not (pack / "pack.toml").is_file() and not pack.is_file():
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
          pool_size=args.pool_size, open_browser=not args.no_browser, read_only=args.read_only)
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
    parser.add_argument("--pack", metavar="PACK", help="the footprint pack shown by default, a folder or an Excel workbook (default: Mid and South Essex)")
    parser.add_argument("--data", metavar="FOLDER",
                        help="folder whose pack folders and workbooks an address may pick with ?pack=NAME (default: the folder "
                             "holding PACK)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="P",
                        help=f"port to serve on (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--ip", default="127.0.0.1",
                        help="address to serve on (default 127.0.0.1: this machine only)")
    parser.add_argument("--no-browser", action="store_true", help="do not open the front page in a browser")
    parser.add_argument("--pool-size", type=int, default=DEFAULT_POOL_SIZE, metavar="N",
                        help=f"kernels kept ready per app (default {DEFAULT_POOL_SIZE}; each takes memory, "
                             "see README); 0 starts a kernel per page view")
    parser.add_argument("--read-only", action="store_true",
                        help="offer no Save as scenario on the pages (Download still works); without it a page "
                             "saves a scenario only into the shown pack's scenarios/ folder")
    parser.add_argument("--notebooks", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.set_defaults(run=run)
