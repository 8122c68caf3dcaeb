"""Start `stpkit apps` in the background and drive its pages with Playwright and Debian's Chromium.

Shared by tests/test_apps*.py and benchmarks/bench_apps.py. The browser may fetch only from
127.0.0.1: every other request is aborted and recorded, so a chart that needs a CDN fails.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 # no name but 127.0.0.1 resolves: a page asking a CDN for anything gets nothing
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
LOCAL = re.compile(r"^(https?|wss?)://127\.0\.0\.1(:\d+)?/|^(data|blob):")
ARTIFACTS = ROOT / "test-artifacts" / "apps"
APP_NAMES = ("needs_analysis", "locality_deep_dive", "investment_phasing", "workforce_gap", "bed_capacity",
             "plan_on_a_page")
WARM_LINE = re.compile(r"stpkit apps: kernel \w+ warmed up")
# words that must never reach a page: Python's error vocabulary
ERROR_WORDS = re.compile(r"Traceback|Error\b|Exception|error when executing|exception occurred|File \"",
                         re.IGNORECASE)


def fixture_notebooks(folder: Path, **overrides: str) -> Path:
    """A folder with the four app notebooks made from fixtures (default: whatif.ipynb for each)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in APP_NAMES:
        shutil.copy(FIXTURES / overrides.get(name, "whatif.ipynb"), folder / f"{name}.ipynb")
    return folder


def real_notebooks_ready() -> bool:
    """True once the four real notebooks are in notebooks/."""
    return all((ROOT / "notebooks" / f"{name}.ipynb").is_file() for name in APP_NAMES)


class AppsServer:
    """`stpkit apps` running in a child process on a free port, its log in a file."""

    def __init__(self, log_path: Path, notebooks: Path | None = None, pack: Path | None = None,
                 data: Path | None = None, pool_size: int = 1, port: int | None = None):
        from stpkit.apps import free_port

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = Path(log_path)
        self.pool_size = pool_size
        args = [sys.executable, "-m", "stpkit.apps", "--no-browser", "--port", str(self.port),
                "--pool-size", str(pool_size)]
        if notebooks:
            args += ["--notebooks", str(notebooks)]
        if pack:
            args += ["--pack", str(pack)]
        if data:
            args += ["--data", str(data)]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w", encoding="utf-8")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def warm_count(self) -> int:
        return len(WARM_LINE.findall(self.log()))

    def wait_up(self, timeout: float = 120) -> None:
        """Wait until the front page answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"stpkit apps exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"stpkit apps did not answer within {timeout} s:\n{self.log()}")

    def wait_warm(self, count: int | None = None, timeout: float = 240) -> None:
        """Wait until `count` kernels (default: every pool) have warmed up and wait for a request."""
        count = count if count is not None else self.pool_size * len(APP_NAMES)
        deadline = time.monotonic() + timeout
        while self.warm_count() < count:
            if self.process.poll() is not None:
                raise RuntimeError(f"stpkit apps exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {self.warm_count()} of {count} kernels warmed in {timeout} s:\n{self.log()}")
            time.sleep(0.2)

    def kernels(self):
        """psutil processes of the server's running kernels (a kernel that has just stopped is not one)."""
        import psutil

        running = []
        for process in psutil.Process(self.process.pid).children(recursive=True):
            try:
                if process.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(process.cmdline()):
                    running.append(process)
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                pass
        return running

    def kernel(self, kernel_id: str):
        """The running kernel process with this id (its connection file is named after it), or None."""
        import psutil

        for process in self.kernels():
            try:
                if any(f"kernel-{kernel_id}.json" in part for part in process.cmdline()):
                    return process
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                pass
        return None

    def stop(self, timeout: float = 30) -> None:
        """Stop the server as Ctrl+C would; it stops its kernels. Kill what is left after `timeout`."""
        import psutil

        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        for child in children:
            try:
                child.wait(5)
            except psutil.TimeoutExpired:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        self._log.close()


@contextmanager
def running_server(log_path: Path, warm: bool = True, **kwargs):
    server = AppsServer(log_path, **kwargs)
    try:
        server.wait_up()
        if warm:
            server.wait_warm()
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------
# Browser


@contextmanager
def chromium():
    """Headless Debian Chromium under Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Offline:
    """A browser context that can reach 127.0.0.1 only; every request elsewhere is listed in `blocked`.

    The browser resolves no other host name (CHROMIUM_ARGS), so such a request fails as it would
    on a machine with no internet. Not using Playwright's request interception keeps the browser's
    cache working, as a manager's browser would.
    """

    def __init__(self, browser, width: int = 1280, height: int = 900):
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.context.add_init_script(WATCH_JS)
        self.context.on("request", self._request)

    def _request(self, request):
        if not LOCAL.match(request.url):
            self.blocked.append(request.url)

    def new_page(self):
        page = self.context.new_page()
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.stpkit_offline = self
        return page

    def close(self):
        """Close every page as a person closing the tab would (each page stops its kernel), then the context."""
        for page in list(self.context.pages):
            try:
                page.close(run_before_unload=True)
            except Exception:
                pass
        time.sleep(0.2)  # the pages' last message (stop my kernel) leaves as they close
        self.context.close()


# JavaScript run in the page -------------------------------------------------------------------

CHART_STATS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('.vega-embed')) {
    const r = el.getBoundingClientRect();
    const canvas = el.querySelector('canvas');
    const svg = el.querySelector('svg.marks');
    let inked = 0, colours = 0, kind = 'none';
    if (canvas && canvas.width > 0 && canvas.height > 0) {
      kind = 'canvas';
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set();
      for (let i = 0; i < data.length; i += 16) {
        const a = data[i + 3];
        if (a > 0 && !(data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245)) {
          inked++; seen.add((data[i] >> 4) + ',' + (data[i + 1] >> 4) + ',' + (data[i + 2] >> 4));
        }
      }
      colours = seen.size;
    } else if (svg) {
      kind = 'svg';
      inked = svg.querySelectorAll('path, rect, line, text, circle').length;
      colours = new Set([...svg.querySelectorAll('[fill]')].map(e => e.getAttribute('fill'))).size;
    }
    const drawn = el.querySelector('svg') || canvas;
    const d = drawn ? drawn.getBoundingClientRect() : {width: 0, height: 0, right: 0};
    out.push({kind, inked, colours, width: r.width, height: r.height,
              drawnWidth: d.width, drawnHeight: d.height, drawnRight: d.right, pageWidth: window.innerWidth,
              scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, top: r.top + window.scrollY,
              left: r.left, right: r.right});
  }
  return out;
}"""

CHART_SIGNATURE_JS = """() => [...document.querySelectorAll('.vega-embed')].map(el => {
  const canvas = el.querySelector('canvas');
  if (canvas) { const d = canvas.toDataURL(); let h = 0; for (let i = 0; i < d.length; i += 7) h = (h * 31 + d.charCodeAt(i)) | 0; return 'c' + h; }
  const svg = el.querySelector('svg.marks'); return svg ? 's' + svg.innerHTML.length + ':' + svg.innerHTML.slice(-200) : '';
}).join('|')"""

# the page's figures in words: all text except slider read-outs and form controls
FIGURES_TEXT_JS = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('.widget-readout, input, select, option, script, style, .vega-embed').forEach(e => e.remove());
  return copy.innerText;
}"""

# Installed in every page before it loads: whenever the page changes (and every 500 ms), note what
# it shows (widgets, drawn charts, their marks, sliders) and when that last changed, so that each
# page's ready moment is known even while the test is looking at another page. Driven by the page's
# own changes (at most every 20 ms), so that ten idle pages cost the machine next to nothing.
WATCH_JS = """(() => {
  const look = () => {
    const loading = document.querySelector('#loading');
    const busy = !document.body || !!(loading && getComputedStyle(loading).display !== 'none');
    // outputs whose widget has not been drawn yet are empty
    const pending = [...document.querySelectorAll('.jp-OutputArea-output')]
      .filter(o => o.childElementCount === 0 && !o.textContent.trim()).length;
    const embeds = [...document.querySelectorAll('.vega-embed')];
    const drawn = embeds.filter(el => {
      const c = el.querySelector('canvas'); const s = el.querySelector('svg.marks');
      return (c && c.width > 0 && c.height > 0) || (s && s.querySelectorAll('path, rect').length > 0);
    }).length;
    const widgets = document.querySelectorAll('.jupyter-widgets, .widget-slider').length;
    const marks = embeds.reduce((n, el) => n + el.querySelectorAll('path, rect, text').length, 0);
    const signature = [busy, pending, widgets, drawn, marks, document.querySelectorAll('.noUi-handle').length].join(',');
    const now = performance.now();
    if (window.__stpkitSignature !== signature) {
      window.__stpkitSignature = signature; window.__stpkitChangedAt = now;
    }
    window.__stpkitState = {busy, pending, widgets, drawn, changedAt: window.__stpkitChangedAt, now};
  };
  let last = 0, timer = null;
  const soon = () => {
    if (timer !== null) return;
    const wait = Math.max(0, 20 - (performance.now() - last));
    timer = setTimeout(() => { timer = null; last = performance.now(); look(); }, wait);
  };
  new MutationObserver(soon).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  setInterval(look, 500);
  soon();
})();"""

# ready: the spinner gone, every output drawn, at least minCharts charts drawn, a widget shown,
# and nothing changed for 500 ms
READY_JS = """(minCharts) => {
  const s = window.__stpkitState;
  return !!s && !s.busy && s.pending === 0 && s.drawn >= minCharts && s.widgets > 0 &&
         performance.now() - s.changedAt >= 500;
}"""


def open_app(page, url: str, min_charts: int = 1, timeout: float = 120) -> float:
    """Load an app and wait until it is usable: widgets shown, `min_charts` charts drawn, nothing
    still changing. Returns the seconds from the start of the navigation to the page's last change."""
    page.goto(url, wait_until="commit", timeout=timeout * 1000)
    return wait_ready(page, min_charts, timeout)


def wait_ready(page, min_charts: int = 1, timeout: float = 120) -> float:
    """Wait for READY_JS; the seconds from navigation start to the page's last change."""
    try:
        page.wait_for_function(READY_JS, arg=min_charts, timeout=timeout * 1000, polling=100)
    except Exception as error:
        offline = getattr(page, "stpkit_offline", None)
        shot = screenshot(page, ARTIFACTS / f"not-ready-{time.time_ns()}.png")
        raise AssertionError(
            f"{page.url} not ready after {timeout} s: {page.evaluate('() => window.__stpkitState')}; "
            f"console errors {offline.console_errors[:5] if offline else '?'}; screenshot {shot}; page text: "
            f"{page.evaluate('() => document.body ? document.body.innerText.slice(0, 600) : null')!r}") from error
    return page.evaluate("() => window.__stpkitState.changedAt") / 1000


def chart_stats(page) -> list[dict]:
    return page.evaluate(CHART_STATS_JS)


def figures_text(page) -> str:
    return page.evaluate(FIGURES_TEXT_JS)


def sliders(page):
    """The page's slider handles (ipywidgets 8 sliders are noUiSlider handles)."""
    return page.locator(".widget-slider .noUi-handle")


def first_visible_slider(page, timeout: float = 30) -> int:
    """The index (among `sliders(page)`) of the first slider shown, waiting for one to be shown."""
    page.locator(".widget-slider .noUi-handle:visible").first.wait_for(state="visible", timeout=timeout * 1000)
    handles = sliders(page)
    return next(i for i in range(handles.count()) if handles.nth(i).is_visible())


def what_if(page, timeout: float = 30) -> float:
    """Move the first slider shown one step (back, if it is at its end) and time the figures changing."""
    index = first_visible_slider(page, timeout)
    handle = sliders(page).nth(index)
    at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    return time_what_if(page, index=index, key="ArrowLeft" if at_end else "ArrowRight", timeout=timeout)


def move_slider(page, index: int = 0, steps: int = 1, key: str = "ArrowRight") -> None:
    """Move one slider by `steps` keyboard steps, as a manager using the keyboard would."""
    handle = sliders(page).nth(index)
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(steps):
        handle.press(key)


def time_what_if(page, index: int = 0, key: str = "ArrowRight", timeout: float = 10) -> float:
    """Seconds from a slider's key press to the figures shown changing (text or chart), timed in the page.

    The page checks its figures each time it changes (a MutationObserver), not on every frame, so
    that the check does not slow the change it is timing.
    """
    before_text = figures_text(page)
    before_chart = page.evaluate(CHART_SIGNATURE_JS)
    handle = sliders(page).nth(index)
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.evaluate(f"""([text, chart]) => {{
        window.__stpkitT0 = null; window.__stpkitLatency = null;
        const check = () => {{
          if (window.__stpkitT0 === null || window.__stpkitLatency !== null) return;
          if (({FIGURES_TEXT_JS})() !== text || ({CHART_SIGNATURE_JS})() !== chart) {{
            window.__stpkitLatency = performance.now() - window.__stpkitT0; observer.disconnect();
          }}
        }};
        const observer = new MutationObserver(check);
        observer.observe(document.body, {{subtree: true, childList: true, attributes: true, characterData: true}});
        document.addEventListener('keydown', () => {{ window.__stpkitT0 = performance.now(); }},
                                  {{capture: true, once: true}});
    }}""", [before_text, before_chart])
    handle.press(key)
    changed = page.wait_for_function("() => window.__stpkitLatency", timeout=timeout * 1000, polling=50)
    return changed.json_value() / 1000


def screenshot(page, path: Path) -> Path:
    """A picture of the whole app (Voila scrolls inside #rendered_cells, so the window is made tall)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("() => { const c = document.querySelector('#rendered_cells');"
                           " return Math.max(c ? c.scrollHeight : 0, document.documentElement.scrollHeight); }")
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12000)})
    page.wait_for_timeout(300)  # let the charts settle into the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def chart_screenshots(page, prefix: Path) -> list[Path]:
    """One picture per chart (at full size, to check by eye that none is blank or cut off)."""
    paths = []
    charts = page.locator(".vega-embed")
    for i in range(charts.count()):
        path = Path(f"{prefix}-chart{i + 1}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        charts.nth(i).scroll_into_view_if_needed()
        charts.nth(i).screenshot(path=str(path))
        paths.append(path)
    return paths


def page_problems(page) -> list[str]:
    """Error words visible in the page text."""
    text = page.evaluate("() => document.body.innerText")
    return sorted({m.group(0) for m in ERROR_WORDS.finditer(text)})


# ---------------------------------------------------------------------------------------------
# Accessibility: axe-core (pinned, installed from the npm registry by `make test`) run in the page

AXE_JS = ROOT / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE_RUN_JS = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({rule: v.id, help: v.help,
    elements: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.html.slice(0, 120))}));
}"""


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.0-2.2 A and AA violations on the page as it stands: rule, help text and elements."""
    if not AXE_JS.is_file():
        raise RuntimeError(f"axe-core is not installed at {AXE_JS}: `make test` installs it from the npm registry")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    found = page.evaluate(AXE_RUN_JS, WCAG_TAGS)
    return [f"{v['rule']}: {v['help']} ({'; '.join(v['elements'])})" for v in found]


FOCUS_JS = """() => {
  const el = document.activeElement; if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
  return {tag: el.tagName.toLowerCase(), cls: String(el.className || ''), role: el.getAttribute('role') || '',
          label: el.getAttribute('aria-label') || '', valuetext: el.getAttribute('aria-valuetext') || '',
          valuenow: el.getAttribute('aria-valuenow'), ring: ring};
}"""


def focused(page) -> dict | None:
    """What has the keyboard focus: its tag, role, name and spoken value, and whether a focus ring shows."""
    return page.evaluate(FOCUS_JS)


def tab_to(page, matches, limit: int = 80) -> dict:
    """Press Tab (only Tab) until the focused element satisfies `matches`; its description."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if now and matches(now):
            return now
    raise AssertionError(f"{limit} presses of Tab never reached the control (last focus: {focused(page)})")
