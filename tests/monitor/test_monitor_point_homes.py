"""Attribution on runs whose homes are points with a population column, through the command line as a planner runs
it: ``lifecircle assess --homes points.gpkg --population-column population`` twice (before and after one project),
then ``lifecircle monitor record ... --attribute``.

Point homes have no area, so the run's coverage rates use population; attribution re-evaluates the later run and must
rate with the same denominator. The two runs differ only by the project's facility, so the project accounts for the
whole measured change of every indicator: nothing is left as "not due to listed projects", and the scenario with all
completed projects reproduces the later run's recorded values.
"""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from monitor_fixtures import LEDGER_HEADER, ledger_row, write_csv

from lifecircle.monitor import open_store
from lifecircle.monitor.attribution import PART_MEASURED, PART_OTHER, reconciliation
from lifecircle.points.features import read_facilities
from lifecircle.points.homes import homes_from_osm
from lifecircle.sample_data import helsinki_pbf

INDICATOR = "elderly_care_5min"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lifecircle.cli", *args], capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def point_home_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("points")
    pbf = helsinki_pbf()
    homes = homes_from_osm(pbf, unspecified_as_homes=True)
    # points with a population that is not proportional to anything the area denominator would use
    pts = gpd.GeoDataFrame({"id": homes["id"].astype(str).to_numpy(),
                            "population": (1 + (np.arange(len(homes)) % 7) * 5).astype(float)},
                           geometry=homes.geometry.representative_point().to_numpy(), crs=homes.crs)  # points
    pts.to_file(tmp / "homes.gpkg", driver="GPKG")
    base = read_facilities(pbf)[["id", "category", "name", "geometry"]]
    base = base[base["category"] != "elderly_care"].reset_index(drop=True)
    base.to_file(tmp / "base.gpkg", driver="GPKG")
    site = pts.geometry.iloc[len(pts) // 2]  # the project: an elderly-care station at a home in the middle
    extra = gpd.GeoDataFrame({"id": ["P1"], "category": ["elderly_care"], "name": ["project P1"]},
                             geometry=[site], crs=pts.crs).to_crs(base.crs)
    pd.concat([base, extra], ignore_index=True).pipe(gpd.GeoDataFrame, crs=base.crs).to_file(
        tmp / "with.gpkg", driver="GPKG")
    for name, layer in (("run1", "base.gpkg"), ("run2", "with.gpkg")):
        done = _cli("assess", "--quiet", "--osm", str(pbf), "--facilities", str(tmp / layer),
                    "--homes", str(tmp / "homes.gpkg"), "--population-column", "population",
                    "--profile", "cn-health-check", "--out", str(tmp / name))
        assert done.returncode == 0, done.stderr[-3000:]
    ll = gpd.GeoSeries([site], crs=pts.crs).to_crs("EPSG:4326").iloc[0]
    write_csv(tmp / "ledger.csv", LEDGER_HEADER, [
        ledger_row("P1", category="elderly_care", lon=f"{ll.x:.7f}", lat=f"{ll.y:.7f}", unit="区民政局",
                   status="completed", actual="2025-05-01", planned="2025-06-30")])
    return tmp


def test_record_attribute_on_point_homes(point_home_runs):
    tmp = point_home_runs
    ind2 = pd.read_csv(tmp / "run2" / "indicators.csv")
    assert set(ind2.loc[ind2["area"] == "ALL", "denominator_kind"].dropna()) == {"population"}
    store = str(tmp / "lc.duckdb")
    for args in (["init"], ["record", str(tmp / "run1"), "--data-date", "2025-03-31", "--attribute"],
                 ["projects", "import", str(tmp / "ledger.csv")],
                 ["record", str(tmp / "run2"), "--data-date", "2025-06-30", "--attribute"]):
        done = _cli("monitor", *args, "--store", store)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "Traceback" not in done.stderr
    assert "Attributed 1 project(s) completed between run 1 and run 2" in done.stderr
    assert "Everything on the list built" in done.stderr
    with open_store(store, read_only=True) as s:
        rec = reconciliation(s)
        total = s.con.execute("SELECT profile, indicator, area, value_with FROM project_effects "
                              "WHERE run_id = 2 AND method = 'all_completed'").df()
        recorded = s.con.execute("SELECT profile, indicator, area, value FROM indicator_values WHERE run_id = 2").df()
    # the project made the whole change: no remainder "not due to listed projects", for every indicator
    other = rec[rec["part"] == PART_OTHER].set_index("indicator")["value"]
    measured = rec[rec["part"] == PART_MEASURED].set_index("indicator")["value"]
    assert measured[INDICATOR] > 0
    assert np.allclose(other.to_numpy(float), 0.0, atol=1e-9), other[other.abs() > 1e-9]
    # all completed projects present = the later run as recorded (same, population, denominator)
    both = total.merge(recorded, on=["profile", "indicator", "area"])
    assert len(both) == len(recorded) > 0
    assert np.allclose(both["value_with"], both["value"], atol=1e-9, equal_nan=True)
