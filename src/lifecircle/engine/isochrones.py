"""Isochrone polygons: the parts of the network reachable within each threshold, buffered and unioned."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.ops import substring

from lifecircle.engine.counts import DEFAULT_THRESHOLDS_S, check_thresholds
from lifecircle.engine.graph import Graph, Points, enter_legs, leave_legs, pair_position
from lifecircle.engine.kernels import reach_from
from lifecircle.errors import LifecircleInputError


def _intervals(g: Graph, dist: np.ndarray, T: float, outward: bool) -> dict[int, list[tuple[float, float]]]:
    """Reached stretches of each undirected edge (fractions along its lower-id edge) within cost ``T``."""
    # walking from the source an edge u→v is covered from u onward; walking to the source it is covered from v
    # backward (a walker at s reaches v in (1 − s)·cost)
    start = g.u if outward else g.v
    d0 = dist[g.rank[start]]  # dist is indexed by internal node ids
    ok = d0 <= T
    e = np.flatnonzero(ok)
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(g.cost[e] > 0, (T - d0[e]) / g.cost[e], np.inf)
    reach = np.minimum(reach, 1.0)
    out: dict[int, list[tuple[float, float]]] = {}
    for ei, r in zip(e.tolist(), reach.tolist()):
        lo, hi = (0.0, r) if outward else (1.0 - r, 1.0)
        p = int(g.pair[ei])
        if p != ei:
            lo, hi = 1.0 - hi, 1.0 - lo
        out.setdefault(p, []).append((lo, hi))
    return out


def _merge(iv: list[tuple[float, float]]) -> list[tuple[float, float]]:
    iv = sorted(iv)
    merged = [list(iv[0])]
    for lo, hi in iv[1:]:
        if lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(a, b) for a, b in merged]


def isochrones(net_or_graph, sources: Points, thresholds=DEFAULT_THRESHOLDS_S, width: float = 25.0,
               weight: str = "time_s", direction: str = "from") -> gpd.GeoDataFrame:
    """Polygons of the area reachable from (or reaching) each source within each threshold.

    For every source and threshold, the reached parts of edges — partial edges cut with
    :func:`shapely.ops.substring` on the edge geometry — are buffered by ``width`` metres and unioned.

    Parameters
    ----------
    net_or_graph
        A :class:`~lifecircle.network.model.WalkNetwork`, or a :class:`Graph` built from one (it keeps ``.net``).
    sources
        Points on the network (origins or facilities); their access legs count.
    thresholds
        Costs in the graph's unit (seconds: 300, 600, 900 by default).
    width
        Buffer half-width in metres around reached network lines.
    weight
        ``"time_s"`` or ``"length_m"`` when a WalkNetwork is given.
    direction
        ``"from"``: where one can walk to from the source; ``"to"``: from where one can walk to the source.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``source`` (index into ``sources``), ``threshold``, ``geometry`` (Polygon/MultiPolygon, empty when
        nothing is reached), in the network's CRS.
    """
    from lifecircle.network.model import WalkNetwork

    if isinstance(net_or_graph, WalkNetwork):
        g = Graph.from_network(net_or_graph, weight=weight)
    elif isinstance(net_or_graph, Graph) and net_or_graph.net is not None:
        g = net_or_graph
    else:
        raise LifecircleInputError("isochrones need edge geometries: pass a WalkNetwork or a Graph.from_network(net).")
    if direction not in ("from", "to"):
        raise LifecircleInputError(f"direction must be 'from' or 'to', got {direction!r}.")
    if not (np.isfinite(width) and width > 0):
        raise LifecircleInputError(f"width must be a positive number of metres, got {width!r}.")
    sources.check_on(g, "sources")
    thr = check_thresholds(thresholds)
    outward = direction == "from"
    geoms = g.net.edges.geometry.to_numpy()
    s_pair, s_pos = pair_position(g, sources)
    if outward:
        legs = leave_legs(g, sources)
        indptr, nbr, cost = g.out_indptr, g.out_to, g.out_cost
    else:
        legs = enter_legs(g, sources)
        indptr, nbr, cost = g.in_indptr, g.in_from, g.in_cost
    rows = []
    for i in range(len(sources)):
        na, ca, nb, cb = (np.array([x[i]]) for x in legs)
        dist = np.full(g.n_nodes, np.inf)
        reach_from(indptr, nbr, cost, g.n_nodes, np.concatenate([na, nb]), np.concatenate([ca, cb]), thr.max(), dist)
        k = int(s_pair[i])
        s = float(s_pos[i])
        fwd, back = g.cost[k], (g.cost[g.rev[k]] if g.rev[k] >= 0 else np.inf)
        for T in thr:
            iv = _intervals(g, dist, float(T), outward)
            budget = T - sources.access[i]
            if budget >= 0:  # the source's own edge, walked straight from the source (either way allowed)
                own = iv.setdefault(k, [])
                ahead = 1.0 if fwd == 0 else min(1.0, budget / fwd) if np.isfinite(fwd) else 0.0
                behind = 1.0 if back == 0 else min(1.0, budget / back) if np.isfinite(back) else 0.0
                if outward:  # forward along k costs fwd per unit, backward costs back
                    own.append((s, min(1.0, s + ahead)))
                    own.append((max(0.0, s - behind), s))
                else:  # a walker behind the source walks forward to it, one ahead walks backward
                    own.append((max(0.0, s - ahead), s))
                    own.append((s, min(1.0, s + behind)))
            parts = []
            for p, ivs in iv.items():
                line = geoms[p]
                for lo, hi in _merge(ivs):
                    parts.append(line if (lo <= 0.0 and hi >= 1.0) else substring(line, lo, hi, normalized=True))
            if parts:
                poly = shapely.union_all(shapely.buffer(np.array(parts, dtype=object), width))
            else:
                poly = shapely.Polygon()
            rows.append((i, float(T), poly))
    return gpd.GeoDataFrame(
        {"source": [r[0] for r in rows], "threshold": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs=g.net.crs,
    )
