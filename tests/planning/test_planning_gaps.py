"""Gap areas: uncovered homes grouped by a link distance, with population, ranked."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point, box

from lifecircle.errors import LifecircleInputError
from lifecircle.indicators.gaps import gap_areas, gap_labels


def _homes():
    # x (m), population, t_clinic (s). Threshold 900 s.
    rows = [
        (0, 10, 1000), (100, 20, np.inf), (200, 5, 950),  # chain 0-100-200 (steps 100 m <= 150): gap of 35 people
        (300, 99, 100),  # covered: does not bridge to the next group
        (1000, 30, 2000), (1120, 30, 1200),  # second gap, 60 people
        (5000, 7, np.nan),  # lone home, no time computed -> uncovered, 7 people
        (6000, 50, 900),  # exactly at the threshold: covered
    ]
    return gpd.GeoDataFrame({"population": [r[1] for r in rows], "t_clinic": [r[2] for r in rows]},
                            geometry=[Point(r[0], 0) for r in rows], crs="EPSG:32648")


def test_gaps_hand_checked():
    homes = _homes()
    gaps = gap_areas(homes, "clinic", threshold_s=900, link_m=150)
    assert gaps["gap_id"].tolist() == [1, 2, 3]
    assert gaps["population"].tolist() == [60, 35, 7]
    assert gaps["n_homes"].tolist() == [2, 3, 1]
    assert gaps["n_unreachable"].tolist() == [0, 1, 0]
    assert gaps["share_of_uncovered"].tolist() == pytest.approx([60 / 102, 35 / 102, 7 / 102])
    assert gaps["median_time_s"].iloc[0] == pytest.approx(1600.0)
    assert (gaps.geometry.geom_type == "Polygon").all()  # contiguous: one polygon per gap
    # the lone home: one disc of radius link_m / 2 = 75 m (polygonal approximation within 1 %)
    assert gaps["area_m2"].iloc[2] == pytest.approx(math.pi * 75**2, rel=0.01)
    assert gaps.geometry.iloc[1].contains(Point(100, 0)) and not gaps.geometry.iloc[1].contains(Point(300, 0))
    assert gaps.crs == homes.crs
    labels = gap_labels(homes, "clinic", threshold_s=900, link_m=150)
    assert labels.tolist() == [2, 2, 2, -1, 1, 1, 3, -1]


def test_link_distance_splits_and_hulls():
    homes = _homes()
    # with 90 m links, 0-100-200 falls apart into three single-home gaps and 1000/1120 into two
    assert len(gap_areas(homes, "clinic", threshold_s=900, link_m=90)) == 6
    convex = gap_areas(homes, "clinic", threshold_s=900, link_m=150, shape="convex")
    # convex hull of a 200 m segment widened by 75 m: 200*150 + pi*75^2
    seg = convex[convex["n_homes"] == 3].geometry.iloc[0]
    assert seg.area == pytest.approx(200 * 150 + math.pi * 75**2, rel=0.01)
    concave = gap_areas(homes, "clinic", threshold_s=900, link_m=150, shape="concave")
    assert concave["population"].tolist() == [60, 35, 7]


def test_covered_flags_and_footprints():
    homes = _homes()
    flags = np.array([True, False, False, True, True, True, True, True])
    gaps = gap_areas(homes, covered=flags, link_m=150)
    assert gaps["population"].tolist() == [25] and gaps["n_homes"].tolist() == [2]
    fp = homes.copy()
    fp["geometry"] = [box(p.x - 5, -5, p.x + 5, 5) for p in homes.geometry]
    assert gap_areas(fp, "clinic", threshold_s=900, link_m=150)["population"].tolist() == [60, 35, 7]


@pytest.mark.parametrize("seed", range(3))
def test_components_match_networkx(seed):
    rng = np.random.default_rng(seed)
    n = 300
    xy = rng.random((n, 2)) * 2000
    t = np.where(rng.random(n) < 0.5, 600.0, 1800.0)
    homes = gpd.GeoDataFrame({"population": rng.integers(1, 50, n), "t_school": t},
                             geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:32648")
    link = 120.0
    unc = np.flatnonzero(t > 900)
    g = nx.Graph()
    g.add_nodes_from(unc.tolist())
    for a in unc:
        for b in unc:
            if a < b and np.hypot(*(xy[a] - xy[b])) <= link:
                g.add_edge(int(a), int(b))
    ref = sorted(sorted(float(homes["population"].iloc[list(c)].sum()) for c in nx.connected_components(g)))
    gaps = gap_areas(homes, "school", threshold_s=900, link_m=link)
    assert sorted(gaps["population"].tolist()) == pytest.approx(ref)
    assert gaps["population"].is_monotonic_decreasing
    assert (gaps.geometry.geom_type == "Polygon").all()
    labels = gap_labels(homes, "school", threshold_s=900, link_m=link)
    for comp in nx.connected_components(g):
        assert len(set(labels.iloc[list(comp)])) == 1


def test_gap_input_errors():
    homes = _homes()
    with pytest.raises(LifecircleInputError, match="metric"):
        gap_areas(homes.to_crs("EPSG:4326"), "clinic", threshold_s=900)
    with pytest.raises(LifecircleInputError, match="t_park"):
        gap_areas(homes, "park", threshold_s=900)
    with pytest.raises(LifecircleInputError, match="link_m"):
        gap_areas(homes, "clinic", threshold_s=900, link_m=0)
    with pytest.raises(LifecircleInputError, match="shape"):
        gap_areas(homes, "clinic", threshold_s=900, shape="star")
    left = gap_areas(homes, "clinic", threshold_s=1e9)
    # whatever the threshold, the unreachable home (inf) and the home without a time (NaN) stay uncovered
    assert left["population"].tolist() == [20, 7] and left["n_unreachable"].tolist() == [1, 0]
    none = gap_areas(homes, covered=np.ones(len(homes), bool))
    assert len(none) == 0 and list(none.columns)[-1] == "geometry"


def test_indicator_gaps_for_a_profile():
    from lifecircle.indicators import required_columns
    from lifecircle.indicators.gaps import indicator_gaps

    xs = [0, 100, 1000, 5000]
    cols = {c: [100.0] * 4 for c in required_columns("cn-health-check") if c.startswith(("t_", "r_"))}
    cols["t_elderly_care"] = [400.0, 500.0, 100.0, 200.0]  # 5-minute (300 s) indicator: homes 0 and 1 uncovered
    cols["r_rail_station"] = [100.0, 900.0, 900.0, 100.0]  # 800 m radius: homes 1 and 2 uncovered
    homes = gpd.GeoDataFrame({"id": list("abcd"), "population": [10.0, 20.0, 30.0, 40.0], "area_m2": [1.0] * 4, **cols},
                             geometry=[Point(x, 0) for x in xs], crs="EPSG:32648")
    gaps = indicator_gaps(homes, "cn-health-check", indicators=["elderly_care_5min", "rail_800m"], link_m=150)
    eld = gaps[gaps["indicator"] == "elderly_care_5min"]
    assert eld["population"].tolist() == [30.0] and eld["n_homes"].tolist() == [2]
    assert eld["threshold_s"].tolist() == [300.0] and eld["median_time_s"].tolist() == [450.0]
    assert eld["category"].tolist() == ["elderly_care"]
    rail = gaps[gaps["indicator"] == "rail_800m"]
    assert rail["population"].tolist() == [30.0, 20.0] and rail["gap_id"].tolist() == [1, 2]
    assert rail["threshold_s"].isna().all() and rail["median_time_s"].isna().all()  # metres, not seconds
    everything = indicator_gaps(homes, "cn-health-check", link_m=150)
    assert set(everything["indicator"]) == {"elderly_care_5min", "rail_800m", "life_circle_15min"}


def test_gap_counts_are_whole_numbers(demo_run):
    """gaps.parquet's ids and counts are integers, as docs/outputs.md says."""
    import geopandas as gpd

    gaps = gpd.read_parquet(demo_run / "gaps.parquet")
    assert len(gaps)
    for column in ("gap_id", "n_homes", "n_unreachable"):
        assert str(gaps[column].dtype) == "int64", (column, gaps[column].dtype)
