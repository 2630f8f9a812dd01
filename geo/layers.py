"""pydeck layers and map views: project points, parcels, H3 cells, fitted views, tooltips.

Offline by default: no basemap (``map_provider=None``); the district polygons are the base
(``geo.district_layers``, which also draws the choropleths; classes and legends are
``geo.map_classes``'). Tooltips are plain text (``TOOLTIP``), so no data value is ever rendered
as markup. pydeck turns every string argument into a JSON expression, so constant strings
(units, fonts, anchors) are passed quoted: ``"'pixels'"``. Layers carry stable ids so
``on_select`` selections survive reruns. The maps' JSON (compact, layers that stay the same
encoded once) is ``geo.map_json``'s concern.
"""

from __future__ import annotations

import json
import math
import urllib.parse

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from geo.map_classes import Legend, break_labels, class_breaks, classify, palette
from geo.map_json import Deck


# An empty MapLibre style as a data: URL: Streamlit replaces a missing map style with Carto's
# online one, which an offline machine cannot fetch; a style with only a background needs no
# network. (pydeck accepts dict styles only for Mapbox, hence the URL.)
OFFLINE_STYLE = "data:application/json," + urllib.parse.quote(json.dumps(
    {"version": 8, "sources": {}, "layers": [
        {"id": "background", "type": "background", "paint": {"background-color": "#f4f6f8"}}]}))
# Text tooltips (never markup); pre-line keeps the "\n" between lines.
TOOLTIP = {"text": "{tooltip}", "style": {"fontSize": "14px", "whiteSpace": "pre-line", "maxWidth": "360px"}}
CJK_FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


def fit_view(bounds, width_px: int = 900, height_px: int = 560) -> pdk.ViewState:
    """A view showing ``bounds`` (minx, miny, maxx, maxy) whole, in Web Mercator.

    deck.gl's world is 512 px wide at zoom 0 (not 256 as for raster tiles).
    """
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    lon_span = max(maxx - minx, 1e-4)
    merc = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
    lat_span = max(merc(maxy) - merc(miny), 1e-6) * 180 / math.pi
    zoom_x = math.log2(width_px * 360 / (512 * lon_span))
    zoom_y = math.log2(height_px * 360 / (512 * lat_span))
    zoom = round(min(zoom_x, zoom_y) - 0.15, 2)
    return pdk.ViewState(longitude=(minx + maxx) / 2, latitude=(miny + maxy) / 2, zoom=zoom, pitch=0, bearing=0)


MIN_SPAN_DEG = 0.12  # ~12 km: a view never narrower, so a lone project keeps its town and roads around


def padded_bounds(lon, lat, pad_deg: float = 0.02) -> tuple[float, float, float, float]:
    """Bounds of some points with a margin, at least ``MIN_SPAN_DEG`` across: a search that
    matched one project had zoomed to a 4 km street view with no district outline or name."""
    minx, miny, maxx, maxy = (float(min(lon)) - pad_deg, float(min(lat)) - pad_deg,
                              float(max(lon)) + pad_deg, float(max(lat)) + pad_deg)
    grow_x, grow_y = max(0.0, MIN_SPAN_DEG - (maxx - minx)) / 2, max(0.0, MIN_SPAN_DEG - (maxy - miny)) / 2
    return minx - grow_x, miny - grow_y, maxx + grow_x, maxy + grow_y


def _position(record: dict | None) -> tuple[float, float] | None:
    """lon/lat of a selected feature's record; None without one (e.g. an invalid outline)."""
    if record is None:
        return None
    try:
        lon, lat = float(record.get("lon")), float(record.get("lat"))
    except (TypeError, ValueError):
        return None
    return (lon, lat) if math.isfinite(lon) and math.isfinite(lat) else None


def selection_bounds(record: dict | None, picked_on_map: bool) -> tuple[float, float, float, float] | None:
    """The view round a selected feature (``record`` with lon/lat), with its town around
    (``MIN_SPAN_DEG``), when the map should move to it: opened from a shared link or picked in a
    table, it was somewhere in a city-wide view where a parcel is under a pixel. None when
    nothing is selected or it was clicked on the map: the user is looking at it already, and a
    new view would throw their zoom away."""
    at = _position(record)
    if at is None or picked_on_map:
        return None
    return padded_bounds([at[0]], [at[1]])


def selection_ring(record: dict | None, layer_id: str) -> list[pdk.Layer]:
    """A ring round a selected feature the map does not draw on its own (the view draws H3 cells,
    or the filters leave the feature out), so a shared link still shows where it is."""
    at = _position(record)
    if at is None:
        return []
    return [pdk.Layer("ScatterplotLayer", id=layer_id, data=[{"position": [round(at[0], 6), round(at[1], 6)]}],
                      get_position="position", get_radius=12, radius_units="'pixels'", filled=False, stroked=True,
                      get_line_color=[255, 200, 0], line_width_min_pixels=4, pickable=False)]


def _colon(label: str) -> str:
    """The colon after a label: full-width after Chinese, ": " after English."""
    return "：" if "\u4e00" <= label[:1] <= "\u9fff" else ": "


def tooltips(data: pd.DataFrame, name_column: str, rows: list[tuple[str, str]]) -> list[str]:
    """Tooltip text per row: the name, then "label：value" lines ("label: value" for a label in
    English, which had read "Voltage：500 kV": tester 16).

    Plain text, shown through the deck's ``{"text": ...}`` tooltip, which the browser renders as
    text: a name like ``<img onerror=…>`` stays literal, with no escaping to get right (an
    ``html`` tooltip would need it, and Streamlit 1.67 escapes template values there a second
    time, which showed our markup as text).
    """
    columns = [data[name_column].tolist()] + [data[column].tolist() for _, column in rows]
    # One format string for every row ("{}\n总投资：{}"…): a third of the time of joining each
    # row's lines (~6 ms for 3,000 projects on the map, measured). Braces in a label are literal.
    template = "{}" + "".join("\n" + label.replace("{", "{{").replace("}", "}}") + _colon(label) + "{}"
                              for label, _ in rows)
    return [template.format(*values) for values in zip(*columns)]


def records(data: pd.DataFrame) -> list[dict]:
    """A layer's rows as plain dicts for pydeck. Given a frame, pydeck calls ``to_dict``, which
    walks pandas' string arrays element by element: ~15 ms for the 2,000 substations (profiled);
    column lists zipped cost ~1 ms."""
    columns = list(data.columns)
    return [dict(zip(columns, values)) for values in zip(*(data[c].tolist() for c in columns))]


# --- project points ------------------------------------------------------------------------------

# Lifecycle colours: cool (not started) to warm (building) to green (done); colour-blind-safe
# enough to tell neighbours apart, and readable on a projector.
STAGE_COLOURS = {
    "谋划在谈": (158, 154, 200), "已签约": (107, 174, 214), "前期": (253, 174, 97),
    "在建": (215, 48, 39), "竣工": (102, 189, 99), "投产": (26, 152, 80),
}
# Circle area proportional to total investment: radius = k·√(亿元); 100 亿元 -> 2 km.
METRES_PER_SQRT_YI = 200.0


def stage_legend(lang: str, title: str) -> Legend:
    from geo.schema import enum_label

    return Legend(title, tuple((colour, enum_label(stage, lang)) for stage, colour in STAGE_COLOURS.items()))


def project_points_layers(points: pd.DataFrame, tooltip_rows: list[tuple[str, str]],
                          selected: str | None) -> list[pdk.Layer]:
    """Circles per project, one layer per stage (colour is a layer constant, not sent per point),
    largest first so small circles stay clickable on top; the selected project is outlined.

    ``points`` needs lon, lat, stage, total_investment_yi, project_id, name and the tooltip
    columns. Per point only id, position, radius and tooltip reach the browser (~250 bytes).
    """
    # Rows as dicts straight from column lists, sorted into their stage's layer in one pass: a
    # DataFrame with a mask and a copy per stage cost ~40 ms for the 3,000 projects of a district
    # under a stage filter at 100 k projects, this ~10 ms (measured).
    radii = (np.sqrt(points["total_investment_yi"].clip(lower=0).astype(float)) * METRES_PER_SQRT_YI).round(0)
    by_stage: dict[str, list[dict]] = {stage: [] for stage in STAGE_COLOURS}
    chosen = []
    for stage, project_id, x, y, radius, tooltip in zip(
            points["stage"].tolist(), points["project_id"].astype(str).tolist(), points["lon"].tolist(),
            points["lat"].tolist(), radii.tolist(), tooltips(points, "name", tooltip_rows)):
        row = {"project_id": project_id, "position": [round(x, 5), round(y, 5)], "radius": radius, "tooltip": tooltip}
        if stage in by_stage:
            by_stage[stage].append(row)
        if project_id == selected:
            chosen.append(row)
    out = []
    for index, (stage, colour) in enumerate(STAGE_COLOURS.items()):
        if by_stage[stage]:
            out.append(pdk.Layer(
                "ScatterplotLayer", id=f"projects-{index}", data=by_stage[stage],
                get_position="position", get_radius="radius", radius_units="'meters'", radius_min_pixels=2.5,
                radius_max_pixels=60, get_fill_color=list(colour) + [200], stroked=True,
                get_line_color=[40, 40, 40], line_width_min_pixels=0.5, pickable=True, auto_highlight=True,
                highlight_color=[255, 215, 0, 160]))
    if chosen:
        out.append(pdk.Layer(
            "ScatterplotLayer", id="selected-project", data=chosen, get_position="position",
            get_radius="radius", radius_units="'meters'", radius_min_pixels=6, filled=False, stroked=True,
            get_line_color=[255, 200, 0], line_width_min_pixels=4, pickable=False))
    return out


def cell_titles(cells: pd.DataFrame) -> pd.Series:
    """A hexagon's tooltip title: the caller's ``title`` column (words: "此六边形内"), else the
    cell's H3 id, which tells a reader nothing."""
    return cells["title"] if "title" in cells else cells["cell"]


def cells_layer(cells: pd.DataFrame, tooltip_rows: list[tuple[str, str]]) -> pdk.Layer:
    """H3 hexagons for aggregated views; colour by the cell's dominant stage, alpha by count."""
    top = max(int(cells["projects"].max()), 1) if len(cells) else 1
    data = pd.DataFrame({
        "cell": cells["cell"].astype(str),
        "polygon": list(cells["boundary"]),
        "fill": [list(STAGE_COLOURS.get(s, (120, 120, 120))) + [int(70 + 160 * min(n / top, 1) ** 0.5)]
                 for s, n in zip(cells["stage"].tolist(), cells["projects"].tolist())],
    })
    data["tooltip"] = tooltips(cells.assign(name=cell_titles(cells)), "name", tooltip_rows)
    return pdk.Layer(
        "PolygonLayer", id="cells", data=records(data), get_polygon="polygon", get_fill_color="fill",
        stroked=True, get_line_color=[255, 255, 255], line_width_min_pixels=0.5, pickable=True,
    )


def point_map(layers_: list[pdk.Layer], bounds, tooltip: bool = True) -> pdk.Deck:
    return Deck(layers=layers_, initial_view_state=fit_view(bounds), map_provider=None, map_style=OFFLINE_STYLE,
                    tooltip=TOOLTIP if tooltip else False)


# --- parcels -------------------------------------------------------------------------------------

PARCEL_COLOURS = {"在用": (150, 150, 150), "批而未供": (230, 97, 1), "闲置": (202, 0, 32),
                  "低效": (253, 184, 99), "已处置": (26, 150, 65)}


def parcel_legend(lang: str, title: str) -> Legend:
    from geo.schema import enum_label

    return Legend(title, tuple((colour, enum_label(status, lang)) for status, colour in PARCEL_COLOURS.items()))


def parcel_layers(parcels: gpd.GeoDataFrame, tooltip_rows: list[tuple[str, str]], selected: str | None,
                  pickable: bool = True) -> list[pdk.Layer]:
    """Parcel polygons coloured by status; only id, rings, colour and tooltip per parcel; when
    ``pickable``, their click targets under them (``parcel_targets_layer``).

    A PolygonLayer with rings as data (lighter than GeoJSON features). Multi-part parcels become
    one row per part, all with the parcel's id. ``pickable=False`` for views with thousands of
    parcels: picking them all on a click can exceed deck.gl's 250 ms click threshold.
    """
    tips = tooltips(parcels, "parcel_id", tooltip_rows)
    polygons = _parcel_polygons(parcels, tips, selected, pickable)
    return [parcel_targets_layer(parcels, tips), polygons] if pickable else [polygons]


def _parcel_polygons(parcels: gpd.GeoDataFrame, tips: list[str], selected: str | None, pickable: bool) -> pdk.Layer:
    ids, statuses = parcels["parcel_id"].tolist(), parcels["status"].tolist()
    rows = []
    # Parts, rings and coordinates taken out by shapely for all parcels at once and rounded by
    # numpy, then cut into per-ring lists: a Python loop over every vertex cost ~90 ms for the
    # demo's 1,831 parcels (9,155 vertices), this ~15 (measured).
    parts, parcel_of_part = shapely.get_parts(np.asarray(parcels.geometry.values), return_index=True)
    rings, part_of_ring = shapely.get_rings(parts, return_index=True)
    coords = np.round(shapely.get_coordinates(rings), 6).tolist()
    ring_ends = np.cumsum(shapely.get_num_coordinates(rings)).tolist()
    ring_lists = [coords[start:end] for start, end in zip([0, *ring_ends[:-1]], ring_ends)]
    part_ends = np.cumsum(np.bincount(part_of_ring, minlength=len(parts))).tolist()
    for part, (start, end) in enumerate(zip([0, *part_ends[:-1]], part_ends)):
        i = int(parcel_of_part[part])
        pid, colour = ids[i], PARCEL_COLOURS.get(statuses[i], (120, 120, 120))
        # Outlined in a darker shade of the status colour, 1.5 px whatever the zoom: at city zoom
        # a parcel is smaller than a pixel, and a dark outline made every one a grey speck.
        rows.append({"parcel_id": pid, "tooltip": tips[i], "polygon": ring_lists[start:end],
                     "fill": list(colour) + [190],
                     "line": [255, 200, 0] if pid == selected else [int(c * 0.75) for c in colour],
                     "line_px": 3 if pid == selected else 1.5})
    return pdk.Layer(
        "PolygonLayer", id="parcels", data=rows, get_polygon="polygon", get_fill_color="fill",
        get_line_color="line", get_line_width="line_px", line_width_units="'pixels'", stroked=True, filled=True,
        pickable=pickable, auto_highlight=pickable, highlight_color=[255, 215, 0, 160],
    )


# A parcel's click target is never smaller than this radius: at a district's zoom a 100-亩 parcel
# is 2 × 3 px on screen, and clicking one took several tries (tester 15).
PARCEL_TARGET_PX = 5


def parcel_targets_layer(parcels: gpd.GeoDataFrame, tips: list[str]) -> pdk.Layer:
    """An invisible dot at each parcel's inner point, ``PARCEL_TARGET_PX`` in radius whatever the
    zoom, under the outlines: it widens a small parcel's click target (its id starts with
    "parcels", so a click on it selects the parcel) and names the parcel on hover. deck.gl picks
    a transparent object as any other; once the parcel is bigger than the dot, the outline drawn
    above it takes the click."""
    inner = shapely.point_on_surface(np.asarray(parcels.geometry.values))
    # The tooltip's first line only (the id): the whole tooltips again added 1.3 MB to a 5,000-parcel
    # view (review); the outline above shows the rest once the parcel is big enough to point at.
    data = pd.DataFrame({"parcel_id": parcels["parcel_id"].to_numpy(), "tooltip": [tip.split("\n", 1)[0] for tip in tips],
                         "position": np.round(shapely.get_coordinates(inner), 6).tolist()})
    return pdk.Layer("ScatterplotLayer", id="parcels-targets", data=records(data), get_position="position",
                     get_radius=1, radius_units="'meters'", radius_min_pixels=PARCEL_TARGET_PX,
                     get_fill_color=[0, 0, 0, 0], stroked=False, pickable=True)


def idle_cells_layer(cells: pd.DataFrame, tooltip_rows: list[tuple[str, str]], lang: str,
                     title: str) -> tuple[pdk.Layer, Legend]:
    """H3 hexagons of remaining idle area (亩), quantile classes on the reds palette."""
    breaks = class_breaks(cells["idle_mu"].where(cells["idle_mu"] > 0))
    colours = palette(len(breaks))
    classes = classify(cells["idle_mu"].where(cells["idle_mu"] > 0), breaks)
    data = pd.DataFrame({
        "cell": cells["cell"].astype(str),
        "polygon": list(cells["boundary"]),
        "fill": [list(colours[c]) + [200] if c is not None else [200, 200, 200, 90] for c in classes],
    })
    data["tooltip"] = tooltips(cells.assign(name=cell_titles(cells)), "name", tooltip_rows)
    layer = pdk.Layer("PolygonLayer", id="cells", data=records(data), get_polygon="polygon", get_fill_color="fill",
                      stroked=True, get_line_color=[255, 255, 255], line_width_min_pixels=0.5, pickable=True)
    idle = cells["idle_mu"].where(cells["idle_mu"] > 0).dropna()
    labels = break_labels(breaks, idle, "亩", 0, lang) if breaks else []
    return layer, Legend(title, tuple(zip(colours, labels)))
