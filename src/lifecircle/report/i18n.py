"""Every label of the report in Chinese and English.

The report carries both languages; the page shows one (``html.lang-zh`` / ``html.lang-en``) and the switch in its
header flips between them without reloading. :data:`STRINGS` maps a key to ``(zh, en)``; templates render a key as
two spans (:func:`bilingual_html`), scripts read the same table as JSON.
"""

from __future__ import annotations

from markupsafe import Markup, escape

#: Languages the report speaks, in switch order.
LANGUAGES = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "title": ("15分钟社区生活圈评估报告", "15-minute community life circle assessment"),
    "study_area": ("研究范围", "Study area"),
    "unnamed_area": ("未命名研究范围", "Unnamed study area"),
    "date": ("评估日期", "Date of the run"),
    "profiles": ("指标体系", "Indicator profiles"),
    "walk_profile": ("步行方案", "Walking profile"),
    "walk_speed": ("步行速度", "Walking speed"),
    "stairs": ("台阶耗时", "stairs time"),
    "slope_dem": ("坡度按高程模型（Tobler）", "slope from the DEM (Tobler)"),
    "crs": ("投影坐标系", "Projected CRS"),
    "attribution": ("数据来源与许可", "Data sources and licences"),
    "method": ("方法说明", "Method"),
    "method_network": (
        "步行时间沿真实步行网络（道路、人行道、台阶、坡道）计算，而非直线缓冲区：每个居住单元先沿直线接入最近的网络路段，"
        "再沿网络最短路径走到最近的同类设施。",
        "Walking times follow the real walking network (streets, footpaths, stairs, ramps), not straight-line buffers: "
        "each home walks straight to the nearest network segment, then along the shortest network path to the "
        "nearest facility of the category.",
    ),
    "method_coverage": (
        "覆盖率 = 在阈值内可达设施的居住单元的分母量（居住用地面积、建筑面积或人口）÷ 全部居住单元的分母量。"
        "阈值及其类型（步行时间、网络距离或直线半径）、来源与可信度标记见指标表，来源全文列于报告末尾的参考文献。",
        "Coverage rate = the denominator quantity (residential land area, floor area or population) of the homes that "
        "reach a facility within the threshold ÷ that of all homes. Each threshold, its kind (walking time, network "
        "distance or straight radius), its source and confidence mark are in the indicator table; the full references "
        "are listed at the end of the report.",
    ),
    "confidence": ("可信度", "Confidence"),
    "conf_verified": ("已核实", "verified"),
    "conf_probable": ("较可信", "probable"),
    "conf_uncertain": ("存疑", "uncertain"),
    "conf_verified_long": ("已核实：数值见于所引来源", "verified: the number appears in a cited source"),
    "conf_probable_long": ("较可信：待核对标准原文", "probable: check against the standard's text"),
    "conf_uncertain_long": ("存疑：来源不一致，作为可配置参数", "uncertain: sources disagree; a configurable parameter"),
    "summary": ("概况", "At a glance"),
    "data_note": ("数据说明", "Data note"),
    "area_table": ("分区明细", "Values per sub-area"),
    "share_of_people": ("人口占比", "share of people"),
    "share_of_homes": ("居住单元占比", "share of homes"),
    "homes": ("居住单元", "Homes"),
    "population": ("人口", "Population"),
    "facilities": ("设施", "Facilities"),
    "network_length": ("步行网络长度", "Walking network"),
    "indicators": ("指标与目标", "Indicators against targets"),
    "col_indicator": ("指标", "Indicator"),
    "col_value": ("数值", "Value"),
    "col_covered": ("覆盖量 / 总量", "Covered / total"),
    "col_threshold": ("阈值", "Threshold"),
    "col_target": ("目标", "Target"),
    "col_status": ("状态", "Status"),
    "col_source": ("来源", "Source"),
    "clause": ("条款", "Clause"),
    "sources": ("参考文献", "References"),
    "sources_note": (
        "本报告所引用的标准、文献与数据来源。方括号中的编号对应指标表中的引用；可信度标记说明本工具从该来源所取内容的核实程度"
        "（说明为英文）。",
        "The standards, papers and data sources this report cites; the numbers in brackets are those of the indicator "
        "table. The mark says how far what lifecircle takes from each source was checked.",
    ),
    "met": ("达标", "Met"),
    "unmet": ("未达标", "Not met"),
    "no_target": ("无目标", "No target"),
    "no_value": ("无数据", "No data"),
    "map": ("地图", "Map"),
    "map_hint": (
        "选择设施类别：居住单元按步行至最近该类设施的时间着色。点击居住单元或设施查看详情。",
        "Choose a facility category: homes are coloured by their walking time to the nearest facility of it. "
        "Click a home or facility for details.",
    ),
    "category": ("设施类别", "Facility category"),
    "area_indicator": ("分区指标", "Sub-area indicator"),
    "layer_network": ("步行网络", "Walking network"),
    "layer_homes": ("居住单元（步行时间）", "Homes (walking time)"),
    "layer_facilities": ("设施", "Facilities"),
    "layer_areas": ("分区覆盖率", "Sub-area coverage"),
    "layer_gaps": ("服务盲区", "Gaps"),
    "layer_plan": ("规划新增设施", "Proposed new sites"),
    "plan": ("设施选址规划", "Where new facilities should go"),
    "plan_note": (
        "lifecircle plan 的结果：在现状设施之外新增设施的推荐位置，沿真实步行网络计算，按各处对覆盖率的贡献排序。"
        "覆盖率与指标表使用同一分母。",
        "Results of lifecircle plan: where new facilities should go besides the existing ones, measured along the "
        "real walking network, ordered by what each site adds to the coverage. Coverage uses the same denominator as "
        "the indicator table.",
    ),
    "plan_headline_mclp": ("新增 {n} 处设施，使{within}范围内覆盖的{what}最多",
                           "{n} new sites that reach the most {what} within {within}"),
    "plan_headline_mclp_one": ("新增 1 处设施，使{within}范围内覆盖的{what}最多",
                               "1 new site that reaches the most {what} within {within}"),
    "plan_headline_lscp": ("以最少的新增设施（{n} 处）使{within}范围内的覆盖率达到 {target}",
                           "The fewest new sites ({n}) that bring coverage within {within} to {target}"),
    "plan_headline_pmedian": ("新增 {n} 处设施，使步行到最近设施的平均时间最短",
                              "{n} new sites that shorten the average walk to the nearest facility the most"),
    "plan_headline_pmedian_one": ("新增 1 处设施，使步行到最近设施的平均时间最短",
                                  "1 new site that shortens the average walk to the nearest facility the most"),
    "plan_within_walk": ("步行 {n} 分钟", "a {n}-minute walk"),
    "plan_within_network": ("网络距离 {n} 米", "{n} m along the network"),
    "plan_what_population": ("居民", "residents"),
    "plan_what_residential_land_area": ("居住用地面积", "residential land"),
    "plan_what_floor_area": ("居住建筑面积", "residential floor area"),
    "plan_site": ("新增设施", "Proposed site"),
    "plan_site_near": ("{street}附近", "near {street}"),
    "plan_rate": ("覆盖率（规划前 → 规划后）", "Coverage (before → after)"),
    "plan_rate_of": ("按{what}计", "share of {what}"),
    "plan_rate_capacity": ("在设施容量内实际服务；不计容量为 {rate}", "served within the sites' capacities; {rate} "
                           "within reach without capacity limits"),
    "plan_people": ("新增覆盖人口", "People newly within reach"),
    "plan_people_served": ("容量内服务人口", "People served within capacity"),
    "plan_mean_walk": ("平均步行时间（规划前 → 规划后）", "Average walk (before → after)"),
    "plan_mean_walk_note": ("超出阈值者按阈值计", "homes beyond the threshold counted at it"),
    "plan_proven": ("已证明为最优方案", "proven the best possible plan"),
    "plan_not_proven": ("未证明最优：与最优方案相差至多 {gap}", "not proven optimal: within {gap} of the best plan"),
    "plan_technical": ("技术细节", "Technical details"),
    "plan_problem": ("模型", "Model"),
    "plan_method": ("求解方法（要求 / 运行 / 采用）", "Method (asked / ran / kept)"),
    "plan_objective": ("目标值", "Objective"),
    "plan_bound": ("界限", "Bound"),
    "plan_gap": ("差距", "Gap"),
    "plan_status": ("求解状态", "Status"),
    "plan_order": ("序号", "Order"),
    "plan_newly": ("新增覆盖人口", "People newly covered"),
    "plan_nearer": ("以其为最近且更近设施的人口", "People for whom it is the nearest, nearer than before"),
    "plan_where": ("经纬度", "Lon, lat"),
    "legend_time": ("步行至最近设施", "Walk to the nearest facility"),
    "legend_areas": ("分区着色", "Sub-area shading"),
    "bin_5": ("≤ 5 分钟", "≤ 5 min"),
    "bin_10": ("5–10 分钟", "5–10 min"),
    "bin_15": ("10–15 分钟", "10–15 min"),
    "bin_over": ("> 15 分钟", "> 15 min"),
    "bin_unreachable": ("不可达", "Unreachable"),
    "charts": ("图表", "Charts"),
    "chart_cdf": ("各类设施步行时间分布", "Walking time to the nearest facility, per category"),
    "chart_cdf_note": (
        "曲线：t 分钟内可步行到达最近设施的居住单元所占比例（累计分布），按该类设施对应指标的分母计（见各图下方，与指标表一致）；"
        "竖线为 5、10、15 分钟。",
        "Curve: share of the homes that reach the nearest facility within t minutes (cumulative distribution), "
        "counted by the denominator of the category's indicator (under each chart, as in the indicator table); "
        "vertical lines at 5, 10 and 15 minutes.",
    ),
    "chart_cdf_note_homes": (
        "（无人口与面积数据的类别按居住单元数计。）",
        "(No population data: shares count homes.)",
    ),
    "chart_coverage": ("覆盖率与目标", "Coverage rate against target"),
    "chart_coverage_note": (
        "条形：全区覆盖率；黑色竖线：目标值。蓝色为达标，橙色为未达标，灰色为无目标。",
        "Bars: coverage over the whole study area; black tick: target. Blue met, orange not met, grey no target.",
    ),
    "within": ("内", "within"),
    "minutes": ("分钟", "min"),
    "people": ("人", "people"),
    "unit_m2": ("平方米", "m²"),
    "unit_homes": ("个居住单元", "homes"),
    "inputs": ("输入文件", "Input files"),
    "versions": ("软件版本", "Software versions"),
    "timings": ("各步骤耗时", "Step timings"),
    "seconds": ("秒", "s"),
    "print": ("打印", "Print"),
    "whole_area": ("全区", "Whole study area"),
    "median": ("中位数", "median"),
    "unreachable_share": ("不可达", "unreachable"),
    "nearest": ("最近设施", "Nearest facility"),
    "walk_time": ("步行时间", "Walking time"),
    "capacity": ("规模", "Capacity"),
    "home": ("居住单元", "Home"),
    "area": ("分区", "Sub-area"),
    "gap": ("服务盲区", "Gap"),
    "none_option": ("（无）", "(none)"),
    "kind_walk_time_s": ("步行 {n} 分钟", "{n} min walk"),
    "kind_network_distance_m": ("网络距离 {n} 米", "{n} m network distance"),
    "kind_straight_radius_m": ("直线半径 {n} 米", "{n} m straight radius"),
    "denom_residential_land_area": ("居住用地面积", "residential land area"),
    "denom_floor_area": ("居住建筑面积", "residential floor area"),
    "denom_population": ("人口", "population"),
    "denom_homes": ("居住单元数", "number of homes"),
    "legend_indicator": ("对应指标", "Indicator"),
    "grid_note": ("网格编号“行-列”：行自最北一行起数，列自最西一列起数（网格边长见运行参数）。",
                  "Grid cells are named row-column: rows counted from the northernmost, columns from the westernmost."),
    "completeness": ("数据完整性", "Data completeness"),
    "completeness_missing": (
        "以下设施类别在输入数据中没有任何设施，依赖它们的指标因此读作 0 % 或偏低——这反映的是数据缺失，而非服务水平。",
        "The input data holds no facility of the categories below, so the indicators built on them read 0 % or too "
        "low: this reflects missing data, not the level of service.",
    ),
    "completeness_zeroed": ("{n} / {total} 项指标因缺少设施数据而为 0。", "{n} of {total} indicators read 0 for lack of facility data."),
    "completeness_col_category": ("缺失的设施类别", "Category with no facility"),
    "completeness_col_indicators": ("受影响的指标（全区数值）", "Indicators it affects (study-area value)"),
    "completeness_zero": ("归零", "zeroed"),
    "completeness_lowered": ("偏低", "too low"),
    "completeness_affected": ("受影响", "affected"),
    "completeness_todo_title": ("如何补全", "What to do"),
    "completeness_todo": (
        "补充这些类别的设施点（如高德 POI 导出表），重新运行评估：",
        "Bring facility points of these categories (e.g. an Amap POI export) and run the assessment again:",
    ),
    "completeness_todo_after": (
        "详见 README 中的教程（POI 数据）。在补全之前，上表中标为“归零”的数值不宜用于决策。",
        "See the tutorial in the README (POI data). Until then, the values marked \u201czeroed\u201d above should not "
        "inform decisions.",
    ),
    "completeness_ok": ("指标所需的每一类设施在数据中都至少有一处。", "Every facility category the indicators need has at least one facility in the data."),
    "facility_sources": ("设施数据来源", "Where the facilities came from"),
    "data_warnings": ("数据提示", "Data warnings"),
    "missing_data_flag": ("缺数据", "no data"),
    "generated_by": ("由 lifecircle 生成", "Made with lifecircle"),
}


def text(key: str, lang: str) -> str:
    """The string ``key`` in ``lang`` (``"zh"`` or ``"en"``)."""
    zh, en = STRINGS[key]
    return zh if lang == "zh" else en


def bilingual_html(zh: str, en: str) -> Markup:
    """Both versions of a label as ``<span class="l-zh">…</span><span class="l-en">…</span>`` (escaped)."""
    return Markup('<span class="l-zh">{}</span><span class="l-en">{}</span>').format(escape(zh), escape(en))


def formatted(key: str, **values: object) -> tuple[str, str]:
    """The string ``key`` in (zh, en) with ``{name}`` fields filled from ``values``."""
    zh, en = STRINGS[key]
    return zh.format(**values), en.format(**values)


def label(key: str) -> Markup:
    """:func:`bilingual_html` of the string ``key``."""
    zh, en = STRINGS[key]
    return bilingual_html(zh, en)


def strings_for_script() -> dict[str, dict[str, str]]:
    """The table as ``{key: {"zh": ..., "en": ...}}`` for ``report.js``."""
    return {k: {"zh": zh, "en": en} for k, (zh, en) in STRINGS.items()}
