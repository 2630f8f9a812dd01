"""Downloading an extract in a real browser: on the investment page filtered to 醴陵市 projects
under construction, open the download panel, build a CSV and an Excel file, download both, and
check that they hold exactly the rows the page counts, with Chinese text intact."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

from e2e_helpers import (TIMEOUT_MS, assert_no_exception, check_console, launch_browser, metric_int, running_app,
                         screenshot_page, wait_rendered, wait_until_idle, watch_page)

pytestmark = pytest.mark.e2e

PANEL = ".st-key-investment_dl_open"


def test_download_the_filtered_projects(demo_store: Path) -> None:
    console_errors: list[str] = []
    dialogs: list[str] = []
    with running_app(demo_store) as url, sync_playwright() as pw:
        browser = launch_browser(pw)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN", accept_downloads=True)
            watch_page(page, console_errors, dialogs)
            page.goto(f"{url}/investment?district=醴陵市&stage=在建", wait_until="domcontentloaded")
            wait_rendered(page, "项目数")
            shown = metric_int(page, "项目数")
            assert shown > 0
            page.get_by_text("下载当前筛选的数据", exact=False).first.click()
            page.locator(".st-key-investment_dl_build").wait_for(timeout=TIMEOUT_MS)

            # CSV: projects and tasks zipped? Only projects: drop tasks from the chosen tables.
            tables = page.locator(".st-key-investment_dl_tables")
            tables.get_by_role("button", name="remove").last.click()
            expect(tables).not_to_contain_text("交办事项", timeout=TIMEOUT_MS)
            _choose_format(page, "CSV")
            csv_bytes = _build_and_download(page, "项目_醴陵市_在建_2023-09-30.csv")
            rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
            assert csv_bytes.startswith(b"\xef\xbb\xbf")  # Excel/WPS read UTF-8 with a BOM
            assert len(rows) == shown
            assert {r["项目阶段"] for r in rows} == {"在建"} and {r["区县代码"] for r in rows} == {"430281"}
            assert all(r["项目名称"] for r in rows)

            _choose_format(page, "Excel")
            xlsx = openpyxl.load_workbook(io.BytesIO(_build_and_download(page, "项目_醴陵市_在建_2023-09-30.xlsx")),
                                          read_only=True)
            assert xlsx.sheetnames[0] == "项目" and "说明" in xlsx.sheetnames
            assert xlsx["项目"].max_row == shown + 1  # the header row
            screenshot_page(page, "extract_investment_zh.png")
            assert_no_exception(page)
        finally:
            browser.close()
    check_console(console_errors, dialogs, "extract_console.txt")


def _choose_format(page, label: str) -> None:
    """Pick ``label`` in the format selectbox once the run a previous change started is over (a
    rerun that ends while the list is open closes it: the option was then never found, once in
    CI), and wait for the run the pick starts."""
    wait_until_idle(page)
    box = page.locator(".st-key-investment_dl_format")
    for attempt in range(3):  # a rerun ending while the list is open still closes it now and then (CI)
        box.click()
        try:
            page.get_by_role("option", name=label, exact=True).click(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            wait_until_idle(page)
    expect(box.get_by_role("combobox")).to_have_value(label, timeout=TIMEOUT_MS)
    wait_until_idle(page)


def _build_and_download(page, file_name: str) -> bytes:
    page.locator(".st-key-investment_dl_build button").click()
    button = page.get_by_role("button", name=f"下载 {file_name}")
    button.wait_for(timeout=TIMEOUT_MS)
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == file_name
    return Path(download.path()).read_bytes()
