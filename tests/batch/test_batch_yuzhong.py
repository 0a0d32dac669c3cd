"""Border exactness on Yuzhong District with its DEM (slopes and steps): the district cut into a 3 × 2 grid of areas,
each area's times up to the largest threshold of the city health check equal the whole-district run's, and so do
its indicators."""

from __future__ import annotations

import geopandas as gpd
import pytest
from batch_helpers import check_area, grid_areas, local_cluster

from lifecircle.batch import BatchConfig, run_batch
from lifecircle.batch.areas import read_areas
from lifecircle.batch.halo import fastest_speed_m_s, halo_for
from lifecircle.jobs.assess import AssessConfig, run
from lifecircle.results import ResultsFolder


def test_halo_with_dem_includes_tobler_downhill_peak():
    halo = halo_for(["cn-health-check"], "planning", True, 200.0)
    assert fastest_speed_m_s("planning", True) == pytest.approx(1.0 * 2.718281828 ** (3.5 * 0.05), rel=1e-6)
    assert halo.limits == {"walk_time_s": 900.0, "straight_radius_m": 800.0}
    assert halo.reach_m == 1073.0 and halo.width_m == 1273.0  # ceil(900 s × 1.19125 m/s) + 200 m snapping
    assert halo_for(["cn-health-check"], "planning", False, 200.0).reach_m == 900.0


@pytest.mark.slow
def test_every_yuzhong_area_equals_the_district_run(tmp_path, yuzhong_pbf, yuzhong_dem, yuzhong_boundary):
    district = gpd.read_file(yuzhong_boundary).to_crs("EPSG:4326").union_all()
    areas_path = grid_areas(tuple(district.bounds), 3, 2, tmp_path / "areas.gpkg", clip=district)
    crs = read_areas(areas_path).crs
    run(AssessConfig(out=tmp_path / "whole", osm=yuzhong_pbf, dem=yuzhong_dem, crs=crs), quiet=True)
    whole = ResultsFolder(tmp_path / "whole").homes()
    with local_cluster(2) as client:
        result = run_batch(BatchConfig(areas=areas_path, osm=yuzhong_pbf, out=tmp_path / "batch", dem=yuzhong_dem),
                           quiet=True, client=client)
    areas = gpd.read_file(areas_path)
    assert all("No home lies inside the area" in m for m in result.failed.values()), result.failed
    compared = 0
    for aid, geom in zip(areas["id"], areas.geometry, strict=True):
        if aid in result.finished:
            compared += check_area(tmp_path / "batch" / "areas" / aid, whole, geom, 900.0, ["cn-health-check"])
    assert len(result.finished) >= 4 and compared > 100
