"""Funnel plots: each locality's or practice's ratio of observed to expected against its size, with the
limits chance alone would give (95% and 99.8%), so that a small practice is not singled out for noise.

A chart builder like those of `stpkit.charts` (same look, text alternative and table of figures), kept
in its own module; the limits are `stpkit.budgets.funnel_limits`.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from .budgets import Z95, Z998, funnel_limits
from .charts import EVERY, NHS_BLUE, NHS_DARK_BLUE, NHS_MID_GREY, NHS_PALE_GREY, PEER, SELECTED, WIDTH, _columns, \
    _finish, _highlight


def chart(frame: pd.DataFrame, *, title: str, x_title: str, y_title: str, label: str = "label",
          highlight=None, highlight_field: str | None = None, subtitle=None, width: int = WIDTH,
          height: int = 340) -> alt.Chart:
    """A funnel plot: each unit's ratio (observed / expected) against its expected count, with control
    limits at 95% and 99.8% (`stpkit.budgets.funnel_limits`) narrowing as units grow, and a rule at 1.

    frame: columns expected, ratio, ratio_low, ratio_high, funnel and `label`; the limits are drawn
    from a smooth range of expected counts across the frame's.
    """
    if frame.empty:
        raise ValueError(f"no data to chart for {title!r}")
    field = highlight_field or label
    data = _columns(frame, label, "expected", "observed", "ratio", "ratio_low", "ratio_high", "funnel", field)
    data["_highlight"] = _highlight(data[field], highlight)
    low_e, high_e = max(float(data["expected"].min()) * 0.8, 0.5), float(data["expected"].max()) * 1.1
    grid = np.geomspace(low_e, max(high_e, low_e * 1.5), 120)
    limits = []
    for name, z in (("95% limits", Z95), ("99.8% limits", Z998)):
        low, high = funnel_limits(grid, z)
        limits += [pd.DataFrame({"expected": grid, "limit": low, "line": f"{name} (low)", "kind": name}),
                   pd.DataFrame({"expected": grid, "limit": high, "line": f"{name} (high)", "kind": name})]
    lim = pd.concat(limits, ignore_index=True)
    x_enc = alt.X("expected", type="quantitative", title=x_title, scale=alt.Scale(type="log"),
                  axis=alt.Axis(format=",~r"))
    limit_layer = alt.Chart(lim).mark_line(strokeWidth=1.5).encode(
        x=x_enc, y=alt.Y("limit", type="quantitative", title=y_title, scale=alt.Scale(zero=False)),
        detail="line:N", strokeDash=alt.StrokeDash("kind", type="nominal", title="Chance variation",
                                                   scale=alt.Scale(domain=["95% limits", "99.8% limits"],
                                                                   range=[[5, 3], [1, 0]])),
        color=alt.ColorValue(NHS_MID_GREY))
    one = alt.Chart(pd.DataFrame({"_one": [1.0]})).mark_rule(color=NHS_DARK_BLUE, strokeWidth=1).encode(y="_one:Q")
    picked = highlight is not None and data["_highlight"].eq(SELECTED).any()
    color = alt.Color("_highlight", type="nominal", title=None,
                      scale=alt.Scale(domain=[SELECTED, PEER, EVERY], range=[NHS_BLUE, NHS_PALE_GREY, NHS_BLUE]),
                      legend=None)
    points = alt.Chart(data).mark_point(filled=True, size=60, opacity=0.9).encode(
        x=x_enc, y=alt.Y("ratio", type="quantitative", title=y_title, axis=alt.Axis(format=".2f"),
                         scale=alt.Scale(zero=False)),
        color=color if picked else alt.ColorValue(NHS_BLUE),
        tooltip=[alt.Tooltip(label, type="nominal", title="Who"),
                 alt.Tooltip("observed", type="quantitative", title="Observed", format=",.0f"),
                 alt.Tooltip("expected", type="quantitative", title="Expected for its age mix", format=",.0f"),
                 alt.Tooltip("ratio", type="quantitative", title="Ratio", format=".2f"),
                 alt.Tooltip("ratio_low", type="quantitative", title="95% CI low", format=".2f"),
                 alt.Tooltip("ratio_high", type="quantitative", title="95% CI high", format=".2f"),
                 alt.Tooltip("funnel", type="nominal", title="Against the limits")])
    layers = [limit_layer, one, points]
    if picked:  # the unit asked about on top of the rest, larger, ringed and named: findable among 1,000s
        mine = data[data["_highlight"] == SELECTED]
        y_mine = alt.Y("ratio", type="quantitative", scale=alt.Scale(zero=False))
        layers.append(alt.layer(
            alt.Chart(mine).mark_point(filled=True, size=160, color=NHS_BLUE, stroke=NHS_DARK_BLUE, strokeWidth=2,
                                       opacity=1).encode(x=x_enc, y=y_mine),
            alt.Chart(mine).mark_text(align="left", dx=10, dy=-10, fontSize=12, fontWeight="bold",
                                      color=NHS_DARK_BLUE).encode(x=x_enc, y=y_mine, text=alt.Text(label, type="nominal"))))
    outside = data["funnel"].astype(str).str.startswith(("above 99.8", "below 99.8")).sum()
    finding = (f"{len(data):,} shown; {outside:,} lie outside the 99.8% limits, more or less than chance alone "
               "would give for their case mix.")
    return _finish(alt.layer(*layers), title, subtitle, width=width, height=height, finding=finding,
                   rows=_columns(data, label, "observed", "expected", "ratio", "funnel"),
                   figures=[(label, "Who", "text"), ("observed", "Observed", "number"),
                            ("expected", "Expected for the age mix", "number"), ("ratio", "Observed / expected", "number"),
                            ("funnel", "Against the limits", "text")])
