"""The 数据管理 page in a real browser: upload a GBK ledger with a bad row and markup in a name,
read the report, publish the valid rows, roll back from the history tab.

Runs on its own tiny store (never the shared demo store: it publishes). Screenshots go to
tests/artifacts/data_*.png, the browser console's errors to data_console.txt.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from playwright.sync_api import sync_playwright

from e2e_helpers import (TIMEOUT_MS, assert_no_exception, check_console, launch_browser, metric_texts, running_app,
                         screenshot_page, wait_rendered, wait_until_idle, watch_page)
from geo import store
from geo.boundaries import DISTRICT_SEATS

pytestmark = pytest.mark.e2e

HEAD = ["项目编号", "项目名称", "所属区县", "项目类别", "项目级别", "项目阶段", "总投资（万元）", "年度计划投资（亿元）",
        "年度已完成投资（亿元）", "经度", "纬度"]


def test_upload_publish_and_roll_back(tiny_snapshot, store_dir, tmp_path) -> None:
    rows = [["P100", "<img src=x onerror=alert(1)>", "荷塘", "产业发展", "市重点", "施工中", "12,000", 1, 0.5,
             *DISTRICT_SEATS["430202"]],
            ["P101", "醴陵新园", "醴陵市", "基础设施", "省重点", "在建", "5000", 0.5, 0.1, *DISTRICT_SEATS["430281"]],
            ["P102", "坏坐标", "醴陵市", "基础设施", "省重点", "在建", "5000", 0.5, 0.1, 0, 0]]
    text = io.StringIO()
    pd.DataFrame(rows, columns=HEAD).to_csv(text, index=False)
    ledger = tmp_path / "项目台账.csv"
    ledger.write_bytes(text.getvalue().encode("gbk"))
    console, dialogs = [], []
    with running_app(store_dir) as base, sync_playwright() as p:
        browser = launch_browser(p)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        watch_page(page, console, dialogs)
        page.goto(f"{base}/data", timeout=TIMEOUT_MS)
        wait_rendered(page, "数据管理")
        page.set_input_files("input[type=file]", str(ledger))
        page.get_by_text("检查结果", exact=True).wait_for(timeout=TIMEOUT_MS)
        wait_until_idle(page)
        assert_no_exception(page)
        assert metric_texts(page, "接受")[0] == "2" and metric_texts(page, "拒绝")[0] == "1"
        screenshot_page(page, "data_report.png")

        page.get_by_placeholder("姓名或部门").fill("数据科")
        page.keyboard.press("Enter")
        wait_until_idle(page)
        page.get_by_text("只发布 2 行有效数据", exact=False).click()
        wait_until_idle(page)
        page.get_by_role("button", name="发布为新快照").click()
        page.get_by_text("已发布快照", exact=False).wait_for(timeout=TIMEOUT_MS)
        wait_until_idle(page)
        published = store.open_current(store_dir)
        assert published.id != tiny_snapshot.id and published.manifest["published_by"] == "数据科"
        names = store.read_table(published, "projects").set_index("project_id")["name"]
        assert names["P100"] == "<img src=x onerror=alert(1)>"
        screenshot_page(page, "data_published.png")

        page.get_by_role("tab", name="快照历史与回滚").click()
        page.get_by_role("button", name="设为当前").click()
        page.get_by_text("当前数据将撤销这 1 次发布的变更", exact=False).wait_for(timeout=TIMEOUT_MS)
        assert store.open_current(store_dir).id == published.id  # it asks first
        page.get_by_role("button", name="确认设为当前").click()
        page.get_by_text("已回滚", exact=False).wait_for(timeout=TIMEOUT_MS)
        wait_until_idle(page)
        assert store.open_current(store_dir).id == tiny_snapshot.id
        screenshot_page(page, "data_history.png")
        browser.close()
    check_console(console, dialogs, "data_console.txt")
