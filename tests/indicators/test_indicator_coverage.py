"""Coverage rates on the hand-made four-home layout (indicator_layouts.py): every expected value is worked by hand."""

from __future__ import annotations

import math

import pytest
from indicator_layouts import SMALL_PROFILE, four_homes, west_east_polygons, write_profile

from lifecircle.errors import LifecircleInputError
from lifecircle.indicators import RESULT_COLUMNS, compute_indicators, load_profile, uncovered_homes


@pytest.fixture()
def small(tmp_path):
    return load_profile(write_profile(tmp_path, SMALL_PROFILE))


def _value(df, indicator, area="ALL", column="value"):
    row = df[(df["indicator"] == indicator) & (df["area"] == area)]
    assert len(row) == 1, f"expected one row for {indicator}/{area}, got {len(row)}"
    return row[column].iloc[0]


def test_columns_are_the_contract(small):
    df = compute_indicators(four_homes(), small)
    assert list(df.columns[:9]) == ["profile", "indicator", "area", "value", "numerator", "denominator", "threshold",
                                    "threshold_kind", "source"]
    for extra in ("name_zh", "name_en", "confidence", "denominator_kind", "unit"):
        assert extra in df.columns
    assert list(df.columns) == list(RESULT_COLUMNS)
    assert set(df["area"]) == {"ALL"}
    assert set(df["threshold_kind"]) <= {"walk_time_s", "network_distance_m", "straight_radius_m"}


def test_residential_land_area_denominator(small):
    # primary ≤ 600 s: A (300) and D (550) covered; land A 1000 + D 1000 of 5000 m²
    df = compute_indicators(four_homes(), small)
    assert _value(df, "primary_10min") == pytest.approx(0.4)
    assert _value(df, "primary_10min", column="numerator") == pytest.approx(2000.0)
    assert _value(df, "primary_10min", column="denominator") == pytest.approx(5000.0)
    assert _value(df, "primary_10min", column="threshold") == 600
    assert _value(df, "primary_10min", column="denominator_kind") == "residential_land_area"
    assert _value(df, "primary_10min", column="unit") == "share"


def test_population_denominator(small):
    # A 100 + D 40 people of 200
    df = compute_indicators(four_homes(), small, denominator="population")
    assert _value(df, "primary_10min") == pytest.approx(0.7)
    assert _value(df, "primary_10min", column="denominator") == pytest.approx(200.0)


def test_floor_area_denominator_leaves_out_homes_without_floor_area(small):
    # B has no floor area: A 3000 + D 2000 covered of A 3000 + C 1000 + D 2000
    df = compute_indicators(four_homes(), small, denominator="floor_area")
    assert _value(df, "primary_10min") == pytest.approx(5000.0 / 6000.0)
    assert "1 homes without floor_area_m2 left out" in _value(df, "primary_10min", column="note")


def test_profile_default_denominator_is_used(tmp_path):
    p = load_profile(write_profile(tmp_path, SMALL_PROFILE.replace('"residential_land_area"', '"population"')))
    df = compute_indicators(four_homes(), p)
    assert _value(df, "primary_10min") == pytest.approx(0.7)


def test_straight_radius_reads_r_columns(small):
    # rail ≤ 800 m straight: A (500) and D (100); land 2000 / 5000
    df = compute_indicators(four_homes(), small)
    assert _value(df, "rail_800m") == pytest.approx(0.4)
    assert _value(df, "rail_800m", column="threshold_kind") == "straight_radius_m"


def test_threshold_is_inclusive(small):
    homes = four_homes()
    homes.loc[homes["id"] == "B", "t_primary_school"] = 600.0  # exactly on the threshold: covered
    df = compute_indicators(homes, small, denominator="population")
    assert _value(df, "primary_10min") == pytest.approx(190.0 / 200.0)


def test_composite_each_own_threshold(small):
    # elderly ≤ 300 and market ≤ 600: A market 800 ✗, B elderly 400 ✗, C market 1000 ✗, D 250/450 ✓ → 40 of 200
    df = compute_indicators(four_homes(), small, denominator="population")
    assert _value(df, "composite") == pytest.approx(0.2)
    assert _value(df, "composite", column="rule") == "each_own_threshold"


def test_composite_all_within_15min(small):
    # every element ≤ 900 s: A 200/800 ✓, B 400/500 ✓, C 100/1000 ✗, D ✓ → 190 of 200
    df = compute_indicators(four_homes(), small, denominator="population", composite_rule="all_within_15min")
    assert _value(df, "composite") == pytest.approx(0.95)
    assert _value(df, "composite", column="rule") == "all_within_15min"
    assert _value(df, "composite", column="threshold") == 900


def test_composite_rule_from_profile(tmp_path):
    text = SMALL_PROFILE.replace('composite_rule = "each_own_threshold"', 'composite_rule = "all_within_15min"')
    df = compute_indicators(four_homes(), load_profile(write_profile(tmp_path, text)), denominator="population")
    assert _value(df, "composite") == pytest.approx(0.95)


def test_indicator_own_rule_wins_over_call(tmp_path):
    text = SMALL_PROFILE.replace('kind = "composite"', 'kind = "composite"\nrule = "each_own_threshold"')
    p = load_profile(write_profile(tmp_path, text))
    df = compute_indicators(four_homes(), p, denominator="population", composite_rule="all_within_15min")
    assert _value(df, "composite") == pytest.approx(0.2)


def test_user_polygons(small):
    # W = A, B: land covered 1000 of 3000; E = C, D: 1000 of 2000
    df = compute_indicators(four_homes(), small, areas=west_east_polygons())
    assert set(df["area"]) == {"ALL", "W", "E"}
    assert _value(df, "primary_10min", "W") == pytest.approx(1.0 / 3.0)
    assert _value(df, "primary_10min", "E") == pytest.approx(0.5)
    assert _value(df, "primary_10min", "ALL") == pytest.approx(0.4)


def test_user_polygons_other_crs_and_id_column(small):
    polys = west_east_polygons().rename(columns={"id": "jiedao"}).to_crs("EPSG:4326")
    df = compute_indicators(four_homes(), small, areas=polys, area_id_column="jiedao")
    assert _value(df, "primary_10min", "W") == pytest.approx(1.0 / 3.0)
    with pytest.raises(LifecircleInputError, match="no 'id' column"):
        compute_indicators(four_homes(), small, areas=polys)


def test_square_grid(small):
    # cells of 500 m: (0,0) = A, B → 1000/3000; (1,0) = C → 0; (1,1) = D → 1
    df = compute_indicators(four_homes(), small, areas="grid:500")
    assert set(df["area"]) == {"ALL", "grid500_0_0", "grid500_1_0", "grid500_1_1"}
    assert _value(df, "primary_10min", "grid500_0_0") == pytest.approx(1.0 / 3.0)
    assert _value(df, "primary_10min", "grid500_1_0") == 0.0
    assert _value(df, "primary_10min", "grid500_1_1") == 1.0


def test_zero_denominator_gives_nan(small):
    homes = four_homes()
    homes.loc[homes["id"] == "C", "area_m2"] = 0.0
    df = compute_indicators(homes, small, areas="grid:500")
    assert math.isnan(_value(df, "primary_10min", "grid500_1_0"))
    assert _value(df, "primary_10min", "grid500_1_0", "denominator") == 0.0


def test_absent_category_reports_zero_with_note(small):
    df = compute_indicators(four_homes(), small)
    assert _value(df, "culture_15min") == 0.0
    assert "culture" in _value(df, "culture_15min", column="note")


def test_missing_required_column_is_a_clear_error(small):
    homes = four_homes().drop(columns=["r_rail_station"])
    with pytest.raises(LifecircleInputError, match="r_rail_station"):
        compute_indicators(homes, small)


def test_bad_denominator_and_rule_names(small):
    with pytest.raises(LifecircleInputError, match="denominator"):
        compute_indicators(four_homes(), small, denominator="households")
    with pytest.raises(LifecircleInputError, match="composite_rule"):
        compute_indicators(four_homes(), small, composite_rule="mostly")
    with pytest.raises(LifecircleInputError, match="grid"):
        compute_indicators(four_homes(), small, areas="grid:-5")


def test_uncovered_homes_with_population(small):
    out = uncovered_homes(four_homes(), small, "primary_10min")
    assert list(out["id"]) == ["B", "C"]  # most populous first: B 50, C 10
    assert list(out["population"]) == [50.0, 10.0]
    assert list(out["nearest"]) == [700.0, math.inf]
    assert out.crs == four_homes().crs


def test_uncovered_homes_of_a_composite_names_missing_elements(small):
    out = uncovered_homes(four_homes(), small, "composite")
    assert list(out["id"]) == ["A", "B", "C"]
    assert list(out["missing"]) == ["market_10min", "elderly_5min", "market_10min"]
    with pytest.raises(LifecircleInputError, match="no indicator 'nope'"):
        uncovered_homes(four_homes(), small, "nope")


def _all_columns_homes(profile, value):
    import geopandas as gpd
    from shapely.geometry import Point

    from lifecircle.indicators import required_columns

    cols = {c: [value, value] for c in sorted(required_columns(profile)) if c[:2] in ("t_", "d_", "r_")}
    return gpd.GeoDataFrame({"id": ["h1", "h2"], "population": [30.0, 70.0], "area_m2": [100.0, 300.0],
                             "floor_area_m2": [1.0, 1.0], **cols},
                            geometry=[Point(0, 0), Point(10, 0)], crs="EPSG:32648")


def test_shipped_health_check_thresholds_on_a_two_home_layout():
    p = load_profile("cn-health-check")
    homes = _all_columns_homes(p, 100.0)
    # h2 (300 m² of 400) has its fresh market at 700 s: beyond 10 min (600 s), within 15 min (900 s)
    homes.loc[1, "t_fresh_market"] = 700.0
    df = compute_indicators(homes, p)
    assert _value(df, "health_15min") == 1.0
    assert _value(df, "fresh_market_10min") == pytest.approx(0.25)
    assert _value(df, "life_circle_15min") == pytest.approx(0.25)  # default rule: each own threshold
    df2 = compute_indicators(homes, p, composite_rule="all_within_15min")
    assert _value(df2, "life_circle_15min") == 1.0
    # elderly care at 301 s misses the 5-minute (300 s) threshold but is within 15 minutes
    homes.loc[0, "t_elderly_care"] = 301.0
    df3 = compute_indicators(homes, p, denominator="population")
    assert _value(df3, "elderly_care_5min") == pytest.approx(0.7)


def test_gb50180_non_nesting_health_centre_does_not_serve_5min_tier():
    p = load_profile("cn-gb50180")
    homes = _all_columns_homes(p, 100.0)
    homes["d_health_station"] = [100.0, 2000.0]  # h2 has no health station nearby, only a centre at 100 m
    df = compute_indicators(homes, p, denominator="population")
    assert _value(df, "t5_health_station_300m") == pytest.approx(0.3)
    assert _value(df, "t15_health_centre_1000m") == 1.0
    assert _value(df, "tier5_all") == pytest.approx(0.3)
    assert _value(df, "tier15_all") == 1.0
    assert _value(df, "t5_health_station_300m", column="tier") == "5"
    assert _value(df, "t5_health_station_300m", column="threshold_kind") == "network_distance_m"
    # the tier composites keep their own rule even when the call asks for all_within_15min
    assert _value(compute_indicators(homes, p, denominator="population", composite_rule="all_within_15min"),
                  "tier5_all") == pytest.approx(0.3)
