"""Homes and their population: hand-checkable grids and floor areas, then the Helsinki population grid."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from osm_sample import write_sample
from points_nets import CRS, X0, Y0
from rasterio.transform import from_origin
from shapely.geometry import Point, box

from lifecircle.errors import LifecircleInputError
from lifecircle.points.homes import (
    HOME_COLUMNS,
    assign_population,
    floor_area_per_person_table,
    homes_from_layer,
    homes_from_osm,
    population_from_column,
    population_from_floor_area,
    population_from_grid,
)


def _b(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


@pytest.fixture()
def two_buildings() -> gpd.GeoDataFrame:
    """A: 20 m × 20 m, 2 storeys (800 m² floor) in cell 1. B: 20 m × 20 m, storeys unmapped, straddling cells 1 and 2
    half and half."""
    layer = gpd.GeoDataFrame({"id": ["A", "B"], "storeys": [2.0, np.nan], "pop": [5, 7]},
                             geometry=[_b(10, 10, 30, 30), _b(90, 40, 110, 60)], crs=CRS)
    return homes_from_layer(layer, levels_column="storeys")


def _cells() -> gpd.GeoDataFrame:
    # cell 1 (0..100, 0..100): 100 people; cell 2 (100..200, 0..100): 30; cell 3 (0..100, 100..200): 7, no home
    return gpd.GeoDataFrame({"population": [100.0, 30.0, 7.0]},
                            geometry=[_b(0, 0, 100, 100), _b(100, 0, 200, 100), _b(0, 100, 100, 200)], crs=CRS)


def _expect_grid_result(h, lost=7.0, empty_cells=1):
    # B's unmapped storeys default to the median of mapped storeys (A: 2) → B has 200 m² × 2 = 400 m² in each cell.
    # Cell 1 weights: A 800, B 400 → A 100·800/1200, B 100·400/1200; cell 2: all 30 to B. Cell 3's 7 are lost.
    pop = h.set_index("id")["population"]
    assert pop["A"] == pytest.approx(200.0 / 3.0)
    assert pop["B"] == pytest.approx(100.0 / 3.0 + 30.0)
    assert h.attrs["population_assigned"] == pytest.approx(130.0)
    assert h.attrs["population_lost"] == pytest.approx(lost)
    assert h.attrs["cells_without_homes"] == empty_cells
    assert h["population_source"].str.startswith("grid:").all()


def test_grid_polygons_distributed_by_floor_area(two_buildings):
    h = population_from_grid(two_buildings, _cells())
    _expect_grid_result(h)
    assert h.attrs["grid_population"] == pytest.approx(137.0)
    assert h.set_index("id").loc["B", "floor_area_m2"] == pytest.approx(800.0)


def test_grid_geotiff_same_result(two_buildings, tmp_path):
    path = tmp_path / "pop.tif"
    data = np.array([[7.0, -1.0], [100.0, 30.0]])  # row 0 is the northern row (y 100..200); -1 = nodata
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float64", crs=CRS, nodata=-1.0,
                       transform=from_origin(X0, Y0 + 200, 100, 100)) as dst:
        dst.write(data, 1)
    h = population_from_grid(two_buildings, path)
    # a raster is read over the homes' bounding box only: the 7-people pixel north of it is not read at all
    _expect_grid_result(h, lost=0.0, empty_cells=0)
    assert h.attrs["grid_population"] == pytest.approx(130.0)


def test_grid_as_a_layer_file(two_buildings, tmp_path):
    path = tmp_path / "grid.gpkg"
    _cells().rename(columns={"population": "asukkaat"}).to_file(path)
    _expect_grid_result(population_from_grid(two_buildings, path, grid_column="asukkaat"))
    with pytest.raises(LifecircleInputError, match="no column 'population'.*grid_column"):
        population_from_grid(two_buildings, path)


def test_floor_area_method(two_buildings):
    h = population_from_floor_area(two_buildings).set_index("id")
    # default 36.52 m² per urban resident (China 2020 census yearbook); B inherits A's 2 storeys
    assert h.loc["A", "population"] == pytest.approx(800.0 / 36.52)
    assert h.loc["B", "population"] == pytest.approx(800.0 / 36.52)
    assert "36.52" in h.loc["A", "population_source"] and "unmapped levels = 2" in h.loc["A", "population_source"]
    h = population_from_floor_area(two_buildings, m2_per_person=25.0, default_levels=3).set_index("id")
    assert h.loc["B", "population"] == pytest.approx(400.0 * 3 / 25.0)
    assert h.loc["A", "population"] == pytest.approx(800.0 / 25.0)
    fi = float(floor_area_per_person_table().set_index("id").loc["fi", "m2_per_person"])
    assert population_from_floor_area(two_buildings, "fi").population.iloc[0] == pytest.approx(800.0 / fi)


def test_column_method_and_dispatch(two_buildings):
    h = assign_population(two_buildings, column="pop")
    assert h.population.tolist() == [5.0, 7.0] and (h.population_source == "column:pop").all()
    assert assign_population(two_buildings, grid=_cells()).population.sum() == pytest.approx(130.0)
    assert assign_population(two_buildings).population_source.str.startswith("floor_area").all()


def test_bad_population_inputs(two_buildings):
    with pytest.raises(LifecircleInputError, match="No population column 'people'"):
        population_from_column(two_buildings, "people")
    bad = two_buildings.copy()
    bad["pop"] = [5, -1]
    with pytest.raises(LifecircleInputError, match="negative values in rows 2"):
        population_from_column(bad, "pop")
    with pytest.raises(LifecircleInputError, match="Unknown floor-area-per-person id 'mars'"):
        population_from_floor_area(two_buildings, "mars")
    with pytest.raises(LifecircleInputError, match="positive"):
        population_from_floor_area(two_buildings, 0.0)
    points = homes_from_layer(gpd.GeoDataFrame({"id": ["p"]}, geometry=[Point(X0, Y0)], crs=CRS))
    with pytest.raises(LifecircleInputError, match="needs building footprints"):
        population_from_floor_area(points)
    with pytest.raises(LifecircleInputError, match="needs home footprints"):
        population_from_grid(points, _cells())
    with pytest.raises(LifecircleInputError, match="does not exist"):
        population_from_grid(two_buildings, "/nonexistent/pop.tif")


def test_homes_from_layer_points_and_ids():
    pts = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[Point(X0, Y0), Point(X0 + 5, Y0)], crs=CRS)
    h = homes_from_layer(pts)
    assert h["id"].tolist() == ["h0", "h1"] and h["access_kind"].tolist() == ["point", "point"]
    assert h["area_m2"].isna().all() and h["name"].tolist() == ["a", "b"]
    assert tuple(h.columns[: len(HOME_COLUMNS)]) == HOME_COLUMNS
    dup = pts.assign(code=["x", "x"])
    with pytest.raises(LifecircleInputError, match="repeat"):
        homes_from_layer(dup, id_column="code")
    with pytest.raises(LifecircleInputError, match="no CRS"):
        homes_from_layer(pts.set_crs(None, allow_override=True))


def test_homes_from_hand_written_osm(tmp_path):
    h = homes_from_osm(write_sample(tmp_path)).set_index("id")
    # w211 building=yes inside landuse=residential; w212 apartments. Not: w213 commercial, w214 yes outside the
    # residential land, w202 hospital.
    assert sorted(h.index) == ["w211", "w212"]
    assert h.loc["w212", "access_kind"] == "entrance" and h.loc["w212", "geometry"].equals(Point(24.93075, 60.153))
    assert h.loc["w211", "access_kind"] == "centroid"
    assert h.loc["w212", "levels"] == 6.0
    # 0.0005° lon × 0.0005° lat at 60.15 N ≈ 27.8 m × 55.7 m
    assert h.loc["w212", "area_m2"] == pytest.approx(0.0005 * 111_320 * np.cos(np.radians(60.15325)) * 0.0005 * 111_400, rel=0.01)


def test_residential_land_fallback_and_no_homes(tmp_path):
    land_only = tmp_path / "land.osm"
    land_only.write_text(
        """<?xml version='1.0' encoding='UTF-8'?><osm version="0.6">
<node id="1" version="1" lat="60.15" lon="24.93"/><node id="2" version="1" lat="60.15" lon="24.94"/>
<node id="3" version="1" lat="60.16" lon="24.94"/><node id="4" version="1" lat="60.16" lon="24.93"/>
<way id="9" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="landuse" v="residential"/></way>
</osm>""", encoding="utf-8")
    h = homes_from_osm(land_only)
    assert h["kind"].tolist() == ["residential_land"] and h["id"].tolist() == ["w9"]
    with pytest.raises(LifecircleInputError, match="needs building footprints"):
        population_from_floor_area(h)
    nothing = tmp_path / "empty.osm"
    nothing.write_text("<?xml version='1.0' encoding='UTF-8'?><osm version=\"0.6\"></osm>", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="no residential building"):
        homes_from_osm(nothing)


# ----------------------------------------------------------------------------------------------- real data
def test_helsinki_grid_population_is_conserved(helsinki_path, helsinki_population_grid):
    homes = homes_from_osm(helsinki_path)
    h = population_from_grid(homes, helsinki_population_grid)
    grid = gpd.read_file(helsinki_population_grid)
    # independent reference: a geopandas overlay of cells and footprints; the people of every cell that overlaps
    # at least one footprint are assigned, all others are lost
    metric = "EPSG:32635"
    fp = gpd.GeoDataFrame(geometry=gpd.GeoSeries(homes["footprint"].to_numpy(), crs="EPSG:4326")).to_crs(metric)
    cells = grid.to_crs(metric).reset_index(names="cell")
    pieces = gpd.overlay(cells, fp, how="intersection", keep_geom_type=True)
    covered = pieces.loc[pieces.area > 0, "cell"].unique()
    expected = float(grid.loc[covered, "population"].sum())
    assert expected > 1000  # the extract and the grid overlap in central Helsinki
    assert h["population"].sum() == pytest.approx(expected, rel=1e-9)
    assert h.attrs["population_assigned"] == pytest.approx(expected, rel=1e-9)
    assert h.attrs["population_lost"] == pytest.approx(float(grid["population"].sum()) - expected, rel=1e-9)
    assert (h["population"] >= 0).all()


def test_yuzhong_homes(yuzhong_pbf):
    h = assign_population(homes_from_osm(yuzhong_pbf))
    # the file maps 321 building=residential and 58 apartments ways plus residential relations, no landuse
    assert len(h) >= 379 and (h["kind"] == "building").all()
    assert (h["population"] > 0).all() and (h["floor_area_m2"] >= h["area_m2"]).all()
