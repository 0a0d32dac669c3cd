"""Facilities and homes: read from OpenStreetMap or the user's layers, placed on the walking network.

* :mod:`~lifecircle.points.categories` — the facility category catalogue (stable ids, zh/en names);
* :mod:`~lifecircle.points.features` — facilities, buildings and residential land from an OSM file;
* :mod:`~lifecircle.points.homes` — homes (origins) and their population;
* :mod:`~lifecircle.points.layers` — the user's GIS layers and CSV tables, in any CRS;
* :mod:`~lifecircle.points.coords` — GCJ-02 / BD-09 web-map coordinates to WGS-84;
* :mod:`~lifecircle.points.snapping` — points onto the nearest network edge, polygon gates.
"""

from lifecircle.points.categories import Category, category_catalogue, known_categories
from lifecircle.points.features import facilities_from_layer, read_buildings, read_facilities
from lifecircle.points.homes import assign_population, homes_from_layer, homes_from_osm
from lifecircle.points.layers import read_layer
from lifecircle.points.snapping import snap_points

__all__ = [
    "Category",
    "assign_population",
    "category_catalogue",
    "facilities_from_layer",
    "homes_from_layer",
    "homes_from_osm",
    "known_categories",
    "read_buildings",
    "read_facilities",
    "read_layer",
    "snap_points",
]
