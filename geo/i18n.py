"""UI text in Simplified Chinese (default) and English, and number formatting with units.

Pages never hard-code a label: they call ``t(key, lang)``; column and enum labels come from
``geo.schema``. Numbers always carry their unit and thousands separators ("5,430.0 亿元").
"""

from __future__ import annotations

import math

LANGS = ("zh", "en")
LANG_LABELS = {"zh": "中文", "en": "English"}

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("株洲项目地图", "Zhuzhou project map"),
    "page_overview": ("总览", "Overview"),
    "page_investment": ("项目投资", "Investment"),
    "page_land": ("闲置土地", "Idle land"),
    "page_export": ("数据导出", "Extracts"),
    "table": ("数据表", "Table"),
    "rows_filtered": ("当前筛选行数", "Rows in the current filter"),
    "table_projects": ("项目", "Projects"),
    "table_tasks": ("交办事项", "Assigned tasks"),
    "table_parcels": ("地块", "Parcels"),
    "table_substations": ("变电站", "Substations"),
    "table_plants": ("电源", "Power plants"),
    "table_transformer_areas": ("公变台区", "Transformer areas"),
    "export_tables": ("导出哪些表", "Tables to export"),
    "export_format": ("格式", "Format"),
    "format_csv": ("CSV", "CSV"),
    "format_xlsx": ("Excel", "Excel"),
    "format_geojson": ("GeoJSON", "GeoJSON"),
    "format_gpkg": ("GeoPackage", "GeoPackage"),
    "format_parquet": ("GeoParquet", "GeoParquet"),
    "format_shp": ("Shapefile", "Shapefile"),
    "export_crs": ("坐标", "Coordinates"),
    "crs_wgs84": ("WGS84（默认）", "WGS84 (default)"),
    "crs_gcj02": ("GCJ-02（高德）", "GCJ-02 (AMap)"),
    "export_build": ("生成文件", "Build the file"),
    "export_building": ("正在生成…", "Building…"),
    "nothing_to_export": ("当前筛选下所选表没有数据，没有可导出的内容。", "Nothing to export: the chosen tables have no "
                          "rows in the current filter."),
    "export_download": ("下载 {name}", "Download {name}"),
    "export_rows": ("行数：{rows}", "Rows: {rows}"),
    "export_stale": ("筛选或选项已变，请重新生成文件。", "The filters or options changed: build the file again."),
    "export_note": ("导出的是当前筛选后的行；文件只在点击“生成文件”时生成。Excel 文件含“说明”页：筛选条件、数据版本、导出时间、坐标系。",
                    "Exports hold the filtered rows; files are built only when you click. Excel files have an "
                    "About sheet: filters, data version, export time, coordinates."),
    "parcels_count": ("地块", "Parcels"),
    "remaining_idle": ("剩余闲置低效存量", "Idle land remaining"),
    "remaining_idle_mu": ("剩余闲置低效（亩）", "Idle land remaining (mu)"),
    "reused_note": ("已处置并由项目使用的土地：{area}。", "Disposed land now used by projects: {area}."),
    "land_mode_parcels": ("地块", "Parcels"),
    "land_mode_choropleth": ("区县分级", "District choropleth"),
    "metric_remaining": ("剩余闲置低效（亩）", "Idle remaining (mu)"),
    "metric_rate": ("处置率（%）", "Disposal rate (%)"),
    "invalid_parcels": ("{n} 宗地块的几何图形有问题，未在地图上显示：{ids}", "{n} parcels have unusable geometry and are "
                        "left off the map: {ids}"),
    "geom_empty": ("空图形", "empty"),
    "geom_invalid": ("图形无效", "invalid"),
    "geom_missing": ("缺少图形", "missing"),
    "nothing_selected_land": ("当前筛选没有匹配的地块。", "No parcel matches the current filters."),
    "land_aggregated_note": ("当前筛选共 {n} 宗地块，地图按六边形网格汇总显示闲置低效面积；选择一个区县或园区即可看到单宗地块。",
                             "{n} parcels match: the map shows hexagon totals of idle land. Pick a district or a "
                             "park to see parcels."),
    "land_click_note": ("点击区县可按区县筛选，点击地块可查看详情。", "Click a district to filter to it; click a parcel for "
                        "its details."),
    "unknown_parcel": ("链接中的地块 {id} 不存在或不在可见范围内。", "Parcel {id} from the link does not exist or is not "
                       "visible to you."),
    "parcel_title": ("地块 {id}", "Parcel {id}"),
    "projects_on_parcel": ("在此地块上的项目", "Projects on this parcel"),
    "no_project_on_parcel": ("暂无项目使用此地块", "No project uses this parcel"),
    "section_disposal": ("处置进度", "Disposal progress"),
    "district_ranking": ("各区县闲置低效存量与{year}年处置（按剩余面积排序）", "Idle land by district and {year} disposal "
                         "(ranked by what remains)"),
    "rank": ("排名", "Rank"),
    "disposed_in": ("{year}年处置", "Disposed {year}"),
    "stock_start": ("{year}年初存量", "Stock 1 Jan {year}"),
    "disposal_rate": ("处置率", "Disposal rate"),
    "monthly_disposal": ("{year}年逐月处置（累计）", "{year} disposal by month (cumulative)"),
    "cum_disposed": ("累计处置（亩）", "Disposed (mu, cumulative)"),
    "top_note_parcels": ("点击表头排序，点击一行查看地块详情；显示前50宗。", "Click a header to sort, a row for the "
                         "parcel's details; the top 50 are shown."),
    "section_largest_idle": ("面积最大的闲置低效地块", "Largest idle parcels"),
    "area": ("面积", "Area"),
    "area_m2": ("面积（平方米）", "Area (m²)"),
    "clear_view": ("清除全部", "Clear all"),
    "plan_progress": ("年度投资完成 {done} / 计划 {plan}", "2023 invested {done} of {plan} planned"),
    "map_mode": ("地图", "Map"),
    "map_mode_points": ("项目点", "Projects"),
    "map_mode_choropleth": ("区县分级", "District choropleth"),
    "aggregated_note": ("当前筛选共 {n} 个项目，地图按六边形网格汇总显示；选择一个区县或缩小筛选即可看到单个项目。",
                        "{n} projects match: the map shows hexagon totals. Pick a district or narrow the filters "
                        "to see individual projects."),
    "dominant_stage": ("主要阶段", "Dominant stage"),
    "size_note": ("圆面积与总投资成正比（100亿元 ≈ 半径2公里）。", "Circle area is proportional to total investment "
                  "(100 亿元 ≈ 2 km radius)."),
    "map_click_note": ("点击区县可按区县筛选，点击项目可查看详情。", "Click a district to filter to it; click a project for "
                       "its details."),
    "unknown_project": ("链接中的项目 {id} 不存在或不在可见范围内。", "Project {id} from the link does not exist or is "
                        "not visible to you."),
    "close": ("关闭", "Close"),
    "park": ("园区", "Park"),
    "parcel": ("所在地块", "Parcel"),
    "no_parcel": ("未关联地块", "No parcel linked"),
    "tasks": ("交办事项", "Assigned tasks"),
    "no_tasks": ("暂无交办事项", "No assigned tasks"),
    "task_state": ("办理情况", "State"),
    "field": ("字段", "Field"),
    "value": ("内容", "Value"),
    "section_lifecycle": ("项目全周期", "Lifecycle"),
    "stage_funnel": ("各阶段项目（点击筛选）", "Projects by stage (click to filter)"),
    "stalled_breakdown": ("八未卡点（点击筛选）", "Stalled states, 八未 (click to filter)"),
    "by_chain": ("各产业链投资（点击筛选）", "Investment by industry chain (click to filter)"),
    "by_district": ("各区县投资（点击筛选）", "Investment by district (click to filter)"),
    "median_days": ("卡点中位天数 {days} 天", "median {days} days stalled"),
    "section_plan_vs_actual": ("{year}年开工、竣工：实际与计划", "{year} starts and completions: actual vs plan"),
    "month": ("月份", "Month"),
    "month_label": ("{m}月", "M{m}"),
    "started_actual": ("开工（实际）", "Started (actual)"),
    "started_plan": ("开工（计划）", "Started (plan)"),
    "completed_actual": ("竣工（实际）", "Completed (actual)"),
    "completed_plan": ("竣工（计划）", "Completed (plan)"),
    "monthly_note": ("累计数；实际数截至 {as_of}，计划数为全年。", "Cumulative; actuals up to {as_of}, plans for the whole year."),
    "started_vs_plan": ("开工 实际/计划", "Started actual / plan"),
    "completed_vs_plan": ("竣工 实际/计划", "Completed actual / plan"),
    "section_top": ("投资额最大的项目", "Largest projects"),
    "top_note": ("点击表头排序，点击一行查看项目详情；显示前50个。", "Click a header to sort, a row for the project's "
                 "details; the top 50 are shown."),
    "language": ("语言", "Language"),
    "filters": ("筛选", "Filters"),
    "districts": ("区县", "Districts"),
    "all_districts": ("全市", "Whole city"),
    "stage": ("项目阶段", "Stage"),
    "category": ("项目类别", "Category"),
    "level": ("项目级别", "Level"),
    "industry_chain": ("产业链", "Industry chain"),
    "clear_filters": ("清除筛选", "Clear filters"),
    "stalled_state": ("八未状态", "Stalled state (八未)"),
    "inv_min": ("总投资下限（亿元）", "Min investment (亿元)"),
    "inv_max": ("总投资上限（亿元）", "Max investment (亿元)"),
    "range_swapped": ("下限大于上限，已按区间理解。", "Min was above max; read as the range between them."),
    "section_filters_projects": ("项目", "Projects"),
    "section_filters_land": ("土地", "Land"),
    "parcel_status": ("土地状态", "Land status"),
    "land_use": ("用途", "Land use"),
    "disposal_method": ("处置方式", "Disposal method"),
    "supply_mode": ("供地方式", "Supply mode"),
    "area_min": ("面积下限（亩）", "Min area (mu)"),
    "area_max": ("面积上限（亩）", "Max area (mu)"),
    "disposed_year": ("处置年份", "Disposal year"),
    "year_by": ("开工口径", "Start"),
    "year_by_actual": ("实际开工", "Actual"),
    "year_by_planned": ("计划开工", "Planned"),
    "start_year": ("开工年份", "Start year"),
    "any": ("不限", "Any"),
    "search": ("搜索项目或业主", "Search project or owner"),
    "search_hint": ("输入名称关键词", "Part of a name"),
    "as_of": ("数据截至 {date} · 快照 {snapshot}", "Data as of {date} · snapshot {snapshot}"),
    "scope_city": ("全市", "Whole city"),
    "scope_filtered": ("筛选范围：{what}", "Filtered: {what}"),
    "section_projects": ("2023年重点建设项目", "2023 key construction projects"),
    "key_projects": ("重点项目", "Key projects"),
    "total_investment": ("总投资", "Total investment"),
    "annual_plan": ("年度计划投资", "2023 planned investment"),
    "completed_to_date": ("年度已完成投资", "2023 invested to date"),
    "of_plan": ("占年度计划 {pct}", "{pct} of the annual plan"),
    "group": ("分组", "Group"),
    "projects_count": ("项目数", "Projects"),
    "group_100": ("100亿元以上", "≥ 100 亿元"),
    "group_50": ("50–100亿元", "50–100 亿元"),
    "group_industrial": ("产业发展类", "Industrial development"),
    "group_all": ("全部", "All"),
    "started_2023": ("2023年已开工", "Started in 2023"),
    "completed_2023": ("2023年已竣工", "Completed in 2023"),
    "vs_plan": ("计划 {plan}", "plan {plan}"),
    "stalled": ("八未卡点项目", "Stalled projects (八未)"),
    "section_grid": ("电网与能源", "Grid and energy"),
    "supply_capability": ("电网供电能力", "Grid supply capability"),
    "record_peak": ("最高负荷", "Record peak load"),
    "new_energy": ("新能源装机", "New-energy capacity"),
    "new_energy_split": ("风电 {wind} · 集中式光伏 {central} · 分布式光伏 {distributed}",
                         "wind {wind} · utility PV {central} · distributed PV {distributed}"),
    "transformer_areas": ("公变台区", "Public transformer areas"),
    "ta_governance": ("治理计划 {plan} 个 · 已验证 {verified} 个", "{plan} with a fix plan · {verified} verified"),
    "section_land": ("土地处置（{year}年）", "Land disposal ({year})"),
    "unsupplied_disposal": ("批而未供处置", "Unsupplied land disposed"),
    "inefficient_disposal": ("低效用地处置", "Inefficient land disposed"),
    "rate": ("处置率 {pct} · 年初存量 {stock}", "{pct} of {stock} (1 Jan stock)"),
    "section_map": ("各区县投资分布", "Investment by district"),
    "map_metric": ("地图指标", "Map shows"),
    "metric_total": ("总投资（亿元）", "Total investment (亿元)"),
    "metric_count": ("项目数（个）", "Projects"),
    "metric_plan": ("年度计划（亿元）", "2023 plan (亿元)"),
    "metric_progress": ("年度完成率（%）", "2023 completion (%)"),
    "district": ("区县", "District"),
    "legend": ("图例", "Legend"),
    "no_data": ("无数据", "no data"),
    "nothing_selected": ("当前筛选没有匹配的项目。", "No project matches the current filters."),
    "yi_note": ("", "1 亿元 = 100 million CNY."),
    "capability_note": ("供电能力 = 在运220千伏变电容量 ÷ 容载比 {ratio}；最高负荷为各220千伏站同时刻负荷之和。",
                        "Capability = in-service 220 kV capacity ÷ capacity-to-load ratio {ratio}; "
                        "peak = sum of the 220 kV stations' loads at the record moment."),
    "store_building": ("首次运行：正在生成演示数据库…", "First run: building the demo store…"),
    "store_built": ("演示数据库已生成：快照 {snapshot}", "Demo store built: snapshot {snapshot}"),
    "store_problem": ("数据库有问题：{problem}", "The data store has a problem: {problem}"),
    "store_use_last_good": ("改用上一个完好的快照 {snapshot}（{date}）", "Use the last good snapshot {snapshot} ({date})"),
    "store_no_good": ("没有可用的完好快照。可运行 `python -m geo.demo` 重新生成演示数据。",
                      "No good snapshot is available. Run `python -m geo.demo` to rebuild the demo store."),
    "store_rebuild": ("重新生成演示数据库", "Rebuild the demo store"),
    "url_notice": ("已忽略链接中无法识别的参数：{items}", "Ignored link parameters that were not understood: {items}"),
    # --- dispatch meetings (geo.meeting, geo.brief) ---
    "rag_green": ("达标", "On track"),
    "rag_amber": ("略慢", "Slightly behind"),
    "rag_red": ("滞后", "Behind"),
    "rag_none": ("无目标", "No target"),
    "time_progress": ("序时进度", "Time elapsed"),
    "closing_rate": ("按期办结率", "Closed on time"),
    "change_new_projects": ("新增项目", "New projects"),
    "change_removed_projects": ("移出项目", "Removed projects"),
    "change_stage_changes": ("阶段变化", "Stage changes"),
    "change_newly_stalled": ("新增卡点", "Newly stalled"),
    "change_unstalled": ("卡点解除", "No longer stalled"),
    "change_stalled_state_changes": ("卡点类型变化", "Stalled state changed"),
    "change_tasks_opened": ("新交办事项", "Tasks assigned"),
    "change_tasks_closed": ("办结事项", "Tasks closed"),
    "change_parcels_disposed": ("处置地块", "Parcels disposed"),
    "brief_city": ("株洲市", "Zhuzhou"),
    "brief_title": ("{place}重点项目调度会简报", "{place} key projects: dispatch meeting brief"),
    "brief_printed": ("印发日期 {date}", "Printed {date}"),
    "brief_meta": ("数据截至 {as_of} · 数据快照 {snapshot} · 序时进度 {time_pct}",
                   "Data as of {as_of} · snapshot {snapshot} · time elapsed {time_pct}"),
    "brief_filters": ("筛选：{what}", "Filters: {what}"),
    "brief_col_district": ("区县", "District"),
    "brief_col_projects": ("项目（个）", "Projects"),
    "brief_col_total": ("总投资（亿元）", "Total (亿元)"),
    "brief_col_plan": ("年度计划（亿元）", "Plan (亿元)"),
    "brief_col_completed": ("已完成（亿元）", "Invested (亿元)"),
    "brief_col_completed_pct": ("完成率", "% of plan"),
    "brief_col_started": ("开工 实际/计划（个）", "Started / plan"),
    "brief_col_finished": ("竣工 实际/计划（个）", "Completed / plan"),
    "brief_col_stalled": ("八未（个）", "Stalled"),
    "brief_col_tasks": ("交办（件）", "Tasks"),
    "brief_col_overdue": ("逾期（件）", "Overdue"),
    "brief_col_closing": ("按期办结率", "Closed on time"),
    "brief_rag_green": ("绿：≥ 100 %", "green: ≥ 100 %"),
    "brief_rag_amber": ("黄：≥ 90 %", "amber: ≥ 90 %"),
    "brief_rag_red": ("红：< 90 %", "red: < 90 %"),
    "brief_rag_note": ("颜色 = 实际 ÷ 目标：完成率对照序时进度，开工、竣工对照截至当日的计划数，办结率对照 100 %；无目标不着色。",
                       "Colour = actual ÷ target: investment vs time elapsed, starts and completions vs plan to "
                       "date, closing rate vs 100 %; no colour without a target."),
    "brief_map_title": ("各区县年度投资完成率", "2023 investment, % of plan"),
    "brief_map_note": ("颜色对照序时进度（同上表）", "Colour vs time elapsed (as in the table)"),
    "brief_stalled_title": ("八未卡点项目：共 {total} 个，按总投资列前 {n} 个",
                            "Stalled projects (八未): {total}, largest {n} shown"),
    "brief_overdue_title": ("逾期未办结交办事项：共 {total} 件，按逾期天数列前 {n} 件",
                            "Overdue assigned tasks: {total}, most overdue {n} shown"),
    "brief_col_project": ("项目名称", "Project"),
    "brief_col_state": ("八未状态", "Stalled state"),
    "brief_col_days": ("卡点天数", "Days stalled"),
    "brief_col_owner": ("业主单位", "Owner"),
    "brief_col_investment": ("总投资", "Investment"),
    "brief_col_open_tasks": ("待办/逾期", "Open / late"),
    "brief_tasks_pair": ("{open} / {overdue} 件", "{open} / {overdue}"),
    "brief_col_task": ("交办事项", "Task"),
    "brief_col_unit": ("责任单位", "Responsible unit"),
    "brief_col_due": ("办结时限", "Due"),
    "brief_col_overdue_days": ("逾期天数", "Days overdue"),
    "brief_days": ("{n} 天", "{n} days"),
    "brief_more": ("另有 {n} 项未列出", "+{n} more"),
    "brief_no_stalled": ("无八未卡点项目", "No stalled project"),
    "brief_no_overdue": ("无逾期事项", "No overdue task"),
    "brief_footer": ("口径：重点项目 = 省重点、市重点；按期办结率 = 按期办结 ÷（已办结 + 逾期未办结）；"
                     "“截至当日”以数据截至日期计。本简报由株洲项目地图生成。",
                     "Key projects = provincial and city key; closing rate = closed on time ÷ (closed + overdue); "
                     "'to date' means up to the data's as-of date. Made by the Zhuzhou project map."),
}

# 亿元 stays as is in English (1 亿元 = 100 million CNY, said once in a caption): converting
# would change the published figures' digits and make the two languages hard to compare.
UNITS_EN = {"个": "", "亩": "mu", "万元/亩": "10k CNY/mu", "户": "households",
            "台": ""}


def t(key: str, lang: str = "zh", **values: object) -> str:
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def unit_label(unit: str, lang: str = "zh") -> str:
    return unit if lang == "zh" else UNITS_EN.get(unit, unit)


def fmt_number(value: float | int | None, unit: str = "", decimals: int = 1, lang: str = "zh") -> str:
    """``5430.0, "亿元"`` -> ``"5,430.0 亿元"``; ``None``/NaN -> "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.{decimals}f}"
    label = unit_label(unit, lang)
    return f"{text} {label}" if label else text


def fmt_count(value: int | None, unit: str = "个", lang: str = "zh") -> str:
    return fmt_number(value, unit, 0, lang)


def fmt_pct(value: float | None, decimals: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{decimals}f} %"
