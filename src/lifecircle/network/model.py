"""The walking network: a directed pedestrian graph in a metric CRS, and points (homes, facilities) snapped onto it.

This module holds the two data contracts every later stage reads:

* :class:`WalkNetwork` — nodes and *directed* edges. A two-way footway is two directed edges, each the reverse of the
  other (``rev``); a one-way edge (rare for walking, but slope makes up and down differ) has ``rev == -1``.
  ``node_id`` and ``edge_id`` are positional: ``nodes.iloc[i].node_id == i`` and ``edges.iloc[j].edge_id == j``.
* :class:`SnappedPoints` — points attached to an edge, not a node. A point at fraction ``t`` along the directed edge
  ``e = u→v`` reaches ``v`` in ``(1 − t)·time_s[e]`` seconds and ``u`` in ``t·time_s[rev[e]]`` seconds when the
  reverse edge exists; two points on the same (undirected) edge may walk straight along it. The straight leg between
  the point and the network costs ``access_s`` seconds (``access_m`` metres). This is the walking-time definition the
  engine implements and the tests check against a plain Dijkstra on the graph with the points inserted as nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

#: Columns of :attr:`WalkNetwork.nodes` (x, y in metres in ``crs``; lon, lat in WGS-84 degrees).
NODE_COLUMNS = ("node_id", "osm_id", "x", "y", "lon", "lat")
#: Columns of :attr:`WalkNetwork.edges` besides ``geometry`` (the u→v LineString in ``crs``).
EDGE_COLUMNS = ("edge_id", "u", "v", "rev", "length_m", "time_s", "highway", "way_id")
#: Columns of :class:`SnappedPoints` frames.
POINT_COLUMNS = ("edge_id", "edge_frac", "access_m", "access_s")


@dataclass
class WalkNetwork:
    """A directed pedestrian graph with walking times.

    Attributes
    ----------
    crs
        The metric projected CRS of ``x``, ``y`` and the edge geometries (e.g. ``"EPSG:32648"``), as a string
        pyproj understands.
    nodes
        ``node_id`` (0..n−1), ``osm_id`` (OSM node id, or −1 for nodes the builder created), ``x``, ``y`` (metres),
        ``lon``, ``lat`` (degrees); optional ``z`` (metres above sea level, from a DEM).
    edges
        GeoDataFrame, one row per walkable direction: ``edge_id`` (0..m−1), ``u``, ``v`` (node ids), ``rev`` (edge id
        of the opposite direction, or −1), ``length_m`` (metres along the geometry), ``time_s`` (seconds to walk u→v
        under ``walk_profile``), ``highway`` (OSM tag), ``way_id`` (OSM way id), ``geometry`` (u→v LineString).
        Further tag columns (``name``, ``incline``, ``steps``...) may follow.
    walk_profile
        Name of the walking profile ``time_s`` was computed with.
    meta
        Free-form provenance: input file, what was dropped (components, impassable edges), parameters.
    dropped
        The pieces the builder left out, or None when unknown (a network loaded from files or made by hand):
        GeoDataFrame in ``crs``, one row per undirected piece, ``way_id``, ``highway``, ``reason`` (``"component"``:
        not in the kept connected component; ``"boundary"``: no end inside the study boundary;
        ``"wheelchair_steps"``: steps the walking profile cannot pass), ``geometry`` (LineString). Not saved by
        :func:`lifecircle.network.io.save_network`. :func:`lifecircle.points.snapping.points_on_dropped` finds the homes and
        facilities that sat on them.
    """

    crs: str
    nodes: pd.DataFrame
    edges: gpd.GeoDataFrame
    walk_profile: str = "planning"
    meta: dict[str, Any] = field(default_factory=dict)
    dropped: gpd.GeoDataFrame | None = None

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    def edge_arrays(self, weight: str = "time_s") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(u, v, cost, rev)`` as contiguous arrays for the engine; ``weight`` is ``"time_s"`` or ``"length_m"``."""
        e = self.edges
        return (
            e["u"].to_numpy(np.int64),
            e["v"].to_numpy(np.int64),
            e[weight].to_numpy(np.float64),
            e["rev"].to_numpy(np.int64),
        )


@dataclass
class SnappedPoints:
    """Points (homes or facilities) attached to network edges.

    ``frame`` keeps the caller's columns (``id``, ``category``, ``population``...) and adds ``edge_id`` (directed
    edge, the lower id of a two-way pair), ``edge_frac`` (0–1 from its ``u``), ``access_m`` (metres of the straight
    leg to the network) and ``access_s`` (its seconds under the walking profile). Points farther than the snapping
    distance are not in ``frame``; they are listed in ``unsnapped`` with the reason.
    """

    frame: gpd.GeoDataFrame
    unsnapped: gpd.GeoDataFrame

    def arrays(self, access: str = "access_s") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(edge_id, edge_frac, access)`` as arrays for the engine; ``access`` is ``"access_s"`` or ``"access_m"``."""
        f = self.frame
        return (
            f["edge_id"].to_numpy(np.int64),
            f["edge_frac"].to_numpy(np.float64),
            f[access].to_numpy(np.float64),
        )
