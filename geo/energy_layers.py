"""pydeck layers and legends of the energy map: substations, plants, transformer areas and the
projects whose power supply is at risk.

Same rules as ``geo.layers``: plain-text tooltips, constant strings quoted for pydeck, stable
layer ids (a click on a layer whose id starts with "stations" selects a substation).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import pandas as pd
import pydeck as pdk

from geo import schema
from geo.energy import PASS_RATE_CLASSES, abnormal_areas, pass_rate_class, plants, stations
from geo.power_supply import MAX_RISK_SHOWN, with_pending
from geo.energy_view import abnormal_tooltips, plant_tooltips, risk_tooltips, station_tooltips
from geo.filters import Filters
from geo.i18n import fmt_number
from geo.layers import cell_titles, records, tooltips
from geo.map_json import Encoded, dumps
from geo.query import Scope
from geo.store import Snapshot

# Load-rate bands: green / amber / red; no band (not in service, or no data): grey.
BAND_COLOURS = {"负载率<60%": (26, 152, 80), "负载率60-80%": (245, 166, 35), "负载率>80%": (215, 25, 28)}
NO_BAND_COLOUR = (150, 150, 150)
# Symbol radius (pixels) by voltage: the grid's hierarchy at a glance.
VOLTAGE_RADIUS_PX = {500: 12, 220: 9, 110: 6, 35: 4}
# Status: in service filled; under construction half-transparent with a dark rim; planned only a rim.
STATUS_FILL_ALPHA = {"在运": 230, "在建": 110, "规划": 0}
PLANT_COLOURS = {"风电": (31, 120, 180), "集中式光伏": (255, 127, 0), "分布式光伏": (253, 191, 111),
                 "抽水蓄能": (106, 61, 154), "火电": (90, 90, 90), "水电": (166, 206, 227), "储能": (51, 160, 44)}
# Plant circle area proportional to capacity: radius = k·√MW; 1,000 MW -> 1.9 km.
METRES_PER_SQRT_MW = 60.0
PASS_RATE_COLOURS = ((215, 25, 28), (253, 174, 97), (166, 217, 106), (26, 150, 65))  # worst to best
STATE_COLOURS = {"待治理": (215, 25, 28), "治理中": (245, 166, 35), "待验证": (44, 123, 182)}
RISK_COLOUR = (200, 0, 120)


def _position(lon, lat) -> list[list[float]]:
    return [[round(float(x), 5), round(float(y), 5)] for x, y in zip(pd.Series(lon).tolist(), pd.Series(lat).tolist())]


def _by_id(ids, data: pd.DataFrame) -> Mapping[str, str]:
    """id -> the row of ``data`` encoded as JSON, read-only (a mapping proxy: the data cache hands
    it out as it is). A view's layer joins its rows' pieces (``_joined``) instead of building and
    encoding them on every filter change (the station symbols: ~30 ms; profiled)."""
    return MappingProxyType({str(i): dumps(row) for i, row in zip(ids, records(data))})


def _joined(ids, pieces: Mapping[str, str]) -> Encoded:
    return Encoded("[" + ",".join(pieces[i] for i in ids if i in pieces) + "]")


def station_symbols(snapshot: Snapshot, scope: Scope, filters: Filters, lang: str,
                    supply: pd.DataFrame | None = None) -> Mapping[str, str]:
    """station_id -> its symbol (position, size, colours, tooltip) encoded as JSON, for every
    substation of ``filters``; with ``supply`` (``power_supply.project_supply``) the tooltip
    gives the load waiting on it. Pages take it once per snapshot and language (unfiltered) and
    join the filtered stations' pieces (``station_layers``)."""
    rows = stations(snapshot, scope, filters)
    rows = station_tooltips(rows if supply is None else with_pending(rows, supply), lang)
    bands, statuses = rows["load_band"].tolist(), rows["status"].tolist()
    data = pd.DataFrame({
        "station_id": rows["station_id"].astype(str),
        "position": _position(rows["lon"], rows["lat"]),
        "radius": [VOLTAGE_RADIUS_PX.get(int(v), 4) for v in rows["voltage_kv"].tolist()],
        "fill": [list(BAND_COLOURS.get(b, NO_BAND_COLOUR)) + [STATUS_FILL_ALPHA.get(s, 230)]
                 for b, s in zip(bands, statuses)],
        "line": [[30, 30, 30] if s == "在运" else list(BAND_COLOURS.get(b, NO_BAND_COLOUR))
                 for b, s in zip(bands, statuses)],
        "line_px": [1 if s == "在运" else 2.5 for s in statuses],
        "tooltip": tooltips(rows, "name", rows.attrs["tooltip"]),
    })
    return _by_id(data["station_id"].tolist(), data)


def station_layers(station_ids: list[str], symbols: Mapping[str, str], selected: str | None) -> list[pdk.Layer]:
    """Substation symbols (size = voltage, colour = load band, fill = status) of ``station_ids``
    in that order (biggest voltage first, so small symbols are drawn on top), from
    ``station_symbols``, and a ring round the selected one."""
    out = [pdk.Layer(
        "ScatterplotLayer", id="stations", data=_joined(station_ids, symbols), get_position="position",
        get_radius="radius", radius_units="'pixels'", get_fill_color="fill", get_line_color="line",
        get_line_width="line_px", line_width_units="'pixels'", stroked=True, pickable=True, auto_highlight=True,
        highlight_color=[255, 215, 0, 200])]
    if selected in station_ids and selected in symbols:
        out.append(pdk.Layer(
            "ScatterplotLayer", id="selected-station", data=Encoded("[" + symbols[selected] + "]"),
            get_position="position", get_radius="radius + 6", radius_units="'pixels'", filled=False, stroked=True,
            get_line_color=[255, 200, 0], line_width_min_pixels=4, pickable=False))
    return out


def plant_symbols(snapshot: Snapshot, scope: Scope, filters: Filters, lang: str) -> Mapping[str, str]:
    """plant_id -> its circle (position, size = capacity, colour = kind, fill = status, tooltip)
    encoded as JSON, for every plant of ``filters`` (pages: unfiltered, once per language)."""
    rows = plant_tooltips(plants(snapshot, scope, filters), lang)
    data = pd.DataFrame({
        "position": _position(rows["lon"], rows["lat"]),
        "radius": (np.sqrt(rows["capacity_mw"].fillna(0).clip(lower=0).astype(float)) * METRES_PER_SQRT_MW).round(0),
        "fill": [list(PLANT_COLOURS.get(k, (120, 120, 120))) + [STATUS_FILL_ALPHA.get(s, 230) or 40]
                 for k, s in zip(rows["kind"].tolist(), rows["status"].tolist())],
        "tooltip": tooltips(rows, "name", rows.attrs["tooltip"]),
    })
    return _by_id(rows["plant_id"].tolist(), data)


def plants_layer(plant_ids: list[str], symbols: Mapping[str, str]) -> pdk.Layer:
    """The plants ``plant_ids`` (in that order: largest first) from ``plant_symbols``."""
    return pdk.Layer(
        "ScatterplotLayer", id="plants", data=_joined(plant_ids, symbols), get_position="position",
        get_radius="radius", radius_units="'meters'", radius_min_pixels=3, radius_max_pixels=40, get_fill_color="fill",
        stroked=True, get_line_color=[60, 60, 60], line_width_min_pixels=0.5, pickable=True)


def ta_cells_layer(cells: pd.DataFrame, tooltip_rows: list[tuple[str, str]]) -> pdk.Layer:
    """H3 cells of transformer areas coloured by their mean voltage pass rate class."""
    data = pd.DataFrame({
        "polygon": list(cells["boundary"]),
        "fill": [list(PASS_RATE_COLOURS[c]) + [120] if c is not None else [200, 200, 200, 80]
                 for c in (pass_rate_class(r) for r in cells["pass_rate_pct"].tolist())],
    })
    data["tooltip"] = tooltips(cells.assign(name=cell_titles(cells)), "name", tooltip_rows)
    return pdk.Layer("PolygonLayer", id="ta-cells", data=records(data), get_polygon="polygon", get_fill_color="fill",
                     stroked=True, get_line_color=[255, 255, 255], line_width_min_pixels=0.5, pickable=True)


def abnormal_symbols(snapshot: Snapshot, scope: Scope, filters: Filters, lang: str) -> Mapping[str, str]:
    """area_id -> its dot (position, colour = governance state, tooltip) encoded as JSON, for
    every abnormal transformer area of ``filters`` (pages: unfiltered, once per language)."""
    rows = abnormal_tooltips(abnormal_areas(snapshot, scope, filters), lang)
    data = pd.DataFrame({
        "position": _position(rows["lon"], rows["lat"]),
        "fill": [list(STATE_COLOURS.get(s, (120, 120, 120))) + [230] for s in rows["state"].tolist()],
        "tooltip": tooltips(rows, "area_id", rows.attrs["tooltip"]),
    })
    return _by_id(rows["area_id"].tolist(), data)


def abnormal_layer(area_ids: list[str], symbols: Mapping[str, str]) -> pdk.Layer:
    return pdk.Layer("ScatterplotLayer", id="ta-abnormal", data=_joined(area_ids, symbols), get_position="position",
                     get_radius=3, radius_units="'pixels'", get_fill_color="fill", stroked=True,
                     get_line_color=[255, 255, 255], line_width_min_pixels=0.5, pickable=True)


class RiskPieces(NamedTuple):
    """Per project at risk, in ``power_supply.SupplyByDistrict.risk``'s order: its ring and its line
    to the supply substation (None without one), each encoded as JSON. A named tuple of tuples of
    strings: the data cache hands it out as it is (``page_cache._detached`` leaves named tuples
    alone), where checking its 2 × 51 k strings one by one cost ~5 ms a rerun at 1 M parcels."""

    rings: tuple[str, ...]
    lines: tuple[str | None, ...]


def risk_pieces(risk: pd.DataFrame, lang: str) -> RiskPieces:
    """Each project at risk (``power_supply.SupplyByDistrict.risk``, the whole store's) as its ring and
    its line to the supply substation (None without one), encoded as JSON once per distance and
    language; a view joins its rows' pieces (``risk_layers``). Building them per district change
    cost ~7 ms at 1 M parcels (tooltips, frames, encoding; profiled)."""
    risk = risk_tooltips(risk, lang)
    tips = tooltips(risk, "name", risk.attrs["tooltip"])
    rings = tuple(dumps({"position": p, "tooltip": tip}) for p, tip in zip(_position(risk["lon"], risk["lat"]), tips))
    ends = _position(risk["station_lon"].fillna(0.0), risk["station_lat"].fillna(0.0))
    lines = tuple(dumps({"source": p, "target": e}) if isinstance(s, str) else None
                  for p, e, s in zip(_position(risk["lon"], risk["lat"]), ends, risk["station_id"].tolist()))
    return RiskPieces(rings, lines)


def risk_layers(pieces: RiskPieces, rows) -> list[pdk.Layer]:
    """The projects at risk in ``rows`` (positions in ``risk_pieces``' frame, at most
    MAX_RISK_SHOWN of them) as magenta rings, each with a line to its supply substation."""
    rings, lines = pieces
    rows = list(rows)[:MAX_RISK_SHOWN]
    if not rows:
        return []
    ring_json = "[" + ",".join(rings[i] for i in rows) + "]"
    line_json = "[" + ",".join(lines[i] for i in rows if lines[i] is not None) + "]"
    return [
        pdk.Layer("LineLayer", id="risk-lines", data=Encoded(line_json), get_source_position="source",
                  get_target_position="target", get_color=list(RISK_COLOUR) + [200], get_width=2,
                  width_units="'pixels'", pickable=False),
        pdk.Layer("ScatterplotLayer", id="risk-projects", data=Encoded(ring_json), get_position="position",
                  get_radius=7, radius_units="'pixels'", filled=True, get_fill_color=list(RISK_COLOUR) + [70],
                  stroked=True, get_line_color=list(RISK_COLOUR), line_width_min_pixels=2.5, pickable=True),
    ]


# --- legends (entries for geo.charts.symbol_legend: label, fill hex or None, stroke hex, size px) ---


def _hex(colour) -> str:
    return "#%02x%02x%02x" % tuple(colour[:3])


def station_legend(labels: dict[str, str]) -> list[tuple[str, list]]:
    """Three groups: colour = load band, size = voltage, fill = status. ``labels`` translates
    band / status values and has "no_band", "band", "voltage" and "status" (group titles)."""
    grey = _hex(NO_BAND_COLOUR)
    bands = [(labels[b], _hex(c), "#1e1e1e", 7) for b, c in BAND_COLOURS.items()]
    bands.append((labels["no_band"], grey, "#1e1e1e", 7))
    sizes = [(f"{kv} kV", grey, "#1e1e1e", r) for kv, r in VOLTAGE_RADIUS_PX.items()]
    status = [(labels[s], None if STATUS_FILL_ALPHA[s] == 0 else (grey if s == "在运" else "#d0d0d0"), "#1e1e1e", 7)
              for s in schema.ASSET_STATUSES]
    return [(labels["band"], bands), (labels["voltage"], sizes), (labels["status"], status)]


def plant_legend(labels: dict[str, str]) -> list[tuple[str, str | None, str, float]]:
    return [(labels[k], _hex(c), "#3c3c3c", 8) for k, c in PLANT_COLOURS.items()]


def ta_legend(labels: dict[str, str], lang: str) -> list[tuple[str, str | None, str, float]]:
    """Pass-rate classes of the cells (squares drawn as big dots) and the abnormal states."""
    bounds = list(PASS_RATE_CLASSES[1:]) + [None]
    rows = []
    for i, (low, high) in enumerate(zip(PASS_RATE_CLASSES, bounds)):
        text = (f"< {fmt_number(high, '%', 1, lang)}" if i == 0 else
                f"≥ {fmt_number(low, '%', 1, lang)}" if high is None else
                f"{fmt_number(low, '', 1, lang)}–{fmt_number(high, '%', 1, lang)}")
        rows.append((text, _hex(PASS_RATE_COLOURS[i]), "#ffffff", 10))
    rows += [(labels[s], _hex(c), "#ffffff", 5) for s, c in STATE_COLOURS.items()]
    return rows


def risk_legend(label: str) -> list[tuple[str, str | None, str, float]]:
    return [(label, "#f0c4e0", _hex(RISK_COLOUR), 8)]
