"""A synthetic city written as an OpenStreetMap file, for the batch and tiling benchmarks.

A jittered square street grid (``spacing_m`` apart, ±25 % jitter) of ``n × n`` junctions, one OSM way per street
(``highway=residential``; one street in ten ``highway=footway``), centred at ``lon0``, ``lat0``; one residential
building (a 12 m square, ``building=apartments``, ``building:levels=6``) per ``home_every`` blocks, and facility nodes
(``shop=supermarket``, ``amenity=pharmacy``, ``amenity=clinic``, ``amenity=kindergarten``, ``amenity=school``,
``leisure=park`` as a node, ``highway=bus_stop``) at random junction offsets with the per-km² densities below. The
network builder splits streets at every junction, so the network holds about ``n²`` nodes.

Usage: ``python benchmarks/batch_city_pbf.py OUT.osm.pbf --n 1000`` (about 1M nodes, 50 km × 50 km).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import osmium
from osmium.osm.mutable import Node, Way

#: Facility tags → facilities per km² (city-wide averages, as in benchmarks/synthetic.py).
FACILITIES_PER_KM2 = {
    ("shop", "supermarket"): 1.0,
    ("amenity", "pharmacy"): 1.5,
    ("amenity", "clinic"): 1.0,
    ("amenity", "kindergarten"): 1.0,
    ("amenity", "school"): 0.5,
    ("highway", "bus_stop"): 6.0,
    ("shop", "convenience"): 4.0,
}


def write_city(path: str | Path, n: int = 1000, spacing_m: float = 50.0, lon0: float = 24.94, lat0: float = 60.17,
               home_every: int = 3, seed: int = 7) -> dict[str, int]:
    """Write the city to ``path`` (.osm.pbf); returns counts of nodes, ways, homes and facilities written."""
    rng = np.random.default_rng(seed)
    m_per_deg_lat = 111_320.0
    m_per_deg_lon = m_per_deg_lat * math.cos(math.radians(lat0))
    gx = (np.arange(n) - n / 2) * spacing_m
    x = gx[None, :] + rng.uniform(-0.25, 0.25, (n, n)) * spacing_m
    y = gx[:, None] + rng.uniform(-0.25, 0.25, (n, n)) * spacing_m
    lon = lon0 + x / m_per_deg_lon
    lat = lat0 + y / m_per_deg_lat
    node_id = 1 + np.arange(n * n).reshape(n, n)
    p = Path(path)
    p.unlink(missing_ok=True)
    counts = {"nodes": 0, "ways": 0, "homes": 0, "facilities": 0}
    writer = osmium.SimpleWriter(str(p))
    try:
        for i in range(n):
            for j in range(n):
                writer.add_node(Node(id=int(node_id[i, j]), location=(float(lon[i, j]), float(lat[i, j]))))
        counts["nodes"] += n * n
        next_node = n * n + 1
        area_km2 = (n * spacing_m / 1000.0) ** 2
        fac_nodes = []
        for (k, v), per_km2 in FACILITIES_PER_KM2.items():
            for _ in range(rng.poisson(per_km2 * area_km2)):
                i, j = rng.integers(0, n, 2)
                fac_nodes.append(Node(id=next_node, location=(float(lon[i, j] + 8 / m_per_deg_lon), float(lat[i, j] + 8 / m_per_deg_lat)),
                                      tags={k: v}))
                next_node += 1
        homes = []
        half = 6.0
        for i in range(0, n - 1, home_every):
            for j in range(0, n - 1, home_every):
                cx = float((lon[i, j] + lon[i + 1, j + 1]) / 2)
                cy = float((lat[i, j] + lat[i + 1, j + 1]) / 2)
                ids = []
                for dx, dy in ((-half, -half), (half, -half), (half, half), (-half, half)):
                    writer.add_node(Node(id=next_node, location=(cx + dx / m_per_deg_lon, cy + dy / m_per_deg_lat)))
                    ids.append(next_node)
                    next_node += 1
                homes.append(ids + [ids[0]])
        counts["nodes"] += 4 * len(homes)
        for node in fac_nodes:
            writer.add_node(node)
        counts["nodes"] += len(fac_nodes)
        counts["facilities"] = len(fac_nodes)
        way_id = 1
        for i in range(n):
            hw = "footway" if i % 10 == 5 else "residential"
            writer.add_way(Way(id=way_id, nodes=[int(v) for v in node_id[i, :]], tags={"highway": hw}))
            writer.add_way(Way(id=way_id + 1, nodes=[int(v) for v in node_id[:, i]], tags={"highway": hw}))
            way_id += 2
        for ids in homes:
            writer.add_way(Way(id=way_id, nodes=ids, tags={"building": "apartments", "building:levels": "6"}))
            way_id += 1
        counts["ways"] = way_id - 1
        counts["homes"] = len(homes)
    finally:
        writer.close()
    return counts


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--spacing", type=float, default=50.0)
    a = ap.parse_args()
    print(write_city(a.out, a.n, a.spacing))
