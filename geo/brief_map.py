"""The meeting brief's district map, drawn as vector shapes straight into the PDF.

Why vectors and not a PNG: the nine district outlines are ~5,000 points, which draw crisply at
any zoom in a few kilobytes, with district names as real text (copyable, searchable) in the same
embedded CJK font as the rest of the brief. A raster from matplotlib would add a large dependency
(and its own CJK font set-up) for a blurrier map. Everything is offline: the outlines come from
``geo.boundaries`` (the shipped GeoJSON).

Projection: equirectangular with longitudes scaled by cos(mean latitude) — at Zhuzhou's 27° N the
distortion over the city's 2° of latitude is under 2 %, plenty for a choropleth.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from fpdf import FPDF

from geo.boundaries import DISTRICT_SEATS, load_districts

# The four city districts are too small at brief scale to hold a label: theirs stand in a column
# west of the map, north to south, each joined to its district seat by a leader line.
CALLOUTS = ("430204", "430202", "430211", "430203")  # 石峰, 荷塘, 天元, 芦淞
CALLOUT_W = 17.0  # mm reserved left of the map for them
SIMPLIFY_DEG = 0.002  # ≈ 200 m: invisible at brief scale (1 mm ≈ 2.5 km), a third of the points
OUTLINE_GREY = (90, 90, 90)
NO_DATA_FILL = (235, 235, 235)


@dataclass(frozen=True)
class DistrictStyle:
    fill: tuple[int, int, int]
    label: str            # first line: the district name
    value: str = ""       # second line: the figure shown
    highlight: bool = False


def _project(bounds: tuple[float, float, float, float], x: float, y: float, w: float, h: float):
    """lon/lat -> page mm, fitted (aspect kept) in the box (x, y, w, h): right-aligned, so the
    callout column has the room on the left, and at the top."""
    minx, miny, maxx, maxy = bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    scale = min(w / ((maxx - minx) * kx), h / (maxy - miny))
    ox = x + w - (maxx - minx) * kx * scale
    oy = y
    return lambda lon, lat: (ox + (lon - minx) * kx * scale, oy + (maxy - lat) * scale)


def draw_district_map(pdf: FPDF, x: float, y: float, w: float, h: float, styles: Mapping[str, DistrictStyle],
                      *, font: str, size_pt: float = 6.5) -> None:
    """Draw every district (filled by ``styles[adcode].fill``, grey when absent) into the box, then
    the labels at the district seats; a highlighted district gets a thick outline on top."""
    gdf = load_districts()
    gdf["geometry"] = gdf.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True)
    to_page = _project(tuple(gdf.total_bounds), x + CALLOUT_W, y, w - CALLOUT_W, h)
    pdf.set_draw_color(*OUTLINE_GREY)
    pdf.set_line_width(0.2)
    highlighted = []
    for adcode, geom in zip(gdf["adcode"], gdf.geometry):
        style = styles.get(adcode)
        pdf.set_fill_color(*(style.fill if style else NO_DATA_FILL))
        polygons = list(getattr(geom, "geoms", [geom]))
        for polygon in polygons:
            pdf.polygon([to_page(lon, lat) for lon, lat in polygon.exterior.coords], style="DF")
        if style and style.highlight:
            highlighted.extend(polygons)
    pdf.set_draw_color(20, 20, 20)
    pdf.set_line_width(0.8)
    for polygon in highlighted:
        pdf.polygon([to_page(lon, lat) for lon, lat in polygon.exterior.coords], style="D")
    pdf.set_line_width(0.2)
    inside = dict(zip(gdf["adcode"], gdf.geometry.representative_point()))
    callout_y = y + 2
    for adcode, style in styles.items():
        if adcode in CALLOUTS and adcode in DISTRICT_SEATS:
            continue
        if adcode in inside:  # big districts: the label sits inside, where the polygon is widest
            _label(pdf, *to_page(inside[adcode].x, inside[adcode].y), style, font, size_pt)
    for adcode in CALLOUTS:
        if adcode not in styles or adcode not in DISTRICT_SEATS:
            continue
        sx, sy = to_page(*DISTRICT_SEATS[adcode])
        box_w, box_h = _label(pdf, x + CALLOUT_W / 2, callout_y + 4, styles[adcode], font, size_pt)
        pdf.set_draw_color(*OUTLINE_GREY)
        pdf.set_line_width(0.15)
        pdf.line(x + CALLOUT_W / 2 + box_w / 2, callout_y + 4, sx, sy)
        pdf.set_fill_color(20, 20, 20)
        pdf.rect(sx - 0.5, sy - 0.5, 1.0, 1.0, style="F")
        callout_y += box_h + 2.5


def _label(pdf: FPDF, cx: float, cy: float, style: DistrictStyle, font: str, size_pt: float) -> tuple[float, float]:
    """Name (bold) and value centred on (cx, cy), on a white box so they read over any fill;
    returns the box's (width, height)."""
    lines = [(style.label, "B"), (style.value, "")] if style.value else [(style.label, "B")]
    line_h = size_pt * 0.3528 * 1.15  # pt -> mm, with a little leading
    widths = []
    for text, weight in lines:
        pdf.set_font(font, weight, size_pt)
        widths.append(pdf.get_string_width(text))
    box_w, box_h = max(widths) + 1.2, line_h * len(lines) + 0.4
    top = cy - box_h / 2
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(cx - box_w / 2, top, box_w, box_h, style="F")
    for i, (text, weight) in enumerate(lines):
        pdf.set_font(font, weight, size_pt)
        pdf.set_xy(cx - box_w / 2, top + 0.2 + i * line_h)
        pdf.cell(box_w, line_h, text, align="C")
    return box_w, box_h
