"""A dispatch meeting in a real browser: start an agenda of three saved views in presentation
mode, step through it (each view with its own filters, the sidebar and Streamlit's chrome hidden,
headline figures in large type), leave presentation mode, then assign a task and close it —
each change a new snapshot of the store. Screenshots at 1920×1080 go to tests/artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from e2e_helpers import (TIMEOUT_MS, assert_no_exception, check_console, free_port, launch_browser, query, running_app,
                         screenshot_page, table_row_heights, wait_rendered, wait_url, watch_page)
from geo import agenda as agendas
from geo import store

pytestmark = pytest.mark.e2e

VIEWS = [("醴陵 — 在建项目", "/investment?district=430281&stage=在建"),
         ("攸县 — 在建项目", "/investment?district=430223&stage=在建"),  # the same page as the item before
         ("攸县闲置土地", "/land?district=430223&status=闲置"),
         ("电网裕度（220 千伏）", "/energy?map=headroom&headroom_kv=220")]


def test_present_an_agenda_then_assign_close_and_reopen_a_task(demo_store: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(demo_store, store_dir, symlinks=True)  # this test writes snapshots
    agendas.save(agendas.new_agenda("九月调度会", [agendas.item_from_link(t, link) for t, link in VIEWS]),
                         store_dir)
    first = store.open_current(store_dir)
    console_errors: list[str] = []
    dialogs: list[str] = []
    with running_app(store_dir) as url, sync_playwright() as pw:
        browser = launch_browser(pw)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            watch_page(page, console_errors, dialogs)
            page.goto(f"{url}/meeting?view=agenda", wait_until="domcontentloaded")
            wait_rendered(page, "议程名称")
            _choose(page, ".st-key-agenda_pick", "九月调度会")
            page.locator(".st-key-agenda_start a").click()

            expected = {"1": ({"district": ["430281"], "stage": ["在建"]}, "项目数"),
                        "2": ({"district": ["430223"], "stage": ["在建"]}, "项目数"),
                        "3": ({"district": ["430223"], "status": ["闲置"]}, "剩余闲置低效存量"),
                        "4": ({"map": ["headroom"], "headroom_kv": ["220"]}, "电网供电能力")}
            headline = {}
            for n, (params, figure) in expected.items():
                headline[n] = _shows_item(page, n, params, figure)
                assert not page.locator("section[data-testid=stSidebar]").is_visible()
                size = page.locator("[data-testid=stMetricValue] p").first.evaluate(
                    "e => parseFloat(getComputedStyle(e).fontSize)")
                assert size >= 48, f"headline figures are {size}px on item {n}"
                # Tables draw on a canvas, sized by the root's font size when first drawn (geo.styles):
                # the agenda's start and each step redraw them at presentation mode's larger size
                table_type = page.locator('[data-testid=stDataFrame] [style*="--gdg-base-font-style"]').first.evaluate(
                    "e => getComputedStyle(e).getPropertyValue('--gdg-base-font-style')")
                assert float(table_type.split()[-1].removesuffix("px")) >= 18, f"tables' type is {table_type!r} on item {n}"
                rows = table_row_heights(page)
                assert rows and min(rows) >= 44, f"table rows drawn {rows} px high on item {n}"
                assert_no_exception(page)
                screenshot_page(page, f"meeting_present_{n}.png")
                if n != "4":
                    page.locator(".st-key-agenda_next a").click()
            assert headline["1"] != headline["2"]  # 醴陵's projects, then 攸县's
            # The browser's Back and Forward step through the items shown, each with its own
            # page, bar, filters and figures
            for step, n in ((page.go_back, "3"), (page.go_back, "2"), (page.go_forward, "3")):
                step()
                assert _shows_item(page, n, *expected[n]) == headline[n], f"item {n} after {step.__name__}"
            page.locator(".st-key-agenda_prev a").click()
            assert _shows_item(page, "2", *expected["2"]) == headline["2"]
            assert "status" not in query(page)  # the land item's filter does not follow into the project item
            # Leaving presentation mode in the open page draws the tables at normal size again
            page.get_by_role("button", name="退出演示").first.click()
            wait_url(page, lambda q: "present" not in q)
            wait_rendered(page, "项目数")
            assert page.locator(".st-key-lang").is_visible()  # the language switch is back in the sidebar
            rows = table_row_heights(page)
            assert rows and max(rows) <= 36, f"after leaving presentation mode table rows are {rows} px high"

            page.goto(f"{url}/meeting?view=tasks", wait_until="domcontentloaded")
            wait_rendered(page, "会上交办新事项")
            _choose(page, ".st-key-assign_project", "醴陵")
            _choose(page, ".st-key-assign_unit", "国网株洲供电公司")
            page.locator(".st-key-assign_task_title input").fill("协调 110 千伏专线接入")
            page.get_by_role("button", name="交办", exact=True).click()
            done = page.get_by_text("已交办：", exact=False).first
            done.wait_for(timeout=TIMEOUT_MS)
            task_id = done.inner_text().split("：")[1].strip()
            _choose(page, ".st-key-close_task", task_id)
            page.get_by_role("button", name="办结", exact=True).click()
            page.get_by_text(f"已办结：{task_id}").wait_for(timeout=TIMEOUT_MS)
            # closed by mistake: reopened with a reason (the last closed task is the picker's first)
            _choose(page, ".st-key-undo_task", task_id)
            page.locator(".st-key-undo_reason input").fill("误点办结")
            page.get_by_role("button", name="撤销办结", exact=True).click()
            page.get_by_text(f"已撤销办结：{task_id} 恢复为办理中").wait_for(timeout=TIMEOUT_MS)
            screenshot_page(page, "meeting_tasks.png")
            assert_no_exception(page)
        finally:
            browser.close()
    check_console(console_errors, dialogs, "meeting_console.txt")
    last = store.open_current(store_dir)
    tasks = store.read_table(last, "tasks").set_index("task_id")
    assert tasks.loc[task_id, "status"] == "办理中" and tasks.loc[task_id, "title"] == "协调 110 千伏专线接入"
    assert last.manifest["note"] == f"reopen task {task_id}: 误点办结"
    assert len(store.list_snapshots(store_dir)) == len(store.list_snapshots(demo_store)) + 3
    assert last.id != first.id


def test_a_task_assigned_in_a_tab_left_open_across_a_server_restart_is_saved_on_the_first_click(
        demo_store: Path, tmp_path: Path) -> None:
    """The tab's first click is the new session's first message, whose callbacks Streamlit skips:
    交办 was lost without a word, the typed task still in the form (exploratory tester 6)."""
    store_dir = tmp_path / "store"
    shutil.copytree(demo_store, store_dir, symlinks=True)
    before = len(store.read_table(store.open_current(store_dir), "tasks"))
    port = free_port()
    with sync_playwright() as pw:
        browser = launch_browser(pw)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 2400}, locale="zh-CN")
            with running_app(store_dir, port=port) as url:
                page.goto(f"{url}/meeting?view=tasks", wait_until="domcontentloaded")
                wait_rendered(page, "会上交办新事项")
                _choose(page, ".st-key-assign_project", "醴陵")
                _choose(page, ".st-key-assign_unit", "国网株洲供电公司")
                page.locator(".st-key-assign_task_title input").fill("重启前填写的事项")
            with running_app(store_dir, port=port):  # the server restarted; the tab reconnects
                page.wait_for_timeout(3_000)
                page.get_by_role("button", name="交办", exact=True).click()
                page.get_by_text("已交办：", exact=False).first.wait_for(timeout=TIMEOUT_MS)
                assert_no_exception(page)
        finally:
            browser.close()
    tasks = store.read_table(store.open_current(store_dir), "tasks")
    assert len(tasks) == before + 1 and tasks["title"].iloc[-1] == "重启前填写的事项"


def _shows_item(page: Page, n: str, params: dict, figure: str) -> str:
    """Wait for agenda item ``n`` of 4 in presentation mode; check its bar and URL parameters; the
    page's first headline figure."""
    wait_url(page, lambda q: q.get("item") == [n] and q.get("present") == ["1"])
    wait_rendered(page, figure)
    bar = page.locator(".st-key-agenda_bar").inner_text()
    assert f"第 {n} / 4 项" in bar and "九月调度会" in bar, bar
    assert all(query(page).get(k) == v for k, v in params.items()), page.url
    return page.locator("[data-testid=stMetricValue]").first.inner_text()


def _choose(page: Page, selector: str, text: str) -> None:
    """Open a selectbox, type ``text`` (the list is virtual: only options near the top are in
    the page until the typed text narrows it) and pick the first option containing it. Retried:
    a rerun that lands while the list is open (the first runs of a session) closes it again."""
    option = page.get_by_role("option").filter(has_text=text).first
    for attempt in range(3):
        page.locator(selector).click()
        page.keyboard.type(text)
        try:
            option.wait_for(timeout=5_000)
            option.click()
            page.wait_for_timeout(300)
            return
        except Exception:
            page.keyboard.press("Escape")
            page.wait_for_timeout(1_000)
    raise AssertionError(f"no option {text!r} in {selector}")
