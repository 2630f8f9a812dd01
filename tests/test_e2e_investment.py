"""The investment page in a real browser, on the demo store, driven like a user would.

One flow, because each step builds on the last: filter by stage in the sidebar, click 醴陵市 on
the map, click its largest project under construction, then open the resulting URL in a fresh
browser context (the link must reproduce the view) and switch it to English.

Map clicks need screen positions: the test projects lon/lat to pixels itself (Web Mercator,
deck.gl's 512-px world at zoom 0) from the view the page computes for the shown districts and
the canvas's real size, and picks a spot that no other project circle covers.

Screenshots go to tests/artifacts/investment_*.png for a person to look at, the browser
console's errors to investment_console.txt.
"""

from __future__ import annotations

import math
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import geopandas as gpd
import pytest
from playwright.sync_api import Page, sync_playwright

from e2e_helpers import artifact, launch_browser, running_app, screenshot_page, wait_until_idle
from geo import layers, store
from geo.boundaries import load_districts

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 90_000
LILING = "430281"
BUILDING = "在建"
MAP = ".st-key-inv_map"
# deck.gl's Web Mercator: the world is 512 px wide at zoom 0; metres per pixel at the equator.
WORLD_PX = 512
EARTH_CIRCUMFERENCE_M = 40_075_016.686
# Clicks must land clear of other project circles, and away from the map's zoom buttons (top
# right inside the canvas).
CLEARANCE_PX = 6
BUTTONS_W_PX, BUTTONS_H_PX = 90, 110


def test_investment_filters_map_clicks_and_shared_link(demo_store: Path) -> None:
    projects = _projects(demo_store)
    target = _largest_project(projects, LILING, BUILDING)
    console_errors: list[str] = []
    dialogs: list[str] = []
    with running_app(demo_store) as url, sync_playwright() as pw:
        browser = launch_browser(pw)
        try:
            # 1. The page as a manager opens it, on a full-HD screen.
            page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            _watch(page, console_errors, dialogs)
            page.goto(f"{url}/investment", wait_until="domcontentloaded")
            _wait_rendered(page, "项目数")
            _assert_no_exception(page)
            all_count = _metric(page, "项目数")
            assert all_count == len(projects), f"项目数 shows {all_count}, the store has {len(projects)}"
            _map_canvas(page)
            screenshot_page(page, "investment_zh_1920.png")

            # 2. Stage 在建 through the sidebar multiselect, as a user picks it.
            _pick_option(page, ".st-key-f_stage", BUILDING)
            _wait_url(page, lambda q: q.get("stage") == [BUILDING])
            building_count = _wait_metric_change(page, "项目数", all_count)
            assert building_count == _duckdb_count(demo_store, "stage = ?", [BUILDING])
            assert building_count != all_count

            # 3. Click 醴陵市 on the map (the districts layer, under the project circles).
            districts = load_districts()
            liling = districts[districts["adcode"] == LILING].geometry.iloc[0]
            view = _view(districts.total_bounds)
            # Clear of every project, not only the 在建 ones: should deck.gl still show the
            # unfiltered circles for a moment, the click must not pick one of them either.
            spots = _clear_spots_in_polygon(page, view, liling, projects)
            _click_map(page, spots, lambda q: q.get("district") == [LILING], "the district 醴陵市")
            liling_count = _wait_metric_change(page, "项目数", building_count)
            assert liling_count == _duckdb_count(
                demo_store, "stage = ? AND district_adcode = ?", [BUILDING, LILING])
            assert "醴陵市" in _caption_text(page), _caption_text(page)
            assert "醴陵市" in page.locator(".st-key-f_district").inner_text()

            # 4. The map refits to 醴陵市; click its largest project under construction.
            view = _view(liling.bounds)
            shown = projects[(projects["stage"] == BUILDING) & (projects["district_adcode"] == LILING)]
            spots = _clear_spots_in_circle(page, view, target, shown)
            _click_map(page, spots, lambda q: q.get("project") == [target["project_id"]],
                       f"the project {target['project_id']} {target['name']}")
            _wait_project_panel(page, target["name"])
            assert _metric(page, "项目数") == liling_count  # selecting a project filters nothing
            _assert_no_exception(page)
            # The pointer still rests on the project: keep its hover tooltip for the review, then
            # move away so the full-page shot shows the map uncovered.
            page.locator(MAP).screenshot(path=artifact("investment_tooltip_zh.png"))
            page.mouse.move(5, 5)
            screenshot_page(page, "investment_project_zh.png")
            link = page.url

            # 5. The link alone reproduces the view: a new context shares no cookies or session.
            context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            page = context.new_page()
            _watch(page, console_errors, dialogs)
            page.goto(link, wait_until="domcontentloaded")
            _wait_rendered(page, "项目数")
            _wait_project_panel(page, target["name"])
            assert _metric(page, "项目数") == liling_count
            assert "醴陵市" in page.locator(".st-key-f_district").inner_text()
            assert BUILDING in page.locator(".st-key-f_stage").inner_text()
            assert _query(page) == _query_of(link), f"the reloaded page changed its URL: {page.url}"
            _assert_no_exception(page)
            _map_canvas(page)
            screenshot_page(page, "investment_reloaded_zh.png")

            # 6. English keeps the filters and the selected project; on a laptop-sized screen.
            page.locator(".st-key-lang").get_by_text("English", exact=True).click()
            _wait_rendered(page, "Projects")
            assert _metric(page, "Projects") == liling_count
            _wait_project_panel(page, target["name"])
            assert "Liling City" in page.locator(".st-key-f_district").inner_text()
            assert "Under construction" in page.locator(".st-key-f_stage").inner_text()
            assert _query(page).get("lang") == ["en"], page.url
            _assert_no_exception(page)
            page.set_viewport_size({"width": 1366, "height": 768})
            wait_until_idle(page, TIMEOUT_MS)
            screenshot_page(page, "investment_en_1366.png")
        finally:
            browser.close()
    artifact("investment_console.txt").write_text("\n".join(console_errors) + "\n", encoding="utf-8")
    # 7. deck.gl reports a layer it could not build only in the console, and draws the map without
    # it. (Failed fetches are the basemap tiles: this machine has no internet.)
    layer_errors = [e for e in console_errors if e.startswith("deck:") or e.startswith("uncaught:")]
    assert not layer_errors, "errors in the browser console:\n" + "\n".join(layer_errors)
    assert not dialogs, "the page opened dialogs:\n" + "\n".join(dialogs)


# --- the store ------------------------------------------------------------------------------------


def _projects_file(store_dir: Path) -> Path:
    return store.open_current(store_dir).table_path("projects")


def _projects(store_dir: Path) -> gpd.GeoDataFrame:
    """The published projects, with lon/lat and the circle radius the map draws them with."""
    frame = gpd.read_parquet(_projects_file(store_dir))
    frame["lon"], frame["lat"] = frame.geometry.x, frame.geometry.y
    frame["radius_m"] = frame["total_investment_yi"].clip(lower=0).pow(0.5) * layers.METRES_PER_SQRT_YI
    # The order the map draws them in, later on top: one layer per stage in STAGE_COLOURS order,
    # biggest first within a layer (layers.project_points_layers, investment.project_points).
    frame["stage_layer"] = frame["stage"].map({s: i for i, s in enumerate(layers.STAGE_COLOURS)})
    return frame.sort_values(["stage_layer", "total_investment_yi", "project_id"],
                             ascending=[True, False, True], ignore_index=True)


def _largest_project(projects: gpd.GeoDataFrame, adcode: str, stage: str):
    chosen = projects[(projects["district_adcode"] == adcode) & (projects["stage"] == stage)]
    assert not chosen.empty, f"the demo store has no {stage} project in {adcode}"
    return chosen.loc[chosen["total_investment_yi"].idxmax()]


def _duckdb_count(store_dir: Path, where: str, params: list) -> int:
    """The expected 项目数, counted independently of the app's own query code."""
    sql = f"SELECT count(*) FROM read_parquet(?) WHERE {where}"
    return duckdb.execute(sql, [str(_projects_file(store_dir)), *params]).fetchone()[0]


# --- map geometry ---------------------------------------------------------------------------------


def _view(bounds) -> tuple[float, float, float]:
    """(lon, lat, zoom) of the map's initial view for ``bounds``, computed the way the page does
    (``layers.point_map`` -> ``fit_view``): its default width may differ from the real canvas,
    so only the centre and zoom are taken, the canvas size is measured in the browser."""
    state = layers.point_map([], bounds).initial_view_state
    return float(state.longitude), float(state.latitude), float(state.zoom)


def _world_px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    size = WORLD_PX * 2 ** zoom
    phi = math.radians(lat)
    return ((lon + 180) / 360 * size,
            (1 - math.log(math.tan(math.pi / 4 + phi / 2)) / math.pi) / 2 * size)


def _map_canvas(page: Page) -> dict:
    """The deck.gl canvas's box in viewport pixels, scrolled into view."""
    canvas = page.locator(f"{MAP} canvas").first
    canvas.wait_for(state="visible", timeout=TIMEOUT_MS)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, f"map canvas box: {box}"
    return box


def _to_page(box: dict, view: tuple[float, float, float], lon: float, lat: float) -> tuple[float, float]:
    """Viewport pixel of (lon, lat): the view's centre is the canvas's centre."""
    v_lon, v_lat, zoom = view
    cx, cy = _world_px(v_lon, v_lat, zoom)
    px, py = _world_px(lon, lat, zoom)
    return box["x"] + box["width"] / 2 + px - cx, box["y"] + box["height"] / 2 + py - cy


def _circles(box: dict, view, projects: gpd.GeoDataFrame) -> list[tuple[float, float, float]]:
    """(x, y, radius) in viewport pixels of each shown project circle, in drawing order."""
    zoom = view[2]
    out = []
    for lon, lat, metres in zip(projects["lon"], projects["lat"], projects["radius_m"]):
        metres_per_px = EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat)) / (WORLD_PX * 2 ** zoom)
        x, y = _to_page(box, view, lon, lat)
        out.append((x, y, min(max(metres / metres_per_px, 2.5), 60.0)))  # the layer's min/max px
    return out


def _inside_canvas(box: dict, x: float, y: float, margin: float = 10) -> bool:
    right, bottom = box["x"] + box["width"], box["y"] + box["height"]
    on_buttons = x > right - BUTTONS_W_PX and y < box["y"] + BUTTONS_H_PX
    return box["x"] + margin < x < right - margin and box["y"] + margin < y < bottom - margin and not on_buttons


def _clear_of(circles, x: float, y: float) -> bool:
    return all(math.hypot(x - cx, y - cy) > r + CLEARANCE_PX for cx, cy, r in circles)


def _clear_spots_in_polygon(page: Page, view, polygon, shown: gpd.GeoDataFrame) -> list[tuple[float, float]]:
    """Spots to click a district: its representative point first, else the nearest grid points
    inside it that no project circle covers (a click there picks the districts layer)."""
    box = _map_canvas(page)
    circles = _circles(box, view, shown)
    inner = polygon.buffer(-0.01)  # ~1 km inside, clear of the (simplified) outline
    rep = polygon.representative_point()
    minx, miny, maxx, maxy = inner.bounds
    candidates = [(rep.x, rep.y)] + sorted(
        ((minx + (maxx - minx) * i / 40, miny + (maxy - miny) * j / 40) for i in range(41) for j in range(41)),
        key=lambda p: math.hypot(p[0] - rep.x, p[1] - rep.y))
    from shapely.geometry import Point

    spots = []
    for lon, lat in candidates:
        x, y = _to_page(box, view, lon, lat)
        if inner.contains(Point(lon, lat)) and _inside_canvas(box, x, y) and _clear_of(circles, x, y):
            spots.append((x, y))
        if len(spots) == 2:
            return spots
    raise AssertionError("no spot of the district is clear of project circles")


def _clear_spots_in_circle(page: Page, view, target, shown: gpd.GeoDataFrame) -> list[tuple[float, float]]:
    """Spots to click a project: its centre if no circle drawn after it covers it, else points
    inside its circle (within 60 % of the radius) clear of those circles."""
    box = _map_canvas(page)
    order = list(shown["project_id"])
    circles = _circles(box, view, shown)
    x0, y0, r = circles[order.index(target["project_id"])]
    above = circles[order.index(target["project_id"]) + 1:]
    candidates = [(x0, y0)] + [(x0 + f * r * math.cos(a), y0 + f * r * math.sin(a))
                               for f in (0.3, 0.6) for a in (k * math.pi / 4 for k in range(8))]
    spots = [(x, y) for x, y in candidates if _inside_canvas(box, x, y) and _clear_of(above, x, y)]
    assert spots, f"project {target['project_id']} is covered by other circles (radius {r:.1f} px)"
    # The retry: a small offset from the first spot, staying well inside the circle.
    return spots[:2] if len(spots) > 1 else [spots[0], (spots[0][0] + min(3, r / 3), spots[0][1])]


def _click_map(page: Page, spots, url_ok, what: str) -> None:
    """Click the first spot; if the URL does not change (deck.gl picks only what is under the
    pointer, and a redraw may still be on its way), try the next one."""
    page.wait_for_timeout(500)  # the run is over, but deck.gl may still be drawing its new props
    for attempt, (x, y) in enumerate(spots):
        page.mouse.move(x, y)  # deck.gl tracks hover; move first so the click is a plain click
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        try:
            _wait_url(page, url_ok, timeout_ms=20_000)
            print(f"clicked {what} at ({x:.0f}, {y:.0f}), attempt {attempt + 1}")
            return
        except AssertionError:
            if attempt == len(spots) - 1:
                artifact("investment_click_failed.png").write_bytes(page.screenshot())
                raise AssertionError(f"clicking {what} at {[(round(a), round(b)) for a, b in spots]} "
                                     f"did not change the URL: {page.url}") from None


# --- the page -------------------------------------------------------------------------------------


def _watch(page: Page, console_errors: list[str], dialogs: list[str]) -> None:
    # With the URL: "Failed to load resource" alone does not say which one.
    page.on("console", lambda m: m.type == "error" and console_errors.append(
        f"{m.text} [{m.location.get('url', '')}]" if m.text.startswith("Failed to load") else m.text))
    page.on("pageerror", lambda exc: console_errors.append(f"uncaught: {exc}"))

    def on_dialog(dialog) -> None:  # an alert() would block the page; note it and close it
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)


def _wait_rendered(page: Page, text: str) -> None:
    """Wait for ``text`` and the end of the run; an exception the app shows instead fails at once
    (with its text) rather than after the whole timeout."""
    page.get_by_text(text, exact=True).or_(page.locator('[data-testid="stException"]')).first.wait_for(
        state="visible", timeout=TIMEOUT_MS)
    _assert_no_exception(page)
    wait_until_idle(page, TIMEOUT_MS)


def _query(page: Page) -> dict[str, list[str]]:
    return _query_of(page.url)


def _query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def _wait_url(page: Page, ok, timeout_ms: float = TIMEOUT_MS) -> None:
    """Wait until the URL's query satisfies ``ok`` (Streamlit writes it during the rerun), then
    until the rerun is over."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not ok(_query(page)):
        if time.monotonic() > deadline:
            raise AssertionError(f"the URL did not change as expected within {timeout_ms / 1000:.0f} s: {page.url}")
        page.wait_for_timeout(200)
    wait_until_idle(page, TIMEOUT_MS)


def _metric(page: Page, label: str) -> int:
    """The value of the metric labelled ``label`` as an integer ("362 个" -> 362)."""
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.get_by_text(label, exact=True)).first
    text = metric.locator('[data-testid="stMetricValue"]').inner_text(timeout=TIMEOUT_MS)
    digits = re.sub(r"[^\d]", "", text)
    assert digits, f"metric {label} shows {text!r}"
    return int(digits)


def _wait_metric_change(page: Page, label: str, before: int) -> int:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while _metric(page, label) == before and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    wait_until_idle(page, TIMEOUT_MS)
    return _metric(page, label)


def _pick_option(page: Page, widget: str, option: str) -> None:
    """Open a multiselect and click one of its options, like a user."""
    page.locator(f'{widget} [role="combobox"]').click()
    page.get_by_role("listbox").get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")  # close the drop-down so it does not cover the page


def _wait_project_panel(page: Page, name: str) -> None:
    # exact: the subheader is the project's name, nothing more
    page.locator('[data-testid="stHeading"]').get_by_text(name, exact=True).first.wait_for(
        state="visible", timeout=TIMEOUT_MS)
    wait_until_idle(page, TIMEOUT_MS)


def _caption_text(page: Page) -> str:
    return "\n".join(page.locator('[data-testid="stCaptionContainer"]').all_inner_texts())


def _assert_no_exception(page: Page) -> None:
    shown = page.locator('[data-testid="stException"]')
    assert shown.count() == 0, f"the app shows an exception:\n{shown.first.inner_text()}"
