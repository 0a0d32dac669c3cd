"""Read a finished run's results folder back into memory: the network, the snapped homes and facilities, the run's
profiles, sub-areas and walking profile (what a scenario needs to recompute walking times and indicators)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from lifecircle import engine
from lifecircle.errors import LifecircleInputError
from lifecircle.indicators import load_profile
from lifecircle.indicators.table import IndicatorTable, gap_table
from lifecircle.network.model import WalkNetwork
from lifecircle.points.snapping import EdgeIndex
from lifecircle.results.folder import FOR_SCENARIO, ResultsFolder, RunRecord


@dataclass
class Results:
    """A run's results as a scenario reads them.

    Attributes
    ----------
    folder
        The results folder.
    network
        The walking network (:func:`lifecircle.network.io.load_network`); ``time_s`` in seconds under ``walk_profile``.
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
    area_id_column
        The id column of the sub-area polygons.
    record
        ``run.json`` as a :class:`~lifecircle.results.folder.RunRecord`.
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
    area_id_column: str = "id"
    record: RunRecord = field(default_factory=RunRecord)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def loaded_profiles(self) -> list:
        """The indicator profiles (:class:`lifecircle.indicators.profiles.Profile`), loaded once."""
        key = ("profiles", self.profiles)
        if key not in self._cache:
            self._cache[key] = [load_profile(p) for p in self.profiles]
        return self._cache[key]

    def indicator_table(self) -> IndicatorTable:
        """Every indicator of the run recomputed from :attr:`homes` with the run's profiles and sub-areas, kept with
        the arrays it was computed from (:class:`~lifecircle.indicators.table.IndicatorTable`: a scenario updates
        only the indicators its changes touch); made once per :class:`Results` (many scenarios on one run share it),
        so do not change :attr:`homes` in place after calling it."""
        key = ("indicators", self.profiles, self.areas)
        if key not in self._cache:
            self._cache[key] = IndicatorTable(self.homes, self.loaded_profiles(), self.areas, self.denominator,
                                              self.area_id_column)
        table: IndicatorTable = self._cache[key]
        return table

    def indicators(self):
        """Every indicator of the run (rows of ``indicators.csv``), a copy of :meth:`indicator_table`'s frame."""
        return self.indicator_table().frame.copy()

    def graph(self, weight: str = "time_s") -> engine.Graph:
        """The engine's graph of :attr:`network` weighted by ``time_s`` (seconds) or ``length_m`` (metres), made once."""
        key = ("graph", weight)
        if key not in self._cache:
            self._cache[key] = engine.Graph.from_network(self.network, weight=weight)
        graph: engine.Graph = self._cache[key]
        return graph

    def edge_index(self) -> EdgeIndex:
        """The spatial index of :attr:`network`'s edges that added facilities are snapped with, made once."""
        if "edge_index" not in self._cache:
            self._cache["edge_index"] = EdgeIndex.of(self.network)
        index: EdgeIndex = self._cache["edge_index"]
        return index

    def gaps(self, homes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The gap areas of ``homes`` (the homes of this run, or of a scenario on it) for the run's profiles, with the
        run's denominator."""
        return gap_table(homes, self.loaded_profiles(), self.denominator)


def load_results(results_dir: str | Path | ResultsFolder) -> Results:
    """Load the results folder written by ``lifecircle assess`` / ``lifecircle demo`` (or by a scenario).

    Raises
    ------
    LifecircleInputError
        The folder does not exist, lacks one of the files a scenario needs, or one of them is damaged or foreign.
    """
    folder = results_dir if isinstance(results_dir, ResultsFolder) else ResultsFolder(results_dir, need=FOR_SCENARIO)
    record = folder.run
    if not record.profile_names:
        raise LifecircleInputError(f"'{folder.file('run.json')}' names no indicator profile; run the assessment again.")
    net = folder.network()
    return Results(
        folder=folder.path,
        network=net,
        homes=folder.homes(snapped=True),
        facilities=folder.facilities(snapped=True),
        run=record.to_json(),
        profiles=record.profile_names,
        areas=record.areas,
        walk_profile=record.walk_profile or net.walk_profile,
        snap_max_m=record.snap_max_m,
        denominator=record.denominator,
        area_id_column=record.area_id_column,
        record=record,
    )
