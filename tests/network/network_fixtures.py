"""Hand-made inputs for the network tests: tiny OSM XML files and synthetic DEM GeoTIFFs."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

#: The UTM zone the tiny Finnish-latitude files fall in (lon ≈ 25.2 E → zone 35), as metric_crs_for will choose.
UTM35 = "EPSG:32635"


def write_osm_xml(path: Path, nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict[str, str]]]) -> Path:
    """Write an OSM XML file: ``nodes`` maps id → (lon, lat); ``ways`` are (id, node ids, tags)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="lifecircle-tests">']
    for nid, (lon, lat) in sorted(nodes.items()):
        lines.append(f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def grid_lonlat(k: int) -> tuple[float, float]:
    """Distinct positions for the rule-test nodes: a 0.001° grid near 25.0 E, 60.0 N (≈ 56 m × 111 m cells)."""
    return 25.0 + (k % 10) * 0.001, 60.0 + (k // 10) * 0.001


def utm_to_lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = Transformer.from_crs(UTM35, "EPSG:4326", always_xy=True).transform(x, y)
    return float(lon), float(lat)


def write_dem(path: Path, z_of_x, x0: float, y_top: float, ncols: int, nrows: int, pixel_m: float = 10.0,
              crs: str = UTM35, nodata: float | None = None) -> Path:
    """Write a float32 GeoTIFF whose pixel (row, col) holds ``z_of_x(x_centre)`` (terrain varying only with x)."""
    xc = x0 + (np.arange(ncols) + 0.5) * pixel_m
    row = np.asarray(z_of_x(xc), dtype=np.float32)
    data = np.tile(row, (nrows, 1))
    with rasterio.open(
        path, "w", driver="GTiff", width=ncols, height=nrows, count=1, dtype="float32", crs=crs,
        transform=from_origin(x0, y_top, pixel_m, pixel_m), nodata=nodata,
    ) as dst:
        dst.write(data, 1)
    return path
