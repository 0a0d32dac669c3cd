"""Test input for the monitoring store: hand-made results folders (run.json + indicators.csv + facilities.parquet),
user CSV files, and a dump of a store to compare before/after."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

#: Metric CRS of the hand-made runs (UTM 48N: Chongqing).
RUN_CRS = "EPSG:32648"

INDICATOR_HEADER = ["profile", "indicator", "area", "value", "numerator", "denominator", "threshold",
                    "threshold_kind", "source", "name_zh", "name_en", "confidence", "denominator_kind", "unit"]


def write_run(folder: Path, *, created: str, values: dict[tuple[str, str], float],
              facilities: list[tuple[str, str, float, float]] | None = None, profile: str = "cn-health-check",
              inputs: dict | None = None, study_area: str = "Test district", unit: str = "share",
              crs: str = RUN_CRS) -> Path:
    """Write a small coherent results folder: ``values`` maps (indicator, area) to a coverage share; ``facilities``
    are (id, category, lon, lat) in WGS-84, written projected to RUN_CRS like 'assess' does."""
    folder.mkdir(parents=True, exist_ok=True)
    run = {
        "created": created,
        "study_area": study_area,
        "crs": crs,
        "inputs": inputs if inputs is not None else {"osm": {"path": "/data/city.osm.pbf", "sha256": "ab" * 32}},
        "parameters": {"profiles": [profile], "walk_profile": "planning", "snap_max_m": 200.0},
        "versions": {"lifecircle": "0.1.0"},
        "timings_s": {"network": 1.5},
    }
    (folder / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    rows = []
    for (indicator, area), v in values.items():
        rows.append([profile, indicator, area, v, v * 1000.0, 1000.0, 900.0, "walk_time_s", "TD/T 1063-2021",
                     "名称", "Name", "🟡", "area_m2", unit])
    pd.DataFrame(rows, columns=INDICATOR_HEADER).to_csv(folder / "indicators.csv", index=False)
    facilities = facilities or []
    gdf = gpd.GeoDataFrame(
        {"id": [f[0] for f in facilities], "category": [f[1] for f in facilities],
         "name": [f"facility {f[0]}" for f in facilities], "capacity": [float("nan")] * len(facilities)},
        geometry=shapely.points([(f[2], f[3]) for f in facilities]) if facilities else [],
        crs="EPSG:4326",
    ).to_crs(crs)
    gdf.to_parquet(folder / "facilities.parquet", index=False)
    return folder


def dump(store_or_path) -> dict[str, list]:
    """Every row of every table of a store, sorted: to compare a store before and after an operation."""
    from lifecircle.monitor import open_store

    own = not hasattr(store_or_path, "con")
    s = open_store(store_or_path) if own else store_or_path
    try:
        tables = [r[0] for r in s.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY table_name").fetchall()]
        return {t: sorted(map(repr, s.con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    finally:
        if own:
            s.close()


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    """A CSV file as a user would save it (test input)."""
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding=encoding)
    return path


LEDGER_HEADER = ["project_id", "name", "category", "lon", "lat", "coords", "address", "capacity",
                 "responsible_unit", "planned_start", "planned_completion", "actual_completion", "status",
                 "cost_10k_cny", "note"]


def ledger_row(pid: str, *, category: str = "kindergarten", lon="106.5716", lat="29.5572", address="",
               unit: str = "Education Commission", planned: str = "2025-12-31", actual: str = "",
               status: str = "planned", coords: str = "", capacity: str = "", cost: str = "") -> list:
    return [pid, f"project {pid}", category, lon, lat, coords, address, capacity, unit, "", planned, actual, status,
            cost, ""]


#: A version-1 store made by SQL (test input): the schema of store.py's first migration, written out again here
#: so that the test does not depend on the code under test, plus the data of a version-1 user.
V1_SQL = [
    "CREATE TABLE lifecircle_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    "INSERT INTO lifecircle_meta VALUES ('schema_version', '1')",
    """CREATE TABLE imports (import_id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL, imported_at TIMESTAMP NOT NULL, n_rows INTEGER NOT NULL)""",
    """CREATE TABLE runs (run_id INTEGER PRIMARY KEY, run_key VARCHAR NOT NULL UNIQUE, results_dir VARCHAR NOT NULL,
        created TIMESTAMP, data_date DATE NOT NULL, recorded_at TIMESTAMP NOT NULL, study_area VARCHAR NOT NULL,
        crs VARCHAR, profiles VARCHAR NOT NULL, parameters VARCHAR NOT NULL, versions VARCHAR NOT NULL,
        boundary_wkt VARCHAR, run_json VARCHAR NOT NULL)""",
    """CREATE TABLE run_inputs (run_id INTEGER NOT NULL, name VARCHAR NOT NULL, path VARCHAR, sha256 VARCHAR,
        PRIMARY KEY (run_id, name))""",
    """CREATE TABLE indicator_values (run_id INTEGER NOT NULL, profile VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
        area VARCHAR NOT NULL, value DOUBLE, numerator DOUBLE, denominator DOUBLE, threshold DOUBLE,
        threshold_kind VARCHAR, source VARCHAR, name_zh VARCHAR, name_en VARCHAR, confidence VARCHAR,
        denominator_kind VARCHAR, unit VARCHAR, PRIMARY KEY (run_id, profile, indicator, area))""",
    """CREATE TABLE run_facilities (run_id INTEGER NOT NULL, facility_id VARCHAR NOT NULL, category VARCHAR NOT NULL,
        name VARCHAR, capacity DOUBLE, lon DOUBLE, lat DOUBLE, PRIMARY KEY (run_id, facility_id, category))""",
    """CREATE TABLE targets (profile VARCHAR NOT NULL, indicator VARCHAR NOT NULL, area VARCHAR NOT NULL,
        year INTEGER NOT NULL, value DOUBLE NOT NULL, source_document VARCHAR NOT NULL, import_id INTEGER,
        PRIMARY KEY (profile, indicator, area, year))""",
    """CREATE TABLE projects (project_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, category VARCHAR NOT NULL,
        lon DOUBLE, lat DOUBLE, address VARCHAR, capacity DOUBLE, responsible_unit VARCHAR NOT NULL,
        planned_start DATE, planned_completion DATE NOT NULL, actual_completion DATE, status VARCHAR NOT NULL,
        cost_10k_cny DOUBLE, note VARCHAR, import_id INTEGER)""",
    # data of a v1 user
    "INSERT INTO imports VALUES (1, 'targets', 't.csv', 'aa', TIMESTAMP '2025-01-05 10:00:00', 2)",
    "INSERT INTO imports VALUES (2, 'projects', 'p.csv', 'bb', TIMESTAMP '2025-01-06 10:00:00', 1)",
    "INSERT INTO targets VALUES ('cn-health-check', 'health_15min', 'ALL', 2025, 0.95, 'Programme 2024-12', 1)",
    "INSERT INTO targets VALUES ('cn-health-check', 'elderly_care_5min', 'ALL', 2026, 0.8, 'Programme 2024-12', 1)",
    """INSERT INTO projects VALUES ('P1', 'Kindergarten A', 'kindergarten', 106.57, 29.55, NULL, 270, 'Education',
        DATE '2025-01-01', DATE '2025-06-30', NULL, 'under_construction', 1800, NULL, 2)""",
    """INSERT INTO runs VALUES (1, 'k1', '/r/1', TIMESTAMP '2025-03-01 00:00:00', DATE '2025-03-01',
        TIMESTAMP '2025-03-02 00:00:00', 'Yuzhong', 'EPSG:4545', '["cn-health-check"]', '{}', '{}', NULL, '{}')""",
    """INSERT INTO indicator_values VALUES (1, 'cn-health-check', 'health_15min', 'ALL', 0.9, 900, 1000, 900,
        'walk_time_s', 'TD/T 1063', 'x', 'y', '🟡', 'area_m2', 'share of m2')""",
]
