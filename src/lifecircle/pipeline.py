"""The main job: from map data to a results folder (network, facilities, homes with walking times, indicators, report).

One function, :func:`assess`, runs the steps in order. Each step is a call into the module that owns it; this module
only validates inputs, passes frames between steps and writes the results folder (schema: ``docs/outputs.md``).
"""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

import lifecircle
from lifecircle import engine
from lifecircle.errors import LifecircleInputError
from lifecircle.network import SnappedPoints, WalkNetwork
from lifecircle.progress import Steps
from lifecircle.results import sha256_of, staged_results

OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL 1.0)"


@dataclass
class AssessConfig:
    """Everything a run needs. Paths are the user's files; ``out`` is the results folder.

    Either ``osm`` (an .osm.pbf / .osm file giving network, facilities and homes) or the three user layers
    (``network``, ``facilities``, ``homes``); a user layer overrides what OSM would give.
    """

    out: Path
    osm: Path | None = None
    network: Path | None = None
    facilities: Path | None = None
    homes: Path | None = None
    boundary: Path | None = None
    areas: str | None = None
    population: Path | None = None
    population_column: str | None = None
    dem: Path | None = None
    profiles: tuple[str, ...] = ("cn-health-check",)
    walk_profile: str = "planning"
    snap_max_m: float = 200.0
    coords: str = "wgs84"
    study_area: str = ""
    extra: dict = field(default_factory=dict)

    def input_files(self) -> dict[str, Path]:
        named = {
            "osm": self.osm,
            "network": self.network,
            "facilities": self.facilities,
            "homes": self.homes,
            "boundary": self.boundary,
            "population": self.population,
            "dem": self.dem,
        }
        if self.areas and not str(self.areas).startswith(("h3:", "grid:")):
            named["areas"] = Path(self.areas)
        for p in self.profiles:
            if Path(p).suffix.lower() == ".toml":
                named[f"profile:{p}"] = Path(p)
        return {k: Path(v) for k, v in named.items() if v is not None}


def _validate(cfg: AssessConfig) -> None:
    if cfg.osm is None and (cfg.network is None or cfg.facilities is None or cfg.homes is None):
        raise LifecircleInputError(
            "No input map data. Give an OpenStreetMap file with --osm FILE.osm.pbf, or all three of your own layers "
            "with --network LINES --facilities POINTS --homes POINTS_OR_POLYGONS."
        )
    for name, path in cfg.input_files().items():
        if not path.exists():
            raise LifecircleInputError(f"The {name} input '{path}' does not exist. Check the path (it is read as given, relative to {Path.cwd()}).")
        if path.is_dir():
            raise LifecircleInputError(f"The {name} input '{path}' is a folder; give a file.")
    if cfg.out.exists() and not cfg.out.is_dir():
        raise LifecircleInputError(f"The output '{cfg.out}' exists and is not a folder; choose another --out.")
    if cfg.snap_max_m <= 0:
        raise LifecircleInputError(f"--snap-max must be a positive distance in metres, got {cfg.snap_max_m}.")
