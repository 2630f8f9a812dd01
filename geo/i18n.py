"""UI text in Simplified Chinese (default) and English, and number formatting with units.

Pages never hard-code a label: they call ``t(key, lang)``; column and enum labels come from
``geo.schema``. Numbers always carry their unit and thousands separators ("5,430.0 亿元").
"""

from __future__ import annotations

import math
import re

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
    "download_view": ("下载当前筛选的数据（Excel、CSV、GIS 格式）", "Download the filtered data (Excel, CSV, GIS formats)"),
    "xlsx_slow": ("Excel 文件共 {rows} 行，生成约需 {seconds} 秒；CSV 或 GeoParquet 快得多。", "An Excel file of {rows} rows "
                  "takes about {seconds} s to build; CSV or GeoParquet is much faster."),
    "export_skipped": ("此格式只能保存带坐标的表，未包含：{tables}", "This format holds only tables with locations; left "
                       "out: {tables}"),
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
    # --- energy page (geo.energy, pages/energy.py) ---
    "page_energy": ("能源设施", "Energy"),
    "section_filters_energy": ("能源设施", "Energy assets"),
    "voltage": ("电压等级", "Voltage"),
    "asset_status": ("设施状态", "Asset status"),
    "load_band": ("负载率", "Load rate band"),
    "plant_kind": ("电源类型", "Plant kind"),
    "power_factor_note": ("MVA 按功率因数 {pf} 折算为 MW", "MVA converted to MW at power factor {pf}"),
    "ta_plan_verified": ("{plan}有治理方案，{verified}已验证", "{plan} with a plan, {verified} verified"),
    "quality_title": ("数据质量提示：{n} 条记录有问题，照常显示并在下表标记。", "Data quality: {n} records have problems; "
                      "they are shown, and flagged below."),
    "quality_overloaded": ("负载率 {value}，超过变电容量", "loaded at {value}, above its capacity"),
    "quality_no_capacity": ("缺少变电容量", "no capacity"),
    "quality_no_load": ("在运但缺少最高负荷", "in service but no peak load"),
    "quality_zero_capacity": ("装机容量为 0", "zero capacity"),
    "record_id": ("编号", "ID"),
    "record_name": ("名称", "Name"),
    "problem": ("问题", "Problem"),
    "energy_mode_assets": ("设施", "Assets"),
    "energy_mode_headroom": ("区县裕度分级", "District headroom"),
    "map_layers": ("图层", "Layers"),
    "layer_stations": ("变电站", "Substations"),
    "layer_plants": ("电源", "Power plants"),
    "layer_areas": ("公变台区（电压合格率）", "Transformer areas (voltage pass rate)"),
    "layer_risk": ("供电风险项目", "Projects with supply risk"),
    "risk_legend": ("裕度不足或距离 > {km:g} km", "Short of headroom / > {km:g} km"),
    "legend_station_band": ("变电站颜色：负载率", "Substation colour: load rate"),
    "legend_station_voltage": ("符号大小：电压等级", "Symbol size: voltage"),
    "legend_station_status": ("填充：设施状态", "Fill: status"),
    "no_load_band": ("无负荷数据／未投运", "No load data"),
    "metric_headroom": ("负荷裕度（MW）", "Headroom (MW)"),
    "metric_load_rate": ("负载率（%）", "Load rate (%)"),
    "metric_firm_capacity": ("可供容量（MW）", "Firm capacity (MW)"),
    "energy_click_note": ("点击变电站查看详情（所供台区、依赖它的项目），点击区县可按区县筛选。",
                          "Click a substation for its details (areas it feeds, projects relying on it); click a "
                          "district to filter to it."),
    "unknown_station": ("找不到变电站 {id}（可能不在当前数据或权限范围内）。", "Substation {id} was not found (not in "
                        "this data or outside your access)."),
    "energy_new_split": ("在运新能源：{parts}", "New energy in service: {parts}"),
    "no_fed_areas": ("本站不直接供公变台区（500/220 千伏站向下级变电站供电）。", "This station feeds no transformer area "
                     "directly (500/220 kV stations feed lower-voltage stations)."),
    "fed_areas": ("所供公变台区", "Transformer areas it feeds"),
    "abnormal_ids": ("待治理／治理中／待验证台区（共 {n} 个）：{ids}", "Areas under governance ({n}): {ids}"),
    "relying_projects": ("就近接入本站的项目", "Projects whose nearest supply point it is"),
    "no_relying_projects": ("没有项目以本站为最近供电点。", "No project has this station as its nearest supply point."),
    "section_headroom": ("各区县负荷裕度", "Headroom by district"),
    "voltage_level": ("电压层级", "Voltage level"),
    "headroom": ("负荷裕度", "Headroom"),
    "load_rate": ("负载率", "Load rate"),
    "headroom_note": ("负荷裕度 = 在运变电站容量 × 功率因数 {pf} − 最高负荷，只在同一电压层级内相加（各层级串联，跨层级相加会重复计算同一负荷）。"
                      "点击柱条按区县筛选。",
                      "Headroom = in-service capacity × power factor {pf} − peak load, added up within one voltage "
                      "level only (levels are in series: adding them would count the same load twice). Click a bar "
                      "to filter to the district."),
    "section_supply": ("项目供电保障", "Power supply for projects"),
    "projects_with_demand": ("有用电需求的项目", "Projects with a power demand"),
    "covered_projects": ("最近变电站裕度可满足", "Covered by the nearest station"),
    "at_risk_projects": ("供电有风险", "Supply at risk"),
    "max_distance": ("距离阈值（km）", "Distance threshold (km)"),
    "supply_note": ("供电点 = 距项目最近的在运 {kv} 千伏及以上变电站（直线距离，CGCS2000 高斯-克吕格 3° 带 114°E 投影计算）。"
                    "待接入负荷 = 依赖该站且尚未投产项目的需求之和。",
                    "Supply point = the nearest in-service substation of {kv} kV or above (straight-line distance in "
                    "CGCS2000 / 3-degree Gauss-Kruger CM 114E). Pending load = demand of the projects relying on it "
                    "that are not producing yet."),
    "no_risk": ("当前筛选下没有供电风险项目。", "No project in this view has a supply risk."),
    "risk_truncated": ("共 {n}，地图和下表显示需求最大的 {shown}；缩小筛选范围可看到全部。", "{n} in all: the map and "
                       "the table show the {shown} with the largest demand; narrow the filters to see every one."),
    "risk_table_note": ("点选一行查看其供电变电站。", "Pick a row to see its supply substation."),
    "demand": ("用电需求", "Demand"),
    "supply_station": ("最近供电变电站", "Nearest supply substation"),
    "distance": ("距离", "Distance"),
    "pending_demand": ("待接入负荷", "Pending load"),
    "risk_reason": ("风险原因", "Risk"),
    "risk_no_station": ("无可接入变电站", "no station to connect to"),
    "risk_over_headroom": ("需求超过裕度", "demand above headroom"),
    "risk_too_far": ("距离超过阈值", "farther than the threshold"),
    "section_assets": ("设施统计", "Assets in figures"),
    "stations_by_band": ("在运变电站负载率分布", "In-service substations by load rate"),
    "stations_count": ("变电站数", "Substations"),
    "plants_by_kind": ("电源装机（按类型）", "Plant capacity by kind"),
    "capacity_mw": ("装机容量（MW）", "Capacity (MW)"),
    "in_service_mw": ("在运 {mw}", "in service {mw}"),
    "ta_governance_chart": ("公变台区治理", "Transformer-area governance"),
    "ta_funnel_note": ("全市共 {n} 公变台区（当前筛选）。", "{n} transformer areas in this view."),
    "ta_step_all": ("全部台区", "All areas"),
    "ta_step_with_plan": ("有治理方案", "With a plan"),
    "mean_pass_rate": ("平均电压合格率", "Mean voltage pass rate"),
    "abnormal_areas": ("待治理／治理中／待验证", "Under governance"),
    "station_list": ("变电站清单（负载率从高到低，点选一行查看详情）", "Substations, most loaded first (pick a row for details)"),
    # --- presentation mode and agendas (geo.present, geo.agenda) ---
    "present": ("演示模式", "Present"),
    "present_exit": ("退出演示", "Exit presentation"),
    "agenda_missing": ("找不到议程 {id}（可能已被删除）。", "Agenda {id} was not found (it may have been deleted)."),
    "agenda_position": ("**{agenda}** · 第 {n} / {total} 项：{item}", "**{agenda}** · item {n} / {total}: {item}"),
    "agenda_prev": ("上一项", "Previous"),
    "agenda_next": ("下一项", "Next"),
    "page_meeting": ("调度会", "Dispatch meeting"),
    "section_agendas": ("会议议程", "Meeting agendas"),
    "agenda_how": ("议程是按顺序排列的已保存视图：在任意页面设置好筛选后复制地址栏链接，粘贴到下表。演示时用“上一项／下一项”切换，每项都是可分享的链接。",
                   "An agenda is an ordered list of saved views: set up any page, copy the link from the address "
                   "bar and paste it below. When presenting, Previous / Next step through them; every item is a "
                   "shareable link."),
    "agenda_choose": ("议程", "Agenda"),
    "agenda_new": ("＋ 新建议程", "+ New agenda"),
    "agenda_title": ("议程名称", "Agenda title"),
    "agenda_order": ("顺序", "Order"),
    "agenda_item_title": ("议题", "Item"),
    "agenda_item_link": ("链接", "Link"),
    "agenda_save": ("保存议程", "Save agenda"),
    "agenda_delete": ("删除议程", "Delete agenda"),
    "agenda_start": ("从第 1 项开始演示", "Present from item 1"),
    "agenda_add": ("添加议题", "Add an item"),
    "agenda_add_button": ("添加", "Add"),
    "agenda_row_problem": ("第 {row} 行：{reason}", "row {row}: {reason}"),
    "agenda_not_saved": ("议程未保存：{reason}", "The agenda was not saved: {reason}"),
    "agenda_saved": ("已保存议程“{title}”（{n} 项）。", "Saved the agenda “{title}” ({n} items)."),
    "agenda_deleted": ("议程已删除。", "The agenda was deleted."),
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


def md_escape(text: str) -> str:
    """``text`` shown literally inside Markdown: every ASCII punctuation mark backslash-escaped
    (CommonMark), so names like ``<b>x</b>`` or ``**x**`` appear as typed."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", str(text))


def fmt_pct(value: float | None, decimals: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{decimals}f} %"
