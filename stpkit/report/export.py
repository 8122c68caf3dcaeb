"""An executed notebook as a published HTML report: no code, nothing fetched from the network.

The report is JupyterLab's HTML export (nbconvert's "lab" template) with every code cell's input
hidden and everything lab would load from a CDN left out (require.js, MathJax, Mermaid, the widget
manager). It comes in two kinds from the same executed notebook, whose charts travel as their
Vega-Lite specifications (`stpkit.charts.spec_html`, when STPKIT_CHARTS=spec):

- light (`shared=SHARED_LINK`, the default of `stpkit reports`): the lab styles and the chart library
  (Vega, Vega-Lite and vega-embed bundled by vl-convert, a classic script) are shared files in the
  report folder's `_stpkit/`, loaded by relative links, written once and never overwritten
  (`write_shared`); the page carries each chart's specification (its data tables packed by column,
  `pack_spec`) and draws it in the browser (`DRAW_SCRIPT`; every chart place carries
  data-stpkit-chart and gets data-drawn="1" once drawn, for printing). About 80 KB a report.
- self-contained (`shared=None`): one file, the styles inlined and every chart drawn here as
  inline SVG by vl-convert (remembered by specification within a process). About 400 KB.

Both keep each chart's text alternative and its table of figures. Before it is published, `fetches`
lists every address the page would load (src, href of anything but a link, CSS url() and @import):
a report that would fetch anything from the network is refused, not published; relative links
(to `_stpkit/`) are allowed, and `stpkit reports` checks the files they name are there.

For the reader, the export also leaves out what only makes sense while the notebook runs: warnings
and other stderr text, widgets (the report shows the figures for its parameters), and papermill's
error markers. SVG ids are renumbered per chart (c1-1, c1-2 ... c2-1), so two charts never share
an id and the same figures give the same bytes however many runs the process did before.

`Exporter` is built once per process and reused: the first export compiles the templates (about
0.3 s), later ones take milliseconds.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import os
import re
from pathlib import Path

import nbformat

from .compare import renumber_svg_ids

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_VEGALITE = re.compile(r"application/vnd\.vegalite\.v(\d+)[.+]json")

TEMPLATE = r"""
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block data_widget_view -%}{%- endblock data_widget_view -%}

{%- block notebook_css -%}
<!--stpkit-lab-css-->{{ super() }}<!--/stpkit-lab-css-->
{%- endblock notebook_css -%}

{%- block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
<img alt="{{ output.metadata.get('stpkit', {}).get('alt', 'Chart') | escape_html }}"
 src="data:image/svg+xml;base64,{{ output.data['image/svg+xml'] | text_base64 | escape_html }}">
</div>
{%- endblock data_svg -%}

{%- block extra_css -%}
<style type="text/css">
  .stpkit-banner { font-family: var(--jp-ui-font-family, sans-serif); background: #005EB8; color: #fff;
                   padding: 0.8em 1.2em; margin: 0 0 1em 0; }
  .stpkit-banner a { color: #fff; }
  .stpkit-place { font-size: 1.5em; font-weight: 600; margin: 0.1em 0; }
  .stpkit-meta { font-size: 0.9em; }
  .stpkit-disclosure { font-family: var(--jp-ui-font-family, sans-serif); font-size: 0.85em; color: #425563;
                       border-top: 1px solid #AEB7BD; margin: 2em 1.2em 1em; padding-top: 0.5em; }
  .jp-RenderedSVG svg { max-width: 100%; height: auto; }
  .stpkit-chart-place { min-height: 2em; }
  .stpkit-chart-place svg { max-width: 100%; height: auto; }
  .stpkit-chart-place[data-failed] { color: #DA291C; }
  @media print { .stpkit-banner a { display: none; } }
</style>
{%- endblock extra_css -%}

{%- block body_header -%}
{{ super() }}
{%- set s = resources.stpkit -%}
<header class="stpkit-banner">
  <div class="stpkit-meta">{{ s.footprint | e }} &middot; {{ s.notebook_title | e }}</div>
  <div class="stpkit-place">{{ s.place | e }}</div>
  <div class="stpkit-meta">
  {%- if s.index_link %}<a href="{{ s.index_link | e }}">All reports</a> &middot; {% endif -%}
  {{ s.note | e }}</div>
</header>
{%- endblock body_header -%}

{%- block body_footer -%}
{%- if resources.stpkit.disclosure %}
<footer class="stpkit-disclosure">{{ resources.stpkit.disclosure | e }}</footer>
{%- endif %}
{%- if resources.stpkit.chart_script %}
<script src="{{ resources.stpkit.chart_script | e }}"></script>
<script>{{ resources.stpkit.draw_script }}</script>
{%- endif %}
{{ super() }}
{%- endblock body_footer -%}

{%- block footer -%}
</html>
{%- endblock footer -%}
"""


CHART_SPEC = "application/vnd.stpkit.chart+json"  # as stpkit.charts.CHART_SPEC: a chart place's specification
SHARED = "_stpkit"  # the folder beside the reports holding what every light report shares
SHARED_LINK = f"../{SHARED}/"  # from a report (OUT/<locality>/<notebook>.html) to that folder

# Draws every chart place of a light report with the shared chart library (vega-embed), in SVG.
# The contract for printing: each place carries data-stpkit-chart and gets data-drawn="1" once it
# is drawn (or could not be: data-failed="1" and a message), so a printer waits until
# document.querySelectorAll('[data-stpkit-chart]:not([data-drawn])').length === 0.
DRAW_SCRIPT = """(function () {
  function unpack(spec) {
    var sets = spec.datasets || {};
    Object.keys(sets).forEach(function (name) {
      var table = sets[name];
      if (!table || !table.stpkit_columns) { return; }
      var fields = Object.keys(table.stpkit_columns), rows = [];
      var columns = fields.map(function (field) {
        var c = table.stpkit_columns[field];
        return Array.isArray(c) ? c : c.codes.map(function (code) { return c.levels[code]; });
      });
      for (var i = 0; i < table.rows; i++) {
        var row = {};
        for (var j = 0; j < fields.length; j++) { row[fields[j]] = columns[j][i]; }
        rows.push(row);
      }
      sets[name] = rows;
    });
    return spec;
  }
  function done(place, message) {
    if (message) { place.setAttribute("data-failed", "1"); place.textContent = message; }
    place.setAttribute("data-drawn", "1");
  }
  function draw() {
    var places = document.querySelectorAll("[data-stpkit-chart]:not([data-drawn])");
    Array.prototype.forEach.call(places, function (place) {
      var holder = place.querySelector("script[type='application/vnd.stpkit.chart+json']");
      if (typeof window.vegaEmbed !== "function") {
        return done(place, "This chart needs the chart library in the _stpkit folder beside the reports; "
                    + "its figures are in the table below.");
      }
      var spec;
      try { spec = unpack(JSON.parse(holder.textContent)); }
      catch (e) { return done(place, "This chart could not be read."); }
      var target = document.createElement("div");
      place.appendChild(target);
      window.vegaEmbed(target, spec, {renderer: "svg", actions: false})
        .then(function () { done(place); })
        .catch(function (e) { done(place, "This chart could not be drawn: " + e); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();"""


def chart_library_name() -> str:
    """The shared chart library's file name, carrying the versions it holds (vl-convert's Vega, Vega-Lite)."""
    import vl_convert as vlc

    from ..charts import _vl_version

    return f"charts-vl-convert-{vlc.__version__}-vega-lite-{_vl_version().lstrip('v')}.js"


def chart_library() -> str:
    """Vega, Vega-Lite and vega-embed in one classic script (window.vegaEmbed ...), bundled by vl-convert.

    Bundling takes seconds, so the bundle is kept in the stpkit cache (~/.cache/stpkit) by its name.
    """
    import vl_convert as vlc

    from ..charts import _cache_dir, _vl_version

    name = chart_library_name()
    cached = _cache_dir() / name
    try:
        if cached.is_file() and cached.stat().st_size > 100_000:
            return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    text = f"/* {name}: Vega, Vega-Lite and vega-embed bundled by vl-convert for stpkit reports */\n" \
           f"(function () {{\n{vlc.javascript_bundle(vl_version=_vl_version())}\n}})();\n"
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temp = cached.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(text, encoding="utf-8")
        temp.replace(cached)
    except OSError:
        pass
    return text


def write_shared(out, files: dict[str, str]) -> list[Path]:
    """Put the shared files in OUT/_stpkit, each only if it is not there: a later run never overwrites or
    deletes one, so reports made by an older stpkit keep the library they were made with."""
    from .publish import write_atomic

    folder = Path(out) / SHARED
    written = []
    for name, text in files.items():
        path = folder / name
        if not path.is_file():
            write_atomic(path, text() if callable(text) else text)
            written.append(path)
    return written


_SHARED_REFERENCE = re.compile(r'(?:href|src)="\.\./' + SHARED + r'/([^"/]+)"')


def shared_references(page: str) -> list[str]:
    """The names of the shared files a light report loads (from ../_stpkit/)."""
    return _SHARED_REFERENCE.findall(page)


class OfflineError(ValueError):
    """A report would fetch something from the network."""


# ---------------------------------------------------------------------------------------------
# What a page would fetch


_TAG_NAME = re.compile(r"<([a-zA-Z][\w:-]*)")
_ATTRIBUTE = re.compile(r"""(?<![\w:-])((?:xlink:)?href|src|srcset|data|poster|action|background|formaction)\s*=\s*"""
                        r"""(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""",
                      re.IGNORECASE)


def _remote(address: str) -> bool:
    address = address.strip().lower()
    return address.startswith(("http:", "https:", "//", "ftp:", "ws:", "wss:")) or (
        ":" in address.split("/")[0] and not address.startswith(("data:", "javascript:", "mailto:", "#", "about:")))


def references(page: str) -> list[tuple[str, str, str]]:
    """Every (tag, attribute, address) in a page: src, href, xlink:href and the like, CSS url() and @import.

    A plain scan of the text, so it errs on the side of finding too much (text that looks like an
    attribute or like CSS counts too; the tag is the nearest "<" before it). SVG charts travel as data: images, which
    browsers draw without loading anything they refer to.
    """
    found = []
    for attribute in _ATTRIBUTE.finditer(page):
        opening = page.rfind("<", 0, attribute.start())
        tag = _TAG_NAME.match(page, opening) if opening >= 0 else None
        name = tag.group(1).lower() if tag else ""
        value = html.unescape(next(v for v in attribute.group(2, 3, 4) if v is not None))
        kind = attribute.group(1).lower()
        addresses = [part.strip().split(" ")[0] for part in value.split(",")] if kind == "srcset" else [value]
        found.extend((name, kind, address) for address in addresses)
    for match in _CSS_URL.finditer(page):
        address = next((v for v in match.groups() if v is not None), "")
        found.append(("css", "url", html.unescape(address)))
    return found


def fetches(page: str) -> list[str]:
    """The network addresses a browser would load for this page (links a reader may click are not loads)."""
    return [f"<{tag} {attribute}> {address}" for tag, attribute, address in references(page)
            if _remote(address) and not (tag == "a" and attribute in ("href", "xlink:href"))]


def links(page: str) -> list[str]:
    """Links to the web a reader may click (not loaded by the page itself)."""
    return [address for tag, attribute, address in references(page)
            if tag == "a" and attribute in ("href", "xlink:href") and _remote(address)]


# ---------------------------------------------------------------------------------------------
# From executed notebook to report


def _vegalite_to_svg(spec: dict, major: str) -> str:
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    version = vl_version_for_vl_convert() if major == vl_version_for_vl_convert().split("_")[0].lstrip("v") \
        else f"v{major}_0"
    return vlc.vegalite_to_svg(spec, vl_version=version)


_TITLE = re.compile(r"aria-label=\"(?:Title|Subtitle) text '([^\"]*)'\"")


def chart_title(svg: str) -> str:
    """A chart's title and subtitle read from its SVG (Vega labels them for screen readers): the image's alt text."""
    parts = [html.unescape(p) for p in _TITLE.findall(svg)]
    return "Chart: " + ". ".join(parts) if parts else "Chart"


_SVG_BLOCK = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


_FOOTER = re.compile(r'\s*<footer class="stpkit-disclosure">.*?</footer>', re.DOTALL)


def _disclosure_once(page: str, resources: dict) -> str:
    """The disclosure rule said once: the footer is left out where a table of counts already says it."""
    rule = ((resources or {}).get("stpkit") or {}).get("disclosure") or ""
    opening = rule[:30]
    if opening and page.count(opening) > 1:
        return _FOOTER.sub("", page, count=1)
    return page


def _renumber_inline_svgs(page: str, chart: int) -> tuple[str, int]:
    """Renumber the ids of every SVG drawn inline in HTML (one prefix per chart); returns the page and the count."""
    def swap(match: re.Match) -> str:
        nonlocal chart
        chart += 1
        return renumber_svg_ids(match.group(0), f"c{chart}")

    return _SVG_BLOCK.sub(swap, page), chart


_PLACE = re.compile(r'<div class="stpkit-chart-place" data-stpkit-chart="([^"]*)">'
                    r'<script type="' + re.escape(CHART_SPEC) + r'">(.*?)</script></div>', re.DOTALL)


def draw_places(text: str) -> str:
    """Every chart place of an output (a chart's specification, `stpkit.charts.spec_html`) drawn as inline SVG."""
    import vl_convert as vlc

    return _PLACE.sub(lambda m: vlc.vegalite_to_svg(json.loads(m.group(2)), vl_version=m.group(1)), text)


def pack_spec(spec: dict) -> dict:
    """A chart specification with its data tables by column, repeated words given once (about a third the size).

    Each dataset whose rows share their fields becomes {"stpkit_columns": {field: values}}, where a
    column of few distinct words, flags or blanks is {"levels": [...], "codes": [...]}. Nothing is
    rounded: `unpack_spec` (and the page's drawing script) give back the same rows.
    """
    datasets = spec.get("datasets")
    if not isinstance(datasets, dict):
        return spec
    packed = {}
    for name, rows in datasets.items():
        fields = list(rows[0]) if isinstance(rows, list) and rows and isinstance(rows[0], dict) else None
        if not fields or any(not isinstance(row, dict) or list(row) != fields for row in rows):
            packed[name] = rows
            continue
        columns = {}
        for field in fields:
            values = [row[field] for row in rows]
            levels = list(dict.fromkeys(v for v in values if isinstance(v, (str, bool)) or v is None))
            if len(levels) == len(set(map(repr, values))) and 2 * len(levels) <= len(values) \
                    and all(isinstance(v, (str, bool)) or v is None for v in values):
                index = {repr(level): i for i, level in enumerate(levels)}
                columns[field] = {"levels": levels, "codes": [index[repr(v)] for v in values]}
            else:
                columns[field] = values
        packed[name] = {"stpkit_columns": columns, "rows": len(rows)}
    return {**spec, "datasets": packed}


def unpack_spec(spec: dict) -> dict:
    """The chart specification `pack_spec` packed, with its data tables as rows again."""
    datasets = spec.get("datasets")
    if not isinstance(datasets, dict):
        return spec
    unpacked = {}
    for name, table in datasets.items():
        if not (isinstance(table, dict) and "stpkit_columns" in table):
            unpacked[name] = table
            continue
        columns = {field: ([values["levels"][code] for code in values["codes"]] if isinstance(values, dict)
                           else values) for field, values in table["stpkit_columns"].items()}
        unpacked[name] = [{field: columns[field][i] for field in columns} for i in range(table["rows"])]
    return {**spec, "datasets": unpacked}


def _json_in_script(value) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def pack_places(text: str) -> str:
    """Every chart place of an output with its specification packed (`pack_spec`), for a light report."""
    return _PLACE.sub(lambda m: f'<div class="stpkit-chart-place" data-stpkit-chart="{m.group(1)}">'
                                f'<script type="{CHART_SPEC}">{_json_in_script(pack_spec(json.loads(m.group(2))))}'
                                f'</script></div>', text)


def chart_specs(page: str) -> list[dict]:
    """The chart specifications a page holds (a light report's, or an executed notebook output's), in order."""
    return [unpack_spec(json.loads(m.group(2))) for m in _PLACE.finditer(page)]


def _copy_for_export(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of a notebook deep enough for `for_readers` to change (cells, outputs, their data and metadata),
    sharing the rest: a deep copy of a notebook full of charts takes as long as the export itself."""
    def node(value: dict) -> nbformat.NotebookNode:
        return nbformat.NotebookNode(value)

    def output(o):
        o = node(o)
        for key in ("data", "metadata"):
            if key in o:
                o[key] = node(o[key])
        if "stpkit" in o.get("metadata", {}):
            o["metadata"]["stpkit"] = node(o["metadata"]["stpkit"])
        return o

    cells = []
    for cell in nb.cells:
        cell = node(cell)
        cell["metadata"] = node(cell.get("metadata", {}))
        if "outputs" in cell:
            cell["outputs"] = [output(o) for o in cell["outputs"]]
        cells.append(cell)
    copied = node(nb)
    copied["metadata"] = copy.deepcopy(nb.metadata)
    copied["cells"] = cells
    return copied


def for_readers(nb: nbformat.NotebookNode, draw: bool = True) -> nbformat.NotebookNode:
    """A copy of an executed notebook holding only what a report reader sees.

    draw: charts that travel as their specification are drawn here as inline SVG (a self-contained
    report); otherwise they stay specifications, for the shared chart library to draw (a light report).
    """
    nb = _copy_for_export(nb)
    nb.metadata.pop("widgets", None)
    cells = []
    chart = 0
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if tags & {"papermill-error-cell-tag", "remove-cell", "remove_cell", "injected-parameters"}:
            continue
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        if tags & {"remove-output", "remove_output"}:
            cell.outputs = []
        kept = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                if output.get("name") != "stdout":
                    continue
                if kept and kept[-1].get("output_type") == "stream":
                    kept[-1]["text"] += output["text"]
                    continue
            elif kind in ("display_data", "execute_result"):
                data = output.get("data", {})
                if WIDGET_MIME in data:
                    continue
                if "text/html" in data and "data-stpkit-chart" in _text(data["text/html"]):
                    data["text/html"] = (draw_places if draw else pack_places)(_text(data["text/html"]))
                if "text/html" in data and "<svg" in _text(data["text/html"]):
                    data["text/html"], chart = _renumber_inline_svgs(_text(data["text/html"]), chart)
                for mime in [m for m in data if _VEGALITE.fullmatch(m)]:
                    if "image/svg+xml" not in data and "image/png" not in data:
                        data["image/svg+xml"] = _vegalite_to_svg(data[mime], _VEGALITE.fullmatch(mime).group(1))
                    del data[mime]
                if "image/svg+xml" in data:
                    chart += 1
                    svg = _text(data["image/svg+xml"])
                    data["image/svg+xml"] = renumber_svg_ids(svg, f"c{chart}")
                    output.setdefault("metadata", {}).setdefault("stpkit", {})["alt"] = chart_title(svg)
            kept.append(output)
        cell.outputs = kept
        cells.append(cell)
    nb.cells = cells
    return nb


_OUTPUT_DIV = re.compile(r'(<div class="(?:[^"]* )?(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"]*")')


def _html_exporter_class():
    """nbconvert's HTMLExporter less its last step, a BeautifulSoup pass over the whole page.

    That pass (0.3-0.6 s for a report full of inline SVG, as long as the rest of the export) adds
    alt text to images that have none and makes outputs reachable by keyboard (tabindex). Here
    every chart image gets its alt text from the template, and tabindex is added to the same
    elements by a plain substitution. Falls back to nbconvert's own method if its internals change.
    """
    from jinja2 import pass_context
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter

    class ReportHTMLExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            try:
                from nbconvert.filters.highlight import Highlight2HTML
                from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

                language = nb.metadata.get("language_info", {})
                lexer = language.get("pygments_lexer", language.get("name", None))
                highlight = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
                resources = self._init_resources(resources)
                data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                  resources=resources)
            except (ImportError, AttributeError, TypeError):  # pragma: no cover - a future nbconvert
                return super().from_notebook_node(nb, resources, **kw)
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_type)
            try:
                page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            finally:  # nbconvert keeps every exported notebook's metadata by name: 10,000 reports would pile up
                self._nb_metadata.clear()
            return _OUTPUT_DIV.sub(r'\1 tabindex="0"', _disclosure_once(page, resources)), resources

        @pass_context
        def markdown2html(self, context, source):
            """A markdown cell as HTML, remembered by its text (a notebook's prose is the same for every
            locality; cells with attachments are converted every time)."""
            convert = HTMLExporter.markdown2html.__wrapped__ if hasattr(HTMLExporter.markdown2html, "__wrapped__") \
                else HTMLExporter.markdown2html
            if context.get("cell", {}).get("attachments"):
                return convert(self, context, source)
            key = (source, str(context.get("resources", {}).get("metadata", {}).get("path", "")))
            seen = self.__dict__.setdefault("_markdown_seen", {})
            if key not in seen:
                if len(seen) > 2048:
                    seen.clear()
                seen[key] = convert(self, context, source)
            return seen[key]

    return ReportHTMLExporter


class Exporter:
    """Executed notebooks to report HTML, with one nbconvert exporter kept warm."""

    def __init__(self):
        self._html = _html_exporter_class()(template_name="lab", raw_template=TEMPLATE, exclude_input=True,
                                  exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True,
                                  anchor_link_text="\u00b6", optimistic_validation=True)
        self._styles: dict[str, str] = {}  # the lab styles' shared file: {name: text}

    def export(self, nb: nbformat.NotebookNode, *, footprint: str, place: str, notebook_title: str,
               note: str = "", disclosure: str = "", index_link: str | None = "../index.html",
               check: bool = True, shared: str | None = None) -> str:
        """The report page for an executed notebook. Raises OfflineError if it would fetch anything.

        shared: None for a self-contained page (charts as inline SVG, styles inlined); else the
        relative address of the shared folder (`SHARED_LINK`), for a light page that loads the lab
        styles and the chart library from there and draws its charts from their specifications.
        """
        shown = for_readers(nb, draw=shared is None)
        shown.metadata["title"] = f"{notebook_title}: {place}"
        light = shared is not None
        charts_in_page = light and any("data-stpkit-chart" in _text(o.get("data", {}).get("text/html", ""))
                                       for c in shown.cells for o in c.get("outputs", []))
        resources = {"stpkit": {"footprint": footprint, "place": place, "notebook_title": notebook_title,
                                "note": note, "disclosure": disclosure, "index_link": index_link,
                                "chart_script": shared + chart_library_name() if charts_in_page else "",
                                "draw_script": DRAW_SCRIPT},
                     "metadata": {"name": f"{notebook_title}: {place}"}}
        page, _ = self._html.from_notebook_node(shown, resources=resources)
        page = _shared_styles(page, shared, self._styles)
        page = _styles_once(page)
        if check:
            remote = fetches(page)
            if remote:
                raise OfflineError(f"the report would fetch {len(remote)} thing(s) from the network, "
                                   f"first: {remote[0]}")
        return page

    def shared_files(self) -> dict:
        """The files a light report loads from the shared folder: {name: text, or a function giving it}."""
        if not self._styles:
            self.export(nbformat.v4.new_notebook(), footprint="", place="", notebook_title="", check=False,
                        shared=SHARED_LINK)
        name, css = next(iter(self._styles.items()))
        return {name: css, chart_library_name(): chart_library}


_LAB_CSS = re.compile(r"<!--stpkit-lab-css-->(.*?)<!--/stpkit-lab-css-->", re.DOTALL)
_STYLE = re.compile(r'<style type="text/css">(.*?)</style>', re.DOTALL)


def _shared_styles(page: str, shared: str | None, styles: dict) -> str:
    """JupyterLab's styles (about 250 KB) inline in a self-contained page, one shared file for a light one."""
    found = _LAB_CSS.search(page)
    if found is None:
        return page
    if shared is None:
        return page[:found.start()] + found.group(1) + page[found.end():]
    block = found.group(1)
    if _STYLE.sub("", block).strip():  # not only styles: keep it inline, as a self-contained page would
        return page[:found.start()] + block + page[found.end():]
    css = "\n".join(part.strip() for part in _STYLE.findall(block)) + "\n"
    name = f"lab-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
    styles.setdefault(name, css)
    return page[:found.start()] + f'<link rel="stylesheet" href="{html.escape(shared + name)}">' + page[found.end():]


_ANY_STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.DOTALL)


def _styles_once(page: str) -> str:
    """Each stylesheet once per page: the tables' and chart figures' small stylesheets come with every one."""
    seen = set()

    def once(match: re.Match) -> str:
        if match.group(0) in seen:
            return ""
        seen.add(match.group(0))
        return match.group(0)

    return _ANY_STYLE.sub(once, page)


_EXPORTER: Exporter | None = None


def exporter() -> Exporter:
    """This process's exporter, created on first use."""
    global _EXPORTER
    if _EXPORTER is None:
        _EXPORTER = Exporter()
    return _EXPORTER
