"""Demo tasks assigned at dispatch meetings (交办事项), calibrated to 高新区's published record.

高新区 (天元区) ★-style figures from the articles: 66 tasks assigned at dispatch meetings since
June 2022, 52 of them closed by their due date, "the others progressing on schedule" — so the
remaining 14 are open and not yet due on the as-of date. Other districts have a realistic mix of
closed on time, closed late, open, due within a week and overdue, all computed against the
snapshot's as-of date.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

GAOXIN = "430211"
GAOXIN_TASKS, GAOXIN_CLOSED_ON_TIME = 66, 52
FIRST_MEETING = date(2022, 6, 15)
# What leaders assign, and to whom, by the problem a project has.
TOPICS = {
    "签约未开工": [("加快办理施工许可手续", "市住房和城乡建设局"), ("协调用地报批", "市自然资源和规划局")],
    "开工未竣工": [("督促施工单位增加投入、倒排工期", "区项目服务局"), ("协调解决资金缺口", "市财政局")],
    "在建未入库": [("督促项目入库纳统", "市统计局")],
    "征拆未清零": [("推进征地拆迁清零", "区征拆办"), ("协调解决群众诉求", "区人民政府")],
    "专债资金未拨付": [("协调专项债券资金拨付", "市财政局")],
    "竣工未投产": [("协调办理竣工验收与投产手续", "市住房和城乡建设局")],
    "投产未达产": [("协调订单与要素保障", "市工业和信息化局")],
    "洽谈未签约": [("加快项目洽谈进度", "市商务局")],
    None: [("协调电力接入", "国网株洲供电公司"), ("协调环评批复", "市生态环境局"),
           ("协调供水供气配套", "市城管局"), ("解决融资需求", "市地方金融监管局"),
           ("协调用工招聘", "市人力资源和社会保障局"), ("加快规划审批", "市自然资源和规划局"),
           ("协调道路及管网配套", "市住房和城乡建设局")],
}


def meeting_days(as_of: date) -> list[date]:
    """Monthly dispatch meetings on the 15th, from June 2022 up to the as-of date."""
    days, d = [], FIRST_MEETING
    while d <= as_of:
        days.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 15)
    return days


def build_tasks(rng: np.random.Generator, projects: pd.DataFrame, as_of: date, *, other_count: int = 320,
                extra: int = 0) -> pd.DataFrame:
    gaoxin = projects[projects["district_adcode"] == GAOXIN]
    others = projects[projects["district_adcode"] != GAOXIN]
    kinds = ["on_time"] * GAOXIN_CLOSED_ON_TIME + ["open_not_due"] * (GAOXIN_TASKS - GAOXIN_CLOSED_ON_TIME)
    other_kinds = rng.choice(["on_time", "late", "open_not_due", "due_soon", "overdue"], other_count + extra,
                             p=[0.58, 0.14, 0.1, 0.05, 0.13])
    frames = [_tasks_for(rng, gaoxin, kinds, as_of), _tasks_for(rng, others, list(other_kinds), as_of)]
    tasks = pd.concat(frames, ignore_index=True)
    tasks["task_id"] = [f"JB-{i:06d}" for i in range(1, len(tasks) + 1)]
    tasks["first_due_on"] = _first_deadlines(tasks, as_of)
    return tasks


def _first_deadlines(tasks: pd.DataFrame, as_of: date) -> list:
    """About one task in four given 45 days or more, and not closed by a first deadline that had
    come by the as-of date, had that deadline moved once, by 15 or 30 days, at a meeting
    (原定时限 = the deadline first set). Drawn from a stream of its own, so the other demo
    figures, which follow the main stream's draws, stay as they were."""
    rng = np.random.default_rng(8)
    out = []
    for assigned, due, closed in zip(tasks["assigned_on"], tasks["due_on"], tasks["closed_on"]):
        first = due - timedelta(days=int(rng.choice([15, 30])))
        moved = (rng.random() < 0.25 and (due - assigned).days >= 45 and first <= as_of
                 and (closed is None or closed > first))
        out.append(first if moved else None)
    return out


def _tasks_for(rng: np.random.Generator, projects: pd.DataFrame, kinds: list[str], as_of: date) -> pd.DataFrame:
    meetings = meeting_days(as_of)
    stalled = projects["stalled_state"].notna().to_numpy()
    weights = np.where(stalled, 4.0, 1.0)
    picks = rng.choice(len(projects), len(kinds), p=weights / weights.sum())
    rows = []
    for kind, k in zip(kinds, picks):
        project = projects.iloc[k]
        state = project["stalled_state"] if pd.notna(project["stalled_state"]) else None
        title, unit = _topic(rng, state)
        assigned, due, closed = _dates(rng, kind, meetings, as_of)
        rows.append({"project_id": project["project_id"], "district_adcode": project["district_adcode"],
                     "title": title, "assigned_unit": unit, "assigned_on": assigned, "due_on": due,
                     "closed_on": closed, "status": "已办结" if closed else "办理中"})
    return pd.DataFrame(rows)


def _topic(rng: np.random.Generator, state: str | None) -> tuple[str, str]:
    pool = TOPICS[state] if state in TOPICS and rng.random() < 0.7 else TOPICS[None]
    return pool[int(rng.integers(len(pool)))]


def _dates(rng: np.random.Generator, kind: str, meetings: list[date], as_of: date):
    """Assigned at a meeting, due 15–60 days later, closed (or not) as ``kind`` says."""
    for _ in range(1000):
        assigned = meetings[int(rng.integers(len(meetings)))]
        due = assigned + timedelta(days=int(rng.choice([15, 30, 45, 60])))
        if kind == "on_time" and due <= as_of:
            return assigned, due, assigned + timedelta(days=int(rng.integers(3, (due - assigned).days + 1)))
        if kind == "late" and due < as_of - timedelta(days=3):
            late_by = int(rng.integers(1, min(90, (as_of - due).days) + 1))
            return assigned, due, due + timedelta(days=late_by)
        if kind == "open_not_due" and due > as_of + timedelta(days=7):
            return assigned, due, None
        if kind == "due_soon":
            due = as_of + timedelta(days=int(rng.integers(0, 8)))
            return meetings[-1], due, None
        if kind == "overdue" and due < as_of:
            return assigned, due, None
    raise ValueError(f"no dates fit a task of kind {kind!r} before {as_of}")
