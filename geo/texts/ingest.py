"""UI text of the import's checks (geo.ingest): why a file is stopped, why a row is rejected or
flagged, notes on the whole file, the report: key -> (zh, en)."""

TEXT: dict[str, tuple[str, str]] = {
    # why a whole file is stopped (geo.ingest.errors.IngestError)
    "ingest_r_stale_check": ("检查之后，数据已被他人更新（快照 {snapshot}，发布人 {by}），本文件未发布，现有数据不变。"
                             "页面已按最新数据重新检查，请核对报告后再发布。",
                             "The data was updated by someone else after this file was checked (snapshot {snapshot}, "
                             "published by {by}); nothing was published and the data is as it was. The page has "
                             "checked the file again against the new data: review the report, then publish."),
    "ingest_r_orphaned_tasks": ("发布后将有 {n} 件交办事项（其中 {open} 件未办结）找不到所属项目，会从调度会页消失："
                                "它们属于本文件中没有的 {projects} 个项目（如 {examples}）。请在文件中保留这些项目；"
                                "要删除项目，请先在“交办事项”表中整表替换去掉它们的事项。",
                                "After publishing, {n} assigned tasks ({open} of them open) would have no project and "
                                "drop off the meeting page: they belong to {projects} projects this file leaves out "
                                "(e.g. {examples}). Keep those projects in the file; to remove projects, first "
                                "replace the tasks table without their tasks."),
    "ingest_r_no_such_file": ("找不到文件 {name}", "No such file: {name}"),
    "ingest_r_zone_prefix": ("X 坐标带有 3 度带带号 {zone}（如 {zone},512,345 米），而 EPSG:{epsg} 不带带号：请选 "
                             "EPSG:{fits}（CGCS2000 3 度带第 {zone} 带，带带号）。",
                             "The eastings carry the 3-degree zone number {zone} ({zone},512,345 m), EPSG:{epsg} has none: "
                             "choose EPSG:{fits} (CGCS2000 3-degree zone {zone}, zone-prefixed)."),
    "ingest_r_no_zone_prefix": ("X 坐标不带带号（如 512,345 米），而 EPSG:{epsg} 的坐标带带号：请选 EPSG:{fits}"
                                "（CGCS2000 3 度带，中央经线 {cm}°E，不带带号）。",
                                "The eastings carry no zone number (512,345 m), EPSG:{epsg} expects one: choose "
                                "EPSG:{fits} (CGCS2000 3-degree, central meridian {cm}°E, no zone number)."),
    "ingest_r_empty_file": ("文件 {name} 是空的，没有数据行。", "{name} is empty: no data rows."),
    "ingest_r_header_only": ("文件 {name} 只有表头，没有数据行。", "{name} has a header row but no data rows."),
    "ingest_r_only_example": ("文件 {name} 只有模板的示例行（第 {row} 行，未改动）：请把它改成或换成真实数据。",
                              "{name} holds only the template's example row (row {row}, unchanged): replace it with "
                              "real records."),
    "ingest_r_bad_encoding_name": ("不认识的编码名称“{encoding}”。", "Unknown encoding name '{encoding}'."),
    "ingest_r_too_big": ("文件 {name} 有 {mb} MB，超过上限 {limit} MB。请按区县或年份拆分后分别导入。",
                         "{name} is {mb} MB, over the {limit} MB limit. Split it (by district or year) and import the parts."),
    "ingest_r_bad_zip": ("{name} 看起来是压缩包，但无法打开（文件损坏？）。", "{name} looks like a zip but cannot be opened (damaged?)."),
    "ingest_r_not_supported": ("{name} 是 {what} 文件，不能导入。只接受 Excel（.xlsx）、CSV、GeoJSON、GeoPackage 和 Shapefile 压缩包。",
                               "{name} is a {what} file and cannot be imported. Accepted: Excel (.xlsx), CSV, GeoJSON, "
                               "GeoPackage and zipped Shapefile."),
    "ingest_r_web_table": ("{name} 不是真正的 Excel 文件，而是 {what} 格式的表格（很多系统导出的 .xls 是这样）。"
                           "请在 Excel 中打开它，“另存为 .xlsx”（或 CSV）后再导入。",
                           "{name} is not a real Excel file but a table in {what} (as many systems export .xls files). "
                           "Open it in Excel, save it as .xlsx (or CSV) and import that."),
    "ingest_r_old_xls": ("{name} 是旧版 Excel（.xls）。请在 Excel 中“另存为 .xlsx”后再导入。",
                         "{name} is an old Excel file (.xls). Save it as .xlsx in Excel and import that."),
    "ingest_r_binary": ("{name} 不是文本文件，也不是可识别的表格或地理文件（可能是改了扩展名的其他文件）。",
                        "{name} is neither text nor a known spreadsheet or GIS file (a renamed file of another kind?)."),
    "ingest_r_decode_failed": ("按 {encoding} 编码无法读取第 {line} 行。请换一种编码，或选“自动识别”。",
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
    "ingest_r_not_a_workbook": ("{name} 不是 Excel 工作簿（是 {kind} 文件，可能改了扩展名）：请在 Excel 中打开原表，另存为 .xlsx 或 CSV。",
                                "{name} is not an Excel workbook (it is a {kind} file, perhaps renamed): open the ledger "
                                "in Excel and save it as .xlsx or CSV."),
    "ingest_r_zip_no_shp": ("压缩包 {name} 中没有 Shapefile（.shp）或 CSV 文件。", "The zip {name} holds no Shapefile (.shp) "
                            "and no CSV file."),
    "ingest_r_zip_no_table_csv": ("压缩包 {name} 中没有“{table}”的 CSV 文件（应名为“{table}.csv”），只有：{files}。"
                                  "请选择与其中某个文件相符的表，或单独上传要导入的 CSV 文件。",
                                  "The zip {name} holds no CSV file of {table} (named '{table}.csv'), only: {files}. "
                                  "Choose the table one of them holds, or upload the CSV file to import on its own."),
    "ingest_r_layer_without_geometry": ("{name} 中读取的图层没有图形（是属性表，如导出的交办事项），而“{table}”需要位置："
                                        "不能导入到这张表。请选择与图层相符的表，或在文件中加上经度、纬度列。",
                                        "The layer read from {name} has no geometry (an attribute table, like an "
                                        "extract's tasks), and {table} needs locations: it cannot be imported into "
                                        "that table. Choose the table the layer holds, or add longitude and latitude "
                                        "columns."),
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
    "ingest_r_unit_suspect": ("“{column}”的表头没有写单位，按{unit}读取时中位数为 {median} {unit}，远超常见规模：多半是以更小的单位"
                              "填写（如万元、千瓦、平方米）。请在对应关系表中设定它的换算系数（万元→亿元为 0.0001），或在表头写明单位，"
                              "如“总投资（万元）”。",
                              "The header '{column}' names no unit; read in {unit}, its median is {median} {unit}, far above "
                              "any real value: the ledger is most likely in a smaller unit (万元, kW, m²). Set the column's factor "
                              "in the mapping table (万元 to 亿元 is 0.0001), or write the unit in the header, e.g. 总投资（万元）."),
    "ingest_r_unit_header_suspect": ("“{column}”的表头写明{unit}，但中位数为 {median} {unit}，超过任何单个项目（全市 2023 年 549 个"
                                     "重点项目共 5,430 亿元）：多半实际以万元填写。若是万元，请把表头改为“总投资（万元）”之类，"
                                     "或在对应关系表中把本列的换算系数设为 0.0001。",
                                     "The header '{column}' says {unit}, but its median is {median} {unit}, above any single "
                                     "project (the city's 549 key projects of 2023 total 5,430 亿元): the figures are most "
                                     "likely in 万元. If so, write 万元 in the header (e.g. 总投资（万元）) or set the "
                                     "column's factor to 0.0001 in the mapping table."),
    "ingest_r_area_unit_suspect": ("“{column}”的表头没有写单位，按亩读取时面积的中位数是地块范围算得面积的 {ratio} 倍："
                                   "多半是以公顷（约 0.067 倍）或平方米（约 667 倍）填写。请在对应关系表中设定它的换算系数"
                                   "（公顷→亩为 15，平方米→亩为 0.0015），或在表头写明单位，如“面积（公顷）”。",
                                   "The header '{column}' names no unit; read in mu, the areas' median is {ratio} times "
                                   "the area of the outlines: the column is most likely in hectares (about 0.067) or m² "
                                   "(about 667). Set its factor in the mapping table (hectares to mu is 15, m² to mu "
                                   "0.0015), or write the unit in the header, e.g. 面积（公顷）."),
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
    "ingest_v_unit_none": ("数字后多了“{unit}”：本列只填数字", "'{unit}' after the number: this column takes a plain number"),
    "ingest_v_product": ("按“台数×单台容量”读作 {n} × {each} = {total}，请核对", "read as units × capacity each: "
                         "{n} × {each} = {total}; please check"),
    "ingest_v_negative": ("不能为负数", "cannot be negative"),
    "ingest_v_too_large": ("不能超过 {max}", "cannot exceed {max}"),
    "ingest_v_not_whole": ("应为整数", "must be a whole number"),
    "ingest_v_enum": ("不是允许的值：{allowed}", "not an allowed value: {allowed}"),
    "ingest_v_date_range": ("日期 {date} 不在合理范围（1949–2100）", "date {date} is out of range (1949–2100)"),
    "ingest_v_bad_date": ("不存在的日期 {value}", "no such date: {value}"),
    "ingest_v_no_day": ("日期只有年月，缺少“日”：请写成完整日期，如 {example}；不知道具体日期可留空",
                        "the date has no day (only a month): write the full date, e.g. {example}, or leave the cell "
                        "empty if the day is not known"),
    "ingest_v_year_only": ("日期只有年份：请写成完整日期，如 {example}；不知道具体日期可留空",
                           "the date is only a year: write the full date, e.g. {example}, or leave the cell empty if "
                           "the day is not known"),
    "ingest_v_not_date": ("不是日期（可写 2023-03-05、2023/3/5 或 2023年3月5日）", "not a date (write 2023-03-05, 2023/3/5 or 2023年3月5日)"),
    "ingest_v_district": ("不是株洲的区县：{names}", "not a Zhuzhou district: {names}"),
    "ingest_v_blank": ("只有空格", "only blanks"),
    "ingest_v_too_long": ("文字过长（{n} 字，最多 {max} 字）", "text too long ({n} characters, at most {max})"),
    "ingest_v_required": ("必填，但为空", "required, but empty"),
    "ingest_v_duplicate_id": ("编号重复（第 {rows} 行）", "duplicated id (rows {rows})"),
    "ingest_v_coords_missing": ("缺少坐标", "no coordinates"),
    "ingest_v_coords_zero": ("坐标为 (0, 0)，不是有效位置", "coordinates (0, 0) are not a location"),
    "ingest_v_coords_range": ("坐标超出经纬度范围 ({x}, {y})", "coordinates out of range ({x}, {y})"),
    "ingest_v_new_needs_columns": ("新编号，但文件没有新记录必需的列：{columns}", "a new id, but the file lacks "
                                   "columns a new record needs: {columns}"),
    "ingest_v_coords_swapped": ("坐标超出经纬度范围 ({x}, {y})：经纬度似乎填反了，对调后位于株洲市内",
                                "coordinates out of range ({x}, {y}): longitude and latitude look swapped (swapped, "
                                "the point lies in Zhuzhou)"),
    "ingest_v_bad_wkt": ("WKT 图形无法解析", "the WKT geometry cannot be parsed"),
    "ingest_v_geom_type": ("图形类型为 {got}，应为 {want}", "geometry is a {got}, expected {want}"),
    "ingest_v_disposed_before_listed": ("处置日期早于列入存量日期", "disposed of before it was listed as stock"),
    "ingest_v_disposed_no_date": ("已处置但没有处置日期：不计入任何一年的处置，也不再计入剩余存量",
                                  "disposed, without a disposal date: it counts in no year's disposal, nor in the "
                                  "remaining stock"),
    "ingest_v_disposed_no_method": ("已处置但没有处置方式", "disposed, without a disposal method"),
    "ingest_n_location_kept": ("{n} 行的经纬度为空，按编号保留库中的位置。", "{n} row(s) with empty coordinates keep "
                               "their stored location (by id)."),
    "ingest_v_point_not_outline": ("地块需要地块范围（面），只有经纬度点不够：请填 WKT 面，或上传带地块范围的地理文件",
                                   "a parcel needs its outline (a polygon), a lon/lat point is not enough: give a WKT "
                                   "polygon, or a GIS file with the outlines"),
    "ingest_v_invalid_polygon": ("{why}：图形无效，可勾选“修复自相交图形”自动修复", "{why}: an invalid geometry; tick "
                                 "'repair self-intersecting polygons' to repair it"),
    "ingest_v_invalid_polygon_unrepaired": ("{why}：图形无效，修复后不剩任何面，请在 GIS 中重画该地块",
                                            "{why}: an invalid geometry, and repaired no area is left: redraw the "
                                            "parcel in GIS"),
    "ingest_v_outside": ("位置 ({lon}, {lat}) 在株洲市外", "location ({lon}, {lat}) is outside Zhuzhou"),
    "ingest_v_stage_has_start": ("阶段为{stage}，却填了实际开工或竣工日期：阶段或日期有误？（按日期计入开工、竣工数）",
                                 "stage {stage}, yet it has an actual start or completion date: is the stage or the "
                                 "date wrong? (the starts and completions count the dates)"),
    "ingest_v_stage_no_start": ("阶段为{stage}，缺实际开工日期：不计入开工数", "stage {stage} without an actual start "
                                "date: not counted among the starts"),
    "ingest_v_stage_no_completion": ("阶段为{stage}，缺实际竣工日期：不计入竣工数", "stage {stage} without an actual "
                                     "completion date: not counted among the completions"),
    "ingest_v_stage_has_completion": ("阶段为在建，却填了实际竣工日期：阶段是否应为竣工？", "stage 在建 with an actual "
                                      "completion date: should the stage be 竣工?"),
    "ingest_v_load_above_capacity": ("负载率 {rate}：最高负荷 {load} 超过变电容量 {capacity} × 功率因数 {pf} = {firm}，"
                                     "请核对负荷或容量（能源页将标为数据问题）",
                                     "load rate {rate}: the peak load {load} is above the capacity {capacity} × "
                                     "power factor {pf} = {firm}; check the load or the capacity (the energy page "
                                     "flags it as a data problem)"),
    "ingest_v_area_differs": ("与地块范围算得的 {outline} 亩相差超过四分之一，请核对面积或范围",
                              "more than a quarter off the {outline} mu of the parcel's outline: check the area or the outline"),
    "ingest_v_overlaps": ("与 {others}重叠，共 {mu} 亩（重叠部分会重复计入存量），请核对范围",
                          "overlaps {others}, {mu} mu in all (counted twice in the stock); check the outline"),
    "ingest_v_district_differs": ("填写的区县 {declared} 与坐标所在区县 {found} 不一致，按坐标取 {found}",
                                  "declared district {declared} differs from {found} where the point lies; {found} is used"),
    "ingest_v_project_unknown": ("项目编号在当前数据中不存在（请先导入该项目）", "no such project in the current data (import the project first)"),
    "ingest_v_task_district_differs": ("填写的区县 {declared} 与项目所在区县 {found} 不一致，按项目取 {found}",
                                       "declared district {declared} differs from the project's, {found}; {found} is used"),
    "ingest_v_due_before_assigned": ("办理期限早于交办日期", "due before it was assigned"),
    "ingest_v_first_due_before_assigned": ("原定时限早于交办日期", "original deadline before it was assigned"),
    "ingest_v_closed_before_assigned": ("办结日期早于交办日期", "closed before it was assigned"),
    "ingest_v_closed_without_date": ("状态为已办结，但没有办结日期", "status 已办结 (closed) but no closing date"),
    "ingest_v_open_with_closing_date": ("有办结日期，但状态为办理中：请改为已办结或删去日期",
                                        "a closing date, but status 办理中 (open): mark it closed or remove the date"),
    "ingest_v_completion_before_start": ("竣工日期早于开工日期", "completion before the start"),
    "ingest_v_above_total": ("超过总投资（若本列以万元填写，请在“列对应”中把它的换算系数设为 0.0001）",
                             "more than the total investment (if this column is in 万元, set its factor to 0.0001 in the "
                             "column mapping)"),
    "ingest_v_amount_implausible": ("{value} 远超单个项目的规模（超过 {bound}，本文件中位数 {median}）：若本格按万元填写，"
                                    "应为 {wan}（乘 0.0001）。请核对后改正该格；确为此规模则可照常发布",
                                    "{value} is far beyond any single project (above {bound}; the file's median is "
                                    "{median}): if this cell was written in 万元, it is {wan} (× 0.0001). Check and "
                                    "correct the cell; if the project really is that large, publish as it is"),
    "ingest_v_amount_implausible_converted": ("{value} 远超单个项目的规模（超过 {bound}，本文件中位数 {median}），请核对该格",
                                              "{value} is far beyond any single project (above {bound}; the file's "
                                              "median is {median}): check the cell"),
    # the column was converted already (its factor set): the hint above would send the steward in circles
    "ingest_v_above_total_converted": ("超过总投资", "more than the total investment"),
    # notes and warnings about the whole file
    "ingest_n_encoding": ("文件编码识别为 {encoding}。", "Text encoding detected: {encoding}."),
    # a file of several tables: which sheet, layer or zipped file ({part}) was read
    "ingest_n_part_for_table": ("读取了以所选表命名的{part}“{name}”，另有 {n} 个{part}未读取。",
                                "Read {part} '{name}', named for the chosen table; {n} other {part}(s) ignored."),
    "ingest_n_parts": ("没有以所选表命名的{part}，读取了第一个{part}“{name}”；另有 {n} 个{part}未读取：{others}。",
                       "No {part} is named for the chosen table: read the first, '{name}'; {n} other {part}(s) "
                       "ignored: {others}."),
    "ingest_n_no_prj": ("Shapefile 没有 .prj 文件：坐标系按所选选项处理。", "The Shapefile has no .prj: coordinates are read in the chosen system."),
    "ingest_n_header_row": ("表头在第 {row} 行（共 {rows} 行表头），其上方的 {skipped} 行标题已跳过。", "The header is on row {row} "
                            "({rows} header row(s)); the {skipped} title row(s) above it were skipped."),
    "ingest_n_two_header_rows": ("表头占第 1、2 行（合并单元格的分组行与其下的列名），已合并读取。",
                                 "The header takes rows 1 and 2 (a group row of merged cells over the column names), "
                                 "read together."),
    "ingest_n_totals": ("合计、小计行已跳过（第 {rows} 行）。", "Total and subtotal rows skipped (rows {rows})."),
    "ingest_n_hidden_rows": ("{n} 行在 Excel 中是隐藏的（第 {rows} 行），已照常导入；若不该导入，请在文件中删除后再上传。",
                             "{n} rows are hidden in Excel (rows {rows}) and were imported like the others; delete them "
                             "from the file if they should not be."),
    "ingest_n_update_only": ("文件没有这些列：{columns}。按更新已有记录处理：这些列保留当前数据中的值；文件中的新编号缺少它们，不能导入。",
                             "The file lacks {columns}: read as an update of stored rows, which keep their stored "
                             "values there; a new id in the file lacks them and cannot be imported."),
    "ingest_n_sections": ("分类标题行已跳过（第 {rows} 行）。", "Section heading rows skipped (rows {rows})."),
    "ingest_n_normalised": ("“{column}”列有 {n} 个值经规范化，如第 {row} 行“{before}”记为“{after}”。",
                            "{n} values of “{column}” were normalised, e.g. row {row}: “{before}” stored as “{after}”."),
    "ingest_n_formulas": ("{n} 个单元格是公式，按文字原样保存和显示。", "{n} cells hold formulas: stored and shown as text."),
    "ingest_n_xy_swapped": ("X 列是北坐标、Y 列是东坐标（测量习惯），已按此读取。", "X holds northings and Y eastings "
                            "(surveying convention); read that way."),
    "ingest_n_assumed_wgs84": ("坐标按 WGS84 读取（未指定坐标系）。高德、腾讯坐标请选 GCJ-02，百度坐标请选 BD-09。",
                               "Coordinates read as WGS84 (none chosen). Choose GCJ-02 for AMap/Tencent, BD-09 for Baidu."),
    "ingest_n_example_skipped": ("第 {row} 行是模板的示例行（未改动），已跳过。", "Row {row} is the template's example row, "
                                 "unchanged: left out."),
    "ingest_n_unmapped": ("这些列没有对应到数据表，不导入：{columns}", "Columns not mapped to the table, not imported: {columns}"),
    "ingest_n_class_from_status": ("{n} 个地块没有填存量类别，按其土地状态（批而未供、闲置或低效）计入该类存量。",
                                   "{n} parcels have no stock class: each counts in the class its status names "
                                   "(批而未供, 闲置 or 低效)."),
    "ingest_w_disposed_without_class": ("注意：{n} 个已处置地块没有填存量类别，不计入任何一类的处置面积和处置率。",
                                        "Warning: {n} disposed parcels have no stock class: they count in no class's "
                                        "disposal or rate."),
    "ingest_n_area_from_outline": ("文件没有面积列：{n} 个地块的面积（亩）按地块范围计算。",
                                   "The file has no area column: the area (mu) of {n} parcels is measured on their outlines."),
    "ingest_n_repaired": ("已修复 {n} 个自相交图形。", "{n} self-intersecting polygons were repaired."),
    "ingest_w_amounts": ("注意：“{column}”有 {n} 个金额远超单个项目的规模（第 {rows} 行），多半是按万元填写的：发布前请核对，见下表的提示。",
                         "Warning: {n} amounts in '{column}' are far beyond any single project (rows {rows}), most "
                         "likely written in 万元: check them before publishing (see the warnings below)."),
    "ingest_w_column_amounts": ("注意：“{column}”的中位数为 {median} 亿元，超过任何单个项目（全市 2023 年 549 个重点项目共 5,430 亿元）："
                                "整列多半是按万元填写的（按万元为 {wan} 亿元）。若是，请把表头改为万元，或在对应关系表中把换算系数设为 0.0001。",
                                "Warning: the median of '{column}' is {median} 亿元, above any single project (the city's 549 key "
                                "projects of 2023 total 5,430 亿元): the whole column is most likely in 万元 ({wan} 亿元 if so). "
                                "If it is, write 万元 in the header or set the column's factor to 0.0001 in the mapping table."),
    "ingest_w_overlaps": ("注意：{n} 个新的或改画的地块与其他地块重叠（见下表各行）。地块不应相互重叠，请核对范围后再发布。",
                          "Note: {n} new or redrawn parcel(s) overlap other parcels (see the rows below). Parcels must "
                          "not overlap: check the outlines before publishing."),
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
