"""Writing a results folder: every file staged, published together only when the whole job succeeded.

:func:`write_results` opens a staged folder (:mod:`lifecircle.results.staging`); :class:`ResultsWriter` writes each
file of the schema (``docs/outputs.md``) under its fixed name, so ``assess``, ``scenario`` and the batch runner
write the same folder the same way.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from lifecircle.network.io import save_network
from lifecircle.network.model import WalkNetwork
from lifecircle.results.folder import (
    AREAS_FILE,
    FACILITIES_FILE,
    GAPS_FILE,
    GPKG_FILE,
    HOMES_FILE,
    INDICATORS_FILE,
    INDICATORS_XLSX_FILE,
    RUN_FILE,
    UNSNAPPED_FILE,
    ResultsFolder,
    RunRecord,
)
from lifecircle.results.staging import StagedFolder, sha256_of, staged_results


def input_record(paths: dict[str, Path | None]) -> dict[str, dict[str, str]]:
    """``run.json`` ``inputs``: each named input file's absolute path and SHA-256 (absent ones left out)."""
    return {k: {"path": str(Path(p).resolve()), "sha256": sha256_of(p)} for k, p in paths.items() if p is not None}


def single_geometry(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame without its extra geometry columns (``footprint``): a GeoPackage layer holds one geometry."""
    extra = [c for c in frame.columns
             if c != frame.geometry.name and isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
    return frame.drop(columns=extra)


class ResultsWriter:
    """Writes the files of one results folder into its staging folder (see :func:`write_results`)."""

    def __init__(self, stage: StagedFolder) -> None:
        self.stage = stage

    @property
    def staging(self) -> Path:
        """The staging folder (readers of the target never see it)."""
        return self.stage.staging

    def path(self, name: str) -> Path:
        """Where file ``name`` is staged."""
        return self.stage.path(name)

    def layer(self, frame: pd.DataFrame, name: str) -> Path:
        """A (Geo)Parquet layer."""
        return self.stage.write_parquet(frame, name)

    def table(self, frame: pd.DataFrame, name: str = INDICATORS_FILE) -> Path:
        """A CSV table (UTF-8, no index)."""
        p = self.path(name)
        frame.to_csv(p, index=False)
        return p

    def workbook(self, indicators: pd.DataFrame, study_area: str = "") -> Path:
        """``indicators.xlsx``: the indicator table as a printable workbook (:mod:`lifecircle.results.excel`)."""
        from lifecircle.results.excel import write_indicator_workbook

        return write_indicator_workbook(indicators, self.path(INDICATORS_XLSX_FILE), study_area)

    def json(self, obj: dict[str, Any], name: str) -> Path:
        """A JSON document."""
        return self.stage.write_json(obj, name)

    def run(self, record: RunRecord) -> Path:
        """``run.json``."""
        return self.json(record.to_json(), RUN_FILE)

    def network(self, net: WalkNetwork) -> None:
        """``network_nodes.parquet``, ``network_edges.parquet`` and ``network_meta.json``."""
        save_network(net, self.staging)

    def copy(self, source: ResultsFolder, names: Sequence[str]) -> None:
        """Copy files that stay as they are from another results folder (those it holds)."""
        for name in names:
            if source.has(name):
                shutil.copy2(source.file(name), self.path(name))

    def outputs(self, net: WalkNetwork, homes: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                indicators: pd.DataFrame, unsnapped: gpd.GeoDataFrame | None, areas: gpd.GeoDataFrame | None,
                gaps: gpd.GeoDataFrame | None, record: RunRecord) -> None:
        """Every data file of a results folder: network, homes, facilities, unsnapped points, sub-areas, gaps,
        ``indicators.csv`` and ``indicators.xlsx``, the GeoPackage of all layers and ``run.json`` (the report is
        built from these)."""
        self.network(net)
        self.layer(facilities, FACILITIES_FILE)
        self.layer(homes, HOMES_FILE)
        layers: list[tuple[str, gpd.GeoDataFrame]] = [("facilities", facilities), ("homes", homes)]
        if unsnapped is not None:
            self.layer(unsnapped, UNSNAPPED_FILE)
            layers.append(("unsnapped", unsnapped))
        if areas is not None:
            self.layer(areas, AREAS_FILE)
            layers.append(("areas", areas))
        if gaps is not None and len(gaps):
            self.layer(gaps, GAPS_FILE)
            layers.append(("gaps", gaps))
        self.table(indicators, INDICATORS_FILE)
        self.workbook(indicators, record.study_area)
        gpkg = self.path(GPKG_FILE)
        net.edges.to_file(gpkg, layer="network_edges", driver="GPKG")
        for name, frame in layers:
            if len(frame):
                single_geometry(frame).to_file(gpkg, layer=name, driver="GPKG")
        self.run(record)


@contextmanager
def write_results(target: str | os.PathLike[str]) -> Iterator[ResultsWriter]:
    """Stage a folder's files and publish them into ``target`` only if the block finishes without an exception
    (an error or Ctrl-C removes the staging folder; ``target`` keeps what it had)."""
    with staged_results(target) as stage:
        yield ResultsWriter(stage)
