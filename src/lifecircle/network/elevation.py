"""Terrain from a DEM GeoTIFF: node elevations and per-direction flat-equivalent lengths of network edges.

How elevations are assigned (documented choices):

* **Ground edges** are sampled every ≤ ``sample_spacing_m`` metres (default 30 m, one SRTM pixel) along their geometry;
  elevation at a point is the *bilinear* interpolation of the four surrounding pixel centres (nearest-pixel sampling
  would make a 30 m staircase of fake slopes). Points are reprojected to the raster's CRS first.
* **Structures** — ``bridge``, ``tunnel`` (except ``tunnel=building_passage``, which is at ground level), a non-zero
  ``layer``, and ``highway=elevator`` — do not follow the terrain. Their nodes that touch no ground edge get the
  elevation that interpolates linearly along the structure between the ground nodes where it lands (a harmonic
  interpolation on the structure's sub-network; on a simple bridge this is exactly linear in distance), and each
  structure edge gets a constant slope ``(z_v − z_u) / length``. A bridge over a 60 m-deep valley thus stays level
  instead of diving into it. An elevator is treated the same way (its time is not a walking-slope problem).
* **Outside the raster** (or on nodata): the point's elevation is NaN; an edge with any NaN sample keeps flat-ground
  time (``flat_equiv_m = length_m``) and is counted in the report (``meta["elevation"]``). The Yuzhong DEM is smaller
  than the network's bounding box, so this matters.
* Slopes beyond ``±max_abs_slope`` are clamped (a 30 m DEM mixes cliffs into streets that run along them).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import rasterio
import rasterio.windows
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from scipy.sparse import coo_matrix, diags
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import spsolve

from lifecircle.errors import LifecircleInputError
from lifecircle.network.walking import SlopeModel


@dataclass
class Dem:
    """A window of a DEM in memory.

    Attributes
    ----------
    path
        The GeoTIFF it came from.
    crs
        The raster's CRS.
    z
        Elevations, metres, float64, NaN on nodata; shape (rows, cols).
    inverse_transform
        Affine map from raster-CRS (x, y) to fractional (col, row) of the window's pixel *corners*.
    """

    path: Path
    crs: CRS
    z: np.ndarray
    inverse_transform: Affine

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Bilinear elevation (metres) at raster-CRS coordinates; NaN outside the window or next to nodata."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        t = self.inverse_transform
        col = t.a * x + t.b * y + t.c
        row = t.d * x + t.e * y + t.f
        nrow, ncol = self.z.shape
        inside = (col >= 0) & (col <= ncol) & (row >= 0) & (row <= nrow)
        # Fractional position among pixel centres; the outer half-pixel ring takes the edge pixel's value.
        fc = np.clip(col - 0.5, 0, ncol - 1)
        fr = np.clip(row - 0.5, 0, nrow - 1)
        c0 = np.minimum(np.floor(fc).astype(np.int64), max(ncol - 2, 0))
        r0 = np.minimum(np.floor(fr).astype(np.int64), max(nrow - 2, 0))
        c1 = np.minimum(c0 + 1, ncol - 1)
        r1 = np.minimum(r0 + 1, nrow - 1)
        tc = fc - c0
        tr = fr - r0
        z = self.z
        top = z[r0, c0] * (1 - tc) + z[r0, c1] * tc
        bottom = z[r1, c0] * (1 - tc) + z[r1, c1] * tc
        out = top * (1 - tr) + bottom * tr
        return np.where(inside, out, np.nan)


@lru_cache(maxsize=16)
def _transformer(src: str, dst: str) -> Transformer:
    """Cached pyproj transformer (building one costs tens of milliseconds of PROJ database look-ups)."""
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def read_dem(path: str | Path, x: np.ndarray | None = None, y: np.ndarray | None = None, crs: str = "EPSG:4326") -> Dem:
    """Open a DEM GeoTIFF with rasterio and read band 1 (metres), limited to the window around the points ``x``,
    ``y`` (in ``crs``; default WGS-84 lon/lat).

    Raises
    ------
    LifecircleInputError
        Missing or unreadable file, no CRS, or no overlap at all with the given points.
    """
    p = Path(path)
    if not p.is_file():
        raise LifecircleInputError(f"DEM file '{p}' does not exist. Give a GeoTIFF of terrain elevations in metres (e.g. SRTM 30 m).")
    try:
        src = rasterio.open(p)
    except rasterio.errors.RasterioIOError as exc:
        raise LifecircleInputError(f"DEM file '{p}' cannot be read as a raster ({exc}). Give a GeoTIFF of elevations in metres.") from exc
    with src:
        if src.crs is None:
            raise LifecircleInputError(f"DEM file '{p}' has no CRS. Assign one, e.g. gdal_edit.py -a_srs EPSG:32648 '{p}'.")
        dem_crs = CRS.from_user_input(src.crs.to_wkt())
        window = rasterio.windows.Window(0, 0, src.width, src.height)
        if x is not None and len(x):
            dx, dy = _transformer(CRS.from_user_input(crs).to_wkt(), dem_crs.to_wkt()).transform(np.asarray(x), np.asarray(y))
            want = rasterio.windows.from_bounds(np.min(dx), np.min(dy), np.max(dx), np.max(dy), src.transform)
            want = rasterio.windows.Window(want.col_off - 2, want.row_off - 2, want.width + 4, want.height + 4)
            try:
                window = want.round_offsets().round_lengths().intersection(window)
            except rasterio.errors.WindowError as exc:
                raise LifecircleInputError(
                    f"DEM file '{p}' does not overlap the network at all (raster bounds {tuple(round(b) for b in src.bounds)} in "
                    f"{dem_crs.to_string()}). Give a DEM covering the study area."
                ) from exc
        data = src.read(1, window=window, masked=True).astype(np.float64).filled(np.nan)
        transform = src.window_transform(window)
    return Dem(path=p, crs=dem_crs, z=data, inverse_transform=~transform)


def _is_structure(edges) -> np.ndarray:
    """Edges that do not follow the terrain: bridges, tunnels (not building passages), non-zero layer, elevators."""
    def tag(name):
        return edges[name].fillna("no").astype(str).to_numpy() if name in edges else np.full(len(edges), "no")

    bridge = tag("bridge")
    tunnel = tag("tunnel")
    layer = edges["layer"] if "layer" in edges else None
    lay = np.zeros(len(edges), bool)
    if layer is not None:
        num = np.array([_float_or_zero(v) for v in layer], dtype=np.float64)
        lay = num != 0
    hw = edges["highway"].astype(str).to_numpy()
    return (bridge != "no") | ((tunnel != "no") & (tunnel != "building_passage")) | lay | (hw == "elevator")


def _float_or_zero(value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if np.isnan(v) else v


def _structure_node_z(n_nodes: int, u: np.ndarray, v: np.ndarray, length: np.ndarray, structure: np.ndarray,
                      ground_z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node elevations: DEM for nodes touching a ground edge; harmonic interpolation along structures for the rest.

    Returns ``(z, anchored)`` where ``anchored`` marks structure-only nodes whose value was interpolated.
    """
    z = ground_z.copy()
    on_ground = np.zeros(n_nodes, bool)
    on_ground[u[~structure]] = True
    on_ground[v[~structure]] = True
    on_struct = np.zeros(n_nodes, bool)
    on_struct[u[structure]] = True
    on_struct[v[structure]] = True
    unknown = on_struct & ~on_ground
    interpolated = np.zeros(n_nodes, bool)
    if not unknown.any():
        return z, interpolated
    su, sv = u[structure], v[structure]
    w = 1.0 / np.maximum(length[structure], 0.1)
    graph = coo_matrix((w, (su, sv)), shape=(n_nodes, n_nodes)).tocsr()
    graph = (graph + graph.T).tocsr()
    _, labels = connected_components(graph, directed=False)
    # A component is solvable when it lands on the ground somewhere and every landing has an elevation; floating
    # structures, or ones landing outside the DEM, keep the DEM value under them (or NaN).
    anchor = on_struct & ~unknown
    has_anchor = np.bincount(labels[anchor], minlength=labels.max() + 1) > 0
    nan_anchor = np.bincount(labels[anchor & np.isnan(z)], minlength=labels.max() + 1) > 0
    solve = unknown & has_anchor[labels] & ~nan_anchor[labels]
    if not solve.any():
        return z, interpolated
    # Harmonic interpolation: L_UU z_U = −L_UK z_K with L the weighted Laplacian of the structure graph.
    unk = np.flatnonzero(solve)
    known = np.flatnonzero(anchor)
    degree = np.asarray(graph.sum(axis=1)).ravel()
    l_uu = (diags(degree[unk]) - graph[unk][:, unk]).tocsc()
    rhs = graph[unk][:, known] @ z[known]
    z[unk] = np.atleast_1d(spsolve(l_uu, rhs))
    interpolated[unk] = True
    return z, interpolated


def edge_elevation(nodes, edges, crs: str, dem: Dem, slope: SlopeModel) -> tuple[dict, dict]:
    """Elevation-derived columns for *undirected* network pieces (one row per piece, geometry u→v in ``crs``).

    Parameters
    ----------
    nodes
        Frame with ``x``, ``y`` (metres in ``crs``), indexed 0..n−1.
    edges
        GeoDataFrame with ``u``, ``v``, ``length_m`` (metres), ``geometry`` and the structure tags.
    crs
        The metric CRS of the geometries.
    dem, slope
        The terrain and the slope model.

    Returns
    -------
    (columns, report)
        ``columns``: ``z`` per node (metres), and per piece ``flat_equiv_fwd_m``, ``flat_equiv_bwd_m`` (metres of flat
        ground taking as long as walking u→v, v→u), ``rise_m`` (z_v − z_u, metres), ``elev_source``
        ("dem", "structure" or "outside_dem"). ``report``: counts for ``meta["elevation"]``.
    """
    to_dem = _transformer(CRS.from_user_input(crs).to_wkt(), dem.crs.to_wkt())
    n = len(nodes)
    nx_, ny_ = to_dem.transform(nodes["x"].to_numpy(), nodes["y"].to_numpy())
    node_dem = dem.sample(nx_, ny_)
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    length = edges["length_m"].to_numpy(np.float64)
    structure = _is_structure(edges)
    z, interpolated = _structure_node_z(n, u, v, length, structure, node_dem)

    # Ground pieces: densify and sample; the end vertices take the node values (identical: both are the DEM there).
    geoms = shapely.segmentize(edges.geometry.to_numpy(), slope.sample_spacing_m)
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    sx, sy = to_dem.transform(coords[:, 0], coords[:, 1])
    zs = dem.sample(sx, sy)
    seg_len = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    same = which[1:] == which[:-1]
    seg_piece = which[:-1][same]
    seg_len = seg_len[same]
    seg_rise = np.diff(zs)[same]
    with np.errstate(invalid="ignore", divide="ignore"):
        seg_slope = np.where(seg_len > 0, seg_rise / np.where(seg_len > 0, seg_len, 1.0), 0.0)
    clamped = int(np.sum(np.abs(seg_slope[~np.isnan(seg_slope)]) > slope.max_abs_slope))
    fwd_terms = seg_len / slope.speed_ratio(seg_slope)
    bwd_terms = seg_len / slope.speed_ratio(-seg_slope)
    m = len(edges)
    fwd = np.bincount(seg_piece, weights=np.nan_to_num(fwd_terms, nan=0.0), minlength=m)
    bwd = np.bincount(seg_piece, weights=np.nan_to_num(bwd_terms, nan=0.0), minlength=m)
    has_nan = np.bincount(seg_piece, weights=np.isnan(seg_slope).astype(float), minlength=m) > 0
    has_nan |= np.isnan(z[u]) | np.isnan(z[v])
    rise = z[v] - z[u]

    # Structures: constant slope between their end nodes.
    with np.errstate(invalid="ignore", divide="ignore"):
        s_struct = np.where(length > 0, rise / np.where(length > 0, length, 1.0), 0.0)
    s_fwd = length / slope.speed_ratio(s_struct)
    s_bwd = length / slope.speed_ratio(-s_struct)
    fwd = np.where(structure, s_fwd, fwd)
    bwd = np.where(structure, s_bwd, bwd)

    outside = has_nan
    fwd = np.where(outside, length, fwd)
    bwd = np.where(outside, length, bwd)
    source = np.where(outside, "outside_dem", np.where(structure, "structure", "dem"))
    report = {
        "dem": str(dem.path),
        "dem_crs": dem.crs.to_string(),
        "sample_spacing_m": slope.sample_spacing_m,
        "max_abs_slope": slope.max_abs_slope,
        "nodes_outside_dem": int(np.isnan(z).sum()),
        "pieces_flat_fallback_outside_dem": int(outside.sum()),
        "pieces_structure_interpolated": int((structure & ~outside).sum()),
        "structure_nodes_interpolated": int(interpolated.sum()),
        "pieces_with_dem_slope": int((~structure & ~outside).sum()),
        "subsegments_slope_clamped": clamped,
    }
    return {"z": z, "flat_equiv_fwd_m": fwd, "flat_equiv_bwd_m": bwd, "rise_m": rise, "elev_source": source}, report
