"""UI text of the energy page (geo.energy, pages/energy.py): key -> (zh, en)."""

TEXT: dict[str, tuple[str, str]] = {
    "page_energy": ("能源设施", "Energy"),
    # the plant chart's stacked parts (short: the legend sits under a third of the page)
    "plant_part_在运": ("在运", "In service"),
    "plant_part_在建": ("在建", "Building"),
    "plant_part_规划": ("规划", "Planned"),
    "plant_count": ("{n} 座", "{n} plants"),
    "station_count": ("{n} 座", "{n} substations"),
    "section_filters_energy": ("能源设施", "Energy assets"),
    "voltage": ("电压等级", "Voltage"),
    "asset_status": ("设施状态", "Asset status"),
    "load_band": ("负载率", "Load rate band"),
    "plant_kind": ("电源类型", "Plant kind"),
    "power_factor_note": ("MVA 按功率因数 {pf} 折算为 MW", "MVA converted to MW at power factor {pf}"),
    "ta_plan_verified": ("{plan}有治理方案，{verified}已验证", "{plan} with a plan, {verified} verified"),
    "quality_title": ("数据质量提示：{n} 条记录有问题，照常显示并在下表标记。", "Data quality: records with a problem: {n}; "
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
    "layer_areas": ("公变台区（电压合格率）", "Transformer areas: pass rate"),  # (the legend cut a longer one)
    "layer_risk": ("供电风险项目", "Projects with supply risk"),
    # short: the legend is a 230-px chart, which cut a longer entry (the pending load is part of headroom)
    "risk_legend": ("裕度不足或距离 > {km:g} km", "Short of headroom / > {km:g} km"),
    "legend_station_band": ("变电站颜色：负载率", "Substation colour: load rate"),
    "legend_station_voltage": ("符号大小：电压等级", "Symbol size: voltage"),
    "legend_station_status": ("填充：设施状态", "Fill: status"),
    "no_load_band": ("无负荷数据／未投运", "No load data"),
    "metric_headroom": ("负荷裕度（MW）", "Headroom (MW)"),
    "metric_load_rate": ("负载率（%）", "Load rate (%)"),
    "metric_firm_capacity": ("可供容量（MW）", "Firm capacity (MW)"),
    "firm_capacity": ("可供容量", "Firm capacity"),
    "energy_click_note": ("点击变电站查看详情（所供台区、依赖它的项目），点击区县可按区县筛选。",
                          "Click a substation for its details (areas it feeds, projects relying on it); click a "
                          "district to filter to it."),
    "unknown_station": ("找不到变电站 {id}（可能不在当前数据或权限范围内）。", "Substation {id} was not found (not in "
                        "this data or outside your access)."),
    "energy_new_split": ("在运新能源：{parts}", "New energy in service: {parts}"),
    "energy_figures_district_only": ("以上四项只按区县筛选（按在运设施定义）；地图、表格和下载按全部筛选。",
                                     "The four figures above follow the district filter only (they count the assets in "
                                     "service); the map, the tables and the download follow every filter."),
    "no_fed_areas": ("本站不直接供公变台区（500/220 千伏站向下级变电站供电）。", "This station feeds no transformer area "
                     "directly (500/220 kV stations feed lower-voltage stations)."),
    "fed_areas": ("所供公变台区", "Transformer areas it feeds"),
    "abnormal_ids": ("待治理／治理中／待验证台区（共 {n} 个）：{ids}", "Areas under governance ({n}): {ids}"),
    "relying_projects": ("就近接入本站的项目", "Projects whose nearest supply point it is"),
    "no_relying_projects": ("没有项目以本站为最近供电点。", "No project has this station as its nearest supply point."),
    "below_supply_kv": ("项目供电点只计 110 千伏及以上变电站：本站电压较低，不作为项目的供电点。",
                        "Only stations of 110 kV or above count as projects' supply points: this one does not."),
    "section_headroom": ("各区县负荷裕度", "Headroom by district"),
    "voltage_level": ("电压层级", "Voltage level"),
    "headroom": ("负荷裕度", "Headroom"),
    "load_rate": ("负载率", "Load rate"),
    "headroom_level_note": ("负荷裕度按上方所选的 {level} kV 层级计算，侧栏的“电压等级”筛选不适用于此节。",
                            "Headroom is of the {level} kV level chosen above: the sidebar's voltage filter does not "
                            "apply to this section."),
    "headroom_note": ("负荷裕度 = 在运变电站容量 × 功率因数 {pf} − 最高负荷，只在同一电压层级内相加（各层级串联，跨层级相加会重复计算同一负荷）。"
                      "点击柱条按区县筛选，按住 Shift 点击可加选或取消。",
                      "Headroom = in-service capacity × power factor {pf} − peak load, added up within one voltage "
                      "level only (levels are in series: adding them would count the same load twice). Click a bar "
                      "to filter to the district; shift-click to add or remove one."),
    "supply_line": ("供电：需求 {demand}，最近变电站 {station}（{km}，裕度 {headroom}），{verdict}。",
                    "Power: demand {demand}, nearest substation {station} ({km}, headroom {headroom}): {verdict}."),
    "supply_line_none": ("供电：需求 {demand}，附近没有可接入的 110 千伏及以上在运变电站。",
                         "Power: demand {demand}; no in-service substation of 110 kV or above to connect to."),
    "supply_covered": ("裕度可满足", "covered"),
    "supply_overcommitted": ("单看本项目裕度可满足，但该站待接入负荷 {pending} 超过裕度", "covered on its own, but the "
                             "station's pending load of {pending} is above its headroom"),
    "supply_short": ("裕度不足", "short of headroom"),
    "section_supply": ("项目供电保障", "Power supply for projects"),
    "projects_with_demand": ("有用电需求的项目", "Projects with a power demand"),
    "secure_projects": ("供电有保障", "Supply secure"),
    "at_risk_projects": ("供电有风险", "Supply at risk"),
    "secure_note": ("有用电需求的项目 = 供电有保障 + 供电有风险。风险：无可接入变电站、需求超过最近变电站裕度、该站待接入负荷"
                    "超过裕度，或距离超过阈值。",
                    "Projects with a demand = supply secure + supply at risk. At risk: no station to connect to, "
                    "demand above the nearest station's headroom, that station's pending load above its headroom, "
                    "or farther than the threshold."),
    "max_distance": ("距离阈值（km）", "Distance threshold (km)"),
    "supply_note": ("供电点 = 距项目最近的在运 {kv} 千伏及以上变电站（直线距离，CGCS2000 高斯-克吕格 3° 带 114°E 投影计算）。"
                    "待接入负荷 = 依赖该站且尚未投产项目的需求之和。",
                    "Supply point = the nearest in-service substation of {kv} kV or above (straight-line distance in "
                    "CGCS2000 / 3-degree Gauss-Kruger CM 114E). Pending load = demand of the projects relying on it "
                    "that are not producing yet."),
    "no_risk": ("当前筛选下没有供电风险项目。", "No project in this view has a supply risk."),
    "no_rows_stations": ("没有符合筛选条件的变电站", "No substations match the filters"),
    "risk_truncated": ("共 {n}，地图和下表显示需求最大的 {shown}；缩小筛选范围可看到全部。", "{n} in all: the map and "
                       "the table show the {shown} with the largest demand; narrow the filters to see every one."),
    "risk_table_note": ("点选一行查看其供电变电站。", "Pick a row to see its supply substation."),
    "demand": ("用电需求", "Demand"),
    "supply_station": ("最近供电变电站", "Nearest supply substation"),
    "distance": ("距离", "Distance"),
    "pending_demand": ("待接入负荷", "Pending load"),
    "pending_help": ("以该站为最近 110 kV 及以上在运变电站、尚未投产的项目用电需求之和；大于负荷裕度时，该站接不下全部待接入项目。",
                     "The power demand of the projects not yet producing whose nearest in-service substation of "
                     "110 kV or above this is. Above the headroom, the station cannot take every project waiting on it."),
    "risk_reason": ("风险原因", "Risk"),
    "risk_no_station": ("无可接入变电站", "no station to connect to"),
    "risk_over_headroom": ("需求超过裕度", "demand above headroom"),
    "risk_overcommitted": ("该站待接入负荷超裕度", "station's pending load above headroom"),
    "risk_too_far": ("距离超过阈值", "farther than the threshold"),
    "section_assets": ("设施统计", "Assets in figures"),
    "stations_by_band": ("在运变电站负载率分布", "In-service substations by load rate"),
    "stations_count": ("变电站数", "Substations"),
    "plants_by_kind": ("电源装机（按类型）", "Plant capacity by kind"),
    "capacity_mw": ("装机容量（MW）", "Capacity (MW)"),
    "in_service_mw": ("在运 {mw}", "in service {mw}"),
    "ta_governance_chart": ("公变台区治理", "Transformer-area governance"),
    "ta_funnel_note": ("当前筛选范围内共 {n} 公变台区。", "{n} transformer areas in this view."),
    "ta_step_all": ("全部台区", "All areas"),
    "ta_step_with_plan": ("有治理方案", "With a plan"),
    "mean_pass_rate": ("平均电压合格率", "Mean voltage pass rate"),
    "abnormal_areas": ("待治理／治理中／待验证", "Under governance"),
    "plant_list": ("电源清单（装机容量从大到小）", "Power plants, largest first"),
    "no_rows_plants": ("没有符合筛选条件的电源", "No power plants match the filters"),
    "station_list": ("变电站清单（负载率从高到低，点选一行查看详情）", "Substations, most loaded first (pick a row for details)"),
}
