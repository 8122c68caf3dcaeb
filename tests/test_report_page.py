"""A published report page shows everything below its headings (a regression seen by looking at one)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nbformat
import pytest

from stpkit.report.export import Exporter

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Anchors(HTMLParser):
    """Tracks which text sits inside an <a> element, the way a browser parses the page."""

    def __init__(self):
        super().__init__()
        self.open_anchors = 0
        self.text_inside_anchor = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.open_anchors += 1

    def handle_startendtag(self, tag, attrs):
        # HTML has no self-closing <a/>: a browser opens the element and never closes it
        if tag == "a":
            self.open_anchors += 1

    def handle_endtag(self, tag):
        if tag == "a" and self.open_anchors:
            self.open_anchors -= 1

    def handle_data(self, data):
        if self.open_anchors and data.strip():
            self.text_inside_anchor.append(data.strip())


@pytest.mark.integration
def test_text_after_a_heading_is_not_swallowed_by_its_anchor_link():
    """The lab template hides heading anchor links until hovered: an anchor written as <a ... /> is
    never closed in HTML, so the rest of the page became invisible. Every paragraph must sit outside it."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"},
                                            "language_info": {"name": "python"}})
    nb.cells = [nbformat.v4.new_markdown_cell("# Locality deep dive\n\nOne locality against its peers.\n\n"
                                              "## Savings\n\nGross savings in the horizon year.")]
    page = Exporter().export(nb, footprint="Test", place="Ashby (A1)", notebook_title="Locality deep dive")
    assert not re.search(r"<a\b[^>]*/>", page)
    parser = Anchors()
    parser.feed(page)
    assert "One locality against its peers." not in parser.text_inside_anchor
    assert "Gross savings in the horizon year." not in parser.text_inside_anchor
    assert parser.open_anchors == 0


def _page_notebook(*cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"},
                                            "language_info": {"name": "python"}})
    nb.cells = list(cells)
    return nb


@pytest.mark.integration
def test_the_jupyterlab_how_to_is_left_out_and_the_disclosure_rule_is_said_once():
    from stpkit.report import disclosure

    rule = disclosure.RULE
    howto = nbformat.v4.new_markdown_cell("*In JupyterLab*: run with papermill `-p pack PATH -p locality ID`.")
    howto.metadata["tags"] = ["remove-cell"]
    table = nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": f"<table><tr><td>*</td></tr></table><p class='stpkit-note'>{rule}</p>"})])
    plain = nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": "<table><tr><td>£4.0m</td></tr></table>"})])
    intro = nbformat.v4.new_markdown_cell("# Needs analysis\n\nWho is at risk.")
    exporter = Exporter()
    with_counts = exporter.export(_page_notebook(intro, howto, table), footprint="Test", place="Ashby (A1)",
                                  notebook_title="Needs analysis", disclosure=rule)
    assert "papermill" not in with_counts and "-p pack" not in with_counts and "Who is at risk." in with_counts
    assert with_counts.count(rule[:30]) == 1 and "stpkit-disclosure" not in with_counts.split("</style>")[-1]
    # a page with no table of counts still states the rule once, at its foot
    without = exporter.export(_page_notebook(intro, plain), footprint="Test", place="Ashby (A1)",
                              notebook_title="Needs analysis", disclosure=rule)
    assert without.count(rule[:30]) == 1 and '<footer class="stpkit-disclosure">' in without
