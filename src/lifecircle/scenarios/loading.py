"""Read a finished run's results folder back into memory: the network, the snapped homes and facilities, the run's
profiles, sub-areas and walking profile (what a scenario needs to recompute walking times and indicators)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from lifecircle.errors import LifecircleInputError
from lifecircle.network import POINT_COLUMNS, WalkNetwork

#: Files :func:`load_results` reads from a results folder (schema: ``docs/outputs.md``).
NEEDED_FILES = ("run.json", "homes.parquet", "facilities.parquet", "network_nodes.parquet", "network_edges.parquet",
                "network_meta.json")


@dataclass
class Results:
    """A run's results as a scenario reads them.

    Attributes
    ----------
    folder
        The results folder.
    network
        The walking network (:func:`lifecircle.io.load_network`); ``time_s`` in seconds under ``walk_profile``.
    homes
        ``homes.parquet``: snapped homes (``edge_id``, ``edge_frac``, ``access_m`` metres, ``access_s`` seconds,
        ``population`` people) with the run's ``t_<c>`` (seconds), ``f_<c>``, ``d_<c>`` (metres), ``r_<c>`` (metres).
    facilities
        ``facilities.parquet``: snapped facilities (``id``, ``category``, ``name``, ``capacity``...).
    run
        ``run.json`` as a dict.
    profiles
        The indicator profiles as the run was given them (names or TOML paths).
    areas
        The run's sub-areas parameter (``"grid:500"``, ``"h3:8"``, a polygon file, or None).
    walk_profile
        The walking profile ``time_s`` was computed with.
    snap_max_m
        The run's snapping distance, metres (used to place added facilities).
    denominator
        The denominator the run asked for (``--denominator``), or None for each profile's own (with the pipeline's
        fallback to population for homes without area).
    """

    folder: Path
    network: WalkNetwork
    homes: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    run: dict = field(default_factory=dict)
    profiles: tuple[str, ...] = ()
    areas: str | None = None
    walk_profile: str = "planning"
    snap_max_m: float = 200.0
    denominator: str | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def loaded_profiles(self) -> list:
        """The indicator profiles (:class:`lifecircle.indicators.profiles.Profile`), loaded once."""
        from lifecircle.indicators import load_profile

        key = ("profiles", self.profiles)
        if key not in self._cache:
            self._cache[key] = [load_profile(p) for p in self.profiles]
        return self._cache[key]

    def indicators(self):
        """Every indicator of the run (rows of ``indicators.csv``) recomputed from :attr:`homes` with the run's
        profiles and sub-areas; computed once per :class:`Results` (many scenarios on one run share it), so do not
        change :attr:`homes` in place after calling it."""
        from lifecircle.pipeline import indicator_table

        key = ("indicators", self.profiles, self.areas)
        if key not in self._cache:
            self._cache[key] = indicator_table(self.homes, self.loaded_profiles(), self.areas, self.denominator)
        return self._cache[key].copy()


def load_results(results_dir: str | Path) -> Results:
    """Load the results folder written by ``lifecircle assess`` / ``lifecircle demo`` (or by a scenario).

    Raises
    ------
    LifecircleInputError
        The folder does not exist or lacks one of :data:`NEEDED_FILES`, or a layer lacks its snapping columns.
    """
    from lifecircle.io import load_network

    folder = Path(results_dir)
    if not folder.is_dir():
        raise LifecircleInputError(f"'{folder}' is not a folder. Give the --out folder of a finished 'lifecircle assess' run.")
    missing = [n for n in NEEDED_FILES if not (folder / n).is_file()]
    if missing:
        raise LifecircleInputError(
            f"'{folder}' is not a complete results folder: {', '.join(missing)} missing. Give the --out folder of a "
            "finished 'lifecircle assess' run (or run it again)."
        )
    try:
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LifecircleInputError(f"'{folder / 'run.json'}' is not valid JSON ({exc}); run the assessment again.") from exc
    net = load_network(folder)
    homes = gpd.read_parquet(folder / "homes.parquet")
    facilities = gpd.read_parquet(folder / "facilities.parquet")
    for what, frame, cols in (("homes", homes, (*POINT_COLUMNS, "population")), ("facilities", facilities, (*POINT_COLUMNS, "id", "category"))):
        lacking = [c for c in cols if c not in frame.columns]
        if lacking:
            raise LifecircleInputError(f"{what}.parquet in '{folder}' lacks the columns {lacking}; run the assessment again.")
    facilities["id"] = facilities["id"].astype(str)
    params = run.get("parameters", {})
    inputs = run.get("inputs", {})

    def as_recorded(name: str, given):
        """A user file as the run read it (its absolute path from run.json's inputs), else as given."""
        path = (inputs.get(name) or {}).get("path")
        return path if path and Path(path).is_file() else given

    profiles = tuple(as_recorded(f"profile:{p}", p) for p in (params.get("profiles") or run.get("profiles") or ()))
    areas = params.get("areas")
    if areas and not str(areas).startswith(("h3:", "grid:")):
        areas = as_recorded("areas", areas)
    if not profiles:
        raise LifecircleInputError(f"'{folder / 'run.json'}' names no indicator profile; run the assessment again.")
    return Results(
        folder=folder,
        network=net,
        homes=homes,
        facilities=facilities,
        run=run,
        profiles=profiles,
        areas=areas,
        walk_profile=run.get("walk_profile") or net.walk_profile,
        snap_max_m=float(params.get("snap_max_m") or 200.0),
        denominator=params.get("denominator"),
    )

