"""End to end: ``lifecircle demo`` writes every file of the results folder, and its numbers hold up when recomputed
independently from the written files (walking times by SciPy's Dijkstra on the written network, coverage rates by
plain pandas from the profile file)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

RESULT_FILES = ("network_nodes.parquet", "network_edges.parquet", "facilities.parquet", "homes.parquet",
                "indicators.csv", "lifecircle.gpkg", "run.json", "report.html", "unsnapped.parquet", "areas.parquet", "gaps.parquet")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "results"
    proc = subprocess.run([sys.executable, "-m", "lifecircle.cli.main", "demo", "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith(str(out))
    return out


def test_every_result_file_is_written(demo_dir: Path):
    for name in RESULT_FILES:
        assert (demo_dir / name).is_file(), name
    assert not list(demo_dir.parent.glob(".results.partial-*")), "the staging folder was left behind"


def test_tables_follow_the_schema(demo_dir: Path):
    nodes = pd.read_parquet(demo_dir / "network_nodes.parquet")
    assert list(nodes.columns[:6]) == ["node_id", "osm_id", "x", "y", "lon", "lat"]
    assert (nodes["node_id"].to_numpy() == np.arange(len(nodes))).all()
    edges = gpd.read_parquet(demo_dir / "network_edges.parquet")
    for col, kind in (("edge_id", "i"), ("u", "i"), ("v", "i"), ("rev", "i"), ("length_m", "f"), ("time_s", "f")):
        assert edges[col].dtype.kind == kind and edges[col].dtype.itemsize == 8, col
    assert (edges["edge_id"].to_numpy() == np.arange(len(edges))).all()
    assert edges.crs is not None and edges.crs.is_projected
    run = json.loads((demo_dir / "run.json").read_text())
    assert edges.crs.equals(run["crs"])
    for name in ("facilities.parquet", "homes.parquet"):
        f = gpd.read_parquet(demo_dir / name)
        for col in ("id", "edge_id", "edge_frac", "access_s"):
            assert col in f.columns, (name, col)
        assert f["edge_id"].between(0, len(edges) - 1).all()
        assert f["edge_frac"].between(0, 1).all()
        assert (f["access_s"] >= 0).all()
    homes = gpd.read_parquet(demo_dir / "homes.parquet")
    assert {"population", "area_m2"} <= set(homes.columns)
    cats = pd.read_csv(resources.files("lifecircle") / "data" / "categories.csv")["id"]
    for c in cats:
        assert homes[f"t_{c}"].dtype == np.float64 and f"f_{c}" in homes.columns
    ind = pd.read_csv(demo_dir / "indicators.csv")
    assert list(ind.columns[:9]) == ["profile", "indicator", "area", "value", "numerator", "denominator", "threshold",
                                     "threshold_kind", "source"]
    assert set(ind["profile"]) == {"cn-health-check", "bruno-15min"}
    for key in ("inputs", "parameters", "crs", "versions", "timings_s"):
        assert key in run
    assert all(len(v["sha256"]) == 64 for v in run["inputs"].values())
    html = (demo_dir / "report.html").read_text(encoding="utf-8")
    assert "社区卫生服务设施步行15分钟覆盖率" in html


def _augmented_graph(edges: pd.DataFrame, points: list[pd.DataFrame]):
    """The network with every snapped point inserted as a node (chained along its edge in order of position)."""
    n = int(max(edges["u"].max(), edges["v"].max())) + 1
    u, v, t = edges["u"].to_numpy(), edges["v"].to_numpy(), edges["time_s"].to_numpy()
    rev = edges["rev"].to_numpy()
    allp = pd.concat(points, ignore_index=True)
    allp["node"] = np.arange(n, n + len(allp))
    rows, cols, w = [], [], []
    on_edge = dict(tuple(allp.groupby("edge_id")))
    for e in range(len(edges)):
        r = rev[e]
        if e in on_edge:
            pts = on_edge[e].sort_values("edge_frac")
            chain = [u[e]] + list(pts["node"]) + [v[e]]
            fr = [0.0] + list(pts["edge_frac"]) + [1.0]
            for a, b, fa, fb in zip(chain[:-1], chain[1:], fr[:-1], fr[1:], strict=True):
                rows.append(a)
                cols.append(b)
                w.append((fb - fa) * t[e])
                if r >= 0:
                    rows.append(b)
                    cols.append(a)
                    w.append((fb - fa) * t[r])
        elif not (r >= 0 and r in on_edge):  # the reverse of an edge with points was chained above
            rows.append(u[e])
            cols.append(v[e])
            w.append(t[e])
    m = n + len(allp)
    # parallel edges keep their minimum (a sparse matrix would add them up); csgraph drops explicit zeros, so
    # zero-cost links get 1e-12 s (far below the 1e-6 s tolerance).
    links = pd.DataFrame({"a": rows, "b": cols, "w": np.maximum(np.array(w), 1e-12)}).groupby(["a", "b"])["w"].min()
    a, b = links.index.get_level_values(0).to_numpy(), links.index.get_level_values(1).to_numpy()
    g = coo_matrix((links.to_numpy(), (a, b)), shape=(m, m)).tocsr()
    return g, allp


def test_walking_times_equal_a_plain_dijkstra_on_the_written_network(demo_dir: Path):
    edges = pd.read_parquet(demo_dir / "network_edges.parquet", columns=["u", "v", "rev", "time_s"])
    homes = gpd.read_parquet(demo_dir / "homes.parquet")
    fac = gpd.read_parquet(demo_dir / "facilities.parquet")
    category = fac["category"].value_counts().index[0]  # the best-mapped category
    f = fac.loc[fac["category"] == category, ["id", "edge_id", "edge_frac", "access_s"]].reset_index(drop=True)
    sample = homes.sample(n=min(40, len(homes)), random_state=1)[["id", "edge_id", "edge_frac", "access_s", f"t_{category}"]]
    g, allp = _augmented_graph(edges, [sample.assign(kind="home"), f.assign(kind="fac")])
    home_nodes = allp.loc[allp["kind"] == "home", "node"].to_numpy()
    fac_nodes = allp.loc[allp["kind"] == "fac", "node"].to_numpy()
    dist = dijkstra(g, directed=True, indices=home_nodes)
    expected = (dist[:, fac_nodes] + f["access_s"].to_numpy()[None, :]).min(axis=1) + sample["access_s"].to_numpy()
    got = sample[f"t_{category}"].to_numpy()
    finite = np.isfinite(expected)
    assert (np.isfinite(got) == finite).all()
    np.testing.assert_allclose(got[finite], expected[finite], rtol=0, atol=1e-6)


def test_coverage_rates_recomputed_from_the_written_files(demo_dir: Path):
    homes = gpd.read_parquet(demo_dir / "homes.parquet")
    ind = pd.read_csv(demo_dir / "indicators.csv")
    profile = tomllib.loads((resources.files("lifecircle") / "data" / "profiles" / "cn-health-check.toml").read_text("utf-8"))
    checked = 0
    for spec in profile["indicators"]:
        if spec.get("kind", "coverage") != "coverage" or spec.get("threshold_kind") != "walk_time_s":
            continue
        times = homes[[f"t_{c}" for c in spec["categories"]]].min(axis=1)
        covered = times <= spec["threshold"]
        area = homes["area_m2"]
        expected = float(area[covered].sum() / area.sum())
        row = ind[(ind["profile"] == "cn-health-check") & (ind["indicator"] == spec["id"]) & (ind["area"] == "ALL")]
        assert len(row) == 1, spec["id"]
        assert math.isclose(float(row["value"].iloc[0]), expected, rel_tol=1e-9, abs_tol=1e-12), spec["id"]
        checked += 1
    assert checked >= 7
