"""Population-weighted medians / 90th percentiles, the Gini coefficient, F15 (Bruno et al.): values worked by hand."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from indicator_layouts import four_homes, write_profile
from shapely.geometry import Point

from lifecircle.errors import LifecircleInputError
from lifecircle.indicators import (
    access_distribution,
    compute_indicators,
    load_profile,
    uncovered_homes,
    weighted_gini,
    weighted_quantile,
)


def test_weighted_quantile_by_hand():
    # 100 s (1 person), 200 s (1), 300 s (2): cumulative shares 0.25, 0.5, 1.0
    assert weighted_quantile([300, 100, 200], [2, 1, 1], 0.5) == 200
    assert weighted_quantile([300, 100, 200], [2, 1, 1], 0.9) == 300
    assert weighted_quantile([300, 100, 200], [2, 1, 1], 0.25) == 100
    assert weighted_quantile([300, 100, 200], [2, 1, 1], 0.0) == 100
    assert math.isnan(weighted_quantile([1, 2], [0, 0], 0.5))
    with pytest.raises(LifecircleInputError):
        weighted_quantile([1], [1], 1.5)


def test_weighted_gini_by_hand():
    assert weighted_gini([0, 0, 0, 1], [1, 1, 1, 1]) == pytest.approx(0.75)
    # 1 s for one person, 3 s for three: mean 2.5; Σ|xi−xj| over ordered pairs = 2·3·2 = 12; 12 / (2·16·2.5) = 0.15
    assert weighted_gini([1, 3], [1, 3]) == pytest.approx(0.15)
    assert weighted_gini([5, 5, 5], [1, 2, 3]) == 0.0
    assert math.isnan(weighted_gini([1, 2], [0, 0]))
    with pytest.raises(LifecircleInputError, match="finite"):
        weighted_gini([1, math.inf], [1, 1])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 4)), min_size=1, max_size=12))
def test_weighted_gini_equals_gini_of_the_expanded_population(pairs):
    # integer weights = that many identical people; reference: the plain double sum over the expanded list
    values = np.array([v for v, _ in pairs], float)
    weights = np.array([w for _, w in pairs], float)
    people = np.repeat(values, weights.astype(int))
    n, mean = people.size, people.mean()
    expected = 0.0 if mean == 0 else np.abs(people[:, None] - people[None, :]).sum() / (2 * n * n * mean)
    assert weighted_gini(values, weights) == pytest.approx(expected, abs=1e-12)


def test_access_distribution_by_hand():
    # primary school: 300 s (100 people), 550 (40), 700 (50), +inf (10) → cumulative 100, 140, 190, 200 of 200
    d = access_distribution(four_homes(), ["primary_school", "culture"]).set_index("category")
    assert d.loc["primary_school", "median_s"] == 300
    assert d.loc["primary_school", "p90_s"] == 700
    assert d.loc["primary_school", "population_unreachable"] == 10
    assert d.loc["primary_school", "mean_reachable_s"] == pytest.approx((300 * 100 + 550 * 40 + 700 * 50) / 190)
    assert math.isinf(d.loc["culture", "median_s"]) and "no facility" in d.loc["culture", "note"]


BRUNO_LIKE = """
id = "bruno-like"
name_en = "Two-service Bruno-style test"
denominator = "population"

[[indicators]]
id = "outdoor"
name_en = "Outdoor"
categories = ["park"]
threshold = 900
threshold_kind = "walk_time_s"
source = "bruno2024"
confidence = "🟡"

[[indicators]]
id = "eating"
name_en = "Eating"
categories = ["eating"]
threshold = 900
threshold_kind = "walk_time_s"
source = "bruno2024"
confidence = "🟡"

[[indicators]]
id = "f15"
kind = "f15"
name_en = "F15"
elements = ["outdoor", "eating"]
threshold = 900
source = "bruno2024"
confidence = "🟡"

[[indicators]]
id = "gini"
kind = "gini"
name_en = "Gini"
elements = ["outdoor", "eating"]
source = "bruno2024"
confidence = "🟡"
"""


def _bruno_homes():
    # A: park 600, eating 1000 → mean 800 ≤ 900; B: 300 / 1800 → 1050; C: no park → inf
    return gpd.GeoDataFrame(
        {"id": ["A", "B", "C"], "population": [1.0, 2.0, 3.0], "area_m2": [1.0, 1.0, 1.0],
         "t_park": [600.0, 300.0, math.inf], "t_eating": [1000.0, 1800.0, 100.0]},
        geometry=[Point(0, 0), Point(1, 0), Point(2, 0)], crs="EPSG:32648")


def test_f15_and_gini_by_hand(tmp_path):
    p = load_profile(write_profile(tmp_path, BRUNO_LIKE))
    df = compute_indicators(_bruno_homes(), p, denominator="residential_land_area").set_index("indicator")
    # F15: only A (1 person) of 6 has a mean time ≤ 900 s; always population-weighted
    assert df.loc["f15", "value"] == pytest.approx(1.0 / 6.0)
    assert df.loc["f15", "denominator_kind"] == "population"
    # Gini over A (800 s, 1 person) and B (1050 s, 2): mean 2900/3; Σ|Δ| = 2·1·2·250 = 1000; G = 1000/(2·9·2900/3)
    assert df.loc["gini", "value"] == pytest.approx(1000.0 / (2 * 9 * 2900.0 / 3.0))
    assert "3 people" in df.loc["gini", "note"]
    assert (df.loc["gini", "unit"], df.loc["f15", "unit"]) == ("gini", "share")
    # the per-category coverage rates use the call's denominator (land, 1 m² each): only C eats within 900 s
    assert df.loc["eating", "value"] == pytest.approx(1.0 / 3.0)
    out = uncovered_homes(_bruno_homes(), p, "f15")
    assert list(out["id"]) == ["C", "B"] and list(out["nearest"]) == [math.inf, 1050.0]
    with pytest.raises(LifecircleInputError, match="Gini"):
        uncovered_homes(_bruno_homes(), p, "gini")


def test_shipped_bruno_profile_runs_on_equal_times():
    from lifecircle.indicators import required_columns

    p = load_profile("bruno-15min")
    cols = {c: [600.0, 1200.0] for c in required_columns(p) if c.startswith("t_")}
    homes = gpd.GeoDataFrame({"id": ["a", "b"], "population": [3.0, 1.0], "area_m2": [1.0, 1.0], **cols},
                             geometry=[Point(0, 0), Point(5, 0)], crs="EPSG:32648")
    df = compute_indicators(homes, p).set_index("indicator")
    assert df.loc["f15", "value"] == pytest.approx(0.75)  # home a: every service 600 s; b: 1200 s
    # Gini of 600 s (3 people) and 1200 s (1): mean 750; Σ|Δ| = 2·3·600 = 3600; 3600 / (2·16·750) = 0.15
    assert df.loc["gini_access", "value"] == pytest.approx(0.15)


def test_f15_with_the_mean_of_the_n_nearest(tmp_path):
    from lifecircle.indicators import required_columns

    text = BRUNO_LIKE.replace('kind = "f15"', 'kind = "f15"\nn_nearest = 20')
    p = load_profile(write_profile(tmp_path, text))
    assert {"t20_park", "t20_eating"} <= required_columns(p)
    homes = _bruno_homes()
    # mean of the 20 nearest: A 700 / 1000 → 850 ✓; B 500 / 1200 → 850 ✓; C inf → ✗  → (1 + 2) of 6 people
    homes["t20_park"] = [700.0, 500.0, math.inf]
    homes["t20_eating"] = [1000.0, 1200.0, 300.0]
    df = compute_indicators(homes, p).set_index("indicator")
    assert df.loc["f15", "value"] == pytest.approx(0.5)
    # the Gini indicator still reads the nearest (t_) columns: unchanged from the hand value above
    assert df.loc["gini", "value"] == pytest.approx(1000.0 / (2 * 9 * 2900.0 / 3.0))
    with pytest.raises(LifecircleInputError, match="n_nearest"):
        load_profile(write_profile(tmp_path, BRUNO_LIKE.replace('categories = ["park"]', 'categories = ["park"]\nn_nearest = 20'), "bad.toml"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 4)), min_size=1, max_size=10),
       st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9, 1.0]))
def test_weighted_quantile_equals_numpy_inverted_cdf_of_the_expanded_population(pairs, q):
    values = np.array([v for v, _ in pairs], float)
    weights = np.array([w for _, w in pairs], float)
    people = np.repeat(values, weights.astype(int))
    assert weighted_quantile(values, weights, q) == np.quantile(people, q, method="inverted_cdf")
