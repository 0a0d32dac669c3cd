"""Web-map POI exports: every kind of mapping rule, the unmapped-type report, the user's own rules, the providers'
coordinate systems and the merging of one place listed twice."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from lifecircle.errors import LifecircleInputError
from lifecircle.points.coords import wgs84_to_bd09, wgs84_to_gcj02
from lifecircle.points.poi import (
    PoiClassifier,
    builtin_rules,
    merge_duplicates,
    read_poi_export,
    read_poi_rules,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "yuzhong"


def _category(provider: str, name: str = "", type_text: str = "", code: str = "", extra=()) -> str | None:
    rule = PoiClassifier(provider, [*extra, *builtin_rules()]).classify(name, type_text, code)
    return None if rule is None else rule.category


@pytest.mark.parametrize(("provider", "type_text", "category"), [
    ("amap", "科教文化服务;学校;小学", "primary_school"),
    ("amap", "科教文化服务;学校;幼儿园", "kindergarten"),
    ("amap", "科教文化服务;学校;中学", "middle_school"),
    ("amap", "医疗保健服务;诊所;口腔诊所", "health_station"),  # the 中类 rule covers every 小类
    ("amap", "医疗保健服务;综合医院;卫生院", "health_centre"),   # the longer prefix wins over 综合医院 → hospital
    ("amap", "医疗保健服务;综合医院;三级甲等医院", "hospital"),
    ("amap", "交通设施服务;地铁站;地铁站", "rail_station"),
    ("amap", "科教文化服务;学校;高等院校", "-"),
    ("baidu", "教育培训;小学", "primary_school"),
    ("baidu", "医疗;药店", "pharmacy"),
    ("tencent", "教育学校:幼儿园", "kindergarten"),
    ("tencent", "基础设施:交通设施:轻轨站", "rail_station"),
    ("tencent", "购物:便利店", "convenience"),
])
def test_type_text_rules(provider: str, type_text: str, category: str):
    assert _category(provider, "某设施", type_text) == category


def test_type_text_rules_are_the_providers_own():
    # Baidu's tag syntax means nothing to the Amap rules, and Tencent's ':' separator equals ';'
    assert _category("amap", "某校", "教育培训;小学") is None
    assert _category("tencent", "某校", "教育学校;小学") == "primary_school"


def test_multi_typed_poi_takes_the_first_type_a_rule_knows():
    assert _category("amap", "某店", "汽车服务;加油站;中国石化|购物服务;便民商店/便利店;便民商店/便利店") == "-"
    assert _category("amap", "某店", "生活服务;物流速递;物流速递|购物服务;便民商店/便利店;便利店") == "convenience"


@pytest.mark.parametrize(("code", "category"), [
    ("141203", "primary_school"), ("141204", "kindergarten"), ("141202", "middle_school"),
    ("090300", "health_station"), ("090102", "health_centre"), ("090101", "hospital"),
    ("60400", "supermarket"),    # Excel dropped the leading zero of 060400
    ("050100.0", "eating"),      # a number cell written back as text
    ("150500", "rail_station"),
])
def test_code_prefix_rules(code: str, category: str):
    assert _category("amap", "某设施", "", code) == category


def test_unknown_code_and_text_is_unmapped():
    assert _category("amap", "某公司", "摩托车服务;摩托车维修;摩托车维修", "040100") is None


@pytest.mark.parametrize(("name", "type_text", "category"), [
    ("解放碑社区卫生服务中心", "医疗保健服务;诊所;诊所", "health_centre"),
    ("石油路社区卫生服务站", "医疗保健服务;诊所;诊所", "health_station"),
    ("朝天门敬老院", "生活服务;生活服务场所;生活服务场所", "elderly_care"),
    ("两路口社区日间照料中心", "政府机构及社会团体;社会团体;社会团体", "elderly_care"),
    ("大坪托儿所", "科教文化服务;学校;幼儿园", "nursery"),
    ("储奇门菜市场", "购物服务;综合市场;农副产品市场", "fresh_market"),
    ("七星岗居民委员会", "政府机构及社会团体;政府机关;社区", "community_service"),
])
def test_name_keyword_rules(name: str, type_text: str, category: str):
    assert _category("amap", name, type_text) == category


def test_a_name_rule_with_requires_applies_only_under_that_type():
    # 培训 under 学校 is a tutoring business, not a school; 培训 elsewhere is left to the type rules
    assert _category("amap", "好又多培训学校", "科教文化服务;学校;小学") == "-"
    assert _category("amap", "某培训中心", "购物服务;超级市场;超市") == "supermarket"


def test_every_builtin_rule_has_a_source_and_a_confidence_mark():
    rules = builtin_rules()
    assert len(rules) > 80
    for r in rules:
        assert r.source and r.confidence in ("✅", "🟡", "🔴"), r


def test_user_rules_come_first_and_are_checked(tmp_path: Path):
    path = tmp_path / "my.csv"
    path.write_text("provider,rule,pattern,requires,category,source,confidence,note\n"
                    "amap,type,生活服务;物流速递,,services,our survey,✅,parcel lockers\n"
                    "any,name,老年大学,,culture,our survey,✅,\n", encoding="utf-8")
    extra = read_poi_rules(path)
    assert _category("amap", "顺丰速运", "生活服务;物流速递;物流速递", extra=extra) == "services"
    assert _category("amap", "渝中老年大学", "科教文化服务;学校;成人教育", extra=extra) == "culture"
    bad = tmp_path / "bad.csv"
    bad.write_text("provider,rule,pattern,category\namap,type,生活服务,laundry\n", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="category 'laundry' is not a lifecircle category"):
        read_poi_rules(bad)
    bad.write_text("provider,rule,pattern,category\namap,code,14x,primary_school\n", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="a code pattern is digits"):
        read_poi_rules(bad)


def test_amap_export_read_with_its_unmapped_types_counted():
    fac, report = read_poi_export(FIXTURES / "amap_pois.xlsx", "amap")
    raw = pd.read_excel(FIXTURES / "amap_pois.xlsx", dtype=str)
    assert report.rows == len(raw)
    assert report.unmapped == {"生活服务;物流速递;物流速递": 2, "购物服务;专卖店;书店": 1}
    assert report.not_facilities == 3   # 加油站, 高等院校, the tutoring business filed as 小学
    assert sum(report.by_category.values()) == len(fac) == report.rows - report.unmapped_rows - report.not_facilities
    assert report.by_category["elderly_care"] == 4 and report.by_category["health_centre"] == 2
    assert fac["id"].str.startswith("amap:").all()
    assert set(fac["poi_rule"]) >= {"type:科教文化服务;学校;幼儿园", "name:社区卫生服务中心|社区医院|卫生服务中心"}


@pytest.mark.parametrize(("fixture", "provider", "convert"), [
    ("amap_pois.xlsx", "amap", wgs84_to_gcj02), ("baidu_pois.csv", "baidu", wgs84_to_bd09),
    ("tencent_pois.csv", "tencent", wgs84_to_gcj02),
])
def test_each_provider_s_coordinates_come_back_to_wgs84(fixture: str, provider: str, convert):
    fac, _ = read_poi_export(FIXTURES / fixture, provider)
    # re-projecting the WGS-84 result the provider's way gives back the file's numbers (to the 6 decimals written)
    raw = (pd.read_excel if fixture.endswith("xlsx") else pd.read_csv)(FIXTURES / fixture, dtype=str)
    name_col = "title" if provider == "tencent" else "name"
    raw = raw.set_index(raw[name_col])
    if provider == "amap":
        xy = raw["location"].str.split(",", expand=True).astype(float).to_numpy()
    else:
        xy = raw[["lng", "lat"]].astype(float).to_numpy()
    lon, lat = convert(fac.geometry.x.to_numpy(), fac.geometry.y.to_numpy())
    want = pd.DataFrame(xy, index=raw.index).loc[fac["name"]].to_numpy()
    assert np.allclose(np.column_stack([lon, lat]), want, atol=1.5e-6)
    # and the offsets were really removed: a few hundred metres from the stored value
    assert np.abs(fac.geometry.x.to_numpy() - want[:, 0]).min() > 1e-3


def test_export_without_a_type_or_coordinates_is_a_clear_error(tmp_path: Path):
    p = tmp_path / "pois.csv"
    p.write_text("name,lon,lat\n某店,106.5,29.5\n", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="no POI type found"):
        read_poi_export(p, "amap")
    p.write_text("name,type\n某店,餐饮服务;中餐厅;中餐厅\n", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="no coordinates found"):
        read_poi_export(p, "amap")
    with pytest.raises(LifecircleInputError, match="Unknown POI source 'google'"):
        read_poi_export(p, "google")


def test_separate_level_columns_are_joined(tmp_path: Path):
    p = tmp_path / "pois.csv"
    p.write_text("名称,大类,中类,小类,经度,纬度\n某小学,科教文化服务,学校,小学,106.57,29.55\n", encoding="gb18030")
    fac, report = read_poi_export(p, "amap")
    assert list(fac["category"]) == ["primary_school"] and report.unmapped == {}


def _frame(rows, crs="EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame([{"id": i, "category": c, "name": n} for i, c, n, _ in rows],
                            geometry=[Point(xy) for *_, xy in rows], crs=crs)


def test_merge_duplicates_same_name_and_category_within_the_distance():
    m = 1.0 / 111320.0  # degrees of latitude per metre
    fac = _frame([
        ("amap:1", "kindergarten", "人和街幼儿园", (106.55, 29.55)),
        ("baidu:1", "kindergarten", "人和街 幼儿园", (106.55, 29.55 + 5 * m)),    # 5 m away, a space more: same
        ("tencent:1", "kindergarten", "人和街幼儿园", (106.55, 29.55 + 80 * m)),  # 80 m away: another branch
        ("amap:2", "health_station", "人和街幼儿园", (106.55, 29.55)),             # other category: kept
        ("amap:3", "kindergarten", "", (106.55, 29.55)),                           # unnamed: never merged
        ("amap:4", "kindergarten", "", (106.55, 29.55)),
    ])
    out, merged = merge_duplicates(fac, 30.0)
    assert merged == 1
    assert list(out["id"]) == ["amap:1", "tencent:1", "amap:2", "amap:3", "amap:4"]
    assert out.loc[out["id"] == "amap:1", "merged_ids"].item() == "baidu:1"
    assert merge_duplicates(fac, 100.0)[1] == 2
