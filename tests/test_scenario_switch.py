"""Switching scenario on a page shown on screen: the figures first, their ranges in a second pass, the results
kept for switching back, and charts that did not change left alone."""

from __future__ import annotations

import pandas as pd
import pytest

from stpkit import charts, pages
from stpkit.pack import load_pack
from stpkit.pages import base

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def altair_as_it_was():
    import altair as alt
    saved = (alt.renderers.active, dict(alt.renderers.options), alt.data_transformers.active,
             dict(alt.data_transformers.options), charts._mode, charts._interactive_charts)
    charts.setup(charts.INTERACTIVE)
    yield
    alt.renderers.enable(saved[0], **saved[1])
    alt.data_transformers.enable(saved[2], **saved[3])
    charts._mode, charts._interactive_charts = saved[4], saved[5]


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setattr(base, "_display", lambda obj, metadata=None, raw=False: None)
    shown = pages.InvestmentPage(load_pack(), "all")
    shown.show("headline")
    for name in ("investment", "cash_flow", "waves"):
        shown.show_chart(name)
    return shown


def npv_card(page) -> str:
    return next(c.detail for c in page.result.cards if c.label == "Net present value")


def test_a_switch_shows_the_figures_then_their_ranges(page):
    headline = page._views[0]
    seen = []
    refresh = headline.refresh
    headline.refresh = lambda result: (seen.append(npv_card_of(result)), refresh(result))[1]
    before = page.updates
    page.controls["scenario"].value = "interim"
    # two passes: the figures without their range, then with it; the page ends as a static page for it shows
    assert page.updates == before + 2
    assert "80% range" not in seen[0] and "80% range" in seen[1]
    alone = pages.InvestmentPage(load_pack(), "all", mode="static", scenario="interim")
    assert pd.Series(page.figures).equals(pd.Series(alone.figures))  # nan (no locality's share) equals nan
    assert npv_card(page) == npv_card(alone)
    # only the finished result is kept
    kept = list(page._results.values())
    assert page.result in kept and all("80% range" in npv_card_of(r) for r in kept)


def npv_card_of(result) -> str:
    return next(c.detail for c in result.cards if c.label == "Net present value")


def test_switching_back_shows_the_kept_result_and_unchanged_charts_are_not_redrawn(page):
    first = page.result
    waves = page._views[3]
    vega = waves.widget.children[0]
    spec = vega.spec
    page.controls["scenario"].value = "third"
    assert page.result is not first
    assert waves.widget.children[0] is vega and vega.spec is spec  # no scenario changes the localities' waves
    before = page.updates
    page.controls["scenario"].value = ""  # back to the pack as it is: worked out before, in one pass
    assert page.updates == before + 1
    assert page.result is first
    page.controls["scenario"].value = "third"
    assert page.updates == before + 2  # its ranges are kept too: one pass
