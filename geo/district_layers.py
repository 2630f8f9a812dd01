"""The districts on every map: the choropleth (districts filled by a figure, with their names and
a legend) and the outlines and names under the feature maps.

The same nine districts are drawn on every rerun, so their simplified shapes, outline segments
and name layers are built and encoded once (keyed by a digest of each geometry) and joined per
selection; the layers handed out are shared and must not be changed.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pydeck as pdk
import shapely

from geo.boundaries import load_districts, short_district_name
from geo.layers import CJK_FONT, OFFLINE_STYLE, TOOLTIP, fit_view, tooltips
from geo.map_classes import NO_DATA_COLOUR, Legend, break_labels, class_breaks, classify, palette
from geo.i18n import t
from geo.map_json import Deck, Encoded, cached_layers, dumps, frozen

OUTLINE = (80, 80, 80)
# The four central districts are small: at whole-city zoom their names would collide, so two of
# them are nudged apart on screen (pixels, so the nudge shrinks relative to the map as you zoom in).
LABEL_PIXEL_OFFSETS = {"430204": [-26, -10], "430202": [28, 4]}


def district_choropleth(
    districts: gpd.GeoDataFrame, value_column: str, *, name_column: str, unit: str, decimals: int,
    legend_title: str, lang: str, tooltip_rows: list[tuple[str, str]], selected: tuple[str, ...] = (),
    label_column: str | None = None, view_px: tuple[int, int] = (900, 560), more: str = "worse",
) -> tuple[pdk.Deck, Legend]:
    """A filled district map with names and a legend.

    ``districts`` are every district in scope, whatever the district filter: the classes are the
    city's, so two chosen districts are compared on the scale of all nine (classed on the chosen
    ones alone, 62.5 % and 62.8 % came out palest and darkest). ``selected`` districts get a thick
    outline and the view; the others stay, faded, for context. ``tooltip_rows`` are (label,
    column) pairs shown on hover, already formatted as text in the frame; ``view_px`` is the
    map's size on screen, for the initial zoom; ``more``: what more of the value means, "worse"
    (reds) or "better" (greens: ``map_classes.RAMPS``).
    """
    values = districts[value_column]
    breaks = class_breaks(values)
    colours = palette(len(breaks), breaks, more)
    codes = districts["adcode"].tolist()
    chosen = [code in selected for code in codes] if set(selected) & set(codes) else [True] * len(codes)
    fills = [(list(colours[c]) + [215] if c is not None else list(NO_DATA_COLOUR) + [160]) if on else
             (list(colours[c]) + [70] if c is not None else list(NO_DATA_COLOUR) + [60])
             for c, on in zip(classify(values, breaks), chosen)]
    geometries = list(districts.geometry)
    digests = _digests(geometries)  # what the cached shapes and layers below are keyed by
    shapes = _simplified(geometries, 0.0005, digests)  # ~50 m: invisible, 5× fewer bytes
    # Built from lists, not a copy of the frame with three columns added: ~2 ms less a map (profiled).
    features = [{"type": "Feature", "geometry": shape, "properties": {"adcode": code, "fill": fill, "tooltip": tip}}
                for shape, code, fill, tip in zip(shapes, codes, fills, tooltips(districts, name_column, tooltip_rows))]
    # No highlight colour: a district under the pointer or picked is marked by its outline and
    # tooltip. Gold over the red classes painted the chosen district orange, a colour the legend
    # does not have, so its class could not be read (exploratory tester 7).
    polygons = pdk.Layer(
        "GeoJsonLayer", id="districts", data={"type": "FeatureCollection", "features": features},
        pickable=True, stroked=False, filled=True, auto_highlight=True,
        get_fill_color="properties.fill", highlight_color=[255, 255, 255, 0],
    )
    # Outlines joined from per-district pieces; names cached per districts and language.
    outlines = outline_layer(shapes, [3 if code in selected else 1 for code in codes], digests)
    label = label_column or name_column
    labels = _cached_layer(("names", digests, tuple(codes), tuple(districts[label].astype(str))),
                           lambda: name_layer(districts, label))
    deck = Deck(
        layers=[polygons, outlines, labels], initial_view_state=fit_view(districts[chosen].total_bounds, *view_px),
        map_provider=None, map_style=OFFLINE_STYLE, tooltip=TOOLTIP,
    )
    entries = tuple(zip(colours, break_labels(breaks, districts[value_column], unit, decimals, lang)))
    if values.isna().any():  # a rate without its base (no plan in the view): grey, and said
        entries += ((NO_DATA_COLOUR, t("no_data", lang)),)
    return deck, Legend(legend_title, entries)


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
    # the tables' short names (boundaries.short_district_name): "You County" on the map beside
    # "You" in the table below read as two places (tester 11)
    label = [short_district_name(code, lang) for code in districts["adcode"]]
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
