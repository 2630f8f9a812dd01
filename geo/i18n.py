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
    # --- data management (geo.ingest, pages/data.py) ---
    "page_data": ("数据管理", "Data management"),
    # why a whole file is stopped (geo.ingest.errors.IngestError)
    "ingest_r_no_such_file": ("找不到文件 {name}", "No such file: {name}"),
    "ingest_r_empty_file": ("文件 {name} 是空的，没有数据行。", "{name} is empty: no data rows."),
    "ingest_r_bad_encoding_name": ("不认识的编码名称“{encoding}”。", "Unknown encoding name '{encoding}'."),
    "ingest_r_too_big": ("文件 {name} 有 {mb} MB，超过上限 {limit} MB。请按区县或年份拆分后分别导入。",
                         "{name} is {mb} MB, over the {limit} MB limit. Split it (by district or year) and import the parts."),
    "ingest_r_bad_zip": ("{name} 看起来是压缩包，但无法打开（文件损坏？）。", "{name} looks like a zip but cannot be opened (damaged?)."),
    "ingest_r_not_supported": ("{name} 是 {what} 文件，不能导入。只接受 Excel（.xlsx）、CSV、GeoJSON、GeoPackage 和 Shapefile 压缩包。",
                               "{name} is a {what} file and cannot be imported. Accepted: Excel (.xlsx), CSV, GeoJSON, "
                               "GeoPackage and zipped Shapefile."),
    "ingest_r_old_xls": ("{name} 是旧版 Excel（.xls）。请在 Excel 中“另存为 .xlsx”后再导入。",
                         "{name} is an old Excel file (.xls). Save it as .xlsx in Excel and import that."),
    "ingest_r_binary": ("{name} 不是文本文件，也不是可识别的表格或地理文件（可能是改了扩展名的其他文件）。",
                        "{name} is neither text nor a known spreadsheet or GIS file (a renamed file of another kind?)."),
    "ingest_r_decode_failed": ("按 {encoding} 编码无法读取第 {line} 行。请换一种编码，或选“自动”。",
                               "Line {line} cannot be read as {encoding}. Choose another encoding, or Automatic."),
    "ingest_r_mixed_bytes": ("文件主要是 {encoding} 编码，但第 {line} 行有无法识别的字节（混合编码或文件损坏）。请修正该行后重新导入，或手动指定编码。",
                             "The file is mostly {encoding}, but line {line} has bytes that are not (mixed encodings or "
                             "damage). Fix that line, or choose the encoding by hand."),
    "ingest_r_undecodable": ("无法识别文件编码（第 {line} 行附近）。请手动指定编码，例如 GBK。",
                             "The text encoding is not recognised (around line {line}). Choose it by hand, e.g. GBK."),
    "ingest_r_csv_broken": ("CSV 文件格式有误：{detail}", "The CSV file is malformed: {detail}"),
    "ingest_r_xlsx_broken": ("Excel 文件无法读取：{detail}", "The Excel file cannot be read: {detail}"),
    "ingest_r_zip_members": ("压缩包 {name} 含 {n} 个文件，太多。", "The zip {name} holds {n} files: too many."),
    "ingest_r_zip_path": ("压缩包 {name} 含不安全的路径“{member}”（绝对路径或 ../），已拒绝，未解压任何文件。",
                          "The zip {name} holds an unsafe path '{member}' (absolute or ../): refused, nothing extracted."),
    "ingest_r_zip_bomb": ("压缩包 {name} 解压后将达 {mb} MB（压缩比 {ratio}:1），疑似“压缩炸弹”，已拒绝，未解压。",
                          "The zip {name} would expand to {mb} MB (ratio {ratio}:1), like a zip bomb: refused before extracting."),
    "ingest_r_zip_no_shp": ("压缩包 {name} 中没有 .shp 文件。", "The zip {name} holds no .shp file."),
    "ingest_r_shp_missing": ("Shapefile {layer} 缺少 {parts} 文件：请把 .shp .shx .dbf .prj（以及 .cpg）一起压缩。",
                             "Shapefile {layer} lacks its {parts}: zip .shp .shx .dbf .prj (and .cpg) together."),
    "ingest_r_gis_broken": ("地理文件无法读取：{detail}", "The GIS file cannot be read: {detail}"),
    "ingest_r_geojson_broken": ("GeoJSON 无法读取：{detail}", "The GeoJSON cannot be read: {detail}"),
    "ingest_r_no_header": ("前 15 行中找不到表头。至少需要这些列中的两列：{expected}。可下载模板对照。",
                           "No header found in the first 15 rows; at least two of these columns are needed: "
                           "{expected}. The template shows them."),
    "ingest_r_unknown_target": ("对应关系中有未知的目标列：{columns}", "The mapping names unknown target columns: {columns}"),
    "ingest_r_duplicate_column": ("“{target}”对应了多列：{sources}。请在对应关系表中只保留一列。",
                                  "'{target}' is mapped from several columns: {sources}. Keep one in the mapping table."),
    "ingest_r_missing_columns": ("缺少必需的列：{columns}。请在对应关系表中指定，或在文件中补上。",
                                 "Required columns are missing: {columns}. Map them in the mapping table, or add them to the file."),
    "ingest_r_unknown_source": ("对应关系中的源列在文件中不存在：{columns}", "The mapping names columns the file lacks: {columns}"),
    "ingest_r_bad_crs": ("不认识的坐标系“{crs}”：可选 wgs84、cgcs2000、gcj02、bd09 或 EPSG 代码（如 4547）。",
                         "Unknown coordinate system '{crs}': use wgs84, cgcs2000, gcj02, bd09 or an EPSG code (e.g. 4547)."),
    "ingest_r_no_crs": ("文件没有说明坐标系（例如 Shapefile 缺少 .prj）。请在选项中选择坐标系。",
                        "The file does not say its coordinate system (e.g. a Shapefile without .prj). Choose it in the options."),
    "ingest_r_looks_projected": ("坐标值是以米为单位的投影坐标，不是经纬度。请在选项中选择投影坐标系的 EPSG 代码（如 4547）。",
                                 "The coordinates are projected metres, not degrees. Choose the projected system's EPSG code "
                                 "(e.g. 4547) in the options."),
    "ingest_r_swapped": ("{total} 个点中有 {n} 个落在株洲市外，交换经纬度后都在市内：经度、纬度两列似乎写反了。请修正后重新导入。",
                         "{n} of {total} points fall outside Zhuzhou, and all fall inside with latitude and longitude "
                         "swapped: the two columns look swapped. Fix them and import again."),
    "ingest_r_outside_city": ("{total} 个点中有 {n} 个落在株洲市外（例如 {lon}, {lat}）。请检查坐标系选项是否正确。",
                              "{n} of {total} points fall outside Zhuzhou (e.g. {lon}, {lat}). Check the coordinate system option."),
    "ingest_r_bad_table": ("不能导入表“{table}”，可导入：{tables}", "Table '{table}' cannot be imported; importable: {tables}"),
    "ingest_r_bad_mode": ("不认识的发布方式“{mode}”。", "Unknown publishing mode '{mode}'."),
    "ingest_r_internal": ("导入程序内部检查未通过（请报告此问题）：{detail}", "An internal check failed (please report this): {detail}"),
    # why a row is rejected (ingest_v_*) or flagged
    "ingest_v_not_number": ("不是数字", "not a number"),
    "ingest_v_formula": ("是公式，不是数值（请粘贴为数值）", "a formula, not a value (paste as values)"),
    "ingest_v_comma": ("逗号用法不明确（千分位应为 1,234）", "ambiguous comma (thousands are written 1,234)"),
    "ingest_v_unit": ("单位“{unit}”无法换算为 {expected}", "unit '{unit}' cannot be converted to {expected}"),
    "ingest_v_negative": ("不能为负数", "cannot be negative"),
    "ingest_v_too_large": ("不能超过 {max}", "cannot exceed {max}"),
    "ingest_v_not_whole": ("应为整数", "must be a whole number"),
    "ingest_v_enum": ("不是允许的值：{allowed}", "not an allowed value: {allowed}"),
    "ingest_v_date_range": ("日期 {date} 不在合理范围（1949–2100）", "date {date} is out of range (1949–2100)"),
    "ingest_v_bad_date": ("不存在的日期 {value}", "no such date: {value}"),
    "ingest_v_no_day": ("日期缺少“日”", "the date has no day"),
    "ingest_v_not_date": ("不是日期（可写 2023-03-05、2023/3/5 或 2023年3月5日）", "not a date (write 2023-03-05, 2023/3/5 or 2023年3月5日)"),
    "ingest_v_district": ("不是株洲的区县：{names}", "not a Zhuzhou district: {names}"),
    "ingest_v_blank": ("只有空格", "only blanks"),
    "ingest_v_required": ("必填，但为空", "required, but empty"),
    "ingest_v_duplicate_id": ("编号重复（第 {rows} 行）", "duplicated id (rows {rows})"),
    "ingest_v_coords_missing": ("缺少坐标", "no coordinates"),
    "ingest_v_coords_zero": ("坐标为 (0, 0)，不是有效位置", "coordinates (0, 0) are not a location"),
    "ingest_v_coords_range": ("坐标超出经纬度范围 ({x}, {y})", "coordinates out of range ({x}, {y})"),
    "ingest_v_bad_wkt": ("WKT 图形无法解析", "the WKT geometry cannot be parsed"),
    "ingest_v_geom_type": ("图形类型为 {got}，应为 {want}", "geometry is a {got}, expected {want}"),
    "ingest_v_invalid_polygon": ("图形无效：{why}（可勾选“修复自相交图形”）", "invalid geometry: {why} (tick 'repair "
                                 "self-intersecting polygons')"),
    "ingest_v_outside": ("位置 ({lon}, {lat}) 在株洲市外", "location ({lon}, {lat}) is outside Zhuzhou"),
    "ingest_v_district_differs": ("填写的区县 {declared} 与坐标所在区县 {found} 不一致，按坐标取 {found}",
                                  "declared district {declared} differs from {found} where the point lies; {found} is used"),
    "ingest_v_project_unknown": ("项目编号在当前数据中不存在，无法确定区县", "no such project in the current data, so no district"),
    # notes and warnings about the whole file
    "ingest_n_encoding": ("文件编码识别为 {encoding}。", "Text encoding detected: {encoding}."),
    "ingest_n_sheets": ("读取了工作表“{sheet}”，另有 {n} 个工作表未读取。", "Read sheet '{sheet}'; {n} other sheet(s) ignored."),
    "ingest_n_layers": ("读取了图层“{layer}”，另有 {n} 个图层未读取。", "Read layer '{layer}'; {n} other layer(s) ignored."),
    "ingest_n_no_prj": ("Shapefile 没有 .prj 文件：坐标系按所选选项处理。", "The Shapefile has no .prj: coordinates are read in the chosen system."),
    "ingest_n_header_row": ("表头在第 {row} 行（共 {rows} 行表头），其上方的标题行已跳过。", "The header is on row {row} ({rows} "
                            "header row(s)); title rows above it were skipped."),
    "ingest_n_totals": ("合计行已跳过（第 {rows} 行）。", "Total rows skipped (rows {rows})."),
    "ingest_n_formulas": ("{n} 个单元格是公式，按文字原样保存和显示。", "{n} cells hold formulas: stored and shown as text."),
    "ingest_n_xy_swapped": ("X 列是北坐标、Y 列是东坐标（测量习惯），已按此读取。", "X holds northings and Y eastings "
                            "(surveying convention); read that way."),
    "ingest_n_assumed_wgs84": ("坐标按 WGS84 读取（未指定坐标系）。高德、腾讯坐标请选 GCJ-02，百度坐标请选 BD-09。",
                               "Coordinates read as WGS84 (none chosen). Choose GCJ-02 for AMap/Tencent, BD-09 for Baidu."),
    "ingest_n_unmapped": ("这些列没有对应到数据表，不导入：{columns}", "Columns not mapped to the table, not imported: {columns}"),
    "ingest_n_repaired": ("已修复 {n} 个自相交图形。", "{n} self-intersecting polygons were repaired."),
    "ingest_w_gcj": ("注意：{total} 个已有编号中有 {n} 个的位置与库中相差约 {m} 米，正好是 GCJ-02 偏移。这些坐标可能来自高德/腾讯地图，请考虑选择 GCJ-02。",
                     "Warning: {n} of {total} known ids sit about {m} m from their stored position, exactly the "
                     "GCJ-02 offset. These coordinates probably come from AMap/Tencent: consider choosing GCJ-02."),
    # the report
    "ingest_summary": ("{table}：读取 {read} 行，接受 {accepted} 行，拒绝 {rejected} 行，其中 {changed} 行的值经过规范化。",
                       "{table}: {read} rows read, {accepted} accepted, {rejected} rejected; {changed} accepted rows "
                       "had values normalised."),
    "ingest_diff": ("与当前数据相比：新增 {added}，更新 {updated}，不变 {unchanged}，删除 {removed}。",
                    "Against the current data: {added} added, {updated} updated, {unchanged} unchanged, {removed} removed."),
    "ingest_more_problems": ("…… 另有 {n} 条，见 XLSX 报告。", "… {n} more in the XLSX report."),
    "ingest_level_rejected": ("拒绝", "rejected"),
    "ingest_level_warning": ("提示", "warning"),
    "ingest_col_row": ("行号", "Row"),
    "ingest_col_column": ("列", "Column"),
    "ingest_col_value": ("值", "Value"),
    "ingest_col_reason": ("原因", "Reason"),
    "ingest_col_level": ("处理", "Outcome"),
    "ingest_sheet_problems": ("问题", "Problems"),
    "ingest_sheet_about": ("概况", "Summary"),
    "ingest_about_file": ("文件", "File"),
    "ingest_about_table": ("数据表", "Table"),
    "ingest_about_summary": ("结果", "Result"),
    "ingest_about_diff": ("变化", "Changes"),
    "ingest_about_encoding": ("编码", "Encoding"),
    "ingest_about_crs": ("坐标系", "Coordinate system"),
    "ingest_about_note": ("说明", "Note"),
    "ingest_about_mapping": ("列对应", "Column mapping"),
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
