"""The walking network: a directed pedestrian graph in a metric CRS, built from OpenStreetMap or the user's lines.

* :mod:`~lifecircle.network.model` — :class:`WalkNetwork` and :class:`SnappedPoints`, the data contracts;
* :mod:`~lifecircle.network.osm` — the walkable ways of an OSM file (access rules);
* :mod:`~lifecircle.network.lines` — the user's own line layer;
* :mod:`~lifecircle.network.build` — the shared build: splitting ways, directed edges, walking times;
* :mod:`~lifecircle.network.walking` — walking profiles, stairs and Tobler's slope model;
* :mod:`~lifecircle.network.elevation` — sampling a DEM along edges;
* :mod:`~lifecircle.network.crs` — the metric CRS of a study area;
* :mod:`~lifecircle.network.io` — network files of a results folder.
"""

from lifecircle.network.io import export_gpkg, load_network, save_network
from lifecircle.network.lines import network_from_lines
from lifecircle.network.model import EDGE_COLUMNS, NODE_COLUMNS, POINT_COLUMNS, SnappedPoints, WalkNetwork
from lifecircle.network.osm import read_walk_network

__all__ = [
    "EDGE_COLUMNS",
    "NODE_COLUMNS",
    "POINT_COLUMNS",
    "SnappedPoints",
    "WalkNetwork",
    "export_gpkg",
    "load_network",
    "network_from_lines",
    "read_walk_network",
    "save_network",
]
