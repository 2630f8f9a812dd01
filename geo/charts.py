"""Altair charts for the pages: clickable bars (a click filters) and plan-vs-actual lines.

Charts receive frames whose labels are already translated and whose values already carry
their formatted text, so a chart never formats numbers itself and the tooltips show units.
A clickable chart declares one point selection named ``pick`` on its key field; pages turn a
pick into a filter with ``geo.ui.on_chart_pick``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

PICK = "pick"
FONT = "Noto Sans CJK SC, Source Sans, sans-serif"


def bar_chart(df: pd.DataFrame, *, key: str, label: str, value: str, value_title: str, tooltip: list[str],
              colour: str = "#C8102E", colours: list[str] | None = None, height: int | None = None,
              selected: tuple[str, ...] = ()) -> alt.Chart:
    """Horizontal bars in the frame's row order; clicking a bar selects its ``key`` value.

    ``selected`` values are drawn fully opaque and the others faded, so the chart shows the
    active filter even before anyone clicks.
    """
    pick = alt.selection_point(name=PICK, fields=[key], on="click", clear="dblclick")
    order = list(df[label])
    colour_enc = alt.Color(f"{label}:N", scale=alt.Scale(domain=order, range=colours), legend=None) \
        if colours else alt.value(colour)
    faded = alt.condition(alt.FieldOneOfPredicate(field=key, oneOf=list(selected)), alt.value(1.0), alt.value(0.35)) \
        if selected else alt.value(0.9)
    chart = alt.Chart(df).mark_bar(cornerRadiusEnd=2).encode(
        y=alt.Y(f"{label}:N", sort=order, title=None,
                axis=alt.Axis(labelLimit=220, labelFontSize=13, labelOverlap=False)),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=",~f", labelFontSize=12)),
        color=colour_enc, opacity=faded,
        tooltip=[alt.Tooltip(f"{c}:N") for c in tooltip],
    ).add_params(pick)
    return chart.properties(height=height or max(30 * len(df), 90)).configure_axis(labelFont=FONT, titleFont=FONT)


def plan_vs_actual_chart(df: pd.DataFrame, *, x: str, x_title: str, series: str, value: str, kind: str,
                         value_title: str, tooltip: list[str], x_order: list[str]) -> alt.Chart:
    """Cumulative lines per series; planned series dashed (``kind`` column: "plan"/"actual")."""
    return alt.Chart(df).mark_line(point=True, strokeWidth=2.5).encode(
        x=alt.X(f"{x}:O", title=x_title, sort=x_order, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{value}:Q", title=value_title),
        color=alt.Color(f"{series}:N", title=None, legend=alt.Legend(orient="top", labelFontSize=13, columns=2,
                                                                     labelLimit=200)),
        strokeDash=alt.StrokeDash(f"{kind}:N", legend=None, scale=alt.Scale(domain=["actual", "plan"],
                                                                           range=[[1, 0], [6, 4]])),
        tooltip=[alt.Tooltip(f"{c}:N") for c in tooltip],
    ).properties(height=260).configure_axis(labelFont=FONT, titleFont=FONT).configure_legend(labelFont=FONT)
