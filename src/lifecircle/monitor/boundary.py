"""The study-area boundary that ledger coordinates are checked against (WGS-84 longitude/latitude, degrees), as read
from a file (:func:`lifecircle.network.boundary.read_boundary`) or stored in the store as WKT."""

from __future__ import annotations

import shapely
from shapely.geometry.base import BaseGeometry

from lifecircle.network.boundary import read_boundary

__all__ = ["boundary_from_wkt", "read_boundary"]


def boundary_from_wkt(wkt: str | None) -> BaseGeometry | None:
    """A boundary stored as WKT in the store, or None."""
    return shapely.from_wkt(wkt) if wkt else None
