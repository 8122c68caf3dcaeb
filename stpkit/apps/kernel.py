"""The kernel side of `stpkit apps`: what runs inside each app's kernel.

The server puts two cells into every app notebook (`stpkit.apps.server.prepare_notebook`): after
the parameters cell `from_request` (the pack and locality the page asks for; a preheated kernel
warms up and, for notebooks that build a what-if page, runs on for the whole footprint) and, last,
`finish_request` (sets the page to the locality asked for). Both import this module as
`_stpkit_apps`, and do nothing outside `stpkit apps` (JupyterLab, papermill), so the notebooks
themselves need no change.

Each app kernel runs `kernel_setup()` through an IPython profile the server writes
(`write_kernel_profile`): tracebacks go to the server's log and the page reads a plain line; an
error in a what-if update also shows in a banner at the top of the page (`show_banner`).

This module keeps the kernel's state (`_request`, `_applied_at_start`, `_banner`): one page per kernel.
"""

from __future__ import annotations

import html
import os
import re
import sys
from pathlib import Path

from .request import (ALL, ENV_CHART_JS, ENV_CHART_URL, ENV_DATA, ENV_PACK, ENV_WARM_DIR, AppRefusal, parse_query,
                      resolve_pack)


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
        from ..pack import load_pack

        if os.environ.get(ENV_PACK):
            load_pack(os.environ[ENV_PACK])
    except Exception:
        pass


def use_bundled_chart_js() -> None:
    """Make Altair's offline charts use the JavaScript the server bundled once (see `server.offline_chart_js`).

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
    """Tell the server this preheated kernel has run its notebook and waits for a page (see `server.warm_kernel`)."""
    kernel_id = os.environ.get("VOILA_KERNEL_ID", "")
    folder = os.environ.get(ENV_WARM_DIR)
    if folder and re.fullmatch(r"[0-9a-f-]+", kernel_id):
        try:
            Path(folder, kernel_id).touch()
        except OSError:
            pass
    _server_log(f"stpkit apps: kernel {kernel_id[:8] or '?'} warmed up, waiting for a page request")


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
        from ..pages import check_locality, open_pack

        locality = check_locality(open_pack(pack_path), locality)
    return str(pack_path), locality


def scenario_from_request(scenario=None, wait: bool = True):
    """The scenario an app page asks for (?scenario=NAME), else the notebook's own; outside `stpkit apps`
    the argument. A preheated kernel does not know its page yet: it returns the argument, and
    `finish_request` sets the page's scenario picker once the page is known."""
    if not under_apps():
        return scenario
    asked = _known_request(wait) if wait or _request is not None else None
    if asked is None:
        return scenario
    return asked.get("scenario", scenario)


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
    from ..pages import Page, check_locality

    pages = [value for value in namespace.values() if isinstance(value, Page)]
    if pages:
        locality = check_locality(pages[0].pack, locality)  # a unique name becomes its locality_id
    for page in pages:
        page.initial["locality"] = locality  # "reset" keeps the locality the address asked for
    scenario = asked.get("scenario")
    if scenario is not None:  # ?scenario=NAME: the page's picker set to it, as a manager would
        from ..pages.scenario import refresh_picker

        for page in pages:
            if refresh_picker(page, scenario) and page.controls["scenario"].value != scenario:
                page.controls["scenario"].value = scenario  # observed: switches and recomputes
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
    from ..cli import UserError
    from ..pack import PackError

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
c.InteractiveShellApp.exec_lines = ["import stpkit.apps.kernel as _stpkit_apps; _stpkit_apps.kernel_setup(); del _stpkit_apps"]
c.InteractiveShell.xmode = "Plain"
c.IPKernelApp.log_level = "ERROR"
"""


def write_kernel_profile(ipython_dir: str | Path) -> Path:
    """An IPython folder whose default profile runs `kernel_setup()` in every kernel started with it."""
    profile = Path(ipython_dir) / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "ipython_kernel_config.py").write_text(_PROFILE_CONFIG, encoding="utf-8")
    return Path(ipython_dir)
