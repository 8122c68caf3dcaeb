"""The web side of `stpkit apps`: the Voila application cut down to the apps, and its request handlers.

Built on first use (`_server_class`), as Voila, Jupyter Server and Tornado are heavy imports: the
front page, /apps/<name>, the charts' JavaScript, and only the static files, widget extensions and
kernel channels a page needs; every other address answers a plain 404.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import webbrowser
from pathlib import Path

from .request import ALL, ENV_CHART_JS, ENV_WARM_DIR, AppRefusal, parse_query
from .server import (APPS, TEMPLATES_DIR, PackCatalogue, Served, check_request, landing_page,
                     notebook_draws_whole_page_first, prepare_notebook, problem_page, warm_kernel)


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
        """Voila serving only the landing page and the four apps (see the docstring of stpkit.apps)."""

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
