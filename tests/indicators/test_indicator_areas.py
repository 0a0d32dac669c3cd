"""Sub-areas: H3 cells (checked against h3 + pyproj directly), polygon files, homes outside or on boundaries."""

from __future__ import annotations

import geopandas as gpd
import h3
import pytest
from indicator_layouts import SMALL_PROFILE, four_homes, west_east_polygons, write_profile
from pyproj import Transformer
from shapely.geometry import Point

from lifecircle.errors import LifecircleInputError
from lifecircle.indicators import assign_areas, compute_indicators, load_profile

# Yuzhong, Chongqing, in UTM 48N (EPSG:32648): about 106.57 °E, 29.56 °N
_X0, _Y0 = 650000.0, 3271000.0


def _yuzhong_homes():
    homes = four_homes()
    # two homes 5 m apart near the origin, and two 5 km away, 5 m apart too
    pts = [(_X0, _Y0), (_X0 + 5, _Y0), (_X0 + 5000, _Y0 + 5000), (_X0 + 5005, _Y0 + 5000)]
    return homes.set_geometry(gpd.GeoSeries([Point(p) for p in pts], crs="EPSG:32648"))


def test_h3_cells_match_h3_on_pyproj_coordinates(tmp_path):
    homes = _yuzhong_homes()
    to_ll = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    ref = [h3.latlng_to_cell(lat, lon, 8) for lon, lat in (to_ll.transform(p.x, p.y) for p in homes.geometry)]
    got = assign_areas(homes, "h3:8")
    assert list(got) == ref
    df = compute_indicators(homes, load_profile(write_profile(tmp_path, SMALL_PROFILE)), areas="h3:8")
    assert set(df["area"]) == {"ALL", *ref}
    # primary ≤ 600 s over land: A (covered) and B (not, 2000 m²) share home cells only if ref says so
    by_cell: dict[str, list[int]] = {}
    for i, cell in enumerate(ref):
        by_cell.setdefault(cell, []).append(i)
    covered = [True, False, False, True]
    area = [1000.0, 2000.0, 1000.0, 1000.0]
    for cell, idx in by_cell.items():
        expected = sum(area[i] for i in idx if covered[i]) / sum(area[i] for i in idx)
        row = df[(df["indicator"] == "primary_10min") & (df["area"] == cell)]
        assert row["value"].iloc[0] == pytest.approx(expected)


def test_polygons_from_a_file_and_homes_outside(tmp_path):
    path = tmp_path / "streets.geojson"
    polys = west_east_polygons()
    polys.iloc[[0]].to_file(path, driver="GeoJSON")  # only W: C and D are outside every polygon
    p = load_profile(write_profile(tmp_path, SMALL_PROFILE))
    df = compute_indicators(four_homes(), p, areas=str(path))
    assert set(df["area"]) == {"ALL", "W"}
    row = df[(df["indicator"] == "primary_10min") & (df["area"] == "W")]
    assert row["value"].iloc[0] == pytest.approx(1000.0 / 3000.0)
    all_row = df[(df["indicator"] == "primary_10min") & (df["area"] == "ALL")]
    assert all_row["value"].iloc[0] == pytest.approx(0.4)


def test_home_on_a_shared_boundary_goes_to_the_first_polygon():
    homes = four_homes().set_geometry(gpd.GeoSeries([Point(500, 500)] * 4, crs="EPSG:32648"))
    assert list(assign_areas(homes, west_east_polygons())) == ["W"] * 4
    assert list(assign_areas(homes, west_east_polygons().iloc[::-1])) == ["E"] * 4


def test_bad_area_specs():
    homes = four_homes()
    with pytest.raises(LifecircleInputError, match="0..15"):
        assign_areas(homes, "h3:16")
    with pytest.raises(LifecircleInputError, match="metric"):
        assign_areas(homes.to_crs("EPSG:4326"), "grid:500")
    with pytest.raises(LifecircleInputError, match="not understood"):
        assign_areas(homes, "hexagons")
    assert assign_areas(homes, None) is None
