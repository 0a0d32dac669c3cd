"""Record a finished ``lifecircle assess`` results folder in the monitoring store (one transaction).

Stored: the run (study area, CRS, profiles, parameters, versions, the data date, the whole ``run.json``), its
inputs with their SHA-256, every row of ``indicators.csv`` (per profile, indicator and sub-area), and the
facilities of ``facilities.parquet`` with WGS-84 coordinates. The boundary input, when its file is still there
with the same SHA-256, is stored as WGS-84 WKT so that later ledger imports can check coordinates against it.

A run is identified by the SHA-256 of its ``run.json`` and ``indicators.csv`` bytes: recording the same folder
twice stores it once.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.boundary import read_boundary
from lifecircle.monitor.store import MonitorStore
from lifecircle.monitor.tabular import file_sha256, parse_date
from lifecircle.results.folder import FOR_RECORD, ResultsFolder, RunRecord

#: Columns of ``indicators.csv`` kept in ``indicator_values`` (schema: docs/outputs.md).
INDICATOR_COLUMNS = (
    "profile", "indicator", "area", "value", "numerator", "denominator", "threshold", "threshold_kind", "source",
    "name_zh", "name_en", "confidence", "denominator_kind", "unit",
)
_NUMERIC = ("value", "numerator", "denominator", "threshold")


@dataclass(frozen=True)
class RecordedRun:
    """What ``record`` did: the run's id, whether it was new, its data date and how many rows it stored."""

    run_id: int
    new: bool
    data_date: date
    study_area: str
    n_indicator_values: int
    n_facilities: int
    warnings: tuple[str, ...] = ()


def _inputs(run: RunRecord) -> list[tuple[str, str | None, str | None]]:
    """(name, path, sha256) of ``run.json`` ``inputs``."""
    out = []
    for name, v in run.inputs.items():
        if isinstance(v, dict):
            out.append((str(name), _opt_str(v.get("path")), _opt_str(v.get("sha256"))))
        else:
            out.append((str(name), _opt_str(v), None))
    return out


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)


def _profiles(run: RunRecord, indicators: pd.DataFrame) -> list[str]:
    profiles = run.parameters.get("profiles") or run.profiles
    if isinstance(profiles, str):
        profiles = [profiles]
    if not profiles:
        profiles = sorted(indicators["profile"].unique())
    return [str(p) for p in profiles]


def _data_date(run: RunRecord, override: date | None, folder: Path) -> tuple[date, datetime | None]:
    created = None
    text = run.created
    if text:
        try:
            created = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        except ValueError:
            if override is None:
                raise LifecircleInputError(
                    f"run.json 'created' is '{text}', not an ISO date; pass --data-date YYYY-MM-DD."
                ) from None
    if override is not None:
        return override, created
    if created is None:
        raise LifecircleInputError(
            f"{folder / 'run.json'} has no 'created' date; pass the date the run's data describes with "
            "--data-date YYYY-MM-DD."
        )
    return created.date(), created


def _indicator_rows(folder: ResultsFolder) -> pd.DataFrame:
    """The rows of ``indicators.csv`` as the store keeps them (absent schema columns empty)."""
    df = folder.indicators(required=("profile", "indicator", "area", "value"))
    path = folder.file("indicators.csv")
    for c in INDICATOR_COLUMNS:
        if c not in df.columns:
            df[c] = math.nan if c in _NUMERIC else None
    dup = df.duplicated(["profile", "indicator", "area"], keep=False)
    if dup.any():
        first = df.loc[dup, ["profile", "indicator", "area"]].iloc[0].tolist()
        raise LifecircleInputError(
            f"{path} has {int(dup.sum())} rows repeating a (profile, indicator, area), e.g. {first}; each must be "
            "unique. Rerun the assessment."
        )
    return df[list(INDICATOR_COLUMNS)]


def _facility_rows(folder: ResultsFolder) -> pd.DataFrame:
    """The run's facilities with WGS-84 coordinates."""
    gdf = folder.facilities()
    pts = gdf.geometry.representative_point().to_crs("EPSG:4326")
    out = pd.DataFrame({
        "facility_id": gdf["id"].astype(str).to_numpy(),
        "category": gdf["category"].astype(str).to_numpy(),
        "name": gdf["name"].astype(object).where(gdf["name"].notna(), None).to_numpy() if "name" in gdf else None,
        "capacity": pd.to_numeric(gdf["capacity"], errors="coerce").to_numpy(float) if "capacity" in gdf else math.nan,
        "lon": pts.x.to_numpy(),
        "lat": pts.y.to_numpy(),
    })
    return out.drop_duplicates(["facility_id", "category"])


def _boundary_wkt(inputs: list[tuple[str, str | None, str | None]], folder: Path) -> str | None:
    """The run's boundary input as WGS-84 WKT, when its file is still there with the recorded SHA-256 (a relative
    path is looked up from the current folder, then from the results folder's parent)."""
    for name, path, sha in inputs:
        if name != "boundary" or not path:
            continue
        p = Path(path)
        for candidate in ([p] if p.is_absolute() else [p, folder.parent / p]):
            if candidate.is_file() and (sha is None or file_sha256(candidate) == sha):
                return read_boundary(candidate).wkt
    return None


def _other_area_warning(store: MonitorStore, study_area: str, crs: str | None) -> tuple[str, ...]:
    """A warning when the run seems to be of another place than the store's latest run (other name and CRS)."""
    row = store.con.execute("SELECT study_area, crs FROM runs ORDER BY data_date DESC, run_id DESC LIMIT 1").fetchone()
    if row is None or row[0] == study_area or row[1] == crs:
        return ()
    return (f"this run's study area '{study_area}' ({crs}) is not that of the store's latest run '{row[0]}' "
            f"({row[1]}): keep one store per study area (--store PATH), or histories will mix places",)


def record_run(store: MonitorStore, results_dir: str | Path, *, data_date: date | str | None = None) -> RecordedRun:
    """Store the results folder ``results_dir`` of a finished run in one transaction.

    Parameters
    ----------
    store
        The open monitoring store.
    results_dir
        A folder written by ``lifecircle assess`` / ``demo``: ``run.json`` and ``indicators.csv`` are required,
        ``facilities.parquet`` is stored when present.
    data_date
        The date the run's data describes (e.g. the OpenStreetMap snapshot date); default the date of
        ``run.json`` ``created``. Indicator histories and ``status`` order runs by it.

    Returns
    -------
    RecordedRun
        ``new`` is false when the same run (same run.json and indicators.csv bytes) was already stored: nothing
        is written then.

    Raises
    ------
    LifecircleInputError
        When the folder or a required file is missing or malformed; the store is then unchanged.
    """
    results = ResultsFolder(results_dir, need=FOR_RECORD)
    folder = results.path
    if isinstance(data_date, str):
        try:
            data_date = parse_date(data_date)
        except ValueError as exc:
            raise LifecircleInputError(f"--data-date: {exc}.") from exc
    run, run_bytes = results.run, results.raw_run_bytes()
    ind_bytes = results.file("indicators.csv").read_bytes()
    run_key = hashlib.sha256(run_bytes + b"\0" + ind_bytes).hexdigest()
    indicators = _indicator_rows(results)
    when, created = _data_date(run, data_date, folder)
    crs = results.crs
    facilities = _facility_rows(results) if results.has("facilities.parquet") else None
    inputs = _inputs(run)
    params = run.parameters
    study_area = run.study_name
    n_fac = 0 if facilities is None else len(facilities)

    existing = store.con.execute("SELECT run_id, data_date FROM runs WHERE run_key = ?", [run_key]).fetchone()
    if existing:
        return RecordedRun(int(existing[0]), False, existing[1], study_area, len(indicators), n_fac)
    boundary_wkt = _boundary_wkt(inputs, folder)
    warnings = _other_area_warning(store, study_area, crs)

    with store.transaction() as con:
        run_id = store.next_id("runs", "run_id")
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, run_key, str(folder.resolve()), created.replace(tzinfo=None) if created else None, when,
             study_area, crs, json.dumps(_profiles(run, indicators)), json.dumps(params, default=str),
             json.dumps(run.versions, default=str), boundary_wkt, run_bytes.decode("utf-8")],
        )
        if inputs:
            con.executemany("INSERT INTO run_inputs VALUES (?, ?, ?, ?)", [[run_id, *i] for i in inputs])
        ind = indicators.copy()
        ind.insert(0, "run_id", run_id)
        con.register("_ind", ind)
        con.execute(f"INSERT INTO indicator_values (run_id, {', '.join(INDICATOR_COLUMNS)}) "
                    f"SELECT run_id, {', '.join(INDICATOR_COLUMNS)} FROM _ind")
        con.unregister("_ind")
        if facilities is not None and len(facilities):
            fac = facilities.copy()
            fac.insert(0, "run_id", run_id)
            con.register("_fac", fac)
            con.execute("INSERT INTO run_facilities SELECT run_id, facility_id, category, name, capacity, lon, lat "
                        "FROM _fac")
            con.unregister("_fac")
    return RecordedRun(run_id, True, when, study_area, len(indicators), n_fac, warnings)


#: A ``lifecircle batch`` folder holds this file, ``areas/<id>/`` results folders and ``state/<id>.json`` records.
BATCH_FILE = "batch.json"


def batch_area_folders(path: str | Path) -> list[Path] | None:
    """The finished areas' results folders of a ``lifecircle batch`` folder (those with a ``state/<id>.json``), in
    id order; None when ``path`` is not a batch folder."""
    root = Path(path)
    if not (root / BATCH_FILE).is_file():
        return None
    return [root / "areas" / s.stem for s in sorted((root / "state").glob("*.json")) if (root / "areas" / s.stem).is_dir()]


def record_batch(store: MonitorStore, batch_dir: str | Path, *, data_date: date | str | None = None) -> list[RecordedRun]:
    """Store every finished area of a batch folder as one run each (see :func:`record_run`)."""
    folders = batch_area_folders(batch_dir)
    if not folders:
        raise LifecircleInputError(f"'{batch_dir}' is not a batch folder with finished areas (no {BATCH_FILE} or no "
                                   "state/<id>.json): run 'lifecircle batch' to the end first.")
    return [record_run(store, f, data_date=data_date) for f in folders]
