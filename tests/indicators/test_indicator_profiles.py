"""Profiles as data: every shipped profile loads and cites; user overrides; rejected profiles and their messages."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from indicator_layouts import SMALL_PROFILE, four_homes, write_profile

import lifecircle
from lifecircle.errors import LifecircleInputError
from lifecircle.indicators import compute_indicators, list_profiles, load_profile, required_columns
from lifecircle.sources import load_sources

SHIPPED = ("cn-health-check", "cn-gb50180", "cn-tdt1062", "melbourne-20min", "moreno-15min", "bruno-15min")
CATEGORIES_CSV = Path(lifecircle.__file__).parent / "data" / "categories.csv"


def _category_ids() -> set[str]:
    with open(CATEGORIES_CSV, encoding="utf-8") as f:
        return {row["id"] for row in csv.DictReader(f)}


def test_all_six_profiles_are_shipped():
    assert set(SHIPPED) <= set(list_profiles())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_loads_cites_and_uses_known_categories(name):
    p = load_profile(name)
    known = _category_ids()
    assert p.id == name
    assert p.name_en and p.name_zh and p.source
    for ind in p.indicators:
        assert set(ind.categories) <= known, (ind.id, ind.categories)
        assert ind.confidence in ("✅", "🟡", "🔴")
        # at least one key of the bibliography (data/sources.toml), every one of them known
        assert ind.sources, f"{name}/{ind.id}: no source"
        assert set(ind.sources) <= set(load_sources()), f"{name}/{ind.id}: unknown source in {ind.sources!r}"
        assert ind.name_en and ind.name_zh
        if ind.kind == "coverage":
            assert ind.threshold > 0
    # the engine columns the profile needs are per-category columns of known categories
    for col in required_columns(p) - {"id", "population", "area_m2", "floor_area_m2"}:
        assert col[:2] in ("t_", "d_", "r_") and col[2:] in known, col


def test_health_check_thresholds_match_standards_section_3_2():
    # STANDARDS §3.2: 15 / 10 / 15 / 5 / 15 / 10 / 15 / 5 min walks, and an 800 m radius for rail
    expected = {
        "health_15min": (900, "walk_time_s", {"health_station", "health_centre"}),
        "primary_school_10min": (600, "walk_time_s", {"primary_school"}),
        "middle_school_15min": (900, "walk_time_s", {"middle_school"}),
        "elderly_care_5min": (300, "walk_time_s", {"elderly_care"}),
        "culture_15min": (900, "walk_time_s", {"culture"}),
        "fresh_market_10min": (600, "walk_time_s", {"fresh_market"}),
        "sports_15min": (900, "walk_time_s", {"sports"}),
        "park_plaza_5min": (300, "walk_time_s", {"park", "plaza"}),
        "rail_800m": (800, "straight_radius_m", {"rail_station"}),
    }
    p = load_profile("cn-health-check")
    assert p.denominator == "residential_land_area"
    assert p.composite_rule in ("each_own_threshold", "all_within_15min")
    for ind_id, (thr, kind, cats) in expected.items():
        ind = p.indicator(ind_id)
        assert (ind.threshold, ind.threshold_kind, set(ind.categories)) == (thr, kind, cats), ind_id
    comp = p.indicator("life_circle_15min")
    assert comp.kind == "composite" and comp.confidence == "🔴"
    assert set(comp.elements) == {"health_15min", "primary_school_10min", "middle_school_15min",
                                  "elderly_care_5min", "culture_15min", "fresh_market_10min", "sports_15min"}


def test_gb50180_radii_are_network_distance_with_tiers():
    p = load_profile("cn-gb50180")
    radii = {i.id: (i.threshold, i.tier) for i in p.indicators if i.kind == "coverage"}
    assert radii["t5_kindergarten_300m"] == (300, "5")
    assert radii["t10_primary_school_500m"] == (500, "10")
    assert radii["t15_middle_school_1000m"] == (1000, "15")
    assert {i.threshold_kind for i in p.indicators if i.kind == "coverage"} == {"network_distance_m"}
    assert "non-nesting" in p.notes.lower() or "non-nested" in p.notes.lower()


def test_tdt1062_has_two_layers_and_two_element_classes():
    p = load_profile("cn-tdt1062")
    cov = [i for i in p.indicators if i.kind == "coverage"]
    assert {i.layer for i in cov} == {"15", "5-10"}
    assert {i.element_class for i in cov} == {"基础保障型", "品质提升型"}


def test_required_columns_of_health_check():
    cols = required_columns("cn-health-check")
    assert cols == {"id", "population", "area_m2", "r_rail_station", "t_health_station", "t_health_centre",
                    "t_primary_school", "t_middle_school", "t_elderly_care", "t_culture", "t_fresh_market",
                    "t_sports", "t_park", "t_plaza"}
    assert "floor_area_m2" in required_columns("cn-health-check", denominator="floor_area")


def test_user_profile_extends_and_overrides(tmp_path):
    path = write_profile(tmp_path, """
        extends = "cn-health-check"
        id = "my-district"
        composite_rule = "all_within_15min"
        drop = ["rail_800m"]

        [[indicators]]
        id = "primary_school_10min"
        threshold = 720

        [[indicators]]
        id = "market_or_supermarket_10min"
        name_en = "Fresh market or supermarket within 10 min"
        categories = ["fresh_market", "supermarket"]
        threshold = 600
        threshold_kind = "walk_time_s"
        source = "tdt1063-indicator-tree"
        source_text = "local decision"
        confidence = "🟡"
    """)
    p = load_profile(path)
    assert p.id == "my-district" and p.extends == "cn-health-check"
    assert p.composite_rule == "all_within_15min"
    ids = [i.id for i in p.indicators]
    assert "rail_800m" not in ids and ids[-1] == "market_or_supermarket_10min"
    prim = p.indicator("primary_school_10min")
    assert prim.threshold == 720
    assert prim.name_zh == "社区小学步行10分钟覆盖率"  # the rest of the base indicator is kept
    assert "r_rail_station" not in required_columns(p)


def test_override_changes_the_computed_rate(tmp_path):
    base = write_profile(tmp_path, SMALL_PROFILE, "base.toml")
    user = write_profile(tmp_path, f"""
        extends = "{base}"
        [[indicators]]
        id = "primary_10min"
        threshold = 700
    """, "user.toml")
    # with 700 s, B (700 s, 2000 m²) joins A and D: 4000 of 5000 m²
    df = compute_indicators(four_homes(), load_profile(user))
    row = df[(df["indicator"] == "primary_10min") & (df["area"] == "ALL")]
    assert row["value"].iloc[0] == pytest.approx(0.8)
    assert row["threshold"].iloc[0] == 700


def _bad(tmp_path, old, new):
    text = SMALL_PROFILE.replace(old, new, 1)
    assert text != SMALL_PROFILE
    path = write_profile(tmp_path, text, "bad.toml")
    with pytest.raises(LifecircleInputError) as info:
        load_profile(path)
    msg = str(info.value)
    assert str(path) in msg
    return msg


def test_rejects_unknown_category(tmp_path):
    msg = _bad(tmp_path, '["primary_school"]', '["primary_schools"]')
    assert "'categories'" in msg and "unknown category 'primary_schools'" in msg and "primary_10min" in msg
    assert "categories.csv" in msg


def test_rejects_negative_threshold(tmp_path):
    msg = _bad(tmp_path, "threshold = 600", "threshold = -600")
    assert "'threshold'" in msg and "negative" in msg and "primary_10min" in msg


def test_rejects_missing_fields(tmp_path):
    msg = _bad(tmp_path, 'threshold = 600\nthreshold_kind = "walk_time_s"\nsource = "tdt1063-indicator-tree"\n'
                         'confidence = "✅"\n\n[[indicators]]\nid = "elderly_5min"',
               'threshold_kind = "walk_time_s"\nsource = "tdt1063-indicator-tree"\nconfidence = "✅"\n\n'
               '[[indicators]]\nid = "elderly_5min"')
    assert "missing required key(s) 'threshold'" in msg and "primary_10min" in msg
    msg = _bad(tmp_path, 'denominator = "residential_land_area"\n', "")
    assert "missing required profile key(s) 'denominator'" in msg


def test_rejects_other_mistakes(tmp_path):
    assert "threshold_kind" in _bad(tmp_path, 'threshold_kind = "straight_radius_m"', 'threshold_kind = "crow_m"')
    assert "denominator" in _bad(tmp_path, '"residential_land_area"', '"households"')
    assert "confidence" in _bad(tmp_path, 'confidence = "🔴"', 'confidence = "maybe"')
    assert "appears twice" in _bad(tmp_path, 'id = "elderly_5min"', 'id = "primary_10min"')
    assert "'elements' names 'market_10min'" in _bad(tmp_path, 'id = "market_10min"', 'id = "market"')
    assert "unknown key(s) treshold" in _bad(tmp_path, "threshold = 300", "treshold = 300")
    assert "not valid TOML" in _bad(tmp_path, 'id = "small"', 'id = "small')


def test_unknown_profile_name_lists_the_built_ins():
    with pytest.raises(LifecircleInputError, match="cn-health-check"):
        load_profile("cn-health-chek")


def test_extends_an_unknown_base_or_drops_an_unknown_indicator(tmp_path):
    with pytest.raises(LifecircleInputError, match="not found"):
        load_profile(write_profile(tmp_path, 'extends = "no-such-profile"\n', "a.toml"))
    with pytest.raises(LifecircleInputError, match="drop"):
        load_profile(write_profile(tmp_path, 'extends = "cn-health-check"\ndrop = ["nope"]\n', "b.toml"))


def test_extends_a_relative_path_and_takes_the_file_name_as_id(tmp_path):
    (tmp_path / "sub").mkdir()
    write_profile(tmp_path / "sub", SMALL_PROFILE, "base.toml")
    user = write_profile(tmp_path / "sub", 'extends = "base.toml"\n[[indicators]]\nid = "rail_800m"\nthreshold = 500\n',
                         "yuzhong-variant.toml")
    p = load_profile(user)
    assert p.id == "yuzhong-variant"
    assert p.indicator("rail_800m").threshold == 500
    assert p.indicator("primary_10min").threshold == 600
