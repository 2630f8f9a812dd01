"""The idle-land page in a real browser, on the demo store, driven like a user would.

One flow, because each step builds on the last: read the 2022 disposal metrics, click 攸县 on
the map, click the former 艾硅特 site in 攸县高新区 (a 100-亩 parcel, recovered and now carrying
a new-materials project), open the resulting URL in a fresh browser context (the link must
reproduce the selection, and the map open on the parcel), and switch it to English on a
laptop-sized screen.

Map positions come from the view the page computes (``layers.point_map`` for the shown
districts' bounds; ``e2e_helpers.to_page`` projects lon/lat to pixels). Whether the map really
refitted is checked through deck.gl's hover tooltips: spots that this view puts inside 攸县 and
inside its neighbours must name those districts.

A 100-亩 parcel is ~225 × 330 m: at the page's 攸县 view (zoom 8.89, ~147 m per pixel) that is
under 2 × 3 px, too small to click. The test zooms in with the mouse wheel around the parcel,
as a user does; deck.gl zooms around the pointer, so the parcel stays under it. It then checks
the parcel is drawn at least MIN_PARCEL_PX wide and that the tooltip there names it, and clicks.

Screenshots go to tests/artifacts/land_*.png for a person to look at, the browser console's
errors to land_console.txt.
"""

from __future__ import annotations

import io
import math
import time
from pathlib import Path

import geopandas as gpd
import pytest
from PIL import Image
from playwright.sync_api import Page, sync_playwright

from e2e_helpers import (TIMEOUT_MS, WHEEL_NOTCH_ZOOM, artifact, assert_no_exception, check_console, click_map,
                         fitted_view, from_page, inside_canvas, launch_browser, map_canvas, metric_texts, query,
                         query_of, running_app, screenshot_page, spots_in_polygon, to_page, wait_rendered,
                         wait_tooltip, wait_until_idle, watch_page, widget_text)
from geo import layers, store
from geo.boundaries import load_districts

pytestmark = pytest.mark.e2e

MAP = ".st-key-land_map"
YOU_COUNTY = "430223"
PARK = "攸县高新区"
PROJECT = "攸县高新区原艾硅特项目地块新材料项目"
# The 2022 disposal metrics of the calibrated demo (geo.demo: seed and as-of date fixed).
METRICS_ZH = {"批而未供处置（2022）": ("10,200 亩", "59.88 %"), "低效用地处置（2022）": ("10,200 亩", "66.15 %")}
MIN_PARCEL_PX = 4  # smallest parcel width (px) the test will aim a click at
ZOOM_TO_PX = 6  # wheel-zoom until the parcel should be drawn at least this wide
CLEARANCE_PX = 10  # a district click or tooltip probe stays this far from any parcel


def test_land_district_parcel_and_shared_link(demo_store: Path) -> None:
    started = time.monotonic()
    parcels = gpd.read_parquet(store.open_current(demo_store).table_path("parcels"))
    target = _target_parcel(parcels)
    pid = target["parcel_id"]
    assert _projects_on(demo_store, pid) == [PROJECT]
    districts = load_districts()
    you = districts[districts["adcode"] == YOU_COUNTY].geometry.iloc[0]
    console_errors: list[str] = []
    dialogs: list[str] = []
    with running_app(demo_store) as url, sync_playwright() as pw:
        browser = launch_browser(pw)
        try:
            # 1. The page as a land-bureau officer opens it, on a full-HD screen.
            page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            watch_page(page, console_errors, dialogs)
            page.goto(f"{url}/land", wait_until="domcontentloaded")
            wait_rendered(page, "批而未供处置（2022）")
            for label, (value, rate) in METRICS_ZH.items():
                shown, delta = metric_texts(page, label)
                assert shown == value, f"{label} shows {shown!r}, expected {value!r}"
                assert rate in delta, f"{label}'s delta is {delta!r}, expected it to contain {rate!r}"
            map_canvas(page, MAP)
            screenshot_page(page, "land_zh_1920.png")

            # 2. Click 攸县 on the map (the district outlines, under the parcels), clear of any parcel.
            view = fitted_view(districts.total_bounds)
            box = map_canvas(page, MAP)
            boxes = _parcel_boxes(box, view, parcels)
            spots = spots_in_polygon(box, view, you, lambda x, y: _clear_of(boxes, x, y))
            click_map(page, spots, lambda q: q.get("district") == [YOU_COUNTY] and "parcel" not in q,
                      "the district 攸县", "land_click_failed.png")
            widget_text(page, "f_district", "攸县")
            view = fitted_view(you.bounds)  # the page now fits the map to 攸县
            shown = parcels[parcels["district_adcode"] == YOU_COUNTY]
            _check_view(page, view, districts, shown, "after the click on 攸县")

            # 3. Click the parcel: far too small at this zoom, so zoom in around it with the wheel.
            box = map_canvas(page, MAP)
            rep = target.geometry.representative_point()
            x, y = to_page(box, view, rep.x, rep.y)
            w0, h0 = _drawn_size(box, view, target.geometry)
            notches = max(0, math.ceil(math.log2(ZOOM_TO_PX / min(w0, h0)) / WHEEL_NOTCH_ZOOM))
            page.mouse.move(x, y)
            for _ in range(notches):
                page.mouse.wheel(0, -100)
                page.wait_for_timeout(150)
            assert map_canvas(page, MAP) == box, "the page moved while zooming the map"
            grow = 2 ** (notches * WHEEL_NOTCH_ZOOM)
            width, height = _measured_size(page, box, x, y)
            print(f"parcel {pid}: {w0:.1f} × {h0:.1f} px at the page's view (zoom {view[2]}); "
                  f"{notches} wheel notches -> expected {w0 * grow:.1f} × {h0 * grow:.1f} px, drawn {width} × {height} px")
            assert min(width, height) >= MIN_PARCEL_PX, (
                f"parcel {pid} is drawn {width} × {height} px after zooming in, too small to click")
            wait_tooltip(page, MAP, x, y, lambda text: text.split("\n")[0] == pid, f"the parcel {pid}")
            page.locator(MAP).screenshot(path=artifact("land_tooltip_zh.png"))
            click_map(page, [(x, y), (x, y + min(2, height / 4))], lambda q: q.get("parcel") == [pid],
                      f"the parcel {pid}", "land_click_failed.png")
            assert query(page).get("district") == [YOU_COUNTY], page.url
            _wait_parcel_panel(page, f"地块 {pid}", PROJECT)
            assert_no_exception(page)
            page.mouse.move(5, 5)  # no tooltip over the full-page shot
            screenshot_page(page, "land_parcel_zh.png")
            link = page.url

            # 4. The link alone reproduces the view: a new context shares no cookies or session.
            context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            page = context.new_page()
            watch_page(page, console_errors, dialogs)
            page.goto(link, wait_until="domcontentloaded")
            wait_rendered(page, "批而未供处置（2022）")
            _wait_parcel_panel(page, f"地块 {pid}", PROJECT)
            widget_text(page, "f_district", "攸县")
            assert query(page) == query_of(link), f"the reloaded page changed its URL: {page.url}"
            # The link opens on the parcel, not on the county where it is 2 × 3 px: the view
            # round it (layers.selection_bounds, 12 km) draws it ~9 × 13 px, under its tooltip.
            focus = fitted_view(layers.padded_bounds([rep.x], [rep.y]))
            box = map_canvas(page, MAP)
            x, y = to_page(box, focus, rep.x, rep.y)
            page.wait_for_timeout(500)  # the run is over, but deck.gl may still be drawing its new props
            width, height = _measured_size(page, box, x, y)
            expected = _drawn_size(box, focus, target.geometry)
            print(f"the link's view: parcel {pid} drawn {width} × {height} px, expected ~{expected[0]:.0f} × {expected[1]:.0f}")
            assert min(width, height) >= 0.7 * min(expected) and min(expected) >= 3 * min(w0, h0), (
                f"the link's map does not show parcel {pid} at its focus: drawn {width} × {height} px")
            wait_tooltip(page, MAP, x, y, lambda text: text.split("\n")[0] == pid, f"the parcel {pid} in the link")
            assert_no_exception(page)
            page.mouse.move(5, 5)
            screenshot_page(page, "land_reloaded_zh.png")

            # 5. English keeps the district and the selected parcel; on a laptop-sized screen.
            page.locator(".st-key-lang").get_by_text("English", exact=True).click()
            wait_rendered(page, "Idle land")
            _wait_parcel_panel(page, f"Parcel {pid}", PROJECT)
            widget_text(page, "f_district", "You County")
            assert query(page).get("lang") == ["en"], page.url
            assert query(page).get("parcel") == [pid], page.url
            assert_no_exception(page)
            page.set_viewport_size({"width": 1366, "height": 768})
            wait_until_idle(page, TIMEOUT_MS)
            screenshot_page(page, "land_en_1366.png")
        finally:
            browser.close()
    # 6. deck.gl errors, uncaught exceptions, dialogs (e2e_helpers.check_console).
    check_console(console_errors, dialogs, "land_console.txt")
    print(f"land flow: {time.monotonic() - started:.1f} s")


# --- the store ------------------------------------------------------------------------------------


def _target_parcel(parcels: gpd.GeoDataFrame):
    """The former 艾硅特 site: the 100-亩 parcel in 攸县高新区 listed as 闲置 and recovered (收回)."""
    chosen = parcels[(parcels["park"] == PARK) & (parcels["idle_class"] == "闲置")
                     & (parcels["disposal_method"] == "收回") & ((parcels["area_mu"] - 100).abs() < 0.005)]
    assert len(chosen) == 1, f"expected one such parcel, the demo store has {list(chosen['parcel_id'])}"
    return chosen.iloc[0]


def _projects_on(store_dir: Path, parcel_id: str) -> list[str]:
    projects = gpd.read_parquet(store.open_current(store_dir).table_path("projects"))
    return sorted(projects.loc[projects["parcel_id"] == parcel_id, "name"])


# --- map geometry ---------------------------------------------------------------------------------


def _parcel_boxes(box: dict, view, parcels: gpd.GeoDataFrame) -> list[tuple[float, float, float, float]]:
    """Each parcel's bounding box in viewport pixels (x0, y0, x1, y1)."""
    out = []
    for minx, miny, maxx, maxy in parcels.geometry.bounds.itertuples(index=False):
        x0, y1 = to_page(box, view, minx, miny)
        x1, y0 = to_page(box, view, maxx, maxy)
        out.append((x0, y0, x1, y1))
    return out


def _clear_of(boxes, x: float, y: float) -> bool:
    return all(x < x0 - CLEARANCE_PX or x > x1 + CLEARANCE_PX or y < y0 - CLEARANCE_PX or y > y1 + CLEARANCE_PX
               for x0, y0, x1, y1 in boxes)


def _drawn_size(box: dict, view, geometry) -> tuple[float, float]:
    """Width and height in pixels of ``geometry``'s bounding box at ``view``."""
    minx, miny, maxx, maxy = geometry.bounds
    x0, y1 = to_page(box, view, minx, miny)
    x1, y0 = to_page(box, view, maxx, maxy)
    return x1 - x0, y1 - y0


def _check_view(page: Page, view, districts: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame, when: str) -> None:
    """The map shows ``view``: spots it puts well inside a district (the shown one near the
    canvas's edges, and neighbours), clear of parcels, name that district in the hover tooltip."""
    from shapely.geometry import Point

    box = map_canvas(page, MAP)
    boxes = _parcel_boxes(box, view, parcels)
    inner = {code: geom.buffer(-0.02) for code, geom in zip(districts["adcode"], districts.geometry)}  # ~2 km
    names = dict(zip(districts["adcode"], districts["name_zh"]))
    shown = set(parcels["district_adcode"])
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    inside, outside = [], []
    for i in range(1, 16):
        for j in range(1, 10):
            x, y = box["x"] + box["width"] * i / 16, box["y"] + box["height"] * j / 10
            if not inside_canvas(box, x, y, margin=20) or not _clear_of(boxes, x, y):
                continue
            point = Point(*from_page(box, view, x, y))
            code = next((c for c, geom in inner.items() if geom.contains(point)), None)
            if code is not None:
                (inside if code in shown else outside).append((math.hypot(x - cx, y - cy), x, y, code))
    probes = sorted(inside, reverse=True)[:3] + sorted(outside)[:3]
    assert len(inside) >= 2 and len(outside) >= 2, f"too few probe spots {when}: {inside} {outside}"
    page.wait_for_timeout(500)  # the run is over, but deck.gl may still be drawing its new props
    for _, x, y, code in probes:
        wait_tooltip(page, MAP, x, y, lambda text, name=names[code]: text.split("\n")[0] == name,
                     f"{names[code]} {when}")
    page.mouse.move(5, 5)


def _measured_size(page: Page, box: dict, x: float, y: float) -> tuple[int, int]:
    """Width and height in pixels of the shape drawn at (x, y): the runs of pixels through it that
    differ from the map's dominant colour (the district fill at this zoom). The pointer moves away
    first, so neither the tooltip nor the hover highlight is in the picture."""
    page.mouse.move(5, 5)
    page.wait_for_timeout(500)
    shot = Image.open(io.BytesIO(page.locator(f"{MAP} canvas").first.screenshot())).convert("RGB")
    background = max(shot.getcolors(shot.width * shot.height))[1]
    px, py = round(x - box["x"]), round(y - box["y"])

    def differs(i: int, j: int) -> bool:
        inside = 0 <= i < shot.width and 0 <= j < shot.height
        return inside and sum(abs(a - b) for a, b in zip(shot.getpixel((i, j)), background)) > 40

    assert differs(px, py), f"nothing is drawn at ({x:.0f}, {y:.0f}): {shot.getpixel((px, py))}"

    def run(di: int, dj: int) -> int:
        n = 0
        while differs(px + (n + 1) * di, py + (n + 1) * dj):
            n += 1
        return n

    return run(-1, 0) + 1 + run(1, 0), run(0, -1) + 1 + run(0, 1)


# --- the page -------------------------------------------------------------------------------------


def _wait_parcel_panel(page: Page, title: str, project: str) -> None:
    """The bordered panel of the selected parcel: its subheader ``title`` and, in one of its
    tables, a cell with ``project``. The grid draws on a canvas; its cell texts are in an
    accessible table that is not visible (so not found by get_by_role), hence "attached"."""
    heading = page.locator('[data-testid="stHeading"]').get_by_text(title, exact=True).first
    heading.wait_for(state="visible", timeout=TIMEOUT_MS)
    # The innermost block holding the subheader and a table: the panel (the page's main block,
    # which also holds both, comes first in document order).
    panel = page.locator('[data-testid="stVerticalBlock"]').filter(has=heading).filter(
        has=page.locator('[data-testid="stDataFrame"]')).last
    panel.locator('[data-testid="stDataFrame"] [role="gridcell"]').get_by_text(project, exact=True).first.wait_for(
        state="attached", timeout=TIMEOUT_MS)
    wait_until_idle(page, TIMEOUT_MS)
