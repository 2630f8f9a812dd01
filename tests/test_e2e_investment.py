"""The investment page in a real browser, on the demo store, driven like a user would.

One flow, because each step builds on the last: filter by stage in the sidebar, click 醴陵市 on
the map, click its largest project under construction, then open the resulting URL in a fresh
browser context (the link must reproduce the view) and switch it to English.

Map clicks need screen positions: the test projects lon/lat to pixels itself (``e2e_helpers``:
Web Mercator, deck.gl's 512-px world at zoom 0) from the view the page computes for the shown
districts and the canvas's real size, and picks a spot that no other project circle covers.

Screenshots go to tests/artifacts/investment_*.png for a person to look at, the browser
console's errors to investment_console.txt.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import duckdb
import geopandas as gpd
import pytest
from playwright.sync_api import Page, sync_playwright

from e2e_helpers import (TIMEOUT_MS, artifact, assert_no_exception, check_console, click_map, fitted_view,
                         inside_canvas, launch_browser, map_canvas, metres_per_px, metric_int, query,
                         query_of, running_app, screenshot_page, spots_in_polygon, to_page, wait_rendered,
                         wait_tooltip, wait_until_idle, wait_url, watch_page, widget_text)
from geo import layers, store
from geo.boundaries import load_districts

pytestmark = pytest.mark.e2e

LILING = "430281"
BUILDING = "在建"
MAP = ".st-key-inv_map"
# Clicks must land clear of other project circles (and off the zoom buttons: ``inside_canvas``).
CLEARANCE_PX = 6


# Counts the history entries the page adds (Streamlit adds one per change of the address it gets).
COUNT_PUSHES = """(() => { window.__pushes = 0; const push = history.pushState.bind(history);
  history.pushState = (...args) => { window.__pushes += 1; return push(...args); }; })()"""


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
            watch_page(page, console_errors, dialogs)
            page.goto(f"{url}/investment", wait_until="domcontentloaded")
            wait_rendered(page, "项目数")
            assert_no_exception(page)
            all_count = metric_int(page, "项目数")
            assert all_count == len(projects), f"项目数 shows {all_count}, the store has {len(projects)}"
            map_canvas(page, MAP)
            screenshot_page(page, "investment_zh_1920.png")

            # 2. Stage 在建 through the sidebar multiselect, as a user picks it.
            _pick_option(page, ".st-key-f_stage", BUILDING)
            wait_url(page, lambda q: q.get("stage") == [BUILDING])
            building_count = _wait_metric_change(page, "项目数", all_count)
            assert building_count == _duckdb_count(demo_store, "stage = ?", [BUILDING])
            assert building_count != all_count

            # 3. Click 醴陵市 on the map (the districts layer, under the project circles).
            districts = load_districts()
            liling = districts[districts["adcode"] == LILING].geometry.iloc[0]
            view = fitted_view(districts.total_bounds)
            # Clear of every project, not only the 在建 ones: should deck.gl still show the
            # unfiltered circles for a moment, the click must not pick one of them either.
            spots = _clear_spots_in_polygon(page, view, liling, projects)
            click_map(page, spots, lambda q: q.get("district") == [LILING], "the district 醴陵市",
                      "investment_click_failed.png")
            liling_count = _wait_metric_change(page, "项目数", building_count)
            assert liling_count == _duckdb_count(
                demo_store, "stage = ? AND district_adcode = ?", [BUILDING, LILING])
            assert "醴陵市" in _caption_text(page), _caption_text(page)
            widget_text(page, "f_district", "醴陵市")

            # 3b. The sidebar lets 醴陵市 go; a click on it on the map picks it again at once (the map
            # kept its pick selected, and a click on it only unselected it: nothing happened).
            page.locator(".st-key-f_district").get_by_role("button", name="Clear all").click()
            wait_url(page, lambda q: "district" not in q)
            assert _wait_metric(page, "项目数", building_count) == building_count
            spots = _clear_spots_in_polygon(page, view, liling, projects)
            wait_tooltip(page, MAP, *spots[0], lambda text: "醴陵" in text, "醴陵市's tooltip", timeout_ms=30_000)
            click_map(page, spots[:1], lambda q: q.get("district") == [LILING], "the district 醴陵市 again",
                      "investment_click_failed.png")
            assert _wait_metric(page, "项目数", liling_count) == liling_count

            # 4. The map refits to 醴陵市; click its largest project under construction.
            view = fitted_view(liling.bounds)
            shown = projects[(projects["stage"] == BUILDING) & (projects["district_adcode"] == LILING)]
            spots = _clear_spots_in_circle(page, view, target, shown)
            click_map(page, spots, lambda q: q.get("project") == [target["project_id"]],
                      f"the project {target['project_id']} {target['name']}", "investment_click_failed.png")
            _wait_project_panel(page, target["name"])
            assert metric_int(page, "项目数") == liling_count  # selecting a project filters nothing
            assert_no_exception(page)
            # The pointer still rests on the project: keep its hover tooltip for the review, then
            # move away so the full-page shot shows the map uncovered.
            page.locator(MAP).screenshot(path=artifact("investment_tooltip_zh.png"))
            page.mouse.move(5, 5)
            screenshot_page(page, "investment_project_zh.png")
            link = page.url

            # 5. The link alone reproduces the view: a new context shares no cookies or session.
            context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            page = context.new_page()
            watch_page(page, console_errors, dialogs)
            page.goto(link, wait_until="domcontentloaded")
            wait_rendered(page, "项目数")
            _wait_project_panel(page, target["name"])
            assert metric_int(page, "项目数") == liling_count
            widget_text(page, "f_district", "醴陵市")
            widget_text(page, "f_stage", BUILDING)
            assert query(page) == query_of(link), f"the reloaded page changed its URL: {page.url}"
            assert_no_exception(page)
            map_canvas(page, MAP)
            screenshot_page(page, "investment_reloaded_zh.png")

            # 6. English keeps the filters and the selected project; on a laptop-sized screen.
            page.locator(".st-key-lang").get_by_text("English", exact=True).click()
            wait_rendered(page, "Projects")
            assert metric_int(page, "Projects") == liling_count
            _wait_project_panel(page, target["name"])
            widget_text(page, "f_district", "Liling City")
            widget_text(page, "f_stage", "Under construction")
            assert query(page).get("lang") == ["en"], page.url
            assert_no_exception(page)
            # Back shows the Chinese page again, Forward the English one
            page.go_back()
            wait_url(page, lambda q: "lang" not in q)
            wait_rendered(page, "项目数")
            page.go_forward()
            wait_url(page, lambda q: q.get("lang") == ["en"])
            wait_rendered(page, "Projects")
            page.set_viewport_size({"width": 1366, "height": 768})
            wait_until_idle(page, TIMEOUT_MS)
            screenshot_page(page, "investment_en_1366.png")

            # 7. The stage chart keeps every stage to click (it counts under the other filters);
            # a shift-click adds 竣工 to 在建, a plain click then picks 投产 alone.
            page.locator('[data-testid="stCaptionContainer"]').first.click()  # a caret in the page's text
            _click_bar(page, "inv_stage_chart", "Completed", shift=True)
            wait_url(page, lambda q: q.get("stage") == [f"{BUILDING},竣工"])
            assert page.evaluate("window.getSelection().toString()") == ""  # the shift-click selected no text
            assert metric_int(page, "Projects") == _duckdb_count(
                demo_store, "stage IN (?, ?) AND district_adcode = ?", [BUILDING, "竣工", LILING])
            _click_bar(page, "inv_stage_chart", "In production")
            wait_url(page, lambda q: q.get("stage") == ["投产"])
            assert_no_exception(page)

            # 8. The browser's Back undoes the click (the app used to write its filters over the
            # older address); the menu carries the filters to another page, and Back returns
            # to this one as it was, in one step.
            both = _duckdb_count(demo_store, "stage IN (?, ?) AND district_adcode = ?", [BUILDING, "竣工", LILING])
            page.go_back()
            wait_url(page, lambda q: q.get("stage") == [f"{BUILDING},竣工"])
            assert _wait_metric(page, "Projects", both) == both
            widget_text(page, "f_stage", "Completed")
            page.get_by_role("link", name="Idle land").click()
            wait_url(page, lambda q: "/land" in page.url)
            wait_rendered(page, "Parcels")
            assert query(page).get("district") == [LILING] and query(page).get("lang") == ["en"], page.url
            page.go_back()
            wait_url(page, lambda q: "/investment" in page.url and q.get("stage") == [f"{BUILDING},竣工"])
            wait_rendered(page, "Projects")
            assert _wait_metric(page, "Projects", both) == both
            assert_no_exception(page)

            # 9. A shift-click takes a chosen bar out again
            _click_bar(page, "inv_stage_chart", "Completed", shift=True)
            wait_url(page, lambda q: q.get("stage") == [BUILDING])
            assert _wait_metric(page, "Projects", liling_count) == liling_count  # 醴陵, 在建

            # 10. What a run changes in the address is one history entry (geo.url): "Clear all"
            # with a project open, then Back brings filters and project back together (they were
            # two entries: Back showed the project without its filters first).
            before = query(page)
            assert before.get("project") == [target["project_id"]], page.url
            page.evaluate(COUNT_PUSHES)
            page.locator(".st-key-inv_clear button").click()
            wait_url(page, lambda q: q == {"lang": ["en"]})
            assert _wait_metric(page, "Projects", all_count) == all_count
            assert page.evaluate("window.__pushes") == 1
            page.go_back()
            wait_url(page, lambda q: q == before)
            _wait_project_panel(page, target["name"])
            # A hand-written link the app tidies (a district's name written as its code, the
            # default map view dropped): one entry, not one per change.
            page.add_init_script(COUNT_PUSHES)
            page.goto(f"{url}/investment?district=醴陵&map=points&stage={BUILDING}", wait_until="domcontentloaded")
            wait_url(page, lambda q: q == {"district": [LILING], "stage": [BUILDING]})
            assert _wait_metric(page, "项目数", liling_count) == liling_count
            wait_until_idle(page, TIMEOUT_MS)
            assert page.evaluate("window.__pushes") == 1
        finally:
            browser.close()
    # 8. deck.gl errors, uncaught exceptions, dialogs (e2e_helpers.check_console).
    check_console(console_errors, dialogs, "investment_console.txt")


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


def _circles(box: dict, view, projects: gpd.GeoDataFrame) -> list[tuple[float, float, float]]:
    """(x, y, radius) in viewport pixels of each shown project circle, in drawing order."""
    out = []
    for lon, lat, metres in zip(projects["lon"], projects["lat"], projects["radius_m"]):
        x, y = to_page(box, view, lon, lat)
        out.append((x, y, min(max(metres / metres_per_px(lat, view[2]), 2.5), 60.0)))  # the layer's min/max px
    return out


def _clear_of(circles, x: float, y: float) -> bool:
    return all(math.hypot(x - cx, y - cy) > r + CLEARANCE_PX for cx, cy, r in circles)


def _clear_spots_in_polygon(page: Page, view, polygon, shown: gpd.GeoDataFrame) -> list[tuple[float, float]]:
    """Spots to click a district: its representative point first, else the nearest grid points
    inside it that no project circle covers (a click there picks the districts layer)."""
    box = map_canvas(page, MAP)
    circles = _circles(box, view, shown)
    return spots_in_polygon(box, view, polygon, lambda x, y: _clear_of(circles, x, y))


def _clear_spots_in_circle(page: Page, view, target, shown: gpd.GeoDataFrame) -> list[tuple[float, float]]:
    """Spots to click a project: its centre if no circle drawn after it covers it, else points
    inside its circle (within 60 % of the radius) clear of those circles."""
    box = map_canvas(page, MAP)
    order = list(shown["project_id"])
    circles = _circles(box, view, shown)
    x0, y0, r = circles[order.index(target["project_id"])]
    above = circles[order.index(target["project_id"]) + 1:]
    candidates = [(x0, y0)] + [(x0 + f * r * math.cos(a), y0 + f * r * math.sin(a))
                               for f in (0.3, 0.6) for a in (k * math.pi / 4 for k in range(8))]
    spots = [(x, y) for x, y in candidates if inside_canvas(box, x, y) and _clear_of(above, x, y)]
    assert spots, f"project {target['project_id']} is covered by other circles (radius {r:.1f} px)"
    # The retry: a small offset from the first spot, staying well inside the circle.
    return spots[:2] if len(spots) > 1 else [spots[0], (spots[0][0] + min(3, r / 3), spots[0][1])]


# --- the page -------------------------------------------------------------------------------------


def _wait_metric_change(page: Page, label: str, before: int) -> int:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while metric_int(page, label) == before and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    wait_until_idle(page, TIMEOUT_MS)
    return metric_int(page, label)


def _wait_metric(page: Page, label: str, expected: int) -> int:
    """The metric once it shows ``expected`` (or what it shows when the time is up)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while metric_int(page, label) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    return metric_int(page, label)


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


def _click_bar(page: Page, chart_key: str, label: str, shift: bool = False) -> None:
    """Click (or shift-click) the bar of ``label`` in the chart keyed ``chart_key``: just right
    of its axis label, once the chart is idle."""
    wait_until_idle(page, TIMEOUT_MS)
    chart = page.locator(f'[class*="st-key-{chart_key}"]').first
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(1_000)  # the chart lays out after it scrolled into view
    x, y = chart.evaluate("""(c, label) => { const t = [...c.querySelectorAll('svg text')].find(t => t.textContent === label);
        const r = t.getBoundingClientRect(); return [r.x + r.width + 30, r.y + r.height / 2]; }""", label)
    page.mouse.move(x, y)
    if shift:
        page.keyboard.down("Shift")
    page.mouse.click(x, y)
    if shift:
        page.keyboard.up("Shift")


def _caption_text(page: Page) -> str:
    return "\n".join(page.locator('[data-testid="stCaptionContainer"]').all_inner_texts())

