"""Chart builders: each returns an Altair chart whose data holds the rows expected, drawn offline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stpkit import activity, charts, locality, load_pack
from stpkit.synthetic import write_synthetic_pack

pytestmark = pytest.mark.unit


def _spec_rows(chart) -> list[dict]:
    """Every data row in a chart's spec (the inline datasets Altair writes), for checking what is drawn."""
    spec = chart.to_dict()
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


@pytest.fixture
def places() -> pd.DataFrame:
    return pd.DataFrame({
        "locality_id": ["A1", "B2", "C3", "D4"],
        "locality": ["Ashby", "St Mary's & Bank (East)", 'The "Old" Town', "Ashby"],
        "savings": [1.5, 4.0, 0.25, 2.0],
    })


def test_bars_one_bar_per_locality_with_the_selected_one_highlighted(places):
    chart = charts.bars(places, "locality_id", "savings", title="Savings", value_title="GBP m",
                        highlight="B2")
    assert len(chart.data) == 4
    assert dict(zip(chart.data["locality_id"], chart.data["_highlight"])) == {
        "A1": charts.PEER, "B2": charts.SELECTED, "C3": charts.PEER, "D4": charts.PEER}
    spec = chart.to_dict()
    assert spec["title"]["text"] == "Savings"
    assert spec["encoding"]["x"]["title"] == "GBP m"
    assert {r["locality_id"] for r in _spec_rows(chart)} == {"A1", "B2", "C3", "D4"}


def test_bars_keep_only_the_columns_they_draw(places):
    chart = charts.bars(places.assign(unused=1), "locality", "savings", title="t", value_title="v")
    assert set(chart.data.columns) == {"locality", "savings", "_highlight"}


def test_bars_with_series_side_by_side_and_stacked():
    frame = pd.DataFrame({"segment": ["High", "High", "Low", "Low"], "measure": ["people", "admissions"] * 2,
                          "value": [0.05, 0.3, 0.95, 0.7]})
    side = charts.bars(frame, "segment", "value", series="measure", percent=True, title="t", value_title="Share (%)")
    stacked = charts.bars(frame, "segment", "value", series="measure", stack=True, title="t", value_title="v")
    assert len(side.data) == len(stacked.data) == 4
    assert "yOffset" in side.to_dict()["encoding"] and "yOffset" not in stacked.to_dict()["encoding"]
    assert side.to_dict()["encoding"]["x"]["axis"]["format"] == ".0%"


def test_bars_keep_the_selected_locality_when_there_are_too_many_to_draw():
    n = 200
    frame = pd.DataFrame({"locality_id": [f"L{i:03d}" for i in range(n)], "value": np.arange(n, dtype=float)})
    chart = charts.bars(frame, "locality_id", "value", title="t", value_title="v", highlight="L000", limit=40)
    assert len(chart.data) == 40
    assert "L000" in set(chart.data["locality_id"])  # the smallest, kept because it is selected
    assert "L199" in set(chart.data["locality_id"])
    # the selected one says where it stands among them all
    assert "largest 39 of 200 shown, and L000 (200th of 200)" in " ".join(chart.to_dict()["title"]["subtitle"])


def test_bars_faceted_by_point_of_delivery(places):
    frame = pd.DataFrame({"pod": ["A&E"] * 3 + ["Outpatients"] * 3, "measure": ["base", "momentum", "target"] * 2,
                          "activity": [100.0, 120, 90, 2000, 2400, 1800]})
    chart = charts.bars(frame, "measure", "activity", series="measure", facet="pod", independent=True, title="t",
                        value_title="Activity a year")
    assert len(chart.data) == 6
    spec = chart.to_dict()
    assert spec["resolve"]["scale"] == {"x": "independent", "y": "independent"}
    assert spec["facet"]["row"]["field"] == "pod"


def test_bars_with_a_reference_line():
    frame = pd.DataFrame({"tier": ["top", "rest"], "required": [1.07, 0.25]})
    chart = charts.bars(frame, "tier", "required", percent=True, reference=1.0, reference_label="all of it",
                        title="t", value_title="v")
    rows = _spec_rows(chart)
    assert {r.get("tier") for r in rows if "tier" in r} == {"top", "rest"}
    assert any(r.get("_reference") == 1.0 for r in rows)


def test_bars_refuse_empty_data():
    with pytest.raises(ValueError, match="no data"):
        charts.bars(pd.DataFrame({"a": [], "b": []}), "a", "b", title="t", value_title="v")


def test_lines_over_financial_years_with_a_p10_p90_band():
    frame = pd.DataFrame({"year": ["2016/17", "2017/18", "2018/19"] * 2, "series": ["Demand"] * 3 + ["Supply"] * 3,
                          "fte": [10.0, 12, 14, 10, 10, 10], "low": [9.0, 10, 11, 10, 10, 10],
                          "high": [11.0, 14, 17, 10, 10, 10]})
    chart = charts.lines(frame, "year", "fte", series="series", band=("low", "high"), title="t", value_title="FTE",
                         dashed=["Supply"])
    layers = chart.to_dict()["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["area", "line", "point", "rule"]
    years = [r["year"] for r in _spec_rows(chart) if "year" in r]
    assert sorted(set(years)) == ["2016/17", "2017/18", "2018/19"] and len(years) == 6


def test_lines_faceted_by_staff_group():
    frame = pd.DataFrame({"year": ["2016/17", "2017/18"] * 2, "group": ["GPs", "GPs", "Nurses", "Nurses"],
                          "fte": [1.0, 2.0, 3.0, 4.0]})
    chart = charts.lines(frame, "year", "fte", facet="group", title="t", value_title="FTE")
    assert len(chart.data) == 4
    assert chart.to_dict()["facet"]["field"] == "group"


def test_waterfall_from_the_activity_model(tmp_path):
    pack = load_pack(write_synthetic_pack(tmp_path / "pack", localities=5, seed=3))
    projection = activity.project(pack)
    steps = activity.waterfall(projection, pack.schemes, "non_elective", pack.base_year, pack.horizon_year)
    chart = charts.waterfall(steps, title="Emergency admissions", value_title="Admissions a year")
    assert len(chart.data) == len(steps)
    assert list(chart.data["step"]) == list(steps["step"])
    target = projection.loc[projection["pod"] == "non_elective", "target"].sum()
    assert chart.data["label"].iloc[-1] == f"{target:,.0f}"


def test_heatmap_of_transformation_levels_keeps_the_selected_row(tmp_path):
    pack = load_pack(write_synthetic_pack(tmp_path / "pack", localities=8, seed=3))
    line = locality.timeline(pack.phasing, pack.localities)
    chart = charts.heatmap(line, "quarter", "locality_id", "level", title="t", value_title="Level",
                           highlight="L0008", marker="investment", limit=5)
    assert set(chart.data["locality_id"]) == {"L0001", "L0002", "L0003", "L0004", "L0008"}
    assert len(chart.data) == 5 * line["quarter"].nunique()
    assert len(chart.layer) == 3  # cells, the selected row's outline, investment markers


def test_locality_labels_are_unique(places):
    assert list(charts.locality_labels(places)) == ["Ashby (A1)", "St Mary's & Bank (East)", 'The "Old" Town',
                                                    "Ashby (D4)"]


def test_mode_follows_the_environment():
    assert charts.detect_mode({}) == charts.STATIC
    assert charts.detect_mode({"JPY_SESSION_NAME": "/x/needs_analysis.ipynb"}) == charts.INTERACTIVE
    assert charts.detect_mode({"VOILA_KERNEL_ID": "abc"}) == charts.INTERACTIVE
    assert charts.detect_mode({"VOILA_KERNEL_ID": "abc", "STPKIT_DISPLAY": "static"}) == charts.STATIC
    assert charts.detect_mode({"STPKIT_DISPLAY": "interactive"}) == charts.INTERACTIVE


def test_static_charts_are_inline_svg_with_no_script(places):
    import altair as alt

    assert charts.setup(charts.STATIC) == charts.STATIC
    assert alt.renderers.active == "svg"
    chart = charts.bars(places, "locality_id", "savings", title="Savings by locality", value_title="GBP m",
                        highlight="C3")
    fragment = charts.html(chart)
    assert fragment.count("<svg") == 1 and "<script" not in fragment
    assert "Savings by locality" in fragment
    assert charts.to_png(chart)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.unit
def test_year_labels_lie_flat_only_where_each_has_room():
    """Six financial years under a full-width chart lie flat; under a small panel of a facet they slant."""
    years = [f"{y}/{(y + 1) % 100:02d}" for y in range(2015, 2021)]
    frame = pd.DataFrame({"year": years * 2, "fte": range(12), "group": ["GPs"] * 6 + ["Nurses"] * 6})

    def angle(chart) -> float:
        spec = chart.to_dict()
        layers = spec["spec"]["layer"] if "spec" in spec else spec["layer"]
        return layers[0]["encoding"]["x"]["axis"]["labelAngle"]

    assert angle(charts.lines(frame, "year", "fte", title="Wide", value_title="FTE")) == 0
    assert angle(charts.lines(frame, "year", "fte", title="Panels", value_title="FTE", facet="group")) == -40
