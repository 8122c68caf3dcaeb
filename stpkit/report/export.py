"""An executed notebook as a published HTML report: no code, one file, nothing fetched from the network.

The report is JupyterLab's HTML export (nbconvert's "lab" template, its styles inlined) with every
code cell's input hidden and everything lab would load from a CDN left out (require.js, MathJax,
Mermaid, the widget manager). Charts are inline SVG drawn by vl-convert, tables are HTML, so the
file opens from a USB stick on a laptop with no internet. Before it is published, `fetches` lists
every address the page would load (src, href of anything but a link, CSS url() and @import): a
report that would fetch anything is refused, not published.

For the reader, the export also leaves out what only makes sense while the notebook runs: warnings
and other stderr text, widgets (the report shows the figures for its parameters), and papermill's
error markers. SVG ids are renumbered per chart (c1-1, c1-2 ... c2-1), so two charts never share
an id and the same figures give the same bytes however many runs the process did before.

`Exporter` is built once per process and reused: the first export compiles the templates (about
0.3 s), later ones take milliseconds.
"""

from __future__ import annotations

import copy
import html
import re

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
{{ super() }}
{%- endblock body_footer -%}

{%- block footer -%}
</html>
{%- endblock footer -%}
"""


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


def for_readers(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of an executed notebook holding only what a report reader sees."""
    nb = copy.deepcopy(nb)
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
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _OUTPUT_DIV.sub(r'\1 tabindex="0"', _disclosure_once(page, resources)), resources

    return ReportHTMLExporter


class Exporter:
    """Executed notebooks to report HTML, with one nbconvert exporter kept warm."""

    def __init__(self):
        self._html = _html_exporter_class()(template_name="lab", raw_template=TEMPLATE, exclude_input=True,
                                  exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True,
                                  anchor_link_text="\u00b6", optimistic_validation=True)

    def export(self, nb: nbformat.NotebookNode, *, footprint: str, place: str, notebook_title: str,
               note: str = "", disclosure: str = "", index_link: str | None = "../index.html",
               check: bool = True) -> str:
        """The report page for an executed notebook. Raises OfflineError if it would fetch anything."""
        shown = for_readers(nb)
        shown.metadata["title"] = f"{notebook_title}: {place}"
        resources = {"stpkit": {"footprint": footprint, "place": place, "notebook_title": notebook_title,
                                "note": note, "disclosure": disclosure, "index_link": index_link},
                     "metadata": {"name": f"{notebook_title}: {place}"}}
        page, _ = self._html.from_notebook_node(shown, resources=resources)
        if check:
            remote = fetches(page)
            if remote:
                raise OfflineError(f"the report would fetch {len(remote)} thing(s) from the network, "
                                   f"first: {remote[0]}")
        return page


_EXPORTER: Exporter | None = None


def exporter() -> Exporter:
    """This process's exporter, created on first use."""
    global _EXPORTER
    if _EXPORTER is None:
        _EXPORTER = Exporter()
    return _EXPORTER
