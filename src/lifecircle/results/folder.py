"""The results folder: the one reader of a run's files, and the schema of ``run.json``.

Every command that reads a results folder (``scenario``, ``plan``, ``report``, ``monitor record``, the web
workspace and the batch runner) opens it as a :class:`ResultsFolder`. It knows which files a folder holds
(:data:`RESULT_FILES`), which columns each must have, and turns a missing, truncated or foreign file into a
:class:`~lifecircle.errors.LifecircleInputError` that names the file and says what to do, never a traceback.

``run.json`` is described by :class:`RunRecord` (schema: ``docs/outputs.md``); writing goes through
:mod:`lifecircle.results.writer`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.network.io import EDGES_FILE, META_FILE, NODES_FILE, load_network
from lifecircle.network.model import POINT_COLUMNS, WalkNetwork

#: Version of the ``run.json`` schema this package writes. Version 1 folders (no ``schema_version`` key) are read
#: too: their keys are a subset of version 2's.
RUN_SCHEMA_VERSION = 2

RUN_FILE = "run.json"
INDICATORS_FILE = "indicators.csv"
INDICATORS_XLSX_FILE = "indicators.xlsx"
HOMES_FILE = "homes.parquet"
FACILITIES_FILE = "facilities.parquet"
AREAS_FILE = "areas.parquet"
GAPS_FILE = "gaps.parquet"
UNSNAPPED_FILE = "unsnapped.parquet"
GPKG_FILE = "lifecircle.gpkg"
REPORT_FILE = "report.html"
COMPARISON_FILE = "comparison.csv"
SCENARIO_FILE = "scenario.json"


@dataclass(frozen=True)
class FileSpec:
    """One file of a results folder: what it holds and the columns a reader relies on."""

    name: str
    description: str
    columns: tuple[str, ...] = ()
    required: bool = True


#: The files of a results folder (``docs/outputs.md`` documents each column).
RESULT_FILES: dict[str, FileSpec] = {s.name: s for s in (
    FileSpec(RUN_FILE, "inputs with SHA-256, parameters, CRS, counts, versions, timings"),
    FileSpec(INDICATORS_FILE, "every indicator of every profile, whole area and sub-areas",
             ("profile", "indicator", "area", "value", "numerator", "denominator", "threshold", "threshold_kind",
              "source")),
    FileSpec(INDICATORS_XLSX_FILE, "indicators.csv as a printable workbook (Chinese and English headers)", (), False),
    FileSpec(HOMES_FILE, "snapped homes with walking columns", ("id", "population")),
    FileSpec(FACILITIES_FILE, "snapped facilities", ("id", "category")),
    FileSpec(NODES_FILE, "walking network nodes", ("node_id", "x", "y")),
    FileSpec(EDGES_FILE, "walking network directed edges", ("u", "v", "length_m")),
    FileSpec(META_FILE, "walking profile and CRS of the network"),
    FileSpec(UNSNAPPED_FILE, "homes and facilities too far from the network", ("kind", "id", "reason"), False),
    FileSpec(AREAS_FILE, "sub-area polygons", ("area_id",), False),
    FileSpec(GAPS_FILE, "uncovered homes grouped into ranked gap areas", ("indicator", "population"), False),
    FileSpec(GPKG_FILE, "the layers above in one GeoPackage", (), False),
    FileSpec(REPORT_FILE, "the committee report", (), False),
    FileSpec(COMPARISON_FILE, "a scenario's indicators before and after", (), False),
    FileSpec(SCENARIO_FILE, "a scenario's inputs", (), False),
)}

#: What each reader needs.
FOR_SCENARIO = (RUN_FILE, HOMES_FILE, FACILITIES_FILE, NODES_FILE, EDGES_FILE, META_FILE)
FOR_REPORT = (RUN_FILE, INDICATORS_FILE, HOMES_FILE, FACILITIES_FILE, EDGES_FILE)
FOR_RECORD = (RUN_FILE, INDICATORS_FILE)

_NUMERIC_INDICATOR_COLUMNS = ("value", "numerator", "denominator", "threshold", "target")
_AREA_PARAMETERS = ("h3:", "grid:")


@dataclass
class RunRecord:
    """``run.json``: what a run read, how, and what it counted (schema version :data:`RUN_SCHEMA_VERSION`).

    Attributes
    ----------
    created
        When the run finished, ISO 8601 UTC.
    study_area
        The study area's name (``--name``).
    inputs
        Input name (``osm``, ``facilities``, ``profile:<file>``...) → ``{"path": absolute path, "sha256": hex}``.
    parameters
        Every option of the run (``profiles``, ``areas``, ``denominator``, ``snap_max_m`` metres, ``out``...).
    profiles
        Ids of the indicator profiles computed.
    walk_profile
        The walking profile of the network's ``time_s`` (``planning``, ``elderly``...).
    crs
        The metric CRS of every layer.
    counts
        Nodes, edges, homes, facilities (per category), population (people), unsnapped points, notes.
    network
        The network build's metadata (DEM use, stairs, dropped pieces).
    versions
        Python and library versions.
    timings_s
        Seconds per step.
    attribution
        Data licences to show with any output.
    facility_sources
        Per category, where its facilities came from (``osm``, ``user``).
    data_warnings
        Problems of the input data a reader must see (categories with no facility...), as sentences.
    scenario
        For a scenario's folder: its plan (``scenario.json``); None for a run.
    schema_version
        :data:`RUN_SCHEMA_VERSION` when written; 1 for folders written before versioning.
    """

    created: str = ""
    study_area: str = ""
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    profiles: list[str] = field(default_factory=list)
    walk_profile: str = "planning"
    crs: str = ""
    counts: dict[str, Any] = field(default_factory=dict)
    network: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    attribution: list[str] = field(default_factory=list)
    facility_sources: dict[str, str] = field(default_factory=dict)
    data_warnings: list[str] = field(default_factory=list)
    scenario: dict[str, Any] | None = None
    schema_version: int = RUN_SCHEMA_VERSION

    @staticmethod
    def now() -> str:
        """The current time as ``created`` holds it."""
        return datetime.now(UTC).isoformat(timespec="seconds")

    def to_json(self) -> dict[str, Any]:
        """The record as written to ``run.json``."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if out["scenario"] is None:
            del out["scenario"]
        return out

    @classmethod
    def from_json(cls, raw: Any, path: Path) -> RunRecord:
        """Parse ``run.json`` content; unknown keys are ignored, wrong types are refused naming the key."""
        if not isinstance(raw, dict):
            raise LifecircleInputError(f"{path} must hold a JSON object (the run's record), not {type(raw).__name__}; "
                                       "rerun the assessment to rewrite it.")
        version = raw.get("schema_version", 1)
        if not isinstance(version, int) or version > RUN_SCHEMA_VERSION:
            raise LifecircleInputError(
                f"{path} has schema_version {version!r}, newer than this lifecircle reads ({RUN_SCHEMA_VERSION}): "
                "upgrade lifecircle, or rerun the assessment with this version.")
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in raw or raw[f.name] is None:
                continue
            value = raw[f.name]
            expected = {"inputs": dict, "parameters": dict, "counts": dict, "network": dict, "versions": dict,
                        "timings_s": dict, "facility_sources": dict, "profiles": list, "attribution": list,
                        "data_warnings": list, "scenario": dict}.get(f.name, str if f.name != "schema_version" else int)
            if not isinstance(value, expected):
                raise LifecircleInputError(f"{path}: key '{f.name}' must be a JSON {expected.__name__}, not "
                                           f"{type(value).__name__}; rerun the assessment to rewrite it.")
            kwargs[f.name] = value
        kwargs["schema_version"] = version
        rec = cls(**kwargs)
        if not rec.profiles and isinstance(rec.parameters.get("profiles"), list):
            rec.profiles = [str(p) for p in rec.parameters["profiles"]]
        return rec

    # -- what later steps need from the parameters ------------------------------------------------------------

    def recorded_path(self, name: str) -> str | None:
        """The absolute path of input ``name`` as the run read it, when that file still exists."""
        path = (self.inputs.get(name) or {}).get("path")
        return path if path and Path(path).is_file() else None

    @property
    def profile_names(self) -> tuple[str, ...]:
        """The indicator profiles as the run was given them (a user's TOML as its recorded absolute path)."""
        given = self.parameters.get("profiles") or self.profiles
        return tuple(self.recorded_path(f"profile:{p}") or str(p) for p in given)

    @property
    def areas(self) -> str | None:
        """The sub-areas parameter: ``grid:500``, ``h3:8``, a polygon file (its recorded path), or None."""
        areas = self.parameters.get("areas")
        if not areas:
            return None
        areas = str(areas)
        if areas.startswith(_AREA_PARAMETERS):
            return areas
        return self.recorded_path("areas") or areas

    @property
    def area_id_column(self) -> str:
        """The id column of the sub-area polygons (``--areas-id-column``)."""
        return str(self.parameters.get("areas_id_column") or "id")

    @property
    def denominator(self) -> str | None:
        """The denominator the run asked for (``--denominator``), None for each profile's own."""
        value = self.parameters.get("denominator")
        return str(value) if value else None

    @property
    def snap_max_m(self) -> float:
        """The run's snapping distance, metres."""
        value = self.parameters.get("snap_max_m")
        return float(value) if value else 200.0

    @property
    def study_name(self) -> str:
        """The study area's name, as the report and monitoring show it."""
        return self.study_area or str(self.parameters.get("study_area") or "")


class ResultsFolder:
    """A results folder on disk, read lazily file by file.

    Parameters
    ----------
    path
        The folder.
    need
        The files the caller cannot do without (e.g. :data:`FOR_SCENARIO`); checked at once, so a folder that is
        not a results folder, or an old one without them, is refused before any work.

    Every reader method raises :class:`LifecircleInputError` naming the file when it is missing, truncated, not
    the format it should be, or lacks a column of :data:`RESULT_FILES`.
    """

    def __init__(self, path: str | Path, need: Iterable[str] = (RUN_FILE,)) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise LifecircleInputError(
                f"'{self.path}' is not a results folder: it {'is not a folder' if self.path.exists() else 'does not exist (it is not a folder)'}. "
                "Give the --out folder of a finished 'lifecircle assess' (or 'lifecircle demo') run.")
        missing = [n for n in need if not (self.path / n).is_file()]
        if missing:
            raise LifecircleInputError(
                f"The results folder '{self.path}' has no {', '.join(missing)}: it is not a complete results folder. "
                "Give the --out folder of a finished 'lifecircle assess' run, or run the assessment again to write "
                "a complete folder.")

    def __repr__(self) -> str:
        return f"ResultsFolder({str(self.path)!r})"

    def file(self, name: str) -> Path:
        """The path of file ``name`` in the folder (it may not exist)."""
        return self.path / name

    def has(self, name: str) -> bool:
        """Whether the folder holds file ``name``."""
        return (self.path / name).is_file()

    def _missing(self, name: str) -> LifecircleInputError:
        return LifecircleInputError(
            f"'{self.file(name)}' is missing: the results folder '{self.path}' is incomplete. Run the assessment "
            "again to rewrite it.")

    def _damaged(self, name: str, exc: BaseException) -> LifecircleInputError:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return LifecircleInputError(
            f"'{self.file(name)}' cannot be read ({reason[:200]}): the file is damaged or was not written by "
            "lifecircle. Run the assessment again to rewrite the results folder.")

    def _check_columns(self, frame: pd.DataFrame, name: str, extra: Iterable[str] = ()) -> None:
        spec = RESULT_FILES.get(name)
        absent = [c for c in (*(spec.columns if spec else ()), *extra) if c not in frame.columns]
        if absent:
            raise LifecircleInputError(
                f"'{self.file(name)}' lacks the column(s) {', '.join(absent)} (schema: docs/outputs.md): it is from "
                "another program or an old version. Run the assessment again to rewrite it.")

    # -- run.json ----------------------------------------------------------------------------------------------

    def raw_run_bytes(self) -> bytes:
        """The bytes of ``run.json`` (monitoring identifies a run by them)."""
        if not self.has(RUN_FILE):
            raise self._missing(RUN_FILE)
        return self.file(RUN_FILE).read_bytes()

    @cached_property
    def run(self) -> RunRecord:
        """``run.json`` as a :class:`RunRecord`."""
        try:
            raw = json.loads(self.raw_run_bytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LifecircleInputError(
                f"'{self.file(RUN_FILE)}' is not valid UTF-8 JSON ({exc}): the file is damaged or was not written by "
                "lifecircle. Run the assessment again to rewrite the results folder.") from exc
        return RunRecord.from_json(raw, self.file(RUN_FILE))

    @property
    def crs(self) -> str | None:
        """The run's metric CRS (``run.json``), or None when it names none."""
        return self.run.crs or None

    # -- tables ------------------------------------------------------------------------------------------------

    def indicators(self, name: str = INDICATORS_FILE, required: Iterable[str] | None = None) -> pd.DataFrame:
        """``indicators.csv`` (or another indicator table of the folder, e.g. ``comparison.csv``) with at least the
        ``required`` columns (default: those of :data:`RESULT_FILES`).

        ``profile``, ``indicator``, ``area`` and the other text columns are strings (``""`` where empty is never
        turned into NaN); ``value``, ``numerator``, ``denominator``, ``threshold`` and ``target`` are float64 with
        NaN where empty.
        """
        if required is None:
            required = RESULT_FILES.get(name, FileSpec(name, "")).columns
        return read_indicator_table(self.file(name), required)

    # -- layers ------------------------------------------------------------------------------------------------

    def layer(self, name: str, optional: bool = False) -> gpd.GeoDataFrame | None:
        """A GeoParquet layer of the folder in the run's CRS; None when ``optional`` and absent."""
        if not self.has(name):
            if optional:
                return None
            raise self._missing(name)
        try:
            gdf = gpd.read_parquet(self.file(name))
        except Exception as exc:  # pyarrow raises ArrowInvalid/OSError/ValueError for damaged or foreign files
            raise self._damaged(name, exc) from exc
        crs = self.crs
        if gdf.crs is None:
            if crs is None:
                raise LifecircleInputError(f"'{self.file(name)}' has no CRS and run.json names none: add \"crs\" to "
                                           "run.json or rerun the assessment.")
            gdf = gdf.set_crs(crs)
        elif crs is not None and gdf.crs != crs:
            gdf = gdf.to_crs(crs)
        self._check_columns(gdf, name)
        return gdf

    def _required_layer(self, name: str) -> gpd.GeoDataFrame:
        gdf = self.layer(name)
        assert gdf is not None
        return gdf

    def homes(self, snapped: bool = False) -> gpd.GeoDataFrame:
        """``homes.parquet``: homes with population (people) and the walking columns; with ``snapped``, their place on
        the network (``edge_id``, ``edge_frac``, ``access_m`` metres, ``access_s`` seconds) is required too."""
        homes = self._required_layer(HOMES_FILE)
        if snapped:
            self._check_columns(homes, HOMES_FILE, POINT_COLUMNS)
        return homes

    def facilities(self, snapped: bool = False) -> gpd.GeoDataFrame:
        """``facilities.parquet``: facilities, ``id`` as text; ``snapped`` as for :meth:`homes`."""
        fac = self._required_layer(FACILITIES_FILE)
        if snapped:
            self._check_columns(fac, FACILITIES_FILE, POINT_COLUMNS)
        fac["id"] = fac["id"].astype(str)
        return fac

    def edges(self) -> gpd.GeoDataFrame:
        """``network_edges.parquet``: the directed edges."""
        return self._required_layer(EDGES_FILE)

    def areas(self) -> gpd.GeoDataFrame | None:
        """``areas.parquet`` (sub-area polygons), or None."""
        return self.layer(AREAS_FILE, optional=True)

    def gaps(self) -> gpd.GeoDataFrame | None:
        """``gaps.parquet`` (gap polygons), or None."""
        return self.layer(GAPS_FILE, optional=True)

    def unsnapped(self) -> gpd.GeoDataFrame | None:
        """``unsnapped.parquet``, or None."""
        return self.layer(UNSNAPPED_FILE, optional=True)

    def network(self) -> WalkNetwork:
        """The walking network (``network_nodes/edges.parquet``, ``network_meta.json``)."""
        for name in (NODES_FILE, EDGES_FILE, META_FILE):
            if not self.has(name):
                raise self._missing(name)
        try:
            net = load_network(self.path)
        except LifecircleInputError:
            raise
        except Exception as exc:  # a damaged parquet or JSON file
            culprit = _damaged_network_file(self.path)
            raise self._damaged(culprit, exc) from exc
        self._check_columns(net.edges, EDGES_FILE)
        return net


def _damaged_network_file(folder: Path) -> str:
    """Which of the network's files fails to open (the first one, in reading order)."""
    import pyarrow.parquet as pq

    try:
        json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except Exception:
        return META_FILE
    for name in (NODES_FILE, EDGES_FILE):
        try:
            pq.read_metadata(folder / name)
        except Exception:
            return name
    return EDGES_FILE


def read_indicator_table(path: Path, required: Iterable[str] = ("profile", "indicator", "area", "value")) -> pd.DataFrame:
    """Read an indicator table (``indicators.csv``, ``comparison.csv``): the one parser of these files.

    Text columns stay text (an empty cell is ``""``), numeric columns become float64 (NaN where empty).
    """
    if not path.is_file():
        raise LifecircleInputError(f"'{path}' is missing: run the assessment again to rewrite the results folder.")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise LifecircleInputError(f"'{path}' is not a readable CSV table ({str(exc).splitlines()[0]}): run the "
                                   "assessment again to rewrite it.") from exc
    absent = [c for c in required if c not in df.columns]
    if absent:
        raise LifecircleInputError(f"'{path}' lacks the column(s) {', '.join(absent)} (schema: docs/outputs.md): run "
                                   "the assessment again to rewrite it.")
    for col in df.columns:
        if col in _NUMERIC_INDICATOR_COLUMNS or col in ("before", "after", "change"):
            text = df[col].str.strip()
            numbers = pd.to_numeric(text.where(text != "", None), errors="coerce")
            bad = numbers.isna() & text.ne("") & ~text.str.lower().isin(("nan", "inf", "-inf"))
            if bad.any():
                raise LifecircleInputError(f"'{path}' column '{col}' has a non-numeric value "
                                           f"'{text[bad].iloc[0]}': run the assessment again to rewrite it.")
            df[col] = numbers.astype("float64")
    return df
