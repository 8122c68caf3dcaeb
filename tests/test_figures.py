"""The house style for figures: money by size, percentages without "-0.0%", units in headers, words for codes."""

from __future__ import annotations

import pandas as pd
import pytest

from stpkit import figures, pages

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("value, text", [
    (0, "£0"), (950, "£950"), (999.4, "£999"), (1_000, "£1.0k"), (45_600, "£45.6k"), (456_000, "£456k"),
    (999_960, "£1.0m"), (4_000_000, "£4.0m"), (67_100_000, "£67.1m"), (156_800_000, "£157m"),
    (1_234_000_000, "£1.2bn"), (-9_385_000, "-£9.4m"), (-3_180_844, "-£3.2m"), (float("nan"), "-"), (None, "-"),
])
def test_money_chooses_k_m_or_bn_for_the_size(value, text):
    assert figures.money(value) == text


def test_money_is_never_negative_zero():
    assert figures.money(-0.4) == "£0"
    assert figures.money(-40_000, unit="m") == "£0.0m"
    assert figures.money_cell(-400, "m", 1) == "0.0"


def test_a_tables_money_has_one_unit_and_one_number_of_decimals():
    # hand-worked: the largest sum sets the unit; millions keep at least one decimal, two below £10m
    assert figures.money_style([112_000_000, 400_000]) == ("m", 1)
    assert figures.money_style([456_000, 1_000]) == ("k", 0)
    assert figures.money_style([67_100_000, 400_000]) == ("m", 1)
    assert figures.money_style([5_400_000, -9_000]) == ("m", 2)
    assert figures.money_style([95_000, 1_200]) == ("k", 1)
    assert figures.money_style([950, 10]) == ("", 0)
    table = pages.Table(pd.DataFrame({"kind": ["revenue", "capital"], "amount": [67_100_000, 400_000],
                                        "net": [-40_000, 3_000_000]}),
                          {"kind": ("Kind", "text"), "amount": ("Investment (GBP m)", "gbp_m"),
                           "net": ("Net (GBP)", "gbp")})
    shown = table.shown()
    assert list(shown.columns) == ["Kind", "Investment (£m)", "Net (£m)"]
    assert shown["Investment (£m)"].tolist() == ["67.1", "0.4"]
    assert shown["Net (£m)"].tolist() == ["0.0", "3.0"]  # -£40,000 in £m to 1 decimal: 0.0, not -0.0
    assert shown["Kind"].tolist() == ["Revenue", "Capital"]
    assert "Investment (£m)" in table.html() and "GBP" not in table.html()


@pytest.mark.parametrize("label, unit, header", [
    ("Savings", "m", "Savings (£m)"), ("Savings (GBP m)", "m", "Savings (£m)"),
    ("Net saving a year (GBP)", "k", "Net saving a year (£k)"), ("Cost", "", "Cost (£)"),
])
def test_money_headers_carry_the_unit(label, unit, header):
    assert figures.money_header(label, unit) == header


def test_percent_never_shows_minus_zero():
    # -31 admissions on 52,000: -0.06%, which one decimal would print as "-0.1%"; -31 on 400,000 is -0.008%
    assert figures.percent(-31 / 400_000) == "less than 0.1%"
    assert figures.percent(-31 / 400_000, change=True, count=-31, noun="admissions") == "-31 admissions, less than 0.1%"
    assert figures.percent(0.0) == "0.0%" and figures.percent(-0.0) == "0.0%"
    assert figures.percent(0.0114, change=True) == "+1.1%"
    assert figures.percent(-0.0973, change=True) == "-9.7%"
    assert figures.percent(float("nan")) == "-"


def test_fte_and_numbers_have_no_negative_zero():
    assert figures.fte(467.44) == "467.4 FTE"
    assert figures.fte(-0.01) == "0.0 FTE"
    assert figures.number(-0.2) == "0"


def test_words_not_codes_and_one_spelling():
    assert figures.words("revenue") == "Revenue" and figures.words("capital") == "Capital"
    assert figures.words("all") == "All localities"
    assert figures.words("non_elective") == "Emergency admissions"
    assert figures.words("Care co-ordinators") == "Care coordinators"
    assert figures.words("Co-ordination") == "Coordination"
    assert figures.words(None) == ""
