"""pydeck layers and map views: district choropleths with names, legends, fitted views.

Offline by default: no basemap (``map_provider=None``); the district polygons are the base.
Tooltips are plain text (``TOOLTIP``), so no data value is ever rendered as markup. pydeck turns every string argument into a JSON expression, so constant
strings (units, fonts, anchors) are passed quoted: ``"'pixels'"``. Layers carry stable ids so ``on_select`` selections survive reruns.
The maps' JSON (compact, layers that stay the same encoded once) is ``geo.map_json``'s concern.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from geo.boundaries import load_districts
from geo.i18n import fmt_number
from geo.map_json import Deck, Encoded, cached_layers, dumps, frozen


# Sequential reds (ColorBrewer "Reds", 5 classes): reads on a projector and in greyscale print.
CLASS_COLOURS = ((254, 229, 217), (252, 174, 145), (251, 106, 74), (222, 45, 38), (165, 15, 21))
NO_DATA_COLOUR = (220, 220, 220)
OUTLINE = (80, 80, 80)
# The four central districts are small: at whole-city zoom their names would collide, so two of
# them are nudged apart on screen (pixels, so the nudge shrinks relative to the map as you zoom in).
LABEL_PIXEL_OFFSETS = {"430204": [-26, -10], "430202": [28, 4]}
# An empty MapLibre style as a data: URL: Streamlit replaces a missing map style with Carto's
# online one, which an offline machine cannot fetch; a style with only a background needs no
# network. (pydeck accepts dict styles only for Mapbox, hence the URL.)
OFFLINE_STYLE = "data:application/json," + urllib.parse.quote(json.dumps(
    {"version": 8, "sources": {}, "layers": [
        {"id": "background", "type": "background", "paint": {"background-color": "#f4f6f8"}}]}))
# Text tooltips (never markup); pre-line keeps the "\n" between lines.
TOOLTIP = {"text": "{tooltip}", "style": {"fontSize": "14px", "whiteSpace": "pre-line", "maxWidth": "360px"}}
CJK_FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


@dataclass(frozen=True)
class Legend:
    title: str
    entries: tuple[tuple[tuple[int, int, int], str], ...]  # (colour, label) per class


def class_breaks(values: pd.Series, classes: int = 5) -> list[float]:
    """Upper bounds of quantile classes, de-duplicated (few distinct values -> fewer classes)."""
    clean = values.dropna().astype(float)
    if clean.empty:
        return []
    classes = min(classes, clean.nunique())
    qs = np.quantile(clean, np.linspace(0, 1, classes + 1)[1:])
    return sorted(set(float(q) for q in qs))


def classify(values: pd.Series, breaks: list[float]) -> list[int | None]:
    out = []
    for v in values:
        if v is None or pd.isna(v):
            out.append(None)
        else:
            out.append(next(i for i, b in enumerate(breaks) if v <= b + 1e-9) if breaks else 0)
    return out


def district_choropleth(
    districts: gpd.GeoDataFrame, value_column: str, *, name_column: str, unit: str, decimals: int,
    legend_title: str, lang: str, tooltip_rows: list[tuple[str, str]], selected: tuple[str, ...] = (),
    label_column: str | None = None, view_px: tuple[int, int] = (900, 560),
) -> tuple[pdk.Deck, Legend]:
    """A filled district map with names and a legend.

    ``tooltip_rows`` are (label, column) pairs shown on hover, already formatted as text in the
    frame; ``selected`` districts get a thick outline; ``view_px`` is the map's size on screen,
    for the initial zoom.
    """
    values = districts[value_column]
    breaks = class_breaks(values)
    palette = _palette(len(breaks))
    fills = [list(palette[c]) + [215] if c is not None else list(NO_DATA_COLOUR) + [160]
             for c in classify(values, breaks)]
    codes = districts["adcode"].tolist()
    geometries = list(districts.geometry)
    digests = _digests(geometries)  # what the cached shapes and layers below are keyed by
    shapes = _simplified(geometries, 0.0005, digests)  # ~50 m: invisible, 5× fewer bytes
    # Built from lists, not a copy of the frame with three columns added: ~2 ms less a map (profiled).
    features = [{"type": "Feature", "geometry": shape, "properties": {"adcode": code, "fill": fill, "tooltip": tip}}
                for shape, code, fill, tip in zip(shapes, codes, fills, _tooltips(districts, name_column, tooltip_rows))]
    polygons = pdk.Layer(
        "GeoJsonLayer", id="districts", data={"type": "FeatureCollection", "features": features},
        pickable=True, stroked=False, filled=True, auto_highlight=True,
        get_fill_color="properties.fill", highlight_color=[255, 215, 0, 120],
    )
    # Outlines joined from per-district pieces; names cached per districts and language.
    outlines = outline_layer(shapes, [3 if code in selected else 1 for code in codes], digests)
    label = label_column or name_column
    labels = _cached_layer(("names", digests, tuple(codes), tuple(districts[label].astype(str))),
                           lambda: name_layer(districts, label))
    deck = Deck(
        layers=[polygons, outlines, labels], initial_view_state=fit_view(districts.total_bounds, *view_px),
        map_provider=None, map_style=OFFLINE_STYLE, tooltip=TOOLTIP,
    )
    legend = Legend(legend_title, tuple(zip(palette, _break_labels(breaks, districts[value_column], unit, decimals, lang))))
    return deck, legend


def outline_layer(shapes: list[dict], widths: list[int], digests: tuple[bytes, ...]) -> pdk.Layer:
    """District outlines as straight segments (a ``LineLayer``), ``widths`` in pixels per district;
    ``digests`` key each district's segments, encoded once per width (``_outline_json``), so a
    new district selection joins nine strings instead of building and encoding ~1,000 segments.

    Not the GeoJsonLayer's own stroke: that is a ``PathLayer``, whose shader Chromium's software
    WebGL (SwiftShader: no GPU, as on the office PCs' remote desktops and in headless tests)
    compiles in ~1 s on the first frame of every page load; a ``LineLayer`` takes about half
    (measured per layer type with the GPU process's CPU time, see ``bench/scale_browser.py``).
    Same look at 1–3 px: joins between segments are not visible at these widths. The choropleth
    has no other path-stroked layer; the feature maps do (parcels, cells), so they keep the stroke.
    """
    pieces = [_outline_json(shape, width, digest) for shape, width, digest in zip(shapes, widths, digests)]
    return pdk.Layer(
        "LineLayer", id="district-outlines", data=Encoded("[" + ",".join(p for p in pieces if p) + "]"),
        get_source_position="s", get_target_position="t", get_color=list(OUTLINE), get_width="w",
        width_units="'pixels'", pickable=False,
    )


_OUTLINES: dict[tuple[bytes, int], str] = {}


def _outline_json(shape: dict, width: int, digest: bytes) -> str:
    """One district's outline segments as JSON list items (no brackets), remembered by
    (digest of its geometry, width): the choropleth's shapes are all simplified alike."""
    key = (digest, width)
    if key not in _OUTLINES:
        if len(_OUTLINES) > 1_000:  # district-sized sets only; bound it anyway
            _OUTLINES.clear()
        polygons = shape["coordinates"] if shape["type"] == "MultiPolygon" else [shape["coordinates"]]
        rows = []
        for ring in (ring for polygon in polygons for ring in polygon):
            points = [[round(x, 5), round(y, 5)] for x, y, *_ in ring]
            rows.extend({"s": a, "t": b, "w": width} for a, b in zip(points[:-1], points[1:]) if a != b)
        _OUTLINES[key] = dumps(rows)[1:-1]
    return _OUTLINES[key]


def name_layer(districts: gpd.GeoDataFrame, name_column: str) -> pdk.Layer:
    """District names at a point inside each district (CJK needs character_set="auto"). Rows as
    plain dicts and shapely's points directly: through a DataFrame and GeoSeries this cost ~3 ms
    a map (profiled), paid on every new district selection."""
    points = shapely.point_on_surface(np.asarray(districts.geometry))  # = GeoSeries.representative_point
    labels = [{"name": name, "position": [p.x, p.y], "offset": LABEL_PIXEL_OFFSETS.get(code, [0, 0])}
              for name, p, code in zip(districts[name_column].astype(str).tolist(), points, districts["adcode"].tolist())]
    return pdk.Layer(
        "TextLayer", id="district-names", data=labels, get_position="position", get_text="name",
        get_size=15, get_color=[20, 20, 20], get_pixel_offset="offset", get_text_anchor="'middle'", get_alignment_baseline="'center'",
        font_family=f"'{CJK_FONT}'", character_set="'auto'", font_weight=600,
        outline_width=3, outline_color=[255, 255, 255], font_settings={"sdf": True},
        pickable=False,
    )


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


def padded_bounds(lon, lat, pad_deg: float = 0.02) -> tuple[float, float, float, float]:
    """Bounds of some points with a margin (a single point still gets a view of ~4 km)."""
    return (float(min(lon)) - pad_deg, float(min(lat)) - pad_deg, float(max(lon)) + pad_deg, float(max(lat)) + pad_deg)


def _palette(n: int) -> tuple[tuple[int, int, int], ...]:
    if n <= 0:
        return ()
    if n == 1:
        return (CLASS_COLOURS[2],)
    idx = np.round(np.linspace(0, len(CLASS_COLOURS) - 1, n)).astype(int)
    return tuple(CLASS_COLOURS[i] for i in idx)


def _break_labels(breaks: list[float], values: pd.Series, unit: str, decimals: int, lang: str) -> list[str]:
    if not breaks:
        return []
    low = float(values.min())
    labels, previous = [], low
    for b in breaks:
        labels.append(f"{fmt_number(previous, '', decimals, lang)} – {fmt_number(b, unit, decimals, lang)}")
        previous = b
    return labels


def _tooltips(data: pd.DataFrame, name_column: str, rows: list[tuple[str, str]]) -> list[str]:
    """Tooltip text per row: the name, then "label：value" lines.

    Plain text, shown through the deck's ``{"text": ...}`` tooltip, which the browser renders as
    text: a name like ``<img onerror=…>`` stays literal, with no escaping to get right (an
    ``html`` tooltip would need it, and Streamlit 1.67 escapes template values there a second
    time, which showed our markup as text).
    """
    columns = [data[name_column].tolist()] + [data[column].tolist() for _, column in rows]
    labels = [label for label, _ in rows]
    return ["\n".join([str(name), *(f"{label}：{value}" for label, value in zip(labels, values))])
            for name, *values in zip(*columns)]


def _records(data: pd.DataFrame) -> list[dict]:
    """A layer's rows as plain dicts for pydeck. Given a frame, pydeck calls ``to_dict``, which
    walks pandas' string arrays element by element: ~15 ms for the 2,000 substations (profiled);
    column lists zipped cost ~1 ms."""
    columns = list(data.columns)
    return [dict(zip(columns, values)) for values in zip(*(data[c].tolist() for c in columns))]


_SIMPLIFIED: dict[tuple[bytes, float], dict] = {}


def _digests(geometries) -> tuple[bytes, ...]:
    """A short hash of each geometry's WKB: what a cache of district shapes is keyed by."""
    return tuple(hashlib.blake2b(wkb, digest_size=16).digest() for wkb in shapely.to_wkb(np.asarray(geometries)))


def _cached_layer(key: tuple, build) -> pdk.Layer:
    return cached_layers(key, lambda: [build()])[0]


def _simplified(geometries, tolerance: float, digests: tuple[bytes, ...] | None = None) -> list[dict]:
    """GeoJSON of each geometry simplified by ``tolerance``, remembered by the geometry's WKB.

    The district outlines under every map are the same nine polygons on every rerun; simplifying
    and converting them cost ~6 ms a map (profiled), hashing their WKB ~0.4 ms. Callers must not
    modify the returned dicts (they are shared)."""
    out = []
    for geom, digest in zip(geometries, digests or _digests(geometries)):
        key = (digest, tolerance)
        if key not in _SIMPLIFIED:
            if len(_SIMPLIFIED) > 1_000:  # only district-sized sets come here; bound it anyway
                _SIMPLIFIED.clear()
            _SIMPLIFIED[key] = shapely.geometry.mapping(shapely.simplify(geom, tolerance, preserve_topology=True))
        out.append(_SIMPLIFIED[key])
    return out


def legend_html(legend: Legend) -> str:
    """The legend as HTML for ``st.html``: exact colour swatches and labels (escaped: labels can
    come from data). Plain HTML, not a Vega-Lite chart: the browser draws it at once, where a
    chart made a fresh browser load Vega's code first (~0.3 s of the overview's cold start) and
    redraw a chart on every rerun."""
    rows = "".join(f'<div style="display:flex;align-items:center;gap:0.5rem;margin:0.3rem 0">'
                   f'<span style="flex:none;width:1.1rem;height:1.1rem;opacity:0.9;background:rgb{tuple(colour)}">'
                   f'</span><span>{html.escape(label)}</span></div>' for colour, label in legend.entries)
    return (f'<div class="zz-legend" style="font-family:{CJK_FONT};font-size:0.9rem">'
            f'<div style="font-weight:600;margin-bottom:0.3rem">{html.escape(legend.title)}</div>{rows}</div>')


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
    data = pd.DataFrame({
        "project_id": points["project_id"].astype(str),
        "stage": points["stage"],
        "position": [[round(x, 5), round(y, 5)] for x, y in zip(points["lon"].tolist(), points["lat"].tolist())],
        "radius": (np.sqrt(points["total_investment_yi"].clip(lower=0).astype(float)) * METRES_PER_SQRT_YI).round(0),
        "tooltip": _tooltips(points, "name", tooltip_rows),
    })
    out = []
    for stage, colour in STAGE_COLOURS.items():
        rows = data[data["stage"] == stage].drop(columns="stage")
        if len(rows):
            out.append(pdk.Layer(
                "ScatterplotLayer", id=f"projects-{list(STAGE_COLOURS).index(stage)}", data=_records(rows),
                get_position="position", get_radius="radius", radius_units="'meters'", radius_min_pixels=2.5,
                radius_max_pixels=60, get_fill_color=list(colour) + [200], stroked=True,
                get_line_color=[40, 40, 40], line_width_min_pixels=0.5, pickable=True, auto_highlight=True,
                highlight_color=[255, 215, 0, 160]))
    chosen = data[data["project_id"] == selected]
    if len(chosen):
        out.append(pdk.Layer(
            "ScatterplotLayer", id="selected-project", data=_records(chosen.drop(columns="stage")), get_position="position",
            get_radius="radius", radius_units="'meters'", radius_min_pixels=6, filled=False, stroked=True,
            get_line_color=[255, 200, 0], line_width_min_pixels=4, pickable=False))
    return out


def cells_layer(cells: pd.DataFrame, tooltip_rows: list[tuple[str, str]]) -> pdk.Layer:
    """H3 hexagons for aggregated views; colour by the cell's dominant stage, alpha by count."""
    top = max(int(cells["projects"].max()), 1) if len(cells) else 1
    data = pd.DataFrame({
        "cell": cells["cell"].astype(str),
        "polygon": list(cells["boundary"]),
        "fill": [list(STAGE_COLOURS.get(s, (120, 120, 120))) + [int(70 + 160 * min(n / top, 1) ** 0.5)]
                 for s, n in zip(cells["stage"].tolist(), cells["projects"].tolist())],
    })
    data["tooltip"] = _tooltips(cells.assign(name=cells["cell"]), "name", tooltip_rows)
    return pdk.Layer(
        "PolygonLayer", id="cells", data=_records(data), get_polygon="polygon", get_fill_color="fill",
        stroked=True, get_line_color=[255, 255, 255], line_width_min_pixels=0.5, pickable=True,
    )


def _district_feature(code: str, shape: dict, name: str, selected: bool) -> str:
    return dumps({"type": "Feature", "geometry": shape, "properties": {
        "adcode": code, "fill": [255, 235, 205, 90] if selected else [245, 245, 240, 60],
        "line_width": 3 if selected else 1, "tooltip": name}})


@lru_cache(maxsize=4)
def _district_features(lang: str) -> dict[tuple[str, bool], str]:
    """(adcode, selected) -> the district's outline feature as JSON, for ``district_base``."""
    districts = load_districts()
    names = districts["name_zh"] if lang == "zh" else districts["name_en"]
    shapes = _simplified(list(districts.geometry), 0.0005)
    return {(code, chosen): _district_feature(code, shape, name, chosen)
            for code, shape, name in zip(districts["adcode"], shapes, names) for chosen in (False, True)}


@lru_cache(maxsize=4)
def _district_names(lang: str) -> pdk.Layer:
    districts = load_districts()
    label = districts["name_zh"] if lang == "zh" else districts["name_en"].str.replace(r" (District|City)$", "", regex=True)
    return frozen(name_layer(districts.assign(label=label), "label"))


@lru_cache(maxsize=64)
def district_base(lang: str, selected: tuple[str, ...]) -> tuple[pdk.Layer, pdk.Layer]:
    """District outlines (clickable, tooltip = name; ``selected`` ones thick and tinted) and
    their names: the base of feature maps.

    The same nine districts under every map: the names are built once per language, the
    outlines joined from per-district JSON encoded once (a district filter change used to
    rebuild and encode them: ~15 ms, profiled). The layers are shared: callers must not change them."""
    pieces = _district_features(lang)
    features = ",".join(text for (code, chosen), text in pieces.items() if chosen == (code in selected))
    outline = pdk.Layer(
        "GeoJsonLayer", id="districts", data=Encoded('{"features":[' + features + '],"type":"FeatureCollection"}'),
        pickable=True, stroked=True, filled=True, get_fill_color="properties.fill",
        get_line_color=list(OUTLINE), get_line_width="properties.line_width", line_width_units="'pixels'",
    )
    return outline, _district_names(lang)


def point_map(layers_: list[pdk.Layer], bounds, tooltip: bool = True) -> pdk.Deck:
    return Deck(layers=layers_, initial_view_state=fit_view(bounds), map_provider=None, map_style=OFFLINE_STYLE,
                    tooltip=TOOLTIP if tooltip else False)


# --- parcels -------------------------------------------------------------------------------------

PARCEL_COLOURS = {"在用": (150, 150, 150), "批而未供": (230, 97, 1), "闲置": (202, 0, 32),
                  "低效": (253, 184, 99), "已处置": (26, 150, 65)}


def parcel_legend(lang: str, title: str) -> Legend:
    from geo.schema import enum_label

    return Legend(title, tuple((colour, enum_label(status, lang)) for status, colour in PARCEL_COLOURS.items()))


def parcels_layer(parcels: gpd.GeoDataFrame, tooltip_rows: list[tuple[str, str]], selected: str | None,
                  pickable: bool = True) -> pdk.Layer:
    """Parcel polygons coloured by status; only id, rings, colour and tooltip per parcel.

    A PolygonLayer with rings as data (lighter than GeoJSON features). Multi-part parcels become
    one row per part, all with the parcel's id. ``pickable=False`` for views with thousands of
    parcels: picking them all on a click can exceed deck.gl's 250 ms click threshold.
    """
    tips = _tooltips(parcels, "parcel_id", tooltip_rows)
    rows = []
    for pid, status, geom, tip in zip(parcels["parcel_id"].tolist(), parcels["status"].tolist(), parcels.geometry, tips):
        for part in getattr(geom, "geoms", [geom]):
            rings = [part.exterior, *part.interiors]
            rows.append({"parcel_id": pid, "tooltip": tip,
                         "polygon": [[[round(x, 6), round(y, 6)] for x, y in ring.coords] for ring in rings],
                         "fill": list(PARCEL_COLOURS.get(status, (120, 120, 120))) + [190],
                         "line": [255, 200, 0] if pid == selected else [60, 60, 60],
                         "line_px": 3 if pid == selected else 0.5})
    return pdk.Layer(
        "PolygonLayer", id="parcels", data=rows, get_polygon="polygon", get_fill_color="fill",
        get_line_color="line", get_line_width="line_px", line_width_units="'pixels'", stroked=True, filled=True,
        pickable=pickable, auto_highlight=pickable, highlight_color=[255, 215, 0, 160],
    )


def idle_cells_layer(cells: pd.DataFrame, tooltip_rows: list[tuple[str, str]], lang: str,
                     title: str) -> tuple[pdk.Layer, Legend]:
    """H3 hexagons of remaining idle area (亩), quantile classes on the reds palette."""
    breaks = class_breaks(cells["idle_mu"].where(cells["idle_mu"] > 0))
    palette = _palette(len(breaks))
    classes = classify(cells["idle_mu"].where(cells["idle_mu"] > 0), breaks)
    data = pd.DataFrame({
        "cell": cells["cell"].astype(str),
        "polygon": list(cells["boundary"]),
        "fill": [list(palette[c]) + [200] if c is not None else [200, 200, 200, 90] for c in classes],
    })
    data["tooltip"] = _tooltips(cells.assign(name=cells["cell"]), "name", tooltip_rows)
    layer = pdk.Layer("PolygonLayer", id="cells", data=_records(data), get_polygon="polygon", get_fill_color="fill",
                      stroked=True, get_line_color=[255, 255, 255], line_width_min_pixels=0.5, pickable=True)
    idle = cells["idle_mu"].where(cells["idle_mu"] > 0).dropna()
    labels = _break_labels(breaks, idle, "亩", 0, lang) if breaks else []
    return layer, Legend(title, tuple(zip(palette, labels)))
