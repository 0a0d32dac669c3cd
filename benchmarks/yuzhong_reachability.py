"""How much stairs and terrain shrink the 15-minute walk from Jiefangbei (解放碑), Yuzhong, Chongqing.

A measurement for the note, not a test. One network (Yuzhong OSM, largest component, built with the SRTM DEM), three
time models on the same nodes and edges:

(a) flat: every edge at 1.0 m/s, steps like any footway;
(b) stairs: steps cost 2.5× their horizontal length (``planning`` profile, no DEM);
(c) stairs + slope: (b) plus Tobler's hiking function from the DEM on non-step edges.

From the node nearest 解放碑 (106.5775 E, 29.5575 N) a one-to-all Dijkstra (scipy.sparse.csgraph) gives each node's
walking time. Reported: the share of network nodes reached within 5/10/15 min and the share of total network length
reached (an edge counts for the part a walker can cover from either end within the budget). The network is clipped
to the district outline (edges with a node inside) so the shares are of Yuzhong's own network. Run:

    python benchmarks/yuzhong_reachability.py [--osm PATH] [--dem PATH] [--boundary PATH|none]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from lifecircle.network.osm import read_walk_network
from lifecircle.network.walking import WalkProfile, edge_times, load_slope_model

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "yuzhong"
JIEFANGBEI_LONLAT = (106.5775, 29.5575)
BUDGETS_MIN = (5, 10, 15)


def _graph(n: int, u: np.ndarray, v: np.ndarray, t: np.ndarray) -> csr_matrix:
    """CSR adjacency keeping the fastest of parallel edges (a plain COO→CSR would add them up)."""
    order = np.lexsort((t, v, u))
    u, v, t = u[order], v[order], t[order]
    first = np.ones(len(u), bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    return csr_matrix((t[first], (u[first], v[first])), shape=(n, n))


def reach_shares(net, time_s: np.ndarray, source: int, budget_s: float) -> tuple[float, float]:
    """(share of nodes, share of network length) reachable within ``budget_s`` seconds from node ``source``."""
    e = net.edges
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    dist = dijkstra(_graph(net.n_nodes, u, v, time_s), directed=True, indices=source, limit=budget_s)
    node_share = float(np.mean(dist <= budget_s))
    # covered fraction of each directed edge entered from its tail within the budget
    with np.errstate(invalid="ignore"):
        frac = np.clip((budget_s - dist[u]) / time_s, 0.0, 1.0)
    frac = np.where(np.isfinite(dist[u]), frac, 0.0)
    length = e["length_m"].to_numpy()
    rev = e["rev"].to_numpy()
    both = np.where(rev >= 0, frac + np.where(rev >= 0, frac[np.maximum(rev, 0)], 0.0), frac)
    covered = np.minimum(both, 1.0) * length
    # count each two-way piece once (the lower edge id of the pair) and one-way edges themselves
    once = (rev < 0) | (np.arange(len(e)) < rev)
    return node_share, float(covered[once].sum() / length[once].sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--osm", type=Path, default=SHARED / "yuzhong.osm.pbf")
    ap.add_argument("--dem", type=Path, default=SHARED / "yuzhong_srtm1_30m_utm48n.tif")
    ap.add_argument("--boundary", default=str(SHARED / "yuzhong_boundary.geojson"),
                    help="district outline (WGS-84) the network is clipped to; 'none' keeps the whole extract")
    args = ap.parse_args()

    boundary = None
    if args.boundary != "none":
        boundary = gpd.read_file(args.boundary).to_crs("EPSG:4326").geometry.union_all()
    net = read_walk_network(args.osm, walk_profile="planning", dem=args.dem, boundary=boundary)
    x, y = Transformer.from_crs("EPSG:4326", net.crs, always_xy=True).transform(*JIEFANGBEI_LONLAT)
    source = int(np.argmin(np.hypot(net.nodes["x"] - x, net.nodes["y"] - y)))
    src = net.nodes.iloc[source]
    gap = float(np.hypot(src.x - x, src.y - y))

    e = net.edges
    no_dem = e.drop(columns=["flat_equiv_m"])
    models = {
        "(a) flat 1.0 m/s, steps as flat": edge_times(no_dem, WalkProfile("flat", 1.0, stairs_factor=1.0)),
        "(b) + stairs ×2.5": edge_times(no_dem, "planning"),
        "(c) + stairs ×2.5 + DEM slope (Tobler)": edge_times(e, "planning"),
    }
    # Sensitivity, not a model the library offers: Tobler on each edge's end-to-end slope only, which averages out
    # the pixel-to-pixel noise of a 30 m DEM (SRTM also sees some buildings in a high-rise centre).
    end_to_end = e.assign(flat_equiv_m=e["length_m"] / load_slope_model().speed_ratio(np.nan_to_num(e["rise_m"] / e["length_m"])))
    models["(c') as (c), slope from edge end nodes only"] = edge_times(end_to_end, "planning")
    print(f"Clipped to: {args.boundary}")
    print(f"Network: {net.n_nodes} nodes, {net.n_edges} directed edges, {e['length_m'].sum() / 2 / 1000:.1f} km "
          f"(CRS {net.crs}); steps edges: {int(e['steps'].sum())}; DEM: {net.meta['elevation']}")
    print(f"Source: node {source} (OSM {int(src.osm_id)}, {src.lon:.5f} E {src.lat:.5f} N), {gap:.0f} m from 解放碑\n")
    header = "| time model | " + " | ".join(f"nodes ≤ {b} min | length ≤ {b} min" for b in BUDGETS_MIN) + " |"
    print(header)
    print("|" + "---|" * (1 + 2 * len(BUDGETS_MIN)))
    base = {}
    for name, t in models.items():
        cells = []
        for b in BUDGETS_MIN:
            ns, ls = reach_shares(net, t, source, b * 60.0)
            base.setdefault(b, (ns, ls))
            rel = "" if name.startswith("(a)") else f" ({(ls / base[b][1] - 1) * 100:+.0f} %)"
            km = ls * e["length_m"].sum() / 2 / 1000
            cells.append(f"{ns * 100:.2f} % | {ls * 100:.2f} % = {km:.1f} km{rel}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
