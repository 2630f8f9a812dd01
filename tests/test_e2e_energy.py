"""The energy page in a real browser, on the demo store: read the city's grid figures, click a
substation on the map, see its details (the transformer areas it feeds, the projects relying on
it), open the link in a fresh context, and switch to English on a laptop screen.

The substation to click is the 220 kV station with the most room around it: symbols are drawn
in pixels (``energy_layers.VOLTAGE_RADIUS_PX``), smaller voltages on top, so the test picks the
one whose centre no other symbol covers. Screenshots go to tests/artifacts/energy_*.png.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pytest
from playwright.sync_api import Page, sync_playwright

from e2e_helpers import (TIMEOUT_MS, assert_no_exception, check_console, click_map, fitted_view, inside_canvas,
                         launch_browser, map_canvas, metric_texts, query, query_of, running_app, screenshot_page,
                         to_page, wait_rendered, wait_until_idle, watch_page)
from geo import store
from geo.boundaries import load_districts
from geo.energy_layers import VOLTAGE_RADIUS_PX

pytestmark = pytest.mark.e2e

MAP = ".st-key-en_map"
FIGURES_ZH = {"电网供电能力": "2,900.0 MW", "最高负荷": "2,703.8 MW", "新能源装机": "697.8 MW", "公变台区": "19,994 个"}


def test_energy_click_a_substation_and_share_the_link(demo_store: Path) -> None:
    stations = gpd.read_parquet(store.open_current(demo_store).table_path("substations"))
    console_errors: list[str] = []
    dialogs: list[str] = []
    with running_app(demo_store) as url, sync_playwright() as pw:
        browser = launch_browser(pw)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            watch_page(page, console_errors, dialogs)
            page.goto(f"{url}/energy", wait_until="domcontentloaded")
            wait_rendered(page, "电网供电能力")
            for label, value in FIGURES_ZH.items():
                assert metric_texts(page, label)[0] == value, label
            map_canvas(page, MAP)
            screenshot_page(page, "energy_zh_1920.png")

            box = map_canvas(page, MAP)  # measured after the screenshot, which may scroll
            view = fitted_view(load_districts().total_bounds)
            target, (x, y) = _clearest_station(box, view, stations, voltage=220)
            click_map(page, [(x, y), (x + 2, y)], lambda q: q.get("station") == [target["station_id"]],
                      f"the substation {target['name']}", "energy_click_failed.png")
            _wait_panel(page, target["name"])
            page.mouse.move(5, 5)
            screenshot_page(page, "energy_station_zh.png")
            link = page.url

            context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            page = context.new_page()
            watch_page(page, console_errors, dialogs)
            page.goto(link, wait_until="domcontentloaded")
            wait_rendered(page, "电网供电能力")
            _wait_panel(page, target["name"])
            assert query(page) == query_of(link), page.url
            assert_no_exception(page)

            page.locator(".st-key-lang").get_by_text("English", exact=True).click()
            wait_rendered(page, "Grid supply capability")
            _wait_panel(page, target["name"])
            assert query(page).get("station") == [target["station_id"]]
            page.set_viewport_size({"width": 1366, "height": 768})
            wait_until_idle(page, TIMEOUT_MS)
            map_canvas(page, MAP)
            screenshot_page(page, "energy_en_1366.png")
            assert_no_exception(page)
        finally:
            browser.close()
    check_console(console_errors, dialogs, "energy_console.txt")


def _clearest_station(box: dict, view, stations: gpd.GeoDataFrame, voltage: int):
    """The station of ``voltage`` whose centre is farthest (in screen pixels) from any other
    symbol's edge, and its pixel position."""
    pixels = [(to_page(box, view, g.x, g.y), VOLTAGE_RADIUS_PX[int(kv)])
              for g, kv in zip(stations.geometry, stations["voltage_kv"])]
    best, best_gap = None, -math.inf
    for i, row in enumerate(stations.itertuples(index=False)):
        (x, y), _ = pixels[i]
        if int(row.voltage_kv) != voltage or row.status != "在运" or not inside_canvas(box, x, y, margin=30):
            continue
        gap = min(math.hypot(x - ox, y - oy) - r for j, ((ox, oy), r) in enumerate(pixels) if j != i)
        if gap > best_gap:
            best, best_gap = (stations.iloc[i], (x, y)), gap
    assert best and best_gap > 3, f"no {voltage} kV station is clear of the others (gap {best_gap:.1f} px)"
    return best


def _wait_panel(page: Page, name: str) -> None:
    page.get_by_role("heading", name=name).first.wait_for(timeout=TIMEOUT_MS)
    for text in ("所供公变台区", "Transformer areas it feeds"):
        if page.get_by_text(text, exact=True).count():
            return
    raise AssertionError("the substation panel has no transformer-area table")
