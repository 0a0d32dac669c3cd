"""Sub-area polygons for the map: each home lies in the polygon of the sub-area it is counted in."""

import geopandas as gpd
import numpy as np
from shapely.geometry import Point, box

from lifecircle.indicators import area_polygons, assign_areas


def _homes():
    pts = [Point(10, 10), Point(490, 20), Point(510, 20), Point(1250, 760)]
    return gpd.GeoDataFrame({"id": ["a", "b", "c", "d"]}, geometry=pts, crs="EPSG:32635")


def test_grid_cells_are_the_squares_holding_homes():
    homes = _homes()
    polys = area_polygons(homes, "grid:500")
    # cells by reasoning: (0,0) holds a and b; (1,0) holds c; (2,1) holds d
    assert sorted(polys["area_id"]) == ["grid500_0_0", "grid500_1_0", "grid500_2_1"]
    cell = polys.set_index("area_id").geometry
    assert cell["grid500_2_1"].equals(box(1000, 500, 1500, 1000))
    ids = assign_areas(homes, "grid:500")
    for pt, aid in zip(homes.geometry, ids, strict=True):
        assert cell[aid].covers(pt)


def test_h3_cells_contain_their_homes():
    homes = _homes()
    polys = area_polygons(homes, "h3:9").set_index("area_id").geometry
    ids = assign_areas(homes, "h3:9")
    assert np.all([polys[aid].covers(pt) for pt, aid in zip(homes.geometry, ids, strict=True)])


def test_user_polygons_are_returned_whole():
    homes = _homes()
    areas = gpd.GeoDataFrame({"id": ["W", "E", "empty"], "name": ["西", "东", "空"]},
                             geometry=[box(0, 0, 500, 500), box(500, 0, 2000, 1000), box(5000, 5000, 6000, 6000)],
                             crs="EPSG:32635")
    polys = area_polygons(homes, areas)
    assert list(polys["area_id"]) == ["W", "E", "empty"] and list(polys["name"]) == ["西", "东", "空"]
