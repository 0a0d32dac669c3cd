"""The user's own layers (a line network, facility and home points in GCJ-02, as Amap exports give them) give the
same walking times as the OpenStreetMap run they were exported from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lifecircle.points.coords import wgs84_to_gcj02


def _assess(*args: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "lifecircle.cli.main", "assess", "--quiet", *args],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]


def _to_gcj02(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shift every coordinate from WGS-84 to GCJ-02 (what a Chinese web map stores)."""
    ll = gdf.to_crs("EPSG:4326")

    def shift(coords: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return ll.set_geometry(shapely.transform(ll.geometry.to_numpy(), shift))


def test_gcj02_user_layers_reproduce_the_osm_run(tmp_path: Path, yuzhong_pbf: Path):
    base = tmp_path / "osm-run"
    _assess("--osm", str(yuzhong_pbf), "--profile", "cn-health-check", "--out", str(base))
    edges = gpd.read_parquet(base / "network_edges.parquet")
    fac = gpd.read_parquet(base / "facilities.parquet")
    homes = gpd.read_parquet(base / "homes.parquet")

    # one line per walkable pair (the lower edge id), with its highway class (steps keep their stairs factor)
    lines = edges.loc[(edges["rev"] < 0) | (edges["edge_id"] < edges["rev"]), ["highway", "geometry"]]
    _to_gcj02(lines).to_file(tmp_path / "network.geojson", driver="GeoJSON")
    for name, frame, cols in (("facilities", fac, ["id", "category"]), ("homes", homes, ["id", "population"])):
        shifted = _to_gcj02(frame)
        pd.DataFrame({**{c: frame[c].to_numpy() for c in cols},
                      "经度": shifted.geometry.x, "纬度": shifted.geometry.y}).to_csv(tmp_path / f"{name}.csv", index=False)

    user = tmp_path / "user-run"
    _assess("--network", str(tmp_path / "network.geojson"), "--facilities", str(tmp_path / "facilities.csv"),
            "--homes", str(tmp_path / "homes.csv"), "--population-column", "population", "--coords", "gcj02",
            "--profile", "cn-health-check", "--out", str(user))
    got = gpd.read_parquet(user / "homes.parquet").set_index("id")
    want = homes.set_index("id")
    assert set(got.index) == set(want.index)
    got = got.loc[want.index]
    # GCJ-02 -> WGS-84 is solved to < 1e-9 degrees (well under 1 mm), so lengths, snaps and times agree far inside
    # 0.01 s per home; categories whose facilities are all unreachable stay +inf on both sides.
    for c in sorted(fac["category"].unique()):
        a, b = got[f"t_{c}"].to_numpy(), want[f"t_{c}"].to_numpy()
        assert (np.isfinite(a) == np.isfinite(b)).all(), c
        np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=0, atol=0.01, err_msg=c)
    # points have no area, so the user run's rates use population (run.json says so); recompute them from the OSM
    # run's times and populations with plain pandas
    ind = pd.read_csv(user / "indicators.csv")
    ind = ind[(ind["area"] == "ALL") & (ind["threshold_kind"] == "walk_time_s") & (ind["kind"] == "coverage")]
    assert len(ind) >= 7 and set(ind["denominator_kind"]) == {"population"}
    pop = want["population"]
    for _, row in ind.iterrows():
        cats = row["categories"].split("+")
        covered = want[[f"t_{c.strip()}" for c in cats]].min(axis=1) <= row["threshold"]
        assert abs(row["value"] - pop[covered].sum() / pop.sum()) < 1e-9, row["indicator"]

    # a scenario on this run rates with the same (population) denominator as the run itself
    from lifecircle.scenarios import Scenario, evaluate_scenario, load_results

    res = load_results(user)
    gone = fac.loc[fac["category"] == "supermarket", "id"].iloc[0]
    out = evaluate_scenario(res, Scenario(name="close one supermarket", remove_facilities=(gone,)))
    written = pd.read_csv(user / "indicators.csv").set_index(["profile", "indicator", "area"])["value"]
    before = out.comparison.set_index(["profile", "indicator", "area"])["before"]
    np.testing.assert_allclose(before.loc[written.index].to_numpy(), written.to_numpy(), rtol=0, atol=1e-12)
