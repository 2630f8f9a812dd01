"""Vega-Lite chart specs for the pages: clickable bars (a click filters), plan-vs-actual lines,
and map legends.

Specs are plain dicts drawn with ``st.vega_lite_chart``: building them costs microseconds, where
the same charts through Altair cost ~20 ms each to build and validate on every rerun (measured;
see README "Performance"). Charts receive frames whose labels are already translated and whose
values already carry their formatted text, so tooltips show units. A clickable chart declares
one point selection named ``pick`` on its key field; pages turn a pick into a filter with
``geo.ui.on_chart_pick``.
"""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa

PICK = "pick"
FONT = "Noto Sans CJK SC, Source Sans, sans-serif"
_CONFIG = {"axis": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 13},
           "legend": {"labelFont": FONT, "labelFontSize": 13}, "view": {"stroke": None}}
# Presentation mode (``geo.present``): read on a projector from the back of a room.
_PROJECTOR = {"axis": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 20, "titleFontSize": 20,
                       "labelColor": "#111111", "titleColor": "#111111"},
              "legend": {"labelFont": FONT, "labelFontSize": 20, "labelColor": "#111111"}, "view": {"stroke": None}}
BAR_STEP, PROJECTOR_BAR_STEP = 28, 40  # px per bar


def _table(df: pd.DataFrame, columns: list[str]) -> pa.Table:
    """The chart's data as an Arrow table (missing values -> null).

    Streamlit sends chart data as Arrow: a table built from plain lists costs ~0.1 ms, where
    records (or a frame) cost ~4 ms per chart to convert on every rerun (measured)."""
    return pa.table({c: pa.array(df[c].tolist(), from_pandas=True) for c in columns})


TIP = "_tip"  # the tooltip's one text: its parts joined, each already with its unit


def _table_with_tip(df: pd.DataFrame, columns: list[str], tip_fields: list[str]) -> pa.Table:
    """``_table`` of ``columns`` plus the tooltip's text: the ``tip_fields`` joined into one line
    ("开工（实际） · 7月 · 49 个"). A tooltip of several fields shows each under its field name
    (series, month_label, value_text …: the code's names, in either language); one field shows
    its text alone. Plain lists: pandas string ops cost ~1.4 ms a chart (measured)."""
    parts = zip(*(df[c].tolist() for c in tip_fields))
    tips = [" · ".join(v if isinstance(v, str) else "—" if pd.isna(v) else str(v) for v in row) for row in parts]
    return _table(df, columns).append_column(TIP, pa.array(tips, type=pa.string()))


def bar_chart(df: pd.DataFrame, *, key: str, label: str, value: str, value_title: str, tooltip: list[str],
              colour: str = "#C8102E", colours: list[str] | None = None, height: int | None = None,
              selected: tuple[str, ...] = (), parts: dict[str, str] | None = None) -> dict:
    """Horizontal bars in the frame's row order; clicking a bar selects its ``key`` value, a
    shift-click adds it to the selection or takes it out (Vega-Lite's toggle).

    ``selected`` values are drawn opaque and the others faded, so the chart shows the active
    filter even before anyone clicks; they are the selection a shift-click adds to. With
    ``parts`` (column -> colour, columns named as the legend under the chart says) each bar is
    those columns stacked, in that order: a plant kind's capacity in service, then building,
    then planned, where a single bar of the total read as capacity in service.
    """
    order = list(df[label])
    colour_enc = ({"field": label, "type": "nominal", "scale": {"domain": order, "range": colours}, "legend": None}
                  if colours else {"value": colour})
    stacked = {}
    if parts:
        names = list(parts)
        colour_enc = {"field": "_part", "type": "nominal", "title": None,
                      "scale": {"domain": names, "range": list(parts.values())},
                      "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 300}}
        stacked = {"transform": [{"fold": names, "as": ["_part", "_part_value"]},
                                 {"calculate": f"indexof({json.dumps(names, ensure_ascii=False)}, datum._part)",
                                  "as": "_part_order"}]}
        value = "_part_value"
    opacity = ({"condition": {"test": {"field": key, "oneOf": list(selected)}, "value": 1.0}, "value": 0.35}
               if selected else {"value": 0.9})
    pick = {"name": PICK, "select": {"type": "point", "fields": [key], "on": "click", "clear": "dblclick"}}
    if selected:  # the filter's values start selected: a shift-click adds a bar to them (or takes it out)
        pick["value"] = [{key: v} for v in selected]
    columns = [key, label, *parts] if parts else [key, label, value]
    return {
        "data": {"values": _table_with_tip(df, list(dict.fromkeys(columns)), tooltip)},
        **stacked,
        # a step height: one 28-px band per bar, whatever the container does with the chart
        "height": {"step": BAR_STEP} if height is None else height,
        "params": [pick],
        "mark": {"type": "bar", "cornerRadiusEnd": 2, "cursor": "pointer"},
        "encoding": {
            "y": {"field": label, "type": "nominal", "sort": order, "title": None,
                  "axis": {"labelLimit": 220, "labelOverlap": False}},
            "x": {"field": value, "type": "quantitative", "title": value_title,
                  # about 8 ticks however wide: a full-width chart of counts had one per unit (0..45)
                  "axis": {"format": ",~f", "tickMinStep": 1, "tickCount": 8}},
            "color": colour_enc, "opacity": opacity,
            "tooltip": {"field": TIP, "type": "nominal"},
            **({"order": {"field": "_part_order", "type": "quantitative"}} if parts else {}),
        },
        "config": _CONFIG,
    }


# A line chart's whole height: Streamlit fits legend, axes and plot into it. At the projector's
# 20-px type the legend and axes take ~210 px, and at 300 px the plot was ~40 px high (two y ticks).
LINE_HEIGHT, PROJECTOR_LINE_HEIGHT = 340, 560
SERIES_COLOURS = ["#C8102E", "#f4a582", "#2166ac", "#92c5de", "#1a9850", "#fdae61"]


def plan_vs_actual_chart(df: pd.DataFrame, *, x: str, x_title: str, series: str, value: str, kind: str,
                         value_title: str, tooltip: list[str], x_order: list[str],
                         colours: list[str] | None = None) -> dict:
    """Cumulative lines per series; planned series dashed (``kind`` column: "plan"/"actual").

    Colours follow the series' order of appearance, not their sorted labels, so a series keeps
    its colour when the UI language changes."""
    order = list(dict.fromkeys(df[series]))
    return {
        "data": {"values": _table_with_tip(df, list(dict.fromkeys([x, series, value, kind])), tooltip)},
        "height": LINE_HEIGHT,
        "mark": {"type": "line", "point": True, "strokeWidth": 2.5},
        "encoding": {
            "x": {"field": x, "type": "ordinal", "title": x_title, "sort": x_order, "axis": {"labelAngle": 0}},
            # ",~f": no trailing zeros (an all-zero series had its axis read 0.000000)
            "y": {"field": value, "type": "quantitative", "title": value_title, "axis": {"format": ",~f"}},
            "color": {"field": series, "type": "nominal", "title": None,
                      "scale": {"domain": order, "range": (colours or SERIES_COLOURS)[:len(order)]},
                      "legend": {"orient": "top", "columns": 2, "labelLimit": 200}},
            "strokeDash": {"field": kind, "type": "nominal", "legend": None,
                           "scale": {"domain": ["actual", "plan"], "range": [[1, 0], [6, 4]]}},
            "tooltip": {"field": TIP, "type": "nominal"},
        },
        "config": _CONFIG,
    }


def symbol_legend(groups: list[tuple[str, list[tuple[str, str | None, str, float]]]]) -> dict:
    """Map legends of circles, one group per layer, in one chart (one height to get right).

    Each group is (title, entries); an entry is (label, fill colour or None for a hollow ring,
    stroke colour, radius in pixels), so sizes and status fills read as they do on the map."""
    rows = []
    for title, entries in groups:
        rows.append({"kind": "head", "label": title, "fill": None, "stroke": None, "size": 0})
        rows += [{"kind": "item", "label": label, "fill": fill or "transparent", "stroke": stroke,
                  "size": round(3.3 * radius * radius, 1)} for label, fill, stroke, radius in entries]
    for i, row in enumerate(rows):
        row["order"] = i
    y = {"field": "order", "type": "ordinal", "axis": None, "sort": "ascending"}
    items = {"filter": "datum.kind === 'item'"}
    return {
        "data": {"values": pa.Table.from_pylist(rows)},
        "height": {"step": 24}, "width": 230,
        "layer": [
            {"transform": [items], "mark": {"type": "point", "filled": False, "strokeWidth": 1.5, "opacity": 1},
             "encoding": {"y": y, "x": {"value": 12}, "size": {"field": "size", "type": "quantitative", "scale": None},
                          "fill": {"field": "fill", "type": "nominal", "scale": None},
                          "stroke": {"field": "stroke", "type": "nominal", "scale": None}}},
            {"transform": [items], "mark": {"type": "text", "align": "left", "dx": 26, "fontSize": 14, "font": FONT},
             "encoding": {"y": y, "x": {"value": 12}, "text": {"field": "label", "type": "nominal"}}},
            {"transform": [{"filter": "datum.kind === 'head'"}],
             "mark": {"type": "text", "align": "left", "fontSize": 14, "fontWeight": "bold", "font": FONT, "dy": 4},
             "encoding": {"y": y, "x": {"value": 0}, "text": {"field": "label", "type": "nominal"}}},
        ],
        # A legend explains itself: Streamlit's theme turns every mark's tooltip on, which showed
        # the legend's own data (order 4, label …) under the code's field names.
        "config": {**_CONFIG, "mark": {"tooltip": None}},
    }


def for_projector(spec: dict) -> dict:
    """The same chart for presentation mode: 20 px near-black axis and legend type (13 px grey
    otherwise), bars 40 px high and line charts taller, so labels stay apart at the larger size
    and the plot keeps its room. Map legends keep
    their size (the map beside them does not grow)."""
    if spec.get("config") is not _CONFIG or "layer" in spec:
        return spec
    out = {**spec, "config": _PROJECTOR}
    if out.get("height") == {"step": BAR_STEP}:
        out["height"] = {"step": PROJECTOR_BAR_STEP}
    elif out.get("height") == LINE_HEIGHT:
        out["height"] = PROJECTOR_LINE_HEIGHT
    y = out.get("encoding", {}).get("y", {})
    if "labelLimit" in y.get("axis", {}):  # the same labels at 20 px instead of 13 need the room
        axis = {**y["axis"], "labelLimit": round(y["axis"]["labelLimit"] * 20 / 13)}
        out["encoding"] = {**out["encoding"], "y": {**y, "axis": axis}}
    return out
