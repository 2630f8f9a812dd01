"""geo.brief: the one-page A4-landscape meeting brief, checked the way a reader meets it.

The PDF is rendered with poppler (``pdftoppm``: one page, landscape), its text extracted with
``pdftotext`` (Chinese copied out of it, HTML-like titles literal) and its fonts listed with
``pdffonts`` (the CJK font embedded). The PDFs and PNGs are kept under ``tests/artifacts/``
(git-ignored) so a person can look at them.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import AS_OF, LILING, make_tiny_tables

from geo import brief, meeting, store
from geo.filters import Filters
from geo.query import Scope
from geo.schema import enum_label
from geo.task_rates import task_list

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ALL = Scope.all()
PRINTED = dt.date(2023, 10, 8)
pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                reason="poppler-utils (pdftoppm, pdftotext, pdffonts) not installed")


def _run(*args: str) -> str:
    return subprocess.run(list(args), check=True, capture_output=True, text=True, timeout=60).stdout


def _save(name: str, data: bytes) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(data)
    return path


def _pages(pdf: Path) -> list[Path]:
    """Render every page to PNG at 60 dpi; returns the files (one per page)."""
    prefix = pdf.with_suffix("")
    for old in pdf.parent.glob(prefix.name + "-*.png"):
        old.unlink()
    _run("pdftoppm", "-r", "60", "-png", str(pdf), str(prefix))
    return sorted(pdf.parent.glob(prefix.name + "-*.png"))


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]  # PNG IHDR: width and height, big-endian, at bytes 16..24
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


@pytest.fixture(scope="module")
def html_snapshot(tmp_path_factory):
    """Tiny tables with HTML in a stalled project's name and in an overdue task's title."""
    tables = make_tiny_tables()
    p, t = tables["projects"], tables["tasks"]
    p.loc[p["project_id"] == "P002", "name"] = "<b>荷塘大道</b>改造"
    t.loc[t["task_id"] == "T001", "title"] = "<script>alert(1)</script>协调用电"
    return store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=[],
                                store_dir=tmp_path_factory.mktemp("brief_store"))


def test_city_brief_is_one_a4_landscape_page_with_copyable_chinese(html_snapshot):
    pdf = _save("brief_tiny_city.pdf", brief.build_brief(html_snapshot, ALL, printed_on=PRINTED))
    info = _run("pdfinfo", str(pdf))
    assert "Pages:           1" in info
    assert "841.89 x 595.28 pts (A4)" in info  # 297 x 210 mm, landscape
    pages = _pages(pdf)
    assert len(pages) == 1
    width, height = _png_size(pages[0])
    assert width > height and abs(width / height - 297 / 210) < 0.01

    text = _run("pdftotext", "-layout", str(pdf), "-")
    for expected in ("株洲市重点项目调度会简报", "印发日期 2023-10-08", "数据截至 2023-09-30",
                     f"数据快照 {html_snapshot.id}", "序时进度 74.8 %", "全市", "荷塘区", "醴陵市",
                     "<b>荷塘大道</b>改造", "<script>alert(1)</script>协调用电", "签约未开工", "152 天",
                     "4.0 亿元", "荷塘区城投", "30 天", "供电公司", "按期办结率", "总投资（亿元）"):
        assert expected in text, expected

    fonts = _run("pdffonts", str(pdf))
    cjk = [line for line in fonts.splitlines() if "NotoSansCJKSC" in line]
    assert cjk and all(" yes yes yes " in line for line in cjk), fonts  # embedded, subset, unicode


def test_district_brief_shows_the_district_and_the_city_row(html_snapshot):
    pdf = _save("brief_tiny_liling.pdf", brief.build_brief(html_snapshot, ALL, district=LILING, printed_on=PRINTED))
    text = _run("pdftotext", "-layout", str(pdf), "-")
    assert "醴陵市重点项目调度会简报" in text and "全市" in text
    assert "无八未卡点项目" in text and "无逾期事项" in text  # 醴陵 has neither on the tiny data
    assert "共 0" not in text and "前 0" not in text  # the headings do not count nothing
    assert "荷塘大道" not in text
    assert len(_pages(pdf)) == 1


def test_a_brief_since_the_last_meeting_counts_what_changed_on_one_line(tmp_path):
    """Leaders had compared two printed briefs by hand (tester 19): one line says what changed."""
    from geo import task_edits

    root = tmp_path / "store"
    tables = make_tiny_tables()
    last = store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=[], store_dir=root)
    moved = tables["projects"].copy()
    moved.loc[moved["project_id"] == "P001", "completed_yi"] += 0.5
    store.write_snapshot({**tables, "projects": moved}, as_of=dt.date(2023, 10, 31), published_by="pytest",
                         sources=[], store_dir=root)
    _, task_id = task_edits.assign(root, store.open_current(root), project_id="P002", unit="荷塘区政府", title="协调",
                                   due_on=dt.date(2023, 11, 20))
    now = store.open_current(root)
    pdf = _save("brief_tiny_since.pdf", brief.build_brief(now, ALL, printed_on=PRINTED, since=last))
    text = " ".join(_run("pdftotext", "-layout", str(pdf), "-").split())
    assert "较上次会议（数据截至 2023-09-30）：新交办 1 件 · 办结 0 件 · 调整时限 0 件" in text
    assert "年度已完成投资 +0.5 亿元（1 个项目）" in text and len(_pages(pdf)) == 1
    assert "较上次会议" not in _run("pdftotext", "-layout", str(_save("brief_tiny_nosince.pdf", brief.build_brief(
        now, ALL, printed_on=PRINTED))), "-")  # no baseline, no line


def test_english_brief(html_snapshot):
    pdf = _save("brief_tiny_city_en.pdf", brief.build_brief(html_snapshot, ALL, lang="en", printed_on=PRINTED))
    text = _run("pdftotext", "-layout", str(pdf), "-")
    assert "Zhuzhou key projects: dispatch meeting brief" in text and "152 days" in text
    assert "<b>荷塘大道</b>改造" in text


def test_english_brief_keeps_every_stalled_state_whole(demo_store):
    """At 27 mm the column read "Land clearance un…", "Producing, below …"."""
    snap = store.open_current(demo_store)
    pdf = _save("brief_demo_city_en.pdf", brief.build_brief(snap, ALL, lang="en", printed_on=PRINTED))
    text = " ".join(_run("pdftotext", "-layout", str(pdf), "-").split())
    shown, _ = meeting.stalled_projects(snap, ALL, Filters(), order_by="investment", limit=brief.TOP_N)
    for state in set(shown["stalled_state"]):
        assert enum_label(state, "en") in text, enum_label(state, "en")


def test_bad_district_and_missing_font(html_snapshot, monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="unknown district"):
        brief.build_brief(html_snapshot, ALL, district="999999")
    with pytest.raises(ValueError, match="outside"):
        brief.build_brief(html_snapshot, Scope(("430202",)), district=LILING)
    monkeypatch.setenv(brief.FONT_ENV, str(tmp_path))
    with pytest.raises(brief.BriefFontError, match="fonts-noto-cjk"):
        brief.build_brief(html_snapshot, ALL)


def test_demo_brief_lists_the_top_and_counts_the_rest(demo_store):
    snap = store.open_current(demo_store)
    pdf = _save("brief_demo_city.pdf", brief.build_brief(snap, ALL, printed_on=PRINTED))
    pages = _pages(pdf)
    assert len(pages) == 1
    text = _run("pdftotext", "-layout", str(pdf), "-")
    stalled, total = meeting.stalled_projects(snap, ALL, Filters(), order_by="investment", limit=brief.TOP_N)
    assert f"另有 {total - brief.TOP_N} 项未列出" in text
    assert stalled["name"].iloc[0] in text
    overdue, overdue_total = task_list(snap, ALL, Filters(), limit=brief.TOP_N)
    assert f"共 {overdue_total} 件" in text and overdue["assigned_unit"].iloc[0] in text
    assert "5,430.0" in text and "1,135.0" in text and "66" in text
    _save("brief_demo_liling.pdf", brief.build_brief(snap, ALL, district=LILING, printed_on=PRINTED))
